/*
 * core/protect.h — whole-packet protection in place (RFC 9001 §5.3, §5.4)
 * and the Retry Integrity Tag (RFC 9001 §5.8, RFC 9369 §3.3.3). The caller
 * (the connection) parses and builds headers; this layer only needs to know
 * where the packet number starts. Internal to core.
 *
 * Receiving is two steps because the key phase bit of a short header is
 * protected: quic_packet_unprotect_header reveals the first byte and the
 * packet number length, the caller then picks the keys (old, current or
 * next phase) and decodes the full packet number, and quic_packet_open
 * decrypts the payload.
 */
#ifndef H3CLI_CORE_PROTECT_H
#define H3CLI_CORE_PROTECT_H

#include "core/aead.h"

/* The longest packet these calls accept (the largest UDP payload). */
#define QUIC_MAX_PACKET_LEN 65527

/* Protects a packet in place. |pkt| holds the header, whose last |pn_len|
 * (1-4) bytes at |pn_offset| are the encoded packet number (the first
 * byte's low two bits must already say |pn_len| - 1, and a long header's
 * Length field must count the tag), then |payload_len| plaintext bytes;
 * |cap| is the buffer's capacity, which must leave room for the 16-byte tag.
 * |pn| is the full packet number. Encrypts the payload (associated data =
 * the header), appends the tag, then masks the first byte's low 4 (long
 * header) or 5 (short header) bits and the packet-number bytes. Returns the
 * protected length, pn_offset + pn_len + payload_len + 16. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (|pn_len| outside 1-4 or not matching the first
 * byte; pn_len + payload_len below 4, which leaves no full header-protection
 * sample — RFC 9001 §5.4.2 makes padding the sender's job; a length over
 * QUIC_MAX_PACKET_LEN), QUIC_ERR_NOBUF (|cap| too small), QUIC_ERR_CRYPTO.
 * After an error the buffer contents are unspecified. */
int quic_packet_seal(quic_keys *keys, uint8_t *pkt, size_t cap,
                     size_t pn_offset, size_t pn_len, size_t payload_len,
                     uint64_t pn);

/* Removes header protection in place from the packet occupying
 * [pkt, pkt + pkt_len) (for coalesced packets, |pkt_len| ends this packet,
 * from its Length field), whose packet number starts at |pn_offset|. The
 * sample is the 16 bytes at pn_offset + 4 (RFC 9001 §5.4.2). Afterwards
 * pkt[0] is the unmasked first byte (reserved bits, key phase and packet
 * number length readable) and the packet-number bytes are clear; the
 * truncated packet number is stored in |*truncated_pn| when not NULL.
 * Returns the packet-number length (1-4). Errors: QUIC_ERR_SHORT_PACKET
 * (pn_offset + 4 + 16 > pkt_len; nothing is modified), QUIC_ERR_CRYPTO. */
int quic_packet_unprotect_header(quic_keys *keys, uint8_t *pkt, size_t pkt_len,
                                 size_t pn_offset, uint64_t *truncated_pn);

/* Decrypts in place the payload of a packet whose header was unprotected:
 * the header is [pkt, pkt + hdr_len) with hdr_len = pn_offset + pn_len, the
 * ciphertext and 16-byte tag follow up to pkt + pkt_len, and |pn| is the
 * full decoded packet number. Returns the plaintext length (pkt_len -
 * hdr_len - 16), the plaintext starting at pkt + hdr_len. Errors:
 * QUIC_ERR_SHORT_PACKET (no room for the tag), QUIC_ERR_DECRYPT
 * (authentication failed: the payload bytes are then garbage and the packet
 * must be discarded), QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_CRYPTO. */
int quic_packet_open(quic_keys *keys, uint8_t *pkt, size_t pkt_len,
                     size_t hdr_len, uint64_t pn);

/* The longest Retry packet (without its tag) the integrity calls accept; a
 * Retry longer than this does not fit the datagrams either side sends. */
#define QUIC_MAX_RETRY_LEN 1500

/* Computes the Retry Integrity Tag of |version| (RFC 9001 §5.8, RFC 9369
 * §3.3.3) over the pseudo-packet ODCID Length || |odcid| || |retry|, where
 * |retry| is the Retry packet without its tag (|retry_len| bytes), into
 * |tag|. Errors: QUIC_ERR_UNKNOWN_VERSION, QUIC_ERR_INVALID_ARGUMENT
 * (|odcid_len| over 20, |retry_len| over QUIC_MAX_RETRY_LEN),
 * QUIC_ERR_CRYPTO. */
int quic_retry_integrity_tag(uint32_t version, const uint8_t *odcid,
                             size_t odcid_len, const uint8_t *retry,
                             size_t retry_len, uint8_t tag[QUIC_AEAD_TAG_LEN]);

/* Checks the tag at the end of the whole Retry packet |retry| (|len|
 * bytes, tag included) against the client's original DCID. Returns 0 when
 * it matches. Errors: QUIC_ERR_DECRYPT (wrong tag), QUIC_ERR_SHORT_PACKET
 * (|len| below 16), and those of quic_retry_integrity_tag. */
int quic_retry_verify(uint32_t version, const uint8_t *odcid, size_t odcid_len,
                      const uint8_t *retry, size_t len);

#endif /* H3CLI_CORE_PROTECT_H */

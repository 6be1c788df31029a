/* core/packet.h — QUIC packet headers (RFC 9000 §17, RFC 8999 invariants,
 * RFC 9369 §3.2 for v2): parsing and building long and short headers,
 * Version Negotiation and Retry layouts. Works on header-protected bytes and
 * never removes protection or computes the Retry tag (core/aead does).
 * Internal: no allocation, parsed fields point into the caller's datagram. */
#ifndef H3CLI_CORE_PACKET_H
#define H3CLI_CORE_PACKET_H

#include "core/quic.h"

#define QUIC_RETRY_TAG_LEN 16
/* The Length field our long headers carry: a 2-byte varint patched in once
 * the payload is known, so it can reach 16383. */
#define QUIC_LONG_LENGTH_FIELD_LEN 2
#define QUIC_LONG_LENGTH_MAX 16383
/* RFC 8999 §5.1: a long header CID length is one byte, so up to 255 for a
 * version this code does not know. */
#define QUIC_INVARIANT_MAX_CID_LEN 255

typedef enum quic_packet_type {
    QUIC_PACKET_INITIAL = 0,
    QUIC_PACKET_ZERO_RTT,
    QUIC_PACKET_HANDSHAKE,
    QUIC_PACKET_RETRY,
    QUIC_PACKET_VERSION_NEGOTIATION,
    QUIC_PACKET_ONE_RTT,
} quic_packet_type;

/* True for the versions whose long headers this code decodes (v1, v2). */
bool quic_version_is_known(uint32_t version);

/* A parsed header. Pointers point into the datagram passed to the parser
 * and live as long as it does. Fields that the packet type lacks are 0/NULL.
 */
typedef struct quic_packet_header {
    quic_packet_type type;
    bool is_long;
    /* False when the version is not v1/v2: only the invariant fields
     * (version, DCID, SCID) are set (quic_packet_peek only). */
    bool version_known;
    uint8_t first_byte; /* as received: low bits still protected */
    uint32_t version;   /* 0 for short headers and Version Negotiation */
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid; /* long headers only */
    size_t scid_len;
    /* Initial: the token (may be empty). Retry: the Retry Token. */
    const uint8_t *token;
    size_t token_len;
    /* Initial, 0-RTT, Handshake: the Length field (packet number plus
     * payload). */
    uint64_t length;
    /* Offset of the (protected) packet number from the packet's first byte;
     * Initial, 0-RTT, Handshake and 1-RTT only. */
    size_t pn_offset;
    /* Bytes this packet occupies in the datagram: the next coalesced packet
     * starts there. Short headers, Retry and Version Negotiation extend to
     * the end of the datagram. */
    size_t packet_len;
    /* Retry: the 16-byte integrity tag (the last bytes of the packet). */
    const uint8_t *retry_tag;
    /* Version Negotiation: the raw version list (4 bytes per version). */
    const uint8_t *versions;
    size_t versions_len;
} quic_packet_header;

/* Parses the packet starting at |p| in a datagram ending at |end|.
 * |short_dcid_len| is the length of our connection IDs, needed for short
 * headers (which do not carry it). Validates framing only: the fixed bit
 * (except in Version Negotiation), CID lengths, the token and Length fields;
 * reserved bits and the packet number stay protected.
 * Returns 0 and fills |h|, or:
 *   QUIC_ERR_TRUNCATED       the header ends before its fields do;
 *   QUIC_ERR_PACKET_LENGTH   Length is 0 or runs past |end|;
 *   QUIC_ERR_FIXED_BIT       fixed bit 0 in a v1/v2 long or a short header;
 *   QUIC_ERR_CID_TOO_LONG    a v1/v2 CID over 20 bytes;
 *   QUIC_ERR_UNKNOWN_VERSION a long header of another version (the
 *                            invariant fields of |h| are still set);
 *   QUIC_ERR_VN_LIST         Version Negotiation with an empty or ragged
 *                            version list;
 *   QUIC_ERR_RETRY_NO_TOKEN  Retry with an empty token (RFC 9000
 *                            §17.2.5.2: the client discards it);
 *   QUIC_ERR_INVALID_ARGUMENT |short_dcid_len| > 20. */
int quic_packet_parse(quic_packet_header *h, const uint8_t *p,
                      const uint8_t *end, size_t short_dcid_len);

/* For a server's demultiplexer, on any datagram: like quic_packet_parse, but
 * a long header of an unknown version is accepted with |version_known|
 * false and only version, DCID and SCID set (RFC 8999 §5.1: CIDs up to 255
 * bytes), so the caller can answer with Version Negotiation. Never reads
 * outside [p, end). Errors as quic_packet_parse, minus
 * QUIC_ERR_UNKNOWN_VERSION. */
int quic_packet_peek(quic_packet_header *h, const uint8_t *p,
                     const uint8_t *end, size_t short_dcid_len);

/* Copies a parsed CID into a quic_cid; QUIC_ERR_CID_TOO_LONG over 20. */
int quic_cid_from_bytes(quic_cid *out, const uint8_t *data, size_t len);

/* ---- Building ------------------------------------------------------------ */

/* What a long header is built from. |token| is used by Initial only. */
typedef struct quic_long_header_fields {
    quic_packet_type type; /* INITIAL, ZERO_RTT or HANDSHAKE */
    uint32_t version;      /* QUIC_VERSION_1 or QUIC_VERSION_2 */
    const uint8_t *dcid;
    size_t dcid_len;
    const uint8_t *scid;
    size_t scid_len;
    const uint8_t *token;
    size_t token_len;
} quic_long_header_fields;

/* Bytes of the long header for |f| with a |pn_len|-byte packet number
 * (the packet number included, the 2-byte Length field too); 0 if |f| or
 * |pn_len| is invalid. */
size_t quic_long_header_len(const quic_long_header_fields *f, size_t pn_len);

/* Writes the long header at [p, end): first byte with zero reserved bits and
 * the |pn_len|-1 length bits, Length as a 2-byte placeholder, then the low
 * |pn_len| bytes of |pn|. Returns the header length (the packet number
 * starts at that minus |pn_len|), or QUIC_ERR_NOBUF, or
 * QUIC_ERR_INVALID_ARGUMENT (bad type, version, CID length, pn_len). */
int quic_long_header_write(uint8_t *p, const uint8_t *end,
                           const quic_long_header_fields *f, uint64_t pn,
                           size_t pn_len);

/* Fills in the Length field of a long header written by
 * quic_long_header_write: |pkt| is its first byte, |pn_offset| the packet
 * number's offset, |length| the bytes from the packet number to the end of
 * the payload (AEAD tag included). QUIC_ERR_INVALID_ARGUMENT if |length| >
 * QUIC_LONG_LENGTH_MAX. */
int quic_long_header_set_length(uint8_t *pkt, size_t pn_offset,
                                uint64_t length);

/* Bytes of a short header: 1 + |dcid_len| + |pn_len|. */
size_t quic_short_header_len(size_t dcid_len, size_t pn_len);

/* Writes a 1-RTT header 0b01SRRKPP (RFC 9000 §17.3.1) with the spin and
 * key-phase bits, zero reserved bits, then |dcid| and the low |pn_len| bytes
 * of |pn|. Returns the header length, QUIC_ERR_NOBUF or
 * QUIC_ERR_INVALID_ARGUMENT. */
int quic_short_header_write(uint8_t *p, const uint8_t *end, const uint8_t *dcid,
                            size_t dcid_len, bool spin, bool key_phase,
                            uint64_t pn, size_t pn_len);

/* Bytes of a Version Negotiation packet. */
size_t quic_version_negotiation_len(size_t dcid_len, size_t scid_len,
                                    size_t n_versions);

/* Writes a Version Negotiation packet (RFC 9000 §17.2.1). A server answering
 * a client passes the client's SCID as |dcid| and its DCID as |scid|.
 * |unused| fills the 7 unused bits; 0x40 is always set (the §17.2.1 advice,
 * so the packet looks like QUIC to middleboxes). Returns the length,
 * QUIC_ERR_NOBUF or QUIC_ERR_INVALID_ARGUMENT (no versions, a CID over 255
 * bytes). */
int quic_version_negotiation_write(uint8_t *p, const uint8_t *end,
                                   const uint8_t *dcid, size_t dcid_len,
                                   const uint8_t *scid, size_t scid_len,
                                   const uint32_t *versions, size_t n_versions,
                                   uint8_t unused);

/* Number of versions in a parsed Version Negotiation packet. */
size_t quic_version_negotiation_count(const quic_packet_header *h);
/* The |i|th version (i < count). */
uint32_t quic_version_negotiation_at(const quic_packet_header *h, size_t i);

/* Bytes of a Retry packet, tag included. */
size_t quic_retry_len(size_t dcid_len, size_t scid_len, size_t token_len);

/* Writes a Retry packet (RFC 9000 §17.2.5) of |version| with the 4 unused
 * bits from |unused|. |tag| may be NULL: 16 zero bytes are written so the
 * caller can compute the tag over the bytes before it (RFC 9001 §5.8) and
 * overwrite them. Returns the length, QUIC_ERR_NOBUF or
 * QUIC_ERR_INVALID_ARGUMENT (unknown version, CID over 20, empty token). */
int quic_retry_write(uint8_t *p, const uint8_t *end, uint32_t version,
                     const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                     size_t scid_len, const uint8_t *token, size_t token_len,
                     const uint8_t *tag, uint8_t unused);

/* Writes the Retry pseudo-packet the integrity tag is computed over (RFC
 * 9001 §5.8): ODCID length, ODCID, then the Retry packet |retry| without its
 * tag (|retry_len| excludes it). Returns the length or QUIC_ERR_NOBUF /
 * QUIC_ERR_INVALID_ARGUMENT. */
int quic_retry_pseudo_packet_write(uint8_t *p, const uint8_t *end,
                                   const uint8_t *odcid, size_t odcid_len,
                                   const uint8_t *retry, size_t retry_len);

#endif

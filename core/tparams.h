/* core/tparams.h — QUIC transport parameters (RFC 9000 §18, RFC 9221 §3
 * max_datagram_frame_size, RFC 9368 §3 version_information): a fixed
 * struct with presence bits and RFC defaults, encoded and decoded with the
 * §18.2 validation. Internal; checks that need connection state (the CIDs
 * matching what was sent, §7.3) belong to the caller. */
#ifndef H3CLI_CORE_TPARAMS_H
#define H3CLI_CORE_TPARAMS_H

#include "core/quic.h"

/* Parameter IDs. */
#define QUIC_TP_ORIGINAL_DCID 0x00u
#define QUIC_TP_MAX_IDLE_TIMEOUT 0x01u
#define QUIC_TP_STATELESS_RESET_TOKEN 0x02u
#define QUIC_TP_MAX_UDP_PAYLOAD_SIZE 0x03u
#define QUIC_TP_INITIAL_MAX_DATA 0x04u
#define QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL 0x05u
#define QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE 0x06u
#define QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI 0x07u
#define QUIC_TP_INITIAL_MAX_STREAMS_BIDI 0x08u
#define QUIC_TP_INITIAL_MAX_STREAMS_UNI 0x09u
#define QUIC_TP_ACK_DELAY_EXPONENT 0x0au
#define QUIC_TP_MAX_ACK_DELAY 0x0bu
#define QUIC_TP_DISABLE_ACTIVE_MIGRATION 0x0cu
#define QUIC_TP_PREFERRED_ADDRESS 0x0du
#define QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT 0x0eu
#define QUIC_TP_INITIAL_SCID 0x0fu
#define QUIC_TP_RETRY_SCID 0x10u
#define QUIC_TP_VERSION_INFORMATION 0x11u     /* RFC 9368 §9.1 */
#define QUIC_TP_MAX_DATAGRAM_FRAME_SIZE 0x20u /* RFC 9221 §3 */

/* RFC 9000 §18.2 defaults and limits. */
#define QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE 65527
#define QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE 1200
#define QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT 3
#define QUIC_TP_MAX_ACK_DELAY_EXPONENT 20
#define QUIC_TP_DEFAULT_MAX_ACK_DELAY 25 /* ms */
#define QUIC_TP_MAX_MAX_ACK_DELAY ((1u << 14) - 1)
#define QUIC_TP_DEFAULT_ACTIVE_CID_LIMIT 2
/* Available versions kept from a version_information parameter. */
#define QUIC_TP_MAX_AVAILABLE_VERSIONS 16

typedef struct quic_preferred_address {
    uint8_t ipv4[4];
    uint16_t ipv4_port;
    uint8_t ipv6[16];
    uint16_t ipv6_port;
    quic_cid cid; /* 1..20 bytes */
    uint8_t reset_token[16];
} quic_preferred_address;

/* RFC 9368 §3. */
typedef struct quic_version_information {
    uint32_t chosen;
    /* The first QUIC_TP_MAX_AVAILABLE_VERSIONS available versions; a peer
     * listing more has the rest ignored (after validation). */
    uint32_t available[QUIC_TP_MAX_AVAILABLE_VERSIONS];
    size_t available_count;
} quic_version_information;

/* All parameters. A field is meaningful to the encoder only when its bit
 * is set in |present| (quic_tparams_set_present); after decoding, absent
 * fields hold the RFC default. disable_active_migration is presence only. */
typedef struct quic_tparams {
    uint32_t present;
    quic_cid original_dcid;
    uint64_t max_idle_timeout; /* milliseconds; 0 = none */
    uint8_t stateless_reset_token[16];
    uint64_t max_udp_payload_size;
    uint64_t initial_max_data;
    uint64_t initial_max_stream_data_bidi_local;
    uint64_t initial_max_stream_data_bidi_remote;
    uint64_t initial_max_stream_data_uni;
    uint64_t initial_max_streams_bidi;
    uint64_t initial_max_streams_uni;
    uint64_t ack_delay_exponent;
    uint64_t max_ack_delay; /* milliseconds */
    quic_preferred_address preferred_address;
    uint64_t active_connection_id_limit;
    quic_cid initial_scid;
    quic_cid retry_scid;
    uint64_t max_datagram_frame_size; /* 0 = DATAGRAM not supported */
    quic_version_information version_info;
} quic_tparams;

/* One reserved parameter (RFC 9000 §18.1) to send: ID 31 * |n| + 27 with
 * |len| bytes of |value|. The caller picks |n| and the bytes at random. */
typedef struct quic_tparams_grease {
    uint64_t n;
    const uint8_t *value;
    size_t len;
} quic_tparams_grease;

/* Sets every field to its RFC default and marks nothing present. */
void quic_tparams_init(quic_tparams *tp);

/* Whether |id| (a QUIC_TP_* known to this code) is present; false for
 * others. */
bool quic_tparams_has(const quic_tparams *tp, uint64_t id);
/* Marks |id| present (ignored for unknown IDs). */
void quic_tparams_set_present(quic_tparams *tp, uint64_t id);

/* Bytes quic_tparams_encode writes (0 when nothing is present), or
 * QUIC_ERR_INVALID_ARGUMENT if |tp| or |grease| cannot be encoded (a value
 * over 2^62-1, a CID over 20 bytes, a preferred_address with an empty CID,
 * a GREASE n too big). */
int quic_tparams_encode_len(const quic_tparams *tp,
                            const quic_tparams_grease *grease);

/* Writes the present parameters in ID order, then the GREASE one if
 * |grease| is not NULL. Returns the bytes written (>= 0), QUIC_ERR_NOBUF or
 * QUIC_ERR_INVALID_ARGUMENT. Values are not range-checked: sending a bad
 * one is the caller's choice (tests do). */
int quic_tparams_encode(uint8_t *p, const uint8_t *end, const quic_tparams *tp,
                        const quic_tparams_grease *grease);

/* Decodes the peer's parameters, sent by a server when |from_server|.
 * Unknown and reserved IDs are skipped. Returns 0, or
 * QUIC_ERR_TRANSPORT_PARAMETER (RFC 9000 §7.4, §18.2): truncation, a value
 * whose length disagrees with its type, a duplicate, a server-only
 * parameter from a client, max_udp_payload_size < 1200,
 * ack_delay_exponent > 20, max_ack_delay >= 2^14,
 * active_connection_id_limit < 2, initial_max_streams_* > 2^60, a CID over
 * 20 bytes, a preferred_address with an empty CID, or a version_information
 * that RFC 9368 §4 calls a parsing failure. |tp| is undefined on error. */
int quic_tparams_decode(quic_tparams *tp, const uint8_t *p, const uint8_t *end,
                        bool from_server);

#endif

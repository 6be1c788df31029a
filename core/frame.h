/* core/frame.h — QUIC frame encoding and decoding (RFC 9000 §12.4 and §19,
 * RFC 9221 DATAGRAM) and the per-frame-type rules (which packet types may
 * carry it, ack-eliciting, in flight, probing). Decoding is in place: data
 * pointers point into the decrypted packet, nothing is allocated, ACK
 * ranges are walked lazily. Internal; what a frame means for a connection is
 * conn_recv's business. */
#ifndef H3CLI_CORE_FRAME_H
#define H3CLI_CORE_FRAME_H

#include "core/packet.h"
#include "core/quic.h"

/* Frame types (RFC 9000 §19, §12.4 Table 3; RFC 9221 §4). */
#define QUIC_FRAME_PADDING 0x00u
#define QUIC_FRAME_PING 0x01u
#define QUIC_FRAME_ACK 0x02u
#define QUIC_FRAME_ACK_ECN 0x03u
#define QUIC_FRAME_RESET_STREAM 0x04u
#define QUIC_FRAME_STOP_SENDING 0x05u
#define QUIC_FRAME_CRYPTO 0x06u
#define QUIC_FRAME_NEW_TOKEN 0x07u
#define QUIC_FRAME_STREAM 0x08u /* 0x08-0x0f: OR of the three bits below */
#define QUIC_FRAME_STREAM_FIN 0x01u
#define QUIC_FRAME_STREAM_LEN 0x02u
#define QUIC_FRAME_STREAM_OFF 0x04u
#define QUIC_FRAME_MAX_DATA 0x10u
#define QUIC_FRAME_MAX_STREAM_DATA 0x11u
#define QUIC_FRAME_MAX_STREAMS_BIDI 0x12u
#define QUIC_FRAME_MAX_STREAMS_UNI 0x13u
#define QUIC_FRAME_DATA_BLOCKED 0x14u
#define QUIC_FRAME_STREAM_DATA_BLOCKED 0x15u
#define QUIC_FRAME_STREAMS_BLOCKED_BIDI 0x16u
#define QUIC_FRAME_STREAMS_BLOCKED_UNI 0x17u
#define QUIC_FRAME_NEW_CONNECTION_ID 0x18u
#define QUIC_FRAME_RETIRE_CONNECTION_ID 0x19u
#define QUIC_FRAME_PATH_CHALLENGE 0x1au
#define QUIC_FRAME_PATH_RESPONSE 0x1bu
#define QUIC_FRAME_CONNECTION_CLOSE 0x1cu     /* transport error */
#define QUIC_FRAME_CONNECTION_CLOSE_APP 0x1du /* application error */
#define QUIC_FRAME_HANDSHAKE_DONE 0x1eu
#define QUIC_FRAME_DATAGRAM 0x30u     /* extends to the end of the packet */
#define QUIC_FRAME_DATAGRAM_LEN 0x31u /* with a Length field */

#define QUIC_FRAME_IS_STREAM(t) (((t) & ~(uint64_t)0x07) == QUIC_FRAME_STREAM)

/* RFC 9000 §19.11/§19.14: stream counts cannot exceed 2^60. */
#define QUIC_MAX_STREAMS_LIMIT (UINT64_C(1) << 60)
/* RFC 9000 §19.6, §19.8: offset + length of stream data <= 2^62-1. */
#define QUIC_MAX_STREAM_OFFSET ((UINT64_C(1) << 62) - 1)
#define QUIC_STATELESS_RESET_TOKEN_LEN 16
#define QUIC_PATH_DATA_LEN 8

/* An inclusive range of packet numbers. */
typedef struct quic_ack_range {
    uint64_t smallest, largest;
} quic_ack_range;

typedef struct quic_ecn_counts {
    uint64_t ect0, ect1, ce;
} quic_ecn_counts;

/* ACK / ACK_ECN (RFC 9000 §19.3). The Gap/ACK Range pairs stay raw; walk
 * them with quic_ack_iter. A decoded frame is fully validated: no range goes
 * below packet number 0. */
typedef struct quic_frame_ack {
    uint64_t largest;
    uint64_t ack_delay; /* as on the wire, not yet scaled by the exponent */
    uint64_t first_range;
    uint64_t range_count;  /* Gap/ACK Range pairs after the first range */
    const uint8_t *ranges; /* their raw bytes */
    size_t ranges_len;
    uint64_t smallest;   /* smallest acknowledged (set by the decoder) */
    quic_ecn_counts ecn; /* type ACK_ECN only */
} quic_frame_ack;

/* One decoded frame; |type| selects the member of |u|. For STREAM (0x08-
 * 0x0f) and DATAGRAM (0x30/0x31) the type's bits say which optional fields
 * are on the wire, and the encoder follows them. */
typedef struct quic_frame {
    uint64_t type;
    union {
        struct {
            size_t len; /* a run of PADDING bytes counts as one frame */
        } padding;
        quic_frame_ack ack;
        struct {
            uint64_t stream_id, error_code, final_size;
        } reset_stream;
        struct {
            uint64_t stream_id, error_code;
        } stop_sending;
        struct {
            uint64_t offset;
            const uint8_t *data;
            size_t len;
        } crypto;
        struct {
            const uint8_t *token;
            size_t len;
        } new_token;
        struct {
            uint64_t stream_id, offset; /* offset 0 without the OFF bit */
            const uint8_t *data;
            size_t len;
        } stream;
        struct {
            uint64_t max; /* MAX_DATA, MAX_STREAMS */
        } max_data, max_streams;
        struct {
            uint64_t stream_id, max;
        } max_stream_data;
        struct {
            uint64_t limit; /* DATA_BLOCKED, STREAMS_BLOCKED */
        } data_blocked, streams_blocked;
        struct {
            uint64_t stream_id, limit;
        } stream_data_blocked;
        struct {
            uint64_t seq, retire_prior_to;
            quic_cid cid;
            const uint8_t *reset_token; /* 16 bytes */
        } new_connection_id;
        struct {
            uint64_t seq;
        } retire_connection_id;
        struct {
            uint8_t data[QUIC_PATH_DATA_LEN];
        } path_challenge, path_response;
        struct {
            uint64_t error_code;
            uint64_t frame_type; /* 0x1c only; 0 when unknown (§19.19) */
            const uint8_t *reason;
            size_t reason_len;
        } connection_close;
        struct {
            const uint8_t *data;
            size_t len;
        } datagram;
    } u;
} quic_frame;

/* Decodes the frame at [p, end) (p < end) into |f|. Returns the bytes it
 * takes (> 0) or:
 *   QUIC_ERR_FRAME_ENCODING    truncated, unknown type, or a field out of
 *                              its RFC range (FRAME_ENCODING_ERROR);
 *   QUIC_ERR_PROTOCOL_VIOLATION the type is not minimally encoded (§12.4).
 * On error |f->type| is the offending frame type for CONNECTION_CLOSE (0
 * when the type itself is unreadable). A run of PADDING is one frame. */
int quic_frame_decode(quic_frame *f, const uint8_t *p, const uint8_t *end);

/* Bytes quic_frame_encode writes for |f|; 0 if |f| cannot be encoded (an
 * unknown type, a value over 2^62-1, a CID length outside 1..20, …). */
size_t quic_frame_encode_len(const quic_frame *f);

/* Writes |f| at [p, end) with minimal varints (ACK ranges are copied raw).
 * Returns the bytes written, QUIC_ERR_NOBUF or QUIC_ERR_INVALID_ARGUMENT. */
int quic_frame_encode(uint8_t *p, const uint8_t *end, const quic_frame *f);

/* ---- ACK ranges ---------------------------------------------------------- */

/* Walks an ACK frame's ranges from the largest down. */
typedef struct quic_ack_iter {
    const uint8_t *p, *end;
    uint64_t left;     /* raw pairs not yet read */
    uint64_t smallest; /* smallest of the range returned last */
    bool first_done;
    quic_ack_range first;
} quic_ack_iter;

void quic_ack_iter_init(quic_ack_iter *it, const quic_frame_ack *ack);
/* The next range into |out|; false at the end (or on a range that would
 * underflow, which a decoded frame cannot have). */
bool quic_ack_iter_next(quic_ack_iter *it, quic_ack_range *out);

/* Writes an ACK (or ACK_ECN when |ecn| is not NULL) frame for |ranges|,
 * sorted descending and disjoint with at least one missing packet between
 * neighbours, with the wire |ack_delay|. Only as many ranges as fit in
 * [p, end) are written (the largest first); |*n_written| tells how many.
 * Returns the bytes written, QUIC_ERR_NOBUF (not even the first range
 * fits) or QUIC_ERR_INVALID_ARGUMENT (no ranges, unsorted, overlapping,
 * adjacent, or over 2^62-1). */
int quic_ack_frame_write(uint8_t *p, const uint8_t *end,
                         const quic_ack_range *ranges, size_t n_ranges,
                         uint64_t ack_delay, const quic_ecn_counts *ecn,
                         size_t *n_written);

/* ---- Sizing the data frames ---------------------------------------------- */

/* The most data bytes a STREAM frame for (|stream_id|, |offset|) can carry
 * in |space| bytes, with a Length field when |with_len|, never more than
 * |data_len|; 0 when not even the header fits (or |data_len| is 0). The
 * header is sized with the OFF bit set exactly when |offset| > 0. */
size_t quic_stream_frame_max_data(uint64_t stream_id, uint64_t offset,
                                  size_t data_len, bool with_len, size_t space);
/* The same for a CRYPTO frame (which always has a Length). */
size_t quic_crypto_frame_max_data(uint64_t offset, size_t data_len,
                                  size_t space);

/* ---- Per-type rules ------------------------------------------------------ */

/* RFC 9000 §12.4 Table 3 (+ RFC 9221 §4: DATAGRAM in 0-RTT and 1-RTT): may
 * a frame of |frame_type| appear in a packet of |pkt_type|? False for
 * unknown frame types and for Retry / Version Negotiation. */
bool quic_frame_allowed(uint64_t frame_type, quic_packet_type pkt_type);

/* RFC 9000 §13.2.1: all frames but ACK, PADDING and CONNECTION_CLOSE. */
bool quic_frame_is_ack_eliciting(uint64_t frame_type);

/* RFC 9002 §2: ack-eliciting frames and PADDING make a packet count towards
 * bytes in flight; ACK and CONNECTION_CLOSE alone do not. */
bool quic_frame_counts_in_flight(uint64_t frame_type);

/* RFC 9000 §9.1: PATH_CHALLENGE, PATH_RESPONSE, NEW_CONNECTION_ID, PADDING. */
bool quic_frame_is_probing(uint64_t frame_type);

#endif

/* h3/frame.h — HTTP/3 frame codec (RFC 9114 §7): an incremental per-stream
 * frame parser that hands DATA payloads out without copying and buffers the
 * small frames, payload encoders, and unidirectional stream headers (§6.2).
 * It knows nothing of stream roles: which frame may appear on which stream is
 * the connection's rule. Internal. */
#ifndef H3CLI_H3_FRAME_H
#define H3CLI_H3_FRAME_H

#include "h3/h3.h"

#include "core/quic.h"

/* ---- Code points --------------------------------------------------------- */

/* Frame types (RFC 9114 §7.2). */
#define H3_FRAME_DATA 0x00u
#define H3_FRAME_HEADERS 0x01u
#define H3_FRAME_CANCEL_PUSH 0x03u
#define H3_FRAME_SETTINGS 0x04u
#define H3_FRAME_PUSH_PROMISE 0x05u
#define H3_FRAME_GOAWAY 0x07u
#define H3_FRAME_MAX_PUSH_ID 0x0du
/* HTTP/2 frame types with no HTTP/3 counterpart (§7.2.8, §11.2.1): their
 * receipt is H3_FRAME_UNEXPECTED. */
#define H3_FRAME_H2_PRIORITY 0x02u
#define H3_FRAME_H2_PING 0x06u
#define H3_FRAME_H2_WINDOW_UPDATE 0x08u
#define H3_FRAME_H2_CONTINUATION 0x09u

/* Unidirectional stream types (RFC 9114 §6.2, RFC 9204 §4.2). */
#define H3_STREAM_TYPE_CONTROL 0x00u
#define H3_STREAM_TYPE_PUSH 0x01u
#define H3_STREAM_TYPE_QPACK_ENCODER 0x02u
#define H3_STREAM_TYPE_QPACK_DECODER 0x03u

/* Reserved ("grease") values 0x1f * N + 0x21 for frame types, stream types,
 * setting identifiers and error codes (§7.2.8, §6.2.3, §7.2.4.1, §8.1).
 * The largest N whose value still fits a varint: */
#define H3_GREASE_MAX_N ((((UINT64_C(1) << 62) - 1) - 0x21u) / 0x1fu)

/* True if |v| has the form 0x1f * N + 0x21. */
bool h3_is_grease(uint64_t v);
/* 0x1f * |n| + 0x21; |n| must be at most H3_GREASE_MAX_N. */
uint64_t h3_grease_value(uint64_t n);
/* True for the HTTP/2-only frame types listed above. */
bool h3_frame_type_is_h2_only(uint64_t type);

/* ---- Incremental varint reader ------------------------------------------ */

/* Assembles one varint from bytes arriving in arbitrary pieces. */
typedef struct h3_varint_reader {
    uint8_t buf[8];
    uint8_t have; /* bytes collected so far */
    uint8_t need; /* total length, known once the first byte arrived */
} h3_varint_reader;

void h3_varint_reader_reset(h3_varint_reader *r);
/* Takes bytes from [in, in + len) until the varint is complete. Sets
 * |*consumed| to the bytes taken; returns true and sets |*out| when complete
 * (the reader is then reset for the next one), false when all input was
 * taken and more is needed. */
bool h3_varint_reader_feed(h3_varint_reader *r, const uint8_t *in, size_t len,
                           size_t *consumed, uint64_t *out);

/* ---- Frame parser -------------------------------------------------------- */

/* Default limits for buffered frames; see h3_frame_parser_init(). */
#define H3_FRAME_DEFAULT_MAX_SETTINGS_LEN 4096u
#define H3_FRAME_DEFAULT_MAX_FIELD_SECTION_LEN 65536u

typedef enum h3_frame_event_type {
    /* All input was consumed without completing anything: feed more. */
    H3_FRAME_EV_NEED_INPUT = 0,
    /* A piece of a DATA frame's payload: |data|, |len| point into the input
     * (never copied); |frame_end| marks the last piece of the frame. Pieces
     * are non-empty, except that a zero-length DATA frame yields one piece of
     * length 0 with |frame_end| set. */
    H3_FRAME_EV_DATA,
    /* A complete buffered frame (HEADERS, PUSH_PROMISE, SETTINGS, GOAWAY,
     * MAX_PUSH_ID, CANCEL_PUSH): |data|, |len| are the payload — for
     * PUSH_PROMISE only the encoded field section after the push ID. |id|
     * holds the decoded ID of GOAWAY, MAX_PUSH_ID, CANCEL_PUSH and
     * PUSH_PROMISE, whose layout is already checked. SETTINGS payloads are
     * checked by h3_settings_decode(). */
    H3_FRAME_EV_FRAME,
    /* The header of a frame of an unknown or reserved type: |frame_type| and
     * |frame_length| are set and the parser skips the payload (§9: unknown
     * types are ignored). The connection still sees it, e.g. to require
     * SETTINGS as the first frame of a control stream. */
    H3_FRAME_EV_UNKNOWN,
    /* The stream ended cleanly at a frame boundary. Further calls return it
     * again. */
    H3_FRAME_EV_END,
} h3_frame_event_type;

typedef struct h3_frame_event {
    h3_frame_event_type type;
    uint64_t frame_type;   /* DATA, FRAME and UNKNOWN events */
    uint64_t frame_length; /* payload length from the frame header */
    const uint8_t *data;   /* DATA and FRAME events, see above */
    size_t len;
    uint64_t id;    /* FRAME events of the ID-carrying types */
    bool frame_end; /* DATA events */
} h3_frame_event;

/* The parser of one stream's frames after any stream header. Plain struct so
 * it can be embedded; touch fields only through the functions. */
typedef struct h3_frame_parser {
    const quic_allocator *alloc;
    size_t max_settings_len;
    size_t max_field_section_len;
    h3_varint_reader vr;
    int state;
    int error; /* sticky once set */
    uint64_t type;
    uint64_t length;
    uint64_t remaining; /* DATA or skipped payload bytes still to come */
    uint8_t *buf;       /* payload of a frame split across inputs */
    size_t buf_len;
    size_t buf_cap;
} h3_frame_parser;

/* Prepares |p|. |alloc| (NULL = libc) must outlive the parser.
 * |max_settings_len| bounds a SETTINGS payload (beyond it:
 * H3_ERR_EXCESSIVE_LOAD); |max_field_section_len| bounds a HEADERS payload
 * and a PUSH_PROMISE field section (beyond it:
 * H3_ERR_FIELD_SECTION_TOO_LARGE, reported as soon as the frame header is
 * read). Buffers grow to at most these sizes, and only when a frame arrives
 * split across inputs. */
void h3_frame_parser_init(h3_frame_parser *p, const quic_allocator *alloc,
                          size_t max_settings_len,
                          size_t max_field_section_len);
/* Releases the parser's buffer; |p| may be initialised again. */
void h3_frame_parser_free(h3_frame_parser *p);

/* Parses [in, in + len), the next bytes of the stream, until one event.
 * |fin| says the stream ends with the last of these bytes (pass it again on
 * each call with the rest of that input). Sets |*consumed| to the bytes used;
 * the caller calls again with the rest until the event is NEED_INPUT or END.
 * Pointers in |ev| stay valid until the next call on |p| and while the input
 * bytes do.
 * Returns 0, or (sticky: every later call returns it again):
 *   H3_ERR_FRAME_UNEXPECTED        an HTTP/2-only frame type (§7.2.8)
 *   H3_ERR_FRAME                   a payload that does not match its length
 *                                  (§7.1), or FIN inside a frame or a frame
 *                                  header
 *   H3_ERR_EXCESSIVE_LOAD          SETTINGS over max_settings_len
 *   H3_ERR_FIELD_SECTION_TOO_LARGE HEADERS/PUSH_PROMISE over the limit
 *   H3_ERR_NOMEM                   buffer allocation failed */
int h3_frame_parser_next(h3_frame_parser *p, const uint8_t *in, size_t len,
                         bool fin, size_t *consumed, h3_frame_event *ev);

/* ---- Unidirectional stream header (RFC 9114 §6.2) ------------------------ */

typedef struct h3_uni_header {
    h3_varint_reader vr;
    bool have_type;
    uint64_t stream_type;
    uint64_t push_id; /* for H3_STREAM_TYPE_PUSH */
} h3_uni_header;

void h3_uni_header_init(h3_uni_header *h);
/* Reads the stream type, and for a push stream the push ID after it, from
 * bytes arriving in pieces. Sets |*consumed|. Returns 1 once complete (the
 * frames or instructions start after |*consumed|), 0 if more is needed. A
 * stream that ends before its header is not an error (§6.2: it must be
 * tolerated), so there is no error return. */
int h3_uni_header_parse(h3_uni_header *h, const uint8_t *in, size_t len,
                        size_t *consumed);

/* ---- Encoders ------------------------------------------------------------ */

/* Each *_len() gives the exact size of the encoding (0 if a value does not
 * fit a varint); each write function writes it to |out| of capacity |cap|
 * and returns the bytes written, H3_ERR_NOBUF if |cap| is too small or
 * H3_ERR_INVALID_ARGUMENT if a value does not fit (a varint, or an int for
 * the total). */

size_t h3_frame_header_len(uint64_t type, uint64_t payload_len);
/* A frame header alone: DATA frames are sent as this header followed by the
 * payload, so the payload itself is never copied here. */
int h3_frame_write_header(uint8_t *out, size_t cap, uint64_t type,
                          uint64_t payload_len);

/* HEADERS carrying an encoded field section. */
size_t h3_frame_headers_len(size_t field_section_len);
int h3_frame_write_headers(uint8_t *out, size_t cap,
                           const uint8_t *field_section,
                           size_t field_section_len);

/* A whole DATA frame, for small payloads. */
size_t h3_frame_data_len(size_t data_len);
int h3_frame_write_data(uint8_t *out, size_t cap, const uint8_t *data,
                        size_t data_len);

size_t h3_frame_push_promise_len(uint64_t push_id, size_t field_section_len);
int h3_frame_write_push_promise(uint8_t *out, size_t cap, uint64_t push_id,
                                const uint8_t *field_section,
                                size_t field_section_len);

/* CANCEL_PUSH, GOAWAY and MAX_PUSH_ID share one size: type, length, id. */
size_t h3_frame_id_frame_len(uint64_t id);
int h3_frame_write_cancel_push(uint8_t *out, size_t cap, uint64_t push_id);
int h3_frame_write_goaway(uint8_t *out, size_t cap, uint64_t id);
int h3_frame_write_max_push_id(uint8_t *out, size_t cap, uint64_t push_id);

/* A reserved frame of type h3_grease_value(|n|) with |payload| (may be NULL
 * when |payload_len| is 0). */
size_t h3_frame_grease_len(uint64_t n, size_t payload_len);
int h3_frame_write_grease(uint8_t *out, size_t cap, uint64_t n,
                          const uint8_t *payload, size_t payload_len);

/* The header of a unidirectional stream: its type; for a push stream use
 * the push variant, which adds the push ID. */
size_t h3_stream_type_len(uint64_t stream_type);
int h3_write_stream_type(uint8_t *out, size_t cap, uint64_t stream_type);
size_t h3_push_stream_header_len(uint64_t push_id);
int h3_write_push_stream_header(uint8_t *out, size_t cap, uint64_t push_id);

#endif

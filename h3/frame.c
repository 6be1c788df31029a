/* h3/frame.c — HTTP/3 frame parsing and encoding (RFC 9114 §7) and
 * unidirectional stream headers (§6.2); not the rules of which frame may
 * appear on which stream, which belong to the connection. */
#include "h3/frame.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/varint.h"

enum parser_state {
    ST_TYPE = 0, /* reading a frame type varint */
    ST_LENGTH,   /* reading a frame length varint */
    ST_DATA,     /* handing out a DATA payload */
    ST_BUFFER,   /* collecting a buffered frame split across inputs */
    ST_SKIP,     /* discarding an unknown frame's payload */
    ST_END,      /* FIN seen at a frame boundary */
};

/* The ID frames carry exactly one varint: at most 8 bytes (§7.2.3, §7.2.6,
 * §7.2.7). */
#define ID_FRAME_MAX_LEN 8u

bool h3_is_grease(uint64_t v) {
    return v >= 0x21u && (v - 0x21u) % 0x1fu == 0;
}

uint64_t h3_grease_value(uint64_t n) {
    return 0x1fu * n + 0x21u;
}

bool h3_frame_type_is_h2_only(uint64_t type) {
    return type == H3_FRAME_H2_PRIORITY || type == H3_FRAME_H2_PING ||
           type == H3_FRAME_H2_WINDOW_UPDATE ||
           type == H3_FRAME_H2_CONTINUATION;
}

/* ---- Incremental varint reader ------------------------------------------ */

void h3_varint_reader_reset(h3_varint_reader *r) {
    r->have = r->need = 0;
}

bool h3_varint_reader_feed(h3_varint_reader *r, const uint8_t *in, size_t len,
                           size_t *consumed, uint64_t *out) {
    size_t used = 0;
    if (r->have == 0) {
        if (len == 0) {
            *consumed = 0;
            return false;
        }
        r->need = (uint8_t)(1u << (in[0] >> 6));
        /* Fast path: the whole varint is in this input. */
        if (len >= r->need) {
            const uint8_t *end = quic_get_varint(in, in + len, out);
            *consumed = (size_t)(end - in);
            r->need = 0;
            return true;
        }
    }
    while (used < len && r->have < r->need)
        r->buf[r->have++] = in[used++];
    *consumed = used;
    if (r->have < r->need)
        return false;
    quic_get_varint(r->buf, r->buf + r->need, out);
    h3_varint_reader_reset(r);
    return true;
}

/* ---- Parser -------------------------------------------------------------- */

static void *alloc_realloc(const quic_allocator *a, void *ptr, size_t size) {
    if (a && a->realloc)
        return a->realloc(ptr, size, a->user_data);
    return realloc(ptr, size);
}

static void alloc_free(const quic_allocator *a, void *ptr) {
    if (!ptr)
        return;
    if (a && a->free)
        a->free(ptr, a->user_data);
    else
        free(ptr);
}

void h3_frame_parser_init(h3_frame_parser *p, const quic_allocator *alloc,
                          size_t max_settings_len,
                          size_t max_field_section_len) {
    memset(p, 0, sizeof(*p));
    p->alloc = alloc;
    p->max_settings_len = max_settings_len;
    p->max_field_section_len = max_field_section_len;
    p->state = ST_TYPE;
}

void h3_frame_parser_free(h3_frame_parser *p) {
    alloc_free(p->alloc, p->buf);
    p->buf = NULL;
    p->buf_len = p->buf_cap = 0;
}

static int fail(h3_frame_parser *p, int err) {
    p->error = err;
    return err;
}

static bool is_buffered_type(uint64_t type) {
    return type == H3_FRAME_HEADERS || type == H3_FRAME_PUSH_PROMISE ||
           type == H3_FRAME_SETTINGS || type == H3_FRAME_GOAWAY ||
           type == H3_FRAME_MAX_PUSH_ID || type == H3_FRAME_CANCEL_PUSH;
}

/* The size limit a buffered frame's payload must respect; returns the error
 * for exceeding it through |*err|. */
static uint64_t buffered_limit(const h3_frame_parser *p, uint64_t type,
                               int *err) {
    switch (type) {
    case H3_FRAME_HEADERS:
        *err = H3_ERR_FIELD_SECTION_TOO_LARGE;
        return p->max_field_section_len;
    case H3_FRAME_PUSH_PROMISE:
        *err = H3_ERR_FIELD_SECTION_TOO_LARGE;
        return (uint64_t)p->max_field_section_len + ID_FRAME_MAX_LEN;
    case H3_FRAME_SETTINGS:
        *err = H3_ERR_EXCESSIVE_LOAD;
        return p->max_settings_len;
    default:
        /* §7.1: a longer payload cannot hold exactly one varint. */
        *err = H3_ERR_FRAME;
        return ID_FRAME_MAX_LEN;
    }
}

/* Checks a complete buffered payload and fills the FRAME event. §7.1: "a
 * frame payload that contains additional bytes after the identified fields
 * or ... terminates before the end of the identified fields MUST be treated
 * as a connection error of type H3_FRAME_ERROR". */
static int finish_frame(h3_frame_parser *p, const uint8_t *payload, size_t len,
                        h3_frame_event *ev) {
    const uint8_t *end = payload + len, *pos = payload;
    ev->type = H3_FRAME_EV_FRAME;
    ev->frame_type = p->type;
    ev->frame_length = p->length;
    if (p->type != H3_FRAME_HEADERS && p->type != H3_FRAME_SETTINGS) {
        pos = len ? quic_get_varint(payload, end, &ev->id) : NULL;
        if (!pos)
            return fail(p, H3_ERR_FRAME);
        if (p->type != H3_FRAME_PUSH_PROMISE && pos != end)
            return fail(p, H3_ERR_FRAME);
    }
    ev->data = pos;
    ev->len = (size_t)(end - pos);
    p->state = ST_TYPE;
    return 1;
}

static int reserve_buffer(h3_frame_parser *p, size_t size) {
    if (p->buf_cap >= size)
        return 0;
    uint8_t *nb = alloc_realloc(p->alloc, p->buf, size);
    if (!nb)
        return fail(p, H3_ERR_NOMEM);
    p->buf = nb;
    p->buf_cap = size;
    return 0;
}

/* A frame header is complete; [in, in + len) is the input after it. Returns
 * 1 with an event, 0 to go on, or an error; |*used| counts payload bytes
 * taken here. */
static int start_frame(h3_frame_parser *p, const uint8_t *in, size_t len,
                       size_t *used, h3_frame_event *ev) {
    *used = 0;
    if (h3_frame_type_is_h2_only(p->type))
        return fail(p, H3_ERR_FRAME_UNEXPECTED);
    if (p->type == H3_FRAME_DATA) {
        p->remaining = p->length;
        p->state = ST_DATA;
        if (p->length > 0)
            return 0;
        *ev = (h3_frame_event){.type = H3_FRAME_EV_DATA,
                               .frame_type = H3_FRAME_DATA,
                               .data = in,
                               .frame_end = true};
        p->state = ST_TYPE;
        return 1;
    }
    if (!is_buffered_type(p->type)) {
        p->remaining = p->length;
        p->state = p->length ? ST_SKIP : ST_TYPE;
        *ev = (h3_frame_event){.type = H3_FRAME_EV_UNKNOWN,
                               .frame_type = p->type,
                               .frame_length = p->length};
        return 1;
    }
    int err;
    if (p->length > buffered_limit(p, p->type, &err))
        return fail(p, err);
    if (p->length <= len) {
        /* Zero-copy: the whole payload is in this input. */
        *used = (size_t)p->length;
        return finish_frame(p, in, *used, ev);
    }
    int rc = reserve_buffer(p, (size_t)p->length);
    if (rc < 0)
        return rc;
    p->buf_len = 0;
    p->state = ST_BUFFER;
    return 0;
}

/* Reads a type or length varint. */
static int step_varint(h3_frame_parser *p, const uint8_t *in, size_t len,
                       size_t *used, h3_frame_event *ev) {
    uint64_t v;
    if (!h3_varint_reader_feed(&p->vr, in, len, used, &v))
        return 0;
    if (p->state == ST_TYPE) {
        p->type = v;
        p->state = ST_LENGTH;
        return 0;
    }
    p->length = v;
    size_t payload_used;
    int rc = start_frame(p, in + *used, len - *used, &payload_used, ev);
    *used += payload_used;
    return rc;
}

static int step_payload(h3_frame_parser *p, const uint8_t *in, size_t len,
                        size_t *used, h3_frame_event *ev) {
    if (p->state == ST_BUFFER) {
        size_t want = (size_t)p->length - p->buf_len;
        *used = len < want ? len : want;
        memcpy(p->buf + p->buf_len, in, *used);
        p->buf_len += *used;
        if (p->buf_len < p->length)
            return 0;
        return finish_frame(p, p->buf, p->buf_len, ev);
    }
    *used = p->remaining < len ? (size_t)p->remaining : len;
    p->remaining -= *used;
    if (p->state == ST_SKIP) {
        if (p->remaining == 0)
            p->state = ST_TYPE;
        return 0;
    }
    *ev = (h3_frame_event){.type = H3_FRAME_EV_DATA,
                           .frame_type = H3_FRAME_DATA,
                           .frame_length = p->length,
                           .data = in,
                           .len = *used,
                           .frame_end = p->remaining == 0};
    if (p->remaining == 0)
        p->state = ST_TYPE;
    return 1;
}

/* All input is used up and no event came out. §7.1: "When a stream
 * terminates cleanly, if the last frame on the stream was truncated, this
 * MUST be treated as a connection error of type H3_FRAME_ERROR." */
static int out_of_input(h3_frame_parser *p, bool fin, h3_frame_event *ev) {
    if (!fin) {
        ev->type = H3_FRAME_EV_NEED_INPUT;
        return 0;
    }
    if (p->state != ST_TYPE || p->vr.have != 0)
        return fail(p, H3_ERR_FRAME);
    p->state = ST_END;
    ev->type = H3_FRAME_EV_END;
    return 0;
}

int h3_frame_parser_next(h3_frame_parser *p, const uint8_t *in, size_t len,
                         bool fin, size_t *consumed, h3_frame_event *ev) {
    size_t off = 0;
    *consumed = 0;
    memset(ev, 0, sizeof(*ev));
    if (p->error)
        return p->error;
    if (p->state == ST_END) {
        ev->type = H3_FRAME_EV_END;
        return 0;
    }
    for (;;) {
        /* A frame that needs no payload bytes (zero-length DATA, a HEADERS
         * frame wholly in the input) completes inside the step that reads
         * its length, so running out of input here is always a pause. */
        if (off == len) {
            *consumed = off;
            return out_of_input(p, fin, ev);
        }
        bool in_header = p->state == ST_TYPE || p->state == ST_LENGTH;
        size_t used = 0;
        int rc = in_header ? step_varint(p, in + off, len - off, &used, ev)
                           : step_payload(p, in + off, len - off, &used, ev);
        off += used;
        *consumed = off;
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
}

/* ---- Unidirectional stream header ---------------------------------------- */

void h3_uni_header_init(h3_uni_header *h) {
    memset(h, 0, sizeof(*h));
}

int h3_uni_header_parse(h3_uni_header *h, const uint8_t *in, size_t len,
                        size_t *consumed) {
    size_t off = 0, used;
    uint64_t v;
    if (!h->have_type) {
        if (!h3_varint_reader_feed(&h->vr, in, len, &used, &v)) {
            *consumed = used;
            return 0;
        }
        off = used;
        h->stream_type = v;
        h->have_type = true;
        if (v != H3_STREAM_TYPE_PUSH) {
            *consumed = off;
            return 1;
        }
    }
    /* §4.6: "Push Stream Header { Stream Type (i) = 0x01, Push ID (i) }" */
    bool done = h3_varint_reader_feed(&h->vr, in + off, len - off, &used, &v);
    *consumed = off + used;
    if (!done)
        return 0;
    h->push_id = v;
    return 1;
}

/* ---- Encoders ------------------------------------------------------------ */

/* Fits a total size in the int return value. */
static int checked_total(size_t total, size_t cap) {
    if (total == 0 || total > INT_MAX)
        return H3_ERR_INVALID_ARGUMENT;
    if (total > cap)
        return H3_ERR_NOBUF;
    return (int)total;
}

size_t h3_frame_header_len(uint64_t type, uint64_t payload_len) {
    size_t a = quic_varint_len(type), b = quic_varint_len(payload_len);
    return a && b ? a + b : 0;
}

int h3_frame_write_header(uint8_t *out, size_t cap, uint64_t type,
                          uint64_t payload_len) {
    int n = checked_total(h3_frame_header_len(type, payload_len), cap);
    if (n < 0)
        return n;
    quic_put_varint(quic_put_varint(out, type), payload_len);
    return n;
}

/* Sizes a frame of |type| with a payload of |payload_len| bytes; 0 if it
 * does not fit. */
static size_t frame_len(uint64_t type, size_t payload_len) {
    size_t h = h3_frame_header_len(type, payload_len);
    if (!h || payload_len > SIZE_MAX - h)
        return 0;
    return h + payload_len;
}

/* Writes a frame whose payload is |prefix_id| (unless |with_id| is false)
 * followed by |body|. */
static int write_frame(uint8_t *out, size_t cap, uint64_t type, bool with_id,
                       uint64_t prefix_id, const uint8_t *body,
                       size_t body_len) {
    size_t id_len = with_id ? quic_varint_len(prefix_id) : 0;
    if (with_id && id_len == 0)
        return H3_ERR_INVALID_ARGUMENT;
    if (body_len > SIZE_MAX - id_len)
        return H3_ERR_INVALID_ARGUMENT;
    size_t payload_len = id_len + body_len;
    int n = checked_total(frame_len(type, payload_len), cap);
    if (n < 0)
        return n;
    uint8_t *p = quic_put_varint(quic_put_varint(out, type), payload_len);
    if (with_id)
        p = quic_put_varint(p, prefix_id);
    if (body_len)
        memcpy(p, body, body_len);
    return n;
}

size_t h3_frame_headers_len(size_t field_section_len) {
    return frame_len(H3_FRAME_HEADERS, field_section_len);
}

int h3_frame_write_headers(uint8_t *out, size_t cap,
                           const uint8_t *field_section,
                           size_t field_section_len) {
    return write_frame(out, cap, H3_FRAME_HEADERS, false, 0, field_section,
                       field_section_len);
}

size_t h3_frame_data_len(size_t data_len) {
    return frame_len(H3_FRAME_DATA, data_len);
}

int h3_frame_write_data(uint8_t *out, size_t cap, const uint8_t *data,
                        size_t data_len) {
    return write_frame(out, cap, H3_FRAME_DATA, false, 0, data, data_len);
}

size_t h3_frame_push_promise_len(uint64_t push_id, size_t field_section_len) {
    size_t id_len = quic_varint_len(push_id);
    if (!id_len || field_section_len > SIZE_MAX - id_len)
        return 0;
    return frame_len(H3_FRAME_PUSH_PROMISE, id_len + field_section_len);
}

int h3_frame_write_push_promise(uint8_t *out, size_t cap, uint64_t push_id,
                                const uint8_t *field_section,
                                size_t field_section_len) {
    return write_frame(out, cap, H3_FRAME_PUSH_PROMISE, true, push_id,
                       field_section, field_section_len);
}

size_t h3_frame_id_frame_len(uint64_t id) {
    size_t id_len = quic_varint_len(id);
    return id_len ? frame_len(H3_FRAME_GOAWAY, id_len) : 0;
}

int h3_frame_write_cancel_push(uint8_t *out, size_t cap, uint64_t push_id) {
    return write_frame(out, cap, H3_FRAME_CANCEL_PUSH, true, push_id, NULL, 0);
}

int h3_frame_write_goaway(uint8_t *out, size_t cap, uint64_t id) {
    return write_frame(out, cap, H3_FRAME_GOAWAY, true, id, NULL, 0);
}

int h3_frame_write_max_push_id(uint8_t *out, size_t cap, uint64_t push_id) {
    return write_frame(out, cap, H3_FRAME_MAX_PUSH_ID, true, push_id, NULL, 0);
}

size_t h3_frame_grease_len(uint64_t n, size_t payload_len) {
    if (n > H3_GREASE_MAX_N)
        return 0;
    return frame_len(h3_grease_value(n), payload_len);
}

int h3_frame_write_grease(uint8_t *out, size_t cap, uint64_t n,
                          const uint8_t *payload, size_t payload_len) {
    if (n > H3_GREASE_MAX_N)
        return H3_ERR_INVALID_ARGUMENT;
    return write_frame(out, cap, h3_grease_value(n), false, 0, payload,
                       payload_len);
}

size_t h3_stream_type_len(uint64_t stream_type) {
    return quic_varint_len(stream_type);
}

int h3_write_stream_type(uint8_t *out, size_t cap, uint64_t stream_type) {
    int n = checked_total(h3_stream_type_len(stream_type), cap);
    if (n < 0)
        return n;
    quic_put_varint(out, stream_type);
    return n;
}

size_t h3_push_stream_header_len(uint64_t push_id) {
    size_t id_len = quic_varint_len(push_id);
    return id_len ? 1 + id_len : 0;
}

int h3_write_push_stream_header(uint8_t *out, size_t cap, uint64_t push_id) {
    int n = checked_total(h3_push_stream_header_len(push_id), cap);
    if (n < 0)
        return n;
    quic_put_varint(quic_put_varint(out, H3_STREAM_TYPE_PUSH), push_id);
    return n;
}

/* h3/stream.h — the HTTP/3 connection's per-stream state and the table that
 * finds it by stream ID (an open-addressing map from 62-bit IDs to objects,
 * also used for push IDs). Not the frame rules, which live in conn_recv.c.
 * Internal. */
#ifndef H3CLI_H3_STREAM_H
#define H3CLI_H3_STREAM_H

#include "h3/h3.h"

#include "core/quic.h"
#include "h3/frame.h"
#include "h3/message.h"

/* ---- ID map -------------------------------------------------------------- */

/* Maps uint64_t keys (stream or push IDs, below 2^62) to non-NULL
 * pointers. Plain struct; use the functions. */
typedef struct h3_idmap {
    const quic_allocator *alloc;
    uint64_t *keys;
    void **vals; /* NULL: empty slot */
    size_t cap;  /* a power of two, or 0 */
    size_t count;
} h3_idmap;

void h3_idmap_init(h3_idmap *m, const quic_allocator *alloc);
/* Frees the table, not the values. */
void h3_idmap_cleanup(h3_idmap *m);
/* The value for |key|, or NULL. */
void *h3_idmap_get(const h3_idmap *m, uint64_t key);
/* Adds |key| (not present yet) → |val| (not NULL). Errors: H3_ERR_NOMEM. */
int h3_idmap_put(h3_idmap *m, uint64_t key, void *val);
/* Removes |key| if present. */
void h3_idmap_remove(h3_idmap *m, uint64_t key);
/* Iteration: for (size_t i = 0; i < m->cap; i++) if (m->vals[i]) … ; the
 * map must not change meanwhile. */

/* ---- Stream state -------------------------------------------------------- */

typedef enum h3_stream_kind {
    H3_STREAM_REQUEST = 0,  /* client bidirectional request stream */
    H3_STREAM_PUSH,         /* a push stream, received or sent */
    H3_STREAM_UNI_UNKNOWN,  /* a peer's uni stream before its type arrived */
    H3_STREAM_PEER_CONTROL, /* the peer's control stream */
    H3_STREAM_PEER_ENCODER, /* the peer's QPACK encoder stream */
    H3_STREAM_PEER_DECODER, /* the peer's QPACK decoder stream */
    H3_STREAM_DISCARD,      /* ignored until it ends (unknown type,
                               rejected request, cancelled push) */
} h3_stream_kind;

/* What the receive side is waiting for when header decoding is blocked. */
typedef enum h3_blocked_frame {
    H3_BLOCKED_NONE = 0,
    H3_BLOCKED_HEADERS,
    H3_BLOCKED_PUSH_PROMISE,
} h3_blocked_frame;

typedef struct h3_stream {
    uint64_t id;
    h3_stream_kind kind;
    uint64_t push_id; /* H3_PUSH_ID_NONE unless a push stream */

    /* Receive side. */
    h3_uni_header uni;      /* peer uni streams: the stream header */
    h3_frame_parser parser; /* request, push and control streams */
    h3_message_tracker recv_msg;
    bool recv_closed;         /* nothing more is processed: FIN seen,
                                 reset, or stopped by us */
    bool recv_done;           /* QUIC delivers nothing more: FIN or
                                 RESET_STREAM arrived (or no receive
                                 side) */
    bool app_seen;            /* an event for it was queued */
    h3_blocked_frame blocked; /* a field section waits for inserts */
    uint64_t blocked_push_id; /* for a blocked PUSH_PROMISE */
    uint8_t *pending;         /* input held back while blocked */
    size_t pending_len, pending_cap;
    bool pending_fin;
    /* The request's method, to read the response right (RFC 9110 §9.3.2,
     * §9.3.6): set from the request a client sent or a server received. */
    bool head_request;
    bool connect_request;

    /* Send side (request streams and our push streams). */
    h3_message_tracker send_msg;
    bool local;       /* opened by us */
    bool send_closed; /* FIN or RESET_STREAM sent, STOP_SENDING received,
                         or no send side */
} h3_stream;

/* Allocates a stream of |kind| with its parser limits. Returns NULL when
 * out of memory. */
h3_stream *h3_stream_new(const quic_allocator *alloc, uint64_t id,
                         h3_stream_kind kind, size_t max_field_section_len);
/* Frees |st| and its buffers; NULL is accepted. */
void h3_stream_free(const quic_allocator *alloc, h3_stream *st);

/* Appends |len| bytes to the stream's pending input. Errors: H3_ERR_NOMEM. */
int h3_stream_hold(const quic_allocator *alloc, h3_stream *st,
                   const uint8_t *data, size_t len);

/* Stream ID facts (RFC 9000 §2.1). */
static inline bool h3_stream_id_is_uni(uint64_t id) {
    return (id & 0x2u) != 0;
}
static inline bool h3_stream_id_is_client(uint64_t id) {
    return (id & 0x1u) == 0;
}
static inline bool h3_stream_id_is_request(uint64_t id) {
    return (id & 0x3u) == 0;
}

/* Allocation through a possibly NULL quic_allocator. */
void *h3_malloc(const quic_allocator *a, size_t size);
void *h3_realloc(const quic_allocator *a, void *ptr, size_t size);
void h3_free(const quic_allocator *a, void *ptr);

#endif

/* core/events.c — the ring of event records behind quic_conn_next_event;
 * it does not know streams: readable marks are materialised by conn.c. */
#include "core/events.h"

#include "core/mem.h"

#include <string.h>

void quic_evq_init(quic_evq *q, const quic_allocator *alloc) {
    memset(q, 0, sizeof(*q));
    q->alloc = alloc;
}

void quic_evq_cleanup(quic_evq *q) {
    for (size_t i = 0; i < q->count; i++)
        quic_mem_free(q->alloc, q->ring[(q->head + i) % q->cap].owned);
    quic_mem_free(q->alloc, q->ring);
    quic_mem_free(q->alloc, q->lent);
    memset(q, 0, sizeof(*q));
}

/* Doubles the ring, unrolling it so the oldest record is at index 0. */
static int grow(quic_evq *q) {
    size_t cap = q->cap ? 2 * q->cap : 16;
    quic_evrec *ring = quic_mem_realloc(q->alloc, q->ring, cap * sizeof(*ring));
    if (!ring)
        return QUIC_ERR_NOMEM;
    /* Records that wrapped around the old end move after it. */
    size_t wrapped =
        q->head + q->count > q->cap ? q->head + q->count - q->cap : 0;
    memcpy(ring + q->cap, ring, wrapped * sizeof(*ring));
    q->ring = ring;
    q->cap = cap;
    return 0;
}

static quic_evrec *append(quic_evq *q) {
    if (q->count == q->cap && grow(q) < 0)
        return NULL;
    quic_evrec *r = &q->ring[(q->head + q->count) % q->cap];
    q->count++;
    memset(r, 0, sizeof(*r));
    return r;
}

int quic_evq_push(quic_evq *q, const quic_event *ev) {
    quic_evrec *r = append(q);
    if (!r)
        return QUIC_ERR_NOMEM;
    r->ev = *ev;
    return 0;
}

int quic_evq_push_datagram(quic_evq *q, const uint8_t *data, size_t len,
                           size_t budget) {
    if (q->datagram_bytes + len > budget)
        return 1;
    uint8_t *copy = quic_mem_malloc(q->alloc, len ? len : 1);
    if (!copy)
        return QUIC_ERR_NOMEM;
    if (len)
        memcpy(copy, data, len);
    quic_evrec *r = append(q);
    if (!r) {
        quic_mem_free(q->alloc, copy);
        return QUIC_ERR_NOMEM;
    }
    r->ev.type = QUIC_EVENT_DATAGRAM_FRAME_RECEIVED;
    r->ev.u.datagram_frame_received.data = copy;
    r->ev.u.datagram_frame_received.len = len;
    r->owned = copy;
    q->datagram_bytes += len;
    return 0;
}

int quic_evq_push_readable(quic_evq *q, uint64_t stream_id) {
    quic_evrec *r = append(q);
    if (!r)
        return QUIC_ERR_NOMEM;
    r->ev.type = QUIC_EVENT_STREAM_DATA_RECEIVED;
    r->ev.u.stream_data_received.stream_id = stream_id;
    r->ev.u.stream_data_received.data = NULL;
    return 0;
}

bool quic_evrec_is_readable_mark(const quic_evrec *rec) {
    return rec->ev.type == QUIC_EVENT_STREAM_DATA_RECEIVED &&
           rec->ev.u.stream_data_received.data == NULL;
}

bool quic_evq_pop(quic_evq *q, quic_evrec *out) {
    if (q->count == 0)
        return false;
    *out = q->ring[q->head];
    q->head = (q->head + 1) % q->cap;
    q->count--;
    if (out->owned) {
        quic_mem_free(q->alloc, q->lent);
        q->lent = out->owned;
        q->datagram_bytes -= out->ev.u.datagram_frame_received.len;
    }
    return true;
}

void quic_evq_end_borrow(quic_evq *q) {
    quic_mem_free(q->alloc, q->lent);
    q->lent = NULL;
}

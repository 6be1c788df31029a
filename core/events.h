/* core/events.h — the connection's pull queue of events (STYLE.md "Events
 * and zero-copy"): a growable ring of quic_event records. Stream data is not
 * queued by value: a record with a NULL data pointer is a "stream readable"
 * mark that the connection materialises from the stream's reassembly buffer
 * when it is popped. Internal. */
#ifndef H3CLI_CORE_EVENTS_H
#define H3CLI_CORE_EVENTS_H

#include "core/quic.h"

typedef struct quic_evrec {
    quic_event ev;
    uint8_t *owned; /* a DATAGRAM payload copy, freed after delivery */
} quic_evrec;

typedef struct quic_evq {
    const quic_allocator *alloc; /* NULL = libc */
    quic_evrec *ring;
    size_t cap, head, count;
    uint8_t *lent;         /* payload of the last popped record */
    size_t datagram_bytes; /* DATAGRAM payload bytes queued */
} quic_evq;

void quic_evq_init(quic_evq *q, const quic_allocator *alloc);
/* Frees the ring and every payload it still holds. */
void quic_evq_cleanup(quic_evq *q);

/* Appends a copy of |ev| (its pointers must outlive the delivery: the
 * connection's own strings). Errors: QUIC_ERR_NOMEM. */
int quic_evq_push(quic_evq *q, const quic_event *ev);

/* Appends a DatagramFrameReceived with a copy of |data|, unless that would
 * put more than |budget| payload bytes in the queue (returns 1: the datagram
 * is dropped, as RFC 9221 §5 allows). Errors: QUIC_ERR_NOMEM. */
int quic_evq_push_datagram(quic_evq *q, const uint8_t *data, size_t len,
                           size_t budget);

/* Appends a "stream readable" mark for |stream_id|. Errors: QUIC_ERR_NOMEM. */
int quic_evq_push_readable(quic_evq *q, uint64_t stream_id);

/* True if |rec| is a stream readable mark. */
bool quic_evrec_is_readable_mark(const quic_evrec *rec);

/* Pops the oldest record into |out|; false if empty. A payload it owns stays
 * allocated until quic_evq_end_borrow. */
bool quic_evq_pop(quic_evq *q, quic_evrec *out);

/* Ends the borrow of the last popped payload (frees it). */
void quic_evq_end_borrow(quic_evq *q);

#endif

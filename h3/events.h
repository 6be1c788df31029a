/* h3/events.h — the HTTP/3 connection's pull queue of h3_event records and
 * the memory their borrowed pointers need: each record owns the decoded
 * field section it points at, and input copies that DATA events point into
 * are "retired" here until the next handle_event. Not the protocol.
 * Internal. */
#ifndef H3CLI_H3_EVENTS_H
#define H3CLI_H3_EVENTS_H

#include "h3/h3.h"

#include "core/quic.h"
#include "qpack/qpack.h"

/* One queued event and the storage behind its pointers. */
typedef struct h3_evrec {
    h3_event ev;
    uint64_t stream_id; /* for request/push stream events, else UINT64_MAX */
    qpack_field_section section; /* decoded fields (reused across events) */
    h3_header *headers;          /* the h3_header view of |section| */
    size_t headers_cap;
} h3_evrec;

typedef struct h3_evq {
    const quic_allocator *alloc;
    h3_evrec **recs; /* recs[0..count) queued, [0..next) already popped */
    size_t slots;    /* size of |recs| */
    size_t cap;      /* records allocated in recs[0..cap) (reused) */
    size_t count, next;
    uint8_t **retired; /* buffers freed at the next reset */
    size_t n_retired, retired_cap;
} h3_evq;

void h3_evq_init(h3_evq *q, const quic_allocator *alloc);
/* Frees every record, section and retired buffer. */
void h3_evq_cleanup(h3_evq *q);

/* True while queued events have not all been popped. */
bool h3_evq_pending(const h3_evq *q);

/* Ends the borrow of everything popped so far: empties the queue (which
 * must be drained) and frees retired buffers. */
void h3_evq_reset(h3_evq *q);

/* Appends a record of |type| for |stream_id| (UINT64_MAX if none) and
 * returns it with its event zeroed except the type; the caller fills the
 * union. NULL when out of memory. */
h3_evrec *h3_evq_push(h3_evq *q, h3_event_type type, uint64_t stream_id);

/* Takes back the record h3_evq_push just returned (when what it was for
 * failed). */
void h3_evq_unpush(h3_evq *q);

/* The last queued record if it is not popped yet, else NULL. */
h3_evrec *h3_evq_last(h3_evq *q);

/* Builds rec->headers from rec->section. Errors: H3_ERR_NOMEM. */
int h3_evrec_take_section(h3_evq *q, h3_evrec *rec);

/* Pops the next record's event into |out|; false when empty. */
bool h3_evq_pop(h3_evq *q, h3_event *out);

/* Keeps |buf| (allocated with the queue's allocator) alive until the next
 * reset, then frees it. On allocation failure it is freed at once and
 * H3_ERR_NOMEM returned, so only call it when no event points into |buf|
 * yet. */
int h3_evq_retire(h3_evq *q, uint8_t *buf);

#endif

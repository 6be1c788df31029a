/* h3/events.c — the queue of HTTP/3 events handed to the application and
 * the lifetime of the memory behind their pointers; no protocol rules. */
#include "h3/events.h"

#include <string.h>

#include "h3/stream.h"

/* Records beyond this many are freed when the queue is reset, so one burst
 * of tiny frames does not pin memory for the connection's lifetime. */
#define KEEP_RECORDS 64

void h3_evq_init(h3_evq *q, const quic_allocator *alloc) {
    memset(q, 0, sizeof(*q));
    q->alloc = alloc;
}

static void free_record(h3_evq *q, h3_evrec *rec) {
    qpack_field_section_free(&rec->section);
    h3_free(q->alloc, rec->headers);
    h3_free(q->alloc, rec);
}

static void free_retired(h3_evq *q) {
    for (size_t i = 0; i < q->n_retired; i++)
        h3_free(q->alloc, q->retired[i]);
    q->n_retired = 0;
}

void h3_evq_cleanup(h3_evq *q) {
    for (size_t i = 0; i < q->cap; i++)
        free_record(q, q->recs[i]);
    h3_free(q->alloc, q->recs);
    free_retired(q);
    h3_free(q->alloc, q->retired);
    memset(q, 0, sizeof(*q));
}

bool h3_evq_pending(const h3_evq *q) {
    return q->next < q->count;
}

void h3_evq_reset(h3_evq *q) {
    q->count = q->next = 0;
    free_retired(q);
    while (q->cap > KEEP_RECORDS)
        free_record(q, q->recs[--q->cap]);
}

h3_evrec *h3_evq_push(h3_evq *q, h3_event_type type, uint64_t stream_id) {
    if (q->count == q->cap) {
        if (q->cap == q->slots) {
            size_t n = q->slots ? q->slots * 2 : 16;
            h3_evrec **nr = h3_realloc(q->alloc, q->recs, n * sizeof(*nr));
            if (!nr)
                return NULL;
            q->recs = nr;
            q->slots = n;
        }
        h3_evrec *rec = h3_malloc(q->alloc, sizeof(*rec));
        if (!rec)
            return NULL;
        memset(rec, 0, sizeof(*rec));
        q->recs[q->cap++] = rec;
    }
    h3_evrec *rec = q->recs[q->count++];
    memset(&rec->ev, 0, sizeof(rec->ev));
    rec->ev.type = type;
    rec->stream_id = stream_id;
    return rec;
}

void h3_evq_unpush(h3_evq *q) {
    if (q->count > q->next)
        q->count--;
}

h3_evrec *h3_evq_last(h3_evq *q) {
    return q->count > q->next ? q->recs[q->count - 1] : NULL;
}

int h3_evrec_take_section(h3_evq *q, h3_evrec *rec) {
    size_t n = rec->section.count;
    if (n > rec->headers_cap) {
        h3_header *nh = h3_realloc(q->alloc, rec->headers, n * sizeof(*nh));
        if (!nh)
            return H3_ERR_NOMEM;
        rec->headers = nh;
        rec->headers_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        const qpack_field *f = &rec->section.fields[i];
        rec->headers[i] =
            (h3_header){f->name, f->name_len, f->value, f->value_len};
    }
    return 0;
}

bool h3_evq_pop(h3_evq *q, h3_event *out) {
    if (q->next == q->count) {
        memset(out, 0, sizeof(*out));
        return false;
    }
    *out = q->recs[q->next++]->ev;
    return true;
}

int h3_evq_retire(h3_evq *q, uint8_t *buf) {
    if (!buf)
        return 0;
    if (q->n_retired == q->retired_cap) {
        size_t ncap = q->retired_cap ? q->retired_cap * 2 : 8;
        uint8_t **nr = h3_realloc(q->alloc, q->retired, ncap * sizeof(*nr));
        if (!nr) {
            h3_free(q->alloc, buf);
            return H3_ERR_NOMEM;
        }
        q->retired = nr;
        q->retired_cap = ncap;
    }
    q->retired[q->n_retired++] = buf;
    return 0;
}

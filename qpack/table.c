/* qpack/table.c — the dynamic table of RFC 9204 §3.2 as a ring of entries
 * by absolute index (§3.2.4), used by both the encoder and the decoder. The
 * eviction policy (what may be evicted) is theirs, not this file's. */
#include "qpack/qpack_internal.h"

void qpack_table_init(qpack_table *t, const qpack_allocator *alloc) {
    memset(t, 0, sizeof(*t));
    t->alloc = alloc;
}

void qpack_table_free(qpack_table *t) {
    while (t->first < t->insert_count)
        qpack_table_evict_oldest(t);
    qpack_free(t->alloc, t->ring);
    t->ring = NULL;
    t->ring_cap = 0;
}

qpack_entry *qpack_entry_new(const qpack_allocator *a, const uint8_t *name,
                             size_t name_len, const uint8_t *value,
                             size_t value_len) {
    if (name_len > UINT32_MAX || value_len > UINT32_MAX)
        return NULL;
    qpack_entry *e = qpack_malloc(a, sizeof(*e) + name_len + value_len);
    if (!e)
        return NULL;
    e->nv_next = e->name_next = NULL;
    e->abs_index = 0;
    e->nv_hash = 0;
    e->name_hash = 0;
    e->name_len = (uint32_t)name_len;
    e->value_len = (uint32_t)value_len;
    if (name_len)
        memcpy(e->data, name, name_len);
    if (value_len)
        memcpy(e->data + name_len, value, value_len);
    return e;
}

void qpack_table_evict_oldest(qpack_table *t) {
    size_t slot = t->first & (t->ring_cap - 1);
    qpack_entry *e = t->ring[slot];
    t->ring[slot] = NULL;
    t->size -= qpack_entry_size(e);
    t->first++;
    qpack_free(t->alloc, e);
}

/* Doubles the ring, keeping every entry at its absolute index. */
static int grow_ring(qpack_table *t) {
    size_t cap = t->ring_cap ? t->ring_cap * 2 : 16;
    qpack_entry **ring = qpack_calloc(t->alloc, cap, sizeof(*ring));
    if (!ring)
        return QPACK_ERR_NOMEM;
    for (uint64_t i = t->first; i < t->insert_count; i++)
        ring[i & (cap - 1)] = t->ring[i & (t->ring_cap - 1)];
    qpack_free(t->alloc, t->ring);
    t->ring = ring;
    t->ring_cap = cap;
    return 0;
}

int qpack_table_push(qpack_table *t, qpack_entry *e) {
    if (t->insert_count - t->first == t->ring_cap) {
        int rc = grow_ring(t);
        if (rc)
            return rc;
    }
    e->abs_index = t->insert_count;
    t->ring[t->insert_count & (t->ring_cap - 1)] = e;
    t->insert_count++;
    t->size += qpack_entry_size(e);
    return 0;
}

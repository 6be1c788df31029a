/* h3/stream.c — per-stream state of the HTTP/3 connection and the ID map
 * that holds streams and pushes; no protocol rules here. */
#include "h3/stream.h"

#include <stdlib.h>
#include <string.h>

/* ---- Allocation ---------------------------------------------------------- */

void *h3_malloc(const quic_allocator *a, size_t size) {
    if (a && a->malloc)
        return a->malloc(size, a->user_data);
    return malloc(size);
}

void *h3_realloc(const quic_allocator *a, void *ptr, size_t size) {
    if (a && a->realloc)
        return a->realloc(ptr, size, a->user_data);
    return realloc(ptr, size);
}

void h3_free(const quic_allocator *a, void *ptr) {
    if (!ptr)
        return;
    if (a && a->free)
        a->free(ptr, a->user_data);
    else
        free(ptr);
}

/* ---- ID map -------------------------------------------------------------- */

void h3_idmap_init(h3_idmap *m, const quic_allocator *alloc) {
    memset(m, 0, sizeof(*m));
    m->alloc = alloc;
}

void h3_idmap_cleanup(h3_idmap *m) {
    h3_free(m->alloc, m->keys);
    h3_free(m->alloc, m->vals);
    m->keys = NULL;
    m->vals = NULL;
    m->cap = m->count = 0;
}

/* Stream IDs of one kind step by 4 and push IDs by 1: a multiplicative hash
 * spreads both over the table. */
static size_t slot_of(uint64_t key, size_t cap) {
    return (size_t)((key * UINT64_C(0x9e3779b97f4a7c15)) >> 17) & (cap - 1);
}

static size_t find_slot(const h3_idmap *m, uint64_t key) {
    size_t i = slot_of(key, m->cap);
    while (m->vals[i] && m->keys[i] != key)
        i = (i + 1) & (m->cap - 1);
    return i;
}

void *h3_idmap_get(const h3_idmap *m, uint64_t key) {
    if (m->cap == 0)
        return NULL;
    return m->vals[find_slot(m, key)];
}

static int grow(h3_idmap *m) {
    size_t ncap = m->cap ? m->cap * 2 : 16;
    uint64_t *keys = h3_malloc(m->alloc, ncap * sizeof(*keys));
    void **vals = h3_malloc(m->alloc, ncap * sizeof(*vals));
    if (!keys || !vals) {
        h3_free(m->alloc, keys);
        h3_free(m->alloc, vals);
        return H3_ERR_NOMEM;
    }
    memset(vals, 0, ncap * sizeof(*vals));
    h3_idmap old = *m;
    m->keys = keys;
    m->vals = vals;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (!old.vals[i])
            continue;
        size_t s = find_slot(m, old.keys[i]);
        m->keys[s] = old.keys[i];
        m->vals[s] = old.vals[i];
    }
    h3_free(m->alloc, old.keys);
    h3_free(m->alloc, old.vals);
    return 0;
}

int h3_idmap_put(h3_idmap *m, uint64_t key, void *val) {
    /* Keep the load at most 1/2 so probe runs stay short. */
    if ((m->count + 1) * 2 > m->cap) {
        int rc = grow(m);
        if (rc < 0)
            return rc;
    }
    size_t s = find_slot(m, key);
    m->keys[s] = key;
    m->vals[s] = val;
    m->count++;
    return 0;
}

void h3_idmap_remove(h3_idmap *m, uint64_t key) {
    if (m->cap == 0)
        return;
    size_t i = find_slot(m, key);
    if (!m->vals[i])
        return;
    m->vals[i] = NULL;
    m->count--;
    /* Backward-shift deletion: re-place the rest of the probe run so no
     * lookup stops early at the hole (no tombstones needed). */
    size_t j = i;
    for (;;) {
        j = (j + 1) & (m->cap - 1);
        if (!m->vals[j])
            return;
        size_t home = slot_of(m->keys[j], m->cap);
        /* Move j into the hole i unless its home lies cyclically in
         * (i, j]. */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays)
            continue;
        m->keys[i] = m->keys[j];
        m->vals[i] = m->vals[j];
        m->vals[j] = NULL;
        i = j;
    }
}

/* ---- Streams ------------------------------------------------------------- */

h3_stream *h3_stream_new(const quic_allocator *alloc, uint64_t id,
                         h3_stream_kind kind, size_t max_field_section_len) {
    h3_stream *st = h3_malloc(alloc, sizeof(*st));
    if (!st)
        return NULL;
    memset(st, 0, sizeof(*st));
    st->id = id;
    st->kind = kind;
    st->push_id = H3_PUSH_ID_NONE;
    h3_uni_header_init(&st->uni);
    h3_frame_parser_init(&st->parser, alloc, H3_FRAME_DEFAULT_MAX_SETTINGS_LEN,
                         max_field_section_len);
    return st;
}

void h3_stream_free(const quic_allocator *alloc, h3_stream *st) {
    if (!st)
        return;
    h3_frame_parser_free(&st->parser);
    h3_free(alloc, st->pending);
    h3_free(alloc, st);
}

int h3_stream_hold(const quic_allocator *alloc, h3_stream *st,
                   const uint8_t *data, size_t len) {
    if (len == 0)
        return 0;
    if (len > SIZE_MAX / 2 - st->pending_len)
        return H3_ERR_NOMEM;
    size_t need = st->pending_len + len;
    if (need > st->pending_cap) {
        size_t cap = st->pending_cap ? st->pending_cap : 1024;
        while (cap < need)
            cap *= 2;
        uint8_t *nb = h3_realloc(alloc, st->pending, cap);
        if (!nb)
            return H3_ERR_NOMEM;
        st->pending = nb;
        st->pending_cap = cap;
    }
    memcpy(st->pending + st->pending_len, data, len);
    st->pending_len += len;
    return 0;
}

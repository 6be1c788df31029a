/* qpack/encoder_index.c — the encoder's lookups: hash indexes of the static
 * table and of the dynamic table (chains of entries, newest first), and
 * insertion/eviction that keeps them in step with the table. Which entries
 * may be evicted is decided by the caller (encoder_section.c). */
#include "qpack/encoder_internal.h"

#define HASH_SEED UINT64_C(0x6a09e667f3bcc908)

static uint64_t hash_bytes(const uint8_t *p, size_t n, uint64_t seed) {
    uint64_t h = seed ^ (n * UINT64_C(0x9e3779b97f4a7c15));
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        h = (h ^ v) * UINT64_C(0xff51afd7ed558ccd);
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    /* The last 0-7 bytes without a variable-length copy. */
    uint64_t v = 0;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        v = (uint64_t)a << 32 | b;
    } else if (n > 0) {
        v = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    }
    h = (h ^ v) * UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ (h >> 29);
}

void qpack_encoder_hash_name(const qpack_field *f, qpack_hashes *h) {
    h->name64 = hash_bytes(f->name, f->name_len, HASH_SEED);
    h->name = (uint32_t)h->name64;
}

/* Long values are hashed by their length, head and tail only: the lookups
 * compare bytes anyway, and long values (cookies, tokens) differ there. */
void qpack_encoder_hash_value(const qpack_field *f, qpack_hashes *h) {
    size_t n = f->value_len;
    if (n <= 64) {
        h->nv = hash_bytes(f->value, n, h->name64);
        return;
    }
    uint64_t head = hash_bytes(f->value, 32, h->name64 ^ n);
    h->nv = hash_bytes(f->value + n - 32, 32, head);
}

static bool same_field(const qpack_field *f, const uint8_t *name,
                       size_t name_len, const uint8_t *value,
                       size_t value_len) {
    return f->name_len == name_len && f->value_len == value_len &&
           memcmp(f->name, name, name_len) == 0 &&
           memcmp(f->value, value, value_len) == 0;
}

static bool same_name(const qpack_field *f, const uint8_t *name,
                      size_t name_len) {
    return f->name_len == name_len && memcmp(f->name, name, name_len) == 0;
}

void qpack_encoder_index_static(qpack_encoder *enc) {
    memset(enc->static_name, 0, sizeof(enc->static_name));
    for (int i = QPACK_STATIC_COUNT - 1; i >= 0; i--) {
        const qpack_static_entry *s = &qpack_static_table[i];
        qpack_field f = {s->name, s->name_len, s->value, s->value_len, 0};
        qpack_hashes h;
        qpack_encoder_hash_name(&f, &h);
        enc->static_name_hash[i] = h.name;
        /* Going down, each entry goes in front of the higher ones with its
         * name, so the chain starts at the lowest (cheapest) index. */
        enc->static_next[i] = 0xff;
        size_t slot = h.name & (QPACK_STATIC_SLOTS - 1);
        for (uint8_t v; (v = enc->static_name[slot]) != 0;
             slot = (slot + 1) & (QPACK_STATIC_SLOTS - 1)) {
            if (enc->static_name_hash[v - 1] == h.name &&
                same_name(&f, qpack_static_table[v - 1].name,
                          qpack_static_table[v - 1].name_len)) {
                enc->static_next[i] = (uint8_t)(v - 1);
                break;
            }
        }
        enc->static_name[slot] = (uint8_t)(i + 1);
    }
}

int qpack_encoder_static_find(const qpack_encoder *enc, const qpack_field *f,
                              uint32_t name_hash, int *name_index) {
    size_t slot = name_hash & (QPACK_STATIC_SLOTS - 1);
    *name_index = -1;
    for (uint8_t v; (v = enc->static_name[slot]) != 0;
         slot = (slot + 1) & (QPACK_STATIC_SLOTS - 1)) {
        const qpack_static_entry *s = &qpack_static_table[v - 1];
        if (enc->static_name_hash[v - 1] != name_hash ||
            !same_name(f, s->name, s->name_len))
            continue;
        *name_index = v - 1;
        for (int i = v - 1; i != 0xff; i = enc->static_next[i]) {
            s = &qpack_static_table[i];
            if (s->value_len == f->value_len &&
                memcmp(s->value, f->value, f->value_len) == 0)
                return i;
        }
        return -1;
    }
    return -1;
}

int qpack_encoder_index_init(qpack_encoder *enc) {
    /* About two buckets per entry that can fit. */
    uint64_t entries = enc->table.capacity / QPACK_ENTRY_OVERHEAD + 1;
    size_t n = 16;
    while (n < 2 * entries)
        n *= 2;
    qpack_encoder_index_free(enc);
    enc->nv_buckets = qpack_calloc(&enc->alloc, n, sizeof(qpack_entry *));
    enc->name_buckets = qpack_calloc(&enc->alloc, n, sizeof(qpack_entry *));
    if (!enc->nv_buckets || !enc->name_buckets) {
        qpack_encoder_index_free(enc);
        return QPACK_ERR_NOMEM;
    }
    enc->bucket_mask = n - 1;
    return 0;
}

void qpack_encoder_index_free(qpack_encoder *enc) {
    qpack_free(&enc->alloc, enc->nv_buckets);
    qpack_free(&enc->alloc, enc->name_buckets);
    enc->nv_buckets = enc->name_buckets = NULL;
    enc->bucket_mask = 0;
}

qpack_entry *qpack_encoder_find_nv(const qpack_encoder *enc,
                                   const qpack_field *f, uint64_t nv_hash,
                                   uint64_t limit, qpack_entry **newest) {
    *newest = NULL;
    if (!enc->nv_buckets)
        return NULL;
    for (qpack_entry *e = enc->nv_buckets[nv_hash & enc->bucket_mask]; e;
         e = e->nv_next) {
        if (e->nv_hash != nv_hash ||
            !same_field(f, qpack_entry_name(e), e->name_len,
                        qpack_entry_value(e), e->value_len))
            continue;
        if (!*newest)
            *newest = e;
        if (e->abs_index < limit)
            return e;
    }
    return NULL;
}

qpack_entry *qpack_encoder_find_name(const qpack_encoder *enc,
                                     const qpack_field *f, uint32_t name_hash,
                                     uint64_t limit) {
    if (!enc->name_buckets)
        return NULL;
    for (qpack_entry *e = enc->name_buckets[name_hash & enc->bucket_mask]; e;
         e = e->name_next)
        if (e->name_hash == name_hash && e->abs_index < limit &&
            same_name(f, qpack_entry_name(e), e->name_len))
            return e;
    return NULL;
}

static void unlink_entry(qpack_encoder *enc, qpack_entry *e) {
    qpack_entry **pp = &enc->nv_buckets[e->nv_hash & enc->bucket_mask];
    while (*pp != e)
        pp = &(*pp)->nv_next;
    *pp = e->nv_next;
    pp = &enc->name_buckets[e->name_hash & enc->bucket_mask];
    while (*pp != e)
        pp = &(*pp)->name_next;
    *pp = e->name_next;
}

bool qpack_encoder_can_insert(const qpack_encoder *enc, uint64_t size,
                              uint64_t evictable) {
    const qpack_table *t = &enc->table;
    if (size > t->capacity)
        return false;
    uint64_t freed = 0, need = t->size + size;
    need = need > t->capacity ? need - t->capacity : 0;
    for (uint64_t abs = t->first; freed < need; abs++) {
        if (abs >= evictable || abs >= t->insert_count)
            return false;
        freed += qpack_entry_size(qpack_table_get(t, abs));
    }
    return true;
}

/* Evicts the oldest entries until |size| more bytes fit, only among those
 * below absolute index |evictable|; false (nothing evicted) if impossible. */
static bool make_room(qpack_encoder *enc, uint64_t size, uint64_t evictable) {
    qpack_table *t = &enc->table;
    if (!qpack_encoder_can_insert(enc, size, evictable))
        return false;
    while (t->size + size > t->capacity) {
        unlink_entry(enc, qpack_table_get(t, t->first));
        qpack_table_evict_oldest(t);
    }
    return true;
}

int qpack_encoder_insert(qpack_encoder *enc, const uint8_t *name,
                         size_t name_len, const uint8_t *value,
                         size_t value_len, const qpack_hashes *h,
                         uint64_t evictable, qpack_entry **out) {
    /* Copy first: |name| or |value| may belong to an entry evicted below. */
    qpack_entry *e =
        qpack_entry_new(&enc->alloc, name, name_len, value, value_len);
    if (!e)
        return QPACK_ERR_NOMEM;
    if (!make_room(enc, qpack_entry_size(e), evictable)) {
        qpack_free(&enc->alloc, e);
        return 1;
    }
    e->nv_hash = h->nv;
    e->name_hash = h->name;
    int rc = qpack_table_push(&enc->table, e);
    if (rc) {
        qpack_free(&enc->alloc, e);
        return rc;
    }
    qpack_entry **nb = &enc->nv_buckets[h->nv & enc->bucket_mask];
    e->nv_next = *nb;
    *nb = e;
    qpack_entry **mb = &enc->name_buckets[h->name & enc->bucket_mask];
    e->name_next = *mb;
    *mb = e;
    *out = e;
    return 0;
}

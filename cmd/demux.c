/* cmd/demux.c — connection-ID hash table for `serve`: chained buckets,
 * SipHash-2-4 with a per-process random key, doubling at load 1. */
#include "cmd/demux.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define INITIAL_BUCKETS 64

struct h3cli_demux_entry {
    h3cli_demux_entry *next;
    quic_cid cid;
    void *value;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4]) {
    v[0] += v[1];
    v[1] = ROTL(v[1], 13);
    v[1] ^= v[0];
    v[0] = ROTL(v[0], 32);
    v[2] += v[3];
    v[3] = ROTL(v[3], 16);
    v[3] ^= v[2];
    v[0] += v[3];
    v[3] = ROTL(v[3], 21);
    v[3] ^= v[0];
    v[2] += v[1];
    v[1] = ROTL(v[1], 17);
    v[1] ^= v[2];
    v[2] = ROTL(v[2], 32);
}

static uint64_t load_le64(const uint8_t *p, size_t n) {
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++)
        x |= (uint64_t)p[i] << (8 * i);
    return x;
}

/* SipHash-2-4 (Aumasson and Bernstein, 2012): 2 compression rounds per
 * 8-byte word, 4 finalisation rounds. */
uint64_t h3cli_siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len) {
    uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                     k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
    size_t full = len - len % 8;
    for (size_t i = 0; i < full; i += 8) {
        uint64_t m = load_le64(p + i, 8);
        v[3] ^= m;
        sip_round(v);
        sip_round(v);
        v[0] ^= m;
    }
    uint64_t last = ((uint64_t)len << 56) | load_le64(p + full, len % 8);
    v[3] ^= last;
    sip_round(v);
    sip_round(v);
    v[0] ^= last;
    v[2] ^= 0xff;
    for (int i = 0; i < 4; i++)
        sip_round(v);
    return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static size_t slot(const h3cli_demux *d, const uint8_t *cid, size_t len) {
    return (size_t)(h3cli_siphash(d->k0, d->k1, cid, len) & (d->n_buckets - 1));
}

int h3cli_demux_init(h3cli_demux *d) {
    memset(d, 0, sizeof(*d));
    uint64_t key[2] = {0, 0};
    if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key))
        key[0] = (uint64_t)(uintptr_t)d ^ 0x9e3779b97f4a7c15ull;
    d->k0 = key[0];
    d->k1 = key[1];
    d->buckets = calloc(INITIAL_BUCKETS, sizeof(*d->buckets));
    if (!d->buckets)
        return -ENOMEM;
    d->n_buckets = INITIAL_BUCKETS;
    return 0;
}

void h3cli_demux_cleanup(h3cli_demux *d) {
    for (size_t i = 0; i < d->n_buckets; i++) {
        h3cli_demux_entry *e = d->buckets[i];
        while (e) {
            h3cli_demux_entry *next = e->next;
            free(e);
            e = next;
        }
    }
    free(d->buckets);
    memset(d, 0, sizeof(*d));
}

static h3cli_demux_entry **find_link(const h3cli_demux *d, const uint8_t *cid,
                                     size_t len) {
    h3cli_demux_entry **link = &d->buckets[slot(d, cid, len)];
    for (; *link; link = &(*link)->next)
        if ((*link)->cid.len == len && memcmp((*link)->cid.data, cid, len) == 0)
            return link;
    return link;
}

/* Doubles the bucket array; on allocation failure the table just stays
 * more loaded. */
static void grow(h3cli_demux *d) {
    size_t n = d->n_buckets * 2;
    h3cli_demux_entry **b = calloc(n, sizeof(*b));
    if (!b)
        return;
    for (size_t i = 0; i < d->n_buckets; i++) {
        h3cli_demux_entry *e = d->buckets[i];
        while (e) {
            h3cli_demux_entry *next = e->next;
            size_t s =
                (size_t)(h3cli_siphash(d->k0, d->k1, e->cid.data, e->cid.len) &
                         (n - 1));
            e->next = b[s];
            b[s] = e;
            e = next;
        }
    }
    free(d->buckets);
    d->buckets = b;
    d->n_buckets = n;
}

int h3cli_demux_add(h3cli_demux *d, const quic_cid *cid, void *value) {
    if (cid->len == 0 || cid->len > QUIC_MAX_CID_LEN)
        return -EINVAL;
    h3cli_demux_entry **link = find_link(d, cid->data, cid->len);
    if (*link) {
        (*link)->value = value;
        return 0;
    }
    h3cli_demux_entry *e = malloc(sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->cid = *cid;
    e->value = value;
    e->next = NULL;
    *link = e;
    if (++d->count > d->n_buckets)
        grow(d);
    return 0;
}

bool h3cli_demux_remove(h3cli_demux *d, const quic_cid *cid, void *value) {
    if (cid->len == 0 || cid->len > QUIC_MAX_CID_LEN)
        return false;
    h3cli_demux_entry **link = find_link(d, cid->data, cid->len);
    h3cli_demux_entry *e = *link;
    if (!e || e->value != value)
        return false;
    *link = e->next;
    free(e);
    d->count--;
    return true;
}

void *h3cli_demux_find(const h3cli_demux *d, const uint8_t *cid, size_t len) {
    if (len == 0 || len > QUIC_MAX_CID_LEN)
        return NULL;
    h3cli_demux_entry *e = *find_link(d, cid, len);
    return e ? e->value : NULL;
}

size_t h3cli_demux_remove_value(h3cli_demux *d, void *value) {
    size_t removed = 0;
    for (size_t i = 0; i < d->n_buckets; i++) {
        h3cli_demux_entry **link = &d->buckets[i];
        while (*link) {
            h3cli_demux_entry *e = *link;
            if (e->value == value) {
                *link = e->next;
                free(e);
                d->count--;
                removed++;
            } else {
                link = &e->next;
            }
        }
    }
    return removed;
}

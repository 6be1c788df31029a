/* qpack/encoder_internal.h — the encoder object shared by encoder.c (object,
 * settings, decoder-stream input), encoder_index.c (lookups in the static
 * and dynamic tables, eviction) and encoder_section.c (encoding). */
#ifndef H3CLI_QPACK_ENCODER_INTERNAL_H
#define H3CLI_QPACK_ENCODER_INTERNAL_H

#include "qpack/qpack_internal.h"

/* A sent field section that references the dynamic table and is not yet
 * acknowledged (§2.1.1): its entries from |min_ref| on stay in the table. */
typedef struct qpack_section_rec {
    uint64_t stream_id;
    uint64_t ric;
    uint64_t min_ref; /* lowest absolute index referenced */
    bool blocking;    /* ric > Known Received Count: may block the peer */
} qpack_section_rec;

/* More outstanding sections than this and new sections use no dynamic
 * references, so a peer that never acknowledges cannot grow our memory. */
#define QPACK_MAX_OUTSTANDING_SECTIONS 4096

/* With index_cookies, shorter cookie values are still never indexed: short
 * values are the ones an attacker could guess (RFC 9204 §7.1.1). */
#define QPACK_MIN_INDEXED_COOKIE_LEN 20

/* Open-addressed index of the static table by name: slot -> the lowest
 * static index with that name + 1; the others follow by static_next. */
#define QPACK_STATIC_SLOTS 256
/* Hashes of recently seen (name, value) pairs, for index-on-second-sight. */
#define QPACK_SEEN_SLOTS 1024

struct qpack_encoder {
    qpack_allocator alloc;
    qpack_table table;
    uint64_t own_max_capacity;  /* our configuration */
    bool index_cookies;         /* configuration: long cookies may be indexed */
    uint64_t peer_max_capacity; /* peer's SETTINGS_QPACK_MAX_TABLE_CAPACITY */
    uint64_t max_entries;       /* §4.5.1.1 MaxEntries of the peer */
    uint64_t max_blocked;       /* peer's SETTINGS_QPACK_BLOCKED_STREAMS */
    bool capacity_pending;      /* Set Dynamic Table Capacity to send */
    uint64_t krc;               /* Known Received Count (§2.1.4) */
    /* Dynamic entries by hash, newest first in each chain. */
    qpack_entry **nv_buckets;
    qpack_entry **name_buckets;
    size_t bucket_mask;
    uint8_t static_name[QPACK_STATIC_SLOTS]; /* lowest index + 1 */
    uint8_t static_next[QPACK_STATIC_COUNT]; /* same name, or 0xff */
    uint32_t static_name_hash[QPACK_STATIC_COUNT];
    qpack_section_rec *secs; /* oldest first */
    size_t nsecs, secs_cap;
    size_t blocked_sections;
    uint8_t partial[QPACK_INT_MAX_LEN]; /* decoder instruction cut short */
    size_t partial_len;
    uint32_t seen[QPACK_SEEN_SLOTS];
};

/* ---- encoder_index.c ------------------------------------------------------
 */

typedef struct qpack_hashes {
    uint64_t name64; /* of name */
    uint64_t nv;     /* of (name, value) */
    uint32_t name;   /* of name, as kept in entries */
} qpack_hashes;

/* Sets h->name64 and h->name. */
void qpack_encoder_hash_name(const qpack_field *f, qpack_hashes *h);
/* Sets h->nv; needs the name's hash first. */
void qpack_encoder_hash_value(const qpack_field *f, qpack_hashes *h);

/* Fills the static index of |enc|. */
void qpack_encoder_index_static(qpack_encoder *enc);

/* (Re)creates the dynamic buckets for the table's capacity. NOMEM. */
int qpack_encoder_index_init(qpack_encoder *enc);

/* Static index of the exact (name, value), or -1; |*name_index| gets the
 * lowest static index with this name, or -1. */
int qpack_encoder_static_find(const qpack_encoder *enc, const qpack_field *f,
                              uint32_t name_hash, int *name_index);

/* Newest dynamic entry with this (name, value) whose absolute index is
 * below |limit|, or NULL; |*newest| gets the newest one regardless. */
qpack_entry *qpack_encoder_find_nv(const qpack_encoder *enc,
                                   const qpack_field *f, uint64_t nv_hash,
                                   uint64_t limit, qpack_entry **newest);
/* Newest dynamic entry with this name below |limit|, or NULL. */
qpack_entry *qpack_encoder_find_name(const qpack_encoder *enc,
                                     const qpack_field *f, uint32_t name_hash,
                                     uint64_t limit);

/* Whether an entry of |size| bytes fits after evicting only entries below
 * absolute index |evictable|. */
bool qpack_encoder_can_insert(const qpack_encoder *enc, uint64_t size,
                              uint64_t evictable);

/* Inserts (name, value) into the table and the index, evicting only
 * entries below |evictable|. Returns 0 with |*out| set, 1 when it does not
 * fit (nothing changed), or NOMEM. */
int qpack_encoder_insert(qpack_encoder *enc, const uint8_t *name,
                         size_t name_len, const uint8_t *value,
                         size_t value_len, const qpack_hashes *h,
                         uint64_t evictable, qpack_entry **out);

/* Frees the dynamic index (not the entries: the table owns them). */
void qpack_encoder_index_free(qpack_encoder *enc);

#endif /* H3CLI_QPACK_ENCODER_INTERNAL_H */

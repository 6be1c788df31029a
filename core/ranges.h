/* core/ranges.h — an ordered set of disjoint [start, end) uint64 ranges with
 * a cap on how many are kept: received packet numbers per space (RFC 9000
 * §13.2), acknowledged or lost stream bytes. Internal; not thread-safe. */
#ifndef H3CLI_CORE_RANGES_H
#define H3CLI_CORE_RANGES_H

#include "core/quic.h"

/* Ranges kept inside the struct before the allocator is used. */
#define QUIC_RANGES_INLINE 8

typedef struct quic_range {
    uint64_t start; /* first value in the range */
    uint64_t end;   /* one past the last value; always > start */
} quic_range;

/* Embeddable; quic_ranges_init, then quic_ranges_cleanup. The struct may be
 * moved (copied bitwise) between calls: it holds no pointer into itself.
 * Ranges are kept ascending, disjoint and never touching (adjacent ranges are
 * merged). */
typedef struct quic_ranges {
    const quic_allocator *alloc;
    quic_range *heap; /* NULL while the inline array suffices */
    size_t count;     /* ranges held */
    size_t cap;       /* capacity of the current array */
    size_t max_count; /* cap on |count|; 0 = no cap */
    uint64_t floor;   /* values below this were dropped by the cap */
    quic_range inline_ranges[QUIC_RANGES_INLINE];
} quic_ranges;

/* Starts an empty set. |max_count| caps the number of ranges: when adding
 * would exceed it, the lowest range is forgotten (and |floor| raised to its
 * end). 0 means no cap, for sets bounded by other means. |alloc| (NULL =
 * libc) must outlive the set. */
void quic_ranges_init(quic_ranges *rs, const quic_allocator *alloc,
                      size_t max_count);

/* Frees what the set allocated; the set is then empty and may be reused. */
void quic_ranges_cleanup(quic_ranges *rs);

/* Empties the set, keeping its storage and |floor|. */
void quic_ranges_clear(quic_ranges *rs);

/* Adds [start, end), merging with overlapping or adjacent ranges. Appending
 * at or above the highest range is O(1). An empty range is a no-op. When the
 * cap is reached the lowest range is dropped, which may be the new one.
 * Errors: QUIC_ERR_INVALID_ARGUMENT (start > end), QUIC_ERR_NOMEM (the set
 * is unchanged). */
int quic_ranges_add(quic_ranges *rs, uint64_t start, uint64_t end);

/* Removes [start, end) from the set, splitting a range if needed (a split
 * at the cap drops the lowest range, as quic_ranges_add does). Errors:
 * QUIC_ERR_INVALID_ARGUMENT (start > end), QUIC_ERR_NOMEM (the set is
 * unchanged). */
int quic_ranges_remove(quic_ranges *rs, uint64_t start, uint64_t end);

/* True if |v| is in the set. O(log n). */
bool quic_ranges_contains(const quic_ranges *rs, uint64_t v);

/* True if all of [start, end) is in one range of the set (true for an empty
 * range). */
bool quic_ranges_contains_range(const quic_ranges *rs, uint64_t start,
                                uint64_t end);

/* Number of ranges held. */
static inline size_t quic_ranges_count(const quic_ranges *rs) {
    return rs->count;
}

/* The |i|-th range in ascending order (0 = lowest); |i| < count. The
 * pointer is valid until the set is next modified. */
static inline const quic_range *quic_ranges_at(const quic_ranges *rs,
                                               size_t i) {
    return (rs->heap ? rs->heap : rs->inline_ranges) + i;
}

/* The |i|-th range in descending order (0 = highest), the order an ACK frame
 * lists them in; |i| < count. */
static inline const quic_range *quic_ranges_desc(const quic_ranges *rs,
                                                 size_t i) {
    return quic_ranges_at(rs, rs->count - 1 - i);
}

/* Lowest and highest range, or NULL when the set is empty. */
const quic_range *quic_ranges_first(const quic_ranges *rs);
const quic_range *quic_ranges_last(const quic_ranges *rs);

#endif

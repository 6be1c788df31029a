/* core/ranges.c — sorted disjoint uint64 ranges in one array (inline first,
 * then grown through the allocator); not an interval tree: the sets it serves
 * are small and mostly grow at the top. */
#include "core/ranges.h"

#include <string.h>

#include "core/mem.h"

static quic_range *ranges_array(quic_ranges *rs) {
    return rs->heap ? rs->heap : rs->inline_ranges;
}

void quic_ranges_init(quic_ranges *rs, const quic_allocator *alloc,
                      size_t max_count) {
    memset(rs, 0, sizeof(*rs));
    rs->alloc = alloc;
    rs->cap = QUIC_RANGES_INLINE;
    rs->max_count = max_count;
}

void quic_ranges_cleanup(quic_ranges *rs) {
    quic_mem_free(rs->alloc, rs->heap);
    rs->heap = NULL;
    rs->cap = QUIC_RANGES_INLINE;
    rs->count = 0;
}

void quic_ranges_clear(quic_ranges *rs) {
    rs->count = 0;
}

/* Index of the first range whose end is above |v| (count if none). */
static size_t first_ending_after(const quic_ranges *rs, uint64_t v) {
    const quic_range *r = quic_ranges_at(rs, 0);
    size_t lo = 0, hi = rs->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].end > v)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* Makes room for one more range. Errors: QUIC_ERR_NOMEM. */
static int ensure_room(quic_ranges *rs) {
    if (rs->count < rs->cap)
        return 0;
    size_t cap = rs->cap * 2;
    if (rs->max_count && cap > rs->max_count)
        cap = rs->max_count;
    quic_range *n = quic_mem_reallocarray(rs->alloc, rs->heap, cap, sizeof(*n));
    if (!n)
        return QUIC_ERR_NOMEM;
    if (!rs->heap)
        memcpy(n, rs->inline_ranges, rs->count * sizeof(*n));
    rs->heap = n;
    rs->cap = cap;
    return 0;
}

static void erase(quic_ranges *rs, size_t from, size_t to) {
    quic_range *r = ranges_array(rs);
    memmove(r + from, r + to, (rs->count - to) * sizeof(*r));
    rs->count -= to - from;
}

/* Forgets the lowest range, remembering that values below its end are no
 * longer known. */
static void drop_lowest(quic_ranges *rs) {
    const quic_range *r = ranges_array(rs);
    if (r[0].end > rs->floor)
        rs->floor = r[0].end;
    erase(rs, 0, 1);
}

/* Inserts [start, end) at index |pos|, which keeps the order. At the cap the
 * lowest range goes, possibly the new one. Errors: QUIC_ERR_NOMEM (nothing
 * changed). */
static int insert_at(quic_ranges *rs, size_t pos, uint64_t start,
                     uint64_t end) {
    if (rs->max_count && rs->count >= rs->max_count) {
        if (pos == 0) {
            if (end > rs->floor)
                rs->floor = end;
            return 0;
        }
        drop_lowest(rs);
        pos--;
    } else {
        int err = ensure_room(rs);
        if (err)
            return err;
    }
    quic_range *r = ranges_array(rs);
    memmove(r + pos + 1, r + pos, (rs->count - pos) * sizeof(*r));
    r[pos].start = start;
    r[pos].end = end;
    rs->count++;
    return 0;
}

int quic_ranges_add(quic_ranges *rs, uint64_t start, uint64_t end) {
    if (start > end)
        return QUIC_ERR_INVALID_ARGUMENT;
    /* What the cap made us forget is not learnt again. */
    if (start < rs->floor)
        start = rs->floor;
    if (start >= end)
        return 0;
    quic_range *r = ranges_array(rs);
    size_t n = rs->count;
    /* Common case: at or above the highest range. */
    if (n == 0 || start > r[n - 1].end)
        return insert_at(rs, n, start, end);
    if (start >= r[n - 1].start) {
        if (end > r[n - 1].end)
            r[n - 1].end = end;
        return 0;
    }
    size_t i = start == 0 ? 0 : first_ending_after(rs, start - 1);
    size_t j = i;
    while (j < n && r[j].start <= end)
        j++;
    if (i == j)
        return insert_at(rs, i, start, end);
    if (start < r[i].start)
        r[i].start = start;
    r[i].end = end > r[j - 1].end ? end : r[j - 1].end;
    erase(rs, i + 1, j);
    return 0;
}

int quic_ranges_remove(quic_ranges *rs, uint64_t start, uint64_t end) {
    if (start > end)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (start == end)
        return 0;
    size_t i = first_ending_after(rs, start);
    quic_range *r = ranges_array(rs);
    if (i < rs->count && r[i].start < start && r[i].end > end) {
        /* One range covers the hole: split it in two. */
        uint64_t old_end = r[i].end;
        r[i].end = start;
        int err = insert_at(rs, i + 1, end, old_end);
        if (err)
            r[i].end = old_end;
        return err;
    }
    size_t j = i;
    if (j < rs->count && r[j].start < start)
        r[j++].end = start;
    size_t k = j;
    while (k < rs->count && r[k].end <= end)
        k++;
    erase(rs, j, k);
    if (j < rs->count && r[j].start < end)
        r[j].start = end;
    return 0;
}

bool quic_ranges_contains(const quic_ranges *rs, uint64_t v) {
    size_t i = first_ending_after(rs, v);
    return i < rs->count && quic_ranges_at(rs, i)->start <= v;
}

bool quic_ranges_contains_range(const quic_ranges *rs, uint64_t start,
                                uint64_t end) {
    if (start >= end)
        return true;
    size_t i = first_ending_after(rs, start);
    if (i == rs->count)
        return false;
    const quic_range *r = quic_ranges_at(rs, i);
    return r->start <= start && r->end >= end;
}

const quic_range *quic_ranges_first(const quic_ranges *rs) {
    return rs->count ? quic_ranges_at(rs, 0) : NULL;
}

const quic_range *quic_ranges_last(const quic_ranges *rs) {
    return rs->count ? quic_ranges_at(rs, rs->count - 1) : NULL;
}

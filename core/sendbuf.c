/* core/sendbuf.c — send-side stream bytes kept as a queue of owned blocks and
 * borrowed references, with range sets for what was acknowledged and lost;
 * it does no framing and no flow-control accounting of its own. */
#include "core/sendbuf.h"

#include <string.h>

#include "core/mem.h"

#define OFFSET_MAX ((UINT64_C(1) << 62) - 1)
#define MIN_BLOCK 1024

void quic_sendbuf_init(quic_sendbuf *sb, const quic_allocator *alloc) {
    memset(sb, 0, sizeof(*sb));
    sb->alloc = alloc;
    /* Both sets are bounded by the packets in flight, not by a cap. */
    quic_ranges_init(&sb->acked, alloc, 0);
    quic_ranges_init(&sb->lost, alloc, 0);
}

static void release_seg(const quic_sendbuf *sb, quic_sendbuf_seg *s) {
    if (s->owned)
        quic_mem_free(sb->alloc, (void *)s->data);
    else if (s->release)
        s->release(s->release_arg);
}

void quic_sendbuf_cleanup(quic_sendbuf *sb) {
    for (size_t i = 0; i < sb->seg_count; i++)
        release_seg(sb, &sb->segs[sb->seg_head + i]);
    quic_mem_free(sb->alloc, sb->segs);
    quic_ranges_cleanup(&sb->acked);
    quic_ranges_cleanup(&sb->lost);
    const quic_allocator *alloc = sb->alloc;
    quic_sendbuf_init(sb, alloc);
}

static quic_sendbuf_seg *seg_at(const quic_sendbuf *sb, size_t i) {
    return &sb->segs[sb->seg_head + i];
}

/* Makes room for |n| more segments at the tail. Errors: QUIC_ERR_NOMEM. */
static int reserve_segs(quic_sendbuf *sb, size_t n) {
    if (sb->seg_head + sb->seg_count + n <= sb->seg_cap)
        return 0;
    if (sb->seg_head) {
        memmove(sb->segs, sb->segs + sb->seg_head,
                sb->seg_count * sizeof(*sb->segs));
        sb->seg_head = 0;
        if (sb->seg_count + n <= sb->seg_cap)
            return 0;
    }
    size_t cap = sb->seg_cap ? sb->seg_cap * 2 : 8;
    while (cap < sb->seg_count + n)
        cap *= 2;
    quic_sendbuf_seg *segs =
        quic_mem_reallocarray(sb->alloc, sb->segs, cap, sizeof(*segs));
    if (!segs)
        return QUIC_ERR_NOMEM;
    sb->segs = segs;
    sb->seg_cap = cap;
    return 0;
}

static int check_append(const quic_sendbuf *sb, const uint8_t *data,
                        size_t len) {
    if (sb->fin)
        return QUIC_ERR_INVALID_STATE;
    if ((!data && len) || len > OFFSET_MAX - sb->end)
        return QUIC_ERR_INVALID_ARGUMENT;
    return 0;
}

/* Spare room in the tail block if it is an owned copy. */
static size_t tail_room(const quic_sendbuf *sb) {
    if (!sb->seg_count)
        return 0;
    const quic_sendbuf_seg *t = seg_at(sb, sb->seg_count - 1);
    return t->owned ? t->cap - t->len : 0;
}

/* Size of the next owned block: room for what is |left|, at least double
 * the previous block (few blocks for many small appends), within
 * [MIN_BLOCK, QUIC_SENDBUF_BLOCK]. */
static size_t block_cap(size_t prev, size_t left) {
    size_t cap = left > 2 * prev ? left : 2 * prev;
    if (cap < MIN_BLOCK)
        cap = MIN_BLOCK;
    return cap > QUIC_SENDBUF_BLOCK ? QUIC_SENDBUF_BLOCK : cap;
}

/* Fills the reserved tail slots after the last segment with owned blocks
 * for |len| bytes. Returns how many, or QUIC_ERR_NOMEM with nothing
 * allocated. */
static int alloc_blocks(quic_sendbuf *sb, size_t len) {
    quic_sendbuf_seg *tail = &sb->segs[sb->seg_head + sb->seg_count];
    size_t prev = sb->seg_count ? seg_at(sb, sb->seg_count - 1)->cap : 0;
    int n = 0;
    for (size_t left = len; left; n++) {
        size_t cap = block_cap(prev, left);
        memset(&tail[n], 0, sizeof(tail[n]));
        tail[n].data = quic_mem_malloc(sb->alloc, cap);
        if (!tail[n].data) {
            while (n--)
                quic_mem_free(sb->alloc, (void *)tail[n].data);
            return QUIC_ERR_NOMEM;
        }
        tail[n].cap = cap;
        tail[n].owned = true;
        tail[n].len = cap < left ? cap : left;
        left -= tail[n].len;
        prev = cap;
    }
    return n;
}

/* How many blocks alloc_blocks will make for |len| bytes. */
static size_t count_blocks(const quic_sendbuf *sb, size_t len) {
    size_t prev = sb->seg_count ? seg_at(sb, sb->seg_count - 1)->cap : 0;
    size_t n = 0;
    for (size_t left = len; left; n++) {
        prev = block_cap(prev, left);
        left -= prev < left ? prev : left;
    }
    return n;
}

int quic_sendbuf_append(quic_sendbuf *sb, const uint8_t *data, size_t len) {
    int err = check_append(sb, data, len);
    if (err || !len)
        return err;
    size_t room = tail_room(sb);
    size_t first = room < len ? room : len;
    if ((err = reserve_segs(sb, count_blocks(sb, len - first))) != 0)
        return err;
    int made = alloc_blocks(sb, len - first);
    if (made < 0)
        return made;
    if (first) {
        quic_sendbuf_seg *t = seg_at(sb, sb->seg_count - 1);
        memcpy((uint8_t *)t->data + t->len, data, first);
        t->len += first;
        data += first;
        sb->end += first;
    }
    for (int i = 0; i < made; i++) {
        quic_sendbuf_seg *s = seg_at(sb, sb->seg_count++);
        s->offset = sb->end;
        memcpy((uint8_t *)s->data, data, s->len);
        data += s->len;
        sb->end += s->len;
    }
    return 0;
}

int quic_sendbuf_append_ref(quic_sendbuf *sb, const uint8_t *data, size_t len,
                            quic_sendbuf_release_fn release,
                            void *release_arg) {
    int err = check_append(sb, data, len);
    if (err)
        return err;
    if (!len) {
        if (release)
            release(release_arg);
        return 0;
    }
    if ((err = reserve_segs(sb, 1)) != 0)
        return err;
    quic_sendbuf_seg *s = seg_at(sb, sb->seg_count++);
    s->offset = sb->end;
    s->len = s->cap = len;
    s->data = data;
    s->owned = false;
    s->release = release;
    s->release_arg = release_arg;
    sb->end += len;
    return 0;
}

int quic_sendbuf_finish(quic_sendbuf *sb) {
    if (sb->fin)
        return QUIC_ERR_INVALID_STATE;
    sb->fin = true;
    return 0;
}

bool quic_sendbuf_next(const quic_sendbuf *sb, size_t max_len,
                       uint64_t flow_limit, quic_send_chunk *out) {
    memset(out, 0, sizeof(*out));
    const quic_range *lost = quic_ranges_first(&sb->lost);
    if (lost && max_len) {
        uint64_t n = lost->end - lost->start;
        out->offset = lost->start;
        out->len = n < max_len ? (size_t)n : max_len;
        out->fin = sb->fin_lost && out->offset + out->len == sb->end;
        return true;
    }
    if (sb->fin_lost && !lost) {
        out->offset = sb->end;
        out->fin = true;
        return true;
    }
    if (sb->sent_upto < sb->end && sb->sent_upto < flow_limit && max_len) {
        uint64_t n = sb->end - sb->sent_upto;
        if (n > flow_limit - sb->sent_upto)
            n = flow_limit - sb->sent_upto;
        out->offset = sb->sent_upto;
        out->len = n < max_len ? (size_t)n : max_len;
        out->is_new = true;
        out->fin =
            sb->fin && !sb->fin_sent && out->offset + out->len == sb->end;
        return true;
    }
    if (sb->fin && !sb->fin_sent && sb->sent_upto == sb->end) {
        out->offset = sb->end;
        out->fin = true;
        return true;
    }
    return false;
}

/* Index of the segment holding |offset| (which must be held). */
static size_t find_seg(const quic_sendbuf *sb, uint64_t offset) {
    size_t lo = 0, hi = sb->seg_count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (seg_at(sb, mid)->offset <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int quic_sendbuf_read(const quic_sendbuf *sb, uint64_t offset, size_t len,
                      uint8_t *dst) {
    if (!len)
        return offset <= sb->end ? 0 : QUIC_ERR_INVALID_ARGUMENT;
    if (!sb->seg_count || offset < seg_at(sb, 0)->offset || offset > sb->end ||
        len > sb->end - offset)
        return QUIC_ERR_INVALID_ARGUMENT;
    for (size_t i = find_seg(sb, offset); len; i++) {
        const quic_sendbuf_seg *s = seg_at(sb, i);
        size_t at = (size_t)(offset - s->offset);
        size_t n = s->len - at < len ? s->len - at : len;
        memcpy(dst, s->data + at, n);
        dst += n;
        offset += n;
        len -= n;
    }
    return 0;
}

int quic_sendbuf_on_sent(quic_sendbuf *sb, uint64_t offset, size_t len,
                         bool fin) {
    if (offset > sb->end || len > sb->end - offset ||
        (fin && (!sb->fin || offset + len != sb->end)))
        return QUIC_ERR_INVALID_ARGUMENT;
    /* Usually nothing is lost: skip the range search then. */
    if (quic_ranges_count(&sb->lost)) {
        int err = quic_ranges_remove(&sb->lost, offset, offset + len);
        if (err)
            return err;
    }
    if (offset + len > sb->sent_upto)
        sb->sent_upto = offset + len;
    if (fin) {
        sb->fin_sent = true;
        sb->fin_lost = false;
    }
    return 0;
}

/* Frees the blocks and releases the references wholly below acked_prefix. */
static void drop_acked_segments(quic_sendbuf *sb) {
    while (sb->seg_count) {
        quic_sendbuf_seg *s = seg_at(sb, 0);
        if (s->offset + s->len > sb->acked_prefix)
            break;
        release_seg(sb, s);
        sb->seg_head++;
        sb->seg_count--;
    }
    if (!sb->seg_count)
        sb->seg_head = 0;
}

/* Checks a range reported acknowledged or lost against what was sent. */
static bool was_sent(const quic_sendbuf *sb, uint64_t offset, size_t len,
                     bool fin) {
    return offset <= sb->sent_upto && len <= sb->sent_upto - offset &&
           (!fin || sb->fin_sent);
}

int quic_sendbuf_on_acked(quic_sendbuf *sb, uint64_t offset, size_t len,
                          bool fin) {
    if (!was_sent(sb, offset, len, fin))
        return QUIC_ERR_INVALID_ARGUMENT;
    uint64_t end = offset + len;
    if (fin) {
        sb->fin_acked = true;
        sb->fin_lost = false;
    }
    if (end <= sb->acked_prefix || !len)
        return 0;
    if (offset < sb->acked_prefix)
        offset = sb->acked_prefix;
    if (offset == sb->acked_prefix && !quic_ranges_count(&sb->acked)) {
        /* In order, the common case: the prefix grows without touching the
         * acknowledged set. */
        sb->acked_prefix = end;
        if (quic_ranges_count(&sb->lost))
            quic_ranges_remove(&sb->lost, 0, end); /* trims: cannot fail */
        drop_acked_segments(sb);
        return 0;
    }
    int err = quic_ranges_add(&sb->acked, offset, end);
    if (!err) /* a spurious loss: no need to send it again */
        err = quic_ranges_remove(&sb->lost, offset, end);
    if (err)
        return err;
    const quic_range *first = quic_ranges_first(&sb->acked);
    if (first && first->start == sb->acked_prefix) {
        sb->acked_prefix = first->end;
        /* Trimming at the bottom never splits, so these cannot fail. */
        quic_ranges_remove(&sb->acked, 0, sb->acked_prefix);
        quic_ranges_remove(&sb->lost, 0, sb->acked_prefix);
        drop_acked_segments(sb);
    }
    return 0;
}

int quic_sendbuf_on_lost(quic_sendbuf *sb, uint64_t offset, size_t len,
                         bool fin) {
    if (!was_sent(sb, offset, len, fin))
        return QUIC_ERR_INVALID_ARGUMENT;
    uint64_t end = offset + len;
    if (fin && !sb->fin_acked)
        sb->fin_lost = true;
    uint64_t cur = offset > sb->acked_prefix ? offset : sb->acked_prefix;
    /* Queue the parts between the acknowledged ranges. */
    for (size_t i = 0; i < quic_ranges_count(&sb->acked) && cur < end; i++) {
        const quic_range *a = quic_ranges_at(&sb->acked, i);
        if (a->end <= cur)
            continue;
        if (a->start > cur) {
            uint64_t stop = a->start < end ? a->start : end;
            int err = quic_ranges_add(&sb->lost, cur, stop);
            if (err)
                return err;
        }
        cur = a->end;
    }
    if (cur < end)
        return quic_ranges_add(&sb->lost, cur, end);
    return 0;
}

int quic_sendbuf_requeue_unacked(quic_sendbuf *sb) {
    return quic_sendbuf_on_lost(sb, sb->acked_prefix,
                                (size_t)(sb->sent_upto - sb->acked_prefix),
                                sb->fin_sent);
}

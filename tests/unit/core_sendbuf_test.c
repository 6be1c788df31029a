/* tests/unit/core_sendbuf_test.c — core/sendbuf: chunks of new data within
 * the flow limit, exact retransmission of lost ranges before new data,
 * spurious losses, FIN sent/lost/acked, references released once when
 * acknowledged or discarded, memory freed as the acknowledged prefix grows,
 * offsets near 2^62, allocation failure, and a seeded lossy transfer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/sendbuf.h"

typedef struct counting {
    int live;
    int fail_after; /* allocations left before failing; negative: never */
} counting;

static bool may_alloc(counting *c) {
    if (c->fail_after == 0)
        return false;
    if (c->fail_after > 0)
        c->fail_after--;
    return true;
}
static void *c_malloc(size_t n, void *u) {
    counting *c = u;
    if (!may_alloc(c))
        return NULL;
    c->live++;
    return test_malloc(n);
}
static void *c_calloc(size_t n, size_t s, void *u) {
    counting *c = u;
    if (!may_alloc(c))
        return NULL;
    c->live++;
    return test_calloc(n, s);
}
static void *c_realloc(void *p, size_t n, void *u) {
    counting *c = u;
    if (!may_alloc(c))
        return NULL;
    if (!p)
        c->live++;
    return test_realloc(p, n);
}
static void c_free(void *p, void *u) {
    counting *c = u;
    if (p)
        c->live--;
    test_free(p);
}
#define COUNTING_ALLOC(cnt)                                                    \
    { &(cnt), c_malloc, c_calloc, c_realloc, c_free }

static uint8_t pattern(uint64_t off) {
    return (uint8_t)(off * 197 + 3);
}

static void append_pattern(quic_sendbuf *sb, size_t len) {
    uint8_t buf[70000];
    assert_true(len <= sizeof(buf));
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(sb->end + i);
    assert_int_equal(quic_sendbuf_append(sb, buf, len), 0);
}

/* next() must return exactly this chunk. */
static void expect_next(const quic_sendbuf *sb, size_t max_len, uint64_t limit,
                        uint64_t off, size_t len, bool fin, bool is_new) {
    quic_send_chunk c;
    assert_true(quic_sendbuf_next(sb, max_len, limit, &c));
    assert_int_equal(c.offset, off);
    assert_int_equal(c.len, len);
    assert_int_equal(c.fin, fin);
    assert_int_equal(c.is_new, is_new);
}

/* Takes the next chunk, checks its bytes and marks it sent. */
static quic_send_chunk send_next(quic_sendbuf *sb, size_t max_len) {
    quic_send_chunk c;
    assert_true(quic_sendbuf_next(sb, max_len, UINT64_MAX, &c));
    uint8_t buf[2000];
    assert_true(c.len <= sizeof(buf));
    assert_int_equal(quic_sendbuf_read(sb, c.offset, c.len, buf), 0);
    for (size_t i = 0; i < c.len; i++)
        assert_int_equal(buf[i], pattern(c.offset + i));
    assert_int_equal(quic_sendbuf_on_sent(sb, c.offset, c.len, c.fin), 0);
    return c;
}

static void test_quic_sendbuf_next_new_data_within_limits(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    quic_send_chunk c;
    assert_false(quic_sendbuf_next(&sb, 100, UINT64_MAX, &c));
    append_pattern(&sb, 250);
    expect_next(&sb, 100, UINT64_MAX, 0, 100, false, true);
    expect_next(&sb, 100, 40, 0, 40, false, true);    /* flow limit */
    assert_false(quic_sendbuf_next(&sb, 100, 0, &c)); /* blocked */
    assert_false(quic_sendbuf_next(&sb, 0, UINT64_MAX, &c));
    send_next(&sb, 100);
    send_next(&sb, 100);
    expect_next(&sb, 100, UINT64_MAX, 200, 50, false, true);
    send_next(&sb, 100);
    assert_int_equal(sb.sent_upto, 250);
    assert_false(quic_sendbuf_next(&sb, 100, UINT64_MAX, &c));
    assert_int_equal(quic_sendbuf_buffered(&sb), 250);
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_next_lost_ranges_first_and_exact(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 1000);
    for (int i = 0; i < 5; i++)
        send_next(&sb, 100); /* [0,500) in five frames */
    assert_int_equal(quic_sendbuf_on_lost(&sb, 300, 100, false), 0);
    assert_int_equal(quic_sendbuf_on_lost(&sb, 100, 100, false), 0);
    /* The lowest lost range first, split only by max_len, and it ignores
     * the flow limit (the bytes were counted when first sent). */
    expect_next(&sb, 60, 0, 100, 60, false, false);
    send_next(&sb, 60);
    expect_next(&sb, 1000, 0, 160, 40, false, false);
    send_next(&sb, 1000);
    expect_next(&sb, 1000, 0, 300, 100, false, false);
    send_next(&sb, 1000);
    expect_next(&sb, 1000, UINT64_MAX, 500, 500, false, true);
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_on_lost_skips_acked_parts(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 1000);
    send_next(&sb, 1000);
    /* Frames of [0,1000) acknowledged piecewise by other packets. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, 100, 100, false), 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 500, 100, false), 0);
    assert_int_equal(quic_sendbuf_on_lost(&sb, 0, 1000, false), 0);
    const uint64_t want[] = {0, 100, 200, 500, 600, 1000};
    assert_int_equal(quic_ranges_count(&sb.lost), 3);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(quic_ranges_at(&sb.lost, i)->start, want[2 * i]);
        assert_int_equal(quic_ranges_at(&sb.lost, i)->end, want[2 * i + 1]);
    }
    quic_sendbuf_cleanup(&sb);
}

static void
test_quic_sendbuf_on_acked_after_loss_cancels_retransmit(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 300);
    send_next(&sb, 300);
    assert_int_equal(quic_sendbuf_on_lost(&sb, 0, 300, false), 0);
    /* The "lost" packet arrives after all: nothing to resend. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, 100, 200, false), 0);
    expect_next(&sb, 1000, UINT64_MAX, 0, 100, false, false);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 100, false), 0);
    quic_send_chunk c;
    assert_false(quic_sendbuf_next(&sb, 1000, UINT64_MAX, &c));
    assert_int_equal(sb.acked_prefix, 300);
    assert_int_equal(quic_sendbuf_buffered(&sb), 0);
    quic_sendbuf_cleanup(&sb);
}

/* In-order acknowledgments (nothing acknowledged above the prefix) move
 * the prefix directly; they still cancel lost bytes they cover. */
static void test_quic_sendbuf_on_acked_in_order_trims_lost(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 400);
    send_next(&sb, 300);
    assert_int_equal(quic_sendbuf_on_lost(&sb, 0, 300, false), 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 200, false), 0);
    assert_int_equal(sb.acked_prefix, 200);
    assert_int_equal(quic_ranges_count(&sb.acked), 0);
    expect_next(&sb, 1000, UINT64_MAX, 200, 100, false, false);
    /* Overlapping the prefix: only the part above it counts. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, 100, 150, false), 0);
    assert_int_equal(sb.acked_prefix, 250);
    expect_next(&sb, 1000, UINT64_MAX, 250, 50, false, false);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 250, 50, false), 0);
    assert_int_equal(quic_ranges_count(&sb.lost), 0);
    expect_next(&sb, 1000, UINT64_MAX, 300, 100, false, true);
    assert_int_equal(quic_sendbuf_buffered(&sb), 100);
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_fin_sent_lost_acked(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 150);
    assert_int_equal(quic_sendbuf_finish(&sb), 0);
    assert_int_equal(quic_sendbuf_finish(&sb), QUIC_ERR_INVALID_STATE);
    assert_int_equal(quic_sendbuf_append(&sb, (const uint8_t *)"x", 1),
                     QUIC_ERR_INVALID_STATE);
    expect_next(&sb, 100, UINT64_MAX, 0, 100, false, true);
    send_next(&sb, 100);
    expect_next(&sb, 100, UINT64_MAX, 100, 50, true, true);
    send_next(&sb, 100);
    assert_true(sb.fin_sent);
    /* The last frame is lost: its bytes and the FIN go again together. */
    assert_int_equal(quic_sendbuf_on_lost(&sb, 100, 50, true), 0);
    expect_next(&sb, 100, UINT64_MAX, 100, 50, true, false);
    expect_next(&sb, 20, UINT64_MAX, 100, 20, false, false);
    send_next(&sb, 100);
    assert_false(sb.fin_lost);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 150, false), 0);
    assert_false(quic_sendbuf_all_acked(&sb));
    assert_int_equal(quic_sendbuf_on_acked(&sb, 100, 50, true), 0);
    assert_true(quic_sendbuf_all_acked(&sb));
    quic_send_chunk c;
    assert_false(quic_sendbuf_next(&sb, 100, UINT64_MAX, &c));
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_fin_alone(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 10);
    send_next(&sb, 100);
    assert_int_equal(quic_sendbuf_finish(&sb), 0);
    /* A FIN-only frame even at the flow limit and with no room for data. */
    expect_next(&sb, 0, 10, 10, 0, true, false);
    assert_int_equal(quic_sendbuf_on_sent(&sb, 10, 0, true), 0);
    quic_send_chunk c;
    assert_false(quic_sendbuf_next(&sb, 100, UINT64_MAX, &c));
    assert_int_equal(quic_sendbuf_on_lost(&sb, 10, 0, true), 0);
    expect_next(&sb, 100, UINT64_MAX, 10, 0, true, false);
    assert_int_equal(quic_sendbuf_on_sent(&sb, 10, 0, true), 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 10, 0, true), 0);
    assert_int_equal(quic_sendbuf_on_lost(&sb, 10, 0, true), 0); /* late */
    assert_false(sb.fin_lost);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 10, false), 0);
    assert_true(quic_sendbuf_all_acked(&sb));
    quic_sendbuf_cleanup(&sb);
    /* An empty stream: FIN at offset 0. */
    quic_sendbuf_init(&sb, NULL);
    assert_int_equal(quic_sendbuf_finish(&sb), 0);
    expect_next(&sb, 100, 0, 0, 0, true, false);
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_misuse_errors(void **state) {
    (void)state;
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    append_pattern(&sb, 100);
    uint8_t b[200];
    assert_int_equal(quic_sendbuf_append(&sb, NULL, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 1, false),
                     QUIC_ERR_INVALID_ARGUMENT); /* not sent yet */
    assert_int_equal(quic_sendbuf_on_lost(&sb, 0, 1, false),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_sendbuf_on_sent(&sb, 50, 51, false),
                     QUIC_ERR_INVALID_ARGUMENT); /* beyond end */
    assert_int_equal(quic_sendbuf_on_sent(&sb, 0, 100, true),
                     QUIC_ERR_INVALID_ARGUMENT); /* no FIN queued */
    assert_int_equal(quic_sendbuf_read(&sb, 90, 11, b),
                     QUIC_ERR_INVALID_ARGUMENT);
    send_next(&sb, 100);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 100, true),
                     QUIC_ERR_INVALID_ARGUMENT); /* FIN never sent */
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 100, false), 0);
    assert_int_equal(quic_sendbuf_read(&sb, 0, 10, b),
                     QUIC_ERR_INVALID_ARGUMENT); /* freed */
    assert_int_equal(quic_sendbuf_read(&sb, 100, 0, b), 0);
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_on_acked_frees_prefix_blocks(void **state) {
    (void)state;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, &a);
    append_pattern(&sb, 3 * QUIC_SENDBUF_BLOCK);
    /* The segment array and three full blocks. */
    assert_int_equal(sb.seg_count, 3);
    assert_int_equal(cnt.live, 1 + 3);
    while (sb.sent_upto < sb.end)
        send_next(&sb, 1200);
    /* Out of order: nothing is freed until the prefix moves. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, QUIC_SENDBUF_BLOCK + 10,
                                           2 * QUIC_SENDBUF_BLOCK - 10, false),
                     0);
    assert_int_equal(cnt.live, 1 + 3);
    assert_int_equal(quic_sendbuf_buffered(&sb), 3 * QUIC_SENDBUF_BLOCK);
    /* The first block and a bit: the first block goes. */
    assert_int_equal(
        quic_sendbuf_on_acked(&sb, 0, QUIC_SENDBUF_BLOCK + 5, false), 0);
    assert_int_equal(sb.acked_prefix, QUIC_SENDBUF_BLOCK + 5);
    assert_int_equal(cnt.live, 1 + 2);
    /* Bridging the gap frees everything up to the end. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, QUIC_SENDBUF_BLOCK, 10, false),
                     0);
    assert_int_equal(sb.acked_prefix, 3 * QUIC_SENDBUF_BLOCK);
    assert_int_equal(quic_ranges_count(&sb.acked), 0);
    assert_int_equal(cnt.live, 1);
    assert_int_equal(quic_sendbuf_buffered(&sb), 0);
    quic_sendbuf_cleanup(&sb);
    assert_int_equal(cnt.live, 0);
}

/* Small appends share blocks; blocks never exceed QUIC_SENDBUF_BLOCK. */
static void test_quic_sendbuf_append_coalesces_small_writes(void **state) {
    (void)state;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, &a);
    for (int i = 0; i < 100; i++)
        append_pattern(&sb, 10);
    assert_int_equal(sb.seg_count, 1); /* 1000 bytes fit the first block */
    append_pattern(&sb, 60000);
    for (size_t i = 0; i < sb.seg_count; i++)
        assert_true(sb.segs[sb.seg_head + i].cap <= QUIC_SENDBUF_BLOCK);
    uint8_t buf[3000];
    assert_int_equal(quic_sendbuf_read(&sb, 900, sizeof(buf), buf), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], pattern(900 + i));
    quic_sendbuf_cleanup(&sb);
    assert_int_equal(cnt.live, 0);
}

typedef struct ref_log {
    int released[4];
} ref_log;
static ref_log *g_refs;
static void release_ref(void *arg) {
    g_refs->released[(intptr_t)arg]++;
}

static void test_quic_sendbuf_append_ref_released_once(void **state) {
    (void)state;
    ref_log log = {{0}};
    g_refs = &log;
    static const uint8_t data[300] = {1, 2, 3};
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    assert_int_equal(
        quic_sendbuf_append_ref(&sb, data, 100, release_ref, (void *)0), 0);
    assert_int_equal(quic_sendbuf_append(&sb, data, 50), 0);
    assert_int_equal(
        quic_sendbuf_append_ref(&sb, data + 100, 200, release_ref, (void *)1),
        0);
    /* A zero-length reference is released at once. */
    assert_int_equal(
        quic_sendbuf_append_ref(&sb, data, 0, release_ref, (void *)2), 0);
    assert_int_equal(log.released[2], 1);
    assert_int_equal(
        quic_sendbuf_append_ref(&sb, data, 10, release_ref, (void *)3), 0);
    uint8_t out[350];
    assert_int_equal(quic_sendbuf_read(&sb, 0, 350, out), 0);
    assert_memory_equal(out, data, 100);
    assert_memory_equal(out + 100, data, 50);
    assert_memory_equal(out + 150, data + 100, 200);
    quic_send_chunk c;
    assert_true(quic_sendbuf_next(&sb, 1000, UINT64_MAX, &c));
    assert_int_equal(quic_sendbuf_on_sent(&sb, c.offset, c.len, c.fin), 0);
    /* Part of a reference acknowledged: not yet released. */
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 99, false), 0);
    assert_int_equal(log.released[0], 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 99, 200, false), 0);
    assert_int_equal(log.released[0], 1);
    assert_int_equal(log.released[1], 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, 350, false), 0);
    assert_int_equal(log.released[0], 1); /* still once */
    assert_int_equal(log.released[1], 1);
    /* Discarding the buffer releases what is left, once. */
    quic_sendbuf_cleanup(&sb);
    assert_int_equal(log.released[3], 1);
    quic_sendbuf_cleanup(&sb);
    const int want[4] = {1, 1, 1, 1};
    assert_memory_equal(log.released, want, sizeof(want));
}

static void test_quic_sendbuf_append_near_2_62(void **state) {
    (void)state;
    const uint64_t max = (UINT64_C(1) << 62) - 1;
    static const uint8_t data[64];
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, NULL);
    /* A reference is never read here, so its length can be huge. */
    assert_int_equal(
        quic_sendbuf_append_ref(&sb, data, (size_t)(max - 10), NULL, NULL), 0);
    assert_int_equal(quic_sendbuf_append(&sb, data, 11),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_sendbuf_append(&sb, data, 10), 0);
    assert_int_equal(sb.end, max);
    assert_int_equal(quic_sendbuf_finish(&sb), 0);
    assert_int_equal(quic_sendbuf_on_sent(&sb, 0, (size_t)(max - 10), false),
                     0);
    expect_next(&sb, 100, UINT64_MAX, max - 10, 10, true, true);
    uint8_t out[10];
    assert_int_equal(quic_sendbuf_read(&sb, max - 10, 10, out), 0);
    assert_memory_equal(out, data, 10);
    assert_int_equal(quic_sendbuf_on_sent(&sb, max - 10, 10, true), 0);
    assert_int_equal(quic_sendbuf_on_acked(&sb, 0, (size_t)max, true), 0);
    assert_true(quic_sendbuf_all_acked(&sb));
    quic_sendbuf_cleanup(&sb);
}

static void test_quic_sendbuf_append_nomem_queues_nothing(void **state) {
    (void)state;
    counting cnt = {0, 0};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, &a);
    uint8_t buf[40000] = {0};
    assert_int_equal(quic_sendbuf_append(&sb, buf, 10), QUIC_ERR_NOMEM);
    cnt.fail_after = 2; /* segment array and one block of three */
    assert_int_equal(quic_sendbuf_append(&sb, buf, sizeof(buf)),
                     QUIC_ERR_NOMEM);
    assert_int_equal(sb.end, 0);
    assert_int_equal(sb.seg_count, 0);
    assert_int_equal(cnt.live, 1); /* only the segment array */
    assert_int_equal(quic_sendbuf_append_ref(&sb, buf, 5, NULL, NULL), 0);
    cnt.fail_after = -1;
    assert_int_equal(quic_sendbuf_append(&sb, buf, sizeof(buf)), 0);
    assert_int_equal(sb.end, 5 + sizeof(buf));
    quic_sendbuf_cleanup(&sb);
    assert_int_equal(cnt.live, 0);
}

/* A transfer over a lossy, reordering "network": frames are sent in
 * packets, each later acknowledged or lost at random (some losses
 * spurious), until everything is acknowledged; the receiver's copy matches
 * and the stream ends. */
static void test_quic_sendbuf_random_lossy_transfer(void **state) {
    (void)state;
    const char *env = getenv("SEED");
    unsigned seed =
        env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    printf("core_sendbuf random seed %u\n", seed);
    srand(seed);
    enum { TOTAL = 60000, INFLIGHT = 64 };
    static uint8_t recv[TOTAL];
    memset(recv, 0, sizeof(recv));
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_sendbuf sb;
    quic_sendbuf_init(&sb, &a);
    quic_send_chunk flight[INFLIGHT];
    size_t nflight = 0;
    int rounds = 0;
    while (!quic_sendbuf_all_acked(&sb)) {
        assert_true(++rounds < 100000);
        if (sb.end < TOTAL && rand() % 3 == 0) {
            size_t n = 1 + (size_t)(rand() % 5000);
            append_pattern(&sb, sb.end + n > TOTAL ? TOTAL - sb.end : n);
            if (sb.end == TOTAL)
                assert_int_equal(quic_sendbuf_finish(&sb), 0);
        }
        quic_send_chunk c;
        if (nflight < INFLIGHT &&
            quic_sendbuf_next(&sb, 1 + (size_t)(rand() % 1500), UINT64_MAX,
                              &c)) {
            assert_int_equal(
                quic_sendbuf_read(&sb, c.offset, c.len, recv + c.offset), 0);
            assert_int_equal(quic_sendbuf_on_sent(&sb, c.offset, c.len, c.fin),
                             0);
            flight[nflight++] = c;
        }
        if (nflight && (rand() % 2 || nflight == INFLIGHT)) {
            size_t i = (size_t)rand() % nflight;
            c = flight[i];
            flight[i] = flight[--nflight];
            int r = rand() % 10;
            if (r < 7) {
                assert_int_equal(
                    quic_sendbuf_on_acked(&sb, c.offset, c.len, c.fin), 0);
            } else {
                assert_int_equal(
                    quic_sendbuf_on_lost(&sb, c.offset, c.len, c.fin), 0);
                if (r == 9) /* spurious: it arrives after all */
                    assert_int_equal(
                        quic_sendbuf_on_acked(&sb, c.offset, c.len, c.fin), 0);
            }
        }
    }
    assert_int_equal(sb.end, TOTAL);
    for (size_t i = 0; i < TOTAL; i++)
        if (recv[i] != pattern(i)) {
            printf("seed %u: byte %zu differs\n", seed, i);
            fail();
        }
    assert_int_equal(quic_sendbuf_buffered(&sb), 0);
    /* No data block is left: only the segment and range arrays. */
    assert_int_equal(sb.seg_count, 0);
    assert_true(cnt.live <= 3);
    quic_sendbuf_cleanup(&sb);
    assert_int_equal(cnt.live, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_sendbuf_next_new_data_within_limits),
        cmocka_unit_test(test_quic_sendbuf_next_lost_ranges_first_and_exact),
        cmocka_unit_test(test_quic_sendbuf_on_lost_skips_acked_parts),
        cmocka_unit_test(
            test_quic_sendbuf_on_acked_after_loss_cancels_retransmit),
        cmocka_unit_test(test_quic_sendbuf_on_acked_in_order_trims_lost),
        cmocka_unit_test(test_quic_sendbuf_fin_sent_lost_acked),
        cmocka_unit_test(test_quic_sendbuf_fin_alone),
        cmocka_unit_test(test_quic_sendbuf_misuse_errors),
        cmocka_unit_test(test_quic_sendbuf_on_acked_frees_prefix_blocks),
        cmocka_unit_test(test_quic_sendbuf_append_coalesces_small_writes),
        cmocka_unit_test(test_quic_sendbuf_append_ref_released_once),
        cmocka_unit_test(test_quic_sendbuf_append_near_2_62),
        cmocka_unit_test(test_quic_sendbuf_append_nomem_queues_nothing),
        cmocka_unit_test(test_quic_sendbuf_random_lossy_transfer),
    };
    return cmocka_run_group_tests_name("core_sendbuf", tests, NULL, NULL);
}

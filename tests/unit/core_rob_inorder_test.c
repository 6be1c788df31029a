/* tests/unit/core_rob_inorder_test.c — core/rob's in-order fast path (data
 * at exactly the contiguous end is copied without bitmap work) against its
 * edge cases: in-order, then out-of-order, then the gap filled; pieces across
 * chunk boundaries; chunks reused through a small window; the window edge;
 * final sizes; allocation failure; and a seeded mostly-in-order stream. The
 * allocator poisons new memory so that a bitmap left unzeroed shows up. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/rob.h"

/* cmocka's checked allocator; malloc fills the block with 0xff (received
 * bits all set, as stale memory could have them), counts live blocks and
 * fails once |fail_after| reaches 0 (negative: never). */
typedef struct poisoning {
    int live;
    int fail_after;
} poisoning;

static bool take(poisoning *p) {
    if (p->fail_after == 0)
        return false;
    if (p->fail_after > 0)
        p->fail_after--;
    p->live++;
    return true;
}
static void *p_malloc(size_t n, void *u) {
    void *b = take(u) ? test_malloc(n) : NULL;
    if (b)
        memset(b, 0xff, n);
    return b;
}
static void *p_calloc(size_t n, size_t s, void *u) {
    return take(u) ? test_calloc(n, s) : NULL;
}
static void *p_realloc(void *ptr, size_t n, void *u) {
    poisoning *p = u;
    if (ptr)
        p->live--;
    if (!take(p)) {
        if (ptr)
            p->live++;
        return NULL;
    }
    return test_realloc(ptr, n);
}
static void p_free(void *ptr, void *u) {
    poisoning *p = u;
    if (ptr)
        p->live--;
    test_free(ptr);
}

#define POISONING_ALLOC(cnt)                                                   \
    { &(cnt), p_malloc, p_calloc, p_realloc, p_free }

static uint8_t pattern(uint64_t off) {
    return (uint8_t)(off * 151 + 3);
}

/* Pushes [off, off+len) of the pattern. */
static int push(quic_rob *rob, uint64_t off, size_t len, bool fin) {
    uint8_t buf[3 * QUIC_ROB_CHUNK];
    assert_true(len <= sizeof(buf));
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(off + i);
    return quic_rob_push(rob, off, buf, len, fin);
}

/* Reads and consumes everything readable, checking the pattern; returns
 * the byte count. */
static uint64_t drain(quic_rob *rob) {
    uint64_t total = 0;
    const uint8_t *p;
    size_t n;
    while ((n = quic_rob_peek(rob, &p)) > 0) {
        for (size_t i = 0; i < n; i++)
            assert_int_equal(p[i], pattern(rob->read_offset + i));
        assert_int_equal(quic_rob_consume(rob, n), 0);
        total += n;
    }
    return total;
}

static void test_quic_rob_push_in_order_then_gap_then_fill(void **st) {
    (void)st;
    poisoning cnt = {0, -1};
    quic_allocator a = POISONING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 65536);
    assert_int_equal(push(&rob, 0, 1000, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 1000);
    assert_int_equal(push(&rob, 2000, 1000, false), 0); /* leaves a gap */
    assert_int_equal(quic_rob_readable(&rob), 1000);
    assert_int_equal(rob.max_received, 3000);
    /* In order into the gap, not reaching the far piece: the poisoned
     * bits at 1500 must not count. */
    assert_int_equal(push(&rob, 1000, 500, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 1500);
    /* Overlapping what is contiguous and bridging to the far piece. */
    assert_int_equal(push(&rob, 1200, 900, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 3000);
    /* The fast path again after the bitmap was used. */
    assert_int_equal(push(&rob, 3000, 200, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 3200);
    assert_int_equal(drain(&rob), 3200);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

static void test_quic_rob_push_in_order_gap_of_one_byte(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 0, 10, false), 0);
    assert_int_equal(push(&rob, 11, 10, false), 0);
    assert_int_equal(push(&rob, 10, 0, false), 0); /* empty at the end */
    assert_int_equal(quic_rob_readable(&rob), 10);
    assert_int_equal(push(&rob, 10, 1, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 21);
    assert_int_equal(drain(&rob), 21);
    quic_rob_cleanup(&rob);
}

/* 1452-byte pieces (a full packet's worth) straddle chunk boundaries; each
 * chunk is allocated once and peeks stop at its end. */
static void test_quic_rob_push_in_order_across_chunk_boundaries(void **st) {
    (void)st;
    poisoning cnt = {0, -1};
    quic_allocator a = POISONING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 16 * QUIC_ROB_CHUNK);
    enum { PIECE = 1452, PIECES = 9 }; /* 13068 bytes: chunks 0-3 */
    for (int i = 0; i < PIECES; i++)
        assert_int_equal(push(&rob, (uint64_t)i * PIECE, PIECE, false), 0);
    assert_int_equal(cnt.live, 1 + 4); /* ring + four chunks */
    assert_int_equal(quic_rob_readable(&rob), PIECES * PIECE);
    const uint8_t *p;
    assert_int_equal(quic_rob_peek(&rob, &p), QUIC_ROB_CHUNK);
    assert_int_equal(quic_rob_consume(&rob, QUIC_ROB_CHUNK - 1), 0);
    assert_int_equal(quic_rob_peek(&rob, &p), 1);
    assert_int_equal(p[0], pattern(QUIC_ROB_CHUNK - 1));
    assert_int_equal(quic_rob_consume(&rob, 1), 0);
    assert_int_equal(cnt.live, 1 + 4); /* chunk 0 is kept as a spare */
    /* A piece ending exactly on a boundary, then one starting on it. */
    uint64_t end = PIECES * PIECE;
    size_t to_boundary = (size_t)(4 * QUIC_ROB_CHUNK - end);
    assert_int_equal(push(&rob, end, to_boundary, false), 0);
    assert_int_equal(cnt.live, 1 + 4);
    assert_int_equal(push(&rob, 4 * QUIC_ROB_CHUNK, 1, false), 0);
    assert_int_equal(cnt.live, 1 + 4); /* the spare became chunk 4 */
    assert_int_equal(drain(&rob), 3 * QUIC_ROB_CHUNK + 1);
    assert_int_equal(cnt.live, 1 + 4); /* chunk 4 and three spares */
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

/* A window of two chunks: slots are reused for new chunks from poisoned
 * memory, and a gap in a reused chunk still stops the reader. */
static void test_quic_rob_push_reused_slots_start_with_no_bits(void **st) {
    (void)st;
    poisoning cnt = {0, -1};
    quic_allocator a = POISONING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 2 * QUIC_ROB_CHUNK);
    uint64_t off = 0;
    for (int round = 0; round < 12; round++) {
        /* In order, then a far piece, then fill half of the gap. */
        assert_int_equal(push(&rob, off, 1000, false), 0);
        assert_int_equal(push(&rob, off + 3000, 2000, false), 0);
        assert_int_equal(push(&rob, off + 1000, 1000, false), 0);
        assert_int_equal(quic_rob_readable(&rob), 2000);
        assert_int_equal(drain(&rob), 2000);
        assert_int_equal(push(&rob, off + 2000, 1000, false), 0);
        assert_int_equal(quic_rob_readable(&rob), 3000);
        assert_int_equal(drain(&rob), 3000);
        off += 5000;
    }
    assert_int_equal(rob.read_offset, off);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

static void test_quic_rob_push_in_order_window_edge(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 2 * QUIC_ROB_CHUNK);
    assert_int_equal(push(&rob, 0, 2 * QUIC_ROB_CHUNK - 1, false), 0);
    assert_int_equal(push(&rob, 2 * QUIC_ROB_CHUNK - 1, 2, false),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(rob.contig_end, 2 * QUIC_ROB_CHUNK - 1);
    assert_int_equal(rob.max_received, 2 * QUIC_ROB_CHUNK - 1);
    assert_int_equal(push(&rob, 2 * QUIC_ROB_CHUNK - 1, 1, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 2 * QUIC_ROB_CHUNK);
    /* Consuming slides the window: the next in-order piece fits. */
    assert_int_equal(quic_rob_consume(&rob, 100), 0);
    assert_int_equal(push(&rob, 2 * QUIC_ROB_CHUNK, 101, false),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(push(&rob, 2 * QUIC_ROB_CHUNK, 100, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 2 * QUIC_ROB_CHUNK);
    assert_int_equal(drain(&rob), 2 * QUIC_ROB_CHUNK);
    quic_rob_cleanup(&rob);
}

/* RFC 9000 §4.5 with in-order data. */
static void test_quic_rob_push_in_order_final_size(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 0, 100, false), 0);
    assert_int_equal(quic_rob_set_final_size(&rob, 300), 0);
    assert_false(quic_rob_all_received(&rob));
    assert_int_equal(push(&rob, 100, 201, false), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(push(&rob, 100, 100, true), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(rob.contig_end, 100);
    assert_int_equal(push(&rob, 100, 200, false), 0); /* reaches it */
    assert_true(quic_rob_all_received(&rob));
    assert_int_equal(push(&rob, 300, 0, true), 0); /* a repeated FIN */
    assert_int_equal(drain(&rob), 300);
    assert_true(quic_rob_is_finished(&rob));
    quic_rob_cleanup(&rob);

    /* A FIN below data received out of order is refused, in order too. */
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 0, 100, false), 0);
    assert_int_equal(push(&rob, 200, 100, false), 0);
    assert_int_equal(push(&rob, 100, 50, true), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(rob.contig_end, 100);
    assert_int_equal(push(&rob, 100, 200, true), 0);
    assert_true(quic_rob_all_received(&rob));
    assert_int_equal(drain(&rob), 300);
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_push_in_order_nomem_changes_nothing(void **st) {
    (void)st;
    poisoning cnt = {0, -1};
    quic_allocator a = POISONING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 65536);
    assert_int_equal(push(&rob, 0, QUIC_ROB_CHUNK - 10, false), 0);
    cnt.fail_after = 0; /* the second chunk */
    assert_int_equal(push(&rob, QUIC_ROB_CHUNK - 10, 20, true), QUIC_ERR_NOMEM);
    assert_int_equal(rob.contig_end, QUIC_ROB_CHUNK - 10);
    assert_int_equal(rob.max_received, QUIC_ROB_CHUNK - 10);
    assert_int_equal(rob.final_size, QUIC_ROB_NO_FINAL_SIZE);
    cnt.fail_after = -1;
    assert_int_equal(push(&rob, QUIC_ROB_CHUNK - 10, 20, true), 0);
    assert_true(quic_rob_all_received(&rob));
    assert_int_equal(drain(&rob), QUIC_ROB_CHUNK + 10);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

/* Packet-sized pieces mostly in order, some delayed a few places, some
 * duplicated, reads interleaved: the reader sees exactly the source. */
static void test_quic_rob_push_mostly_in_order_reassembles(void **st) {
    (void)st;
    const char *env = getenv("SEED");
    unsigned seed =
        env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    printf("core_rob_inorder random seed %u\n", seed);
    srand(seed);
    enum { TOTAL = 300000, PIECE = 1200, N = TOTAL / PIECE, DELAY = 8 };
    size_t order[N];
    for (size_t i = 0; i < N; i++)
        order[i] = i;
    /* In each block of DELAY pieces, one in three delays one piece to the
     * block's end: no piece moves more than DELAY places. */
    for (size_t b = 0; b + DELAY <= N; b += DELAY) {
        if (rand() % 3)
            continue;
        size_t i = b + (size_t)rand() % (DELAY - 1), j = b + DELAY - 1;
        size_t t = order[i];
        memmove(&order[i], &order[i + 1], (j - i) * sizeof(order[0]));
        order[j] = t;
    }
    poisoning cnt = {0, -1};
    quic_allocator a = POISONING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 64 * 1024);
    uint64_t read = 0;
    for (size_t i = 0; i < N; i++) {
        uint64_t off = (uint64_t)order[i] * PIECE;
        bool fin = order[i] == N - 1;
        int copies = rand() % 16 ? 1 : 2;
        for (int c = 0; c < copies; c++)
            assert_int_equal(push(&rob, off, PIECE, fin), 0);
        if (rand() % 3 == 0)
            read += drain(&rob);
        if (read + 32 * 1024 < rob.max_received)
            read += drain(&rob); /* keep within the window */
    }
    read += drain(&rob);
    if (read != TOTAL)
        printf("seed %u: read %llu\n", seed, (unsigned long long)read);
    assert_int_equal(read, TOTAL);
    assert_true(quic_rob_is_finished(&rob));
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_rob_push_in_order_then_gap_then_fill),
        cmocka_unit_test(test_quic_rob_push_in_order_gap_of_one_byte),
        cmocka_unit_test(test_quic_rob_push_in_order_across_chunk_boundaries),
        cmocka_unit_test(test_quic_rob_push_reused_slots_start_with_no_bits),
        cmocka_unit_test(test_quic_rob_push_in_order_window_edge),
        cmocka_unit_test(test_quic_rob_push_in_order_final_size),
        cmocka_unit_test(test_quic_rob_push_in_order_nomem_changes_nothing),
        cmocka_unit_test(test_quic_rob_push_mostly_in_order_reassembles),
    };
    return cmocka_run_group_tests_name("core_rob_inorder", tests, NULL, NULL);
}

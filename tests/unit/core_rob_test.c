/* tests/unit/core_rob_test.c — core/rob: in-order and out-of-order pieces,
 * duplicates and overlaps, zero-copy peeks across chunk boundaries, the
 * window, RFC 9000 §4.5 final-size rules, offsets near 2^62, memory freed on
 * consume, allocation failure, and a seeded shuffle against the source. */
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

/* cmocka's checked allocator, counting live blocks and failing once
 * |fail_after| reaches 0 (negative: never). */
typedef struct counting {
    int live;
    int fail_after;
} counting;

static void *c_malloc(size_t n, void *u) {
    counting *c = u;
    if (c->fail_after == 0)
        return NULL;
    if (c->fail_after > 0)
        c->fail_after--;
    c->live++;
    return test_malloc(n);
}
static void *c_calloc(size_t n, size_t s, void *u) {
    counting *c = u;
    if (c->fail_after == 0)
        return NULL;
    if (c->fail_after > 0)
        c->fail_after--;
    c->live++;
    return test_calloc(n, s);
}
static void *c_realloc(void *p, size_t n, void *u) {
    counting *c = u;
    if (c->fail_after == 0)
        return NULL;
    if (c->fail_after > 0)
        c->fail_after--;
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
    return (uint8_t)(off * 131 + 7);
}

static void fill(uint8_t *buf, uint64_t off, size_t len) {
    for (size_t i = 0; i < len; i++)
        buf[i] = pattern(off + i);
}

/* Pushes [off, off+len) of the pattern. */
static int push(quic_rob *rob, uint64_t off, size_t len, bool fin) {
    uint8_t buf[3 * QUIC_ROB_CHUNK];
    assert_true(len <= sizeof(buf));
    fill(buf, off, len);
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
    assert_null(p);
    return total;
}

static void test_quic_rob_push_in_order_peek_points_into_buffer(void **st) {
    (void)st;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 65536);
    assert_int_equal(cnt.live, 0); /* nothing before data */
    const uint8_t *p, *p2;
    assert_int_equal(quic_rob_peek(&rob, &p), 0);
    assert_null(p);
    assert_int_equal(push(&rob, 0, 5, false), 0);
    assert_int_equal(quic_rob_peek(&rob, &p), 5);
    assert_memory_equal(p, "\x07\x8a\x0d\x90\x13", 5);
    assert_int_equal(push(&rob, 5, 5, false), 0);
    assert_int_equal(quic_rob_peek(&rob, &p2), 10);
    assert_ptr_equal(p, p2); /* the same storage, no copy */
    assert_int_equal(quic_rob_consume(&rob, 3), 0);
    assert_int_equal(quic_rob_peek(&rob, &p2), 7);
    assert_ptr_equal(p2, p + 3);
    assert_int_equal(quic_rob_consume(&rob, 8), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(drain(&rob), 7);
    assert_int_equal(rob.read_offset, 10);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

static void test_quic_rob_push_out_of_order_and_overlaps(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 20, 10, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 0);
    assert_int_equal(push(&rob, 5, 10, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 0);
    assert_int_equal(push(&rob, 0, 8, false), 0); /* overlaps [5,8) */
    assert_int_equal(quic_rob_readable(&rob), 15);
    assert_int_equal(push(&rob, 3, 25, false), 0); /* bridges and overlaps */
    assert_int_equal(quic_rob_readable(&rob), 30);
    assert_int_equal(push(&rob, 0, 30, false), 0); /* whole duplicate */
    assert_int_equal(rob.max_received, 30);
    assert_int_equal(drain(&rob), 30);
    assert_int_equal(push(&rob, 10, 10, false), 0); /* consumed already */
    assert_int_equal(quic_rob_readable(&rob), 0);
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_peek_stops_at_chunk_boundary(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 100, 2 * QUIC_ROB_CHUNK, false), 0);
    assert_int_equal(push(&rob, 0, 100, false), 0);
    assert_int_equal(quic_rob_readable(&rob), 2 * QUIC_ROB_CHUNK + 100);
    const uint8_t *p;
    assert_int_equal(quic_rob_peek(&rob, &p), QUIC_ROB_CHUNK);
    assert_int_equal(quic_rob_consume(&rob, QUIC_ROB_CHUNK - 1), 0);
    assert_int_equal(quic_rob_peek(&rob, &p), 1);
    assert_int_equal(drain(&rob),
                     2 * QUIC_ROB_CHUNK + 100 - QUIC_ROB_CHUNK + 1);
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_push_beyond_window_is_flow_control(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 1000);
    assert_int_equal(push(&rob, 990, 11, false), QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(rob.max_received, 0);          /* nothing changed */
    assert_int_equal(push(&rob, 1000, 0, true), 0); /* up to the limit */
    assert_int_equal(push(&rob, 0, 1000, false), 0);
    quic_rob_cleanup(&rob);
    /* Consuming slides the window; set_window widens it. */
    quic_rob_init(&rob, NULL, 1000);
    assert_int_equal(push(&rob, 0, 1000, false), 0);
    assert_int_equal(push(&rob, 1000, 1, false), QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_rob_consume(&rob, 500), 0);
    assert_int_equal(push(&rob, 1000, 500, false), 0);
    assert_int_equal(push(&rob, 1500, 1, false), QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_rob_set_window(&rob, 999), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_rob_set_window(&rob, 20000), 0);
    assert_int_equal(push(&rob, 1500, 2 * QUIC_ROB_CHUNK, false), 0);
    assert_int_equal(drain(&rob), 1000 + 2 * QUIC_ROB_CHUNK);
    quic_rob_cleanup(&rob);
}

/* Widening the ring keeps buffered out-of-order chunks at their offsets. */
static void test_quic_rob_set_window_keeps_buffered_chunks(void **st) {
    (void)st;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 3 * QUIC_ROB_CHUNK);
    assert_int_equal(push(&rob, 0, 10, false), 0);
    assert_int_equal(quic_rob_consume(&rob, 10), 0);
    assert_int_equal(push(&rob, 2 * QUIC_ROB_CHUNK, 100, false), 0);
    assert_int_equal(push(&rob, QUIC_ROB_CHUNK + 7, 50, false), 0);
    assert_int_equal(quic_rob_set_window(&rob, 40 * QUIC_ROB_CHUNK), 0);
    assert_int_equal(push(&rob, 10, 2 * QUIC_ROB_CHUNK + 90, false), 0);
    assert_int_equal(drain(&rob), 2 * QUIC_ROB_CHUNK + 90);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

static void test_quic_rob_push_final_size_rules(void **st) {
    (void)st;
    quic_rob rob;
    quic_rob_init(&rob, NULL, 65536);
    assert_int_equal(push(&rob, 50, 10, false), 0);
    /* A final size below data already received. */
    assert_int_equal(push(&rob, 0, 10, true), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(quic_rob_set_final_size(&rob, 59), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(rob.final_size, QUIC_ROB_NO_FINAL_SIZE);
    assert_int_equal(push(&rob, 60, 40, true), 0);
    assert_int_equal(rob.final_size, 100);
    /* Data beyond it, a different final size, even an empty one. */
    assert_int_equal(push(&rob, 95, 10, false), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(push(&rob, 100, 1, false), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(push(&rob, 101, 0, false), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(push(&rob, 0, 10, true), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(quic_rob_set_final_size(&rob, 101), QUIC_ERR_FINAL_SIZE);
    /* The same final size again, and data below it, are fine. */
    assert_int_equal(push(&rob, 90, 10, true), 0);
    assert_int_equal(quic_rob_set_final_size(&rob, 100), 0);
    assert_int_equal(push(&rob, 0, 50, false), 0);
    assert_true(quic_rob_all_received(&rob));
    assert_false(quic_rob_is_finished(&rob));
    assert_int_equal(drain(&rob), 100);
    assert_true(quic_rob_is_finished(&rob));
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_push_empty_fin_only(void **st) {
    (void)st;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 100);
    assert_int_equal(quic_rob_push(&rob, 0, NULL, 0, true), 0);
    assert_true(quic_rob_all_received(&rob));
    assert_true(quic_rob_is_finished(&rob));
    assert_int_equal(cnt.live, 0); /* no storage for no data */
    quic_rob_cleanup(&rob);
    /* A reset's final size ahead of the data: gaps stay unreadable. */
    quic_rob_init(&rob, &a, 100);
    assert_int_equal(quic_rob_set_final_size(&rob, 40), 0);
    assert_false(quic_rob_all_received(&rob));
    assert_int_equal(quic_rob_set_final_size(&rob, 101), QUIC_ERR_FINAL_SIZE);
    assert_int_equal(quic_rob_push(&rob, 0, NULL, 1, false),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_push_near_2_62_is_flow_control(void **st) {
    (void)st;
    const uint64_t max = (UINT64_C(1) << 62) - 1;
    quic_rob rob;
    quic_rob_init(&rob, NULL, UINT64_MAX); /* clamped to 2^62-1 */
    assert_int_equal(rob.window, max);
    uint8_t b[16] = {0};
    assert_int_equal(quic_rob_push(&rob, max - 5, b, 10, false),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_rob_push(&rob, UINT64_MAX - 2, b, 10, false),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_rob_push(&rob, max + 1, NULL, 0, true),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_rob_set_window(&rob, max + 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* An empty FIN exactly at 2^62-1 is a legal final size. */
    assert_int_equal(quic_rob_push(&rob, max, NULL, 0, true), 0);
    assert_int_equal(rob.final_size, max);
    quic_rob_cleanup(&rob);
}

static void test_quic_rob_consume_frees_passed_chunks(void **st) {
    (void)st;
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    enum { HELD = QUIC_ROB_SPARES + 2 }; /* more than the spares */
    quic_rob_init(&rob, &a, (HELD + 4) * QUIC_ROB_CHUNK);
    for (uint64_t k = 0; k < HELD; k++)
        assert_int_equal(push(&rob, k * QUIC_ROB_CHUNK, QUIC_ROB_CHUNK, false),
                         0);
    assert_int_equal(cnt.live, 1 + HELD); /* ring + the chunks */
    assert_int_equal(quic_rob_consume(&rob, 2 * QUIC_ROB_CHUNK - 1), 0);
    assert_int_equal(cnt.live, 1 + HELD); /* chunk 0 kept as a spare */
    assert_int_equal(quic_rob_consume(&rob, (HELD - 2) * QUIC_ROB_CHUNK + 1),
                     0);
    /* All consumed: QUIC_ROB_SPARES of them kept, the others freed. */
    assert_int_equal(cnt.live, 1 + QUIC_ROB_SPARES);
    /* Far out-of-order data within the window holds only its chunk, which
     * a spare provides. */
    assert_int_equal(push(&rob, (HELD + 3) * QUIC_ROB_CHUNK, 10, false), 0);
    assert_int_equal(cnt.live, 1 + QUIC_ROB_SPARES);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

static void test_quic_rob_push_nomem_changes_nothing(void **st) {
    (void)st;
    counting cnt = {0, 0};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, 65536);
    assert_int_equal(push(&rob, 0, 10, true), QUIC_ERR_NOMEM);
    assert_int_equal(rob.final_size, QUIC_ROB_NO_FINAL_SIZE);
    assert_int_equal(rob.max_received, 0);
    cnt.fail_after = 2; /* the ring and one chunk, not the second */
    assert_int_equal(push(&rob, QUIC_ROB_CHUNK - 5, 10, false), QUIC_ERR_NOMEM);
    assert_int_equal(rob.max_received, 0);
    cnt.fail_after = -1;
    assert_int_equal(push(&rob, 0, QUIC_ROB_CHUNK + 5, true), 0);
    assert_int_equal(drain(&rob), QUIC_ROB_CHUNK + 5);
    quic_rob_cleanup(&rob);
    assert_int_equal(cnt.live, 0);
}

/* A stream cut into pieces, each sent 1-3 times, all shuffled, with reads
 * interleaved: the reader sees exactly the source. */
static void test_quic_rob_random_shuffle_reassembles(void **st) {
    (void)st;
    const char *env = getenv("SEED");
    unsigned seed =
        env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    printf("core_rob random seed %u\n", seed);
    srand(seed);
    enum { TOTAL = 40000 };
    struct piece {
        uint64_t off;
        size_t len;
    } pieces[2000]; /* ~160 used: pieces average 750 bytes */
    size_t np = 0;
    for (uint64_t off = 0; off < TOTAL;) {
        size_t len = 1 + (size_t)(rand() % 1500);
        if (off + len > TOTAL)
            len = TOTAL - off;
        int copies = 1 + rand() % 3;
        for (int c = 0; c < copies; c++) {
            assert_true(np < sizeof(pieces) / sizeof(pieces[0]));
            /* Copies overlap their neighbours by a few bytes. */
            uint64_t o = off >= 7 && c ? off - 7 : off;
            pieces[np].off = o;
            pieces[np++].len = len + (size_t)(off - o);
        }
        off += len;
    }
    for (size_t i = np; i > 1; i--) {
        size_t j = (size_t)rand() % i;
        struct piece t = pieces[i - 1];
        pieces[i - 1] = pieces[j];
        pieces[j] = t;
    }
    counting cnt = {0, -1};
    quic_allocator a = COUNTING_ALLOC(cnt);
    quic_rob rob;
    quic_rob_init(&rob, &a, TOTAL);
    uint64_t read = 0;
    for (size_t i = 0; i < np; i++) {
        bool fin = pieces[i].off + pieces[i].len == TOTAL;
        assert_int_equal(push(&rob, pieces[i].off, pieces[i].len, fin), 0);
        if (rand() % 4 == 0)
            read += drain(&rob);
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
        cmocka_unit_test(test_quic_rob_push_in_order_peek_points_into_buffer),
        cmocka_unit_test(test_quic_rob_push_out_of_order_and_overlaps),
        cmocka_unit_test(test_quic_rob_peek_stops_at_chunk_boundary),
        cmocka_unit_test(test_quic_rob_push_beyond_window_is_flow_control),
        cmocka_unit_test(test_quic_rob_set_window_keeps_buffered_chunks),
        cmocka_unit_test(test_quic_rob_push_final_size_rules),
        cmocka_unit_test(test_quic_rob_push_empty_fin_only),
        cmocka_unit_test(test_quic_rob_push_near_2_62_is_flow_control),
        cmocka_unit_test(test_quic_rob_consume_frees_passed_chunks),
        cmocka_unit_test(test_quic_rob_push_nomem_changes_nothing),
        cmocka_unit_test(test_quic_rob_random_shuffle_reassembles),
    };
    return cmocka_run_group_tests_name("core_rob", tests, NULL, NULL);
}

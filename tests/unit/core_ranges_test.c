/* tests/unit/core_ranges_test.c — core/ranges: merging adds, splitting
 * removes, the cap dropping the lowest range, growth and failure through the
 * allocator, values near 2^62, and a seeded comparison with a bitmap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "core/ranges.h"

static void *t_malloc(size_t n, void *u) {
    (void)u;
    return test_malloc(n);
}
static void *t_calloc(size_t n, size_t s, void *u) {
    (void)u;
    return test_calloc(n, s);
}
static void *t_realloc(void *p, size_t n, void *u) {
    (void)u;
    return test_realloc(p, n);
}
static void t_free(void *p, void *u) {
    (void)u;
    test_free(p);
}
static const quic_allocator test_alloc = {NULL, t_malloc, t_calloc, t_realloc,
                                          t_free};

/* Fails every allocation once |*user| reaches 0. */
static void *fail_realloc(void *p, size_t n, void *u) {
    int *left = u;
    if (*left <= 0)
        return NULL;
    (*left)--;
    return test_realloc(p, n);
}

/* Asserts the set holds exactly |want| (pairs start, end), ascending. */
static void expect_ranges(const quic_ranges *rs, const uint64_t *want,
                          size_t n) {
    assert_int_equal(quic_ranges_count(rs), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(quic_ranges_at(rs, i)->start, want[2 * i]);
        assert_int_equal(quic_ranges_at(rs, i)->end, want[2 * i + 1]);
    }
}

static void test_quic_ranges_add_appends_and_merges_at_top(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 0);
    assert_null(quic_ranges_first(&rs));
    assert_null(quic_ranges_last(&rs));
    assert_int_equal(quic_ranges_add(&rs, 0, 1), 0);
    assert_int_equal(quic_ranges_add(&rs, 1, 2), 0); /* adjacent: merged */
    assert_int_equal(quic_ranges_add(&rs, 4, 5), 0);
    assert_int_equal(quic_ranges_add(&rs, 4, 7), 0); /* extends the top */
    assert_int_equal(quic_ranges_add(&rs, 5, 6), 0); /* duplicate */
    const uint64_t want[] = {0, 2, 4, 7};
    expect_ranges(&rs, want, 2);
    assert_int_equal(quic_ranges_first(&rs)->start, 0);
    assert_int_equal(quic_ranges_last(&rs)->end, 7);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_add_fills_gaps_and_bridges(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 0);
    for (uint64_t v = 10; v < 20; v += 2)
        assert_int_equal(quic_ranges_add(&rs, v, v + 1), 0);
    assert_int_equal(quic_ranges_count(&rs), 5);
    assert_int_equal(quic_ranges_add(&rs, 0, 3), 0); /* below everything */
    assert_int_equal(quic_ranges_add(&rs, 5, 6), 0); /* in a gap */
    /* Touching 12 and 14 at both sides bridges three ranges into one. */
    assert_int_equal(quic_ranges_add(&rs, 13, 14), 0);
    assert_int_equal(quic_ranges_add(&rs, 11, 12), 0);
    const uint64_t want[] = {0, 3, 5, 6, 10, 15, 16, 17, 18, 19};
    expect_ranges(&rs, want, 5);
    /* One wide add swallows everything from 4 up. */
    assert_int_equal(quic_ranges_add(&rs, 4, 100), 0);
    const uint64_t want2[] = {0, 3, 4, 100};
    expect_ranges(&rs, want2, 2);
    quic_ranges_cleanup(&rs);
}

static void
test_quic_ranges_add_rejects_reversed_and_ignores_empty(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, NULL, 0);
    assert_int_equal(quic_ranges_add(&rs, 5, 4), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_ranges_remove(&rs, 5, 4), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_ranges_add(&rs, 5, 5), 0);
    assert_int_equal(quic_ranges_count(&rs), 0);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_remove_splits_trims_and_erases(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 0);
    assert_int_equal(quic_ranges_add(&rs, 0, 100), 0);
    assert_int_equal(quic_ranges_remove(&rs, 10, 20), 0); /* split */
    const uint64_t w1[] = {0, 10, 20, 100};
    expect_ranges(&rs, w1, 2);
    assert_int_equal(quic_ranges_remove(&rs, 5, 25), 0); /* trims both */
    const uint64_t w2[] = {0, 5, 25, 100};
    expect_ranges(&rs, w2, 2);
    assert_int_equal(quic_ranges_remove(&rs, 200, 300), 0); /* outside */
    expect_ranges(&rs, w2, 2);
    assert_int_equal(quic_ranges_add(&rs, 150, 160), 0);
    assert_int_equal(quic_ranges_remove(&rs, 0, 150), 0); /* erases two */
    const uint64_t w3[] = {150, 160};
    expect_ranges(&rs, w3, 1);
    assert_int_equal(quic_ranges_remove(&rs, 150, 151), 0); /* left edge */
    assert_int_equal(quic_ranges_remove(&rs, 159, 160), 0); /* right edge */
    const uint64_t w4[] = {151, 159};
    expect_ranges(&rs, w4, 1);
    assert_int_equal(quic_ranges_remove(&rs, 0, UINT64_MAX), 0);
    assert_int_equal(quic_ranges_count(&rs), 0);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_contains_edges(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, NULL, 0);
    assert_false(quic_ranges_contains(&rs, 0));
    assert_int_equal(quic_ranges_add(&rs, 10, 20), 0);
    assert_int_equal(quic_ranges_add(&rs, 30, 40), 0);
    assert_false(quic_ranges_contains(&rs, 9));
    assert_true(quic_ranges_contains(&rs, 10));
    assert_true(quic_ranges_contains(&rs, 19));
    assert_false(quic_ranges_contains(&rs, 20));
    assert_false(quic_ranges_contains(&rs, 29));
    assert_true(quic_ranges_contains(&rs, 39));
    assert_false(quic_ranges_contains(&rs, 40));
    assert_true(quic_ranges_contains_range(&rs, 10, 20));
    assert_true(quic_ranges_contains_range(&rs, 12, 15));
    assert_false(quic_ranges_contains_range(&rs, 15, 31));
    assert_false(quic_ranges_contains_range(&rs, 5, 12));
    assert_false(quic_ranges_contains_range(&rs, 35, 41));
    assert_true(quic_ranges_contains_range(&rs, 50, 50)); /* empty */
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_desc_iterates_highest_first(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, NULL, 0);
    for (uint64_t v = 0; v < 5; v++)
        assert_int_equal(quic_ranges_add(&rs, v * 10, v * 10 + 3), 0);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(quic_ranges_desc(&rs, i)->start, (4 - i) * 10);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_add_cap_drops_lowest(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 3);
    for (uint64_t v = 0; v < 5; v++)
        assert_int_equal(quic_ranges_add(&rs, v * 10, v * 10 + 1), 0);
    const uint64_t w1[] = {20, 21, 30, 31, 40, 41};
    expect_ranges(&rs, w1, 3);
    assert_int_equal(rs.floor, 11);
    /* A new lowest range at the cap is the one dropped. */
    assert_int_equal(quic_ranges_add(&rs, 15, 16), 0);
    expect_ranges(&rs, w1, 3);
    assert_int_equal(rs.floor, 16);
    /* Below the floor nothing is learnt again; across it, only the part
     * above. */
    assert_int_equal(quic_ranges_add(&rs, 0, 5), 0);
    expect_ranges(&rs, w1, 3);
    assert_int_equal(quic_ranges_add(&rs, 12, 20), 0);
    const uint64_t w2[] = {16, 21, 30, 31, 40, 41};
    expect_ranges(&rs, w2, 3);
    /* A middle insert at the cap drops the lowest. */
    assert_int_equal(quic_ranges_add(&rs, 35, 36), 0);
    const uint64_t w3[] = {30, 31, 35, 36, 40, 41};
    expect_ranges(&rs, w3, 3);
    /* A split at the cap drops the lowest too. */
    assert_int_equal(quic_ranges_add(&rs, 36, 40), 0); /* merges: 2 left */
    assert_int_equal(quic_ranges_add(&rs, 50, 60), 0);
    assert_int_equal(quic_ranges_remove(&rs, 52, 55), 0);
    const uint64_t w4[] = {35, 41, 50, 52, 55, 60};
    expect_ranges(&rs, w4, 3);
    assert_int_equal(rs.floor, 31);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_add_grows_through_allocator(void **state) {
    (void)state;
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 1000);
    for (uint64_t v = 0; v < 100; v++)
        assert_int_equal(quic_ranges_add(&rs, v * 2, v * 2 + 1), 0);
    assert_int_equal(quic_ranges_count(&rs), 100);
    assert_non_null(rs.heap);
    for (uint64_t v = 0; v < 100; v++) {
        assert_true(quic_ranges_contains(&rs, v * 2));
        assert_false(quic_ranges_contains(&rs, v * 2 + 1));
    }
    /* Filling every gap collapses it to one range. */
    for (uint64_t v = 0; v < 100; v++)
        assert_int_equal(quic_ranges_add(&rs, v * 2 + 1, v * 2 + 2), 0);
    const uint64_t w[] = {0, 200};
    expect_ranges(&rs, w, 1);
    quic_ranges_cleanup(&rs); /* cmocka reports a leak otherwise */
    assert_null(rs.heap);
}

static void test_quic_ranges_add_nomem_leaves_set_unchanged(void **state) {
    (void)state;
    int left = 0;
    quic_allocator a = {&left, NULL, NULL, fail_realloc, t_free};
    quic_ranges rs;
    quic_ranges_init(&rs, &a, 0);
    for (uint64_t v = 0; v < QUIC_RANGES_INLINE; v++)
        assert_int_equal(quic_ranges_add(&rs, v * 2, v * 2 + 1), 0);
    assert_int_equal(quic_ranges_add(&rs, 100, 101), QUIC_ERR_NOMEM);
    assert_int_equal(quic_ranges_count(&rs), QUIC_RANGES_INLINE);
    assert_false(quic_ranges_contains(&rs, 100));
    /* A split that needs room fails whole. */
    assert_int_equal(quic_ranges_add(&rs, 14, 20), 0); /* merges with 14 */
    assert_int_equal(quic_ranges_remove(&rs, 16, 17), QUIC_ERR_NOMEM);
    assert_true(quic_ranges_contains(&rs, 16));
    assert_int_equal(quic_ranges_last(&rs)->end, 20);
    left = 1;
    assert_int_equal(quic_ranges_remove(&rs, 16, 17), 0);
    assert_false(quic_ranges_contains(&rs, 16));
    assert_int_equal(quic_ranges_count(&rs), QUIC_RANGES_INLINE + 1);
    quic_ranges_cleanup(&rs);
}

static void test_quic_ranges_add_near_varint_limit(void **state) {
    (void)state;
    const uint64_t top = (UINT64_C(1) << 62) - 1;
    quic_ranges rs;
    quic_ranges_init(&rs, NULL, 0);
    assert_int_equal(quic_ranges_add(&rs, top - 10, top + 1), 0);
    assert_int_equal(quic_ranges_add(&rs, 0, 1), 0);
    assert_int_equal(quic_ranges_add(&rs, UINT64_MAX - 1, UINT64_MAX), 0);
    assert_true(quic_ranges_contains(&rs, top));
    assert_false(quic_ranges_contains(&rs, top + 1));
    assert_true(quic_ranges_contains(&rs, UINT64_MAX - 1));
    assert_int_equal(quic_ranges_remove(&rs, top - 5, UINT64_MAX), 0);
    assert_int_equal(quic_ranges_last(&rs)->end, top - 5);
    quic_ranges_cleanup(&rs);
}

/* Random adds and removes in [0, 256) against a bitmap, checking the
 * invariants (ascending, disjoint, not touching) after every step. */
static void test_quic_ranges_random_matches_bitmap(void **state) {
    (void)state;
    const char *env = getenv("SEED"); /* SEED=n reruns a failure */
    unsigned seed =
        env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    printf("core_ranges random seed %u\n", seed);
    srand(seed);
    quic_ranges rs;
    quic_ranges_init(&rs, &test_alloc, 0);
    bool model[256] = {0};
    for (int step = 0; step < 4000; step++) {
        uint64_t a = (uint64_t)(rand() % 256), b = (uint64_t)(rand() % 256);
        uint64_t s = a < b ? a : b, e = (a < b ? b : a) + (rand() % 3 == 0);
        if (e > 256)
            e = 256;
        bool add = rand() % 3 != 0;
        int err =
            add ? quic_ranges_add(&rs, s, e) : quic_ranges_remove(&rs, s, e);
        assert_int_equal(err, 0);
        for (uint64_t v = s; v < e; v++)
            model[v] = add;
        for (size_t i = 0; i < quic_ranges_count(&rs); i++) {
            const quic_range *r = quic_ranges_at(&rs, i);
            assert_true(r->start < r->end);
            if (i > 0)
                assert_true(quic_ranges_at(&rs, i - 1)->end < r->start);
        }
        for (uint64_t v = 0; v < 256; v++)
            if (quic_ranges_contains(&rs, v) != model[v]) {
                printf("seed %u step %d value %llu\n", seed, step,
                       (unsigned long long)v);
                fail();
            }
    }
    quic_ranges_cleanup(&rs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_ranges_add_appends_and_merges_at_top),
        cmocka_unit_test(test_quic_ranges_add_fills_gaps_and_bridges),
        cmocka_unit_test(
            test_quic_ranges_add_rejects_reversed_and_ignores_empty),
        cmocka_unit_test(test_quic_ranges_remove_splits_trims_and_erases),
        cmocka_unit_test(test_quic_ranges_contains_edges),
        cmocka_unit_test(test_quic_ranges_desc_iterates_highest_first),
        cmocka_unit_test(test_quic_ranges_add_cap_drops_lowest),
        cmocka_unit_test(test_quic_ranges_add_grows_through_allocator),
        cmocka_unit_test(test_quic_ranges_add_nomem_leaves_set_unchanged),
        cmocka_unit_test(test_quic_ranges_add_near_varint_limit),
        cmocka_unit_test(test_quic_ranges_random_matches_bitmap),
    };
    return cmocka_run_group_tests_name("core_ranges", tests, NULL, NULL);
}

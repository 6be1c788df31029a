/* tests/unit/test_netsim_test.c — the simulated wire of the pair tests does
 * what the pair tests rely on: delay, rate, loss, reordering, duplication,
 * corruption, determinism per seed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/netsim.h"

static void test_netsim_delay_and_order(void **state) {
    (void)state;
    test_rng rng;
    test_rng_seed(&rng, 1);
    netsim_config cfg = {.delay = 10 * QUIC_MS};
    netsim_link l;
    netsim_init(&l, &cfg, &rng);
    uint8_t a[3] = {1, 2, 3}, b[1] = {9}, buf[16];
    netsim_send(&l, 0, a, sizeof(a));
    netsim_send(&l, QUIC_MS, b, sizeof(b));
    assert_int_equal(netsim_next_arrival(&l), 10 * QUIC_MS);
    assert_int_equal(netsim_receive(&l, 10 * QUIC_MS - 1, buf, sizeof(buf)), 0);
    assert_int_equal(netsim_receive(&l, 10 * QUIC_MS, buf, sizeof(buf)), 3);
    assert_memory_equal(buf, a, 3);
    assert_int_equal(netsim_next_arrival(&l), 11 * QUIC_MS);
    assert_int_equal(netsim_receive(&l, 20 * QUIC_MS, buf, sizeof(buf)), 1);
    assert_int_equal(buf[0], 9);
    assert_int_equal(netsim_next_arrival(&l), QUIC_TIME_NONE);
    netsim_cleanup(&l);
}

static void test_netsim_rate_serialises(void **state) {
    (void)state;
    test_rng rng;
    test_rng_seed(&rng, 1);
    /* 8 Mbit/s: a 1000-byte datagram takes exactly 1 ms on the wire. */
    netsim_config cfg = {.rate_bps = 8000000, .queue_bytes = 3000};
    netsim_link l;
    netsim_init(&l, &cfg, &rng);
    uint8_t d[1000] = {0}, buf[1500];
    for (int i = 0; i < 4; i++)
        netsim_send(&l, 0, d, sizeof(d));
    /* The queue holds 3000 bytes: the 4th datagram is dropped at the tail. */
    assert_int_equal(l.stats.queue_dropped, 1);
    quic_time expect[] = {QUIC_MS, 2 * QUIC_MS, 3 * QUIC_MS};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(netsim_next_arrival(&l), expect[i]);
        assert_int_equal(netsim_receive(&l, expect[i], buf, sizeof(buf)), 1000);
    }
    netsim_cleanup(&l);
}

static void run_lossy(uint64_t seed, netsim_stats *out, uint8_t *first) {
    test_rng rng;
    test_rng_seed(&rng, seed);
    netsim_config cfg = {.delay = QUIC_MS,
                         .loss = 0.2,
                         .reorder = 0.1,
                         .reorder_delay = 5 * QUIC_MS,
                         .duplicate = 0.05,
                         .corrupt = 0.05};
    netsim_link l;
    netsim_init(&l, &cfg, &rng);
    uint8_t d[100], buf[200];
    for (int i = 0; i < 10000; i++) {
        memset(d, i & 0xff, sizeof(d));
        netsim_send(&l, (quic_time)i * QUIC_US, d, sizeof(d));
    }
    *first = 0;
    size_t n = netsim_receive(&l, QUIC_S, buf, sizeof(buf));
    if (n)
        *first = buf[0];
    while (netsim_receive(&l, QUIC_S, buf, sizeof(buf)))
        ;
    *out = l.stats;
    netsim_cleanup(&l);
}

static void test_netsim_impairments_match_probabilities(void **state) {
    (void)state;
    netsim_stats s;
    uint8_t first;
    run_lossy(42, &s, &first);
    assert_int_equal(s.sent, 10000);
    assert_in_range(s.lost, 1800, 2200);
    assert_in_range(s.reordered, 650, 950);
    assert_in_range(s.duplicated, 300, 500);
    assert_in_range(s.corrupted, 350, 600);
    assert_int_equal(s.delivered, s.sent - s.lost + s.duplicated);
}

static void test_netsim_same_seed_same_run(void **state) {
    (void)state;
    netsim_stats a, b, c;
    uint8_t fa, fb, fc;
    run_lossy(7, &a, &fa);
    run_lossy(7, &b, &fb);
    run_lossy(8, &c, &fc);
    assert_memory_equal(&a, &b, sizeof(a));
    assert_int_equal(fa, fb);
    assert_true(memcmp(&a, &c, sizeof(a)) != 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netsim_delay_and_order),
        cmocka_unit_test(test_netsim_rate_serialises),
        cmocka_unit_test(test_netsim_impairments_match_probabilities),
        cmocka_unit_test(test_netsim_same_seed_same_run),
    };
    return cmocka_run_group_tests_name("test_netsim", tests, NULL, NULL);
}

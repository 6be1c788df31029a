/* tests/unit/core_pacer_test.c — core/pacer: the initial burst, the
 * 1.25 × cwnd / srtt interval to the nanosecond, refill capped at the burst,
 * rate changes keeping earned credit, the burst growing to a millisecond of
 * sending at high rates, and the unpaced cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/pacer.h"

#define MS QUIC_MS

static void test_quic_pacer_burst_then_interval(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1200, 0);
    quic_time t0 = 5 * QUIC_S;
    /* 1.25 × 12000 B / 100 ms = 150000 B/s: one 1200-byte packet / 8 ms. */
    quic_pacer_update(&p, 12000, 100 * MS, t0);
    assert_int_equal(p.rate, 150000);
    for (int i = 0; i < QUIC_PACER_BURST_PACKETS; i++) {
        assert_int_equal(quic_pacer_next_send_time(&p, t0), t0);
        quic_pacer_on_sent(&p, 1200, t0);
    }
    assert_int_equal(quic_pacer_next_send_time(&p, t0), t0 + 8 * MS);
    assert_int_equal(quic_pacer_next_send_time(&p, t0 + 3 * MS), t0 + 8 * MS);
    quic_pacer_on_sent(&p, 1200, t0 + 8 * MS);
    assert_int_equal(quic_pacer_next_send_time(&p, t0 + 8 * MS), t0 + 16 * MS);
    /* Halfway through the interval the full packet is still 4 ms away. */
    assert_int_equal(quic_pacer_next_send_time(&p, t0 + 12 * MS), t0 + 16 * MS);
}

static void test_quic_pacer_refill_capped_at_burst(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1200, 4);
    quic_pacer_update(&p, 12000, 100 * MS, 0);
    for (int i = 0; i < 4; i++)
        quic_pacer_on_sent(&p, 1200, 0);
    /* An hour idle earns no more than the 4-packet burst. */
    quic_time later = 3600 * QUIC_S;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(quic_pacer_next_send_time(&p, later), later);
        quic_pacer_on_sent(&p, 1200, later);
    }
    assert_int_equal(quic_pacer_next_send_time(&p, later), later + 8 * MS);
}

static void test_quic_pacer_nanosecond_resolution(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1200, 1);
    /* 1.25 × 1 MB / 1 ms = 1.25 GB/s: 1200 bytes every 960 ns. */
    quic_pacer_update(&p, 1000000, MS, 0);
    assert_int_equal(p.rate, 1250000000);
    quic_pacer_on_sent(&p, 1200, 0);
    assert_int_equal(quic_pacer_next_send_time(&p, 0), 960);
    assert_int_equal(quic_pacer_next_send_time(&p, 959), 960);
    assert_int_equal(quic_pacer_next_send_time(&p, 960), 960);
    /* A rate that does not divide evenly rounds the wait up. */
    quic_pacer_set_rate(&p, 7, 960);
    quic_pacer_on_sent(&p, 1200, 960);
    quic_time next = quic_pacer_next_send_time(&p, 960);
    assert_int_equal(next, 960 + (1200 * QUIC_S + 6) / 7);
}

static void test_quic_pacer_rate_change_keeps_credit(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1000, 2);
    quic_pacer_set_rate(&p, 1000000, 0); /* 1 byte per µs */
    quic_pacer_on_sent(&p, 1000, 0);
    quic_pacer_on_sent(&p, 1000, 0);
    /* 500 µs at the old rate earn 500 bytes; then 10× faster. */
    quic_pacer_set_rate(&p, 10000000, 500 * QUIC_US);
    assert_int_equal(quic_pacer_next_send_time(&p, 500 * QUIC_US),
                     550 * QUIC_US);
}

/* At high rates the bucket grows to a millisecond of sending, up to 64 KB;
 * at low rates it stays at the initial burst. */
static void test_quic_pacer_burst_grows_with_rate(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1452, 0);
    /* 1.25 × 100 MB / 10 ms = 12.5 GB/s: 1 ms is 12.5 MB, capped. */
    quic_pacer_update(&p, 100000000, 10 * MS, 0);
    assert_int_equal(p.capacity, (uint64_t)QUIC_PACER_MAX_BURST_BYTES * QUIC_S);
    /* An idle second fills it: 45 full packets leave at once, not 46. */
    quic_time t = QUIC_S;
    int sent = 0;
    while (quic_pacer_next_send_time(&p, t) == t && sent < 100) {
        quic_pacer_on_sent(&p, 1452, t);
        sent++;
    }
    assert_int_equal(sent, QUIC_PACER_MAX_BURST_BYTES / 1452);
    /* 1.25 × 80 KB / 10 ms = 10 MB/s: 1 ms is 10 KB, under the initial
     * 10 packets, which stay the bucket; the surplus credit is dropped. */
    quic_pacer_update(&p, 80000, 10 * MS, 2 * QUIC_S);
    assert_int_equal(p.capacity,
                     (uint64_t)QUIC_PACER_BURST_PACKETS * 1452 * QUIC_S);
    assert_true(p.credit <= p.capacity);
}

static void test_quic_pacer_unpaced_cases(void **state) {
    (void)state;
    quic_pacer p;
    quic_pacer_init(&p, 1200, 0);
    for (int i = 0; i < 100; i++)
        quic_pacer_on_sent(&p, 1200, 0); /* no rate yet */
    assert_int_equal(quic_pacer_next_send_time(&p, 7), 7);
    quic_pacer_update(&p, 12000, 0, 10); /* no RTT: unpaced */
    assert_int_equal(quic_pacer_next_send_time(&p, 10), 10);
    /* Huge windows do not overflow the rate. */
    quic_pacer_update(&p, UINT64_MAX / 2, 1, 20);
    assert_true(p.rate > 0);
    assert_int_equal(quic_pacer_next_send_time(&p, 20), 20);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_pacer_burst_then_interval),
        cmocka_unit_test(test_quic_pacer_refill_capped_at_burst),
        cmocka_unit_test(test_quic_pacer_nanosecond_resolution),
        cmocka_unit_test(test_quic_pacer_rate_change_keeps_credit),
        cmocka_unit_test(test_quic_pacer_burst_grows_with_rate),
        cmocka_unit_test(test_quic_pacer_unpaced_cases),
    };
    return cmocka_run_group_tests_name("core_pacer", tests, NULL, NULL);
}

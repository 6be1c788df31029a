/* tests/unit/core_cc_test.c — NewReno (RFC 9002 §7, Appendix B): initial and
 * minimum windows, slow start, halving on loss, one reduction per recovery
 * period keyed on send time, congestion avoidance, persistent congestion,
 * ECN-CE, application-limited acks and the pacing rate hint. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/cc.h"

static const struct window_case {
    int line;
    size_t mds;
    uint64_t initial, minimum;
} window_cases[] = {
    /* RFC 9002 §7.2: min(10 × mds, max(14720, 2 × mds)); 2 × mds. */
    {__LINE__, 1200, 12000, 2400},
    {__LINE__, 1472, 14720, 2944},
    {__LINE__, 1500, 14720, 3000},
    {__LINE__, 9000, 18000, 18000},
};

static void test_quic_cc_initial_window_rfc_values(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(window_cases) / sizeof(window_cases[0]);
         i++) {
        const struct window_case *c = &window_cases[i];
        if (quic_cc_initial_window(c->mds) != c->initial ||
            quic_cc_minimum_window(c->mds) != c->minimum)
            fail_msg("line %d", c->line);
        quic_cc_reno r;
        quic_cc_reno_init(&r, c->mds);
        assert_int_equal(quic_cc_cwnd(&r.base), c->initial);
    }
}

static void ack(quic_cc *cc, size_t bytes, quic_time sent, quic_time now) {
    cc->ops->on_packet_acked(cc, bytes, sent, false, now);
}

static void test_quic_cc_reno_slow_start_grows_by_acked_bytes(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    assert_string_equal(cc->ops->name, "reno");
    quic_cc_on_packet_sent(cc, 1200, 0);
    ack(cc, 1200, 0, 10 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 13200);
    for (int i = 0; i < 10; i++)
        ack(cc, 1200, QUIC_MS, 20 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 25200); /* doubles per window */
    /* Application-limited acks do not grow it. */
    cc->ops->on_packet_acked(cc, 1200, QUIC_MS, true, 30 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 25200);
}

static void test_quic_cc_reno_loss_halves_once_per_period(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    for (int i = 0; i < 10; i++)
        ack(cc, 1200, 0, QUIC_MS); /* cwnd 24000 */
    cc->ops->on_packets_lost(cc, 1200, 5 * QUIC_MS, 100 * QUIC_MS);
    assert_int_equal(r.ssthresh, 12000);
    assert_int_equal(quic_cc_cwnd(cc), 12000);
    /* More losses of packets sent before the period began: no change. */
    cc->ops->on_packets_lost(cc, 2400, 99 * QUIC_MS, 110 * QUIC_MS);
    cc->ops->on_packets_lost(cc, 2400, 100 * QUIC_MS, 120 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 12000);
    /* Acks of packets sent before or at the start do not grow it. */
    ack(cc, 1200, 100 * QUIC_MS, 130 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 12000);
    /* A loss of a packet sent after it started is a new period. */
    cc->ops->on_packets_lost(cc, 1200, 101 * QUIC_MS, 140 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 6000);
    assert_int_equal(r.recovery_start, 140 * QUIC_MS);
}

static void
test_quic_cc_reno_congestion_avoidance_one_mds_per_window(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    cc->ops->on_packets_lost(cc, 1200, 0, QUIC_MS); /* cwnd = ssthresh 6000 */
    assert_int_equal(quic_cc_cwnd(cc), 6000);
    /* Packets sent after the period began end it: now +1 mds per cwnd. */
    for (int i = 0; i < 4; i++)
        ack(cc, 1200, 2 * QUIC_MS, 3 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 6000); /* 4800 < 6000 acked */
    ack(cc, 1200, 2 * QUIC_MS, 3 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 7200);
    for (int i = 0; i < 5; i++)
        ack(cc, 1200, 2 * QUIC_MS, 3 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 7200); /* 6000 of 7200 */
    ack(cc, 1200, 2 * QUIC_MS, 3 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 8400);
}

static void test_quic_cc_reno_minimum_window_floor(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    for (quic_time t = 1; t < 10; t++)
        cc->ops->on_packets_lost(cc, 1200, t * QUIC_S, t * QUIC_S + 1);
    assert_int_equal(quic_cc_cwnd(cc), 2400);
    assert_int_equal(r.ssthresh, 1200); /* half of the floor */
}

static void
test_quic_cc_reno_persistent_congestion_restarts_slow_start(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    for (int i = 0; i < 20; i++)
        ack(cc, 1200, 0, QUIC_MS);                            /* 36000 */
    cc->ops->on_packets_lost(cc, 1200, QUIC_MS, 2 * QUIC_MS); /* 18000 */
    cc->ops->on_persistent_congestion(cc, 3 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 2400);
    assert_false(r.in_recovery_epoch);
    /* Below ssthresh again: slow start, even for packets sent earlier. */
    ack(cc, 1200, QUIC_MS, 4 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 3600);
}

static void test_quic_cc_reno_ecn_ce_is_a_congestion_event(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    cc->ops->on_ecn_ce(cc, 10 * QUIC_MS, 20 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(cc), 6000);
    cc->ops->on_ecn_ce(cc, 15 * QUIC_MS, 25 * QUIC_MS); /* same period */
    assert_int_equal(quic_cc_cwnd(cc), 6000);
}

static void test_quic_cc_reno_can_send_and_pacing_rate(void **state) {
    (void)state;
    quic_cc_reno r;
    quic_cc_reno_init(&r, 1200);
    quic_cc *cc = &r.base;
    assert_true(quic_cc_can_send(cc, 0));
    assert_true(quic_cc_can_send(cc, 11999));
    assert_false(quic_cc_can_send(cc, 12000));
    /* 1.25 × 12000 B per 100 ms = 150000 B/s. */
    assert_int_equal(cc->ops->pacing_rate(cc, 100 * QUIC_MS), 150000);
    assert_int_equal(cc->ops->pacing_rate(cc, 0), 0);
    r.cwnd = UINT64_C(1) << 40; /* no overflow on huge windows */
    assert_int_equal(cc->ops->pacing_rate(cc, QUIC_S),
                     (UINT64_C(1) << 40) + (UINT64_C(1) << 38));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_cc_initial_window_rfc_values),
        cmocka_unit_test(test_quic_cc_reno_slow_start_grows_by_acked_bytes),
        cmocka_unit_test(test_quic_cc_reno_loss_halves_once_per_period),
        cmocka_unit_test(
            test_quic_cc_reno_congestion_avoidance_one_mds_per_window),
        cmocka_unit_test(test_quic_cc_reno_minimum_window_floor),
        cmocka_unit_test(
            test_quic_cc_reno_persistent_congestion_restarts_slow_start),
        cmocka_unit_test(test_quic_cc_reno_ecn_ce_is_a_congestion_event),
        cmocka_unit_test(test_quic_cc_reno_can_send_and_pacing_rate),
    };
    return cmocka_run_group_tests_name("core_cc", tests, NULL, NULL);
}

/* tests/unit/core_flowctl_test.c — core/flowctl: receive limits and their
 * errors, when MAX_DATA is due, window auto-tuning (doubling when updates
 * come faster than 2 RTTs, capped), limits near 2^62, and the send side's
 * credit and once-per-limit BLOCKED signalling. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/flowctl.h"

#define MS QUIC_MS
#define OFFSET_MAX ((UINT64_C(1) << 62) - 1)

static void test_quic_flowctl_rx_on_received_enforces_limit(void **state) {
    (void)state;
    quic_flowctl_rx rx;
    quic_flowctl_rx_init(&rx, 1000, 4000);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 600), 0);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 300), 0); /* reorder */
    assert_int_equal(rx.received, 600);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 1000), 0);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 1001),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(rx.received, 1000);
    /* Connection level: increments. */
    quic_flowctl_rx_init(&rx, 1000, 1000);
    assert_int_equal(quic_flowctl_rx_add_received(&rx, 999), 0);
    assert_int_equal(quic_flowctl_rx_add_received(&rx, 2),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_flowctl_rx_add_received(&rx, UINT64_MAX),
                     QUIC_ERR_FLOW_CONTROL);
    assert_int_equal(quic_flowctl_rx_add_received(&rx, 1), 0);
    assert_int_equal(rx.received, 1000);
}

static void test_quic_flowctl_rx_update_due_at_half_window(void **state) {
    (void)state;
    quic_flowctl_rx rx;
    quic_flowctl_rx_init(&rx, 1000, 1000);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 1000), 0);
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 499), 0);
    assert_false(quic_flowctl_rx_should_update(&rx));
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 1), 0);
    assert_true(quic_flowctl_rx_should_update(&rx));
    assert_int_equal(quic_flowctl_rx_update(&rx, 0, 100 * MS), 1500);
    assert_false(quic_flowctl_rx_should_update(&rx));
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 501),
                     QUIC_ERR_INVALID_ARGUMENT); /* only 1000 received */
    assert_int_equal(rx.consumed, 500);
}

static void test_quic_flowctl_rx_update_autotunes_window(void **state) {
    (void)state;
    quic_flowctl_rx rx;
    quic_flowctl_rx_init(&rx, 1000, 3000);
    const quic_time rtt = 50 * MS;
    /* First update: no history, no growth. */
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 1000), 0);
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 500), 0);
    assert_int_equal(quic_flowctl_rx_update(&rx, 1000 * MS, rtt), 1500);
    assert_int_equal(rx.window, 1000);
    /* The next one 60 ms later (< 2 RTT): the window doubles. */
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 1500), 0);
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 600), 0);
    assert_int_equal(quic_flowctl_rx_update(&rx, 1060 * MS, rtt), 1100 + 2000);
    assert_int_equal(rx.window, 2000);
    /* Again fast: capped at max_window. */
    assert_int_equal(quic_flowctl_rx_update(&rx, 1070 * MS, rtt), 1100 + 3000);
    assert_int_equal(rx.window, 3000);
    /* Slow consumption (>= 2 RTT between updates) keeps it. */
    assert_int_equal(quic_flowctl_rx_on_received(&rx, 2000), 0);
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, 900), 0);
    assert_int_equal(quic_flowctl_rx_update(&rx, 1170 * MS, rtt), 2000 + 3000);
    assert_int_equal(rx.window, 3000);
    /* max_window below window is raised to it. */
    quic_flowctl_rx_init(&rx, 1000, 10);
    assert_int_equal(rx.max_window, 1000);
}

static void
test_quic_flowctl_rx_update_never_lowers_or_passes_2_62(void **state) {
    (void)state;
    quic_flowctl_rx rx;
    quic_flowctl_rx_init(&rx, 1000, 1000);
    assert_int_equal(quic_flowctl_rx_update(&rx, 0, MS), 1000);
    assert_int_equal(quic_flowctl_rx_update(&rx, 10 * MS, MS), 1000);
    quic_flowctl_rx_init(&rx, UINT64_MAX, UINT64_MAX);
    assert_int_equal(rx.limit, OFFSET_MAX);
    assert_int_equal(quic_flowctl_rx_on_received(&rx, OFFSET_MAX), 0);
    assert_int_equal(quic_flowctl_rx_on_consumed(&rx, OFFSET_MAX - 5), 0);
    assert_false(quic_flowctl_rx_should_update(&rx)); /* nothing to grant */
    assert_int_equal(quic_flowctl_rx_update(&rx, 0, MS), OFFSET_MAX);
}

static void test_quic_flowctl_tx_credit_and_blocked_once(void **state) {
    (void)state;
    quic_flowctl_tx tx;
    quic_flowctl_tx_init(&tx, 100);
    assert_int_equal(quic_flowctl_tx_credit(&tx), 100);
    assert_false(quic_flowctl_tx_should_send_blocked(&tx));
    assert_int_equal(quic_flowctl_tx_on_sent(&tx, 101),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_flowctl_tx_on_sent(&tx, 100), 0);
    assert_int_equal(quic_flowctl_tx_credit(&tx), 0);
    assert_true(quic_flowctl_tx_should_send_blocked(&tx));
    quic_flowctl_tx_on_blocked_sent(&tx);
    assert_false(quic_flowctl_tx_should_send_blocked(&tx)); /* once */
    /* Lost: sent again for the same limit. */
    quic_flowctl_tx_on_blocked_lost(&tx, 100);
    assert_true(quic_flowctl_tx_should_send_blocked(&tx));
    quic_flowctl_tx_on_blocked_sent(&tx);
    /* A smaller or equal MAX_DATA is ignored. */
    assert_false(quic_flowctl_tx_raise(&tx, 50));
    assert_false(quic_flowctl_tx_raise(&tx, 100));
    assert_true(quic_flowctl_tx_raise(&tx, 250));
    assert_int_equal(quic_flowctl_tx_credit(&tx), 150);
    assert_false(quic_flowctl_tx_should_send_blocked(&tx));
    /* A late loss report for the old limit changes nothing. */
    quic_flowctl_tx_on_blocked_lost(&tx, 100);
    assert_int_equal(quic_flowctl_tx_on_sent(&tx, 150), 0);
    assert_true(quic_flowctl_tx_should_send_blocked(&tx)); /* new limit */
    quic_flowctl_tx_on_blocked_sent(&tx);
    assert_int_equal(tx.blocked_at, 250);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_flowctl_rx_on_received_enforces_limit),
        cmocka_unit_test(test_quic_flowctl_rx_update_due_at_half_window),
        cmocka_unit_test(test_quic_flowctl_rx_update_autotunes_window),
        cmocka_unit_test(
            test_quic_flowctl_rx_update_never_lowers_or_passes_2_62),
        cmocka_unit_test(test_quic_flowctl_tx_credit_and_blocked_once),
    };
    return cmocka_run_group_tests_name("core_flowctl", tests, NULL, NULL);
}

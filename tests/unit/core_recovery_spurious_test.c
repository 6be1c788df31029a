/* tests/unit/core_recovery_spurious_test.c — spurious loss (RFC 9002 §6.1):
 * a packet declared lost and acknowledged later is counted, raises the
 * packet and time reordering thresholds (which then keep later reordered
 * packets from being declared lost), and when every loss of an episode was
 * spurious the window reduction is undone, for NewReno and for CUBIC (RFC
 * 9438 §4.9, HyStart++ slow start resumed). A real loss in the episode, an
 * ECN-CE in it, or a late acknowledgement beyond the tombstones' lifetime
 * keeps the reduction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/recovery.h"

#define MS QUIC_MS
#define APP QUIC_PN_SPACE_APPLICATION

typedef struct fixture {
    quic_cc_reno reno;
    quic_cc_cubic cubic;
    quic_recovery rec;
} fixture;

static fixture *new_fixture(bool cubic) {
    fixture *f = test_malloc(sizeof(*f));
    quic_cc_reno_init(&f->reno, 1200);
    quic_cc_cubic_init(&f->cubic, 1200);
    quic_recovery_init(&f->rec, NULL, cubic ? &f->cubic.base : &f->reno.base,
                       true, 0);
    return f;
}

static void free_fixture(fixture *f) {
    quic_recovery_cleanup(&f->rec);
    test_free(f);
}

static void sent(quic_recovery *rec, uint64_t pn, quic_time t) {
    assert_int_equal(
        quic_recovery_on_packet_sent(rec, APP, pn, 1200, true, true, t), 0);
}

/* One ACK frame acknowledging [lo, hi], |ecn_ce| its CE count (UINT64_MAX:
 * a plain ACK). */
static void ack_ce(quic_recovery *rec, uint64_t lo, uint64_t hi,
                   uint64_t ecn_ce, quic_time now) {
    assert_int_equal(quic_recovery_ack_begin(rec, APP, hi, 0, now), 0);
    assert_int_equal(quic_recovery_ack_range(rec, lo, hi), 0);
    assert_int_equal(quic_recovery_ack_end(rec, ecn_ce, now), 0);
}

static void ack(quic_recovery *rec, uint64_t lo, uint64_t hi, quic_time now) {
    ack_ce(rec, lo, hi, UINT64_MAX, now);
}

static size_t n_lost(const quic_recovery *rec) {
    size_t n;
    quic_recovery_lost(rec, &n);
    return n;
}

/* pn 0..9 sent at pn ms; pn 4..9 acknowledged at 20 ms: 0..3 are lost
 * (packet threshold, and time: 9/8 of the 11 ms sample). */
static void lose_first_four(quic_recovery *rec) {
    for (uint64_t pn = 0; pn < 10; pn++)
        sent(rec, pn, pn * MS);
    ack(rec, 4, 9, 20 * MS);
    assert_int_equal(n_lost(rec), 4);
    assert_int_equal(rec->packets_spurious, 0);
}

static void test_spurious_loss_undoes_reno_reduction(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    lose_first_four(rec);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000); /* halved */
    assert_int_equal(f->reno.ssthresh, 6000);
    /* The "lost" four arrive after all: the peer's next ACK covers 0..9. */
    ack(rec, 0, 9, 25 * MS);
    assert_int_equal(rec->packets_spurious, 4);
    assert_int_equal(rec->packets_lost, 4); /* the count of declarations */
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 12000);
    assert_int_equal(f->reno.ssthresh, UINT64_MAX);
    assert_false(f->reno.in_recovery_epoch);
    free_fixture(f);
}

static void test_spurious_loss_raises_both_thresholds(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    assert_int_equal(rec->packet_threshold, 3);
    assert_int_equal(rec->time_threshold_8, 9);
    lose_first_four(rec);
    ack(rec, 0, 9, 25 * MS);
    /* pn 0 was 9 packets behind the largest acknowledged: the threshold
     * becomes 10. It took 25 ms against an RTT of 11 ms: 2.3 RTTs, capped
     * at 2. */
    assert_int_equal(rec->packet_threshold, 10);
    assert_int_equal(rec->time_threshold_8, QUIC_MAX_TIME_THRESHOLD_8);
    /* Five more, the last acknowledged first: with the initial threshold
     * of 3, pn 10 and 11 would be lost (3 or more behind 14). Now neither
     * threshold is reached: 4 packets behind, and 2 x 10.4 ms (smoothed
     * RTT) is more than the 10 ms since pn 10 was sent. */
    for (uint64_t pn = 10; pn < 15; pn++)
        sent(rec, pn, (20 + pn) * MS);
    ack(rec, 14, 14, 40 * MS);
    assert_int_equal(n_lost(rec), 0);
    assert_int_equal(rec->bytes_in_flight, 4 * 1200);
    free_fixture(f);
}

static void test_real_loss_in_episode_keeps_reduction(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    lose_first_four(rec);
    ack(rec, 1, 9, 25 * MS); /* pn 0 never arrives */
    assert_int_equal(rec->packets_spurious, 3);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000);
    assert_true(f->reno.in_recovery_epoch);
    free_fixture(f);
}

static void test_ecn_ce_in_episode_keeps_reduction(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    for (uint64_t pn = 0; pn < 10; pn++)
        sent(rec, pn, pn * MS);
    ack_ce(rec, 4, 9, 1, 20 * MS); /* losses and an ECN-CE mark */
    assert_int_equal(n_lost(rec), 4);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000);
    ack_ce(rec, 0, 9, 1, 25 * MS);
    assert_int_equal(rec->packets_spurious, 4);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000); /* CE was real */
    free_fixture(f);
}

static void
test_late_ack_after_tombstone_expired_is_not_spurious(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    lose_first_four(rec);
    /* Lost tombstones live two PTO periods (here 11 + 22 + 25 ms each)
     * after their send time; an ACK at 210 ms drops them. */
    sent(rec, 10, 200 * MS);
    ack(rec, 10, 10, 210 * MS);
    assert_int_equal(rec->spaces[APP].count, 0);
    ack(rec, 0, 3, 211 * MS);
    assert_int_equal(rec->packets_spurious, 0);
    assert_int_equal(rec->packet_threshold, 3);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000);
    free_fixture(f);
}

static void test_spurious_loss_undoes_cubic_reduction(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    const quic_cc_cubic *c = &f->cubic;
    uint64_t before = c->cwnd;
    lose_first_four(rec);
    /* β = 0.7, slow start over, congestion avoidance on a new curve. */
    assert_int_equal(c->cwnd, before / 10 * 7);
    assert_int_equal(c->phase, QUIC_CUBIC_AVOIDANCE);
    assert_false(c->hystart);
    assert_true(c->w_max > 0);
    ack(rec, 0, 9, 25 * MS);
    assert_int_equal(c->cwnd, before);
    assert_int_equal(c->ssthresh, UINT64_MAX);
    assert_int_equal(c->phase, QUIC_CUBIC_SLOW_START);
    assert_true(c->hystart);
    assert_true(c->w_max == 0);
    assert_false(c->in_recovery_epoch);
    /* A later real loss reduces again, from the restored window. */
    for (uint64_t pn = 10; pn < 30; pn++)
        sent(rec, pn, (20 + pn) * MS);
    ack(rec, 29, 29, 60 * MS);
    assert_true(n_lost(rec) > 0);
    assert_int_equal(c->cwnd, before / 10 * 7);
    free_fixture(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spurious_loss_undoes_reno_reduction),
        cmocka_unit_test(test_spurious_loss_raises_both_thresholds),
        cmocka_unit_test(test_real_loss_in_episode_keeps_reduction),
        cmocka_unit_test(test_ecn_ce_in_episode_keeps_reduction),
        cmocka_unit_test(test_late_ack_after_tombstone_expired_is_not_spurious),
        cmocka_unit_test(test_spurious_loss_undoes_cubic_reduction),
    };
    return cmocka_run_group_tests_name("core_recovery_spurious", tests, NULL,
                                       NULL);
}

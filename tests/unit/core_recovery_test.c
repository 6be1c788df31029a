/* tests/unit/core_recovery_test.c — core/recovery against RFC 9002: RTT
 * estimates computed by hand from the §5.3 / A.7 formulas, when a sample is
 * taken, packet- and time-threshold loss, PTO period, backoff and its reset,
 * per-space rules, the client's anti-deadlock probe, amplification limits,
 * discarding a space, persistent congestion on §7.6.2's example, ECN-CE,
 * frame records, and allocation failure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/pn.h"
#include "core/recovery.h"

static void *t_malloc(size_t n, void *u) {
    (void)u;
    return test_malloc(n);
}
static void *t_calloc(size_t n, size_t s, void *u) {
    (void)u;
    return test_calloc(n, s);
}
static void *t_realloc(void *p, size_t n, void *u) {
    int *left = u;
    if (left && *left == 0)
        return NULL;
    if (left && *left > 0)
        (*left)--;
    return test_realloc(p, n);
}
static void t_free(void *p, void *u) {
    (void)u;
    test_free(p);
}
static const quic_allocator test_alloc = {NULL, t_malloc, t_calloc, t_realloc,
                                          t_free};

#define MS QUIC_MS
#define INITIAL QUIC_PN_SPACE_INITIAL
#define HANDSHAKE QUIC_PN_SPACE_HANDSHAKE
#define APP QUIC_PN_SPACE_APPLICATION

typedef struct fixture {
    quic_cc_reno reno;
    quic_recovery rec;
} fixture;

static fixture *new_fixture(bool is_server) {
    fixture *f = test_malloc(sizeof(*f));
    quic_cc_reno_init(&f->reno, 1200);
    quic_recovery_init(&f->rec, &test_alloc, &f->reno.base, is_server, 0);
    return f;
}

static void free_fixture(fixture *f) {
    quic_recovery_cleanup(&f->rec);
    test_free(f);
}

static void sent(quic_recovery *rec, quic_pn_space s, uint64_t pn,
                 quic_time t) {
    assert_int_equal(
        quic_recovery_on_packet_sent(rec, s, pn, 1200, true, true, t), 0);
}

/* One ACK frame with |n| inclusive [smallest, largest] pairs, descending. */
static void ack(quic_recovery *rec, quic_pn_space s, quic_time delay,
                quic_time now, const uint64_t *pairs, size_t n) {
    assert_int_equal(quic_recovery_ack_begin(rec, s, pairs[1], delay, now), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(
            quic_recovery_ack_range(rec, pairs[2 * i], pairs[2 * i + 1]), 0);
    assert_int_equal(quic_recovery_ack_end(rec, UINT64_MAX, now), 0);
}

static void ack1(quic_recovery *rec, quic_pn_space s, uint64_t lo, uint64_t hi,
                 quic_time now) {
    const uint64_t r[2] = {lo, hi};
    ack(rec, s, 0, now, r, 1);
}

static void expect_lost(const quic_recovery *rec, const uint64_t *pns,
                        size_t n) {
    size_t got;
    const quic_sent_packet *l = quic_recovery_lost(rec, &got);
    assert_int_equal(got, n);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(l[i].pn, pns[i]);
}

/* ---- RTT ------------------------------------------------------------------
 */

static void test_quic_rtt_update_hand_computed(void **state) {
    (void)state;
    quic_rtt r;
    quic_rtt_init(&r, 0);
    assert_int_equal(r.smoothed_rtt, 333 * MS);
    assert_int_equal(r.rttvar, 166500 * QUIC_US);
    assert_false(r.has_sample);
    /* First sample: smoothed = latest, rttvar = latest / 2; the ack delay
     * is ignored. */
    quic_rtt_update(&r, 100 * MS, 50 * MS, 1000 * MS);
    assert_int_equal(r.smoothed_rtt, 100 * MS);
    assert_int_equal(r.rttvar, 50 * MS);
    assert_int_equal(r.min_rtt, 100 * MS);
    assert_int_equal(r.first_sample_time, 1000 * MS);
    /* 140 ms with 20 ms delay: adjusted 120; rttvar = 3/4·50 + 1/4·|100-120|
     * = 42.5; smoothed = 7/8·100 + 1/8·120 = 102.5. */
    quic_rtt_update(&r, 140 * MS, 20 * MS, 1100 * MS);
    assert_int_equal(r.rttvar, 42500 * QUIC_US);
    assert_int_equal(r.smoothed_rtt, 102500 * QUIC_US);
    assert_int_equal(r.latest_rtt, 140 * MS);
    /* 110 ms with 30 ms delay: 110 < min 100 + 30, so no adjustment;
     * rttvar = 3/4·42.5 + 1/4·7.5 = 33.75; smoothed = (7·102.5 + 110)/8 =
     * 103.4375. */
    quic_rtt_update(&r, 110 * MS, 30 * MS, 1200 * MS);
    assert_int_equal(r.rttvar, 33750 * QUIC_US);
    assert_int_equal(r.smoothed_rtt, 103437500);
    assert_int_equal(r.min_rtt, 100 * MS);
    /* A lower sample moves min_rtt. */
    quic_rtt_update(&r, 80 * MS, 0, 1300 * MS);
    assert_int_equal(r.min_rtt, 80 * MS);
    /* An explicit initial RTT. */
    quic_rtt_init(&r, 50 * MS);
    assert_int_equal(r.smoothed_rtt, 50 * MS);
    assert_int_equal(r.rttvar, 25 * MS);
}

/* §5.3: ack delay ignored for Initial, capped by max_ack_delay only once
 * the handshake is confirmed. */
static void test_quic_recovery_ack_delay_rules(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    quic_recovery_set_max_ack_delay(rec, 10 * MS);
    sent(rec, APP, 0, 0);
    ack1(rec, APP, 0, 0, 100 * MS); /* first sample: 100 */
    /* Unconfirmed: 40 ms delay is used whole: adjusted 160 - 40 = 120. */
    sent(rec, APP, 1, 100 * MS);
    const uint64_t r1[2] = {1, 1};
    ack(rec, APP, 40 * MS, 260 * MS, r1, 1);
    assert_int_equal(rec->rtt.smoothed_rtt, 102500 * QUIC_US);
    /* Confirmed: capped at 10 ms: adjusted 150. */
    quic_recovery_set_handshake_confirmed(rec, 260 * MS);
    sent(rec, APP, 2, 300 * MS);
    const uint64_t r2[2] = {2, 2};
    ack(rec, APP, 40 * MS, 460 * MS, r2, 1);
    assert_int_equal(rec->rtt.smoothed_rtt,
                     (7 * 102500 * QUIC_US + 150 * MS) / 8);
    free_fixture(f);

    f = new_fixture(true);
    rec = &f->rec;
    sent(rec, INITIAL, 0, 0);
    ack1(rec, INITIAL, 0, 0, 100 * MS);
    sent(rec, INITIAL, 1, 100 * MS);
    const uint64_t r3[2] = {1, 1};
    ack(rec, INITIAL, 40 * MS, 260 * MS, r3, 1); /* delay ignored: 160 */
    assert_int_equal(rec->rtt.smoothed_rtt, (7 * 100 + 160) * MS / 8);
    free_fixture(f);
}

static void test_quic_recovery_rtt_sample_only_when_largest_new_and_eliciting(
    void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    sent(rec, APP, 0, 0);
    sent(rec, APP, 1, 0);
    ack1(rec, APP, 0, 1, 100 * MS);
    assert_int_equal(rec->rtt.latest_rtt, 100 * MS);
    /* Nothing newly acknowledged: no sample. */
    ack1(rec, APP, 0, 1, 300 * MS);
    assert_int_equal(rec->rtt.latest_rtt, 100 * MS);
    /* Only a non-ack-eliciting packet newly acknowledged: no sample. */
    assert_int_equal(
        quic_recovery_on_packet_sent(rec, APP, 2, 50, false, false, 300 * MS),
        0);
    ack1(rec, APP, 2, 2, 500 * MS);
    assert_int_equal(rec->rtt.latest_rtt, 100 * MS);
    size_t n;
    assert_int_equal(quic_recovery_acked(rec, &n)[0].pn, 2);
    /* The largest was acknowledged before: no sample from pn 3. */
    sent(rec, APP, 3, 500 * MS);
    sent(rec, APP, 4, 500 * MS);
    ack1(rec, APP, 4, 4, 550 * MS);
    assert_int_equal(rec->rtt.latest_rtt, 50 * MS);
    const uint64_t r[4] = {4, 4, 3, 3};
    ack(rec, APP, 0, 700 * MS, r, 2);
    quic_recovery_acked(rec, &n);
    assert_int_equal(n, 1);
    assert_int_equal(rec->rtt.latest_rtt, 50 * MS);
    free_fixture(f);
}

static void test_quic_recovery_ack_begin_rejects_unsent(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 0, 0, 0),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    sent(rec, APP, 0, 0);
    sent(rec, APP, 5, 0);
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 6, 0, 0),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    assert_int_equal(quic_recovery_ack_begin(rec, HANDSHAKE, 0, 0, 0),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    assert_int_equal(quic_recovery_ack_range(rec, 0, 0),
                     QUIC_ERR_INVALID_STATE);
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 5, 0, 0), 0);
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 5, 0, 0),
                     QUIC_ERR_INVALID_STATE);
    assert_int_equal(quic_recovery_ack_range(rec, 3, 4),
                     QUIC_ERR_INVALID_ARGUMENT); /* misses the largest */
    assert_int_equal(quic_recovery_ack_range(rec, 4, 5), 0);
    assert_int_equal(quic_recovery_ack_range(rec, 2, 4),
                     QUIC_ERR_INVALID_ARGUMENT);             /* overlaps */
    assert_int_equal(quic_recovery_ack_range(rec, 1, 1), 0); /* pn 1: unsent */
    assert_int_equal(quic_recovery_ack_end(rec, UINT64_MAX, 10 * MS), 0);
    assert_int_equal(quic_recovery_ack_end(rec, UINT64_MAX, 10 * MS),
                     QUIC_ERR_INVALID_STATE);
    /* Sending below the last packet number is refused. */
    assert_int_equal(
        quic_recovery_on_packet_sent(rec, APP, 5, 100, true, true, 0),
        QUIC_ERR_INVALID_ARGUMENT);
    free_fixture(f);
}

/* ---- Loss detection ---------------------------------------------------------
 */

static void test_quic_recovery_packet_threshold_loss(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    for (uint64_t pn = 0; pn < 5; pn++)
        sent(rec, APP, pn, pn * MS);
    assert_int_equal(rec->bytes_in_flight, 6000);
    ack1(rec, APP, 3, 3, 20 * MS);
    /* 3 >= 0 + kPacketThreshold: pn 0 lost; 1 and 2 wait for time. */
    const uint64_t l1[] = {0};
    expect_lost(rec, l1, 1);
    assert_int_equal(rec->packets_lost, 1);
    assert_int_equal(rec->bytes_in_flight, 3 * 1200);
    /* The timer is pn 1's time-threshold deadline: sent at 1 ms, plus 9/8
     * of the RTT sample (pn 3 sent at 3 ms, acked at 20 ms). */
    assert_int_equal(quic_recovery_timer(rec), 1 * MS + 17 * MS * 9 / 8);
    ack1(rec, APP, 4, 4, 21 * MS);
    const uint64_t l2[] = {1};
    expect_lost(rec, l2, 1);
    /* The loss halved the window (one congestion event). */
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6000);
    free_fixture(f);
}

static void test_quic_recovery_time_threshold_loss(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    sent(rec, APP, 0, 90 * MS);
    sent(rec, APP, 1, 100 * MS);
    ack1(rec, APP, 1, 1, 200 * MS); /* rtt 100: loss delay 112.5 ms */
    size_t n;
    quic_recovery_lost(rec, &n);
    assert_int_equal(n, 0); /* 90 > 200 - 112.5 */
    assert_int_equal(quic_recovery_timer(rec), 202500 * QUIC_US);
    quic_recovery_probe probe;
    assert_int_equal(quic_recovery_on_timeout(rec, 202 * MS, &probe), 0);
    assert_int_equal(probe.count, 0);
    quic_recovery_lost(rec, &n);
    assert_int_equal(n, 0); /* not due yet */
    assert_int_equal(quic_recovery_on_timeout(rec, 202500 * QUIC_US, &probe),
                     0);
    assert_int_equal(probe.count, 0);
    const uint64_t l[] = {0};
    expect_lost(rec, l, 1);
    assert_int_equal(rec->bytes_in_flight, 0);
    assert_int_equal(quic_recovery_timer(rec), QUIC_TIME_NONE);
    /* Time threshold in the same ACK: pn 2 sent long before. */
    sent(rec, APP, 2, 300 * MS);
    sent(rec, APP, 3, 500 * MS);
    ack1(rec, APP, 3, 3, 600 * MS);
    const uint64_t l2[] = {2};
    expect_lost(rec, l2, 1);
    free_fixture(f);
}

/* kGranularity bounds the loss delay from below. */
static void test_quic_recovery_loss_delay_at_least_granularity(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    sent(rec, APP, 0, 0);
    sent(rec, APP, 1, 10 * QUIC_US);
    ack1(rec, APP, 1, 1, 110 * QUIC_US); /* rtt 100 µs */
    assert_int_equal(quic_recovery_timer(rec), QUIC_MS);
    free_fixture(f);
}

/* ---- PTO -------------------------------------------------------------------
 */

static void test_quic_recovery_pto_backoff_and_reset(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    quic_recovery_set_handshake_confirmed(rec, 0);
    sent(rec, APP, 0, 0);
    ack1(rec, APP, 0, 0, 100 * MS); /* srtt 100, rttvar 50 */
    assert_int_equal(quic_recovery_timer(rec), QUIC_TIME_NONE);
    sent(rec, APP, 1, 100 * MS);
    /* 100 + max(4 × 50, 1) + max_ack_delay 25 = 325 ms after sending. */
    assert_int_equal(quic_recovery_pto_period(rec), 325 * MS);
    assert_int_equal(quic_recovery_timer(rec), 425 * MS);
    quic_recovery_probe probe;
    assert_int_equal(quic_recovery_on_timeout(rec, 425 * MS, &probe), 0);
    assert_int_equal(probe.count, 2);
    assert_int_equal(probe.space, APP);
    assert_false(probe.anti_deadlock);
    assert_int_equal(rec->pto_count, 1);
    size_t n;
    quic_recovery_lost(rec, &n);
    assert_int_equal(n, 0); /* a PTO declares nothing lost */
    assert_int_equal(quic_recovery_timer(rec), 100 * MS + 2 * 325 * MS);
    assert_int_equal(quic_recovery_on_timeout(rec, 750 * MS, &probe), 0);
    assert_int_equal(rec->pto_count, 2);
    assert_int_equal(quic_recovery_timer(rec), 100 * MS + 4 * 325 * MS);
    /* An acknowledgment resets the backoff. */
    sent(rec, APP, 2, 800 * MS);
    ack1(rec, APP, 2, 2, 900 * MS);
    assert_int_equal(rec->pto_count, 0);
    free_fixture(f);
}

static void test_quic_recovery_pto_space_rules(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    /* Application data alone before confirmation: no PTO. */
    sent(rec, APP, 0, 0);
    assert_int_equal(quic_recovery_timer(rec), QUIC_TIME_NONE);
    /* Initial and Handshake: the earlier one, without max_ack_delay.
     * Initial PTO = 333 + 4 × 166.5 = 999 ms. */
    sent(rec, HANDSHAKE, 0, 10 * MS);
    assert_int_equal(quic_recovery_timer(rec), 1009 * MS);
    sent(rec, INITIAL, 0, 5 * MS);
    assert_int_equal(quic_recovery_timer(rec), 1004 * MS);
    quic_recovery_probe probe;
    assert_int_equal(quic_recovery_on_timeout(rec, 1004 * MS, &probe), 0);
    assert_int_equal(probe.space, INITIAL);
    /* Backoff applies across spaces: Handshake now 10 + 2 × 999. */
    quic_recovery_discard_space(rec, INITIAL, 1004 * MS);
    assert_int_equal(rec->pto_count, 0); /* reset by the discard */
    assert_int_equal(quic_recovery_timer(rec), 1009 * MS);
    quic_recovery_set_handshake_confirmed(rec, 1004 * MS);
    quic_recovery_discard_space(rec, HANDSHAKE, 1004 * MS);
    /* Now the Application PTO, with max_ack_delay. */
    assert_int_equal(quic_recovery_timer(rec), 999 * MS + 25 * MS);
    free_fixture(f);
}

static void test_quic_recovery_client_anti_deadlock(void **state) {
    (void)state;
    fixture *f = new_fixture(false);
    quic_recovery *rec = &f->rec;
    sent(rec, INITIAL, 0, 0);
    ack1(rec, INITIAL, 0, 0, 100 * MS); /* srtt 100, rttvar 50 */
    /* Nothing in flight, but the server may be amplification-blocked: the
     * timer runs from now. */
    assert_int_equal(quic_recovery_timer(rec), 400 * MS);
    quic_recovery_probe probe;
    assert_int_equal(quic_recovery_on_timeout(rec, 400 * MS, &probe), 0);
    assert_true(probe.anti_deadlock);
    assert_int_equal(probe.count, 1);
    assert_int_equal(probe.space, INITIAL);
    assert_int_equal(quic_recovery_timer(rec), 1000 * MS);
    /* An Initial ACK does not reset a client's backoff. */
    sent(rec, INITIAL, 1, 1000 * MS);
    ack1(rec, INITIAL, 1, 1, 1100 * MS);
    assert_int_equal(rec->pto_count, 1);
    quic_recovery_set_has_handshake_keys(rec, 1100 * MS);
    assert_int_equal(
        quic_recovery_on_timeout(rec, quic_recovery_timer(rec), &probe), 0);
    assert_true(probe.anti_deadlock);
    assert_int_equal(probe.space, HANDSHAKE);
    /* A Handshake ACK proves the server validated us: no timer needed. */
    sent(rec, HANDSHAKE, 0, 2000 * MS);
    ack1(rec, HANDSHAKE, 0, 0, 2100 * MS);
    assert_int_equal(rec->pto_count, 0);
    assert_int_equal(quic_recovery_timer(rec), QUIC_TIME_NONE);
    free_fixture(f);
}

static void
test_quic_recovery_server_amplification_limit_no_timer(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    sent(rec, INITIAL, 0, 0);
    assert_int_equal(quic_recovery_timer(rec), 999 * MS);
    quic_recovery_set_amplification_limited(rec, true, 10 * MS);
    assert_int_equal(quic_recovery_timer(rec), QUIC_TIME_NONE);
    quic_recovery_probe probe;
    assert_int_equal(quic_recovery_on_timeout(rec, 5000 * MS, &probe), 0);
    assert_int_equal(probe.count, 0);
    /* Unblocked after the deadline: it is due at once. */
    quic_recovery_set_amplification_limited(rec, false, 2000 * MS);
    assert_true(quic_recovery_timer(rec) <= 2000 * MS);
    assert_int_equal(quic_recovery_on_timeout(rec, 2000 * MS, &probe), 0);
    assert_int_equal(probe.count, 2);
    assert_int_equal(probe.space, INITIAL);
    free_fixture(f);
}

static void test_quic_recovery_discard_space_drops_in_flight(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    for (uint64_t pn = 0; pn < 3; pn++) {
        quic_frame_rec *fr = quic_recovery_add_frame(rec);
        assert_non_null(fr);
        fr->offset = pn * 100;
        sent(rec, INITIAL, pn, pn * MS);
    }
    sent(rec, HANDSHAKE, 0, 3 * MS);
    assert_int_equal(rec->bytes_in_flight, 4800);
    quic_recovery_discard_space(rec, INITIAL, 4 * MS);
    assert_int_equal(rec->bytes_in_flight, 1200);
    assert_int_equal(rec->spaces[INITIAL].ack_eliciting_in_flight, 0);
    assert_int_equal(quic_recovery_timer(rec), 3 * MS + 999 * MS);
    /* Packet numbers continue; an ACK of a discarded packet is checked
     * against what was sent, not against what is kept. */
    assert_int_equal(
        quic_recovery_on_packet_sent(rec, INITIAL, 2, 1200, true, true, 0),
        QUIC_ERR_INVALID_ARGUMENT);
    free_fixture(f); /* the three frame records were freed: no leak */
}

/* ---- Persistent congestion --------------------------------------------------
 */

/* RFC 9002 §7.6.2's example, one time unit = 1 s: PTO period 2 s
 * (smoothed 200 ms, rttvar 0 → kGranularity, max_ack_delay 1799 ms),
 * threshold 3 → duration 6 s. Packets 2-8 are lost when 9's ACK arrives;
 * 8 − 1 = 7 s > 6 s. A prior RTT sample exists (pn 0, before t=0). */
static void run_pc_example(fixture *f, bool ack_five) {
    quic_recovery *rec = &f->rec;
    const quic_time T = 10 * QUIC_S; /* t=0 of the example */
    quic_recovery_set_handshake_confirmed(rec, 0);
    quic_recovery_set_max_ack_delay(rec, 1799 * MS);
    sent(rec, APP, 0, T - QUIC_S);
    ack1(rec, APP, 0, 0, T - QUIC_S / 2);
    sent(rec, APP, 1, T);
    sent(rec, APP, 2, T + QUIC_S);
    ack1(rec, APP, 1, 1, T + 1200 * MS);
    rec->rtt.smoothed_rtt = 200 * MS;
    rec->rtt.rttvar = 0;
    rec->rtt.min_rtt = 200 * MS;
    assert_int_equal(quic_recovery_pto_period(rec), 2 * QUIC_S);
    for (uint64_t pn = 3; pn <= 7; pn++)
        sent(rec, APP, pn, T + (pn - 1) * QUIC_S);
    if (ack_five)
        ack1(rec, APP, 5, 5, T + 6500 * MS);
    quic_recovery_probe probe;
    if (!ack_five) {
        /* PTO 1 at t=8 (last send at 6 + 2), PTO 2 at t=12 (8 + 2 × 2). */
        assert_int_equal(quic_recovery_timer(rec), T + 8 * QUIC_S);
        assert_int_equal(quic_recovery_on_timeout(rec, T + 8 * QUIC_S, &probe),
                         0);
        assert_int_equal(probe.count, 2);
    }
    sent(rec, APP, 8, T + 8 * QUIC_S);
    if (!ack_five) {
        assert_int_equal(quic_recovery_timer(rec), T + 12 * QUIC_S);
        assert_int_equal(quic_recovery_on_timeout(rec, T + 12 * QUIC_S, &probe),
                         0);
    }
    sent(rec, APP, 9, T + 12 * QUIC_S);
    ack1(rec, APP, 9, 9, T + 12200 * MS);
}

static void test_quic_recovery_persistent_congestion_rfc_example(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    run_pc_example(f, false);
    const uint64_t lost[] = {2, 3, 4, 5, 6, 7, 8};
    expect_lost(&f->rec, lost, 7);
    /* kMinimumWindow, then slow start from it: A.7 processes the losses
     * before the acknowledgment of 9, and persistent congestion ended the
     * recovery period, so 9's 1200 bytes count. */
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 2400 + 1200);
    assert_false(f->reno.in_recovery_epoch);
    assert_int_equal(f->rec.rtt.min_rtt, 200 * MS); /* newest sample */
    free_fixture(f);
}

/* The same with packet 5 acknowledged in between: the lost runs 2-4 and 6-8
 * each span under 6 s, so no persistent congestion. */
static void
test_quic_recovery_persistent_congestion_broken_by_ack(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    run_pc_example(f, true);
    size_t n;
    quic_recovery_lost(&f->rec, &n);
    assert_true(n >= 3);
    assert_true(quic_cc_cwnd(&f->reno.base) > 2400);
    free_fixture(f);
}

/* ---- ECN, frames, memory ----------------------------------------------------
 */

static void test_quic_recovery_ecn_ce_increase_reduces_window(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    sent(rec, APP, 0, 0);
    sent(rec, APP, 1, 0);
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 0, 0, 10 * MS), 0);
    assert_int_equal(quic_recovery_ack_range(rec, 0, 0), 0);
    assert_int_equal(quic_recovery_ack_end(rec, 0, 10 * MS), 0);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 13200); /* slow start */
    assert_int_equal(quic_recovery_ack_begin(rec, APP, 1, 0, 20 * MS), 0);
    assert_int_equal(quic_recovery_ack_range(rec, 1, 1), 0);
    assert_int_equal(quic_recovery_ack_end(rec, 1, 20 * MS), 0);
    assert_int_equal(quic_cc_cwnd(&f->reno.base), 6600); /* CE: halved */
    free_fixture(f);
}

static void test_quic_recovery_frame_records_follow_packets(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    /* 40 packets × 5 frames: the pool grows past its first 64 records. */
    for (uint64_t pn = 0; pn < 40; pn++) {
        for (uint64_t k = 0; k < 5; k++) {
            quic_frame_rec *fr = quic_recovery_add_frame(rec);
            assert_non_null(fr);
            fr->type = 8;
            fr->stream_id = pn;
            fr->offset = k;
        }
        sent(rec, APP, pn, pn * MS);
    }
    /* A packet that is abandoned takes no records. */
    assert_non_null(quic_recovery_add_frame(rec));
    quic_recovery_drop_pending_frames(rec);
    const uint64_t r[4] = {35, 39, 10, 20};
    ack(rec, APP, 0, 50 * MS, r, 2);
    size_t n;
    const quic_sent_packet *acked = quic_recovery_acked(rec, &n);
    assert_int_equal(n, 16);
    for (size_t i = 0; i < n; i++) {
        uint64_t k = 0;
        for (const quic_frame_rec *fr =
                 quic_recovery_frame(rec, acked[i].frames);
             fr; fr = quic_recovery_frame(rec, fr->next), k++) {
            assert_int_equal(fr->stream_id, acked[i].pn);
            assert_int_equal(fr->offset, k);
        }
        assert_int_equal(k, 5);
    }
    const quic_sent_packet *lost = quic_recovery_lost(rec, &n);
    assert_int_equal(n, 10 + 14); /* 0-9 and 21-34 (below 39 - 3 / time) */
    for (size_t i = 0; i < n; i++)
        assert_int_equal(quic_recovery_frame(rec, lost[i].frames)->stream_id,
                         lost[i].pn);
    /* Outstanding: none left (all before the largest acked are lost). */
    size_t cursor = 0;
    assert_null(quic_recovery_next_outstanding(rec, APP, &cursor));
    free_fixture(f);
}

static void test_quic_recovery_next_outstanding_skips_settled(void **state) {
    (void)state;
    fixture *f = new_fixture(true);
    quic_recovery *rec = &f->rec;
    for (uint64_t pn = 0; pn < 4; pn++)
        sent(rec, HANDSHAKE, pn, 0);
    ack1(rec, HANDSHAKE, 1, 1, MS);
    size_t cursor = 0;
    assert_int_equal(
        quic_recovery_next_outstanding(rec, HANDSHAKE, &cursor)->pn, 0);
    assert_int_equal(
        quic_recovery_next_outstanding(rec, HANDSHAKE, &cursor)->pn, 2);
    assert_int_equal(
        quic_recovery_next_outstanding(rec, HANDSHAKE, &cursor)->pn, 3);
    assert_null(quic_recovery_next_outstanding(rec, HANDSHAKE, &cursor));
    assert_int_equal(quic_recovery_cwnd_available(rec), 12000 + 1200 - 3600);
    free_fixture(f);
}

static void test_quic_recovery_on_packet_sent_nomem(void **state) {
    (void)state;
    int left = 0;
    quic_allocator a = {&left, NULL, NULL, t_realloc, t_free};
    quic_cc_reno reno;
    quic_cc_reno_init(&reno, 1200);
    quic_recovery rec;
    quic_recovery_init(&rec, &a, &reno.base, true, 0);
    assert_null(quic_recovery_add_frame(&rec));
    assert_int_equal(
        quic_recovery_on_packet_sent(&rec, APP, 0, 1200, true, true, 0),
        QUIC_ERR_NOMEM);
    assert_int_equal(rec.bytes_in_flight, 0);
    assert_int_equal(rec.spaces[APP].largest_sent, QUIC_PN_NONE);
    left = 1; /* the ring, not the results */
    assert_int_equal(
        quic_recovery_on_packet_sent(&rec, APP, 0, 1200, true, true, 0),
        QUIC_ERR_NOMEM);
    assert_int_equal(rec.spaces[APP].count, 0);
    left = -1;
    assert_int_equal(
        quic_recovery_on_packet_sent(&rec, APP, 0, 1200, true, true, 0), 0);
    quic_recovery_cleanup(&rec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_rtt_update_hand_computed),
        cmocka_unit_test(test_quic_recovery_ack_delay_rules),
        cmocka_unit_test(
            test_quic_recovery_rtt_sample_only_when_largest_new_and_eliciting),
        cmocka_unit_test(test_quic_recovery_ack_begin_rejects_unsent),
        cmocka_unit_test(test_quic_recovery_packet_threshold_loss),
        cmocka_unit_test(test_quic_recovery_time_threshold_loss),
        cmocka_unit_test(test_quic_recovery_loss_delay_at_least_granularity),
        cmocka_unit_test(test_quic_recovery_pto_backoff_and_reset),
        cmocka_unit_test(test_quic_recovery_pto_space_rules),
        cmocka_unit_test(test_quic_recovery_client_anti_deadlock),
        cmocka_unit_test(
            test_quic_recovery_server_amplification_limit_no_timer),
        cmocka_unit_test(test_quic_recovery_discard_space_drops_in_flight),
        cmocka_unit_test(test_quic_recovery_persistent_congestion_rfc_example),
        cmocka_unit_test(
            test_quic_recovery_persistent_congestion_broken_by_ack),
        cmocka_unit_test(test_quic_recovery_ecn_ce_increase_reduces_window),
        cmocka_unit_test(test_quic_recovery_frame_records_follow_packets),
        cmocka_unit_test(test_quic_recovery_next_outstanding_skips_settled),
        cmocka_unit_test(test_quic_recovery_on_packet_sent_nomem),
    };
    return cmocka_run_group_tests_name("core_recovery", tests, NULL, NULL);
}

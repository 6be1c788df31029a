/* tests/unit/core_cubic_test.c — CUBIC (RFC 9438) and HyStart++ (RFC 9406):
 * the cubic curve and K, the β reduction, fast convergence, the
 * Reno-friendly region, HyStart++ exit into CSS and then congestion
 * avoidance, one reduction per recovery period, persistent congestion,
 * application-limited acks, and a seeded packet-level simulation of one
 * flow over a 100 Mbit/s, 40 ms bottleneck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <math.h>

#include <cmocka.h>

#include "core/cc.h"

#define MDS 1200

/* cmocka's assert_float_equal compares floats; these windows need doubles. */
#define assert_near(a, b, eps)                                                 \
    do {                                                                       \
        double a_ = (a), b_ = (b);                                             \
        if (fabs(a_ - b_) > (eps))                                             \
            fail_msg("%s = %.9f, want %.9f", #a, a_, b_);                      \
    } while (0)

static void ack_at(quic_cc *cc, quic_time sent, quic_time now) {
    cc->ops->on_packet_acked(cc, MDS, sent, false, now);
}

/* Sends one window of packets at *now and acknowledges each of them |rtt|
 * later (one ACK per packet); *now moves to the last ack. Returns the
 * number of packets. */
static uint64_t round_trip(quic_cc *cc, quic_time *now, quic_time rtt) {
    uint64_t n = quic_cc_cwnd(cc) / MDS;
    for (uint64_t i = 0; i < n; i++)
        quic_cc_on_packet_sent(cc, MDS, *now);
    quic_time sent = *now;
    *now += rtt;
    for (uint64_t i = 0; i < n; i++)
        ack_at(cc, sent, *now);
    return n;
}

/* Slow start to exactly 120000 bytes (100 segments) with a 40 ms RTT,
 * then one loss at 50 ms: the window K and W(t) tests start here. */
static void cubic_after_first_loss(quic_cc_cubic *c) {
    quic_cc_cubic_init(c, MDS);
    for (int i = 0; i < 90; i++)
        ack_at(&c->base, 0, 40 * QUIC_MS);
    assert_int_equal(c->cwnd, 120000);
    c->base.ops->on_packets_lost(&c->base, MDS, 0, 50 * QUIC_MS);
}

static void test_quic_cc_cubic_init_slow_start(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, 1000); /* raised to 1200 */
    assert_string_equal(c.base.ops->name, "cubic");
    assert_int_equal(quic_cc_cwnd(&c.base), 12000);
    assert_int_equal(c.ssthresh, UINT64_MAX);
    assert_int_equal(c.phase, QUIC_CUBIC_SLOW_START);
    assert_true(quic_cc_can_send(&c.base, 10799));
    assert_false(quic_cc_can_send(&c.base, 12000));
    ack_at(&c.base, 0, 40 * QUIC_MS);
    assert_int_equal(quic_cc_cwnd(&c.base), 13200);
}

static void test_quic_cc_cubic_loss_reduces_to_beta(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c);
    /* RFC 9438 §4.6: ssthresh = cwnd = 0.7 × 120000; W_max = 120000. */
    assert_int_equal(c.cwnd, 84000);
    assert_int_equal(c.ssthresh, 84000);
    assert_true(c.w_max == 120000.0);
    assert_true(c.cwnd_prior == 120000.0);
    assert_int_equal(c.phase, QUIC_CUBIC_AVOIDANCE);
}

static const struct curve_case {
    int line;
    double t; /* seconds into the epoch */
} curve_cases[] = {
    {__LINE__, 0.0}, {__LINE__, 1.0}, {__LINE__, 2.5},
    {__LINE__, 4.0}, {__LINE__, 4.5}, {__LINE__, 8.0},
};

static void test_quic_cc_cubic_window_at_matches_rfc_formula(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c);
    ack_at(&c.base, 60 * QUIC_MS, 100 * QUIC_MS); /* starts the epoch */
    /* RFC 9438 §4.2: K = cbrt((W_max − cwnd_epoch) / C) in segments:
     * cbrt((100 − 70) / 0.4) = cbrt(75). */
    assert_near(c.k, cbrt(75.0), 1e-12);
    assert_near(c.k, 4.217163, 1e-6);
    for (size_t i = 0; i < sizeof(curve_cases) / sizeof(curve_cases[0]); i++) {
        double t = curve_cases[i].t, d = t - cbrt(75.0);
        double want = (0.4 * d * d * d + 100.0) * MDS; /* segments × mds */
        if (fabs(quic_cc_cubic_window_at(&c, t) - want) > 1e-6)
            fail_msg("line %d: W(%g) = %f, want %f", curve_cases[i].line, t,
                     quic_cc_cubic_window_at(&c, t), want);
    }
    assert_near(quic_cc_cubic_window_at(&c, 0), 84000.0, 1e-6);
    assert_near(quic_cc_cubic_window_at(&c, c.k), 120000.0, 1e-9);
}

static void test_quic_cc_cubic_ack_grows_towards_w_cubic(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c);
    ack_at(&c.base, 60 * QUIC_MS, 100 * QUIC_MS); /* epoch starts at 100 ms */
    /* At t = 2 s the curve (114768 bytes) is above W_est: §4.4's
     * concave region, cwnd += (W_cubic(t + RTT) − cwnd) / cwnd per segment
     * with RTT = the 40 ms minimum. */
    uint64_t before = c.cwnd;
    double w_est_before = c.w_est;
    ack_at(&c.base, 2060 * QUIC_MS, 2100 * QUIC_MS);
    double d = 2.04 - cbrt(75.0);
    double target = (0.4 * d * d * d + 100.0) * MDS;
    double want =
        (double)before + (target - (double)before) * MDS / (double)before;
    assert_true(fabs((double)c.cwnd - want) <= 1.0);
    assert_true(c.cwnd > before + 400);
    /* W_est grew by α_cubic = 3 × 0.3 / 1.7 segments per window. */
    double alpha = 0.9 / 1.7;
    assert_near(c.w_est - w_est_before, alpha * MDS * MDS / (double)before,
                1e-9);
}

static void test_quic_cc_cubic_fast_convergence(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c); /* W_max 120000, cwnd 84000 */
    ack_at(&c.base, 60 * QUIC_MS, 100 * QUIC_MS);
    uint64_t cwnd = c.cwnd;
    assert_true((double)cwnd < c.w_max);
    /* A new period (sent after the 50 ms reduction) with cwnd below W_max:
     * §4.7 releases bandwidth with W_max = cwnd × (1 + β) / 2. */
    c.base.ops->on_packets_lost(&c.base, MDS, 60 * QUIC_MS, 110 * QUIC_MS);
    assert_near(c.w_max, (double)cwnd * 0.85, 1e-6);
    assert_int_equal(c.cwnd, cwnd * 7 / 10);
    /* Above W_max there is no fast convergence: W_max = cwnd. */
    quic_cc_cubic d;
    quic_cc_cubic_init(&d, MDS);
    d.base.ops->on_packets_lost(&d.base, MDS, 0, QUIC_MS);
    assert_near(d.w_max, 12000.0, 0);
    assert_int_equal(d.cwnd, 8400);
}

static void test_quic_cc_cubic_one_reduction_per_recovery_period(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c); /* reduced at 50 ms */
    const quic_cc_ops *ops = c.base.ops;
    /* Losses and CE marks of packets sent before the reduction belong to
     * the same period. */
    ops->on_packets_lost(&c.base, 5 * MDS, 50 * QUIC_MS, 70 * QUIC_MS);
    ops->on_ecn_ce(&c.base, 49 * QUIC_MS, 80 * QUIC_MS);
    assert_int_equal(c.cwnd, 84000);
    /* Acks of such packets do not grow the window either. */
    ack_at(&c.base, 45 * QUIC_MS, 90 * QUIC_MS);
    assert_int_equal(c.cwnd, 84000);
    /* A CE mark on a packet sent afterwards starts a new period. */
    ops->on_ecn_ce(&c.base, 51 * QUIC_MS, 95 * QUIC_MS);
    assert_int_equal(c.cwnd, 58800);
    /* The floor is the RFC 9002 minimum window. */
    for (quic_time t = 100; t < 120; t++)
        ops->on_packets_lost(&c.base, MDS, t * QUIC_MS, t * QUIC_MS + 1);
    assert_int_equal(c.cwnd, 2400);
    assert_int_equal(c.ssthresh, 2400);
}

/* One window per RTT of 1 ms: the cubic curve barely moves in 20 ms, the
 * Reno-friendly estimate gains α_cubic segments per round (§4.3) and
 * cwnd follows it. */
static void test_quic_cc_cubic_reno_friendly_region_at_small_rtt(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, MDS);
    for (int i = 0; i < 90; i++)
        ack_at(&c.base, 0, QUIC_MS);
    c.base.ops->on_packets_lost(&c.base, MDS, 0, 2 * QUIC_MS);
    assert_int_equal(c.cwnd, 84000);
    quic_time now = 3 * QUIC_MS;
    for (int r = 0; r < 20; r++)
        round_trip(&c.base, &now, QUIC_MS);
    double t = (double)(now - c.epoch_start) / 1e9;
    assert_true(quic_cc_cubic_window_at(&c, t) < c.w_est);
    assert_true(fabs((double)c.cwnd - c.w_est) < 1.0);
    double want = 84000 + 20 * (0.9 / 1.7) * MDS; /* ≈ 96706 */
    assert_true(fabs((double)c.cwnd - want) < 0.01 * want);
    assert_true((double)c.cwnd > quic_cc_cubic_window_at(&c, t) + 10000);
}

/* Four clean rounds at 40 ms, then the RTT rises by 10 ms, past
 * RttThresh = max(4 ms, min(40 / 8, 16) ms) = 5 ms (RFC 9406 §4.2). */
static uint64_t hystart_to_css(quic_cc_cubic *c, quic_time *now) {
    quic_cc_cubic_init(c, MDS);
    for (int r = 0; r < 4; r++)
        round_trip(&c->base, now, 40 * QUIC_MS);
    assert_int_equal(c->cwnd, 192000); /* doubled four times */
    assert_int_equal(c->phase, QUIC_CUBIC_SLOW_START);
    uint64_t n = round_trip(&c->base, now, 50 * QUIC_MS);
    assert_int_equal(c->phase, QUIC_CUBIC_CONSERVATIVE_SLOW_START);
    /* 8 samples at full slow-start growth, the rest of the round at 1/4. */
    assert_int_equal(c->cwnd, 192000 + 8 * MDS + (n - 8) * MDS / 4);
    assert_int_equal(c->css_baseline_min_rtt, 50 * QUIC_MS);
    assert_int_equal(c->ssthresh, UINT64_MAX);
    return n;
}

static void test_quic_cc_cubic_hystart_exit_css_then_avoidance(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_time now = 0;
    hystart_to_css(&c, &now);
    /* The partial round counted: four more CSS rounds, each growing the
     * window by a quarter (CSS_GROWTH_DIVISOR). */
    for (int r = 0; r < 4; r++) {
        uint64_t before = c.cwnd;
        uint64_t n = round_trip(&c.base, &now, 50 * QUIC_MS);
        assert_int_equal(c.phase, QUIC_CUBIC_CONSERVATIVE_SLOW_START);
        assert_int_equal(c.cwnd, before + n * MDS / 4);
    }
    /* The first ack of the sixth round ends CSS: ssthresh = cwnd and
     * congestion avoidance from a K = 0 curve at that window. */
    uint64_t at_exit = c.cwnd;
    quic_cc_on_packet_sent(&c.base, MDS, now);
    ack_at(&c.base, now, now + 50 * QUIC_MS);
    assert_int_equal(c.phase, QUIC_CUBIC_AVOIDANCE);
    assert_int_equal(c.ssthresh, at_exit);
    assert_near(c.w_max, (double)at_exit, 0);
    assert_near(c.k, 0.0, 0);
    assert_true(c.cwnd - at_exit < MDS);
}

static void test_quic_cc_cubic_hystart_spurious_css_resumes(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_time now = 0;
    hystart_to_css(&c, &now);
    /* The next round's minimum is back under the 50 ms baseline after
     * N_RTT_SAMPLE samples: the exit was spurious. */
    uint64_t before = c.cwnd;
    uint64_t n = round_trip(&c.base, &now, 40 * QUIC_MS);
    assert_int_equal(c.phase, QUIC_CUBIC_SLOW_START);
    assert_int_equal(c.css_baseline_min_rtt, QUIC_TIME_NONE);
    assert_int_equal(c.cwnd, before + 8 * MDS / 4 + (n - 8) * MDS);
}

static void test_quic_cc_cubic_hystart_ignores_small_rtt_rise(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, MDS);
    quic_time now = 0;
    for (int r = 0; r < 3; r++)
        round_trip(&c.base, &now, 40 * QUIC_MS);
    round_trip(&c.base, &now, 44 * QUIC_MS); /* under 40 + 5 ms */
    assert_int_equal(c.phase, QUIC_CUBIC_SLOW_START);
    round_trip(&c.base, &now, 45 * QUIC_MS); /* 45 ≥ 44 + 5.5? no */
    assert_int_equal(c.phase, QUIC_CUBIC_SLOW_START);
    assert_int_equal(c.cwnd, 12000 << 5);
}

static void test_quic_cc_cubic_loss_in_slow_start_ends_hystart(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_time now = 0;
    hystart_to_css(&c, &now);
    uint64_t cwnd = c.cwnd;
    c.base.ops->on_packets_lost(&c.base, MDS, now, now + QUIC_MS);
    assert_int_equal(c.phase, QUIC_CUBIC_AVOIDANCE);
    assert_false(c.hystart);
    assert_int_equal(c.cwnd, cwnd / 10 * 7 + cwnd % 10 * 7 / 10);
}

static void test_quic_cc_cubic_persistent_congestion(void **state) {
    (void)state;
    quic_cc_cubic c;
    cubic_after_first_loss(&c); /* ssthresh 84000 */
    c.base.ops->on_persistent_congestion(&c.base, 60 * QUIC_MS);
    assert_int_equal(c.cwnd, 2400);
    assert_int_equal(c.ssthresh, 84000);
    assert_int_equal(c.phase, QUIC_CUBIC_SLOW_START);
    /* Plain slow start (no HyStart++ after the first) up to ssthresh, where
     * congestion avoidance starts mid-round from a K = 0 curve at that
     * window (§4.8: W_max = the window at the start of the stage). */
    quic_time now = 100 * QUIC_MS;
    for (int r = 0; r < 6; r++)
        round_trip(&c.base, &now, 40 * QUIC_MS);
    assert_int_equal(c.phase, QUIC_CUBIC_AVOIDANCE);
    assert_near(c.k, 0.0, 0);
    assert_near(c.w_max, 84000.0, 0);
    assert_true(c.cwnd > 84000 && c.cwnd < 84000 + 2 * MDS);
    /* Without an earlier loss it applies β itself. */
    quic_cc_cubic d;
    quic_cc_cubic_init(&d, MDS);
    d.base.ops->on_persistent_congestion(&d.base, 0);
    assert_int_equal(d.ssthresh, 8400);
    assert_int_equal(d.cwnd, 2400);
}

static void test_quic_cc_cubic_app_limited_no_growth(void **state) {
    (void)state;
    quic_cc_cubic a, b;
    cubic_after_first_loss(&a);
    cubic_after_first_loss(&b);
    const quic_cc_ops *ops = a.base.ops;
    /* Slow start: no growth while application-limited. */
    quic_cc_cubic s;
    quic_cc_cubic_init(&s, MDS);
    ops->on_packet_acked(&s.base, MDS, 0, true, 40 * QUIC_MS);
    assert_int_equal(s.cwnd, 12000);
    /* Congestion avoidance: |b| turns application-limited at 1.04 s and
     * stays so for 10 s; its curve must resume where it stopped, as if
     * the 10 s had not passed, so it matches |a| acked at 1.04 s. */
    ack_at(&a.base, 60 * QUIC_MS, 100 * QUIC_MS);
    ack_at(&b.base, 60 * QUIC_MS, 100 * QUIC_MS);
    for (quic_time t = 1; t <= 10; t++)
        ops->on_packet_acked(&b.base, MDS, t * QUIC_S, true,
                             t * QUIC_S + 40 * QUIC_MS);
    assert_int_equal(b.cwnd, a.cwnd);
    ack_at(&a.base, 1000 * QUIC_MS, 1040 * QUIC_MS);
    ack_at(&b.base, 11000 * QUIC_MS, 11040 * QUIC_MS);
    assert_int_equal(b.cwnd, a.cwnd);
    assert_true(a.cwnd > 84000 + 250);
}

static void test_quic_cc_cubic_pacing_rate(void **state) {
    (void)state;
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, MDS);
    const quic_cc_ops *ops = c.base.ops;
    assert_int_equal(ops->pacing_rate(&c.base, 0), 0);
    /* Slow start: 2 × 12000 B / 40 ms. */
    assert_int_equal(ops->pacing_rate(&c.base, 40 * QUIC_MS), 600000);
    ops->on_packets_lost(&c.base, MDS, 0, QUIC_MS); /* cwnd 8400 */
    /* Congestion avoidance: 1.25 × 8400 B / 40 ms. */
    assert_int_equal(ops->pacing_rate(&c.base, 40 * QUIC_MS), 262500);
}

/* ---- A packet-level simulation of one flow -------------------------------
 * One sender limited only by the controller, a FIFO bottleneck of 100
 * Mbit/s with one bandwidth-delay product of buffer (tail drop), 40 ms of
 * propagation delay, random loss after the bottleneck, one ACK per packet,
 * a packet declared lost when a later one is acknowledged (or after 3 RTTs
 * when none is). No sockets; deterministic from the seed. */

#define SIM_RING 8192
#define SIM_SERVICE (96 * QUIC_US) /* 1200 bytes at 100 Mbit/s */
#define SIM_RTT (40 * QUIC_MS)
#define SIM_BUFFER (40 * QUIC_MS) /* queueing delay of a full buffer */
#define SIM_LINK_BPS 100e6

typedef struct sim_pkt {
    quic_time sent, ack_at; /* ack_at: QUIC_TIME_NONE when lost */
} sim_pkt;

typedef struct sim {
    quic_cc *cc;
    sim_pkt ring[SIM_RING];
    size_t head, count;
    uint64_t in_flight, delivered, lost;
    quic_time link_free;
    uint64_t rng;
    uint64_t loss_per_million;
} sim;

/* splitmix64: a fixed generator, so a seed replays the same run. */
static uint64_t sim_next(sim *s) {
    uint64_t z = (s->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static void sim_send(sim *s, quic_time now) {
    sim_pkt *p = &s->ring[(s->head + s->count++) % SIM_RING];
    p->sent = now;
    s->in_flight += MDS;
    quic_cc_on_packet_sent(s->cc, MDS, now);
    quic_time start = s->link_free > now ? s->link_free : now;
    if (start - now > SIM_BUFFER) { /* tail drop */
        p->ack_at = QUIC_TIME_NONE;
        return;
    }
    s->link_free = start + SIM_SERVICE;
    bool lost = sim_next(s) % 1000000 < s->loss_per_million;
    p->ack_at = lost ? QUIC_TIME_NONE : s->link_free + SIM_RTT;
}

/* When the head packet's fate becomes known to the sender. */
static quic_time sim_head_event(const sim *s) {
    const sim_pkt *p = &s->ring[s->head];
    if (p->ack_at != QUIC_TIME_NONE)
        return p->ack_at;
    quic_time pto = p->sent + 3 * SIM_RTT;
    for (size_t i = 1; i < s->count; i++) {
        const sim_pkt *q = &s->ring[(s->head + i) % SIM_RING];
        if (q->ack_at != QUIC_TIME_NONE)
            return q->ack_at < pto ? q->ack_at : pto;
    }
    return pto;
}

/* Runs for |duration| and returns the delivered rate as a fraction of the
 * link rate. */
static double sim_run(quic_cc *cc, uint64_t seed, uint64_t loss_per_million,
                      quic_time duration, uint64_t byte_limit) {
    static sim s;
    memset(&s, 0, sizeof(s));
    s.cc = cc;
    s.rng = seed;
    s.loss_per_million = loss_per_million;
    quic_time now = 0;
    while (now < duration && s.delivered < byte_limit) {
        while (quic_cc_can_send(cc, s.in_flight)) {
            if (s.count == SIM_RING)
                fail_msg("more than %d packets in flight", SIM_RING);
            sim_send(&s, now);
        }
        quic_time t = sim_head_event(&s);
        now = t > now ? t : now;
        sim_pkt p = s.ring[s.head];
        s.head = (s.head + 1) % SIM_RING;
        s.count--;
        s.in_flight -= MDS;
        if (p.ack_at == QUIC_TIME_NONE) {
            s.lost++;
            cc->ops->on_packets_lost(cc, MDS, p.sent, now);
        } else {
            s.delivered += MDS;
            cc->ops->on_packet_acked(cc, MDS, p.sent, false, now);
        }
    }
    return (double)s.delivered * 8 / ((double)now / 1e9) / SIM_LINK_BPS;
}

/* The seed: CUBIC_SIM_SEED from the environment to replay, else 1. */
static uint64_t sim_seed(void) {
    const char *env = getenv("CUBIC_SIM_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : 1;
    printf("cubic simulation seed %llu (CUBIC_SIM_SEED)\n",
           (unsigned long long)seed);
    return seed;
}

/* CUBIC fills the 100 Mbit/s × 40 ms pipe: with buffer overflow as the only
 * loss, a 16 MB transfer (slow start and HyStart++ included) and a 20 s
 * flow with rare random loss (10 per million) stay at ≥ 80 % of the link,
 * where NewReno with the same losses falls behind. */
static void test_sim_cubic_fills_100mbit_40ms_link(void **state) {
    (void)state;
    uint64_t seed = sim_seed();
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, MDS);
    double lossless = sim_run(&c.base, seed, 0, 20 * QUIC_S, UINT64_MAX);
    quic_cc_cubic_init(&c, MDS);
    double transfer = sim_run(&c.base, seed, 0, 60 * QUIC_S, 16000000);
    quic_cc_cubic_init(&c, MDS);
    double rare = sim_run(&c.base, seed, 10, 20 * QUIC_S, UINT64_MAX);
    quic_cc_reno r;
    quic_cc_reno_init(&r, MDS);
    double reno_rare = sim_run(&r.base, seed, 10, 20 * QUIC_S, UINT64_MAX);
    printf("link share: lossless %.3f, 16 MB %.3f, 0.001%% loss %.3f "
           "(NewReno %.3f)\n",
           lossless, transfer, rare, reno_rare);
    assert_true(lossless >= 0.95);
    assert_true(transfer >= 0.80);
    assert_true(rare >= 0.80);
    assert_true(rare > reno_rare);
}

/* At 1 % random loss every loss-based controller is bound by its response
 * function, not by the link: Reno's is 1.22 / sqrt(p) segments per RTT
 * (Mathis et al.), 12.2 × 1200 B / 40 ms ≈ 2.9 % of 100 Mbit/s, and
 * CUBIC's Reno-friendly region (RFC 9438 §4.3) keeps it at about that. So
 * the flow gets a few percent of the link, and at least what NewReno gets. */
static void test_sim_cubic_one_percent_loss_response_function(void **state) {
    (void)state;
    uint64_t seed = sim_seed();
    quic_cc_cubic c;
    quic_cc_cubic_init(&c, MDS);
    double cubic = sim_run(&c.base, seed, 10000, 20 * QUIC_S, UINT64_MAX);
    quic_cc_reno r;
    quic_cc_reno_init(&r, MDS);
    double reno = sim_run(&r.base, seed, 10000, 20 * QUIC_S, UINT64_MAX);
    double mathis = 1.22 / sqrt(0.01) * MDS * 8 / 0.040 / SIM_LINK_BPS;
    printf("1%% loss: CUBIC %.4f, NewReno %.4f, Mathis %.4f of the link\n",
           cubic, reno, mathis);
    assert_true(cubic >= reno);
    assert_true(cubic > mathis / 2 && cubic < mathis * 2);
}

#define SIM_TESTS                                                              \
    cmocka_unit_test(test_sim_cubic_fills_100mbit_40ms_link),                  \
        cmocka_unit_test(test_sim_cubic_one_percent_loss_response_function),

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_cc_cubic_init_slow_start),
        cmocka_unit_test(test_quic_cc_cubic_loss_reduces_to_beta),
        cmocka_unit_test(test_quic_cc_cubic_window_at_matches_rfc_formula),
        cmocka_unit_test(test_quic_cc_cubic_ack_grows_towards_w_cubic),
        cmocka_unit_test(test_quic_cc_cubic_fast_convergence),
        cmocka_unit_test(test_quic_cc_cubic_one_reduction_per_recovery_period),
        cmocka_unit_test(test_quic_cc_cubic_reno_friendly_region_at_small_rtt),
        cmocka_unit_test(test_quic_cc_cubic_hystart_exit_css_then_avoidance),
        cmocka_unit_test(test_quic_cc_cubic_hystart_spurious_css_resumes),
        cmocka_unit_test(test_quic_cc_cubic_hystart_ignores_small_rtt_rise),
        cmocka_unit_test(test_quic_cc_cubic_loss_in_slow_start_ends_hystart),
        cmocka_unit_test(test_quic_cc_cubic_persistent_congestion),
        cmocka_unit_test(test_quic_cc_cubic_app_limited_no_growth),
        cmocka_unit_test(test_quic_cc_cubic_pacing_rate),
        SIM_TESTS};
    return cmocka_run_group_tests_name("core_cubic", tests, NULL, NULL);
}

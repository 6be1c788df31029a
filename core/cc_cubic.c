/* core/cc_cubic.c — CUBIC congestion control (RFC 9438) with HyStart++ slow
 * start (RFC 9406) behind the quic_cc_ops interface of core/cc.h. */
#include "core/cc.h"

#include <math.h>

/* RFC 9438 §4.3: α_cubic = 3 (1 − β) / (1 + β) keeps the Reno-friendly
 * estimate as aggressive as AIMD(1, 0.5) on average. */
#define ALPHA_CUBIC (3.0 * (1.0 - QUIC_CUBIC_BETA) / (1.0 + QUIC_CUBIC_BETA))

static quic_cc_cubic *cubic_of(quic_cc *cc) {
    return (quic_cc_cubic *)cc;
}
static const quic_cc_cubic *cubic_of_const(const quic_cc *cc) {
    return (const quic_cc_cubic *)cc;
}

/* ssthresh = cwnd × β_cubic (RFC 9438 §4.6) in exact integers: 7/10,
 * floored at the RFC 9002 minimum window. */
static uint64_t reduced_window(const quic_cc_cubic *c) {
    uint64_t w = c->cwnd / 10 * 7 + c->cwnd % 10 * 7 / 10;
    uint64_t min = quic_cc_minimum_window(c->max_datagram_size);
    return w > min ? w : min;
}

static double seconds(quic_time t) {
    return (double)t / (double)QUIC_S;
}

double quic_cc_cubic_window_at(const quic_cc_cubic *c, double t) {
    double d = t - c->k;
    return QUIC_CUBIC_C * d * d * d * (double)c->max_datagram_size + c->w_max;
}

/* Adds |inc| bytes (possibly fractional) to cwnd, carrying the fraction. */
static void grow(quic_cc_cubic *c, double inc) {
    if (inc <= 0)
        return;
    c->growth_carry += inc;
    double whole = floor(c->growth_carry);
    c->growth_carry -= whole;
    c->cwnd += (uint64_t)whole;
}

/* RFC 9002 B.5 InCongestionRecovery, keyed on send time as NewReno is. */
static bool in_recovery(const quic_cc_cubic *c, quic_time time_sent) {
    return c->in_recovery_epoch && time_sent <= c->recovery_start;
}

static void enter_avoidance(quic_cc_cubic *c) {
    c->phase = QUIC_CUBIC_AVOIDANCE;
    c->hystart = false;
    c->epoch_start = QUIC_TIME_NONE;
}

/* RFC 9438 §4.2 at the first ack of a congestion-avoidance stage:
 * K = cbrt((W_max − cwnd_epoch) / C). When cwnd already reached W_max (slow
 * start ended without loss, or after persistent congestion, §4.8) the
 * epoch starts at the plateau: W_max = cwnd, K = 0. */
static void start_epoch(quic_cc_cubic *c, quic_time now) {
    double cwnd = (double)c->cwnd;
    c->epoch_start = now;
    c->w_est = cwnd;
    if (c->w_max <= cwnd) {
        c->w_max = cwnd;
        c->k = 0;
    } else {
        c->k = cbrt((c->w_max - cwnd) /
                    (QUIC_CUBIC_C * (double)c->max_datagram_size));
    }
}

/* One congestion-avoidance ack of |bytes| (RFC 9438 §4.2-§4.5). */
static void avoidance_ack(quic_cc_cubic *c, size_t bytes, quic_time now) {
    if (c->epoch_start == QUIC_TIME_NONE)
        start_epoch(c, now);
    double cwnd = (double)c->cwnd, mds = (double)c->max_datagram_size;
    double t = seconds(now - c->epoch_start);
    /* §4.3: Reno-friendly estimate; α becomes 1 once W_est reaches the
     * window before the last reduction. */
    double alpha = c->w_est >= c->cwnd_prior ? 1.0 : ALPHA_CUBIC;
    c->w_est += alpha * (double)bytes * mds / cwnd;
    if (quic_cc_cubic_window_at(c, t) < c->w_est) {
        grow(c, c->w_est - cwnd); /* Reno-friendly region */
        return;
    }
    /* §4.4/§4.5: aim at W_cubic one RTT ahead, clamped to [cwnd, 1.5 cwnd];
     * the minimum RTT stands in for the RTT, as Linux's CUBIC does, because
     * queueing delay would otherwise speed the curve up. */
    double target = quic_cc_cubic_window_at(c, t + seconds(c->min_rtt));
    if (target > 1.5 * cwnd)
        target = 1.5 * cwnd;
    grow(c, (target - cwnd) * (double)bytes / cwnd);
}

static void start_round(quic_cc_cubic *c, quic_time now) {
    c->round_start = now;
    c->last_round_min_rtt = c->current_round_min_rtt;
    c->current_round_min_rtt = QUIC_TIME_NONE;
    c->rtt_sample_count = 0;
}

/* RFC 9406 §4.2: RttThresh = max(MIN, min(lastRoundMinRTT / 8, MAX)). */
static quic_time rtt_thresh(quic_time last_round_min_rtt) {
    quic_time t = last_round_min_rtt / QUIC_HYSTART_MIN_RTT_DIVISOR;
    if (t > QUIC_HYSTART_MAX_RTT_THRESH)
        t = QUIC_HYSTART_MAX_RTT_THRESH;
    return t < QUIC_HYSTART_MIN_RTT_THRESH ? QUIC_HYSTART_MIN_RTT_THRESH : t;
}

/* Round bookkeeping for an ack of a packet sent at |time_sent|; returns
 * false when CSS used up its rounds and congestion avoidance began. */
static bool hystart_round(quic_cc_cubic *c, quic_time time_sent,
                          quic_time now) {
    if (time_sent < c->round_start)
        return true;
    if (c->phase == QUIC_CUBIC_CONSERVATIVE_SLOW_START) {
        if (c->css_rounds >= QUIC_HYSTART_CSS_ROUNDS) {
            c->ssthresh = c->cwnd; /* §4.2: CSS_ROUNDS complete */
            enter_avoidance(c);
            return false;
        }
        c->css_rounds++;
    }
    start_round(c, now);
    return true;
}

/* Slow start or CSS with HyStart++'s delay checks (RFC 9406 §4.2). */
static void hystart_ack(quic_cc_cubic *c, size_t bytes, quic_time time_sent,
                        quic_time now) {
    if (!hystart_round(c, time_sent, now)) {
        avoidance_ack(c, bytes, now);
        return;
    }
    quic_time rtt = now - time_sent;
    if (rtt < c->current_round_min_rtt)
        c->current_round_min_rtt = rtt;
    c->rtt_sample_count++;
    bool enough = c->rtt_sample_count >= QUIC_HYSTART_N_RTT_SAMPLE;
    if (c->phase == QUIC_CUBIC_SLOW_START) {
        c->cwnd += bytes;
        if (enough && c->last_round_min_rtt != QUIC_TIME_NONE &&
            c->current_round_min_rtt >=
                c->last_round_min_rtt + rtt_thresh(c->last_round_min_rtt)) {
            c->css_baseline_min_rtt = c->current_round_min_rtt;
            c->phase = QUIC_CUBIC_CONSERVATIVE_SLOW_START;
            c->css_rounds = 1; /* the partial round counts (§4.2) */
        }
        return;
    }
    grow(c, (double)bytes / QUIC_HYSTART_CSS_GROWTH_DIVISOR);
    if (enough && c->current_round_min_rtt < c->css_baseline_min_rtt) {
        /* The delay rise was spurious: back to slow start. */
        c->css_baseline_min_rtt = QUIC_TIME_NONE;
        c->phase = QUIC_CUBIC_SLOW_START;
    }
}

static void cubic_on_packet_sent(quic_cc *cc, size_t bytes, quic_time now) {
    (void)cc;
    (void)bytes;
    (void)now;
}

/* RFC 9002 §7.8 / RFC 9438 §5.8: an application-limited sender does not
 * grow the window, and the idle time must not count as epoch time (else
 * W_cubic(t) would leap when sending resumes). */
static bool skip_app_limited(quic_cc_cubic *c, bool app_limited,
                             quic_time now) {
    if (app_limited) {
        if (c->app_limited_since == QUIC_TIME_NONE)
            c->app_limited_since = now;
        return true;
    }
    if (c->app_limited_since != QUIC_TIME_NONE) {
        if (c->epoch_start != QUIC_TIME_NONE && now > c->app_limited_since)
            c->epoch_start += now - c->app_limited_since;
        c->app_limited_since = QUIC_TIME_NONE;
    }
    return false;
}

static void cubic_on_packet_acked(quic_cc *cc, size_t bytes,
                                  quic_time time_sent, bool app_limited,
                                  quic_time now) {
    quic_cc_cubic *c = cubic_of(cc);
    quic_time rtt = now > time_sent ? now - time_sent : 0;
    if (rtt && (!c->min_rtt || rtt < c->min_rtt))
        c->min_rtt = rtt;
    if (in_recovery(c, time_sent) || skip_app_limited(c, app_limited, now))
        return;
    if (c->phase == QUIC_CUBIC_SLOW_START && c->cwnd >= c->ssthresh)
        enter_avoidance(c);
    if (c->phase == QUIC_CUBIC_AVOIDANCE)
        avoidance_ack(c, bytes, now);
    else if (c->hystart)
        hystart_ack(c, bytes, time_sent, now);
    else
        c->cwnd += bytes; /* slow start below a known ssthresh */
}

/* RFC 9438 §4.6-§4.7: one reduction per recovery period, with fast
 * convergence lowering W_max when the window shrank since the last one. */
static void congestion_event(quic_cc_cubic *c, quic_time time_sent,
                             quic_time now) {
    if (in_recovery(c, time_sent))
        return;
    c->recovery_start = now;
    c->in_recovery_epoch = true;
    c->undo = (quic_cubic_saved){
        c->cwnd, c->ssthresh,     c->w_max,       c->cwnd_prior, c->w_est,
        c->k,    c->growth_carry, c->epoch_start, (int)c->phase, c->hystart};
    c->undo_valid = true;
    double cwnd = (double)c->cwnd;
    if (cwnd < c->w_max)
        c->w_max = cwnd * (1.0 + QUIC_CUBIC_BETA) / 2.0;
    else
        c->w_max = cwnd;
    c->cwnd_prior = cwnd;
    c->ssthresh = reduced_window(c);
    c->cwnd = c->ssthresh;
    c->growth_carry = 0;
    enter_avoidance(c);
}

static void cubic_on_packets_lost(quic_cc *cc, uint64_t bytes,
                                  quic_time largest_time_sent, quic_time now) {
    (void)bytes;
    congestion_event(cubic_of(cc), largest_time_sent, now);
}

/* RFC 9438 §4.8: the window falls to the minimum and the next
 * congestion-avoidance stage starts a fresh curve with K = 0 at the window
 * it then has; RFC 9002 §5.2 restarts the minimum RTT. The loss that
 * established persistent congestion already set ssthresh with β. */
static void cubic_on_persistent_congestion(quic_cc *cc, quic_time now) {
    (void)now;
    quic_cc_cubic *c = cubic_of(cc);
    if (c->ssthresh == UINT64_MAX)
        c->ssthresh = reduced_window(c);
    c->cwnd = quic_cc_minimum_window(c->max_datagram_size);
    c->growth_carry = 0;
    c->w_max = 0;
    c->min_rtt = 0;
    c->in_recovery_epoch = false;
    c->hystart = false;
    c->phase = QUIC_CUBIC_SLOW_START;
    c->epoch_start = QUIC_TIME_NONE;
    c->undo_valid = false;
}

/* RFC 9438 §4.9: a spurious congestion event restores the state saved
 * before it; a window that grew beyond the saved one since is kept. */
static void cubic_on_spurious_congestion(quic_cc *cc, quic_time now) {
    (void)now;
    quic_cc_cubic *c = cubic_of(cc);
    if (!c->undo_valid)
        return;
    const quic_cubic_saved *u = &c->undo;
    if (u->cwnd > c->cwnd)
        c->cwnd = u->cwnd;
    c->ssthresh = u->ssthresh;
    c->w_max = u->w_max;
    c->cwnd_prior = u->cwnd_prior;
    c->w_est = u->w_est;
    c->k = u->k;
    c->growth_carry = u->growth_carry;
    c->epoch_start = u->epoch_start;
    c->phase = (quic_cubic_phase)u->phase;
    c->hystart = u->hystart;
    c->in_recovery_epoch = false;
    c->undo_valid = false;
}

static void cubic_on_ecn_ce(quic_cc *cc, quic_time time_sent, quic_time now) {
    congestion_event(cubic_of(cc), time_sent, now);
}

static bool cubic_can_send(const quic_cc *cc, uint64_t bytes_in_flight) {
    return bytes_in_flight < cubic_of_const(cc)->cwnd;
}

static uint64_t cubic_cwnd(const quic_cc *cc) {
    return cubic_of_const(cc)->cwnd;
}

/* RFC 9002 §7.7 paces at N × cwnd / smoothed_rtt. N = 2 in slow start,
 * where the window doubles each round trip, and 1.25 otherwise. */
static uint64_t cubic_pacing_rate(const quic_cc *cc, quic_time srtt) {
    if (!srtt)
        return 0;
    const quic_cc_cubic *c = cubic_of_const(cc);
    uint64_t w = c->cwnd;
    if (w > UINT64_MAX / 4)
        return UINT64_MAX;
    w = c->phase == QUIC_CUBIC_SLOW_START ? 2 * w : w + w / 4;
    /* w × 10^9 / srtt without overflowing 64 bits. */
    uint64_t q = w / srtt, r = w % srtt;
    if (q > UINT64_MAX / QUIC_S)
        return UINT64_MAX;
    if (r <= UINT64_MAX / QUIC_S)
        return q * QUIC_S + r * QUIC_S / srtt;
    return q * QUIC_S + r / (srtt / QUIC_S); /* srtt over 18 s */
}

static const quic_cc_ops cubic_ops = {
    "cubic",
    cubic_on_packet_sent,
    cubic_on_packet_acked,
    cubic_on_packets_lost,
    cubic_on_persistent_congestion,
    cubic_on_ecn_ce,
    cubic_can_send,
    cubic_cwnd,
    cubic_pacing_rate,
    cubic_on_spurious_congestion,
};

void quic_cc_cubic_init(quic_cc_cubic *c, size_t max_datagram_size) {
    if (max_datagram_size < 1200)
        max_datagram_size = 1200;
    *c = (quic_cc_cubic){0};
    c->base.ops = &cubic_ops;
    c->max_datagram_size = max_datagram_size;
    c->cwnd = quic_cc_initial_window(max_datagram_size);
    c->ssthresh = UINT64_MAX;
    c->phase = QUIC_CUBIC_SLOW_START;
    c->epoch_start = QUIC_TIME_NONE;
    c->app_limited_since = QUIC_TIME_NONE;
    c->hystart = true;
    c->round_start = 0;
    c->last_round_min_rtt = QUIC_TIME_NONE;
    c->current_round_min_rtt = QUIC_TIME_NONE;
    c->css_baseline_min_rtt = QUIC_TIME_NONE;
}

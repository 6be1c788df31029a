/* core/cc_reno.c — NewReno congestion control as RFC 9002 §7 and Appendix B
 * describe it: slow start, a recovery period keyed on send times, and
 * congestion avoidance by byte counting; no pacing or loss detection here. */
#include "core/cc.h"

#define LOSS_REDUCTION_DIVISOR 2 /* kLossReductionFactor = 0.5 */

uint64_t quic_cc_initial_window(size_t mds) {
    uint64_t ten = 10 * (uint64_t)mds;
    uint64_t floor = 2 * (uint64_t)mds > 14720 ? 2 * (uint64_t)mds : 14720;
    return ten < floor ? ten : floor;
}

uint64_t quic_cc_minimum_window(size_t mds) {
    return 2 * (uint64_t)mds;
}

static quic_cc_reno *reno_of(quic_cc *cc) {
    return (quic_cc_reno *)cc;
}
static const quic_cc_reno *reno_of_const(const quic_cc *cc) {
    return (const quic_cc_reno *)cc;
}

/* RFC 9002 B.5 InCongestionRecovery. */
static bool in_recovery(const quic_cc_reno *r, quic_time time_sent) {
    return r->in_recovery_epoch && time_sent <= r->recovery_start;
}

static void reno_on_packet_sent(quic_cc *cc, size_t bytes, quic_time now) {
    (void)cc;
    (void)bytes;
    (void)now;
}

static void reno_on_packet_acked(quic_cc *cc, size_t bytes, quic_time time_sent,
                                 bool app_limited, quic_time now) {
    (void)now;
    quic_cc_reno *r = reno_of(cc);
    if (app_limited || in_recovery(r, time_sent))
        return;
    if (r->cwnd < r->ssthresh) {
        r->cwnd += bytes; /* slow start */
        return;
    }
    /* Congestion avoidance: at most one mds per window acknowledged. */
    r->ca_acked += bytes;
    if (r->ca_acked >= r->cwnd) {
        r->ca_acked -= r->cwnd;
        r->cwnd += r->max_datagram_size;
    }
}

/* RFC 9002 B.6 OnCongestionEvent: one reduction per recovery period. The
 * window is cut at once; the connection may still send one packet (the
 * RFC's MaybeSendOnePacket) by itself. */
static void congestion_event(quic_cc_reno *r, quic_time time_sent,
                             quic_time now) {
    if (in_recovery(r, time_sent))
        return;
    r->recovery_start = now;
    r->in_recovery_epoch = true;
    r->undo_cwnd = r->cwnd;
    r->undo_ssthresh = r->ssthresh;
    r->undo_valid = true;
    r->ssthresh = r->cwnd / LOSS_REDUCTION_DIVISOR;
    uint64_t min = quic_cc_minimum_window(r->max_datagram_size);
    r->cwnd = r->ssthresh > min ? r->ssthresh : min;
    r->ca_acked = 0;
}

static void reno_on_packets_lost(quic_cc *cc, uint64_t bytes,
                                 quic_time largest_time_sent, quic_time now) {
    (void)bytes;
    congestion_event(reno_of(cc), largest_time_sent, now);
}

static void reno_on_persistent_congestion(quic_cc *cc, quic_time now) {
    (void)now;
    quic_cc_reno *r = reno_of(cc);
    r->cwnd = quic_cc_minimum_window(r->max_datagram_size);
    r->in_recovery_epoch = false;
    r->ca_acked = 0;
    r->undo_valid = false;
}

/* The reduction was spurious: back to the window and threshold before it
 * (or the window reached since, if larger), out of the recovery period. */
static void reno_on_spurious_congestion(quic_cc *cc, quic_time now) {
    (void)now;
    quic_cc_reno *r = reno_of(cc);
    if (!r->undo_valid)
        return;
    if (r->undo_cwnd > r->cwnd)
        r->cwnd = r->undo_cwnd;
    r->ssthresh = r->undo_ssthresh;
    r->in_recovery_epoch = false;
    r->undo_valid = false;
}

static void reno_on_ecn_ce(quic_cc *cc, quic_time time_sent, quic_time now) {
    congestion_event(reno_of(cc), time_sent, now);
}

static bool reno_can_send(const quic_cc *cc, uint64_t bytes_in_flight) {
    return bytes_in_flight < reno_of_const(cc)->cwnd;
}

static uint64_t reno_cwnd(const quic_cc *cc) {
    return reno_of_const(cc)->cwnd;
}

/* RFC 9002 §7.7: N × cwnd / smoothed_rtt with N = 1.25, in bytes/s. */
static uint64_t reno_pacing_rate(const quic_cc *cc, quic_time srtt) {
    if (!srtt)
        return 0;
    uint64_t w = reno_of_const(cc)->cwnd;
    w += w / 4;
    /* w × 10^9 / srtt without overflowing 64 bits. */
    uint64_t q = w / srtt, r = w % srtt;
    if (q > UINT64_MAX / QUIC_S)
        return UINT64_MAX;
    if (r <= UINT64_MAX / QUIC_S)
        return q * QUIC_S + r * QUIC_S / srtt;
    return q * QUIC_S + r / (srtt / QUIC_S); /* srtt over 18 s */
}

static const quic_cc_ops reno_ops = {
    "reno",
    reno_on_packet_sent,
    reno_on_packet_acked,
    reno_on_packets_lost,
    reno_on_persistent_congestion,
    reno_on_ecn_ce,
    reno_can_send,
    reno_cwnd,
    reno_pacing_rate,
    reno_on_spurious_congestion,
};

void quic_cc_reno_init(quic_cc_reno *reno, size_t max_datagram_size) {
    if (max_datagram_size < 1200)
        max_datagram_size = 1200;
    reno->base.ops = &reno_ops;
    reno->max_datagram_size = max_datagram_size;
    reno->cwnd = quic_cc_initial_window(max_datagram_size);
    reno->ssthresh = UINT64_MAX;
    reno->ca_acked = 0;
    reno->recovery_start = 0;
    reno->in_recovery_epoch = false;
    reno->undo_cwnd = reno->undo_ssthresh = 0;
    reno->undo_valid = false;
}

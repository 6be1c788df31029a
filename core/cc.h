/* core/cc.h — the pluggable congestion-controller interface that core/recovery
 * drives (RFC 9002 §7), and the NewReno controller's state (core/cc_reno.c).
 * A controller only keeps its window: bytes in flight, RTT and loss
 * detection are core/recovery's. Internal. */
#ifndef H3CLI_CORE_CC_H
#define H3CLI_CORE_CC_H

#include "core/quic.h"

typedef struct quic_cc quic_cc;

/* Operations of one controller algorithm. Every function is required. |now|
 * is the caller's clock; none of them allocate or fail. */
typedef struct quic_cc_ops {
    const char *name; /* "reno", "cubic" */
    /* A packet that counts towards bytes in flight was sent. */
    void (*on_packet_sent)(quic_cc *cc, size_t bytes, quic_time now);
    /* One in-flight packet of |bytes|, sent at |time_sent|, was newly
     * acknowledged. |app_limited|: the sender could not fill the window
     * (no data or flow control), so the window must not grow (RFC 9002
     * §7.8). Called after on_packets_lost for the same ACK. */
    void (*on_packet_acked)(quic_cc *cc, size_t bytes, quic_time time_sent,
                            bool app_limited, quic_time now);
    /* In-flight packets were declared lost: |bytes| in total, the newest of
     * them sent at |largest_time_sent| (RFC 9002 B.8 OnPacketsLost). */
    void (*on_packets_lost)(quic_cc *cc, uint64_t bytes,
                            quic_time largest_time_sent, quic_time now);
    /* Persistent congestion was established (RFC 9002 §7.6). */
    void (*on_persistent_congestion)(quic_cc *cc, quic_time now);
    /* The peer's ECN-CE count grew in an ACK whose largest newly
     * acknowledged packet was sent at |time_sent| (RFC 9002 B.7). */
    void (*on_ecn_ce)(quic_cc *cc, quic_time time_sent, quic_time now);
    /* May a packet be sent with |bytes_in_flight| already out? */
    bool (*can_send)(const quic_cc *cc, uint64_t bytes_in_flight);
    /* The congestion window in bytes. */
    uint64_t (*cwnd)(const quic_cc *cc);
    /* The pacing rate in bytes per second for |smoothed_rtt|, or 0 when
     * the controller has no opinion (then unpaced). */
    uint64_t (*pacing_rate)(const quic_cc *cc, quic_time smoothed_rtt);
    /* Every packet whose loss caused the last window reduction was
     * acknowledged after all (reordering, not congestion; RFC 9002 §6.1):
     * restore the state saved before that reduction, keep a window that
     * grew since if larger, and end the recovery period. Recovery calls it
     * only for a reduction caused by on_packets_lost, at most once each;
     * after persistent congestion it is a no-op. */
    void (*on_spurious_congestion)(quic_cc *cc, quic_time now);
} quic_cc_ops;

/* Every controller's state starts with this, so a quic_cc * points at it. */
struct quic_cc {
    const quic_cc_ops *ops;
};

/* RFC 9002 §7.2: min(10 × mds, max(14720, 2 × mds)). */
uint64_t quic_cc_initial_window(size_t max_datagram_size);
/* RFC 9002 §7.2: 2 × mds. */
uint64_t quic_cc_minimum_window(size_t max_datagram_size);

/* NewReno (RFC 9002 §7 and Appendix B). Embeddable; no cleanup needed. */
typedef struct quic_cc_reno {
    quic_cc base;
    size_t max_datagram_size;
    uint64_t cwnd;
    uint64_t ssthresh;        /* UINT64_MAX until the first congestion event */
    uint64_t ca_acked;        /* bytes acknowledged towards the next +1 mds in
                                 congestion avoidance (RFC 3465 §2.1) */
    quic_time recovery_start; /* valid when |in_recovery_epoch| */
    bool in_recovery_epoch;
    /* Before the last reduction, for on_spurious_congestion. */
    uint64_t undo_cwnd, undo_ssthresh;
    bool undo_valid;
} quic_cc_reno;

/* Starts NewReno in slow start with the initial window for
 * |max_datagram_size| (at least 1200). */
void quic_cc_reno_init(quic_cc_reno *reno, size_t max_datagram_size);

/* Calls through the ops table. */
static inline void quic_cc_on_packet_sent(quic_cc *cc, size_t bytes,
                                          quic_time now) {
    cc->ops->on_packet_sent(cc, bytes, now);
}
static inline uint64_t quic_cc_cwnd(const quic_cc *cc) {
    return cc->ops->cwnd(cc);
}
static inline bool quic_cc_can_send(const quic_cc *cc,
                                    uint64_t bytes_in_flight) {
    return cc->ops->can_send(cc, bytes_in_flight);
}

/* ---- CUBIC (RFC 9438) with HyStart++ (RFC 9406): core/cc_cubic.c --------
 * Added for issue 5; the NewReno API above is unchanged. */

#define QUIC_CUBIC_C 0.4    /* RFC 9438 §5.1, segments per second cubed */
#define QUIC_CUBIC_BETA 0.7 /* RFC 9438 §4.6 decrease (exact 7/10 on cwnd) */
/* RFC 9406 §4.3 constants. */
#define QUIC_HYSTART_MIN_RTT_THRESH (4 * QUIC_MS)
#define QUIC_HYSTART_MAX_RTT_THRESH (16 * QUIC_MS)
#define QUIC_HYSTART_MIN_RTT_DIVISOR 8
#define QUIC_HYSTART_N_RTT_SAMPLE 8
#define QUIC_HYSTART_CSS_GROWTH_DIVISOR 4
#define QUIC_HYSTART_CSS_ROUNDS 5

typedef enum quic_cubic_phase {
    QUIC_CUBIC_SLOW_START = 0,
    QUIC_CUBIC_CONSERVATIVE_SLOW_START = 1, /* HyStart++ CSS */
    QUIC_CUBIC_AVOIDANCE = 2,
} quic_cubic_phase;

/* CUBIC's state. Windows are in bytes (the RFC's segments × mds); the
 * cubic curve is evaluated in doubles, which is deterministic on one
 * platform. Fields are read-only outside cc_cubic.c (tests inspect them). */
/* What CUBIC restores when a reduction was spurious (RFC 9438 §4.9:
 * cwnd, ssthresh, W_max, K, the epoch start, W_est, and cwnd_prior; the
 * phase and HyStart++ state too, as a reduction in slow start ends it). */
typedef struct quic_cubic_saved {
    uint64_t cwnd, ssthresh;
    double w_max, cwnd_prior, w_est, k, growth_carry;
    quic_time epoch_start;
    int phase; /* quic_cubic_phase */
    bool hystart;
} quic_cubic_saved;

typedef struct quic_cc_cubic {
    quic_cc base;
    size_t max_datagram_size;
    uint64_t cwnd;
    uint64_t ssthresh; /* UINT64_MAX until slow start ends */
    quic_cubic_phase phase;
    double growth_carry; /* fraction of a byte of growth not yet in cwnd */
    /* RFC 9438 §4: the curve of the current congestion-avoidance epoch. */
    double w_max;          /* bytes; 0 before the first congestion event */
    double cwnd_prior;     /* cwnd just before the last reduction */
    double w_est;          /* Reno-friendly estimate (§4.3), bytes */
    double k;              /* seconds to return to w_max (§4.2) */
    quic_time epoch_start; /* QUIC_TIME_NONE: the next CA ack starts one */
    quic_time app_limited_since; /* QUIC_TIME_NONE unless app-limited */
    quic_time recovery_start;    /* valid when |in_recovery_epoch| */
    bool in_recovery_epoch;
    /* The smallest now - time_sent seen: the RTT of the "t + RTT" term
     * (RFC 9438 §4.2) and the idle-free delay floor. 0 until the first. */
    quic_time min_rtt;
    /* HyStart++ (RFC 9406 §4.2). A round ends when a packet sent at or
     * after |round_start| is acknowledged (windowEnd = SND.NXT). Minimum
     * RTTs are QUIC_TIME_NONE for "infinity". */
    bool hystart;
    quic_time round_start;
    quic_time last_round_min_rtt, current_round_min_rtt;
    quic_time css_baseline_min_rtt;
    unsigned rtt_sample_count;
    unsigned css_rounds;   /* CSS rounds begun, the partial first included */
    quic_cubic_saved undo; /* before the last reduction, if |undo_valid| */
    bool undo_valid;
} quic_cc_cubic;

/* Starts CUBIC in slow start with HyStart++ and the RFC 9002 initial window
 * for |max_datagram_size| (at least 1200). Embeddable; no cleanup needed.
 * HyStart++ takes its RTT samples from the acks (now - time_sent; the
 * round's minimum is the minimum of the ACKs' latest_rtt), so the ops table
 * needs no extra hook. */
void quic_cc_cubic_init(quic_cc_cubic *cubic, size_t max_datagram_size);

/* W_cubic(t) of RFC 9438 §4.2 in bytes, |t| seconds into the current epoch:
 * C × (t − K)³ × mds + W_max. */
double quic_cc_cubic_window_at(const quic_cc_cubic *cubic, double t);

#endif

/* core/pacer.c — leaky-bucket pacing in integer nanoseconds; it never reads
 * a clock and keeps no per-packet state. */
#include "core/pacer.h"

#define SCALE QUIC_S /* credit unit: bytes × 10^9, so rate × ns is exact */

void quic_pacer_init(quic_pacer *p, size_t max_datagram_size,
                     unsigned burst_packets) {
    if (!burst_packets)
        burst_packets = QUIC_PACER_BURST_PACKETS;
    p->max_datagram_size = max_datagram_size;
    p->rate = 0;
    p->capacity = (uint64_t)max_datagram_size * burst_packets * SCALE;
    p->min_capacity = p->capacity;
    p->credit = p->capacity;
    p->last = QUIC_TIME_NONE;
}

/* Credit at |now|: what was left plus what the rate earned, capped. */
static uint64_t credit_at(const quic_pacer *p, quic_time now) {
    if (!p->rate)
        return p->capacity;
    if (p->last == QUIC_TIME_NONE || now <= p->last)
        return p->credit;
    uint64_t room = p->capacity - p->credit, earned;
    /* Asked once or twice per packet: an overflow check, not a division. */
    if (__builtin_mul_overflow(now - p->last, p->rate, &earned) ||
        earned >= room)
        return p->capacity;
    return p->credit + earned;
}

static void refill(quic_pacer *p, quic_time now) {
    p->credit = credit_at(p, now);
    if (p->last == QUIC_TIME_NONE || now > p->last)
        p->last = now;
}

/* The bucket for the current rate (see quic_pacer_set_rate). */
static uint64_t capacity_for(const quic_pacer *p) {
    uint64_t per_burst = p->rate / (QUIC_S / QUIC_PACER_BURST_TIME);
    if (per_burst > QUIC_PACER_MAX_BURST_BYTES)
        per_burst = QUIC_PACER_MAX_BURST_BYTES;
    uint64_t c = per_burst * SCALE;
    return c > p->min_capacity ? c : p->min_capacity;
}

void quic_pacer_set_rate(quic_pacer *p, uint64_t bytes_per_second,
                         quic_time now) {
    refill(p, now);
    p->rate = bytes_per_second;
    p->capacity = capacity_for(p);
    if (p->credit > p->capacity)
        p->credit = p->capacity;
}

void quic_pacer_update(quic_pacer *p, uint64_t cwnd, quic_time smoothed_rtt,
                       quic_time now) {
    if (!smoothed_rtt) {
        quic_pacer_set_rate(p, 0, now);
        return;
    }
    uint64_t w = cwnd + cwnd / 4; /* N = 1.25 */
    /* w × 10^9 / srtt without overflowing 64 bits. */
    uint64_t q = w / smoothed_rtt, r = w % smoothed_rtt, rate;
    if (q > UINT64_MAX / SCALE / 2)
        rate = UINT64_MAX / 2;
    else if (r <= UINT64_MAX / SCALE)
        rate = q * SCALE + r * SCALE / smoothed_rtt;
    else
        rate = q * SCALE + r / (smoothed_rtt / SCALE);
    quic_pacer_set_rate(p, rate ? rate : 1, now);
}

quic_time quic_pacer_next_send_time(const quic_pacer *p, quic_time now) {
    if (!p->rate)
        return now;
    uint64_t need = (uint64_t)p->max_datagram_size * SCALE;
    uint64_t have = credit_at(p, now);
    if (have >= need)
        return now;
    /* Round up so that at the returned time the credit suffices. */
    return now + (need - have + p->rate - 1) / p->rate;
}

void quic_pacer_on_sent(quic_pacer *p, size_t bytes, quic_time now) {
    refill(p, now);
    uint64_t cost = (uint64_t)bytes * SCALE;
    p->credit = p->credit > cost ? p->credit - cost : 0;
}

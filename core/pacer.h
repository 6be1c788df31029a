/* core/pacer.h — a token-bucket pacer (RFC 9002 §7.7): when the next packet
 * may leave, from a rate of 1.25 × cwnd / smoothed_rtt with a small burst
 * allowance, in nanoseconds. It does not decide whether the window allows a
 * packet (core/cc does). Internal. */
#ifndef H3CLI_CORE_PACER_H
#define H3CLI_CORE_PACER_H

#include "core/quic.h"

#define QUIC_PACER_BURST_PACKETS 10
/* At high rates the bucket holds the bytes of QUIC_PACER_BURST_TIME of
 * sending, up to QUIC_PACER_MAX_BURST_BYTES: RFC 9002 §7.7 lets "a sender
 * with knowledge that the network path to the receiver can absorb larger
 * bursts" use a higher limit than the initial window, and a path that
 * drains a millisecond's worth of packets in a millisecond does; Linux's
 * TCP sizes its pacing bursts the same way (1 ms, 64 KB GSO). Fewer,
 * larger bursts amortise the per-call work of the send path. */
#define QUIC_PACER_BURST_TIME QUIC_MS
#define QUIC_PACER_MAX_BURST_BYTES (64 * 1024)

/* Embeddable, no cleanup. Credit is kept in bytes × 10^9 so refills at any
 * rate are exact in integer nanoseconds. */
typedef struct quic_pacer {
    size_t max_datagram_size;
    uint64_t rate;         /* bytes per second; 0 = unpaced */
    uint64_t capacity;     /* bucket size, bytes × 10^9 */
    uint64_t min_capacity; /* the burst of init, bytes × 10^9 */
    uint64_t credit;       /* bytes × 10^9 available now */
    quic_time last; /* when credit was computed; QUIC_TIME_NONE at first */
} quic_pacer;

/* Starts unpaced with a full bucket of |burst_packets| (0: the default 10)
 * datagrams of |max_datagram_size| bytes: the smallest the bucket gets
 * (see QUIC_PACER_BURST_TIME). */
void quic_pacer_init(quic_pacer *p, size_t max_datagram_size,
                     unsigned burst_packets);

/* Sets the rate to N × |cwnd| / |smoothed_rtt| with N = 1.25 (RFC 9002
 * §7.7); |smoothed_rtt| 0 makes it unpaced. Credit earned at the old rate
 * up to |now| is kept. */
void quic_pacer_update(quic_pacer *p, uint64_t cwnd, quic_time smoothed_rtt,
                       quic_time now);

/* Sets the rate in bytes per second directly (a controller's own pacing
 * rate); 0 = unpaced. The bucket holds max(the initial burst, min(the
 * bytes of QUIC_PACER_BURST_TIME at this rate, QUIC_PACER_MAX_BURST_BYTES));
 * credit beyond a smaller bucket is dropped. */
void quic_pacer_set_rate(quic_pacer *p, uint64_t bytes_per_second,
                         quic_time now);

/* The earliest time at or after |now| a full-sized packet may be sent. */
quic_time quic_pacer_next_send_time(const quic_pacer *p, quic_time now);

/* Spends credit for a packet of |bytes| sent at |now| (ACK-only packets
 * need not be paced, RFC 9002 §7.7). */
void quic_pacer_on_sent(quic_pacer *p, size_t bytes, quic_time now);

#endif

/* tests/unit/support/netsim.h — a simulated one-way UDP path for pair tests:
 * virtual time, propagation delay, a bottleneck rate with a drop-tail queue,
 * and seeded loss, reordering, duplication and corruption. No sockets, no
 * clock: the same seed gives the same run. */
#ifndef H3CLI_TESTS_NETSIM_H
#define H3CLI_TESTS_NETSIM_H

#include "core/quic.h"

/* splitmix64: small, fast, good enough for test decisions. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

void test_rng_seed(test_rng *rng, uint64_t seed);
uint64_t test_rng_next(test_rng *rng);
/* Uniform in [0, 1). */
double test_rng_unit(test_rng *rng);
/* Uniform in [0, n), n > 0. */
uint64_t test_rng_below(test_rng *rng, uint64_t n);
/* A seed from the environment variable |name| if set (decimal or 0x hex),
 * else |fallback|. */
uint64_t test_seed_from_env(const char *name, uint64_t fallback);

typedef struct netsim_config {
    quic_time delay;         /* one-way propagation delay */
    uint64_t rate_bps;       /* bottleneck rate; 0 = unlimited */
    size_t queue_bytes;      /* bottleneck queue; 0 = unlimited */
    double loss;             /* probability a datagram is dropped */
    double reorder;          /* probability it is delayed extra */
    quic_time reorder_delay; /* the extra delay of a reordered one */
    double duplicate;        /* probability it is delivered twice */
    double corrupt;          /* probability one bit of it is flipped */
} netsim_config;

typedef struct netsim_packet {
    quic_time arrival;
    uint64_t seq; /* ties broken by send order */
    size_t len;
    uint8_t *data;
} netsim_packet;

typedef struct netsim_stats {
    uint64_t sent, sent_bytes;
    uint64_t delivered, delivered_bytes;
    uint64_t lost, queue_dropped, duplicated, corrupted, reordered;
} netsim_stats;

typedef struct netsim_link {
    netsim_config cfg;
    test_rng *rng;
    netsim_packet *heap; /* min-heap by (arrival, seq) */
    size_t n, cap;
    uint64_t next_seq;
    quic_time link_free_at; /* when the bottleneck finishes its queue */
    netsim_stats stats;
} netsim_link;

void netsim_init(netsim_link *link, const netsim_config *cfg, test_rng *rng);
void netsim_cleanup(netsim_link *link);

/* Offers a datagram to the link at |now| (copied). */
void netsim_send(netsim_link *link, quic_time now, const uint8_t *data,
                 size_t len);

/* Arrival time of the next datagram, or QUIC_TIME_NONE. */
quic_time netsim_next_arrival(const netsim_link *link);

/* Pops the next datagram that has arrived by |now| into |buf| (capacity
 * |cap|); returns its length, or 0 if none has arrived. */
size_t netsim_receive(netsim_link *link, quic_time now, uint8_t *buf,
                      size_t cap);

#endif

/* tests/unit/support/netsim.c — the simulated UDP path of pair tests. */
#include "netsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void test_rng_seed(test_rng *rng, uint64_t seed) {
    rng->state = seed;
}

uint64_t test_rng_next(test_rng *rng) {
    uint64_t z = (rng->state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

double test_rng_unit(test_rng *rng) {
    return (double)(test_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

uint64_t test_rng_below(test_rng *rng, uint64_t n) {
    return test_rng_next(rng) % n;
}

uint64_t test_seed_from_env(const char *name, uint64_t fallback) {
    const char *v = getenv(name);
    if (!v || !*v)
        return fallback;
    return strtoull(v, NULL, 0);
}

void netsim_init(netsim_link *link, const netsim_config *cfg, test_rng *rng) {
    memset(link, 0, sizeof(*link));
    link->cfg = *cfg;
    link->rng = rng;
}

void netsim_cleanup(netsim_link *link) {
    for (size_t i = 0; i < link->n; i++)
        free(link->heap[i].data);
    free(link->heap);
    memset(link, 0, sizeof(*link));
}

static bool earlier(const netsim_packet *a, const netsim_packet *b) {
    return a->arrival < b->arrival ||
           (a->arrival == b->arrival && a->seq < b->seq);
}

static void heap_push(netsim_link *link, netsim_packet pkt) {
    if (link->n == link->cap) {
        link->cap = link->cap ? 2 * link->cap : 64;
        link->heap = realloc(link->heap, link->cap * sizeof(*link->heap));
        if (!link->heap) {
            fprintf(stderr, "netsim: out of memory\n");
            abort();
        }
    }
    size_t i = link->n++;
    link->heap[i] = pkt;
    while (i > 0 && earlier(&link->heap[i], &link->heap[(i - 1) / 2])) {
        netsim_packet t = link->heap[i];
        link->heap[i] = link->heap[(i - 1) / 2];
        link->heap[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

static netsim_packet heap_pop(netsim_link *link) {
    netsim_packet top = link->heap[0];
    link->heap[0] = link->heap[--link->n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < link->n && earlier(&link->heap[l], &link->heap[m]))
            m = l;
        if (r < link->n && earlier(&link->heap[r], &link->heap[m]))
            m = r;
        if (m == i)
            break;
        netsim_packet t = link->heap[i];
        link->heap[i] = link->heap[m];
        link->heap[m] = t;
        i = m;
    }
    return top;
}

static void schedule(netsim_link *link, quic_time arrival, const uint8_t *data,
                     size_t len) {
    netsim_packet pkt = {arrival, link->next_seq++, len, malloc(len ? len : 1)};
    if (!pkt.data) {
        fprintf(stderr, "netsim: out of memory\n");
        abort();
    }
    memcpy(pkt.data, data, len);
    if (len && test_rng_unit(link->rng) < link->cfg.corrupt) {
        size_t bit = (size_t)test_rng_below(link->rng, len * 8);
        pkt.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        link->stats.corrupted++;
    }
    heap_push(link, pkt);
}

void netsim_send(netsim_link *link, quic_time now, const uint8_t *data,
                 size_t len) {
    const netsim_config *c = &link->cfg;
    link->stats.sent++;
    link->stats.sent_bytes += len;
    /* The bottleneck: serialise at rate_bps behind what is already queued;
     * drop-tail when the queue holds more than queue_bytes. */
    quic_time depart = now;
    if (c->rate_bps) {
        if (link->link_free_at < now)
            link->link_free_at = now;
        quic_time backlog = link->link_free_at - now;
        uint64_t queued = backlog * c->rate_bps / 8 / QUIC_S;
        if (c->queue_bytes && queued + len > c->queue_bytes) {
            link->stats.queue_dropped++;
            return;
        }
        link->link_free_at += (quic_time)len * 8 * QUIC_S / c->rate_bps;
        depart = link->link_free_at;
    }
    if (test_rng_unit(link->rng) < c->loss) {
        link->stats.lost++;
        return;
    }
    quic_time arrival = depart + c->delay;
    if (test_rng_unit(link->rng) < c->reorder) {
        arrival += c->reorder_delay;
        link->stats.reordered++;
    }
    schedule(link, arrival, data, len);
    if (test_rng_unit(link->rng) < c->duplicate) {
        link->stats.duplicated++;
        schedule(link, arrival + QUIC_US, data, len);
    }
}

quic_time netsim_next_arrival(const netsim_link *link) {
    return link->n ? link->heap[0].arrival : QUIC_TIME_NONE;
}

size_t netsim_receive(netsim_link *link, quic_time now, uint8_t *buf,
                      size_t cap) {
    if (!link->n || link->heap[0].arrival > now)
        return 0;
    netsim_packet pkt = heap_pop(link);
    size_t len = pkt.len < cap ? pkt.len : cap;
    memcpy(buf, pkt.data, len);
    free(pkt.data);
    link->stats.delivered++;
    link->stats.delivered_bytes += len;
    return len;
}

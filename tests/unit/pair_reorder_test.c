/* tests/unit/pair_reorder_test.c — a bulk upload over a link that reorders
 * heavily (RFC 9002 §6.1: spurious losses raise the reordering thresholds
 * and undo the window reduction they caused). The client sends 8 MB to the
 * server over 10 ms each way at 100 Mbit/s; with a fifth of the datagrams
 * held back 8 ms in both directions, the transfer must take at most 1.25x
 * the virtual time of the same link without reordering, and the client's
 * statistics must show the spurious losses it detected. With real loss on
 * top, the losses the link made must still be declared (not taken for
 * reordering), their window reductions kept, and the data still arrive
 * byte-exact. Each case runs over
 * PAIR_SEEDS seeds (default 5); a failure prints the seed (PAIR_SEED
 * replays it), PAIR_VERBOSE prints the figures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define SIZE (8u * 1024 * 1024)

typedef struct upload {
    uint8_t *src;
    quic_time elapsed;  /* virtual time from the first byte queued to FIN */
    quic_conn_stats st; /* the client's, at the end */
    uint64_t wire_lost; /* datagrams the client->server link dropped, at
                           random or from its full queue */
} upload;

static upload run_upload(uint64_t seed, const netsim_config *link,
                         const uint8_t *src) {
    pair p;
    upload u;
    memset(&u, 0, sizeof(u));
    pair_init(&p, seed, link, link);
    p.client.cfg.max_data_window = p.server.cfg.max_data_window = 16u << 20;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_upload(&p, src, SIZE, 120 * QUIC_S, &u.elapsed);
    if (!ok || p.client.terminated || p.server.terminated)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    pair_stream *s = pair_stream_get(&p.server, 0);
    assert_non_null(s);
    assert_int_equal(s->len, SIZE);
    assert_memory_equal(s->data, src, SIZE);
    quic_conn_get_stats(p.client.conn, &u.st);
    u.wire_lost = p.c2s.stats.lost + p.c2s.stats.queue_dropped;
    pair_cleanup(&p);
    return u;
}

static size_t seeds(void) {
    return pair_seed_count(5);
}

static const netsim_config clean = {
    .delay = 10 * QUIC_MS, .rate_bps = 100000000, .queue_bytes = 512 * 1024};

static netsim_config reordering(void) {
    netsim_config c = clean;
    c.reorder = 0.2;
    c.reorder_delay = 8 * QUIC_MS;
    return c;
}

static uint8_t *make_source(void) {
    uint8_t *src = pair_pattern_new(SIZE);
    assert_non_null(src);
    return src;
}

static void verbose(const char *what, uint64_t seed, const upload *u) {
    if (!getenv("PAIR_VERBOSE"))
        return;
    fprintf(stderr,
            "  %s seed %llu: %.3f s, lost %llu (spurious %llu), wire lost "
            "%llu, cwnd %llu\n",
            what, (unsigned long long)seed, (double)u->elapsed / QUIC_S,
            (unsigned long long)u->st.packets_lost,
            (unsigned long long)u->st.packets_spuriously_lost,
            (unsigned long long)u->wire_lost, (unsigned long long)u->st.cwnd);
}

/* Reordering alone: nearly as fast as the clean link, and the losses the
 * sender declared are the link's queue drops (slow start overshoots the
 * 512 KB queue on both links) plus spurious ones it recognised. */
static void test_pair_reorder_heavy_reordering_near_clean_speed(void **state) {
    (void)state;
    uint8_t *src = make_source();
    netsim_config r = reordering();
    for (size_t i = 0; i < seeds(); i++) {
        uint64_t seed = 0x5e0d0000 + i;
        upload base = run_upload(seed, &clean, src);
        upload re = run_upload(seed, &r, src);
        verbose("clean", seed, &base);
        verbose("reordered", seed, &re);
        assert_int_equal(base.st.packets_spuriously_lost, 0);
        /* Reordering made the sender declare losses that it then found to
         * be spurious; the others are the queue's drops. */
        assert_true(re.st.packets_spuriously_lost > 0);
        assert_true(re.st.packets_lost - re.st.packets_spuriously_lost >=
                    re.wire_lost);
        if (re.elapsed > base.elapsed + base.elapsed / 4) {
            fprintf(stderr, "seed %llu: %.3f s reordered vs %.3f s clean\n",
                    (unsigned long long)seed, (double)re.elapsed / QUIC_S,
                    (double)base.elapsed / QUIC_S);
            fail();
        }
    }
    free(src);
}

/* Real loss with the reordering: the link's drops are still declared lost
 * (not excused as reordering), and the data arrives byte-exact. */
static void test_pair_reorder_real_loss_still_detected(void **state) {
    (void)state;
    uint8_t *src = make_source();
    netsim_config r = reordering();
    r.loss = 0.02;
    for (size_t i = 0; i < seeds(); i++) {
        uint64_t seed = 0x5e0d1000 + i;
        upload u = run_upload(seed, &r, src);
        verbose("reordered+2% loss", seed, &u);
        assert_true(u.wire_lost > 0);
        uint64_t real = u.st.packets_lost - u.st.packets_spuriously_lost;
        /* Every datagram the link dropped carried data the server needed:
         * each was declared lost (a few ACK-only or probe datagrams may be
         * among the drops, hence the slack). */
        assert_true(real >= u.wire_lost - u.wire_lost / 10);
        assert_true(u.st.packets_spuriously_lost > 0);
        /* The real losses kept their window reductions (none was undone
         * as spurious): the window ends near 10-20 KB here, against over
         * 550 KB on the same link without loss. */
        assert_true(u.st.cwnd < 128 * 1024);
    }
    free(src);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_reorder_heavy_reordering_near_clean_speed),
        cmocka_unit_test(test_pair_reorder_real_loss_still_detected),
    };
    return cmocka_run_group_tests_name("pair_reorder", tests, NULL, NULL);
}

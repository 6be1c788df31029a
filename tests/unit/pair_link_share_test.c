/* tests/unit/pair_link_share_test.c — how much of a 100 Mbit/s, 40 ms RTT
 * link one connection uses for a 16 MB upload, on the simulated wire of
 * pair.h (the real client and server connections, slow start, HyStart++,
 * pacing, ACKs and recovery included; only the link is simulated).
 *
 * - Without random loss (the 625 KB drop-tail queue is the only loss) and
 *   with rare loss (0.01 %), CUBIC moves the 16 MB at >= 80 % of the link.
 * - At 1 % random loss in both directions no loss-based controller gets
 *   near that: each loss is a congestion signal (RFC 9002 §7), so the
 *   window follows the response function, about 1.22 / sqrt(p) = 12
 *   segments per RTT for Reno (Mathis et al.), ~3.5 % of this link; CUBIC's
 *   Reno-friendly region (RFC 9438 §4.3) puts it within a small factor of
 *   that. The test checks the transfer is byte-exact, that CUBIC does at
 *   least as well as NewReno over the same seeds, and that its share sits
 *   in that band — and prints the figures.
 *
 * Each case runs over PAIR_SEEDS seeds (default 3); a failure prints the
 * seed (PAIR_SEED replays it), PAIR_VERBOSE prints every run. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define SIZE (16u * 1000 * 1000)
#define LINK_BPS 100000000u

typedef struct upload {
    double share;       /* goodput / link rate */
    quic_time elapsed;  /* virtual time from the first byte queued to FIN */
    quic_conn_stats st; /* the client's, at the end */
} upload;

static upload run_upload(uint64_t seed, const netsim_config *link,
                         quic_cc_algorithm cc, const uint8_t *src) {
    pair p;
    upload u;
    memset(&u, 0, sizeof(u));
    pair_init(&p, seed, link, link);
    p.client.cfg.cc = p.server.cfg.cc = cc;
    /* Flow control is not what is measured: windows above the transfer. */
    p.client.cfg.max_data_window = p.server.cfg.max_data_window = 16u << 20;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_upload(&p, src, SIZE, 300 * QUIC_S, &u.elapsed);
    if (!ok || p.client.terminated || p.server.terminated)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    pair_stream *s = pair_stream_get(&p.server, 0);
    assert_non_null(s);
    assert_int_equal(s->len, SIZE);
    assert_memory_equal(s->data, src, SIZE);
    u.share = (double)SIZE * 8 / ((double)u.elapsed / QUIC_S) / LINK_BPS;
    quic_conn_get_stats(p.client.conn, &u.st);
    pair_cleanup(&p);
    return u;
}

static size_t seeds(void) {
    return pair_seed_count(3);
}

/* 20 ms each way, 100 Mbit/s, a queue of 1.25 bandwidth-delay products. */
static netsim_config link_with_loss(double loss) {
    netsim_config c = {.delay = 20 * QUIC_MS,
                       .rate_bps = LINK_BPS,
                       .queue_bytes = 625 * 1000,
                       .loss = loss};
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
            "  %s seed %llu: %.2f s, %.1f %% of the link, lost %llu of %llu "
            "packets, cwnd %llu\n",
            what, (unsigned long long)seed, (double)u->elapsed / QUIC_S,
            u->share * 100, (unsigned long long)u->st.packets_lost,
            (unsigned long long)u->st.packets_sent,
            (unsigned long long)u->st.cwnd);
}

/* The queue's drops only, then 0.01 % random loss: >= 80 % of the link. */
static void test_pair_link_share_cubic_fills_the_link(void **state) {
    (void)state;
    uint8_t *src = make_source();
    const double losses[] = {0, 0.0001};
    for (size_t l = 0; l < sizeof(losses) / sizeof(losses[0]); l++) {
        netsim_config link = link_with_loss(losses[l]);
        for (size_t i = 0; i < seeds(); i++) {
            uint64_t seed = 0x11a0000 + l * 0x100 + i;
            upload u = run_upload(seed, &link, QUIC_CC_CUBIC, src);
            verbose(l == 0 ? "CUBIC, no random loss" : "CUBIC, 0.01% loss",
                    seed, &u);
            if (u.share < 0.80) {
                fprintf(stderr, "seed 0x%llx, loss %g: %.1f %% of the link\n",
                        (unsigned long long)seed, losses[l], u.share * 100);
                fail();
            }
        }
    }
    free(src);
}

/* 1 % random loss both ways: the response function, not the link, sets
 * the rate (see the file comment). */
static void
test_pair_link_share_one_percent_loss_response_function(void **state) {
    (void)state;
    uint8_t *src = make_source();
    netsim_config link = link_with_loss(0.01);
    double cubic = 0, reno = 0;
    size_t n = seeds();
    for (size_t i = 0; i < n; i++) {
        uint64_t seed = 0x11a1000 + i;
        upload c = run_upload(seed, &link, QUIC_CC_CUBIC, src);
        upload r = run_upload(seed, &link, QUIC_CC_RENO, src);
        verbose("CUBIC, 1% loss", seed, &c);
        verbose("NewReno, 1% loss", seed, &r);
        assert_true(c.st.packets_lost > 0);
        cubic += c.share / (double)n;
        reno += r.share / (double)n;
    }
    double mss = 1200; /* quic_config's default max_datagram_size floor */
    double mathis = 1.22 / sqrt(0.01) * mss * 8 / 0.040 / LINK_BPS;
    printf("16 MB at 1%% loss, 100 Mbit/s, 40 ms: CUBIC %.1f %%, NewReno "
           "%.1f %%, Mathis (1200 B) %.1f %% of the link\n",
           cubic * 100, reno * 100, mathis * 100);
    assert_true(cubic >= reno);
    assert_true(cubic > mathis / 2 && cubic < mathis * 6);
    free(src);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_link_share_cubic_fills_the_link),
        cmocka_unit_test(
            test_pair_link_share_one_percent_loss_response_function),
    };
    return cmocka_run_group_tests_name("pair_link_share", tests, NULL, NULL);
}

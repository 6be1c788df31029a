/* tests/unit/pair_transfer_test.c — bulk transfers between a client and a
 * server connection in memory: 1 MB and 16 MB, on 1 and on 100 concurrent
 * streams, byte-exact, over clean links and at 5% and 20% loss with
 * reordering, with duplication, and with corruption (dropped by the AEAD).
 * Every lossy case runs over PAIR_SEEDS seeds (default 20); a failure prints
 * the seed to replay with PAIR_SEED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define MB (1024 * 1024)

/* The bytes of stream |id| at |offset|: cheap, and different per stream
 * and position so a misplaced byte is caught. */
static uint8_t pattern(uint64_t id, uint64_t offset) {
    uint64_t x = (id + 1) * 0x9E3779B97F4A7C15ull ^ (offset / 8);
    x ^= x >> 29;
    return (uint8_t)(x >> (8 * (offset % 8)));
}

typedef struct transfer {
    size_t n_streams;
    size_t bytes_per_stream;
    uint8_t *src; /* one buffer per stream, referenced, never copied */
    size_t released;
} transfer;

static void on_release(void *arg) {
    ((transfer *)arg)->released++;
}

static bool all_received(pair *p, void *arg) {
    transfer *t = arg;
    size_t done = 0;
    for (size_t i = 0; i < p->server.n_streams; i++)
        done += p->server.streams[i].fin;
    return done == t->n_streams || p->client.terminated || p->server.terminated;
}

static void check_received(pair *p, const transfer *t) {
    assert_int_equal(p->server.n_streams, t->n_streams);
    for (size_t s = 0; s < t->n_streams; s++) {
        uint64_t id = 4 * s;
        pair_stream *ps = pair_stream_get(&p->server, id);
        assert_non_null(ps);
        assert_true(ps->fin);
        assert_int_equal(ps->len, t->bytes_per_stream);
        const uint8_t *want = t->src + s * t->bytes_per_stream;
        if (memcmp(ps->data, want, ps->len) != 0) {
            size_t i = 0;
            while (ps->data[i] == want[i])
                i++;
            fprintf(stderr, "stream %llu differs at byte %zu\n",
                    (unsigned long long)id, i);
            fail();
        }
    }
}

/* Runs one transfer of |total| bytes over |n_streams| streams from client
 * to server with the link |link| in both directions. */
static void run_transfer(uint64_t seed, size_t total, size_t n_streams,
                         const netsim_config *link) {
    pair p;
    transfer t;
    memset(&t, 0, sizeof(t));
    t.n_streams = n_streams;
    t.bytes_per_stream = total / n_streams;
    t.src = malloc(total);
    assert_non_null(t.src);
    for (size_t s = 0; s < n_streams; s++)
        for (size_t i = 0; i < t.bytes_per_stream; i++)
            t.src[s * t.bytes_per_stream + i] = pattern(4 * s, i);
    pair_init(&p, seed, link, link);
    p.client.cfg.max_streams_bidi = 128;
    p.server.cfg.max_streams_bidi = 128;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S);
    for (size_t s = 0; ok && s < n_streams; s++) {
        int rc = quic_conn_send_stream_data_ref(
            p.client.conn, 4 * s, t.src + s * t.bytes_per_stream,
            t.bytes_per_stream, true, on_release, &t);
        ok = rc == 0;
    }
    ok = ok && pair_run(&p, all_received, &t, 600 * QUIC_S);
    if (!ok || p.client.terminated || p.server.terminated)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    check_received(&p, &t);
    if (getenv("PAIR_VERBOSE"))
        fprintf(stderr,
                "  %zu bytes / %zu streams: %.3f s virtual, client sent %llu "
                "datagrams (%llu lost on the wire), server %llu\n",
                total, n_streams, (double)p.now / 1e9,
                (unsigned long long)p.client.datagrams_sent,
                (unsigned long long)p.c2s.stats.lost,
                (unsigned long long)p.server.datagrams_sent);
    pair_cleanup(&p);
    /* every referenced buffer was released, once */
    assert_int_equal(t.released, n_streams);
    free(t.src);
}

static size_t seeds(void) {
    return pair_seed_count(20);
}

static const netsim_config clean = {
    .delay = 10 * QUIC_MS, .rate_bps = 200000000, .queue_bytes = 512 * 1024};

static netsim_config lossy(double loss) {
    netsim_config c = clean;
    c.loss = loss;
    c.reorder = 0.05;
    c.reorder_delay = 5 * QUIC_MS;
    return c;
}

static void test_pair_transfer_1mb_one_stream_clean(void **state) {
    (void)state;
    run_transfer(1, 1 * MB, 1, &clean);
}

static void test_pair_transfer_16mb_one_stream_clean(void **state) {
    (void)state;
    run_transfer(2, 16 * MB, 1, &clean);
}

static void test_pair_transfer_1mb_100_streams_clean(void **state) {
    (void)state;
    run_transfer(3, 1 * MB, 100, &clean);
}

static void test_pair_transfer_16mb_100_streams_clean(void **state) {
    (void)state;
    run_transfer(4, 16 * MB, 100, &clean);
}

/* The lossy cases: every seed from 100 on, PAIR_SEEDS of them. */
static void run_seeds(size_t total, size_t n_streams, const netsim_config *c) {
    size_t n = seeds();
    for (size_t i = 0; i < n; i++)
        run_transfer(100 + i, total, n_streams, c);
}

static void test_pair_transfer_1mb_one_stream_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    run_seeds(1 * MB, 1, &c);
}

static void test_pair_transfer_1mb_one_stream_loss20(void **state) {
    (void)state;
    netsim_config c = lossy(0.20);
    run_seeds(1 * MB, 1, &c);
}

static void test_pair_transfer_1mb_100_streams_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    run_seeds(1 * MB, 100, &c);
}

static void test_pair_transfer_1mb_100_streams_loss20(void **state) {
    (void)state;
    netsim_config c = lossy(0.20);
    run_seeds(1 * MB, 100, &c);
}

static void test_pair_transfer_16mb_one_stream_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    run_seeds(16 * MB, 1, &c);
}

static void test_pair_transfer_16mb_one_stream_loss20(void **state) {
    (void)state;
    netsim_config c = lossy(0.20);
    run_seeds(16 * MB, 1, &c);
}

static void test_pair_transfer_16mb_100_streams_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    run_seeds(16 * MB, 100, &c);
}

static void test_pair_transfer_16mb_100_streams_loss20(void **state) {
    (void)state;
    netsim_config c = lossy(0.20);
    run_seeds(16 * MB, 100, &c);
}

static void test_pair_transfer_1mb_duplication(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    c.duplicate = 0.10;
    run_seeds(1 * MB, 100, &c);
}

static void test_pair_transfer_1mb_corruption_dropped_by_aead(void **state) {
    (void)state;
    netsim_config c = clean;
    c.corrupt = 0.05;
    run_seeds(1 * MB, 10, &c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_transfer_1mb_one_stream_clean),
        cmocka_unit_test(test_pair_transfer_16mb_one_stream_clean),
        cmocka_unit_test(test_pair_transfer_1mb_100_streams_clean),
        cmocka_unit_test(test_pair_transfer_16mb_100_streams_clean),
        cmocka_unit_test(test_pair_transfer_1mb_one_stream_loss5),
        cmocka_unit_test(test_pair_transfer_1mb_one_stream_loss20),
        cmocka_unit_test(test_pair_transfer_1mb_100_streams_loss5),
        cmocka_unit_test(test_pair_transfer_1mb_100_streams_loss20),
        cmocka_unit_test(test_pair_transfer_16mb_one_stream_loss5),
        cmocka_unit_test(test_pair_transfer_16mb_one_stream_loss20),
        cmocka_unit_test(test_pair_transfer_16mb_100_streams_loss5),
        cmocka_unit_test(test_pair_transfer_16mb_100_streams_loss20),
        cmocka_unit_test(test_pair_transfer_1mb_duplication),
        cmocka_unit_test(test_pair_transfer_1mb_corruption_dropped_by_aead),
    };
    return cmocka_run_group_tests_name("pair_transfer", tests, NULL, NULL);
}

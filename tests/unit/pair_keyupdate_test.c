/* tests/unit/pair_keyupdate_test.c — key updates at volume (RFC 9001 §6):
 * 16 MB each way at once on one bidirectional stream, both sides starting a
 * key update every 1,000 packets they send (quic_config.key_update_interval),
 * over a clean link and over one that loses and reorders; every byte
 * arrives in order and the key phase changed many times on both sides.
 * Seeded (PAIR_SEED). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/conn_internal.h"
#include "pair.h"

#define MB (1024 * 1024)
#define TRANSFER (16 * MB)

static uint8_t pattern(uint64_t dir, size_t i) {
    uint64_t x = (i / 8 + 1) * 0x9E3779B97F4A7C15ull ^ (dir << 40);
    x ^= x >> 29;
    return (uint8_t)(x >> (8 * (i % 8)));
}

static bool both_received(pair *p, void *arg) {
    (void)arg;
    pair_stream *up = pair_stream_get(&p->server, 0);
    pair_stream *down = pair_stream_get(&p->client, 0);
    return (up && up->fin && down && down->fin) || p->client.terminated ||
           p->server.terminated;
}

static bool server_saw_stream(pair *p, void *arg) {
    (void)arg;
    return pair_stream_get(&p->server, 0) != NULL || p->client.terminated ||
           p->server.terminated;
}

static void check(const pair_stream *s, uint64_t dir) {
    assert_non_null(s);
    assert_true(s->fin);
    assert_int_equal(s->len, TRANSFER);
    for (size_t i = 0; i < TRANSFER; i++)
        if (s->data[i] != pattern(dir, i))
            fail_msg("direction %llu differs at byte %zu",
                     (unsigned long long)dir, i);
}

static void run(uint64_t seed, const netsim_config *link) {
    uint8_t *up = malloc(TRANSFER), *down = malloc(TRANSFER);
    assert_non_null(up);
    assert_non_null(down);
    for (size_t i = 0; i < TRANSFER; i++) {
        up[i] = pattern(0, i);
        down[i] = pattern(1, i);
    }
    pair p;
    pair_init(&p, seed, link, link);
    p.client.cfg.key_update_interval = 1000;
    p.server.cfg.key_update_interval = 1000;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 10 * QUIC_S);
    ok = ok &&
         quic_conn_send_stream_data(p.client.conn, 0, up, TRANSFER, true) == 0;
    /* The server answers on the stream the client opened, once it has
     * seen it. */
    ok = ok && pair_run(&p, server_saw_stream, NULL, 5 * QUIC_S);
    ok = ok && quic_conn_send_stream_data(p.server.conn, 0, down, TRANSFER,
                                          true) == 0;
    ok = ok && pair_run(&p, both_received, NULL, 600 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated || p.server.terminated);
    check(pair_stream_get(&p.server, 0), 0);
    check(pair_stream_get(&p.client, 0), 1);
    /* About 14,000 packets each way: a dozen phases or more, each side
     * starting some and following the others'. */
    quic_conn *c = p.client.conn, *s = p.server.conn;
    if (getenv("PAIR_VERBOSE"))
        fprintf(stderr, "  key phases: client %llu, server %llu\n",
                (unsigned long long)c->key_updates,
                (unsigned long long)s->key_updates);
    assert_true(c->key_updates >= 10);
    assert_true(s->key_updates >= 10);
    pair_cleanup(&p);
    free(up);
    free(down);
}

static void test_pair_16mb_each_way_key_update_every_1000_packets(void **st) {
    (void)st;
    static const netsim_config clean = {.delay = 10 * QUIC_MS,
                                        .rate_bps = 200000000,
                                        .queue_bytes = 1024 * 1024};
    run(0x6b1000, &clean);
}

static void test_pair_16mb_each_way_key_updates_lossy(void **st) {
    (void)st;
    static const netsim_config lossy = {.delay = 10 * QUIC_MS,
                                        .rate_bps = 200000000,
                                        .queue_bytes = 1024 * 1024,
                                        .loss = 0.01,
                                        .reorder = 0.02,
                                        .reorder_delay = 5 * QUIC_MS};
    run(0x6b1001, &lossy);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_16mb_each_way_key_update_every_1000_packets),
        cmocka_unit_test(test_pair_16mb_each_way_key_updates_lossy),
    };
    return cmocka_run_group_tests_name("pair_keyupdate", tests, NULL, NULL);
}

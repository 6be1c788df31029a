/* tests/unit/pair_cipher_test.c — the TLS 1.3 cipher suite a pair ends up
 * with: a client that prefers ChaCha20-Poly1305 gets it from a server with
 * the default list, both sides report it (quic_conn_get_stats and the
 * client's key log), and a 1 MB transfer under ChaCha20 packet and header
 * protection (RFC 9001 §5.3, §5.4.4) arrives byte-exact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define TLS_AES_128_GCM_SHA256 0x1301
#define TLS_AES_256_GCM_SHA384 0x1302
#define TLS_CHACHA20_POLY1305_SHA256 0x1303
#define TRANSFER (1024 * 1024)

static const netsim_config link = {
    .delay = 10 * QUIC_MS, .rate_bps = 200000000, .queue_bytes = 512 * 1024};

/* The first 64 hex digits of a key-log secret tell its length: SHA-256
 * suites log 32-byte secrets (64 hex digits), SHA-384 48 (96). */
typedef struct keylog_seen {
    size_t lines;
    size_t secret_hex_len;
} keylog_seen;

static void on_keylog(void *user, const char *line) {
    keylog_seen *k = user;
    const char *last = strrchr(line, ' ');
    k->lines++;
    if (last)
        k->secret_hex_len = strlen(last + 1);
}

static uint8_t pattern(size_t i) {
    uint64_t x = (i / 8 + 1) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    return (uint8_t)(x >> (8 * (i % 8)));
}

static bool received_all(pair *p, void *arg) {
    (void)arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return (s && s->fin) || p->client.terminated || p->server.terminated;
}

/* Runs a pair whose client offers |client_suites| and whose server offers
 * |server_suites| (NULL: the default list); returns both sides' suites. */
static void handshake(pair *p, uint64_t seed, const char *client_suites,
                      const char *server_suites, keylog_seen *keys) {
    pair_init(p, seed, &link, &link);
    p->client.cfg.cipher_suites = client_suites;
    p->server.cfg.cipher_suites = server_suites;
    p->client.cfg.keylog = on_keylog;
    p->client.cfg.sink_user = keys;
    assert_int_equal(pair_start(p), 0);
    bool ok = pair_run(p, pair_handshake_done, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(p);
    assert_true(ok);
}

static uint16_t suite_of(const pair_side *side) {
    quic_conn_stats st;
    quic_conn_get_stats(side->conn, &st);
    return st.cipher_suite;
}

static void test_pair_client_preferring_chacha20_gets_it(void **state) {
    (void)state;
    pair p;
    keylog_seen keys = {0, 0};
    uint8_t *src = malloc(TRANSFER);
    assert_non_null(src);
    for (size_t i = 0; i < TRANSFER; i++)
        src[i] = pattern(i);
    /* ChaCha20 first, AES after it: the client's preference decides
     * (RFC 8446 §4.1.1 leaves the choice to the server, which follows the
     * client's order when it has none of its own). */
    handshake(&p, 0xc4ac4a20,
              "TLS13-CHACHA20-POLY1305-SHA256:TLS13-AES128-GCM-SHA256:"
              "TLS13-AES256-GCM-SHA384",
              NULL, &keys);
    assert_int_equal(suite_of(&p.client), TLS_CHACHA20_POLY1305_SHA256);
    assert_int_equal(suite_of(&p.server), TLS_CHACHA20_POLY1305_SHA256);
    /* Handshake and application secrets, all of SHA-256 length. */
    assert_true(keys.lines >= 4);
    assert_int_equal(keys.secret_hex_len, 64);

    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, src, TRANSFER, true), 0);
    bool ok = pair_run(&p, received_all, NULL, 60 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    pair_stream *s = pair_stream_get(&p.server, 0);
    assert_int_equal(s->len, TRANSFER);
    assert_memory_equal(s->data, src, TRANSFER);
    pair_cleanup(&p);
    free(src);
}

/* The same server with a client that lists AES-128 first gets AES-128:
 * the choice above came from the client's order, not from the server. */
static void test_pair_client_preferring_aes_gets_aes(void **state) {
    (void)state;
    pair p;
    keylog_seen keys = {0, 0};
    handshake(&p, 0xae5128,
              "TLS13-AES128-GCM-SHA256:TLS13-CHACHA20-POLY1305-SHA256", NULL,
              &keys);
    assert_int_equal(suite_of(&p.client), TLS_AES_128_GCM_SHA256);
    assert_int_equal(suite_of(&p.server), TLS_AES_128_GCM_SHA256);
    pair_cleanup(&p);
}

/* A client that offers only ChaCha20 to a server that offers only AES
 * fails the handshake with handshake_failure (alert 40) on both sides. */
static void test_pair_no_common_suite_fails(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 0x5117e5, &link, &link);
    p.client.cfg.cipher_suites = "TLS13-CHACHA20-POLY1305-SHA256";
    p.server.cfg.cipher_suites = "TLS13-AES128-GCM-SHA256";
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_both_terminated, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.handshake_completed);
    assert_int_equal(
        p.server.terminated_event.u.connection_terminated.error_code,
        QUIC_CRYPTO_ERROR(40));
    assert_true(p.client.terminated_event.u.connection_terminated.by_peer);
    pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_client_preferring_chacha20_gets_it),
        cmocka_unit_test(test_pair_client_preferring_aes_gets_aes),
        cmocka_unit_test(test_pair_no_common_suite_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

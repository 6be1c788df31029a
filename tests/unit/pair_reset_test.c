/* tests/unit/pair_reset_test.c — stateless reset (RFC 9000 §10.3): a
 * server that lost a connection's state answers the client's next packet
 * with quic_stateless_reset_build from its static key, and the client ends
 * with ConnectionTerminated(stateless_reset); a reset made with another key
 * is ignored; the helper's argument and size rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#include "core/reset_token.h"

static const netsim_config link_cfg = {.delay = 15 * QUIC_MS};

#define SERVER_CID_LEN 8 /* core/conn.c's LOCAL_CID_LEN */

typedef struct lost_state {
    bool lost; /* the server process forgot its connections */
    uint8_t key[QUIC_STATELESS_RESET_KEY_LEN]; /* the key it answers with */
    unsigned resets;
    size_t last_in, last_out;
} lost_state;

/* After the loss, the "demultiplexer" finds no connection for the client's
 * datagrams and answers each with a reset. */
static bool answer_with_reset(pair *p, bool from_client, uint8_t *data,
                              size_t *len, size_t cap, void *arg) {
    (void)cap;
    lost_state *ls = arg;
    if (!from_client || !ls->lost)
        return true;
    uint8_t out[64];
    int n = quic_stateless_reset_build(ls->key, data, *len, SERVER_CID_LEN, out,
                                       sizeof(out));
    if (n > 0) {
        ls->resets++;
        ls->last_in = *len;
        ls->last_out = (size_t)n;
        netsim_send(&p->s2c, p->now, out, (size_t)n);
    }
    return false;
}

static bool client_terminated(pair *p, void *arg) {
    (void)arg;
    return p->client.terminated;
}

static void fill_key(uint8_t *key, uint8_t seed) {
    for (size_t i = 0; i < QUIC_STATELESS_RESET_KEY_LEN; i++)
        key[i] = (uint8_t)(seed + 7 * i);
}

/* Runs a handshake with a server keyed by 0x11…, then drops the server
 * connection and lets the tamper hook answer with |answer_seed|'s key. */
static void lose_server(pair *p, lost_state *ls, uint64_t seed,
                        uint8_t answer_seed) {
    memset(ls, 0, sizeof(*ls));
    pair_init(p, seed, &link_cfg, &link_cfg);
    fill_key(p->server.cfg.stateless_reset_key, 0x11);
    p->server.cfg.has_stateless_reset_key = true;
    fill_key(ls->key, answer_seed);
    p->tamper = answer_with_reset;
    p->arg = ls;
    assert_int_equal(pair_start(p), 0);
    assert_true(pair_run(p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_run(p, client_terminated, NULL, 200 * QUIC_MS); /* settle CIDs */
    quic_conn_free(p->server.conn);
    p->server.conn = NULL;
    ls->lost = true;
    assert_int_equal(quic_conn_send_ping(p->client.conn, 7), 0);
}

static void test_pair_reset_server_state_lost(void **state) {
    (void)state;
    pair p;
    lost_state ls;
    lose_server(&p, &ls, 41, 0x11);
    assert_true(pair_run(&p, client_terminated, NULL, 5 * QUIC_S));
    assert_int_equal(ls.resets, 1);
    /* RFC 9000 §10.3.3: smaller than what it answers, capped by the caller */
    assert_true(ls.last_out < ls.last_in);
    assert_true(ls.last_out <= 64 && ls.last_out >= QUIC_RESET_MIN_LEN);
    const quic_event *ev = &p.client.terminated_event;
    assert_int_equal(ev->type, QUIC_EVENT_CONNECTION_TERMINATED);
    assert_true(ev->u.connection_terminated.stateless_reset);
    pair_cleanup(&p);
}

/* A reset from a key that did not issue the CID carries a wrong token: the
 * client keeps its connection (until its own idle timeout). */
static void test_pair_reset_other_key_ignored(void **state) {
    (void)state;
    pair p;
    lost_state ls;
    lose_server(&p, &ls, 42, 0x12);
    assert_false(pair_run(&p, client_terminated, NULL, 2 * QUIC_S));
    assert_true(ls.resets >= 2); /* the PING was repeated, each answered */
    assert_false(p.client.terminated);
    pair_cleanup(&p);
}

static void test_quic_stateless_reset_build_rules(void **state) {
    (void)state;
    uint8_t key[QUIC_STATELESS_RESET_KEY_LEN];
    fill_key(key, 3);
    uint8_t dgram[100];
    memset(dgram, 0xab, sizeof(dgram));
    dgram[0] = 0x43; /* short header */
    uint8_t out[128];
    /* the token is the HMAC of the 8-byte DCID */
    int n = quic_stateless_reset_build(key, dgram, sizeof(dgram), 8, out,
                                       sizeof(out));
    assert_int_equal(n, (int)sizeof(dgram) - 1);
    assert_int_equal(out[0] & 0xc0, 0x40);
    quic_cid cid = {.len = 8};
    memcpy(cid.data, dgram + 1, 8);
    uint8_t token[QUIC_RESET_TOKEN_LEN];
    assert_int_equal(quic_reset_token_derive(key, sizeof(key), &cid, token), 0);
    assert_memory_equal(out + n - 16, token, 16);
    uint8_t want[128];
    static const struct {
        size_t len, cid_len, cap;
        uint8_t first;
        int rc;
        int line;
    } cases[] = {
        {100, 8, 40, 0x43, 40, __LINE__},                  /* capped */
        {100, 8, 128, 0xc3, QUIC_ERR_MALFORMED, __LINE__}, /* long header */
        {5, 8, 128, 0x43, QUIC_ERR_MALFORMED, __LINE__},   /* no DCID room */
        {21, 8, 128, 0x43, QUIC_ERR_RESET_TOO_SMALL, __LINE__},
        {22, 8, 128, 0x43, 21, __LINE__},
        {100, 0, 128, 0x43, QUIC_ERR_INVALID_ARGUMENT, __LINE__},
        {100, 21, 128, 0x43, QUIC_ERR_INVALID_ARGUMENT, __LINE__},
        {100, 8, 20, 0x43, QUIC_ERR_NOBUF, __LINE__},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        dgram[0] = cases[i].first;
        int rc = quic_stateless_reset_build(
            key, dgram, cases[i].len, cases[i].cid_len, want, cases[i].cap);
        if (rc != cases[i].rc)
            fail_msg("line %d: %d, want %d", cases[i].line, rc, cases[i].rc);
    }
    assert_int_equal(quic_stateless_reset_build(NULL, dgram, 100, 8, out, 64),
                     QUIC_ERR_INVALID_ARGUMENT);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_reset_server_state_lost),
        cmocka_unit_test(test_pair_reset_other_key_ignored),
        cmocka_unit_test(test_quic_stateless_reset_build_rules),
    };
    return cmocka_run_group_tests_name("pair_reset", tests, NULL, NULL);
}

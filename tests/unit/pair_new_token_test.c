/* tests/unit/pair_new_token_test.c — NEW_TOKEN address validation (RFC 9000
 * §8.1.3) between two connections in memory: the server sends a token after
 * the handshake, the client's next connection repeats it in its Initials,
 * and the server then sends more than three times what it received before
 * the handshake completes; a token from another address, another key,
 * another QUIC version or a tampered one leaves the limit in place. Also the
 * public validate helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "pair.h"

#include "core/packet.h"
#include "core/token.h"

static const netsim_config link_cfg = {.delay = 10 * QUIC_MS};

typedef struct saved_token {
    uint8_t data[QUIC_ADDRESS_TOKEN_MAX];
    size_t len;
    int count;
} saved_token;

static void save_token(void *user, const uint8_t *t, size_t len) {
    saved_token *st = user;
    if (len <= sizeof(st->data)) {
        memcpy(st->data, t, len);
        st->len = len;
    }
    st->count++;
}

static bool never(pair *p, void *arg) {
    (void)p;
    (void)arg;
    return false;
}

/* The QUIC version the clients below start with (the servers speak v1
 * and v2). */
static uint32_t client_version = QUIC_VERSION_1;

static void set_versions(pair *p) {
    p->client.cfg.versions[0] = client_version;
    p->server.cfg.versions[0] = QUIC_VERSION_1;
    p->server.cfg.versions[1] = QUIC_VERSION_2;
    p->server.cfg.version_count = 2;
}

/* A full connection to a server with |key|; returns the token it sent. */
static void get_token(quic_token_key *key, uint64_t seed, saved_token *st) {
    pair p;
    pair_init(&p, seed, &link_cfg, &link_cfg);
    set_versions(&p);
    p.server.cfg.new_token_key = key;
    p.client.cfg.new_token_sink = save_token;
    p.client.cfg.sink_user = st;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_run(&p, never, NULL, 200 * QUIC_MS);
    assert_int_equal(st->count, 1); /* one token per connection */
    assert_true(st->len > 0);
    pair_cleanup(&p);
}

typedef struct amp {
    int client_datagrams;
    size_t client_bytes, server_bytes;
    size_t first_token_len; /* the token in the client's first Initial */
} amp;

/* Lets only the client's first datagram through (the rest of its flight
 * is lost) and counts both directions. */
static bool one_client_datagram(pair *p, bool from_client, uint8_t *data,
                                size_t *len, size_t cap, void *arg) {
    (void)p;
    (void)cap;
    amp *a = arg;
    if (!from_client) {
        a->server_bytes += *len;
        return true;
    }
    if (a->client_datagrams++ > 0)
        return false;
    quic_packet_header h;
    if (quic_packet_parse(&h, data, data + *len, 0) == 0)
        a->first_token_len = h.token_len;
    a->client_bytes += *len;
    return true;
}

/* The second connection with |token| (and the client at |client_ip|):
 * what the server sent in 3 s when the client's flight after its first
 * datagram is lost. */
static void run_limited(quic_token_key *server_key, const saved_token *tk,
                        uint32_t client_ip, uint64_t seed, amp *a) {
    memset(a, 0, sizeof(*a));
    pair p;
    pair_init(&p, seed, &link_cfg, &link_cfg);
    struct sockaddr_in sin;
    memcpy(&sin, p.client.addr.data, sizeof(sin));
    sin.sin_addr.s_addr = htonl(client_ip);
    memcpy(p.client.addr.data, &sin, sizeof(sin));
    set_versions(&p);
    p.server.cfg.new_token_key = server_key;
    if (tk) {
        p.client.cfg.address_token = tk->data;
        p.client.cfg.address_token_len = tk->len;
    }
    p.tamper = one_client_datagram;
    p.arg = a;
    assert_int_equal(pair_start(&p), 0);
    pair_run(&p, never, NULL, 3 * QUIC_S);
    assert_int_equal(a->client_bytes, 1200);
    assert_int_equal(a->first_token_len, tk ? tk->len : 0);
    pair_cleanup(&p);
}

#define LOOPBACK 0x7f000001u

static void test_pair_new_token_lifts_amplification_limit(void **state) {
    (void)state;
    quic_token_key *key;
    assert_int_equal(quic_retry_key_new(&key, NULL), 0);
    static saved_token tk;
    memset(&tk, 0, sizeof(tk));
    get_token(key, 51, &tk);
    amp a;
    /* without a token: exactly 3 × 1200 (RFC 9000 §8.1) */
    run_limited(key, NULL, LOOPBACK, 52, &a);
    assert_int_equal(a.server_bytes, 3 * 1200);
    /* with it: the server's PTOs go on past the limit */
    run_limited(key, &tk, LOOPBACK, 53, &a);
    assert_true(a.server_bytes > 3 * 1200);
    quic_retry_key_free(key);
}

/* §8.1.3: a token the server cannot use is ignored (the connection goes
 * on, limited): another client address, another key, a flipped byte. */
static void test_pair_new_token_invalid_keeps_limit(void **state) {
    (void)state;
    quic_token_key *key, *other;
    assert_int_equal(quic_retry_key_new(&key, NULL), 0);
    assert_int_equal(quic_retry_key_new(&other, NULL), 0);
    static saved_token tk, bad;
    memset(&tk, 0, sizeof(tk));
    get_token(key, 54, &tk);
    amp a;
    run_limited(key, &tk, LOOPBACK + 1, 55, &a); /* 127.0.0.2 */
    assert_int_equal(a.server_bytes, 3 * 1200);
    run_limited(other, &tk, LOOPBACK, 56, &a);
    assert_int_equal(a.server_bytes, 3 * 1200);
    bad = tk;
    bad.data[bad.len - 1] ^= 0x01;
    run_limited(key, &bad, LOOPBACK, 57, &a);
    assert_int_equal(a.server_bytes, 3 * 1200);
    quic_retry_key_free(key);
    quic_retry_key_free(other);
}

/* RFC 9369 §5: a token belongs to the version of the connection that got
 * it: a v1 connection's token does not validate a v2 connection's
 * address, a v2 one's does. */
static void test_pair_new_token_bound_to_version(void **state) {
    (void)state;
    quic_token_key *key;
    assert_int_equal(quic_retry_key_new(&key, NULL), 0);
    static saved_token v1, v2;
    memset(&v1, 0, sizeof(v1));
    memset(&v2, 0, sizeof(v2));
    get_token(key, 61, &v1);
    client_version = QUIC_VERSION_2;
    get_token(key, 62, &v2);
    amp a;
    run_limited(key, &v1, LOOPBACK, 63, &a);
    assert_int_equal(a.server_bytes, 3 * 1200);
    run_limited(key, &v2, LOOPBACK, 64, &a);
    assert_true(a.server_bytes > 3 * 1200);
    client_version = QUIC_VERSION_1;
    run_limited(key, &v2, LOOPBACK, 65, &a);
    assert_int_equal(a.server_bytes, 3 * 1200);
    quic_retry_key_free(key);
}

/* The demultiplexer's helper: the same token validates the Initial's
 * address before a connection exists; a Retry token is not one. */
static void test_quic_new_token_validate(void **state) {
    (void)state;
    quic_token_key *key;
    assert_int_equal(quic_retry_key_new(&key, NULL), 0);
    quic_addr client = {.len = 16};
    memset(client.data, 0, sizeof(client.data));
    client.data[0] = AF_INET;
    client.data[4] = 10;
    uint8_t tok[QUIC_TOKEN_MAX_LEN];
    int n = quic_token_mint_new_token(key, &client, QUIC_S, tok, sizeof(tok),
                                      QUIC_VERSION_1);
    assert_true(n > 0);
    static const uint8_t dcid[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    quic_header_info h;
    memset(&h, 0, sizeof(h));
    h.type = QUIC_HEADER_INITIAL;
    h.is_long = h.version_known = true;
    h.version = QUIC_VERSION_1;
    h.dcid = dcid;
    h.dcid_len = sizeof(dcid);
    h.token = tok;
    h.token_len = (size_t)n;
    quic_server_params sp;
    assert_int_equal(quic_new_token_validate(key, &h, &client, 2 * QUIC_S, &sp),
                     0);
    assert_true(sp.address_validated);
    assert_int_equal(sp.original_dcid.len, 8);
    assert_memory_equal(sp.original_dcid.data, dcid, 8);
    assert_int_equal(sp.retry_scid.len, 0);
    quic_cid odcid = {.len = 8}, rscid = {.len = 8};
    n = quic_token_mint_retry(key, &client, &odcid, &rscid, QUIC_S, tok,
                              sizeof(tok), QUIC_VERSION_1);
    assert_true(n > 0);
    h.token_len = (size_t)n;
    assert_int_equal(quic_new_token_validate(key, &h, &client, 2 * QUIC_S, &sp),
                     QUIC_ERR_TOKEN_TYPE);
    h.token_len = 0;
    assert_int_equal(quic_new_token_validate(key, &h, &client, 2 * QUIC_S, &sp),
                     QUIC_ERR_TRUNCATED);
    assert_int_equal(quic_new_token_validate(NULL, &h, &client, 0, &sp),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_retry_key_free(key);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_new_token_lifts_amplification_limit),
        cmocka_unit_test(test_pair_new_token_invalid_keeps_limit),
        cmocka_unit_test(test_pair_new_token_bound_to_version),
        cmocka_unit_test(test_quic_new_token_validate),
    };
    return cmocka_run_group_tests_name("pair_new_token", tests, NULL, NULL);
}

/* tests/unit/core_tls_test.c — the TLS boundary (core/tls.h) without
 * packets: a client and a server quic_tls hand each other their handshake
 * bytes level by level until both complete (RFC 9001 §4.1), then the tests
 * compare secrets, transport parameters, ALPN, SNI, alerts, resumption and
 * 0-RTT, keylog lines, SPKI pins and generated certificates. Certificates
 * come from tests/certs (see make-certs.sh there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/mem.h"
#include "core/tls.h"

#define CERTS "../certs/"

/* ---- Helpers ------------------------------------------------------------- */

static void *t_malloc(size_t n, void *u) {
    (void)u;
    return test_malloc(n);
}
static void *t_calloc(size_t n, size_t s, void *u) {
    (void)u;
    return test_calloc(n, s);
}
static void *t_realloc(void *p, size_t n, void *u) {
    (void)u;
    return test_realloc(p, n);
}
static void t_free(void *p, void *u) {
    (void)u;
    test_free(p);
}
static const quic_allocator test_alloc = {NULL, t_malloc, t_calloc, t_realloc,
                                          t_free};

/* A whole file, NUL-terminated, from test_malloc. */
static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *buf = test_malloc(16384);
    *len = fread(buf, 1, 16383, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

#define MAX_LINES 16
typedef struct keylog_sink {
    char lines[MAX_LINES][256];
    size_t n;
} keylog_sink;

static void keylog_cb(void *user, const char *line) {
    keylog_sink *k = user;
    assert_true(k->n < MAX_LINES);
    assert_true(strlen(line) < sizeof(k->lines[0]));
    strcpy(k->lines[k->n++], line);
}

static const char *const alpn_h3[] = {"h3"};

static void server_config(quic_tls_context_config *cfg) {
    quic_tls_context_config_init(cfg, false);
    cfg->alpn = alpn_h3;
    cfg->alpn_count = 1;
    cfg->cert_file = CERTS "server.pem";
    cfg->key_file = CERTS "server.key";
    cfg->early_data = true;
    cfg->allocator = &test_alloc;
}

static void client_config(quic_tls_context_config *cfg) {
    quic_tls_context_config_init(cfg, true);
    cfg->alpn = alpn_h3;
    cfg->alpn_count = 1;
    cfg->ca_file = CERTS "ca.pem";
    cfg->use_system_ca = false;
    cfg->early_data = true;
    cfg->allocator = &test_alloc;
}

static const uint8_t client_tp[] = {0x04, 0x04, 0x80, 0x10, 0x00, 0x00,
                                    0x0f, 0x04, 0xc1, 0xc2, 0xc3, 0xc4};
static const uint8_t server_tp[] = {0x00, 0x04, 0xa1, 0xa2, 0xa3, 0xa4,
                                    0x03, 0x02, 0x45, 0xc0, 0x0f, 0x00};

#define MAX_SECRETS 8
typedef struct side {
    quic_tls *tls;
    quic_tls_secret secrets[MAX_SECRETS];
    size_t nsecrets;
    int err; /* last quic_tls_advance result */
} side;

static void side_new(side *s, quic_tls_context *ctx, const char *sni,
                     const uint8_t *session, size_t session_len) {
    memset(s, 0, sizeof(*s));
    bool client = quic_tls_context_is_client(ctx);
    quic_tls_params p = {
        .server_name = sni,
        .transport_params = client ? client_tp : server_tp,
        .transport_params_len = client ? sizeof(client_tp) : sizeof(server_tp),
        .session = session,
        .session_len = session_len,
        .allocator = &test_alloc,
    };
    assert_int_equal(quic_tls_new(&s->tls, ctx, &p), 0);
}

static void side_advance(side *s) {
    if (s->err)
        return;
    s->err = quic_tls_advance(s->tls);
    while (s->nsecrets < MAX_SECRETS &&
           quic_tls_next_secret(s->tls, &s->secrets[s->nsecrets]))
        s->nsecrets++;
}

/* Moves every pending handshake byte of |from| to |to|, level by level.
 * Returns whether anything moved. */
static bool transfer(side *from, side *to) {
    bool moved = false;
    for (int l = QUIC_LEVEL_INITIAL; l < QUIC_LEVEL_COUNT; l++) {
        size_t len;
        const uint8_t *p = quic_tls_peek_handshake(from->tls, l, &len);
        if (!len)
            continue;
        if (to->err == 0)
            to->err = quic_tls_provide(to->tls, l, p, len);
        quic_tls_consume_handshake(from->tls, l, len);
        moved = true;
    }
    return moved;
}

/* Runs the handshake to quiescence: both done, a failure, or nothing left
 * to move. The client starts. */
static void run(side *c, side *s) {
    side_advance(c);
    for (int round = 0; round < 20; round++) {
        bool moved = transfer(c, s);
        side_advance(s);
        moved |= transfer(s, c);
        side_advance(c);
        if (!moved)
            return;
    }
    fail_msg("handshake did not settle");
}

static const quic_tls_secret *find_secret(const side *s, quic_level level,
                                          bool is_write) {
    for (size_t i = 0; i < s->nsecrets; i++)
        if (s->secrets[i].level == level && s->secrets[i].is_write == is_write)
            return &s->secrets[i];
    return NULL;
}

/* Each side's write secret at |level| is the other's read secret. */
static void assert_secrets_pair(const side *c, const side *s, quic_level level,
                                uint16_t suite) {
    const quic_tls_secret *cw = find_secret(c, level, true);
    const quic_tls_secret *sr = find_secret(s, level, false);
    const quic_tls_secret *sw = find_secret(s, level, true);
    const quic_tls_secret *cr = find_secret(c, level, false);
    assert_non_null(cw);
    assert_non_null(sr);
    assert_non_null(sw);
    assert_non_null(cr);
    assert_int_equal(cw->len, suite == QUIC_TLS_AES_256_GCM_SHA384 ? 48 : 32);
    assert_int_equal(cw->len, sr->len);
    assert_memory_equal(cw->secret, sr->secret, cw->len);
    assert_int_equal(sw->len, cr->len);
    assert_memory_equal(sw->secret, cr->secret, sw->len);
    assert_memory_not_equal(cw->secret, sw->secret, cw->len);
    assert_int_equal(cw->cipher_suite, suite);
    assert_int_equal(sr->cipher_suite, suite);
}

typedef struct pair_ctx {
    quic_tls_context *client, *server;
} pair_ctx;

static void ctx_new(pair_ctx *p, const quic_tls_context_config *ccfg,
                    const quic_tls_context_config *scfg) {
    assert_int_equal(quic_tls_context_new_ex(&p->client, ccfg), 0);
    assert_int_equal(quic_tls_context_new_ex(&p->server, scfg), 0);
}

static void ctx_free(pair_ctx *p) {
    quic_tls_context_free(p->client);
    quic_tls_context_free(p->server);
}

/* A handshake with default configs but |ccfg| changed by the caller;
 * leaves the sides for inspection. */
static void handshake(pair_ctx *p, side *c, side *s, const char *sni) {
    side_new(c, p->client, sni, NULL, 0);
    side_new(s, p->server, NULL, NULL, 0);
    run(c, s);
}

static void sides_free(side *c, side *s) {
    quic_tls_free(c->tls);
    quic_tls_free(s->tls);
}

/* ---- Full handshake -------------------------------------------------------
 */

static void test_quic_tls_handshake_completes(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    assert_int_equal(s.err, 0);
    assert_true(quic_tls_handshake_complete(c.tls));
    assert_true(quic_tls_handshake_complete(s.tls));
    assert_int_equal(quic_tls_alert(c.tls), -1);
    assert_int_equal(quic_tls_alert(s.tls), -1);
    assert_string_equal(quic_tls_alpn(c.tls), "h3");
    assert_string_equal(quic_tls_alpn(s.tls), "h3");
    assert_string_equal(quic_tls_server_name(s.tls), "localhost");
    assert_null(quic_tls_server_name(c.tls));
    assert_false(quic_tls_session_resumed(c.tls));
    assert_false(quic_tls_session_resumed(s.tls));
    assert_int_equal(quic_tls_early_data_status(c.tls),
                     QUIC_TLS_EARLY_DATA_NONE);
    assert_int_equal(quic_tls_early_data_status(s.tls),
                     QUIC_TLS_EARLY_DATA_NONE);
    uint16_t suite = quic_tls_cipher_suite(c.tls);
    assert_int_equal(suite, quic_tls_cipher_suite(s.tls));
    assert_secrets_pair(&c, &s, QUIC_LEVEL_HANDSHAKE, suite);
    assert_secrets_pair(&c, &s, QUIC_LEVEL_APPLICATION, suite);
    assert_null(find_secret(&c, QUIC_LEVEL_EARLY_DATA, true));
    assert_int_equal(c.nsecrets, 4);
    assert_int_equal(s.nsecrets, 4);
    const uint8_t *tp;
    size_t tp_len;
    assert_true(quic_tls_peer_transport_params(c.tls, &tp, &tp_len));
    assert_int_equal(tp_len, sizeof(server_tp));
    assert_memory_equal(tp, server_tp, tp_len);
    assert_true(quic_tls_peer_transport_params(s.tls, &tp, &tp_len));
    assert_int_equal(tp_len, sizeof(client_tp));
    assert_memory_equal(tp, client_tp, tp_len);
    sides_free(&c, &s);
    ctx_free(&p);
}

/* The client's first flight is a ClientHello at the Initial level only. */
static void test_quic_tls_advance_client_first_flight(void **state) {
    (void)state;
    quic_tls_context_config ccfg;
    client_config(&ccfg);
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new_ex(&ctx, &ccfg), 0);
    side c;
    side_new(&c, ctx, "localhost", NULL, 0);
    side_advance(&c);
    assert_int_equal(c.err, 0);
    size_t len;
    const uint8_t *p = quic_tls_peek_handshake(c.tls, QUIC_LEVEL_INITIAL, &len);
    assert_non_null(p);
    assert_true(len > 100);
    assert_int_equal(p[0], 1); /* RFC 8446 §4: client_hello */
    assert_int_equal(((size_t)p[1] << 16 | p[2] << 8 | p[3]) + 4, len);
    /* The ALPN extension lists our protocols in our order (RFC 7301 §3.1). */
    static const uint8_t alpn_ext[] = {0x00, 0x10, 0x00, 0x05, 0x00,
                                       0x03, 0x02, 'h',  '3'};
    bool found = false;
    for (size_t i = 0; i + sizeof(alpn_ext) <= len && !found; i++)
        found = memcmp(p + i, alpn_ext, sizeof(alpn_ext)) == 0;
    assert_true(found);
    quic_tls_consume_handshake(c.tls, QUIC_LEVEL_INITIAL, 10);
    size_t rest;
    assert_ptr_equal(quic_tls_peek_handshake(c.tls, QUIC_LEVEL_INITIAL, &rest),
                     p + 10);
    assert_int_equal(rest, len - 10);
    quic_tls_consume_handshake(c.tls, QUIC_LEVEL_INITIAL, SIZE_MAX);
    assert_null(quic_tls_peek_handshake(c.tls, QUIC_LEVEL_INITIAL, &rest));
    assert_int_equal(rest, 0);
    assert_null(quic_tls_peek_handshake(c.tls, QUIC_LEVEL_HANDSHAKE, &rest));
    assert_int_equal(c.nsecrets, 0);
    assert_false(quic_tls_handshake_complete(c.tls));
    quic_tls_free(c.tls);
    quic_tls_context_free(ctx);
}

/* CRYPTO data handed over one byte at a time still completes. */
static void test_quic_tls_provide_byte_by_byte(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    side_new(&c, p.client, "localhost", NULL, 0);
    side_new(&s, p.server, NULL, NULL, 0);
    side *sides[2] = {&c, &s};
    side_advance(&c);
    for (int round = 0; round < 10; round++) {
        for (int d = 0; d < 2; d++) {
            side *from = sides[d], *to = sides[1 - d];
            for (int l = 0; l < QUIC_LEVEL_COUNT; l++) {
                size_t len;
                const uint8_t *b = quic_tls_peek_handshake(from->tls, l, &len);
                for (size_t i = 0; i < len; i++) {
                    assert_int_equal(quic_tls_provide(to->tls, l, b + i, 1), 0);
                    side_advance(to);
                    assert_int_equal(to->err, 0);
                }
                quic_tls_consume_handshake(from->tls, l, len);
            }
            side_advance(to);
        }
    }
    assert_true(quic_tls_handshake_complete(c.tls));
    assert_true(quic_tls_handshake_complete(s.tls));
    sides_free(&c, &s);
    ctx_free(&p);
}

/* ---- Certificate verification --------------------------------------------
 */

/* Runs a handshake whose client config was adjusted by |tweak| and returns
 * the client's result; |*alert| gets the client's alert and |why| (if set)
 * its verification verdict. */
static quic_tls_verify_error why;
static int client_result(void (*tweak)(quic_tls_context_config *),
                         const char *sni, int *alert) {
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    tweak(&ccfg);
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, sni);
    int err = c.err;
    *alert = quic_tls_alert(c.tls);
    why = quic_tls_verify_result(c.tls);
    if (err == 0) {
        assert_true(quic_tls_handshake_complete(c.tls));
        assert_true(quic_tls_handshake_complete(s.tls));
    } else {
        assert_false(quic_tls_handshake_complete(c.tls));
        assert_false(quic_tls_handshake_complete(s.tls));
        /* A failed handshake keeps failing and accepts no more data. */
        assert_int_equal(quic_tls_advance(c.tls), err);
        assert_int_equal(quic_tls_provide(c.tls, QUIC_LEVEL_HANDSHAKE,
                                          (const uint8_t *)"x", 1),
                         QUIC_ERR_INVALID_STATE);
        assert_string_not_equal(quic_tls_error_string(c.tls), "");
    }
    sides_free(&c, &s);
    ctx_free(&p);
    return err;
}

static void keep(quic_tls_context_config *cfg) {
    (void)cfg;
}
static void wrong_ca(quic_tls_context_config *cfg) {
    cfg->ca_file = CERTS "ca2.pem";
}
static void wrong_ca_no_verify(quic_tls_context_config *cfg) {
    cfg->ca_file = CERTS "ca2.pem";
    cfg->verify_peer = false;
}
static void no_host_check(quic_tls_context_config *cfg) {
    cfg->verify_host = false;
}

static void test_quic_tls_verify_against_ca(void **state) {
    (void)state;
    int alert;
    assert_int_equal(client_result(keep, "localhost", &alert), 0);
    assert_int_equal(alert, -1);
    assert_int_equal(why, QUIC_TLS_VERIFY_OK);
    assert_int_equal(client_result(keep, "127.0.0.1", &alert), 0);
    assert_int_equal(client_result(keep, "::1", &alert), 0);
}

static void test_quic_tls_verify_wrong_ca_fails(void **state) {
    (void)state;
    int alert;
    assert_int_equal(client_result(wrong_ca, "localhost", &alert),
                     QUIC_ERR_TLS);
    /* wolfSSL names an unknown issuer unknown_ca (RFC 8446 §6.2). */
    assert_int_equal(alert, QUIC_TLS_ALERT_UNKNOWN_CA);
    assert_int_equal(why, QUIC_TLS_VERIFY_CHAIN);
}

static void test_quic_tls_verify_host_mismatch_fails(void **state) {
    (void)state;
    int alert;
    assert_int_equal(client_result(keep, "other.example", &alert),
                     QUIC_ERR_TLS);
    assert_int_equal(alert, QUIC_TLS_ALERT_BAD_CERTIFICATE);
    assert_int_equal(why, QUIC_TLS_VERIFY_NAME);
    assert_int_equal(client_result(keep, "10.0.0.1", &alert), QUIC_ERR_TLS);
    assert_int_equal(alert, QUIC_TLS_ALERT_BAD_CERTIFICATE);
    assert_int_equal(why, QUIC_TLS_VERIFY_NAME);
    assert_int_equal(client_result(keep, "::2", &alert), QUIC_ERR_TLS);
    assert_int_equal(client_result(keep, "localhostx", &alert), QUIC_ERR_TLS);
    /* 127.0.0.1 is an iPAddress SAN, not a dNSName "127.0.0.1". */
    assert_int_equal(client_result(keep, "127.0.0.2", &alert), QUIC_ERR_TLS);
    /* The caller may turn the name check off and keep the chain check. */
    assert_int_equal(client_result(no_host_check, "other.example", &alert), 0);
}

static void test_quic_tls_verify_off_accepts_anything(void **state) {
    (void)state;
    int alert;
    assert_int_equal(client_result(wrong_ca_no_verify, "other.example", &alert),
                     0);
    assert_int_equal(alert, -1);
}

/* A server certificate other than server.pem, seen by a default client. */
static int against_server_cert(const char *cert, const char *key,
                               const char *sni, int *alert) {
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    scfg.cert_file = cert;
    scfg.key_file = key;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, sni);
    int err = c.err;
    *alert = quic_tls_alert(c.tls);
    why = quic_tls_verify_result(c.tls);
    sides_free(&c, &s);
    ctx_free(&p);
    return err;
}

static void test_quic_tls_verify_expired_fails(void **state) {
    (void)state;
    int alert;
    assert_int_equal(against_server_cert(CERTS "expired.pem",
                                         CERTS "expired.key", "localhost",
                                         &alert),
                     QUIC_ERR_TLS);
    assert_int_equal(alert, QUIC_TLS_ALERT_CERTIFICATE_EXPIRED);
    assert_int_equal(why, QUIC_TLS_VERIFY_CHAIN);
    assert_int_equal(against_server_cert(CERTS "other.pem", CERTS "other.key",
                                         "other.example", &alert),
                     0);
    assert_int_equal(against_server_cert(CERTS "self.pem", CERTS "self.key",
                                         "localhost", &alert),
                     QUIC_ERR_TLS);
}

static const char *pin_under_test;
static void pinned(quic_tls_context_config *cfg) {
    cfg->pinned_pubkey = pin_under_test;
}
static void pinned_no_verify(quic_tls_context_config *cfg) {
    cfg->pinned_pubkey = pin_under_test;
    cfg->verify_peer = false;
    cfg->ca_file = NULL;
}

static void test_quic_tls_pinned_pubkey(void **state) {
    (void)state;
    size_t len;
    uint8_t *spki = slurp(CERTS "server.spki", &len);
    assert_int_equal(len, 45); /* 44 base64 characters and a newline */
    char good[128], list[256];
    snprintf(good, sizeof(good), "sha256//%.44s", (const char *)spki);
    snprintf(list, sizeof(list),
             "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=;%s", good);
    int alert;
    pin_under_test = good;
    assert_int_equal(client_result(pinned, "localhost", &alert), 0);
    pin_under_test = list;
    assert_int_equal(client_result(pinned_no_verify, "other.example", &alert),
                     0);
    /* A pin that does not match fails, with verification on or off. */
    pin_under_test = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    assert_int_equal(client_result(pinned, "localhost", &alert), QUIC_ERR_TLS);
    assert_int_equal(alert, QUIC_TLS_ALERT_BAD_CERTIFICATE);
    assert_int_equal(why, QUIC_TLS_VERIFY_PIN);
    assert_int_equal(client_result(pinned_no_verify, "localhost", &alert),
                     QUIC_ERR_TLS);
    assert_int_equal(why, QUIC_TLS_VERIFY_PIN);
    /* With no trusted issuer loaded wolfSSL keeps its own verdict for the
     * alert even though verification is off and only the pin failed. */
    assert_int_equal(alert, QUIC_TLS_ALERT_UNKNOWN_CA);
    test_free(spki);
}

/* ---- ALPN and cipher suites ----------------------------------------------
 */

static void test_quic_tls_alpn_no_overlap_alert_120(void **state) {
    (void)state;
    static const char *const hq[] = {"hq-interop"};
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.alpn = hq;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(s.err, QUIC_ERR_TLS);
    assert_int_equal(quic_tls_alert(s.tls),
                     QUIC_TLS_ALERT_NO_APPLICATION_PROTOCOL);
    assert_false(quic_tls_handshake_complete(c.tls));
    assert_null(quic_tls_alpn(s.tls));
    sides_free(&c, &s);
    ctx_free(&p);
}

/* RFC 9001 §8.1: a client that offers no ALPN at all is refused too. */
static void test_quic_tls_alpn_missing_alert_120(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.alpn_count = 0;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(s.err, QUIC_ERR_TLS);
    assert_int_equal(quic_tls_alert(s.tls),
                     QUIC_TLS_ALERT_NO_APPLICATION_PROTOCOL);
    sides_free(&c, &s);
    ctx_free(&p);
}

/* The server picks the first of its own list that the client offers. */
static void test_quic_tls_alpn_server_preference(void **state) {
    (void)state;
    static const char *const client_list[] = {"hq-interop", "h3", "x"};
    static const char *const server_list[] = {"y", "h3", "hq-interop"};
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.alpn = client_list;
    ccfg.alpn_count = 3;
    scfg.alpn = server_list;
    scfg.alpn_count = 3;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    assert_string_equal(quic_tls_alpn(c.tls), "h3");
    assert_string_equal(quic_tls_alpn(s.tls), "h3");
    sides_free(&c, &s);
    ctx_free(&p);
}

static void test_quic_tls_chacha20_only(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.cipher_suites = "TLS13-CHACHA20-POLY1305-SHA256";
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    assert_int_equal(quic_tls_cipher_suite(c.tls),
                     QUIC_TLS_CHACHA20_POLY1305_SHA256);
    assert_int_equal(quic_tls_cipher_suite(s.tls),
                     QUIC_TLS_CHACHA20_POLY1305_SHA256);
    assert_secrets_pair(&c, &s, QUIC_LEVEL_HANDSHAKE,
                        QUIC_TLS_CHACHA20_POLY1305_SHA256);
    assert_secrets_pair(&c, &s, QUIC_LEVEL_APPLICATION,
                        QUIC_TLS_CHACHA20_POLY1305_SHA256);
    sides_free(&c, &s);
    ctx_free(&p);
}

static void test_quic_tls_aes256_secrets_are_48_bytes(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    scfg.cipher_suites = "TLS13-AES256-GCM-SHA384";
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    assert_secrets_pair(&c, &s, QUIC_LEVEL_APPLICATION,
                        QUIC_TLS_AES_256_GCM_SHA384);
    sides_free(&c, &s);
    ctx_free(&p);
}

/* ---- Keylog ---------------------------------------------------------------
 */

static void hex(char *out, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", p[i]);
}

static const char *line_with(const keylog_sink *k, const char *label) {
    size_t n = strlen(label);
    for (size_t i = 0; i < k->n; i++)
        if (strncmp(k->lines[i], label, n) == 0 && k->lines[i][n] == ' ')
            return k->lines[i];
    return NULL;
}

/* "LABEL <64 hex client random> <hex secret>" (NSS key log format), with the
 * random of the ClientHello and the secret handed to the connection. */
static void assert_keylog_line(const keylog_sink *k, const char *label,
                               const char *random_hex,
                               const quic_tls_secret *secret) {
    const char *line = line_with(k, label);
    char want[256], secret_hex[2 * QUIC_TLS_MAX_SECRET_LEN + 1];
    assert_non_null(line);
    hex(secret_hex, secret->secret, secret->len);
    snprintf(want, sizeof(want), "%s %s %s", label, random_hex, secret_hex);
    assert_string_equal(line, want);
}

static void test_quic_tls_keylog_nss_lines(void **state) {
    (void)state;
    keylog_sink ck = {0}, sk = {0};
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.keylog = keylog_cb;
    ccfg.keylog_user = &ck;
    scfg.keylog = keylog_cb;
    scfg.keylog_user = &sk;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    side_new(&c, p.client, "localhost", NULL, 0);
    side_new(&s, p.server, NULL, NULL, 0);
    side_advance(&c);
    size_t len;
    /* RFC 8446 §4.1.2: type(1) length(3) legacy_version(2) random(32). */
    const uint8_t *ch =
        quic_tls_peek_handshake(c.tls, QUIC_LEVEL_INITIAL, &len);
    assert_true(len > 38);
    char random_hex[65];
    hex(random_hex, ch + 6, 32);
    unlink("sslkeylog.log");
    run(&c, &s);
    assert_int_equal(c.err, 0);
    assert_int_equal(s.err, 0);
    static const char *const labels[] = {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    const quic_tls_secret *secrets[] = {
        find_secret(&c, QUIC_LEVEL_HANDSHAKE, true),
        find_secret(&c, QUIC_LEVEL_HANDSHAKE, false),
        find_secret(&c, QUIC_LEVEL_APPLICATION, true),
        find_secret(&c, QUIC_LEVEL_APPLICATION, false)};
    for (size_t i = 0; i < 4; i++) {
        assert_keylog_line(&ck, labels[i], random_hex, secrets[i]);
        assert_keylog_line(&sk, labels[i], random_hex, secrets[i]);
    }
    /* Exactly the four traffic secrets (wolfSSL reports no exporter
     * secret to the hook in QUIC mode); no 0-RTT without resumption. */
    assert_int_equal(ck.n, 4);
    assert_int_equal(sk.n, 4);
    assert_null(line_with(&ck, "CLIENT_EARLY_TRAFFIC_SECRET"));
    /* wolfSSL's keylog-export build would have appended to this file. */
    assert_int_equal(access("sslkeylog.log", F_OK), -1);
    sides_free(&c, &s);
    ctx_free(&p);
}

/* ---- Resumption and 0-RTT --------------------------------------------------
 */

/* A first connection that ends with the client holding a ticket, copied
 * into |ticket| (test_malloc). */
static uint8_t *first_connection(pair_ctx *p, size_t *ticket_len) {
    side c, s;
    handshake(p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    const uint8_t *t;
    assert_true(quic_tls_take_session_ticket(c.tls, &t, ticket_len));
    assert_false(quic_tls_take_session_ticket(c.tls, &t, ticket_len));
    uint8_t *copy = test_malloc(*ticket_len);
    memcpy(copy, t, *ticket_len);
    sides_free(&c, &s);
    return copy;
}

static void test_quic_tls_resumption_with_early_data(void **state) {
    (void)state;
    keylog_sink ck = {0};
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    ccfg.keylog = keylog_cb;
    ccfg.keylog_user = &ck;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    size_t tlen;
    uint8_t *ticket = first_connection(&p, &tlen);
    ck.n = 0;
    side c, s;
    side_new(&c, p.client, "localhost", ticket, tlen);
    side_new(&s, p.server, NULL, NULL, 0);
    side_advance(&c);
    /* 0-RTT keys exist right after the ClientHello. */
    assert_int_equal(quic_tls_early_data_status(c.tls),
                     QUIC_TLS_EARLY_DATA_ATTEMPTED);
    const quic_tls_secret *ew = find_secret(&c, QUIC_LEVEL_EARLY_DATA, true);
    assert_non_null(ew);
    assert_null(find_secret(&c, QUIC_LEVEL_EARLY_DATA, false));
    run(&c, &s);
    assert_int_equal(c.err, 0);
    assert_int_equal(s.err, 0);
    assert_true(quic_tls_session_resumed(c.tls));
    assert_true(quic_tls_session_resumed(s.tls));
    assert_int_equal(quic_tls_early_data_status(c.tls),
                     QUIC_TLS_EARLY_DATA_ACCEPTED);
    assert_int_equal(quic_tls_early_data_status(s.tls),
                     QUIC_TLS_EARLY_DATA_ACCEPTED);
    const quic_tls_secret *er = find_secret(&s, QUIC_LEVEL_EARLY_DATA, false);
    assert_non_null(er);
    assert_null(find_secret(&s, QUIC_LEVEL_EARLY_DATA, true));
    assert_int_equal(er->len, ew->len);
    assert_memory_equal(er->secret, ew->secret, ew->len);
    assert_int_equal(er->cipher_suite, ew->cipher_suite);
    assert_int_equal(ew->cipher_suite, quic_tls_cipher_suite(c.tls));
    const char *line = line_with(&ck, "CLIENT_EARLY_TRAFFIC_SECRET");
    assert_non_null(line);
    char secret_hex[2 * QUIC_TLS_MAX_SECRET_LEN + 1];
    hex(secret_hex, ew->secret, ew->len);
    assert_string_equal(line + strlen(line) - strlen(secret_hex), secret_hex);
    assert_secrets_pair(&c, &s, QUIC_LEVEL_APPLICATION,
                        quic_tls_cipher_suite(c.tls));
    assert_string_equal(quic_tls_alpn(s.tls), "h3");
    sides_free(&c, &s);
    test_free(ticket);
    ctx_free(&p);
}

static void test_quic_tls_early_data_refused_by_server(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    size_t tlen;
    uint8_t *ticket = first_connection(&p, &tlen);
    side c, s;
    side_new(&c, p.client, "localhost", ticket, tlen);
    quic_tls_params sp = {.transport_params = server_tp,
                          .transport_params_len = sizeof(server_tp),
                          .refuse_early_data = true,
                          .allocator = &test_alloc};
    memset(&s, 0, sizeof(s));
    assert_int_equal(quic_tls_new(&s.tls, p.server, &sp), 0);
    run(&c, &s);
    assert_int_equal(c.err, 0);
    assert_int_equal(s.err, 0);
    assert_true(quic_tls_session_resumed(c.tls));
    assert_int_equal(quic_tls_early_data_status(c.tls),
                     QUIC_TLS_EARLY_DATA_REJECTED);
    assert_int_equal(quic_tls_early_data_status(s.tls),
                     QUIC_TLS_EARLY_DATA_NONE);
    assert_null(find_secret(&s, QUIC_LEVEL_EARLY_DATA, false));
    sides_free(&c, &s);
    test_free(ticket);
    ctx_free(&p);
}

/* A server context without early data issues tickets that resume but do
 * not allow 0-RTT, so the client does not even attempt it. */
static void test_quic_tls_early_data_disabled_on_server(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    scfg.early_data = false;
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    size_t tlen;
    uint8_t *ticket = first_connection(&p, &tlen);
    side c, s;
    side_new(&c, p.client, "localhost", ticket, tlen);
    side_new(&s, p.server, NULL, NULL, 0);
    run(&c, &s);
    assert_int_equal(c.err, 0);
    assert_true(quic_tls_session_resumed(c.tls));
    assert_true(quic_tls_early_data_status(c.tls) !=
                QUIC_TLS_EARLY_DATA_ACCEPTED);
    assert_null(find_secret(&c, QUIC_LEVEL_EARLY_DATA, true));
    assert_null(find_secret(&s, QUIC_LEVEL_EARLY_DATA, false));
    sides_free(&c, &s);
    test_free(ticket);
    ctx_free(&p);
}

static void test_quic_tls_new_bad_session(void **state) {
    (void)state;
    quic_tls_context_config ccfg;
    client_config(&ccfg);
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new_ex(&ctx, &ccfg), 0);
    static const uint8_t junk[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    quic_tls_params p = {.transport_params = client_tp,
                         .transport_params_len = sizeof(client_tp),
                         .session = junk,
                         .session_len = sizeof(junk),
                         .allocator = &test_alloc};
    quic_tls *t = (quic_tls *)1;
    assert_int_equal(quic_tls_new(&t, ctx, &p), QUIC_ERR_TLS_SESSION);
    assert_null(t);
    p.session = NULL;
    p.transport_params_len = 0;
    assert_int_equal(quic_tls_new(&t, ctx, &p), QUIC_ERR_INVALID_ARGUMENT);
    p.transport_params_len = 65536;
    assert_int_equal(quic_tls_new(&t, ctx, &p), QUIC_ERR_INVALID_ARGUMENT);
    quic_tls_context_free(ctx);
}

/* ---- Misuse of provide ----------------------------------------------------
 */

static void test_quic_tls_provide_stale_level(void **state) {
    (void)state;
    quic_tls_context_config ccfg, scfg;
    client_config(&ccfg);
    server_config(&scfg);
    pair_ctx p;
    ctx_new(&p, &ccfg, &scfg);
    side c, s;
    handshake(&p, &c, &s, "localhost");
    assert_int_equal(c.err, 0);
    static const uint8_t finished_like[] = {20, 0, 0, 0};
    /* RFC 9001 §4.1.3: Initial data after TLS moved on. */
    assert_int_equal(quic_tls_provide(c.tls, QUIC_LEVEL_INITIAL, finished_like,
                                      sizeof(finished_like)),
                     QUIC_ERR_TLS_CRYPTO_LEVEL);
    assert_int_equal(quic_tls_provide(c.tls, QUIC_LEVEL_HANDSHAKE,
                                      finished_like, sizeof(finished_like)),
                     QUIC_ERR_TLS_CRYPTO_LEVEL);
    assert_int_equal(quic_tls_provide(c.tls, QUIC_LEVEL_EARLY_DATA,
                                      finished_like, sizeof(finished_like)),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_tls_provide(c.tls, (quic_level)7, finished_like, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_tls_provide(c.tls, QUIC_LEVEL_APPLICATION, NULL, 0),
                     0);
    /* RFC 9001 §4.1.3: a message may not span a key change. */
    side c2;
    side_new(&c2, p.client, "localhost", NULL, 0);
    side_advance(&c2);
    assert_int_equal(
        quic_tls_provide(c2.tls, QUIC_LEVEL_INITIAL, finished_like, 2), 0);
    assert_int_equal(quic_tls_provide(c2.tls, QUIC_LEVEL_HANDSHAKE,
                                      finished_like, sizeof(finished_like)),
                     QUIC_ERR_TLS_CRYPTO_LEVEL);
    quic_tls_free(c2.tls);
    sides_free(&c, &s);
    ctx_free(&p);
}

/* Garbage where the ServerHello should be ends in an alert, not a crash. */
static void test_quic_tls_advance_garbage_alert(void **state) {
    (void)state;
    quic_tls_context_config ccfg;
    client_config(&ccfg);
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new_ex(&ctx, &ccfg), 0);
    side c;
    side_new(&c, ctx, "localhost", NULL, 0);
    side_advance(&c);
    static const uint8_t bogus[] = {2, 0, 0, 6, 0xde, 0xad, 0xbe, 0xef, 1, 2};
    assert_int_equal(
        quic_tls_provide(c.tls, QUIC_LEVEL_INITIAL, bogus, sizeof(bogus)), 0);
    side_advance(&c);
    assert_int_equal(c.err, QUIC_ERR_TLS);
    assert_true(quic_tls_alert(c.tls) > 0);
    quic_tls_free(c.tls);
    quic_tls_context_free(ctx);
}

/* ---- Context errors -------------------------------------------------------
 */

static int ctx_error(void (*tweak)(quic_tls_context_config *), bool client) {
    quic_tls_context_config cfg;
    if (client)
        client_config(&cfg);
    else
        server_config(&cfg);
    tweak(&cfg);
    quic_tls_context *ctx = (quic_tls_context *)1;
    int err = quic_tls_context_new_ex(&ctx, &cfg);
    if (err)
        assert_null(ctx);
    quic_tls_context_free(ctx);
    return err;
}

static void no_cert(quic_tls_context_config *c) {
    c->cert_file = c->key_file = NULL;
}
static void missing_cert(quic_tls_context_config *c) {
    c->cert_file = CERTS "nonexistent.pem";
}
static void wrong_key(quic_tls_context_config *c) {
    c->key_file = CERTS "other.key";
}
static void missing_ca(quic_tls_context_config *c) {
    c->ca_file = CERTS "nonexistent.pem";
}
static void bad_suites(quic_tls_context_config *c) {
    c->cipher_suites = "NOT-A-SUITE";
}
static void bad_pin(quic_tls_context_config *c) {
    c->pinned_pubkey = "sha256//short";
}
static void empty_alpn(quic_tls_context_config *c) {
    static const char *const empty[] = {""};
    c->alpn = empty;
}
static void comma_alpn(quic_tls_context_config *c) {
    static const char *const comma[] = {"h3,h2"};
    c->alpn = comma;
}
static void system_store(quic_tls_context_config *c) {
    c->ca_file = NULL;
    c->use_system_ca = true;
}

static void test_quic_tls_context_new_errors(void **state) {
    (void)state;
    assert_int_equal(ctx_error(no_cert, false), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(ctx_error(no_cert, true), 0);
    assert_int_equal(ctx_error(missing_cert, false), QUIC_ERR_TLS_CERTIFICATE);
    assert_int_equal(ctx_error(wrong_key, false), QUIC_ERR_TLS_CERTIFICATE);
    assert_int_equal(ctx_error(missing_ca, true), QUIC_ERR_TLS_CA);
    assert_int_equal(ctx_error(bad_suites, true), QUIC_ERR_TLS_CIPHER_SUITES);
    assert_int_equal(ctx_error(bad_pin, true), QUIC_ERR_TLS_PINNED_PUBKEY);
    assert_int_equal(ctx_error(empty_alpn, true), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(ctx_error(comma_alpn, false), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(ctx_error(system_store, true), 0);
}

/* quic_config → context, the path quic_conn_new and `serve` take. */
static void test_quic_tls_context_from_quic_config(void **state) {
    (void)state;
    size_t cert_len, key_len;
    uint8_t *cert = slurp(CERTS "server.pem", &cert_len);
    uint8_t *key = slurp(CERTS "server.key", &key_len);
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.cert_pem = cert;
    cfg.cert_pem_len = cert_len;
    cfg.key_pem = key;
    cfg.key_pem_len = key_len;
    cfg.allocator = &test_alloc;
    quic_tls_context_config tc;
    quic_tls_context_config_from(&tc, &cfg);
    assert_false(tc.is_client);
    assert_false(tc.verify_peer);
    assert_ptr_equal(tc.alpn, cfg.alpn);
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new(&ctx, &cfg), 0);
    assert_false(quic_tls_context_is_client(ctx));
    char pin[QUIC_TLS_PIN_LEN];
    assert_int_equal(quic_tls_context_spki_pin(ctx, pin), 0);
    size_t spki_len;
    uint8_t *spki = slurp(CERTS "server.spki", &spki_len);
    assert_memory_equal(pin, spki, 44);
    quic_tls_context_free(ctx);
    quic_config_init(&cfg, true);
    quic_tls_context_config_from(&tc, &cfg);
    assert_true(tc.verify_peer && tc.verify_host && tc.use_system_ca);
    test_free(spki);
    test_free(cert);
    test_free(key);
}

/* ---- Pins and generated certificates --------------------------------------
 */

/* make-certs.sh computed server.spki with openssl. */
static void test_quic_tls_spki_pin_matches_openssl(void **state) {
    (void)state;
    size_t pem_len, spki_len;
    uint8_t *pem = slurp(CERTS "server.pem", &pem_len);
    uint8_t *spki = slurp(CERTS "server.spki", &spki_len);
    char pin[QUIC_TLS_PIN_LEN];
    assert_int_equal(quic_tls_spki_pin_pem(pem, pem_len, pin), 0);
    assert_int_equal(strlen(pin), 44);
    assert_memory_equal(pin, spki, 44);
    assert_int_equal(quic_tls_spki_pin_pem((const uint8_t *)"junk", 4, pin),
                     QUIC_ERR_MALFORMED);
    assert_int_equal(quic_tls_spki_pin_der(spki, spki_len, pin),
                     QUIC_ERR_MALFORMED);
    test_free(pem);
    test_free(spki);
}

static void test_quic_tls_pin_list(void **state) {
    (void)state;
    const char *a = "rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXTp5M=";
    const char *b = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    char list[200];
    snprintf(list, sizeof(list), "sha256//%s;sha256//%s", b, a);
    assert_true(quic_tls_pin_list_valid(list));
    assert_true(quic_tls_pin_list_matches(list, a));
    assert_true(quic_tls_pin_list_matches(list, b));
    assert_false(quic_tls_pin_list_matches(list + 53, b));
    assert_false(quic_tls_pin_list_matches(list, "short"));
    static const char *const bad[] = {
        "",
        "sha256//",
        "sha1//rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXTp5M=",
        "sha256//rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXTp5M=;",
        "sha256//rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXTp5M=x",
        "sha256//rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXT!5M="};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_false(quic_tls_pin_list_valid(bad[i]));
}

/* A generated certificate serves a handshake whose client trusts exactly
 * that certificate, by DNS name and by IP address. */
static void test_quic_tls_generate_self_signed_verifies(void **state) {
    (void)state;
    static const char *const names[] = {"localhost", "127.0.0.1", "::1"};
    quic_tls_selfsigned_params sp = {names, 3, 1700000000, 3650};
    char *cert, *key;
    size_t cert_len, key_len;
    assert_int_equal(quic_tls_generate_self_signed(&sp, &test_alloc, &cert,
                                                   &cert_len, &key, &key_len),
                     0);
    assert_int_equal(strlen(cert), cert_len);
    assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
    assert_non_null(strstr(key, "-----BEGIN EC PRIVATE KEY-----"));
    for (int i = 0; i < 3; i++) {
        quic_tls_context_config ccfg, scfg;
        client_config(&ccfg);
        server_config(&scfg);
        scfg.cert_file = scfg.key_file = NULL;
        scfg.cert_pem = (const uint8_t *)cert;
        scfg.cert_pem_len = cert_len;
        scfg.key_pem = (const uint8_t *)key;
        scfg.key_pem_len = key_len;
        ccfg.ca_file = NULL;
        ccfg.ca_pem = (const uint8_t *)cert;
        ccfg.ca_pem_len = cert_len;
        pair_ctx p;
        ctx_new(&p, &ccfg, &scfg);
        char pin_ctx[QUIC_TLS_PIN_LEN], pin_pem[QUIC_TLS_PIN_LEN];
        assert_int_equal(quic_tls_context_spki_pin(p.server, pin_ctx), 0);
        assert_int_equal(
            quic_tls_spki_pin_pem((const uint8_t *)cert, cert_len, pin_pem), 0);
        assert_string_equal(pin_ctx, pin_pem);
        assert_int_equal(quic_tls_context_spki_pin(p.client, pin_ctx),
                         QUIC_ERR_INVALID_STATE);
        side c, s;
        handshake(&p, &c, &s, names[i]);
        assert_int_equal(c.err, 0);
        assert_true(quic_tls_handshake_complete(c.tls));
        sides_free(&c, &s);
        /* ... and a name it was not made for fails. */
        handshake(&p, &c, &s, "example.com");
        assert_int_equal(c.err, QUIC_ERR_TLS);
        sides_free(&c, &s);
        ctx_free(&p);
    }
    quic_mem_free(&test_alloc, cert);
    quic_mem_free(&test_alloc, key);
}

static void test_quic_tls_generate_self_signed_arguments(void **state) {
    (void)state;
    static const char *const names[] = {"localhost"};
    static const char *const empty[] = {""};
    char *cert = (char *)1, *key = (char *)1;
    size_t cl, kl;
    quic_tls_selfsigned_params none = {names, 0, 0, 1};
    assert_int_equal(
        quic_tls_generate_self_signed(&none, NULL, &cert, &cl, &key, &kl),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_null(cert);
    assert_null(key);
    quic_tls_selfsigned_params bad = {empty, 1, 0, 1};
    assert_int_equal(
        quic_tls_generate_self_signed(&bad, NULL, &cert, &cl, &key, &kl),
        QUIC_ERR_INVALID_ARGUMENT);
    quic_tls_selfsigned_params zero_days = {names, 1, 0, 0};
    assert_int_equal(
        quic_tls_generate_self_signed(&zero_days, NULL, &cert, &cl, &key, &kl),
        QUIC_ERR_INVALID_ARGUMENT);
    /* RFC 5280 §4.1.2.5: 2050 and later need GeneralizedTime. */
    quic_tls_selfsigned_params late = {names, 1, 2524608000, 365};
    assert_int_equal(
        quic_tls_generate_self_signed(&late, NULL, &cert, &cl, &key, &kl), 0);
    quic_mem_free(NULL, cert);
    quic_mem_free(NULL, key);
}

/* An allocator that fails from the |fail_at|-th call on. */
static int alloc_calls, fail_at;
static void *oom_malloc(size_t n, void *u) {
    (void)u;
    return alloc_calls++ >= fail_at ? NULL : test_malloc(n);
}
static void *oom_calloc(size_t n, size_t m, void *u) {
    (void)u;
    return alloc_calls++ >= fail_at ? NULL : test_calloc(n, m);
}
static void *oom_realloc(void *p, size_t n, void *u) {
    (void)u;
    return alloc_calls++ >= fail_at ? NULL : test_realloc(p, n);
}
static const quic_allocator oom_alloc = {NULL, oom_malloc, oom_calloc,
                                         oom_realloc, t_free};

/* Every allocation of both sides fails in turn: each run either completes
 * or reports QUIC_ERR_NOMEM, and nothing leaks (cmocka checks). */
static void test_quic_tls_allocation_failures(void **state) {
    (void)state;
    bool completed = false;
    for (fail_at = 0; fail_at < 64 && !completed; fail_at++) {
        alloc_calls = 0;
        quic_tls_context_config ccfg, scfg;
        client_config(&ccfg);
        server_config(&scfg);
        ccfg.allocator = scfg.allocator = &oom_alloc;
        pair_ctx p = {NULL, NULL};
        int err = quic_tls_context_new_ex(&p.client, &ccfg);
        if (!err)
            err = quic_tls_context_new_ex(&p.server, &scfg);
        side c = {0}, s = {0};
        quic_tls_params cp = {.server_name = "localhost",
                              .transport_params = client_tp,
                              .transport_params_len = sizeof(client_tp),
                              .allocator = &oom_alloc};
        quic_tls_params sp = {.transport_params = server_tp,
                              .transport_params_len = sizeof(server_tp),
                              .allocator = &oom_alloc};
        if (!err)
            err = quic_tls_new(&c.tls, p.client, &cp);
        if (!err)
            err = quic_tls_new(&s.tls, p.server, &sp);
        if (!err) {
            run(&c, &s);
            err = c.err ? c.err : s.err;
            completed = err == 0 && quic_tls_handshake_complete(s.tls);
        }
        assert_true(err == 0 || err == QUIC_ERR_NOMEM);
        sides_free(&c, &s);
        ctx_free(&p);
    }
    assert_true(completed);
}

static void test_quic_tls_strerror(void **state) {
    (void)state;
    for (int e = QUIC_ERR_TLS_CRYPTO_LEVEL; e <= QUIC_ERR_TLS; e++)
        assert_string_not_equal(quic_strerror(e), "unknown error");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_tls_handshake_completes),
        cmocka_unit_test(test_quic_tls_advance_client_first_flight),
        cmocka_unit_test(test_quic_tls_provide_byte_by_byte),
        cmocka_unit_test(test_quic_tls_verify_against_ca),
        cmocka_unit_test(test_quic_tls_verify_wrong_ca_fails),
        cmocka_unit_test(test_quic_tls_verify_host_mismatch_fails),
        cmocka_unit_test(test_quic_tls_verify_off_accepts_anything),
        cmocka_unit_test(test_quic_tls_verify_expired_fails),
        cmocka_unit_test(test_quic_tls_pinned_pubkey),
        cmocka_unit_test(test_quic_tls_alpn_no_overlap_alert_120),
        cmocka_unit_test(test_quic_tls_alpn_missing_alert_120),
        cmocka_unit_test(test_quic_tls_alpn_server_preference),
        cmocka_unit_test(test_quic_tls_chacha20_only),
        cmocka_unit_test(test_quic_tls_aes256_secrets_are_48_bytes),
        cmocka_unit_test(test_quic_tls_keylog_nss_lines),
        cmocka_unit_test(test_quic_tls_resumption_with_early_data),
        cmocka_unit_test(test_quic_tls_early_data_refused_by_server),
        cmocka_unit_test(test_quic_tls_early_data_disabled_on_server),
        cmocka_unit_test(test_quic_tls_new_bad_session),
        cmocka_unit_test(test_quic_tls_provide_stale_level),
        cmocka_unit_test(test_quic_tls_advance_garbage_alert),
        cmocka_unit_test(test_quic_tls_context_new_errors),
        cmocka_unit_test(test_quic_tls_context_from_quic_config),
        cmocka_unit_test(test_quic_tls_spki_pin_matches_openssl),
        cmocka_unit_test(test_quic_tls_pin_list),
        cmocka_unit_test(test_quic_tls_generate_self_signed_verifies),
        cmocka_unit_test(test_quic_tls_generate_self_signed_arguments),
        cmocka_unit_test(test_quic_tls_allocation_failures),
        cmocka_unit_test(test_quic_tls_strerror),
    };
    return cmocka_run_group_tests_name("core_tls", tests, NULL, NULL);
}

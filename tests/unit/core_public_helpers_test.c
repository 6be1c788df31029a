/* tests/unit/core_public_helpers_test.c — the public server/tool helpers of
 * core/quic.h: header peek for the demultiplexer, Version Negotiation
 * answers (RFC 9000 §6.1, §17.2.1), the context SPKI pin and self-signed
 * certificates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/quic.h"

#include "core/protect.h"

/* A v1 Initial header: first byte, version, DCID 8, SCID 3, token 2,
 * Length 2, then 2 bytes of "packet number and payload". */
static const uint8_t initial_v1[] = {
    0xc3, 0x00, 0x00, 0x00, 0x01,                         /* Initial, v1 */
    0x08, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, /* DCID */
    0x03, 0xaa, 0xbb, 0xcc,                               /* SCID */
    0x02, 0x7e, 0x7f,                                     /* token */
    0x02, 0x00, 0x00,                                     /* Length, pn+x */
};

static void test_quic_header_peek_initial(void **state) {
    (void)state;
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, initial_v1, sizeof(initial_v1), 8),
                     0);
    assert_true(h.is_long);
    assert_true(h.version_known);
    assert_int_equal(h.type, QUIC_HEADER_INITIAL);
    assert_int_equal(h.version, QUIC_VERSION_1);
    assert_int_equal(h.dcid_len, 8);
    assert_memory_equal(h.dcid, initial_v1 + 6, 8);
    assert_int_equal(h.scid_len, 3);
    assert_memory_equal(h.scid, initial_v1 + 15, 3);
    assert_int_equal(h.token_len, 2);
    assert_memory_equal(h.token, initial_v1 + 19, 2);
}

static void test_quic_header_peek_short_header(void **state) {
    (void)state;
    const uint8_t pkt[] = {0x41, 1, 2, 3, 4, 5, 6, 7, 8, 0x00, 0x99};
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, pkt, sizeof(pkt), 8), 0);
    assert_false(h.is_long);
    assert_true(h.version_known);
    assert_int_equal(h.type, QUIC_HEADER_ONE_RTT);
    assert_int_equal(h.dcid_len, 8);
    assert_ptr_equal(h.dcid, pkt + 1);
    /* The DCID plus one packet-number byte must fit. */
    assert_int_equal(quic_header_peek(&h, pkt, 9, 8), QUIC_ERR_TRUNCATED);
}

static void test_quic_header_peek_unknown_version(void **state) {
    (void)state;
    /* RFC 8999 §5.1: an unknown version may carry CIDs over 20 bytes. */
    uint8_t pkt[1200] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 30};
    pkt[6 + 30] = 4; /* SCID length */
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, pkt, sizeof(pkt), 8), 0);
    assert_true(h.is_long);
    assert_false(h.version_known);
    assert_int_equal(h.version, 0x1a2a3a4au);
    assert_int_equal(h.dcid_len, 30);
    assert_int_equal(h.scid_len, 4);
    assert_ptr_equal(h.scid, pkt + 6 + 30 + 1);
}

static const struct peek_error_case {
    int line;
    uint8_t bytes[16];
    size_t len;
    int want;
} peek_errors[] = {
    {__LINE__, {0}, 0, QUIC_ERR_TRUNCATED},
    {__LINE__, {0xc0, 0, 0, 0}, 4, QUIC_ERR_TRUNCATED},
    {__LINE__, {0x80, 0, 0, 0, 1, 0, 0, 0, 1}, 9, QUIC_ERR_FIXED_BIT},
    {__LINE__, {0xc0, 0, 0, 0, 1, 21}, 6, QUIC_ERR_CID_TOO_LONG},
    {__LINE__, {0xc0, 0, 0, 0, 1, 0, 0, 0, 0}, 9, QUIC_ERR_PACKET_LENGTH},
    {__LINE__, {0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 10, QUIC_ERR_FIXED_BIT},
    /* Version Negotiation with a ragged version list. */
    {__LINE__, {0x80, 0, 0, 0, 0, 0, 0, 1, 2}, 9, QUIC_ERR_VN_LIST},
};

static void test_quic_header_peek_errors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(peek_errors) / sizeof(peek_errors[0]); i++) {
        const struct peek_error_case *c = &peek_errors[i];
        quic_header_info h;
        int rc = quic_header_peek(&h, c->bytes, c->len, 8);
        if (rc != c->want)
            fail_msg("line %d: got %d, want %d", c->line, rc, c->want);
    }
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, initial_v1, sizeof(initial_v1), 21),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_version_negotiation_build_answers_client(void **st) {
    (void)st;
    uint8_t pkt[1200] = {0xc0, 0x0a, 0x0a, 0x0a, 0x0a, 2,
                         0xd1, 0xd2, 3,    0x51, 0x52, 0x53};
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, pkt, sizeof(pkt), 8), 0);
    const uint32_t versions[] = {QUIC_VERSION_1, QUIC_VERSION_2};
    uint8_t out[64];
    int n =
        quic_version_negotiation_build(out, sizeof(out), &h, versions, 2, 0x15);
    /* RFC 9000 §17.2.1: the client's SCID becomes the DCID and its DCID
     * the SCID; 0x40 is always set in the first byte. */
    const uint8_t want[] = {0xc0 | 0x15, 0,    0,    0,    0,    3,   0x51,
                            0x52,        0x53, 2,    0xd1, 0xd2, 0,   0,
                            0,           1,    0x6b, 0x33, 0x43, 0xcf};
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    /* The answer is a Version Negotiation packet: never answered again. */
    quic_header_info vn;
    assert_int_equal(quic_header_peek(&vn, out, (size_t)n, 8), 0);
    assert_true(vn.version_known);
    assert_int_equal(vn.type, QUIC_HEADER_VERSION_NEGOTIATION);
    assert_int_equal(
        quic_version_negotiation_build(out, sizeof(out), &vn, versions, 2, 0),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_version_negotiation_build(out, 10, &h, versions, 2, 0),
        QUIC_ERR_NOBUF);
    assert_int_equal(
        quic_version_negotiation_build(out, sizeof(out), &h, versions, 0, 0),
        QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_generate_self_signed_pin_matches_context(void **st) {
    (void)st;
    const char *names[] = {"localhost", "127.0.0.1", "::1"};
    char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    assert_int_equal(quic_generate_self_signed(names, 3, 1700000000, 30, &cert,
                                               &cert_len, &key, &key_len),
                     0);
    assert_non_null(strstr(cert, "-----BEGIN CERTIFICATE-----"));
    assert_int_equal(strlen(cert), cert_len);
    assert_non_null(strstr(key, "PRIVATE KEY-----"));

    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.cert_pem = (const uint8_t *)cert;
    cfg.cert_pem_len = cert_len;
    cfg.key_pem = (const uint8_t *)key;
    cfg.key_pem_len = key_len;
    quic_tls_context *ctx = NULL;
    assert_int_equal(quic_tls_context_new(&ctx, &cfg), 0);
    char pin[QUIC_SPKI_PIN_SIZE];
    assert_int_equal(quic_tls_context_get_pin(ctx, pin, sizeof(pin)), 0);
    assert_int_equal(strlen(pin), 44);
    assert_int_equal(quic_tls_context_get_pin(ctx, pin, 44), QUIC_ERR_NOBUF);
    quic_tls_context_free(ctx);
    free(cert);
    free(key);
    assert_int_equal(quic_generate_self_signed(names, 0, 0, 1, &cert, &cert_len,
                                               &key, &key_len),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_tls_context_get_pin_of_test_certificate(void **st) {
    (void)st;
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.cert_file = "../certs/server.pem";
    cfg.key_file = "../certs/server.key";
    quic_tls_context *ctx = NULL;
    assert_int_equal(quic_tls_context_new(&ctx, &cfg), 0);
    char pin[QUIC_SPKI_PIN_SIZE];
    assert_int_equal(quic_tls_context_get_pin(ctx, pin, sizeof(pin)), 0);
    /* tests/certs/server.spki, made by openssl in make-certs.sh. */
    assert_string_equal(pin, "rRp/9+1BVM1AQ39fB3RIrT6rZA8zqgqRkSaDmpXTp5M=");
    quic_tls_context_free(ctx);
    /* A client context has no certificate of its own. */
    quic_config_init(&cfg, true);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.verify_peer = false;
    assert_int_equal(quic_tls_context_new(&ctx, &cfg), 0);
    assert_int_equal(quic_tls_context_get_pin(ctx, pin, sizeof(pin)),
                     QUIC_ERR_INVALID_STATE);
    quic_tls_context_free(ctx);
}

static quic_addr test_addr(uint8_t last, uint16_t port) {
    /* The bytes of a sockaddr_in, as the engine keeps them verbatim. */
    quic_addr a;
    memset(&a, 0, sizeof(a));
    a.len = 16;
    a.data[0] = 2; /* AF_INET, little-endian sa_family */
    a.data[2] = (uint8_t)(port >> 8);
    a.data[3] = (uint8_t)port;
    a.data[4] = 127;
    a.data[7] = last;
    return a;
}

static void test_quic_retry_build_and_validate(void **st) {
    (void)st;
    quic_token_key *key = NULL;
    assert_int_equal(quic_retry_key_new(&key, NULL), 0);
    quic_header_info first;
    assert_int_equal(
        quic_header_peek(&first, initial_v1, sizeof(initial_v1), 8), 0);
    first.token_len = 0;
    quic_addr peer = test_addr(1, 4433), other = test_addr(2, 4433);
    uint8_t retry[256];
    int n =
        quic_retry_build(retry, sizeof(retry), key, &first, &peer, 5 * QUIC_S);
    assert_true(n > 0);
    /* A v1 Retry to the client's SCID whose tag verifies with its DCID
     * (RFC 9001 §5.8). */
    quic_header_info h;
    assert_int_equal(quic_header_peek(&h, retry, (size_t)n, 8), 0);
    assert_int_equal(h.type, QUIC_HEADER_RETRY);
    assert_int_equal(h.dcid_len, 3);
    assert_memory_equal(h.dcid, first.scid, 3);
    assert_int_equal(h.scid_len, 8);
    assert_int_equal(
        quic_retry_verify(QUIC_VERSION_1, first.dcid, 8, retry, (size_t)n), 0);
    /* The client's next Initial: DCID = the Retry's SCID, the token. */
    quic_header_info second = first;
    second.dcid = h.scid;
    second.dcid_len = h.scid_len;
    second.token = h.token;
    second.token_len = h.token_len;
    quic_server_params sp;
    assert_int_equal(quic_retry_validate(key, &second, &peer, 6 * QUIC_S, &sp),
                     0);
    assert_true(sp.address_validated);
    assert_int_equal(sp.original_dcid.len, 8);
    assert_memory_equal(sp.original_dcid.data, first.dcid, 8);
    assert_int_equal(sp.retry_scid.len, 8);
    assert_memory_equal(sp.retry_scid.data, h.scid, 8);
    /* Another address, too late, another DCID, no token: refused. */
    assert_int_equal(quic_retry_validate(key, &second, &other, 6 * QUIC_S, &sp),
                     QUIC_ERR_TOKEN_ADDRESS);
    assert_int_equal(quic_retry_validate(key, &second, &peer, 16 * QUIC_S, &sp),
                     QUIC_ERR_TOKEN_EXPIRED);
    second.dcid = first.dcid;
    assert_int_equal(quic_retry_validate(key, &second, &peer, 6 * QUIC_S, &sp),
                     QUIC_ERR_INVALID_ARGUMENT);
    second.token_len = 0;
    assert_int_equal(quic_retry_validate(key, &second, &peer, 6 * QUIC_S, &sp),
                     QUIC_ERR_TRUNCATED);
    /* A key from the same secret accepts the token; another one does not. */
    uint8_t secret[32] = {1, 2, 3};
    quic_token_key *a = NULL, *b = NULL;
    assert_int_equal(quic_retry_key_new(&a, secret), 0);
    assert_int_equal(quic_retry_key_new(&b, secret), 0);
    n = quic_retry_build(retry, sizeof(retry), a, &first, &peer, 0);
    assert_int_equal(quic_header_peek(&h, retry, (size_t)n, 8), 0);
    second.dcid = h.scid;
    second.token = h.token;
    second.token_len = h.token_len;
    assert_int_equal(quic_retry_validate(b, &second, &peer, 0, &sp), 0);
    assert_int_equal(quic_retry_validate(key, &second, &peer, 0, &sp),
                     QUIC_ERR_TOKEN_INVALID);
    quic_retry_key_free(a);
    quic_retry_key_free(b);
    quic_retry_key_free(key);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_header_peek_initial),
        cmocka_unit_test(test_quic_header_peek_short_header),
        cmocka_unit_test(test_quic_header_peek_unknown_version),
        cmocka_unit_test(test_quic_header_peek_errors),
        cmocka_unit_test(test_quic_version_negotiation_build_answers_client),
        cmocka_unit_test(test_quic_generate_self_signed_pin_matches_context),
        cmocka_unit_test(test_quic_tls_context_get_pin_of_test_certificate),
        cmocka_unit_test(test_quic_retry_build_and_validate),
    };
    return cmocka_run_group_tests_name("core_public_helpers", tests, NULL,
                                       NULL);
}

/* tests/unit/core_reset_token_test.c — stateless reset (RFC 9000 §10.3):
 * token derivation against HMAC-SHA256 vectors, reset packet size and
 * layout (first byte, unpredictable bits, token last, always shorter than
 * what it answers) and detection among several tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/reset_token.h"

static quic_cid make_cid(const uint8_t *p, size_t n) {
    quic_cid c = {.len = (uint8_t)n};
    memcpy(c.data, p, n);
    return c;
}

static const struct derive_case {
    int line;
    uint8_t key[32];
    size_t key_len;
    uint8_t cid[20];
    size_t cid_len;
    uint8_t token[16];
} derive_cases[] = {
    /* RFC 4231 §4.2 (test case 1), HMAC-SHA-256 truncated to 16 bytes. */
    {__LINE__,
     {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
      0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b},
     20,
     "Hi There",
     8,
     {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce,
      0xaf, 0x0b, 0xf1, 0x2b}},
    /* A 32-byte key and a 20-byte CID; computed independently with
     * Python's hmac module. */
    {__LINE__,
     {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31},
     32,
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
     20,
     {0x8c, 0x92, 0x9d, 0x47, 0x24, 0x59, 0xf5, 0x7b, 0x21, 0xc9, 0x53, 0x7c,
      0xd7, 0xac, 0xc0, 0x6c}},
};

static void test_quic_reset_token_derive_hmac_vectors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(derive_cases) / sizeof(derive_cases[0]);
         i++) {
        const struct derive_case *c = &derive_cases[i];
        quic_cid cid = make_cid(c->cid, c->cid_len);
        uint8_t token[QUIC_RESET_TOKEN_LEN];
        int rc = quic_reset_token_derive(c->key, c->key_len, &cid, token);
        if (rc != 0 || memcmp(token, c->token, sizeof(token)) != 0)
            fail_msg("line %d: rc %d or token differs", c->line, rc);
    }
}

static void test_quic_reset_token_derive_distinct_and_errors(void **state) {
    (void)state;
    static const uint8_t key[32] = "static reset key for h3cli test";
    uint8_t a[16], b[16], k2[16];
    quic_cid c1 = make_cid((const uint8_t *)"\x01\x02\x03\x04", 4);
    quic_cid c2 = make_cid((const uint8_t *)"\x01\x02\x03\x05", 4);
    assert_int_equal(quic_reset_token_derive(key, 32, &c1, a), 0);
    assert_int_equal(quic_reset_token_derive(key, 32, &c2, b), 0);
    assert_memory_not_equal(a, b, 16);
    static const uint8_t other_key[32] = "another reset key for the test";
    assert_int_equal(quic_reset_token_derive(other_key, 32, &c1, k2), 0);
    assert_memory_not_equal(a, k2, 16);
    /* The same inputs give the same token: that is the point (§10.3.2). */
    assert_int_equal(quic_reset_token_derive(key, 32, &c1, b), 0);
    assert_memory_equal(a, b, 16);
    quic_cid empty = {.len = 0}, too_long = {.len = 21};
    assert_int_equal(quic_reset_token_derive(key, 32, &empty, a),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_reset_token_derive(key, 32, &too_long, a),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_reset_token_derive(key, 15, &c1, a),
                     QUIC_ERR_INVALID_ARGUMENT);
}

/* A counting generator, so the unpredictable bytes are known. */
static void counting_rng(void *user, uint8_t *out, size_t len) {
    uint8_t *next = user;
    for (size_t i = 0; i < len; i++)
        out[i] = (*next)++;
}

static const uint8_t token_a[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
                                    0xac, 0xad, 0xae, 0xaf};

static const struct size_case {
    int line;
    size_t received, cap;
    int want; /* length or error */
} size_cases[] = {
    /* §10.3.3: one byte shorter than the packet answered. */
    {__LINE__, 43, 1500, 42},
    {__LINE__, 22, 1500, 21},
    {__LINE__, 1200, 1500, 1199},
    /* Bounded by the caller's capacity, never below 21 bytes. */
    {__LINE__, 1200, 64, 64},
    {__LINE__, 1200, 21, 21},
    {__LINE__, 1200, 20, QUIC_ERR_NOBUF},
    /* §10.3: no reset of at least 21 bytes is shorter than these. */
    {__LINE__, 21, 1500, QUIC_ERR_RESET_TOO_SMALL},
    {__LINE__, 0, 1500, QUIC_ERR_RESET_TOO_SMALL},
};

static void test_quic_reset_build_sizes(void **state) {
    (void)state;
    static uint8_t out[1500];
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
        const struct size_case *c = &size_cases[i];
        uint8_t next = 0;
        int n = quic_reset_build(token_a, c->received, counting_rng, &next, out,
                                 c->cap);
        if (n != c->want)
            fail_msg("line %d: %d, want %d", c->line, n, c->want);
        if (n > 0 && memcmp(out + n - 16, token_a, 16) != 0)
            fail_msg("line %d: token not last", c->line);
    }
}

static void test_quic_reset_build_layout(void **state) {
    (void)state;
    uint8_t out[64];
    uint8_t next = 0xfe; /* first byte 0xfe: both top bits must be fixed */
    assert_int_equal(
        quic_reset_build(token_a, 30, counting_rng, &next, out, sizeof(out)),
        29);
    static const uint8_t want[29] = {
        0x7e, 0xff, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
        0x08, 0x09, 0x0a, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
        0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    assert_memory_equal(out, want, sizeof(want));
    /* wolfCrypt's RNG: 0b01 prefix, unpredictable bits differ each time. */
    uint8_t a[64], b[64];
    assert_int_equal(quic_reset_build(token_a, 65, NULL, NULL, a, sizeof(a)),
                     64);
    assert_int_equal(quic_reset_build(token_a, 65, NULL, NULL, b, sizeof(b)),
                     64);
    assert_int_equal(a[0] & 0xc0, 0x40);
    assert_int_equal(b[0] & 0xc0, 0x40);
    assert_memory_not_equal(a + 1, b + 1, 47);
    assert_memory_equal(a + 48, token_a, 16);
}

static void test_quic_reset_detect(void **state) {
    (void)state;
    uint8_t tokens[3][QUIC_RESET_TOKEN_LEN];
    static const uint8_t key[16] = "0123456789abcdef";
    for (uint8_t i = 0; i < 3; i++) {
        quic_cid c = make_cid(&i, 1);
        assert_int_equal(quic_reset_token_derive(key, 16, &c, tokens[i]), 0);
    }
    uint8_t pkt[64];
    uint8_t next = 0;
    int n =
        quic_reset_build(tokens[2], 50, counting_rng, &next, pkt, sizeof(pkt));
    assert_int_equal(n, 49);
    assert_int_equal(
        quic_reset_detect(pkt, (size_t)n, (const uint8_t(*)[16])tokens, 3), 2);
    assert_int_equal(
        quic_reset_detect(pkt, (size_t)n, (const uint8_t(*)[16])tokens, 2), -1);
    /* The token must be the last 16 bytes: one byte more, no match. */
    pkt[n] = 0;
    assert_int_equal(
        quic_reset_detect(pkt, (size_t)n + 1, (const uint8_t(*)[16])tokens, 3),
        -1);
    /* Each byte of the token matters. */
    for (int i = n - 16; i < n; i++) {
        pkt[i] ^= 0x80;
        assert_int_equal(
            quic_reset_detect(pkt, (size_t)n, (const uint8_t(*)[16])tokens, 3),
            -1);
        pkt[i] ^= 0x80;
    }
    /* Under 21 bytes a datagram is never a reset, even ending in a token;
     * a long-header datagram ending in one is (§10.3). */
    assert_int_equal(
        quic_reset_detect(pkt + n - 20, 20, (const uint8_t(*)[16])tokens, 3),
        -1);
    assert_int_equal(
        quic_reset_detect(pkt + n - 21, 21, (const uint8_t(*)[16])tokens, 3),
        2);
    pkt[0] |= 0x80;
    assert_int_equal(
        quic_reset_detect(pkt, (size_t)n, (const uint8_t(*)[16])tokens, 3), 2);
    assert_int_equal(quic_reset_detect(pkt, (size_t)n, NULL, 0), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_reset_token_derive_hmac_vectors),
        cmocka_unit_test(test_quic_reset_token_derive_distinct_and_errors),
        cmocka_unit_test(test_quic_reset_build_sizes),
        cmocka_unit_test(test_quic_reset_build_layout),
        cmocka_unit_test(test_quic_reset_detect),
    };
    return cmocka_run_group_tests_name("core_reset_token", tests, NULL, NULL);
}

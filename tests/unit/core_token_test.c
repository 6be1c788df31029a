/* tests/unit/core_token_test.c — Retry and NEW_TOKEN address-validation
 * tokens (RFC 9000 §8.1): the sealed layout opened with wolfCrypt directly,
 * round trips for IPv4 and IPv6, and one specific error for each way a
 * token can be wrong (address, expiry, tampering, kind, truncation, key). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "core/token.h"

static const uint8_t key_bytes[QUIC_TOKEN_KEY_LEN] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
    0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f};

static quic_addr addr4(const char *ip, uint16_t port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    assert_int_equal(inet_pton(AF_INET, ip, &sin.sin_addr), 1);
    quic_addr a = {.len = sizeof(sin)};
    memcpy(a.data, &sin, sizeof(sin));
    return a;
}

static quic_addr addr6(const char *ip, uint16_t port) {
    struct sockaddr_in6 sin6;
    memset(&sin6, 0, sizeof(sin6));
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    assert_int_equal(inet_pton(AF_INET6, ip, &sin6.sin6_addr), 1);
    quic_addr a = {.len = sizeof(sin6)};
    memcpy(a.data, &sin6, sizeof(sin6));
    return a;
}

static quic_cid cid(const char *s) {
    quic_cid c = {.len = (uint8_t)strlen(s)};
    memcpy(c.data, s, c.len);
    return c;
}

typedef struct fixture {
    quic_token_key *key;
    quic_addr client;
    quic_cid odcid, rscid;
    uint8_t token[QUIC_TOKEN_MAX_LEN];
    int len;
} fixture;

#define NOW (1000 * QUIC_S)

static int setup(void **state) {
    static fixture f;
    memset(&f, 0, sizeof(f));
    if (quic_token_key_new(&f.key, NULL, 7, key_bytes) != 0)
        return -1;
    f.client = addr4("192.0.2.1", 4433);
    f.odcid = cid("odcid-12");
    f.rscid = cid("rscid");
    f.len = quic_token_mint_retry(f.key, &f.client, &f.odcid, &f.rscid, NOW,
                                  f.token, sizeof(f.token), QUIC_VERSION_1);
    *state = &f;
    return f.len > 0 ? 0 : -1;
}

static int teardown(void **state) {
    fixture *f = *state;
    quic_token_key_free(f->key);
    return 0;
}

static int validate(fixture *f, const uint8_t *token, size_t len,
                    quic_token_type expected, const quic_addr *client,
                    quic_time now, quic_token_info *info) {
    quic_token_key *keys[1] = {f->key};
    return quic_token_validate(keys, 1, token, len, expected, client, now, info,
                               QUIC_VERSION_1);
}

/* Opens the token with wolfCrypt here, so the layout is checked byte by
 * byte: kind, key id, nonce, then expiry | address | ODCID | SCID; the
 * associated data is kind | key id | the QUIC version. */
static void test_quic_token_mint_retry_layout(void **state) {
    fixture *f = *state;
    /* 2 + 12 + (8 + 1 + 7 + 1 + 8 + 1 + 5) + 16 */
    assert_int_equal(f->len, 61);
    assert_int_equal(f->token[0], QUIC_TOKEN_RETRY);
    assert_int_equal(f->token[1], 7);
    Aes aes;
    assert_int_equal(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
    assert_int_equal(wc_AesGcmSetKey(&aes, key_bytes, sizeof(key_bytes)), 0);
    uint8_t plain[31];
    const uint8_t ad[6] = {f->token[0], f->token[1], 0, 0, 0, 1};
    assert_int_equal(wc_AesGcmDecrypt(&aes, plain, f->token + 14, 31,
                                      f->token + 2, 12, f->token + 45, 16, ad,
                                      sizeof(ad)),
                     0);
    wc_AesFree(&aes);
    static const uint8_t want[31] = {
        /* expiry: 1010 s in ns, big-endian */
        0x00, 0x00, 0x00, 0xeb, 0x28, 0xb0, 0xf4, 0x00,
        /* IPv4 192.0.2.1 port 4433 */
        7, 4, 192, 0, 2, 1, 0x11, 0x51,
        /* ODCID, Retry SCID */
        8, 'o', 'd', 'c', 'i', 'd', '-', '1', '2', 5, 'r', 's', 'c', 'i', 'd'};
    assert_memory_equal(plain, want, sizeof(want));
}

static void test_quic_token_validate_retry_round_trip(void **state) {
    fixture *f = *state;
    quic_token_info info;
    memset(&info, 0xaa, sizeof(info));
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &f->client, NOW + QUIC_S, &info),
                     0);
    assert_int_equal(info.type, QUIC_TOKEN_RETRY);
    assert_int_equal(info.original_dcid.len, 8);
    assert_memory_equal(info.original_dcid.data, "odcid-12", 8);
    assert_int_equal(info.retry_scid.len, 5);
    assert_memory_equal(info.retry_scid.data, "rscid", 5);
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_ANY,
                              &f->client, NOW, &info),
                     0);
    /* Random nonces: the same inputs never give the same token. */
    uint8_t again[QUIC_TOKEN_MAX_LEN];
    assert_int_equal(quic_token_mint_retry(f->key, &f->client, &f->odcid,
                                           &f->rscid, NOW, again, sizeof(again),
                                           QUIC_VERSION_1),
                     f->len);
    assert_memory_not_equal(again + 2, f->token + 2, 12);
}

static void test_quic_token_validate_retry_wrong_address(void **state) {
    fixture *f = *state;
    quic_token_info info;
    quic_addr port = addr4("192.0.2.1", 4434);
    quic_addr ip = addr4("192.0.2.2", 4433);
    quic_addr v6 = addr6("::ffff:192.0.2.1", 4433);
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &port, NOW, &info),
                     QUIC_ERR_TOKEN_ADDRESS);
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &ip, NOW, &info),
                     QUIC_ERR_TOKEN_ADDRESS);
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &v6, NOW, &info),
                     QUIC_ERR_TOKEN_ADDRESS);
}

static void test_quic_token_validate_expired(void **state) {
    fixture *f = *state;
    quic_token_info info;
    quic_time expiry = NOW + QUIC_TOKEN_RETRY_LIFETIME;
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &f->client, expiry - 1, &info),
                     0);
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_RETRY,
                              &f->client, expiry, &info),
                     QUIC_ERR_TOKEN_EXPIRED);
}

/* Every single-bit flip is caught, each by the field it lands in. */
static void test_quic_token_validate_tampered(void **state) {
    fixture *f = *state;
    quic_token_info info;
    for (int i = 0; i < f->len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            uint8_t t[QUIC_TOKEN_MAX_LEN];
            memcpy(t, f->token, (size_t)f->len);
            t[i] ^= (uint8_t)(1u << bit);
            int want = i == 0   ? QUIC_ERR_TOKEN_TYPE
                       : i == 1 ? QUIC_ERR_TOKEN_KEY
                                : QUIC_ERR_TOKEN_INVALID;
            int rc = validate(f, t, (size_t)f->len, QUIC_TOKEN_ANY, &f->client,
                              NOW, &info);
            if (rc != want)
                fail_msg("byte %d bit %d: %d, want %d", i, bit, rc, want);
        }
    }
}

static void test_quic_token_validate_truncated(void **state) {
    fixture *f = *state;
    quic_token_info info;
    for (int n = 0; n < f->len; n++) {
        int rc = validate(f, f->token, (size_t)n, QUIC_TOKEN_RETRY, &f->client,
                          NOW, &info);
        int want =
            n < 2 + 12 + 16 + 9 ? QUIC_ERR_TRUNCATED : QUIC_ERR_TOKEN_INVALID;
        if (rc != want)
            fail_msg("length %d: %d, want %d", n, rc, want);
    }
    uint8_t longer[QUIC_TOKEN_MAX_LEN + 1] = {0};
    memcpy(longer, f->token, (size_t)f->len);
    assert_int_equal(validate(f, longer, (size_t)f->len + 1, QUIC_TOKEN_RETRY,
                              &f->client, NOW, &info),
                     QUIC_ERR_TOKEN_INVALID);
    assert_int_equal(validate(f, longer, sizeof(longer), QUIC_TOKEN_RETRY,
                              &f->client, NOW, &info),
                     QUIC_ERR_TOKEN_INVALID);
}

static void test_quic_token_validate_wrong_type(void **state) {
    fixture *f = *state;
    quic_token_info info;
    assert_int_equal(validate(f, f->token, (size_t)f->len, QUIC_TOKEN_NEW_TOKEN,
                              &f->client, NOW, &info),
                     QUIC_ERR_TOKEN_TYPE);
    /* Relabelling the kind byte breaks the associated data. */
    uint8_t t[QUIC_TOKEN_MAX_LEN];
    memcpy(t, f->token, (size_t)f->len);
    t[0] = QUIC_TOKEN_NEW_TOKEN;
    assert_int_equal(validate(f, t, (size_t)f->len, QUIC_TOKEN_NEW_TOKEN,
                              &f->client, NOW, &info),
                     QUIC_ERR_TOKEN_INVALID);
}

/* §8.1.3: a NEW_TOKEN token binds the IP only (NAT rebinding changes the
 * port) and lives far longer than a Retry token. */
static void test_quic_token_new_token_binds_ip_only(void **state) {
    fixture *f = *state;
    quic_addr client = addr6("2001:db8::1", 50000);
    uint8_t t[QUIC_TOKEN_MAX_LEN];
    int len = quic_token_mint_new_token(f->key, &client, NOW, t, sizeof(t),
                                        QUIC_VERSION_1);
    assert_int_equal(len, 2 + 12 + 8 + 1 + 17 + 16);
    assert_int_equal(t[0], QUIC_TOKEN_NEW_TOKEN);
    quic_token_info info;
    quic_addr rebound = addr6("2001:db8::1", 50001);
    quic_addr other = addr6("2001:db8::2", 50000);
    quic_time later = NOW + 23 * 3600 * QUIC_S;
    assert_int_equal(validate(f, t, (size_t)len, QUIC_TOKEN_NEW_TOKEN, &rebound,
                              later, &info),
                     0);
    assert_int_equal(info.type, QUIC_TOKEN_NEW_TOKEN);
    assert_int_equal(info.original_dcid.len, 0);
    assert_int_equal(info.retry_scid.len, 0);
    assert_int_equal(
        validate(f, t, (size_t)len, QUIC_TOKEN_NEW_TOKEN, &other, later, &info),
        QUIC_ERR_TOKEN_ADDRESS);
    assert_int_equal(
        validate(f, t, (size_t)len, QUIC_TOKEN_RETRY, &client, later, &info),
        QUIC_ERR_TOKEN_TYPE);
    assert_int_equal(validate(f, t, (size_t)len, QUIC_TOKEN_ANY, &client,
                              NOW + QUIC_TOKEN_NEW_TOKEN_LIFETIME, &info),
                     QUIC_ERR_TOKEN_EXPIRED);
}

/* Rotation: tokens of the previous key stay valid while it is kept. */
static void test_quic_token_validate_key_rotation(void **state) {
    fixture *f = *state;
    quic_token_key *next = NULL, *same_id = NULL;
    assert_int_equal(quic_token_key_new(&next, NULL, 8, NULL), 0);
    assert_int_equal(quic_token_key_new(&same_id, NULL, 7, NULL), 0);
    assert_int_equal(quic_token_key_id(next), 8);
    quic_token_info info;
    quic_token_key *both[2] = {next, f->key};
    assert_int_equal(quic_token_validate(both, 2, f->token, (size_t)f->len,
                                         QUIC_TOKEN_RETRY, &f->client, NOW,
                                         &info, QUIC_VERSION_1),
                     0);
    assert_int_equal(quic_token_validate(&next, 1, f->token, (size_t)f->len,
                                         QUIC_TOKEN_RETRY, &f->client, NOW,
                                         &info, QUIC_VERSION_1),
                     QUIC_ERR_TOKEN_KEY);
    /* A different random key under the same id: forged. */
    assert_int_equal(quic_token_validate(&same_id, 1, f->token, (size_t)f->len,
                                         QUIC_TOKEN_RETRY, &f->client, NOW,
                                         &info, QUIC_VERSION_1),
                     QUIC_ERR_TOKEN_INVALID);
    quic_token_key_free(next);
    quic_token_key_free(same_id);
}

static void test_quic_token_mint_argument_errors(void **state) {
    fixture *f = *state;
    uint8_t t[QUIC_TOKEN_MAX_LEN];
    assert_int_equal(quic_token_mint_retry(f->key, &f->client, &f->odcid,
                                           &f->rscid, NOW, t, 60,
                                           QUIC_VERSION_1),
                     QUIC_ERR_NOBUF);
    quic_cid long_cid = {.len = 21};
    assert_int_equal(quic_token_mint_retry(f->key, &f->client, &long_cid,
                                           &f->rscid, NOW, t, sizeof(t),
                                           QUIC_VERSION_1),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_addr bad = {.len = 29};
    assert_int_equal(quic_token_mint_new_token(f->key, &bad, NOW, t, sizeof(t),
                                               QUIC_VERSION_1),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* An address of no known family binds all its bytes. */
    quic_addr raw = {.len = 3, .data = {9, 9, 9}};
    int len = quic_token_mint_new_token(f->key, &raw, NOW, t, sizeof(t),
                                        QUIC_VERSION_1);
    assert_int_equal(len, 2 + 12 + 8 + 1 + 4 + 16);
    quic_token_info info;
    assert_int_equal(
        validate(f, t, (size_t)len, QUIC_TOKEN_NEW_TOKEN, &raw, NOW, &info), 0);
    raw.data[2] = 8;
    assert_int_equal(
        validate(f, t, (size_t)len, QUIC_TOKEN_NEW_TOKEN, &raw, NOW, &info),
        QUIC_ERR_TOKEN_ADDRESS);
}

/* RFC 9369 §5: a token minted for one QUIC version does not validate for
 * another, whichever kind it is. */
static void test_quic_token_bound_to_version(void **state) {
    fixture *f = *state;
    quic_token_key *keys[1] = {f->key};
    quic_token_info info;
    assert_int_equal(
        validate(f, f->token, f->len, QUIC_TOKEN_RETRY, &f->client, NOW, &info),
        0);
    assert_int_equal(quic_token_validate(keys, 1, f->token, f->len,
                                         QUIC_TOKEN_RETRY, &f->client, NOW,
                                         &info, QUIC_VERSION_2),
                     QUIC_ERR_TOKEN_INVALID);
    uint8_t t[QUIC_TOKEN_MAX_LEN];
    int n = quic_token_mint_new_token(f->key, &f->client, NOW, t, sizeof(t),
                                      QUIC_VERSION_2);
    assert_true(n > 0);
    assert_int_equal(quic_token_validate(keys, 1, t, (size_t)n,
                                         QUIC_TOKEN_NEW_TOKEN, &f->client, NOW,
                                         &info, QUIC_VERSION_2),
                     0);
    assert_int_equal(quic_token_validate(keys, 1, t, (size_t)n,
                                         QUIC_TOKEN_NEW_TOKEN, &f->client, NOW,
                                         &info, QUIC_VERSION_1),
                     QUIC_ERR_TOKEN_INVALID);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_token_mint_retry_layout),
        cmocka_unit_test(test_quic_token_validate_retry_round_trip),
        cmocka_unit_test(test_quic_token_validate_retry_wrong_address),
        cmocka_unit_test(test_quic_token_validate_expired),
        cmocka_unit_test(test_quic_token_validate_tampered),
        cmocka_unit_test(test_quic_token_validate_truncated),
        cmocka_unit_test(test_quic_token_validate_wrong_type),
        cmocka_unit_test(test_quic_token_new_token_binds_ip_only),
        cmocka_unit_test(test_quic_token_validate_key_rotation),
        cmocka_unit_test(test_quic_token_mint_argument_errors),
        cmocka_unit_test(test_quic_token_bound_to_version),
    };
    return cmocka_run_group_tests_name("core_token", tests, setup, teardown);
}

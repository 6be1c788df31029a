/* tests/unit/core_crypto_test.c — QUIC key derivation (core/crypto.c)
 * against every secret and key of the RFC 9001 and RFC 9369 Appendix A
 * vectors, read from shared/spec at run time; cipher-suite facts; argument
 * errors; and the vector-file reader itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/crypto.h"
#include "tests/unit/support/vectors.h"

/* One vector file and the version whose labels it uses. */
typedef struct vector_file {
    const char *file;
    uint32_t version;
    const char *label_prefix; /* "quic" or "quicv2": key/iv/hp/ku labels */
    const char *section;
    int line;
} vector_file;

static const vector_file files[] = {
    {"rfc9001-test-vectors.txt", QUIC_VERSION_1, "quic", "RFC 9001 App. A",
     __LINE__},
    {"rfc9369-test-vectors.txt", QUIC_VERSION_2, "quicv2", "RFC 9369 App. A",
     __LINE__},
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static test_vectors loaded[NFILES];

static int load_all(void **state) {
    (void)state;
    for (size_t i = 0; i < NFILES; i++)
        if (test_vectors_load(&loaded[i], files[i].file) != 0)
            return -1;
    return 0;
}

static int free_all(void **state) {
    (void)state;
    for (size_t i = 0; i < NFILES; i++)
        test_vectors_free(&loaded[i]);
    return 0;
}

/* The value |name| of file |i|; fails the test if it is missing or its
 * length is not |len| (0 = any). */
static const uint8_t *vec(size_t i, const char *name, size_t len) {
    size_t got = 0;
    const uint8_t *p = test_vectors_bytes(&loaded[i], name, &got);
    if (p == NULL || (len && got != len))
        fail_msg("%s (%s:%d): value %s missing or not %zu bytes", files[i].file,
                 files[i].section, files[i].line, name, len);
    return p;
}

static void expect_bytes(size_t i, const char *name, const uint8_t *got,
                         size_t len) {
    const uint8_t *want = vec(i, name, len);
    if (memcmp(want, got, len) != 0) {
        print_error("%s (%s, row at line %d): %s differs\n", files[i].file,
                    files[i].section, files[i].line, name);
        assert_memory_equal(want, got, len);
    }
}

/* ---- Cipher-suite facts ----------------------------------------------------
 */

static void test_quic_cipher_from_tls_suite_maps_the_three_suites(void **s) {
    (void)s;
    static const struct {
        uint16_t suite;
        quic_cipher cipher;
        quic_hash hash;
        size_t key_len;
        int line;
    } rows[] = {
        {0x1301, QUIC_CIPHER_AES_128_GCM, QUIC_HASH_SHA256, 16, __LINE__},
        {0x1302, QUIC_CIPHER_AES_256_GCM, QUIC_HASH_SHA384, 32, __LINE__},
        {0x1303, QUIC_CIPHER_CHACHA20_POLY1305, QUIC_HASH_SHA256, 32, __LINE__},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        quic_cipher c = (quic_cipher)99;
        assert_int_equal(quic_cipher_from_tls_suite(rows[i].suite, &c), 0);
        assert_int_equal(c, rows[i].cipher);
        assert_int_equal(quic_cipher_tls_suite(c), rows[i].suite);
        assert_int_equal(quic_cipher_hash(c), rows[i].hash);
        assert_int_equal(quic_cipher_key_len(c), rows[i].key_len);
    }
    assert_int_equal(quic_hash_len(QUIC_HASH_SHA256), 32);
    assert_int_equal(quic_hash_len(QUIC_HASH_SHA384), 48);
}

static void test_quic_cipher_from_tls_suite_rejects_others(void **s) {
    (void)s;
    /* 0x1304/0x1305 are the CCM suites, which this engine does not offer. */
    static const uint16_t others[] = {0x0000, 0x1300, 0x1304,
                                      0x1305, 0xc02f, 0xffff};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        quic_cipher c = QUIC_CIPHER_AES_128_GCM;
        assert_int_equal(quic_cipher_from_tls_suite(others[i], &c),
                         QUIC_ERR_UNSUPPORTED_CIPHER);
    }
}

static void test_quic_cipher_limits_match_rfc9001_6_6(void **s) {
    (void)s;
    /* RFC 9001 §6.6: AES-GCM 2^23 / 2^52, ChaCha20 "disregarded" / 2^36. */
    assert_true(quic_cipher_confidentiality_limit(QUIC_CIPHER_AES_128_GCM) ==
                UINT64_C(8388608));
    assert_true(quic_cipher_confidentiality_limit(QUIC_CIPHER_AES_256_GCM) ==
                UINT64_C(8388608));
    assert_true(quic_cipher_integrity_limit(QUIC_CIPHER_AES_128_GCM) ==
                UINT64_C(4503599627370496));
    assert_true(quic_cipher_integrity_limit(QUIC_CIPHER_AES_256_GCM) ==
                UINT64_C(4503599627370496));
    assert_true(quic_cipher_confidentiality_limit(
                    QUIC_CIPHER_CHACHA20_POLY1305) == UINT64_MAX);
    assert_true(quic_cipher_integrity_limit(QUIC_CIPHER_CHACHA20_POLY1305) ==
                UINT64_C(68719476736));
}

/* ---- HKDF
 * ---------------------------------------------------------------------- */

static void test_quic_hkdf_label_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        static const struct {
            const char *label, *suffix;
            size_t out_len;
        } rows[] = {
            {"client in", NULL, 32}, {"server in", NULL, 32}, {NULL, "key", 16},
            {NULL, "iv", 12},        {NULL, "hp", 16},
        };
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
            char label[32], name[64];
            if (rows[r].label)
                snprintf(label, sizeof(label), "%s", rows[r].label);
            else
                snprintf(label, sizeof(label), "%s %s", files[i].label_prefix,
                         rows[r].suffix);
            snprintf(name, sizeof(name), "hkdf_label_%s", label);
            for (char *p = name; *p; p++)
                if (*p == ' ')
                    *p = '_';
            uint8_t buf[64];
            int n = quic_hkdf_label(buf, sizeof(buf), rows[r].out_len, label,
                                    NULL, 0);
            assert_true(n > 0);
            expect_bytes(i, name, buf, (size_t)n);
        }
    }
}

static void test_quic_hkdf_label_rejects_bad_sizes(void **s) {
    (void)s;
    uint8_t buf[600];
    char long_label[251];
    memset(long_label, 'a', sizeof(long_label) - 1);
    long_label[250] = '\0'; /* 6 + 250 > 255 */
    assert_int_equal(quic_hkdf_label(buf, sizeof(buf), 16, long_label, NULL, 0),
                     QUIC_ERR_INVALID_ARGUMENT);
    long_label[249] = '\0'; /* exactly 255 with the prefix */
    assert_int_equal(quic_hkdf_label(buf, sizeof(buf), 16, long_label, NULL, 0),
                     2 + 1 + 255 + 1);
    uint8_t ctx[256] = {0};
    assert_int_equal(quic_hkdf_label(buf, sizeof(buf), 16, "x", ctx, 256),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_hkdf_label(buf, sizeof(buf), 65536, "x", NULL, 0),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* "quic key" needs 18 bytes. */
    assert_int_equal(quic_hkdf_label(buf, 17, 16, "quic key", NULL, 0),
                     QUIC_ERR_NOBUF);
    assert_int_equal(quic_hkdf_label(buf, 18, 16, "quic key", NULL, 0), 18);
    /* RFC 5869: at most 255 blocks of output. */
    uint8_t secret[32] = {0}, out[1];
    assert_int_equal(quic_hkdf_expand_label(QUIC_HASH_SHA256, secret, 32, "x",
                                            NULL, 0, out, 255 * 32 + 1),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_hkdf_extract_gives_initial_secret(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        const uint8_t *salt = vec(i, "initial_salt", QUIC_INITIAL_SALT_LEN);
        const uint8_t *dcid = vec(i, "client_dcid", 8);
        assert_memory_equal(quic_initial_salt(files[i].version), salt,
                            QUIC_INITIAL_SALT_LEN);
        uint8_t prk[32];
        assert_int_equal(
            quic_hkdf_extract(QUIC_HASH_SHA256, salt, 20, dcid, 8, prk), 0);
        expect_bytes(i, "initial_secret", prk, 32);
    }
}

/* ---- Secrets and keys ------------------------------------------------------
 */

static void test_quic_initial_secrets_match_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        uint8_t cs[32], ss[32];
        assert_int_equal(quic_initial_secrets(files[i].version,
                                              vec(i, "client_dcid", 8), 8, cs,
                                              ss),
                         0);
        expect_bytes(i, "client_initial_secret", cs, 32);
        expect_bytes(i, "server_initial_secret", ss, 32);
    }
}

static void test_quic_initial_secrets_rejects_bad_input(void **s) {
    (void)s;
    uint8_t dcid[21] = {0}, cs[32], ss[32];
    assert_int_equal(quic_initial_secrets(0xff00001du, dcid, 8, cs, ss),
                     QUIC_ERR_UNKNOWN_VERSION);
    assert_null(quic_initial_salt(0));
    assert_int_equal(quic_initial_secrets(QUIC_VERSION_1, dcid, 21, cs, ss),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* An empty DCID is legal input to the derivation. */
    assert_int_equal(quic_initial_secrets(QUIC_VERSION_1, dcid, 0, cs, ss), 0);
}

/* Checks key, iv and hp derived from the secret named |who|_secret. */
static void check_keys(size_t i, quic_cipher cipher, const char *secret_name,
                       const char *prefix) {
    size_t key_len = quic_cipher_key_len(cipher);
    const uint8_t *secret = vec(i, secret_name, 32);
    uint8_t key[32], iv[12], hp[32];
    char name[64];
    assert_int_equal(
        quic_derive_packet_key(cipher, files[i].version, secret, 32, key, iv),
        0);
    assert_int_equal(
        quic_derive_hp_key(cipher, files[i].version, secret, 32, hp), 0);
    snprintf(name, sizeof(name), "%s_key", prefix);
    expect_bytes(i, name, key, key_len);
    snprintf(name, sizeof(name), "%s_iv", prefix);
    expect_bytes(i, name, iv, 12);
    snprintf(name, sizeof(name), "%s_hp", prefix);
    expect_bytes(i, name, hp, key_len);
}

static void test_quic_derive_packet_key_initial_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        check_keys(i, QUIC_CIPHER_AES_128_GCM, "client_initial_secret",
                   "client_initial");
        check_keys(i, QUIC_CIPHER_AES_128_GCM, "server_initial_secret",
                   "server_initial");
    }
}

static void test_quic_derive_packet_key_chacha20_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        check_keys(i, QUIC_CIPHER_CHACHA20_POLY1305, "chacha20_secret",
                   "chacha20");
}

static void test_quic_derive_next_secret_matches_ku_vector(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        uint8_t next[32];
        memcpy(next, vec(i, "chacha20_secret", 32), 32);
        /* In place: |next| aliases |secret|. */
        assert_int_equal(quic_derive_next_secret(QUIC_CIPHER_CHACHA20_POLY1305,
                                                 files[i].version, next, 32,
                                                 next),
                         0);
        expect_bytes(i, "chacha20_ku", next, 32);
    }
}

static void test_quic_derive_retry_key_from_retry_secret(void **s) {
    (void)s;
    /* RFC 9001 §5.8 / RFC 9369 §3.3.3: the fixed Retry key and nonce are
     * "quic key"/"quic iv" ("quicv2 …") of the published Retry secret. */
    for (size_t i = 0; i < NFILES; i++) {
        uint8_t key[16], iv[12];
        assert_int_equal(
            quic_derive_packet_key(QUIC_CIPHER_AES_128_GCM, files[i].version,
                                   vec(i, "retry_secret", 32), 32, key, iv),
            0);
        expect_bytes(i, "retry_integrity_key", key, 16);
        expect_bytes(i, "retry_integrity_nonce", iv, 12);
    }
}

static void test_quic_derive_packet_key_sha384_lengths(void **s) {
    (void)s;
    uint8_t secret[48], key[32], iv[12], hp[32], next[48];
    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (uint8_t)i;
    /* AES-256-GCM uses SHA-384: a 32-byte secret is the wrong size. */
    assert_int_equal(quic_derive_packet_key(QUIC_CIPHER_AES_256_GCM,
                                            QUIC_VERSION_1, secret, 32, key,
                                            iv),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_derive_packet_key(QUIC_CIPHER_AES_256_GCM,
                                            QUIC_VERSION_1, secret, 48, key,
                                            iv),
                     0);
    assert_int_equal(quic_derive_hp_key(QUIC_CIPHER_AES_256_GCM, QUIC_VERSION_1,
                                        secret, 48, hp),
                     0);
    assert_int_equal(quic_derive_next_secret(QUIC_CIPHER_AES_256_GCM,
                                             QUIC_VERSION_1, secret, 48, next),
                     0);
    /* Same bytes through the generic SHA-384 expansion. */
    uint8_t want[48];
    assert_int_equal(quic_hkdf_expand_label(QUIC_HASH_SHA384, secret, 48,
                                            "quic ku", NULL, 0, want, 48),
                     0);
    assert_memory_equal(next, want, 48);
    assert_int_equal(quic_hkdf_expand_label(QUIC_HASH_SHA384, secret, 48,
                                            "quic key", NULL, 0, want, 32),
                     0);
    assert_memory_equal(key, want, 32);
    assert_memory_not_equal(key, hp, 32);
}

static void test_quic_derive_packet_key_rejects_bad_input(void **s) {
    (void)s;
    uint8_t secret[32] = {0}, key[32], iv[12];
    assert_int_equal(quic_derive_packet_key(QUIC_CIPHER_AES_128_GCM, 0x0a0a0a0a,
                                            secret, 32, key, iv),
                     QUIC_ERR_UNKNOWN_VERSION);
    assert_int_equal(quic_derive_packet_key(QUIC_CIPHER_AES_128_GCM,
                                            QUIC_VERSION_1, secret, 31, key,
                                            iv),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_derive_packet_key((quic_cipher)7, QUIC_VERSION_1,
                                            secret, 32, key, iv),
                     QUIC_ERR_UNSUPPORTED_CIPHER);
    assert_int_equal(quic_derive_next_secret(QUIC_CIPHER_AES_128_GCM,
                                             QUIC_VERSION_2, secret, 48, key),
                     QUIC_ERR_INVALID_ARGUMENT);
}

/* ---- The vector-file reader -------------------------------------------------
 */

static void test_test_vectors_parse_reads_values_and_scalars(void **s) {
    (void)s;
    test_vectors tv;
    assert_int_equal(test_vectors_parse(&tv, "# c\nn = 7  # x\n\n"
                                             "a: 3  # three\n0102\n03\n\n"
                                             "e: 0\n"),
                     0);
    uint64_t v = 0;
    assert_true(test_vectors_scalar(&tv, "n", &v));
    assert_int_equal(v, 7);
    size_t len = 0;
    const uint8_t *p = test_vectors_bytes(&tv, "a", &len);
    assert_non_null(p);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "\x01\x02\x03", 3);
    assert_non_null(test_vectors_bytes(&tv, "e", &len));
    assert_int_equal(len, 0);
    assert_null(test_vectors_bytes(&tv, "n", &len));
    assert_false(test_vectors_scalar(&tv, "a", &v));
    test_vectors_free(&tv);
}

static void test_test_vectors_parse_rejects_damaged_files(void **s) {
    (void)s;
    static const struct {
        const char *text;
        int line;
    } bad[] = {
        {"a: 3\n0102\n\n", __LINE__},         /* short value */
        {"a: 1\n0102\n\n", __LINE__},         /* long value */
        {"a: 1\n0g\n\n", __LINE__},           /* not hex */
        {"a: 1\n012\n\n", __LINE__},          /* odd digits */
        {"a: 1\n01\n\na: 1\n02\n", __LINE__}, /* duplicate */
        {"0102\n", __LINE__},                 /* hex outside a value */
        {"a = x\n", __LINE__},                /* bad scalar */
        {"A: 1\n01\n", __LINE__},             /* bad name */
        {"a: 2\n01\n", __LINE__},             /* truncated at end of file */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        test_vectors tv;
        if (test_vectors_parse(&tv, bad[i].text) != -1)
            fail_msg("row at line %d accepted", bad[i].line);
        assert_int_equal(tv.count, 0);
    }
}

static void test_test_vectors_load_finds_every_rfc_value(void **s) {
    (void)s;
    /* shared/spec/README.md: each file has 55 labelled values. */
    for (size_t i = 0; i < NFILES; i++) {
        size_t values = 0;
        for (size_t k = 0; k < loaded[i].count; k++)
            values += !loaded[i].items[k].is_scalar;
        assert_int_equal(values, 55);
        uint64_t version = 0;
        assert_true(test_vectors_scalar(&loaded[i], "version", &version));
        assert_int_equal(version, files[i].version);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_cipher_from_tls_suite_maps_the_three_suites),
        cmocka_unit_test(test_quic_cipher_from_tls_suite_rejects_others),
        cmocka_unit_test(test_quic_cipher_limits_match_rfc9001_6_6),
        cmocka_unit_test(test_quic_hkdf_label_matches_vectors),
        cmocka_unit_test(test_quic_hkdf_label_rejects_bad_sizes),
        cmocka_unit_test(test_quic_hkdf_extract_gives_initial_secret),
        cmocka_unit_test(test_quic_initial_secrets_match_vectors),
        cmocka_unit_test(test_quic_initial_secrets_rejects_bad_input),
        cmocka_unit_test(test_quic_derive_packet_key_initial_matches_vectors),
        cmocka_unit_test(test_quic_derive_packet_key_chacha20_matches_vectors),
        cmocka_unit_test(test_quic_derive_next_secret_matches_ku_vector),
        cmocka_unit_test(test_quic_derive_retry_key_from_retry_secret),
        cmocka_unit_test(test_quic_derive_packet_key_sha384_lengths),
        cmocka_unit_test(test_quic_derive_packet_key_rejects_bad_input),
        cmocka_unit_test(test_test_vectors_parse_reads_values_and_scalars),
        cmocka_unit_test(test_test_vectors_parse_rejects_damaged_files),
        cmocka_unit_test(test_test_vectors_load_finds_every_rfc_value),
    };
    return cmocka_run_group_tests_name("core_crypto", tests, load_all,
                                       free_all);
}

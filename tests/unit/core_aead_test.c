/* tests/unit/core_aead_test.c — expanded packet-protection keys
 * (core/aead.c): nonces, header-protection masks and AEAD output against
 * the RFC 9001 / RFC 9369 vectors, key update sharing the header-protection
 * key, AES-256-GCM against a direct wolfCrypt reference, the allocator
 * (misaligned memory, every allocation failing in turn) and argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "core/aead.h"
#include "tests/unit/support/vectors.h"

typedef struct vector_file {
    const char *file;
    uint32_t version;
    const char *section;
    int line;
} vector_file;

static const vector_file files[] = {
    {"rfc9001-test-vectors.txt", QUIC_VERSION_1, "RFC 9001 App. A", __LINE__},
    {"rfc9369-test-vectors.txt", QUIC_VERSION_2, "RFC 9369 App. A", __LINE__},
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

static const uint8_t *vec(size_t i, const char *name, size_t len) {
    size_t got = 0;
    const uint8_t *p = test_vectors_bytes(&loaded[i], name, &got);
    if (p == NULL || (len && got != len))
        fail_msg("%s (%s:%d): value %s missing or not %zu bytes", files[i].file,
                 files[i].section, files[i].line, name, len);
    return p;
}

static uint64_t scalar(size_t i, const char *name) {
    uint64_t v = 0;
    if (!test_vectors_scalar(&loaded[i], name, &v))
        fail_msg("%s: scalar %s missing", files[i].file, name);
    return v;
}

/* The three key sets of each file: name prefix, cipher, secret. */
static const struct {
    const char *prefix;
    quic_cipher cipher;
    int line;
} sets[] = {
    {"client_initial", QUIC_CIPHER_AES_128_GCM, __LINE__},
    {"server_initial", QUIC_CIPHER_AES_128_GCM, __LINE__},
    {"chacha20", QUIC_CIPHER_CHACHA20_POLY1305, __LINE__},
};
#define NSETS (sizeof(sets) / sizeof(sets[0]))

static const char *name_of(size_t set, const char *suffix) {
    static char buf[96];
    snprintf(buf, sizeof(buf), "%s_%s", sets[set].prefix, suffix);
    return buf;
}

static quic_keys *keys_for(size_t i, size_t set) {
    const char *secret_name =
        set == 2 ? "chacha20_secret" : name_of(set, "secret");
    quic_keys *k = NULL;
    assert_int_equal(quic_keys_new(&k, NULL, sets[set].cipher, files[i].version,
                                   vec(i, secret_name, 32), 32),
                     0);
    assert_non_null(k);
    assert_int_equal(quic_keys_cipher(k), sets[set].cipher);
    assert_int_equal(quic_keys_version(k), files[i].version);
    return k;
}

static uint64_t pn_of(size_t i, size_t set) {
    return scalar(i, set == 2 ? "chacha20_packet_number"
                              : name_of(set, "packet_number"));
}

/* ---- Vectors ----------------------------------------------------------------
 */

static void test_quic_keys_nonce_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t set = 0; set < NSETS; set++) {
            quic_keys *k = keys_for(i, set);
            uint8_t nonce[12];
            quic_keys_nonce(k, pn_of(i, set), nonce);
            assert_memory_equal(nonce, vec(i, name_of(set, "nonce"), 12), 12);
            quic_keys_free(k);
        }
}

static void test_quic_keys_hp_mask_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t set = 0; set < NSETS; set++) {
            quic_keys *k = keys_for(i, set);
            uint8_t mask[5];
            /* Twice: the ChaCha20 state must not carry over a packet. */
            for (int round = 0; round < 2; round++) {
                memset(mask, 0, sizeof(mask));
                assert_int_equal(
                    quic_keys_hp_mask(k, vec(i, name_of(set, "sample"), 16),
                                      mask),
                    0);
                assert_memory_equal(mask, vec(i, name_of(set, "mask"), 5), 5);
            }
            quic_keys_free(k);
        }
}

static void test_quic_keys_seal_server_initial_matches_vector(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        quic_keys *k = keys_for(i, 1);
        const uint8_t *hdr = vec(i, "server_initial_unprotected_header", 20);
        const uint8_t *prot = vec(i, "server_initial_protected_packet", 135);
        uint8_t buf[99 + 16];
        memcpy(buf, vec(i, "server_initial_payload", 99), 99);
        assert_int_equal(quic_keys_seal(k, 1, hdr, 20, buf, 99, buf + 99), 0);
        /* Ciphertext and tag follow the 20-byte header. */
        assert_memory_equal(buf, prot + 20, sizeof(buf));
        assert_int_equal(quic_keys_open(k, 1, hdr, 20, buf, 99, buf + 99), 0);
        assert_memory_equal(buf, vec(i, "server_initial_payload", 99), 99);
        quic_keys_free(k);
    }
}

static void test_quic_keys_seal_chacha20_matches_vector(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        quic_keys *k = keys_for(i, 2);
        uint64_t pn = pn_of(i, 2);
        const uint8_t *hdr = vec(i, "chacha20_unprotected_header", 4);
        uint8_t buf[17];
        memcpy(buf, vec(i, "chacha20_payload_plaintext", 1), 1);
        assert_int_equal(quic_keys_seal(k, pn, hdr, 4, buf, 1, buf + 1), 0);
        assert_memory_equal(buf, vec(i, "chacha20_payload_ciphertext", 17), 17);
        assert_int_equal(quic_keys_open(k, pn, hdr, 4, buf, 1, buf + 1), 0);
        assert_int_equal(buf[0], 0x01);
        quic_keys_free(k);
    }
}

/* ---- Authentication failures ------------------------------------------------
 */

static void test_quic_keys_open_rejects_any_change(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t set = 1; set < NSETS; set++) {
            quic_keys *k = keys_for(i, set);
            uint8_t aad[8] = {1, 2, 3, 4, 5, 6, 7, 8}, data[40], ref[40];
            for (size_t b = 0; b < sizeof(data); b++)
                data[b] = (uint8_t)(b * 7);
            assert_int_equal(quic_keys_seal(k, 9, aad, 8, data, 24, data + 24),
                             0);
            memcpy(ref, data, sizeof(ref));
            /* A wrong packet number is a wrong nonce. */
            assert_int_equal(quic_keys_open(k, 8, aad, 8, data, 24, data + 24),
                             QUIC_ERR_DECRYPT);
            for (size_t bit = 0; bit < (8 + 40) * 8; bit++) {
                memcpy(data, ref, sizeof(ref));
                uint8_t *p = bit < 64 ? &aad[bit / 8] : &data[bit / 8 - 8];
                *p ^= (uint8_t)(1u << (bit % 8));
                assert_int_equal(
                    quic_keys_open(k, 9, aad, 8, data, 24, data + 24),
                    QUIC_ERR_DECRYPT);
                *p ^= (uint8_t)(1u << (bit % 8));
            }
            memcpy(data, ref, sizeof(ref));
            assert_int_equal(quic_keys_open(k, 9, aad, 8, data, 24, data + 24),
                             0);
            quic_keys_free(k);
        }
}

static void test_quic_keys_open_rejects_the_other_sides_keys(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        quic_keys *client = keys_for(i, 0), *server = keys_for(i, 1);
        const uint8_t *hdr = vec(i, "server_initial_unprotected_header", 20);
        uint8_t buf[99 + 16];
        memcpy(buf, vec(i, "server_initial_protected_packet", 135) + 20, 115);
        assert_int_equal(quic_keys_open(client, 1, hdr, 20, buf, 99, buf + 99),
                         QUIC_ERR_DECRYPT);
        quic_keys_free(client);
        quic_keys_free(server);
    }
}

/* ---- Key update
 * --------------------------------------------------------------- */

static void test_quic_keys_new_next_keeps_hp_and_updates_aead(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        quic_keys *cur = keys_for(i, 2), *next = NULL, *ref = NULL;
        assert_int_equal(quic_keys_new_next(&next, cur), 0);
        /* |ref|: everything derived from the "ku" secret, HP included. */
        assert_int_equal(
            quic_keys_new(&ref, NULL, QUIC_CIPHER_CHACHA20_POLY1305,
                          files[i].version, vec(i, "chacha20_ku", 32), 32),
            0);
        uint64_t pn = pn_of(i, 2);
        const uint8_t *hdr = vec(i, "chacha20_unprotected_header", 4);
        uint8_t a[17] = {0x01}, b[17] = {0x01}, c[17] = {0x01};
        assert_int_equal(quic_keys_seal(next, pn, hdr, 4, a, 1, a + 1), 0);
        assert_int_equal(quic_keys_seal(ref, pn, hdr, 4, b, 1, b + 1), 0);
        assert_int_equal(quic_keys_seal(cur, pn, hdr, 4, c, 1, c + 1), 0);
        assert_memory_equal(a, b, 17);
        assert_memory_not_equal(a, c, 17);
        assert_int_equal(quic_keys_open(cur, pn, hdr, 4, a, 1, a + 1),
                         QUIC_ERR_DECRYPT);
        /* The shared HP key outlives the phase that created it. */
        quic_keys_free(cur);
        uint8_t mask[5], ref_mask[5];
        const uint8_t *sample = vec(i, "chacha20_sample", 16);
        assert_int_equal(quic_keys_hp_mask(next, sample, mask), 0);
        assert_memory_equal(mask, vec(i, "chacha20_mask", 5), 5);
        assert_int_equal(quic_keys_hp_mask(ref, sample, ref_mask), 0);
        assert_memory_not_equal(mask, ref_mask, 5);
        /* And a second update chains from the first. */
        quic_keys *next2 = NULL;
        assert_int_equal(quic_keys_new_next(&next2, next), 0);
        assert_int_equal(quic_keys_hp_mask(next2, sample, mask), 0);
        assert_memory_equal(mask, vec(i, "chacha20_mask", 5), 5);
        quic_keys_free(next);
        quic_keys_free(next2);
        quic_keys_free(ref);
    }
}

/* ---- AES-256-GCM (no RFC vector): against wolfCrypt used directly -------- */

static void test_quic_keys_seal_aes256_matches_wolfcrypt(void **s) {
    (void)s;
    uint8_t secret[48];
    for (size_t b = 0; b < sizeof(secret); b++)
        secret[b] = (uint8_t)(0xa0 ^ b);
    for (uint32_t v = 0; v < 2; v++) {
        uint32_t version = v ? QUIC_VERSION_2 : QUIC_VERSION_1;
        quic_keys *k = NULL;
        assert_int_equal(quic_keys_new(&k, NULL, QUIC_CIPHER_AES_256_GCM,
                                       version, secret, 48),
                         0);
        uint8_t key[32], iv[12], hp[32], want[64 + 16], got[64 + 16];
        assert_int_equal(quic_derive_packet_key(QUIC_CIPHER_AES_256_GCM,
                                                version, secret, 48, key, iv),
                         0);
        assert_int_equal(quic_derive_hp_key(QUIC_CIPHER_AES_256_GCM, version,
                                            secret, 48, hp),
                         0);
        const uint8_t aad[5] = {0x40, 1, 2, 3, 4};
        for (size_t b = 0; b < 64; b++)
            want[b] = got[b] = (uint8_t)b;
        uint64_t pn = 0x1234567;
        uint8_t nonce[12];
        memcpy(nonce, iv, 12);
        for (int b = 0; b < 8; b++)
            nonce[11 - b] ^= (uint8_t)(pn >> (8 * b));
        Aes aes;
        assert_int_equal(wc_AesInit(&aes, NULL, INVALID_DEVID), 0);
        assert_int_equal(wc_AesGcmSetKey(&aes, key, 32), 0);
        assert_int_equal(wc_AesGcmEncrypt(&aes, want, want, 64, nonce, 12,
                                          want + 64, 16, aad, 5),
                         0);
        uint8_t sample[16] = {9}, want_mask[16], mask[5];
        assert_int_equal(wc_AesSetKey(&aes, hp, 32, NULL, AES_ENCRYPTION), 0);
        assert_int_equal(wc_AesEncryptDirect(&aes, want_mask, sample), 0);
        wc_AesFree(&aes);
        assert_int_equal(quic_keys_seal(k, pn, aad, 5, got, 64, got + 64), 0);
        assert_memory_equal(got, want, sizeof(got));
        assert_int_equal(quic_keys_hp_mask(k, sample, mask), 0);
        assert_memory_equal(mask, want_mask, 5);
        assert_int_equal(quic_keys_open(k, pn, aad, 5, got, 64, got + 64), 0);
        for (size_t b = 0; b < 64; b++)
            assert_int_equal(got[b], b);
        quic_keys_free(k);
    }
}

/* ---- Allocation -------------------------------------------------------------
 */

/* An allocator on cmocka's leak-checked heap that returns pointers 8 bytes
 * off 16-byte alignment (malloc would never) and can fail the Nth call. */
typedef struct test_alloc {
    int calls, live, fail_at; /* fail_at 0 = never */
} test_alloc;

static void *odd_malloc(size_t size, void *user) {
    test_alloc *t = user;
    if (++t->calls == t->fail_at)
        return NULL;
    uint8_t *raw = test_malloc(size + 32);
    uintptr_t p = ((uintptr_t)raw + 16) & ~(uintptr_t)15;
    p += 8;
    ((uint8_t *)p)[-1] = (uint8_t)(p - (uintptr_t)raw);
    t->live++;
    return (void *)p;
}

static void odd_free(void *ptr, void *user) {
    test_alloc *t = user;
    uint8_t *p = ptr;
    t->live--;
    test_free(p - p[-1]);
}

static void test_quic_keys_new_works_with_misaligned_allocator(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t set = 0; set < NSETS; set++) {
            test_alloc t = {0, 0, 0};
            quic_allocator a = {&t, odd_malloc, NULL, NULL, odd_free};
            const char *secret_name =
                set == 2 ? "chacha20_secret" : name_of(set, "secret");
            quic_keys *k = NULL, *n = NULL;
            assert_int_equal(quic_keys_new(&k, &a, sets[set].cipher,
                                           files[i].version,
                                           vec(i, secret_name, 32), 32),
                             0);
            assert_int_equal(t.live, 2); /* keys + shared HP cipher */
            assert_int_equal(quic_keys_new_next(&n, k), 0);
            assert_int_equal(t.live, 3);
            uint8_t mask[5];
            assert_int_equal(
                quic_keys_hp_mask(n, vec(i, name_of(set, "sample"), 16), mask),
                0);
            assert_memory_equal(mask, vec(i, name_of(set, "mask"), 5), 5);
            quic_keys_free(k);
            assert_int_equal(t.live, 2);
            quic_keys_free(n);
            assert_int_equal(t.live, 0);
        }
}

static void test_quic_keys_new_fails_cleanly_without_memory(void **s) {
    (void)s;
    uint8_t secret[32] = {1};
    for (int fail_at = 1; fail_at <= 2; fail_at++) {
        test_alloc t = {0, 0, fail_at};
        quic_allocator a = {&t, odd_malloc, NULL, NULL, odd_free};
        quic_keys *k = (quic_keys *)&t;
        assert_int_equal(quic_keys_new(&k, &a, QUIC_CIPHER_AES_128_GCM,
                                       QUIC_VERSION_1, secret, 32),
                         QUIC_ERR_NOMEM);
        assert_null(k);
        assert_int_equal(t.live, 0);
    }
    test_alloc t = {0, 0, 3};
    quic_allocator a = {&t, odd_malloc, NULL, NULL, odd_free};
    quic_keys *k = NULL, *n = (quic_keys *)&t;
    assert_int_equal(quic_keys_new(&k, &a, QUIC_CIPHER_CHACHA20_POLY1305,
                                   QUIC_VERSION_1, secret, 32),
                     0);
    assert_int_equal(quic_keys_new_next(&n, k), QUIC_ERR_NOMEM);
    assert_null(n);
    quic_keys_free(k);
    assert_int_equal(t.live, 0);
    /* quic_keys_new_initial: the server's allocation fails after the
     * client's succeeded; nothing is left behind. */
    test_alloc t2 = {0, 0, 3};
    quic_allocator a2 = {&t2, odd_malloc, NULL, NULL, odd_free};
    quic_keys *c = (quic_keys *)&t2, *sv = (quic_keys *)&t2;
    assert_int_equal(
        quic_keys_new_initial(&c, &sv, &a2, QUIC_VERSION_1, secret, 8),
        QUIC_ERR_NOMEM);
    assert_null(c);
    assert_null(sv);
    assert_int_equal(t2.live, 0);
}

/* ---- Initial keys and argument errors -------------------------------------
 */

static void test_quic_keys_new_initial_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        quic_keys *c = NULL, *sv = NULL;
        assert_int_equal(quic_keys_new_initial(&c, &sv, NULL, files[i].version,
                                               vec(i, "client_dcid", 8), 8),
                         0);
        uint8_t mask[5];
        assert_int_equal(
            quic_keys_hp_mask(c, vec(i, "client_initial_sample", 16), mask), 0);
        assert_memory_equal(mask, vec(i, "client_initial_mask", 5), 5);
        assert_int_equal(
            quic_keys_hp_mask(sv, vec(i, "server_initial_sample", 16), mask),
            0);
        assert_memory_equal(mask, vec(i, "server_initial_mask", 5), 5);
        quic_keys_free(c);
        quic_keys_free(sv);
        /* One side only. */
        assert_int_equal(quic_keys_new_initial(NULL, &sv, NULL,
                                               files[i].version,
                                               vec(i, "client_dcid", 8), 8),
                         0);
        assert_non_null(sv);
        quic_keys_free(sv);
    }
}

static void test_quic_keys_new_rejects_bad_arguments(void **s) {
    (void)s;
    uint8_t secret[48] = {0};
    quic_keys *k = (quic_keys *)secret;
    assert_int_equal(quic_keys_new(&k, NULL, QUIC_CIPHER_AES_128_GCM,
                                   0xbabababau, secret, 32),
                     QUIC_ERR_UNKNOWN_VERSION);
    assert_null(k);
    assert_int_equal(quic_keys_new(&k, NULL, QUIC_CIPHER_AES_256_GCM,
                                   QUIC_VERSION_1, secret, 32),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_keys_new(&k, NULL, (quic_cipher)3, QUIC_VERSION_1, secret, 32),
        QUIC_ERR_UNSUPPORTED_CIPHER);
    assert_int_equal(quic_keys_new(&k, NULL, QUIC_CIPHER_AES_128_GCM,
                                   QUIC_VERSION_1, NULL, 32),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_keys *c = NULL;
    assert_int_equal(
        quic_keys_new_initial(&c, NULL, NULL, QUIC_VERSION_1, secret, 21),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_null(c);
    quic_keys_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_keys_nonce_matches_vectors),
        cmocka_unit_test(test_quic_keys_hp_mask_matches_vectors),
        cmocka_unit_test(test_quic_keys_seal_server_initial_matches_vector),
        cmocka_unit_test(test_quic_keys_seal_chacha20_matches_vector),
        cmocka_unit_test(test_quic_keys_open_rejects_any_change),
        cmocka_unit_test(test_quic_keys_open_rejects_the_other_sides_keys),
        cmocka_unit_test(test_quic_keys_new_next_keeps_hp_and_updates_aead),
        cmocka_unit_test(test_quic_keys_seal_aes256_matches_wolfcrypt),
        cmocka_unit_test(test_quic_keys_new_works_with_misaligned_allocator),
        cmocka_unit_test(test_quic_keys_new_fails_cleanly_without_memory),
        cmocka_unit_test(test_quic_keys_new_initial_matches_vectors),
        cmocka_unit_test(test_quic_keys_new_rejects_bad_arguments),
    };
    return cmocka_run_group_tests_name("core_aead", tests, load_all, free_all);
}

/* tests/unit/core_protect_test.c — whole-packet protection (core/protect.c):
 * the client Initial, server Initial and ChaCha20 short-header packets of
 * RFC 9001 / RFC 9369 Appendix A protected and unprotected byte for byte,
 * the Retry Integrity Tag and Retry packet, and rejection of flipped bits,
 * truncation and wrong keys with the right error; a seeded round trip over
 * all ciphers, versions and header shapes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/pn.h"
#include "core/protect.h"
#include "tests/unit/support/netsim.h"
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

static const uint8_t *vec(size_t i, const char *name, size_t *len) {
    size_t got = 0;
    const uint8_t *p = test_vectors_bytes(&loaded[i], name, &got);
    if (p == NULL)
        fail_msg("%s (%s:%d): value %s missing", files[i].file,
                 files[i].section, files[i].line, name);
    if (len)
        *len = got;
    return p;
}

/* ---- The three sample packets, described from the files -------------------
 */

/* One sample packet of a file, in both forms. */
typedef struct sample_packet {
    uint8_t plain[1300]; /* unprotected header + plaintext payload */
    size_t plain_len;
    uint8_t prot[1300]; /* the protected packet */
    size_t prot_len;
    size_t hdr_len, pn_offset, pn_len;
    uint64_t pn;
    quic_keys *keys;
} sample_packet;

static const struct {
    const char *prefix; /* names in the files */
    const char *secret;
    quic_cipher cipher;
    int line;
} packets[] = {
    {"client_initial", "client_initial_secret", QUIC_CIPHER_AES_128_GCM,
     __LINE__},
    {"server_initial", "server_initial_secret", QUIC_CIPHER_AES_128_GCM,
     __LINE__},
    {"chacha20", "chacha20_secret", QUIC_CIPHER_CHACHA20_POLY1305, __LINE__},
};
#define NPACKETS (sizeof(packets) / sizeof(packets[0]))

static const char *nm(size_t k, const char *suffix) {
    static char buf[96];
    snprintf(buf, sizeof(buf), "%s_%s", packets[k].prefix, suffix);
    return buf;
}

/* Fills |sp| from file |i|, packet |k|, with keys of file |key_file|. */
static void load_packet(sample_packet *sp, size_t i, size_t k,
                        size_t key_file) {
    memset(sp, 0, sizeof(*sp));
    size_t hdr_len, len;
    const uint8_t *hdr = vec(i, nm(k, "unprotected_header"), &hdr_len);
    sp->hdr_len = hdr_len;
    sp->pn_len = (size_t)(hdr[0] & 0x03) + 1;
    sp->pn_offset = hdr_len - sp->pn_len;
    if (k == 2) { /* the ChaCha20 packet has no "unprotected_packet" */
        const uint8_t *pt = vec(i, "chacha20_payload_plaintext", &len);
        memcpy(sp->plain, hdr, hdr_len);
        memcpy(sp->plain + hdr_len, pt, len);
        sp->plain_len = hdr_len + len;
    } else {
        const uint8_t *p = vec(i, nm(k, "unprotected_packet"), &len);
        assert_true(len <= sizeof(sp->plain));
        memcpy(sp->plain, p, len);
        sp->plain_len = len;
        assert_memory_equal(sp->plain, hdr, hdr_len);
    }
    const uint8_t *p = vec(i, nm(k, "protected_packet"), &len);
    assert_true(len <= sizeof(sp->prot));
    memcpy(sp->prot, p, len);
    sp->prot_len = len;
    assert_true(
        test_vectors_scalar(&loaded[i], nm(k, "packet_number"), &sp->pn));
    size_t slen;
    const uint8_t *secret = vec(key_file, packets[k].secret, &slen);
    assert_int_equal(quic_keys_new(&sp->keys, NULL, packets[k].cipher,
                                   files[key_file].version, secret, slen),
                     0);
}

/* Unprotects |pkt| the way a receiver does: header, then PN recovery
 * (largest received = pn - 1), then payload. Returns open's result. */
static int receive(quic_keys *keys, uint8_t *pkt, size_t len, size_t pn_offset,
                   uint64_t expect_pn) {
    uint64_t tpn = 0;
    int pn_len = quic_packet_unprotect_header(keys, pkt, len, pn_offset, &tpn);
    if (pn_len < 0)
        return pn_len;
    assert_true(pn_len >= 1 && pn_len <= 4);
    uint64_t pn = quic_pn_decode(expect_pn - 1, tpn, (size_t)pn_len);
    return quic_packet_open(keys, pkt, len, pn_offset + (size_t)pn_len, pn);
}

/* ---- Vectors ----------------------------------------------------------------
 */

static void test_quic_packet_seal_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp;
            load_packet(&sp, i, k, i);
            uint8_t buf[1300];
            memcpy(buf, sp.plain, sp.plain_len);
            int n =
                quic_packet_seal(sp.keys, buf, sp.plain_len + 16, sp.pn_offset,
                                 sp.pn_len, sp.plain_len - sp.hdr_len, sp.pn);
            if (n != (int)sp.prot_len || memcmp(buf, sp.prot, sp.prot_len))
                fail_msg("%s (%s): %s packet (row at line %d) differs, n=%d",
                         files[i].file, files[i].section, packets[k].prefix,
                         packets[k].line, n);
            size_t hlen;
            const uint8_t *ph = vec(i, nm(k, "protected_header"), &hlen);
            assert_memory_equal(buf, ph, hlen);
            quic_keys_free(sp.keys);
        }
}

static void test_quic_packet_unprotect_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp;
            load_packet(&sp, i, k, i);
            uint8_t buf[1300];
            memcpy(buf, sp.prot, sp.prot_len);
            uint64_t tpn = 0;
            int pn_len = quic_packet_unprotect_header(sp.keys, buf, sp.prot_len,
                                                      sp.pn_offset, &tpn);
            assert_int_equal(pn_len, sp.pn_len);
            /* The header is clear before the payload is touched. */
            assert_memory_equal(buf, sp.plain, sp.hdr_len);
            assert_int_equal(tpn, sp.pn & ((UINT64_C(1) << (8 * pn_len)) - 1));
            uint64_t pn = quic_pn_decode(sp.pn - 1, tpn, (size_t)pn_len);
            assert_int_equal(pn, sp.pn);
            int n = quic_packet_open(sp.keys, buf, sp.prot_len, sp.hdr_len, pn);
            assert_int_equal(n, sp.plain_len - sp.hdr_len);
            assert_memory_equal(buf, sp.plain, sp.plain_len);
            quic_keys_free(sp.keys);
        }
}

/* ---- Rejection -------------------------------------------------------------
 */

static void test_quic_packet_open_rejects_every_flipped_bit(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp;
            load_packet(&sp, i, k, i);
            /* Header (incl. the protected bits), payload and tag alike. */
            for (size_t bit = 0; bit < sp.prot_len * 8; bit++) {
                uint8_t buf[1300];
                memcpy(buf, sp.prot, sp.prot_len);
                buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
                int rc =
                    receive(sp.keys, buf, sp.prot_len, sp.pn_offset, sp.pn);
                if (rc != QUIC_ERR_DECRYPT)
                    fail_msg("%s %s: bit %zu flipped gave %d", files[i].file,
                             packets[k].prefix, bit, rc);
            }
            quic_keys_free(sp.keys);
        }
}

static void test_quic_packet_unprotect_header_rejects_short_packets(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp;
            load_packet(&sp, i, k, i);
            /* RFC 9001 §5.4.2: the sample needs pn_offset + 4 + 16 bytes. */
            size_t need = sp.pn_offset + 4 + 16;
            for (size_t len = 0; len < need; len++) {
                uint8_t buf[1300];
                memcpy(buf, sp.prot, sp.prot_len);
                assert_int_equal(quic_packet_unprotect_header(
                                     sp.keys, buf, len, sp.pn_offset, NULL),
                                 QUIC_ERR_SHORT_PACKET);
                assert_memory_equal(buf, sp.prot, sp.prot_len);
            }
            /* At exactly |need| the header comes off (the ChaCha20 packet
             * is that small), though the AEAD then fails on the cut. */
            uint8_t buf[1300];
            memcpy(buf, sp.prot, sp.prot_len);
            assert_int_equal(quic_packet_unprotect_header(sp.keys, buf, need,
                                                          sp.pn_offset, NULL),
                             sp.pn_len);
            quic_keys_free(sp.keys);
        }
}

static void test_quic_packet_open_rejects_truncated_packets(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp;
            load_packet(&sp, i, k, i);
            uint8_t buf[1300];
            memcpy(buf, sp.prot, sp.prot_len);
            assert_int_equal(quic_packet_unprotect_header(
                                 sp.keys, buf, sp.prot_len, sp.pn_offset, NULL),
                             sp.pn_len);
            uint8_t clear[1300];
            memcpy(clear, buf, sp.prot_len);
            /* One byte short: the tag is read from the wrong place. */
            assert_int_equal(quic_packet_open(sp.keys, buf, sp.prot_len - 1,
                                              sp.hdr_len, sp.pn),
                             QUIC_ERR_DECRYPT);
            /* No room for a tag at all. */
            for (size_t len = 0; len < sp.hdr_len + 16; len++) {
                memcpy(buf, clear, sp.prot_len);
                assert_int_equal(
                    quic_packet_open(sp.keys, buf, len, sp.hdr_len, sp.pn),
                    QUIC_ERR_SHORT_PACKET);
            }
            /* Exactly a tag and no payload: authentication decides. */
            memcpy(buf, clear, sp.prot_len);
            assert_int_equal(quic_packet_open(sp.keys, buf, sp.hdr_len + 16,
                                              sp.hdr_len, sp.pn),
                             QUIC_ERR_DECRYPT);
            quic_keys_free(sp.keys);
        }
}

static void test_quic_packet_open_rejects_wrong_keys(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++)
        for (size_t k = 0; k < NPACKETS; k++) {
            sample_packet sp, other_version;
            load_packet(&sp, i, k, i);
            /* The other version's keys for this packet. */
            load_packet(&other_version, i, k, NFILES - 1 - i);
            quic_keys *wrong[3] = {other_version.keys, NULL, NULL};
            /* The other side's keys (client <-> server; ChaCha20 with an
             * Initial secret). */
            size_t slen;
            const uint8_t *secret =
                vec(i, packets[k == 0 ? 1 : 0].secret, &slen);
            assert_int_equal(quic_keys_new(&wrong[1], NULL, packets[k].cipher,
                                           files[i].version, secret, slen),
                             0);
            /* The next key phase: right header protection, wrong AEAD. */
            assert_int_equal(quic_keys_new_next(&wrong[2], sp.keys), 0);
            for (size_t w = 0; w < 3; w++) {
                uint8_t buf[1300];
                memcpy(buf, sp.prot, sp.prot_len);
                assert_int_equal(
                    receive(wrong[w], buf, sp.prot_len, sp.pn_offset, sp.pn),
                    QUIC_ERR_DECRYPT);
            }
            /* With the next phase the header did come off right. */
            uint8_t buf[1300];
            memcpy(buf, sp.prot, sp.prot_len);
            assert_int_equal(quic_packet_unprotect_header(wrong[2], buf,
                                                          sp.prot_len,
                                                          sp.pn_offset, NULL),
                             sp.pn_len);
            assert_memory_equal(buf, sp.plain, sp.hdr_len);
            for (size_t w = 0; w < 3; w++)
                quic_keys_free(wrong[w]);
            quic_keys_free(sp.keys);
        }
}

static void test_quic_packet_seal_rejects_bad_arguments(void **s) {
    (void)s;
    sample_packet sp;
    load_packet(&sp, 0, 2, 0); /* ChaCha20: 4-byte header, pn_len 3 */
    uint8_t buf[64];
    memcpy(buf, sp.plain, sp.plain_len);
    /* |cap| one byte short of the tag. */
    assert_int_equal(quic_packet_seal(sp.keys, buf, sp.plain_len + 15,
                                      sp.pn_offset, 3, 1, sp.pn),
                     QUIC_ERR_NOBUF);
    /* pn_len outside 1-4, or not what the first byte says (0x42: 3). */
    assert_int_equal(quic_packet_seal(sp.keys, buf, sizeof(buf), 1, 0, 1, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_packet_seal(sp.keys, buf, sizeof(buf), 1, 5, 1, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_packet_seal(sp.keys, buf, sizeof(buf), 1, 2, 2, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* pn_len + payload below 4 leaves no full sample. */
    buf[0] = 0x40; /* pn_len 1 */
    assert_int_equal(quic_packet_seal(sp.keys, buf, sizeof(buf), 1, 1, 2, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* Exactly 4 is enough, and comes back. */
    uint8_t pkt[64] = {0x40, 0x07, 0xaa, 0xbb, 0xcc};
    int n = quic_packet_seal(sp.keys, pkt, sizeof(pkt), 1, 1, 3, 7);
    assert_int_equal(n, 2 + 3 + 16);
    assert_int_equal(receive(sp.keys, pkt, (size_t)n, 1, 7), 3);
    assert_memory_equal(pkt, "\x40\x07\xaa\xbb\xcc", 5);
    /* Oversized lengths. */
    assert_int_equal(
        quic_packet_seal(sp.keys, buf, SIZE_MAX, 1, 1, QUIC_MAX_PACKET_LEN, 1),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_packet_open(sp.keys, buf, QUIC_MAX_PACKET_LEN + 1, 4, 1),
        QUIC_ERR_INVALID_ARGUMENT);
    quic_keys_free(sp.keys);
}

/* ---- Round trip -------------------------------------------------------------
 */

static void roundtrip_one(test_rng *rng, quic_cipher cipher, uint32_t version) {
    uint8_t secret[48];
    size_t slen = quic_hash_len(quic_cipher_hash(cipher));
    for (size_t b = 0; b < slen; b++)
        secret[b] = (uint8_t)test_rng_next(rng);
    quic_keys *tx = NULL, *rx = NULL;
    assert_int_equal(quic_keys_new(&tx, NULL, cipher, version, secret, slen),
                     0);
    assert_int_equal(quic_keys_new(&rx, NULL, cipher, version, secret, slen),
                     0);
    static uint8_t pkt[1500], ref[1500];
    bool long_hdr = test_rng_below(rng, 2);
    size_t pn_len = 1 + test_rng_below(rng, 4);
    size_t pn_offset = 1 + test_rng_below(rng, long_hdr ? 60 : 21);
    size_t payload = test_rng_below(rng, 1300);
    if (pn_len + payload < 4)
        payload = 4 - pn_len;
    for (size_t b = 0; b < sizeof(pkt); b++)
        pkt[b] = (uint8_t)test_rng_next(rng);
    pkt[0] =
        (uint8_t)((long_hdr ? 0xc0 : 0x40) | (pkt[0] & 0x3c) | (pn_len - 1));
    uint64_t pn = test_rng_below(rng, UINT64_C(1) << 40) + 1;
    for (size_t b = 0; b < pn_len; b++)
        pkt[pn_offset + b] = (uint8_t)(pn >> (8 * (pn_len - 1 - b)));
    memcpy(ref, pkt, sizeof(pkt));
    size_t len = pn_offset + pn_len + payload;
    int n =
        quic_packet_seal(tx, pkt, sizeof(pkt), pn_offset, pn_len, payload, pn);
    assert_int_equal(n, len + 16);
    /* The header form bit, fixed bit and type bits are never masked. */
    assert_int_equal(pkt[0] & (long_hdr ? 0xf0 : 0xe0),
                     ref[0] & (long_hdr ? 0xf0 : 0xe0));
    assert_memory_equal(pkt + 1, ref + 1, pn_offset - 1);
    uint64_t tpn = 0;
    assert_int_equal(
        quic_packet_unprotect_header(rx, pkt, (size_t)n, pn_offset, &tpn),
        pn_len);
    assert_int_equal(quic_packet_open(rx, pkt, (size_t)n, pn_offset + pn_len,
                                      quic_pn_decode(pn - 1, tpn, pn_len)),
                     payload);
    assert_memory_equal(pkt, ref, len);
    quic_keys_free(tx);
    quic_keys_free(rx);
}

static void test_quic_packet_seal_roundtrips_random_packets(void **s) {
    (void)s;
    uint64_t seed = test_seed_from_env("H3CLI_SEED", 0x9001);
    printf("seed %llu (set H3CLI_SEED to repeat)\n", (unsigned long long)seed);
    test_rng rng;
    test_rng_seed(&rng, seed);
    static const quic_cipher ciphers[] = {QUIC_CIPHER_AES_128_GCM,
                                          QUIC_CIPHER_AES_256_GCM,
                                          QUIC_CIPHER_CHACHA20_POLY1305};
    for (int round = 0; round < 60; round++)
        roundtrip_one(&rng, ciphers[round % 3],
                      (round / 3) % 2 ? QUIC_VERSION_2 : QUIC_VERSION_1);
}

/* ---- Retry ------------------------------------------------------------------
 */

static void test_quic_retry_integrity_tag_matches_vectors(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        size_t odcid_len, len, tag_len, pseudo_len;
        const uint8_t *odcid = vec(i, "retry_odcid", &odcid_len);
        const uint8_t *retry = vec(i, "retry_packet", &len);
        const uint8_t *want = vec(i, "retry_integrity_tag", &tag_len);
        const uint8_t *pseudo = vec(i, "retry_pseudo_packet", &pseudo_len);
        assert_int_equal(len, 36);
        assert_int_equal(tag_len, 16);
        /* The pseudo-packet this tag covers (RFC 9001 §5.8). */
        assert_int_equal(pseudo_len, 1 + odcid_len + len - 16);
        assert_int_equal(pseudo[0], odcid_len);
        assert_memory_equal(pseudo + 1, odcid, odcid_len);
        assert_memory_equal(pseudo + 1 + odcid_len, retry, len - 16);
        uint8_t tag[16];
        assert_int_equal(quic_retry_integrity_tag(files[i].version, odcid,
                                                  odcid_len, retry, len - 16,
                                                  tag),
                         0);
        assert_memory_equal(tag, want, 16);
        /* The whole 36-byte packet as the RFC prints it. */
        uint8_t built[36];
        memcpy(built, retry, 20);
        memcpy(built + 20, tag, 16);
        assert_memory_equal(built, retry, 36);
        assert_int_equal(
            quic_retry_verify(files[i].version, odcid, odcid_len, retry, len),
            0);
    }
}

static void test_quic_retry_verify_rejects_forgeries(void **s) {
    (void)s;
    for (size_t i = 0; i < NFILES; i++) {
        size_t odcid_len, len;
        const uint8_t *odcid = vec(i, "retry_odcid", &odcid_len);
        const uint8_t *retry = vec(i, "retry_packet", &len);
        uint8_t pkt[36], id[20];
        for (size_t bit = 0; bit < len * 8; bit++) {
            memcpy(pkt, retry, len);
            pkt[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            assert_int_equal(
                quic_retry_verify(files[i].version, odcid, odcid_len, pkt, len),
                QUIC_ERR_DECRYPT);
        }
        memcpy(id, odcid, odcid_len);
        id[3] ^= 0x10;
        assert_int_equal(
            quic_retry_verify(files[i].version, id, odcid_len, retry, len),
            QUIC_ERR_DECRYPT);
        assert_int_equal(quic_retry_verify(files[i].version, odcid,
                                           odcid_len - 1, retry, len),
                         QUIC_ERR_DECRYPT);
        /* A v1 Retry checked with v2's key, and the reverse. */
        assert_int_equal(quic_retry_verify(files[NFILES - 1 - i].version, odcid,
                                           odcid_len, retry, len),
                         QUIC_ERR_DECRYPT);
        assert_int_equal(
            quic_retry_verify(files[i].version, odcid, odcid_len, retry, 15),
            QUIC_ERR_SHORT_PACKET);
        assert_int_equal(
            quic_retry_verify(files[i].version, odcid, odcid_len, retry, 35),
            QUIC_ERR_DECRYPT);
        assert_int_equal(
            quic_retry_verify(0xfaceb002u, odcid, odcid_len, retry, len),
            QUIC_ERR_UNKNOWN_VERSION);
        assert_int_equal(
            quic_retry_verify(files[i].version, odcid, 21, retry, len),
            QUIC_ERR_INVALID_ARGUMENT);
        static uint8_t big[QUIC_MAX_RETRY_LEN + 17];
        assert_int_equal(quic_retry_verify(files[i].version, odcid, odcid_len,
                                           big, sizeof(big)),
                         QUIC_ERR_INVALID_ARGUMENT);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_packet_seal_matches_vectors),
        cmocka_unit_test(test_quic_packet_unprotect_matches_vectors),
        cmocka_unit_test(test_quic_packet_open_rejects_every_flipped_bit),
        cmocka_unit_test(
            test_quic_packet_unprotect_header_rejects_short_packets),
        cmocka_unit_test(test_quic_packet_open_rejects_truncated_packets),
        cmocka_unit_test(test_quic_packet_open_rejects_wrong_keys),
        cmocka_unit_test(test_quic_packet_seal_rejects_bad_arguments),
        cmocka_unit_test(test_quic_packet_seal_roundtrips_random_packets),
        cmocka_unit_test(test_quic_retry_integrity_tag_matches_vectors),
        cmocka_unit_test(test_quic_retry_verify_rejects_forgeries),
    };
    return cmocka_run_group_tests_name("core_protect", tests, load_all,
                                       free_all);
}

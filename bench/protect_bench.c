/* bench/protect_bench.c — packet protection throughput: seal + header
 * unprotect + open of whole packets (core/protect.h) against a bare
 * wolfCrypt AEAD encrypt+decrypt loop over the same buffers, in the same run.
 * A benchmark, not a test: it prints numbers and fails only if a packet does
 * not round-trip. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/version.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>

#include "core/protect.h"

#define RUNS 5
#define TARGET_NS 1000000000.0 /* ~1 s per measurement */
/* A 1-RTT short header: first byte, 8-byte DCID, 2-byte packet number. */
#define PN_OFFSET 9
#define PN_LEN 2
#define HDR_LEN (PN_OFFSET + PN_LEN)

typedef struct bench_ctx {
    quic_cipher cipher;
    quic_keys *keys;
    /* The bare reference: the same key, expanded by wolfCrypt directly. */
    Aes aes;
    uint8_t key[32];
    uint8_t nonce[12];
    uint8_t pkt[2048];
    size_t size; /* whole packet: header + payload + tag */
    uint64_t pn;
} bench_ctx;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, int rc) {
    fprintf(stderr, "protect_bench: %s failed (%d)\n", what, rc);
    exit(1);
}

/* One packet through our whole path: seal with header protection, then
 * header unprotect and open, as sender and receiver would. */
static void protected_once(bench_ctx *b) {
    size_t payload = b->size - HDR_LEN - QUIC_AEAD_TAG_LEN;
    uint64_t pn = b->pn++;
    b->pkt[0] = 0x40 | (PN_LEN - 1);
    b->pkt[PN_OFFSET] = (uint8_t)(pn >> 8);
    b->pkt[PN_OFFSET + 1] = (uint8_t)pn;
    int n = quic_packet_seal(b->keys, b->pkt, sizeof(b->pkt), PN_OFFSET, PN_LEN,
                             payload, pn);
    if (n != (int)b->size)
        die("quic_packet_seal", n);
    uint64_t tpn;
    int pn_len =
        quic_packet_unprotect_header(b->keys, b->pkt, b->size, PN_OFFSET, &tpn);
    if (pn_len != PN_LEN || tpn != (pn & 0xffff))
        die("quic_packet_unprotect_header", pn_len);
    int rc = quic_packet_open(b->keys, b->pkt, b->size, HDR_LEN, pn);
    if (rc != (int)payload)
        die("quic_packet_open", rc);
}

/* The same buffers through wolfCrypt alone: AEAD encrypt and decrypt with
 * the header as associated data, no nonce derivation, no masking. */
static void bare_once(bench_ctx *b) {
    size_t payload = b->size - HDR_LEN - QUIC_AEAD_TAG_LEN;
    uint8_t *p = b->pkt + HDR_LEN, *tag = p + payload;
    int rc;
    if (b->cipher == QUIC_CIPHER_CHACHA20_POLY1305) {
        rc = wc_ChaCha20Poly1305_Encrypt(b->key, b->nonce, b->pkt, HDR_LEN, p,
                                         (word32)payload, p, tag);
        if (rc == 0)
            rc = wc_ChaCha20Poly1305_Decrypt(b->key, b->nonce, b->pkt, HDR_LEN,
                                             p, (word32)payload, tag, p);
    } else {
        rc = wc_AesGcmEncrypt(&b->aes, p, p, (word32)payload, b->nonce, 12, tag,
                              16, b->pkt, HDR_LEN);
        if (rc == 0)
            rc = wc_AesGcmDecrypt(&b->aes, p, p, (word32)payload, b->nonce, 12,
                                  tag, 16, b->pkt, HDR_LEN);
    }
    if (rc != 0)
        die("bare AEAD", rc);
}

typedef void (*bench_fn)(bench_ctx *);

static double time_loop(bench_fn fn, bench_ctx *b, long iters) {
    double t0 = now_ns();
    for (long i = 0; i < iters; i++)
        fn(b);
    return now_ns() - t0;
}

/* Iterations that take about TARGET_NS. */
static long calibrate(bench_fn fn, bench_ctx *b) {
    long iters = 1000;
    for (;;) {
        double t = time_loop(fn, b, iters);
        if (t > TARGET_NS / 10)
            return (long)(iters * (TARGET_NS / t));
        iters *= 4;
    }
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Runs both loops RUNS times and stores their median packets per second.
 * Each run alternates the two loops in SLICES short slices, so a burst of
 * load from elsewhere on the machine hits both alike instead of one. */
#define SLICES 20
static void measure(bench_ctx *b, double *bare_pps, double *prot_pps) {
    long bare_iters = calibrate(bare_once, b) / SLICES + 1;
    long prot_iters = calibrate(protected_once, b) / SLICES + 1;
    double bare[RUNS], prot[RUNS];
    for (int r = 0; r < RUNS; r++) {
        double bare_ns = 0, prot_ns = 0;
        for (int s = 0; s < SLICES; s++) {
            bare_ns += time_loop(bare_once, b, bare_iters);
            prot_ns += time_loop(protected_once, b, prot_iters);
        }
        bare[r] = (double)bare_iters * SLICES / (bare_ns / 1e9);
        prot[r] = (double)prot_iters * SLICES / (prot_ns / 1e9);
    }
    qsort(bare, RUNS, sizeof(double), cmp_double);
    qsort(prot, RUNS, sizeof(double), cmp_double);
    *bare_pps = bare[RUNS / 2];
    *prot_pps = prot[RUNS / 2];
}

static void setup(bench_ctx *b, quic_cipher cipher, size_t size) {
    memset(b, 0, sizeof(*b));
    b->cipher = cipher;
    b->size = size;
    b->pn = 1;
    size_t slen = quic_hash_len(quic_cipher_hash(cipher));
    uint8_t secret[48], iv[12];
    for (size_t i = 0; i < slen; i++)
        secret[i] = (uint8_t)(i * 13 + 1);
    int rc =
        quic_keys_new(&b->keys, NULL, cipher, QUIC_VERSION_1, secret, slen);
    if (rc != 0)
        die("quic_keys_new", rc);
    rc = quic_derive_packet_key(cipher, QUIC_VERSION_1, secret, slen, b->key,
                                iv);
    if (rc != 0)
        die("quic_derive_packet_key", rc);
    memcpy(b->nonce, iv, sizeof(iv));
    if (cipher != QUIC_CIPHER_CHACHA20_POLY1305 &&
        (wc_AesInit(&b->aes, NULL, INVALID_DEVID) != 0 ||
         wc_AesGcmSetKey(&b->aes, b->key,
                         (word32)quic_cipher_key_len(cipher)) != 0))
        die("wc_AesGcmSetKey", -1);
    for (size_t i = 0; i < sizeof(b->pkt); i++)
        b->pkt[i] = (uint8_t)(i * 7);
}

static void teardown(bench_ctx *b) {
    quic_keys_free(b->keys);
    if (b->cipher != QUIC_CIPHER_CHACHA20_POLY1305)
        wc_AesFree(&b->aes);
}

int main(void) {
    static const struct {
        quic_cipher cipher;
        const char *name;
    } ciphers[] = {
        {QUIC_CIPHER_AES_128_GCM, "AES-128-GCM"},
        {QUIC_CIPHER_CHACHA20_POLY1305, "ChaCha20-Poly1305 (information)"},
    };
    static const size_t sizes[] = {1200, 1452};
    setvbuf(stdout, NULL, _IOLBF, 0); /* results as they come, even piped */
    printf("packet protection, wolfSSL %s: one op = seal (AEAD + header "
           "protection) then header unprotect + open of one packet; median "
           "of %d runs of ~1 s, CLOCK_MONOTONIC\n",
           LIBWOLFSSL_VERSION_STRING, RUNS);
    static bench_ctx b;
    for (size_t c = 0; c < sizeof(ciphers) / sizeof(ciphers[0]); c++)
        for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
            setup(&b, ciphers[c].cipher, sizes[s]);
            double bare, prot;
            measure(&b, &bare, &prot);
            printf("%s, %zu-byte packets:\n", ciphers[c].name, sizes[s]);
            printf("  bare wolfCrypt AEAD enc+dec : %9.0f packets/s  %6.3f "
                   "GB/s\n",
                   bare, bare * (double)sizes[s] / 1e9);
            printf("  quic seal+unprotect+open    : %9.0f packets/s  %6.3f "
                   "GB/s\n",
                   prot, prot * (double)sizes[s] / 1e9);
            printf("  protection cost vs bare AEAD: %+.1f%%\n",
                   (bare / prot - 1.0) * 100.0);
            teardown(&b);
        }
    return 0;
}

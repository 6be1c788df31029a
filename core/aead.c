/* core/aead.c — packet-protection keys on wolfCrypt: AES-GCM / ChaCha20-
 * Poly1305 payload protection and AES-ECB / ChaCha20 header-protection masks
 * with key schedules expanded once per key phase. It knows nothing of packet
 * layout (core/protect.c does). */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/chacha.h>
#include <wolfssl/wolfcrypt/chacha20_poly1305.h>
#include <wolfssl/wolfcrypt/error-crypt.h>

#include "core/aead.h"

/* The header-protection cipher, shared by the key phases of one direction
 * (RFC 9001 §6: "The header protection keys are not updated"). */
typedef struct hp_cipher {
    union {
        Aes aes;       /* AES-ECB: a key set for direct encryption */
        ChaCha chacha; /* key set once; counter and nonce per packet */
    } u;
    unsigned refs;
    quic_cipher cipher;
    void *base; /* what the allocator returned (the object is aligned) */
    quic_allocator alloc;
} hp_cipher;

struct quic_keys {
    union {
        Aes gcm; /* AES-GCM key schedule and GHASH table */
        uint8_t chacha_key[32];
    } aead;
    uint8_t iv[QUIC_AEAD_IV_LEN];
    uint8_t secret[QUIC_MAX_SECRET_LEN];
    size_t secret_len;
    quic_cipher cipher;
    uint32_t version;
    hp_cipher *hp;
    void *base;
    quic_allocator alloc;
};

/* ---- Allocation (through the caller's allocator, 16-byte aligned) ------- */

static void *libc_malloc(size_t size, void *user) {
    (void)user;
    return malloc(size);
}

static void libc_free(void *ptr, void *user) {
    (void)user;
    free(ptr);
}

static quic_allocator resolve_allocator(const quic_allocator *alloc) {
    quic_allocator a = {NULL, libc_malloc, NULL, NULL, libc_free};
    if (alloc != NULL && alloc->malloc != NULL && alloc->free != NULL)
        a = *alloc;
    return a;
}

/* wolfCrypt's AES-NI code wants its key schedule 16-byte aligned, which a
 * caller's allocator need not guarantee: over-allocate and align. */
#define OBJ_ALIGN 16

static void *alloc_aligned(const quic_allocator *a, size_t size, void **base) {
    *base = a->malloc(size + OBJ_ALIGN - 1, a->user_data);
    if (*base == NULL)
        return NULL;
    uintptr_t p =
        ((uintptr_t)*base + OBJ_ALIGN - 1) & ~(uintptr_t)(OBJ_ALIGN - 1);
    memset((void *)p, 0, size);
    return (void *)p;
}

/* ---- Header protection -------------------------------------------------- */

static int hp_new(hp_cipher **out, const quic_allocator *a, quic_cipher cipher,
                  const uint8_t *key, size_t key_len) {
    void *base;
    hp_cipher *hp = alloc_aligned(a, sizeof(*hp), &base);
    if (hp == NULL)
        return QUIC_ERR_NOMEM;
    hp->base = base;
    hp->alloc = *a;
    hp->refs = 1;
    hp->cipher = cipher;
    int rc;
    if (cipher == QUIC_CIPHER_CHACHA20_POLY1305) {
        rc = wc_Chacha_SetKey(&hp->u.chacha, key, (word32)key_len);
    } else {
        rc = wc_AesInit(&hp->u.aes, NULL, INVALID_DEVID);
        if (rc == 0)
            rc = wc_AesSetKey(&hp->u.aes, key, (word32)key_len, NULL,
                              AES_ENCRYPTION);
    }
    *out = hp;
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

static void hp_release(hp_cipher *hp) {
    if (hp == NULL || --hp->refs > 0)
        return;
    if (hp->cipher != QUIC_CIPHER_CHACHA20_POLY1305)
        wc_AesFree(&hp->u.aes);
    quic_allocator a = hp->alloc;
    void *base = hp->base;
    quic_secure_zero(hp, sizeof(*hp));
    a.free(base, a.user_data);
}

int quic_keys_hp_mask(quic_keys *keys, const uint8_t *sample,
                      uint8_t mask[QUIC_HP_MASK_LEN]) {
    hp_cipher *hp = keys->hp;
    if (hp->cipher == QUIC_CIPHER_CHACHA20_POLY1305) {
        /* RFC 9001 §5.4.4: counter = sample[0..3] little-endian,
         * nonce = sample[4..15], mask = ChaCha20(hp_key, counter, nonce,
         * {0,0,0,0,0}). */
        static const uint8_t zeros[QUIC_HP_MASK_LEN];
        word32 counter = (word32)sample[0] | (word32)sample[1] << 8 |
                         (word32)sample[2] << 16 | (word32)sample[3] << 24;
        if (wc_Chacha_SetIV(&hp->u.chacha, sample + 4, counter) != 0 ||
            wc_Chacha_Process(&hp->u.chacha, mask, zeros, QUIC_HP_MASK_LEN) !=
                0)
            return QUIC_ERR_CRYPTO;
        return 0;
    }
    /* RFC 9001 §5.4.3: mask = AES-ECB(hp_key, sample). The sample sits at
     * any offset in a packet; wolfCrypt's AES-NI path allocates a bounce
     * buffer for each unaligned block, so copy it to an aligned one. */
    _Alignas(16) uint8_t in[AES_BLOCK_SIZE];
    _Alignas(16) uint8_t block[AES_BLOCK_SIZE];
    memcpy(in, sample, AES_BLOCK_SIZE);
    if (wc_AesEncryptDirect(&hp->u.aes, block, in) != 0)
        return QUIC_ERR_CRYPTO;
    memcpy(mask, block, QUIC_HP_MASK_LEN);
    return 0;
}

/* ---- Key objects -------------------------------------------------------- */

/* Derives the packet key and IV from keys->secret and expands the AEAD. */
static int install_aead(quic_keys *keys) {
    uint8_t key[QUIC_MAX_KEY_LEN];
    int rc = quic_derive_packet_key(keys->cipher, keys->version, keys->secret,
                                    keys->secret_len, key, keys->iv);
    size_t key_len = quic_cipher_key_len(keys->cipher);
    if (rc == 0 && keys->cipher == QUIC_CIPHER_CHACHA20_POLY1305) {
        memcpy(keys->aead.chacha_key, key, key_len);
    } else if (rc == 0) {
        if (wc_AesInit(&keys->aead.gcm, NULL, INVALID_DEVID) != 0 ||
            wc_AesGcmSetKey(&keys->aead.gcm, key, (word32)key_len) != 0)
            rc = QUIC_ERR_CRYPTO;
    }
    quic_secure_zero(key, sizeof(key));
    return rc;
}

/* An object with the common fields set and nothing expanded yet. */
static int keys_alloc(quic_keys **out, const quic_allocator *a,
                      quic_cipher cipher, uint32_t version,
                      const uint8_t *secret, size_t secret_len) {
    *out = NULL;
    if ((unsigned)cipher > QUIC_CIPHER_CHACHA20_POLY1305)
        return QUIC_ERR_UNSUPPORTED_CIPHER;
    if (quic_initial_salt(version) == NULL)
        return QUIC_ERR_UNKNOWN_VERSION;
    if (secret == NULL || secret_len != quic_hash_len(quic_cipher_hash(cipher)))
        return QUIC_ERR_INVALID_ARGUMENT;
    void *base;
    quic_keys *keys = alloc_aligned(a, sizeof(*keys), &base);
    if (keys == NULL)
        return QUIC_ERR_NOMEM;
    keys->base = base;
    keys->alloc = *a;
    keys->cipher = cipher;
    keys->version = version;
    memcpy(keys->secret, secret, secret_len);
    keys->secret_len = secret_len;
    *out = keys;
    return 0;
}

int quic_keys_new(quic_keys **out, const quic_allocator *alloc,
                  quic_cipher cipher, uint32_t version, const uint8_t *secret,
                  size_t secret_len) {
    quic_allocator a = resolve_allocator(alloc);
    quic_keys *keys;
    *out = NULL;
    int rc = keys_alloc(&keys, &a, cipher, version, secret, secret_len);
    if (rc != 0)
        return rc;
    uint8_t hp_key[QUIC_MAX_KEY_LEN];
    rc = quic_derive_hp_key(cipher, version, secret, secret_len, hp_key);
    if (rc == 0)
        rc = hp_new(&keys->hp, &a, cipher, hp_key, quic_cipher_key_len(cipher));
    quic_secure_zero(hp_key, sizeof(hp_key));
    if (rc == 0)
        rc = install_aead(keys);
    if (rc != 0) {
        quic_keys_free(keys);
        return rc;
    }
    *out = keys;
    return 0;
}

int quic_keys_new_initial(quic_keys **client, quic_keys **server,
                          const quic_allocator *alloc, uint32_t version,
                          const uint8_t *dcid, size_t dcid_len) {
    uint8_t cs[QUIC_INITIAL_SECRET_LEN], ss[QUIC_INITIAL_SECRET_LEN];
    quic_keys *c = NULL, *s = NULL;
    int rc = quic_initial_secrets(version, dcid, dcid_len, cs, ss);
    if (rc == 0 && client != NULL)
        rc = quic_keys_new(&c, alloc, QUIC_CIPHER_AES_128_GCM, version, cs,
                           sizeof(cs));
    if (rc == 0 && server != NULL)
        rc = quic_keys_new(&s, alloc, QUIC_CIPHER_AES_128_GCM, version, ss,
                           sizeof(ss));
    quic_secure_zero(cs, sizeof(cs));
    quic_secure_zero(ss, sizeof(ss));
    if (rc != 0) {
        quic_keys_free(c);
        c = s = NULL;
    }
    if (client != NULL)
        *client = c;
    if (server != NULL)
        *server = s;
    return rc;
}

int quic_keys_new_next(quic_keys **out, const quic_keys *cur) {
    uint8_t next[QUIC_MAX_SECRET_LEN];
    *out = NULL;
    int rc = quic_derive_next_secret(cur->cipher, cur->version, cur->secret,
                                     cur->secret_len, next);
    quic_keys *keys = NULL;
    if (rc == 0)
        rc = keys_alloc(&keys, &cur->alloc, cur->cipher, cur->version, next,
                        cur->secret_len);
    quic_secure_zero(next, sizeof(next));
    if (rc != 0)
        return rc;
    keys->hp = cur->hp;
    keys->hp->refs++;
    rc = install_aead(keys);
    if (rc != 0) {
        quic_keys_free(keys);
        return rc;
    }
    *out = keys;
    return 0;
}

void quic_keys_free(quic_keys *keys) {
    if (keys == NULL)
        return;
    hp_release(keys->hp);
    if (keys->cipher != QUIC_CIPHER_CHACHA20_POLY1305)
        wc_AesFree(&keys->aead.gcm);
    quic_allocator a = keys->alloc;
    void *base = keys->base;
    quic_secure_zero(keys, sizeof(*keys));
    a.free(base, a.user_data);
}

quic_cipher quic_keys_cipher(const quic_keys *keys) {
    return keys->cipher;
}

uint32_t quic_keys_version(const quic_keys *keys) {
    return keys->version;
}

/* ---- AEAD --------------------------------------------------------------- */

void quic_keys_nonce(const quic_keys *keys, uint64_t pn,
                     uint8_t nonce[QUIC_AEAD_IV_LEN]) {
    /* RFC 9001 §5.3: the IV XOR the packet number, left-padded to its
     * length; the last 8 bytes as one big-endian word. */
    uint64_t tail;
    memcpy(nonce, keys->iv, QUIC_AEAD_IV_LEN);
    memcpy(&tail, nonce + QUIC_AEAD_IV_LEN - 8, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    tail ^= __builtin_bswap64(pn);
#else
    tail ^= pn;
#endif
    memcpy(nonce + QUIC_AEAD_IV_LEN - 8, &tail, 8);
}

int quic_keys_seal(quic_keys *keys, uint64_t pn, const uint8_t *aad,
                   size_t aad_len, uint8_t *data, size_t len, uint8_t *tag) {
    if (aad_len > UINT32_MAX || len > UINT32_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    uint8_t nonce[QUIC_AEAD_IV_LEN];
    quic_keys_nonce(keys, pn, nonce);
    int rc;
    if (keys->cipher == QUIC_CIPHER_CHACHA20_POLY1305)
        rc = wc_ChaCha20Poly1305_Encrypt(keys->aead.chacha_key, nonce, aad,
                                         (word32)aad_len, data, (word32)len,
                                         data, tag);
    else
        rc = wc_AesGcmEncrypt(&keys->aead.gcm, data, data, (word32)len, nonce,
                              sizeof(nonce), tag, QUIC_AEAD_TAG_LEN, aad,
                              (word32)aad_len);
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

int quic_keys_open(quic_keys *keys, uint64_t pn, const uint8_t *aad,
                   size_t aad_len, uint8_t *data, size_t len,
                   const uint8_t *tag) {
    if (aad_len > UINT32_MAX || len > UINT32_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    uint8_t nonce[QUIC_AEAD_IV_LEN];
    quic_keys_nonce(keys, pn, nonce);
    int rc;
    if (keys->cipher == QUIC_CIPHER_CHACHA20_POLY1305)
        rc = wc_ChaCha20Poly1305_Decrypt(keys->aead.chacha_key, nonce, aad,
                                         (word32)aad_len, data, (word32)len,
                                         tag, data);
    else
        rc = wc_AesGcmDecrypt(&keys->aead.gcm, data, data, (word32)len, nonce,
                              sizeof(nonce), tag, QUIC_AEAD_TAG_LEN, aad,
                              (word32)aad_len);
    if (rc == 0)
        return 0;
    return rc == AES_GCM_AUTH_E || rc == MAC_CMP_FAILED_E ? QUIC_ERR_DECRYPT
                                                          : QUIC_ERR_CRYPTO;
}

/* core/crypto.c — QUIC key derivation on wolfCrypt's HKDF (RFC 9001 §5,
 * RFC 9369 §3.3); derives bytes only, it never encrypts a packet. */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>

#include "core/crypto.h"

/* RFC 9001 §5.2. */
static const uint8_t initial_salt_v1[QUIC_INITIAL_SALT_LEN] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
    0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};

/* RFC 9369 §3.3.1. */
static const uint8_t initial_salt_v2[QUIC_INITIAL_SALT_LEN] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
    0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};

/* The packet-protection labels of one version (RFC 9369 §3.3.2 renames
 * them so that v2 keys can never equal v1 keys for the same secret). */
typedef struct version_labels {
    const char *key, *iv, *hp, *ku;
} version_labels;

static const version_labels labels_v1 = {"quic key", "quic iv", "quic hp",
                                         "quic ku"};
static const version_labels labels_v2 = {"quicv2 key", "quicv2 iv", "quicv2 hp",
                                         "quicv2 ku"};

static const version_labels *labels_for(uint32_t version) {
    switch (version) {
    case QUIC_VERSION_1: return &labels_v1;
    case QUIC_VERSION_2: return &labels_v2;
    default: return NULL;
    }
}

int quic_cipher_from_tls_suite(uint16_t suite, quic_cipher *out) {
    switch (suite) {
    case QUIC_TLS_AES_128_GCM_SHA256: *out = QUIC_CIPHER_AES_128_GCM; break;
    case QUIC_TLS_AES_256_GCM_SHA384: *out = QUIC_CIPHER_AES_256_GCM; break;
    case QUIC_TLS_CHACHA20_POLY1305_SHA256:
        *out = QUIC_CIPHER_CHACHA20_POLY1305;
        break;
    default: return QUIC_ERR_UNSUPPORTED_CIPHER;
    }
    return 0;
}

uint16_t quic_cipher_tls_suite(quic_cipher cipher) {
    switch (cipher) {
    case QUIC_CIPHER_AES_256_GCM: return QUIC_TLS_AES_256_GCM_SHA384;
    case QUIC_CIPHER_CHACHA20_POLY1305:
        return QUIC_TLS_CHACHA20_POLY1305_SHA256;
    case QUIC_CIPHER_AES_128_GCM:
    default: return QUIC_TLS_AES_128_GCM_SHA256;
    }
}

quic_hash quic_cipher_hash(quic_cipher cipher) {
    return cipher == QUIC_CIPHER_AES_256_GCM ? QUIC_HASH_SHA384
                                             : QUIC_HASH_SHA256;
}

size_t quic_hash_len(quic_hash hash) {
    return hash == QUIC_HASH_SHA384 ? 48 : 32;
}

size_t quic_cipher_key_len(quic_cipher cipher) {
    return cipher == QUIC_CIPHER_AES_128_GCM ? 16 : 32;
}

uint64_t quic_cipher_confidentiality_limit(quic_cipher cipher) {
    return cipher == QUIC_CIPHER_CHACHA20_POLY1305
               ? QUIC_CHACHA20_CONFIDENTIALITY_LIMIT
               : QUIC_AES_GCM_CONFIDENTIALITY_LIMIT;
}

uint64_t quic_cipher_integrity_limit(quic_cipher cipher) {
    return cipher == QUIC_CIPHER_CHACHA20_POLY1305
               ? QUIC_CHACHA20_INTEGRITY_LIMIT
               : QUIC_AES_GCM_INTEGRITY_LIMIT;
}

static int wc_hash_type(quic_hash hash) {
    return hash == QUIC_HASH_SHA384 ? WC_SHA384 : WC_SHA256;
}

int quic_hkdf_extract(quic_hash hash, const uint8_t *salt, size_t salt_len,
                      const uint8_t *ikm, size_t ikm_len, uint8_t *prk) {
    if (salt_len > UINT32_MAX || ikm_len > UINT32_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (wc_HKDF_Extract(wc_hash_type(hash), salt, (word32)salt_len, ikm,
                        (word32)ikm_len, prk) != 0)
        return QUIC_ERR_CRYPTO;
    return 0;
}

#define TLS13_LABEL_PREFIX "tls13 "
#define TLS13_LABEL_PREFIX_LEN 6

int quic_hkdf_label(uint8_t *buf, size_t cap, size_t out_len, const char *label,
                    const uint8_t *context, size_t context_len) {
    size_t label_len = strlen(label);
    /* RFC 8446 §7.1: opaque label<7..255> = "tls13 " + Label;
     * opaque context<0..255>; uint16 length. */
    if (label_len > 255 - TLS13_LABEL_PREFIX_LEN || context_len > 255 ||
        out_len > UINT16_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t total = 2 + 1 + TLS13_LABEL_PREFIX_LEN + label_len + 1 + context_len;
    if (total > cap)
        return QUIC_ERR_NOBUF;
    uint8_t *p = buf;
    *p++ = (uint8_t)(out_len >> 8);
    *p++ = (uint8_t)out_len;
    *p++ = (uint8_t)(TLS13_LABEL_PREFIX_LEN + label_len);
    memcpy(p, TLS13_LABEL_PREFIX, TLS13_LABEL_PREFIX_LEN);
    p += TLS13_LABEL_PREFIX_LEN;
    memcpy(p, label, label_len);
    p += label_len;
    *p++ = (uint8_t)context_len;
    if (context_len)
        memcpy(p, context, context_len);
    return (int)total;
}

int quic_hkdf_expand_label(quic_hash hash, const uint8_t *secret,
                           size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len,
                           uint8_t *out, size_t out_len) {
    uint8_t info[2 + 1 + 255 + 1 + 255];
    int info_len = quic_hkdf_label(info, sizeof(info), out_len, label, context,
                                   context_len);
    if (info_len < 0)
        return info_len;
    /* RFC 5869 §2.3: L <= 255 * HashLen. */
    if (out_len > 255 * quic_hash_len(hash) || secret_len > UINT32_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    int rc = wc_HKDF_Expand(wc_hash_type(hash), secret, (word32)secret_len,
                            info, (word32)info_len, out, (word32)out_len);
    quic_secure_zero(info, sizeof(info));
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

const uint8_t *quic_initial_salt(uint32_t version) {
    switch (version) {
    case QUIC_VERSION_1: return initial_salt_v1;
    case QUIC_VERSION_2: return initial_salt_v2;
    default: return NULL;
    }
}

int quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         uint8_t *client_secret, uint8_t *server_secret) {
    const uint8_t *salt = quic_initial_salt(version);
    if (salt == NULL)
        return QUIC_ERR_UNKNOWN_VERSION;
    if (dcid_len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    uint8_t initial[QUIC_INITIAL_SECRET_LEN];
    /* RFC 9001 §5.2: initial_secret = HKDF-Extract(initial_salt, DCID);
     * the "client in"/"server in" labels are the same in v2. */
    int rc = quic_hkdf_extract(QUIC_HASH_SHA256, salt, QUIC_INITIAL_SALT_LEN,
                               dcid, dcid_len, initial);
    if (rc == 0)
        rc = quic_hkdf_expand_label(QUIC_HASH_SHA256, initial, sizeof(initial),
                                    "client in", NULL, 0, client_secret,
                                    QUIC_INITIAL_SECRET_LEN);
    if (rc == 0)
        rc = quic_hkdf_expand_label(QUIC_HASH_SHA256, initial, sizeof(initial),
                                    "server in", NULL, 0, server_secret,
                                    QUIC_INITIAL_SECRET_LEN);
    quic_secure_zero(initial, sizeof(initial));
    return rc;
}

/* Checks the common arguments of the derivations below and finds the
 * version's labels. */
static int check_secret(quic_cipher cipher, uint32_t version, size_t secret_len,
                        const version_labels **labels) {
    *labels = labels_for(version);
    if (*labels == NULL)
        return QUIC_ERR_UNKNOWN_VERSION;
    if ((unsigned)cipher > QUIC_CIPHER_CHACHA20_POLY1305)
        return QUIC_ERR_UNSUPPORTED_CIPHER;
    if (secret_len != quic_hash_len(quic_cipher_hash(cipher)))
        return QUIC_ERR_INVALID_ARGUMENT;
    return 0;
}

int quic_derive_packet_key(quic_cipher cipher, uint32_t version,
                           const uint8_t *secret, size_t secret_len,
                           uint8_t *key, uint8_t *iv) {
    const version_labels *labels;
    int rc = check_secret(cipher, version, secret_len, &labels);
    quic_hash hash = quic_cipher_hash(cipher);
    if (rc == 0)
        rc = quic_hkdf_expand_label(hash, secret, secret_len, labels->key, NULL,
                                    0, key, quic_cipher_key_len(cipher));
    if (rc == 0)
        rc = quic_hkdf_expand_label(hash, secret, secret_len, labels->iv, NULL,
                                    0, iv, QUIC_AEAD_IV_LEN);
    return rc;
}

int quic_derive_hp_key(quic_cipher cipher, uint32_t version,
                       const uint8_t *secret, size_t secret_len, uint8_t *hp) {
    const version_labels *labels;
    int rc = check_secret(cipher, version, secret_len, &labels);
    if (rc == 0)
        rc = quic_hkdf_expand_label(quic_cipher_hash(cipher), secret,
                                    secret_len, labels->hp, NULL, 0, hp,
                                    quic_cipher_key_len(cipher));
    return rc;
}

int quic_derive_next_secret(quic_cipher cipher, uint32_t version,
                            const uint8_t *secret, size_t secret_len,
                            uint8_t *next) {
    const version_labels *labels;
    int rc = check_secret(cipher, version, secret_len, &labels);
    if (rc != 0)
        return rc;
    /* RFC 9001 §6.1: secret_<n+1> = HKDF-Expand-Label(secret_<n>, "quic ku",
     * "", Hash.length). Expand into a copy so |next| may alias |secret|. */
    uint8_t out[QUIC_MAX_SECRET_LEN];
    rc = quic_hkdf_expand_label(quic_cipher_hash(cipher), secret, secret_len,
                                labels->ku, NULL, 0, out, secret_len);
    if (rc == 0)
        memcpy(next, out, secret_len);
    quic_secure_zero(out, sizeof(out));
    return rc;
}

void quic_secure_zero(void *p, size_t len) {
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

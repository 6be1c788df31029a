/*
 * core/crypto.h — QUIC key derivation (RFC 9001 §5, RFC 9369 §3.3): cipher
 * suite facts, HKDF-Extract / HKDF-Expand-Label, Initial secrets, packet and
 * header-protection keys, and the key-update secret. Internal to core; it
 * derives bytes only and keeps no state (expanded keys live in core/aead.h).
 */
#ifndef H3CLI_CORE_CRYPTO_H
#define H3CLI_CORE_CRYPTO_H

#include "core/quic.h"

/* The AEADs TLS 1.3 can negotiate for QUIC (RFC 9001 §5.3; CCM is not
 * supported). */
typedef enum quic_cipher {
    QUIC_CIPHER_AES_128_GCM = 0,
    QUIC_CIPHER_AES_256_GCM = 1,
    QUIC_CIPHER_CHACHA20_POLY1305 = 2,
} quic_cipher;

/* TLS 1.3 cipher-suite ids (RFC 8446 §B.4). */
#define QUIC_TLS_AES_128_GCM_SHA256 0x1301u
#define QUIC_TLS_AES_256_GCM_SHA384 0x1302u
#define QUIC_TLS_CHACHA20_POLY1305_SHA256 0x1303u

/* The hash of the suite's HKDF. */
typedef enum quic_hash {
    QUIC_HASH_SHA256 = 0,
    QUIC_HASH_SHA384 = 1,
} quic_hash;

#define QUIC_AEAD_IV_LEN 12    /* every supported AEAD has a 96-bit nonce */
#define QUIC_AEAD_TAG_LEN 16   /* and a 128-bit tag */
#define QUIC_HP_SAMPLE_LEN 16  /* RFC 9001 §5.4.2 */
#define QUIC_HP_MASK_LEN 5     /* first byte + up to 4 packet-number bytes */
#define QUIC_MAX_KEY_LEN 32    /* AEAD and header-protection keys */
#define QUIC_MAX_SECRET_LEN 48 /* SHA-384 */
#define QUIC_INITIAL_SECRET_LEN 32 /* Initial secrets use SHA-256 */
#define QUIC_INITIAL_SALT_LEN 20

/* AEAD usage limits (RFC 9001 §6.6), in packets. The confidentiality limit
 * counts packets encrypted with one key; the integrity limit counts packets
 * that failed authentication across all keys of a connection. ChaCha20's
 * confidentiality limit exceeds the 2^62 packet-number space and "can be
 * disregarded": UINT64_MAX stands for that. */
#define QUIC_AES_GCM_CONFIDENTIALITY_LIMIT (UINT64_C(1) << 23)
#define QUIC_AES_GCM_INTEGRITY_LIMIT (UINT64_C(1) << 52)
#define QUIC_CHACHA20_CONFIDENTIALITY_LIMIT UINT64_MAX
#define QUIC_CHACHA20_INTEGRITY_LIMIT (UINT64_C(1) << 36)

/* Maps a TLS cipher-suite id (0x1301…0x1303) to |*out|. Errors:
 * QUIC_ERR_UNSUPPORTED_CIPHER for any other id. */
int quic_cipher_from_tls_suite(uint16_t suite, quic_cipher *out);
/* The TLS cipher-suite id of |cipher|. */
uint16_t quic_cipher_tls_suite(quic_cipher cipher);
/* The HKDF hash of |cipher|'s suite, and its output length (32 or 48). */
quic_hash quic_cipher_hash(quic_cipher cipher);
size_t quic_hash_len(quic_hash hash);
/* AEAD key length (16 or 32); the header-protection key has the same
 * length (RFC 9001 §5.4.3, §5.4.4). */
size_t quic_cipher_key_len(quic_cipher cipher);
/* RFC 9001 §6.6 limits for |cipher| (the constants above). */
uint64_t quic_cipher_confidentiality_limit(quic_cipher cipher);
uint64_t quic_cipher_integrity_limit(quic_cipher cipher);

/* HKDF-Extract (RFC 5869) with wolfCrypt: writes quic_hash_len(hash) bytes
 * to |prk|. Errors: QUIC_ERR_CRYPTO. */
int quic_hkdf_extract(quic_hash hash, const uint8_t *salt, size_t salt_len,
                      const uint8_t *ikm, size_t ikm_len, uint8_t *prk);

/* Writes the TLS 1.3 HkdfLabel (RFC 8446 §7.1) for |label| (without the
 * "tls13 " prefix, which this adds), |context| and output length |out_len|
 * into |buf| (capacity |cap|). Returns the bytes written. Errors:
 * QUIC_ERR_INVALID_ARGUMENT (label over 249 bytes, context over 255 bytes,
 * |out_len| over 65535), QUIC_ERR_NOBUF. */
int quic_hkdf_label(uint8_t *buf, size_t cap, size_t out_len, const char *label,
                    const uint8_t *context, size_t context_len);

/* HKDF-Expand-Label(|secret|, |label|, |context|, |out_len|) (RFC 8446
 * §7.1) into |out|. Errors: QUIC_ERR_INVALID_ARGUMENT (as quic_hkdf_label,
 * or |out_len| over 255 * hash length), QUIC_ERR_CRYPTO. */
int quic_hkdf_expand_label(quic_hash hash, const uint8_t *secret,
                           size_t secret_len, const char *label,
                           const uint8_t *context, size_t context_len,
                           uint8_t *out, size_t out_len);

/* The 20-byte Initial salt of |version| (RFC 9001 §5.2, RFC 9369 §3.3.1),
 * or NULL when the version is not one this code protects packets for. */
const uint8_t *quic_initial_salt(uint32_t version);

/* Initial secrets from the client's first Destination Connection ID (RFC
 * 9001 §5.2): 32 bytes each into |client_secret| and |server_secret|.
 * Errors: QUIC_ERR_UNKNOWN_VERSION, QUIC_ERR_INVALID_ARGUMENT (|dcid_len|
 * over 20), QUIC_ERR_CRYPTO. */
int quic_initial_secrets(uint32_t version, const uint8_t *dcid, size_t dcid_len,
                         uint8_t *client_secret, uint8_t *server_secret);

/* Packet-protection key (quic_cipher_key_len bytes into |key|) and IV (12
 * bytes into |iv|) from a traffic secret with |version|'s labels ("quic
 * key"/"quic iv", or "quicv2 key"/"quicv2 iv"). |secret_len| must be the
 * suite's hash length. Errors: QUIC_ERR_UNKNOWN_VERSION,
 * QUIC_ERR_INVALID_ARGUMENT, QUIC_ERR_CRYPTO. */
int quic_derive_packet_key(quic_cipher cipher, uint32_t version,
                           const uint8_t *secret, size_t secret_len,
                           uint8_t *key, uint8_t *iv);

/* Header-protection key ("quic hp" / "quicv2 hp", quic_cipher_key_len
 * bytes into |hp|). It does not change on key update (RFC 9001 §6). Errors
 * as quic_derive_packet_key. */
int quic_derive_hp_key(quic_cipher cipher, uint32_t version,
                       const uint8_t *secret, size_t secret_len, uint8_t *hp);

/* The next traffic secret for a key update (RFC 9001 §6.1: "quic ku" /
 * "quicv2 ku"), |secret_len| bytes into |next| (which may equal |secret|).
 * Errors as quic_derive_packet_key. */
int quic_derive_next_secret(quic_cipher cipher, uint32_t version,
                            const uint8_t *secret, size_t secret_len,
                            uint8_t *next);

/* Overwrites |len| bytes at |p| with zeros in a way the compiler keeps:
 * for secrets and keys that are no longer needed. */
void quic_secure_zero(void *p, size_t len);

#endif /* H3CLI_CORE_CRYPTO_H */

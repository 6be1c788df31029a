/* core/token.h — address-validation tokens (RFC 9000 §8.1.1-§8.1.4): Retry
 * and NEW_TOKEN tokens sealed with AES-256-GCM under a rotating server key,
 * minted and validated without connection state. Internal. */
#ifndef H3CLI_CORE_TOKEN_H
#define H3CLI_CORE_TOKEN_H

#include "core/quic.h"

/* Token layout: kind (1) | key id (1) | nonce (12) | ciphertext | tag (16).
 * The first two bytes and the QUIC version (4, big-endian, not sent) are
 * the AEAD's associated data: a token only validates for the version that
 * minted it (RFC 9369 §5). The plaintext is
 * expiry (8, big-endian quic_time) | address length (1) | address, and for
 * Retry tokens | ODCID length (1) | ODCID | Retry SCID length (1) | SCID. */
#define QUIC_TOKEN_KEY_LEN 32
#define QUIC_TOKEN_NONCE_LEN 12
#define QUIC_TOKEN_TAG_LEN 16
#define QUIC_TOKEN_MAX_LEN 128 /* enough for any token minted here */

/* §8.1.2: a Retry token is used at once, so it lives briefly; §8.1.3: a
 * NEW_TOKEN token serves a later connection. */
#define QUIC_TOKEN_RETRY_LIFETIME (10 * QUIC_S)
#define QUIC_TOKEN_NEW_TOKEN_LIFETIME (24 * 3600 * QUIC_S)

/* The first byte; §8.1.1 requires the two kinds to be distinguishable. */
typedef enum quic_token_type {
    QUIC_TOKEN_ANY = 0, /* for quic_token_validate: accept either */
    QUIC_TOKEN_RETRY = 0x52,
    QUIC_TOKEN_NEW_TOKEN = 0x4e,
} quic_token_type;

/* A sealing key with a one-byte id, so a server can rotate keys and still
 * accept tokens of the previous one. Holds the expanded AES key and a
 * wolfCrypt RNG for nonces; use from one thread at a time. */
typedef struct quic_token_key quic_token_key;

/* Creates a key with id |key_id| from |key| (QUIC_TOKEN_KEY_LEN bytes, e.g.
 * shared by several server processes), or a random one from wolfCrypt's RNG
 * when |key| is NULL. |alloc| NULL means libc, else it must outlive the
 * key. Errors: QUIC_ERR_NOMEM, QUIC_ERR_CRYPTO. |*out| is NULL on error. */
int quic_token_key_new(quic_token_key **out, const quic_allocator *alloc,
                       uint8_t key_id, const uint8_t *key);
/* Frees |key| (NULL accepted), wiping the key schedule. */
void quic_token_key_free(quic_token_key *key);
uint8_t quic_token_key_id(const quic_token_key *key);

/* Every token is bound to |version|, the QUIC version of the Initial a
 * Retry token answers or of the connection a NEW_TOKEN token is minted in
 * (after compatible negotiation the negotiated one); validation with
 * another version fails as a forgery does (QUIC_ERR_TOKEN_INVALID). */

/* Mints a Retry token bound to the client's full address (IP and port),
 * the DCID of its first Initial and the SCID of our Retry, valid until
 * now + QUIC_TOKEN_RETRY_LIFETIME. Writes it to |out| (capacity |cap|) and
 * returns its length. Errors: QUIC_ERR_INVALID_ARGUMENT (a CID over 20
 * bytes, an address over 28), QUIC_ERR_NOBUF, QUIC_ERR_CRYPTO. */
int quic_token_mint_retry(quic_token_key *key, const quic_addr *client,
                          const quic_cid *original_dcid,
                          const quic_cid *retry_scid, quic_time now,
                          uint8_t *out, size_t cap, uint32_t version);

/* Mints a NEW_TOKEN token bound to the client's IP address only (not the
 * port, which a NAT may change: §8.1.3), valid until now +
 * QUIC_TOKEN_NEW_TOKEN_LIFETIME. |now| must come from a clock the
 * validating servers share (and that survives restarts if tokens should).
 * Returns the length. Errors as quic_token_mint_retry. */
int quic_token_mint_new_token(quic_token_key *key, const quic_addr *client,
                              quic_time now, uint8_t *out, size_t cap,
                              uint32_t version);

/* What a valid token said. */
typedef struct quic_token_info {
    quic_token_type type;
    quic_cid original_dcid; /* Retry tokens; len 0 for NEW_TOKEN */
    quic_cid retry_scid;    /* Retry tokens; len 0 for NEW_TOKEN */
} quic_token_info;

/* Validates |token| for a packet from |client| at |now| with whichever of
 * |keys| (|n_keys| of them) has the token's key id, expecting kind
 * |expected| (QUIC_TOKEN_ANY for either); fills |*info| on success only.
 * Errors, in the order checked: QUIC_ERR_TRUNCATED (shorter than an empty
 * sealed token),
 * QUIC_ERR_TOKEN_TYPE (first byte not |expected| or not a kind at all),
 * QUIC_ERR_TOKEN_KEY (no key with that id), QUIC_ERR_TOKEN_INVALID
 * (authentication failed: tampered, truncated or forged),
 * QUIC_ERR_MALFORMED (authentic but undecodable: not minted by this code),
 * QUIC_ERR_TOKEN_EXPIRED, QUIC_ERR_TOKEN_ADDRESS, QUIC_ERR_CRYPTO. RFC 9000
 * §8.1.3: an invalid NEW_TOKEN token is to be treated as absent; an
 * invalid Retry token closes with INVALID_TOKEN. */
int quic_token_validate(quic_token_key *const *keys, size_t n_keys,
                        const uint8_t *token, size_t len,
                        quic_token_type expected, const quic_addr *client,
                        quic_time now, quic_token_info *info, uint32_t version);

#endif

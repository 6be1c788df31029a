/* core/reset_token.h — stateless reset (RFC 9000 §10.3): tokens derived
 * from a static key and a connection ID, reset packets built in answer to
 * unknown short-header packets, and detection of a received reset. No
 * connection state. Internal. */
#ifndef H3CLI_CORE_RESET_TOKEN_H
#define H3CLI_CORE_RESET_TOKEN_H

#include "core/quic.h"

#define QUIC_RESET_TOKEN_LEN 16
/* §10.3: 5 bytes (2 fixed bits and at least 38 unpredictable bits) before
 * the 16-byte token. */
#define QUIC_RESET_MIN_LEN 21
#define QUIC_RESET_MIN_KEY_LEN 16

/* Fills |out| with |len| unpredictable bytes. */
typedef void (*quic_random_fn)(void *user, uint8_t *out, size_t len);

/* The token for |cid| (1 to 20 bytes): HMAC-SHA256(|key|, CID) truncated
 * to 16 bytes (§10.3.2), so an endpoint that lost its state derives the
 * same token from the CID of a packet it receives. |key| is the endpoint's
 * static secret (at least 16 bytes). Errors: QUIC_ERR_INVALID_ARGUMENT (an
 * empty or over-long CID, a short key), QUIC_ERR_CRYPTO. */
int quic_reset_token_derive(const uint8_t *key, size_t key_len,
                            const quic_cid *cid,
                            uint8_t token[QUIC_RESET_TOKEN_LEN]);

/* Writes into |out| (capacity |cap|) a stateless reset carrying |token|, in
 * answer to a received datagram of |received_len| bytes, and returns its
 * length: one byte shorter than what it answers, so two endpoints cannot
 * loop (§10.3.3), and no longer than |cap| (pass a small cap, e.g. 64, to
 * bound what is sent). The first byte is 0b01xxxxxx, like a short header;
 * the rest before the token comes from |rng| (wolfCrypt's RNG when NULL).
 * Errors: QUIC_ERR_RESET_TOO_SMALL (|received_len| under 22: no reset of
 * at least 21 bytes can be shorter), QUIC_ERR_NOBUF (|cap| under 21),
 * QUIC_ERR_CRYPTO (wolfCrypt's RNG failed). */
int quic_reset_build(const uint8_t token[QUIC_RESET_TOKEN_LEN],
                     size_t received_len, quic_random_fn rng, void *rng_user,
                     uint8_t *out, size_t cap);

/* Whether |datagram| (|len| bytes) is a stateless reset for one of |tokens|
 * (|n_tokens| of them): returns the index of the token its last 16 bytes
 * equal, or -1. Every token is compared in full, in constant time for its
 * value (§10.3.1). Datagrams under 21 bytes are never resets. */
int quic_reset_detect(const uint8_t *datagram, size_t len,
                      const uint8_t (*tokens)[QUIC_RESET_TOKEN_LEN],
                      size_t n_tokens);

#endif

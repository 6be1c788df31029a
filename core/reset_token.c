/* core/reset_token.c — stateless reset tokens (HMAC-SHA256 with wolfCrypt),
 * reset packets and their detection, as RFC 9000 §10.3 describes them. */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "core/crypto.h"
#include "core/reset_token.h"

int quic_reset_token_derive(const uint8_t *key, size_t key_len,
                            const quic_cid *cid,
                            uint8_t token[QUIC_RESET_TOKEN_LEN]) {
    /* §10.3.2: a zero-length CID cannot carry a derivable token. */
    if (cid->len == 0 || cid->len > QUIC_MAX_CID_LEN ||
        key_len < QUIC_RESET_MIN_KEY_LEN || key_len > UINT32_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    Hmac hmac;
    uint8_t mac[WC_SHA256_DIGEST_SIZE];
    if (wc_HmacInit(&hmac, NULL, INVALID_DEVID) != 0)
        return QUIC_ERR_CRYPTO;
    int rc = wc_HmacSetKey(&hmac, WC_SHA256, key, (word32)key_len);
    if (rc == 0)
        rc = wc_HmacUpdate(&hmac, cid->data, cid->len);
    if (rc == 0)
        rc = wc_HmacFinal(&hmac, mac);
    wc_HmacFree(&hmac);
    if (rc == 0)
        memcpy(token, mac, QUIC_RESET_TOKEN_LEN);
    quic_secure_zero(mac, sizeof(mac));
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

static int wolfcrypt_random(uint8_t *out, size_t len) {
    WC_RNG rng;
    if (wc_InitRng(&rng) != 0)
        return QUIC_ERR_CRYPTO;
    int rc = wc_RNG_GenerateBlock(&rng, out, (word32)len);
    wc_FreeRng(&rng);
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

int quic_reset_build(const uint8_t token[QUIC_RESET_TOKEN_LEN],
                     size_t received_len, quic_random_fn rng, void *rng_user,
                     uint8_t *out, size_t cap) {
    if (received_len <= QUIC_RESET_MIN_LEN)
        return QUIC_ERR_RESET_TOO_SMALL;
    if (cap < QUIC_RESET_MIN_LEN)
        return QUIC_ERR_NOBUF;
    /* §10.3.3: smaller than the packet that triggered it. */
    size_t len = received_len - 1 < cap ? received_len - 1 : cap;
    size_t random_len = len - QUIC_RESET_TOKEN_LEN;
    if (rng) {
        rng(rng_user, out, random_len);
    } else {
        int rc = wolfcrypt_random(out, random_len);
        if (rc != 0)
            return rc;
    }
    /* Header form 0 and fixed bit 1: it must look like a short header. */
    out[0] = (uint8_t)((out[0] & 0x3f) | 0x40);
    memcpy(out + random_len, token, QUIC_RESET_TOKEN_LEN);
    return (int)len;
}

/* 0 when equal; the time taken does not depend on where they differ. */
static unsigned differs(const uint8_t *a, const uint8_t *b) {
    volatile unsigned acc = 0;
    for (size_t i = 0; i < QUIC_RESET_TOKEN_LEN; i++)
        acc |= (unsigned)(a[i] ^ b[i]);
    return acc;
}

int quic_reset_detect(const uint8_t *datagram, size_t len,
                      const uint8_t (*tokens)[QUIC_RESET_TOKEN_LEN],
                      size_t n_tokens) {
    if (len < QUIC_RESET_MIN_LEN)
        return -1;
    const uint8_t *tail = datagram + len - QUIC_RESET_TOKEN_LEN;
    int found = -1;
    for (size_t i = 0; i < n_tokens && i < INT32_MAX; i++)
        if (!differs(tail, tokens[i]) && found < 0)
            found = (int)i;
    return found;
}

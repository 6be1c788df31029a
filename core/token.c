/* core/token.c — Retry and NEW_TOKEN address-validation tokens (RFC 9000
 * §8.1): an AES-256-GCM seal (wolfCrypt) over the expiry, the client's
 * address and, for Retry, the connection IDs the server must remember. */
#include <string.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>

#include "core/crypto.h"
#include "core/mem.h"
#include "core/token.h"
#include "core/varint.h"

#define HEADER_LEN 2 /* kind, key id: the associated data */
#define SEALED_OVERHEAD (HEADER_LEN + QUIC_TOKEN_NONCE_LEN + QUIC_TOKEN_TAG_LEN)
#define ADDR_KEY_MAX 29 /* a family byte and up to 28 address bytes */
#define MIN_PLAINTEXT (8 + 1)

struct quic_token_key {
    const quic_allocator *alloc;
    Aes aes;
    WC_RNG rng;
    uint8_t id;
};

int quic_token_key_new(quic_token_key **out, const quic_allocator *alloc,
                       uint8_t key_id, const uint8_t *key) {
    *out = NULL;
    quic_token_key *k = quic_mem_calloc(alloc, 1, sizeof(*k));
    if (!k)
        return QUIC_ERR_NOMEM;
    k->alloc = alloc;
    k->id = key_id;
    if (wc_InitRng(&k->rng) != 0) {
        quic_mem_free(alloc, k);
        return QUIC_ERR_CRYPTO;
    }
    uint8_t random_key[QUIC_TOKEN_KEY_LEN];
    int rc = 0;
    if (!key) {
        rc = wc_RNG_GenerateBlock(&k->rng, random_key, sizeof(random_key));
        key = random_key;
    }
    if (rc == 0 && wc_AesInit(&k->aes, NULL, INVALID_DEVID) == 0) {
        rc = wc_AesGcmSetKey(&k->aes, key, QUIC_TOKEN_KEY_LEN);
        if (rc != 0)
            wc_AesFree(&k->aes);
    } else {
        rc = -1;
    }
    quic_secure_zero(random_key, sizeof(random_key));
    if (rc != 0) {
        wc_FreeRng(&k->rng);
        quic_mem_free(alloc, k);
        return QUIC_ERR_CRYPTO;
    }
    *out = k;
    return 0;
}

void quic_token_key_free(quic_token_key *key) {
    if (!key)
        return;
    wc_AesFree(&key->aes);
    wc_FreeRng(&key->rng);
    const quic_allocator *alloc = key->alloc;
    quic_secure_zero(key, sizeof(*key));
    quic_mem_free(alloc, key);
}

uint8_t quic_token_key_id(const quic_token_key *key) {
    return key->id;
}

/* The bytes a token binds: a family byte (4 or 6), the IP address and, if
 * |with_port|, the port, read from the sockaddr_in/sockaddr_in6 the caller
 * stored. Other layouts bind all their bytes (family byte 0). Returns the
 * length, or QUIC_ERR_INVALID_ARGUMENT for an over-long address. */
static int addr_key(const quic_addr *a, bool with_port,
                    uint8_t out[ADDR_KEY_MAX]) {
    if (a->len > sizeof(a->data))
        return QUIC_ERR_INVALID_ARGUMENT;
    sa_family_t family = AF_UNSPEC;
    if (a->len >= sizeof(sa_family_t) + offsetof(struct sockaddr, sa_family))
        memcpy(&family, a->data + offsetof(struct sockaddr, sa_family),
               sizeof(family));
    if (family == AF_INET && a->len == sizeof(struct sockaddr_in)) {
        struct sockaddr_in sin;
        memcpy(&sin, a->data, sizeof(sin));
        out[0] = 4;
        memcpy(out + 1, &sin.sin_addr, 4);
        memcpy(out + 5, &sin.sin_port, 2);
        return with_port ? 7 : 5;
    }
    if (family == AF_INET6 && a->len == sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 sin6;
        memcpy(&sin6, a->data, sizeof(sin6));
        out[0] = 6;
        memcpy(out + 1, &sin6.sin6_addr, 16);
        memcpy(out + 17, &sin6.sin6_port, 2);
        return with_port ? 19 : 17;
    }
    out[0] = 0;
    memcpy(out + 1, a->data, a->len);
    return 1 + (int)a->len;
}

static void put_u64(uint8_t *p, uint64_t v) {
    for (int i = 7; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

static uint64_t get_u64(const uint8_t *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

/* The associated data: the token's first two bytes and the version. */
static void make_ad(uint8_t ad[HEADER_LEN + 4], const uint8_t *header,
                    uint32_t version) {
    memcpy(ad, header, HEADER_LEN);
    quic_put_u32(ad + HEADER_LEN, version);
}

/* Seals |plain| as a token of |type| for |version| into |out|; returns its
 * length. */
static int seal(quic_token_key *key, quic_token_type type, const uint8_t *plain,
                size_t plain_len, uint8_t *out, size_t cap, uint32_t version) {
    size_t total = SEALED_OVERHEAD + plain_len;
    if (cap < total)
        return QUIC_ERR_NOBUF;
    out[0] = (uint8_t)type;
    out[1] = key->id;
    uint8_t ad[HEADER_LEN + 4];
    make_ad(ad, out, version);
    uint8_t *nonce = out + HEADER_LEN;
    uint8_t *body = nonce + QUIC_TOKEN_NONCE_LEN;
    if (wc_RNG_GenerateBlock(&key->rng, nonce, QUIC_TOKEN_NONCE_LEN) != 0 ||
        wc_AesGcmEncrypt(&key->aes, body, plain, (word32)plain_len, nonce,
                         QUIC_TOKEN_NONCE_LEN, body + plain_len,
                         QUIC_TOKEN_TAG_LEN, ad, sizeof(ad)) != 0)
        return QUIC_ERR_CRYPTO;
    return (int)total;
}

/* expiry | address length | address; returns the bytes written. */
static int put_common(uint8_t *p, const quic_addr *client, bool with_port,
                      quic_time expiry) {
    put_u64(p, expiry);
    int n = addr_key(client, with_port, p + 9);
    if (n < 0)
        return n;
    p[8] = (uint8_t)n;
    return 9 + n;
}

int quic_token_mint_retry(quic_token_key *key, const quic_addr *client,
                          const quic_cid *original_dcid,
                          const quic_cid *retry_scid, quic_time now,
                          uint8_t *out, size_t cap, uint32_t version) {
    if (original_dcid->len > QUIC_MAX_CID_LEN ||
        retry_scid->len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    uint8_t plain[QUIC_TOKEN_MAX_LEN];
    int n = put_common(plain, client, true, now + QUIC_TOKEN_RETRY_LIFETIME);
    if (n < 0)
        return n;
    size_t off = (size_t)n;
    plain[off++] = original_dcid->len;
    memcpy(plain + off, original_dcid->data, original_dcid->len);
    off += original_dcid->len;
    plain[off++] = retry_scid->len;
    memcpy(plain + off, retry_scid->data, retry_scid->len);
    off += retry_scid->len;
    return seal(key, QUIC_TOKEN_RETRY, plain, off, out, cap, version);
}

int quic_token_mint_new_token(quic_token_key *key, const quic_addr *client,
                              quic_time now, uint8_t *out, size_t cap,
                              uint32_t version) {
    uint8_t plain[QUIC_TOKEN_MAX_LEN];
    int n =
        put_common(plain, client, false, now + QUIC_TOKEN_NEW_TOKEN_LIFETIME);
    if (n < 0)
        return n;
    return seal(key, QUIC_TOKEN_NEW_TOKEN, plain, (size_t)n, out, cap, version);
}

/* Reads a length-prefixed connection ID at *off; false if it overruns. */
static bool get_cid(const uint8_t *p, size_t len, size_t *off, quic_cid *cid) {
    if (*off >= len || p[*off] > QUIC_MAX_CID_LEN || len - *off - 1 < p[*off])
        return false;
    cid->len = p[(*off)++];
    memcpy(cid->data, p + *off, cid->len);
    *off += cid->len;
    return true;
}

/* Checks the decrypted plaintext against the packet's address and time. */
static int check_plain(const uint8_t *p, size_t len, quic_token_type type,
                       const quic_addr *client, quic_time now,
                       quic_token_info *info) {
    if (len < MIN_PLAINTEXT || p[8] > ADDR_KEY_MAX || len - 9 < p[8])
        return QUIC_ERR_MALFORMED;
    size_t off = 9 + (size_t)p[8];
    quic_token_info got = {.type = type};
    if (type == QUIC_TOKEN_RETRY &&
        (!get_cid(p, len, &off, &got.original_dcid) ||
         !get_cid(p, len, &off, &got.retry_scid)))
        return QUIC_ERR_MALFORMED;
    if (off != len)
        return QUIC_ERR_MALFORMED;
    if (now >= get_u64(p))
        return QUIC_ERR_TOKEN_EXPIRED;
    uint8_t want[ADDR_KEY_MAX];
    int n = addr_key(client, type == QUIC_TOKEN_RETRY, want);
    if (n < 0)
        return n;
    if ((size_t)n != p[8] || memcmp(want, p + 9, (size_t)n) != 0)
        return QUIC_ERR_TOKEN_ADDRESS;
    *info = got;
    return 0;
}

static quic_token_key *find_key(quic_token_key *const *keys, size_t n,
                                uint8_t id) {
    for (size_t i = 0; i < n; i++)
        if (keys[i] && keys[i]->id == id)
            return keys[i];
    return NULL;
}

int quic_token_validate(quic_token_key *const *keys, size_t n_keys,
                        const uint8_t *token, size_t len,
                        quic_token_type expected, const quic_addr *client,
                        quic_time now, quic_token_info *info,
                        uint32_t version) {
    if (len < SEALED_OVERHEAD + MIN_PLAINTEXT)
        return QUIC_ERR_TRUNCATED;
    quic_token_type type = (quic_token_type)token[0];
    if ((type != QUIC_TOKEN_RETRY && type != QUIC_TOKEN_NEW_TOKEN) ||
        (expected != QUIC_TOKEN_ANY && expected != type))
        return QUIC_ERR_TOKEN_TYPE;
    quic_token_key *key = find_key(keys, n_keys, token[1]);
    if (!key)
        return QUIC_ERR_TOKEN_KEY;
    if (len > QUIC_TOKEN_MAX_LEN)
        return QUIC_ERR_TOKEN_INVALID; /* nothing minted here is longer */
    const uint8_t *nonce = token + HEADER_LEN;
    const uint8_t *body = nonce + QUIC_TOKEN_NONCE_LEN;
    size_t plain_len = len - SEALED_OVERHEAD;
    uint8_t plain[QUIC_TOKEN_MAX_LEN];
    uint8_t ad[HEADER_LEN + 4];
    make_ad(ad, token, version);
    int rc = wc_AesGcmDecrypt(&key->aes, plain, body, (word32)plain_len, nonce,
                              QUIC_TOKEN_NONCE_LEN, body + plain_len,
                              QUIC_TOKEN_TAG_LEN, ad, sizeof(ad));
    if (rc == AES_GCM_AUTH_E)
        rc = QUIC_ERR_TOKEN_INVALID;
    else if (rc != 0)
        rc = QUIC_ERR_CRYPTO;
    else
        rc = check_plain(plain, plain_len, type, client, now, info);
    quic_secure_zero(plain, sizeof(plain));
    return rc;
}

/* tests/fuzz/fuzz_token.c — libFuzzer target for address-validation token
 * validation (core/token.c): arbitrary bytes are validated as a token from a
 * fixed client under a fixed key and must be rejected with a documented
 * error or accepted with sane contents; a token minted from the input's
 * connection IDs must validate back to them and fail once a byte flips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/token.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

/* The corpus' genuine tokens were minted with this key (id 1), for
 * 192.0.2.1:4433 (struct sockaddr_in as Linux lays it out), at FUZZ_NOW. */
static const uint8_t fuzz_key[QUIC_TOKEN_KEY_LEN] =
    "h3cli fuzz token key, 32 bytes!";
#define FUZZ_NOW (1000 * QUIC_S)
static const quic_addr fuzz_client = {
    16, {2, 0, 0x11, 0x51, 192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0}};

static bool documented_error(int rc) {
    return rc == QUIC_ERR_TRUNCATED || rc == QUIC_ERR_TOKEN_TYPE ||
           rc == QUIC_ERR_TOKEN_KEY || rc == QUIC_ERR_TOKEN_INVALID ||
           rc == QUIC_ERR_MALFORMED || rc == QUIC_ERR_TOKEN_EXPIRED ||
           rc == QUIC_ERR_TOKEN_ADDRESS;
}

static void validate_raw(quic_token_key *key, const uint8_t *data,
                         size_t size) {
    static const quic_token_type kinds[3] = {QUIC_TOKEN_ANY, QUIC_TOKEN_RETRY,
                                             QUIC_TOKEN_NEW_TOKEN};
    for (size_t i = 0; i < 3; i++) {
        quic_token_info info;
        int rc =
            quic_token_validate(&key, 1, data, size, kinds[i], &fuzz_client,
                                FUZZ_NOW, &info, QUIC_VERSION_1);
        if (rc != 0) {
            CHECK(documented_error(rc));
            continue;
        }
        CHECK(size <= QUIC_TOKEN_MAX_LEN && data[1] == 1);
        CHECK(info.type == (quic_token_type)data[0]);
        CHECK(info.original_dcid.len <= QUIC_MAX_CID_LEN &&
              info.retry_scid.len <= QUIC_MAX_CID_LEN);
    }
}

static void mint_round_trip(quic_token_key *key, const uint8_t *data,
                            size_t size) {
    quic_cid odcid = {0}, rscid = {0};
    odcid.len = (uint8_t)(size < 20 ? size : 20);
    memcpy(odcid.data, data, odcid.len);
    rscid.len = (uint8_t)(size - odcid.len < 20 ? size - odcid.len : 20);
    memcpy(rscid.data, data + odcid.len, rscid.len);
    uint8_t t[QUIC_TOKEN_MAX_LEN];
    int len = quic_token_mint_retry(key, &fuzz_client, &odcid, &rscid, FUZZ_NOW,
                                    t, sizeof(t), QUIC_VERSION_1);
    CHECK(len > 0);
    quic_token_info info;
    CHECK(quic_token_validate(&key, 1, t, (size_t)len, QUIC_TOKEN_RETRY,
                              &fuzz_client, FUZZ_NOW, &info,
                              QUIC_VERSION_1) == 0);
    CHECK(info.original_dcid.len == odcid.len &&
          memcmp(info.original_dcid.data, odcid.data, odcid.len) == 0);
    CHECK(info.retry_scid.len == rscid.len &&
          memcmp(info.retry_scid.data, rscid.data, rscid.len) == 0);
    if (size) {
        t[data[0] % (size_t)len] ^= (uint8_t)(data[size - 1] | 1);
        CHECK(quic_token_validate(&key, 1, t, (size_t)len, QUIC_TOKEN_ANY,
                                  &fuzz_client, FUZZ_NOW, &info,
                                  QUIC_VERSION_1) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static quic_token_key *key;
    if (!key && quic_token_key_new(&key, NULL, 1, fuzz_key) != 0)
        abort();
    validate_raw(key, data, size);
    mint_round_trip(key, data, size);
    return 0;
}

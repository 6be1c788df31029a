/* core/protect.c — in-place packet protection and removal (RFC 9001 §5.3,
 * §5.4) and the Retry Integrity Tag (§5.8); header parsing is the caller's. */
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/aes.h>

#include "core/protect.h"

/* RFC 9001 §5.4.2: the sample starts 4 bytes after the packet number
 * starts, as if the packet number were 4 bytes long. */
#define SAMPLE_OFFSET 4

/* RFC 9001 §5.4.1: long headers protect 4 bits of the first byte (type
 * bits are not protected), short headers 5 (with the key phase). */
static uint8_t first_byte_mask(uint8_t first) {
    return (first & 0x80) ? 0x0f : 0x1f;
}

int quic_packet_seal(quic_keys *keys, uint8_t *pkt, size_t cap,
                     size_t pn_offset, size_t pn_len, size_t payload_len,
                     uint64_t pn) {
    if (pn_len < 1 || pn_len > 4 || (size_t)(pkt[0] & 0x03) + 1 != pn_len ||
        pn_len + payload_len < SAMPLE_OFFSET ||
        pn_offset > QUIC_MAX_PACKET_LEN || payload_len > QUIC_MAX_PACKET_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t hdr_len = pn_offset + pn_len;
    size_t total = hdr_len + payload_len + QUIC_AEAD_TAG_LEN;
    if (total > QUIC_MAX_PACKET_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (total > cap)
        return QUIC_ERR_NOBUF;
    uint8_t *payload = pkt + hdr_len;
    int rc = quic_keys_seal(keys, pn, pkt, hdr_len, payload, payload_len,
                            payload + payload_len);
    if (rc != 0)
        return rc;
    /* pn_len + payload_len >= 4 puts the 16-byte sample inside the
     * ciphertext and tag. */
    uint8_t mask[QUIC_HP_MASK_LEN];
    rc = quic_keys_hp_mask(keys, pkt + pn_offset + SAMPLE_OFFSET, mask);
    if (rc != 0)
        return rc;
    pkt[0] ^= mask[0] & first_byte_mask(pkt[0]);
    for (size_t i = 0; i < pn_len; i++)
        pkt[pn_offset + i] ^= mask[1 + i];
    return (int)total;
}

int quic_packet_unprotect_header(quic_keys *keys, uint8_t *pkt, size_t pkt_len,
                                 size_t pn_offset, uint64_t *truncated_pn) {
    if (pkt_len > QUIC_MAX_PACKET_LEN || pn_offset > QUIC_MAX_PACKET_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (pn_offset + SAMPLE_OFFSET + QUIC_HP_SAMPLE_LEN > pkt_len)
        return QUIC_ERR_SHORT_PACKET;
    uint8_t mask[QUIC_HP_MASK_LEN];
    int rc = quic_keys_hp_mask(keys, pkt + pn_offset + SAMPLE_OFFSET, mask);
    if (rc != 0)
        return rc;
    /* The header form bit is never masked, so the mask width is known
     * before unmasking; the packet-number length only after. */
    pkt[0] ^= mask[0] & first_byte_mask(pkt[0]);
    size_t pn_len = (size_t)(pkt[0] & 0x03) + 1;
    uint64_t tpn = 0;
    for (size_t i = 0; i < pn_len; i++) {
        pkt[pn_offset + i] ^= mask[1 + i];
        tpn = tpn << 8 | pkt[pn_offset + i];
    }
    if (truncated_pn != NULL)
        *truncated_pn = tpn;
    return (int)pn_len;
}

int quic_packet_open(quic_keys *keys, uint8_t *pkt, size_t pkt_len,
                     size_t hdr_len, uint64_t pn) {
    if (pkt_len > QUIC_MAX_PACKET_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (hdr_len > pkt_len || pkt_len - hdr_len < QUIC_AEAD_TAG_LEN)
        return QUIC_ERR_SHORT_PACKET;
    size_t ct_len = pkt_len - hdr_len - QUIC_AEAD_TAG_LEN;
    int rc = quic_keys_open(keys, pn, pkt, hdr_len, pkt + hdr_len, ct_len,
                            pkt + hdr_len + ct_len);
    return rc != 0 ? rc : (int)ct_len;
}

/* ---- Retry Integrity Tag --------------------------------------------------
 */

/* RFC 9001 §5.8. */
static const uint8_t retry_key_v1[16] = {0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66,
                                         0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54,
                                         0xe3, 0x68, 0xc8, 0x4e};
static const uint8_t retry_nonce_v1[12] = {0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63,
                                           0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb};
/* RFC 9369 §3.3.3. */
static const uint8_t retry_key_v2[16] = {0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac,
                                         0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce,
                                         0xad, 0x7c, 0xcc, 0x92};
static const uint8_t retry_nonce_v2[12] = {0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c,
                                           0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a};

int quic_retry_integrity_tag(uint32_t version, const uint8_t *odcid,
                             size_t odcid_len, const uint8_t *retry,
                             size_t retry_len, uint8_t tag[QUIC_AEAD_TAG_LEN]) {
    const uint8_t *key, *nonce;
    if (version == QUIC_VERSION_1) {
        key = retry_key_v1;
        nonce = retry_nonce_v1;
    } else if (version == QUIC_VERSION_2) {
        key = retry_key_v2;
        nonce = retry_nonce_v2;
    } else {
        return QUIC_ERR_UNKNOWN_VERSION;
    }
    if (odcid_len > QUIC_MAX_CID_LEN || retry_len > QUIC_MAX_RETRY_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    /* The pseudo-packet is the AEAD's associated data, which wolfCrypt
     * takes as one buffer; the plaintext is empty. */
    uint8_t pseudo[1 + QUIC_MAX_CID_LEN + QUIC_MAX_RETRY_LEN];
    pseudo[0] = (uint8_t)odcid_len;
    if (odcid_len)
        memcpy(pseudo + 1, odcid, odcid_len);
    if (retry_len)
        memcpy(pseudo + 1 + odcid_len, retry, retry_len);
    Aes aes;
    int rc = wc_AesInit(&aes, NULL, INVALID_DEVID);
    if (rc == 0) {
        rc = wc_AesGcmSetKey(&aes, key, sizeof(retry_key_v1));
        if (rc == 0)
            rc = wc_AesGcmEncrypt(
                &aes, NULL, NULL, 0, nonce, sizeof(retry_nonce_v1), tag,
                QUIC_AEAD_TAG_LEN, pseudo, (word32)(1 + odcid_len + retry_len));
        wc_AesFree(&aes);
    }
    return rc == 0 ? 0 : QUIC_ERR_CRYPTO;
}

int quic_retry_verify(uint32_t version, const uint8_t *odcid, size_t odcid_len,
                      const uint8_t *retry, size_t len) {
    if (len < QUIC_AEAD_TAG_LEN)
        return QUIC_ERR_SHORT_PACKET;
    uint8_t tag[QUIC_AEAD_TAG_LEN];
    size_t body_len = len - QUIC_AEAD_TAG_LEN;
    int rc = quic_retry_integrity_tag(version, odcid, odcid_len, retry,
                                      body_len, tag);
    if (rc != 0)
        return rc;
    /* Compare without an early exit, as for any authenticator. */
    uint8_t diff = 0;
    for (size_t i = 0; i < QUIC_AEAD_TAG_LEN; i++)
        diff |= (uint8_t)(tag[i] ^ retry[body_len + i]);
    return diff == 0 ? 0 : QUIC_ERR_DECRYPT;
}

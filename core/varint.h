/* core/varint.h — QUIC variable-length integers (RFC 9000 §16): the cursor
 * readers and sized writers every wire codec here is built from. Internal. */
#ifndef H3CLI_CORE_VARINT_H
#define H3CLI_CORE_VARINT_H

#include "core/quic.h"

#define QUIC_VARINT_MAX ((UINT64_C(1) << 62) - 1)

/* The writers below sit on every packet's path (several times per frame),
 * so they are inline. */

/* Bytes needed to encode |v| (1, 2, 4 or 8); 0 if |v| > QUIC_VARINT_MAX. */
static inline size_t quic_varint_len(uint64_t v) {
    if (v < 64)
        return 1;
    if (v < 16384)
        return 2;
    if (v < 1073741824)
        return 4;
    if (v <= QUIC_VARINT_MAX)
        return 8;
    return 0;
}

/* Writes |v| in exactly |len| bytes (1, 2, 4 or 8), for lengths patched in
 * later; |v| must fit. Returns the end. */
static inline uint8_t *quic_put_varint_n(uint8_t *p, uint64_t v, size_t len) {
    /* The two high bits of the first byte give log2 of the length. */
    static const uint8_t prefix[9] = {0, 0x00, 0x40, 0, 0x80, 0, 0, 0, 0xc0};
    for (size_t i = len; i > 0; i--) {
        p[i - 1] = (uint8_t)v;
        v >>= 8;
    }
    p[0] |= prefix[len];
    return p + len;
}

/* Writes |v| at |p| in quic_varint_len(v) bytes; returns the end. The caller
 * has checked the capacity and the range. */
static inline uint8_t *quic_put_varint(uint8_t *p, uint64_t v) {
    size_t len = quic_varint_len(v);
    /* Out of range: write nothing rather than touch a byte nobody sized. */
    if (len == 0)
        return p;
    return quic_put_varint_n(p, v, len);
}

/* Reads a varint from [p, end). Returns the position after it, or NULL if
 * the input is truncated. Any encoding length is accepted (RFC 9000 §16:
 * values need not use the minimum). */
const uint8_t *quic_get_varint(const uint8_t *p, const uint8_t *end,
                               uint64_t *out);

/* Big-endian fixed-width helpers. */
uint8_t *quic_put_u16(uint8_t *p, uint16_t v);
uint8_t *quic_put_u32(uint8_t *p, uint32_t v);
const uint8_t *quic_get_u16(const uint8_t *p, const uint8_t *end,
                            uint16_t *out);
const uint8_t *quic_get_u32(const uint8_t *p, const uint8_t *end,
                            uint32_t *out);

#endif

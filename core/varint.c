/* core/varint.c — big-endian fixed-width integer coding and the QUIC
 * variable-length reader (its writers are inline in varint.h). */
#include "core/varint.h"

const uint8_t *quic_get_varint(const uint8_t *p, const uint8_t *end,
                               uint64_t *out) {
    if (p >= end)
        return NULL;
    size_t len = (size_t)1 << (p[0] >> 6);
    if ((size_t)(end - p) < len)
        return NULL;
    uint64_t v = p[0] & 0x3f;
    for (size_t i = 1; i < len; i++)
        v = (v << 8) | p[i];
    *out = v;
    return p + len;
}

uint8_t *quic_put_u16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

uint8_t *quic_put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
    return p + 4;
}

const uint8_t *quic_get_u16(const uint8_t *p, const uint8_t *end,
                            uint16_t *out) {
    if (end - p < 2)
        return NULL;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    return p + 2;
}

const uint8_t *quic_get_u32(const uint8_t *p, const uint8_t *end,
                            uint32_t *out) {
    if (end - p < 4)
        return NULL;
    *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
    return p + 4;
}

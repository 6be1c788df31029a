/* qpack/prefix_int.c — prefixed integers (RFC 7541 §5.1, used by RFC 9204
 * §4.1.1) with the limits of §7.4: at most 62-bit values, at most
 * QPACK_INT_MAX_LEN bytes. The one-byte decode path is inline in
 * qpack_internal.h. */
#include "qpack/qpack_internal.h"

int qpack_int_decode_multi(const uint8_t *p, const uint8_t *end, uint8_t mask,
                           uint64_t *value) {
    uint64_t v = mask;
    unsigned shift = 0;
    for (int i = 1; i < QPACK_INT_MAX_LEN; i++) {
        if (p + i >= end)
            return 0;
        uint8_t b = p[i];
        v += (uint64_t)(b & 0x7f) << shift;
        if (v > QPACK_INT_MAX)
            return -1;
        if (!(b & 0x80)) {
            *value = v;
            return i + 1;
        }
        shift += 7;
    }
    /* A tenth byte would carry bits above 2^63: the value is too large, or
     * the encoding pads with 0x80 bytes beyond any sane length. */
    return -1;
}

size_t qpack_int_encode(uint8_t *dst, uint64_t value, unsigned prefix,
                        uint8_t first) {
    uint8_t mask = (uint8_t)((1u << prefix) - 1);
    if (value < mask) {
        dst[0] = (uint8_t)(first | value);
        return 1;
    }
    dst[0] = (uint8_t)(first | mask);
    value -= mask;
    size_t n = 1;
    while (value >= 0x80) {
        dst[n++] = (uint8_t)(0x80 | (value & 0x7f));
        value >>= 7;
    }
    dst[n++] = (uint8_t)value;
    return n;
}

size_t qpack_int_len(uint64_t value, unsigned prefix) {
    uint64_t mask = (1u << prefix) - 1;
    if (value < mask)
        return 1;
    value -= mask;
    size_t n = 2;
    while (value >= 0x80) {
        value >>= 7;
        n++;
    }
    return n;
}

/* qpack/huffman.c — the static Huffman code of RFC 7541 §5.2 / Appendix B:
 * encoding through a 64-bit bit accumulator, decoding through the generated
 * 12-bit table (up to two symbols per lookup), with the canonical-code
 * tables for the rare codes longer than 12 bits. Tables: huffman_table.c. */
#include "qpack/qpack_internal.h"

size_t qpack_huff_encoded_len(const uint8_t *s, size_t len) {
    uint64_t nbits = 0;
    for (size_t i = 0; i < len; i++)
        nbits += qpack_huff_len[s[i]];
    return (size_t)((nbits + 7) / 8);
}

static inline void put_be64(uint8_t *p, uint64_t v) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) &&                            \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap64(v); /* one store instead of eight */
    memcpy(p, &v, 8);
#else
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
#endif
}

size_t qpack_huff_encode(uint8_t *dst, const uint8_t *s, size_t len) {
    return qpack_huff_encode_limit(dst, s, len, SIZE_MAX);
}

/* A bit writer without data-dependent branches: after each symbol its whole
 * bytes go out with one 8-byte store (hence the slack in the contract). */
size_t qpack_huff_encode_limit(uint8_t *dst, const uint8_t *s, size_t len,
                               size_t limit) {
    uint8_t *out = dst;
    uint64_t acc = 0; /* the low |bits| bits (< 8 between symbols) pending */
    unsigned bits = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned l = qpack_huff_len[s[i]];
        acc = (acc << l) | qpack_huff_code[s[i]];
        bits += l;
        put_be64(out, acc << (64 - bits));
        out += bits >> 3;
        bits &= 7;
        if ((size_t)(out - dst) > limit)
            return SIZE_MAX;
    }
    /* §5.2: pad with the most significant bits of EOS, which are ones. */
    if (bits > 0)
        *out++ = (uint8_t)((acc << (8 - bits)) | (0xffu >> bits));
    if ((size_t)(out - dst) > limit)
        return SIZE_MAX;
    return (size_t)(out - dst);
}

static inline uint64_t load_be64(const uint8_t *p) {
    return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 | (uint64_t)p[2] << 40 |
           (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
           (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Decodes one code longer than 12 bits at the top of |acc|, using at most
 * |bits| bits. Returns its length and sets |*sym|, or 0 when no code fits. */
static unsigned decode_long(uint64_t acc, unsigned bits, unsigned *sym) {
    unsigned max = bits < 30 ? bits : 30;
    for (unsigned l = 13; l <= max; l++) {
        uint32_t d = (uint32_t)(acc >> (64 - l)) - qpack_huff_first_code[l];
        if (d < qpack_huff_len_count[l]) {
            *sym = qpack_huff_sorted_sym[qpack_huff_len_offset[l] + d];
            return l;
        }
    }
    return 0;
}

/* The last bits of the input (fewer than 30): whole codes, then padding of
 * at most 7 one bits. Returns the output end or NULL when invalid. */
static uint8_t *decode_tail(uint8_t *out, uint64_t acc, unsigned bits) {
    while (bits > 0) {
        if (bits <= 7 && (acc >> (64 - bits)) == (1u << bits) - 1)
            return out;
        uint64_t padded = acc | (~UINT64_C(0) >> bits);
        uint32_t e = qpack_huff_decode12[padded >> 52];
        unsigned n = e >> 24, l0 = (e >> 16) & 15, l = (e >> 20) & 15;
        if (n == 0) {
            unsigned sym = 256;
            l = decode_long(padded, bits, &sym);
            if (l == 0 || sym == 256)
                return NULL;
            *out++ = (uint8_t)sym;
        } else if (l0 > bits) {
            return NULL; /* a code cut short, or padding that is not ones */
        } else if (n == 2 && l <= bits) {
            out[0] = (uint8_t)e;
            out[1] = (uint8_t)(e >> 8);
            out += 2;
        } else {
            *out++ = (uint8_t)e;
            l = l0;
        }
        acc <<= l;
        bits -= l;
    }
    return out;
}

ptrdiff_t qpack_huff_decode(uint8_t *dst, const uint8_t *src, size_t len) {
    const uint8_t *end = src + len;
    uint8_t *out = dst;
    uint64_t acc = 0; /* the top |bits| bits are input not yet decoded */
    unsigned bits = 0;
    for (;;) {
        if (end - src >= 8) {
            unsigned n = (63 - bits) >> 3;
            acc |= load_be64(src) >> bits;
            src += n;
            bits += n * 8;
        } else {
            while (bits <= 56 && src < end) {
                acc |= (uint64_t)*src++ << (56 - bits);
                bits += 8;
            }
        }
        if (bits < 30 && src == end)
            break;
        /* At least 30 bits: any code fits, no end-of-input checks needed. */
        while (bits >= 30) {
            uint32_t e = qpack_huff_decode12[acc >> 52];
            unsigned l;
            if (e >> 24) {
                out[0] = (uint8_t)e;
                out[1] = (uint8_t)(e >> 8);
                out += e >> 24;
                l = (e >> 20) & 15;
            } else {
                unsigned sym = 256;
                l = decode_long(acc, bits, &sym);
                if (sym == 256)
                    return -1; /* §5.2: EOS in the string is an error */
                *out++ = (uint8_t)sym;
            }
            acc <<= l;
            bits -= l;
        }
    }
    out = decode_tail(out, acc, bits);
    return out ? out - dst : -1;
}

/* qpack/instr.c — wire coding of RFC 9204 §4: string literals, encoder and
 * decoder instructions, field section prefix and field line
 * representations, Required Insert Count encoding (§4.5.1.1). Parsing of
 * field lines lives in decoder.c, next to the table lookups it needs. */
#include "qpack/qpack_internal.h"

size_t qpack_string_encode(uint8_t *dst, const uint8_t *s, size_t len,
                           unsigned prefix, uint8_t first) {
    /* One pass: Huffman after room for the raw length's prefix (the coded
     * length is smaller), kept only when strictly shorter. */
    size_t room = qpack_int_len(len, prefix);
    size_t hlen = len > 1 ? qpack_huff_encode_limit(dst + room, s, len, len - 1)
                          : SIZE_MAX;
    if (hlen == SIZE_MAX) {
        size_t n = qpack_int_encode(dst, len, prefix, first);
        if (len)
            memcpy(dst + n, s, len);
        return n + len;
    }
    size_t n = qpack_int_len(hlen, prefix);
    if (n < room)
        memmove(dst + n, dst + room, hlen);
    qpack_int_encode(dst, hlen, prefix, (uint8_t)(first | (1u << prefix)));
    return n + hlen;
}

/* Parses a string literal whose length has a |prefix|-bit prefix. Returns
 * bytes (> 0), 0 when incomplete, -1 for a bad integer, -2 when it cannot
 * decode to at most |max| bytes. */
static ptrdiff_t parse_string(const uint8_t *p, const uint8_t *end,
                              unsigned prefix, uint64_t max,
                              qpack_raw_string *s) {
    if (p >= end)
        return 0;
    uint64_t len;
    int n = qpack_int_decode(p, end, prefix, &len);
    if (n <= 0)
        return n;
    s->huffman = (*p >> prefix) & 1;
    /* A Huffman code has at most 30 bits per byte of output. */
    uint64_t raw_max = s->huffman ? max * 4 + 8 : max;
    if (len > raw_max)
        return -2;
    if (len > (uint64_t)(end - p - n))
        return 0;
    s->data = p + n;
    s->len = (size_t)len;
    return n + (ptrdiff_t)len;
}

static ptrdiff_t string_error(ptrdiff_t r) {
    return r == -1 ? QPACK_ERR_ENCODER_STREAM_INTEGER
                   : QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE;
}

ptrdiff_t qpack_enc_instr_parse(const uint8_t *p, size_t len,
                                uint64_t max_string, uint64_t entries,
                                qpack_enc_instr *out) {
    const uint8_t *end = p + len;
    if (len == 0)
        return 0;
    unsigned prefix;
    uint8_t b = p[0];
    if (b & 0x80) {
        out->type = QPACK_EI_INSERT_NAME_REF;
        out->is_static = (b & 0x40) != 0;
        prefix = 6;
    } else if (b & 0x40) {
        out->type = QPACK_EI_INSERT_LITERAL;
        prefix = 0;
    } else {
        out->type = (b & 0x20) ? QPACK_EI_SET_CAPACITY : QPACK_EI_DUPLICATE;
        prefix = 5;
    }
    ptrdiff_t n = 0;
    if (prefix) {
        int r = qpack_int_decode(p, end, prefix, &out->index);
        if (r <= 0)
            return r < 0 ? QPACK_ERR_ENCODER_STREAM_INTEGER : 0;
        n = r;
        /* Bad references fail now, not once the value has arrived. */
        if (out->type == QPACK_EI_INSERT_NAME_REF && out->is_static &&
            out->index >= QPACK_STATIC_COUNT)
            return QPACK_ERR_ENCODER_STREAM_STATIC_INDEX;
        if ((out->type == QPACK_EI_DUPLICATE ||
             (out->type == QPACK_EI_INSERT_NAME_REF && !out->is_static)) &&
            out->index >= entries)
            return QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX;
        if (out->type != QPACK_EI_INSERT_NAME_REF)
            return n;
    } else {
        n = parse_string(p, end, 5, max_string, &out->name);
        if (n <= 0)
            return n < 0 ? string_error(n) : 0;
    }
    ptrdiff_t v = parse_string(p + n, end, 7, max_string, &out->value);
    if (v <= 0)
        return v < 0 ? string_error(v) : 0;
    return n + v;
}

ptrdiff_t qpack_dec_instr_parse(const uint8_t *p, size_t len,
                                qpack_dec_instr_type *type, uint64_t *value) {
    if (len == 0)
        return 0;
    unsigned prefix = 6;
    if (p[0] & 0x80) {
        *type = QPACK_DI_SECTION_ACK;
        prefix = 7;
    } else if (p[0] & 0x40) {
        *type = QPACK_DI_STREAM_CANCEL;
    } else {
        *type = QPACK_DI_INSERT_COUNT_INC;
    }
    int r = qpack_int_decode(p, p + len, prefix, value);
    if (r < 0)
        return QPACK_ERR_DECODER_STREAM_INTEGER;
    return r;
}

size_t qpack_put_set_capacity(uint8_t *dst, uint64_t capacity) {
    return qpack_int_encode(dst, capacity, 5, 0x20);
}

size_t qpack_put_insert_name_ref(uint8_t *dst, bool is_static, uint64_t index,
                                 const uint8_t *value, size_t value_len) {
    size_t n = qpack_int_encode(dst, index, 6, is_static ? 0xc0 : 0x80);
    return n + qpack_string_encode(dst + n, value, value_len, 7, 0);
}

size_t qpack_put_insert_literal(uint8_t *dst, const uint8_t *name,
                                size_t name_len, const uint8_t *value,
                                size_t value_len) {
    size_t n = qpack_string_encode(dst, name, name_len, 5, 0x40);
    return n + qpack_string_encode(dst + n, value, value_len, 7, 0);
}

size_t qpack_put_duplicate(uint8_t *dst, uint64_t relative_index) {
    return qpack_int_encode(dst, relative_index, 5, 0x00);
}

size_t qpack_put_section_ack(uint8_t *dst, uint64_t stream_id) {
    return qpack_int_encode(dst, stream_id, 7, 0x80);
}

size_t qpack_put_stream_cancel(uint8_t *dst, uint64_t stream_id) {
    return qpack_int_encode(dst, stream_id, 6, 0x40);
}

size_t qpack_put_insert_count_inc(uint8_t *dst, uint64_t increment) {
    return qpack_int_encode(dst, increment, 6, 0x00);
}

uint64_t qpack_ric_encode(uint64_t ric, uint64_t max_entries) {
    if (ric == 0)
        return 0;
    return ric % (2 * max_entries) + 1;
}

int qpack_ric_decode(uint64_t encoded, uint64_t max_entries,
                     uint64_t total_inserts, uint64_t *ric) {
    /* RFC 9204 §4.5.1.1, step by step. */
    if (encoded == 0) {
        *ric = 0;
        return 0;
    }
    uint64_t full_range = 2 * max_entries;
    if (encoded > full_range)
        return QPACK_ERR_DECOMPRESSION_INSERT_COUNT;
    uint64_t max_value = total_inserts + max_entries;
    uint64_t max_wrapped = max_value / full_range * full_range;
    uint64_t r = max_wrapped + encoded - 1;
    /* If r exceeds max_value, the Encoder's value must have one fewer wrap
     * than the decoder's, so it cannot be at or below full_range. */
    if (r > max_value) {
        if (r <= full_range)
            return QPACK_ERR_DECOMPRESSION_INSERT_COUNT;
        r -= full_range;
    }
    if (r == 0)
        return QPACK_ERR_DECOMPRESSION_INSERT_COUNT;
    *ric = r;
    return 0;
}

size_t qpack_put_section_prefix(uint8_t *dst, uint64_t ric, uint64_t base,
                                uint64_t max_entries) {
    size_t n = qpack_int_encode(dst, qpack_ric_encode(ric, max_entries), 8, 0);
    if (base >= ric)
        return n + qpack_int_encode(dst + n, base - ric, 7, 0x00);
    return n + qpack_int_encode(dst + n, ric - base - 1, 7, 0x80);
}

size_t qpack_put_indexed(uint8_t *dst, bool is_static, uint64_t index) {
    return qpack_int_encode(dst, index, 6, is_static ? 0xc0 : 0x80);
}

size_t qpack_put_indexed_post_base(uint8_t *dst, uint64_t index) {
    return qpack_int_encode(dst, index, 4, 0x10);
}

size_t qpack_put_literal_name_ref(uint8_t *dst, bool never, bool is_static,
                                  uint64_t index, const uint8_t *value,
                                  size_t value_len) {
    uint8_t first =
        (uint8_t)(0x40 | (never ? 0x20 : 0) | (is_static ? 0x10 : 0));
    size_t n = qpack_int_encode(dst, index, 4, first);
    return n + qpack_string_encode(dst + n, value, value_len, 7, 0);
}

size_t qpack_put_literal_post_base_name_ref(uint8_t *dst, bool never,
                                            uint64_t index,
                                            const uint8_t *value,
                                            size_t value_len) {
    size_t n = qpack_int_encode(dst, index, 3, never ? 0x08 : 0x00);
    return n + qpack_string_encode(dst + n, value, value_len, 7, 0);
}

size_t qpack_put_literal_literal_name(uint8_t *dst, bool never,
                                      const uint8_t *name, size_t name_len,
                                      const uint8_t *value, size_t value_len) {
    size_t n = qpack_string_encode(dst, name, name_len, 3,
                                   (uint8_t)(0x20 | (never ? 0x10 : 0)));
    return n + qpack_string_encode(dst + n, value, value_len, 7, 0);
}

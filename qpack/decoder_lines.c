/* qpack/decoder_lines.c — parsing of the field line representations of one
 * field section (RFC 9204 §4.5.2-4.5.6) into a qpack_field_section, with
 * every reference and length checked and the RFC 9114 §4.2.2 size limit
 * charged before bytes are copied. */
#include "qpack/decoder_internal.h"
#include "qpack/section.h"

typedef struct line_ctx {
    qpack_decoder *dec;
    qpack_field_section *out;
    uint64_t ric, base;
    uint64_t budget; /* field section size still allowed */
    const uint8_t *p, *end;
} line_ctx;

static int int_error(int n) {
    return n ? QPACK_ERR_DECOMPRESSION_INTEGER
             : QPACK_ERR_DECOMPRESSION_TRUNCATED;
}

/* Reads the |prefix|-bit integer at the cursor. */
static int read_int(line_ctx *c, unsigned prefix, uint64_t *v) {
    if (c->p >= c->end)
        return QPACK_ERR_DECOMPRESSION_TRUNCATED;
    int n = qpack_int_decode(c->p, c->end, prefix, v);
    if (n <= 0)
        return int_error(n);
    c->p += n;
    return 0;
}

static int add(line_ctx *c, const uint8_t *name, size_t name_len,
               const uint8_t *value, size_t value_len, uint32_t flags) {
    qpack_field *f = qpack_section_add(c->out);
    if (!f)
        return QPACK_ERR_NOMEM;
    f->name = name;
    f->name_len = name_len;
    f->value = value;
    f->value_len = value_len;
    f->flags = flags;
    return 0;
}

/* Takes one line of |n| name + value bytes from the size budget. */
static int charge(line_ctx *c, uint64_t n) {
    if (n > UINT64_MAX - QPACK_ENTRY_OVERHEAD ||
        n + QPACK_ENTRY_OVERHEAD > c->budget)
        return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
    c->budget -= n + QPACK_ENTRY_OVERHEAD;
    return 0;
}

/* §4.5.2 relative index -> the entry; §2.2.3 invalid references. */
static int relative_entry(line_ctx *c, uint64_t index, const qpack_entry **e) {
    if (index >= c->base)
        return QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX;
    uint64_t abs = c->base - 1 - index;
    if (abs >= c->ric || !(*e = qpack_table_get(&c->dec->table, abs)))
        return QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX;
    return 0;
}

/* §4.5.3 post-base index -> the entry. */
static int post_base_entry(line_ctx *c, uint64_t index, const qpack_entry **e) {
    if (c->base >= c->ric || index >= c->ric - c->base ||
        !(*e = qpack_table_get(&c->dec->table, c->base + index)))
        return QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX;
    return 0;
}

static int static_entry(uint64_t index, const qpack_static_entry **s) {
    if (index >= QPACK_STATIC_COUNT)
        return QPACK_ERR_DECOMPRESSION_STATIC_INDEX;
    *s = &qpack_static_table[index];
    return 0;
}

/* A whole dynamic entry as a field: its name and value copied. */
static int add_entry(line_ctx *c, const qpack_entry *e) {
    size_t n = (size_t)e->name_len + e->value_len;
    int rc = charge(c, n);
    if (rc)
        return rc;
    uint8_t *dst = qpack_section_reserve(c->out, n);
    if (!dst)
        return QPACK_ERR_NOMEM;
    memcpy(dst, e->data, n);
    qpack_section_commit(c->out, n);
    return add(c, dst, e->name_len, dst + e->name_len, e->value_len, 0);
}

/* Reads a string literal whose length has |prefix| bits into the arena,
 * after |keep| bytes of |prefix_bytes| (a name to copy in front of it).
 * |room| is the most bytes the string may decode to. Sets |*dst| to the
 * start of what was written and |*len| to the string's length. */
static int read_string(line_ctx *c, unsigned prefix, const uint8_t *keep,
                       size_t keep_len, uint64_t room, uint8_t **dst,
                       size_t *len) {
    uint64_t raw;
    if (c->p >= c->end)
        return QPACK_ERR_DECOMPRESSION_TRUNCATED;
    bool huffman = (*c->p >> prefix) & 1;
    int rc = read_int(c, prefix, &raw);
    if (rc)
        return rc;
    /* Too long for the limit (a Huffman code has at most 30 bits a byte)
     * says more than "cut short", and needs no copy to find out. */
    if (raw > (huffman ? room * 4 + 8 : room))
        return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
    if (raw > (uint64_t)(c->end - c->p))
        return QPACK_ERR_DECOMPRESSION_TRUNCATED;
    size_t n = (size_t)raw;
    uint8_t *d = qpack_section_reserve(
        c->out, keep_len + (huffman ? QPACK_HUFF_DECODED_MAX(n) : n));
    if (!d)
        return QPACK_ERR_NOMEM;
    if (keep_len)
        memcpy(d, keep, keep_len);
    if (huffman) {
        ptrdiff_t r = qpack_huff_decode(d + keep_len, c->p, n);
        if (r < 0)
            return QPACK_ERR_DECOMPRESSION_HUFFMAN;
        if ((uint64_t)r > room)
            return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
        *len = (size_t)r;
    } else {
        memcpy(d + keep_len, c->p, n);
        *len = n;
    }
    c->p += n;
    qpack_section_commit(c->out, keep_len + *len);
    *dst = d;
    return 0;
}

/* The value literal of a line whose name is known; |copy_name| when the
 * name lives in the dynamic table (which can change later). */
static int literal_value(line_ctx *c, const uint8_t *name, size_t name_len,
                         bool copy_name, uint32_t flags) {
    if ((uint64_t)name_len + QPACK_ENTRY_OVERHEAD > c->budget)
        return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
    uint64_t room = c->budget - name_len - QPACK_ENTRY_OVERHEAD;
    size_t keep = copy_name ? name_len : 0, vlen;
    uint8_t *d;
    int rc = read_string(c, 7, name, keep, room, &d, &vlen);
    if (rc)
        return rc;
    c->budget -= name_len + vlen + QPACK_ENTRY_OVERHEAD;
    return add(c, copy_name ? d : name, name_len, d + keep, vlen, flags);
}

/* 1Txxxxxx: Indexed Field Line (§4.5.2). */
static int indexed(line_ctx *c) {
    bool is_static = (*c->p & 0x40) != 0;
    uint64_t index;
    int rc = read_int(c, 6, &index);
    if (rc)
        return rc;
    if (!is_static) {
        const qpack_entry *e;
        rc = relative_entry(c, index, &e);
        return rc ? rc : add_entry(c, e);
    }
    const qpack_static_entry *s;
    if ((rc = static_entry(index, &s)) ||
        (rc = charge(c, (uint64_t)s->name_len + s->value_len)))
        return rc;
    return add(c, s->name, s->name_len, s->value, s->value_len, 0);
}

/* 0001xxxx: Indexed Field Line with Post-Base Index (§4.5.3). */
static int indexed_post_base(line_ctx *c) {
    uint64_t index;
    const qpack_entry *e;
    int rc = read_int(c, 4, &index);
    if (rc || (rc = post_base_entry(c, index, &e)))
        return rc;
    return add_entry(c, e);
}

/* 01NTxxxx: Literal Field Line with Name Reference (§4.5.4). */
static int literal_name_ref(line_ctx *c) {
    uint32_t flags = (*c->p & 0x20) ? QPACK_FIELD_NEVER_INDEX : 0;
    bool is_static = (*c->p & 0x10) != 0;
    uint64_t index;
    int rc = read_int(c, 4, &index);
    if (rc)
        return rc;
    if (is_static) {
        const qpack_static_entry *s;
        rc = static_entry(index, &s);
        return rc ? rc : literal_value(c, s->name, s->name_len, false, flags);
    }
    const qpack_entry *e;
    rc = relative_entry(c, index, &e);
    return rc ? rc : literal_value(c, e->data, e->name_len, true, flags);
}

/* 0000Nxxx: Literal Field Line with Post-Base Name Reference (§4.5.5). */
static int literal_post_base_name(line_ctx *c) {
    uint32_t flags = (*c->p & 0x08) ? QPACK_FIELD_NEVER_INDEX : 0;
    uint64_t index;
    const qpack_entry *e;
    int rc = read_int(c, 3, &index);
    if (rc || (rc = post_base_entry(c, index, &e)))
        return rc;
    return literal_value(c, e->data, e->name_len, true, flags);
}

/* 001NHxxx: Literal Field Line with Literal Name (§4.5.6). */
static int literal_literal_name(line_ctx *c) {
    uint32_t flags = (*c->p & 0x10) ? QPACK_FIELD_NEVER_INDEX : 0;
    if (c->budget < QPACK_ENTRY_OVERHEAD)
        return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
    uint8_t *name;
    size_t name_len;
    int rc = read_string(c, 3, NULL, 0, c->budget - QPACK_ENTRY_OVERHEAD, &name,
                         &name_len);
    return rc ? rc : literal_value(c, name, name_len, false, flags);
}

int qpack_decoder_decode_lines(qpack_decoder *dec, uint64_t ric, uint64_t base,
                               const uint8_t *p, size_t len,
                               qpack_field_section *out) {
    line_ctx c = {dec, out, ric, base, dec->max_section_size, p, p + len};
    while (c.p < c.end) {
        uint8_t b = *c.p;
        int rc;
        if (b & 0x80)
            rc = indexed(&c);
        else if (b & 0x40)
            rc = literal_name_ref(&c);
        else if (b & 0x20)
            rc = literal_literal_name(&c);
        else if (b & 0x10)
            rc = indexed_post_base(&c);
        else
            rc = literal_post_base_name(&c);
        if (rc)
            return rc;
    }
    out->size = dec->max_section_size - c.budget;
    return 0;
}

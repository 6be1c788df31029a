/* qpack/decoder_instr.c — the decoder's side of the encoder stream (RFC 9204
 * §4.3): instructions applied to the dynamic table, instructions split
 * across reads kept in a bounded buffer. */
#include "qpack/decoder_internal.h"

/* Room in the scratch buffer for the Huffman output of |a| and |b|. */
static size_t scratch_need(const qpack_raw_string *a,
                           const qpack_raw_string *b) {
    return (a && a->huffman ? QPACK_HUFF_DECODED_MAX(a->len) : 0) +
           (b->huffman ? QPACK_HUFF_DECODED_MAX(b->len) : 0);
}

static int reserve_scratch(qpack_decoder *dec, size_t need) {
    dec->scratch.len = 0;
    return qpack_buf_reserve(&dec->scratch, &dec->alloc, need);
}

/* Turns a raw string into bytes: Huffman-decoded into the scratch buffer
 * (reserved beforehand) at |offset| when needed. */
static int string_bytes(qpack_decoder *dec, const qpack_raw_string *s,
                        size_t offset, const uint8_t **out, size_t *len) {
    if (!s->huffman) {
        *out = s->data;
        *len = s->len;
        return 0;
    }
    ptrdiff_t r =
        qpack_huff_decode(dec->scratch.data + offset, s->data, s->len);
    if (r < 0)
        return QPACK_ERR_ENCODER_STREAM_HUFFMAN;
    *out = dec->scratch.data + offset;
    *len = (size_t)r;
    return 0;
}

/* Adds an entry (§3.2.2), evicting as needed. The new entry copies |name|
 * and |value| first, so they may belong to an entry that gets evicted. */
static int insert(qpack_decoder *dec, const uint8_t *name, size_t name_len,
                  const uint8_t *value, size_t value_len) {
    qpack_table *t = &dec->table;
    uint64_t size = (uint64_t)name_len + value_len + QPACK_ENTRY_OVERHEAD;
    if (size > t->capacity)
        return QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE;
    qpack_entry *e =
        qpack_entry_new(&dec->alloc, name, name_len, value, value_len);
    if (!e)
        return QPACK_ERR_NOMEM;
    while (t->size + size > t->capacity)
        qpack_table_evict_oldest(t);
    int rc = qpack_table_push(t, e);
    if (rc)
        qpack_free(&dec->alloc, e);
    return rc;
}

/* §4.3.5 / §4.3.2: a relative index counts back from the last insert. */
static const qpack_entry *relative_entry(const qpack_decoder *dec,
                                         uint64_t index) {
    if (index >= dec->table.insert_count)
        return NULL;
    return qpack_table_get(&dec->table, dec->table.insert_count - 1 - index);
}

static int apply(qpack_decoder *dec, const qpack_enc_instr *in) {
    qpack_table *t = &dec->table;
    const uint8_t *name, *value;
    size_t name_len, value_len;
    const qpack_entry *e;
    int rc;
    switch (in->type) {
    case QPACK_EI_SET_CAPACITY:
        /* §4.3.1: above our SETTINGS value is an error. */
        if (in->index > dec->max_capacity)
            return QPACK_ERR_ENCODER_STREAM_CAPACITY;
        while (t->size > in->index)
            qpack_table_evict_oldest(t);
        t->capacity = in->index;
        return 0;
    case QPACK_EI_DUPLICATE:
        if (!(e = relative_entry(dec, in->index)))
            return QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX;
        return insert(dec, qpack_entry_name(e), e->name_len,
                      qpack_entry_value(e), e->value_len);
    case QPACK_EI_INSERT_NAME_REF:
        if (in->is_static) {
            if (in->index >= QPACK_STATIC_COUNT)
                return QPACK_ERR_ENCODER_STREAM_STATIC_INDEX;
            name = qpack_static_table[in->index].name;
            name_len = qpack_static_table[in->index].name_len;
        } else {
            if (!(e = relative_entry(dec, in->index)))
                return QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX;
            name = qpack_entry_name(e);
            name_len = e->name_len;
        }
        if ((rc = reserve_scratch(dec, scratch_need(NULL, &in->value))) ||
            (rc = string_bytes(dec, &in->value, 0, &value, &value_len)))
            return rc;
        return insert(dec, name, name_len, value, value_len);
    case QPACK_EI_INSERT_LITERAL:
        if ((rc = reserve_scratch(dec, scratch_need(&in->name, &in->value))) ||
            (rc = string_bytes(dec, &in->name, 0, &name, &name_len)))
            return rc;
        /* The value's Huffman output goes after the name's. */
        rc = string_bytes(
            dec, &in->value,
            in->name.huffman ? QPACK_HUFF_DECODED_MAX(in->name.len) : 0, &value,
            &value_len);
        return rc ? rc : insert(dec, name, name_len, value, value_len);
    }
    return QPACK_ERR_INVALID_ARGUMENT;
}

/* Applies the whole instructions at the start of |p|; returns the bytes they
 * took (the rest is an instruction cut short) or an error. */
static ptrdiff_t run(qpack_decoder *dec, const uint8_t *p, size_t len) {
    size_t done = 0;
    while (done < len) {
        qpack_enc_instr in;
        uint64_t cap = dec->table.capacity;
        uint64_t max_string =
            cap > QPACK_ENTRY_OVERHEAD ? cap - QPACK_ENTRY_OVERHEAD : 0;
        ptrdiff_t n = qpack_enc_instr_parse(
            p + done, len - done, max_string,
            dec->table.insert_count - dec->table.first, &in);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        int rc = apply(dec, &in);
        if (rc)
            return rc;
        done += (size_t)n;
    }
    return (ptrdiff_t)done;
}

int qpack_decoder_read_encoder_stream(qpack_decoder *dec, const uint8_t *data,
                                      size_t len) {
    if (!dec || (!data && len))
        return QPACK_ERR_INVALID_ARGUMENT;
    qpack_buf *part = &dec->partial;
    while (len > 0) {
        if (part->len == 0) {
            ptrdiff_t n = run(dec, data, len);
            if (n < 0)
                return (int)n;
            data += n;
            len -= (size_t)n;
            if (len == 0)
                break;
            /* Shorter than partial_max: longer strings fail to parse. */
            int rc = qpack_buf_reserve(part, &dec->alloc, len);
            if (rc)
                return rc;
            memcpy(part->data, data, len);
            part->len = len;
            return 0;
        }
        /* Complete the kept instruction with as few new bytes as we can
         * know to be enough, then go back to reading |data| in place. */
        size_t old = part->len;
        size_t take = dec->partial_max - old;
        if (take > len)
            take = len;
        int rc = qpack_buf_reserve(part, &dec->alloc, take);
        if (rc)
            return rc;
        memcpy(part->data + old, data, take);
        part->len += take;
        ptrdiff_t n = run(dec, part->data, part->len);
        if (n < 0)
            return (int)n;
        if (n == 0) {
            if (take == len)
                return 0;
            return QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE;
        }
        size_t used = (size_t)n - old;
        part->len = 0;
        data += used;
        len -= used;
    }
    return 0;
}

/* qpack/decoder.c — the QPACK decoder (RFC 9204 §2.2): its object, field
 * section decoding (§4.5), blocked sections and the decoder-stream output
 * (§4.4). Encoder-stream input is in decoder_instr.c, field line
 * parsing in decoder_lines.c. */
#include "qpack/decoder_internal.h"
#include "qpack/section.h"

void qpack_decoder_config_init(qpack_decoder_config *config) {
    memset(config, 0, sizeof(*config));
    config->max_table_capacity = 4096;
    config->max_blocked_streams = 100;
    config->max_field_section_size = 65536;
}

int qpack_decoder_new(qpack_decoder **out, const qpack_decoder_config *config) {
    qpack_allocator a;
    if (!out || !config ||
        config->max_table_capacity > QPACK_MAX_CAPACITY_LIMIT ||
        config->max_field_section_size < 1024 ||
        config->max_field_section_size > (UINT64_C(64) << 20))
        return QPACK_ERR_INVALID_ARGUMENT;
    qpack_allocator_copy(&a, config->allocator);
    qpack_decoder *dec = qpack_calloc(&a, 1, sizeof(*dec));
    if (!dec)
        return QPACK_ERR_NOMEM;
    dec->alloc = a;
    qpack_table_init(&dec->table, &dec->alloc);
    dec->max_capacity = config->max_table_capacity;
    dec->max_entries = config->max_table_capacity / QPACK_ENTRY_OVERHEAD;
    dec->max_blocked = config->max_blocked_streams;
    dec->max_section_size = config->max_field_section_size;
    if (config->initial_capacity_is_max)
        dec->table.capacity = dec->max_capacity;
    /* An instruction holds at most two strings, each no longer than the
     * raw bound of qpack_enc_instr_parse(), and three integers. */
    dec->partial_max =
        (size_t)(2 * (dec->max_capacity * 4 + 8) + 3 * QPACK_INT_MAX_LEN);
    *out = dec;
    return 0;
}

void qpack_decoder_free(qpack_decoder *dec) {
    if (!dec)
        return;
    for (size_t i = 0; i < dec->nblocked; i++)
        qpack_free(&dec->alloc, dec->blocked[i].block);
    qpack_free(&dec->alloc, dec->blocked);
    qpack_table_free(&dec->table);
    qpack_buf_free(&dec->partial, &dec->alloc);
    qpack_buf_free(&dec->scratch, &dec->alloc);
    qpack_buf_free(&dec->out, &dec->alloc);
    qpack_allocator a = dec->alloc;
    qpack_free(&a, dec);
}

/* ---- Decoder-stream output (§4.4) -----------------------------------------
 */

static int queue_instruction(qpack_decoder *dec, int type, uint64_t value) {
    int rc = qpack_buf_reserve(&dec->out, &dec->alloc, QPACK_INT_MAX_LEN + 1);
    if (rc)
        return rc;
    uint8_t *p = dec->out.data + dec->out.len;
    if (type == QPACK_DI_SECTION_ACK)
        dec->out.len += qpack_put_section_ack(p, value);
    else if (type == QPACK_DI_STREAM_CANCEL)
        dec->out.len += qpack_put_stream_cancel(p, value);
    else
        dec->out.len += qpack_put_insert_count_inc(p, value);
    return 0;
}

int qpack_decoder_get_output(qpack_decoder *dec, const uint8_t **data,
                             size_t *len) {
    uint64_t inserts = dec->table.insert_count;
    if (inserts > dec->acked_inserts) {
        int rc = queue_instruction(dec, QPACK_DI_INSERT_COUNT_INC,
                                   inserts - dec->acked_inserts);
        if (rc)
            return rc;
        dec->acked_inserts = inserts;
    }
    *data = dec->out.data + dec->out_pos;
    *len = dec->out.len - dec->out_pos;
    return 0;
}

void qpack_decoder_consume_output(qpack_decoder *dec, size_t n) {
    size_t avail = dec->out.len - dec->out_pos;
    dec->out_pos += n < avail ? n : avail;
    if (dec->out_pos == dec->out.len)
        dec->out.len = dec->out_pos = 0;
}

/* §2.2.2.1: a section that referenced the dynamic table is acknowledged;
 * that also tells the encoder we have its first |ric| inserts. */
static int acknowledge(qpack_decoder *dec, uint64_t stream_id, uint64_t ric) {
    if (ric == 0)
        return 0;
    if (ric > dec->acked_inserts)
        dec->acked_inserts = ric;
    return queue_instruction(dec, QPACK_DI_SECTION_ACK, stream_id);
}

/* ---- Field section prefix (§4.5.1) ----------------------------------------
 */

typedef struct prefix_info {
    uint64_t ric, base;
    size_t len; /* bytes of the prefix */
} prefix_info;

static int parse_prefix(const qpack_decoder *dec, const uint8_t *p, size_t len,
                        prefix_info *pi) {
    const uint8_t *end = p + len;
    uint64_t encoded, delta;
    if (len == 0)
        return QPACK_ERR_DECOMPRESSION_TRUNCATED;
    int n = qpack_int_decode(p, end, 8, &encoded);
    if (n <= 0)
        return n ? QPACK_ERR_DECOMPRESSION_INTEGER
                 : QPACK_ERR_DECOMPRESSION_TRUNCATED;
    if (p + n >= end)
        return QPACK_ERR_DECOMPRESSION_TRUNCATED;
    bool sign = (p[n] & 0x80) != 0;
    int m = qpack_int_decode(p + n, end, 7, &delta);
    if (m <= 0)
        return m ? QPACK_ERR_DECOMPRESSION_INTEGER
                 : QPACK_ERR_DECOMPRESSION_TRUNCATED;
    int rc = qpack_ric_decode(encoded, dec->max_entries,
                              dec->table.insert_count, &pi->ric);
    if (rc)
        return rc;
    if (sign) {
        /* §4.5.1.2: Base = RIC - Delta Base - 1 must not be negative. */
        if (delta >= pi->ric)
            return QPACK_ERR_DECOMPRESSION_BASE;
        pi->base = pi->ric - delta - 1;
    } else {
        pi->base = pi->ric + delta;
    }
    pi->len = (size_t)(n + m);
    return 0;
}

/* ---- Blocked sections (§2.1.2) --------------------------------------------
 */

static qpack_blocked *find_blocked(qpack_decoder *dec, uint64_t stream_id) {
    for (size_t i = 0; i < dec->nblocked; i++)
        if (dec->blocked[i].stream_id == stream_id)
            return &dec->blocked[i];
    return NULL;
}

static void remove_blocked(qpack_decoder *dec, qpack_blocked *b) {
    size_t i = (size_t)(b - dec->blocked);
    qpack_free(&dec->alloc, b->block);
    memmove(&dec->blocked[i], &dec->blocked[i + 1],
            (dec->nblocked - i - 1) * sizeof(*b));
    dec->nblocked--;
}

static int block_section(qpack_decoder *dec, uint64_t stream_id,
                         const uint8_t *block, size_t len,
                         const prefix_info *pi) {
    /* §2.1.2 counts streams still waiting for inserts; sections already
     * unblocked but not yet collected are not waiting. */
    size_t waiting = 0;
    for (size_t i = 0; i < dec->nblocked; i++)
        waiting += dec->blocked[i].ric > dec->table.insert_count;
    if (waiting >= dec->max_blocked)
        return QPACK_ERR_DECOMPRESSION_BLOCKED;
    /* A valid block is at most 4 bytes per byte of field section size (the
     * longest Huffman codes), so larger ones cannot be kept. */
    if (len > dec->max_section_size * 4 + 64)
        return QPACK_ERR_FIELD_SECTION_TOO_LARGE;
    if (dec->nblocked == dec->blocked_cap) {
        size_t cap = dec->blocked_cap ? dec->blocked_cap * 2 : 4;
        qpack_blocked *nb =
            qpack_realloc(&dec->alloc, dec->blocked, cap * sizeof(*nb));
        if (!nb)
            return QPACK_ERR_NOMEM;
        dec->blocked = nb;
        dec->blocked_cap = cap;
    }
    size_t lines = len - pi->len;
    uint8_t *copy = qpack_malloc(&dec->alloc, lines ? lines : 1);
    if (!copy)
        return QPACK_ERR_NOMEM;
    if (lines)
        memcpy(copy, block + pi->len, lines);
    qpack_blocked *b = &dec->blocked[dec->nblocked++];
    b->stream_id = stream_id;
    b->ric = pi->ric;
    b->base = pi->base;
    b->block = copy;
    b->len = lines;
    return QPACK_DECODE_BLOCKED;
}

/* ---- Decoding -------------------------------------------------------------
 */

static int decode_section(qpack_decoder *dec, uint64_t stream_id,
                          const prefix_info *pi, const uint8_t *lines,
                          size_t len, qpack_field_section *out) {
    int rc = qpack_section_begin(out, &dec->alloc, stream_id);
    if (rc)
        return rc;
    rc = qpack_decoder_decode_lines(dec, pi->ric, pi->base, lines, len, out);
    if (rc) {
        out->count = 0;
        return rc;
    }
    return acknowledge(dec, stream_id, pi->ric);
}

int qpack_decoder_decode(qpack_decoder *dec, uint64_t stream_id,
                         const uint8_t *block, size_t len,
                         qpack_field_section *out) {
    prefix_info pi;
    if (!dec || !out || (!block && len))
        return QPACK_ERR_INVALID_ARGUMENT;
    if (find_blocked(dec, stream_id))
        return QPACK_ERR_INVALID_ARGUMENT;
    int rc = parse_prefix(dec, block, len, &pi);
    if (rc)
        return rc;
    if (pi.ric > dec->table.insert_count)
        return block_section(dec, stream_id, block, len, &pi);
    return decode_section(dec, stream_id, &pi, block + pi.len, len - pi.len,
                          out);
}

int qpack_decoder_next_unblocked(qpack_decoder *dec, qpack_field_section *out) {
    if (!dec || !out)
        return QPACK_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < dec->nblocked; i++) {
        qpack_blocked *b = &dec->blocked[i];
        if (b->ric > dec->table.insert_count)
            continue;
        prefix_info pi = {b->ric, b->base, 0};
        int rc = decode_section(dec, b->stream_id, &pi, b->block, b->len, out);
        remove_blocked(dec, b);
        return rc ? rc : 1;
    }
    return 0;
}

int qpack_decoder_cancel_stream(qpack_decoder *dec, uint64_t stream_id) {
    if (!dec)
        return QPACK_ERR_INVALID_ARGUMENT;
    qpack_blocked *b = find_blocked(dec, stream_id);
    if (b)
        remove_blocked(dec, b);
    /* §4.4.2: with a maximum capacity of 0 there can be no references. */
    if (dec->max_capacity == 0)
        return 0;
    return queue_instruction(dec, QPACK_DI_STREAM_CANCEL, stream_id);
}

size_t qpack_decoder_blocked_count(const qpack_decoder *dec) {
    return dec->nblocked;
}

bool qpack_decoder_mid_instruction(const qpack_decoder *dec) {
    return dec->partial.len > 0;
}

uint64_t qpack_decoder_insert_count(const qpack_decoder *dec) {
    return dec->table.insert_count;
}

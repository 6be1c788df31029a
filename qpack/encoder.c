/* qpack/encoder.c — the QPACK encoder object (RFC 9204 §2.1): creation, the
 * peer's settings, and the decoder stream (§4.4) that moves the Known
 * Received Count and releases sections. Encoding is in encoder_section.c. */
#include "qpack/encoder_internal.h"

void qpack_encoder_config_init(qpack_encoder_config *config) {
    memset(config, 0, sizeof(*config));
    config->max_table_capacity = 4096;
}

int qpack_encoder_new(qpack_encoder **out, const qpack_encoder_config *config) {
    qpack_allocator a;
    if (!out || !config ||
        config->max_table_capacity > QPACK_MAX_CAPACITY_LIMIT)
        return QPACK_ERR_INVALID_ARGUMENT;
    qpack_allocator_copy(&a, config->allocator);
    qpack_encoder *enc = qpack_calloc(&a, 1, sizeof(*enc));
    if (!enc)
        return QPACK_ERR_NOMEM;
    enc->alloc = a;
    qpack_table_init(&enc->table, &enc->alloc);
    enc->own_max_capacity = config->max_table_capacity;
    enc->index_cookies = config->index_cookies;
    qpack_encoder_index_static(enc);
    *out = enc;
    return 0;
}

void qpack_encoder_free(qpack_encoder *enc) {
    if (!enc)
        return;
    qpack_table_free(&enc->table);
    qpack_encoder_index_free(enc);
    qpack_free(&enc->alloc, enc->secs);
    qpack_allocator a = enc->alloc;
    qpack_free(&a, enc);
}

int qpack_encoder_set_peer_settings(qpack_encoder *enc,
                                    uint64_t max_table_capacity,
                                    uint64_t max_blocked_streams) {
    if (!enc)
        return QPACK_ERR_INVALID_ARGUMENT;
    bool chosen = enc->table.capacity > 0;
    if (chosen && max_table_capacity < enc->table.capacity)
        return QPACK_ERR_INVALID_ARGUMENT;
    enc->peer_max_capacity = max_table_capacity;
    enc->max_entries = max_table_capacity / QPACK_ENTRY_OVERHEAD;
    enc->max_blocked = max_blocked_streams;
    if (chosen)
        return 0;
    uint64_t cap = enc->own_max_capacity < max_table_capacity
                       ? enc->own_max_capacity
                       : max_table_capacity;
    /* An entry has at least 32 bytes: a smaller table can hold nothing. */
    if (cap < QPACK_ENTRY_OVERHEAD)
        return 0;
    enc->table.capacity = cap;
    int rc = qpack_encoder_index_init(enc);
    if (rc) {
        enc->table.capacity = 0;
        return rc;
    }
    /* §3.2.2: the table starts at 0; we announce ours before inserting. */
    enc->capacity_pending = true;
    return 0;
}

void qpack_encoder_get_stats(const qpack_encoder *enc,
                             qpack_encoder_stats *stats) {
    stats->table_capacity = enc->table.capacity;
    stats->table_size = enc->table.size;
    stats->insert_count = enc->table.insert_count;
    stats->known_received_count = enc->krc;
    stats->blocked_sections = enc->blocked_sections;
    stats->outstanding_sections = enc->nsecs;
}

/* ---- Decoder stream (§4.4) ------------------------------------------------
 */

static void remove_section(qpack_encoder *enc, size_t i) {
    if (enc->secs[i].blocking)
        enc->blocked_sections--;
    memmove(&enc->secs[i], &enc->secs[i + 1],
            (enc->nsecs - i - 1) * sizeof(enc->secs[0]));
    enc->nsecs--;
}

/* The Known Received Count grew: sections it covers no longer block. */
static void raise_krc(qpack_encoder *enc, uint64_t krc) {
    if (krc <= enc->krc)
        return;
    enc->krc = krc;
    for (size_t i = 0; i < enc->nsecs; i++) {
        if (enc->secs[i].blocking && enc->secs[i].ric <= krc) {
            enc->secs[i].blocking = false;
            enc->blocked_sections--;
        }
    }
}

/* §4.4.1: acknowledges the earliest unacknowledged section of the stream. */
static int section_ack(qpack_encoder *enc, uint64_t stream_id) {
    for (size_t i = 0; i < enc->nsecs; i++) {
        if (enc->secs[i].stream_id != stream_id)
            continue;
        uint64_t ric = enc->secs[i].ric;
        remove_section(enc, i);
        raise_krc(enc, ric);
        return 0;
    }
    return QPACK_ERR_DECODER_STREAM_UNKNOWN_SECTION;
}

/* §4.4.2: the stream's sections will never be acknowledged. */
static void stream_cancel(qpack_encoder *enc, uint64_t stream_id) {
    for (size_t i = enc->nsecs; i-- > 0;)
        if (enc->secs[i].stream_id == stream_id)
            remove_section(enc, i);
}

/* §4.4.3: zero, or beyond what we inserted, is an error. */
static int insert_count_increment(qpack_encoder *enc, uint64_t n) {
    if (n == 0 || n > enc->table.insert_count - enc->krc)
        return QPACK_ERR_DECODER_STREAM_INCREMENT;
    raise_krc(enc, enc->krc + n);
    return 0;
}

static int apply(qpack_encoder *enc, qpack_dec_instr_type type,
                 uint64_t value) {
    switch (type) {
    case QPACK_DI_SECTION_ACK: return section_ack(enc, value);
    case QPACK_DI_STREAM_CANCEL: stream_cancel(enc, value); return 0;
    case QPACK_DI_INSERT_COUNT_INC: return insert_count_increment(enc, value);
    }
    return QPACK_ERR_INVALID_ARGUMENT;
}

int qpack_encoder_read_decoder_stream(qpack_encoder *enc, const uint8_t *data,
                                      size_t len) {
    if (!enc || (!data && len))
        return QPACK_ERR_INVALID_ARGUMENT;
    while (len > 0) {
        qpack_dec_instr_type type;
        uint64_t value;
        ptrdiff_t n;
        if (enc->partial_len == 0) {
            n = qpack_dec_instr_parse(data, len, &type, &value);
            if (n == 0) {
                /* Cut short; qpack_dec_instr_parse() fails past the max. */
                memcpy(enc->partial, data, len);
                enc->partial_len = len;
                return 0;
            }
        } else {
            /* Top the kept bytes up to one whole instruction at most. */
            size_t old = enc->partial_len;
            size_t take = sizeof(enc->partial) - old;
            if (take > len)
                take = len;
            memcpy(enc->partial + old, data, take);
            n = qpack_dec_instr_parse(enc->partial, old + take, &type, &value);
            if (n == 0) {
                enc->partial_len = old + take;
                return 0;
            }
            if (n < 0)
                return (int)n;
            enc->partial_len = 0;
            n -= (ptrdiff_t)old;
        }
        if (n < 0)
            return (int)n;
        int rc = apply(enc, type, value);
        if (rc)
            return rc;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

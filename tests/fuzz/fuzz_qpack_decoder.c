/* tests/fuzz/fuzz_qpack_decoder.c — libFuzzer target for the QPACK decoder:
 * encoder-stream bytes (split anywhere), header blocks on a few streams,
 * cancellations and partial reads of the decoder-stream output, in any
 * order. Checks that nothing crashes or leaks, that a connection error is
 * final, and that every decoded section respects the size limit.
 *
 * Input: byte 0 picks the configuration (bits 0-1 table capacity 0, 64, 220
 * or 4096; bits 2-3 blocked streams 0-3; bit 4 the pre-RFC full initial
 * capacity), then records of [op][len][len bytes]: op & 3 = 0 encoder
 * stream, 1 header block on stream op >> 2, 2 cancel stream op >> 2, 3 take
 * |len| bytes of decoder-stream output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qpack/qpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_section(const qpack_field_section *s, uint64_t limit) {
    uint64_t total = 0;
    for (size_t i = 0; i < s->count; i++) {
        const qpack_field *f = &s->fields[i];
        if ((f->name_len && !f->name) || (f->value_len && !f->value))
            abort();
        total += f->name_len + f->value_len + 32;
        /* Touch every byte: ASan sees a bad pointer. */
        volatile uint8_t sink = 0;
        for (size_t k = 0; k < f->name_len; k++)
            sink ^= f->name[k];
        for (size_t k = 0; k < f->value_len; k++)
            sink ^= f->value[k];
        (void)sink;
    }
    if (total > limit || total != s->size)
        abort();
}

/* Collects unblocked sections; returns an error code or 0. */
static int drain(qpack_decoder *dec, qpack_field_section *s, uint64_t limit) {
    int rc;
    while ((rc = qpack_decoder_next_unblocked(dec, s)) == 1)
        check_section(s, limit);
    return rc;
}

static int apply(qpack_decoder *dec, uint8_t op, const uint8_t *p, size_t len,
                 qpack_field_section *s, uint64_t limit) {
    uint64_t stream = op >> 2;
    int rc = 0;
    switch (op & 3) {
    case 0:
        rc = qpack_decoder_read_encoder_stream(dec, p, len);
        return rc ? rc : drain(dec, s, limit);
    case 1:
        rc = qpack_decoder_decode(dec, stream, p, len, s);
        if (rc == 0)
            check_section(s, limit);
        /* A caller mistake, not the peer's: keep going. */
        return rc == QPACK_ERR_INVALID_ARGUMENT || rc == QPACK_DECODE_BLOCKED
                   ? 0
                   : rc;
    case 2: return qpack_decoder_cancel_stream(dec, stream);
    default: {
        const uint8_t *out;
        size_t n;
        rc = qpack_decoder_get_output(dec, &out, &n);
        if (rc == 0) {
            volatile uint8_t sink = 0;
            for (size_t k = 0; k < n; k++)
                sink ^= out[k];
            (void)sink;
            qpack_decoder_consume_output(dec, len < n ? len : n);
        }
        return rc;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const uint64_t caps[] = {0, 64, 220, 4096};
    if (size < 1)
        return 0;
    qpack_decoder_config cfg;
    qpack_decoder_config_init(&cfg);
    cfg.max_table_capacity = caps[data[0] & 3];
    cfg.max_blocked_streams = (data[0] >> 2) & 3;
    cfg.initial_capacity_is_max = (data[0] & 0x10) != 0;
    cfg.max_field_section_size = 4096;
    qpack_decoder *dec;
    if (qpack_decoder_new(&dec, &cfg) != 0)
        return 0;
    qpack_field_section s = {0};
    size_t pos = 1;
    while (pos + 2 <= size) {
        uint8_t op = data[pos], len = data[pos + 1];
        pos += 2;
        size_t n = len <= size - pos ? len : size - pos;
        int rc = apply(dec, op, data + pos, n, &s, cfg.max_field_section_size);
        pos += n;
        /* A stream-level error leaves the decoder usable; any other error
         * closes the connection: stop as a caller would. */
        if (rc < 0 && rc != QPACK_ERR_FIELD_SECTION_TOO_LARGE) {
            if (qpack_err_wire_code(rc) == 0 && rc != QPACK_ERR_NOMEM)
                abort(); /* peer input must map to a wire code */
            break;
        }
    }
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
    return 0;
}

/* qpack/decoder_internal.h — the decoder object shared by decoder.c,
 * decoder_lines.c and decoder_instr.c. */
#ifndef H3CLI_QPACK_DECODER_INTERNAL_H
#define H3CLI_QPACK_DECODER_INTERNAL_H

#include "qpack/qpack_internal.h"

/* A field section waiting for inserts: its lines after the prefix. */
typedef struct qpack_blocked {
    uint64_t stream_id;
    uint64_t ric, base;
    uint8_t *block;
    size_t len;
} qpack_blocked;

struct qpack_decoder {
    qpack_allocator alloc;
    qpack_table table;
    uint64_t max_capacity;     /* our SETTINGS_QPACK_MAX_TABLE_CAPACITY */
    uint64_t max_entries;      /* §4.5.1.1 MaxEntries */
    uint64_t max_blocked;      /* our SETTINGS_QPACK_BLOCKED_STREAMS */
    uint64_t max_section_size; /* RFC 9114 §4.2.2 limit */
    uint64_t acked_inserts;    /* inserts the encoder knows we have */
    qpack_buf partial;         /* an encoder instruction cut short */
    size_t partial_max;        /* bound on partial.len */
    qpack_buf scratch;         /* Huffman output for encoder-stream strings */
    qpack_buf out;             /* decoder-stream bytes to send */
    size_t out_pos;            /* of which sent */
    qpack_blocked *blocked;    /* in arrival order */
    size_t nblocked, blocked_cap;
};

/* Decodes the field lines of one section (after its prefix) into |out|,
 * already begun. */
int qpack_decoder_decode_lines(qpack_decoder *dec, uint64_t ric, uint64_t base,
                               const uint8_t *p, size_t len,
                               qpack_field_section *out);

#endif /* H3CLI_QPACK_DECODER_INTERNAL_H */

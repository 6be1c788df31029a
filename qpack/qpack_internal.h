/* qpack/qpack_internal.h — internals shared by the files of qpack/: memory,
 * prefixed integers, string literals, Huffman, the static and dynamic tables
 * and the instruction coders. Not installed; the API is qpack/qpack.h. */
#ifndef H3CLI_QPACK_INTERNAL_H
#define H3CLI_QPACK_INTERNAL_H

#include "qpack/qpack.h"

#include <string.h>

/* ---- Memory (mem.c) ------------------------------------------------------ */

/* Copies |in| (NULL = libc) into |out|, filling NULL members with libc. */
void qpack_allocator_copy(qpack_allocator *out, const qpack_allocator *in);
void *qpack_malloc(const qpack_allocator *a, size_t size);
void *qpack_calloc(const qpack_allocator *a, size_t nmemb, size_t size);
void *qpack_realloc(const qpack_allocator *a, void *ptr, size_t size);
void qpack_free(const qpack_allocator *a, void *ptr);

/* A growable byte buffer. */
typedef struct qpack_buf {
    uint8_t *data;
    size_t len, cap;
} qpack_buf;

/* Makes room for |extra| more bytes. Errors: NOMEM. */
int qpack_buf_reserve(qpack_buf *b, const qpack_allocator *a, size_t extra);
void qpack_buf_free(qpack_buf *b, const qpack_allocator *a);

/* ---- Prefixed integers, RFC 7541 §5.1 (prefix_int.c) --------------------- */

/* Largest value accepted: stream IDs and counts fit in 62 bits. */
#define QPACK_INT_MAX ((UINT64_C(1) << 62) - 1)
/* Longest encoding: the prefix byte and 9 bytes of 7 bits (63 bits). */
#define QPACK_INT_MAX_LEN 10

/* Slow path of qpack_int_decode(). */
int qpack_int_decode_multi(const uint8_t *p, const uint8_t *end, uint8_t mask,
                           uint64_t *value);

/* Decodes the |prefix|-bit integer that starts in the low bits of *p.
 * Returns the bytes it took (> 0), 0 when the input ends inside it, -1 when
 * the value exceeds QPACK_INT_MAX or the encoding is longer than
 * QPACK_INT_MAX_LEN. |p| < |end| is required. */
static inline int qpack_int_decode(const uint8_t *p, const uint8_t *end,
                                   unsigned prefix, uint64_t *value) {
    uint8_t mask = (uint8_t)((1u << prefix) - 1);
    if ((*p & mask) != mask) {
        *value = *p & mask;
        return 1;
    }
    return qpack_int_decode_multi(p, end, mask, value);
}

/* Writes |value| with a |prefix|-bit prefix; |first| holds the bits above
 * the prefix in the first byte. Returns the length (<= QPACK_INT_MAX_LEN
 * for values up to QPACK_INT_MAX, at most 11 for any uint64_t). */
size_t qpack_int_encode(uint8_t *dst, uint64_t value, unsigned prefix,
                        uint8_t first);

/* Length qpack_int_encode() would write. */
size_t qpack_int_len(uint64_t value, unsigned prefix);

/* ---- Huffman, RFC 7541 §5.2 and Appendix B (huffman.c) ------------------- */

extern const uint32_t qpack_huff_code[257];
extern const uint8_t qpack_huff_len[257];
extern const uint32_t qpack_huff_decode12[4096];
extern const uint32_t qpack_huff_first_code[31];
extern const uint16_t qpack_huff_len_count[31];
extern const uint16_t qpack_huff_len_offset[31];
extern const uint16_t qpack_huff_sorted_sym[257];

/* Room qpack_huff_decode() needs for |n| encoded bytes: every code has at
 * least 5 bits; one spare byte for its two-symbol steps. */
#define QPACK_HUFF_DECODED_MAX(n) ((n) / 5 * 8 + 8)

/* Bytes the Huffman encoding of |s| takes. */
size_t qpack_huff_encoded_len(const uint8_t *s, size_t len);

/* Huffman-encodes |s| into |dst|, padded with ones; returns the length,
 * qpack_huff_encoded_len(). |dst| needs QPACK_HUFF_SLACK bytes more: the
 * writer stores 8 bytes at a time. */
size_t qpack_huff_encode(uint8_t *dst, const uint8_t *s, size_t len);
#define QPACK_HUFF_SLACK 8

/* The same, giving up (returning SIZE_MAX) once the output exceeds |limit|
 * bytes; it may then have touched |limit| + 4 + QPACK_HUFF_SLACK bytes. */
size_t qpack_huff_encode_limit(uint8_t *dst, const uint8_t *s, size_t len,
                               size_t limit);

/* Decodes |len| Huffman-coded bytes into |dst| (QPACK_HUFF_DECODED_MAX(len)
 * bytes of room). Returns the decoded length, or -1 when the input holds
 * EOS, a code cut short, or padding that is longer than 7 bits or not all
 * ones (RFC 7541 §5.2). */
ptrdiff_t qpack_huff_decode(uint8_t *dst, const uint8_t *src, size_t len);

/* ---- String literals, RFC 9204 §4.1.2 (instr.c) -------------------------- */

/* Most bytes qpack_string_encode() writes (or touches) for |len| bytes of
 * input. */
#define QPACK_STRING_BOUND(len)                                                \
    ((len) + QPACK_INT_MAX_LEN + 4 + QPACK_HUFF_SLACK)

/* Writes a string literal: the H bit just above a |prefix|-bit length,
 * |first| holding the bits above H; Huffman only when shorter. Returns the
 * length written. */
size_t qpack_string_encode(uint8_t *dst, const uint8_t *s, size_t len,
                           unsigned prefix, uint8_t first);

/* A string literal as it sits in the input, not yet Huffman-decoded. */
typedef struct qpack_raw_string {
    const uint8_t *data;
    size_t len;
    bool huffman;
} qpack_raw_string;

/* ---- Static table, RFC 9204 Appendix A (static_table.c) ------------------ */

#define QPACK_STATIC_COUNT 99

typedef struct qpack_static_entry {
    const uint8_t *name;
    uint16_t name_len;
    const uint8_t *value;
    uint16_t value_len;
} qpack_static_entry;

extern const qpack_static_entry qpack_static_table[QPACK_STATIC_COUNT];

/* ---- Dynamic table, RFC 9204 §3.2 (table.c) ------------------------------ */

/* RFC 9204 §3.2.1: an entry's size is name + value + 32. */
#define QPACK_ENTRY_OVERHEAD 32
/* The largest capacity either side accepts in its configuration. */
#define QPACK_MAX_CAPACITY_LIMIT (UINT64_C(1) << 30)

typedef struct qpack_entry {
    struct qpack_entry *nv_next;   /* encoder's (name, value) hash chain */
    struct qpack_entry *name_next; /* encoder's name hash chain */
    uint64_t abs_index;
    uint64_t nv_hash;
    uint32_t name_hash;
    uint32_t name_len;
    uint32_t value_len;
    uint8_t data[]; /* name, then value */
} qpack_entry;

static inline const uint8_t *qpack_entry_name(const qpack_entry *e) {
    return e->data;
}
static inline const uint8_t *qpack_entry_value(const qpack_entry *e) {
    return e->data + e->name_len;
}
static inline uint64_t qpack_entry_size(const qpack_entry *e) {
    return (uint64_t)e->name_len + e->value_len + QPACK_ENTRY_OVERHEAD;
}

/* Entries by absolute index, oldest first, in a ring that grows on demand
 * (so memory follows what the peer really inserted, not the maximum). */
typedef struct qpack_table {
    const qpack_allocator *alloc;
    qpack_entry **ring;
    size_t ring_cap;       /* power of two, or 0 */
    uint64_t first;        /* absolute index of the oldest entry */
    uint64_t insert_count; /* absolute index the next insert gets */
    uint64_t size;         /* sum of entry sizes */
    uint64_t capacity;
} qpack_table;

void qpack_table_init(qpack_table *t, const qpack_allocator *alloc);
void qpack_table_free(qpack_table *t);

/* The entry of absolute index |abs|, or NULL if evicted or not inserted. */
static inline qpack_entry *qpack_table_get(const qpack_table *t, uint64_t abs) {
    if (abs < t->first || abs >= t->insert_count)
        return NULL;
    return t->ring[abs & (t->ring_cap - 1)];
}

/* A new entry holding copies of |name| and |value|, not yet in a table.
 * NULL when out of memory. */
qpack_entry *qpack_entry_new(const qpack_allocator *a, const uint8_t *name,
                             size_t name_len, const uint8_t *value,
                             size_t value_len);

/* Evicts and frees the oldest entry (the table must not be empty). */
void qpack_table_evict_oldest(qpack_table *t);

/* Appends |e| (size + entry size <= capacity is the caller's duty) and
 * gives it the next absolute index. Errors: NOMEM (|e| not taken). */
int qpack_table_push(qpack_table *t, qpack_entry *e);

/* ---- Instructions, RFC 9204 §4.3-4.5 (instr.c) --------------------------- */

typedef enum qpack_enc_instr_type {
    QPACK_EI_SET_CAPACITY,
    QPACK_EI_INSERT_NAME_REF,
    QPACK_EI_INSERT_LITERAL,
    QPACK_EI_DUPLICATE,
} qpack_enc_instr_type;

/* One encoder instruction as parsed; strings still raw. */
typedef struct qpack_enc_instr {
    qpack_enc_instr_type type;
    bool is_static;        /* INSERT_NAME_REF: T bit */
    uint64_t index;        /* capacity, name index or relative index */
    qpack_raw_string name; /* INSERT_LITERAL */
    qpack_raw_string value;
} qpack_enc_instr;

/* Parses one encoder instruction. |max_string| bounds each raw string length
 * (the bytes are never waited for beyond it); a static index past the table
 * or a relative index not below |entries| (the entries in the table) fails
 * as soon as it is read. Returns the bytes consumed (> 0), 0 when more input
 * is needed, or a QPACK_ERR_ENCODER_STREAM_* error. */
ptrdiff_t qpack_enc_instr_parse(const uint8_t *p, size_t len,
                                uint64_t max_string, uint64_t entries,
                                qpack_enc_instr *out);

typedef enum qpack_dec_instr_type {
    QPACK_DI_SECTION_ACK,
    QPACK_DI_STREAM_CANCEL,
    QPACK_DI_INSERT_COUNT_INC,
} qpack_dec_instr_type;

/* Parses one decoder instruction: bytes consumed (> 0), 0 when more input is
 * needed, or QPACK_ERR_DECODER_STREAM_INTEGER. */
ptrdiff_t qpack_dec_instr_parse(const uint8_t *p, size_t len,
                                qpack_dec_instr_type *type, uint64_t *value);

/* Writers. Each returns the length written; the caller provides room
 * (QPACK_INT_MAX_LEN per integer plus QPACK_STRING_BOUND per string). */
size_t qpack_put_set_capacity(uint8_t *dst, uint64_t capacity);
size_t qpack_put_insert_name_ref(uint8_t *dst, bool is_static, uint64_t index,
                                 const uint8_t *value, size_t value_len);
size_t qpack_put_insert_literal(uint8_t *dst, const uint8_t *name,
                                size_t name_len, const uint8_t *value,
                                size_t value_len);
size_t qpack_put_duplicate(uint8_t *dst, uint64_t relative_index);
size_t qpack_put_section_ack(uint8_t *dst, uint64_t stream_id);
size_t qpack_put_stream_cancel(uint8_t *dst, uint64_t stream_id);
size_t qpack_put_insert_count_inc(uint8_t *dst, uint64_t increment);

/* Field section prefix (§4.5.1) for Required Insert Count |ric| and Base
 * |base|, with MaxEntries |max_entries| of the decoder (ric > 0 needs
 * max_entries > 0). */
size_t qpack_put_section_prefix(uint8_t *dst, uint64_t ric, uint64_t base,
                                uint64_t max_entries);
/* Field line representations (§4.5.2-4.5.6). */
size_t qpack_put_indexed(uint8_t *dst, bool is_static, uint64_t index);
size_t qpack_put_indexed_post_base(uint8_t *dst, uint64_t index);
size_t qpack_put_literal_name_ref(uint8_t *dst, bool never, bool is_static,
                                  uint64_t index, const uint8_t *value,
                                  size_t value_len);
size_t qpack_put_literal_post_base_name_ref(uint8_t *dst, bool never,
                                            uint64_t index,
                                            const uint8_t *value,
                                            size_t value_len);
size_t qpack_put_literal_literal_name(uint8_t *dst, bool never,
                                      const uint8_t *name, size_t name_len,
                                      const uint8_t *value, size_t value_len);

/* ---- Required Insert Count, §4.5.1.1 (instr.c) --------------------------- */

/* The Encoded Required Insert Count for |ric|. */
uint64_t qpack_ric_encode(uint64_t ric, uint64_t max_entries);

/* Recovers the Required Insert Count in |*ric| from |encoded|, given the
 * decoder's MaxEntries and its insert count. Errors:
 * QPACK_ERR_DECOMPRESSION_INSERT_COUNT. */
int qpack_ric_decode(uint64_t encoded, uint64_t max_entries,
                     uint64_t total_inserts, uint64_t *ric);

#endif /* H3CLI_QPACK_INTERNAL_H */

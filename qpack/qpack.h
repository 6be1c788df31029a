/* qpack/qpack.h — public API of the QPACK field compression of HTTP/3
 * (RFC 9204): an encoder and a decoder with the dynamic table, Huffman both
 * ways. It knows nothing of QUIC: the caller moves the bytes of the encoder
 * and decoder streams and of the field sections; nothing here does I/O. */
#ifndef H3CLI_QPACK_H
#define H3CLI_QPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Memory -------------------------------------------------------------- */

/* Every object allocates only through this. A NULL allocator pointer, or NULL
 * members, mean libc. Same layout as quic_allocator in core/quic.h, so a
 * pointer to one can be passed as the other. The allocator is copied when an
 * object is created. */
typedef struct qpack_allocator {
    void *user_data;
    void *(*malloc)(size_t size, void *user_data);
    void *(*calloc)(size_t nmemb, size_t size, void *user_data);
    void *(*realloc)(void *ptr, size_t size, void *user_data);
    void (*free)(void *ptr, void *user_data);
} qpack_allocator;

/* ---- Errors -------------------------------------------------------------- */

/* Library errors are negative ints in -200…-299; 0 is success. The peer's
 * protocol violations come in three sub-ranges, one per RFC 9204 §6 wire
 * code, so qpack_err_wire_code() can tell which code closes the connection. */

/* Local errors: not the peer's fault (wire code 0). */
#define QPACK_ERR_NOMEM (-200)            /* allocation failed */
#define QPACK_ERR_INVALID_ARGUMENT (-201) /* API misuse */
#define QPACK_ERR_BUFFER_TOO_SMALL (-202) /* output buffer below the bound */
/* The decoded field section exceeds the decoder's max_field_section_size
 * (RFC 9114 §4.2.2). A stream-level matter for HTTP/3, not a QPACK
 * connection error: wire code 0. The stream's references stay outstanding,
 * so the caller should qpack_decoder_cancel_stream() it. */
#define QPACK_ERR_FIELD_SECTION_TOO_LARGE (-203)

/* -210…-229: in a field section → QPACK_DECOMPRESSION_FAILED. */
#define QPACK_ERR_DECOMPRESSION_TRUNCATED (-210) /* ends inside a line */
#define QPACK_ERR_DECOMPRESSION_INTEGER (-211)   /* integer too large */
#define QPACK_ERR_DECOMPRESSION_HUFFMAN (-212)   /* EOS, bad padding */
#define QPACK_ERR_DECOMPRESSION_STATIC_INDEX (-213)
#define QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX (-214) /* evicted or >= RIC */
#define QPACK_ERR_DECOMPRESSION_INSERT_COUNT                                   \
    (-215)                                  /* bad Required Insert             \
                                               Count (§4.5.1.1) */
#define QPACK_ERR_DECOMPRESSION_BASE (-216) /* negative Base */
#define QPACK_ERR_DECOMPRESSION_BLOCKED                                        \
    (-217) /* beyond max_blocked_streams                                       \
            */

/* -230…-249: on the encoder stream → QPACK_ENCODER_STREAM_ERROR. */
#define QPACK_ERR_ENCODER_STREAM_INTEGER (-230)
#define QPACK_ERR_ENCODER_STREAM_HUFFMAN (-231)
#define QPACK_ERR_ENCODER_STREAM_STATIC_INDEX (-232)
#define QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX (-233)
#define QPACK_ERR_ENCODER_STREAM_CAPACITY (-234)        /* above our maximum */
#define QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE (-235) /* > capacity */

/* -250…-269: on the decoder stream → QPACK_DECODER_STREAM_ERROR. */
#define QPACK_ERR_DECODER_STREAM_INTEGER (-250)
#define QPACK_ERR_DECODER_STREAM_UNKNOWN_SECTION (-251) /* §4.4.1 */
#define QPACK_ERR_DECODER_STREAM_INCREMENT (-252)       /* §4.4.3 */

/* Wire error codes (RFC 9204 §6), used as HTTP/3 error codes. */
#define QPACK_DECOMPRESSION_FAILED 0x0200u
#define QPACK_ENCODER_STREAM_ERROR 0x0201u
#define QPACK_DECODER_STREAM_ERROR 0x0202u

/* A static description of |err|; never NULL ("unknown qpack error" for
 * codes outside the range). */
const char *qpack_strerror(int err);

/* The wire code the HTTP/3 layer closes the connection with for |err|
 * (QPACK_DECOMPRESSION_FAILED, QPACK_ENCODER_STREAM_ERROR or
 * QPACK_DECODER_STREAM_ERROR), or 0 when |err| is not a protocol violation
 * by the peer (local errors, QPACK_ERR_FIELD_SECTION_TOO_LARGE, 0). */
uint64_t qpack_err_wire_code(int err);

/* ---- Fields -------------------------------------------------------------- */

/* The field must never be put in a dynamic table, here or by an intermediary
 * (the N bit of RFC 9204 §4.5.4). The encoder also treats the values of
 * authorization, proxy-authorization, cookie and set-cookie this way (see
 * qpack_encoder_config.index_cookies). */
#define QPACK_FIELD_NEVER_INDEX 0x01u

/* One field line: byte strings, not NUL-terminated, any bytes allowed. */
typedef struct qpack_field {
    const uint8_t *name;
    size_t name_len;
    const uint8_t *value;
    size_t value_len;
    uint32_t flags; /* QPACK_FIELD_* */
} qpack_field;

/* A decoded field section. The fields and the bytes they point to belong to
 * the section and stay valid until it is reused or freed; they do not depend
 * on the decoder. Zero-initialise before first use; a section can be passed
 * to the decoder again and again (its memory is reused), then must be
 * released with qpack_field_section_free(). */
typedef struct qpack_field_section {
    uint64_t stream_id;
    qpack_field *fields;
    size_t count;
    uint64_t size; /* RFC 9114 §4.2.2: sum of name + value + 32 per line */
    struct qpack_section_mem *mem; /* private */
} qpack_field_section;

/* Frees what |section| holds and zeroes it. NULL or a zeroed one is a no-op. */
void qpack_field_section_free(qpack_field_section *section);

/* ---- Encoder ------------------------------------------------------------- */

typedef struct qpack_encoder qpack_encoder;

typedef struct qpack_encoder_config {
    /* Our own ceiling on the dynamic table (bytes of RFC 9204 §3.2.1 entry
     * size); the table used is min(this, the peer's max table capacity).
     * Default 4096. At most 1 GiB. */
    uint64_t max_table_capacity;
    /* By default cookie values are never indexed, like the other sensitive
     * fields (RFC 9204 §7.1.3). true lets cookie values of 20 bytes or more
     * into the table (as nghttp3 does): much better compression of
     * cookie-heavy requests, at the risk §7.1.1 describes for the cookies
     * an attacker could guess. authorization, proxy-authorization and
     * set-cookie stay never-indexed. Default false. */
    bool index_cookies;
    const qpack_allocator *allocator; /* NULL = libc */
} qpack_encoder_config;

/* Fills |config| with the defaults. */
void qpack_encoder_config_init(qpack_encoder_config *config);

/* Creates an encoder in |*out|. Until qpack_encoder_set_peer_settings() it
 * uses the static table only. Errors: NOMEM, INVALID_ARGUMENT. */
int qpack_encoder_new(qpack_encoder **out, const qpack_encoder_config *config);

/* Frees |enc| and everything it owns; NULL is a no-op. */
void qpack_encoder_free(qpack_encoder *enc);

/* Applies the peer decoder's SETTINGS_QPACK_MAX_TABLE_CAPACITY and
 * SETTINGS_QPACK_BLOCKED_STREAMS. The next encode call starts the encoder
 * stream with Set Dynamic Table Capacity when the table it picks is not 0.
 * May be called again (0-RTT: remembered values first) as long as the
 * capacity already announced stays within the new maximum; otherwise
 * INVALID_ARGUMENT and nothing changes. */
int qpack_encoder_set_peer_settings(qpack_encoder *enc,
                                    uint64_t max_table_capacity,
                                    uint64_t max_blocked_streams);

/* Size both output buffers of qpack_encoder_encode() must have for this
 * field list: an upper bound of what any encoding of it takes, for the
 * header block and for the encoder-stream bytes alike. */
size_t qpack_encode_bound(const qpack_field *fields, size_t count);

/* Encodes |fields| as one field section sent on |stream_id|. Writes the
 * header block (the HEADERS frame payload) to |header_block|, setting
 * |*header_block_len|, and the instructions to send on the encoder stream
 * first to |encoder_stream|, setting |*encoder_stream_len| (often 0). Both
 * capacities must be at least qpack_encode_bound(fields, count), else
 * BUFFER_TOO_SMALL and nothing changes. The encoder keeps nothing of
 * |fields|. Errors: BUFFER_TOO_SMALL, INVALID_ARGUMENT, NOMEM (after NOMEM
 * the encoder must not be used again: its table may be half updated). */
int qpack_encoder_encode(qpack_encoder *enc, uint64_t stream_id,
                         const qpack_field *fields, size_t count,
                         uint8_t *header_block, size_t header_block_cap,
                         size_t *header_block_len, uint8_t *encoder_stream,
                         size_t encoder_stream_cap, size_t *encoder_stream_len);

/* Reads bytes of the peer's decoder stream (without the stream type byte):
 * Section Acknowledgment, Stream Cancellation, Insert Count Increment. An
 * instruction may be split across calls. Errors: QPACK_ERR_DECODER_STREAM_*
 * (close the connection with QPACK_DECODER_STREAM_ERROR), NOMEM. */
int qpack_encoder_read_decoder_stream(qpack_encoder *enc, const uint8_t *data,
                                      size_t len);

/* A snapshot of the encoder's state, for tests and diagnostics. */
typedef struct qpack_encoder_stats {
    uint64_t table_capacity;       /* announced capacity */
    uint64_t table_size;           /* sum of entry sizes */
    uint64_t insert_count;         /* entries ever inserted */
    uint64_t known_received_count; /* §2.1.4 */
    size_t blocked_sections;       /* sections that may block the peer */
    size_t outstanding_sections;   /* with references, not yet acknowledged */
} qpack_encoder_stats;

void qpack_encoder_get_stats(const qpack_encoder *enc,
                             qpack_encoder_stats *stats);

/* ---- Decoder ------------------------------------------------------------- */

typedef struct qpack_decoder qpack_decoder;

typedef struct qpack_decoder_config {
    /* SETTINGS_QPACK_MAX_TABLE_CAPACITY we send. Default 4096, at most
     * 1 GiB. Memory grows with the capacity the encoder sets, not this. */
    uint64_t max_table_capacity;
    /* SETTINGS_QPACK_BLOCKED_STREAMS we send. Default 100. */
    uint64_t max_blocked_streams;
    /* The RFC 9114 §4.2.2 size limit of one decoded field section. Also
     * bounds the bytes kept for each blocked section. Default 65536, at
     * least 1024, at most 64 MiB. */
    uint64_t max_field_section_size;
    /* RFC 9204 §3.2.2: the table starts at capacity 0. true starts it at
     * max_table_capacity instead, as pre-RFC encoders assumed (needed for
     * the qifs interop files only). Default false. */
    bool initial_capacity_is_max;
    const qpack_allocator *allocator; /* NULL = libc */
} qpack_decoder_config;

/* Fills |config| with the defaults. */
void qpack_decoder_config_init(qpack_decoder_config *config);

/* Creates a decoder in |*out|. Errors: NOMEM, INVALID_ARGUMENT. */
int qpack_decoder_new(qpack_decoder **out, const qpack_decoder_config *config);

/* Frees |dec|, its table and any blocked sections; NULL is a no-op. */
void qpack_decoder_free(qpack_decoder *dec);

/* Reads bytes of the peer's encoder stream (without the stream type byte).
 * An instruction may be split across calls anywhere; the partial bytes kept
 * are bounded by the maximum table capacity. Inserts can unblock sections:
 * collect them with qpack_decoder_next_unblocked(). Errors:
 * QPACK_ERR_ENCODER_STREAM_* (close with QPACK_ENCODER_STREAM_ERROR), NOMEM.
 * After an error the decoder is unusable. */
int qpack_decoder_read_encoder_stream(qpack_decoder *dec, const uint8_t *data,
                                      size_t len);

/* Returned by qpack_decoder_decode() when the section waits for inserts. */
#define QPACK_DECODE_BLOCKED 1

/* Decodes one complete field section (a HEADERS or PUSH_PROMISE payload)
 * received on |stream_id| into |out|. Returns 0 when |out| holds the fields,
 * or QPACK_DECODE_BLOCKED when the section needs inserts not yet received:
 * the decoder keeps a copy of |block| and |out| is untouched; the result
 * comes later from qpack_decoder_next_unblocked(). A stream can have one
 * blocked section at a time (INVALID_ARGUMENT otherwise). Errors:
 * QPACK_ERR_DECOMPRESSION_* (close with QPACK_DECOMPRESSION_FAILED),
 * FIELD_SECTION_TOO_LARGE, NOMEM. Queues a Section Acknowledgment when the
 * section referenced the dynamic table. */
int qpack_decoder_decode(qpack_decoder *dec, uint64_t stream_id,
                         const uint8_t *block, size_t len,
                         qpack_field_section *out);

/* Decodes the next blocked section whose inserts have all arrived, in the
 * order the sections were blocked. Returns 1 with the result in |out|
 * (out->stream_id says which stream), 0 when none is ready, or an error as
 * for qpack_decoder_decode(); the failed section is dropped. */
int qpack_decoder_next_unblocked(qpack_decoder *dec, qpack_field_section *out);

/* The stream was reset or abandoned before all its field sections were
 * decoded (§2.2.2.2): drops its blocked section if any and queues a Stream
 * Cancellation (unless max_table_capacity is 0). Errors: NOMEM. */
int qpack_decoder_cancel_stream(qpack_decoder *dec, uint64_t stream_id);

/* Bytes to send on our decoder stream: Section Acknowledgments and Stream
 * Cancellations in order, then an Insert Count Increment for inserts not yet
 * acknowledged. Sets |*data| (valid until the next call on |dec|) and
 * |*len| (0 when there is nothing). Errors: NOMEM. */
int qpack_decoder_get_output(qpack_decoder *dec, const uint8_t **data,
                             size_t *len);

/* Marks the first |n| bytes of the output as sent (n <= len above). */
void qpack_decoder_consume_output(qpack_decoder *dec, size_t n);

/* Number of sections the decoder keeps: waiting for inserts, or unblocked
 * and not yet taken with qpack_decoder_next_unblocked() (call it after each
 * qpack_decoder_read_encoder_stream(); only waiting ones count against
 * max_blocked_streams). */
size_t qpack_decoder_blocked_count(const qpack_decoder *dec);

/* true when the encoder stream ended inside an instruction so far. */
bool qpack_decoder_mid_instruction(const qpack_decoder *dec);

/* Inserts received on the encoder stream so far. */
uint64_t qpack_decoder_insert_count(const qpack_decoder *dec);

#ifdef __cplusplus
}
#endif

#endif /* H3CLI_QPACK_H */

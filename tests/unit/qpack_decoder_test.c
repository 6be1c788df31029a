/* tests/unit/qpack_decoder_test.c — the QPACK decoder (RFC 9204 §2.2): the
 * Appendix B exchange with its decoder-stream bytes, encoder instructions
 * split anywhere, blocking and unblocking, Stream Cancellation, every error
 * with its wire code, the limits, and allocation failures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "qpack/qpack.h"

static size_t unhex(const char *hex, uint8_t *out) {
    size_t n = 0;
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        assert_int_equal(sscanf(p, "%2hhx", &out[n]), 1);
        n++;
        p += 2;
    }
    return n;
}

static qpack_decoder *new_decoder(uint64_t capacity, uint64_t blocked) {
    qpack_decoder_config cfg;
    qpack_decoder_config_init(&cfg);
    cfg.max_table_capacity = capacity;
    cfg.max_blocked_streams = blocked;
    qpack_decoder *dec = NULL;
    assert_int_equal(qpack_decoder_new(&dec, &cfg), 0);
    return dec;
}

static int feed_encoder(qpack_decoder *dec, const char *hex) {
    uint8_t buf[512];
    size_t n = unhex(hex, buf);
    return qpack_decoder_read_encoder_stream(dec, buf, n);
}

static int decode_hex(qpack_decoder *dec, uint64_t id, const char *hex,
                      qpack_field_section *out) {
    uint8_t buf[512];
    size_t n = unhex(hex, buf);
    return qpack_decoder_decode(dec, id, buf, n, out);
}

/* The section as "name=value;" pairs. */
static const char *fields_text(const qpack_field_section *s) {
    static char text[2048];
    size_t n = 0;
    text[0] = 0;
    for (size_t i = 0; i < s->count; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%.*s=%.*s;",
                              (int)s->fields[i].name_len, s->fields[i].name,
                              (int)s->fields[i].value_len, s->fields[i].value);
    return text;
}

/* Takes the pending decoder-stream bytes as hex. */
static const char *output_hex(qpack_decoder *dec) {
    static char hex[256];
    const uint8_t *p;
    size_t len;
    assert_int_equal(qpack_decoder_get_output(dec, &p, &len), 0);
    hex[0] = 0;
    for (size_t i = 0; i < len && 2 * i + 2 < sizeof(hex); i++)
        snprintf(hex + 2 * i, 3, "%02x", p[i]);
    qpack_decoder_consume_output(dec, len);
    return hex;
}

/* ---- RFC 9204 Appendix B ---------------------------------------------------
 */

#define B2_ENCODER                                                             \
    "3fbd01 c00f7777772e6578616d706c652e636f6d c10c2f73616d706c652f70617468"
#define B3_ENCODER "4a637573746f6d2d6b65790c637573746f6d2d76616c7565"
#define B5_ENCODER "810d637573746f6d2d76616c756532"

static void test_qpack_decoder_rfc9204_appendix_b(void **state) {
    (void)state;
    qpack_decoder *dec = new_decoder(220, 100);
    qpack_field_section s = {0};
    /* B.1: static only, nothing to acknowledge. */
    assert_int_equal(decode_hex(dec, 0, "0000510b2f696e6465782e68746d6c", &s),
                     0);
    assert_string_equal(fields_text(&s), ":path=/index.html;");
    assert_string_equal(output_hex(dec), "");
    /* B.2: capacity, two inserts, a section with post-base references. */
    assert_int_equal(feed_encoder(dec, B2_ENCODER), 0);
    assert_int_equal(decode_hex(dec, 4, "0381 10 11", &s), 0);
    assert_true(s.stream_id == 4);
    assert_string_equal(fields_text(&s),
                        ":authority=www.example.com;:path=/sample/path;");
    assert_string_equal(output_hex(dec), "84");
    /* B.3: speculative insert -> Insert Count Increment 1. */
    assert_int_equal(feed_encoder(dec, B3_ENCODER), 0);
    assert_string_equal(output_hex(dec), "01");
    /* B.4: the section arrives before the Duplicate: blocked; the stream
     * is cancelled; the Duplicate unblocks nothing. */
    assert_int_equal(decode_hex(dec, 8, "0500 80 c1 81", &s),
                     QPACK_DECODE_BLOCKED);
    assert_int_equal(qpack_decoder_blocked_count(dec), 1);
    assert_int_equal(qpack_decoder_cancel_stream(dec, 8), 0);
    assert_string_equal(output_hex(dec), "48");
    assert_int_equal(qpack_decoder_blocked_count(dec), 0);
    assert_int_equal(feed_encoder(dec, "02"), 0);
    assert_int_equal(qpack_decoder_next_unblocked(dec, &s), 0);
    /* Had it not been cancelled, it decodes now. */
    assert_int_equal(decode_hex(dec, 12, "0500 80 c1 81", &s), 0);
    assert_string_equal(fields_text(&s), ":authority=www.example.com;:path=/;"
                                         "custom-key=custom-value;");
    assert_string_equal(output_hex(dec), "8c");
    /* B.5: insert evicting the oldest entry (abs 0). */
    assert_int_equal(feed_encoder(dec, B5_ENCODER), 0);
    assert_true(qpack_decoder_insert_count(dec) == 5);
    /* RIC 5, Base 5: abs 4 (relative 0) is the new entry; abs 0 is gone. */
    assert_int_equal(decode_hex(dec, 16, "0600 80", &s), 0);
    assert_string_equal(fields_text(&s), "custom-key=custom-value2;");
    assert_int_equal(decode_hex(dec, 20, "0600 84", &s),
                     QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX);
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
}

/* ---- Encoder stream split anywhere ----------------------------------------
 */

static void
test_qpack_decoder_read_encoder_stream_split_anywhere(void **state) {
    (void)state;
    uint8_t all[256];
    size_t n = unhex(B2_ENCODER B3_ENCODER "02" B5_ENCODER, all);
    for (size_t cut1 = 0; cut1 <= n; cut1++) {
        for (size_t cut2 = cut1; cut2 <= n; cut2 += 3) {
            qpack_decoder *dec = new_decoder(220, 0);
            assert_int_equal(qpack_decoder_read_encoder_stream(dec, all, cut1),
                             0);
            assert_int_equal(
                qpack_decoder_read_encoder_stream(dec, all + cut1, cut2 - cut1),
                0);
            assert_int_equal(
                qpack_decoder_read_encoder_stream(dec, all + cut2, n - cut2),
                0);
            assert_false(qpack_decoder_mid_instruction(dec));
            assert_true(qpack_decoder_insert_count(dec) == 5);
            qpack_field_section s = {0};
            /* RIC 5 Base 5: relative 3, 2, 1, 0 = abs 1..4. */
            assert_int_equal(decode_hex(dec, 4, "0600 83828180", &s), 0);
            assert_string_equal(fields_text(&s),
                                ":path=/sample/path;custom-key=custom-value;"
                                ":authority=www.example.com;"
                                "custom-key=custom-value2;");
            qpack_field_section_free(&s);
            qpack_decoder_free(dec);
        }
    }
    /* One byte at a time. */
    qpack_decoder *dec = new_decoder(220, 0);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(qpack_decoder_read_encoder_stream(dec, all + i, 1), 0);
        /* After the first byte of the capacity instruction, mid-way. */
        if (i == 0)
            assert_true(qpack_decoder_mid_instruction(dec));
    }
    assert_true(qpack_decoder_insert_count(dec) == 5);
    assert_false(qpack_decoder_mid_instruction(dec));
    qpack_decoder_free(dec);
}

/* ---- Blocking -------------------------------------------------------------
 */

static void test_qpack_decoder_decode_blocked_until_inserts(void **state) {
    (void)state;
    qpack_decoder *dec = new_decoder(220, 2);
    qpack_field_section s = {0};
    assert_int_equal(feed_encoder(dec, "3fbd01"), 0);
    /* Stream 4 needs 1 insert, stream 8 needs 2 (RIC 2, Base 2, rel 0). */
    assert_int_equal(decode_hex(dec, 4, "0200 80", &s), QPACK_DECODE_BLOCKED);
    assert_int_equal(decode_hex(dec, 8, "0300 80", &s), QPACK_DECODE_BLOCKED);
    /* A third blocked stream is beyond SETTINGS_QPACK_BLOCKED_STREAMS. */
    assert_int_equal(decode_hex(dec, 12, "0300 80", &s),
                     QPACK_ERR_DECOMPRESSION_BLOCKED);
    assert_true(qpack_err_wire_code(QPACK_ERR_DECOMPRESSION_BLOCKED) ==
                QPACK_DECOMPRESSION_FAILED);
    /* A second section on a blocked stream is the caller's mistake. */
    assert_int_equal(decode_hex(dec, 4, "0000 d1", &s),
                     QPACK_ERR_INVALID_ARGUMENT);
    assert_int_equal(qpack_decoder_next_unblocked(dec, &s), 0);
    assert_int_equal(feed_encoder(dec, "c0 03 613a62"), 0); /* :authority */
    assert_int_equal(qpack_decoder_next_unblocked(dec, &s), 1);
    assert_true(s.stream_id == 4);
    assert_string_equal(fields_text(&s), ":authority=a:b;");
    assert_int_equal(qpack_decoder_next_unblocked(dec, &s), 0);
    assert_int_equal(feed_encoder(dec, "c1 01 78"), 0); /* :path x */
    assert_int_equal(qpack_decoder_next_unblocked(dec, &s), 1);
    assert_true(s.stream_id == 8);
    assert_string_equal(fields_text(&s), ":path=x;");
    assert_int_equal(qpack_decoder_blocked_count(dec), 0);
    /* Both acknowledged; the acks cover the inserts: no increment. */
    assert_string_equal(output_hex(dec), "8488");
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
}

static void test_qpack_decoder_get_output_insert_count_increment(void **state) {
    (void)state;
    qpack_decoder *dec = new_decoder(4096, 0);
    assert_int_equal(feed_encoder(dec, "3fe11f c0 01 61 c0 01 62 c0 01 63"), 0);
    /* Three inserts, coalesced into one increment. */
    assert_string_equal(output_hex(dec), "03");
    assert_string_equal(output_hex(dec), "");
    /* A partial send keeps the rest. */
    qpack_field_section s = {0};
    assert_int_equal(decode_hex(dec, 300, "0400 80", &s), 0);
    const uint8_t *p;
    size_t len;
    assert_int_equal(qpack_decoder_get_output(dec, &p, &len), 0);
    assert_int_equal(len, 3); /* Section Acknowledgment 300: ff ad 01 */
    assert_int_equal(p[0], 0xff);
    qpack_decoder_consume_output(dec, 1);
    assert_int_equal(qpack_decoder_get_output(dec, &p, &len), 0);
    assert_int_equal(len, 2);
    assert_int_equal(p[0], 0xad);
    qpack_decoder_consume_output(dec, 2);
    assert_string_equal(output_hex(dec), "");
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
}

static void test_qpack_decoder_cancel_stream_without_table(void **state) {
    (void)state;
    /* §4.4.2: with capacity 0 there can be no reference to cancel. */
    qpack_decoder *dec = new_decoder(0, 0);
    assert_int_equal(qpack_decoder_cancel_stream(dec, 4), 0);
    assert_string_equal(output_hex(dec), "");
    qpack_decoder_free(dec);
    dec = new_decoder(100, 0);
    assert_int_equal(qpack_decoder_cancel_stream(dec, 4), 0);
    assert_string_equal(output_hex(dec), "44");
    qpack_decoder_free(dec);
}

/* ---- Errors ---------------------------------------------------------------
 */

static void test_qpack_decoder_decode_errors(void **state) {
    (void)state;
    static const struct {
        int line;
        const char *block;
        int err;
    } v[] = {
        {__LINE__, "", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "ff", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "00", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "00ff", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "ffffffffffffffffffffff01 00",
         QPACK_ERR_DECOMPRESSION_INTEGER},
        {__LINE__, "0081", QPACK_ERR_DECOMPRESSION_BASE},
        {__LINE__, "0381", 0}, /* RIC 2, S=1, Delta 1: Base 0, no lines */
        {__LINE__, "0000 41", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0000 80", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0000 10", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0000 00 00", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0000 ff24", QPACK_ERR_DECOMPRESSION_STATIC_INDEX},
        {__LINE__, "0000 5f54 00", QPACK_ERR_DECOMPRESSION_STATIC_INDEX},
        {__LINE__, "0000 27", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "0000 2161 05", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "0000 51ff", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "0000 51 81ff", QPACK_ERR_DECOMPRESSION_HUFFMAN},
        {__LINE__, "0000 51 8400000000", QPACK_ERR_DECOMPRESSION_HUFFMAN},
        {__LINE__, "0000 29ffffffff 00", QPACK_ERR_DECOMPRESSION_HUFFMAN},
        {__LINE__, "0000 51 7fffffffffffffffffffff01",
         QPACK_ERR_DECOMPRESSION_INTEGER},
        {__LINE__, "0000 bf", QPACK_ERR_DECOMPRESSION_TRUNCATED},
        {__LINE__, "22 00", QPACK_ERR_DECOMPRESSION_INSERT_COUNT},
        {__LINE__, "0600 80", QPACK_ERR_DECOMPRESSION_BLOCKED}, /* limit 0 */
        {__LINE__, "0500 80", 0}, /* RIC 4, Base 4: abs 3 = d */
        {__LINE__, "0302 80", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0300 10", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0280 11", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0380 11", QPACK_ERR_DECOMPRESSION_DYNAMIC_INDEX},
        {__LINE__, "0281 00 00", QPACK_ERR_DECOMPRESSION_BASE},
    };
    qpack_decoder *dec = new_decoder(256, 0);
    /* Four entries: a=1 b=2 c=3 d=4, capacity 256 (MaxEntries 8). */
    assert_int_equal(
        feed_encoder(dec, "3fe101 4161 0131 4162 0132 4163 0133 4164 0134"), 0);
    qpack_field_section s = {0};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        int rc = decode_hex(dec, 4 * i, v[i].block, &s);
        printf("  line %d: %s -> %d %s\n", v[i].line, v[i].block, rc,
               qpack_strerror(rc));
        assert_int_equal(rc, v[i].err);
        if (rc)
            assert_true(qpack_err_wire_code(rc) == QPACK_DECOMPRESSION_FAILED);
    }
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
}

static void test_qpack_decoder_read_encoder_stream_errors(void **state) {
    (void)state;
    static const struct {
        int line;
        const char *hex;
        int err;
    } v[] = {
        {__LINE__, "3fe21f", QPACK_ERR_ENCODER_STREAM_CAPACITY}, /* 4097 */
        {__LINE__, "01", QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX},
        {__LINE__, "81 0161", QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX},
        {__LINE__, "ff24 0161", QPACK_ERR_ENCODER_STREAM_STATIC_INDEX},
        {__LINE__, "ff80ffffffff01", QPACK_ERR_ENCODER_STREAM_STATIC_INDEX},
        {__LINE__, "3f ffffffffffffffffffff01",
         QPACK_ERR_ENCODER_STREAM_INTEGER},
        {__LINE__, "c0 81ff", QPACK_ERR_ENCODER_STREAM_HUFFMAN},
        {__LINE__, "61ff 00", QPACK_ERR_ENCODER_STREAM_HUFFMAN},
        {__LINE__, "3f01 4161 0161", QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE},
        {__LINE__, "c0 7fe21f", QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        qpack_decoder *dec = new_decoder(4096, 0);
        /* Capacity 4096 first, except where the test sets its own. */
        if (v[i].hex[0] != '3')
            assert_int_equal(feed_encoder(dec, "3fe11f"), 0);
        int rc = feed_encoder(dec, v[i].hex);
        printf("  line %d: %s -> %s\n", v[i].line, v[i].hex,
               qpack_strerror(rc));
        assert_int_equal(rc, v[i].err);
        assert_true(qpack_err_wire_code(rc) == QPACK_ENCODER_STREAM_ERROR);
        qpack_decoder_free(dec);
    }
    /* RFC 9204 §3.2.2: without Set Dynamic Table Capacity the table holds
     * nothing. */
    qpack_decoder *dec = new_decoder(4096, 0);
    assert_int_equal(feed_encoder(dec, "4161 0161"),
                     QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE);
    qpack_decoder_free(dec);
}

static void test_qpack_decoder_decode_field_section_too_large(void **state) {
    (void)state;
    qpack_decoder_config cfg;
    qpack_decoder_config_init(&cfg);
    cfg.max_field_section_size = 1024;
    qpack_decoder *dec;
    assert_int_equal(qpack_decoder_new(&dec, &cfg), 0);
    qpack_field_section s = {0};
    /* 31 lines of ":method GET" (7 + 3 + 32 = 42 bytes): 1302 > 1024. */
    uint8_t block[64] = {0, 0};
    memset(block + 2, 0xd1, 31);
    assert_int_equal(qpack_decoder_decode(dec, 0, block, 33, &s),
                     QPACK_ERR_FIELD_SECTION_TOO_LARGE);
    assert_true(qpack_err_wire_code(QPACK_ERR_FIELD_SECTION_TOO_LARGE) == 0);
    /* 24 lines: 1008 <= 1024. */
    assert_int_equal(qpack_decoder_decode(dec, 0, block, 26, &s), 0);
    assert_int_equal(s.count, 24);
    assert_true(s.size == 24 * 42);
    /* A literal whose declared length alone is too much fails at once. */
    uint8_t big[] = {0x00, 0x00, 0x51, 0x7f, 0xf0, 0x07};
    assert_int_equal(qpack_decoder_decode(dec, 0, big, sizeof(big), &s),
                     QPACK_ERR_FIELD_SECTION_TOO_LARGE);
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
    /* Configuration limits. */
    cfg.max_field_section_size = 10;
    assert_int_equal(qpack_decoder_new(&dec, &cfg), QPACK_ERR_INVALID_ARGUMENT);
    qpack_decoder_config_init(&cfg);
    cfg.max_table_capacity = (UINT64_C(1) << 30) + 1;
    assert_int_equal(qpack_decoder_new(&dec, &cfg), QPACK_ERR_INVALID_ARGUMENT);
}

/* The never-indexed bit comes out as a flag, for intermediaries. */
static void test_qpack_decoder_decode_never_indexed_flag(void **state) {
    (void)state;
    qpack_decoder *dec = new_decoder(0, 0);
    qpack_field_section s = {0};
    assert_int_equal(
        decode_hex(dec, 0, "0000 7f45 0178 3161 0162 5102 2f61", &s), 0);
    assert_int_equal(s.count, 3);
    assert_true(s.fields[0].flags == QPACK_FIELD_NEVER_INDEX); /* static 84 */
    assert_true(s.fields[1].flags == QPACK_FIELD_NEVER_INDEX); /* literal */
    assert_true(s.fields[2].flags == 0);
    assert_string_equal(fields_text(&s), "authorization=x;a=b;:path=/a;");
    qpack_field_section_free(&s);
    qpack_decoder_free(dec);
}

/* ---- Allocation -------------------------------------------------------------
 */

typedef struct counting {
    long live;
    long budget; /* allocations left before failing; -1 = unlimited */
} counting;

static void *c_malloc(size_t n, void *u) {
    counting *c = u;
    if (c->budget == 0)
        return NULL;
    if (c->budget > 0)
        c->budget--;
    c->live++;
    return malloc(n);
}
static void *c_calloc(size_t m, size_t n, void *u) {
    counting *c = u;
    if (c->budget == 0)
        return NULL;
    if (c->budget > 0)
        c->budget--;
    c->live++;
    return calloc(m, n);
}
static void *c_realloc(void *p, size_t n, void *u) {
    counting *c = u;
    if (c->budget == 0)
        return NULL;
    if (c->budget > 0)
        c->budget--;
    if (!p)
        c->live++;
    return realloc(p, n);
}
static void c_free(void *p, void *u) {
    counting *c = u;
    if (p)
        c->live--;
    free(p);
}

/* The Appendix B exchange with allocation failing at every point: errors
 * are NOMEM, nothing leaks, nothing crashes. */
static void test_qpack_decoder_allocation_failures(void **state) {
    (void)state;
    for (long budget = 0; budget < 60; budget++) {
        counting c = {0, budget};
        qpack_allocator a = {&c, c_malloc, c_calloc, c_realloc, c_free};
        qpack_decoder_config cfg;
        qpack_decoder_config_init(&cfg);
        cfg.max_table_capacity = 220;
        cfg.allocator = &a;
        qpack_decoder *dec = NULL;
        int rc = qpack_decoder_new(&dec, &cfg);
        if (rc == 0) {
            qpack_field_section s = {0};
            const uint8_t *p;
            size_t len;
            /* Each step succeeds or fails with NOMEM; stop at the first
             * failure (the decoder is then unusable). */
            if ((rc = feed_encoder(dec, B2_ENCODER)) == 0 &&
                (rc = decode_hex(dec, 4, "0381 10 11", &s)) == 0 &&
                (rc = decode_hex(dec, 8, "0500 80 c1 81", &s)) ==
                    QPACK_DECODE_BLOCKED &&
                (rc = feed_encoder(dec, B3_ENCODER "02")) == 0 &&
                (rc = qpack_decoder_next_unblocked(dec, &s)) == 1 &&
                (rc = qpack_decoder_get_output(dec, &p, &len)) == 0)
                assert_string_equal(fields_text(&s),
                                    ":authority=www.example.com;:path=/;"
                                    "custom-key=custom-value;");
            else
                assert_int_equal(rc, QPACK_ERR_NOMEM);
            qpack_field_section_free(&s);
            qpack_decoder_free(dec);
        } else {
            assert_int_equal(rc, QPACK_ERR_NOMEM);
        }
        assert_int_equal(c.live, 0);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qpack_decoder_rfc9204_appendix_b),
        cmocka_unit_test(test_qpack_decoder_read_encoder_stream_split_anywhere),
        cmocka_unit_test(test_qpack_decoder_decode_blocked_until_inserts),
        cmocka_unit_test(test_qpack_decoder_get_output_insert_count_increment),
        cmocka_unit_test(test_qpack_decoder_cancel_stream_without_table),
        cmocka_unit_test(test_qpack_decoder_decode_errors),
        cmocka_unit_test(test_qpack_decoder_read_encoder_stream_errors),
        cmocka_unit_test(test_qpack_decoder_decode_field_section_too_large),
        cmocka_unit_test(test_qpack_decoder_decode_never_indexed_flag),
        cmocka_unit_test(test_qpack_decoder_allocation_failures),
    };
    return cmocka_run_group_tests_name("qpack_decoder", tests, NULL, NULL);
}

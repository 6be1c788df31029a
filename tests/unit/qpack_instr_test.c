/* tests/unit/qpack_instr_test.c — every QPACK instruction and field line
 * representation (RFC 9204 §4.3-4.5) as exact bytes, parsed back, and the
 * Required Insert Count encoding with its wrap-around (§4.5.1.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "qpack/qpack_internal.h"

#define S(str) (const uint8_t *)(str), (sizeof(str) - 1)

static void expect_hex(const uint8_t *got, size_t len, const char *hex) {
    char buf[512] = {0};
    for (size_t i = 0; i < len && 2 * i + 2 < sizeof(buf); i++)
        snprintf(buf + 2 * i, 3, "%02x", got[i]);
    assert_string_equal(buf, hex);
}

/* ---- Encoder instructions (§4.3), RFC 9204 Appendix B bytes ------------- */

static void test_qpack_put_encoder_instructions_appendix_b(void **state) {
    (void)state;
    uint8_t b[64];
    /* B.2 Set Dynamic Table Capacity=220 */
    expect_hex(b, qpack_put_set_capacity(b, 220), "3fbd01");
    /* B.2 Insert With Name Reference, static 0 (not Huffman: same length) */
    size_t n = qpack_put_insert_name_ref(b, true, 0, S("www.example.com"));
    assert_int_equal(b[0], 0xc0);
    /* Huffman is 12 bytes < 15: the encoder picks it. */
    expect_hex(b, n, "c08cf1e3c2e5f23a6ba0ab90f4ff");
    /* B.4 Duplicate (Relative Index = 2) */
    expect_hex(b, qpack_put_duplicate(b, 2), "02");
    /* B.5 Insert With Name Reference, dynamic relative 1 */
    n = qpack_put_insert_name_ref(b, false, 1, S("custom-value2"));
    assert_int_equal(b[0], 0x81);
    /* B.3 Insert With Literal Name */
    n = qpack_put_insert_literal(b, S("custom-key"), S("custom-value"));
    expect_hex(b, n, "6825a849e95ba97d7f8925a849e95bb8e8b4bf");
}

static void test_qpack_enc_instr_parse_each_type(void **state) {
    (void)state;
    static const struct {
        int line;
        const char *hex;
        qpack_enc_instr_type type;
        bool is_static;
        uint64_t index;
        const char *name, *value;
    } v[] = {
        {__LINE__, "3fbd01", QPACK_EI_SET_CAPACITY, false, 220, NULL, NULL},
        {__LINE__, "c00f7777772e6578616d706c652e636f6d",
         QPACK_EI_INSERT_NAME_REF, true, 0, NULL, "www.example.com"},
        {__LINE__, "810d637573746f6d2d76616c756532", QPACK_EI_INSERT_NAME_REF,
         false, 1, NULL, "custom-value2"},
        {__LINE__, "4a637573746f6d2d6b65790c637573746f6d2d76616c7565",
         QPACK_EI_INSERT_LITERAL, false, 0, "custom-key", "custom-value"},
        {__LINE__, "02", QPACK_EI_DUPLICATE, false, 2, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        uint8_t in[64];
        size_t len = strlen(v[i].hex) / 2;
        for (size_t k = 0; k < len; k++)
            sscanf(v[i].hex + 2 * k, "%2hhx", &in[k]);
        qpack_enc_instr out;
        printf("  line %d\n", v[i].line);
        assert_int_equal(qpack_enc_instr_parse(in, len, 4096, 10, &out),
                         (ptrdiff_t)len);
        assert_int_equal(out.type, v[i].type);
        if (v[i].type != QPACK_EI_INSERT_LITERAL)
            assert_true(out.index == v[i].index);
        if (v[i].type == QPACK_EI_INSERT_NAME_REF)
            assert_int_equal(out.is_static, v[i].is_static);
        if (v[i].name) {
            assert_int_equal(out.name.len, strlen(v[i].name));
            assert_memory_equal(out.name.data, v[i].name, out.name.len);
        }
        if (v[i].value) {
            assert_int_equal(out.value.len, strlen(v[i].value));
            assert_memory_equal(out.value.data, v[i].value, out.value.len);
        }
        /* Every prefix is incomplete, never an error. */
        for (size_t cut = 0; cut < len; cut++)
            assert_int_equal(qpack_enc_instr_parse(in, cut, 4096, 10, &out), 0);
    }
}

static void test_qpack_enc_instr_parse_errors(void **state) {
    (void)state;
    qpack_enc_instr out;
    /* Static index 99 fails before the value arrives. */
    uint8_t st[] = {0xff, 0x24};
    assert_int_equal(qpack_enc_instr_parse(st, 2, 4096, 0, &out),
                     QPACK_ERR_ENCODER_STREAM_STATIC_INDEX);
    /* Relative index 3 with 3 entries; Duplicate and name reference. */
    uint8_t dup[] = {0x03};
    assert_int_equal(qpack_enc_instr_parse(dup, 1, 4096, 3, &out),
                     QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX);
    uint8_t ref[] = {0x83};
    assert_int_equal(qpack_enc_instr_parse(ref, 1, 4096, 3, &out),
                     QPACK_ERR_ENCODER_STREAM_DYNAMIC_INDEX);
    /* A declared length beyond the bound fails without its bytes. */
    uint8_t big[] = {0x5f, 0xff, 0xff, 0x04}; /* name length 81950 */
    assert_int_equal(qpack_enc_instr_parse(big, 4, 100, 0, &out),
                     QPACK_ERR_ENCODER_STREAM_ENTRY_TOO_LARGE);
    /* Integer too long. */
    uint8_t ovf[] = {0x3f, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(qpack_enc_instr_parse(ovf, sizeof(ovf), 4096, 0, &out),
                     QPACK_ERR_ENCODER_STREAM_INTEGER);
}

/* ---- Decoder instructions (§4.4) ----------------------------------------- */

static void test_qpack_dec_instr_each_type(void **state) {
    (void)state;
    uint8_t b[16];
    qpack_dec_instr_type t;
    uint64_t v;
    /* Appendix B: Section Acknowledgment 4, Insert Count Increment 1,
     * Stream Cancellation 8. */
    expect_hex(b, qpack_put_section_ack(b, 4), "84");
    assert_int_equal(qpack_dec_instr_parse(b, 1, &t, &v), 1);
    assert_true(t == QPACK_DI_SECTION_ACK && v == 4);
    expect_hex(b, qpack_put_insert_count_inc(b, 1), "01");
    assert_int_equal(qpack_dec_instr_parse(b, 1, &t, &v), 1);
    assert_true(t == QPACK_DI_INSERT_COUNT_INC && v == 1);
    expect_hex(b, qpack_put_stream_cancel(b, 8), "48");
    assert_int_equal(qpack_dec_instr_parse(b, 1, &t, &v), 1);
    assert_true(t == QPACK_DI_STREAM_CANCEL && v == 8);
    /* Multi-byte stream ID, and every cut of it incomplete. */
    size_t n = qpack_put_section_ack(b, 1000000);
    expect_hex(b, n, "ffc1833d");
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(qpack_dec_instr_parse(b, cut, &t, &v), 0);
    assert_int_equal(qpack_dec_instr_parse(b, n, &t, &v), (ptrdiff_t)n);
    assert_true(v == 1000000);
    uint8_t ovf[] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff,
                     0xff, 0xff, 0xff, 0xff, 0x01};
    assert_int_equal(qpack_dec_instr_parse(ovf, sizeof(ovf), &t, &v),
                     QPACK_ERR_DECODER_STREAM_INTEGER);
}

/* ---- Field lines (§4.5) ---------------------------------------------------
 */

static void test_qpack_put_field_lines_exact_bytes(void **state) {
    (void)state;
    uint8_t b[64];
    /* Appendix B.1: prefix 0000, literal with static name ref 1. */
    expect_hex(b, qpack_put_section_prefix(b, 0, 0, 6), "0000");
    size_t n = qpack_put_literal_name_ref(b, false, true, 1, S("/index.html"));
    assert_int_equal(b[0], 0x51);
    assert_int_equal(n, 2 + 8); /* Huffman: 8 bytes < 11 */
    /* B.2: RIC 2, Base 0 -> 0381; post-base 0 and 1 -> 10 11. */
    expect_hex(b, qpack_put_section_prefix(b, 2, 0, 6), "0381");
    expect_hex(b, qpack_put_indexed_post_base(b, 0), "10");
    expect_hex(b, qpack_put_indexed_post_base(b, 1), "11");
    /* B.4: RIC 4, Base 4 -> 0500; dynamic 0 -> 80; static 1 -> c1. */
    expect_hex(b, qpack_put_section_prefix(b, 4, 4, 6), "0500");
    expect_hex(b, qpack_put_indexed(b, false, 0), "80");
    expect_hex(b, qpack_put_indexed(b, true, 1), "c1");
    expect_hex(b, qpack_put_indexed(b, false, 1), "81");
    /* N and T bits, post-base name reference, literal name. */
    n = qpack_put_literal_name_ref(b, true, false, 2, S("\x01"));
    expect_hex(b, n, "620101");
    n = qpack_put_literal_post_base_name_ref(b, true, 9, S("\x01"));
    expect_hex(b, n, "0f020101");
    n = qpack_put_literal_literal_name(b, true, S("\x01\x02"), S("\x03"));
    expect_hex(b, n,
               "32"
               "0102"
               "01"
               "03");
    n = qpack_put_literal_literal_name(b, false, S("ab"), S(""));
    assert_int_equal(b[0], 0x22); /* 'ab' is 2 bytes either way: raw */
    assert_int_equal(n, 4);
}

/* ---- Required Insert Count (§4.5.1.1) -------------------------------------
 */

static void test_qpack_ric_encode_decode_wraparound(void **state) {
    (void)state;
    /* MaxEntries 8 (capacity 256): FullRange 16. */
    static const struct {
        int line;
        uint64_t max_entries, inserts, ric, encoded;
    } v[] = {
        {__LINE__, 8, 0, 0, 0},       {__LINE__, 8, 3, 3, 4},
        {__LINE__, 8, 10, 16, 1},     {__LINE__, 8, 10, 17, 2},
        {__LINE__, 8, 16, 16, 1},     {__LINE__, 8, 20, 24, 9},
        {__LINE__, 8, 20, 13, 14},    {__LINE__, 8, 1000, 995, 4},
        {__LINE__, 8, 1000, 1008, 1}, /* RIC up to inserts + MaxEntries */
        {__LINE__, 6, 2, 2, 3},       /* Appendix B: 220 / 32 = 6 */
        {__LINE__, 128, 0, 7, 8},     /* FORMAT.md §4.4: blocked, RIC 7 */
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        printf("  line %d\n", v[i].line);
        assert_true(qpack_ric_encode(v[i].ric, v[i].max_entries) ==
                    v[i].encoded);
        uint64_t ric = 12345;
        assert_int_equal(qpack_ric_decode(v[i].encoded, v[i].max_entries,
                                          v[i].inserts, &ric),
                         0);
        assert_true(ric == v[i].ric);
    }
}

static void test_qpack_ric_decode_invalid(void **state) {
    (void)state;
    uint64_t ric;
    /* Encoded beyond FullRange. */
    assert_int_equal(qpack_ric_decode(17, 8, 0, &ric),
                     QPACK_ERR_DECOMPRESSION_INSERT_COUNT);
    /* With capacity 0 (MaxEntries 0) only 0 is valid. */
    assert_int_equal(qpack_ric_decode(1, 0, 0, &ric),
                     QPACK_ERR_DECOMPRESSION_INSERT_COUNT);
    /* Too far ahead: 0 inserts, MaxEntries 8: encoded 10 means 9 or 25,
     * both > MaxValue 8, and 9 <= FullRange. */
    assert_int_equal(qpack_ric_decode(10, 8, 0, &ric),
                     QPACK_ERR_DECOMPRESSION_INSERT_COUNT);
    /* Exhaustively: decode(encode(r)) == r in the window, else error. */
    for (uint64_t inserts = 0; inserts < 80; inserts++) {
        for (uint64_t r = 0; r <= inserts + 8; r++) {
            if (r && r + 8 <= inserts)
                continue; /* older than the table can hold */
            assert_int_equal(
                qpack_ric_decode(qpack_ric_encode(r, 8), 8, inserts, &ric), 0);
            assert_true(ric == r);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qpack_put_encoder_instructions_appendix_b),
        cmocka_unit_test(test_qpack_enc_instr_parse_each_type),
        cmocka_unit_test(test_qpack_enc_instr_parse_errors),
        cmocka_unit_test(test_qpack_dec_instr_each_type),
        cmocka_unit_test(test_qpack_put_field_lines_exact_bytes),
        cmocka_unit_test(test_qpack_ric_encode_decode_wraparound),
        cmocka_unit_test(test_qpack_ric_decode_invalid),
    };
    return cmocka_run_group_tests_name("qpack_instr", tests, NULL, NULL);
}

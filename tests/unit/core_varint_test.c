/* tests/unit/core_varint_test.c — QUIC variable-length integers (RFC 9000
 * §16, Appendix A.1 examples) and the fixed-width big-endian helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/varint.h"

/* RFC 9000 §16 / Appendix A.1 sample encodings. */
static const struct {
    int line;
    uint8_t bytes[8];
    size_t len;
    uint64_t value;
} rfc_samples[] = {
    {__LINE__,
     {0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c},
     8,
     UINT64_C(151288809941952652)},
    {__LINE__, {0x9d, 0x7f, 0x3e, 0x7d}, 4, 494878333},
    {__LINE__, {0x7b, 0xbd}, 2, 15293},
    {__LINE__, {0x25}, 1, 37},
    {__LINE__, {0x40, 0x25}, 2, 37}, /* non-minimal, still valid */
};

static void test_quic_get_varint_rfc_samples(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(rfc_samples) / sizeof(rfc_samples[0]); i++) {
        const uint8_t *p = rfc_samples[i].bytes;
        uint64_t v = 0;
        const uint8_t *next = quic_get_varint(p, p + rfc_samples[i].len, &v);
        if (next != p + rfc_samples[i].len || v != rfc_samples[i].value)
            fail_msg("sample at line %d", rfc_samples[i].line);
    }
}

static void test_quic_put_varint_rfc_samples_minimal(void **state) {
    (void)state;
    /* Every sample but the non-minimal 0x4025 is what the writer produces. */
    for (size_t i = 0; i < 4; i++) {
        uint8_t out[8] = {0};
        uint8_t *end = quic_put_varint(out, rfc_samples[i].value);
        if ((size_t)(end - out) != rfc_samples[i].len ||
            memcmp(out, rfc_samples[i].bytes, rfc_samples[i].len) != 0)
            fail_msg("sample at line %d", rfc_samples[i].line);
    }
}

static void test_quic_get_varint_truncated(void **state) {
    (void)state;
    uint64_t v = 99;
    for (size_t i = 0; i < sizeof(rfc_samples) / sizeof(rfc_samples[0]); i++) {
        const uint8_t *p = rfc_samples[i].bytes;
        for (size_t cut = 0; cut < rfc_samples[i].len; cut++)
            if (quic_get_varint(p, p + cut, &v) != NULL)
                fail_msg("sample at line %d cut %zu", rfc_samples[i].line, cut);
    }
    assert_int_equal(v, 99); /* untouched on failure */
}

static void test_quic_varint_len_boundaries(void **state) {
    (void)state;
    static const struct {
        int line;
        uint64_t v;
        size_t len;
    } rows[] = {
        {__LINE__, 0, 1},
        {__LINE__, 63, 1},
        {__LINE__, 64, 2},
        {__LINE__, 16383, 2},
        {__LINE__, 16384, 4},
        {__LINE__, 1073741823, 4},
        {__LINE__, 1073741824, 8},
        {__LINE__, QUIC_VARINT_MAX, 8},
        {__LINE__, QUIC_VARINT_MAX + 1, 0},
        {__LINE__, UINT64_MAX, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (quic_varint_len(rows[i].v) != rows[i].len)
            fail_msg("row at line %d", rows[i].line);
        if (rows[i].len == 0)
            continue;
        uint8_t buf[8];
        uint64_t back = 0;
        uint8_t *end = quic_put_varint(buf, rows[i].v);
        assert_int_equal(end - buf, rows[i].len);
        assert_ptr_equal(quic_get_varint(buf, end, &back), end);
        assert_true(back == rows[i].v);
    }
}

static void test_quic_put_varint_out_of_range_writes_nothing(void **state) {
    (void)state;
    uint8_t buf[2] = {0xaa, 0xbb};
    assert_ptr_equal(quic_put_varint(buf, QUIC_VARINT_MAX + 1), buf);
    assert_int_equal(buf[0], 0xaa);
}

static void test_quic_put_varint_n_fixed_widths(void **state) {
    (void)state;
    uint8_t buf[8];
    uint64_t v = 0;
    /* 37 in every width (the 2-byte one is the RFC's 0x4025). */
    static const uint8_t two[] = {0x40, 0x25};
    assert_ptr_equal(quic_put_varint_n(buf, 37, 2), buf + 2);
    assert_memory_equal(buf, two, 2);
    static const uint8_t four[] = {0x80, 0, 0, 0x25};
    assert_ptr_equal(quic_put_varint_n(buf, 37, 4), buf + 4);
    assert_memory_equal(buf, four, 4);
    static const uint8_t eight[] = {0xc0, 0, 0, 0, 0, 0, 0, 0x25};
    assert_ptr_equal(quic_put_varint_n(buf, 37, 8), buf + 8);
    assert_memory_equal(buf, eight, 8);
    assert_ptr_equal(quic_get_varint(buf, buf + 8, &v), buf + 8);
    assert_int_equal(v, 37);
    /* The largest 2-byte value, as a patched Length field would be. */
    quic_put_varint_n(buf, 16383, 2);
    assert_int_equal(buf[0], 0x7f);
    assert_int_equal(buf[1], 0xff);
}

static void test_quic_get_u16_u32_big_endian(void **state) {
    (void)state;
    static const uint8_t in[] = {0x12, 0x34, 0x56, 0x78};
    uint16_t a = 0;
    uint32_t b = 0;
    assert_ptr_equal(quic_get_u16(in, in + 4, &a), in + 2);
    assert_int_equal(a, 0x1234);
    assert_ptr_equal(quic_get_u32(in, in + 4, &b), in + 4);
    assert_int_equal(b, 0x12345678);
    assert_null(quic_get_u16(in, in + 1, &a));
    assert_null(quic_get_u32(in, in + 3, &b));
    uint8_t out[4];
    quic_put_u32(out, 0x6b3343cf);
    assert_int_equal(out[0], 0x6b);
    assert_int_equal(out[3], 0xcf);
    quic_put_u16(out, 0xbeef);
    assert_int_equal(out[0], 0xbe);
    assert_int_equal(out[1], 0xef);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_get_varint_rfc_samples),
        cmocka_unit_test(test_quic_put_varint_rfc_samples_minimal),
        cmocka_unit_test(test_quic_get_varint_truncated),
        cmocka_unit_test(test_quic_varint_len_boundaries),
        cmocka_unit_test(test_quic_put_varint_out_of_range_writes_nothing),
        cmocka_unit_test(test_quic_put_varint_n_fixed_widths),
        cmocka_unit_test(test_quic_get_u16_u32_big_endian),
    };
    return cmocka_run_group_tests_name("core_varint", tests, NULL, NULL);
}

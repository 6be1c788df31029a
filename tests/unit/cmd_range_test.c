/* tests/unit/cmd_range_test.c — Range header evaluation (RFC 9110 §14.1.2
 * examples and edge cases) and Content-Range values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/range.h"

#define FULL H3CLI_RANGE_FULL
#define PART H3CLI_RANGE_PARTIAL
#define UNSAT H3CLI_RANGE_UNSATISFIABLE

static const struct range_case {
    int line;
    const char *value;
    uint64_t size;
    h3cli_range_result want;
    uint64_t first, length;
} range_cases[] = {
    /* §14.1.2 examples on a 10000-byte representation */
    {__LINE__, "bytes=0-499", 10000, PART, 0, 500},
    {__LINE__, "bytes=500-999", 10000, PART, 500, 500},
    {__LINE__, "bytes=-500", 10000, PART, 9500, 500},
    {__LINE__, "bytes=9500-", 10000, PART, 9500, 500},
    {__LINE__, "bytes=0-0", 10000, PART, 0, 1},
    {__LINE__, "bytes=-1", 10000, PART, 9999, 1},
    {__LINE__, "bytes=0-0,-1", 10000, FULL, 0, 0}, /* several: whole file */
    {__LINE__, "bytes=500-600,601-999", 10000, FULL, 0, 0},
    /* clipping */
    {__LINE__, "bytes=0-99999", 10000, PART, 0, 10000},
    {__LINE__, "bytes=9999-99999999999999999999999", 10000, PART, 9999, 1},
    {__LINE__, "bytes=-20000", 10000, PART, 0, 10000},
    {__LINE__, "bytes=0-", 1, PART, 0, 1},
    /* syntax latitude */
    {__LINE__, "BYTES=1-2", 10, PART, 1, 2},
    {__LINE__, "Bytes=1-2 ", 10, PART, 1, 2},
    {__LINE__, "bytes=,1-2,", 10, PART, 1, 2},
    {__LINE__, "bytes=1-2 , ", 10, PART, 1, 2},
    /* unsatisfiable: 416 */
    {__LINE__, "bytes=10000-", 10000, UNSAT, 0, 0},
    {__LINE__, "bytes=10000-20000", 10000, UNSAT, 0, 0},
    {__LINE__, "bytes=-0", 10000, UNSAT, 0, 0},
    {__LINE__, "bytes=99999999999999999999999-", 10000, UNSAT, 0, 0},
    {__LINE__, "bytes=20000-,30000-", 10000, UNSAT, 0, 0},
    {__LINE__, "bytes=0-", 0, UNSAT, 0, 0},
    {__LINE__, "bytes=-5", 0, FULL, 0, 0}, /* empty file: nothing to name */
    /* malformed or another unit: ignored */
    {__LINE__, "bytes=5-4", 10000, FULL, 0, 0},
    {__LINE__, "bytes=", 10000, FULL, 0, 0},
    {__LINE__, "bytes=,", 10000, FULL, 0, 0},
    {__LINE__, "bytes=-", 10000, FULL, 0, 0},
    {__LINE__, "bytes=--1", 10000, FULL, 0, 0},
    {__LINE__, "bytes=1", 10000, FULL, 0, 0},
    {__LINE__, "bytes=a-b", 10000, FULL, 0, 0},
    {__LINE__, "bytes=1-2-3", 10000, FULL, 0, 0},
    {__LINE__, "bytes=1 -2", 10000, FULL, 0, 0},
    {__LINE__, "bytes=+1-2", 10000, FULL, 0, 0},
    {__LINE__, "bytes=0-1,x", 10000, FULL, 0, 0},
    {__LINE__, "bytes = 0-1", 10000, FULL, 0, 0},
    {__LINE__, "bytes 0-1", 10000, FULL, 0, 0},
    {__LINE__, "items=0-1", 10000, FULL, 0, 0},
    {__LINE__, "bytesx=0-1", 10000, FULL, 0, 0},
    {__LINE__, "", 10000, FULL, 0, 0},
};

static void test_h3cli_range_parse_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
        const struct range_case *c = &range_cases[i];
        uint64_t first = 77, length = 77;
        h3cli_range_result r = h3cli_range_parse(c->value, strlen(c->value),
                                                 c->size, &first, &length);
        if (r != c->want)
            fail_msg("line %d: result %d want %d", c->line, r, c->want);
        if (r == PART && (first != c->first || length != c->length))
            fail_msg("line %d: first %llu length %llu", c->line,
                     (unsigned long long)first, (unsigned long long)length);
        if (r != PART && (first != 77 || length != 77))
            fail_msg("line %d: outputs touched", c->line);
    }
}

static void test_h3cli_range_parse_bounded_by_len(void **state) {
    (void)state;
    uint64_t first, length;
    const char *v = "bytes=0-9,junk";
    assert_int_equal(h3cli_range_parse(v, 9, 100, &first, &length), PART);
    assert_int_equal(length, 10);
    assert_int_equal(h3cli_range_parse(v, strlen(v), 100, &first, &length),
                     FULL);
}

static void test_h3cli_range_content_range_values(void **state) {
    (void)state;
    char buf[64];
    assert_int_equal(
        h3cli_range_content_range(buf, sizeof(buf), PART, 0, 500, 10000), 17);
    assert_string_equal(buf, "bytes 0-499/10000");
    h3cli_range_content_range(buf, sizeof(buf), PART, 9999, 1, 10000);
    assert_string_equal(buf, "bytes 9999-9999/10000");
    h3cli_range_content_range(buf, sizeof(buf), UNSAT, 0, 0, 10000);
    assert_string_equal(buf, "bytes */10000");
    h3cli_range_content_range(buf, sizeof(buf), PART, 0, UINT64_MAX,
                              UINT64_MAX);
    assert_string_equal(buf,
                        "bytes 0-18446744073709551614/18446744073709551615");
    assert_int_equal(h3cli_range_content_range(buf, sizeof(buf), FULL, 0, 0, 1),
                     0);
    assert_int_equal(h3cli_range_content_range(buf, 10, PART, 0, 500, 10000),
                     0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_range_parse_table),
        cmocka_unit_test(test_h3cli_range_parse_bounded_by_len),
        cmocka_unit_test(test_h3cli_range_content_range_values),
    };
    return cmocka_run_group_tests_name("cmd_range", tests, NULL, NULL);
}

/* tests/unit/cmd_http_date_test.c — HTTP-date formatting and the three
 * parse formats of RFC 9110 §5.6.7, ETags, and the If-None-Match /
 * If-Modified-Since / If-Range decisions of §13. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/http_date.h"

/* RFC 9110 §5.6.7's example instant. */
#define EXAMPLE ((time_t)784111777)
/* 2025-06-15 00:00:00 UTC, the "now" for two-digit years. */
#define NOW ((time_t)1749945600)

static const struct format_case {
    int line;
    time_t t;
    const char *want;
} format_cases[] = {
    {__LINE__, EXAMPLE, "Sun, 06 Nov 1994 08:49:37 GMT"},
    {__LINE__, 0, "Thu, 01 Jan 1970 00:00:00 GMT"},
    {__LINE__, -1, "Wed, 31 Dec 1969 23:59:59 GMT"},
    {__LINE__, 951782400, "Tue, 29 Feb 2000 00:00:00 GMT"},
    {__LINE__, 4107542399, "Sun, 28 Feb 2100 23:59:59 GMT"},
    {__LINE__, 4107542400, "Mon, 01 Mar 2100 00:00:00 GMT"},
    {__LINE__, 2147483647, "Tue, 19 Jan 2038 03:14:07 GMT"},
    {__LINE__, 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT"},
};

static void test_h3cli_http_date_format_examples(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]);
         i++) {
        char buf[H3CLI_HTTP_DATE_LEN + 1];
        size_t n = h3cli_http_date_format(format_cases[i].t, buf, sizeof(buf));
        if (n != H3CLI_HTTP_DATE_LEN || strcmp(buf, format_cases[i].want) != 0)
            fail_msg("line %d: got %s", format_cases[i].line, buf);
        time_t back;
        if (h3cli_http_date_parse(buf, n, NOW, &back) != 0 ||
            back != format_cases[i].t)
            fail_msg("line %d: round trip", format_cases[i].line);
    }
    char small[H3CLI_HTTP_DATE_LEN];
    assert_int_equal(h3cli_http_date_format(0, small, sizeof(small)), 0);
    char buf[64];
    assert_int_equal(h3cli_http_date_format(253402300800, buf, sizeof(buf)), 0);
}

#define BAD -1
static const struct parse_case {
    int line;
    const char *in;
    int rc;
    time_t want;
} parse_cases[] = {
    /* the three forms of §5.6.7 */
    {__LINE__, "Sun, 06 Nov 1994 08:49:37 GMT", 0, EXAMPLE},
    {__LINE__, "Sunday, 06-Nov-94 08:49:37 GMT", 0, EXAMPLE},
    {__LINE__, "Sun Nov  6 08:49:37 1994", 0, EXAMPLE},
    {__LINE__, "Sun Nov 16 08:49:37 1994", 0, EXAMPLE + 10 * 86400},
    /* day names are not checked against the date */
    {__LINE__, "Mon, 06 Nov 1994 08:49:37 GMT", 0, EXAMPLE},
    /* two-digit years relative to 2025: 75 is 2075 (50 years ahead),
     * 76 is 1976 */
    {__LINE__, "Monday, 01-Jan-75 00:00:00 GMT", 0, 3313526400},
    {__LINE__, "Thursday, 01-Jan-76 00:00:00 GMT", 0, 189302400},
    {__LINE__, "Wednesday, 01-Jan-25 00:00:00 GMT", 0, 1735689600},
    {__LINE__, "Wed, 31 Dec 1969 23:59:60 GMT", 0, 0},
    {__LINE__, "Tue, 29 Feb 2000 00:00:00 GMT", 0, 951782400},
    {__LINE__, "Sun, 06 Nov 1994 08:49:37 GMT ", BAD, 0},
    {__LINE__, " Sun, 06 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 08:49:37 UTC", BAD, 0},
    {__LINE__, "Sun, 06 nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "sun, 06 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 6 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 94 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 31 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 29 Feb 1900 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 00 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 24:00:00 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 08:60:00 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 08:49:61 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 8:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 06 Nov 1994 08:49:37", BAD, 0},
    {__LINE__, "Sun 06 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun, 06-Nov-94 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sunday, 06 Nov 1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sunday, 06-Nov-1994 08:49:37 GMT", BAD, 0},
    {__LINE__, "Sun Nov 6 08:49:37 1994", BAD, 0},
    {__LINE__, "Sun Nov  6 08:49:37 94", BAD, 0},
    {__LINE__, "Sun Nov  6 08:49:37 1994 GMT", BAD, 0},
    {__LINE__, "1994-11-06T08:49:37Z", BAD, 0},
    {__LINE__, "", BAD, 0},
    {__LINE__, "Sun", BAD, 0},
};

static void test_h3cli_http_date_parse_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        time_t t = 12345;
        int rc = h3cli_http_date_parse(c->in, strlen(c->in), NOW, &t);
        if (rc != c->rc || (rc == 0 && t != c->want))
            fail_msg("line %d: rc %d t %lld", c->line, rc, (long long)t);
    }
    /* the length bounds the parse: a valid date followed by junk in the
     * buffer is read only up to |len| */
    const char *s = "Sun, 06 Nov 1994 08:49:37 GMTxyz";
    time_t t;
    assert_int_equal(h3cli_http_date_parse(s, 29, NOW, &t), 0);
    assert_int_equal(h3cli_http_date_parse(s, 28, NOW, &t), -1);
}

static void test_h3cli_http_etag_from_stat(void **state) {
    (void)state;
    struct stat st;
    memset(&st, 0, sizeof(st));
    st.st_size = 1000;
    st.st_mtim.tv_sec = 0x5f000000;
    st.st_mtim.tv_nsec = 123456789;
    st.st_ino = 42;
    char buf[H3CLI_HTTP_ETAG_MAX];
    assert_int_equal(h3cli_http_etag(&st, buf, sizeof(buf)), 25);
    assert_string_equal(buf, "\"3e8-5f000000.75bcd15-2a\"");
    st.st_mtim.tv_nsec++;
    char other[H3CLI_HTTP_ETAG_MAX];
    h3cli_http_etag(&st, other, sizeof(other));
    assert_string_not_equal(buf, other);
    st.st_size = INT64_MAX;
    st.st_mtim.tv_sec = INT64_MAX;
    st.st_mtim.tv_nsec = 999999999;
    st.st_ino = UINT64_MAX;
    assert_true(h3cli_http_etag(&st, buf, sizeof(buf)) > 0);
    assert_int_equal(h3cli_http_etag(&st, buf, 10), 0);
}

#define ETAG "\"abc-1\""
static const struct inm_case {
    int line;
    const char *value;
    bool match;
} inm_cases[] = {
    {__LINE__, "\"abc-1\"", true},
    {__LINE__, "W/\"abc-1\"", true}, /* weak comparison */
    {__LINE__, "*", true},
    {__LINE__, "  *\t", true},
    {__LINE__, "\"x\", \"abc-1\"", true},
    {__LINE__, "\"x\",W/\"abc-1\" , \"y\"", true},
    {__LINE__, ", ,\"abc-1\",", true}, /* empty list elements, §5.6.1 */
    {__LINE__, "\"abc-2\"", false},
    {__LINE__, "\"ABC-1\"", false},
    {__LINE__, "abc-1", false},
    {__LINE__, "\"abc-1", false},
    {__LINE__, "w/\"abc-1\"", false},
    {__LINE__, "\"x\", *", false},
    {__LINE__, "\"x\" junk \"abc-1\"", false},
    {__LINE__, "", false},
};

static void test_h3cli_http_if_none_match_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(inm_cases) / sizeof(inm_cases[0]); i++) {
        const struct inm_case *c = &inm_cases[i];
        if (h3cli_http_if_none_match(c->value, strlen(c->value), ETAG) !=
            c->match)
            fail_msg("line %d", c->line);
    }
}

static void test_h3cli_http_not_modified_precedence(void **state) {
    (void)state;
    const char *later = "Sun, 06 Nov 1994 08:49:38 GMT";
    const char *same = "Sun, 06 Nov 1994 08:49:37 GMT";
    const char *earlier = "Sun, 06 Nov 1994 08:49:36 GMT";
    assert_false(h3cli_http_not_modified(NULL, 0, NULL, 0, ETAG, EXAMPLE));
    assert_true(
        h3cli_http_not_modified(NULL, 0, same, strlen(same), ETAG, EXAMPLE));
    assert_true(
        h3cli_http_not_modified(NULL, 0, later, strlen(later), ETAG, EXAMPLE));
    assert_false(h3cli_http_not_modified(NULL, 0, earlier, strlen(earlier),
                                         ETAG, EXAMPLE));
    assert_false(
        h3cli_http_not_modified(NULL, 0, "yesterday", 9, ETAG, EXAMPLE));
    /* If-None-Match wins over If-Modified-Since either way (§13.2.2) */
    assert_false(h3cli_http_not_modified("\"other\"", 7, same, strlen(same),
                                         ETAG, EXAMPLE));
    assert_true(h3cli_http_not_modified(ETAG, strlen(ETAG), earlier,
                                        strlen(earlier), ETAG, EXAMPLE));
}

static void test_h3cli_http_if_range_strong_or_exact_date(void **state) {
    (void)state;
    const char *same = "Sun, 06 Nov 1994 08:49:37 GMT";
    const char *later = "Sun, 06 Nov 1994 08:49:38 GMT";
    const char *wed = "Wed, 09 Nov 1994 08:49:37 GMT";
    assert_true(h3cli_http_if_range(NULL, 0, ETAG, EXAMPLE));
    assert_true(h3cli_http_if_range(ETAG, strlen(ETAG), ETAG, EXAMPLE));
    assert_false(h3cli_http_if_range("W/\"abc-1\"", 9, ETAG, EXAMPLE));
    assert_false(h3cli_http_if_range("\"abc-2\"", 7, ETAG, EXAMPLE));
    assert_false(h3cli_http_if_range("\"abc-1\" ", 8, ETAG, EXAMPLE));
    assert_true(h3cli_http_if_range(same, strlen(same), ETAG, EXAMPLE));
    assert_false(h3cli_http_if_range(later, strlen(later), ETAG, EXAMPLE));
    assert_true(
        h3cli_http_if_range(wed, strlen(wed), ETAG, EXAMPLE + 3 * 86400));
    assert_false(h3cli_http_if_range("junk", 4, ETAG, EXAMPLE));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_http_date_format_examples),
        cmocka_unit_test(test_h3cli_http_date_parse_table),
        cmocka_unit_test(test_h3cli_http_etag_from_stat),
        cmocka_unit_test(test_h3cli_http_if_none_match_table),
        cmocka_unit_test(test_h3cli_http_not_modified_precedence),
        cmocka_unit_test(test_h3cli_http_if_range_strong_or_exact_date),
    };
    return cmocka_run_group_tests_name("cmd_http_date", tests, NULL, NULL);
}

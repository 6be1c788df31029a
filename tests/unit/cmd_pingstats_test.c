/* tests/unit/cmd_pingstats_test.c — ping(8)'s reply-time precision at each
 * threshold and the exact statistics block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/pingstats.h"

#define US 1000ull /* ns */

static const struct time_case {
    int line;
    uint64_t ns;
    const char *want;
} time_cases[] = {
    {__LINE__, 0, "0.000"},
    {__LINE__, 999, "0.000"}, /* below a microsecond */
    {__LINE__, 1500, "0.001"},
    {__LINE__, 45 * US, "0.045"},
    {__LINE__, 999 * US, "0.999"},
    {__LINE__, 1000 * US, "1.00"},
    {__LINE__, 1234 * US, "1.23"},
    {__LINE__, 1235 * US, "1.24"},
    {__LINE__, 9994 * US, "9.99"},
    {__LINE__, 9995 * US, "10.0"},
    {__LINE__, 12345 * US, "12.3"},
    {__LINE__, 12350 * US, "12.4"},
    {__LINE__, 99949 * US, "99.9"},
    {__LINE__, 99950 * US, "100"},
    {__LINE__, 123456 * US, "123"},
    {__LINE__, 1234567 * US, "1235"},
    {__LINE__, UINT64_MAX, "18446744073710"},
};

static void test_h3cli_ping_format_time_thresholds(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
        char buf[32];
        size_t n = h3cli_ping_format_time(time_cases[i].ns, buf, sizeof(buf));
        if (n != strlen(time_cases[i].want) ||
            strcmp(buf, time_cases[i].want) != 0)
            fail_msg("line %d: got %s", time_cases[i].line, buf);
    }
    char small[4];
    assert_int_equal(h3cli_ping_format_time(45 * US, small, sizeof(small)), 0);
}

static void test_h3cli_ping_reply_line_format(void **state) {
    (void)state;
    char buf[64];
    assert_int_equal(h3cli_ping_reply_line(1, 45 * US, buf, sizeof(buf)), 19);
    assert_string_equal(buf, "seq=1 time=0.045 ms");
    h3cli_ping_reply_line(12, 12345 * US, buf, sizeof(buf));
    assert_string_equal(buf, "seq=12 time=12.3 ms");
}

static char text[1024];
static void print(const h3cli_pingstats *s, const char *host,
                  uint64_t elapsed_ns) {
    char *p = NULL;
    size_t len;
    FILE *f = open_memstream(&p, &len);
    assert_non_null(f);
    h3cli_pingstats_print(s, host, elapsed_ns, f);
    fclose(f);
    assert_true(len < sizeof(text));
    memcpy(text, p, len + 1);
    free(p);
}

static void test_h3cli_pingstats_print_all_answered(void **state) {
    (void)state;
    h3cli_pingstats s;
    h3cli_pingstats_init(&s);
    const uint64_t rtt[] = {45 * US, 52 * US + 999, 60 * US};
    for (size_t i = 0; i < 3; i++) {
        h3cli_pingstats_sent(&s);
        h3cli_pingstats_received(&s, rtt[i]);
    }
    print(&s, "localhost", 2003499999);
    /* avg 157/3 = 52 us; mdev sqrt(8329/3 - 52.33^2) = 6.1 us */
    assert_string_equal(text, "\n--- localhost ping statistics ---\n"
                              "3 pings transmitted, 3 received, 0% loss, "
                              "time 2003ms\n"
                              "rtt min/avg/max/mdev = "
                              "0.045/0.052/0.060/0.006 ms\n");
}

static void test_h3cli_pingstats_print_with_loss(void **state) {
    (void)state;
    h3cli_pingstats s;
    h3cli_pingstats_init(&s);
    for (int i = 0; i < 3; i++)
        h3cli_pingstats_sent(&s);
    h3cli_pingstats_received(&s, 1500000 * US);
    h3cli_pingstats_received(&s, 2500000 * US);
    print(&s, "example.com", 2000500000);
    assert_string_equal(text, "\n--- example.com ping statistics ---\n"
                              "3 pings transmitted, 2 received, 33.3333% "
                              "loss, time 2001ms\n"
                              "rtt min/avg/max/mdev = "
                              "1500.000/2000.000/2500.000/500.000 ms\n");
}

static void test_h3cli_pingstats_print_nothing_back(void **state) {
    (void)state;
    h3cli_pingstats s;
    h3cli_pingstats_init(&s);
    for (int i = 0; i < 4; i++)
        h3cli_pingstats_sent(&s);
    print(&s, "h", 3000000000);
    assert_string_equal(text, "\n--- h ping statistics ---\n"
                              "4 pings transmitted, 0 received, 100% loss, "
                              "time 3000ms\n");
    h3cli_pingstats_init(&s);
    print(&s, "h", 0);
    assert_string_equal(text, "\n--- h ping statistics ---\n"
                              "0 pings transmitted, 0 received\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_ping_format_time_thresholds),
        cmocka_unit_test(test_h3cli_ping_reply_line_format),
        cmocka_unit_test(test_h3cli_pingstats_print_all_answered),
        cmocka_unit_test(test_h3cli_pingstats_print_with_loss),
        cmocka_unit_test(test_h3cli_pingstats_print_nothing_back),
    };
    return cmocka_run_group_tests_name("cmd_pingstats", tests, NULL, NULL);
}

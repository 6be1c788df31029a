/* tests/unit/cmd_output_progress_test.c — curl's progress meter layout:
 * 5-character sizes at every unit edge, 8-character times, the status
 * line, and when the meter appears. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/output_progress.h"

#define KB 1024ull
#define MB (1024ull * KB)
#define GB (1024ull * MB)

static const struct size_case {
    int line;
    uint64_t bytes;
    const char *want;
} size_cases[] = {
    {__LINE__, 0, "    0"},          {__LINE__, 99999, "99999"},
    {__LINE__, 100000, "   97k"},    {__LINE__, 10000 * KB - 1, "9999k"},
    {__LINE__, 10000 * KB, " 9.7M"}, {__LINE__, 100 * MB - 1, "99.9M"},
    {__LINE__, 100 * MB, " 100M"},   {__LINE__, 10000 * MB - 1, "9999M"},
    {__LINE__, 10000 * MB, " 9.7G"}, {__LINE__, 100 * GB, " 100G"},
    {__LINE__, 10000 * GB, "   9T"},
};

static void test_h3cli_progress_size_edges(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(size_cases) / sizeof(size_cases[0]); i++) {
        const struct size_case *c = &size_cases[i];
        char out[6];
        h3cli_progress_size(c->bytes, out);
        /* Every size is exactly 5 characters. */
        char want[6];
        snprintf(want, sizeof(want), "%s", c->want + strlen(c->want) - 5);
        if (strcmp(out, want) != 0)
            fail_msg("line %d: got '%s', want '%s'", c->line, out, want);
    }
}

static void test_h3cli_progress_time_forms(void **state) {
    (void)state;
    char out[9];
    h3cli_progress_time(0, out);
    assert_string_equal(out, "--:--:--");
    h3cli_progress_time(-5, out);
    assert_string_equal(out, "--:--:--");
    h3cli_progress_time(61, out);
    assert_string_equal(out, " 0:01:01");
    h3cli_progress_time(99 * 3600 + 59 * 60 + 59, out);
    assert_string_equal(out, "99:59:59");
    h3cli_progress_time(100 * 3600, out);
    assert_string_equal(out, "  4d 04h");
}

static void test_h3cli_progress_line_layout(void **state) {
    (void)state;
    h3cli_progress_counts c = {.dl_total = 1000 * MB, .dl_now = 500 * MB};
    char line[128];
    h3cli_progress_line(line, sizeof(line), &c, 5 * QUIC_S, 100 * MB);
    assert_string_equal(line, " 50 1000M   50  500M    0     0   100M      0 "
                              " 0:00:10  0:00:05  0:00:05  100M");
    h3cli_progress_counts none = {0};
    h3cli_progress_line(line, sizeof(line), &none, 0, 0);
    assert_string_equal(line, "  0     0    0     0    0     0      0      0 "
                              "--:--:-- --:--:-- --:--:--     0");
}

static void test_h3cli_progress_update_waits_a_second(void **state) {
    (void)state;
    char buf[1024] = "";
    FILE *out = fmemopen(buf, sizeof(buf), "w");
    assert_non_null(out);
    h3cli_progress p;
    h3cli_progress_init(&p, out, 0);
    h3cli_progress_counts c = {.dl_now = 10};
    h3cli_progress_update(&p, QUIC_S / 2, &c, false);
    fflush(out);
    assert_string_equal(buf, "");
    assert_false(p.shown);
    h3cli_progress_update(&p, QUIC_S, &c, true);
    fclose(out);
    assert_true(p.shown);
    assert_non_null(strstr(buf, "  % Total    % Received % Xferd"));
    assert_non_null(strstr(buf, "\r  0     0    0    10"));
    assert_int_equal(buf[strlen(buf) - 1], '\n');
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_progress_size_edges),
        cmocka_unit_test(test_h3cli_progress_time_forms),
        cmocka_unit_test(test_h3cli_progress_line_layout),
        cmocka_unit_test(test_h3cli_progress_update_waits_a_second),
    };
    return cmocka_run_group_tests_name("cmd_output_progress", tests, NULL,
                                       NULL);
}

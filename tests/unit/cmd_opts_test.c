/* tests/unit/cmd_opts_test.c — the option glue: number parsing, the
 * getopt tables with --no- twins, --help layout, handler dispatch and the
 * exit codes of usage errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/opts.h"

static const struct seconds_case {
    int line;
    const char *arg;
    bool ok;
    double want;
} seconds_cases[] = {
    {__LINE__, "5", true, 5},           {__LINE__, "0.2", true, 0.2},
    {__LINE__, ".5", true, 0.5},        {__LINE__, "3.", true, 3},
    {__LINE__, "0", true, 0},           {__LINE__, "1000000000", true, 1e9},
    {__LINE__, "1000000001", false, 0}, {__LINE__, "", false, 0},
    {__LINE__, ".", false, 0},          {__LINE__, "-1", false, 0},
    {__LINE__, "+1", false, 0},         {__LINE__, "1e3", false, 0},
    {__LINE__, "0x10", false, 0},       {__LINE__, "inf", false, 0},
    {__LINE__, "nan", false, 0},        {__LINE__, " 1", false, 0},
    {__LINE__, "1 ", false, 0},         {__LINE__, "1.2.3", false, 0},
};

static void test_h3cli_opts_seconds_plain_decimals(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(seconds_cases) / sizeof(seconds_cases[0]);
         i++) {
        const struct seconds_case *c = &seconds_cases[i];
        double v = -1;
        bool ok = h3cli_opts_seconds(c->arg, &v);
        if (ok != c->ok || (ok && v != c->want))
            fail_msg("line %d: '%s' -> %d %g", c->line, c->arg, ok, v);
    }
}

static void test_h3cli_opts_integer_range(void **state) {
    (void)state;
    long long v;
    assert_true(h3cli_opts_integer("7", 1, 10, &v));
    assert_int_equal(v, 7);
    assert_false(h3cli_opts_integer("0", 1, 10, &v));
    assert_false(h3cli_opts_integer("11", 1, 10, &v));
    assert_false(h3cli_opts_integer("1x", 1, 10, &v));
    assert_false(h3cli_opts_integer("", 1, 10, &v));
    assert_false(h3cli_opts_integer("+3", 1, 10, &v));
    assert_false(h3cli_opts_integer("99999999999999999999", 1, 10, &v));
}

static const h3cli_opt table[] = {
    {NULL, 0, 0, NULL, "Group:", NULL, 0},
    {"count", 'c', 0, "<n>", "how many", NULL, 0},
    {"flag", 'f', 0, NULL, "a boolean", NULL, H3CLI_OPT_BOOL},
    {"alias", 0, 'f', NULL, "hidden", NULL, H3CLI_OPT_BOOL | H3CLI_OPT_HIDDEN},
    {"long-only", 0, 300, "<x>", "no letter", NULL, 0},
    {"help", 'h', 0, NULL, "show this help", NULL, 0},
};
static const h3cli_command test_cmd = {"test", "a test command", "[options]",
                                       table, 6};

static char seen[256];

static int record(void *ctx, int id, const char *arg) {
    (void)ctx;
    size_t n = strlen(seen);
    snprintf(seen + n, sizeof(seen) - n, "%s%d=%s", n ? " " : "",
             id & ~H3CLI_OPT_NEGATED, arg ? arg : "");
    if (id & H3CLI_OPT_NEGATED)
        strncat(seen, "(no)", sizeof(seen) - strlen(seen) - 1);
    return arg && strcmp(arg, "bad") == 0 ? 26 : 0;
}

static int parse(int argc, char **argv) {
    seen[0] = '\0';
    return h3cli_opts_parse(&test_cmd, argc, argv, record, NULL);
}

static void test_h3cli_opts_parse_dispatch(void **state) {
    (void)state;
    char *a1[] = {"test",          "-c", "3", "x", "--flag", "--no-alias",
                  "--long-only=v", "y",  NULL};
    int first = parse(8, a1);
    assert_int_equal(first, 6); /* operands moved to the end */
    assert_string_equal(a1[6], "x");
    assert_string_equal(a1[7], "y");
    assert_string_equal(seen, "99=3 102= 102=(no) 300=v");
    char *a2[] = {"test", "--long-only", "bad", NULL};
    assert_int_equal(parse(3, a2), -26); /* the handler's exit code */
    char *a3[] = {"test", "--count", NULL};
    assert_int_equal(parse(2, a3), H3CLI_OPTS_USAGE);
    char *a4[] = {"test", "--no-count", NULL};
    assert_int_equal(parse(2, a4), H3CLI_OPTS_USAGE);
    char *a5[] = {"test", "--", "-c", NULL};
    assert_int_equal(parse(3, a5), 2);
}

static void test_h3cli_opts_print_help_layout(void **state) {
    (void)state;
    char buf[1024];
    FILE *out = fmemopen(buf, sizeof(buf), "w");
    h3cli_opts_print_help(out, table, 6);
    fclose(out);
    assert_string_equal(buf, "Group:\n"
                             "  -c, --count <n>              how many\n"
                             "  -f, --flag                   a boolean\n"
                             "      --long-only <x>          no letter\n"
                             "  -h, --help                   show this help\n");
    char name[16];
    assert_string_equal(h3cli_opts_name(&test_cmd, 'c', name, sizeof(name)),
                        "-c");
    assert_string_equal(h3cli_opts_name(&test_cmd, 300, name, sizeof(name)),
                        "--long-only");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_opts_seconds_plain_decimals),
        cmocka_unit_test(test_h3cli_opts_integer_range),
        cmocka_unit_test(test_h3cli_opts_parse_dispatch),
        cmocka_unit_test(test_h3cli_opts_print_help_layout),
    };
    return cmocka_run_group_tests_name("cmd_opts", tests, NULL, NULL);
}

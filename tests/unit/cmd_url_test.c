/* tests/unit/cmd_url_test.c — URL parsing against a table of valid and
 * malformed inputs (curl's exit classes), and RFC 3986 §5.4 reference
 * resolution examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/url.h"

#define OK 0
#define UNSUP H3CLI_URL_ERR_UNSUPPORTED
#define BAD H3CLI_URL_ERR_MALFORMED
#define ASIS H3CLI_URL_PATH_AS_IS

static const struct parse_case {
    int line;
    const char *in;
    unsigned flags;
    int rc;
    const char *host; /* expected on success */
    unsigned port;
    const char *authority;
    const char *target;
} parse_cases[] = {
    {__LINE__, "https://example.com", 0, OK, "example.com", 443, "example.com",
     "/"},
    {__LINE__, "HTTPS://example.com/", 0, OK, "example.com", 443, "example.com",
     "/"},
    {__LINE__, "hTtPs://a.b:443/x", 0, OK, "a.b", 443, "a.b", "/x"},
    {__LINE__, "https://localhost:4433/a/b?c=d&e", 0, OK, "localhost", 4433,
     "localhost:4433", "/a/b?c=d&e"},
    {__LINE__, "https://h/p?q#frag", 0, OK, "h", 443, "h", "/p?q"},
    {__LINE__, "https://h#frag", 0, OK, "h", 443, "h", "/"},
    {__LINE__, "https://h?only", 0, OK, "h", 443, "h", "/?only"},
    {__LINE__, "https://h/?", 0, OK, "h", 443, "h", "/?"},
    {__LINE__, "https://[::1]:4433/x", 0, OK, "::1", 4433, "[::1]:4433", "/x"},
    {__LINE__, "https://[2001:db8::1]/", 0, OK, "2001:db8::1", 443,
     "[2001:db8::1]", "/"},
    {__LINE__, "https://[::ffff:127.0.0.1]:1/", 0, OK, "::ffff:127.0.0.1", 1,
     "[::ffff:127.0.0.1]:1", "/"},
    {__LINE__, "https://127.0.0.1:65535", 0, OK, "127.0.0.1", 65535,
     "127.0.0.1:65535", "/"},
    {__LINE__, "https://h:/x", 0, OK, "h", 443, "h", "/x"},
    {__LINE__, "https://user:pw@h/x", 0, OK, "h", 443, "h", "/x"},
    {__LINE__, "https://a@b@h:8443/", 0, OK, "h", 8443, "h:8443", "/"},
    {__LINE__, "localhost:4433/x", 0, OK, "localhost", 4433, "localhost:4433",
     "/x"},
    {__LINE__, "example.com", 0, OK, "example.com", 443, "example.com", "/"},
    {__LINE__, "https://h/a/./b/../c", 0, OK, "h", 443, "h", "/a/c"},
    /* A path starting with "//" is kept (curl requests "//x" too). */
    {__LINE__, "https://h//x", 0, OK, "h", 443, "h", "//x"},
    {__LINE__, "https://h:8443//x//y?q", 0, OK, "h", 8443, "h:8443",
     "//x//y?q"},
    {__LINE__, "https://h//", 0, OK, "h", 443, "h", "//"},
    {__LINE__, "https://h//a/../b", 0, OK, "h", 443, "h", "//b"},
    {__LINE__, "https://h/../../etc/passwd", 0, OK, "h", 443, "h",
     "/etc/passwd"},
    {__LINE__, "https://h/../../etc/passwd", ASIS, OK, "h", 443, "h",
     "/../../etc/passwd"},
    {__LINE__, "https://h/a/..", 0, OK, "h", 443, "h", "/"},
    {__LINE__, "https://h/%2e%2e/x", 0, OK, "h", 443, "h", "/%2e%2e/x"},
    {__LINE__, "https://h/\xc3\xa9t\xc3\xa9?q=\xff", 0, OK, "h", 443, "h",
     "/%C3%A9t%C3%A9?q=%FF"},
    {__LINE__, "https://h/a\\b", 0, OK, "h", 443, "h", "/a\\b"},
    /* unsupported protocol: curl exit 1 */
    {__LINE__, "http://example.com/", 0, UNSUP, NULL, 0, NULL, NULL},
    {__LINE__, "HTTP://example.com/", 0, UNSUP, NULL, 0, NULL, NULL},
    {__LINE__, "ftp://example.com/", 0, UNSUP, NULL, 0, NULL, NULL},
    {__LINE__, "file:///etc/passwd", 0, UNSUP, NULL, 0, NULL, NULL},
    {__LINE__, "httpss://h/", 0, UNSUP, NULL, 0, NULL, NULL},
    {__LINE__, "http:/h", 0, UNSUP, NULL, 0, NULL, NULL},
    /* malformed: curl exit 3 */
    {__LINE__, "", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https:///x", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://:443/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://u@/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https:/h/x", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:65536/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:99999999999999999999/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:0/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:-1/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:44a/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h:1:2/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h /", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h/a b", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, " https://h/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h/\x01", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h/\x7f", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h/a\tb", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://[::1/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://::1]/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://[::1]x/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://[]/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://[not:v6:zz]/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://[::1]:99999/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h<x>/", 0, BAD, NULL, 0, NULL, NULL},
    {__LINE__, "https://h%41/", 0, BAD, NULL, 0, NULL, NULL},
};

static void test_h3cli_url_parse_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const struct parse_case *c = &parse_cases[i];
        h3cli_url u;
        int rc = h3cli_url_parse(&u, c->in, c->flags);
        if (rc != c->rc)
            fail_msg("line %d: rc %d, want %d (%s)", c->line, rc, c->rc,
                     u.error);
        if (rc != 0) {
            if (u.error[0] == '\0' || u.host || u.path)
                fail_msg("line %d: error state", c->line);
            continue;
        }
        if (strcmp(u.host, c->host) != 0 || u.port != c->port ||
            strcmp(u.authority, c->authority) != 0 ||
            strcmp(u.target, c->target) != 0)
            fail_msg("line %d: got host %s port %u authority %s target %s",
                     c->line, u.host, u.port, u.authority, u.target);
        h3cli_url_cleanup(&u);
    }
}

static void test_h3cli_url_parse_fields(void **state) {
    (void)state;
    h3cli_url u;
    assert_int_equal(h3cli_url_parse(&u, "https://me@[::1]:8443/a?b#c", 0), 0);
    assert_true(u.host_is_ipv6);
    assert_true(u.port_given);
    assert_true(u.userinfo_dropped);
    assert_string_equal(u.path, "/a");
    assert_string_equal(u.query, "b");
    h3cli_url_cleanup(&u);
    h3cli_url_cleanup(&u); /* idempotent */
    assert_int_equal(h3cli_url_parse(&u, "https://h/a", 0), 0);
    assert_false(u.port_given);
    assert_false(u.userinfo_dropped);
    assert_null(u.query);
    h3cli_url_cleanup(&u);
}

static void test_h3cli_url_parse_error_messages(void **state) {
    (void)state;
    h3cli_url u;
    assert_int_equal(h3cli_url_parse(&u, "Gopher://h/", 0), UNSUP);
    assert_string_equal(u.error, "Protocol \"Gopher\" not supported");
    assert_int_equal(h3cli_url_parse(&u, "https://h:70000/", 0), BAD);
    assert_string_equal(u.error, "URL rejected: Port number was not a "
                                 "decimal number between 0 and 65535");
    assert_int_equal(h3cli_url_parse(&u, "https://[zz]/", 0), BAD);
    assert_string_equal(u.error, "URL rejected: Bad IPv6 address");
    assert_int_equal(h3cli_url_parse(&u, "https:///", 0), BAD);
    assert_string_equal(u.error, "URL rejected: No host part in the URL");
}

/* RFC 3986 §5.2.4 examples and edge cases of dot-segment removal. */
static void test_h3cli_url_remove_dot_segments_examples(void **state) {
    (void)state;
    static const struct {
        int line;
        const char *in, *out;
    } cases[] = {
        {__LINE__, "/a/b/c/./../../g", "/a/g"},
        {__LINE__, "mid/content=5/../6", "mid/6"},
        {__LINE__, "/", "/"},
        {__LINE__, "/.", "/"},
        {__LINE__, "/..", "/"},
        {__LINE__, "/a/.", "/a/"},
        {__LINE__, "/a/..", "/"},
        {__LINE__, "/a/b/..", "/a/"},
        {__LINE__, "../x", "x"},
        {__LINE__, ".", ""},
        {__LINE__, "..", ""},
        {__LINE__, "/.../x", "/.../x"},
        {__LINE__, "/a//../b", "/a/b"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[64];
        strcpy(buf, cases[i].in);
        size_t n = h3cli_url_remove_dot_segments(buf);
        if (strcmp(buf, cases[i].out) != 0 || n != strlen(cases[i].out))
            fail_msg("line %d: got \"%s\"", cases[i].line, buf);
    }
}

/* RFC 3986 §5.4.1 normal and §5.4.2 abnormal examples, base
 * "http://a/b/c/d;p?q" with the scheme changed to https and the fragment
 * dropped from the results. */
static const struct resolve_case {
    int line;
    const char *ref, *want;
} resolve_cases[] = {
    {__LINE__, "g:h", "g:h"},
    {__LINE__, "g", "https://a/b/c/g"},
    {__LINE__, "./g", "https://a/b/c/g"},
    {__LINE__, "g/", "https://a/b/c/g/"},
    {__LINE__, "/g", "https://a/g"},
    {__LINE__, "//g", "https://g"},
    {__LINE__, "?y", "https://a/b/c/d;p?y"},
    {__LINE__, "g?y", "https://a/b/c/g?y"},
    {__LINE__, "#s", "https://a/b/c/d;p?q"},
    {__LINE__, "g#s", "https://a/b/c/g"},
    {__LINE__, "g?y#s", "https://a/b/c/g?y"},
    {__LINE__, ";x", "https://a/b/c/;x"},
    {__LINE__, "g;x", "https://a/b/c/g;x"},
    {__LINE__, "g;x?y#s", "https://a/b/c/g;x?y"},
    {__LINE__, "", "https://a/b/c/d;p?q"},
    {__LINE__, ".", "https://a/b/c/"},
    {__LINE__, "./", "https://a/b/c/"},
    {__LINE__, "..", "https://a/b/"},
    {__LINE__, "../", "https://a/b/"},
    {__LINE__, "../g", "https://a/b/g"},
    {__LINE__, "../..", "https://a/"},
    {__LINE__, "../../", "https://a/"},
    {__LINE__, "../../g", "https://a/g"},
    {__LINE__, "../../../g", "https://a/g"},
    {__LINE__, "../../../../g", "https://a/g"},
    {__LINE__, "/./g", "https://a/g"},
    {__LINE__, "/../g", "https://a/g"},
    {__LINE__, "g.", "https://a/b/c/g."},
    {__LINE__, ".g", "https://a/b/c/.g"},
    {__LINE__, "g..", "https://a/b/c/g.."},
    {__LINE__, "..g", "https://a/b/c/..g"},
    {__LINE__, "./../g", "https://a/b/g"},
    {__LINE__, "./g/.", "https://a/b/c/g/"},
    {__LINE__, "g/./h", "https://a/b/c/g/h"},
    {__LINE__, "g/../h", "https://a/b/c/h"},
    {__LINE__, "g;x=1/./y", "https://a/b/c/g;x=1/y"},
    {__LINE__, "g;x=1/../y", "https://a/b/c/y"},
    {__LINE__, "g?y/./x", "https://a/b/c/g?y/./x"},
    {__LINE__, "g?y/../x", "https://a/b/c/g?y/../x"},
    {__LINE__, "g#s/./x", "https://a/b/c/g"},
    {__LINE__, "g#s/../x", "https://a/b/c/g"},
    {__LINE__, "http:g", "http:g"},
    {__LINE__, "http://other/x", "http://other/x"},
    {__LINE__, "HTTPS://o:1/a/../b", "HTTPS://o:1/b"},
};

static void test_h3cli_url_resolve_rfc3986_examples(void **state) {
    (void)state;
    h3cli_url base;
    assert_int_equal(h3cli_url_parse(&base, "https://a/b/c/d;p?q", 0), 0);
    for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
         i++) {
        char *got;
        int rc = h3cli_url_resolve(&base, resolve_cases[i].ref, &got);
        if (rc != 0 || strcmp(got, resolve_cases[i].want) != 0)
            fail_msg("line %d: rc %d got %s", resolve_cases[i].line, rc,
                     rc ? "-" : got);
        free(got);
    }
    h3cli_url_cleanup(&base);
}

static void test_h3cli_url_resolve_keeps_port_and_rejects_spaces(void **state) {
    (void)state;
    h3cli_url base;
    char *got;
    assert_int_equal(h3cli_url_parse(&base, "https://[::1]:4433/dir/", 0), 0);
    assert_int_equal(h3cli_url_resolve(&base, "f.txt", &got), 0);
    assert_string_equal(got, "https://[::1]:4433/dir/f.txt");
    h3cli_url parsed;
    assert_int_equal(h3cli_url_parse(&parsed, got, 0), 0);
    assert_string_equal(parsed.target, "/dir/f.txt");
    assert_int_equal(parsed.port, 4433);
    h3cli_url_cleanup(&parsed);
    free(got);
    assert_int_equal(h3cli_url_resolve(&base, "a b", &got), BAD);
    assert_null(got);
    assert_int_equal(h3cli_url_resolve(&base, "a\r\nx", &got), BAD);
    h3cli_url_cleanup(&base);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_url_parse_table),
        cmocka_unit_test(test_h3cli_url_parse_fields),
        cmocka_unit_test(test_h3cli_url_parse_error_messages),
        cmocka_unit_test(test_h3cli_url_remove_dot_segments_examples),
        cmocka_unit_test(test_h3cli_url_resolve_rfc3986_examples),
        cmocka_unit_test(test_h3cli_url_resolve_keeps_port_and_rejects_spaces),
    };
    return cmocka_run_group_tests_name("cmd_url", tests, NULL, NULL);
}

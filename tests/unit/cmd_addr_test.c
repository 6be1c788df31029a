/* tests/unit/cmd_addr_test.c — --resolve and --connect-to parsing and
 * lookup, resolution of literals and localhost with -4/-6 (never the
 * network), HOST[:PORT] splitting and address formatting. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/addr.h"

static const char *fmt(const struct sockaddr_storage *ss) {
    static char buf[64];
    assert_true(h3cli_addr_format((const struct sockaddr *)ss, true, buf,
                                  sizeof(buf)) > 0);
    return buf;
}

/* The list as "a, b, c" for one comparison. */
static const char *fmt_list(const h3cli_addr_list *l) {
    static char buf[512];
    buf[0] = '\0';
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            strcat(buf, ", ");
        strcat(buf, fmt(&l->addrs[i]));
    }
    return buf;
}

static const struct resolve_case {
    int line;
    const char *spec;
    int rc;
    const char *host; /* lookup on success */
    unsigned port;
    const char *want;
} resolve_cases[] = {
    {__LINE__, "example.com:443:127.0.0.1", 0, "example.com", 443,
     "127.0.0.1:443"},
    {__LINE__, "Example.COM:443:127.0.0.1", 0, "example.com", 443,
     "127.0.0.1:443"},
    {__LINE__, "h:4433:[::1],127.0.0.2", 0, "h", 4433,
     "[::1]:4433, 127.0.0.2:4433"},
    {__LINE__, "h:1:::1", 0, "h", 1, "[::1]:1"},
    {__LINE__, "h:1:127.0.0.1,127.0.0.1", 0, "h", 1, "127.0.0.1:1"},
    {__LINE__, "[::1]:443:127.0.0.3", 0, "::1", 443, "127.0.0.3:443"},
    {__LINE__, "*:8443:192.0.2.1", 0, "anything.test", 8443, "192.0.2.1:8443"},
    {__LINE__, "+h:443:192.0.2.9", 0, "h", 443, "192.0.2.9:443"},
    {__LINE__, "h:443", -2, NULL, 0, NULL},
    {__LINE__, "h:443:", -2, NULL, 0, NULL},
    {__LINE__, "h::127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, ":443:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "h:0:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "h:65536:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "h:44x:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "h:443:localhost", -2, NULL, 0, NULL},
    {__LINE__, "h:443:127.0.0.1,", -2, NULL, 0, NULL},
    {__LINE__, "h:443:127.0.0.256", -2, NULL, 0, NULL},
    {__LINE__, "[::1:443:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "h]:443:127.0.0.1", -2, NULL, 0, NULL},
    {__LINE__, "", -2, NULL, 0, NULL},
};

static void test_h3cli_addr_add_resolve_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
         i++) {
        const struct resolve_case *c = &resolve_cases[i];
        h3cli_addr_rules r;
        h3cli_addr_rules_init(&r);
        char err[200] = "";
        int rc = h3cli_addr_add_resolve(&r, c->spec, err, sizeof(err));
        if (rc != c->rc)
            fail_msg("line %d: rc %d want %d", c->line, rc, c->rc);
        if (rc != 0) {
            if (strstr(err, "--resolve: bad argument") != err)
                fail_msg("line %d: message %s", c->line, err);
            h3cli_addr_rules_cleanup(&r);
            continue;
        }
        h3cli_addr_list l;
        rc = h3cli_addr_resolve(&r, c->host, (uint16_t)c->port, AF_UNSPEC, &l,
                                err, sizeof(err));
        if (rc != 0 || strcmp(fmt_list(&l), c->want) != 0)
            fail_msg("line %d: rc %d got %s", c->line, rc,
                     rc ? err : fmt_list(&l));
        h3cli_addr_list_free(&l);
        h3cli_addr_rules_cleanup(&r);
    }
}

static void test_h3cli_addr_resolve_rule_order_family_removal(void **state) {
    (void)state;
    h3cli_addr_rules r;
    h3cli_addr_rules_init(&r);
    char err[200];
    h3cli_addr_list l;
    assert_int_equal(h3cli_addr_add_resolve(&r, "h:443:[::1]", err, 200), 0);
    assert_int_equal(
        h3cli_addr_add_resolve(&r, "h:443:[::2],10.0.0.1", err, 200), 0);
    /* the last rule for h:443 wins */
    assert_int_equal(h3cli_addr_resolve(&r, "h", 443, AF_UNSPEC, &l, err, 200),
                     0);
    assert_string_equal(fmt_list(&l), "[::2]:443, 10.0.0.1:443");
    h3cli_addr_list_free(&l);
    assert_int_equal(h3cli_addr_resolve(&r, "h", 443, AF_INET, &l, err, 200),
                     0);
    assert_string_equal(fmt_list(&l), "10.0.0.1:443");
    h3cli_addr_list_free(&l);
    /* -4 filters a rule's IPv6-only addresses away: no lookup, exit 6 */
    assert_int_equal(h3cli_addr_add_resolve(&r, "v6only:443:[::1]", err, 200),
                     0);
    assert_int_equal(
        h3cli_addr_resolve(&r, "v6only", 443, AF_INET, &l, err, 200), -6);
    assert_string_equal(err, "Could not resolve host: v6only");
    assert_null(l.addrs);
    /* "-host:port" drops both h rules; h is then looked up */
    assert_int_equal(h3cli_addr_add_resolve(&r, "-H:443", err, 200), 0);
    assert_int_equal(r.n_resolve, 1);
    assert_string_equal(r.resolve[0].host, "v6only");
    h3cli_addr_rules_cleanup(&r);
    h3cli_addr_rules_cleanup(&r);
}

static void test_h3cli_addr_resolve_literals_and_localhost(void **state) {
    (void)state;
    h3cli_addr_rules r;
    h3cli_addr_rules_init(&r);
    char err[200];
    h3cli_addr_list l;
    assert_int_equal(
        h3cli_addr_resolve(&r, "127.0.0.1", 4433, AF_UNSPEC, &l, err, 200), 0);
    assert_string_equal(fmt_list(&l), "127.0.0.1:4433");
    h3cli_addr_list_free(&l);
    assert_int_equal(h3cli_addr_resolve(&r, "::1", 443, AF_INET6, &l, err, 200),
                     0);
    assert_string_equal(fmt_list(&l), "[::1]:443");
    h3cli_addr_list_free(&l);
    /* -6 with an IPv4 literal, -4 with an IPv6 one: nothing to try */
    assert_int_equal(
        h3cli_addr_resolve(&r, "127.0.0.1", 443, AF_INET6, &l, err, 200), -6);
    assert_string_equal(err, "Could not resolve host: 127.0.0.1");
    assert_int_equal(h3cli_addr_resolve(&r, "::1", 443, AF_INET, &l, err, 200),
                     -6);
    assert_int_equal(
        h3cli_addr_resolve(&r, "localhost", 80, AF_INET, &l, err, 200), 0);
    assert_true(l.n >= 1);
    assert_string_equal(fmt(&l.addrs[0]), "127.0.0.1:80");
    for (size_t i = 0; i < l.n; i++)
        assert_int_equal(l.addrs[i].ss_family, AF_INET);
    h3cli_addr_list_free(&l);
}

static const struct connect_case {
    int line;
    const char *spec;
    int rc;
    const char *host; /* request */
    unsigned port;
    bool match;
    const char *to_host;
    unsigned to_port;
} connect_cases[] = {
    {__LINE__, "a:443:b:4433", 0, "a", 443, true, "b", 4433},
    {__LINE__, "a:443:b:4433", 0, "A", 443, true, "b", 4433},
    {__LINE__, "a:443:b:4433", 0, "a", 444, false, "a", 444},
    {__LINE__, "a:443:b:4433", 0, "c", 443, false, "c", 443},
    {__LINE__, "::b:", 0, "x", 9, true, "b", 9},
    {__LINE__, ":443::8443", 0, "x", 443, true, "x", 8443},
    {__LINE__, "a:::", 0, "a", 1, true, "a", 1},
    {__LINE__, "[::1]:443:[::2]:444", 0, "::1", 443, true, "::2", 444},
    {__LINE__, "a:443:b", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "a:443:b:4433:5", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "a:x:b:1", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "a:1:b:0", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "a:1:b:65536", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "[::1:1:b:1", -2, NULL, 0, false, NULL, 0},
    {__LINE__, "[::1]x:1:b:1", -2, NULL, 0, false, NULL, 0},
};

static void test_h3cli_addr_add_connect_to_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(connect_cases) / sizeof(connect_cases[0]);
         i++) {
        const struct connect_case *c = &connect_cases[i];
        h3cli_addr_rules r;
        h3cli_addr_rules_init(&r);
        char err[200] = "";
        int rc = h3cli_addr_add_connect_to(&r, c->spec, err, sizeof(err));
        if (rc != c->rc)
            fail_msg("line %d: rc %d want %d", c->line, rc, c->rc);
        if (rc == 0) {
            const char *to;
            uint16_t to_port;
            bool m = h3cli_addr_connect_to(&r, c->host, (uint16_t)c->port, &to,
                                           &to_port);
            if (m != c->match || strcmp(to, c->to_host) != 0 ||
                to_port != c->to_port)
                fail_msg("line %d: got %d %s:%u", c->line, m, to, to_port);
        } else if (strstr(err, "--connect-to: bad argument") != err) {
            fail_msg("line %d: message %s", c->line, err);
        }
        h3cli_addr_rules_cleanup(&r);
    }
}

static void test_h3cli_addr_connect_to_first_rule_wins(void **state) {
    (void)state;
    h3cli_addr_rules r;
    h3cli_addr_rules_init(&r);
    char err[100];
    assert_int_equal(h3cli_addr_add_connect_to(&r, "a::first:1", err, 100), 0);
    assert_int_equal(h3cli_addr_add_connect_to(&r, "a::second:2", err, 100), 0);
    const char *to;
    uint16_t port;
    assert_true(h3cli_addr_connect_to(&r, "a", 443, &to, &port));
    assert_string_equal(to, "first");
    assert_int_equal(port, 1);
    /* --resolve then applies to the connect-to target */
    assert_int_equal(h3cli_addr_add_resolve(&r, "first:1:192.0.2.7", err, 100),
                     0);
    h3cli_addr_list l;
    assert_int_equal(h3cli_addr_resolve(&r, to, port, AF_UNSPEC, &l, err, 100),
                     0);
    assert_string_equal(fmt_list(&l), "192.0.2.7:1");
    h3cli_addr_list_free(&l);
    h3cli_addr_rules_cleanup(&r);
}

static const struct split_case {
    int line;
    const char *in;
    int rc;
    const char *host;
    unsigned port;
} split_cases[] = {
    {__LINE__, "example.com", 0, "example.com", 443},
    {__LINE__, "example.com:8443", 0, "example.com", 8443},
    {__LINE__, "[::1]", 0, "::1", 443},
    {__LINE__, "[::1]:4433", 0, "::1", 4433},
    {__LINE__, "::1", 0, "::1", 443},
    {__LINE__, "2001:db8::1", 0, "2001:db8::1", 443},
    {__LINE__, "127.0.0.1:1", 0, "127.0.0.1", 1},
    {__LINE__, "", -2, NULL, 0},
    {__LINE__, ":443", -2, NULL, 0},
    {__LINE__, "h:", -2, NULL, 0},
    {__LINE__, "h:0", -2, NULL, 0},
    {__LINE__, "h:65536", -2, NULL, 0},
    {__LINE__, "h:4a", -2, NULL, 0},
    {__LINE__, "[::1", -2, NULL, 0},
    {__LINE__, "[::1]443", -2, NULL, 0},
    {__LINE__, "[]:443", -2, NULL, 0},
    {__LINE__, "h]:1", -2, NULL, 0},
};

static void test_h3cli_addr_split_host_port_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        const struct split_case *c = &split_cases[i];
        char *host;
        uint16_t port;
        int rc = h3cli_addr_split_host_port(c->in, 443, &host, &port);
        if (rc != c->rc ||
            (rc == 0 && (strcmp(host, c->host) != 0 || port != c->port)))
            fail_msg("line %d: rc %d host %s port %u", c->line, rc,
                     rc ? "-" : host, port);
        if (rc != 0 && host)
            fail_msg("line %d: host set on error", c->line);
        free(host);
    }
}

static void test_h3cli_addr_format_forms(void **state) {
    (void)state;
    struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(443)};
    struct sockaddr_in6 s6 = {.sin6_family = AF_INET6,
                              .sin6_port = htons(4433)};
    inet_pton(AF_INET, "192.0.2.1", &s4.sin_addr);
    inet_pton(AF_INET6, "2001:db8::1", &s6.sin6_addr);
    char buf[64];
    assert_int_equal(
        h3cli_addr_format((struct sockaddr *)&s4, true, buf, sizeof(buf)), 13);
    assert_string_equal(buf, "192.0.2.1:443");
    h3cli_addr_format((struct sockaddr *)&s4, false, buf, sizeof(buf));
    assert_string_equal(buf, "192.0.2.1");
    h3cli_addr_format((struct sockaddr *)&s6, true, buf, sizeof(buf));
    assert_string_equal(buf, "[2001:db8::1]:4433");
    h3cli_addr_format((struct sockaddr *)&s6, false, buf, sizeof(buf));
    assert_string_equal(buf, "2001:db8::1");
    assert_int_equal(h3cli_addr_port((struct sockaddr *)&s6), 4433);
    assert_int_equal(h3cli_addr_format((struct sockaddr *)&s6, true, buf, 18),
                     0);
    struct sockaddr other = {.sa_family = AF_UNIX};
    assert_int_equal(h3cli_addr_format(&other, true, buf, sizeof(buf)), 0);
    assert_int_equal(h3cli_addr_port(&other), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_addr_add_resolve_table),
        cmocka_unit_test(test_h3cli_addr_resolve_rule_order_family_removal),
        cmocka_unit_test(test_h3cli_addr_resolve_literals_and_localhost),
        cmocka_unit_test(test_h3cli_addr_add_connect_to_table),
        cmocka_unit_test(test_h3cli_addr_connect_to_first_rule_wins),
        cmocka_unit_test(test_h3cli_addr_split_host_port_table),
        cmocka_unit_test(test_h3cli_addr_format_forms),
    };
    return cmocka_run_group_tests_name("cmd_addr", tests, NULL, NULL);
}

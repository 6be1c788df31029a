/* tests/unit/cmd_output_qlog_test.c — qlog files: records held until the
 * name is known, the <odcid>_<role>.sqlog name, directory creation, fin,
 * and an unwritable directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <unistd.h>

#include "cmd/output_qlog.h"

static char *slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_h3cli_qlog_holds_then_writes(void **state) {
    (void)state;
    char dir[] = "/tmp/h3cli-qlog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char sub[64], path[128];
    snprintf(sub, sizeof(sub), "%s/a/b", dir);
    h3cli_qlog q = {0};
    h3cli_qlog_write(&q, (const uint8_t *)"\x1erecord1\n", 9, false);
    quic_cid cid = {.len = 4, .data = {0xde, 0xad, 0xbe, 0xef}};
    assert_int_equal(h3cli_qlog_open(&q, sub, &cid, true), 0);
    h3cli_qlog_write(&q, (const uint8_t *)"\x1erecord2\n", 9, false);
    h3cli_qlog_write(&q, NULL, 0, true);
    assert_null(q.f);
    snprintf(path, sizeof(path), "%s/deadbeef_client.sqlog", sub);
    assert_string_equal(slurp(path), "\x1erecord1\n\x1erecord2\n");
    h3cli_qlog_cleanup(&q);
    /* fin before the name was known: written and closed at open. */
    h3cli_qlog s = {0};
    h3cli_qlog_write(&s, (const uint8_t *)"x", 1, true);
    assert_int_equal(h3cli_qlog_open(&s, sub, &cid, false), 0);
    assert_null(s.f);
    snprintf(path, sizeof(path), "%s/deadbeef_server.sqlog", sub);
    assert_string_equal(slurp(path), "x");
    h3cli_qlog_cleanup(&s);
    unlink(path);
    snprintf(path, sizeof(path), "%s/deadbeef_client.sqlog", sub);
    unlink(path);
    rmdir(sub);
    snprintf(path, sizeof(path), "%s/a", dir);
    rmdir(path);
    rmdir(dir);
}

static void test_h3cli_qlog_unwritable_directory(void **state) {
    (void)state;
    h3cli_qlog q = {0};
    h3cli_qlog_write(&q, (const uint8_t *)"abc", 3, false);
    quic_cid cid = {.len = 1, .data = {1}};
    assert_int_equal(h3cli_qlog_open(&q, "/proc/no/such/dir", &cid, true), -1);
    assert_true(q.failed);
    h3cli_qlog_write(&q, (const uint8_t *)"more", 4, true); /* ignored */
    assert_null(q.pending);
    h3cli_qlog_cleanup(&q);
}

static void test_h3cli_qlog_dir_option_wins(void **state) {
    (void)state;
    setenv("QLOGDIR", "/env", 1);
    assert_string_equal(h3cli_qlog_dir("/opt"), "/opt");
    assert_string_equal(h3cli_qlog_dir(NULL), "/env");
    setenv("QLOGDIR", "", 1);
    assert_null(h3cli_qlog_dir(NULL));
    unsetenv("QLOGDIR");
    assert_null(h3cli_qlog_dir(NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_qlog_holds_then_writes),
        cmocka_unit_test(test_h3cli_qlog_unwritable_directory),
        cmocka_unit_test(test_h3cli_qlog_dir_option_wins),
    };
    return cmocka_run_group_tests_name("cmd_output_qlog", tests, NULL, NULL);
}

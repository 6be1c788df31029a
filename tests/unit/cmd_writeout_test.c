/* tests/unit/cmd_writeout_test.c — -w formats with exact outputs: every
 * variable, %{json}, %header{}, stream switching, escapes, curl's handling
 * of unknown and unterminated sequences, and @file loading. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/writeout.h"

static const h3cli_header_field headers[] = {
    {"content-type", "text/html"},
    {"Set-Cookie", "a=1"},
    {"server", "h3cli"},
    {"set-cookie", "b=2"},
};

static h3cli_transfer_info sample(void) {
    h3cli_transfer_info i;
    memset(&i, 0, sizeof(i));
    i.http_code = 200;
    i.remote_ip = "::1";
    i.remote_port = 4433;
    i.local_ip = "::1";
    i.local_port = 50000;
    i.size_download = 1000000;
    i.size_header = 87;
    i.time_connect_us = 1500;
    i.time_appconnect_us = 1500;
    i.time_starttransfer_us = 2750;
    i.time_total_us = 2000000;
    i.url_effective = "https://localhost:4433/big";
    i.headers = headers;
    i.n_headers = 4;
    return i;
}

/* Runs the format; returns what went to out and err in static buffers. */
static char out_buf[4096], err_buf[4096];
static void run(const char *format, const h3cli_transfer_info *info) {
    char *o = NULL, *e = NULL;
    size_t olen, elen;
    FILE *out = open_memstream(&o, &olen), *err = open_memstream(&e, &elen);
    assert_non_null(out);
    assert_non_null(err);
    h3cli_writeout_print(format, info, out, err);
    fclose(out);
    fclose(err);
    assert_true(olen < sizeof(out_buf) && elen < sizeof(err_buf));
    memcpy(out_buf, o, olen + 1);
    memcpy(err_buf, e, elen + 1);
    free(o);
    free(e);
}

static const struct format_case {
    int line;
    const char *format, *out, *err;
} format_cases[] = {
    {__LINE__, "%{http_code}\n", "200\n", ""},
    {__LINE__, "%{response_code}", "200", ""},
    {__LINE__, "%{http_version}", "3", ""},
    {__LINE__, "%{exitcode}", "0", ""},
    {__LINE__, "[%{errormsg}]", "[]", ""},
    {__LINE__, "%{remote_ip} %{remote_port}", "::1 4433", ""},
    {__LINE__, "%{local_ip}:%{local_port}", "::1:50000", ""},
    {__LINE__, "%{size_download} %{size_header}", "1000000 87", ""},
    {__LINE__, "%{speed_download}", "500000", ""},
    {__LINE__, "%{time_connect} %{time_appconnect}", "0.001500 0.001500", ""},
    {__LINE__, "%{time_starttransfer} %{time_total}", "0.002750 2.000000", ""},
    {__LINE__, "%{url_effective}", "https://localhost:4433/big", ""},
    {__LINE__, "%{num_headers}", "4", ""},
    {__LINE__, "%header{content-type}", "text/html", ""},
    {__LINE__, "%header{Content-Type}", "text/html", ""},
    {__LINE__, "%header{set-cookie}", "a=1, b=2", ""},
    {__LINE__, "[%header{missing}]", "[]", ""},
    {__LINE__, "100%% done", "100% done", ""},
    {__LINE__, "a\\tb\\r\\n", "a\tb\r\n", ""},
    {__LINE__, "\\x\\\\", "\\x\\\\", ""},
    {__LINE__, "end\\", "end\\", ""},
    {__LINE__, "50%", "50%", ""},
    {__LINE__, "%d %s", "%d %s", ""},
    {__LINE__, "a%{bogus}b", "ab",
     "h3cli: unknown --write-out variable: 'bogus'\n"},
    {__LINE__, "%{}", "", "h3cli: unknown --write-out variable: ''\n"},
    {__LINE__, "%{HTTP_CODE}", "",
     "h3cli: unknown --write-out variable: 'HTTP_CODE'\n"},
    {__LINE__, "x%{http_code", "x%{http_code", ""},
    {__LINE__, "x%header{server", "x%header{server", ""},
    {__LINE__, "%header{server}%{stderr}%{http_code}%{stdout}!", "h3cli!",
     "200"},
    {__LINE__, "%{stderr}%{bogus}", "",
     "h3cli: unknown --write-out variable: 'bogus'\n"},
    {__LINE__, "", "", ""},
};

static void test_h3cli_writeout_print_table(void **state) {
    (void)state;
    h3cli_transfer_info info = sample();
    for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]);
         i++) {
        const struct format_case *c = &format_cases[i];
        run(c->format, &info);
        if (strcmp(out_buf, c->out) != 0 || strcmp(err_buf, c->err) != 0)
            fail_msg("line %d: out [%s] err [%s]", c->line, out_buf, err_buf);
    }
}

static void test_h3cli_writeout_print_failed_transfer(void **state) {
    (void)state;
    h3cli_transfer_info info;
    memset(&info, 0, sizeof(info));
    info.exitcode = 6;
    info.errormsg = "Could not resolve host: nowhere.invalid";
    info.url_effective = "https://nowhere.invalid/";
    run("%{http_code} %{exitcode} %{errormsg} [%{remote_ip}] %{speed_download}",
        &info);
    assert_string_equal(out_buf,
                        "000 6 Could not resolve host: nowhere.invalid [] 0");
}

static void test_h3cli_writeout_print_json(void **state) {
    (void)state;
    h3cli_transfer_info info = sample();
    run("%{json}\n", &info);
    assert_string_equal(
        out_buf,
        "{\"errormsg\":null,\"exitcode\":0,\"http_code\":200,"
        "\"http_version\":\"3\",\"local_ip\":\"::1\",\"local_port\":50000,"
        "\"num_headers\":4,\"remote_ip\":\"::1\",\"remote_port\":4433,"
        "\"response_code\":200,\"size_download\":1000000,"
        "\"size_header\":87,\"speed_download\":500000,"
        "\"time_appconnect\":0.001500,\"time_connect\":0.001500,"
        "\"time_starttransfer\":0.002750,\"time_total\":2.000000,"
        "\"url_effective\":\"https://localhost:4433/big\"}\n");
    info.errormsg = "bad \"x\"\\\n\x01";
    info.url_effective = NULL;
    run("%{json}", &info);
    assert_non_null(
        strstr(out_buf, "\"errormsg\":\"bad \\\"x\\\"\\\\\\n\\u0001\""));
    assert_non_null(strstr(out_buf, "\"url_effective\":null}"));
}

static void test_h3cli_writeout_load_sources(void **state) {
    (void)state;
    char *fmt;
    assert_int_equal(h3cli_writeout_load("%{http_code}", &fmt), 0);
    assert_string_equal(fmt, "%{http_code}");
    free(fmt);
    char path[] = "/tmp/h3cli-writeout-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    /* larger than the first read buffer, to exercise growth */
    char content[700];
    memset(content, 'x', sizeof(content));
    memcpy(content, "code=%{http_code}\\n", 19);
    content[sizeof(content) - 2] = '\n';
    content[sizeof(content) - 1] = '\0';
    assert_int_equal(write(fd, content, strlen(content)),
                     (ssize_t)strlen(content));
    close(fd);
    char arg[64];
    snprintf(arg, sizeof(arg), "@%s", path);
    assert_int_equal(h3cli_writeout_load(arg, &fmt), 0);
    assert_string_equal(fmt, content);
    free(fmt);
    unlink(path);
    assert_int_equal(h3cli_writeout_load(arg, &fmt), H3CLI_WRITEOUT_ERR_READ);
    assert_null(fmt);
    assert_int_equal(h3cli_writeout_load("@/", &fmt), H3CLI_WRITEOUT_ERR_READ);
    assert_null(fmt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_writeout_print_table),
        cmocka_unit_test(test_h3cli_writeout_print_failed_transfer),
        cmocka_unit_test(test_h3cli_writeout_print_json),
        cmocka_unit_test(test_h3cli_writeout_load_sources),
    };
    return cmocka_run_group_tests_name("cmd_writeout", tests, NULL, NULL);
}

/* tests/unit/cmd_mime_test.c — Content-Type by extension: the table's
 * entries, case, paths, dotfiles and the default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/mime.h"

static const struct mime_case {
    int line;
    const char *name, *type;
} mime_cases[] = {
    {__LINE__, "index.html", "text/html; charset=utf-8"},
    {__LINE__, "INDEX.HTM", "text/html; charset=utf-8"},
    {__LINE__, "a/b/style.css", "text/css; charset=utf-8"},
    {__LINE__, "app.js", "text/javascript; charset=utf-8"},
    {__LINE__, "mod.mjs", "text/javascript; charset=utf-8"},
    {__LINE__, "data.json", "application/json"},
    {__LINE__, "notes.txt", "text/plain; charset=utf-8"},
    {__LINE__, "p.png", "image/png"},
    {__LINE__, "p.JPG", "image/jpeg"},
    {__LINE__, "p.jpeg", "image/jpeg"},
    {__LINE__, "p.gif", "image/gif"},
    {__LINE__, "p.svg", "image/svg+xml"},
    {__LINE__, "favicon.ico", "image/vnd.microsoft.icon"},
    {__LINE__, "p.webp", "image/webp"},
    {__LINE__, "m.wasm", "application/wasm"},
    {__LINE__, "d.pdf", "application/pdf"},
    {__LINE__, "feed.xml", "application/xml"},
    {__LINE__, "v.mp4", "video/mp4"},
    {__LINE__, "f.woff", "font/woff"},
    {__LINE__, "f.woff2", "font/woff2"},
    {__LINE__, "archive.tar.gz", "application/gzip"},
    {__LINE__, "README", "application/octet-stream"},
    {__LINE__, "file.", "application/octet-stream"},
    {__LINE__, "file.unknownext", "application/octet-stream"},
    {__LINE__, ".html", "application/octet-stream"},
    {__LINE__, "dir.html/README", "application/octet-stream"},
    {__LINE__, "x.htmlx", "application/octet-stream"},
    {__LINE__, "", "application/octet-stream"},
};

static void test_h3cli_mime_type_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(mime_cases) / sizeof(mime_cases[0]); i++)
        if (strcmp(h3cli_mime_type(mime_cases[i].name), mime_cases[i].type))
            fail_msg("line %d: got %s", mime_cases[i].line,
                     h3cli_mime_type(mime_cases[i].name));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_mime_type_table),
    };
    return cmocka_run_group_tests_name("cmd_mime", tests, NULL, NULL);
}

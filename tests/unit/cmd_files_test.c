/* tests/unit/cmd_files_test.c — request path to file mapping over a
 * temporary tree with symlinks inside and outside, dotfiles, a FIFO and
 * nested directories: every traversal form of issue 7, both open paths
 * (openat2 and the O_NOFOLLOW walk), redirects, index.html and listings. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/files.h"
#include "cmd/listing.h"

/* tmp/outside.txt, tmp/root/... */
static char tmp[64], rootdir[96];

static void put(const char *rel, const char *content) {
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static void dir(const char *rel) {
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void link_(const char *target, const char *rel) {
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", tmp, rel);
    assert_int_equal(symlink(target, p), 0);
}

static int make_tree(void **state) {
    (void)state;
    strcpy(tmp, "/tmp/h3cli-files-XXXXXX");
    assert_non_null(mkdtemp(tmp));
    snprintf(rootdir, sizeof(rootdir), "%s/root", tmp);
    put("outside.txt", "secret outside");
    dir("root");
    put("root/hello.txt", "hello");
    put("root/.secret", "dot");
    dir("root/.hiddendir");
    put("root/.hiddendir/f.txt", "hidden");
    dir("root/sub");
    put("root/sub/page.html", "<p>page</p>");
    put("root/sub/a b.txt", "spaced");
    put("root/sub/x<y>&.txt", "odd");
    dir("root/sub/deeper");
    dir("root/withindex");
    put("root/withindex/index.html", "<h1>index</h1>");
    put("root/withindex/other.txt", "other");
    dir("root/dirindex");
    dir("root/dirindex/index.html"); /* a directory named index.html */
    link_("hello.txt", "root/link_in");
    link_("../hello.txt", "root/sub/up");
    link_("../outside.txt", "root/link_out");
    link_("/etc/passwd", "root/link_abs");
    link_("..", "root/linkdir_out");
    link_("sub", "root/linkdir_in");
    link_("missing", "root/dangling");
    char p[256];
    snprintf(p, sizeof(p), "%s/root/fifo", tmp);
    assert_int_equal(mkfifo(p, 0644), 0);
    return 0;
}

static int remove_tree(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

#define OK 0
#define E400 H3CLI_FILES_ERR_BAD_REQUEST
#define E404 H3CLI_FILES_ERR_NOT_FOUND
#define REG H3CLI_FILE_REGULAR
#define LIST H3CLI_FILE_LISTING
#define REDIR H3CLI_FILE_REDIRECT

/* |via2| / |walk|: the result with openat2 and with the O_NOFOLLOW walk
 * (they differ only for symlinks that stay inside the root). */
static const struct lookup_case {
    int line;
    const char *path;
    int via2, walk;
    h3cli_file_kind kind;
    const char *content; /* REGULAR: the file; REDIRECT: location */
} lookup_cases[] = {
    {__LINE__, "/hello.txt", OK, OK, REG, "hello"},
    {__LINE__, "/hello.txt?x=1&y=/../..", OK, OK, REG, "hello"},
    {__LINE__, "/%68ello%2Etxt", OK, OK, REG, "hello"},
    {__LINE__, "/sub/page.html", OK, OK, REG, "<p>page</p>"},
    {__LINE__, "/sub/a%20b.txt", OK, OK, REG, "spaced"},
    {__LINE__, "/sub/x%3Cy%3E%26.txt", OK, OK, REG, "odd"},
    {__LINE__, "/sub/x<y>&.txt", OK, OK, REG, "odd"},
    {__LINE__, "/withindex/", OK, OK, REG, "<h1>index</h1>"},
    {__LINE__, "/withindex/other.txt", OK, OK, REG, "other"},
    {__LINE__, "/", OK, OK, LIST, NULL},
    {__LINE__, "/sub/", OK, OK, LIST, NULL},
    {__LINE__, "/dirindex/", OK, OK, LIST, NULL},
    {__LINE__, "/sub", OK, OK, REDIR, "/sub/"},
    {__LINE__, "/sub?a=b", OK, OK, REDIR, "/sub/?a=b"},
    {__LINE__, "/sub/deeper", OK, OK, REDIR, "/sub/deeper/"},
    {__LINE__, "/s%75b", OK, OK, REDIR, "/s%75b/"},
    /* symlinks that stay inside: served with openat2, refused by the walk */
    {__LINE__, "/link_in", OK, E404, REG, "hello"},
    {__LINE__, "/sub/up", OK, E404, REG, "hello"},
    {__LINE__, "/linkdir_in/page.html", OK, E404, REG, "<p>page</p>"},
    /* symlinks leading out: never */
    {__LINE__, "/link_out", E404, E404, REG, NULL},
    {__LINE__, "/link_abs", E404, E404, REG, NULL},
    {__LINE__, "/linkdir_out/outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/linkdir_out/root/hello.txt", E404, E404, REG, NULL},
    {__LINE__, "/dangling", E404, E404, REG, NULL},
    /* dot segments, raw and encoded, leading nowhere or outside */
    {__LINE__, "/../outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/..", E404, E404, REG, NULL},
    {__LINE__, "/.", E404, E404, REG, NULL},
    {__LINE__, "/./hello.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub/../hello.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub/..", E404, E404, REG, NULL},
    {__LINE__, "/sub/../../outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%2e%2e/outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%2E%2E/outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/.%2E/outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%2e./outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%2e/hello.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub/%2e%2e/%2e%2e/outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/..%2foutside.txt", E404, E404, REG, NULL},
    {__LINE__, "/..%2Foutside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%2e%2e%2foutside.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub%2f..%2f..%2foutside.txt", E404, E404, REG, NULL},
    {__LINE__, "/%252e%252e/outside.txt", E404, E404, REG, NULL},
    /* backslashes, raw and encoded */
    {__LINE__, "/..\\outside.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub\\..\\hello.txt", E404, E404, REG, NULL},
    {__LINE__, "/%5c..%5coutside.txt", E404, E404, REG, NULL},
    {__LINE__, "/sub/..%5C..%5Coutside.txt", E404, E404, REG, NULL},
    /* NUL */
    {__LINE__, "/hello.txt%00.png", E404, E404, REG, NULL},
    {__LINE__, "/%00", E404, E404, REG, NULL},
    /* empty segments and absolute tricks */
    {__LINE__, "//hello.txt", E404, E404, REG, NULL},
    {__LINE__, "//", E404, E404, REG, NULL},
    {__LINE__, "/sub//page.html", E404, E404, REG, NULL},
    {__LINE__, "/sub//", E404, E404, REG, NULL},
    {__LINE__, "//etc/passwd", E404, E404, REG, NULL},
    {__LINE__, "/%2fetc%2fpasswd", E404, E404, REG, NULL},
    /* dotfiles hidden */
    {__LINE__, "/.secret", E404, E404, REG, NULL},
    {__LINE__, "/%2esecret", E404, E404, REG, NULL},
    {__LINE__, "/.hiddendir/f.txt", E404, E404, REG, NULL},
    {__LINE__, "/.hiddendir/", E404, E404, REG, NULL},
    /* not files */
    {__LINE__, "/fifo", E404, E404, REG, NULL},
    {__LINE__, "/missing", E404, E404, REG, NULL},
    {__LINE__, "/hello.txt/", E404, E404, REG, NULL},
    {__LINE__, "/hello.txt/x", E404, E404, REG, NULL},
    {__LINE__, "/hello.txt%20", E404, E404, REG, NULL},
    /* malformed: 400 */
    {__LINE__, "", E400, E400, REG, NULL},
    {__LINE__, "hello.txt", E400, E400, REG, NULL},
    {__LINE__, "*", E400, E400, REG, NULL},
    {__LINE__, "https://h/hello.txt", E400, E400, REG, NULL},
    {__LINE__, "?/hello.txt", E400, E400, REG, NULL},
    {__LINE__, "/%", E400, E400, REG, NULL},
    {__LINE__, "/%2", E400, E400, REG, NULL},
    {__LINE__, "/hello%2", E400, E400, REG, NULL},
    {__LINE__, "/%zz", E400, E400, REG, NULL},
    {__LINE__, "/%g0/x", E400, E400, REG, NULL},
    {__LINE__, "/%2x", E400, E400, REG, NULL},
    {__LINE__, "/a%?b=%", E400, E400, REG, NULL},
    /* the query is not decoded or checked */
    {__LINE__, "/hello.txt?%zz", OK, OK, REG, "hello"},
};

static void check_case(const h3cli_files_root *root,
                       const struct lookup_case *c, int want) {
    h3cli_file f;
    int rc = h3cli_files_lookup(root, c->path, strlen(c->path), &f);
    if (rc != want)
        fail_msg("line %d (%s): rc %d want %d", c->line,
                 root->use_openat2 ? "openat2" : "walk", rc, want);
    if (rc != 0) {
        if (f.fd != -1 || f.name || f.body || f.location)
            fail_msg("line %d: output left on error", c->line);
        return;
    }
    if (f.kind != c->kind)
        fail_msg("line %d: kind %d", c->line, f.kind);
    if (f.kind == REG) {
        char buf[64] = "";
        ssize_t n = pread(f.fd, buf, sizeof(buf) - 1, 0);
        if (n < 0 || strcmp(buf, c->content) != 0 ||
            f.st.st_size != (off_t)strlen(c->content))
            fail_msg("line %d: content %s", c->line, buf);
        if (fcntl(f.fd, F_GETFL) & O_NONBLOCK)
            fail_msg("line %d: O_NONBLOCK left on", c->line);
    } else if (f.kind == REDIR && strcmp(f.location, c->content) != 0) {
        fail_msg("line %d: location %s", c->line, f.location);
    } else if (f.kind == LIST && (!f.body || f.body_len != strlen(f.body))) {
        fail_msg("line %d: listing", c->line);
    }
    h3cli_file_cleanup(&f);
    h3cli_file_cleanup(&f);
}

static void test_h3cli_files_lookup_table(void **state) {
    (void)state;
    h3cli_files_root root;
    assert_int_equal(h3cli_files_root_open(&root, rootdir, false), 0);
    if (!root.use_openat2)
        print_message("note: openat2 unavailable, testing the walk only\n");
    for (size_t i = 0; i < sizeof(lookup_cases) / sizeof(lookup_cases[0]);
         i++) {
        if (root.use_openat2)
            check_case(&root, &lookup_cases[i], lookup_cases[i].via2);
        root.use_openat2 = false;
        check_case(&root, &lookup_cases[i], lookup_cases[i].walk);
        h3cli_files_root_close(&root);
        assert_int_equal(h3cli_files_root_open(&root, rootdir, false), 0);
    }
    h3cli_files_root_close(&root);
}

static void test_h3cli_files_lookup_nul_in_raw_path(void **state) {
    (void)state;
    h3cli_files_root root;
    assert_int_equal(h3cli_files_root_open(&root, rootdir, false), 0);
    h3cli_file f;
    const char path[] = "/hello.txt\0/../../outside.txt";
    assert_int_equal(h3cli_files_lookup(&root, path, sizeof(path) - 1, &f),
                     E404);
    /* the length, not a NUL, ends the path */
    assert_int_equal(h3cli_files_lookup(&root, "/hello.txtXYZ", 10, &f), 0);
    assert_int_equal(f.st.st_size, 5);
    h3cli_file_cleanup(&f);
    h3cli_files_root_close(&root);
}

static void test_h3cli_files_lookup_dotfiles_allowed(void **state) {
    (void)state;
    h3cli_files_root root;
    assert_int_equal(h3cli_files_root_open(&root, rootdir, true), 0);
    h3cli_file f;
    assert_int_equal(h3cli_files_lookup(&root, "/.secret", 8, &f), 0);
    assert_string_equal(f.name, ".secret");
    h3cli_file_cleanup(&f);
    assert_int_equal(h3cli_files_lookup(&root, "/.hiddendir/f.txt", 17, &f), 0);
    h3cli_file_cleanup(&f);
    /* dot segments stay forbidden */
    assert_int_equal(h3cli_files_lookup(&root, "/../outside.txt", 15, &f),
                     E404);
    assert_int_equal(h3cli_files_lookup(&root, "/.%2e/outside.txt", 17, &f),
                     E404);
    assert_int_equal(h3cli_files_lookup(&root, "/./hello.txt", 12, &f), E404);
    assert_int_equal(h3cli_files_lookup(&root, "/", 1, &f), 0);
    assert_non_null(strstr(f.body, "<a href=\".secret\">.secret</a>"));
    assert_non_null(strstr(f.body, "<a href=\".hiddendir/\">.hiddendir/</a>"));
    h3cli_file_cleanup(&f);
    h3cli_files_root_close(&root);
}

static void test_h3cli_files_lookup_names_for_mime(void **state) {
    (void)state;
    h3cli_files_root root;
    assert_int_equal(h3cli_files_root_open(&root, rootdir, false), 0);
    h3cli_file f;
    assert_int_equal(h3cli_files_lookup(&root, "/withindex/", 11, &f), 0);
    assert_string_equal(f.name, "withindex/index.html");
    h3cli_file_cleanup(&f);
    assert_int_equal(h3cli_files_lookup(&root, "/sub/a%20b.txt", 14, &f), 0);
    assert_string_equal(f.name, "sub/a b.txt");
    h3cli_file_cleanup(&f);
    h3cli_files_root_close(&root);
    h3cli_files_root_close(&root);
    assert_int_equal(h3cli_files_root_open(&root, "/nonexistent-h3cli", false),
                     -ENOENT);
}

static const char sub_listing[] =
    "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>Index of /sub/</title>\n</head>\n<body>\n"
    "<h1>Index of /sub/</h1>\n<ul>\n"
    "<li><a href=\"../\">../</a></li>\n"
    "<li><a href=\"a%20b.txt\">a b.txt</a></li>\n"
    "<li><a href=\"deeper/\">deeper/</a></li>\n"
    "<li><a href=\"page.html\">page.html</a></li>\n"
    "<li><a href=\"up\">up</a></li>\n"
    "<li><a href=\"x%3Cy%3E%26.txt\">x&lt;y&gt;&amp;.txt</a></li>\n"
    "</ul>\n</body>\n</html>\n";

static void test_h3cli_listing_build_exact(void **state) {
    (void)state;
    h3cli_files_root root;
    assert_int_equal(h3cli_files_root_open(&root, rootdir, false), 0);
    h3cli_file f;
    assert_int_equal(h3cli_files_lookup(&root, "/sub/", 5, &f), 0);
    assert_int_equal(f.kind, LIST);
    assert_string_equal(f.body, sub_listing);
    assert_true(S_ISDIR(f.st.st_mode));
    h3cli_file_cleanup(&f);
    /* the root: no "../", no dotfiles, directories marked, the dangling
     * link left out */
    assert_int_equal(h3cli_files_lookup(&root, "/", 1, &f), 0);
    assert_null(strstr(f.body, "../"));
    assert_null(strstr(f.body, "secret"));
    assert_null(strstr(f.body, "dangling"));
    assert_non_null(strstr(f.body, "<title>Index of /</title>"));
    assert_non_null(strstr(f.body, "<a href=\"linkdir_in/\">linkdir_in/</a>"));
    assert_non_null(strstr(f.body, "<a href=\"hello.txt\">hello.txt</a>"));
    assert_true(strstr(f.body, "dirindex/") < strstr(f.body, "fifo"));
    assert_true(strstr(f.body, "fifo") < strstr(f.body, "hello.txt"));
    h3cli_file_cleanup(&f);
    /* a title with markup in the directory name is escaped */
    int fd = openat(root.dirfd, "sub", O_RDONLY | O_DIRECTORY);
    char *html;
    size_t len;
    assert_int_equal(h3cli_listing_build(fd, "/<b>&/", false, &html, &len), 0);
    assert_non_null(strstr(html, "<title>Index of /&lt;b&gt;&amp;/</title>"));
    free(html);
    close(fd);
    h3cli_files_root_close(&root);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_files_lookup_table),
        cmocka_unit_test(test_h3cli_files_lookup_nul_in_raw_path),
        cmocka_unit_test(test_h3cli_files_lookup_dotfiles_allowed),
        cmocka_unit_test(test_h3cli_files_lookup_names_for_mime),
        cmocka_unit_test(test_h3cli_listing_build_exact),
    };
    return cmocka_run_group_tests_name("cmd_files", tests, make_tree,
                                       remove_tree);
}

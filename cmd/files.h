/* cmd/files.h — maps a request :path to a file under `serve`'s root without
 * ever leaving it: percent-decoding once, refusing dot segments, NUL,
 * backslashes and dotfiles, and opening beneath the root so symlinks
 * cannot escape; the result is an open descriptor, never file contents. */
#ifndef H3CLI_CMD_FILES_H
#define H3CLI_CMD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Errors are negated HTTP status codes. */
#define H3CLI_FILES_ERR_BAD_REQUEST (-400) /* malformed path */
#define H3CLI_FILES_ERR_NOT_FOUND (-404)   /* absent, hidden or refused */
#define H3CLI_FILES_ERR_INTERNAL (-500)    /* EMFILE, ENOMEM, EIO ... */

/* The served directory. */
typedef struct h3cli_files_root {
    int dirfd;           /* O_PATH descriptor of the root */
    bool allow_dotfiles; /* --dotfiles: serve and list names starting '.' */
    /* openat2(RESOLVE_BENEATH) works here: symlinks that stay inside the
     * root are followed. Without it (older kernels, seccomp) every
     * component is opened with O_NOFOLLOW, so any symlink is a 404. Tests
     * clear it to exercise that path. */
    bool use_openat2;
} h3cli_files_root;

/* Opens |dir| as the root. Returns 0 or a negative errno (-ENOENT,
 * -ENOTDIR, -EACCES, ...). */
int h3cli_files_root_open(h3cli_files_root *root, const char *dir,
                          bool allow_dotfiles);
void h3cli_files_root_close(h3cli_files_root *root);

typedef enum h3cli_file_kind {
    H3CLI_FILE_REGULAR,  /* |fd| and |st| of a regular file */
    H3CLI_FILE_LISTING,  /* |body| holds an HTML directory listing */
    H3CLI_FILE_REDIRECT, /* a directory asked without its '/': 301 to
                            |location| */
} h3cli_file_kind;

/* What a path maps to. Free with h3cli_file_cleanup. */
typedef struct h3cli_file {
    h3cli_file_kind kind;
    int fd;         /* REGULAR: read-only, close-on-exec; -1 otherwise */
    struct stat st; /* REGULAR: the file; LISTING: the directory */
    char *name;     /* REGULAR: decoded path below the root, e.g.
                       "docs/index.html", for h3cli_mime_type and logs */
    char *body;     /* LISTING: the HTML, |body_len| bytes */
    size_t body_len;
    char *location; /* REDIRECT: the request path + "/" (+ "?query") */
} h3cli_file;

/* Maps the :path |path| (|len| bytes, may contain NUL) of a GET or HEAD:
 * the query is stripped; each '/'-separated segment is percent-decoded
 * exactly once. A directory answers with its index.html when that is a
 * regular file, else a listing; "/dir" (no slash) redirects to "/dir/".
 * Returns 0 with |out| filled, or:
 *  H3CLI_FILES_ERR_BAD_REQUEST — not starting with '/', or a '%' not
 *    followed by two hex digits;
 *  H3CLI_FILES_ERR_NOT_FOUND — no such file; a NUL byte or backslash (raw
 *    or decoded); an encoded '/'; a "." or ".." segment (raw or decoded,
 *    e.g. "%2e%2e", ".%2E"); an empty segment ("//"); a segment starting
 *    with '.' unless allow_dotfiles; a symlink leading outside the root
 *    (or any symlink without openat2); a trailing '/' on a file; anything
 *    but a regular file or directory (FIFOs are never opened blocking);
 *  H3CLI_FILES_ERR_INTERNAL — out of descriptors or memory, I/O error. */
int h3cli_files_lookup(const h3cli_files_root *root, const char *path,
                       size_t len, h3cli_file *out);

/* Closes and frees what a successful lookup returned; safe twice. */
void h3cli_file_cleanup(h3cli_file *f);

#endif

/* cmd/listing.h — the HTML directory listing `serve` sends for a directory
 * without index.html; it reads the directory, never the files. */
#ifndef H3CLI_CMD_LISTING_H
#define H3CLI_CMD_LISTING_H

#include <stdbool.h>
#include <stddef.h>

/* Builds the listing of the directory open at |dirfd| (readable, not
 * O_PATH; it is duplicated, not consumed) for the request path |url_path|
 * (decoded, ending in '/', used as the title): entries sorted byte-wise,
 * directories with a trailing '/', names HTML-escaped and hrefs
 * percent-encoded, a "../" link unless |url_path| is "/", and no names
 * starting with '.' unless |show_dotfiles|. Entries that cannot be stat'ed
 * (dangling symlinks) are left out. *html is a new NUL-terminated string
 * of *len bytes for the caller to free. Returns 0 or a negative errno
 * (-ENOMEM, -EMFILE, ...). */
int h3cli_listing_build(int dirfd, const char *url_path, bool show_dotfiles,
                        char **html, size_t *len);

#endif

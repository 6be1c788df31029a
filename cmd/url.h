/* cmd/url.h — https URL parsing with curl's rules and exit classes, the
 * :authority and :path a request needs, and RFC 3986 §5 reference resolution
 * for -L; no name resolution (cmd/addr.h) and no I/O. */
#ifndef H3CLI_CMD_URL_H
#define H3CLI_CMD_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors are the negated curl exit codes, so `get` can `return -rc`. */
#define H3CLI_URL_ERR_UNSUPPORTED (-1) /* not https: curl exit 1 */
#define H3CLI_URL_ERR_MALFORMED (-3)   /* curl exit 3 */
#define H3CLI_URL_ERR_NOMEM (-27)      /* curl exit 27 */

#define H3CLI_URL_DEFAULT_PORT 443

/* Flags for h3cli_url_parse. */
#define H3CLI_URL_PATH_AS_IS                                                   \
    0x1u /* keep "." and ".." segments (--path-as-is) */

/* A parsed https URL. Strings are heap copies owned by the struct and freed
 * by h3cli_url_cleanup; after a failed parse only |error| is meaningful. */
typedef struct h3cli_url {
    char *host;            /* without brackets; IPv6 literals as written */
    bool host_is_ipv6;     /* host came in [brackets] */
    uint16_t port;         /* 443 unless given */
    bool port_given;       /* the URL had a non-empty :port */
    char *path;            /* "/" at least; dot segments removed unless AS_IS */
    char *query;           /* without '?', NULL when the URL had none */
    char *authority;       /* :authority: host, [v6], ":port" only if not 443 */
    char *target;          /* :path: path + "?" + query */
    bool userinfo_dropped; /* "user:pw@" was present and is never sent
                              (RFC 9110 §4.2.4); `get -v` may say so */
    char error[160];       /* curl-style message after a failure */
} h3cli_url;

/* Parses |text| (NUL-terminated) into |out|, which need not be initialised.
 * The scheme is case-insensitive; a URL without "scheme://" is taken as
 * https (curl would guess http, which h3cli cannot speak). The fragment is
 * dropped. Bytes >= 0x80 in path and query are percent-encoded.
 * Returns 0, or H3CLI_URL_ERR_UNSUPPORTED (scheme other than https),
 * H3CLI_URL_ERR_MALFORMED (empty or invalid host, bad or out-of-range port,
 * port 0, space or control character anywhere, unbalanced brackets, invalid
 * IPv6 literal, "https:" without "//"), H3CLI_URL_ERR_NOMEM; in every error
 * case out->error holds the message for "h3cli: (N) message" and nothing
 * needs cleaning up. */
int h3cli_url_parse(h3cli_url *out, const char *text, unsigned flags);

/* Frees the strings of a successfully parsed URL; safe on a zeroed struct
 * and twice. */
void h3cli_url_cleanup(h3cli_url *url);

/* Resolves the reference |ref| (a Location value) against |base| per RFC
 * 3986 §5.2 (strict: a reference with a scheme is absolute), including dot
 * segment removal, and returns the absolute URL as a new string in *out for
 * h3cli_url_parse (which then classifies its scheme). The fragment is
 * dropped; an empty reference yields the base itself (§5.4.1). Returns 0,
 * H3CLI_URL_ERR_MALFORMED (space or control character in |ref|), or
 * H3CLI_URL_ERR_NOMEM. */
int h3cli_url_resolve(const h3cli_url *base, const char *ref, char **out);

/* Removes "." and ".." segments from |path| in place (RFC 3986 §5.2.4) and
 * returns its new length. Exposed for tests and for `serve`'s logging. */
size_t h3cli_url_remove_dot_segments(char *path);

#endif

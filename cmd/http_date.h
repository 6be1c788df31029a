/* cmd/http_date.h — HTTP validators for `serve`: HTTP-date formatting and
 * parsing (RFC 9110 §5.6.7), ETags from file metadata, and the conditional
 * request checks If-None-Match, If-Modified-Since (§13.1) and If-Range. */
#ifndef H3CLI_CMD_HTTP_DATE_H
#define H3CLI_CMD_HTTP_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <time.h>

/* "Sun, 06 Nov 1994 08:49:37 GMT" is 29 characters. */
#define H3CLI_HTTP_DATE_LEN 29
/* Room for any ETag from h3cli_http_etag, with its NUL. */
#define H3CLI_HTTP_ETAG_MAX 72

/* Writes |t| (seconds since the epoch, UTC) as IMF-fixdate, NUL-terminated.
 * Returns H3CLI_HTTP_DATE_LEN, or 0 when |cap| < 30 or the year is outside
 * 0..9999. */
size_t h3cli_http_date_format(time_t t, char *buf, size_t cap);

/* Parses |len| bytes of an HTTP-date in any of the three formats RFC 9110
 * §5.6.7 makes recipients accept (IMF-fixdate, rfc850-date, asctime-date);
 * the day name is checked for spelling, not against the date. A two-digit
 * year more than 50 years after |now| is taken as the previous century.
 * Returns 0 with *out set, or -1 when malformed or out of range. */
int h3cli_http_date_parse(const char *s, size_t len, time_t now, time_t *out);

/* Writes a strong ETag for a file, "\"<size>-<mtime s>.<mtime ns>-<inode>\""
 * in hex, NUL-terminated: it changes whenever the file is replaced or
 * rewritten. Returns its length, or 0 when |cap| is too small
 * (H3CLI_HTTP_ETAG_MAX always suffices). */
size_t h3cli_http_etag(const struct stat *st, char *buf, size_t cap);

/* True when the If-None-Match value (|len| bytes: "*" or a list of entity
 * tags) matches |etag| by weak comparison (§13.1.2, §8.8.3.2). A malformed
 * list matches nothing. */
bool h3cli_http_if_none_match(const char *value, size_t len, const char *etag);

/* RFC 9110 §13.2.2 steps 3-4 for GET and HEAD: true when the answer is 304.
 * |inm| / |ims| are the If-None-Match / If-Modified-Since values (NULL when
 * absent); If-Modified-Since counts only without If-None-Match and only
 * when it parses. |mtime| is the Last-Modified time sent. */
bool h3cli_http_not_modified(const char *inm, size_t inm_len, const char *ims,
                             size_t ims_len, const char *etag, time_t mtime);

/* §13.1.5: true when a Range request should be honoured given the If-Range
 * value (NULL = absent → true): an entity tag must match |etag| strongly
 * (a weak tag never does), a date must equal |mtime| exactly. */
bool h3cli_http_if_range(const char *value, size_t len, const char *etag,
                         time_t mtime);

#endif

/* cmd/range.h — the Range request header for `serve` (RFC 9110 §14):
 * parsing a bytes range against the file size and the Content-Range value
 * of the answer; no I/O. */
#ifndef H3CLI_CMD_RANGE_H
#define H3CLI_CMD_RANGE_H

#include <stddef.h>
#include <stdint.h>

typedef enum h3cli_range_result {
    H3CLI_RANGE_FULL = 0,      /* no usable Range: 200 with the whole file */
    H3CLI_RANGE_PARTIAL,       /* 206 with bytes [first, first + length) */
    H3CLI_RANGE_UNSATISFIABLE, /* 416 with "content-range: bytes *\/size" */
} h3cli_range_result;

/* Evaluates the Range value (|len| bytes) for a representation of |size|
 * bytes. One range (first-last, first-, -suffix) that overlaps the file
 * gives PARTIAL, clipped to the file (last-pos past the end and suffixes
 * longer than the file take what exists). Choices, as RFC 9110 §14.2
 * allows: a malformed value or another unit is ignored (FULL); several
 * ranges are answered with the whole file (FULL, no multipart/byteranges)
 * unless none of them is satisfiable (UNSATISFIABLE); a suffix range on an
 * empty file is FULL (there is no byte to name), a first-pos range on it
 * UNSATISFIABLE. *first and *length are set only for PARTIAL. The unit is
 * case-insensitive; list elements may be empty and surrounded by OWS. */
h3cli_range_result h3cli_range_parse(const char *value, size_t len,
                                     uint64_t size, uint64_t *first,
                                     uint64_t *length);

/* Writes the Content-Range value, "bytes 0-99/1000" for PARTIAL or
 * "bytes *\/1000" for UNSATISFIABLE, NUL-terminated. Returns its length, or
 * 0 for FULL or when |cap| is too small (64 always suffices). */
size_t h3cli_range_content_range(char *buf, size_t cap, h3cli_range_result r,
                                 uint64_t first, uint64_t length,
                                 uint64_t size);

#endif

/* cmd/range.c — parses "Range: bytes=..." (RFC 9110 §14.1.2) into one byte
 * range or a decision to send everything or 416. */
#include "cmd/range.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <strings.h>

/* One parsed range-spec: first-pos and last-pos, UINT64_MAX standing for
 * an absent last-pos; |suffix| ranges keep their length in |last|. */
typedef struct spec {
    uint64_t first, last;
    bool suffix;
} spec;

/* 1*DIGIT at *p, saturating at UINT64_MAX (a huge number is still a number:
 * past any file end). Returns false when there is no digit. */
static bool number(const char **p, const char *end, uint64_t *out) {
    const char *s = *p;
    uint64_t v = 0;
    while (s < end && *s >= '0' && *s <= '9') {
        unsigned d = (unsigned)(*s - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
        s++;
    }
    if (s == *p)
        return false;
    *p = s;
    *out = v;
    return true;
}

/* int-range = first-pos "-" [ last-pos ] / suffix-range = "-" suffix-length
 * spanning exactly [p, end). */
static bool parse_spec(const char *p, const char *end, spec *r) {
    r->suffix = p < end && *p == '-';
    if (r->suffix) {
        p++;
        r->first = 0;
        return number(&p, end, &r->last) && p == end;
    }
    if (!number(&p, end, &r->first) || p == end || *p != '-')
        return false;
    p++;
    r->last = UINT64_MAX;
    if (p < end && !number(&p, end, &r->last))
        return false;
    /* §14.1.1: invalid when last-pos is less than first-pos */
    return p == end && r->last >= r->first;
}

/* §14.1.1: satisfiable when first-pos is inside the file or the suffix is
 * non-zero; clips the range to the file. */
static bool satisfy(const spec *r, uint64_t size, uint64_t *first,
                    uint64_t *length) {
    if (r->suffix) {
        if (r->last == 0 || size == 0)
            return false;
        uint64_t n = r->last < size ? r->last : size;
        *first = size - n;
        *length = n;
        return true;
    }
    if (r->first >= size)
        return false;
    uint64_t last = r->last < size - 1 ? r->last : size - 1;
    *first = r->first;
    *length = last - r->first + 1;
    return true;
}

static bool is_ows(char c) {
    return c == ' ' || c == '\t';
}

h3cli_range_result h3cli_range_parse(const char *value, size_t len,
                                     uint64_t size, uint64_t *first,
                                     uint64_t *length) {
    const char *p = value, *end = value + len;
    if (len < 6 || strncasecmp(p, "bytes=", 6) != 0)
        return H3CLI_RANGE_FULL;
    p += 6;
    size_t specs = 0, satisfiable = 0;
    bool empty_suffix = false;
    uint64_t f = 0, n = 0;
    while (p < end) {
        while (p < end && (is_ows(*p) || *p == ','))
            p++;
        const char *e = p;
        while (e < end && *e != ',' && !is_ows(*e))
            e++;
        if (e == p)
            break;
        const char *after = e;
        while (after < end && is_ows(*after))
            after++;
        spec r;
        if (!parse_spec(p, e, &r) || (after < end && *after != ','))
            return H3CLI_RANGE_FULL; /* malformed: ignore the field */
        specs++;
        empty_suffix |= r.suffix && r.last > 0 && size == 0;
        if (satisfy(&r, size, &f, &n))
            satisfiable++;
        p = after;
    }
    if (specs == 0)
        return H3CLI_RANGE_FULL;
    if (satisfiable == 0)
        return empty_suffix ? H3CLI_RANGE_FULL : H3CLI_RANGE_UNSATISFIABLE;
    if (specs > 1)
        return H3CLI_RANGE_FULL;
    *first = f;
    *length = n;
    return H3CLI_RANGE_PARTIAL;
}

size_t h3cli_range_content_range(char *buf, size_t cap, h3cli_range_result r,
                                 uint64_t first, uint64_t length,
                                 uint64_t size) {
    int n;
    if (r == H3CLI_RANGE_PARTIAL && length > 0)
        n = snprintf(buf, cap, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, first,
                     first + length - 1, size);
    else if (r == H3CLI_RANGE_UNSATISFIABLE)
        n = snprintf(buf, cap, "bytes */%" PRIu64, size);
    else
        return 0;
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* cmd/http_date.c — HTTP-date text <-> time_t without the C library's time
 * zone state, ETags from stat data, and RFC 9110 §13 conditional checks. */
#include "cmd/http_date.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char day_names[7][4] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
static const char *const long_day_names[7] = {
    "Sunday",   "Monday", "Tuesday", "Wednesday",
    "Thursday", "Friday", "Saturday"};
static const char month_names[12][4] = {"Jan", "Feb", "Mar", "Apr",
                                        "May", "Jun", "Jul", "Aug",
                                        "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (the well-known
 * era/day-of-era arithmetic; |m| is 1..12). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b) {
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

size_t h3cli_http_date_format(time_t t, char *buf, size_t cap) {
    int64_t days = floor_div((int64_t)t, 86400);
    int64_t secs = (int64_t)t - days * 86400, y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (cap < H3CLI_HTTP_DATE_LEN + 1 || y < 0 || y > 9999)
        return 0;
    int wday = (int)((days % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", day_names[wday],
             d, month_names[m - 1], (int)y, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    return H3CLI_HTTP_DATE_LEN;
}

/* A cursor over the field value. */
typedef struct cur {
    const char *p, *end;
} cur;

static bool lit(cur *c, const char *s) {
    size_t n = strlen(s);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
        return false;
    c->p += n;
    return true;
}

/* Exactly |n| digits. */
static bool digits(cur *c, int n, int *out) {
    if (c->end - c->p < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (c->p[i] < '0' || c->p[i] > '9')
            return false;
        v = v * 10 + (c->p[i] - '0');
    }
    c->p += n;
    *out = v;
    return true;
}

/* Month names and day names are case-sensitive (§5.6.7). */
static bool month(cur *c, int *m) {
    for (int i = 0; i < 12; i++)
        if (lit(c, month_names[i])) {
            *m = i + 1;
            return true;
        }
    return false;
}

/* time-of-day = hour ":" minute ":" second */
static bool time_of_day(cur *c, int *secs) {
    int h, mi, s;
    if (!digits(c, 2, &h) || !lit(c, ":") || !digits(c, 2, &mi) ||
        !lit(c, ":") || !digits(c, 2, &s))
        return false;
    if (h > 23 || mi > 59 || s > 60) /* 60: a leap second */
        return false;
    *secs = h * 3600 + mi * 60 + s;
    return true;
}

/* Which day-name form starts the value: 1 short, 2 long, 0 none. */
static int day_name(cur *c) {
    for (int i = 0; i < 7; i++)
        if (lit(c, long_day_names[i]))
            return 2;
    for (int i = 0; i < 7; i++)
        if (lit(c, day_names[i]))
            return 1;
    return 0;
}

static bool valid_day(int64_t y, int m, int d) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d >= 1 && d <= mdays[m - 1] + (m == 2 && leap);
}

/* rfc850-date's two-digit year, §5.6.7: more than 50 years in the future
 * means the most recent past year with those digits. */
static int64_t full_year(int yy, time_t now) {
    int64_t cy;
    int m, d;
    civil_from_days(floor_div((int64_t)now, 86400), &cy, &m, &d);
    int64_t y = cy - cy % 100 + yy;
    if (y > cy + 50)
        y -= 100;
    else if (y < cy - 49)
        y += 100;
    return y;
}

int h3cli_http_date_parse(const char *s, size_t len, time_t now, time_t *out) {
    cur c = {s, s + len};
    int form = day_name(&c), d, m, y, secs;
    int64_t year;
    bool ok;
    if (form == 1 && lit(&c, ", ")) { /* IMF-fixdate */
        ok = digits(&c, 2, &d) && lit(&c, " ") && month(&c, &m) &&
             lit(&c, " ") && digits(&c, 4, &y) && lit(&c, " ") &&
             time_of_day(&c, &secs) && lit(&c, " GMT");
        year = y;
    } else if (form == 2 && lit(&c, ", ")) { /* rfc850-date */
        ok = digits(&c, 2, &d) && lit(&c, "-") && month(&c, &m) &&
             lit(&c, "-") && digits(&c, 2, &y) && lit(&c, " ") &&
             time_of_day(&c, &secs) && lit(&c, " GMT");
        year = ok ? full_year(y, now) : 0;
    } else if (form == 1 && lit(&c, " ")) { /* asctime-date */
        ok = month(&c, &m) && lit(&c, " ") &&
             (lit(&c, " ") ? digits(&c, 1, &d) : digits(&c, 2, &d)) &&
             lit(&c, " ") && time_of_day(&c, &secs) && lit(&c, " ") &&
             digits(&c, 4, &y);
        year = y;
    } else {
        return -1;
    }
    if (!ok || c.p != c.end || !valid_day(year, m, d))
        return -1;
    *out = (time_t)(days_from_civil(year, m, d) * 86400 + secs);
    return 0;
}

size_t h3cli_http_etag(const struct stat *st, char *buf, size_t cap) {
    int n = snprintf(buf, cap, "\"%" PRIx64 "-%" PRIx64 ".%lx-%" PRIx64 "\"",
                     (uint64_t)st->st_size, (uint64_t)st->st_mtim.tv_sec,
                     (unsigned long)st->st_mtim.tv_nsec, (uint64_t)st->st_ino);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

static void skip_ows_commas(cur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == ','))
        c->p++;
}

/* entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (§8.8.3); sets the opaque tag
 * (quotes included) and whether it was weak. */
static bool entity_tag(cur *c, const char **tag, size_t *tag_len, bool *weak) {
    *weak = lit(c, "W/");
    if (c->p >= c->end || *c->p != '"')
        return false;
    const char *close = memchr(c->p + 1, '"', (size_t)(c->end - c->p - 1));
    if (!close)
        return false;
    *tag = c->p;
    *tag_len = (size_t)(close - c->p) + 1;
    c->p = close + 1;
    return true;
}

/* Looks for |etag| in an entity-tag list; |strong| refuses weak tags. */
static bool list_has(const char *value, size_t len, const char *etag,
                     bool strong) {
    cur c = {value, value + len};
    size_t elen = strlen(etag);
    skip_ows_commas(&c);
    while (c.p < c.end) {
        const char *tag;
        size_t tlen;
        bool weak;
        if (!entity_tag(&c, &tag, &tlen, &weak))
            return false;
        if (tlen == elen && memcmp(tag, etag, elen) == 0 && !(strong && weak))
            return true;
        skip_ows_commas(&c);
    }
    return false;
}

static bool is_star(const char *value, size_t len) {
    cur c = {value, value + len};
    while (c.p < c.end && (*c.p == ' ' || *c.p == '\t'))
        c.p++;
    while (c.end > c.p && (c.end[-1] == ' ' || c.end[-1] == '\t'))
        c.end--;
    return c.end - c.p == 1 && *c.p == '*';
}

bool h3cli_http_if_none_match(const char *value, size_t len, const char *etag) {
    /* "*" matches any current representation, and a file exists here. */
    return is_star(value, len) || list_has(value, len, etag, false);
}

bool h3cli_http_not_modified(const char *inm, size_t inm_len, const char *ims,
                             size_t ims_len, const char *etag, time_t mtime) {
    if (inm)
        return h3cli_http_if_none_match(inm, inm_len, etag);
    time_t since;
    /* §13.1.3: an invalid date is ignored, as if the field were absent. */
    if (!ims || h3cli_http_date_parse(ims, ims_len, time(NULL), &since) != 0)
        return false;
    return mtime <= since;
}

bool h3cli_http_if_range(const char *value, size_t len, const char *etag,
                         time_t mtime) {
    if (!value)
        return true;
    cur c = {value, value + len};
    const char *tag;
    size_t tlen;
    bool weak;
    if ((len > 0 && value[0] == '"') ||
        (len > 1 && value[0] == 'W' && value[1] == '/')) {
        if (!entity_tag(&c, &tag, &tlen, &weak) || c.p != c.end || weak)
            return false;
        return tlen == strlen(etag) && memcmp(tag, etag, tlen) == 0;
    }
    time_t when;
    return h3cli_http_date_parse(value, len, time(NULL), &when) == 0 &&
           when == mtime;
}

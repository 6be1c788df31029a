/* cmd/url.c — parses https URLs the way curl's command line does and
 * resolves Location references (RFC 3986 §5.2); it never resolves names. */
#include "cmd/url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A piece of the input: |p| is NULL when the component is absent, which
 * RFC 3986 distinguishes from present-but-empty (§5.2.2 tests "defined"). */
typedef struct span {
    const char *p;
    size_t len;
} span;

/* The five components of a URI reference (RFC 3986 Appendix B). */
typedef struct uri_parts {
    span scheme, authority, path, query, fragment;
} uri_parts;

static bool is_alpha(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(int c) {
    return c >= '0' && c <= '9';
}

static bool is_scheme_char(int c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

/* Length of the scheme name at the start of |s| when followed by ':', 0 if
 * there is none (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )). */
static size_t scheme_len(const char *s) {
    if (!is_alpha((unsigned char)s[0]))
        return 0;
    size_t n = 1;
    while (is_scheme_char((unsigned char)s[n]))
        n++;
    return s[n] == ':' ? n : 0;
}

/* The path, query and fragment of |s|, which follows a scheme and an
 * authority already taken: a path starting with "//" stays a path
 * (RFC 3986 §3.3: after an authority it is "/" segments, some empty). */
static void split_path_query_fragment(const char *s, uri_parts *u) {
    size_t p = strcspn(s, "?#");
    u->path = (span){s, p};
    s += p;
    if (*s == '?') {
        s++;
        size_t q = strcspn(s, "#");
        u->query = (span){s, q};
        s += q;
    }
    if (*s == '#')
        u->fragment = (span){s + 1, strlen(s + 1)};
}

/* Splits |s| per RFC 3986 Appendix B's regular expression. */
static void split_reference(const char *s, uri_parts *u) {
    memset(u, 0, sizeof(*u));
    size_t n = scheme_len(s);
    if (n > 0) {
        u->scheme = (span){s, n};
        s += n + 1;
    }
    if (s[0] == '/' && s[1] == '/') {
        s += 2;
        size_t a = strcspn(s, "/?#");
        u->authority = (span){s, a};
        s += a;
    }
    split_path_query_fragment(s, u);
}

/* Drops the last segment of the output path s[0..*w) and its '/'. */
static void pop_segment(const char *s, size_t *w) {
    while (*w > 0 && s[*w - 1] != '/')
        (*w)--;
    if (*w > 0)
        (*w)--;
}

size_t h3cli_url_remove_dot_segments(char *s) {
    size_t len = strlen(s), r = 0, w = 0;
    /* RFC 3986 §5.2.4, in place: the output never outruns the input, so
     * w <= r holds and rewriting input bytes at r.. is safe. */
    while (r < len) {
        const char *in = s + r;
        size_t left = len - r;
        if (strncmp(in, "../", 3) == 0) {
            r += 3; /* A */
        } else if (strncmp(in, "./", 2) == 0) {
            r += 2; /* A */
        } else if (strncmp(in, "/./", 3) == 0) {
            r += 2; /* B */
        } else if (left == 2 && strncmp(in, "/.", 2) == 0) {
            s[r + 1] = '/'; /* B: "/." at the end becomes "/" */
            r += 1;
        } else if (strncmp(in, "/../", 4) == 0) {
            r += 3; /* C */
            pop_segment(s, &w);
        } else if (left == 3 && strncmp(in, "/..", 3) == 0) {
            s[r + 2] = '/'; /* C */
            r += 2;
            pop_segment(s, &w);
        } else if ((left == 1 && in[0] == '.') ||
                   (left == 2 && strncmp(in, "..", 2) == 0)) {
            r = len; /* D */
        } else {
            /* E: move "/segment" (or a leading "segment") to the output */
            size_t seg = 1 + strcspn(in + 1, "/");
            if (in[0] != '/')
                seg = strcspn(in, "/");
            memmove(s + w, in, seg);
            w += seg;
            r += seg;
        }
    }
    s[w] = '\0';
    return w;
}

static int fail(h3cli_url *out, int code, const char *msg) {
    h3cli_url_cleanup(out);
    snprintf(out->error, sizeof(out->error), "%s", msg);
    return code;
}

static bool has_space_or_control(const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= 0x20 || c == 0x7f)
            return true;
    }
    return false;
}

/* Registered names and IPv4 literals: letters, digits, "-._~"; bytes >= 0x80
 * are let through for IDN names, which then fail resolution (exit 6) like an
 * unknown name would. */
static bool is_host_char(unsigned char c) {
    return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' ||
           c == '~' || c >= 0x80;
}

/* Parses the decimal port in |s| (may be empty: RFC 3986 §3.2.3 allows it and
 * it means the default). Returns false when not 1..65535. */
static bool parse_port(span s, uint16_t *port, bool *given) {
    *given = s.len > 0;
    if (s.len == 0) {
        *port = H3CLI_URL_DEFAULT_PORT;
        return true;
    }
    if (s.len > 5)
        return false;
    unsigned long v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (!is_digit((unsigned char)s.p[i]))
            return false;
        v = v * 10 + (unsigned long)(s.p[i] - '0');
    }
    if (v == 0 || v > 65535)
        return false;
    *port = (uint16_t)v;
    return true;
}

static char *dup_span(span s) {
    char *d = malloc(s.len + 1);
    if (d) {
        memcpy(d, s.p, s.len);
        d[s.len] = '\0';
    }
    return d;
}

/* Copies |s| with bytes >= 0x80 percent-encoded (they are not URI
 * characters, RFC 3986 §2; browsers and curl send them encoded). */
static char *dup_encoded(span s) {
    size_t extra = 0;
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.p[i] >= 0x80)
            extra += 2;
    char *d = malloc(s.len + extra + 1), *w = d;
    if (!d)
        return NULL;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 0x80) {
            snprintf(w, 4, "%%%02X", c);
            w += 3;
        } else {
            *w++ = (char)c;
        }
    }
    *w = '\0';
    return d;
}

/* Splits the authority into host and port (userinfo already removed) and
 * validates both; on failure returns the curl message. */
static const char *parse_host_port(h3cli_url *out, span a) {
    span host, port = {NULL, 0};
    if (a.len > 0 && a.p[0] == '[') {
        const char *close = memchr(a.p, ']', a.len);
        if (!close)
            return "URL rejected: Bad IPv6 address";
        host = (span){a.p + 1, (size_t)(close - a.p - 1)};
        size_t rest = a.len - (size_t)(close - a.p) - 1;
        if (rest > 0 && close[1] != ':')
            return "URL rejected: Malformed input to a URL function";
        if (rest > 0)
            port = (span){close + 2, rest - 1};
        char buf[INET6_ADDRSTRLEN];
        struct in6_addr v6;
        if (host.len == 0 || host.len >= sizeof(buf))
            return "URL rejected: Bad IPv6 address";
        memcpy(buf, host.p, host.len);
        buf[host.len] = '\0';
        if (inet_pton(AF_INET6, buf, &v6) != 1)
            return "URL rejected: Bad IPv6 address";
        out->host_is_ipv6 = true;
    } else {
        const char *colon = memchr(a.p, ':', a.len);
        host = (span){a.p, colon ? (size_t)(colon - a.p) : a.len};
        if (colon)
            port = (span){colon + 1, a.len - host.len - 1};
        if (host.len == 0)
            return "URL rejected: No host part in the URL";
        for (size_t i = 0; i < host.len; i++)
            if (!is_host_char((unsigned char)host.p[i]))
                return "URL rejected: Bad hostname";
    }
    if (!parse_port(port, &out->port, &out->port_given))
        return "URL rejected: Port number was not a decimal number between "
               "0 and 65535";
    out->host = dup_span(host);
    return out->host ? NULL : "";
}

/* Builds :authority and :path from the parsed pieces. */
static int build_pseudo(h3cli_url *out) {
    size_t hlen = strlen(out->host), plen = strlen(out->path);
    size_t qlen = out->query ? strlen(out->query) + 1 : 0;
    out->authority = malloc(hlen + 2 + 7);
    out->target = malloc(plen + qlen + 1);
    if (!out->authority || !out->target)
        return H3CLI_URL_ERR_NOMEM;
    const char *l = out->host_is_ipv6 ? "[" : "",
               *r = out->host_is_ipv6 ? "]" : "";
    if (out->port != H3CLI_URL_DEFAULT_PORT)
        snprintf(out->authority, hlen + 9, "%s%s%s:%u", l, out->host, r,
                 (unsigned)out->port);
    else
        snprintf(out->authority, hlen + 9, "%s%s%s", l, out->host, r);
    snprintf(out->target, plen + qlen + 1, "%s%s%s", out->path,
             out->query ? "?" : "", out->query ? out->query : "");
    return 0;
}

/* Checks the scheme and returns where the authority starts, or NULL with
 * *rc set. */
static const char *parse_scheme(h3cli_url *out, const char *text, int *rc) {
    size_t n = scheme_len(text);
    /* curl guesses a scheme only for "name://" forms; "host:443" is a host
     * and a port. */
    if (n == 0 || text[n + 1] != '/')
        return text;
    if (n != 5 || strncasecmp(text, "https", 5) != 0) {
        *rc = H3CLI_URL_ERR_UNSUPPORTED;
        snprintf(out->error, sizeof(out->error),
                 "Protocol \"%.*s\" not supported", (int)(n > 40 ? 40 : n),
                 text);
        return NULL;
    }
    if (text[n + 2] != '/') {
        *rc = fail(out, H3CLI_URL_ERR_MALFORMED,
                   "URL rejected: Malformed input to a URL function");
        return NULL;
    }
    return text + n + 3;
}

int h3cli_url_parse(h3cli_url *out, const char *text, unsigned flags) {
    memset(out, 0, sizeof(*out));
    if (has_space_or_control(text) || text[0] == '\0')
        return fail(out, H3CLI_URL_ERR_MALFORMED,
                    "URL rejected: Malformed input to a URL function");
    int rc = 0;
    const char *s = parse_scheme(out, text, &rc);
    if (!s)
        return rc;
    span auth = {s, strcspn(s, "/?#")};
    const char *at = NULL;
    for (size_t i = 0; i < auth.len; i++)
        if (auth.p[i] == '@')
            at = auth.p + i;
    if (at) {
        out->userinfo_dropped = true;
        auth = (span){at + 1, auth.len - (size_t)(at + 1 - auth.p)};
    }
    const char *why = parse_host_port(out, auth);
    if (why)
        return *why ? fail(out, H3CLI_URL_ERR_MALFORMED, why)
                    : fail(out, H3CLI_URL_ERR_NOMEM, "Out of memory");
    uri_parts u;
    memset(&u, 0, sizeof(u));
    /* Not split_reference: "https://h//x" has the path "//x", as in curl. */
    split_path_query_fragment(auth.p + auth.len, &u);
    out->path = u.path.len ? dup_encoded(u.path) : dup_span((span){"/", 1});
    out->query = u.query.p ? dup_encoded(u.query) : NULL;
    if (!out->path || (u.query.p && !out->query))
        return fail(out, H3CLI_URL_ERR_NOMEM, "Out of memory");
    /* curl squashes dot segments too (unless --path-as-is); a path that
     * starts with '/' never becomes empty (§5.2.4 keeps the last '/'). */
    if (!(flags & H3CLI_URL_PATH_AS_IS))
        h3cli_url_remove_dot_segments(out->path);
    if (build_pseudo(out) != 0)
        return fail(out, H3CLI_URL_ERR_NOMEM, "Out of memory");
    return 0;
}

void h3cli_url_cleanup(h3cli_url *url) {
    free(url->host);
    free(url->path);
    free(url->query);
    free(url->authority);
    free(url->target);
    url->host = url->path = url->query = url->authority = url->target = NULL;
}

/* RFC 3986 §5.2.3: the base path up to its last '/', then the reference. */
static char *merge_paths(const char *base_path, span ref) {
    const char *slash = strrchr(base_path, '/');
    size_t keep = slash ? (size_t)(slash - base_path) + 1 : 0;
    char *m = malloc(keep + ref.len + 2);
    if (!m)
        return NULL;
    if (keep == 0) /* base with authority and empty path */
        m[keep++] = '/';
    else
        memcpy(m, base_path, keep);
    memcpy(m + keep, ref.p, ref.len);
    m[keep + ref.len] = '\0';
    return m;
}

/* Joins the target components (§5.3) into a new string. */
static char *recompose(span scheme, span authority, const char *path,
                       span query) {
    size_t n = scheme.len + authority.len + strlen(path) + query.len + 8;
    char *s = malloc(n);
    if (!s)
        return NULL;
    snprintf(s, n, "%.*s:%s%.*s%s%s%.*s", (int)scheme.len, scheme.p,
             authority.p ? "//" : "", (int)authority.len,
             authority.p ? authority.p : "", path, query.p ? "?" : "",
             (int)query.len, query.p ? query.p : "");
    return s;
}

int h3cli_url_resolve(const h3cli_url *base, const char *ref, char **out) {
    *out = NULL;
    if (has_space_or_control(ref))
        return H3CLI_URL_ERR_MALFORMED;
    uri_parts r;
    split_reference(ref, &r);
    span scheme = r.scheme.p ? r.scheme : (span){"https", 5};
    span authority = r.authority;
    span query = r.query;
    char *path;
    if (r.scheme.p || r.authority.p || (r.path.len && r.path.p[0] == '/')) {
        path = dup_span(r.path);
    } else if (r.path.len == 0) {
        path = dup_span((span){base->path, strlen(base->path)});
        if (!r.query.p && base->query)
            query = (span){base->query, strlen(base->query)};
    } else {
        path = merge_paths(base->path, r.path);
    }
    if (!r.scheme.p && !r.authority.p)
        authority = (span){base->authority, strlen(base->authority)};
    if (!path)
        return H3CLI_URL_ERR_NOMEM;
    h3cli_url_remove_dot_segments(path);
    *out = recompose(scheme, authority, path, query);
    free(path);
    return *out ? 0 : H3CLI_URL_ERR_NOMEM;
}

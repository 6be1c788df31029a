/* cmd/get_request.c — what `get` sends: the header fields from the URL,
 * -A and -H (curl's add/replace/remove rules) and the -d/--data-binary
 * body; no network code. */
#include "cmd/get.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define MAX_BODY_BYTES (1024ull * 1024 * 1024)

/* RFC 9114 §4.2: connection-specific fields must not be sent. */
static const char *const forbidden[] = {"connection", "keep-alive",
                                        "proxy-connection", "transfer-encoding",
                                        "upgrade"};

/* Reads all of |fd| into a new buffer. Returns 0 or a negative errno. */
static int read_all(int fd, uint8_t **out, size_t *len) {
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_BODY_BYTES) {
                free(buf);
                return -EFBIG;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int err = -errno;
            free(buf);
            return err;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* Prints curl's error 27 line; returns GET_OUT_OF_MEMORY. */
static int out_of_memory(void) {
    fprintf(stderr, "h3cli: (27) Out of memory\n");
    return GET_OUT_OF_MEMORY;
}

/* "@file" or "@-": the file's bytes. Prints curl's error 26 on failure, or
 * 27 when the bytes do not fit in memory. */
static int read_at_arg(const char *arg, uint8_t **out, size_t *len) {
    const char *path = arg + 1;
    int fd = strcmp(path, "-") == 0 ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd < 0 ? -errno : read_all(fd, out, len);
    if (fd > 0)
        close(fd);
    if (rc == -ENOMEM)
        return out_of_memory();
    if (rc < 0) {
        fprintf(stderr,
                "h3cli: (26) Failed to open/read local data from "
                "file/application: %s: %s\n",
                path, strerror(-rc));
        return GET_READ_ERROR;
    }
    return 0;
}

int get_add_header_arg(get_opts *o, const char *arg) {
    if (arg[0] != '@') {
        if (o->n_headers >= sizeof(o->headers) / sizeof(o->headers[0]))
            return GET_USAGE;
        o->headers[o->n_headers++] = arg;
        return 0;
    }
    uint8_t *buf;
    size_t len;
    int rc = read_at_arg(arg, &buf, &len);
    if (rc)
        return rc;
    char *text = realloc(buf, len + 1);
    if (!text) {
        free(buf);
        return out_of_memory();
    }
    text[len] = '\0';
    if (o->n_header_files >= 16) {
        free(text);
        return GET_USAGE;
    }
    o->header_files[o->n_header_files++] = text;
    for (char *line = strtok(text, "\r\n"); line; line = strtok(NULL, "\r\n"))
        if (*line && o->n_headers < sizeof(o->headers) / sizeof(o->headers[0]))
            o->headers[o->n_headers++] = line;
    return 0;
}

static int append_data(get_opts *o, const uint8_t *p, size_t len) {
    size_t extra = len + (o->has_data ? 1 : 0);
    uint8_t *nd = realloc(o->data, o->data_len + extra + 1);
    if (!nd)
        return out_of_memory();
    o->data = nd;
    if (o->has_data)
        o->data[o->data_len++] = '&';
    memcpy(o->data + o->data_len, p, len);
    o->data_len += len;
    o->has_data = true;
    return 0;
}

int get_add_data_arg(get_opts *o, const char *arg, bool binary) {
    if (arg[0] != '@')
        return append_data(o, (const uint8_t *)arg, strlen(arg));
    uint8_t *buf;
    size_t len;
    int rc = read_at_arg(arg, &buf, &len);
    if (rc)
        return rc;
    if (!binary) { /* curl: -d @file drops carriage returns and newlines */
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (buf[i] != '\r' && buf[i] != '\n')
                buf[k++] = buf[i];
        len = k;
    }
    rc = append_data(o, buf, len);
    free(buf);
    return rc;
}

const char *get_method(const get_xfer *x) {
    const get_opts *o = &x->g->o;
    if (o->method)
        return o->method;
    if (o->head)
        return "HEAD";
    return o->has_data && !x->as_get ? "POST" : "GET";
}

bool get_has_body(const get_xfer *x) {
    return x->g->o.has_data && !x->as_get;
}

/* The name of an -H argument (up to ':' or ';') and what follows. */
typedef struct header_arg {
    const char *name;
    size_t name_len;
    const char *value; /* after the separator and spaces */
    bool removal;      /* "Name:" with nothing after it */
    bool empty;        /* "Name;" */
} header_arg;

static bool parse_header_arg(const char *s, header_arg *h) {
    size_t n = strcspn(s, ":;");
    if (n == 0 || s[n] == '\0')
        return false;
    h->name = s;
    h->name_len = n;
    while (h->name_len > 0 && isspace((unsigned char)s[h->name_len - 1]))
        h->name_len--;
    const char *v = s + n + 1;
    while (*v == ' ' || *v == '\t')
        v++;
    h->value = v;
    h->removal = s[n] == ':' && *v == '\0';
    h->empty = s[n] == ';' && *v == '\0';
    if (s[n] == ';' && !h->empty)
        return false; /* "a;b" is no header line */
    return h->name_len > 0;
}

static bool name_is(const header_arg *h, const char *name) {
    return h->name_len == strlen(name) &&
           strncasecmp(h->name, name, h->name_len) == 0;
}

/* The -H that overrides (or removes) |name|, or NULL. */
static bool user_header(const get_opts *o, const char *name, header_arg *out) {
    for (size_t i = 0; i < o->n_headers; i++)
        if (parse_header_arg(o->headers[i], out) && name_is(out, name))
            return true;
    return false;
}

typedef struct req_builder {
    h3_header *h;
    size_t n, cap;
    char *store;
    size_t used, store_cap;
} req_builder;

/* Copies |len| bytes into the store (lowercased when |lower|). */
static const uint8_t *keep(req_builder *b, const char *s, size_t len,
                           bool lower) {
    if (b->used + len > b->store_cap)
        return NULL;
    char *p = b->store + b->used;
    for (size_t i = 0; i < len; i++)
        p[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
    b->used += len;
    return (const uint8_t *)p;
}

static void put(req_builder *b, const char *name, size_t name_len,
                const char *value, size_t value_len) {
    if (b->n >= b->cap)
        return;
    const uint8_t *n = keep(b, name, name_len, true);
    const uint8_t *v = keep(b, value, value_len, false);
    if (!n || !v)
        return;
    b->h[b->n++] = (h3_header){n, name_len, v, value_len};
}

static void put_str(req_builder *b, const char *name, const char *value) {
    put(b, name, strlen(name), value, strlen(value));
}

/* An internal field (user-agent, accept, content-*), unless -H names it. */
static void put_default(req_builder *b, const get_opts *o, const char *name,
                        const char *value) {
    header_arg h;
    if (!user_header(o, name, &h))
        put_str(b, name, value);
}

static bool is_forbidden(const header_arg *h) {
    for (size_t i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++)
        if (name_is(h, forbidden[i]))
            return true;
    return name_is(h, "host") ||
           (name_is(h, "te") && strcasecmp(h->value, "trailers") != 0);
}

size_t get_build_request(const get_xfer *x, h3_header *out, size_t cap,
                         char *store, size_t store_cap) {
    const get_opts *o = &x->g->o;
    req_builder b = {out, 0, cap, store, 0, store_cap};
    header_arg host;
    const char *authority = x->url.authority;
    if (user_header(o, "host", &host) && !host.removal)
        authority = host.value; /* curl: -H Host sets :authority */
    put_str(&b, ":method", get_method(x));
    put_str(&b, ":scheme", "https");
    put_str(&b, ":authority", authority);
    put_str(&b, ":path", x->url.target);
    const char *ua = o->user_agent ? o->user_agent : "h3cli/" H3CLI_VERSION;
    if (*ua)
        put_default(&b, o, "user-agent", ua);
    put_default(&b, o, "accept", "*/*");
    char clen[24];
    if (get_has_body(x)) {
        put_default(&b, o, "content-type", "application/x-www-form-urlencoded");
        snprintf(clen, sizeof(clen), "%zu", o->data_len);
        put_default(&b, o, "content-length", clen);
    }
    for (size_t i = 0; i < o->n_headers; i++) {
        header_arg h;
        if (!parse_header_arg(o->headers[i], &h) || h.removal ||
            is_forbidden(&h))
            continue;
        if (name_is(&h, "content-length") && !get_has_body(x))
            continue;
        put(&b, h.name, h.name_len, h.empty ? "" : h.value,
            h.empty ? 0 : strlen(h.value));
    }
    return b.n;
}

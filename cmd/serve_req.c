/* cmd/serve_req.c — one request of `h3cli serve`: maps it to a file, a
 * listing, a redirect, an error or the echo endpoint, sends the response
 * (files in bounded by-reference chunks as acknowledgements make room) and
 * writes the access-log line. No socket or event-loop code. */
#include "cmd/serve.h"

#include "cmd/addr.h"
#include "cmd/http_date.h"
#include "cmd/mime.h"
#include "cmd/output.h"
#include "cmd/range.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_SIZE (64 * 1024)
#define MAX_FREE_CHUNKS 64
/* Bytes a connection's file responses keep queued and unacknowledged, all
 * together: twice the congestion window, at least SEND_CAP_MIN and at most
 * SEND_CAP_MAX, shared evenly by the responses in progress. */
#define SEND_CAP_MIN (1024 * 1024)
#define SEND_CAP_MAX (16 * 1024 * 1024)
/* An echo request whose answer the client does not read stops here. */
#define ECHO_MAX_BUFFERED (64 * 1024 * 1024)
#define MAX_LOGGED_PATH 2048

struct serve_chunk {
    server *srv;
    serve_chunk *next;
    uint8_t data[CHUNK_SIZE];
};

/* The request header fields a response depends on (values not
 * NUL-terminated). */
typedef struct req_fields {
    const uint8_t *method, *path, *inm, *ims, *range, *if_range, *ctype;
    size_t method_len, path_len, inm_len, ims_len, range_len, if_range_len,
        ctype_len;
} req_fields;

/* ---- Chunk pool ---------------------------------------------------------- */

static serve_chunk *chunk_get(server *srv) {
    serve_chunk *ch = srv->free_chunks;
    if (ch) {
        srv->free_chunks = ch->next;
        srv->n_free_chunks--;
        return ch;
    }
    ch = malloc(sizeof(*ch));
    if (ch)
        ch->srv = srv;
    return ch;
}

static void chunk_put(serve_chunk *ch) {
    server *srv = ch->srv;
    if (srv->n_free_chunks >= MAX_FREE_CHUNKS) {
        free(ch);
        return;
    }
    ch->next = srv->free_chunks;
    srv->free_chunks = ch;
    srv->n_free_chunks++;
}

/* The engine's release callback: the chunk's bytes were acknowledged (or
 * the stream or connection is gone). */
static void chunk_release(void *arg) {
    chunk_put(arg);
}

void serve_chunks_free(server *srv) {
    while (srv->free_chunks) {
        serve_chunk *ch = srv->free_chunks;
        srv->free_chunks = ch->next;
        free(ch);
    }
    srv->n_free_chunks = 0;
}

/* ---- Requests ------------------------------------------------------------ */

static serve_req *find_req(serve_conn *c, uint64_t stream_id) {
    for (serve_req *r = c->reqs; r; r = r->next)
        if (r->stream_id == stream_id)
            return r;
    return NULL;
}

/* The path as the log shows it: bytes outside printable ASCII, spaces and
 * quotes percent-encoded, cut at MAX_LOGGED_PATH. */
static char *log_path(const uint8_t *p, size_t len) {
    if (len > MAX_LOGGED_PATH)
        len = MAX_LOGGED_PATH;
    char *s = malloc(3 * len + 1);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] <= 0x20 || p[i] >= 0x7f || p[i] == '"')
            o += (size_t)sprintf(s + o, "%%%02X", p[i]);
        else
            s[o++] = (char)p[i];
    }
    s[o] = '\0';
    return s;
}

static void log_req(serve_req *r, const char *outcome) {
    serve_conn *c = r->conn;
    server *srv = c->srv;
    if (r->logged)
        return;
    r->logged = true;
    /* The client's address now: a connection that migrated (RFC 9000 §9)
     * is logged with the address it moved to. */
    quic_conn_stats st;
    quic_conn_get_stats(c->quic, &st);
    struct sockaddr_storage ss;
    if (h3cli_addr_from_quic(&st.peer_addr, &ss))
        h3cli_addr_format((const struct sockaddr *)&ss, true, c->peer_text,
                          sizeof(c->peer_text));
    double ms = (double)(h3cli_now() - r->start) / 1e6;
    const char *path = r->path ? r->path : "-";
    if (srv->o.events) {
        h3cli_evline l;
        h3cli_evline_begin(&l, stdout, srv->o.json, "serve", "request");
        h3cli_evline_u64(&l, "conn", c->id);
        h3cli_evline_u64(&l, "stream_id", r->stream_id);
        h3cli_evline_str(&l, "peer", c->peer_text);
        h3cli_evline_str(&l, "method", r->method);
        h3cli_evline_str(&l, "path", path);
        h3cli_evline_u64(&l, "status", (uint64_t)r->status);
        h3cli_evline_u64(&l, "bytes", r->body_bytes);
        h3cli_evline_fixed(&l, "duration_ms", ms, 3);
        if (outcome)
            h3cli_evline_str(&l, "outcome", outcome);
        h3cli_evline_end(&l);
    } else if (!srv->o.quiet) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        struct tm tm;
        gmtime_r(&ts.tv_sec, &tm);
        char when[32];
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        printf("%s.%03ldZ %s \"%s %s\" %d %" PRIu64 " %.3fms%s%s\n", when,
               ts.tv_nsec / 1000000, c->peer_text, r->method, path, r->status,
               r->body_bytes, ms, outcome ? " " : "", outcome ? outcome : "");
    }
    fflush(stdout);
}

static void free_req(serve_req *r) {
    serve_conn *c = r->conn;
    for (serve_req **p = &c->reqs; *p; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    if (r->fd >= 0)
        close(r->fd);
    free(r->mem);
    free(r->path);
    free(r);
}

/* Remembers a stream whose response is queued to the end, so that a
 * graceful shutdown does not close before it is delivered. */
static void note_draining(serve_conn *c, uint64_t stream_id) {
    if (c->n_draining == c->cap_draining) {
        size_t cap = c->cap_draining ? 2 * c->cap_draining : 16;
        uint64_t *d = realloc(c->draining, cap * sizeof(*d));
        if (!d)
            return;
        c->draining = d;
        c->cap_draining = cap;
    }
    c->draining[c->n_draining++] = stream_id;
}

bool serve_conn_draining(serve_conn *c) {
    size_t k = 0;
    for (size_t i = 0; i < c->n_draining; i++)
        if (quic_conn_stream_send_buffered(c->quic, c->draining[i]) > 0)
            c->draining[k++] = c->draining[i];
    c->n_draining = k;
    return k > 0;
}

/* The response is complete (FIN queued) or abandoned. */
static void finish_req(serve_req *r, const char *outcome) {
    if (r->fin_sent)
        note_draining(r->conn, r->stream_id);
    log_req(r, outcome);
    free_req(r);
}

void serve_reqs_free(serve_conn *c) {
    while (c->reqs)
        finish_req(c->reqs, c->reqs->fin_sent ? NULL : "aborted");
}

/* ---- Sending --------------------------------------------------------------
 */

#define MAX_RESP_HEADERS 12

typedef struct resp_headers {
    h3_header h[MAX_RESP_HEADERS];
    size_t n;
    char status[4], date[32]; /* storage for the first values */
} resp_headers;

/* Rewrites the :status value (always the first field). */
static void set_status(resp_headers *rh, int status) {
    snprintf(rh->status, sizeof(rh->status), "%03u", (unsigned)status % 1000u);
}

static void add(resp_headers *rh, const char *name, const char *value) {
    if (rh->n >= MAX_RESP_HEADERS)
        return;
    rh->h[rh->n++] = (h3_header){(const uint8_t *)name, strlen(name),
                                 (const uint8_t *)value, strlen(value)};
}

/* Sends the header section; with |end| the response is complete. Returns
 * false (after resetting the stream) when h3 refuses it. */
static bool send_headers(serve_req *r, resp_headers *rh, bool end) {
    serve_conn *c = r->conn;
    int rc = h3_conn_send_headers(c->h3, r->stream_id, rh->h, rh->n, end);
    if (rc < 0) {
        h3_conn_reset_stream(c->h3, r->stream_id, H3_INTERNAL_ERROR);
        return false;
    }
    return true;
}

static void start_headers(resp_headers *rh) {
    rh->n = 0;
    set_status(rh, 200);
    add(rh, ":status", rh->status);
    add(rh, "server", "h3cli/" H3CLI_VERSION);
    if (h3cli_http_date_format(time(NULL), rh->date, sizeof(rh->date)) > 0)
        add(rh, "date", rh->date);
}

static const char *reason(int status) {
    switch (status) {
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 416: return "Range Not Satisfiable";
    case 431: return "Request Header Fields Too Large";
    }
    return "Internal Server Error";
}

/* A small text/plain (or given) body held in memory, sent at once. */
static void respond_memory(serve_req *r, int status, resp_headers *rh,
                           char *body, size_t len, const char *ctype,
                           bool head) {
    char clen[24];
    snprintf(clen, sizeof(clen), "%zu", len);
    add(rh, "content-type", ctype);
    add(rh, "content-length", clen);
    r->status = status;
    set_status(rh, status);
    if (!send_headers(r, rh, head || len == 0)) {
        free(body);
        finish_req(r, "refused");
        return;
    }
    if (!head && len > 0) {
        if (h3_conn_send_data(r->conn->h3, r->stream_id, (uint8_t *)body, len,
                              true) < 0) {
            free(body);
            finish_req(r, "refused");
            return;
        }
        r->body_bytes = len;
    }
    free(body);
    r->fin_sent = true;
    finish_req(r, NULL);
}

static void respond_error(serve_req *r, int status, resp_headers *rh,
                          bool head) {
    char *body = malloc(64);
    int n = body ? snprintf(body, 64, "%d %s\n", status, reason(status)) : 0;
    respond_memory(r, status, rh, body, (size_t)n, "text/plain; charset=utf-8",
                   head);
}

/* 200, 206, 304 or 416 for a regular file, after the conditional and
 * range checks of RFC 9110 §13.2.2 and §14.2. */
static void respond_file(serve_req *r, const req_fields *f, h3cli_file *file,
                         resp_headers *rh, bool head) {
    char etag[H3CLI_HTTP_ETAG_MAX], lastmod[32], clen[24], crange[64];
    h3cli_http_etag(&file->st, etag, sizeof(etag));
    h3cli_http_date_format(file->st.st_mtime, lastmod, sizeof(lastmod));
    add(rh, "etag", etag);
    add(rh, "last-modified", lastmod);
    uint64_t size = (uint64_t)file->st.st_size, first = 0, length = size;
    if (h3cli_http_not_modified((const char *)f->inm, f->inm_len,
                                (const char *)f->ims, f->ims_len, etag,
                                file->st.st_mtime)) {
        r->status = 304;
        set_status(rh, 304);
        if (send_headers(r, rh, true))
            r->fin_sent = true;
        finish_req(r, r->fin_sent ? NULL : "refused");
        return;
    }
    h3cli_range_result range = H3CLI_RANGE_FULL;
    if (f->range && !head &&
        h3cli_http_if_range((const char *)f->if_range, f->if_range_len, etag,
                            file->st.st_mtime))
        range = h3cli_range_parse((const char *)f->range, f->range_len, size,
                                  &first, &length);
    if (range == H3CLI_RANGE_UNSATISFIABLE) {
        h3cli_range_content_range(crange, sizeof(crange), range, 0, 0, size);
        add(rh, "content-range", crange);
        respond_error(r, 416, rh, head);
        return;
    }
    r->status = range == H3CLI_RANGE_PARTIAL ? 206 : 200;
    set_status(rh, r->status);
    if (range == H3CLI_RANGE_PARTIAL) {
        h3cli_range_content_range(crange, sizeof(crange), range, first, length,
                                  size);
        add(rh, "content-range", crange);
    }
    snprintf(clen, sizeof(clen), "%" PRIu64, length);
    add(rh, "content-type", h3cli_mime_type(file->name));
    add(rh, "content-length", clen);
    add(rh, "accept-ranges", "bytes");
    bool end = head || length == 0;
    if (!send_headers(r, rh, end)) {
        finish_req(r, "refused");
        return;
    }
    if (end) {
        r->fin_sent = true;
        finish_req(r, NULL);
        return;
    }
    r->body = SERVE_BODY_FILE;
    r->fd = file->fd;
    file->fd = -1; /* the request owns it now */
    r->offset = first;
    r->remaining = length;
}

static void get_fields(const h3_header *h, size_t n, req_fields *f) {
    memset(f, 0, sizeof(*f));
    static const struct {
        const char *name;
        size_t off_p, off_len;
    } map[] = {
        {":method", offsetof(req_fields, method),
         offsetof(req_fields, method_len)},
        {":path", offsetof(req_fields, path), offsetof(req_fields, path_len)},
        {"if-none-match", offsetof(req_fields, inm),
         offsetof(req_fields, inm_len)},
        {"if-modified-since", offsetof(req_fields, ims),
         offsetof(req_fields, ims_len)},
        {"range", offsetof(req_fields, range), offsetof(req_fields, range_len)},
        {"if-range", offsetof(req_fields, if_range),
         offsetof(req_fields, if_range_len)},
        {"content-type", offsetof(req_fields, ctype),
         offsetof(req_fields, ctype_len)},
    };
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
            size_t len = strlen(map[k].name);
            if (h[i].name_len != len || memcmp(h[i].name, map[k].name, len))
                continue;
            const uint8_t **p = (const uint8_t **)((char *)f + map[k].off_p);
            size_t *plen = (size_t *)((char *)f + map[k].off_len);
            if (!*p) { /* the first occurrence counts */
                *p = h[i].value;
                *plen = h[i].value_len;
            }
        }
    }
}

static bool method_is(const req_fields *f, const char *m) {
    return f->method_len == strlen(m) &&
           memcmp(f->method, m, f->method_len) == 0;
}

static bool is_echo_path(const server *srv, const req_fields *f) {
    const char *echo = srv->o.echo_path;
    if (!echo || !f->path)
        return false;
    const uint8_t *q = memchr(f->path, '?', f->path_len);
    size_t len = q ? (size_t)(q - f->path) : f->path_len;
    return len == strlen(echo) && memcmp(f->path, echo, len) == 0;
}

static void respond_echo(serve_req *r, const req_fields *f, resp_headers *rh,
                         bool ended) {
    char ctype[256];
    if (f->ctype && f->ctype_len < sizeof(ctype)) {
        memcpy(ctype, f->ctype, f->ctype_len);
        ctype[f->ctype_len] = '\0';
    } else {
        snprintf(ctype, sizeof(ctype), "application/octet-stream");
    }
    add(rh, "content-type", ctype);
    r->status = 200;
    r->body = SERVE_BODY_ECHO;
    if (!send_headers(r, rh, ended)) {
        finish_req(r, "refused");
        return;
    }
    if (ended) {
        r->fin_sent = true;
        finish_req(r, NULL);
    }
}

static void respond_lookup(serve_req *r, const req_fields *f, resp_headers *rh,
                           bool head) {
    server *srv = r->conn->srv;
    h3cli_file file;
    int rc = h3cli_files_lookup(&srv->root, (const char *)f->path, f->path_len,
                                &file);
    if (rc < 0) {
        respond_error(r, -rc, rh, head);
        return;
    }
    if (file.kind == H3CLI_FILE_REGULAR) {
        respond_file(r, f, &file, rh, head);
    } else if (file.kind == H3CLI_FILE_REDIRECT) {
        add(rh, "location", file.location);
        respond_error(r, 301, rh, head);
    } else {
        char *body = file.body;
        file.body = NULL;
        respond_memory(r, 200, rh, body, file.body_len,
                       "text/html; charset=utf-8", head);
    }
    h3cli_file_cleanup(&file);
}

void serve_req_start(serve_conn *c, uint64_t stream_id,
                     const h3_header *headers, size_t n, bool ended) {
    if (find_req(c, stream_id))
        return; /* trailers of a request in progress */
    serve_req *r = calloc(1, sizeof(*r));
    if (!r) {
        h3_conn_reset_stream(c->h3, stream_id, H3_INTERNAL_ERROR);
        return;
    }
    r->conn = c;
    r->stream_id = stream_id;
    r->fd = -1;
    r->start = h3cli_now();
    r->next = c->reqs;
    c->reqs = r;
    req_fields f;
    get_fields(headers, n, &f);
    snprintf(r->method, sizeof(r->method), "%.*s",
             (int)(f.method_len < 15 ? f.method_len : 15),
             f.method ? (const char *)f.method : "-");
    r->path = f.path ? log_path(f.path, f.path_len) : NULL;
    resp_headers rh;
    start_headers(&rh);
    /* RFC 9114 §4.2.2: a header section over our
     * SETTINGS_MAX_FIELD_SECTION_SIZE that h3 still decoded (within
     * h3_config.max_oversized_request_section; larger ones are reset with
     * H3_EXCESSIVE_LOAD) gets 431, and h3 has stopped reading the rest. */
    if (h3_field_section_size(headers, n) >
        h3_conn_local_settings(c->h3)->max_field_section_size) {
        respond_error(r, 431, &rh, method_is(&f, "HEAD"));
        return;
    }
    bool echo = is_echo_path(c->srv, &f);
    if (echo && (method_is(&f, "POST") || method_is(&f, "PUT"))) {
        respond_echo(r, &f, &rh, ended);
        return;
    }
    if (!ended) /* RFC 9114 §4.1: no use for the rest of the request */
        h3_conn_stop_stream(c->h3, stream_id, H3_NO_ERROR);
    bool head = method_is(&f, "HEAD");
    if (!head && !method_is(&f, "GET")) {
        add(&rh, "allow", echo ? "GET, HEAD, POST, PUT" : "GET, HEAD");
        respond_error(r, 405, &rh, false);
        return;
    }
    if (!f.path) {
        respond_error(r, 400, &rh, head);
        return;
    }
    respond_lookup(r, &f, &rh, head);
}

void serve_req_data(serve_conn *c, uint64_t stream_id, const uint8_t *data,
                    size_t len, bool ended) {
    serve_req *r = find_req(c, stream_id);
    if (!r || r->body != SERVE_BODY_ECHO || r->fin_sent)
        return;
    if (quic_conn_stream_send_buffered(c->quic, stream_id) + len >
        ECHO_MAX_BUFFERED) {
        h3_conn_reset_stream(c->h3, stream_id, H3_EXCESSIVE_LOAD);
        finish_req(r, "too much unread echo data");
        return;
    }
    if ((len > 0 || ended) &&
        h3_conn_send_data(c->h3, stream_id, data, len, ended) < 0) {
        finish_req(r, "refused");
        return;
    }
    r->body_bytes += len;
    if (ended) {
        r->fin_sent = true;
        finish_req(r, NULL);
    }
}

void serve_req_reset(serve_conn *c, uint64_t stream_id, uint64_t code) {
    serve_req *r = find_req(c, stream_id);
    if (!r)
        return;
    char outcome[64];
    snprintf(outcome, sizeof(outcome), "reset %s", h3_wire_error_name(code));
    finish_req(r, outcome);
}

static size_t send_cap(const serve_conn *c) {
    quic_conn_stats st;
    quic_conn_get_stats(c->quic, &st);
    uint64_t cap = 2 * st.cwnd;
    if (cap < SEND_CAP_MIN)
        cap = SEND_CAP_MIN;
    if (cap > SEND_CAP_MAX)
        cap = SEND_CAP_MAX;
    return (size_t)cap;
}

/* Queues the next chunk of a file response. Returns false when nothing
 * more can go now (full, done or failed). */
static bool pump_chunk(serve_req *r, size_t cap) {
    serve_conn *c = r->conn;
    if (quic_conn_stream_send_buffered(c->quic, r->stream_id) >= cap)
        return false;
    serve_chunk *ch = chunk_get(c->srv);
    if (!ch)
        return false;
    size_t want = r->remaining < CHUNK_SIZE ? (size_t)r->remaining : CHUNK_SIZE;
    ssize_t got;
    do {
        got = pread(r->fd, ch->data, want, (off_t)r->offset);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) { /* the file shrank or failed under us */
        chunk_put(ch);
        h3_conn_reset_stream(c->h3, r->stream_id, H3_INTERNAL_ERROR);
        finish_req(r, "file read failed");
        return false;
    }
    bool last = (uint64_t)got == r->remaining;
    if (h3_conn_send_data_ref(c->h3, r->stream_id, ch->data, (size_t)got, last,
                              chunk_release, ch) < 0) {
        chunk_put(ch);
        finish_req(r, "refused");
        return false;
    }
    r->offset += (uint64_t)got;
    r->remaining -= (uint64_t)got;
    r->body_bytes += (uint64_t)got;
    if (last) {
        r->fin_sent = true;
        finish_req(r, NULL);
        return false;
    }
    return true;
}

void serve_req_pump(serve_conn *c) {
    if (!c->h3 || !c->reqs)
        return;
    size_t files = 0;
    for (serve_req *r = c->reqs; r; r = r->next)
        files += r->body == SERVE_BODY_FILE;
    if (files == 0)
        return;
    size_t cap = send_cap(c) / files;
    if (cap < CHUNK_SIZE)
        cap = CHUNK_SIZE;
    serve_req *r = c->reqs;
    while (r) {
        serve_req *next = r->next; /* pump_chunk may free r */
        if (r->body == SERVE_BODY_FILE)
            while (pump_chunk(r, cap))
                ;
        r = next;
    }
}

/* cmd/get_xfer.c — one URL of `get`: sends the request, takes the
 * response (status, headers, body, trailers), writes it where curl would
 * (stdout in URL order, -o, -O, --output-dir, -i, -I), follows -L, applies
 * -f, prints -w and the error line. Connections are get_conn.c's. */
#include "cmd/get.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_REQUEST_HEADERS 300

static uint64_t us_since(const get_xfer *x, quic_time t) {
    return t > x->t_start ? (t - x->t_start) / QUIC_US : 0;
}

/* ---- Output -------------------------------------------------------------- */

/* Where this transfer's stdout output goes now: stdout itself when every
 * earlier URL's output is written, else a memory stream. */
static FILE *stdout_stream(get_xfer *x) {
    if (x->index == x->g->stdout_cursor && !x->mem_stream)
        return stdout;
    if (!x->mem_stream)
        x->mem_stream = open_memstream(&x->mem, &x->mem_len);
    return x->mem_stream;
}

void get_flush_stdout(get_run *g) {
    while (g->stdout_cursor < g->n_xfers) {
        get_xfer *x = &g->xfers[g->stdout_cursor];
        if (x->mem_stream) {
            fclose(x->mem_stream);
            x->mem_stream = NULL;
            fwrite(x->mem, 1, x->mem_len, stdout);
            free(x->mem);
            x->mem = NULL;
            x->mem_len = 0;
        }
        if (x->state != XFER_DONE)
            break;
        x->flushed = true;
        g->stdout_cursor++;
    }
    fflush(stdout);
}

/* The file name -O takes: the URL path's last segment. */
static const char *remote_name(const get_xfer *x) {
    const char *slash = strrchr(x->url.path, '/');
    return slash ? slash + 1 : x->url.path;
}

/* Decides and opens the body's destination (once). Returns false after
 * failing the transfer. */
static bool open_output(get_xfer *x) {
    get_opts *o = &x->g->o;
    if (x->out_opened)
        return true;
    x->out_opened = true;
    const get_output_spec *spec =
        x->index < o->n_outputs ? &o->outputs[x->index] : NULL;
    if (!spec) {
        x->out_is_stdout = !o->events; /* --events: the body needs -o */
        return true;
    }
    const char *name = spec->file ? spec->file : remote_name(x);
    if (spec->file && strcmp(spec->file, "-") == 0) {
        x->out_is_stdout = true;
        x->binary_checked = true; /* "-o -" means "yes, my terminal" */
        return true;
    }
    if (!*name) {
        get_xfer_fail(x, GET_WRITE_ERROR, "Remote file name has no length");
        return false;
    }
    size_t len =
        (o->output_dir ? strlen(o->output_dir) + 1 : 0) + strlen(name) + 1;
    x->out_path = malloc(len);
    if (!x->out_path) {
        get_xfer_fail(x, GET_OUT_OF_MEMORY, "Out of memory");
        return false;
    }
    if (o->output_dir && name[0] != '/')
        snprintf(x->out_path, len, "%s/%s", o->output_dir, name);
    else
        snprintf(x->out_path, len, "%s", name);
    x->out = fopen(x->out_path, "wb");
    if (!x->out) {
        get_xfer_fail(x, GET_WRITE_ERROR, "Failed to open the file %s: %s",
                      x->out_path, strerror(errno));
        return false;
    }
    return true;
}

static FILE *body_out(get_xfer *x) {
    return x->out_is_stdout ? stdout_stream(x) : x->out;
}

/* curl refuses binary output to a terminal unless told "-o -". */
static bool binary_to_terminal(get_xfer *x, const uint8_t *data, size_t len) {
    if (x->binary_checked || !x->out_is_stdout || !x->g->stdout_tty)
        return false;
    x->binary_checked = true;
    if (!memchr(data, 0, len))
        return false;
    fprintf(stderr,
            "h3cli: warning: Binary output can mess up your terminal. Use "
            "\"--output -\" to tell\nh3cli: warning: h3cli to output it to "
            "your terminal anyway, or consider \"--output\nh3cli: warning: "
            "<FILE>\" to save to a file.\n");
    return true;
}

static bool write_out(get_xfer *x, const void *p, size_t len) {
    FILE *f = body_out(x);
    if (!f || len == 0)
        return true;
    if (fwrite(p, 1, len, f) != len) {
        get_xfer_fail(x, GET_WRITE_ERROR,
                      "Failure writing output to destination");
        return false;
    }
    return true;
}

/* ---- Completion ----------------------------------------------------------
 */

static void fill_info(get_xfer *x, h3cli_transfer_info *info) {
    memset(info, 0, sizeof(*info));
    get_conn *c = x->conn;
    info->http_code = x->status;
    info->exitcode = x->exit_code;
    info->errormsg = x->exit_code ? x->errmsg : NULL;
    if (c && c->started) {
        info->remote_ip = c->peer_ip;
        info->remote_port = c->peer_port;
        info->local_ip = c->local_ip;
        info->local_port = c->local_port;
    }
    info->size_download = x->size_download;
    info->size_header = x->size_header;
    info->time_connect_us = x->t_connect;
    info->time_appconnect_us = x->t_connect;
    info->time_starttransfer_us = x->t_start_transfer;
    info->time_total_us = x->t_total;
    info->url_effective = x->url_text;
    info->headers = x->headers;
    info->n_headers = x->n_headers;
}

static void finish(get_xfer *x) {
    get_run *g = x->g;
    get_conn *c = x->conn;
    bool was_active = x->state == XFER_ACTIVE;
    x->state = XFER_DONE;
    x->t_total = us_since(x, h3cli_now());
    if (x->out) {
        if (fclose(x->out) != 0 && !x->exit_code)
            get_xfer_fail(x, GET_WRITE_ERROR,
                          "Failure writing output to destination");
        x->out = NULL;
    }
    if (x->exit_code && !x->quiet_failure && (!g->o.silent || g->o.show_error))
        fprintf(stderr, "h3cli: (%d) %s\n", x->exit_code, x->errmsg);
    if (g->o.writeout) {
        h3cli_transfer_info info;
        fill_info(x, &info);
        h3cli_writeout_print(g->o.writeout, &info, stdout_stream(x), stderr);
    }
    get_flush_stdout(g);
    if (c && was_active && c->n_active > 0)
        c->n_active--;
    if (c && c->h3 && !c->terminated) {
        get_conn_start_xfers(c);
        get_conn_maybe_close(c);
    }
    if (get_all_done(g))
        ev_break(g->loop, EVBREAK_ALL);
}

void get_xfer_fail(get_xfer *x, int code, const char *fmt, ...) {
    if (x->state == XFER_DONE)
        return;
    x->exit_code = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->errmsg, sizeof(x->errmsg), fmt, ap);
    va_end(ap);
    get_conn *c = x->conn;
    if (x->state == XFER_ACTIVE && c && c->h3 && !c->terminated &&
        x->stream_id >= 0)
        h3_conn_reset_stream(c->h3, (uint64_t)x->stream_id,
                             H3_REQUEST_CANCELLED);
    finish(x);
}

void get_xfer_done(get_xfer *x) {
    if (x->state != XFER_DONE)
        finish(x);
}

bool get_all_done(const get_run *g) {
    for (size_t i = 0; i < g->n_xfers; i++)
        if (g->xfers[i].state != XFER_DONE)
            return false;
    return true;
}

void get_xfer_cleanup(get_xfer *x) {
    if (x->out)
        fclose(x->out);
    if (x->mem_stream)
        fclose(x->mem_stream);
    free(x->mem);
    free(x->out_path);
    for (size_t i = 0; i < x->n_headers; i++) {
        free((char *)x->headers[i].name);
        free((char *)x->headers[i].value);
    }
    free(x->headers);
    h3cli_url_cleanup(&x->url);
    free(x->url_text);
}

/* ---- Request ------------------------------------------------------------- */

static size_t request_store_size(const get_xfer *x) {
    const get_opts *o = &x->g->o;
    size_t n = 1024 + strlen(x->url.authority) + strlen(x->url.target) +
               (o->user_agent ? strlen(o->user_agent) : 0);
    for (size_t i = 0; i < o->n_headers; i++)
        n += strlen(o->headers[i]);
    return n;
}

static void verbose_request(const get_xfer *x, const h3_header *h, size_t n) {
    if (!x->g->o.verbose)
        return;
    fprintf(stderr, "> %s %s HTTP/3\n", get_method(x), x->url.target);
    for (size_t i = 0; i < n; i++) {
        if (h[i].name_len == 10 && !memcmp(h[i].name, ":authority", 10))
            fprintf(stderr, "> host: %.*s\n", (int)h[i].value_len,
                    (const char *)h[i].value);
        else if (h[i].name_len && h[i].name[0] != ':')
            fprintf(stderr, "> %.*s: %.*s\n", (int)h[i].name_len,
                    (const char *)h[i].name, (int)h[i].value_len,
                    (const char *)h[i].value);
    }
    fprintf(stderr, ">\n");
}

void get_xfer_send(get_xfer *x, int64_t sid) {
    get_conn *c = x->conn;
    get_opts *o = &x->g->o;
    x->stream_id = sid;
    x->state = XFER_ACTIVE;
    if (c->t_handshake > x->t_start)
        x->t_connect = us_since(x, c->t_handshake);
    size_t store_cap = request_store_size(x);
    char *store = malloc(store_cap);
    h3_header *h = malloc(MAX_REQUEST_HEADERS * sizeof(*h));
    if (!store || !h) {
        free(store);
        free(h);
        get_xfer_fail(x, GET_OUT_OF_MEMORY, "Out of memory");
        return;
    }
    size_t n = get_build_request(x, h, MAX_REQUEST_HEADERS, store, store_cap);
    verbose_request(x, h, n);
    bool body = get_has_body(x);
    int rc = h3_conn_send_headers(c->h3, (uint64_t)sid, h, n, !body);
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += h[i].name_len + h[i].value_len + 32;
    free(store);
    free(h);
    if (rc < 0) {
        const h3_settings *peer = h3_conn_peer_settings(c->h3);
        x->state = XFER_QUEUED; /* nothing went out on the stream */
        if (rc == H3_ERR_INVALID_ARGUMENT && peer &&
            bytes > peer->max_field_section_size)
            get_xfer_fail(x, GET_SEND_ERROR,
                          "Failed sending HTTP request: %zu bytes of header "
                          "fields, the server accepts %llu",
                          bytes,
                          (unsigned long long)peer->max_field_section_size);
        else
            get_xfer_fail(x, GET_SEND_ERROR, "Failed sending HTTP request: %s",
                          h3_strerror(rc));
        return;
    }
    if (body && (rc = h3_conn_send_data_ref(c->h3, (uint64_t)sid, o->data,
                                            o->data_len, true, NULL, NULL)) < 0)
        get_xfer_fail(x, GET_SEND_ERROR, "Failed sending the request body: %s",
                      h3_strerror(rc));
}

/* ---- Response ------------------------------------------------------------ */

static const char *find_header(const get_xfer *x, const char *name) {
    for (size_t i = 0; i < x->n_headers; i++)
        if (strcasecmp(x->headers[i].name, name) == 0)
            return x->headers[i].value;
    return NULL;
}

static bool keep_headers(get_xfer *x, const h3_header *h, size_t n) {
    for (size_t i = 0; i < x->n_headers; i++) {
        free((char *)x->headers[i].name);
        free((char *)x->headers[i].value);
    }
    free(x->headers);
    x->n_headers = 0;
    x->headers = calloc(n ? n : 1, sizeof(*x->headers));
    if (!x->headers)
        return false;
    for (size_t i = 0; i < n; i++) {
        char *name = strndup((const char *)h[i].name, h[i].name_len);
        char *value = strndup((const char *)h[i].value, h[i].value_len);
        if (!name || !value) {
            free(name);
            free(value);
            return false;
        }
        x->headers[x->n_headers++] = (h3cli_header_field){name, value};
    }
    return true;
}

/* RFC 9114 §4.3.2 gives :status as three digits (RFC 9110 §15). */
static int parse_status(const h3_header *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (h[i].name_len != 7 || memcmp(h[i].name, ":status", 7))
            continue;
        const uint8_t *v = h[i].value;
        if (h[i].value_len != 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' ||
            v[1] > '9' || v[2] < '0' || v[2] > '9')
            return -1;
        return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
    }
    return -1;
}

/* The response head as -i prints it and size_header counts it. */
static void print_head(get_xfer *x, FILE *f, const h3_header *h, size_t n,
                       const char *prefix, const char *eol) {
    fprintf(f, "%sHTTP/3 %d %s", prefix, x->status, eol);
    for (size_t i = 0; i < n; i++)
        if (h[i].name_len && h[i].name[0] != ':')
            fprintf(f, "%s%.*s: %.*s%s", prefix, (int)h[i].name_len,
                    (const char *)h[i].name, (int)h[i].value_len,
                    (const char *)h[i].value, eol);
    fprintf(f, "%s%s", prefix, eol);
}

static uint64_t head_size(const h3_header *h, size_t n) {
    uint64_t size = strlen("HTTP/3 200 \r\n") + 2;
    for (size_t i = 0; i < n; i++)
        if (h[i].name_len && h[i].name[0] != ':')
            size += h[i].name_len + 2 + h[i].value_len + 2;
    return size;
}

static bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 ||
           status == 308;
}

static void final_headers(get_xfer *x, const h3_header *h, size_t n) {
    get_opts *o = &x->g->o;
    x->final_headers = true;
    if (!keep_headers(x, h, n)) {
        get_xfer_fail(x, GET_OUT_OF_MEMORY, "Out of memory");
        return;
    }
    x->size_header += head_size(h, n);
    x->redirecting =
        o->location && is_redirect(x->status) && find_header(x, "location");
    if (x->status >= 400 && o->fail && !o->fail_with_body) {
        get_xfer_fail(x, GET_HTTP_RETURNED_ERROR,
                      "The requested URL returned error: %d", x->status);
        return;
    }
    x->discard_body = x->redirecting || o->head;
    if ((o->include || o->head) && open_output(x)) {
        FILE *f = body_out(x);
        if (f)
            print_head(x, f, h, n, "", "\r\n");
    }
}

void get_xfer_on_headers(get_xfer *x, const h3_header *h, size_t n,
                         bool ended) {
    if (x->state != XFER_ACTIVE)
        return;
    if (!x->t_start_transfer)
        x->t_start_transfer = us_since(x, h3cli_now());
    if (x->final_headers) { /* trailers */
        if (x->g->o.verbose)
            for (size_t i = 0; i < n; i++)
                fprintf(stderr, "< %.*s: %.*s\n", (int)h[i].name_len,
                        (const char *)h[i].name, (int)h[i].value_len,
                        (const char *)h[i].value);
    } else {
        int status = parse_status(h, n);
        if (status < 0) {
            get_xfer_fail(x, GET_WEIRD_SERVER_REPLY,
                          "Weird server reply: invalid :status");
            return;
        }
        x->status = status;
        if (x->g->o.verbose)
            print_head(x, stderr, h, n, "< ", "\n");
        if (status >= 200)
            final_headers(x, h, n);
        else
            x->status = 0; /* informational: the final one follows */
        if (x->state == XFER_DONE)
            return;
    }
    if (ended)
        get_xfer_on_data(x, NULL, 0, true);
}

/* -L: the same transfer again for the Location, on the connection of the
 * new origin. */
static void follow(get_xfer *x) {
    get_run *g = x->g;
    const char *location = find_header(x, "location");
    if (x->redirects >= g->o.max_redirs) {
        get_xfer_fail(x, GET_TOO_MANY_REDIRECTS,
                      "Maximum (%lld) redirects followed", g->o.max_redirs);
        return;
    }
    char *next = NULL;
    int rc = h3cli_url_resolve(&x->url, location, &next);
    h3cli_url url;
    if (rc == 0)
        rc = h3cli_url_parse(&url, next, 0);
    if (rc < 0) {
        get_xfer_fail(x, -rc, "%s",
                      rc == H3CLI_URL_ERR_NOMEM ? "Out of memory"
                      : next                    ? url.error
                                                : "malformed Location");
        free(next);
        return;
    }
    get_info(g, "Issue another request to this URL: '%s'", next);
    /* curl: 301, 302 and 303 turn a POST into a GET. */
    if ((x->status == 301 || x->status == 302 || x->status == 303) &&
        !g->o.method)
        x->as_get = true;
    h3cli_url_cleanup(&x->url);
    x->url = url;
    free(x->url_text);
    x->url_text = next;
    x->redirects++;
    x->status = 0;
    x->final_headers = x->redirecting = x->discard_body = false;
    x->stream_id = -1;
    get_conn *old = x->conn;
    x->state = XFER_QUEUED;
    if (old && old->n_active > 0)
        old->n_active--;
    x->conn = get_conn_for(g, x);
    if (!x->conn)
        return; /* failed with the reason */
    get_conn_start_xfers(x->conn);
    if (old && old != x->conn)
        get_conn_maybe_close(old);
}

static void complete(get_xfer *x) {
    get_opts *o = &x->g->o;
    if (x->redirecting) {
        follow(x);
        return;
    }
    if (!x->final_headers) {
        get_xfer_fail(x, GET_WEIRD_SERVER_REPLY,
                      "Weird server reply: the stream ended without a "
                      "response");
        return;
    }
    if (x->status >= 400 && o->fail_with_body) {
        if (!x->out_opened)
            open_output(x);
        get_xfer_fail(x, GET_HTTP_RETURNED_ERROR,
                      "The requested URL returned error: %d", x->status);
        return;
    }
    if (!x->out_opened && !open_output(x))
        return; /* an empty body still makes the -o file */
    get_xfer_done(x);
}

void get_xfer_on_data(get_xfer *x, const uint8_t *data, size_t len,
                      bool ended) {
    if (x->state != XFER_ACTIVE)
        return;
    if (len > 0) {
        if (!x->final_headers) {
            get_xfer_fail(x, GET_WEIRD_SERVER_REPLY,
                          "Weird server reply: body before the header "
                          "section");
            return;
        }
        if (!x->t_start_transfer)
            x->t_start_transfer = us_since(x, h3cli_now());
        x->size_download += len;
        if (!x->discard_body) {
            if (!open_output(x))
                return;
            if (binary_to_terminal(x, data, len)) {
                x->quiet_failure = true; /* the warning said it all */
                get_xfer_fail(x, GET_WRITE_ERROR, "binary output refused");
                return;
            }
            if (!write_out(x, data, len))
                return;
        }
    }
    if (ended)
        complete(x);
}

void get_xfer_on_reset(get_xfer *x, uint64_t code, bool local) {
    if (local && code == H3_MESSAGE_ERROR)
        get_xfer_fail(x, GET_WEIRD_SERVER_REPLY,
                      "Weird server reply: malformed HTTP/3 response on "
                      "stream %lld",
                      (long long)x->stream_id);
    else if (local)
        get_xfer_fail(x, GET_HTTP3, "HTTP/3 stream %lld reset: %s",
                      (long long)x->stream_id, h3_wire_error_name(code));
    else
        get_xfer_fail(x, GET_RECV_ERROR,
                      "HTTP/3 stream %lld reset by server (%s)",
                      (long long)x->stream_id, h3_wire_error_name(code));
}

/* cmd/get.c — `h3cli get`: curl's options, one transfer per URL grouped
 * into one connection per origin, the libev loop, --max-time, and the exit
 * status (the last failed transfer's code, as curl). */
#include "cmd/get.h"

#include "cmd/opts.h"
#include "cmd/tls_files.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const h3cli_command *const cmd = &h3cli_get_command;

static int add_output(get_opts *o, const char *file) {
    if (o->n_outputs >= sizeof(o->outputs) / sizeof(o->outputs[0]))
        return h3cli_opts_fail(cmd->name, "too many -o/-O options");
    o->outputs[o->n_outputs++].file = file;
    return 0;
}

static int seconds_option(int id, const char *arg, double *out) {
    if (!h3cli_opts_seconds(arg, out))
        return h3cli_opts_bad_argument(cmd, id, arg);
    return 0;
}

static int count_option(int id, const char *arg, long long min,
                        long long *out) {
    if (!h3cli_opts_integer(arg, min, 1000000000, out))
        return h3cli_opts_bad_argument(cmd, id, arg);
    return 0;
}

/* Prints curl's error 27 line; returns GET_OUT_OF_MEMORY. */
static int out_of_memory(void) {
    fprintf(stderr, "h3cli: (27) Out of memory\n");
    return GET_OUT_OF_MEMORY;
}

static int rule_option(get_opts *o, int id, const char *arg) {
    char err[256];
    int rc = id == H3CLI_OPT_RESOLVE
                 ? h3cli_addr_add_resolve(&o->rules, arg, err, sizeof(err))
                 : h3cli_addr_add_connect_to(&o->rules, arg, err, sizeof(err));
    if (rc == H3CLI_ADDR_ERR_NOMEM)
        return out_of_memory();
    return rc < 0 ? h3cli_opts_fail(cmd->name, "%s", err) : 0;
}

static int on_bool(get_opts *o, int id, bool v) {
    switch (id) {
    case 'i': o->include = v; return 0;
    case 'I': o->head = v; return 0;
    case 'v': o->verbose = v; return 0;
    case 's': o->silent = v; return 0;
    case 'S': o->show_error = v; return 0;
    case 'L': o->location = v; return 0;
    case 'f': o->fail = v; return 0;
    case 'k': o->insecure = v; return 0;
    case H3CLI_OPT_FAIL_WITH_BODY: o->fail_with_body = v; return 0;
    }
    return -1;
}

static int on_option(void *ctx, int id, const char *arg) {
    get_opts *o = ctx;
    bool negated = id & H3CLI_OPT_NEGATED;
    if (on_bool(o, id & ~H3CLI_OPT_NEGATED, !negated) == 0)
        return 0;
    switch (id) {
    case 'o': return add_output(o, arg);
    case 'O': return add_output(o, NULL);
    case H3CLI_OPT_OUTPUT_DIR: o->output_dir = arg; return 0;
    case 'w':
        free(o->writeout);
        o->writeout = NULL;
        if (h3cli_writeout_load(arg, &o->writeout) < 0) {
            fprintf(stderr, "h3cli: (26) Failed to read the -w format %s\n",
                    arg);
            return GET_READ_ERROR;
        }
        return 0;
    case H3CLI_OPT_EVENTS: o->events = true; return 0;
    case H3CLI_OPT_JSON: o->events = o->json = true; return 0;
    case 'X': o->method = arg; return 0;
    case 'H': return get_add_header_arg(o, arg);
    case 'd': return get_add_data_arg(o, arg, false);
    case H3CLI_OPT_DATA_BINARY: return get_add_data_arg(o, arg, true);
    case 'A': o->user_agent = arg; return 0;
    case H3CLI_OPT_MAX_REDIRS: return count_option(id, arg, 0, &o->max_redirs);
    case H3CLI_OPT_PARALLEL_MAX:
        return count_option(id, arg, 1, &o->parallel_max);
    case H3CLI_OPT_CACERT: o->cacert = arg; return 0;
    case H3CLI_OPT_PINNEDPUBKEY: o->pinnedpubkey = arg; return 0;
    case H3CLI_OPT_RESOLVE:
    case H3CLI_OPT_CONNECT_TO: return rule_option(o, id, arg);
    case '4': o->family = AF_INET; return 0;
    case '6': o->family = AF_INET6; return 0;
    case 'm': return seconds_option(id, arg, &o->max_time);
    case H3CLI_OPT_CONNECT_TIMEOUT:
        return seconds_option(id, arg, &o->connect_timeout);
    case H3CLI_OPT_CC:
        if (strcmp(arg, "cubic") == 0)
            o->cc = QUIC_CC_CUBIC;
        else if (strcmp(arg, "reno") == 0)
            o->cc = QUIC_CC_RENO;
        else
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case H3CLI_OPT_QUIC_VERSION:
        if (strcmp(arg, "v1") == 0 || strcmp(arg, "1") == 0)
            o->quic_version = QUIC_VERSION_1;
        else if (strcmp(arg, "v2") == 0 || strcmp(arg, "2") == 0)
            o->quic_version = QUIC_VERSION_2;
        else
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case H3CLI_OPT_HTTP3_ONLY: return 0;
    case H3CLI_OPT_SESSION_FILE: o->session_file = arg; return 0;
    case H3CLI_OPT_0RTT: o->early_data = true; return 0;
    case H3CLI_OPT_0RTT | H3CLI_OPT_NEGATED: o->early_data = false; return 0;
    case H3CLI_OPT_MIGRATE: o->migrate = true; return 0;
    case H3CLI_OPT_MIGRATE | H3CLI_OPT_NEGATED: o->migrate = false; return 0;
    case H3CLI_OPT_QLOG_DIR: o->qlog_dir = arg; return 0;
    case H3CLI_OPT_PATH_AS_IS: o->path_as_is = true; return 0;
    }
    return h3cli_opts_fail(cmd->name, "option not handled");
}

static void on_max_time(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    get_run *g = w->data;
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->state != XFER_DONE)
            get_xfer_fail(
                x, GET_OPERATION_TIMEDOUT,
                "Operation timed out after %llu milliseconds with "
                "%llu bytes received",
                (unsigned long long)((h3cli_now() - g->t_start) / QUIC_MS),
                (unsigned long long)x->size_download);
    }
}

/* curl's meter: on a terminal stderr, without -s, -v or --events, and
 * only when the body does not go to that terminal too. */
static bool want_progress(const get_run *g) {
    const get_opts *o = &g->o;
    if (o->silent || o->verbose || o->events || !isatty(STDERR_FILENO))
        return false;
    if (!g->stdout_tty)
        return true;
    if (o->n_outputs < o->n_urls)
        return false;
    for (size_t i = 0; i < o->n_outputs; i++)
        if (o->outputs[i].file && strcmp(o->outputs[i].file, "-") == 0)
            return false;
    return true;
}

static uint64_t content_length(const get_xfer *x) {
    for (size_t i = 0; i < x->n_headers; i++)
        if (strcasecmp(x->headers[i].name, "content-length") == 0)
            return strtoull(x->headers[i].value, NULL, 10);
    return 0;
}

static void progress_counts(const get_run *g, h3cli_progress_counts *c) {
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < g->n_xfers; i++) {
        const get_xfer *x = &g->xfers[i];
        c->dl_total += x->final_headers ? content_length(x) : 0;
        c->dl_now += x->size_download;
        if (!get_has_body(x))
            continue;
        c->ul_total += g->o.data_len;
        if (x->state == XFER_DONE)
            c->ul_now += g->o.data_len;
        else if (x->state == XFER_ACTIVE && x->conn && x->conn->quic) {
            size_t left = quic_conn_stream_send_buffered(
                x->conn->quic, (uint64_t)x->stream_id);
            c->ul_now += left < g->o.data_len ? g->o.data_len - left : 0;
        }
    }
}

static void on_progress(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    get_run *g = w->data;
    h3cli_progress_counts c;
    progress_counts(g, &c);
    h3cli_progress_update(&g->progress, h3cli_now(), &c, false);
}

/* Creates the transfers; a URL that does not parse fails at once. */
static int make_xfers(get_run *g) {
    g->xfers = calloc(g->o.n_urls, sizeof(*g->xfers));
    if (!g->xfers)
        return out_of_memory();
    g->n_xfers = g->o.n_urls;
    quic_time now = h3cli_now();
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        x->g = g;
        x->index = i;
        x->stream_id = -1;
        x->t_start = now;
        x->url_text = strdup(g->o.urls[i]);
        if (!x->url_text)
            return out_of_memory();
    }
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        int rc = h3cli_url_parse(&x->url, x->url_text,
                                 g->o.path_as_is ? H3CLI_URL_PATH_AS_IS : 0);
        if (rc < 0)
            get_xfer_fail(x, -rc, "%s", x->url.error);
        else if (x->url.userinfo_dropped)
            get_info(g, "user:password in the URL is never sent");
    }
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->state != XFER_DONE && (x->conn = get_conn_for(g, x)))
            get_conn_start_xfers(x->conn);
    }
    return 0;
}

static int exit_status(const get_run *g) {
    int rc = 0;
    for (size_t i = 0; i < g->n_xfers; i++)
        if (g->xfers[i].exit_code)
            rc = g->xfers[i].exit_code;
    return rc;
}

static void cleanup(get_run *g) {
    for (size_t i = 0; i < g->n_conns; i++)
        get_conn_free(g->conns[i]);
    free(g->conns);
    for (size_t i = 0; i < g->n_xfers; i++)
        get_xfer_cleanup(&g->xfers[i]);
    free(g->xfers);
    if (g->loop) {
        ev_timer_stop(g->loop, &g->max_timer);
        ev_timer_stop(g->loop, &g->progress_timer);
    }
    if (g->keylog)
        fclose(g->keylog);
    h3cli_addr_rules_cleanup(&g->o.rules);
    for (size_t i = 0; i < g->o.n_header_files; i++)
        free(g->o.header_files[i]);
    free(g->o.data);
    free(g->o.writeout);
    get_blob_free(&g->session);
    get_blob_free(&g->settings);
    get_blob_free(&g->token);
    get_blob_free(&g->new_session);
    get_blob_free(&g->new_settings);
    get_blob_free(&g->new_token);
}

int h3cli_get_run(int argc, char **argv) {
    static get_run g; /* large option arrays; one per process */
    memset(&g, 0, sizeof(g));
    h3cli_addr_rules_init(&g.o.rules);
    g.o.max_redirs = 50;
    g.o.parallel_max = 50;
    g.o.cc = QUIC_CC_CUBIC;
    g.o.quic_version = QUIC_VERSION_1;
    int first = h3cli_opts_parse(cmd, argc, argv, on_option, &g.o);
    int rc = first == H3CLI_OPTS_HELP ? 0 : first < 0 ? -first : -1;
    if (rc < 0 && first >= argc)
        rc = h3cli_opts_fail(cmd->name, "no URL specified");
    for (int i = first; rc < 0 && i < argc; i++) {
        if (g.o.n_urls >= sizeof(g.o.urls) / sizeof(g.o.urls[0])) {
            rc = h3cli_opts_fail(cmd->name, "too many URLs");
            break;
        }
        g.o.urls[g.o.n_urls++] = argv[i];
    }
    if (rc >= 0) {
        cleanup(&g);
        return rc;
    }
    g.o.qlog_dir = h3cli_qlog_dir(g.o.qlog_dir);
    g.stdout_tty = isatty(STDOUT_FILENO);
    g.keylog = h3cli_keylog_open();
    g.loop = ev_default_loop(EVFLAG_AUTO);
    g.t_start = h3cli_now();
    ev_timer_init(&g.max_timer, on_max_time, g.o.max_time, 0);
    g.max_timer.data = &g;
    if (g.o.max_time > 0)
        ev_timer_start(g.loop, &g.max_timer);
    g.show_progress = want_progress(&g);
    h3cli_progress_init(&g.progress, stderr, g.t_start);
    ev_timer_init(&g.progress_timer, on_progress, 1.0, 1.0);
    g.progress_timer.data = &g;
    if (g.show_progress)
        ev_timer_start(g.loop, &g.progress_timer);
    if (g.o.session_file)
        rc = get_session_load(&g);
    if (rc <= 0)
        rc = make_xfers(&g);
    if (rc == 0 && !get_all_done(&g))
        ev_run(g.loop, 0);
    if (g.progress.shown) {
        h3cli_progress_counts c;
        progress_counts(&g, &c);
        h3cli_progress_update(&g.progress, h3cli_now(), &c, true);
    }
    get_flush_stdout(&g);
    if (rc == 0)
        rc = exit_status(&g);
    int saved = get_session_save(&g);
    if (rc == 0)
        rc = saved;
    cleanup(&g);
    return rc;
}

/* cmd/serve.c — `h3cli serve`: options, the listening sockets, the
 * certificate and shared TLS context, the banner, signals with graceful
 * GOAWAY, and --workers processes on SO_REUSEPORT sockets. Connections and
 * requests are serve_conn.c's and serve_req.c's. */
#include "cmd/serve.h"

#include "cmd/addr.h"
#include "cmd/opts.h"
#include "cmd/output.h"
#include "cmd/tls_files.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <unistd.h>

/* The default: localhost on both families, whatever /etc/hosts says;
 * ::1 is skipped quietly on a machine without IPv6. */
#define DEFAULT_LISTEN_V4 "127.0.0.1:4433"
#define DEFAULT_LISTEN_V6 "[::1]:4433"
#define DEFAULT_PORT 4433
#define MAX_WORKERS 64
/* Graceful shutdown: the final GOAWAY after this, hard close after
 * GRACE_SECONDS. */
#define GOAWAY_FINAL_DELAY 0.2
#define GRACE_SECONDS 3.0

static const h3cli_command *const cmd = &h3cli_serve_command;

static int on_option(void *ctx, int id, const char *arg) {
    serve_opts *o = ctx;
    long long n;
    switch (id) {
    case H3CLI_OPT_LISTEN:
        if (o->n_listen >= SERVE_MAX_LISTEN)
            return h3cli_opts_fail(cmd->name, "at most %d --listen options",
                                   SERVE_MAX_LISTEN);
        o->listen[o->n_listen++] = arg;
        return 0;
    case H3CLI_OPT_CERT: o->cert = arg; return 0;
    case H3CLI_OPT_KEY: o->key = arg; return 0;
    case H3CLI_OPT_QLOG_DIR: o->qlog_dir = arg; return 0;
    case H3CLI_OPT_RETRY: o->retry = true; return 0;
    case H3CLI_OPT_RETRY | H3CLI_OPT_NEGATED: o->retry = false; return 0;
    case H3CLI_OPT_DOTFILES: o->dotfiles = true; return 0;
    case H3CLI_OPT_DOTFILES | H3CLI_OPT_NEGATED: o->dotfiles = false; return 0;
    case H3CLI_OPT_ECHO:
        if (arg[0] != '/')
            return h3cli_opts_bad_argument(cmd, id, arg);
        o->echo_path = arg;
        return 0;
    case 'q': o->quiet = true; return 0;
    case 'q' | H3CLI_OPT_NEGATED: o->quiet = false; return 0;
    case H3CLI_OPT_EVENTS: o->events = true; return 0;
    case H3CLI_OPT_JSON: o->events = o->json = true; return 0;
    case H3CLI_OPT_MAX_CONNECTIONS:
        if (!h3cli_opts_integer(arg, 1, 1000000, &n))
            return h3cli_opts_bad_argument(cmd, id, arg);
        o->max_connections = n;
        return 0;
    case H3CLI_OPT_IDLE_TIMEOUT:
        if (!h3cli_opts_seconds(arg, &o->idle_timeout) || o->idle_timeout <= 0)
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case H3CLI_OPT_WORKERS:
        if (!h3cli_opts_integer(arg, 1, MAX_WORKERS, &n))
            return h3cli_opts_bad_argument(cmd, id, arg);
        o->workers = n;
        return 0;
    }
    return h3cli_opts_fail(cmd->name, "option not handled");
}

/* ---- Sockets ------------------------------------------------------------- */

/* Where to listen: every address each --listen names, ports filled in. */
typedef struct listen_plan {
    struct sockaddr_storage addr[2 * SERVE_MAX_LISTEN];
    bool optional[2 * SERVE_MAX_LISTEN]; /* dropped if it cannot bind */
    size_t n;
} listen_plan;

static bool is_default_v6(const serve_opts *o, size_t i) {
    return o->default_listen && strcmp(o->listen[i], DEFAULT_LISTEN_V6) == 0;
}

static void set_port(struct sockaddr_storage *ss, uint16_t port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Binds one socket per planned address. An address asked with port 0 gets
 * an ephemeral port, and the later addresses of the plan that also asked
 * for 0 share it, so "localhost:0" is one port on 127.0.0.1 and ::1. */
/* Splits "host:port" like h3cli_addr_split_host_port, but also accepts
 * port 0 (an ephemeral port). */
static int split_listen(const char *spec, char **host, uint16_t *port) {
    size_t len = strlen(spec);
    if (len > 2 && strcmp(spec + len - 2, ":0") == 0 && spec[len - 3] != ':') {
        char *head = strndup(spec, len - 2);
        if (!head)
            return -1;
        int rc = h3cli_addr_split_host_port(head, DEFAULT_PORT, host, port);
        free(head);
        if (rc < 0 || strchr(spec + len - 2, ']'))
            return -1;
        *port = 0;
        return 0;
    }
    return h3cli_addr_split_host_port(spec, DEFAULT_PORT, host, port) < 0 ? -1
                                                                          : 0;
}

static int plan_listen(const serve_opts *o, listen_plan *plan) {
    plan->n = 0;
    for (size_t i = 0; i < o->n_listen; i++) {
        char *host = NULL;
        uint16_t port = 0;
        if (split_listen(o->listen[i], &host, &port) < 0)
            return h3cli_opts_bad_argument(cmd, H3CLI_OPT_LISTEN, o->listen[i]);
        h3cli_addr_rules rules;
        h3cli_addr_rules_init(&rules);
        h3cli_addr_list list = {0};
        char err[256];
        int rc = h3cli_addr_resolve(&rules, host, port ? port : 1, AF_UNSPEC,
                                    &list, err, sizeof(err));
        free(host);
        if (rc < 0) {
            fprintf(stderr, "h3cli: serve: cannot listen on %s: %s\n",
                    o->listen[i], err);
            return 1;
        }
        for (size_t k = 0; k < list.n && plan->n < 2 * SERVE_MAX_LISTEN; k++) {
            plan->optional[plan->n] = is_default_v6(o, i);
            plan->addr[plan->n] = list.addrs[k];
            set_port(&plan->addr[plan->n++], port);
        }
        h3cli_addr_list_free(&list);
    }
    return 0;
}

static int open_sockets(listen_plan *plan, h3cli_udp_socket *socks,
                        unsigned flags) {
    uint16_t ephemeral = 0;
    for (size_t i = 0; i < plan->n; i++) {
        struct sockaddr_storage *a = &plan->addr[i];
        if (h3cli_addr_port((struct sockaddr *)a) == 0 && ephemeral)
            set_port(a, ephemeral);
        bool asked_zero = h3cli_addr_port((struct sockaddr *)a) == 0;
        socklen_t len = a->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                 : sizeof(struct sockaddr_in);
        int rc = h3cli_udp_open(&socks[i], (struct sockaddr *)a, len,
                                flags | H3CLI_UDP_V6ONLY);
        if (rc < 0 && plan->optional[i] &&
            (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT)) {
            memmove(&plan->addr[i], &plan->addr[i + 1],
                    (plan->n - i - 1) * sizeof(plan->addr[0]));
            memmove(&plan->optional[i], &plan->optional[i + 1],
                    (plan->n - i - 1) * sizeof(plan->optional[0]));
            plan->n--;
            i--;
            continue;
        }
        if (rc < 0) {
            char text[64];
            h3cli_addr_format((struct sockaddr *)a, true, text, sizeof(text));
            fprintf(stderr, "h3cli: serve: cannot listen on %s: %s\n", text,
                    h3cli_udp_strerror(rc));
            for (size_t k = 0; k < i; k++)
                h3cli_udp_close(&socks[k]);
            return 1;
        }
        if (asked_zero) {
            ephemeral = socks[i].port;
            set_port(a, ephemeral);
        }
    }
    return 0;
}

/* ---- Banner ---------------------------------------------------------------
 */

static void banner_line(const server *srv, const char *event, const char *key,
                        const char *value, const char *text) {
    if (srv->o.events) {
        h3cli_evline l;
        h3cli_evline_begin(&l, stdout, srv->o.json, "serve", event);
        h3cli_evline_str(&l, key, value);
        h3cli_evline_end(&l);
    } else if (text) {
        printf("%s\n", text);
    }
}

/* "listening on https://127.0.0.1:4433/ (127.0.0.1:4433, [::1]:4433)":
 * the first line, which scripts read the port from. */
static void print_banner(const server *srv, const listen_plan *plan,
                         const h3cli_server_identity *id, const char *pin) {
    char line[4096], addr[64];
    size_t off = 0;
    h3cli_addr_format((const struct sockaddr *)&plan->addr[0], true, addr,
                      sizeof(addr));
    off += (size_t)snprintf(line, sizeof(line), "listening on https://%s/ (",
                            addr);
    for (size_t i = 0; i < plan->n && off < sizeof(line) - 80; i++) {
        h3cli_addr_format((const struct sockaddr *)&plan->addr[i], true, addr,
                          sizeof(addr));
        off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s",
                                i ? ", " : "", addr);
        if (srv->o.events)
            banner_line(srv, "listening", "address", addr, NULL);
    }
    snprintf(line + off, sizeof(line) - off, ")");
    if (!srv->o.events)
        banner_line(srv, "listening", "address", NULL, line);
    snprintf(line, sizeof(line), "serving %.4000s", srv->root_path);
    banner_line(srv, "serving", "directory", srv->root_path, line);
    snprintf(line, sizeof(line), "certificate %s",
             id->self_signed ? "self-signed for localhost, 127.0.0.1, ::1"
                             : srv->o.cert);
    banner_line(srv, "certificate", "certificate",
                id->self_signed ? "self-signed" : srv->o.cert, line);
    char pin_arg[64];
    snprintf(pin_arg, sizeof(pin_arg), "sha256//%s", pin);
    snprintf(line, sizeof(line), "pin %s", pin_arg);
    banner_line(srv, "pin", "pinnedpubkey", pin_arg, line);
    fflush(stdout);
}

/* ---- TLS ----------------------------------------------------------------- */

static int make_tls(server *srv, const h3cli_server_identity *id) {
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.cert_pem = (const uint8_t *)id->cert_pem;
    cfg.cert_pem_len = id->cert_len;
    cfg.key_pem = (const uint8_t *)id->key_pem;
    cfg.key_pem_len = id->key_len;
    cfg.enable_early_data = true; /* issue 0-RTT tickets, accept 0-RTT */
    if (srv->keylog) {
        cfg.keylog = h3cli_keylog_write;
        cfg.sink_user = srv->keylog;
    }
    int rc = quic_tls_context_new(&srv->tls, &cfg);
    if (rc < 0) {
        fprintf(stderr, "h3cli: serve: cannot use the certificate%s%s: %s\n",
                srv->o.cert ? " " : "", srv->o.cert ? srv->o.cert : "",
                quic_strerror(rc));
        return 1;
    }
    return 0;
}

/* ---- Running ------------------------------------------------------------- */

static void on_grace_over(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)revents;
    server *srv = w->data;
    serve_conns_close_all(srv);
    ev_break(loop, EVBREAK_ALL);
}

static void on_goaway_tick(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    serve_conns_goaway(w->data, true);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
    (void)revents;
    server *srv = w->data;
    if (srv->shutting_down)
        return;
    srv->shutting_down = true; /* new connections are refused from now */
    if (srv->n_conns == 0) {
        ev_break(loop, EVBREAK_ALL);
        return;
    }
    /* RFC 9114 §5.2: first a GOAWAY that refuses nothing in flight, the
     * final one once the client had time to see it; the sockets keep
     * reading so requests in progress can finish. */
    serve_conns_goaway(srv, false);
    ev_timer_start(loop, &srv->goaway_tick);
    ev_timer_start(loop, &srv->grace);
}

static void start_watchers(server *srv) {
    ev_timer_init(&srv->grace, on_grace_over, GRACE_SECONDS, 0);
    ev_timer_init(&srv->goaway_tick, on_goaway_tick, GOAWAY_FINAL_DELAY, 0);
    srv->grace.data = srv->goaway_tick.data = srv;
    ev_signal_init(&srv->sigint, on_signal, SIGINT);
    ev_signal_init(&srv->sigterm, on_signal, SIGTERM);
    srv->sigint.data = srv->sigterm.data = srv;
    ev_signal_start(srv->loop, &srv->sigint);
    ev_signal_start(srv->loop, &srv->sigterm);
}

static void stop_watchers(server *srv) {
    ev_timer_stop(srv->loop, &srv->grace);
    ev_timer_stop(srv->loop, &srv->goaway_tick);
    h3cli_loop_signal_retire(srv->loop, &srv->sigint);
    h3cli_loop_signal_retire(srv->loop, &srv->sigterm);
}

/* SIGINT and SIGTERM held back (|block|) from before the banner, which tells
 * a script the server is up, until a handler is installed: one sent right
 * after the banner must start a graceful shutdown, not kill the process. */
static void hold_stop_signals(bool block) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigprocmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
}

/* One process's server on already-bound sockets. */
static int run_server(server *srv, const h3cli_server_identity *id) {
    srv->loop = ev_default_loop(EVFLAG_AUTO);
    srv->short_cid_len = 8;
    if ((!srv->tls && make_tls(srv, id) != 0) ||
        h3cli_demux_init(&srv->demux) < 0)
        return 1;
    if (quic_retry_key_new(&srv->retry_key, srv->retry_secret) < 0) {
        fprintf(stderr, "h3cli: serve: cannot make the token key\n");
        return 1;
    }
    for (size_t i = 0; i < srv->n_socks; i++)
        if (h3cli_loop_socket_start(&srv->socks[i], srv->loop,
                                    serve_on_datagram, NULL, srv) < 0)
            return 1;
    start_watchers(srv);
    hold_stop_signals(false); /* a pending one is handled by the loop */
    ev_run(srv->loop, 0);
    stop_watchers(srv);
    serve_conns_free_all(srv);
    return 0;
}

static void release_server(server *srv) {
    for (size_t i = 0; i < srv->n_socks; i++) {
        h3cli_loop_socket_stop(&srv->socks[i]);
        h3cli_udp_close(&srv->socks[i].udp);
    }
    serve_chunks_free(srv);
    if (srv->demux.buckets)
        h3cli_demux_cleanup(&srv->demux);
    quic_tls_context_free(srv->tls);
    srv->tls = NULL;
    quic_retry_key_free(srv->retry_key);
    srv->retry_key = NULL;
    memset(srv->retry_secret, 0, sizeof(srv->retry_secret));
    memset(srv->reset_key, 0, sizeof(srv->reset_key));
    h3cli_files_root_close(&srv->root);
    if (srv->keylog)
        fclose(srv->keylog);
}

/* ---- Workers ------------------------------------------------------------- */

/* Reaps the workers that have exited; false when none is left to wait for
 * (or waitpid fails). */
static bool reap_workers(pid_t *pids, size_t n, size_t *alive, int *rc) {
    int status;
    pid_t pid;
    while (*alive > 0 && (pid = waitpid(-1, &status, WNOHANG)) != 0) {
        if (pid < 0)
            return errno == EINTR;
        for (size_t i = 0; i < n; i++)
            if (pids[i] == pid)
                pids[i] = 0;
        (*alive)--;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            *rc = 1;
    }
    return *alive > 0;
}

/* The parent of --workers: waits for the children, passing SIGINT and
 * SIGTERM on. Exit 0 when every worker exited 0. Signals are taken
 * synchronously with sigwaitinfo, SIGCHLD included, so none is lost
 * between two waits; a worker that exited before SIGCHLD was blocked is
 * found by the first sweep. */
static int supervise(pid_t *pids, size_t n) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    size_t alive = 0;
    for (size_t i = 0; i < n; i++)
        alive += pids[i] > 0;
    int rc = 0, sig = SIGCHLD;
    for (;;) {
        if (sig == SIGCHLD && !reap_workers(pids, n, &alive, &rc))
            break;
        if (sig == SIGINT || sig == SIGTERM)
            for (size_t i = 0; i < n; i++)
                if (pids[i] > 0)
                    kill(pids[i], sig);
        sig = sigwaitinfo(&set, NULL);
    }
    return rc;
}

/* Forks one process per socket set; each keeps its own set. */
static int run_workers(server *srv, const h3cli_server_identity *id,
                       h3cli_udp_socket (*sets)[2 * SERVE_MAX_LISTEN],
                       size_t n_workers) {
    pid_t pids[MAX_WORKERS] = {0};
    bool forked_all = true;
    fflush(stdout);
    for (size_t w = 0; w < n_workers; w++) {
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "h3cli: serve: cannot start worker: %s\n",
                    strerror(errno));
            for (size_t k = 0; k < w; k++)
                kill(pids[k], SIGTERM);
            forked_all = false;
            break;
        }
        if (pid == 0) {
            for (size_t k = 0; k < n_workers; k++)
                for (size_t i = 0; k != w && i < srv->n_socks; i++)
                    h3cli_udp_close(&sets[k][i]);
            for (size_t i = 0; i < srv->n_socks; i++)
                srv->socks[i].udp = sets[w][i];
            int rc = run_server(srv, id);
            release_server(srv);
            exit(rc);
        }
        pids[w] = pid;
    }
    for (size_t k = 0; k < n_workers; k++)
        for (size_t i = 0; i < srv->n_socks; i++)
            h3cli_udp_close(&sets[k][i]);
    int rc = supervise(pids, n_workers);
    return forked_all ? rc : 1;
}

/* ---- Entry --------------------------------------------------------------- */

static int open_root(server *srv, const char *dir) {
    int rc = h3cli_files_root_open(&srv->root, dir, srv->o.dotfiles);
    if (rc < 0) {
        fprintf(stderr, "h3cli: serve: cannot serve %s: %s\n", dir,
                strerror(-rc));
        return 1;
    }
    if (!realpath(dir, srv->root_path))
        snprintf(srv->root_path, sizeof(srv->root_path), "%s", dir);
    return 0;
}

/* Everything before the loop: root, addresses, certificate, sockets,
 * banner. Returns 0 or the exit code. */
static int prepare(server *srv, listen_plan *plan, h3cli_server_identity *id,
                   h3cli_udp_socket (*sets)[2 * SERVE_MAX_LISTEN],
                   size_t n_workers) {
    int rc = open_root(srv, srv->o.dir);
    if (rc == 0)
        rc = plan_listen(&srv->o, plan);
    if (rc != 0)
        return rc;
    char err[512];
    if (h3cli_server_identity_load(id, srv->o.cert, srv->o.key, NULL, 0, err,
                                   sizeof(err)) < 0) {
        fprintf(stderr, "h3cli: serve: %s\n", err);
        return 1;
    }
    srv->keylog = h3cli_keylog_open();
    if (make_tls(srv, id) != 0)
        return 1;
    /* One token secret for all workers: a Retry or NEW_TOKEN token from
     * one is accepted by any (each seals with its own nonce generator). */
    if (getrandom(srv->retry_secret, sizeof(srv->retry_secret), 0) !=
            (ssize_t)sizeof(srv->retry_secret) ||
        getrandom(srv->reset_key, sizeof(srv->reset_key), 0) !=
            (ssize_t)sizeof(srv->reset_key)) {
        fprintf(stderr, "h3cli: serve: no random bytes for the keys\n");
        return 1;
    }
    char pin[QUIC_SPKI_PIN_SIZE];
    if (quic_tls_context_get_pin(srv->tls, pin, sizeof(pin)) < 0)
        snprintf(pin, sizeof(pin), "?");
    unsigned flags = n_workers > 1 ? H3CLI_UDP_REUSEPORT : 0;
    for (size_t w = 0; w < n_workers; w++) {
        if (open_sockets(plan, sets[w], flags) != 0) {
            for (size_t k = 0; k < w; k++)
                for (size_t i = 0; i < plan->n; i++)
                    h3cli_udp_close(&sets[k][i]);
            return 1;
        }
    }
    srv->n_socks = plan->n; /* without a default ::1 that could not bind */
    print_banner(srv, plan, id, pin);
    return 0;
}

int h3cli_serve_run(int argc, char **argv) {
    static server srv; /* large; one per process */
    memset(&srv, 0, sizeof(srv));
    srv.root.dirfd = -1;
    int first = h3cli_opts_parse(cmd, argc, argv, on_option, &srv.o);
    if (first == H3CLI_OPTS_HELP)
        return 0;
    if (first < 0)
        return -first;
    if (first + 1 < argc)
        return h3cli_opts_fail(cmd->name, "more than one directory given");
    if ((srv.o.cert == NULL) != (srv.o.key == NULL))
        return h3cli_opts_fail(cmd->name, "--cert and --key go together");
    srv.o.dir = first < argc ? argv[first] : ".";
    srv.o.qlog_dir = h3cli_qlog_dir(srv.o.qlog_dir);
    if (srv.o.n_listen == 0) {
        srv.o.listen[srv.o.n_listen++] = DEFAULT_LISTEN_V4;
        srv.o.listen[srv.o.n_listen++] = DEFAULT_LISTEN_V6;
        srv.o.default_listen = true;
    }
    size_t n_workers = srv.o.workers > 1 ? (size_t)srv.o.workers : 1;
    static listen_plan plan;
    static h3cli_udp_socket sets[MAX_WORKERS][2 * SERVE_MAX_LISTEN];
    h3cli_server_identity id;
    memset(&id, 0, sizeof(id));
    hold_stop_signals(true);
    int rc = prepare(&srv, &plan, &id, sets, n_workers);
    if (rc == 0 && n_workers == 1) {
        for (size_t i = 0; i < srv.n_socks; i++)
            srv.socks[i].udp = sets[0][i];
        rc = run_server(&srv, &id);
    } else if (rc == 0) {
        /* Each worker makes its own TLS context (and so its own RNG). */
        quic_tls_context_free(srv.tls);
        srv.tls = NULL;
        rc = run_workers(&srv, &id, sets, n_workers);
        srv.n_socks = 0;
    }
    release_server(&srv);
    h3cli_server_identity_cleanup(&id);
    return rc;
}

/* cmd/ping.c — `h3cli ping`: QUIC's own round trip measured ping(8)-style.
 * One connection (ALPN h3 by default, no HTTP/3 streams), one PING frame
 * per interval, one line per acknowledged PING, statistics at the end. */
#include "cmd/addr.h"
#include "cmd/loop.h"
#include "cmd/opts.h"
#include "cmd/output.h"
#include "cmd/pingstats.h"
#include "cmd/tls_files.h"
#include "core/quic.h"
#include "h3/h3.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define PING_DEFAULT_PORT 443
#define PING_MIN_INTERVAL 0.001 /* seconds; faster would flood the peer */
/* The uid of the companion PING that follows each probe (never counted). */
#define PING_COMPANION (1ull << 63)

typedef struct ping_opts {
    long long count;                    /* 0: until interrupted */
    double interval, timeout, deadline; /* seconds; deadline 0 = none */
    bool quiet, timestamps, report_outstanding, insecure, events, json;
    int family;
    const char *cacert, *alpn;
} ping_opts;

typedef struct ping_run {
    ping_opts o;
    struct ev_loop *loop;
    char *host;
    uint16_t port;
    struct sockaddr_storage peer;
    char addr_text[64];
    h3cli_loop_socket sock;
    h3cli_loop_conn lc;
    quic_conn *conn;
    FILE *keylog;
    ev_timer tick, wait, deadline;
    ev_signal sigint, sigterm;
    quic_time start, first_ping, end;
    bool handshake_done, finished;
    uint64_t sent; /* seq of the last PING sent */
    quic_time *sent_at;
    bool *answered;
    size_t cap;
    h3cli_pingstats stats;
    int exit_code; /* set when the run fails before statistics matter */
} ping_run;

static int on_option(void *ctx, int id, const char *arg) {
    ping_opts *o = ctx;
    const h3cli_command *cmd = &h3cli_ping_command;
    long long n;
    switch (id) {
    case 'c':
        if (!h3cli_opts_integer(arg, 1, 1000000000, &n))
            return h3cli_opts_bad_argument(cmd, id, arg);
        o->count = n;
        return 0;
    case 'i':
        if (!h3cli_opts_seconds(arg, &o->interval) ||
            o->interval < PING_MIN_INTERVAL)
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case 'W':
        if (!h3cli_opts_seconds(arg, &o->timeout) || o->timeout <= 0)
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case 'w':
        if (!h3cli_opts_seconds(arg, &o->deadline) || o->deadline <= 0)
            return h3cli_opts_bad_argument(cmd, id, arg);
        return 0;
    case 'q': o->quiet = true; return 0;
    case 'D': o->timestamps = true; return 0;
    case 'O': o->report_outstanding = true; return 0;
    case 'n': return 0; /* h3cli never resolves addresses back to names */
    case 'k': o->insecure = true; return 0;
    case 'k' | H3CLI_OPT_NEGATED: o->insecure = false; return 0;
    case '4': o->family = AF_INET; return 0;
    case '6': o->family = AF_INET6; return 0;
    case H3CLI_OPT_EVENTS: o->events = true; return 0;
    case H3CLI_OPT_JSON: o->events = o->json = true; return 0;
    case H3CLI_OPT_CACERT: o->cacert = arg; return 0;
    case H3CLI_OPT_ALPN:
        if (!*arg || strlen(arg) > 255)
            return h3cli_opts_bad_argument(cmd, id, arg);
        o->alpn = arg;
        return 0;
    }
    return h3cli_opts_fail(cmd->name, "option not handled");
}

/* ---- Output -------------------------------------------------------------- */

static void timestamp(const ping_run *r) {
    if (!r->o.timestamps)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    printf("[%lld.%06ld] ", (long long)tv.tv_sec, (long)tv.tv_usec);
}

static void print_header(ping_run *r, quic_time handshake_ns) {
    char hs[32];
    h3cli_ping_format_time(handshake_ns, hs, sizeof(hs));
    quic_conn_stats st;
    quic_conn_get_stats(r->conn, &st);
    const char *v = st.version == QUIC_VERSION_2 ? "v2" : "v1";
    if (r->o.events) {
        h3cli_evline l;
        h3cli_evline_begin(&l, stdout, r->o.json, "ping", "start");
        h3cli_evline_str(&l, "host", r->host);
        h3cli_evline_str(&l, "address", r->addr_text);
        h3cli_evline_str(&l, "quic_version", v);
        h3cli_evline_str(&l, "alpn", r->o.alpn);
        h3cli_evline_fixed(&l, "handshake_ms", (double)handshake_ns / 1e6, 3);
        h3cli_evline_end(&l);
    } else {
        timestamp(r);
        printf("PING %s (%s) over QUIC %s, ALPN %s: handshake=%s ms\n", r->host,
               r->addr_text, v, r->o.alpn, hs);
    }
    fflush(stdout);
}

static void print_reply(ping_run *r, uint64_t seq, quic_time rtt) {
    if (r->o.events) {
        h3cli_evline l;
        h3cli_evline_begin(&l, stdout, r->o.json, "ping", "reply");
        h3cli_evline_u64(&l, "seq", seq);
        h3cli_evline_fixed(&l, "time_ms", (double)rtt / 1e6, 3);
        h3cli_evline_end(&l);
    } else if (!r->o.quiet) {
        char line[64];
        h3cli_ping_reply_line(seq, rtt, line, sizeof(line));
        timestamp(r);
        printf("%s\n", line);
    }
    fflush(stdout);
}

static void print_statistics(ping_run *r, quic_time elapsed) {
    if (!r->o.events) {
        h3cli_pingstats_print(&r->stats, r->host, elapsed, stdout);
        fflush(stdout);
        return;
    }
    const h3cli_pingstats *s = &r->stats;
    h3cli_evline l;
    h3cli_evline_begin(&l, stdout, r->o.json, "ping", "statistics");
    h3cli_evline_str(&l, "host", r->host);
    h3cli_evline_u64(&l, "transmitted", s->transmitted);
    h3cli_evline_u64(&l, "received", s->received);
    h3cli_evline_fixed(&l, "time_ms", (double)elapsed / 1e6, 0);
    if (s->received > 0) {
        h3cli_evline_fixed(&l, "rtt_min_ms", (double)s->min_us / 1e3, 3);
        h3cli_evline_fixed(&l, "rtt_avg_ms",
                           (double)(s->sum_us / s->received) / 1e3, 3);
        h3cli_evline_fixed(&l, "rtt_max_ms", (double)s->max_us / 1e3, 3);
    }
    h3cli_evline_end(&l);
    fflush(stdout);
}

/* ---- Running ------------------------------------------------------------- */

static void finish(ping_run *r, int error_exit) {
    if (r->finished)
        return;
    r->finished = true;
    if (error_exit)
        r->exit_code = error_exit;
    ev_timer_stop(r->loop, &r->tick);
    ev_timer_stop(r->loop, &r->wait);
    ev_timer_stop(r->loop, &r->deadline);
    if (r->conn && !quic_conn_is_closed(r->conn)) {
        /* An h3 peer expects H3_NO_ERROR (RFC 9114 §8.1), others 0. */
        uint64_t code = strcmp(r->o.alpn, "h3") == 0 ? H3_NO_ERROR : 0;
        quic_conn_close(r->conn, code, QUIC_FRAME_TYPE_NONE, NULL);
        h3cli_loop_conn_service(&r->lc);
    }
    r->end = h3cli_now();
    ev_break(r->loop, EVBREAK_ALL);
}

/* ping(8): 0 when any reply came (and, with -w and -c, all of them). */
static int exit_status(const ping_run *r) {
    if (r->exit_code)
        return r->exit_code;
    if (r->stats.received == 0)
        return 1;
    if (r->o.deadline > 0 && r->o.count > 0 &&
        r->stats.received < (uint64_t)r->o.count)
        return 1;
    return 0;
}

static bool grow(ping_run *r, uint64_t seq) {
    if (seq < r->cap)
        return true;
    size_t cap = r->cap ? 2 * r->cap : 64;
    quic_time *t = realloc(r->sent_at, cap * sizeof(*t));
    if (t)
        r->sent_at = t;
    bool *a = realloc(r->answered, cap * sizeof(*a));
    if (a)
        r->answered = a;
    if (!t || !a)
        return false;
    memset(r->answered + r->cap, 0, (cap - r->cap) * sizeof(*a));
    r->cap = cap;
    return true;
}

/* Done sending: with -w, only the deadline ends the run; otherwise wait
 * -W for the answers still out. */
static bool all_sent(const ping_run *r) {
    if (r->o.count == 0)
        return false;
    if (r->o.deadline > 0)
        return r->stats.received >= (uint64_t)r->o.count;
    return r->sent >= (uint64_t)r->o.count;
}

static void send_ping(ping_run *r) {
    if (r->o.report_outstanding && r->sent > 0 && !r->answered[r->sent]) {
        timestamp(r);
        printf("no answer yet for seq=%llu\n", (unsigned long long)r->sent);
    }
    uint64_t seq = r->sent + 1;
    if (!grow(r, seq)) {
        fprintf(stderr, "h3cli: ping: out of memory\n");
        finish(r, 2);
        return;
    }
    int rc = quic_conn_send_ping(r->conn, seq);
    if (rc < 0)
        return; /* closing: the ConnectionTerminated event ends the run */
    r->sent = seq;
    r->sent_at[seq] = h3cli_now();
    if (seq == 1)
        r->first_ping = r->sent_at[seq];
    h3cli_pingstats_sent(&r->stats);
    h3cli_loop_conn_service(&r->lc);
    /* RFC 9000 §13.2.1-2: a receiver may hold the ACK of a lone packet for
     * up to max_ack_delay (25 ms by default) but acknowledges every second
     * ack-eliciting packet at once. A second PING in its own packet makes
     * the answer come back after one round trip, not after the delay. */
    if (quic_conn_send_ping(r->conn, PING_COMPANION | seq) == 0)
        h3cli_loop_conn_service(&r->lc);
    if (!r->finished && all_sent(r)) {
        ev_timer_stop(r->loop, &r->tick);
        ev_timer_set(&r->wait, r->o.timeout, 0);
        ev_timer_start(r->loop, &r->wait);
    }
}

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    send_ping(w->data);
}

static void on_wait_over(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    ping_run *r = w->data;
    if (!r->handshake_done) {
        fprintf(stderr, "h3cli: ping: no answer from %s (%s) within %g s\n",
                r->host, r->addr_text, r->o.timeout);
        finish(r, 1);
        return;
    }
    finish(r, 0);
}

static void on_deadline(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    ping_run *r = w->data;
    finish(r, r->handshake_done ? 0 : 1);
}

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
    (void)loop;
    (void)revents;
    ping_run *r = w->data;
    finish(r, r->handshake_done ? 0 : 1);
}

static void on_handshake(ping_run *r, const quic_event *ev) {
    r->handshake_done = true;
    ev_timer_stop(r->loop, &r->wait);
    const char *alpn = ev->u.handshake_completed.alpn_protocol;
    if (alpn)
        r->o.alpn = alpn; /* the negotiated one, for the header line */
    print_header(r, h3cli_now() - r->start);
    ev_timer_set(&r->tick, 0, r->o.interval);
    ev_timer_start(r->loop, &r->tick);
}

static void on_ping_ack(ping_run *r, uint64_t seq) {
    if (seq == 0 || seq > r->sent || r->answered[seq])
        return;
    r->answered[seq] = true;
    quic_time rtt = h3cli_now() - r->sent_at[seq];
    h3cli_pingstats_received(&r->stats, rtt);
    print_reply(r, seq, rtt);
    if (all_sent(r) && (r->o.deadline > 0 || r->stats.received >= r->sent))
        finish(r, 0);
}

static void on_terminated(ping_run *r, const quic_event *ev) {
    if (r->finished)
        return;
    char why[256];
    h3cli_describe_termination(ev, why, sizeof(why));
    if (r->handshake_done) {
        fprintf(stderr, "h3cli: ping: connection to %s %s\n", r->host, why);
        finish(r, 0);
    } else {
        fprintf(stderr, "h3cli: ping: handshake with %s (%s) failed: %s\n",
                r->host, r->addr_text, why);
        finish(r, ev->u.connection_terminated.idle_timeout ? 1 : 2);
    }
}

static void on_quic_event(h3cli_loop_conn *lc, const quic_event *ev,
                          void *user) {
    (void)lc;
    ping_run *r = user;
    if (r->o.events)
        h3cli_output_quic_event(stdout, r->o.json, 0, ev);
    switch (ev->type) {
    case QUIC_EVENT_HANDSHAKE_COMPLETED: on_handshake(r, ev); break;
    case QUIC_EVENT_PING_ACKNOWLEDGED:
        on_ping_ack(r, ev->u.ping_acknowledged.uid);
        break;
    case QUIC_EVENT_CONNECTION_TERMINATED: on_terminated(r, ev); break;
    default: break;
    }
}

static void on_closed(h3cli_loop_conn *lc, void *user) {
    (void)lc;
    finish(user, 0);
}

static const h3cli_loop_conn_ops ping_conn_ops = {on_quic_event, NULL,
                                                  on_closed};

static void on_datagram(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                        quic_time now, void *user) {
    (void)s;
    ping_run *r = user;
    h3cli_loop_conn_feed(&r->lc, d, now);
}

static void on_socket_error(h3cli_loop_socket *s, int err, void *user) {
    (void)s;
    ping_run *r = user;
    fprintf(stderr, "h3cli: ping: %s (%s): %s\n", r->host, r->addr_text,
            h3cli_udp_strerror(err));
    finish(r, 1);
}

/* ---- Setup --------------------------------------------------------------- */

static int resolve(ping_run *r, const char *target) {
    if (h3cli_addr_split_host_port(target, PING_DEFAULT_PORT, &r->host,
                                   &r->port) < 0)
        return h3cli_opts_fail("ping", "invalid host '%s'", target);
    h3cli_addr_rules rules;
    h3cli_addr_rules_init(&rules);
    h3cli_addr_list list = {0};
    char err[256];
    int rc = h3cli_addr_resolve(&rules, r->host, r->port, r->o.family, &list,
                                err, sizeof(err));
    h3cli_addr_rules_cleanup(&rules);
    if (rc < 0) {
        fprintf(stderr, "h3cli: ping: %s\n", err);
        return 2;
    }
    r->peer = list.addrs[0];
    h3cli_addr_list_free(&list);
    h3cli_addr_format((const struct sockaddr *)&r->peer, true, r->addr_text,
                      sizeof(r->addr_text));
    return 0;
}

static int make_conn(ping_run *r) {
    quic_config cfg;
    quic_config_init(&cfg, true);
    cfg.alpn[0] = r->o.alpn;
    cfg.alpn_count = 1;
    cfg.server_name = r->host;
    cfg.verify_peer = !r->o.insecure;
    /* -k checks no chain: loading CA files would only cost time. */
    if (!r->o.insecure)
        h3cli_tls_client_ca(r->o.cacert, &cfg.ca_file, &cfg.ca_dir);
    if (r->o.cacert) {
        int rc = h3cli_tls_check_readable(r->o.cacert);
        if (rc < 0) {
            fprintf(stderr, "h3cli: ping: cannot read CA file %s: %s\n",
                    r->o.cacert, strerror(-rc));
            return 2;
        }
    }
    r->keylog = h3cli_keylog_open();
    if (r->keylog) {
        cfg.keylog = h3cli_keylog_write;
        cfg.sink_user = r->keylog;
    }
    int rc = quic_conn_new(&r->conn, &cfg, NULL);
    if (rc < 0) {
        fprintf(stderr, "h3cli: ping: cannot set up TLS: %s\n",
                quic_strerror(rc));
        return 2;
    }
    return 0;
}

static int start(ping_run *r) {
    int rc = h3cli_loop_client_socket(&r->sock.udp, &r->peer);
    if (rc < 0) {
        fprintf(stderr, "h3cli: ping: %s (%s): %s\n", r->host, r->addr_text,
                h3cli_udp_strerror(rc));
        return 2;
    }
    if (h3cli_loop_socket_start(&r->sock, r->loop, on_datagram, on_socket_error,
                                r) < 0) {
        fprintf(stderr, "h3cli: ping: out of memory\n");
        return 2;
    }
    if ((rc = make_conn(r)) != 0)
        return rc;
    h3cli_loop_conn_attach(&r->lc, &r->sock, r->conn, &ping_conn_ops, r);
    quic_addr peer;
    h3cli_addr_to_quic(&r->peer, &peer);
    r->start = h3cli_now();
    rc = quic_conn_connect(r->conn, &peer, r->start);
    if (rc < 0) {
        fprintf(stderr, "h3cli: ping: cannot start the handshake: %s\n",
                quic_strerror(rc));
        return 2;
    }
    h3cli_loop_conn_service(&r->lc);
    return 0;
}

static void init_watchers(ping_run *r) {
    ev_init(&r->tick, on_tick);
    ev_init(&r->wait, on_wait_over);
    ev_init(&r->deadline, on_deadline);
    r->tick.data = r->wait.data = r->deadline.data = r;
    ev_signal_init(&r->sigint, on_signal, SIGINT);
    ev_signal_init(&r->sigterm, on_signal, SIGTERM);
    r->sigint.data = r->sigterm.data = r;
    ev_signal_start(r->loop, &r->sigint);
    ev_signal_start(r->loop, &r->sigterm);
    /* The handshake must finish within -W (and -w). */
    ev_timer_set(&r->wait, r->o.timeout, 0);
    ev_timer_start(r->loop, &r->wait);
    if (r->o.deadline > 0) {
        ev_timer_set(&r->deadline, r->o.deadline, 0);
        ev_timer_start(r->loop, &r->deadline);
    }
}

static void cleanup(ping_run *r) {
    h3cli_loop_conn_detach(&r->lc);
    quic_conn_free(r->conn);
    h3cli_loop_socket_stop(&r->sock);
    h3cli_udp_close(&r->sock.udp);
    if (r->keylog)
        fclose(r->keylog);
    free(r->sent_at);
    free(r->answered);
    free(r->host);
}

int h3cli_ping_run(int argc, char **argv) {
    ping_run r;
    memset(&r, 0, sizeof(r));
    r.sock.udp.fd = -1;
    r.o.interval = 1.0;
    r.o.timeout = 10.0;
    r.o.alpn = "h3";
    int first =
        h3cli_opts_parse(&h3cli_ping_command, argc, argv, on_option, &r.o);
    if (first == H3CLI_OPTS_HELP)
        return 0;
    if (first < 0)
        return -first;
    if (first >= argc)
        return h3cli_opts_fail("ping", "no host given");
    if (first + 1 < argc)
        return h3cli_opts_fail("ping", "more than one host given");
    h3cli_pingstats_init(&r.stats);
    int rc = resolve(&r, argv[first]);
    if (rc == 0) {
        r.loop = ev_default_loop(EVFLAG_AUTO);
        init_watchers(&r);
        rc = start(&r);
        if (rc == 0) {
            ev_run(r.loop, 0);
            /* After the loop, so the statistics are the last lines. */
            if (r.handshake_done)
                print_statistics(&r, r.end - r.first_ping);
            rc = exit_status(&r);
        }
        h3cli_loop_signal_retire(r.loop, &r.sigint);
        h3cli_loop_signal_retire(r.loop, &r.sigterm);
        ev_timer_stop(r.loop, &r.tick);
        ev_timer_stop(r.loop, &r.wait);
        ev_timer_stop(r.loop, &r.deadline);
    }
    cleanup(&r);
    return rc;
}

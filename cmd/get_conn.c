/* cmd/get_conn.c — one `get` connection per origin: name resolution
 * (--resolve, --connect-to, -4/-6), the UDP socket, the QUIC handshake with
 * the TLS options, the HTTP/3 layer once it completes, the event dispatch
 * to transfers, and the mapping of a connection's end to curl's exit
 * codes, and --migrate (a move to a new socket after the handshake).
 * Requests and output are get_xfer.c's. */
#include "cmd/get.h"

#include "cmd/output.h"
#include "cmd/tls_files.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void get_info(const get_run *g, const char *fmt, ...) {
    if (!g->o.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("* ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static get_xfer *xfer_of(get_conn *c, uint64_t sid) {
    get_run *g = c->g;
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->conn == c && x->state == XFER_ACTIVE &&
            x->stream_id == (int64_t)sid)
            return x;
    }
    return NULL;
}

/* Fails every unfinished transfer of |c|. */
static void fail_all(get_conn *c, int code, const char *msg) {
    get_run *g = c->g;
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->conn == c && x->state != XFER_DONE)
            get_xfer_fail(x, code, "%s", msg);
    }
}

static uint64_t ms_since(quic_time t) {
    return (h3cli_now() - t) / QUIC_MS;
}

/* The exit code and message for a connection that ended before the
 * handshake completed. */
static int handshake_failure(get_conn *c, const quic_event *ev, char *msg,
                             size_t cap) {
    uint64_t code = ev->u.connection_terminated.error_code;
    bool app = ev->u.connection_terminated.is_application;
    switch (quic_conn_verify_result(c->quic)) {
    case QUIC_VERIFY_CHAIN:
        snprintf(msg, cap,
                 "SSL certificate problem: unable to verify the "
                 "certificate of %s (untrusted, expired or badly "
                 "signed)",
                 c->host);
        return GET_PEER_FAILED_VERIFICATION;
    case QUIC_VERIFY_NAME:
        snprintf(msg, cap,
                 "SSL: no alternative certificate subject name "
                 "matches target host name '%s'",
                 c->host);
        return GET_PEER_FAILED_VERIFICATION;
    case QUIC_VERIFY_PIN:
        snprintf(msg, cap, "SSL: public key does not match pinned public key");
        return GET_SSL_PINNEDPUBKEYNOTMATCH;
    case QUIC_VERIFY_OK: break;
    }
    char why[256];
    h3cli_describe_termination(ev, why, sizeof(why));
    if (!app && code >= 0x100 && code <= 0x1ff) {
        snprintf(msg, cap, "TLS handshake with %s failed: %s", c->host, why);
        return GET_SSL_CONNECT_ERROR;
    }
    if (ev->u.connection_terminated.idle_timeout) {
        snprintf(msg, cap,
                 "Failed to connect to %s port %u after %llu ms: no answer "
                 "to the QUIC handshake",
                 c->connect_host, c->connect_port,
                 (unsigned long long)ms_since(c->t_start));
        return GET_COULDNT_CONNECT;
    }
    snprintf(msg, cap, "Failed to connect to %s port %u: %s", c->connect_host,
             c->connect_port, why);
    return app ? GET_COULDNT_CONNECT : GET_QUIC_CONNECT_ERROR;
}

static void on_terminated(get_conn *c, const quic_event *ev) {
    char msg[400], why[256] = "";
    int code;
    c->terminated = true;
    ev_timer_stop(c->g->loop, &c->connect_timer);
    ev_timer_stop(c->g->loop, &c->migrate_timer);
    if (!c->handshake_done) {
        code = handshake_failure(c, ev, msg, sizeof(msg));
    } else {
        uint64_t wire = ev->u.connection_terminated.error_code;
        bool app = ev->u.connection_terminated.is_application;
        h3cli_describe_termination(ev, why, sizeof(why));
        if (ev->u.connection_terminated.idle_timeout) {
            code = GET_OPERATION_TIMEDOUT;
            snprintf(msg, sizeof(msg), "connection to %s: idle timeout",
                     c->host);
        } else if (app && wire != H3_NO_ERROR) {
            code = GET_HTTP3;
            snprintf(msg, sizeof(msg), "HTTP/3 error: connection %s", why);
        } else if (!app && wire != QUIC_NO_ERROR) {
            code = GET_QUIC_CONNECT_ERROR;
            snprintf(msg, sizeof(msg), "QUIC connection error: %s", why);
        } else {
            code = GET_RECV_ERROR;
            snprintf(msg, sizeof(msg), "Connection to %s %s", c->host, why);
        }
    }
    get_info(c->g, "QUIC connection %s",
             why[0] && c->handshake_done ? why : "ended");
    fail_all(c, code, msg);
}

static void verbose_handshake(get_conn *c, const quic_event *ev) {
    get_run *g = c->g;
    if (!g->o.verbose)
        return;
    quic_conn_stats st;
    quic_conn_get_stats(c->quic, &st);
    const char *suite = st.cipher_suite == 0x1301   ? "TLS_AES_128_GCM_SHA256"
                        : st.cipher_suite == 0x1302 ? "TLS_AES_256_GCM_SHA384"
                        : st.cipher_suite == 0x1303
                            ? "TLS_CHACHA20_POLY1305_SHA256"
                            : "unknown";
    char lc[2 * QUIC_MAX_CID_LEN + 1] = "", pc[2 * QUIC_MAX_CID_LEN + 1] = "";
    for (size_t i = 0; i < st.local_cid.len; i++)
        sprintf(lc + 2 * i, "%02x", st.local_cid.data[i]);
    for (size_t i = 0; i < st.peer_cid.len; i++)
        sprintf(pc + 2 * i, "%02x", st.peer_cid.data[i]);
    get_info(g, "QUIC handshake done in %.3f ms: QUIC %s, %s, ALPN %s%s",
             (double)(c->t_handshake - c->t_start) / 1e6,
             st.version == QUIC_VERSION_2 ? "v2" : "v1", suite,
             ev->u.handshake_completed.alpn_protocol
                 ? ev->u.handshake_completed.alpn_protocol
                 : "none",
             ev->u.handshake_completed.session_resumed ? ", resumed" : "");
    get_info(g, "QUIC connection IDs: ours %s, the server's %s", lc, pc);
    get_info(g, "Connected to %s (%s) port %u", c->host, c->peer_ip,
             c->peer_port);
    get_info(g, "using HTTP/3");
}

/* Keeps the server's SETTINGS with the session ticket this connection
 * gave (RFC 9114 §7.2.4.2: "Clients SHOULD store the settings the server
 * provided in the HTTP/3 connection where resumption information was
 * provided"). */
static void keep_settings(get_conn *c) {
    const h3_settings *s = h3_conn_peer_settings(c->h3);
    uint8_t buf[H3_SETTINGS_EXPORT_MAX];
    int n = s ? h3_settings_export(s, buf, sizeof(buf)) : -1;
    c->g->settings_wanted = n < 0;
    c->g->settings_conn = c->id;
    if (n < 0 || !get_blob_set(&c->g->new_settings, buf, (size_t)n))
        get_blob_free(&c->g->new_settings);
}

static void make_h3(get_conn *c) {
    h3_config cfg;
    h3_config_init(&cfg, true);
    h3_settings remembered;
    get_blob *saved = &c->g->settings;
    if (c->early && saved->data &&
        h3_settings_import(&remembered, saved->data, saved->len) == 0) {
        cfg.remembered_settings = &remembered;
        get_info(c->g, "0-RTT requests respect the server's HTTP/3 SETTINGS "
                       "saved with the session");
    }
    if (h3_conn_new(&c->h3, c->quic, &cfg) < 0) {
        c->h3 = NULL;
        quic_conn_close(c->quic, H3_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE, NULL);
        fail_all(c, GET_OUT_OF_MEMORY, "Out of memory");
    }
}

static void arm_migration(get_conn *c);

static void on_handshake(get_conn *c, const quic_event *ev) {
    c->handshake_done = true;
    c->t_handshake = h3cli_now();
    ev_timer_stop(c->g->loop, &c->connect_timer);
    verbose_handshake(c, ev);
    if (c->early)
        get_info(c->g, "0-RTT %s by the server",
                 ev->u.handshake_completed.early_data_accepted
                     ? "accepted"
                     : "rejected (requests sent again)");
    if (!c->h3)
        make_h3(c);
    if (c->g->o.migrate)
        arm_migration(c);
}

static void on_h3_event(get_conn *c, const h3_event *ev) {
    get_run *g = c->g;
    if (g->o.events)
        h3cli_output_h3_event(stdout, g->o.json, g->n_conns > 1 ? c->id : 0,
                              ev);
    get_xfer *x;
    switch (ev->type) {
    case H3_EVENT_HEADERS_RECEIVED:
        if ((x = xfer_of(c, ev->u.headers_received.stream_id)))
            get_xfer_on_headers(x, ev->u.headers_received.headers,
                                ev->u.headers_received.count,
                                ev->u.headers_received.stream_ended);
        break;
    case H3_EVENT_DATA_RECEIVED:
        if ((x = xfer_of(c, ev->u.data_received.stream_id)))
            get_xfer_on_data(x, ev->u.data_received.data,
                             ev->u.data_received.len,
                             ev->u.data_received.stream_ended);
        break;
    case H3_EVENT_STREAM_RESET:
        if ((x = xfer_of(c, ev->u.stream_reset.stream_id)))
            get_xfer_on_reset(x, ev->u.stream_reset.error_code,
                              ev->u.stream_reset.local);
        break;
    case H3_EVENT_SETTINGS_RECEIVED:
        if (g->settings_wanted && g->settings_conn == c->id)
            keep_settings(c);
        break;
    default: break;
    }
}

static void on_quic_event(h3cli_loop_conn *lc, const quic_event *ev,
                          void *user) {
    (void)lc;
    get_conn *c = user;
    get_run *g = c->g;
    if (g->o.events)
        h3cli_output_quic_event(stdout, g->o.json, g->n_conns > 1 ? c->id : 0,
                                ev);
    if (ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED)
        on_handshake(c, ev);
    if (c->h3) {
        h3_conn_handle_event(c->h3, ev);
        h3_event hev;
        while (h3_conn_next_event(c->h3, &hev))
            on_h3_event(c, &hev);
    }
    if (ev->type == QUIC_EVENT_CONNECTION_TERMINATED)
        on_terminated(c, ev);
}

static void before_flush(h3cli_loop_conn *lc, void *user) {
    (void)lc;
    get_conn *c = user;
    get_conn_start_xfers(c);
    get_conn_maybe_close(c);
}

static void on_closed(h3cli_loop_conn *lc, void *user) {
    (void)lc;
    get_conn *c = user;
    c->terminated = true;
    fail_all(c, GET_RECV_ERROR, "Connection closed");
    if (get_all_done(c->g))
        ev_break(c->g->loop, EVBREAK_ALL);
}

static const h3cli_loop_conn_ops conn_ops = {on_quic_event, before_flush,
                                             on_closed};

/* ---- --migrate (RFC 9000 §9.2) ----------------------------------------------
 */

static void on_datagram(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                        quic_time now, void *user);
static void on_socket_error(h3cli_loop_socket *s, int err, void *user);

/* How long --migrate keeps trying: the engine refuses until the handshake
 * is confirmed (HANDSHAKE_DONE) and the server's spare connection IDs have
 * arrived. */
#define MIGRATE_INTERVAL 0.005 /* seconds */
#define MIGRATE_TRIES 400

/* Moves the connection to a fresh socket (a new ephemeral port towards the
 * same server) and closes the old one: datagrams still on their way to the
 * old port are lost, as after a real address change. */
static int move_socket(get_conn *c) {
    h3cli_udp_socket fresh;
    int rc = h3cli_loop_client_socket(&fresh, &c->peer);
    if (rc < 0)
        return rc;
    h3cli_loop_conn_detach(&c->lc);
    h3cli_loop_socket_stop(&c->sock);
    h3cli_udp_close(&c->sock.udp);
    c->sock.udp = fresh;
    if (h3cli_loop_socket_start(&c->sock, c->g->loop, on_datagram,
                                on_socket_error, c) < 0)
        return -ENOMEM;
    h3cli_loop_conn_attach(&c->lc, &c->sock, c->quic, &conn_ops, c);
    return 0;
}

static void on_migrate_timer(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)revents;
    get_conn *c = w->data;
    if (c->terminated || c->closing) {
        ev_timer_stop(loop, w);
        return;
    }
    int rc = quic_conn_migrate(c->quic, h3cli_now());
    if (rc == QUIC_ERR_INVALID_STATE && ++c->migrate_tries < MIGRATE_TRIES)
        return; /* not yet confirmed, or no spare ID yet */
    ev_timer_stop(loop, w);
    if (rc < 0) {
        get_info(c->g, "--migrate: the connection cannot migrate: %s",
                 quic_strerror(rc));
        return;
    }
    /* The engine switched to a new connection ID and will validate the
     * path; from now on its datagrams leave from the new socket. */
    uint16_t old_port = c->sock.udp.port;
    rc = move_socket(c);
    if (rc == -ENOMEM) {
        quic_conn_close(c->quic, QUIC_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                        "out of memory");
        fail_all(c, GET_OUT_OF_MEMORY, "Out of memory");
        return;
    }
    if (rc < 0) {
        get_info(c->g, "--migrate: no new socket (%s); staying on port %u",
                 h3cli_udp_strerror(rc), old_port);
    } else {
        c->migrated = true;
        c->local_port = c->sock.udp.port;
        get_info(c->g, "Migrated the connection from local port %u to %u",
                 old_port, c->local_port);
    }
    h3cli_loop_conn_service(&c->lc);
}

static void arm_migration(get_conn *c) {
    ev_timer_init(&c->migrate_timer, on_migrate_timer, 0., MIGRATE_INTERVAL);
    c->migrate_timer.data = c;
    ev_timer_start(c->g->loop, &c->migrate_timer);
}

/* -v: how the path validation after --migrate ended. */
static void report_migration(get_conn *c) {
    if (!c->migrated)
        return;
    quic_conn_stats st;
    quic_conn_get_stats(c->quic, &st);
    get_info(c->g, "the new path %s",
             st.paths_validated           ? "was validated"
             : st.path_validations_failed ? "failed validation"
                                          : "was not validated yet");
}

/* ---- Setup ----------------------------------------------------------------
 */

static void on_datagram(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                        quic_time now, void *user) {
    (void)s;
    get_conn *c = user;
    h3cli_loop_conn_feed(&c->lc, d, now);
}

static void on_socket_error(h3cli_loop_socket *s, int err, void *user) {
    (void)s;
    get_conn *c = user;
    if (c->handshake_done)
        return; /* a late ICMP error; the connection's timers decide */
    char msg[300];
    snprintf(msg, sizeof(msg),
             "Failed to connect to %s port %u after %llu ms: %s",
             c->connect_host, c->connect_port,
             (unsigned long long)ms_since(c->t_start), h3cli_udp_strerror(err));
    c->terminated = true;
    ev_timer_stop(c->g->loop, &c->connect_timer);
    fail_all(c, GET_COULDNT_CONNECT, msg);
    if (get_all_done(c->g))
        ev_break(c->g->loop, EVBREAK_ALL);
}

static void on_connect_timeout(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    get_conn *c = w->data;
    char msg[300];
    snprintf(msg, sizeof(msg),
             "Failed to connect to %s port %u after %llu ms: Timeout was "
             "reached",
             c->connect_host, c->connect_port,
             (unsigned long long)ms_since(c->t_start));
    c->terminated = true;
    fail_all(c, GET_OPERATION_TIMEDOUT, msg);
    if (get_all_done(c->g))
        ev_break(c->g->loop, EVBREAK_ALL);
}

/* Resolves the origin of |c| into c->peer. Returns 0 or an exit code with
 * |x| failed. */
static int resolve(get_conn *c, get_xfer *x) {
    get_run *g = c->g;
    h3cli_addr_list list = {0};
    char err[300];
    int rc = h3cli_addr_resolve(&g->o.rules, c->connect_host, c->connect_port,
                                g->o.family, &list, err, sizeof(err));
    if (rc < 0) {
        get_xfer_fail(x,
                      rc == H3CLI_ADDR_ERR_NOMEM ? GET_OUT_OF_MEMORY
                                                 : GET_COULDNT_RESOLVE_HOST,
                      "%s", err);
        return -1;
    }
    get_info(g, "Host %s:%u was resolved.", c->connect_host, c->connect_port);
    for (size_t i = 0; i < list.n; i++) {
        char a[64];
        h3cli_addr_format((struct sockaddr *)&list.addrs[i], false, a,
                          sizeof(a));
        get_info(g, "%s: %s",
                 list.addrs[i].ss_family == AF_INET6 ? "IPv6" : "IPv4", a);
    }
    c->peer = list.addrs[0];
    h3cli_addr_list_free(&list);
    h3cli_addr_format((struct sockaddr *)&c->peer, false, c->peer_ip,
                      sizeof(c->peer_ip));
    c->peer_port = h3cli_addr_port((struct sockaddr *)&c->peer);
    return 0;
}

static void conn_keylog(void *user, const char *line) {
    get_conn *c = user;
    h3cli_keylog_write(c->g->keylog, line);
}

static void conn_qlog(void *user, const uint8_t *data, size_t len, bool fin) {
    get_conn *c = user;
    h3cli_qlog_write(&c->qlog, data, len, fin);
}

static void note_origin(get_conn *c) {
    snprintf(c->g->new_origin, sizeof(c->g->new_origin), "%s:%u", c->host,
             c->port);
}

/* A NewSessionTicket: the newest one is saved to --session-file. */
static void conn_ticket(void *user, const uint8_t *ticket, size_t len) {
    get_conn *c = user;
    if (get_blob_set(&c->g->new_session, ticket, len)) {
        note_origin(c);
        keep_settings(c);
    }
    get_info(c->g, "TLS session ticket received (%zu bytes)", len);
}

/* A NEW_TOKEN token (RFC 9000 §8.1.3): saved for the next connection. */
static void conn_token(void *user, const uint8_t *token, size_t len) {
    get_conn *c = user;
    if (get_blob_set(&c->g->new_token, token, len))
        note_origin(c);
    get_info(c->g, "QUIC address token received (%zu bytes)", len);
}

/* --session-file: what was saved for this origin goes into |cfg|. */
static void use_session(get_conn *c, quic_config *cfg) {
    get_run *g = c->g;
    char origin[300];
    snprintf(origin, sizeof(origin), "%s:%u", c->host, c->port);
    cfg->session_ticket_sink = conn_ticket;
    cfg->new_token_sink = conn_token;
    if (strcmp(origin, g->session_origin) != 0)
        return;
    if (g->session.data) {
        cfg->session_ticket = g->session.data;
        cfg->session_ticket_len = g->session.len;
        cfg->enable_early_data = g->o.early_data;
        get_info(g, "resuming the TLS session from %s%s", g->o.session_file,
                 g->o.early_data ? ", with 0-RTT" : "");
    }
    if (g->token.data && g->token.len <= QUIC_ADDRESS_TOKEN_MAX) {
        cfg->address_token = g->token.data;
        cfg->address_token_len = g->token.len;
    }
}

/* The QUIC connection with get's TLS options. */
static int make_quic(get_conn *c, get_xfer *x) {
    get_run *g = c->g;
    quic_config cfg;
    quic_config_init(&cfg, true);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.server_name = c->host;
    cfg.verify_peer = !g->o.insecure;
    cfg.pinned_pubkey = g->o.pinnedpubkey;
    cfg.cc = g->o.cc;
    cfg.versions[0] = g->o.quic_version;
    cfg.version_count = 1;
    /* -k checks no chain: loading CA files would only cost time (a
     * --cacert that cannot be read is still an error, as in curl). */
    if (!g->o.insecure) {
        h3cli_tls_client_ca(g->o.cacert, &cfg.ca_file, &cfg.ca_dir);
    } else if (g->o.cacert && h3cli_tls_check_readable(g->o.cacert) < 0) {
        get_xfer_fail(x, GET_SSL_CACERT_BADFILE,
                      "error setting certificate file: %s", g->o.cacert);
        return -1;
    }
    cfg.sink_user = c;
    if (g->keylog)
        cfg.keylog = conn_keylog;
    if (g->o.qlog_dir)
        cfg.qlog = conn_qlog;
    if (g->o.session_file)
        use_session(c, &cfg);
    c->early = cfg.enable_early_data;
    int rc = quic_conn_new(&c->quic, &cfg, NULL);
    if (rc == QUIC_ERR_TLS_SESSION && cfg.session_ticket) {
        get_info(g, "the saved session cannot be used; full handshake");
        cfg.session_ticket = NULL;
        cfg.session_ticket_len = 0;
        cfg.enable_early_data = c->early = false;
        rc = quic_conn_new(&c->quic, &cfg, NULL);
    }
    if (rc == QUIC_ERR_TLS_CA) {
        get_xfer_fail(x, GET_SSL_CACERT_BADFILE,
                      "error setting certificate file: %s",
                      cfg.ca_file ? cfg.ca_file : "(system store)");
        return -1;
    }
    if (rc == QUIC_ERR_TLS_PINNED_PUBKEY) {
        get_xfer_fail(x, GET_USAGE,
                      "--pinnedpubkey: malformed pin list "
                      "(want sha256//<base64>[;...])");
        return -1;
    }
    if (rc < 0) {
        get_xfer_fail(
            x, rc == QUIC_ERR_NOMEM ? GET_OUT_OF_MEMORY : GET_SSL_CONNECT_ERROR,
            "cannot set up TLS: %s", quic_strerror(rc));
        return -1;
    }
    return 0;
}

static int open_and_connect(get_conn *c, get_xfer *x) {
    get_run *g = c->g;
    get_info(g, "  Trying %s:%u...", c->peer_ip, c->peer_port);
    int rc = h3cli_loop_client_socket(&c->sock.udp, &c->peer);
    if (rc < 0) {
        get_xfer_fail(x, GET_COULDNT_CONNECT,
                      "Failed to connect to %s port %u: %s", c->connect_host,
                      c->connect_port, h3cli_udp_strerror(rc));
        return -1;
    }
    h3cli_addr_format((struct sockaddr *)&c->sock.udp.local, false, c->local_ip,
                      sizeof(c->local_ip));
    c->local_port = c->sock.udp.port;
    if (h3cli_loop_socket_start(&c->sock, g->loop, on_datagram, on_socket_error,
                                c) < 0) {
        get_xfer_fail(x, GET_OUT_OF_MEMORY, "Out of memory");
        return -1;
    }
    if (make_quic(c, x) < 0)
        return -1;
    h3cli_loop_conn_attach(&c->lc, &c->sock, c->quic, &conn_ops, c);
    c->t_start = h3cli_now(); /* after the CA store was loaded */
    quic_addr peer;
    h3cli_addr_to_quic(&c->peer, &peer);
    if ((rc = quic_conn_connect(c->quic, &peer, h3cli_now())) < 0) {
        get_xfer_fail(x, GET_COULDNT_CONNECT, "cannot start QUIC: %s",
                      quic_strerror(rc));
        return -1;
    }
    c->started = true;
    /* 0-RTT (RFC 9001 §4.6.1): the HTTP/3 layer and the first requests go
     * out with the ClientHello, under the limits the ticket remembered. */
    if (c->early)
        make_h3(c);
    if (g->o.qlog_dir) { /* named after the DCID of our first Initial */
        quic_conn_stats st;
        quic_conn_get_stats(c->quic, &st);
        h3cli_qlog_open(&c->qlog, g->o.qlog_dir, &st.peer_cid, true);
    }
    if (g->o.connect_timeout > 0) {
        ev_timer_init(&c->connect_timer, on_connect_timeout,
                      g->o.connect_timeout, 0);
        c->connect_timer.data = c;
        ev_timer_start(g->loop, &c->connect_timer);
    }
    h3cli_loop_conn_service(&c->lc);
    return 0;
}

static get_conn *new_conn(get_run *g, get_xfer *x) {
    get_conn **conns = realloc(g->conns, (g->n_conns + 1) * sizeof(*conns));
    get_conn *c = calloc(1, sizeof(*c));
    if (conns)
        g->conns = conns;
    if (!conns || !c || !(c->host = strdup(x->url.host))) {
        free(c);
        get_xfer_fail(x, GET_OUT_OF_MEMORY, "Out of memory");
        return NULL;
    }
    c->g = g;
    c->id = g->n_conns + 1;
    c->port = x->url.port;
    c->sock.udp.fd = -1;
    ev_init(&c->connect_timer, on_connect_timeout);
    c->connect_timer.data = c;
    g->conns[g->n_conns++] = c;
    h3cli_addr_connect_to(&g->o.rules, c->host, c->port, &c->connect_host,
                          &c->connect_port);
    if (c->connect_host != c->host &&
        (strcasecmp(c->connect_host, c->host) || c->connect_port != c->port))
        get_info(g, "Connecting to hostname: %s port %u (--connect-to)",
                 c->connect_host, c->connect_port);
    x->conn = c; /* the connection's first service step must see it */
    if (resolve(c, x) < 0 || open_and_connect(c, x) < 0) {
        c->terminated = true;
        return NULL;
    }
    return c;
}

get_conn *get_conn_for(get_run *g, get_xfer *x) {
    for (size_t i = 0; i < g->n_conns; i++) {
        get_conn *c = g->conns[i];
        if (!c->terminated && !c->closing && !c->goaway &&
            c->port == x->url.port && strcasecmp(c->host, x->url.host) == 0)
            return c;
    }
    return new_conn(g, x);
}

/* The server's GOAWAY (RFC 9114 §5.2) refuses new requests here: the
 * transfers still waiting go to a new connection to the same origin. */
static void move_queued(get_conn *c) {
    get_run *g = c->g;
    c->goaway = true; /* get_conn_for skips it from now on */
    get_info(g, "the server sent GOAWAY: new requests go on a new "
                "connection");
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->conn != c || x->state != XFER_QUEUED)
            continue;
        x->conn = get_conn_for(g, x);
        if (x->conn)
            get_conn_start_xfers(x->conn);
    }
}

void get_conn_start_xfers(get_conn *c) {
    get_run *g = c->g;
    if (!c->h3 || c->terminated || c->closing || c->goaway)
        return;
    for (size_t i = 0; i < g->n_xfers; i++) {
        get_xfer *x = &g->xfers[i];
        if (x->conn != c || x->state != XFER_QUEUED)
            continue;
        if (c->n_active >= (size_t)g->o.parallel_max)
            return;
        /* Early data can be replayed (RFC 8470): only safe requests go
         * before the handshake completes. */
        if (!c->handshake_done &&
            (get_has_body(x) || (strcmp(get_method(x), "GET") != 0 &&
                                 strcmp(get_method(x), "HEAD") != 0)))
            continue;
        int64_t sid = h3_conn_get_next_request_stream_id(c->h3);
        if (sid == H3_ERR_STREAM_LIMIT)
            return; /* retried when the server allows more streams */
        if (sid == H3_ERR_GOAWAY) {
            move_queued(c);
            return;
        }
        if (sid < 0) {
            get_xfer_fail(x, GET_RECV_ERROR,
                          "cannot start a request on the connection to %s: "
                          "%s",
                          c->host, h3_strerror((int)sid));
            continue;
        }
        c->n_active++;
        get_xfer_send(x, sid);
    }
}

void get_conn_maybe_close(get_conn *c) {
    get_run *g = c->g;
    if (c->closing || c->terminated || !c->started)
        return;
    for (size_t i = 0; i < g->n_xfers; i++)
        if (g->xfers[i].conn == c && g->xfers[i].state != XFER_DONE)
            return;
    c->closing = true;
    report_migration(c);
    quic_conn_close(c->quic, c->h3 ? H3_NO_ERROR : QUIC_NO_ERROR,
                    QUIC_FRAME_TYPE_NONE, NULL);
    get_info(g, "Connection #%zu to host %s closed", c->id - 1, c->host);
}

void get_conn_free(get_conn *c) {
    if (!c)
        return;
    if (c->g->loop) {
        ev_timer_stop(c->g->loop, &c->connect_timer);
        ev_timer_stop(c->g->loop, &c->migrate_timer);
    }
    h3cli_loop_conn_detach(&c->lc);
    h3_conn_free(c->h3);
    quic_conn_free(c->quic); /* hands the qlog its last record */
    h3cli_qlog_cleanup(&c->qlog);
    h3cli_loop_socket_stop(&c->sock);
    h3cli_udp_close(&c->sock.udp);
    free(c->host);
    free(c);
}

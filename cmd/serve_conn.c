/* cmd/serve_conn.c — `serve`'s connections: the datagram demultiplexer
 * (connection IDs, new connections for Initials, Version Negotiation), one
 * connection's QUIC and HTTP/3 events, graceful shutdown and freeing.
 * Requests themselves are serve_req.c's. */
#include "cmd/serve.h"

#include "cmd/addr.h"
#include "cmd/output.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* RFC 9000 §7.2: a client's first DCID is at least 8 bytes. */
#define MIN_CLIENT_DCID 8
/* RFC 9000 §14.1: Initials come in datagrams of at least 1200 bytes. */
#define MIN_INITIAL_DATAGRAM 1200
/* The GOAWAY id that stops new requests without refusing those in flight
 * (RFC 9114 §5.2): the largest client bidirectional stream ID. */
#define GOAWAY_FIRST ((1ull << 62) - 4)

/* QUIC v1 and v2 (RFC 9369): a client's Initial of either is served in
 * that version; any other gets Version Negotiation. */
static const uint32_t served_versions[] = {QUIC_VERSION_1, QUIC_VERSION_2};

static void ensure_h3(serve_conn *c) {
    if (c->h3)
        return;
    h3_config cfg;
    h3_config_init(&cfg, false);
    if (h3_conn_new(&c->h3, c->quic, &cfg) < 0) {
        c->h3 = NULL;
        quic_conn_close(c->quic, H3_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                        "out of memory");
    }
}

static void on_h3_event(serve_conn *c, const h3_event *ev) {
    server *srv = c->srv;
    if (srv->o.events)
        h3cli_output_h3_event(stdout, srv->o.json, c->id, ev);
    switch (ev->type) {
    case H3_EVENT_HEADERS_RECEIVED:
        if (ev->u.headers_received.push_id == H3_PUSH_ID_NONE)
            serve_req_start(c, ev->u.headers_received.stream_id,
                            ev->u.headers_received.headers,
                            ev->u.headers_received.count,
                            ev->u.headers_received.stream_ended);
        break;
    case H3_EVENT_DATA_RECEIVED:
        serve_req_data(c, ev->u.data_received.stream_id,
                       ev->u.data_received.data, ev->u.data_received.len,
                       ev->u.data_received.stream_ended);
        break;
    case H3_EVENT_STREAM_RESET:
        serve_req_reset(c, ev->u.stream_reset.stream_id,
                        ev->u.stream_reset.error_code);
        break;
    default: break;
    }
}

static void on_quic_event(h3cli_loop_conn *lc, const quic_event *ev,
                          void *user) {
    (void)lc;
    serve_conn *c = user;
    server *srv = c->srv;
    if (srv->o.events)
        h3cli_output_quic_event(stdout, srv->o.json, c->id, ev);
    switch (ev->type) {
    case QUIC_EVENT_CONNECTION_ID_ISSUED:
        h3cli_demux_add(&srv->demux, &ev->u.connection_id_issued.connection_id,
                        c);
        break;
    case QUIC_EVENT_CONNECTION_ID_RETIRED:
        h3cli_demux_remove(&srv->demux,
                           &ev->u.connection_id_retired.connection_id, c);
        break;
    case QUIC_EVENT_HANDSHAKE_COMPLETED:
    case QUIC_EVENT_STREAM_DATA_RECEIVED: /* 0-RTT requests come first */
        ensure_h3(c);
        break;
    default: break;
    }
    if (c->h3) {
        h3_conn_handle_event(c->h3, ev);
        h3_event hev;
        while (h3_conn_next_event(c->h3, &hev))
            on_h3_event(c, &hev);
    }
    if (ev->type == QUIC_EVENT_CONNECTION_TERMINATED)
        serve_reqs_free(c);
    if (srv->o.events)
        fflush(stdout);
}

/* During shutdown: close once nothing is open and everything sent was
 * acknowledged, so the last response is not cut off by the close. */
static void maybe_close_idle(serve_conn *c) {
    if (!c->srv->shutting_down || quic_conn_is_closed(c->quic))
        return;
    if (c->h3 && (h3_conn_open_request_count(c->h3) > 0 || c->reqs ||
                  serve_conn_draining(c)))
        return;
    quic_conn_close(c->quic, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE, NULL);
}

static void before_flush(h3cli_loop_conn *lc, void *user) {
    (void)lc;
    serve_conn *c = user;
    serve_req_pump(c);
    maybe_close_idle(c);
}

static void free_conn(serve_conn *c) {
    server *srv = c->srv;
    serve_reqs_free(c);
    h3cli_loop_conn_detach(&c->lc);
    h3cli_demux_remove_value(&srv->demux, c);
    h3_conn_free(c->h3);
    quic_conn_free(c->quic); /* hands the qlog its last record */
    h3cli_qlog_cleanup(&c->qlog);
    free(c->draining);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    srv->n_conns--;
    free(c);
}

static void on_closed(h3cli_loop_conn *lc, void *user) {
    (void)lc;
    serve_conn *c = user;
    server *srv = c->srv;
    free_conn(c);
    if (srv->shutting_down && srv->n_conns == 0)
        ev_break(srv->loop, EVBREAK_ALL);
}

static const h3cli_loop_conn_ops conn_ops = {on_quic_event, before_flush,
                                             on_closed};

static void cid_copy(quic_cid *out, const uint8_t *p, size_t len) {
    memset(out, 0, sizeof(*out));
    out->len = (uint8_t)len;
    memcpy(out->data, p, len);
}

static void send_one(h3cli_loop_socket *s, const h3cli_udp_datagram *d,
                     uint8_t *buf, size_t len) {
    h3cli_udp_datagram out;
    memset(&out, 0, sizeof(out));
    out.data = buf;
    out.len = len;
    out.peer = d->peer;
    if (d->has_local && s->answer_from_local) {
        out.local = d->local;
        out.local_ifindex = d->local_ifindex;
        out.has_local = true;
    }
    h3cli_udp_send(&s->udp, &out, 1);
}

static void send_version_negotiation(h3cli_loop_socket *s,
                                     const h3cli_udp_datagram *d,
                                     const quic_header_info *h) {
    uint8_t buf[600];
    uint8_t bits = 0;
    getrandom(&bits, 1, 0);
    int n = quic_version_negotiation_build(
        buf, sizeof(buf), h, served_versions,
        sizeof(served_versions) / sizeof(served_versions[0]), bits);
    if (n > 0)
        send_one(s, d, buf, (size_t)n);
}

/* Past three quarters of --max-connections, new clients must prove their
 * address first (RFC 9000 §8.1.2: Retry when under load). */
static bool under_load(const server *srv) {
    return srv->o.max_connections > 0 &&
           4 * srv->n_conns >= 3 * (size_t)srv->o.max_connections;
}

/* Address validation (RFC 9000 §8.1). A valid Retry token (§8.1.2) or
 * NEW_TOKEN token (§8.1.3) validates the address; an invalid Retry token
 * drops the Initial; any other token counts as none. Without a valid one,
 * --retry or load answer with a Retry instead of a connection. True when
 * the connection may be made (|sp| filled accordingly). */
static bool validate_address(server *srv, h3cli_loop_socket *s,
                             const h3cli_udp_datagram *d,
                             const quic_header_info *h, quic_server_params *sp,
                             quic_time now) {
    quic_addr peer;
    h3cli_addr_to_quic(&d->peer, &peer);
    if (h->token_len > 0) {
        int rc = quic_retry_validate(srv->retry_key, h, &peer, now, sp);
        if (rc == 0)
            return true;
        if (rc != QUIC_ERR_TOKEN_TYPE && rc != QUIC_ERR_TRUNCATED)
            return false; /* a Retry token, but not valid for this client */
        if (quic_new_token_validate(srv->retry_key, h, &peer, now, sp) == 0)
            return true;
    }
    if (!srv->o.retry && !under_load(srv))
        return true;
    uint8_t buf[256];
    int n = quic_retry_build(buf, sizeof(buf), srv->retry_key, h, &peer, now);
    if (n > 0)
        send_one(s, d, buf, (size_t)n);
    return false;
}

/* RFC 9000 §10.3: a 1-RTT packet for a connection we no longer (or never)
 * had gets a stateless reset, shorter than it and at most 64 bytes, so a
 * client whose connection we lost stops at once instead of timing out. */
static void send_stateless_reset(server *srv, h3cli_loop_socket *s,
                                 const h3cli_udp_datagram *d) {
    uint8_t buf[64];
    int n = quic_stateless_reset_build(srv->reset_key, d->data, d->len,
                                       srv->short_cid_len, buf, sizeof(buf));
    if (n > 0)
        send_one(s, d, buf, (size_t)n);
}

static bool version_served(uint32_t v) {
    for (size_t i = 0; i < sizeof(served_versions) / sizeof(*served_versions);
         i++)
        if (served_versions[i] == v)
            return true;
    return false;
}

static void conn_qlog(void *user, const uint8_t *data, size_t len, bool fin) {
    serve_conn *c = user;
    h3cli_qlog_write(&c->qlog, data, len, fin);
}

static quic_conn *make_quic(server *srv, serve_conn *c,
                            const quic_server_params *sp) {
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.tls_context = srv->tls;
    /* Clients get a NEW_TOKEN token for their next connection (RFC 9000
     * §8.1.3), sealed with the Retry key. */
    cfg.new_token_key = srv->retry_key;
    memcpy(cfg.stateless_reset_key, srv->reset_key, sizeof(srv->reset_key));
    cfg.has_stateless_reset_key = true;
    for (size_t i = 0; i < sizeof(served_versions) / sizeof(*served_versions);
         i++)
        cfg.versions[i] = served_versions[i];
    cfg.version_count = sizeof(served_versions) / sizeof(*served_versions);
    if (srv->o.idle_timeout > 0)
        cfg.idle_timeout = (quic_time)(srv->o.idle_timeout * 1e9);
    if (srv->o.qlog_dir) {
        cfg.qlog = conn_qlog;
        cfg.sink_user = c;
        h3cli_qlog_open(&c->qlog, srv->o.qlog_dir, &sp->original_dcid, false);
    }
    quic_conn *q = NULL;
    if (quic_conn_new(&q, &cfg, sp) < 0)
        return NULL;
    return q;
}

static void new_conn(server *srv, h3cli_loop_socket *s, h3cli_udp_datagram *d,
                     const quic_header_info *h, const quic_server_params *sp,
                     quic_time now) {
    if (srv->o.max_connections > 0 &&
        srv->n_conns >= (size_t)srv->o.max_connections)
        return; /* the client retries its Initial, or gives up */
    serve_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return;
    c->quic = make_quic(srv, c, sp);
    if (!c->quic) {
        h3cli_qlog_cleanup(&c->qlog);
        free(c);
        return;
    }
    c->srv = srv;
    c->id = ++srv->next_conn_id;
    h3cli_addr_format((const struct sockaddr *)&d->peer, true, c->peer_text,
                      sizeof(c->peer_text));
    h3cli_loop_conn_attach(&c->lc, s, c->quic, &conn_ops, c);
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    quic_cid odcid;
    odcid.len = (uint8_t)h->dcid_len;
    memcpy(odcid.data, h->dcid, h->dcid_len);
    quic_conn_stats st;
    quic_conn_get_stats(c->quic, &st);
    srv->short_cid_len = st.local_cid.len;
    if (h3cli_demux_add(&srv->demux, &odcid, c) < 0 ||
        h3cli_demux_add(&srv->demux, &st.local_cid, c) < 0) {
        free_conn(c);
        return;
    }
    h3cli_loop_conn_feed(&c->lc, d, now);
    /* An Initial that does not decrypt (noise, a spoofed or damaged
     * packet) leaves no state behind: only a client that can speak holds
     * a connection slot until its idle timeout. */
    quic_conn_get_stats(c->quic, &st);
    if (st.packets_received == 0)
        free_conn(c);
}

void serve_on_datagram(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                       quic_time now, void *user) {
    server *srv = user;
    quic_header_info h;
    if (quic_header_peek(&h, d->data, d->len, srv->short_cid_len) < 0)
        return;
    serve_conn *c = h3cli_demux_find(&srv->demux, h.dcid, h.dcid_len);
    if (c) {
        h3cli_loop_conn_feed(&c->lc, d, now);
        return;
    }
    if (!h.is_long) {
        send_stateless_reset(srv, s, d);
        return;
    }
    /* RFC 9000 §6.1, §14.1: answer only long headers in datagrams a
     * client's Initial could be, never a Version Negotiation packet. */
    if (d->len < MIN_INITIAL_DATAGRAM)
        return;
    if (!h.version_known || !version_served(h.version)) {
        if (h.version != QUIC_VERSION_NEGOTIATION)
            send_version_negotiation(s, d, &h);
        return;
    }
    if (h.type != QUIC_HEADER_INITIAL || h.dcid_len < MIN_CLIENT_DCID ||
        srv->shutting_down)
        return;
    quic_server_params sp;
    memset(&sp, 0, sizeof(sp));
    cid_copy(&sp.original_dcid, h.dcid, h.dcid_len);
    if (!validate_address(srv, s, d, &h, &sp, now))
        return;
    new_conn(srv, s, d, &h, &sp, now);
}

void serve_conns_goaway(server *srv, bool final) {
    serve_conn *c = srv->conns;
    while (c) {
        serve_conn *next = c->next; /* service may free c */
        if (!c->h3 || quic_conn_is_closed(c->quic)) {
            quic_conn_close(c->quic, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE, NULL);
        } else if (!c->goaway_final) {
            h3_conn_send_goaway(c->h3, final ? H3_GOAWAY_AUTO : GOAWAY_FIRST);
            c->goaway_final = final;
        }
        h3cli_loop_conn_service(&c->lc);
        c = next;
    }
}

void serve_conns_close_all(server *srv) {
    serve_conn *c = srv->conns;
    while (c) {
        serve_conn *next = c->next;
        quic_conn_close(c->quic, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE,
                        "server shutting down");
        h3cli_loop_conn_service(&c->lc);
        c = next;
    }
}

void serve_conns_free_all(server *srv) {
    while (srv->conns)
        free_conn(srv->conns);
}

/* core/conn.c — a connection's lifecycle (new, connect, free), its clock
 * (timers, idle timeout, closing and draining periods) and the event queue
 * calls; the receive and send paths, TLS and the stream calls live in
 * conn_recv.c, conn_send.c, conn_crypto.c and conn_api.c. */
#include "core/conn_internal.h"

#include "core/crypto.h"
#include "core/mem.h"
#include "core/pn.h"

#include <string.h>
#include <sys/random.h>

#define LOCAL_CID_LEN 8
#define CRYPTO_WINDOW (64 * 1024) /* CRYPTO bytes buffered per level */
#define ACK_RANGES_KEPT 64        /* received ranges tracked per space */

void quic_conn_random(quic_conn *conn, uint8_t *out, size_t len) {
    (void)conn;
    /* getrandom(2) is the kernel's CSPRNG (no file, no socket); a short read
     * only happens for requests over 256 bytes, which we never make. */
    while (len > 0) {
        ssize_t n = getrandom(out, len, 0);
        if (n <= 0)
            continue;
        out += n;
        len -= (size_t)n;
    }
}

static void random_cid(quic_conn *conn, quic_cid *cid, size_t len) {
    memset(cid, 0, sizeof(*cid));
    cid->len = (uint8_t)len;
    quic_conn_random(conn, cid->data, len);
}

static int check_config(const quic_config *c, const quic_server_params *sp) {
    if (!c || c->is_client != (sp == NULL))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (c->version_count == 0 || c->version_count > QUIC_MAX_VERSIONS ||
        c->alpn_count > QUIC_MAX_ALPN)
        return QUIC_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < c->version_count; i++)
        if (c->versions[i] != QUIC_VERSION_1 &&
            c->versions[i] != QUIC_VERSION_2)
            return QUIC_ERR_INVALID_ARGUMENT;
    if (c->max_udp_payload_size < 1200 || c->max_streams_bidi > (1ull << 60) ||
        c->max_streams_uni > (1ull << 60) || c->active_connection_id_limit < 2)
        return QUIC_ERR_INVALID_ARGUMENT;
    /* A token must leave room in a 1200-byte Initial (RFC 9000 §14.1). */
    if (c->address_token_len > QUIC_ADDRESS_TOKEN_MAX ||
        (c->address_token_len && !c->address_token))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (sp && (sp->original_dcid.len > QUIC_MAX_CID_LEN ||
               sp->retry_scid.len > QUIC_MAX_CID_LEN))
        return QUIC_ERR_INVALID_ARGUMENT;
    return 0;
}

/* Our transport parameters (RFC 9000 §18.2). */
static void fill_local_tparams(quic_conn *conn) {
    const quic_config *c = &conn->cfg;
    quic_tparams *tp = &conn->local_tp;
    quic_tparams_init(tp);
#define SET(id, field, value)                                                  \
    do {                                                                       \
        tp->field = (value);                                                   \
        quic_tparams_set_present(tp, id);                                      \
    } while (0)
    SET(QUIC_TP_MAX_IDLE_TIMEOUT, max_idle_timeout, c->idle_timeout / QUIC_MS);
    SET(QUIC_TP_MAX_UDP_PAYLOAD_SIZE, max_udp_payload_size,
        c->max_udp_payload_size);
    SET(QUIC_TP_INITIAL_MAX_DATA, initial_max_data, c->max_data);
    SET(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL,
        initial_max_stream_data_bidi_local, c->max_stream_data);
    SET(QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE,
        initial_max_stream_data_bidi_remote, c->max_stream_data);
    SET(QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI, initial_max_stream_data_uni,
        c->max_stream_data);
    SET(QUIC_TP_INITIAL_MAX_STREAMS_BIDI, initial_max_streams_bidi,
        c->max_streams_bidi);
    SET(QUIC_TP_INITIAL_MAX_STREAMS_UNI, initial_max_streams_uni,
        c->max_streams_uni);
    SET(QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT, active_connection_id_limit,
        c->active_connection_id_limit);
    SET(QUIC_TP_INITIAL_SCID, initial_scid, conn->local_cids.slots[0].cid);
    if (c->max_datagram_frame_size)
        SET(QUIC_TP_MAX_DATAGRAM_FRAME_SIZE, max_datagram_frame_size,
            c->max_datagram_frame_size);
    if (!conn->is_client) {
        /* RFC 9000 §7.3: the server authenticates the client's choices. */
        SET(QUIC_TP_ORIGINAL_DCID, original_dcid, conn->original_dcid);
        if (conn->retried)
            SET(QUIC_TP_RETRY_SCID, retry_scid, conn->retry_scid);
        quic_conn_reset_token(conn, &conn->local_cids.slots[0].cid,
                              tp->stateless_reset_token);
        quic_tparams_set_present(tp, QUIC_TP_STATELESS_RESET_TOKEN);
    }
    quic_conn_version_info_fill(conn);
#undef SET
}

static void init_spaces(quic_conn *conn) {
    for (int i = 0; i < QUIC_PN_SPACE_COUNT; i++) {
        conn_space *s = &conn->spaces[i];
        quic_ranges_init(&s->received, conn->alloc, ACK_RANGES_KEPT);
        s->largest_rx = QUIC_PN_NONE;
        s->ack_deadline = QUIC_TIME_NONE;
        quic_sendbuf_init(&s->crypto_send, conn->alloc);
        quic_rob_init(&s->crypto_recv, conn->alloc, CRYPTO_WINDOW);
    }
}

static void setup_ids(quic_conn *conn, const quic_server_params *sp) {
    quic_cid scid;
    random_cid(conn, &scid, LOCAL_CID_LEN);
    conn->local_cid_len = LOCAL_CID_LEN;
    quic_local_cids_init(&conn->local_cids, &scid);
    if (conn->is_client) {
        /* RFC 9000 §7.2: an unpredictable DCID of at least 8 bytes. */
        random_cid(conn, &conn->original_dcid, 8);
        conn->initial_dcid = conn->original_dcid;
        conn->address_validated = true; /* only servers limit (§8.1) */
    } else {
        conn->original_dcid = sp->original_dcid;
        conn->retry_scid = sp->retry_scid;
        conn->retried = sp->retry_scid.len > 0;
        conn->initial_dcid = conn->retried ? sp->retry_scid : sp->original_dcid;
        conn->address_validated = sp->address_validated;
    }
    /* The client's peer CID starts as its chosen DCID until the server's
     * SCID arrives; the server's is filled from the first packet. */
    quic_peer_cids_init(&conn->peer_cids, &conn->initial_dcid,
                        conn->cfg.active_connection_id_limit);
}

/* Client: the NEW_TOKEN token its Initials repeat (RFC 9000 §8.1.3). */
static int copy_address_token(quic_conn *conn, const quic_config *c) {
    if (!conn->is_client || !c->address_token || !c->address_token_len)
        return 0;
    conn->token = quic_mem_malloc(conn->alloc, c->address_token_len);
    if (!conn->token)
        return QUIC_ERR_NOMEM;
    memcpy(conn->token, c->address_token, c->address_token_len);
    conn->token_len = c->address_token_len;
    return 0;
}

static int setup_streams(quic_conn *conn) {
    const quic_config *c = &conn->cfg;
    quic_streams_limits lim;
    memset(&lim, 0, sizeof(lim));
    lim.max_streams[0] = c->max_streams_bidi;
    lim.max_streams[1] = c->max_streams_uni;
    lim.stream_window = c->max_stream_data;
    lim.stream_window_max = c->max_stream_data_window > c->max_stream_data
                                ? c->max_stream_data_window
                                : c->max_stream_data;
    quic_flowctl_rx_init(&conn->rx_fc, c->max_data, c->max_data_window);
    quic_flowctl_tx_init(&conn->tx_fc, 0);
    return quic_streams_init(&conn->streams, conn->alloc, conn->is_client,
                             &lim);
}

static void clear_config_pointers(quic_config *c) {
    memset(c->alpn, 0, sizeof(c->alpn));
    c->server_name = c->cert_file = c->key_file = NULL;
    c->cert_pem = c->key_pem = NULL;
    c->ca_file = c->ca_dir = c->pinned_pubkey = c->cipher_suites = NULL;
    c->session_ticket = NULL;
    c->address_token = NULL;
    c->allocator = NULL;
}

void quic_conn_cc_init(quic_conn *conn) {
    if (conn->cfg.cc == QUIC_CC_RENO) {
        quic_cc_reno_init(&conn->cc_state.reno, conn->max_dgram);
        conn->cc = &conn->cc_state.reno.base;
    } else {
        quic_cc_cubic_init(&conn->cc_state.cubic, conn->max_dgram);
        conn->cc = &conn->cc_state.cubic.base;
    }
}

static quic_conn *conn_alloc(const quic_config *config) {
    const quic_allocator *a = config->allocator;
    quic_conn *conn = quic_mem_calloc(a, 1, sizeof(*conn));
    if (!conn)
        return NULL;
    if (a) {
        conn->alloc_copy = *a;
        conn->alloc = &conn->alloc_copy;
    }
    conn->cfg = *config;
    if (!conn->cfg.has_stateless_reset_key) {
        quic_conn_random(conn, conn->cfg.stateless_reset_key,
                         sizeof(conn->cfg.stateless_reset_key));
        conn->cfg.has_stateless_reset_key = true;
    }
    conn->is_client = config->is_client;
    conn->version = config->versions[0];
    conn->original_version = conn->version;
    conn->idle_deadline = QUIC_TIME_NONE;
    conn->close_deadline = QUIC_TIME_NONE;
    conn->first_1rtt_pn = QUIC_PN_NONE;
    conn->state = conn->is_client ? CONN_STATE_IDLE : CONN_STATE_HANDSHAKE;
    conn->max_dgram = 1200;
    quic_evq_init(&conn->events, conn->alloc);
    init_spaces(conn);
    quic_conn_path_init(conn);
    quic_conn_cc_init(conn);
    quic_pacer_init(&conn->pacer, config->max_udp_payload_size, 0);
    quic_recovery_init(&conn->rec, conn->alloc, conn->cc, !conn->is_client, 0);
    return conn;
}

int quic_conn_new(quic_conn **out, const quic_config *config,
                  const quic_server_params *server) {
    if (!out)
        return QUIC_ERR_INVALID_ARGUMENT;
    *out = NULL;
    int rc = check_config(config, server);
    if (rc < 0)
        return rc;
    quic_conn *conn = conn_alloc(config);
    if (!conn)
        return QUIC_ERR_NOMEM;
    setup_ids(conn, server);
    fill_local_tparams(conn);
    rc = copy_address_token(conn, config);
    if (rc == 0)
        rc = setup_streams(conn);
    if (rc == 0)
        rc = quic_conn_qlog_open(conn);
    if (rc == 0)
        rc = quic_conn_tls_start(conn);
    if (rc == 0 && !conn->is_client)
        rc = quic_conn_install_initial_keys(conn, &conn->initial_dcid);
    clear_config_pointers(&conn->cfg);
    if (rc < 0) {
        quic_conn_free(conn);
        return rc;
    }
    *out = conn;
    return 0;
}

void quic_conn_free(quic_conn *conn) {
    if (!conn)
        return;
    const quic_allocator *a = conn->alloc;
    quic_conn_qlog_close(conn);
    quic_conn_teardown_crypto(conn);
    for (int i = 0; i < QUIC_PN_SPACE_COUNT; i++) {
        quic_ranges_cleanup(&conn->spaces[i].received);
        quic_sendbuf_cleanup(&conn->spaces[i].crypto_send);
        quic_rob_cleanup(&conn->spaces[i].crypto_recv);
    }
    quic_recovery_cleanup(&conn->rec);
    quic_streams_cleanup(&conn->streams);
    quic_evq_cleanup(&conn->events);
    for (size_t i = 0; i < conn->n_dgrams; i++)
        quic_mem_free(a, conn->dgrams[i].data);
    quic_mem_free(a, conn->dgrams);
    quic_mem_free(a, conn->pings);
    quic_mem_free(a, conn->token);
    quic_mem_free(a, conn->close_reason);
    quic_secure_zero(conn->cfg.stateless_reset_key,
                     sizeof(conn->cfg.stateless_reset_key));
    quic_mem_free(a, conn);
}

int quic_conn_connect(quic_conn *conn, const quic_addr *peer, quic_time now) {
    if (!conn || !peer || peer->len > sizeof(peer->data))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!conn->is_client || conn->state != CONN_STATE_IDLE)
        return QUIC_ERR_INVALID_STATE;
    conn->now = now;
    conn->peer_addr = *peer;
    int rc = quic_conn_install_initial_keys(conn, &conn->initial_dcid);
    if (rc < 0)
        return rc;
    conn->state = CONN_STATE_HANDSHAKE;
    quic_conn_restart_idle(conn, now);
    quic_conn_tls_advance(conn);
    if (conn->state != CONN_STATE_HANDSHAKE)
        return QUIC_ERR_TLS;
    return 0;
}

int quic_conn_receive_datagram(quic_conn *conn, uint8_t *data, size_t len,
                               const quic_addr *peer, uint8_t ecn,
                               quic_time now) {
    if (!conn || (!data && len) || !peer || peer->len > sizeof(peer->data))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (now > conn->now)
        conn->now = now;
    quic_conn_end_borrow(conn);
    if (conn->state == CONN_STATE_IDLE || conn->state == CONN_STATE_CLOSED)
        return 0;
    /* A server learns its peer from the first datagram; later ones from
     * elsewhere may move it (conn_path.c, RFC 9000 §9.3). */
    if (conn->peer_addr.len == 0)
        conn->peer_addr = *peer;
    quic_conn_path_on_datagram(conn, peer, len);
    return quic_conn_process_datagram(conn, data, len, ecn, conn->now);
}

int quic_conn_datagrams_to_send(quic_conn *conn, quic_time now, uint8_t *buf,
                                size_t cap, quic_datagram *out, size_t max) {
    if (!conn || !buf || !out)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (now > conn->now)
        conn->now = now;
    if (max == 0 || conn->state == CONN_STATE_IDLE ||
        conn->state >= CONN_STATE_DRAINING)
        return 0;
    if (conn->state == CONN_STATE_CLOSING && !conn->close_pending)
        return 0;
    int n =
        quic_conn_build_datagrams(conn, conn->now, buf, cap, out,
                                  conn->state == CONN_STATE_CLOSING ? 1 : max);
    if (conn->state == CONN_STATE_CLOSING && n > 0)
        conn->close_pending = false;
    return n;
}

/* ---- Time ------------------------------------------------------------------
 */

quic_time quic_conn_close_period(const quic_conn *conn) {
    /* RFC 9000 §10.2: at least three times the current PTO. */
    return 3 * quic_recovery_pto_period(&conn->rec);
}

void quic_conn_restart_idle(quic_conn *conn, quic_time now) {
    quic_time local = conn->cfg.idle_timeout;
    quic_time peer =
        conn->peer_tp_applied ? conn->peer_tp.max_idle_timeout * QUIC_MS : 0;
    /* RFC 9000 §10.1: the minimum of the two values that are not zero,
     * and no less than three PTOs. */
    quic_time t = local;
    if (peer && (!t || peer < t))
        t = peer;
    if (!t) {
        conn->idle_deadline = QUIC_TIME_NONE;
        return;
    }
    quic_time floor = quic_conn_close_period(conn);
    conn->idle_deadline = now + (t > floor ? t : floor);
}

static quic_time min_time(quic_time a, quic_time b) {
    return a < b ? a : b;
}

quic_time quic_conn_get_timer(const quic_conn *conn) {
    if (!conn || conn->state == CONN_STATE_CLOSED ||
        conn->state == CONN_STATE_IDLE)
        return QUIC_TIME_NONE;
    if (conn->state == CONN_STATE_CLOSING || conn->state == CONN_STATE_DRAINING)
        return conn->close_deadline;
    quic_time t = conn->idle_deadline;
    t = min_time(t, quic_recovery_timer(&conn->rec));
    t = min_time(t, quic_conn_ack_timer(conn));
    t = min_time(t, quic_conn_pacing_timer(conn));
    t = min_time(t, quic_conn_key_update_timer(conn));
    t = min_time(t, quic_conn_path_timer(conn));
    return t;
}

static void on_idle_timeout(quic_conn *conn) {
    /* RFC 9000 §10.1: the connection is silently closed and discarded. */
    quic_conn_terminate(conn, CONN_STATE_CLOSED, CONN_END_IDLE, QUIC_NO_ERROR,
                        QUIC_FRAME_TYPE_NONE, false, "idle timeout");
}

static int on_loss_timer(quic_conn *conn, quic_time now) {
    quic_recovery_probe probe;
    memset(&probe, 0, sizeof(probe));
    int rc = quic_recovery_on_timeout(&conn->rec, now, &probe);
    if (rc < 0)
        return rc;
    rc = quic_conn_process_recovery_results(conn);
    if (rc < 0 || probe.count == 0)
        return rc;
    conn_space *s = &conn->spaces[probe.space];
    s->probes = probe.count;
    /* RFC 9002 §6.2.4: a probe carries data when it can; unacknowledged
     * CRYPTO data is the most useful during the handshake. */
    if (probe.space != QUIC_PN_SPACE_APPLICATION && !s->discarded)
        return quic_sendbuf_requeue_unacked(&s->crypto_send);
    return 0;
}

int quic_conn_handle_timer(quic_conn *conn, quic_time now) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (now > conn->now)
        conn->now = now;
    quic_conn_end_borrow(conn);
    if (conn->state == CONN_STATE_CLOSED || conn->state == CONN_STATE_IDLE)
        return 0;
    if (conn->state == CONN_STATE_CLOSING ||
        conn->state == CONN_STATE_DRAINING) {
        if (now >= conn->close_deadline)
            conn->state = CONN_STATE_CLOSED;
        return 0;
    }
    if (now >= conn->idle_deadline) {
        on_idle_timeout(conn);
        return 0;
    }
    quic_conn_key_update_handle_timer(conn, now);
    quic_conn_path_handle_timer(conn, now);
    if (conn->state != CONN_STATE_ESTABLISHED &&
        conn->state != CONN_STATE_HANDSHAKE)
        return 0; /* validation failed with nowhere to go back to */
    conn_space *app = &conn->spaces[QUIC_PN_SPACE_APPLICATION];
    if (now >= app->ack_deadline) {
        app->ack_immediate = true;
        app->ack_deadline = QUIC_TIME_NONE;
    }
    if (now >= quic_recovery_timer(&conn->rec)) {
        int rc = on_loss_timer(conn, now);
        if (rc == QUIC_ERR_NOMEM)
            return rc;
    }
    return 0;
}

bool quic_conn_is_closed(const quic_conn *conn) {
    return !conn || conn->state == CONN_STATE_CLOSED;
}

/* ---- Closing ---------------------------------------------------------------
 */

static char *dup_reason(quic_conn *conn, const char *reason, size_t len) {
    char *s = quic_mem_malloc(conn->alloc, len + 1);
    if (s) {
        memcpy(s, reason, len);
        s[len] = '\0';
    }
    return s;
}

void quic_conn_terminate(quic_conn *conn, conn_state state,
                         conn_end_cause cause, uint64_t code,
                         uint64_t frame_type, bool is_app, const char *reason) {
    if (conn->state >= CONN_STATE_CLOSING)
        return;
    if (!reason)
        reason = "";
    quic_mem_free(conn->alloc, conn->close_reason);
    conn->close_reason = dup_reason(conn, reason, strlen(reason));
    conn->close_error = code;
    conn->close_frame_type = frame_type;
    conn->close_is_app = is_app;
    conn->state = state;
    if (state != CONN_STATE_CLOSED)
        conn->close_deadline = conn->now + quic_conn_close_period(conn);
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = QUIC_EVENT_CONNECTION_TERMINATED;
    ev.u.connection_terminated.error_code = code;
    ev.u.connection_terminated.frame_type = frame_type;
    ev.u.connection_terminated.reason_phrase =
        conn->close_reason ? conn->close_reason : "";
    ev.u.connection_terminated.is_application = is_app;
    ev.u.connection_terminated.by_peer =
        cause == CONN_END_PEER || cause == CONN_END_RESET;
    ev.u.connection_terminated.idle_timeout = cause == CONN_END_IDLE;
    ev.u.connection_terminated.stateless_reset = cause == CONN_END_RESET;
    quic_evq_push(&conn->events, &ev);
    quic_conn_qlog_closed(conn, cause, code, is_app, conn->close_reason);
    quic_conn_qlog_state(
        conn, state == CONN_STATE_CLOSING    ? QUIC_QLOG_STATE_CLOSING
              : state == CONN_STATE_DRAINING ? QUIC_QLOG_STATE_DRAINING
                                             : QUIC_QLOG_STATE_CLOSED);
}

void quic_conn_fail(quic_conn *conn, uint64_t wire_code, uint64_t frame_type,
                    const char *reason) {
    if (conn->state >= CONN_STATE_CLOSING)
        return;
    quic_conn_terminate(conn, CONN_STATE_CLOSING, CONN_END_LOCAL, wire_code,
                        frame_type == QUIC_FRAME_TYPE_NONE ? 0 : frame_type,
                        false, reason);
    conn->close_pending = true;
}

uint64_t quic_conn_wire_code(int err) {
    switch (err) {
    case QUIC_ERR_FLOW_CONTROL: return QUIC_FLOW_CONTROL_ERROR;
    case QUIC_ERR_STREAM_LIMIT: return QUIC_STREAM_LIMIT_ERROR;
    case QUIC_ERR_STREAM_STATE: return QUIC_STREAM_STATE_ERROR;
    case QUIC_ERR_FINAL_SIZE: return QUIC_FINAL_SIZE_ERROR;
    case QUIC_ERR_FRAME_ENCODING: return QUIC_FRAME_ENCODING_ERROR;
    case QUIC_ERR_TRANSPORT_PARAMETER: return QUIC_TRANSPORT_PARAMETER_ERROR;
    case QUIC_ERR_CONNECTION_ID_LIMIT: return QUIC_CONNECTION_ID_LIMIT_ERROR;
    case QUIC_ERR_PROTOCOL_VIOLATION: return QUIC_PROTOCOL_VIOLATION;
    case QUIC_ERR_CRYPTO_BUFFER: return QUIC_CRYPTO_BUFFER_EXCEEDED;
    case QUIC_ERR_VERSION_NEGOTIATION: return QUIC_VERSION_NEGOTIATION_ERROR;
    default: return QUIC_INTERNAL_ERROR;
    }
}

void quic_conn_close(quic_conn *conn, uint64_t error_code, uint64_t frame_type,
                     const char *reason) {
    if (!conn || conn->state >= CONN_STATE_CLOSING)
        return;
    bool is_app = frame_type == QUIC_FRAME_TYPE_NONE;
    if (conn->state == CONN_STATE_IDLE) {
        quic_conn_terminate(conn, CONN_STATE_CLOSED, CONN_END_LOCAL, error_code,
                            frame_type, is_app, reason);
        return;
    }
    quic_conn_terminate(conn, CONN_STATE_CLOSING, CONN_END_LOCAL, error_code,
                        frame_type, is_app, reason);
    conn->close_pending = true;
}

/* ---- Events ----------------------------------------------------------------
 */

void quic_conn_end_borrow(quic_conn *conn) {
    quic_evq_end_borrow(&conn->events);
    quic_stream *st = conn->borrowed;
    if (!st)
        return;
    conn->borrowed = NULL;
    quic_conn_stream_consumed(conn, st, conn->borrowed_len, conn->borrowed_fin);
}

/* Turns a readable mark into a StreamDataReceived pointing into the
 * stream's buffer; false when there is nothing to deliver any more. */
static bool materialise(quic_conn *conn, quic_event *ev) {
    uint64_t id = ev->u.stream_data_received.stream_id;
    quic_stream *st = quic_streams_find(&conn->streams, id);
    if (!st)
        return false;
    st->readable_queued = false;
    const uint8_t *data;
    bool fin;
    size_t len = quic_stream_peek(st, &data, &fin);
    if (len == 0 && !fin) {
        quic_streams_release_if_done(&conn->streams, st);
        return false;
    }
    ev->u.stream_data_received.data = data ? data : (const uint8_t *)"";
    ev->u.stream_data_received.len = len;
    ev->u.stream_data_received.end_stream = fin;
    conn->borrowed = st;
    conn->borrowed_len = len;
    conn->borrowed_fin = fin;
    return true;
}

bool quic_conn_next_event(quic_conn *conn, quic_event *out) {
    if (!conn || !out)
        return false;
    quic_conn_end_borrow(conn);
    quic_evrec rec;
    while (quic_evq_pop(&conn->events, &rec)) {
        if (quic_evrec_is_readable_mark(&rec) && !materialise(conn, &rec.ev))
            continue;
        *out = rec.ev;
        return true;
    }
    memset(out, 0, sizeof(*out));
    return false;
}

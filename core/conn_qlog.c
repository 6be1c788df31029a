/* core/conn_qlog.c — what the connection tells its qlog writer (core/qlog.c):
 * packets with their frames, recovery metrics, losses, keys, state changes,
 * transport parameters and the close. Not the JSON formatting, which is
 * qlog.c's; every call here is a no-op without a qlog sink in the config. */
#include "core/conn_internal.h"
#include "core/mem.h"
#include "core/pn.h"

#include <string.h>

int quic_conn_qlog_open(quic_conn *conn) {
    if (!conn->cfg.qlog)
        return 0;
    /* 8 KB of formatting buffer, only for connections that log. */
    conn->qlog = quic_mem_calloc(conn->alloc, 1, sizeof(*conn->qlog));
    return conn->qlog ? 0 : QUIC_ERR_NOMEM;
}

void quic_conn_qlog_close(quic_conn *conn) {
    if (!conn->qlog)
        return;
    if (conn->qlog_started)
        quic_qlog_close(conn->qlog);
    quic_mem_free(conn->alloc, conn->qlog);
    conn->qlog = NULL;
}

/* The writer, started at the first event: the trace's epoch is the first
 * time a call passed in (quic_conn_new has no clock). NULL without a sink. */
static quic_qlog *writer(quic_conn *conn) {
    if (!conn->qlog)
        return NULL;
    if (!conn->qlog_started) {
        conn->qlog_started = true;
        quic_qlog_init(conn->qlog, conn->cfg.qlog, conn->cfg.sink_user,
                       !conn->is_client, &conn->original_dcid, conn->now);
        /* The engine never sees its local address: "local" stays {}. */
        quic_addr local;
        memset(&local, 0, sizeof(local));
        quic_qlog_connection_started(conn->qlog, conn->now, &local,
                                     &conn->peer_addr);
        if (conn->is_client)
            quic_qlog_version_information(
                conn->qlog, conn->now, NULL, 0, conn->cfg.versions,
                conn->cfg.version_count, conn->version);
        quic_qlog_parameters_set(conn->qlog, conn->now, true, &conn->local_tp);
        quic_conn_qlog_state(conn, conn->is_client
                                       ? QUIC_QLOG_STATE_ATTEMPTED
                                       : QUIC_QLOG_STATE_HANDSHAKE_STARTED);
    }
    return conn->qlog;
}

quic_qlog_packet_type quic_conn_qlog_space_type(quic_pn_space space) {
    switch (space) {
    case QUIC_PN_SPACE_INITIAL: return QUIC_QLOG_PACKET_INITIAL;
    case QUIC_PN_SPACE_HANDSHAKE: return QUIC_QLOG_PACKET_HANDSHAKE;
    default: return QUIC_QLOG_PACKET_1RTT;
    }
}

void quic_conn_qlog_packet(quic_conn *conn, bool sent,
                           quic_qlog_packet_type type, uint64_t pn,
                           size_t length, const uint8_t *payload,
                           size_t payload_len) {
    quic_qlog *q = writer(conn);
    if (!q)
        return;
    /* The ack_delay of our own ACKs uses our exponent, the peer's theirs. */
    uint64_t exp =
        sent ? conn->local_tp.ack_delay_exponent
             : (conn->peer_tp_applied ? conn->peer_tp.ack_delay_exponent : 3);
    quic_qlog_packet_begin(q, sent, conn->now, type, pn, length);
    const uint8_t *p = payload, *end = payload + payload_len;
    while (p < end) {
        quic_frame f;
        int n = quic_frame_decode(&f, p, end);
        if (n <= 0)
            break; /* the frame handlers report what does not decode */
        quic_qlog_frame(q, &f, exp);
        p += n;
    }
    quic_qlog_packet_end(q);
}

void quic_conn_qlog_metrics(quic_conn *conn) {
    quic_qlog *q = writer(conn);
    if (!q)
        return;
    const quic_rtt *rtt = &conn->rec.rtt;
    quic_qlog_metrics m;
    quic_qlog_metrics_init(&m);
    if (rtt->has_sample) {
        m.min_rtt = rtt->min_rtt;
        m.smoothed_rtt = rtt->smoothed_rtt;
        m.latest_rtt = rtt->latest_rtt;
        m.rtt_variance = rtt->rttvar;
    }
    m.pto_count = conn->rec.pto_count;
    m.congestion_window = conn->cc->ops->cwnd(conn->cc);
    m.bytes_in_flight = conn->rec.bytes_in_flight;
    if (conn->cfg.pacing)
        m.pacing_rate = conn->pacer.rate * 8;
    quic_qlog_metrics_updated(q, conn->now, &m);
}

void quic_conn_qlog_lost(quic_conn *conn, const quic_sent_packet *lost,
                         size_t n) {
    quic_qlog *q = writer(conn);
    for (size_t i = 0; q && i < n; i++) {
        const quic_recovery_space *rs = &conn->rec.spaces[lost[i].space];
        /* RFC 9002 §6.1.1: kPacketThreshold is 3; a packet not that far
         * behind the largest acknowledged one was lost on time. */
        bool reordering = rs->largest_acked != QUIC_PN_NONE &&
                          rs->largest_acked >= lost[i].pn + 3;
        quic_qlog_packet_lost(
            q, conn->now, quic_conn_qlog_space_type(lost[i].space), lost[i].pn,
            reordering ? QUIC_QLOG_LOSS_REORDERING : QUIC_QLOG_LOSS_TIME);
    }
}

void quic_conn_qlog_key(quic_conn *conn, quic_level level, bool is_write,
                        uint64_t key_phase, quic_qlog_key_trigger trigger) {
    quic_qlog *q = writer(conn);
    if (!q)
        return;
    /* Our write keys are the client's keys when we are the client. */
    bool client_key = is_write == conn->is_client;
    quic_qlog_key_type t;
    switch (level) {
    case QUIC_LEVEL_INITIAL:
        t = client_key ? QUIC_QLOG_KEY_CLIENT_INITIAL
                       : QUIC_QLOG_KEY_SERVER_INITIAL;
        break;
    case QUIC_LEVEL_EARLY_DATA:
        t = client_key ? QUIC_QLOG_KEY_CLIENT_0RTT : QUIC_QLOG_KEY_SERVER_0RTT;
        break;
    case QUIC_LEVEL_HANDSHAKE:
        t = client_key ? QUIC_QLOG_KEY_CLIENT_HANDSHAKE
                       : QUIC_QLOG_KEY_SERVER_HANDSHAKE;
        break;
    default:
        t = client_key ? QUIC_QLOG_KEY_CLIENT_1RTT : QUIC_QLOG_KEY_SERVER_1RTT;
        break;
    }
    quic_qlog_key_updated(q, conn->now, t, key_phase, trigger);
}

void quic_conn_qlog_state(quic_conn *conn, quic_qlog_conn_state state) {
    quic_qlog *q = writer(conn);
    if (!q || state == conn->qlog_state)
        return;
    quic_qlog_state(q, conn->now, conn->qlog_state, state);
    conn->qlog_state = state;
}

void quic_conn_qlog_peer_params(quic_conn *conn) {
    quic_qlog_parameters_set(writer(conn), conn->now, false, &conn->peer_tp);
}

void quic_conn_qlog_closed(quic_conn *conn, conn_end_cause cause, uint64_t code,
                           bool is_app, const char *reason) {
    quic_qlog *q = writer(conn);
    if (!q)
        return;
    quic_qlog_close_trigger trigger = QUIC_QLOG_CLOSE_UNSPECIFIED;
    if (cause == CONN_END_IDLE)
        trigger = QUIC_QLOG_CLOSE_IDLE_TIMEOUT;
    else if (cause == CONN_END_RESET)
        trigger = QUIC_QLOG_CLOSE_STATELESS_RESET;
    else if (is_app)
        trigger = QUIC_QLOG_CLOSE_APPLICATION;
    else if (code != QUIC_NO_ERROR)
        trigger = QUIC_QLOG_CLOSE_ERROR;
    bool local = cause == CONN_END_LOCAL || cause == CONN_END_IDLE;
    quic_qlog_connection_closed(q, conn->now, local, is_app, code, reason,
                                trigger);
}

void quic_conn_qlog_versions(quic_conn *conn, const uint32_t *server,
                             size_t n_server, const uint32_t *client,
                             size_t n_client, uint32_t chosen) {
    quic_qlog_version_information(writer(conn), conn->now, server, n_server,
                                  client, n_client, chosen);
}

void quic_conn_qlog_alpn(quic_conn *conn, const char *chosen) {
    /* Only the outcome: the offered lists stay inside TLS. */
    quic_qlog_alpn_information(writer(conn), conn->now, NULL, 0, NULL, 0,
                               chosen);
}

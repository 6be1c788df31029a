/* core/conn_crypto.c — how a connection drives TLS (RFC 9001): it creates
 * the TLS object with our transport parameters, feeds it reassembled CRYPTO
 * bytes, installs the keys it produces, takes its handshake bytes into the
 * CRYPTO send buffers, validates the peer's transport parameters (RFC 9000
 * §7.3, §7.4), reports completion, and discards keys when RFC 9001 §4.9
 * says. It parses no packets and builds no frames. */
#include "core/tls.h"

#include "core/conn_internal.h"

#include "core/mem.h"

#include <stdio.h>
#include <string.h>

#define TPARAMS_MAX 512

quic_pn_space quic_conn_level_space(quic_level level) {
    switch (level) {
    case QUIC_LEVEL_INITIAL: return QUIC_PN_SPACE_INITIAL;
    case QUIC_LEVEL_HANDSHAKE: return QUIC_PN_SPACE_HANDSHAKE;
    default: return QUIC_PN_SPACE_APPLICATION;
    }
}

static quic_level space_level(quic_pn_space space) {
    switch (space) {
    case QUIC_PN_SPACE_INITIAL: return QUIC_LEVEL_INITIAL;
    case QUIC_PN_SPACE_HANDSHAKE: return QUIC_LEVEL_HANDSHAKE;
    default: return QUIC_LEVEL_APPLICATION;
    }
}

int quic_conn_tls_start(quic_conn *conn) {
    int rc;
    if (conn->cfg.tls_context) {
        conn->tls_ctx = conn->cfg.tls_context;
    } else {
        rc = quic_tls_context_new(&conn->tls_ctx, &conn->cfg);
        if (rc < 0)
            return rc;
        conn->owns_tls_ctx = true;
    }
    if (quic_tls_context_is_client(conn->tls_ctx) != conn->is_client)
        return QUIC_ERR_INVALID_ARGUMENT;
    return quic_conn_tls_new(conn, true);
}

int quic_conn_tls_new(quic_conn *conn, bool with_session) {
    uint8_t tp[TPARAMS_MAX];
    int rc = quic_tparams_encode(tp, tp + sizeof(tp), &conn->local_tp, NULL);
    if (rc < 0)
        return rc;
    quic_tls_params p;
    memset(&p, 0, sizeof(p));
    p.server_name = conn->is_client ? conn->cfg.server_name : NULL;
    p.transport_params = tp;
    p.transport_params_len = (size_t)rc;
    if (conn->is_client && with_session && conn->cfg.session_ticket) {
        rc = quic_conn_ticket_open(conn, conn->cfg.session_ticket,
                                   conn->cfg.session_ticket_len, &p.session,
                                   &p.session_len);
        if (rc < 0)
            return rc;
        if (rc == 1) { /* another QUIC version's: a full handshake */
            p.session = NULL;
            p.session_len = 0;
        }
    }
    p.allocator = conn->alloc;
    return quic_tls_new(&conn->tls, conn->tls_ctx, &p);
}

static void free_level_keys(quic_conn *conn, quic_level level) {
    quic_keys_free(conn->rx_keys[level]);
    quic_keys_free(conn->tx_keys[level]);
    conn->rx_keys[level] = conn->tx_keys[level] = NULL;
}

void quic_conn_teardown_crypto(quic_conn *conn) {
    for (int l = 0; l < QUIC_LEVEL_COUNT; l++)
        free_level_keys(conn, (quic_level)l);
    quic_keys_free(conn->rx_initial_original);
    conn->rx_initial_original = NULL;
    quic_conn_key_update_cleanup(conn);
    quic_tls_free(conn->tls);
    conn->tls = NULL;
    if (conn->owns_tls_ctx)
        quic_tls_context_free(conn->tls_ctx);
    conn->tls_ctx = NULL;
}

int quic_conn_install_initial_keys(quic_conn *conn, const quic_cid *dcid) {
    quic_keys *client, *server;
    free_level_keys(conn, QUIC_LEVEL_INITIAL);
    int rc = quic_keys_new_initial(&client, &server, conn->alloc, conn->version,
                                   dcid->data, dcid->len);
    if (rc < 0)
        return rc;
    conn->tx_keys[QUIC_LEVEL_INITIAL] = conn->is_client ? client : server;
    conn->rx_keys[QUIC_LEVEL_INITIAL] = conn->is_client ? server : client;
    /* A server's first Initial keys come from quic_conn_new, before any
     * clock: its trace starts with the first packet instead. */
    if (conn->is_client || conn->qlog_started) {
        quic_conn_qlog_key(conn, QUIC_LEVEL_INITIAL, true, QUIC_QLOG_NONE,
                           QUIC_QLOG_KEY_TLS);
        quic_conn_qlog_key(conn, QUIC_LEVEL_INITIAL, false, QUIC_QLOG_NONE,
                           QUIC_QLOG_KEY_TLS);
    }
    return 0;
}

int quic_conn_crypto_deliver(quic_conn *conn, quic_pn_space space) {
    quic_rob *rob = &conn->spaces[space].crypto_recv;
    const uint8_t *data;
    size_t n;
    while ((n = quic_rob_peek(rob, &data)) > 0) {
        int rc = quic_tls_provide(conn->tls, space_level(space), data, n);
        if (rc < 0)
            return rc == QUIC_ERR_NOMEM ? rc : QUIC_ERR_PROTOCOL_VIOLATION;
        quic_rob_consume(rob, n);
    }
    return 0;
}

static int take_secrets(quic_conn *conn) {
    quic_tls_secret sec;
    int rc = 0;
    while (rc == 0 && quic_tls_next_secret(conn->tls, &sec)) {
        quic_level level = sec.level;
        bool is_write = sec.is_write;
        quic_cipher cipher;
        quic_keys *keys = NULL;
        rc = quic_cipher_from_tls_suite(sec.cipher_suite, &cipher);
        if (rc == 0)
            rc = quic_keys_new(&keys, conn->alloc, cipher, conn->version,
                               sec.secret, sec.len);
        quic_secure_zero(&sec, sizeof(sec));
        if (rc < 0)
            break;
        quic_keys **slot =
            is_write ? &conn->tx_keys[level] : &conn->rx_keys[level];
        quic_keys_free(*slot);
        *slot = keys;
        conn->cipher_suite = quic_cipher_tls_suite(cipher);
        quic_conn_qlog_key(conn, level, is_write,
                           level == QUIC_LEVEL_APPLICATION ? 0 : QUIC_QLOG_NONE,
                           QUIC_QLOG_KEY_TLS);
        if (level == QUIC_LEVEL_HANDSHAKE && is_write && conn->is_client)
            quic_recovery_set_has_handshake_keys(&conn->rec, conn->now);
        if (level == QUIC_LEVEL_EARLY_DATA && is_write)
            quic_conn_apply_remembered_tparams(conn);
    }
    return rc;
}

static int take_handshake_bytes(quic_conn *conn) {
    static const quic_level levels[] = {
        QUIC_LEVEL_INITIAL, QUIC_LEVEL_HANDSHAKE, QUIC_LEVEL_APPLICATION};
    for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
        size_t len;
        const uint8_t *data =
            quic_tls_peek_handshake(conn->tls, levels[i], &len);
        if (!len)
            continue;
        conn_space *s = &conn->spaces[quic_conn_level_space(levels[i])];
        if (!s->discarded) {
            int rc = quic_sendbuf_append(&s->crypto_send, data, len);
            if (rc < 0)
                return rc;
        }
        quic_tls_consume_handshake(conn->tls, levels[i], len);
    }
    return 0;
}

static bool cid_eq(const quic_cid *a, const quic_cid *b) {
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* RFC 9000 §7.3: the connection IDs both sides used, authenticated. */
static int check_tparam_cids(const quic_conn *conn, const quic_tparams *tp) {
    if (!quic_tparams_has(tp, QUIC_TP_INITIAL_SCID) ||
        !cid_eq(&tp->initial_scid, &conn->peer_first_scid))
        return QUIC_ERR_TRANSPORT_PARAMETER;
    if (!conn->is_client)
        return 0;
    if (!quic_tparams_has(tp, QUIC_TP_ORIGINAL_DCID) ||
        !cid_eq(&tp->original_dcid, &conn->original_dcid))
        return QUIC_ERR_TRANSPORT_PARAMETER;
    bool has_retry = quic_tparams_has(tp, QUIC_TP_RETRY_SCID);
    if (has_retry != conn->retried ||
        (has_retry && !cid_eq(&tp->retry_scid, &conn->retry_scid)))
        return QUIC_ERR_TRANSPORT_PARAMETER;
    return 0;
}

static int apply_peer_tparams(quic_conn *conn) {
    const uint8_t *p;
    size_t len;
    if (conn->peer_tp_applied ||
        !quic_tls_peer_transport_params(conn->tls, &p, &len))
        return 0;
    quic_tparams *tp = &conn->peer_tp;
    int rc = quic_tparams_decode(tp, p, p + len, conn->is_client);
    if (rc == 0)
        rc = check_tparam_cids(conn, tp);
    if (rc < 0)
        return QUIC_ERR_TRANSPORT_PARAMETER;
    rc = quic_conn_check_peer_version_info(conn, tp);
    if (rc < 0)
        return rc;
    conn->peer_tp_applied = true;
    quic_conn_qlog_peer_params(conn);
    quic_recovery_set_max_ack_delay(&conn->rec, tp->max_ack_delay * QUIC_MS);
    quic_flowctl_tx_raise(&conn->tx_fc, tp->initial_max_data);
    quic_streams_set_peer(&conn->streams, tp->initial_max_streams_bidi,
                          tp->initial_max_streams_uni,
                          tp->initial_max_stream_data_bidi_local,
                          tp->initial_max_stream_data_bidi_remote,
                          tp->initial_max_stream_data_uni);
    /* 0-RTT data may have stopped at the remembered limits. */
    conn->conn_blocked = false;
    quic_streams_requeue_sendable(&conn->streams);
    if (conn->is_client && quic_tparams_has(tp, QUIC_TP_STATELESS_RESET_TOKEN))
        quic_peer_cids_set_token0(&conn->peer_cids, tp->stateless_reset_token);
    quic_conn_restart_idle(conn, conn->now);
    return 0;
}

/* Gives the peer spare connection IDs, up to its limit (RFC 9000 §5.1.1). */
void quic_conn_issue_cids(quic_conn *conn) {
    uint64_t limit = conn->peer_tp.active_connection_id_limit;
    if (limit > QUIC_CID_LOCAL_MAX)
        limit = QUIC_CID_LOCAL_MAX;
    while (quic_local_cids_active(&conn->local_cids) < limit) {
        quic_cid cid;
        uint8_t token[QUIC_RESET_TOKEN_LEN];
        cid.len = (uint8_t)conn->local_cid_len;
        quic_conn_random(conn, cid.data, cid.len);
        quic_conn_reset_token(conn, &cid, token);
        if (quic_local_cids_issue(&conn->local_cids, &cid, token) < 0)
            break;
        quic_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = QUIC_EVENT_CONNECTION_ID_ISSUED;
        ev.u.connection_id_issued.connection_id = cid;
        quic_evq_push(&conn->events, &ev);
    }
}

/* Client: 0-RTT ends with the handshake (RFC 9001 §4.9.3); data the server
 * declined goes again in 1-RTT (§4.6.2). */
static int end_zero_rtt(quic_conn *conn) {
    if (!conn->is_client)
        return 0;
    quic_keys_free(conn->tx_keys[QUIC_LEVEL_EARLY_DATA]);
    conn->tx_keys[QUIC_LEVEL_EARLY_DATA] = NULL;
    if (!conn->zero_rtt_sent ||
        quic_tls_early_data_status(conn->tls) == QUIC_TLS_EARLY_DATA_ACCEPTED)
        return 0;
    return quic_conn_requeue_zero_rtt(conn);
}

static void on_handshake_complete(quic_conn *conn) {
    conn->handshake_complete = true;
    if (end_zero_rtt(conn) < 0) {
        quic_conn_fail(conn, QUIC_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                       "out of memory");
        return;
    }
    conn->state = CONN_STATE_ESTABLISHED;
    quic_conn_qlog_state(conn, QUIC_QLOG_STATE_HANDSHAKE_COMPLETE);
    const char *alpn = quic_tls_alpn(conn->tls);
    if (alpn) {
        snprintf(conn->alpn, sizeof(conn->alpn), "%s", alpn);
        conn->has_alpn = true;
    } else if (conn->cfg.alpn_count > 0) {
        /* RFC 9001 §8.1: ALPN is mandatory for QUIC. */
        quic_conn_fail(conn, QUIC_CRYPTO_ERROR(120), QUIC_FRAME_CRYPTO,
                       "no application protocol negotiated");
        return;
    }
    quic_conn_qlog_alpn(conn, conn->has_alpn ? conn->alpn : NULL);
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = QUIC_EVENT_PROTOCOL_NEGOTIATED;
    ev.u.protocol_negotiated.alpn_protocol = conn->has_alpn ? conn->alpn : NULL;
    quic_evq_push(&conn->events, &ev);
    memset(&ev, 0, sizeof(ev));
    ev.type = QUIC_EVENT_HANDSHAKE_COMPLETED;
    ev.u.handshake_completed.alpn_protocol = conn->has_alpn ? conn->alpn : NULL;
    ev.u.handshake_completed.early_data_accepted =
        quic_tls_early_data_status(conn->tls) == QUIC_TLS_EARLY_DATA_ACCEPTED;
    ev.u.handshake_completed.session_resumed =
        quic_tls_session_resumed(conn->tls);
    quic_evq_push(&conn->events, &ev);
    quic_conn_issue_cids(conn);
    if (!conn->is_client) {
        /* RFC 9001 §4.1.2: the server's handshake is confirmed now; it
         * tells the client with HANDSHAKE_DONE. */
        conn->handshake_done_pending = true;
        quic_conn_confirm_handshake(conn);
        quic_conn_mint_new_token(conn);
    }
}

static void take_session_tickets(quic_conn *conn) {
    const uint8_t *t;
    size_t len;
    while (quic_tls_take_session_ticket(conn->tls, &t, &len))
        quic_conn_ticket_emit(conn, t, len);
}

static void tls_failed(quic_conn *conn, int rc) {
    int alert = quic_tls_alert(conn->tls);
    uint64_t code =
        alert >= 0 ? QUIC_CRYPTO_ERROR((unsigned)alert) : QUIC_INTERNAL_ERROR;
    const char *why = quic_tls_error_string(conn->tls);
    if (rc == QUIC_ERR_TRANSPORT_PARAMETER) {
        code = QUIC_TRANSPORT_PARAMETER_ERROR;
        why = "invalid transport parameters";
    } else if (rc == QUIC_ERR_VERSION_NEGOTIATION) {
        code = QUIC_VERSION_NEGOTIATION_ERROR;
        why = "version_information does not match the negotiated version";
    }
    quic_conn_fail(conn, code, QUIC_FRAME_CRYPTO, why);
}

void quic_conn_tls_advance(quic_conn *conn) {
    if (!conn->tls || conn->state >= CONN_STATE_CLOSING)
        return;
    /* A server settles the version before TLS answers the ClientHello
     * (RFC 9369 §4: its CRYPTO frames go in the negotiated version). */
    int rc = quic_conn_server_choose_version(conn);
    if (rc < 0) {
        quic_conn_fail(conn, QUIC_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                       "version negotiation");
        return;
    }
    rc = quic_tls_advance(conn->tls);
    if (rc == 0)
        rc = take_secrets(conn);
    if (rc == 0)
        rc = take_handshake_bytes(conn);
    if (rc == 0)
        rc = apply_peer_tparams(conn);
    if (rc < 0) {
        tls_failed(conn, rc);
        return;
    }
    if (!conn->handshake_complete && quic_tls_handshake_complete(conn->tls))
        on_handshake_complete(conn);
    take_session_tickets(conn);
}

void quic_conn_discard_space(quic_conn *conn, quic_pn_space space) {
    conn_space *s = &conn->spaces[space];
    if (s->discarded || space == QUIC_PN_SPACE_APPLICATION)
        return;
    free_level_keys(conn, space_level(space));
    if (space == QUIC_PN_SPACE_INITIAL) {
        quic_keys_free(conn->rx_initial_original);
        conn->rx_initial_original = NULL;
    }
    quic_sendbuf_cleanup(&s->crypto_send);
    quic_rob_cleanup(&s->crypto_recv);
    quic_recovery_discard_space(&conn->rec, space, conn->now);
    s->discarded = true;
    s->ack_pending = s->ack_immediate = false;
    s->probes = 0;
}

void quic_conn_confirm_handshake(quic_conn *conn) {
    if (conn->handshake_confirmed)
        return;
    conn->handshake_confirmed = true;
    quic_conn_qlog_state(conn, QUIC_QLOG_STATE_HANDSHAKE_CONFIRMED);
    /* RFC 9001 §4.9.2: Handshake keys go once the handshake is confirmed
     * (Initial keys went earlier, §4.9.1). */
    quic_conn_discard_space(conn, QUIC_PN_SPACE_INITIAL);
    quic_conn_discard_space(conn, QUIC_PN_SPACE_HANDSHAKE);
    quic_recovery_set_handshake_confirmed(&conn->rec, conn->now);
    /* Without path MTU discovery, the largest datagram both ends accept
     * (RFC 9000 §14: the peer's max_udp_payload_size bounds it). */
    size_t mtu = conn->cfg.max_udp_payload_size;
    if (conn->peer_tp.max_udp_payload_size < mtu)
        mtu = (size_t)conn->peer_tp.max_udp_payload_size;
    if (mtu > conn->max_dgram)
        conn->max_dgram = mtu;
}

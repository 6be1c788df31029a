/* core/conn_frames.c — what each received frame does to a connection (RFC
 * 9000 §19, RFC 9221), and what an acknowledged or lost frame record means
 * (RFC 9000 §13.3). Violations come back as internal QUIC_ERR_* codes that
 * quic_conn_process_frames turns into one CONNECTION_CLOSE. */
#include "core/conn_internal.h"

#include "core/packet.h"

#include <string.h>

static void push_stream_event(quic_conn *conn, quic_event_type type,
                              uint64_t stream_id, uint64_t code) {
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    if (type == QUIC_EVENT_STREAM_RESET) {
        ev.u.stream_reset.stream_id = stream_id;
        ev.u.stream_reset.error_code = code;
    } else {
        ev.u.stop_sending_received.stream_id = stream_id;
        ev.u.stop_sending_received.error_code = code;
    }
    quic_evq_push(&conn->events, &ev);
}

static int on_crypto(quic_conn *conn, quic_pn_space space,
                     const quic_frame *f) {
    conn_space *s = &conn->spaces[space];
    int rc = quic_rob_push(&s->crypto_recv, f->u.crypto.offset,
                           f->u.crypto.data, f->u.crypto.len, false);
    if (rc == QUIC_ERR_FLOW_CONTROL)
        return QUIC_ERR_CRYPTO_BUFFER; /* RFC 9000 §7.5 */
    if (rc < 0)
        return rc;
    if (quic_rob_readable(&s->crypto_recv) == 0)
        return 0;
    rc = quic_conn_crypto_deliver(conn, space);
    if (rc < 0)
        return rc;
    quic_conn_tls_advance(conn);
    return 0;
}

static int on_stream(quic_conn *conn, const quic_frame *f) {
    quic_stream *st;
    int rc = quic_streams_get_for_frame(&conn->streams, f->u.stream.stream_id,
                                        false, true, &st);
    if (rc < 0 || !st)
        return rc;
    uint64_t grew;
    bool fin = (f->type & QUIC_FRAME_STREAM_FIN) != 0;
    rc = quic_stream_on_data(st, f->u.stream.offset, f->u.stream.data,
                             f->u.stream.len, fin, &grew);
    if (rc == 0)
        rc = quic_flowctl_rx_add_received(&conn->rx_fc, grew);
    if (rc < 0)
        return rc;
    const uint8_t *data;
    bool at_fin;
    if (quic_stream_peek(st, &data, &at_fin) > 0 || at_fin)
        return quic_conn_mark_readable(conn, st);
    return 0;
}

static int on_reset_stream(quic_conn *conn, const quic_frame *f) {
    quic_stream *st;
    uint64_t id = f->u.reset_stream.stream_id;
    int rc = quic_streams_get_for_frame(&conn->streams, id, false, true, &st);
    if (rc < 0 || !st)
        return rc;
    uint64_t grew, unread = 0;
    rc = quic_stream_on_reset(st, f->u.reset_stream.error_code,
                              f->u.reset_stream.final_size, &grew);
    if (rc <= 0)
        return rc;
    rc = quic_flowctl_rx_add_received(&conn->rx_fc, grew);
    if (rc < 0)
        return rc;
    /* RFC 9000 §4.5: the unread bytes of a reset stream count as consumed,
     * so connection credit is not lost with them. */
    unread = f->u.reset_stream.final_size - st->rob.read_offset;
    if (conn->borrowed == st)
        unread -= conn->borrowed_len;
    quic_flowctl_rx_on_consumed(&st->rx, unread);
    quic_conn_return_credit(conn, unread);
    push_stream_event(conn, QUIC_EVENT_STREAM_RESET, id,
                      f->u.reset_stream.error_code);
    st->recv_state = QUIC_RECV_RESET_READ;
    quic_streams_release_if_done(&conn->streams, st);
    return 0;
}

static int on_stop_sending(quic_conn *conn, const quic_frame *f) {
    quic_stream *st;
    uint64_t id = f->u.stop_sending.stream_id;
    int rc = quic_streams_get_for_frame(&conn->streams, id, true, false, &st);
    if (rc < 0 || !st)
        return rc;
    if (quic_stream_on_stop_sending(st, f->u.stop_sending.error_code) == 1) {
        push_stream_event(conn, QUIC_EVENT_STOP_SENDING_RECEIVED, id,
                          f->u.stop_sending.error_code);
        if (st->pending & QUIC_STREAM_PEND_RESET)
            quic_streams_want_ctrl(&conn->streams, st, QUIC_STREAM_PEND_RESET);
    }
    return 0;
}

static int on_max_stream_data(quic_conn *conn, const quic_frame *f) {
    quic_stream *st;
    int rc = quic_streams_get_for_frame(
        &conn->streams, f->u.max_stream_data.stream_id, true, false, &st);
    if (rc < 0 || !st)
        return rc;
    if (quic_flowctl_tx_raise(&st->tx, f->u.max_stream_data.max) &&
        quic_stream_has_send_data(st))
        quic_streams_want_send(&conn->streams, st);
    return 0;
}

static int on_stream_data_blocked(quic_conn *conn, const quic_frame *f) {
    quic_stream *st;
    return quic_streams_get_for_frame(
        &conn->streams, f->u.stream_data_blocked.stream_id, false, true, &st);
}

static void on_max_streams(quic_conn *conn, const quic_frame *f) {
    int t = f->type == QUIC_FRAME_MAX_STREAMS_UNI ? 1 : 0;
    if (f->u.max_streams.max > conn->streams.local_max[t])
        conn->streams.local_max[t] = f->u.max_streams.max;
}

static int on_ack(quic_conn *conn, quic_pn_space space, const quic_frame *f) {
    const quic_frame_ack *ack = &f->u.ack;
    /* RFC 9000 §19.3: the delay is in units of 2^ack_delay_exponent µs. */
    uint64_t exp = conn->peer_tp_applied ? conn->peer_tp.ack_delay_exponent : 3;
    uint64_t us = ack->ack_delay;
    quic_time delay = us > (UINT64_MAX / QUIC_US) >> exp
                          ? UINT64_MAX / 2
                          : (us << exp) * QUIC_US;
    int rc = quic_recovery_ack_begin(&conn->rec, space, ack->largest, delay,
                                     conn->now);
    if (rc < 0)
        return rc; /* PROTOCOL_VIOLATION: a packet never sent (§13.1) */
    quic_ack_iter it;
    quic_ack_range r;
    quic_ack_iter_init(&it, ack);
    while (rc == 0 && quic_ack_iter_next(&it, &r))
        rc = quic_recovery_ack_range(&conn->rec, r.smallest, r.largest);
    int end = quic_recovery_ack_end(
        &conn->rec, f->type == QUIC_FRAME_ACK_ECN ? ack->ecn.ce : UINT64_MAX,
        conn->now);
    if (rc < 0 || end < 0)
        return QUIC_ERR_FRAME_ENCODING;
    size_t n_acked;
    quic_recovery_acked(&conn->rec, &n_acked);
    if (n_acked && space == QUIC_PN_SPACE_APPLICATION)
        quic_conn_key_update_acked(conn, ack->largest);
    /* RFC 9001 §4.1.2: an acknowledged 1-RTT packet (not a 0-RTT one: the
     * server acknowledges those before it has our Finished) confirms the
     * handshake for a client too. */
    if (n_acked && space == QUIC_PN_SPACE_APPLICATION && conn->is_client &&
        conn->handshake_complete && ack->largest >= conn->first_1rtt_pn)
        quic_conn_confirm_handshake(conn);
    rc = quic_conn_process_recovery_results(conn);
    if (n_acked)
        quic_conn_qlog_metrics(conn);
    return rc;
}

static int on_new_connection_id(quic_conn *conn, const quic_frame *f) {
    /* RFC 9000 §19.15: not with a zero-length connection ID of our own. */
    if (quic_peer_cids_current(&conn->peer_cids)->len == 0)
        return QUIC_ERR_PROTOCOL_VIOLATION;
    return quic_peer_cids_on_new(&conn->peer_cids, f->u.new_connection_id.seq,
                                 f->u.new_connection_id.retire_prior_to,
                                 &f->u.new_connection_id.cid,
                                 f->u.new_connection_id.reset_token);
}

static int on_retire_connection_id(quic_conn *conn, const quic_frame *f,
                                   const quic_cid *dcid) {
    quic_cid retired;
    int rc = quic_local_cids_retire(
        &conn->local_cids, f->u.retire_connection_id.seq, dcid, &retired);
    if (rc <= 0)
        return rc;
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = QUIC_EVENT_CONNECTION_ID_RETIRED;
    ev.u.connection_id_retired.connection_id = retired;
    quic_evq_push(&conn->events, &ev);
    quic_conn_issue_cids(conn); /* RFC 9000 §5.1.1: replace it */
    return 0;
}

static void on_connection_close(quic_conn *conn, const quic_frame *f) {
    char reason[256];
    size_t n = f->u.connection_close.reason_len;
    if (n >= sizeof(reason))
        n = sizeof(reason) - 1;
    memcpy(reason, f->u.connection_close.reason, n);
    reason[n] = '\0';
    bool is_app = f->type == QUIC_FRAME_CONNECTION_CLOSE_APP;
    /* RFC 9000 §10.2.2: the draining state; nothing more is sent. */
    quic_conn_terminate(conn, CONN_STATE_DRAINING, CONN_END_PEER,
                        f->u.connection_close.error_code,
                        is_app ? QUIC_FRAME_TYPE_NONE
                               : f->u.connection_close.frame_type,
                        is_app, reason);
}

static int on_datagram(quic_conn *conn, const quic_frame *f, size_t wire_len) {
    /* RFC 9221 §3: unexpected or larger than announced is a violation. */
    uint64_t max = conn->cfg.max_datagram_frame_size;
    if (max == 0 || wire_len > max)
        return QUIC_ERR_PROTOCOL_VIOLATION;
    int rc = quic_evq_push_datagram(&conn->events, f->u.datagram.data,
                                    f->u.datagram.len, 4 * 1024 * 1024);
    return rc < 0 ? rc : 0;
}

/* RFC 9000 §9.1: packets with only these frames are probing packets. */
static bool is_probing_frame(uint64_t type) {
    return type == QUIC_FRAME_PADDING || type == QUIC_FRAME_PATH_CHALLENGE ||
           type == QUIC_FRAME_PATH_RESPONSE ||
           type == QUIC_FRAME_NEW_CONNECTION_ID;
}

static int handle_frame(quic_conn *conn, quic_pn_space space,
                        const quic_cid *dcid, const quic_frame *f,
                        size_t wire_len) {
    uint64_t t = f->type;
    if (QUIC_FRAME_IS_STREAM(t))
        return on_stream(conn, f);
    switch (t) {
    case QUIC_FRAME_PADDING:
    case QUIC_FRAME_PING:
    case QUIC_FRAME_DATA_BLOCKED:
    case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case QUIC_FRAME_STREAMS_BLOCKED_UNI: return 0;
    case QUIC_FRAME_PATH_RESPONSE:
        quic_conn_path_on_response(conn, f->u.path_response.data);
        return 0;
    case QUIC_FRAME_ACK:
    case QUIC_FRAME_ACK_ECN: return on_ack(conn, space, f);
    case QUIC_FRAME_CRYPTO: return on_crypto(conn, space, f);
    case QUIC_FRAME_NEW_TOKEN:
        /* RFC 9000 §19.7: a server never receives one. */
        if (!conn->is_client)
            return QUIC_ERR_PROTOCOL_VIOLATION;
        quic_conn_on_new_token(conn, f->u.new_token.token, f->u.new_token.len);
        return 0;
    case QUIC_FRAME_RESET_STREAM: return on_reset_stream(conn, f);
    case QUIC_FRAME_STOP_SENDING: return on_stop_sending(conn, f);
    case QUIC_FRAME_MAX_DATA:
        if (quic_flowctl_tx_raise(&conn->tx_fc, f->u.max_data.max) &&
            conn->conn_blocked) {
            conn->conn_blocked = false;
            quic_streams_requeue_sendable(&conn->streams);
        }
        return 0;
    case QUIC_FRAME_MAX_STREAM_DATA: return on_max_stream_data(conn, f);
    case QUIC_FRAME_MAX_STREAMS_BIDI:
    case QUIC_FRAME_MAX_STREAMS_UNI: on_max_streams(conn, f); return 0;
    case QUIC_FRAME_STREAM_DATA_BLOCKED: return on_stream_data_blocked(conn, f);
    case QUIC_FRAME_NEW_CONNECTION_ID: return on_new_connection_id(conn, f);
    case QUIC_FRAME_RETIRE_CONNECTION_ID:
        return on_retire_connection_id(conn, f, dcid);
    case QUIC_FRAME_PATH_CHALLENGE:
        quic_conn_path_on_challenge(conn, f->u.path_challenge.data);
        return 0;
    case QUIC_FRAME_CONNECTION_CLOSE:
    case QUIC_FRAME_CONNECTION_CLOSE_APP:
        on_connection_close(conn, f);
        return 0;
    case QUIC_FRAME_HANDSHAKE_DONE:
        /* RFC 9000 §19.20: only a server sends it. */
        if (!conn->is_client)
            return QUIC_ERR_PROTOCOL_VIOLATION;
        quic_conn_confirm_handshake(conn);
        return 0;
    case QUIC_FRAME_DATAGRAM:
    case QUIC_FRAME_DATAGRAM_LEN: return on_datagram(conn, f, wire_len);
    default: return QUIC_ERR_FRAME_ENCODING;
    }
}

int quic_conn_process_frames(quic_conn *conn, int pkt_type, quic_pn_space space,
                             const quic_cid *dcid, const uint8_t *p, size_t len,
                             bool *eliciting, bool *non_probing) {
    const uint8_t *end = p + len;
    while (p < end && conn->state < CONN_STATE_CLOSING) {
        quic_frame f;
        int used = quic_frame_decode(&f, p, end);
        int rc = used < 0 ? used : 0;
        if (rc == 0 && !quic_frame_allowed(f.type, (quic_packet_type)pkt_type))
            rc = QUIC_ERR_PROTOCOL_VIOLATION; /* RFC 9000 §12.4 */
        if (rc == 0) {
            if (quic_frame_is_ack_eliciting(f.type))
                *eliciting = true;
            if (!is_probing_frame(f.type))
                *non_probing = true;
            rc = handle_frame(conn, space, dcid, &f, (size_t)used);
        }
        if (rc == QUIC_ERR_NOMEM)
            return rc;
        if (rc < 0) {
            quic_conn_fail(conn, quic_conn_wire_code(rc), f.type,
                           quic_strerror(rc));
            return rc;
        }
        p += used;
    }
    return 0;
}

/* ---- Acknowledged and lost frames (RFC 9000 §13.3) ------------------------
 */

static quic_stream *rec_stream(quic_conn *conn, const quic_frame_rec *r) {
    return quic_streams_find(&conn->streams, r->stream_id);
}

static void on_frame_acked(quic_conn *conn, quic_pn_space space,
                           const quic_frame_rec *r) {
    quic_stream *st;
    switch (r->type) {
    case CONN_FR_CRYPTO:
        quic_sendbuf_on_acked(&conn->spaces[space].crypto_send, r->offset,
                              (size_t)r->length, false);
        break;
    case CONN_FR_STREAM:
        if ((st = rec_stream(conn, r)) != NULL) {
            quic_stream_on_acked(st, r->offset, (size_t)r->length,
                                 r->flags & CONN_FR_FLAG_FIN);
            quic_streams_release_if_done(&conn->streams, st);
        }
        break;
    case CONN_FR_RESET_STREAM:
        if ((st = rec_stream(conn, r)) != NULL &&
            st->send_state == QUIC_SEND_RESET_SENT) {
            st->send_state = QUIC_SEND_RESET_RECVD;
            quic_streams_release_if_done(&conn->streams, st);
        }
        break;
    case CONN_FR_PING: {
        quic_event ev;
        memset(&ev, 0, sizeof(ev));
        ev.type = QUIC_EVENT_PING_ACKNOWLEDGED;
        ev.u.ping_acknowledged.uid = r->stream_id;
        quic_evq_push(&conn->events, &ev);
        break;
    }
    default: break;
    }
}

/* Lost control frames are sent again only while their content is still
 * current (RFC 9000 §13.3: e.g. the latest MAX_DATA, not an old one). */
static void on_control_lost(quic_conn *conn, const quic_frame_rec *r) {
    quic_streams *ss = &conn->streams;
    int t = (r->flags & CONN_FR_FLAG_UNI) ? 1 : 0;
    quic_local_cid *lc;
    switch (r->type) {
    case CONN_FR_MAX_DATA:
        if (r->offset == conn->rx_fc.limit)
            conn->max_data_pending = true;
        break;
    case CONN_FR_MAX_STREAMS:
        if (r->offset == ss->remote_max[t])
            ss->max_streams_pending[t] = true;
        break;
    case CONN_FR_DATA_BLOCKED:
        quic_flowctl_tx_on_blocked_lost(&conn->tx_fc, r->offset);
        break;
    case CONN_FR_STREAMS_BLOCKED:
        if (ss->local_blocked_at[t] == r->offset + 1 &&
            ss->local_max[t] == r->offset)
            ss->local_blocked_pending[t] = true;
        break;
    case CONN_FR_HANDSHAKE_DONE: conn->handshake_done_pending = true; break;
    case CONN_FR_NEW_TOKEN: conn->new_token_pending = true; break;
    case CONN_FR_NEW_CONNECTION_ID:
        if ((lc = quic_local_cids_find_seq(&conn->local_cids, r->offset)))
            lc->send_pending = true;
        break;
    case CONN_FR_RETIRE_CONNECTION_ID:
        quic_peer_cids_requeue_retire(&conn->peer_cids, r->offset);
        break;
    default: break;
    }
}

static void on_stream_control_lost(quic_conn *conn, const quic_frame_rec *r) {
    quic_stream *st = rec_stream(conn, r);
    if (!st)
        return;
    switch (r->type) {
    case CONN_FR_MAX_STREAM_DATA:
        if (st->recv_state == QUIC_RECV_RECV && st->rx.limit == r->offset)
            quic_streams_want_ctrl(&conn->streams, st,
                                   QUIC_STREAM_PEND_MAX_DATA);
        break;
    case CONN_FR_STREAM_DATA_BLOCKED:
        quic_flowctl_tx_on_blocked_lost(&st->tx, r->offset);
        if (quic_flowctl_tx_should_send_blocked(&st->tx))
            quic_streams_want_ctrl(&conn->streams, st,
                                   QUIC_STREAM_PEND_DATA_BLOCKED);
        break;
    case CONN_FR_RESET_STREAM:
        if (st->send_state == QUIC_SEND_RESET_SENT)
            quic_streams_want_ctrl(&conn->streams, st, QUIC_STREAM_PEND_RESET);
        break;
    case CONN_FR_STOP_SENDING:
        if (st->recv_state == QUIC_RECV_RECV ||
            st->recv_state == QUIC_RECV_SIZE_KNOWN)
            quic_streams_want_ctrl(&conn->streams, st, QUIC_STREAM_PEND_STOP);
        break;
    default: break;
    }
}

static int on_frame_lost(quic_conn *conn, quic_pn_space space,
                         const quic_frame_rec *r) {
    quic_stream *st;
    switch (r->type) {
    case CONN_FR_CRYPTO:
        if (conn->spaces[space].discarded)
            return 0;
        return quic_sendbuf_on_lost(&conn->spaces[space].crypto_send, r->offset,
                                    (size_t)r->length, false);
    case CONN_FR_STREAM:
        if ((st = rec_stream(conn, r)) == NULL)
            return 0;
        quic_stream_on_lost(st, r->offset, (size_t)r->length,
                            r->flags & CONN_FR_FLAG_FIN);
        if (quic_stream_has_send_data(st))
            quic_streams_want_send(&conn->streams, st);
        return 0;
    case CONN_FR_PING: return quic_conn_send_ping(conn, r->stream_id);
    case CONN_FR_PATH_CHALLENGE:
        quic_conn_path_on_challenge_lost(conn);
        return 0;
    case CONN_FR_MAX_STREAM_DATA:
    case CONN_FR_STREAM_DATA_BLOCKED:
    case CONN_FR_RESET_STREAM:
    case CONN_FR_STOP_SENDING: on_stream_control_lost(conn, r); return 0;
    default: on_control_lost(conn, r); return 0;
    }
}

int quic_conn_process_recovery_results(quic_conn *conn) {
    quic_recovery *rec = &conn->rec;
    size_t n;
    const quic_sent_packet *acked = quic_recovery_acked(rec, &n);
    for (size_t i = 0; i < n; i++)
        for (uint32_t k = acked[i].frames; k != QUIC_FRAME_REC_NONE;) {
            const quic_frame_rec *r = quic_recovery_frame(rec, k);
            on_frame_acked(conn, (quic_pn_space)acked[i].space, r);
            k = r->next;
        }
    const quic_sent_packet *lost = quic_recovery_lost(rec, &n);
    quic_conn_qlog_lost(conn, lost, n);
    int rc = 0;
    for (size_t i = 0; i < n && rc != QUIC_ERR_NOMEM; i++)
        for (uint32_t k = lost[i].frames; k != QUIC_FRAME_REC_NONE;) {
            const quic_frame_rec *r = quic_recovery_frame(rec, k);
            rc = on_frame_lost(conn, (quic_pn_space)lost[i].space, r);
            k = r->next;
        }
    quic_recovery_clear_results(rec);
    return rc == QUIC_ERR_NOMEM ? rc : 0;
}

int quic_conn_requeue_zero_rtt(quic_conn *conn) {
    quic_recovery *rec = &conn->rec;
    size_t cursor = 0;
    int rc = 0;
    const quic_sent_packet *pkt;
    while (rc != QUIC_ERR_NOMEM &&
           (pkt = quic_recovery_next_outstanding(rec, QUIC_PN_SPACE_APPLICATION,
                                                 &cursor)) != NULL)
        for (uint32_t k = pkt->frames; k != QUIC_FRAME_REC_NONE;) {
            const quic_frame_rec *r = quic_recovery_frame(rec, k);
            rc = on_frame_lost(conn, QUIC_PN_SPACE_APPLICATION, r);
            k = r->next;
        }
    /* The server never saw them: they leave recovery without an ACK or a
     * loss (no congestion response), as a discarded space does; packet
     * numbers keep growing (RFC 9000 §12.3: 0-RTT and 1-RTT share them). */
    quic_recovery_discard_space(rec, QUIC_PN_SPACE_APPLICATION, conn->now);
    return rc == QUIC_ERR_NOMEM ? rc : 0;
}

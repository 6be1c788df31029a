/* core/conn_frames_out.c — what goes into a packet being built: ACK ranges
 * (RFC 9000 §13.2), CRYPTO data, control frames, PINGs, DATAGRAM frames
 * and STREAM data in round-robin order, each recorded for recovery, or
 * CONNECTION_CLOSE alone while closing. Headers, sealing and padding are
 * conn_send.c's. */
#include "core/conn_internal.h"

#include "core/varint.h"

#include <string.h>

#define ACK_RANGES_SENT 32

static bool crypto_pending(const conn_space *s);

/* RFC 9002 arms no PTO for 0-RTT packets before the handshake is confirmed
 * (Appendix A.8), and the server cannot acknowledge those it could not
 * decrypt: when they fill the congestion window while nothing of the
 * handshake is in flight, the client's next handshake flight (its Finished,
 * or a repeated ClientHello) would wait forever. It goes as a probe, which
 * the window does not gate (§7.5). */
static void unblock_handshake_after_zero_rtt(quic_conn *conn) {
    if (!conn->is_client || !conn->zero_rtt_sent || conn->handshake_confirmed)
        return;
    for (int sp = QUIC_PN_SPACE_INITIAL; sp <= QUIC_PN_SPACE_HANDSHAKE; sp++) {
        conn_space *s = &conn->spaces[sp];
        if (!s->discarded && !s->probes && crypto_pending(s) &&
            conn->rec.spaces[sp].ack_eliciting_in_flight == 0)
            s->probes = 1;
    }
}

void quic_conn_send_budget(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now) {
    bool cwnd = quic_cc_can_send(conn->cc, conn->rec.bytes_in_flight);
    if (!cwnd)
        unblock_handshake_after_zero_rtt(conn);
    bool paced = !conn->cfg.pacing ||
                 quic_pacer_next_send_time(&conn->pacer, now) <= now;
    ctx->cwnd_ok = cwnd && paced;
    ctx->pace_limited = cwnd && !paced;
}

static bool crypto_pending(const conn_space *s) {
    return quic_sendbuf_has_pending(&s->crypto_send);
}

static bool app_control_pending(const quic_conn *conn) {
    const quic_streams *ss = &conn->streams;
    return conn->handshake_done_pending || conn->new_token_pending ||
           conn->max_data_pending || conn->n_pings || conn->ping_probe ||
           ss->max_streams_pending[0] || ss->max_streams_pending[1] ||
           ss->local_blocked_pending[0] || ss->local_blocked_pending[1] ||
           ss->ctrl_queue.head || conn->peer_cids.n_retire ||
           (conn->conn_blocked &&
            quic_flowctl_tx_should_send_blocked(&conn->tx_fc)) ||
           quic_local_cids_next_pending((quic_local_cids *)&conn->local_cids);
}

static bool space_has_data(const quic_conn *conn, quic_pn_space space) {
    const conn_space *s = &conn->spaces[space];
    if (crypto_pending(s))
        return true;
    if (space != QUIC_PN_SPACE_APPLICATION)
        return false;
    /* Stream data first: a bulk sender then skips the control checks. */
    return conn->streams.send_queue.head || conn->n_dgrams ||
           app_control_pending(conn);
}

bool quic_conn_space_wants_send(quic_conn *conn, const conn_pkt_ctx *ctx,
                                quic_pn_space space) {
    const conn_space *s = &conn->spaces[space];
    if (conn->state == CONN_STATE_CLOSING)
        return conn->close_pending;
    if (s->probes)
        return true;
    bool data = space_has_data(conn, space);
    if (data && ctx->cwnd_ok)
        return true;
    if (data && ctx->pace_limited)
        conn->pacing_blocked = true;
    return s->ack_pending && s->ack_immediate;
}

static void add_rec(quic_conn *conn, uint16_t type, uint64_t stream_id,
                    uint64_t offset, uint64_t length, uint16_t flags) {
    quic_frame_rec *r = quic_recovery_add_frame(&conn->rec);
    if (!r)
        return; /* out of memory: the frame is simply not retransmitted */
    r->type = type;
    r->stream_id = stream_id;
    r->offset = offset;
    r->length = length;
    r->flags = flags;
}

/* Encodes |f| into the packet; false when it does not fit. */
static bool put_frame(conn_pkt_ctx *ctx, const quic_frame *f) {
    int n = quic_frame_encode(ctx->p, ctx->limit, f);
    if (n < 0)
        return false;
    ctx->p += n;
    if (quic_frame_is_ack_eliciting(f->type))
        ctx->eliciting = true;
    if (quic_frame_counts_in_flight(f->type))
        ctx->in_flight = true;
    return true;
}

static void write_ack(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now) {
    conn_space *s = &conn->spaces[ctx->space];
    size_t count = quic_ranges_count(&s->received);
    if (count == 0)
        return;
    quic_ack_range r[ACK_RANGES_SENT];
    size_t n = count < ACK_RANGES_SENT ? count : ACK_RANGES_SENT;
    for (size_t i = 0; i < n; i++) {
        const quic_range *q = quic_ranges_desc(&s->received, i);
        r[i].smallest = q->start;
        r[i].largest = q->end - 1;
    }
    quic_time delay = now > s->largest_rx_time ? now - s->largest_rx_time : 0;
    uint64_t wire = (delay / QUIC_US) >> conn->local_tp.ack_delay_exponent;
    size_t written;
    int len = quic_ack_frame_write(ctx->p, ctx->limit, r, n, wire,
                                   s->ecn_seen ? &s->ecn : NULL, &written);
    if (len < 0)
        return;
    ctx->p += len;
    s->ack_pending = s->ack_immediate = false;
    s->ack_deadline = QUIC_TIME_NONE;
    s->eliciting_unacked = 0;
}

static void write_crypto(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_sendbuf *sb = &conn->spaces[ctx->space].crypto_send;
    if (!quic_sendbuf_has_pending(sb))
        return;
    quic_send_chunk c;
    while (
        ctx->limit - ctx->p > 8 &&
        quic_sendbuf_next(sb, (size_t)(ctx->limit - ctx->p), UINT64_MAX, &c)) {
        size_t room = (size_t)(ctx->limit - ctx->p);
        size_t n = quic_crypto_frame_max_data(c.offset, c.len, room);
        if (n == 0)
            return;
        uint8_t *p = ctx->p;
        *p++ = QUIC_FRAME_CRYPTO;
        p = quic_put_varint(p, c.offset);
        p = quic_put_varint(p, n);
        if (quic_sendbuf_read(sb, c.offset, n, p) < 0 ||
            quic_sendbuf_on_sent(sb, c.offset, n, false) < 0)
            return;
        ctx->p = p + n;
        ctx->eliciting = ctx->in_flight = true;
        add_rec(conn, CONN_FR_CRYPTO, 0, c.offset, n, 0);
    }
}

/* CONNECTION_CLOSE (RFC 9000 §19.19); an application close becomes a
 * transport APPLICATION_ERROR in Initial and Handshake packets (§10.2.3). */
static int write_close(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_frame f;
    memset(&f, 0, sizeof(f));
    bool hide = conn->close_is_app && ctx->space != QUIC_PN_SPACE_APPLICATION;
    f.type = conn->close_is_app && !hide ? QUIC_FRAME_CONNECTION_CLOSE_APP
                                         : QUIC_FRAME_CONNECTION_CLOSE;
    f.u.connection_close.error_code =
        hide ? QUIC_APPLICATION_ERROR : conn->close_error;
    f.u.connection_close.frame_type =
        conn->close_is_app ? 0 : conn->close_frame_type;
    if (f.u.connection_close.frame_type == QUIC_FRAME_TYPE_NONE)
        f.u.connection_close.frame_type = 0;
    const char *reason = hide || !conn->close_reason ? "" : conn->close_reason;
    size_t len = strlen(reason), room = (size_t)(ctx->limit - ctx->p);
    if (len + 32 > room)
        len = room > 32 ? room - 32 : 0;
    f.u.connection_close.reason = (const uint8_t *)reason;
    f.u.connection_close.reason_len = len;
    put_frame(ctx, &f);
    return 0;
}

int quic_conn_write_frames(quic_conn *conn, conn_pkt_ctx *ctx, quic_time now) {
    if (conn->state == CONN_STATE_CLOSING)
        return write_close(conn, ctx);
    if (ctx->path_probe) { /* probing frames only: no ACK (RFC 9000 §9.1) */
        quic_conn_write_path_frames(conn, ctx);
        return 0;
    }
    conn_space *s = &conn->spaces[ctx->space];
    /* RFC 9000 §12.4 Table 3: no ACK in 0-RTT packets. */
    if (s->ack_pending && !ctx->zero_rtt)
        write_ack(conn, ctx, now);
    if (!ctx->cwnd_ok && !s->probes)
        return 0;
    write_crypto(conn, ctx);
    int rc = 0;
    if (ctx->space == QUIC_PN_SPACE_APPLICATION)
        rc = quic_conn_write_app_frames(conn, ctx);
    if (s->probes) {
        /* RFC 9002 §6.2.4: a probe must be ack-eliciting. */
        if (!ctx->eliciting && ctx->limit > ctx->p) {
            *ctx->p++ = QUIC_FRAME_PING;
            ctx->eliciting = ctx->in_flight = true;
        }
        s->probes--;
    }
    return rc;
}

/* core/conn_app_out.c — the frames only 1-RTT packets carry, written into
 * the packet being built: HANDSHAKE_DONE, flow-control and stream-count
 * frames, connection IDs, stream control frames, PINGs,
 * DATAGRAM frames, then STREAM data round-robin over the streams that
 * have some. Each is recorded for recovery (conn_frames.c reacts). */
#include "core/conn_internal.h"

#include "core/mem.h"
#include "core/varint.h"

#include <string.h>

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

static bool put_frame(conn_pkt_ctx *ctx, const quic_frame *f) {
    int n = quic_frame_encode(ctx->p, ctx->limit, f);
    if (n < 0)
        return false;
    ctx->p += n;
    ctx->eliciting = ctx->in_flight = true;
    return true;
}

static bool put_simple(conn_pkt_ctx *ctx, uint64_t type, uint64_t value) {
    quic_frame f;
    memset(&f, 0, sizeof(f));
    f.type = type;
    f.u.max_data.max = value; /* every one-value frame shares this layout */
    return put_frame(ctx, &f);
}

static void write_conn_control(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_streams *ss = &conn->streams;
    if (conn->handshake_done_pending &&
        put_simple(ctx, QUIC_FRAME_HANDSHAKE_DONE, 0)) {
        conn->handshake_done_pending = false;
        add_rec(conn, CONN_FR_HANDSHAKE_DONE, 0, 0, 0, 0);
    }
    quic_conn_write_new_token(conn, ctx);
    if (conn->max_data_pending &&
        put_simple(ctx, QUIC_FRAME_MAX_DATA, conn->rx_fc.limit)) {
        conn->max_data_pending = false;
        add_rec(conn, CONN_FR_MAX_DATA, 0, conn->rx_fc.limit, 0, 0);
    }
    if (conn->conn_blocked &&
        quic_flowctl_tx_should_send_blocked(&conn->tx_fc) &&
        put_simple(ctx, QUIC_FRAME_DATA_BLOCKED, conn->tx_fc.limit)) {
        quic_flowctl_tx_on_blocked_sent(&conn->tx_fc);
        add_rec(conn, CONN_FR_DATA_BLOCKED, 0, conn->tx_fc.limit, 0, 0);
    }
    for (int t = 0; t < 2; t++) {
        uint16_t uni = t ? CONN_FR_FLAG_UNI : 0;
        if (ss->max_streams_pending[t] &&
            put_simple(ctx,
                       t ? QUIC_FRAME_MAX_STREAMS_UNI
                         : QUIC_FRAME_MAX_STREAMS_BIDI,
                       ss->remote_max[t])) {
            ss->max_streams_pending[t] = false;
            add_rec(conn, CONN_FR_MAX_STREAMS, 0, ss->remote_max[t], 0, uni);
        }
        if (ss->local_blocked_pending[t] &&
            put_simple(ctx,
                       t ? QUIC_FRAME_STREAMS_BLOCKED_UNI
                         : QUIC_FRAME_STREAMS_BLOCKED_BIDI,
                       ss->local_blocked_at[t] - 1)) {
            ss->local_blocked_pending[t] = false;
            add_rec(conn, CONN_FR_STREAMS_BLOCKED, 0,
                    ss->local_blocked_at[t] - 1, 0, uni);
        }
    }
}

static void write_cid_frames(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_local_cid *lc;
    while ((lc = quic_local_cids_next_pending(&conn->local_cids)) != NULL) {
        quic_frame f;
        memset(&f, 0, sizeof(f));
        f.type = QUIC_FRAME_NEW_CONNECTION_ID;
        f.u.new_connection_id.seq = lc->seq;
        f.u.new_connection_id.cid = lc->cid;
        f.u.new_connection_id.reset_token = lc->reset_token;
        if (!put_frame(ctx, &f))
            return;
        lc->send_pending = false;
        add_rec(conn, CONN_FR_NEW_CONNECTION_ID, 0, lc->seq, 0, 0);
    }
    quic_peer_cids *pc = &conn->peer_cids;
    while (pc->n_retire > 0) {
        uint64_t seq = pc->retire[0];
        if (!put_simple(ctx, QUIC_FRAME_RETIRE_CONNECTION_ID, seq))
            return;
        memmove(pc->retire, pc->retire + 1,
                (pc->n_retire - 1) * sizeof(pc->retire[0]));
        pc->n_retire--;
        add_rec(conn, CONN_FR_RETIRE_CONNECTION_ID, 0, seq, 0, 0);
    }
    /* PATH_RESPONSE goes in a probe datagram of its own (conn_path.c). */
}

/* One stream's pending control frames; false when the packet is full. */
static bool write_stream_control(quic_conn *conn, conn_pkt_ctx *ctx,
                                 quic_stream *st) {
    quic_frame f;
    memset(&f, 0, sizeof(f));
    if (st->pending & QUIC_STREAM_PEND_RESET) {
        f.type = QUIC_FRAME_RESET_STREAM;
        f.u.reset_stream.stream_id = st->id;
        f.u.reset_stream.error_code = st->reset_error;
        f.u.reset_stream.final_size = st->reset_size;
        if (!put_frame(ctx, &f))
            return false;
        st->pending &= (uint8_t)~QUIC_STREAM_PEND_RESET;
        add_rec(conn, CONN_FR_RESET_STREAM, st->id, 0, 0, 0);
    }
    if (st->pending & QUIC_STREAM_PEND_STOP) {
        f.type = QUIC_FRAME_STOP_SENDING;
        f.u.stop_sending.stream_id = st->id;
        f.u.stop_sending.error_code = st->stop_error;
        if (!put_frame(ctx, &f))
            return false;
        st->pending &= (uint8_t)~QUIC_STREAM_PEND_STOP;
        add_rec(conn, CONN_FR_STOP_SENDING, st->id, 0, 0, 0);
    }
    if (st->pending & QUIC_STREAM_PEND_MAX_DATA) {
        f.type = QUIC_FRAME_MAX_STREAM_DATA;
        f.u.max_stream_data.stream_id = st->id;
        f.u.max_stream_data.max = st->rx.limit;
        if (!put_frame(ctx, &f))
            return false;
        st->pending &= (uint8_t)~QUIC_STREAM_PEND_MAX_DATA;
        add_rec(conn, CONN_FR_MAX_STREAM_DATA, st->id, st->rx.limit, 0, 0);
    }
    if (st->pending & QUIC_STREAM_PEND_DATA_BLOCKED) {
        f.type = QUIC_FRAME_STREAM_DATA_BLOCKED;
        f.u.stream_data_blocked.stream_id = st->id;
        f.u.stream_data_blocked.limit = st->tx.limit;
        if (!put_frame(ctx, &f))
            return false;
        st->pending &= (uint8_t)~QUIC_STREAM_PEND_DATA_BLOCKED;
        quic_flowctl_tx_on_blocked_sent(&st->tx);
        add_rec(conn, CONN_FR_STREAM_DATA_BLOCKED, st->id, st->tx.limit, 0, 0);
    }
    return true;
}

static void write_stream_controls(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_streams *ss = &conn->streams;
    quic_stream *st;
    while ((st = quic_streams_pop_ctrl(ss)) != NULL) {
        if (!write_stream_control(conn, ctx, st)) {
            quic_streams_want_ctrl(ss, st, 0);
            return;
        }
        quic_streams_release_if_done(ss, st);
    }
}

static void write_pings_and_datagrams(quic_conn *conn, conn_pkt_ctx *ctx) {
    size_t sent = 0;
    while (sent < conn->n_pings && ctx->p < ctx->limit) {
        *ctx->p++ = QUIC_FRAME_PING;
        add_rec(conn, CONN_FR_PING, conn->pings[sent], 0, 0, 0);
        sent++;
    }
    if (sent) {
        memmove(conn->pings, conn->pings + sent,
                (conn->n_pings - sent) * sizeof(*conn->pings));
        conn->n_pings -= sent;
        ctx->eliciting = ctx->in_flight = true;
    }
    if (conn->ping_probe && ctx->p < ctx->limit) {
        *ctx->p++ = QUIC_FRAME_PING;
        conn->ping_probe = false;
        ctx->eliciting = ctx->in_flight = true;
    }
    while (conn->n_dgrams > 0) {
        quic_frame f;
        memset(&f, 0, sizeof(f));
        f.type = QUIC_FRAME_DATAGRAM_LEN;
        f.u.datagram.data = conn->dgrams[0].data;
        f.u.datagram.len = conn->dgrams[0].len;
        if (!put_frame(ctx, &f))
            return;
        conn->dgram_bytes -= conn->dgrams[0].len;
        quic_mem_free(conn->alloc, conn->dgrams[0].data);
        memmove(conn->dgrams, conn->dgrams + 1,
                (conn->n_dgrams - 1) * sizeof(*conn->dgrams));
        conn->n_dgrams--;
    }
}

/* Writes one STREAM frame for |c| (at most the room left); returns the
 * data bytes it carries, or -1 when not even the header fits. */
static int put_stream_frame(conn_pkt_ctx *ctx, quic_stream *st,
                            const quic_send_chunk *c) {
    size_t room = (size_t)(ctx->limit - ctx->p);
    size_t n = c->len ? quic_stream_frame_max_data(st->id, c->offset, c->len,
                                                   true, room)
                      : 0;
    size_t hdr = 1 + quic_varint_len(st->id) +
                 (c->offset ? quic_varint_len(c->offset) : 0) +
                 quic_varint_len(n);
    if ((n == 0 && c->len) || hdr + n > room)
        return -1;
    bool fin = c->fin && n == c->len;
    uint8_t *p = ctx->p;
    *p++ = (uint8_t)(QUIC_FRAME_STREAM | QUIC_FRAME_STREAM_LEN |
                     (c->offset ? QUIC_FRAME_STREAM_OFF : 0) |
                     (fin ? QUIC_FRAME_STREAM_FIN : 0));
    p = quic_put_varint(p, st->id);
    if (c->offset)
        p = quic_put_varint(p, c->offset);
    p = quic_put_varint(p, n);
    if (n && quic_sendbuf_read(&st->sb, c->offset, n, p) < 0)
        return -1;
    ctx->p = p + n;
    ctx->eliciting = ctx->in_flight = true;
    return (int)n;
}

/* RFC 9000 §4.1: a sender with data it may not send says so, once per
 * limit: STREAM_DATA_BLOCKED for the stream's credit, DATA_BLOCKED for the
 * connection's. */
static void note_blocked(quic_conn *conn, quic_stream *st) {
    if (st->sb.end <= st->sb.sent_upto)
        return;
    if (st->sb.sent_upto >= st->tx.limit) {
        if (quic_flowctl_tx_should_send_blocked(&st->tx))
            quic_streams_want_ctrl(&conn->streams, st,
                                   QUIC_STREAM_PEND_DATA_BLOCKED);
    } else if (quic_flowctl_tx_credit(&conn->tx_fc) == 0) {
        conn->conn_blocked = true;
    }
}

/* Sends what |st| has under its and the connection's credit. Returns
 * false when the packet is full. */
static bool write_one_stream(quic_conn *conn, conn_pkt_ctx *ctx,
                             quic_stream *st) {
    uint64_t credit = quic_flowctl_tx_credit(&conn->tx_fc);
    uint64_t limit = st->tx.limit;
    if (st->sb.sent_upto + credit < limit)
        limit = st->sb.sent_upto + credit;
    quic_send_chunk c;
    size_t room = (size_t)(ctx->limit - ctx->p);
    if (!quic_sendbuf_next(&st->sb, room, limit, &c)) {
        note_blocked(conn, st); /* it waits for credit, off the queue */
        return true;
    }
    int n = put_stream_frame(ctx, st, &c);
    if (n < 0) {
        quic_streams_want_send(&conn->streams, st);
        return false;
    }
    bool fin = c.fin && (size_t)n == c.len;
    quic_stream_on_sent(st, c.offset, (size_t)n, fin);
    if (c.is_new) {
        quic_flowctl_tx_on_sent(&conn->tx_fc, (uint64_t)n);
        quic_flowctl_tx_on_sent(&st->tx, (uint64_t)n);
    }
    add_rec(conn, CONN_FR_STREAM, st->id, c.offset, (uint64_t)n,
            fin ? CONN_FR_FLAG_FIN : 0);
    if (quic_stream_has_send_data(st))
        quic_streams_want_send(&conn->streams, st);
    else
        note_blocked(conn, st);
    return true;
}

static void write_streams(quic_conn *conn, conn_pkt_ctx *ctx) {
    quic_streams *ss = &conn->streams;
    quic_stream *st;
    /* A stream that can send nothing now leaves the queue: new data, lost
     * data and credit put it back (conn_api.c, conn_frames.c). */
    while (ctx->limit - ctx->p > 16 && (st = quic_streams_pop_send(ss))) {
        if (!write_one_stream(conn, ctx, st))
            return;
        quic_streams_release_if_done(ss, st);
    }
}

int quic_conn_write_app_frames(quic_conn *conn, conn_pkt_ctx *ctx) {
    write_conn_control(conn, ctx);
    write_cid_frames(conn, ctx);
    write_stream_controls(conn, ctx);
    write_pings_and_datagrams(conn, ctx);
    write_streams(conn, ctx);
    return 0;
}

/* core/conn_api.c — the application's calls on an open connection: stream
 * data in and out, resets, PINGs, DATAGRAM frames, connection IDs, key
 * updates and statistics, and the flow-control credit returned when the
 * application has read. Frames are built by conn_send.c. */
#include "core/conn_internal.h"

#include "core/mem.h"
#include "core/varint.h"

#include <string.h>

/* DATAGRAM frames queued for sending, at most (older ones are dropped:
 * they are unreliable by definition, RFC 9221 §5). */
#define DGRAM_QUEUE_BYTES (1024 * 1024)

static bool is_open(const quic_conn *conn) {
    return conn->state == CONN_STATE_HANDSHAKE ||
           conn->state == CONN_STATE_ESTABLISHED;
}

int quic_conn_mark_readable(quic_conn *conn, quic_stream *st) {
    if (st->readable_queued)
        return 0;
    int rc = quic_evq_push_readable(&conn->events, st->id);
    if (rc == 0)
        st->readable_queued = true;
    return rc;
}

/* Connection-level credit (RFC 9000 §4.1), returned as the application
 * reads, auto-tuned like a stream's. */
void quic_conn_return_credit(quic_conn *conn, uint64_t n) {
    quic_flowctl_rx_on_consumed(&conn->rx_fc, n);
    if (!quic_flowctl_rx_should_update(&conn->rx_fc))
        return;
    quic_flowctl_rx_update(&conn->rx_fc, conn->now, conn->rec.rtt.smoothed_rtt);
    conn->max_data_pending = true;
}

void quic_conn_stream_consumed(quic_conn *conn, quic_stream *st, size_t n,
                               bool fin) {
    quic_streams *ss = &conn->streams;
    int r =
        quic_stream_consume(st, n, fin, conn->now, conn->rec.rtt.smoothed_rtt);
    if (r == 1)
        quic_streams_want_ctrl(ss, st, QUIC_STREAM_PEND_MAX_DATA);
    if (n)
        quic_conn_return_credit(conn, n);
    const uint8_t *data;
    bool more_fin;
    if (quic_stream_peek(st, &data, &more_fin) > 0 || more_fin)
        quic_conn_mark_readable(conn, st);
    quic_streams_release_if_done(ss, st);
}

static int queue_stream_data(quic_conn *conn, uint64_t stream_id,
                             const uint8_t *data, size_t len, bool end_stream,
                             quic_sendbuf_release_fn release, void *arg) {
    if (!conn || (len && !data))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!is_open(conn))
        return QUIC_ERR_INVALID_STATE;
    quic_stream *st;
    int rc = quic_streams_get_for_send(&conn->streams, stream_id, &st);
    if (rc < 0)
        return rc;
    if ((st->send_state != QUIC_SEND_READY &&
         st->send_state != QUIC_SEND_SEND) ||
        st->sb.fin)
        return QUIC_ERR_INVALID_STATE;
    rc = release ? quic_sendbuf_append_ref(&st->sb, data, len, release, arg)
                 : quic_sendbuf_append(&st->sb, data, len);
    if (rc < 0)
        return rc;
    if (end_stream && (rc = quic_sendbuf_finish(&st->sb)) < 0)
        return rc;
    quic_streams_want_send(&conn->streams, st);
    return 0;
}

int quic_conn_send_stream_data(quic_conn *conn, uint64_t stream_id,
                               const uint8_t *data, size_t len,
                               bool end_stream) {
    return queue_stream_data(conn, stream_id, data, len, end_stream, NULL,
                             NULL);
}

int quic_conn_send_stream_data_ref(quic_conn *conn, uint64_t stream_id,
                                   const uint8_t *data, size_t len,
                                   bool end_stream,
                                   void (*release)(void *release_arg),
                                   void *release_arg) {
    if (!release)
        return QUIC_ERR_INVALID_ARGUMENT;
    return queue_stream_data(conn, stream_id, data, len, end_stream, release,
                             release_arg);
}

size_t quic_conn_stream_send_buffered(const quic_conn *conn,
                                      uint64_t stream_id) {
    if (!conn)
        return 0;
    quic_stream *st = quic_streams_find(&conn->streams, stream_id);
    if (!st || st->send_state == QUIC_SEND_NONE ||
        st->send_state == QUIC_SEND_RESET_SENT ||
        st->send_state == QUIC_SEND_RESET_RECVD)
        return 0;
    return (size_t)quic_sendbuf_buffered(&st->sb);
}

int64_t quic_conn_get_next_available_stream_id(const quic_conn *conn,
                                               bool is_unidirectional) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    bool allowed;
    uint64_t id =
        quic_streams_next_local(&conn->streams, is_unidirectional, &allowed);
    return allowed ? (int64_t)id : QUIC_ERR_INVALID_STATE;
}

/* The stream |stream_id| if it exists and has the part the call needs. */
static int stream_for_call(quic_conn *conn, uint64_t stream_id, bool send,
                           quic_stream **out) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    bool local = quic_streams_is_local(&conn->streams, stream_id);
    if (QUIC_STREAM_IS_UNI(stream_id) && local != send)
        return QUIC_ERR_INVALID_ARGUMENT; /* that part does not exist */
    if (!is_open(conn))
        return QUIC_ERR_INVALID_STATE;
    *out = quic_streams_find(&conn->streams, stream_id);
    return *out ? 0 : QUIC_ERR_INVALID_STATE;
}

int quic_conn_reset_stream(quic_conn *conn, uint64_t stream_id,
                           uint64_t error_code) {
    quic_stream *st;
    int rc = stream_for_call(conn, stream_id, true, &st);
    if (rc < 0)
        return rc;
    if (error_code > QUIC_VARINT_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (quic_stream_reset(st, error_code) == 0)
        return QUIC_ERR_INVALID_STATE;
    quic_streams_want_ctrl(&conn->streams, st, QUIC_STREAM_PEND_RESET);
    return 0;
}

int quic_conn_stop_stream(quic_conn *conn, uint64_t stream_id,
                          uint64_t error_code) {
    quic_stream *st;
    int rc = stream_for_call(conn, stream_id, false, &st);
    if (rc < 0)
        return rc;
    if (error_code > QUIC_VARINT_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    /* RFC 9000 §3.5: only useful while data may still come. */
    if (st->recv_state != QUIC_RECV_RECV &&
        st->recv_state != QUIC_RECV_SIZE_KNOWN)
        return QUIC_ERR_INVALID_STATE;
    st->stop_error = error_code;
    quic_streams_want_ctrl(&conn->streams, st, QUIC_STREAM_PEND_STOP);
    return 0;
}

int quic_conn_send_ping(quic_conn *conn, uint64_t uid) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!is_open(conn))
        return QUIC_ERR_INVALID_STATE;
    if (conn->n_pings == conn->cap_pings) {
        size_t cap = conn->cap_pings ? 2 * conn->cap_pings : 8;
        uint64_t *p =
            quic_mem_reallocarray(conn->alloc, conn->pings, cap, sizeof(*p));
        if (!p)
            return QUIC_ERR_NOMEM;
        conn->pings = p;
        conn->cap_pings = cap;
    }
    conn->pings[conn->n_pings++] = uid;
    return 0;
}

static void drop_oldest_dgram(quic_conn *conn) {
    conn->dgram_bytes -= conn->dgrams[0].len;
    quic_mem_free(conn->alloc, conn->dgrams[0].data);
    memmove(conn->dgrams, conn->dgrams + 1,
            (conn->n_dgrams - 1) * sizeof(*conn->dgrams));
    conn->n_dgrams--;
}

int quic_conn_send_datagram_frame(quic_conn *conn, const uint8_t *data,
                                  size_t len) {
    if (!conn || (len && !data))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!is_open(conn) || !conn->peer_tp_applied ||
        conn->peer_tp.max_datagram_frame_size == 0)
        return QUIC_ERR_INVALID_STATE;
    /* Type + Length + data must fit the peer's limit and one packet. */
    size_t frame = 1 + 8 + len;
    if (frame > conn->peer_tp.max_datagram_frame_size ||
        frame + 64 > conn->max_dgram)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (conn->n_dgrams == conn->cap_dgrams) {
        size_t cap = conn->cap_dgrams ? 2 * conn->cap_dgrams : 8;
        conn_dgram_out *d =
            quic_mem_reallocarray(conn->alloc, conn->dgrams, cap, sizeof(*d));
        if (!d)
            return QUIC_ERR_NOMEM;
        conn->dgrams = d;
        conn->cap_dgrams = cap;
    }
    uint8_t *copy = quic_mem_malloc(conn->alloc, len ? len : 1);
    if (!copy)
        return QUIC_ERR_NOMEM;
    if (len)
        memcpy(copy, data, len);
    while (conn->n_dgrams && conn->dgram_bytes + len > DGRAM_QUEUE_BYTES)
        drop_oldest_dgram(conn);
    conn->dgrams[conn->n_dgrams].data = copy;
    conn->dgrams[conn->n_dgrams].len = len;
    conn->n_dgrams++;
    conn->dgram_bytes += len;
    return 0;
}

int quic_conn_request_key_update(quic_conn *conn) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!is_open(conn))
        return QUIC_ERR_INVALID_STATE;
    return quic_conn_initiate_key_update(conn);
}

int quic_conn_change_connection_id(quic_conn *conn) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!is_open(conn) || !conn->handshake_confirmed)
        return QUIC_ERR_INVALID_STATE;
    return quic_peer_cids_switch(&conn->peer_cids);
}

int quic_conn_migrate(quic_conn *conn, quic_time now) {
    if (!conn)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (now > conn->now)
        conn->now = now;
    return quic_conn_path_migrate(conn);
}

void quic_conn_get_stats(const quic_conn *conn, quic_conn_stats *out) {
    memset(out, 0, sizeof(*out));
    if (!conn)
        return;
    *out = conn->stats;
    out->smoothed_rtt = conn->rec.rtt.smoothed_rtt;
    out->rtt_variance = conn->rec.rtt.rttvar;
    out->min_rtt = conn->rec.rtt.min_rtt;
    out->latest_rtt = conn->rec.rtt.latest_rtt;
    out->cwnd = quic_cc_cwnd(conn->cc);
    out->bytes_in_flight = conn->rec.bytes_in_flight;
    out->packets_lost = conn->rec.packets_lost;
    out->packets_spuriously_lost = conn->rec.packets_spurious;
    out->version = conn->version;
    out->cipher_suite = conn->cipher_suite;
    out->local_cid = conn->local_cids.slots[0].cid;
    out->peer_cid = *quic_peer_cids_current(&conn->peer_cids);
    out->peer_addr = conn->peer_addr;
}

/* core/conn_ticket.c — the client's session ticket bytes: the TLS session
 * wolfSSL serialises, preceded by a format version, the QUIC version of the
 * connection that got it (RFC 9369 §5) and the server transport parameters
 * that RFC 9000 §7.4.1 says a client remembers to limit its 0-RTT data;
 * and the remembered limits applied when 0-RTT keys arrive. */
#include "core/conn_internal.h"

#include "core/mem.h"
#include "core/varint.h"

#include <string.h>

#define TICKET_FORMAT_V1 0x01 /* no QUIC version: made by QUIC v1 */
#define TICKET_FORMAT_V2 0x02 /* the QUIC version follows (4 bytes) */
#define TICKET_PARAMS 8
#define TICKET_HEADER_MAX (1 + 4 + TICKET_PARAMS * 8)

/* The remembered parameters in their wire order; the order is the format. */
static uint64_t *remembered_field(quic_tparams *tp, size_t i) {
    switch (i) {
    case 0: return &tp->initial_max_data;
    case 1: return &tp->initial_max_stream_data_bidi_local;
    case 2: return &tp->initial_max_stream_data_bidi_remote;
    case 3: return &tp->initial_max_stream_data_uni;
    case 4: return &tp->initial_max_streams_bidi;
    case 5: return &tp->initial_max_streams_uni;
    case 6: return &tp->active_connection_id_limit;
    default: return &tp->max_datagram_frame_size;
    }
}

void quic_conn_ticket_emit(quic_conn *conn, const uint8_t *session,
                           size_t len) {
    if (!conn->cfg.session_ticket_sink || !conn->peer_tp_applied)
        return;
    uint8_t *buf = quic_mem_malloc(conn->alloc, TICKET_HEADER_MAX + len);
    if (!buf)
        return; /* no ticket this time: a later connection runs in full */
    uint8_t *p = buf;
    *p++ = TICKET_FORMAT_V2;
    /* After compatible negotiation the ticket belongs to the negotiated
     * version (RFC 9369 §5). */
    p = quic_put_u32(p, conn->version);
    for (size_t i = 0; i < TICKET_PARAMS; i++)
        p = quic_put_varint(p, *remembered_field(&conn->peer_tp, i));
    memcpy(p, session, len);
    p += len;
    conn->cfg.session_ticket_sink(conn->cfg.sink_user, buf, (size_t)(p - buf));
    quic_mem_free(conn->alloc, buf);
}

int quic_conn_ticket_open(quic_conn *conn, const uint8_t *ticket, size_t len,
                          const uint8_t **session, size_t *session_len) {
    const uint8_t *p = ticket, *end = ticket + len;
    uint32_t version = QUIC_VERSION_1;
    if (len < 1 || (*p != TICKET_FORMAT_V1 && *p != TICKET_FORMAT_V2))
        return QUIC_ERR_TLS_SESSION;
    if (*p++ == TICKET_FORMAT_V2 && !(p = quic_get_u32(p, end, &version)))
        return QUIC_ERR_TLS_SESSION;
    quic_tparams *tp = &conn->remembered_tp;
    quic_tparams_init(tp);
    for (size_t i = 0; i < TICKET_PARAMS; i++) {
        p = quic_get_varint(p, end, remembered_field(tp, i));
        if (!p)
            return QUIC_ERR_TLS_SESSION;
    }
    if (p == end)
        return QUIC_ERR_TLS_SESSION;
    /* RFC 9369 §5: a ticket never starts a connection of another version;
     * this one goes without resumption (and its 0-RTT data in 1-RTT). */
    if (version != conn->version)
        return 1;
    *session = p;
    *session_len = (size_t)(end - p);
    conn->has_remembered_tp = true;
    return 0;
}

/* RFC 9000 §7.4.1: until the server's own parameters arrive, 0-RTT data
 * obeys the remembered flow-control and stream limits. The server must not
 * lower them when it accepts 0-RTT; when it rejects, the data is resent
 * under the new limits anyway. */
void quic_conn_apply_remembered_tparams(quic_conn *conn) {
    if (!conn->has_remembered_tp || conn->peer_tp_applied)
        return;
    const quic_tparams *tp = &conn->remembered_tp;
    quic_flowctl_tx_raise(&conn->tx_fc, tp->initial_max_data);
    quic_streams_set_peer(&conn->streams, tp->initial_max_streams_bidi,
                          tp->initial_max_streams_uni,
                          tp->initial_max_stream_data_bidi_local,
                          tp->initial_max_stream_data_bidi_remote,
                          tp->initial_max_stream_data_uni);
    conn->peer_tp.max_datagram_frame_size = tp->max_datagram_frame_size;
}

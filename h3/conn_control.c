/* h3/conn_control.c — QUIC input of the HTTP/3 connection by stream kind:
 * new streams and their roles (RFC 9114 §6), the peer's control stream and
 * its frames (§7.2.3-§7.2.7), the QPACK streams (RFC 9204 §4.2), resets,
 * STOP_SENDING and HTTP/3 datagrams (RFC 9297 §2.1). Request and push
 * stream frames are conn_recv.c's. */
#include "h3/conn_internal.h"

#include "core/varint.h"
#include "h3/settings.h"

static bool is_peer_stream(const h3_conn *h3, uint64_t id) {
    /* Bit 0 of a stream ID is 1 for server-initiated streams. */
    return h3_stream_id_is_client(id) != h3->cfg.is_client;
}

/* ---- New streams --------------------------------------------------------- */

/* A server rejects requests on streams its GOAWAY excluded (§5.2): they
 * are reset with H3_REQUEST_REJECTED and ignored until they end. */
static int reject_request(h3_conn *h3, h3_stream *st) {
    st->kind = H3_STREAM_DISCARD;
    st->recv_closed = true;
    st->send_closed = true;
    quic_conn_stop_stream(h3->quic, st->id, H3_REQUEST_REJECTED);
    quic_conn_reset_stream(h3->quic, st->id, H3_REQUEST_REJECTED);
    return 0;
}

/* The first bytes of a stream we did not know. Sets |*out| (NULL: ignore
 * the input). Returns 0 or a connection error. */
static int new_peer_stream(h3_conn *h3, uint64_t id, h3_stream **out) {
    *out = NULL;
    bool uni = h3_stream_id_is_uni(id);
    if (!uni && h3->cfg.is_client) {
        /* §6.1: server-initiated bidirectional streams are not used. */
        return H3_ERR_STREAM_CREATION;
    }
    h3_stream *st = h3_conn_add_stream(
        h3, id, uni ? H3_STREAM_UNI_UNKNOWN : H3_STREAM_REQUEST);
    if (!st)
        return H3_ERR_NOMEM;
    *out = st;
    if (uni) {
        st->send_closed = true; /* no send side */
        return 0;
    }
    if (id + 4 > h3->next_request_id)
        h3->next_request_id = id + 4;
    h3_recv_init_request(h3, st);
    if (h3->goaway_sent != H3_ID_NONE && id >= h3->goaway_sent)
        return reject_request(h3, st);
    return 0;
}

/* ---- Unidirectional stream roles ----------------------------------------- */

static int claim_critical(uint64_t *slot, h3_stream *st, h3_stream_kind kind) {
    /* §6.2.1, RFC 9204 §4.2: one stream of each of these types per peer. */
    if (*slot != H3_ID_NONE)
        return H3_ERR_STREAM_CREATION;
    *slot = st->id;
    st->kind = kind;
    return 0;
}

/* The stream header of a peer's unidirectional stream is complete. */
static int classify_uni(h3_conn *h3, h3_stream *st) {
    switch (st->uni.stream_type) {
    case H3_STREAM_TYPE_CONTROL:
        return claim_critical(&h3->peer_control_id, st, H3_STREAM_PEER_CONTROL);
    case H3_STREAM_TYPE_QPACK_ENCODER:
        return claim_critical(&h3->peer_encoder_id, st, H3_STREAM_PEER_ENCODER);
    case H3_STREAM_TYPE_QPACK_DECODER:
        return claim_critical(&h3->peer_decoder_id, st, H3_STREAM_PEER_DECODER);
    case H3_STREAM_TYPE_PUSH:
        /* §6.2.2: "Only servers can push". */
        if (!h3->cfg.is_client)
            return H3_ERR_STREAM_CREATION;
        return h3_push_on_stream(h3, st);
    default:
        /* §6.2: unknown (and reserved) types are not an error; abort
         * reading with H3_STREAM_CREATION_ERROR. */
        st->kind = H3_STREAM_DISCARD;
        st->recv_closed = true;
        quic_conn_stop_stream(h3->quic, st->id, H3_STREAM_CREATION_ERROR);
        return 0;
    }
}

/* ---- The peer's control stream ------------------------------------------- */

static int on_settings(h3_conn *h3, const h3_frame_event *fe) {
    if (h3->peer_settings_received)
        return H3_ERR_FRAME_UNEXPECTED; /* §7.2.4: only once */
    h3_settings s;
    int rc = h3_settings_decode(&s, fe->data, fe->len);
    if (rc < 0)
        return rc;
    h3->peer = s;
    h3->peer_settings_received = true;
    if ((rc = h3_conn_check_zero_rtt_settings(h3)) < 0)
        return rc;
    rc = h3_conn_apply_peer_qpack(h3);
    if (rc < 0)
        return rc;
    h3_evrec *rec =
        h3_evq_push(&h3->events, H3_EVENT_SETTINGS_RECEIVED, UINT64_MAX);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.settings_received.settings = &h3->peer;
    return 0;
}

static int on_goaway(h3_conn *h3, uint64_t id) {
    /* §7.2.6: a server's GOAWAY carries a client bidirectional stream ID. */
    if (h3->cfg.is_client && !h3_stream_id_is_request(id))
        return H3_ERR_ID;
    /* §5.2: the identifier must not grow. */
    if (h3->goaway_received != H3_ID_NONE && id > h3->goaway_received)
        return H3_ERR_ID;
    h3->goaway_received = id;
    h3_evrec *rec =
        h3_evq_push(&h3->events, H3_EVENT_GOAWAY_RECEIVED, UINT64_MAX);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.goaway_received.id = id;
    return 0;
}

static int on_max_push_id(h3_conn *h3, uint64_t id) {
    if (h3->cfg.is_client)
        return H3_ERR_FRAME_UNEXPECTED; /* §7.2.7: servers never send it */
    if (h3->max_push_id_set && id < h3->max_push_id)
        return H3_ERR_ID; /* §7.2.7: it cannot shrink */
    h3->max_push_id = id;
    h3->max_push_id_set = true;
    return 0;
}

static int on_control_frame(h3_conn *h3, const h3_frame_event *fe) {
    if (!h3->peer_settings_received && fe->frame_type != H3_FRAME_SETTINGS)
        return H3_ERR_MISSING_SETTINGS; /* §6.2.1 */
    switch (fe->frame_type) {
    case H3_FRAME_SETTINGS: return on_settings(h3, fe);
    case H3_FRAME_GOAWAY: return on_goaway(h3, fe->id);
    case H3_FRAME_MAX_PUSH_ID: return on_max_push_id(h3, fe->id);
    case H3_FRAME_CANCEL_PUSH: return h3_push_on_cancel(h3, fe->id);
    default:
        /* HEADERS and PUSH_PROMISE belong on request streams (§7.2.2,
         * §7.2.5). */
        return H3_ERR_FRAME_UNEXPECTED;
    }
}

static int control_input(h3_conn *h3, h3_stream *st, const uint8_t *data,
                         size_t len, bool fin) {
    size_t off = 0;
    for (;;) {
        size_t used;
        h3_frame_event fe;
        int rc = h3_frame_parser_next(&st->parser, data + off, len - off, false,
                                      &used, &fe);
        off += used;
        if (rc == H3_ERR_FIELD_SECTION_TOO_LARGE)
            rc = H3_ERR_FRAME_UNEXPECTED; /* a HEADERS frame: not here */
        if (rc < 0) {
            /* §6.2.1: whatever the first frame is, if not SETTINGS. */
            return h3->peer_settings_received ? rc : H3_ERR_MISSING_SETTINGS;
        }
        switch (fe.type) {
        case H3_FRAME_EV_NEED_INPUT:
            /* §6.2.1: the control stream must never close. */
            return fin ? H3_ERR_CLOSED_CRITICAL_STREAM : 0;
        case H3_FRAME_EV_DATA:
            return h3->peer_settings_received ? H3_ERR_FRAME_UNEXPECTED
                                              : H3_ERR_MISSING_SETTINGS;
        case H3_FRAME_EV_UNKNOWN:
            if (!h3->peer_settings_received)
                return H3_ERR_MISSING_SETTINGS;
            break; /* §9: unknown frame types are ignored */
        case H3_FRAME_EV_FRAME:
            if ((rc = on_control_frame(h3, &fe)) < 0)
                return rc;
            break;
        default: return H3_ERR_CLOSED_CRITICAL_STREAM;
        }
    }
}

/* ---- QPACK streams ------------------------------------------------------- */

static int encoder_input(h3_conn *h3, const uint8_t *data, size_t len,
                         bool fin) {
    if (len > 0) {
        int rc = qpack_decoder_read_encoder_stream(h3->dec, data, len);
        if (rc < 0)
            return rc;
        rc = h3_recv_resume_unblocked(h3);
        if (rc < 0)
            return rc;
    }
    /* RFC 9204 §4.2: closing either QPACK stream is a connection error of
     * type H3_CLOSED_CRITICAL_STREAM. */
    return fin ? H3_ERR_CLOSED_CRITICAL_STREAM : 0;
}

static int decoder_input(h3_conn *h3, const uint8_t *data, size_t len,
                         bool fin) {
    if (len > 0) {
        int rc = qpack_encoder_read_decoder_stream(h3->enc, data, len);
        if (rc < 0)
            return rc;
    }
    return fin ? H3_ERR_CLOSED_CRITICAL_STREAM : 0;
}

/* ---- Stream data dispatch ------------------------------------------------ */

static int uni_input(h3_conn *h3, h3_stream *st, const uint8_t *data,
                     size_t len, bool fin) {
    if (st->kind == H3_STREAM_UNI_UNKNOWN) {
        size_t used;
        if (h3_uni_header_parse(&st->uni, data, len, &used) == 0) {
            /* §6.2: a stream may end before its header; tolerate it. */
            if (fin)
                st->recv_closed = st->recv_done = true;
            return 0;
        }
        data += used;
        len -= used;
        int rc = classify_uni(h3, st);
        if (rc < 0)
            return rc;
    }
    switch (st->kind) {
    case H3_STREAM_PEER_CONTROL: return control_input(h3, st, data, len, fin);
    case H3_STREAM_PEER_ENCODER: return encoder_input(h3, data, len, fin);
    case H3_STREAM_PEER_DECODER: return decoder_input(h3, data, len, fin);
    case H3_STREAM_PUSH: return h3_recv_message_input(h3, st, data, len, fin);
    default:
        if (fin)
            st->recv_done = true;
        return 0;
    }
}

int h3_recv_stream_data(h3_conn *h3, uint64_t id, const uint8_t *data,
                        size_t len, bool fin) {
    h3_stream *st = h3_conn_stream(h3, id);
    int rc = 0;
    if (!st) {
        /* Our own streams that are gone (both directions done) get
         * nothing more from QUIC; anything else new must be the peer's. */
        if (!is_peer_stream(h3, id) || (len == 0 && !fin))
            return 0;
        if ((rc = new_peer_stream(h3, id, &st)) < 0 || !st)
            return rc;
    }
    if (st->recv_closed) {
        /* Stopped, rejected or of an unknown type: discard until QUIC says
         * it ended. */
        if (fin)
            st->recv_done = true;
    } else if (h3_stream_id_is_uni(id)) {
        rc = uni_input(h3, st, data, len, fin);
    } else {
        rc = h3_recv_message_input(h3, st, data, len, fin);
        /* Input stopped inside this piece (a stream error, an oversized
         * request): QUIC has nothing after its FIN, so nothing remains to
         * wait for on this side. */
        if (fin && st->recv_closed && st->blocked == H3_BLOCKED_NONE)
            st->recv_done = true;
    }
    if (rc == 0)
        h3_conn_release_stream(h3, st);
    return rc;
}

/* ---- Resets, STOP_SENDING ------------------------------------------------ */

static bool is_critical(const h3_stream *st) {
    return st->kind == H3_STREAM_PEER_CONTROL ||
           st->kind == H3_STREAM_PEER_ENCODER ||
           st->kind == H3_STREAM_PEER_DECODER;
}

int h3_recv_stream_reset(h3_conn *h3, uint64_t id, uint64_t code) {
    h3_stream *st = h3_conn_stream(h3, id);
    if (!st)
        return 0;
    if (is_critical(st))
        return H3_ERR_CLOSED_CRITICAL_STREAM; /* §6.2.1, RFC 9204 §4.2 */
    int rc = 0;
    if (st->kind == H3_STREAM_REQUEST || st->kind == H3_STREAM_PUSH)
        rc = h3_recv_message_reset(h3, st, code);
    st->recv_closed = st->recv_done = true;
    if (rc == 0)
        h3_conn_release_stream(h3, st);
    return rc;
}

int h3_recv_stop_sending(h3_conn *h3, uint64_t id, uint64_t code) {
    int64_t sid = (int64_t)id;
    if (sid == h3->control_id || sid == h3->encoder_id || sid == h3->decoder_id)
        return H3_ERR_CLOSED_CRITICAL_STREAM; /* §6.2.1: MUST NOT ask */
    h3_stream *st = h3_conn_stream(h3, id);
    if (!st || st->send_closed)
        return 0;
    /* RFC 9000 §3.5: answer with RESET_STREAM, copying the error code. */
    quic_conn_reset_stream(h3->quic, id, code);
    st->send_closed = true;
    h3_conn_release_stream(h3, st);
    return 0;
}

/* ---- HTTP/3 datagrams ---------------------------------------------------- */

int h3_recv_datagram(h3_conn *h3, const uint8_t *data, size_t len) {
    /* Not negotiated by us: the peer should not send them; drop. */
    if (!h3->cfg.h3_datagram)
        return 0;
    uint64_t quarter;
    const uint8_t *p = quic_get_varint(data, data + len, &quarter);
    /* RFC 9297 §2.1: a payload too short for the Quarter Stream ID, or a
     * value above 2^60-1, is H3_DATAGRAM_ERROR. */
    if (!p || quarter > (UINT64_C(1) << 60) - 1)
        return H3_ERR_DATAGRAM;
    uint64_t id = quarter * 4;
    h3_stream *st = h3_conn_stream(h3, id);
    /* §2.1: dropped when the stream is unknown or its receive side is
     * closed. */
    if (!st || st->kind != H3_STREAM_REQUEST || st->recv_closed)
        return 0;
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_DATAGRAM_RECEIVED, id);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.datagram_received.data = p;
    rec->ev.u.datagram_received.len = (size_t)(data + len - p);
    rec->ev.u.datagram_received.stream_id = id;
    return 0;
}

/* h3/conn_recv.c — the receive side of request and push streams (RFC 9114
 * §4.1, §6.1): frames in order, field sections through QPACK (holding the
 * stream's input while a section is blocked, RFC 9204 §2.1.2), message
 * validation, and the HeadersReceived / DataReceived events. Control and
 * QPACK streams are conn_control.c's. */
#include "h3/conn_internal.h"

#include <string.h>

/* ---- Trackers ------------------------------------------------------------ */

void h3_recv_init_request(h3_conn *h3, h3_stream *st) {
    unsigned flags =
        h3->cfg.enable_connect_protocol ? H3_MESSAGE_ALLOW_EXTENDED_CONNECT : 0;
    h3_message_tracker_init(&st->recv_msg, true, flags);
    h3_message_tracker_init(&st->send_msg, false, 0);
}

/* Server: the request arrived; the response we send must match its method
 * (a HEAD response has no content, a CONNECT response opens a tunnel). */
static void note_request(h3_stream *st, const h3_message_info *info) {
    st->head_request =
        info->method.len == 4 && memcmp(info->method.base, "HEAD", 4) == 0;
    st->connect_request =
        info->method.len == 7 && memcmp(info->method.base, "CONNECT", 7) == 0;
    unsigned flags = (st->head_request ? H3_MESSAGE_HEAD_REQUEST : 0) |
                     (st->connect_request ? H3_MESSAGE_CONNECT_REQUEST : 0);
    h3_message_tracker_init(&st->send_msg, false, flags);
}

/* ---- Field sections ------------------------------------------------------ */

/* Server: a request whose header section is over our limit but was decoded
 * (h3_config.max_oversized_request_section). The application answers it
 * (431); the rest of the request is not wanted: RFC 9114 §4.1, "The error
 * code H3_NO_ERROR SHOULD be used when requesting that the client stop
 * sending on the request stream." Errors: H3_ERR_NOMEM. */
static int oversized_request(h3_conn *h3, h3_stream *st) {
    if (!st->recv_closed)
        quic_conn_stop_stream(h3->quic, st->id, H3_NO_ERROR);
    return h3_conn_abandon_recv(h3, st);
}

/* A HEADERS or PUSH_PROMISE section of |st| was decoded into |rec| (the
 * last queued record): validate it and complete the event, or take the
 * record back. */
static int section_decoded(h3_conn *h3, h3_stream *st, h3_blocked_frame kind,
                           uint64_t push_id, h3_evrec *rec, h3_evrec **last) {
    int rc = h3_evrec_take_section(&h3->events, rec);
    if (rc < 0) {
        h3_evq_unpush(&h3->events);
        return rc;
    }
    if (kind == H3_BLOCKED_PUSH_PROMISE)
        return h3_push_on_promise(h3, st, push_id, rec);
    h3_message_info info;
    rc = h3_message_tracker_on_headers(&st->recv_msg, rec->headers,
                                       rec->section.count, &info);
    if (rc < 0) {
        h3_evq_unpush(&h3->events);
        /* §4.1.2: a malformed message is a stream error; a HEADERS frame
         * after the trailers is a connection error (§4.1). */
        return rc == H3_ERR_MESSAGE
                   ? h3_conn_stream_error(h3, st, H3_MESSAGE_ERROR)
                   : rc;
    }
    /* §4.2.2: over our SETTINGS_MAX_FIELD_SECTION_SIZE (decoded only up to
     * section_decode_limit). A server's request may still be answered
     * (431); anything else is refused. */
    bool too_large = h3_field_section_size(rec->headers, rec->section.count) >
                     h3->local.max_field_section_size;
    if (too_large && (h3->cfg.is_client || info.kind != H3_MESSAGE_REQUEST)) {
        h3_evq_unpush(&h3->events);
        return h3_conn_stream_error(h3, st, H3_EXCESSIVE_LOAD);
    }
    if (info.kind == H3_MESSAGE_REQUEST)
        note_request(st, &info);
    if (too_large) {
        rc = oversized_request(h3, st);
        if (rc < 0) {
            h3_evq_unpush(&h3->events);
            return rc;
        }
    }
    rec->ev.u.headers_received.too_large = too_large;
    rec->ev.u.headers_received.stream_ended = too_large;
    rec->ev.type = H3_EVENT_HEADERS_RECEIVED;
    rec->ev.u.headers_received.headers = rec->headers;
    rec->ev.u.headers_received.count = rec->section.count;
    rec->ev.u.headers_received.stream_id = st->id;
    rec->ev.u.headers_received.push_id = st->push_id;
    st->app_seen = true;
    *last = rec;
    return 0;
}

static int section_failed(h3_conn *h3, h3_stream *st, int rc) {
    if (rc == QPACK_ERR_FIELD_SECTION_TOO_LARGE) {
        /* Over our SETTINGS_MAX_FIELD_SECTION_SIZE (§4.2.2): refuse this
         * message only. */
        st->blocked = H3_BLOCKED_NONE;
        return h3_conn_stream_error(h3, st, H3_EXCESSIVE_LOAD);
    }
    if (rc == QPACK_ERR_NOMEM)
        return H3_ERR_NOMEM;
    /* QPACK_ERR_DECOMPRESSION_*: the connection closes with
     * QPACK_DECOMPRESSION_FAILED (RFC 9204 §6). */
    return qpack_err_wire_code(rc) ? rc : H3_ERR_INTERNAL;
}

static int decode_section(h3_conn *h3, h3_stream *st, h3_blocked_frame kind,
                          uint64_t push_id, const h3_frame_event *fe,
                          h3_evrec **last) {
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_HEADERS_RECEIVED, st->id);
    if (!rec)
        return H3_ERR_NOMEM;
    int rc =
        qpack_decoder_decode(h3->dec, st->id, fe->data, fe->len, &rec->section);
    if (rc == QPACK_DECODE_BLOCKED) {
        /* QPACK keeps its own copy of the block; the rest of the stream
         * waits in st->pending. */
        h3_evq_unpush(&h3->events);
        st->blocked = kind;
        st->blocked_push_id = push_id;
        return 0;
    }
    if (rc < 0) {
        h3_evq_unpush(&h3->events);
        return section_failed(h3, st, rc);
    }
    return section_decoded(h3, st, kind, push_id, rec, last);
}

/* ---- Frames -------------------------------------------------------------- */

static int message_frame(h3_conn *h3, h3_stream *st, const h3_frame_event *fe,
                         h3_evrec **last) {
    switch (fe->frame_type) {
    case H3_FRAME_HEADERS:
        return decode_section(h3, st, H3_BLOCKED_HEADERS, H3_PUSH_ID_NONE, fe,
                              last);
    case H3_FRAME_PUSH_PROMISE: {
        /* §7.2.5: only servers send it, and only on request streams (§4.1:
         * not on push streams). */
        if (!h3->cfg.is_client || st->kind != H3_STREAM_REQUEST)
            return H3_ERR_FRAME_UNEXPECTED;
        int rc = h3_push_check_id(h3, fe->id);
        if (rc < 0)
            return rc;
        return decode_section(h3, st, H3_BLOCKED_PUSH_PROMISE, fe->id, fe,
                              last);
    }
    default:
        /* SETTINGS, GOAWAY, MAX_PUSH_ID, CANCEL_PUSH: control stream only
         * (§7.2.3-§7.2.7). */
        return H3_ERR_FRAME_UNEXPECTED;
    }
}

static int queue_data(h3_conn *h3, h3_stream *st, const h3_frame_event *fe,
                      h3_evrec **last) {
    int rc = h3_message_tracker_on_data(&st->recv_msg, fe->len);
    if (rc == H3_ERR_MESSAGE)
        return h3_conn_stream_error(h3, st, H3_MESSAGE_ERROR);
    if (rc < 0)
        return rc; /* §4.1: DATA before HEADERS or after trailers */
    if (fe->len == 0)
        return 0;
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_DATA_RECEIVED, st->id);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.data_received.data = fe->data;
    rec->ev.u.data_received.len = fe->len;
    rec->ev.u.data_received.stream_id = st->id;
    rec->ev.u.data_received.push_id = st->push_id;
    st->app_seen = true;
    *last = rec;
    return 0;
}

/* The stream ended cleanly at a frame boundary. */
static int message_end(h3_conn *h3, h3_stream *st, h3_evrec *last) {
    st->recv_closed = st->recv_done = true;
    int rc = h3_message_tracker_on_end(&st->recv_msg);
    if (rc == H3_ERR_REQUEST_INCOMPLETE)
        return h3_conn_stream_error(h3, st, H3_REQUEST_INCOMPLETE);
    if (rc < 0)
        return h3_conn_stream_error(h3, st, H3_MESSAGE_ERROR);
    if (last && h3_evq_last(&h3->events) == last) {
        if (last->ev.type == H3_EVENT_HEADERS_RECEIVED)
            last->ev.u.headers_received.stream_ended = true;
        else
            last->ev.u.data_received.stream_ended = true;
        return 0;
    }
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_DATA_RECEIVED, st->id);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.data_received.stream_id = st->id;
    rec->ev.u.data_received.push_id = st->push_id;
    rec->ev.u.data_received.stream_ended = true;
    st->app_seen = true;
    return 0;
}

/* Keeps input of a blocked stream until its section is decoded, within
 * the configured bounds. */
static int hold_rest(h3_conn *h3, h3_stream *st, const uint8_t *data,
                     size_t len, bool fin) {
    int rc = h3_stream_hold(&h3->alloc, st, data, len);
    if (rc < 0)
        return rc;
    h3->blocked_bytes += len;
    st->pending_fin = st->pending_fin || fin;
    if (st->pending_len > h3->cfg.max_blocked_stream_bytes ||
        h3->blocked_bytes > h3->cfg.max_blocked_total_bytes)
        return h3_conn_stream_error(h3, st, H3_EXCESSIVE_LOAD);
    return 0;
}

/* Parses input of |st| from its frame parser's position. |last| is the
 * stream's latest event in the queue, which a FIN right after it marks as
 * the end. */
static int message_input_from(h3_conn *h3, h3_stream *st, const uint8_t *data,
                              size_t len, bool fin, h3_evrec *last) {
    size_t off = 0;
    for (;;) {
        size_t used;
        h3_frame_event fe;
        int rc = h3_frame_parser_next(&st->parser, data + off, len - off, fin,
                                      &used, &fe);
        off += used;
        if (rc == H3_ERR_FIELD_SECTION_TOO_LARGE)
            return h3_conn_stream_error(h3, st, H3_EXCESSIVE_LOAD);
        if (rc < 0)
            return rc;
        switch (fe.type) {
        case H3_FRAME_EV_NEED_INPUT: return 0;
        case H3_FRAME_EV_END: return message_end(h3, st, last);
        case H3_FRAME_EV_DATA: rc = queue_data(h3, st, &fe, &last); break;
        case H3_FRAME_EV_FRAME: rc = message_frame(h3, st, &fe, &last); break;
        default: break; /* §9: unknown frame types are ignored */
        }
        if (rc < 0 || st->recv_closed)
            return rc;
        if (st->blocked != H3_BLOCKED_NONE)
            return hold_rest(h3, st, data + off, len - off, fin);
    }
}

int h3_recv_message_input(h3_conn *h3, h3_stream *st, const uint8_t *data,
                          size_t len, bool fin) {
    if (st->blocked != H3_BLOCKED_NONE)
        return hold_rest(h3, st, data, len, fin);
    return message_input_from(h3, st, data, len, fin, NULL);
}

/* ---- Unblocked sections -------------------------------------------------- */

static int resume_stream(h3_conn *h3, h3_stream *st, h3_evrec *rec) {
    h3_blocked_frame kind = st->blocked;
    st->blocked = H3_BLOCKED_NONE;
    rec->stream_id = st->id;
    h3_evrec *last = NULL;
    int rc = section_decoded(h3, st, kind, st->blocked_push_id, rec, &last);
    if (rc < 0 || st->recv_closed)
        return rc;
    /* The held input is parsed now; its buffer stays alive (retired) until
     * the events pointing into it have been consumed. */
    uint8_t *buf = st->pending;
    size_t len = st->pending_len;
    bool fin = st->pending_fin;
    st->pending = NULL;
    st->pending_len = st->pending_cap = 0;
    st->pending_fin = false;
    h3->blocked_bytes -= len;
    if ((rc = h3_evq_retire(&h3->events, buf)) < 0)
        return rc;
    if (len == 0 && !fin)
        return 0;
    return message_input_from(h3, st, buf, len, fin, last);
}

int h3_recv_resume_unblocked(h3_conn *h3) {
    for (;;) {
        h3_evrec *rec =
            h3_evq_push(&h3->events, H3_EVENT_HEADERS_RECEIVED, UINT64_MAX);
        if (!rec)
            return H3_ERR_NOMEM;
        int rc = qpack_decoder_next_unblocked(h3->dec, &rec->section);
        if (rc == 0) {
            h3_evq_unpush(&h3->events);
            return 0;
        }
        h3_stream *st = h3_conn_stream(h3, rec->section.stream_id);
        if (rc < 0) {
            h3_evq_unpush(&h3->events);
            if (rc == QPACK_ERR_FIELD_SECTION_TOO_LARGE && st &&
                st->blocked != H3_BLOCKED_NONE) {
                if ((rc = section_failed(h3, st, rc)) < 0)
                    return rc;
                continue;
            }
            return rc == QPACK_ERR_FIELD_SECTION_TOO_LARGE
                       ? H3_ERR_EXCESSIVE_LOAD
                       : section_failed(h3, st, rc);
        }
        if (!st || st->blocked == H3_BLOCKED_NONE) {
            /* Cancelled meanwhile: QPACK should not return it; skip. */
            h3_evq_unpush(&h3->events);
            continue;
        }
        if ((rc = resume_stream(h3, st, rec)) < 0)
            return rc;
        h3_conn_release_stream(h3, st);
    }
}

/* ---- Resets -------------------------------------------------------------- */

int h3_recv_message_reset(h3_conn *h3, h3_stream *st, uint64_t code) {
    bool open = !st->recv_closed || st->blocked != H3_BLOCKED_NONE;
    if (!open)
        return 0; /* we stopped it, or it had ended: nothing new */
    int rc = h3_conn_abandon_recv(h3, st);
    if (rc < 0 || (!st->app_seen && !st->local))
        return rc;
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_STREAM_RESET, st->id);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.stream_reset.stream_id = st->id;
    rec->ev.u.stream_reset.error_code = code;
    rec->ev.u.stream_reset.push_id = st->push_id;
    return 0;
}

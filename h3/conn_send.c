/* h3/conn_send.c — the send API of the HTTP/3 connection: header sections
 * through QPACK, DATA frames (copied or by reference), GOAWAY, HTTP/3
 * datagrams and stream cancellation. Each call checks the caller's message
 * against RFC 9114 §4 before anything is queued. Server push is push.c's. */
#include "h3/conn_internal.h"

#include <string.h>

#include "core/varint.h"

/* Room before an encoded field section for the HEADERS or PUSH_PROMISE
 * frame header: type, length and push ID varints. */
#define FRAME_HEADROOM 24u
/* DATA payloads up to this size are copied next to their frame header and
 * queued with one call. */
#define SMALL_DATA 4096u

int h3_send_begin(h3_conn *h3) {
    if (!h3)
        return H3_ERR_INVALID_ARGUMENT;
    if (h3->closed)
        return H3_ERR_INVALID_STATE;
    return h3_conn_open_local_streams(h3);
}

int h3_send_end(h3_conn *h3, int rc) {
    if (rc == H3_ERR_NOMEM)
        h3_conn_fail(h3, rc);
    return rc;
}

int h3_send_control(h3_conn *h3, const uint8_t *frame, size_t len) {
    if (h3->control_id < 0)
        return H3_ERR_INVALID_STATE;
    return h3_quic_send(h3, (uint64_t)h3->control_id, frame, len, false);
}

/* ---- Field sections ------------------------------------------------------ */

static int fill_fields(h3_conn *h3, const h3_header *headers, size_t n) {
    if (n > h3->fields_cap) {
        if (n > SIZE_MAX / sizeof(qpack_field))
            return H3_ERR_INVALID_ARGUMENT;
        qpack_field *nf =
            h3_realloc(&h3->alloc, h3->fields, n * sizeof(*h3->fields));
        if (!nf)
            return H3_ERR_NOMEM;
        h3->fields = nf;
        h3->fields_cap = n;
    }
    for (size_t i = 0; i < n; i++)
        h3->fields[i] =
            (qpack_field){headers[i].name, headers[i].name_len,
                          headers[i].value, headers[i].value_len, 0};
    return 0;
}

/* §4.2.2: the size the peer's SETTINGS_MAX_FIELD_SECTION_SIZE limits
 * ("SHOULD NOT send": h3_config.send_oversized_sections sends anyway). */
static bool within_peer_limit(const h3_conn *h3, const h3_header *headers,
                              size_t n) {
    return h3->cfg.send_oversized_sections ||
           h3_field_section_size(headers, n) <= h3->peer.max_field_section_size;
}

int h3_send_encode(h3_conn *h3, uint64_t stream_id, const h3_header *headers,
                   size_t n, size_t headroom, uint8_t **block,
                   size_t *block_len) {
    if (!within_peer_limit(h3, headers, n))
        return H3_ERR_INVALID_ARGUMENT;
    int rc = fill_fields(h3, headers, n);
    if (rc < 0)
        return rc;
    size_t bound = qpack_encode_bound(h3->fields, n), enc_len = 0;
    if (bound > SIZE_MAX - headroom)
        return H3_ERR_INVALID_ARGUMENT;
    if ((rc = h3_reserve(h3, &h3->scratch, &h3->scratch_cap,
                         headroom + bound)) < 0 ||
        (rc = h3_reserve(h3, &h3->scratch2, &h3->scratch2_cap, bound)) < 0)
        return rc;
    rc = qpack_encoder_encode(h3->enc, stream_id, h3->fields, n,
                              h3->scratch + headroom, bound, block_len,
                              h3->scratch2, bound, &enc_len);
    if (rc < 0) {
        if (rc == QPACK_ERR_NOMEM)
            return H3_ERR_NOMEM; /* the encoder is unusable: fatal */
        return rc == QPACK_ERR_INVALID_ARGUMENT ? H3_ERR_INVALID_ARGUMENT
                                                : H3_ERR_INTERNAL;
    }
    if (enc_len > 0) {
        /* The encoder only uses the dynamic table once our encoder stream
         * exists (h3_conn_apply_peer_qpack). */
        if (h3->encoder_id < 0)
            return H3_ERR_INTERNAL;
        rc = h3_quic_send(h3, (uint64_t)h3->encoder_id, h3->scratch2, enc_len,
                          false);
        if (rc < 0)
            return rc;
    }
    *block = h3->scratch + headroom;
    return 0;
}

/* ---- Which stream may be sent on ----------------------------------------- */

/* A stream that is gone: one this side used before (finished or cancelled)
 * is a state error, anything else a bad argument. */
static int gone_stream_error(h3_conn *h3, uint64_t id) {
    if (h3_stream_id_is_request(id))
        return id < h3->next_request_id ? H3_ERR_INVALID_STATE
                                        : H3_ERR_INVALID_ARGUMENT;
    /* A server's push streams; not our control, QPACK or reserved
     * streams, which were never message streams. */
    bool push = !h3->cfg.is_client && h3_stream_id_is_uni(id) &&
                !h3_stream_id_is_client(id) && (int64_t)id > h3->decoder_id + 4;
    int64_t next = quic_conn_get_next_available_stream_id(h3->quic, true);
    if (push && (next < 0 || id < (uint64_t)next))
        return H3_ERR_INVALID_STATE;
    return H3_ERR_INVALID_ARGUMENT;
}

/* A stream this side sends messages on: a client's own request streams; a
 * server's received request streams and its own push streams. */
static int check_sendable(h3_conn *h3, uint64_t id, const h3_stream *st) {
    if (!st)
        return gone_stream_error(h3, id);
    bool ok = h3->cfg.is_client
                  ? st->kind == H3_STREAM_REQUEST && st->local
                  : (st->kind == H3_STREAM_REQUEST && !st->local) ||
                        (st->kind == H3_STREAM_PUSH && st->local);
    if (!ok)
        return st->kind == H3_STREAM_DISCARD ? H3_ERR_INVALID_STATE
                                             : H3_ERR_INVALID_ARGUMENT;
    return st->send_closed ? H3_ERR_INVALID_STATE : 0;
}

/* Client: a request on a new stream, which must be the next one QUIC
 * opens. */
static int new_request(h3_conn *h3, uint64_t id, h3_stream **out) {
    if (!h3_stream_id_is_request(id))
        return H3_ERR_INVALID_ARGUMENT;
    if (id < h3->next_request_id)
        return H3_ERR_INVALID_STATE; /* used before */
    /* §5.2: no new requests at or above the server's GOAWAY. */
    if (h3->goaway_received != H3_ID_NONE && id >= h3->goaway_received)
        return H3_ERR_GOAWAY;
    int64_t next = quic_conn_get_next_available_stream_id(h3->quic, false);
    if (next < 0)
        return H3_ERR_STREAM_LIMIT;
    if ((uint64_t)next != id)
        return H3_ERR_INVALID_ARGUMENT;
    h3_stream *st = h3_conn_add_stream(h3, id, H3_STREAM_REQUEST);
    if (!st)
        return H3_ERR_NOMEM;
    st->local = true;
    unsigned flags = h3->peer.enable_connect_protocol
                         ? H3_MESSAGE_ALLOW_EXTENDED_CONNECT
                         : 0;
    h3_message_tracker_init(&st->send_msg, true, flags);
    h3_message_tracker_init(&st->recv_msg, false, 0);
    *out = st;
    return 0;
}

/* Client: the response must be read knowing the request's method. */
static void note_sent_request(h3_stream *st, const h3_message_info *info) {
    st->head_request =
        info->method.len == 4 && memcmp(info->method.base, "HEAD", 4) == 0;
    st->connect_request =
        info->method.len == 7 && memcmp(info->method.base, "CONNECT", 7) == 0;
    unsigned flags = (st->head_request ? H3_MESSAGE_HEAD_REQUEST : 0) |
                     (st->connect_request ? H3_MESSAGE_CONNECT_REQUEST : 0);
    h3_message_tracker_init(&st->recv_msg, false, flags);
}

/* ---- HEADERS and DATA ---------------------------------------------------- */

static int send_headers_on(h3_conn *h3, h3_stream *st, const h3_header *headers,
                           size_t n, bool end_stream) {
    h3_message_tracker t = st->send_msg;
    h3_message_info info;
    int rc = h3_message_tracker_on_headers(&t, headers, n, &info);
    if (rc < 0)
        return rc == H3_ERR_MESSAGE ? H3_ERR_INVALID_ARGUMENT
                                    : H3_ERR_INVALID_STATE;
    if (end_stream && h3_message_tracker_on_end(&t) < 0)
        return H3_ERR_INVALID_STATE;
    uint8_t *block;
    size_t len;
    rc = h3_send_encode(h3, st->id, headers, n, FRAME_HEADROOM, &block, &len);
    if (rc < 0)
        return rc;
    size_t hl = h3_frame_header_len(H3_FRAME_HEADERS, len);
    h3_frame_write_header(block - hl, hl, H3_FRAME_HEADERS, len);
    rc = h3_quic_send(h3, st->id, block - hl, hl + len, end_stream);
    if (rc < 0)
        return rc;
    if (info.kind == H3_MESSAGE_REQUEST)
        note_sent_request(st, &info);
    st->send_msg = t;
    st->send_closed = end_stream;
    return 0;
}

int h3_conn_send_headers(h3_conn *h3, uint64_t stream_id,
                         const h3_header *headers, size_t n, bool end_stream) {
    int rc = h3_send_begin(h3);
    if (rc < 0)
        return h3_send_end(h3, rc);
    if (!headers && n > 0)
        return H3_ERR_INVALID_ARGUMENT;
    h3_stream *st = h3_conn_stream(h3, stream_id);
    bool created = false;
    if (!st && h3->cfg.is_client) {
        rc = new_request(h3, stream_id, &st);
        created = rc == 0;
    } else {
        rc = check_sendable(h3, stream_id, st);
    }
    if (rc == 0)
        rc = send_headers_on(h3, st, headers, n, end_stream);
    if (created && rc < 0) {
        h3_idmap_remove(&h3->streams, stream_id);
        h3_stream_free(&h3->alloc, st);
    } else if (created) {
        h3->next_request_id = stream_id + 4;
    }
    return h3_send_end(h3, rc);
}

/* The release callback when the caller has none (quic.h requires one). */
static void release_nothing(void *arg) {
    (void)arg;
}

/* Queues a DATA frame: header and payload, copied or by reference. */
static int queue_data_frame(h3_conn *h3, uint64_t id, const uint8_t *data,
                            size_t len, bool fin, void (*release)(void *),
                            void *release_arg, bool by_ref) {
    uint8_t hdr[16];
    int hl = h3_frame_write_header(hdr, sizeof(hdr), H3_FRAME_DATA, len);
    if (hl < 0)
        return H3_ERR_INVALID_ARGUMENT;
    if (!by_ref && len <= SMALL_DATA) {
        int rc =
            h3_reserve(h3, &h3->scratch, &h3->scratch_cap, (size_t)hl + len);
        if (rc < 0)
            return rc;
        memcpy(h3->scratch, hdr, (size_t)hl);
        memcpy(h3->scratch + hl, data, len);
        return h3_quic_send(h3, id, h3->scratch, (size_t)hl + len, fin);
    }
    int rc = h3_quic_send(h3, id, hdr, (size_t)hl, false);
    if (rc < 0)
        return rc;
    rc = by_ref ? quic_conn_send_stream_data_ref(
                      h3->quic, id, data, len, fin,
                      release ? release : release_nothing, release_arg)
                : quic_conn_send_stream_data(h3->quic, id, data, len, fin);
    if (rc < 0) {
        /* A frame header went out without its payload: the stream cannot
         * be continued, so neither can the connection. */
        rc = h3_from_quic_err(rc);
        h3_conn_fail(h3, rc == H3_ERR_NOMEM ? rc : H3_ERR_INTERNAL);
    }
    return rc;
}

static int send_data(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                     size_t len, bool end_stream, void (*release)(void *),
                     void *release_arg, bool by_ref) {
    int rc = h3_send_begin(h3);
    if (rc < 0)
        return h3_send_end(h3, rc);
    if (!data && len > 0)
        return H3_ERR_INVALID_ARGUMENT;
    h3_stream *st = h3_conn_stream(h3, stream_id);
    if ((rc = check_sendable(h3, stream_id, st)) < 0)
        return rc;
    h3_message_tracker t = st->send_msg;
    /* §4.1: DATA only after the header section, within Content-Length. */
    if (h3_message_tracker_on_data(&t, len) < 0 ||
        (end_stream && h3_message_tracker_on_end(&t) < 0))
        return H3_ERR_INVALID_STATE;
    if (len > 0)
        rc = queue_data_frame(h3, stream_id, data, len, end_stream, release,
                              release_arg, by_ref);
    else if (end_stream)
        rc = h3_quic_send(h3, stream_id, NULL, 0, true);
    if (rc < 0)
        return h3_send_end(h3, rc);
    st->send_msg = t;
    st->send_closed = end_stream;
    if (by_ref && len == 0 && release)
        release(release_arg);
    h3_conn_release_stream(h3, st);
    return 0;
}

int h3_conn_send_data(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                      size_t len, bool end_stream) {
    return send_data(h3, stream_id, data, len, end_stream, NULL, NULL, false);
}

int h3_conn_send_data_ref(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                          size_t len, bool end_stream,
                          void (*release)(void *release_arg),
                          void *release_arg) {
    return send_data(h3, stream_id, data, len, end_stream, release, release_arg,
                     true);
}

/* ---- Request streams ----------------------------------------------------- */

int64_t h3_conn_get_next_request_stream_id(h3_conn *h3) {
    if (!h3)
        return H3_ERR_INVALID_ARGUMENT;
    if (!h3->cfg.is_client || h3->closed)
        return H3_ERR_INVALID_STATE;
    int64_t id = quic_conn_get_next_available_stream_id(h3->quic, false);
    if (id < 0)
        return H3_ERR_STREAM_LIMIT;
    if (h3->goaway_received != H3_ID_NONE &&
        (uint64_t)id >= h3->goaway_received)
        return H3_ERR_GOAWAY;
    return id;
}

/* The stream a reset or stop applies to: a request or push stream. */
static int cancellable(h3_conn *h3, uint64_t id, h3_stream **out) {
    if (!h3)
        return H3_ERR_INVALID_ARGUMENT;
    if (h3->closed)
        return H3_ERR_INVALID_STATE;
    h3_stream *st = h3_conn_stream(h3, id);
    if (!st || (st->kind != H3_STREAM_REQUEST && st->kind != H3_STREAM_PUSH &&
                st->kind != H3_STREAM_DISCARD))
        return H3_ERR_INVALID_ARGUMENT;
    *out = st;
    return 0;
}

static int stop_receiving(h3_conn *h3, h3_stream *st, uint64_t code) {
    bool has_recv = !st->local || !h3_stream_id_is_uni(st->id);
    if (!has_recv || st->recv_closed)
        return 0;
    quic_conn_stop_stream(h3->quic, st->id, code);
    return h3_conn_abandon_recv(h3, st);
}

int h3_conn_reset_stream(h3_conn *h3, uint64_t stream_id, uint64_t error_code) {
    h3_stream *st;
    int rc = cancellable(h3, stream_id, &st);
    if (rc < 0)
        return rc;
    if (!st->send_closed) {
        quic_conn_reset_stream(h3->quic, stream_id, error_code);
        st->send_closed = true;
    }
    rc = stop_receiving(h3, st, error_code);
    if (rc == 0)
        rc = h3_conn_flush_decoder(h3);
    if (rc == 0)
        h3_conn_release_stream(h3, st);
    return h3_send_end(h3, rc);
}

int h3_conn_stop_stream(h3_conn *h3, uint64_t stream_id, uint64_t error_code) {
    h3_stream *st;
    int rc = cancellable(h3, stream_id, &st);
    if (rc < 0)
        return rc;
    rc = stop_receiving(h3, st, error_code);
    if (rc == 0)
        rc = h3_conn_flush_decoder(h3);
    if (rc == 0)
        h3_conn_release_stream(h3, st);
    return h3_send_end(h3, rc);
}

/* ---- GOAWAY -------------------------------------------------------------- */

/* Server: after GOAWAY |id|, requests at or above it that the application
 * has not seen yet are rejected (§5.2 SHOULD). */
static void reject_unseen_requests(h3_conn *h3, uint64_t id) {
    for (size_t i = 0; i < h3->streams.cap; i++) {
        h3_stream *st = h3->streams.vals[i];
        if (!st || st->kind != H3_STREAM_REQUEST || st->local || st->id < id ||
            st->app_seen)
            continue;
        quic_conn_stop_stream(h3->quic, st->id, H3_REQUEST_REJECTED);
        quic_conn_reset_stream(h3->quic, st->id, H3_REQUEST_REJECTED);
        h3_conn_abandon_recv(h3, st);
        st->kind = H3_STREAM_DISCARD;
        st->send_closed = true;
    }
}

int h3_conn_send_goaway(h3_conn *h3, uint64_t id) {
    int rc = h3_send_begin(h3);
    if (rc < 0)
        return h3_send_end(h3, rc);
    if (id == H3_GOAWAY_AUTO)
        id = h3->cfg.is_client ? h3->next_peer_push_id : h3->next_request_id;
    if (id > QUIC_VARINT_MAX || (!h3->cfg.is_client && id % 4 != 0))
        return H3_ERR_INVALID_ARGUMENT;
    /* §5.2: the identifier must not grow from one GOAWAY to the next. */
    if (h3->goaway_sent != H3_ID_NONE && id > h3->goaway_sent)
        return H3_ERR_INVALID_ARGUMENT;
    uint8_t frame[16];
    int n = h3_frame_write_goaway(frame, sizeof(frame), id);
    if (n < 0)
        return H3_ERR_INVALID_ARGUMENT;
    if ((rc = h3_send_control(h3, frame, (size_t)n)) < 0)
        return h3_send_end(h3, rc);
    h3->goaway_sent = id;
    if (!h3->cfg.is_client)
        reject_unseen_requests(h3, id);
    return h3_send_end(h3, h3_conn_flush_decoder(h3));
}

/* ---- Datagrams ----------------------------------------------------------- */

int h3_conn_send_datagram(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                          size_t len) {
    if (!h3 || (!data && len > 0))
        return H3_ERR_INVALID_ARGUMENT;
    /* RFC 9297 §2.1.1: only once H3_DATAGRAM was both sent and received
     * with the value 1. */
    if (h3->closed || !h3->cfg.h3_datagram || !h3->peer.h3_datagram)
        return H3_ERR_INVALID_STATE;
    h3_stream *st = h3_conn_stream(h3, stream_id);
    if (!st || st->kind != H3_STREAM_REQUEST)
        return H3_ERR_INVALID_ARGUMENT;
    /* §2.1: only while the stream's send side is open. */
    if (st->send_closed)
        return H3_ERR_INVALID_STATE;
    size_t hl = quic_varint_len(stream_id / 4);
    if (len > SIZE_MAX - hl)
        return H3_ERR_INVALID_ARGUMENT;
    int rc = h3_reserve(h3, &h3->scratch, &h3->scratch_cap, hl + len);
    if (rc < 0)
        return h3_send_end(h3, rc);
    uint8_t *p = quic_put_varint(h3->scratch, stream_id / 4);
    if (len > 0)
        memcpy(p, data, len);
    rc = quic_conn_send_datagram_frame(h3->quic, h3->scratch, hl + len);
    return h3_send_end(h3, rc < 0 ? h3_from_quic_err(rc) : 0);
}

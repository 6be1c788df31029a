/* h3/push.c — server push (RFC 9114 §4.6): push IDs and their limits,
 * PUSH_PROMISE and push streams on both sides, CANCEL_PUSH and MAX_PUSH_ID.
 * The frames of a push stream are read by conn_recv.c like a response. */
#include "h3/conn_internal.h"

#include <string.h>

#include "core/varint.h"

/* ---- Push table ---------------------------------------------------------- */

h3_push *h3_push_get(h3_conn *h3, uint64_t push_id, bool create, int *err) {
    *err = 0;
    h3_push *p = h3_idmap_get(&h3->pushes, push_id);
    if (p || !create)
        return p;
    p = h3_malloc(&h3->alloc, sizeof(*p));
    if (!p) {
        *err = H3_ERR_NOMEM;
        return NULL;
    }
    memset(p, 0, sizeof(*p));
    p->push_id = push_id;
    if (h3_idmap_put(&h3->pushes, push_id, p) < 0) {
        h3_free(&h3->alloc, p);
        *err = H3_ERR_NOMEM;
        return NULL;
    }
    return p;
}

void h3_push_free_all(h3_conn *h3) {
    h3_idmap *m = &h3->pushes;
    for (size_t i = 0; i < m->cap; i++) {
        h3_push *p = m->vals[i];
        if (!p)
            continue;
        h3_free(&h3->alloc, p->promise);
        h3_free(&h3->alloc, p);
    }
    h3_idmap_cleanup(m);
}

static void saw_push_id(h3_conn *h3, uint64_t push_id) {
    if (push_id + 1 > h3->next_peer_push_id)
        h3->next_peer_push_id = push_id + 1;
}

/* ---- Client side --------------------------------------------------------- */

int h3_push_check_id(const h3_conn *h3, uint64_t push_id) {
    /* §4.6, §7.2.5: nothing above the MAX_PUSH_ID we sent. */
    if (!h3->max_push_id_sent || push_id > h3->max_push_id)
        return H3_ERR_ID;
    return 0;
}

int h3_push_on_stream(h3_conn *h3, h3_stream *st) {
    uint64_t push_id = st->uni.push_id;
    int rc = h3_push_check_id(h3, push_id);
    if (rc < 0)
        return rc;
    h3_push *p = h3_push_get(h3, push_id, true, &rc);
    if (!p)
        return rc;
    /* §6.2.2: each push ID in at most one push stream header. */
    if (p->has_stream)
        return H3_ERR_ID;
    p->has_stream = true;
    p->stream_id = st->id;
    saw_push_id(h3, push_id);
    st->push_id = push_id;
    if (p->cancelled ||
        (h3->goaway_sent != H3_ID_NONE && push_id >= h3->goaway_sent)) {
        /* §7.2.3: a push we refused: abort reading. */
        st->kind = H3_STREAM_DISCARD;
        st->recv_closed = true;
        quic_conn_stop_stream(h3->quic, st->id, H3_REQUEST_CANCELLED);
        return 0;
    }
    st->kind = H3_STREAM_PUSH;
    h3_message_tracker_init(&st->recv_msg, false,
                            p->head ? H3_MESSAGE_HEAD_REQUEST : 0);
    return 0;
}

/* Field lines as one byte string (lengths, then bytes), so repeated
 * promises can be compared with memcmp. */
static size_t serialise(const h3_header *h, size_t n, uint8_t *out) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t lens[2] = {h[i].name_len, h[i].value_len};
        if (out) {
            memcpy(out + len, lens, sizeof(lens));
            memcpy(out + len + sizeof(lens), h[i].name, h[i].name_len);
            memcpy(out + len + sizeof(lens) + h[i].name_len, h[i].value,
                   h[i].value_len);
        }
        len += sizeof(lens) + h[i].name_len + h[i].value_len;
    }
    return len;
}

/* Remembers the first promise of |p|, or checks a repeated one against it
 * (§7.2.5: "the decompressed request header sets MUST contain the same
 * fields in the same order"). */
static int record_promise(h3_conn *h3, h3_push *p, const h3_header *h,
                          size_t n) {
    size_t len = serialise(h, n, NULL);
    int rc = h3_reserve(h3, &h3->scratch2, &h3->scratch2_cap, len ? len : 1);
    if (rc < 0)
        return rc;
    serialise(h, n, h3->scratch2);
    if (p->promised) {
        bool same = len == p->promise_len &&
                    (len == 0 || memcmp(p->promise, h3->scratch2, len) == 0);
        return same ? 0 : H3_ERR_GENERAL_PROTOCOL;
    }
    p->promise = h3_malloc(&h3->alloc, len ? len : 1);
    if (!p->promise)
        return H3_ERR_NOMEM;
    memcpy(p->promise, h3->scratch2, len);
    p->promise_len = len;
    p->promised = true;
    return 0;
}

int h3_push_on_promise(h3_conn *h3, h3_stream *st, uint64_t push_id,
                       h3_evrec *rec) {
    const h3_header *h = rec->headers;
    size_t n = rec->section.count;
    h3_message_info info;
    if (h3_message_validate(H3_MESSAGE_REQUEST, h, n, 0, &info) < 0) {
        h3_evq_unpush(&h3->events);
        return h3_conn_stream_error(h3, st, H3_MESSAGE_ERROR);
    }
    int rc;
    h3_push *p = h3_push_get(h3, push_id, true, &rc);
    if (p)
        rc = record_promise(h3, p, h, n);
    if (rc < 0) {
        h3_evq_unpush(&h3->events);
        return rc;
    }
    p->head = info.method.len == 4 && memcmp(info.method.base, "HEAD", 4) == 0;
    saw_push_id(h3, push_id);
    if (p->cancelled) {
        h3_evq_unpush(&h3->events); /* we refused it already */
        return 0;
    }
    rec->ev.type = H3_EVENT_PUSH_PROMISE_RECEIVED;
    rec->ev.u.push_promise_received.headers = h;
    rec->ev.u.push_promise_received.count = n;
    rec->ev.u.push_promise_received.push_id = push_id;
    rec->ev.u.push_promise_received.stream_id = st->id;
    return 0;
}

/* ---- CANCEL_PUSH received ------------------------------------------------ */

static int cancel_event(h3_conn *h3, uint64_t push_id) {
    h3_evrec *rec =
        h3_evq_push(&h3->events, H3_EVENT_PUSH_CANCELLED, UINT64_MAX);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.push_cancelled.push_id = push_id;
    return 0;
}

int h3_push_on_cancel(h3_conn *h3, uint64_t push_id) {
    int rc;
    if (h3->cfg.is_client) {
        if ((rc = h3_push_check_id(h3, push_id)) < 0)
            return rc;
        h3_push *p = h3_push_get(h3, push_id, true, &rc);
        if (!p)
            return rc;
        if (p->cancelled)
            return 0;
        p->cancelled = true;
        return cancel_event(h3, push_id);
    }
    /* §7.2.3: above the client's MAX_PUSH_ID, or a push ID never promised,
     * is H3_ID_ERROR. */
    if (!h3->max_push_id_set || push_id > h3->max_push_id ||
        push_id >= h3->next_push_id)
        return H3_ERR_ID;
    h3_push *p = h3_push_get(h3, push_id, false, &rc);
    if (!p || p->cancelled)
        return 0;
    p->cancelled = true;
    h3_stream *st = p->has_stream ? h3_conn_stream(h3, p->stream_id) : NULL;
    if (st && !st->send_closed) {
        /* §7.2.3: "If the push stream is open, the server SHOULD abruptly
         * terminate that stream". */
        quic_conn_reset_stream(h3->quic, st->id, H3_REQUEST_CANCELLED);
        st->send_closed = true;
        h3_conn_release_stream(h3, st);
    }
    return cancel_event(h3, push_id);
}

/* ---- Server: promising --------------------------------------------------- */

/* Sends PUSH_PROMISE(|push_id|, |headers|) on request stream |st|. */
static int send_promise(h3_conn *h3, h3_stream *st, uint64_t push_id,
                        const h3_header *headers, size_t n) {
    uint8_t *block;
    size_t len;
    int rc = h3_send_encode(h3, st->id, headers, n, 24, &block, &len);
    if (rc < 0)
        return rc;
    size_t idl = quic_varint_len(push_id);
    size_t hl = h3_frame_header_len(H3_FRAME_PUSH_PROMISE, idl + len);
    uint8_t *start = block - idl - hl;
    h3_frame_write_header(start, hl, H3_FRAME_PUSH_PROMISE, idl + len);
    quic_put_varint(start + hl, push_id);
    return h3_quic_send(h3, st->id, start, hl + idl + len, false);
}

/* Opens the push stream for |push_id| and registers it. */
static int open_push_stream(h3_conn *h3, uint64_t id, uint64_t push_id,
                            bool head) {
    uint8_t hdr[16];
    int n = h3_write_push_stream_header(hdr, sizeof(hdr), push_id);
    h3_stream *st = h3_conn_add_stream(h3, id, H3_STREAM_PUSH);
    if (!st)
        return H3_ERR_NOMEM;
    st->local = true;
    st->push_id = push_id;
    st->recv_closed = st->recv_done = true; /* no receive side */
    h3_message_tracker_init(&st->send_msg, false,
                            head ? H3_MESSAGE_HEAD_REQUEST : 0);
    return h3_quic_send(h3, id, hdr, (size_t)n, false);
}

/* Everything h3_conn_send_push_promise checks before sending. */
static int check_promise(h3_conn *h3, uint64_t stream_id,
                         const h3_header *headers, size_t n,
                         h3_message_info *info) {
    if (h3->cfg.is_client)
        return H3_ERR_INVALID_STATE;
    h3_stream *st = h3_conn_stream(h3, stream_id);
    if (!st || st->kind != H3_STREAM_REQUEST || (!headers && n > 0))
        return H3_ERR_INVALID_ARGUMENT;
    if (st->send_closed)
        return H3_ERR_INVALID_STATE;
    /* §4.6: push IDs up to the client's MAX_PUSH_ID, and below its
     * GOAWAY. */
    if (!h3->max_push_id_set || h3->next_push_id > h3->max_push_id ||
        (h3->goaway_received != H3_ID_NONE &&
         h3->next_push_id >= h3->goaway_received))
        return H3_ERR_NO_AVAILABLE_PUSH_ID;
    if (h3_message_validate(H3_MESSAGE_REQUEST, headers, n, 0, info) < 0)
        return H3_ERR_INVALID_ARGUMENT;
    return 0;
}

int64_t h3_conn_send_push_promise(h3_conn *h3, uint64_t stream_id,
                                  const h3_header *headers, size_t n) {
    int rc = h3_send_begin(h3);
    if (rc < 0)
        return h3_send_end(h3, rc);
    h3_message_info info;
    if ((rc = check_promise(h3, stream_id, headers, n, &info)) < 0)
        return rc;
    int64_t push_stream =
        quic_conn_get_next_available_stream_id(h3->quic, true);
    if (push_stream < 0)
        return H3_ERR_STREAM_LIMIT;
    uint64_t push_id = h3->next_push_id;
    rc = send_promise(h3, h3_conn_stream(h3, stream_id), push_id, headers, n);
    if (rc < 0)
        return h3_send_end(h3, rc);
    /* The push ID is used once the promise is queued. */
    h3->next_push_id++;
    h3_push *p = h3_push_get(h3, push_id, true, &rc);
    if (!p)
        return h3_send_end(h3, rc);
    p->promised = true;
    p->head = info.method.len == 4 && memcmp(info.method.base, "HEAD", 4) == 0;
    rc = open_push_stream(h3, (uint64_t)push_stream, push_id, p->head);
    if (rc < 0)
        return h3_send_end(h3, rc);
    p->has_stream = true;
    p->stream_id = (uint64_t)push_stream;
    return push_stream;
}

/* ---- Cancelling and limits ----------------------------------------------- */

static int client_cancel(h3_conn *h3, h3_push *p) {
    h3_stream *st = p->has_stream ? h3_conn_stream(h3, p->stream_id) : NULL;
    if (!st || st->recv_closed)
        return 0;
    /* §4.6: abort reading a push stream we no longer want. */
    quic_conn_stop_stream(h3->quic, st->id, H3_REQUEST_CANCELLED);
    int rc = h3_conn_abandon_recv(h3, st);
    st->kind = H3_STREAM_DISCARD;
    return rc;
}

static int server_cancel(h3_conn *h3, h3_push *p) {
    h3_stream *st = p->has_stream ? h3_conn_stream(h3, p->stream_id) : NULL;
    if (st && !st->send_closed) {
        quic_conn_reset_stream(h3->quic, st->id, H3_REQUEST_CANCELLED);
        st->send_closed = true;
        h3_conn_release_stream(h3, st);
    }
    return 0;
}

int h3_conn_cancel_push(h3_conn *h3, uint64_t push_id) {
    int rc = h3_send_begin(h3);
    if (rc < 0)
        return h3_send_end(h3, rc);
    bool known = h3->cfg.is_client
                     ? h3->max_push_id_set && push_id <= h3->max_push_id
                     : push_id < h3->next_push_id;
    if (!known)
        return H3_ERR_INVALID_ARGUMENT;
    h3_push *p = h3_push_get(h3, push_id, true, &rc);
    if (!p)
        return h3_send_end(h3, rc);
    if (p->cancelled)
        return H3_ERR_INVALID_STATE;
    uint8_t frame[16];
    int n = h3_frame_write_cancel_push(frame, sizeof(frame), push_id);
    if ((rc = h3_send_control(h3, frame, (size_t)n)) < 0)
        return h3_send_end(h3, rc);
    p->cancelled = true;
    rc = h3->cfg.is_client ? client_cancel(h3, p) : server_cancel(h3, p);
    if (rc == 0)
        rc = h3_conn_flush_decoder(h3);
    return h3_send_end(h3, rc);
}

int h3_conn_set_max_push_id(h3_conn *h3, uint64_t max_push_id) {
    if (!h3)
        return H3_ERR_INVALID_ARGUMENT;
    if (!h3->cfg.is_client || h3->closed)
        return H3_ERR_INVALID_STATE;
    if (max_push_id > QUIC_VARINT_MAX ||
        (h3->max_push_id_set && max_push_id < h3->max_push_id))
        return H3_ERR_INVALID_ARGUMENT;
    if (h3->max_push_id_set && max_push_id == h3->max_push_id)
        return 0;
    h3->max_push_id = max_push_id;
    h3->max_push_id_set = true;
    if (h3->control_id < 0)
        return 0; /* sent with the control stream when it opens */
    uint8_t frame[16];
    int n = h3_frame_write_max_push_id(frame, sizeof(frame), max_push_id);
    int rc = h3_send_control(h3, frame, (size_t)n);
    if (rc == 0)
        h3->max_push_id_sent = true;
    return h3_send_end(h3, rc);
}

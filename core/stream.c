/* core/stream.c — the stream table and per-stream state machines of RFC
 * 9000 §2-§4 (see stream.h); frames are encoded and decoded elsewhere. */
#include "core/stream.h"

#include "core/mem.h"

#include <string.h>

#define INITIAL_BUCKETS 64

static size_t bucket_of(const quic_streams *ss, uint64_t id) {
    uint64_t h = (id >> 2) * UINT64_C(0x9E3779B97F4A7C15) ^ (id & 3);
    return (size_t)(h >> 32) & (ss->nbuckets - 1);
}

int quic_streams_init(quic_streams *ss, const quic_allocator *alloc,
                      bool is_client, const quic_streams_limits *limits) {
    memset(ss, 0, sizeof(*ss));
    ss->alloc = alloc;
    ss->is_client = is_client;
    ss->limits = *limits;
    ss->nbuckets = INITIAL_BUCKETS;
    ss->buckets = quic_mem_calloc(alloc, ss->nbuckets, sizeof(*ss->buckets));
    if (!ss->buckets)
        return QUIC_ERR_NOMEM;
    for (int t = 0; t < 2; t++) {
        ss->remote_max[t] = limits->max_streams[t];
        quic_ranges_init(&ss->closed[t], alloc, 0);
    }
    return 0;
}

static void stream_free(quic_streams *ss, quic_stream *st) {
    quic_sendbuf_cleanup(&st->sb);
    quic_rob_cleanup(&st->rob);
    quic_mem_free(ss->alloc, st);
}

void quic_streams_cleanup(quic_streams *ss) {
    for (size_t i = 0; i < ss->nbuckets && ss->buckets; i++) {
        quic_stream *st = ss->buckets[i];
        while (st) {
            quic_stream *next = st->hash_next;
            stream_free(ss, st);
            st = next;
        }
    }
    quic_mem_free(ss->alloc, ss->buckets);
    quic_ranges_cleanup(&ss->closed[0]);
    quic_ranges_cleanup(&ss->closed[1]);
    memset(ss, 0, sizeof(*ss));
}

bool quic_streams_is_local(const quic_streams *ss, uint64_t id) {
    /* RFC 9000 §2.1: bit 0 is 0 for client-initiated streams. */
    return ((id & 1u) == 0) == ss->is_client;
}

/* The peer's initial MAX_STREAM_DATA for stream |id|. */
static uint64_t peer_window_for(const quic_streams *ss, uint64_t id) {
    if (QUIC_STREAM_IS_UNI(id))
        return ss->peer_uni;
    return quic_streams_is_local(ss, id) ? ss->peer_bidi_remote
                                         : ss->peer_bidi_local;
}

void quic_streams_set_peer(quic_streams *ss, uint64_t max_bidi,
                           uint64_t max_uni, uint64_t bidi_local,
                           uint64_t bidi_remote, uint64_t uni) {
    if (max_bidi > ss->local_max[0])
        ss->local_max[0] = max_bidi;
    if (max_uni > ss->local_max[1])
        ss->local_max[1] = max_uni;
    ss->peer_bidi_local = bidi_local;
    ss->peer_bidi_remote = bidi_remote;
    ss->peer_uni = uni;
    for (size_t i = 0; i < ss->nbuckets; i++)
        for (quic_stream *st = ss->buckets[i]; st; st = st->hash_next) {
            if (st->send_state != QUIC_SEND_NONE)
                quic_flowctl_tx_raise(&st->tx, peer_window_for(ss, st->id));
        }
}

quic_stream *quic_streams_find(const quic_streams *ss, uint64_t id) {
    for (quic_stream *st = ss->buckets[bucket_of(ss, id)]; st;
         st = st->hash_next)
        if (st->id == id)
            return st;
    return NULL;
}

/* Doubles the bucket array when the table is as full as it is wide, so
 * lookups stay O(1) with thousands of streams. A failed growth is not an
 * error: the table only gets slower. */
static void maybe_grow(quic_streams *ss) {
    if (ss->count < ss->nbuckets)
        return;
    size_t old_n = ss->nbuckets;
    quic_stream **old = ss->buckets;
    quic_stream **nb = quic_mem_calloc(ss->alloc, 2 * old_n, sizeof(*nb));
    if (!nb)
        return;
    ss->buckets = nb;
    ss->nbuckets = 2 * old_n;
    for (size_t i = 0; i < old_n; i++) {
        quic_stream *st = old[i];
        while (st) {
            quic_stream *next = st->hash_next;
            size_t b = bucket_of(ss, st->id);
            st->hash_next = nb[b];
            nb[b] = st;
            st = next;
        }
    }
    quic_mem_free(ss->alloc, old);
}

static quic_stream *stream_new(quic_streams *ss, uint64_t id) {
    quic_stream *st = quic_mem_calloc(ss->alloc, 1, sizeof(*st));
    if (!st)
        return NULL;
    bool local = quic_streams_is_local(ss, id);
    bool uni = QUIC_STREAM_IS_UNI(id);
    st->id = id;
    quic_sendbuf_init(&st->sb, ss->alloc);
    quic_rob_init(&st->rob, ss->alloc, ss->limits.stream_window);
    if (!uni || local) {
        st->send_state = QUIC_SEND_READY;
        quic_flowctl_tx_init(&st->tx, peer_window_for(ss, id));
    }
    if (!uni || !local) {
        st->recv_state = QUIC_RECV_RECV;
        quic_flowctl_rx_init(&st->rx, ss->limits.stream_window,
                             ss->limits.stream_window_max);
    }
    maybe_grow(ss);
    size_t b = bucket_of(ss, id);
    st->hash_next = ss->buckets[b];
    ss->buckets[b] = st;
    ss->count++;
    return st;
}

uint64_t quic_streams_next_local(const quic_streams *ss, bool uni,
                                 bool *allowed) {
    int t = uni ? 1 : 0;
    uint64_t n = ss->local_opened[t];
    *allowed = n < ss->local_max[t];
    return n << 2 | (uint64_t)(uni ? 2 : 0) | (ss->is_client ? 0u : 1u);
}

int quic_streams_get_for_send(quic_streams *ss, uint64_t id,
                              quic_stream **out) {
    int t = QUIC_STREAM_TYPE(id);
    uint64_t idx = id >> 2;
    quic_stream *st = quic_streams_find(ss, id);
    *out = NULL;
    if (!quic_streams_is_local(ss, id)) {
        if (QUIC_STREAM_IS_UNI(id) || idx >= ss->remote_opened[t])
            return QUIC_ERR_INVALID_ARGUMENT;
        if (!st)
            return QUIC_ERR_INVALID_STATE;
        *out = st;
        return 0;
    }
    if (st) {
        *out = st;
        return 0;
    }
    if (idx < ss->local_opened[t])
        return QUIC_ERR_INVALID_STATE;
    if (idx >= ss->local_max[t]) {
        /* RFC 9000 §4.6: tell the peer we are blocked at its limit. */
        if (!ss->local_blocked_pending[t] &&
            ss->local_blocked_at[t] != ss->local_max[t] + 1) {
            ss->local_blocked_pending[t] = true;
            ss->local_blocked_at[t] = ss->local_max[t] + 1;
        }
        return QUIC_ERR_INVALID_ARGUMENT;
    }
    st = stream_new(ss, id);
    if (!st)
        return QUIC_ERR_NOMEM;
    ss->local_opened[t] = idx + 1;
    *out = st;
    return 0;
}

int quic_streams_get_for_frame(quic_streams *ss, uint64_t id, bool need_send,
                               bool need_recv, quic_stream **out) {
    int t = QUIC_STREAM_TYPE(id);
    uint64_t idx = id >> 2;
    bool uni = QUIC_STREAM_IS_UNI(id);
    *out = NULL;
    if (quic_streams_is_local(ss, id)) {
        /* RFC 9000 §19.8 etc.: our stream not yet created, or a receiving
         * part our unidirectional stream does not have. */
        if (idx >= ss->local_opened[t] || (uni && need_recv))
            return QUIC_ERR_STREAM_STATE;
        *out = quic_streams_find(ss, id);
        return 0;
    }
    if (uni && need_send)
        return QUIC_ERR_STREAM_STATE;
    if (idx >= ss->remote_max[t])
        return QUIC_ERR_STREAM_LIMIT;
    if ((*out = quic_streams_find(ss, id)) != NULL ||
        quic_ranges_contains(&ss->closed[t], idx))
        return 0;
    /* New, or opened implicitly by a higher ID (RFC 9000 §3.2) and named
     * for the first time now. */
    if ((*out = stream_new(ss, id)) == NULL)
        return QUIC_ERR_NOMEM;
    if (idx >= ss->remote_opened[t])
        ss->remote_opened[t] = idx + 1;
    return 0;
}

bool quic_streams_update_max(quic_streams *ss, int type) {
    uint64_t window = ss->limits.max_streams[type];
    uint64_t want = ss->remote_closed[type] + window;
    if (want <= ss->remote_max[type])
        return false;
    /* Announce in steps of half the window to keep MAX_STREAMS rare. */
    if (2 * (want - ss->remote_max[type]) < window)
        return false;
    ss->remote_max[type] = want;
    ss->max_streams_pending[type] = true;
    return true;
}

bool quic_streams_release_if_done(quic_streams *ss, quic_stream *st) {
    if (!quic_stream_is_done(st) || st->in_send_queue || st->in_ctrl_queue ||
        st->readable_queued)
        return false;
    quic_stream **pp = &ss->buckets[bucket_of(ss, st->id)];
    while (*pp != st)
        pp = &(*pp)->hash_next;
    *pp = st->hash_next;
    ss->count--;
    if (!quic_streams_is_local(ss, st->id)) {
        int t = QUIC_STREAM_TYPE(st->id);
        uint64_t idx = st->id >> 2;
        /* Out of memory here only means a late frame could reopen it. */
        quic_ranges_add(&ss->closed[t], idx, idx + 1);
        ss->remote_closed[t]++;
        quic_streams_update_max(ss, t);
    }
    stream_free(ss, st);
    return true;
}

void quic_streams_want_send(quic_streams *ss, quic_stream *st) {
    if (st->in_send_queue)
        return;
    st->in_send_queue = true;
    st->send_next = NULL;
    if (ss->send_queue.tail)
        ss->send_queue.tail->send_next = st;
    else
        ss->send_queue.head = st;
    ss->send_queue.tail = st;
}

void quic_streams_want_ctrl(quic_streams *ss, quic_stream *st,
                            uint8_t pending_bit) {
    st->pending |= pending_bit;
    if (st->in_ctrl_queue)
        return;
    st->in_ctrl_queue = true;
    st->ctrl_next = NULL;
    if (ss->ctrl_queue.tail)
        ss->ctrl_queue.tail->ctrl_next = st;
    else
        ss->ctrl_queue.head = st;
    ss->ctrl_queue.tail = st;
}

quic_stream *quic_streams_pop_send(quic_streams *ss) {
    quic_stream *st = ss->send_queue.head;
    if (!st)
        return NULL;
    ss->send_queue.head = st->send_next;
    if (!ss->send_queue.head)
        ss->send_queue.tail = NULL;
    st->send_next = NULL;
    st->in_send_queue = false;
    return st;
}

quic_stream *quic_streams_pop_ctrl(quic_streams *ss) {
    quic_stream *st = ss->ctrl_queue.head;
    if (!st)
        return NULL;
    ss->ctrl_queue.head = st->ctrl_next;
    if (!ss->ctrl_queue.head)
        ss->ctrl_queue.tail = NULL;
    st->ctrl_next = NULL;
    st->in_ctrl_queue = false;
    return st;
}

/* ---- Per-stream transitions -----------------------------------------------
 */

static bool recv_is_reset(const quic_stream *st) {
    return st->recv_state == QUIC_RECV_RESET_RECVD ||
           st->recv_state == QUIC_RECV_RESET_READ;
}

static void update_recv_state(quic_stream *st) {
    if (st->recv_state == QUIC_RECV_RECV &&
        st->rob.final_size != QUIC_ROB_NO_FINAL_SIZE)
        st->recv_state = QUIC_RECV_SIZE_KNOWN;
    if (st->recv_state == QUIC_RECV_SIZE_KNOWN &&
        quic_rob_all_received(&st->rob))
        st->recv_state = QUIC_RECV_DATA_RECVD;
}

int quic_stream_on_data(quic_stream *st, uint64_t offset, const uint8_t *data,
                        size_t len, bool fin, uint64_t *new_bytes) {
    uint64_t end = offset + len;
    uint64_t final = st->rob.final_size;
    *new_bytes = 0;
    /* RFC 9000 §4.5: no data beyond a known final size, no other final
     * size; checked before flow control so the error names the cause. */
    if (final != QUIC_ROB_NO_FINAL_SIZE &&
        (end > final || (fin && end != final)))
        return QUIC_ERR_FINAL_SIZE;
    int rc = quic_flowctl_rx_on_received(&st->rx, end);
    if (rc < 0)
        return rc;
    if (recv_is_reset(st))
        return 0; /* data of a reset stream is discarded */
    uint64_t before = st->rob.max_received;
    rc = quic_rob_push(&st->rob, offset, data, len, fin);
    if (rc < 0)
        return rc;
    if (st->rob.max_received > before)
        *new_bytes = st->rob.max_received - before;
    update_recv_state(st);
    return 0;
}

int quic_stream_on_reset(quic_stream *st, uint64_t error_code,
                         uint64_t final_size, uint64_t *new_bytes) {
    uint64_t before = st->rob.max_received;
    *new_bytes = 0;
    if (recv_is_reset(st) || st->recv_state == QUIC_RECV_DATA_READ) {
        return st->rob.final_size == final_size ? 0 : QUIC_ERR_FINAL_SIZE;
    }
    int rc = quic_rob_set_final_size(&st->rob, final_size);
    if (rc < 0)
        return rc;
    rc = quic_flowctl_rx_on_received(&st->rx, final_size);
    if (rc < 0)
        return rc;
    if (final_size > before)
        *new_bytes = final_size - before;
    st->recv_state = QUIC_RECV_RESET_RECVD;
    st->peer_reset_error = error_code;
    /* Nothing more to ask of the peer for this part. */
    st->pending &=
        (uint8_t) ~(QUIC_STREAM_PEND_STOP | QUIC_STREAM_PEND_MAX_DATA);
    return 1;
}

size_t quic_stream_peek(const quic_stream *st, const uint8_t **data,
                        bool *fin) {
    *data = NULL;
    *fin = false;
    if (st->recv_state == QUIC_RECV_NONE ||
        st->recv_state == QUIC_RECV_DATA_READ || recv_is_reset(st))
        return 0;
    size_t n = quic_rob_peek(&st->rob, data);
    *fin = st->rob.final_size != QUIC_ROB_NO_FINAL_SIZE &&
           st->rob.read_offset + n == st->rob.final_size;
    return n;
}

int quic_stream_consume(quic_stream *st, uint64_t n, bool fin, quic_time now,
                        quic_time rtt) {
    int rc = quic_rob_consume(&st->rob, n);
    if (rc < 0)
        return rc;
    quic_flowctl_rx_on_consumed(&st->rx, n);
    if (fin) {
        st->recv_state = QUIC_RECV_DATA_READ;
        return 0;
    }
    /* Once the final size is known the peer needs no more credit. */
    if (st->recv_state != QUIC_RECV_RECV ||
        !quic_flowctl_rx_should_update(&st->rx))
        return 0;
    quic_flowctl_rx_update(&st->rx, now, rtt);
    /* The buffer must accept everything the new limit allows. */
    if (st->rx.window > st->rob.window)
        quic_rob_set_window(&st->rob, st->rx.window);
    st->pending |= QUIC_STREAM_PEND_MAX_DATA;
    return 1;
}

int quic_stream_reset(quic_stream *st, uint64_t error_code) {
    if (st->send_state != QUIC_SEND_READY && st->send_state != QUIC_SEND_SEND &&
        st->send_state != QUIC_SEND_DATA_SENT)
        return 0;
    st->send_state = QUIC_SEND_RESET_SENT;
    st->reset_error = error_code;
    /* RFC 9000 §4.5: the final size is the flow-control credit used, the
     * end of what was sent. */
    st->reset_size = st->sb.sent_upto;
    quic_sendbuf_cleanup(&st->sb);
    st->pending &= (uint8_t)~QUIC_STREAM_PEND_DATA_BLOCKED;
    st->pending |= QUIC_STREAM_PEND_RESET;
    return 1;
}

int quic_stream_on_stop_sending(quic_stream *st, uint64_t error_code) {
    if (st->stop_received)
        return 0;
    st->stop_received = true;
    /* RFC 9000 §3.5: answer with RESET_STREAM, carrying the peer's code. */
    quic_stream_reset(st, error_code);
    return 1;
}

static bool send_is_active(const quic_stream *st) {
    return st->send_state == QUIC_SEND_READY ||
           st->send_state == QUIC_SEND_SEND ||
           st->send_state == QUIC_SEND_DATA_SENT;
}

int quic_stream_on_sent(quic_stream *st, uint64_t offset, size_t len,
                        bool fin) {
    if (!send_is_active(st))
        return 0;
    int rc = quic_sendbuf_on_sent(&st->sb, offset, len, fin);
    if (rc < 0)
        return rc;
    if (st->send_state == QUIC_SEND_READY)
        st->send_state = QUIC_SEND_SEND;
    if (st->sb.fin_sent)
        st->send_state = QUIC_SEND_DATA_SENT;
    return 0;
}

int quic_stream_on_acked(quic_stream *st, uint64_t offset, size_t len,
                         bool fin) {
    if (!send_is_active(st))
        return 0;
    int rc = quic_sendbuf_on_acked(&st->sb, offset, len, fin);
    if (rc < 0)
        return rc;
    if (quic_sendbuf_all_acked(&st->sb))
        st->send_state = QUIC_SEND_DATA_RECVD;
    return 0;
}

int quic_stream_on_lost(quic_stream *st, uint64_t offset, size_t len,
                        bool fin) {
    if (!send_is_active(st))
        return 0;
    return quic_sendbuf_on_lost(&st->sb, offset, len, fin);
}

bool quic_stream_is_done(const quic_stream *st) {
    bool send_done = st->send_state == QUIC_SEND_NONE ||
                     st->send_state == QUIC_SEND_DATA_RECVD ||
                     st->send_state == QUIC_SEND_RESET_RECVD;
    bool recv_done = st->recv_state == QUIC_RECV_NONE ||
                     st->recv_state == QUIC_RECV_DATA_READ ||
                     st->recv_state == QUIC_RECV_RESET_READ;
    return send_done && recv_done;
}

bool quic_stream_has_send_data(const quic_stream *st) {
    return send_is_active(st) && quic_sendbuf_can_send(&st->sb, st->tx.limit);
}

void quic_streams_requeue_sendable(quic_streams *ss) {
    for (size_t i = 0; i < ss->nbuckets; i++)
        for (quic_stream *st = ss->buckets[i]; st; st = st->hash_next)
            if (quic_stream_has_send_data(st))
                quic_streams_want_send(ss, st);
}

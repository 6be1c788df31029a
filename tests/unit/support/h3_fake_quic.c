/* tests/unit/support/h3_fake_quic.c — the fake QUIC connection and the h3
 * event recorder of h3_fake_quic.h; test support, not a transport. */
#include "h3_fake_quic.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Grows |*arr| (|*cap| elements of |size|) to hold |need|. */
static void grow(void **arr, size_t *cap, size_t need, size_t size) {
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need)
        ncap *= 2;
    void *na = realloc(*arr, ncap * size);
    assert_non_null(na);
    memset((char *)na + *cap * size, 0, (ncap - *cap) * size);
    *arr = na;
    *cap = ncap;
}

fake_quic *fake_quic_new(bool is_client) {
    fake_quic *q = calloc(1, sizeof(*q));
    assert_non_null(q);
    q->is_client = is_client;
    q->max_bidi = 1000;
    q->max_uni = 100;
    q->max_datagram = 1200;
    q->max_chunk = SIZE_MAX;
    return q;
}

void fake_quic_ack_all(fake_quic *q) {
    /* A callback may not send on |q|, so the list cannot grow meanwhile. */
    for (size_t i = 0; i < q->n_releases; i++)
        if (q->releases[i].release)
            q->releases[i].release(q->releases[i].arg);
    q->n_releases = 0;
}

void fake_quic_free(fake_quic *q) {
    if (!q)
        return;
    fake_quic_ack_all(q);
    for (size_t i = 0; i < q->n_streams; i++)
        free(q->streams[i].data);
    for (size_t i = 0; i < q->n_datagrams; i++)
        free(q->datagrams[i].data);
    free(q->streams);
    free(q->datagrams);
    free(q->releases);
    free(q);
}

fake_stream *fake_quic_stream(fake_quic *q, uint64_t id) {
    for (size_t i = 0; i < q->n_streams; i++)
        if (q->streams[i].id == id)
            return &q->streams[i];
    return NULL;
}

static fake_stream *get_stream(fake_quic *q, uint64_t id) {
    fake_stream *s = fake_quic_stream(q, id);
    if (s)
        return s;
    grow((void **)&q->streams, &q->cap_streams, q->n_streams + 1,
         sizeof(*q->streams));
    s = &q->streams[q->n_streams++];
    memset(s, 0, sizeof(*s));
    s->id = id;
    return s;
}

/* ---- quic_conn_* behaviour ----------------------------------------------- */

static bool is_local(const fake_quic *q, uint64_t id) {
    return ((id & 1u) == 0) == q->is_client;
}

/* RFC 9000 §2.1 and quic.h: may this side send on |id| now? Opens it. */
static int check_send_side(fake_quic *q, uint64_t id) {
    bool uni = (id & 2u) != 0;
    if (!is_local(q, id))
        return uni ? QUIC_ERR_INVALID_ARGUMENT : 0;
    uint64_t index = id / 4;
    uint64_t *opened = uni ? &q->opened_uni : &q->opened_bidi;
    if (index >= (uni ? q->max_uni : q->max_bidi))
        return QUIC_ERR_INVALID_ARGUMENT;
    if (index >= *opened)
        *opened = index + 1;
    return 0;
}

static int send_common(fake_quic *q, uint64_t id, const uint8_t *data,
                       size_t len, bool fin) {
    q->send_calls++;
    if (q->fail_send_at && q->send_calls == q->fail_send_at)
        return QUIC_ERR_NOMEM;
    if (q->closed)
        return QUIC_ERR_INVALID_STATE;
    int rc = check_send_side(q, id);
    if (rc < 0)
        return rc;
    fake_stream *s = get_stream(q, id);
    if (s->fin || s->reset)
        return QUIC_ERR_INVALID_STATE;
    grow((void **)&s->data, &s->cap, s->len + len, 1);
    if (len)
        memcpy(s->data + s->len, data, len);
    s->len += len;
    s->fin = fin;
    if (len == 0 && fin)
        s->empty_fin_sends++;
    return 0;
}

int fake_quic_send_stream_data(fake_quic *q, uint64_t id, const uint8_t *data,
                               size_t len, bool fin) {
    assert_true(len == 0 || data != NULL);
    return send_common(q, id, data, len, fin);
}

int fake_quic_send_stream_data_ref(fake_quic *q, uint64_t id,
                                   const uint8_t *data, size_t len, bool fin,
                                   void (*release)(void *), void *arg) {
    if (!release)
        return QUIC_ERR_INVALID_ARGUMENT; /* as core requires */
    int rc = send_common(q, id, data, len, fin);
    if (rc < 0)
        return rc;
    fake_quic_stream(q, id)->ref_sends++;
    grow((void **)&q->releases, &q->cap_releases, q->n_releases + 1,
         sizeof(*q->releases));
    q->releases[q->n_releases++] = (fake_release){release, arg};
    return 0;
}

int64_t fake_quic_get_next_available_stream_id(const fake_quic *q, bool uni) {
    uint64_t opened = uni ? q->opened_uni : q->opened_bidi;
    if (opened >= (uni ? q->max_uni : q->max_bidi))
        return QUIC_ERR_INVALID_STATE;
    uint64_t type = (q->is_client ? 0u : 1u) | (uni ? 2u : 0u);
    return (int64_t)(opened * 4 + type);
}

int fake_quic_reset_stream(fake_quic *q, uint64_t id, uint64_t code) {
    if ((id & 2u) && !is_local(q, id))
        return QUIC_ERR_INVALID_ARGUMENT; /* no sending side */
    fake_stream *s = get_stream(q, id);
    if (s->reset)
        return QUIC_ERR_INVALID_STATE;
    s->reset = true;
    s->reset_code = code;
    return 0;
}

int fake_quic_stop_stream(fake_quic *q, uint64_t id, uint64_t code) {
    if ((id & 2u) && is_local(q, id))
        return QUIC_ERR_INVALID_ARGUMENT; /* no receiving side */
    fake_stream *s = get_stream(q, id);
    if (s->stopped)
        return QUIC_ERR_INVALID_STATE;
    s->stopped = true;
    s->stop_code = code;
    return 0;
}

int fake_quic_send_datagram_frame(fake_quic *q, const uint8_t *data,
                                  size_t len) {
    if (q->closed || q->max_datagram == 0)
        return QUIC_ERR_INVALID_STATE;
    if (len > q->max_datagram)
        return QUIC_ERR_INVALID_ARGUMENT;
    grow((void **)&q->datagrams, &q->cap_datagrams, q->n_datagrams + 1,
         sizeof(*q->datagrams));
    fake_datagram *d = &q->datagrams[q->n_datagrams++];
    d->data = malloc(len ? len : 1);
    assert_non_null(d->data);
    memcpy(d->data, data, len);
    d->len = len;
    d->delivered = false;
    return 0;
}

void fake_quic_close(fake_quic *q, uint64_t code, uint64_t frame_type,
                     const char *reason) {
    q->close_calls++;
    if (q->closed)
        return;
    q->closed = true;
    q->close_code = code;
    q->close_frame_type = frame_type;
    snprintf(q->close_reason, sizeof(q->close_reason), "%s",
             reason ? reason : "");
}

/* ---- Output as the peer's events ----------------------------------------- */

static bool stream_output(fake_quic *q, fake_stream *s, quic_event *out) {
    memset(out, 0, sizeof(*out));
    if (s->delivered < s->len || (s->fin && !s->fin_delivered && !s->reset)) {
        size_t n = s->len - s->delivered;
        if (n > q->max_chunk)
            n = q->max_chunk;
        out->type = QUIC_EVENT_STREAM_DATA_RECEIVED;
        out->u.stream_data_received.stream_id = s->id;
        out->u.stream_data_received.data = s->data + s->delivered;
        out->u.stream_data_received.len = n;
        s->delivered += n;
        if (s->fin && s->delivered == s->len) {
            out->u.stream_data_received.end_stream = true;
            s->fin_delivered = true;
        }
        return true;
    }
    if (s->reset && !s->reset_delivered) {
        s->reset_delivered = true;
        out->type = QUIC_EVENT_STREAM_RESET;
        out->u.stream_reset.stream_id = s->id;
        out->u.stream_reset.error_code = s->reset_code;
        return true;
    }
    if (s->stopped && !s->stop_delivered) {
        s->stop_delivered = true;
        out->type = QUIC_EVENT_STOP_SENDING_RECEIVED;
        out->u.stop_sending_received.stream_id = s->id;
        out->u.stop_sending_received.error_code = s->stop_code;
        return true;
    }
    return false;
}

bool fake_quic_next_output_for(fake_quic *q, uint64_t id, quic_event *out) {
    fake_stream *s = fake_quic_stream(q, id);
    return s && stream_output(q, s, out);
}

bool fake_quic_next_output(fake_quic *q, quic_event *out) {
    for (size_t i = 0; i < q->n_streams; i++)
        if (stream_output(q, &q->streams[i], out))
            return true;
    for (size_t i = 0; i < q->n_datagrams; i++) {
        fake_datagram *d = &q->datagrams[i];
        if (d->delivered)
            continue;
        d->delivered = true;
        memset(out, 0, sizeof(*out));
        out->type = QUIC_EVENT_DATAGRAM_FRAME_RECEIVED;
        out->u.datagram_frame_received.data = d->data;
        out->u.datagram_frame_received.len = d->len;
        return true;
    }
    if (q->closed && !q->terminated_delivered) {
        q->terminated_delivered = true;
        memset(out, 0, sizeof(*out));
        out->type = QUIC_EVENT_CONNECTION_TERMINATED;
        out->u.connection_terminated.error_code = q->close_code;
        out->u.connection_terminated.frame_type = q->close_frame_type;
        out->u.connection_terminated.reason_phrase = q->close_reason;
        out->u.connection_terminated.is_application = true;
        out->u.connection_terminated.by_peer = true;
        return true;
    }
    return false;
}

/* ---- Recorder ------------------------------------------------------------ */

static char *copy_bytes(const uint8_t *p, size_t len) {
    char *s = malloc(len + 1);
    assert_non_null(s);
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

static char *headers_text(const h3_header *h, size_t n, size_t *len) {
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += h[i].name_len + h[i].value_len + 3;
    char *s = malloc(total + 1), *p = s;
    assert_non_null(s);
    for (size_t i = 0; i < n; i++) {
        memcpy(p, h[i].name, h[i].name_len);
        p += h[i].name_len;
        *p++ = ':';
        *p++ = ' ';
        memcpy(p, h[i].value, h[i].value_len);
        p += h[i].value_len;
        *p++ = '\n';
    }
    *p = '\0';
    *len = total;
    return s;
}

static void record(h3_recorder *r, const h3_event *ev) {
    grow((void **)&r->ev, &r->cap, r->n + 1, sizeof(*r->ev));
    rec_event *e = &r->ev[r->n++];
    memset(e, 0, sizeof(*e));
    e->type = ev->type;
    e->stream_id = e->push_id = UINT64_MAX;
    switch (ev->type) {
    case H3_EVENT_HEADERS_RECEIVED:
        e->stream_id = ev->u.headers_received.stream_id;
        e->push_id = ev->u.headers_received.push_id;
        e->stream_ended = ev->u.headers_received.stream_ended;
        e->too_large = ev->u.headers_received.too_large;
        e->count = ev->u.headers_received.count;
        e->text =
            headers_text(ev->u.headers_received.headers, e->count, &e->len);
        break;
    case H3_EVENT_DATA_RECEIVED:
        e->stream_id = ev->u.data_received.stream_id;
        e->push_id = ev->u.data_received.push_id;
        e->stream_ended = ev->u.data_received.stream_ended;
        e->len = ev->u.data_received.len;
        e->text = copy_bytes(ev->u.data_received.data, e->len);
        break;
    case H3_EVENT_PUSH_PROMISE_RECEIVED:
        e->stream_id = ev->u.push_promise_received.stream_id;
        e->push_id = ev->u.push_promise_received.push_id;
        e->count = ev->u.push_promise_received.count;
        e->text = headers_text(ev->u.push_promise_received.headers, e->count,
                               &e->len);
        break;
    case H3_EVENT_DATAGRAM_RECEIVED:
        e->stream_id = ev->u.datagram_received.stream_id;
        e->len = ev->u.datagram_received.len;
        e->text = copy_bytes(ev->u.datagram_received.data, e->len);
        break;
    case H3_EVENT_GOAWAY_RECEIVED: e->id = ev->u.goaway_received.id; break;
    case H3_EVENT_STREAM_RESET:
        e->stream_id = ev->u.stream_reset.stream_id;
        e->error_code = ev->u.stream_reset.error_code;
        e->push_id = ev->u.stream_reset.push_id;
        e->local = ev->u.stream_reset.local;
        break;
    case H3_EVENT_PUSH_CANCELLED:
        e->push_id = ev->u.push_cancelled.push_id;
        break;
    default: break;
    }
}

size_t h3_recorder_drain(h3_recorder *r, h3_conn *h3) {
    h3_event ev;
    size_t n = 0;
    while (h3_conn_next_event(h3, &ev)) {
        record(r, &ev);
        n++;
    }
    return n;
}

const rec_event *h3_recorder_find(const h3_recorder *r, h3_event_type type,
                                  uint64_t stream_id) {
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].type == type &&
            (stream_id == UINT64_MAX || r->ev[i].stream_id == stream_id))
            return &r->ev[i];
    return NULL;
}

size_t h3_recorder_count(const h3_recorder *r, h3_event_type type) {
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->ev[i].type == type;
    return n;
}

uint8_t *h3_recorder_body(const h3_recorder *r, uint64_t stream_id, size_t *len,
                          bool *ended) {
    size_t total = 0;
    *ended = false;
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].type == H3_EVENT_DATA_RECEIVED &&
            r->ev[i].stream_id == stream_id)
            total += r->ev[i].len;
    uint8_t *out = malloc(total + 1), *p = out;
    assert_non_null(out);
    for (size_t i = 0; i < r->n; i++) {
        const rec_event *e = &r->ev[i];
        if (e->stream_id != stream_id)
            continue;
        if (e->type == H3_EVENT_DATA_RECEIVED) {
            memcpy(p, e->text, e->len);
            p += e->len;
        }
        if ((e->type == H3_EVENT_DATA_RECEIVED ||
             e->type == H3_EVENT_HEADERS_RECEIVED) &&
            e->stream_ended)
            *ended = true;
    }
    *len = total;
    return out;
}

void h3_recorder_clear(h3_recorder *r) {
    for (size_t i = 0; i < r->n; i++)
        free(r->ev[i].text);
    r->n = 0;
}

void h3_recorder_free(h3_recorder *r) {
    h3_recorder_clear(r);
    free(r->ev);
    memset(r, 0, sizeof(*r));
}

/* ---- Two connections ----------------------------------------------------- */

size_t h3_fake_deliver(fake_quic *from, h3_conn *to, h3_recorder *rec) {
    quic_event ev;
    size_t n = 0;
    while (fake_quic_next_output(from, &ev)) {
        assert_int_equal(h3_conn_handle_event(to, &ev), 0);
        h3_recorder_drain(rec, to);
        n++;
    }
    return n;
}

void h3_fake_pump(fake_quic *qa, h3_conn *a, h3_recorder *ra, fake_quic *qb,
                  h3_conn *b, h3_recorder *rb) {
    for (int rounds = 0; rounds < 1000; rounds++) {
        size_t n = h3_fake_deliver(qa, b, rb);
        n += h3_fake_deliver(qb, a, ra);
        if (n == 0)
            return;
    }
    fail_msg("h3_fake_pump: no quiescence after 1000 rounds");
}

/* ---- Pair of connections ------------------------------------------------- */

static void *t_malloc(size_t size, void *user) {
    (void)user;
    return test_malloc(size);
}
static void *t_calloc(size_t n, size_t size, void *user) {
    (void)user;
    return test_calloc(n, size);
}
static void *t_realloc(void *ptr, size_t size, void *user) {
    (void)user;
    return test_realloc(ptr, size);
}
static void t_free(void *ptr, void *user) {
    (void)user;
    test_free(ptr);
}

const h3_allocator h3_test_allocator = {NULL, t_malloc, t_calloc, t_realloc,
                                        t_free};

void h3_fake_pair_init(h3_fake_pair *p, const h3_config *ccfg,
                       const h3_config *scfg) {
    memset(p, 0, sizeof(*p));
    h3_config c, s;
    if (!ccfg) {
        h3_config_init(&c, true);
        c.allocator = &h3_test_allocator;
        ccfg = &c;
    }
    if (!scfg) {
        h3_config_init(&s, false);
        s.allocator = &h3_test_allocator;
        scfg = &s;
    }
    p->cq = fake_quic_new(true);
    p->sq = fake_quic_new(false);
    assert_int_equal(h3_conn_new(&p->client, p->cq, ccfg), 0);
    assert_int_equal(h3_conn_new(&p->server, p->sq, scfg), 0);
    h3_fake_pair_pump(p);
}

void h3_fake_pair_pump(h3_fake_pair *p) {
    h3_fake_pump(p->cq, p->client, &p->crec, p->sq, p->server, &p->srec);
}

void h3_fake_pair_cleanup(h3_fake_pair *p) {
    h3_conn_free(p->client);
    h3_conn_free(p->server);
    fake_quic_free(p->cq);
    fake_quic_free(p->sq);
    h3_recorder_free(&p->crec);
    h3_recorder_free(&p->srec);
}

quic_event h3_test_stream_data(uint64_t id, const uint8_t *data, size_t len,
                               bool fin) {
    quic_event ev = {.type = QUIC_EVENT_STREAM_DATA_RECEIVED};
    ev.u.stream_data_received.stream_id = id;
    ev.u.stream_data_received.data = data;
    ev.u.stream_data_received.len = len;
    ev.u.stream_data_received.end_stream = fin;
    return ev;
}

size_t h3_test_headers(h3_header *out, size_t max, const char *const *pairs) {
    size_t n = 0;
    while (pairs[2 * n]) {
        assert_true(n < max);
        out[n] = (h3_header){
            (const uint8_t *)pairs[2 * n], strlen(pairs[2 * n]),
            (const uint8_t *)pairs[2 * n + 1], strlen(pairs[2 * n + 1])};
        n++;
    }
    return n;
}

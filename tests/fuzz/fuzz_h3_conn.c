/* tests/fuzz/fuzz_h3_conn.c — libFuzzer target for an h3_conn fed
 * arbitrary QUIC events: stream data on request streams, the control
 * stream, the QPACK streams, push and other unidirectional streams, resets,
 * STOP_SENDING and datagrams. As a server it answers every request (and
 * pushes when allowed); as a client it has three requests open and allows
 * pushes; so the send paths run in between. Every event's bytes are read in
 * full so ASan sees a bad pointer. The QUIC connection is a stub defined
 * here (h3 calls only these quic_conn_* functions), so the target links no
 * transport.
 *
 * Input: one byte whose bit 0 picks the client role (bit 1: a client
 * resuming with 0-RTT and remembered SETTINGS, RFC 9114 §7.2.4.2), then
 * records of [op][len][len bytes]. op bits 0-2: 0-3 stream data,
 * 4 RESET_STREAM, 5 STOP_SENDING, 6 DATAGRAM, 7 GOAWAY from us; bits 3-5
 * pick the stream (request streams 0, 4, 8; the peer's uni streams 0-4, by
 * its role); bit 6 is FIN. op bit 7 instead makes the record a
 * HandshakeCompleted event, 0-RTT accepted when bit 6 is set. A server
 * answers a request whose header section is too large (but decoded) with
 * 431. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/quic.h"
#include "h3/h3.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- Stub QUIC connection ------------------------------------------------ */

struct quic_conn {
    bool is_client;
    uint64_t opened_uni, opened_bidi;
    bool closed;
};

/* Our unidirectional stream IDs end in 2 (client) or 3 (server). */
static uint64_t uni_type(const quic_conn *c) {
    return c->is_client ? 2u : 3u;
}

int quic_conn_send_stream_data(quic_conn *c, uint64_t id, const uint8_t *data,
                               size_t len, bool fin) {
    (void)fin;
    if (c->closed)
        return QUIC_ERR_INVALID_STATE;
    if ((id & 3u) == uni_type(c)) {
        if (id / 4 >= 16)
            return QUIC_ERR_INVALID_ARGUMENT;
        if (id / 4 >= c->opened_uni)
            c->opened_uni = id / 4 + 1;
    } else if ((id & 3u) != 0u) {
        return QUIC_ERR_INVALID_ARGUMENT;
    } else if (c->is_client && id / 4 >= c->opened_bidi) {
        c->opened_bidi = id / 4 + 1;
    }
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= data[i];
    (void)sink;
    return 0;
}

int quic_conn_send_stream_data_ref(quic_conn *c, uint64_t id,
                                   const uint8_t *data, size_t len, bool fin,
                                   void (*release)(void *), void *arg) {
    int rc = quic_conn_send_stream_data(c, id, data, len, fin);
    if (rc == 0 && release)
        release(arg);
    return rc;
}

int64_t quic_conn_get_next_available_stream_id(const quic_conn *c,
                                               bool is_unidirectional) {
    if (!is_unidirectional)
        return c->is_client ? (int64_t)(c->opened_bidi * 4)
                            : QUIC_ERR_INVALID_STATE;
    if (c->opened_uni >= 16)
        return QUIC_ERR_INVALID_STATE;
    return (int64_t)(c->opened_uni * 4 + uni_type(c));
}

int quic_conn_reset_stream(quic_conn *c, uint64_t id, uint64_t code) {
    (void)c, (void)id, (void)code;
    return 0;
}

int quic_conn_stop_stream(quic_conn *c, uint64_t id, uint64_t code) {
    (void)c, (void)id, (void)code;
    return 0;
}

int quic_conn_send_datagram_frame(quic_conn *c, const uint8_t *data,
                                  size_t len) {
    (void)data;
    return c->closed    ? QUIC_ERR_INVALID_STATE
           : len > 1200 ? QUIC_ERR_INVALID_ARGUMENT
                        : 0;
}

void quic_conn_close(quic_conn *c, uint64_t code, uint64_t frame_type,
                     const char *reason) {
    (void)code, (void)frame_type, (void)reason;
    c->closed = true;
}

/* ---- The server application ------------------------------------------ */

static void touch(const uint8_t *p, size_t len) {
    volatile uint8_t sink = 0;
    for (size_t i = 0; i < len; i++)
        sink ^= p[i];
    (void)sink;
}

static void touch_headers(const h3_header *h, size_t n) {
    for (size_t i = 0; i < n; i++) {
        touch(h[i].name, h[i].name_len);
        touch(h[i].value, h[i].value_len);
    }
}

static const h3_header get_hdrs[] = {
    {(const uint8_t *)":method", 7, (const uint8_t *)"GET", 3},
    {(const uint8_t *)":scheme", 7, (const uint8_t *)"https", 5},
    {(const uint8_t *)":authority", 10, (const uint8_t *)"a", 1},
    {(const uint8_t *)":path", 5, (const uint8_t *)"/p", 2}};

static void answer(h3_conn *h3, uint64_t id) {
    static const h3_header resp[] = {
        {(const uint8_t *)":status", 7, (const uint8_t *)"200", 3},
        {(const uint8_t *)"x-answer", 8, (const uint8_t *)"fuzz", 4}};
    int64_t push = h3_conn_send_push_promise(h3, id, get_hdrs, 4);
    if (push >= 0)
        h3_conn_send_headers(h3, (uint64_t)push, resp, 2, true);
    h3_conn_send_headers(h3, id, resp, 2, false);
    h3_conn_send_data(h3, id, (const uint8_t *)"body", 4, true);
    h3_conn_send_datagram(h3, id, (const uint8_t *)"d", 1);
}

static void answer_431(h3_conn *h3, uint64_t id) {
    static const h3_header resp[] = {
        {(const uint8_t *)":status", 7, (const uint8_t *)"431", 3}};
    if (h3_conn_send_headers(h3, id, resp, 1, true) != 0)
        abort(); /* the sending side of a too-large request stays open */
}

static void drain(h3_conn *h3, bool is_client) {
    h3_event ev;
    while (h3_conn_next_event(h3, &ev)) {
        switch (ev.type) {
        case H3_EVENT_HEADERS_RECEIVED:
            touch_headers(ev.u.headers_received.headers,
                          ev.u.headers_received.count);
            if (ev.u.headers_received.too_large)
                answer_431(h3, ev.u.headers_received.stream_id);
            else if (ev.u.headers_received.stream_ended && !is_client)
                answer(h3, ev.u.headers_received.stream_id);
            break;
        case H3_EVENT_DATA_RECEIVED:
            touch(ev.u.data_received.data, ev.u.data_received.len);
            if (ev.u.data_received.stream_ended && !is_client)
                answer(h3, ev.u.data_received.stream_id);
            break;
        case H3_EVENT_DATAGRAM_RECEIVED:
            touch(ev.u.datagram_received.data, ev.u.datagram_received.len);
            break;
        case H3_EVENT_PUSH_PROMISE_RECEIVED:
            touch_headers(ev.u.push_promise_received.headers,
                          ev.u.push_promise_received.count);
            if (ev.u.push_promise_received.push_id == 2)
                h3_conn_cancel_push(h3, 2);
            break;
        case H3_EVENT_STREAM_RESET:
            h3_conn_reset_stream(h3, ev.u.stream_reset.stream_id,
                                 H3_REQUEST_CANCELLED);
            break;
        default: break;
        }
    }
}

static quic_event make_event(bool is_client, uint8_t op, const uint8_t *p,
                             size_t len) {
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    unsigned pick = (op >> 3) & 7;
    /* Request streams 0, 4, 8, then the peer's uni streams 0 to 4. */
    uint64_t id =
        pick < 3 ? 4u * pick : 4u * (pick - 3) + (is_client ? 3u : 2u);
    switch (op & 7) {
    case 4:
        ev.type = QUIC_EVENT_STREAM_RESET;
        ev.u.stream_reset.stream_id = id;
        ev.u.stream_reset.error_code = len;
        break;
    case 5:
        ev.type = QUIC_EVENT_STOP_SENDING_RECEIVED;
        ev.u.stop_sending_received.stream_id = id;
        ev.u.stop_sending_received.error_code = len;
        break;
    case 6:
        ev.type = QUIC_EVENT_DATAGRAM_FRAME_RECEIVED;
        ev.u.datagram_frame_received.data = p;
        ev.u.datagram_frame_received.len = len;
        break;
    default:
        ev.type = QUIC_EVENT_STREAM_DATA_RECEIVED;
        ev.u.stream_data_received.stream_id = id;
        ev.u.stream_data_received.data = p;
        ev.u.stream_data_received.len = len;
        ev.u.stream_data_received.end_stream = (op & 0x40) != 0;
        break;
    }
    return ev;
}

/* Client: requests on 0, 4 and 8 (the last one still sending). */
static void open_requests(h3_conn *h3) {
    for (uint64_t id = 0; id < 12; id += 4)
        if (h3_conn_send_headers(h3, id, get_hdrs, 4, id < 8) != 0)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    bool is_client = data[0] & 1;
    struct quic_conn quic = {.is_client = is_client};
    h3_config cfg;
    h3_config_init(&cfg, is_client);
    cfg.h3_datagram = true;
    cfg.qpack_blocked_streams = 4;
    cfg.max_blocked_stream_bytes = 4096;
    cfg.max_pushes = 4;
    /* Capacity 4096, field sections 2048, 4 blocked streams, datagrams. */
    static const h3_settings remembered = {4096, 2048, 4, false, true};
    if (is_client && (data[0] & 2))
        cfg.remembered_settings = &remembered;
    h3_conn *h3;
    if (h3_conn_new(&h3, &quic, &cfg) != 0)
        abort();
    if (is_client)
        open_requests(h3);
    size_t off = 1;
    while (off + 2 <= size) {
        uint8_t op = data[off];
        size_t len = data[off + 1];
        off += 2;
        if (len > size - off)
            len = size - off;
        /* Each record's bytes get their own allocation, so reads past
         * them are caught. */
        uint8_t *copy = malloc(len ? len : 1);
        if (!copy)
            abort();
        memcpy(copy, data + off, len);
        off += len;
        if (op & 0x80) {
            quic_event ev = {.type = QUIC_EVENT_HANDSHAKE_COMPLETED};
            ev.u.handshake_completed.early_data_accepted = (op & 0x40) != 0;
            if (h3_conn_handle_event(h3, &ev) != 0)
                abort();
            drain(h3, is_client);
        } else if ((op & 7) == 7) {
            h3_conn_send_goaway(h3, H3_GOAWAY_AUTO);
        } else {
            quic_event ev = make_event(is_client, op, copy, len);
            int rc = h3_conn_handle_event(h3, &ev);
            if (rc != 0 && rc != H3_ERR_NOMEM)
                abort();
            drain(h3, is_client);
        }
        free(copy);
    }
    h3_conn_free(h3);
    return 0;
}

/* tests/unit/pair_streams_test.c — stream and connection behaviour between
 * two connections in memory: flow control blocking and resuming (MAX_DATA,
 * MAX_STREAM_DATA), the stream-count limit reached and raised, resets and
 * STOP_SENDING both ways, PINGs, server-initiated streams, DATAGRAM frames,
 * idle timeout and close with a reason from either side. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#include "core/conn_internal.h"

static const netsim_config link_cfg = {.delay = 10 * QUIC_MS};

/* Events a test wants to see, captured by the callback. */
typedef struct seen {
    char reason[2][64]; /* [is_client] last ConnectionTerminated reason */
    uint64_t stop_code[2], stop_stream[2];
    int stops[2];
    uint64_t pings[2][8];
    int n_pings[2];
    uint8_t dgram[2][64];
    size_t dgram_len[2];
    int dgrams[2];
    bool echo_fin; /* the server ends its side of each finished stream */
} seen;

static void on_event(pair *p, bool is_client, const quic_event *ev, void *arg) {
    seen *s = arg;
    int c = is_client ? 1 : 0;
    switch (ev->type) {
    case QUIC_EVENT_CONNECTION_TERMINATED:
        snprintf(s->reason[c], sizeof(s->reason[c]), "%s",
                 ev->u.connection_terminated.reason_phrase);
        break;
    case QUIC_EVENT_STOP_SENDING_RECEIVED:
        s->stops[c]++;
        s->stop_code[c] = ev->u.stop_sending_received.error_code;
        s->stop_stream[c] = ev->u.stop_sending_received.stream_id;
        break;
    case QUIC_EVENT_PING_ACKNOWLEDGED:
        if (s->n_pings[c] < 8)
            s->pings[c][s->n_pings[c]++] = ev->u.ping_acknowledged.uid;
        break;
    case QUIC_EVENT_DATAGRAM_FRAME_RECEIVED:
        s->dgrams[c]++;
        s->dgram_len[c] = ev->u.datagram_frame_received.len;
        memcpy(s->dgram[c], ev->u.datagram_frame_received.data,
               s->dgram_len[c] < 64 ? s->dgram_len[c] : 64);
        break;
    case QUIC_EVENT_STREAM_DATA_RECEIVED:
        if (!is_client && s->echo_fin && ev->u.stream_data_received.end_stream)
            quic_conn_send_stream_data(p->server.conn,
                                       ev->u.stream_data_received.stream_id,
                                       NULL, 0, true);
        break;
    default: break;
    }
}

static void start(pair *p, seen *s, uint64_t seed) {
    memset(s, 0, sizeof(*s));
    pair_init(p, seed, &link_cfg, &link_cfg);
    p->on_event = on_event;
    p->arg = s;
}

static void handshake(pair *p) {
    assert_int_equal(pair_start(p), 0);
    bool ok = pair_run(p, pair_handshake_done, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(p);
    assert_true(ok);
}

static bool never(pair *p, void *arg) {
    (void)p;
    (void)arg;
    return false;
}

static void run_for(pair *p, quic_time t) {
    pair_run(p, never, NULL, t);
}

static bool stream_fin(pair *p, void *arg) {
    pair_stream *s = pair_stream_get(&p->server, *(uint64_t *)arg);
    return s && s->fin;
}

static uint8_t big[256 * 1024];

static void fill_big(void) {
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i * 7 + (i >> 9));
}

/* RFC 9000 §4.1: a receiver that does not read holds the sender at its
 * MAX_STREAM_DATA; the sender says STREAM_DATA_BLOCKED and resumes when
 * the reader catches up. */
static void
test_pair_streams_blocked_by_max_stream_data_then_resumed(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 11);
    p.server.cfg.max_stream_data = 16 * 1024;
    p.server.cfg.max_stream_data_window = 16 * 1024;
    handshake(&p);
    p.server.paused = true;
    uint64_t id = 0;
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, id, big, sizeof(big), true),
        0);
    run_for(&p, 500 * QUIC_MS);
    quic_stream *srv = quic_streams_find(&p.server.conn->streams, id);
    quic_stream *cli = quic_streams_find(&p.client.conn->streams, id);
    assert_non_null(srv);
    assert_int_equal(srv->rob.max_received, 16 * 1024);
    assert_int_equal(cli->sb.sent_upto, 16 * 1024);
    /* STREAM_DATA_BLOCKED went out naming the limit */
    assert_int_equal(cli->tx.blocked_at, 16 * 1024);
    p.server.paused = false;
    assert_true(pair_run(&p, stream_fin, &id, 30 * QUIC_S));
    pair_stream *got = pair_stream_get(&p.server, id);
    assert_int_equal(got->len, sizeof(big));
    assert_memory_equal(got->data, big, sizeof(big));
    pair_cleanup(&p);
}

static bool all_four(pair *p, void *arg) {
    (void)arg;
    int n = 0;
    for (uint64_t id = 0; id < 16; id += 4) {
        pair_stream *s = pair_stream_get(&p->server, id);
        n += s && s->fin;
    }
    return n == 4;
}

/* The same at connection level: MAX_DATA and DATA_BLOCKED. */
static void test_pair_streams_blocked_by_max_data_then_resumed(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 12);
    p.server.cfg.max_data = 32 * 1024;
    p.server.cfg.max_data_window = 32 * 1024;
    handshake(&p);
    p.server.paused = true;
    for (uint64_t id = 0; id < 16; id += 4)
        assert_int_equal(
            quic_conn_send_stream_data(p.client.conn, id, big, 64 * 1024, true),
            0);
    run_for(&p, 500 * QUIC_MS);
    assert_int_equal(p.server.conn->rx_fc.received, 32 * 1024);
    assert_int_equal(p.client.conn->tx_fc.used, 32 * 1024);
    assert_int_equal(p.client.conn->tx_fc.blocked_at, 32 * 1024);
    p.server.paused = false;
    assert_true(pair_run(&p, all_four, NULL, 30 * QUIC_S));
    for (uint64_t id = 0; id < 16; id += 4)
        assert_int_equal(pair_stream_get(&p.server, id)->len, 64 * 1024);
    pair_cleanup(&p);
}

/* RFC 9000 §4.6: at the peer's MAX_STREAMS no new stream opens; when the
 * peer's streams close it raises the limit. */
static void test_pair_streams_count_limit_reached_then_raised(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 13);
    s.echo_fin = true;
    p.server.cfg.max_streams_bidi = 2;
    handshake(&p);
    quic_conn *c = p.client.conn;
    assert_int_equal(quic_conn_get_next_available_stream_id(c, false), 0);
    assert_int_equal(quic_conn_send_stream_data(c, 0, big, 10, true), 0);
    assert_int_equal(quic_conn_get_next_available_stream_id(c, false), 4);
    assert_int_equal(quic_conn_send_stream_data(c, 4, big, 10, true), 0);
    assert_int_equal(quic_conn_get_next_available_stream_id(c, false),
                     QUIC_ERR_INVALID_STATE);
    assert_int_equal(quic_conn_send_stream_data(c, 8, big, 10, true),
                     QUIC_ERR_INVALID_ARGUMENT);
    uint64_t id = 4;
    assert_true(pair_run(&p, stream_fin, &id, 5 * QUIC_S));
    run_for(&p, 200 * QUIC_MS); /* the server's FINs, then MAX_STREAMS */
    assert_int_equal(quic_conn_get_next_available_stream_id(c, false), 8);
    assert_int_equal(quic_conn_send_stream_data(c, 8, big, 10, true), 0);
    id = 8;
    assert_true(pair_run(&p, stream_fin, &id, 5 * QUIC_S));
    pair_cleanup(&p);
}

static void test_pair_streams_reset_both_directions(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 14);
    handshake(&p);
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, big, 1000, false), 0);
    run_for(&p, 100 * QUIC_MS);
    assert_int_equal(quic_conn_reset_stream(p.client.conn, 0, 7), 0);
    /* the server resets its own sending part of the same stream */
    assert_int_equal(
        quic_conn_send_stream_data(p.server.conn, 0, big, 100, false), 0);
    assert_int_equal(quic_conn_reset_stream(p.server.conn, 0, 8), 0);
    run_for(&p, 200 * QUIC_MS);
    pair_stream *at_server = pair_stream_get(&p.server, 0);
    pair_stream *at_client = pair_stream_get(&p.client, 0);
    assert_non_null(at_server);
    assert_true(at_server->reset);
    assert_int_equal(at_server->reset_code, 7);
    assert_non_null(at_client);
    assert_true(at_client->reset);
    assert_int_equal(at_client->reset_code, 8);
    /* both parts are gone on both sides: the stream was freed */
    assert_null(quic_streams_find(&p.client.conn->streams, 0));
    assert_null(quic_streams_find(&p.server.conn->streams, 0));
    /* and a reset stream takes no more data */
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, big, 1, false),
        QUIC_ERR_INVALID_STATE);
    pair_cleanup(&p);
}

/* RFC 9000 §3.5: STOP_SENDING is answered with RESET_STREAM carrying the
 * same code; the sender sees StopSendingReceived. */
static void test_pair_streams_stop_sending_both_directions(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 15);
    handshake(&p);
    quic_conn_send_stream_data(p.client.conn, 0, big, 1000, false);
    run_for(&p, 100 * QUIC_MS);
    assert_int_equal(quic_conn_stop_stream(p.server.conn, 0, 21), 0);
    quic_conn_send_stream_data(p.server.conn, 0, big, 1000, false);
    run_for(&p, 100 * QUIC_MS);
    assert_int_equal(quic_conn_stop_stream(p.client.conn, 0, 22), 0);
    run_for(&p, 200 * QUIC_MS);
    assert_int_equal(s.stops[1], 1); /* client got the server's */
    assert_int_equal(s.stop_code[1], 21);
    assert_int_equal(s.stop_stream[1], 0);
    assert_int_equal(s.stops[0], 1);
    assert_int_equal(s.stop_code[0], 22);
    pair_stream *at_server = pair_stream_get(&p.server, 0);
    pair_stream *at_client = pair_stream_get(&p.client, 0);
    assert_true(at_server->reset);
    assert_int_equal(at_server->reset_code, 21);
    assert_true(at_client->reset);
    assert_int_equal(at_client->reset_code, 22);
    pair_cleanup(&p);
}

static void test_pair_streams_ping_acknowledged_both_sides(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 16);
    handshake(&p);
    assert_int_equal(quic_conn_send_ping(p.client.conn, 42), 0);
    assert_int_equal(quic_conn_send_ping(p.client.conn, 43), 0);
    assert_int_equal(quic_conn_send_ping(p.server.conn, 7), 0);
    run_for(&p, 200 * QUIC_MS);
    assert_int_equal(s.n_pings[1], 2);
    assert_int_equal(s.pings[1][0], 42);
    assert_int_equal(s.pings[1][1], 43);
    assert_int_equal(s.n_pings[0], 1);
    assert_int_equal(s.pings[0][0], 7);
    pair_cleanup(&p);
}

static void test_pair_streams_server_unidirectional_stream(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 17);
    handshake(&p);
    int64_t id = quic_conn_get_next_available_stream_id(p.server.conn, true);
    assert_int_equal(id, 3);
    assert_int_equal(
        quic_conn_send_stream_data(p.server.conn, 3, big, 5000, true), 0);
    /* the client cannot send on the server's unidirectional stream */
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 3, big, 1, false),
        QUIC_ERR_INVALID_ARGUMENT);
    run_for(&p, 200 * QUIC_MS);
    pair_stream *got = pair_stream_get(&p.client, 3);
    assert_non_null(got);
    assert_true(got->fin);
    assert_int_equal(got->len, 5000);
    pair_cleanup(&p);
}

static void test_pair_streams_datagram_frames(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 18);
    p.client.cfg.max_datagram_frame_size = 1200;
    p.server.cfg.max_datagram_frame_size = 1200;
    handshake(&p);
    assert_int_equal(quic_conn_send_datagram_frame(p.client.conn,
                                                   (const uint8_t *)"hello", 5),
                     0);
    assert_int_equal(
        quic_conn_send_datagram_frame(p.server.conn, (const uint8_t *)"hi", 2),
        0);
    /* larger than the peer accepts */
    assert_int_equal(quic_conn_send_datagram_frame(p.client.conn, big, 1300),
                     QUIC_ERR_INVALID_ARGUMENT);
    run_for(&p, 100 * QUIC_MS);
    assert_int_equal(s.dgrams[0], 1);
    assert_int_equal(s.dgram_len[0], 5);
    assert_memory_equal(s.dgram[0], "hello", 5);
    assert_int_equal(s.dgrams[1], 1);
    assert_memory_equal(s.dgram[1], "hi", 2);
    pair_cleanup(&p);
}

static void test_pair_streams_datagram_refused_without_support(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 19);
    p.client.cfg.max_datagram_frame_size = 1200;
    handshake(&p);
    assert_int_equal(
        quic_conn_send_datagram_frame(p.client.conn, (const uint8_t *)"x", 1),
        QUIC_ERR_INVALID_STATE);
    pair_cleanup(&p);
}

/* RFC 9000 §10.1: the smaller idle timeout of the two ends both sides
 * silently, with no CONNECTION_CLOSE on the wire. */
static void idle_case(bool client_shorter) {
    pair p;
    seen s;
    start(&p, &s, 20);
    (client_shorter ? &p.client.cfg : &p.server.cfg)->idle_timeout = QUIC_S;
    handshake(&p);
    quic_time t0 = p.now;
    uint64_t sent_c = p.client.datagrams_sent, sent_s = p.server.datagrams_sent;
    run_for(&p, 200 * QUIC_MS); /* last ACKs */
    sent_c = p.client.datagrams_sent;
    sent_s = p.server.datagrams_sent;
    assert_true(pair_run(&p, pair_both_terminated, NULL, 10 * QUIC_S));
    for (int i = 0; i < 2; i++) {
        pair_side *side = i ? &p.client : &p.server;
        assert_true(
            side->terminated_event.u.connection_terminated.idle_timeout);
        assert_false(side->terminated_event.u.connection_terminated.by_peer);
        assert_true(quic_conn_is_closed(side->conn));
    }
    assert_true(p.now - t0 >= QUIC_S && p.now - t0 < 2 * QUIC_S);
    assert_int_equal(p.client.datagrams_sent, sent_c);
    assert_int_equal(p.server.datagrams_sent, sent_s);
    pair_cleanup(&p);
}

static void test_pair_streams_idle_timeout_client_side(void **state) {
    (void)state;
    idle_case(true);
}

static void test_pair_streams_idle_timeout_server_side(void **state) {
    (void)state;
    idle_case(false);
}

static bool both_closed(pair *p, void *arg) {
    (void)arg;
    return quic_conn_is_closed(p->client.conn) &&
           quic_conn_is_closed(p->server.conn);
}

/* RFC 9000 §10.2: CONNECTION_CLOSE with a reason; the closer is closing,
 * the peer draining, both end after the period. */
static void test_pair_streams_close_with_reason_client(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 21);
    handshake(&p);
    quic_conn_close(p.client.conn, 0x42, QUIC_FRAME_TYPE_NONE, "bye now");
    assert_true(pair_run(&p, pair_both_terminated, NULL, QUIC_S));
    const quic_event *ev = &p.server.terminated_event;
    assert_int_equal(ev->u.connection_terminated.error_code, 0x42);
    assert_true(ev->u.connection_terminated.is_application);
    assert_true(ev->u.connection_terminated.by_peer);
    assert_string_equal(s.reason[0], "bye now");
    assert_false(p.client.terminated_event.u.connection_terminated.by_peer);
    assert_true(pair_run(&p, both_closed, NULL, 10 * QUIC_S));
    pair_cleanup(&p);
}

static void test_pair_streams_close_with_reason_server(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 22);
    handshake(&p);
    quic_conn_close(p.server.conn, QUIC_PROTOCOL_VIOLATION, 0x08, "bad frame");
    assert_true(pair_run(&p, pair_both_terminated, NULL, QUIC_S));
    const quic_event *ev = &p.client.terminated_event;
    assert_int_equal(ev->u.connection_terminated.error_code,
                     QUIC_PROTOCOL_VIOLATION);
    assert_int_equal(ev->u.connection_terminated.frame_type, 0x08);
    assert_false(ev->u.connection_terminated.is_application);
    assert_string_equal(s.reason[1], "bad frame");
    assert_true(pair_run(&p, both_closed, NULL, 10 * QUIC_S));
    /* calls on a closed connection are refused, not crashes */
    assert_int_equal(quic_conn_send_ping(p.client.conn, 1),
                     QUIC_ERR_INVALID_STATE);
    pair_cleanup(&p);
}

/* RFC 9000 §10.3: a datagram that cannot be decrypted but ends in the
 * server's stateless reset token ends the connection (draining). */
static void test_pair_streams_stateless_reset(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 23);
    handshake(&p);
    quic_conn *c = p.client.conn;
    uint8_t dg[40];
    memset(dg, 0x5a, sizeof(dg));
    dg[0] = 0x43; /* short header form, fixed bit */
    memcpy(dg + sizeof(dg) - 16, c->peer_tp.stateless_reset_token, 16);
    dg[sizeof(dg) - 1] ^= 1; /* a wrong token first: ignored */
    quic_conn_receive_datagram(c, dg, sizeof(dg), &p.server.addr, 0, p.now);
    quic_event ev;
    assert_false(quic_conn_next_event(c, &ev));
    memset(dg + 1, 0x5a, sizeof(dg) - 17);
    memcpy(dg + sizeof(dg) - 16, c->peer_tp.stateless_reset_token, 16);
    quic_conn_receive_datagram(c, dg, sizeof(dg), &p.server.addr, 0, p.now);
    assert_true(quic_conn_next_event(c, &ev));
    assert_int_equal(ev.type, QUIC_EVENT_CONNECTION_TERMINATED);
    assert_true(ev.u.connection_terminated.stateless_reset);
    assert_true(ev.u.connection_terminated.by_peer);
    /* draining: nothing is sent any more */
    uint8_t out[1500];
    quic_datagram d;
    assert_int_equal(
        quic_conn_datagrams_to_send(c, p.now, out, sizeof(out), &d, 1), 0);
    pair_cleanup(&p);
}

static bool fin_0(pair *p, void *arg) {
    (void)arg;
    pair_stream *st = pair_stream_get(&p->server, 0);
    return st && st->fin;
}

/* RFC 9001 §6: an update by the client is followed by the server; a second
 * one waits for an ACK in the new phase; data crosses the change intact. */
static void test_pair_streams_key_update(void **state) {
    (void)state;
    pair p;
    seen s;
    start(&p, &s, 24);
    assert_int_equal(pair_start(&p), 0);
    /* not before the handshake is confirmed */
    assert_int_equal(quic_conn_request_key_update(p.client.conn),
                     QUIC_ERR_INVALID_STATE);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    run_for(&p, 100 * QUIC_MS);
    quic_conn *c = p.client.conn, *sv = p.server.conn;
    assert_int_equal(quic_conn_request_key_update(c), 0);
    assert_int_equal(quic_conn_request_key_update(c), QUIC_ERR_INVALID_STATE);
    assert_int_equal(quic_conn_send_stream_data(c, 0, big, 100000, false), 0);
    run_for(&p, 300 * QUIC_MS);
    assert_true(c->tx_phase && c->rx_phase && sv->tx_phase && sv->rx_phase);
    /* the server has sent only ACKs in the new phase, which nobody
     * acknowledges: no second update yet (RFC 9001 §6.1) */
    assert_int_equal(quic_conn_request_key_update(sv), QUIC_ERR_INVALID_STATE);
    quic_conn_send_ping(sv, 1);
    run_for(&p, 100 * QUIC_MS);
    /* the server updates next, the client follows */
    assert_int_equal(quic_conn_request_key_update(sv), 0);
    assert_int_equal(
        quic_conn_send_stream_data(c, 0, big + 100000, 100000, true), 0);
    assert_true(pair_run(&p, fin_0, NULL, 5 * QUIC_S));
    quic_conn_send_ping(c, 2); /* the client's answer in phase 0 */
    run_for(&p, 100 * QUIC_MS);
    assert_false(c->tx_phase || c->rx_phase || sv->tx_phase || sv->rx_phase);
    pair_stream *got = pair_stream_get(&p.server, 0);
    assert_int_equal(got->len, 200000);
    assert_memory_equal(got->data, big, 200000);
    assert_false(p.client.terminated || p.server.terminated);
    pair_cleanup(&p);
}

/* quic_config.key_update_interval: periodic updates during a lossy,
 * reordering transfer; old-phase packets arriving late still open. */
static void test_pair_streams_periodic_key_updates_under_loss(void **state) {
    (void)state;
    netsim_config lossy = link_cfg;
    lossy.loss = 0.05;
    lossy.reorder = 0.1;
    lossy.reorder_delay = 15 * QUIC_MS;
    lossy.rate_bps = 50000000;
    for (uint64_t seed = 50; seed < 55; seed++) {
        pair p;
        seen s;
        memset(&s, 0, sizeof(s));
        pair_init(&p, seed, &lossy, &lossy);
        p.on_event = on_event;
        p.arg = &s;
        p.client.cfg.key_update_interval = 40;
        p.server.cfg.key_update_interval = 55;
        handshake(&p);
        quic_conn_send_stream_data(p.client.conn, 0, big, sizeof(big), true);
        bool ok = pair_run(&p, fin_0, NULL, 60 * QUIC_S);
        if (!ok)
            pair_print_seed(&p);
        assert_true(ok);
        assert_false(p.client.terminated || p.server.terminated);
        pair_stream *got = pair_stream_get(&p.server, 0);
        assert_int_equal(got->len, sizeof(big));
        assert_memory_equal(got->data, big, sizeof(big));
        /* ~200 client packets: several updates from each side */
        assert_true(p.client.conn->key_updates >= 3);
        assert_true(p.server.conn->key_updates >= 2);
        pair_cleanup(&p);
    }
}

static int cid_events[2][2]; /* [is_client][issued, retired] */
static void on_cid_event(pair *p, bool is_client, const quic_event *ev,
                         void *arg) {
    on_event(p, is_client, ev, arg);
    if (ev->type == QUIC_EVENT_CONNECTION_ID_ISSUED)
        cid_events[is_client][0]++;
    if (ev->type == QUIC_EVENT_CONNECTION_ID_RETIRED)
        cid_events[is_client][1]++;
}

/* RFC 9000 §5.1: the client moves to another of the server's connection
 * IDs and retires the old one; the server replaces it. */
static void test_pair_streams_change_connection_id(void **state) {
    (void)state;
    pair p;
    seen s;
    memset(cid_events, 0, sizeof(cid_events));
    start(&p, &s, 25);
    p.on_event = on_cid_event;
    handshake(&p);
    run_for(&p, 100 * QUIC_MS);
    /* each side gave the other active_connection_id_limit - 1 more IDs */
    assert_int_equal(cid_events[0][0], 3);
    assert_int_equal(cid_events[1][0], 3);
    quic_conn *c = p.client.conn;
    quic_cid before = *quic_peer_cids_current(&c->peer_cids);
    assert_int_equal(quic_conn_change_connection_id(c), 0);
    quic_cid after = *quic_peer_cids_current(&c->peer_cids);
    assert_false(before.len == after.len &&
                 memcmp(before.data, after.data, before.len) == 0);
    assert_int_equal(quic_conn_send_stream_data(c, 0, big, 50000, true), 0);
    assert_true(pair_run(&p, fin_0, NULL, 5 * QUIC_S));
    run_for(&p, 100 * QUIC_MS);
    assert_int_equal(cid_events[0][1], 1); /* the server saw the retirement */
    assert_int_equal(cid_events[0][0], 4); /* and issued a replacement */
    assert_int_equal(pair_stream_get(&p.server, 0)->len, 50000);
    pair_cleanup(&p);
}

int main(void) {
    fill_big();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_pair_streams_blocked_by_max_stream_data_then_resumed),
        cmocka_unit_test(test_pair_streams_blocked_by_max_data_then_resumed),
        cmocka_unit_test(test_pair_streams_count_limit_reached_then_raised),
        cmocka_unit_test(test_pair_streams_reset_both_directions),
        cmocka_unit_test(test_pair_streams_stop_sending_both_directions),
        cmocka_unit_test(test_pair_streams_ping_acknowledged_both_sides),
        cmocka_unit_test(test_pair_streams_server_unidirectional_stream),
        cmocka_unit_test(test_pair_streams_datagram_frames),
        cmocka_unit_test(test_pair_streams_datagram_refused_without_support),
        cmocka_unit_test(test_pair_streams_idle_timeout_client_side),
        cmocka_unit_test(test_pair_streams_idle_timeout_server_side),
        cmocka_unit_test(test_pair_streams_close_with_reason_client),
        cmocka_unit_test(test_pair_streams_close_with_reason_server),
        cmocka_unit_test(test_pair_streams_stateless_reset),
        cmocka_unit_test(test_pair_streams_key_update),
        cmocka_unit_test(test_pair_streams_periodic_key_updates_under_loss),
        cmocka_unit_test(test_pair_streams_change_connection_id),
    };
    return cmocka_run_group_tests_name("pair_streams", tests, NULL, NULL);
}

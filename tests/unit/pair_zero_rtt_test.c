/* tests/unit/pair_zero_rtt_test.c — client 0-RTT between two connections
 * in memory: data sent with a resumed session arrives before the handshake
 * completes when the server accepts it, is resent in 1-RTT when the server
 * declines, is bounded by the transport parameters remembered in the ticket
 * (RFC 9000 §7.4.1), and a ticket of another format is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#include "core/packet.h"
#include "core/tls.h"

static const netsim_config link_cfg = {.delay = 20 * QUIC_MS};

/* What the second connection's events and datagrams showed. */
typedef struct seen {
    bool completed[2];  /* [is_client] HandshakeCompleted */
    bool accepted[2];   /* its early_data_accepted */
    bool resumed[2];    /* its session_resumed */
    size_t early_bytes; /* server: stream bytes before its HandshakeCompleted */
    size_t zero_rtt_pkts; /* 0-RTT packets the client sent */
} seen;

static void on_event(pair *p, bool is_client, const quic_event *ev, void *arg) {
    (void)p;
    seen *s = arg;
    int c = is_client ? 1 : 0;
    if (ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED) {
        s->completed[c] = true;
        s->accepted[c] = ev->u.handshake_completed.early_data_accepted;
        s->resumed[c] = ev->u.handshake_completed.session_resumed;
    } else if (ev->type == QUIC_EVENT_STREAM_DATA_RECEIVED && !is_client &&
               !s->completed[0]) {
        s->early_bytes += ev->u.stream_data_received.len;
    }
}

static bool count_zero_rtt(pair *p, bool from_client, uint8_t *data,
                           size_t *len, size_t cap, void *arg) {
    (void)p;
    (void)cap;
    seen *s = arg;
    const uint8_t *q = data, *end = data + *len;
    while (from_client && q < end && (q[0] & 0x80)) {
        quic_packet_header h;
        if (quic_packet_parse(&h, q, end, 8) < 0)
            break;
        if (h.type == QUIC_PACKET_ZERO_RTT)
            s->zero_rtt_pkts++;
        q += h.packet_len;
    }
    return true;
}

/* A first connection to a server with |server_ctx| yields a ticket. */
static void get_ticket(quic_tls_context *server_ctx, uint64_t seed,
                       uint64_t server_max_data, pair_ticket *tk) {
    pair p;
    pair_init(&p, seed, &link_cfg, &link_cfg);
    p.server.cfg.tls_context = server_ctx;
    if (server_max_data) {
        p.server.cfg.max_data = p.server.cfg.max_data_window = server_max_data;
    }
    p.client.cfg.enable_early_data = true;
    p.client.cfg.session_ticket_sink = pair_save_ticket;
    p.client.cfg.sink_user = tk;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    for (int i = 0; i < 20 && tk->count == 0; i++)
        pair_run(&p, pair_both_terminated, NULL, 50 * QUIC_MS);
    assert_true(tk->count >= 1);
    pair_cleanup(&p);
}

static quic_tls_context *early_server_ctx(void) {
    quic_config cc, sc;
    pair_default_configs(&cc, &sc);
    sc.enable_early_data = true;
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new(&ctx, &sc), 0);
    return ctx;
}

static bool server_got_fin(pair *p, void *arg) {
    (void)arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return s && s->fin && pair_handshake_done(p, NULL);
}

static void fill(uint8_t *buf, size_t len, uint64_t seed) {
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((i * 131 + seed) >> 3);
}

/* Starts the second connection with |tk|, queues |len| bytes and FIN on
 * stream 0 right away (before any server packet), runs until the server
 * has them all, and checks them byte for byte. */
static void resume_and_send_on(pair *p, const netsim_config *link, bool retry,
                               quic_tls_context *server_ctx,
                               const pair_ticket *tk, uint64_t seed, seen *s,
                               size_t len) {
    static uint8_t body[20000];
    assert_true(len <= sizeof(body));
    fill(body, len, seed);
    pair_init(p, seed, link, link);
    p->retry = retry;
    p->server.cfg.tls_context = server_ctx;
    p->client.cfg.enable_early_data = true;
    p->client.cfg.session_ticket = tk->data;
    p->client.cfg.session_ticket_len = tk->len;
    p->on_event = on_event;
    p->tamper = count_zero_rtt;
    p->arg = s;
    assert_int_equal(pair_start(p), 0);
    assert_int_equal(
        quic_conn_send_stream_data(p->client.conn, 0, body, len, true), 0);
    if (!pair_run(p, server_got_fin, NULL, 30 * QUIC_S)) {
        pair_print_seed(p);
        fail_msg("stream 0 incomplete");
    }
    pair_stream *st = pair_stream_get(&p->server, 0);
    assert_int_equal(st->len, len);
    assert_memory_equal(st->data, body, len);
}

static void resume_and_send(pair *p, quic_tls_context *server_ctx,
                            const pair_ticket *tk, uint64_t seed, seen *s,
                            size_t len) {
    resume_and_send_on(p, &link_cfg, false, server_ctx, tk, seed, s, len);
}

static void test_pair_zero_rtt_accepted_before_handshake(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 21, 0, &tk);
    seen s;
    memset(&s, 0, sizeof(s));
    pair p;
    resume_and_send(&p, ctx, &tk, 22, &s, 3000);
    assert_true(s.zero_rtt_pkts >= 1);
    assert_true(s.resumed[0] && s.resumed[1]);
    assert_true(s.accepted[0]);
    assert_true(s.accepted[1]);
    /* the server had all of it before the client's Finished */
    assert_int_equal(s.early_bytes, 3000);
    pair_cleanup(&p);
    quic_tls_context_free(ctx);
}

/* A server that cannot use the ticket (another ticket key) declines 0-RTT;
 * the client learns it and sends the same bytes again in 1-RTT. */
static void test_pair_zero_rtt_rejected_resent_in_1rtt(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    quic_tls_context *other = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 23, 0, &tk);
    seen s;
    memset(&s, 0, sizeof(s));
    pair p;
    resume_and_send(&p, other, &tk, 24, &s, 5000);
    assert_true(s.zero_rtt_pkts >= 1);
    assert_false(s.resumed[0] || s.resumed[1]);
    assert_false(s.accepted[0]);
    assert_false(s.accepted[1]);
    assert_int_equal(s.early_bytes, 0);
    pair_cleanup(&p);
    quic_tls_context_free(ctx);
    quic_tls_context_free(other);
}

/* RFC 9000 §7.4.1: 0-RTT obeys the limits of the ticket's connection
 * (initial_max_data 1000 then), not larger ones the server has now. */
static void test_pair_zero_rtt_limited_by_remembered_params(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 25, 1000, &tk);
    seen s;
    memset(&s, 0, sizeof(s));
    pair p;
    resume_and_send(&p, ctx, &tk, 26, &s, 12000);
    assert_true(s.accepted[0] && s.accepted[1]);
    assert_int_equal(s.early_bytes, 1000);
    pair_cleanup(&p);
    quic_tls_context_free(ctx);
}

/* Lost 0-RTT packets (20% loss each way, seeded) are repeated in 1-RTT
 * once the handshake is done: the bytes still arrive exact, whether the
 * server accepted 0-RTT or (another ticket key) declined it. Seeds 62, 71
 * and 84 once deadlocked: 0-RTT filling the window before the Finished, a
 * server processing 1-RTT before its handshake completed, a client taking
 * an ACK of 0-RTT packets as handshake confirmation. */
static void test_pair_zero_rtt_lossy_byte_exact(void **state) {
    (void)state;
    static const netsim_config lossy = {.delay = 20 * QUIC_MS, .loss = 0.2};
    quic_tls_context *ctx = early_server_ctx();
    quic_tls_context *other = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 29, 0, &tk);
    for (uint64_t seed = 60; seed < 90; seed++) {
        seen s;
        memset(&s, 0, sizeof(s));
        pair p;
        resume_and_send_on(&p, &lossy, false, seed & 1 ? other : ctx, &tk, seed,
                           &s, 15000);
        if (s.accepted[0] != s.accepted[1] || ((seed & 1) && s.accepted[0])) {
            pair_print_seed(&p);
            fail_msg("early_data_accepted %d/%d", s.accepted[0], s.accepted[1]);
        }
        pair_cleanup(&p);
    }
    quic_tls_context_free(ctx);
    quic_tls_context_free(other);
}

/* RFC 9000 §17.2.5.3: 0-RTT sent before a Retry is lost with it; the
 * server still accepts 0-RTT on the repeated ClientHello and the bytes
 * arrive exact (repeated in 1-RTT). */
static void test_pair_zero_rtt_after_retry(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 31, 0, &tk);
    seen s;
    memset(&s, 0, sizeof(s));
    pair p;
    resume_and_send_on(&p, &link_cfg, true, ctx, &tk, 32, &s, 6000);
    assert_int_equal(p.retries_sent, 1);
    assert_true(s.zero_rtt_pkts >= 1);
    assert_true(s.resumed[0] && s.resumed[1]);
    pair_cleanup(&p);
    quic_tls_context_free(ctx);
}

/* Ticket bytes of an unknown format version or cut short are refused with
 * QUIC_ERR_TLS_SESSION (so a caller can retry without them). */
static void test_pair_zero_rtt_bad_ticket_refused(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    get_ticket(ctx, 27, 0, &tk);
    static const struct {
        size_t cut; /* bytes kept; 0 = all */
        uint8_t version;
        int line;
    } cases[] = {
        {0, 0x7f, __LINE__}, /* unknown format */
        {0, 0x00, __LINE__},
        {1, 0x01, __LINE__}, /* version only */
        {5, 0x01, __LINE__}, /* inside the parameters */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        static pair_ticket bad;
        bad = tk;
        bad.data[0] = cases[i].version;
        if (cases[i].cut)
            bad.len = cases[i].cut;
        pair p;
        pair_init(&p, 28, &link_cfg, &link_cfg);
        p.server.cfg.tls_context = ctx;
        p.client.cfg.session_ticket = bad.data;
        p.client.cfg.session_ticket_len = bad.len;
        if (pair_start(&p) != QUIC_ERR_TLS_SESSION)
            fail_msg("case at line %d accepted", cases[i].line);
        pair_cleanup(&p);
    }
    quic_tls_context_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_zero_rtt_accepted_before_handshake),
        cmocka_unit_test(test_pair_zero_rtt_rejected_resent_in_1rtt),
        cmocka_unit_test(test_pair_zero_rtt_limited_by_remembered_params),
        cmocka_unit_test(test_pair_zero_rtt_lossy_byte_exact),
        cmocka_unit_test(test_pair_zero_rtt_after_retry),
        cmocka_unit_test(test_pair_zero_rtt_bad_ticket_refused),
    };
    return cmocka_run_group_tests_name("pair_zero_rtt", tests, NULL, NULL);
}

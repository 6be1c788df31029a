/* tests/unit/pair_h3_zero_rtt_test.c — HTTP/3 over a resumed QUIC
 * connection with 0-RTT, client and server in memory (pair.h), and the
 * server's SETTINGS the client remembered (RFC 9114 §7.2.4.2): the first
 * connection yields a session ticket and the server's SETTINGS (kept with
 * h3_settings_export); the second sends its request as 0-RTT data under
 * those remembered settings before the server's new SETTINGS arrive. A
 * server that accepted 0-RTT and then sends reduced settings gets the
 * connection closed with H3_SETTINGS_ERROR (a changed non-zero QPACK table
 * capacity: QPACK_DECODER_STREAM_ERROR, RFC 9204 §3.2.3); when 0-RTT is
 * rejected the defaults apply and nothing is checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "h3/h3.h"
#include "pair.h"
#include "qpack/qpack.h"
#include "support/h3_fake_quic.h"

static const netsim_config link_cfg = {.delay = 20 * QUIC_MS};

typedef struct h3zpair {
    pair p;
    h3_config ccfg, scfg;
    h3_conn *client, *server;
    h3_recorder crec, srec;
    /* The session the first connection gave. */
    uint8_t ticket[4096];
    size_t ticket_len;
    /* The client's HandshakeCompleted, and when the server saw the request
     * (before its own handshake completed means 0-RTT). */
    bool client_done, server_done, accepted;
    bool request_early;
} h3zpair;

static void save_ticket(void *user, const uint8_t *t, size_t len) {
    h3zpair *z = user;
    if (len <= sizeof(z->ticket)) {
        memcpy(z->ticket, t, len);
        z->ticket_len = len;
    }
}

/* The server application: "200" and "ok" for every complete request. */
static void serve(h3zpair *z, size_t first) {
    for (size_t i = first; i < z->srec.n; i++) {
        const rec_event *e = &z->srec.ev[i];
        if (e->type != H3_EVENT_HEADERS_RECEIVED || !e->stream_ended)
            continue;
        if (!z->server_done)
            z->request_early = true;
        h3_header h[1];
        static const char *const resp[] = {":status", "200", NULL};
        size_t n = h3_test_headers(h, 1, resp);
        assert_int_equal(
            h3_conn_send_headers(z->server, e->stream_id, h, n, false), 0);
        assert_int_equal(h3_conn_send_data(z->server, e->stream_id,
                                           (const uint8_t *)"ok", 2, true),
                         0);
    }
}

static void on_quic_event(pair *p, bool is_client, const quic_event *ev,
                          void *arg) {
    h3zpair *z = arg;
    if (ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED) {
        if (is_client) {
            z->client_done = true;
            z->accepted = ev->u.handshake_completed.early_data_accepted;
        } else {
            z->server_done = true;
        }
    }
    h3_conn **h3 = is_client ? &z->client : &z->server;
    if (!*h3) {
        quic_conn *q = is_client ? p->client.conn : p->server.conn;
        assert_int_equal(h3_conn_new(h3, q, is_client ? &z->ccfg : &z->scfg),
                         0);
    }
    assert_int_equal(h3_conn_handle_event(*h3, ev), 0);
    h3_recorder *rec = is_client ? &z->crec : &z->srec;
    size_t first = rec->n;
    h3_recorder_drain(rec, *h3);
    if (!is_client)
        serve(z, first);
}

static void z_init(h3zpair *z, uint64_t seed, quic_tls_context *server_ctx) {
    memset(z, 0, sizeof(*z));
    pair_init(&z->p, seed, &link_cfg, &link_cfg);
    z->p.server.cfg.tls_context = server_ctx;
    z->p.client.cfg.enable_early_data = true;
    z->p.on_event = on_quic_event;
    z->p.arg = z;
    h3_config_init(&z->ccfg, true);
    z->ccfg.allocator = &h3_test_allocator;
    h3_config_init(&z->scfg, false);
    z->scfg.allocator = &h3_test_allocator;
}

static void z_cleanup(h3zpair *z) {
    h3_conn_free(z->client);
    h3_conn_free(z->server);
    pair_cleanup(&z->p);
    h3_recorder_free(&z->crec);
    h3_recorder_free(&z->srec);
}

static quic_tls_context *early_server_ctx(void) {
    quic_config cc, sc;
    pair_default_configs(&cc, &sc);
    sc.enable_early_data = true;
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new(&ctx, &sc), 0);
    return ctx;
}

/* What the first connection leaves for the second. */
typedef struct remembered {
    uint8_t ticket[4096];
    size_t ticket_len;
    uint8_t settings[H3_SETTINGS_EXPORT_MAX];
    size_t settings_len;
} remembered;

static bool got_ticket_and_settings(pair *p, void *arg) {
    (void)p;
    h3zpair *z = arg;
    return z->ticket_len > 0 && z->client &&
           h3_conn_peer_settings(z->client) != NULL;
}

/* A first connection to a server with |ctx| and the SETTINGS of |scfg|:
 * the ticket, and the server's SETTINGS as the client saw them. */
static void first_connection(quic_tls_context *ctx, const h3_config *scfg,
                             uint64_t seed, remembered *out) {
    static h3zpair z;
    z_init(&z, seed, ctx);
    z.scfg = *scfg;
    z.p.client.cfg.session_ticket_sink = save_ticket;
    z.p.client.cfg.sink_user = &z;
    assert_int_equal(pair_start(&z.p), 0);
    assert_true(pair_run(&z.p, got_ticket_and_settings, &z, 5 * QUIC_S));
    memcpy(out->ticket, z.ticket, z.ticket_len);
    out->ticket_len = z.ticket_len;
    int n = h3_settings_export(h3_conn_peer_settings(z.client), out->settings,
                               sizeof(out->settings));
    assert_true(n > 0);
    out->settings_len = (size_t)n;
    z_cleanup(&z);
}

static bool response_or_close(pair *p, void *arg) {
    h3zpair *z = arg;
    const rec_event *e =
        h3_recorder_find(&z->crec, H3_EVENT_DATA_RECEIVED, (uint64_t)0);
    return (e && e->stream_ended) || p->client.terminated;
}

static const char *const small_get[] = {":method", "GET",        ":scheme",
                                        "https",   ":authority", "localhost",
                                        ":path",   "/",          NULL};

/* The second connection: resumes with |rem| (its settings unless
 * |no_settings|), creates the client's h3 at once and sends a GET as 0-RTT
 * data. Runs until the response or the end. */
static void resume_and_get(h3zpair *z, quic_tls_context *ctx,
                           const h3_config *scfg, const remembered *rem,
                           uint64_t seed) {
    z_init(z, seed, ctx);
    z->scfg = *scfg;
    z->p.client.cfg.session_ticket = rem->ticket;
    z->p.client.cfg.session_ticket_len = rem->ticket_len;
    static h3_settings s;
    assert_int_equal(h3_settings_import(&s, rem->settings, rem->settings_len),
                     0);
    z->ccfg.remembered_settings = &s;
    assert_int_equal(pair_start(&z->p), 0);
    assert_int_equal(h3_conn_new(&z->client, z->p.client.conn, &z->ccfg), 0);
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, small_get);
    assert_int_equal(h3_conn_get_next_request_stream_id(z->client), 0);
    assert_int_equal(h3_conn_send_headers(z->client, 0, h, n, true), 0);
    pair_run(&z->p, response_or_close, z, 10 * QUIC_S);
}

static h3_config server_config(uint64_t field_section, bool datagram) {
    h3_config c;
    h3_config_init(&c, false);
    c.allocator = &h3_test_allocator;
    c.max_field_section_size = field_section;
    c.h3_datagram = datagram;
    return c;
}

/* The server's settings unchanged: the request goes as 0-RTT data, the
 * remembered limits hold before the SETTINGS arrive (a section over the
 * remembered 2048 bytes is refused, which the defaults would allow), and
 * the response arrives with no error. */
static void test_pair_h3_zero_rtt_uses_remembered_settings(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    h3_config scfg = server_config(2048, true);
    static remembered rem;
    first_connection(ctx, &scfg, 71, &rem);
    h3_settings s;
    assert_int_equal(h3_settings_import(&s, rem.settings, rem.settings_len), 0);
    assert_int_equal(s.max_field_section_size, 2048);
    assert_int_equal(s.qpack_max_table_capacity, 4096);
    assert_true(s.h3_datagram);

    static h3zpair z;
    z_init(&z, 72, ctx);
    z.scfg = scfg;
    z.p.client.cfg.session_ticket = rem.ticket;
    z.p.client.cfg.session_ticket_len = rem.ticket_len;
    z.ccfg.remembered_settings = &s;
    assert_int_equal(pair_start(&z.p), 0);
    assert_int_equal(h3_conn_new(&z.client, z.p.client.conn, &z.ccfg), 0);
    /* Before any server packet: the remembered settings are in force. */
    assert_null(h3_conn_peer_settings(z.client));
    static char big[3000];
    memset(big, 'v', sizeof(big) - 1);
    const char *const too_big[] = {
        ":method", "GET", ":scheme", "https", ":authority", "localhost",
        ":path",   "/",   "x-big",   big,     NULL};
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, too_big);
    assert_int_equal(h3_conn_send_headers(z.client, 0, h, n, true),
                     H3_ERR_INVALID_ARGUMENT);
    n = h3_test_headers(h, 8, small_get);
    assert_int_equal(h3_conn_send_headers(z.client, 0, h, n, true), 0);
    assert_true(pair_run(&z.p, response_or_close, &z, 10 * QUIC_S));
    assert_true(z.accepted);
    assert_true(z.request_early); /* the server had it before its Finished */
    assert_false(z.p.client.terminated);
    const rec_event *d =
        h3_recorder_find(&z.crec, H3_EVENT_DATA_RECEIVED, (uint64_t)0);
    assert_non_null(d);
    assert_memory_equal(d->text, "ok", 2);
    /* Now the server's own SETTINGS are the ones in force. */
    assert_non_null(h3_conn_peer_settings(z.client));
    assert_int_equal(h3_conn_peer_settings(z.client)->max_field_section_size,
                     2048);
    z_cleanup(&z);
    quic_tls_context_free(ctx);
}

/* A server that accepted 0-RTT and then sends settings the remembered ones
 * are not compatible with: the client closes the connection. */
static void test_pair_h3_zero_rtt_reduced_settings_closed(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    h3_config first = server_config(2048, true);
    static remembered rem;
    first_connection(ctx, &first, 73, &rem);
    static const struct {
        int line;
        uint64_t field_section, capacity, blocked;
        bool datagram;
        uint64_t code;
    } cases[] = {
        /* §7.2.4.2: a lower limit or a feature withdrawn. */
        {__LINE__, 1024, 4096, 100, true, H3_SETTINGS_ERROR},
        {__LINE__, 2048, 4096, 100, false, H3_SETTINGS_ERROR},
        {__LINE__, 2048, 4096, 10, true, H3_SETTINGS_ERROR},
        {__LINE__, 2048, 1024, 100, true, H3_SETTINGS_ERROR},
        {__LINE__, 2048, 0, 100, true, H3_SETTINGS_ERROR},
        /* RFC 9204 §3.2.3: a non-zero capacity must stay the same. */
        {__LINE__, 2048, 8192, 100, true, QPACK_DECODER_STREAM_ERROR},
        /* Raised limits are compatible. */
        {__LINE__, 65536, 4096, 200, true, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        h3_config scfg =
            server_config(cases[i].field_section, cases[i].datagram);
        scfg.qpack_max_table_capacity = cases[i].capacity;
        scfg.qpack_blocked_streams = cases[i].blocked;
        static h3zpair z;
        resume_and_get(&z, ctx, &scfg, &rem, 74 + i);
        if (!z.accepted)
            fail_msg("case at line %d: 0-RTT not accepted", cases[i].line);
        if (cases[i].code == 0) {
            if (z.p.client.terminated)
                fail_msg("case at line %d: closed", cases[i].line);
            assert_non_null(
                h3_recorder_find(&z.crec, H3_EVENT_DATA_RECEIVED, (uint64_t)0));
        } else {
            /* The client closes with the code; the server, whose
             * handshake is not confirmed yet, may get it in a Handshake
             * packet as APPLICATION_ERROR (RFC 9000 §10.2.3). */
            pair_run(&z.p, pair_both_terminated, NULL, 5 * QUIC_S);
            if (!z.p.server.terminated || !z.p.client.terminated ||
                z.p.client.terminated_event.u.connection_terminated
                        .error_code != cases[i].code)
                fail_msg("case at line %d: not closed with 0x%llx",
                         cases[i].line, (unsigned long long)cases[i].code);
            assert_true(h3_conn_is_closed(z.client));
        }
        z_cleanup(&z);
    }
    quic_tls_context_free(ctx);
}

/* 0-RTT rejected (another ticket key): the request is sent again in 1-RTT,
 * the defaults apply until the server's SETTINGS, and reduced settings are
 * no error. */
static void test_pair_h3_zero_rtt_rejected_no_check(void **state) {
    (void)state;
    quic_tls_context *ctx = early_server_ctx();
    quic_tls_context *other = early_server_ctx();
    h3_config first = server_config(2048, true);
    static remembered rem;
    first_connection(ctx, &first, 81, &rem);
    h3_config scfg = server_config(1024, false);
    static h3zpair z;
    resume_and_get(&z, other, &scfg, &rem, 82);
    assert_true(z.client_done);
    assert_false(z.accepted);
    assert_false(z.request_early);
    assert_false(z.p.client.terminated);
    const rec_event *d =
        h3_recorder_find(&z.crec, H3_EVENT_DATA_RECEIVED, (uint64_t)0);
    assert_non_null(d);
    assert_true(d->stream_ended);
    assert_int_equal(h3_conn_peer_settings(z.client)->max_field_section_size,
                     1024);
    z_cleanup(&z);
    quic_tls_context_free(ctx);
    quic_tls_context_free(other);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_h3_zero_rtt_uses_remembered_settings),
        cmocka_unit_test(test_pair_h3_zero_rtt_reduced_settings_closed),
        cmocka_unit_test(test_pair_h3_zero_rtt_rejected_no_check),
    };
    return cmocka_run_group_tests_name("pair_h3_zero_rtt", tests, NULL, NULL);
}

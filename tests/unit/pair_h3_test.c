/* tests/unit/pair_h3_test.c — HTTP/3 over the real QUIC connection, client
 * and server in memory (pair.h): GET and POST bodies up to 16 MB compared
 * byte for byte, 100 concurrent requests (also over a lossy, reordering
 * link), trailers, server push (its limit: NoAvailablePushID; CANCEL_PUSH),
 * GOAWAY with requests in flight and HTTP/3 datagrams. The server side is a
 * small application written against h3.h. */
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
#include "support/h3_fake_quic.h"

#define MAX_REQ 128

/* One request of the client, as the test tracks it. */
typedef struct req {
    uint64_t id;
    char path[64];
    size_t body_len; /* POST body sent */
} req;

typedef struct h3pair {
    pair p;
    h3_config ccfg, scfg;
    h3_conn *client, *server;
    h3_recorder crec, srec;
    req reqs[MAX_REQ];
    size_t n_reqs;
    bool push;          /* the server pushes /pushed.css with each response */
    bool push_may_fail; /* ...when it can: the result goes to push_rc */
    bool promise_only;  /* ...promising it without sending the response */
    int64_t push_rc[MAX_REQ]; /* per answered request */
    uint64_t cancel_push_id;  /* the client cancels this push when promised */
    bool trailers;            /* the server ends responses with trailers */
    size_t responded;         /* requests the server answered */
    uint64_t released;        /* bytes handed back by send_data_ref */
} h3pair;

/* ---- Deterministic bodies ------------------------------------------------ */

static uint8_t pattern_byte(size_t i, uint32_t seed) {
    uint32_t x = (uint32_t)i * 2654435761u ^ seed;
    x ^= x >> 13;
    return (uint8_t)(x * 0x5bd1e995u >> 24);
}

static uint8_t *pattern(size_t len, uint32_t seed) {
    uint8_t *b = malloc(len ? len : 1);
    assert_non_null(b);
    for (size_t i = 0; i < len; i++)
        b[i] = pattern_byte(i, seed);
    return b;
}

/* ---- The server application -------------------------------------------- */

static void on_release(void *arg) {
    h3pair *hp = arg;
    hp->released++;
}

/* A response body of |len| pattern bytes, queued by reference. */
static const uint8_t *big_body(size_t len) {
    static uint8_t *body;
    static size_t body_len;
    if (body_len < len) {
        free(body);
        body = pattern(len, 99);
        body_len = len;
    }
    return body;
}

static void send_headers(h3_conn *h3, uint64_t id, const char *const *pairs,
                         bool fin) {
    h3_header h[16];
    size_t n = h3_test_headers(h, 16, pairs);
    assert_int_equal(h3_conn_send_headers(h3, id, h, n, fin), 0);
}

static void push_style(h3pair *hp, uint64_t id) {
    static const char *const promised[] = {
        ":method",   "GET",   ":scheme",     "https", ":authority",
        "localhost", ":path", "/pushed.css", NULL};
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, promised);
    int64_t ps = h3_conn_send_push_promise(hp->server, id, h, n);
    hp->push_rc[hp->responded] = ps;
    if (hp->push_may_fail && (ps < 0 || hp->promise_only))
        return;
    assert_true(ps >= 0);
    static const char *const resp[] = {":status", "200", "content-type",
                                       "text/css", NULL};
    send_headers(hp->server, (uint64_t)ps, resp, false);
    assert_int_equal(h3_conn_send_data(hp->server, (uint64_t)ps,
                                       (const uint8_t *)"p{}", 3, true),
                     0);
}

/* Answers a complete request: "/size/N" with N pattern bytes, "/echo" with
 * the request body. */
static void respond(h3pair *hp, uint64_t id, const rec_event *request) {
    size_t len = 0;
    const char *path = strstr(request->text, ":path: ");
    assert_non_null(path);
    path += 7;
    bool echo = strncmp(path, "/echo", 5) == 0;
    uint8_t *echo_body = NULL;
    if (echo) {
        bool ended;
        echo_body = h3_recorder_body(&hp->srec, id, &len, &ended);
        assert_true(ended);
    } else {
        assert_int_equal(strncmp(path, "/size/", 6), 0);
        len = strtoull(path + 6, NULL, 10);
    }
    if (hp->push)
        push_style(hp, id);
    char cl[32];
    snprintf(cl, sizeof(cl), "%zu", len);
    const char *const resp[] = {":status", "200", "content-length", cl, NULL};
    send_headers(hp->server, id, resp, false);
    bool fin = !hp->trailers;
    if (echo)
        assert_int_equal(h3_conn_send_data(hp->server, id, echo_body, len, fin),
                         0);
    else
        assert_int_equal(h3_conn_send_data_ref(hp->server, id, big_body(len),
                                               len, fin, on_release, hp),
                         0);
    if (hp->trailers) {
        static const char *const tr[] = {"x-trailer", "done", NULL};
        send_headers(hp->server, id, tr, true);
    }
    free(echo_body);
    hp->responded++;
}

/* After new server events: answer each request whose stream ended. */
static void serve(h3pair *hp, size_t first) {
    for (size_t i = first; i < hp->srec.n; i++) {
        const rec_event *e = &hp->srec.ev[i];
        bool ended = (e->type == H3_EVENT_HEADERS_RECEIVED ||
                      e->type == H3_EVENT_DATA_RECEIVED) &&
                     e->stream_ended;
        if (!ended)
            continue;
        const rec_event *request = h3_recorder_find(
            &hp->srec, H3_EVENT_HEADERS_RECEIVED, e->stream_id);
        assert_non_null(request);
        respond(hp, e->stream_id, request);
    }
}

/* ---- Wiring h3 to the pair ---------------------------------------------- */

static void on_quic_event(pair *p, bool is_client, const quic_event *ev,
                          void *arg) {
    h3pair *hp = arg;
    h3_conn **h3 = is_client ? &hp->client : &hp->server;
    if (!*h3) {
        quic_conn *q = is_client ? p->client.conn : p->server.conn;
        assert_int_equal(h3_conn_new(h3, q, is_client ? &hp->ccfg : &hp->scfg),
                         0);
    }
    assert_int_equal(h3_conn_handle_event(*h3, ev), 0);
    h3_recorder *rec = is_client ? &hp->crec : &hp->srec;
    size_t first = rec->n;
    h3_recorder_drain(rec, *h3);
    if (!is_client)
        serve(hp, first);
    for (size_t i = first; is_client && i < rec->n; i++)
        if (rec->ev[i].type == H3_EVENT_PUSH_PROMISE_RECEIVED &&
            rec->ev[i].push_id == hp->cancel_push_id)
            assert_int_equal(h3_conn_cancel_push(*h3, hp->cancel_push_id), 0);
}

static void h3pair_init(h3pair *hp, uint64_t seed, const netsim_config *link) {
    memset(hp, 0, sizeof(*hp));
    pair_init(&hp->p, seed, link, link);
    hp->p.client.cfg.max_data_window = 64u << 20;
    hp->p.server.cfg.max_data_window = 64u << 20;
    hp->p.on_event = on_quic_event;
    hp->p.arg = hp;
    hp->cancel_push_id = H3_PUSH_ID_NONE;
    h3_config_init(&hp->ccfg, true);
    hp->ccfg.allocator = &h3_test_allocator;
    h3_config_init(&hp->scfg, false);
    hp->scfg.allocator = &h3_test_allocator;
}

static void h3pair_start(h3pair *hp) {
    assert_int_equal(pair_start(&hp->p), 0);
    bool ok = pair_run(&hp->p, pair_handshake_done, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(&hp->p);
    assert_true(ok);
    assert_non_null(hp->client);
}

static void h3pair_cleanup(h3pair *hp) {
    h3_conn_free(hp->client);
    h3_conn_free(hp->server);
    pair_cleanup(&hp->p);
    h3_recorder_free(&hp->crec);
    h3_recorder_free(&hp->srec);
}

/* ---- Client side -----------------------------------------------------------
 */

static void client_request(h3pair *hp, const char *method, const char *path,
                           const uint8_t *body, size_t body_len) {
    assert_true(hp->n_reqs < MAX_REQ);
    int64_t id = h3_conn_get_next_request_stream_id(hp->client);
    assert_true(id >= 0);
    req *r = &hp->reqs[hp->n_reqs++];
    r->id = (uint64_t)id;
    snprintf(r->path, sizeof(r->path), "%s", path);
    r->body_len = body_len;
    const char *const h[] = {":method", method,       ":scheme",
                             "https",   ":authority", "localhost",
                             ":path",   r->path,      NULL};
    bool has_body = body != NULL;
    send_headers(hp->client, r->id, h, !has_body);
    if (has_body)
        assert_int_equal(
            h3_conn_send_data(hp->client, r->id, body, body_len, true), 0);
}

/* pair_run condition: every request's response ended (or was reset). */
static bool responses_done(pair *p, void *arg) {
    (void)p;
    h3pair *hp = arg;
    for (size_t i = 0; i < hp->n_reqs; i++) {
        uint64_t id = hp->reqs[i].id;
        bool done = h3_recorder_find(&hp->crec, H3_EVENT_STREAM_RESET, id);
        for (size_t k = 0; k < hp->crec.n && !done; k++) {
            const rec_event *e = &hp->crec.ev[k];
            done = e->stream_id == id && e->stream_ended;
        }
        if (!done)
            return false;
    }
    return true;
}

/* pair_run condition: the server answered every request. */
static bool server_answered_all(pair *p, void *arg) {
    (void)p;
    h3pair *hp = arg;
    return hp->responded == hp->n_reqs;
}

static void run_until_responses(h3pair *hp, quic_time limit) {
    bool ok = pair_run(&hp->p, responses_done, hp, limit);
    if (!ok)
        pair_print_seed(&hp->p);
    assert_true(ok);
}

/* The response body of request |r| equals the pattern of |len| bytes with
 * |seed|. */
static void expect_body(h3pair *hp, const req *r, const uint8_t *want,
                        size_t len) {
    size_t got_len;
    bool ended;
    uint8_t *got = h3_recorder_body(&hp->crec, r->id, &got_len, &ended);
    assert_true(ended);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, want, len);
    free(got);
}

/* ---- Tests ------------------------------------------------------------------
 */

static const netsim_config clean = {.delay = 5 * QUIC_MS,
                                    .rate_bps = 1000000000};

static void test_pair_h3_get_16mb(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 11, &clean);
    h3pair_start(&hp);
    const size_t len = 16u << 20;
    client_request(&hp, "GET", "/size/16777216", NULL, 0);
    run_until_responses(&hp, 60 * QUIC_S);
    expect_body(&hp, &hp.reqs[0], big_body(len), len);
    const rec_event *hr =
        h3_recorder_find(&hp.crec, H3_EVENT_HEADERS_RECEIVED, 0);
    assert_string_equal(hr->text, ":status: 200\ncontent-length: 16777216\n");
    h3pair_cleanup(&hp);
}

static void test_pair_h3_post_16mb_echo(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 12, &clean);
    h3pair_start(&hp);
    const size_t len = 16u << 20;
    uint8_t *body = pattern(len, 5);
    client_request(&hp, "POST", "/echo", body, len);
    run_until_responses(&hp, 60 * QUIC_S);
    size_t got_len;
    bool ended;
    uint8_t *got = h3_recorder_body(&hp.srec, 0, &got_len, &ended);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, body, len);
    free(got);
    expect_body(&hp, &hp.reqs[0], body, len);
    free(body);
    h3pair_cleanup(&hp);
}

static void hundred_requests(uint64_t seed, const netsim_config *link) {
    h3pair hp;
    h3pair_init(&hp, seed, link);
    h3pair_start(&hp);
    for (int i = 0; i < 100; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/size/%d", 1000 + 37 * i);
        client_request(&hp, "GET", path, NULL, 0);
    }
    run_until_responses(&hp, 60 * QUIC_S);
    for (int i = 0; i < 100; i++) {
        size_t len = 1000 + 37 * (size_t)i;
        expect_body(&hp, &hp.reqs[i], big_body(len), len);
    }
    assert_int_equal(hp.responded, 100);
    assert_int_equal(h3_conn_open_request_count(hp.client), 0);
    assert_false(hp.p.client.terminated);
    h3pair_cleanup(&hp);
}

static void test_pair_h3_100_concurrent_requests(void **state) {
    (void)state;
    hundred_requests(21, &clean);
}

static void test_pair_h3_100_requests_lossy_link(void **state) {
    (void)state;
    const netsim_config lossy = {.delay = 20 * QUIC_MS,
                                 .rate_bps = 50000000,
                                 .loss = 0.03,
                                 .reorder = 0.05,
                                 .reorder_delay = 5 * QUIC_MS,
                                 .duplicate = 0.01};
    hundred_requests(22, &lossy);
}

static void test_pair_h3_trailers_and_push(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 31, &clean);
    hp.ccfg.max_pushes = 4;
    hp.trailers = true;
    hp.push = true;
    h3pair_start(&hp);
    client_request(&hp, "GET", "/size/5000", NULL, 0);
    client_request(&hp, "GET", "/size/10", NULL, 0);
    run_until_responses(&hp, 10 * QUIC_S);
    /* Each response: HEADERS, body, trailers that end the stream. */
    for (int i = 0; i < 2; i++) {
        const req *r = &hp.reqs[i];
        size_t n = 0;
        const rec_event *last = NULL;
        for (size_t k = 0; k < hp.crec.n; k++)
            if (hp.crec.ev[k].type == H3_EVENT_HEADERS_RECEIVED &&
                hp.crec.ev[k].stream_id == r->id) {
                n++;
                last = &hp.crec.ev[k];
            }
        assert_int_equal(n, 2);
        assert_string_equal(last->text, "x-trailer: done\n");
        assert_true(last->stream_ended);
    }
    expect_body(&hp, &hp.reqs[0], big_body(5000), 5000);
    /* Two promises (push IDs 0 and 1) and their pushed responses. */
    bool done = pair_run(&hp.p, responses_done, &hp, QUIC_S);
    assert_true(done);
    assert_int_equal(
        h3_recorder_count(&hp.crec, H3_EVENT_PUSH_PROMISE_RECEIVED), 2);
    size_t pushed = 0;
    for (size_t k = 0; k < hp.crec.n; k++) {
        const rec_event *e = &hp.crec.ev[k];
        if (e->type == H3_EVENT_DATA_RECEIVED &&
            e->push_id != H3_PUSH_ID_NONE) {
            assert_true(e->push_id <= 1);
            assert_memory_equal(e->text, "p{}", 3);
            pushed++;
        }
    }
    assert_int_equal(pushed, 2);
    assert_false(hp.p.client.terminated);
    h3pair_cleanup(&hp);
}

/* The client's MAX_PUSH_ID bounds the pushes (the seed's
 * NoAvailablePushIDError), raising it allows one more, and a promised push
 * the client cancels (CANCEL_PUSH) reaches the server, whose push stream
 * then refuses the pushed response. */
static void test_pair_h3_push_limit_and_cancel_push(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 33, &clean);
    hp.ccfg.max_pushes = 1;
    hp.push = hp.push_may_fail = true;
    h3pair_start(&hp);
    client_request(&hp, "GET", "/size/10", NULL, 0);
    run_until_responses(&hp, 5 * QUIC_S);
    client_request(&hp, "GET", "/size/20", NULL, 0);
    run_until_responses(&hp, 5 * QUIC_S);
    assert_true(hp.push_rc[0] >= 0);
    assert_int_equal(hp.push_rc[1], H3_ERR_NO_AVAILABLE_PUSH_ID);
    assert_int_equal(
        h3_recorder_count(&hp.crec, H3_EVENT_PUSH_PROMISE_RECEIVED), 1);
    assert_int_equal(
        h3_recorder_find(&hp.crec, H3_EVENT_PUSH_PROMISE_RECEIVED, 0)->push_id,
        0);
    /* One more push allowed; the client cancels it when promised. */
    assert_int_equal(h3_conn_set_max_push_id(hp.client, 1), 0);
    hp.cancel_push_id = 1;
    hp.promise_only = true;
    pair_run(&hp.p, pair_both_terminated, NULL, 100 * QUIC_MS);
    client_request(&hp, "GET", "/size/30", NULL, 0);
    run_until_responses(&hp, 5 * QUIC_S);
    int64_t ps = hp.push_rc[2];
    assert_true(ps >= 0);
    assert_int_equal(
        h3_recorder_count(&hp.crec, H3_EVENT_PUSH_PROMISE_RECEIVED), 2);
    pair_run(&hp.p, pair_both_terminated, NULL, 100 * QUIC_MS);
    const rec_event *c =
        h3_recorder_find(&hp.srec, H3_EVENT_PUSH_CANCELLED, UINT64_MAX);
    assert_non_null(c);
    assert_int_equal(c->push_id, 1);
    static const char *const resp[] = {":status", "200", NULL};
    h3_header h[2];
    size_t n = h3_test_headers(h, 2, resp);
    assert_int_equal(h3_conn_send_headers(hp.server, (uint64_t)ps, h, n, true),
                     H3_ERR_INVALID_STATE);
    /* Push 0's response arrived with its push ID; nothing of push 1. */
    size_t pushed0 = 0;
    for (size_t k = 0; k < hp.crec.n; k++) {
        const rec_event *e = &hp.crec.ev[k];
        if (e->type == H3_EVENT_DATA_RECEIVED && e->push_id == 0)
            pushed0++;
        assert_true(e->type == H3_EVENT_PUSH_PROMISE_RECEIVED ||
                    e->push_id != 1);
    }
    assert_true(pushed0 >= 1);
    assert_false(hp.p.client.terminated);
    h3pair_cleanup(&hp);
}

static void test_pair_h3_goaway_with_requests_in_flight(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 41, &clean);
    h3pair_start(&hp);
    client_request(&hp, "GET", "/size/200000", NULL, 0);
    client_request(&hp, "GET", "/size/300000", NULL, 0);
    /* Run until the server has both requests, then shut down while the
     * responses are still in flight. */
    assert_true(pair_run(&hp.p, server_answered_all, &hp, 5 * QUIC_S));
    assert_false(responses_done(&hp.p, &hp));
    assert_int_equal(h3_conn_send_goaway(hp.server, H3_GOAWAY_AUTO), 0);
    run_until_responses(&hp, 10 * QUIC_S);
    const rec_event *g =
        h3_recorder_find(&hp.crec, H3_EVENT_GOAWAY_RECEIVED, UINT64_MAX);
    assert_non_null(g);
    assert_int_equal(g->id, 8);
    assert_int_equal(h3_conn_get_next_request_stream_id(hp.client),
                     H3_ERR_GOAWAY);
    expect_body(&hp, &hp.reqs[0], big_body(200000), 200000);
    expect_body(&hp, &hp.reqs[1], big_body(300000), 300000);
    /* All done: the server closes with H3_NO_ERROR (§5.2). */
    assert_int_equal(h3_conn_open_request_count(hp.server), 0);
    quic_conn_close(hp.p.server.conn, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE,
                    "shutdown");
    assert_true(pair_run(&hp.p, pair_both_terminated, NULL, 5 * QUIC_S));
    assert_int_equal(
        hp.p.client.terminated_event.u.connection_terminated.error_code,
        H3_NO_ERROR);
    h3pair_cleanup(&hp);
}

static void test_pair_h3_datagrams(void **state) {
    (void)state;
    h3pair hp;
    h3pair_init(&hp, 51, &clean);
    hp.p.client.cfg.max_datagram_frame_size = 1200;
    hp.p.server.cfg.max_datagram_frame_size = 1200;
    hp.ccfg.h3_datagram = hp.scfg.h3_datagram = true;
    h3pair_start(&hp);
    /* A request that stays open, so both sides may send datagrams. */
    int64_t id = h3_conn_get_next_request_stream_id(hp.client);
    static const char *const post[] = {":method", "POST",       ":scheme",
                                       "https",   ":authority", "localhost",
                                       ":path",   "/tunnel",    NULL};
    send_headers(hp.client, (uint64_t)id, post, false);
    hp.n_reqs = 0;
    pair_run(&hp.p, pair_both_terminated, NULL, 100 * QUIC_MS);
    assert_non_null(h3_conn_peer_settings(hp.client));
    assert_true(h3_conn_peer_settings(hp.client)->h3_datagram);
    assert_int_equal(h3_conn_send_datagram(hp.client, (uint64_t)id,
                                           (const uint8_t *)"hello", 5),
                     0);
    pair_run(&hp.p, pair_both_terminated, NULL, 100 * QUIC_MS);
    const rec_event *d =
        h3_recorder_find(&hp.srec, H3_EVENT_DATAGRAM_RECEIVED, (uint64_t)id);
    assert_non_null(d);
    assert_int_equal(d->len, 5);
    assert_memory_equal(d->text, "hello", 5);
    h3pair_cleanup(&hp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_h3_get_16mb),
        cmocka_unit_test(test_pair_h3_post_16mb_echo),
        cmocka_unit_test(test_pair_h3_100_concurrent_requests),
        cmocka_unit_test(test_pair_h3_100_requests_lossy_link),
        cmocka_unit_test(test_pair_h3_trailers_and_push),
        cmocka_unit_test(test_pair_h3_push_limit_and_cancel_push),
        cmocka_unit_test(test_pair_h3_goaway_with_requests_in_flight),
        cmocka_unit_test(test_pair_h3_datagrams),
    };
    return cmocka_run_group_tests_name("pair_h3", tests, NULL, NULL);
}

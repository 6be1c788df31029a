/* tests/unit/h3_conn_push_test.c — server push (RFC 9114 §4.6) between two
 * h3_conn over the fake QUIC connection: promises and pushed responses
 * with their push IDs, the client's MAX_PUSH_ID limit, CANCEL_PUSH from
 * either side, and push streams that overtake their promise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define H3_FAKE_QUIC_DEFINE_API
#include "support/h3_fake_quic.h"

static const char *const get_root[] = {":method", "GET",        ":scheme",
                                       "https",   ":authority", "example.com",
                                       ":path",   "/",          NULL};
static const char *const get_style[] = {":method", "GET",        ":scheme",
                                        "https",   ":authority", "example.com",
                                        ":path",   "/style.css", NULL};
static const char *const resp_200[] = {":status", "200", NULL};

static int send_hdrs(h3_conn *h3, uint64_t id, const char *const *pairs,
                     bool fin) {
    h3_header h[16];
    size_t n = h3_test_headers(h, 16, pairs);
    return h3_conn_send_headers(h3, id, h, n, fin);
}

static int64_t promise(h3_conn *server, uint64_t id, const char *const *pairs) {
    h3_header h[16];
    size_t n = h3_test_headers(h, 16, pairs);
    return h3_conn_send_push_promise(server, id, h, n);
}

/* A pair whose client allows |max_pushes|, with request 0 received by the
 * server. */
static void setup(h3_fake_pair *p, uint64_t max_pushes) {
    h3_config c;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    c.max_pushes = max_pushes;
    h3_fake_pair_init(p, &c, NULL);
    assert_int_equal(h3_conn_get_next_request_stream_id(p->client), 0);
    assert_int_equal(send_hdrs(p->client, 0, get_root, true), 0);
    h3_fake_pair_pump(p);
    assert_non_null(h3_recorder_find(&p->srec, H3_EVENT_HEADERS_RECEIVED, 0));
}

static void test_h3_conn_send_push_promise_pushed_response(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 2);
    int64_t push_stream = promise(p.server, 0, get_style);
    /* Server uni streams: 3 control, 7 encoder, 11 decoder, 15 reserved. */
    assert_int_equal(push_stream, 19);
    assert_int_equal(h3_conn_push_id(p.server, 19), 0);
    assert_int_equal(send_hdrs(p.server, 19, resp_200, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.server, 19, (const uint8_t *)"body{}", 6, true), 0);
    assert_int_equal(send_hdrs(p.server, 0, resp_200, true), 0);
    h3_fake_pair_pump(&p);
    const rec_event *pp =
        h3_recorder_find(&p.crec, H3_EVENT_PUSH_PROMISE_RECEIVED, 0);
    assert_non_null(pp);
    assert_int_equal(pp->push_id, 0);
    assert_string_equal(pp->text, ":method: GET\n:scheme: https\n"
                                  ":authority: example.com\n"
                                  ":path: /style.css\n");
    const rec_event *hr =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, 19);
    assert_non_null(hr);
    assert_int_equal(hr->push_id, 0);
    assert_string_equal(hr->text, ":status: 200\n");
    const rec_event *dr = h3_recorder_find(&p.crec, H3_EVENT_DATA_RECEIVED, 19);
    assert_non_null(dr);
    assert_int_equal(dr->push_id, 0);
    assert_true(dr->stream_ended);
    assert_memory_equal(dr->text, "body{}", 6);
    assert_int_equal(h3_conn_push_id(p.client, 19), H3_PUSH_ID_NONE); /* done */
    /* The request's own response carries no push ID. */
    hr = h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, 0);
    assert_int_equal(hr->push_id, H3_PUSH_ID_NONE);
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_push_promise_limit(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 1);
    assert_true(promise(p.server, 0, get_style) >= 0);
    /* MAX_PUSH_ID 0: one push only. */
    assert_int_equal(promise(p.server, 0, get_style),
                     H3_ERR_NO_AVAILABLE_PUSH_ID);
    /* The client raises it; once the server has read it, push 1 works. */
    assert_int_equal(h3_conn_set_max_push_id(p.client, 1), 0);
    assert_int_equal(h3_conn_set_max_push_id(p.client, 0),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(promise(p.server, 0, get_style),
                     H3_ERR_NO_AVAILABLE_PUSH_ID);
    h3_fake_pair_pump(&p);
    int64_t s = promise(p.server, 0, get_style);
    assert_true(s >= 0);
    assert_int_equal(h3_conn_push_id(p.server, (uint64_t)s), 1);
    /* Only servers push; only clients set MAX_PUSH_ID. */
    assert_int_equal(promise(p.client, 0, get_style), H3_ERR_INVALID_STATE);
    assert_int_equal(h3_conn_set_max_push_id(p.server, 9),
                     H3_ERR_INVALID_STATE);
    /* A promised request must be a valid request. */
    static const char *const bad[] = {":method", "GET", NULL};
    assert_int_equal(h3_conn_set_max_push_id(p.client, 10), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(promise(p.server, 0, bad), H3_ERR_INVALID_ARGUMENT);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_push_promise_without_max_push_id(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 0);
    /* §4.6: "a server cannot push until it receives a MAX_PUSH_ID". */
    assert_int_equal(promise(p.server, 0, get_style),
                     H3_ERR_NO_AVAILABLE_PUSH_ID);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_cancel_push_by_client(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 4);
    int64_t s0 = promise(p.server, 0, get_style);
    int64_t s1 = promise(p.server, 0, get_style);
    assert_true(s0 >= 0 && s1 >= 0);
    /* Deliver only the promises (request stream 0, and the encoder
     * stream they may refer to). */
    quic_event ev;
    while (fake_quic_next_output_for(p.sq, 0, &ev) ||
           fake_quic_next_output_for(p.sq, 7, &ev)) {
        assert_int_equal(h3_conn_handle_event(p.client, &ev), 0);
        h3_recorder_drain(&p.crec, p.client);
    }
    assert_int_equal(h3_recorder_count(&p.crec, H3_EVENT_PUSH_PROMISE_RECEIVED),
                     2);
    /* Push 0 refused before its stream arrived; push 1 after. */
    assert_int_equal(h3_conn_cancel_push(p.client, 0), 0);
    assert_int_equal(h3_conn_cancel_push(p.client, 0), H3_ERR_INVALID_STATE);
    assert_int_equal(h3_conn_cancel_push(p.client, 4), H3_ERR_INVALID_ARGUMENT);
    h3_fake_pair_pump(&p);
    /* The server was told and reset push stream 0 (§7.2.3). */
    const rec_event *c =
        h3_recorder_find(&p.srec, H3_EVENT_PUSH_CANCELLED, UINT64_MAX);
    assert_non_null(c);
    assert_int_equal(c->push_id, 0);
    fake_stream *ps0 = fake_quic_stream(p.sq, (uint64_t)s0);
    assert_true(ps0->reset);
    assert_int_equal(ps0->reset_code, H3_REQUEST_CANCELLED);
    assert_int_equal(send_hdrs(p.server, (uint64_t)s0, resp_200, true),
                     H3_ERR_INVALID_STATE);
    /* Push 1's stream is open at the client: cancelling stops it. */
    assert_int_equal(send_hdrs(p.server, (uint64_t)s1, resp_200, false), 0);
    h3_fake_pair_pump(&p);
    assert_non_null(
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)s1));
    assert_int_equal(h3_conn_cancel_push(p.client, 1), 0);
    fake_stream *cs1 = fake_quic_stream(p.cq, (uint64_t)s1);
    assert_true(cs1->stopped);
    assert_int_equal(cs1->stop_code, H3_REQUEST_CANCELLED);
    assert_false(p.cq->closed);
    assert_false(p.sq->closed);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_cancel_push_by_server(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 4);
    int64_t s0 = promise(p.server, 0, get_style);
    assert_true(s0 >= 0);
    assert_int_equal(h3_conn_cancel_push(p.server, 0), 0);
    assert_int_equal(h3_conn_cancel_push(p.server, 1), H3_ERR_INVALID_ARGUMENT);
    assert_true(fake_quic_stream(p.sq, (uint64_t)s0)->reset);
    h3_fake_pair_pump(&p);
    const rec_event *c =
        h3_recorder_find(&p.crec, H3_EVENT_PUSH_CANCELLED, UINT64_MAX);
    assert_non_null(c);
    assert_int_equal(c->push_id, 0);
    /* The push stream's reset reaches the client as a StreamReset with
     * the push ID. */
    const rec_event *r =
        h3_recorder_find(&p.crec, H3_EVENT_STREAM_RESET, (uint64_t)s0);
    if (r)
        assert_int_equal(r->push_id, 0);
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

/* §4.6: "push stream data can arrive before the corresponding
 * PUSH_PROMISE". */
static void test_h3_conn_push_stream_before_promise(void **state) {
    (void)state;
    h3_fake_pair p;
    setup(&p, 1);
    int64_t s = promise(p.server, 0, get_style);
    assert_int_equal(send_hdrs(p.server, (uint64_t)s, resp_200, true), 0);
    quic_event ev;
    while (fake_quic_next_output_for(p.sq, (uint64_t)s, &ev)) {
        assert_int_equal(h3_conn_handle_event(p.client, &ev), 0);
        h3_recorder_drain(&p.crec, p.client);
    }
    const rec_event *hr =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)s);
    assert_non_null(hr);
    assert_int_equal(hr->push_id, 0);
    assert_true(hr->stream_ended);
    assert_null(
        h3_recorder_find(&p.crec, H3_EVENT_PUSH_PROMISE_RECEIVED, UINT64_MAX));
    h3_fake_pair_pump(&p);
    assert_non_null(
        h3_recorder_find(&p.crec, H3_EVENT_PUSH_PROMISE_RECEIVED, 0));
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_send_push_promise_pushed_response),
        cmocka_unit_test(test_h3_conn_send_push_promise_limit),
        cmocka_unit_test(test_h3_conn_send_push_promise_without_max_push_id),
        cmocka_unit_test(test_h3_conn_cancel_push_by_client),
        cmocka_unit_test(test_h3_conn_cancel_push_by_server),
        cmocka_unit_test(test_h3_conn_push_stream_before_promise),
    };
    return cmocka_run_group_tests_name("h3_conn_push", tests, NULL, NULL);
}

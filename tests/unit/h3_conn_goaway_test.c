/* tests/unit/h3_conn_goaway_test.c — graceful shutdown (RFC 9114 §5.2) and
 * HTTP/3 datagrams (RFC 9297) between two h3_conn over the fake QUIC
 * connection: GOAWAY with requests in flight, rejection of later requests,
 * the two-step shutdown, a client's GOAWAY for pushes, and datagrams tied
 * to request streams when both sides enabled them. */
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
static const char *const resp_200[] = {":status", "200", NULL};

static int send_hdrs(h3_conn *h3, uint64_t id, const char *const *pairs,
                     bool fin) {
    h3_header h[16];
    size_t n = h3_test_headers(h, 16, pairs);
    return h3_conn_send_headers(h3, id, h, n, fin);
}

static void request(h3_fake_pair *p, uint64_t want_id) {
    int64_t id = h3_conn_get_next_request_stream_id(p->client);
    assert_int_equal(id, want_id);
    assert_int_equal(send_hdrs(p->client, (uint64_t)id, get_root, true), 0);
}

static void respond(h3_fake_pair *p, uint64_t id) {
    assert_int_equal(send_hdrs(p->server, id, resp_200, false), 0);
    assert_int_equal(
        h3_conn_send_data(p->server, id, (const uint8_t *)"done", 4, true), 0);
}

/* ---- GOAWAY -------------------------------------------------------------- */

static void test_h3_conn_send_goaway_with_requests_in_flight(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    request(&p, 0);
    request(&p, 4);
    h3_fake_pair_pump(&p);
    /* The server has seen 0 and 4: GOAWAY names 8. */
    assert_int_equal(h3_conn_send_goaway(p.server, H3_GOAWAY_AUTO), 0);
    h3_fake_pair_pump(&p);
    const rec_event *g =
        h3_recorder_find(&p.crec, H3_EVENT_GOAWAY_RECEIVED, UINT64_MAX);
    assert_non_null(g);
    assert_int_equal(g->id, 8);
    /* §5.2: no new requests... */
    assert_int_equal(h3_conn_get_next_request_stream_id(p.client),
                     H3_ERR_GOAWAY);
    assert_int_equal(send_hdrs(p.client, 8, get_root, true), H3_ERR_GOAWAY);
    /* ...but those below the ID complete. */
    assert_int_equal(h3_conn_open_request_count(p.server), 2);
    respond(&p, 0);
    respond(&p, 4);
    h3_fake_pair_pump(&p);
    for (uint64_t id = 0; id <= 4; id += 4) {
        size_t len;
        bool ended;
        uint8_t *body = h3_recorder_body(&p.crec, id, &len, &ended);
        assert_int_equal(len, 4);
        assert_true(ended);
        free(body);
    }
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    assert_int_equal(h3_conn_open_request_count(p.client), 0);
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_goaway_rejects_later_requests(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    request(&p, 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_conn_send_goaway(p.server, H3_GOAWAY_AUTO), 0);
    /* Request 4 crosses the GOAWAY on the wire. */
    request(&p, 4);
    h3_fake_pair_pump(&p);
    assert_null(h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, 4));
    fake_stream *s = fake_quic_stream(p.sq, 4);
    assert_true(s->reset);
    assert_int_equal(s->reset_code, H3_REQUEST_REJECTED);
    assert_true(s->stopped);
    const rec_event *r = h3_recorder_find(&p.crec, H3_EVENT_STREAM_RESET, 4);
    assert_non_null(r);
    assert_int_equal(r->error_code, H3_REQUEST_REJECTED);
    assert_false(r->local);
    assert_int_equal(send_hdrs(p.server, 4, resp_200, true),
                     H3_ERR_INVALID_STATE);
    respond(&p, 0);
    h3_fake_pair_pump(&p);
    assert_non_null(h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, 0));
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_goaway_two_steps(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    const uint64_t max_server_id = (UINT64_C(1) << 62) - 4;
    /* §5.2: first the largest ID (stop new requests), then the real one. */
    assert_int_equal(h3_conn_send_goaway(p.server, max_server_id), 0);
    request(&p, 0); /* in flight when the first GOAWAY is sent */
    h3_fake_pair_pump(&p);
    assert_non_null(h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, 0));
    assert_int_equal(h3_conn_send_goaway(p.server, H3_GOAWAY_AUTO), 0);
    /* The ID may not grow, and must be a client request stream ID. */
    assert_int_equal(h3_conn_send_goaway(p.server, 8), H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_conn_send_goaway(p.server, 2), H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_conn_send_goaway(p.server, 0), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.crec, H3_EVENT_GOAWAY_RECEIVED), 3);
    assert_int_equal(p.crec.ev[p.crec.n - 1].id, 0);
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_goaway_from_client(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    c.max_pushes = 8;
    h3_fake_pair p;
    h3_fake_pair_init(&p, &c, NULL);
    request(&p, 0);
    h3_fake_pair_pump(&p);
    static const char *const pushed[] = {":method", "GET",        ":scheme",
                                         "https",   ":authority", "example.com",
                                         ":path",   "/p",         NULL};
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, pushed);
    assert_true(h3_conn_send_push_promise(p.server, 0, h, n) >= 0);
    h3_fake_pair_pump(&p);
    /* The client has seen push 0: its GOAWAY names push ID 1. */
    assert_int_equal(h3_conn_send_goaway(p.client, H3_GOAWAY_AUTO), 0);
    h3_fake_pair_pump(&p);
    const rec_event *g =
        h3_recorder_find(&p.srec, H3_EVENT_GOAWAY_RECEIVED, UINT64_MAX);
    assert_non_null(g);
    assert_int_equal(g->id, 1);
    /* §5.2: the server promises no push at or above it. */
    assert_int_equal(h3_conn_send_push_promise(p.server, 0, h, n),
                     H3_ERR_NO_AVAILABLE_PUSH_ID);
    h3_fake_pair_cleanup(&p);
}

/* ---- HTTP/3 datagrams ------------------------------------------------------
 */

static void datagram_pair(h3_fake_pair *p, bool client_on, bool server_on) {
    h3_config c, s;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    c.h3_datagram = client_on;
    h3_config_init(&s, false);
    s.allocator = &h3_test_allocator;
    s.h3_datagram = server_on;
    h3_fake_pair_init(p, &c, &s);
    request(p, 0);
    request(p, 4);
}

static void test_h3_conn_send_datagram_roundtrip(void **state) {
    (void)state;
    h3_fake_pair p;
    datagram_pair(&p, true, true);
    h3_fake_pair_pump(&p);
    /* The request side may be closed for sending: 0 and 4 ended with
     * their HEADERS, so the client cannot send for them any more. */
    assert_int_equal(
        h3_conn_send_datagram(p.client, 0, (const uint8_t *)"x", 1),
        H3_ERR_INVALID_STATE);
    /* The server's send side is open. */
    assert_int_equal(
        h3_conn_send_datagram(p.server, 4, (const uint8_t *)"ping", 4), 0);
    assert_int_equal(h3_conn_send_datagram(p.server, 0, NULL, 0), 0);
    /* Quarter stream ID 1 (RFC 9297 §2.1), then the payload. */
    assert_int_equal(p.sq->n_datagrams, 2);
    assert_int_equal(p.sq->datagrams[0].len, 5);
    assert_memory_equal(p.sq->datagrams[0].data, "\x01ping", 5);
    h3_fake_pair_pump(&p);
    const rec_event *d =
        h3_recorder_find(&p.crec, H3_EVENT_DATAGRAM_RECEIVED, 4);
    assert_non_null(d);
    assert_int_equal(d->len, 4);
    assert_memory_equal(d->text, "ping", 4);
    d = h3_recorder_find(&p.crec, H3_EVENT_DATAGRAM_RECEIVED, 0);
    assert_non_null(d);
    assert_int_equal(d->len, 0);
    /* Too large for the QUIC connection's DATAGRAM limit. */
    static uint8_t big[1300];
    assert_int_equal(h3_conn_send_datagram(p.server, 4, big, sizeof(big)),
                     H3_ERR_INVALID_ARGUMENT);
    /* Not a request stream. */
    assert_int_equal(h3_conn_send_datagram(p.server, 3, big, 1),
                     H3_ERR_INVALID_ARGUMENT);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_datagram_needs_both_settings(void **state) {
    (void)state;
    for (int i = 0; i < 2; i++) {
        h3_fake_pair p;
        datagram_pair(&p, i == 0, i == 1);
        h3_fake_pair_pump(&p);
        /* RFC 9297 §2.1.1: only after H3_DATAGRAM=1 both ways. */
        assert_int_equal(
            h3_conn_send_datagram(p.server, 4, (const uint8_t *)"x", 1),
            H3_ERR_INVALID_STATE);
        assert_int_equal(p.sq->n_datagrams, 0);
        h3_fake_pair_cleanup(&p);
    }
}

static void test_h3_conn_datagram_for_closed_stream_dropped(void **state) {
    (void)state;
    h3_fake_pair p;
    datagram_pair(&p, true, true);
    h3_fake_pair_pump(&p);
    assert_int_equal(
        h3_conn_send_datagram(p.server, 4, (const uint8_t *)"late", 4), 0);
    respond(&p, 4);
    /* The response ends before the datagram is delivered (the fake sends
     * stream data first): §2.1 says drop it. */
    h3_fake_pair_pump(&p);
    assert_null(h3_recorder_find(&p.crec, H3_EVENT_DATAGRAM_RECEIVED, 4));
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_send_goaway_with_requests_in_flight),
        cmocka_unit_test(test_h3_conn_send_goaway_rejects_later_requests),
        cmocka_unit_test(test_h3_conn_send_goaway_two_steps),
        cmocka_unit_test(test_h3_conn_send_goaway_from_client),
        cmocka_unit_test(test_h3_conn_send_datagram_roundtrip),
        cmocka_unit_test(test_h3_conn_send_datagram_needs_both_settings),
        cmocka_unit_test(test_h3_conn_datagram_for_closed_stream_dropped),
    };
    return cmocka_run_group_tests_name("h3_conn_goaway", tests, NULL, NULL);
}

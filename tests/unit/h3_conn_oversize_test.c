/* tests/unit/h3_conn_oversize_test.c — header sections over
 * SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §4.2.2) between a client and a
 * server h3_conn over the fake QUIC connection: a server decodes a request
 * up to h3_config.max_oversized_request_section and lets the application
 * answer 431 (the rest of the request stopped with H3_NO_ERROR, §4.1);
 * larger requests, oversized trailers and oversized responses are reset
 * with H3_EXCESSIVE_LOAD; a sender refuses an oversized section unless
 * told to send it anyway. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define H3_FAKE_QUIC_DEFINE_API
#include "support/h3_fake_quic.h"

#define GET_REQUEST(path)                                                      \
    ":method", "GET", ":scheme", "https", ":authority", "example.com",         \
        ":path", path

/* A value of |len| 'a' bytes (static, NUL-terminated). */
static const char *big_value(size_t len) {
    static char buf[100001];
    assert_true(len < sizeof(buf));
    memset(buf, 'a', len);
    buf[len] = '\0';
    return buf;
}

static int send_hdrs(h3_conn *h3, uint64_t id, const char *const *pairs,
                     bool fin) {
    h3_header h[32];
    size_t n = h3_test_headers(h, 32, pairs);
    return h3_conn_send_headers(h3, id, h, n, fin);
}

static void pair_new(h3_fake_pair *p, bool client_sends_anyway,
                     uint64_t oversized_limit, uint64_t client_field_limit) {
    h3_config c, s;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    c.send_oversized_sections = client_sends_anyway;
    if (client_field_limit)
        c.max_field_section_size = client_field_limit;
    h3_config_init(&s, false);
    s.allocator = &h3_test_allocator;
    s.max_oversized_request_section = oversized_limit;
    s.send_oversized_sections = true;
    h3_fake_pair_init(p, &c, &s);
}

/* A GET on stream 0 with |n_big| fields of 100000 bytes each. */
static void send_big_get(h3_fake_pair *p, int n_big, bool fin) {
    const char *v = big_value(100000);
    const char *const req[] = {GET_REQUEST("/big"),
                               "x-big-1",
                               v,
                               n_big > 1 ? "x-big-2" : NULL,
                               v,
                               n_big > 2 ? "x-big-3" : NULL,
                               v,
                               NULL};
    assert_int_equal(send_hdrs(p->client, 0, req, fin), 0);
    h3_fake_pair_pump(p);
}

static void expect_reset_by_server(h3_fake_pair *p, uint64_t code) {
    const fake_stream *fs = fake_quic_stream(p->sq, 0);
    assert_non_null(fs);
    assert_true(fs->reset);
    assert_int_equal(fs->reset_code, code);
    assert_true(fs->stopped);
    assert_int_equal(fs->stop_code, code);
    assert_false(p->sq->closed);
    assert_false(p->cq->closed);
    /* The client's application hears of it. */
    const rec_event *r =
        h3_recorder_find(&p->crec, H3_EVENT_STREAM_RESET, (uint64_t)0);
    assert_non_null(r);
    assert_int_equal(r->error_code, code);
}

/* A good request after a refused one is served: the connection lives. */
static void expect_next_request_works(h3_fake_pair *p) {
    const char *const req[] = {GET_REQUEST("/small"), NULL};
    assert_int_equal(send_hdrs(p->client, 4, req, true), 0);
    h3_fake_pair_pump(p);
    const rec_event *e =
        h3_recorder_find(&p->srec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)4);
    assert_non_null(e);
    assert_false(e->too_large);
    assert_true(e->stream_ended);
}

static void test_h3_conn_oversized_request_answered_431(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, true, 256 * 1024, 0);
    send_big_get(&p, 1, false);
    const rec_event *e =
        h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)0);
    assert_non_null(e);
    assert_true(e->too_large);
    assert_true(e->stream_ended); /* nothing more is read */
    assert_int_equal(e->count, 5);
    assert_non_null(strstr(e->text, ":path: /big\n"));
    /* §4.1: the rest of the request is stopped with H3_NO_ERROR. */
    const fake_stream *fs = fake_quic_stream(p.sq, 0);
    assert_true(fs->stopped);
    assert_int_equal(fs->stop_code, H3_NO_ERROR);
    assert_false(fs->reset);
    /* The application answers 431 on the open sending side. */
    const char *const resp[] = {":status", "431", NULL};
    assert_int_equal(send_hdrs(p.server, 0, resp, true), 0);
    h3_fake_pair_pump(&p);
    const rec_event *r =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)0);
    assert_non_null(r);
    assert_string_equal(r->text, ":status: 431\n");
    assert_true(r->stream_ended);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    /* Data the client still sends is not delivered. */
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_DATA_RECEIVED), 0);
    expect_next_request_works(&p);
    h3_fake_pair_cleanup(&p);
}

/* A request that ended with its headers: answered, and the stream is
 * released once the answer is sent (QUIC has nothing after the FIN). */
static void test_h3_conn_oversized_request_ended_answered(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, true, 256 * 1024, 0);
    send_big_get(&p, 1, true);
    const rec_event *e =
        h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)0);
    assert_non_null(e);
    assert_true(e->too_large);
    assert_true(e->stream_ended);
    const char *const resp[] = {":status", "431", NULL};
    assert_int_equal(send_hdrs(p.server, 0, resp, true), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    h3_fake_pair_cleanup(&p);
}

/* Over max_oversized_request_section (3 x 100000 > 256 KiB): not decoded,
 * the stream is reset with H3_EXCESSIVE_LOAD and the server application
 * sees nothing of it. */
static void test_h3_conn_oversized_request_beyond_limit_reset(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, true, 256 * 1024, 0);
    send_big_get(&p, 3, true);
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_HEADERS_RECEIVED), 0);
    expect_reset_by_server(&p, H3_EXCESSIVE_LOAD);
    expect_next_request_works(&p);
    h3_fake_pair_cleanup(&p);
}

/* max_oversized_request_section 0: every request over the limit is
 * reset, as without the 431 path. */
static void test_h3_conn_oversized_request_431_off(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, true, 0, 0);
    send_big_get(&p, 1, true);
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_HEADERS_RECEIVED), 0);
    expect_reset_by_server(&p, H3_EXCESSIVE_LOAD);
    h3_fake_pair_cleanup(&p);
}

/* Trailers are no request to answer: over the limit they are reset. */
static void test_h3_conn_oversized_trailers_reset(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, true, 256 * 1024, 0);
    const char *const req[] = {GET_REQUEST("/"), NULL};
    assert_int_equal(send_hdrs(p.client, 0, req, false), 0);
    const char *const tr[] = {"x-big", big_value(100000), NULL};
    assert_int_equal(send_hdrs(p.client, 0, tr, true), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_HEADERS_RECEIVED), 1);
    const rec_event *e =
        h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)0);
    assert_false(e->too_large);
    expect_reset_by_server(&p, H3_EXCESSIVE_LOAD);
    /* The server application knew the stream: it hears of the reset. */
    const rec_event *r =
        h3_recorder_find(&p.srec, H3_EVENT_STREAM_RESET, (uint64_t)0);
    assert_non_null(r);
    assert_true(r->local);
    h3_fake_pair_cleanup(&p);
}

/* A client decodes responses only up to its own limit (1024 here). */
static void test_h3_conn_oversized_response_reset(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, false, 256 * 1024, 1024);
    const char *const req[] = {GET_REQUEST("/"), NULL};
    assert_int_equal(send_hdrs(p.client, 0, req, true), 0);
    h3_fake_pair_pump(&p);
    const char *const resp[] = {":status", "200", "x-big", big_value(2000),
                                NULL};
    assert_int_equal(send_hdrs(p.server, 0, resp, true), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.crec, H3_EVENT_HEADERS_RECEIVED), 0);
    const rec_event *r =
        h3_recorder_find(&p.crec, H3_EVENT_STREAM_RESET, (uint64_t)0);
    assert_non_null(r);
    assert_true(r->local);
    assert_int_equal(r->error_code, H3_EXCESSIVE_LOAD);
    const fake_stream *fs = fake_quic_stream(p.cq, 0);
    assert_true(fs->stopped);
    assert_int_equal(fs->stop_code, H3_EXCESSIVE_LOAD);
    assert_false(p.cq->closed);
    h3_fake_pair_cleanup(&p);
}

/* Without send_oversized_sections the sender refuses (the server's
 * SETTINGS say 65536); nothing is queued. */
static void test_h3_conn_send_headers_oversized_refused(void **state) {
    (void)state;
    h3_fake_pair p;
    pair_new(&p, false, 256 * 1024, 0);
    const char *const req[] = {GET_REQUEST("/"), "x-big", big_value(70000),
                               NULL};
    assert_int_equal(send_hdrs(p.client, 0, req, true),
                     H3_ERR_INVALID_ARGUMENT);
    assert_null(fake_quic_stream(p.cq, 0));
    h3_fake_pair_cleanup(&p);
}

static void feed(h3_conn *h3, uint64_t id, const uint8_t *data, size_t len,
                 bool fin) {
    quic_event ev = h3_test_stream_data(id, data, len, fin);
    assert_int_equal(h3_conn_handle_event(h3, &ev), 0);
}

/* A request blocked on a QPACK insert (RFC 9204 §2.1.2) that turns out too
 * large once decoded: still a 431 case, through the resumed section. The
 * section references one 3000-byte entry 22 times (66,893 bytes). */
static void test_h3_conn_oversized_request_after_blocking(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, false);
    c.allocator = &h3_test_allocator;
    fake_quic *q = fake_quic_new(false);
    h3_conn *h3;
    assert_int_equal(h3_conn_new(&h3, q, &c), 0);
    h3_recorder rec = {0};
    /* HEADERS: Required Insert Count 1, Base 1; :method GET, :scheme
     * https, :path /, :authority "a", then 22 x dynamic index 0. */
    uint8_t req[2 + 8 + 22];
    memcpy(req,
           "\x01\x1e\x02\x00\xd1\xd7\xc1\x50\x01"
           "a",
           10);
    memset(req + 10, 0x80, 22);
    feed(h3, 0, req, sizeof(req), true);
    h3_recorder_drain(&rec, h3);
    assert_int_equal(h3_recorder_count(&rec, H3_EVENT_HEADERS_RECEIVED), 0);
    /* The encoder stream: capacity 4096, insert "x" = 3000 x 'a'. */
    static uint8_t enc[9 + 3000];
    memcpy(enc, "\x02\x3f\xe1\x1f\x41x\x7f\xb9\x16", 9);
    memset(enc + 9, 'a', 3000);
    feed(h3, 2, enc, sizeof(enc), false);
    h3_recorder_drain(&rec, h3);
    const rec_event *e =
        h3_recorder_find(&rec, H3_EVENT_HEADERS_RECEIVED, (uint64_t)0);
    assert_non_null(e);
    assert_true(e->too_large);
    assert_true(e->stream_ended);
    assert_int_equal(e->count, 26);
    assert_false(q->closed);
    const char *const resp[] = {":status", "431", NULL};
    assert_int_equal(send_hdrs(h3, 0, resp, true), 0);
    assert_int_equal(h3_conn_open_request_count(h3), 0);
    h3_conn_free(h3);
    fake_quic_free(q);
    h3_recorder_free(&rec);
}

static void test_h3_conn_new_rejects_bad_oversized_limit(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, false);
    assert_int_equal(c.max_oversized_request_section, 256 * 1024);
    assert_false(c.send_oversized_sections);
    c.max_oversized_request_section = (64u << 20) + 1;
    fake_quic *q = fake_quic_new(false);
    h3_conn *h3 = NULL;
    assert_int_equal(h3_conn_new(&h3, q, &c), H3_ERR_INVALID_ARGUMENT);
    assert_null(h3);
    fake_quic_free(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_oversized_request_answered_431),
        cmocka_unit_test(test_h3_conn_oversized_request_ended_answered),
        cmocka_unit_test(test_h3_conn_oversized_request_beyond_limit_reset),
        cmocka_unit_test(test_h3_conn_oversized_request_431_off),
        cmocka_unit_test(test_h3_conn_oversized_trailers_reset),
        cmocka_unit_test(test_h3_conn_oversized_response_reset),
        cmocka_unit_test(test_h3_conn_send_headers_oversized_refused),
        cmocka_unit_test(test_h3_conn_oversized_request_after_blocking),
        cmocka_unit_test(test_h3_conn_new_rejects_bad_oversized_limit),
    };
    return cmocka_run_group_tests_name("h3_conn_oversize", tests, NULL, NULL);
}

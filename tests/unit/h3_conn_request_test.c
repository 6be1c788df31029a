/* tests/unit/h3_conn_request_test.c — HTTP/3 requests and responses between
 * a client and a server h3_conn over the fake QUIC connection: the streams
 * each side opens, GET and POST with bodies (whole and byte by byte),
 * trailers, interim responses, HEAD, concurrency, QPACK blocking, zero-copy
 * sends, cancellation and the caller-misuse errors of the send API. */
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

#include "core/varint.h"
#include "h3/frame.h"
#include "h3/settings.h"

#define GET_REQUEST(path)                                                      \
    ":method", "GET", ":scheme", "https", ":authority", "example.com",         \
        ":path", path

static const char *const get_root[] = {GET_REQUEST("/"), NULL};
static const char *const resp_200[] = {":status", "200", NULL};

/* Sends |pairs| as headers on |id|. */
static int send_hdrs(h3_conn *h3, uint64_t id, const char *const *pairs,
                     bool fin) {
    h3_header h[32];
    size_t n = h3_test_headers(h, 32, pairs);
    return h3_conn_send_headers(h3, id, h, n, fin);
}

static uint64_t next_request(h3_conn *client) {
    int64_t id = h3_conn_get_next_request_stream_id(client);
    assert_true(id >= 0);
    return (uint64_t)id;
}

/* ---- Streams opened at creation ------------------------------------------ */

/* Parses a control stream's frames after its type byte. */
static void expect_control_stream(const fake_stream *s, const h3_settings *want,
                                  bool grease, int64_t max_push_id) {
    assert_non_null(s);
    assert_false(s->fin);
    assert_int_equal(s->data[0], H3_STREAM_TYPE_CONTROL);
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 4096, 65536);
    const uint8_t *in = s->data + 1;
    size_t left = s->len - 1, used;
    h3_frame_event fe;
    assert_int_equal(h3_frame_parser_next(&p, in, left, false, &used, &fe), 0);
    assert_int_equal(fe.type, H3_FRAME_EV_FRAME);
    assert_int_equal(fe.frame_type, H3_FRAME_SETTINGS);
    h3_settings got;
    assert_int_equal(h3_settings_decode(&got, fe.data, fe.len), 0);
    assert_memory_equal(&got, want, sizeof(got));
    in += used, left -= used;
    if (grease) {
        assert_int_equal(h3_frame_parser_next(&p, in, left, false, &used, &fe),
                         0);
        assert_int_equal(fe.type, H3_FRAME_EV_UNKNOWN);
        assert_true(h3_is_grease(fe.frame_type));
        in += used, left -= used;
    }
    if (max_push_id >= 0) {
        assert_int_equal(h3_frame_parser_next(&p, in, left, false, &used, &fe),
                         0);
        assert_int_equal(fe.frame_type, H3_FRAME_MAX_PUSH_ID);
        assert_int_equal(fe.id, (uint64_t)max_push_id);
        in += used, left -= used;
    }
    assert_int_equal(left, 0);
    h3_frame_parser_free(&p);
}

static void test_h3_conn_new_opens_control_and_qpack_streams(void **state) {
    (void)state;
    fake_quic *q = fake_quic_new(true);
    h3_config cfg;
    h3_config_init(&cfg, true);
    cfg.allocator = &h3_test_allocator;
    cfg.max_pushes = 4;
    cfg.h3_datagram = true;
    h3_conn *h3;
    assert_int_equal(h3_conn_new(&h3, q, &cfg), 0);
    h3_settings want;
    h3_settings_default(&want);
    want.qpack_max_table_capacity = 4096;
    want.qpack_blocked_streams = 100;
    want.max_field_section_size = 65536;
    want.h3_datagram = true;
    /* Client uni streams 2, 6, 10, 14 (RFC 9000 §2.1): control first. */
    expect_control_stream(fake_quic_stream(q, 2), &want, true, 3);
    const fake_stream *enc = fake_quic_stream(q, 6),
                      *dec = fake_quic_stream(q, 10);
    assert_int_equal(enc->len, 1);
    assert_int_equal(enc->data[0], H3_STREAM_TYPE_QPACK_ENCODER);
    assert_int_equal(dec->len, 1);
    assert_int_equal(dec->data[0], H3_STREAM_TYPE_QPACK_DECODER);
    const fake_stream *grease = fake_quic_stream(q, 14);
    assert_non_null(grease);
    assert_true(grease->fin);
    uint64_t type;
    assert_non_null(
        quic_get_varint(grease->data, grease->data + grease->len, &type));
    assert_true(h3_is_grease(type));
    h3_conn_free(h3);
    fake_quic_free(q);
}

static void test_h3_conn_new_waits_for_stream_credit(void **state) {
    (void)state;
    fake_quic *q = fake_quic_new(false);
    q->max_uni = 0;
    h3_config cfg;
    h3_config_init(&cfg, false);
    cfg.allocator = &h3_test_allocator;
    cfg.send_grease = false;
    h3_conn *h3;
    assert_int_equal(h3_conn_new(&h3, q, &cfg), 0);
    assert_int_equal(q->n_streams, 0);
    /* The peer grants streams; the next input opens ours (server: 3, 7,
     * 11). */
    q->max_uni = 3;
    quic_event ev = {.type = QUIC_EVENT_HANDSHAKE_COMPLETED};
    assert_int_equal(h3_conn_handle_event(h3, &ev), 0);
    assert_non_null(fake_quic_stream(q, 3));
    assert_int_equal(fake_quic_stream(q, 7)->data[0],
                     H3_STREAM_TYPE_QPACK_ENCODER);
    assert_int_equal(fake_quic_stream(q, 11)->data[0],
                     H3_STREAM_TYPE_QPACK_DECODER);
    assert_null(fake_quic_stream(q, 15));
    h3_conn_free(h3);
    fake_quic_free(q);
}

static void test_h3_conn_new_rejects_bad_config(void **state) {
    (void)state;
    fake_quic *q = fake_quic_new(true);
    h3_config cfg;
    h3_conn *h3 = (h3_conn *)q;
    h3_config_init(&cfg, true);
    cfg.max_field_section_size = 100; /* below qpack's 1024 */
    assert_int_equal(h3_conn_new(&h3, q, &cfg), H3_ERR_INVALID_ARGUMENT);
    assert_null(h3);
    h3_config_init(&cfg, true);
    assert_int_equal(h3_conn_new(&h3, NULL, &cfg), H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(q->n_streams, 0);
    fake_quic_free(q);
}

static void test_h3_conn_peer_settings_event(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_config c, s;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    h3_config_init(&s, false);
    s.allocator = &h3_test_allocator;
    s.enable_connect_protocol = true;
    s.max_field_section_size = 2048;
    h3_fake_pair_init(&p, &c, &s);
    assert_non_null(
        h3_recorder_find(&p.crec, H3_EVENT_SETTINGS_RECEIVED, UINT64_MAX));
    const h3_settings *ps = h3_conn_peer_settings(p.client);
    assert_non_null(ps);
    assert_true(ps->enable_connect_protocol);
    assert_int_equal(ps->max_field_section_size, 2048);
    assert_int_equal(h3_conn_peer_settings(p.server)->qpack_blocked_streams,
                     100);
    /* The grease streams were stopped as unknown types (§6.2). */
    assert_true(fake_quic_stream(p.sq, 14)->stopped);
    assert_int_equal(fake_quic_stream(p.sq, 14)->stop_code,
                     H3_STREAM_CREATION_ERROR);
    assert_false(p.cq->closed);
    assert_false(p.sq->closed);
    h3_fake_pair_cleanup(&p);
}

/* ---- Requests and responses ---------------------------------------------- */

static void test_h3_conn_send_headers_get_roundtrip(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    uint64_t id = next_request(p.client);
    assert_int_equal(id, 0);
    assert_int_equal(send_hdrs(p.client, id, get_root, true), 0);
    h3_fake_pair_pump(&p);
    const rec_event *req =
        h3_recorder_find(&p.srec, H3_EVENT_HEADERS_RECEIVED, id);
    assert_non_null(req);
    assert_string_equal(req->text, ":method: GET\n:scheme: https\n"
                                   ":authority: example.com\n:path: /\n");
    assert_true(req->stream_ended);
    assert_int_equal(req->push_id, H3_PUSH_ID_NONE);
    static const char *const resp[] = {":status", "200", "content-length", "5",
                                       NULL};
    assert_int_equal(send_hdrs(p.server, id, resp, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.server, id, (const uint8_t *)"hello", 5, true), 0);
    h3_fake_pair_pump(&p);
    const rec_event *hr =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, id);
    assert_non_null(hr);
    assert_string_equal(hr->text, ":status: 200\ncontent-length: 5\n");
    assert_false(hr->stream_ended);
    size_t len;
    bool ended;
    uint8_t *body = h3_recorder_body(&p.crec, id, &len, &ended);
    assert_int_equal(len, 5);
    assert_memory_equal(body, "hello", 5);
    assert_true(ended);
    free(body);
    /* Both directions ended: the stream is gone on both sides. */
    assert_int_equal(h3_conn_open_request_count(p.client), 0);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    assert_int_equal(h3_conn_get_next_request_stream_id(p.client), 4);
    h3_fake_pair_cleanup(&p);
}

static void fill_pattern(uint8_t *buf, size_t len, uint32_t seed) {
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (uint8_t)(seed >> 16);
    }
}

/* A POST whose body goes in pieces, delivered |chunk| bytes at a time. */
static void post_roundtrip(size_t body_len, size_t piece, size_t chunk) {
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    p.cq->max_chunk = p.sq->max_chunk = chunk;
    uint8_t *body = malloc(body_len + 1);
    assert_non_null(body);
    fill_pattern(body, body_len, (uint32_t)body_len);
    char cl[32];
    snprintf(cl, sizeof(cl), "%zu", body_len);
    const char *const req[] = {":method", "POST",       ":scheme",
                               "https",   ":authority", "example.com",
                               ":path",   "/up",        "content-length",
                               cl,        NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, req, false), 0);
    for (size_t off = 0; off < body_len; off += piece) {
        size_t n = body_len - off < piece ? body_len - off : piece;
        assert_int_equal(
            h3_conn_send_data(p.client, id, body + off, n, off + n == body_len),
            0);
        h3_fake_pair_pump(&p);
    }
    size_t got_len;
    bool ended;
    uint8_t *got = h3_recorder_body(&p.srec, id, &got_len, &ended);
    assert_int_equal(got_len, body_len);
    assert_memory_equal(got, body, body_len);
    assert_true(ended);
    free(got);
    /* The server echoes it back. */
    assert_int_equal(send_hdrs(p.server, id, resp_200, false), 0);
    assert_int_equal(h3_conn_send_data(p.server, id, body, body_len, true), 0);
    h3_fake_pair_pump(&p);
    got = h3_recorder_body(&p.crec, id, &got_len, &ended);
    assert_int_equal(got_len, body_len);
    assert_memory_equal(got, body, body_len);
    assert_true(ended);
    free(got);
    free(body);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_data_post_body(void **state) {
    (void)state;
    post_roundtrip(100000, 7000, SIZE_MAX);
    post_roundtrip(1 << 20, 1 << 20, 65536);
}

static void test_h3_conn_send_data_delivered_byte_by_byte(void **state) {
    (void)state;
    post_roundtrip(3000, 1000, 1);
}

static void test_h3_conn_send_headers_trailers_both_ways(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const post[] = {":method", "POST",       ":scheme",
                                       "https",   ":authority", "a",
                                       ":path",   "/",          NULL};
    static const char *const trailers[] = {"x-checksum", "abc", NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, post, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.client, id, (const uint8_t *)"body", 4, false), 0);
    assert_int_equal(send_hdrs(p.client, id, trailers, true), 0);
    /* Nothing may follow the trailers. */
    assert_int_equal(
        h3_conn_send_data(p.client, id, (const uint8_t *)"x", 1, false),
        H3_ERR_INVALID_STATE);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_HEADERS_RECEIVED), 2);
    const rec_event *last = &p.srec.ev[p.srec.n - 1];
    assert_int_equal(last->type, H3_EVENT_HEADERS_RECEIVED);
    assert_string_equal(last->text, "x-checksum: abc\n");
    assert_true(last->stream_ended);
    /* Interim response, final response, body, trailers. */
    static const char *const early[] = {":status", "103", "link", "</a>", NULL};
    assert_int_equal(send_hdrs(p.server, id, early, false), 0);
    assert_int_equal(send_hdrs(p.server, id, resp_200, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.server, id, (const uint8_t *)"ok", 2, false), 0);
    assert_int_equal(send_hdrs(p.server, id, trailers, true), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.crec, H3_EVENT_HEADERS_RECEIVED), 3);
    last = &p.crec.ev[p.crec.n - 1];
    assert_string_equal(last->text, "x-checksum: abc\n");
    assert_true(last->stream_ended);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_head_response_has_no_content(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const head[] = {":method", "HEAD",       ":scheme",
                                       "https",   ":authority", "a",
                                       ":path",   "/",          NULL};
    static const char *const resp[] = {":status", "200", "content-length",
                                       "1000", NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, head, true), 0);
    h3_fake_pair_pump(&p);
    /* RFC 9110 §9.3.2: content is not allowed, Content-Length is. */
    assert_int_equal(send_hdrs(p.server, id, resp, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.server, id, (const uint8_t *)"x", 1, false),
        H3_ERR_INVALID_STATE);
    assert_int_equal(h3_conn_send_data(p.server, id, NULL, 0, true), 0);
    h3_fake_pair_pump(&p);
    const rec_event *hr =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, id);
    assert_non_null(hr);
    assert_null(h3_recorder_find(&p.crec, H3_EVENT_STREAM_RESET, id));
    assert_null(h3_recorder_find(&p.crec, H3_EVENT_DATA_RECEIVED, id));
    assert_true(hr->stream_ended);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_concurrent_requests(void **state) {
    (void)state;
    enum { N = 100 };
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    uint64_t ids[N];
    for (int i = 0; i < N; i++) {
        char path[32];
        snprintf(path, sizeof(path), "/file/%d", i);
        const char *const req[] = {GET_REQUEST(path), NULL};
        ids[i] = next_request(p.client);
        assert_int_equal(ids[i], 4u * (uint64_t)i);
        assert_int_equal(send_hdrs(p.client, ids[i], req, true), 0);
    }
    assert_int_equal(h3_conn_open_request_count(p.client), N);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_recorder_count(&p.srec, H3_EVENT_HEADERS_RECEIVED), N);
    /* Answer in reverse order, each body naming its request. */
    for (int i = N - 1; i >= 0; i--) {
        char body[32];
        int n = snprintf(body, sizeof(body), "body of %d", i);
        assert_int_equal(send_hdrs(p.server, ids[i], resp_200, false), 0);
        assert_int_equal(h3_conn_send_data(p.server, ids[i],
                                           (const uint8_t *)body, (size_t)n,
                                           true),
                         0);
    }
    h3_fake_pair_pump(&p);
    for (int i = 0; i < N; i++) {
        char want[32];
        int n = snprintf(want, sizeof(want), "body of %d", i);
        size_t len;
        bool ended;
        uint8_t *got = h3_recorder_body(&p.crec, ids[i], &len, &ended);
        assert_int_equal(len, (size_t)n);
        assert_memory_equal(got, want, len);
        assert_true(ended);
        free(got);
    }
    assert_int_equal(h3_conn_open_request_count(p.client), 0);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    h3_fake_pair_cleanup(&p);
}

/* RFC 9204 §2.1.2: a section referencing inserts not yet received waits;
 * the request's DATA waits with it and comes out after its HEADERS. */
static void
test_h3_conn_blocked_headers_resume_when_inserts_arrive(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const req[] = {GET_REQUEST("/blocked"), "x-custom-field",
                                      "a-value-to-index", NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, req, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.client, id, (const uint8_t *)"abc", 3, true), 0);
    fake_stream *enc = fake_quic_stream(p.cq, 6);
    assert_true(enc->len > enc->delivered); /* inserts were made */
    /* The request stream first: nothing comes out. */
    quic_event ev;
    assert_true(fake_quic_next_output_for(p.cq, id, &ev));
    assert_int_equal(h3_conn_handle_event(p.server, &ev), 0);
    assert_int_equal(h3_recorder_drain(&p.srec, p.server), 0);
    /* Then the encoder stream: HEADERS, DATA, end. */
    assert_true(fake_quic_next_output_for(p.cq, 6, &ev));
    assert_int_equal(h3_conn_handle_event(p.server, &ev), 0);
    assert_int_equal(h3_recorder_drain(&p.srec, p.server), 2);
    const rec_event *e = &p.srec.ev[p.srec.n - 2];
    assert_int_equal(e->type, H3_EVENT_HEADERS_RECEIVED);
    assert_non_null(strstr(e->text, "x-custom-field: a-value-to-index\n"));
    e++;
    assert_int_equal(e->type, H3_EVENT_DATA_RECEIVED);
    assert_int_equal(e->len, 3);
    assert_memory_equal(e->text, "abc", 3);
    assert_true(e->stream_ended);
    /* The server's decoder acknowledges the section. */
    h3_fake_pair_pump(&p);
    assert_true(fake_quic_stream(p.sq, 11)->len > 1);
    h3_fake_pair_cleanup(&p);
}

/* ---- Zero-copy sends ----------------------------------------------------- */

static int released;
static void on_release(void *arg) {
    released += *(int *)arg;
}

static void test_h3_conn_send_data_ref_releases(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, get_root, true), 0);
    h3_fake_pair_pump(&p);
    static uint8_t file[100000];
    fill_pattern(file, sizeof(file), 7);
    int one = 1;
    released = 0;
    assert_int_equal(send_hdrs(p.server, id, resp_200, false), 0);
    assert_int_equal(h3_conn_send_data_ref(p.server, id, file, 60000, false,
                                           on_release, &one),
                     0);
    /* No release callback is fine too. */
    assert_int_equal(h3_conn_send_data_ref(p.server, id, file + 60000, 20000,
                                           false, NULL, NULL),
                     0);
    assert_int_equal(h3_conn_send_data_ref(p.server, id, file + 80000, 20000,
                                           true, on_release, &one),
                     0);
    assert_int_equal(fake_quic_stream(p.sq, id)->ref_sends, 3);
    h3_fake_pair_pump(&p);
    assert_int_equal(released, 0);
    fake_quic_ack_all(p.sq);
    assert_int_equal(released, 2);
    size_t len;
    bool ended;
    uint8_t *got = h3_recorder_body(&p.crec, id, &len, &ended);
    assert_int_equal(len, sizeof(file));
    assert_memory_equal(got, file, len);
    assert_true(ended);
    free(got);
    /* Refused calls (the stream is finished) keep the data: no release. */
    assert_int_equal(
        h3_conn_send_data_ref(p.server, id, file, 10, false, on_release, &one),
        H3_ERR_INVALID_STATE);
    assert_int_equal(released, 2);
    h3_fake_pair_cleanup(&p);
}

/* ---- Caller misuse ------------------------------------------------------- */

static void test_h3_conn_send_headers_rejects_misuse(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const upper[] = {GET_REQUEST("/"), "X-Upper", "1", NULL};
    static const char *const no_path[] = {
        ":method", "GET", ":scheme", "https", ":authority", "a", NULL};
    /* Not the next stream, not a request stream. */
    assert_int_equal(send_hdrs(p.client, 4, get_root, true),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(send_hdrs(p.client, 2, get_root, true),
                     H3_ERR_INVALID_ARGUMENT);
    /* §4.2, §4.3.1: malformed requests are not sent. */
    assert_int_equal(send_hdrs(p.client, 0, upper, true),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(send_hdrs(p.client, 0, no_path, true),
                     H3_ERR_INVALID_ARGUMENT);
    assert_null(fake_quic_stream(p.cq, 0));
    /* DATA before HEADERS; the server answering an unknown stream. */
    assert_int_equal(
        h3_conn_send_data(p.client, 0, (const uint8_t *)"x", 1, false),
        H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(send_hdrs(p.server, 0, resp_200, true),
                     H3_ERR_INVALID_ARGUMENT);
    /* A request within Content-Length only. */
    static const char *const post[] = {
        ":method", "POST", ":scheme",        "https", ":authority", "a",
        ":path",   "/",    "content-length", "3",     NULL};
    assert_int_equal(send_hdrs(p.client, 0, post, false), 0);
    assert_int_equal(
        h3_conn_send_data(p.client, 0, (const uint8_t *)"abcd", 4, true),
        H3_ERR_INVALID_STATE);
    assert_int_equal(
        h3_conn_send_data(p.client, 0, (const uint8_t *)"ab", 2, true),
        H3_ERR_INVALID_STATE);
    assert_int_equal(
        h3_conn_send_data(p.client, 0, (const uint8_t *)"abc", 3, true), 0);
    assert_int_equal(send_hdrs(p.client, 0, get_root, true),
                     H3_ERR_INVALID_STATE);
    /* A used stream cannot carry a new request; a server sends no
     * request. */
    assert_int_equal(h3_conn_get_next_request_stream_id(p.server),
                     H3_ERR_INVALID_STATE);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_send_headers_respects_peer_field_limit(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_config c, s;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    h3_config_init(&s, false);
    s.allocator = &h3_test_allocator;
    s.max_field_section_size = 1024;
    h3_fake_pair_init(&p, &c, &s);
    static char big[1000];
    memset(big, 'v', sizeof(big) - 1);
    const char *const req[] = {GET_REQUEST("/"), "x-big", big, NULL};
    assert_int_equal(send_hdrs(p.client, 0, req, true),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(send_hdrs(p.client, 0, get_root, true), 0);
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_stream_limit(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    p.cq->max_bidi = 1;
    assert_int_equal(
        send_hdrs(p.client, next_request(p.client), get_root, true), 0);
    assert_int_equal(h3_conn_get_next_request_stream_id(p.client),
                     H3_ERR_STREAM_LIMIT);
    assert_int_equal(send_hdrs(p.client, 4, get_root, true),
                     H3_ERR_STREAM_LIMIT);
    h3_fake_pair_cleanup(&p);
}

/* ---- Cancellation -------------------------------------------------------- */

static void test_h3_conn_reset_stream_cancels_request(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const post[] = {":method", "POST",       ":scheme",
                                       "https",   ":authority", "a",
                                       ":path",   "/",          NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, post, false), 0);
    h3_fake_pair_pump(&p);
    assert_int_equal(h3_conn_reset_stream(p.client, id, H3_REQUEST_CANCELLED),
                     0);
    fake_stream *s = fake_quic_stream(p.cq, id);
    assert_true(s->reset);
    assert_true(s->stopped);
    assert_int_equal(s->reset_code, H3_REQUEST_CANCELLED);
    assert_int_equal(h3_conn_open_request_count(p.client), 0);
    assert_int_equal(
        h3_conn_send_data(p.client, id, (const uint8_t *)"x", 1, false),
        H3_ERR_INVALID_STATE);
    h3_fake_pair_pump(&p);
    /* The server saw the request, then its reset; it answers STOP_SENDING
     * with its own RESET_STREAM (RFC 9000 §3.5). */
    const rec_event *r = h3_recorder_find(&p.srec, H3_EVENT_STREAM_RESET, id);
    assert_non_null(r);
    assert_int_equal(r->error_code, H3_REQUEST_CANCELLED);
    assert_false(r->local);
    assert_true(fake_quic_stream(p.sq, id)->reset);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    assert_null(h3_recorder_find(&p.crec, H3_EVENT_STREAM_RESET, id));
    h3_fake_pair_cleanup(&p);
}

static void test_h3_conn_stop_stream_after_early_response(void **state) {
    (void)state;
    h3_fake_pair p;
    h3_fake_pair_init(&p, NULL, NULL);
    static const char *const post[] = {":method", "POST",       ":scheme",
                                       "https",   ":authority", "a",
                                       ":path",   "/",          NULL};
    uint64_t id = next_request(p.client);
    assert_int_equal(send_hdrs(p.client, id, post, false), 0);
    h3_fake_pair_pump(&p);
    /* §4.1: a complete response, then STOP_SENDING with H3_NO_ERROR. */
    static const char *const resp[] = {":status", "413", NULL};
    assert_int_equal(send_hdrs(p.server, id, resp, true), 0);
    assert_int_equal(h3_conn_stop_stream(p.server, id, H3_NO_ERROR), 0);
    h3_fake_pair_pump(&p);
    const rec_event *hr =
        h3_recorder_find(&p.crec, H3_EVENT_HEADERS_RECEIVED, id);
    assert_non_null(hr);
    assert_true(hr->stream_ended);
    fake_stream *cs = fake_quic_stream(p.cq, id);
    assert_true(cs->reset);
    assert_int_equal(cs->reset_code, H3_NO_ERROR);
    assert_int_equal(h3_conn_open_request_count(p.client), 0);
    assert_int_equal(h3_conn_open_request_count(p.server), 0);
    h3_fake_pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_new_opens_control_and_qpack_streams),
        cmocka_unit_test(test_h3_conn_new_waits_for_stream_credit),
        cmocka_unit_test(test_h3_conn_new_rejects_bad_config),
        cmocka_unit_test(test_h3_conn_peer_settings_event),
        cmocka_unit_test(test_h3_conn_send_headers_get_roundtrip),
        cmocka_unit_test(test_h3_conn_send_data_post_body),
        cmocka_unit_test(test_h3_conn_send_data_delivered_byte_by_byte),
        cmocka_unit_test(test_h3_conn_send_headers_trailers_both_ways),
        cmocka_unit_test(test_h3_conn_head_response_has_no_content),
        cmocka_unit_test(test_h3_conn_concurrent_requests),
        cmocka_unit_test(
            test_h3_conn_blocked_headers_resume_when_inserts_arrive),
        cmocka_unit_test(test_h3_conn_send_data_ref_releases),
        cmocka_unit_test(test_h3_conn_send_headers_rejects_misuse),
        cmocka_unit_test(test_h3_conn_send_headers_respects_peer_field_limit),
        cmocka_unit_test(test_h3_conn_stream_limit),
        cmocka_unit_test(test_h3_conn_reset_stream_cancels_request),
        cmocka_unit_test(test_h3_conn_stop_stream_after_early_response),
    };
    return cmocka_run_group_tests_name("h3_conn_request", tests, NULL, NULL);
}

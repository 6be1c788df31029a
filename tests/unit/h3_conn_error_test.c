/* tests/unit/h3_conn_error_test.c — RFC 9114 §8 error handling of
 * h3_conn, each error provoked by crafted peer bytes over the fake QUIC
 * connection: connection errors close with the right HTTP/3 or QPACK code,
 * malformed messages reset only their stream (H3_MESSAGE_ERROR), unknown
 * stream types are stopped, and the receive limits hold. Field sections
 * are hand-encoded with the QPACK static table (RFC 9204 Appendix A). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define H3_FAKE_QUIC_DEFINE_API
#include "support/h3_fake_quic.h"

#include "qpack/qpack.h"

/* Bytes of a string literal, without its NUL. */
#define B(s) (const uint8_t *)(s), sizeof(s) - 1

/* A GET field section: prefix 0 0, :method GET (17), :scheme https (23),
 * :path / (1), :authority (0) = "example.com". */
#define GET_FIELDS                                                             \
    "\x00\x00\xd1\xd7\xc1\x50\x0b"                                             \
    "example.com"
#define GET_HEADERS "\x01\x12" GET_FIELDS
/* :status 200 (25). */
#define STATUS_200 "\x01\x03\x00\x00\xd9"

typedef struct side {
    fake_quic *q;
    h3_conn *h3;
    h3_recorder rec;
    bool is_client;
} side;

static void side_new(side *s, bool is_client, const h3_config *cfg) {
    memset(s, 0, sizeof(*s));
    h3_config c;
    if (!cfg) {
        h3_config_init(&c, is_client);
        c.allocator = &h3_test_allocator;
        cfg = &c;
    }
    s->is_client = is_client;
    s->q = fake_quic_new(is_client);
    assert_int_equal(h3_conn_new(&s->h3, s->q, cfg), 0);
}

static void side_free(side *s) {
    h3_conn_free(s->h3);
    fake_quic_free(s->q);
    h3_recorder_free(&s->rec);
}

static void feed_event(side *s, const quic_event *ev) {
    assert_int_equal(h3_conn_handle_event(s->h3, ev), 0);
    h3_recorder_drain(&s->rec, s->h3);
}

static quic_event datagram_event(const uint8_t *data, size_t len) {
    quic_event ev = {.type = QUIC_EVENT_DATAGRAM_FRAME_RECEIVED};
    ev.u.datagram_frame_received.data = data;
    ev.u.datagram_frame_received.len = len;
    return ev;
}

static void feed(side *s, uint64_t id, const uint8_t *data, size_t len,
                 bool fin) {
    quic_event ev = h3_test_stream_data(id, data, len, fin);
    feed_event(s, &ev);
}

/* The peer's uni stream number |n| (0: control, 1: encoder, 2: decoder,
 * 3…: more), and its request stream number |n|. */
static uint64_t peer_uni(const side *s, uint64_t n) {
    return 4 * n + (s->is_client ? 3 : 2);
}

static void peer_settings(side *s) {
    feed(s, peer_uni(s, 0), B("\x00\x04\x00"), false);
}

static void expect_closed(const side *s, uint64_t code) {
    assert_true(s->q->closed);
    assert_int_equal(s->q->close_code, code);
    assert_int_equal(s->q->close_frame_type, QUIC_FRAME_TYPE_NONE);
    assert_true(h3_conn_is_closed(s->h3));
}

static void expect_stream_error(const side *s, uint64_t id, uint64_t code) {
    assert_false(s->q->closed);
    const fake_stream *fs = fake_quic_stream(s->q, id);
    assert_non_null(fs);
    assert_true(fs->stopped || fs->reset);
    if (fs->stopped)
        assert_int_equal(fs->stop_code, code);
    if (fs->reset)
        assert_int_equal(fs->reset_code, code);
}

/* ---- Connection errors from one stream's bytes
 * ------------------------------- */

static const struct conn_error_case {
    int line;
    bool client;   /* the side under test */
    bool settings; /* the peer's SETTINGS arrive first */
    uint64_t stream;
    const uint8_t *bytes;
    size_t len;
    bool fin;
    uint64_t code;
} conn_error_cases[] = {
    /* §6.2.1: the control stream starts with SETTINGS. */
    {__LINE__, false, false, 2, B("\x00\x07\x01\x00"), false,
     H3_MISSING_SETTINGS},
    {__LINE__, false, false, 2, B("\x00\x21\x00"), false, H3_MISSING_SETTINGS},
    {__LINE__, false, false, 2, B("\x00\x00\x00"), false, H3_MISSING_SETTINGS},
    {__LINE__, false, false, 2, B("\x00\x06\x00"), false, H3_MISSING_SETTINGS},
    /* §7.2.4: one SETTINGS; its rules (also RFC 9297 §2.1.1). */
    {__LINE__, false, true, 2, B("\x04\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, false, 2, B("\x00\x04\x02\x02\x00"), false,
     H3_SETTINGS_ERROR},
    {__LINE__, false, false, 2, B("\x00\x04\x04\x01\x00\x01\x00"), false,
     H3_SETTINGS_ERROR},
    {__LINE__, false, false, 2, B("\x00\x04\x02\x33\x02"), false,
     H3_SETTINGS_ERROR},
    {__LINE__, false, false, 2, B("\x00\x04\x01\x01"), false, H3_FRAME_ERROR},
    /* §7.2: frames that do not belong on the control stream. */
    {__LINE__, false, true, 2, B("\x00\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 2, B("\x01\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 2, B("\x05\x02\x00\x00"), false,
     H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 2, B("\x06\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 2, B("\x08\x00"), false, H3_FRAME_UNEXPECTED},
    /* §6.2.1: the control stream never closes. */
    {__LINE__, false, true, 2, B(""), true, H3_CLOSED_CRITICAL_STREAM},
    {__LINE__, false, true, 2, B("\x21\x00"), true, H3_CLOSED_CRITICAL_STREAM},
    /* §7.1: payloads that do not match their layout. */
    {__LINE__, false, true, 2, B("\x07\x02\x00\x00"), false, H3_FRAME_ERROR},
    {__LINE__, false, true, 2, B("\x07\x00"), false, H3_FRAME_ERROR},
    {__LINE__, false, true, 2, B("\x0d\x09\x00"), false, H3_FRAME_ERROR},
    /* §7.2.7: MAX_PUSH_ID cannot shrink. */
    {__LINE__, false, true, 2, B("\x0d\x01\x05\x0d\x01\x04"), false,
     H3_ID_ERROR},
    /* §7.2.3: CANCEL_PUSH above MAX_PUSH_ID, or never promised. */
    {__LINE__, false, true, 2, B("\x03\x01\x00"), false, H3_ID_ERROR},
    {__LINE__, false, true, 2, B("\x0d\x01\x05\x03\x01\x00"), false,
     H3_ID_ERROR},
    /* §6.2.1, §6.2.2: a second control stream; a push stream from a
     * client. */
    {__LINE__, false, true, 6, B("\x00\x04\x00"), false,
     H3_STREAM_CREATION_ERROR},
    {__LINE__, false, true, 6, B("\x01\x00"), false, H3_STREAM_CREATION_ERROR},
    /* §4.1, §7.2: frame sequence on a request stream. */
    {__LINE__, false, true, 0, B("\x00\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x04\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x07\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x0d\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x03\x01\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x05\x03\x00\x00\x00"), false,
     H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B("\x02\x00"), false, H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0,
     B(GET_HEADERS "\x01\x02\x00\x00\x01\x02\x00\x00"), false,
     H3_FRAME_UNEXPECTED},
    {__LINE__, false, true, 0, B(GET_HEADERS "\x01\x02\x00\x00\x00\x01x"),
     false, H3_FRAME_UNEXPECTED},
    /* §7.1: a stream ending inside a frame. */
    {__LINE__, false, true, 0,
     B(GET_HEADERS "\x00\x05"
                   "ab"),
     true, H3_FRAME_ERROR},
    {__LINE__, false, true, 0, B("\x01"), true, H3_FRAME_ERROR},
    /* RFC 9204 §6: QPACK errors close with QPACK codes. */
    {__LINE__, false, true, 0, B("\x01\x04\x00\x00\xff\x7f"), false,
     QPACK_DECOMPRESSION_FAILED},
    {__LINE__, false, true, 0, B("\x01\x03\xff\x02\x00"), false,
     QPACK_DECOMPRESSION_FAILED},
    {__LINE__, false, true, 6, B("\x02\x3f\xe1\x7f"), false,
     QPACK_ENCODER_STREAM_ERROR},
    {__LINE__, false, true, 10, B("\x03\x80"), false,
     QPACK_DECODER_STREAM_ERROR},
    {__LINE__, false, true, 6, B("\x02"), true, H3_CLOSED_CRITICAL_STREAM},
    {__LINE__, false, true, 10, B("\x03"), true, H3_CLOSED_CRITICAL_STREAM},
    /* Client side. §6.1: no server-initiated bidirectional streams. */
    {__LINE__, true, true, 1, B(STATUS_200), false, H3_STREAM_CREATION_ERROR},
    /* §7.2.6: a server's GOAWAY names a client bidi stream, never grows. */
    {__LINE__, true, true, 3, B("\x07\x01\x02"), false, H3_ID_ERROR},
    {__LINE__, true, true, 3, B("\x07\x01\x04\x07\x01\x08"), false,
     H3_ID_ERROR},
    /* §7.2.7: servers do not send MAX_PUSH_ID. */
    {__LINE__, true, true, 3, B("\x0d\x01\x00"), false, H3_FRAME_UNEXPECTED},
    /* §4.6: no push stream or CANCEL_PUSH above the MAX_PUSH_ID sent (none
     * by default). */
    {__LINE__, true, true, 7, B("\x01\x00"), false, H3_ID_ERROR},
    {__LINE__, true, true, 3, B("\x03\x01\x00"), false, H3_ID_ERROR},
};

static void test_h3_conn_handle_event_connection_errors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(conn_error_cases) / sizeof(*conn_error_cases);
         i++) {
        const struct conn_error_case *c = &conn_error_cases[i];
        side s;
        side_new(&s, c->client, NULL);
        if (c->settings)
            peer_settings(&s);
        assert_false(s.q->closed);
        feed(&s, c->stream, c->bytes, c->len, c->fin);
        if (!s.q->closed || s.q->close_code != c->code)
            print_message("case at line %d\n", c->line);
        expect_closed(&s, c->code);
        /* Nothing of the offending input reaches the application, and
         * later input is ignored. */
        assert_int_equal(h3_recorder_count(&s.rec, H3_EVENT_HEADERS_RECEIVED),
                         0);
        feed(&s, peer_uni(&s, 0), B("\x07\x01\x00"), false);
        assert_int_equal(s.q->close_calls, 1);
        side_free(&s);
    }
}

/* The same errors split into one-byte pieces are still found. */
static void test_h3_conn_handle_event_errors_byte_by_byte(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(conn_error_cases) / sizeof(*conn_error_cases);
         i++) {
        const struct conn_error_case *c = &conn_error_cases[i];
        side s;
        side_new(&s, c->client, NULL);
        if (c->settings)
            peer_settings(&s);
        for (size_t k = 0; k < c->len && !s.q->closed; k++)
            feed(&s, c->stream, c->bytes + k, 1, c->fin && k + 1 == c->len);
        if (c->len == 0)
            feed(&s, c->stream, NULL, 0, c->fin);
        if (!s.q->closed || s.q->close_code != c->code)
            print_message("case at line %d\n", c->line);
        expect_closed(&s, c->code);
        side_free(&s);
    }
}

static void test_h3_conn_second_qpack_stream(void **state) {
    (void)state;
    for (int type = 2; type <= 3; type++) {
        side s;
        side_new(&s, false, NULL);
        peer_settings(&s);
        uint8_t hdr = (uint8_t)type;
        feed(&s, peer_uni(&s, 1), &hdr, 1, false);
        assert_false(s.q->closed);
        /* RFC 9204 §4.2: one encoder and one decoder stream. */
        feed(&s, peer_uni(&s, 2), &hdr, 1, false);
        expect_closed(&s, H3_STREAM_CREATION_ERROR);
        side_free(&s);
    }
}

static void test_h3_conn_critical_stream_reset_or_stopped(void **state) {
    (void)state;
    side s;
    side_new(&s, false, NULL);
    peer_settings(&s);
    quic_event ev = {.type = QUIC_EVENT_STREAM_RESET};
    ev.u.stream_reset.stream_id = peer_uni(&s, 0);
    feed_event(&s, &ev);
    expect_closed(&s, H3_CLOSED_CRITICAL_STREAM);
    side_free(&s);
    /* §6.2.1: the peer must not ask us to close our control stream. */
    side_new(&s, false, NULL);
    ev = (quic_event){.type = QUIC_EVENT_STOP_SENDING_RECEIVED};
    ev.u.stop_sending_received.stream_id = 3; /* our control stream */
    feed_event(&s, &ev);
    expect_closed(&s, H3_CLOSED_CRITICAL_STREAM);
    side_free(&s);
}

/* ---- Client-side push errors ------------------------------------------------
 */

static void client_with_request(side *s, uint64_t max_pushes) {
    h3_config c;
    h3_config_init(&c, true);
    c.allocator = &h3_test_allocator;
    c.max_pushes = max_pushes;
    side_new(s, true, &c);
    peer_settings(s);
    h3_header h[4];
    static const char *const get[] = {":method", "GET",        ":scheme",
                                      "https",   ":authority", "a",
                                      ":path",   "/",          NULL};
    size_t n = h3_test_headers(h, 4, get);
    assert_int_equal(h3_conn_send_headers(s->h3, 0, h, n, true), 0);
}

/* PUSH_PROMISE frames: push ID, then a GET field section for /a or /b. */
#define PROMISE(id, path)                                                      \
    "\x05\x16" id "\x00\x00\xd1\xd7\x51\x02" path "\x50\x0b"                   \
    "example.com"

static void test_h3_conn_push_promise_errors(void **state) {
    (void)state;
    side s;
    /* §7.2.5: above the MAX_PUSH_ID sent (1 push: ID 0). */
    client_with_request(&s, 1);
    feed(&s, 0, B(PROMISE("\x01", "/a")), false);
    expect_closed(&s, H3_ID_ERROR);
    side_free(&s);
    /* §7.2.5: the same push ID with different fields. */
    client_with_request(&s, 1);
    feed(&s, 0, B(PROMISE("\x00", "/a")), false);
    assert_false(s.q->closed);
    assert_int_equal(h3_recorder_count(&s.rec, H3_EVENT_PUSH_PROMISE_RECEIVED),
                     1);
    feed(&s, 0, B(PROMISE("\x00", "/a")), false); /* identical: fine */
    assert_false(s.q->closed);
    feed(&s, 0, B(PROMISE("\x00", "/b")), false);
    expect_closed(&s, H3_GENERAL_PROTOCOL_ERROR);
    side_free(&s);
    /* §6.2.2: a push ID in two push stream headers. */
    client_with_request(&s, 2);
    feed(&s, peer_uni(&s, 3), B("\x01\x00"), false);
    assert_false(s.q->closed);
    feed(&s, peer_uni(&s, 4), B("\x01\x00"), false);
    expect_closed(&s, H3_ID_ERROR);
    side_free(&s);
    /* §4.1: no PUSH_PROMISE on a push stream. */
    client_with_request(&s, 2);
    feed(&s, peer_uni(&s, 3), B("\x01\x00" PROMISE("\x01", "/a")), false);
    expect_closed(&s, H3_FRAME_UNEXPECTED);
    side_free(&s);
}

/* ---- Malformed messages: stream errors --------------------------------------
 */

static const struct stream_error_case {
    int line;
    const uint8_t *bytes;
    size_t len;
    bool fin;
    uint64_t code;
} stream_error_cases[] = {
    /* §4.2: uppercase field name "X-A: b". */
    {__LINE__,
     B("\x01\x18" GET_FIELDS "\x23X-A\x01"
       "b"),
     false, H3_MESSAGE_ERROR},
    /* §4.3.1: no :path. */
    {__LINE__,
     B("\x01\x11\x00\x00\xd1\xd7\x50\x0b"
       "example.com"),
     false, H3_MESSAGE_ERROR},
    /* §4.3: a pseudo-header after a regular field. */
    {__LINE__,
     B("\x01\x18\x00\x00\xd1\xd7\xc1\x23x-a\x01"
       "b"
       "\x50\x0b"
       "example.com"),
     false, H3_MESSAGE_ERROR},
    /* §4.2: TE other than "trailers". */
    {__LINE__,
     B("\x01\x1a" GET_FIELDS "\x22te\x04"
       "gzip"),
     false, H3_MESSAGE_ERROR},
    /* §4.2: a connection-specific field ("connection: close"). */
    {__LINE__,
     B("\x01\x24" GET_FIELDS "\x27\x03"
       "connection\x05"
       "close"),
     false, H3_MESSAGE_ERROR},
    /* §4.3.1: :method twice. */
    {__LINE__, B("\x01\x13" GET_FIELDS "\xd1"), false, H3_MESSAGE_ERROR},
    /* §4.1.2: Content-Length 5 (name index 4) with 2 bytes of DATA. */
    {__LINE__,
     B("\x01\x15" GET_FIELDS "\x54\x01"
       "5"
       "\x00\x02"
       "ab"),
     true, H3_MESSAGE_ERROR},
    /* ...or with more DATA than announced. */
    {__LINE__,
     B("\x01\x15" GET_FIELDS "\x54\x01"
       "1"
       "\x00\x02"
       "ab"),
     false, H3_MESSAGE_ERROR},
    /* §4.1: a request stream that ends without its header section. */
    {__LINE__, B(""), true, H3_REQUEST_INCOMPLETE},
    {__LINE__, B("\x21\x01z"), true, H3_REQUEST_INCOMPLETE},
    /* §4.2.2: a HEADERS frame over what a server decodes at all
     * (max_oversized_request_section, 256 KiB: 262145 bytes announced). */
    {__LINE__, B("\x01\x80\x04\x00\x01"), false, H3_EXCESSIVE_LOAD},
};

static void test_h3_conn_malformed_request_resets_stream(void **state) {
    (void)state;
    for (size_t i = 0;
         i < sizeof(stream_error_cases) / sizeof(*stream_error_cases); i++) {
        const struct stream_error_case *c = &stream_error_cases[i];
        side s;
        side_new(&s, false, NULL);
        peer_settings(&s);
        feed(&s, 0, c->bytes, c->len, c->fin);
        if (s.q->closed)
            print_message("case at line %d\n", c->line);
        expect_stream_error(&s, 0, c->code);
        const fake_stream *fs = fake_quic_stream(s.q, 0);
        assert_true(fs->reset);
        assert_int_equal(fs->len, 0); /* no response was sent */
        /* The connection goes on: a good request on stream 4. */
        feed(&s, 4, B(GET_HEADERS), true);
        const rec_event *e =
            h3_recorder_find(&s.rec, H3_EVENT_HEADERS_RECEIVED, 4);
        assert_non_null(e);
        assert_true(e->stream_ended);
        assert_false(s.q->closed);
        side_free(&s);
    }
}

/* A malformed response makes the client reset its request and tell the
 * application (the stream is its own). */
static void test_h3_conn_malformed_response_resets_stream(void **state) {
    (void)state;
    side s;
    client_with_request(&s, 0);
    /* :status 200 and Content-Length 1 (name index 4), 2 bytes. */
    feed(&s, 0,
         B("\x01\x06\x00\x00\xd9\x54\x01"
           "1"
           "\x00\x02"
           "ab"),
         true);
    assert_false(s.q->closed);
    assert_true(fake_quic_stream(s.q, 0)->stopped);
    const rec_event *r = h3_recorder_find(&s.rec, H3_EVENT_STREAM_RESET, 0);
    assert_non_null(r);
    assert_true(r->local);
    assert_int_equal(r->error_code, H3_MESSAGE_ERROR);
    side_free(&s);
}

/* ---- Unknown streams and frames ---------------------------------------------
 */

static void test_h3_conn_unknown_stream_type_stopped(void **state) {
    (void)state;
    side s;
    side_new(&s, false, NULL);
    peer_settings(&s);
    /* §6.2: a reserved type (0x21) and an unknown one (0x54). */
    feed(&s, peer_uni(&s, 3), B("\x21payload"), false);
    feed(&s, peer_uni(&s, 4), B("\x40\x54xyz"), true);
    for (uint64_t n = 3; n <= 4; n++) {
        const fake_stream *fs = fake_quic_stream(s.q, peer_uni(&s, n));
        assert_true(fs->stopped);
        assert_int_equal(fs->stop_code, H3_STREAM_CREATION_ERROR);
    }
    /* More bytes on it are ignored; a stream ending before its type is
     * tolerated. */
    feed(&s, peer_uni(&s, 3), B("\x00\x04\x00"), true);
    feed(&s, peer_uni(&s, 5), B(""), true);
    feed(&s, peer_uni(&s, 6), B("\x40"), true);
    assert_false(s.q->closed);
    assert_int_equal(s.rec.n, 1); /* just the SETTINGS event */
    side_free(&s);
}

static void test_h3_conn_unknown_frames_ignored(void **state) {
    (void)state;
    side s;
    side_new(&s, false, NULL);
    /* §9: reserved frames around and between the known ones. */
    feed(&s, 2, B("\x00\x04\x00\x21\x03xyz\x40\x40\x00"), false);
    feed(&s, 0,
         B("\x21\x00" GET_HEADERS "\x21\x02zz\x00\x01"
           "d"
           "\x3f\x01\x00"),
         true);
    assert_false(s.q->closed);
    const rec_event *e = h3_recorder_find(&s.rec, H3_EVENT_DATA_RECEIVED, 0);
    assert_non_null(e);
    assert_int_equal(e->len, 1);
    size_t len;
    bool ended;
    uint8_t *body = h3_recorder_body(&s.rec, 0, &len, &ended);
    assert_true(ended);
    free(body);
    side_free(&s);
}

/* ---- Limits
 * ------------------------------------------------------------------ */

/* A section with Required Insert Count 1 (encoded 2) referring to dynamic
 * entry 0, which has not arrived. */
#define BLOCKED_HEADERS "\x01\x03\x02\x00\x80"

static void test_h3_conn_blocked_streams_limit(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, false);
    c.allocator = &h3_test_allocator;
    c.qpack_blocked_streams = 1;
    side s;
    side_new(&s, false, &c);
    peer_settings(&s);
    feed(&s, 0, B(BLOCKED_HEADERS), false);
    assert_false(s.q->closed);
    /* RFC 9204 §2.1.2: beyond SETTINGS_QPACK_BLOCKED_STREAMS. */
    feed(&s, 4, B(BLOCKED_HEADERS), false);
    expect_closed(&s, QPACK_DECOMPRESSION_FAILED);
    side_free(&s);
}

static void test_h3_conn_blocked_stream_buffer_limit(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, false);
    c.allocator = &h3_test_allocator;
    c.max_blocked_stream_bytes = 100;
    side s;
    side_new(&s, false, &c);
    peer_settings(&s);
    feed(&s, 0, B(BLOCKED_HEADERS "\x00\x40\x50"), false);
    static uint8_t body[80];
    feed(&s, 0, body, sizeof(body), false);
    assert_false(fake_quic_stream(s.q, 0) && fake_quic_stream(s.q, 0)->reset);
    /* One more piece goes over the 100 bytes held for the stream. */
    feed(&s, 0, body, 20, false);
    expect_stream_error(&s, 0, H3_EXCESSIVE_LOAD);
    /* The insert arriving later resumes nothing. Encoder stream: capacity
     * 4096, then insert "n: v" with a literal name. */
    feed(&s, 6, B("\x02\x3f\xe1\x1f\x41n\x01v"), false);
    assert_false(s.q->closed);
    assert_int_equal(h3_recorder_count(&s.rec, H3_EVENT_HEADERS_RECEIVED), 0);
    /* RFC 9204 §4.4.2: a Stream Cancellation (0x40 | 0) was sent. */
    const fake_stream *dec = fake_quic_stream(s.q, 11);
    assert_true(dec->len >= 2);
    assert_int_equal(dec->data[1], 0x40);
    side_free(&s);
}

static void test_h3_conn_reset_while_blocked(void **state) {
    (void)state;
    side s;
    side_new(&s, false, NULL);
    peer_settings(&s);
    feed(&s, 0, B(BLOCKED_HEADERS), false);
    quic_event ev = {.type = QUIC_EVENT_STREAM_RESET};
    ev.u.stream_reset.stream_id = 0;
    ev.u.stream_reset.error_code = H3_REQUEST_CANCELLED;
    feed_event(&s, &ev);
    /* Never seen by the application: no event; QPACK told. */
    assert_int_equal(s.rec.n, 1);
    feed(&s, 6, B("\x02\x3f\xe1\x1f\x41n\x01v"), false);
    assert_int_equal(s.rec.n, 1);
    assert_false(s.q->closed);
    side_free(&s);
}

/* ---- Datagrams
 * ---------------------------------------------------------------- */

static void test_h3_conn_datagram_errors(void **state) {
    (void)state;
    h3_config c;
    h3_config_init(&c, false);
    c.allocator = &h3_test_allocator;
    c.h3_datagram = true;
    side s;
    side_new(&s, false, &c);
    peer_settings(&s);
    /* An unknown stream: dropped (RFC 9297 §2.1). */
    quic_event ev = datagram_event(B("\x05xy"));
    feed_event(&s, &ev);
    assert_int_equal(s.rec.n, 1);
    assert_false(s.q->closed);
    /* Too short for the quarter stream ID: H3_DATAGRAM_ERROR. */
    ev = datagram_event(B("\x40"));
    feed_event(&s, &ev);
    expect_closed(&s, H3_DATAGRAM_ERROR);
    side_free(&s);
    side_new(&s, false, &c);
    /* Quarter stream ID above 2^60-1. */
    ev = datagram_event(B("\xd0\x00\x00\x00\x00\x00\x00\x00"));
    feed_event(&s, &ev);
    expect_closed(&s, H3_DATAGRAM_ERROR);
    side_free(&s);
}

/* ---- API state -------------------------------------------------------------
 */

static void test_h3_conn_handle_event_requires_drained_queue(void **state) {
    (void)state;
    side s;
    side_new(&s, false, NULL);
    quic_event ev = h3_test_stream_data(2, B("\x00\x04\x00"), false);
    assert_int_equal(h3_conn_handle_event(s.h3, &ev), 0);
    ev = h3_test_stream_data(0, B(GET_HEADERS), false);
    assert_int_equal(h3_conn_handle_event(s.h3, &ev), H3_ERR_INVALID_STATE);
    h3_event out;
    assert_true(h3_conn_next_event(s.h3, &out));
    assert_int_equal(out.type, H3_EVENT_SETTINGS_RECEIVED);
    assert_false(h3_conn_next_event(s.h3, &out));
    assert_int_equal(out.type, H3_EVENT_NONE);
    assert_int_equal(h3_conn_handle_event(s.h3, &ev), 0);
    assert_true(h3_conn_next_event(s.h3, &out));
    assert_int_equal(out.type, H3_EVENT_HEADERS_RECEIVED);
    assert_int_equal(h3_conn_handle_event(NULL, &ev), H3_ERR_INVALID_ARGUMENT);
    /* After ConnectionTerminated the connection is closed for sending. */
    quic_event term = {.type = QUIC_EVENT_CONNECTION_TERMINATED};
    assert_int_equal(h3_conn_handle_event(s.h3, &term), 0);
    assert_true(h3_conn_is_closed(s.h3));
    h3_header h = {(const uint8_t *)":status", 7, (const uint8_t *)"200", 3};
    assert_int_equal(h3_conn_send_headers(s.h3, 0, &h, 1, true),
                     H3_ERR_INVALID_STATE);
    side_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_handle_event_connection_errors),
        cmocka_unit_test(test_h3_conn_handle_event_errors_byte_by_byte),
        cmocka_unit_test(test_h3_conn_second_qpack_stream),
        cmocka_unit_test(test_h3_conn_critical_stream_reset_or_stopped),
        cmocka_unit_test(test_h3_conn_push_promise_errors),
        cmocka_unit_test(test_h3_conn_malformed_request_resets_stream),
        cmocka_unit_test(test_h3_conn_malformed_response_resets_stream),
        cmocka_unit_test(test_h3_conn_unknown_stream_type_stopped),
        cmocka_unit_test(test_h3_conn_unknown_frames_ignored),
        cmocka_unit_test(test_h3_conn_blocked_streams_limit),
        cmocka_unit_test(test_h3_conn_blocked_stream_buffer_limit),
        cmocka_unit_test(test_h3_conn_reset_while_blocked),
        cmocka_unit_test(test_h3_conn_datagram_errors),
        cmocka_unit_test(test_h3_conn_handle_event_requires_drained_queue),
    };
    return cmocka_run_group_tests_name("h3_conn_error", tests, NULL, NULL);
}

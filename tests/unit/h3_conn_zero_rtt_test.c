/* tests/unit/h3_conn_zero_rtt_test.c — a 0-RTT client's remembered server
 * SETTINGS (RFC 9114 §7.2.4.2) over the fake QUIC connection, with the
 * HandshakeCompleted event and the server's SETTINGS fed in either order:
 * the remembered limits apply to sends until SETTINGS arrive, the QPACK
 * encoder uses no dynamic table meanwhile, accepted 0-RTT followed by
 * incompatible SETTINGS (or SETTINGS omitting a remembered setting) closes
 * with H3_SETTINGS_ERROR (or, for a changed table capacity,
 * QPACK_DECODER_STREAM_ERROR), and rejected 0-RTT brings the defaults back
 * with nothing to check. */
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

#define B(s) (const uint8_t *)(s), sizeof(s) - 1

/* The server's control stream (ID 3): type 0, then SETTINGS. */
#define CONTROL_SAME "\x00\x04\x09\x01\x50\x00\x06\x48\x00\x07\x40\x64"
#define CONTROL_FIELDS_1024 "\x00\x04\x09\x01\x50\x00\x06\x44\x00\x07\x40\x64"
#define CONTROL_NO_FIELD_LIMIT "\x00\x04\x06\x01\x50\x00\x07\x40\x64"
#define CONTROL_CAPACITY_8192 "\x00\x04\x09\x01\x60\x00\x06\x48\x00\x07\x40\x64"

/* What the client remembers: capacity 4096, field sections 2048, 100
 * blocked streams. */
static const h3_settings remembered = {4096, 2048, 100, false, false};

typedef struct client {
    fake_quic *q;
    h3_conn *h3;
    h3_recorder rec;
} client;

static void client_new(client *c, const h3_settings *r) {
    memset(c, 0, sizeof(*c));
    h3_config cfg;
    h3_config_init(&cfg, true);
    cfg.allocator = &h3_test_allocator;
    cfg.remembered_settings = r;
    c->q = fake_quic_new(true);
    assert_int_equal(h3_conn_new(&c->h3, c->q, &cfg), 0);
}

static void client_free(client *c) {
    h3_conn_free(c->h3);
    fake_quic_free(c->q);
    h3_recorder_free(&c->rec);
}

static void feed_event(client *c, const quic_event *ev) {
    assert_int_equal(h3_conn_handle_event(c->h3, ev), 0);
    h3_recorder_drain(&c->rec, c->h3);
}

static void handshake(client *c, bool accepted) {
    quic_event ev = {.type = QUIC_EVENT_HANDSHAKE_COMPLETED};
    ev.u.handshake_completed.early_data_accepted = accepted;
    ev.u.handshake_completed.session_resumed = true;
    feed_event(c, &ev);
}

static void control(client *c, const uint8_t *data, size_t len) {
    quic_event ev = h3_test_stream_data(3, data, len, false);
    feed_event(c, &ev);
}

/* A GET with an x-pad field making the section |size| bytes (§4.2.2). */
static int send_get(client *c, uint64_t id, size_t size) {
    static char pad[4096];
    const size_t fixed = (7 + 3) + (7 + 5) + (10 + 11) + (5 + 1) + 5 + 5 * 32;
    assert_true(size >= fixed && size - fixed < sizeof(pad));
    memset(pad, 'p', size - fixed);
    pad[size - fixed] = '\0';
    const char *const req[] = {":method",    "GET",         ":scheme", "https",
                               ":authority", "example.com", ":path",   "/",
                               "x-pad",      pad,           NULL};
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, req);
    assert_int_equal(h3_field_section_size(h, n), size);
    return h3_conn_send_headers(c->h3, id, h, n, true);
}

static void expect_closed(const client *c, uint64_t code) {
    assert_true(c->q->closed);
    assert_int_equal(c->q->close_code, code);
    assert_true(h3_conn_is_closed(c->h3));
}

/* Before the server says anything: the remembered limit holds, and the
 * encoder writes nothing on its stream (no dynamic table). */
static void
test_h3_conn_zero_rtt_remembered_limits_before_settings(void **state) {
    (void)state;
    client c;
    client_new(&c, &remembered);
    assert_null(h3_conn_peer_settings(c.h3));
    assert_int_equal(send_get(&c, 0, 2049), H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(send_get(&c, 0, 2048), 0);
    assert_int_equal(send_get(&c, 4, 2048), 0);
    const fake_stream *enc = fake_quic_stream(c.q, 6);
    assert_non_null(enc);
    assert_int_equal(enc->len, 1); /* the stream type only */
    assert_int_equal(enc->data[0], 0x02);
    /* Once SETTINGS arrive they apply (and the encoder may insert). */
    handshake(&c, true);
    control(&c, B(CONTROL_SAME));
    assert_false(c.q->closed);
    assert_non_null(h3_conn_peer_settings(c.h3));
    assert_int_equal(send_get(&c, 8, 2048), 0);
    assert_int_equal(send_get(&c, 12, 2049), H3_ERR_INVALID_ARGUMENT);
    client_free(&c);
}

/* Accepted 0-RTT, then reduced SETTINGS: closed, whichever came first. */
static void test_h3_conn_zero_rtt_reduced_settings_either_order(void **state) {
    (void)state;
    for (int settings_first = 0; settings_first < 2; settings_first++) {
        client c;
        client_new(&c, &remembered);
        if (settings_first) {
            control(&c, B(CONTROL_FIELDS_1024));
            assert_false(c.q->closed); /* 0-RTT's fate not known yet */
        }
        handshake(&c, true);
        if (!settings_first)
            control(&c, B(CONTROL_FIELDS_1024));
        expect_closed(&c, H3_SETTINGS_ERROR);
        client_free(&c);
    }
}

/* §7.2.4.2: SETTINGS that omit a setting remembered with a non-default
 * value; for MAX_FIELD_SECTION_SIZE that reads as "unlimited", which is no
 * reduction, but the omission itself is the error. */
static void test_h3_conn_zero_rtt_setting_omitted(void **state) {
    (void)state;
    client c;
    client_new(&c, &remembered);
    handshake(&c, true);
    control(&c, B(CONTROL_NO_FIELD_LIMIT));
    expect_closed(&c, H3_SETTINGS_ERROR);
    client_free(&c);
}

/* RFC 9204 §3.2.3: a different non-zero table capacity, even larger. */
static void test_h3_conn_zero_rtt_capacity_changed(void **state) {
    (void)state;
    client c;
    client_new(&c, &remembered);
    handshake(&c, true);
    control(&c, B(CONTROL_CAPACITY_8192));
    expect_closed(&c, QPACK_DECODER_STREAM_ERROR);
    client_free(&c);
}

/* Rejected 0-RTT: the defaults apply (no field section limit) and reduced
 * SETTINGS are no error. */
static void test_h3_conn_zero_rtt_rejected_defaults(void **state) {
    (void)state;
    client c;
    client_new(&c, &remembered);
    handshake(&c, false);
    assert_int_equal(send_get(&c, 0, 3000), 0);
    control(&c, B(CONTROL_FIELDS_1024));
    assert_false(c.q->closed);
    assert_int_equal(h3_conn_peer_settings(c.h3)->max_field_section_size, 1024);
    client_free(&c);
}

/* Without remembered settings nothing is checked, and a server ignores
 * the field. */
static void test_h3_conn_zero_rtt_nothing_remembered(void **state) {
    (void)state;
    client c;
    client_new(&c, NULL);
    handshake(&c, true);
    control(&c, B(CONTROL_FIELDS_1024));
    assert_false(c.q->closed);
    client_free(&c);
    h3_config cfg;
    h3_config_init(&cfg, false);
    cfg.allocator = &h3_test_allocator;
    cfg.remembered_settings = &remembered;
    fake_quic *q = fake_quic_new(false);
    h3_conn *h3;
    assert_int_equal(h3_conn_new(&h3, q, &cfg), 0);
    assert_null(h3_conn_peer_settings(h3));
    h3_conn_free(h3);
    fake_quic_free(q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            test_h3_conn_zero_rtt_remembered_limits_before_settings),
        cmocka_unit_test(test_h3_conn_zero_rtt_reduced_settings_either_order),
        cmocka_unit_test(test_h3_conn_zero_rtt_setting_omitted),
        cmocka_unit_test(test_h3_conn_zero_rtt_capacity_changed),
        cmocka_unit_test(test_h3_conn_zero_rtt_rejected_defaults),
        cmocka_unit_test(test_h3_conn_zero_rtt_nothing_remembered),
    };
    return cmocka_run_group_tests_name("h3_conn_zero_rtt", tests, NULL, NULL);
}

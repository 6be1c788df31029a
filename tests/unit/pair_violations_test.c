/* tests/unit/pair_violations_test.c — a crafted peer: frames the client's
 * stack would never send are protected with its real keys and packet
 * numbers and delivered to the server, which must close with the RFC 9000
 * error code, and the client hears that code in the CONNECTION_CLOSE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#include "core/conn_internal.h"
#include "core/packet.h"
#include "core/protect.h"
#include "core/varint.h"

static const netsim_config link_cfg = {.delay = 10 * QUIC_MS};

/* Protects |frames| in a packet of |space| with the client's keys and next
 * packet number, and hands it to the server. */
static void inject(pair *p, quic_pn_space space, const uint8_t *frames,
                   size_t len) {
    quic_conn *src = p->client.conn;
    quic_level level = space == QUIC_PN_SPACE_APPLICATION
                           ? QUIC_LEVEL_APPLICATION
                       : space == QUIC_PN_SPACE_HANDSHAKE ? QUIC_LEVEL_HANDSHAKE
                                                          : QUIC_LEVEL_INITIAL;
    quic_keys *keys = src->tx_keys[level];
    assert_non_null(keys);
    uint64_t pn = src->spaces[space].next_pn++;
    const quic_cid *dcid = quic_peer_cids_current(&src->peer_cids);
    uint8_t buf[1500];
    int hdr;
    if (space == QUIC_PN_SPACE_APPLICATION) {
        hdr = quic_short_header_write(buf, buf + sizeof(buf), dcid->data,
                                      dcid->len, false, false, pn, 4);
    } else {
        quic_long_header_fields f;
        memset(&f, 0, sizeof(f));
        f.type = space == QUIC_PN_SPACE_HANDSHAKE ? QUIC_PACKET_HANDSHAKE
                                                  : QUIC_PACKET_INITIAL;
        f.version = src->version;
        f.dcid = dcid->data;
        f.dcid_len = dcid->len;
        f.scid = src->local_cids.slots[0].cid.data;
        f.scid_len = src->local_cids.slots[0].cid.len;
        hdr = quic_long_header_write(buf, buf + sizeof(buf), &f, pn, 4);
    }
    assert_true(hdr > 0);
    memcpy(buf + hdr, frames, len);
    size_t pn_offset = (size_t)hdr - 4;
    if (space != QUIC_PN_SPACE_APPLICATION)
        quic_long_header_set_length(buf, pn_offset, 4 + len + 16);
    int n = quic_packet_seal(keys, buf, sizeof(buf), pn_offset, 4, len, pn);
    assert_true(n > 0);
    /* recorded as sent, so the server's ACK of it is legitimate */
    assert_int_equal(quic_recovery_on_packet_sent(
                         &src->rec, space, pn, (size_t)n, true, true, p->now),
                     0);
    quic_conn_receive_datagram(p->server.conn, buf, (size_t)n, &p->client.addr,
                               0, p->now);
}

static bool never(pair *p, void *arg) {
    (void)p;
    (void)arg;
    return false;
}

static void start(pair *p, uint64_t seed) {
    pair_init(p, seed, &link_cfg, &link_cfg);
    p->server.cfg.max_streams_bidi = 2;
    p->server.cfg.max_stream_data = 1000;
    p->server.cfg.max_stream_data_window = 1000;
}

static void handshake(pair *p) {
    assert_int_equal(pair_start(p), 0);
    assert_true(pair_run(p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_run(p, never, NULL, 100 * QUIC_MS); /* HANDSHAKE_DONE, ACKs */
}

/* The server closed with |code| naming |frame_type|; the client heard it. */
static void expect_closed(pair *p, uint64_t code, uint64_t frame_type) {
    assert_true(pair_run(p, pair_both_terminated, NULL, QUIC_S));
    const quic_event *srv = &p->server.terminated_event;
    const quic_event *cli = &p->client.terminated_event;
    assert_int_equal(srv->u.connection_terminated.error_code, code);
    assert_int_equal(srv->u.connection_terminated.frame_type, frame_type);
    assert_false(srv->u.connection_terminated.by_peer);
    assert_int_equal(cli->u.connection_terminated.error_code, code);
    assert_int_equal(cli->u.connection_terminated.frame_type, frame_type);
    assert_true(cli->u.connection_terminated.by_peer);
    assert_false(cli->u.connection_terminated.is_application);
    pair_cleanup(p);
}

/* STREAM frame header: type with LEN (and OFF, FIN as asked), id, offset,
 * length; then |len| bytes of 'x'. Returns the frame length. */
static size_t stream_frame(uint8_t *out, uint64_t id, uint64_t offset,
                           size_t len, bool fin) {
    uint8_t *p = out;
    *p++ = (uint8_t)(0x08 | 0x02 | (offset ? 0x04 : 0) | (fin ? 0x01 : 0));
    p = quic_put_varint(p, id);
    if (offset)
        p = quic_put_varint(p, offset);
    p = quic_put_varint(p, len);
    memset(p, 'x', len);
    return (size_t)(p - out) + len;
}

static bool client_has_handshake_keys(pair *p, void *arg) {
    (void)arg;
    return p->client.conn->tx_keys[QUIC_LEVEL_HANDSHAKE] != NULL;
}

/* RFC 9000 §12.4: a STREAM frame in a Handshake packet. */
static void test_pair_violation_frame_not_allowed_in_packet_type(void **state) {
    (void)state;
    pair p;
    start(&p, 31);
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, client_has_handshake_keys, NULL, QUIC_S));
    /* the client's Finished is still on the wire: the server reads
     * Handshake packets */
    uint8_t f[64];
    size_t n = stream_frame(f, 0, 0, 5, false);
    inject(&p, QUIC_PN_SPACE_HANDSHAKE, f, n);
    expect_closed(&p, QUIC_PROTOCOL_VIOLATION, 0x0a);
}

/* RFC 9000 §4.5: data beyond the final size. */
static void test_pair_violation_data_beyond_final_size(void **state) {
    (void)state;
    pair p;
    start(&p, 32);
    handshake(&p);
    uint8_t f[64];
    size_t n = stream_frame(f, 0, 0, 10, true);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    pair_run(&p, never, NULL, 50 * QUIC_MS);
    assert_false(p.server.terminated);
    n = stream_frame(f, 0, 8, 5, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    expect_closed(&p, QUIC_FINAL_SIZE_ERROR, 0x0e);
}

/* RFC 9000 §4.5: a RESET_STREAM whose final size is below data received. */
static void test_pair_violation_reset_below_received(void **state) {
    (void)state;
    pair p;
    start(&p, 33);
    handshake(&p);
    uint8_t f[64];
    size_t n = stream_frame(f, 0, 0, 20, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    uint8_t r[] = {0x04, 0x00, 0x01, 0x05}; /* id 0, code 1, final size 5 */
    inject(&p, QUIC_PN_SPACE_APPLICATION, r, sizeof(r));
    expect_closed(&p, QUIC_FINAL_SIZE_ERROR, 0x04);
}

/* RFC 9000 §13.1: an ACK of a packet number never sent. */
static void test_pair_violation_ack_of_unsent_packet(void **state) {
    (void)state;
    pair p;
    start(&p, 34);
    handshake(&p);
    /* ACK largest 0x3fff, delay 0, no more ranges, first range 0 */
    uint8_t f[] = {0x02, 0x7f, 0xff, 0x00, 0x00, 0x00};
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, sizeof(f));
    expect_closed(&p, QUIC_PROTOCOL_VIOLATION, 0x02);
}

/* RFC 9000 §4.6: a stream beyond the advertised MAX_STREAMS (2). */
static void test_pair_violation_stream_beyond_limit(void **state) {
    (void)state;
    pair p;
    start(&p, 35);
    handshake(&p);
    uint8_t f[64];
    size_t n = stream_frame(f, 4 * 2, 0, 1, false); /* the third stream */
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    expect_closed(&p, QUIC_STREAM_LIMIT_ERROR, 0x0a);
}

/* RFC 9000 §4.1: more data than MAX_STREAM_DATA (1000) allows. */
static void test_pair_violation_stream_flow_control(void **state) {
    (void)state;
    pair p;
    start(&p, 36);
    handshake(&p);
    uint8_t f[1200];
    size_t n = stream_frame(f, 0, 0, 1001, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    expect_closed(&p, QUIC_FLOW_CONTROL_ERROR, 0x0a);
}

/* RFC 9000 §4.1: more data than MAX_DATA allows over two streams. */
static void test_pair_violation_connection_flow_control(void **state) {
    (void)state;
    pair p;
    start(&p, 37);
    p.server.cfg.max_data = 1500;
    p.server.cfg.max_data_window = 1500;
    handshake(&p);
    uint8_t f[1200];
    size_t n = stream_frame(f, 0, 0, 1000, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    n = stream_frame(f, 4, 0, 600, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    expect_closed(&p, QUIC_FLOW_CONTROL_ERROR, 0x0a);
}

/* RFC 9000 §19.8: STREAM on a server-initiated stream it never opened. */
static void test_pair_violation_stream_not_yet_opened(void **state) {
    (void)state;
    pair p;
    start(&p, 38);
    handshake(&p);
    uint8_t f[64];
    size_t n = stream_frame(f, 1, 0, 1, false);
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, n);
    expect_closed(&p, QUIC_STREAM_STATE_ERROR, 0x0a);
}

/* RFC 9000 §19.20: a client sending HANDSHAKE_DONE. */
static void test_pair_violation_handshake_done_from_client(void **state) {
    (void)state;
    pair p;
    start(&p, 39);
    handshake(&p);
    uint8_t f[] = {0x1e};
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, sizeof(f));
    expect_closed(&p, QUIC_PROTOCOL_VIOLATION, 0x1e);
}

/* RFC 9000 §12.4: a frame that ends before its fields do. */
static void test_pair_violation_truncated_frame(void **state) {
    (void)state;
    pair p;
    start(&p, 40);
    handshake(&p);
    uint8_t f[] = {0x10}; /* MAX_DATA without its value */
    inject(&p, QUIC_PN_SPACE_APPLICATION, f, sizeof(f));
    expect_closed(&p, QUIC_FRAME_ENCODING_ERROR, 0x10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_violation_frame_not_allowed_in_packet_type),
        cmocka_unit_test(test_pair_violation_data_beyond_final_size),
        cmocka_unit_test(test_pair_violation_reset_below_received),
        cmocka_unit_test(test_pair_violation_ack_of_unsent_packet),
        cmocka_unit_test(test_pair_violation_stream_beyond_limit),
        cmocka_unit_test(test_pair_violation_stream_flow_control),
        cmocka_unit_test(test_pair_violation_connection_flow_control),
        cmocka_unit_test(test_pair_violation_stream_not_yet_opened),
        cmocka_unit_test(test_pair_violation_handshake_done_from_client),
        cmocka_unit_test(test_pair_violation_truncated_frame),
    };
    return cmocka_run_group_tests_name("pair_violations", tests, NULL, NULL);
}

/* tests/unit/core_tparams_test.c — transport parameters (RFC 9000 §18,
 * RFC 9221 §3, RFC 9368 §3): defaults, exact encodings, round trips, GREASE,
 * and every §18.2 rejection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/tparams.h"

static void test_quic_tparams_init_defaults(void **state) {
    (void)state;
    quic_tparams tp;
    memset(&tp, 0xff, sizeof(tp));
    quic_tparams_init(&tp);
    assert_int_equal(tp.present, 0);
    assert_int_equal(tp.max_udp_payload_size, 65527);
    assert_int_equal(tp.ack_delay_exponent, 3);
    assert_int_equal(tp.max_ack_delay, 25);
    assert_int_equal(tp.active_connection_id_limit, 2);
    assert_int_equal(tp.initial_max_data, 0);
    assert_int_equal(tp.max_datagram_frame_size, 0);
    /* Decoding nothing gives the same. */
    quic_tparams empty;
    assert_int_equal(quic_tparams_decode(&empty, NULL, NULL, true), 0);
    assert_memory_equal(&empty, &tp, sizeof(tp));
}

/* A server's full set, every kind of parameter. */
static void full_server_params(quic_tparams *tp) {
    quic_tparams_init(tp);
    tp->original_dcid = (quic_cid){8, {1, 2, 3, 4, 5, 6, 7, 8}};
    tp->max_idle_timeout = 30000;
    memset(tp->stateless_reset_token, 0x5e, 16);
    tp->max_udp_payload_size = 1452;
    tp->initial_max_data = 1 << 20;
    tp->initial_max_stream_data_bidi_local = 1 << 18;
    tp->initial_max_stream_data_bidi_remote = 1 << 18;
    tp->initial_max_stream_data_uni = 1 << 16;
    tp->initial_max_streams_bidi = 100;
    tp->initial_max_streams_uni = UINT64_C(1) << 60;
    tp->ack_delay_exponent = 20;
    tp->max_ack_delay = 16383;
    quic_preferred_address *a = &tp->preferred_address;
    memcpy(a->ipv4, "\x7f\x00\x00\x01", 4);
    a->ipv4_port = 4433;
    a->ipv6[15] = 1;
    a->ipv6_port = 4434;
    a->cid = (quic_cid){3, {0xc1, 0xc2, 0xc3}};
    memset(a->reset_token, 0x77, 16);
    tp->active_connection_id_limit = 8;
    tp->initial_scid = (quic_cid){4, {9, 9, 9, 9}};
    tp->retry_scid = (quic_cid){0, {0}};
    tp->max_datagram_frame_size = 65535;
    tp->version_info.chosen = QUIC_VERSION_1;
    tp->version_info.available[0] = QUIC_VERSION_2;
    tp->version_info.available[1] = QUIC_VERSION_1;
    tp->version_info.available_count = 2;
    static const uint64_t ids[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                   0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
                                   0x0e, 0x0f, 0x10, 0x11, 0x20};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
        quic_tparams_set_present(tp, ids[i]);
}

static void test_quic_tparams_encode_decode_round_trip(void **state) {
    (void)state;
    quic_tparams tp, back;
    full_server_params(&tp);
    uint8_t buf[512];
    int want = quic_tparams_encode_len(&tp, NULL);
    assert_true(want > 0);
    int n = quic_tparams_encode(buf, buf + sizeof(buf), &tp, NULL);
    assert_int_equal(n, want);
    assert_int_equal(quic_tparams_decode(&back, buf, buf + n, true), 0);
    assert_memory_equal(&back, &tp, sizeof(tp));
    assert_true(quic_tparams_has(&back, QUIC_TP_DISABLE_ACTIVE_MIGRATION));
    assert_true(quic_tparams_has(&back, QUIC_TP_RETRY_SCID));
    assert_int_equal(back.retry_scid.len, 0);
    assert_int_equal(quic_tparams_encode(buf, buf + n - 1, &tp, NULL),
                     QUIC_ERR_NOBUF);
    /* The same set from a client is rejected (server-only parameters). */
    assert_int_equal(quic_tparams_decode(&back, buf, buf + n, false),
                     QUIC_ERR_TRANSPORT_PARAMETER);
}

static void test_quic_tparams_encode_exact_bytes(void **state) {
    (void)state;
    quic_tparams tp;
    quic_tparams_init(&tp);
    tp.initial_max_data = 16384;
    tp.initial_scid = (quic_cid){2, {0xab, 0xcd}};
    tp.max_datagram_frame_size = 1200;
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_MAX_DATA);
    quic_tparams_set_present(&tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION);
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_SCID);
    quic_tparams_set_present(&tp, QUIC_TP_MAX_DATAGRAM_FRAME_SIZE);
    static const uint8_t grease_value[] = {0xde, 0xad};
    quic_tparams_grease g = {.n = 1, .value = grease_value, .len = 2};
    uint8_t buf[64];
    int n = quic_tparams_encode(buf, buf + sizeof(buf), &tp, &g);
    static const uint8_t want[] = {
        0x04, 0x04, 0x80, 0x00, 0x40, 0x00, /* initial_max_data 16384 */
        0x0c, 0x00,                         /* disable_active_migration */
        0x0f, 0x02, 0xab, 0xcd,             /* initial_source_connection_id */
        0x20, 0x02, 0x44, 0xb0,             /* max_datagram_frame_size */
        0x3a, 0x02, 0xde, 0xad,             /* GREASE 31*1+27 = 58 */
    };
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(buf, want, sizeof(want));
    quic_tparams back;
    assert_int_equal(quic_tparams_decode(&back, buf, buf + n, false), 0);
    assert_memory_equal(&back, &tp, sizeof(tp));
    /* A GREASE n whose ID would not fit a varint. */
    g.n = UINT64_C(1) << 60;
    assert_int_equal(quic_tparams_encode_len(&tp, &g),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_tparams_decode_ignores_unknown_and_grease(void **state) {
    (void)state;
    const uint8_t in[] = {
        0x1b, 0x03, 1,    2,    3, /* GREASE 27 */
        0x40, 0x3a, 0x00,          /* GREASE 58, empty */
        0x1b, 0x00,                /* GREASE 27 again: no dup check */
        0x71, 0x57, 0x01, 0x05,    /* unknown 0x3157 */
        0x0e, 0x01, 0x04,          /* active_connection_id_limit 4 */
        0x12, 0x00,                /* unassigned 0x12 */
    };
    quic_tparams tp;
    assert_int_equal(quic_tparams_decode(&tp, in, in + sizeof(in), true), 0);
    assert_int_equal(tp.present, 1u << QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT);
    assert_int_equal(tp.active_connection_id_limit, 4);
}

static void test_quic_tparams_decode_rejects(void **state) {
    (void)state;
    static const struct {
        int line;
        uint8_t bytes[48];
        size_t len;
        bool from_server;
    } rows[] = {
        /* Truncated ID, length, value. */
        {__LINE__, {0x40}, 1, true},
        {__LINE__, {0x04}, 1, true},
        {__LINE__, {0x04, 0x02, 0x40}, 3, true},
        /* Duplicate. */
        {__LINE__, {0x04, 0x01, 0x01, 0x04, 0x01, 0x02}, 6, true},
        /* Integer whose length disagrees with its varint. */
        {__LINE__, {0x04, 0x02, 0x01, 0x00}, 4, true},
        {__LINE__, {0x04, 0x00}, 2, true},
        /* §18.2 value ranges. */
        {__LINE__, {0x03, 0x02, 0x44, 0xaf}, 4, true}, /* 1199 */
        {__LINE__, {0x0a, 0x01, 21}, 3, true},
        {__LINE__, {0x0b, 0x04, 0x80, 0x00, 0x40, 0x00}, 6, true}, /* 2^14 */
        {__LINE__, {0x0e, 0x01, 0x01}, 3, true},
        {__LINE__, {0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 1}, 10, true},
        {__LINE__, {0x09, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 1}, 10, false},
        /* Bad lengths for fixed-size values. */
        {__LINE__, {0x02, 0x0f, 0}, 17, true},
        {__LINE__, {0x0c, 0x01, 0x00}, 3, true},
        {__LINE__, {0x0f, 21}, 23, true},
        /* Server-only parameters from a client. */
        {__LINE__, {0x00, 0x00}, 2, false},
        {__LINE__, {0x02, 0x10}, 18, false},
        {__LINE__, {0x10, 0x00}, 2, false},
        /* preferred_address: empty CID, and a length that does not add
         * up (41 + 1 expected). */
        {__LINE__, {0x0d, 41}, 43, true},
        {__LINE__, {0x0d, 43, [26] = 1}, 45, true},
        /* version_information: short, ragged, zero chosen, zero listed,
         * and from a client without the chosen version listed. */
        {__LINE__, {0x11, 0x02, 0, 1}, 4, true},
        {__LINE__, {0x11, 0x06, 0, 0, 0, 1, 0, 0}, 8, true},
        {__LINE__, {0x11, 0x04, 0, 0, 0, 0}, 6, true},
        {__LINE__, {0x11, 0x08, 0, 0, 0, 1, 0, 0, 0, 0}, 10, true},
        {__LINE__, {0x11, 0x08, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf}, 10, false},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        quic_tparams tp;
        int rc =
            quic_tparams_decode(&tp, rows[i].bytes, rows[i].bytes + rows[i].len,
                                rows[i].from_server);
        if (rc != QUIC_ERR_TRANSPORT_PARAMETER)
            fail_msg("row at line %d: rc %d", rows[i].line, rc);
    }
}

static void test_quic_tparams_decode_accepts_edges(void **state) {
    (void)state;
    static const struct {
        int line;
        uint8_t bytes[48];
        size_t len;
        bool from_server;
    } rows[] = {
        {__LINE__, {0x03, 0x02, 0x44, 0xb0}, 4, true}, /* 1200 */
        {__LINE__, {0x0a, 0x01, 20}, 3, true},
        {__LINE__, {0x0b, 0x02, 0x7f, 0xff}, 4, true}, /* 2^14 - 1 */
        {__LINE__, {0x0e, 0x01, 0x02}, 3, true},
        {__LINE__, {0x08, 0x08, 0xd0, 0, 0, 0, 0, 0, 0, 0}, 10, false},
        /* Non-minimal varint filling its length is fine. */
        {__LINE__, {0x04, 0x02, 0x40, 0x05}, 4, false},
        {__LINE__, {0x0f, 20}, 22, false},
        {__LINE__, {0x0f, 0}, 2, false},
        /* A server may omit its chosen version from its list (RFC 9368
         * §3), and may list none. */
        {__LINE__, {0x11, 0x04, 0, 0, 0, 1}, 6, true},
        {__LINE__, {0x11, 0x08, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf}, 10, true},
        {__LINE__, {0x11, 0x08, 0, 0, 0, 1, 0, 0, 0, 1}, 10, false},
        /* preferred_address with a 1-byte CID. */
        {__LINE__, {0x0d, 42, [26] = 1}, 44, true},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        quic_tparams tp;
        int rc =
            quic_tparams_decode(&tp, rows[i].bytes, rows[i].bytes + rows[i].len,
                                rows[i].from_server);
        if (rc != 0)
            fail_msg("row at line %d: rc %d", rows[i].line, rc);
    }
}

static void test_quic_tparams_decode_version_list_bounded(void **state) {
    (void)state;
    /* 40 available versions: the first 16 are kept; the chosen one is
     * the last and is still found. */
    uint8_t in[3 + 4 + 40 * 4];
    in[0] = 0x11;
    in[1] = 0x40;
    in[2] = 4 + 40 * 4;
    in[3] = 0;
    in[4] = 0;
    in[5] = 0;
    in[6] = 0x63;
    for (size_t i = 0; i < 40; i++) {
        uint8_t *v = in + 7 + 4 * i;
        v[0] = 0x0a;
        v[1] = 0x0a;
        v[2] = 0x0a;
        v[3] = (uint8_t)(0x0a + i);
    }
    in[sizeof(in) - 4] = 0;
    in[sizeof(in) - 3] = 0;
    in[sizeof(in) - 2] = 0;
    in[sizeof(in) - 1] = 0x63;
    quic_tparams tp;
    assert_int_equal(quic_tparams_decode(&tp, in, in + sizeof(in), false), 0);
    assert_int_equal(tp.version_info.chosen, 0x63);
    assert_int_equal(tp.version_info.available_count, 16);
    assert_int_equal(tp.version_info.available[15], 0x0a0a0a0a + 15);
}

static void test_quic_tparams_encode_rejects(void **state) {
    (void)state;
    quic_tparams tp;
    quic_tparams_init(&tp);
    tp.initial_max_data = UINT64_C(1) << 62;
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_MAX_DATA);
    uint8_t buf[64];
    assert_int_equal(quic_tparams_encode(buf, buf + 64, &tp, NULL),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_tparams_init(&tp);
    quic_tparams_set_present(&tp, QUIC_TP_PREFERRED_ADDRESS);
    assert_int_equal(quic_tparams_encode_len(&tp, NULL),
                     QUIC_ERR_INVALID_ARGUMENT); /* empty CID */
    quic_tparams_init(&tp);
    tp.initial_scid.len = 21;
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_SCID);
    assert_int_equal(quic_tparams_encode_len(&tp, NULL),
                     QUIC_ERR_INVALID_ARGUMENT);
    /* Nothing present encodes to nothing. */
    quic_tparams_init(&tp);
    assert_int_equal(quic_tparams_encode_len(&tp, NULL), 0);
    assert_int_equal(quic_tparams_encode(buf, buf, &tp, NULL), 0);
    assert_false(quic_tparams_has(&tp, 0x21));
    quic_tparams_set_present(&tp, 0x21);
    assert_int_equal(tp.present, 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_tparams_init_defaults),
        cmocka_unit_test(test_quic_tparams_encode_decode_round_trip),
        cmocka_unit_test(test_quic_tparams_encode_exact_bytes),
        cmocka_unit_test(test_quic_tparams_decode_ignores_unknown_and_grease),
        cmocka_unit_test(test_quic_tparams_decode_rejects),
        cmocka_unit_test(test_quic_tparams_decode_accepts_edges),
        cmocka_unit_test(test_quic_tparams_decode_version_list_bounded),
        cmocka_unit_test(test_quic_tparams_encode_rejects),
    };
    return cmocka_run_group_tests_name("core_tparams", tests, NULL, NULL);
}

/* tests/unit/core_frame_test.c — QUIC frame codec (RFC 9000 §19, RFC 9221
 * §4): exact bytes and round trips for every frame type, truncation and
 * range errors with the offending type, ACK range walking and writing, the
 * §12.4 permission table and the per-type flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/frame.h"
#include "tests/unit/support/vectors.h"

static const uint8_t token16[16] = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
                                    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab,
                                    0xac, 0xad, 0xae, 0xaf};
static const uint8_t abc[3] = {'a', 'b', 'c'};
/* Raw ranges of an ACK: Gap 1, Range 2 (RFC 9000 §19.3.1). */
static const uint8_t ack_pairs[2] = {0x01, 0x02};

static quic_frame ncid(void) {
    quic_frame f = {.type = QUIC_FRAME_NEW_CONNECTION_ID};
    f.u.new_connection_id.seq = 5;
    f.u.new_connection_id.retire_prior_to = 2;
    f.u.new_connection_id.cid.len = 4;
    memcpy(f.u.new_connection_id.cid.data, "\x01\x02\x03\x04", 4);
    f.u.new_connection_id.reset_token = token16;
    return f;
}

static quic_frame path(uint64_t type) {
    quic_frame f = {.type = type};
    memcpy(f.u.path_challenge.data, "\x10\x11\x12\x13\x14\x15\x16\x17", 8);
    return f;
}

/* One frame of every type with its exact wire bytes. */
typedef struct frame_row {
    int line;
    quic_frame f;
    uint8_t bytes[32];
    size_t len;
    bool extends_to_end; /* a shorter input is still a valid frame */
} frame_row;

static size_t frame_rows(frame_row *rows) {
    size_t n = 0;
#define ROW(frame, ext, ...)                                                   \
    rows[n++] = (frame_row){                                                   \
        __LINE__, frame, {__VA_ARGS__}, sizeof((uint8_t[]){__VA_ARGS__}), ext}
    ROW(((quic_frame){.type = QUIC_FRAME_PADDING, .u.padding.len = 3}), true, 0,
        0, 0);
    ROW(((quic_frame){.type = QUIC_FRAME_PING}), false, 0x01);
    ROW(((quic_frame){.type = QUIC_FRAME_ACK,
                      .u.ack = {.largest = 100,
                                .ack_delay = 0x2a,
                                .first_range = 3,
                                .range_count = 1,
                                .ranges = ack_pairs,
                                .ranges_len = 2}}),
        false, 0x02, 0x40, 100, 0x2a, 0x01, 0x03, 0x01, 0x02);
    ROW(((quic_frame){
            .type = QUIC_FRAME_ACK_ECN,
            .u.ack = {.largest = 7, .first_range = 7, .ecn = {1, 2, 300}}}),
        false, 0x03, 0x07, 0x00, 0x00, 0x07, 0x01, 0x02, 0x41, 0x2c);
    ROW(((quic_frame){.type = QUIC_FRAME_RESET_STREAM,
                      .u.reset_stream = {4, 0x10c, 1000}}),
        false, 0x04, 0x04, 0x41, 0x0c, 0x43, 0xe8);
    ROW(((quic_frame){.type = QUIC_FRAME_STOP_SENDING,
                      .u.stop_sending = {8, 0x101}}),
        false, 0x05, 0x08, 0x41, 0x01);
    ROW(((quic_frame){.type = QUIC_FRAME_CRYPTO,
                      .u.crypto = {.offset = 64, .data = abc, .len = 3}}),
        false, 0x06, 0x40, 0x40, 0x03, 'a', 'b', 'c');
    ROW(((quic_frame){.type = QUIC_FRAME_NEW_TOKEN, .u.new_token = {abc, 3}}),
        false, 0x07, 0x03, 'a', 'b', 'c');
    ROW(((quic_frame){.type = QUIC_FRAME_STREAM,
                      .u.stream = {.stream_id = 4, .data = abc, .len = 3}}),
        true, 0x08, 0x04, 'a', 'b', 'c');
    ROW(((quic_frame){.type = QUIC_FRAME_STREAM | QUIC_FRAME_STREAM_LEN |
                              QUIC_FRAME_STREAM_FIN,
                      .u.stream = {.stream_id = 0, .data = abc, .len = 2}}),
        false, 0x0b, 0x00, 0x02, 'a', 'b');
    ROW(((quic_frame){.type = 0x0f,
                      .u.stream = {.stream_id = 3,
                                   .offset = 1 << 20,
                                   .data = abc,
                                   .len = 1}}),
        false, 0x0f, 0x03, 0x80, 0x10, 0x00, 0x00, 0x01, 'a');
    ROW(((quic_frame){.type = QUIC_FRAME_STREAM | QUIC_FRAME_STREAM_OFF |
                              QUIC_FRAME_STREAM_FIN,
                      .u.stream = {.stream_id = 1, .offset = 9}}),
        true, 0x0d, 0x01, 0x09);
    ROW(((quic_frame){.type = QUIC_FRAME_MAX_DATA, .u.max_data = {16384}}),
        false, 0x10, 0x80, 0x00, 0x40, 0x00);
    ROW(((quic_frame){.type = QUIC_FRAME_MAX_STREAM_DATA,
                      .u.max_stream_data = {2, 63}}),
        false, 0x11, 0x02, 0x3f);
    ROW(((quic_frame){.type = QUIC_FRAME_MAX_STREAMS_BIDI,
                      .u.max_streams = {UINT64_C(1) << 60}}),
        false, 0x12, 0xd0, 0, 0, 0, 0, 0, 0, 0);
    ROW(((quic_frame){.type = QUIC_FRAME_MAX_STREAMS_UNI,
                      .u.max_streams = {3}}),
        false, 0x13, 0x03);
    ROW(((quic_frame){.type = QUIC_FRAME_DATA_BLOCKED, .u.data_blocked = {64}}),
        false, 0x14, 0x40, 0x40);
    ROW(((quic_frame){.type = QUIC_FRAME_STREAM_DATA_BLOCKED,
                      .u.stream_data_blocked = {4, 5}}),
        false, 0x15, 0x04, 0x05);
    ROW(((quic_frame){.type = QUIC_FRAME_STREAMS_BLOCKED_BIDI,
                      .u.streams_blocked = {10}}),
        false, 0x16, 0x0a);
    ROW(((quic_frame){.type = QUIC_FRAME_STREAMS_BLOCKED_UNI,
                      .u.streams_blocked = {0}}),
        false, 0x17, 0x00);
    ROW(ncid(), false, 0x18, 0x05, 0x02, 0x04, 1, 2, 3, 4, 0xa0, 0xa1, 0xa2,
        0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae,
        0xaf);
    ROW(((quic_frame){.type = QUIC_FRAME_RETIRE_CONNECTION_ID,
                      .u.retire_connection_id = {7}}),
        false, 0x19, 0x07);
    ROW(path(QUIC_FRAME_PATH_CHALLENGE), false, 0x1a, 0x10, 0x11, 0x12, 0x13,
        0x14, 0x15, 0x16, 0x17);
    ROW(path(QUIC_FRAME_PATH_RESPONSE), false, 0x1b, 0x10, 0x11, 0x12, 0x13,
        0x14, 0x15, 0x16, 0x17);
    ROW(((quic_frame){
            .type = QUIC_FRAME_CONNECTION_CLOSE,
            .u.connection_close = {QUIC_FRAME_ENCODING_ERROR, 0x08, abc, 3}}),
        false, 0x1c, 0x07, 0x08, 0x03, 'a', 'b', 'c');
    ROW(((quic_frame){.type = QUIC_FRAME_CONNECTION_CLOSE_APP,
                      .u.connection_close = {0x100, 0, NULL, 0}}),
        false, 0x1d, 0x41, 0x00, 0x00);
    ROW(((quic_frame){.type = QUIC_FRAME_HANDSHAKE_DONE}), false, 0x1e);
    ROW(((quic_frame){.type = QUIC_FRAME_DATAGRAM, .u.datagram = {abc, 3}}),
        true, 0x30, 'a', 'b', 'c');
    ROW(((quic_frame){.type = QUIC_FRAME_DATAGRAM_LEN, .u.datagram = {abc, 2}}),
        false, 0x31, 0x02, 'a', 'b');
#undef ROW
    return n;
}

static void test_quic_frame_encode_every_type_exact_bytes(void **state) {
    (void)state;
    frame_row rows[40];
    size_t n = frame_rows(rows);
    for (size_t i = 0; i < n; i++) {
        uint8_t out[64];
        size_t want = rows[i].len;
        if (quic_frame_encode_len(&rows[i].f) != want)
            fail_msg("row at line %d: len %zu", rows[i].line,
                     quic_frame_encode_len(&rows[i].f));
        int got = quic_frame_encode(out, out + sizeof(out), &rows[i].f);
        if (got != (int)want || memcmp(out, rows[i].bytes, want) != 0)
            fail_msg("row at line %d: encode %d", rows[i].line, got);
        if (quic_frame_encode(out, out + want - 1, &rows[i].f) !=
            QUIC_ERR_NOBUF)
            fail_msg("row at line %d: no NOBUF", rows[i].line);
    }
}

static void test_quic_frame_decode_every_type_round_trip(void **state) {
    (void)state;
    frame_row rows[40];
    size_t n = frame_rows(rows);
    for (size_t i = 0; i < n; i++) {
        quic_frame f;
        const uint8_t *b = rows[i].bytes;
        int got = quic_frame_decode(&f, b, b + rows[i].len);
        if (got != (int)rows[i].len || f.type != rows[i].f.type)
            fail_msg("row at line %d: decode %d", rows[i].line, got);
        uint8_t out[64];
        if (quic_frame_encode(out, out + sizeof(out), &f) != got ||
            memcmp(out, b, (size_t)got) != 0)
            fail_msg("row at line %d: re-encode differs", rows[i].line);
    }
}

static void test_quic_frame_decode_fields(void **state) {
    (void)state;
    quic_frame f;
    const uint8_t stream[] = {0x0f, 0x03, 0x80, 0x10, 0, 0, 0x01, 'z', 0x01};
    assert_int_equal(quic_frame_decode(&f, stream, stream + sizeof(stream)), 8);
    assert_int_equal(f.u.stream.stream_id, 3);
    assert_int_equal(f.u.stream.offset, 1 << 20);
    assert_int_equal(f.u.stream.len, 1);
    assert_ptr_equal(f.u.stream.data, stream + 7);
    assert_true(f.type & QUIC_FRAME_STREAM_FIN);
    const uint8_t cc[] = {0x1c, 0x07, 0x08, 0x02, 'h', 'i'};
    assert_int_equal(quic_frame_decode(&f, cc, cc + sizeof(cc)), 6);
    assert_int_equal(f.u.connection_close.error_code, 7);
    assert_int_equal(f.u.connection_close.frame_type, 8);
    assert_int_equal(f.u.connection_close.reason_len, 2);
    assert_memory_equal(f.u.connection_close.reason, "hi", 2);
    const uint8_t nc[] = {0x18, 0x05, 0x02, 0x01, 0xee, 0xa0, 0xa1,
                          0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8,
                          0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf};
    assert_int_equal(quic_frame_decode(&f, nc, nc + sizeof(nc)), sizeof(nc));
    assert_int_equal(f.u.new_connection_id.cid.len, 1);
    assert_int_equal(f.u.new_connection_id.cid.data[0], 0xee);
    assert_memory_equal(f.u.new_connection_id.reset_token, token16, 16);
    /* A PADDING run stops at the first other frame. */
    const uint8_t pad[] = {0, 0, 0, 0, 0x01};
    assert_int_equal(quic_frame_decode(&f, pad, pad + 5), 4);
    assert_int_equal(f.type, QUIC_FRAME_PADDING);
    assert_int_equal(f.u.padding.len, 4);
}

/* Every strict prefix of a frame that does not run to the packet's end is
 * a FRAME_ENCODING_ERROR naming that frame's type. */
static void test_quic_frame_decode_every_truncation(void **state) {
    (void)state;
    frame_row rows[40];
    size_t n = frame_rows(rows);
    for (size_t i = 0; i < n; i++) {
        if (rows[i].extends_to_end)
            continue;
        for (size_t cut = 1; cut < rows[i].len; cut++) {
            quic_frame f;
            int rc = quic_frame_decode(&f, rows[i].bytes, rows[i].bytes + cut);
            if (rc != QUIC_ERR_FRAME_ENCODING || f.type != rows[i].f.type)
                fail_msg("row at line %d cut %zu: rc %d type 0x%llx",
                         rows[i].line, cut, rc, (unsigned long long)f.type);
        }
    }
    quic_frame f;
    const uint8_t two_byte_type[] = {0x40};
    assert_int_equal(quic_frame_decode(&f, two_byte_type, two_byte_type + 1),
                     QUIC_ERR_FRAME_ENCODING);
    assert_int_equal(f.type, 0); /* unknown: §19.19 says use 0 */
}

static void test_quic_frame_decode_field_limits(void **state) {
    (void)state;
    static const struct {
        int line;
        uint8_t bytes[32];
        size_t len;
        uint64_t type;
        int rc;
    } rows[] = {
        /* §19.8: offset + length over 2^62-1 (offset 2^62-1, 1 byte). */
        {__LINE__,
         {0x0e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
          'x'},
         12,
         0x0e,
         QUIC_ERR_FRAME_ENCODING},
        /* ... exactly 2^62-1 with no data is fine. */
        {__LINE__,
         {0x0e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00},
         11,
         0x0e,
         11},
        /* §19.6: same for CRYPTO. */
        {__LINE__,
         {0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 'x'},
         11,
         0x06,
         QUIC_ERR_FRAME_ENCODING},
        /* §19.11 / §19.14: stream counts over 2^60. */
        {__LINE__,
         {0x12, 0xd0, 0, 0, 0, 0, 0, 0, 1},
         9,
         0x12,
         QUIC_ERR_FRAME_ENCODING},
        {__LINE__,
         {0x13, 0xd0, 0, 0, 0, 0, 0, 0, 1},
         9,
         0x13,
         QUIC_ERR_FRAME_ENCODING},
        {__LINE__,
         {0x16, 0xd0, 0, 0, 0, 0, 0, 0, 1},
         9,
         0x16,
         QUIC_ERR_FRAME_ENCODING},
        {__LINE__,
         {0x17, 0xd0, 0, 0, 0, 0, 0, 0, 1},
         9,
         0x17,
         QUIC_ERR_FRAME_ENCODING},
        /* §19.15: CID length 0 and 21, Retire Prior To > Sequence. */
        {__LINE__, {0x18, 0x01, 0x00, 0x00}, 4, 0x18, QUIC_ERR_FRAME_ENCODING},
        {__LINE__, {0x18, 0x01, 0x00, 21}, 4, 0x18, QUIC_ERR_FRAME_ENCODING},
        {__LINE__,
         {0x18, 0x01, 0x02, 0x01, 0xee},
         5,
         0x18,
         QUIC_ERR_FRAME_ENCODING},
        /* §19.7: empty NEW_TOKEN. */
        {__LINE__, {0x07, 0x00}, 2, 0x07, QUIC_ERR_FRAME_ENCODING},
        /* §19.19: reason longer than the packet. */
        {__LINE__,
         {0x1d, 0x00, 0x05, 'a', 'b'},
         5,
         0x1d,
         QUIC_ERR_FRAME_ENCODING},
        /* §19.3.1: First ACK Range larger than Largest Acknowledged. */
        {__LINE__,
         {0x02, 0x05, 0x00, 0x00, 0x06},
         5,
         0x02,
         QUIC_ERR_FRAME_ENCODING},
        /* Gap below zero: largest 5, first 3 -> smallest 2; gap 1 needs 3. */
        {__LINE__,
         {0x02, 0x05, 0x00, 0x01, 0x03, 0x01, 0x00},
         7,
         0x02,
         QUIC_ERR_FRAME_ENCODING},
        /* ... gap 0 gives largest 0, range 1 below zero. */
        {__LINE__,
         {0x02, 0x05, 0x00, 0x01, 0x03, 0x00, 0x01},
         7,
         0x02,
         QUIC_ERR_FRAME_ENCODING},
        /* ... range 0 lands exactly on packet 0. */
        {__LINE__, {0x02, 0x05, 0x00, 0x01, 0x03, 0x00, 0x00}, 7, 0x02, 7},
        /* A range count the input cannot hold. */
        {__LINE__,
         {0x02, 0x05, 0x00, 0x80, 0xff, 0xff, 0xff, 0x00},
         8,
         0x02,
         QUIC_ERR_FRAME_ENCODING},
        /* Unknown types (§12.4), including the reserved 0x1f and 0x32. */
        {__LINE__, {0x1f}, 1, 0x1f, QUIC_ERR_FRAME_ENCODING},
        {__LINE__, {0x32, 0x00}, 2, 0x32, QUIC_ERR_FRAME_ENCODING},
        {__LINE__, {0x40, 0x40}, 2, 0x40, QUIC_ERR_FRAME_ENCODING},
        /* §12.4: a type not in its shortest encoding. */
        {__LINE__, {0x40, 0x01}, 2, 0x01, QUIC_ERR_PROTOCOL_VIOLATION},
        {__LINE__,
         {0x80, 0x00, 0x00, 0x06, 0, 0},
         6,
         0x06,
         QUIC_ERR_PROTOCOL_VIOLATION},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        quic_frame f;
        int rc =
            quic_frame_decode(&f, rows[i].bytes, rows[i].bytes + rows[i].len);
        if (rc != rows[i].rc || f.type != rows[i].type)
            fail_msg("row at line %d: rc %d type 0x%llx", rows[i].line, rc,
                     (unsigned long long)f.type);
    }
}

static void test_quic_frame_encode_rejects_invalid(void **state) {
    (void)state;
    uint8_t out[64];
    quic_frame f = ncid();
    f.u.new_connection_id.cid.len = 0;
    assert_int_equal(quic_frame_encode(out, out + 64, &f),
                     QUIC_ERR_INVALID_ARGUMENT);
    f = ncid();
    f.u.new_connection_id.retire_prior_to = 6;
    assert_int_equal(quic_frame_encode_len(&f), 0);
    f = (quic_frame){.type = QUIC_FRAME_MAX_STREAMS_UNI,
                     .u.max_streams = {(UINT64_C(1) << 60) + 1}};
    assert_int_equal(quic_frame_encode_len(&f), 0);
    f = (quic_frame){.type = QUIC_FRAME_MAX_DATA,
                     .u.max_data = {UINT64_C(1) << 62}};
    assert_int_equal(quic_frame_encode_len(&f), 0);
    f = (quic_frame){.type = QUIC_FRAME_STREAM,
                     .u.stream = {.offset = 5, .data = abc, .len = 1}};
    assert_int_equal(quic_frame_encode_len(&f), 0); /* offset without OFF */
    f = (quic_frame){.type = QUIC_FRAME_NEW_TOKEN};
    assert_int_equal(quic_frame_encode_len(&f), 0);
    f = (quic_frame){.type = 0x1f};
    assert_int_equal(quic_frame_encode_len(&f), 0);
    f = (quic_frame){.type = QUIC_FRAME_PADDING};
    assert_int_equal(quic_frame_encode_len(&f), 0);
}

/* RFC 9001 Appendix A payloads: ACK + CRYPTO, and CRYPTO + PADDING. */
static void test_quic_frame_decode_rfc9001_payloads(void **state) {
    (void)state;
    test_vectors tv;
    if (test_vectors_load(&tv, "rfc9001-test-vectors.txt") != 0)
        fail_msg("cannot load vectors");
    size_t len;
    const uint8_t *p = test_vectors_bytes(&tv, "server_initial_payload", &len);
    assert_non_null(p);
    quic_frame f;
    int n = quic_frame_decode(&f, p, p + len);
    assert_int_equal(n, 5);
    assert_int_equal(f.type, QUIC_FRAME_ACK);
    assert_int_equal(f.u.ack.largest, 0);
    assert_int_equal(f.u.ack.smallest, 0);
    n = quic_frame_decode(&f, p + 5, p + len);
    assert_int_equal(n, len - 5);
    assert_int_equal(f.type, QUIC_FRAME_CRYPTO);
    assert_int_equal(f.u.crypto.offset, 0);
    assert_int_equal(f.u.crypto.len, 90);
    p = test_vectors_bytes(&tv, "client_initial_payload", &len);
    assert_non_null(p);
    n = quic_frame_decode(&f, p, p + len);
    assert_int_equal(f.type, QUIC_FRAME_CRYPTO);
    assert_int_equal(f.u.crypto.len, 241);
    int m = quic_frame_decode(&f, p + n, p + len);
    assert_int_equal(f.type, QUIC_FRAME_PADDING);
    assert_int_equal(n + m, len);
    test_vectors_free(&tv);
}

static void test_quic_ack_iter_walks_ranges(void **state) {
    (void)state;
    /* Largest 100, first range 3 (97-100); gap 1 (95, 96 missing), range
     * 2 -> 92-94; gap 0 (91 missing), range 0 -> 90. */
    const uint8_t b[] = {0x02, 0x40, 100,  0x00, 0x02,
                         0x03, 0x01, 0x02, 0x00, 0x00};
    quic_frame f;
    assert_int_equal(quic_frame_decode(&f, b, b + sizeof(b)), sizeof(b));
    assert_int_equal(f.u.ack.smallest, 90);
    quic_ack_iter it;
    quic_ack_range r;
    quic_ack_iter_init(&it, &f.u.ack);
    static const quic_ack_range want[] = {{97, 100}, {92, 94}, {90, 90}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(quic_ack_iter_next(&it, &r));
        assert_int_equal(r.smallest, want[i].smallest);
        assert_int_equal(r.largest, want[i].largest);
    }
    assert_false(quic_ack_iter_next(&it, &r));
}

static void test_quic_ack_frame_write_ranges(void **state) {
    (void)state;
    static const quic_ack_range ranges[] = {{97, 100}, {92, 94}, {90, 90}};
    uint8_t out[64];
    size_t nw;
    int n =
        quic_ack_frame_write(out, out + sizeof(out), ranges, 3, 0, NULL, &nw);
    static const uint8_t want[] = {0x02, 0x40, 100,  0x00, 0x02,
                                   0x03, 0x01, 0x02, 0x00, 0x00};
    assert_int_equal(n, sizeof(want));
    assert_int_equal(nw, 3);
    assert_memory_equal(out, want, sizeof(want));
    /* Limited to 8 bytes: only the first two ranges fit. */
    n = quic_ack_frame_write(out, out + 8, ranges, 3, 0, NULL, &nw);
    assert_int_equal(n, 8);
    assert_int_equal(nw, 2);
    quic_frame f;
    assert_int_equal(quic_frame_decode(&f, out, out + n), 8);
    assert_int_equal(f.u.ack.range_count, 1);
    assert_int_equal(f.u.ack.smallest, 92);
    /* 6 bytes: only the first range; 5: nothing. */
    assert_int_equal(
        quic_ack_frame_write(out, out + 6, ranges, 3, 0, NULL, &nw), 6);
    assert_int_equal(nw, 1);
    assert_int_equal(
        quic_ack_frame_write(out, out + 5, ranges, 3, 0, NULL, &nw),
        QUIC_ERR_NOBUF);
    /* ECN counts make it ACK_ECN. */
    quic_ecn_counts ecn = {5, 0, 1};
    n = quic_ack_frame_write(out, out + sizeof(out), ranges, 1, 1000, &ecn,
                             &nw);
    static const uint8_t want_ecn[] = {0x03, 0x40, 100,  0x43, 0xe8,
                                       0x00, 0x03, 0x05, 0x00, 0x01};
    assert_int_equal(n, sizeof(want_ecn));
    assert_memory_equal(out, want_ecn, sizeof(want_ecn));
    assert_int_equal(quic_frame_decode(&f, out, out + n), n);
    assert_int_equal(f.u.ack.ecn.ect0, 5);
    assert_int_equal(f.u.ack.ecn.ce, 1);
}

static void test_quic_ack_frame_write_rejects(void **state) {
    (void)state;
    uint8_t out[64];
    size_t nw;
    static const quic_ack_range adjacent[] = {{10, 12}, {5, 9}};
    static const quic_ack_range unsorted[] = {{5, 9}, {10, 12}};
    static const quic_ack_range inverted[] = {{12, 10}};
    static const quic_ack_range huge[] = {{0, UINT64_C(1) << 62}};
    static const quic_ack_range touching_zero[] = {{10, 12}, {0, 8}};
    assert_int_equal(
        quic_ack_frame_write(out, out + 64, adjacent, 2, 0, NULL, &nw),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_ack_frame_write(out, out + 64, unsorted, 2, 0, NULL, &nw),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_ack_frame_write(out, out + 64, inverted, 1, 0, NULL, &nw),
        QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_ack_frame_write(out, out + 64, huge, 1, 0, NULL, &nw),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(
        quic_ack_frame_write(out, out + 64, adjacent, 0, 0, NULL, &nw),
        QUIC_ERR_INVALID_ARGUMENT);
    int n = quic_ack_frame_write(out, out + 64, touching_zero, 2, 0, NULL, &nw);
    assert_int_equal(n, 7);
    quic_frame f;
    assert_int_equal(quic_frame_decode(&f, out, out + n), n);
    assert_int_equal(f.u.ack.smallest, 0);
}

static void test_quic_frame_allowed_table(void **state) {
    (void)state;
    /* RFC 9000 §12.4 Table 3, columns I H 0 1. */
    static const struct {
        int line;
        uint64_t type;
        bool i, h, z, o;
    } rows[] = {
        {__LINE__, 0x00, 1, 1, 1, 1}, {__LINE__, 0x01, 1, 1, 1, 1},
        {__LINE__, 0x02, 1, 1, 0, 1}, {__LINE__, 0x03, 1, 1, 0, 1},
        {__LINE__, 0x04, 0, 0, 1, 1}, {__LINE__, 0x05, 0, 0, 1, 1},
        {__LINE__, 0x06, 1, 1, 0, 1}, {__LINE__, 0x07, 0, 0, 0, 1},
        {__LINE__, 0x08, 0, 0, 1, 1}, {__LINE__, 0x0f, 0, 0, 1, 1},
        {__LINE__, 0x10, 0, 0, 1, 1}, {__LINE__, 0x11, 0, 0, 1, 1},
        {__LINE__, 0x12, 0, 0, 1, 1}, {__LINE__, 0x13, 0, 0, 1, 1},
        {__LINE__, 0x14, 0, 0, 1, 1}, {__LINE__, 0x15, 0, 0, 1, 1},
        {__LINE__, 0x16, 0, 0, 1, 1}, {__LINE__, 0x17, 0, 0, 1, 1},
        {__LINE__, 0x18, 0, 0, 1, 1}, {__LINE__, 0x19, 0, 0, 1, 1},
        {__LINE__, 0x1a, 0, 0, 1, 1}, {__LINE__, 0x1b, 0, 0, 0, 1},
        {__LINE__, 0x1c, 1, 1, 1, 1}, {__LINE__, 0x1d, 0, 0, 1, 1},
        {__LINE__, 0x1e, 0, 0, 0, 1}, {__LINE__, 0x30, 0, 0, 1, 1},
        {__LINE__, 0x31, 0, 0, 1, 1}, {__LINE__, 0x1f, 0, 0, 0, 0},
        {__LINE__, 0x32, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t t = rows[i].type;
        if (quic_frame_allowed(t, QUIC_PACKET_INITIAL) != rows[i].i ||
            quic_frame_allowed(t, QUIC_PACKET_HANDSHAKE) != rows[i].h ||
            quic_frame_allowed(t, QUIC_PACKET_ZERO_RTT) != rows[i].z ||
            quic_frame_allowed(t, QUIC_PACKET_ONE_RTT) != rows[i].o ||
            quic_frame_allowed(t, QUIC_PACKET_RETRY) ||
            quic_frame_allowed(t, QUIC_PACKET_VERSION_NEGOTIATION))
            fail_msg("row at line %d", rows[i].line);
    }
}

static void test_quic_frame_type_flags(void **state) {
    (void)state;
    /* Table 3 "Spec" column: N (not ack-eliciting), C (not in flight),
     * P (probing). */
    static const struct {
        int line;
        uint64_t type;
        bool eliciting, in_flight, probing;
    } rows[] = {
        {__LINE__, 0x00, 0, 1, 1}, {__LINE__, 0x01, 1, 1, 0},
        {__LINE__, 0x02, 0, 0, 0}, {__LINE__, 0x03, 0, 0, 0},
        {__LINE__, 0x08, 1, 1, 0}, {__LINE__, 0x18, 1, 1, 1},
        {__LINE__, 0x1a, 1, 1, 1}, {__LINE__, 0x1b, 1, 1, 1},
        {__LINE__, 0x1c, 0, 0, 0}, {__LINE__, 0x1d, 0, 0, 0},
        {__LINE__, 0x1e, 1, 1, 0}, {__LINE__, 0x30, 1, 1, 0},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (quic_frame_is_ack_eliciting(rows[i].type) != rows[i].eliciting ||
            quic_frame_counts_in_flight(rows[i].type) != rows[i].in_flight ||
            quic_frame_is_probing(rows[i].type) != rows[i].probing)
            fail_msg("row at line %d", rows[i].line);
}

/* The sizing helpers agree with the encoder at every space: the returned
 * amount fits exactly-or-under, one more byte does not. */
static void test_quic_stream_frame_max_data_matches_encoder(void **state) {
    (void)state;
    static uint8_t data[20000];
    static const uint64_t offsets[] = {0, 63, 64, 16384, 1u << 30};
    for (size_t o = 0; o < 5; o++) {
        for (size_t space = 0; space < 16500; space += (space < 80 ? 1 : 97)) {
            for (int with_len = 0; with_len < 2; with_len++) {
                uint64_t type = QUIC_FRAME_STREAM |
                                (offsets[o] ? QUIC_FRAME_STREAM_OFF : 0) |
                                (with_len ? QUIC_FRAME_STREAM_LEN : 0);
                size_t d = quic_stream_frame_max_data(
                    4, offsets[o], sizeof(data), with_len, space);
                quic_frame f = {.type = type,
                                .u.stream = {4, offsets[o], data, d}};
                if (d > 0 && quic_frame_encode_len(&f) > space)
                    fail_msg("offset %llu space %zu: %zu too many",
                             (unsigned long long)offsets[o], space, d);
                f.u.stream.len = d + 1;
                if (quic_frame_encode_len(&f) <= space)
                    fail_msg("offset %llu space %zu len %d: %zu too few",
                             (unsigned long long)offsets[o], space, with_len,
                             d);
            }
            size_t c =
                quic_crypto_frame_max_data(offsets[o], sizeof(data), space);
            quic_frame f = {.type = QUIC_FRAME_CRYPTO,
                            .u.crypto = {offsets[o], data, c + 1}};
            if (quic_frame_encode_len(&f) <= space)
                fail_msg("crypto offset %llu space %zu: %zu too few",
                         (unsigned long long)offsets[o], space, c);
        }
    }
    assert_int_equal(quic_stream_frame_max_data(4, 0, 10, true, 100), 10);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_frame_encode_every_type_exact_bytes),
        cmocka_unit_test(test_quic_frame_decode_every_type_round_trip),
        cmocka_unit_test(test_quic_frame_decode_fields),
        cmocka_unit_test(test_quic_frame_decode_every_truncation),
        cmocka_unit_test(test_quic_frame_decode_field_limits),
        cmocka_unit_test(test_quic_frame_encode_rejects_invalid),
        cmocka_unit_test(test_quic_frame_decode_rfc9001_payloads),
        cmocka_unit_test(test_quic_ack_iter_walks_ranges),
        cmocka_unit_test(test_quic_ack_frame_write_ranges),
        cmocka_unit_test(test_quic_ack_frame_write_rejects),
        cmocka_unit_test(test_quic_frame_allowed_table),
        cmocka_unit_test(test_quic_frame_type_flags),
        cmocka_unit_test(test_quic_stream_frame_max_data_matches_encoder),
    };
    return cmocka_run_group_tests_name("core_frame", tests, NULL, NULL);
}

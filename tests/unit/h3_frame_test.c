/* tests/unit/h3_frame_test.c — HTTP/3 frame codec (RFC 9114 §7): encoders
 * give the exact bytes, the incremental parser gives the same frames however
 * the stream is cut, and each malformed frame gives its error; also the
 * error-code names and mapping of h3/err.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "h3/frame.h"

/* ---- Transcript: a canonical text of what the parser reported ----------- */

typedef struct transcript {
    char text[8192];
    size_t len;
    uint8_t data[4096]; /* the DATA frame being assembled */
    size_t data_len;
} transcript;

static void tr_append(transcript *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->text + t->len, sizeof(t->text) - t->len, fmt, ap);
    va_end(ap);
    assert_true(n >= 0 && (size_t)n < sizeof(t->text) - t->len);
    t->len += (size_t)n;
}

static void tr_hex(transcript *t, const uint8_t *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        tr_append(t, "%02x", p[i]);
}

/* Records one event; DATA pieces are joined so the split does not show. */
static void tr_event(transcript *t, const h3_frame_event *ev) {
    switch (ev->type) {
    case H3_FRAME_EV_DATA:
        assert_true(ev->len > 0 || ev->frame_end);
        assert_true(t->data_len + ev->len <= sizeof(t->data));
        if (ev->len)
            memcpy(t->data + t->data_len, ev->data, ev->len);
        t->data_len += ev->len;
        if (ev->frame_end) {
            tr_append(t, "DATA(");
            tr_hex(t, t->data, t->data_len);
            tr_append(t, ")");
            t->data_len = 0;
        }
        break;
    case H3_FRAME_EV_FRAME:
        tr_append(t, "F%llx[%llu](", (unsigned long long)ev->frame_type,
                  (unsigned long long)ev->id);
        tr_hex(t, ev->data, ev->len);
        tr_append(t, ")");
        break;
    case H3_FRAME_EV_UNKNOWN:
        tr_append(t, "U%llx/%llu", (unsigned long long)ev->frame_type,
                  (unsigned long long)ev->frame_length);
        break;
    case H3_FRAME_EV_END: tr_append(t, "END"); break;
    case H3_FRAME_EV_NEED_INPUT: break;
    }
    bool printed = ev->type == H3_FRAME_EV_FRAME ||
                   ev->type == H3_FRAME_EV_UNKNOWN ||
                   (ev->type == H3_FRAME_EV_DATA && ev->frame_end);
    if (printed)
        tr_append(t, " ");
}

/* Feeds one input chunk; returns 0 or the parser's error. */
static int feed_chunk(h3_frame_parser *p, transcript *t, const uint8_t *in,
                      size_t len, bool fin) {
    size_t off = 0;
    for (;;) {
        size_t used;
        h3_frame_event ev;
        int rc = h3_frame_parser_next(p, in + off, len - off, fin, &used, &ev);
        if (rc < 0)
            return rc;
        assert_true(used <= len - off);
        off += used;
        tr_event(t, &ev);
        if (ev.type == H3_FRAME_EV_NEED_INPUT || ev.type == H3_FRAME_EV_END) {
            assert_int_equal(off, len);
            return 0;
        }
    }
}

/* Feeds |in| cut at the offsets in |cuts| (ascending), FIN with the last
 * chunk if |fin|. Each chunk is a separate heap copy so ASan sees a read
 * outside the chunk. Returns 0 or the error. */
static int feed_cut(transcript *t, const uint8_t *in, size_t len,
                    const size_t *cuts, size_t ncuts, bool fin) {
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 64, 256);
    memset(t, 0, sizeof(*t));
    size_t start = 0;
    int rc = 0;
    for (size_t i = 0; i <= ncuts && rc == 0; i++) {
        size_t stop = i < ncuts ? cuts[i] : len;
        uint8_t *chunk = malloc(stop - start + 1);
        assert_non_null(chunk);
        memcpy(chunk, in + start, stop - start);
        rc = feed_chunk(&p, t, chunk, stop - start, fin && i == ncuts);
        free(chunk);
        start = stop;
    }
    h3_frame_parser_free(&p);
    return rc;
}

/* A stream with every frame kind, varints of several sizes, a zero-length
 * DATA frame, reserved and unknown frames. */
static size_t build_mixed_stream(uint8_t *buf, size_t cap) {
    static const uint8_t fs[] = {0x00, 0x00, 0xd1, 0xd7};
    static const uint8_t body[70] = {1, 2, 3};
    static const uint8_t pad[3] = {0xee, 0xee, 0xee};
    size_t off = 0;
    int n;
#define PUT(call)                                                              \
    do {                                                                       \
        n = (call);                                                            \
        assert_true(n > 0);                                                    \
        off += (size_t)n;                                                      \
    } while (0)
    PUT(h3_frame_write_headers(buf + off, cap - off, fs, sizeof(fs)));
    PUT(h3_frame_write_data(buf + off, cap - off, body, sizeof(body)));
    PUT(h3_frame_write_grease(buf + off, cap - off, 0, pad, sizeof(pad)));
    PUT(h3_frame_write_data(buf + off, cap - off, NULL, 0));
    PUT(h3_frame_write_grease(buf + off, cap - off, H3_GREASE_MAX_N, NULL, 0));
    PUT(h3_frame_write_push_promise(buf + off, cap - off, 300, fs, 2));
    PUT(h3_frame_write_header(buf + off, cap - off, 0xf0700, 1)); /* unknown */
    buf[off++] = 0x55;
    PUT(h3_frame_write_goaway(buf + off, cap - off, 16384));
    PUT(h3_frame_write_max_push_id(buf + off, cap - off, 7));
    PUT(h3_frame_write_cancel_push(buf + off, cap - off, 1u << 30));
    PUT(h3_frame_write_header(buf + off, cap - off, H3_FRAME_SETTINGS, 4));
    memcpy(buf + off, "\x01\x0a\x07\x05", 4);
    off += 4;
    PUT(h3_frame_write_headers(buf + off, cap - off, fs, 0));
#undef PUT
    return off;
}

static const char mixed_expected[] =
    "F1[0](0000d1d7) DATA(010203"
    "0000000000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000) "
    "U21/3 DATA() U3ffffffffffffffe/0 F5[300](0000) Uf0700/1 "
    "F7[16384]() Fd[7]() F3[1073741824]() F4[0](010a0705) F1[0]() END";

static void test_h3_frame_parser_next_whole_stream(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t len = build_mixed_stream(buf, sizeof(buf));
    transcript t;
    assert_int_equal(feed_cut(&t, buf, len, NULL, 0, true), 0);
    assert_string_equal(t.text, mixed_expected);
}

static void test_h3_frame_parser_next_every_split(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t len = build_mixed_stream(buf, sizeof(buf));
    transcript t;
    for (size_t i = 0; i <= len; i++) {
        size_t cuts[1] = {i};
        assert_int_equal(feed_cut(&t, buf, len, cuts, 1, true), 0);
        assert_string_equal(t.text, mixed_expected);
        for (size_t j = i; j <= len; j += 7) {
            size_t cuts2[2] = {i, j};
            assert_int_equal(feed_cut(&t, buf, len, cuts2, 2, true), 0);
            assert_string_equal(t.text, mixed_expected);
        }
    }
}

static void test_h3_frame_parser_next_byte_by_byte(void **state) {
    (void)state;
    uint8_t buf[512];
    size_t len = build_mixed_stream(buf, sizeof(buf));
    size_t cuts[512];
    for (size_t i = 0; i < len; i++)
        cuts[i] = i + 1;
    transcript t;
    assert_int_equal(feed_cut(&t, buf, len, cuts, len, true), 0);
    assert_string_equal(t.text, mixed_expected);
}

/* DATA pieces point into the caller's input: no copy. */
static void test_h3_frame_parser_next_data_zero_copy(void **state) {
    (void)state;
    uint8_t in[] = {0x00, 0x05, 'h', 'e', 'l', 'l', 'o'};
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 64, 64);
    h3_frame_event ev;
    size_t used;
    assert_int_equal(h3_frame_parser_next(&p, in, 4, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_DATA);
    assert_ptr_equal(ev.data, in + 2);
    assert_int_equal(ev.len, 2);
    assert_false(ev.frame_end);
    assert_int_equal(ev.frame_length, 5);
    assert_int_equal(used, 4);
    assert_int_equal(h3_frame_parser_next(&p, in + 4, 3, false, &used, &ev), 0);
    assert_ptr_equal(ev.data, in + 4);
    assert_int_equal(ev.len, 3);
    assert_true(ev.frame_end);
    assert_int_equal(h3_frame_parser_next(&p, in + 7, 0, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_NEED_INPUT);
    h3_frame_parser_free(&p);
}

/* A buffered frame wholly in the input is not copied either. */
static void test_h3_frame_parser_next_frame_zero_copy(void **state) {
    (void)state;
    uint8_t in[] = {0x01, 0x02, 0xaa, 0xbb};
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 64, 64);
    h3_frame_event ev;
    size_t used;
    assert_int_equal(h3_frame_parser_next(&p, in, 4, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_FRAME);
    assert_ptr_equal(ev.data, in + 2);
    assert_int_equal(used, 4);
    assert_null(p.buf);
    h3_frame_parser_free(&p);
}

static void test_h3_frame_parser_next_end_repeats(void **state) {
    (void)state;
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 64, 64);
    h3_frame_event ev;
    size_t used;
    assert_int_equal(h3_frame_parser_next(&p, NULL, 0, true, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_END);
    assert_int_equal(h3_frame_parser_next(&p, NULL, 0, true, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_END);
    h3_frame_parser_free(&p);
}

/* ---- Malformed streams ------------------------------------------------- */

static const struct error_case {
    int line;
    const char *what;
    uint8_t in[16];
    size_t len;
    bool fin;
    int err;
} error_cases[] = {
    /* §7.2.8: HTTP/2 frame types are H3_FRAME_UNEXPECTED. */
    {__LINE__, "h2 PRIORITY", {0x02, 0x00}, 2, false, H3_ERR_FRAME_UNEXPECTED},
    {__LINE__, "h2 PING", {0x06, 0x00}, 2, false, H3_ERR_FRAME_UNEXPECTED},
    {__LINE__,
     "h2 WINDOW_UPDATE",
     {0x08, 0x00},
     2,
     false,
     H3_ERR_FRAME_UNEXPECTED},
    {__LINE__,
     "h2 CONTINUATION",
     {0x09, 0x00},
     2,
     false,
     H3_ERR_FRAME_UNEXPECTED},
    {__LINE__,
     "h2 type, 2-byte varint",
     {0x40, 0x02, 0x00},
     3,
     false,
     H3_ERR_FRAME_UNEXPECTED},
    /* §7.1: payload must hold exactly the frame's fields. */
    {__LINE__,
     "GOAWAY trailing byte",
     {0x07, 0x02, 0x04, 0x00},
     4,
     false,
     H3_ERR_FRAME},
    {__LINE__, "GOAWAY empty", {0x07, 0x00}, 2, false, H3_ERR_FRAME},
    {__LINE__,
     "GOAWAY varint truncated",
     {0x07, 0x01, 0x40},
     3,
     false,
     H3_ERR_FRAME},
    {__LINE__, "GOAWAY too long", {0x07, 0x09}, 2, false, H3_ERR_FRAME},
    {__LINE__,
     "MAX_PUSH_ID trailing",
     {0x0d, 0x02, 0x01, 0x01},
     4,
     false,
     H3_ERR_FRAME},
    {__LINE__, "MAX_PUSH_ID empty", {0x0d, 0x00}, 2, false, H3_ERR_FRAME},
    {__LINE__,
     "CANCEL_PUSH trailing",
     {0x03, 0x03, 0x40, 0x01, 0x00},
     5,
     false,
     H3_ERR_FRAME},
    {__LINE__,
     "CANCEL_PUSH truncated",
     {0x03, 0x02, 0x80, 0x00},
     4,
     false,
     H3_ERR_FRAME},
    {__LINE__, "PUSH_PROMISE empty", {0x05, 0x00}, 2, false, H3_ERR_FRAME},
    {__LINE__,
     "PUSH_PROMISE id truncated",
     {0x05, 0x01, 0x40},
     3,
     false,
     H3_ERR_FRAME},
    /* §7.1: FIN inside a frame. */
    {__LINE__, "FIN in type", {0x40}, 1, true, H3_ERR_FRAME},
    {__LINE__, "FIN after type", {0x00}, 1, true, H3_ERR_FRAME},
    {__LINE__, "FIN in length", {0x00, 0x40}, 2, true, H3_ERR_FRAME},
    {__LINE__, "FIN in DATA", {0x00, 0x03, 'a', 'b'}, 4, true, H3_ERR_FRAME},
    {__LINE__, "FIN in HEADERS", {0x01, 0x03, 0x00}, 3, true, H3_ERR_FRAME},
    {__LINE__, "FIN in unknown", {0x21, 0x03, 0x00}, 3, true, H3_ERR_FRAME},
    /* Limits (parser made with 16 / 32). */
    {__LINE__,
     "SETTINGS over limit",
     {0x04, 0x11},
     2,
     false,
     H3_ERR_EXCESSIVE_LOAD},
    {__LINE__,
     "HEADERS over limit",
     {0x01, 0x21},
     2,
     false,
     H3_ERR_FIELD_SECTION_TOO_LARGE},
    {__LINE__,
     "PUSH_PROMISE over limit",
     {0x05, 0x40, 0x29},
     3,
     false,
     H3_ERR_FIELD_SECTION_TOO_LARGE},
    {__LINE__,
     "HEADERS huge length",
     {0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
     9,
     false,
     H3_ERR_FIELD_SECTION_TOO_LARGE},
};

static void test_h3_frame_parser_next_errors(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
        const struct error_case *c = &error_cases[i];
        /* Whole, and cut at every byte: the error must not depend on it. */
        for (size_t cut = 0; cut <= c->len; cut++) {
            h3_frame_parser p;
            h3_frame_parser_init(&p, NULL, 16, 32);
            transcript t;
            memset(&t, 0, sizeof(t));
            int rc = feed_chunk(&p, &t, c->in, cut, c->fin && cut == c->len);
            if (rc == 0)
                rc = feed_chunk(&p, &t, c->in + cut, c->len - cut, c->fin);
            if (rc != c->err)
                fail_msg("line %d (%s), cut %zu: got %d (%s), want %d", c->line,
                         c->what, cut, rc, h3_strerror(rc), c->err);
            /* Errors are sticky. */
            size_t used;
            h3_frame_event ev;
            assert_int_equal(h3_frame_parser_next(&p, (const uint8_t *)"\0\0",
                                                  2, false, &used, &ev),
                             c->err);
            h3_frame_parser_free(&p);
        }
    }
}

/* An allocator that fails, for the buffer of a split frame. */
static void *failing_realloc(void *ptr, size_t size, void *user) {
    (void)ptr;
    (void)size;
    (void)user;
    return NULL;
}

static void test_h3_frame_parser_next_nomem(void **state) {
    (void)state;
    quic_allocator a = {.realloc = failing_realloc};
    h3_frame_parser p;
    h3_frame_parser_init(&p, &a, 64, 64);
    uint8_t in[] = {0x01, 0x04, 0x00};
    size_t used;
    h3_frame_event ev;
    assert_int_equal(h3_frame_parser_next(&p, in, 3, false, &used, &ev),
                     H3_ERR_NOMEM);
    h3_frame_parser_free(&p);
    /* Whole in the input it needs no buffer, so the same allocator works. */
    uint8_t whole[] = {0x01, 0x01, 0x00};
    h3_frame_parser_init(&p, &a, 64, 64);
    assert_int_equal(h3_frame_parser_next(&p, whole, 3, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_FRAME);
    h3_frame_parser_free(&p);
}

/* cmocka's test_realloc through the allocator: the buffer is freed. */
static void *test_realloc_cb(void *ptr, size_t size, void *user) {
    (void)user;
    return test_realloc(ptr, size);
}
static void test_free_cb(void *ptr, void *user) {
    (void)user;
    test_free(ptr);
}

static void test_h3_frame_parser_free_releases_buffer(void **state) {
    (void)state;
    quic_allocator a = {.realloc = test_realloc_cb, .free = test_free_cb};
    h3_frame_parser p;
    h3_frame_parser_init(&p, &a, 64, 64);
    uint8_t in[] = {0x04, 0x04, 0x01, 0x02};
    size_t used;
    h3_frame_event ev;
    assert_int_equal(h3_frame_parser_next(&p, in, 4, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_NEED_INPUT);
    assert_non_null(p.buf);
    uint8_t rest[] = {0x03, 0x04};
    assert_int_equal(h3_frame_parser_next(&p, rest, 2, false, &used, &ev), 0);
    assert_int_equal(ev.type, H3_FRAME_EV_FRAME);
    assert_int_equal(ev.frame_type, H3_FRAME_SETTINGS);
    assert_memory_equal(ev.data, "\x01\x02\x03\x04", 4);
    h3_frame_parser_free(&p);
}

/* ---- Encoders ---------------------------------------------------------- */

static const struct encode_case {
    int line;
    const char *what;
    uint8_t want[16];
    size_t len;
} encode_cases[] = {
    {__LINE__, "HEADERS", {0x01, 0x02, 0x00, 0x00}, 4},
    {__LINE__, "DATA", {0x00, 0x03, 'a', 'b', 'c'}, 5},
    {__LINE__, "PUSH_PROMISE 64", {0x05, 0x04, 0x40, 0x40, 0x00, 0x00}, 6},
    {__LINE__, "CANCEL_PUSH 3", {0x03, 0x01, 0x03}, 3},
    {__LINE__, "GOAWAY 16384", {0x07, 0x04, 0x80, 0x00, 0x40, 0x00}, 6},
    {__LINE__, "MAX_PUSH_ID 63", {0x0d, 0x01, 0x3f}, 3},
    {__LINE__, "grease N=1", {0x40, 0x40, 0x01, 0x7a}, 4},
    {__LINE__, "DATA header 300", {0x00, 0x41, 0x2c}, 3},
    {__LINE__, "stream type QPACK encoder", {0x02}, 1},
    {__LINE__, "push stream header 5", {0x01, 0x05}, 2},
};

static int encode_nth(size_t i, uint8_t *out, size_t cap, size_t *len) {
    static const uint8_t fs[2] = {0, 0};
    static const uint8_t z = 0x7a;
    switch (i) {
    case 0:
        *len = h3_frame_headers_len(2);
        return h3_frame_write_headers(out, cap, fs, 2);
    case 1:
        *len = h3_frame_data_len(3);
        return h3_frame_write_data(out, cap, (const uint8_t *)"abc", 3);
    case 2:
        *len = h3_frame_push_promise_len(64, 2);
        return h3_frame_write_push_promise(out, cap, 64, fs, 2);
    case 3:
        *len = h3_frame_id_frame_len(3);
        return h3_frame_write_cancel_push(out, cap, 3);
    case 4:
        *len = h3_frame_id_frame_len(16384);
        return h3_frame_write_goaway(out, cap, 16384);
    case 5:
        *len = h3_frame_id_frame_len(63);
        return h3_frame_write_max_push_id(out, cap, 63);
    case 6:
        *len = h3_frame_grease_len(1, 1);
        return h3_frame_write_grease(out, cap, 1, &z, 1);
    case 7:
        *len = h3_frame_header_len(H3_FRAME_DATA, 300);
        return h3_frame_write_header(out, cap, H3_FRAME_DATA, 300);
    case 8:
        *len = h3_stream_type_len(H3_STREAM_TYPE_QPACK_ENCODER);
        return h3_write_stream_type(out, cap, H3_STREAM_TYPE_QPACK_ENCODER);
    default:
        *len = h3_push_stream_header_len(5);
        return h3_write_push_stream_header(out, cap, 5);
    }
}

static void test_h3_frame_write_exact_bytes(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(encode_cases) / sizeof(encode_cases[0]);
         i++) {
        const struct encode_case *c = &encode_cases[i];
        uint8_t out[32];
        size_t sized;
        int n = encode_nth(i, out, sizeof(out), &sized);
        if (n != (int)c->len || sized != c->len ||
            memcmp(out, c->want, c->len) != 0)
            fail_msg("line %d (%s): wrote %d, sized %zu", c->line, c->what, n,
                     sized);
        /* One byte short of the size: H3_ERR_NOBUF, nothing written past. */
        memset(out, 0xcc, sizeof(out));
        assert_int_equal(encode_nth(i, out, c->len - 1, &sized), H3_ERR_NOBUF);
        assert_int_equal(out[c->len - 1], 0xcc);
    }
}

static void test_h3_frame_write_out_of_range(void **state) {
    (void)state;
    uint8_t out[32];
    uint64_t big = UINT64_C(1) << 62;
    assert_int_equal(h3_frame_id_frame_len(big), 0);
    assert_int_equal(h3_frame_write_goaway(out, sizeof(out), big),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_frame_write_max_push_id(out, sizeof(out), big),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_frame_write_cancel_push(out, sizeof(out), big),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_frame_push_promise_len(big, 0), 0);
    assert_int_equal(
        h3_frame_write_push_promise(out, sizeof(out), big, NULL, 0),
        H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_frame_header_len(big, 0), 0);
    assert_int_equal(h3_frame_write_header(out, sizeof(out), 0, big),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_frame_grease_len(H3_GREASE_MAX_N + 1, 0), 0);
    assert_int_equal(
        h3_frame_write_grease(out, sizeof(out), H3_GREASE_MAX_N + 1, NULL, 0),
        H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_write_stream_type(out, sizeof(out), big),
                     H3_ERR_INVALID_ARGUMENT);
    assert_int_equal(h3_write_push_stream_header(out, sizeof(out), big),
                     H3_ERR_INVALID_ARGUMENT);
}

/* ---- Reserved values ---------------------------------------------------- */

static void test_h3_is_grease_values(void **state) {
    (void)state;
    /* §7.2.4.1 lists the range "0x21, 0x40, ..., through
     * 0x3ffffffffffffffe". */
    assert_true(h3_is_grease(0x21));
    assert_true(h3_is_grease(0x40));
    assert_true(h3_is_grease(UINT64_C(0x3ffffffffffffffe)));
    assert_int_equal(h3_grease_value(H3_GREASE_MAX_N),
                     UINT64_C(0x3ffffffffffffffe));
    assert_int_equal(h3_grease_value(0), 0x21);
    assert_false(h3_is_grease(0x00));
    assert_false(h3_is_grease(0x20));
    assert_false(h3_is_grease(0x22));
    assert_false(h3_is_grease(0x33));
    for (uint64_t n = 0; n < 1000; n++)
        assert_true(h3_is_grease(h3_grease_value(n)));
    assert_true(h3_frame_type_is_h2_only(0x02));
    assert_false(h3_frame_type_is_h2_only(0x07));
}

/* ---- Unidirectional stream header --------------------------------------- */

static const struct uni_case {
    int line;
    uint8_t in[12];
    size_t len; /* header bytes */
    uint64_t type;
    uint64_t push_id;
} uni_cases[] = {
    {__LINE__, {0x00, 0x04}, 1, H3_STREAM_TYPE_CONTROL, 0},
    {__LINE__, {0x02, 0xaa}, 1, H3_STREAM_TYPE_QPACK_ENCODER, 0},
    {__LINE__, {0x03}, 1, H3_STREAM_TYPE_QPACK_DECODER, 0},
    {__LINE__, {0x01, 0x00, 0x01}, 2, H3_STREAM_TYPE_PUSH, 0},
    {__LINE__,
     {0x40, 0x01, 0x80, 0x01, 0x00, 0x00, 0x00},
     6,
     H3_STREAM_TYPE_PUSH,
     0x10000},
    {__LINE__, {0x40, 0x21, 0x00}, 2, 0x21, 0},
    {__LINE__,
     {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe},
     8,
     UINT64_C(0x3ffffffffffffffe),
     0},
};

static void test_h3_uni_header_parse_every_split(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(uni_cases) / sizeof(uni_cases[0]); i++) {
        const struct uni_case *c = &uni_cases[i];
        size_t total = c->len + 1; /* one byte of stream data follows */
        for (size_t cut = 0; cut <= total; cut++) {
            h3_uni_header h;
            h3_uni_header_init(&h);
            size_t used, taken = 0;
            int rc = h3_uni_header_parse(&h, c->in, cut, &used);
            taken += used;
            if (rc == 0) {
                assert_int_equal(used, cut);
                rc = h3_uni_header_parse(&h, c->in + cut, total - cut, &used);
                taken += used;
            }
            if (rc != 1 || taken != c->len || h.stream_type != c->type ||
                h.push_id != c->push_id)
                fail_msg("line %d cut %zu: rc %d taken %zu", c->line, cut, rc,
                         taken);
        }
    }
}

static void test_h3_uni_header_parse_empty_needs_more(void **state) {
    (void)state;
    h3_uni_header h;
    h3_uni_header_init(&h);
    size_t used;
    assert_int_equal(h3_uni_header_parse(&h, NULL, 0, &used), 0);
    assert_int_equal(used, 0);
    uint8_t push_only[] = {0x01};
    assert_int_equal(h3_uni_header_parse(&h, push_only, 1, &used), 0);
    assert_true(h.have_type);
    assert_int_equal(used, 1);
}

/* ---- Error codes (h3/err.c) --------------------------------------------- */

static const struct wire_case {
    int line;
    int err;
    uint64_t wire;
    const char *name;
} wire_cases[] = {
    {__LINE__, H3_ERR_GENERAL_PROTOCOL, H3_GENERAL_PROTOCOL_ERROR,
     "H3_GENERAL_PROTOCOL_ERROR"},
    {__LINE__, H3_ERR_INTERNAL, H3_INTERNAL_ERROR, "H3_INTERNAL_ERROR"},
    {__LINE__, H3_ERR_STREAM_CREATION, H3_STREAM_CREATION_ERROR,
     "H3_STREAM_CREATION_ERROR"},
    {__LINE__, H3_ERR_CLOSED_CRITICAL_STREAM, H3_CLOSED_CRITICAL_STREAM,
     "H3_CLOSED_CRITICAL_STREAM"},
    {__LINE__, H3_ERR_FRAME_UNEXPECTED, H3_FRAME_UNEXPECTED,
     "H3_FRAME_UNEXPECTED"},
    {__LINE__, H3_ERR_FRAME, H3_FRAME_ERROR, "H3_FRAME_ERROR"},
    {__LINE__, H3_ERR_EXCESSIVE_LOAD, H3_EXCESSIVE_LOAD, "H3_EXCESSIVE_LOAD"},
    {__LINE__, H3_ERR_ID, H3_ID_ERROR, "H3_ID_ERROR"},
    {__LINE__, H3_ERR_SETTINGS, H3_SETTINGS_ERROR, "H3_SETTINGS_ERROR"},
    {__LINE__, H3_ERR_MISSING_SETTINGS, H3_MISSING_SETTINGS,
     "H3_MISSING_SETTINGS"},
    {__LINE__, H3_ERR_REQUEST_REJECTED, H3_REQUEST_REJECTED,
     "H3_REQUEST_REJECTED"},
    {__LINE__, H3_ERR_REQUEST_CANCELLED, H3_REQUEST_CANCELLED,
     "H3_REQUEST_CANCELLED"},
    {__LINE__, H3_ERR_REQUEST_INCOMPLETE, H3_REQUEST_INCOMPLETE,
     "H3_REQUEST_INCOMPLETE"},
    {__LINE__, H3_ERR_MESSAGE, H3_MESSAGE_ERROR, "H3_MESSAGE_ERROR"},
    {__LINE__, H3_ERR_CONNECT, H3_CONNECT_ERROR, "H3_CONNECT_ERROR"},
    {__LINE__, H3_ERR_VERSION_FALLBACK, H3_VERSION_FALLBACK,
     "H3_VERSION_FALLBACK"},
    {__LINE__, H3_ERR_DATAGRAM, H3_DATAGRAM_ERROR, "H3_DATAGRAM_ERROR"},
    {__LINE__, H3_ERR_FIELD_SECTION_TOO_LARGE, H3_EXCESSIVE_LOAD,
     "H3_EXCESSIVE_LOAD"},
};

static void test_h3_err_to_wire_every_protocol_error(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(wire_cases) / sizeof(wire_cases[0]); i++) {
        const struct wire_case *c = &wire_cases[i];
        if (!h3_err_is_protocol(c->err) || h3_err_to_wire(c->err) != c->wire ||
            strcmp(h3_wire_error_name(c->wire), c->name) != 0 ||
            strcmp(h3_strerror(c->err), "unknown error") == 0)
            fail_msg("line %d: error %d", c->line, c->err);
    }
    /* RFC 9114 §8.1 wire values. */
    assert_int_equal(H3_NO_ERROR, 0x0100);
    assert_int_equal(H3_VERSION_FALLBACK, 0x0110);
    assert_int_equal(H3_DATAGRAM_ERROR, 0x33);
}

static void test_h3_err_non_protocol_codes(void **state) {
    (void)state;
    const int codes[] = {H3_ERR_NOMEM, H3_ERR_INVALID_ARGUMENT,
                         H3_ERR_INVALID_STATE, H3_ERR_NOBUF,
                         H3_ERR_NO_AVAILABLE_PUSH_ID};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_false(h3_err_is_protocol(codes[i]));
        assert_int_equal(h3_err_to_wire(codes[i]), H3_INTERNAL_ERROR);
        assert_string_not_equal(h3_strerror(codes[i]), "unknown error");
    }
    assert_true(h3_err_is_fatal(H3_ERR_NOMEM));
    assert_false(h3_err_is_fatal(H3_ERR_FRAME));
    assert_false(h3_err_is_protocol(-338));
    assert_false(h3_err_is_protocol(-319));
    assert_string_equal(h3_strerror(-338), "unknown error");
    assert_string_equal(h3_strerror(0), "success");
    assert_string_equal(h3_wire_error_name(H3_NO_ERROR), "H3_NO_ERROR");
    assert_string_equal(h3_wire_error_name(0x21), "reserved");
    assert_string_equal(h3_wire_error_name(0x0111), "unknown error code");
    assert_string_equal(h3_wire_error_name(0), "unknown error code");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_frame_parser_next_whole_stream),
        cmocka_unit_test(test_h3_frame_parser_next_every_split),
        cmocka_unit_test(test_h3_frame_parser_next_byte_by_byte),
        cmocka_unit_test(test_h3_frame_parser_next_data_zero_copy),
        cmocka_unit_test(test_h3_frame_parser_next_frame_zero_copy),
        cmocka_unit_test(test_h3_frame_parser_next_end_repeats),
        cmocka_unit_test(test_h3_frame_parser_next_errors),
        cmocka_unit_test(test_h3_frame_parser_next_nomem),
        cmocka_unit_test(test_h3_frame_parser_free_releases_buffer),
        cmocka_unit_test(test_h3_frame_write_exact_bytes),
        cmocka_unit_test(test_h3_frame_write_out_of_range),
        cmocka_unit_test(test_h3_is_grease_values),
        cmocka_unit_test(test_h3_uni_header_parse_every_split),
        cmocka_unit_test(test_h3_uni_header_parse_empty_needs_more),
        cmocka_unit_test(test_h3_err_to_wire_every_protocol_error),
        cmocka_unit_test(test_h3_err_non_protocol_codes),
    };
    return cmocka_run_group_tests_name("h3_frame", tests, NULL, NULL);
}

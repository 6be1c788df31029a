/* tests/unit/h3_message_test.c — RFC 9114 §4 message rules: a table of valid
 * and malformed requests, responses and trailers, the parsed summary, and
 * the tracker's frame-sequence and Content-Length checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "h3/message.h"

#define MAX_FIELDS 12

/* Builds h3_header entries from NULL-terminated name, value string pairs. */
static size_t make_headers(const char *const *pairs, h3_header *out) {
    size_t n = 0;
    while (pairs[2 * n]) {
        assert_true(n < MAX_FIELDS);
        out[n] = (h3_header){
            (const uint8_t *)pairs[2 * n], strlen(pairs[2 * n]),
            (const uint8_t *)pairs[2 * n + 1], strlen(pairs[2 * n + 1])};
        n++;
    }
    return n;
}

#define REQ H3_MESSAGE_REQUEST
#define RESP H3_MESSAGE_RESPONSE
#define TRAIL H3_MESSAGE_TRAILERS
#define XC H3_MESSAGE_ALLOW_EXTENDED_CONNECT
#define BAD H3_ERR_MESSAGE

/* A GET's pseudo-headers, to prefix rows. */
#define GET ":method", "GET", ":scheme", "https", ":path", "/"
#define AUTH ":authority", "example.com"

static const struct validate_case {
    int line;
    h3_message_kind kind;
    unsigned flags;
    int err;
    const char *fields[2 * MAX_FIELDS + 1];
} validate_cases[] = {
    /* ---- valid requests (§4.3.1) ---- */
    {__LINE__, REQ, 0, 0, {GET, AUTH, NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "accept", "*/*", "te", "trailers", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "te", "Trailers", NULL}},
    {__LINE__, REQ, 0, 0, {GET, "host", "example.com", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "host", "example.com", NULL}},
    {__LINE__,
     REQ,
     0,
     0,
     {":path", "/a?b=c", ":authority", "h:443", ":scheme", "http", ":method",
      "POST", "content-length", "10", NULL}},
    {__LINE__,
     REQ,
     0,
     0,
     {":method", "OPTIONS", ":scheme", "https", ":path", "*", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     0,
     {":method", "GET", ":scheme", "urn", ":path", "x", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "x-empty", "", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "x", "a b\tc", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "x-!#$%&'*+-.^_`|~09", "v", NULL}},
    {__LINE__,
     REQ,
     0,
     0,
     {GET, AUTH, "content-length", "5", "content-length", "5", NULL}},
    {__LINE__, REQ, 0, 0, {GET, AUTH, "x", "\x80\xff obs-text", NULL}},
    {__LINE__, REQ, 0, 0, {":method", "CONNECT", AUTH, NULL}},
    {__LINE__,
     REQ,
     XC,
     0,
     {":method", "CONNECT", ":protocol", "websocket", ":scheme", "https",
      ":path", "/chat", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     0,
     {":method", "get", ":scheme", "HTTPS", ":path", "/", AUTH, NULL}},
    /* ---- malformed requests ---- */
    {__LINE__, REQ, 0, BAD, {":scheme", "https", ":path", "/", AUTH, NULL}},
    {__LINE__, REQ, 0, BAD, {":method", "GET", ":path", "/", AUTH, NULL}},
    {__LINE__, REQ, 0, BAD, {":method", "GET", ":scheme", "https", AUTH, NULL}},
    {__LINE__, REQ, 0, BAD, {GET, NULL}}, /* no authority or host */
    {__LINE__, REQ, 0, BAD, {GET, ":authority", "", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, "host", "", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "host", "other.com", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, "host", "a", "host", "a", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, ":authority", "u@example.com", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":method", "GET", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":path", "/x", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":authority", "b", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, "accept", "*/*", AUTH, NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":status", "200", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":foo", "bar", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, ":", "x", NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "https", ":path", "", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "https", ":path", "index.html", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "https", ":path", "*", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "", ":scheme", "https", ":path", "/", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "G T", ":scheme", "https", ":path", "/", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "1http", ":path", "/", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "", ":path", "/", AUTH, NULL}},
    /* §4.2: field names and values. */
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "Accept", "*/*", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x y", "v", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x:y", "v", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x\"", "v", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "\x80", "v", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "", "v", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x", "a\rb", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x", "a\nb", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x", " lead", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x", "trail ", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "x", "\ttab", NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "GET", ":scheme", "https", ":path", "/ ", AUTH, NULL}},
    /* §4.2: connection-specific fields. */
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "connection", "close", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "keep-alive", "timeout=5", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "proxy-connection", "x", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "transfer-encoding", "chunked", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "upgrade", "h2c", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "te", "gzip", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "te", "trailers, gzip", NULL}},
    /* RFC 9110 §8.6: content-length. */
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "content-length", "", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "content-length", "-1", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "content-length", "1 0", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "content-length", "5,5", NULL}},
    {__LINE__, REQ, 0, BAD, {GET, AUTH, "content-length", "0x10", NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {GET, AUTH, "content-length", "99999999999999999999", NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {GET, AUTH, "content-length", "5", "content-length", "6", NULL}},
    /* §4.4 CONNECT and RFC 9220 extended CONNECT. */
    {__LINE__, REQ, 0, BAD, {":method", "CONNECT", NULL}},
    {__LINE__, REQ, 0, BAD, {":method", "CONNECT", ":authority", "", NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "CONNECT", ":scheme", "https", AUTH, NULL}},
    {__LINE__, REQ, 0, BAD, {":method", "CONNECT", ":path", "/", AUTH, NULL}},
    {__LINE__,
     REQ,
     0,
     BAD,
     {":method", "CONNECT", ":protocol", "websocket", ":scheme", "https",
      ":path", "/chat", AUTH, NULL}},
    {__LINE__,
     REQ,
     XC,
     BAD,
     {":method", "GET", ":protocol", "websocket", ":scheme", "https", ":path",
      "/chat", AUTH, NULL}},
    {__LINE__,
     REQ,
     XC,
     BAD,
     {":method", "CONNECT", ":protocol", "websocket", AUTH, NULL}},
    {__LINE__,
     REQ,
     XC,
     BAD,
     {":method", "CONNECT", ":protocol", "", ":scheme", "https", ":path", "/",
      AUTH, NULL}},
    /* ---- responses (§4.3.2) ---- */
    {__LINE__, RESP, 0, 0, {":status", "200", NULL}},
    {__LINE__, RESP, 0, 0, {":status", "100", NULL}},
    {__LINE__, RESP, 0, 0, {":status", "599", "content-length", "0", NULL}},
    {__LINE__, RESP, 0, 0, {":status", "204", "server", "h3cli", NULL}},
    {__LINE__, RESP, 0, BAD, {"server", "h3cli", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "20", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "2000", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "099", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "600", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "2a0", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "101", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "200", ":status", "200", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "200", ":path", "/", NULL}},
    {__LINE__, RESP, 0, BAD, {":method", "GET", ":status", "200", NULL}},
    {__LINE__, RESP, 0, BAD, {"server", "x", ":status", "200", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "200", "te", "trailers", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "200", "connection", "close", NULL}},
    {__LINE__, RESP, 0, BAD, {":status", "200", "Server", "x", NULL}},
    /* ---- trailers (§4.3) ---- */
    {__LINE__, TRAIL, 0, 0, {NULL}},
    {__LINE__, TRAIL, 0, 0, {"grpc-status", "0", "x-checksum", "abc", NULL}},
    {__LINE__, TRAIL, 0, BAD, {":status", "200", NULL}},
    {__LINE__, TRAIL, 0, BAD, {"x", "1", ":path", "/", NULL}},
    {__LINE__, TRAIL, 0, BAD, {"content-length", "5", NULL}},
    {__LINE__, TRAIL, 0, BAD, {"transfer-encoding", "chunked", NULL}},
    {__LINE__, TRAIL, 0, BAD, {"te", "trailers", NULL}},
    {__LINE__, TRAIL, 0, BAD, {"X-Upper", "1", NULL}},
};

static void test_h3_message_validate_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]);
         i++) {
        const struct validate_case *c = &validate_cases[i];
        h3_header h[MAX_FIELDS];
        size_t n = make_headers(c->fields, h);
        h3_message_info info;
        int rc = h3_message_validate(c->kind, h, n, c->flags, &info);
        if (rc != c->err)
            fail_msg("line %d: got %d (%s), want %d", c->line, rc,
                     info.error ? info.error : "-", c->err);
        if ((rc == 0) != (info.error == NULL))
            fail_msg("line %d: error text and result disagree", c->line);
    }
}

/* NUL cannot be written in the table's C strings. */
static void test_h3_message_validate_nul_in_value(void **state) {
    (void)state;
    static const uint8_t v[] = {'a', 0, 'b'};
    h3_header h[MAX_FIELDS];
    size_t n = make_headers((const char *const[]){GET, AUTH, NULL}, h);
    h[n++] = (h3_header){(const uint8_t *)"x", 1, v, sizeof(v)};
    h3_message_info info;
    assert_int_equal(h3_message_validate(REQ, h, n, 0, &info), BAD);
    h[n - 1] = (h3_header){(const uint8_t *)"x\0", 2, v, 1};
    assert_int_equal(h3_message_validate(REQ, h, n, 0, &info), BAD);
}

static void test_h3_message_validate_summary(void **state) {
    (void)state;
    h3_header h[MAX_FIELDS];
    size_t n = make_headers(
        (const char *const[]){":method", "CONNECT", ":protocol", "websocket",
                              ":scheme", "https", ":path", "/chat?x=1",
                              ":authority", "example.com:443", "content-length",
                              "42", NULL},
        h);
    h3_message_info info;
    assert_int_equal(h3_message_validate(REQ, h, n, XC, &info), 0);
    assert_int_equal(info.kind, REQ);
    assert_int_equal(info.method.len, 7);
    assert_memory_equal(info.method.base, "CONNECT", 7);
    assert_ptr_equal(info.method.base, h[0].value);
    assert_memory_equal(info.protocol.base, "websocket", 9);
    assert_memory_equal(info.scheme.base, "https", 5);
    assert_memory_equal(info.path.base, "/chat?x=1", 9);
    assert_memory_equal(info.authority.base, "example.com:443", 15);
    assert_int_equal(info.status, -1);
    assert_int_equal(info.content_length, 42);
    assert_null(info.error);

    n = make_headers((const char *const[]){":status", "304", NULL}, h);
    assert_int_equal(h3_message_validate(RESP, h, n, 0, &info), 0);
    assert_int_equal(info.status, 304);
    assert_int_equal(info.content_length, -1);
    assert_null(info.method.base);
    assert_null(info.authority.base);

    n = make_headers((const char *const[]){GET, "host", "h", NULL}, h);
    assert_int_equal(h3_message_validate(REQ, h, n, 0, &info), 0);
    assert_null(info.authority.base);
    assert_null(info.protocol.base);

    n = make_headers((const char *const[]){GET, AUTH, "content-length",
                                           "9223372036854775807", NULL},
                     h);
    assert_int_equal(h3_message_validate(REQ, h, n, 0, &info), 0);
    assert_int_equal(info.content_length, INT64_MAX);
}

/* ---- Tracker --------------------------------------------------------------
 */

/* Operations on a tracker: 'H' headers (fields), 'D' data (n), 'E' end. */
typedef struct op {
    char what;
    uint64_t n;
    const char *fields[2 * MAX_FIELDS + 1];
    int err;
} op;

static const struct tracker_case {
    int line;
    bool is_request;
    unsigned flags;
    op ops[6];
} tracker_cases[] = {
    /* Requests, server side. */
    {__LINE__, true, 0, {{'H', 0, {GET, AUTH, NULL}, 0}, {'E', 0, {NULL}, 0}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, "content-length", "5", NULL}, 0},
      {'D', 2, {NULL}, 0},
      {'D', 3, {NULL}, 0},
      {'D', 0, {NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, "content-length", "5", NULL}, 0},
      {'D', 4, {NULL}, 0},
      {'E', 0, {NULL}, BAD}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, "content-length", "5", NULL}, 0},
      {'D', 6, {NULL}, BAD}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, "content-length", "0", NULL}, 0},
      {'H', 0, {"x-sum", "1", NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, NULL}, 0},
      {'D', 100, {NULL}, 0},
      {'H', 0, {"x-sum", "1", NULL}, 0},
      {'D', 1, {NULL}, H3_ERR_FRAME_UNEXPECTED}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, NULL}, 0},
      {'H', 0, {"x-sum", "1", NULL}, 0},
      {'H', 0, {"x-sum", "2", NULL}, H3_ERR_FRAME_UNEXPECTED}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {GET, AUTH, NULL}, 0}, {'H', 0, {GET, AUTH, NULL}, BAD}}},
    {__LINE__, true, 0, {{'D', 1, {NULL}, H3_ERR_FRAME_UNEXPECTED}}},
    {__LINE__, true, 0, {{'D', 0, {NULL}, H3_ERR_FRAME_UNEXPECTED}}},
    {__LINE__, true, 0, {{'E', 0, {NULL}, H3_ERR_REQUEST_INCOMPLETE}}},
    {__LINE__, true, 0, {{'H', 0, {GET, NULL}, BAD}}},
    {__LINE__,
     true,
     0,
     {{'H', 0, {":method", "CONNECT", AUTH, "content-length", "1", NULL}, 0},
      {'D', 50, {NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    /* Responses, client side. */
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "200", "content-length", "3", NULL}, 0},
      {'D', 3, {NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "103", "link", "</a>", NULL}, 0},
      {'H', 0, {":status", "100", NULL}, 0},
      {'H', 0, {":status", "200", NULL}, 0},
      {'D', 9, {NULL}, 0},
      {'H', 0, {"x-t", "1", NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "100", NULL}, 0}, {'D', 1, {NULL}, BAD}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "100", NULL}, 0}, {'E', 0, {NULL}, BAD}}},
    {__LINE__, false, 0, {{'E', 0, {NULL}, BAD}}},
    {__LINE__, false, 0, {{'D', 5, {NULL}, H3_ERR_FRAME_UNEXPECTED}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "200", NULL}, 0},
      {'H', 0, {":status", "200", NULL}, BAD}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "204", "content-length", "10", NULL}, 0},
      {'D', 0, {NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "204", NULL}, 0}, {'D', 1, {NULL}, BAD}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "304", "content-length", "100", NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "304", NULL}, 0}, {'D', 1, {NULL}, BAD}}},
    {__LINE__,
     false,
     H3_MESSAGE_HEAD_REQUEST,
     {{'H', 0, {":status", "200", "content-length", "1000", NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     H3_MESSAGE_HEAD_REQUEST,
     {{'H', 0, {":status", "200", NULL}, 0}, {'D', 1, {NULL}, BAD}}},
    {__LINE__,
     false,
     H3_MESSAGE_CONNECT_REQUEST,
     {{'H', 0, {":status", "200", "content-length", "0", NULL}, 0},
      {'D', 500, {NULL}, 0},
      {'E', 0, {NULL}, 0}}},
    {__LINE__,
     false,
     H3_MESSAGE_CONNECT_REQUEST,
     {{'H', 0, {":status", "407", "content-length", "2", NULL}, 0},
      {'D', 3, {NULL}, BAD}}},
    {__LINE__,
     false,
     0,
     {{'H', 0, {":status", "200", "content-length", "2", NULL}, 0},
      {'E', 0, {NULL}, BAD}}},
};

static int run_op(h3_message_tracker *t, const op *o) {
    h3_header h[MAX_FIELDS];
    h3_message_info info;
    switch (o->what) {
    case 'H':
        return h3_message_tracker_on_headers(t, h, make_headers(o->fields, h),
                                             &info);
    case 'D': return h3_message_tracker_on_data(t, o->n);
    default: return h3_message_tracker_on_end(t);
    }
}

static void test_h3_message_tracker_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof(tracker_cases) / sizeof(tracker_cases[0]);
         i++) {
        const struct tracker_case *c = &tracker_cases[i];
        h3_message_tracker t;
        h3_message_tracker_init(&t, c->is_request, c->flags);
        for (size_t k = 0; k < 6 && c->ops[k].what; k++) {
            int rc = run_op(&t, &c->ops[k]);
            if (rc != c->ops[k].err)
                fail_msg("line %d, op %zu (%c): got %d, want %d", c->line, k,
                         c->ops[k].what, rc, c->ops[k].err);
            if (rc != 0)
                break;
        }
    }
}

static void test_h3_message_tracker_on_headers_kinds(void **state) {
    (void)state;
    h3_message_tracker t;
    h3_header h[MAX_FIELDS];
    h3_message_info info;
    h3_message_tracker_init(&t, false, 0);
    assert_false(h3_message_tracker_has_final_headers(&t));
    size_t n = make_headers((const char *const[]){":status", "103", NULL}, h);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info), 0);
    assert_int_equal(info.kind, RESP);
    assert_int_equal(info.status, 103);
    assert_false(h3_message_tracker_has_final_headers(&t));
    n = make_headers((const char *const[]){":status", "200", NULL}, h);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info), 0);
    assert_int_equal(info.status, 200);
    assert_true(h3_message_tracker_has_final_headers(&t));
    n = make_headers((const char *const[]){"x", "1", NULL}, h);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info), 0);
    assert_int_equal(info.kind, TRAIL);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info),
                     H3_ERR_FRAME_UNEXPECTED);
    assert_non_null(info.error);
}

/* Content-Length at the top of the range: no overflow in the sum. */
static void test_h3_message_tracker_on_data_large(void **state) {
    (void)state;
    h3_message_tracker t;
    h3_header h[MAX_FIELDS];
    h3_message_info info;
    h3_message_tracker_init(&t, false, 0);
    size_t n =
        make_headers((const char *const[]){":status", "200", "content-length",
                                           "9223372036854775807", NULL},
                     h);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info), 0);
    assert_int_equal(h3_message_tracker_on_data(&t, UINT64_C(1) << 62), 0);
    assert_int_equal(h3_message_tracker_on_data(&t, UINT64_MAX),
                     H3_ERR_MESSAGE);
    h3_message_tracker_init(&t, false, 0);
    n = make_headers((const char *const[]){":status", "200", NULL}, h);
    assert_int_equal(h3_message_tracker_on_headers(&t, h, n, &info), 0);
    assert_int_equal(h3_message_tracker_on_data(&t, UINT64_MAX - 1), 0);
    assert_int_equal(h3_message_tracker_on_data(&t, 2), H3_ERR_MESSAGE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_message_validate_table),
        cmocka_unit_test(test_h3_message_validate_nul_in_value),
        cmocka_unit_test(test_h3_message_validate_summary),
        cmocka_unit_test(test_h3_message_tracker_table),
        cmocka_unit_test(test_h3_message_tracker_on_headers_kinds),
        cmocka_unit_test(test_h3_message_tracker_on_data_large),
    };
    return cmocka_run_group_tests_name("h3_message", tests, NULL, NULL);
}

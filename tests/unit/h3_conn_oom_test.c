/* tests/unit/h3_conn_oom_test.c — allocation failure anywhere in a server
 * h3_conn (and the QPACK objects it owns): the Nth allocation fails, for
 * every N until a whole exchange succeeds. Each failure must surface as
 * H3_ERR_NOMEM, close the connection with H3_INTERNAL_ERROR, leak nothing
 * (cmocka checks) and leave the object safe to use and free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define H3_FAKE_QUIC_DEFINE_API
#include "support/h3_fake_quic.h"

typedef struct failing {
    size_t calls, fail_at;
    bool failed;
} failing;

static bool fail_now(failing *f) {
    if (++f->calls != f->fail_at)
        return false;
    f->failed = true;
    return true;
}

static void *f_malloc(size_t size, void *user) {
    return fail_now(user) ? NULL : test_malloc(size);
}
static void *f_calloc(size_t n, size_t size, void *user) {
    return fail_now(user) ? NULL : test_calloc(n, size);
}
static void *f_realloc(void *ptr, size_t size, void *user) {
    return fail_now(user) ? NULL : test_realloc(ptr, size);
}
static void f_free(void *ptr, void *user) {
    (void)user;
    test_free(ptr);
}

static const char *const request[] = {
    ":method",        "POST",  ":scheme", "https",     ":authority",
    "example.com",    ":path", "/oom",    "x-indexed", "value1",
    "content-length", "4",     NULL};
static const char *const response[] = {":status", "200", "x-served", "yes",
                                       NULL};

/* The server application: answer each complete request. A NOMEM from a
 * send call must have closed the connection. */
static void serve(h3_conn *server, fake_quic *sq, h3_recorder *rec,
                  size_t first) {
    for (size_t i = first; i < rec->n; i++) {
        const rec_event *e = &rec->ev[i];
        if (!e->stream_ended)
            continue;
        h3_header h[4];
        size_t n = h3_test_headers(h, 4, response);
        int rc = h3_conn_send_headers(server, e->stream_id, h, n, false);
        if (rc == 0)
            rc = h3_conn_send_data(server, e->stream_id,
                                   (const uint8_t *)"done", 4, true);
        if (rc != 0) {
            /* This call failed, or an earlier one closed the connection. */
            assert_true(rc == H3_ERR_NOMEM || rc == H3_ERR_INVALID_STATE);
            assert_true(sq->closed);
        }
    }
}

/* Delivers one QUIC event to the server, tolerating NOMEM. */
static void to_server(h3_conn *server, fake_quic *sq, h3_recorder *rec,
                      const quic_event *ev) {
    int rc = h3_conn_handle_event(server, ev);
    if (rc == H3_ERR_NOMEM) {
        assert_true(sq->closed);
        assert_int_equal(sq->close_code, H3_INTERNAL_ERROR);
    } else {
        assert_int_equal(rc, 0);
    }
    size_t first = rec->n;
    h3_recorder_drain(rec, server);
    serve(server, sq, rec, first);
}

/* One exchange with the server's Nth allocation failing. Returns true if
 * no allocation failed (the exchange must then have succeeded). */
static bool exchange(size_t fail_at) {
    failing f = {.fail_at = fail_at};
    h3_allocator fa = {&f, f_malloc, f_calloc, f_realloc, f_free};
    h3_config scfg;
    h3_config_init(&scfg, false);
    scfg.allocator = &fa;
    fake_quic *cq = fake_quic_new(true), *sq = fake_quic_new(false);
    sq->max_chunk = 7; /* split frames: buffered headers, partial varints */
    h3_recorder crec = {0}, srec = {0};
    h3_conn *client, *server;
    h3_config ccfg;
    h3_config_init(&ccfg, true);
    ccfg.allocator = &h3_test_allocator;
    assert_int_equal(h3_conn_new(&client, cq, &ccfg), 0);
    int rc = h3_conn_new(&server, sq, &scfg);
    if (rc != 0) {
        assert_int_equal(rc, H3_ERR_NOMEM);
        assert_null(server);
        goto out;
    }
    /* SETTINGS both ways, so the client's encoder uses the table. */
    h3_fake_deliver(sq, client, &crec);
    quic_event ev;
    while (fake_quic_next_output(cq, &ev))
        to_server(server, sq, &srec, &ev);
    h3_header h[8];
    size_t n = h3_test_headers(h, 8, request);
    assert_int_equal(h3_conn_send_headers(client, 0, h, n, false), 0);
    assert_int_equal(
        h3_conn_send_data(client, 0, (const uint8_t *)"body", 4, true), 0);
    /* The request stream before the inserts: a blocked section. */
    while (fake_quic_next_output_for(cq, 0, &ev))
        to_server(server, sq, &srec, &ev);
    while (fake_quic_next_output(cq, &ev))
        to_server(server, sq, &srec, &ev);
    h3_fake_deliver(sq, client, &crec);
    if (!f.failed) {
        const rec_event *r =
            h3_recorder_find(&crec, H3_EVENT_HEADERS_RECEIVED, 0);
        assert_non_null(r);
        assert_string_equal(r->text, ":status: 200\nx-served: yes\n");
        assert_false(sq->closed);
    }
    h3_conn_free(server);
out:
    h3_conn_free(client);
    fake_quic_free(cq);
    fake_quic_free(sq);
    h3_recorder_free(&crec);
    h3_recorder_free(&srec);
    return !f.failed;
}

static void test_h3_conn_every_allocation_failure(void **state) {
    (void)state;
    size_t n;
    for (n = 1; n < 5000; n++)
        if (exchange(n))
            break;
    assert_true(n < 5000);
    /* The exchange needs a fair number of allocations: all were tried. */
    assert_true(n > 20);
    print_message("%zu allocation points\n", n - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3_conn_every_allocation_failure),
    };
    return cmocka_run_group_tests_name("h3_conn_oom", tests, NULL, NULL);
}

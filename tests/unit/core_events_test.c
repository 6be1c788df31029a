/* tests/unit/core_events_test.c — the event ring: FIFO order across growth
 * and wrap-around, readable marks, DATAGRAM payload copies with their byte
 * budget and borrow, and no leak at cleanup (cmocka's allocator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/events.h"

static void *t_malloc(size_t n, void *u) {
    (void)u;
    return test_malloc(n);
}
static void *t_calloc(size_t n, size_t s, void *u) {
    (void)u;
    return test_calloc(n, s);
}
static void *t_realloc(void *p, size_t n, void *u) {
    (void)u;
    return test_realloc(p, n);
}
static void t_free(void *p, void *u) {
    (void)u;
    test_free(p);
}
static const quic_allocator test_alloc = {NULL, t_malloc, t_calloc, t_realloc,
                                          t_free};

static quic_event ping_ev(uint64_t uid) {
    quic_event ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = QUIC_EVENT_PING_ACKNOWLEDGED;
    ev.u.ping_acknowledged.uid = uid;
    return ev;
}

static void test_quic_evq_pop_fifo_across_wrap_and_growth(void **state) {
    (void)state;
    quic_evq q;
    quic_evrec r;
    quic_evq_init(&q, &test_alloc);
    uint64_t next_in = 0, next_out = 0;
    /* interleave pushes and pops so the ring wraps before it grows */
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 7; i++) {
            quic_event ev = ping_ev(next_in++);
            assert_int_equal(quic_evq_push(&q, &ev), 0);
        }
        for (int i = 0; i < 5; i++) {
            assert_true(quic_evq_pop(&q, &r));
            assert_int_equal(r.ev.u.ping_acknowledged.uid, next_out++);
        }
    }
    while (quic_evq_pop(&q, &r))
        assert_int_equal(r.ev.u.ping_acknowledged.uid, next_out++);
    assert_int_equal(next_out, next_in);
    quic_evq_cleanup(&q);
}

static void test_quic_evq_push_readable_is_mark(void **state) {
    (void)state;
    quic_evq q;
    quic_evrec r;
    quic_evq_init(&q, &test_alloc);
    assert_int_equal(quic_evq_push_readable(&q, 4), 0);
    assert_true(quic_evq_pop(&q, &r));
    assert_true(quic_evrec_is_readable_mark(&r));
    assert_int_equal(r.ev.u.stream_data_received.stream_id, 4);
    quic_event ev = ping_ev(1);
    quic_evq_push(&q, &ev);
    assert_true(quic_evq_pop(&q, &r));
    assert_false(quic_evrec_is_readable_mark(&r));
    assert_false(quic_evq_pop(&q, &r));
    quic_evq_cleanup(&q);
}

static void test_quic_evq_push_datagram_copy_budget_borrow(void **state) {
    (void)state;
    quic_evq q;
    quic_evrec r;
    uint8_t a[10], b[10];
    memset(a, 'a', sizeof(a));
    memset(b, 'b', sizeof(b));
    quic_evq_init(&q, &test_alloc);
    assert_int_equal(quic_evq_push_datagram(&q, a, 10, 15), 0);
    /* 20 bytes would exceed the 15-byte budget: dropped */
    assert_int_equal(quic_evq_push_datagram(&q, b, 10, 15), 1);
    memset(a, 0, sizeof(a));
    assert_true(quic_evq_pop(&q, &r));
    assert_int_equal(r.ev.type, QUIC_EVENT_DATAGRAM_FRAME_RECEIVED);
    assert_int_equal(r.ev.u.datagram_frame_received.len, 10);
    assert_int_equal(r.ev.u.datagram_frame_received.data[9], 'a');
    /* the budget is free again once popped */
    assert_int_equal(quic_evq_push_datagram(&q, b, 10, 15), 0);
    quic_evq_end_borrow(&q);
    /* an undelivered payload is freed by cleanup */
    quic_evq_cleanup(&q);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_evq_pop_fifo_across_wrap_and_growth),
        cmocka_unit_test(test_quic_evq_push_readable_is_mark),
        cmocka_unit_test(test_quic_evq_push_datagram_copy_budget_borrow),
    };
    return cmocka_run_group_tests_name("core_events", tests, NULL, NULL);
}

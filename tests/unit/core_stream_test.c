/* tests/unit/core_stream_test.c — the stream table and state machines
 * (RFC 9000 §2-§4): stream ID rules, implicit opening, limits, the errors
 * each frame may raise, receive states and final size, flow-control credit
 * and auto-tuning, resets, STOP_SENDING, freeing and MAX_STREAMS credit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/stream.h"

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
static const quic_allocator alloc = {NULL, t_malloc, t_calloc, t_realloc,
                                     t_free};

static void table(quic_streams *ss, bool is_client) {
    quic_streams_limits lim = {{4, 2}, 1000, 8000};
    assert_int_equal(quic_streams_init(ss, &alloc, is_client, &lim), 0);
    /* the peer allows 3 bidi and 1 uni, 500-byte windows */
    quic_streams_set_peer(ss, 3, 1, 500, 500, 500);
}

static void test_quic_streams_is_local_by_initiator_bit(void **state) {
    (void)state;
    quic_streams c, s;
    table(&c, true);
    table(&s, false);
    /* RFC 9000 §2.1: 0x0 client bidi, 0x1 server bidi, 0x2 client uni,
     * 0x3 server uni */
    assert_true(quic_streams_is_local(&c, 0));
    assert_true(quic_streams_is_local(&c, 2));
    assert_false(quic_streams_is_local(&c, 1));
    assert_false(quic_streams_is_local(&c, 3));
    assert_true(quic_streams_is_local(&s, 1));
    assert_true(quic_streams_is_local(&s, 7));
    assert_false(quic_streams_is_local(&s, 4));
    quic_streams_cleanup(&c);
    quic_streams_cleanup(&s);
}

static void test_quic_streams_get_for_send_limits(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    bool ok;
    table(&ss, true);
    assert_int_equal(quic_streams_next_local(&ss, false, &ok), 0);
    assert_true(ok);
    assert_int_equal(quic_streams_get_for_send(&ss, 0, &st), 0);
    assert_int_equal(st->send_state, QUIC_SEND_READY);
    assert_int_equal(st->recv_state, QUIC_RECV_RECV);
    assert_int_equal(st->tx.limit, 500);
    assert_int_equal(quic_streams_get_for_send(&ss, 2, &st), 0);
    assert_int_equal(st->recv_state, QUIC_RECV_NONE);
    /* the peer allows one uni stream: the second is refused and a
     * STREAMS_BLOCKED naming 1 is due */
    assert_int_equal(quic_streams_next_local(&ss, true, &ok), 6);
    assert_false(ok);
    assert_int_equal(quic_streams_get_for_send(&ss, 6, &st),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_true(ss.local_blocked_pending[1]);
    assert_int_equal(ss.local_blocked_at[1] - 1, 1);
    /* the peer's uni stream has no sending part; its bidi stream 1 was
     * not opened by it yet */
    assert_int_equal(quic_streams_get_for_send(&ss, 3, &st),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_streams_get_for_send(&ss, 1, &st),
                     QUIC_ERR_INVALID_ARGUMENT);
    quic_streams_cleanup(&ss);
}

static void test_quic_streams_get_for_frame_rules(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    table(&ss, false); /* a server: the peer opens 0, 4, … and 2, 6, … */
    /* RFC 9000 §3.2: stream 8 opens 0 and 4 too; they get memory when a
     * frame names them */
    assert_int_equal(quic_streams_get_for_frame(&ss, 8, false, true, &st), 0);
    assert_non_null(st);
    assert_int_equal(st->id, 8);
    assert_int_equal(ss.remote_opened[0], 3);
    assert_int_equal(ss.count, 1);
    assert_int_equal(quic_streams_get_for_frame(&ss, 4, false, true, &st), 0);
    assert_non_null(st);
    assert_int_equal(st->id, 4);
    assert_int_equal(ss.remote_opened[0], 3);
    /* §4.6: beyond our limit of 4 bidi streams */
    assert_int_equal(quic_streams_get_for_frame(&ss, 16, false, true, &st),
                     QUIC_ERR_STREAM_LIMIT);
    /* §19.8: our own stream 1 was never opened */
    assert_int_equal(quic_streams_get_for_frame(&ss, 1, false, true, &st),
                     QUIC_ERR_STREAM_STATE);
    /* §19.10: MAX_STREAM_DATA (needs a sending part) on the peer's uni */
    assert_int_equal(quic_streams_get_for_frame(&ss, 2, true, false, &st),
                     QUIC_ERR_STREAM_STATE);
    /* §19.8: STREAM (needs a receiving part) on our uni stream */
    assert_int_equal(quic_streams_get_for_send(&ss, 3, &st), 0);
    assert_int_equal(quic_streams_get_for_frame(&ss, 3, false, true, &st),
                     QUIC_ERR_STREAM_STATE);
    quic_streams_cleanup(&ss);
}

static void test_quic_stream_on_data_states_and_final_size(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    uint64_t grew;
    const uint8_t *data;
    bool fin;
    table(&ss, false);
    quic_streams_get_for_frame(&ss, 0, false, true, &st);
    assert_int_equal(
        quic_stream_on_data(st, 5, (const uint8_t *)"world", 5, true, &grew),
        0);
    assert_int_equal(grew, 10);
    assert_int_equal(st->recv_state, QUIC_RECV_SIZE_KNOWN);
    assert_int_equal(quic_stream_peek(st, &data, &fin), 0);
    assert_int_equal(
        quic_stream_on_data(st, 0, (const uint8_t *)"hello", 5, false, &grew),
        0);
    assert_int_equal(grew, 0);
    assert_int_equal(st->recv_state, QUIC_RECV_DATA_RECVD);
    assert_int_equal(quic_stream_peek(st, &data, &fin), 10);
    assert_true(fin);
    assert_memory_equal(data, "helloworld", 10);
    /* §4.5: beyond the final size, or another final size */
    assert_int_equal(
        quic_stream_on_data(st, 8, (const uint8_t *)"xyz", 3, false, &grew),
        QUIC_ERR_FINAL_SIZE);
    assert_int_equal(
        quic_stream_on_data(st, 0, (const uint8_t *)"he", 2, true, &grew),
        QUIC_ERR_FINAL_SIZE);
    assert_int_equal(quic_stream_consume(st, 10, true, 0, QUIC_MS), 0);
    assert_int_equal(st->recv_state, QUIC_RECV_DATA_READ);
    quic_streams_cleanup(&ss);
}

static uint8_t zeros[4096];

static void test_quic_stream_on_data_flow_control(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    uint64_t grew;
    table(&ss, false);
    quic_streams_get_for_frame(&ss, 0, false, true, &st);
    assert_int_equal(quic_stream_on_data(st, 0, zeros, 1000, false, &grew), 0);
    assert_int_equal(quic_stream_on_data(st, 1000, zeros, 1, false, &grew),
                     QUIC_ERR_FLOW_CONTROL);
    quic_streams_cleanup(&ss);
}

/* Credit returns once half the window is read; a window used up within two
 * RTTs doubles (auto-tuning), up to the bound. */
static void test_quic_stream_consume_credit_and_autotune(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    uint64_t grew;
    table(&ss, false);
    quic_streams_get_for_frame(&ss, 0, false, true, &st);
    quic_stream_on_data(st, 0, zeros, 1000, false, &grew);
    assert_int_equal(quic_stream_consume(st, 400, false, QUIC_MS, QUIC_MS), 0);
    assert_int_equal(quic_stream_consume(st, 200, false, QUIC_MS, QUIC_MS), 1);
    assert_true(st->pending & QUIC_STREAM_PEND_MAX_DATA);
    assert_int_equal(st->rx.limit, 1600);
    /* consumed fast: the next raise doubles the window */
    quic_stream_on_data(st, 1000, zeros, 600, false, &grew);
    assert_int_equal(quic_stream_consume(st, 1000, false, 2 * QUIC_MS, QUIC_MS),
                     1);
    assert_int_equal(st->rx.window, 2000);
    assert_int_equal(st->rx.limit, 3600);
    quic_streams_cleanup(&ss);
}

static void test_quic_stream_on_reset_once_and_final_size(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    uint64_t grew;
    table(&ss, false);
    quic_streams_get_for_frame(&ss, 0, false, true, &st);
    quic_stream_on_data(st, 0, zeros, 100, false, &grew);
    /* §4.5: a final size below what was received */
    assert_int_equal(quic_stream_on_reset(st, 9, 50, &grew),
                     QUIC_ERR_FINAL_SIZE);
    assert_int_equal(quic_stream_on_reset(st, 9, 300, &grew), 1);
    assert_int_equal(grew, 200);
    assert_int_equal(st->recv_state, QUIC_RECV_RESET_RECVD);
    assert_int_equal(st->peer_reset_error, 9);
    assert_int_equal(quic_stream_on_reset(st, 9, 300, &grew), 0);
    assert_int_equal(quic_stream_on_reset(st, 9, 301, &grew),
                     QUIC_ERR_FINAL_SIZE);
    /* data of a reset stream is dropped, still checked */
    assert_int_equal(quic_stream_on_data(st, 0, zeros, 10, false, &grew), 0);
    assert_int_equal(quic_stream_on_data(st, 295, zeros, 10, false, &grew),
                     QUIC_ERR_FINAL_SIZE);
    quic_streams_cleanup(&ss);
}

static void test_quic_stream_on_stop_sending_resets(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    table(&ss, true);
    quic_streams_get_for_send(&ss, 0, &st);
    quic_sendbuf_append(&st->sb, zeros, 100);
    assert_int_equal(quic_stream_on_sent(st, 0, 60, false), 0);
    assert_int_equal(st->send_state, QUIC_SEND_SEND);
    /* RFC 9000 §3.5: answered with RESET_STREAM, final size = sent */
    assert_int_equal(quic_stream_on_stop_sending(st, 77), 1);
    assert_int_equal(st->send_state, QUIC_SEND_RESET_SENT);
    assert_int_equal(st->reset_error, 77);
    assert_int_equal(st->reset_size, 60);
    assert_true(st->pending & QUIC_STREAM_PEND_RESET);
    assert_int_equal(quic_stream_on_stop_sending(st, 77), 0);
    assert_int_equal(quic_stream_reset(st, 1), 0);
    assert_false(quic_stream_has_send_data(st));
    quic_streams_cleanup(&ss);
}

static void test_quic_stream_send_states_to_data_recvd(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    table(&ss, true);
    quic_streams_get_for_send(&ss, 2, &st);
    quic_sendbuf_append(&st->sb, zeros, 10);
    quic_sendbuf_finish(&st->sb);
    assert_true(quic_stream_has_send_data(st));
    assert_int_equal(quic_stream_on_sent(st, 0, 10, true), 0);
    assert_int_equal(st->send_state, QUIC_SEND_DATA_SENT);
    assert_false(quic_stream_has_send_data(st));
    assert_int_equal(quic_stream_on_lost(st, 0, 10, true), 0);
    assert_true(quic_stream_has_send_data(st));
    assert_int_equal(quic_stream_on_acked(st, 0, 10, true), 0);
    assert_int_equal(st->send_state, QUIC_SEND_DATA_RECVD);
    assert_true(quic_stream_is_done(st));
    assert_true(quic_streams_release_if_done(&ss, st));
    assert_null(quic_streams_find(&ss, 2));
    quic_streams_cleanup(&ss);
}

/* A closed peer stream gives back MAX_STREAMS credit, announced in steps of
 * half the window. */
static void test_quic_streams_release_raises_max_streams(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    uint64_t grew;
    table(&ss, false); /* we allow 2 uni streams */
    for (uint64_t id = 2; id <= 6; id += 4) {
        assert_int_equal(quic_streams_get_for_frame(&ss, id, false, true, &st),
                         0);
        quic_stream_on_data(st, 0, zeros, 1, true, &grew);
        quic_stream_consume(st, 1, true, 0, QUIC_MS);
        assert_true(quic_streams_release_if_done(&ss, st));
        assert_int_equal(ss.remote_max[1], id == 2 ? 3 : 4);
    }
    assert_true(ss.max_streams_pending[1]);
    /* frames for a closed stream are ignored, not a new stream */
    assert_int_equal(quic_streams_get_for_frame(&ss, 2, false, true, &st), 0);
    assert_null(st);
    quic_streams_cleanup(&ss);
}

static void test_quic_streams_find_many(void **state) {
    (void)state;
    quic_streams ss;
    quic_stream *st;
    quic_streams_limits lim = {{2000, 2000}, 1000, 1000};
    assert_int_equal(quic_streams_init(&ss, &alloc, false, &lim), 0);
    /* the highest ID first: nothing is allocated for the 1999 below it */
    assert_int_equal(
        quic_streams_get_for_frame(&ss, 4 * 1999, false, true, &st), 0);
    assert_int_equal(ss.count, 1);
    for (uint64_t i = 0; i < 1999; i++)
        assert_int_equal(
            quic_streams_get_for_frame(&ss, 4 * i, false, true, &st), 0);
    assert_int_equal(ss.count, 2000);
    for (uint64_t i = 0; i < 2000; i++)
        assert_int_equal(quic_streams_find(&ss, 4 * i)->id, 4 * i);
    assert_null(quic_streams_find(&ss, 4 * 2000));
    quic_streams_cleanup(&ss);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_streams_is_local_by_initiator_bit),
        cmocka_unit_test(test_quic_streams_get_for_send_limits),
        cmocka_unit_test(test_quic_streams_get_for_frame_rules),
        cmocka_unit_test(test_quic_stream_on_data_states_and_final_size),
        cmocka_unit_test(test_quic_stream_on_data_flow_control),
        cmocka_unit_test(test_quic_stream_consume_credit_and_autotune),
        cmocka_unit_test(test_quic_stream_on_reset_once_and_final_size),
        cmocka_unit_test(test_quic_stream_on_stop_sending_resets),
        cmocka_unit_test(test_quic_stream_send_states_to_data_recvd),
        cmocka_unit_test(test_quic_streams_release_raises_max_streams),
        cmocka_unit_test(test_quic_streams_find_many),
    };
    return cmocka_run_group_tests_name("core_stream", tests, NULL, NULL);
}

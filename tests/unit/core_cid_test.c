/* tests/unit/core_cid_test.c — connection-ID tables (RFC 9000 §5.1,
 * §19.15, §19.16): issuing and retiring our IDs, storing the peer's with
 * Retire Prior To, limits, duplicates, switching, stateless reset tokens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/cid.h"

static quic_cid mk(uint8_t byte, uint8_t len) {
    quic_cid c;
    memset(&c, 0, sizeof(c));
    c.len = len;
    memset(c.data, byte, len);
    return c;
}

static const uint8_t *tok(uint8_t byte) {
    static uint8_t t[4][QUIC_RESET_TOKEN_LEN];
    static size_t i;
    uint8_t *p = t[i++ % 4];
    memset(p, byte, QUIC_RESET_TOKEN_LEN);
    return p;
}

static void test_quic_local_cids_issue_sequence_and_pending(void **state) {
    (void)state;
    quic_local_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8), c2 = mk(3, 8);
    quic_local_cids_init(&set, &c0);
    assert_null(quic_local_cids_next_pending(&set));
    assert_int_equal(quic_local_cids_issue(&set, &c1, tok(9)), 1);
    assert_int_equal(quic_local_cids_issue(&set, &c2, tok(9)), 2);
    assert_int_equal(quic_local_cids_active(&set), 3);
    quic_local_cid *p = quic_local_cids_next_pending(&set);
    assert_non_null(p);
    assert_int_equal(p->seq, 1);
    p->send_pending = false;
    assert_int_equal(quic_local_cids_next_pending(&set)->seq, 2);
    assert_true(quic_local_cids_match(&set, c2.data, 8));
    assert_false(quic_local_cids_match(&set, c2.data, 7));
}

static void test_quic_local_cids_issue_full(void **state) {
    (void)state;
    quic_local_cids set;
    quic_cid c = mk(1, 8);
    quic_local_cids_init(&set, &c);
    for (int i = 1; i < QUIC_CID_LOCAL_MAX; i++) {
        c.data[0] = (uint8_t)i;
        assert_int_equal(quic_local_cids_issue(&set, &c, tok(1)), i);
    }
    assert_int_equal(quic_local_cids_issue(&set, &c, tok(1)),
                     QUIC_ERR_INVALID_STATE);
}

static void test_quic_local_cids_retire_rules(void **state) {
    (void)state;
    quic_local_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8), out;
    quic_local_cids_init(&set, &c0);
    quic_local_cids_issue(&set, &c1, tok(1));
    /* §19.16: a sequence number never sent */
    assert_int_equal(quic_local_cids_retire(&set, 2, &c1, &out),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    /* §19.16: retiring the DCID of the packet carrying the frame */
    assert_int_equal(quic_local_cids_retire(&set, 1, &c1, &out),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    assert_int_equal(quic_local_cids_retire(&set, 0, &c1, &out), 1);
    assert_memory_equal(out.data, c0.data, 8);
    assert_false(quic_local_cids_match(&set, c0.data, 8));
    /* a repeated retirement is harmless */
    assert_int_equal(quic_local_cids_retire(&set, 0, &c1, &out), 0);
    assert_int_equal(quic_local_cids_active(&set), 1);
}

static void test_quic_peer_cids_on_new_duplicate_and_reuse(void **state) {
    (void)state;
    quic_peer_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8), c2 = mk(3, 8);
    quic_peer_cids_init(&set, &c0, 4);
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &c1, tok(5)), 0);
    /* §19.15: the same frame again is not an error */
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &c1, tok(5)), 0);
    /* one sequence number for two IDs, or one ID under two numbers */
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &c2, tok(5)),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    assert_int_equal(quic_peer_cids_on_new(&set, 2, 0, &c1, tok(5)),
                     QUIC_ERR_PROTOCOL_VIOLATION);
    /* §19.15: Retire Prior To above the sequence number */
    assert_int_equal(quic_peer_cids_on_new(&set, 2, 3, &c2, tok(5)),
                     QUIC_ERR_FRAME_ENCODING);
}

static void test_quic_peer_cids_on_new_limit(void **state) {
    (void)state;
    quic_peer_cids set;
    quic_cid c = mk(1, 8);
    quic_peer_cids_init(&set, &c, 2);
    c.data[0] = 2;
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &c, tok(1)), 0);
    c.data[0] = 3;
    assert_int_equal(quic_peer_cids_on_new(&set, 2, 0, &c, tok(1)),
                     QUIC_ERR_CONNECTION_ID_LIMIT);
    /* retiring the excess in the same frame keeps it within the limit */
    assert_int_equal(quic_peer_cids_on_new(&set, 2, 1, &c, tok(1)), 0);
    assert_int_equal(set.n_retire, 1);
    assert_int_equal(set.retire[0], 0);
}

static void test_quic_peer_cids_on_new_retire_prior_to_switches(void **state) {
    (void)state;
    quic_peer_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8), c2 = mk(3, 8);
    quic_peer_cids_init(&set, &c0, 4);
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &c1, tok(1)), 0);
    assert_int_equal(quic_peer_cids_on_new(&set, 2, 2, &c2, tok(2)), 0);
    /* both 0 (in use) and 1 are retired; 2 takes over */
    assert_int_equal(set.n_retire, 2);
    assert_memory_equal(quic_peer_cids_current(&set)->data, c2.data, 8);
    /* §19.15: a late ID below the retirement point is retired at once */
    quic_cid late = mk(7, 8);
    set.n_retire = 0;
    assert_int_equal(quic_peer_cids_on_new(&set, 1, 0, &late, tok(1)), 0);
    assert_int_equal(set.n_retire, 1);
    assert_int_equal(set.retire[0], 1);
}

static void test_quic_peer_cids_switch_needs_unused(void **state) {
    (void)state;
    quic_peer_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8);
    quic_peer_cids_init(&set, &c0, 4);
    assert_int_equal(quic_peer_cids_switch(&set), QUIC_ERR_INVALID_STATE);
    quic_peer_cids_on_new(&set, 1, 0, &c1, tok(1));
    assert_int_equal(quic_peer_cids_switch(&set), 0);
    assert_memory_equal(quic_peer_cids_current(&set)->data, c1.data, 8);
    assert_int_equal(set.n_retire, 1);
    assert_int_equal(set.retire[0], 0);
}

static void test_quic_peer_cids_is_reset_token_matches(void **state) {
    (void)state;
    quic_peer_cids set;
    quic_cid c0 = mk(1, 8), c1 = mk(2, 8);
    uint8_t t0[QUIC_RESET_TOKEN_LEN], t1[QUIC_RESET_TOKEN_LEN];
    memset(t0, 0xaa, sizeof(t0));
    memset(t1, 0xbb, sizeof(t1));
    quic_peer_cids_init(&set, &c0, 4);
    assert_false(quic_peer_cids_is_reset_token(&set, t0));
    quic_peer_cids_set_token0(&set, t0);
    assert_true(quic_peer_cids_is_reset_token(&set, t0));
    assert_false(quic_peer_cids_is_reset_token(&set, t1));
    quic_peer_cids_on_new(&set, 1, 0, &c1, t1);
    assert_true(quic_peer_cids_is_reset_token(&set, t1));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_local_cids_issue_sequence_and_pending),
        cmocka_unit_test(test_quic_local_cids_issue_full),
        cmocka_unit_test(test_quic_local_cids_retire_rules),
        cmocka_unit_test(test_quic_peer_cids_on_new_duplicate_and_reuse),
        cmocka_unit_test(test_quic_peer_cids_on_new_limit),
        cmocka_unit_test(test_quic_peer_cids_on_new_retire_prior_to_switches),
        cmocka_unit_test(test_quic_peer_cids_switch_needs_unused),
        cmocka_unit_test(test_quic_peer_cids_is_reset_token_matches),
    };
    return cmocka_run_group_tests_name("core_cid", tests, NULL, NULL);
}

/* tests/unit/cmd_demux_test.c — the server's connection-ID table: SipHash
 * reference vectors, add/find/replace/remove, removal by value, growth. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/demux.h"

/* SipHash-2-4 paper, Appendix A: key 00..0f, messages 00..(len-1). */
static const struct sip_case {
    int line;
    size_t len;
    uint64_t want;
} sip_cases[] = {
    {__LINE__, 0, 0x726fdb47dd0e0e31ull},  {__LINE__, 1, 0x74f839c593dc67fdull},
    {__LINE__, 7, 0xab0200f58b01d137ull},  {__LINE__, 8, 0x93f5f5799a932462ull},
    {__LINE__, 15, 0xa129ca6149be45e5ull},
};

static void test_h3cli_siphash_reference_vectors(void **state) {
    (void)state;
    uint8_t msg[64];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)i;
    for (size_t i = 0; i < sizeof(sip_cases) / sizeof(sip_cases[0]); i++) {
        const struct sip_case *c = &sip_cases[i];
        uint64_t got = h3cli_siphash(0x0706050403020100ull,
                                     0x0f0e0d0c0b0a0908ull, msg, c->len);
        if (got != c->want)
            fail_msg("line %d: got %016llx", c->line, (unsigned long long)got);
    }
}

static quic_cid cid_of(uint32_t n, uint8_t len) {
    quic_cid c;
    memset(&c, 0, sizeof(c));
    c.len = len;
    for (uint8_t i = 0; i < len; i++)
        c.data[i] = (uint8_t)(n >> (8 * (i % 4))) ^ i;
    return c;
}

static void test_h3cli_demux_add_find_remove(void **state) {
    (void)state;
    h3cli_demux d;
    assert_int_equal(h3cli_demux_init(&d), 0);
    int a, b;
    quic_cid c1 = cid_of(1, 8), c2 = cid_of(2, 8), c3 = cid_of(1, 4);
    assert_int_equal(h3cli_demux_add(&d, &c1, &a), 0);
    assert_int_equal(h3cli_demux_add(&d, &c2, &b), 0);
    assert_ptr_equal(h3cli_demux_find(&d, c1.data, 8), &a);
    assert_ptr_equal(h3cli_demux_find(&d, c2.data, 8), &b);
    /* A prefix of a CID is another CID. */
    assert_null(h3cli_demux_find(&d, c3.data, 4));
    assert_null(h3cli_demux_find(&d, c1.data, 0));
    /* Removing needs the right owner. */
    assert_false(h3cli_demux_remove(&d, &c1, &b));
    assert_true(h3cli_demux_remove(&d, &c1, &a));
    assert_null(h3cli_demux_find(&d, c1.data, 8));
    assert_false(h3cli_demux_remove(&d, &c1, &a));
    /* Re-adding replaces the owner. */
    assert_int_equal(h3cli_demux_add(&d, &c2, &a), 0);
    assert_ptr_equal(h3cli_demux_find(&d, c2.data, 8), &a);
    assert_int_equal(d.count, 1);
    quic_cid empty = {0};
    assert_int_equal(h3cli_demux_add(&d, &empty, &a), -22);
    h3cli_demux_cleanup(&d);
}

static void test_h3cli_demux_grows_and_removes_by_value(void **state) {
    (void)state;
    h3cli_demux d;
    assert_int_equal(h3cli_demux_init(&d), 0);
    int owners[4];
    for (uint32_t i = 0; i < 1000; i++) {
        quic_cid c = cid_of(i * 2654435761u, 20);
        assert_int_equal(h3cli_demux_add(&d, &c, &owners[i % 4]), 0);
    }
    assert_int_equal(d.count, 1000);
    assert_true(d.n_buckets >= 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        quic_cid c = cid_of(i * 2654435761u, 20);
        assert_ptr_equal(h3cli_demux_find(&d, c.data, 20), &owners[i % 4]);
    }
    assert_int_equal(h3cli_demux_remove_value(&d, &owners[1]), 250);
    assert_int_equal(d.count, 750);
    quic_cid c = cid_of(1 * 2654435761u, 20);
    assert_null(h3cli_demux_find(&d, c.data, 20));
    h3cli_demux_cleanup(&d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_siphash_reference_vectors),
        cmocka_unit_test(test_h3cli_demux_add_find_remove),
        cmocka_unit_test(test_h3cli_demux_grows_and_removes_by_value),
    };
    return cmocka_run_group_tests_name("cmd_demux", tests, NULL, NULL);
}

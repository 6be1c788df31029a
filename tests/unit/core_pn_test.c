/* tests/unit/core_pn_test.c — packet number truncation and recovery
 * (RFC 9000 §17.1, Appendix A.2 and A.3), with the window edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/pn.h"

static void test_quic_pn_encode_len_rfc_examples(void **state) {
    (void)state;
    static const struct {
        int line;
        uint64_t pn, largest_acked;
        size_t len;
    } rows[] = {
        /* RFC 9000 §17.1 / Appendix A.2. */
        {__LINE__, 0xac5c02, 0xabe8b3, 2},
        {__LINE__, 0xace8fe, 0xabe8b3, 3},
        /* Nothing acknowledged yet: the range starts at 0. */
        {__LINE__, 0, QUIC_PN_NONE, 1},
        {__LINE__, 126, QUIC_PN_NONE, 1},
        {__LINE__, 127, QUIC_PN_NONE, 2},
        /* §17.1 "more than twice as large a range": 127 unacked fit in one
         * byte (2*127 < 256), 128 do not. */
        {__LINE__, 1000 + 127, 1000, 1},
        {__LINE__, 1000 + 128, 1000, 2},
        {__LINE__, 1000 + 32767, 1000, 2},
        {__LINE__, 1000 + 32768, 1000, 3},
        {__LINE__, 1000 + 8388607, 1000, 3},
        {__LINE__, 1000 + 8388608, 1000, 4},
        /* Beyond what 4 bytes can carry: capped at 4. */
        {__LINE__, UINT64_C(1) << 40, 0, 4},
        /* Misuse (pn not above largest acked) must not wrap to 1 byte. */
        {__LINE__, 5, 10, 4},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (quic_pn_encode_len(rows[i].pn, rows[i].largest_acked) !=
            rows[i].len)
            fail_msg("row at line %d: got %zu", rows[i].line,
                     quic_pn_encode_len(rows[i].pn, rows[i].largest_acked));
}

static void test_quic_pn_decode_rfc_example(void **state) {
    (void)state;
    /* RFC 9000 §17.1 / Appendix A.3. */
    assert_true(quic_pn_decode(0xa82f30ea, 0x9b32, 2) == 0xa82f9b32);
}

static void test_quic_pn_decode_window_edges(void **state) {
    (void)state;
    static const struct {
        int line;
        uint64_t largest, truncated;
        size_t len;
        uint64_t full;
    } rows[] = {
        /* Nothing received yet: expected is 0. */
        {__LINE__, QUIC_PN_NONE, 0, 1, 0},
        {__LINE__, QUIC_PN_NONE, 0x7f, 1, 0x7f},
        {__LINE__, QUIC_PN_NONE, 0x80, 1, 0x80},
        /* expected 0x100: candidate 0x1ff is > expected + 0x80, go down. */
        {__LINE__, 0xff, 0xff, 1, 0xff},
        /* expected 0x100: candidate 0x100 + 0x80 exactly hwin above stays. */
        {__LINE__, 0xff, 0x80, 1, 0x180},
        {__LINE__, 0xff, 0x81, 1, 0x81},
        /* expected 0x180: candidate 0x100 <= expected - hwin goes up (a tie
         * between 0x100 and 0x200 resolves upwards). */
        {__LINE__, 0x17f, 0x00, 1, 0x200},
        {__LINE__, 0x17f, 0x01, 1, 0x101},
        /* expected 0x17f: 0x100 is 0x7f below, within the half window. */
        {__LINE__, 0x17e, 0x00, 1, 0x100},
        /* Wrap-around in 2 bytes. */
        {__LINE__, 0xfffe, 0x0000, 2, 0x10000},
        {__LINE__, 0x10000, 0xffff, 2, 0xffff},
        /* Extra bits above the window are ignored. */
        {__LINE__, 0xa82f30ea, 0xff9b32, 2, 0xa82f9b32},
        /* Near 2^62: must not go above the maximum. */
        {__LINE__, QUIC_PN_MAX - 1, 0x00, 1, QUIC_PN_MAX - 0xff},
        {__LINE__, QUIC_PN_MAX - 1, 0xff, 1, QUIC_PN_MAX},
        /* 4-byte window. */
        {__LINE__, 0x1fffffffe, 0x00000000, 4, 0x200000000},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t got =
            quic_pn_decode(rows[i].largest, rows[i].truncated, rows[i].len);
        if (got != rows[i].full)
            fail_msg("row at line %d: got 0x%llx", rows[i].line,
                     (unsigned long long)got);
    }
}

/* Every pn the sender truncates with quic_pn_encode_len decodes back, for a
 * receiver whose largest received lies anywhere in [largest_acked, pn). */
static void test_quic_pn_encode_decode_random_round_trip(void **state) {
    (void)state;
    unsigned seed = 0x9000u;
    printf("seed %u\n", seed);
    srand(seed);
    for (int i = 0; i < 20000; i++) {
        uint64_t acked = ((uint64_t)rand() << 20) ^ (uint64_t)rand();
        uint64_t gap = 1 + (uint64_t)rand() % (1u << (rand() % 24));
        uint64_t pn = acked + gap;
        uint64_t received = acked + (uint64_t)rand() % gap;
        size_t len = quic_pn_encode_len(pn, acked);
        uint64_t mask = (UINT64_C(1) << (8 * len)) - 1;
        uint64_t got = quic_pn_decode(received, pn & mask, len);
        if (got != pn)
            fail_msg("seed %u iteration %d: acked %llu pn %llu len %zu", seed,
                     i, (unsigned long long)acked, (unsigned long long)pn, len);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_pn_encode_len_rfc_examples),
        cmocka_unit_test(test_quic_pn_decode_rfc_example),
        cmocka_unit_test(test_quic_pn_decode_window_edges),
        cmocka_unit_test(test_quic_pn_encode_decode_random_round_trip),
    };
    return cmocka_run_group_tests_name("core_pn", tests, NULL, NULL);
}

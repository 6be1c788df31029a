/* tests/unit/cmd_loop_test.c — the driver's pure parts: GSO record
 * building from a datagrams_to_send layout, quic_addr conversion, the
 * monotonic clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "cmd/loop.h"

static quic_addr v4(const char *ip, uint16_t port) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    inet_pton(AF_INET, ip, &s4->sin_addr);
    quic_addr a;
    h3cli_addr_to_quic(&ss, &a);
    return a;
}

/* Datagram layouts: sizes, peers (0/1) and ECN per datagram, and the
 * records expected as (datagram count, segment size). */
static const struct rec_case {
    int line;
    size_t n;
    size_t len[6];
    int peer[6];
    uint8_t ecn[6];
    size_t gap_after; /* index after which offsets jump (0 = none) */
    size_t nrec;
    size_t rec_count[6];
    size_t rec_seg[6];
} rec_cases[] = {
    {__LINE__, 1, {1200}, {0}, {2}, 0, 1, {1}, {0}},
    {__LINE__, 3, {1200, 1200, 1200}, {0, 0, 0}, {2, 2, 2}, 0, 1, {3}, {1200}},
    /* A shorter last datagram still rides in the GSO run. */
    {__LINE__, 3, {1200, 1200, 700}, {0, 0, 0}, {2, 2, 2}, 0, 1, {3}, {1200}},
    /* A shorter datagram in the middle ends the run. */
    {__LINE__,
     4,
     {1200, 700, 1200, 1200},
     {0, 0, 0, 0},
     {2, 2, 2, 2},
     0,
     2,
     {2, 2},
     {1200, 1200}},
    /* Another peer, another ECN mark, a gap in the buffer: new records. */
    {__LINE__,
     4,
     {1200, 1200, 1200, 1200},
     {0, 0, 1, 1},
     {2, 2, 2, 2},
     0,
     2,
     {2, 2},
     {1200, 1200}},
    {__LINE__,
     3,
     {1200, 1200, 1200},
     {0, 0, 0},
     {2, 0, 0},
     0,
     2,
     {1, 2},
     {0, 1200}},
    {__LINE__,
     3,
     {1200, 1200, 1200},
     {0, 0, 0},
     {2, 2, 2},
     1,
     2,
     {1, 2},
     {0, 1200}},
    /* A larger datagram after the first cannot share its segment size. */
    {__LINE__, 2, {700, 1200}, {0, 0}, {2, 2}, 0, 2, {1, 1}, {0, 0}},
};

static void test_h3cli_loop_build_records_layouts(void **state) {
    (void)state;
    static uint8_t buf[16384];
    quic_addr peers[2] = {v4("192.0.2.1", 443), v4("192.0.2.2", 443)};
    for (size_t t = 0; t < sizeof(rec_cases) / sizeof(rec_cases[0]); t++) {
        const struct rec_case *c = &rec_cases[t];
        quic_datagram dg[6];
        size_t off = 0;
        for (size_t i = 0; i < c->n; i++) {
            dg[i].offset = off;
            dg[i].len = c->len[i];
            dg[i].peer = peers[c->peer[i]];
            dg[i].ecn = c->ecn[i];
            off += c->len[i];
            if (c->gap_after && i + 1 == c->gap_after)
                off += 16;
        }
        h3cli_udp_datagram rec[6];
        size_t nrec = h3cli_loop_build_records(buf, dg, c->n, NULL, 0, rec);
        if (nrec != c->nrec)
            fail_msg("line %d: %zu records, want %zu", c->line, nrec, c->nrec);
        size_t first = 0;
        for (size_t r = 0; r < nrec; r++) {
            size_t bytes = 0;
            for (size_t i = first; i < first + c->rec_count[r]; i++)
                bytes += c->len[i];
            if (rec[r].data != buf + dg[first].offset || rec[r].len != bytes ||
                rec[r].segment_size != c->rec_seg[r] ||
                rec[r].ecn != c->ecn[first] || rec[r].has_local)
                fail_msg("line %d: record %zu wrong", c->line, r);
            first += c->rec_count[r];
        }
    }
}

static void test_h3cli_loop_build_records_local_source(void **state) {
    (void)state;
    uint8_t buf[2400];
    quic_datagram dg[2] = {{0, 1200, v4("192.0.2.1", 443), 2},
                           {1200, 1200, v4("192.0.2.1", 443), 2}};
    struct sockaddr_storage local;
    memset(&local, 0, sizeof(local));
    local.ss_family = AF_INET;
    h3cli_udp_datagram rec[2];
    assert_int_equal(h3cli_loop_build_records(buf, dg, 2, &local, 7, rec), 1);
    assert_true(rec[0].has_local);
    assert_int_equal(rec[0].local_ifindex, 7);
    assert_int_equal(rec[0].peer.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&rec[0].peer)->sin_port),
                     443);
}

static void test_h3cli_addr_to_quic_round_trip(void **state) {
    (void)state;
    struct sockaddr_storage ss, back;
    memset(&ss, 0, sizeof(ss));
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(4433);
    inet_pton(AF_INET6, "2001:db8::1", &s6->sin6_addr);
    quic_addr qa;
    h3cli_addr_to_quic(&ss, &qa);
    assert_int_equal(qa.len, sizeof(struct sockaddr_in6));
    assert_true(h3cli_addr_from_quic(&qa, &back));
    assert_memory_equal(&back, &ss, sizeof(struct sockaddr_in6));
    quic_addr empty = {0};
    assert_false(h3cli_addr_from_quic(&empty, &back));
    struct sockaddr_storage unix_like;
    memset(&unix_like, 0, sizeof(unix_like));
    unix_like.ss_family = AF_UNIX;
    h3cli_addr_to_quic(&unix_like, &qa);
    assert_int_equal(qa.len, 0);
}

static void test_h3cli_now_is_monotonic(void **state) {
    (void)state;
    quic_time a = h3cli_now(), b = h3cli_now();
    assert_true(a > 0);
    assert_true(b >= a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_loop_build_records_layouts),
        cmocka_unit_test(test_h3cli_loop_build_records_local_source),
        cmocka_unit_test(test_h3cli_addr_to_quic_round_trip),
        cmocka_unit_test(test_h3cli_now_is_monotonic),
    };
    return cmocka_run_group_tests_name("cmd_loop", tests, NULL, NULL);
}

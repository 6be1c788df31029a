/* tests/unit/cmd_udp_test.c — UDP sockets over loopback: single and batched
 * round trips, GSO with and without GRO, the no-GSO fallback, ECN, packet
 * info on wildcard sockets, dual-stack address mapping and error codes. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/udp.h"

#define MAX_GOT 128

static socklen_t make_addr(struct sockaddr_storage *ss, const char *ip,
                           uint16_t port) {
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, ip, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        return sizeof(*s4);
    }
    assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(port);
    return sizeof(*s6);
}

/* Opens a socket on |ip| port 0; returns false (for a skip) when IPv6 is
 * not available and the address is IPv6. */
static bool open_on(h3cli_udp_socket *s, const char *ip, unsigned flags) {
    struct sockaddr_storage ss;
    socklen_t len = make_addr(&ss, ip, 0);
    int rc = h3cli_udp_open(s, (struct sockaddr *)&ss, len, flags);
    if (rc != 0 && ss.ss_family == AF_INET6 &&
        (rc == -EADDRNOTAVAIL || rc == -EAFNOSUPPORT))
        return false;
    assert_int_equal(rc, 0);
    assert_true(s->port != 0);
    return true;
}

#define OPEN_OR_SKIP(s, ip, flags)                                             \
    do {                                                                       \
        if (!open_on((s), (ip), (flags))) {                                    \
            print_message("skipped: %s is not available\n", (ip));             \
            skip();                                                            \
        }                                                                      \
    } while (0)

/* The address datagrams to |s| should go to: its own address and port. */
static struct sockaddr_storage dest_of(const h3cli_udp_socket *s,
                                       const char *ip) {
    struct sockaddr_storage ss;
    make_addr(&ss, ip, s->port);
    return ss;
}

static h3cli_udp_datagram out_to(struct sockaddr_storage peer, uint8_t *data,
                                 size_t len) {
    h3cli_udp_datagram d;
    memset(&d, 0, sizeof(d));
    d.peer = peer;
    d.data = data;
    d.len = len;
    return d;
}

typedef struct got {
    h3cli_udp_datagram d[MAX_GOT];
    uint8_t bytes[MAX_GOT][2048];
    size_t n, messages;
} got;

/* Receives until |want| datagrams arrived (or a second passes), copying
 * each out of rx's buffers. */
static void receive(h3cli_udp_socket *s, h3cli_udp_rx *rx, got *g,
                    size_t want) {
    memset(g, 0, sizeof(*g));
    while (g->n < want) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        if (poll(&p, 1, 1000) != 1)
            fail_msg("timeout after %zu of %zu datagrams", g->n, want);
        int rc = h3cli_udp_recv(s, rx);
        if (rc == -EAGAIN)
            continue;
        assert_true(rc > 0);
        g->messages += (size_t)rc;
        h3cli_udp_datagram d;
        while (h3cli_udp_rx_next(rx, &d)) {
            assert_true(g->n < MAX_GOT && d.len <= sizeof(g->bytes[0]));
            memcpy(g->bytes[g->n], d.data, d.len);
            g->d[g->n] = d;
            g->d[g->n].data = g->bytes[g->n];
            g->n++;
        }
    }
}

static uint16_t port_of(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
}

static void assert_ip(const struct sockaddr_storage *ss, const char *ip) {
    char buf[INET6_ADDRSTRLEN] = "";
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, buf,
                  sizeof(buf));
    else if (ss->ss_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, buf,
                  sizeof(buf));
    assert_string_equal(buf, ip);
}

static void round_trip(const char *ip) {
    h3cli_udp_socket a, b;
    h3cli_udp_rx rx;
    OPEN_OR_SKIP(&a, ip, 0);
    assert_true(open_on(&b, ip, 0));
    assert_int_equal(h3cli_udp_rx_init(&rx, 8, 65535), 0);
    uint8_t msg[] = "hello";
    h3cli_udp_datagram d = out_to(dest_of(&b, ip), msg, 5);
    assert_int_equal(h3cli_udp_send(&a, &d, 1), 1);
    static got g;
    receive(&b, &rx, &g, 1);
    assert_int_equal(g.n, 1);
    assert_memory_equal(g.d[0].data, "hello", 5);
    assert_int_equal(g.d[0].len, 5);
    assert_ip(&g.d[0].peer, ip);
    assert_int_equal(port_of(&g.d[0].peer), a.port);
    assert_true(g.d[0].has_local);
    assert_ip(&g.d[0].local, ip);
    assert_int_equal(port_of(&g.d[0].local), b.port);
    assert_int_equal(g.d[0].ecn, H3CLI_ECN_NOT_ECT);
    /* and back to the sender's address as reported */
    d = out_to(g.d[0].peer, (uint8_t *)"ok", 2);
    assert_int_equal(h3cli_udp_send(&b, &d, 1), 1);
    receive(&a, &rx, &g, 1);
    assert_memory_equal(g.d[0].data, "ok", 2);
    assert_int_equal(h3cli_udp_recv(&a, &rx), -EAGAIN);
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

static void test_h3cli_udp_send_single_ipv4(void **state) {
    (void)state;
    round_trip("127.0.0.1");
}

static void test_h3cli_udp_send_single_ipv6(void **state) {
    (void)state;
    round_trip("::1");
}

static void test_h3cli_udp_send_batch_in_order(void **state) {
    (void)state;
    h3cli_udp_socket a, b;
    h3cli_udp_rx rx;
    assert_true(open_on(&a, "127.0.0.1", 0));
    assert_true(open_on(&b, "127.0.0.1", 0));
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 2048), 0);
    static uint8_t data[20][100];
    h3cli_udp_datagram d[20];
    for (size_t i = 0; i < 20; i++) {
        memset(data[i], (int)i, sizeof(data[i]));
        d[i] = out_to(dest_of(&b, "127.0.0.1"), data[i], 10 + i);
    }
    assert_int_equal(h3cli_udp_send(&a, d, 20), 20);
    static got g;
    receive(&b, &rx, &g, 20);
    assert_true(g.messages >= 5); /* rx holds 4 messages per call */
    for (size_t i = 0; i < 20; i++) {
        assert_int_equal(g.d[i].len, 10 + i);
        assert_memory_equal(g.d[i].data, data[i], 10 + i);
    }
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

/* 10 segments of 1200 bytes and a last one of 500, each segment filled
 * with its index. */
static size_t fill_segments(uint8_t *buf) {
    for (size_t i = 0; i < 11; i++)
        memset(buf + i * 1200, 'a' + (int)i, i < 10 ? 1200 : 500);
    return 10 * 1200 + 500;
}

static void check_segments(const got *g) {
    assert_int_equal(g->n, 11);
    for (size_t i = 0; i < 11; i++) {
        assert_int_equal(g->d[i].len, i < 10 ? 1200 : 500);
        assert_int_equal(g->d[i].data[0], 'a' + (int)i);
        assert_int_equal(g->d[i].data[g->d[i].len - 1], 'a' + (int)i);
        assert_int_equal(g->d[i].ecn, H3CLI_ECN_ECT0);
    }
}

static void gso_to(unsigned sender_flags, unsigned receiver_flags,
                   bool force_off, size_t *messages) {
    h3cli_udp_socket a, b;
    h3cli_udp_rx rx;
    static uint8_t buf[16000];
    assert_true(open_on(&a, "127.0.0.1", sender_flags));
    assert_true(open_on(&b, "127.0.0.1", receiver_flags));
    if (force_off)
        a.gso = false;
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 65535), 0);
    h3cli_udp_datagram d =
        out_to(dest_of(&b, "127.0.0.1"), buf, fill_segments(buf));
    d.segment_size = 1200;
    d.ecn = H3CLI_ECN_ECT0;
    assert_int_equal(h3cli_udp_send(&a, &d, 1), 1);
    static got g;
    receive(&b, &rx, &g, 11);
    check_segments(&g);
    *messages = g.messages;
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

static void
test_h3cli_udp_send_gso_arrives_as_datagrams_without_gro(void **state) {
    (void)state;
    h3cli_udp_socket probe;
    assert_true(open_on(&probe, "127.0.0.1", 0));
    bool have_gso = probe.gso;
    h3cli_udp_close(&probe);
    if (!have_gso) {
        print_message("skipped: the kernel has no UDP_SEGMENT\n");
        skip();
    }
    size_t messages;
    gso_to(0, H3CLI_UDP_NO_GRO, false, &messages);
    assert_int_equal(messages, 11);
}

static void test_h3cli_udp_rx_next_splits_gro(void **state) {
    (void)state;
    h3cli_udp_socket probe;
    assert_true(open_on(&probe, "127.0.0.1", 0));
    bool have = probe.gso && probe.gro;
    h3cli_udp_close(&probe);
    if (!have) {
        print_message("skipped: the kernel lacks UDP_SEGMENT or UDP_GRO\n");
        skip();
    }
    size_t messages;
    gso_to(0, 0, false, &messages);
    /* loopback keeps a GSO send whole for a GRO socket */
    assert_int_equal(messages, 1);
}

static void test_h3cli_udp_send_fallback_without_gso(void **state) {
    (void)state;
    size_t messages;
    gso_to(H3CLI_UDP_NO_GSO, H3CLI_UDP_NO_GRO, false, &messages);
    assert_int_equal(messages, 11);
    gso_to(0, 0, true, &messages); /* cleared after open, GRO receiver */
    assert_true(messages >= 1);
    h3cli_udp_socket s;
    assert_true(open_on(&s, "127.0.0.1", H3CLI_UDP_NO_GSO | H3CLI_UDP_NO_GRO));
    assert_false(s.gso);
    assert_false(s.gro);
    h3cli_udp_close(&s);
}

static void ecn_round_trip(const char *ip) {
    h3cli_udp_socket a, b;
    h3cli_udp_rx rx;
    OPEN_OR_SKIP(&a, ip, 0);
    assert_true(open_on(&b, ip, 0));
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 2048), 0);
    uint8_t x[3] = {1, 2, 3};
    h3cli_udp_datagram d[3] = {out_to(dest_of(&b, ip), x, 1),
                               out_to(dest_of(&b, ip), x, 2),
                               out_to(dest_of(&b, ip), x, 3)};
    d[0].ecn = H3CLI_ECN_ECT0;
    d[1].ecn = H3CLI_ECN_NOT_ECT;
    d[2].ecn = H3CLI_ECN_CE;
    assert_int_equal(h3cli_udp_send(&a, d, 3), 3);
    static got g;
    receive(&b, &rx, &g, 3);
    assert_int_equal(g.d[0].ecn, H3CLI_ECN_ECT0);
    assert_int_equal(g.d[1].ecn, H3CLI_ECN_NOT_ECT);
    assert_int_equal(g.d[2].ecn, H3CLI_ECN_CE);
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

static void test_h3cli_udp_recv_ecn_ipv4(void **state) {
    (void)state;
    ecn_round_trip("127.0.0.1");
}

static void test_h3cli_udp_recv_ecn_ipv6(void **state) {
    (void)state;
    ecn_round_trip("::1");
}

/* A server on a wildcard address learns which address each datagram was
 * sent to and answers from it. */
static void wildcard_reply(const char *wild, const char *client_ip,
                           const char *server_ip, unsigned flags) {
    h3cli_udp_socket srv, cli;
    h3cli_udp_rx rx;
    OPEN_OR_SKIP(&srv, wild, flags);
    OPEN_OR_SKIP(&cli, client_ip, 0);
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 2048), 0);
    h3cli_udp_datagram d = out_to(dest_of(&srv, server_ip), (uint8_t *)"q", 1);
    d.ecn = H3CLI_ECN_ECT0;
    assert_int_equal(h3cli_udp_send(&cli, &d, 1), 1);
    static got g;
    receive(&srv, &rx, &g, 1);
    assert_ip(&g.d[0].local, server_ip);
    assert_int_equal(port_of(&g.d[0].local), srv.port);
    assert_ip(&g.d[0].peer, client_ip);
    assert_int_equal(g.d[0].ecn, H3CLI_ECN_ECT0);
    h3cli_udp_datagram reply = g.d[0]; /* same peer, from the same local */
    reply.data = (uint8_t *)"r";
    reply.ecn = H3CLI_ECN_ECT0;
    assert_int_equal(h3cli_udp_send(&srv, &reply, 1), 1);
    receive(&cli, &rx, &g, 1);
    assert_ip(&g.d[0].peer, server_ip);
    assert_int_equal(port_of(&g.d[0].peer), srv.port);
    assert_int_equal(g.d[0].ecn, H3CLI_ECN_ECT0);
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&srv);
    h3cli_udp_close(&cli);
}

static void test_h3cli_udp_recv_pktinfo_ipv4_wildcard(void **state) {
    (void)state;
    /* 127.0.0.2 is on lo too; answering from 0.0.0.0's default source
     * (127.0.0.1) would show up as the wrong peer. */
    wildcard_reply("0.0.0.0", "127.0.0.1", "127.0.0.2", 0);
}

static void test_h3cli_udp_recv_pktinfo_ipv6_wildcard(void **state) {
    (void)state;
    wildcard_reply("::", "::1", "::1", H3CLI_UDP_V6ONLY);
}

static void test_h3cli_udp_recv_dual_stack_unmaps_ipv4(void **state) {
    (void)state;
    wildcard_reply("::", "127.0.0.1", "127.0.0.2", 0);
}

static void test_h3cli_udp_recv_truncated_dropped(void **state) {
    (void)state;
    h3cli_udp_socket a, b;
    h3cli_udp_rx rx;
    assert_true(open_on(&a, "127.0.0.1", 0));
    assert_true(open_on(&b, "127.0.0.1", H3CLI_UDP_NO_GRO));
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 100), 0);
    static uint8_t big[300], small[50];
    h3cli_udp_datagram d[2] = {out_to(dest_of(&b, "127.0.0.1"), big, 300),
                               out_to(dest_of(&b, "127.0.0.1"), small, 50)};
    assert_int_equal(h3cli_udp_send(&a, d, 2), 2);
    static got g;
    receive(&b, &rx, &g, 1);
    assert_int_equal(g.d[0].len, 50);
    assert_int_equal(rx.truncated, 1);
    h3cli_udp_rx_cleanup(&rx);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

static void test_h3cli_udp_open_errors(void **state) {
    (void)state;
    h3cli_udp_socket a, b;
    assert_true(open_on(&a, "127.0.0.1", 0));
    struct sockaddr_storage ss = dest_of(&a, "127.0.0.1");
    assert_int_equal(h3cli_udp_open(&b, (struct sockaddr *)&ss,
                                    sizeof(struct sockaddr_in), 0),
                     -EADDRINUSE);
    assert_int_equal(b.fd, -1);
    assert_string_equal(h3cli_udp_strerror(-EADDRINUSE),
                        "Address already in use");
    make_addr(&ss, "192.0.2.123", 0); /* TEST-NET-1, not ours */
    assert_int_equal(h3cli_udp_open(&b, (struct sockaddr *)&ss,
                                    sizeof(struct sockaddr_in), 0),
                     -EADDRNOTAVAIL);
    struct sockaddr bad = {.sa_family = AF_UNIX};
    assert_int_equal(h3cli_udp_open(&b, &bad, sizeof(bad), 0), -EAFNOSUPPORT);
    /* a v6 peer on a v4 socket is refused before the kernel sees it */
    make_addr(&ss, "::1", 9);
    h3cli_udp_datagram d = out_to(ss, (uint8_t *)"x", 1);
    assert_int_equal(h3cli_udp_send(&a, &d, 1), -EAFNOSUPPORT);
    h3cli_udp_close(&a);
    h3cli_udp_close(&a); /* safe twice */
    h3cli_udp_rx rx;
    assert_int_equal(h3cli_udp_rx_init(&rx, 0, 100), -EINVAL);
    assert_int_equal(h3cli_udp_rx_init(&rx, 4, 70000), -EINVAL);
}

static void test_h3cli_udp_open_reuseport_shares_port(void **state) {
    (void)state;
    h3cli_udp_socket a, b;
    assert_true(open_on(&a, "127.0.0.1", H3CLI_UDP_REUSEPORT));
    struct sockaddr_storage ss = dest_of(&a, "127.0.0.1");
    assert_int_equal(h3cli_udp_open(&b, (struct sockaddr *)&ss,
                                    sizeof(struct sockaddr_in),
                                    H3CLI_UDP_REUSEPORT),
                     0);
    assert_int_equal(b.port, a.port);
    h3cli_udp_close(&a);
    h3cli_udp_close(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_h3cli_udp_send_single_ipv4),
        cmocka_unit_test(test_h3cli_udp_send_single_ipv6),
        cmocka_unit_test(test_h3cli_udp_send_batch_in_order),
        cmocka_unit_test(
            test_h3cli_udp_send_gso_arrives_as_datagrams_without_gro),
        cmocka_unit_test(test_h3cli_udp_rx_next_splits_gro),
        cmocka_unit_test(test_h3cli_udp_send_fallback_without_gso),
        cmocka_unit_test(test_h3cli_udp_recv_ecn_ipv4),
        cmocka_unit_test(test_h3cli_udp_recv_ecn_ipv6),
        cmocka_unit_test(test_h3cli_udp_recv_pktinfo_ipv4_wildcard),
        cmocka_unit_test(test_h3cli_udp_recv_pktinfo_ipv6_wildcard),
        cmocka_unit_test(test_h3cli_udp_recv_dual_stack_unmaps_ipv4),
        cmocka_unit_test(test_h3cli_udp_recv_truncated_dropped),
        cmocka_unit_test(test_h3cli_udp_open_errors),
        cmocka_unit_test(test_h3cli_udp_open_reuseport_shares_port),
    };
    return cmocka_run_group_tests_name("cmd_udp", tests, NULL, NULL);
}

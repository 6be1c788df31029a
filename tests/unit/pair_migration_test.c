/* tests/unit/pair_migration_test.c — path validation and connection
 * migration (RFC 9000 §8.2, §9) between a client and a server in memory:
 *  - NAT rebinding in the middle of a 1 MB download (port-only and
 *    address changes, clean and at 5% loss over PAIR_SEEDS seeds, default
 *    5): the server follows, its datagrams go to the new address, it sends
 *    there at most 3x what it received before validation, congestion and
 *    RTT state are kept for a port change and reset otherwise, and the
 *    body arrives byte-exact;
 *  - a probing-only datagram from a new address does not move the path,
 *    its PATH_CHALLENGE is answered there in one padded datagram;
 *  - a spoofed copy of a client packet (§9.3.2): the server reverts when
 *    validation times out, or at once when the real address sends again;
 *  - quic_conn_migrate: a client moving to a new local address in the
 *    middle of a 1 MB upload, the server following; its error cases.
 * A failure prints the seed to replay with PAIR_SEED. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#define MB (1024 * 1024)
#define SERVER_STREAM 1 /* the server's first bidirectional stream */

static const netsim_config clean = {
    .delay = 10 * QUIC_MS, .rate_bps = 100000000, .queue_bytes = 512 * 1024};

static netsim_config lossy(double loss) {
    netsim_config c = clean;
    c.loss = loss;
    c.reorder = 0.05;
    c.reorder_delay = 5 * QUIC_MS;
    return c;
}

static size_t seeds(void) {
    return pair_seed_count(5);
}

static bool addr_eq(const quic_addr *a, const quic_addr *b) {
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

static uint8_t *make_body(size_t len) {
    uint8_t *b = pair_pattern_new(len);
    assert_non_null(b);
    return b;
}

static quic_conn_stats stats_of(const quic_conn *c) {
    quic_conn_stats st;
    quic_conn_get_stats(c, &st);
    return st;
}

/* What the address hooks of one test see and decide. */
typedef struct mig {
    /* The client's address before and after the move; |moved| once the
     * wire (a NAT, or the client's new socket) uses |new_addr|. */
    quic_addr old_addr, new_addr;
    bool moved;
    /* Server datagrams to the new address before the server validated it,
     * and the client bytes delivered since the move (c2s link counter at
     * the move as the base). */
    uint64_t unvalidated_sent, delivered_base;
    bool amplification_ok;
    uint64_t to_new, to_old_after_move, to_other;
    quic_addr last_server_to;
    /* RTT the server had when it first sent to the new address. */
    quic_time first_new_srtt;
    bool saw_first_new;
    /* Probing test: the client's new DCID, and whether its probe went. */
    quic_cid probe_dcid;
    bool probe_armed, probe_sent;
    size_t probe_response_len;
    /* Spoofing tests. */
    quic_addr spoofed;
    bool spoof_armed;
    size_t spoof_len;
    uint64_t to_spoofed;
    /* Download/upload sizes. */
    size_t body_len;
    size_t move_at; /* bytes received before the move */
} mig;

/* Server datagrams: to the old client address after the move they are
 * lost (the NAT mapping or the socket is gone); count the rest. */
static bool route(pair *p, bool from_client, const quic_addr *to,
                  const uint8_t *data, size_t len, void *arg) {
    mig *m = arg;
    (void)data;
    if (from_client)
        return true;
    m->last_server_to = *to;
    if (m->spoofed.len && addr_eq(to, &m->spoofed)) {
        m->to_spoofed += len;
        return false; /* nobody there holds the keys */
    }
    if (!m->moved) {
        if (!addr_eq(to, &m->old_addr) && !addr_eq(to, &m->new_addr))
            m->to_other++;
        if (addr_eq(to, &m->new_addr)) { /* the probing test's response */
            m->to_new++;
            m->probe_response_len = len;
        }
        return true;
    }
    if (addr_eq(to, &m->old_addr)) {
        m->to_old_after_move++;
        return false;
    }
    if (!addr_eq(to, &m->new_addr)) {
        m->to_other++;
        return false;
    }
    m->to_new++;
    quic_conn_stats st = stats_of(p->server.conn);
    if (!m->saw_first_new) {
        m->saw_first_new = true;
        m->first_new_srtt = st.smoothed_rtt;
    }
    if (st.paths_validated == 0) {
        /* RFC 9000 §9.3.1/§8.1: at most 3x what came from there. */
        m->unvalidated_sent += len;
        uint64_t rx = p->c2s.stats.delivered_bytes - m->delivered_base;
        if (m->unvalidated_sent > 3 * rx) {
            fprintf(stderr,
                    "server sent %llu bytes to the unvalidated address "
                    "after receiving %llu\n",
                    (unsigned long long)m->unvalidated_sent,
                    (unsigned long long)rx);
            m->amplification_ok = false;
        }
    }
    return true;
}

/* A pair over |link| both ways whose server datagrams go through route()
 * with |m| (fields of |m| set before stay). */
static void mig_init(pair *p, mig *m, uint64_t seed,
                     const netsim_config *link) {
    pair_init(p, seed, link, link);
    m->old_addr = p->client.addr;
    p->route = route;
    p->arg = m;
}

static void move_client(pair *p, mig *m) {
    m->moved = true;
    m->delivered_base = p->c2s.stats.delivered_bytes;
    p->client.addr = m->new_addr;
}

static bool received_enough(pair *p, void *arg) {
    mig *m = arg;
    pair_stream *s = pair_stream_get(&p->client, SERVER_STREAM);
    return (s && s->len >= m->move_at) || p->client.terminated ||
           p->server.terminated;
}

static bool download_done(pair *p, void *arg) {
    (void)arg;
    pair_stream *s = pair_stream_get(&p->client, SERVER_STREAM);
    return (s && s->fin) || p->client.terminated || p->server.terminated;
}

static void check_body(const pair_stream *s, const uint8_t *want, size_t len) {
    assert_non_null(s);
    assert_true(s->fin);
    assert_int_equal(s->len, len);
    assert_memory_equal(s->data, want, len);
}

/* A 1 MB download from the server during which the client's address
 * changes to 127.0.0.|host|:|port| under a NAT (the client does not know):
 * the server must follow. */
static void run_nat_rebinding(uint64_t seed, const netsim_config *link,
                              uint8_t host, uint16_t port) {
    pair p;
    mig m;
    memset(&m, 0, sizeof(m));
    m.amplification_ok = true;
    m.body_len = 1 * MB;
    m.move_at = 300 * 1024;
    uint8_t *body = make_body(m.body_len);
    mig_init(&p, &m, seed, link);
    pair_make_addr(&m.new_addr, host, port);
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S);
    ok = ok && quic_conn_send_stream_data(p.server.conn, SERVER_STREAM, body,
                                          m.body_len, true) == 0;
    ok = ok && pair_run(&p, received_enough, &m, 120 * QUIC_S);
    quic_conn_stats before = stats_of(p.server.conn);
    move_client(&p, &m);
    /* From now on only what the client sends tells the server where it
     * is: a client that only acknowledges could stay silent (its last
     * ACKs lost, every server datagram going to the dead mapping), so it
     * sends a PING as an application keepalive would. */
    ok = ok && quic_conn_send_ping(p.client.conn, 1) == 0;
    ok = ok && pair_run(&p, download_done, &m, 300 * QUIC_S);
    if (!ok || p.client.terminated || p.server.terminated ||
        !m.amplification_ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    check_body(pair_stream_get(&p.client, SERVER_STREAM), body, m.body_len);
    quic_conn_stats after = stats_of(p.server.conn);
    /* The server followed, validated, and sent to the new address. */
    assert_int_equal(after.path_changes, 1);
    assert_int_equal(after.paths_validated, 1);
    assert_int_equal(after.path_validations_failed, 0);
    assert_true(m.to_new > 0);
    assert_int_equal(m.to_other, 0);
    assert_true(addr_eq(&m.last_server_to, &m.new_addr));
    assert_true(m.amplification_ok);
    /* §9.5: the client gave spare IDs, so the new path got a fresh one. */
    assert_memory_not_equal(&before.peer_cid, &after.peer_cid,
                            sizeof(after.peer_cid));
    /* §9.4: a port-only change keeps the RTT estimate, another resets it
     * to kInitialRtt (333 ms) before the first datagram to the new
     * address. */
    if (host == 1)
        assert_true(m.first_new_srtt < 200 * QUIC_MS);
    else
        assert_int_equal(m.first_new_srtt, 333 * QUIC_MS);
    /* The client only answered; it did not migrate itself. */
    assert_int_equal(stats_of(p.client.conn).path_changes, 0);
    pair_cleanup(&p);
    free(body);
}

static void test_nat_rebinding_port_change_clean(void **state) {
    (void)state;
    run_nat_rebinding(1, &clean, 1, 50001);
}

static void test_nat_rebinding_address_change_clean(void **state) {
    (void)state;
    run_nat_rebinding(2, &clean, 2, 50000);
}

static void test_nat_rebinding_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    for (size_t i = 0; i < seeds(); i++) {
        run_nat_rebinding(100 + i, &c, 1, 50001);
        run_nat_rebinding(200 + i, &c, 3, 40000);
    }
}

/* The probing test's source hook: the client's first datagram with its
 * new DCID (the PATH_CHALLENGE probe) seems to come from the new address,
 * everything else from the old one. */
static const quic_addr *probe_source(pair *p, bool to_client,
                                     const uint8_t *data, size_t len,
                                     void *arg) {
    mig *m = arg;
    (void)p;
    if (to_client || !m->probe_armed || m->probe_sent || len < 1200 ||
        (data[0] & 0x80) || len < 1u + m->probe_dcid.len ||
        memcmp(data + 1, m->probe_dcid.data, m->probe_dcid.len) != 0)
        return NULL;
    m->probe_sent = true;
    return &m->new_addr;
}

static bool probe_answered(pair *p, void *arg) {
    (void)arg;
    return stats_of(p->client.conn).paths_validated > 0 || p->client.terminated;
}

static bool upload_done(pair *p, void *arg) {
    (void)arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return (s && s->fin) || p->client.terminated || p->server.terminated;
}

/* RFC 9000 §9.3: a packet with only probing frames from a new address does
 * not move the server; §8.2.2: its PATH_CHALLENGE is answered on that
 * path, in a datagram padded to 1200 bytes. */
static void test_probe_only_does_not_migrate(void **state) {
    (void)state;
    pair p;
    mig m;
    memset(&m, 0, sizeof(m));
    mig_init(&p, &m, 3, &clean);
    pair_make_addr(&m.new_addr, 9, 9999);
    p.source = probe_source;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S));
    /* Let the server's spare connection IDs arrive. */
    pair_run(&p, pair_both_terminated, NULL, 200 * QUIC_MS);
    quic_cid old_dcid = stats_of(p.client.conn).peer_cid;
    assert_int_equal(quic_conn_migrate(p.client.conn, p.now), 0);
    m.probe_dcid = stats_of(p.client.conn).peer_cid;
    assert_memory_not_equal(&old_dcid, &m.probe_dcid, sizeof(old_dcid));
    m.probe_armed = true;
    bool ok = pair_run(&p, probe_answered, &m, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_true(m.probe_sent);
    quic_conn_stats srv = stats_of(p.server.conn);
    assert_int_equal(srv.path_changes, 0);
    /* One datagram to the probing address: the PATH_RESPONSE, padded. */
    assert_int_equal(m.to_new, 1);
    assert_int_equal(m.probe_response_len, 1200);
    assert_int_equal(m.to_other, 0);
    /* The server still talks to the old address, and data flows. */
    uint8_t *body = make_body(100000);
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, body, 100000, true), 0);
    ok = pair_run(&p, upload_done, &m, 60 * QUIC_S);
    assert_true(ok);
    check_body(pair_stream_get(&p.server, 0), body, 100000);
    assert_true(addr_eq(&m.last_server_to, &m.old_addr));
    assert_int_equal(stats_of(p.server.conn).path_changes, 0);
    pair_cleanup(&p);
    free(body);
}

/* The on-path attacker of RFC 9000 §9.3.2: a copy of a client datagram,
 * with a spoofed source, reaches the server before the original. */
static bool spoof_tamper(pair *p, bool from_client, uint8_t *data, size_t *len,
                         size_t cap, void *arg) {
    mig *m = arg;
    (void)cap;
    if (!from_client || !m->spoof_armed)
        return true;
    m->spoof_armed = false;
    uint8_t copy[1600];
    memcpy(copy, data, *len);
    m->spoof_len = *len;
    quic_conn_receive_datagram(p->server.conn, copy, *len, &m->spoofed, 0,
                               p->now);
    return true; /* the original follows and is dropped as a duplicate */
}

static bool server_changed_twice(pair *p, void *arg) {
    (void)arg;
    return stats_of(p->server.conn).path_changes >= 2 || p->server.terminated ||
           p->client.terminated;
}

static bool server_ping_acked(pair *p, void *arg) {
    uint64_t *want = arg;
    return p->server.pings_acked >= *want || p->server.terminated;
}

/* A quiet client: the spoofed copy of its last datagram moves the server,
 * nobody answers the PATH_CHALLENGE, and after three PTOs the server goes
 * back to the validated address (§9.3.2). */
static void test_spoofed_address_validation_fails_and_falls_back(void **st) {
    (void)st;
    pair p;
    mig m;
    memset(&m, 0, sizeof(m));
    mig_init(&p, &m, 4, &clean);
    pair_make_addr(&m.spoofed, 66, 6666);
    p.tamper = spoof_tamper;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S));
    pair_run(&p, pair_both_terminated, NULL, 500 * QUIC_MS);
    /* The client's ACK of this PING is the datagram copied. */
    m.spoof_armed = true;
    assert_int_equal(quic_conn_send_ping(p.server.conn, 7), 0);
    bool ok = pair_run(&p, server_changed_twice, &m, 30 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(m.spoof_armed);
    quic_conn_stats srv = stats_of(p.server.conn);
    assert_int_equal(srv.path_changes, 2);
    assert_int_equal(srv.path_validations_failed, 1);
    assert_int_equal(srv.paths_validated, 0);
    assert_true(m.to_spoofed > 0); /* the PATH_CHALLENGE */
    assert_true(m.to_spoofed <= 3 * m.spoof_len);
    /* Back on the real path: a new PING is acknowledged. */
    uint64_t want = 2;
    assert_int_equal(quic_conn_send_ping(p.server.conn, 8), 0);
    assert_true(pair_run(&p, server_ping_acked, &want, 10 * QUIC_S));
    assert_true(addr_eq(&m.last_server_to, &m.old_addr));
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    pair_cleanup(&p);
}

/* A busy client: its next packet from the real address has a higher
 * number and moves the server straight back (§9.3.2, §9.3.3), without
 * validation, and the upload completes. */
static void test_spoofed_address_reverted_by_real_packets(void **state) {
    (void)state;
    pair p;
    mig m;
    memset(&m, 0, sizeof(m));
    mig_init(&p, &m, 5, &clean);
    pair_make_addr(&m.spoofed, 66, 6666);
    p.tamper = spoof_tamper;
    uint8_t *body = make_body(1 * MB);
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S));
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, body, 1 * MB, true), 0);
    pair_run(&p, pair_both_terminated, NULL, 100 * QUIC_MS);
    m.spoof_armed = true;
    bool ok = pair_run(&p, upload_done, &m, 120 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(m.spoof_armed);
    check_body(pair_stream_get(&p.server, 0), body, 1 * MB);
    quic_conn_stats srv = stats_of(p.server.conn);
    assert_int_equal(srv.path_changes, 2);
    assert_int_equal(srv.paths_validated, 0);
    assert_true(m.to_spoofed <= 3 * m.spoof_len);
    assert_true(addr_eq(&m.last_server_to, &m.old_addr));
    pair_cleanup(&p);
    free(body);
}

static bool uploaded_enough(pair *p, void *arg) {
    mig *m = arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return (s && s->len >= m->move_at) || p->client.terminated ||
           p->server.terminated;
}

static bool client_validation_over(pair *p, void *arg) {
    (void)arg;
    quic_conn_stats st = stats_of(p->client.conn);
    return st.paths_validated + st.path_validations_failed > 0 ||
           p->client.terminated;
}

/* quic_conn_migrate in the middle of a 1 MB upload: the client's socket
 * moves to another address, the server follows, both paths validate. */
static void run_client_migration(uint64_t seed, const netsim_config *link) {
    pair p;
    mig m;
    memset(&m, 0, sizeof(m));
    m.amplification_ok = true;
    m.move_at = 300 * 1024;
    uint8_t *body = make_body(1 * MB);
    mig_init(&p, &m, seed, link);
    pair_make_addr(&m.new_addr, 7, 40007);
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S);
    ok = ok &&
         quic_conn_send_stream_data(p.client.conn, 0, body, 1 * MB, true) == 0;
    ok = ok && pair_run(&p, uploaded_enough, &m, 120 * QUIC_S);
    quic_cid old_dcid = stats_of(p.client.conn).peer_cid;
    move_client(&p, &m);
    ok = ok && quic_conn_migrate(p.client.conn, p.now) == 0;
    ok = ok && pair_run(&p, upload_done, &m, 300 * QUIC_S);
    if (!ok || p.client.terminated || p.server.terminated ||
        !m.amplification_ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated);
    assert_false(p.server.terminated);
    check_body(pair_stream_get(&p.server, 0), body, 1 * MB);
    /* A lost PATH_RESPONSE is made up for by a new challenge after a PTO:
     * the client's validation may end after the upload. */
    ok = pair_run(&p, client_validation_over, NULL, 30 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    quic_conn_stats cli = stats_of(p.client.conn);
    quic_conn_stats srv = stats_of(p.server.conn);
    assert_int_equal(cli.path_changes, 1);
    assert_int_equal(cli.paths_validated, 1);
    assert_memory_not_equal(&old_dcid, &cli.peer_cid, sizeof(old_dcid));
    assert_int_equal(srv.path_changes, 1);
    assert_int_equal(srv.paths_validated, 1);
    assert_true(m.amplification_ok);
    assert_true(addr_eq(&m.last_server_to, &m.new_addr));
    pair_cleanup(&p);
    free(body);
}

static void test_client_migrate_clean(void **state) {
    (void)state;
    run_client_migration(6, &clean);
}

static void test_client_migrate_loss5(void **state) {
    (void)state;
    netsim_config c = lossy(0.05);
    for (size_t i = 0; i < seeds(); i++)
        run_client_migration(300 + i, &c);
}

/* quic_conn_migrate refuses what RFC 9000 §9 forbids. */
static void test_client_migrate_errors(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 7, &clean, &clean);
    assert_int_equal(quic_conn_migrate(NULL, 0), QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(pair_start(&p), 0);
    /* Before the handshake is confirmed. */
    assert_int_equal(quic_conn_migrate(p.client.conn, p.now),
                     QUIC_ERR_INVALID_STATE);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 30 * QUIC_S));
    pair_run(&p, pair_both_terminated, NULL, 200 * QUIC_MS);
    /* A server does not migrate. */
    assert_int_equal(quic_conn_migrate(p.server.conn, p.now),
                     QUIC_ERR_INVALID_STATE);
    /* Each migration uses up one of the server's spare IDs: without
     * running the pair no new ones arrive, and the calls run out. */
    int rc = 0;
    size_t n = 0;
    while (n < 64 && (rc = quic_conn_migrate(p.client.conn, p.now)) == 0)
        n++;
    assert_int_equal(rc, QUIC_ERR_INVALID_STATE);
    assert_true(n >= 1);
    assert_true(n <= 8); /* our active_connection_id_limit at most */
    assert_int_equal(stats_of(p.client.conn).path_changes, n);
    pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nat_rebinding_port_change_clean),
        cmocka_unit_test(test_nat_rebinding_address_change_clean),
        cmocka_unit_test(test_nat_rebinding_loss5),
        cmocka_unit_test(test_probe_only_does_not_migrate),
        cmocka_unit_test(test_spoofed_address_validation_fails_and_falls_back),
        cmocka_unit_test(test_spoofed_address_reverted_by_real_packets),
        cmocka_unit_test(test_client_migrate_clean),
        cmocka_unit_test(test_client_migrate_loss5),
        cmocka_unit_test(test_client_migrate_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

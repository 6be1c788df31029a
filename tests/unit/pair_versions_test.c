/* tests/unit/pair_versions_test.c — QUIC versions between a client and a
 * server in memory: compatible version negotiation between v1 and v2 in
 * both directions (RFC 9368 §2.3, RFC 9369 §4), seen in the long headers
 * each side sends, the stats, the qlog and a byte-exact transfer; the
 * version_information checks that stop a downgrade (RFC 9368 §4) closing
 * with VERSION_NEGOTIATION_ERROR; and a client's handling of Version
 * Negotiation packets (RFC 9000 §6.2). Seeded (PAIR_SEED). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/conn_internal.h"
#include "core/packet.h"
#include "core/tls.h"
#include "pair.h"

static const netsim_config link = {
    .delay = 10 * QUIC_MS, .rate_bps = 100000000, .queue_bytes = 512 * 1024};

/* The long-header versions each side put on the wire, in order of first
 * appearance, and the version of the client's very first packet. */
typedef struct wire_versions {
    uint32_t client_first;
    uint32_t client[4], server[4];
    size_t n_client, n_server;
    /* Set to drop the client's first datagram and answer it with a
     * Version Negotiation packet listing |vn| (|n_vn| versions). */
    const uint32_t *vn;
    size_t n_vn;
    bool vn_sent;
    /* Set to lose the server's first datagram: the client sends its
     * Initial again in the original version. */
    bool drop_server_first;
    size_t server_datagrams, client_original_datagrams;
    size_t client_initials; /* datagrams starting with an Initial */
} wire_versions;

static void note(uint32_t *list, size_t *n, uint32_t v) {
    for (size_t i = 0; i < *n; i++)
        if (list[i] == v)
            return;
    if (*n < 4)
        list[(*n)++] = v;
}

static uint32_t long_version(const uint8_t *d) {
    return (uint32_t)d[1] << 24 | (uint32_t)d[2] << 16 | (uint32_t)d[3] << 8 |
           d[4];
}

static bool record_versions(pair *p, bool from_client, uint8_t *data,
                            size_t *len, size_t cap, void *arg) {
    (void)cap;
    wire_versions *w = arg;
    if (*len < 5 || !(data[0] & 0x80))
        return true;
    uint32_t v = long_version(data);
    if (from_client && w->vn && !w->vn_sent) {
        /* An on-path "server" answers the first Initial with VN. */
        quic_packet_header h;
        assert_int_equal(quic_packet_parse(&h, data, data + *len, 0), 0);
        uint8_t vn[128];
        int n = quic_version_negotiation_write(vn, vn + sizeof(vn), h.scid,
                                               h.scid_len, h.dcid, h.dcid_len,
                                               w->vn, w->n_vn, 0x2a);
        assert_true(n > 0);
        netsim_send(&p->s2c, p->now, vn, (size_t)n);
        w->vn_sent = true;
        w->client_first = v;
        return false;
    }
    if (from_client) {
        if (!w->client_first)
            w->client_first = v;
        note(w->client, &w->n_client, v);
        w->client_original_datagrams += v == w->client_first;
        quic_packet_header h;
        w->client_initials +=
            quic_packet_parse(&h, data, data + *len, 0) == 0 &&
            h.type == QUIC_PACKET_INITIAL;
    } else {
        note(w->server, &w->n_server, v);
        if (w->server_datagrams++ == 0 && w->drop_server_first)
            return false;
    }
    return true;
}

static uint32_t version_of(const pair_side *side) {
    quic_conn_stats st;
    quic_conn_get_stats(side->conn, &st);
    return st.version;
}

typedef struct text_sink {
    char *data;
    size_t len, cap;
} text_sink;

static void qlog_sink(void *user, const uint8_t *data, size_t len, bool fin) {
    (void)fin;
    text_sink *s = user;
    if (s->len + len + 1 > s->cap) {
        s->cap = (s->len + len + 1) * 2;
        s->data = realloc(s->data, s->cap);
        assert_non_null(s->data);
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
}

/* The last quic:version_information record of a trace has this chosen
 * version (hex, as qlog writes it). */
static bool qlog_chose(const text_sink *s, const char *hex) {
    const char *last = NULL;
    for (const char *r = s->data; r && (r = strstr(r, "version_information"));
         r++)
        last = r;
    if (!last)
        return false;
    const char *end = strchr(last, '\n');
    const char *chosen = strstr(last, "\"chosen_version\":\"");
    return chosen && end && chosen < end &&
           strncmp(chosen + strlen("\"chosen_version\":\""), hex, 8) == 0;
}

/* How many Initial packets a trace says were received. */
static size_t qlog_initials_received(const text_sink *s) {
    size_t n = 0;
    for (const char *r = s->data; r && (r = strstr(r, "quic:packet_received"));
         r++) {
        const char *end = strchr(r, '\n');
        const char *t = strstr(r, "\"packet_type\":\"initial\"");
        n += t && end && t < end;
    }
    return n;
}

static void set_versions(quic_config *c, uint32_t a, uint32_t b) {
    c->versions[0] = a;
    c->versions[1] = b;
    c->version_count = b ? 2 : 1;
}

static bool received_all(pair *p, void *arg) {
    size_t want = *(size_t *)arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return (s && s->fin && s->len == want) || p->client.terminated ||
           p->server.terminated;
}

/* Runs a handshake and a 64 KB transfer between a client offering
 * |c0|, |c1| and a server supporting |s0|, |s1| (in preference order);
 * returns the version both ended with. */
static uint32_t negotiate(uint64_t seed, uint32_t c0, uint32_t c1, uint32_t s0,
                          uint32_t s1, wire_versions *w, text_sink *cq,
                          text_sink *sq) {
    static uint8_t body[64 * 1024];
    size_t want = sizeof(body);
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 31 + 7);
    pair p;
    pair_init(&p, seed, &link, &link);
    set_versions(&p.client.cfg, c0, c1);
    set_versions(&p.server.cfg, s0, s1);
    p.client.cfg.qlog = qlog_sink;
    p.client.cfg.sink_user = cq;
    p.server.cfg.qlog = qlog_sink;
    p.server.cfg.sink_user = sq;
    p.tamper = record_versions;
    p.arg = w;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 10 * QUIC_S);
    ok = ok &&
         quic_conn_send_stream_data(p.client.conn, 0, body, want, true) == 0;
    ok = ok && pair_run(&p, received_all, &want, 30 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated || p.server.terminated);
    pair_stream *s = pair_stream_get(&p.server, 0);
    assert_memory_equal(s->data, body, want);
    uint32_t v = version_of(&p.client);
    assert_int_equal(version_of(&p.server), v);
    pair_cleanup(&p);
    return v;
}

/* A client that starts in v1 and offers v2 is upgraded by a server that
 * prefers v2: the server's packets are all v2, the client's first Initial
 * is v1 and its later packets v2. */
static void test_pair_v1_client_upgraded_to_v2(void **state) {
    (void)state;
    wire_versions w;
    text_sink cq = {0}, sq = {0};
    memset(&w, 0, sizeof(w));
    uint32_t v = negotiate(0x1a2b, QUIC_VERSION_1, QUIC_VERSION_2,
                           QUIC_VERSION_2, QUIC_VERSION_1, &w, &cq, &sq);
    assert_int_equal(v, QUIC_VERSION_2);
    assert_int_equal(w.client_first, QUIC_VERSION_1);
    assert_int_equal(w.n_server, 1);
    assert_int_equal(w.server[0], QUIC_VERSION_2);
    assert_int_equal(w.n_client, 2);
    assert_int_equal(w.client[1], QUIC_VERSION_2);
    assert_true(qlog_chose(&cq, "6b3343cf"));
    assert_true(qlog_chose(&sq, "6b3343cf"));
    free(cq.data);
    free(sq.data);
}

/* The server's first flight is lost: the client repeats its Initial in
 * v1, which the server (already in v2) still reads with the v1 keys it
 * kept (RFC 9369 §4), and the upgrade completes. */
static void test_pair_upgrade_survives_lost_server_flight(void **state) {
    (void)state;
    wire_versions w;
    text_sink cq = {0}, sq = {0};
    memset(&w, 0, sizeof(w));
    w.drop_server_first = true;
    uint32_t v = negotiate(0x1a2c, QUIC_VERSION_1, QUIC_VERSION_2,
                           QUIC_VERSION_2, QUIC_VERSION_1, &w, &cq, &sq);
    assert_int_equal(v, QUIC_VERSION_2);
    assert_true(w.client_original_datagrams >= 2);
    assert_int_equal(w.server[0], QUIC_VERSION_2);
    /* Every client Initial was read, those of v1 after the switch too. */
    assert_int_equal(qlog_initials_received(&sq), w.client_initials);
    free(cq.data);
    free(sq.data);
}

/* And the other way round: a client starting in v2 and offering v1 is
 * moved to v1 by a server that prefers v1. */
static void test_pair_v2_client_moved_to_v1(void **state) {
    (void)state;
    wire_versions w;
    text_sink cq = {0}, sq = {0};
    memset(&w, 0, sizeof(w));
    uint32_t v = negotiate(0x2b1a, QUIC_VERSION_2, QUIC_VERSION_1,
                           QUIC_VERSION_1, QUIC_VERSION_2, &w, &cq, &sq);
    assert_int_equal(v, QUIC_VERSION_1);
    assert_int_equal(w.client_first, QUIC_VERSION_2);
    assert_int_equal(w.n_server, 1);
    assert_int_equal(w.server[0], QUIC_VERSION_1);
    assert_true(qlog_chose(&cq, "00000001"));
    assert_true(qlog_chose(&sq, "00000001"));
    free(cq.data);
    free(sq.data);
}

/* Without an offer there is nothing to switch to: a v1-only client stays
 * in v1 with a server that prefers v2, and a v2-only one in v2. */
static void test_pair_version_kept_without_offer(void **state) {
    (void)state;
    wire_versions w;
    text_sink cq = {0}, sq = {0};
    memset(&w, 0, sizeof(w));
    assert_int_equal(negotiate(0x3c, QUIC_VERSION_1, 0, QUIC_VERSION_2,
                               QUIC_VERSION_1, &w, &cq, &sq),
                     QUIC_VERSION_1);
    assert_int_equal(w.n_client, 1);
    assert_int_equal(w.n_server, 1);
    assert_int_equal(w.server[0], QUIC_VERSION_1);
    memset(&w, 0, sizeof(w));
    assert_int_equal(negotiate(0x3d, QUIC_VERSION_2, 0, QUIC_VERSION_1,
                               QUIC_VERSION_2, &w, &cq, &sq),
                     QUIC_VERSION_2);
    assert_int_equal(w.server[0], QUIC_VERSION_2);
    free(cq.data);
    free(sq.data);
}

/* ---- Downgrade checks (RFC 9368 §4) ------------------------------------ */

/* A client whose version_information names another Chosen Version than
 * the version of its Initials: the server closes with
 * VERSION_NEGOTIATION_ERROR. */
static void test_pair_client_chosen_version_mismatch_closes(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 0x4d, &link, &link);
    set_versions(&p.client.cfg, QUIC_VERSION_1, QUIC_VERSION_2);
    set_versions(&p.server.cfg, QUIC_VERSION_1, QUIC_VERSION_2);
    p.client.cfg.verify_peer = false;
    assert_int_equal(quic_conn_new(&p.client.conn, &p.client.cfg, NULL), 0);
    /* Forge the client's parameters before its ClientHello is made. */
    quic_conn *c = p.client.conn;
    c->local_tp.version_info.chosen = QUIC_VERSION_2;
    uint8_t tp[512];
    int n = quic_tparams_encode(tp, tp + sizeof(tp), &c->local_tp, NULL);
    assert_true(n > 0);
    assert_int_equal(quic_tls_set_transport_params(c->tls, tp, (size_t)n), 0);
    assert_int_equal(quic_conn_connect(c, &p.server.addr, p.now), 0);
    bool ok = pair_run(&p, pair_both_terminated, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.handshake_completed);
    assert_int_equal(
        p.server.terminated_event.u.connection_terminated.error_code,
        QUIC_VERSION_NEGOTIATION_ERROR);
    assert_false(p.server.terminated_event.u.connection_terminated.by_peer);
    assert_int_equal(
        p.client.terminated_event.u.connection_terminated.error_code,
        QUIC_VERSION_NEGOTIATION_ERROR);
    assert_true(p.client.terminated_event.u.connection_terminated.by_peer);
    pair_cleanup(&p);
}

/* The client's checks of the server's version_information, on a client
 * connection with the state each case needs. */
static void test_client_checks_server_version_information(void **state) {
    (void)state;
    quic_config cfg, scfg;
    pair_default_configs(&cfg, &scfg);
    set_versions(&cfg, QUIC_VERSION_1, QUIC_VERSION_2);
    quic_conn *c;
    assert_int_equal(quic_conn_new(&c, &cfg, NULL), 0);
    quic_tparams tp;
    quic_tparams_init(&tp);
    /* No version_information: a v1 server without RFC 9368 is fine. */
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp), 0);
    quic_tparams_set_present(&tp, QUIC_TP_VERSION_INFORMATION);
    tp.version_info.chosen = QUIC_VERSION_1;
    tp.version_info.available[0] = QUIC_VERSION_1;
    tp.version_info.available_count = 1;
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp), 0);
    /* A Chosen Version other than the one the long headers showed: an
     * attacker rewrote the header version. */
    tp.version_info.chosen = QUIC_VERSION_2;
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp),
                     QUIC_ERR_VERSION_NEGOTIATION);
    /* A version we never offered. */
    c->version = 0x1a2a3a4a;
    tp.version_info.chosen = 0x1a2a3a4a;
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp),
                     QUIC_ERR_VERSION_NEGOTIATION);
    /* After reacting to a VN packet that named only v1 (we prefer v1 then
     * v2 here, so take a client preferring v2): the server's list shows v2
     * was possible, so the VN packet was forged. */
    set_versions(&c->cfg, QUIC_VERSION_2, QUIC_VERSION_1);
    c->version = QUIC_VERSION_1;
    c->vn_reacted = true;
    tp.version_info.chosen = QUIC_VERSION_1;
    tp.version_info.available[0] = QUIC_VERSION_1;
    tp.version_info.available[1] = QUIC_VERSION_2;
    tp.version_info.available_count = 2;
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp),
                     QUIC_ERR_VERSION_NEGOTIATION);
    /* The same with a server that really supports only v1: genuine. */
    tp.version_info.available_count = 1;
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp), 0);
    /* After a VN reaction to v2 the server's list may not be missing
     * (RFC 9368 §6 only lets v1 do without). */
    c->version = QUIC_VERSION_2;
    quic_tparams_init(&tp);
    assert_int_equal(quic_conn_check_peer_version_info(c, &tp),
                     QUIC_ERR_VERSION_NEGOTIATION);
    quic_conn_free(c);
}

/* version_information that RFC 9368 §4 calls a parsing failure is a
 * TRANSPORT_PARAMETER_ERROR: a zero version, a length not a multiple of
 * 4, and from a client a Chosen Version missing from its list. */
static void test_tparams_version_information_parsing_failures(void **state) {
    (void)state;
    static const struct {
        uint8_t bytes[16];
        size_t len;
        bool from_server;
        int want;
    } cases[] = {
        {{0x11, 8, 0, 0, 0, 1, 0, 0, 0, 1}, 10, false, 0},
        {{0x11, 4, 0, 0, 0, 1}, 6, true, 0}, /* a server may list none */
        {{0x11, 4, 0, 0, 0, 1}, 6, false, QUIC_ERR_TRANSPORT_PARAMETER},
        {{0x11, 8, 0, 0, 0, 0, 0, 0, 0, 0},
         10,
         true,
         QUIC_ERR_TRANSPORT_PARAMETER},
        {{0x11, 8, 0, 0, 0, 1, 0, 0, 0, 0},
         10,
         true,
         QUIC_ERR_TRANSPORT_PARAMETER},
        {{0x11, 6, 0, 0, 0, 1, 0, 0}, 8, true, QUIC_ERR_TRANSPORT_PARAMETER},
        {{0x11, 2, 0, 1}, 4, true, QUIC_ERR_TRANSPORT_PARAMETER},
        {{0x11, 8, 0, 0, 0, 1, 0x6b, 0x33, 0x43, 0xcf},
         10,
         false,
         QUIC_ERR_TRANSPORT_PARAMETER},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        quic_tparams tp;
        int rc = quic_tparams_decode(&tp, cases[i].bytes,
                                     cases[i].bytes + cases[i].len,
                                     cases[i].from_server);
        if (rc != cases[i].want)
            fail_msg("case %zu: %d", i, rc);
    }
}

/* ---- Version Negotiation packets (RFC 9000 §6.2) ------------------------ */

static bool client_ended(pair *p, void *arg) {
    (void)arg;
    return p->client.terminated;
}

/* A VN packet that lists the version the client used is a forgery or a
 * confused middlebox (RFC 9368 §4): ignored; the client's Initial is sent
 * again and the handshake completes in that version. */
static void test_pair_vn_listing_our_version_is_ignored(void **state) {
    (void)state;
    static const uint32_t listed[] = {0x0a0a0a0a, QUIC_VERSION_1};
    wire_versions w;
    memset(&w, 0, sizeof(w));
    w.vn = listed;
    w.n_vn = 2;
    pair p;
    pair_init(&p, 0x5e, &link, &link);
    p.tamper = record_versions;
    p.arg = &w;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_true(w.vn_sent);
    assert_int_equal(version_of(&p.client), QUIC_VERSION_1);
    pair_cleanup(&p);
}

/* A VN packet with no version in common ends the attempt with a clear
 * error: VERSION_NEGOTIATION_ERROR, not by the peer's CONNECTION_CLOSE. */
static void test_pair_vn_without_common_version_fails(void **state) {
    (void)state;
    static const uint32_t listed[] = {0xff00001d, 0x1a2a3a4a};
    wire_versions w;
    memset(&w, 0, sizeof(w));
    w.vn = listed;
    w.n_vn = 2;
    pair p;
    pair_init(&p, 0x5f, &link, &link);
    p.tamper = record_versions;
    p.arg = &w;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, client_ended, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    const quic_event *ev = &p.client.terminated_event;
    assert_int_equal(ev->u.connection_terminated.error_code,
                     QUIC_VERSION_NEGOTIATION_ERROR);
    assert_false(p.client.handshake_completed);
    pair_cleanup(&p);
}

/* Sets up (the caller starts it) a client offering v1 then v2 whose first
 * Initial is answered by a VN packet listing |listed|, against a server
 * supporting |s0|, |s1|. */
static void vn_restart(pair *p, uint64_t seed, wire_versions *w,
                       const uint32_t *listed, size_t n, uint32_t s0,
                       uint32_t s1) {
    memset(w, 0, sizeof(*w));
    w->vn = listed;
    w->n_vn = n;
    pair_init(p, seed, &link, &link);
    set_versions(&p->client.cfg, QUIC_VERSION_1, QUIC_VERSION_2);
    set_versions(&p->server.cfg, s0, s1);
    p->tamper = record_versions;
    p->arg = w;
}

/* A VN packet from a server that speaks only v2: the client starts again
 * in v2 (a new ClientHello whose version_information chooses v2) and the
 * handshake completes there. */
static void test_pair_vn_common_version_restarts(void **state) {
    (void)state;
    static const uint32_t listed[] = {0x1a2a3a4a, QUIC_VERSION_2};
    wire_versions w;
    text_sink cq = {0};
    pair p;
    vn_restart(&p, 0x60, &w, listed, 2, QUIC_VERSION_2, 0);
    p.client.cfg.qlog = qlog_sink;
    p.client.cfg.sink_user = &cq;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_int_equal(w.client_first, QUIC_VERSION_1);
    assert_int_equal(w.n_client, 1); /* everything after the VN is v2 */
    assert_int_equal(w.client[0], QUIC_VERSION_2);
    assert_int_equal(version_of(&p.client), QUIC_VERSION_2);
    assert_int_equal(version_of(&p.server), QUIC_VERSION_2);
    pair_cleanup(&p);
    /* qlog: the VN packet's list, ours, and the version tried next. */
    assert_non_null(
        strstr(cq.data, "\"server_versions\":[\"1a2a3a4a\",\"6b3343cf\"]"));
    assert_true(qlog_chose(&cq, "6b3343cf"));
    free(cq.data);
}

/* The same VN packet forged while the server also supports v1, which the
 * client prefers: the server's version_information shows v1 was possible,
 * so the client closes with VERSION_NEGOTIATION_ERROR (RFC 9368 §4). (The
 * server prefers v2 here; one preferring v1 would switch the restarted
 * connection back to v1 by compatible negotiation, which is no
 * downgrade.) */
static void test_pair_forged_vn_downgrade_detected(void **state) {
    (void)state;
    static const uint32_t listed[] = {QUIC_VERSION_2};
    wire_versions w;
    pair p;
    vn_restart(&p, 0x61, &w, listed, 1, QUIC_VERSION_2, QUIC_VERSION_1);
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_both_terminated, NULL, 10 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.handshake_completed);
    const quic_event *ev = &p.client.terminated_event;
    assert_int_equal(ev->u.connection_terminated.error_code,
                     QUIC_VERSION_NEGOTIATION_ERROR);
    assert_false(ev->u.connection_terminated.by_peer);
    assert_int_equal(
        p.server.terminated_event.u.connection_terminated.error_code,
        QUIC_VERSION_NEGOTIATION_ERROR);
    pair_cleanup(&p);
}

/* ---- Session tickets are per version (RFC 9369 §5) --------------------- */

typedef struct resumed {
    bool completed, resumed;
} resumed;

static void on_resumed(pair *p, bool is_client, const quic_event *ev,
                       void *arg) {
    (void)p;
    resumed *r = arg;
    if (is_client && ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED) {
        r->completed = true;
        r->resumed = ev->u.handshake_completed.session_resumed;
    }
}

static uint32_t last_version; /* of the last connect_with_ticket */

/* A connection from a client offering |c0|, |c1| to a server preferring
 * |s0|, |s1| (sharing |ctx|), resuming |in| when it has bytes and saving
 * its newest ticket in |out|; returns whether it resumed. */
static bool connect_with_ticket(quic_tls_context *ctx, uint64_t seed,
                                uint32_t c0, uint32_t c1, uint32_t s0,
                                uint32_t s1, const pair_ticket *in,
                                pair_ticket *out) {
    resumed r = {false, false};
    pair p;
    pair_init(&p, seed, &link, &link);
    set_versions(&p.client.cfg, c0, c1);
    set_versions(&p.server.cfg, s0, s1);
    p.server.cfg.tls_context = ctx;
    p.client.cfg.session_ticket_sink = pair_save_ticket;
    p.client.cfg.sink_user = out;
    if (in && in->len) {
        p.client.cfg.session_ticket = in->data;
        p.client.cfg.session_ticket_len = in->len;
    }
    p.on_event = on_resumed;
    p.arg = &r;
    out->len = 0;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    for (int i = 0; i < 20 && out->len == 0; i++)
        pair_run(&p, pair_both_terminated, NULL, 50 * QUIC_MS);
    assert_true(out->len > 0);
    assert_true(r.completed);
    last_version = version_of(&p.client);
    assert_int_equal(version_of(&p.server), last_version);
    pair_cleanup(&p);
    return r.resumed;
}

static void test_pair_ticket_used_only_in_its_version(void **state) {
    (void)state;
    quic_config cc, sc;
    pair_default_configs(&cc, &sc);
    quic_tls_context *ctx;
    assert_int_equal(quic_tls_context_new(&ctx, &sc), 0);
    static pair_ticket v1, v2, again, upgraded;
    /* A v1 connection's ticket resumes a v1 connection ... */
    assert_false(connect_with_ticket(ctx, 0x71, QUIC_VERSION_1, 0,
                                     QUIC_VERSION_1, QUIC_VERSION_2, NULL,
                                     &v1));
    assert_true(connect_with_ticket(ctx, 0x72, QUIC_VERSION_1, 0,
                                    QUIC_VERSION_1, QUIC_VERSION_2, &v1,
                                    &again));
    /* ... but never starts a v2 one: a full handshake instead. */
    assert_false(connect_with_ticket(ctx, 0x73, QUIC_VERSION_2, 0,
                                     QUIC_VERSION_1, QUIC_VERSION_2, &v1, &v2));
    /* The v2 connection's ticket resumes in v2. */
    assert_true(connect_with_ticket(ctx, 0x74, QUIC_VERSION_2, 0,
                                    QUIC_VERSION_1, QUIC_VERSION_2, &v2,
                                    &again));
    /* After an upgrade from v1 to v2 the ticket is a v2 one. */
    assert_false(connect_with_ticket(ctx, 0x75, QUIC_VERSION_1, QUIC_VERSION_2,
                                     QUIC_VERSION_2, QUIC_VERSION_1, NULL,
                                     &upgraded));
    assert_int_equal(last_version, QUIC_VERSION_2);
    assert_true(connect_with_ticket(ctx, 0x76, QUIC_VERSION_2, 0,
                                    QUIC_VERSION_2, QUIC_VERSION_1, &upgraded,
                                    &again));
    /* A server that prefers v2 does not move a v1 resumption to v2 (the
     * ticket is a v1 one): it resumes in v1. */
    assert_true(connect_with_ticket(ctx, 0x77, QUIC_VERSION_1, QUIC_VERSION_2,
                                    QUIC_VERSION_2, QUIC_VERSION_1, &v1,
                                    &again));
    assert_int_equal(last_version, QUIC_VERSION_1);
    quic_tls_context_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_v1_client_upgraded_to_v2),
        cmocka_unit_test(test_pair_upgrade_survives_lost_server_flight),
        cmocka_unit_test(test_pair_v2_client_moved_to_v1),
        cmocka_unit_test(test_pair_version_kept_without_offer),
        cmocka_unit_test(test_pair_client_chosen_version_mismatch_closes),
        cmocka_unit_test(test_client_checks_server_version_information),
        cmocka_unit_test(test_tparams_version_information_parsing_failures),
        cmocka_unit_test(test_pair_vn_listing_our_version_is_ignored),
        cmocka_unit_test(test_pair_vn_without_common_version_fails),
        cmocka_unit_test(test_pair_vn_common_version_restarts),
        cmocka_unit_test(test_pair_forged_vn_downgrade_detected),
        cmocka_unit_test(test_pair_ticket_used_only_in_its_version),
    };
    return cmocka_run_group_tests_name("pair_versions", tests, NULL, NULL);
}

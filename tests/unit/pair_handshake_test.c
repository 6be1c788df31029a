/* tests/unit/pair_handshake_test.c — client and server connections in
 * memory (pair.h): the handshake with ALPN, transport parameters and key
 * discard, padding of Initial datagrams, certificate checks, and the
 * handshake under heavy loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"

#include "core/conn_internal.h"
#include "core/packet.h"
#include "core/protect.h"

static const netsim_config clean_link = {.delay = 10 * QUIC_MS};

typedef struct hs_seen {
    char client_alpn[16], server_alpn[16];
    int client_hs, server_hs;
    size_t min_client_initial, min_server_initial;
} hs_seen;

static void on_event(pair *p, bool is_client, const quic_event *ev, void *arg) {
    (void)p;
    hs_seen *seen = arg;
    if (ev->type != QUIC_EVENT_HANDSHAKE_COMPLETED)
        return;
    const char *alpn = ev->u.handshake_completed.alpn_protocol;
    snprintf(is_client ? seen->client_alpn : seen->server_alpn, 16, "%s",
             alpn ? alpn : "(null)");
    if (is_client)
        seen->client_hs++;
    else
        seen->server_hs++;
}

/* True if the server's Initial packet at the start of |data| carries an
 * ack-eliciting frame: the test opens a copy with the Initial keys, which
 * anyone can derive from the client's first DCID (RFC 9001 §5.2). */
static bool server_initial_eliciting(pair *p, const uint8_t *data, size_t len) {
    uint8_t pkt[2048];
    quic_packet_header h;
    quic_keys *server_keys;
    if (len > sizeof(pkt))
        return false;
    memcpy(pkt, data, len);
    if (quic_packet_parse(&h, pkt, pkt + len, 0) < 0 ||
        h.type != QUIC_PACKET_INITIAL)
        return false;
    const quic_cid *odcid = &p->client.conn->initial_dcid;
    assert_int_equal(quic_keys_new_initial(NULL, &server_keys, NULL,
                                           QUIC_VERSION_1, odcid->data,
                                           odcid->len),
                     0);
    uint64_t trunc;
    int pn_len = quic_packet_unprotect_header(server_keys, pkt, h.packet_len,
                                              h.pn_offset, &trunc);
    size_t hdr = h.pn_offset + (size_t)pn_len;
    int n = pn_len < 0
                ? -1
                : quic_packet_open(server_keys, pkt, h.packet_len, hdr, trunc);
    quic_keys_free(server_keys);
    assert_true(n > 0); /* our own packets always open */
    bool eliciting = false;
    for (const uint8_t *f = pkt + hdr, *end = f + n; f < end;) {
        quic_frame fr;
        int used = quic_frame_decode(&fr, f, end);
        assert_true(used > 0);
        eliciting |= quic_frame_is_ack_eliciting(fr.type);
        f += used;
    }
    return eliciting;
}

/* RFC 9000 §14.1: every datagram with an Initial packet from the client,
 * and every one with an ack-eliciting Initial from the server, is at least
 * 1200 bytes. The first byte of a v1 long-header Initial is 0b1100xxxx. */
static bool check_padding(pair *p, bool from_client, uint8_t *data, size_t *len,
                          size_t cap, void *arg) {
    (void)cap;
    hs_seen *seen = arg;
    if ((data[0] & 0xf0) != 0xc0)
        return true;
    size_t *min =
        from_client ? &seen->min_client_initial : &seen->min_server_initial;
    if (!from_client && !server_initial_eliciting(p, data, *len))
        return true;
    if (*min == 0 || *len < *min)
        *min = *len;
    return true;
}

static void test_pair_handshake_completes_with_alpn(void **state) {
    (void)state;
    pair p;
    hs_seen seen;
    memset(&seen, 0, sizeof(seen));
    pair_init(&p, 1, &clean_link, &clean_link);
    p.on_event = on_event;
    p.tamper = check_padding;
    p.arg = &seen;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_string_equal(seen.client_alpn, "h3");
    assert_string_equal(seen.server_alpn, "h3");
    assert_int_equal(seen.client_hs, 1);
    assert_int_equal(seen.server_hs, 1);
    assert_true(seen.min_client_initial >= 1200);
    assert_true(seen.min_server_initial >= 1200); /* and there was one */
    pair_cleanup(&p);
}

/* RFC 9001 §4.9: once the handshake is confirmed neither side keeps
 * Initial or Handshake keys. */
static void
test_pair_handshake_discards_initial_and_handshake_keys(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 2, &clean_link, &clean_link);
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    /* let HANDSHAKE_DONE and the last ACKs arrive */
    pair_run(&p, pair_both_terminated, NULL, 200 * QUIC_MS);
    quic_conn *sides[2] = {p.client.conn, p.server.conn};
    for (int i = 0; i < 2; i++) {
        quic_conn *c = sides[i];
        assert_true(c->handshake_confirmed);
        assert_true(c->spaces[QUIC_PN_SPACE_INITIAL].discarded);
        assert_true(c->spaces[QUIC_PN_SPACE_HANDSHAKE].discarded);
        assert_null(c->tx_keys[QUIC_LEVEL_INITIAL]);
        assert_null(c->rx_keys[QUIC_LEVEL_HANDSHAKE]);
        assert_non_null(c->tx_keys[QUIC_LEVEL_APPLICATION]);
    }
    pair_cleanup(&p);
}

static bool client_terminated(pair *p, void *arg) {
    (void)arg;
    return p->client.terminated && p->server.terminated;
}

/* A TLS failure closes with the alert as CRYPTO_ERROR (RFC 9001 §4.8) on
 * the side that detects it, and the other side hears it: a certificate the
 * CA file does not vouch for, a wrong host name (client), no common ALPN
 * (server, RFC 9001 §8.1). */
static void expect_tls_failure(pair *p, uint64_t alert, bool client_detects) {
    assert_int_equal(pair_start(p), 0);
    bool ok = pair_run(p, client_terminated, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(p);
    assert_true(ok);
    assert_false(p->client.handshake_completed);
    assert_int_equal(
        p->client.terminated_event.u.connection_terminated.error_code,
        QUIC_CRYPTO_ERROR(alert));
    assert_int_equal(
        p->server.terminated_event.u.connection_terminated.error_code,
        QUIC_CRYPTO_ERROR(alert));
    pair_side *hears = client_detects ? &p->server : &p->client;
    pair_side *says = client_detects ? &p->client : &p->server;
    assert_true(hears->terminated_event.u.connection_terminated.by_peer);
    assert_false(says->terminated_event.u.connection_terminated.by_peer);
    pair_cleanup(p);
}

static void test_pair_handshake_rejects_unknown_ca(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 3, &clean_link, &clean_link);
    p.client.cfg.ca_file = "../certs/ca2.pem";
    expect_tls_failure(&p, 48 /* unknown_ca */, true);
}

static void test_pair_handshake_rejects_wrong_host_name(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 4, &clean_link, &clean_link);
    p.client.cfg.server_name = "other.example";
    expect_tls_failure(&p, 42 /* bad_certificate */, true);
}

static void test_pair_handshake_no_common_alpn(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 5, &clean_link, &clean_link);
    p.client.cfg.alpn[0] = "hq-interop";
    expect_tls_failure(&p, 120 /* no_application_protocol */, false);
}

static void test_pair_handshake_verify_off_accepts_self_signed(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 6, &clean_link, &clean_link);
    p.server.cfg.cert_file = "../certs/self.pem";
    p.server.cfg.key_file = "../certs/self.key";
    p.client.cfg.verify_peer = false;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_cleanup(&p);
}

/* RFC 9002 §6.2: PTO probes (and the client's anti-deadlock probes) get
 * the handshake through heavy loss in both directions. */
static void test_pair_handshake_completes_at_30_percent_loss(void **state) {
    (void)state;
    netsim_config lossy = clean_link;
    lossy.loss = 0.30;
    lossy.reorder = 0.1;
    lossy.reorder_delay = 5 * QUIC_MS;
    size_t n = pair_seed_count(20);
    for (size_t i = 0; i < n; i++) {
        pair p;
        pair_init(&p, 300 + i, &lossy, &lossy);
        assert_int_equal(pair_start(&p), 0);
        bool ok = pair_run(&p, pair_handshake_done, NULL, 60 * QUIC_S);
        if (!ok)
            pair_print_seed(&p);
        assert_true(ok);
        assert_false(p.client.terminated);
        assert_false(p.server.terminated);
        pair_cleanup(&p);
    }
}

/* RFC 9000 §17.2.5, §7.3: after a Retry the client repeats its Initial
 * with the token towards the new CID, and both sides authenticate the
 * original, retry and initial source CIDs in the transport parameters. */
static void test_pair_handshake_after_retry(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 7, &clean_link, &clean_link);
    p.retry = true;
    assert_int_equal(pair_start(&p), 0);
    bool ok = pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_int_equal(p.retries_sent, 1);
    assert_true(p.client.conn->retried);
    assert_true(p.server.conn->retried);
    assert_memory_equal(p.client.conn->peer_tp.retry_scid.data,
                        p.retry_scid.data, p.retry_scid.len);
    pair_cleanup(&p);
}

/* A server that does not announce the Retry the client saw (nor the
 * client's original DCID) fails the §7.3 check: the client closes with
 * TRANSPORT_PARAMETER_ERROR. */
static void test_pair_handshake_retry_not_authenticated(void **state) {
    (void)state;
    pair p;
    pair_init(&p, 8, &clean_link, &clean_link);
    p.retry = true;
    p.retry_forgotten = true;
    assert_int_equal(pair_start(&p), 0);
    pair_run(&p, client_terminated, NULL, 5 * QUIC_S);
    assert_true(p.client.terminated);
    assert_int_equal(
        p.client.terminated_event.u.connection_terminated.error_code,
        QUIC_TRANSPORT_PARAMETER_ERROR);
    pair_cleanup(&p);
}

/* A session ticket from a first connection resumes the second one
 * (HandshakeCompleted.session_resumed). */

static bool resumed;
static void on_resume_event(pair *p, bool is_client, const quic_event *ev,
                            void *arg) {
    (void)p;
    (void)arg;
    if (is_client && ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED)
        resumed = ev->u.handshake_completed.session_resumed;
}

static bool never(pair *p, void *arg) {
    (void)p;
    (void)arg;
    return false;
}

static void test_pair_handshake_resumes_with_session_ticket(void **state) {
    (void)state;
    static pair_ticket tk;
    memset(&tk, 0, sizeof(tk));
    pair p;
    pair_init(&p, 9, &clean_link, &clean_link);
    /* tickets are sealed with the server context's key: share it, as a
     * server does across its connections */
    quic_tls_context *server_ctx;
    assert_int_equal(quic_tls_context_new(&server_ctx, &p.server.cfg), 0);
    p.server.cfg.tls_context = server_ctx;
    p.client.cfg.session_ticket_sink = pair_save_ticket;
    p.client.cfg.sink_user = &tk;
    p.on_event = on_resume_event;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_run(&p, never, NULL, 200 * QUIC_MS); /* NewSessionTicket */
    assert_false(resumed);
    assert_true(tk.count >= 1);
    assert_true(tk.len > 0);
    pair_cleanup(&p);

    pair_init(&p, 10, &clean_link, &clean_link);
    p.server.cfg.tls_context = server_ctx;
    p.client.cfg.session_ticket = tk.data;
    p.client.cfg.session_ticket_len = tk.len;
    p.on_event = on_resume_event;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    assert_true(resumed);
    pair_cleanup(&p);
    quic_tls_context_free(server_ctx);
}

/* RFC 9000 §6.2: a Version Negotiation packet listing none of our versions
 * ends the attempt; one that lists ours, or that does not echo our CIDs,
 * is ignored. */
static void test_pair_handshake_version_negotiation(void **state) {
    (void)state;
    quic_config cc, sc;
    pair_default_configs(&cc, &sc);
    quic_conn *c;
    assert_int_equal(quic_conn_new(&c, &cc, NULL), 0);
    quic_addr peer = {16, {2}};
    assert_int_equal(quic_conn_connect(c, &peer, 0), 0);
    uint8_t buf[2048], vn[128];
    quic_datagram d;
    assert_int_equal(quic_conn_datagrams_to_send(c, 0, buf, sizeof(buf), &d, 1),
                     1);
    /* the client's DCID (byte 5 on) and SCID follow the version */
    const uint8_t *dcid = buf + 6;
    size_t dcid_len = buf[5];
    const uint8_t *scid = dcid + dcid_len + 1;
    size_t scid_len = dcid[dcid_len];
    uint32_t ours[] = {QUIC_VERSION_1, 0x1a2a3a4a};
    int n = quic_version_negotiation_write(vn, vn + sizeof(vn), scid, scid_len,
                                           dcid, dcid_len, ours, 2, 0);
    assert_true(n > 0);
    quic_conn_receive_datagram(c, vn, (size_t)n, &peer, 0, QUIC_MS);
    quic_event ev;
    assert_false(quic_conn_next_event(c, &ev));
    uint32_t others[] = {0x1a2a3a4a};
    n = quic_version_negotiation_write(vn, vn + sizeof(vn), dcid, dcid_len,
                                       scid, scid_len, others, 1, 0);
    quic_conn_receive_datagram(c, vn, (size_t)n, &peer, 0, QUIC_MS);
    assert_false(quic_conn_next_event(c, &ev)); /* CIDs not echoed */
    n = quic_version_negotiation_write(vn, vn + sizeof(vn), scid, scid_len,
                                       dcid, dcid_len, others, 1, 0);
    quic_conn_receive_datagram(c, vn, (size_t)n, &peer, 0, QUIC_MS);
    assert_true(quic_conn_next_event(c, &ev));
    assert_int_equal(ev.type, QUIC_EVENT_CONNECTION_TERMINATED);
    assert_int_equal(ev.u.connection_terminated.error_code,
                     QUIC_VERSION_NEGOTIATION_ERROR);
    assert_true(quic_conn_is_closed(c));
    quic_conn_free(c);
}

typedef struct amp {
    int client_datagrams;
    size_t server_bytes;
} amp;

/* Lets only the client's first datagram through and counts the server's
 * bytes. */
static bool one_client_datagram(pair *p, bool from_client, uint8_t *data,
                                size_t *len, size_t cap, void *arg) {
    (void)p;
    (void)data;
    (void)cap;
    amp *a = arg;
    if (from_client)
        return a->client_datagrams++ == 0;
    a->server_bytes += *len;
    return true;
}

/* RFC 9000 §8.1: before the client's address is validated the server sends
 * at most three times what it received, PTO probes included. */
static void test_pair_handshake_server_amplification_limit(void **state) {
    (void)state;
    pair p;
    amp a;
    memset(&a, 0, sizeof(a));
    pair_init(&p, 11, &clean_link, &clean_link);
    p.tamper = one_client_datagram;
    p.arg = &a;
    assert_int_equal(pair_start(&p), 0);
    pair_run(&p, never, NULL, 10 * QUIC_S);
    assert_int_equal(a.client_datagrams > 1, true); /* the client retried */
    assert_true(a.server_bytes > 1200);             /* the server answered */
    assert_int_equal(a.server_bytes, 3 * 1200);     /* up to the limit */
    pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_handshake_completes_with_alpn),
        cmocka_unit_test(
            test_pair_handshake_discards_initial_and_handshake_keys),
        cmocka_unit_test(test_pair_handshake_rejects_unknown_ca),
        cmocka_unit_test(test_pair_handshake_rejects_wrong_host_name),
        cmocka_unit_test(test_pair_handshake_no_common_alpn),
        cmocka_unit_test(test_pair_handshake_verify_off_accepts_self_signed),
        cmocka_unit_test(test_pair_handshake_completes_at_30_percent_loss),
        cmocka_unit_test(test_pair_handshake_after_retry),
        cmocka_unit_test(test_pair_handshake_resumes_with_session_ticket),
        cmocka_unit_test(test_pair_handshake_version_negotiation),
        cmocka_unit_test(test_pair_handshake_server_amplification_limit),
        cmocka_unit_test(test_pair_handshake_retry_not_authenticated),
    };
    return cmocka_run_group_tests_name("pair_handshake", tests, NULL, NULL);
}

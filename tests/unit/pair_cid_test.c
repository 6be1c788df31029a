/* tests/unit/pair_cid_test.c — connection IDs over a connection's life
 * (RFC 9000 §5.1): the server's NEW_CONNECTION_ID repeated with a
 * Retire Prior To that covers every ID the client may use but the newest
 * makes the client move to that one and retire the others with
 * RETIRE_CONNECTION_ID; the server reports each as ConnectionIdRetired,
 * issues replacements (ConnectionIdIssued) up to the client's
 * active_connection_id_limit, and data still flows both ways. Seeded
 * (PAIR_SEED). */
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
#include "core/protect.h"
#include "pair.h"

static const netsim_config link = {.delay = 10 * QUIC_MS};

typedef struct cid_events {
    size_t server_issued, server_retired;
    quic_cid retired[16];
} cid_events;

static void on_event(pair *p, bool is_client, const quic_event *ev, void *arg) {
    (void)p;
    cid_events *e = arg;
    if (is_client)
        return;
    if (ev->type == QUIC_EVENT_CONNECTION_ID_ISSUED)
        e->server_issued++;
    if (ev->type == QUIC_EVENT_CONNECTION_ID_RETIRED && e->server_retired < 16)
        e->retired[e->server_retired++] =
            ev->u.connection_id_retired.connection_id;
}

static bool never(pair *p, void *arg) {
    (void)p;
    (void)arg;
    return false;
}

/* Protects |frames| in a 1-RTT packet with the server's keys and next
 * packet number and hands it to the client, recorded as sent so the
 * client's ACK of it is legitimate. */
static void server_sends(pair *p, const uint8_t *frames, size_t len) {
    quic_conn *src = p->server.conn;
    quic_keys *keys = src->tx_keys[QUIC_LEVEL_APPLICATION];
    assert_non_null(keys);
    uint64_t pn = src->spaces[QUIC_PN_SPACE_APPLICATION].next_pn++;
    const quic_cid *dcid = quic_peer_cids_current(&src->peer_cids);
    uint8_t buf[1500];
    int hdr = quic_short_header_write(buf, buf + sizeof(buf), dcid->data,
                                      dcid->len, false, src->tx_phase, pn, 4);
    assert_true(hdr > 0);
    memcpy(buf + hdr, frames, len);
    int n =
        quic_packet_seal(keys, buf, sizeof(buf), (size_t)hdr - 4, 4, len, pn);
    assert_true(n > 0);
    assert_int_equal(
        quic_recovery_on_packet_sent(&src->rec, QUIC_PN_SPACE_APPLICATION, pn,
                                     (size_t)n, true, true, p->now),
        0);
    quic_conn_receive_datagram(p->client.conn, buf, (size_t)n, &p->server.addr,
                               0, p->now);
}

static bool echoed(pair *p, void *arg) {
    size_t want = *(size_t *)arg;
    pair_stream *s = pair_stream_get(&p->client, 0);
    return (s && s->len == want) || p->client.terminated ||
           p->server.terminated;
}

static void test_pair_retire_prior_to_moves_the_client(void **state) {
    (void)state;
    cid_events e;
    memset(&e, 0, sizeof(e));
    pair p;
    pair_init(&p, 0xc1d5, &link, &link);
    p.on_event = on_event;
    p.arg = &e;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_run(&p, never, NULL, 200 * QUIC_MS);
    quic_conn *s = p.server.conn, *c = p.client.conn;
    /* The client's default active_connection_id_limit lets the server
     * issue several spares beside sequence 0. */
    size_t issued_before = e.server_issued;
    assert_true(issued_before >= 1);
    const quic_local_cid *newest = NULL;
    for (size_t i = 0; i < QUIC_CID_LOCAL_MAX; i++) {
        const quic_local_cid *l = &s->local_cids.slots[i];
        if (l->active && (!newest || l->seq > newest->seq))
            newest = l;
    }
    assert_non_null(newest);
    uint64_t k = newest->seq;
    assert_true(k >= 1);

    /* RFC 9000 §19.15: the same ID again, now retiring all before it. */
    quic_frame f;
    memset(&f, 0, sizeof(f));
    f.type = QUIC_FRAME_NEW_CONNECTION_ID;
    f.u.new_connection_id.seq = k;
    f.u.new_connection_id.retire_prior_to = k;
    f.u.new_connection_id.cid = newest->cid;
    f.u.new_connection_id.reset_token = newest->reset_token;
    uint8_t frame[64];
    int n = quic_frame_encode(frame, frame + sizeof(frame), &f);
    assert_true(n > 0);
    server_sends(&p, frame, (size_t)n);
    /* The client moves at once: its next packets name the newest ID. */
    const quic_cid *now_used = quic_peer_cids_current(&c->peer_cids);
    assert_int_equal(now_used->len, newest->cid.len);
    assert_memory_equal(now_used->data, newest->cid.data, newest->cid.len);
    pair_run(&p, never, NULL, 300 * QUIC_MS);

    /* Every ID before k was retired, each once, and replaced. */
    assert_int_equal(e.server_retired, k);
    for (size_t i = 0; i < e.server_retired; i++)
        for (size_t j = i + 1; j < e.server_retired; j++)
            assert_false(e.retired[i].len == e.retired[j].len &&
                         memcmp(e.retired[i].data, e.retired[j].data,
                                e.retired[i].len) == 0);
    assert_true(e.server_issued >= issued_before + k);

    /* Data both ways on the new ID. */
    static uint8_t body[20000];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 13);
    assert_int_equal(quic_conn_send_stream_data(c, 0, body, 100, false), 0);
    pair_run(&p, never, NULL, 100 * QUIC_MS);
    assert_int_equal(
        quic_conn_send_stream_data(s, 0, body, sizeof(body), false), 0);
    size_t want = sizeof(body);
    bool ok = pair_run(&p, echoed, &want, 5 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    assert_false(p.client.terminated || p.server.terminated);
    assert_memory_equal(pair_stream_get(&p.client, 0)->data, body, want);
    pair_cleanup(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_retire_prior_to_moves_the_client),
    };
    return cmocka_run_group_tests_name("pair_cid", tests, NULL, NULL);
}

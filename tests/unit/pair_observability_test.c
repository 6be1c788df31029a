/* tests/unit/pair_observability_test.c — what a connection reports through
 * the config's sinks during a real exchange: the qlog of a transfer over a
 * lossy link with key updates parses record by record as strict JSON-SEQ
 * and holds the packet, frame, recovery, loss, key, state, parameter,
 * connection start, version, ALPN and close events; the key log gives both
 * sides the same NSS lines; CUBIC is the default controller and NewReno can be
 * chosen. Seeded (PAIR_SEED). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pair.h"
#include "support/json_check.h"

static const netsim_config clean_link = {.delay = 10 * QUIC_MS};
static const netsim_config lossy_link = {
    .delay = 10 * QUIC_MS, .loss = 0.05, .reorder = 0.05};

/* ---- Sinks ---------------------------------------------------------------
 */

typedef struct text_sink {
    char *data;
    size_t len, cap;
    int fins;
} text_sink;

static void append(text_sink *s, const void *data, size_t len) {
    if (s->len + len + 1 > s->cap) {
        size_t cap = (s->len + len + 1) * 2;
        char *d = realloc(s->data, cap);
        assert_non_null(d);
        s->data = d;
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
    s->data[s->len] = '\0';
}

static void qlog_sink(void *user, const uint8_t *data, size_t len, bool fin) {
    text_sink *s = user;
    assert_int_equal(s->fins, 0); /* nothing after the fin record */
    if (fin)
        s->fins++;
    append(s, data, len);
}

static void keylog_sink(void *user, const char *line) {
    text_sink *s = user;
    append(s, line, strlen(line));
    append(s, "\n", 1);
}

/* ---- qlog ------------------------------------------------------------------
 */

/* What one trace holds, counted from its parsed records. */
typedef struct trace_summary {
    size_t records;
    size_t sent, received, stream_frames, ack_frames, metrics, lost;
    size_t local_key_updates, remote_key_updates, tls_keys;
    size_t params_local, params_remote, closed_local, closed_remote;
    size_t started, versions, alpns;
    bool confirmed, closing_or_draining;
    bool header;
    char remote_port[8];    /* connection_started: the peer's port */
    char chosen_version[9]; /* the last version_information's choice */
    char chosen_alpn[16];   /* alpn_information's string_value */
} trace_summary;

static bool is(const char *a, const char *b) {
    return a && strcmp(a, b) == 0;
}

static const char *opt_str(const jparser *j, int root, const char *path) {
    int id = jget(j, root, path);
    return id >= 0 ? j->nodes[id].str : NULL;
}

static void count_frames(const jparser *j, int root, trace_summary *t) {
    size_t n = jcount(j, root, "data.frames");
    for (size_t i = 0; i < n; i++) {
        char path[48];
        snprintf(path, sizeof(path), "data.frames.%zu.frame_type", i);
        const char *type = opt_str(j, root, path);
        t->stream_frames += is(type, "stream");
        t->ack_frames += is(type, "ack");
    }
}

static void count_event(const jparser *j, int root, trace_summary *t) {
    const char *name = jstr(j, root, "name");
    if (is(name, "quic:packet_sent") || is(name, "quic:packet_received")) {
        *(is(name, "quic:packet_sent") ? &t->sent : &t->received) += 1;
        assert_non_null(opt_str(j, root, "data.header.packet_type"));
        assert_non_null(opt_str(j, root, "data.raw.length"));
        count_frames(j, root, t);
    } else if (is(name, "quic:recovery_metrics_updated")) {
        t->metrics++;
        assert_non_null(opt_str(j, root, "data.congestion_window"));
    } else if (is(name, "quic:packet_lost")) {
        t->lost++;
        assert_non_null(opt_str(j, root, "data.trigger"));
    } else if (is(name, "quic:key_updated")) {
        const char *trigger = jstr(j, root, "data.trigger");
        t->local_key_updates += is(trigger, "local_update");
        t->remote_key_updates += is(trigger, "remote_update");
        t->tls_keys += is(trigger, "tls");
    } else if (is(name, "quic:parameters_set")) {
        bool local = is(jstr(j, root, "data.initiator"), "local");
        *(local ? &t->params_local : &t->params_remote) += 1;
    } else if (is(name, "quic:connection_state_updated")) {
        const char *st = jstr(j, root, "data.new");
        t->confirmed |= is(st, "handshake_confirmed");
        t->closing_or_draining |= is(st, "closing") || is(st, "draining");
    } else if (is(name, "quic:connection_started")) {
        t->started++;
        snprintf(t->remote_port, sizeof(t->remote_port), "%s",
                 jstr(j, root, "data.remote.port_v4"));
        assert_string_equal(jstr(j, root, "data.remote.ip_v4"), "127.0.0.1");
    } else if (is(name, "quic:version_information")) {
        t->versions++;
        const char *v = opt_str(j, root, "data.chosen_version");
        if (v)
            snprintf(t->chosen_version, sizeof(t->chosen_version), "%s", v);
    } else if (is(name, "quic:alpn_information")) {
        t->alpns++;
        snprintf(t->chosen_alpn, sizeof(t->chosen_alpn), "%s",
                 jstr(j, root, "data.chosen_alpn.string_value"));
    } else if (is(name, "quic:connection_closed")) {
        bool local = is(jstr(j, root, "data.initiator"), "local");
        *(local ? &t->closed_local : &t->closed_remote) += 1;
    }
}

/* Parses every record of |s| (each must be strict JSON) and counts. */
static void summarise(const text_sink *s, trace_summary *t) {
    static jparser j;
    memset(t, 0, sizeof(*t));
    assert_int_equal(s->fins, 1);
    size_t i = 0;
    while (i < s->len) {
        assert_int_equal(s->data[i], 0x1e);
        const char *nl = memchr(s->data + i, '\n', s->len - i);
        assert_non_null(nl);
        size_t len = (size_t)(nl - (s->data + i)) + 1;
        int root = jparse_record(&j, s->data + i, len);
        if (root < 0)
            fail_msg("record %zu is not strict JSON: %.*s", t->records,
                     (int)len, s->data + i);
        if (t->records == 0)
            t->header = jget(&j, root, "trace.vantage_point.type") >= 0;
        else
            count_event(&j, root, t);
        t->records++;
        i += len;
    }
}

static bool stream_done(pair *p, void *arg) {
    (void)arg;
    pair_stream *ps = pair_stream_get(&p->server, 0);
    return (ps && ps->fin) || p->client.terminated || p->server.terminated;
}

static void test_pair_qlog_transfer_events(void **state) {
    (void)state;
    static text_sink cq, sq;
    memset(&cq, 0, sizeof(cq));
    memset(&sq, 0, sizeof(sq));
    pair p;
    pair_init(&p, 0x51061, &lossy_link, &lossy_link);
    p.client.cfg.qlog = qlog_sink;
    p.client.cfg.sink_user = &cq;
    p.server.cfg.qlog = qlog_sink;
    p.server.cfg.sink_user = &sq;
    p.client.cfg.key_update_interval = 40;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    static uint8_t body[300 * 1024];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (uint8_t)(i * 7);
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, body, sizeof(body), true),
        0);
    bool ok = pair_run(&p, stream_done, NULL, 60 * QUIC_S);
    if (ok) {
        quic_conn_close(p.client.conn, 0x42, 0, "done");
        ok = pair_run(&p, pair_both_terminated, NULL, 10 * QUIC_S);
    }
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    pair_cleanup(&p); /* frees both connections: the fin records */

    trace_summary c, s;
    summarise(&cq, &c);
    summarise(&sq, &s);
    const trace_summary *both[] = {&c, &s};
    for (int k = 0; k < 2; k++) {
        const trace_summary *t = both[k];
        assert_true(t->header);
        assert_true(t->sent > 100 && t->received > 100);
        assert_true(t->stream_frames > 100 && t->ack_frames > 10);
        assert_true(t->metrics > 0);
        assert_int_equal(t->params_local, 1);
        assert_int_equal(t->params_remote, 1);
        assert_true(t->confirmed);
        assert_true(t->closing_or_draining);
        /* Handshake and 1-RTT keys, each direction. */
        assert_true(t->tls_keys >= 4);
        /* Who the peer is, which version and protocol were agreed. */
        assert_int_equal(t->started, 1);
        assert_true(t->versions >= 1);
        assert_string_equal(t->chosen_version, "00000001");
        assert_int_equal(t->alpns, 1);
        assert_string_equal(t->chosen_alpn, "h3");
    }
    assert_string_equal(c.remote_port, "4433");
    assert_string_equal(s.remote_port, "50000");
    /* The client's data packets are acknowledged all the time. */
    assert_true(c.metrics > 10);
    /* 5% loss both ways over hundreds of packets loses some. */
    assert_true(c.lost + s.lost > 0);
    /* The client updates every 40 packets; the server follows each. */
    assert_true(c.local_key_updates >= 3);
    assert_true(s.remote_key_updates >= 3);
    assert_int_equal(c.closed_local, 1);
    assert_int_equal(s.closed_remote, 1);
    free(cq.data);
    free(sq.data);
}

/* ---- Key log ---------------------------------------------------------------
 */

/* The line of |label| in |s| ("LABEL <client_random> <secret>"), copied to
 * |out|; false when absent. */
static bool keylog_line(const text_sink *s, const char *label, char *out,
                        size_t cap) {
    size_t n = strlen(label);
    for (const char *l = s->data; l && *l;) {
        const char *nl = strchr(l, '\n');
        size_t len = nl ? (size_t)(nl - l) : strlen(l);
        if (len > n && strncmp(l, label, n) == 0 && l[n] == ' ' && len < cap) {
            memcpy(out, l, len);
            out[len] = '\0';
            return true;
        }
        l = nl ? nl + 1 : NULL;
    }
    return false;
}

static void test_pair_keylog_lines_match(void **state) {
    (void)state;
    static const char *const labels[] = {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"};
    text_sink ck, sk;
    memset(&ck, 0, sizeof(ck));
    memset(&sk, 0, sizeof(sk));
    pair p;
    pair_init(&p, 0x4e55, &clean_link, &clean_link);
    p.client.cfg.keylog = keylog_sink;
    p.client.cfg.sink_user = &ck;
    p.server.cfg.keylog = keylog_sink;
    p.server.cfg.sink_user = &sk;
    assert_int_equal(pair_start(&p), 0);
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    pair_cleanup(&p);
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        char cl[512], sl[512];
        assert_true(keylog_line(&ck, labels[i], cl, sizeof(cl)));
        assert_true(keylog_line(&sk, labels[i], sl, sizeof(sl)));
        /* Same client random and secret on both ends: Wireshark can use
         * either file. 32-byte random and SHA-256 secret in hex. */
        assert_string_equal(cl, sl);
        assert_int_equal(strlen(cl), strlen(labels[i]) + 1 + 64 + 1 + 64);
    }
    free(ck.data);
    free(sk.data);
}

/* ---- Congestion controller choice -----------------------------------------
 */

static void test_quic_config_init_cubic_and_pacing_by_default(void **state) {
    (void)state;
    quic_config c;
    quic_config_init(&c, true);
    assert_int_equal(c.cc, QUIC_CC_CUBIC);
    assert_true(c.pacing);
    quic_config_init(&c, false);
    assert_int_equal(c.cc, QUIC_CC_CUBIC);
    assert_true(c.pacing);
}

/* A transfer completes byte-exact with each controller over a lossy link,
 * and the qlog's congestion window follows the controller: NewReno's
 * window and CUBIC's differ on the same seeded run. */
static uint64_t last_cwnd_of_transfer(quic_cc_algorithm cc) {
    static text_sink q;
    static jparser j;
    memset(&q, 0, sizeof(q));
    pair p;
    pair_init(&p, 0xcc0b1c, &lossy_link, &lossy_link);
    p.client.cfg.cc = cc;
    p.client.cfg.qlog = qlog_sink;
    p.client.cfg.sink_user = &q;
    assert_int_equal(pair_start(&p), 0);
    static uint8_t body[512 * 1024];
    memset(body, 0x5a, sizeof(body));
    assert_true(pair_run(&p, pair_handshake_done, NULL, 5 * QUIC_S));
    assert_int_equal(
        quic_conn_send_stream_data(p.client.conn, 0, body, sizeof(body), true),
        0);
    bool ok = pair_run(&p, stream_done, NULL, 60 * QUIC_S);
    if (!ok)
        pair_print_seed(&p);
    assert_true(ok);
    pair_stream *ps = pair_stream_get(&p.server, 0);
    assert_int_equal(ps->len, sizeof(body));
    assert_memory_equal(ps->data, body, sizeof(body));
    pair_cleanup(&p);
    uint64_t cwnd = 0;
    for (size_t i = 0; i < q.len;) {
        const char *nl = memchr(q.data + i, '\n', q.len - i);
        size_t len = (size_t)(nl - (q.data + i)) + 1;
        int root = jparse_record(&j, q.data + i, len);
        assert_true(root >= 0);
        int id = jget(&j, root, "data.congestion_window");
        if (id >= 0)
            cwnd = strtoull(j.nodes[id].str, NULL, 10);
        i += len;
    }
    free(q.data);
    return cwnd;
}

static void test_pair_transfer_with_reno_and_cubic(void **state) {
    (void)state;
    uint64_t reno = last_cwnd_of_transfer(QUIC_CC_RENO);
    uint64_t cubic = last_cwnd_of_transfer(QUIC_CC_CUBIC);
    assert_true(reno >= 2 * 1200 && cubic >= 2 * 1200);
    assert_true(reno != cubic);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pair_qlog_transfer_events),
        cmocka_unit_test(test_pair_keylog_lines_match),
        cmocka_unit_test(test_quic_config_init_cubic_and_pacing_by_default),
        cmocka_unit_test(test_pair_transfer_with_reno_and_cubic),
    };
    return cmocka_run_group_tests_name("pair_observability", tests, NULL, NULL);
}

/* tests/unit/support/pair.c — the in-memory client/server harness of the
 * transport's pair tests (see pair.h). */
#include "../pair.h"

#include "core/packet.h"
#include "core/protect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAIR_MAX_DGRAMS 64
#define PAIR_DGRAM_MAX 1500
#define PAIR_MAX_STEPS 50000000

static const char *certs_dir(void) {
    const char *d = getenv("H3CLI_TEST_CERTS");
    return d && *d ? d : "../certs"; /* tests run in tests/unit */
}

void pair_default_configs(quic_config *client, quic_config *server) {
    static char ca[512], cert[512], key[512];
    snprintf(ca, sizeof(ca), "%s/ca.pem", certs_dir());
    snprintf(cert, sizeof(cert), "%s/server.pem", certs_dir());
    snprintf(key, sizeof(key), "%s/server.key", certs_dir());
    quic_config_init(client, true);
    client->alpn[0] = "h3";
    client->alpn_count = 1;
    client->server_name = "localhost";
    client->ca_file = ca;
    client->verify_peer = true;
    quic_config_init(server, false);
    server->alpn[0] = "h3";
    server->alpn_count = 1;
    server->cert_file = cert;
    server->key_file = key;
}

void pair_make_addr(quic_addr *a, uint8_t host, uint16_t port) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(0x7f000000u | host);
    memset(a, 0, sizeof(*a));
    a->len = sizeof(sin);
    memcpy(a->data, &sin, sizeof(sin));
}

static void make_addr(quic_addr *a, uint16_t port) {
    pair_make_addr(a, 1, port);
}

void pair_init(pair *p, uint64_t seed, const netsim_config *c2s,
               const netsim_config *s2c) {
    memset(p, 0, sizeof(*p));
    p->seed = test_seed_from_env("PAIR_SEED", seed);
    test_rng_seed(&p->rng, p->seed);
    netsim_init(&p->c2s, c2s, &p->rng);
    netsim_init(&p->s2c, s2c, &p->rng);
    pair_default_configs(&p->client.cfg, &p->server.cfg);
    make_addr(&p->client.addr, 50000);
    make_addr(&p->server.addr, 4433);
}

int pair_start(pair *p) {
    int rc = quic_conn_new(&p->client.conn, &p->client.cfg, NULL);
    if (rc < 0)
        return rc;
    /* The server connection is created when the client's first Initial
     * arrives, as a server's demultiplexer would do. */
    return quic_conn_connect(p->client.conn, &p->server.addr, p->now);
}

pair_stream *pair_stream_get(pair_side *side, uint64_t stream_id) {
    for (size_t i = 0; i < side->n_streams; i++)
        if (side->streams[i].stream_id == stream_id)
            return &side->streams[i];
    return NULL;
}

static pair_stream *stream_add(pair_side *side, uint64_t stream_id) {
    pair_stream *s = pair_stream_get(side, stream_id);
    if (s)
        return s;
    if (side->n_streams == PAIR_MAX_STREAMS) {
        fprintf(stderr, "pair: more than %d streams\n", PAIR_MAX_STREAMS);
        abort();
    }
    s = &side->streams[side->n_streams++];
    memset(s, 0, sizeof(*s));
    s->stream_id = stream_id;
    return s;
}

static void append(pair_stream *s, const uint8_t *data, size_t len) {
    if (len == 0)
        return;
    if (s->len + len > s->cap) {
        size_t cap = s->cap ? s->cap : 4096;
        while (cap < s->len + len)
            cap *= 2;
        s->data = realloc(s->data, cap);
        if (!s->data)
            abort();
        s->cap = cap;
    }
    memcpy(s->data + s->len, data, len);
    s->len += len;
}

static void record_event(pair_side *side, const quic_event *ev) {
    switch (ev->type) {
    case QUIC_EVENT_HANDSHAKE_COMPLETED:
        side->handshake_completed = true;
        break;
    case QUIC_EVENT_CONNECTION_TERMINATED:
        side->terminated = true;
        side->terminated_event = *ev;
        side->terminated_event.u.connection_terminated.reason_phrase = NULL;
        break;
    case QUIC_EVENT_PING_ACKNOWLEDGED: side->pings_acked++; break;
    case QUIC_EVENT_STREAM_DATA_RECEIVED: {
        pair_stream *s = stream_add(side, ev->u.stream_data_received.stream_id);
        append(s, ev->u.stream_data_received.data,
               ev->u.stream_data_received.len);
        if (ev->u.stream_data_received.end_stream)
            s->fin = true;
        break;
    }
    case QUIC_EVENT_STREAM_RESET: {
        pair_stream *s = stream_add(side, ev->u.stream_reset.stream_id);
        s->reset = true;
        s->reset_code = ev->u.stream_reset.error_code;
        break;
    }
    default: break;
    }
}

/* PAIR_TRACE=1 prints every datagram and event to stderr. */
static bool tracing(void) {
    static int on = -1;
    if (on < 0) {
        const char *t = getenv("PAIR_TRACE");
        on = t && *t && *t != '0';
    }
    return on;
}

static void trace_event(const pair *p, bool is_client, const quic_event *ev) {
    if (!tracing())
        return;
    fprintf(stderr, "%10.3f ms %s event %d", (double)p->now / 1e6,
            is_client ? "client" : "server", (int)ev->type);
    if (ev->type == QUIC_EVENT_CONNECTION_TERMINATED)
        fprintf(stderr, " code=0x%llx frame=0x%llx reason=%s",
                (unsigned long long)ev->u.connection_terminated.error_code,
                (unsigned long long)ev->u.connection_terminated.frame_type,
                ev->u.connection_terminated.reason_phrase);
    fprintf(stderr, "\n");
}

static void drain_events(pair *p, bool is_client) {
    pair_side *side = is_client ? &p->client : &p->server;
    quic_event ev;
    while (side->conn && !side->paused &&
           quic_conn_next_event(side->conn, &ev)) {
        trace_event(p, is_client, &ev);
        if (p->on_event)
            p->on_event(p, is_client, &ev, p->arg);
        record_event(side, &ev);
    }
}

static void flush_datagrams(pair *p, bool is_client) {
    pair_side *side = is_client ? &p->client : &p->server;
    netsim_link *link = is_client ? &p->c2s : &p->s2c;
    static uint8_t buf[PAIR_MAX_DGRAMS * PAIR_DGRAM_MAX];
    quic_datagram d[PAIR_MAX_DGRAMS];
    for (;;) {
        int n = side->conn ? quic_conn_datagrams_to_send(side->conn, p->now,
                                                         buf, sizeof(buf), d,
                                                         PAIR_MAX_DGRAMS)
                           : 0;
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++) {
            uint8_t tmp[PAIR_DGRAM_MAX + 64];
            size_t len = d[i].len;
            memcpy(tmp, buf + d[i].offset, len);
            if (tracing())
                fprintf(stderr, "%10.3f ms %s sends %zu bytes (first 0x%02x)\n",
                        (double)p->now / 1e6, is_client ? "client" : "server",
                        len, tmp[0]);
            side->datagrams_sent++;
            side->bytes_sent += len;
            if (p->tamper &&
                !p->tamper(p, is_client, tmp, &len, sizeof(tmp), p->arg))
                continue;
            if (p->route &&
                !p->route(p, is_client, &d[i].peer, tmp, len, p->arg))
                continue;
            netsim_send(link, p->now, tmp, len);
        }
        /* A batch ends early at a datagram of another length (GSO
         * batches): call again until nothing is left. */
    }
}

/* After every input: drain events, then datagrams (DESIGN.md). */
static void settle(pair *p, bool is_client) {
    drain_events(p, is_client);
    flush_datagrams(p, is_client);
    drain_events(p, is_client);
}

#define PAIR_RETRY_TOKEN "pair retry token"

/* With p->retry, the "demultiplexer" answers the client's first Initial
 * with a Retry (RFC 9000 §17.2.5) and creates the server connection only
 * for an Initial that repeats the token, as a validating server does. */
static bool server_admits(pair *p, const uint8_t *buf, size_t len,
                          quic_server_params *sp) {
    quic_packet_header h;
    if (quic_packet_parse(&h, buf, buf + len, 0) < 0 ||
        h.type != QUIC_PACKET_INITIAL)
        return false;
    if (!p->retry) {
        quic_cid_from_bytes(&sp->original_dcid, h.dcid, h.dcid_len);
        return true;
    }
    if (h.token_len == strlen(PAIR_RETRY_TOKEN) &&
        memcmp(h.token, PAIR_RETRY_TOKEN, h.token_len) == 0) {
        sp->original_dcid = p->retry_odcid;
        sp->retry_scid = p->retry_scid;
        sp->address_validated = true;
        if (p->retry_forgotten) { /* a broken demultiplexer, for tests */
            sp->original_dcid = p->retry_scid;
            sp->retry_scid.len = 0;
        }
        return true;
    }
    uint8_t out[256];
    quic_cid_from_bytes(&p->retry_odcid, h.dcid, h.dcid_len);
    p->retry_scid.len = 8;
    memset(p->retry_scid.data, 0x5a, 8);
    int n = quic_retry_write(out, out + sizeof(out), h.version, h.scid,
                             h.scid_len, p->retry_scid.data, 8,
                             (const uint8_t *)PAIR_RETRY_TOKEN,
                             strlen(PAIR_RETRY_TOKEN), NULL, 0);
    if (n > 0 && quic_retry_integrity_tag(h.version, h.dcid, h.dcid_len, out,
                                          (size_t)n - 16, out + n - 16) == 0) {
        p->retries_sent++;
        netsim_send(&p->s2c, p->now, out, (size_t)n);
    }
    return false;
}

static void deliver(pair *p, bool to_client, uint8_t *buf, size_t len) {
    pair_side *side = to_client ? &p->client : &p->server;
    pair_side *from = to_client ? &p->server : &p->client;
    if (!side->conn && !to_client) {
        quic_server_params sp;
        memset(&sp, 0, sizeof(sp));
        if (!server_admits(p, buf, len, &sp) ||
            quic_conn_new(&side->conn, &side->cfg, &sp) < 0)
            return;
    }
    const quic_addr *src =
        p->source ? p->source(p, to_client, buf, len, p->arg) : NULL;
    if (side->conn)
        quic_conn_receive_datagram(side->conn, buf, len,
                                   src ? src : &from->addr, 0, p->now);
    settle(p, to_client);
}

static quic_time min_time(quic_time a, quic_time b) {
    return a < b ? a : b;
}

static quic_time next_deadline(const pair *p) {
    quic_time t =
        min_time(netsim_next_arrival(&p->c2s), netsim_next_arrival(&p->s2c));
    if (p->client.conn)
        t = min_time(t, quic_conn_get_timer(p->client.conn));
    if (p->server.conn)
        t = min_time(t, quic_conn_get_timer(p->server.conn));
    return t;
}

static void fire_timer(pair *p, bool is_client) {
    pair_side *side = is_client ? &p->client : &p->server;
    if (side->conn && quic_conn_get_timer(side->conn) <= p->now) {
        quic_conn_handle_timer(side->conn, p->now);
        settle(p, is_client);
    }
}

bool pair_run(pair *p, bool (*done)(pair *p, void *arg), void *arg,
              quic_time max_time) {
    static uint8_t buf[PAIR_DGRAM_MAX + 64];
    quic_time end = p->now + max_time;
    settle(p, true);
    settle(p, false);
    while (!done(p, arg)) {
        if (++p->steps > PAIR_MAX_STEPS)
            return false;
        quic_time t = next_deadline(p);
        if (t == QUIC_TIME_NONE || t > end)
            return false;
        if (t > p->now)
            p->now = t;
        size_t len;
        while ((len = netsim_receive(&p->c2s, p->now, buf, sizeof(buf))) > 0)
            deliver(p, false, buf, len);
        while ((len = netsim_receive(&p->s2c, p->now, buf, sizeof(buf))) > 0)
            deliver(p, true, buf, len);
        fire_timer(p, true);
        fire_timer(p, false);
    }
    return true;
}

bool pair_handshake_done(pair *p, void *arg) {
    (void)arg;
    return p->client.handshake_completed && p->server.handshake_completed;
}

bool pair_both_terminated(pair *p, void *arg) {
    (void)arg;
    return p->client.terminated && p->server.terminated;
}

void pair_print_seed(const pair *p) {
    fprintf(stderr, "pair seed=0x%llx (replay with PAIR_SEED=0x%llx)\n",
            (unsigned long long)p->seed, (unsigned long long)p->seed);
}

static void side_cleanup(pair_side *side) {
    quic_conn_free(side->conn);
    for (size_t i = 0; i < side->n_streams; i++)
        free(side->streams[i].data);
    memset(side, 0, sizeof(*side));
}

void pair_cleanup(pair *p) {
    side_cleanup(&p->client);
    side_cleanup(&p->server);
    netsim_cleanup(&p->c2s);
    netsim_cleanup(&p->s2c);
}

size_t pair_seed_count(size_t fallback) {
    const char *s = getenv("PAIR_SEEDS");
    return s && *s ? (size_t)strtoul(s, NULL, 10) : fallback;
}

uint8_t *pair_pattern_new(size_t len) {
    uint8_t *b = malloc(len);
    for (size_t i = 0; b && i < len; i++)
        b[i] = (uint8_t)(i * 131 + (i >> 13));
    return b;
}

void pair_save_ticket(void *user, const uint8_t *ticket, size_t len) {
    pair_ticket *tk = user;
    if (len <= sizeof(tk->data)) {
        memcpy(tk->data, ticket, len);
        tk->len = len;
    }
    tk->count++;
}

static void release_nothing(void *arg) {
    (void)arg;
}

static bool upload_received(pair *p, void *arg) {
    (void)arg;
    pair_stream *s = pair_stream_get(&p->server, 0);
    return (s && s->fin) || p->client.terminated || p->server.terminated;
}

bool pair_upload(pair *p, const uint8_t *src, size_t len, quic_time max_time,
                 quic_time *elapsed) {
    bool ok = pair_run(p, pair_handshake_done, NULL, 10 * QUIC_S);
    quic_time start = p->now;
    ok = ok && quic_conn_send_stream_data_ref(p->client.conn, 0, src, len, true,
                                              release_nothing, NULL) == 0;
    ok = ok && pair_run(p, upload_received, NULL, max_time);
    *elapsed = p->now - start;
    return ok;
}

/* tests/fuzz/fuzz_conn.c — libFuzzer target for the connection: a client
 * and a server quic_conn, and a script of operations read from the input
 * that moves datagrams between them (so the handshake and later states are
 * reached), drops or corrupts them, injects arbitrary datagrams, injects
 * arbitrary frames protected with the peer's real keys (so frame handling
 * is reached past the AEAD), advances time and makes application calls.
 * The first input byte picks a scenario that first brings the pair to a
 * state the script would rarely reach alone: a server demanding a Retry,
 * a Version Negotiation answer, compatible version negotiation (v1 to v2),
 * 0-RTT resumption with a session ticket, a completed handshake, one with
 * key updates, or one whose client has moved to a new address (and the
 * script can move it again, or rebind its port). Nothing may crash, leak or
 * read out of bounds; every event's data is touched. Certificates: tests/certs
 * (run from the repository root), or $H3CLI_TEST_CERTS. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conn_internal.h"
#include "core/packet.h"
#include "core/protect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QUEUE 16
#define DGRAM 1500

typedef struct wire {
    uint8_t buf[QUEUE][DGRAM];
    size_t len[QUEUE];
    size_t head, count;
} wire;

/* The first input byte, modulo SCENARIOS. */
enum scenario {
    SC_PLAIN = 0,   /* both sides fresh: the script does everything */
    SC_RETRY,       /* the server's demultiplexer demands a Retry */
    SC_VN,          /* the client's first Initial gets a VN packet (v2) */
    SC_COMPATIBLE,  /* client v1 offering v2, server preferring v2 */
    SC_ZERO_RTT,    /* the client resumes with a ticket and sends 0-RTT */
    SC_ESTABLISHED, /* the handshake is run to its end first */
    SC_KEY_UPDATE,  /* ... then keys updated, and every 4 packets after */
    SC_MIGRATION,   /* ... then the client moves to a new address */
    SCENARIOS
};

typedef struct ticket_store {
    uint8_t data[4096];
    size_t len;
} ticket_store;

typedef struct world {
    quic_conn *c, *s;
    quic_config ccfg, scfg;
    quic_addr caddr, saddr;
    wire c2s, s2c;
    quic_time now;
    const uint8_t *in, *end;
    int scenario;
    bool vn_sent;
} world;

static uint8_t next_byte(world *w) {
    return w->in < w->end ? *w->in++ : 0;
}

static const char *certs_dir(void) {
    const char *d = getenv("H3CLI_TEST_CERTS");
    return d && *d ? d : "tests/certs";
}

/* The server's TLS contexts are made once: loading a certificate per
 * input would dominate the run time. |early|: the one that accepts 0-RTT
 * (and issued the ticket the 0-RTT scenario resumes). */
static quic_tls_context *server_ctx(bool early) {
    static quic_tls_context *ctx[2];
    static char cert[512], key[512];
    if (ctx[early])
        return ctx[early];
    quic_config cfg;
    quic_config_init(&cfg, false);
    snprintf(cert, sizeof(cert), "%s/server.pem", certs_dir());
    snprintf(key, sizeof(key), "%s/server.key", certs_dir());
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.cert_file = cert;
    cfg.key_file = key;
    cfg.enable_early_data = early;
    if (quic_tls_context_new(&ctx[early], &cfg) < 0) {
        fprintf(stderr, "fuzz_conn: cannot load %s\n", cert);
        abort();
    }
    return ctx[early];
}

/* The Retry token key of the validating demultiplexer (a fixed secret). */
static quic_token_key *retry_key(void) {
    static quic_token_key *key;
    static const uint8_t secret[32] = {'f', 'u', 'z', 'z', 'r', 'e', 't'};
    if (!key && quic_retry_key_new(&key, secret) < 0)
        abort();
    return key;
}

static void keep_ticket(void *user, const uint8_t *t, size_t len) {
    ticket_store *ts = user;
    if (len <= sizeof(ts->data)) {
        memcpy(ts->data, t, len);
        ts->len = len;
    }
}

static const ticket_store *resumption_ticket(bool renew);

static void set_versions(quic_config *c, uint32_t a, uint32_t b) {
    c->versions[0] = a;
    c->versions[1] = b;
    c->version_count = 2;
}

static void setup(world *w, int scenario) {
    memset(w, 0, sizeof(*w));
    w->scenario = scenario;
    quic_config_init(&w->ccfg, true);
    w->ccfg.alpn[0] = "h3";
    w->ccfg.alpn_count = 1;
    w->ccfg.server_name = "localhost";
    w->ccfg.verify_peer = false;
    w->ccfg.max_datagram_frame_size = 1200;
    w->ccfg.max_stream_data = 4096;
    w->ccfg.max_streams_bidi = 4;
    quic_config_init(&w->scfg, false);
    w->scfg.tls_context = server_ctx(scenario == SC_ZERO_RTT);
    w->scfg.max_datagram_frame_size = 1200;
    w->scfg.max_data = 16384;
    w->scfg.max_streams_uni = 3;
    w->scfg.new_token_key = retry_key();
    w->caddr.len = 16;
    w->caddr.data[0] = 2;
    w->saddr.len = 16;
    w->saddr.data[0] = 2;
    w->saddr.data[3] = 1;
    switch (scenario) {
    case SC_VN:
        /* The server speaks only v2; the client starts in v1. */
        set_versions(&w->ccfg, QUIC_VERSION_1, QUIC_VERSION_2);
        w->scfg.versions[0] = QUIC_VERSION_2;
        break;
    case SC_COMPATIBLE:
        set_versions(&w->ccfg, QUIC_VERSION_1, QUIC_VERSION_2);
        set_versions(&w->scfg, QUIC_VERSION_2, QUIC_VERSION_1);
        break;
    case SC_ZERO_RTT: {
        const ticket_store *t = resumption_ticket(false);
        w->ccfg.session_ticket = t->data;
        w->ccfg.session_ticket_len = t->len;
        w->ccfg.enable_early_data = true;
        break;
    }
    case SC_KEY_UPDATE:
        w->ccfg.key_update_interval = 4;
        w->scfg.key_update_interval = 4;
        break;
    default: break;
    }
    if (scenario == SC_ZERO_RTT &&
        quic_conn_new(&w->c, &w->ccfg, NULL) == QUIC_ERR_TLS_SESSION) {
        /* wolfSSL refuses a session past its lifetime (wall clock): a long
         * fuzzing run needs a fresh ticket now and then. */
        const ticket_store *t = resumption_ticket(true);
        w->ccfg.session_ticket = t->data;
        w->ccfg.session_ticket_len = t->len;
    }
    if ((!w->c && quic_conn_new(&w->c, &w->ccfg, NULL) < 0) ||
        quic_conn_connect(w->c, &w->saddr, 0) < 0)
        abort();
    if (scenario == SC_ZERO_RTT) {
        /* Stream data before the handshake: it goes in 0-RTT packets
         * (FUZZ_CONN_TRACE shows whether it did). */
        static const uint8_t early[600] = {'G', 'E', 'T'};
        quic_conn_send_stream_data(w->c, 0, early, sizeof(early), false);
    }
}

static void drain(quic_conn *conn) {
    quic_event ev;
    volatile uint8_t sink = 0;
    while (conn && quic_conn_next_event(conn, &ev)) {
        if (ev.type == QUIC_EVENT_STREAM_DATA_RECEIVED)
            for (size_t i = 0; i < ev.u.stream_data_received.len; i++)
                sink ^= ev.u.stream_data_received.data[i];
        if (ev.type == QUIC_EVENT_DATAGRAM_FRAME_RECEIVED)
            for (size_t i = 0; i < ev.u.datagram_frame_received.len; i++)
                sink ^= ev.u.datagram_frame_received.data[i];
        if (ev.type == QUIC_EVENT_CONNECTION_TERMINATED)
            sink ^= (uint8_t)strlen(ev.u.connection_terminated.reason_phrase);
    }
    (void)sink;
}

static void enqueue(wire *out, const uint8_t *d, size_t len) {
    if (out->count == QUEUE) { /* a full wire drops the oldest */
        out->head = (out->head + 1) % QUEUE;
        out->count--;
    }
    size_t k = (out->head + out->count++) % QUEUE;
    out->len[k] = len < DGRAM ? len : DGRAM;
    memcpy(out->buf[k], d, out->len[k]);
}

static void flush(world *w, quic_conn *conn, wire *out) {
    static uint8_t buf[8 * DGRAM];
    quic_datagram d[8];
    for (int round = 0; conn && round < 4; round++) {
        int n =
            quic_conn_datagrams_to_send(conn, w->now, buf, sizeof(buf), d, 8);
        if (n <= 0)
            return;
        for (int i = 0; i < n; i++)
            enqueue(out, buf + d[i].offset, d[i].len);
    }
}

/* What a server's demultiplexer does with a datagram for no connection:
 * answer it (Retry, Version Negotiation) or fill |sp| to create one. */
static bool admit(world *w, const uint8_t *dg, size_t len,
                  quic_server_params *sp) {
    quic_header_info h;
    uint8_t out[DGRAM];
    memset(sp, 0, sizeof(*sp));
    if (quic_header_peek(&h, dg, len, 8) < 0 || !h.is_long)
        return false;
    if (w->scenario == SC_VN && !w->vn_sent && h.version != QUIC_VERSION_2) {
        static const uint32_t served[] = {0x3a4a5a6a, QUIC_VERSION_2};
        int n = quic_version_negotiation_build(out, sizeof(out), &h, served, 2,
                                               0x40);
        if (n > 0)
            enqueue(&w->s2c, out, (size_t)n);
        w->vn_sent = true;
        return false;
    }
    if (!h.version_known || h.type != QUIC_HEADER_INITIAL ||
        h.dcid_len > QUIC_MAX_CID_LEN)
        return false;
    if (w->scenario == SC_RETRY) {
        if (h.token_len == 0) {
            int n = quic_retry_build(out, sizeof(out), retry_key(), &h,
                                     &w->caddr, w->now);
            if (n > 0)
                enqueue(&w->s2c, out, (size_t)n);
            return false;
        }
        return quic_retry_validate(retry_key(), &h, &w->caddr, w->now, sp) == 0;
    }
    sp->original_dcid.len = (uint8_t)h.dcid_len;
    memcpy(sp->original_dcid.data, h.dcid, h.dcid_len);
    return true;
}

static void receive(world *w, bool to_server, uint8_t *dg, size_t len) {
    if (to_server && !w->s) {
        quic_server_params sp;
        if (!admit(w, dg, len, &sp) || quic_conn_new(&w->s, &w->scfg, &sp) < 0)
            return;
    }
    quic_conn *dst = to_server ? w->s : w->c;
    quic_conn_receive_datagram(dst, dg, len, to_server ? &w->caddr : &w->saddr,
                               0, w->now);
    drain(dst);
}

static void deliver(world *w, bool to_server) {
    wire *q = to_server ? &w->c2s : &w->s2c;
    if (!q->count)
        return;
    size_t k = q->head;
    q->head = (q->head + 1) % QUEUE;
    q->count--;
    receive(w, to_server, q->buf[k], q->len[k]);
}

static void corrupt(world *w, bool c2s) {
    wire *q = c2s ? &w->c2s : &w->s2c;
    uint8_t pos = next_byte(w), bit = next_byte(w);
    if (q->count && q->len[q->head])
        q->buf[q->head][pos % q->len[q->head]] ^= (uint8_t)(1u << (bit & 7));
}

static void raw(world *w, bool to_server) {
    static uint8_t buf[2048];
    size_t len = (size_t)next_byte(w) * 8;
    size_t avail = (size_t)(w->end - w->in);
    if (len > avail)
        len = avail;
    memcpy(buf, w->in, len);
    w->in += len;
    if (len)
        receive(w, to_server, buf, len);
}

/* Protects input bytes as the frames of a packet from |src| to |dst|. */
static void frames(world *w, bool to_server) {
    quic_conn *src = to_server ? w->c : w->s;
    uint8_t sel = next_byte(w);
    size_t len = next_byte(w);
    size_t avail = (size_t)(w->end - w->in);
    if (len > avail)
        len = avail;
    const uint8_t *payload = w->in;
    w->in += len;
    quic_pn_space space = (quic_pn_space)(sel % 3);
    quic_level level = space == QUIC_PN_SPACE_APPLICATION
                           ? QUIC_LEVEL_APPLICATION
                       : space == QUIC_PN_SPACE_HANDSHAKE ? QUIC_LEVEL_HANDSHAKE
                                                          : QUIC_LEVEL_INITIAL;
    if (!src || !(to_server ? w->s : w->c) || !src->tx_keys[level] || len == 0)
        return;
    uint8_t buf[DGRAM];
    uint64_t pn = src->spaces[space].next_pn++;
    const quic_cid *dcid = quic_peer_cids_current(&src->peer_cids);
    int hdr;
    if (space == QUIC_PN_SPACE_APPLICATION) {
        hdr = quic_short_header_write(buf, buf + sizeof(buf), dcid->data,
                                      dcid->len, false, false, pn, 4);
    } else {
        quic_long_header_fields f;
        memset(&f, 0, sizeof(f));
        f.type = space == QUIC_PN_SPACE_HANDSHAKE ? QUIC_PACKET_HANDSHAKE
                                                  : QUIC_PACKET_INITIAL;
        f.version = src->version;
        f.dcid = dcid->data;
        f.dcid_len = dcid->len;
        f.scid = src->local_cids.slots[0].cid.data;
        f.scid_len = src->local_cids.slots[0].cid.len;
        hdr = quic_long_header_write(buf, buf + sizeof(buf), &f, pn, 4);
    }
    if (hdr < 0 || (size_t)hdr + len + 16 > sizeof(buf))
        return;
    memcpy(buf + hdr, payload, len);
    size_t pn_offset = (size_t)hdr - 4;
    if (space != QUIC_PN_SPACE_APPLICATION)
        quic_long_header_set_length(buf, pn_offset, 4 + len + 16);
    int n = quic_packet_seal(src->tx_keys[level], buf, sizeof(buf), pn_offset,
                             4, len, pn);
    if (n > 0)
        receive(w, to_server, buf, (size_t)n);
}

static void timers(world *w) {
    w->now += (quic_time)next_byte(w) * 4 * QUIC_MS;
    quic_conn *conns[2] = {w->c, w->s};
    for (int i = 0; i < 2; i++) {
        if (conns[i] && quic_conn_get_timer(conns[i]) <= w->now) {
            quic_conn_handle_timer(conns[i], w->now);
            drain(conns[i]);
        }
    }
}

/* The client's address as the server sees it changes: a NAT rebinding
 * (another port, |rebind|) or a migration the client starts itself
 * (another address, quic_conn_migrate). */
static void move_client(world *w, bool rebind) {
    if (rebind) {
        w->caddr.data[3]++;
        return;
    }
    if (quic_conn_migrate(w->c, w->now) == 0)
        w->caddr.data[7]++;
    drain(w->c);
}

static void app(world *w) {
    static const uint8_t payload[3000];
    uint8_t a = next_byte(w), b = next_byte(w);
    quic_conn *conn = (a & 0x80) ? w->s : w->c;
    if (!conn)
        return;
    uint64_t id = (uint64_t)(b & 0x1f);
    switch (a % 8) {
    case 0:
        quic_conn_send_stream_data(conn, id, payload, (size_t)b * 11, a & 0x40);
        break;
    case 1: quic_conn_reset_stream(conn, id, b); break;
    case 2: quic_conn_stop_stream(conn, id, b); break;
    case 3: quic_conn_send_ping(conn, b); break;
    case 4: quic_conn_send_datagram_frame(conn, payload, (size_t)b * 5); break;
    case 5:
        quic_conn_close(conn, b, (a & 0x40) ? QUIC_FRAME_TYPE_NONE : b, "fuzz");
        break;
    case 6: quic_conn_get_next_available_stream_id(conn, a & 0x40); break;
    default:
        if (b & 0x80)
            quic_conn_request_key_update(conn);
        else if (b & 0x40)
            move_client(w, b & 1);
        else
            quic_conn_change_connection_id(conn);
        break;
    }
    drain(conn);
}

static bool handshake_done(const world *w) {
    return w->s && w->c->handshake_confirmed && w->s->handshake_complete;
}

/* Moves every datagram both ways, |rounds| times or until the handshake is
 * confirmed on both sides and nothing is left in flight. */
static void pump(world *w, int rounds) {
    for (int r = 0; r < rounds; r++) {
        flush(w, w->c, &w->c2s);
        while (w->c2s.count)
            deliver(w, true);
        flush(w, w->s, &w->s2c);
        bool idle = !w->s2c.count;
        while (w->s2c.count)
            deliver(w, false);
        if (idle && handshake_done(w))
            return;
        w->now += 5 * QUIC_MS;
    }
}

/* A ticket from a full handshake with the 0-RTT server context, made once
 * (the server sends it after the handshake). */
static const ticket_store *resumption_ticket(bool renew) {
    static ticket_store ts;
    static bool made;
    if (made && !renew)
        return &ts;
    made = true;
    ts.len = 0;
    world *w = calloc(1, sizeof(*w));
    if (!w)
        abort();
    setup(w, SC_PLAIN);
    quic_conn_free(w->c);
    w->scfg.tls_context = server_ctx(true);
    w->ccfg.session_ticket_sink = keep_ticket;
    w->ccfg.sink_user = &ts;
    w->ccfg.enable_early_data = true;
    if (quic_conn_new(&w->c, &w->ccfg, NULL) < 0 ||
        quic_conn_connect(w->c, &w->saddr, 0) < 0)
        abort();
    pump(w, 16);
    quic_conn_free(w->c);
    quic_conn_free(w->s);
    free(w);
    if (ts.len == 0) {
        fprintf(stderr, "fuzz_conn: the server issued no session ticket\n");
        abort();
    }
    return &ts;
}

/* Brings the pair to where the scenario's script starts. */
static void prepare(world *w) {
    switch (w->scenario) {
    case SC_ESTABLISHED: pump(w, 16); break;
    case SC_MIGRATION:
        pump(w, 16);
        move_client(w, false);
        pump(w, 4);
        break;
    case SC_KEY_UPDATE:
        pump(w, 16);
        if (w->s) {
            quic_conn_request_key_update(w->c);
            pump(w, 4);
            quic_conn_request_key_update(w->s);
        }
        break;
    default: break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static world w;
    setup(&w, size ? data[0] % SCENARIOS : SC_PLAIN);
    prepare(&w);
    w.in = data + (size ? 1 : 0);
    w.end = data + size;
    while (w.in < w.end) {
        switch (next_byte(&w) % 12) {
        case 0: flush(&w, w.c, &w.c2s); break;
        case 1: flush(&w, w.s, &w.s2c); break;
        case 2: deliver(&w, true); break;
        case 3: deliver(&w, false); break;
        case 4: raw(&w, true); break;
        case 5: raw(&w, false); break;
        case 6: frames(&w, true); break;
        case 7: frames(&w, false); break;
        case 8: timers(&w); break;
        case 9: app(&w); break;
        case 10: corrupt(&w, true); break;
        default: corrupt(&w, false); break;
        }
    }
    quic_conn_stats st;
    quic_conn_get_stats(w.c, &st);
    if (getenv("FUZZ_CONN_TRACE"))
        fprintf(stderr,
                "scenario %d: client state %d sent %llu received %llu "
                "version %08x retried %d vn %d 0-rtt %d confirmed %d key "
                "updates %llu/%llu, path changes %llu/%llu, server %s\n",
                w.scenario, (int)w.c->state,
                (unsigned long long)st.packets_sent,
                (unsigned long long)st.packets_received, st.version,
                w.c->retried, w.c->vn_reacted, w.c->zero_rtt_sent,
                w.c->handshake_confirmed, (unsigned long long)w.c->key_updates,
                (unsigned long long)(w.s ? w.s->key_updates : 0),
                (unsigned long long)st.path_changes,
                (unsigned long long)(w.s ? w.s->stats.path_changes : 0),
                w.s ? "created" : "none");
    quic_conn_free(w.c);
    quic_conn_free(w.s);
    return 0;
}

/* bench/h3_bench.c — in-memory HTTP/3 speed: a client and a server
 * connection exchange datagrams directly (no loss, a virtual clock that
 * ticks 1 µs per exchange), measured on the wall clock. Prints, in the
 * same run, the transport alone (one 100 MB stream; 1 KB exchanges on 100
 * concurrent streams) beside HTTP/3 over it (one 100 MB response; 1 KB GETs
 * on 100 concurrent streams) and the share HTTP/3 adds. Median of 3 runs.
 * A benchmark, not a test: it fails only if a transfer does not complete.
 * Run from the repository root (it reads tests/certs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/quic.h"
#include "h3/h3.h"

#define RUNS 3
#define BULK (100u << 20)
#define CHUNK (1u << 20)
#define SMALL 1024u
#define CONCURRENT 100
#define EXCHANGES 20000
#define MAX_DGRAMS 64

typedef struct bench {
    quic_conn *c, *s;
    quic_config ccfg, scfg;
    quic_addr caddr, saddr;
    h3_conn *hc, *hs; /* NULL in transport-only runs */
    bool h3;
    quic_time now;
    uint64_t received; /* bulk bytes the client got */
    size_t queued;     /* bulk bytes the server queued */
    uint64_t bulk_id;  /* stream of the bulk response */
    bool bulk_started;
    size_t started, done; /* small exchanges */
    bool small;           /* running the small-exchange workload */
    bool handshake_done;  /* the client's HandshakeCompleted arrived */
} bench;

static uint8_t bulk_body[CHUNK];

static void release_nothing(void *arg) {
    (void)arg;
}
static uint8_t small_body[SMALL];

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what) {
    fprintf(stderr, "h3_bench: %s\n", what);
    exit(1);
}

/* ---- The two applications ----------------------------------------------- */

static const h3_header get_hdrs[] = {
    {(const uint8_t *)":method", 7, (const uint8_t *)"GET", 3},
    {(const uint8_t *)":scheme", 7, (const uint8_t *)"https", 5},
    {(const uint8_t *)":authority", 10, (const uint8_t *)"localhost", 9},
    {(const uint8_t *)":path", 5, (const uint8_t *)"/1k", 3}};
static const h3_header resp_hdrs[] = {
    {(const uint8_t *)":status", 7, (const uint8_t *)"200", 3},
    {(const uint8_t *)"content-type", 12, (const uint8_t *)"text/plain", 10}};

/* Client: keeps CONCURRENT small requests (or one bulk one) going. */
static void client_start(bench *b) {
    while (b->small && b->started < EXCHANGES &&
           b->started - b->done < CONCURRENT) {
        int64_t id = b->h3 ? h3_conn_get_next_request_stream_id(b->hc)
                           : quic_conn_get_next_available_stream_id(b->c, 0);
        if (id < 0)
            return; /* waiting for MAX_STREAMS */
        int rc =
            b->h3 ? h3_conn_send_headers(b->hc, (uint64_t)id, get_hdrs, 4, true)
                  : quic_conn_send_stream_data(b->c, (uint64_t)id,
                                               (const uint8_t *)"GET /1k", 7,
                                               true);
        if (rc < 0)
            die("client send");
        b->started++;
    }
}

/* Server: keeps the bulk response's queue about 4 MB deep. */
static void server_feed_bulk(bench *b) {
    while (b->bulk_started && b->queued < BULK &&
           quic_conn_stream_send_buffered(b->s, b->bulk_id) < 4 * CHUNK) {
        bool fin = b->queued + CHUNK >= BULK;
        int rc = b->h3 ? h3_conn_send_data_ref(b->hs, b->bulk_id, bulk_body,
                                               CHUNK, fin, NULL, NULL)
                       : quic_conn_send_stream_data_ref(b->s, b->bulk_id,
                                                        bulk_body, CHUNK, fin,
                                                        release_nothing, NULL);
        if (rc < 0)
            die("server bulk send");
        b->queued += CHUNK;
    }
}

static void server_answer(bench *b, uint64_t id) {
    if (!b->small) {
        if (b->h3 && h3_conn_send_headers(b->hs, id, resp_hdrs, 2, false) < 0)
            die("server headers");
        b->bulk_id = id;
        b->bulk_started = true;
        server_feed_bulk(b);
        return;
    }
    int rc = b->h3 ? h3_conn_send_headers(b->hs, id, resp_hdrs, 2, false) : 0;
    if (rc == 0)
        rc = b->h3 ? h3_conn_send_data(b->hs, id, small_body, SMALL, true)
                   : quic_conn_send_stream_data(b->s, id, small_body, SMALL,
                                                true);
    if (rc < 0)
        die("server small send");
}

static void on_h3(bench *b, bool client, const h3_event *ev) {
    bool ended = false;
    uint64_t id = 0;
    if (ev->type == H3_EVENT_HEADERS_RECEIVED) {
        ended = ev->u.headers_received.stream_ended;
        id = ev->u.headers_received.stream_id;
    } else if (ev->type == H3_EVENT_DATA_RECEIVED) {
        ended = ev->u.data_received.stream_ended;
        id = ev->u.data_received.stream_id;
        if (client)
            b->received += ev->u.data_received.len;
    }
    if (ended && client)
        b->done++;
    else if (ended)
        server_answer(b, id);
}

static void on_quic(bench *b, bool client, const quic_event *ev) {
    if (client && ev->type == QUIC_EVENT_HANDSHAKE_COMPLETED)
        b->handshake_done = true;
    if (b->h3) {
        h3_conn **h3 = client ? &b->hc : &b->hs;
        if (!*h3) {
            h3_config cfg;
            h3_config_init(&cfg, client);
            if (h3_conn_new(h3, client ? b->c : b->s, &cfg) < 0)
                die("h3_conn_new");
        }
        if (h3_conn_handle_event(*h3, ev) < 0)
            die("h3_conn_handle_event");
        h3_event hev;
        while (h3_conn_next_event(*h3, &hev))
            on_h3(b, client, &hev);
        return;
    }
    if (ev->type != QUIC_EVENT_STREAM_DATA_RECEIVED)
        return;
    if (client)
        b->received += ev->u.stream_data_received.len;
    if (!ev->u.stream_data_received.end_stream)
        return;
    if (client)
        b->done++;
    else
        server_answer(b, ev->u.stream_data_received.stream_id);
}

/* ---- The in-memory wire -------------------------------------------------- */

static void drain(bench *b, bool client) {
    quic_conn *q = client ? b->c : b->s;
    quic_event ev;
    while (q && quic_conn_next_event(q, &ev))
        on_quic(b, client, &ev);
}

/* Moves what |client| (or the server) wants to send to the other side. */
static bool exchange(bench *b, bool client) {
    static uint8_t buf[MAX_DGRAMS * 1500];
    quic_datagram d[MAX_DGRAMS];
    quic_conn *from = client ? b->c : b->s;
    if (!from)
        return false;
    int n = quic_conn_datagrams_to_send(from, b->now, buf, sizeof(buf), d,
                                        MAX_DGRAMS);
    for (int i = 0; i < n; i++) {
        uint8_t *p = buf + d[i].offset;
        if (!client) {
            quic_conn_receive_datagram(b->c, p, d[i].len, &b->saddr, 0, b->now);
            continue;
        }
        if (!b->s) {
            /* The server's demultiplexer: the DCID of the first Initial. */
            quic_server_params sp;
            memset(&sp, 0, sizeof(sp));
            sp.original_dcid.len = p[5];
            memcpy(sp.original_dcid.data, p + 6, p[5]);
            if (quic_conn_new(&b->s, &b->scfg, &sp) < 0)
                die("server quic_conn_new");
        }
        quic_conn_receive_datagram(b->s, p, d[i].len, &b->caddr, 0, b->now);
    }
    return n > 0;
}

static bool finished(const bench *b) {
    return b->small ? b->done == EXCHANGES : b->received >= BULK;
}

static void run_loop(bench *b) {
    for (unsigned long idle = 0; !finished(b) && idle < 100000;) {
        bool moved = exchange(b, true);
        drain(b, false);
        server_feed_bulk(b);
        moved |= exchange(b, false);
        drain(b, true);
        client_start(b);
        b->now += QUIC_US;
        quic_time t = quic_conn_get_timer(b->c);
        if (b->s && quic_conn_get_timer(b->s) < t)
            t = quic_conn_get_timer(b->s);
        if (!moved && t != QUIC_TIME_NONE && t > b->now)
            b->now = t;
        if (quic_conn_get_timer(b->c) <= b->now)
            quic_conn_handle_timer(b->c, b->now);
        if (b->s && quic_conn_get_timer(b->s) <= b->now)
            quic_conn_handle_timer(b->s, b->now);
        idle = moved ? 0 : idle + 1;
    }
    if (!finished(b))
        die("transfer did not complete");
}

static void set_addr(quic_addr *a, uint8_t last) {
    memset(a, 0, sizeof(*a));
    a->len = 16;
    a->data[0] = 2; /* AF_INET, little endian sockaddr_in */
    a->data[3] = last;
}

/* One measured run; returns seconds from the first request to the end. */
static double run_once(bool h3, bool small) {
    bench b;
    memset(&b, 0, sizeof(b));
    b.h3 = h3;
    b.small = small;
    quic_config_init(&b.ccfg, true);
    quic_config_init(&b.scfg, false);
    b.ccfg.alpn[0] = b.scfg.alpn[0] = "h3";
    b.ccfg.alpn_count = b.scfg.alpn_count = 1;
    b.ccfg.server_name = "localhost";
    b.ccfg.ca_file = "tests/certs/ca.pem";
    b.ccfg.verify_peer = true;
    b.scfg.cert_file = "tests/certs/server.pem";
    b.scfg.key_file = "tests/certs/server.key";
    b.ccfg.max_data_window = b.scfg.max_data_window = 64u << 20;
    set_addr(&b.caddr, 1);
    set_addr(&b.saddr, 2);
    if (quic_conn_new(&b.c, &b.ccfg, NULL) < 0 ||
        quic_conn_connect(b.c, &b.saddr, b.now) < 0)
        die("client start (run from the repository root)");
    /* Handshake first (not timed), then the workload. */
    b.small = true;
    b.started = b.done = EXCHANGES;
    for (int i = 0; i < 1000 && !(b.handshake_done && b.s && (b.hs || !h3));
         i++) {
        exchange(&b, true);
        drain(&b, false);
        exchange(&b, false);
        drain(&b, true);
        b.now += QUIC_MS;
    }
    b.small = small;
    b.started = b.done = 0;
    double t0 = wall_s();
    if (!small) {
        int64_t id = h3 ? h3_conn_get_next_request_stream_id(b.hc)
                        : quic_conn_get_next_available_stream_id(b.c, 0);
        int rc =
            h3 ? h3_conn_send_headers(b.hc, (uint64_t)id, get_hdrs, 4, true)
               : quic_conn_send_stream_data(b.c, (uint64_t)id,
                                            (const uint8_t *)"GET", 3, true);
        if (id < 0 || rc < 0)
            die("bulk request");
    }
    client_start(&b);
    run_loop(&b);
    double dt = wall_s() - t0;
    h3_conn_free(b.hc);
    h3_conn_free(b.hs);
    quic_conn_free(b.c);
    quic_conn_free(b.s);
    return dt;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_run(bool h3, bool small) {
    double t[RUNS];
    for (int i = 0; i < RUNS; i++)
        t[i] = run_once(h3, small);
    qsort(t, RUNS, sizeof(double), cmp_double);
    return t[RUNS / 2];
}

int main(void) {
    memset(bulk_body, 'b', sizeof(bulk_body));
    memset(small_body, 's', sizeof(small_body));
    printf("in-memory client+server on one core, no loss, median of %d\n",
           RUNS);
    double tq = median_run(false, false), th = median_run(true, false);
    double mb = (double)BULK / 1e6;
    printf("  transport only, one %u MB stream : %8.1f MB/s\n", BULK >> 20,
           mb / tq);
    printf("  HTTP/3, one %u MB response       : %8.1f MB/s  (HTTP/3 adds "
           "%.1f%%)\n",
           BULK >> 20, mb / th, (th / tq - 1) * 100);
    double sq = median_run(false, true), sh = median_run(true, true);
    printf("  transport only, 1 KB exchanges, %d streams: %8.0f /s\n",
           CONCURRENT, EXCHANGES / sq);
    printf("  HTTP/3, 1 KB GETs, %d concurrent streams  : %8.0f req/s\n",
           CONCURRENT, EXCHANGES / sh);
    return 0;
}

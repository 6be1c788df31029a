/* tests/tools/rogue_server.c — a QUIC server on a loopback UDP port that
 * completes real handshakes (our engine, wolfSSL) and then misbehaves in
 * one chosen way, so the CLI tests can provoke `h3cli get`'s exit codes for
 * peer failures (8, 35, 55, 56, 95, 96) through their real code paths. It
 * speaks just enough HTTP/3 by hand (a control stream with an empty SETTINGS,
 * raw HEADERS/DATA frames) to misbehave on purpose; it is not a server to copy.
 *
 * usage: rogue_server -m MODE [-a ALPN] [-t SECONDS] CERT KEY
 * MODE, applied to each request (a client bidirectional stream with FIN):
 *   bad-status   a HEADERS frame whose :status is "abc"
 *   no-response  FIN on the request stream without any response
 *   data-first   a DATA frame before any HEADERS (RFC 9114 §4.1 violation)
 *   h3-close     CONNECTION_CLOSE (application) with H3_INTERNAL_ERROR
 *   quic-close   CONNECTION_CLOSE (transport) with PROTOCOL_VIOLATION
 *   quiet-close  CONNECTION_CLOSE (application) with H3_NO_ERROR, no answer
 *   reset        RESET_STREAM on the request stream, H3_REQUEST_REJECTED
 *   tiny-headers SETTINGS_MAX_FIELD_SECTION_SIZE 50, sent in 0.5-RTT
 *                packets (as soon as the client's transport parameters are
 *                in) so the client knows it before its first request
 *   handshake    only the handshake (use with -a to offer another ALPN,
 *                which makes TLS refuse the client's h3)
 * -a sets the one ALPN the server accepts (default h3); -t bounds the
 * process's life (default 60 s). Prints "rogue_server: listening
 * 127.0.0.1:PORT" on stdout first (an ephemeral port), then one line per
 * connection end. Serves one connection at a time; an Initial from a new
 * client address replaces the previous connection. */
#include "core/quic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_DGRAMS 16
#define DGRAM_MAX 1500

typedef enum rogue_mode {
    MODE_BAD_STATUS,
    MODE_NO_RESPONSE,
    MODE_DATA_FIRST,
    MODE_H3_CLOSE,
    MODE_QUIC_CLOSE,
    MODE_QUIET_CLOSE,
    MODE_RESET,
    MODE_TINY_HEADERS,
    MODE_HANDSHAKE,
} rogue_mode;

static const char *const mode_names[] = {
    "bad-status",  "no-response", "data-first",   "h3-close",  "quic-close",
    "quiet-close", "reset",       "tiny-headers", "handshake",
};

typedef struct rogue {
    int fd;
    rogue_mode mode;
    quic_tls_context *tls;
    const char *alpn;
    quic_conn *conn;
    quic_addr peer;
    bool control_open; /* our control stream is open on |conn| */
} rogue;

static quic_time now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (quic_time)ts.tv_sec * QUIC_S + (quic_time)ts.tv_nsec;
}

static void flush(rogue *r) {
    static uint8_t buf[MAX_DGRAMS * DGRAM_MAX];
    quic_datagram d[MAX_DGRAMS];
    if (!r->conn)
        return;
    for (;;) {
        int n = quic_conn_datagrams_to_send(r->conn, now_ns(), buf, sizeof(buf),
                                            d, MAX_DGRAMS);
        for (int i = 0; i < n; i++)
            sendto(r->fd, buf + d[i].offset, d[i].len, 0,
                   (const struct sockaddr *)d[i].peer.data, d[i].peer.len);
        if (n < MAX_DGRAMS)
            return;
    }
}

/* The server's control stream (RFC 9114 §6.2.1): type 0x00, then a
 * SETTINGS frame (type 0x04): empty, or in tiny-headers mode one setting,
 * SETTINGS_MAX_FIELD_SECTION_SIZE (0x06) = 50 (§7.2.4.1). */
static void open_control_stream(rogue *r) {
    static const uint8_t plain[] = {0x00, 0x04, 0x00};
    static const uint8_t tiny[] = {0x00, 0x04, 0x02, 0x06, 50};
    bool t = r->mode == MODE_TINY_HEADERS;
    if (r->control_open)
        return;
    int64_t id = quic_conn_get_next_available_stream_id(r->conn, true);
    if (id >= 0 && quic_conn_send_stream_data(
                       r->conn, (uint64_t)id, t ? tiny : plain,
                       t ? sizeof(tiny) : sizeof(plain), false) == 0)
        r->control_open = true;
}

/* Misbehaves on request stream |sid| as the mode says. */
static void answer(rogue *r, uint64_t sid) {
    /* HEADERS (0x01) holding a QPACK field section (RFC 9204 §4.5): no
     * dynamic table (two zero bytes), then a literal with a static name
     * reference (01NT pattern, T=1) to index 24 (":status", 4-bit prefix:
     * 0x5f then 24-15=9) and the 3-byte value "abc". */
    static const uint8_t bad_status[] = {0x01, 0x08, 0x00, 0x00, 0x5f,
                                         0x09, 0x03, 'a',  'b',  'c'};
    /* DATA (0x00) of 3 bytes. */
    static const uint8_t data_first[] = {0x00, 0x03, 'x', 'y', 'z'};
    switch (r->mode) {
    case MODE_BAD_STATUS:
        quic_conn_send_stream_data(r->conn, sid, bad_status, sizeof(bad_status),
                                   true);
        break;
    case MODE_NO_RESPONSE:
        quic_conn_send_stream_data(r->conn, sid, NULL, 0, true);
        break;
    case MODE_DATA_FIRST:
        quic_conn_send_stream_data(r->conn, sid, data_first, sizeof(data_first),
                                   true);
        break;
    case MODE_H3_CLOSE:
        quic_conn_close(r->conn, 0x0102 /* H3_INTERNAL_ERROR */,
                        QUIC_FRAME_TYPE_NONE, "rogue: h3-close");
        break;
    case MODE_QUIC_CLOSE:
        quic_conn_close(r->conn, QUIC_PROTOCOL_VIOLATION, 0,
                        "rogue: quic-close");
        break;
    case MODE_QUIET_CLOSE:
        quic_conn_close(r->conn, 0x0100 /* H3_NO_ERROR */, QUIC_FRAME_TYPE_NONE,
                        "rogue: quiet-close");
        break;
    case MODE_RESET:
        quic_conn_reset_stream(r->conn, sid, 0x010b /* H3_REQUEST_REJECTED */);
        break;
    case MODE_TINY_HEADERS: /* the client should not have sent it */
    case MODE_HANDSHAKE: break;
    }
}

static void drain_events(rogue *r) {
    quic_event ev;
    while (r->conn && quic_conn_next_event(r->conn, &ev)) {
        switch (ev.type) {
        case QUIC_EVENT_HANDSHAKE_COMPLETED: open_control_stream(r); break;
        case QUIC_EVENT_STREAM_DATA_RECEIVED:
            /* Client-initiated bidirectional streams have IDs ≡ 0 mod 4. */
            if (ev.u.stream_data_received.end_stream &&
                ev.u.stream_data_received.stream_id % 4 == 0)
                answer(r, ev.u.stream_data_received.stream_id);
            break;
        case QUIC_EVENT_CONNECTION_TERMINATED:
            printf("rogue_server: connection ended: %s 0x%llx%s\n",
                   ev.u.connection_terminated.is_application ? "application"
                                                             : "transport",
                   (unsigned long long)ev.u.connection_terminated.error_code,
                   ev.u.connection_terminated.by_peer ? " by the client" : "");
            fflush(stdout);
            break;
        default: break;
        }
    }
}

static bool same_peer(const quic_addr *a, const quic_addr *b) {
    return a->len == b->len && memcmp(a->data, b->data, a->len) == 0;
}

/* A client Initial from a new address: a new connection replaces the old. */
static void accept_initial(rogue *r, const quic_header_info *h,
                           const quic_addr *peer) {
    quic_conn_free(r->conn);
    r->conn = NULL;
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = r->alpn;
    cfg.alpn_count = 1;
    cfg.tls_context = r->tls;
    quic_server_params sp;
    memset(&sp, 0, sizeof(sp));
    sp.original_dcid.len = (uint8_t)h->dcid_len;
    memcpy(sp.original_dcid.data, h->dcid, h->dcid_len);
    if (quic_conn_new(&r->conn, &cfg, &sp) < 0) {
        fprintf(stderr, "rogue_server: cannot create a connection\n");
        r->conn = NULL;
        return;
    }
    r->peer = *peer;
    r->control_open = false;
}

static void receive_all(rogue *r) {
    static uint8_t buf[65536];
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        ssize_t n = recvfrom(r->fd, buf, sizeof(buf), MSG_DONTWAIT,
                             (struct sockaddr *)&ss, &sl);
        if (n < 0)
            return;
        quic_addr peer;
        memset(&peer, 0, sizeof(peer));
        peer.len = (uint32_t)sl;
        memcpy(peer.data, &ss, sl);
        quic_header_info h;
        if (quic_header_peek(&h, buf, (size_t)n, 8) < 0)
            continue;
        if (!r->conn || !same_peer(&peer, &r->peer)) {
            if (!h.is_long || h.type != QUIC_HEADER_INITIAL || h.dcid_len < 8 ||
                n < 1200)
                continue;
            accept_initial(r, &h, &peer);
            if (!r->conn)
                continue;
        }
        quic_conn_receive_datagram(r->conn, buf, (size_t)n, &peer, 0, now_ns());
        drain_events(r);
        /* 0.5-RTT (RFC 9000 §7): once the client's transport parameters
         * are known, stream data may go before the handshake completes. */
        if (r->mode == MODE_TINY_HEADERS)
            open_control_stream(r);
    }
}

static int poll_timeout_ms(const rogue *r) {
    quic_time t = r->conn ? quic_conn_get_timer(r->conn) : QUIC_TIME_NONE;
    quic_time now = now_ns();
    if (t == QUIC_TIME_NONE)
        return 1000;
    if (t <= now)
        return 0;
    quic_time ms = (t - now + QUIC_MS - 1) / QUIC_MS;
    return ms > 1000 ? 1000 : (int)ms;
}

static int open_socket(rogue *r) {
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof(sin);
    r->fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        getsockname(r->fd, (struct sockaddr *)&sin, &sl) < 0) {
        perror("rogue_server: socket");
        return -1;
    }
    printf("rogue_server: listening 127.0.0.1:%u mode %s alpn %s\n",
           ntohs(sin.sin_port), mode_names[r->mode], r->alpn);
    fflush(stdout);
    return 0;
}

static void usage(void) {
    fprintf(stderr, "usage: rogue_server -m MODE [-a ALPN] [-t SECONDS] "
                    "CERT KEY\n");
    exit(2);
}

static int parse_mode(const char *s) {
    for (size_t i = 0; i < sizeof(mode_names) / sizeof(*mode_names); i++)
        if (strcmp(s, mode_names[i]) == 0)
            return (int)i;
    return -1;
}

int main(int argc, char **argv) {
    rogue r;
    memset(&r, 0, sizeof(r));
    r.alpn = "h3";
    int seconds = 60, opt, mode = -1;
    while ((opt = getopt(argc, argv, "m:a:t:")) != -1) {
        switch (opt) {
        case 'm': mode = parse_mode(optarg); break;
        case 'a': r.alpn = optarg; break;
        case 't': seconds = atoi(optarg); break;
        default: usage();
        }
    }
    if (argc - optind != 2 || mode < 0 || seconds <= 0)
        usage();
    r.mode = (rogue_mode)mode;
    quic_config cfg;
    quic_config_init(&cfg, false);
    cfg.alpn[0] = r.alpn;
    cfg.alpn_count = 1;
    cfg.cert_file = argv[optind];
    cfg.key_file = argv[optind + 1];
    int rc = quic_tls_context_new(&r.tls, &cfg);
    if (rc < 0) {
        fprintf(stderr, "rogue_server: %s\n", quic_strerror(rc));
        return 1;
    }
    if (open_socket(&r) < 0)
        return 1;
    quic_time deadline = now_ns() + (quic_time)seconds * QUIC_S;
    while (now_ns() < deadline) {
        struct pollfd pfd = {.fd = r.fd, .events = POLLIN};
        if (poll(&pfd, 1, poll_timeout_ms(&r)) > 0)
            receive_all(&r);
        if (r.conn && quic_conn_get_timer(r.conn) <= now_ns()) {
            quic_conn_handle_timer(r.conn, now_ns());
            drain_events(&r);
        }
        flush(&r);
    }
    quic_conn_free(r.conn);
    quic_tls_context_free(r.tls);
    close(r.fd);
    return 0;
}

/* tests/tools/poll_get.c — a minimal HTTPS GET over HTTP/3 that uses only
 * the public headers, one UDP socket and poll(): proof that the sans-I/O
 * engine fits any event loop. The response headers go to stderr, the body
 * to stdout. Exit 0 for a complete 2xx response, 1 otherwise, 2 on usage.
 *
 * usage: poll_get [-k] [-c CAFILE] [-n NAME] HOST PORT PATH */
#include <h3cli/h3.h>
#include <h3cli/quic.h>

#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef struct get {
    int fd;
    quic_addr peer;
    quic_conn *quic;
    h3_conn *h3;
    const char *path, *name;
    int status;    /* HTTP status of the final response, 0 until known */
    bool complete; /* the response stream ended */
} get;

static quic_time now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (quic_time)ts.tv_sec * QUIC_S + (quic_time)ts.tv_nsec;
}

/* The handshake is done: start HTTP/3 and send the request. */
static int send_request(get *g) {
    h3_config cfg;
    h3_config_init(&cfg, true);
    if (h3_conn_new(&g->h3, g->quic, &cfg) != 0)
        return -1;
    int64_t id = h3_conn_get_next_request_stream_id(g->h3);
    const h3_header h[] = {
        {(const uint8_t *)":method", 7, (const uint8_t *)"GET", 3},
        {(const uint8_t *)":scheme", 7, (const uint8_t *)"https", 5},
        {(const uint8_t *)":authority", 10, (const uint8_t *)g->name,
         strlen(g->name)},
        {(const uint8_t *)":path", 5, (const uint8_t *)g->path,
         strlen(g->path)},
        {(const uint8_t *)"user-agent", 10, (const uint8_t *)"poll_get", 8}};
    if (id < 0 || h3_conn_send_headers(g->h3, (uint64_t)id, h, 5, true) != 0)
        return -1;
    return 0;
}

static void on_http(get *g, const h3_event *ev) {
    if (ev->type == H3_EVENT_HEADERS_RECEIVED) {
        for (size_t i = 0; i < ev->u.headers_received.count; i++) {
            const h3_header *f = &ev->u.headers_received.headers[i];
            fprintf(stderr, "< %.*s: %.*s\n", (int)f->name_len,
                    (const char *)f->name, (int)f->value_len,
                    (const char *)f->value);
            if (f->name_len == 7 && memcmp(f->name, ":status", 7) == 0)
                g->status = atoi((const char *)f->value);
        }
        g->complete = ev->u.headers_received.stream_ended;
    } else if (ev->type == H3_EVENT_DATA_RECEIVED) {
        fwrite(ev->u.data_received.data, 1, ev->u.data_received.len, stdout);
        g->complete = ev->u.data_received.stream_ended;
    } else if (ev->type == H3_EVENT_STREAM_RESET) {
        fprintf(stderr, "* stream reset, error 0x%llx\n",
                (unsigned long long)ev->u.stream_reset.error_code);
        quic_conn_close(g->quic, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE, NULL);
    }
    if (g->complete)
        quic_conn_close(g->quic, H3_NO_ERROR, QUIC_FRAME_TYPE_NONE, "done");
}

/* Hands each QUIC event to HTTP/3 and each HTTP/3 event to on_http. */
static void drain(get *g) {
    quic_event qev;
    h3_event hev;
    while (quic_conn_next_event(g->quic, &qev)) {
        if (qev.type == QUIC_EVENT_HANDSHAKE_COMPLETED && send_request(g) < 0) {
            fprintf(stderr, "* cannot send the request\n");
            quic_conn_close(g->quic, H3_INTERNAL_ERROR, QUIC_FRAME_TYPE_NONE,
                            NULL);
        }
        if (qev.type == QUIC_EVENT_CONNECTION_TERMINATED &&
            qev.u.connection_terminated.error_code != H3_NO_ERROR)
            fprintf(stderr, "* connection closed, error 0x%llx %s\n",
                    (unsigned long long)qev.u.connection_terminated.error_code,
                    qev.u.connection_terminated.reason_phrase);
        if (!g->h3 || h3_conn_handle_event(g->h3, &qev) != 0)
            continue;
        while (h3_conn_next_event(g->h3, &hev))
            on_http(g, &hev);
    }
}

static void flush(get *g) {
    static uint8_t buf[16 * 1500];
    quic_datagram d[16];
    int n;
    while ((n = quic_conn_datagrams_to_send(g->quic, now(), buf, sizeof(buf), d,
                                            16)) > 0) {
        for (int i = 0; i < n; i++)
            send(g->fd, buf + d[i].offset, d[i].len, 0);
        if (n < 16)
            break;
    }
}

/* The loop: wait for a datagram or the timer, feed it, send what is due. */
static void run(get *g, quic_time deadline) {
    static uint8_t buf[65536];
    while (!quic_conn_is_closed(g->quic) && now() < deadline) {
        flush(g);
        quic_time t = quic_conn_get_timer(g->quic), n = now();
        int ms = t == QUIC_TIME_NONE ? 1000
                 : t <= n            ? 0
                                     : (int)((t - n) / QUIC_MS + 1);
        struct pollfd pfd = {.fd = g->fd, .events = POLLIN};
        if (poll(&pfd, 1, ms > 1000 ? 1000 : ms) > 0) {
            ssize_t len;
            while ((len = recv(g->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
                quic_conn_receive_datagram(g->quic, buf, (size_t)len, &g->peer,
                                           0, now());
        }
        if (quic_conn_get_timer(g->quic) <= now())
            quic_conn_handle_timer(g->quic, now());
        drain(g);
    }
    flush(g);
}

static int open_socket(get *g, const char *host, const char *port) {
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res;
    if (getaddrinfo(host, port, &hints, &res) != 0)
        return -1;
    g->fd = socket(res->ai_family, SOCK_DGRAM, 0);
    int rc = g->fd < 0 ? -1 : connect(g->fd, res->ai_addr, res->ai_addrlen);
    g->peer.len = (uint32_t)res->ai_addrlen;
    memcpy(g->peer.data, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return rc;
}

int main(int argc, char **argv) {
    get g = {.name = "localhost"};
    quic_config cfg;
    quic_config_init(&cfg, true);
    cfg.verify_peer = true;
    int opt;
    while ((opt = getopt(argc, argv, "kc:n:")) != -1) {
        if (opt == 'k')
            cfg.verify_peer = false;
        else if (opt == 'c')
            cfg.ca_file = optarg;
        else if (opt == 'n')
            g.name = optarg;
        else
            return 2;
    }
    if (argc - optind != 3) {
        fprintf(stderr, "usage: poll_get [-k] [-c CAFILE] [-n NAME] "
                        "HOST PORT PATH\n");
        return 2;
    }
    g.path = argv[optind + 2];
    if (open_socket(&g, argv[optind], argv[optind + 1]) < 0) {
        fprintf(stderr, "* cannot reach %s port %s\n", argv[optind],
                argv[optind + 1]);
        return 1;
    }
    cfg.alpn[0] = "h3";
    cfg.alpn_count = 1;
    cfg.server_name = g.name;
    if (quic_conn_new(&g.quic, &cfg, NULL) != 0 ||
        quic_conn_connect(g.quic, &g.peer, now()) != 0) {
        fprintf(stderr, "* cannot start QUIC\n");
        return 1;
    }
    run(&g, now() + 20 * QUIC_S);
    h3_conn_free(g.h3);
    quic_conn_free(g.quic);
    close(g.fd);
    return g.complete && g.status >= 200 && g.status < 300 ? 0 : 1;
}

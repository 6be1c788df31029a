/* tests/tools/quic_ping.c — a small QUIC client over a loopback UDP socket
 * for interop checks: handshake (ALPN h3 by default; the certificate
 * is checked only with -C),
 * N PINGs each awaiting its acknowledgement, then a clean close. Prints one
 * line per step on stdout; exit 0 on success, 1 on failure, 2 on usage.
 * Not the h3cli ping command: no statistics, no options beyond these.
 *
 * usage: quic_ping [-c COUNT] [-a ALPN] [-t SECONDS] [-C CAFILE [-n NAME]]
 *                  [-k] HOST PORT
 * -C verifies the server's certificate against CAFILE for NAME (default
 * localhost); -k starts a key update after each acknowledged PING (when RFC
 * 9001 §6.1 allows one) and prints "key update N".
 * SSLKEYLOGFILE, when set, receives the NSS key log. */
#include "core/quic.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
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

typedef struct ping_state {
    int fd;
    quic_conn *conn;
    quic_addr peer;
    int count, sent, acked;
    bool handshake_done, terminated, failed;
    bool key_update; /* -k: a key update after each acknowledged PING */
    int key_updates;
    FILE *keylog;
} ping_state;

static quic_time now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (quic_time)ts.tv_sec * QUIC_S + (quic_time)ts.tv_nsec;
}

static void keylog_line(void *user, const char *line) {
    ping_state *st = user;
    if (st->keylog) {
        fprintf(st->keylog, "%s\n", line);
        fflush(st->keylog);
    }
}

static int open_socket(ping_state *st, const char *host, const char *port) {
    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        fprintf(stderr, "quic_ping: bad address %s %s\n", host, port);
        return -1;
    }
    st->fd = socket(res->ai_family, SOCK_DGRAM, 0);
    if (st->fd < 0 || connect(st->fd, res->ai_addr, res->ai_addrlen) < 0) {
        perror("quic_ping: socket");
        freeaddrinfo(res);
        return -1;
    }
    memset(&st->peer, 0, sizeof(st->peer));
    st->peer.len = (uint32_t)res->ai_addrlen;
    memcpy(st->peer.data, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

static void flush(ping_state *st) {
    static uint8_t buf[MAX_DGRAMS * DGRAM_MAX];
    quic_datagram d[MAX_DGRAMS];
    for (;;) {
        int n = quic_conn_datagrams_to_send(st->conn, now_ns(), buf,
                                            sizeof(buf), d, MAX_DGRAMS);
        for (int i = 0; i < n; i++)
            if (send(st->fd, buf + d[i].offset, d[i].len, 0) < 0)
                perror("quic_ping: send");
        if (n < MAX_DGRAMS)
            return;
    }
}

static void send_next_ping(ping_state *st) {
    if (st->sent < st->count && st->sent == st->acked) {
        if (quic_conn_send_ping(st->conn, (uint64_t)st->sent) == 0)
            st->sent++;
    } else if (st->acked == st->count) {
        quic_conn_close(st->conn, QUIC_NO_ERROR, QUIC_FRAME_TYPE_NONE, "done");
    }
}

static void on_event(ping_state *st, const quic_event *ev) {
    switch (ev->type) {
    case QUIC_EVENT_HANDSHAKE_COMPLETED:
        st->handshake_done = true;
        printf("handshake completed alpn=%s\n",
               ev->u.handshake_completed.alpn_protocol
                   ? ev->u.handshake_completed.alpn_protocol
                   : "(none)");
        send_next_ping(st);
        break;
    case QUIC_EVENT_PING_ACKNOWLEDGED:
        st->acked++;
        printf("ping %llu acknowledged\n",
               (unsigned long long)ev->u.ping_acknowledged.uid);
        if (st->key_update && st->acked < st->count &&
            quic_conn_request_key_update(st->conn) == 0) {
            st->key_updates++;
            printf("key update %d\n", st->key_updates);
        }
        send_next_ping(st);
        break;
    case QUIC_EVENT_CONNECTION_TERMINATED:
        st->terminated = true;
        printf("connection terminated error=0x%llx (%s)%s reason=\"%s\"\n",
               (unsigned long long)ev->u.connection_terminated.error_code,
               quic_wire_error_name(ev->u.connection_terminated.error_code),
               ev->u.connection_terminated.by_peer ? " by peer" : "",
               ev->u.connection_terminated.reason_phrase);
        if (ev->u.connection_terminated.error_code != QUIC_NO_ERROR ||
            st->acked < st->count)
            st->failed = true;
        break;
    default: break;
    }
}

static void drain_events(ping_state *st) {
    quic_event ev;
    while (quic_conn_next_event(st->conn, &ev))
        on_event(st, &ev);
}

static void receive_all(ping_state *st) {
    static uint8_t buf[65536];
    for (;;) {
        ssize_t n = recv(st->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                perror("quic_ping: recv");
            return;
        }
        quic_conn_receive_datagram(st->conn, buf, (size_t)n, &st->peer, 0,
                                   now_ns());
        drain_events(st);
    }
}

static int poll_timeout_ms(const ping_state *st) {
    quic_time t = quic_conn_get_timer(st->conn), now = now_ns();
    if (t == QUIC_TIME_NONE)
        return 1000;
    if (t <= now)
        return 0;
    quic_time ms = (t - now + QUIC_MS - 1) / QUIC_MS;
    return ms > 1000 ? 1000 : (int)ms;
}

static int run(ping_state *st, quic_time deadline) {
    flush(st);
    while (!quic_conn_is_closed(st->conn)) {
        if (now_ns() > deadline) {
            fprintf(stderr, "quic_ping: timed out\n");
            return 1;
        }
        struct pollfd pfd = {.fd = st->fd, .events = POLLIN};
        if (poll(&pfd, 1, poll_timeout_ms(st)) > 0)
            receive_all(st);
        if (quic_conn_get_timer(st->conn) <= now_ns()) {
            quic_conn_handle_timer(st->conn, now_ns());
            drain_events(st);
        }
        flush(st);
        /* After our close went out there is nothing more to learn. */
        if (st->terminated && st->acked == st->count && !st->failed)
            break;
    }
    return st->failed || !st->handshake_done || st->acked < st->count;
}

static void usage(void) {
    fprintf(stderr, "usage: quic_ping [-c COUNT] [-a ALPN] [-t SECONDS] "
                    "[-C CAFILE [-n NAME]] [-k] HOST PORT\n");
    exit(2);
}

int main(int argc, char **argv) {
    ping_state st;
    memset(&st, 0, sizeof(st));
    st.count = 3;
    const char *alpn = "h3", *ca = NULL, *name = "localhost";
    int seconds = 10, opt;
    while ((opt = getopt(argc, argv, "c:a:t:C:n:k")) != -1) {
        switch (opt) {
        case 'c': st.count = atoi(optarg); break;
        case 'a': alpn = optarg; break;
        case 't': seconds = atoi(optarg); break;
        case 'C': ca = optarg; break;
        case 'n': name = optarg; break;
        case 'k': st.key_update = true; break;
        default: usage();
        }
    }
    if (argc - optind != 2 || st.count < 0 || seconds <= 0)
        usage();
    if (open_socket(&st, argv[optind], argv[optind + 1]) < 0)
        return 1;
    const char *kl = getenv("SSLKEYLOGFILE");
    st.keylog = kl && *kl ? fopen(kl, "a") : NULL;

    quic_config cfg;
    quic_config_init(&cfg, true);
    cfg.alpn[0] = alpn;
    cfg.alpn_count = 1;
    cfg.server_name = name;
    cfg.verify_peer = ca != NULL;
    cfg.ca_file = ca;
    cfg.sink_user = &st;
    cfg.keylog = keylog_line;
    int rc = quic_conn_new(&st.conn, &cfg, NULL);
    if (rc == 0)
        rc = quic_conn_connect(st.conn, &st.peer, now_ns());
    if (rc < 0) {
        fprintf(stderr, "quic_ping: %s\n", quic_strerror(rc));
        return 1;
    }
    int status = run(&st, now_ns() + (quic_time)seconds * QUIC_S);
    printf("%s: %d/%d pings acknowledged\n", status ? "FAIL" : "OK", st.acked,
           st.count);
    quic_conn_free(st.conn);
    if (st.keylog)
        fclose(st.keylog);
    close(st.fd);
    return status;
}

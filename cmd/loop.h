/* cmd/loop.h — the libev driver between UDP sockets and quic_conn objects:
 * monotonic time, one read (and, when the kernel buffer is full, write)
 * watcher per socket, one timer per connection, and the service step run
 * after every input: drain events, then send datagrams (GSO-batched), then
 * re-arm the timer. It knows nothing of HTTP/3 or of which command runs. */
#ifndef H3CLI_CMD_LOOP_H
#define H3CLI_CMD_LOOP_H

#include "cmd/udp.h"
#include "core/quic.h"

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>

/* Datagrams one quic_conn_datagrams_to_send call may produce, and the
 * bytes of the buffer they are written into (64 full-size datagrams, one
 * GSO message's worth). */
#define H3CLI_LOOP_SEND_BATCH 64
#define H3CLI_LOOP_SEND_BYTES (H3CLI_LOOP_SEND_BATCH * 1500)
/* recvmmsg batch: messages and bytes per message (65535 with GRO, which
 * coalesces up to 64 KB into one message). */
#define H3CLI_LOOP_RECV_MSGS 16
#define H3CLI_LOOP_RECV_BYTES 65535

/* CLOCK_MONOTONIC in nanoseconds: the engine's quic_time. libev's ev_now()
 * is wall-clock time and must not be passed to the engine. */
quic_time h3cli_now(void);

/* Stops a signal watcher of a command that is about to exit by itself and
 * ignores that signal from then on. libev puts back the default action (or,
 * with signalfd, unblocks a signal that may be pending), so a duplicate
 * that arrives late would otherwise kill a process that already finished
 * its graceful shutdown: timeout(1) sends SIGTERM to its child and then
 * again to the whole process group. */
void h3cli_loop_signal_retire(struct ev_loop *loop, ev_signal *w);

/* quic_addr <-> sockaddr_storage: the engine keeps the sockaddr bytes
 * verbatim. h3cli_addr_from_quic returns false for an empty address. */
void h3cli_addr_to_quic(const struct sockaddr_storage *ss, quic_addr *out);
bool h3cli_addr_from_quic(const quic_addr *qa, struct sockaddr_storage *out);

typedef struct h3cli_loop_socket h3cli_loop_socket;
typedef struct h3cli_loop_conn h3cli_loop_conn;

/* Called for each received datagram; |d->data| may be modified (the engine
 * decrypts in place) and is valid until the callback returns. */
typedef void (*h3cli_datagram_cb)(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                                  quic_time now, void *user);
/* Called when a receive fails with an error other than EAGAIN (e.g.
 * -ECONNREFUSED after an ICMP port unreachable on a connected socket). */
typedef void (*h3cli_socket_error_cb)(h3cli_loop_socket *s, int err,
                                      void *user);

/* A UDP socket watched by the loop. Embeddable: h3cli_loop_socket_start,
 * then h3cli_loop_socket_stop. */
struct h3cli_loop_socket {
    h3cli_udp_socket udp; /* opened by the caller */
    struct ev_loop *loop;
    ev_io rio, wio;
    h3cli_udp_rx rx;
    h3cli_datagram_cb on_datagram;
    h3cli_socket_error_cb on_error;
    void *user;
    /* Records the kernel refused (EAGAIN): sent first when the socket
     * becomes writable; their bytes live in |pending_buf|. */
    h3cli_udp_datagram pending[H3CLI_LOOP_SEND_BATCH];
    size_t n_pending;
    uint8_t *pending_buf;
    /* Connections that had datagrams to send while the socket was full,
     * and those fed datagrams in the current receive batch. */
    h3cli_loop_conn *write_waiters;
    h3cli_loop_conn *dirty;
    /* Bound to a wildcard address: answer each peer from the local
     * address its datagrams arrived on (IP_PKTINFO). */
    bool answer_from_local;
    uint64_t send_errors; /* batches dropped on a hard send error */
    int last_send_error;
};

/* Starts watching |s| (s->udp must be open) on |loop|. Returns 0 or
 * -ENOMEM. */
int h3cli_loop_socket_start(h3cli_loop_socket *s, struct ev_loop *loop,
                            h3cli_datagram_cb on_datagram,
                            h3cli_socket_error_cb on_error, void *user);

/* Stops the watchers and frees the buffers; the socket itself stays open
 * (h3cli_udp_close closes it). Connections must have been detached. */
void h3cli_loop_socket_stop(h3cli_loop_socket *s);

/* What the owner of a connection hears from the service step. */
typedef struct h3cli_loop_conn_ops {
    /* Each event popped from the connection, in order. The event's
     * pointers are valid until the callback returns. The callback may call
     * quic_conn_* send functions, but must not detach or free the
     * connection (do that from on_closed). */
    void (*on_event)(h3cli_loop_conn *lc, const quic_event *ev, void *user);
    /* After the events are drained and before datagrams are collected
     * (may be NULL): the owner queues more stream data here, e.g. the next
     * file chunks once acknowledgements made room. */
    void (*before_flush)(h3cli_loop_conn *lc, void *user);
    /* After the service step, once quic_conn_is_closed: the owner frees
     * the connection (after h3cli_loop_conn_detach). Not called again. */
    void (*on_closed)(h3cli_loop_conn *lc, void *user);
} h3cli_loop_conn_ops;

/* A connection driven by the loop. Embeddable. */
struct h3cli_loop_conn {
    quic_conn *conn;
    h3cli_loop_socket *sock;
    ev_timer timer;
    const h3cli_loop_conn_ops *ops;
    void *user;
    /* Where the peer reached us (server with a wildcard socket): datagrams
     * are sent from this address. */
    struct sockaddr_storage local;
    unsigned local_ifindex;
    bool has_local;
    bool waiting_write, is_dirty, closed_reported, in_service;
    bool service_again; /* input arrived during a service step */
    h3cli_loop_conn *next_waiter, *next_dirty;
};

/* Attaches |conn| (created by the caller) to |s|. Nothing is sent until
 * the first h3cli_loop_conn_service. */
void h3cli_loop_conn_attach(h3cli_loop_conn *lc, h3cli_loop_socket *s,
                            quic_conn *conn, const h3cli_loop_conn_ops *ops,
                            void *user);

/* Stops the timer and leaves the socket's lists; the quic_conn is the
 * caller's to free. Safe twice. */
void h3cli_loop_conn_detach(h3cli_loop_conn *lc);

/* Feeds one received datagram to the connection and marks it for service
 * at the end of the receive batch (one service step for a whole batch).
 * |d->local| is remembered as the address to answer from when it is set.
 * Returns the quic_conn_receive_datagram result. */
int h3cli_loop_conn_feed(h3cli_loop_conn *lc, h3cli_udp_datagram *d,
                         quic_time now);

/* The service step, run after any input or user action (a send, a ping, a
 * close): drains events to ops->on_event, sends what the connection has
 * (in GSO batches of equal-size datagrams to one peer), re-arms the timer,
 * and reports closure. Re-entrant calls (from on_event) are deferred to
 * the end of the running step. */
void h3cli_loop_conn_service(h3cli_loop_conn *lc);

/* The send half only: datagrams and the timer (for callers that know no
 * event can be pending). */
void h3cli_loop_conn_flush(h3cli_loop_conn *lc, quic_time now);

/* Opens a client's UDP socket: an ephemeral port of |peer|'s family,
 * connected to |peer| so that an ICMP port unreachable comes back as
 * -ECONNREFUSED from the next receive. Returns 0 or a negative errno. */
int h3cli_loop_client_socket(h3cli_udp_socket *s,
                             const struct sockaddr_storage *peer);

/* Splits |n| datagrams written by quic_conn_datagrams_to_send into |buf|
 * into send records: consecutive datagrams to the same peer with the same
 * ECN and the same size (the last of a run may be shorter) become one
 * record with segment_size, the others one record each. |local| (may be
 * NULL) is the source address. Returns the number of records (<= n).
 * Exposed for tests. */
size_t h3cli_loop_build_records(uint8_t *buf, const quic_datagram *dg, size_t n,
                                const struct sockaddr_storage *local,
                                unsigned ifindex, h3cli_udp_datagram *rec);

#endif

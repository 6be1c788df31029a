/* cmd/loop.c — the libev driver: receive batches feed connections, one
 * service step per connection and input (events, then datagrams, then the
 * timer), EAGAIN parks records until the socket is writable. No HTTP and no
 * command logic here. */
#include "cmd/loop.h"

#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Receive batches handled per readable event before other watchers get a
 * turn (a busy socket must not starve timers). */
#define RECV_ROUNDS 8

/* One process runs one loop on one thread: the buffer the engine writes
 * datagrams into is shared by every connection; records that cannot be
 * sent at once are copied out to the socket's pending buffer. */
static uint8_t send_buf[H3CLI_LOOP_SEND_BYTES];
static quic_datagram send_dg[H3CLI_LOOP_SEND_BATCH];

quic_time h3cli_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (quic_time)ts.tv_sec * QUIC_S + (quic_time)ts.tv_nsec;
}

void h3cli_loop_signal_retire(struct ev_loop *loop, ev_signal *w) {
    int signum = w->signum;
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, signum);
    /* Blocked while libev puts back SIG_DFL; SIG_IGN then discards a copy
     * that arrived meanwhile (POSIX sigaction: a pending signal set to be
     * ignored is discarded). */
    sigprocmask(SIG_BLOCK, &set, &old);
    ev_signal_stop(loop, w);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(signum, &sa, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
}

void h3cli_addr_to_quic(const struct sockaddr_storage *ss, quic_addr *out) {
    memset(out, 0, sizeof(*out));
    size_t len = ss->ss_family == AF_INET    ? sizeof(struct sockaddr_in)
                 : ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                             : 0;
    if (len > sizeof(out->data))
        len = 0;
    memcpy(out->data, ss, len);
    out->len = (uint32_t)len;
}

bool h3cli_addr_from_quic(const quic_addr *qa, struct sockaddr_storage *out) {
    memset(out, 0, sizeof(*out));
    if (qa->len == 0 || qa->len > sizeof(qa->data) || qa->len > sizeof(*out))
        return false;
    memcpy(out, qa->data, qa->len);
    return true;
}

static bool same_peer(const quic_datagram *a, const quic_datagram *b) {
    return a->peer.len == b->peer.len &&
           memcmp(a->peer.data, b->peer.data, a->peer.len) == 0;
}

/* How many datagrams from |i| form one GSO run: contiguous, same peer and
 * ECN, all of the first one's size except possibly a shorter last one. */
static size_t run_length(const quic_datagram *dg, size_t i, size_t n) {
    size_t j = i + 1;
    while (j < n && dg[j].offset == dg[j - 1].offset + dg[j - 1].len &&
           same_peer(&dg[j], &dg[i]) && dg[j].ecn == dg[i].ecn &&
           dg[j - 1].len == dg[i].len && dg[j].len <= dg[i].len)
        j++;
    return j - i;
}

size_t h3cli_loop_build_records(uint8_t *buf, const quic_datagram *dg, size_t n,
                                const struct sockaddr_storage *local,
                                unsigned ifindex, h3cli_udp_datagram *rec) {
    size_t nrec = 0;
    for (size_t i = 0; i < n;) {
        size_t run = run_length(dg, i, n);
        h3cli_udp_datagram *r = &rec[nrec++];
        memset(r, 0, sizeof(*r));
        r->data = buf + dg[i].offset;
        r->len = 0;
        for (size_t k = i; k < i + run; k++)
            r->len += dg[k].len;
        r->segment_size = run > 1 ? dg[i].len : 0;
        r->ecn = dg[i].ecn;
        h3cli_addr_from_quic(&dg[i].peer, &r->peer);
        if (local) {
            r->local = *local;
            r->local_ifindex = ifindex;
            r->has_local = true;
        }
        i += run;
    }
    return nrec;
}

/* ---- Sockets ------------------------------------------------------------- */

static void add_waiter(h3cli_loop_conn *lc) {
    if (lc->waiting_write)
        return;
    lc->waiting_write = true;
    lc->next_waiter = lc->sock->write_waiters;
    lc->sock->write_waiters = lc;
}

/* Copies the records the kernel did not take into the pending buffer and
 * starts waiting for EV_WRITE. */
static void park_records(h3cli_loop_socket *s, const h3cli_udp_datagram *r,
                         size_t n) {
    size_t off = 0;
    for (size_t i = 0; i < n && s->n_pending < H3CLI_LOOP_SEND_BATCH; i++) {
        if (off + r[i].len > H3CLI_LOOP_SEND_BYTES)
            break; /* cannot happen: one batch fits; drop the rest */
        h3cli_udp_datagram *p = &s->pending[s->n_pending++];
        *p = r[i];
        memcpy(s->pending_buf + off, r[i].data, r[i].len);
        p->data = s->pending_buf + off;
        off += r[i].len;
    }
    ev_io_start(s->loop, &s->wio);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    h3cli_loop_socket *s = w->data;
    if (s->n_pending > 0) {
        int rc = h3cli_udp_send(&s->udp, s->pending, s->n_pending);
        if (rc == -EAGAIN)
            return;
        size_t sent = rc < 0 ? s->n_pending : (size_t)rc;
        if (rc < 0) {
            s->send_errors++;
            s->last_send_error = rc;
        }
        memmove(s->pending, s->pending + sent,
                (s->n_pending - sent) * sizeof(s->pending[0]));
        s->n_pending -= sent;
        if (s->n_pending > 0)
            return;
    }
    ev_io_stop(s->loop, &s->wio);
    quic_time now = h3cli_now();
    while (s->write_waiters && s->n_pending == 0) {
        h3cli_loop_conn *lc = s->write_waiters;
        s->write_waiters = lc->next_waiter;
        lc->waiting_write = false;
        lc->next_waiter = NULL;
        h3cli_loop_conn_flush(lc, now);
    }
}

static void service_dirty(h3cli_loop_socket *s) {
    while (s->dirty) {
        h3cli_loop_conn *lc = s->dirty;
        s->dirty = lc->next_dirty;
        lc->next_dirty = NULL;
        lc->is_dirty = false;
        h3cli_loop_conn_service(lc);
    }
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents) {
    (void)loop;
    (void)revents;
    h3cli_loop_socket *s = w->data;
    quic_time now = h3cli_now();
    for (int round = 0; round < RECV_ROUNDS; round++) {
        int rc = h3cli_udp_recv(&s->udp, &s->rx);
        if (rc == -EAGAIN || rc == -EINTR)
            break;
        if (rc < 0) {
            if (s->on_error)
                s->on_error(s, rc, s->user);
            break;
        }
        h3cli_udp_datagram d;
        while (h3cli_udp_rx_next(&s->rx, &d))
            s->on_datagram(s, &d, now, s->user);
    }
    service_dirty(s);
}

/* True for 0.0.0.0 and ::, where the kernel would pick a source address
 * that need not be the one the peer reached. */
static bool is_wildcard(const struct sockaddr_storage *ss) {
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr ==
               htonl(INADDR_ANY);
    if (ss->ss_family == AF_INET6)
        return IN6_IS_ADDR_UNSPECIFIED(
            &((const struct sockaddr_in6 *)ss)->sin6_addr);
    return false;
}

int h3cli_loop_socket_start(h3cli_loop_socket *s, struct ev_loop *loop,
                            h3cli_datagram_cb on_datagram,
                            h3cli_socket_error_cb on_error, void *user) {
    s->loop = loop;
    s->answer_from_local = is_wildcard(&s->udp.local);
    s->on_datagram = on_datagram;
    s->on_error = on_error;
    s->user = user;
    s->n_pending = 0;
    s->write_waiters = s->dirty = NULL;
    s->send_errors = 0;
    s->last_send_error = 0;
    s->pending_buf = malloc(H3CLI_LOOP_SEND_BYTES);
    if (!s->pending_buf)
        return -ENOMEM;
    int rc =
        h3cli_udp_rx_init(&s->rx, H3CLI_LOOP_RECV_MSGS, H3CLI_LOOP_RECV_BYTES);
    if (rc < 0) {
        free(s->pending_buf);
        s->pending_buf = NULL;
        return rc;
    }
    ev_io_init(&s->rio, on_readable, s->udp.fd, EV_READ);
    ev_io_init(&s->wio, on_writable, s->udp.fd, EV_WRITE);
    s->rio.data = s->wio.data = s;
    ev_io_start(loop, &s->rio);
    return 0;
}

void h3cli_loop_socket_stop(h3cli_loop_socket *s) {
    if (!s->loop)
        return;
    ev_io_stop(s->loop, &s->rio);
    ev_io_stop(s->loop, &s->wio);
    h3cli_udp_rx_cleanup(&s->rx);
    free(s->pending_buf);
    s->pending_buf = NULL;
    s->loop = NULL;
}

int h3cli_loop_client_socket(h3cli_udp_socket *s,
                             const struct sockaddr_storage *peer) {
    struct sockaddr_storage any;
    memset(&any, 0, sizeof(any));
    any.ss_family = peer->ss_family;
    socklen_t len = peer->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                : sizeof(struct sockaddr_in);
    int rc =
        h3cli_udp_open(s, (const struct sockaddr *)&any, len, H3CLI_UDP_V6ONLY);
    if (rc < 0)
        return rc;
    socklen_t local_len = sizeof(s->local);
    if (connect(s->fd, (const struct sockaddr *)peer, len) != 0 ||
        getsockname(s->fd, (struct sockaddr *)&s->local, &local_len) != 0) {
        rc = -errno;
        h3cli_udp_close(s);
        return rc;
    }
    /* Now bound to the route's source address: the kernel picks it, so
     * datagrams need no IP_PKTINFO source. */
    return 0;
}

/* ---- Connections --------------------------------------------------------- */

static void arm_timer(h3cli_loop_conn *lc) {
    struct ev_loop *loop = lc->sock->loop;
    quic_time deadline = quic_conn_get_timer(lc->conn);
    if (deadline == QUIC_TIME_NONE) {
        ev_timer_stop(loop, &lc->timer);
        return;
    }
    /* libev times timers from its cached loop time: refresh it so a timer
     * armed late in a long step does not fire early. */
    ev_now_update(loop);
    quic_time now = h3cli_now();
    quic_time delay = deadline > now ? deadline - now : 0;
    /* A repeat of 0 would stop the timer: a due deadline fires at once. */
    double repeat = (double)delay / 1e9;
    lc->timer.repeat = repeat < 1e-6 ? 1e-6 : repeat;
    ev_timer_again(loop, &lc->timer);
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
    (void)loop;
    (void)revents;
    h3cli_loop_conn *lc = w->data;
    quic_conn_handle_timer(lc->conn, h3cli_now());
    h3cli_loop_conn_service(lc);
}

void h3cli_loop_conn_attach(h3cli_loop_conn *lc, h3cli_loop_socket *s,
                            quic_conn *conn, const h3cli_loop_conn_ops *ops,
                            void *user) {
    memset(lc, 0, sizeof(*lc));
    lc->conn = conn;
    lc->sock = s;
    lc->ops = ops;
    lc->user = user;
    ev_init(&lc->timer, on_timer);
    lc->timer.data = lc;
}

static void unlink_conn(h3cli_loop_conn **head, h3cli_loop_conn *lc,
                        bool dirty_list) {
    for (h3cli_loop_conn **p = head; *p;
         p = dirty_list ? &(*p)->next_dirty : &(*p)->next_waiter) {
        if (*p == lc) {
            *p = dirty_list ? lc->next_dirty : lc->next_waiter;
            return;
        }
    }
}

void h3cli_loop_conn_detach(h3cli_loop_conn *lc) {
    h3cli_loop_socket *s = lc->sock;
    if (!s)
        return;
    if (s->loop)
        ev_timer_stop(s->loop, &lc->timer);
    if (lc->waiting_write)
        unlink_conn(&s->write_waiters, lc, false);
    if (lc->is_dirty)
        unlink_conn(&s->dirty, lc, true);
    lc->waiting_write = lc->is_dirty = false;
    lc->sock = NULL;
}

int h3cli_loop_conn_feed(h3cli_loop_conn *lc, h3cli_udp_datagram *d,
                         quic_time now) {
    quic_addr peer;
    h3cli_addr_to_quic(&d->peer, &peer);
    if (d->has_local) {
        lc->local = d->local;
        lc->local_ifindex = d->local_ifindex;
        lc->has_local = true;
    }
    int rc = quic_conn_receive_datagram(lc->conn, d->data, d->len, &peer,
                                        d->ecn, now);
    if (!lc->is_dirty) {
        lc->is_dirty = true;
        lc->next_dirty = lc->sock->dirty;
        lc->sock->dirty = lc;
    }
    return rc;
}

/* Sends one batch; false when the socket is full or failed (stop). */
static bool send_batch(h3cli_loop_conn *lc, size_t n) {
    h3cli_loop_socket *s = lc->sock;
    h3cli_udp_datagram rec[H3CLI_LOOP_SEND_BATCH];
    bool from_local = lc->has_local && s->answer_from_local;
    size_t nrec = h3cli_loop_build_records(send_buf, send_dg, n,
                                           from_local ? &lc->local : NULL,
                                           lc->local_ifindex, rec);
    int rc = h3cli_udp_send(&s->udp, rec, nrec);
    if (rc == -EAGAIN)
        rc = 0;
    if (rc < 0) {
        /* Unreachable network, oversized datagram…: the engine sees the
         * batch as lost and recovers (or times out) by itself. */
        s->send_errors++;
        s->last_send_error = rc;
        return false;
    }
    if ((size_t)rc < nrec) {
        park_records(s, rec + rc, nrec - (size_t)rc);
        add_waiter(lc);
        return false;
    }
    return true;
}

void h3cli_loop_conn_flush(h3cli_loop_conn *lc, quic_time now) {
    h3cli_loop_socket *s = lc->sock;
    if (!s)
        return;
    if (s->n_pending > 0) {
        add_waiter(lc);
    } else {
        for (;;) {
            int n = quic_conn_datagrams_to_send(lc->conn, now, send_buf,
                                                sizeof(send_buf), send_dg,
                                                H3CLI_LOOP_SEND_BATCH);
            if (n <= 0 || !send_batch(lc, (size_t)n))
                break;
        }
    }
    arm_timer(lc);
}

void h3cli_loop_conn_service(h3cli_loop_conn *lc) {
    if (!lc->sock)
        return;
    if (lc->in_service) {
        lc->service_again = true;
        return;
    }
    lc->in_service = true;
    do {
        lc->service_again = false;
        quic_event ev;
        while (quic_conn_next_event(lc->conn, &ev))
            lc->ops->on_event(lc, &ev, lc->user);
        if (lc->ops->before_flush)
            lc->ops->before_flush(lc, lc->user);
        if (lc->sock)
            h3cli_loop_conn_flush(lc, h3cli_now());
    } while (lc->service_again && lc->sock);
    lc->in_service = false;
    if (quic_conn_is_closed(lc->conn) && !lc->closed_reported) {
        lc->closed_reported = true;
        if (lc->ops->on_closed)
            lc->ops->on_closed(lc, lc->user);
    }
}

/* cmd/udp.c — Linux UDP sockets for the driver: recvmmsg/sendmmsg batches,
 * GRO/GSO with a clean fallback, ECN and IP_PKTINFO control messages; it
 * knows nothing about QUIC or the event loop. */
#define _GNU_SOURCE
#include "cmd/udp.h"

#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Room for every control message we ask for: UDP_GRO (int), IP_TOS (byte)
 * or IPV6_TCLASS (int), IP_PKTINFO or IPV6_PKTINFO. */
#define CONTROL_SIZE 256
/* Messages per sendmmsg call. */
#define SEND_BATCH 64
#define SOCKET_BUFFER_BYTES (4 * 1024 * 1024)

typedef union control_buf {
    struct cmsghdr align;
    uint8_t bytes[CONTROL_SIZE];
} control_buf;

/* The arrays behind h3cli_udp_rx.priv, plus the parsed header of the
 * message rx_next is splitting. */
typedef struct rx_arrays {
    struct mmsghdr *msgs;
    struct iovec *iov;
    struct sockaddr_storage *names;
    control_buf *control;
    uint16_t port;                 /* the socket's port, for local addresses */
    struct sockaddr_storage bound; /* fallback local address */
    h3cli_udp_datagram cur;        /* header fields of cur_msg */
    size_t cur_seg, cur_len; /* segment size (0 = whole) and usable bytes */
} rx_arrays;

const char *h3cli_udp_strerror(int err) {
    return strerror(err < 0 ? -err : err);
}

static int set_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value)) == 0 ? 0 : -errno;
}

/* ::ffff:a.b.c.d becomes a.b.c.d; everything else is left as is. */
static void unmap_v4(struct sockaddr_storage *ss) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (ss->ss_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
        return;
    struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = s6->sin6_port};
    memcpy(&s4.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, &s4, sizeof(s4));
}

/* The address an AF_INET6 socket needs for an IPv4 destination. */
static void map_v4(const struct sockaddr_in *s4, struct sockaddr_in6 *s6) {
    memset(s6, 0, sizeof(*s6));
    s6->sin6_family = AF_INET6;
    s6->sin6_port = s4->sin_port;
    s6->sin6_addr.s6_addr[10] = 0xff;
    s6->sin6_addr.s6_addr[11] = 0xff;
    memcpy(&s6->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
}

/* Best-effort options: each failure only loses a feature, never the socket
 * (older kernels, or IPv4 options on an IPv6-only socket). */
static void set_optional_options(h3cli_udp_socket *s, unsigned flags) {
    int fd = s->fd;
    bool v4_traffic = s->family == AF_INET || !(flags & H3CLI_UDP_V6ONLY);
    set_int(fd, SOL_SOCKET, SO_RCVBUF, SOCKET_BUFFER_BYTES);
    set_int(fd, SOL_SOCKET, SO_SNDBUF, SOCKET_BUFFER_BYTES);
    if (v4_traffic) {
        /* RFC 9000 §14: set DF; PROBE ignores the kernel's PMTU cache,
         * which QUIC's own path MTU discovery replaces. */
        set_int(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
        set_int(fd, IPPROTO_IP, IP_RECVTOS, 1);
        set_int(fd, IPPROTO_IP, IP_PKTINFO, 1);
    }
    if (s->family == AF_INET6) {
        set_int(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
        set_int(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, 1);
        set_int(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1);
    }
    int seg = 0;
    socklen_t seglen = sizeof(seg);
    s->gso = !(flags & H3CLI_UDP_NO_GSO) &&
             getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &seg, &seglen) == 0;
    s->gro = !(flags & H3CLI_UDP_NO_GRO) &&
             set_int(fd, IPPROTO_UDP, UDP_GRO, 1) == 0;
}

int h3cli_udp_open(h3cli_udp_socket *s, const struct sockaddr *addr,
                   socklen_t addrlen, unsigned flags) {
    memset(s, 0, sizeof(*s));
    s->fd = -1;
    if (addr->sa_family != AF_INET && addr->sa_family != AF_INET6)
        return -EAFNOSUPPORT;
    s->family = addr->sa_family;
    int fd = socket(s->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    IPPROTO_UDP);
    if (fd < 0)
        return -errno;
    s->fd = fd;
    int rc = 0;
    if (flags & H3CLI_UDP_REUSEPORT)
        rc = set_int(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (rc == 0 && s->family == AF_INET6)
        rc = set_int(fd, IPPROTO_IPV6, IPV6_V6ONLY,
                     (flags & H3CLI_UDP_V6ONLY) ? 1 : 0);
    if (rc == 0 && bind(fd, addr, addrlen) != 0)
        rc = -errno;
    socklen_t len = sizeof(s->local);
    if (rc == 0 && getsockname(fd, (struct sockaddr *)&s->local, &len) != 0)
        rc = -errno;
    if (rc != 0) {
        h3cli_udp_close(s);
        return rc;
    }
    s->port = ntohs(((struct sockaddr_in *)&s->local)->sin_port);
    set_optional_options(s, flags);
    return 0;
}

void h3cli_udp_close(h3cli_udp_socket *s) {
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

int h3cli_udp_rx_init(h3cli_udp_rx *rx, size_t n_msgs, size_t buf_size) {
    memset(rx, 0, sizeof(*rx));
    if (n_msgs == 0 || n_msgs > 1024 || buf_size == 0 || buf_size > 65535)
        return -EINVAL;
    rx_arrays *a = calloc(1, sizeof(*a));
    if (!a)
        return -ENOMEM;
    a->msgs = calloc(n_msgs, sizeof(*a->msgs));
    a->iov = calloc(n_msgs, sizeof(*a->iov));
    a->names = calloc(n_msgs, sizeof(*a->names));
    a->control = calloc(n_msgs, sizeof(*a->control));
    rx->bufs = malloc(n_msgs * buf_size);
    rx->priv = a;
    if (!a->msgs || !a->iov || !a->names || !a->control || !rx->bufs) {
        h3cli_udp_rx_cleanup(rx);
        return -ENOMEM;
    }
    rx->n_msgs = n_msgs;
    rx->buf_size = buf_size;
    return 0;
}

void h3cli_udp_rx_cleanup(h3cli_udp_rx *rx) {
    rx_arrays *a = rx->priv;
    if (a) {
        free(a->msgs);
        free(a->iov);
        free(a->names);
        free(a->control);
        free(a);
    }
    free(rx->bufs);
    memset(rx, 0, sizeof(*rx));
}

int h3cli_udp_recv(h3cli_udp_socket *s, h3cli_udp_rx *rx) {
    rx_arrays *a = rx->priv;
    rx->n_received = rx->cur_msg = rx->cur_off = 0;
    a->cur_len = 0;
    for (size_t i = 0; i < rx->n_msgs; i++) {
        a->iov[i] = (struct iovec){rx->bufs + i * rx->buf_size, rx->buf_size};
        a->msgs[i].msg_hdr = (struct msghdr){
            .msg_name = &a->names[i],
            .msg_namelen = sizeof(a->names[i]),
            .msg_iov = &a->iov[i],
            .msg_iovlen = 1,
            .msg_control = a->control[i].bytes,
            .msg_controllen = sizeof(a->control[i].bytes),
        };
    }
    int n;
    do
        n = recvmmsg(s->fd, a->msgs, (unsigned)rx->n_msgs, 0, NULL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
    a->port = s->port;
    a->bound = s->local;
    rx->n_received = (size_t)n;
    return n;
}

/* Reads one control message into the datagram header fields. */
static void read_cmsg(const struct cmsghdr *c, h3cli_udp_datagram *d,
                      size_t *seg) {
    const void *data = CMSG_DATA(c);
    if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
        int v;
        memcpy(&v, data, sizeof(v));
        *seg = v > 0 ? (size_t)v : 0;
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS) {
        d->ecn = *(const uint8_t *)data & 3; /* a single byte on receive */
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS) {
        int v;
        memcpy(&v, data, sizeof(v));
        d->ecn = (uint8_t)(v & 3);
    } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        struct in_pktinfo pi;
        memcpy(&pi, data, sizeof(pi));
        struct sockaddr_in *l = (struct sockaddr_in *)&d->local;
        memset(&d->local, 0, sizeof(d->local));
        l->sin_family = AF_INET;
        l->sin_addr = pi.ipi_addr;
        d->local_ifindex = (unsigned)pi.ipi_ifindex;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        struct in6_pktinfo pi;
        memcpy(&pi, data, sizeof(pi));
        struct sockaddr_in6 *l = (struct sockaddr_in6 *)&d->local;
        memset(&d->local, 0, sizeof(d->local));
        l->sin6_family = AF_INET6;
        l->sin6_addr = pi.ipi6_addr;
        d->local_ifindex = pi.ipi6_ifindex;
    }
}

static void set_port(struct sockaddr_storage *ss, uint16_t port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* Parses message |i|'s address and control data into a->cur; returns false
 * when nothing of it is usable (truncated without GRO). */
static bool load_message(h3cli_udp_rx *rx, rx_arrays *a, size_t i) {
    struct msghdr *h = &a->msgs[i].msg_hdr;
    h3cli_udp_datagram *d = &a->cur;
    memset(d, 0, sizeof(*d));
    memcpy(&d->peer, h->msg_name, h->msg_namelen);
    unmap_v4(&d->peer);
    d->local = a->bound;
    a->cur_seg = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c))
        read_cmsg(c, d, &a->cur_seg);
    unmap_v4(&d->local);
    set_port(&d->local, a->port);
    d->has_local = true;
    a->cur_len = a->msgs[i].msg_len;
    if (h->msg_flags & MSG_TRUNC) {
        /* With GRO the complete segments before the cut are still good
         * datagrams; without it the one datagram is damaged. */
        rx->truncated++;
        a->cur_len = a->cur_seg ? a->cur_len - a->cur_len % a->cur_seg : 0;
    }
    return a->cur_len > 0;
}

bool h3cli_udp_rx_next(h3cli_udp_rx *rx, h3cli_udp_datagram *out) {
    rx_arrays *a = rx->priv;
    while (rx->cur_msg < rx->n_received) {
        if (rx->cur_off == 0 && !load_message(rx, a, rx->cur_msg)) {
            rx->cur_msg++;
            continue;
        }
        size_t left = a->cur_len - rx->cur_off;
        size_t take = a->cur_seg && a->cur_seg < left ? a->cur_seg : left;
        *out = a->cur;
        out->data = rx->bufs + rx->cur_msg * rx->buf_size + rx->cur_off;
        out->len = take;
        rx->cur_off += take;
        if (rx->cur_off >= a->cur_len) {
            rx->cur_msg++;
            rx->cur_off = 0;
        }
        return true;
    }
    return false;
}

/* One message being built for sendmmsg, and where it came from. */
typedef struct tx_slot {
    struct iovec iov;
    struct sockaddr_storage name;
    control_buf control;
    size_t record, offset, bytes; /* record index, offset in it, length */
    bool gso;
} tx_slot;

static struct cmsghdr *add_cmsg(struct msghdr *h, struct cmsghdr *prev,
                                int level, int type, const void *data,
                                size_t len) {
    h->msg_controllen += CMSG_SPACE(len);
    struct cmsghdr *c = prev ? CMSG_NXTHDR(h, prev) : CMSG_FIRSTHDR(h);
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(len);
    memcpy(CMSG_DATA(c), data, len);
    return c;
}

/* Adds the source-address control message for |d| (IP_PKTINFO, or
 * IPV6_PKTINFO carrying a mapped address on a dual-stack socket). */
static struct cmsghdr *add_local(const h3cli_udp_socket *s, struct msghdr *h,
                                 struct cmsghdr *c,
                                 const h3cli_udp_datagram *d) {
    struct sockaddr_in6 l6;
    const struct sockaddr_in *l4 = (const struct sockaddr_in *)&d->local;
    if (s->family == AF_INET && d->local.ss_family == AF_INET) {
        struct in_pktinfo pi = {.ipi_ifindex = (int)d->local_ifindex,
                                .ipi_spec_dst = l4->sin_addr};
        return add_cmsg(h, c, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
    }
    if (s->family != AF_INET6)
        return c;
    if (d->local.ss_family == AF_INET)
        map_v4(l4, &l6);
    else
        memcpy(&l6, &d->local, sizeof(l6));
    struct in6_pktinfo pi = {.ipi6_addr = l6.sin6_addr,
                             .ipi6_ifindex = d->local_ifindex};
    return add_cmsg(h, c, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
}

/* Fills the address and control data of |m| for record |d|. Returns 0 or
 * -EAFNOSUPPORT for a peer the socket cannot reach. */
static int build_header(const h3cli_udp_socket *s, const h3cli_udp_datagram *d,
                        tx_slot *t, struct msghdr *h) {
    const struct sockaddr_in *p4 = (const struct sockaddr_in *)&d->peer;
    socklen_t namelen = sizeof(struct sockaddr_in6);
    bool v4_peer = d->peer.ss_family == AF_INET;
    if (s->family == AF_INET6 && v4_peer) {
        map_v4(p4, (struct sockaddr_in6 *)&t->name);
    } else if (d->peer.ss_family == s->family) {
        memcpy(&t->name, &d->peer, sizeof(t->name));
        if (v4_peer)
            namelen = sizeof(struct sockaddr_in);
    } else {
        return -EAFNOSUPPORT;
    }
    *h = (struct msghdr){.msg_name = &t->name,
                         .msg_namelen = namelen,
                         .msg_iov = &t->iov,
                         .msg_iovlen = 1,
                         .msg_control = t->control.bytes};
    memset(&t->control, 0, sizeof(t->control));
    struct cmsghdr *c = NULL;
    if (d->ecn) {
        int tos = d->ecn & 3;
        /* IPv4 packets take IP_TOS even on an AF_INET6 socket. */
        c = v4_peer
                ? add_cmsg(h, c, IPPROTO_IP, IP_TOS, &tos, sizeof(tos))
                : add_cmsg(h, c, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
    }
    if (d->has_local)
        c = add_local(s, h, c, d);
    if (t->gso) {
        uint16_t seg = (uint16_t)d->segment_size;
        add_cmsg(h, c, IPPROTO_UDP, UDP_SEGMENT, &seg, sizeof(seg));
    }
    if (h->msg_controllen == 0)
        h->msg_control = NULL;
    return 0;
}

/* Bytes of record |d| from |offset| that the next message carries, and
 * whether it goes as one GSO message. */
static size_t next_chunk(const h3cli_udp_socket *s, const h3cli_udp_datagram *d,
                         size_t offset, bool *gso) {
    size_t left = d->len - offset, seg = d->segment_size;
    *gso = false;
    if (seg == 0 || left <= seg)
        return left;
    if (!s->gso || seg > H3CLI_UDP_MAX_GSO_BYTES)
        return seg;
    size_t per_msg = H3CLI_UDP_MAX_GSO_BYTES / seg;
    if (per_msg > H3CLI_UDP_MAX_GSO_SEGMENTS)
        per_msg = H3CLI_UDP_MAX_GSO_SEGMENTS;
    size_t chunk = per_msg * seg < left ? per_msg * seg : left;
    *gso = chunk > seg;
    return chunk;
}

/* Builds up to SEND_BATCH messages from (*rec, *off) onwards. Returns the
 * number built, or a negative errno when the first record is unusable. */
static int build_batch(const h3cli_udp_socket *s, const h3cli_udp_datagram *d,
                       size_t n, size_t *rec, size_t *off, tx_slot *slots,
                       struct mmsghdr *msgs) {
    int built = 0;
    while (*rec < n && built < SEND_BATCH) {
        tx_slot *t = &slots[built];
        const h3cli_udp_datagram *r = &d[*rec];
        t->record = *rec;
        t->offset = *off;
        t->bytes = next_chunk(s, r, *off, &t->gso);
        t->iov = (struct iovec){r->data + *off, t->bytes};
        int rc = build_header(s, r, t, &msgs[built].msg_hdr);
        if (rc != 0)
            return built > 0 ? built : rc;
        built++;
        *off += t->bytes;
        if (*off >= r->len) {
            (*rec)++;
            *off = 0;
        }
    }
    return built;
}

/* Advances record |i| past what already left and returns |i|. */
static int stop_at(h3cli_udp_datagram *d, size_t i, size_t offset) {
    d[i].data += offset;
    d[i].len -= offset;
    return (int)i;
}

int h3cli_udp_send(h3cli_udp_socket *s, h3cli_udp_datagram *d, size_t n) {
    tx_slot slots[SEND_BATCH];
    struct mmsghdr msgs[SEND_BATCH];
    size_t rec = 0, off = 0;
    bool any_sent = false;
    while (rec < n) {
        size_t start_rec = rec, start_off = off;
        int built = build_batch(s, d, n, &rec, &off, slots, msgs);
        if (built < 0)
            return any_sent ? stop_at(d, start_rec, start_off) : built;
        int sent;
        do
            sent = sendmmsg(s->fd, msgs, (unsigned)built, 0);
        while (sent < 0 && errno == EINTR);
        if (sent < 0 && slots[0].gso && (errno == EIO || errno == EINVAL)) {
            /* No GSO on this path (e.g. a device without checksum
             * offload): send segments one by one from now on. */
            s->gso = false;
            rec = start_rec;
            off = start_off;
            continue;
        }
        if (sent < 0 && !any_sent)
            return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if (sent < 0)
            return stop_at(d, start_rec, start_off);
        any_sent = true;
        if (sent < built)
            return stop_at(d, slots[sent].record, slots[sent].offset);
    }
    return (int)n;
}

/* cmd/udp.h — non-blocking UDP sockets for the I/O driver: batched receive
 * (recvmmsg, GRO) and send (sendmmsg, GSO), ECN and local-address control
 * messages, IPv4 and IPv6; no event loop and no QUIC knowledge. */
#ifndef H3CLI_CMD_UDP_H
#define H3CLI_CMD_UDP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Errors are negative errno values (-EAGAIN, -EADDRINUSE, ...); see
 * h3cli_udp_strerror. */

/* Flags for h3cli_udp_open. */
#define H3CLI_UDP_REUSEPORT 0x1u /* SO_REUSEPORT, for serve --workers */
#define H3CLI_UDP_V6ONLY 0x2u    /* an AF_INET6 socket refuses IPv4 */
#define H3CLI_UDP_NO_GSO 0x4u    /* never use UDP_SEGMENT */
#define H3CLI_UDP_NO_GRO 0x8u    /* do not ask for UDP_GRO */

/* ECN codepoints (RFC 3168 §5), the low two bits of TOS / Traffic Class. */
#define H3CLI_ECN_NOT_ECT 0
#define H3CLI_ECN_ECT1 1
#define H3CLI_ECN_ECT0 2
#define H3CLI_ECN_CE 3

/* The most segments one GSO send carries; longer records are cut into
 * several GSO messages (the kernel's UDP_MAX_SEGMENTS is at least 64). */
#define H3CLI_UDP_MAX_GSO_SEGMENTS 64
/* The most bytes one GSO message carries (an IPv4 datagram's payload is at
 * most 65507 bytes). */
#define H3CLI_UDP_MAX_GSO_BYTES 65000

/* An open socket. All fields are read-only for the caller except |gso|,
 * which a test (or a caller that sees trouble) may clear. */
typedef struct h3cli_udp_socket {
    int fd;                        /* non-blocking, close-on-exec */
    int family;                    /* AF_INET or AF_INET6 */
    struct sockaddr_storage local; /* bound address, port filled in */
    uint16_t port;                 /* bound port, host order */
    bool gso;                      /* sends use UDP_SEGMENT */
    bool gro;                      /* UDP_GRO is on: records may coalesce */
} h3cli_udp_socket;

/* One datagram (or, with segment_size, a run of same-size datagrams).
 * Addresses are in their natural family: IPv4 peers of a dual-stack socket
 * appear as AF_INET, never as ::ffff:a.b.c.d, and are mapped back on send. */
typedef struct h3cli_udp_datagram {
    uint8_t *data;
    size_t len;
    struct sockaddr_storage peer;
    /* The local address the datagram was sent to (receive; port = bound
     * port), or the source to send from (send, only when has_local). */
    struct sockaddr_storage local;
    unsigned local_ifindex; /* interface of |local|; 0 = any */
    bool has_local;
    uint8_t ecn; /* H3CLI_ECN_*: codepoint received / to send */
    /* Send: > 0 sends data as ceil(len / segment_size) datagrams of that
     * size (the last may be shorter) with GSO or, without it, one by one.
     * Receive: always 0 (h3cli_udp_rx_next splits GRO batches). */
    size_t segment_size;
} h3cli_udp_datagram;

/* Opens a UDP socket bound to |addr| (port 0 = ephemeral) with the family
 * of |addr|, non-blocking, with DF set (RFC 9000 §14: no IP fragmentation),
 * ECN and packet-info reception on, GSO probed and GRO enabled unless the
 * flags say otherwise, and 4 MB socket buffers where the kernel allows.
 * Returns 0 or a negative errno (-EAFNOSUPPORT, -EADDRINUSE,
 * -EADDRNOTAVAIL, -EACCES, -EMFILE, ...); on error |s| holds fd -1. */
int h3cli_udp_open(h3cli_udp_socket *s, const struct sockaddr *addr,
                   socklen_t addrlen, unsigned flags);

/* Closes the socket; safe on a closed one (fd -1). */
void h3cli_udp_close(h3cli_udp_socket *s);

/* Receive state: buffers and headers for one recvmmsg batch, and the
 * position of h3cli_udp_rx_next in it. Embeddable; init/cleanup. */
typedef struct h3cli_udp_rx {
    uint8_t *bufs; /* n_msgs * buf_size bytes */
    size_t buf_size;
    size_t n_msgs;
    void *priv; /* mmsghdr, iovec, address and control arrays */
    size_t n_received, cur_msg, cur_off;
    uint64_t truncated; /* datagrams dropped because a buffer was short */
} h3cli_udp_rx;

/* Allocates room for |n_msgs| messages of |buf_size| bytes each (use 65535
 * with GRO, which coalesces up to 64 KB). Returns 0 or -ENOMEM/-EINVAL. */
int h3cli_udp_rx_init(h3cli_udp_rx *rx, size_t n_msgs, size_t buf_size);
void h3cli_udp_rx_cleanup(h3cli_udp_rx *rx);

/* Receives one batch with recvmmsg into |rx|, discarding whatever of the
 * previous batch was not yet taken. Returns the number of messages (> 0),
 * -EAGAIN when none is waiting, or another negative errno (-ECONNREFUSED
 * after an ICMP port unreachable on a connected path, ...). */
int h3cli_udp_recv(h3cli_udp_socket *s, h3cli_udp_rx *rx);

/* Takes the next datagram of the current batch into |out|, splitting GRO
 * messages at their segment size; out->data points into rx's buffers and
 * stays valid until the next h3cli_udp_recv (callers may modify it, e.g.
 * decrypt in place). Returns true, or false when the batch is used up. */
bool h3cli_udp_rx_next(h3cli_udp_rx *rx, h3cli_udp_datagram *out);

/* Sends records d[0..n) with sendmmsg (and UDP_SEGMENT for records with a
 * segment_size when s->gso). Returns how many records were sent completely
 * (n when all went). When the socket is full the count is short: the record
 * at the returned index may have been partly sent, and its data/len were
 * advanced past the datagrams that left, so the caller resends d[rc..n)
 * when the socket is writable. If the kernel rejects GSO (EIO, EINVAL) the
 * socket falls back to one datagram per message for good. Returns a
 * negative errno only if nothing at all could be sent (-EAGAIN when the
 * socket buffer is full, -EMSGSIZE, -ENETUNREACH, -EINVAL for a record with
 * a peer of the wrong family, ...). */
int h3cli_udp_send(h3cli_udp_socket *s, h3cli_udp_datagram *d, size_t n);

/* A message for a negative errno from this module ("Address already in
 * use"); never NULL. */
const char *h3cli_udp_strerror(int err);

#endif

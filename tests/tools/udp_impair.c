/* tests/tools/udp_impair.c — the UDP impairment proxy of the loss and interop
 * tests (build/udp_impair): it stands between a QUIC client and server on
 * loopback (or inside a test network namespace) and drops, delays, reorders
 * and duplicates datagrams in both directions, decided by a seeded PRNG so a
 * failing run can be repeated. It is not a network emulator: no bandwidth
 * model, no burst losses, and it forwards only to the one upstream given.
 *
 *   udp_impair --listen ADDR:PORT --upstream ADDR:PORT [options]
 *     --loss PCT           drop each datagram with this probability (0..100)
 *     --delay MS           delay every datagram by MS milliseconds
 *     --jitter MS          add a uniform random delay in [0, MS]
 *     --reorder PCT        hold this share of datagrams back by an extra
 *     --reorder-delay MS   MS milliseconds (default 10), so later ones pass
 *     --dup PCT            send this share of datagrams twice
 *     --seed N             PRNG seed (default: from the clock and the PID)
 *     --lifetime SEC       exit after SEC seconds (default 120)
 *
 * ADDR is numeric: 127.0.0.1 or [::1]. A listen port of 0 picks a free port.
 * Each client address gets its own socket towards the upstream, so the server
 * sees a migrating client as a new address too. The first line on stdout is
 *   udp_impair: listening ADDR:PORT -> ADDR:PORT seed=N loss=... (settings)
 * with the bound port; on exit (SIGINT, SIGTERM or --lifetime) one line
 *   udp_impair: stats c2s=N s2c=N lost_c2s=N lost_s2c=N reordered=N ...
 * Exit 0 after a run, 2 on a usage or socket error (message on stderr). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
    MAX_CLIENTS = 64,
    DGRAM_MAX = 65536,
    DRAIN_BURST = 256,          /* datagrams read per wake-up and socket */
    SOCK_BUF = 4 * 1024 * 1024, /* asked for; loopback bursts are large */
};
/* Held datagrams are bounded in count and bytes: past either, new ones that
 * would be held are dropped and counted as "overflow". */
#define HELD_MAX_COUNT 65536u
#define HELD_MAX_BYTES (64u * 1024u * 1024u)
#define NS_PER_MS 1000000.0

enum direction { C2S, S2C };

typedef struct {
    struct sockaddr_storage addr; /* the client's address */
    socklen_t addr_len;
    int fd; /* connected to the upstream; -1 when the slot is free */
    uint64_t generation; /* changes each time the slot gets a new client */
    uint64_t last_active_ns;
} client;

/* Where a datagram goes: a connected upstream socket of client slot |slot|
 * (valid while that slot's generation is |generation|), or the front socket
 * towards |dst| (slot -1). */
typedef struct {
    int fd;
    int slot;
    uint64_t generation;
    const struct sockaddr_storage *dst;
    socklen_t dst_len;
} route;

typedef struct {
    uint64_t due_ns;
    uint64_t order; /* arrival order: equal due times stay FIFO */
    int fd;
    int slot;
    uint64_t generation;
    struct sockaddr_storage dst; /* unused (dst_len 0) on connected sockets */
    socklen_t dst_len;
    size_t len;
    uint8_t data[]; /* the datagram */
} held;

typedef struct {
    double loss, reorder, dup; /* probabilities, 0..1 */
    uint64_t delay_ns, jitter_ns, reorder_delay_ns;
    uint64_t seed;
    double lifetime_s;
} settings;

typedef struct {
    uint64_t rx[2], lost[2], reordered, duplicated, overflow, send_errors;
    uint64_t stale; /* held for a client whose slot was given to another */
    uint64_t clients;
} counters;

typedef struct {
    settings set;
    uint64_t rng;
    int front_fd;
    struct sockaddr_storage upstream;
    socklen_t upstream_len;
    client clients[MAX_CLIENTS];
    held **heap;
    size_t heap_len;
    size_t held_bytes;
    uint64_t next_order;
    counters n;
} proxy;

static volatile sig_atomic_t stop_signal;

__attribute__((format(printf, 1, 2), noreturn)) static void die(const char *fmt,
                                                                ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "udp_impair: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

static void on_signal(int sig) {
    stop_signal = sig;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* splitmix64: small, fast and well mixed; enough for test decisions. */
static uint64_t rng_next(proxy *p) {
    uint64_t z = (p->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static double rng_uniform(proxy *p) { /* [0, 1) */
    return (double)(rng_next(p) >> 11) * 0x1.0p-53;
}

static bool rng_chance(proxy *p, double probability) {
    return probability > 0 && rng_uniform(p) < probability;
}

/* ---- command line ---- */

static double parse_number(const char *s, double min, double max,
                           const char *what) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v || v < min || v > max)
        die("%s: \"%s\" is not a number in [%g, %g]", what, s, min, max);
    return v;
}

/* "127.0.0.1:4433" or "[::1]:4433", numeric only. */
static void parse_addr(const char *s, struct sockaddr_storage *ss,
                       socklen_t *len) {
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= sizeof host)
        die("\"%s\" is not ADDR:PORT", s);
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *h = host;
    size_t hl = strlen(h);
    if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_DGRAM,
                             .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
    struct addrinfo *ai = NULL;
    if (getaddrinfo(h, colon + 1, &hints, &ai) != 0 || !ai)
        die("\"%s\" is not a numeric ADDR:PORT", s);
    memcpy(ss, ai->ai_addr, ai->ai_addrlen);
    *len = ai->ai_addrlen;
    freeaddrinfo(ai);
}

static void format_addr(const struct sockaddr_storage *ss, char *out,
                        size_t out_len) {
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(out, out_len, "[%s]:%u", host, port);
        return;
    }
    const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
    inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    port = ntohs(a->sin_port);
    snprintf(out, out_len, "%s:%u", host, port);
}

static void usage(void) {
    fprintf(stderr,
            "usage: udp_impair --listen ADDR:PORT --upstream ADDR:PORT\n"
            "         [--loss PCT] [--delay MS] [--jitter MS] [--reorder PCT]"
            " [--reorder-delay MS]\n"
            "         [--dup PCT] [--seed N] [--lifetime SEC]\n");
    exit(2);
}

static uint64_t ms_to_ns(const char *s, const char *what) {
    return (uint64_t)(parse_number(s, 0, 60000, what) * NS_PER_MS);
}

static uint64_t parse_seed(const char *s) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || s[0] == '-')
        die("--seed: \"%s\" is not an unsigned integer", s);
    return (uint64_t)v;
}

static void apply_option(proxy *p, const char *name, const char *val,
                         const char **listen) {
    settings *s = &p->set;
    if (!strcmp(name, "--listen"))
        *listen = val;
    else if (!strcmp(name, "--upstream"))
        parse_addr(val, &p->upstream, &p->upstream_len);
    else if (!strcmp(name, "--loss"))
        s->loss = parse_number(val, 0, 100, name) / 100;
    else if (!strcmp(name, "--reorder"))
        s->reorder = parse_number(val, 0, 100, name) / 100;
    else if (!strcmp(name, "--dup"))
        s->dup = parse_number(val, 0, 100, name) / 100;
    else if (!strcmp(name, "--delay"))
        s->delay_ns = ms_to_ns(val, name);
    else if (!strcmp(name, "--jitter"))
        s->jitter_ns = ms_to_ns(val, name);
    else if (!strcmp(name, "--reorder-delay"))
        s->reorder_delay_ns = ms_to_ns(val, name);
    else if (!strcmp(name, "--seed"))
        s->seed = parse_seed(val);
    else if (!strcmp(name, "--lifetime"))
        s->lifetime_s = parse_number(val, 0.001, 86400, name);
    else
        usage();
}

static const char *parse_args(proxy *p, int argc, char **argv) {
    const char *listen = NULL;
    p->set.reorder_delay_ns = (uint64_t)(10 * NS_PER_MS);
    p->set.lifetime_s = 120;
    p->set.seed = now_ns() ^ ((uint64_t)getpid() << 32);
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc || strncmp(argv[i], "--", 2) != 0)
            usage();
        apply_option(p, argv[i], argv[i + 1], &listen);
    }
    if (!listen || p->upstream_len == 0)
        usage();
    p->rng = p->set.seed;
    return listen;
}

/* ---- sockets ---- */

static void grow_buffers(int fd) {
    int size = SOCK_BUF;
    /* FORCE variants pass rmem_max/wmem_max as root; the plain ones are the
     * fallback. A small buffer only adds loss, so failure is not an error. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static int open_front(const char *listen, struct sockaddr_storage *bound) {
    socklen_t len;
    parse_addr(listen, bound, &len);
    int fd = socket(bound->ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        die("socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)bound, len) != 0)
        die("cannot bind %s: %s", listen, strerror(errno));
    len = sizeof *bound;
    if (getsockname(fd, (struct sockaddr *)bound, &len) != 0)
        die("getsockname: %s", strerror(errno));
    grow_buffers(fd);
    return fd;
}

static int open_upstream(const proxy *p) {
    int fd = socket(p->upstream.ss_family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)&p->upstream, p->upstream_len)) {
        close(fd);
        return -1;
    }
    grow_buffers(fd);
    return fd;
}

/* The slot for a client address: its own, else a free one, else the one
 * idle longest (its socket is closed: that client looks gone). */
static client *client_for(proxy *p, const struct sockaddr_storage *from,
                          socklen_t from_len, uint64_t now) {
    client *free_slot = NULL, *oldest = &p->clients[0];
    for (size_t i = 0; i < MAX_CLIENTS; i++) {
        client *c = &p->clients[i];
        if (c->fd < 0) {
            if (!free_slot)
                free_slot = c;
            continue;
        }
        if (c->addr_len == from_len && !memcmp(&c->addr, from, from_len)) {
            c->last_active_ns = now;
            return c;
        }
        if (c->last_active_ns < oldest->last_active_ns)
            oldest = c;
    }
    client *c = free_slot ? free_slot : oldest;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = open_upstream(p);
    if (c->fd < 0)
        return NULL;
    memcpy(&c->addr, from, from_len);
    c->addr_len = from_len;
    c->last_active_ns = now;
    c->generation = ++p->n.clients;
    return c;
}

static void send_now(proxy *p, int fd, const struct sockaddr_storage *dst,
                     socklen_t dst_len, const uint8_t *data, size_t len) {
    ssize_t r = dst_len ? sendto(fd, data, len, 0, (const struct sockaddr *)dst,
                                 dst_len)
                        : send(fd, data, len, 0);
    if (r < 0)
        p->n.send_errors++; /* full buffer, or upstream not listening yet */
}

/* ---- the held-datagram heap, ordered by (due_ns, order) ---- */

static bool held_before(const held *a, const held *b) {
    return a->due_ns != b->due_ns ? a->due_ns < b->due_ns : a->order < b->order;
}

static void heap_push(proxy *p, held *h) {
    size_t i = p->heap_len++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!held_before(h, p->heap[parent]))
            break;
        p->heap[i] = p->heap[parent];
        i = parent;
    }
    p->heap[i] = h;
}

static held *heap_pop(proxy *p) {
    held *top = p->heap[0];
    held *last = p->heap[--p->heap_len];
    size_t i = 0, n = p->heap_len;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && held_before(p->heap[child + 1], p->heap[child]))
            child++;
        if (!held_before(p->heap[child], last))
            break;
        p->heap[i] = p->heap[child];
        i = child;
    }
    if (n > 0)
        p->heap[i] = last;
    return top;
}

static void hold(proxy *p, uint64_t due, const route *to, const uint8_t *data,
                 size_t len) {
    if (p->heap_len >= HELD_MAX_COUNT || p->held_bytes + len > HELD_MAX_BYTES) {
        p->n.overflow++;
        return;
    }
    held *h = malloc(sizeof *h + len);
    if (!h) {
        p->n.overflow++;
        return;
    }
    h->due_ns = due;
    h->order = p->next_order++;
    h->fd = to->fd;
    h->slot = to->slot;
    h->generation = to->generation;
    h->dst_len = to->dst_len;
    if (to->dst_len)
        memcpy(&h->dst, to->dst, to->dst_len);
    h->len = len;
    memcpy(h->data, data, len);
    p->held_bytes += len;
    heap_push(p, h);
}

/* Sends every held datagram that is due; drops those whose client slot was
 * given to another client meanwhile (the socket is gone or not theirs). */
static void release_due(proxy *p, uint64_t now) {
    while (p->heap_len > 0 && p->heap[0]->due_ns <= now) {
        held *h = heap_pop(p);
        if (h->slot >= 0 && p->clients[h->slot].generation != h->generation)
            p->n.stale++;
        else
            send_now(p, h->fd, &h->dst, h->dst_len, h->data, h->len);
        p->held_bytes -= h->len;
        free(h);
    }
}

/* The fate of one datagram: lost, or sent once or twice, each copy now or
 * after its delay (plus the reordering hold for a share of them). */
static void impair(proxy *p, enum direction dir, const route *to,
                   const uint8_t *data, size_t len, uint64_t now) {
    const settings *s = &p->set;
    p->n.rx[dir]++;
    if (rng_chance(p, s->loss)) {
        p->n.lost[dir]++;
        return;
    }
    int copies = 1;
    if (rng_chance(p, s->dup)) {
        copies = 2;
        p->n.duplicated++;
    }
    for (int i = 0; i < copies; i++) {
        uint64_t delay = s->delay_ns;
        if (s->jitter_ns)
            delay += (uint64_t)(rng_uniform(p) * (double)s->jitter_ns);
        if (rng_chance(p, s->reorder)) {
            delay += s->reorder_delay_ns;
            p->n.reordered++;
        }
        if (delay == 0)
            send_now(p, to->fd, to->dst, to->dst_len, data, len);
        else
            hold(p, now + delay, to, data, len);
    }
}

/* ---- the loop ---- */

static void drain_front(proxy *p, uint8_t *buf) {
    for (int i = 0; i < DRAIN_BURST; i++) {
        struct sockaddr_storage from;
        socklen_t from_len = sizeof from;
        ssize_t r = recvfrom(p->front_fd, buf, DGRAM_MAX, 0,
                             (struct sockaddr *)&from, &from_len);
        if (r < 0)
            return;
        uint64_t now = now_ns();
        client *c = client_for(p, &from, from_len, now);
        if (!c) {
            p->n.send_errors++;
            continue;
        }
        route to = {.fd = c->fd,
                    .slot = (int)(c - p->clients),
                    .generation = c->generation};
        impair(p, C2S, &to, buf, (size_t)r, now);
    }
}

static void drain_client(proxy *p, client *c, uint8_t *buf) {
    for (int i = 0; i < DRAIN_BURST; i++) {
        ssize_t r = recv(c->fd, buf, DGRAM_MAX, 0);
        if (r < 0)
            return; /* EAGAIN, or ECONNREFUSED while the server is down */
        uint64_t now = now_ns();
        c->last_active_ns = now;
        route to = {.fd = p->front_fd,
                    .slot = -1,
                    .dst = &c->addr,
                    .dst_len = c->addr_len};
        impair(p, S2C, &to, buf, (size_t)r, now);
    }
}

/* poll(2) timeout in ms until the next due datagram or the end, rounded up
 * so the loop never spins waking a little too early. */
static int wait_ms(const proxy *p, uint64_t now, uint64_t end) {
    uint64_t until = end;
    if (p->heap_len > 0 && p->heap[0]->due_ns < until)
        until = p->heap[0]->due_ns;
    if (until <= now)
        return 0;
    uint64_t ms = (until - now + 999999u) / 1000000u;
    return ms > 1000 ? 1000 : (int)ms;
}

static void run(proxy *p) {
    static uint8_t buf[DGRAM_MAX];
    uint64_t end = now_ns() + (uint64_t)(p->set.lifetime_s * 1e9);
    struct pollfd fds[1 + MAX_CLIENTS];
    client *owner[1 + MAX_CLIENTS];
    while (!stop_signal) {
        uint64_t now = now_ns();
        if (now >= end)
            break;
        release_due(p, now);
        nfds_t n = 0;
        fds[n].fd = p->front_fd;
        fds[n].events = POLLIN;
        owner[n++] = NULL;
        for (size_t i = 0; i < MAX_CLIENTS; i++) {
            if (p->clients[i].fd < 0)
                continue;
            fds[n].fd = p->clients[i].fd;
            fds[n].events = POLLIN;
            owner[n++] = &p->clients[i];
        }
        if (poll(fds, n, wait_ms(p, now, end)) <= 0)
            continue; /* timeout or EINTR: release_due/stop checks run */
        for (nfds_t i = 0; i < n; i++) {
            if (!(fds[i].revents & (POLLIN | POLLERR)))
                continue;
            if (owner[i])
                drain_client(p, owner[i], buf);
            else
                drain_front(p, buf);
        }
    }
}

static void print_start(const proxy *p, const struct sockaddr_storage *bound) {
    char from[80], to[80];
    format_addr(bound, from, sizeof from);
    format_addr(&p->upstream, to, sizeof to);
    const settings *s = &p->set;
    printf("udp_impair: listening %s -> %s seed=%" PRIu64
           " loss=%g%% delay=%gms jitter=%gms reorder=%g%% reorder_delay=%gms"
           " dup=%g%% lifetime=%gs\n",
           from, to, s->seed, s->loss * 100, (double)s->delay_ns / NS_PER_MS,
           (double)s->jitter_ns / NS_PER_MS, s->reorder * 100,
           (double)s->reorder_delay_ns / NS_PER_MS, s->dup * 100,
           s->lifetime_s);
    fflush(stdout);
}

static void print_stats(const proxy *p) {
    const counters *n = &p->n;
    printf("udp_impair: stats c2s=%" PRIu64 " s2c=%" PRIu64 " lost_c2s=%" PRIu64
           " lost_s2c=%" PRIu64 " reordered=%" PRIu64 " duplicated=%" PRIu64
           " overflow=%" PRIu64 " stale=%" PRIu64 " send_errors=%" PRIu64
           " clients=%" PRIu64 " seed=%" PRIu64 "\n",
           n->rx[C2S], n->rx[S2C], n->lost[C2S], n->lost[S2C], n->reordered,
           n->duplicated, n->overflow, n->stale, n->send_errors, n->clients,
           p->set.seed);
    fflush(stdout);
}

int main(int argc, char **argv) {
    static proxy p;
    const char *listen = parse_args(&p, argc, argv);
    for (size_t i = 0; i < MAX_CLIENTS; i++)
        p.clients[i].fd = -1;
    p.heap = malloc(HELD_MAX_COUNT * sizeof *p.heap);
    if (!p.heap)
        die("out of memory");
    struct sockaddr_storage bound;
    p.front_fd = open_front(listen, &bound);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    print_start(&p, &bound);
    run(&p);
    print_stats(&p);
    while (p.heap_len > 0)
        free(heap_pop(&p));
    free(p.heap);
    for (size_t i = 0; i < MAX_CLIENTS; i++)
        if (p.clients[i].fd >= 0)
            close(p.clients[i].fd);
    close(p.front_fd);
    return 0;
}

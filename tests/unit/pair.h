/* tests/unit/pair.h — a client and a server quic_conn wired together in
 * memory: a virtual clock and one simulated link per direction
 * (support/netsim.h), everything decided by one seed that failing tests
 * print. Events are handed to a test callback; received stream bytes are
 * also collected per stream so transfers can be compared byte for byte. */
#ifndef H3CLI_TESTS_PAIR_H
#define H3CLI_TESTS_PAIR_H

#include "core/quic.h"
#include "support/netsim.h"

#define PAIR_MAX_STREAMS 256

typedef struct pair pair;

/* Bytes one side received on one stream, and how the stream ended. */
typedef struct pair_stream {
    uint64_t stream_id;
    uint8_t *data;
    size_t len, cap;
    bool fin;
    bool reset;
    uint64_t reset_code;
} pair_stream;

typedef struct pair_side {
    quic_conn *conn;
    quic_config cfg;
    quic_addr addr;
    pair_stream streams[PAIR_MAX_STREAMS];
    size_t n_streams;
    bool handshake_completed;
    bool terminated;
    quic_event terminated_event; /* copy; reason_phrase not kept */
    uint64_t datagrams_sent, bytes_sent;
    uint64_t pings_acked;
    /* While set, the side's events are not drained: its application does
     * not read, so received stream data stays unconsumed (flow control). */
    bool paused;
} pair_side;

/* Called for every event of either side, before the pair records it. */
typedef void (*pair_event_fn)(pair *p, bool is_client, const quic_event *ev,
                              void *arg);
/* Called for every datagram a side sends, before the link sees it; may
 * change it in place (and its length, up to |cap|), or return false to drop
 * it. */
typedef bool (*pair_tamper_fn)(pair *p, bool from_client, uint8_t *data,
                               size_t *len, size_t cap, void *arg);

/* Called for every datagram a side sends that |tamper| kept, with the
 * address the engine gave it (quic_datagram.peer); return false to drop it
 * (e.g. sent to an address nobody holds any more). */
typedef bool (*pair_route_fn)(pair *p, bool from_client, const quic_addr *to,
                              const uint8_t *data, size_t len, void *arg);
/* Called for every datagram as it is delivered: the source address the
 * receiver is told, or NULL for the sender's current pair_side.addr. */
typedef const quic_addr *(*pair_source_fn)(pair *p, bool to_client,
                                           const uint8_t *data, size_t len,
                                           void *arg);

struct pair {
    uint64_t seed;
    test_rng rng;
    quic_time now;
    pair_side client, server;
    netsim_link c2s, s2c;
    pair_event_fn on_event;
    pair_tamper_fn tamper;
    void *arg;
    uint64_t steps;
    /* Set before pair_start: the server side demands address validation
     * with a Retry before it creates its connection. */
    bool retry;
    bool retry_forgotten; /* the server is created as if no Retry was sent */
    quic_cid retry_odcid, retry_scid;
    unsigned retries_sent;
    /* Optional address hooks for migration tests (NULL: every datagram
     * reaches the other side, from the sender's pair_side.addr). */
    pair_route_fn route;
    pair_source_fn source;
};

/* Default configs for the test certificates (tests/certs) and ALPN "h3";
 * tests adjust them before pair_start. */
void pair_default_configs(quic_config *client, quic_config *server);

/* Sets up a pair with |seed| (overridden by env PAIR_SEED) and links; the
 * configs are taken from pair_default_configs unless given. */
void pair_init(pair *p, uint64_t seed, const netsim_config *c2s,
               const netsim_config *s2c);

/* Creates both connections from p->client.cfg / p->server.cfg and starts
 * the client's handshake. Returns 0 or a QUIC_ERR_*. */
int pair_start(pair *p);

/* Advances virtual time, delivering datagrams and firing timers, until
 * |done|(p, arg) is true (returns true), or |max_time| of virtual time has
 * passed or the step budget is used (returns false). */
bool pair_run(pair *p, bool (*done)(pair *p, void *arg), void *arg,
              quic_time max_time);

/* Conditions for pair_run. */
bool pair_handshake_done(pair *p, void *arg);  /* both sides completed */
bool pair_both_terminated(pair *p, void *arg); /* both sides terminated */

/* The bytes |side| received on |stream_id| (NULL if none yet). */
pair_stream *pair_stream_get(pair_side *side, uint64_t stream_id);

/* An IPv4 loopback-style address 127.0.0.|host|:|port| for a side's addr. */
void pair_make_addr(quic_addr *a, uint8_t host, uint16_t port);

/* How many seeds a seeded case runs: PAIR_SEEDS from the environment, else
 * |fallback|. */
size_t pair_seed_count(size_t fallback);

/* |len| bytes of a fixed pattern for transfers compared byte for byte
 * (malloc'd: free() it; NULL when out of memory). */
uint8_t *pair_pattern_new(size_t len);

/* The newest session ticket a client handed out, and how many it did: the
 * user of pair_save_ticket, a quic_config.session_ticket_sink. */
typedef struct pair_ticket {
    uint8_t data[4096];
    size_t len;
    int count;
} pair_ticket;
void pair_save_ticket(void *user, const uint8_t *ticket, size_t len);

/* A bulk upload on a started pair: after the handshake the client sends
 * the |len| bytes of |src| (referenced, not copied) on stream 0 with a FIN,
 * and the pair runs until the server has the FIN, a side terminates, or
 * |max_time| passes. |*elapsed| is the virtual time from queueing the data
 * to the end. False when the handshake, the send or the run fell short
 * (the caller checks the bytes and the sides' states). */
bool pair_upload(pair *p, const uint8_t *src, size_t len, quic_time max_time,
                 quic_time *elapsed);

/* Frees everything; prints the seed when |failed|. */
void pair_cleanup(pair *p);

/* Prints "pair seed=0x…" so a failing run can be replayed with PAIR_SEED. */
void pair_print_seed(const pair *p);

#endif

/* cmd/serve.h — the shared state of `h3cli serve`, split over serve.c
 * (options, sockets, signals, workers), serve_conn.c (demultiplexing and
 * one connection's QUIC/HTTP/3 events) and serve_req.c (one request: static
 * files, listings, echo, the access log). Internal to those files. */
#ifndef H3CLI_CMD_SERVE_H
#define H3CLI_CMD_SERVE_H

#include "cmd/demux.h"
#include "cmd/files.h"
#include "cmd/loop.h"
#include "cmd/output_qlog.h"
#include "core/quic.h"
#include "h3/h3.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SERVE_MAX_LISTEN 16

typedef struct serve_opts {
    const char *listen[SERVE_MAX_LISTEN];
    size_t n_listen;
    const char *cert, *key, *dir, *echo_path;
    const char *qlog_dir; /* --qlog-dir or QLOGDIR */
    bool dotfiles, quiet, events, json, retry;
    bool default_listen; /* no --listen: 127.0.0.1 and ::1 */
    long long max_connections, workers;
    double idle_timeout; /* seconds */
} serve_opts;

typedef struct serve_conn serve_conn;
typedef struct serve_req serve_req;
typedef struct serve_chunk serve_chunk;

typedef struct server {
    serve_opts o;
    struct ev_loop *loop;
    h3cli_loop_socket socks[2 * SERVE_MAX_LISTEN];
    size_t n_socks;
    quic_tls_context *tls;
    /* --retry: the token key, from a secret all workers share. */
    quic_token_key *retry_key;
    uint8_t retry_secret[32];
    /* The key of our CIDs' stateless reset tokens, shared by workers. */
    uint8_t reset_key[QUIC_STATELESS_RESET_KEY_LEN];
    FILE *keylog;
    h3cli_demux demux;
    h3cli_files_root root;
    char root_path[4096];
    serve_conn *conns; /* doubly linked */
    size_t n_conns;
    uint64_t next_conn_id;
    size_t short_cid_len;     /* our CIDs' length, for short headers */
    serve_chunk *free_chunks; /* file read buffers ready for reuse */
    size_t n_free_chunks;
    bool shutting_down;
    ev_timer grace, goaway_tick;
    ev_signal sigint, sigterm;
    int exit_code;
} server;

struct serve_conn {
    server *srv;
    serve_conn *prev, *next;
    h3cli_loop_conn lc;
    quic_conn *quic;
    h3_conn *h3;
    uint64_t id; /* 1, 2, ... for --events lines */
    char peer_text[64];
    serve_req *reqs; /* requests with a response in progress */
    /* Streams whose response is all queued but maybe not yet delivered:
     * a graceful shutdown waits for them. */
    uint64_t *draining;
    size_t n_draining, cap_draining;
    bool goaway_final; /* H3_GOAWAY_AUTO sent */
    h3cli_qlog qlog;
};

typedef enum serve_body {
    SERVE_BODY_NONE = 0, /* headers only (HEAD, 304, done) */
    SERVE_BODY_FILE,     /* [offset, offset + remaining) of fd */
    SERVE_BODY_MEMORY,   /* |mem| (a listing or an error page) */
    SERVE_BODY_ECHO,     /* the request body, sent back as it comes */
} serve_body;

struct serve_req {
    serve_conn *conn;
    serve_req *next;
    uint64_t stream_id;
    char method[16];
    char *path; /* as received, for the log */
    int status;
    quic_time start;
    uint64_t body_bytes; /* sent (queued) so far */
    serve_body body;
    int fd;
    uint64_t offset, remaining;
    char *mem;
    size_t mem_len, mem_off;
    bool fin_sent, logged;
};

/* ---- serve_conn.c ---------------------------------------------------------
 */

/* The socket callback: demultiplexes one datagram (existing connection,
 * new connection for an Initial, Version Negotiation, or drop). */
void serve_on_datagram(h3cli_loop_socket *s, h3cli_udp_datagram *d,
                       quic_time now, void *user);

/* Starts the graceful shutdown of every connection (GOAWAY). */
void serve_conns_goaway(server *srv, bool final);
/* Closes every connection now with H3_NO_ERROR. */
void serve_conns_close_all(server *srv);
/* Frees every connection (at exit). */
void serve_conns_free_all(server *srv);

/* ---- serve_req.c ----------------------------------------------------------
 */

/* A request's header section arrived on |stream_id|: answer it. */
void serve_req_start(serve_conn *c, uint64_t stream_id,
                     const h3_header *headers, size_t n, bool ended);
/* Request body bytes (echo); |ended| when the request is complete. */
void serve_req_data(serve_conn *c, uint64_t stream_id, const uint8_t *data,
                    size_t len, bool ended);
/* The stream was reset: drop the response, log it. */
void serve_req_reset(serve_conn *c, uint64_t stream_id, uint64_t code);
/* Queues more file data on every response of |c| while its send buffer
 * has room (called before each flush). */
void serve_req_pump(serve_conn *c);
/* True while a response of |c| is queued but not yet all acknowledged. */
bool serve_conn_draining(serve_conn *c);
/* Frees every request of |c| (connection end). */
void serve_reqs_free(serve_conn *c);
/* Frees the chunk pool. */
void serve_chunks_free(server *srv);

#endif

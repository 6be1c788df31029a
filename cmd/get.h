/* cmd/get.h — the shared state of `h3cli get`, split over get.c (options,
 * URLs, running, exit status), get_request.c (request headers and body
 * from -H/-A/-d), get_conn.c (one QUIC + HTTP/3 connection per origin) and
 * get_xfer.c (one URL: request, response, output, -w, redirects). Internal
 * to those files. */
#ifndef H3CLI_CMD_GET_H
#define H3CLI_CMD_GET_H

#include "cmd/addr.h"
#include "cmd/loop.h"
#include "cmd/output_progress.h"
#include "cmd/output_qlog.h"
#include "cmd/url.h"
#include "cmd/writeout.h"
#include "core/quic.h"
#include "h3/h3.h"

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* curl's exit codes (docs/cmdline-opts/_EXITCODES.md) that get uses. */
enum get_exit {
    GET_OK = 0,
    GET_UNSUPPORTED_PROTOCOL = 1,
    GET_USAGE = 2,
    GET_URL_MALFORMAT = 3,
    GET_COULDNT_RESOLVE_HOST = 6,
    GET_COULDNT_CONNECT = 7,
    GET_WEIRD_SERVER_REPLY = 8,
    GET_HTTP_RETURNED_ERROR = 22,
    GET_WRITE_ERROR = 23,
    GET_READ_ERROR = 26,
    GET_OUT_OF_MEMORY = 27,
    GET_OPERATION_TIMEDOUT = 28,
    GET_SSL_CONNECT_ERROR = 35,
    GET_TOO_MANY_REDIRECTS = 47,
    GET_SEND_ERROR = 55,
    GET_RECV_ERROR = 56,
    GET_PEER_FAILED_VERIFICATION = 60,
    GET_SSL_CACERT_BADFILE = 77,
    GET_SSL_PINNEDPUBKEYNOTMATCH = 90,
    GET_HTTP3 = 95,
    GET_QUIC_CONNECT_ERROR = 96,
};

/* One -o/-O in command-line order; the n-th URL takes the n-th. */
typedef struct get_output_spec {
    const char *file; /* -o FILE; NULL for -O */
} get_output_spec;

typedef struct get_opts {
    get_output_spec outputs[256];
    size_t n_outputs;
    const char *output_dir;
    bool include, head, verbose, silent, show_error, events, json;
    bool fail, fail_with_body, location, insecure, path_as_is;
    char *writeout;           /* loaded -w format */
    const char *headers[256]; /* -H values in order (@file already read) */
    size_t n_headers;
    char *header_files[16]; /* lines read from -H @file, owned */
    size_t n_header_files;
    const char *method;     /* -X */
    const char *user_agent; /* NULL: default; "": none */
    uint8_t *data;          /* -d/--data-binary pieces joined, owned */
    size_t data_len;
    bool has_data;
    long long max_redirs, parallel_max;
    const char *cacert, *pinnedpubkey;
    h3cli_addr_rules rules;
    int family;
    double max_time, connect_timeout; /* seconds, 0 = none */
    quic_cc_algorithm cc;
    uint32_t quic_version;    /* --quic-version */
    const char *session_file; /* --session-file */
    bool early_data;          /* --0rtt */
    bool migrate;             /* --migrate */
    const char *qlog_dir;     /* --qlog-dir or QLOGDIR */
    const char *urls[1024];
    size_t n_urls;
} get_opts;

/* Owned bytes. */
typedef struct get_blob {
    uint8_t *data;
    size_t len;
} get_blob;

typedef struct get_run get_run;
typedef struct get_conn get_conn;
typedef struct get_xfer get_xfer;

typedef enum xfer_state {
    XFER_QUEUED = 0, /* waiting for its connection or a stream */
    XFER_ACTIVE,     /* request sent, response in progress */
    XFER_DONE,
} xfer_state;

struct get_xfer {
    get_run *g;
    size_t index;
    char *url_text; /* the URL being fetched (changes with -L) */
    h3cli_url url;
    get_conn *conn;
    xfer_state state;
    int64_t stream_id;
    int redirects;
    bool as_get; /* -L turned a POST into a GET (301, 302, 303) */
    /* Response. */
    int status;
    bool final_headers; /* a non-1xx header section arrived */
    bool redirecting, failing, discard_body;
    h3cli_header_field *headers;
    size_t n_headers;
    uint64_t size_download, size_header;
    quic_time t_start, t_connect, t_start_transfer, t_total;
    /* Output: the body (and -i headers) go to |out|; for stdout, to a
     * memory stream until every earlier URL's output is written. */
    FILE *out;
    bool out_is_stdout, out_opened, binary_checked;
    char *out_path;
    char *mem;
    size_t mem_len;
    FILE *mem_stream;
    bool flushed; /* its stdout output is all written */
    int exit_code;
    bool quiet_failure; /* the reason was printed otherwise */
    char errmsg[512];
};

struct get_conn {
    get_run *g;
    size_t id;
    char *host;               /* the URL's host: SNI, :authority, certificate */
    uint16_t port;            /* the URL's port */
    const char *connect_host; /* after --connect-to */
    uint16_t connect_port;
    struct sockaddr_storage peer;
    char peer_ip[64], local_ip[64];
    uint16_t peer_port, local_port;
    h3cli_loop_socket sock;
    h3cli_loop_conn lc;
    quic_conn *quic;
    h3_conn *h3;
    bool started, handshake_done, terminated, closing;
    bool goaway; /* the server refused new requests: use another */
    bool early;  /* 0-RTT attempted: requests start before the handshake */
    quic_time t_start, t_handshake;
    ev_timer connect_timer;
    /* --migrate (get_conn.c): tries until the connection moved. */
    ev_timer migrate_timer;
    unsigned migrate_tries;
    bool migrated;
    size_t n_active;
    h3cli_qlog qlog;
};

struct get_run {
    get_opts o;
    struct ev_loop *loop;
    get_xfer *xfers;
    size_t n_xfers;
    get_conn **conns;
    size_t n_conns;
    size_t stdout_cursor; /* first URL whose stdout output is not flushed */
    ev_timer max_timer, progress_timer;
    h3cli_progress progress;
    bool show_progress;
    ev_signal sigint;
    FILE *keylog;
    /* --session-file: what was loaded for |session_origin| ("host:port")
     * and the newest of each a connection to |new_origin| received (saved
     * at exit): the TLS session ticket, the server's HTTP/3 SETTINGS of the
     * connection that gave it (h3_settings_export bytes, for 0-RTT: RFC
     * 9114 §7.2.4.2) and the NEW_TOKEN address token. */
    get_blob session, settings, token, new_session, new_settings, new_token;
    /* Connection |settings_conn| (an id) gave the newest ticket before the
     * server's SETTINGS came: they are kept when they arrive. */
    bool settings_wanted;
    size_t settings_conn;
    char session_origin[300], new_origin[300];
    bool stdout_tty;
    quic_time t_start;
};

/* ---- get_request.c --------------------------------------------------------
 */

/* Adds one -H argument ("@file" reads lines). Returns 0 or an exit code
 * after printing the error. */
int get_add_header_arg(get_opts *o, const char *arg);
/* Adds one -d/--data-binary argument (pieces joined by '&'). */
int get_add_data_arg(get_opts *o, const char *arg, bool binary);
/* Fills |out| (capacity |cap|) with the request's header fields for |x|:
 * pseudo-headers, then user-agent/accept/content-* unless -H replaced or
 * removed them, then the other -H fields, names lowercased into |store|.
 * Returns the count. */
size_t get_build_request(const get_xfer *x, h3_header *out, size_t cap,
                         char *store, size_t store_cap);
/* The method of |x|'s request: -X, else HEAD (-I), POST (-d), GET. */
const char *get_method(const get_xfer *x);
/* True when |x|'s request carries the -d body. */
bool get_has_body(const get_xfer *x);

/* ---- get_conn.c -----------------------------------------------------------
 */

/* The connection for |x|'s origin, made (and started) if none exists.
 * Fails |x| (exit code set) when the origin cannot be reached at all. */
get_conn *get_conn_for(get_run *g, get_xfer *x);
/* Starts queued transfers of |c| while streams are available. */
void get_conn_start_xfers(get_conn *c);
/* Closes |c| once it has no transfer left (H3_NO_ERROR). */
void get_conn_maybe_close(get_conn *c);
void get_conn_free(get_conn *c);
/* -v: "* " line on stderr. */
void get_info(const get_run *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reads --session-file (a missing file is no error). Returns 0 or an exit
 * code after printing the error. */
int get_session_load(get_run *g);
/* Replaces |b| with a copy of |len| bytes; false when out of memory. */
bool get_blob_set(get_blob *b, const uint8_t *data, size_t len);
void get_blob_free(get_blob *b);
/* Writes the newest ticket and token to --session-file. Returns 0 or an
 * exit code. */
int get_session_save(get_run *g);

/* ---- get_xfer.c -----------------------------------------------------------
 */

/* Sends |x|'s request on stream |sid| of its connection. */
void get_xfer_send(get_xfer *x, int64_t sid);
/* HTTP/3 events for |x|'s stream. */
void get_xfer_on_headers(get_xfer *x, const h3_header *h, size_t n, bool ended);
void get_xfer_on_data(get_xfer *x, const uint8_t *data, size_t len, bool ended);
void get_xfer_on_reset(get_xfer *x, uint64_t code, bool local);
/* Ends |x| with |code| and a message (NULL for success). */
void get_xfer_fail(get_xfer *x, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void get_xfer_done(get_xfer *x);
/* Writes out what earlier transfers held back, in URL order. */
void get_flush_stdout(get_run *g);
/* True when every transfer is done. */
bool get_all_done(const get_run *g);
void get_xfer_cleanup(get_xfer *x);

#endif

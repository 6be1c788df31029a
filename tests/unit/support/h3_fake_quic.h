/* tests/unit/support/h3_fake_quic.h — a fake quic_conn for HTTP/3 tests
 * (aioquic's FakeQuicConnection): it records what h3 sends per stream,
 * enforces the public quic.h rules h3 relies on (stream ownership and
 * limits, FIN and reset states, DATAGRAM support), and turns one side's
 * output into the QUIC events the other side would see, so two h3
 * connections can talk without a transport. Also a recorder that copies h3
 * events (their pointers are borrowed) for assertions.
 *
 * Linking: libh3cli.a also defines the quic_conn_* functions. A test
 * executable gets the fake ones by defining them itself: exactly one file
 * of the executable does
 *     #define H3_FAKE_QUIC_DEFINE_API
 *     #include "support/h3_fake_quic.h"
 * so the linker never pulls core's connection objects for them. They
 * cannot live in the support archive: a pair test that calls
 * quic_conn_send_stream_data would then link the fake instead of core. */
#ifndef H3CLI_TESTS_H3_FAKE_QUIC_H
#define H3CLI_TESTS_H3_FAKE_QUIC_H

#include "core/quic.h"
#include "h3/h3.h"

/* What h3 did on one stream. */
typedef struct fake_stream {
    uint64_t id;
    uint8_t *data; /* bytes queued, in order */
    size_t len, cap;
    size_t delivered; /* bytes already turned into peer events */
    bool fin, fin_delivered;
    bool reset, reset_delivered;
    uint64_t reset_code;
    bool stopped, stop_delivered;
    uint64_t stop_code;
    size_t ref_sends;       /* calls of the _ref variant */
    size_t empty_fin_sends; /* zero-length sends with FIN */
} fake_stream;

typedef struct fake_datagram {
    uint8_t *data;
    size_t len;
    bool delivered;
} fake_datagram;

typedef struct fake_release {
    void (*release)(void *arg);
    void *arg;
} fake_release;

struct quic_conn {
    bool is_client;
    /* How many streams of ours the peer allows (counts, not IDs). */
    uint64_t max_bidi, max_uni;
    uint64_t opened_bidi, opened_uni;
    fake_stream *streams;
    size_t n_streams, cap_streams;
    fake_datagram *datagrams;
    size_t n_datagrams, cap_datagrams;
    size_t max_datagram; /* 0: the peer accepts no DATAGRAM frames */
    fake_release *releases;
    size_t n_releases, cap_releases;
    /* Output is cut into stream events of at most this many bytes. */
    size_t max_chunk;
    /* Error injection: the send call that brings send_calls to this value
     * fails with QUIC_ERR_NOMEM (0: never). */
    size_t fail_send_at;
    size_t send_calls;
    bool closed;
    uint64_t close_code, close_frame_type;
    char close_reason[128];
    size_t close_calls;
    bool terminated_delivered;
};

typedef struct quic_conn fake_quic;

/* A fake for one side, with generous stream limits, DATAGRAM frames of up
 * to 1200 bytes and unlimited chunks. */
fake_quic *fake_quic_new(bool is_client);
/* Frees the fake; pending release callbacks run first. */
void fake_quic_free(fake_quic *q);

/* The record of stream |id| (NULL if h3 never touched it). */
fake_stream *fake_quic_stream(fake_quic *q, uint64_t id);
/* Runs and forgets every pending release callback (all acknowledged). */
void fake_quic_ack_all(fake_quic *q);

/* The next QUIC event the peer of |q| would see for what |q| sent (stream
 * bytes, FIN, RESET_STREAM, STOP_SENDING, DATAGRAM, then
 * ConnectionTerminated after close). Pointers stay valid until the next
 * send on |q| to the same stream. False when nothing is left. */
bool fake_quic_next_output(fake_quic *q, quic_event *out);

/* As fake_quic_next_output, for stream |id| only (to deliver streams out
 * of order). */
bool fake_quic_next_output_for(fake_quic *q, uint64_t id, quic_event *out);

/* ---- Event recorder ------------------------------------------------------ */

typedef struct rec_event {
    h3_event_type type;
    uint64_t stream_id, push_id, id, error_code;
    bool stream_ended, local;
    bool too_large; /* HeadersReceived.too_large */
    /* HeadersReceived / PushPromiseReceived: "name: value\n" lines; data
     * and datagram events: the bytes. NUL-terminated copy. */
    char *text;
    size_t len;
    size_t count; /* header fields */
} rec_event;

typedef struct h3_recorder {
    rec_event *ev;
    size_t n, cap;
} h3_recorder;

/* Pops and copies every pending event of |h3|; returns how many. */
size_t h3_recorder_drain(h3_recorder *r, h3_conn *h3);
/* The first recorded event of |type| for |stream_id| (UINT64_MAX: any),
 * or NULL. */
const rec_event *h3_recorder_find(const h3_recorder *r, h3_event_type type,
                                  uint64_t stream_id);
/* Events of |type| recorded (any stream). */
size_t h3_recorder_count(const h3_recorder *r, h3_event_type type);
/* The DATA bytes received on |stream_id| so far, concatenated (malloc'd,
 * caller frees); sets |*len| and |*ended|. */
uint8_t *h3_recorder_body(const h3_recorder *r, uint64_t stream_id, size_t *len,
                          bool *ended);
void h3_recorder_clear(h3_recorder *r);
void h3_recorder_free(h3_recorder *r);

/* ---- Driving two h3 connections over two fakes --------------------------- */

/* Feeds everything |from| sent to |to| (one QUIC event at a time, draining
 * |to|'s h3 events into |rec| after each) until |from| has nothing left.
 * Returns the number of QUIC events delivered; fails the test if
 * h3_conn_handle_event returns an error. */
size_t h3_fake_deliver(fake_quic *from, h3_conn *to, h3_recorder *rec);

/* Delivers both ways until neither side has anything left. */
void h3_fake_pump(fake_quic *qa, h3_conn *a, h3_recorder *ra, fake_quic *qb,
                  h3_conn *b, h3_recorder *rb);

/* A client and a server h3_conn over two fakes, with allocators that
 * cmocka checks for leaks. */
typedef struct h3_fake_pair {
    fake_quic *cq, *sq;
    h3_conn *client, *server;
    h3_recorder crec, srec;
} h3_fake_pair;

/* The allocator passing cmocka's test_malloc & co. */
extern const h3_allocator h3_test_allocator;

/* Creates both sides from |ccfg| / |scfg| (NULL: defaults with the test
 * allocator) and pumps the initial streams both ways. */
void h3_fake_pair_init(h3_fake_pair *p, const h3_config *ccfg,
                       const h3_config *scfg);
void h3_fake_pair_pump(h3_fake_pair *p);
void h3_fake_pair_cleanup(h3_fake_pair *p);

/* A StreamDataReceived event of |len| bytes at |data| on stream |id|. */
quic_event h3_test_stream_data(uint64_t id, const uint8_t *data, size_t len,
                               bool fin);

/* Fills |out| (capacity |max|) from NULL-terminated name, value string
 * pairs; returns the count. */
size_t h3_test_headers(h3_header *out, size_t max, const char *const *pairs);

/* The fake's quic_conn_* implementations (see the note at the top). */
int fake_quic_send_stream_data(fake_quic *q, uint64_t id, const uint8_t *data,
                               size_t len, bool fin);
int fake_quic_send_stream_data_ref(fake_quic *q, uint64_t id,
                                   const uint8_t *data, size_t len, bool fin,
                                   void (*release)(void *), void *arg);
int64_t fake_quic_get_next_available_stream_id(const fake_quic *q, bool uni);
int fake_quic_reset_stream(fake_quic *q, uint64_t id, uint64_t code);
int fake_quic_stop_stream(fake_quic *q, uint64_t id, uint64_t code);
int fake_quic_send_datagram_frame(fake_quic *q, const uint8_t *data,
                                  size_t len);
void fake_quic_close(fake_quic *q, uint64_t code, uint64_t frame_type,
                     const char *reason);

#ifdef H3_FAKE_QUIC_DEFINE_API
int quic_conn_send_stream_data(quic_conn *conn, uint64_t stream_id,
                               const uint8_t *data, size_t len,
                               bool end_stream) {
    return fake_quic_send_stream_data(conn, stream_id, data, len, end_stream);
}
int quic_conn_send_stream_data_ref(quic_conn *conn, uint64_t stream_id,
                                   const uint8_t *data, size_t len,
                                   bool end_stream,
                                   void (*release)(void *release_arg),
                                   void *release_arg) {
    return fake_quic_send_stream_data_ref(conn, stream_id, data, len,
                                          end_stream, release, release_arg);
}
int64_t quic_conn_get_next_available_stream_id(const quic_conn *conn,
                                               bool is_unidirectional) {
    return fake_quic_get_next_available_stream_id(conn, is_unidirectional);
}
int quic_conn_reset_stream(quic_conn *conn, uint64_t stream_id,
                           uint64_t error_code) {
    return fake_quic_reset_stream(conn, stream_id, error_code);
}
int quic_conn_stop_stream(quic_conn *conn, uint64_t stream_id,
                          uint64_t error_code) {
    return fake_quic_stop_stream(conn, stream_id, error_code);
}
int quic_conn_send_datagram_frame(quic_conn *conn, const uint8_t *data,
                                  size_t len) {
    return fake_quic_send_datagram_frame(conn, data, len);
}
void quic_conn_close(quic_conn *conn, uint64_t error_code, uint64_t frame_type,
                     const char *reason) {
    fake_quic_close(conn, error_code, frame_type, reason);
}
#endif

#endif

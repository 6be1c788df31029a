/* h3/conn.c — the HTTP/3 connection's lifecycle, its QUIC event input and
 * the one place where protocol errors become a connection close; our
 * control, QPACK and reserved streams are opened here. Frame handling lives
 * in conn_recv.c and conn_control.c, the send API in conn_send.c. */
#include "h3/conn_internal.h"

#include <string.h>

#include "core/varint.h"
#include "h3/settings.h"

/* Grease choices (RFC 9114 §7.2.4.1, §7.2.8, §6.2.3): fixed N values and a
 * short payload are enough to make peers exercise their "ignore unknown"
 * paths. */
#define GREASE_SETTING_N 7u
#define GREASE_SETTING_VALUE 0x3au
#define GREASE_FRAME_N 3u
#define GREASE_STREAM_N 5u
static const uint8_t grease_payload[] = {'h', '3', 'c', 'l', 'i'};

/* RFC limits this implementation accepts in h3_config (qpack's own). */
#define MIN_FIELD_SECTION_SIZE 1024u
#define MAX_FIELD_SECTION_SIZE (64u * 1024u * 1024u)
#define MAX_TABLE_CAPACITY (UINT64_C(1) << 30)
/* Default h3_config.max_oversized_request_section: 4 x the default
 * max_field_section_size. */
#define OVERSIZED_REQUEST_SECTION (256u * 1024u)

void h3_config_init(h3_config *config, bool is_client) {
    memset(config, 0, sizeof(*config));
    config->is_client = is_client;
    config->qpack_max_table_capacity = 4096;
    config->qpack_blocked_streams = 100;
    config->max_field_section_size = 65536;
    config->max_oversized_request_section = OVERSIZED_REQUEST_SECTION;
    config->max_blocked_stream_bytes = 4u * 1024u * 1024u;
    config->max_blocked_total_bytes = 16u * 1024u * 1024u;
    config->send_grease = true;
}

static bool config_valid(const h3_config *c) {
    return c->qpack_max_table_capacity <= MAX_TABLE_CAPACITY &&
           c->qpack_blocked_streams <= QUIC_VARINT_MAX &&
           c->max_field_section_size >= MIN_FIELD_SECTION_SIZE &&
           c->max_field_section_size <= MAX_FIELD_SECTION_SIZE &&
           c->max_oversized_request_section <= MAX_FIELD_SECTION_SIZE &&
           c->max_pushes <= (UINT64_C(1) << 62);
}

static int create_qpack(h3_conn *h3) {
    qpack_allocator qa = {h3->alloc.user_data, h3->alloc.malloc,
                          h3->alloc.calloc, h3->alloc.realloc, h3->alloc.free};
    qpack_decoder_config dc;
    qpack_decoder_config_init(&dc);
    dc.max_table_capacity = h3->cfg.qpack_max_table_capacity;
    dc.max_blocked_streams = h3->cfg.qpack_blocked_streams;
    dc.max_field_section_size = h3->section_decode_limit;
    dc.allocator = &qa;
    int rc = qpack_decoder_new(&h3->dec, &dc);
    if (rc < 0)
        return rc == QPACK_ERR_NOMEM ? H3_ERR_NOMEM : H3_ERR_INVALID_ARGUMENT;
    qpack_encoder_config ec;
    qpack_encoder_config_init(&ec);
    ec.allocator = &qa;
    rc = qpack_encoder_new(&h3->enc, &ec);
    if (rc < 0)
        return rc == QPACK_ERR_NOMEM ? H3_ERR_NOMEM : H3_ERR_INVALID_ARGUMENT;
    return 0;
}

static void init_state(h3_conn *h3, quic_conn *quic, const h3_config *cfg) {
    h3->quic = quic;
    h3->cfg = *cfg;
    h3->cfg.allocator = NULL;
    h3->cfg.remembered_settings = NULL; /* copied below */
    h3->section_decode_limit = cfg->max_field_section_size;
    if (!cfg->is_client &&
        cfg->max_oversized_request_section > cfg->max_field_section_size)
        h3->section_decode_limit = cfg->max_oversized_request_section;
    h3_settings_default(&h3->local);
    h3->local.qpack_max_table_capacity = cfg->qpack_max_table_capacity;
    h3->local.qpack_blocked_streams = cfg->qpack_blocked_streams;
    h3->local.max_field_section_size = cfg->max_field_section_size;
    h3->local.enable_connect_protocol = cfg->enable_connect_protocol;
    h3->local.h3_datagram = cfg->h3_datagram;
    h3_settings_default(&h3->peer);
    if (cfg->is_client && cfg->remembered_settings) {
        /* RFC 9114 §7.2.4.2: "When a 0-RTT QUIC connection is being used,
         * the initial value of each server setting is the value used in the
         * previous session." */
        h3->remembered = *cfg->remembered_settings;
        h3->peer = h3->remembered;
        h3->zero_rtt = H3_ZERO_RTT_PENDING;
    }
    h3->control_id = h3->encoder_id = h3->decoder_id = -1;
    h3->peer_control_id = h3->peer_encoder_id = h3->peer_decoder_id =
        H3_ID_NONE;
    h3->goaway_sent = h3->goaway_received = H3_ID_NONE;
    h3->grease_stream_done = !cfg->send_grease;
    if (cfg->is_client && cfg->max_pushes > 0) {
        h3->max_push_id_set = true;
        h3->max_push_id = cfg->max_pushes - 1;
    }
    h3_idmap_init(&h3->streams, &h3->alloc);
    h3_idmap_init(&h3->pushes, &h3->alloc);
    h3_evq_init(&h3->events, &h3->alloc);
}

int h3_conn_new(h3_conn **out, quic_conn *quic, const h3_config *config) {
    if (out)
        *out = NULL;
    if (!out || !quic || !config || !config_valid(config))
        return H3_ERR_INVALID_ARGUMENT;
    quic_allocator alloc = {0};
    if (config->allocator)
        alloc = (quic_allocator){
            config->allocator->user_data, config->allocator->malloc,
            config->allocator->calloc, config->allocator->realloc,
            config->allocator->free};
    h3_conn *h3 = h3_malloc(&alloc, sizeof(*h3));
    if (!h3)
        return H3_ERR_NOMEM;
    memset(h3, 0, sizeof(*h3));
    h3->alloc = alloc;
    init_state(h3, quic, config);
    int rc = create_qpack(h3);
    if (rc == 0)
        rc = h3_conn_open_local_streams(h3);
    if (rc < 0) {
        h3_conn_free(h3);
        return rc;
    }
    *out = h3;
    return 0;
}

void h3_conn_free(h3_conn *h3) {
    if (!h3)
        return;
    h3_idmap *m = &h3->streams;
    for (size_t i = 0; i < m->cap; i++)
        if (m->vals[i])
            h3_stream_free(&h3->alloc, m->vals[i]);
    h3_idmap_cleanup(m);
    h3_push_free_all(h3);
    h3_evq_cleanup(&h3->events);
    qpack_encoder_free(h3->enc);
    qpack_decoder_free(h3->dec);
    h3_free(&h3->alloc, h3->scratch);
    h3_free(&h3->alloc, h3->scratch2);
    h3_free(&h3->alloc, h3->fields);
    quic_allocator alloc = h3->alloc;
    h3_free(&alloc, h3);
}

/* ---- Errors -------------------------------------------------------------- */

int h3_from_quic_err(int err) {
    switch (err) {
    case QUIC_ERR_NOMEM: return H3_ERR_NOMEM;
    case QUIC_ERR_INVALID_ARGUMENT: return H3_ERR_INVALID_ARGUMENT;
    case QUIC_ERR_INVALID_STATE: return H3_ERR_INVALID_STATE;
    default: return err < 0 ? H3_ERR_INTERNAL : err;
    }
}

static bool is_nomem(int err) {
    return err == H3_ERR_NOMEM || err == QPACK_ERR_NOMEM;
}

int h3_conn_fail(h3_conn *h3, int err) {
    if (h3->closed)
        return is_nomem(err) ? H3_ERR_NOMEM : 0;
    uint64_t wire = H3_INTERNAL_ERROR;
    const char *reason = h3_strerror(err);
    if (err == H3_ERR_ZERO_RTT_TABLE_CAPACITY) {
        wire = QPACK_DECODER_STREAM_ERROR;
        reason = "QPACK_MAX_TABLE_CAPACITY differs from the 0-RTT one";
    } else if (h3_err_is_protocol(err)) {
        wire = h3_err_to_wire(err);
    } else if (qpack_err_wire_code(err) != 0) {
        wire = qpack_err_wire_code(err);
        reason = qpack_strerror(err);
    }
    quic_conn_close(h3->quic, wire, QUIC_FRAME_TYPE_NONE, reason);
    h3->closed = true;
    return is_nomem(err) ? H3_ERR_NOMEM : 0;
}

/* ---- Helpers ------------------------------------------------------------- */

int h3_quic_send(h3_conn *h3, uint64_t stream_id, const uint8_t *data,
                 size_t len, bool fin) {
    int rc = quic_conn_send_stream_data(h3->quic, stream_id, data, len, fin);
    return rc < 0 ? h3_from_quic_err(rc) : 0;
}

int h3_reserve(h3_conn *h3, uint8_t **buf, size_t *cap, size_t size) {
    if (*cap >= size)
        return 0;
    size_t ncap = *cap ? *cap : 256;
    while (ncap < size) {
        if (ncap > SIZE_MAX / 2)
            return H3_ERR_NOMEM;
        ncap *= 2;
    }
    uint8_t *nb = h3_realloc(&h3->alloc, *buf, ncap);
    if (!nb)
        return H3_ERR_NOMEM;
    *buf = nb;
    *cap = ncap;
    return 0;
}

h3_stream *h3_conn_stream(const h3_conn *h3, uint64_t id) {
    return h3_idmap_get(&h3->streams, id);
}

h3_stream *h3_conn_add_stream(h3_conn *h3, uint64_t id, h3_stream_kind kind) {
    h3_stream *st =
        h3_stream_new(&h3->alloc, id, kind, (size_t)h3->section_decode_limit);
    if (!st)
        return NULL;
    if (h3_idmap_put(&h3->streams, id, st) < 0) {
        h3_stream_free(&h3->alloc, st);
        return NULL;
    }
    return st;
}

bool h3_conn_release_stream(h3_conn *h3, h3_stream *st) {
    bool critical = st->kind == H3_STREAM_PEER_CONTROL ||
                    st->kind == H3_STREAM_PEER_ENCODER ||
                    st->kind == H3_STREAM_PEER_DECODER;
    if (critical || !st->recv_done || !st->send_closed)
        return false;
    h3->blocked_bytes -= st->pending_len;
    h3_idmap_remove(&h3->streams, st->id);
    h3_stream_free(&h3->alloc, st);
    return true;
}

int h3_conn_abandon_recv(h3_conn *h3, h3_stream *st) {
    bool unfinished = !st->recv_closed || st->blocked != H3_BLOCKED_NONE;
    h3->blocked_bytes -= st->pending_len;
    st->pending_len = 0;
    /* A FIN held with the input: QUIC has nothing more for this stream. */
    if (st->pending_fin)
        st->recv_done = true;
    st->pending_fin = false;
    st->blocked = H3_BLOCKED_NONE;
    st->recv_closed = true;
    /* RFC 9204 §2.2.2.2: a stream abandoned before all its field sections
     * were read gets a Stream Cancellation, so the encoder can release the
     * references it might hold. */
    if (unfinished &&
        (st->kind == H3_STREAM_REQUEST || st->kind == H3_STREAM_PUSH)) {
        int rc = qpack_decoder_cancel_stream(h3->dec, st->id);
        if (rc < 0)
            return H3_ERR_NOMEM;
    }
    return 0;
}

int h3_conn_stream_error(h3_conn *h3, h3_stream *st, uint64_t wire) {
    bool can_receive = !st->local || !h3_stream_id_is_uni(st->id);
    if (can_receive && !st->recv_closed)
        quic_conn_stop_stream(h3->quic, st->id, wire);
    int rc = h3_conn_abandon_recv(h3, st);
    if (rc < 0)
        return rc;
    if (!st->send_closed) {
        quic_conn_reset_stream(h3->quic, st->id, wire);
        st->send_closed = true;
    }
    if (!st->app_seen && !st->local)
        return 0;
    h3_evrec *rec = h3_evq_push(&h3->events, H3_EVENT_STREAM_RESET, st->id);
    if (!rec)
        return H3_ERR_NOMEM;
    rec->ev.u.stream_reset.stream_id = st->id;
    rec->ev.u.stream_reset.error_code = wire;
    rec->ev.u.stream_reset.push_id = st->push_id;
    rec->ev.u.stream_reset.local = true;
    return 0;
}

/* ---- Our unidirectional streams ------------------------------------------ */

/* Opens the next unidirectional stream with |first| as its first bytes.
 * Returns the stream ID, -1 when the peer's limit allows none now, or an
 * error. */
static int64_t open_uni(h3_conn *h3, const uint8_t *first, size_t len,
                        bool fin) {
    int64_t id = quic_conn_get_next_available_stream_id(h3->quic, true);
    if (id < 0)
        return -1;
    int rc = h3_quic_send(h3, (uint64_t)id, first, len, fin);
    return rc < 0 ? rc : id;
}

/* The control stream: type, SETTINGS, a reserved frame, MAX_PUSH_ID. */
static int open_control(h3_conn *h3) {
    h3_settings_grease g = {GREASE_SETTING_N, GREASE_SETTING_VALUE};
    const h3_settings_grease *gp = h3->cfg.send_grease ? &g : NULL;
    size_t need = 1 + h3_settings_frame_len(&h3->local, gp) +
                  h3_frame_grease_len(GREASE_FRAME_N, sizeof(grease_payload)) +
                  h3_frame_id_frame_len(h3->max_push_id);
    int rc = h3_reserve(h3, &h3->scratch, &h3->scratch_cap, need);
    if (rc < 0)
        return rc;
    uint8_t *p = h3->scratch, *end = p + need;
    p += h3_write_stream_type(p, (size_t)(end - p), H3_STREAM_TYPE_CONTROL);
    rc = h3_settings_write_frame(p, (size_t)(end - p), &h3->local, gp);
    if (rc < 0)
        return H3_ERR_INTERNAL;
    p += rc;
    if (gp)
        p += h3_frame_write_grease(p, (size_t)(end - p), GREASE_FRAME_N,
                                   grease_payload, sizeof(grease_payload));
    if (h3->max_push_id_set)
        p += h3_frame_write_max_push_id(p, (size_t)(end - p), h3->max_push_id);
    int64_t id = open_uni(h3, h3->scratch, (size_t)(p - h3->scratch), false);
    if (id >= 0) {
        h3->control_id = id;
        h3->max_push_id_sent = h3->max_push_id_set;
    }
    return id < -1 ? (int)id : 0;
}

static int open_typed(h3_conn *h3, uint64_t type, int64_t *id_out) {
    uint8_t hdr[8];
    int n = h3_write_stream_type(hdr, sizeof(hdr), type);
    int64_t id = open_uni(h3, hdr, (size_t)n, false);
    if (id >= 0)
        *id_out = id;
    return id < -1 ? (int)id : 0;
}

int h3_conn_apply_peer_qpack(h3_conn *h3) {
    if (h3->peer_qpack_applied || !h3->peer_settings_received ||
        h3->encoder_id < 0)
        return 0;
    int rc = qpack_encoder_set_peer_settings(h3->enc,
                                             h3->peer.qpack_max_table_capacity,
                                             h3->peer.qpack_blocked_streams);
    if (rc < 0)
        return rc == QPACK_ERR_NOMEM ? H3_ERR_NOMEM : H3_ERR_SETTINGS;
    h3->peer_qpack_applied = true;
    return 0;
}

static int open_grease_stream(h3_conn *h3) {
    uint8_t buf[16];
    int n = h3_write_stream_type(buf, sizeof(buf),
                                 h3_grease_value(GREASE_STREAM_N));
    memcpy(buf + n, grease_payload, sizeof(grease_payload));
    int64_t id = open_uni(h3, buf, (size_t)n + sizeof(grease_payload), true);
    /* §6.2.3 streams are optional: if the peer allows no fourth stream now,
     * do not take one later that it may have meant for other uses. */
    h3->grease_stream_done = true;
    return id < -1 ? (int)id : 0;
}

int h3_conn_open_local_streams(h3_conn *h3) {
    int rc = 0;
    if (h3->closed)
        return 0;
    /* §6.2: the control stream first, then the QPACK streams. */
    if (h3->control_id < 0 && (rc = open_control(h3)) < 0)
        return rc;
    if (h3->control_id >= 0 && h3->encoder_id < 0 &&
        (rc = open_typed(h3, H3_STREAM_TYPE_QPACK_ENCODER, &h3->encoder_id)) <
            0)
        return rc;
    if (h3->encoder_id >= 0 && h3->decoder_id < 0 &&
        (rc = open_typed(h3, H3_STREAM_TYPE_QPACK_DECODER, &h3->decoder_id)) <
            0)
        return rc;
    if (h3->decoder_id >= 0 && !h3->grease_stream_done &&
        (rc = open_grease_stream(h3)) < 0)
        return rc;
    if ((rc = h3_conn_apply_peer_qpack(h3)) < 0)
        return rc;
    return h3_conn_flush_decoder(h3);
}

int h3_conn_flush_decoder(h3_conn *h3) {
    if (h3->decoder_id < 0 || h3->closed)
        return 0;
    const uint8_t *data;
    size_t len;
    int rc = qpack_decoder_get_output(h3->dec, &data, &len);
    if (rc < 0)
        return H3_ERR_NOMEM;
    if (len == 0)
        return 0;
    rc = h3_quic_send(h3, (uint64_t)h3->decoder_id, data, len, false);
    if (rc < 0)
        return rc;
    qpack_decoder_consume_output(h3->dec, len);
    return 0;
}

/* ---- 0-RTT and remembered settings (RFC 9114 §7.2.4.2) ------------------ */

int h3_conn_check_zero_rtt_settings(h3_conn *h3) {
    if (h3->zero_rtt != H3_ZERO_RTT_ACCEPTED || !h3->peer_settings_received)
        return 0;
    /* "If 0-RTT data is accepted by the server, its SETTINGS frame MUST NOT
     * reduce any limits or alter any values that might be violated by the
     * client with its 0-RTT data. [...] If a server accepts 0-RTT but then
     * sends settings that are not compatible with the previously specified
     * settings, this MUST be treated as a connection error of type
     * H3_SETTINGS_ERROR." (An omitted setting is its default: a reduction
     * when the remembered value was not the default.) */
    if (!h3_settings_compatible(&h3->remembered, &h3->peer))
        return H3_ERR_SETTINGS;
    /* "If a server accepts 0-RTT but then sends a SETTINGS frame that omits
     * a setting value that the client understands [...] that was
     * previously specified to have a non-default value, this MUST be
     * treated as a connection error of type H3_SETTINGS_ERROR." The other
     * settings' defaults are reductions, caught above; an omitted
     * MAX_FIELD_SECTION_SIZE reads as unlimited (no varint can say that). */
    if (h3->remembered.max_field_section_size != H3_SETTING_UNLIMITED &&
        h3->peer.max_field_section_size == H3_SETTING_UNLIMITED)
        return H3_ERR_SETTINGS;
    /* RFC 9204 §3.2.3: "If the remembered value is non-zero, the server
     * MUST send the same non-zero value in its SETTINGS frame. If it
     * specifies any other value [...] the encoder must treat this as a
     * connection error of type QPACK_DECODER_STREAM_ERROR." */
    if (h3->remembered.qpack_max_table_capacity != 0 &&
        h3->peer.qpack_max_table_capacity !=
            h3->remembered.qpack_max_table_capacity)
        return H3_ERR_ZERO_RTT_TABLE_CAPACITY;
    return 0;
}

/* The handshake completed: a 0-RTT client learns whether the server took
 * its early data. */
static int on_handshake_completed(h3_conn *h3, bool early_data_accepted) {
    if (h3->zero_rtt != H3_ZERO_RTT_PENDING)
        return 0;
    if (!early_data_accepted) {
        /* §7.2.4.2: for a connection not using 0-RTT "the initial value of
         * each server setting is the default value". */
        h3->zero_rtt = H3_ZERO_RTT_REJECTED;
        if (!h3->peer_settings_received)
            h3_settings_default(&h3->peer);
        return 0;
    }
    h3->zero_rtt = H3_ZERO_RTT_ACCEPTED;
    return h3_conn_check_zero_rtt_settings(h3);
}

/* ---- Event input --------------------------------------------------------- */

static int dispatch(h3_conn *h3, const quic_event *ev) {
    switch (ev->type) {
    case QUIC_EVENT_STREAM_DATA_RECEIVED:
        return h3_recv_stream_data(h3, ev->u.stream_data_received.stream_id,
                                   ev->u.stream_data_received.data,
                                   ev->u.stream_data_received.len,
                                   ev->u.stream_data_received.end_stream);
    case QUIC_EVENT_STREAM_RESET:
        return h3_recv_stream_reset(h3, ev->u.stream_reset.stream_id,
                                    ev->u.stream_reset.error_code);
    case QUIC_EVENT_STOP_SENDING_RECEIVED:
        return h3_recv_stop_sending(h3, ev->u.stop_sending_received.stream_id,
                                    ev->u.stop_sending_received.error_code);
    case QUIC_EVENT_DATAGRAM_FRAME_RECEIVED:
        return h3_recv_datagram(h3, ev->u.datagram_frame_received.data,
                                ev->u.datagram_frame_received.len);
    case QUIC_EVENT_HANDSHAKE_COMPLETED:
        return on_handshake_completed(
            h3, ev->u.handshake_completed.early_data_accepted);
    default: return 0;
    }
}

int h3_conn_handle_event(h3_conn *h3, const quic_event *ev) {
    if (!h3 || !ev)
        return H3_ERR_INVALID_ARGUMENT;
    if (h3_evq_pending(&h3->events))
        return H3_ERR_INVALID_STATE;
    h3_evq_reset(&h3->events);
    if (h3->closed)
        return 0;
    if (ev->type == QUIC_EVENT_CONNECTION_TERMINATED) {
        h3->closed = true;
        return 0;
    }
    int rc = h3_conn_open_local_streams(h3);
    if (rc == 0)
        rc = dispatch(h3, ev);
    if (rc == 0)
        rc = h3_conn_flush_decoder(h3);
    if (rc == 0)
        return 0;
    /* Nothing queued was popped yet (the queue was reset above): drop what
     * the offending input produced. */
    h3_evq_reset(&h3->events);
    return h3_conn_fail(h3, rc);
}

bool h3_conn_next_event(h3_conn *h3, h3_event *out) {
    if (!h3 || !out)
        return false;
    return h3_evq_pop(&h3->events, out);
}

const h3_settings *h3_conn_peer_settings(const h3_conn *h3) {
    return h3 && h3->peer_settings_received ? &h3->peer : NULL;
}

const h3_settings *h3_conn_local_settings(const h3_conn *h3) {
    return h3 ? &h3->local : NULL;
}

bool h3_conn_is_closed(const h3_conn *h3) {
    return !h3 || h3->closed;
}

uint64_t h3_conn_push_id(const h3_conn *h3, uint64_t stream_id) {
    const h3_stream *st = h3 ? h3_conn_stream(h3, stream_id) : NULL;
    return st ? st->push_id : H3_PUSH_ID_NONE;
}

size_t h3_conn_open_request_count(const h3_conn *h3) {
    size_t n = 0;
    if (!h3)
        return 0;
    for (size_t i = 0; i < h3->streams.cap; i++) {
        const h3_stream *st = h3->streams.vals[i];
        if (st &&
            (st->kind == H3_STREAM_REQUEST || st->kind == H3_STREAM_PUSH) &&
            !(st->recv_closed && st->send_closed))
            n++;
    }
    return n;
}

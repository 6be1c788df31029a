/* core/frame.c — QUIC frame codec (RFC 9000 §19, RFC 9221 §4) and the
 * frame-type rules of §12.4. Decodes in place and encodes with one routine
 * run twice (sizing, then writing) so the two cannot disagree. It does not
 * apply frames to a connection. */
#include "core/frame.h"

#include <limits.h>
#include <string.h>

#include "core/varint.h"

/* ---- Cursors with a sticky failure flag ---------------------------------- */

typedef struct reader {
    const uint8_t *p, *end;
    bool ok;
} reader;

static uint64_t rd_varint(reader *r) {
    uint64_t v = 0;
    const uint8_t *next = r->ok ? quic_get_varint(r->p, r->end, &v) : NULL;
    if (!next) {
        r->ok = false;
        return 0;
    }
    r->p = next;
    return v;
}

static const uint8_t *rd_bytes(reader *r, uint64_t n) {
    if (!r->ok || n > (uint64_t)(r->end - r->p)) {
        r->ok = false;
        return NULL;
    }
    const uint8_t *b = r->p;
    r->p += n;
    return b;
}

/* |p| NULL: only count the bytes. */
typedef struct writer {
    uint8_t *p;
    size_t n;
    bool ok;
} writer;

static void wr_varint(writer *w, uint64_t v) {
    size_t len = quic_varint_len(v);
    if (len == 0) {
        w->ok = false;
        return;
    }
    if (w->p)
        w->p = quic_put_varint(w->p, v);
    w->n += len;
}

static void wr_bytes(writer *w, const void *b, size_t n) {
    if (w->p && n) {
        memcpy(w->p, b, n);
        w->p += n;
    }
    w->n += n;
}

static void wr_check(writer *w, bool cond) {
    if (!cond)
        w->ok = false;
}

/* ---- ACK ----------------------------------------------------------------- */

/* RFC 9000 §19.3.1: each Gap and ACK Range is subtracted from the previous
 * smallest; neither may go below packet number 0. */
static bool ack_step(uint64_t *smallest, uint64_t gap, uint64_t len,
                     quic_ack_range *out) {
    if (gap + 2 > *smallest)
        return false;
    uint64_t largest = *smallest - gap - 2;
    if (len > largest)
        return false;
    out->largest = largest;
    out->smallest = largest - len;
    *smallest = out->smallest;
    return true;
}

static bool decode_ack(reader *r, quic_frame *f) {
    quic_frame_ack *a = &f->u.ack;
    a->largest = rd_varint(r);
    a->ack_delay = rd_varint(r);
    a->range_count = rd_varint(r);
    a->first_range = rd_varint(r);
    if (!r->ok || a->first_range > a->largest)
        return false;
    /* Each pair takes at least two bytes: bounds the loop by the input. */
    if (a->range_count > (uint64_t)(r->end - r->p) / 2)
        return false;
    a->ranges = r->p;
    uint64_t smallest = a->largest - a->first_range;
    quic_ack_range range;
    for (uint64_t i = 0; i < a->range_count; i++) {
        uint64_t gap = rd_varint(r), len = rd_varint(r);
        if (!r->ok || !ack_step(&smallest, gap, len, &range))
            return false;
    }
    a->ranges_len = (size_t)(r->p - a->ranges);
    a->smallest = smallest;
    if (f->type == QUIC_FRAME_ACK_ECN) {
        a->ecn.ect0 = rd_varint(r);
        a->ecn.ect1 = rd_varint(r);
        a->ecn.ce = rd_varint(r);
    }
    return r->ok;
}

void quic_ack_iter_init(quic_ack_iter *it, const quic_frame_ack *ack) {
    memset(it, 0, sizeof(*it));
    it->p = ack->ranges;
    it->end = ack->ranges ? ack->ranges + ack->ranges_len : NULL;
    it->left = ack->range_count;
    it->first.largest = ack->largest;
    it->first.smallest = ack->largest - ack->first_range;
}

bool quic_ack_iter_next(quic_ack_iter *it, quic_ack_range *out) {
    if (!it->first_done) {
        it->first_done = true;
        *out = it->first;
        it->smallest = it->first.smallest;
        return true;
    }
    if (it->left == 0 || !it->p)
        return false;
    uint64_t gap, len;
    const uint8_t *q = quic_get_varint(it->p, it->end, &gap);
    q = q ? quic_get_varint(q, it->end, &len) : NULL;
    if (!q || !ack_step(&it->smallest, gap, len, out)) {
        it->left = 0;
        return false;
    }
    it->p = q;
    it->left--;
    return true;
}

static void encode_ack(writer *w, const quic_frame_ack *a, bool ecn) {
    wr_check(w, a->first_range <= a->largest &&
                    (a->range_count == 0 || a->ranges != NULL));
    wr_varint(w, a->largest);
    wr_varint(w, a->ack_delay);
    wr_varint(w, a->range_count);
    wr_varint(w, a->first_range);
    wr_bytes(w, a->ranges, a->ranges_len);
    if (ecn) {
        wr_varint(w, a->ecn.ect0);
        wr_varint(w, a->ecn.ect1);
        wr_varint(w, a->ecn.ce);
    }
}

static bool ack_ranges_valid(const quic_ack_range *r, size_t n) {
    if (n == 0 || r[0].largest > QUIC_VARINT_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (r[i].smallest > r[i].largest)
            return false;
        /* A gap of at least one missing packet: Gap = prev.smallest -
         * largest - 2 must not be negative. */
        if (i > 0 && r[i].largest + 2 > r[i - 1].smallest)
            return false;
    }
    return true;
}

static size_t ack_pair_len(const quic_ack_range *r, size_t i) {
    return quic_varint_len(r[i - 1].smallest - r[i].largest - 2) +
           quic_varint_len(r[i].largest - r[i].smallest);
}

int quic_ack_frame_write(uint8_t *p, const uint8_t *end,
                         const quic_ack_range *ranges, size_t n_ranges,
                         uint64_t ack_delay, const quic_ecn_counts *ecn,
                         size_t *n_written) {
    *n_written = 0;
    if (!ack_ranges_valid(ranges, n_ranges) || quic_varint_len(ack_delay) == 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t cap = (size_t)(end - p);
    size_t fixed = 1 + quic_varint_len(ranges[0].largest) +
                   quic_varint_len(ack_delay) +
                   quic_varint_len(ranges[0].largest - ranges[0].smallest);
    if (ecn) {
        size_t e = quic_varint_len(ecn->ect0), e1 = quic_varint_len(ecn->ect1),
               e2 = quic_varint_len(ecn->ce);
        if (!e || !e1 || !e2)
            return QUIC_ERR_INVALID_ARGUMENT;
        fixed += e + e1 + e2;
    }
    /* Grow the range count while the frame still fits. */
    size_t n = 1, pairs = 0;
    if (fixed + 1 > cap)
        return QUIC_ERR_NOBUF;
    while (n < n_ranges) {
        size_t more = pairs + ack_pair_len(ranges, n);
        if (fixed + quic_varint_len(n) + more > cap)
            break;
        pairs = more;
        n++;
    }
    uint8_t *q = p;
    *q++ = ecn ? QUIC_FRAME_ACK_ECN : QUIC_FRAME_ACK;
    q = quic_put_varint(q, ranges[0].largest);
    q = quic_put_varint(q, ack_delay);
    q = quic_put_varint(q, n - 1);
    q = quic_put_varint(q, ranges[0].largest - ranges[0].smallest);
    for (size_t i = 1; i < n; i++) {
        q = quic_put_varint(q, ranges[i - 1].smallest - ranges[i].largest - 2);
        q = quic_put_varint(q, ranges[i].largest - ranges[i].smallest);
    }
    if (ecn) {
        q = quic_put_varint(q, ecn->ect0);
        q = quic_put_varint(q, ecn->ect1);
        q = quic_put_varint(q, ecn->ce);
    }
    *n_written = n;
    return (int)(q - p);
}

/* ---- Decoding ------------------------------------------------------------ */

static bool decode_stream(reader *r, quic_frame *f) {
    uint64_t t = f->type;
    f->u.stream.stream_id = rd_varint(r);
    f->u.stream.offset = (t & QUIC_FRAME_STREAM_OFF) ? rd_varint(r) : 0;
    uint64_t len =
        (t & QUIC_FRAME_STREAM_LEN) ? rd_varint(r) : (uint64_t)(r->end - r->p);
    f->u.stream.data = rd_bytes(r, len);
    f->u.stream.len = (size_t)len;
    /* §19.8: the final offset cannot exceed 2^62-1. */
    return r->ok && len <= QUIC_MAX_STREAM_OFFSET - f->u.stream.offset;
}

static bool decode_crypto(reader *r, quic_frame *f) {
    f->u.crypto.offset = rd_varint(r);
    uint64_t len = rd_varint(r);
    f->u.crypto.data = rd_bytes(r, len);
    f->u.crypto.len = (size_t)len;
    /* §19.6: same 2^62-1 limit as streams. */
    return r->ok && len <= QUIC_MAX_STREAM_OFFSET - f->u.crypto.offset;
}

static bool decode_new_connection_id(reader *r, quic_frame *f) {
    f->u.new_connection_id.seq = rd_varint(r);
    f->u.new_connection_id.retire_prior_to = rd_varint(r);
    const uint8_t *len = rd_bytes(r, 1);
    /* §19.15: length 1..20, and Retire Prior To <= Sequence Number. */
    if (!r->ok || *len < 1 || *len > QUIC_MAX_CID_LEN ||
        f->u.new_connection_id.retire_prior_to > f->u.new_connection_id.seq)
        return false;
    const uint8_t *cid = rd_bytes(r, *len);
    f->u.new_connection_id.reset_token =
        rd_bytes(r, QUIC_STATELESS_RESET_TOKEN_LEN);
    if (!r->ok)
        return false;
    f->u.new_connection_id.cid.len = *len;
    memcpy(f->u.new_connection_id.cid.data, cid, *len);
    return true;
}

static bool decode_connection_close(reader *r, quic_frame *f) {
    f->u.connection_close.error_code = rd_varint(r);
    if (f->type == QUIC_FRAME_CONNECTION_CLOSE)
        f->u.connection_close.frame_type = rd_varint(r);
    uint64_t len = rd_varint(r);
    f->u.connection_close.reason = rd_bytes(r, len);
    f->u.connection_close.reason_len = (size_t)len;
    return r->ok;
}

static bool decode_path(reader *r, uint8_t *out) {
    const uint8_t *d = rd_bytes(r, QUIC_PATH_DATA_LEN);
    if (d)
        memcpy(out, d, QUIC_PATH_DATA_LEN);
    return r->ok;
}

static bool decode_datagram(reader *r, quic_frame *f) {
    uint64_t len = f->type == QUIC_FRAME_DATAGRAM_LEN
                       ? rd_varint(r)
                       : (uint64_t)(r->end - r->p);
    f->u.datagram.data = rd_bytes(r, len);
    f->u.datagram.len = (size_t)len;
    return r->ok;
}

/* Frames made only of varints, in field order. */
static bool decode_varints(reader *r, uint64_t *a, uint64_t *b, uint64_t *c) {
    *a = rd_varint(r);
    if (b)
        *b = rd_varint(r);
    if (c)
        *c = rd_varint(r);
    return r->ok;
}

static bool decode_body(reader *r, quic_frame *f) {
    uint64_t t = f->type;
    if (QUIC_FRAME_IS_STREAM(t))
        return decode_stream(r, f);
    switch (t) {
    case QUIC_FRAME_PING:
    case QUIC_FRAME_HANDSHAKE_DONE: return true;
    case QUIC_FRAME_ACK:
    case QUIC_FRAME_ACK_ECN: return decode_ack(r, f);
    case QUIC_FRAME_RESET_STREAM:
        return decode_varints(r, &f->u.reset_stream.stream_id,
                              &f->u.reset_stream.error_code,
                              &f->u.reset_stream.final_size);
    case QUIC_FRAME_STOP_SENDING:
        return decode_varints(r, &f->u.stop_sending.stream_id,
                              &f->u.stop_sending.error_code, NULL);
    case QUIC_FRAME_CRYPTO: return decode_crypto(r, f);
    case QUIC_FRAME_NEW_TOKEN: {
        uint64_t len = rd_varint(r);
        f->u.new_token.token = rd_bytes(r, len);
        f->u.new_token.len = (size_t)len;
        return r->ok && len > 0; /* §19.7: empty token is an error */
    }
    case QUIC_FRAME_MAX_DATA:
        return decode_varints(r, &f->u.max_data.max, NULL, NULL);
    case QUIC_FRAME_MAX_STREAM_DATA:
        return decode_varints(r, &f->u.max_stream_data.stream_id,
                              &f->u.max_stream_data.max, NULL);
    case QUIC_FRAME_MAX_STREAMS_BIDI:
    case QUIC_FRAME_MAX_STREAMS_UNI:
        return decode_varints(r, &f->u.max_streams.max, NULL, NULL) &&
               f->u.max_streams.max <= QUIC_MAX_STREAMS_LIMIT;
    case QUIC_FRAME_DATA_BLOCKED:
        return decode_varints(r, &f->u.data_blocked.limit, NULL, NULL);
    case QUIC_FRAME_STREAM_DATA_BLOCKED:
        return decode_varints(r, &f->u.stream_data_blocked.stream_id,
                              &f->u.stream_data_blocked.limit, NULL);
    case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case QUIC_FRAME_STREAMS_BLOCKED_UNI:
        return decode_varints(r, &f->u.streams_blocked.limit, NULL, NULL) &&
               f->u.streams_blocked.limit <= QUIC_MAX_STREAMS_LIMIT;
    case QUIC_FRAME_NEW_CONNECTION_ID: return decode_new_connection_id(r, f);
    case QUIC_FRAME_RETIRE_CONNECTION_ID:
        return decode_varints(r, &f->u.retire_connection_id.seq, NULL, NULL);
    case QUIC_FRAME_PATH_CHALLENGE:
        return decode_path(r, f->u.path_challenge.data);
    case QUIC_FRAME_PATH_RESPONSE:
        return decode_path(r, f->u.path_response.data);
    case QUIC_FRAME_CONNECTION_CLOSE:
    case QUIC_FRAME_CONNECTION_CLOSE_APP: return decode_connection_close(r, f);
    case QUIC_FRAME_DATAGRAM:
    case QUIC_FRAME_DATAGRAM_LEN: return decode_datagram(r, f);
    default: return false; /* §12.4: unknown type is FRAME_ENCODING_ERROR */
    }
}

int quic_frame_decode(quic_frame *f, const uint8_t *p, const uint8_t *end) {
    memset(f, 0, sizeof(*f));
    if (!p || p >= end)
        return QUIC_ERR_FRAME_ENCODING;
    if (p[0] == QUIC_FRAME_PADDING) {
        const uint8_t *q = p;
        while (q < end && *q == QUIC_FRAME_PADDING)
            q++;
        f->u.padding.len = (size_t)(q - p);
        return (int)(q - p);
    }
    reader r = {p, end, true};
    uint64_t type = rd_varint(&r);
    if (!r.ok)
        return QUIC_ERR_FRAME_ENCODING; /* type 0: unknown (§19.19) */
    f->type = type;
    /* §12.4: the frame type MUST use the shortest encoding; we treat a
     * longer one as the PROTOCOL_VIOLATION the RFC permits. */
    if ((size_t)(r.p - p) != quic_varint_len(type))
        return QUIC_ERR_PROTOCOL_VIOLATION;
    if (!decode_body(&r, f))
        return QUIC_ERR_FRAME_ENCODING;
    return (int)(r.p - p);
}

/* ---- Encoding ------------------------------------------------------------ */

static void encode_data_frame(writer *w, const quic_frame *f) {
    uint64_t t = f->type;
    if (QUIC_FRAME_IS_STREAM(t)) {
        wr_check(w, f->u.stream.len <=
                        QUIC_MAX_STREAM_OFFSET - f->u.stream.offset);
        wr_check(w, f->u.stream.offset == 0 || (t & QUIC_FRAME_STREAM_OFF));
        wr_varint(w, f->u.stream.stream_id);
        if (t & QUIC_FRAME_STREAM_OFF)
            wr_varint(w, f->u.stream.offset);
        if (t & QUIC_FRAME_STREAM_LEN)
            wr_varint(w, f->u.stream.len);
        wr_bytes(w, f->u.stream.data, f->u.stream.len);
    } else if (t == QUIC_FRAME_CRYPTO) {
        wr_check(w, f->u.crypto.len <=
                        QUIC_MAX_STREAM_OFFSET - f->u.crypto.offset);
        wr_varint(w, f->u.crypto.offset);
        wr_varint(w, f->u.crypto.len);
        wr_bytes(w, f->u.crypto.data, f->u.crypto.len);
    } else if (t == QUIC_FRAME_NEW_TOKEN) {
        wr_check(w, f->u.new_token.len > 0);
        wr_varint(w, f->u.new_token.len);
        wr_bytes(w, f->u.new_token.token, f->u.new_token.len);
    } else { /* DATAGRAM, DATAGRAM_LEN */
        if (t == QUIC_FRAME_DATAGRAM_LEN)
            wr_varint(w, f->u.datagram.len);
        wr_bytes(w, f->u.datagram.data, f->u.datagram.len);
    }
}

static void encode_control(writer *w, const quic_frame *f) {
    switch (f->type) {
    case QUIC_FRAME_NEW_CONNECTION_ID: {
        uint8_t len = f->u.new_connection_id.cid.len;
        wr_check(w, len >= 1 && len <= QUIC_MAX_CID_LEN &&
                        f->u.new_connection_id.reset_token != NULL &&
                        f->u.new_connection_id.retire_prior_to <=
                            f->u.new_connection_id.seq);
        if (!w->ok)
            return;
        wr_varint(w, f->u.new_connection_id.seq);
        wr_varint(w, f->u.new_connection_id.retire_prior_to);
        wr_bytes(w, &len, 1);
        wr_bytes(w, f->u.new_connection_id.cid.data, len);
        wr_bytes(w, f->u.new_connection_id.reset_token,
                 QUIC_STATELESS_RESET_TOKEN_LEN);
        break;
    }
    case QUIC_FRAME_PATH_CHALLENGE:
        wr_bytes(w, f->u.path_challenge.data, QUIC_PATH_DATA_LEN);
        break;
    case QUIC_FRAME_PATH_RESPONSE:
        wr_bytes(w, f->u.path_response.data, QUIC_PATH_DATA_LEN);
        break;
    default: /* CONNECTION_CLOSE, both kinds */
        wr_varint(w, f->u.connection_close.error_code);
        if (f->type == QUIC_FRAME_CONNECTION_CLOSE)
            wr_varint(w, f->u.connection_close.frame_type);
        wr_varint(w, f->u.connection_close.reason_len);
        wr_bytes(w, f->u.connection_close.reason,
                 f->u.connection_close.reason_len);
        break;
    }
}

static void encode_body(writer *w, const quic_frame *f) {
    uint64_t t = f->type;
    switch (t) {
    case QUIC_FRAME_PING:
    case QUIC_FRAME_HANDSHAKE_DONE: return;
    case QUIC_FRAME_ACK:
    case QUIC_FRAME_ACK_ECN:
        encode_ack(w, &f->u.ack, t == QUIC_FRAME_ACK_ECN);
        return;
    case QUIC_FRAME_RESET_STREAM:
        wr_varint(w, f->u.reset_stream.stream_id);
        wr_varint(w, f->u.reset_stream.error_code);
        wr_varint(w, f->u.reset_stream.final_size);
        return;
    case QUIC_FRAME_STOP_SENDING:
        wr_varint(w, f->u.stop_sending.stream_id);
        wr_varint(w, f->u.stop_sending.error_code);
        return;
    case QUIC_FRAME_MAX_STREAM_DATA:
        wr_varint(w, f->u.max_stream_data.stream_id);
        wr_varint(w, f->u.max_stream_data.max);
        return;
    case QUIC_FRAME_STREAM_DATA_BLOCKED:
        wr_varint(w, f->u.stream_data_blocked.stream_id);
        wr_varint(w, f->u.stream_data_blocked.limit);
        return;
    case QUIC_FRAME_MAX_STREAMS_BIDI:
    case QUIC_FRAME_MAX_STREAMS_UNI:
    case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case QUIC_FRAME_STREAMS_BLOCKED_UNI:
        /* max_streams and streams_blocked share their layout. */
        wr_check(w, f->u.max_streams.max <= QUIC_MAX_STREAMS_LIMIT);
        wr_varint(w, f->u.max_streams.max);
        return;
    case QUIC_FRAME_MAX_DATA:
    case QUIC_FRAME_DATA_BLOCKED:
    case QUIC_FRAME_RETIRE_CONNECTION_ID:
        /* One varint; the three members share their layout. */
        wr_varint(w, f->u.max_data.max);
        return;
    case QUIC_FRAME_CRYPTO:
    case QUIC_FRAME_NEW_TOKEN:
    case QUIC_FRAME_DATAGRAM:
    case QUIC_FRAME_DATAGRAM_LEN: encode_data_frame(w, f); return;
    case QUIC_FRAME_NEW_CONNECTION_ID:
    case QUIC_FRAME_PATH_CHALLENGE:
    case QUIC_FRAME_PATH_RESPONSE:
    case QUIC_FRAME_CONNECTION_CLOSE:
    case QUIC_FRAME_CONNECTION_CLOSE_APP: encode_control(w, f); return;
    default:
        if (QUIC_FRAME_IS_STREAM(t))
            encode_data_frame(w, f);
        else
            w->ok = false;
        return;
    }
}

static void encode(writer *w, const quic_frame *f) {
    if (f->type == QUIC_FRAME_PADDING) {
        wr_check(w, f->u.padding.len > 0);
        if (w->p && f->u.padding.len)
            memset(w->p, 0, f->u.padding.len);
        if (w->p)
            w->p += f->u.padding.len;
        w->n += f->u.padding.len;
        return;
    }
    wr_varint(w, f->type);
    encode_body(w, f);
}

size_t quic_frame_encode_len(const quic_frame *f) {
    writer w = {NULL, 0, true};
    encode(&w, f);
    return w.ok ? w.n : 0;
}

int quic_frame_encode(uint8_t *p, const uint8_t *end, const quic_frame *f) {
    size_t n = quic_frame_encode_len(f);
    if (n == 0 || n > INT_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (n > (size_t)(end - p))
        return QUIC_ERR_NOBUF;
    writer w = {p, 0, true};
    encode(&w, f);
    return (int)w.n;
}

/* ---- Sizing -------------------------------------------------------------- */

/* Largest d <= data_len with header + varint_len(d) (if with_len) + d <=
 * space, where |header| excludes the Length field. */
static size_t max_data_fitting(size_t header, size_t data_len, bool with_len,
                               size_t space) {
    if (header >= space)
        return 0;
    size_t room = space - header;
    if (!with_len)
        return data_len < room ? data_len : room;
    if (room <= 16385) {
        /* Any packet: a 2-byte Length carries up to room - 2 bytes, a
         * 1-byte one up to 63; the larger wins. */
        size_t d2 = room > 2 ? room - 2 : 0, d1 = room - 1 < 63 ? room - 1 : 63;
        d2 = d2 < data_len ? d2 : data_len;
        d1 = d1 < data_len ? d1 : data_len;
        return d1 > d2 ? d1 : d2;
    }
    /* Try each Length width; the widest that works wins. */
    size_t best = 0;
    static const size_t widths[] = {1, 2, 4, 8};
    for (size_t i = 0; i < 4; i++) {
        if (widths[i] >= room)
            break;
        size_t d = room - widths[i];
        if (d > data_len)
            d = data_len;
        if (quic_varint_len(d) <= widths[i] && d > best)
            best = d;
    }
    return best;
}

size_t quic_stream_frame_max_data(uint64_t stream_id, uint64_t offset,
                                  size_t data_len, bool with_len,
                                  size_t space) {
    size_t header =
        1 + quic_varint_len(stream_id) + (offset ? quic_varint_len(offset) : 0);
    if (quic_varint_len(stream_id) == 0 || quic_varint_len(offset) == 0)
        return 0;
    if (data_len > QUIC_MAX_STREAM_OFFSET - offset)
        data_len = (size_t)(QUIC_MAX_STREAM_OFFSET - offset);
    return max_data_fitting(header, data_len, with_len, space);
}

size_t quic_crypto_frame_max_data(uint64_t offset, size_t data_len,
                                  size_t space) {
    if (quic_varint_len(offset) == 0)
        return 0;
    return max_data_fitting(1 + quic_varint_len(offset), data_len, true, space);
}

/* ---- Per-type rules ------------------------------------------------------ */

/* Bits: which packet types may carry the frame (RFC 9000 §12.4 Table 3). */
#define PKT_I (1u << QUIC_PACKET_INITIAL)
#define PKT_0 (1u << QUIC_PACKET_ZERO_RTT)
#define PKT_H (1u << QUIC_PACKET_HANDSHAKE)
#define PKT_1 (1u << QUIC_PACKET_ONE_RTT)

static unsigned allowed_packets(uint64_t t) {
    if (QUIC_FRAME_IS_STREAM(t))
        return PKT_0 | PKT_1;
    switch (t) {
    case QUIC_FRAME_PADDING:
    case QUIC_FRAME_PING:
    case QUIC_FRAME_CONNECTION_CLOSE: return PKT_I | PKT_H | PKT_0 | PKT_1;
    case QUIC_FRAME_ACK:
    case QUIC_FRAME_ACK_ECN:
    case QUIC_FRAME_CRYPTO: return PKT_I | PKT_H | PKT_1;
    case QUIC_FRAME_NEW_TOKEN:
    case QUIC_FRAME_PATH_RESPONSE:
    case QUIC_FRAME_HANDSHAKE_DONE: return PKT_1;
    case QUIC_FRAME_RESET_STREAM:
    case QUIC_FRAME_STOP_SENDING:
    case QUIC_FRAME_MAX_DATA:
    case QUIC_FRAME_MAX_STREAM_DATA:
    case QUIC_FRAME_MAX_STREAMS_BIDI:
    case QUIC_FRAME_MAX_STREAMS_UNI:
    case QUIC_FRAME_DATA_BLOCKED:
    case QUIC_FRAME_STREAM_DATA_BLOCKED:
    case QUIC_FRAME_STREAMS_BLOCKED_BIDI:
    case QUIC_FRAME_STREAMS_BLOCKED_UNI:
    case QUIC_FRAME_NEW_CONNECTION_ID:
    case QUIC_FRAME_RETIRE_CONNECTION_ID:
    case QUIC_FRAME_PATH_CHALLENGE:
    case QUIC_FRAME_CONNECTION_CLOSE_APP:
    case QUIC_FRAME_DATAGRAM: /* RFC 9221 §4: 0-RTT and 1-RTT */
    case QUIC_FRAME_DATAGRAM_LEN: return PKT_0 | PKT_1;
    default: return 0;
    }
}

bool quic_frame_allowed(uint64_t frame_type, quic_packet_type pkt_type) {
    if (pkt_type > QUIC_PACKET_ONE_RTT)
        return false;
    return (allowed_packets(frame_type) & (1u << pkt_type)) != 0;
}

bool quic_frame_is_ack_eliciting(uint64_t frame_type) {
    return frame_type != QUIC_FRAME_PADDING && frame_type != QUIC_FRAME_ACK &&
           frame_type != QUIC_FRAME_ACK_ECN &&
           frame_type != QUIC_FRAME_CONNECTION_CLOSE &&
           frame_type != QUIC_FRAME_CONNECTION_CLOSE_APP;
}

bool quic_frame_counts_in_flight(uint64_t frame_type) {
    return frame_type == QUIC_FRAME_PADDING ||
           quic_frame_is_ack_eliciting(frame_type);
}

bool quic_frame_is_probing(uint64_t frame_type) {
    return frame_type == QUIC_FRAME_PADDING ||
           frame_type == QUIC_FRAME_PATH_CHALLENGE ||
           frame_type == QUIC_FRAME_PATH_RESPONSE ||
           frame_type == QUIC_FRAME_NEW_CONNECTION_ID;
}

/* core/tparams.c — QUIC transport parameter encoding, decoding and the
 * RFC 9000 §18.2 value checks. It does not compare CIDs with the handshake
 * (RFC 9000 §7.3) nor apply the values to a connection. */
#include "core/tparams.h"

#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "core/varint.h"

#define TOKEN_LEN 16
/* IPv4 (4) + port (2) + IPv6 (16) + port (2) + CID length (1) + token. */
#define PREFERRED_ADDRESS_FIXED (4 + 2 + 16 + 2 + 1 + TOKEN_LEN)

/* How a parameter's value is laid out. */
typedef enum tp_kind {
    TP_UNKNOWN,
    TP_INT,     /* one varint filling the value */
    TP_CID,     /* 0..20 bytes */
    TP_TOKEN,   /* 16 bytes */
    TP_FLAG,    /* zero-length */
    TP_ADDRESS, /* preferred_address */
    TP_VERSIONS /* version_information */
} tp_kind;

/* Every known ID in encoding order. */
static const uint8_t known_ids[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                                    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
                                    0x0e, 0x0f, 0x10, 0x11, 0x20};

static int bit_of(uint64_t id) {
    if (id <= QUIC_TP_VERSION_INFORMATION)
        return (int)id;
    if (id == QUIC_TP_MAX_DATAGRAM_FRAME_SIZE)
        return QUIC_TP_VERSION_INFORMATION + 1;
    return -1;
}

static tp_kind kind_of(uint64_t id) {
    switch (id) {
    case QUIC_TP_ORIGINAL_DCID:
    case QUIC_TP_INITIAL_SCID:
    case QUIC_TP_RETRY_SCID: return TP_CID;
    case QUIC_TP_STATELESS_RESET_TOKEN: return TP_TOKEN;
    case QUIC_TP_DISABLE_ACTIVE_MIGRATION: return TP_FLAG;
    case QUIC_TP_PREFERRED_ADDRESS: return TP_ADDRESS;
    case QUIC_TP_VERSION_INFORMATION: return TP_VERSIONS;
    default: return bit_of(id) >= 0 ? TP_INT : TP_UNKNOWN;
    }
}

/* Where an integer or CID parameter lives in the struct, so one lookup
 * serves both the const encoder and the decoder. */
static size_t int_offset(uint64_t id) {
    switch (id) {
    case QUIC_TP_MAX_IDLE_TIMEOUT:
        return offsetof(quic_tparams, max_idle_timeout);
    case QUIC_TP_MAX_UDP_PAYLOAD_SIZE:
        return offsetof(quic_tparams, max_udp_payload_size);
    case QUIC_TP_INITIAL_MAX_DATA:
        return offsetof(quic_tparams, initial_max_data);
    case QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_LOCAL:
        return offsetof(quic_tparams, initial_max_stream_data_bidi_local);
    case QUIC_TP_INITIAL_MAX_STREAM_DATA_BIDI_REMOTE:
        return offsetof(quic_tparams, initial_max_stream_data_bidi_remote);
    case QUIC_TP_INITIAL_MAX_STREAM_DATA_UNI:
        return offsetof(quic_tparams, initial_max_stream_data_uni);
    case QUIC_TP_INITIAL_MAX_STREAMS_BIDI:
        return offsetof(quic_tparams, initial_max_streams_bidi);
    case QUIC_TP_INITIAL_MAX_STREAMS_UNI:
        return offsetof(quic_tparams, initial_max_streams_uni);
    case QUIC_TP_ACK_DELAY_EXPONENT:
        return offsetof(quic_tparams, ack_delay_exponent);
    case QUIC_TP_MAX_ACK_DELAY: return offsetof(quic_tparams, max_ack_delay);
    case QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT:
        return offsetof(quic_tparams, active_connection_id_limit);
    default: return offsetof(quic_tparams, max_datagram_frame_size);
    }
}

static size_t cid_offset(uint64_t id) {
    if (id == QUIC_TP_ORIGINAL_DCID)
        return offsetof(quic_tparams, original_dcid);
    return id == QUIC_TP_INITIAL_SCID ? offsetof(quic_tparams, initial_scid)
                                      : offsetof(quic_tparams, retry_scid);
}

#define INT_FIELD(tp, id)                                                      \
    ((const uint64_t *)(const void *)((const uint8_t *)(tp) + int_offset(id)))
#define CID_FIELD(tp, id)                                                      \
    ((const quic_cid *)(const void *)((const uint8_t *)(tp) + cid_offset(id)))
#define INT_FIELD_MUT(tp, id)                                                  \
    ((uint64_t *)(void *)((uint8_t *)(tp) + int_offset(id)))
#define CID_FIELD_MUT(tp, id)                                                  \
    ((quic_cid *)(void *)((uint8_t *)(tp) + cid_offset(id)))

void quic_tparams_init(quic_tparams *tp) {
    memset(tp, 0, sizeof(*tp));
    tp->max_udp_payload_size = QUIC_TP_DEFAULT_MAX_UDP_PAYLOAD_SIZE;
    tp->ack_delay_exponent = QUIC_TP_DEFAULT_ACK_DELAY_EXPONENT;
    tp->max_ack_delay = QUIC_TP_DEFAULT_MAX_ACK_DELAY;
    tp->active_connection_id_limit = QUIC_TP_DEFAULT_ACTIVE_CID_LIMIT;
}

bool quic_tparams_has(const quic_tparams *tp, uint64_t id) {
    int b = bit_of(id);
    return b >= 0 && (tp->present & (UINT32_C(1) << b));
}

void quic_tparams_set_present(quic_tparams *tp, uint64_t id) {
    int b = bit_of(id);
    if (b >= 0)
        tp->present |= UINT32_C(1) << b;
}

/* ---- Encoding ------------------------------------------------------------ */

/* |p| NULL: only count. */
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

static void wr_u16(writer *w, uint16_t v) {
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    wr_bytes(w, b, 2);
}

static void wr_u32(writer *w, uint32_t v) {
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                    (uint8_t)v};
    wr_bytes(w, b, 4);
}

static void wr_cid(writer *w, const quic_cid *cid, bool with_len) {
    if (cid->len > QUIC_MAX_CID_LEN) {
        w->ok = false;
        return;
    }
    if (with_len)
        wr_bytes(w, &cid->len, 1);
    wr_bytes(w, cid->data, cid->len);
}

static void encode_address(writer *w, const quic_preferred_address *a) {
    if (a->cid.len == 0)
        w->ok = false; /* §18.2: never an empty CID */
    wr_varint(w, PREFERRED_ADDRESS_FIXED + a->cid.len);
    wr_bytes(w, a->ipv4, 4);
    wr_u16(w, a->ipv4_port);
    wr_bytes(w, a->ipv6, 16);
    wr_u16(w, a->ipv6_port);
    wr_cid(w, &a->cid, true);
    wr_bytes(w, a->reset_token, TOKEN_LEN);
}

static void encode_versions(writer *w, const quic_version_information *v) {
    if (v->available_count > QUIC_TP_MAX_AVAILABLE_VERSIONS) {
        w->ok = false;
        return;
    }
    wr_varint(w, 4 + 4 * v->available_count);
    wr_u32(w, v->chosen);
    for (size_t i = 0; i < v->available_count; i++)
        wr_u32(w, v->available[i]);
}

static void encode_param(writer *w, const quic_tparams *tp, uint64_t id) {
    wr_varint(w, id);
    switch (kind_of(id)) {
    case TP_INT: {
        uint64_t v = *INT_FIELD(tp, id);
        wr_varint(w, quic_varint_len(v));
        wr_varint(w, v);
        break;
    }
    case TP_CID:
        wr_varint(w, CID_FIELD(tp, id)->len);
        wr_cid(w, CID_FIELD(tp, id), false);
        break;
    case TP_TOKEN:
        wr_varint(w, TOKEN_LEN);
        wr_bytes(w, tp->stateless_reset_token, TOKEN_LEN);
        break;
    case TP_FLAG: wr_varint(w, 0); break;
    case TP_ADDRESS: encode_address(w, &tp->preferred_address); break;
    default: encode_versions(w, &tp->version_info); break;
    }
}

static void encode(writer *w, const quic_tparams *tp,
                   const quic_tparams_grease *grease) {
    for (size_t i = 0; i < sizeof(known_ids); i++)
        if (quic_tparams_has(tp, known_ids[i]))
            encode_param(w, tp, known_ids[i]);
    if (grease) {
        /* RFC 9000 §18.1: reserved IDs are 31 * N + 27. */
        if (grease->n > (QUIC_VARINT_MAX - 27) / 31 ||
            (grease->len && !grease->value)) {
            w->ok = false;
            return;
        }
        wr_varint(w, 31 * grease->n + 27);
        wr_varint(w, grease->len);
        wr_bytes(w, grease->value, grease->len);
    }
}

int quic_tparams_encode_len(const quic_tparams *tp,
                            const quic_tparams_grease *grease) {
    writer w = {NULL, 0, true};
    encode(&w, tp, grease);
    if (!w.ok || w.n > INT_MAX)
        return QUIC_ERR_INVALID_ARGUMENT;
    return (int)w.n;
}

int quic_tparams_encode(uint8_t *p, const uint8_t *end, const quic_tparams *tp,
                        const quic_tparams_grease *grease) {
    int n = quic_tparams_encode_len(tp, grease);
    if (n < 0)
        return n;
    if ((size_t)n > (size_t)(end - p))
        return QUIC_ERR_NOBUF;
    writer w = {p, 0, true};
    encode(&w, tp, grease);
    return (int)w.n;
}

/* ---- Decoding ------------------------------------------------------------ */

/* §18.2 limits on integer values. */
static bool int_value_ok(uint64_t id, uint64_t v) {
    switch (id) {
    case QUIC_TP_MAX_UDP_PAYLOAD_SIZE:
        return v >= QUIC_TP_MIN_MAX_UDP_PAYLOAD_SIZE;
    case QUIC_TP_ACK_DELAY_EXPONENT: return v <= QUIC_TP_MAX_ACK_DELAY_EXPONENT;
    case QUIC_TP_MAX_ACK_DELAY: return v <= QUIC_TP_MAX_MAX_ACK_DELAY;
    case QUIC_TP_ACTIVE_CONNECTION_ID_LIMIT: return v >= 2;
    case QUIC_TP_INITIAL_MAX_STREAMS_BIDI:
    case QUIC_TP_INITIAL_MAX_STREAMS_UNI:
        return v <= (UINT64_C(1) << 60); /* §4.6 */
    default: return true;
    }
}

static uint16_t get_u16(const uint8_t *b) {
    return (uint16_t)((b[0] << 8) | b[1]);
}

static uint32_t get_u32(const uint8_t *b) {
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) |
           ((uint32_t)b[2] << 8) | b[3];
}

static bool decode_address(quic_preferred_address *a, const uint8_t *v,
                           size_t len) {
    if (len < PREFERRED_ADDRESS_FIXED)
        return false;
    size_t cid_len = v[24];
    /* §18.2: an empty CID is an error; the length must add up exactly. */
    if (cid_len == 0 || cid_len > QUIC_MAX_CID_LEN ||
        len != PREFERRED_ADDRESS_FIXED + cid_len)
        return false;
    memcpy(a->ipv4, v, 4);
    a->ipv4_port = get_u16(v + 4);
    memcpy(a->ipv6, v + 6, 16);
    a->ipv6_port = get_u16(v + 22);
    a->cid.len = (uint8_t)cid_len;
    memcpy(a->cid.data, v + 25, cid_len);
    memcpy(a->reset_token, v + 25 + cid_len, TOKEN_LEN);
    return true;
}

/* RFC 9368 §4: too short, not a multiple of 4, a zero version, or (from a
 * client) a Chosen Version missing from Available Versions are parsing
 * failures. */
static bool decode_versions(quic_version_information *vi, const uint8_t *v,
                            size_t len, bool from_server) {
    if (len < 4 || len % 4 != 0)
        return false;
    vi->chosen = get_u32(v);
    if (vi->chosen == 0)
        return false;
    bool chosen_listed = false;
    vi->available_count = 0;
    for (size_t off = 4; off < len; off += 4) {
        uint32_t ver = get_u32(v + off);
        if (ver == 0)
            return false;
        chosen_listed |= ver == vi->chosen;
        if (vi->available_count < QUIC_TP_MAX_AVAILABLE_VERSIONS)
            vi->available[vi->available_count++] = ver;
    }
    return from_server || chosen_listed;
}

static bool decode_param(quic_tparams *tp, uint64_t id, const uint8_t *v,
                         size_t len, bool from_server) {
    switch (kind_of(id)) {
    case TP_INT: {
        uint64_t x;
        const uint8_t *next = quic_get_varint(v, v + len, &x);
        if (!next || next != v + len || !int_value_ok(id, x))
            return false;
        *INT_FIELD_MUT(tp, id) = x;
        return true;
    }
    case TP_CID:
        if (len > QUIC_MAX_CID_LEN)
            return false;
        CID_FIELD_MUT(tp, id)->len = (uint8_t)len;
        if (len)
            memcpy(CID_FIELD_MUT(tp, id)->data, v, len);
        return true;
    case TP_TOKEN:
        if (len != TOKEN_LEN)
            return false;
        memcpy(tp->stateless_reset_token, v, TOKEN_LEN);
        return true;
    case TP_FLAG: return len == 0;
    case TP_ADDRESS: return decode_address(&tp->preferred_address, v, len);
    default: return decode_versions(&tp->version_info, v, len, from_server);
    }
}

/* §18.2: a client MUST NOT send these. */
static bool server_only(uint64_t id) {
    return id == QUIC_TP_ORIGINAL_DCID || id == QUIC_TP_STATELESS_RESET_TOKEN ||
           id == QUIC_TP_PREFERRED_ADDRESS || id == QUIC_TP_RETRY_SCID;
}

int quic_tparams_decode(quic_tparams *tp, const uint8_t *p, const uint8_t *end,
                        bool from_server) {
    quic_tparams_init(tp);
    while (p < end) {
        uint64_t id, len;
        p = quic_get_varint(p, end, &id);
        p = p ? quic_get_varint(p, end, &len) : NULL;
        if (!p || len > (uint64_t)(end - p))
            return QUIC_ERR_TRANSPORT_PARAMETER;
        const uint8_t *value = p;
        p += len;
        if (kind_of(id) == TP_UNKNOWN)
            continue; /* §7.4.2: unknown and reserved IDs are ignored */
        /* §7.4: duplicates SHOULD be an error; they are here. */
        if (quic_tparams_has(tp, id) || (!from_server && server_only(id)))
            return QUIC_ERR_TRANSPORT_PARAMETER;
        if (!decode_param(tp, id, value, (size_t)len, from_server))
            return QUIC_ERR_TRANSPORT_PARAMETER;
        quic_tparams_set_present(tp, id);
    }
    return 0;
}

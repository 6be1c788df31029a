/* core/packet.c — QUIC packet header parsing and building (RFC 9000 §17,
 * RFC 8999, RFC 9369 §3.2). Header protection, packet number decoding and
 * the Retry integrity tag are not done here. */
#include "core/packet.h"

#include <string.h>

#include "core/varint.h"

#define HEADER_FORM_LONG 0x80
#define FIXED_BIT 0x40

bool quic_version_is_known(uint32_t version) {
    return version == QUIC_VERSION_1 || version == QUIC_VERSION_2;
}

/* Long header type bits (0x30). v1 uses Initial 0, 0-RTT 1, Handshake 2,
 * Retry 3 (the order of the enum); RFC 9369 §3.2 shifts v2 by one: Initial
 * 1, 0-RTT 2, Handshake 3, Retry 0. */
static quic_packet_type type_from_bits(uint32_t version, unsigned bits) {
    if (version == QUIC_VERSION_2)
        bits = (bits + 3) & 3;
    return (quic_packet_type)bits;
}

static uint8_t bits_from_type(uint32_t version, quic_packet_type type) {
    unsigned bits = (unsigned)type;
    if (version == QUIC_VERSION_2)
        bits = (bits + 1) & 3;
    return (uint8_t)(bits << 4);
}

/* Reads a 1-byte CID length and the CID. |max| bounds the length. */
static const uint8_t *get_cid(const uint8_t *p, const uint8_t *end, size_t max,
                              const uint8_t **cid, size_t *cid_len, int *err) {
    if (p >= end) {
        *err = QUIC_ERR_TRUNCATED;
        return NULL;
    }
    size_t len = *p++;
    if (len > max) {
        *err = QUIC_ERR_CID_TOO_LONG;
        return NULL;
    }
    if ((size_t)(end - p) < len) {
        *err = QUIC_ERR_TRUNCATED;
        return NULL;
    }
    *cid = p;
    *cid_len = len;
    return p + len;
}

/* RFC 9000 §17.2.1: everything after the SCID is the list of versions. */
static int parse_version_negotiation(quic_packet_header *h, const uint8_t *p,
                                     const uint8_t *end) {
    size_t n = (size_t)(end - p);
    if (n == 0 || n % 4 != 0)
        return QUIC_ERR_VN_LIST;
    h->type = QUIC_PACKET_VERSION_NEGOTIATION;
    h->versions = p;
    h->versions_len = n;
    return 0;
}

/* RFC 9000 §17.2.5: Retry Token, then a 16-byte Retry Integrity Tag. */
static int parse_retry(quic_packet_header *h, const uint8_t *p,
                       const uint8_t *end) {
    size_t n = (size_t)(end - p);
    if (n < QUIC_RETRY_TAG_LEN)
        return QUIC_ERR_TRUNCATED;
    if (n == QUIC_RETRY_TAG_LEN)
        return QUIC_ERR_RETRY_NO_TOKEN;
    h->token = p;
    h->token_len = n - QUIC_RETRY_TAG_LEN;
    h->retry_tag = end - QUIC_RETRY_TAG_LEN;
    return 0;
}

/* Initial (token), 0-RTT and Handshake: optional token, then Length. */
static int parse_long_rest(quic_packet_header *h, const uint8_t *start,
                           const uint8_t *p, const uint8_t *end) {
    uint64_t v;
    if (h->type == QUIC_PACKET_INITIAL) {
        if ((p = quic_get_varint(p, end, &v)) == NULL)
            return QUIC_ERR_TRUNCATED;
        if (v > (uint64_t)(end - p))
            return QUIC_ERR_TRUNCATED;
        h->token = v ? p : NULL;
        h->token_len = (size_t)v;
        p += v;
    }
    if ((p = quic_get_varint(p, end, &v)) == NULL)
        return QUIC_ERR_TRUNCATED;
    /* The Length covers at least a 1-byte packet number. */
    if (v == 0 || v > (uint64_t)(end - p))
        return QUIC_ERR_PACKET_LENGTH;
    h->length = v;
    h->pn_offset = (size_t)(p - start);
    h->packet_len = h->pn_offset + (size_t)v;
    return 0;
}

static int parse_long(quic_packet_header *h, const uint8_t *start,
                      const uint8_t *end, bool allow_unknown) {
    const uint8_t *p = start + 1;
    uint32_t version;
    int err = 0;
    h->is_long = true;
    if ((p = quic_get_u32(p, end, &version)) == NULL)
        return QUIC_ERR_TRUNCATED;
    h->version = version;
    h->version_known = quic_version_is_known(version);
    /* RFC 8999 §5.1 allows 255-byte CIDs in versions we do not know, and
     * in Version Negotiation, which answers them. */
    size_t max_cid =
        h->version_known ? QUIC_MAX_CID_LEN : QUIC_INVARIANT_MAX_CID_LEN;
    p = get_cid(p, end, max_cid, &h->dcid, &h->dcid_len, &err);
    if (p)
        p = get_cid(p, end, max_cid, &h->scid, &h->scid_len, &err);
    if (!p)
        return err;
    h->packet_len = (size_t)(end - start);
    if (version == QUIC_VERSION_NEGOTIATION)
        return parse_version_negotiation(h, p, end);
    if (!h->version_known)
        return allow_unknown ? 0 : QUIC_ERR_UNKNOWN_VERSION;
    if (!(h->first_byte & FIXED_BIT))
        return QUIC_ERR_FIXED_BIT;
    h->type = type_from_bits(version, (h->first_byte >> 4) & 3);
    if (h->type == QUIC_PACKET_RETRY)
        return parse_retry(h, p, end);
    return parse_long_rest(h, start, p, end);
}

/* RFC 9000 §17.3.1: 0b01SRRKPP, DCID of a length only we know, PN. */
static int parse_short(quic_packet_header *h, const uint8_t *start,
                       const uint8_t *end, size_t dcid_len) {
    if (!(h->first_byte & FIXED_BIT))
        return QUIC_ERR_FIXED_BIT;
    h->type = QUIC_PACKET_ONE_RTT;
    h->version_known = true;
    /* At least one packet number byte must follow the DCID. */
    if ((size_t)(end - start) < 1 + dcid_len + 1)
        return QUIC_ERR_TRUNCATED;
    h->dcid = start + 1;
    h->dcid_len = dcid_len;
    h->pn_offset = 1 + dcid_len;
    h->packet_len = (size_t)(end - start);
    return 0;
}

static int parse(quic_packet_header *h, const uint8_t *p, const uint8_t *end,
                 size_t short_dcid_len, bool allow_unknown) {
    memset(h, 0, sizeof(*h));
    if (short_dcid_len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    if (!p || p >= end)
        return QUIC_ERR_TRUNCATED;
    h->first_byte = p[0];
    if (p[0] & HEADER_FORM_LONG)
        return parse_long(h, p, end, allow_unknown);
    return parse_short(h, p, end, short_dcid_len);
}

int quic_packet_parse(quic_packet_header *h, const uint8_t *p,
                      const uint8_t *end, size_t short_dcid_len) {
    return parse(h, p, end, short_dcid_len, false);
}

int quic_packet_peek(quic_packet_header *h, const uint8_t *p,
                     const uint8_t *end, size_t short_dcid_len) {
    return parse(h, p, end, short_dcid_len, true);
}

int quic_cid_from_bytes(quic_cid *out, const uint8_t *data, size_t len) {
    if (len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_CID_TOO_LONG;
    memset(out, 0, sizeof(*out));
    out->len = (uint8_t)len;
    if (len)
        memcpy(out->data, data, len);
    return 0;
}

/* ---- Building ------------------------------------------------------------ */

static bool pn_len_ok(size_t pn_len) {
    return pn_len >= 1 && pn_len <= 4;
}

/* The low |pn_len| bytes of |pn|, big-endian (RFC 9000 §17.1). */
static uint8_t *put_pn(uint8_t *p, uint64_t pn, size_t pn_len) {
    for (size_t i = pn_len; i > 0; i--) {
        p[i - 1] = (uint8_t)pn;
        pn >>= 8;
    }
    return p + pn_len;
}

static uint8_t *put_cid(uint8_t *p, const uint8_t *cid, size_t len) {
    *p++ = (uint8_t)len;
    if (len)
        memcpy(p, cid, len);
    return p + len;
}

size_t quic_long_header_len(const quic_long_header_fields *f, size_t pn_len) {
    if (!quic_version_is_known(f->version) || !pn_len_ok(pn_len) ||
        f->dcid_len > QUIC_MAX_CID_LEN || f->scid_len > QUIC_MAX_CID_LEN)
        return 0;
    if (f->type != QUIC_PACKET_INITIAL && f->type != QUIC_PACKET_ZERO_RTT &&
        f->type != QUIC_PACKET_HANDSHAKE)
        return 0;
    size_t n = 1 + 4 + 1 + f->dcid_len + 1 + f->scid_len;
    if (f->type == QUIC_PACKET_INITIAL) {
        size_t tl = quic_varint_len(f->token_len);
        if (tl == 0)
            return 0;
        n += tl + f->token_len;
    }
    return n + QUIC_LONG_LENGTH_FIELD_LEN + pn_len;
}

int quic_long_header_write(uint8_t *p, const uint8_t *end,
                           const quic_long_header_fields *f, uint64_t pn,
                           size_t pn_len) {
    size_t n = quic_long_header_len(f, pn_len);
    if (n == 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    if ((size_t)(end - p) < n)
        return QUIC_ERR_NOBUF;
    uint8_t *q = p;
    *q++ = (uint8_t)(HEADER_FORM_LONG | FIXED_BIT |
                     bits_from_type(f->version, f->type) | (pn_len - 1));
    q = quic_put_u32(q, f->version);
    q = put_cid(q, f->dcid, f->dcid_len);
    q = put_cid(q, f->scid, f->scid_len);
    if (f->type == QUIC_PACKET_INITIAL) {
        q = quic_put_varint(q, f->token_len);
        if (f->token_len)
            memcpy(q, f->token, f->token_len);
        q += f->token_len;
    }
    /* Placeholder: the smallest Length a packet can have (its PN). */
    q = quic_put_varint_n(q, pn_len, QUIC_LONG_LENGTH_FIELD_LEN);
    q = put_pn(q, pn, pn_len);
    return (int)(q - p);
}

int quic_long_header_set_length(uint8_t *pkt, size_t pn_offset,
                                uint64_t length) {
    if (length > QUIC_LONG_LENGTH_MAX || pn_offset < QUIC_LONG_LENGTH_FIELD_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    quic_put_varint_n(pkt + pn_offset - QUIC_LONG_LENGTH_FIELD_LEN, length,
                      QUIC_LONG_LENGTH_FIELD_LEN);
    return 0;
}

size_t quic_short_header_len(size_t dcid_len, size_t pn_len) {
    return 1 + dcid_len + pn_len;
}

int quic_short_header_write(uint8_t *p, const uint8_t *end, const uint8_t *dcid,
                            size_t dcid_len, bool spin, bool key_phase,
                            uint64_t pn, size_t pn_len) {
    if (dcid_len > QUIC_MAX_CID_LEN || !pn_len_ok(pn_len))
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t n = quic_short_header_len(dcid_len, pn_len);
    if ((size_t)(end - p) < n)
        return QUIC_ERR_NOBUF;
    p[0] = (uint8_t)(FIXED_BIT | (spin ? 0x20 : 0) | (key_phase ? 0x04 : 0) |
                     (pn_len - 1));
    if (dcid_len)
        memcpy(p + 1, dcid, dcid_len);
    put_pn(p + 1 + dcid_len, pn, pn_len);
    return (int)n;
}

size_t quic_version_negotiation_len(size_t dcid_len, size_t scid_len,
                                    size_t n_versions) {
    return 1 + 4 + 1 + dcid_len + 1 + scid_len + 4 * n_versions;
}

int quic_version_negotiation_write(uint8_t *p, const uint8_t *end,
                                   const uint8_t *dcid, size_t dcid_len,
                                   const uint8_t *scid, size_t scid_len,
                                   const uint32_t *versions, size_t n_versions,
                                   uint8_t unused) {
    if (n_versions == 0 || dcid_len > QUIC_INVARIANT_MAX_CID_LEN ||
        scid_len > QUIC_INVARIANT_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t n = quic_version_negotiation_len(dcid_len, scid_len, n_versions);
    if ((size_t)(end - p) < n)
        return QUIC_ERR_NOBUF;
    uint8_t *q = p;
    *q++ = (uint8_t)(HEADER_FORM_LONG | FIXED_BIT | (unused & 0x3f));
    q = quic_put_u32(q, QUIC_VERSION_NEGOTIATION);
    q = put_cid(q, dcid, dcid_len);
    q = put_cid(q, scid, scid_len);
    for (size_t i = 0; i < n_versions; i++)
        q = quic_put_u32(q, versions[i]);
    return (int)n;
}

size_t quic_version_negotiation_count(const quic_packet_header *h) {
    return h->versions_len / 4;
}

uint32_t quic_version_negotiation_at(const quic_packet_header *h, size_t i) {
    const uint8_t *v = h->versions + 4 * i;
    return ((uint32_t)v[0] << 24) | ((uint32_t)v[1] << 16) |
           ((uint32_t)v[2] << 8) | v[3];
}

size_t quic_retry_len(size_t dcid_len, size_t scid_len, size_t token_len) {
    return 1 + 4 + 1 + dcid_len + 1 + scid_len + token_len + QUIC_RETRY_TAG_LEN;
}

int quic_retry_write(uint8_t *p, const uint8_t *end, uint32_t version,
                     const uint8_t *dcid, size_t dcid_len, const uint8_t *scid,
                     size_t scid_len, const uint8_t *token, size_t token_len,
                     const uint8_t *tag, uint8_t unused) {
    if (!quic_version_is_known(version) || dcid_len > QUIC_MAX_CID_LEN ||
        scid_len > QUIC_MAX_CID_LEN || token_len == 0)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t n = quic_retry_len(dcid_len, scid_len, token_len);
    if ((size_t)(end - p) < n)
        return QUIC_ERR_NOBUF;
    uint8_t *q = p;
    *q++ =
        (uint8_t)(HEADER_FORM_LONG | FIXED_BIT |
                  bits_from_type(version, QUIC_PACKET_RETRY) | (unused & 0x0f));
    q = quic_put_u32(q, version);
    q = put_cid(q, dcid, dcid_len);
    q = put_cid(q, scid, scid_len);
    memcpy(q, token, token_len);
    q += token_len;
    if (tag)
        memcpy(q, tag, QUIC_RETRY_TAG_LEN);
    else
        memset(q, 0, QUIC_RETRY_TAG_LEN);
    return (int)n;
}

int quic_retry_pseudo_packet_write(uint8_t *p, const uint8_t *end,
                                   const uint8_t *odcid, size_t odcid_len,
                                   const uint8_t *retry, size_t retry_len) {
    if (odcid_len > QUIC_MAX_CID_LEN)
        return QUIC_ERR_INVALID_ARGUMENT;
    size_t n = 1 + odcid_len + retry_len;
    if ((size_t)(end - p) < n)
        return QUIC_ERR_NOBUF;
    uint8_t *q = put_cid(p, odcid, odcid_len);
    memcpy(q, retry, retry_len);
    return (int)n;
}

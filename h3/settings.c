/* h3/settings.c — SETTINGS payload decoding and encoding (RFC 9114 §7.2.4);
 * not when SETTINGS may be sent or received. */
#include "h3/settings.h"

#include <limits.h>

#include "core/varint.h"
#include "h3/frame.h"

/* Known identifiers fit in a 64-bit mask, used to find repeats. */
#define BIT(id) (UINT64_C(1) << (id))

void h3_settings_default(h3_settings *s) {
    *s = (h3_settings){.max_field_section_size = H3_SETTING_UNLIMITED};
}

/* Applies one pair. Returns 0 or H3_ERR_SETTINGS. */
static int apply_setting(h3_settings *s, uint64_t id, uint64_t value,
                         uint64_t *seen) {
    /* §7.2.4.1: HTTP/2 identifiers "MUST NOT be sent, and their receipt MUST
     * be treated as a connection error of type H3_SETTINGS_ERROR". */
    if (id >= 0x02 && id <= 0x05)
        return H3_ERR_SETTINGS;
    if (id >= 64)
        return 0; /* unknown or reserved: ignored */
    switch (id) {
    case H3_SETTINGS_QPACK_MAX_TABLE_CAPACITY:
        s->qpack_max_table_capacity = value;
        break;
    case H3_SETTINGS_MAX_FIELD_SECTION_SIZE:
        s->max_field_section_size = value;
        break;
    case H3_SETTINGS_QPACK_BLOCKED_STREAMS:
        s->qpack_blocked_streams = value;
        break;
    case H3_SETTINGS_ENABLE_CONNECT_PROTOCOL:
    case H3_SETTINGS_H3_DATAGRAM:
        /* RFC 9220 §5 / RFC 9297 §2.1.1: the value MUST be 0 or 1. */
        if (value > 1)
            return H3_ERR_SETTINGS;
        if (id == H3_SETTINGS_H3_DATAGRAM)
            s->h3_datagram = value == 1;
        else
            s->enable_connect_protocol = value == 1;
        break;
    default: return 0;
    }
    /* §7.2.4: "The same setting identifier MUST NOT occur more than once". */
    if (*seen & BIT(id))
        return H3_ERR_SETTINGS;
    *seen |= BIT(id);
    return 0;
}

int h3_settings_decode(h3_settings *out, const uint8_t *payload, size_t len) {
    const uint8_t *p = payload, *end = payload + len;
    uint64_t seen = 0;
    h3_settings_default(out);
    while (p != end) {
        uint64_t id, value;
        p = quic_get_varint(p, end, &id);
        if (p)
            p = quic_get_varint(p, end, &value);
        if (!p)
            return H3_ERR_FRAME;
        int rc = apply_setting(out, id, value, &seen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

typedef struct setting_pair {
    uint64_t id;
    uint64_t value;
} setting_pair;

/* Lists the pairs to send; returns how many, or H3_ERR_INVALID_ARGUMENT. */
static int list_pairs(const h3_settings *s, const h3_settings_grease *grease,
                      setting_pair pairs[6]) {
    int n = 0;
    if (s->qpack_max_table_capacity != 0)
        pairs[n++] = (setting_pair){H3_SETTINGS_QPACK_MAX_TABLE_CAPACITY,
                                    s->qpack_max_table_capacity};
    if (s->max_field_section_size != H3_SETTING_UNLIMITED)
        pairs[n++] = (setting_pair){H3_SETTINGS_MAX_FIELD_SECTION_SIZE,
                                    s->max_field_section_size};
    if (s->qpack_blocked_streams != 0)
        pairs[n++] = (setting_pair){H3_SETTINGS_QPACK_BLOCKED_STREAMS,
                                    s->qpack_blocked_streams};
    if (s->enable_connect_protocol)
        pairs[n++] = (setting_pair){H3_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1};
    if (s->h3_datagram)
        pairs[n++] = (setting_pair){H3_SETTINGS_H3_DATAGRAM, 1};
    if (grease) {
        if (grease->n > H3_GREASE_MAX_N)
            return H3_ERR_INVALID_ARGUMENT;
        pairs[n++] = (setting_pair){h3_grease_value(grease->n), grease->value};
    }
    for (int i = 0; i < n; i++)
        if (!quic_varint_len(pairs[i].value))
            return H3_ERR_INVALID_ARGUMENT;
    return n;
}

static size_t payload_len(const setting_pair *pairs, int n) {
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += quic_varint_len(pairs[i].id) + quic_varint_len(pairs[i].value);
    return len;
}

size_t h3_settings_frame_len(const h3_settings *s,
                             const h3_settings_grease *grease) {
    setting_pair pairs[6];
    int n = list_pairs(s, grease, pairs);
    if (n < 0)
        return 0;
    size_t plen = payload_len(pairs, n);
    return h3_frame_header_len(H3_FRAME_SETTINGS, plen) + plen;
}

int h3_settings_write_frame(uint8_t *out, size_t cap, const h3_settings *s,
                            const h3_settings_grease *grease) {
    setting_pair pairs[6];
    int n = list_pairs(s, grease, pairs);
    if (n < 0)
        return n;
    size_t plen = payload_len(pairs, n);
    int hlen = h3_frame_write_header(out, cap, H3_FRAME_SETTINGS, plen);
    if (hlen < 0)
        return hlen;
    if (plen > cap - (size_t)hlen)
        return H3_ERR_NOBUF;
    uint8_t *p = out + hlen;
    for (int i = 0; i < n; i++)
        p = quic_put_varint(quic_put_varint(p, pairs[i].id), pairs[i].value);
    return (int)(p - out);
}

/* ---- Remembered settings (RFC 9114 §7.2.4.2) ----------------------------- */

/* The first byte of h3_settings_export() output; another value is a format
 * this code does not know. */
#define EXPORT_FORMAT 1u

int h3_settings_export(const h3_settings *s, uint8_t *out, size_t cap) {
    if (!s || !out)
        return H3_ERR_INVALID_ARGUMENT;
    setting_pair pairs[6];
    int n = list_pairs(s, NULL, pairs);
    if (n < 0)
        return n;
    size_t len = 1 + payload_len(pairs, n);
    if (len > cap)
        return H3_ERR_NOBUF;
    uint8_t *p = out;
    *p++ = EXPORT_FORMAT;
    for (int i = 0; i < n; i++)
        p = quic_put_varint(quic_put_varint(p, pairs[i].id), pairs[i].value);
    return (int)(p - out);
}

int h3_settings_import(h3_settings *out, const uint8_t *in, size_t len) {
    if (!out)
        return H3_ERR_INVALID_ARGUMENT;
    h3_settings_default(out);
    if (!in || len == 0 || in[0] != EXPORT_FORMAT)
        return H3_ERR_INVALID_ARGUMENT;
    if (h3_settings_decode(out, in + 1, len - 1) < 0) {
        h3_settings_default(out);
        return H3_ERR_INVALID_ARGUMENT;
    }
    return 0;
}

bool h3_settings_compatible(const h3_settings *remembered,
                            const h3_settings *current) {
    return current->qpack_max_table_capacity >=
               remembered->qpack_max_table_capacity &&
           current->qpack_blocked_streams >=
               remembered->qpack_blocked_streams &&
           current->max_field_section_size >=
               remembered->max_field_section_size &&
           (current->enable_connect_protocol ||
            !remembered->enable_connect_protocol) &&
           (current->h3_datagram || !remembered->h3_datagram);
}

uint64_t h3_field_section_size(const h3_header *headers, size_t n) {
    uint64_t size = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t name = headers[i].name_len, value = headers[i].value_len;
        if (name > UINT64_MAX - 32 || value > UINT64_MAX - 32 - name)
            return UINT64_MAX;
        uint64_t line = name + value;
        if (size > UINT64_MAX - 32 - line)
            return UINT64_MAX;
        size += line + 32;
    }
    return size;
}

/* tests/fuzz/fuzz_packet.c — libFuzzer target for packet header parsing
 * (core/packet.c): walks the datagram's coalesced packets with
 * quic_packet_parse, checks every field stays inside the input, that peek
 * agrees with parse, and that headers rebuilt from the parsed fields parse
 * back to the same fields (Retry and Version Negotiation byte for byte).
 * The first input byte picks the short-header DCID length. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

static void check_inside(const uint8_t *ptr, size_t len, const uint8_t *p,
                         const uint8_t *end) {
    if (len == 0)
        return;
    CHECK(ptr >= p && ptr <= end && len <= (size_t)(end - ptr));
}

static bool same_bytes(const uint8_t *a, size_t alen, const uint8_t *b,
                       size_t blen) {
    return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* Initial / 0-RTT / Handshake: rebuild, patch Length, parse again. */
static void rebuild_long(const quic_packet_header *h) {
    static uint8_t buf[128 + 16384];
    quic_long_header_fields f = {h->type, h->version,  h->dcid,  h->dcid_len,
                                 h->scid, h->scid_len, h->token, h->token_len};
    size_t pn_len = (size_t)(h->first_byte & 3) + 1;
    if (h->length > QUIC_LONG_LENGTH_MAX || h->length < pn_len ||
        h->token_len > 64)
        return;
    int n = quic_long_header_write(buf, buf + 128, &f, 0, pn_len);
    CHECK(n > 0 && (size_t)n == quic_long_header_len(&f, pn_len));
    size_t pn_off = (size_t)n - pn_len;
    CHECK(quic_long_header_set_length(buf, pn_off, h->length) == 0);
    memset(buf + n, 0, (size_t)h->length - pn_len);
    quic_packet_header back;
    CHECK(quic_packet_parse(&back, buf, buf + pn_off + h->length, 0) == 0);
    CHECK(back.type == h->type && back.version == h->version);
    CHECK(same_bytes(back.dcid, back.dcid_len, h->dcid, h->dcid_len));
    CHECK(same_bytes(back.scid, back.scid_len, h->scid, h->scid_len));
    CHECK(same_bytes(back.token, back.token_len, h->token, h->token_len));
    CHECK(back.length == h->length && back.pn_offset == pn_off);
}

static void rebuild_special(const quic_packet_header *h, const uint8_t *pkt) {
    static uint8_t buf[2048];
    if (h->type == QUIC_PACKET_RETRY && h->packet_len <= sizeof(buf)) {
        int n =
            quic_retry_write(buf, buf + sizeof(buf), h->version, h->dcid,
                             h->dcid_len, h->scid, h->scid_len, h->token,
                             h->token_len, h->retry_tag, h->first_byte & 0x0f);
        /* Our builder always sets the fixed bit; the parser required it. */
        CHECK(n == (int)h->packet_len && memcmp(buf, pkt, (size_t)n) == 0);
    }
    if (h->type == QUIC_PACKET_VERSION_NEGOTIATION) {
        size_t count = quic_version_negotiation_count(h);
        uint32_t versions[64];
        if (count > 64)
            return;
        for (size_t i = 0; i < count; i++)
            versions[i] = quic_version_negotiation_at(h, i);
        int n = quic_version_negotiation_write(
            buf, buf + sizeof(buf), h->dcid, h->dcid_len, h->scid, h->scid_len,
            versions, count, h->first_byte & 0x3f);
        if (h->packet_len > sizeof(buf))
            return;
        CHECK(n == (int)h->packet_len);
        CHECK(memcmp(buf + 1, pkt + 1, (size_t)n - 1) == 0);
    }
}

static void check_peek(const quic_packet_header *h, const uint8_t *p,
                       const uint8_t *end, size_t dcid_len) {
    quic_packet_header pk;
    CHECK(quic_packet_peek(&pk, p, end, dcid_len) == 0);
    CHECK(pk.type == h->type && pk.version == h->version);
    CHECK(pk.dcid == h->dcid && pk.dcid_len == h->dcid_len);
    CHECK(pk.packet_len == h->packet_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    size_t dcid_len = data[0] % (QUIC_MAX_CID_LEN + 1);
    const uint8_t *p = data + 1, *end = data + size;
    while (p < end) {
        quic_packet_header h;
        int rc = quic_packet_parse(&h, p, end, dcid_len);
        if (rc == QUIC_ERR_UNKNOWN_VERSION) {
            quic_packet_header pk;
            int prc = quic_packet_peek(&pk, p, end, dcid_len);
            CHECK(prc == 0 && !pk.version_known);
            check_inside(pk.dcid, pk.dcid_len, p, end);
            check_inside(pk.scid, pk.scid_len, p, end);
            break;
        }
        if (rc != 0) {
            CHECK(rc < 0);
            break;
        }
        CHECK(h.packet_len > 0 && h.packet_len <= (size_t)(end - p));
        const uint8_t *pend = p + h.packet_len;
        check_inside(h.dcid, h.dcid_len, p, pend);
        check_inside(h.scid, h.scid_len, p, pend);
        check_inside(h.token, h.token_len, p, pend);
        check_inside(h.versions, h.versions_len, p, pend);
        if (h.retry_tag)
            check_inside(h.retry_tag, QUIC_RETRY_TAG_LEN, p, pend);
        if (h.pn_offset)
            CHECK(h.pn_offset < h.packet_len);
        check_peek(&h, p, end, dcid_len);
        if (h.is_long && h.type <= QUIC_PACKET_HANDSHAKE)
            rebuild_long(&h);
        rebuild_special(&h, p);
        p = pend;
    }
    return 0;
}

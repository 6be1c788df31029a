/* tests/unit/core_packet_test.c — packet header parsing and building
 * (RFC 9000 §17, RFC 8999, RFC 9369 §3.2) against the RFC 9001 and RFC 9369
 * Appendix A packets, plus coalescing, Version Negotiation, Retry layout and
 * every malformed-header error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/packet.h"
#include "tests/unit/support/vectors.h"

static const uint8_t client_dcid[8] = {0x83, 0x94, 0xc8, 0xf0,
                                       0x3e, 0x51, 0x57, 0x08};
static const uint8_t server_scid[8] = {0xf0, 0x67, 0xa5, 0x50,
                                       0x2a, 0x42, 0x62, 0xb5};

/* The two Appendix A vector files, one per version. */
static const struct {
    const char *file;
    uint32_t version;
} vector_files[] = {
    {"rfc9001-test-vectors.txt", QUIC_VERSION_1},
    {"rfc9369-test-vectors.txt", QUIC_VERSION_2},
};

static const uint8_t *need(const test_vectors *tv, const char *name,
                           size_t *len) {
    const uint8_t *b = test_vectors_bytes(tv, name, len);
    if (!b)
        fail_msg("%s: no %s", tv->path, name);
    return b;
}

static void load(test_vectors *tv, const char *file) {
    if (test_vectors_load(tv, file) != 0)
        fail_msg("cannot load %s", file);
}

static void test_quic_packet_parse_rfc_initials(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        test_vectors tv;
        load(&tv, vector_files[i].file);
        size_t len;
        const uint8_t *pkt = need(&tv, "client_initial_protected_packet", &len);
        quic_packet_header h;
        assert_int_equal(quic_packet_parse(&h, pkt, pkt + len, 0), 0);
        assert_int_equal(h.type, QUIC_PACKET_INITIAL);
        assert_true(h.is_long && h.version_known);
        assert_int_equal(h.version, vector_files[i].version);
        assert_int_equal(h.dcid_len, 8);
        assert_memory_equal(h.dcid, client_dcid, 8);
        assert_int_equal(h.scid_len, 0);
        assert_int_equal(h.token_len, 0);
        assert_int_equal(h.length, 1182);
        assert_int_equal(h.pn_offset, 18);
        assert_int_equal(h.packet_len, 1200);

        pkt = need(&tv, "server_initial_protected_packet", &len);
        assert_int_equal(quic_packet_parse(&h, pkt, pkt + len, 0), 0);
        assert_int_equal(h.type, QUIC_PACKET_INITIAL);
        assert_int_equal(h.dcid_len, 0);
        assert_int_equal(h.scid_len, 8);
        assert_memory_equal(h.scid, server_scid, 8);
        assert_int_equal(h.length, 117);
        assert_int_equal(h.pn_offset, 18);
        assert_int_equal(h.packet_len, 135);
        test_vectors_free(&tv);
    }
}

static void test_quic_long_header_write_rfc_initials(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        test_vectors tv;
        load(&tv, vector_files[i].file);
        uint8_t out[64];
        size_t len;
        /* Client: PN 2 in 4 bytes, Length 1182 (RFC 9001 §A.2). */
        quic_long_header_fields f = {.type = QUIC_PACKET_INITIAL,
                                     .version = vector_files[i].version,
                                     .dcid = client_dcid,
                                     .dcid_len = 8};
        const uint8_t *want =
            need(&tv, "client_initial_unprotected_header", &len);
        assert_int_equal(quic_long_header_len(&f, 4), len);
        int n = quic_long_header_write(out, out + sizeof(out), &f, 2, 4);
        assert_int_equal(n, len);
        assert_int_equal(quic_long_header_set_length(out, (size_t)n - 4, 1182),
                         0);
        assert_memory_equal(out, want, len);
        /* Server: PN 1 in 2 bytes, Length 117 (RFC 9001 §A.3). */
        f = (quic_long_header_fields){.type = QUIC_PACKET_INITIAL,
                                      .version = vector_files[i].version,
                                      .scid = server_scid,
                                      .scid_len = 8};
        want = need(&tv, "server_initial_unprotected_header", &len);
        n = quic_long_header_write(out, out + sizeof(out), &f, 1, 2);
        assert_int_equal(n, len);
        assert_int_equal(quic_long_header_set_length(out, (size_t)n - 2, 117),
                         0);
        assert_memory_equal(out, want, len);
        test_vectors_free(&tv);
    }
}

static void test_quic_packet_parse_rfc_retry(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        test_vectors tv;
        load(&tv, vector_files[i].file);
        size_t len, tag_len, tok_len;
        const uint8_t *pkt = need(&tv, "retry_packet", &len);
        const uint8_t *tag = need(&tv, "retry_integrity_tag", &tag_len);
        const uint8_t *tok = need(&tv, "retry_token", &tok_len);
        quic_packet_header h;
        assert_int_equal(quic_packet_parse(&h, pkt, pkt + len, 0), 0);
        assert_int_equal(h.type, QUIC_PACKET_RETRY);
        assert_int_equal(h.version, vector_files[i].version);
        assert_int_equal(h.dcid_len, 0);
        assert_int_equal(h.scid_len, 8);
        assert_memory_equal(h.scid, server_scid, 8);
        assert_int_equal(h.token_len, tok_len);
        assert_memory_equal(h.token, tok, tok_len);
        assert_ptr_equal(h.retry_tag, pkt + len - 16);
        assert_memory_equal(h.retry_tag, tag, tag_len);
        assert_int_equal(h.packet_len, len);
        test_vectors_free(&tv);
    }
}

static void test_quic_retry_write_rfc_retry(void **state) {
    (void)state;
    for (size_t i = 0; i < 2; i++) {
        test_vectors tv;
        load(&tv, vector_files[i].file);
        size_t len, tag_len, tok_len, pseudo_len, odcid_len;
        const uint8_t *want = need(&tv, "retry_packet", &len);
        const uint8_t *tag = need(&tv, "retry_integrity_tag", &tag_len);
        const uint8_t *tok = need(&tv, "retry_token", &tok_len);
        const uint8_t *pseudo = need(&tv, "retry_pseudo_packet", &pseudo_len);
        const uint8_t *odcid = need(&tv, "retry_odcid", &odcid_len);
        uint8_t out[64], ps[64];
        assert_int_equal(quic_retry_len(0, 8, tok_len), len);
        /* The RFC packets set all four unused bits. */
        int n =
            quic_retry_write(out, out + sizeof(out), vector_files[i].version,
                             NULL, 0, server_scid, 8, tok, tok_len, tag, 0x0f);
        assert_int_equal(n, len);
        assert_memory_equal(out, want, len);
        /* Without a tag: zeros, then the pseudo-packet over the rest. */
        n = quic_retry_write(out, out + sizeof(out), vector_files[i].version,
                             NULL, 0, server_scid, 8, tok, tok_len, NULL, 0x0f);
        assert_int_equal(n, len);
        static const uint8_t zero[16];
        assert_memory_equal(out + len - 16, zero, 16);
        n = quic_retry_pseudo_packet_write(ps, ps + sizeof(ps), odcid,
                                           odcid_len, out, len - 16);
        assert_int_equal(n, pseudo_len);
        assert_memory_equal(ps, pseudo, pseudo_len);
        test_vectors_free(&tv);
    }
}

static void test_quic_short_header_write_rfc_chacha20(void **state) {
    (void)state;
    test_vectors tv;
    load(&tv, "rfc9001-test-vectors.txt");
    size_t len;
    const uint8_t *want = need(&tv, "chacha20_unprotected_header", &len);
    uint8_t out[8];
    /* RFC 9001 §A.5: PN 654360564 sent in 3 bytes, empty DCID. */
    int n = quic_short_header_write(out, out + sizeof(out), NULL, 0, false,
                                    false, 654360564, 3);
    assert_int_equal(n, len);
    assert_memory_equal(out, want, len);
    quic_packet_header h;
    size_t plen;
    const uint8_t *pkt = need(&tv, "chacha20_protected_packet", &plen);
    assert_int_equal(quic_packet_parse(&h, pkt, pkt + plen, 0), 0);
    assert_int_equal(h.type, QUIC_PACKET_ONE_RTT);
    assert_false(h.is_long);
    assert_int_equal(h.pn_offset, 1);
    assert_int_equal(h.packet_len, 21);
    test_vectors_free(&tv);
}

static void test_quic_short_header_write_bits(void **state) {
    (void)state;
    uint8_t out[32];
    static const uint8_t cid[4] = {1, 2, 3, 4};
    int n = quic_short_header_write(out, out + sizeof(out), cid, 4, true, true,
                                    0x1234, 2);
    assert_int_equal(n, 7);
    static const uint8_t want[] = {
        0x40 | 0x20 | 0x04 | 0x01, 1, 2, 3, 4, 0x12, 0x34};
    assert_memory_equal(out, want, sizeof(want));
    assert_int_equal(
        quic_short_header_write(out, out + 6, cid, 4, false, false, 0, 2),
        QUIC_ERR_NOBUF);
    assert_int_equal(
        quic_short_header_write(out, out + 32, cid, 4, false, false, 0, 5),
        QUIC_ERR_INVALID_ARGUMENT);
    quic_packet_header h;
    assert_int_equal(quic_packet_parse(&h, out, out + n, 4), 0);
    assert_memory_equal(h.dcid, cid, 4);
    assert_int_equal(h.pn_offset, 5);
}

/* Builds Initial + Handshake + 1-RTT into one datagram; returns its size. */
static size_t build_coalesced(uint8_t *dg, size_t cap, uint32_t version) {
    static const uint8_t dcid[5] = {9, 9, 9, 9, 9}, scid[3] = {7, 7, 7};
    static const uint8_t token[2] = {0xaa, 0xbb};
    quic_long_header_fields f = {
        QUIC_PACKET_INITIAL, version, dcid, 5, scid, 3, token, 2};
    uint8_t *p = dg, *end = dg + cap;
    int n = quic_long_header_write(p, end, &f, 7, 1);
    assert_true(n > 0);
    memset(p + n, 0x11, 30); /* "payload" */
    assert_int_equal(quic_long_header_set_length(p, (size_t)n - 1, 31), 0);
    p += n + 30;
    f.type = QUIC_PACKET_HANDSHAKE;
    n = quic_long_header_write(p, end, &f, 0x0102, 2);
    assert_true(n > 0);
    memset(p + n, 0x22, 20);
    assert_int_equal(quic_long_header_set_length(p, (size_t)n - 2, 22), 0);
    p += n + 20;
    n = quic_short_header_write(p, end, dcid, 5, false, false, 3, 1);
    assert_true(n > 0);
    memset(p + n, 0x33, 25);
    p += n + 25;
    return (size_t)(p - dg);
}

static void test_quic_packet_parse_coalesced_walk(void **state) {
    (void)state;
    for (size_t v = 0; v < 2; v++) {
        uint8_t dg[256];
        size_t len = build_coalesced(dg, sizeof(dg), vector_files[v].version);
        const uint8_t *p = dg, *end = dg + len;
        quic_packet_header h;
        static const quic_packet_type want[] = {
            QUIC_PACKET_INITIAL, QUIC_PACKET_HANDSHAKE, QUIC_PACKET_ONE_RTT};
        for (size_t i = 0; i < 3; i++) {
            assert_int_equal(quic_packet_parse(&h, p, end, 5), 0);
            assert_int_equal(h.type, want[i]);
            p += h.packet_len;
        }
        assert_ptr_equal(p, end);
        /* The Initial's token and the Handshake's fields. */
        assert_int_equal(quic_packet_parse(&h, dg, end, 5), 0);
        assert_int_equal(h.token_len, 2);
        assert_int_equal(h.token[1], 0xbb);
        assert_int_equal(h.length, 31);
        assert_int_equal(h.pn_offset, 1 + 4 + 1 + 5 + 1 + 3 + 1 + 2 + 2);
        assert_int_equal(dg[h.pn_offset], 7);
    }
}

static void test_quic_packet_parse_v2_type_bits(void **state) {
    (void)state;
    /* RFC 9369 §3.2: the same type codes mean different packets. */
    static const struct {
        int line;
        uint8_t first;
        uint32_t version;
        quic_packet_type type;
    } rows[] = {
        {__LINE__, 0xc0, QUIC_VERSION_1, QUIC_PACKET_INITIAL},
        {__LINE__, 0xd0, QUIC_VERSION_1, QUIC_PACKET_ZERO_RTT},
        {__LINE__, 0xe0, QUIC_VERSION_1, QUIC_PACKET_HANDSHAKE},
        {__LINE__, 0xd0, QUIC_VERSION_2, QUIC_PACKET_INITIAL},
        {__LINE__, 0xe0, QUIC_VERSION_2, QUIC_PACKET_ZERO_RTT},
        {__LINE__, 0xf0, QUIC_VERSION_2, QUIC_PACKET_HANDSHAKE},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint8_t pkt[] = {rows[i].first, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        pkt[1] = (uint8_t)(rows[i].version >> 24);
        pkt[2] = (uint8_t)(rows[i].version >> 16);
        pkt[3] = (uint8_t)(rows[i].version >> 8);
        pkt[4] = (uint8_t)rows[i].version;
        /* Initial needs a token length before the Length: shift. */
        size_t len = sizeof(pkt);
        if (rows[i].type != QUIC_PACKET_INITIAL) {
            pkt[7] = 1;
            pkt[8] = 0;
            len = 9;
        } else {
            pkt[7] = 0; /* token length */
            pkt[8] = 1; /* Length */
            len = 10;
        }
        quic_packet_header h;
        int rc = quic_packet_parse(&h, pkt, pkt + len, 0);
        if (rc != 0 || h.type != rows[i].type)
            fail_msg("row at line %d: rc %d type %d", rows[i].line, rc, h.type);
        quic_long_header_fields f = {.type = rows[i].type,
                                     .version = rows[i].version};
        uint8_t out[16];
        assert_true(quic_long_header_write(out, out + 16, &f, 0, 1) > 0);
        if (out[0] != rows[i].first)
            fail_msg("row at line %d: built 0x%02x", rows[i].line, out[0]);
    }
}

/* Every prefix of a valid header must fail with TRUNCATED or, once the
 * Length field is read, PACKET_LENGTH; never read past the end. */
static void test_quic_packet_parse_every_truncation(void **state) {
    (void)state;
    uint8_t dg[256];
    size_t len = build_coalesced(dg, sizeof(dg), QUIC_VERSION_1);
    quic_packet_header h;
    assert_int_equal(quic_packet_parse(&h, dg, dg + len, 5), 0);
    size_t first_len = h.packet_len, pn_off = h.pn_offset;
    for (size_t cut = 0; cut < first_len; cut++) {
        int rc = quic_packet_parse(&h, dg, dg + cut, 5);
        int want = cut < pn_off ? QUIC_ERR_TRUNCATED : QUIC_ERR_PACKET_LENGTH;
        if (rc != want)
            fail_msg("cut %zu: got %d want %d", cut, rc, want);
    }
    /* Short header: the DCID and one PN byte. */
    const uint8_t sh[] = {0x40, 1, 2, 3, 4, 5, 0};
    for (size_t cut = 0; cut < sizeof(sh); cut++)
        assert_int_equal(quic_packet_parse(&h, sh, sh + cut, 5),
                         QUIC_ERR_TRUNCATED);
    assert_int_equal(quic_packet_parse(&h, sh, sh + sizeof(sh), 5), 0);
    assert_int_equal(quic_packet_parse(&h, NULL, NULL, 5), QUIC_ERR_TRUNCATED);
}

static void test_quic_packet_parse_rejects(void **state) {
    (void)state;
    quic_packet_header h;
    /* Fixed bit 0: long v1 and short. */
    const uint8_t long_nofix[] = {0x80, 0, 0, 0, 1, 0, 0, 0, 1, 0};
    assert_int_equal(quic_packet_parse(&h, long_nofix, long_nofix + 10, 0),
                     QUIC_ERR_FIXED_BIT);
    const uint8_t short_nofix[] = {0x00, 1};
    assert_int_equal(quic_packet_parse(&h, short_nofix, short_nofix + 2, 0),
                     QUIC_ERR_FIXED_BIT);
    /* A 21-byte DCID in v1. */
    uint8_t big[64] = {0xc0, 0, 0, 0, 1, 21};
    assert_int_equal(quic_packet_parse(&h, big, big + sizeof(big), 0),
                     QUIC_ERR_CID_TOO_LONG);
    /* ... and a 21-byte SCID. */
    big[5] = 0;
    big[6] = 21;
    assert_int_equal(quic_packet_parse(&h, big, big + sizeof(big), 0),
                     QUIC_ERR_CID_TOO_LONG);
    /* Length 0, and Length past the datagram. */
    const uint8_t zero_len[] = {0xe0, 0, 0, 0, 1, 0, 0, 0};
    assert_int_equal(quic_packet_parse(&h, zero_len, zero_len + 8, 0),
                     QUIC_ERR_PACKET_LENGTH);
    const uint8_t long_len[] = {0xe0, 0, 0, 0, 1, 0, 0, 0x40, 3, 0, 0};
    assert_int_equal(quic_packet_parse(&h, long_len, long_len + 11, 0),
                     QUIC_ERR_PACKET_LENGTH);
    /* Initial token length past the datagram. */
    const uint8_t long_tok[] = {0xc0, 0, 0, 0, 1, 0, 0, 5, 1, 1};
    assert_int_equal(quic_packet_parse(&h, long_tok, long_tok + 10, 0),
                     QUIC_ERR_TRUNCATED);
    /* Retry: empty token, and shorter than its tag. */
    uint8_t retry[7 + 16] = {0xf0, 0, 0, 0, 1, 0, 0};
    assert_int_equal(quic_packet_parse(&h, retry, retry + sizeof(retry), 0),
                     QUIC_ERR_RETRY_NO_TOKEN);
    assert_int_equal(quic_packet_parse(&h, retry, retry + 20, 0),
                     QUIC_ERR_TRUNCATED);
    /* A short-header CID length we cannot have. */
    assert_int_equal(quic_packet_parse(&h, short_nofix, short_nofix + 2, 21),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_packet_peek_unknown_version(void **state) {
    (void)state;
    /* RFC 8999 §5.1: 255-byte CIDs, any bits, any contents after. */
    uint8_t pkt[1 + 4 + 1 + 255 + 1 + 30 + 3];
    memset(pkt, 0x5a, sizeof(pkt));
    pkt[0] = 0x80; /* fixed bit 0: not ours to judge */
    pkt[1] = 0x1a;
    pkt[2] = 0x2a;
    pkt[3] = 0x3a;
    pkt[4] = 0x4a;
    pkt[5] = 255;
    pkt[5 + 1 + 255] = 30;
    quic_packet_header h;
    assert_int_equal(quic_packet_parse(&h, pkt, pkt + sizeof(pkt), 0),
                     QUIC_ERR_UNKNOWN_VERSION);
    assert_int_equal(h.version, 0x1a2a3a4a); /* invariants still set */
    assert_int_equal(quic_packet_peek(&h, pkt, pkt + sizeof(pkt), 0), 0);
    assert_false(h.version_known);
    assert_int_equal(h.version, 0x1a2a3a4a);
    assert_int_equal(h.dcid_len, 255);
    assert_ptr_equal(h.dcid, pkt + 6);
    assert_int_equal(h.scid_len, 30);
    assert_ptr_equal(h.scid, pkt + 6 + 255 + 1);
    /* Truncated inside the SCID. */
    assert_int_equal(quic_packet_peek(&h, pkt, pkt + 6 + 255 + 10, 0),
                     QUIC_ERR_TRUNCATED);
    /* Known versions peek like parse. */
    uint8_t dg[256];
    size_t len = build_coalesced(dg, sizeof(dg), QUIC_VERSION_2);
    assert_int_equal(quic_packet_peek(&h, dg, dg + len, 5), 0);
    assert_true(h.version_known);
    assert_int_equal(h.type, QUIC_PACKET_INITIAL);
    assert_int_equal(h.token_len, 2);
}

static void test_quic_version_negotiation_write_and_parse(void **state) {
    (void)state;
    static const uint8_t dcid[3] = {1, 2, 3}, scid[2] = {4, 5};
    static const uint32_t versions[] = {QUIC_VERSION_2, QUIC_VERSION_1,
                                        0x1a2a3a4a};
    uint8_t out[64];
    int n = quic_version_negotiation_write(out, out + sizeof(out), dcid, 3,
                                           scid, 2, versions, 3, 0x15);
    static const uint8_t want[] = {
        0xc0 | 0x15, 0,    0,    0,    0, 3, 1, 2, 3,    2,    4,    5,
        0x6b,        0x33, 0x43, 0xcf, 0, 0, 0, 1, 0x1a, 0x2a, 0x3a, 0x4a};
    assert_int_equal(n, sizeof(want));
    assert_int_equal(quic_version_negotiation_len(3, 2, 3), sizeof(want));
    assert_memory_equal(out, want, sizeof(want));
    quic_packet_header h;
    assert_int_equal(quic_packet_parse(&h, out, out + n, 0), 0);
    assert_int_equal(h.type, QUIC_PACKET_VERSION_NEGOTIATION);
    assert_int_equal(h.version, 0);
    assert_int_equal(quic_version_negotiation_count(&h), 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(quic_version_negotiation_at(&h, i), versions[i]);
    assert_int_equal(h.packet_len, (size_t)n);
    /* Fixed bit is not checked in VN (RFC 9000 §17.2.1: "Unused"). */
    out[0] = 0x80;
    assert_int_equal(quic_packet_parse(&h, out, out + n, 0), 0);
    /* Ragged and empty lists. */
    assert_int_equal(quic_packet_parse(&h, out, out + n - 1, 0),
                     QUIC_ERR_VN_LIST);
    assert_int_equal(quic_packet_parse(&h, out, out + 12, 0), QUIC_ERR_VN_LIST);
    assert_int_equal(quic_version_negotiation_write(out, out + sizeof(out),
                                                    dcid, 3, scid, 2, versions,
                                                    0, 0),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_version_negotiation_write(out, out + 23, dcid, 3,
                                                    scid, 2, versions, 3, 0),
                     QUIC_ERR_NOBUF);
}

static void test_quic_long_header_write_rejects(void **state) {
    (void)state;
    uint8_t out[64];
    static const uint8_t cid[21] = {0};
    quic_long_header_fields f = {.type = QUIC_PACKET_HANDSHAKE,
                                 .version = QUIC_VERSION_1,
                                 .dcid = cid,
                                 .dcid_len = 8};
    assert_int_equal(quic_long_header_write(out, out + 64, &f, 0, 0),
                     QUIC_ERR_INVALID_ARGUMENT);
    f.dcid_len = 21;
    assert_int_equal(quic_long_header_write(out, out + 64, &f, 0, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    f.dcid_len = 8;
    f.type = QUIC_PACKET_RETRY;
    assert_int_equal(quic_long_header_len(&f, 1), 0);
    f.type = QUIC_PACKET_HANDSHAKE;
    f.version = 0x1a2a3a4a;
    assert_int_equal(quic_long_header_write(out, out + 64, &f, 0, 1),
                     QUIC_ERR_INVALID_ARGUMENT);
    f.version = QUIC_VERSION_1;
    size_t need_len = quic_long_header_len(&f, 4);
    assert_int_equal(need_len, 1 + 4 + 1 + 8 + 1 + 2 + 4);
    assert_int_equal(quic_long_header_write(out, out + need_len - 1, &f, 0, 4),
                     QUIC_ERR_NOBUF);
    assert_int_equal(quic_long_header_write(out, out + need_len, &f, 0, 4),
                     (int)need_len);
    assert_int_equal(quic_long_header_set_length(out, need_len - 4, 16384),
                     QUIC_ERR_INVALID_ARGUMENT);
    assert_int_equal(quic_long_header_set_length(out, need_len - 4, 16383), 0);
    assert_int_equal(out[need_len - 6], 0x7f);
    assert_int_equal(quic_retry_write(out, out + 64, QUIC_VERSION_1, cid, 8,
                                      cid, 8, cid, 0, NULL, 0),
                     QUIC_ERR_INVALID_ARGUMENT);
}

static void test_quic_cid_from_bytes_limits(void **state) {
    (void)state;
    static const uint8_t b[21] = {1, 2, 3};
    quic_cid c;
    assert_int_equal(quic_cid_from_bytes(&c, b, 3), 0);
    assert_int_equal(c.len, 3);
    assert_memory_equal(c.data, b, 3);
    assert_int_equal(quic_cid_from_bytes(&c, b, 0), 0);
    assert_int_equal(c.len, 0);
    assert_int_equal(quic_cid_from_bytes(&c, b, 21), QUIC_ERR_CID_TOO_LONG);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quic_packet_parse_rfc_initials),
        cmocka_unit_test(test_quic_long_header_write_rfc_initials),
        cmocka_unit_test(test_quic_packet_parse_rfc_retry),
        cmocka_unit_test(test_quic_retry_write_rfc_retry),
        cmocka_unit_test(test_quic_short_header_write_rfc_chacha20),
        cmocka_unit_test(test_quic_short_header_write_bits),
        cmocka_unit_test(test_quic_packet_parse_coalesced_walk),
        cmocka_unit_test(test_quic_packet_parse_v2_type_bits),
        cmocka_unit_test(test_quic_packet_parse_every_truncation),
        cmocka_unit_test(test_quic_packet_parse_rejects),
        cmocka_unit_test(test_quic_packet_peek_unknown_version),
        cmocka_unit_test(test_quic_version_negotiation_write_and_parse),
        cmocka_unit_test(test_quic_long_header_write_rejects),
        cmocka_unit_test(test_quic_cid_from_bytes_limits),
    };
    return cmocka_run_group_tests_name("core_packet", tests, NULL, NULL);
}

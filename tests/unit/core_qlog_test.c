/* tests/unit/core_qlog_test.c — the qlog JSON-SEQ writer: every record is
 * RS + one JSON text + LF and is parsed back by a strict RFC 8259 parser in
 * this file; the header, packet events with their frames, recovery,
 * security and connectivity events carry the draft's names and fields;
 * strings are escaped (controls, quotes, backslash, non-UTF-8 bytes) and
 * times are locale-free milliseconds; oversized records and frames are
 * dropped without breaking the JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cmocka.h>

#include "core/qlog.h"

/* ---- A strict JSON parser (RFC 8259) into a small tree ------------------ */

typedef enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jtype;

#define J_MAX_NODES 4096
#define J_MAX_TEXT 65536

typedef struct jnode {
    jtype type;
    const char *key; /* member name inside an object */
    const char *str; /* J_STR: decoded UTF-8; J_NUM: the literal */
    bool b;
    int first, next; /* children list; -1 ends */
} jnode;

typedef struct jparser {
    const char *p, *end;
    jnode nodes[J_MAX_NODES];
    int n;
    char text[J_MAX_TEXT];
    size_t text_len;
    int depth;
} jparser;

static int jvalue(jparser *j);

static void jws(jparser *j) {
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int jnew(jparser *j, jtype t) {
    if (j->n == J_MAX_NODES)
        return -1;
    j->nodes[j->n] = (jnode){.type = t, .first = -1, .next = -1};
    return j->n++;
}

static bool jtext_put(jparser *j, const char *s, size_t n) {
    if (J_MAX_TEXT - j->text_len <= n)
        return false;
    memcpy(j->text + j->text_len, s, n);
    j->text_len += n;
    return true;
}

static int jhex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Encodes code point |cp| (below U+10000 here) as UTF-8. */
static bool jutf8_put(jparser *j, int cp) {
    char b[3];
    if (cp < 0x80)
        return jtext_put(j, (char[]){(char)cp}, 1);
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3f));
        return jtext_put(j, b, 2);
    }
    b[0] = (char)(0xe0 | cp >> 12);
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[2] = (char)(0x80 | (cp & 0x3f));
    return jtext_put(j, b, 3);
}

/* Length of the valid UTF-8 sequence at |p|, or 0 (independent of the
 * writer's own check). */
static size_t jutf8_len(const unsigned char *p, const unsigned char *end) {
    size_t n = p[0] < 0x80   ? 1
               : p[0] < 0xc2 ? 0
               : p[0] < 0xe0 ? 2
               : p[0] < 0xf0 ? 3
               : p[0] < 0xf5 ? 4
                             : 0;
    if (!n || (size_t)(end - p) < n)
        return 0;
    uint32_t cp = n == 1 ? p[0] : p[0] & (0xff >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static const char *jstring(jparser *j) {
    if (j->p >= j->end || *j->p != '"')
        return NULL;
    j->p++;
    size_t start = j->text_len;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return NULL; /* raw control characters are not allowed */
        if (c == '\\') {
            if (j->end - j->p < 2)
                return NULL;
            char e = j->p[1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char out[] = "\"\\/\b\f\n\r\t";
                if (!jtext_put(j, &out[simple - "\"\\/bfnrt"], 1))
                    return NULL;
                j->p += 2;
            } else if (e == 'u' && j->end - j->p >= 6) {
                int cp = jhex4(j->p + 2);
                if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff) ||
                    !jutf8_put(j, cp))
                    return NULL;
                j->p += 6;
            } else {
                return NULL;
            }
            continue;
        }
        size_t n = jutf8_len((const unsigned char *)j->p,
                             (const unsigned char *)j->end);
        if (!n || !jtext_put(j, j->p, n))
            return NULL;
        j->p += n;
    }
    if (j->p >= j->end || !jtext_put(j, "", 1))
        return NULL;
    j->p++;
    return j->text + start;
}

static int jnumber(jparser *j) {
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return -1;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return -1;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E'))
        return -1; /* the writer never uses exponents */
    int id = jnew(j, J_NUM);
    size_t at = j->text_len;
    if (id < 0 || !jtext_put(j, s, (size_t)(j->p - s)) || !jtext_put(j, "", 1))
        return -1;
    j->nodes[id].str = j->text + at;
    return id;
}

static bool jliteral(jparser *j, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return false;
    j->p += n;
    return true;
}

/* Members or elements until |close|; appends children to |parent|. */
static int jcontainer(jparser *j, jtype t, char close) {
    int id = jnew(j, t);
    if (id < 0 || ++j->depth > 64)
        return -1;
    j->p++;
    jws(j);
    int last = -1;
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return id;
    }
    for (;;) {
        const char *key = NULL;
        jws(j);
        if (t == J_OBJ) {
            if (!(key = jstring(j)))
                return -1;
            jws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return -1;
        }
        int child = jvalue(j);
        if (child < 0)
            return -1;
        j->nodes[child].key = key;
        if (last < 0)
            j->nodes[id].first = child;
        else
            j->nodes[last].next = child;
        last = child;
        jws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            j->depth--;
            return id;
        }
        return -1;
    }
}

static int jvalue(jparser *j) {
    jws(j);
    if (j->p >= j->end)
        return -1;
    switch (*j->p) {
    case '{': return jcontainer(j, J_OBJ, '}');
    case '[': return jcontainer(j, J_ARR, ']');
    case '"': {
        const char *s = jstring(j);
        int id = s ? jnew(j, J_STR) : -1;
        if (id >= 0)
            j->nodes[id].str = s;
        return id;
    }
    case 't':
    case 'f': {
        bool b = *j->p == 't';
        int id = jliteral(j, b ? "true" : "false") ? jnew(j, J_BOOL) : -1;
        if (id >= 0)
            j->nodes[id].b = b;
        return id;
    }
    case 'n': return jliteral(j, "null") ? jnew(j, J_NULL) : -1;
    default: return jnumber(j);
    }
}

/* Parses one JSON-SEQ record: RS, exactly one JSON text, LF. */
static int jparse_record(jparser *j, const char *rec, size_t len) {
    memset(j, 0, offsetof(jparser, nodes));
    j->n = 0;
    j->text_len = 0;
    if (len < 3 || rec[0] != 0x1e || rec[len - 1] != '\n')
        return -1;
    if (memchr(rec + 1, 0x1e, len - 1))
        return -1;
    j->p = rec + 1;
    j->end = rec + len - 1;
    int root = jvalue(j);
    jws(j);
    return root >= 0 && j->p == j->end ? root : -1;
}

/* The node at |path| ("data.frames.0.stream_id") under |id|, or -1. */
static int jget(const jparser *j, int id, const char *path) {
    char part[64];
    while (id >= 0 && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(part))
            return -1;
        memcpy(part, path, n);
        part[n] = 0;
        path += n + (path[n] == '.');
        const jnode *node = &j->nodes[id];
        int c = node->first;
        if (node->type == J_ARR) {
            for (long k = strtol(part, NULL, 10); c >= 0 && k > 0; k--)
                c = j->nodes[c].next;
        } else if (node->type == J_OBJ) {
            while (c >= 0 && strcmp(j->nodes[c].key, part) != 0)
                c = j->nodes[c].next;
        } else {
            c = -1;
        }
        id = c;
    }
    return id;
}

static const char *jstr(const jparser *j, int root, const char *path) {
    int id = jget(j, root, path);
    if (id < 0 || (j->nodes[id].type != J_STR && j->nodes[id].type != J_NUM))
        fail_msg("%s: missing or not a string/number", path);
    return j->nodes[id].str;
}

static size_t jcount(const jparser *j, int root, const char *path) {
    int id = jget(j, root, path);
    if (id < 0)
        return 0;
    size_t n = 0;
    for (int c = j->nodes[id].first; c >= 0; c = j->nodes[c].next)
        n++;
    return n;
}

/* Whether |needle| occurs in the |n| bytes at |hay| (memmem is a GNU
 * extension). */
static bool contains(const char *hay, size_t n, const char *needle) {
    size_t m = strlen(needle);
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

/* ---- The sink -------------------------------------------------------------
 */

typedef struct sink {
    char data[1 << 17];
    size_t len;
    size_t offsets[256], lens[256];
    size_t n;
    int fins;
    bool after_fin;
} sink;

static void collect(void *user, const uint8_t *data, size_t len, bool fin) {
    sink *s = user;
    if (s->fins)
        s->after_fin = true;
    if (fin) {
        s->fins++;
        assert_int_equal(len, 0);
        return;
    }
    assert_true(s->n < 256 && len <= sizeof(s->data) - s->len);
    memcpy(s->data + s->len, data, len);
    s->offsets[s->n] = s->len;
    s->lens[s->n++] = len;
    s->len += len;
}

typedef struct fixture {
    sink out;
    quic_qlog q;
    jparser j;
} fixture;

#define START (5 * QUIC_S)

static int setup(void **state) {
    fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    quic_cid group = {.len = 4, .data = {0xde, 0xad, 0xbe, 0xef}};
    quic_qlog_init(&f->q, collect, &f->out, false, &group, START);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    free(*state);
    return 0;
}

/* Parses record |i| (every one must parse) and returns its root. */
static int record(fixture *f, size_t i) {
    assert_true(i < f->out.n);
    int root =
        jparse_record(&f->j, f->out.data + f->out.offsets[i], f->out.lens[i]);
    if (root < 0)
        fail_msg("record %zu is not one JSON text: %.*s", i,
                 (int)f->out.lens[i], f->out.data + f->out.offsets[i]);
    return root;
}

static int last_record(fixture *f) {
    return record(f, f->out.n - 1);
}

/* ---- Tests ------------------------------------------------------------- */

static void test_quic_qlog_init_header_record(void **state) {
    fixture *f = *state;
    assert_int_equal(f->out.n, 1);
    int r = record(f, 0);
    jparser *j = &f->j;
    assert_string_equal(jstr(j, r, "file_schema"),
                        "urn:ietf:params:qlog:file:sequential");
    assert_string_equal(jstr(j, r, "serialization_format"),
                        "application/qlog+json-seq");
    assert_string_equal(jstr(j, r, "trace.vantage_point.type"), "client");
    assert_string_equal(jstr(j, r, "trace.common_fields.group_id"), "deadbeef");
    assert_string_equal(jstr(j, r, "trace.common_fields.time_format"),
                        "relative_to_epoch");
    assert_string_equal(
        jstr(j, r, "trace.common_fields.reference_time.clock_type"),
        "monotonic");
    assert_string_equal(jstr(j, r, "trace.event_schemas.0"),
                        "urn:ietf:params:qlog:events:quic-13");
    /* §6.1 of the main schema: these two in the first 256 bytes. */
    assert_true(f->out.lens[0] > 256);
    assert_true(contains(f->out.data, 256, "serialization_format"));
    /* A server trace. */
    sink other = {0};
    quic_qlog q;
    quic_qlog_init(&q, collect, &other, true, NULL, 0);
    assert_int_equal(other.n, 1);
    r = jparse_record(j, other.data, other.lens[0]);
    assert_true(r >= 0);
    assert_string_equal(jstr(j, r, "trace.vantage_point.type"), "server");
    assert_int_equal(jget(j, r, "trace.common_fields.group_id"), -1);
}

static quic_frame decode(const uint8_t *p, size_t n) {
    quic_frame fr;
    assert_int_equal(quic_frame_decode(&fr, p, p + n), (int)n);
    return fr;
}

static void test_quic_qlog_packet_sent_frames(void **state) {
    fixture *f = *state;
    quic_qlog *q = &f->q;
    quic_qlog_packet_begin(q, true, START + 1500 * QUIC_US,
                           QUIC_QLOG_PACKET_1RTT, 42, 1252);
    quic_frame fr = {.type = QUIC_FRAME_STREAM | QUIC_FRAME_STREAM_FIN |
                             QUIC_FRAME_STREAM_LEN | QUIC_FRAME_STREAM_OFF};
    fr.u.stream.stream_id = 4;
    fr.u.stream.offset = 1000;
    fr.u.stream.len = 1200;
    quic_qlog_frame(q, &fr, 3);
    /* ACK_ECN of 10-12, 7, 3-5 with a wire delay of 125 (× 2^3 µs). */
    uint8_t ack[64];
    const quic_ack_range ranges[3] = {{10, 12}, {7, 7}, {3, 5}};
    quic_ecn_counts ecn = {.ect0 = 9, .ect1 = 1, .ce = 2};
    size_t written;
    int n = quic_ack_frame_write(ack, ack + sizeof(ack), ranges, 3, 125, &ecn,
                                 &written);
    assert_true(n > 0);
    fr = decode(ack, (size_t)n);
    quic_qlog_frame(q, &fr, 3);
    fr = (quic_frame){.type = QUIC_FRAME_CRYPTO};
    fr.u.crypto.offset = 7;
    fr.u.crypto.len = 30;
    quic_qlog_frame(q, &fr, 3);
    fr = (quic_frame){.type = QUIC_FRAME_MAX_STREAMS_UNI};
    fr.u.max_streams.max = 100;
    quic_qlog_frame(q, &fr, 3);
    fr = (quic_frame){.type = QUIC_FRAME_PADDING};
    fr.u.padding.len = 17;
    quic_qlog_frame(q, &fr, 3);
    fr = (quic_frame){.type = 0x2a}; /* unknown */
    quic_qlog_frame(q, &fr, 3);
    quic_qlog_packet_end(q);

    int r = last_record(f);
    jparser *j = &f->j;
    assert_string_equal(jstr(j, r, "time"), "1.5");
    assert_string_equal(jstr(j, r, "name"), "quic:packet_sent");
    assert_string_equal(jstr(j, r, "data.header.packet_type"), "1RTT");
    assert_string_equal(jstr(j, r, "data.header.packet_number"), "42");
    assert_string_equal(jstr(j, r, "data.raw.length"), "1252");
    assert_int_equal(jcount(j, r, "data.frames"), 6);
    assert_string_equal(jstr(j, r, "data.frames.0.frame_type"), "stream");
    assert_string_equal(jstr(j, r, "data.frames.0.stream_id"), "4");
    assert_string_equal(jstr(j, r, "data.frames.0.offset"), "1000");
    assert_string_equal(jstr(j, r, "data.frames.0.raw.length"), "1200");
    assert_true(j->nodes[jget(j, r, "data.frames.0.fin")].b);
    assert_string_equal(jstr(j, r, "data.frames.1.frame_type"), "ack");
    assert_string_equal(jstr(j, r, "data.frames.1.ack_delay"), "1");
    assert_int_equal(jcount(j, r, "data.frames.1.acked_ranges"), 3);
    assert_string_equal(jstr(j, r, "data.frames.1.acked_ranges.0.0"), "10");
    assert_string_equal(jstr(j, r, "data.frames.1.acked_ranges.0.1"), "12");
    assert_int_equal(jcount(j, r, "data.frames.1.acked_ranges.1"), 1);
    assert_string_equal(jstr(j, r, "data.frames.1.acked_ranges.1.0"), "7");
    assert_string_equal(jstr(j, r, "data.frames.1.acked_ranges.2.0"), "3");
    assert_string_equal(jstr(j, r, "data.frames.1.ect0"), "9");
    assert_string_equal(jstr(j, r, "data.frames.1.ce"), "2");
    assert_string_equal(jstr(j, r, "data.frames.2.frame_type"), "crypto");
    assert_string_equal(jstr(j, r, "data.frames.2.raw.length"), "30");
    assert_string_equal(jstr(j, r, "data.frames.3.stream_type"),
                        "unidirectional");
    assert_string_equal(jstr(j, r, "data.frames.4.raw.payload_length"), "17");
    assert_string_equal(jstr(j, r, "data.frames.5.frame_type"), "unknown");
    assert_string_equal(jstr(j, r, "data.frames.5.frame_type_bytes"), "42");
}

static void test_quic_qlog_packet_received_and_lost(void **state) {
    fixture *f = *state;
    quic_qlog *q = &f->q;
    /* A Retry has no packet number; a packet with no frames is valid. */
    quic_qlog_packet_begin(q, false, START, QUIC_QLOG_PACKET_RETRY, 9, 60);
    quic_qlog_packet_end(q);
    int r = last_record(f);
    jparser *j = &f->j;
    assert_string_equal(jstr(j, r, "name"), "quic:packet_received");
    assert_string_equal(jstr(j, r, "time"), "0");
    assert_string_equal(jstr(j, r, "data.header.packet_type"), "retry");
    assert_int_equal(jget(j, r, "data.header.packet_number"), -1);
    assert_int_equal(jcount(j, r, "data.frames"), 0);
    /* An open packet is ended by the next event. */
    quic_qlog_packet_begin(q, false, START + 1, QUIC_QLOG_PACKET_HANDSHAKE, 3,
                           100);
    quic_frame ping = {.type = QUIC_FRAME_PING};
    quic_qlog_frame(q, &ping, 3);
    size_t before = f->out.n;
    quic_qlog_packet_lost(q, START + 2, QUIC_QLOG_PACKET_INITIAL, 1,
                          QUIC_QLOG_LOSS_TIME);
    assert_int_equal(f->out.n, before + 2);
    r = record(f, before);
    assert_string_equal(jstr(j, r, "time"), "0.000001");
    assert_string_equal(jstr(j, r, "data.frames.0.frame_type"), "ping");
    r = record(f, before + 1);
    assert_string_equal(jstr(j, r, "name"), "quic:packet_lost");
    assert_string_equal(jstr(j, r, "data.header.packet_type"), "initial");
    assert_string_equal(jstr(j, r, "data.header.packet_number"), "1");
    assert_string_equal(jstr(j, r, "data.trigger"), "time_threshold");
    /* Frames outside a packet are ignored. */
    quic_qlog_frame(q, &ping, 3);
    assert_int_equal(f->out.n, before + 2);
}

static const struct ms_case {
    int line;
    quic_time ns;
    const char *want;
} ms_cases[] = {
    {__LINE__, 0, "0"},
    {__LINE__, 1, "0.000001"},
    {__LINE__, 1000, "0.001"},
    {__LINE__, 1500000, "1.5"},
    {__LINE__, 12345678901, "12345.678901"},
    {__LINE__, 86400 * QUIC_S, "86400000"},
};

static void test_quic_qlog_time_is_fractional_ms(void **state) {
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(ms_cases) / sizeof(ms_cases[0]); i++) {
        quic_qlog_state(&f->q, START + ms_cases[i].ns, QUIC_QLOG_STATE_NONE,
                        QUIC_QLOG_STATE_ATTEMPTED);
        int r = last_record(f);
        if (strcmp(jstr(&f->j, r, "time"), ms_cases[i].want) != 0)
            fail_msg("line %d: %s", ms_cases[i].line, jstr(&f->j, r, "time"));
    }
    /* Before the reference time: clamped to 0. */
    quic_qlog_state(&f->q, 0, QUIC_QLOG_STATE_NONE, QUIC_QLOG_STATE_ATTEMPTED);
    assert_string_equal(jstr(&f->j, last_record(f), "time"), "0");
}

/* Each input's exact escaped form; every output must also parse. */
static const struct escape_case {
    int line;
    const char *in;
    const char *want; /* between the quotes */
} escape_cases[] = {
    {__LINE__, "plain", "plain"},
    {__LINE__, "q\"b\\s/", "q\\\"b\\\\s/"},
    {__LINE__, "\n\r\t\b\f", "\\n\\r\\t\\u0008\\u000c"},
    {__LINE__, "\x01\x1f\x7f", "\\u0001\\u001f\x7f"},
    /* Valid UTF-8 stays as it is: é, €, U+1D11E. */
    {__LINE__, "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e",
     "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e"},
    /* Not UTF-8: a stray continuation, an overlong NUL, a surrogate, a
     * truncated sequence, 0xff, a code point past U+10FFFF. */
    {__LINE__, "\x80", "\\u0080"},
    {__LINE__, "\xc0\x80", "\\u00c0\\u0080"},
    {__LINE__, "\xed\xa0\x80", "\\u00ed\\u00a0\\u0080"},
    {__LINE__, "a\xe2\x82", "a\\u00e2\\u0082"},
    {__LINE__, "\xff", "\\u00ff"},
    {__LINE__, "\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080"},
};

static void test_quic_qlog_string_escaping(void **state) {
    fixture *f = *state;
    for (size_t i = 0; i < sizeof(escape_cases) / sizeof(escape_cases[0]);
         i++) {
        const struct escape_case *c = &escape_cases[i];
        quic_qlog_connection_closed(&f->q, START, true, false, 0x0a, c->in,
                                    QUIC_QLOG_CLOSE_ERROR);
        last_record(f); /* parses */
        char want[128];
        snprintf(want, sizeof(want), "\"reason\":\"%s\"", c->want);
        const char *rec = f->out.data + f->out.offsets[f->out.n - 1];
        if (!contains(rec, f->out.lens[f->out.n - 1], want))
            fail_msg("line %d: %.*s", c->line, (int)f->out.lens[f->out.n - 1],
                     rec);
    }
    /* A CONNECTION_CLOSE frame's reason bytes, NUL included. */
    quic_qlog_packet_begin(&f->q, false, START, QUIC_QLOG_PACKET_1RTT, 1, 50);
    quic_frame fr = {.type = QUIC_FRAME_CONNECTION_CLOSE_APP};
    fr.u.connection_close.error_code = 0x10c;
    fr.u.connection_close.reason = (const uint8_t *)"a\0b";
    fr.u.connection_close.reason_len = 3;
    quic_qlog_frame(&f->q, &fr, 3);
    quic_qlog_packet_end(&f->q);
    int r = last_record(f);
    assert_string_equal(jstr(&f->j, r, "data.frames.0.error_space"),
                        "application");
    assert_string_equal(jstr(&f->j, r, "data.frames.0.error"), "unknown");
    assert_string_equal(jstr(&f->j, r, "data.frames.0.error_code"), "268");
    int reason = jget(&f->j, r, "data.frames.0.reason");
    assert_memory_equal(f->j.nodes[reason].str, "a\0b", 4);
}

static void test_quic_qlog_connection_closed_error_names(void **state) {
    fixture *f = *state;
    jparser *j = &f->j;
    quic_qlog_connection_closed(&f->q, START, false, false, 0x03, NULL,
                                QUIC_QLOG_CLOSE_ERROR);
    int r = last_record(f);
    assert_string_equal(jstr(j, r, "data.initiator"), "remote");
    assert_string_equal(jstr(j, r, "data.connection_error"),
                        "flow_control_error");
    assert_int_equal(jget(j, r, "data.reason"), -1);
    quic_qlog_connection_closed(&f->q, START, true, false, 0x12a, "",
                                QUIC_QLOG_CLOSE_ERROR);
    r = last_record(f);
    assert_string_equal(jstr(j, r, "data.connection_error"),
                        "crypto_error_0x12a");
    quic_qlog_connection_closed(&f->q, START, true, false, 0x11, NULL,
                                QUIC_QLOG_CLOSE_IDLE_TIMEOUT);
    r = last_record(f);
    assert_string_equal(jstr(j, r, "data.connection_error"), "unknown");
    assert_string_equal(jstr(j, r, "data.error_code"), "17");
    assert_string_equal(jstr(j, r, "data.trigger"), "idle_timeout");
    quic_qlog_connection_closed(&f->q, START, true, true, 0x100, NULL,
                                QUIC_QLOG_CLOSE_STATELESS_RESET);
    r = last_record(f);
    assert_string_equal(jstr(j, r, "data.application_error"), "unknown");
    assert_string_equal(jstr(j, r, "data.error_code"), "256");
    assert_string_equal(jstr(j, r, "data.trigger"), "stateless_reset");
}

static void test_quic_qlog_metrics_updated(void **state) {
    fixture *f = *state;
    quic_qlog_metrics m;
    quic_qlog_metrics_init(&m);
    m.smoothed_rtt = 41250 * QUIC_US;
    m.congestion_window = 84000;
    m.bytes_in_flight = 12000;
    quic_qlog_metrics_updated(&f->q, START, &m);
    int r = last_record(f);
    jparser *j = &f->j;
    assert_string_equal(jstr(j, r, "name"), "quic:recovery_metrics_updated");
    assert_int_equal(jcount(j, r, "data"), 3);
    assert_string_equal(jstr(j, r, "data.smoothed_rtt"), "41.25");
    assert_string_equal(jstr(j, r, "data.congestion_window"), "84000");
    assert_string_equal(jstr(j, r, "data.bytes_in_flight"), "12000");
    assert_int_equal(jget(j, r, "data.ssthresh"), -1);
    quic_qlog_metrics_init(&m); /* nothing: an empty, valid data object */
    quic_qlog_metrics_updated(&f->q, START, &m);
    assert_int_equal(jcount(j, last_record(f), "data"), 0);
}

static void test_quic_qlog_key_state_and_parameters(void **state) {
    fixture *f = *state;
    jparser *j = &f->j;
    quic_qlog_key_updated(&f->q, START, QUIC_QLOG_KEY_CLIENT_1RTT, 1,
                          QUIC_QLOG_KEY_LOCAL_UPDATE);
    int r = last_record(f);
    assert_string_equal(jstr(j, r, "name"), "quic:key_updated");
    assert_string_equal(jstr(j, r, "data.key_type"), "client_1rtt_secret");
    assert_string_equal(jstr(j, r, "data.key_phase"), "1");
    assert_string_equal(jstr(j, r, "data.trigger"), "local_update");
    quic_qlog_state(&f->q, START, QUIC_QLOG_STATE_HANDSHAKE_COMPLETE,
                    QUIC_QLOG_STATE_HANDSHAKE_CONFIRMED);
    r = last_record(f);
    assert_string_equal(jstr(j, r, "name"), "quic:connection_state_updated");
    assert_string_equal(jstr(j, r, "data.old"), "handshake_complete");
    assert_string_equal(jstr(j, r, "data.new"), "handshake_confirmed");

    quic_tparams tp;
    quic_tparams_init(&tp);
    tp.initial_max_data = 1 << 20;
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_MAX_DATA);
    tp.initial_scid = (quic_cid){.len = 2, .data = {0xab, 0xcd}};
    quic_tparams_set_present(&tp, QUIC_TP_INITIAL_SCID);
    quic_tparams_set_present(&tp, QUIC_TP_DISABLE_ACTIVE_MIGRATION);
    quic_qlog_parameters_set(&f->q, START, false, &tp);
    r = last_record(f);
    assert_string_equal(jstr(j, r, "name"), "quic:parameters_set");
    assert_string_equal(jstr(j, r, "data.initiator"), "remote");
    assert_string_equal(jstr(j, r, "data.initial_max_data"), "1048576");
    assert_string_equal(jstr(j, r, "data.initial_source_connection_id"),
                        "abcd");
    assert_true(j->nodes[jget(j, r, "data.disable_active_migration")].b);
    assert_int_equal(jget(j, r, "data.max_idle_timeout"), -1);
}

static quic_addr addr(int family, const char *ip, uint16_t port) {
    quic_addr a = {0};
    if (family == AF_INET) {
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons(port)};
        inet_pton(AF_INET, ip, &sin.sin_addr);
        a.len = sizeof(sin);
        memcpy(a.data, &sin, sizeof(sin));
    } else {
        struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6,
                                    .sin6_port = htons(port)};
        inet_pton(AF_INET6, ip, &sin6.sin6_addr);
        a.len = sizeof(sin6);
        memcpy(a.data, &sin6, sizeof(sin6));
    }
    return a;
}

static void test_quic_qlog_connectivity_events(void **state) {
    fixture *f = *state;
    jparser *j = &f->j;
    quic_addr local = addr(AF_INET, "127.0.0.1", 50000);
    quic_addr remote = addr(AF_INET6, "2001:db8::1", 443);
    quic_qlog_connection_started(&f->q, START, &local, &remote);
    int r = last_record(f);
    assert_string_equal(jstr(j, r, "data.local.ip_v4"), "127.0.0.1");
    assert_string_equal(jstr(j, r, "data.local.port_v4"), "50000");
    assert_string_equal(jstr(j, r, "data.remote.ip_v6"), "2001:db8::1");
    assert_string_equal(jstr(j, r, "data.remote.port_v6"), "443");

    const uint32_t client[2] = {QUIC_VERSION_1, QUIC_VERSION_2};
    quic_qlog_version_information(&f->q, START, NULL, 0, client, 2,
                                  QUIC_VERSION_2);
    r = last_record(f);
    assert_int_equal(jget(j, r, "data.server_versions"), -1);
    assert_string_equal(jstr(j, r, "data.client_versions.0"), "00000001");
    assert_string_equal(jstr(j, r, "data.client_versions.1"), "6b3343cf");
    assert_string_equal(jstr(j, r, "data.chosen_version"), "6b3343cf");

    const char *alpns[2] = {"h3", "hq-\"x\""};
    quic_qlog_alpn_information(&f->q, START, NULL, 0, alpns, 2, "h3");
    r = last_record(f);
    assert_string_equal(jstr(j, r, "data.client_alpns.1.string_value"),
                        "hq-\"x\"");
    assert_string_equal(jstr(j, r, "data.client_alpns.0.byte_value"), "6833");
    assert_string_equal(jstr(j, r, "data.chosen_alpn.string_value"), "h3");
}

/* A packet whose ACK ranges cannot all fit keeps its other frames and
 * stays valid JSON; a record that cannot fit at all is dropped. */
static void test_quic_qlog_overflow_keeps_json_valid(void **state) {
    fixture *f = *state;
    quic_qlog *q = &f->q;
    quic_qlog_packet_begin(q, true, START, QUIC_QLOG_PACKET_1RTT, 1, 1200);
    quic_frame fr = {.type = QUIC_FRAME_PING};
    quic_qlog_frame(q, &fr, 3);
    /* An ACK with 700 ranges of large packet numbers: ~16 KB of JSON. */
    static quic_ack_range ranges[700];
    for (size_t i = 0; i < 700; i++) {
        uint64_t top = 4000000000000000 - i * 10;
        ranges[i] = (quic_ack_range){top - 3, top};
    }
    static uint8_t ack[8192];
    size_t written;
    int n = quic_ack_frame_write(ack, ack + sizeof(ack), ranges, 700, 0, NULL,
                                 &written);
    assert_int_equal(written, 700);
    fr = decode(ack, (size_t)n);
    quic_qlog_frame(q, &fr, 3);
    fr = (quic_frame){.type = QUIC_FRAME_HANDSHAKE_DONE};
    quic_qlog_frame(q, &fr, 3);
    quic_qlog_packet_end(q);
    assert_int_equal(q->dropped_frames, 1);
    int r = last_record(f);
    assert_int_equal(jcount(&f->j, r, "data.frames"), 2);
    assert_string_equal(jstr(&f->j, r, "data.frames.1.frame_type"),
                        "handshake_done");
    /* Many frames: they fill the buffer up to the reserve, then stop. */
    quic_qlog_packet_begin(q, true, START, QUIC_QLOG_PACKET_1RTT, 2, 1200);
    fr = (quic_frame){.type = QUIC_FRAME_PING};
    for (int i = 0; i < 1000; i++)
        quic_qlog_frame(q, &fr, 3);
    quic_qlog_packet_end(q);
    r = last_record(f);
    size_t kept = jcount(&f->j, r, "data.frames");
    assert_true(kept > 100 && kept < 1000);
    assert_int_equal(q->dropped_frames, 1 + 1000 - kept);
    /* A 10 KB reason cannot fit: the record is dropped, not cut. */
    static char reason[10000];
    memset(reason, 'x', sizeof(reason) - 1);
    size_t before = f->out.n;
    quic_qlog_connection_closed(q, START, true, false, 0, reason,
                                QUIC_QLOG_CLOSE_ERROR);
    assert_int_equal(f->out.n, before);
    assert_int_equal(q->dropped_records, 1);
    /* And the writer goes on. */
    quic_qlog_state(q, START, QUIC_QLOG_STATE_NONE, QUIC_QLOG_STATE_CLOSED);
    assert_string_equal(jstr(&f->j, last_record(f), "data.new"), "closed");
}

static void test_quic_qlog_close_fin_once(void **state) {
    fixture *f = *state;
    quic_qlog_packet_begin(&f->q, true, START, QUIC_QLOG_PACKET_1RTT, 7, 30);
    quic_qlog_close(&f->q); /* ends the open packet first */
    assert_int_equal(f->out.fins, 1);
    assert_string_equal(
        jstr(&f->j, last_record(f), "data.header.packet_number"), "7");
    size_t n = f->out.n;
    quic_qlog_state(&f->q, START, QUIC_QLOG_STATE_NONE, QUIC_QLOG_STATE_CLOSED);
    quic_qlog_close(&f->q);
    assert_int_equal(f->out.n, n);
    assert_int_equal(f->out.fins, 1);
    assert_false(f->out.after_fin);
    /* No sink, or no writer: every call is a no-op. */
    quic_qlog none;
    quic_qlog_init(&none, NULL, NULL, false, NULL, 0);
    quic_qlog_state(&none, 1, QUIC_QLOG_STATE_NONE, QUIC_QLOG_STATE_CLOSED);
    quic_qlog_packet_begin(NULL, true, 0, QUIC_QLOG_PACKET_1RTT, 1, 1);
    quic_qlog_packet_end(NULL);
    quic_qlog_close(&none);
    quic_qlog_close(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_quic_qlog_init_header_record,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_packet_sent_frames,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_packet_received_and_lost,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_time_is_fractional_ms,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_string_escaping, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_quic_qlog_connection_closed_error_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_metrics_updated, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_key_state_and_parameters,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_connectivity_events,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(
            test_quic_qlog_overflow_keeps_json_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quic_qlog_close_fin_once, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("core_qlog", tests, NULL, NULL);
}

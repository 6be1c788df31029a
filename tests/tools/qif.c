/* tests/tools/qif.c — the QPACK offline-interop tool (build/qif): decodes an
 * encoded file of ../shared/qifs into QIF text, or encodes a QIF file into
 * the interop format with our encoder. File formats: shared/qifs/FORMAT.md.
 *
 *   qif decode [--rfc-capacity] ENCODED MAX_TABLE_CAPACITY [MAX_BLOCKED]
 *   qif encode QIF MAX_TABLE_CAPACITY MAX_BLOCKED ACK_MODE [OUT]
 *
 * decode prints the field sections in QIF form in stream order; by default
 * the table starts at MAX_TABLE_CAPACITY as the pre-RFC files assume
 * (FORMAT.md §4.3), --rfc-capacity starts it at 0 (RFC 9204 §3.2.2).
 * encode writes the encoded file (stdout by default) and prints on stderr
 * the compressed size (header blocks + encoder stream, without framing);
 * ACK_MODE 1 feeds the output through our decoder and its decoder-stream
 * bytes back to the encoder after each section, 0 never acknowledges. Exit 0 on
 * success, 1 on a QPACK error (message on stderr), 2 on usage or I/O errors. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qpack/qpack.h"

__attribute__((format(printf, 2, 3), noreturn)) static void
die(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "qif: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(code);
}

static void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (!p)
        die(2, "%s", "out of memory");
    return p;
}

static uint8_t *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        die(2, "cannot open %s", path);
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap)
            buf = xrealloc(buf, cap = cap ? cap * 2 : 65536);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    if (ferror(f))
        die(2, "cannot read %s", path);
    fclose(f);
    *len = n;
    return buf;
}

static uint64_t parse_u64(const char *s, const char *what) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-')
        die(2, "bad %s", what);
    return v;
}

static const char *wire_name(int err) {
    switch (qpack_err_wire_code(err)) {
    case QPACK_DECOMPRESSION_FAILED: return "QPACK_DECOMPRESSION_FAILED";
    case QPACK_ENCODER_STREAM_ERROR: return "QPACK_ENCODER_STREAM_ERROR";
    case QPACK_DECODER_STREAM_ERROR: return "QPACK_DECODER_STREAM_ERROR";
    default: return "local error";
    }
}

static void qpack_fail(const char *where, unsigned long long id, int err) {
    fprintf(stderr, "qif: %s %llu: %s: %s (%d)\n", where, id, wire_name(err),
            qpack_strerror(err), err);
    exit(1);
}

/* ---- decode ---------------------------------------------------------------
 */

typedef struct result {
    qpack_field_section section;
} result;

typedef struct results {
    result *items;
    size_t count, cap;
} results;

static qpack_field_section *new_result(results *r) {
    if (r->count == r->cap)
        r->items = xrealloc(r->items, (r->cap = r->cap ? r->cap * 2 : 64) *
                                          sizeof(*r->items));
    memset(&r->items[r->count], 0, sizeof(r->items[0]));
    return &r->items[r->count++].section;
}

static int by_stream(const void *a, const void *b) {
    uint64_t x = ((const result *)a)->section.stream_id;
    uint64_t y = ((const result *)b)->section.stream_id;
    return x < y ? -1 : x > y;
}

static void print_results(results *r) {
    qsort(r->items, r->count, sizeof(r->items[0]), by_stream);
    for (size_t i = 0; i < r->count; i++) {
        const qpack_field_section *s = &r->items[i].section;
        if (i > 0 && s->stream_id == r->items[i - 1].section.stream_id)
            qpack_fail("stream", s->stream_id, QPACK_ERR_INVALID_ARGUMENT);
        for (size_t j = 0; j < s->count; j++) {
            fwrite(s->fields[j].name, 1, s->fields[j].name_len, stdout);
            putchar('\t');
            fwrite(s->fields[j].value, 1, s->fields[j].value_len, stdout);
            putchar('\n');
        }
        putchar('\n');
        qpack_field_section_free(&r->items[i].section);
    }
    free(r->items);
}

static void collect_unblocked(qpack_decoder *dec, results *r) {
    for (;;) {
        qpack_field_section *s = new_result(r);
        int rc = qpack_decoder_next_unblocked(dec, s);
        if (rc < 0)
            qpack_fail("unblocked section, stream", s->stream_id, rc);
        if (rc == 0) {
            r->count--;
            qpack_field_section_free(s);
            return;
        }
    }
}

static int cmd_decode(int argc, char **argv) {
    bool rfc = argc > 0 && strcmp(argv[0], "--rfc-capacity") == 0;
    argc -= rfc;
    argv += rfc;
    if (argc < 2 || argc > 3)
        die(2, "%s",
            "usage: qif decode [--rfc-capacity] ENCODED CAPACITY [BLOCKED]");
    qpack_decoder_config cfg;
    qpack_decoder_config_init(&cfg);
    cfg.max_table_capacity = parse_u64(argv[1], "capacity");
    cfg.max_blocked_streams = argc > 2 ? parse_u64(argv[2], "blocked") : 100;
    cfg.max_field_section_size = 1u << 20;
    cfg.initial_capacity_is_max = !rfc;
    qpack_decoder *dec;
    int rc = qpack_decoder_new(&dec, &cfg);
    if (rc)
        qpack_fail("decoder", 0, rc);
    size_t len, pos = 0;
    uint8_t *buf = read_file(argv[0], &len);
    results res = {0};
    while (pos < len) {
        if (len - pos < 12)
            die(1, "%s", "truncated frame header");
        uint64_t id = 0;
        uint32_t flen = 0;
        for (int i = 0; i < 8; i++)
            id = id << 8 | buf[pos + i];
        for (int i = 8; i < 12; i++)
            flen = flen << 8 | buf[pos + i];
        pos += 12;
        if (flen > len - pos)
            die(1, "%s", "truncated frame");
        if (id == 0) {
            rc = qpack_decoder_read_encoder_stream(dec, buf + pos, flen);
            if (rc)
                qpack_fail("encoder stream at offset", pos, rc);
            collect_unblocked(dec, &res);
        } else {
            qpack_field_section *s = new_result(&res);
            rc = qpack_decoder_decode(dec, id, buf + pos, flen, s);
            if (rc < 0)
                qpack_fail("stream", id, rc);
            if (rc == QPACK_DECODE_BLOCKED)
                res.count--;
        }
        pos += flen;
        const uint8_t *out;
        size_t out_len;
        if (qpack_decoder_get_output(dec, &out, &out_len) == 0)
            qpack_decoder_consume_output(dec, out_len);
    }
    if (qpack_decoder_blocked_count(dec))
        die(1, "%s", "sections still blocked at end of file");
    if (qpack_decoder_mid_instruction(dec))
        die(1, "%s", "encoder stream ends inside an instruction");
    free(buf);
    qpack_decoder_free(dec);
    print_results(&res);
    return 0;
}

/* ---- encode ---------------------------------------------------------------
 */

typedef struct header_set {
    qpack_field *fields;
    size_t count;
} header_set;

/* Splits a QIF buffer (FORMAT.md §2) into header sets; fields point into
 * |buf|. */
static header_set *parse_qif(uint8_t *buf, size_t len, size_t *nsets) {
    header_set *sets = NULL;
    size_t n = 0, cap = 0, fcap = 0;
    header_set cur = {0};
    size_t pos = 0;
    while (pos < len) {
        uint8_t *line = buf + pos;
        uint8_t *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + (nl != NULL);
        if (llen > 0 && line[0] == '#')
            continue;
        if (llen > 0) {
            uint8_t *tab = memchr(line, '\t', llen);
            if (!tab)
                die(2, "%s", "QIF line without a TAB");
            if (cur.count == fcap)
                cur.fields =
                    xrealloc(cur.fields, (fcap = fcap ? fcap * 2 : 16) *
                                             sizeof(qpack_field));
            qpack_field *f = &cur.fields[cur.count++];
            f->name = line;
            f->name_len = (size_t)(tab - line);
            f->value = tab + 1;
            f->value_len = llen - f->name_len - 1;
            f->flags = 0;
        }
        if ((llen == 0 || pos >= len) && cur.count > 0) {
            if (n == cap)
                sets =
                    xrealloc(sets, (cap = cap ? cap * 2 : 64) * sizeof(*sets));
            sets[n++] = cur;
            memset(&cur, 0, sizeof(cur));
            fcap = 0;
        }
    }
    *nsets = n;
    return sets;
}

static void put_frame(FILE *out, uint64_t id, const uint8_t *p, size_t len) {
    uint8_t h[12];
    for (int i = 0; i < 8; i++)
        h[i] = (uint8_t)(id >> (56 - 8 * i));
    for (int i = 0; i < 4; i++)
        h[8 + i] = (uint8_t)(len >> (24 - 8 * i));
    if (fwrite(h, 1, 12, out) != 12 || fwrite(p, 1, len, out) != len)
        die(2, "%s", "write failed");
}

/* Acknowledgement as a real peer would: our decoder reads what was sent and
 * its decoder-stream output goes back to the encoder. */
static void feed_back(qpack_decoder *dec, qpack_encoder *enc, uint64_t id,
                      const uint8_t *es, size_t es_len, const uint8_t *hb,
                      size_t hb_len, qpack_field_section *scratch) {
    int rc = qpack_decoder_read_encoder_stream(dec, es, es_len);
    if (rc)
        qpack_fail("ack-mode decoder, encoder stream for", id, rc);
    rc = qpack_decoder_decode(dec, id, hb, hb_len, scratch);
    if (rc)
        qpack_fail("ack-mode decoder, stream", id, rc);
    const uint8_t *out;
    size_t out_len;
    if ((rc = qpack_decoder_get_output(dec, &out, &out_len)) ||
        (rc = qpack_encoder_read_decoder_stream(enc, out, out_len)))
        qpack_fail("ack-mode feedback, stream", id, rc);
    qpack_decoder_consume_output(dec, out_len);
}

/* Our encoder for a peer with these settings, and our decoder as that
 * peer (used for ack mode 1). */
static void make_pair(uint64_t capacity, uint64_t blocked, qpack_encoder **enc,
                      qpack_decoder **dec) {
    qpack_encoder_config ecfg;
    qpack_encoder_config_init(&ecfg);
    ecfg.max_table_capacity = capacity;
    int rc = qpack_encoder_new(enc, &ecfg);
    if (rc || (rc = qpack_encoder_set_peer_settings(*enc, capacity, blocked)))
        qpack_fail("encoder", 0, rc);
    qpack_decoder_config dcfg;
    qpack_decoder_config_init(&dcfg);
    dcfg.max_table_capacity = capacity;
    dcfg.max_blocked_streams = blocked;
    dcfg.max_field_section_size = 1u << 20;
    if ((rc = qpack_decoder_new(dec, &dcfg)))
        qpack_fail("decoder", 0, rc);
}

static int cmd_encode(int argc, char **argv) {
    if (argc < 4 || argc > 5)
        die(2, "%s", "usage: qif encode QIF CAPACITY BLOCKED ACK_MODE [OUT]");
    uint64_t capacity = parse_u64(argv[1], "capacity");
    uint64_t blocked = parse_u64(argv[2], "blocked");
    uint64_t ack = parse_u64(argv[3], "ack mode");
    if (ack > 1)
        die(2, "%s", "ack mode is 0 or 1");
    FILE *out = argc > 4 ? fopen(argv[4], "wb") : stdout;
    if (!out)
        die(2, "cannot create %s", argv[4]);
    size_t len, nsets;
    uint8_t *buf = read_file(argv[0], &len);
    header_set *sets = parse_qif(buf, len, &nsets);

    qpack_encoder *enc;
    qpack_decoder *dec;
    make_pair(capacity, blocked, &enc, &dec);
    qpack_field_section scratch = {0};
    uint8_t *hb = NULL, *es = NULL;
    unsigned long long hb_total = 0, es_total = 0;
    for (size_t i = 0; i < nsets; i++) {
        uint64_t id = i + 1;
        size_t bound = qpack_encode_bound(sets[i].fields, sets[i].count);
        hb = xrealloc(hb, bound);
        es = xrealloc(es, bound);
        size_t hb_len, es_len;
        int rc = qpack_encoder_encode(enc, id, sets[i].fields, sets[i].count,
                                      hb, bound, &hb_len, es, bound, &es_len);
        if (rc)
            qpack_fail("encoding stream", id, rc);
        hb_total += hb_len;
        es_total += es_len;
        if (es_len)
            put_frame(out, 0, es, es_len);
        put_frame(out, id, hb, hb_len);
        if (ack)
            feed_back(dec, enc, id, es, es_len, hb, hb_len, &scratch);
        free(sets[i].fields);
    }
    if (out != stdout && fclose(out) != 0)
        die(2, "cannot write %s", argv[4]);
    /* The compressed size: QPACK bytes without the file's framing. */
    fprintf(stderr,
            "sets %zu header_blocks %llu encoder_stream %llu total %llu\n",
            nsets, hb_total, es_total, hb_total + es_total);
    qpack_field_section_free(&scratch);
    qpack_decoder_free(dec);
    qpack_encoder_free(enc);
    free(hb);
    free(es);
    free(sets);
    free(buf);
    return 0;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "decode") == 0)
        return cmd_decode(argc - 2, argv + 2);
    if (argc >= 2 && strcmp(argv[1], "encode") == 0)
        return cmd_encode(argc - 2, argv + 2);
    fprintf(stderr,
            "usage: qif decode [--rfc-capacity] ENCODED CAPACITY [BLOCKED]\n"
            "       qif encode QIF CAPACITY BLOCKED ACK_MODE [OUT]\n");
    return 2;
}

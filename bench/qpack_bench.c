/* bench/qpack_bench.c — QPACK speed and compression: encodes and decodes
 * every QIF input of shared/qifs with our qpack and with nghttp3's, same
 * table capacity and blocked-streams limit, in the same run, and prints
 * header sets/s, MB/s of raw headers (name + value bytes), compressed sizes
 * and the ratios. A benchmark, not a test: it checks only that each
 * implementation decodes its own output to the input.
 *
 * Each encoder runs against its own decoder, whose decoder-stream output
 * goes back after every section (immediate acknowledgement, like qif's ack
 * mode 1); only the encoder calls are timed. Decoding replays the recorded
 * encoder stream and header blocks into a fresh decoder. SHARED or ../shared
 * (from the current directory) locates the inputs. */
#include <nghttp3/nghttp3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qpack/qpack.h"

#define CAPACITY 4096
#define BLOCKED 100
#define MIN_SECONDS 0.4

typedef struct header_set {
    qpack_field *fields;
    nghttp3_nv *nva;           /* nghttp3's own indexing policy */
    nghttp3_nv *nva_sensitive; /* the same, sensitive values never indexed */
    size_t count;
} header_set;

typedef struct recorded {
    uint8_t *es, *hb; /* encoder-stream bytes and header block of a set */
    size_t es_len, hb_len;
} recorded;

static header_set *sets;
static size_t nsets;
static double raw_bytes;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "qpack_bench: out of memory\n");
        exit(1);
    }
    return p;
}

static void fail(const char *what, long long code) {
    fprintf(stderr, "qpack_bench: %s failed (%lld)\n", what, code);
    exit(1);
}

/* ---- Inputs ----------------------------------------------------------------
 */

/* The fields h3cli's encoder never indexes by default: comparing against
 * nghttp3 told to do the same measures the encoders, not the policies. */
static bool is_sensitive(const qpack_field *f) {
    static const char *const names[] = {"authorization", "cookie",
                                        "proxy-authorization", "set-cookie"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f->name_len == strlen(names[i]) &&
            memcmp(f->name, names[i], f->name_len) == 0)
            return true;
    return false;
}

static void add_set(qpack_field *fields, size_t count) {
    static size_t cap;
    if (nsets == cap) {
        cap = cap ? cap * 2 : 256;
        sets = realloc(sets, cap * sizeof(*sets));
        if (!sets)
            fail("realloc", 0);
    }
    header_set *s = &sets[nsets++];
    s->fields = fields;
    s->count = count;
    s->nva = xmalloc(count * sizeof(*s->nva));
    s->nva_sensitive = xmalloc(count * sizeof(*s->nva));
    for (size_t i = 0; i < count; i++) {
        s->nva[i] = (nghttp3_nv){(uint8_t *)fields[i].name,
                                 (uint8_t *)fields[i].value, fields[i].name_len,
                                 fields[i].value_len, NGHTTP3_NV_FLAG_NONE};
        s->nva_sensitive[i] = s->nva[i];
        if (is_sensitive(&fields[i]))
            s->nva_sensitive[i].flags = NGHTTP3_NV_FLAG_NEVER_INDEX;
        raw_bytes += (double)(fields[i].name_len + fields[i].value_len);
    }
}

/* Reads a QIF (shared/qifs/FORMAT.md §2); the buffer is kept for good. */
static void load_qif(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f)
        fail(path, 0);
    fseek(f, 0, SEEK_END);
    size_t len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = xmalloc(len);
    if (fread(buf, 1, len, f) != len)
        fail(path, 0);
    fclose(f);
    qpack_field *cur = xmalloc(1024 * sizeof(*cur));
    size_t n = 0;
    for (size_t pos = 0; pos < len;) {
        uint8_t *line = buf + pos, *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        pos += llen + 1;
        uint8_t *tab = llen ? memchr(line, '\t', llen) : NULL;
        if (llen && line[0] != '#' && tab && n < 1024)
            cur[n++] = (qpack_field){line, (size_t)(tab - line), tab + 1,
                                     llen - (size_t)(tab - line) - 1, 0};
        if ((llen == 0 || pos >= len) && n) {
            add_set(cur, n);
            cur = xmalloc(1024 * sizeof(*cur));
            n = 0;
        }
    }
    free(cur);
}

static void load_inputs(void) {
    static const char *const names[] = {
        "netbsd.qif",  "netbsd-hq.qif",  "fb-req.qif",        "fb-req-hq.qif",
        "fb-resp.qif", "fb-resp-hq.qif", "draft-examples.qif"};
    const char *shared = getenv("SHARED");
    char path[4096];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/qifs/qifs/%s",
                 shared && *shared ? shared : "../shared", names[i]);
        load_qif(path);
    }
}

/* ---- Our qpack
 * --------------------------------------------------------------- */

static void ours_feedback(qpack_decoder *dec, qpack_encoder *enc, uint64_t id,
                          const recorded *r, qpack_field_section *sec) {
    const uint8_t *out;
    size_t len;
    int rc;
    if ((rc = qpack_decoder_read_encoder_stream(dec, r->es, r->es_len)) ||
        (rc = qpack_decoder_decode(dec, id, r->hb, r->hb_len, sec)) ||
        (rc = qpack_decoder_get_output(dec, &out, &len)) ||
        (rc = qpack_encoder_read_decoder_stream(enc, out, len)))
        fail("h3cli feedback", rc);
    qpack_decoder_consume_output(dec, len);
}

static qpack_decoder *ours_decoder(void) {
    qpack_decoder_config cfg;
    qpack_decoder_config_init(&cfg);
    cfg.max_table_capacity = CAPACITY;
    cfg.max_blocked_streams = BLOCKED;
    cfg.max_field_section_size = 1u << 20;
    qpack_decoder *dec;
    if (qpack_decoder_new(&dec, &cfg))
        fail("qpack_decoder_new", 0);
    return dec;
}

/* One pass of encoding; returns the seconds spent in the encoder. */
static double ours_encode_pass(bool index_cookies, recorded *rec) {
    qpack_encoder_config cfg;
    qpack_encoder_config_init(&cfg);
    cfg.max_table_capacity = CAPACITY;
    cfg.index_cookies = index_cookies;
    qpack_encoder *enc;
    if (qpack_encoder_new(&enc, &cfg) ||
        qpack_encoder_set_peer_settings(enc, CAPACITY, BLOCKED))
        fail("qpack_encoder_new", 0);
    qpack_decoder *dec = ours_decoder();
    qpack_field_section sec = {0};
    static uint8_t hb[1 << 16], es[1 << 16];
    double t = 0;
    for (size_t i = 0; i < nsets; i++) {
        recorded r;
        double t0 = now();
        int rc = qpack_encoder_encode(enc, i + 1, sets[i].fields, sets[i].count,
                                      hb, sizeof(hb), &r.hb_len, es, sizeof(es),
                                      &r.es_len);
        t += now() - t0;
        if (rc)
            fail("qpack_encoder_encode", rc);
        r.hb = hb;
        r.es = es;
        if (rec) {
            rec[i].hb = xmalloc(r.hb_len);
            rec[i].es = xmalloc(r.es_len);
            memcpy(rec[i].hb, hb, r.hb_len);
            memcpy(rec[i].es, es, r.es_len);
            rec[i].hb_len = r.hb_len;
            rec[i].es_len = r.es_len;
        }
        ours_feedback(dec, enc, i + 1, &r, &sec);
    }
    qpack_field_section_free(&sec);
    qpack_decoder_free(dec);
    qpack_encoder_free(enc);
    return t;
}

/* One pass of decoding; |check| compares with the input. */
static double ours_decode_pass(const recorded *rec, bool check) {
    qpack_decoder *dec = ours_decoder();
    qpack_field_section sec = {0};
    size_t sink = 0;
    double t0 = now();
    for (size_t i = 0; i < nsets; i++) {
        const uint8_t *out;
        size_t len;
        int rc;
        if ((rc = qpack_decoder_read_encoder_stream(dec, rec[i].es,
                                                    rec[i].es_len)) ||
            (rc = qpack_decoder_decode(dec, i + 1, rec[i].hb, rec[i].hb_len,
                                       &sec)) ||
            (rc = qpack_decoder_get_output(dec, &out, &len)))
            fail("h3cli decode", rc);
        qpack_decoder_consume_output(dec, len);
        for (size_t j = 0; j < sec.count; j++)
            sink += sec.fields[j].name_len + sec.fields[j].value_len;
        if (check) {
            if (sec.count != sets[i].count)
                fail("h3cli round trip: field count", (long long)i);
            for (size_t j = 0; j < sec.count; j++)
                if (sec.fields[j].value_len != sets[i].fields[j].value_len ||
                    memcmp(sec.fields[j].value, sets[i].fields[j].value,
                           sec.fields[j].value_len) != 0)
                    fail("h3cli round trip: value", (long long)i);
        }
    }
    double t = now() - t0;
    if (sink == 0)
        fail("h3cli decode: nothing decoded", 0);
    qpack_field_section_free(&sec);
    qpack_decoder_free(dec);
    return t;
}

/* ---- nghttp3
 * ------------------------------------------------------------------ */

static nghttp3_qpack_decoder *ng_decoder(void) {
    nghttp3_qpack_decoder *dec;
    if (nghttp3_qpack_decoder_new(&dec, CAPACITY, BLOCKED,
                                  nghttp3_mem_default()))
        fail("nghttp3_qpack_decoder_new", 0);
    return dec;
}

/* Decodes one header block; returns the name + value bytes seen. */
static size_t ng_decode_block(nghttp3_qpack_decoder *dec, int64_t id,
                              const uint8_t *p, size_t len,
                              const header_set *check) {
    nghttp3_qpack_stream_context *sctx;
    size_t sink = 0, n = 0;
    if (nghttp3_qpack_stream_context_new(&sctx, id, nghttp3_mem_default()))
        fail("nghttp3_qpack_stream_context_new", 0);
    for (;;) {
        nghttp3_qpack_nv nv;
        uint8_t flags = 0;
        nghttp3_ssize r = nghttp3_qpack_decoder_read_request(dec, sctx, &nv,
                                                             &flags, p, len, 1);
        if (r < 0)
            fail("nghttp3_qpack_decoder_read_request", r);
        p += r;
        len -= (size_t)r;
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_EMIT) {
            nghttp3_vec v = nghttp3_rcbuf_get_buf(nv.value);
            sink += nghttp3_rcbuf_get_buf(nv.name).len + v.len;
            if (check &&
                (n >= check->count || v.len != check->fields[n].value_len ||
                 memcmp(v.base, check->fields[n].value, v.len) != 0))
                fail("nghttp3 round trip", (long long)id);
            n++;
            nghttp3_rcbuf_decref(nv.name);
            nghttp3_rcbuf_decref(nv.value);
        }
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_FINAL)
            break;
        if (flags & NGHTTP3_QPACK_DECODE_FLAG_BLOCKED)
            fail("nghttp3 blocked", (long long)id);
    }
    nghttp3_qpack_stream_context_del(sctx);
    return sink;
}

static void ng_drain_decoder(nghttp3_qpack_decoder *dec,
                             nghttp3_qpack_encoder *enc) {
    static uint8_t dbuf[4096];
    nghttp3_buf b = {dbuf, dbuf + sizeof(dbuf), dbuf, dbuf};
    if (nghttp3_qpack_decoder_get_decoder_streamlen(dec) > sizeof(dbuf))
        fail("nghttp3 decoder stream too long", 0);
    nghttp3_qpack_decoder_write_decoder(dec, &b);
    if (enc) {
        nghttp3_ssize r = nghttp3_qpack_encoder_read_decoder(
            enc, b.pos, (size_t)(b.last - b.pos));
        if (r < 0)
            fail("nghttp3_qpack_encoder_read_decoder", r);
    }
}

static double ng_encode_pass(bool sensitive, recorded *rec) {
    const nghttp3_mem *mem = nghttp3_mem_default();
    nghttp3_qpack_encoder *enc;
    if (nghttp3_qpack_encoder_new(&enc, CAPACITY, mem))
        fail("nghttp3_qpack_encoder_new", 0);
    nghttp3_qpack_encoder_set_max_dtable_capacity(enc, CAPACITY);
    nghttp3_qpack_encoder_set_max_blocked_streams(enc, BLOCKED);
    nghttp3_qpack_decoder *dec = ng_decoder();
    nghttp3_buf pbuf, rbuf, ebuf;
    nghttp3_buf_init(&pbuf);
    nghttp3_buf_init(&rbuf);
    nghttp3_buf_init(&ebuf);
    static uint8_t block[1 << 16];
    double t = 0;
    for (size_t i = 0; i < nsets; i++) {
        nghttp3_buf_reset(&pbuf);
        nghttp3_buf_reset(&rbuf);
        nghttp3_buf_reset(&ebuf);
        double t0 = now();
        int rc = nghttp3_qpack_encoder_encode(
            enc, &pbuf, &rbuf, &ebuf, (int64_t)i + 1,
            sensitive ? sets[i].nva_sensitive : sets[i].nva, sets[i].count);
        t += now() - t0;
        if (rc)
            fail("nghttp3_qpack_encoder_encode", rc);
        size_t pl = nghttp3_buf_len(&pbuf), rl = nghttp3_buf_len(&rbuf);
        size_t el = nghttp3_buf_len(&ebuf);
        memcpy(block, pbuf.pos, pl);
        memcpy(block + pl, rbuf.pos, rl);
        if (rec) {
            rec[i].hb = xmalloc(pl + rl);
            rec[i].es = xmalloc(el);
            memcpy(rec[i].hb, block, pl + rl);
            memcpy(rec[i].es, ebuf.pos, el);
            rec[i].hb_len = pl + rl;
            rec[i].es_len = el;
        }
        if (el && nghttp3_qpack_decoder_read_encoder(dec, ebuf.pos, el) !=
                      (nghttp3_ssize)el)
            fail("nghttp3_qpack_decoder_read_encoder", 0);
        ng_decode_block(dec, (int64_t)i + 1, block, pl + rl, NULL);
        ng_drain_decoder(dec, enc);
    }
    nghttp3_buf_free(&pbuf, mem);
    nghttp3_buf_free(&rbuf, mem);
    nghttp3_buf_free(&ebuf, mem);
    nghttp3_qpack_decoder_del(dec);
    nghttp3_qpack_encoder_del(enc);
    return t;
}

static double ng_decode_pass(const recorded *rec, bool check) {
    nghttp3_qpack_decoder *dec = ng_decoder();
    size_t sink = 0;
    double t0 = now();
    for (size_t i = 0; i < nsets; i++) {
        if (rec[i].es_len &&
            nghttp3_qpack_decoder_read_encoder(dec, rec[i].es, rec[i].es_len) !=
                (nghttp3_ssize)rec[i].es_len)
            fail("nghttp3_qpack_decoder_read_encoder", 0);
        sink += ng_decode_block(dec, (int64_t)i + 1, rec[i].hb, rec[i].hb_len,
                                check ? &sets[i] : NULL);
        ng_drain_decoder(dec, NULL);
    }
    double t = now() - t0;
    if (sink == 0)
        fail("nghttp3 decode: nothing decoded", 0);
    nghttp3_qpack_decoder_del(dec);
    return t;
}

/* ---- Driver
 * ------------------------------------------------------------------- */

typedef struct result {
    const char *name;
    double enc_sets_s, enc_mb_s, dec_sets_s, dec_mb_s;
    size_t compressed;
} result;

enum impl { OURS, OURS_COOKIES, NGHTTP3, NGHTTP3_SENSITIVE };

static bool is_nghttp3(enum impl which) {
    return which == NGHTTP3 || which == NGHTTP3_SENSITIVE;
}

static double encode_pass(enum impl which, recorded *rec) {
    return is_nghttp3(which) ? ng_encode_pass(which == NGHTTP3_SENSITIVE, rec)
                             : ours_encode_pass(which == OURS_COOKIES, rec);
}

static double decode_pass(enum impl which, const recorded *rec, bool check) {
    return is_nghttp3(which) ? ng_decode_pass(rec, check)
                             : ours_decode_pass(rec, check);
}

#define NIMPL 4

/* Records each implementation's output, checks it decodes back, then times
 * passes of the three in turn, keeping each one's fastest: the machine may
 * be shared, and interleaving spreads any disturbance evenly. */
static void run_all(result *res, double *cross_best) {
    recorded *rec[NIMPL];
    double enc_best[NIMPL], dec_best[NIMPL], total = 0;
    *cross_best = 1e9;
    for (int k = 0; k < NIMPL; k++) {
        rec[k] = calloc(nsets, sizeof(*rec[k]));
        if (!rec[k])
            fail("calloc", 0);
        encode_pass((enum impl)k, rec[k]);
        res[k].compressed = 0;
        for (size_t i = 0; i < nsets; i++)
            res[k].compressed += rec[k][i].es_len + rec[k][i].hb_len;
        decode_pass((enum impl)k, rec[k], true);
        enc_best[k] = dec_best[k] = 1e9;
    }
    for (int round = 0; round < 7 || total < NIMPL * 2 * MIN_SECONDS; round++) {
        for (int k = 0; k < NIMPL; k++) {
            double t = encode_pass((enum impl)k, NULL);
            enc_best[k] = t < enc_best[k] ? t : enc_best[k];
            double u = decode_pass((enum impl)k, rec[k], false);
            dec_best[k] = u < dec_best[k] ? u : dec_best[k];
            total += t + u;
        }
        /* Our decoder on nghttp3's bytes: decoding the same input. */
        double v = ours_decode_pass(rec[NGHTTP3], false);
        *cross_best = v < *cross_best ? v : *cross_best;
    }
    for (int k = 0; k < NIMPL; k++) {
        res[k].enc_sets_s = (double)nsets / enc_best[k];
        res[k].enc_mb_s = raw_bytes / enc_best[k] / 1e6;
        res[k].dec_sets_s = (double)nsets / dec_best[k];
        res[k].dec_mb_s = raw_bytes / dec_best[k] / 1e6;
        for (size_t i = 0; i < nsets; i++) {
            free(rec[k][i].es);
            free(rec[k][i].hb);
        }
        free(rec[k]);
    }
}

static void print_result(const result *r) {
    printf("%-24s %12.0f %8.1f %12.0f %8.1f %11zu\n", r->name, r->enc_sets_s,
           r->enc_mb_s, r->dec_sets_s, r->dec_mb_s, r->compressed);
}

static void print_ratios(const result *a, const result *ng) {
    printf("%-24s encode %.2fx, decode %.2fx nghttp3's speed; output %+.1f%% "
           "vs nghttp3\n",
           a->name, a->enc_sets_s / ng->enc_sets_s,
           a->dec_sets_s / ng->dec_sets_s,
           100.0 * ((double)a->compressed / (double)ng->compressed - 1));
}

int main(void) {
    load_inputs();
    printf("QPACK: %zu header sets from 7 QIF files, %.2f MB of raw headers "
           "(name + value); table %d bytes, %d blocked streams, immediate "
           "acknowledgements; nghttp3 %s\n",
           nsets, raw_bytes / 1e6, CAPACITY, BLOCKED, NGHTTP3_VERSION);
    printf("%-24s %12s %8s %12s %8s %11s\n", "", "enc sets/s", "MB/s",
           "dec sets/s", "MB/s", "compressed");
    result res[NIMPL] = {{.name = "h3cli"},
                         {.name = "h3cli index_cookies"},
                         {.name = "nghttp3"},
                         {.name = "nghttp3 never-index"}};
    double cross;
    run_all(res, &cross);
    for (int k = 0; k < NIMPL; k++)
        print_result(&res[k]);
    printf("%-24s %12s %8s %12.0f %8.1f   (nghttp3's output)\n",
           "h3cli decoding nghttp3", "", "", (double)nsets / cross,
           raw_bytes / cross / 1e6);
    print_ratios(&res[OURS], &res[NGHTTP3]);
    print_ratios(&res[OURS_COOKIES], &res[NGHTTP3]);
    printf("same policy (authorization, cookie, set-cookie never indexed by "
           "either):\n");
    print_ratios(&res[OURS], &res[NGHTTP3_SENSITIVE]);
    printf("%-24s decode %.2fx nghttp3's speed on the same bytes\n",
           "h3cli decoding nghttp3",
           (double)nsets / cross / res[NGHTTP3].dec_sets_s);
    return 0;
}

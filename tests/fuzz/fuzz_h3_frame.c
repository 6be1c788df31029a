/* tests/fuzz/fuzz_h3_frame.c — libFuzzer target for the HTTP/3 frame parser
 * (h3/frame.c) and the SETTINGS decoder: the stream is parsed whole and in
 * chunks chosen by the input's first bytes, and both runs must report the
 * same frames and the same error; SETTINGS payloads must survive
 * decode → encode → decode; unidirectional stream headers must not depend
 * on chunking either. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h3/frame.h"
#include "h3/settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond))                                                           \
            abort();                                                           \
    } while (0)

/* FNV-1a over everything the parser reports, so two runs compare cheaply. */
static void mix(uint64_t *h, const void *p, size_t len) {
    const uint8_t *b = p;
    for (size_t i = 0; i < len; i++) {
        *h ^= b[i];
        *h *= UINT64_C(0x100000001b3);
    }
}

static void mix_u64(uint64_t *h, uint64_t v) {
    mix(h, &v, sizeof(v));
}

/* Decodes a SETTINGS payload; a valid one must round-trip. */
static void check_settings(const uint8_t *payload, size_t len) {
    h3_settings s, back;
    if (h3_settings_decode(&s, payload, len) != 0)
        return;
    uint8_t out[128];
    h3_settings_grease g = {.n = len, .value = len};
    int n = h3_settings_write_frame(out, sizeof(out), &s, &g);
    CHECK(n > 0 && (size_t)n == h3_settings_frame_len(&s, &g));
    /* Skip the 2-byte frame header (payload is under 64 bytes). */
    CHECK(out[0] == H3_FRAME_SETTINGS && out[1] == (size_t)n - 2);
    CHECK(h3_settings_decode(&back, out + 2, (size_t)n - 2) == 0);
    CHECK(memcmp(&s, &back, sizeof(s)) == 0);
}

/* Folds one event into |h|. */
static void record(uint64_t *h, const h3_frame_event *ev) {
    if (ev->type == H3_FRAME_EV_DATA) {
        /* Piece boundaries depend on chunking; bytes and frame ends do not,
         * so only those are recorded. */
        if (ev->len)
            mix(h, ev->data, ev->len);
        if (ev->frame_end)
            mix_u64(h, 0xe0f);
        return;
    }
    mix_u64(h, ev->type);
    mix_u64(h, ev->frame_type);
    mix_u64(h, ev->frame_length);
    if (ev->type == H3_FRAME_EV_FRAME) {
        mix_u64(h, ev->id);
        if (ev->len)
            mix(h, ev->data, ev->len);
        if (ev->frame_type == H3_FRAME_SETTINGS)
            check_settings(ev->data, ev->len);
    }
}

typedef struct rng {
    uint64_t s;
} rng;

static uint32_t rng_next(rng *r) {
    r->s = r->s * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return (uint32_t)(r->s >> 33);
}

/* Parses |data| in chunks (whole if |r| is NULL); returns the final error or
 * 0, and the transcript hash in |*h|. Each chunk is its own heap copy so an
 * over-read shows under ASan. */
static int parse(const uint8_t *data, size_t size, rng *r, uint64_t *h) {
    h3_frame_parser p;
    h3_frame_parser_init(&p, NULL, 256, 1024);
    *h = UINT64_C(0xcbf29ce484222325);
    size_t off = 0;
    int rc = 0;
    bool ended = false;
    while (rc == 0 && !ended) {
        size_t n = size - off;
        if (r && n > 0) {
            uint32_t x = rng_next(r);
            size_t want = (x & 3) == 0 ? x % 512 : x % 9;
            n = want < n ? want : n;
        }
        bool fin = off + n == size;
        uint8_t *chunk = malloc(n ? n : 1);
        CHECK(chunk);
        memcpy(chunk, data + off, n);
        size_t pos = 0;
        for (;;) {
            size_t used;
            h3_frame_event ev;
            rc =
                h3_frame_parser_next(&p, chunk + pos, n - pos, fin, &used, &ev);
            if (rc < 0)
                break;
            CHECK(used <= n - pos);
            pos += used;
            if (ev.type == H3_FRAME_EV_NEED_INPUT)
                break;
            record(h, &ev);
            if (ev.type == H3_FRAME_EV_END) {
                ended = true;
                break;
            }
        }
        CHECK(rc < 0 || pos == n);
        free(chunk);
        off += n;
    }
    h3_frame_parser_free(&p);
    return rc;
}

static int uni_header(const uint8_t *data, size_t size, rng *r, uint64_t *type,
                      uint64_t *push_id, size_t *taken) {
    h3_uni_header u;
    h3_uni_header_init(&u);
    size_t off = 0;
    while (off < size) {
        size_t n = r ? 1 + rng_next(r) % 3 : size - off;
        n = n < size - off ? n : size - off;
        size_t used;
        int done = h3_uni_header_parse(&u, data + off, n, &used);
        CHECK(used <= n);
        off += used;
        if (done) {
            *type = u.stream_type;
            *push_id = u.push_id;
            *taken = off;
            return 1;
        }
        CHECK(used == n);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    rng r = {.s = (uint64_t)data[0] << 8 | data[1]};
    data += 2;
    size -= 2;

    uint64_t h_whole, h_cut;
    int rc_whole = parse(data, size, NULL, &h_whole);
    int rc_cut = parse(data, size, &r, &h_cut);
    CHECK(rc_whole == rc_cut);
    CHECK(h_whole == h_cut);
    CHECK(rc_whole == 0 || rc_whole == H3_ERR_FRAME ||
          rc_whole == H3_ERR_FRAME_UNEXPECTED ||
          rc_whole == H3_ERR_EXCESSIVE_LOAD ||
          rc_whole == H3_ERR_FIELD_SECTION_TOO_LARGE);

    uint64_t t1 = 0, p1 = 0, t2 = 0, p2 = 0;
    size_t k1 = 0, k2 = 0;
    int d1 = uni_header(data, size, NULL, &t1, &p1, &k1);
    int d2 = uni_header(data, size, &r, &t2, &p2, &k2);
    CHECK(d1 == d2 && t1 == t2 && p1 == p2 && k1 == k2);
    return 0;
}

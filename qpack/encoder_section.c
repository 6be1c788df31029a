/* qpack/encoder_section.c — encoding of one field section (RFC 9204 §4.5)
 * with the dynamic table: inserts for fields worth keeping, references to
 * acknowledged entries (or to any entry while the blocked-streams allowance
 * lasts, §2.1.2), Duplicates of entries about to be evicted, and no eviction
 * of an entry that is unacknowledged or still referenced (§2.1.1). */
#include "qpack/encoder_internal.h"

/* Room kept in front of the field lines for the prefix, written last. */
#define PREFIX_RESERVE (2 * QPACK_INT_MAX_LEN)

typedef struct enc_ctx {
    qpack_encoder *enc;
    uint64_t base;         /* insert count when the section started */
    uint64_t ric;          /* highest absolute index referenced + 1 */
    uint64_t min_ref;      /* lowest absolute index referenced */
    uint64_t floor;        /* entries below may be evicted, see start() */
    uint64_t draining_end; /* entries below will be evicted soon */
    bool can_block;        /* may reference entries not yet acknowledged */
    bool dynamic;          /* may use the dynamic table at all */
    uint8_t *hb, *es;      /* write cursors */
} enc_ctx;

/* Per field: an index and two strings at most, in either output. */
#define FIELD_OVERHEAD (QPACK_INT_MAX_LEN + 2 * QPACK_STRING_BOUND(0))

size_t qpack_encode_bound(const qpack_field *fields, size_t count) {
    /* The prefix, or Set Dynamic Table Capacity. */
    size_t n = PREFIX_RESERVE + QPACK_INT_MAX_LEN;
    for (size_t i = 0; i < count; i++) {
        size_t f = fields[i].name_len + fields[i].value_len;
        if (f < fields[i].name_len || f > SIZE_MAX - FIELD_OVERHEAD - n)
            return SIZE_MAX;
        n += f + FIELD_OVERHEAD;
    }
    return n;
}

/* Values that must never enter a table (RFC 9204 §7.1.3): credentials,
 * whose guessing through the table's state (§7.1.1) would matter most. */
static bool sensitive(const qpack_encoder *enc, const qpack_field *f) {
    static const struct {
        const char *name;
        size_t len;
    } names[] = {
        {"authorization", 13}, {"proxy-authorization", 19}, {"set-cookie", 10}};
    if (f->flags & QPACK_FIELD_NEVER_INDEX)
        return true;
    if (f->name_len == 6 && memcmp(f->name, "cookie", 6) == 0)
        return !enc->index_cookies ||
               f->value_len < QPACK_MIN_INDEXED_COOKIE_LEN;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f->name_len == names[i].len &&
            memcmp(f->name, names[i].name, names[i].len) == 0)
            return true;
    return false;
}

/* Fields whose values rarely repeat: inserted only when seen before, so
 * they do not push useful entries out of the table. */
static bool volatile_name(const qpack_field *f) {
    static const struct {
        const char *name;
        size_t len;
    } names[] = {{":path", 5},
                 {"content-length", 14},
                 {"date", 4},
                 {"etag", 4},
                 {"last-modified", 13},
                 {"expires", 7},
                 {"if-modified-since", 17},
                 {"if-none-match", 13},
                 {"age", 3},
                 {"location", 8},
                 {"content-range", 13},
                 {"x-request-id", 12}};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (f->name_len == names[i].len &&
            memcmp(f->name, names[i].name, names[i].len) == 0)
            return true;
    return false;
}

/* Records the (name, value) as seen; true if it was seen recently. */
static bool seen_before(qpack_encoder *enc, const qpack_hashes *h) {
    uint32_t tag = (uint32_t)(h->nv >> 32) | 1;
    uint32_t *slot = &enc->seen[h->nv & (QPACK_SEEN_SLOTS - 1)];
    bool seen = *slot == tag;
    *slot = tag;
    return seen;
}

static bool should_index(enc_ctx *c, const qpack_field *f,
                         const qpack_hashes *h) {
    uint64_t size = (uint64_t)f->name_len + f->value_len + QPACK_ENTRY_OVERHEAD;
    /* An entry of most of the table would flush everything else. */
    if (size > c->enc->table.capacity / 4 * 3)
        return false;
    bool seen = seen_before(c->enc, h);
    return seen || !volatile_name(f);
}

/* Entries below this absolute index can be referenced now. */
static uint64_t usable_limit(const enc_ctx *c) {
    return c->can_block ? c->enc->table.insert_count : c->enc->krc;
}

/* Entries below this absolute index can be evicted now. */
static uint64_t evictable(const enc_ctx *c) {
    return c->floor < c->min_ref ? c->floor : c->min_ref;
}

static void note_ref(enc_ctx *c, uint64_t abs) {
    if (abs + 1 > c->ric)
        c->ric = abs + 1;
    if (abs < c->min_ref)
        c->min_ref = abs;
}

/* §4.5.2 / §4.5.3: relative to Base, or post-Base for this section's own
 * inserts. */
static void put_reference(enc_ctx *c, const qpack_entry *e) {
    if (e->abs_index < c->base)
        c->hb += qpack_put_indexed(c->hb, false, c->base - 1 - e->abs_index);
    else
        c->hb += qpack_put_indexed_post_base(c->hb, e->abs_index - c->base);
    note_ref(c, e->abs_index);
}

/* §4.3.4: a copy of |e| as the newest entry. NULL when it does not fit. */
static qpack_entry *duplicate(enc_ctx *c, const qpack_entry *e, int *rc) {
    qpack_encoder *enc = c->enc;
    uint64_t rel = enc->table.insert_count - 1 - e->abs_index;
    qpack_hashes h = {0, e->nv_hash, e->name_hash};
    qpack_entry *d;
    *rc = qpack_encoder_insert(enc, qpack_entry_name(e), e->name_len,
                               qpack_entry_value(e), e->value_len, &h,
                               evictable(c), &d);
    if (*rc != 0)
        return NULL;
    c->es += qpack_put_duplicate(c->es, rel);
    return d;
}

/* An exact match |e|: referenced, duplicated first if it is draining. */
static int reference_match(enc_ctx *c, qpack_entry *e, bool newest) {
    int rc = 0;
    if (e->abs_index >= c->draining_end || !newest) {
        put_reference(c, e);
        return 0;
    }
    if (c->can_block) {
        qpack_entry *d = duplicate(c, e, &rc);
        put_reference(c, d ? d : e);
    } else {
        /* Reference the acknowledged original (kept from eviction by the
         * reference); the copy serves later sections. */
        put_reference(c, e);
        duplicate(c, e, &rc);
    }
    return rc < 0 ? rc : 0;
}

/* §4.3.2 / §4.3.3: inserts |f|, by name reference when there is one. */
static qpack_entry *insert(enc_ctx *c, const qpack_field *f,
                           const qpack_hashes *h, int static_name, int *rc) {
    qpack_encoder *enc = c->enc;
    qpack_entry *named = NULL, *e;
    if (static_name < 0)
        named =
            qpack_encoder_find_name(enc, f, h->name, enc->table.insert_count);
    uint64_t rel = named ? enc->table.insert_count - 1 - named->abs_index : 0;
    *rc = qpack_encoder_insert(enc, f->name, f->name_len, f->value,
                               f->value_len, h, evictable(c), &e);
    if (*rc != 0)
        return NULL;
    if (static_name >= 0)
        c->es += qpack_put_insert_name_ref(c->es, true, (uint64_t)static_name,
                                           f->value, f->value_len);
    else if (named)
        c->es += qpack_put_insert_name_ref(c->es, false, rel, f->value,
                                           f->value_len);
    else
        c->es += qpack_put_insert_literal(c->es, f->name, f->name_len, f->value,
                                          f->value_len);
    return e;
}

/* §4.5.4-4.5.6: a literal value, with the cheapest usable name. */
static void put_literal(enc_ctx *c, const qpack_field *f, const qpack_hashes *h,
                        int static_name, bool never) {
    if (static_name >= 0) {
        c->hb += qpack_put_literal_name_ref(
            c->hb, never, true, (uint64_t)static_name, f->value, f->value_len);
        return;
    }
    qpack_entry *e = c->dynamic ? qpack_encoder_find_name(c->enc, f, h->name,
                                                          usable_limit(c))
                                : NULL;
    if (!e) {
        c->hb += qpack_put_literal_literal_name(
            c->hb, never, f->name, f->name_len, f->value, f->value_len);
    } else if (e->abs_index < c->base) {
        c->hb += qpack_put_literal_name_ref(c->hb, never, false,
                                            c->base - 1 - e->abs_index,
                                            f->value, f->value_len);
        note_ref(c, e->abs_index);
    } else {
        c->hb += qpack_put_literal_post_base_name_ref(
            c->hb, never, e->abs_index - c->base, f->value, f->value_len);
        note_ref(c, e->abs_index);
    }
}

static int encode_field(enc_ctx *c, const qpack_field *f) {
    qpack_encoder *enc = c->enc;
    qpack_hashes h;
    qpack_encoder_hash_name(f, &h);
    int sn, si = qpack_encoder_static_find(enc, f, h.name, &sn);
    if (si >= 0) {
        c->hb += qpack_put_indexed(c->hb, true, (uint64_t)si);
        return 0;
    }
    bool never = sensitive(enc, f);
    if (c->dynamic && !never) {
        qpack_encoder_hash_value(f, &h);
        qpack_entry *newest, *e;
        e = qpack_encoder_find_nv(enc, f, h.nv, usable_limit(c), &newest);
        if (e)
            return reference_match(c, e, e == newest);
        /* Already in the table but not usable yet: do not insert twice. */
        if (!newest && should_index(c, f, &h)) {
            int rc;
            e = insert(c, f, &h, sn, &rc);
            if (rc < 0)
                return rc;
            if (e && c->can_block) {
                put_reference(c, e);
                return 0;
            }
        }
    }
    put_literal(c, f, &h, sn, never);
    return 0;
}

static bool stream_blocking(const qpack_encoder *enc, uint64_t stream_id) {
    for (size_t i = 0; i < enc->nsecs; i++)
        if (enc->secs[i].blocking && enc->secs[i].stream_id == stream_id)
            return true;
    return false;
}

/* Sets up |c|; reserves the section record so the end cannot fail. */
static int start(enc_ctx *c, qpack_encoder *enc, uint64_t stream_id) {
    qpack_table *t = &enc->table;
    memset(c, 0, sizeof(*c));
    c->enc = enc;
    c->base = t->insert_count;
    c->min_ref = UINT64_MAX;
    c->dynamic = t->capacity > 0 && enc->nsecs < QPACK_MAX_OUTSTANDING_SECTIONS;
    c->can_block = enc->blocked_sections < enc->max_blocked ||
                   stream_blocking(enc, stream_id);
    /* §2.1.1: evictable = acknowledged and not referenced by a section
     * that is still outstanding. */
    c->floor = enc->krc;
    for (size_t i = 0; i < enc->nsecs; i++)
        if (enc->secs[i].min_ref < c->floor)
            c->floor = enc->secs[i].min_ref;
    /* Draining: what inserting another quarter of the table would evict. */
    uint64_t spare = t->capacity / 4, free_bytes = t->capacity - t->size;
    c->draining_end = t->first;
    for (uint64_t freed = free_bytes;
         freed < spare && c->draining_end < t->insert_count;)
        freed += qpack_entry_size(qpack_table_get(t, c->draining_end++));
    if (enc->nsecs == enc->secs_cap) {
        size_t cap = enc->secs_cap ? enc->secs_cap * 2 : 16;
        qpack_section_rec *s =
            qpack_realloc(&enc->alloc, enc->secs, cap * sizeof(*s));
        if (!s)
            return QPACK_ERR_NOMEM;
        enc->secs = s;
        enc->secs_cap = cap;
    }
    return 0;
}

/* Writes the prefix in front of the lines and records the section. */
static size_t finish(enc_ctx *c, uint64_t stream_id, uint8_t *header_block) {
    qpack_encoder *enc = c->enc;
    uint8_t prefix[PREFIX_RESERVE];
    size_t plen = c->ric ? qpack_put_section_prefix(prefix, c->ric, c->base,
                                                    enc->max_entries)
                         : qpack_put_section_prefix(prefix, 0, 0, 1);
    size_t body = (size_t)(c->hb - header_block) - PREFIX_RESERVE;
    memmove(header_block + plen, header_block + PREFIX_RESERVE, body);
    memcpy(header_block, prefix, plen);
    if (c->ric > 0) {
        qpack_section_rec *s = &enc->secs[enc->nsecs++];
        s->stream_id = stream_id;
        s->ric = c->ric;
        s->min_ref = c->min_ref;
        s->blocking = c->ric > enc->krc;
        enc->blocked_sections += s->blocking;
    }
    return plen + body;
}

int qpack_encoder_encode(qpack_encoder *enc, uint64_t stream_id,
                         const qpack_field *fields, size_t count,
                         uint8_t *header_block, size_t header_block_cap,
                         size_t *header_block_len, uint8_t *encoder_stream,
                         size_t encoder_stream_cap,
                         size_t *encoder_stream_len) {
    if (!enc || (!fields && count) || !header_block || !encoder_stream ||
        !header_block_len || !encoder_stream_len)
        return QPACK_ERR_INVALID_ARGUMENT;
    size_t bound = qpack_encode_bound(fields, count);
    if (header_block_cap < bound || encoder_stream_cap < bound)
        return QPACK_ERR_BUFFER_TOO_SMALL;
    enc_ctx c;
    int rc = start(&c, enc, stream_id);
    if (rc)
        return rc;
    c.hb = header_block + PREFIX_RESERVE;
    c.es = encoder_stream;
    if (enc->capacity_pending) {
        c.es += qpack_put_set_capacity(c.es, enc->table.capacity);
        enc->capacity_pending = false;
    }
    for (size_t i = 0; i < count; i++)
        if ((rc = encode_field(&c, &fields[i])) != 0)
            return rc;
    *header_block_len = finish(&c, stream_id, header_block);
    *encoder_stream_len = (size_t)(c.es - encoder_stream);
    return 0;
}

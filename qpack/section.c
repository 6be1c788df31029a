/* qpack/section.c — storage of a decoded field section: the field array and
 * an arena of chunks for the bytes (chunks never move, so field pointers
 * stay valid while the section grows). Static table strings are not copied:
 * fields point at them. */
#include "qpack/qpack_internal.h"
#include "qpack/section.h"

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    uint8_t data[];
} arena_chunk;

typedef struct qpack_section_mem {
    qpack_allocator alloc;
    size_t fields_cap;
    arena_chunk *chunks; /* newest (and largest) first */
} qpack_section_mem;

void qpack_field_section_free(qpack_field_section *section) {
    if (!section || !section->mem) {
        if (section)
            memset(section, 0, sizeof(*section));
        return;
    }
    qpack_section_mem *m = section->mem;
    qpack_allocator a = m->alloc;
    arena_chunk *c = m->chunks;
    while (c) {
        arena_chunk *next = c->next;
        qpack_free(&a, c);
        c = next;
    }
    qpack_free(&a, section->fields);
    qpack_free(&a, m);
    memset(section, 0, sizeof(*section));
}

int qpack_section_begin(qpack_field_section *s, const qpack_allocator *a,
                        uint64_t stream_id) {
    if (!s->mem) {
        s->mem = qpack_calloc(a, 1, sizeof(*s->mem));
        if (!s->mem)
            return QPACK_ERR_NOMEM;
        s->mem->alloc = *a;
        s->fields = NULL;
    }
    qpack_section_mem *m = s->mem;
    /* Keep the newest chunk, the largest; the next section likely fits. */
    if (m->chunks) {
        arena_chunk *c = m->chunks->next;
        while (c) {
            arena_chunk *next = c->next;
            qpack_free(&m->alloc, c);
            c = next;
        }
        m->chunks->next = NULL;
        m->chunks->used = 0;
    }
    s->stream_id = stream_id;
    s->count = 0;
    s->size = 0;
    return 0;
}

uint8_t *qpack_section_reserve(qpack_field_section *s, size_t n) {
    qpack_section_mem *m = s->mem;
    arena_chunk *c = m->chunks;
    if (c && c->cap - c->used >= n)
        return c->data + c->used;
    size_t cap = c ? c->cap * 2 : 1024;
    if (cap < n)
        cap = n;
    if (cap > SIZE_MAX - sizeof(arena_chunk))
        return NULL;
    arena_chunk *nc = qpack_malloc(&m->alloc, sizeof(*nc) + cap);
    if (!nc)
        return NULL;
    nc->cap = cap;
    nc->used = 0;
    nc->next = c;
    m->chunks = nc;
    return nc->data;
}

void qpack_section_commit(qpack_field_section *s, size_t n) {
    s->mem->chunks->used += n;
}

qpack_field *qpack_section_add(qpack_field_section *s) {
    qpack_section_mem *m = s->mem;
    if (s->count == m->fields_cap) {
        size_t cap = m->fields_cap ? m->fields_cap * 2 : 16;
        qpack_field *f = qpack_realloc(&m->alloc, s->fields, cap * sizeof(*f));
        if (!f)
            return NULL;
        s->fields = f;
        m->fields_cap = cap;
    }
    return &s->fields[s->count++];
}

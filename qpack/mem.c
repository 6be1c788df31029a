/* qpack/mem.c — allocation through the caller's qpack_allocator and a small
 * growable byte buffer; nothing QPACK-specific. */
#include "qpack/qpack_internal.h"

#include <stdlib.h>

static void *libc_malloc(size_t size, void *user_data) {
    (void)user_data;
    return malloc(size);
}
static void *libc_calloc(size_t nmemb, size_t size, void *user_data) {
    (void)user_data;
    return calloc(nmemb, size);
}
static void *libc_realloc(void *ptr, size_t size, void *user_data) {
    (void)user_data;
    return realloc(ptr, size);
}
static void libc_free(void *ptr, void *user_data) {
    (void)user_data;
    free(ptr);
}

void qpack_allocator_copy(qpack_allocator *out, const qpack_allocator *in) {
    static const qpack_allocator libc = {NULL, libc_malloc, libc_calloc,
                                         libc_realloc, libc_free};
    *out = in ? *in : libc;
    if (!out->malloc)
        out->malloc = libc_malloc;
    if (!out->calloc)
        out->calloc = libc_calloc;
    if (!out->realloc)
        out->realloc = libc_realloc;
    if (!out->free)
        out->free = libc_free;
}

void *qpack_malloc(const qpack_allocator *a, size_t size) {
    return a->malloc(size, a->user_data);
}

void *qpack_calloc(const qpack_allocator *a, size_t nmemb, size_t size) {
    return a->calloc(nmemb, size, a->user_data);
}

void *qpack_realloc(const qpack_allocator *a, void *ptr, size_t size) {
    return a->realloc(ptr, size, a->user_data);
}

void qpack_free(const qpack_allocator *a, void *ptr) {
    if (ptr)
        a->free(ptr, a->user_data);
}

int qpack_buf_reserve(qpack_buf *b, const qpack_allocator *a, size_t extra) {
    if (extra <= b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return QPACK_ERR_NOMEM;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra)
        cap *= 2;
    uint8_t *p = qpack_realloc(a, b->data, cap);
    if (!p)
        return QPACK_ERR_NOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

void qpack_buf_free(qpack_buf *b, const qpack_allocator *a) {
    qpack_free(a, b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

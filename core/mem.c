/* core/mem.c — routes every allocation of the engine through the caller's
 * quic_allocator; it adds no pooling or accounting of its own. */
#include "core/mem.h"

#include <stdlib.h>
#include <string.h>

void *quic_mem_malloc(const quic_allocator *a, size_t size) {
    if (size == 0)
        return NULL;
    if (a && a->malloc)
        return a->malloc(size, a->user_data);
    if (a && a->realloc)
        return a->realloc(NULL, size, a->user_data);
    return malloc(size);
}

void *quic_mem_calloc(const quic_allocator *a, size_t nmemb, size_t size) {
    if (nmemb == 0 || size == 0 || nmemb > SIZE_MAX / size)
        return NULL;
    if (a && a->calloc)
        return a->calloc(nmemb, size, a->user_data);
    if (a && (a->malloc || a->realloc)) {
        void *p = quic_mem_malloc(a, nmemb * size);
        if (p)
            memset(p, 0, nmemb * size);
        return p;
    }
    return calloc(nmemb, size);
}

void *quic_mem_realloc(const quic_allocator *a, void *ptr, size_t size) {
    if (size == 0)
        return NULL;
    if (a && a->realloc)
        return a->realloc(ptr, size, a->user_data);
    return realloc(ptr, size);
}

void quic_mem_free(const quic_allocator *a, void *ptr) {
    if (!ptr)
        return;
    if (a && a->free)
        a->free(ptr, a->user_data);
    else
        free(ptr);
}

void *quic_mem_reallocarray(const quic_allocator *a, void *ptr, size_t nmemb,
                            size_t size) {
    if (size != 0 && nmemb > SIZE_MAX / size)
        return NULL;
    return quic_mem_realloc(a, ptr, nmemb * size);
}

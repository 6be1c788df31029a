/* core/mem.h — allocation through a caller's quic_allocator (NULL or NULL
 * members fall back to libc); internal helpers, not an allocator itself.
 * realloc and free cannot be emulated from the other members, so an
 * allocator that sets malloc or calloc must also set realloc and free. */
#ifndef H3CLI_CORE_MEM_H
#define H3CLI_CORE_MEM_H

#include "core/quic.h"

/* malloc through |a|: a->malloc, else a->realloc(NULL, size), else libc.
 * Returns NULL on failure or when |size| is 0. */
void *quic_mem_malloc(const quic_allocator *a, size_t size);

/* Zeroed |nmemb| × |size| bytes: a->calloc, else quic_mem_malloc + memset
 * (so memory always comes from the allocator that frees it). NULL on
 * failure, on overflow of the product, or when it is 0. */
void *quic_mem_calloc(const quic_allocator *a, size_t nmemb, size_t size);

/* realloc through |a| (a->realloc, else libc). |ptr| NULL allocates. Returns
 * NULL on failure (|ptr| is then untouched) or when |size| is 0 (|ptr| is
 * then kept too: use quic_mem_free to release). */
void *quic_mem_realloc(const quic_allocator *a, void *ptr, size_t size);

/* free through |a| (a->free, else libc); NULL is accepted. */
void quic_mem_free(const quic_allocator *a, void *ptr);

/* quic_mem_realloc of an array of |nmemb| elements of |size| bytes, with
 * the product checked for overflow (NULL then). */
void *quic_mem_reallocarray(const quic_allocator *a, void *ptr, size_t nmemb,
                            size_t size);

#endif

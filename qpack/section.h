/* qpack/section.h — how the decoder fills a qpack_field_section (section.c):
 * begin, then reserve/commit bytes in its arena and add fields. */
#ifndef H3CLI_QPACK_SECTION_H
#define H3CLI_QPACK_SECTION_H

#include "qpack/qpack.h"

/* Empties |s| for a new result on |stream_id|, creating its storage with
 * allocator |a| the first time. Errors: NOMEM. */
int qpack_section_begin(qpack_field_section *s, const qpack_allocator *a,
                        uint64_t stream_id);

/* Room for |n| bytes in the arena that stays put; NULL when out of memory.
 * Only the last reservation can be committed. */
uint8_t *qpack_section_reserve(qpack_field_section *s, size_t n);

/* Keeps the first |n| bytes of the last reservation. */
void qpack_section_commit(qpack_field_section *s, size_t n);

/* Appends an uninitialised field; NULL when out of memory. */
qpack_field *qpack_section_add(qpack_field_section *s);

#endif /* H3CLI_QPACK_SECTION_H */

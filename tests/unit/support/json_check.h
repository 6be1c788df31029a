/* tests/unit/support/json_check.h — a strict JSON parser (RFC 8259) for
 * JSON-SEQ records (RFC 7464) into a node tree that tests query by path. */
#ifndef H3CLI_TESTS_JSON_CHECK_H
#define H3CLI_TESTS_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

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

/* Parses one record (RS, one JSON text, LF); returns the root node or -1
 * when it is not exactly that. */
int jparse_record(jparser *j, const char *rec, size_t len);
/* The node at |path| ("data.frames.0.stream_id") under |id|, or -1. */
int jget(const jparser *j, int id, const char *path);
/* The string or number literal at |path|; fails the test when absent. */
const char *jstr(const jparser *j, int root, const char *path);
/* The number of children of the array or object at |path| (0 if absent). */
size_t jcount(const jparser *j, int root, const char *path);

#endif

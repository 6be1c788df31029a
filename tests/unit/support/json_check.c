/* tests/unit/support/json_check.c — a strict JSON parser (RFC 8259) into a
 * small node tree, for tests that check qlog output; a copy of the one in
 * core_qlog_test.c made shareable. Not a general-purpose JSON library. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_check.h"

static int jvalue(jparser *j);

static void jws(jparser *j) {
    while (j->p < j->end &&
           (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int jnew(jparser *j, jtype t) {
    if (j->n == J_MAX_NODES)
        return -1;
    j->nodes[j->n] = (jnode){.type = t, .first = -1, .next = -1};
    return j->n++;
}

static bool jtext_put(jparser *j, const char *s, size_t n) {
    if (J_MAX_TEXT - j->text_len <= n)
        return false;
    memcpy(j->text + j->text_len, s, n);
    j->text_len += n;
    return true;
}

static int jhex4(const char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Encodes code point |cp| (below U+10000 here) as UTF-8. */
static bool jutf8_put(jparser *j, int cp) {
    char b[3];
    if (cp < 0x80)
        return jtext_put(j, (char[]){(char)cp}, 1);
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | cp >> 6);
        b[1] = (char)(0x80 | (cp & 0x3f));
        return jtext_put(j, b, 2);
    }
    b[0] = (char)(0xe0 | cp >> 12);
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[2] = (char)(0x80 | (cp & 0x3f));
    return jtext_put(j, b, 3);
}

/* Length of the valid UTF-8 sequence at |p|, or 0 (independent of the
 * writer's own check). */
static size_t jutf8_len(const unsigned char *p, const unsigned char *end) {
    size_t n = p[0] < 0x80   ? 1
               : p[0] < 0xc2 ? 0
               : p[0] < 0xe0 ? 2
               : p[0] < 0xf0 ? 3
               : p[0] < 0xf5 ? 4
                             : 0;
    if (!n || (size_t)(end - p) < n)
        return 0;
    uint32_t cp = n == 1 ? p[0] : p[0] & (0xff >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

static const char *jstring(jparser *j) {
    if (j->p >= j->end || *j->p != '"')
        return NULL;
    j->p++;
    size_t start = j->text_len;
    while (j->p < j->end && *j->p != '"') {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return NULL; /* raw control characters are not allowed */
        if (c == '\\') {
            if (j->end - j->p < 2)
                return NULL;
            char e = j->p[1];
            const char *simple = strchr("\"\\/bfnrt", e);
            if (e && simple) {
                static const char out[] = "\"\\/\b\f\n\r\t";
                if (!jtext_put(j, &out[simple - "\"\\/bfnrt"], 1))
                    return NULL;
                j->p += 2;
            } else if (e == 'u' && j->end - j->p >= 6) {
                int cp = jhex4(j->p + 2);
                if (cp < 0 || (cp >= 0xd800 && cp <= 0xdfff) ||
                    !jutf8_put(j, cp))
                    return NULL;
                j->p += 6;
            } else {
                return NULL;
            }
            continue;
        }
        size_t n = jutf8_len((const unsigned char *)j->p,
                             (const unsigned char *)j->end);
        if (!n || !jtext_put(j, j->p, n))
            return NULL;
        j->p += n;
    }
    if (j->p >= j->end || !jtext_put(j, "", 1))
        return NULL;
    j->p++;
    return j->text + start;
}

static int jnumber(jparser *j) {
    const char *s = j->p;
    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p < j->end && *j->p == '0')
        j->p++;
    else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    else
        return -1;
    if (j->p < j->end && *j->p == '.') {
        j->p++;
        if (j->p >= j->end || *j->p < '0' || *j->p > '9')
            return -1;
        while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
            j->p++;
    }
    if (j->p < j->end && (*j->p == 'e' || *j->p == 'E'))
        return -1; /* the writer never uses exponents */
    int id = jnew(j, J_NUM);
    size_t at = j->text_len;
    if (id < 0 || !jtext_put(j, s, (size_t)(j->p - s)) || !jtext_put(j, "", 1))
        return -1;
    j->nodes[id].str = j->text + at;
    return id;
}

static bool jliteral(jparser *j, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return false;
    j->p += n;
    return true;
}

/* Members or elements until |close|; appends children to |parent|. */
static int jcontainer(jparser *j, jtype t, char close) {
    int id = jnew(j, t);
    if (id < 0 || ++j->depth > 64)
        return -1;
    j->p++;
    jws(j);
    int last = -1;
    if (j->p < j->end && *j->p == close) {
        j->p++;
        j->depth--;
        return id;
    }
    for (;;) {
        const char *key = NULL;
        jws(j);
        if (t == J_OBJ) {
            if (!(key = jstring(j)))
                return -1;
            jws(j);
            if (j->p >= j->end || *j->p++ != ':')
                return -1;
        }
        int child = jvalue(j);
        if (child < 0)
            return -1;
        j->nodes[child].key = key;
        if (last < 0)
            j->nodes[id].first = child;
        else
            j->nodes[last].next = child;
        last = child;
        jws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            j->depth--;
            return id;
        }
        return -1;
    }
}

static int jvalue(jparser *j) {
    jws(j);
    if (j->p >= j->end)
        return -1;
    switch (*j->p) {
    case '{': return jcontainer(j, J_OBJ, '}');
    case '[': return jcontainer(j, J_ARR, ']');
    case '"': {
        const char *s = jstring(j);
        int id = s ? jnew(j, J_STR) : -1;
        if (id >= 0)
            j->nodes[id].str = s;
        return id;
    }
    case 't':
    case 'f': {
        bool b = *j->p == 't';
        int id = jliteral(j, b ? "true" : "false") ? jnew(j, J_BOOL) : -1;
        if (id >= 0)
            j->nodes[id].b = b;
        return id;
    }
    case 'n': return jliteral(j, "null") ? jnew(j, J_NULL) : -1;
    default: return jnumber(j);
    }
}

/* Parses one JSON-SEQ record: RS, exactly one JSON text, LF. */
int jparse_record(jparser *j, const char *rec, size_t len) {
    memset(j, 0, offsetof(jparser, nodes));
    j->n = 0;
    j->text_len = 0;
    if (len < 3 || rec[0] != 0x1e || rec[len - 1] != '\n')
        return -1;
    if (memchr(rec + 1, 0x1e, len - 1))
        return -1;
    j->p = rec + 1;
    j->end = rec + len - 1;
    int root = jvalue(j);
    jws(j);
    return root >= 0 && j->p == j->end ? root : -1;
}

/* The node at |path| ("data.frames.0.stream_id") under |id|, or -1. */
int jget(const jparser *j, int id, const char *path) {
    char part[64];
    while (id >= 0 && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof(part))
            return -1;
        memcpy(part, path, n);
        part[n] = 0;
        path += n + (path[n] == '.');
        const jnode *node = &j->nodes[id];
        int c = node->first;
        if (node->type == J_ARR) {
            for (long k = strtol(part, NULL, 10); c >= 0 && k > 0; k--)
                c = j->nodes[c].next;
        } else if (node->type == J_OBJ) {
            while (c >= 0 && strcmp(j->nodes[c].key, part) != 0)
                c = j->nodes[c].next;
        } else {
            c = -1;
        }
        id = c;
    }
    return id;
}

const char *jstr(const jparser *j, int root, const char *path) {
    int id = jget(j, root, path);
    if (id < 0 || (j->nodes[id].type != J_STR && j->nodes[id].type != J_NUM))
        fail_msg("%s: missing or not a string/number", path);
    return j->nodes[id].str;
}

size_t jcount(const jparser *j, int root, const char *path) {
    int id = jget(j, root, path);
    if (id < 0)
        return 0;
    size_t n = 0;
    for (int c = j->nodes[id].first; c >= 0; c = j->nodes[c].next)
        n++;
    return n;
}

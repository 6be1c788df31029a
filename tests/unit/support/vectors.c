/* tests/unit/support/vectors.c — parser for the labelled hex test-vector
 * files in shared/spec; strict, so a damaged file fails loudly rather than
 * yielding a short vector. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/support/vectors.h"

static int fail(int line, const char *what) {
    fprintf(stderr, "vectors: line %d: %s\n", line, what);
    return -1;
}

static test_vector *find(const test_vectors *tv, const char *name) {
    for (size_t i = 0; i < tv->count; i++)
        if (strcmp(tv->items[i].name, name) == 0)
            return &tv->items[i];
    return NULL;
}

/* Appends an item named by the |name_len| bytes at |name|. */
static test_vector *add(test_vectors *tv, const char *name, size_t name_len) {
    char key[sizeof(tv->items[0].name)];
    if (name_len == 0 || name_len >= sizeof(key))
        return NULL;
    memcpy(key, name, name_len);
    key[name_len] = '\0';
    if (find(tv, key) != NULL)
        return NULL;
    test_vector *items = realloc(tv->items, (tv->count + 1) * sizeof(*items));
    if (items == NULL)
        return NULL;
    tv->items = items;
    test_vector *v = &items[tv->count++];
    memset(v, 0, sizeof(*v));
    memcpy(v->name, key, name_len + 1);
    return v;
}

static int hex_digit(int c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Appends the hex digits of one line to |v|, whose buffer holds |cap|. */
static int append_hex(test_vector *v, size_t cap, const char *s, size_t n) {
    if (n % 2 != 0 || v->len + n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit((unsigned char)s[i]);
        int lo = hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        v->data[v->len++] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

/* Parses "name: N" or "name = D", each optionally followed by "  # …". */
static int parse_header(test_vectors *tv, const char *s, size_t n,
                        test_vector **open, size_t *cap) {
    const char *hash = memchr(s, '#', n);
    if (hash != NULL)
        n = (size_t)(hash - s);
    while (n > 0 && s[n - 1] == ' ')
        n--;
    size_t name_len = 0;
    while (name_len < n &&
           (islower((unsigned char)s[name_len]) ||
            isdigit((unsigned char)s[name_len]) || s[name_len] == '_'))
        name_len++;
    const char *rest = s + name_len;
    bool scalar = n - name_len > 3 && memcmp(rest, " = ", 3) == 0;
    bool bytes = n - name_len > 2 && memcmp(rest, ": ", 2) == 0;
    if (!scalar && !bytes)
        return -1;
    char num[32];
    size_t num_len = n - name_len - (scalar ? 3 : 2);
    if (num_len == 0 || num_len >= sizeof(num))
        return -1;
    memcpy(num, rest + (scalar ? 3 : 2), num_len);
    num[num_len] = '\0';
    char *end;
    errno = 0;
    unsigned long long value = strtoull(num, &end, 10);
    if (*end != '\0' || errno != 0 || !isdigit((unsigned char)num[0]))
        return -1;
    test_vector *v = add(tv, s, name_len);
    if (v == NULL)
        return -1;
    if (scalar) {
        v->is_scalar = true;
        v->scalar = value;
        return 0;
    }
    if (value > 1u << 20 || (value > 0 && (v->data = malloc(value)) == NULL))
        return -1;
    *cap = (size_t)value;
    *open = v;
    return 0;
}

static int parse_text(test_vectors *tv, const char *text) {
    test_vector *open = NULL; /* the byte-string value being read */
    size_t cap = 0;
    int line = 0;
    for (const char *p = text; *p != '\0' || open != NULL;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        if (n == 0) { /* a blank line (or the end) closes a value */
            if (open != NULL && open->len != cap)
                return fail(line, "value shorter than its header says");
            open = NULL;
        } else if (p[0] == '#') {
            /* comment */
        } else if (open != NULL) {
            if (append_hex(open, cap, p, n) != 0)
                return fail(line, "bad hex line or value too long");
        } else if (parse_header(tv, p, n, &open, &cap) != 0) {
            return fail(line, "not a value header");
        }
        if (eol == NULL && *p != '\0')
            p += n;
        else if (eol != NULL)
            p = eol + 1;
    }
    return 0;
}

int test_vectors_parse(test_vectors *tv, const char *text) {
    memset(tv, 0, sizeof(*tv));
    if (parse_text(tv, text) != 0) {
        test_vectors_free(tv);
        return -1;
    }
    return 0;
}

int test_vectors_load(test_vectors *tv, const char *file) {
    memset(tv, 0, sizeof(*tv));
    const char *shared = getenv("SHARED");
    char path[sizeof(tv->path)];
    snprintf(path, sizeof(path), "%s/spec/%s",
             shared && *shared ? shared : "../../../shared", file);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "vectors: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    do {
        if (len + 4096 + 1 > cap) {
            char *t = realloc(text, cap = cap * 2 + 4096 + 1);
            if (t == NULL)
                break;
            text = t;
        }
        got = fread(text + len, 1, 4096, f);
        len += got;
    } while (got > 0);
    bool ok = text != NULL && !ferror(f) && len + 1 <= cap;
    fclose(f);
    int rc = -1;
    if (ok) {
        text[len] = '\0';
        rc = test_vectors_parse(tv, text);
    }
    free(text);
    if (rc != 0) {
        fprintf(stderr, "vectors: cannot read %s\n", path);
        return -1;
    }
    snprintf(tv->path, sizeof(tv->path), "%s", path);
    return 0;
}

const uint8_t *test_vectors_bytes(const test_vectors *tv, const char *name,
                                  size_t *len) {
    const test_vector *v = find(tv, name);
    if (v == NULL || v->is_scalar)
        return NULL;
    *len = v->len;
    return v->data ? v->data : (const uint8_t *)"";
}

bool test_vectors_scalar(const test_vectors *tv, const char *name,
                         uint64_t *out) {
    const test_vector *v = find(tv, name);
    if (v == NULL || !v->is_scalar)
        return false;
    *out = v->scalar;
    return true;
}

void test_vectors_free(test_vectors *tv) {
    for (size_t i = 0; i < tv->count; i++)
        free(tv->items[i].data);
    free(tv->items);
    memset(tv, 0, sizeof(*tv));
}

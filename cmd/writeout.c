/* cmd/writeout.c — interprets -w formats the way curl's tool_writeout.c
 * documents them, over an h3cli_transfer_info. */
#include "cmd/writeout.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum var_kind {
    V_STR,      /* const char * */
    V_INT,      /* int */
    V_CODE,     /* int, printed %03d */
    V_UINT,     /* unsigned */
    V_U64,      /* uint64_t */
    V_TIME,     /* uint64_t microseconds */
    V_SPEED,    /* size_download / time_total */
    V_VERSION,  /* always "3" */
    V_NHEADERS, /* n_headers */
    V_STDOUT,
    V_STDERR,
    V_JSON,
} var_kind;

#define F(field) offsetof(h3cli_transfer_info, field)

/* Sorted by name: %{json} prints them in this order, as curl does. */
static const struct var {
    const char *name;
    var_kind kind;
    size_t offset;
} vars[] = {
    {"errormsg", V_STR, F(errormsg)},
    {"exitcode", V_INT, F(exitcode)},
    {"http_code", V_CODE, F(http_code)},
    {"http_version", V_VERSION, 0},
    {"json", V_JSON, 0},
    {"local_ip", V_STR, F(local_ip)},
    {"local_port", V_UINT, F(local_port)},
    {"num_headers", V_NHEADERS, 0},
    {"remote_ip", V_STR, F(remote_ip)},
    {"remote_port", V_UINT, F(remote_port)},
    {"response_code", V_CODE, F(http_code)},
    {"size_download", V_U64, F(size_download)},
    {"size_header", V_U64, F(size_header)},
    {"speed_download", V_SPEED, 0},
    {"stderr", V_STDERR, 0},
    {"stdout", V_STDOUT, 0},
    {"time_appconnect", V_TIME, F(time_appconnect_us)},
    {"time_connect", V_TIME, F(time_connect_us)},
    {"time_starttransfer", V_TIME, F(time_starttransfer_us)},
    {"time_total", V_TIME, F(time_total_us)},
    {"url_effective", V_STR, F(url_effective)},
};

#define N_VARS (sizeof(vars) / sizeof(vars[0]))

static const void *field(const h3cli_transfer_info *info, size_t offset) {
    return (const char *)info + offset;
}

static void json_string(FILE *f, const char *s) {
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\b': fputs("\\b", f); break;
        case '\f': fputs("\\f", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

static uint64_t speed(const h3cli_transfer_info *info) {
    if (info->time_total_us == 0)
        return 0;
    return (uint64_t)((double)info->size_download * 1e6 /
                      (double)info->time_total_us);
}

/* Prints one value variable; |json| selects JSON syntax for strings and
 * the version. */
static void print_value(FILE *f, const struct var *v,
                        const h3cli_transfer_info *info, bool json) {
    const void *p = field(info, v->offset);
    switch (v->kind) {
    case V_STR: {
        const char *s;
        memcpy(&s, p, sizeof(s));
        if (json && s)
            json_string(f, s);
        else
            fputs(s ? s : (json ? "null" : ""), f);
        break;
    }
    case V_INT: fprintf(f, "%d", *(const int *)p); break;
    case V_CODE: fprintf(f, json ? "%d" : "%03d", *(const int *)p); break;
    case V_UINT: fprintf(f, "%u", *(const unsigned *)p); break;
    case V_U64: fprintf(f, "%" PRIu64, *(const uint64_t *)p); break;
    case V_TIME: {
        uint64_t us = *(const uint64_t *)p;
        fprintf(f, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);
        break;
    }
    case V_SPEED: fprintf(f, "%" PRIu64, speed(info)); break;
    case V_VERSION: fputs(json ? "\"3\"" : "3", f); break;
    case V_NHEADERS: fprintf(f, "%zu", info->n_headers); break;
    default: break;
    }
}

static void print_json(FILE *f, const h3cli_transfer_info *info) {
    bool first = true;
    fputc('{', f);
    for (size_t i = 0; i < N_VARS; i++) {
        if (vars[i].kind >= V_STDOUT)
            continue;
        fprintf(f, "%s\"%s\":", first ? "" : ",", vars[i].name);
        print_value(f, &vars[i], info, true);
        first = false;
    }
    fputc('}', f);
}

static const struct var *find_var(const char *name, size_t len) {
    for (size_t i = 0; i < N_VARS; i++)
        if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
            return &vars[i];
    return NULL;
}

static void print_header(FILE *f, const h3cli_transfer_info *info,
                         const char *name, size_t len) {
    bool first = true;
    for (size_t i = 0; i < info->n_headers; i++) {
        const h3cli_header_field *h = &info->headers[i];
        if (strlen(h->name) != len || strncasecmp(h->name, name, len) != 0)
            continue;
        fprintf(f, "%s%s", first ? "" : ", ", h->value);
        first = false;
    }
}

/* Handles "%{name}" at |p| (p[0] == '%', p[1] == '{'); returns the next
 * position. */
static const char *variable(const char *p, const h3cli_transfer_info *info,
                            FILE **stream, FILE *out, FILE *err) {
    const char *name = p + 2, *end = strchr(name, '}');
    if (!end) {
        fputs("%{", *stream);
        return name;
    }
    size_t len = (size_t)(end - name);
    const struct var *v = find_var(name, len);
    if (!v)
        fprintf(err, "h3cli: unknown --write-out variable: '%.*s'\n", (int)len,
                name);
    else if (v->kind == V_STDOUT)
        *stream = out;
    else if (v->kind == V_STDERR)
        *stream = err;
    else if (v->kind == V_JSON)
        print_json(*stream, info);
    else
        print_value(*stream, v, info, false);
    return end + 1;
}

static const char *header(const char *p, const h3cli_transfer_info *info,
                          FILE *stream) {
    const char *name = p + 8, *end = strchr(name, '}');
    if (!end) {
        fputs("%header{", stream);
        return name;
    }
    print_header(stream, info, name, (size_t)(end - name));
    return end + 1;
}

static const char *escape(const char *p, FILE *stream) {
    switch (p[1]) {
    case 'n': fputc('\n', stream); break;
    case 'r': fputc('\r', stream); break;
    case 't': fputc('\t', stream); break;
    default: fputc('\\', stream); fputc(p[1], stream);
    }
    return p + 2;
}

void h3cli_writeout_print(const char *format, const h3cli_transfer_info *info,
                          FILE *out, FILE *err) {
    FILE *stream = out;
    const char *p = format;
    while (*p) {
        if (p[0] == '%' && p[1] == '%') {
            fputc('%', stream);
            p += 2;
        } else if (p[0] == '%' && p[1] == '{') {
            p = variable(p, info, &stream, out, err);
        } else if (strncmp(p, "%header{", 8) == 0) {
            p = header(p, info, stream);
        } else if (p[0] == '%' && p[1]) {
            fputc('%', stream); /* not ours: print it as it is */
            fputc(p[1], stream);
            p += 2;
        } else if (p[0] == '\\' && p[1]) {
            p = escape(p, stream);
        } else {
            fputc(*p++, stream);
        }
    }
}

/* Reads all of |f| into a new string. */
static int slurp(FILE *f, char **format) {
    size_t cap = 256, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (len < cap - 1)
            break;
        char *grown = realloc(buf, cap * 2);
        if (!grown)
            free(buf);
        buf = grown;
        cap *= 2;
    }
    if (!buf)
        return H3CLI_WRITEOUT_ERR_NOMEM;
    if (ferror(f)) {
        free(buf);
        return H3CLI_WRITEOUT_ERR_READ;
    }
    buf[len] = '\0';
    *format = buf;
    return 0;
}

int h3cli_writeout_load(const char *arg, char **format) {
    *format = NULL;
    if (arg[0] != '@') {
        *format = strdup(arg);
        return *format ? 0 : H3CLI_WRITEOUT_ERR_NOMEM;
    }
    if (strcmp(arg, "@-") == 0)
        return slurp(stdin, format);
    FILE *f = fopen(arg + 1, "rb");
    if (!f)
        return H3CLI_WRITEOUT_ERR_READ;
    int rc = slurp(f, format);
    fclose(f);
    return rc;
}

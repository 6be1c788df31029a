/* cmd/listing.c — renders a directory as a sorted HTML list of links. */
#include "cmd/listing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    char *name;
    bool is_dir;
} entry;

typedef struct entries {
    entry *v;
    size_t n, cap;
} entries;

static void free_entries(entries *e) {
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].name);
    free(e->v);
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static int add_entry(entries *e, const char *name, bool is_dir) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 32;
        entry *v = realloc(e->v, cap * sizeof(*v));
        if (!v)
            return -ENOMEM;
        e->v = v;
        e->cap = cap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -ENOMEM;
    e->v[e->n++] = (entry){copy, is_dir};
    return 0;
}

/* Reads the names to show into |e|. */
static int read_entries(int dirfd, bool show_dotfiles, entries *e) {
    int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int err = -errno;
        if (fd >= 0)
            close(fd);
        return err;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        struct stat st;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
            (name[0] == '.' && !show_dotfiles) ||
            fstatat(dirfd, name, &st, 0) != 0)
            continue;
        rc = add_entry(e, name, S_ISDIR(st.st_mode));
    }
    if (rc == 0 && errno != 0)
        rc = -errno;
    closedir(d);
    return rc;
}

static void put_html(FILE *f, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Everything but RFC 3986 unreserved characters is percent-encoded, so a
 * name with ':', '?', '#' or '%' stays one relative path segment. */
static void put_href(FILE *f, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~')
            fputc(c, f);
        else
            fprintf(f, "%%%02X", c);
    }
}

static void render(FILE *f, const char *url_path, const entries *e) {
    fputs("<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
          "<title>Index of ",
          f);
    put_html(f, url_path);
    fputs("</title>\n</head>\n<body>\n<h1>Index of ", f);
    put_html(f, url_path);
    fputs("</h1>\n<ul>\n", f);
    if (strcmp(url_path, "/") != 0)
        fputs("<li><a href=\"../\">../</a></li>\n", f);
    for (size_t i = 0; i < e->n; i++) {
        const char *slash = e->v[i].is_dir ? "/" : "";
        fputs("<li><a href=\"", f);
        put_href(f, e->v[i].name);
        fprintf(f, "%s\">", slash);
        put_html(f, e->v[i].name);
        fprintf(f, "%s</a></li>\n", slash);
    }
    fputs("</ul>\n</body>\n</html>\n", f);
}

int h3cli_listing_build(int dirfd, const char *url_path, bool show_dotfiles,
                        char **html, size_t *len) {
    *html = NULL;
    *len = 0;
    entries e = {NULL, 0, 0};
    int rc = read_entries(dirfd, show_dotfiles, &e);
    if (rc != 0) {
        free_entries(&e);
        return rc;
    }
    if (e.n > 1)
        qsort(e.v, e.n, sizeof(*e.v), by_name);
    FILE *f = open_memstream(html, len);
    if (!f) {
        free_entries(&e);
        return -ENOMEM;
    }
    render(f, url_path, &e);
    free_entries(&e);
    if (fclose(f) != 0) {
        free(*html);
        *html = NULL;
        *len = 0;
        return -ENOMEM;
    }
    return 0;
}

/* cmd/addr.c — --resolve/--connect-to rules and getaddrinfo-based name
 * resolution for get and ping; it opens no sockets. */
#include "cmd/addr.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void h3cli_addr_rules_init(h3cli_addr_rules *r) {
    memset(r, 0, sizeof(*r));
}

void h3cli_addr_list_free(h3cli_addr_list *l) {
    free(l->addrs);
    l->addrs = NULL;
    l->n = 0;
}

void h3cli_addr_rules_cleanup(h3cli_addr_rules *r) {
    for (size_t i = 0; i < r->n_resolve; i++) {
        free(r->resolve[i].host);
        h3cli_addr_list_free(&r->resolve[i].addrs);
    }
    for (size_t i = 0; i < r->n_connect; i++) {
        free(r->connect[i].from_host);
        free(r->connect[i].to_host);
    }
    free(r->resolve);
    free(r->connect);
    memset(r, 0, sizeof(*r));
}

static int usage(char *err, size_t errlen, const char *what, const char *s) {
    snprintf(err, errlen, "%s: bad argument '%.100s'", what, s);
    return H3CLI_ADDR_ERR_USAGE;
}

/* Reads one colon-separated field at *s: "[...]" (brackets dropped) or up
 * to the next ':' (or the end when |last|). Returns false on an unbalanced
 * bracket or a missing ':' after a non-last field. */
static bool next_field(const char **s, bool last, const char **f, size_t *len) {
    const char *p = *s;
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close)
            return false;
        *f = p + 1;
        *len = (size_t)(close - p - 1);
        p = close + 1;
    } else {
        *f = p;
        *len = last ? strlen(p) : strcspn(p, ":");
        if (memchr(p, ']', *len))
            return false;
        p += *len;
    }
    if (last)
        return *p == '\0';
    if (*p != ':')
        return false;
    *s = p + 1;
    return true;
}

/* A decimal port 1..65535 from |len| bytes; -1 when invalid. */
static int parse_port(const char *p, size_t len) {
    if (len == 0 || len > 5)
        return -1;
    int v = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v >= 1 && v <= 65535 ? v : -1;
}

static char *dup_n(const char *p, size_t len) {
    char *d = malloc(len + 1);
    if (d) {
        memcpy(d, p, len);
        d[len] = '\0';
    }
    return d;
}

/* Parses an IPv4 or IPv6 literal (IPv6 optionally in brackets) of |len|
 * bytes into |ss| with |port|. */
static bool parse_literal(const char *p, size_t len, uint16_t port,
                          struct sockaddr_storage *ss) {
    char buf[INET6_ADDRSTRLEN + 2];
    if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
        p++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, p, len);
    buf[len] = '\0';
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        return true;
    }
    if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        return true;
    }
    return false;
}

/* Parses "addr[,addr]..." into |l|. Returns 0, USAGE or NOMEM. */
static int parse_addr_list(const char *s, uint16_t port, h3cli_addr_list *l) {
    size_t count = 1;
    for (const char *p = s; *p; p++)
        count += *p == ',';
    l->addrs = calloc(count, sizeof(*l->addrs));
    if (!l->addrs)
        return H3CLI_ADDR_ERR_NOMEM;
    for (const char *p = s;; p++) {
        size_t len = strcspn(p, ",");
        if (!parse_literal(p, len, port, &l->addrs[l->n])) {
            h3cli_addr_list_free(l);
            return H3CLI_ADDR_ERR_USAGE;
        }
        l->n++;
        p += len;
        if (*p == '\0')
            return 0;
    }
}

/* "-host:port": drops earlier rules for host and port. */
static void remove_resolve(h3cli_addr_rules *r, const char *host, size_t hlen,
                           uint16_t port) {
    size_t w = 0;
    for (size_t i = 0; i < r->n_resolve; i++) {
        h3cli_resolve_rule *e = &r->resolve[i];
        if (e->port == port && strlen(e->host) == hlen &&
            strncasecmp(e->host, host, hlen) == 0) {
            free(e->host);
            h3cli_addr_list_free(&e->addrs);
        } else {
            r->resolve[w++] = *e;
        }
    }
    r->n_resolve = w;
}

int h3cli_addr_add_resolve(h3cli_addr_rules *r, const char *spec, char *err,
                           size_t errlen) {
    const char *s = spec, *host, *port_s;
    size_t hlen, plen;
    bool removal = *s == '-';
    if (*s == '+' || *s == '-')
        s++;
    if (!next_field(&s, false, &host, &hlen) || hlen == 0 ||
        !next_field(&s, removal, &port_s, &plen))
        return usage(err, errlen, "--resolve", spec);
    int port = parse_port(port_s, plen);
    if (port < 0)
        return usage(err, errlen, "--resolve", spec);
    if (removal) {
        remove_resolve(r, host, hlen, (uint16_t)port);
        return 0;
    }
    h3cli_resolve_rule rule = {dup_n(host, hlen), (uint16_t)port, {NULL, 0}};
    if (!rule.host)
        return H3CLI_ADDR_ERR_NOMEM;
    int rc = parse_addr_list(s, (uint16_t)port, &rule.addrs);
    h3cli_resolve_rule *grown =
        rc == 0 ? realloc(r->resolve, (r->n_resolve + 1) * sizeof(*grown))
                : NULL;
    if (rc != 0 || !grown) {
        free(rule.host);
        h3cli_addr_list_free(&rule.addrs);
        return rc == H3CLI_ADDR_ERR_USAGE
                   ? usage(err, errlen, "--resolve", spec)
                   : H3CLI_ADDR_ERR_NOMEM;
    }
    r->resolve = grown;
    r->resolve[r->n_resolve++] = rule;
    return 0;
}

/* One --connect-to port field: empty is -1 ("any"/"same"). */
static bool connect_port(const char *p, size_t len, int *port) {
    *port = len == 0 ? -1 : parse_port(p, len);
    return len == 0 || *port > 0;
}

int h3cli_addr_add_connect_to(h3cli_addr_rules *r, const char *spec, char *err,
                              size_t errlen) {
    const char *s = spec, *f[4];
    size_t len[4];
    for (int i = 0; i < 4; i++)
        if (!next_field(&s, i == 3, &f[i], &len[i]))
            return usage(err, errlen, "--connect-to", spec);
    h3cli_connect_rule rule = {NULL, -1, NULL, -1};
    if (!connect_port(f[1], len[1], &rule.from_port) ||
        !connect_port(f[3], len[3], &rule.to_port))
        return usage(err, errlen, "--connect-to", spec);
    rule.from_host = len[0] ? dup_n(f[0], len[0]) : NULL;
    rule.to_host = len[2] ? dup_n(f[2], len[2]) : NULL;
    h3cli_connect_rule *grown =
        realloc(r->connect, (r->n_connect + 1) * sizeof(*grown));
    if ((len[0] && !rule.from_host) || (len[2] && !rule.to_host) || !grown) {
        free(rule.from_host);
        free(rule.to_host);
        if (grown)
            r->connect = grown;
        return H3CLI_ADDR_ERR_NOMEM;
    }
    r->connect = grown;
    r->connect[r->n_connect++] = rule;
    return 0;
}

bool h3cli_addr_connect_to(const h3cli_addr_rules *r, const char *host,
                           uint16_t port, const char **to_host,
                           uint16_t *to_port) {
    *to_host = host;
    *to_port = port;
    for (size_t i = 0; i < r->n_connect; i++) {
        const h3cli_connect_rule *c = &r->connect[i];
        if (c->from_host && strcasecmp(c->from_host, host) != 0)
            continue;
        if (c->from_port >= 0 && c->from_port != port)
            continue;
        if (c->to_host)
            *to_host = c->to_host;
        if (c->to_port >= 0)
            *to_port = (uint16_t)c->to_port;
        return true;
    }
    return false;
}

static bool same_addr(const struct sockaddr_storage *a,
                      const struct sockaddr_storage *b) {
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET)
        return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
                      &((const struct sockaddr_in *)b)->sin_addr, 4) == 0;
    return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
                  &((const struct sockaddr_in6 *)b)->sin6_addr, 16) == 0 &&
           ((const struct sockaddr_in6 *)a)->sin6_scope_id ==
               ((const struct sockaddr_in6 *)b)->sin6_scope_id;
}

/* Appends |ss| to |out| (capacity |cap|) unless filtered or a duplicate. */
static void add_unique(h3cli_addr_list *out, size_t cap, int family,
                       const struct sockaddr_storage *ss) {
    if (out->n >= cap || (family != AF_UNSPEC && ss->ss_family != family) ||
        (ss->ss_family != AF_INET && ss->ss_family != AF_INET6))
        return;
    for (size_t i = 0; i < out->n; i++)
        if (same_addr(&out->addrs[i], ss))
            return;
    out->addrs[out->n++] = *ss;
}

static const h3cli_resolve_rule *find_rule(const h3cli_addr_rules *r,
                                           const char *host, uint16_t port) {
    for (size_t i = r->n_resolve; i-- > 0;) {
        const h3cli_resolve_rule *e = &r->resolve[i];
        if (e->port == port &&
            (strcmp(e->host, "*") == 0 || strcasecmp(e->host, host) == 0))
            return e;
    }
    return NULL;
}

static int lookup(const char *host, uint16_t port, int family,
                  h3cli_addr_list *out) {
    struct addrinfo hints = {.ai_family = family,
                             .ai_socktype = SOCK_DGRAM,
                             .ai_protocol = IPPROTO_UDP};
    struct addrinfo *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) != 0)
        return H3CLI_ADDR_ERR_RESOLVE;
    size_t count = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        count++;
    out->addrs = calloc(count, sizeof(*out->addrs));
    if (!out->addrs) {
        freeaddrinfo(res);
        return H3CLI_ADDR_ERR_NOMEM;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof(ss));
        if (ai->ai_addrlen > sizeof(ss))
            continue;
        memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
        if (ss.ss_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        else if (ss.ss_family == AF_INET6)
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
        add_unique(out, count, family, &ss);
    }
    freeaddrinfo(res);
    return 0;
}

int h3cli_addr_resolve(const h3cli_addr_rules *r, const char *host,
                       uint16_t port, int family, h3cli_addr_list *out,
                       char *err, size_t errlen) {
    out->addrs = NULL;
    out->n = 0;
    const h3cli_resolve_rule *rule = find_rule(r, host, port);
    int rc = 0;
    if (rule) {
        out->addrs = calloc(rule->addrs.n, sizeof(*out->addrs));
        if (!out->addrs)
            return H3CLI_ADDR_ERR_NOMEM;
        for (size_t i = 0; i < rule->addrs.n; i++)
            add_unique(out, rule->addrs.n, family, &rule->addrs.addrs[i]);
    } else {
        rc = lookup(host, port, family, out);
    }
    if (rc == 0 && out->n == 0)
        rc = H3CLI_ADDR_ERR_RESOLVE;
    if (rc != 0)
        h3cli_addr_list_free(out);
    if (rc == H3CLI_ADDR_ERR_RESOLVE)
        snprintf(err, errlen, "Could not resolve host: %.200s", host);
    return rc;
}

int h3cli_addr_split_host_port(const char *s, uint16_t default_port,
                               char **host, uint16_t *port) {
    const char *h = s, *colon;
    size_t hlen;
    *host = NULL;
    *port = default_port;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (!close || (close[1] != '\0' && close[1] != ':'))
            return H3CLI_ADDR_ERR_USAGE;
        h = s + 1;
        hlen = (size_t)(close - h);
        colon = close[1] == ':' ? close + 1 : NULL;
    } else {
        colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 literal */
        hlen = colon ? (size_t)(colon - s) : strlen(s);
        if (memchr(s, ']', hlen))
            return H3CLI_ADDR_ERR_USAGE;
    }
    if (hlen == 0)
        return H3CLI_ADDR_ERR_USAGE;
    if (colon) {
        int p = parse_port(colon + 1, strlen(colon + 1));
        if (p < 0)
            return H3CLI_ADDR_ERR_USAGE;
        *port = (uint16_t)p;
    }
    *host = dup_n(h, hlen);
    return *host ? 0 : H3CLI_ADDR_ERR_NOMEM;
}

uint16_t h3cli_addr_port(const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}

size_t h3cli_addr_format(const struct sockaddr *sa, bool with_port, char *buf,
                         size_t cap) {
    char ip[INET6_ADDRSTRLEN];
    const void *a;
    if (sa->sa_family == AF_INET)
        a = &((const struct sockaddr_in *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
    else
        return 0;
    if (!inet_ntop(sa->sa_family, a, ip, sizeof(ip)))
        return 0;
    int n;
    bool v6 = sa->sa_family == AF_INET6;
    if (with_port)
        n = snprintf(buf, cap, "%s%s%s:%u", v6 ? "[" : "", ip, v6 ? "]" : "",
                     (unsigned)h3cli_addr_port(sa));
    else
        n = snprintf(buf, cap, "%s", ip);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* cmd/addr.h — where to send datagrams: curl's --resolve and --connect-to
 * rules, name resolution with -4/-6, HOST[:PORT] splitting and address
 * printing; no sockets (cmd/udp.h). */
#ifndef H3CLI_CMD_ADDR_H
#define H3CLI_CMD_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Errors are the negated curl exit codes. */
#define H3CLI_ADDR_ERR_USAGE (-2)   /* bad --resolve/--connect-to/HOST:PORT */
#define H3CLI_ADDR_ERR_RESOLVE (-6) /* could not resolve host */
#define H3CLI_ADDR_ERR_NOMEM (-27)

/* An ordered list of addresses, ports filled in. Free with
 * h3cli_addr_list_free. */
typedef struct h3cli_addr_list {
    struct sockaddr_storage *addrs;
    size_t n;
} h3cli_addr_list;

/* --resolve host:port:addr[,addr]...; host "*" matches every host. */
typedef struct h3cli_resolve_rule {
    char *host;
    uint16_t port;
    h3cli_addr_list addrs;
} h3cli_resolve_rule;

/* --connect-to from_host:from_port:to_host:to_port; NULL hosts and -1 ports
 * are the empty fields ("any" on the left, "same" on the right). */
typedef struct h3cli_connect_rule {
    char *from_host;
    int from_port;
    char *to_host;
    int to_port;
} h3cli_connect_rule;

/* Every rule given on the command line, in order. Zero-initialise (or
 * h3cli_addr_rules_init), add rules, and h3cli_addr_rules_cleanup. */
typedef struct h3cli_addr_rules {
    h3cli_resolve_rule *resolve;
    size_t n_resolve;
    h3cli_connect_rule *connect;
    size_t n_connect;
} h3cli_addr_rules;

void h3cli_addr_rules_init(h3cli_addr_rules *r);
void h3cli_addr_rules_cleanup(h3cli_addr_rules *r);
void h3cli_addr_list_free(h3cli_addr_list *l);

/* Adds one --resolve argument: "host:port:addr[,addr]..." where host may be
 * "*" or a "[v6]" literal and each addr is an IPv4 or IPv6 literal, IPv6
 * optionally in brackets. A leading '+' is accepted and ignored (curl's
 * "entries time out" marker); "-host:port" removes earlier rules for that
 * host and port. Returns 0, H3CLI_ADDR_ERR_USAGE with a message in |err|
 * (capacity |errlen|), or H3CLI_ADDR_ERR_NOMEM. */
int h3cli_addr_add_resolve(h3cli_addr_rules *r, const char *spec, char *err,
                           size_t errlen);

/* Adds one --connect-to argument "h1:p1:h2:p2" (hosts may be "[v6]"; each
 * field may be empty). Returns 0, H3CLI_ADDR_ERR_USAGE with a message in
 * |err|, or H3CLI_ADDR_ERR_NOMEM. */
int h3cli_addr_add_connect_to(h3cli_addr_rules *r, const char *spec, char *err,
                              size_t errlen);

/* Applies the first --connect-to rule matching |host| (case-insensitive)
 * and |port|: *to_host (borrowed from the rules or |host|) and *to_port are
 * where to connect; SNI and :authority keep |host|. Returns true when a
 * rule matched; otherwise the outputs are |host| and |port|. */
bool h3cli_addr_connect_to(const h3cli_addr_rules *r, const char *host,
                           uint16_t port, const char **to_host,
                           uint16_t *to_port);

/* Resolves |host| (a name or a literal, without brackets) and |port| into
 * *out, in getaddrinfo's order (RFC 6724), without duplicates. A --resolve
 * rule for host:port (the last one given wins, as in curl) replaces the
 * lookup. |family| is AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6) and filters
 * rule addresses too. Returns 0 with out->n >= 1, H3CLI_ADDR_ERR_RESOLVE
 * with "Could not resolve host: NAME" in |err|, or H3CLI_ADDR_ERR_NOMEM. */
int h3cli_addr_resolve(const h3cli_addr_rules *r, const char *host,
                       uint16_t port, int family, h3cli_addr_list *out,
                       char *err, size_t errlen);

/* Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 literal
 * ("::1", more than one ':') into a new *host string (no brackets) and
 * *port (|default_port| when absent). Returns 0, H3CLI_ADDR_ERR_USAGE
 * (empty host, bad port 1..65535, unbalanced bracket) or
 * H3CLI_ADDR_ERR_NOMEM. */
int h3cli_addr_split_host_port(const char *s, uint16_t default_port,
                               char **host, uint16_t *port);

/* Writes |sa| as "192.0.2.1" / "2001:db8::1", or with |with_port| as
 * "192.0.2.1:443" / "[2001:db8::1]:443", NUL-terminated. Returns the
 * length, or 0 when |cap| is too small (64 always suffices) or the family
 * is unknown. */
size_t h3cli_addr_format(const struct sockaddr *sa, bool with_port, char *buf,
                         size_t cap);

/* The port of an AF_INET/AF_INET6 address (host order), 0 otherwise. */
uint16_t h3cli_addr_port(const struct sockaddr *sa);

#endif

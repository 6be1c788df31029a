/* cmd/opts.c — the option and command tables, and the generic glue that
 * turns a table into getopt_long input, --help text and handler calls. */
#include "cmd/opts.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define GROUP(title)                                                           \
    { NULL, 0, 0, NULL, title, NULL, 0 }

/* The tables stay one option per line: clang-format would scatter them. */
/* clang-format off */
const h3cli_opt h3cli_global_opts[] = {
    {"help", 'h', 0, NULL, "show this help, or a command's with h3cli help <command>", NULL, 0},
    {"version", 'V', 0, NULL, "print the version of h3cli and its libraries", NULL, 0},
};
const size_t h3cli_n_global_opts = N(h3cli_global_opts);

static const h3cli_opt ping_opts[] = {
    GROUP("Pinging:"),
    {"count", 'c', 0, "<count>", "stop after sending <count> PINGs", NULL, 0},
    {"interval", 'i', 0, "<seconds>", "wait <seconds> between PINGs (default 1, decimals allowed)", NULL, 0},
    {"timeout", 'W', 0, "<seconds>", "wait at most <seconds> for the handshake and the last answer (default 10)", NULL, 0},
    {"deadline", 'w', 0, "<seconds>", "stop after <seconds> whatever happened", NULL, 0},
    GROUP("Output:"),
    {"quiet", 'q', 0, NULL, "print only the first line and the statistics", NULL, 0},
    {"timestamps", 'D', 0, NULL, "prefix each line with [unix time]", NULL, 0},
    {"report-outstanding", 'O', 0, NULL, "report a PING still unanswered when the next one goes", NULL, 0},
    {"numeric", 'n', 0, NULL, "numeric output only (h3cli never looks names up in reverse)", NULL, 0},
    {"events", 0, H3CLI_OPT_EVENTS, NULL, "print one line per QUIC event instead", NULL, 0},
    {"json", 0, H3CLI_OPT_JSON, NULL, "print events and statistics as JSON objects, one per line", NULL, 0},
    GROUP("Connection:"),
    {"insecure", 'k', 0, NULL, "do not verify the server's certificate", NULL, H3CLI_OPT_BOOL},
    {"cacert", 0, H3CLI_OPT_CACERT, "<file>", "verify the server with the CA certificates in <file> (PEM)", "file", 0},
    {"alpn", 0, H3CLI_OPT_ALPN, "<protocol>", "offer <protocol> in ALPN instead of h3", NULL, 0},
    {"ipv4", '4', 0, NULL, "use IPv4 addresses only", NULL, 0},
    {"ipv6", '6', 0, NULL, "use IPv6 addresses only", NULL, 0},
    {"help", 'h', 0, NULL, "show this help", NULL, 0},
};

static const h3cli_opt get_opts[] = {
    GROUP("Output:"),
    {"output", 'o', 0, "<file>", "write the body to <file> instead of stdout (- is stdout)", "file", 0},
    {"remote-name", 'O', 0, NULL, "write the body to a file named like the URL's last path segment", NULL, 0},
    {"output-dir", 0, H3CLI_OPT_OUTPUT_DIR, "<dir>", "put the files of -o and -O in <dir>", "dir", 0},
    {"show-headers", 'i', 0, NULL, "print the response headers before the body", NULL, H3CLI_OPT_BOOL},
    {"include", 0, 'i', NULL, "the old name of --show-headers", NULL, H3CLI_OPT_BOOL | H3CLI_OPT_HIDDEN},
    {"head", 'I', 0, NULL, "send HEAD and print the response headers only", NULL, H3CLI_OPT_BOOL},
    {"verbose", 'v', 0, NULL, "trace the connection and the headers on stderr", NULL, H3CLI_OPT_BOOL},
    {"silent", 's', 0, NULL, "no progress meter and no error messages", NULL, H3CLI_OPT_BOOL},
    {"show-error", 'S', 0, NULL, "print error messages even with -s", NULL, H3CLI_OPT_BOOL},
    {"write-out", 'w', 0, "<format>", "print <format> after each transfer (%{http_code}, @file ...)", NULL, 0},
    {"events", 0, H3CLI_OPT_EVENTS, NULL, "print one line per QUIC and HTTP/3 event and header instead of the body", NULL, 0},
    {"json", 0, H3CLI_OPT_JSON, NULL, "print those lines as JSON objects", NULL, 0},
    GROUP("Request:"),
    {"request", 'X', 0, "<method>", "use <method> instead of GET", "GET HEAD POST PUT DELETE OPTIONS", 0},
    {"header", 'H', 0, "<header>", "add, replace (Name: value) or remove (Name:) a header; @file", NULL, 0},
    {"data", 'd', 0, "<data>", "POST <data> (@file, @-), pieces joined by &", NULL, 0},
    {"data-binary", 0, H3CLI_OPT_DATA_BINARY, "<data>", "POST <data> byte for byte (@file, @-)", NULL, 0},
    {"user-agent", 'A', 0, "<name>", "send user-agent: <name>", NULL, 0},
    {"location", 'L', 0, NULL, "follow redirects", NULL, H3CLI_OPT_BOOL},
    {"max-redirs", 0, H3CLI_OPT_MAX_REDIRS, "<num>", "follow at most <num> redirects (default 50)", NULL, 0},
    {"fail", 'f', 0, NULL, "exit 22 without the body when the status is 400 or more", NULL, H3CLI_OPT_BOOL},
    {"fail-with-body", 0, H3CLI_OPT_FAIL_WITH_BODY, NULL, "exit 22 after the body when the status is 400 or more", NULL, H3CLI_OPT_BOOL},
    {"path-as-is", 0, H3CLI_OPT_PATH_AS_IS, NULL, "send the URL path's . and .. segments as they are", NULL, 0},
    {"parallel-max", 0, H3CLI_OPT_PARALLEL_MAX, "<num>", "run at most <num> requests at once per connection (default 50)", NULL, 0},
    GROUP("Connection:"),
    {"insecure", 'k', 0, NULL, "do not verify the server's certificate", NULL, H3CLI_OPT_BOOL},
    {"cacert", 0, H3CLI_OPT_CACERT, "<file>", "verify the server with the CA certificates in <file> (PEM)", "file", 0},
    {"pinnedpubkey", 0, H3CLI_OPT_PINNEDPUBKEY, "<hashes>", "accept only these keys: sha256//<base64>[;sha256//...]", NULL, 0},
    {"resolve", 0, H3CLI_OPT_RESOLVE, "<host:port:addr>", "use <addr> for <host:port> (addr[,addr]...)", NULL, 0},
    {"connect-to", 0, H3CLI_OPT_CONNECT_TO, "<h1:p1:h2:p2>", "connect to h2:p2 for h1:p1, keeping the name", NULL, 0},
    {"ipv4", '4', 0, NULL, "use IPv4 addresses only", NULL, 0},
    {"ipv6", '6', 0, NULL, "use IPv6 addresses only", NULL, 0},
    {"max-time", 'm', 0, "<seconds>", "give up after <seconds> in all (decimals allowed)", NULL, 0},
    {"connect-timeout", 0, H3CLI_OPT_CONNECT_TIMEOUT, "<seconds>", "give up on a handshake after <seconds>", NULL, 0},
    {"quic-version", 0, H3CLI_OPT_QUIC_VERSION, "<version>", "QUIC version to use: v1 (default) or v2", "v1 v2", 0},
    {"session-file", 0, H3CLI_OPT_SESSION_FILE, "<file>", "resume the TLS session saved in <file> and save the new one", "file", 0},
    {"0rtt", 0, H3CLI_OPT_0RTT, NULL, "with --session-file, send GET and HEAD requests as 0-RTT data", NULL, H3CLI_OPT_BOOL},
    {"migrate", 0, H3CLI_OPT_MIGRATE, NULL, "move each connection to a new local port after the handshake", NULL, H3CLI_OPT_BOOL},
    {"qlog-dir", 0, H3CLI_OPT_QLOG_DIR, "<dir>", "write a qlog file per connection in <dir> (also QLOGDIR)", "dir", 0},
    {"cc", 0, H3CLI_OPT_CC, "<algorithm>", "congestion control: cubic (default) or reno", "cubic reno", 0},
    {"http3-only", 0, H3CLI_OPT_HTTP3_ONLY, NULL, "accepted for curl compatibility (h3cli speaks only HTTP/3)", NULL, 0},
    {"help", 'h', 0, NULL, "show this help", NULL, 0},
};

const h3cli_command h3cli_get_command = {
    "get", "fetch URLs over HTTP/3, like curl",
    "[options] <url>...", get_opts, N(get_opts)};

const h3cli_command h3cli_ping_command = {
    "ping", "measure QUIC round trips to a server, like ping(8)",
    "[options] <host>[:<port>]", ping_opts, N(ping_opts)};

static const h3cli_opt serve_opts[] = {
    GROUP("Serving:"),
    {"listen", 0, H3CLI_OPT_LISTEN, "<addr:port>", "listen on <addr:port>; repeatable (default 127.0.0.1:4433 and [::1]:4433)", NULL, 0},
    {"dotfiles", 0, H3CLI_OPT_DOTFILES, NULL, "serve and list names starting with a dot", NULL, H3CLI_OPT_BOOL},
    {"echo", 0, H3CLI_OPT_ECHO, "<path>", "answer POST and PUT to <path> with the request body", NULL, 0},
    GROUP("TLS:"),
    {"cert", 0, H3CLI_OPT_CERT, "<file>", "certificate chain (PEM); default: a self-signed one made at start", "file", 0},
    {"key", 0, H3CLI_OPT_KEY, "<file>", "private key of --cert (PEM)", "file", 0},
    GROUP("Connections:"),
    {"retry", 0, H3CLI_OPT_RETRY, NULL, "validate every client address with a Retry first", NULL, H3CLI_OPT_BOOL},
    {"max-connections", 0, H3CLI_OPT_MAX_CONNECTIONS, "<n>", "serve at most <n> connections at once", NULL, 0},
    {"idle-timeout", 0, H3CLI_OPT_IDLE_TIMEOUT, "<seconds>", "close connections idle for <seconds> (default 30)", NULL, 0},
    {"qlog-dir", 0, H3CLI_OPT_QLOG_DIR, "<dir>", "write a qlog file per connection in <dir> (also QLOGDIR)", "dir", 0},
    {"workers", 0, H3CLI_OPT_WORKERS, "<n>", "run <n> processes on SO_REUSEPORT sockets", NULL, 0},
    GROUP("Output:"),
    {"quiet", 'q', 0, NULL, "no access log", NULL, H3CLI_OPT_BOOL},
    {"events", 0, H3CLI_OPT_EVENTS, NULL, "print one line per QUIC and HTTP/3 event and per request", NULL, 0},
    {"json", 0, H3CLI_OPT_JSON, NULL, "print those lines (and the banner) as JSON objects", NULL, 0},
    {"help", 'h', 0, NULL, "show this help", NULL, 0},
};

const h3cli_command h3cli_serve_command = {
    "serve", "serve a directory over HTTP/3",
    "[options] [<dir>]", serve_opts, N(serve_opts)};

/* clang-format on */

/* The subcommands that work end to end (with their tests, man page and
 * completions). */
const h3cli_subcommand h3cli_commands[] = {
    {&h3cli_get_command, h3cli_get_run},
    {&h3cli_serve_command, h3cli_serve_run},
    {&h3cli_ping_command, h3cli_ping_run},
};
const size_t h3cli_n_commands = N(h3cli_commands);

const h3cli_subcommand *h3cli_find_command(const char *name) {
    for (size_t i = 0; i < h3cli_n_commands; i++)
        if (strcmp(h3cli_commands[i].cmd->name, name) == 0)
            return &h3cli_commands[i];
    return NULL;
}

static int opt_id(const h3cli_opt *o) {
    return o->short_name ? o->short_name : o->id;
}

void h3cli_opts_getopt(const h3cli_opt *opts, size_t n_opts,
                       struct option *longopts, char *names, char *shortopts) {
    char *s = shortopts;
    size_t n = 0;
    *s++ = ':';
    for (size_t i = 0; i < n_opts; i++) {
        const h3cli_opt *o = &opts[i];
        if (!o->long_name)
            continue;
        int has_arg = o->arg ? required_argument : no_argument;
        longopts[n++] = (struct option){o->long_name, has_arg, NULL, opt_id(o)};
        if (o->flags & H3CLI_OPT_BOOL) {
            char *name = names + 64 * i;
            snprintf(name, 64, "no-%s", o->long_name);
            longopts[n++] = (struct option){name, no_argument, NULL,
                                            opt_id(o) | H3CLI_OPT_NEGATED};
        }
        if (o->short_name) {
            *s++ = (char)o->short_name;
            if (o->arg)
                *s++ = ':';
        }
    }
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    *s = '\0';
}

void h3cli_opts_print_help(FILE *out, const h3cli_opt *opts, size_t n_opts) {
    for (size_t i = 0; i < n_opts; i++) {
        const h3cli_opt *o = &opts[i];
        if (!o->long_name) {
            fprintf(out, "%s%s\n", i > 0 ? "\n" : "", o->help);
            continue;
        }
        if (o->flags & H3CLI_OPT_HIDDEN)
            continue;
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
                     o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->long_name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
        if (strlen(left) > 28)
            fprintf(out, "  %s\n  %-28s %s\n", left, "", o->help);
        else
            fprintf(out, "  %-28s %s\n", left, o->help);
    }
}

void h3cli_opts_print_command_help(FILE *out, const h3cli_command *cmd) {
    fprintf(out, "Usage: h3cli %s %s\n\n", cmd->name, cmd->usage);
    fprintf(out, "h3cli %s: %s.\n\n", cmd->name, cmd->summary);
    h3cli_opts_print_help(out, cmd->opts, cmd->n_opts);
    fprintf(out, "\nSee h3cli-%s(1) for details and exit codes.\n", cmd->name);
}

int h3cli_opts_usage_error(int c, int optopt_value, char **argv,
                           const char *command) {
    /* getopt_long leaves the offending word at argv[optind - 1]. */
    const char *word = argv[optind - 1];
    bool is_long = strncmp(word, "--", 2) == 0;
    char name[64];
    if (is_long)
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
    else
        snprintf(name, sizeof(name), "-%c", optopt_value);
    if (c == ':')
        fprintf(stderr, "h3cli: option %s: requires an argument\n", name);
    else if (is_long && optopt_value)
        fprintf(stderr, "h3cli: option %s: does not take an argument\n", name);
    else
        fprintf(stderr, "h3cli: option %s: is unknown\n", name);
    fprintf(stderr, "h3cli: try 'h3cli%s%s --help' for more information\n",
            command ? " " : "", command ? command : "");
    return 2;
}

int h3cli_opts_fail(const char *command, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("h3cli: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "h3cli: try 'h3cli%s%s --help' for more information\n",
            command ? " " : "", command ? command : "");
    return 2;
}

int h3cli_opts_parse(const h3cli_command *cmd, int argc, char **argv,
                     h3cli_opt_handler fn, void *ctx) {
    size_t n = cmd->n_opts;
    struct option *longopts = calloc(2 * n + 1, sizeof(*longopts));
    char *names = calloc(n ? n : 1, 64);
    char *shortopts = calloc(3 * n + 2, 1);
    int rc = H3CLI_OPTS_USAGE;
    if (!longopts || !names || !shortopts) {
        fprintf(stderr, "h3cli: (27) out of memory\n");
        goto out;
    }
    h3cli_opts_getopt(cmd->opts, n, longopts, names, shortopts);
    optind = 0; /* glibc: 0 re-initialises getopt */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            h3cli_opts_print_command_help(stdout, cmd);
            rc = H3CLI_OPTS_HELP;
            goto out;
        }
        if (c == '?' || c == ':') {
            h3cli_opts_usage_error(c, optopt, argv, cmd->name);
            goto out;
        }
        int code = fn(ctx, c, optarg);
        if (code != 0) {
            rc = -code;
            goto out;
        }
    }
    rc = optind;
out:
    free(longopts);
    free(names);
    free(shortopts);
    return rc;
}

bool h3cli_opts_seconds(const char *arg, double *out) {
    /* Plain decimals only ("5", "0.2", ".5"): no sign, exponent, hex,
     * "inf" or "nan", which strtod would take. */
    size_t digits = strspn(arg, "0123456789");
    const char *rest = arg + digits;
    if (*rest == '.')
        rest += 1 + strspn(rest + 1, "0123456789");
    if (*rest != '\0' || rest == arg || (rest == arg + 1 && *arg == '.'))
        return false;
    double v = strtod(arg, NULL);
    if (!isfinite(v) || v > 1e9)
        return false;
    *out = v;
    return true;
}

bool h3cli_opts_integer(const char *arg, long long min, long long max,
                        long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (errno || end == arg || *end != '\0' || v < min || v > max ||
        arg[0] == ' ' || arg[0] == '+')
        return false;
    *out = v;
    return true;
}

const char *h3cli_opts_name(const h3cli_command *cmd, int id, char *buf,
                            size_t cap) {
    id &= ~H3CLI_OPT_NEGATED;
    for (size_t i = 0; i < cmd->n_opts; i++) {
        const h3cli_opt *o = &cmd->opts[i];
        if (!o->long_name || opt_id(o) != id)
            continue;
        if (o->short_name)
            snprintf(buf, cap, "-%c", o->short_name);
        else
            snprintf(buf, cap, "--%s", o->long_name);
        return buf;
    }
    snprintf(buf, cap, "?");
    return buf;
}

int h3cli_opts_bad_argument(const h3cli_command *cmd, int id, const char *arg) {
    char name[64];
    return h3cli_opts_fail(cmd->name, "option %s: invalid argument '%s'",
                           h3cli_opts_name(cmd, id, name, sizeof(name)), arg);
}

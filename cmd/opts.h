/* cmd/opts.h — the one table of h3cli's commands and options: getopt_long,
 * --help, and the consistency test against the man pages and completions all
 * read it, so an option is described in exactly one place. */
#ifndef H3CLI_CMD_OPTS_H
#define H3CLI_CMD_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* h3cli_opt.flags */
#define H3CLI_OPT_BOOL 0x1u   /* also accepts --no-NAME (curl's ARG_BOOL) */
#define H3CLI_OPT_HIDDEN 0x2u /* accepted, not in --help (aliases) */

/* Added to an option's getopt id for its --no- form. */
#define H3CLI_OPT_NEGATED 0x10000

typedef struct h3cli_opt {
    /* Without the leading "--". NULL makes the entry a group heading:
     * |help| is printed as a title line in --help. */
    const char *long_name;
    int short_name;       /* 0 if none; else the letter, also the getopt id */
    int id;               /* getopt id for long-only options (>= 256) */
    const char *arg;      /* argument placeholder ("<file>"), NULL if none */
    const char *help;     /* one line for --help */
    const char *complete; /* completion hint: NULL, "file", "dir" or words */
    unsigned flags;       /* H3CLI_OPT_* */
} h3cli_opt;

/* A command's description: name, help texts and option table. */
typedef struct h3cli_command {
    const char *name;
    const char *summary; /* one line, for "h3cli --help" */
    const char *usage;   /* "[options] <url>..." */
    const h3cli_opt *opts;
    size_t n_opts;
} h3cli_command;

/* A subcommand h3cli dispatches to: only those that work end to end are
 * listed in h3cli_commands. */
typedef struct h3cli_subcommand {
    const h3cli_command *cmd;
    int (*run)(int argc, char **argv);
} h3cli_subcommand;

/* The subcommands' entry points (argv[0] is the command name). */
int h3cli_get_run(int argc, char **argv);
int h3cli_serve_run(int argc, char **argv);
int h3cli_ping_run(int argc, char **argv);

/* getopt ids of the long-only options of every command (short options use
 * their letter). */
enum h3cli_opt_id {
    H3CLI_OPT_ALPN = 256,
    H3CLI_OPT_CACERT,
    H3CLI_OPT_EVENTS,
    H3CLI_OPT_JSON,
    H3CLI_OPT_OUTPUT_DIR,
    H3CLI_OPT_INCLUDE,
    H3CLI_OPT_DATA_BINARY,
    H3CLI_OPT_MAX_REDIRS,
    H3CLI_OPT_FAIL_WITH_BODY,
    H3CLI_OPT_PARALLEL_MAX,
    H3CLI_OPT_PINNEDPUBKEY,
    H3CLI_OPT_RESOLVE,
    H3CLI_OPT_CONNECT_TO,
    H3CLI_OPT_CONNECT_TIMEOUT,
    H3CLI_OPT_SESSION_FILE,
    H3CLI_OPT_0RTT,
    H3CLI_OPT_QUIC_VERSION,
    H3CLI_OPT_CC,
    H3CLI_OPT_QLOG_DIR,
    H3CLI_OPT_HTTP3_ONLY,
    H3CLI_OPT_LISTEN,
    H3CLI_OPT_CERT,
    H3CLI_OPT_KEY,
    H3CLI_OPT_DOTFILES,
    H3CLI_OPT_ECHO,
    H3CLI_OPT_RETRY,
    H3CLI_OPT_MAX_CONNECTIONS,
    H3CLI_OPT_IDLE_TIMEOUT,
    H3CLI_OPT_WORKERS,
    H3CLI_OPT_PATH_AS_IS,
    H3CLI_OPT_MIGRATE,
};

/* The descriptions of the subcommands. */
extern const h3cli_command h3cli_get_command;
extern const h3cli_command h3cli_serve_command;
extern const h3cli_command h3cli_ping_command;

/* Global options of "h3cli" itself, and the subcommands. */
extern const h3cli_opt h3cli_global_opts[];
extern const size_t h3cli_n_global_opts;
extern const h3cli_subcommand h3cli_commands[];
extern const size_t h3cli_n_commands;

/* The subcommand called |name|, or NULL. */
const h3cli_subcommand *h3cli_find_command(const char *name);

/* Fills |longopts| (capacity 2 * n_opts + 1, terminated; boolean options
 * get a "no-" twin whose names live in |names|, capacity n_opts * 64) and
 * |shortopts| (capacity 3 * n_opts + 2, starting with ':' so a missing
 * argument is reported as ':') from a table. */
void h3cli_opts_getopt(const h3cli_opt *opts, size_t n_opts,
                       struct option *longopts, char *names, char *shortopts);

/* Prints the OPTIONS block of --help for a table. */
void h3cli_opts_print_help(FILE *out, const h3cli_opt *opts, size_t n_opts);

/* Prints "Usage: h3cli CMD USAGE", the summary and the options of |cmd|. */
void h3cli_opts_print_command_help(FILE *out, const h3cli_command *cmd);

/* Prints "h3cli: option X: is unknown" (or "requires an argument") and the
 * hint line to stderr for the getopt result |c| at |argv|; returns 2. */
int h3cli_opts_usage_error(int c, int optopt_value, char **argv,
                           const char *command);

/* Prints "h3cli: <message>" and the hint for |command| to stderr;
 * returns 2. */
int h3cli_opts_fail(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Called for each option: |id| is the getopt id (| H3CLI_OPT_NEGATED for a
 * --no- form), |arg| its argument or NULL. Returns 0, or the exit code
 * (2 for a usage error) after printing the error. */
typedef int (*h3cli_opt_handler)(void *ctx, int id, const char *arg);

/* Parses |argv| (argv[0] is the command name) with |cmd|'s table, calling
 * |fn| per option; -h/--help prints the command's help to stdout. Returns
 * the index of the first operand, H3CLI_OPTS_HELP after printing help, or
 * minus the exit code after printing an error (-2 for a usage error, or
 * what |fn| returned). Options and operands may be mixed (GNU order);
 * "--" ends the options. */
#define H3CLI_OPTS_HELP (-1000)
#define H3CLI_OPTS_USAGE (-2)
int h3cli_opts_parse(const h3cli_command *cmd, int argc, char **argv,
                     h3cli_opt_handler fn, void *ctx);

/* Argument parsers for handlers; each returns false on a bad value. */
/* A non-negative decimal number of seconds ("0.2", "5"), at most 1e9. */
bool h3cli_opts_seconds(const char *arg, double *out);
/* An integer in [min, max]. */
bool h3cli_opts_integer(const char *arg, long long min, long long max,
                        long long *out);
/* The standard complaint for a bad argument: "h3cli: option -c: invalid
 * argument 'x'" plus the hint; returns 2. |id| names the option. */
int h3cli_opts_bad_argument(const h3cli_command *cmd, int id, const char *arg);

/* The name of option |id| of |cmd| as typed: "-c" or "--alpn". */
const char *h3cli_opts_name(const h3cli_command *cmd, int id, char *buf,
                            size_t cap);

#endif

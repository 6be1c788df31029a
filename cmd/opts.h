/* cmd/opts.h — the one table of h3cli's commands and options: getopt_long,
 * --help, and the consistency test against the man pages and completions all
 * read it, so an option is described in exactly one place. */
#ifndef H3CLI_CMD_OPTS_H
#define H3CLI_CMD_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct h3cli_opt {
    const char *long_name; /* without the leading "--" */
    int short_name;        /* 0 if none; else the letter, also the getopt id */
    int id;                /* getopt id for long-only options (>= 256) */
    const char *arg;       /* argument placeholder ("<file>"), NULL if none */
    const char *help;      /* one line for --help */
    const char *complete;  /* completion hint: NULL, "file", "dir" or words */
} h3cli_opt;

typedef struct h3cli_command {
    const char *name;
    const char *summary; /* one line, for "h3cli --help" */
    const char *usage;   /* "[options] <url>..." */
    const h3cli_opt *opts;
    size_t n_opts;
    int (*run)(int argc, char **argv);
} h3cli_command;

/* Global options of "h3cli" itself, and the subcommands. */
extern const h3cli_opt h3cli_global_opts[];
extern const size_t h3cli_n_global_opts;
extern const h3cli_command h3cli_commands[];
extern const size_t h3cli_n_commands;

/* The command called |name|, or NULL. */
const h3cli_command *h3cli_find_command(const char *name);

/* Fills |longopts| (capacity n_opts + 1, terminated) and |shortopts|
 * (capacity 3 * n_opts + 2, starting with ':' so a missing argument is
 * reported as ':') from a table. */
void h3cli_opts_getopt(const h3cli_opt *opts, size_t n_opts,
                       struct option *longopts, char *shortopts);

/* Prints the OPTIONS block of --help for a table. */
void h3cli_opts_print_help(FILE *out, const h3cli_opt *opts, size_t n_opts);

/* Prints "h3cli: option X: is unknown" (or "requires an argument") and the
 * hint line to stderr for the getopt result |c| at |argv|; returns 2. */
int h3cli_opts_usage_error(int c, int optopt_value, char **argv,
                           const char *command);

#endif

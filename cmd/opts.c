/* cmd/opts.c — the option and command tables, and the generic glue that
 * turns a table into getopt_long input and --help text. */
#include "cmd/opts.h"

#include <string.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

const h3cli_opt h3cli_global_opts[] = {
    {"help", 'h', 0, NULL, "show this help, or a command's with h3cli help <command>", NULL},
    {"version", 'V', 0, NULL, "print the version of h3cli and its libraries", NULL},
};
const size_t h3cli_n_global_opts = N(h3cli_global_opts);

/* The subcommands (get, serve, ping) join this table as they are built. */
const h3cli_command h3cli_commands[] = {
    {NULL, NULL, NULL, NULL, 0, NULL},
};
const size_t h3cli_n_commands = 0;

const h3cli_command *h3cli_find_command(const char *name) {
    for (size_t i = 0; i < h3cli_n_commands; i++)
        if (strcmp(h3cli_commands[i].name, name) == 0)
            return &h3cli_commands[i];
    return NULL;
}

void h3cli_opts_getopt(const h3cli_opt *opts, size_t n_opts,
                       struct option *longopts, char *shortopts) {
    char *s = shortopts;
    *s++ = ':';
    for (size_t i = 0; i < n_opts; i++) {
        const h3cli_opt *o = &opts[i];
        longopts[i] = (struct option){
            o->long_name, o->arg ? required_argument : no_argument, NULL,
            o->short_name ? o->short_name : o->id};
        if (o->short_name) {
            *s++ = (char)o->short_name;
            if (o->arg)
                *s++ = ':';
        }
    }
    longopts[n_opts] = (struct option){NULL, 0, NULL, 0};
    *s = '\0';
}

void h3cli_opts_print_help(FILE *out, const h3cli_opt *opts, size_t n_opts) {
    for (size_t i = 0; i < n_opts; i++) {
        const h3cli_opt *o = &opts[i];
        char left[64];
        if (o->short_name)
            snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name,
                     o->long_name, o->arg ? " " : "", o->arg ? o->arg : "");
        else
            snprintf(left, sizeof(left), "    --%s%s%s", o->long_name,
                     o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(out, "  %-28s %s\n", left, o->help);
    }
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
        fprintf(stderr, "h3cli: option %s: does not take an argument\n",
                name);
    else
        fprintf(stderr, "h3cli: option %s: is unknown\n", name);
    fprintf(stderr, "h3cli: try 'h3cli%s%s --help' for more information\n",
            command ? " " : "", command ? command : "");
    return 2;
}

/* cmd/main.c — h3cli's entry point: global options and dispatch to a
 * subcommand. Knows nothing about QUIC beyond printing library versions. */
#include "cmd/opts.h"
#include "core/quic.h"

#include <ev.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static void print_version(void) {
    printf("h3cli %s %s libev/%d.%d\n", H3CLI_VERSION,
           quic_tls_library_version(), ev_version_major(), ev_version_minor());
}

static void print_main_help(FILE *out) {
    fprintf(out, "Usage: h3cli [--help] [--version] <command> [options]\n"
                 "       h3cli help <command>\n\n"
                 "An HTTP/3 client and server on its own QUIC engine.\n\n");
    if (h3cli_n_commands > 0) {
        fprintf(out, "Commands:\n");
        for (size_t i = 0; i < h3cli_n_commands; i++)
            fprintf(out, "  %-8s %s\n", h3cli_commands[i].cmd->name,
                    h3cli_commands[i].cmd->summary);
        fprintf(out, "\n");
    }
    fprintf(out, "Options:\n");
    h3cli_opts_print_help(out, h3cli_global_opts, h3cli_n_global_opts);
    fprintf(out, "\nSee h3cli(1) for exit codes and environment variables.\n");
}

static int unknown_command(const char *name) {
    fprintf(stderr, "h3cli: '%s' is not an h3cli command\n", name);
    fprintf(stderr, "h3cli: try 'h3cli --help' for more information\n");
    return 2;
}

/* "h3cli help [command]" */
static int run_help(int argc, char **argv) {
    if (argc < 2) {
        print_main_help(stdout);
        return 0;
    }
    const h3cli_subcommand *sub = h3cli_find_command(argv[1]);
    if (!sub)
        return unknown_command(argv[1]);
    h3cli_opts_print_command_help(stdout, sub->cmd);
    return 0;
}

int main(int argc, char **argv) {
    /* A reader that goes away (`h3cli get ... | head`) makes writes fail
     * with EPIPE, which get reports as curl does (exit 23), instead of
     * killing the process. */
    signal(SIGPIPE, SIG_IGN);
    /* Room for up to 8 global options (there are 2). */
    struct option longopts[2 * 8 + 1];
    char names[8 * 64];
    char shortopts[3 * 8 + 2];
    if (h3cli_n_global_opts > 8)
        abort();
    h3cli_opts_getopt(h3cli_global_opts, h3cli_n_global_opts, longopts, names,
                      shortopts);
    /* "+" stops at the first non-option: the subcommand parses the rest. */
    char spec[sizeof(shortopts) + 1] = "+";
    strcat(spec, shortopts);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, spec, longopts, NULL)) != -1) {
        switch (c) {
        case 'h': print_main_help(stdout); return 0;
        case 'V': print_version(); return 0;
        default: return h3cli_opts_usage_error(c, optopt, argv, NULL);
        }
    }
    if (optind >= argc) {
        print_main_help(stderr);
        return 2;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0)
        return run_help(argc - optind, argv + optind);
    const h3cli_subcommand *sub = h3cli_find_command(name);
    if (!sub)
        return unknown_command(name);
    return sub->run(argc - optind, argv + optind);
}

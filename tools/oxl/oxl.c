/*
 * oxl entry point: global options, verb dispatch through the table, and
 * the help that the table generates.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl.h"

void oxl_help(const struct oxl_cmd *cmd)
{
    if (!cmd) {
        printf("Usage: oxl [-h] <verb> [args]\n\n");
        printf("oxl verbs:\n\n");
        for (unsigned int i = 0; i < oxl_ncmds; i++) {
            printf(" %-19s ", oxl_cmds[i].verb);
            if (strlen(oxl_cmds[i].verb) > 19)
                printf("\n %-19s ", "");
            printf("%s\n", oxl_cmds[i].summary);
        }
        printf("\n'oxl <verb> --help' describes a verb.\n");
        return;
    }
    printf("Usage: oxl %s %s\n\n%s.\n", cmd->verb, cmd->usage, cmd->summary);
    if (cmd->options)
        printf("\nOptions:\n\n%s\n", cmd->options);
}

int oxl_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts, const struct oxl_cmd *cmd,
               int *status)
{
    static const struct option help_only[] = {
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    int opt;

    opterr = 0;
    opt = getopt_long(argc, argv, optstring, longopts ? longopts : help_only,
                      NULL);
    if (opt == 'h') {
        oxl_help(cmd);
        *status = 0;
        return -2;
    }
    if (opt == '?') {
        if (optopt)
            fprintf(stderr, "option `%c' not supported.\n", optopt);
        else
            fprintf(stderr, "option `%s' not supported.\n",
                    argv[optind - 1]);
        *status = 2;
        return -2;
    }
    if (opt == ':') {
        fprintf(stderr, "option `%c' needs an argument.\n", optopt);
        *status = 2;
        return -2;
    }
    return opt;
}

int oxl_plain_args(int argc, char **argv, const struct oxl_cmd *cmd, int n)
{
    int opt, status = -1;

    while ((opt = oxl_getopt(argc, argv, "h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    return argc - optind == n ? -1 : oxl_need_args(cmd, n);
}

int oxl_need_args(const struct oxl_cmd *cmd, int n)
{
    fprintf(stderr, "'oxl %s' requires at least %d argument%s.\n\n",
            cmd->verb, n, n > 1 ? "s" : "");
    oxl_help(cmd);
    return 2;
}

int oxl_main_help(int argc, char **argv)
{
    const struct oxl_cmd *cmd;

    if (argc < 2) {
        oxl_help(NULL);
        return 0;
    }
    if (!strcmp(argv[1], "--verbs")) {
        for (unsigned int i = 0; i < oxl_ncmds; i++)
            printf("%s\n", oxl_cmds[i].verb);
        return 0;
    }
    if (!strcmp(argv[1], "--words")) {
        if (argc < 3)
            return 2;
        cmd = oxl_cmd_find(argv[2]);
        if (!cmd)
            return 1;
        for (const char *const *w = cmd->words; w && *w; w++)
            printf("%s\n", *w);
        if (cmd->complete_files)
            printf("@files\n");
        if (cmd->complete_domains)
            printf("@domains\n");
        return 0;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        oxl_help(oxl_cmd_find("help"));
        return 0;
    }
    cmd = oxl_cmd_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "verb \"%s\" not implemented\n", argv[1]);
        return 1;
    }
    oxl_help(cmd);
    return 0;
}

int main(int argc, char **argv)
{
    const struct oxl_cmd *cmd;

    if (argc < 2) {
        oxl_help(NULL);
        return 1;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        oxl_help(NULL);
        return 0;
    }
    if (argv[1][0] == '-') {
        fprintf(stderr, "option `%s' not supported.\n", argv[1]);
        return 2;
    }
    cmd = oxl_cmd_find(argv[1]);
    if (!cmd) {
        fprintf(stderr, "verb \"%s\" not implemented\n", argv[1]);
        return 1;
    }
    /* The verb sees itself as argv[0], as getopt expects. */
    optind = 1;
    return cmd->handler(argc - 1, argv + 1);
}

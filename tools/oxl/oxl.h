/*
 * oxl: the Oryx toolstack CLI. One table (oxl_cmdtable.c) lists every
 * verb with its handler, usage and help; `oxl help`, `oxl VERB --help`
 * and the bash completion all read it. Handlers return the exit status:
 * 0 success, 1 failure, 2 bad usage (xl's conventions).
 */
#ifndef ORYX_OXL_H
#define ORYX_OXL_H

#include <getopt.h>
#include <stdio.h>

struct oxl_cmd {
    const char *verb;
    int (*handler)(int argc, char **argv);   /* argv[0] is the verb */
    const char *usage;          /* arguments, after "oxl VERB" */
    const char *summary;        /* one line, no final period */
    const char *options;        /* option help, or NULL */
    const char *const *words;   /* completion words (sub-verbs, options) */
    int complete_files;         /* complete file names for arguments */
    int complete_domains;       /* complete domain names for arguments */
};

extern const struct oxl_cmd oxl_cmds[];
extern const unsigned int oxl_ncmds;

const struct oxl_cmd *oxl_cmd_find(const char *verb);
void oxl_help(const struct oxl_cmd *cmd);

/* Common option parsing: handles -h/--help (help, exit status 0) and
 * unknown options ("option `x' not supported.", 2). Returns the option,
 * -1 at the end, or -2 when the handler must return *status. */
int oxl_getopt(int argc, char **argv, const char *optstring,
               const struct option *longopts, const struct oxl_cmd *cmd,
               int *status);
/* A verb whose only option is -h and that takes exactly n arguments
 * (argv[optind]...): -1 to go on, else the status the handler returns. */
int oxl_plain_args(int argc, char **argv, const struct oxl_cmd *cmd, int n);
/* Prints "'oxl VERB' requires at least N argument(s)." and help; 2. */
int oxl_need_args(const struct oxl_cmd *cmd, int n);

int oxl_main_config_check(int argc, char **argv);
int oxl_main_store(int argc, char **argv);
int oxl_main_help(int argc, char **argv);
int oxl_main_create(int argc, char **argv);
int oxl_main_list(int argc, char **argv);
int oxl_main_destroy(int argc, char **argv);
int oxl_main_domid(int argc, char **argv);
int oxl_main_domname(int argc, char **argv);

struct xctl;
/* libxctl, or a one-line error and *status = 1. */
struct xctl *oxl_open_xctl(int *status);
/* The domain ARG names (a name or an id), or a one-line error. 0 or -errno. */
int oxl_lookup(struct xctl *x, const char *arg, unsigned short *dom);
/* Both: libxctl and the domain ARG names, else NULL with a one-line error
 * and *status = 1. */
struct xctl *oxl_open_domain(const char *arg, unsigned short *dom, int *status);
struct xs_client;
/* The store (oryxd's socket), else NULL with a one-line error. */
struct xs_client *oxl_open_store(void);

int oxl_main_shutdown(int argc, char **argv);
int oxl_main_reboot(int argc, char **argv);
int oxl_main_console(int argc, char **argv);
int oxl_main_sysrq(int argc, char **argv);
int oxl_main_rename(int argc, char **argv);
int oxl_main_dump_core(int argc, char **argv);
/* Attaches the terminal to domid's console until Ctrl-]. The exit status. */
int oxl_console_attach(unsigned int domid);

struct oryx_domctl_getdomaininfo;
/* xl list's table (header and one row per domain) for n domains. */
void oxl_print_domains(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n);

/* The verbs of oxl_pause.c, oxl_vcpu.c, oxl_info.c, oxl_top.c. */
int oxl_main_pause(int argc, char **argv);
int oxl_main_unpause(int argc, char **argv);
int oxl_main_vcpu_list(int argc, char **argv);
int oxl_main_info(int argc, char **argv);
int oxl_main_dmesg(int argc, char **argv);
int oxl_main_debug_keys(int argc, char **argv);
int oxl_main_uptime(int argc, char **argv);
int oxl_main_top(int argc, char **argv);
/* list's table, with -v's columns (oxl_list.c); list -l's JSON (0, or 1
 * after a one-line error). */
void oxl_print_domains_v(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n,
                         int verbose);
/* oxl_device.c: the hot-plug verbs, and a new domain's devices. */
int oxl_main_block_attach(int argc, char **argv);
int oxl_main_block_detach(int argc, char **argv);
int oxl_main_block_list(int argc, char **argv);
int oxl_main_network_attach(int argc, char **argv);
int oxl_main_network_detach(int argc, char **argv);
int oxl_main_network_list(int argc, char **argv);
int oxl_main_bridge_setup(int argc, char **argv);
struct xlcfg_domain;
/* Every disk= and vif= of dom for domid (uuid: its default MACs);
 * 0, or -errno with err set (the caller undoes the domain). */
int oxl_devices_add(struct xs_client *xs, unsigned int domid, const unsigned char uuid[16],
                    const struct xlcfg_domain *dom, char *err, size_t errlen);
/* Every device of domid, forced: before destroying it. */
void oxl_devices_remove(unsigned int domid);
int oxl_print_domains_json(FILE *f, const struct oryx_domctl_getdomaininfo *d, int n);

#endif

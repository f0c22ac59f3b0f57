/*
 * The verb table. Only verbs that work are listed; it grows with the
 * toolstack. Keep it sorted the way `oxl help` should show it.
 */
#include <stddef.h>
#include <string.h>

#include "oxl.h"

static const char *const config_check_words[] = {
    "-q", "--quiet", "-h", "--help", NULL };
static const char *const store_words[] = {
    "read", "write", "ls", "rm", "mkdir", "watch", "chmod", "getperms",
    "--socket", "-h", "--help", NULL };
static const char *const create_words[] = {
    "-c", "-p", "-n", "--dryrun", "-q", "--quiet", "-h", "--help", NULL };
static const char *const shutdown_words[] = { "-w", "-a", "-F", "-h", "--help", NULL };
static const char *const console_words[] = { "-t", "-n", "-h", "--help", NULL };
static const char *const help_words[] = { "--verbs", "--words", NULL };

const struct oxl_cmd oxl_cmds[] = {
    {
        .verb = "config-check",
        .handler = oxl_main_config_check,
        .usage = "[-q] <ConfigFile>",
        .summary = "Check a domain config file and print it normalized",
        .options =
            "-q, --quiet     Only report problems; do not print the config.\n"
            "The normalized config goes to stdout, problems to stderr as\n"
            "FILE:LINE:COL: error|warning: message. Exit status 1 when the\n"
            "file has errors (warnings alone exit 0). \"-\" reads stdin.",
        .words = config_check_words,
        .complete_files = 1,
    },
#ifdef OXL_WITH_STORE
    {
        .verb = "store",
        .handler = oxl_main_store,
        .usage = "[--socket PATH] <read|write|ls|rm|mkdir|watch|chmod|"
                 "getperms> ARGS...",
        .summary = "Read and change the xenstore-protocol store (oryxd)",
        .options =
            "read PATH...             Print the value of each PATH.\n"
            "write PATH VALUE...      Set each PATH to VALUE.\n"
            "ls [PATH]                Print the tree below PATH (default /).\n"
            "rm PATH...               Remove each PATH and its children.\n"
            "mkdir PATH...            Create each PATH with an empty value.\n"
            "watch [-n N] PATH        Print the path of each change below\n"
            "                         PATH (the first event fires at once);\n"
            "                         stop after N events.\n"
            "chmod PATH PERM...       Set permissions: the first PERM names\n"
            "                         the owner and everyone's default, e.g.\n"
            "                         n0 r5 (n none, r read, w write, b both).\n"
            "getperms PATH            Print the permissions of PATH.\n"
            "--socket PATH            The store's socket (default:\n"
            "                         $XENSTORED_PATH or the standard path).",
        .words = store_words,
    },
#endif
    {
        .verb = "create",
        .handler = oxl_main_create,
        .usage = "[-c] [-p] [-n] [-q] <ConfigFile> [KEY=VALUE...]",
        .summary = "Create a domain from a config file",
        .options =
            "-c              Attach to its console once it is created.\n"
            "-p              Build it, leave it paused (not started).\n"
            "-n, --dryrun    Print the resulting configuration; create nothing.\n"
            "-q, --quiet     Print nothing on success.\n"
            "KEY=VALUE       Config lines applied after the file (as xl does).\n"
            "PVH guests: kernel (ELF, or bzImage with xz/gzip), ramdisk, cmdline\n"
            "(or root/extra), memory, vcpus, name.",
        .words = create_words,
        .complete_files = 1,
    },
    {
        .verb = "list",
        .handler = oxl_main_list,
        .usage = "[Domain...]",
        .summary = "List information about all or some domains",
        .options =
            "Columns as xl's: Name, ID, Mem (MiB of RAM), VCPUs (online),\n"
            "State (r running, b blocked, p paused (not started), s shut down,\n"
            "c crashed, d dying), Time(s) (CPU time of all its vCPUs).\n"
            "A domain is named by name or by id.",
    },
    {
        .verb = "destroy",
        .handler = oxl_main_destroy,
        .usage = "<Domain>",
        .summary = "Terminate a domain immediately",
        .options = "The domain stops at once and its memory is freed; dom0 cannot be destroyed.",
    },
    {
        .verb = "shutdown",
        .handler = oxl_main_shutdown,
        .usage = "[-w] [-a] [-F] <Domain>",
        .summary = "Issue a clean shutdown to a domain",
        .options =
            "-w              Wait until it has shut down.\n"
            "-a              Every domain but dom0 (no Domain given).\n"
            "-F              Write the request even if the guest does not say it\n"
            "                watches for it (control/feature-poweroff).\n"
            "The guest's kernel gets \"poweroff\" in control/shutdown; its\n"
            "on_poweroff action then applies (oryxd).",
        .words = shutdown_words,
    },
    {
        .verb = "reboot",
        .handler = oxl_main_reboot,
        .usage = "[-w] [-a] [-F] <Domain>",
        .summary = "Issue a clean reboot to a domain",
        .options =
            "-w              Wait until it has gone down.\n"
            "-a              Every domain but dom0 (no Domain given).\n"
            "-F              Write the request even if the guest does not say it\n"
            "                watches for it (control/feature-reboot).\n"
            "Its on_reboot action then applies (restart by default).",
        .words = shutdown_words,
    },
    {
        .verb = "console",
        .handler = oxl_main_console,
        .usage = "[-t pv|serial] [-n N] <Domain>",
        .summary = "Attach to a domain's console",
        .options =
            "-t pv|serial    The console type (a PVH guest has its PV console).\n"
            "-n N            The console number (0).\n"
            "Ctrl-] detaches. Everything the guest writes is also in\n"
            "/var/log/oryx/guest-NAME.log.",
        .words = console_words,
    },
    {
        .verb = "sysrq",
        .handler = oxl_main_sysrq,
        .usage = "<Domain> <letter>",
        .summary = "Send a sysrq to a guest",
        .options =
            "The letter goes to the guest's control/sysrq, which Linux watches\n"
            "(h prints the list of keys on its console).",
    },
    {
        .verb = "domid",
        .handler = oxl_main_domid,
        .usage = "<DomainName>",
        .summary = "Convert a domain name to domain id",
    },
    {
        .verb = "domname",
        .handler = oxl_main_domname,
        .usage = "<DomainId>",
        .summary = "Convert a domain id to domain name",
    },
    {
        .verb = "help",
        .handler = oxl_main_help,
        .usage = "[VERB | --verbs | --words VERB]",
        .summary = "Show help for oxl or one of its verbs",
        .options =
            "--verbs         List the verbs, one per line (for completion).\n"
            "--words VERB    List VERB's sub-verbs and options.",
        .words = help_words,
    },
};

const unsigned int oxl_ncmds = sizeof(oxl_cmds) / sizeof(oxl_cmds[0]);

const struct oxl_cmd *oxl_cmd_find(const char *verb)
{
    for (unsigned int i = 0; i < oxl_ncmds; i++)
        if (!strcmp(oxl_cmds[i].verb, verb))
            return &oxl_cmds[i];
    return NULL;
}

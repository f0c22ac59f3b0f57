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
static const char *const detach_words[] = { "-f", "--force", "-h", "--help", NULL };
static const char *const help_words[] = { "--verbs", "--words", NULL };
static const char *const list_words[] = {
    "-l", "--long", "-v", "--verbose", "-h", "--help", NULL };
static const char *const help_only_words[] = { "-h", "--help", NULL };
static const char *const dmesg_words[] = { "-c", "--clear", "-h", "--help", NULL };
static const char *const uptime_words[] = { "-s", "-h", "--help", NULL };
static const char *const top_words[] = {
    "-b", "--batch", "-d", "--delay", "-i", "--iterations", "-f", "--full-name",
    "-h", "--help", NULL };
static const char *const info_words[] = {
    "host", "release", "nr_cpus", "max_cpu_id", "cpu_mhz", "hw_caps", "virt_caps",
    "total_memory", "free_memory", "xen_major", "xen_minor", "xen_extra", "xen_version",
    "xen_caps", "xen_pagesize", "xen_changeset", "xen_commandline", "cc_compiler",
    "-h", "--help", NULL };

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
        .usage = "[-l] [-v] [Domain...]",
        .summary = "List information about all or some domains",
        .options =
            "-l, --long      JSON: each domain's id, state, CPU time and\n"
            "                configuration (xl's c_info and b_info).\n"
            "-v, --verbose   Add UUID, Reason-Code and Security Label columns.\n"
            "Columns as xl's: Name, ID, Mem (MiB of RAM), VCPUs (online),\n"
            "State (r running, b blocked, p paused, s shut down, then why:\n"
            "r reboot, s suspend, c crash, w watchdog; d dying), Time(s) (CPU\n"
            "time of all its vCPUs). A domain is named by name or by id.",
        .words = list_words,
        .complete_domains = 1,
    },
    {
        .verb = "destroy",
        .handler = oxl_main_destroy,
        .usage = "<Domain>",
        .summary = "Terminate a domain immediately",
        .options = "The domain stops at once and its memory is freed; dom0 cannot be destroyed.",
        .complete_domains = 1,
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
        .complete_domains = 1,
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
        .complete_domains = 1,
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
        .complete_domains = 1,
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
        .verb = "rename",
        .handler = oxl_main_rename,
        .usage = "<Domain> <NewDomainName>",
        .summary = "Rename a domain",
        .options =
            "The hypervisor's name and, for a domain oxl created, its store's\n"
            "(/local/domain/N/name, /vm/<uuid>/name). NewDomainName: 1-31 of\n"
            "A-Z a-z 0-9 _ . -, not starting with a digit, not taken. Boot-time\n"
            "domains can be renamed; dom0 cannot.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "dump-core",
        .handler = oxl_main_dump_core,
        .usage = "<Domain> <filename>",
        .summary = "Core dump a domain",
        .options =
            "Writes its memory as an ELF core file (one PT_LOAD per RAM range,\n"
            "p_paddr = guest-physical address; readelf -l, gdb). A running\n"
            "domain is paused while it is read, then goes on.",
        .words = help_only_words,
        .complete_domains = 1,
        .complete_files = 1,
    },
    {
        .verb = "domid",
        .handler = oxl_main_domid,
        .usage = "<DomainName>",
        .summary = "Convert a domain name to domain id",
        .complete_domains = 1,
    },
    {
        .verb = "domname",
        .handler = oxl_main_domname,
        .usage = "<DomainId>",
        .summary = "Convert a domain id to domain name",
    },
    {
        .verb = "pause",
        .handler = oxl_main_pause,
        .usage = "<Domain>",
        .summary = "Pause execution of a domain",
        .options =
            "Its vCPUs stop and stay off the CPUs; timers and events wait for\n"
            "'oxl unpause'. Pausing a paused domain does nothing; dom0 cannot\n"
            "be paused.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "unpause",
        .handler = oxl_main_unpause,
        .usage = "<Domain>",
        .summary = "Unpause a paused domain",
        .options =
            "Its vCPUs run again, with what arrived meanwhile; a domain made by\n"
            "'oxl create -p' starts. Unpausing a running domain does nothing.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "vcpu-list",
        .handler = oxl_main_vcpu_list,
        .usage = "[Domain...]",
        .summary = "List the VCPUs for all/some domains",
        .options =
            "Columns as xl's: Name, ID, VCPU, CPU (the one it is on), State\n"
            "(r running, b blocked, p offline), Time(s) (its CPU time),\n"
            "Affinity (Hard / Soft): Oryx's vCPUs never move, so the hard\n"
            "affinity is the CPU each was placed on.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "info",
        .handler = oxl_main_info,
        .usage = "[KEY]",
        .summary = "Get information about the host and the hypervisor",
        .options =
            "xl's 'key : value' lines: the host (uname), its CPUs and memory\n"
            "(MiB), the hypervisor's version, capabilities, command line and\n"
            "build. With KEY, only the values of the keys it begins.",
        .words = info_words,
    },
    {
        .verb = "dmesg",
        .handler = oxl_main_dmesg,
        .usage = "[-c]",
        .summary = "Read and/or clear the hypervisor's message buffer",
        .options = "-c, --clear     Clear the buffer after reading it.",
        .words = dmesg_words,
    },
    {
        .verb = "debug-keys",
        .handler = oxl_main_debug_keys,
        .usage = "<Keys>",
        .summary = "Send debug keys to the hypervisor",
        .options =
            "Each key acts as if typed at the hypervisor's console ('h' lists\n"
            "them); read what they print with 'oxl dmesg'.",
        .words = help_only_words,
    },
    {
        .verb = "uptime",
        .handler = oxl_main_uptime,
        .usage = "[-s] [Domain...]",
        .summary = "Print uptime for all/some domains",
        .options =
            "-s              Short format: ' HH:MM:SS up TIME, NAME (ID)'.\n"
            "Domain-0's uptime is the hypervisor's; a domain not yet started\n"
            "has no line.",
        .words = uptime_words,
        .complete_domains = 1,
    },
    {
        .verb = "top",
        .handler = oxl_main_top,
        .usage = "[-b] [-d SECONDS] [-i N] [-f]",
        .summary = "Monitor the host and the domains in real time",
        .options =
            "-d, --delay=SECONDS   Seconds between updates (default 3).\n"
            "-b, --batch           Batch mode: plain tables, one after another.\n"
            "-i, --iterations=N    Stop after N updates.\n"
            "-f, --full-name       Do not cut names at 10 characters.\n"
            "Columns as xentop's: NAME STATE (d s b c p r) CPU(sec) CPU(%)\n"
            "(of one CPU, since the previous update; 0 on the first) MEM(k)\n"
            "MEM(%) MAXMEM(k) MAXMEM(%) VCPUS. Interactive: 'q' quits.",
        .words = top_words,
    },
    {
        .verb = "block-attach",
        .handler = oxl_main_block_attach,
        .usage = "<Domain> <disk-spec-component(s)>...",
        .summary = "Attach a disk to a running domain",
        .options =
            "The disk spec is xl's (xl-disk-configuration(5)), e.g.\n"
            "  oxl block-attach web /srv/data.img,raw,xvdb,rw\n"
            "  oxl block-attach web format=raw, vdev=xvdc, access=ro, target=/dev/vg/lv\n"
            "Files go through a loop device; block devices are used as they are.\n"
            "A writable image another running guest uses is refused (access=w!\n"
            "marks an image made for sharing).",
        .words = help_only_words,
        .complete_files = 1,
        .complete_domains = 1,
    },
    {
        .verb = "block-detach",
        .handler = oxl_main_block_detach,
        .usage = "[-f] <Domain> <DevId>",
        .summary = "Detach a disk from a domain",
        .options =
            "DevId: the vdev (xvdb) or its number (51728, as block-list shows).\n"
            "The guest is asked to let go; it refuses while the disk is in use\n"
            "(mounted), and oxl gives up after 30 s.\n"
            "-f, --force     Remove it without asking the guest.",
        .words = detach_words,
        .complete_domains = 1,
    },
    {
        .verb = "block-list",
        .handler = oxl_main_block_list,
        .usage = "<Domain(s)>",
        .summary = "List a domain's disks",
        .options = "Columns as xl's: Vdev BE handle state evt-ch ring-ref BE-path.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "network-attach",
        .handler = oxl_main_network_attach,
        .usage = "<Domain> [vif-spec-component(s)]...",
        .summary = "Attach a network interface to a running domain",
        .options =
            "The vif spec is xl's (xl-network-configuration(5)), e.g.\n"
            "  oxl network-attach web bridge=xenbr0 mac=00:16:3e:01:02:03\n"
            "Default bridge xenbr0 (oxl bridge-setup makes it); default MAC\n"
            "00:16:3e:... derived from the domain's uuid and the vif's index.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "network-detach",
        .handler = oxl_main_network_detach,
        .usage = "[-f] <Domain> <DevId|mac>",
        .summary = "Detach a network interface from a domain",
        .options = "-f, --force     Remove it without waiting for the guest.",
        .words = detach_words,
        .complete_domains = 1,
    },
    {
        .verb = "network-list",
        .handler = oxl_main_network_list,
        .usage = "<Domain(s)>",
        .summary = "List a domain's network interfaces",
        .options = "Columns as xl's: Idx BE Mac Addr. handle state evt-ch tx-/rx-ring-ref BE-path.",
        .words = help_only_words,
        .complete_domains = 1,
    },
    {
        .verb = "bridge-setup",
        .handler = oxl_main_bridge_setup,
        .usage = "[BRIDGE [NIC]]",
        .summary = "Create the bridge guests' vifs join, with dom0's NIC on it",
        .options =
            "BRIDGE defaults to xenbr0; NIC to the interface of the default route,\n"
            "else the first Ethernet interface that is up. NIC's IPv4 address and\n"
            "the default route through it move to the bridge, so dom0 keeps its\n"
            "network and guests on the bridge reach the outside. Run it once dom0's\n"
            "network is up; running it again changes nothing.",
        .words = help_only_words,
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

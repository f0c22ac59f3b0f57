/*
 * The host verbs (xl's): info [KEY] (key : value lines about the host and
 * the hypervisor), dmesg [-c] (the hypervisor's log), debug-keys KEYS and uptime [-s]
 * [DOMAIN...] (how long the host and each domain have been up; the
 * Domain-0 line is the hypervisor's own uptime).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "oxl_fmt.h"
#include "xctl.h"
#include "xctl_sysctl.h"

/* With a KEY argument, info prints only the values of the keys it starts. */
static const char *info_key;

static void info_line(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void info_line(const char *key, const char *fmt, ...)
{
    char value[1100], line[1200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (info_key) {
        if (!strncmp(key, info_key, strlen(info_key)))
            printf("%s\n", value);
        return;
    }
    oxl_fmt_info(line, sizeof(line), key, value);
    printf("%s\n", line);
}

static int need_host(struct xctl *x, struct oryx_sysctl_physinfo *p)
{
    int rc = xctl_physinfo(x, p);

    if (rc)
        fprintf(stderr, "oxl: asking the hypervisor about the host (sysctl physinfo): %s\n",
                rc == -EPERM ? "only dom0 may ask" : strerror(-rc));
    return rc;
}

int oxl_main_info(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("info");
    struct oryx_sysctl_physinfo p;
    struct xctl_version v;
    struct utsname uts;
    int opt, status = 0, rc;
    struct xctl *x;
    const uint32_t *c;

    while ((opt = oxl_getopt(argc, argv, "h", NULL, cmd, &status)) != -1)
        if (opt == -2)
            return status;
    if (argc - optind > 1)
        return oxl_extra_args(cmd, argv[optind + 1]);
    info_key = optind < argc ? argv[optind] : NULL;
    if (!(x = oxl_open_xctl(&status)))
        return status;
    if (need_host(x, &p)) {
        xctl_close(x);
        return 1;
    }
    rc = xctl_version(x, &v);
    if (rc) {
        fprintf(stderr, "oxl: asking the hypervisor's version (xen_version): %s\n",
                strerror(-rc));
        xctl_close(x);
        return 1;
    }
    if (!uname(&uts)) {
        info_line("host", "%s", uts.nodename);
        info_line("release", "%s", uts.release);
        info_line("version", "%s", uts.version);
        info_line("machine", "%s", uts.machine);
    }
    info_line("nr_cpus", "%u", p.nr_cpus);
    info_line("max_cpu_id", "%u", p.max_cpu_id);
    info_line("cpu_mhz", "%u.%03u", p.cpu_khz / 1000, p.cpu_khz % 1000);
    c = p.hw_cap;
    info_line("hw_caps", "%08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x", c[0], c[1], c[2], c[3], c[4],
              c[5], c[6], c[7]);
    info_line("virt_caps", "%s%s", p.capabilities & ORYX_PHYSCAP_hvm ? "hvm" : "",
              p.capabilities & ORYX_PHYSCAP_hap ? " hap" : "");
    /* MiB, as xl: pages / (1 MiB / page size). */
    info_line("total_memory", "%llu", (unsigned long long)(p.total_pages >> 8));
    info_line("free_memory", "%llu", (unsigned long long)(p.free_pages >> 8));
    info_line("xen_major", "%u", v.major);
    info_line("xen_minor", "%u", v.minor);
    info_line("xen_extra", "%s", v.extra);
    info_line("xen_version", "%u.%u%s", v.major, v.minor, v.extra);
    info_line("xen_caps", "%s", v.caps);
    info_line("xen_pagesize", "%lu", v.pagesize);
    info_line("xen_changeset", "%s", v.changeset);
    info_line("xen_commandline", "%s", v.commandline);
    info_line("cc_compiler", "%s", v.compiler);
    info_line("cc_compile_by", "%s", v.compile_by);
    info_line("cc_compile_domain", "%s", v.compile_domain);
    info_line("cc_compile_date", "%s", v.compile_date);
    xctl_close(x);
    return 0;
}

int oxl_main_dmesg(int argc, char **argv)
{
    static const struct option opts[] = {
        { "clear", no_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("dmesg");
    int opt, status = 0, clear = 0;
    uint64_t index = 0, head = 0;
    static char buf[16384];
    struct xctl *x;
    long n;

    while ((opt = oxl_getopt(argc, argv, "hc", opts, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        if (opt == 'c')
            clear = 1;
    }
    if (optind != argc)
        return oxl_extra_args(cmd, argv[optind]);
    if (!(x = oxl_open_xctl(&status)))
        return status;
    /* Read up to the head as it was at the start: a log that grows while
     * we print (our own output may be logged) still ends. */
    do {
        n = xctl_readconsole(x, buf, sizeof(buf), &index, head ? NULL : &head, clear);
        if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
            n = -EIO;
    } while (n > 0 && index < head);
    xctl_close(x);
    if (n < 0) {
        fprintf(stderr, "oxl: reading the hypervisor's log (sysctl readconsole): %s\n",
                n == -EPERM ? "only dom0 may read it" : strerror((int)-n));
        return 1;
    }
    return fflush(stdout) ? 1 : 0;
}

/* xl debug-keys: the keys go to the hypervisor as if typed at its
 * console; what they print is read back with `oxl dmesg`. */
int oxl_main_debug_keys(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("debug-keys");
    int status;
    struct xctl *x;
    size_t n;

    if ((status = oxl_plain_args(argc, argv, cmd, 1)) >= 0)
        return status;
    n = strlen(argv[optind]);
    if (!n || n > ORYX_DEBUG_KEYS_MAX) {
        fprintf(stderr, "oxl: debug-keys takes 1 to %d keys, not %zu\n", ORYX_DEBUG_KEYS_MAX, n);
        return 1;
    }
    if (!(x = oxl_open_xctl(&status)))
        return status;
    status = xctl_debug_keys(x, argv[optind], n);
    xctl_close(x);
    if (status) {
        fprintf(stderr, "oxl: sending debug keys (sysctl debug_keys): %s\n",
                status == -EPERM ? "only dom0 may send them" : strerror(-status));
        return 1;
    }
    return 0;
}

static void uptime_line(const char *name, unsigned int domid, uint64_t secs, int short_mode,
                        time_t now)
{
    char up[64];

    oxl_fmt_uptime(up, sizeof(up), secs, short_mode);
    if (short_mode) {
        char clock[16] = "";
        struct tm tm;
        if (localtime_r(&now, &tm))
            strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
        printf(" %s up %s, %s (%u)\n", clock, up, name, domid);
    } else {
        printf("%-33s %4u %s\n", name, domid, up);
    }
}

int oxl_main_uptime(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("uptime");
    struct oryx_domctl_getdomaininfo *doms;
    struct oryx_sysctl_physinfo p;
    int opt, status = 0, short_mode = 0, n;
    struct xctl *x;
    time_t now;

    while ((opt = oxl_getopt(argc, argv, "hs", NULL, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        if (opt == 's')
            short_mode = 1;
    }
    if (!(x = oxl_open_xctl(&status)))
        return status;
    n = oxl_ctl_select(x, argc - optind, argv + optind, &doms);
    if (n < 0 || need_host(x, &p)) {
        if (n >= 0)
            free(doms);
        xctl_close(x);
        return 1;
    }
    now = time(NULL);
    if (!short_mode)
        printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
    for (int i = 0; i < n; i++) {
        char name[ORYX_DOMCTL_NAME_MAX + 1];
        uint64_t up_ns;
        snprintf(name, sizeof(name), "%.*s", (int)sizeof(doms[i].name), doms[i].name);
        if (doms[i].domain == 0)
            up_ns = p.uptime_ns;        /* the host's: dom0 starts with it */
        else if (doms[i].start_ns)
            up_ns = p.uptime_ns > doms[i].start_ns ? p.uptime_ns - doms[i].start_ns : 0;
        else
            continue;                   /* never started: as xl, no line */
        uptime_line(name, doms[i].domain, up_ns / 1000000000ull, short_mode, now);
    }
    free(doms);
    xctl_close(x);
    return 0;
}

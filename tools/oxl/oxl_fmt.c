/*
 * oxl's output formats (oxl_fmt.h). The column widths and letters are
 * xl's and xentop's, so that scripts written against them parse ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oxl_fmt.h"
#include "public/sched.h"

#define PAGE_KIB 4u

const char *oxl_fmt_list_header(int verbose)
{
    return verbose ? "Name                                        ID   Mem VCPUs\tState\tTime(s)"
                     "   UUID                            Reason-Code\tSecurity Label"
                   : "Name                                        ID   Mem VCPUs\tState\tTime(s)";
}

/* xl's fifth state letter: why it shut down. */
static char reason_letter(const struct oryx_domctl_getdomaininfo *d)
{
    static const char letters[] = "-rscwS";     /* SHUTDOWN_poweroff .. soft_reset */

    if (!(d->flags & ORYX_DOMINF_shutdown))
        return '-';
    return d->shutdown_reason < sizeof(letters) - 1 ? letters[d->shutdown_reason] : '?';
}

void oxl_fmt_list_row(char *buf, size_t len, const struct oryx_domctl_getdomaininfo *d,
                      int verbose, const char *uuid)
{
    uint32_t fl = d->flags;
    int n;

    n = snprintf(buf, len, "%-40.*s %5u %5lu %5u     %c%c%c%c%c%c  %8.1f",
                 (int)strnlen(d->name, sizeof(d->name)), d->name, d->domain,
                 (unsigned long)(d->tot_pages * PAGE_KIB / 1024), d->nr_online_vcpus,
                 fl & ORYX_DOMINF_running ? 'r' : '-', fl & ORYX_DOMINF_blocked ? 'b' : '-',
                 fl & ORYX_DOMINF_paused ? 'p' : '-', fl & ORYX_DOMINF_shutdown ? 's' : '-',
                 reason_letter(d), fl & ORYX_DOMINF_dying ? 'd' : '-',
                 (double)d->cpu_time_ns / 1e9);
    if (!verbose || n < 0 || (size_t)n >= len)
        return;
    if (fl & ORYX_DOMINF_shutdown)
        snprintf(buf + n, len - (size_t)n, " %s %8x %16s",
                 uuid ? uuid : "00000000-0000-0000-0000-000000000000", d->shutdown_reason, "-");
    else
        snprintf(buf + n, len - (size_t)n, " %s %8s %16s",
                 uuid ? uuid : "00000000-0000-0000-0000-000000000000", "-", "-");
}

void oxl_fmt_uptime(char *buf, size_t len, uint64_t secs, int short_mode)
{
    unsigned long day = (unsigned long)(secs / 86400);
    unsigned int hour = (unsigned int)(secs % 86400 / 3600);
    unsigned int min = (unsigned int)(secs % 3600 / 60);
    unsigned int sec = (unsigned int)(secs % 60);
    const char *days = day > 1 ? "days" : "day";

    if (short_mode) {
        if (day)
            snprintf(buf, len, "%lu %s, %2u:%02u", day, days, hour, min);
        else
            snprintf(buf, len, "%2u:%02u", hour, min);
    } else {
        if (day)
            snprintf(buf, len, "%lu %s, %2u:%02u:%02u", day, days, hour, min, sec);
        else
            snprintf(buf, len, "%2u:%02u:%02u", hour, min, sec);
    }
}

void oxl_fmt_cpumap(char *buf, size_t len, const uint8_t *map, unsigned int nr_bits)
{
    unsigned int i = 0, runs = 0;
    size_t n = 0;

    if (!len)
        return;
    buf[0] = 0;
    while (i < nr_bits) {
        unsigned int first;
        if (!(map[i / 8] & (1u << (i % 8)))) {
            i++;
            continue;
        }
        first = i;
        while (i < nr_bits && (map[i / 8] & (1u << (i % 8))))
            i++;
        if (first == 0 && i == nr_bits) {
            snprintf(buf, len, "all");
            return;
        }
        if (n < len)
            n += (size_t)snprintf(buf + n, len - n, i - 1 > first ? "%s%u-%u" : "%s%u",
                                  runs ? "," : "", first, i - 1);
        runs++;
    }
    if (!runs)
        snprintf(buf, len, "none");
}

void oxl_fmt_vcpu_header(char *buf, size_t len)
{
    snprintf(buf, len, "%-32s %5s %5s %5s %5s %9s %s", "Name", "ID", "VCPU", "CPU", "State",
             "Time(s)", "Affinity (Hard / Soft)");
}

void oxl_fmt_vcpu_row(char *buf, size_t len, const char *name, unsigned int domid,
                      unsigned int vcpu, const struct oryx_domctl_getvcpuinfo *v,
                      unsigned int nr_cpus)
{
    uint8_t hard[32], soft[32];
    char h[160], s[160];
    int n;

    if (nr_cpus > 8 * sizeof(hard))
        nr_cpus = 8 * sizeof(hard);
    /* A vCPU runs only on the CPU it was placed on: that is its affinity. */
    memset(hard, 0, sizeof(hard));
    if (v->cpu < nr_cpus)
        hard[v->cpu / 8] |= (uint8_t)(1u << (v->cpu % 8));
    memset(soft, 0xFF, sizeof(soft));
    oxl_fmt_cpumap(h, sizeof(h), hard, nr_cpus);
    oxl_fmt_cpumap(s, sizeof(s), soft, nr_cpus);
    n = snprintf(buf, len, "%-32s %5u %5u", name, domid, vcpu);
    if (n < 0 || (size_t)n >= len)
        return;
    if (v->online)
        n += snprintf(buf + n, len - (size_t)n, "%5u %3c%c- ", v->cpu, v->running ? 'r' : '-',
                      v->blocked ? 'b' : '-');
    else
        n += snprintf(buf + n, len - (size_t)n, "%5c %3c%cp ", '-', '-', '-');
    if (n < 0 || (size_t)n >= len)
        return;
    snprintf(buf + n, len - (size_t)n, "%9.1f  %s / %s", (double)v->cpu_time_ns / 1e9, h, s);
}

void oxl_fmt_info(char *buf, size_t len, const char *key, const char *value)
{
    snprintf(buf, len, "%-23s: %s", key, value);
}

double oxl_cpu_pct(uint64_t cpu_ns_now, uint64_t cpu_ns_before, uint64_t wall_ns)
{
    if (!wall_ns || cpu_ns_now < cpu_ns_before)
        return 0.0;
    return (double)(cpu_ns_now - cpu_ns_before) * 100.0 / (double)wall_ns;
}

void oxl_fmt_top_state(char out[7], uint32_t flags)
{
    out[0] = flags & ORYX_DOMINF_dying ? 'd' : '-';
    out[1] = flags & ORYX_DOMINF_shutdown ? 's' : '-';     /* crashed too, as xentop */
    out[2] = flags & ORYX_DOMINF_blocked ? 'b' : '-';
    out[3] = flags & ORYX_DOMINF_crashed ? 'c' : '-';
    out[4] = flags & ORYX_DOMINF_paused ? 'p' : '-';
    out[5] = flags & ORYX_DOMINF_running ? 'r' : '-';
    out[6] = 0;
}

void oxl_fmt_top_header(char *buf, size_t len, int name_width)
{
    snprintf(buf, len, "%*s %6s %10s %6s %10s %6s %10s %9s %5s", name_width, "NAME", "STATE",
             "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS");
}

void oxl_fmt_top_row(char *buf, size_t len, int name_width,
                     const struct oryx_domctl_getdomaininfo *d, double cpu_pct,
                     uint64_t host_pages)
{
    char state[7], maxk[16], maxpct[16];
    double total = host_pages ? (double)host_pages : 1.0;
    int nlen = (int)strnlen(d->name, sizeof(d->name));

    oxl_fmt_top_state(state, d->flags);
    if (d->max_pages) {
        snprintf(maxk, sizeof(maxk), "%10llu", (unsigned long long)d->max_pages * PAGE_KIB);
        snprintf(maxpct, sizeof(maxpct), "%9.1f", (double)d->max_pages / total * 100.0);
    } else {
        snprintf(maxk, sizeof(maxk), "%10s", "no limit");
        snprintf(maxpct, sizeof(maxpct), "%9s", "n/a");
    }
    /* xentop right-aligns names and cuts them at the column's width. */
    snprintf(buf, len, "%*.*s %6s %10llu %6.1f %10llu %6.1f %s %s %5u", name_width,
             nlen < name_width ? nlen : name_width, d->name, state,
             (unsigned long long)(d->cpu_time_ns / 1000000000ull), cpu_pct,
             (unsigned long long)d->tot_pages * PAGE_KIB, (double)d->tot_pages / total * 100.0,
             maxk, maxpct, d->nr_vcpus);
}

int oxl_parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out)
{
    unsigned long v;
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -1;
    v = strtoul(s, &end, 10);
    if (*end || v < min || v > max)
        return -1;
    *out = (unsigned int)v;
    return 0;
}

const char *oxl_state_name(uint32_t flags)
{
    if (flags & ORYX_DOMINF_dying)
        return "dying";
    if (flags & ORYX_DOMINF_crashed)
        return "crashed";
    if (flags & ORYX_DOMINF_shutdown)
        return "shutdown";
    if (flags & ORYX_DOMINF_paused)
        return "paused";
    if (flags & ORYX_DOMINF_running)
        return "running";
    if (flags & ORYX_DOMINF_blocked)
        return "blocked";
    return "runnable";
}

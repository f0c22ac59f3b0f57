/*
 * What oxl's verbs print, as pure functions of what the hypervisor said
 * (tests/unit/test_oxl_fmt.c checks them against xl's formats): list,
 * vcpu-list, uptime, info, top rows, and the JSON of `list -l`.
 */
#ifndef ORYX_OXL_FMT_H
#define ORYX_OXL_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "public/domctl.h"

/* xl list's header; with verbose, `list -v`'s columns after it. */
const char *oxl_fmt_list_header(int verbose);
/* One `xl list` row (no newline); with verbose, the UUID (NULL: all
 * zeros), the shutdown reason code and an empty security label. */
void oxl_fmt_list_row(char *buf, size_t len, const struct oryx_domctl_getdomaininfo *d,
                      int verbose, const char *uuid);

/* xl's uptime text: "[D day(s), ]H:MM:SS", short mode without seconds. */
void oxl_fmt_uptime(char *buf, size_t len, uint64_t secs, int short_mode);

/* A CPU set as xl prints one: "all", "none", or "0-3,5". */
void oxl_fmt_cpumap(char *buf, size_t len, const uint8_t *map, unsigned int nr_bits);

/* vcpu-list's header and one vCPU's row; nr_cpus sizes the affinity map. */
void oxl_fmt_vcpu_header(char *buf, size_t len);
void oxl_fmt_vcpu_row(char *buf, size_t len, const char *name, unsigned int domid,
                      unsigned int vcpu, const struct oryx_domctl_getvcpuinfo *v,
                      unsigned int nr_cpus);

/* One `xl info` line: "key" padded, " : ", value. */
void oxl_fmt_info(char *buf, size_t len, const char *key, const char *value);

/* Per cent of one CPU that cpu_ns more CPU time is over wall_ns. */
double oxl_cpu_pct(uint64_t cpu_ns_now, uint64_t cpu_ns_before, uint64_t wall_ns);

/* xentop's six state letters (d s b c p r, '-' when not). */
void oxl_fmt_top_state(char out[7], uint32_t flags);
/* top's header and one domain's row: NAME STATE CPU(sec) CPU(%) MEM(k)
 * MEM(%) MAXMEM(k) MAXMEM(%) VCPUS. name_width 10 truncates names as
 * xentop does; a wider one (-f) fits them. */
void oxl_fmt_top_header(char *buf, size_t len, int name_width);
void oxl_fmt_top_row(char *buf, size_t len, int name_width,
                     const struct oryx_domctl_getdomaininfo *d, double cpu_pct,
                     uint64_t host_pages);

/* A decimal count in [min, max] (option values): 0, or -1 when s is not one. */
int oxl_parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out);

/* The state word `list -l` gives a domain ("running", "paused", ...). */
const char *oxl_state_name(uint32_t flags);

#endif

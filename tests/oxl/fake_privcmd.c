/*
 * A stand-in for the hypervisor behind /dev/xen/privcmd, for running oxl's
 * control verbs on the host (tests/oxl/suite.sh): LD_PRELOADed, it answers
 * IOCTL_PRIVCMD_HYPERCALL with Oryx's domctl, sysctl and xen_version for
 * three made-up domains (Domain-0 running, "beside" blocked, "web"
 * crashed) and a made-up log. What persists between oxl runs (beside
 * paused, the log cleared up to) lives in the file $ORYX_FAKE_STATE. It
 * checks the calls' shape, not the hypervisor: the real one is tested in
 * dom0 (tests/dom0) and by tests/hv.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "public/domctl.h"
#include "public/sched.h"
#include "public/sysctl.h"
#include "public/version.h"

struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL 0x00305000UL

static const char log_text[] =
    " Oryx hypervisor (Xen 4.17 ABI) on x86-64\n"
    "(d1) beside: 4 MiB, 1 vCPU(s)\n"
    "(beside) progress: step 1/10\n";

struct state {
    int paused;                         /* beside */
    unsigned long long cleared;         /* log position */
    char name[32];                      /* beside's, after oxl rename */
};

static void load(struct state *s)
{
    const char *p = getenv("ORYX_FAKE_STATE");
    FILE *f = p ? fopen(p, "r") : NULL;

    memset(s, 0, sizeof(*s));
    if (f) {
        if (fscanf(f, "%d %llu %31s", &s->paused, &s->cleared, s->name) != 3)
            memset(s, 0, sizeof(*s));
        fclose(f);
    }
    if (!s->name[0])
        strcpy(s->name, "beside");
}

static void save(const struct state *s)
{
    const char *p = getenv("ORYX_FAKE_STATE");
    FILE *f = p ? fopen(p, "w") : NULL;

    if (f) {
        fprintf(f, "%d %llu %s\n", s->paused, s->cleared, s->name);
        fclose(f);
    }
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Domain i of the three (ids 0, 1, 5). */
static int fill(int i, const struct state *s, struct oryx_domctl_getdomaininfo *d)
{
    static const uint16_t ids[] = { 0, 1, 5 };

    if (i < 0 || i > 2)
        return -1;
    memset(d, 0, sizeof(*d));
    d->domain = ids[i];
    d->flags = ORYX_DOMINF_hvm;
    switch (i) {
    case 0:
        strcpy(d->name, "Domain-0");
        d->flags |= ORYX_DOMINF_control | ORYX_DOMINF_running;
        d->nr_vcpus = d->nr_online_vcpus = 2;
        d->tot_pages = 131072;
        d->cpu_time_ns = now_ns() / 4;      /* half of one CPU, say */
        d->start_ns = 1;
        break;
    case 1:
        strcpy(d->name, s->name);
        d->flags |= s->paused ? ORYX_DOMINF_paused : ORYX_DOMINF_blocked;
        d->nr_vcpus = d->nr_online_vcpus = 1;
        d->tot_pages = 1024;
        d->max_pages = 1024;
        d->cpu_time_ns = 40000000;
        d->start_ns = 1000000000;
        break;
    default:
        strcpy(d->name, "web");
        d->flags |= ORYX_DOMINF_shutdown | ORYX_DOMINF_crashed;
        d->shutdown_reason = SHUTDOWN_crash;
        d->nr_vcpus = 2;
        d->tot_pages = 32768;
        d->cpu_time_ns = 12340000000ull;
        d->start_ns = 2000000000;
        break;
    }
    return 0;
}

static int index_of(uint16_t dom)
{
    return dom == 0 ? 0 : dom == 1 ? 1 : dom == 5 ? 2 : -1;
}

static long domctl(struct oryx_domctl *op)
{
    struct oryx_domctl_getdomaininfo d;
    struct state s;
    int i;

    if (op->interface_version != ORYX_DOMCTL_INTERFACE_VERSION)
        return -EACCES;
    load(&s);
    switch (op->cmd) {
    case XEN_DOMCTL_getdomaininfo:
        for (i = 0; !fill(i, &s, &d); i++)
            if (d.domain >= op->domain) {
                op->domain = d.domain;
                op->u.getdomaininfo = d;
                return 0;
            }
        return -ESRCH;
    case XEN_DOMCTL_getvcpuinfo:
        i = index_of(op->domain);
        if (i < 0)
            return -ESRCH;
        fill(i, &s, &d);
        if (op->u.getvcpuinfo.vcpu >= d.nr_vcpus)
            return -EINVAL;
        op->u.getvcpuinfo.online = op->u.getvcpuinfo.vcpu < d.nr_online_vcpus;
        op->u.getvcpuinfo.running = i == 0;
        op->u.getvcpuinfo.blocked = i == 1 && !s.paused;
        op->u.getvcpuinfo.cpu = op->u.getvcpuinfo.vcpu % 2;
        op->u.getvcpuinfo.cpu_time_ns = d.cpu_time_ns / d.nr_vcpus;
        return 0;
    case XEN_DOMCTL_pausedomain:
    case XEN_DOMCTL_unpausedomain:
        i = index_of(op->domain);
        if (i < 0)
            return -ESRCH;
        if (i == 0)
            return -EPERM;
        if (i == 2)
            return -EINVAL;
        s.paused = op->cmd == XEN_DOMCTL_pausedomain;
        save(&s);
        return 0;
    case ORYX_DOMCTL_setdomainname: {
        const char *n = op->u.setdomainname.name;
        i = index_of(op->domain);
        if (i < 0)
            return -ESRCH;
        if (i == 0)
            return -EPERM;
        if (!n[0] || strnlen(n, 32) == 32 || strspn(n, "abcdefghijklmnopqrstuvwxyz"
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(n))
            return -EINVAL;
        if (!strcmp(n, "Domain-0") || !strcmp(n, "web") || (i == 2 && !strcmp(n, s.name)))
            return -EEXIST;
        if (i == 2)
            return -EOPNOTSUPP;         /* only beside's name is kept */
        strcpy(s.name, n);
        save(&s);
        return 0;
    }
    default:
        return -EOPNOTSUPP;
    }
}

static long sysctl(struct oryx_sysctl *op)
{
    struct state s;

    if (op->interface_version != ORYX_SYSCTL_INTERFACE_VERSION)
        return -EACCES;
    load(&s);
    switch (op->cmd) {
    case XEN_SYSCTL_physinfo:
        memset(&op->u.physinfo, 0, sizeof(op->u.physinfo));
        op->u.physinfo.nr_cpus = 2;
        op->u.physinfo.max_cpu_id = 1;
        op->u.physinfo.cpu_khz = 2596146;
        op->u.physinfo.capabilities = ORYX_PHYSCAP_hvm | ORYX_PHYSCAP_hap;
        op->u.physinfo.total_pages = 262144;
        op->u.physinfo.free_pages = 100000;
        op->u.physinfo.uptime_ns = 90061000000000ull;      /* 1 day, 1:01:01 */
        op->u.physinfo.hw_cap[0] = 0x178bfbff;
        return 0;
    case XEN_SYSCTL_readconsole: {
        struct oryx_sysctl_readconsole *r = &op->u.readconsole;
        uint64_t head = sizeof(log_text) - 1, from = r->index;
        uint32_t n;
        if (r->flags & ~ORYX_READCONSOLE_clear)
            return -EINVAL;
        if (from < s.cleared)
            from = s.cleared;
        if (from > head)
            from = head;
        n = (uint32_t)(head - from < 7 ? head - from : 7);   /* small: many calls */
        if (n > r->count)
            n = r->count;
        memcpy((void *)(uintptr_t)r->buffer, log_text + from, n);
        r->count = n;
        r->index = from + n;
        r->head = head;
        if (r->flags & ORYX_READCONSOLE_clear) {
            s.cleared = r->index;
            save(&s);
        }
        return 0;
    }
    default:
        return -EOPNOTSUPP;
    }
}

static long xen_version(uint64_t cmd, void *arg)
{
    switch (cmd) {
    case XENVER_version:
        return (4 << 16) | 17;
    case XENVER_extraversion:
        strcpy(arg, ".0-oryx");
        return 0;
    case XENVER_capabilities:
        strcpy(arg, "hvm-3.0-x86_64");
        return 0;
    case XENVER_commandline:
        strcpy(arg, "dom0_mem=512M fake");
        return 0;
    case XENVER_pagesize:
        return 4096;
    default:
        return -ENOSYS;
    }
}

int ioctl(int fd, unsigned long req, ...)
{
    static int (*real)(int, unsigned long, ...);
    struct privcmd_hypercall *h;
    va_list ap;
    long rc;

    va_start(ap, req);
    h = va_arg(ap, struct privcmd_hypercall *);
    va_end(ap);
    if (req != IOCTL_PRIVCMD_HYPERCALL) {
        if (!real)
            real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
        return real(fd, req, h);
    }
    switch (h->op) {
    case __HYPERVISOR_domctl:
        rc = domctl((struct oryx_domctl *)(uintptr_t)h->arg[0]);
        break;
    case __HYPERVISOR_sysctl:
        rc = sysctl((struct oryx_sysctl *)(uintptr_t)h->arg[0]);
        break;
    case __HYPERVISOR_xen_version:
        rc = xen_version(h->arg[0], (void *)(uintptr_t)h->arg[1]);
        break;
    default:
        rc = -ENOSYS;
        break;
    }
    if (rc < 0) {
        errno = (int)-rc;
        return -1;
    }
    return (int)rc;
}

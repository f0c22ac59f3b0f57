/*
 * sysctl: the control domain's toolstack asks about the host
 * (include/public/sysctl.h): physinfo for `oxl info`, `top` and
 * `uptime`; readconsole for `oxl dmesg`, the hypervisor's log;
 * debug_keys for `oxl debug-keys`.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/console.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/keyhandler.h>
#include <oryx/page_alloc.h>
#include <asm/cpu.h>
#include <asm/guest_access.h>
#include <asm/mm.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <public/sysctl.h>

static void feature_words(uint32_t w[8])
{
    uint32_t a, b, c, d, max, ext;

    cpuid(0, &max, &b, &c, &d);
    cpuid(0x80000000, &ext, &b, &c, &d);
    cpuid(1, &a, &b, &w[1], &w[0]);
    if (ext >= 0x80000001)
        cpuid(0x80000001, &a, &b, &w[3], &w[2]);
    if (max >= 0xD)
        cpuid_count(0xD, 1, &w[4], &b, &c, &d);
    if (max >= 7)
        cpuid_count(7, 0, &a, &w[5], &w[6], &d);
    if (ext >= 0x80000007)
        cpuid(0x80000007, &a, &b, &c, &w[7]);
}

static void physinfo(struct oryx_sysctl_physinfo *p)
{
    memset(p, 0, sizeof(*p));
    for (unsigned int i = 0; i < nr_cpus; i++) {
        if (cpu_data[i] && cpu_data[i]->online) {
            p->nr_cpus++;
            p->max_cpu_id = i;
        }
    }
    p->cpu_khz = (uint32_t)tsc_khz;
    p->capabilities = ORYX_PHYSCAP_hvm | ORYX_PHYSCAP_hap;   /* Oryx runs on nothing less */
    p->total_pages = mm_ram_pages;
    p->free_pages = page_alloc_free_pages();
    p->uptime_ns = NOW();
    feature_words(p->hw_cap);
}

/* Bounded by the caller's count: the log's bytes through a small buffer,
 * so that no guest copy happens under the console's lock. */
static long readconsole(struct vcpu *v, struct oryx_sysctl_readconsole *r)
{
    uint64_t pos = r->index;
    uint32_t done = 0;
    char chunk[256];

    if (r->flags & ~ORYX_READCONSOLE_clear)
        return -EINVAL;
    while (done < r->count) {
        size_t n = console_log_read(&pos, chunk, MIN(sizeof(chunk), (size_t)(r->count - done)));
        if (!n)
            break;
        if (copy_to_guest(v, r->buffer + done, chunk, n))
            return -EFAULT;
        done += (uint32_t)n;
    }
    if (!r->count)
        console_log_read(&pos, chunk, 0);   /* the index, moved into the log */
    if (r->flags & ORYX_READCONSOLE_clear)
        console_log_clear(pos);
    r->count = done;
    r->index = pos;
    r->head = console_log_head();
    return 0;
}

/* The keys are copied first: a handler never runs on guest memory. */
static long debug_keys(struct vcpu *v, const struct oryx_sysctl_debug_keys *k)
{
    char keys[ORYX_DEBUG_KEYS_MAX];

    if (k->pad || k->nr_keys > sizeof(keys))
        return -EINVAL;
    if (copy_from_guest(v, keys, k->keys, k->nr_keys))
        return -EFAULT;
    for (uint32_t i = 0; i < k->nr_keys; i++)
        keyhandler_handle(keys[i]);
    return 0;
}

long do_sysctl(struct vcpu *v, const struct hcall_args *args)
{
    struct oryx_sysctl op;
    long rc = 0;

    if (!is_control_domain(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, args->a[0], sizeof(op)))
        return -EFAULT;
    if (op.interface_version != ORYX_SYSCTL_INTERFACE_VERSION)
        return -EACCES;

    switch (op.cmd) {
    case XEN_SYSCTL_physinfo:
        physinfo(&op.u.physinfo);
        break;
    case XEN_SYSCTL_readconsole:
        rc = readconsole(v, &op.u.readconsole);
        break;
    case XEN_SYSCTL_debug_keys:
        return debug_keys(v, &op.u.debug_keys);
    default:
        return -EOPNOTSUPP;
    }
    if (!rc && copy_to_guest(v, args->a[0], &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

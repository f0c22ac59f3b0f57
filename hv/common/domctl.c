/*
 * domctl: the control domain's toolstack creates, starts, pauses,
 * inspects and destroys domains (include/public/domctl.h, docs/domctl.md). A domain
 * built this way gets what a boot-time domain gets (the same RAM layout,
 * ACPI tables and console ring); the toolstack loads its kernel through
 * foreign mappings. Its end is kept for the toolstack to look at
 * (on_* = preserve) until destroydomain.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/domspec.h>
#include <oryx/domain_platform.h>
#include <oryx/domain_pause.h>
#include <oryx/hypercall.h>
#include <oryx/sched.h>
#include <oryx/xmalloc.h>
#include <asm/guest_access.h>
#include <asm/hvm.h>
#include <public/domctl.h>
#include <public/hvm/params.h>
#include <public/sched.h>

#define DOMCTL_MAX_VCPUS 32u            /* what the ACPI tables hold */

/* The toolstack's record of a domain it built. */
struct tool_domain {
    bool entry_set;                     /* set_pvh_entry was called */
};

static void tool_domain_destroyed(const struct domain_exit *e)
{
    xfree(e->data);
}

static const struct domain_builder tool_builder = {
    .destroyed = tool_domain_destroyed,
};

/* Does a live domain other than `except` bear name? Under domlist_lock. */
static bool name_taken_locked(const char *name, const struct domain *except)
{
    for (struct domain *d = domain_list; d; d = d->next)
        if (d != except && d->state != DOMAIN_DYING && !strcmp(d->name, name))
            return true;
    return false;
}

static bool name_taken(const char *name)
{
    bool taken;

    spin_lock(&domlist_lock);
    taken = name_taken_locked(name, NULL);
    spin_unlock(&domlist_lock);
    return taken;
}

static long createdomain(struct oryx_domctl *op)
{
    struct oryx_domctl_createdomain *c = &op->u.createdomain;
    struct domspec spec = { .on_poweroff = DOMSPEC_PRESERVE, .on_reboot = DOMSPEC_PRESERVE,
                            .on_crash = DOMSPEC_PRESERVE };
    struct domain_platform plat;
    struct tool_domain *td;
    const char *why = NULL;
    struct domain *d;
    int rc;

    if (strnlen(c->name, sizeof(c->name)) == sizeof(c->name) || !domspec_name_valid(c->name) ||
        (c->flags & ~ORYX_CREATEDOMAIN_hv_console) || !c->max_vcpus || c->max_vcpus > DOMCTL_MAX_VCPUS ||
        c->mem_kb < 1024 || c->mem_kb % 4 || c->mem_kb > (1ULL << 40))
        return -EINVAL;
    if (name_taken(c->name))
        return -EEXIST;
    strlcpy(spec.name, c->name, sizeof(spec.name));
    spec.vcpus = c->max_vcpus;
    spec.mem_bytes = c->mem_kb << 10;
    if (spec.mem_bytes > page_alloc_free_pages() * PAGE_SIZE)
        return -ENOMEM;                 /* before anything is made */
    td = xzalloc_obj(struct tool_domain);
    d = td ? domain_create(&spec) : NULL;
    if (!d) {
        xfree(td);
        return -ENOMEM;
    }
    domain_set_builder(d, &tool_builder, td);
    rc = domain_alloc_memory(d);
    if (rc)
        why = "not enough free memory for its RAM";
    else
        rc = domain_platform_init(d, &plat, c->flags & ORYX_CREATEDOMAIN_hv_console, &why);
    if (rc) {
        printk_lvl(LOG_WARN, "(d%u) %s: not created: %s\n", d->id, d->name, why);
        domain_kill(d);                 /* every page goes back */
        return rc;
    }
    op->domain = d->id;
    c->rsdp = plat.rsdp;
    c->acpi_gpa = plat.extra[0].addr;
    c->acpi_size = plat.extra[0].size;
    c->special_gpa = plat.extra[1].addr;
    c->special_size = plat.extra[1].size;
    if (c->flags & ORYX_CREATEDOMAIN_hv_console) {
        c->console_gfn = d->hvm_params[HVM_PARAM_CONSOLE_PFN];
        c->store_gfn = 0;
    } else {
        c->console_gfn = GUEST_CONSOLE_GFN;
        c->store_gfn = GUEST_XENSTORE_GFN;
    }
    printk("(d%u) %s: created by the toolstack: %lu MiB, %u vCPU(s)\n", d->id, d->name,
           (unsigned long)(spec.mem_bytes >> 20), d->nr_vcpus);
    return 0;
}

static void getdomaininfo(struct domain *d, struct oryx_domctl_getdomaininfo *i)
{
    unsigned int blocked = 0, running = 0;
    uint64_t cpu = 0;

    memset(i, 0, sizeof(*i));
    i->domain = d->id;
    i->flags = ORYX_DOMINF_hvm;
    if (d->is_privileged)
        i->flags |= ORYX_DOMINF_control;
    switch (d->state) {
    case DOMAIN_CREATED:
    case DOMAIN_PAUSED:
        i->flags |= ORYX_DOMINF_paused;
        break;
    case DOMAIN_SHUTDOWN:
        i->flags |= ORYX_DOMINF_shutdown;
        i->shutdown_reason = d->shutdown_reason;
        break;
    case DOMAIN_CRASHED:
        i->flags |= ORYX_DOMINF_shutdown | ORYX_DOMINF_crashed;
        i->shutdown_reason = SHUTDOWN_crash;
        break;
    case DOMAIN_DYING:
        i->flags |= ORYX_DOMINF_dying;
        break;
    default:
        break;
    }
    for (unsigned int n = 0; n < d->nr_vcpus; n++) {
        struct vcpu *v = d->vcpus[n];
        cpu += vcpu_runtime(v);
        running += v->is_running;
        blocked += v->state != VCPU_RUNNABLE;
        i->nr_online_vcpus += v->state != VCPU_DOWN;
    }
    if (running)
        i->flags |= ORYX_DOMINF_running;
    else if (d->state == DOMAIN_RUNNING && blocked == d->nr_vcpus)
        i->flags |= ORYX_DOMINF_blocked;
    i->nr_vcpus = d->nr_vcpus;
    i->tot_pages = domain_ram_pages(d);
    i->max_pages = d->acct.max_pages;
    i->cpu_time_ns = cpu;
    strlcpy(i->name, d->name, sizeof(i->name));
    i->start_ns = d->start_ns;
    i->mem_kb = d->is_privileged ? 0 : d->mem_bytes >> 10;
}

/*
 * ORYX_DOMCTL_setdomainname (oxl rename). The check for a clash and the
 * write are under domlist_lock, so two renames cannot take one name.
 * Never dom0: its name is Xen's fixed "Domain-0".
 */
static long setdomainname(struct domain *d, const struct oryx_domctl_setdomainname *n)
{
    char old[sizeof(d->name)];
    long rc = 0;

    if (strnlen(n->name, sizeof(n->name)) == sizeof(n->name) || !domspec_name_valid(n->name))
        return -EINVAL;
    if (d->is_privileged)
        return -EPERM;
    spin_lock(&domlist_lock);
    if (name_taken_locked(n->name, d))
        rc = -EEXIST;
    else if (d->state == DOMAIN_DYING)
        rc = -ESRCH;
    if (!rc) {
        strlcpy(old, d->name, sizeof(old));
        strlcpy(d->name, n->name, sizeof(d->name));
    }
    spin_unlock(&domlist_lock);
    if (!rc)
        printk("(d%u) %s: renamed %s by the toolstack\n", d->id, old, d->name);
    return rc;
}

/* XEN_DOMCTL_getvcpuinfo: any domain's, dom0's too (vcpu-list). */
static long getvcpuinfo(struct domain *d, struct oryx_domctl_getvcpuinfo *i)
{
    struct vcpu *v;

    if (i->vcpu >= d->nr_vcpus)
        return -EINVAL;
    v = d->vcpus[i->vcpu];
    i->online = v->state != VCPU_DOWN;
    i->blocked = v->state == VCPU_BLOCKED;
    i->running = v->is_running;
    i->_pad = 0;
    i->cpu_time_ns = vcpu_runtime(v);
    i->cpu = v->processor;
    i->_pad2 = 0;
    return 0;
}

/* The listed domain with the lowest id >= from, with a reference. */
static struct domain *domain_get_from(domid_t from)
{
    struct domain *best = NULL;

    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->id >= from && (!best || d->id < best->id))
            best = d;
    if (best)
        domain_get(best);
    spin_unlock(&domlist_lock);
    return best;
}

/* The toolstack's bytes (or zeros) into d's RAM, a page at a time through
 * a bounce buffer: the caller's VA is walked in its page tables, the
 * target's GPA in its p2m, both by guest_access. */
static long write_memory(struct vcpu *v, struct domain *d,
                         const struct oryx_domctl_write_memory *m)
{
    uint8_t *buf;
    long rc = 0;

    if (!m->len || m->len > ORYX_WRITE_MEMORY_MAX || m->gpa + m->len < m->gpa)
        return -EINVAL;
    if (!m->buffer)
        return zero_gpa(d, m->gpa, m->len);
    buf = xmalloc(PAGE_SIZE);
    if (!buf)
        return -ENOMEM;
    for (uint32_t off = 0; off < m->len && !rc; off += PAGE_SIZE) {
        size_t n = m->len - off < PAGE_SIZE ? m->len - off : PAGE_SIZE;

        if (copy_from_guest(v, buf, m->buffer + off, n) ||
            copy_to_gpa(d, m->gpa + off, buf, n))
            rc = -EFAULT;
    }
    xfree(buf);
    return rc;
}

long do_domctl(struct vcpu *v, const struct hcall_args *args)
{
    struct oryx_domctl op;
    struct domain *d;
    long rc = 0;

    if (!is_control_domain(v->domain))
        return -EPERM;
    if (copy_from_guest(v, &op, args->a[0], sizeof(op)))
        return -EFAULT;
    if (op.interface_version != ORYX_DOMCTL_INTERFACE_VERSION)
        return -EACCES;

    switch (op.cmd) {
    case XEN_DOMCTL_createdomain:
        rc = createdomain(&op);
        break;
    case XEN_DOMCTL_getdomaininfo:
        d = domain_get_from(op.domain);
        if (!d)
            return -ESRCH;
        getdomaininfo(d, &op.u.getdomaininfo);
        op.domain = d->id;
        domain_put(d);
        break;
    case XEN_DOMCTL_destroydomain:
    case XEN_DOMCTL_unpausedomain:
    case ORYX_DOMCTL_set_pvh_entry:
    case ORYX_DOMCTL_write_memory:
        d = domain_get_by_id(op.domain);
        if (!d)
            return -ESRCH;
        if (d == v->domain || d->is_privileged) {
            rc = -EPERM;                /* never the control domain itself */
        } else if (op.cmd == XEN_DOMCTL_destroydomain) {
            domain_destroy(d);
        } else if (op.cmd == XEN_DOMCTL_unpausedomain && d->state != DOMAIN_CREATED) {
            rc = domain_unpause(d);     /* after pausedomain; running: nothing to do */
        } else if (d->builder != &tool_builder) {
            rc = -EPERM;                /* boot-time domains start themselves */
        } else if (d->state != DOMAIN_CREATED) {
            rc = -EBUSY;                /* it has run already */
        } else if (op.cmd == ORYX_DOMCTL_write_memory) {
            rc = write_memory(v, d, &op.u.write_memory);
        } else if (op.cmd == ORYX_DOMCTL_set_pvh_entry) {
            struct oryx_domctl_pvh_entry *e = &op.u.pvh_entry;
            if (e->vcpu != 0 || e->start_info >= GiB(4) - PAGE_SIZE) {
                rc = -EINVAL;
            } else {
                hvm->vcpu_set_pvh_entry(d->vcpus[0], e->entry, (uint32_t)e->start_info);
                ((struct tool_domain *)d->builder_data)->entry_set = true;
            }
        } else if (!((struct tool_domain *)d->builder_data)->entry_set) {
            rc = -EINVAL;               /* nowhere to start */
        } else {
            printk("(d%u) %s: started by the toolstack\n", d->id, d->name);
            domain_start(d);
        }
        domain_put(d);
        break;
    case XEN_DOMCTL_pausedomain:
        d = domain_get_by_id(op.domain);
        if (!d)
            return -ESRCH;
        /* Never the control domain: nothing would be left to unpause it. */
        rc = d == v->domain || d->is_privileged ? -EPERM : domain_pause(d);
        domain_put(d);
        break;
    case ORYX_DOMCTL_setdomainname:
        d = domain_get_by_id(op.domain);
        if (!d)
            return -ESRCH;
        rc = setdomainname(d, &op.u.setdomainname);
        domain_put(d);
        break;
    case XEN_DOMCTL_getvcpuinfo:
        d = domain_get_by_id(op.domain);
        if (!d)
            return -ESRCH;
        rc = getvcpuinfo(d, &op.u.getvcpuinfo);
        domain_put(d);
        break;
    default:
        return -EOPNOTSUPP;
    }
    if (!rc && copy_to_guest(v, args->a[0], &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

/*
 * Domain lifecycle: create (memory, nested page tables, vCPUs), start,
 * shutdown and crash (stop the vCPUs, report), and the final teardown,
 * which returns every page to the allocator and checks the accounting.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/sched.h>
#include <oryx/xmalloc.h>
#include <oryx/grant_table.h>
#include <oryx/foreign_map.h>
#include <oryx/event_channel.h>
#include <oryx/vconsole.h>
#include <public/xen.h>
#include <oryx/pvh_build.h>
#include <asm/hvm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <public/sched.h>

struct domain *domain_list;
spinlock_t domlist_lock = SPINLOCK_INIT;
static domid_t next_domid = 1;

static const char *const shutdown_names[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
    [SHUTDOWN_suspend] = "suspend", [SHUTDOWN_crash] = "crash",
    [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

unsigned int domain_count(void)
{
    unsigned int n = 0;

    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        n++;
    spin_unlock(&domlist_lock);
    return n;
}

/* Domains created and not yet finally freed (reaped ones included). */
static volatile int domains_alive;

unsigned int domain_live_count(void)
{
    int preserved = 0;

    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        if (d->preserved)
            preserved++;
    spin_unlock(&domlist_lock);
    return (unsigned int)(__atomic_load_n(&domains_alive, __ATOMIC_ACQUIRE) - preserved);
}

static void singleshot_fired(void *data)
{
    evtchn_send_virq(data, VIRQ_TIMER);
    vcpu_wake(data);                    /* also for guests without the VIRQ bound */
}

static void domain_free(struct domain *d)
{
    vconsole_domain_destroy(d);         /* prints what is left in its ring */
    hvm_domain_destroy(d);
    evtchn_domain_destroy(d);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus ? d->vcpus[i] : NULL;
        if (!v)
            continue;
        kill_timer(&v->singleshot);     /* a re-arm that raced the domain's stop */
        hvm->vcpu_destroy(v);
        hvm_vcpu_forget(v);
        xfree(v);
    }
    xfree(d->vcpus);
    if (d->p2m.root)
        p2m_destroy(&d->p2m);
    foreign_domain_destroy(d);
    gnttab_domain_destroy(d);          /* after the p2m: nothing maps the frames now */
    if (d->acpi_tables)
        page_free(d->acpi_tables, d->acpi_order, &d->acct);
    domain_ram_free(d);
    if (d->arch.io_bitmap)
        page_free(d->arch.io_bitmap, d->arch.io_bitmap_order, &d->acct);
    if (d->shared_info)
        page_free(d->shared_info, 0, &d->acct);
    if (d->acct.pages)
        printk_lvl(LOG_ERR, "(d%u) %s: %lu pages still charged after teardown\n",
                   d->id, d->name, (unsigned long)d->acct.pages);
    xfree(d);
}

static struct domain *domain_create_as(const struct domspec *spec, bool control)
{
    struct domain *d = xzalloc(sizeof(*d));

    if (!d)
        return NULL;
    d->is_privileged = control;
    strlcpy(d->name, spec->name, sizeof(d->name));
    d->acct.name = d->name;
    d->mem_bytes = spec->mem_bytes;
    d->on_poweroff = spec->on_poweroff;
    d->on_reboot = spec->on_reboot;
    d->on_crash = spec->on_crash;
    d->emulation = XEN_X86_EMU_LAPIC |
        (spec->hvm ? XEN_X86_EMU_IOAPIC | XEN_X86_EMU_HPET | XEN_X86_EMU_RTC : 0);
    d->state = DOMAIN_CREATED;
    d->refs = 1;                        /* the domain list's */
    d->nr_vcpus = spec->vcpus;          /* sizes the event channels' vCPU table */
    spin_lock_init(&d->lock);
    spin_lock_init(&d->ram_lock);
    spin_lock_init(&d->map_lock);
    if (p2m_init(&d->p2m, &d->acct) || gnttab_domain_init(d) || evtchn_domain_init(d))
        goto fail;
    d->vcpus = xzalloc(sizeof(*d->vcpus) * d->nr_vcpus);
    if (!d->vcpus)
        goto fail;
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = xzalloc(sizeof(*v));
        if (!v)
            goto fail;
        d->vcpus[i] = v;
        v->id = i;
        v->domain = d;
        v->state = VCPU_DOWN;
        if (control)
            v->processor = i % nr_cpus;     /* pinned: dom0's interrupts follow its vCPUs */
        else
            sched_place_vcpu(v);
        timer_init(&v->singleshot, singleshot_fired, v, v->processor);
        if (hvm->vcpu_init(v))
            goto fail;
    }
    __atomic_add_fetch(&domains_alive, 1, __ATOMIC_ACQ_REL);
    spin_lock(&domlist_lock);
    d->id = control ? 0 : next_domid++;
    d->next = domain_list;
    domain_list = d;
    spin_unlock(&domlist_lock);
    return d;
fail:
    domain_free(d);
    return NULL;
}

struct domain *domain_create(const struct domspec *spec)
{
    return domain_create_as(spec, false);
}

struct domain *domain_create_control(const struct domspec *spec)
{
    return domain_by_id(0) ? NULL : domain_create_as(spec, true);
}

/* After a p2m change: every vCPU flushes its guest TLB before it next runs. */
void domain_flush_tlb(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        __atomic_store_n(&v->arch.tlb_flush, true, __ATOMIC_SEQ_CST);
        if (v->is_running)
            sched_kick(v->processor);
    }
}

struct shared_info *domain_shared_info(struct domain *d)
{
    return d->shared_info ? __va(d->shared_info) : NULL;
}

struct vcpu_info *vcpu_info_of(struct vcpu *v)
{
    return v->vcpu_info;
}

void vcpu_kick_upcall(struct vcpu *v)
{
    vcpu_wake(v);                   /* out of HLT or SCHEDOP_block/poll */
    if (v->is_running)
        sched_kick(v->processor);   /* out of guest mode, to inject */
}

void domain_start(struct domain *d)
{
    d->state = DOMAIN_RUNNING;
    d->start_ns = NOW();
    sched_start_vcpu(d->vcpus[0]);  /* the others wait for the guest to start them */
}

static void stop_vcpus(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_remove_vcpu(d->vcpus[i]);
    hvm_domain_devices_stop(d);         /* their timers, as the vCPUs' */
}

static struct vcpu *current_vcpu_of(struct domain *d)
{
    struct vcpu *v = this_cpu_ready() ? this_cpu()->curr : NULL;

    return v && v->domain == d ? v : NULL;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    spin_lock(&d->lock);
    if (d->state != DOMAIN_RUNNING && d->state != DOMAIN_PAUSED) {
        spin_unlock(&d->lock);
        return;
    }
    d->state = DOMAIN_SHUTDOWN;
    d->shutdown_reason = reason;
    spin_unlock(&d->lock);
    printk("(d%u) %s: shutdown: %s\n", d->id, d->name,
           reason < ARRAY_SIZE(shutdown_names) && shutdown_names[reason]
           ? shutdown_names[reason] : "unknown reason");
    stop_vcpus(d);
    domain_reap(d);
}

void domain_crash(struct domain *d, const char *why)
{
    struct vcpu *v = current_vcpu_of(d);

    spin_lock(&d->lock);
    if (d->state != DOMAIN_RUNNING && d->state != DOMAIN_PAUSED &&
        d->state != DOMAIN_CREATED) {
        spin_unlock(&d->lock);
        return;
    }
    d->state = DOMAIN_CRASHED;
    spin_unlock(&d->lock);
    if (v)
        printk_lvl(LOG_ERR, "(d%u) %s: CRASHED: %s (vCPU%u RIP %#lx, exit code %#lx)\n",
                   d->id, d->name, why, v->id, (unsigned long)v->arch.regs.rip,
                   (unsigned long)v->arch.last_exit);
    else
        printk_lvl(LOG_ERR, "(d%u) %s: CRASHED: %s\n", d->id, d->name, why);
    stop_vcpus(d);
    domain_reap(d);
}

static void domain_unlist(struct domain *d, uint8_t action);

void domain_kill(struct domain *d)
{
    bool kept;

    spin_lock(&d->lock);
    if (d->state == DOMAIN_DYING) {
        spin_unlock(&d->lock);
        return;
    }
    d->state = DOMAIN_DYING;
    /* Kept after its end (domain_reap decides that under this lock): its
     * vCPUs are stopped and it was reaped, so only its release is left. */
    kept = d->preserved;
    d->preserved = false;
    spin_unlock(&d->lock);
    if (kept) {
        printk("(d%u) %s: destroyed after being kept\n", d->id, d->name);
        domain_unlist(d, DOMSPEC_DESTROY);
        return;
    }
    stop_vcpus(d);
    domain_reap(d);
}

void domain_print_stats(struct domain *d)
{
    char line[256];
    int n = 0;
    uint64_t total = 0, run = 0;

    if (!d->start_ns) {
        printk("(d%u) %s: never started\n", d->id, d->name);
        return;
    }
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        run += d->vcpus[i]->runtime_ns;
    for (unsigned int r = 0; r < EXIT_NR; r++) {
        uint64_t c = 0;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            c += d->vcpus[i]->arch.exits[r];
        total += c;
        if (c && n < (int)sizeof(line))
            n += snprintf(line + n, sizeof(line) - n, " %s=%lu", exit_names[r], (unsigned long)c);
    }
    printk("(d%u) %s: ran %lu ms (vCPU time %lu ms), %lu exits:%s\n", d->id, d->name,
           (unsigned long)((NOW() - d->start_ns) / 1000000), (unsigned long)(run / 1000000),
           (unsigned long)total, n ? line : " none");
}

static uint8_t final_action(struct domain *d)
{
    if (d->state == DOMAIN_CRASHED)
        return d->on_crash;
    if (d->state == DOMAIN_DYING)
        return DOMSPEC_DESTROY;
    switch (d->shutdown_reason) {
    case SHUTDOWN_poweroff:
        return d->on_poweroff;
    case SHUTDOWN_reboot:
        return d->on_reboot;
    case SHUTDOWN_suspend:
        return DOMSPEC_PRESERVE;
    default:
        return d->on_crash;
    }
}

/* Off the list: the last reference tears d down (domain_final). */
static void domain_unlist(struct domain *d, uint8_t action)
{
    /* Its grant and foreign mappings hold other domains: let go of them
     * now, so that domains mapping each other cannot keep each other alive. */
    gnttab_release_mappings(d);
    foreign_release_mappings(d);

    spin_lock(&domlist_lock);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next) {
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    }
    spin_unlock(&domlist_lock);
    d->final_action = action;
    domain_put(d);          /* the list's reference; the last one tears down */
}

void domain_reap(struct domain *d)
{
    uint8_t action;

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->is_running || d->vcpus[i]->on_runq)
            return;     /* the CPU that lets go of it calls us again */
    if (__atomic_exchange_n(&d->destroy_claimed, true, __ATOMIC_ACQ_REL))
        return;
    domain_get(d);                      /* d stays while we finish, however it ends */
    domain_print_stats(d);
    /*
     * Kept or released, decided under the lock domain_kill takes: a kill
     * either comes first (the domain is dying, so it is released here) or
     * finds it kept (and releases it itself). Never kept and dying.
     */
    spin_lock(&d->lock);
    action = final_action(d);
    if (action == DOMSPEC_PRESERVE)
        d->preserved = true;
    spin_unlock(&d->lock);
    struct domain *hw = d->is_privileged ? NULL : domain_by_id(0);
    if (action == DOMSPEC_PRESERVE)
        printk("(d%u) %s: preserved (on_* = preserve)\n", d->id, d->name);
    else
        domain_unlist(d, action);
    /* The control domain's toolstack hears of every other domain's end,
     * once what it will find is so: kept, or off the list. */
    if (hw && hw->state == DOMAIN_RUNNING)
        evtchn_send_virq_global(hw, VIRQ_DOM_EXC);
    if (action == DOMSPEC_PRESERVE && d->builder && d->builder->settled)
        d->builder->settled();
    domain_put(d);
}

void domain_destroy(struct domain *d)
{
    domain_kill(d);                     /* which releases a kept one */
}

void domain_get(struct domain *d)
{
    __atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
}

void domain_set_builder(struct domain *d, const struct domain_builder *b, void *data)
{
    d->builder = b;
    d->builder_data = data;
}

/* The last reference: free everything, then tell the builder (which may
 * restart it). */
static void domain_final(struct domain *d)
{
    const struct domain_builder *b = d->builder;
    char name[DOMSPEC_NAME_MAX];
    struct domain_exit e = { .id = d->id, .name = name, .action = d->final_action,
                             .crashed = d->state == DOMAIN_CRASHED,
                             .reason = d->shutdown_reason, .data = d->builder_data };
    uint64_t held = d->acct.pages;

    strlcpy(name, d->name, sizeof(name));
    domain_free(d);
    printk("(d%u) %s: destroyed, %lu pages returned, %lu pages free\n", e.id, name,
           (unsigned long)held, (unsigned long)page_alloc_free_pages());
    if (b && b->destroyed)
        b->destroyed(&e);
    /* After any restart was built, so no CPU sees zero domains in between. */
    __atomic_sub_fetch(&domains_alive, 1, __ATOMIC_ACQ_REL);
    if (b && b->settled)
        b->settled();
}

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0)
        domain_final(d);
}

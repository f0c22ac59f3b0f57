/*
 * Debug keys on the hypervisor console: one table maps a key to its
 * handler and its line in the help. Handlers only read state (under the
 * locks that keep it alive) and print; none changes a domain, except
 * 'v', which raises VIRQ_DEBUG (guests print their own event state).
 */
#include <oryx/lib.h>
#include <oryx/domain.h>
#include <oryx/event_channel.h>
#include <oryx/keyhandler.h>
#include <oryx/page_alloc.h>
#include <oryx/vcpu.h>
#include <asm/percpu.h>
#include <asm/time.h>
#include <asm/vcpu.h>
#include <public/xen.h>

struct keyhandler {
    char key;
    void (*fn)(void);
    const char *desc;
};

static void key_help(void);

static const char *domain_state_name(enum domain_state s)
{
    switch (s) {
    case DOMAIN_CREATED:  return "created";
    case DOMAIN_RUNNING:  return "running";
    case DOMAIN_PAUSED:   return "paused";
    case DOMAIN_SHUTDOWN: return "shutdown";
    case DOMAIN_CRASHED:  return "crashed";
    case DOMAIN_DYING:    return "dying";
    default:              return "?";
    }
}

static const char *vcpu_state_name(const struct vcpu *v)
{
    switch (v->state) {
    case VCPU_DOWN:     return "down";
    case VCPU_RUNNABLE: return v->is_running ? "running" : "runnable";
    case VCPU_BLOCKED:  return "blocked";
    default:            return "?";
    }
}

static void dump_exits(const struct domain *d)
{
    char line[256];
    int n = 0;

    for (unsigned int r = 0; r < EXIT_NR; r++) {
        uint64_t c = 0;
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            c += d->vcpus[i] ? d->vcpus[i]->arch.exits[r] : 0;
        if (!c || n >= (int)sizeof(line))
            continue;
        if (exit_names[r])
            n += snprintf(line + n, sizeof(line) - n, " %s=%lu", exit_names[r],
                          (unsigned long)c);
        else
            n += snprintf(line + n, sizeof(line) - n, " exit%u=%lu", r, (unsigned long)c);
    }
    printk("  exits:%s\n", n ? line : " none");
}

/* Runs under domlist_lock: no listed domain can be freed meanwhile. */
static void dump_domain(struct domain *d)
{
    char max[24] = "no limit";

    if (d->acct.max_pages)
        snprintf(max, sizeof(max), "max %lu", (unsigned long)d->acct.max_pages);
    printk("d%u %s: %s, %u vCPU%s, %lu pages (%s), up %lu ms\n", d->id, d->name,
           domain_state_name(d->state), d->nr_vcpus, d->nr_vcpus == 1 ? "" : "s",
           (unsigned long)d->acct.pages, max,
           d->start_ns ? (unsigned long)((NOW() - d->start_ns) / 1000000) : 0ul);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];
        if (!v)
            continue;
        printk("  vCPU%u: %s on CPU%u, RIP %#lx, ran %lu ms\n", v->id, vcpu_state_name(v),
               v->processor, (unsigned long)v->arch.regs.rip,
               (unsigned long)(v->runtime_ns / 1000000));
    }
    dump_exits(d);
}

static void key_domains(void)
{
    unsigned int n = 0;

    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next, n++)
        dump_domain(d);
    spin_unlock(&domlist_lock);
    printk("%u domain%s\n", n, n == 1 ? "" : "s");
}

static void key_evtchn(void)
{
    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next) {
        printk("d%u %s event channels:\n", d->id, d->name);
        evtchn_dump(d);
    }
    spin_unlock(&domlist_lock);
}

static void key_virq_debug(void)
{
    spin_lock(&domlist_lock);
    for (struct domain *d = domain_list; d; d = d->next)
        for (unsigned int i = 0; i < d->nr_vcpus; i++)
            if (d->vcpus[i])
                evtchn_send_virq(d->vcpus[i], VIRQ_DEBUG);
    spin_unlock(&domlist_lock);
    printk("VIRQ_DEBUG raised on every vCPU that bound it\n");
}

static void key_queues(void)
{
    for (unsigned int c = 0; c < nr_cpus; c++) {
        struct per_cpu *pc = cpu_data[c];
        char line[200];
        int n = 0;

        if (!pc || !pc->online)
            continue;
        unsigned long f = spin_lock_irqsave(&pc->runq_lock);
        /* The running vCPU is only alive while it is_running (cleared under
         * this lock, and its domain is reaped only after): copy its ids now,
         * as it may be freed as soon as we let go. */
        struct vcpu *cur = pc->curr;
        bool running = cur && cur->is_running;
        unsigned int cur_dom = running ? cur->domain->id : 0;
        unsigned int cur_id = running ? cur->id : 0;
        for (struct vcpu *v = pc->runq_head; v && n < (int)sizeof(line); v = v->runq_next)
            n += snprintf(line + n, sizeof(line) - n, " d%uv%u", v->domain->id, v->id);
        unsigned int len = pc->runq_len;
        spin_unlock_irqrestore(&pc->runq_lock, f);
        if (running)
            printk("CPU%u: running d%uv%u, %u queued:%s, idle %lu ms\n", c,
                   cur_dom, cur_id, len, n ? line : " -",
                   (unsigned long)(pc->idle_ns / 1000000));
        else
            printk("CPU%u: idle, %u queued:%s, idle %lu ms\n", c, len, n ? line : " -",
                   (unsigned long)(pc->idle_ns / 1000000));
    }
    printk("memory: %lu of %lu pages free (%lu MiB)\n",
           (unsigned long)page_alloc_free_pages(), (unsigned long)page_alloc_total_pages(),
           (unsigned long)(page_alloc_free_pages() >> 8));
    page_alloc_dump();
}

static const struct keyhandler keys[] = {
    { 'h', key_help,       "this list" },
    { 'd', key_domains,    "domains: state, vCPUs (state, RIP), memory, exits" },
    { 'e', key_evtchn,     "event channels of every domain" },
    { 'q', key_queues,     "run queues and free memory" },
    { 'v', key_virq_debug, "raise VIRQ_DEBUG in every domain" },
};

static void key_help(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++)
        printk("  '%c' %s\n", keys[i].key, keys[i].desc);
    printk("  CTRL-a three times: switch input to the next domain's console\n");
}

void keyhandler_handle(char key)
{
    if (key == '\r' || key == '\n' || key == ' ')
        return;
    for (unsigned int i = 0; i < ARRAY_SIZE(keys); i++) {
        if (keys[i].key == key) {
            printk("*** '%c' pressed: %s\n", key, keys[i].desc);
            keys[i].fn();
            return;
        }
    }
    if ((unsigned char)key >= 0x20 && (unsigned char)key < 0x7f)
        printk("*** '%c' is not a debug key; 'h' lists them\n", key);
    else
        printk("*** key %#x is not a debug key; 'h' lists them\n", (unsigned char)key);
}

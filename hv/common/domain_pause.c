/*
 * Pause and unpause (oryx/domain_pause.h). A paused domain is in state
 * DOMAIN_PAUSED: the scheduler queues no vCPU of it and its running ones
 * leave the guest at their next look at the state (an IPI makes that
 * prompt). Shutdown, crash and destroy work from PAUSED as from RUNNING;
 * the last CPU to let go of a stopped domain's vCPU reaps it as always.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/domain_pause.h>
#include <oryx/sched.h>
#include <asm/time.h>

/* How long pause waits for a vCPU to leave a CPU: one that entered the
 * guest just before the IPI leaves at its next exit, at the latest when
 * its CPU's time slice ends. */
#define PAUSE_WAIT_NS MILLISECS(50)

static bool any_running(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i]->is_running)
            return true;
    return false;
}

int domain_pause(struct domain *d)
{
    uint64_t until, kicked;

    spin_lock(&d->lock);
    if (d->state == DOMAIN_PAUSED || d->state == DOMAIN_CREATED) {
        spin_unlock(&d->lock);
        return 0;                       /* not running: nothing to stop */
    }
    if (d->state != DOMAIN_RUNNING) {
        spin_unlock(&d->lock);
        return -EINVAL;
    }
    d->state = DOMAIN_PAUSED;
    spin_unlock(&d->lock);

    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_pause_vcpu(d->vcpus[i]);
    /* Re-kick now and then: an IPI taken just before a VMRUN is lost on
     * the guest. The caller is another domain, so never one of these. */
    until = NOW() + PAUSE_WAIT_NS;
    kicked = NOW();
    while (any_running(d) && NOW() < until) {
        if (NOW() - kicked > MICROSECS(500)) {
            for (unsigned int i = 0; i < d->nr_vcpus; i++)
                if (d->vcpus[i]->is_running)
                    sched_kick(d->vcpus[i]->processor);
            kicked = NOW();
        }
        cpu_relax();
    }
    printk("(d%u) %s: paused%s\n", d->id, d->name,
           any_running(d) ? " (a vCPU is still leaving its CPU)" : "");
    return 0;
}

int domain_unpause(struct domain *d)
{
    spin_lock(&d->lock);
    if (d->state == DOMAIN_RUNNING) {
        spin_unlock(&d->lock);
        return 0;
    }
    if (d->state != DOMAIN_PAUSED) {
        spin_unlock(&d->lock);
        return -EINVAL;
    }
    d->state = DOMAIN_RUNNING;
    spin_unlock(&d->lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        sched_unpause_vcpu(d->vcpus[i]);
    printk("(d%u) %s: unpaused\n", d->id, d->name);
    return 0;
}

/* Per-CPU one-shot software timers driven by the LAPIC timer. */
#ifndef ORYX_TIMER_H
#define ORYX_TIMER_H

#include <oryx/types.h>

struct timer {
    uint64_t expires;               /* ns, NOW() clock */
    void (*fn)(void *data);
    void *data;
    struct timer *next;
    unsigned int cpu;
    bool active;
};

void timer_init(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
void set_timer(struct timer *t, uint64_t expires);
void stop_timer(struct timer *t);
/* stop_timer, then wait until its callback is not running on its CPU:
 * after this, t and its data may be freed (provided nothing arms it
 * again). Not from t's own callback. */
void kill_timer(struct timer *t);
/* Runs the expired timers of this CPU and reprograms the LAPIC. */
void timer_run_expired(void);
/* The LAPIC timer fired since the last timer_run_expired(): check it
 * with interrupts off right before entering a guest, or the expiry (and
 * the next LAPIC deadline) could wait until the guest happens to exit. */
bool timer_softirq_pending(void);
void timer_cpu_init(void);

#endif

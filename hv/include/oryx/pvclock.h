#ifndef ORYX_PVCLOCK_H
#define ORYX_PVCLOCK_H

#include <stdbool.h>

struct vcpu_time_info;
struct domain;

/* Writes a consistent snapshot (version odd, then even). */
void pvclock_fill(struct vcpu_time_info *t);
/* Every vCPU's time area and the wall clock in the domain's shared_info. */
void pvclock_update_domain(struct domain *d);
/* The wall clock (UNIX ns) at system time 0: the CMOS RTC's at boot,
 * then whatever dom0 sets (XENPF_settime), written into every domain. */
void pvclock_set_wallclock(uint64_t unix_ns_at_zero);
uint64_t pvclock_wallclock(void);
/* The guest's mode picks its shared_info layout (d->shinfo_compat); on a
 * change the wall clock is written where that layout has it. */
void pvclock_latch_layout(struct domain *d, bool compat);

#endif

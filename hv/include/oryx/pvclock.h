#ifndef ORYX_PVCLOCK_H
#define ORYX_PVCLOCK_H

struct vcpu_time_info;
struct domain;

/* Writes a consistent snapshot (version odd, then even). */
void pvclock_fill(struct vcpu_time_info *t);
/* Every vCPU's time area in the domain's shared_info. */
void pvclock_update_domain(struct domain *d);

#endif

/*
 * Pausing a running domain for the toolstack (XEN_DOMCTL_pausedomain and
 * _unpausedomain): its vCPUs leave the CPUs and stay off them, keeping
 * their state; timers and events still arrive and stay pending until it
 * is unpaused. Not nested: pausing twice is pausing once.
 */
#ifndef ORYX_DOMAIN_PAUSE_H
#define ORYX_DOMAIN_PAUSE_H

struct domain;

/* 0 (paused now, or already paused or never started), -EINVAL (it has
 * shut down, crashed or is dying). Returns once no vCPU of d is in the
 * guest, or after a bounded wait for one that is slow to leave. */
int domain_pause(struct domain *d);
/* 0 (running again, or it was running), -EINVAL (not paused: never
 * started, shut down, crashed or dying). */
int domain_unpause(struct domain *d);

#endif

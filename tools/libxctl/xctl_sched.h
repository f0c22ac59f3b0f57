/*
 * libxctl: a domain's run state and its vCPUs (domctl pausedomain,
 * unpausedomain, getvcpuinfo). Functions return 0 or -errno.
 */
#ifndef ORYX_XCTL_SCHED_H
#define ORYX_XCTL_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "public/domctl.h"

struct xctl;

/*
 * paused: its vCPUs stop (pausing a paused domain does nothing); else a
 * paused domain runs again, or a domain built paused starts. -EPERM for
 * dom0, -ESRCH none, -EINVAL shut down, crashed (or for unpause: built
 * without an entry point).
 */
int xctl_domain_set_paused(struct xctl *x, uint16_t dom, bool paused);

/* vCPU vcpu of dom: -EINVAL when it has no such vCPU, -ESRCH no domain. */
int xctl_vcpu_info(struct xctl *x, uint16_t dom, uint32_t vcpu,
                   struct oryx_domctl_getvcpuinfo *out);

#endif

/* libxctl (xctl_sched.h): pause, unpause, vCPU information. */
#include <string.h>

#include "xctl.h"
#include "xctl_sched.h"

int xctl_domain_set_paused(struct xctl *x, uint16_t dom, bool paused)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    return xctl_domctl(x, paused ? XEN_DOMCTL_pausedomain : XEN_DOMCTL_unpausedomain, dom, &op);
}

int xctl_vcpu_info(struct xctl *x, uint16_t dom, uint32_t vcpu,
                   struct oryx_domctl_getvcpuinfo *out)
{
    struct oryx_domctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    op.u.getvcpuinfo.vcpu = vcpu;
    rc = xctl_domctl(x, XEN_DOMCTL_getvcpuinfo, dom, &op);
    if (!rc)
        *out = op.u.getvcpuinfo;
    return rc;
}

/* libxctl (xctl_sysctl.h): sysctl and xen_version. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "xctl.h"
#include "xctl_sysctl.h"
#include "public/version.h"

int xctl_sysctl(struct xctl *x, uint32_t cmd, struct oryx_sysctl *op)
{
    op->cmd = cmd;
    op->interface_version = ORYX_SYSCTL_INTERFACE_VERSION;
    return (int)xctl_hypercall(x, __HYPERVISOR_sysctl, (uintptr_t)op, 0, 0, 0, 0);
}

int xctl_physinfo(struct xctl *x, struct oryx_sysctl_physinfo *out)
{
    struct oryx_sysctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    rc = xctl_sysctl(x, XEN_SYSCTL_physinfo, &op);
    if (!rc)
        *out = op.u.physinfo;
    return rc;
}

long xctl_readconsole(struct xctl *x, char *buf, size_t len, uint64_t *index, uint64_t *head,
                      int clear)
{
    struct oryx_sysctl op;
    int rc, locked;

    if (len > UINT32_MAX)
        len = UINT32_MAX;
    /* The hypervisor writes only to present pages: fault them in and keep
     * them there for the call (libxc's locked buffers do the same). */
    memset(buf, 0, len);
    locked = len && !mlock(buf, len);
    memset(&op, 0, sizeof(op));
    op.u.readconsole.buffer = (uintptr_t)buf;
    op.u.readconsole.count = (uint32_t)len;
    op.u.readconsole.flags = clear ? ORYX_READCONSOLE_clear : 0;
    op.u.readconsole.index = *index;
    rc = xctl_sysctl(x, XEN_SYSCTL_readconsole, &op);
    if (locked)
        munlock(buf, len);
    if (rc)
        return rc;
    *index = op.u.readconsole.index;
    if (head)
        *head = op.u.readconsole.head;
    return op.u.readconsole.count;
}

int xctl_debug_keys(struct xctl *x, const char *keys, size_t n)
{
    struct oryx_sysctl op;

    if (n > ORYX_DEBUG_KEYS_MAX)
        return -EINVAL;
    memset(&op, 0, sizeof(op));
    op.u.debug_keys.keys = (uintptr_t)keys;
    op.u.debug_keys.nr_keys = (uint32_t)n;
    return xctl_sysctl(x, XEN_SYSCTL_debug_keys, &op);
}

/* One string answer into out (left empty when refused). */
static void version_string(struct xctl *x, unsigned int cmd, char *out, size_t len)
{
    memset(out, 0, len);
    if (xctl_hypercall(x, __HYPERVISOR_xen_version, cmd, (uintptr_t)out, 0, 0, 0) < 0)
        out[0] = 0;
    out[len - 1] = 0;
}

int xctl_version(struct xctl *x, struct xctl_version *out)
{
    struct xen_compile_info ci;
    long v;

    memset(out, 0, sizeof(*out));
    v = xctl_hypercall(x, __HYPERVISOR_xen_version, XENVER_version, 0, 0, 0, 0);
    if (v < 0)
        return (int)v;
    out->major = (unsigned int)(v >> 16);
    out->minor = (unsigned int)(v & 0xFFFF);
    version_string(x, XENVER_extraversion, out->extra, sizeof(out->extra));
    version_string(x, XENVER_capabilities, out->caps, sizeof(out->caps));
    version_string(x, XENVER_changeset, out->changeset, sizeof(out->changeset));
    version_string(x, XENVER_commandline, out->commandline, sizeof(out->commandline));
    memset(&ci, 0, sizeof(ci));
    if (xctl_hypercall(x, __HYPERVISOR_xen_version, XENVER_compile_info, (uintptr_t)&ci, 0, 0,
                       0) == 0) {
        memcpy(out->compiler, ci.compiler, sizeof(ci.compiler));
        memcpy(out->compile_by, ci.compile_by, sizeof(ci.compile_by));
        memcpy(out->compile_domain, ci.compile_domain, sizeof(ci.compile_domain));
        memcpy(out->compile_date, ci.compile_date, sizeof(ci.compile_date));
        out->compiler[sizeof(out->compiler) - 1] = 0;
        out->compile_by[sizeof(out->compile_by) - 1] = 0;
        out->compile_domain[sizeof(out->compile_domain) - 1] = 0;
        out->compile_date[sizeof(out->compile_date) - 1] = 0;
    }
    v = xctl_hypercall(x, __HYPERVISOR_xen_version, XENVER_pagesize, 0, 0, 0, 0);
    out->pagesize = v > 0 ? (unsigned long)v : 4096;
    return 0;
}

/* libxctl (xctl.h): privcmd hypercalls and domctl. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xctl.h"
#include "public/event_channel.h"
#include "public/grant_table.h"
#include "public/hvm/hvm_op.h"
#include "public/memory.h"

#define HYPERVISOR_domctl 36

/* Linux's privcmd (include/uapi/xen/privcmd.h). */
struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL 0x00305000UL   /* _IOC(NONE, 'P', 0, 48) */
_Static_assert(sizeof(struct privcmd_hypercall) == 48, "privcmd_hypercall");

/* privcmd's MMAP_RESOURCE: acquire_resource into a privcmd mapping. */
struct privcmd_mmap_resource {
    uint16_t dom, pad;
    uint32_t type, id, idx;
    uint64_t num, addr;
};
#define IOCTL_PRIVCMD_MMAP_RESOURCE 0x00205007UL   /* _IOC(NONE, 'P', 7, 32) */
_Static_assert(sizeof(struct privcmd_mmap_resource) == 32, "privcmd_mmap_resource");

/* privcmd's MMAPBATCH_V2: foreign frames into a privcmd mapping. */
struct privcmd_mmapbatch_v2 {
    uint32_t num;
    uint16_t dom, pad;
    uint64_t addr, arr, err;
};
#define IOCTL_PRIVCMD_MMAPBATCH_V2 0x00205004UL  /* _IOC(NONE, 'P', 4, 32) */
_Static_assert(sizeof(struct privcmd_mmapbatch_v2) == 32, "privcmd_mmapbatch_v2");

struct xctl {
    int fd;
};

struct xctl *xctl_open(void)
{
    const char *path = getenv("ORYX_PRIVCMD");
    struct xctl *x = calloc(1, sizeof(*x));

    if (!x)
        return NULL;
    x->fd = open(path && *path ? path : "/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (x->fd < 0) {
        int e = errno;
        free(x);
        errno = e;
        return NULL;
    }
    return x;
}

int xctl_privcmd_fd(struct xctl *x)
{
    return x->fd;
}

void xctl_close(struct xctl *x)
{
    if (x) {
        close(x->fd);
        free(x);
    }
}

long xctl_hypercall(struct xctl *x, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
                    uint64_t a3, uint64_t a4)
{
    struct privcmd_hypercall h = { nr, { a0, a1, a2, a3, a4 } };
    long rc = ioctl(x->fd, IOCTL_PRIVCMD_HYPERCALL, &h);

    return rc < 0 ? -errno : rc;
}

int xctl_domctl(struct xctl *x, uint32_t cmd, uint16_t domain, struct oryx_domctl *op)
{
    op->cmd = cmd;
    op->interface_version = ORYX_DOMCTL_INTERFACE_VERSION;
    op->domain = domain;
    return (int)xctl_hypercall(x, HYPERVISOR_domctl, (uintptr_t)op, 0, 0, 0, 0);
}

int xctl_domain_list(struct xctl *x, struct oryx_domctl_getdomaininfo **out)
{
    struct oryx_domctl_getdomaininfo *list = NULL;
    size_t n = 0, cap = 0;
    unsigned int next = 0;

    while (next < DOMID_FIRST_RESERVED) {
        struct oryx_domctl op;
        int rc;

        memset(&op, 0, sizeof(op));
        rc = xctl_domctl(x, XEN_DOMCTL_getdomaininfo, (uint16_t)next, &op);
        if (rc == -ESRCH)
            break;                      /* none at or above next */
        if (rc) {
            free(list);
            return rc;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            void *grown = realloc(list, cap * sizeof(*list));
            if (!grown) {
                free(list);
                return -ENOMEM;
            }
            list = grown;
        }
        list[n++] = op.u.getdomaininfo;
        next = (unsigned int)op.domain + 1;
    }
    *out = list;
    return (int)n;
}

int xctl_domain_info(struct xctl *x, uint16_t dom, struct oryx_domctl_getdomaininfo *out)
{
    struct oryx_domctl op;
    int rc;

    memset(&op, 0, sizeof(op));
    rc = xctl_domctl(x, XEN_DOMCTL_getdomaininfo, dom, &op);
    if (rc)
        return rc;
    if (op.domain != dom)
        return -ESRCH;
    *out = op.u.getdomaininfo;
    return 0;
}

int xctl_domain_destroy(struct xctl *x, uint16_t dom)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    return xctl_domctl(x, XEN_DOMCTL_destroydomain, dom, &op);
}

int xctl_domain_lookup(struct xctl *x, const char *name_or_id, uint16_t *dom)
{
    struct oryx_domctl_getdomaininfo *list, info;
    char *end;
    int n, found = -ESRCH;

    if (!*name_or_id)
        return -EINVAL;
    if (name_or_id[0] >= '0' && name_or_id[0] <= '9') {
        unsigned long id = strtoul(name_or_id, &end, 10);
        if (*end || id >= DOMID_FIRST_RESERVED)
            return -EINVAL;
        if (xctl_domain_info(x, (uint16_t)id, &info))
            return -ESRCH;
        *dom = (uint16_t)id;
        return 0;
    }
    n = xctl_domain_list(x, &list);
    if (n < 0)
        return n;
    for (int i = 0; i < n && found; i++)
        if (!strncmp(list[i].name, name_or_id, sizeof(list[i].name)) &&
            !(list[i].flags & ORYX_DOMINF_dying)) {
            *dom = list[i].domain;
            found = 0;
        }
    free(list);
    return found;
}

void *xctl_map_foreign(struct xctl *x, uint16_t dom, uint64_t gfn0, size_t n, int prot,
                       int *errs)
{
    uint64_t *gfns = malloc(n * sizeof(*gfns));
    void *base;

    if (!gfns || n > UINT32_MAX) {
        free(gfns);
        errno = ENOMEM;
        return MAP_FAILED;
    }
    base = mmap(NULL, n * 4096, prot, MAP_SHARED, x->fd, 0);
    if (base != MAP_FAILED) {
        struct privcmd_mmapbatch_v2 b = { .num = (uint32_t)n, .dom = dom,
                                          .addr = (uintptr_t)base, .arr = (uintptr_t)gfns,
                                          .err = (uintptr_t)errs };
        for (size_t i = 0; i < n; i++)
            gfns[i] = gfn0 + i;
        memset(errs, 0, n * sizeof(*errs));
        /* A whole-call failure with per-page errors filled in (ENOENT)
         * still leaves the pages that did map usable. */
        if (ioctl(x->fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b) && errno != ENOENT) {
            int e = errno;
            munmap(base, n * 4096);
            base = MAP_FAILED;
            errno = e;
        }
    }
    free(gfns);
    return base;
}

const char *xctl_lib_dir(void)
{
    const char *dir = getenv("ORYX_LIB_DIR");

    return dir && *dir ? dir : "/var/lib/oryx";
}

int xctl_domain_rename(struct xctl *x, uint16_t dom, const char *name)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    if (strlen(name) >= sizeof(op.u.setdomainname.name))
        return -EINVAL;
    strcpy(op.u.setdomainname.name, name);
    return xctl_domctl(x, ORYX_DOMCTL_setdomainname, dom, &op);
}

int xctl_domain_unpause(struct xctl *x, uint16_t dom)
{
    struct oryx_domctl op;

    memset(&op, 0, sizeof(op));
    return xctl_domctl(x, XEN_DOMCTL_unpausedomain, dom, &op);
}

int xctl_evtchn_alloc_unbound(struct xctl *x, uint16_t dom, uint16_t remote)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = remote };
    long rc = xctl_hypercall(x, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound,
                             (uintptr_t)&a, 0, 0, 0);

    return rc ? (int)rc : (int)a.port;
}

int xctl_hvm_param_set(struct xctl *x, uint16_t dom, uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index, .value = value };

    return (int)xctl_hypercall(x, __HYPERVISOR_hvm_op, HVMOP_set_param, (uintptr_t)&p, 0, 0, 0);
}

int xctl_hvm_param_get(struct xctl *x, uint16_t dom, uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = dom, .index = index };
    int rc = (int)xctl_hypercall(x, __HYPERVISOR_hvm_op, HVMOP_get_param, (uintptr_t)&p, 0, 0,
                                 0);

    if (!rc)
        *value = p.value;
    return rc;
}

int xctl_grant_seed(struct xctl *x, uint16_t dom, uint16_t to, const uint32_t *ref,
                    const uint64_t *frame, unsigned int n)
{
    const unsigned int per_frame = 4096 / sizeof(struct grant_entry_v1);
    void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, x->fd, 0);
    struct privcmd_mmap_resource r = { .dom = dom, .type = XENMEM_resource_grant_table,
                                       .id = 0, .idx = 0, .num = 1 };
    int rc = 0;

    if (page == MAP_FAILED)
        return -errno;
    r.addr = (uintptr_t)page;
    if (ioctl(x->fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r)) {
        rc = -errno;
        goto out;
    }
    for (unsigned int i = 0; i < n; i++) {
        struct grant_entry_v1 *e = (struct grant_entry_v1 *)page + ref[i];
        if (ref[i] >= per_frame || frame[i] > UINT32_MAX) {
            rc = -EINVAL;
            break;
        }
        e->domid = to;
        e->frame = (uint32_t)frame[i];
        __atomic_store_n(&e->flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
    }
out:
    munmap(page, 4096);
    return rc;
}

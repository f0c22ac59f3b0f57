/*
 * Guest memory access (asm/guest_access.h): guest-physical through the
 * domain's p2m, guest-virtual through the vCPU's page tables with the
 * walker in guest_walk.c.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <asm/guest_walk.h>
#include <asm/hvm.h>
#include <asm/npt.h>
#include <asm/page.h>

static unsigned int guest_maxphyaddr;   /* physical-address width, for the walker */

void guest_access_init(unsigned int maxphyaddr)
{
    guest_maxphyaddr = maxphyaddr;
}

unsigned int guest_paddr_bits(void)
{
    return guest_maxphyaddr;
}

/* Translate one guest frame of RAM (or a mapped hypervisor page). A write
 * needs the p2m's write permission: a read-only grant mapping stays so. */
static void *gpa_to_ptr(struct domain *d, gpaddr_t gpa, bool write)
{
    paddr_t hpa;
    unsigned int perms, order;

    if (p2m_query(&d->p2m, gpa & PAGE_MASK, &hpa, &perms, &order))
        return NULL;
    if (write && !(perms & P2M_W))
        return NULL;
    return (uint8_t *)__va(hpa) + (gpa & (PAGE_SIZE - 1));
}

static int gpa_copy(struct domain *d, gpaddr_t gpa, void *buf, const void *src, size_t len)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        uint8_t *p = gpa_to_ptr(d, gpa, !buf);

        if (!p)
            return -EFAULT;
        if (buf) {
            memcpy(buf, p, chunk);
            buf = (uint8_t *)buf + chunk;
        } else if (src) {
            memcpy(p, src, chunk);
            src = (const uint8_t *)src + chunk;
        } else
            memset(p, 0, chunk);
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_gpa(struct domain *d, void *dst, gpaddr_t gpa, size_t len)
{
    return gpa_copy(d, gpa, dst, NULL, len);
}

int copy_to_gpa(struct domain *d, gpaddr_t gpa, const void *src, size_t len)
{
    return gpa_copy(d, gpa, NULL, src, len);
}

int zero_gpa(struct domain *d, gpaddr_t gpa, size_t len)
{
    return gpa_copy(d, gpa, NULL, NULL, len);
}

/* The page walker reads and sets A/D bits through the p2m. */
static int walk_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    return copy_from_gpa(opaque, buf, gpa, len);
}

static int walk_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    return copy_to_gpa(opaque, gpa, buf, len);
}

/* Not a walker bit: an implicit supervisor access (a descriptor table
 * read by the CPU itself), whatever the CPL. */
#define GA_SYSTEM (1u << 31)

static int translate(struct vcpu *v, gvaddr_t gva, unsigned int access, gpaddr_t *gpa,
                     uint32_t *pfec)
{
    struct guest_paging pg = { 0 };
    struct guest_mem_ops ops = { walk_read, walk_write, v->domain };

    hvm->get_paging(v, &pg);
    pg.maxphyaddr = guest_maxphyaddr;
    if (!(access & GA_SYSTEM) && hvm->cpl(v) == 3)
        access |= GW_USER;
    return guest_walk(&pg, &ops, gva, access & ~GA_SYSTEM, gpa, pfec);
}

int guest_translate(struct vcpu *v, gvaddr_t gva, unsigned int access, gpaddr_t *gpa,
                    uint32_t *pfec)
{
    return translate(v, gva, access & ~GA_SYSTEM, gpa, pfec);
}

static int guest_copy(struct vcpu *v, gvaddr_t gva, void *buf, size_t len,
                      bool write, unsigned int access)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
        gpaddr_t gpa;
        uint32_t pfec;
        int rc = translate(v, gva, access | (write ? GW_WRITE : 0), &gpa, &pfec);

        if (rc)
            return -EFAULT;
        rc = write ? copy_to_gpa(v->domain, gpa, buf, chunk)
                   : copy_from_gpa(v->domain, buf, gpa, chunk);
        if (rc)
            return -EFAULT;
        gva += chunk;
        buf = (uint8_t *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    return guest_copy(v, gva, dst, len, false, 0);
}

int copy_from_guest_system(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    return guest_copy(v, gva, dst, len, false, GA_SYSTEM);
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    return guest_copy(v, gva, (void *)src, len, true, 0);
}

size_t fetch_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    size_t got = 0;

    while (got < len) {
        size_t chunk = MIN(len - got, PAGE_SIZE - ((gva + got) & (PAGE_SIZE - 1)));
        if (guest_copy(v, gva + got, (uint8_t *)dst + got, chunk, false, GW_FETCH))
            break;
        got += chunk;
    }
    return got;
}

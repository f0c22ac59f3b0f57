/*
 * balloon: the domain gives RAM back and takes it again (memory_op
 * reservations), as Linux's balloon driver does.
 *   - current_reservation / maximum_reservation of itself agree with its
 *     mem= size; another domain's id gives -EPERM (only dom0 may name one);
 *   - decrease_reservation of N pages that hold a pattern: N done, the
 *     reservation drops by N, and the hypervisor sees holes there (a
 *     hypercall reading them gives -EFAULT, as for unbacked memory);
 *   - populate_physmap of them: N done, they read zero, the reservation is
 *     back; populating present pages or pages outside its RAM does nothing
 *     (a domain never grows beyond what it was built with);
 *   - decrease of a gfn that is not RAM, of one beyond 48 bits, a list
 *     that cannot be read: 0 done; a bad argument pointer: -EFAULT;
 *     orders above 9: 0; a huge nr_extents: at most 1024 per call, the
 *     rest on the next call;
 *   - the page holding its registered vcpu_info cannot be given back.
 * Option mem=<size> (its domain's mem=) checks the reservation against it.
 * Expected: PASS. With `touch` on the command line it then reads a page
 * it gave back, and the hypervisor must crash it as for any hole
 * ("access to unmapped guest-physical").
 */
#include "guest.h"

const char test_name[] = "balloon";

#define BASE_GFN   0x800UL          /* 8 MiB: far above the image and stack */
#define N          16u
#define MANY       1030u            /* more than one call's 1024 */
#define HOLE_GFN   0xF0000UL        /* 3.75 GiB: no RAM there */
#define BAD_PTR    0xF0000000UL     /* mapped (or paging off), unbacked */

static xen_pfn_t list[MANY];

static long reservation(unsigned int cmd, domid_t dom, void *extents, unsigned long n,
                        unsigned int order)
{
    struct xen_memory_reservation r;

    memset(&r, 0, sizeof(r));
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)extents);
    r.nr_extents = n;
    r.extent_order = order;
    r.domid = dom;
    return HYPERVISOR_memory_op(cmd, &r);
}

static long query(unsigned int cmd, domid_t dom)
{
    return HYPERVISOR_memory_op(cmd, &dom);
}

static volatile uint8_t *page(unsigned long gfn)
{
    return (volatile uint8_t *)(gfn << 12);
}

static uint8_t pattern(unsigned long gfn, unsigned int i)
{
    return (uint8_t)(gfn * 31 + i * 7 + 1);
}

static void check_ids(long cur)
{
    unsigned int self = 0;

    /* Exactly one small id is ours; every other one is refused. */
    for (domid_t id = 0; id < 12; id++) {
        long rc = query(XENMEM_current_reservation, id);
        if (rc == cur)
            self++;
        else if (rc != -EPERM)
            guest_fail("current_reservation(d%u) = %ld, expected -EPERM", id, rc);
    }
    if (self != 1)
        guest_fail("current_reservation answered for %u ids, expected 1 (ours)", self);
    CHECK_RC(query(XENMEM_maximum_reservation, 0x7FEF), -EPERM);
    list[0] = BASE_GFN;
    CHECK_RC(reservation(XENMEM_decrease_reservation, 0x7FEF, list, 1, 0), -EPERM);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_IO, list, 1, 0), -EPERM);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);
}

static void out_and_in(long cur)
{
    unsigned int i, j;

    for (i = 0; i < N; i++) {
        list[i] = BASE_GFN + 3 * i;             /* spread over two 2 MiB blocks */
        for (j = 0; j < 4096; j++)
            page(list[i])[j] = pattern(list[i], j);
    }
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, N, 0), N);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur - N);
    printf("gave back %u pages: reservation %ld\n", N, cur - N);
    /* Holes now: the hypervisor cannot read them. */
    for (i = 0; i < N; i++)
        CHECK_RC(HYPERVISOR_console_io(CONSOLEIO_write, 8, (unsigned long)page(list[i])),
                 -EFAULT);
    /* Twice: nothing left to give. */
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, N, 0), 0);
    /* increase_reservation gives a translated guest nothing. */
    CHECK_RC(reservation(XENMEM_increase_reservation, DOMID_SELF, list, N, 0), 0);

    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, N, 0), N);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);
    for (i = 0; i < N; i++)
        for (j = 0; j < 4096; j++)
            if (page(list[i])[j])
                guest_fail("page %#lx byte %u reads %#x after populate, expected 0",
                           (unsigned long)list[i], j, page(list[i])[j]);
    printf("took them back: zeroed, reservation %ld\n", cur);
    /* Not beyond what it was built with: present pages, pages outside. */
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, N, 0), 0);
    list[0] = (unsigned long)cur + 0x1000;      /* above its RAM */
    list[1] = HOLE_GFN;
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, 2, 0), 0);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, &list[1], 1, 0), 0);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);
}

static void garbage(long cur)
{
    unsigned int i;

    list[0] = HOLE_GFN;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 0);
    list[0] = BASE_GFN;                         /* RAM, but ... */
    list[1] = HOLE_GFN;                         /* ... the second stops the call */
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 2, 0), 1);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, 1, 0), 1);
#if defined(__x86_64__)
    list[0] = 1UL << 40;                        /* beyond 48-bit addresses */
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 0);
    list[0] = ~0UL;
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, 1, 0), 0);
#endif
    /* A bad argument: -EFAULT; a bad list: nothing done. */
    CHECK_RC(HYPERVISOR_memory_op(XENMEM_decrease_reservation, BAD_PTR), -EFAULT);
    CHECK_RC(HYPERVISOR_memory_op(XENMEM_current_reservation, BAD_PTR), -EFAULT);
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, (void *)BAD_PTR, 4, 0), 0);
    /* Orders above 9 do nothing; a misaligned extent neither. */
    list[0] = 0;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 18), 0);
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 10), 0);
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0xFFFFFFFFu), 0);
    list[0] = BASE_GFN + 1;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 1), 0);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);

    /* A huge count: one call does 1024, the caller goes on from there. */
    for (i = 0; i < MANY; i++)
        list[i] = BASE_GFN + i;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, ~0UL, 0), 1024);
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, &list[1024], MANY - 1024, 0),
             MANY - 1024);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur - MANY);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, MANY, 0), 1024);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, &list[1024], ~0UL, 0),
             MANY - 1024);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);
    /* A whole 2 MiB extent (order 9), and back. */
    list[0] = BASE_GFN + 512;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 9), 1);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur - 512);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, 1, 9), 1);
    CHECK_RC(query(XENMEM_current_reservation, DOMID_SELF), cur);
}

/* A page the hypervisor writes into (vCPU 0's vcpu_info) cannot go. */
static void check_vcpu_info(void)
{
    struct vcpu_register_vcpu_info r;
    unsigned long gfn = BASE_GFN - 16;

    memset(&r, 0, sizeof(r));
    r.mfn = gfn;
    r.offset = 64;
    CHECK_RC(HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), 0);
    list[0] = gfn;
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 0);
    list[0] = gfn + 1;                          /* its neighbour may */
    CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 1);
    CHECK_RC(reservation(XENMEM_populate_physmap, DOMID_SELF, list, 1, 0), 1);
}

void test_main(void)
{
    long cur = query(XENMEM_current_reservation, DOMID_SELF);
    long max = query(XENMEM_maximum_reservation, DOMID_SELF);
    uint64_t mem = cmdline_u64("mem", 0);

    printf("reservation %ld pages, maximum %ld\n", cur, max);
    if (cur <= 0 || max != cur)
        guest_fail("current %ld, maximum %ld: expected equal and positive", cur, max);
    if (mem && (uint64_t)cur != mem >> 12)
        guest_fail("current %ld pages, but mem=%lu KiB", cur, (unsigned long)(mem >> 10));
    check_ids(cur);
    out_and_in(cur);
    garbage(cur);
    check_vcpu_info();
    if (cmdline_has("touch")) {
        list[0] = BASE_GFN;
        CHECK_RC(reservation(XENMEM_decrease_reservation, DOMID_SELF, list, 1, 0), 1);
        printf("touching a page given back\n");
        (void)page(BASE_GFN)[0];
        guest_fail("read a page it gave back");
    }
}

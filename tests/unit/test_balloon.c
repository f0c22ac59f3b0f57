/*
 * Host tests of ballooning (hv/common/balloon.c, domain_ram.c): pages go
 * out and come back with the accounts right, referenced pages stay, absent
 * pages are invisible, teardown returns everything, and garbage arguments
 * get errors. The "guest" is this process: a GVA is a host pointer, except
 * the first page, which faults. Domains are built by the real
 * domain_alloc_memory (a domU) or by hand as dom0 is (1:1, part of its RAM
 * held from boot).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include "unit.h"
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/page_alloc.h>
#include <oryx/xmalloc.h>
#include <oryx/balloon.h>
#include <asm/npt.h>
#include <public/memory.h>
#include <public/xen.h>

#define ARENA_SIZE MiB(64)
#define HELD_OFF   MiB(48)          /* [48, 52) MiB: dom0's boot RAM, never added */
#define FAULT_LIMIT 4096u

static uint8_t *arena;

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    (void)v;
    if (gva < FAULT_LIMIT)
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    (void)v;
    if (gva < FAULT_LIMIT)
        return -EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

struct domain *domain_list;
spinlock_t domlist_lock = SPINLOCK_INIT;
static unsigned int flushes;

void domain_flush_tlb(struct domain *d)
{
    (void)d;
    flushes++;
}

void domain_get(struct domain *d)
{
    __atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
}

void domain_put(struct domain *d)
{
    __atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
}

static struct domain du, d0;
static struct vcpu vu, v0;
static uint64_t free0;

static void list_add(struct domain *d)
{
    d->next = domain_list;
    domain_list = d;
}

/* A domU of `mb` MiB, id 3, built as boot domains are. */
static void mk_domu(unsigned int mb)
{
    memset(&du, 0, sizeof(du));
    memset(&vu, 0, sizeof(vu));
    du.id = 3;
    du.refs = 1;
    du.state = DOMAIN_RUNNING;
    du.acct.name = "du";
    du.mem_bytes = MiB(mb);
    spin_lock_init(&du.ram_lock);
    CHECK_EQ(p2m_init(&du.p2m, &du.acct), 0);
    CHECK_EQ(domain_alloc_memory(&du), 0);
    vu.domain = &du;
    list_add(&du);
}

/*
 * Dom0: 1:1, 6 MiB held from boot at HELD_OFF (never the allocator's) and
 * a 2 MiB block from the allocator.
 */
static paddr_t d0_block;

static void mk_dom0(void)
{
    paddr_t held = (paddr_t)(uintptr_t)(arena + HELD_OFF);

    memset(&d0, 0, sizeof(d0));
    memset(&v0, 0, sizeof(v0));
    d0.id = 0;
    d0.is_privileged = true;
    d0.refs = 1;
    d0.state = DOMAIN_RUNNING;
    d0.acct.name = "d0";
    spin_lock_init(&d0.ram_lock);
    CHECK_EQ(p2m_init(&d0.p2m, &d0.acct), 0);
    d0.extents = xzalloc(sizeof(*d0.extents) * 3);
    /* One boot range of 6 MiB: two extents, as dom0_build splits it. */
    d0.extents[0] = (struct mem_extent){ .hpa = held, .gpa = held, .order = 10, .held = true };
    d0.extents[1] = (struct mem_extent){ .hpa = held + MiB(4), .gpa = held + MiB(4),
                                         .order = 9, .held = true };
    d0.held_pages = 1536;
    d0.acct.pages += 1536;
    d0_block = page_alloc(9, &d0.acct);
    CHECK(d0_block != 0);
    d0.extents[2] = (struct mem_extent){ .hpa = d0_block, .gpa = d0_block, .order = 9 };
    d0.nr_extents = 3;
    CHECK_EQ(p2m_map(&d0.p2m, held, held, MiB(6), P2M_PERMS), 0);
    CHECK_EQ(p2m_map(&d0.p2m, d0_block, d0_block, MiB(2), P2M_PERMS), 0);
    v0.domain = &d0;
    list_add(&d0);
}

static void setup(void)
{
    page_alloc_init();
    xmalloc_init();
    page_alloc_add_range((paddr_t)(uintptr_t)arena, (paddr_t)(uintptr_t)(arena + HELD_OFF));
    free0 = page_alloc_free_pages();
    domain_list = NULL;
    flushes = 0;
}

/* As domain_free: the p2m, then the RAM; the account must be empty. */
static void free_dom(struct domain *d)
{
    p2m_destroy(&d->p2m);
    domain_ram_free(d);
    CHECK_EQ(d->acct.pages, 0);         /* "pages still charged after teardown" */
    CHECK_EQ(d->held_pages, 0);
}

static void teardown(void)
{
    CHECK_EQ(xmalloc_pages(), 0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
    CHECK_EQ(xmalloc_misuse_count(), 0);
}

static long reservation(struct vcpu *v, unsigned int cmd, domid_t dom, const uint64_t *gfns,
                        uint64_t n, unsigned int order)
{
    struct xen_memory_reservation r = { .nr_extents = n, .extent_order = order, .domid = dom };
    struct hcall_args a = { .a = { cmd, (uint64_t)(uintptr_t)&r }, .is64 = true };

    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(uintptr_t)gfns);
    return balloon_reservation(v, cmd, &a);
}

static long query(struct vcpu *v, unsigned int cmd, domid_t dom)
{
    struct hcall_args a = { .a = { cmd, (uint64_t)(uintptr_t)&dom }, .is64 = true };

    return balloon_query(v, cmd, &a);
}

static uint8_t *gva_of(struct domain *d, uint64_t gfn)
{
    paddr_t hpa;

    if (p2m_query(&d->p2m, gfn << PAGE_SHIFT, &hpa, NULL, NULL))
        return NULL;
    return (uint8_t *)(uintptr_t)hpa;
}

static bool all_zero(const uint8_t *p)
{
    for (size_t i = 0; i < PAGE_SIZE; i++)
        if (p[i])
            return false;
    return true;
}

/* A domU gives pages back and takes them again. */
static void test_out_and_in(void)
{
    uint64_t gfns[] = { 5, 6, 700 }, pages, acct;
    paddr_t hpa;

    setup();
    mk_domu(8);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2048);
    CHECK_EQ(query(&vu, XENMEM_maximum_reservation, 3), 2048);
    for (unsigned int i = 0; i < 3; i++)
        memset(gva_of(&du, gfns[i]), 0xA5, PAGE_SIZE);
    uint64_t f = page_alloc_free_pages(), t = du.p2m.table_pages, x = xmalloc_pages();
    pages = du.acct.pages;
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, gfns, 3, 0), 3);
    CHECK(flushes >= 1);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2045);
    CHECK_EQ(query(&vu, XENMEM_maximum_reservation, DOMID_SELF), 2048);
    /* Three pages back; the 2 MiB leaves split took table pages (charged
     * to the domain) and the absent bitmaps heap pages. */
    CHECK_EQ(du.p2m.table_pages, t + 2);
    CHECK_EQ(page_alloc_free_pages(), f + 3 - 2 - (xmalloc_pages() - x));
    acct = du.acct.pages;
    CHECK_EQ(acct, pages - 3 + 2);
    /* Gone: not RAM, no host address, no reference, not mapped. */
    for (unsigned int i = 0; i < 3; i++) {
        CHECK(!domain_gfn_is_ram(&du, gfns[i]));
        CHECK(!domain_ram_hpa(&du, gfns[i], &hpa));
        CHECK_EQ(domain_ram_get(&du, gfns[i], &hpa), -EINVAL);
        CHECK_EQ(domain_remap_ram(&du, gfns[i] << PAGE_SHIFT), -ENOENT);
        CHECK(gva_of(&du, gfns[i]) == NULL);
    }
    CHECK(domain_gfn_is_ram(&du, 4) && domain_gfn_is_ram(&du, 7));
    /* Twice: nothing to give. */
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, gfns, 3, 0), 0);
    /* Back, zeroed. */
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, gfns, 3, 0), 3);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2048);
    CHECK_EQ(du.acct.pages, acct + 3);
    for (unsigned int i = 0; i < 3; i++) {
        CHECK(gva_of(&du, gfns[i]) != NULL && all_zero(gva_of(&du, gfns[i])));
        CHECK(domain_gfn_is_ram(&du, gfns[i]));
    }
    /* Present already, beyond its RAM, beyond 48 bits: refused. */
    uint64_t bad[] = { 5, 2048, 1ULL << 40, ~0ULL };
    for (unsigned int i = 0; i < 4; i++)
        CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, &bad[i], 1, 0), 0);
    for (unsigned int i = 1; i < 4; i++)
        CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &bad[i], 1, 0), 0);
    /* increase_reservation: nothing for a translated guest. */
    CHECK_EQ(reservation(&vu, XENMEM_increase_reservation, DOMID_SELF, gfns, 3, 0), 0);
    CHECK_EQ(du.acct.pages, acct + 3);
    /* A page out and back at its own frame splits its 2 MiB block; the
     * whole extent (order 9) can still go, and come back. */
    uint64_t one = 1300, big = 1024;
    paddr_t own = du.extents[2].hpa + (276 << PAGE_SHIFT);
    CHECK_EQ(du.extents[2].gpa, MiB(4));
    CHECK(du.extents[2].moved == NULL);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &one, 1, 0), 1);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, &one, 1, 0), 1);
    CHECK_EQ((paddr_t)(uintptr_t)gva_of(&du, one), own);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &big, 1, 9), 1);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2048 - 512);
    CHECK_EQ(page_alloc_misuse_count(), 0);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, &big, 1, 9), 1);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2048);
    free_dom(&du);
    CHECK_EQ(page_alloc_free_pages(), free0);
    teardown();
}

/* A page another domain holds a reference on stays. */
static void test_referenced(void)
{
    uint64_t gfns[] = { 8, 9, 10 };
    paddr_t hpa;

    setup();
    mk_domu(4);
    CHECK_EQ(domain_ram_get(&du, 9, &hpa), 0);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, gfns, 3, 0), 1);
    CHECK(domain_gfn_is_ram(&du, 9) && !domain_gfn_is_ram(&du, 8));
    /* An order-1 extent holding it is refused whole. */
    uint64_t pair = 10;
    CHECK_EQ(domain_ram_get(&du, 11, &hpa), 0);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &pair, 1, 1), 0);
    CHECK(domain_gfn_is_ram(&du, 10));
    domain_ram_put(&du, 11);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &pair, 1, 1), 1);
    domain_ram_put(&du, 9);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &gfns[1], 1, 0), 1);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 1024 - 4);
    /* Something mapped over a RAM page (shared_info does this) keeps it. */
    paddr_t other = page_alloc(0, NULL);
    uint64_t g = 20;
    CHECK_EQ(p2m_map(&du.p2m, g << PAGE_SHIFT, other, PAGE_SIZE, P2M_R | P2M_W), 0);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &g, 1, 0), 0);
    /* ... and a mapping placed in a hole blocks refilling it. */
    CHECK_EQ(p2m_map(&du.p2m, 8 << PAGE_SHIFT, other, PAGE_SIZE, P2M_R | P2M_W), 0);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, gfns, 1, 0), 0);
    CHECK_EQ(p2m_unmap(&du.p2m, 8 << PAGE_SHIFT, PAGE_SIZE), 0);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, gfns, 1, 0), 1);
    page_free(other, 0, NULL);
    free_dom(&du);
    CHECK_EQ(page_alloc_free_pages(), free0);
    teardown();
}

/* Pages refilled with other frames (its own were taken), then teardown. */
static void test_teardown_after_ballooning(void)
{
    struct mem_account thief = { .name = "thief" };
    uint64_t gfns[64];
    paddr_t stolen[10];

    setup();
    mk_domu(8);
    for (unsigned int i = 0; i < 64; i++)
        gfns[i] = 100 + 7 * i;      /* across the first blocks */
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, gfns, 64, 0), 64);
    /* Someone takes the frames of the first 10. */
    for (unsigned int i = 0; i < 10; i++) {
        paddr_t own = du.extents[0].hpa + (gfns[i] << PAGE_SHIFT);
        CHECK_EQ(page_alloc_at(own, 0, &thief), own);
        stolen[i] = own;
    }
    /* The first 40 come back (10 of them elsewhere), the rest stay out. */
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, gfns, 40, 0), 40);
    for (unsigned int i = 0; i < 40; i++) {
        uint8_t *p = gva_of(&du, gfns[i]);
        paddr_t own = du.extents[0].hpa + (gfns[i] << PAGE_SHIFT);
        CHECK(p && all_zero(p));
        CHECK_EQ((paddr_t)(uintptr_t)p == own, i >= 10);
    }
    /* A refilled-elsewhere page goes out again and back. */
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, gfns, 1, 0), 1);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, gfns, 1, 0), 1);
    CHECK_EQ(query(&vu, XENMEM_current_reservation, DOMID_SELF), 2048 - 24);
    free_dom(&du);
    for (unsigned int i = 0; i < 10; i++)
        page_free(stolen[i], 0, &thief);
    CHECK_EQ(thief.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    teardown();
}

/* Dom0: 1:1 both ways, held boot RAM becomes free RAM, the same frames back. */
static void test_dom0(void)
{
    paddr_t held = (paddr_t)(uintptr_t)(arena + HELD_OFF);
    uint64_t g_held = (held >> PAGE_SHIFT) + 3, g_alloc = (d0_block >> PAGE_SHIFT);
    uint64_t f, total;

    setup();
    mk_dom0();
    mk_domu(4);
    g_alloc = (d0_block >> PAGE_SHIFT) + 17;
    f = page_alloc_free_pages();
    total = d0.acct.pages;
    CHECK_EQ(query(&v0, XENMEM_current_reservation, DOMID_SELF), 2048);
    /* The first page given back from the boot range makes the allocator
     * adopt all of it, once. */
    uint64_t total0 = page_alloc_total_pages(), g5 = (held >> PAGE_SHIFT) + 1024 + 5;
    CHECK_EQ(reservation(&v0, XENMEM_decrease_reservation, DOMID_SELF, &g5, 1, 0), 1);
    CHECK_EQ(page_alloc_total_pages(), total0 + 1536);
    CHECK(d0.extents[0].adopted && d0.extents[1].adopted && !d0.extents[2].adopted);
    CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, DOMID_SELF, &g5, 1, 0), 1);
    uint64_t g[] = { g_held, g_alloc }, pre[] = { g_held + 1, g_alloc + 1 };
    /* Neighbours first: the 2 MiB leaves are split now (tables charged). */
    for (unsigned int i = 0; i < 2; i++) {
        CHECK_EQ(reservation(&v0, XENMEM_decrease_reservation, DOMID_SELF, &pre[i], 1, 0), 1);
        CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, DOMID_SELF, &pre[i], 1, 0), 1);
    }
    f = page_alloc_free_pages();
    total = d0.acct.pages;
    CHECK_EQ(reservation(&v0, XENMEM_decrease_reservation, DOMID_SELF, g, 2, 0), 2);
    CHECK_EQ(page_alloc_free_pages(), f + 2);   /* the held page is free RAM now */
    CHECK_EQ(d0.held_pages, 1535);
    CHECK_EQ(page_alloc_total_pages(), total0 + 1536);
    CHECK_EQ(d0.acct.pages + 2, total);
    CHECK(!page_alloc_is_allocated(g_held << PAGE_SHIFT));
    CHECK_EQ(query(&v0, XENMEM_current_reservation, 0), 2046);
    /* Someone else takes the held frame: dom0 cannot have it back. */
    struct mem_account other = { .name = "other" };
    CHECK_EQ(page_alloc_at(g_held << PAGE_SHIFT, 0, &other), g_held << PAGE_SHIFT);
    CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, DOMID_SELF, g, 2, 0), 0);
    page_free(g_held << PAGE_SHIFT, 0, &other);
    CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, DOMID_SELF, g, 2, 0), 2);
    for (unsigned int i = 0; i < 2; i++) {
        uint8_t *p = gva_of(&d0, g[i]);
        CHECK_EQ((paddr_t)(uintptr_t)p, g[i] << PAGE_SHIFT);     /* 1:1 */
        CHECK(all_zero(p));
    }
    CHECK_EQ(d0.held_pages, 1536);
    CHECK_EQ(query(&v0, XENMEM_current_reservation, DOMID_SELF), 2048);
    /* Dom0 may name the domU; the domU may not name dom0; nobody names a
     * domain that does not exist. */
    uint64_t ug = 33;
    CHECK_EQ(query(&v0, XENMEM_current_reservation, 3), 1024);
    CHECK_EQ(reservation(&v0, XENMEM_decrease_reservation, 3, &ug, 1, 0), 1);
    CHECK_EQ(query(&v0, XENMEM_current_reservation, 3), 1023);
    CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, 3, &ug, 1, 0), 1);
    CHECK_EQ(du.refs, 1);           /* the reference taken was put back */
    CHECK_EQ(query(&vu, XENMEM_current_reservation, 0), -EPERM);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, 0, g, 1, 0), -EPERM);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, 7, g, 1, 0), -EPERM);
    CHECK_EQ(query(&v0, XENMEM_current_reservation, 7), -ESRCH);
    CHECK_EQ(reservation(&v0, XENMEM_populate_physmap, DOMID_IO, g, 1, 0), -ESRCH);
    /* A held page out, then teardown: it is the allocator's, not counted. */
    CHECK_EQ(reservation(&v0, XENMEM_decrease_reservation, DOMID_SELF, g, 2, 0), 2);
    free_dom(&d0);
    free_dom(&du);
    teardown();
}

/* Garbage: bad pointers, orders, counts, flags, the 32-bit layout. */
static void test_bad_args(void)
{
    static uint64_t many[2048];
    struct hcall_args a = { .a = { XENMEM_decrease_reservation, 64 }, .is64 = true };

    setup();
    mk_domu(8);
    CHECK_EQ(balloon_reservation(&vu, XENMEM_decrease_reservation, &a), -EFAULT);
    CHECK_EQ(balloon_query(&vu, XENMEM_current_reservation, &a), -EFAULT);
    /* A list that cannot be read: no extent done. */
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, (uint64_t *)16, 4, 0), 0);
    /* Orders above 9 (and 18, and absurd ones) do nothing. */
    uint64_t z = 0;
    for (unsigned int o = 10; o < 40; o += 8)
        CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &z, 1, o), 0);
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &z, 1, ~0u), 0);
    /* A misaligned extent. */
    uint64_t odd = 3;
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, &odd, 1, 1), 0);
    /* A huge count: one call does at most BALLOON_MAX_EXTENTS. */
    for (unsigned int i = 0; i < 2048; i++)
        many[i] = i;
    CHECK_EQ(reservation(&vu, XENMEM_decrease_reservation, DOMID_SELF, many, 1ULL << 62, 0),
             BALLOON_MAX_EXTENTS);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, many, ~0ULL, 0),
             BALLOON_MAX_EXTENTS);
    CHECK_EQ(reservation(&vu, XENMEM_populate_physmap, DOMID_SELF, many, 0, 0), 0);
    /* Populate-on-demand is not offered. */
    struct xen_memory_reservation r = { .nr_extents = 1, .mem_flags = XENMEMF_populate_on_demand,
                                        .domid = DOMID_SELF };
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)many);
    a.a[1] = (uint64_t)(uintptr_t)&r;
    CHECK_EQ(balloon_reservation(&vu, XENMEM_decrease_reservation, &a), 0);
    /* The 32-bit layout: a 20-byte struct and 4-byte frame numbers, both
     * at addresses below 4 GiB as a 32-bit guest's are. */
    uint8_t *low = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    CHECK(low != MAP_FAILED && (uintptr_t)low < (1ULL << 32));
    if (low != MAP_FAILED) {
        struct compat_memory_reservation *c = (void *)low;
        uint32_t *list32 = (uint32_t *)(low + 64);
        list32[0] = 1500;
        list32[1] = 1501;
        *c = (struct compat_memory_reservation){ .extent_start = (uint32_t)(uintptr_t)list32,
                                                 .nr_extents = 2, .domid = DOMID_SELF };
        struct hcall_args a32 = { .a = { XENMEM_decrease_reservation, (uintptr_t)c } };
        CHECK_EQ(balloon_reservation(&vu, XENMEM_decrease_reservation, &a32), 2);
        CHECK(!domain_gfn_is_ram(&du, 1500) && !domain_gfn_is_ram(&du, 1501));
        CHECK(domain_gfn_is_ram(&du, 1502));
        /* And back, in the same layout. */
        CHECK_EQ(balloon_reservation(&vu, XENMEM_populate_physmap, &a32), 2);
        CHECK(domain_gfn_is_ram(&du, 1500) && domain_gfn_is_ram(&du, 1501));
        c->domid = 0;
        CHECK_EQ(balloon_reservation(&vu, XENMEM_populate_physmap, &a32), -EPERM);
        munmap(low, PAGE_SIZE);
    }
    free_dom(&du);
    teardown();
}

UNIT_MAIN("balloon")
{
    uint8_t *p = mmap(NULL, ARENA_SIZE + MiB(2), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    arena = (uint8_t *)ALIGN_UP((uintptr_t)p, MiB(2));
    TEST_RUN(test_out_and_in);
    TEST_RUN(test_referenced);
    TEST_RUN(test_teardown_after_ballooning);
    TEST_RUN(test_dom0);
    TEST_RUN(test_bad_args);
}

/*
 * Host tests of grant tables v1 (hv/common/grant_table.c). The "guest" is
 * this process: a GVA is a host pointer, except the first page, which
 * faults; copy_to_guest can also be told to fail. Map, unmap and copy run
 * between fake domains with the real p2m (npt.c); the domain hooks
 * (list, references, TLB flush, GPA copies) are stubbed below.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include "unit.h"
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/page_alloc.h>
#include <oryx/xmalloc.h>
#include <oryx/grant_table.h>
#include <oryx/foreign_map.h>
#include <asm/npt.h>
#include <public/xen.h>

#define ARENA_SIZE MiB(8)
#define FAULT_LIMIT 4096u

static uint8_t *arena;
static int fail_copy_to;
static unsigned int copies_from, copies_to;

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len)
{
    (void)v;
    copies_from++;
    if (gva < FAULT_LIMIT)
        return -EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len)
{
    (void)v;
    copies_to++;
    if (gva < FAULT_LIMIT || fail_copy_to)
        return -EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

static struct domain dom;
static struct vcpu vcpu;
static uint64_t free0;

/* A fresh allocator, a domain 5 with a grant table, one vCPU. */
static void setup(void)
{
    page_alloc_init();
    xmalloc_init();
    page_alloc_add_range((paddr_t)(uintptr_t)arena, (paddr_t)(uintptr_t)(arena + ARENA_SIZE));
    free0 = page_alloc_free_pages();
    memset(&dom, 0, sizeof(dom));
    memset(&vcpu, 0, sizeof(vcpu));
    dom.id = 5;
    dom.acct.name = "d5";
    vcpu.domain = &dom;
    fail_copy_to = 0;
    CHECK_EQ(gnttab_domain_init(&dom), 0);
    CHECK(dom.gnttab != NULL);
}

/* Destroy, then everything must be back where setup() found it. */
static void teardown(void)
{
    gnttab_domain_destroy(&dom);
    CHECK(dom.gnttab == NULL);
    CHECK_EQ(dom.acct.pages, 0);
    CHECK_EQ(xmalloc_pages(), 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
    CHECK_EQ(xmalloc_misuse_count(), 0);
}

static long hcall(uint64_t cmd, void *uop, uint64_t count, bool is64)
{
    struct hcall_args a = { .a = { cmd, (uint64_t)(uintptr_t)uop, count, 0, 0 }, .is64 = is64 };
    return do_grant_table_op(&vcpu, &a);
}

static void test_init_destroy(void)
{
    setup();
    CHECK_EQ(gnttab_nr_frames(&dom), 0);
    CHECK_EQ(dom.acct.pages, 0);        /* frames are lazy */
    teardown();
    gnttab_domain_destroy(&dom);        /* twice: a no-op */
    CHECK_EQ(gnttab_nr_frames(&dom), 0);
}

static void test_query_size(void)
{
    struct gnttab_query_size q;

    setup();
    for (int is64 = 0; is64 < 2; is64++) {
        memset(&q, 0xEE, sizeof(q));
        q.dom = DOMID_SELF;
        CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, is64), 0);
        CHECK_EQ(q.nr_frames, 1);       /* room for frame 0 before it exists */
        CHECK_EQ(q.max_nr_frames, GNTTAB_MAX_FRAMES);
        CHECK_EQ(q.status, GNTST_okay);
        CHECK_EQ(q.dom, DOMID_SELF);
        q.dom = 5;
        CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, is64), 0);
        CHECK_EQ(q.status, GNTST_okay);
    }
    /* Another domain's table is not visible. */
    memset(&q, 0, sizeof(q));
    q.dom = 0;
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, true), 0);
    CHECK_EQ(q.status, GNTST_bad_domain);
    q.dom = DOMID_IO;
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, true), 0);
    CHECK_EQ(q.status, GNTST_bad_domain);
    /* After frames are made, it reports them. */
    paddr_t pa;
    CHECK_EQ(gnttab_get_frame(&dom, 3, &pa), 0);
    q.dom = DOMID_SELF;
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, true), 0);
    CHECK_EQ(q.nr_frames, 4);
    /* count must be 1; faults are -EFAULT. */
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 0, true), -EINVAL);
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 2, true), -EINVAL);
    CHECK_EQ(hcall(GNTTABOP_query_size, NULL, 1, true), -EFAULT);
    fail_copy_to = 1;
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, true), -EFAULT);
    teardown();
}

static void test_set_version(void)
{
    struct gnttab_set_version s;

    setup();
    for (int is64 = 0; is64 < 2; is64++) {
        s.version = 1;
        CHECK_EQ(hcall(GNTTABOP_set_version, &s, 1, is64), 0);
        CHECK_EQ(s.version, 1);
        s.version = 2;          /* Linux falls back to v1 on this */
        CHECK_EQ(hcall(GNTTABOP_set_version, &s, 1, is64), -ENOSYS);
        CHECK_EQ(s.version, 1);
        s.version = 0;
        CHECK_EQ(hcall(GNTTABOP_set_version, &s, 1, is64), -EINVAL);
        CHECK_EQ(s.version, 1);
        s.version = 0xFFFFFFFFu;
        CHECK_EQ(hcall(GNTTABOP_set_version, &s, 1, is64), -EINVAL);
    }
    CHECK_EQ(hcall(GNTTABOP_set_version, NULL, 1, true), -EFAULT);
    fail_copy_to = 1;
    s.version = 1;
    CHECK_EQ(hcall(GNTTABOP_set_version, &s, 1, true), -EFAULT);
    teardown();
}

static void test_get_version(void)
{
    struct gnttab_get_version g;

    setup();
    memset(&g, 0, sizeof(g));
    g.dom = DOMID_SELF;
    CHECK_EQ(hcall(GNTTABOP_get_version, &g, 1, true), 0);
    CHECK_EQ(g.version, 1);
    CHECK_EQ(g.dom, DOMID_SELF);        /* only the version is written */
    g.dom = 5;
    g.version = 0;
    CHECK_EQ(hcall(GNTTABOP_get_version, &g, 1, false), 0);
    CHECK_EQ(g.version, 1);
    g.dom = 7;
    g.version = 0;
    CHECK_EQ(hcall(GNTTABOP_get_version, &g, 1, true), -ESRCH);
    CHECK_EQ(g.version, 0);
    CHECK_EQ(hcall(GNTTABOP_get_version, NULL, 1, true), -EFAULT);
    teardown();
}

static void test_frames_on_demand(void)
{
    paddr_t pa[GNTTAB_MAX_FRAMES], again;

    setup();
    CHECK_EQ(gnttab_get_frame(&dom, 0, &pa[0]), 0);
    CHECK_EQ(gnttab_nr_frames(&dom), 1);
    CHECK_EQ(dom.acct.pages, 1);
    CHECK(pa[0] != 0 && IS_ALIGNED(pa[0], PAGE_SIZE));
    CHECK_EQ(gnttab_get_frame(&dom, 0, &again), 0);
    CHECK_EQ(again, pa[0]);
    CHECK_EQ(dom.acct.pages, 1);
    /* Linux grows backwards from the highest index: a prefix is made. */
    CHECK_EQ(gnttab_get_frame(&dom, 5, &pa[5]), 0);
    CHECK_EQ(gnttab_nr_frames(&dom), 6);
    CHECK_EQ(dom.acct.pages, 6);
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++)
        CHECK_EQ(gnttab_get_frame(&dom, i, &pa[i]), 0);
    CHECK_EQ(gnttab_nr_frames(&dom), GNTTAB_MAX_FRAMES);
    CHECK_EQ(dom.acct.pages, GNTTAB_MAX_FRAMES);
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++) {
        const uint8_t *p = (const uint8_t *)(uintptr_t)pa[i];
        CHECK(IS_ALIGNED(pa[i], PAGE_SIZE));
        for (unsigned int j = 0; j < PAGE_SIZE; j++)
            if (p[j]) {
                CHECK(!"frame not zeroed");
                break;
            }
        for (unsigned int k = 0; k < i; k++)
            CHECK(pa[k] != pa[i]);
    }
    /* Out of range. */
    CHECK_EQ(gnttab_get_frame(&dom, GNTTAB_MAX_FRAMES, &again), -EINVAL);
    CHECK_EQ(gnttab_get_frame(&dom, (unsigned long)-1, &again), -EINVAL);
    CHECK_EQ(dom.acct.pages, GNTTAB_MAX_FRAMES);
    teardown();
}

static void test_frames_out_of_memory(void)
{
    paddr_t pa;

    setup();
    dom.acct.max_pages = 3;
    CHECK_EQ(gnttab_get_frame(&dom, 7, &pa), -ENOMEM);
    CHECK_EQ(gnttab_nr_frames(&dom), 3);    /* the prefix made so far stays */
    CHECK_EQ(dom.acct.pages, 3);
    CHECK_EQ(gnttab_get_frame(&dom, 2, &pa), 0);
    dom.acct.max_pages = 0;
    CHECK_EQ(gnttab_get_frame(&dom, 7, &pa), 0);
    CHECK_EQ(dom.acct.pages, 8);
    teardown();
}

static void test_frame_gpa(void)
{
    paddr_t pa;
    gpaddr_t old = 123;

    setup();
    CHECK_EQ(gnttab_set_frame_gpa(&dom, 0, 0x20000000, &old), -EINVAL);
    CHECK_EQ(old, 123);
    CHECK_EQ(gnttab_get_frame(&dom, 1, &pa), 0);
    CHECK_EQ(gnttab_set_frame_gpa(&dom, 1, 0x20001000, &old), 0);
    CHECK_EQ(old, 0);
    CHECK_EQ(gnttab_set_frame_gpa(&dom, 1, 0x30001000, &old), 0);
    CHECK_EQ(old, 0x20001000);
    CHECK_EQ(gnttab_set_frame_gpa(&dom, 0, 0x20000000, &old), 0);
    CHECK_EQ(old, 0);
    CHECK_EQ(gnttab_set_frame_gpa(&dom, 2, 0x20002000, &old), -EINVAL);
    CHECK_EQ(gnttab_set_frame_gpa(&dom, GNTTAB_MAX_FRAMES, 0, &old), -EINVAL);
    teardown();
}

static void test_lookup(void)
{
    uint16_t flags = 0xAAAA, domid = 0xBBBB;
    uint32_t frame = 0xCCCC;
    paddr_t pa0, pa1;

    setup();
    CHECK_EQ(gnttab_lookup_entry(&dom, 0, &flags, &domid, &frame), -EINVAL);
    CHECK_EQ(flags, 0xAAAA);            /* outputs untouched on error */
    CHECK_EQ(gnttab_get_frame(&dom, 0, &pa0), 0);
    struct grant_entry_v1 *t0 = (void *)(uintptr_t)pa0;
    t0[8] = (struct grant_entry_v1){ .flags = GTF_permit_access | GTF_readonly,
                                     .domid = 0, .frame = 0x12345 };
    t0[511] = (struct grant_entry_v1){ .flags = GTF_permit_access, .domid = 3,
                                       .frame = 0xFFFFFFFFu };
    CHECK_EQ(gnttab_lookup_entry(&dom, 8, &flags, &domid, &frame), 0);
    CHECK_EQ(flags, GTF_permit_access | GTF_readonly);
    CHECK_EQ(domid, 0);
    CHECK_EQ(frame, 0x12345);
    CHECK_EQ(gnttab_lookup_entry(&dom, 511, &flags, &domid, &frame), 0);
    CHECK_EQ(domid, 3);
    CHECK_EQ(frame, 0xFFFFFFFFu);
    CHECK_EQ(gnttab_lookup_entry(&dom, 0, &flags, &domid, &frame), 0);
    CHECK_EQ(flags, GTF_invalid);
    CHECK_EQ(gnttab_lookup_entry(&dom, 512, &flags, &domid, &frame), -EINVAL);
    CHECK_EQ(gnttab_get_frame(&dom, 1, &pa1), 0);
    struct grant_entry_v1 *t1 = (void *)(uintptr_t)pa1;
    t1[0] = (struct grant_entry_v1){ .flags = GTF_permit_access, .domid = 9, .frame = 77 };
    CHECK_EQ(gnttab_lookup_entry(&dom, 512, &flags, &domid, &frame), 0);
    CHECK_EQ(domid, 9);
    CHECK_EQ(frame, 77);
    CHECK_EQ(gnttab_lookup_entry(&dom, 1024, &flags, &domid, &frame), -EINVAL);
    CHECK_EQ(gnttab_lookup_entry(&dom, GNTTAB_MAX_ENTRIES, &flags, &domid, &frame), -EINVAL);
    CHECK_EQ(gnttab_lookup_entry(&dom, UINT32_MAX, &flags, &domid, &frame), -EINVAL);
    CHECK_EQ(gnttab_lookup_entry(&dom, 0x80000000u, &flags, &domid, &frame), -EINVAL);
    teardown();
}

static void test_bad_cmds_and_counts(void)
{
    uint8_t junk[64];
    static const uint32_t enosys[] = {
        GNTTABOP_setup_table,
        GNTTABOP_dump_table, GNTTABOP_transfer, GNTTABOP_unmap_and_replace,
        GNTTABOP_get_status_frames, GNTTABOP_swap_grant_ref, GNTTABOP_cache_flush,
        13, 100, 0xFFF,
    };

    setup();
    memset(junk, 0x5A, sizeof(junk));
    for (size_t i = 0; i < ARRAY_SIZE(enosys); i++) {
        copies_from = copies_to = 0;
        CHECK_EQ(hcall(enosys[i], junk, 1, true), -ENOSYS);
        CHECK_EQ(hcall(enosys[i], junk, 1000000, false), -ENOSYS);
        CHECK_EQ(copies_from + copies_to, 0);   /* guest memory untouched */
    }
    for (size_t i = 0; i < sizeof(junk); i++)
        CHECK_EQ(junk[i], 0x5A);
    /* Continuation bits (Xen's) are never valid from a guest here. */
    CHECK_EQ(hcall(GNTTABOP_query_size | 0x1000, junk, 1, true), -EINVAL);
    CHECK_EQ(hcall(0xFFFFFFFFu, junk, 1, true), -EINVAL);
    /* A negative count is refused for every cmd, as Xen does. */
    CHECK_EQ(hcall(GNTTABOP_set_version, junk, 0x80000000u, true), -EINVAL);
    CHECK_EQ(hcall(GNTTABOP_map_grant_ref, junk, 0xFFFFFFFFu, true), -EINVAL);
    /* cmd and count are 32-bit: upper halves of 64-bit registers ignored. */
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    CHECK_EQ(hcall((1ULL << 32) | GNTTABOP_query_size, &q, (1ULL << 32) | 1, true), 0);
    CHECK_EQ(q.max_nr_frames, GNTTAB_MAX_FRAMES);
    CHECK_EQ(dom.acct.pages, 0);
    teardown();
    /* A domain without a table. */
    CHECK(dom.gnttab == NULL);
    CHECK_EQ(hcall(GNTTABOP_query_size, &q, 1, true), -ENOSYS);
    paddr_t pa;
    uint16_t f, di;
    uint32_t fr;
    CHECK_EQ(gnttab_get_frame(&dom, 0, &pa), -EINVAL);
    CHECK_EQ(gnttab_lookup_entry(&dom, 0, &f, &di, &fr), -EINVAL);
}

/* Lookups racing with growth see either -EINVAL or a zeroed entry. */
static volatile int grow_done;

static void *grower(void *arg)
{
    (void)arg;
    for (unsigned int i = 0; i < GNTTAB_MAX_FRAMES; i++) {
        paddr_t pa;
        if (gnttab_get_frame(&dom, i, &pa) != 0)
            abort();
    }
    __atomic_store_n(&grow_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void test_lookup_races_growth(void)
{
    pthread_t t;
    unsigned long ok = 0, bad = 0, seed = 1;

    setup();
    grow_done = 0;
    CHECK_EQ(pthread_create(&t, NULL, grower, NULL), 0);
    while (!__atomic_load_n(&grow_done, __ATOMIC_ACQUIRE) || ok < 1000) {
        uint16_t f, di;
        uint32_t fr;
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        uint32_t ref = (uint32_t)(seed >> 33) % GNTTAB_MAX_ENTRIES;
        int rc = gnttab_lookup_entry(&dom, ref, &f, &di, &fr);
        if (rc == 0) {
            ok++;
            CHECK(f == 0 && di == 0 && fr == 0);
        } else {
            bad++;
            CHECK_EQ(rc, -EINVAL);
        }
    }
    pthread_join(t, NULL);
    CHECK(ok >= 1000);
    if (getenv("ORYX_TEST_VERBOSE"))
        printf("  %lu lookups hit, %lu beyond the table while it grew\n", ok, bad);
    CHECK_EQ(gnttab_nr_frames(&dom), GNTTAB_MAX_FRAMES);
    teardown();
}


/* ---- foreign use: map, unmap, copy (several domains, real p2m) ---- */

/* The hooks grant_table.c reaches outside itself. */
struct domain *domain_list;
spinlock_t domlist_lock = SPINLOCK_INIT;
static unsigned int flushes, finals;

void domain_flush_tlb(struct domain *d)
{
    (void)d;
    flushes++;
}

void domain_get(struct domain *d)
{
    __atomic_add_fetch(&d->refs, 1, __ATOMIC_ACQ_REL);
}

static void fake_free(struct domain *d);

void domain_put(struct domain *d)
{
    if (__atomic_sub_fetch(&d->refs, 1, __ATOMIC_ACQ_REL) == 0)
        fake_free(d);
}

/* As guest_access.c: through the p2m, writes need P2M_W. */
static int gpa_rw(struct domain *d, gpaddr_t gpa, void *buf, const void *src, size_t len)
{
    while (len) {
        size_t chunk = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
        paddr_t hpa;
        unsigned int perms;

        if (p2m_query(&d->p2m, gpa, &hpa, &perms, NULL) || (src && !(perms & P2M_W)))
            return -EFAULT;
        if (buf) {
            memcpy(buf, (void *)(uintptr_t)hpa, chunk);
            buf = (uint8_t *)buf + chunk;
        } else {
            memcpy((void *)(uintptr_t)hpa, src, chunk);
            src = (const uint8_t *)src + chunk;
        }
        gpa += chunk;
        len -= chunk;
    }
    return 0;
}

int copy_from_gpa(struct domain *d, void *dst, gpaddr_t gpa, size_t len)
{
    return gpa_rw(d, gpa, dst, NULL, len);
}

int copy_to_gpa(struct domain *d, gpaddr_t gpa, const void *src, size_t len)
{
    return gpa_rw(d, gpa, NULL, src, len);
}

#define RAM_PAGES 16u
#define SCRATCH   0x40000000ULL       /* not RAM: where grants are mapped */

static struct domain doms[3];
static struct vcpu vcpus[3];
static struct mem_extent exts[3];

/* A listed domain with RAM_PAGES of RAM at GPA 0 and a grant table of 1 frame. */
static struct domain *mkdom(unsigned int i, domid_t id)
{
    struct domain *d = &doms[i];
    paddr_t ram, f;

    memset(d, 0, sizeof(*d));
    d->id = id;
    d->refs = 1;
    d->state = DOMAIN_RUNNING;
    d->acct.name = "dom";
    CHECK_EQ(p2m_init(&d->p2m, &d->acct), 0);
    CHECK_EQ(gnttab_domain_init(d), 0);
    ram = page_alloc_zeroed(4, &d->acct);
    CHECK(ram != 0);
    exts[i] = (struct mem_extent){ .hpa = ram, .gpa = 0, .order = 4 };
    d->extents = &exts[i];
    d->nr_extents = 1;
    CHECK_EQ(p2m_map(&d->p2m, 0, ram, RAM_PAGES * PAGE_SIZE, P2M_R | P2M_W | P2M_X), 0);
    CHECK_EQ(gnttab_get_frame(d, 0, &f), 0);
    memset(&vcpus[i], 0, sizeof(vcpus[i]));
    vcpus[i].domain = d;
    spin_lock(&domlist_lock);
    d->next = domain_list;
    domain_list = d;
    spin_unlock(&domlist_lock);
    return d;
}

static void fake_free(struct domain *d)
{
    finals++;
    if (d->p2m.root)
        p2m_destroy(&d->p2m);
    foreign_domain_destroy(d);
    gnttab_domain_destroy(d);
    page_free(d->extents[0].hpa, 4, &d->acct);
    for (uint64_t gfn = 0; gfn < RAM_PAGES; gfn++)
        CHECK_EQ(domain_ram_refs(d, gfn), 0);       /* every pin let go of its page */
    xfree(d->extents[0].refs);
    d->extents[0].refs = NULL;
    CHECK_EQ(d->acct.pages, 0);         /* "pages still charged after teardown" */
    d->state = DOMAIN_DYING;
}

/* Off the list and the list's reference dropped, as domain_reap does. */
static void reap(struct domain *d)
{
    spin_lock(&domlist_lock);
    for (struct domain **pp = &domain_list; *pp; pp = &(*pp)->next)
        if (*pp == d) {
            *pp = d->next;
            break;
        }
    spin_unlock(&domlist_lock);
    d->destroy_claimed = true;
    gnttab_release_mappings(d);
    foreign_release_mappings(d);
    domain_put(d);
}

static void multi_setup(void)
{
    page_alloc_init();
    xmalloc_init();
    page_alloc_add_range((paddr_t)(uintptr_t)arena, (paddr_t)(uintptr_t)(arena + ARENA_SIZE));
    free0 = page_alloc_free_pages();
    domain_list = NULL;
    flushes = finals = 0;
    fail_copy_to = 0;
}

/* Every domain still listed is reaped; all memory must come back. */
static void multi_teardown(void)
{
    while (domain_list)
        reap(domain_list);
    CHECK_EQ(xmalloc_pages(), 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static struct grant_entry_v1 *gent(struct domain *d, uint32_t ref)
{
    paddr_t f;

    CHECK_EQ(gnttab_get_frame(d, ref / 512, &f), 0);
    return (struct grant_entry_v1 *)(uintptr_t)f + ref % 512;
}

static void grant(struct domain *d, uint32_t ref, domid_t to, uint32_t gfn, bool ro)
{
    struct grant_entry_v1 *e = gent(d, ref);

    e->domid = to;
    e->frame = gfn;
    __atomic_store_n(&e->flags, GTF_permit_access | (ro ? GTF_readonly : 0), __ATOMIC_RELEASE);
}

static uint8_t *ram_of(struct domain *d, uint32_t gfn)
{
    return (uint8_t *)(uintptr_t)(d->extents[0].hpa + (paddr_t)gfn * PAGE_SIZE);
}

/* hypercall_continuation() as the architecture's entry sees it. */
static unsigned int parts;

long hypercall_continuation(struct vcpu *v, const struct hcall_args *next)
{
    v->hcall_next = *next;
    v->hcall_continue = true;
    return 0;
}

/* One hypercall by d's vCPU, made again for as long as it continues. */
static long vcall(struct domain *d, uint32_t cmd, void *uop, uint32_t count, bool is64)
{
    struct vcpu *v = &vcpus[d - doms];
    struct hcall_args a = { .a = { cmd, (uint64_t)(uintptr_t)uop, count, 0, 0 }, .is64 = is64 };
    long rc;

    for (parts = 1;; parts++) {
        v->hcall_continue = false;
        rc = do_grant_table_op(v, &a);
        if (!v->hcall_continue)
            return rc;
        CHECK(parts < 100000);
        a = v->hcall_next;
    }
}

static struct gnttab_map_grant_ref mop(uint64_t addr, uint32_t flags, uint32_t ref, domid_t gd)
{
    return (struct gnttab_map_grant_ref){ .host_addr = addr, .flags = flags, .ref = ref,
                                          .dom = gd, .status = 99, .handle = 0xdead };
}

static int16_t map1(struct domain *d, uint64_t addr, uint32_t flags, uint32_t ref, domid_t gd,
                    uint32_t *handle)
{
    struct gnttab_map_grant_ref m = mop(addr, flags, ref, gd);

    CHECK_EQ(vcall(d, GNTTABOP_map_grant_ref, &m, 1, true), 0);
    if (handle)
        *handle = m.handle;
    return m.status;
}

static int16_t unmap1(struct domain *d, uint64_t addr, uint32_t handle)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = handle, .status = 99 };

    CHECK_EQ(vcall(d, GNTTABOP_unmap_grant_ref, &u, 1, true), 0);
    return u.status;
}

static void test_map_unmap(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7);
    uint32_t h;
    paddr_t hpa;
    unsigned int perms;
    uint8_t buf[8];

    grant(b, 3, 5, 2, false);
    memcpy(ram_of(b, 2), "granted", 8);
    CHECK_EQ(map1(a, SCRATCH + 0x123, GNTMAP_host_map, 3, 7, &h), GNTST_okay);
    CHECK_EQ(h, 0);
    CHECK_EQ(b->refs, 2);               /* the mapping holds the granter */
    CHECK_EQ(domain_ram_refs(b, 2), 1); /* and the page in the granter */
    CHECK_EQ(gent(b, 3)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, &perms, NULL), 0);
    CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(b, 2));
    CHECK_EQ(perms, P2M_R | P2M_W);
    CHECK_EQ(copy_from_gpa(a, buf, SCRATCH, 8), 0);
    CHECK(!memcmp(buf, "granted", 8));
    CHECK_EQ(copy_to_gpa(a, SCRATCH + 8, "back", 5), 0);
    CHECK(!memcmp(ram_of(b, 2) + 8, "back", 5));
    CHECK_EQ(gnttab_nr_mappings(a), 1);
    /* The same address twice, a bad handle, a wrong address. */
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 3, 7, NULL), GNTST_bad_virt_addr);
    CHECK_EQ(unmap1(a, SCRATCH, 1), GNTST_bad_handle);
    CHECK_EQ(unmap1(a, SCRATCH, 0xFFFFFFFFu), GNTST_bad_handle);
    CHECK_EQ(unmap1(a, SCRATCH + PAGE_SIZE, h), GNTST_general_error);
    CHECK_EQ(unmap1(a, 0, h), GNTST_general_error);
    CHECK_EQ(unmap1(b, SCRATCH, h), GNTST_bad_handle);  /* b has no such mapping */
    unsigned int f0 = flushes;
    CHECK_EQ(unmap1(a, SCRATCH + 0xFFF, h), GNTST_okay);
    CHECK(flushes > f0);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, NULL, NULL), -ENOENT);
    CHECK_EQ(gent(b, 3)->flags, GTF_permit_access);
    CHECK_EQ(b->refs, 1);
    CHECK_EQ(domain_ram_refs(b, 2), 0);
    CHECK_EQ(unmap1(a, SCRATCH, h), GNTST_bad_handle);  /* twice */
    CHECK_EQ(gnttab_nr_mappings(a), 0);
    /* Read-only: the p2m entry is, and hypervisor writes through it fail. */
    grant(b, 4, 5, 3, true);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 4, 7, NULL), GNTST_general_error);
    CHECK_EQ(gent(b, 4)->flags, GTF_permit_access | GTF_readonly);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map | GNTMAP_readonly, 4, 7, &h), GNTST_okay);
    CHECK_EQ(gent(b, 4)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, &perms, NULL), 0);
    CHECK_EQ(perms, P2M_R);
    CHECK_EQ(copy_to_gpa(a, SCRATCH, "x", 1), -EFAULT);
    CHECK_EQ(unmap1(a, SCRATCH, h), GNTST_okay);
    CHECK_EQ(gent(b, 4)->flags, GTF_permit_access | GTF_readonly);
    multi_teardown();
}

static void test_map_refused(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7);
    static const uint32_t bad_flags[] = {
        0, GNTMAP_readonly, GNTMAP_device_map, GNTMAP_device_map | GNTMAP_host_map,
        GNTMAP_host_map | GNTMAP_application_map, GNTMAP_host_map | GNTMAP_contains_pte,
        GNTMAP_host_map | (1u << 5), 0xFFFFFFFFu,
    };

    grant(b, 1, 5, 1, false);
    grant(b, 2, 6, 1, false);           /* for someone else */
    grant(b, 5, 5, 1000, false);        /* not b's RAM */
    gent(b, 6)->domid = 5;              /* GTF_invalid */
    gent(b, 7)->flags = GTF_accept_transfer;
    gent(b, 7)->domid = 5;
    for (size_t i = 0; i < ARRAY_SIZE(bad_flags); i++)
        CHECK_EQ(map1(a, SCRATCH, bad_flags[i], 1, 7, NULL), GNTST_general_error);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 2, 7, NULL), GNTST_general_error);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 6, 7, NULL), GNTST_general_error);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 7, 7, NULL), GNTST_general_error);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 5, 7, NULL), GNTST_bad_page);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 512, 7, NULL), GNTST_bad_gntref);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 0xFFFFFFFFu, 7, NULL), GNTST_bad_gntref);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 1, 8, NULL), GNTST_bad_domain);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 1, DOMID_XEN, NULL), GNTST_bad_domain);
    /* Its own RAM, and beyond the guest-physical space. */
    CHECK_EQ(map1(a, 0x3000, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_virt_addr);
    CHECK_EQ(map1(a, 1ULL << 48, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_virt_addr);
    CHECK_EQ(map1(a, ~0ULL, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_virt_addr);
    /* Something already there: only the control domain's 1:1 device
     * memory may be replaced. */
    const uint64_t dev = 0x50000000ULL;
    CHECK_EQ(p2m_map(&a->p2m, dev, dev, PAGE_SIZE, P2M_R | P2M_W), 0);
    CHECK_EQ(p2m_map(&a->p2m, dev + PAGE_SIZE, 0x1234000, PAGE_SIZE, P2M_R | P2M_W), 0);
    CHECK_EQ(map1(a, dev, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_virt_addr);
    a->is_privileged = true;
    CHECK_EQ(map1(a, dev + PAGE_SIZE, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_virt_addr);
    uint32_t hd;
    CHECK_EQ(map1(a, dev, GNTMAP_host_map, 1, 7, &hd), GNTST_okay);
    paddr_t got;
    CHECK_EQ(p2m_query(&a->p2m, dev, &got, NULL, NULL), 0);
    CHECK_EQ(got, (paddr_t)(uintptr_t)ram_of(b, 1));
    CHECK_EQ(unmap1(a, dev, hd), GNTST_okay);
    CHECK_EQ(p2m_query(&a->p2m, dev, &got, NULL, NULL), -ENOENT);
    a->is_privileged = false;
    /* A dying granter. */
    b->state = DOMAIN_DYING;
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 1, 7, NULL), GNTST_bad_domain);
    b->state = DOMAIN_RUNNING;
    CHECK_EQ(gent(b, 1)->flags, GTF_permit_access);
    CHECK_EQ(b->refs, 1);
    CHECK_EQ(gnttab_nr_mappings(a), 0);
    /* A batch: statuses per op, rc 0. */
    struct gnttab_map_grant_ref m[4] = {
        mop(SCRATCH, GNTMAP_host_map, 1, 7), mop(SCRATCH, GNTMAP_host_map, 1, 7),
        mop(SCRATCH + PAGE_SIZE, GNTMAP_host_map, 9999, 7),
        mop(SCRATCH + PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 1, 7),
    };
    CHECK_EQ(vcall(a, GNTTABOP_map_grant_ref, m, 4, true), 0);
    CHECK_EQ(m[0].status, GNTST_okay);
    CHECK_EQ(m[1].status, GNTST_bad_virt_addr);
    CHECK_EQ(m[2].status, GNTST_bad_gntref);
    CHECK_EQ(m[3].status, GNTST_okay);
    CHECK(m[0].handle != m[3].handle);
    CHECK_EQ(b->refs, 3);
    /* Many ops: the call continues every GNTTAB_OPS_PER_PART of them, and
     * every op is done once, in order. */
    enum { MANY = 3 * GNTTAB_OPS_PER_PART + 5 };
    static struct gnttab_map_grant_ref many[MANY];
    static struct gnttab_unmap_grant_ref unmany[MANY];
    for (unsigned int i = 0; i < MANY; i++)
        many[i] = mop(SCRATCH + (16 + i) * PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 1, 7);
    many[MANY - 1].ref = 9999;
    CHECK_EQ(vcall(a, GNTTABOP_map_grant_ref, many, MANY, true), 0);
    CHECK_EQ(parts, 4);
    for (unsigned int i = 0; i < MANY - 1; i++)
        CHECK_EQ(many[i].status, GNTST_okay);
    CHECK_EQ(many[MANY - 1].status, GNTST_bad_gntref);
    CHECK_EQ(gnttab_nr_mappings(a), 2 + MANY - 1);
    for (unsigned int i = 0; i < MANY; i++)
        unmany[i] = (struct gnttab_unmap_grant_ref){ .host_addr = many[i].host_addr,
                                                     .handle = many[i].handle };
    CHECK_EQ(vcall(a, GNTTABOP_unmap_grant_ref, unmany, MANY - 1, true), 0);
    CHECK_EQ(parts, 4);
    for (unsigned int i = 0; i < MANY - 1; i++)
        CHECK_EQ(unmany[i].status, GNTST_okay);
    CHECK_EQ(gnttab_nr_mappings(a), 2);
    static struct gnttab_copy cops[MANY];
    for (unsigned int i = 0; i < MANY; i++)
        cops[i] = (struct gnttab_copy){ .source = { .domid = DOMID_SELF },
                                        .dest = { .domid = DOMID_SELF }, .len = 0,
                                        .status = 99 };
    CHECK_EQ(vcall(a, GNTTABOP_copy, cops, MANY, true), 0);
    CHECK_EQ(parts, 4);
    for (unsigned int i = 0; i < MANY; i++)
        CHECK_EQ(cops[i].status, GNTST_okay);
    /* An unreadable array. */
    CHECK_EQ(vcall(a, GNTTABOP_map_grant_ref, NULL, 1, true), -EFAULT);
    CHECK_EQ(vcall(a, GNTTABOP_unmap_grant_ref, NULL, 1, true), -EFAULT);
    CHECK_EQ(vcall(a, GNTTABOP_copy, NULL, 1, true), -EFAULT);
    CHECK_EQ(vcall(a, GNTTABOP_map_grant_ref, m, 0, true), 0);
    fail_copy_to = 1;                   /* read-only op array: nothing done */
    struct gnttab_map_grant_ref m5 = mop(SCRATCH + 5 * PAGE_SIZE, GNTMAP_host_map, 1, 7);
    CHECK_EQ(vcall(a, GNTTABOP_map_grant_ref, &m5, 1, true), -EFAULT);
    fail_copy_to = 0;
    CHECK_EQ(gnttab_nr_mappings(a), 2);
    multi_teardown();
}

static void test_self_map(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5);
    paddr_t hpa;
    uint32_t h1, h2;
    uint8_t c;

    grant(a, 8, 5, 4, false);
    memset(ram_of(a, 4), 0x5A, PAGE_SIZE);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 8, DOMID_SELF, &h1), GNTST_okay);
    CHECK_EQ(map1(a, SCRATCH + PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 8, 5, &h2),
             GNTST_okay);
    CHECK_EQ(a->refs, 1);               /* no reference on itself */
    CHECK_EQ(copy_to_gpa(a, SCRATCH, "\x11", 1), 0);
    CHECK_EQ(copy_from_gpa(a, &c, 4 * PAGE_SIZE, 1), 0);
    CHECK_EQ(c, 0x11);
    CHECK_EQ(copy_from_gpa(a, &c, SCRATCH + PAGE_SIZE, 1), 0);
    CHECK_EQ(c, 0x11);
    CHECK_EQ(unmap1(a, SCRATCH, h1), GNTST_okay);
    CHECK_EQ(gent(a, 8)->flags, GTF_permit_access | GTF_reading);
    CHECK_EQ(unmap1(a, SCRATCH + PAGE_SIZE, h2), GNTST_okay);
    CHECK_EQ(gent(a, 8)->flags, GTF_permit_access);
    /* The original mapping is untouched. */
    CHECK_EQ(p2m_query(&a->p2m, 4 * PAGE_SIZE, &hpa, NULL, NULL), 0);
    CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(a, 4));
    CHECK_EQ(copy_to_gpa(a, 4 * PAGE_SIZE, "\x22", 1), 0);
    CHECK_EQ(ram_of(a, 4)[0], 0x22);
    /* Mapped when the domain goes: released with it, no leak. */
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 8, 5, &h1), GNTST_okay);
    multi_teardown();
    CHECK_EQ(finals, 1);
}

static void test_pins_and_latch(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7);
    uint32_t h1, h2;
    paddr_t hpa;

    grant(b, 3, 5, 2, false);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 3, 7, &h1), GNTST_okay);
    /* The granter moves the entry while it is in use: the frame is latched. */
    gent(b, 3)->frame = 9;
    CHECK_EQ(map1(a, SCRATCH + PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 3, 7, &h2),
             GNTST_okay);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH + PAGE_SIZE, &hpa, NULL, NULL), 0);
    CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(b, 2));
    CHECK_EQ(unmap1(a, SCRATCH, h1), GNTST_okay);
    CHECK_EQ(gent(b, 3)->flags & (GTF_reading | GTF_writing), GTF_reading);
    CHECK_EQ(unmap1(a, SCRATCH + PAGE_SIZE, h2), GNTST_okay);
    CHECK_EQ(gent(b, 3)->flags & (GTF_reading | GTF_writing), 0);
    /* Not pinned any more: the new frame counts. */
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 3, 7, &h1), GNTST_okay);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, NULL, NULL), 0);
    CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(b, 9));
    CHECK_EQ(b->refs, 2);
    multi_teardown();
}

static void test_maptrack_limit(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7);
    uint32_t h;

    grant(b, 1, 5, 1, true);
    for (unsigned int i = 0; i < GNTTAB_MAPTRACK_MAX; i++) {
        int16_t st = map1(a, SCRATCH + (uint64_t)i * PAGE_SIZE,
                          GNTMAP_host_map | GNTMAP_readonly, 1, 7, &h);
        if (st != GNTST_okay || h != i) {
            CHECK_EQ(st, GNTST_okay);
            CHECK_EQ(h, i);
            break;
        }
    }
    CHECK_EQ(gnttab_nr_mappings(a), GNTTAB_MAPTRACK_MAX);
    CHECK_EQ(map1(a, SCRATCH - PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 1, 7, NULL),
             GNTST_no_device_space);
    CHECK_EQ(b->refs, 1 + GNTTAB_MAPTRACK_MAX);
    /* A freed handle is reused. */
    CHECK_EQ(unmap1(a, SCRATCH + 77 * PAGE_SIZE, 77), GNTST_okay);
    CHECK_EQ(map1(a, SCRATCH - PAGE_SIZE, GNTMAP_host_map | GNTMAP_readonly, 1, 7, &h),
             GNTST_okay);
    CHECK_EQ(h, 77);
    /* The mapper goes: every mapping is let go. */
    reap(a);
    CHECK_EQ(b->refs, 1);
    CHECK_EQ(gent(b, 1)->flags, GTF_permit_access | GTF_readonly);
    multi_teardown();
}

static void test_granter_gone_first(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7), *c = mkdom(2, 9);
    uint32_t h;
    uint8_t buf[4];

    grant(b, 3, 5, 2, false);
    memcpy(ram_of(b, 2), "live", 4);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 3, 7, &h), GNTST_okay);
    reap(b);                            /* destroyed while mapped */
    CHECK_EQ(finals, 0);                /* its memory stays */
    CHECK_EQ(copy_from_gpa(a, buf, SCRATCH, 4), 0);
    CHECK(!memcmp(buf, "live", 4));
    CHECK_EQ(map1(a, SCRATCH + PAGE_SIZE, GNTMAP_host_map, 3, 7, NULL), GNTST_bad_domain);
    CHECK_EQ(unmap1(a, SCRATCH, h), GNTST_okay);
    CHECK_EQ(finals, 1);                /* freed at the unmap, nothing charged */
    /* Two domains mapping each other's grants: reaping frees both. */
    grant(a, 1, 9, 1, false);
    grant(c, 1, 5, 1, false);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 1, 9, NULL), GNTST_okay);
    CHECK_EQ(map1(c, SCRATCH, GNTMAP_host_map, 1, 5, NULL), GNTST_okay);
    reap(a);
    reap(c);
    CHECK_EQ(finals, 3);
    multi_teardown();
}

static struct gnttab_copy cop(uint16_t flags, uint64_t s, domid_t sd, uint16_t so,
                              uint64_t d, domid_t dd, uint16_t doff, uint16_t len)
{
    struct gnttab_copy c;

    memset(&c, 0, sizeof(c));
    c.flags = flags;
    c.source.domid = sd;
    c.source.offset = so;
    c.dest.domid = dd;
    c.dest.offset = doff;
    if (flags & GNTCOPY_source_gref)
        c.source.u.ref = (uint32_t)s;
    else
        c.source.u.gmfn = s;
    if (flags & GNTCOPY_dest_gref)
        c.dest.u.ref = (uint32_t)d;
    else
        c.dest.u.gmfn = d;
    c.len = len;
    c.status = 99;
    return c;
}

static int16_t copy1(struct domain *d, struct gnttab_copy c)
{
    CHECK_EQ(vcall(d, GNTTABOP_copy, &c, 1, true), 0);
    return c.status;
}

static void test_copy(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 5), *b = mkdom(1, 7);
    const uint16_t S = GNTCOPY_source_gref, D = GNTCOPY_dest_gref;

    grant(b, 3, 5, 2, false);
    grant(b, 4, 5, 3, true);
    grant(b, 5, 6, 4, false);
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        ram_of(b, 2)[i] = (uint8_t)(i * 7 + 3);
    /* gref -> own gmfn, whole page. */
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, 5, DOMID_SELF, 0, PAGE_SIZE)), GNTST_okay);
    CHECK(!memcmp(ram_of(a, 5), ram_of(b, 2), PAGE_SIZE));
    CHECK_EQ(gent(b, 3)->flags, GTF_permit_access);     /* pins gone */
    CHECK_EQ(b->refs, 1);
    /* own gmfn -> gref, at offsets. */
    memcpy(ram_of(a, 6) + 100, "hello", 5);
    CHECK_EQ(copy1(a, cop(D, 6, 5, 100, 3, 7, 4000, 5)), GNTST_okay);
    CHECK(!memcmp(ram_of(b, 2) + 4000, "hello", 5));
    /* gref -> gref (read-only source is fine), gmfn -> gmfn. */
    memcpy(ram_of(b, 3), "ro-page", 7);
    CHECK_EQ(copy1(a, cop(S | D, 4, 7, 0, 3, 7, 10, 7)), GNTST_okay);
    CHECK(!memcmp(ram_of(b, 2) + 10, "ro-page", 7));
    CHECK_EQ(copy1(a, cop(0, 6, DOMID_SELF, 100, 7, 5, 4091, 5)), GNTST_okay);
    CHECK(!memcmp(ram_of(a, 7) + 4091, "hello", 5));
    /* Refusals. */
    CHECK_EQ(copy1(a, cop(D, 6, 5, 0, 4, 7, 0, 1)), GNTST_general_error);   /* r/o dest */
    CHECK_EQ(copy1(a, cop(S, 5, 7, 0, 6, 5, 0, 1)), GNTST_general_error);   /* not ours */
    CHECK_EQ(copy1(a, cop(S, 3, 7, 1, 6, 5, 0, PAGE_SIZE)), GNTST_bad_copy_arg);
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, 6, 5, 4095, 2)), GNTST_bad_copy_arg);
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0xFFFF, 6, 5, 0, 0xFFFF)), GNTST_bad_copy_arg);
    CHECK_EQ(copy1(a, cop(S | 4, 3, 7, 0, 6, 5, 0, 1)), GNTST_bad_copy_arg);
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, 6, 7, 0, 1)), GNTST_permission_denied);
    CHECK_EQ(copy1(a, cop(D, 6, 7, 0, 3, 7, 0, 1)), GNTST_permission_denied);
    CHECK_EQ(copy1(a, cop(S, 3, 8, 0, 6, 5, 0, 1)), GNTST_bad_domain);
    CHECK_EQ(copy1(a, cop(S, 600, 7, 0, 6, 5, 0, 1)), GNTST_bad_gntref);
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, 0x12345, 5, 0, 1)), GNTST_bad_page);   /* unmapped */
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, 1ULL << 40, 5, 0, 1)), GNTST_bad_page);
    CHECK_EQ(copy1(a, cop(D, ~0ULL, 5, 0, 3, 7, 0, 1)), GNTST_bad_page);
    CHECK_EQ(gent(b, 3)->flags, GTF_permit_access);
    CHECK_EQ(gent(b, 4)->flags, GTF_permit_access | GTF_readonly);
    CHECK_EQ(b->refs, 1);
    /* Into a read-only grant mapping of the caller: refused. */
    uint32_t h;
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map | GNTMAP_readonly, 4, 7, &h), GNTST_okay);
    CHECK_EQ(copy1(a, cop(S, 3, 7, 0, SCRATCH >> 12, 5, 0, 1)), GNTST_bad_page);
    CHECK_EQ(copy1(a, cop(0, SCRATCH >> 12, 5, 0, 8, 5, 0, 7)), GNTST_okay);
    CHECK(!memcmp(ram_of(a, 8), "ro-page", 7));
    /* The 32-bit layout: 24-byte ops, 32-bit gmfn. */
    uint8_t c32[2][24];
    memset(c32, 0, sizeof(c32));
    uint32_t r3 = 3, g9 = 9;
    uint16_t d7 = 7, d5 = DOMID_SELF, len = 16, fl = S;
    memcpy(&c32[0][0], &r3, 4); memcpy(&c32[0][4], &d7, 2);
    memcpy(&c32[0][8], &g9, 4); memcpy(&c32[0][12], &d5, 2);
    memcpy(&c32[0][16], &len, 2); memcpy(&c32[0][18], &fl, 2);
    memcpy(c32[1], c32[0], 24);
    c32[1][4] = 8;                      /* no domain 8 */
    CHECK_EQ(vcall(a, GNTTABOP_copy, c32, 2, false), 0);
    int16_t st0, st1;
    memcpy(&st0, &c32[0][20], 2);
    memcpy(&st1, &c32[1][20], 2);
    CHECK_EQ(st0, GNTST_okay);
    CHECK_EQ(st1, GNTST_bad_domain);
    CHECK(!memcmp(ram_of(a, 9), ram_of(b, 2), 16));
    multi_teardown();
}

/* Random ops from two domains at each other and themselves: no crash, and
 * everything comes back. */
static void test_hostile_random(void)
{
    multi_setup();
    struct domain *d[2] = { mkdom(0, 5), mkdom(1, 7) };
    unsigned long seed = 12345;

    for (unsigned int i = 0; i < 20; i++) {
        grant(d[0], i, (i & 1) ? 7 : 5, i % RAM_PAGES, i & 2);
        grant(d[1], i, (i & 1) ? 5 : 7, (i * 3) % (RAM_PAGES + 2), i & 4);
    }
    for (unsigned int n = 0; n < 20000; n++) {
        seed = seed * 6364136223846793005UL + 1442695040888963407UL;
        uint32_t r = (uint32_t)(seed >> 33);
        struct domain *me = d[r & 1];
        domid_t other = (r & 2) ? 5 : (r & 4) ? 7 : (domid_t)(r >> 20);
        uint64_t addr = (r & 8) ? SCRATCH + (uint64_t)((r >> 4) % 64) * PAGE_SIZE
                                : (uint64_t)(r >> 8) * PAGE_SIZE;
        switch ((r >> 28) % 4) {
        case 0:
        case 1: {
            struct gnttab_map_grant_ref m = mop(addr, (r & 16) ? GNTMAP_host_map :
                                                GNTMAP_host_map | GNTMAP_readonly,
                                                (r >> 10) % 24, other);
            CHECK_EQ(vcall(me, GNTTABOP_map_grant_ref, &m, 1, true), 0);
            break;
        }
        case 2: {
            struct gnttab_unmap_grant_ref u = { .host_addr = addr, .handle = (r >> 12) % 80 };
            CHECK_EQ(vcall(me, GNTTABOP_unmap_grant_ref, &u, 1, true), 0);
            break;
        }
        default: {
            struct gnttab_copy c = cop(r & 3, (r >> 10) % 24, other, (r >> 3) & 0xFFF,
                                       (r >> 14) % 24, (r & 32) ? DOMID_SELF : other,
                                       (r >> 5) & 0xFFF, (r >> 17) & 0x1FFF);
            CHECK_EQ(vcall(me, GNTTABOP_copy, &c, 1, true), 0);
            break;
        }
        }
    }
    multi_teardown();
    CHECK_EQ(finals, 2);
}

/* Foreign mappings: a control domain maps another's RAM and grant frames. */
static void test_foreign_map(void)
{
    multi_setup();
    struct domain *a = mkdom(0, 0), *b = mkdom(1, 7), *fd;
    const uint64_t base = SCRATCH >> PAGE_SHIFT;
    paddr_t hpa;
    unsigned int perms;
    uint32_t h;

    a->is_privileged = true;
    CHECK_EQ(foreign_domain_get(a, 0, &fd), -EINVAL);          /* itself */
    CHECK_EQ(foreign_domain_get(a, DOMID_SELF, &fd), -EINVAL);
    CHECK_EQ(foreign_domain_get(a, 9, &fd), -ESRCH);           /* no such domain */
    CHECK_EQ(foreign_domain_get(a, 7, &fd), 0);
    CHECK(fd == b);
    CHECK_EQ(b->refs, 2);

    memcpy(ram_of(b, 2), "foreign", 8);
    CHECK_EQ(foreign_map_ram(a, b, 2, base), 0);
    CHECK_EQ(b->refs, 3);
    CHECK_EQ(domain_ram_refs(b, 2), 1);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, &perms, NULL), 0);
    CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(b, 2));
    CHECK_EQ(perms, P2M_R | P2M_W);
    CHECK(foreign_gfn_mapped(a, base));
    /* Taken places: the same GFN, the mapper's RAM; not RAM of b; too far. */
    CHECK_EQ(foreign_map_ram(a, b, 3, base), -EEXIST);
    CHECK_EQ(foreign_map_ram(a, b, 3, 1), -EEXIST);
    CHECK_EQ(foreign_map_ram(a, b, RAM_PAGES, base + 1), -EINVAL);
    CHECK_EQ(foreign_map_ram(a, b, 1ULL << 40, base + 1), -EINVAL);
    CHECK_EQ(foreign_map_ram(a, b, ~0ULL, base + 1), -EINVAL);
    CHECK_EQ(foreign_map_ram(a, b, 3, 1ULL << 36), -EEXIST);
    CHECK_EQ(b->refs, 3);
    /* A grant cannot land on a foreign mapping, nor a foreign one on a grant. */
    grant(b, 3, 0, 4, false);
    CHECK_EQ(map1(a, SCRATCH, GNTMAP_host_map, 3, 7, NULL), GNTST_bad_virt_addr);
    CHECK_EQ(map1(a, SCRATCH + PAGE_SIZE, GNTMAP_host_map, 3, 7, &h), GNTST_okay);
    CHECK_EQ(foreign_map_ram(a, b, 3, base + 1), -EEXIST);
    CHECK_EQ(foreign_unmap(a, base + 1), -ENOENT);     /* not a foreign mapping */
    CHECK_EQ(unmap1(a, SCRATCH + PAGE_SIZE, h), GNTST_okay);
    /* Out again: once. */
    unsigned int f0 = flushes;
    CHECK_EQ(foreign_unmap(a, base), 0);
    CHECK(flushes > f0);
    CHECK_EQ(foreign_unmap(a, base), -ENOENT);
    CHECK_EQ(foreign_unmap(a, ~0ULL), -ENOENT);
    CHECK_EQ(p2m_query(&a->p2m, SCRATCH, &hpa, NULL, NULL), -ENOENT);
    CHECK_EQ(domain_ram_refs(b, 2), 0);
    CHECK_EQ(b->refs, 2);

    /* Grant frames: allocated on demand, mapped, held by the reference. */
    CHECK_EQ(foreign_map_grant_frame(a, b, 2, base + 8), 0);
    CHECK_EQ(gnttab_nr_frames(b), 3);
    CHECK_EQ(foreign_map_grant_frame(a, b, GNTTAB_MAX_FRAMES, base + 9), -EINVAL);
    CHECK_EQ(b->refs, 3);

    /* Churn: many mappings (the table grows), half removed in a scrambled
     * order; every lookup and p2m entry must still be right. */
    enum { N = 3000 };
    static bool gone[N];
    memset(gone, 0, sizeof(gone));
    for (uint64_t i = 0; i < N; i++)
        CHECK_EQ(foreign_map_ram(a, b, i % RAM_PAGES, base + 16 + i * 7), 0);
    CHECK_EQ(foreign_nr_mappings(a), N + 1);
    CHECK_EQ(domain_ram_refs(b, 5), (N - 5 + RAM_PAGES - 1) / RAM_PAGES);
    for (uint64_t k = 0; k < N / 2; k++) {
        uint64_t i = (k * 1237) % N;
        CHECK_EQ(foreign_unmap(a, base + 16 + i * 7), 0);
        gone[i] = true;
    }
    for (uint64_t i = 0; i < N; i++) {
        CHECK_EQ(foreign_gfn_mapped(a, base + 16 + i * 7), !gone[i]);
        CHECK_EQ(p2m_query(&a->p2m, SCRATCH + (16 + i * 7) * PAGE_SIZE, &hpa, NULL, NULL) == 0,
                 !gone[i]);
        if (!gone[i])
            CHECK_EQ(hpa, (paddr_t)(uintptr_t)ram_of(b, (uint32_t)(i % RAM_PAGES)));
    }
    CHECK_EQ(foreign_nr_mappings(a), N - N / 2 + 1);

    /* b goes first: no new mappings of it, but its memory stays while a
     * maps it; then a goes, its mappings go, and b with them. */
    reap(b);
    CHECK_EQ(finals, 0);
    CHECK_EQ(foreign_domain_get(a, 7, &fd), -ESRCH);
    domain_put(b);                      /* foreign_domain_get's reference */
    CHECK_EQ(finals, 0);
    reap(a);
    CHECK_EQ(finals, 2);
    multi_teardown();
}

UNIT_MAIN("gnttab")
{
    arena = aligned_alloc(MiB(2), ARENA_SIZE);
    if (!arena)
        exit(2);
    TEST_RUN(test_init_destroy);
    TEST_RUN(test_query_size);
    TEST_RUN(test_set_version);
    TEST_RUN(test_get_version);
    TEST_RUN(test_frames_on_demand);
    TEST_RUN(test_frames_out_of_memory);
    TEST_RUN(test_frame_gpa);
    TEST_RUN(test_lookup);
    TEST_RUN(test_bad_cmds_and_counts);
    TEST_RUN(test_lookup_races_growth);
    TEST_RUN(test_map_unmap);
    TEST_RUN(test_map_refused);
    TEST_RUN(test_self_map);
    TEST_RUN(test_pins_and_latch);
    TEST_RUN(test_maptrack_limit);
    TEST_RUN(test_granter_gone_first);
    TEST_RUN(test_copy);
    TEST_RUN(test_hostile_random);
    TEST_RUN(test_foreign_map);
    free(arena);
}

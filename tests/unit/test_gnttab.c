/*
 * Host tests of grant tables v1 (hv/common/grant_table.c). The "guest" is
 * this process: a GVA is a host pointer, except the first page, which
 * faults; copy_to_guest can also be told to fail.
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
        GNTTABOP_map_grant_ref, GNTTABOP_unmap_grant_ref, GNTTABOP_setup_table,
        GNTTABOP_dump_table, GNTTABOP_transfer, GNTTABOP_copy, GNTTABOP_unmap_and_replace,
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
    free(arena);
}

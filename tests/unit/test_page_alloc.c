/* Host tests of the buddy page allocator (hv/common/page_alloc.c). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "unit.h"
#include <oryx/page_alloc.h>

/*
 * "Physical memory" is a 1 GiB-aligned window of host address space:
 * reserved PROT_NONE, and made usable piece by piece so untouched parts
 * cost nothing.
 */
#define ARENA_SIZE GiB(2)
static uint8_t *arena;

static void arena_setup(void)
{
    size_t span = ARENA_SIZE + GiB(1);
    uint8_t *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    arena = (uint8_t *)ALIGN_UP((uintptr_t)p, GiB(1));
    if (mprotect(arena, ARENA_SIZE, PROT_READ | PROT_WRITE)) {
        perror("mprotect");
        exit(2);
    }
}

/* Give the arena's pages back to the host between tests. */
static void arena_reset(void)
{
    madvise(arena, ARENA_SIZE, MADV_DONTNEED);
    page_alloc_init();
}

static paddr_t A(uint64_t off)
{
    return (paddr_t)(uintptr_t)(arena + off);
}

static uint64_t snap[PAGE_ORDER_MAX + 1];

static void snapshot(void)
{
    for (unsigned int i = 0; i <= PAGE_ORDER_MAX; i++)
        snap[i] = page_alloc_free_blocks(i);
}

static int same_as_snapshot(void)
{
    for (unsigned int i = 0; i <= PAGE_ORDER_MAX; i++)
        if (snap[i] != page_alloc_free_blocks(i))
            return 0;
    return 1;
}

static void test_basic(void)
{
    arena_reset();
    CHECK_EQ(page_alloc_free_pages(), 0);
    CHECK_EQ(page_alloc(0, NULL), 0);

    page_alloc_add_range(A(0), A(MiB(64)));
    CHECK_EQ(page_alloc_total_pages(), 16384);
    CHECK_EQ(page_alloc_meta_pages(), 4);        /* 16384 state bytes */
    CHECK_EQ(page_alloc_free_pages(), 16384 - 4);
    snapshot();

    paddr_t p = page_alloc(0, NULL);
    CHECK(p >= A(0) && p < A(MiB(64)));
    CHECK(IS_ALIGNED(p, PAGE_SIZE));
    CHECK_EQ(page_alloc_free_pages(), 16384 - 5);
    CHECK_EQ(page_alloc_hv_account.pages, 1);
    memset((void *)(uintptr_t)p, 0xaa, PAGE_SIZE);   /* really ours */

    paddr_t q = page_alloc(9, NULL);
    CHECK(IS_ALIGNED(q, MiB(2)));
    CHECK_EQ(page_alloc_hv_account.pages, 513);
    page_free(p, 0, NULL);
    page_free(q, 9, NULL);
    CHECK_EQ(page_alloc_free_pages(), 16384 - 4);
    CHECK_EQ(page_alloc_hv_account.pages, 0);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static void test_zeroed(void)
{
    arena_reset();
    page_alloc_add_range(A(0), A(MiB(8)));
    paddr_t p = page_alloc(2, NULL);
    CHECK(p);
    memset((void *)(uintptr_t)p, 0x5a, 4 * PAGE_SIZE);
    page_free(p, 2, NULL);
    paddr_t q = page_alloc_zeroed(2, NULL);
    CHECK_EQ(q, p);           /* LIFO: the same block comes back */
    int nonzero = 0;
    for (size_t i = 0; i < 4 * PAGE_SIZE; i++)
        nonzero |= ((uint8_t *)(uintptr_t)q)[i];
    CHECK_EQ(nonzero, 0);
    page_free(q, 2, NULL);
}

/* Take every page one by one, give them back in a scrambled order. */
static void test_exhaust_and_coalesce(void)
{
    arena_reset();
    page_alloc_add_range(A(0), A(MiB(16)));
    snapshot();
    uint64_t n = page_alloc_free_pages();
    paddr_t *pages = calloc(n, sizeof(*pages));
    uint64_t got = 0;
    paddr_t p;

    while ((p = page_alloc(0, NULL)) != 0) {
        CHECK(got < n);
        if (got >= n)
            break;
        pages[got++] = p;
    }
    CHECK_EQ(got, n);
    CHECK_EQ(page_alloc_free_pages(), 0);
    CHECK_EQ(page_alloc(0, NULL), 0);
    CHECK_EQ(page_alloc(5, NULL), 0);

    srand(7);
    for (uint64_t i = got; i > 1; i--) {
        uint64_t j = (uint64_t)rand() % i;
        paddr_t t = pages[i - 1];
        pages[i - 1] = pages[j];
        pages[j] = t;
    }
    for (uint64_t i = 0; i < got; i++)
        page_free(pages[i], 0, NULL);
    CHECK_EQ(page_alloc_free_pages(), n);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_misuse_count(), 0);
    free(pages);

    /* The same with order-3 blocks: exhaustion at the block level. */
    uint64_t blocks = 0;
    while (page_alloc(3, NULL))
        blocks++;
    CHECK(blocks >= n / 8 - 8);
    CHECK(page_alloc_free_pages() < 8 * 8);
}

static void test_order18(void)
{
    arena_reset();
    /* [1 GiB-aligned, +1 GiB + 4 MiB): the state array goes at the ragged end. */
    page_alloc_add_range(A(0), A(GiB(1) + MiB(4)));
    CHECK_EQ(page_alloc_free_blocks(18), 1);
    snapshot();
    paddr_t p = page_alloc(18, NULL);
    CHECK_EQ(p, A(0));
    CHECK_EQ(page_alloc(18, NULL), 0);
    CHECK_EQ(page_alloc_hv_account.pages, 1u << 18);
    paddr_t q = page_alloc(9, NULL);       /* the leftover 4 MiB still serves */
    CHECK(q >= A(GiB(1)));
    page_free(p, 18, NULL);
    page_free(q, 9, NULL);
    CHECK(same_as_snapshot());

    /* A 1 GiB range whose start is ragged keeps its aligned end intact. */
    arena_reset();
    page_alloc_add_range(A(GiB(1) - MiB(4) + 123), A(GiB(2)));
    CHECK_EQ(page_alloc_free_blocks(18), 1);
    CHECK_EQ(page_alloc(18, NULL), A(GiB(1)));

    /* Split all the way down from 1 GiB and merge back up. */
    arena_reset();
    page_alloc_add_range(A(0), A(GiB(1) + MiB(1)));
    paddr_t small[64];
    unsigned int small_ord[64], nsmall = 0;
    for (unsigned int k = 0; k < 18; k++)          /* take the leftover first */
        while (page_alloc_free_blocks(k) && nsmall < 64) {
            small[nsmall] = page_alloc(k, NULL);
            small_ord[nsmall++] = k;
        }
    snapshot();
    CHECK_EQ(page_alloc_free_pages(), 1u << 18);
    p = page_alloc(0, NULL);
    CHECK_EQ(page_alloc_free_blocks(18), 0);
    for (unsigned int k = 0; k < 18; k++)
        CHECK(page_alloc_free_blocks(k) >= 1);
    page_free(p, 0, NULL);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_free_blocks(18), 1);
    while (nsmall--)
        page_free(small[nsmall], small_ord[nsmall], NULL);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static void test_accounting(void)
{
    struct mem_account d = { .max_pages = 10, .name = "dom1" };
    struct mem_account u = { .name = "unlimited" };

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(8)));
    uint64_t free0 = page_alloc_free_pages();

    paddr_t a = page_alloc(3, &d);           /* 8 */
    CHECK(a);
    CHECK_EQ(d.pages, 8);
    CHECK_EQ(page_alloc(2, &d), 0);          /* 8 + 4 > 10 */
    CHECK_EQ(d.pages, 8);
    paddr_t b = page_alloc(1, &d);           /* 10 */
    CHECK(b);
    CHECK_EQ(d.pages, 10);
    CHECK_EQ(page_alloc(0, &d), 0);
    CHECK_EQ(page_alloc_free_pages(), free0 - 10);

    paddr_t c = page_alloc(8, &u);
    CHECK(c);
    CHECK_EQ(u.pages, 256);
    CHECK_EQ(page_alloc_hv_account.pages, 0);

    page_free(a, 3, &d);
    CHECK_EQ(d.pages, 2);
    a = page_alloc(3, &d);                   /* room again */
    CHECK(a);
    page_free(a, 3, &d);
    page_free(b, 1, &d);
    page_free(c, 8, &u);
    CHECK_EQ(d.pages, 0);
    CHECK_EQ(u.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);

    /* Freeing more than an account holds is reported, the pages still return. */
    a = page_alloc(0, NULL);
    page_free(a, 0, &d);
    CHECK_EQ(page_alloc_misuse_count(), 1);
    CHECK_EQ(d.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    page_alloc_hv_account.pages = 0;
}

struct range { uint64_t s, e; };
static const struct range odd_ranges[] = {
    { MiB(1) + 123, MiB(3) - 77 },
    { MiB(5), MiB(5) + KiB(40) },            /* 10 pages, one of them metadata */
    { MiB(64) + KiB(4), MiB(100) + KiB(12) },
    { MiB(7), MiB(9) },                      /* added out of order */
    { GiB(1) + KiB(8), GiB(1) + KiB(12) },   /* one page: too small, dropped */
};

static int in_ranges(paddr_t p, uint64_t size)
{
    for (size_t i = 0; i < ARRAY_SIZE(odd_ranges); i++)
        if (p >= A(odd_ranges[i].s) && p + size <= A(odd_ranges[i].e))
            return 1;
    return 0;
}

static void test_noncontiguous(void)
{
    arena_reset();
    uint64_t expect_total = 0;
    for (size_t i = 0; i < ARRAY_SIZE(odd_ranges); i++) {
        page_alloc_add_range(A(odd_ranges[i].s), A(odd_ranges[i].e));
        if (i < 4)
            expect_total += (ALIGN_DOWN(A(odd_ranges[i].e), PAGE_SIZE) -
                             ALIGN_UP(A(odd_ranges[i].s), PAGE_SIZE)) / PAGE_SIZE;
    }
    CHECK_EQ(page_alloc_total_pages(), expect_total);
    CHECK_EQ(page_alloc_free_pages() + page_alloc_meta_pages(), expect_total);
    snapshot();

    /* Overlapping an existing range is refused and changes nothing. */
    uint64_t f = page_alloc_free_pages();
    page_alloc_add_range(A(MiB(2)), A(MiB(4)));
    page_alloc_add_range(A(MiB(100)), A(MiB(101)));   /* hits the state array */
    CHECK_EQ(page_alloc_free_pages(), f);

    /* Every page handed out lies inside a range; take them all in mixed orders. */
    paddr_t *got = calloc(f, sizeof(*got));
    unsigned int *ord = calloc(f, sizeof(*ord));
    uint64_t n = 0, pages = 0;
    for (unsigned int o = 12; ; o = o ? o - 1 : 0) {
        paddr_t p = page_alloc(o, NULL);
        if (!p) {
            if (o == 0)
                break;
            continue;
        }
        CHECK(in_ranges(p, PAGE_SIZE << o));
        CHECK(IS_ALIGNED(p, PAGE_SIZE << o));
        got[n] = p;
        ord[n++] = o;
        pages += 1ULL << o;
    }
    CHECK_EQ(pages, f);
    CHECK_EQ(page_alloc_free_pages(), 0);
    for (uint64_t i = n; i-- > 0; )
        page_free(got[i], ord[i], NULL);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_misuse_count(), 0);
    free(got);
    free(ord);
}

/* Adjacent ranges whose state arrays sit at their far ends: blocks merge across. */
static void test_adjacent_merge(void)
{
    arena_reset();
    page_alloc_add_range(A(MiB(3)), A(MiB(4) + KiB(4)));   /* array at its end */
    page_alloc_add_range(A(MiB(1) + KiB(4)), A(MiB(3)));   /* array at its start */
    CHECK_EQ(page_alloc_meta_pages(), 2);
    CHECK_EQ(page_alloc_free_blocks(9), 1);                 /* [2M, 4M) spans both */
    snapshot();
    paddr_t p = page_alloc(9, NULL);
    CHECK_EQ(p, A(MiB(2)));
    page_free(p, 9, NULL);
    p = page_alloc(0, NULL);            /* splits the spanning block */
    paddr_t q = page_alloc(8, NULL);
    CHECK(q == A(MiB(3)) || q == A(MiB(2)));
    page_free(q, 8, NULL);
    page_free(p, 0, NULL);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static void test_misuse(void)
{
    arena_reset();
    page_alloc_add_range(A(MiB(1)), A(MiB(9)));
    uint64_t f = page_alloc_free_pages();
    paddr_t p = page_alloc(2, NULL);
    paddr_t q = page_alloc(0, NULL);
    CHECK(p && q);

    page_free(p + PAGE_SIZE, 0, NULL);       /* inside a block */
    CHECK_EQ(page_alloc_misuse_count(), 1);
    page_free(p + 8, 2, NULL);               /* unaligned */
    CHECK_EQ(page_alloc_misuse_count(), 2);
    page_free(p, 1, NULL);                   /* wrong order */
    CHECK_EQ(page_alloc_misuse_count(), 3);
    page_free(A(MiB(20)), 0, NULL);          /* never added */
    CHECK_EQ(page_alloc_misuse_count(), 4);
    page_free(A(MiB(1)), 0, NULL);           /* a free page */
    CHECK_EQ(page_alloc_misuse_count(), 5);
    page_free(p, 19, NULL);                  /* order out of range */
    CHECK_EQ(page_alloc_misuse_count(), 6);
    CHECK_EQ(page_alloc(19, NULL), 0);
    CHECK_EQ(page_alloc_free_pages(), f - 5);

    page_free(p, 2, NULL);
    page_free(p, 2, NULL);                   /* double free */
    CHECK_EQ(page_alloc_misuse_count(), 7);
    page_free(q, 0, NULL);
    page_free(q, 0, NULL);                   /* double free after merging */
    CHECK_EQ(page_alloc_misuse_count(), 8);
    CHECK_EQ(page_alloc_free_pages(), f);
    CHECK_EQ(page_alloc_hv_account.pages, 0);

    page_alloc_add_range(A(MiB(30)), A(MiB(30)));   /* empty: ignored */
    page_alloc_add_range(A(MiB(31)), A(MiB(30)));   /* reversed: ignored */
    page_alloc_add_range(0, PAGE_SIZE);             /* page 0 never managed */
    CHECK_EQ(page_alloc_free_pages(), f);
}

/* Random alloc/free against a shadow model of who owns which page. */
#define STRESS_SPAN MiB(48)
struct live { paddr_t pa; unsigned int order; struct mem_account *acct; };

static void test_stress(void)
{
    static struct live live[4096];
    static uint8_t owner[STRESS_SPAN / PAGE_SIZE];
    struct mem_account accts[3] = {
        { .max_pages = 3000, .name = "a" }, { .max_pages = 0, .name = "b" },
        { .max_pages = 50, .name = "c" },
    };
    unsigned int nlive = 0;

    arena_reset();
    page_alloc_add_range(A(KiB(4)), A(MiB(20) + KiB(36)));
    page_alloc_add_range(A(MiB(24)), A(STRESS_SPAN));
    snapshot();
    uint64_t f0 = page_alloc_free_pages(), used = 0;
    memset(owner, 0, sizeof(owner));
    srand(1234);

    for (int it = 0; it < 200000; it++) {
        if (nlive < ARRAY_SIZE(live) && (rand() % 100) < 55) {
            unsigned int o = (unsigned int)(rand() % 100 < 80 ? rand() % 3 : rand() % 12);
            int ai = rand() % 4;
            struct mem_account *acct = ai == 3 ? NULL : &accts[ai];
            uint64_t before = acct ? acct->pages : page_alloc_hv_account.pages;
            paddr_t p = page_alloc(o, acct);
            if (!p) {
                /* Allowed only when out of memory or over the limit. */
                int over = acct && acct->max_pages && before + (1ULL << o) > acct->max_pages;
                CHECK(over || page_alloc_free_pages() < (1ULL << o) ||
                      page_alloc_free_blocks(o) == 0);
                continue;
            }
            CHECK(IS_ALIGNED(p, PAGE_SIZE << o));
            uint64_t first = (p - A(0)) / PAGE_SIZE;
            for (uint64_t i = 0; i < (1ULL << o); i++) {
                CHECK(owner[first + i] == 0);
                owner[first + i] = 1;
            }
            /* Stamp both ends to catch overlapping blocks. */
            *(uint64_t *)(uintptr_t)p = p;
            *(uint64_t *)(uintptr_t)(p + (PAGE_SIZE << o) - 8) = ~p;
            live[nlive++] = (struct live){ p, o, acct };
            used += 1ULL << o;
        } else if (nlive) {
            unsigned int k = (unsigned int)rand() % nlive;
            struct live l = live[k];
            live[k] = live[--nlive];
            CHECK_EQ(*(uint64_t *)(uintptr_t)l.pa, l.pa);
            CHECK_EQ(*(uint64_t *)(uintptr_t)(l.pa + (PAGE_SIZE << l.order) - 8), ~l.pa);
            uint64_t first = (l.pa - A(0)) / PAGE_SIZE;
            for (uint64_t i = 0; i < (1ULL << l.order); i++)
                owner[first + i] = 0;
            page_free(l.pa, l.order, l.acct);
            used -= 1ULL << l.order;
        }
        if ((it & 1023) == 0) {
            CHECK_EQ(page_alloc_free_pages(), f0 - used);
            CHECK(accts[0].pages <= 3000 && accts[2].pages <= 50);
        }
    }
    CHECK_EQ(accts[0].pages + accts[1].pages + accts[2].pages + page_alloc_hv_account.pages,
             used);
    while (nlive) {
        nlive--;
        page_free(live[nlive].pa, live[nlive].order, live[nlive].acct);
    }
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK(same_as_snapshot());
    CHECK_EQ(accts[0].pages + accts[1].pages + accts[2].pages, 0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

/* Several threads allocate and free at once; the lock keeps it consistent. */
#define THREADS 4
static void *smp_worker(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;
    paddr_t held[64];
    unsigned int ord[64], n = 0;

    for (int it = 0; it < 20000; it++) {
        if (n < 64 && (rand_r(&seed) & 1)) {
            unsigned int o = rand_r(&seed) % 4;
            paddr_t p = page_alloc(o, NULL);
            if (p) {
                *(volatile uint64_t *)(uintptr_t)p = p;
                held[n] = p;
                ord[n++] = o;
            }
        } else if (n) {
            n--;
            if (*(volatile uint64_t *)(uintptr_t)held[n] != held[n])
                return (void *)1;
            page_free(held[n], ord[n], NULL);
        }
    }
    while (n--)
        page_free(held[n], ord[n], NULL);
    return NULL;
}

static void test_smp(void)
{
    pthread_t t[THREADS];
    void *rv;

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(32)));
    snapshot();
    uint64_t f0 = page_alloc_free_pages();
    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, smp_worker, (void *)(i + 1)), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], &rv);
        CHECK(rv == NULL);
    }
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK(same_as_snapshot());
    CHECK_EQ(page_alloc_hv_account.pages, 0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static void test_dump(void)
{
    arena_reset();
    page_alloc_add_range(A(MiB(1)), A(MiB(5)));
    page_alloc_dump();      /* must not crash; output muted by the shim */
    CHECK(page_alloc_free_pages() > 0);
}

/* page_alloc_at: exactly that frame when free, else nothing changes. */
static void test_alloc_at(void)
{
    struct mem_account acct = { .name = "at" };

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(16)));     /* state array at the end */
    snapshot();
    uint64_t free0 = page_alloc_free_pages();

    CHECK_EQ(page_alloc_at(A(MiB(3) + 5 * PAGE_SIZE), 0, &acct), A(MiB(3) + 5 * PAGE_SIZE));
    CHECK_EQ(acct.pages, 1);
    CHECK_EQ(page_alloc_free_pages(), free0 - 1);
    CHECK(page_alloc_is_allocated(A(MiB(3) + 5 * PAGE_SIZE)));
    CHECK(!page_alloc_is_allocated(A(MiB(3) + 6 * PAGE_SIZE)));
    /* Taken now: not again, nor a block around it. */
    CHECK_EQ(page_alloc_at(A(MiB(3) + 5 * PAGE_SIZE), 0, &acct), 0);
    CHECK_EQ(page_alloc_at(A(MiB(3) + 4 * PAGE_SIZE), 1, &acct), 0);
    CHECK_EQ(page_alloc_at(A(MiB(2)), 9, &acct), 0);
    /* A neighbour, an aligned 2 MiB block elsewhere. */
    CHECK_EQ(page_alloc_at(A(MiB(3) + 6 * PAGE_SIZE), 1, &acct), A(MiB(3) + 6 * PAGE_SIZE));
    CHECK_EQ(page_alloc_at(A(MiB(8)), 9, &acct), A(MiB(8)));
    CHECK_EQ(acct.pages, 1 + 2 + 512);
    /* Bad requests: unaligned, page 0, beyond the ranges, the state array. */
    CHECK_EQ(page_alloc_at(A(MiB(3) + PAGE_SIZE), 1, &acct), 0);
    CHECK_EQ(page_alloc_at(0, 0, &acct), 0);
    CHECK_EQ(page_alloc_at(A(MiB(32)), 0, &acct), 0);
    CHECK_EQ(page_alloc_at(A(MiB(16) - PAGE_SIZE), 0, &acct), 0);
    CHECK_EQ(page_alloc_at(A(0), 19, &acct), 0);
    CHECK_EQ(page_alloc_at(A(0), 24, &acct), 0);
    /* The account's maximum holds. */
    acct.max_pages = acct.pages;
    CHECK_EQ(page_alloc_at(A(MiB(5)), 0, &acct), 0);
    acct.max_pages = 0;
    /* What ordinary allocation hands out never collides with them. */
    for (paddr_t p; (p = page_alloc(0, NULL)) != 0; )
        CHECK(p != A(MiB(3) + 5 * PAGE_SIZE) && (p < A(MiB(8)) || p >= A(MiB(10))));
    arena_reset();
    acct.pages = 0;
    page_alloc_add_range(A(0), A(MiB(16)));
    paddr_t a = page_alloc_at(A(MiB(3) + 5 * PAGE_SIZE), 0, &acct);
    page_free(a, 0, &acct);
    page_free(page_alloc_at(A(MiB(8)), 9, &acct), 9, &acct);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK(same_as_snapshot());
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

/* page_free_part: pages out of the middle of a block, the rest later. */
static void test_free_part(void)
{
    struct mem_account acct = { .name = "part" };

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(16)));
    snapshot();
    uint64_t free0 = page_alloc_free_pages();
    paddr_t b = page_alloc(9, &acct);

    CHECK(b);
    CHECK_EQ(page_free_part(b + 77 * PAGE_SIZE, 0, &acct), 0);
    CHECK_EQ(acct.pages, 511);
    CHECK_EQ(page_alloc_free_pages(), free0 - 511);
    CHECK(!page_alloc_is_allocated(b + 77 * PAGE_SIZE));
    CHECK(page_alloc_is_allocated(b + 76 * PAGE_SIZE));
    /* The freed page can be had again, exactly. */
    CHECK_EQ(page_alloc_at(b + 77 * PAGE_SIZE, 0, &acct), b + 77 * PAGE_SIZE);
    CHECK_EQ(page_free_part(b + 77 * PAGE_SIZE, 0, &acct), 0);
    /* Misuse: twice, unaligned, larger than the block, never added. */
    CHECK_EQ(page_free_part(b + 77 * PAGE_SIZE, 0, &acct), -EINVAL);
    CHECK_EQ(page_free_part(b + PAGE_SIZE, 1, &acct), -EINVAL);
    CHECK_EQ(page_free_part(b, 10, &acct), -EINVAL);
    CHECK_EQ(page_free_part(A(MiB(40)), 0, &acct), -EINVAL);
    CHECK_EQ(page_free_part(b, 30, &acct), -EINVAL);
    CHECK_EQ(page_alloc_misuse_count(), 5);
    CHECK_EQ(acct.pages, 511);
    /* A 64-page piece, then every remaining page, in a scrambled order. */
    CHECK_EQ(page_free_part(b + 128 * PAGE_SIZE, 6, &acct), 0);
    CHECK_EQ(acct.pages, 511 - 64);
    unsigned int idx[512], n = 0;
    for (unsigned int i = 0; i < 512; i++)
        if (i != 77 && (i < 128 || i >= 192))
            idx[n++] = i;
    srand(3);
    for (unsigned int i = n; i > 1; i--) {
        unsigned int j = (unsigned int)rand() % i, t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
    for (unsigned int i = 0; i < n; i++)
        CHECK_EQ(page_free_part(b + idx[i] * PAGE_SIZE, 0, &acct), 0);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK(same_as_snapshot());      /* merged back into the big blocks */
    CHECK_EQ(page_alloc_misuse_count(), 5);
    /* A whole block: the same as page_free. */
    b = page_alloc(4, &acct);
    CHECK_EQ(page_free_part(b, 4, &acct), 0);
    CHECK(same_as_snapshot());
}

/* Pages given back cold are handed out again only when nothing else fits. */
static void test_cold(void)
{
    struct mem_account acct = { .name = "cold" };

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(4)));
    uint64_t free0 = page_alloc_free_pages();
    paddr_t b = page_alloc(9, &acct);
    CHECK(b);
    CHECK_EQ(page_free_cold(b + 5 * PAGE_SIZE, 0, &acct), 0);
    CHECK_EQ(page_free_cold(b + 6 * PAGE_SIZE, 1, &acct), 0);  /* no merge: 4 still ours */
    CHECK_EQ(page_free_cold(b + 4 * PAGE_SIZE, 0, &acct), 0);  /* merges: 4-7 cold, order 2 */
    CHECK_EQ(acct.pages, 512 - 4);
    /* Everything warm first: the four cold pages come last. */
    uint64_t n = page_alloc_free_pages(), got = 0;
    for (paddr_t p; (p = page_alloc(0, NULL)) != 0; got++) {
        bool cold = p >= b + 4 * PAGE_SIZE && p < b + 8 * PAGE_SIZE;
        CHECK_EQ(cold, got >= n - 4);
    }
    CHECK_EQ(got, n);
    /* page_alloc_at takes a cold page like any free one. */
    arena_reset();
    acct.pages = 0;
    page_alloc_add_range(A(0), A(MiB(4)));
    b = page_alloc(9, &acct);
    CHECK_EQ(page_free_cold(b + 9 * PAGE_SIZE, 0, &acct), 0);
    CHECK_EQ(page_alloc_at(b + 9 * PAGE_SIZE, 0, &acct), b + 9 * PAGE_SIZE);
    CHECK_EQ(page_free_cold(b + 9 * PAGE_SIZE, 0, &acct), 0);
    for (unsigned int i = 0; i < 512; i++)
        if (i != 9)
            CHECK_EQ(page_free_part(b + i * PAGE_SIZE, 0, &acct), 0);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

/* A range owned from the start (dom0's boot RAM) given back page by page. */
static void test_taken_range(void)
{
    struct mem_account acct = { .name = "dom0", .pages = 1024 };

    arena_reset();
    page_alloc_add_range(A(0), A(MiB(8)));
    uint64_t free0 = page_alloc_free_pages(), total0 = page_alloc_total_pages();
    uint64_t hv0 = page_alloc_hv_account.pages;

    /* Ragged start, 1024 pages: 0x1000-aligned pieces of several orders. */
    CHECK_EQ(page_alloc_add_taken(A(MiB(12) + PAGE_SIZE), A(MiB(16) + PAGE_SIZE)), 0);
    CHECK_EQ(page_alloc_total_pages(), total0 + 1024);
    CHECK_EQ(page_alloc_free_pages(), free0 - 1);   /* its state array */
    CHECK_EQ(page_alloc_hv_account.pages, hv0 + 1);
    CHECK(page_alloc_is_allocated(A(MiB(12) + PAGE_SIZE)));
    CHECK(page_alloc_is_allocated(A(MiB(16))));
    CHECK(!page_alloc_is_allocated(A(MiB(12))));
    /* Overlaps and nonsense are refused. */
    CHECK_EQ(page_alloc_add_taken(A(MiB(7)), A(MiB(9))), -EEXIST);
    CHECK_EQ(page_alloc_add_taken(A(MiB(14)), A(MiB(15))), -EEXIST);
    CHECK_EQ(page_alloc_add_taken(A(MiB(20)), A(MiB(20))), -EINVAL);
    CHECK_EQ(page_alloc_hv_account.pages, hv0 + 1);
    /* Pages given back become ordinary free RAM, and come back exactly. */
    CHECK_EQ(page_free_part(A(MiB(13)), 0, &acct), 0);
    CHECK_EQ(page_free_part(A(MiB(14)), 8, &acct), 0);
    CHECK_EQ(acct.pages, 1024 - 257);
    CHECK_EQ(page_alloc_free_pages(), free0 - 1 + 257);
    CHECK_EQ(page_alloc_at(A(MiB(13)), 0, &acct), A(MiB(13)));
    CHECK_EQ(acct.pages, 1024 - 256);
    /* Handing back all of it leaves the allocator consistent. */
    for (uint64_t off = MiB(12) + PAGE_SIZE; off < MiB(16) + PAGE_SIZE; off += PAGE_SIZE)
        if (off < MiB(14) || off >= MiB(15))
            CHECK_EQ(page_free_part(A(off), 0, &acct), 0);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0 - 1 + 1024);
    CHECK_EQ(page_alloc_misuse_count(), 0);
    /* And all of it can be allocated. */
    uint64_t got = 0;
    while (page_alloc(0, NULL))
        got++;
    CHECK_EQ(got, free0 - 1 + 1024);
}

UNIT_MAIN("page_alloc")
{
    arena_setup();
    TEST_RUN(test_basic);
    TEST_RUN(test_zeroed);
    TEST_RUN(test_exhaust_and_coalesce);
    TEST_RUN(test_order18);
    TEST_RUN(test_accounting);
    TEST_RUN(test_noncontiguous);
    TEST_RUN(test_adjacent_merge);
    TEST_RUN(test_misuse);
    TEST_RUN(test_stress);
    TEST_RUN(test_smp);
    TEST_RUN(test_dump);
    TEST_RUN(test_alloc_at);
    TEST_RUN(test_free_part);
    TEST_RUN(test_taken_range);
    TEST_RUN(test_cold);
}

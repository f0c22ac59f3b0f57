/* Host tests of the nested page tables (hv/arch/x86/npt.c). */
#include <stdint.h>
#include "unit.h"
#include <asm/npt.h>
#include <asm/page.h>
#include <oryx/errno.h>
#include <oryx/page_alloc.h>

/* Table pages come from a page_alloc arena; host addresses mapped are just numbers. */
#define ARENA_SIZE MiB(64)
static uint8_t *arena;
static uint64_t free0;

static void fresh(void)
{
    page_alloc_init();
    page_alloc_add_range((paddr_t)(uintptr_t)arena, (paddr_t)(uintptr_t)(arena + ARENA_SIZE));
    free0 = page_alloc_free_pages();
    p2m_set_max_leaf_order(PAGE_ORDER_1G);
}

static int query(struct p2m *p, gpaddr_t gpa, paddr_t *hpa, unsigned int *perms,
                 unsigned int *order)
{
    return p2m_query(p, gpa, hpa, perms, order);
}

/* Every present entry, at every level, must carry U/S; leaves PSE only above level 1. */
static int check_tree(uint64_t *t, unsigned int level, uint64_t *tables)
{
    int bad = 0;

    (*tables)++;
    for (int i = 0; i < 512; i++) {
        uint64_t e = t[i];
        if (!(e & _PAGE_PRESENT))
            continue;
        if (!(e & _PAGE_USER))
            bad++;
        if (level == 4 && (e & _PAGE_PSE))
            bad++;
        if (level > 1 && !(e & _PAGE_PSE)) {
            if (e & _PAGE_NX)
                bad++;
            bad += check_tree(__va(e & PTE_ADDR_MASK), level - 1, tables);
        }
    }
    return bad;
}

static void tree_ok(struct p2m *p)
{
    uint64_t tables = 0;
    CHECK_EQ(check_tree(__va(p->root), 4, &tables), 0);
    CHECK_EQ(tables, p->table_pages);
}

static void test_init_destroy(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    CHECK(p.root != 0 && IS_ALIGNED(p.root, PAGE_SIZE));
    CHECK_EQ(p.table_pages, 1);
    CHECK_EQ(acct.pages, 1);
    CHECK_EQ(query(&p, 0, NULL, NULL, NULL), -ENOENT);
    p2m_destroy(&p);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    p2m_destroy(&p);                 /* twice is harmless */
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, P2M_R), -EINVAL);
}

static void test_sizes(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;
    paddr_t h;
    unsigned int perms, order;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);

    /* 4 KiB */
    CHECK_EQ(p2m_map(&p, 0x1000, 0x12345000, PAGE_SIZE, P2M_R | P2M_W), 0);
    CHECK_EQ(query(&p, 0x1123, &h, &perms, &order), 0);
    CHECK_EQ(h, 0x12345123);
    CHECK_EQ(perms, P2M_R | P2M_W);
    CHECK_EQ(order, 0);
    CHECK_EQ(query(&p, 0x2000, &h, NULL, NULL), -ENOENT);
    CHECK_EQ(query(&p, 0x0fff, NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(p.table_pages, 4);

    /* 2 MiB: two leaves in the same page directory */
    CHECK_EQ(p2m_map(&p, MiB(2), GiB(5), MiB(4), P2M_R | P2M_X), 0);
    CHECK_EQ(query(&p, MiB(5) + 7, &h, &perms, &order), 0);
    CHECK_EQ(h, GiB(5) + MiB(3) + 7);
    CHECK_EQ(perms, P2M_R | P2M_X);
    CHECK_EQ(order, 9);
    CHECK_EQ(p.table_pages, 4);

    /* 1 GiB */
    CHECK_EQ(p2m_map(&p, GiB(1), GiB(8), GiB(2), P2M_R | P2M_W | P2M_X), 0);
    CHECK_EQ(query(&p, GiB(2) + 0x1234567, &h, &perms, &order), 0);
    CHECK_EQ(h, GiB(9) + 0x1234567);
    CHECK_EQ(perms, P2M_PERMS);
    CHECK_EQ(order, 18);
    CHECK_EQ(p.table_pages, 4);

    /* High up, in another PML4 slot */
    gpaddr_t top = (1ULL << 48) - GiB(1);
    CHECK_EQ(p2m_map(&p, top, (1ULL << 52) - GiB(1), GiB(1), P2M_R), 0);
    CHECK_EQ(query(&p, (1ULL << 48) - 1, &h, &perms, &order), 0);
    CHECK_EQ(h, (1ULL << 52) - 1);
    CHECK_EQ(perms, P2M_R);
    CHECK_EQ(order, 18);
    CHECK_EQ(p.table_pages, 5);
    tree_ok(&p);

    p2m_destroy(&p);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
}

/* The leaf order the geometry allows for the page at gpa of a mapping. */
static unsigned int expect_order(gpaddr_t gpa, gpaddr_t start, uint64_t size, int64_t delta,
                                 unsigned int max)
{
    for (unsigned int o = max; o > 0; o -= 9) {
        uint64_t span = PAGE_SIZE << o;
        gpaddr_t base = ALIGN_DOWN(gpa, span);
        if (base >= start && base + span <= start + size &&
            IS_ALIGNED((uint64_t)((int64_t)base + delta), span))
            return o;
    }
    return 0;
}

/* Map a range with ragged edges; query every page. */
static void mixed(unsigned int max)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;
    const gpaddr_t start = GiB(1) - MiB(2) - KiB(8);
    const uint64_t size = GiB(2) + MiB(4) + KiB(20);
    const int64_t delta = (int64_t)GiB(63);   /* hpa = gpa + delta: same alignment */
    uint64_t bad = 0, cnt[19] = { 0 };

    fresh();
    p2m_set_max_leaf_order(max);
    CHECK_EQ(p2m_init(&p, &acct), 0);
    CHECK_EQ(p2m_map(&p, start, start + (uint64_t)delta, size, P2M_R | P2M_W), 0);
    for (gpaddr_t g = start - PAGE_SIZE; g < start + size + PAGE_SIZE; g += PAGE_SIZE) {
        paddr_t h;
        unsigned int perms, order;
        int rc = query(&p, g, &h, &perms, &order);
        if (g < start || g >= start + size) {
            bad += rc != -ENOENT;
            continue;
        }
        bad += rc != 0 || h != g + (uint64_t)delta || perms != (P2M_R | P2M_W) ||
               order != expect_order(g, start, size, delta, max);
        cnt[order]++;
    }
    CHECK_EQ(bad, 0);
    CHECK(cnt[0] > 0 && cnt[9] > 0);
    CHECK(max == 18 ? cnt[18] > 0 : cnt[18] == 0);
    tree_ok(&p);
    p2m_destroy(&p);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK_EQ(acct.pages, 0);
}

static void test_mixed_every_page(void)
{
    mixed(18);
}

static void test_no_1g_leaves(void)
{
    mixed(9);
    fresh();
}

static void test_misaligned_hpa(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;
    unsigned int order;
    paddr_t h;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    /* gpa 1 GiB aligned, hpa only 4 KiB aligned: nothing bigger than 4 KiB. */
    CHECK_EQ(p2m_map(&p, GiB(1), MiB(2) + KiB(4), MiB(8), P2M_R), 0);
    for (gpaddr_t g = GiB(1); g < GiB(1) + MiB(8); g += PAGE_SIZE) {
        CHECK_EQ(query(&p, g, &h, NULL, &order), 0);
        if (h != g - GiB(1) + MiB(2) + KiB(4) || order != 0) {
            CHECK(0);
            break;
        }
    }
    CHECK_EQ(p.table_pages, 1 + 1 + 1 + 4);
    p2m_destroy(&p);
    CHECK_EQ(page_alloc_free_pages(), free0);
}

static void test_split(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;
    unsigned int perms, order;
    paddr_t h;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    CHECK_EQ(p2m_map(&p, GiB(4), GiB(16), GiB(1), P2M_R | P2M_W | P2M_X), 0);
    CHECK_EQ(p.table_pages, 2);

    /* Remap one 4 KiB page inside the 1 GiB leaf: 1G -> 2M leaves -> 4K leaves. */
    gpaddr_t g = GiB(4) + MiB(300) + KiB(12);
    CHECK_EQ(p2m_map(&p, g, 0xabcd000, PAGE_SIZE, P2M_R), 0);
    CHECK_EQ(p.table_pages, 4);
    CHECK_EQ(query(&p, g + 5, &h, &perms, &order), 0);
    CHECK_EQ(h, 0xabcd005);
    CHECK_EQ(perms, P2M_R);
    CHECK_EQ(order, 0);
    CHECK_EQ(query(&p, g + PAGE_SIZE, &h, &perms, &order), 0);   /* same 2M: split */
    CHECK_EQ(h, GiB(16) + MiB(300) + KiB(16));
    CHECK_EQ(perms, P2M_PERMS);
    CHECK_EQ(order, 0);
    CHECK_EQ(query(&p, GiB(4) + MiB(302), &h, &perms, &order), 0);  /* next 2M */
    CHECK_EQ(h, GiB(16) + MiB(302));
    CHECK_EQ(order, 9);
    CHECK_EQ(query(&p, GiB(4), &h, NULL, &order), 0);
    CHECK_EQ(h, GiB(16));
    CHECK_EQ(order, 9);
    CHECK_EQ(query(&p, GiB(5) - 1, &h, NULL, &order), 0);
    CHECK_EQ(h, GiB(17) - 1);

    /* Every page of the old 1 GiB still maps where it did, but the one. */
    uint64_t bad = 0;
    for (gpaddr_t x = GiB(4); x < GiB(5); x += PAGE_SIZE) {
        if (x == g)
            continue;
        bad += query(&p, x, &h, &perms, NULL) != 0 || h != x + GiB(12) || perms != P2M_PERMS;
    }
    CHECK_EQ(bad, 0);

    /* Remapping the whole GiB over the existing tables reuses them. */
    CHECK_EQ(p2m_map(&p, GiB(4), GiB(20), GiB(1), P2M_R), 0);
    CHECK_EQ(p.table_pages, 4);
    CHECK_EQ(query(&p, g, &h, &perms, &order), 0);
    CHECK_EQ(h, GiB(20) + MiB(300) + KiB(12));
    CHECK_EQ(order, 0);
    CHECK_EQ(query(&p, GiB(4) + MiB(600), &h, &perms, &order), 0);
    CHECK_EQ(h, GiB(20) + MiB(600));
    CHECK_EQ(order, 9);
    CHECK_EQ(perms, P2M_R);
    tree_ok(&p);
    p2m_destroy(&p);
    CHECK_EQ(page_alloc_free_pages(), free0);
}

static void test_unmap(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;
    unsigned int order;
    paddr_t h;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    CHECK_EQ(p2m_unmap(&p, 0, GiB(4)), 0);          /* nothing there: fine */
    CHECK_EQ(p.table_pages, 1);

    CHECK_EQ(p2m_map(&p, 0, 0, GiB(2), P2M_R | P2M_W), 0);
    CHECK_EQ(p2m_unmap(&p, MiB(10) + KiB(4), KiB(8)), 0);  /* splits 1G, then 2M */
    CHECK_EQ(query(&p, MiB(10), &h, NULL, &order), 0);
    CHECK_EQ(order, 0);
    CHECK_EQ(query(&p, MiB(10) + KiB(4), NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(query(&p, MiB(10) + KiB(8), NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(query(&p, MiB(10) + KiB(12), &h, NULL, NULL), 0);
    CHECK_EQ(h, MiB(10) + KiB(12));
    CHECK_EQ(query(&p, GiB(1) + 5, &h, NULL, &order), 0);   /* the other 1G untouched */
    CHECK_EQ(order, 18);

    CHECK_EQ(p2m_unmap(&p, GiB(1), GiB(1)), 0);            /* a whole 1 GiB leaf */
    CHECK_EQ(query(&p, GiB(1) + 5, NULL, NULL, NULL), -ENOENT);
    CHECK_EQ(p2m_unmap(&p, 0, GiB(1)), 0);
    uint64_t bad = 0;
    for (gpaddr_t g = 0; g < GiB(2); g += PAGE_SIZE)
        bad += query(&p, g, NULL, NULL, NULL) != -ENOENT;
    CHECK_EQ(bad, 0);
    tree_ok(&p);
    uint64_t tp = p.table_pages;
    CHECK(tp > 1);                      /* tables are kept until destroy */
    CHECK_EQ(acct.pages, tp);
    p2m_destroy(&p);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
}

static void test_bad_args(void)
{
    struct mem_account acct = { .name = "dom" };
    struct p2m p;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    const unsigned int rw = P2M_R | P2M_W;
    CHECK_EQ(p2m_map(&p, 0x1001, 0, PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0x800, PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, 100, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, 0, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 1ULL << 48, 0, PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, (1ULL << 48) - PAGE_SIZE, 0, 2 * PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, PAGE_SIZE, 0, UINT64_MAX & PAGE_MASK, rw), -EINVAL);  /* wraps */
    CHECK_EQ(p2m_map(&p, 0, 1ULL << 52, PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, (1ULL << 52) - PAGE_SIZE, 2 * PAGE_SIZE, rw), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, 0), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, P2M_W), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, P2M_X | P2M_W), -EINVAL);
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, P2M_R | 8), -EINVAL);
    CHECK_EQ(p2m_unmap(&p, 0x10, PAGE_SIZE), -EINVAL);
    CHECK_EQ(p2m_unmap(&p, 0, 0), -EINVAL);
    CHECK_EQ(p2m_unmap(&p, (1ULL << 48) - PAGE_SIZE, 2 * PAGE_SIZE), -EINVAL);
    CHECK_EQ(query(&p, 1ULL << 48, NULL, NULL, NULL), -EINVAL);
    CHECK_EQ(p.table_pages, 1);       /* nothing was touched */
    p2m_destroy(&p);
    CHECK_EQ(page_alloc_free_pages(), free0);
}

static void test_enomem(void)
{
    struct mem_account acct = { .max_pages = 3, .name = "tight" };
    struct p2m p;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    /* 4 KiB at 0 needs three more tables; only two fit the account. */
    CHECK_EQ(p2m_map(&p, 0, 0, PAGE_SIZE, P2M_R), -ENOMEM);
    CHECK_EQ(acct.pages, 3);
    CHECK_EQ(query(&p, 0, NULL, NULL, NULL), -ENOENT);
    /* A 1 GiB leaf needs only the PDPT, which exists now. */
    CHECK_EQ(p2m_map(&p, GiB(1), GiB(1), GiB(1), P2M_R), 0);
    CHECK_EQ(p2m_unmap(&p, GiB(1), PAGE_SIZE), -ENOMEM);   /* split needs a page */
    CHECK_EQ(query(&p, GiB(1), NULL, NULL, NULL), 0);      /* left as it was */
    acct.max_pages = 0;
    CHECK_EQ(p2m_unmap(&p, GiB(1), PAGE_SIZE), 0);
    CHECK_EQ(query(&p, GiB(1), NULL, NULL, NULL), -ENOENT);
    tree_ok(&p);
    p2m_destroy(&p);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);

    struct mem_account none = { .max_pages = 1, .name = "none" };
    CHECK_EQ(p2m_init(&p, &none), 0);
    p2m_destroy(&p);
    none.pages = 1;                   /* full: the root itself cannot be had */
    CHECK_EQ(p2m_init(&p, &none), -ENOMEM);
    CHECK_EQ(p.table_pages, 0);
}

/*
 * Random maps and unmaps over a window straddling 1 GiB boundaries against
 * a shadow array of what each page should map to.
 */
#define WIN_START (GiB(1) - MiB(64))
#define WIN_PAGES ((GiB(1) + MiB(128)) / PAGE_SIZE)
struct shadow { uint64_t hpa; uint8_t perms; };

static void test_stress(void)
{
    struct shadow *sh = calloc(WIN_PAGES, sizeof(*sh));
    struct mem_account acct = { .name = "dom" };
    unsigned int seed = 4242;
    struct p2m p;
    uint64_t bad = 0;

    fresh();
    CHECK_EQ(p2m_init(&p, &acct), 0);
    for (int op = 0; op < 1500; op++) {
        uint64_t first, n;
        unsigned int kind = rand_r(&seed) % 10;
        /* Sizes from one page to a bit over 1 GiB, often aligned. */
        switch (rand_r(&seed) % 4) {
        case 0:
            n = 1 + rand_r(&seed) % 16;
            break;
        case 1:
            n = 512 * (1 + rand_r(&seed) % 8) + (rand_r(&seed) % 2 ? rand_r(&seed) % 512 : 0);
            break;
        case 2:
            n = 262144 + rand_r(&seed) % 2048;
            break;
        default:
            n = 1 + rand_r(&seed) % 5000;
            break;
        }
        if (n > WIN_PAGES)
            n = WIN_PAGES;
        first = rand_r(&seed) % (WIN_PAGES - n + 1);
        if (rand_r(&seed) % 2)
            first = ALIGN_DOWN(first + WIN_START / PAGE_SIZE, 512) - WIN_START / PAGE_SIZE;
        if (first + n > WIN_PAGES || (int64_t)first < 0)
            continue;
        gpaddr_t gpa = WIN_START + first * PAGE_SIZE;
        if (kind < 3) {
            CHECK_EQ(p2m_unmap(&p, gpa, n * PAGE_SIZE), 0);
            for (uint64_t i = 0; i < n; i++)
                sh[first + i].perms = 0;
        } else {
            /* hpa keeps gpa's alignment up to 1 GiB half of the time. */
            paddr_t hpa = (rand_r(&seed) % 2) ? gpa + GiB(1 + rand_r(&seed) % 8)
                                              : (uint64_t)(1 + rand_r(&seed) % 100000) * PAGE_SIZE;
            unsigned int perms = P2M_R | ((rand_r(&seed) % 2) ? P2M_W : 0) |
                                 ((rand_r(&seed) % 2) ? P2M_X : 0);
            CHECK_EQ(p2m_map(&p, gpa, hpa, n * PAGE_SIZE, perms), 0);
            for (uint64_t i = 0; i < n; i++)
                sh[first + i] = (struct shadow){ hpa + i * PAGE_SIZE, (uint8_t)perms };
        }
        if (op % 100 == 99 || op == 1499) {
            for (uint64_t i = 0; i < WIN_PAGES; i++) {
                paddr_t h;
                unsigned int perms;
                int rc = query(&p, WIN_START + i * PAGE_SIZE + 8, &h, &perms, NULL);
                if (!sh[i].perms)
                    bad += rc != -ENOENT;
                else
                    bad += rc != 0 || h != sh[i].hpa + 8 || perms != sh[i].perms;
            }
        }
    }
    CHECK_EQ(bad, 0);
    tree_ok(&p);
    CHECK_EQ(acct.pages, p.table_pages);
    p2m_destroy(&p);
    CHECK_EQ(acct.pages, 0);
    CHECK_EQ(page_alloc_free_pages(), free0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
    free(sh);
}

UNIT_MAIN("npt")
{
    arena = aligned_alloc(MiB(2), ARENA_SIZE);
    if (!arena)
        exit(2);
    TEST_RUN(test_init_destroy);
    TEST_RUN(test_sizes);
    TEST_RUN(test_mixed_every_page);
    TEST_RUN(test_no_1g_leaves);
    TEST_RUN(test_misaligned_hpa);
    TEST_RUN(test_split);
    TEST_RUN(test_unmap);
    TEST_RUN(test_bad_args);
    TEST_RUN(test_enomem);
    TEST_RUN(test_stress);
}

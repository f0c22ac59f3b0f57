/* Host tests of the small-object heap (hv/common/xmalloc.c). */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include "unit.h"
#include <oryx/page_alloc.h>
#include <oryx/xmalloc.h>

#define ARENA_SIZE MiB(64)
static uint8_t *arena;

static void arena_setup(void)
{
    arena = aligned_alloc(MiB(2), ARENA_SIZE);
    if (!arena)
        exit(2);
}

/* Fresh allocator over `size` bytes of the arena. */
static uint64_t fresh(uint64_t size)
{
    page_alloc_init();
    xmalloc_init();
    page_alloc_add_range((paddr_t)(uintptr_t)arena, (paddr_t)(uintptr_t)(arena + size));
    return page_alloc_free_pages();
}

static void fill(void *p, size_t n, uint8_t v)
{
    memset(p, v, n);
}

static int holds(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return 0;
    return 1;
}

static void test_sizes(void)
{
    uint64_t f0 = fresh(ARENA_SIZE);

    CHECK(xmalloc(0) == NULL);
    xfree(NULL);
    for (size_t sz = 1; sz <= 20000; sz += (sz < 2100 ? 1 : 97)) {
        uint8_t *p = xmalloc(sz);
        CHECK(p != NULL);
        if (!p)
            continue;
        CHECK(((uintptr_t)p & (XMALLOC_ALIGN - 1)) == 0);
        fill(p, sz, (uint8_t)sz);
        CHECK(holds(p, sz, (uint8_t)sz));
        xfree(p);
    }
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK_EQ(xmalloc_pages(), 0);
    CHECK_EQ(page_alloc_hv_account.pages, 0);
    CHECK_EQ(xmalloc_misuse_count(), 0);
}

static void test_large(void)
{
    uint64_t f0 = fresh(ARENA_SIZE);

    void *a = xmalloc(4080);             /* fits one page with its header */
    CHECK_EQ(xmalloc_pages(), 1);
    void *b = xmalloc(4081);             /* needs two */
    CHECK_EQ(xmalloc_pages(), 3);
    void *c = xmalloc(MiB(1));
    CHECK_EQ(xmalloc_pages(), 3 + 512);
    CHECK(a && b && c);
    fill(c, MiB(1), 0x77);
    CHECK_EQ(page_alloc_free_pages(), f0 - 515);
    xfree(b);
    xfree(a);
    xfree(c);
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK(xmalloc(GiB(1)) == NULL);      /* beyond the largest order */
    CHECK(xmalloc(SIZE_MAX) == NULL);
    CHECK(xmalloc(MiB(80)) == NULL);     /* more than there is */
    CHECK_EQ(page_alloc_free_pages(), f0);
}

static void test_zero_and_arrays(void)
{
    uint64_t f0 = fresh(MiB(8));

    uint8_t *p = xmalloc(200);
    fill(p, 200, 0xee);
    xfree(p);
    uint8_t *q = xzalloc(200);
    CHECK(holds(q, 200, 0));
    xfree(q);
    uint8_t *r = xzalloc(10000);
    CHECK(holds(r, 10000, 0));
    xfree(r);

    uint64_t *arr = xmalloc_array(uint64_t, 100);
    CHECK(arr != NULL);
    for (int i = 0; i < 100; i++)
        arr[i] = (uint64_t)i;
    xfree(arr);
    CHECK(xmalloc_array(uint64_t, SIZE_MAX / 4) == NULL);      /* overflows */
    CHECK(xzalloc_array(uint64_t, (SIZE_MAX >> 3) + 1) == NULL);
    struct big { char x[3000]; } *bg = xzalloc_array(struct big, 3);
    CHECK(bg && holds(bg, sizeof(*bg) * 3, 0));
    xfree(bg);
    struct pt { int x, y; } *o = xzalloc_obj(struct pt);
    CHECK(o && o->x == 0 && o->y == 0);
    xfree(o);
    CHECK_EQ(page_alloc_free_pages(), f0);
}

static void test_misuse(void)
{
    uint64_t f0 = fresh(MiB(8));

    char *a = xmalloc(100), *b = xmalloc(100), *big = xmalloc(9000);
    CHECK(a && b && big);
    xfree(a + 16);                       /* inside an object */
    CHECK_EQ(xmalloc_misuse_count(), 1);
    xfree(a);
    xfree(a);                            /* double free, slab still alive */
    CHECK_EQ(xmalloc_misuse_count(), 2);
    xfree(big + 16);                     /* not the start of a large block */
    CHECK_EQ(xmalloc_misuse_count(), 3);
    xfree(b);
    xfree(big);
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

/* Many objects of random sizes at once, each stamped, freed in random order. */
#define NOBJ 20000
static void test_stress(void)
{
    static struct { uint8_t *p; size_t n; uint8_t v; } o[NOBJ];
    uint64_t f0 = fresh(ARENA_SIZE);
    unsigned int seed = 99;

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NOBJ; i++) {
            size_t n = rand_r(&seed) % 100 < 95 ? 1 + rand_r(&seed) % 600
                                                  : 1 + rand_r(&seed) % 12000;
            o[i].p = xmalloc(n);
            o[i].n = n;
            o[i].v = (uint8_t)rand_r(&seed);
            CHECK(o[i].p != NULL);
            if (o[i].p)
                fill(o[i].p, n, o[i].v);
        }
        /* Free half, reallocate them, then check every object is intact. */
        for (int i = 0; i < NOBJ; i += 2) {
            xfree(o[i].p);
            o[i].n = 1 + rand_r(&seed) % 2000;
            o[i].p = xmalloc(o[i].n);
            CHECK(o[i].p != NULL);
            fill(o[i].p, o[i].n, o[i].v);
        }
        int bad = 0;
        for (int i = 0; i < NOBJ; i++)
            bad += !holds(o[i].p, o[i].n, o[i].v);
        CHECK_EQ(bad, 0);
        for (int i = NOBJ; i > 1; i--) {
            int j = (int)(rand_r(&seed) % (unsigned int)i);
            __typeof__(o[0]) t = o[i - 1];
            o[i - 1] = o[j];
            o[j] = t;
        }
        for (int i = 0; i < NOBJ; i++)
            xfree(o[i].p);
        CHECK_EQ(xmalloc_pages(), 0);
        CHECK_EQ(page_alloc_free_pages(), f0);
    }
    CHECK_EQ(xmalloc_misuse_count(), 0);
    CHECK_EQ(page_alloc_misuse_count(), 0);
}

static void test_exhaustion(void)
{
    uint64_t f0 = fresh(MiB(1));
    void *ptrs[20000];
    int n = 0;

    while (n < 20000 && (ptrs[n] = xmalloc(64)) != NULL)
        n++;
    CHECK(n > 3000 && n < 20000);
    CHECK_EQ(page_alloc_free_pages(), 0);
    CHECK(xmalloc(5000) == NULL);
    while (n--)
        xfree(ptrs[n]);
    CHECK_EQ(page_alloc_free_pages(), f0);
}

#define THREADS 4
static void *smp_worker(void *arg)
{
    unsigned int seed = (unsigned int)(uintptr_t)arg;
    uint8_t *held[128];
    unsigned int n = 0;

    for (int it = 0; it < 30000; it++) {
        if (n < 128 && (rand_r(&seed) & 1)) {
            size_t sz = 16 + rand_r(&seed) % 3000;
            uint8_t *p = xmalloc(sz);
            if (p) {
                p[0] = (uint8_t)(uintptr_t)p;
                held[n++] = p;
            }
        } else if (n) {
            n--;
            if (held[n][0] != (uint8_t)(uintptr_t)held[n])
                return (void *)1;
            xfree(held[n]);
        }
    }
    while (n--)
        xfree(held[n]);
    return NULL;
}

static void test_smp(void)
{
    pthread_t t[THREADS];
    void *rv;
    uint64_t f0 = fresh(ARENA_SIZE);

    for (uintptr_t i = 0; i < THREADS; i++)
        CHECK_EQ(pthread_create(&t[i], NULL, smp_worker, (void *)(i + 1)), 0);
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], &rv);
        CHECK(rv == NULL);
    }
    CHECK_EQ(xmalloc_pages(), 0);
    CHECK_EQ(page_alloc_free_pages(), f0);
    CHECK_EQ(xmalloc_misuse_count(), 0);
}

UNIT_MAIN("xmalloc")
{
    arena_setup();
    TEST_RUN(test_sizes);
    TEST_RUN(test_large);
    TEST_RUN(test_zero_and_arrays);
    TEST_RUN(test_misuse);
    TEST_RUN(test_stress);
    TEST_RUN(test_exhaustion);
    TEST_RUN(test_smp);
}

/*
 * Small-object heap on top of page_alloc (docs/design/memory.md).
 *
 * A slab is one page: a 64-byte header, then objects of one size class.
 * The header's bitmap says which objects are live, so the heap keeps no
 * links inside free objects (nothing a stray write can corrupt) and xfree()
 * catches double frees. A slab whose last object is freed goes straight
 * back to page_alloc. Requests above XMALLOC_MAX_SMALL take 2^k pages
 * with a 16-byte header in front; both kinds are told apart by the magic
 * at the start of the pointer's page.
 */
#include <oryx/xmalloc.h>
#include <oryx/page_alloc.h>
#include <oryx/lib.h>
#include <oryx/spinlock.h>
#include <asm/page.h>

#define SLAB_MAGIC  0x42616c53u   /* "SlaB" */
#define LARGE_MAGIC 0x4772614cu   /* "LarG" */
#define DEAD_MAGIC  0x64616544u   /* a freed slab or large block */

struct slab {
    uint32_t magic;
    uint16_t cls;             /* index into slab_class[] */
    uint16_t inuse;           /* live objects */
    struct slab *next;        /* on its class's partial list (some room left) */
    struct slab *prev;
    uint64_t reserved;
    uint64_t used[4];         /* bit per object: live */
};
_Static_assert(sizeof(struct slab) == 64, "slab header is 64 bytes");

struct large_hdr {
    uint32_t magic;
    uint32_t order;
    uint64_t size;
};
_Static_assert(sizeof(struct large_hdr) == XMALLOC_ALIGN, "large header keeps alignment");

#define SLAB_SPACE (PAGE_SIZE - sizeof(struct slab))

/* Multiples of 16 picked so that one page wastes little of each. */
static const uint16_t slab_class[] = {
    16, 32, 48, 64, 96, 128, 192, 256, 384, 512, 672, 1008, 1344, 2016,
};
#define NR_CLASSES ARRAY_SIZE(slab_class)
_Static_assert(SLAB_SPACE / 16 <= 256, "bitmap holds every object of the smallest class");
_Static_assert(XMALLOC_MAX_SMALL == 2016, "largest class");

/*
 * xmalloc_lock protects the partial lists and every slab header; it nests
 * outside nothing: page_alloc is called with it released. The counters
 * are atomics.
 */
static spinlock_t xmalloc_lock = SPINLOCK_INIT;
static struct slab *partial[NR_CLASSES];
static uint64_t heap_pages, misuse_count;

static inline unsigned int slab_capacity(unsigned int cls)
{
    return (unsigned int)(SLAB_SPACE / slab_class[cls]);
}

static inline void *slab_obj(struct slab *s, unsigned int idx)
{
    return (char *)s + sizeof(*s) + (size_t)idx * slab_class[s->cls];
}

static void partial_add(struct slab *s)
{
    s->prev = NULL;
    s->next = partial[s->cls];
    if (s->next)
        s->next->prev = s;
    partial[s->cls] = s;
}

static void partial_del(struct slab *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        partial[s->cls] = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->next = s->prev = NULL;
}

void xmalloc_init(void)
{
    unsigned long flags = spin_lock_irqsave(&xmalloc_lock);
    unsigned int i;

    for (i = 0; i < NR_CLASSES; i++)
        partial[i] = NULL;
    heap_pages = misuse_count = 0;
    spin_unlock_irqrestore(&xmalloc_lock, flags);
}

static void *large_alloc(size_t size)
{
    unsigned int order = 0;
    struct large_hdr *h;
    paddr_t pa;

    if (size > (PAGE_SIZE << PAGE_ORDER_MAX) - sizeof(*h))
        return NULL;
    while ((PAGE_SIZE << order) < size + sizeof(*h))
        order++;
    pa = page_alloc(order, NULL);
    if (!pa)
        return NULL;
    h = __va(pa);
    h->magic = LARGE_MAGIC;
    h->order = order;
    h->size = size;
    __atomic_fetch_add(&heap_pages, 1ULL << order, __ATOMIC_RELAXED);
    return h + 1;
}

/* Take a free object of slab s (which has room). Lock held. */
static void *slab_take(struct slab *s)
{
    unsigned int cap = slab_capacity(s->cls), w, idx;

    for (w = 0; w < ARRAY_SIZE(s->used); w++)
        if (~s->used[w])
            break;
    BUG_ON(w == ARRAY_SIZE(s->used));
    idx = w * 64 + (unsigned int)__builtin_ctzll(~s->used[w]);
    BUG_ON(idx >= cap);       /* inuse said there was room */
    s->used[w] |= 1ULL << (idx % 64);
    if (++s->inuse == cap)
        partial_del(s);
    return slab_obj(s, idx);
}

static struct slab *slab_new(unsigned int cls)
{
    unsigned int cap = slab_capacity(cls), i;
    paddr_t pa = page_alloc(0, NULL);
    struct slab *s;

    if (!pa)
        return NULL;
    s = __va(pa);
    s->magic = SLAB_MAGIC;
    s->cls = (uint16_t)cls;
    s->inuse = 0;
    s->next = s->prev = NULL;
    s->reserved = 0;
    /* Bits past the capacity count as used, so the search never picks them. */
    for (i = 0; i < ARRAY_SIZE(s->used); i++) {
        unsigned int lo = i * 64;
        s->used[i] = cap <= lo ? ~0ULL : cap - lo >= 64 ? 0 : ~0ULL << (cap - lo);
    }
    return s;
}

void *xmalloc(size_t size)
{
    unsigned long flags;
    unsigned int cls;
    struct slab *s;
    void *p;

    if (size == 0)
        return NULL;
    if (size > XMALLOC_MAX_SMALL)
        return large_alloc(size);
    for (cls = 0; slab_class[cls] < size; cls++)
        ;

    flags = spin_lock_irqsave(&xmalloc_lock);
    if (!partial[cls]) {
        /* page_alloc takes its own lock: call it without ours held. */
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        s = slab_new(cls);
        if (!s)
            return NULL;
        __atomic_fetch_add(&heap_pages, 1, __ATOMIC_RELAXED);
        flags = spin_lock_irqsave(&xmalloc_lock);
        partial_add(s);
    }
    p = slab_take(partial[cls]);
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    return p;
}

void *xzalloc(size_t size)
{
    void *p = xmalloc(size);

    if (p)
        memset(p, 0, size);
    return p;
}

void *xmalloc_array_bytes(size_t size, size_t n)
{
    size_t bytes;

    if (__builtin_mul_overflow(size, n, &bytes))
        return NULL;
    return xmalloc(bytes);
}

void *xzalloc_array_bytes(size_t size, size_t n)
{
    size_t bytes;

    if (__builtin_mul_overflow(size, n, &bytes))
        return NULL;
    return xzalloc(bytes);
}

static void report(const char *why, const void *p, const void *from)
{
    __atomic_fetch_add(&misuse_count, 1, __ATOMIC_RELAXED);
    printk_lvl(LOG_ERR, "xfree: BUG: %s: %p (from %p)\n", why, p, from);
}

static void large_free(struct large_hdr *h, const void *p, const void *from)
{
    unsigned int order = h->order;

    if (order > PAGE_ORDER_MAX) {
        report("corrupt large-block header", p, from);
        return;
    }
    h->magic = DEAD_MAGIC;
    __atomic_fetch_sub(&heap_pages, 1ULL << order, __ATOMIC_RELAXED);
    page_free(__pa(h), order, NULL);
}

void xfree(void *p)
{
    const void *from = __builtin_return_address(0);
    uintptr_t page = ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
    size_t off = (uintptr_t)p - page, idx, size;
    struct slab *s = (struct slab *)page;
    bool release = false;
    unsigned long flags;
    unsigned int cap;

    if (!p)
        return;
    if (off == sizeof(struct large_hdr) && ((struct large_hdr *)page)->magic == LARGE_MAGIC) {
        large_free((struct large_hdr *)page, p, from);
        return;
    }

    flags = spin_lock_irqsave(&xmalloc_lock);
    if (s->magic != SLAB_MAGIC || s->cls >= NR_CLASSES) {
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        report(s->magic == DEAD_MAGIC ? "double free" : "not an xmalloc pointer", p, from);
        return;
    }
    size = slab_class[s->cls];
    cap = slab_capacity(s->cls);
    idx = off >= sizeof(*s) ? (off - sizeof(*s)) / size : cap;
    if (idx >= cap || off != sizeof(*s) + idx * size) {
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        report("pointer inside an object, not its start", p, from);
        return;
    }
    if (!(s->used[idx / 64] & (1ULL << (idx % 64)))) {
        spin_unlock_irqrestore(&xmalloc_lock, flags);
        report("double free", p, from);
        return;
    }
    s->used[idx / 64] &= ~(1ULL << (idx % 64));
    if (s->inuse-- == cap)
        partial_add(s);
    if (s->inuse == 0) {
        partial_del(s);
        s->magic = DEAD_MAGIC;
        release = true;
    }
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    if (release) {
        __atomic_fetch_sub(&heap_pages, 1, __ATOMIC_RELAXED);
        page_free(__pa(s), 0, NULL);
    }
}

uint64_t xmalloc_pages(void)
{
    return __atomic_load_n(&heap_pages, __ATOMIC_RELAXED);
}

uint64_t xmalloc_misuse_count(void)
{
    return __atomic_load_n(&misuse_count, __ATOMIC_RELAXED);
}

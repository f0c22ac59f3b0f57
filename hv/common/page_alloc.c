/*
 * Binary buddy allocator for physical pages (docs/design/memory.md).
 *
 * Every RAM range handed in becomes a region with a one-byte state per
 * page, carved from the range's own end. The state byte of a block's first
 * page says whether it heads a free block, heads an allocated block (and
 * the order of either); every other page says "body". That out-of-band
 * record is what lets page_free() detect double frees and wrong orders
 * without trusting the contents of pages it has handed out.
 *
 * Free blocks are kept on one doubly linked list per order; the links live
 * in the free block's first bytes (RAM is identity mapped). Buddies never
 * straddle a 1 GiB boundary, so a block of any order is addressed by the
 * frame number of its first page alone.
 */
#include <oryx/page_alloc.h>
#include <oryx/lib.h>
#include <oryx/spinlock.h>
#include <oryx/errno.h>
#include <asm/page.h>

#define PA_MAX_REGIONS 128u

/* Page state byte: kind in the top two bits, order in the low five. */
#define PS_BODY   0x00u          /* inside a block, not its first page */
#define PS_FREE   0x40u          /* first page of a free block */
#define PS_ALLOC  0x80u          /* first page of an allocated block */
#define PS_COLD   0x20u          /* with PS_FREE: given back by a balloon, reused last */
#define PS_KIND(s)  ((s) & 0xc0u)
#define PS_ORDER(s) ((unsigned int)((s) & 0x1fu))

/* Links of a free block, written into its first page. */
struct free_block {
    struct free_block *next;
    struct free_block *prev;
    uint64_t magic;          /* FREE_MAGIC ^ address ^ order: stray writes show */
};
#define FREE_MAGIC 0x4f72797846726565ULL

struct pa_region {
    uint64_t first_pfn;      /* first managed page */
    uint64_t end_pfn;        /* one past the last managed page */
    uint64_t range_first;    /* the whole range as added, state array included */
    uint64_t range_end;
    uint8_t *state;          /* state[pfn - first_pfn] */
};

/*
 * page_alloc_lock protects everything below, the state arrays, the free
 * blocks' links and the `pages` field of every struct mem_account. It is a
 * leaf lock: nothing else is taken while it is held.
 */
static spinlock_t page_alloc_lock = SPINLOCK_INIT;
static struct pa_region regions[PA_MAX_REGIONS];   /* sorted by first_pfn */
static unsigned int nr_regions;
static struct free_block free_heads[PAGE_ORDER_MAX + 1];   /* list sentinels */
static uint64_t free_count[PAGE_ORDER_MAX + 1];
static uint64_t free_pages, total_pages, meta_pages, misuse_count;

struct mem_account page_alloc_hv_account = { .name = "hypervisor" };

static inline paddr_t pfn_to_pa(uint64_t pfn)
{
    return pfn << PAGE_SHIFT;
}

static inline uint64_t block_magic(const struct free_block *b, unsigned int order)
{
    return FREE_MAGIC ^ __pa(b) ^ order;
}

/* Region holding pfn, or NULL; `hint` is tried first (the common case). */
static struct pa_region *region_of(uint64_t pfn, struct pa_region *hint)
{
    unsigned int lo = 0, hi = nr_regions;

    if (hint && pfn >= hint->first_pfn && pfn < hint->end_pfn)
        return hint;
    while (lo < hi) {
        unsigned int mid = lo + (hi - lo) / 2;
        struct pa_region *r = &regions[mid];

        if (pfn < r->first_pfn)
            hi = mid;
        else if (pfn >= r->end_pfn)
            lo = mid + 1;
        else
            return r;
    }
    return NULL;
}

static inline uint8_t *state_of(struct pa_region *r, uint64_t pfn)
{
    return &r->state[pfn - r->first_pfn];
}

/* Warm blocks go first (reused first), cold ones last. */
static void list_push(unsigned int order, uint64_t pfn, bool cold)
{
    struct free_block *head = &free_heads[order];
    struct free_block *b = __va(pfn_to_pa(pfn));
    struct free_block *after = cold ? head->prev : head;

    b->next = after->next;
    b->prev = after;
    b->magic = block_magic(b, order);
    after->next->prev = b;
    after->next = b;
    free_count[order]++;
}

static void list_unlink(unsigned int order, struct free_block *b)
{
    /* Free pages belong to nobody: a broken link means memory corruption. */
    BUG_ON(b->magic != block_magic(b, order));
    BUG_ON(b->next->prev != b || b->prev->next != b);
    b->prev->next = b->next;
    b->next->prev = b->prev;
    b->magic = 0;
    free_count[order]--;
}

/*
 * Put the free block [pfn, pfn + 2^order) on the lists, merging it with its
 * buddy as long as the buddy is free and of the same order. pfn's own state
 * byte may be stale on entry.
 */
static void free_block_merge(uint64_t pfn, unsigned int order, struct pa_region *r, bool cold)
{
    r = region_of(pfn, r);
    BUG_ON(!r);
    *state_of(r, pfn) = PS_BODY;

    while (order < PAGE_ORDER_MAX) {
        uint64_t buddy = pfn ^ (1ULL << order);
        struct pa_region *br = region_of(buddy, r);
        uint8_t *bs;

        if (!br)
            break;
        bs = state_of(br, buddy);
        if ((*bs & ~PS_COLD) != (PS_FREE | order))
            break;
        cold = cold && (*bs & PS_COLD);     /* cold only when both halves are */
        list_unlink(order, __va(pfn_to_pa(buddy)));
        *bs = PS_BODY;
        pfn &= ~(1ULL << order);
        order++;
    }
    r = region_of(pfn, r);
    BUG_ON(!r);
    *state_of(r, pfn) = (uint8_t)(PS_FREE | order | (cold ? PS_COLD : 0));
    list_push(order, pfn, cold);
}

void page_alloc_init(void)
{
    unsigned long flags = spin_lock_irqsave(&page_alloc_lock);
    unsigned int i;

    for (i = 0; i <= PAGE_ORDER_MAX; i++) {
        free_heads[i].next = free_heads[i].prev = &free_heads[i];
        free_heads[i].magic = 0;
        free_count[i] = 0;
    }
    nr_regions = 0;
    free_pages = total_pages = meta_pages = misuse_count = 0;
    page_alloc_hv_account.pages = 0;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
}

/* Largest order that starts at pfn and ends at or before end. */
static unsigned int fit_order(uint64_t pfn, uint64_t end)
{
    unsigned int order = 0;

    while (order < PAGE_ORDER_MAX &&
           !(pfn & (1ULL << order)) &&
           pfn + (2ULL << order) <= end)
        order++;
    return order;
}

void page_alloc_add_range(paddr_t start, paddr_t end)
{
    /* Frame numbers must fit the 52-bit physical address space. */
    const paddr_t limit = 1ULL << 52;
    uint64_t first, last, n, meta, pfn;
    struct pa_region *r;
    unsigned long flags;
    unsigned int i;

    if (end > limit)
        end = limit;
    /* Page 0 stays out: 0 is page_alloc()'s failure value. */
    if (start < PAGE_SIZE)
        start = PAGE_SIZE;
    if (start >= end || end - start < PAGE_SIZE)
        return;
    first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
    last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;
    if (first >= last)
        return;
    n = last - first;
    meta = (n + PAGE_SIZE - 1) / PAGE_SIZE;   /* one state byte per page */
    if (n <= meta) {
        printk_lvl(LOG_WARN, "page_alloc: range [%#llx, %#llx) too small, ignored\n",
                   (unsigned long long)start, (unsigned long long)end);
        return;
    }

    flags = spin_lock_irqsave(&page_alloc_lock);
    if (nr_regions == PA_MAX_REGIONS) {
        spin_unlock_irqrestore(&page_alloc_lock, flags);
        printk_lvl(LOG_WARN, "page_alloc: more than %u ranges, [%#llx, %#llx) ignored\n",
                   PA_MAX_REGIONS, (unsigned long long)start, (unsigned long long)end);
        return;
    }
    for (i = 0; i < nr_regions; i++)
        if (first < regions[i].range_end && regions[i].range_first < last)
            break;
    if (i < nr_regions) {
        spin_unlock_irqrestore(&page_alloc_lock, flags);
        printk_lvl(LOG_ERR, "page_alloc: BUG: range [%#llx, %#llx) overlaps one already "
                   "added, ignored\n", (unsigned long long)start, (unsigned long long)end);
        return;
    }

    /* Insert in order, then hand out the pages as maximal aligned blocks. */
    for (i = nr_regions; i > 0 && regions[i - 1].range_first > first; i--)
        regions[i] = regions[i - 1];
    r = &regions[i];
    nr_regions++;
    r->range_first = first;
    r->range_end = last;
    /*
     * The state array goes at the less aligned end, so a range that starts
     * on a 1 GiB boundary but ends ragged keeps its 1 GiB block (ties: end).
     */
    if (__builtin_ctzll(last) <= __builtin_ctzll(first)) {
        r->first_pfn = first;
        r->end_pfn = last - meta;
        r->state = __va(pfn_to_pa(r->end_pfn));
    } else {
        r->first_pfn = first + meta;
        r->end_pfn = last;
        r->state = __va(pfn_to_pa(first));
    }
    memset(r->state, PS_BODY, r->end_pfn - r->first_pfn);

    for (pfn = r->first_pfn; pfn < r->end_pfn; ) {
        unsigned int order = fit_order(pfn, r->end_pfn);

        free_block_merge(pfn, order, r, false);
        pfn += 1ULL << order;
    }
    free_pages += r->end_pfn - r->first_pfn;
    total_pages += n;
    meta_pages += meta;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
}

/* Is the free block b cold? (Lock held.) */
static bool block_is_cold(struct free_block *b)
{
    uint64_t pfn = __pa(b) >> PAGE_SHIFT;
    struct pa_region *r = region_of(pfn, NULL);

    return r && (*state_of(r, pfn) & PS_COLD);
}

paddr_t page_alloc(unsigned int order, struct mem_account *acct)
{
    uint64_t n = 1ULL << (order & 31), pfn;
    struct free_block *b;
    struct pa_region *r;
    unsigned long flags;
    unsigned int k;
    bool cold;

    if (order > PAGE_ORDER_MAX) {
        printk_lvl(LOG_ERR, "page_alloc: BUG: order %u too large (from %p)\n",
                   order, __builtin_return_address(0));
        return 0;
    }
    if (!acct)
        acct = &page_alloc_hv_account;

    flags = spin_lock_irqsave(&page_alloc_lock);
    if (acct->max_pages && acct->pages + n > acct->max_pages)
        goto fail;
    /* The smallest warm block that fits; cold ones only when none is. */
    for (k = order; k <= PAGE_ORDER_MAX; k++)
        if (free_count[k] && !block_is_cold(free_heads[k].next))
            break;
    if (k > PAGE_ORDER_MAX)
        for (k = order; k <= PAGE_ORDER_MAX; k++)
            if (free_count[k])
                break;
    if (k > PAGE_ORDER_MAX)
        goto fail;

    b = free_heads[k].next;
    list_unlink(k, b);
    pfn = __pa(b) >> PAGE_SHIFT;
    r = region_of(pfn, NULL);
    BUG_ON(!r || (*state_of(r, pfn) & ~PS_COLD) != (PS_FREE | k));
    cold = *state_of(r, pfn) & PS_COLD;

    /* Split: the upper halves go back on the lists, the lowest is ours. */
    while (k > order) {
        uint64_t upper;
        struct pa_region *ur;

        k--;
        upper = pfn + (1ULL << k);
        ur = region_of(upper, r);
        BUG_ON(!ur);
        *state_of(ur, upper) = (uint8_t)(PS_FREE | k | (cold ? PS_COLD : 0));
        list_push(k, upper, cold);
    }
    *state_of(r, pfn) = (uint8_t)(PS_ALLOC | order);
    free_pages -= n;
    acct->pages += n;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return pfn_to_pa(pfn);

fail:
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return 0;
}

paddr_t page_alloc_zeroed(unsigned int order, struct mem_account *acct)
{
    paddr_t pa = page_alloc(order, acct);

    /* Cleared outside the lock: a 1 GiB memset must not stall other CPUs. */
    if (pa)
        memset(__va(pa), 0, PAGE_SIZE << order);
    return pa;
}

/* Why a block cannot be freed, or NULL when it can. Lock held. */
static const char *free_check(paddr_t pa, unsigned int order, struct pa_region **rp)
{
    uint64_t pfn = pa >> PAGE_SHIFT;
    struct pa_region *r;
    unsigned int s;

    if (order > PAGE_ORDER_MAX)
        return "order out of range";
    if (!IS_ALIGNED(pa, PAGE_SIZE << order))
        return "address not aligned to the order";
    r = region_of(pfn, NULL);
    if (!r)
        return "address not in any range given to the allocator";
    s = *state_of(r, pfn);
    if (PS_KIND(s) == PS_FREE)
        return "double free";
    if (PS_KIND(s) != PS_ALLOC)
        return "not the start of an allocated block";
    if (PS_ORDER(s) != order)
        return "order differs from the allocation's";
    *rp = r;
    return NULL;
}

/* n pages leave acct and become free (page_alloc_lock held). */
static void uncharge(struct mem_account *acct, uint64_t n, const char *who)
{
    if (acct->pages < n) {
        /* The pages are real and go back; only the charge is wrong. */
        misuse_count++;
        printk_lvl(LOG_ERR, "%s: BUG: account %s holds %llu pages, freeing %llu\n", who,
                   acct->name ? acct->name : "?", (unsigned long long)acct->pages,
                   (unsigned long long)n);
        acct->pages = 0;
    } else {
        acct->pages -= n;
    }
    free_pages += n;
}

void page_free(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    struct pa_region *r = NULL;
    const char *why;
    unsigned long flags;
    uint64_t n;

    if (!acct)
        acct = &page_alloc_hv_account;

    flags = spin_lock_irqsave(&page_alloc_lock);
    why = free_check(pa, order, &r);
    if (why) {
        misuse_count++;
        spin_unlock_irqrestore(&page_alloc_lock, flags);
        printk_lvl(LOG_ERR, "page_free: BUG: %s: %#llx order %u (%s, from %p)\n", why,
                   (unsigned long long)pa, order, acct->name ? acct->name : "?",
                   __builtin_return_address(0));
        return;
    }

    n = 1ULL << order;
    uncharge(acct, n, "page_free");
    free_block_merge(pa >> PAGE_SHIFT, order, r, false);
    spin_unlock_irqrestore(&page_alloc_lock, flags);
}

/*
 * The block holding pfn (allocated or free): its head page and state byte.
 * A block of order k starts at pfn rounded down to 2^k, so the heads to
 * try are pfn rounded down to each order in turn; the first one whose
 * block reaches pfn is it (blocks never overlap). Lock held.
 */
static bool block_of(uint64_t pfn, uint64_t *head, uint8_t *state, struct pa_region **rp)
{
    struct pa_region *r = region_of(pfn, NULL);

    if (!r)
        return false;
    for (unsigned int j = 0; j <= PAGE_ORDER_MAX; j++) {
        uint64_t h = pfn & ~((1ULL << j) - 1);
        struct pa_region *hr = region_of(h, r);
        uint8_t s;

        if (!hr)
            return false;           /* no block can start below an unmanaged page */
        s = *state_of(hr, h);
        if (PS_KIND(s) != PS_BODY && PS_ORDER(s) >= j) {
            *head = h;
            *state = s;
            *rp = hr;
            return true;
        }
    }
    return false;
}

/*
 * Cut the block [head, head + 2^k) down to [pfn, pfn + 2^order): every
 * other piece becomes a block of its own of kind `kind` (PS_FREE pieces go
 * on the lists). Lock held; pfn's own state byte is left to the caller.
 */
static void block_carve(uint64_t head, unsigned int k, uint64_t pfn, unsigned int order,
                        uint8_t kind, struct pa_region *r)
{
    while (k > order) {
        uint64_t other;
        struct pa_region *or;

        k--;
        if (pfn >= head + (1ULL << k)) {
            other = head;
            head += 1ULL << k;
        } else {
            other = head + (1ULL << k);
        }
        or = region_of(other, r);
        BUG_ON(!or);
        *state_of(or, other) = (uint8_t)(kind | k);
        if (PS_KIND(kind) == PS_FREE)
            list_push(k, other, kind & PS_COLD);
    }
    BUG_ON(head != pfn);
}

paddr_t page_alloc_at(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    uint64_t pfn = pa >> PAGE_SHIFT, n = 1ULL << (order & 31), head;
    struct pa_region *r;
    unsigned long flags;
    uint8_t s;

    if (order > PAGE_ORDER_MAX || !pa || !IS_ALIGNED(pa, PAGE_SIZE << order) ||
        pa >= (1ULL << 52))
        return 0;
    if (!acct)
        acct = &page_alloc_hv_account;
    flags = spin_lock_irqsave(&page_alloc_lock);
    if (acct->max_pages && acct->pages + n > acct->max_pages)
        goto fail;
    if (!block_of(pfn, &head, &s, &r) || PS_KIND(s) != PS_FREE)
        goto fail;
    if (head + (1ULL << PS_ORDER(s)) < pfn + n)
        goto fail;                  /* only the start of the range is free */
    list_unlink(PS_ORDER(s), __va(pfn_to_pa(head)));
    *state_of(r, head) = PS_BODY;
    block_carve(head, PS_ORDER(s), pfn, order, (uint8_t)(s & (PS_FREE | PS_COLD)), r);
    r = region_of(pfn, r);
    *state_of(r, pfn) = (uint8_t)(PS_ALLOC | order);
    free_pages -= n;
    acct->pages += n;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return pa;
fail:
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return 0;
}

static int free_part(paddr_t pa, unsigned int order, struct mem_account *acct, bool cold)
{
    uint64_t pfn = pa >> PAGE_SHIFT, n = 1ULL << (order & 31), head;
    const char *why = NULL;
    struct pa_region *r = NULL;
    unsigned long flags;
    uint8_t s = 0;

    if (!acct)
        acct = &page_alloc_hv_account;
    flags = spin_lock_irqsave(&page_alloc_lock);
    if (order > PAGE_ORDER_MAX)
        why = "order out of range";
    else if (!IS_ALIGNED(pa, PAGE_SIZE << order))
        why = "address not aligned to the order";
    else if (!block_of(pfn, &head, &s, &r))
        why = "address not in any range given to the allocator";
    else if (PS_KIND(s) != PS_ALLOC)
        why = "double free";
    else if (PS_ORDER(s) < order || head + (1ULL << PS_ORDER(s)) < pfn + n)
        why = "range larger than its allocated block";
    if (why) {
        misuse_count++;
        spin_unlock_irqrestore(&page_alloc_lock, flags);
        printk_lvl(LOG_ERR, "page_free_part: BUG: %s: %#llx order %u (%s, from %p)\n", why,
                   (unsigned long long)pa, order, acct->name ? acct->name : "?",
                   __builtin_return_address(0));
        return -EINVAL;
    }
    *state_of(r, head) = PS_BODY;
    block_carve(head, PS_ORDER(s), pfn, order, PS_ALLOC, r);
    uncharge(acct, n, "page_free_part");
    free_block_merge(pfn, order, r, cold);
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return 0;
}

int page_free_part(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    return free_part(pa, order, acct, false);
}

int page_free_cold(paddr_t pa, unsigned int order, struct mem_account *acct)
{
    return free_part(pa, order, acct, true);
}

bool page_alloc_is_allocated(paddr_t pa)
{
    uint64_t head;
    struct pa_region *r;
    unsigned long flags;
    uint8_t s;
    bool yes;

    if (!IS_ALIGNED(pa, PAGE_SIZE) || pa >= (1ULL << 52))
        return false;
    flags = spin_lock_irqsave(&page_alloc_lock);
    yes = block_of(pa >> PAGE_SHIFT, &head, &s, &r) && PS_KIND(s) == PS_ALLOC;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return yes;
}

int page_alloc_add_taken(paddr_t start, paddr_t end)
{
    uint64_t first, last, n, pfn;
    unsigned int meta_order = 0, i;
    struct pa_region *r;
    unsigned long flags;
    paddr_t meta;

    if (start < PAGE_SIZE)
        start = PAGE_SIZE;
    if (end > (1ULL << 52))
        end = 1ULL << 52;
    first = ALIGN_UP(start, PAGE_SIZE) >> PAGE_SHIFT;
    last = ALIGN_DOWN(end, PAGE_SIZE) >> PAGE_SHIFT;
    if (first >= last)
        return -EINVAL;
    n = last - first;
    while ((PAGE_SIZE << meta_order) < n && meta_order < PAGE_ORDER_MAX)
        meta_order++;
    if ((PAGE_SIZE << meta_order) < n)
        return -E2BIG;
    meta = page_alloc(meta_order, NULL);    /* one state byte per page */
    if (!meta)
        return -ENOMEM;

    flags = spin_lock_irqsave(&page_alloc_lock);
    for (i = 0; i < nr_regions; i++)
        if (first < regions[i].range_end && regions[i].range_first < last)
            break;
    if (nr_regions == PA_MAX_REGIONS || i < nr_regions) {
        int rc = nr_regions == PA_MAX_REGIONS ? -ENOSPC : -EEXIST;
        spin_unlock_irqrestore(&page_alloc_lock, flags);
        page_free(meta, meta_order, NULL);
        return rc;
    }
    for (i = nr_regions; i > 0 && regions[i - 1].range_first > first; i--)
        regions[i] = regions[i - 1];
    r = &regions[i];
    nr_regions++;
    *r = (struct pa_region){ .first_pfn = first, .end_pfn = last, .range_first = first,
                             .range_end = last, .state = __va(meta) };
    memset(r->state, PS_BODY, n);
    for (pfn = first; pfn < last; ) {
        unsigned int order = fit_order(pfn, last);

        *state_of(r, pfn) = (uint8_t)(PS_ALLOC | order);
        pfn += 1ULL << order;
    }
    total_pages += n;
    spin_unlock_irqrestore(&page_alloc_lock, flags);
    return 0;
}

uint64_t page_alloc_free_pages(void)
{
    return __atomic_load_n(&free_pages, __ATOMIC_RELAXED);
}

uint64_t page_alloc_free_blocks(unsigned int order)
{
    return order > PAGE_ORDER_MAX ? 0 : __atomic_load_n(&free_count[order], __ATOMIC_RELAXED);
}

uint64_t page_alloc_total_pages(void)
{
    return __atomic_load_n(&total_pages, __ATOMIC_RELAXED);
}

uint64_t page_alloc_meta_pages(void)
{
    return __atomic_load_n(&meta_pages, __ATOMIC_RELAXED);
}

uint64_t page_alloc_misuse_count(void)
{
    return __atomic_load_n(&misuse_count, __ATOMIC_RELAXED);
}

void page_alloc_dump(void)
{
    uint64_t counts[PAGE_ORDER_MAX + 1], fp, tp, mp, hv;
    unsigned long flags;
    unsigned int i, nr;

    /* Snapshot under the lock, print outside it (the console is slow). */
    flags = spin_lock_irqsave(&page_alloc_lock);
    for (i = 0; i <= PAGE_ORDER_MAX; i++)
        counts[i] = free_count[i];
    fp = free_pages;
    tp = total_pages;
    mp = meta_pages;
    hv = page_alloc_hv_account.pages;
    nr = nr_regions;
    spin_unlock_irqrestore(&page_alloc_lock, flags);

    printk("page_alloc: %u ranges, %llu pages, %llu free, %llu metadata, %llu hypervisor\n",
           nr, (unsigned long long)tp, (unsigned long long)fp, (unsigned long long)mp,
           (unsigned long long)hv);
    for (i = 0; i <= PAGE_ORDER_MAX; i++)
        if (counts[i])
            printk("page_alloc:   order %2u (%7llu KiB): %llu free\n", i,
                   (unsigned long long)(4ULL << i), (unsigned long long)counts[i]);
}

/*
 * Physical page allocator: a binary buddy allocator over the RAM ranges the
 * boot code hands in, orders 0 (4 KiB) to PAGE_ORDER_MAX (1 GiB). Design,
 * metadata placement and locking: docs/design/memory.md.
 */
#ifndef ORYX_PAGE_ALLOC_H
#define ORYX_PAGE_ALLOC_H

#include <oryx/types.h>

#define PAGE_ORDER_MAX   18u            /* 2^18 pages = 1 GiB */
#define PAGE_ORDER_2M    9u
#define PAGE_ORDER_1G    18u

/*
 * Pages charged to one owner (a domain, or the hypervisor itself). The
 * allocator updates `pages` under its own lock; readers outside it get a
 * racy but untorn snapshot. max_pages == 0 means unlimited.
 */
struct mem_account {
    uint64_t pages;
    uint64_t max_pages;
    const char *name;
};

/* The hypervisor's own pages: page_alloc()/page_free() with acct == NULL. */
extern struct mem_account page_alloc_hv_account;

/* Forget every range and reset all counters (boot, and between host tests). */
void page_alloc_init(void);

/*
 * Hand the free RAM [start, end) to the allocator. Any alignment (partial
 * pages at the edges are dropped); ranges may come in any order, but must
 * not overlap ones already added (an overlapping range is refused with a
 * message). The per-page state array for the range is carved from the
 * range's own end: one byte per page, so 64 pages per GiB.
 */
void page_alloc_add_range(paddr_t start, paddr_t end);

/*
 * 2^order contiguous pages, aligned to their size, charged to acct (NULL:
 * the hypervisor). Returns 0 when no block is free or acct would exceed
 * its max_pages.
 */
paddr_t page_alloc(unsigned int order, struct mem_account *acct);
paddr_t page_alloc_zeroed(unsigned int order, struct mem_account *acct);

/*
 * Give back a block from page_alloc() with the same order and account.
 * Double frees, wrong orders, unaligned or foreign addresses are reported
 * on the console and ignored (the block stays as it was).
 */
void page_free(paddr_t pa, unsigned int order, struct mem_account *acct);

/*
 * The 2^order pages at pa (aligned to their size), if all of them are
 * free, charged to acct: pa, or 0 (not free, not managed, over max_pages).
 * For a domain whose guest-physical addresses must equal host ones.
 */
paddr_t page_alloc_at(paddr_t pa, unsigned int order, struct mem_account *acct);

/*
 * Give back 2^order pages at pa from inside an allocated block of at least
 * that order: the rest of the block stays allocated, as the smaller
 * aligned blocks it splits into (each freed later by page_free() with its
 * own order, or by page_free_part()). page_free_part(pa, k) of a whole
 * block is page_free(pa, k). Misuse is reported as for page_free():
 * -EINVAL, nothing changed.
 */
int page_free_part(paddr_t pa, unsigned int order, struct mem_account *acct);

/*
 * page_free_part(), but the pages stay "cold": page_alloc() hands them out
 * only when no other free block fits, so a balloon that gave them back
 * (dom0 above all, which needs the very same frames again) is likely to
 * find them free. page_alloc_at() takes them as any free page.
 */
int page_free_cold(paddr_t pa, unsigned int order, struct mem_account *acct);

/* True when the page at pa is part of an allocated block. */
bool page_alloc_is_allocated(paddr_t pa);

/*
 * Make [start, end) known to the allocator as already allocated, to an
 * owner outside it, charged to no account (dom0's RAM handed over at boot):
 * it can then be given back page by page with page_free_part(). The state
 * array comes from the hypervisor's pages, not from the range. 0, -EINVAL
 * (empty), -EEXIST (overlaps a range), -ENOSPC (too many ranges), -ENOMEM.
 */
int page_alloc_add_taken(paddr_t start, paddr_t end);

/* Total free 4 KiB pages. */
uint64_t page_alloc_free_pages(void);
/* Free blocks of exactly this order (0 for an order out of range). */
uint64_t page_alloc_free_blocks(unsigned int order);
/* Pages handed to the allocator, and pages it keeps for its metadata. */
uint64_t page_alloc_total_pages(void);
uint64_t page_alloc_meta_pages(void);
/* How many misuses page_free() has reported since page_alloc_init(). */
uint64_t page_alloc_misuse_count(void);

/* printk the free block count per order and the totals. */
void page_alloc_dump(void);

#endif

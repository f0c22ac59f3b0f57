/*
 * The hypervisor's small-object heap. Objects up to XMALLOC_MAX_SMALL bytes
 * come from one-page slabs of fixed size classes; bigger ones are whole
 * page_alloc() blocks behind a 16-byte header. Every result is 16-byte
 * aligned. All pages are charged to page_alloc_hv_account. Not for hot
 * paths: allocate at boot or at domain creation (docs/design/memory.md).
 */
#ifndef ORYX_XMALLOC_H
#define ORYX_XMALLOC_H

#include <oryx/types.h>

#define XMALLOC_ALIGN     16u
#define XMALLOC_MAX_SMALL 2016u

/* NULL when out of memory or size is 0 (or beyond 1 GiB - 16). */
void *xmalloc(size_t size);
void *xzalloc(size_t size);
/* NULL is ignored; a pointer xmalloc never returned is reported, not freed. */
void xfree(void *p);

/* n elements of size bytes each; NULL when n * size overflows. */
void *xmalloc_array_bytes(size_t size, size_t n);
void *xzalloc_array_bytes(size_t size, size_t n);

#define xmalloc_array(type, n) ((type *)xmalloc_array_bytes(sizeof(type), (n)))
#define xzalloc_array(type, n) ((type *)xzalloc_array_bytes(sizeof(type), (n)))
#define xzalloc_obj(type)      ((type *)xzalloc(sizeof(type)))

/* Pages the heap holds from page_alloc (slabs and large blocks). */
uint64_t xmalloc_pages(void);
/* How many bad xfree() calls have been reported. */
uint64_t xmalloc_misuse_count(void);
/* Forget all state (host tests, after page_alloc_init()). */
void xmalloc_init(void);

#endif

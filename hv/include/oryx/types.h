/* Basic types shared by all hypervisor code (and its host unit tests). */
#ifndef ORYX_TYPES_H
#define ORYX_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t paddr_t;     /* host-physical address */
typedef uint64_t gpaddr_t;    /* guest-physical address */
typedef uint64_t gvaddr_t;    /* guest-virtual address */
typedef uint16_t domid_t;

/*
 * Frame numbers of the two address spaces are distinct struct types so the
 * compiler refuses to mix them; convert only through the helpers below.
 */
typedef struct { uint64_t m; } mfn_t;   /* host machine frame */
typedef struct { uint64_t g; } gfn_t;   /* guest frame */

static inline mfn_t _mfn(uint64_t m) { return (mfn_t){ m }; }
static inline uint64_t mfn_x(mfn_t m) { return m.m; }
static inline gfn_t _gfn(uint64_t g) { return (gfn_t){ g }; }
static inline uint64_t gfn_x(gfn_t g) { return g.g; }

#define PAGE_SHIFT 12
#define PAGE_SIZE  (1UL << PAGE_SHIFT)
#define PAGE_MASK  (~(PAGE_SIZE - 1))

static inline paddr_t mfn_to_paddr(mfn_t m) { return m.m << PAGE_SHIFT; }
static inline mfn_t paddr_to_mfn(paddr_t p) { return _mfn(p >> PAGE_SHIFT); }
static inline gpaddr_t gfn_to_gpaddr(gfn_t g) { return g.g << PAGE_SHIFT; }
static inline gfn_t gpaddr_to_gfn(gpaddr_t p) { return _gfn(p >> PAGE_SHIFT); }

#define KiB(x) ((uint64_t)(x) << 10)
#define MiB(x) ((uint64_t)(x) << 20)
#define GiB(x) ((uint64_t)(x) << 30)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((uint64_t)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define container_of(ptr, type, member) \
    ((type *)((char *)(ptr) - offsetof(type, member)))

#define __packed   __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __noreturn __attribute__((noreturn))
#define __unused   __attribute__((unused))
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#endif

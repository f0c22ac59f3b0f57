/*
 * hcfuzz's randomness: a seeded xorshift64* generator and the edge-case
 * values every argument is drawn from. Whatever may reach the hypervisor
 * as an address or a frame number passes through sanitize(), which moves
 * values off our own memory (fuzz.h); nothing else is filtered.
 */
#include "fuzz.h"

typedef uint32_t __attribute__((aligned(1), may_alias)) u32_any;
typedef uint64_t __attribute__((aligned(1), may_alias)) u64_any;

static uint64_t rng_state = 1;

unsigned long image_end;
unsigned long ram_end;
unsigned long free_gfn_lo, free_gfn_hi;
domid_t self_domid = DOMID_SELF;

void rng_seed(uint64_t seed)
{
    /* splitmix64 of the seed: nearby seeds give unrelated streams, and the
     * state is never 0 (xorshift's fixed point). */
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    rng_state = z ? z : 1;
}

uint64_t rnd64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

uint32_t rnd32(void)
{
    return (uint32_t)(rnd64() >> 32);
}

/* Multiply-shift instead of %: no 64-bit division in 32-bit builds. */
uint32_t rnd_below(uint32_t n)
{
    return (uint32_t)(((uint64_t)rnd32() * n) >> 32);
}

bool chance(uint32_t percent)
{
    return rnd_below(100) < percent;
}

/* ---- keeping off our own memory ---- */

uint32_t sanitize32(uint32_t w)
{
    /* An address in (or just below) the image becomes the same offset in
     * the arena. */
    if (w >= PROT_LO - PROT_GAP && w < image_end)
        w = (uint32_t)(ARENA_BASE + (w - (PROT_LO - PROT_GAP)));
    /* A frame of the image, the arena or the guard becomes a free one. */
    if (w >= PROT_GFN_LO && w <= PROT_GFN_HI)
        w = (uint32_t)(free_gfn_lo + (w - PROT_GFN_LO) % (free_gfn_hi - free_gfn_lo));
    return w;
}

/* Both halves: a 64-bit value with a non-zero high half is neither an
 * address nor a frame of ours, and a 32-bit field may sit in either half. */
uint64_t sanitize64(uint64_t w)
{
    return ((uint64_t)sanitize32((uint32_t)(w >> 32)) << 32) | sanitize32((uint32_t)w);
}

unsigned long sanitize(unsigned long w)
{
    return (unsigned long)sanitize64(w);
}

/* Would frames [gfn, gfn + pages) touch our memory? */
bool gfn_range_protected(uint64_t gfn, uint64_t pages)
{
    uint64_t end = gfn + pages;

    if (end < gfn)
        return true;            /* wraps: treat as covering everything */
    return gfn <= PROT_GFN_HI && end > PROT_GFN_LO;
}

/* ---- edge cases ---- */

static const uint64_t ints[] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128,
    255, 256, 511, 512, 1023, 1024, 1025, 2047, 2048, 4095, 4096, 4097, 0x7fff,
    0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe,
    0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL, 0x8000000000000000ULL,
    0xfffffffffffffffeULL, 0xffffffffffffffffULL,
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

uint64_t edge_int(void)
{
    switch (rnd_below(8)) {
    case 0: case 1: case 2:
        return ints[rnd_below(NELEM(ints))];
    case 3:
        return rnd_below(65);
    case 4:
        return 1ULL << rnd_below(64);
    case 5:
        return (uint64_t)-(int64_t)(rnd_below(16) + 1);
    case 6:
        return rnd32();
    default:
        return rnd64();
    }
}

/* Addresses that are mapped (or paging is off) but hold no RAM, the local
 * APIC and IOAPIC windows, the top of the 32-bit space. */
static const uint32_t high32[] = {
    0x80000000, 0xBFFFFFF8, 0xF0000000, 0xFEC00000, 0xFED00000, 0xFEE00000,
    0xFEE00300, 0xFFFFF000, 0xFFFFFFF0, 0xFFFFFFFC, 0xFFFFFFFF,
};

#if defined(__x86_64__)
/* Beyond our 4 GiB map, the canonical boundary, non-canonical, and where
 * hypervisors (Xen's directmap and text, Linux's kernel map) live. */
static const uint64_t wild64[] = {
    0x100000000ULL, 0xFFFFFFF8ULL, 0x10000000000ULL, 0x7FFFFFFFF000ULL,
    0x7FFFFFFFFFF8ULL, 0x800000000000ULL, 0x8000000000000000ULL,
    0xFFFF800000000000ULL, 0xFFFF830000000000ULL, 0xFFFF82D080000000ULL,
    0xFFFFFFFF80000000ULL, 0xFFFFFFFFFFFFF000ULL, 0xFFFFFFFFFFFFFFF8ULL,
    0xFFFFFFFFFFFFFFFFULL,
};
#endif

unsigned long arena_ptr(unsigned long size)
{
    unsigned long room = ARENA_SIZE - TAIL_SIZE - size;

    return ARENA_BASE + rnd_below((uint32_t)room);
}

uint64_t edge_ptr(void)
{
    uint64_t p;

    switch (rnd_below(11)) {
    case 0:
        p = 0;
        break;
    case 1: case 2:
        p = arena_ptr(64);
        if (chance(70))
            p &= ~7ULL;
        break;
    case 3:
        p = rnd_below(LOW_RAM_END);
        break;
    case 4:
        p = LOW_RAM_END + rnd_below(PROT_LO - PROT_GAP - LOW_RAM_END);  /* legacy hole */
        break;
    case 5:
        p = ((uint64_t)free_gfn_lo << 12) +
            rnd_below((uint32_t)((free_gfn_hi - free_gfn_lo) << 12));
        break;
    case 6:                     /* straddling the end of RAM or the guard */
        p = (chance(50) ? ram_end : GUARD) - 1 - rnd_below(64);
        break;
    case 7:
        p = high32[rnd_below(NELEM(high32))];
        break;
#if defined(__x86_64__)
    case 8: case 9:
        p = wild64[rnd_below(NELEM(wild64))];
        break;
    default:
        p = chance(50) ? rnd64() : (rnd64() | 0xFFFF800000000000ULL);
        break;
#else
    default:
        p = rnd32();
        break;
#endif
    }
    return sanitize64(p);
}

uint64_t bad_ptr(void)
{
#if defined(__x86_64__)
    if (chance(50))
        return wild64[rnd_below(NELEM(wild64))];
#endif
    /* The guard is never RAM and never gets anything mapped at it. */
    return GUARD + rnd_below(PAGE_SZ - 8);
}

uint64_t edge_gfn(void)
{
    static const uint64_t fixed[] = {
        0xF0000, 0xFEC00, 0xFEE00, 0xFFFFF, 0x100000, (1ULL << 36) - 1,
        1ULL << 36, 1ULL << 40, 1ULL << 52, 0x7FFFFFFF, 0x80000000,
        0xFFFFFFFF, ~0ULL >> 12, ~0ULL,
    };
    uint64_t g;

    switch (rnd_below(9)) {
    case 0:
        g = rnd_below(16);
        break;
    case 1:
        g = rnd_below(LOW_RAM_END >> 12);
        break;
    case 2:
        g = (LOW_RAM_END >> 12) + rnd_below(0x60);
        break;
    case 3: case 4:
        g = free_gfn_lo + rnd_below((uint32_t)(free_gfn_hi - free_gfn_lo));
        break;
    case 5:
        g = (ram_end >> 12) - 1 + rnd_below(3);
        break;
    case 6:
        g = fixed[rnd_below(NELEM(fixed))];
        break;
    case 7:
        g = rnd32();
        break;
    default:
        g = rnd64();
        break;
    }
    return sanitize64(g);
}

uint16_t edge_domid(void)
{
    static const uint16_t fixed[] = {
        DOMID_SELF, DOMID_SELF, DOMID_SELF, DOMID_IO, DOMID_XEN, DOMID_COW,
        DOMID_INVALID, DOMID_IDLE, 0x7FEF, 0x7FFE, 0x8000, 0xFFFF,
    };

    switch (rnd_below(4)) {
    case 0:
        return (uint16_t)rnd_below(8);          /* dom0 and its neighbours */
    case 1:
        return self_domid;
    case 2:
        return fixed[rnd_below(NELEM(fixed))];
    default:
        return chance(50) ? (uint16_t)rnd32() : (uint16_t)rnd_below(4);
    }
}

uint64_t edge_word(void)
{
    uint64_t w;

    switch (rnd_below(10)) {
    case 0: case 1:
        w = rnd64();
        break;
    case 2:
        w = rnd32();
        break;
    case 3: case 4:
        w = edge_int();
        break;
    case 5: case 6:
        w = edge_ptr();
        break;
    case 7:
        w = edge_gfn();
        break;
    case 8:                     /* a domid, or two side by side */
        w = edge_domid() | ((uint32_t)edge_domid() << 16);
        break;
    default:
        w = 0;
        break;
    }
    return sanitize64(w);
}

__attribute__((noinline)) void fill_words(void *p, unsigned long bytes)
{
    uint8_t *b = p;
    unsigned long i = 0;

#if defined(__x86_64__)
    /* Mostly 8-byte slots (so that 64-bit pointers come whole), some
     * 4-byte ones. */
    while (i + 8 <= bytes) {
        if (chance(75)) {
            *(u64_any *)(b + i) = edge_word();
            i += 8;
        } else {
            *(u32_any *)(b + i) = (uint32_t)edge_word();
            i += 4;
        }
    }
#endif
    for (; i + 4 <= bytes; i += 4)
        *(u32_any *)(b + i) = (uint32_t)edge_word();
    for (; i < bytes; i++)
        b[i] = (uint8_t)rnd32();
}

void *fresh_buf(unsigned long size)
{
    unsigned long p;

    switch (rnd_below(10)) {
    case 0:                     /* unaligned */
        p = arena_ptr(size + 8);
        break;
    case 1:                     /* across a page boundary */
        p = (arena_ptr(size + PAGE_SZ) | (PAGE_SZ - 1)) + 1 - rnd_below((uint32_t)size + 1);
        break;
    default:
        p = arena_ptr(size + 8) & ~7UL;
        break;
    }
    fill_words((void *)p, size);
    return (void *)p;
}

void arena_fill_all(void)
{
    fill_words((void *)ARENA_BASE, ARENA_SIZE);
}

/* The hypervisor writes into the arena; stirring a little of it every call
 * keeps stale answers from piling up there. */
void arena_stir(void)
{
    fill_words((void *)(arena_ptr(64) & ~7UL), 64);
}

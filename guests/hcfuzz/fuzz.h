/*
 * hcfuzz: shared state of the hostile micro-guest (see main.c for what it
 * does and why each exclusion is there).
 *
 * Guest-physical layout (mem= at least 16 MiB):
 *   [0, 640 KiB)          low RAM: the start-of-day area, read once at
 *                         start; after that anything may land there
 *   [640 KiB, 1 MiB)      the legacy hole: no RAM
 *   [1 MiB, image end)    our code, data, page tables and stack: PROTECTED
 *   [ARENA_BASE, GUARD)   the arena: buffers we fill with random words and
 *                         hand to the hypervisor, which may write them
 *   GUARD                 one page given back at start (a hole), so that a
 *                         list ending at the arena's top is followed by
 *                         nothing readable
 *   (GUARD, RAM end)      the free zone: we never touch it; the fuzzed
 *                         calls balloon it, map things over it, write it
 * A frame number anywhere in [1 MiB, GUARD] is never handed to the
 * hypervisor (it would map or free our own memory); an address in
 * [1 MiB - PROT_GAP, image end) never either (it would write over our
 * code). Arrays the hypervisor walks upwards with a count of our choosing
 * (grant ops, multicall entries) never start below the image.
 */
#ifndef HCFUZZ_FUZZ_H
#define HCFUZZ_FUZZ_H

#include "guest.h"

#define ARENA_BASE   0x400000UL
#define ARENA_SIZE   0x200000UL
#define GUARD        (ARENA_BASE + ARENA_SIZE)
#define TAIL_SIZE    0x4000UL           /* lists that must end at GUARD */
#define PROT_LO      0x100000UL         /* first protected frame's address */
/* Addresses are kept this far below the image too: a structure the
 * hypervisor writes at such an address must not run into our code. */
#define PROT_GAP     0x10000UL
#define PROT_GFN_LO  (PROT_LO >> 12)
#define PROT_GFN_HI  (GUARD >> 12)      /* last protected frame (inclusive) */
#define LOW_RAM_END  0xA0000UL
#define MIN_RAM_END  (GUARD + 0x800000UL)

#define PAGE_SZ      4096UL

/* ---- gen.c: the PRNG and the value generators ---- */
void rng_seed(uint64_t seed);
uint64_t rnd64(void);
uint32_t rnd32(void);
uint32_t rnd_below(uint32_t n);         /* 0..n-1 (n > 0) */
bool chance(uint32_t percent);

extern unsigned long image_end;         /* page-aligned end of our image */
extern unsigned long ram_end;           /* end of RAM below 4 GiB */
extern unsigned long free_gfn_lo, free_gfn_hi;  /* the free zone, [lo, hi) */
extern domid_t self_domid;              /* DOMID_SELF if not found */

uint32_t sanitize32(uint32_t w);
unsigned long sanitize(unsigned long w);
uint64_t sanitize64(uint64_t w);
bool gfn_range_protected(uint64_t gfn, uint64_t pages);

uint64_t edge_int(void);
uint64_t edge_ptr(void);                /* anything an address could be */
uint64_t bad_ptr(void);                 /* one that cannot be read */
uint64_t edge_gfn(void);                /* sanitized */
uint16_t edge_domid(void);
uint64_t edge_word(void);               /* any of the above, sanitized */
unsigned long arena_ptr(unsigned long size);
/* A freshly filled buffer of at least `size` bytes in the arena. */
void *fresh_buf(unsigned long size);
void fill_words(void *p, unsigned long bytes);
void arena_fill_all(void);
void arena_stir(void);

/* ---- hcall.c: hypercalls ---- */
struct call {
    unsigned long nr;
    unsigned long a[5];
};

void hc_one(void);
long hc_raw(const struct call *c, int *vec);
uint64_t now_ns(void);
void arm_timer_ns(uint64_t delta);

/* ---- insn.c: MSRs, ports, CPUID, SVM instructions ---- */
void msr_one(void);
void io_one(void);
void cpuid_one(void);
void svm_one(void);
void mmio_one(void);

/* ---- main.c: statistics and the record of the call in flight ---- */
enum kind { K_HC, K_MSR, K_IO, K_CPUID, K_SVM, K_MMIO, K_NR };
enum hc_res { R_OK, R_ENOSYS, R_EFAULT, R_EPERM, R_EINVAL, R_OTHER, R_NR };

struct stats {
    uint64_t kind[K_NR];
    uint64_t hc_res[R_NR];
    uint64_t msr_gp, msr_ok, svm_ud, insn_fault, nmis, hc_exc;
};
extern struct stats st;

/* What the current iteration does, for the failure message. */
extern uint64_t cur_iter;
extern char cur_desc[160];
/* Record what is about to run (printed too once tracing has started). */
void describe(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define DESCRIBE(...) describe(__VA_ARGS__)

/* Set when a fuzzed console write may have left half a line. */
extern bool cons_dirty;
void cons_break(void);
#define FAIL(...) do { cons_break(); guest_fail(__VA_ARGS__); } while (0)

#endif

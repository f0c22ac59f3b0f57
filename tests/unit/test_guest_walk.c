/* Host tests of the guest page-table walker (hv/arch/x86/guest_walk.c).
 * A host buffer stands in for the guest's RAM at GPA 0. */
#include <errno.h>
#include <stdint.h>
#include <asm/guest_walk.h>
#include "unit.h"

#define RAM_SIZE (1u << 20)

static uint8_t *ram;
static unsigned int reads, writes;

static int ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    (void)opaque;
    reads++;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(buf, ram + gpa, len);
    return 0;
}

static int ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    (void)opaque;
    writes++;
    if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
        return -EFAULT;
    memcpy(ram + gpa, buf, len);
    return 0;
}

static const struct guest_mem_ops mem_rw = { ram_read, ram_write, NULL };
static const struct guest_mem_ops mem_ro = { ram_read, NULL, NULL };

#define P   0x001ull
#define RW  0x002ull
#define US  0x004ull
#define A   0x020ull
#define D   0x040ull
#define PS  0x080ull
#define NX  (1ull << 63)

#define CR0_PG (1ull << 31)
#define CR0_WP (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

static void reset_ram(void)
{
    memset(ram, 0, RAM_SIZE);
    reads = writes = 0;
}

static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }
static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static uint64_t get64(uint64_t gpa) { uint64_t v; memcpy(&v, ram + gpa, 8); return v; }
static uint32_t get32(uint64_t gpa) { uint32_t v; memcpy(&v, ram + gpa, 4); return v; }

/* Walk and return 0 / -EFAULT; *out is the GPA or the pfec. */
static int walk(const struct guest_paging *pg, uint64_t gva, unsigned int access,
                uint64_t *out)
{
    uint64_t gpa = 0xdead;
    uint32_t pfec = 0xdead;
    int rc = guest_walk(pg, &mem_rw, gva, access, &gpa, &pfec);

    *out = rc ? pfec : gpa;
    return rc;
}

#define EXPECT_GPA(pg, gva, acc, want) do { \
    uint64_t _o; \
    CHECK_EQ(walk(pg, gva, acc, &_o), 0); \
    CHECK_EQ(_o, want); \
} while (0)

#define EXPECT_PF(pg, gva, acc, want_pfec) do { \
    uint64_t _o; \
    CHECK_EQ(walk(pg, gva, acc, &_o), -EFAULT); \
    CHECK_EQ(_o, want_pfec); \
} while (0)

#define W GW_WRITE
#define U GW_USER
#define F GW_FETCH
#define E_P GW_PFEC_PRESENT
#define E_W GW_PFEC_WRITE
#define E_U GW_PFEC_USER
#define E_R GW_PFEC_RSVD
#define E_I GW_PFEC_FETCH

static void test_paging_off(void)
{
    struct guest_paging pg = { .cr0 = 1, .cr4 = CR4_PAE, .efer = EFER_NXE };

    reset_ram();
    EXPECT_GPA(&pg, 0x12345678, 0, 0x12345678);
    EXPECT_GPA(&pg, 0x112345678ull, W | U | F, 0x12345678);
    EXPECT_GPA(&pg, 0xffffffffffffffffull, 0, 0xffffffff);
    CHECK_EQ(reads, 0);
}

/* 32-bit paging: PD at 0x1000, PTs at 0x2000/0x3000. */
static void test_32bit(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x1000 | 0x18 };

    reset_ram();
    put32(0x1000 + 1 * 4, 0x2000 | P | RW | US);            /* 4M..8M */
    put32(0x2000 + 5 * 4, 0x00123000 | P | RW | US);        /* 0x405000 */
    put32(0x2000 + 6 * 4, 0x00124000 | P | US);             /* read-only */
    put32(0x2000 + 7 * 4, 0x00125000 | P | RW);             /* supervisor */
    put32(0x1000 + 2 * 4, 0x3000 | P | US);                 /* RO at PDE level */
    put32(0x3000 + 0 * 4, 0x00126000 | P | RW | US);
    put32(0x1000 + 0x3ff * 4, 0x4000 | P | RW | US);        /* top of 4G */
    put32(0x4000 + 0x3ff * 4, 0xfffff000 | P | RW);
    put32(0x1000 + 3 * 4, 0x00c00000 | P | RW | US | PS);   /* 4M page (needs PSE) */

    EXPECT_GPA(&pg, 0x405abc, 0, 0x123abc);
    EXPECT_GPA(&pg, 0x405abc, W | U, 0x123abc);
    EXPECT_GPA(&pg, 0x100405abcull, 0, 0x123abc);          /* truncated to 32 bits */
    EXPECT_GPA(&pg, 0xfffffffc, W, 0xfffffffc);
    EXPECT_PF(&pg, 0x0, 0, 0);                              /* PDE not present */
    EXPECT_PF(&pg, 0x0, W | U, E_W | E_U);
    EXPECT_PF(&pg, 0x408000, U, E_U);                       /* PTE not present */
    EXPECT_GPA(&pg, 0x406000, U, 0x124000);
    EXPECT_PF(&pg, 0x406000, W | U, E_P | E_W | E_U);       /* user write to RO */
    EXPECT_PF(&pg, 0x406000, W, E_P | E_W);                 /* supervisor, WP=1 */
    EXPECT_PF(&pg, 0x407000, U, E_P | E_U);                 /* user to supervisor page */
    EXPECT_GPA(&pg, 0x407000, W, 0x125000);
    EXPECT_PF(&pg, 0x800000, W, E_P | E_W);                 /* RO in the PDE */
    EXPECT_GPA(&pg, 0x800000, F | U, 0x126000);             /* no NX in 32-bit paging */
    pg.cr0 &= ~CR0_WP;
    EXPECT_GPA(&pg, 0x406000, W, 0x124000);                 /* WP=0: supervisor may write */
    EXPECT_GPA(&pg, 0x800010, W, 0x126010);
    EXPECT_PF(&pg, 0x406000, W | U, E_P | E_W | E_U);       /* but user still may not */

    /* PS without CR4.PSE is ignored: the PDE points to a page table at
     * 0xc00000, outside RAM. */
    EXPECT_PF(&pg, 0xc12345, 0, GW_PFEC_NOT_RAM);
    pg.cr4 = CR4_PSE;
    EXPECT_GPA(&pg, 0xc12345, W | U, 0xc12345);
    EXPECT_GPA(&pg, 0xffffff, 0, 0xffffff);
    /* PSE-36: PDE bits 20:13 are address bits 39:32. */
    put32(0x1000 + 4 * 4, 0x01000000 | (0x12u << 13) | P | RW | PS);
    EXPECT_GPA(&pg, 0x1012345, 0, 0x1201012345ull);
    pg.maxphyaddr = 36;     /* bits 20:17 become reserved */
    EXPECT_PF(&pg, 0x1012345, 0, E_P | E_R);
    put32(0x1000 + 4 * 4, 0x01000000 | (0x2u << 13) | P | RW | PS);
    EXPECT_GPA(&pg, 0x1012345, 0, 0x201012345ull);
    put32(0x1000 + 4 * 4, 0x01000000 | (1u << 21) | P | RW | PS);     /* bit 21 reserved */
    EXPECT_PF(&pg, 0x1012345, W, E_P | E_R | E_W);
}

/* PAE: PDPT at 0x1020 (32-byte aligned), PDs at 0x2000.., PTs at 0x5000.. */
static void test_pae(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x1020, .cr4 = CR4_PAE,
                               .efer = EFER_NXE, .maxphyaddr = 40 };

    reset_ram();
    put64(0x1020 + 0 * 8, 0x2000 | P);
    put64(0x1020 + 3 * 8, 0x3000 | P);
    put64(0x2000 + 2 * 8, 0x5000 | P | RW | US);            /* 4M..6M */
    put64(0x5000 + 1 * 8, 0x1234567000ull | P | RW | US);   /* above 4 GiB */
    put64(0x5000 + 2 * 8, 0x8000 | P | RW | US | NX);
    put64(0x2000 + 3 * 8, 0x40000000ull | P | RW | US | PS);/* 2M page at 6M */
    put64(0x3000 + 511 * 8, 0x6000 | P | RW);               /* 0xffe00000.. */
    put64(0x6000 + 511 * 8, 0xfedcb000ull | P | RW);

    EXPECT_GPA(&pg, 0x401abc, W | U, 0x1234567abcull);
    EXPECT_GPA(&pg, 0x6fffff, W | U | F, 0x400fffff);
    EXPECT_GPA(&pg, 0xfffff123, W, 0xfedcb123);
    EXPECT_PF(&pg, 0xfffff123, U, E_P | E_U);
    EXPECT_PF(&pg, 0x40000000, 0, 0);                       /* PDPTE 1 not present */
    EXPECT_PF(&pg, 0x40000000, F, E_I);                     /* I/D with NXE */
    EXPECT_PF(&pg, 0x200000, W, E_W);                       /* PDE not present */
    EXPECT_PF(&pg, 0x400000, 0, 0);                         /* PTE not present */
    EXPECT_GPA(&pg, 0x402000, U, 0x8000);
    EXPECT_PF(&pg, 0x402000, F | U, E_P | E_U | E_I);       /* NX */
    EXPECT_PF(&pg, 0x402000, F, E_P | E_I);
    pg.efer = 0;                                            /* without NXE bit 63 is reserved */
    EXPECT_PF(&pg, 0x402000, 0, E_P | E_R);
    EXPECT_PF(&pg, 0x40000000, F, 0);                       /* and there is no I/D */
    EXPECT_GPA(&pg, 0x401000, F, 0x1234567000ull);
    pg.efer = EFER_NXE;

    /* Reserved bits. */
    put64(0x1020 + 0 * 8, 0x2000 | P | RW);                 /* PDPTE R/W is reserved */
    EXPECT_PF(&pg, 0x401000, 0, E_P | E_R);
    put64(0x1020 + 0 * 8, 0x2000 | P | (1ull << 40));       /* above MAXPHYADDR */
    EXPECT_PF(&pg, 0x401000, 0, E_P | E_R);
    put64(0x1020 + 0 * 8, 0x2000 | P);
    put64(0x2000 + 3 * 8, 0x40000000ull | P | RW | PS | (1ull << 13));  /* 2M bits 20:13 */
    EXPECT_PF(&pg, 0x600000, 0, E_P | E_R);
    put64(0x2000 + 3 * 8, 0x40000000ull | P | RW | PS | (1ull << 55));  /* PAE: 62:M */
    EXPECT_PF(&pg, 0x600000, 0, E_P | E_R);
    put64(0x2000 + 3 * 8, 0x40000000ull | P | RW | PS | (1ull << 12));  /* PAT is fine */
    EXPECT_GPA(&pg, 0x600000, 0, 0x40000000);
    put64(0x5000 + 1 * 8, 0x12345670000ull | P);            /* address bit 40 */
    EXPECT_PF(&pg, 0x401000, 0, E_P | E_R);
    pg.maxphyaddr = 52;
    EXPECT_GPA(&pg, 0x401000, 0, 0x12345670000ull);
}

/* 4-level long mode: PML4 0x1000, PDPT 0x2000, PD 0x3000, PT 0x4000. */
static void build_long(void)
{
    reset_ram();
    put64(0x1000 + 0 * 8, 0x2000 | P | RW | US);
    put64(0x1000 + 511 * 8, 0x7000 | P | RW);               /* kernel half */
    put64(0x2000 + 0 * 8, 0x3000 | P | RW | US);
    put64(0x2000 + 1 * 8, 0x80000000ull | P | RW | US | PS);/* 1G page at 1G */
    put64(0x2000 + 2 * 8, 0x9000 | P | US);                 /* RO PDPTE */
    put64(0x2000 + 3 * 8, 0xa000 | P | RW);                 /* supervisor PDPTE */
    put64(0x3000 + 0 * 8, 0x4000 | P | RW | US);
    put64(0x3000 + 1 * 8, 0x600000 | P | RW | US | PS);     /* 2M page at 2M */
    put64(0x4000 + 1 * 8, 0x123000 | P | RW | US);
    put64(0x4000 + 2 * 8, 0x124000 | P | RW | US | NX);
    put64(0x4000 + 3 * 8, 0x125000 | P | US);
    put64(0x9000 + 0 * 8, 0xb000 | P | RW | US);
    put64(0xb000 + 0 * 8, 0x200000 | P | RW | US | PS);
    put64(0xa000 + 0 * 8, 0xc000 | P | RW | US);
    put64(0xc000 + 0 * 8, 0x300000 | P | RW | US | PS);
    put64(0x7000 + 511 * 8, 0xd000 | P | RW);
    put64(0xd000 + 511 * 8, 0xe000 | P | RW);
    put64(0xe000 + 511 * 8, 0x7ffff000ull | P | RW);
}

static void test_long(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x1000, .cr4 = CR4_PAE,
                               .efer = EFER_LME | EFER_LMA | EFER_NXE };

    build_long();
    EXPECT_GPA(&pg, 0x1abc, W | U, 0x123abc);
    EXPECT_GPA(&pg, 0x2fffff, W | U | F, 0x6fffff);         /* 2M */
    EXPECT_GPA(&pg, 0x7fffffff, W | U | F, 0xbfffffff);     /* 1G */
    EXPECT_GPA(&pg, 0xfffffffffffff008ull, W | F, 0x7ffff008);
    EXPECT_PF(&pg, 0xfffffffffffff008ull, U, E_P | E_U);
    /* Non-canonical. */
    EXPECT_PF(&pg, 0x0000800000000000ull, 0, GW_PFEC_NONCANON);
    EXPECT_PF(&pg, 0xffff7fffffffffffull, W, GW_PFEC_NONCANON | E_W);
    EXPECT_PF(&pg, 0xffff800000000000ull, 0, 0);           /* canonical, not mapped */
    /* Not present at each level. */
    EXPECT_PF(&pg, 0x008000000000ull, 0, 0);                /* PML4E */
    EXPECT_PF(&pg, 0x000100000000ull, W | U, E_W | E_U);    /* PDPTE */
    EXPECT_PF(&pg, 0x000000400000ull, F, E_I);              /* PDE */
    EXPECT_PF(&pg, 0x000000000000ull, U, E_U);              /* PTE */
    /* Rights accumulate over the levels. */
    EXPECT_GPA(&pg, 0x80000000ull, U, 0x200000);
    EXPECT_PF(&pg, 0x80000000ull, U | W, E_P | E_U | E_W);  /* RO PDPTE */
    EXPECT_PF(&pg, 0x80000000ull, W, E_P | E_W);
    EXPECT_GPA(&pg, 0xc0000000ull, W, 0x300000);
    EXPECT_PF(&pg, 0xc0000000ull, U, E_P | E_U);            /* supervisor PDPTE */
    EXPECT_PF(&pg, 0x3000, U | W, E_P | E_U | E_W);         /* RO PTE */
    pg.cr0 &= ~CR0_WP;
    EXPECT_GPA(&pg, 0x3000, W, 0x125000);
    EXPECT_GPA(&pg, 0x80000000ull, W, 0x200000);
    pg.cr0 |= CR0_WP;
    /* NX. */
    EXPECT_GPA(&pg, 0x2000, U | W, 0x124000);
    EXPECT_PF(&pg, 0x2000, F, E_P | E_I);
    EXPECT_PF(&pg, 0x2000, F | U, E_P | E_I | E_U);
    pg.efer &= ~EFER_NXE;
    EXPECT_PF(&pg, 0x2000, 0, E_P | E_R);                   /* bit 63 reserved */
    EXPECT_PF(&pg, 0x400000, F, 0);                         /* no I/D without NXE */
    pg.efer |= EFER_NXE;
}

static void test_long_reserved(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG | CR0_WP, .cr3 = 0x1000, .cr4 = CR4_PAE,
                               .efer = EFER_LMA | EFER_NXE, .maxphyaddr = 40 };

    build_long();
    put64(0x1000, 0x2000 | P | RW | US | PS);               /* PS in a PML4E */
    EXPECT_PF(&pg, 0x1000, U, E_P | E_R | E_U);
    put64(0x1000, 0x2000 | P | RW | US | (1ull << 45));     /* above MAXPHYADDR */
    EXPECT_PF(&pg, 0x1000, 0, E_P | E_R);
    put64(0x1000, 0x2000 | P | RW | US | (0x7ffull << 52)); /* 62:52 are ignored */
    EXPECT_GPA(&pg, 0x1000, 0, 0x123000);
    put64(0x2000 + 1 * 8, 0x80000000ull | P | RW | PS | (1ull << 13));  /* 1G: 29:13 */
    EXPECT_PF(&pg, 0x40000000ull, 0, E_P | E_R);
    put64(0x2000 + 1 * 8, 0x80000000ull | P | RW | PS | (1ull << 29));
    EXPECT_PF(&pg, 0x40000000ull, 0, E_P | E_R);
    put64(0x2000 + 1 * 8, 0x80000000ull | P | RW | PS | (1ull << 12));  /* PAT */
    EXPECT_GPA(&pg, 0x40000000ull, 0, 0x80000000ull);
    put64(0x3000 + 1 * 8, 0x600000 | P | RW | PS | (1ull << 20));       /* 2M: 20:13 */
    EXPECT_PF(&pg, 0x200000, 0, E_P | E_R);
    put64(0x4000 + 1 * 8, 0x123000 | P | RW | (1ull << 40));            /* PTE address */
    EXPECT_PF(&pg, 0x1000, W, E_P | E_R | E_W);
    /* Reserved bits win over not-present lower down and over protection. */
    put64(0x4000 + 1 * 8, 0x123000 | (1ull << 40));                     /* not present */
    EXPECT_PF(&pg, 0x1000, 0, 0);
    /* Long mode needs PAE. */
    pg.cr4 = 0;
    {
        uint64_t gpa;
        uint32_t pfec = 0;
        CHECK_EQ(guest_walk(&pg, &mem_rw, 0x1000, 0, &gpa, &pfec), -EINVAL);
    }
}

static void test_la57(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG, .cr3 = 0x10000, .cr4 = CR4_PAE | CR4_LA57,
                               .efer = EFER_LMA };

    build_long();
    put64(0x10000 + 1 * 8, 0x1000 | P | RW | US);           /* PML5E[1] -> PML4 */
    EXPECT_GPA(&pg, (1ull << 48) | 0x1abc, W | U, 0x123abc);
    EXPECT_PF(&pg, 0x1abc, 0, 0);                           /* PML5E[0] not present */
    EXPECT_PF(&pg, 0x0100000000000000ull, 0, GW_PFEC_NONCANON);
    EXPECT_PF(&pg, 0x00ff000000000000ull, 0, 0);            /* canonical with 57 bits */
    put64(0x10000 + 1 * 8, 0x1000 | P | RW | US | PS);
    EXPECT_PF(&pg, (1ull << 48) | 0x1abc, 0, E_P | E_R);
}

/* A and D: set on a successful walk only, only when clear, never in PAE
 * PDPTEs, and not at all without a write op. */
static void test_accessed_dirty(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
                               .efer = EFER_LMA };
    uint64_t gpa;
    uint32_t pfec;

    build_long();
    CHECK_EQ(guest_walk(&pg, &mem_ro, 0x1abc, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(get64(0x1000) & (A | D), 0);
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x1abc, 0, &gpa, &pfec), 0);
    CHECK_EQ(get64(0x1000) & (A | D), A);
    CHECK_EQ(get64(0x2000) & (A | D), A);
    CHECK_EQ(get64(0x3000) & (A | D), A);
    CHECK_EQ(get64(0x4008) & (A | D), A);
    writes = 0;
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x1abc, 0, &gpa, &pfec), 0);
    CHECK_EQ(writes, 0);                                    /* already set */
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x1abc, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(writes, 1);
    CHECK_EQ(get64(0x4008) & (A | D), A | D);
    CHECK_EQ(get64(0x3000) & D, 0);                         /* D only in the leaf */
    CHECK_EQ(get64(0x4008) & ~(A | D), 0x123000 | P | RW | US);
    /* 2M leaf gets D. */
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x200000, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(get64(0x3008) & (A | D), A | D);
    /* A failed walk changes nothing. */
    writes = 0;
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x3000, GW_WRITE | GW_USER, &gpa, &pfec), -EFAULT);
    CHECK_EQ(writes, 0);
    CHECK_EQ(get64(0x4018) & A, 0);

    /* PAE PDPTEs have no A bit. */
    reset_ram();
    pg.efer = 0;
    pg.cr3 = 0x1000;
    put64(0x1000, 0x2000 | P);
    put64(0x2000, 0x3000 | P | RW);
    put64(0x3000, 0x4000 | P | RW);
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(gpa, 0x4123);
    CHECK_EQ(get64(0x1000), 0x2000 | P);
    CHECK_EQ(get64(0x2000), 0x3000 | P | RW | A);
    CHECK_EQ(get64(0x3000), 0x4000 | P | RW | A | D);

    /* 32-bit entries. */
    reset_ram();
    pg.cr4 = 0;
    put32(0x1000, 0x2000 | P | RW);
    put32(0x2000, 0x5000 | P | RW);
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(get32(0x1000), 0x2000 | P | RW | A);
    CHECK_EQ(get32(0x2000), 0x5000 | P | RW | A | D);
}

/* Hostile tables: self-referencing entries terminate (the walk is bounded
 * by the levels), tables outside RAM fail cleanly. */
static void test_hostile(void)
{
    struct guest_paging pg = { .cr0 = CR0_PG, .cr3 = 0x1000, .cr4 = CR4_PAE,
                               .efer = EFER_LMA };
    uint64_t gpa, gva;
    uint32_t pfec = 0;
    unsigned int i;

    reset_ram();
    for (i = 0; i < 512; i++)
        put64(0x1000 + i * 8, 0x1000 | P | RW | US | A | D);
    reads = 0;
    gva = 0xffffff8000000000ull | (511ull << 30) | (511ull << 21) | (3ull << 12) | 0x18;
    CHECK_EQ(guest_walk(&pg, &mem_rw, gva, GW_WRITE, &gpa, &pfec), 0);
    CHECK_EQ(gpa, 0x1018);                                  /* recursive mapping */
    CHECK_EQ(reads, 4);

    pg.cr4 |= CR4_LA57;
    reads = 0;
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, 0, &gpa, &pfec), 0);
    CHECK_EQ(gpa, 0x1123);
    CHECK_EQ(reads, 5);

    pg.cr4 = CR4_PAE;
    pg.cr3 = 0x7ffff000;                                    /* outside RAM */
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, GW_USER, &gpa, &pfec), -EFAULT);
    CHECK_EQ(pfec, GW_PFEC_NOT_RAM | GW_PFEC_USER);
    pg.cr3 = 0x1000;
    put64(0x1000, 0xfffff000ull | P | RW | US);
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, 0, &gpa, NULL), -EFAULT);   /* NULL pfec is fine */

    /* CR3 bits above MAXPHYADDR and below the table alignment are ignored. */
    put64(0x1000, 0x2000 | P | RW | US);
    put64(0x2000, 0x3000 | P | RW | US);
    put64(0x3000, 0x4000 | P | RW | US);
    put64(0x4000, 0x5000 | P | RW | US);
    pg.cr3 = 0x1000 | 0xfff | (1ull << 63);
    CHECK_EQ(guest_walk(&pg, &mem_rw, 0x123, 0, &gpa, &pfec), 0);
    CHECK_EQ(gpa, 0x5123);
}

static uint64_t rng_state = 0x243f6a8885a308d3ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* Random guest memory and paging state: the walk never reads more entries
 * than there are levels and its answer is well-formed. */
static void test_random(void)
{
    unsigned int iter, i, bad = 0, ok = 0;

    for (iter = 0; iter < 3000; iter++) {
        struct guest_paging pg;
        uint64_t gpa = 0;
        uint32_t pfec = 0;
        int rc;

        /* A 64 KiB window of random entries, mostly pointing inside it. */
        for (i = 0; i < 0x10000; i += 8) {
            uint64_t r = rng();
            if (r & 1)
                r = (r & (0xf000 | 0xfff | NX)) | P;
            put64(i, r);
        }
        uint64_t r = rng(), gva = rng();

        pg.cr0 = (r & 1 ? CR0_PG : 0) | (r & 2 ? CR0_WP : 0);
        pg.cr3 = rng();
        if (r & 4)
            pg.cr3 &= 0xffff;
        pg.cr4 = r & (CR4_PSE | CR4_PAE | CR4_LA57);
        pg.efer = r & (EFER_LMA | EFER_NXE);
        pg.maxphyaddr = (unsigned int)((r >> 16) % 64);
        if (r & 8)
            gva &= 0xffffffff;
        reads = 0;
        rc = guest_walk(&pg, &mem_rw, gva, (unsigned int)(r >> 24) & 7, &gpa, &pfec);
        if (reads > 5 || (rc && rc != -EFAULT && rc != -EINVAL))
            bad++;
        if (rc == -EFAULT && (pfec & ~(0x1fu | GW_PFEC_NOT_RAM | GW_PFEC_NONCANON)))
            bad++;
        if (!rc)
            ok++;
    }
    fprintf(stderr, "  random: 3000 walks, %u translated, %u bad\n", ok, bad);
    CHECK_EQ(bad, 0);
}

UNIT_MAIN("guest_walk")
{
    ram = malloc(RAM_SIZE);
    TEST_RUN(test_paging_off);
    TEST_RUN(test_32bit);
    TEST_RUN(test_pae);
    TEST_RUN(test_long);
    TEST_RUN(test_long_reserved);
    TEST_RUN(test_la57);
    TEST_RUN(test_accessed_dirty);
    TEST_RUN(test_hostile);
    TEST_RUN(test_random);
    free(ram);
}

/*
 * Guest page-table walker (see asm/guest_walk.h). Facts from the Intel SDM
 * vol. 3 ch. 4 and the AMD APM vol. 2 ch. 5.
 *
 * The walk is a loop over at most five levels described by struct
 * gw_level; each entry is read once into a local, checked for presence
 * and reserved bits, and folded into the accumulated R/W, U/S and NX
 * rights. Permission checks follow the walk, as on the CPU, so a
 * not-present or reserved-bit fault takes priority over a protection one.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <asm/guest_walk.h>

#define CR0_WP      (1ull << 16)
#define CR0_PG      (1ull << 31)
#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define CR4_LA57    (1ull << 12)
#define EFER_LMA    (1ull << 10)
#define EFER_NXE    (1ull << 11)

#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_US      (1ull << 2)
#define PTE_A       (1ull << 5)
#define PTE_D       (1ull << 6)
#define PTE_PS      (1ull << 7)
#define PTE_NX      (1ull << 63)

#define GW_MAX_LEVELS 5

/* Bits lo..hi inclusive. */
#define BITS(lo, hi) ((~0ull >> (63 - (hi))) & (~0ull << (lo)))

enum gw_mode {
    GW_MODE_32,         /* 2-level, 4-byte entries */
    GW_MODE_PAE,        /* 3-level, top level is the 4-entry PDPT */
    GW_MODE_LONG,       /* 4- or 5-level */
};

/* What the walk of one entry produced; kept for the A/D update. */
struct gw_entry {
    uint64_t gpa;       /* where the entry lives */
    uint64_t val;       /* its value as read */
    bool has_ad;        /* the entry has an Accessed bit (not PAE PDPTEs) */
};

static uint32_t gw_fault_bits(unsigned int access, bool nx_in_use)
{
    uint32_t pfec = 0;

    if (access & GW_WRITE)
        pfec |= GW_PFEC_WRITE;
    if (access & GW_USER)
        pfec |= GW_PFEC_USER;
    /* I/D is reported only when NX exists in this paging mode (no SMEP). */
    if ((access & GW_FETCH) && nx_in_use)
        pfec |= GW_PFEC_FETCH;
    return pfec;
}

/* Reserved bits of an entry at `level` (1 = page table) that maps a page
 * when `leaf`; `addr_rsvd` are the address bits at or above MAXPHYADDR. */
static uint64_t gw_rsvd_bits(enum gw_mode mode, unsigned int level, bool leaf,
                             uint64_t addr_rsvd, bool nxe, unsigned int maxphy)
{
    uint64_t r;

    switch (mode) {
    case GW_MODE_32:
        if (level == 2 && leaf) {
            /* PSE-36: bits 20:13 hold address bits 39:32; bit 21 is reserved */
            unsigned int hi = maxphy > 40 ? 40 : maxphy;
            r = BITS(21, 21);
            if (hi < 40)
                r |= BITS(13 + (hi - 32), 20);
            return r;
        }
        return 0;
    case GW_MODE_PAE:
        /* PDPTE: no R/W, U/S or NX. Bits 5-8 are left alone: AMD CPUs
         * (and QEMU's emulation of them) set A in PDPTEs. */
        if (level == 3)
            return BITS(1, 2) | addr_rsvd | BITS(52, 63);
        r = addr_rsvd | BITS(52, 62) | (nxe ? 0 : PTE_NX);
        if (level == 2 && leaf)
            r |= BITS(13, 20);
        return r;
    case GW_MODE_LONG:
        r = addr_rsvd | (nxe ? 0 : PTE_NX);
        if (level >= 4)
            r |= PTE_PS;
        else if (level == 3 && leaf)
            r |= BITS(13, 29);
        else if (level == 2 && leaf)
            r |= BITS(13, 20);
        return r;
    default:
        return ~0ull;
    }
}

/* Set A on every entry used and D on the leaf for a write, where not yet
 * set. One-byte writes: bits 5 and 6 live in the low byte. */
static void gw_set_ad(const struct guest_mem_ops *mem, const struct gw_entry *e,
                      unsigned int n, bool write)
{
    unsigned int i;

    if (!mem->write)
        return;
    for (i = 0; i < n; i++) {
        uint64_t want = PTE_A;
        uint8_t low;

        if (!e[i].has_ad)
            continue;
        if (i == n - 1 && write)
            want |= PTE_D;
        if ((e[i].val & want) == want)
            continue;
        low = (uint8_t)(e[i].val | want);
        /* A failed write leaves the bit clear; the translation stands. */
        (void)mem->write(mem->opaque, e[i].gpa, &low, 1);
    }
}

int guest_walk(const struct guest_paging *pg, const struct guest_mem_ops *mem,
               uint64_t gva, unsigned int access, uint64_t *gpa, uint32_t *pfec)
{
    struct gw_entry ent[GW_MAX_LEVELS];
    unsigned int maxphy = pg->maxphyaddr ? pg->maxphyaddr : 52;
    unsigned int levels, level, n = 0, esize, shift = 0;
    bool nxe, rw = true, us = true, nx = false, leaf = false;
    uint64_t table, addr_mask, addr_rsvd, va_bits;
    uint32_t fault = 0;
    enum gw_mode mode;
    int rc = 0;

    if (maxphy < 32)
        maxphy = 32;
    if (maxphy > 52)
        maxphy = 52;
    addr_mask = BITS(12, maxphy - 1);
    addr_rsvd = maxphy < 52 ? BITS(maxphy, 51) : 0;

    if (!(pg->cr0 & CR0_PG)) {
        *gpa = gva & 0xffffffffull;
        return 0;
    }

    if (pg->efer & EFER_LMA) {
        if (!(pg->cr4 & CR4_PAE))
            return -EINVAL;
        mode = GW_MODE_LONG;
        levels = (pg->cr4 & CR4_LA57) ? 5 : 4;
        nxe = pg->efer & EFER_NXE;
        esize = 8;
        table = pg->cr3 & addr_mask;
        /* Canonical: bits 63..(va_bits-1) all equal. */
        va_bits = 12 + 9 * levels;
        if ((uint64_t)((int64_t)(gva << (64 - va_bits)) >> (64 - va_bits)) != gva) {
            fault = GW_PFEC_NONCANON;
            rc = -EFAULT;
            goto out;
        }
    } else if (pg->cr4 & CR4_PAE) {
        mode = GW_MODE_PAE;
        levels = 3;
        nxe = pg->efer & EFER_NXE;
        esize = 8;
        table = pg->cr3 & BITS(5, 31);
        gva &= 0xffffffffull;
    } else {
        mode = GW_MODE_32;
        levels = 2;
        nxe = false;
        esize = 4;
        table = pg->cr3 & BITS(12, 31);
        gva &= 0xffffffffull;
    }

    for (level = levels; level >= 1; level--) {
        unsigned int idx_bits = mode == GW_MODE_32 ? 10 : 9;
        struct gw_entry *e = &ent[n++];
        uint64_t idx, rsvd;
        uint32_t e32;

        shift = mode == GW_MODE_32 ? 12 + 10 * (level - 1) : 12 + 9 * (level - 1);
        idx = (gva >> shift) & ((1ull << idx_bits) - 1);
        if (mode == GW_MODE_PAE && level == 3)
            idx = (gva >> 30) & 3;
        e->gpa = table + idx * esize;
        e->has_ad = !(mode == GW_MODE_PAE && level == 3);
        if (esize == 4) {
            rc = mem->read(mem->opaque, e->gpa, &e32, 4);
            e->val = e32;
        } else {
            rc = mem->read(mem->opaque, e->gpa, &e->val, 8);
        }
        if (rc) {
            fault = GW_PFEC_NOT_RAM;
            rc = -EFAULT;
            goto out;
        }

        if (!(e->val & PTE_P)) {
            rc = -EFAULT;
            goto out;
        }
        leaf = level == 1 ||
               (level == 2 && (e->val & PTE_PS) &&
                (mode != GW_MODE_32 || (pg->cr4 & CR4_PSE))) ||
               (level == 3 && mode == GW_MODE_LONG && (e->val & PTE_PS));
        rsvd = gw_rsvd_bits(mode, level, leaf, addr_rsvd, nxe, maxphy);
        if (e->val & rsvd) {
            fault = GW_PFEC_PRESENT | GW_PFEC_RSVD;
            rc = -EFAULT;
            goto out;
        }
        if (e->has_ad) {
            rw = rw && (e->val & PTE_RW);
            us = us && (e->val & PTE_US);
            nx = nx || (nxe && (e->val & PTE_NX));
        }
        if (leaf)
            break;
        table = e->val & (esize == 4 ? BITS(12, 31) : addr_mask);
    }

    if (((access & GW_USER) && !us) ||
        ((access & GW_WRITE) && !rw && ((access & GW_USER) || (pg->cr0 & CR0_WP))) ||
        ((access & GW_FETCH) && nx)) {
        fault = GW_PFEC_PRESENT;
        rc = -EFAULT;
        goto out;
    }

    {
        uint64_t v = ent[n - 1].val;
        uint64_t page_mask = (1ull << shift) - 1;
        uint64_t base;

        if (mode == GW_MODE_32 && shift == 22)  /* 4 MiB page, PSE-36 bits */
            base = (v & BITS(22, 31)) | (((v >> 13) & 0xff) << 32);
        else
            base = v & addr_mask & ~page_mask;
        *gpa = base | (gva & page_mask);
    }
    gw_set_ad(mem, ent, n, access & GW_WRITE);

out:
    if (rc && pfec)
        *pfec = fault | gw_fault_bits(access, mode != GW_MODE_32 && nxe);
    return rc;
}

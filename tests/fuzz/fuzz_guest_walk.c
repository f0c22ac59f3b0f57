/*
 * libFuzzer target over the guest page-table walker
 * (hv/arch/x86/guest_walk.c): a guest writes its page tables and its
 * paging registers. The input is a 32-byte header (CR0, CR3, CR4 and EFER
 * bits, the physical-address width, the address, the access), then the
 * guest's RAM: every guest-physical address is RAM, folded onto those
 * bytes (tables alias each other freely), except above 2^40 (not RAM).
 *
 * Checked beyond "no crash, no UB": a translation keeps the page offset
 * and stays below 2^maxphyaddr; a walk that writes nothing (read-only) answers as one that sets A/D bits, and
 * writes happen only for a successful walk; an access needing fewer
 * rights (no write, supervisor, no fetch) succeeds wherever a stronger
 * one did, to the same address.
 */
#include <stdlib.h>
#include <string.h>

#include <asm/cpu.h>
#include <asm/guest_walk.h>
#include <oryx/errno.h>

#define HDR 32

struct ram {
    uint8_t *p;
    size_t len;
    int writes;
};

static int ram_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
    struct ram *r = opaque;

    if (gpa >> 40)
        return -EFAULT;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = r->p[(gpa + i) % r->len];
    return 0;
}

static int ram_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
    struct ram *r = opaque;

    if (gpa >> 40)
        return -EFAULT;
    r->writes++;
    for (size_t i = 0; i < len; i++)
        r->p[(gpa + i) % r->len] = ((const uint8_t *)buf)[i];
    return 0;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v = 0;

    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct guest_paging pg;
    struct ram ram;
    struct guest_mem_ops ro = { ram_read, NULL, &ram }, rw = { ram_read, ram_write, &ram };
    uint64_t gva, gpa = 0, gpa2 = 0;
    uint32_t pfec = 0, pfec2 = 0;
    unsigned int access, weaker;
    uint8_t flags;
    int rc, rc2;

    if (size < HDR + 8)
        return 0;
    flags = data[0];
    memset(&pg, 0, sizeof(pg));
    pg.cr0 = (flags & 1 ? X86_CR0_PG : 0) | (flags & 2 ? X86_CR0_WP : 0) | 1 /* PE */;
    pg.cr4 = (flags & 4 ? X86_CR4_PSE : 0) | (flags & 8 ? X86_CR4_PAE : 0) |
             (flags & 16 ? X86_CR4_LA57 : 0);
    pg.efer = (flags & 32 ? EFER_LME | EFER_LMA : 0) | (flags & 64 ? EFER_NXE : 0);
    pg.maxphyaddr = data[1] & 0x80 ? 0 : 32 + data[1] % 21;    /* 0 means 52 */
    access = data[2] & 7;
    pg.cr3 = rd64(data + 8);
    gva = rd64(data + 16);
    if (flags & 128)                    /* or any CR4/EFER bits at all */
        pg.cr4 |= rd64(data + 24) & ~(uint64_t)0xFFF, pg.efer |= rd64(data + 24) & 0xFFF;

    ram.len = size - HDR;
    ram.p = malloc(ram.len);
    if (!ram.p)
        abort();
    memcpy(ram.p, data + HDR, ram.len);
    ram.writes = 0;

    rc = guest_walk(&pg, &ro, gva, access, &gpa, &pfec);
    if (rc != 0 && rc != -EFAULT && rc != -EINVAL)
        abort();
    if (!rc) {
        unsigned int w = pg.maxphyaddr ? pg.maxphyaddr : 52;

        if ((gpa & 0xFFF) != (gva & 0xFFF) || (w < 64 && gpa >> w))
            abort();
        /* Each right fewer: still allowed, to the same place. */
        for (weaker = 0; weaker < 8; weaker++) {
            if ((weaker & access) != weaker || weaker == access)
                continue;
            if (guest_walk(&pg, &ro, gva, weaker, &gpa2, &pfec2) || gpa2 != gpa)
                abort();
        }
    }
    /* The same walk setting A/D bits: same answer, writes only on success. */
    rc2 = guest_walk(&pg, &rw, gva, access, &gpa2, &pfec2);
    if (rc2 != rc || (!rc && gpa2 != gpa) || (rc == -EFAULT && pfec2 != pfec))
        abort();
    if (rc && ram.writes)
        abort();
    free(ram.p);
    return 0;
}

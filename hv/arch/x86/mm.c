/*
 * The hypervisor's own address space: all RAM and the first 4 GiB (for
 * MMIO) mapped 1:1 with 2 MiB pages, non-executable, except the image,
 * mapped with 4 KiB pages by section, and the low 2 MiB (AP trampoline).
 */
#include <oryx/lib.h>
#include <oryx/page_alloc.h>
#include <oryx/cmdline.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/cpu.h>
#include <asm/boot.h>
#include <asm/bootinfo.h>

paddr_t hv_cr3;
paddr_t max_ram_addr;
uint64_t mm_ram_pages;
static uint64_t mem_limit;
CMDLINE_OPT_SIZE("mem", &mem_limit, "use at most this much RAM (e.g. 512M)");

static uint64_t *new_table(void)
{
    paddr_t p = page_alloc_zeroed(0, NULL);

    if (!p)
        panic("out of memory building the hypervisor page tables");
    return __va(p);
}

static uint64_t *next_level(uint64_t *table, unsigned int idx)
{
    if (!(table[idx] & _PAGE_PRESENT)) {
        uint64_t *t = new_table();
        table[idx] = __pa(t) | _PAGE_PRESENT | _PAGE_RW;
    }
    return __va(table[idx] & PTE_ADDR_MASK);
}

static void map_2m(uint64_t *pml4, paddr_t pa, uint64_t flags)
{
    uint64_t *pdpt = next_level(pml4, (pa >> 39) & 511);
    uint64_t *pd = next_level(pdpt, (pa >> 30) & 511);

    pd[(pa >> 21) & 511] = pa | flags | _PAGE_PSE | _PAGE_PRESENT;
}

static void map_4k(uint64_t *pml4, paddr_t pa, uint64_t flags)
{
    uint64_t *pdpt = next_level(pml4, (pa >> 39) & 511);
    uint64_t *pd = next_level(pdpt, (pa >> 30) & 511);
    uint64_t *pt;

    if (pd[(pa >> 21) & 511] & _PAGE_PSE)
        pd[(pa >> 21) & 511] = 0;
    pt = next_level(pd, (pa >> 21) & 511);
    pt[(pa >> 12) & 511] = pa | flags | _PAGE_PRESENT;
}

static bool overlaps(paddr_t a, paddr_t b, paddr_t c, paddr_t d)
{
    return a < d && c < b;
}

/* Adds [start,end) minus every region the hypervisor must keep. */
static void add_free(paddr_t start, paddr_t end)
{
    struct { paddr_t s, e; } keep[BOOT_MAX_MODULES + 4];
    unsigned int n = 0;

    keep[n].s = 0; keep[n++].e = MiB(1);                         /* BIOS, trampoline */
    keep[n].s = __pa(__load_start); keep[n++].e = __pa(__image_end);
    keep[n].s = ALIGN_DOWN(boot_info.info_start, PAGE_SIZE);
    keep[n++].e = ALIGN_UP(boot_info.info_end, PAGE_SIZE);
    keep[n].s = boot_info.hold_start; keep[n++].e = boot_info.hold_end;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        keep[n].s = ALIGN_DOWN(boot_info.modules[i].start, PAGE_SIZE);
        keep[n++].e = ALIGN_UP(boot_info.modules[i].end, PAGE_SIZE);
    }
    start = ALIGN_UP(start, PAGE_SIZE);
    end = ALIGN_DOWN(end, PAGE_SIZE);
    while (start < end) {
        paddr_t cut = end;
        bool clipped = false;
        for (unsigned int i = 0; i < n; i++) {
            if (!overlaps(start, end, keep[i].s, keep[i].e))
                continue;
            if (keep[i].s <= start) {       /* kept region covers the start */
                start = keep[i].e;
                clipped = true;
                break;
            }
            cut = MIN(cut, keep[i].s);
        }
        if (clipped)
            continue;
        page_alloc_add_range(start, cut);
        start = cut;
    }
}

void mm_init_allocator(void)
{
    page_alloc_init();
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        paddr_t s = r->start, e = r->start + r->len;
        if (r->type != BOOT_MEM_RAM)
            continue;
        if (mem_limit && e > mem_limit)
            e = mem_limit;
        if (e <= s)
            continue;
        max_ram_addr = MAX(max_ram_addr, e);
        mm_ram_pages += (e - s) >> PAGE_SHIFT;
        add_free(s, e);
    }
}

void mm_init_pagetables(void)
{
    uint64_t *pml4 = new_table();
    paddr_t top = MAX(ALIGN_UP(max_ram_addr, MiB(2)), GiB(4));
    paddr_t img_s = ALIGN_DOWN(__pa(__load_start), MiB(2));
    paddr_t img_e = ALIGN_UP(__pa(__image_end), MiB(2));

    for (paddr_t pa = MiB(2); pa < top; pa += MiB(2)) {
        if (pa >= img_s && pa < img_e)
            continue;
        uint64_t flags = _PAGE_RW | _PAGE_NX;
        if (pa >= GiB(3) && pa < GiB(4))
            flags |= _PAGE_PCD | _PAGE_PWT;     /* the MMIO hole */
        map_2m(pml4, pa, flags);
    }
    /* Low 2 MiB: RAM, NX, except the AP trampoline page, writable and
     * executable only until the APs are up (mm_seal_trampoline). */
    for (paddr_t pa = 0; pa < MiB(2); pa += PAGE_SIZE) {
        if (pa == 0)
            continue;   /* catch NULL dereferences */
        map_4k(pml4, pa, pa == TRAMPOLINE_ADDR ? _PAGE_RW : _PAGE_RW | _PAGE_NX);
    }
    /* The image's 2 MiB chunks, by section. */
    for (paddr_t pa = img_s; pa < img_e; pa += PAGE_SIZE) {
        uint64_t flags;
        if (pa >= __pa(__text_start) && pa < __pa(__text_end))
            flags = 0;                          /* RX */
        else if (pa >= __pa(__rodata_start) && pa < __pa(__rodata_end))
            flags = _PAGE_NX;                   /* R */
        else
            flags = _PAGE_RW | _PAGE_NX;
        map_4k(pml4, pa, flags);
    }
    hv_cr3 = __pa(pml4);
    write_cr3(hv_cr3);
}

static uint64_t *pte_4k(paddr_t pa)
{
    uint64_t *t = __va(hv_cr3);

    t = __va(t[(pa >> 39) & 511] & PTE_ADDR_MASK);
    t = __va(t[(pa >> 30) & 511] & PTE_ADDR_MASK);
    t = __va(t[(pa >> 21) & 511] & PTE_ADDR_MASK);
    return &t[(pa >> 12) & 511];
}

void mm_seal_trampoline(void)
{
    *pte_4k(TRAMPOLINE_ADDR) = 0;
    asm volatile("invlpg (%0)" : : "r"((uintptr_t)TRAMPOLINE_ADDR) : "memory");
}

/*
 * Multiboot1 and multiboot2 information parsing into struct boot_info.
 * Layouts from the Multiboot specifications (0.6.96 and 2.0).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <asm/bootinfo.h>
#include <asm/boot.h>
#include <asm/page.h>

struct boot_info boot_info;

struct mb1_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __packed;
_Static_assert(sizeof(struct mb1_info) == 52, "multiboot1 info prefix");

struct mb1_module {
    uint32_t mod_start, mod_end, string, reserved;
} __packed;
_Static_assert(sizeof(struct mb1_module) == 16, "multiboot1 module entry");

struct mb1_mmap {
    uint32_t size;          /* of the rest of the entry */
    uint64_t addr, len;
    uint32_t type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap) == 24, "multiboot1 memory-map entry");

struct mb2_tag {
    uint32_t type, size;
} __packed;
_Static_assert(sizeof(struct mb2_tag) == 8, "multiboot2 tag header");

#define MB2_TAG_END     0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE  3
#define MB2_TAG_MMAP    6
#define MB2_TAG_ACPI1   14
#define MB2_TAG_ACPI2   15

static void copy_str(char *dst, paddr_t src)
{
    if (src)
        strlcpy(dst, __va(src), BOOT_CMDLINE_MAX);
    else
        dst[0] = '\0';
}

static void add_region(uint64_t start, uint64_t len, uint32_t type)
{
    if (boot_info.nr_memmap < BOOT_MAX_MEMMAP && len)
        boot_info.memmap[boot_info.nr_memmap++] = (struct boot_mem_region){ start, len, type };
}

static void add_module(paddr_t start, paddr_t end, paddr_t str)
{
    if (boot_info.nr_modules >= BOOT_MAX_MODULES) {
        printk_lvl(LOG_WARN, "warning: more than %d boot modules; ignoring the rest\n",
                   BOOT_MAX_MODULES);
        return;
    }
    struct boot_module *m = &boot_info.modules[boot_info.nr_modules++];
    m->start = start;
    m->end = end;
    copy_str(m->cmdline, str);
}

static int parse_mb1(paddr_t info)
{
    const struct mb1_info *mbi = __va(info);

    boot_info.loader = "multiboot1";
    boot_info.info_start = info;
    boot_info.info_end = info + sizeof(*mbi);
    if (mbi->flags & (1 << 2))
        copy_str(boot_info.cmdline, mbi->cmdline);
    if (mbi->flags & (1 << 3)) {
        const struct mb1_module *mods = __va(mbi->mods_addr);
        for (uint32_t i = 0; i < mbi->mods_count; i++)
            add_module(mods[i].mod_start, mods[i].mod_end, mods[i].string);
    }
    if (mbi->flags & (1 << 6)) {
        paddr_t p = mbi->mmap_addr, end = p + mbi->mmap_length;
        while (p + sizeof(struct mb1_mmap) <= end) {
            const struct mb1_mmap *e = __va(p);
            add_region(e->addr, e->len, e->type);
            p += e->size + 4;
        }
    } else if (mbi->flags & (1 << 0)) {
        add_region(0, (uint64_t)mbi->mem_lower << 10, BOOT_MEM_RAM);
        add_region(MiB(1), (uint64_t)mbi->mem_upper << 10, BOOT_MEM_RAM);
    }
    return 0;
}

static int parse_mb2(paddr_t info)
{
    uint32_t total = *(const uint32_t *)__va(info);
    paddr_t p = info + 8, end = info + total;

    boot_info.loader = "multiboot2";
    boot_info.info_start = info;
    boot_info.info_end = end;
    while (p + sizeof(struct mb2_tag) <= end) {
        const struct mb2_tag *t = __va(p);
        if (t->type == MB2_TAG_END || t->size < 8)
            break;
        switch (t->type) {
        case MB2_TAG_CMDLINE:
            copy_str(boot_info.cmdline, p + 8);
            break;
        case MB2_TAG_MODULE: {
            const uint32_t *m = (const uint32_t *)(t + 1);
            add_module(m[0], m[1], p + 16);
            break;
        }
        case MB2_TAG_MMAP: {
            const uint32_t *h = (const uint32_t *)(t + 1);
            uint32_t esize = h[0];
            paddr_t e = p + 16;
            while (esize >= 24 && e + esize <= p + t->size) {
                const uint64_t *ent = __va(e);
                add_region(ent[0], ent[1], *(const uint32_t *)(ent + 2));
                e += esize;
            }
            break;
        }
        case MB2_TAG_ACPI1:
            if (!boot_info.rsdp)
                boot_info.rsdp = p + 8;
            break;
        case MB2_TAG_ACPI2:
            boot_info.rsdp = p + 8;
            break;
        default:
            break;  /* tags we do not use */
        }
        p += ALIGN_UP(t->size, 8);
    }
    return 0;
}

int multiboot_parse(uint32_t magic, paddr_t info)
{
    paddr_t bda = 0x40E;        /* EBDA segment word in the BIOS data area */

    asm("" : "+r"(bda));        /* a run-time address, not a constant one */
    boot_info.ebda = (paddr_t)(*(const uint16_t *)__va(bda)) << 4;
    if (magic == MULTIBOOT1_BOOT_MAGIC)
        return parse_mb1(info);
    if (magic == MULTIBOOT2_BOOT_MAGIC)
        return parse_mb2(info);
    return -EINVAL;
}

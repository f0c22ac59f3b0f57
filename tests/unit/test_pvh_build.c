/* Host tests of the PVH start-of-day builder, field by field. */
#include <elf.h>
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include "unit.h"
#include "elf_gen.h"
#include <oryx/pvh_build.h>

#define BUF_SIZE (32u << 20)    /* host backing for the low guest RAM tested */

static uint8_t *mem;
static int writes, fail_at;
static bool cb_bad;

static int cb_copy(void *o, uint64_t gpa, const void *src, uint64_t len)
{
    (void)o;
    if (++writes == fail_at)
        return -EIO;
    if (gpa > BUF_SIZE || len > BUF_SIZE - gpa) {
        cb_bad = true;
        return -EFAULT;
    }
    memcpy(mem + gpa, src, len);
    return 0;
}

static int cb_zero(void *o, uint64_t gpa, uint64_t len)
{
    (void)o;
    if (++writes == fail_at)
        return -EIO;
    if (gpa > BUF_SIZE || len > BUF_SIZE - gpa) {
        cb_bad = true;
        return -EFAULT;
    }
    memset(mem + gpa, 0, len);
    return 0;
}

static const struct elf_load_ops ops = { cb_copy, cb_zero, NULL };

static void reset(void)
{
    memset(mem, 0xAA, BUF_SIZE);
    writes = 0;
    fail_at = 0;
    cb_bad = false;
}

static struct elf_info image(uint64_t lo, uint64_t hi, uint64_t entry)
{
    return (struct elf_info){ .pvh_entry = entry, .has_pvh_entry = true, .lowest = lo,
                              .highest = hi, .is64 = true, .machine = EM_X86_64 };
}

static bool all_bytes(uint64_t gpa, uint64_t len, uint8_t v)
{
    for (uint64_t i = 0; i < len; i++)
        if (mem[gpa + i] != v)
            return false;
    return true;
}

static void check_entry(const struct hvm_memmap_table_entry *e, uint64_t addr, uint64_t size,
                        uint32_t type)
{
    CHECK_EQ(e->addr, addr);
    CHECK_EQ(e->size, size);
    CHECK_EQ(e->type, type);
    CHECK_EQ(e->reserved, 0);
}

static void t_full(void)
{
    static uint8_t initrd[5000];
    struct elf_info img = image(0x100000, 0x203000, 0x100040);
    struct pvh_mem_range extra[] = {
        { 0xFEFF8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED },
        { 0xFC000000, 0x10000, XEN_HVM_MEMMAP_TYPE_ACPI },
    };
    struct pvh_build_params p = {
        .mem_bytes = 64ULL << 20, .image = &img, .cmdline = "console=hvc0 quiet",
        .initrd = initrd, .initrd_len = sizeof(initrd), .rsdp_paddr = 0xFC000040,
        .flags = 0, .extra = extra, .nr_extra = 2,
    };
    struct pvh_boot_regs regs = { 0, 0 };
    struct pvh_layout lay;
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;
    struct hvm_memmap_table_entry map[8];
    const char *why = "x";

    for (size_t i = 0; i < sizeof(initrd); i++)
        initrd[i] = (uint8_t)(i * 7 + 1);
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), 0);
    CHECK(why == NULL);
    CHECK(!cb_bad);
    CHECK_EQ(regs.eip, 0x100040);
    CHECK_EQ(regs.ebx, 0x1000);

    memcpy(&si, mem + regs.ebx, sizeof(si));
    CHECK_EQ(si.magic, 0x336ec578);
    CHECK_EQ(si.version, 1);
    CHECK_EQ(si.flags, 0);
    CHECK_EQ(si.nr_modules, 1);
    CHECK_EQ(si.modlist_paddr, PVH_MODLIST_GPA);
    CHECK_EQ(si.cmdline_paddr, PVH_CMDLINE_GPA);
    CHECK_EQ(si.rsdp_paddr, 0xFC000040);
    CHECK_EQ(si.memmap_paddr, PVH_MEMMAP_GPA);
    CHECK_EQ(si.memmap_entries, 5);
    CHECK_EQ(si.reserved, 0);
    /* Raw bytes, as the guest reads them (little endian, fixed offsets). */
    CHECK_EQ(mem[0x1000], 0x78); CHECK_EQ(mem[0x1001], 0xc5);
    CHECK_EQ(mem[0x1002], 0x6e); CHECK_EQ(mem[0x1003], 0x33);
    CHECK_EQ(mem[0x1000 + 48], 5);

    memcpy(&mod, mem + si.modlist_paddr, sizeof(mod));
    CHECK_EQ(mod.paddr, 0x400000);          /* 0x203000 rounded up to 2 MiB */
    CHECK_EQ(mod.size, sizeof(initrd));
    CHECK_EQ(mod.cmdline_paddr, 0);
    CHECK_EQ(mod.reserved, 0);
    CHECK(memcmp(mem + mod.paddr, initrd, sizeof(initrd)) == 0);
    CHECK_EQ(mem[mod.paddr + sizeof(initrd)], 0xAA);
    CHECK_EQ(mem[mod.paddr - 1], 0xAA);

    memcpy(map, mem + si.memmap_paddr, 5 * sizeof(map[0]));
    check_entry(&map[0], 0, 0xA0000, XEN_HVM_MEMMAP_TYPE_RAM);
    check_entry(&map[1], 0xA0000, 0x60000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    check_entry(&map[2], 0x100000, (64ULL << 20) - 0x100000, XEN_HVM_MEMMAP_TYPE_RAM);
    check_entry(&map[3], 0xFC000000, 0x10000, XEN_HVM_MEMMAP_TYPE_ACPI);
    check_entry(&map[4], 0xFEFF8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED);

    CHECK(!strcmp((char *)mem + si.cmdline_paddr, "console=hvc0 quiet"));
    /* Page 0 and the gaps of the start-of-day area are zero, the rest untouched. */
    CHECK(all_bytes(0, 0x1000, 0));
    CHECK(all_bytes(0x1000 + sizeof(si), PVH_MODLIST_GPA - 0x1000 - sizeof(si), 0));
    CHECK(all_bytes(PVH_MEMMAP_GPA + 5 * 24, PVH_CMDLINE_GPA - PVH_MEMMAP_GPA - 5 * 24, 0));
    CHECK(all_bytes(PVH_CMDLINE_GPA + 19, PVH_INFO_END - PVH_CMDLINE_GPA - 19, 0));
    CHECK(all_bytes(PVH_INFO_END, 0x100000 - PVH_INFO_END, 0xAA));

    CHECK_EQ(lay.start_info, 0x1000);
    CHECK_EQ(lay.modlist, PVH_MODLIST_GPA);
    CHECK_EQ(lay.memmap, PVH_MEMMAP_GPA);
    CHECK_EQ(lay.cmdline, PVH_CMDLINE_GPA);
    CHECK_EQ(lay.memmap_entries, 5);
    CHECK_EQ(lay.initrd_gpa, 0x400000);
    CHECK_EQ(lay.initrd_len, sizeof(initrd));
    CHECK_EQ(lay.low_ram_end, 64ULL << 20);
    CHECK_EQ(lay.high_ram_size, 0);
    /* All the guest-visible addresses are below 1 GiB / 4 GiB as Linux needs. */
    CHECK(si.memmap_paddr < (1ULL << 30) && si.modlist_paddr < (1ULL << 30));
}

static void t_minimal(void)
{
    struct elf_info img = image(0x100000, 0x101000, 0x100000);
    struct pvh_build_params p = { .mem_bytes = 2ULL << 20, .image = &img };
    struct pvh_boot_regs regs;
    struct hvm_start_info si;
    const char *why;

    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), 0);
    memcpy(&si, mem + 0x1000, sizeof(si));
    CHECK_EQ(si.nr_modules, 0);
    CHECK_EQ(si.modlist_paddr, 0);
    CHECK_EQ(si.rsdp_paddr, 0);
    CHECK_EQ(si.memmap_entries, 3);
    CHECK_EQ(mem[PVH_CMDLINE_GPA], 0);     /* NULL cmdline is "" */
    CHECK(all_bytes(PVH_MODLIST_GPA, 32, 0));
    CHECK_EQ(regs.eip, 0x100000);
    CHECK_EQ(writes, 4);                    /* zero, start_info, memmap, cmdline */

    /* Privileged flags pass through. */
    p.flags = HVM_START_SIF_PRIVILEGED | HVM_START_SIF_INITDOMAIN;
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), 0);
    memcpy(&si, mem + 0x1000, sizeof(si));
    CHECK_EQ(si.flags, 3);
}

static void t_initrd_fit(void)
{
    static uint8_t big[4u << 20];
    struct elf_info img = image(0x100000, 0x203000, 0x100040);
    struct pvh_build_params p = { .mem_bytes = 8ULL << 20, .image = &img, .initrd = big,
                                  .initrd_len = sizeof(big) };
    struct pvh_boot_regs regs;
    struct pvh_layout lay;
    const char *why;

    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), 0);   /* 4M..8M exactly */
    CHECK_EQ(lay.initrd_gpa, 4ULL << 20);
    p.initrd_len = sizeof(big) + 1;
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), -ENOSPC);
    CHECK(why && !strcmp(why, "initrd too large for domain memory"));
    CHECK_EQ(writes, 0);
    /* The image ends past the last 2 MiB boundary: no room at all. */
    img = image(0x100000, 0x600001, 0x100040);
    p.initrd_len = 1;
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), -ENOSPC);
    CHECK(why && !strcmp(why, "initrd too large for domain memory"));
    p.initrd_len = UINT64_MAX;
    img = image(0x100000, 0x203000, 0x100040);
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), -ENOSPC);
    /* An empty initrd is still module 0 (size 0). */
    p.initrd_len = 0;
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), 0);
    CHECK_EQ(lay.initrd_len, 0);
    CHECK_EQ(((struct hvm_start_info *)(mem + 0x1000))->nr_modules, 1);
}

static void t_high_memory(void)
{
    struct hvm_memmap_table_entry map[8];
    struct pvh_mem_range extra[] = {
        { 0xFEFF8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED },
        { 0xFC000000, 0x10000, XEN_HVM_MEMMAP_TYPE_NVS },
    };
    const char *why;
    uint64_t mem6g = 6ULL << 30;
    int n;

    CHECK_EQ(pvh_low_ram_end(mem6g), 0xF0000000);
    CHECK_EQ(pvh_high_ram_size(mem6g), mem6g - 0xF0000000);
    CHECK_EQ(pvh_low_ram_end(64ULL << 20), 64ULL << 20);
    CHECK_EQ(pvh_high_ram_size(0xF0000000), 0);
    n = pvh_memmap(mem6g, extra, 2, map, 8, &why);
    CHECK_EQ(n, 6);
    check_entry(&map[0], 0, 0xA0000, XEN_HVM_MEMMAP_TYPE_RAM);
    check_entry(&map[1], 0xA0000, 0x60000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    check_entry(&map[2], 0x100000, 0xF0000000 - 0x100000, XEN_HVM_MEMMAP_TYPE_RAM);
    check_entry(&map[3], 0xFC000000, 0x10000, XEN_HVM_MEMMAP_TYPE_NVS);
    check_entry(&map[4], 0xFEFF8000, 0x8000, XEN_HVM_MEMMAP_TYPE_RESERVED);
    check_entry(&map[5], 1ULL << 32, mem6g - 0xF0000000, XEN_HVM_MEMMAP_TYPE_RAM);
    /* Total RAM listed equals the domain's memory (the hole is reserved RAM). */
    uint64_t total = 0;
    for (int i = 0; i < n; i++)
        if (map[i].type == XEN_HVM_MEMMAP_TYPE_RAM || map[i].addr == 0xA0000)
            total += map[i].size;
    CHECK_EQ(total, mem6g);
    /* Exactly 1 MiB: no RAM entry above the legacy hole. */
    CHECK_EQ(pvh_memmap(1ULL << 20, NULL, 0, map, 8, &why), 2);

    /* pvh_build with a 6 GiB domain: all writes stay low. */
    struct elf_info img = image(0x1000000, 0x1100000, 0x1000850);
    static uint8_t rd[100];
    struct pvh_build_params p = { .mem_bytes = mem6g, .image = &img, .initrd = rd,
                                  .initrd_len = sizeof(rd), .extra = extra, .nr_extra = 2 };
    struct pvh_boot_regs regs;
    struct pvh_layout lay;
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), 0);
    CHECK(!cb_bad);
    CHECK_EQ(lay.initrd_gpa, 0x1200000);
    CHECK_EQ(lay.memmap_entries, 6);
    CHECK_EQ(regs.eip, 0x1000850);
}

static void t_bad_extra(void)
{
    struct hvm_memmap_table_entry map[8];
    const char *why;
    struct pvh_mem_range r;

    r = (struct pvh_mem_range){ 0x3ff0000, 0x20000, XEN_HVM_MEMMAP_TYPE_ACPI };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "overlaps RAM"));
    r = (struct pvh_mem_range){ 0xE0000, 0x1000, XEN_HVM_MEMMAP_TYPE_ACPI };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    r = (struct pvh_mem_range){ 0xFC000000, 0, XEN_HVM_MEMMAP_TYPE_ACPI };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "empty or wraps"));
    r = (struct pvh_mem_range){ UINT64_MAX - 10, 0x1000, XEN_HVM_MEMMAP_TYPE_ACPI };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    r = (struct pvh_mem_range){ 0xFC000000, 0x1000, XEN_HVM_MEMMAP_TYPE_RAM };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "type"));
    r = (struct pvh_mem_range){ 0xFC000000, 0x1000, 8 };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), -EINVAL);
    /* In the hole of a small domain but overlapping high RAM of a big one. */
    r = (struct pvh_mem_range){ 0x100000000ULL, 0x1000, XEN_HVM_MEMMAP_TYPE_RESERVED };
    CHECK_EQ(pvh_memmap(64ULL << 20, &r, 1, map, 8, &why), 4);
    CHECK_EQ(pvh_memmap(5ULL << 30, &r, 1, map, 8, &why), -EINVAL);
    /* Two extras overlapping each other. */
    struct pvh_mem_range two[] = {
        { 0xFC000000, 0x2000, XEN_HVM_MEMMAP_TYPE_ACPI },
        { 0xFC001000, 0x2000, XEN_HVM_MEMMAP_TYPE_NVS },
    };
    CHECK_EQ(pvh_memmap(64ULL << 20, two, 2, map, 8, &why), -EINVAL);
    CHECK(why && strstr(why, "another range"));
    /* Too many for the table. */
    struct pvh_mem_range many[10];
    for (int i = 0; i < 10; i++)
        many[i] = (struct pvh_mem_range){ 0xFC000000 + (uint64_t)i * 0x1000, 0x1000,
                                          XEN_HVM_MEMMAP_TYPE_RESERVED };
    CHECK_EQ(pvh_memmap(64ULL << 20, many, 10, map, 8, &why), -ENOSPC);
    CHECK(why && strstr(why, "too many"));
    /* pvh_build refuses before writing anything. */
    struct elf_info img = image(0x100000, 0x101000, 0x100000);
    struct pvh_build_params p = { .mem_bytes = 64ULL << 20, .image = &img, .extra = two,
                                  .nr_extra = 2 };
    struct pvh_boot_regs regs;
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    CHECK_EQ(writes, 0);
}

static void t_bad_params(void)
{
    static char longcmd[PVH_CMDLINE_MAX + 1];
    struct elf_info img = image(0x100000, 0x101000, 0x100000);
    struct pvh_build_params p = { .mem_bytes = 16ULL << 20, .image = &img };
    struct pvh_boot_regs regs;
    const char *why;

    reset();
    p.mem_bytes = 0x80000;
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    CHECK(why && strstr(why, "smaller than 1 MiB"));
    p.mem_bytes = (16ULL << 20) + 1;
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    CHECK(why && strstr(why, "multiple of 4 KiB"));
    p.mem_bytes = 16ULL << 20;
    p.image = NULL;
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    CHECK(why && strstr(why, "PVH entry"));
    img.has_pvh_entry = false;
    p.image = &img;
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    img = image(0x100000, 0x101000, 0x100000000ULL);
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    img = image(0x100000, (16ULL << 20) + 0x1000, 0x100000);
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    CHECK(why && strstr(why, "low RAM"));
    img = image(0x2000, 0x101000, 0x100000);
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EINVAL);
    img = image(0x100000, 0x101000, 0x100000);
    memset(longcmd, 'x', PVH_CMDLINE_MAX);
    p.cmdline = longcmd;
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -E2BIG);
    CHECK(why && strstr(why, "cmdline too long"));
    CHECK_EQ(writes, 0);
    longcmd[PVH_CMDLINE_MAX - 1] = '\0';
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), 0);
    CHECK_EQ(strlen((char *)mem + PVH_CMDLINE_GPA), PVH_CMDLINE_MAX - 1);
    CHECK(all_bytes(PVH_CMDLINE_GPA + PVH_CMDLINE_MAX, PVH_INFO_END - PVH_CMDLINE_GPA - PVH_CMDLINE_MAX, 0));
}

static void t_callback_errors(void)
{
    static uint8_t rd[64];
    struct elf_info img = image(0x100000, 0x101000, 0x100000);
    struct pvh_build_params p = { .mem_bytes = 16ULL << 20, .image = &img, .initrd = rd,
                                  .initrd_len = sizeof(rd) };
    struct pvh_boot_regs regs;
    const char *why;

    for (int k = 1; k <= 6; k++) {
        reset();
        fail_at = k;
        CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), -EIO);
        CHECK(why && (strstr(why, k == 6 ? "initrd" : "start-of-day")));
    }
    reset();
    CHECK_EQ(pvh_build(&p, &ops, &regs, NULL, &why), 0);
    CHECK_EQ(writes, 6);
}

/* elf_load then pvh_build, as the boot path does. */
static void t_with_elf(void)
{
    static uint8_t img[64 << 10];
    struct gen g;
    struct elf_info info;
    struct pvh_build_params p;
    struct pvh_boot_regs regs;
    struct pvh_layout lay;
    const char *why;
    size_t n;

    gen_default(&g, ELFCLASS32, EM_386);
    n = gen_build(&g, img, sizeof(img), NULL);
    reset();
    CHECK_EQ(elf_load(img, n, pvh_low_ram_end(32ULL << 20), &ops, &info, &why), 0);
    p = (struct pvh_build_params){ .mem_bytes = 32ULL << 20, .image = &info,
                                   .cmdline = "console=hvc0", .initrd = img, .initrd_len = n };
    CHECK_EQ(pvh_build(&p, &ops, &regs, &lay, &why), 0);
    CHECK_EQ(regs.eip, 0x100040);
    CHECK_EQ(mem[0x100000], 0x10);          /* first text byte survived */
    CHECK_EQ(lay.initrd_gpa, 0x400000);
    CHECK(memcmp(mem + 0x400000, img, n) == 0);
}

UNIT_MAIN("pvh_build")
{
    mem = malloc(BUF_SIZE);
    TEST_RUN(t_full);
    TEST_RUN(t_minimal);
    TEST_RUN(t_initrd_fit);
    TEST_RUN(t_high_memory);
    TEST_RUN(t_bad_extra);
    TEST_RUN(t_bad_params);
    TEST_RUN(t_callback_errors);
    TEST_RUN(t_with_elf);
    free(mem);
}

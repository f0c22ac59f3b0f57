/*
 * PVH start-of-day builder (oryx/pvh_build.h). Facts from the PVH boot ABI
 * (research note pvh-linux-abi.md §1): Linux copies hvm_start_info at once,
 * reads the memmap and module list through its first-1-GiB identity map,
 * keeps cmdline and initrd addresses in 32-bit fields, and needs RAM below
 * 1 MiB for its AP trampoline.
 */
#include <oryx/pvh_build.h>
#include <oryx/errno.h>
#include <oryx/lib.h>

/* The start-of-day area must fit below the first page the loader allows,
 * and each piece inside its slot. */
_Static_assert(PVH_INFO_END <= ELF_LOAD_LOW_RESERVED, "start-of-day area below kernels");
_Static_assert(PVH_START_INFO_GPA + sizeof(struct hvm_start_info) <= PVH_MODLIST_GPA,
               "start_info slot");
_Static_assert(PVH_MODLIST_GPA + sizeof(struct hvm_modlist_entry) <= PVH_MEMMAP_GPA,
               "modlist slot");
_Static_assert(PVH_MEMMAP_GPA + PVH_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
               PVH_CMDLINE_GPA, "memmap slot");
_Static_assert(PVH_CMDLINE_GPA + PVH_CMDLINE_MAX <= PVH_INFO_END, "cmdline slot");
_Static_assert(PVH_INFO_END <= PVH_LEGACY_HOLE, "start-of-day area in low RAM");

uint64_t pvh_low_ram_end(uint64_t mem_bytes)
{
    return MIN(mem_bytes, PVH_LOW_RAM_LIMIT);
}

uint64_t pvh_high_ram_size(uint64_t mem_bytes)
{
    return mem_bytes > PVH_LOW_RAM_LIMIT ? mem_bytes - PVH_LOW_RAM_LIMIT : 0;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int add_entry(struct hvm_memmap_table_entry *out, size_t max, size_t *n,
                     uint64_t addr, uint64_t size, uint32_t type, const char **why)
{
    size_t i;

    if (*n == max) {
        *why = "too many memory map entries";
        return -ENOSPC;
    }
    /* Insertion sort by address: the lists are tiny. */
    for (i = *n; i > 0 && out[i - 1].addr > addr; i--)
        out[i] = out[i - 1];
    out[i] = (struct hvm_memmap_table_entry){ .addr = addr, .size = size, .type = type };
    (*n)++;
    return 0;
}

int pvh_memmap(uint64_t mem_bytes, const struct pvh_mem_range *extra, size_t nr_extra,
               struct hvm_memmap_table_entry *out, size_t max, const char **why)
{
    uint64_t low_end = pvh_low_ram_end(mem_bytes), high = pvh_high_ram_size(mem_bytes);
    size_t n = 0, i, j;
    int rc;

    *why = NULL;
    if (mem_bytes < PVH_LEGACY_HOLE_END) {
        *why = "domain memory smaller than 1 MiB";
        return -EINVAL;
    }
    rc = add_entry(out, max, &n, 0, PVH_LEGACY_HOLE, XEN_HVM_MEMMAP_TYPE_RAM, why);
    if (!rc)
        rc = add_entry(out, max, &n, PVH_LEGACY_HOLE, PVH_LEGACY_HOLE_END - PVH_LEGACY_HOLE,
                       XEN_HVM_MEMMAP_TYPE_RESERVED, why);
    if (!rc && low_end > PVH_LEGACY_HOLE_END)
        rc = add_entry(out, max, &n, PVH_LEGACY_HOLE_END, low_end - PVH_LEGACY_HOLE_END,
                       XEN_HVM_MEMMAP_TYPE_RAM, why);
    if (!rc && high)
        rc = add_entry(out, max, &n, PVH_HIGH_RAM_BASE, high, XEN_HVM_MEMMAP_TYPE_RAM, why);
    if (rc)
        return rc;

    for (i = 0; i < nr_extra; i++) {
        const struct pvh_mem_range *r = &extra[i];

        if (r->size == 0 || r->size > UINT64_MAX - r->addr) {
            *why = "bad extra memory range (empty or wraps)";
            return -EINVAL;
        }
        if (r->type == XEN_HVM_MEMMAP_TYPE_RAM || r->type < XEN_HVM_MEMMAP_TYPE_RAM ||
            r->type > XEN_HVM_MEMMAP_TYPE_PMEM) {
            *why = "bad extra memory range type";
            return -EINVAL;
        }
        /* Against everything listed so far: RAM, the hole, earlier extras. */
        for (j = 0; j < n; j++) {
            if (ranges_overlap(r->addr, r->size, out[j].addr, out[j].size)) {
                *why = "extra memory range overlaps RAM or another range";
                return -EINVAL;
            }
        }
        rc = add_entry(out, max, &n, r->addr, r->size, r->type, why);
        if (rc)
            return rc;
    }
    return (int)n;
}

int pvh_build(const struct pvh_build_params *p, const struct elf_load_ops *ops,
              struct pvh_boot_regs *regs, struct pvh_layout *layout, const char **why)
{
    struct hvm_memmap_table_entry map[PVH_MEMMAP_MAX];
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;
    const char *cmdline = p->cmdline ? p->cmdline : "";
    uint64_t low_end = pvh_low_ram_end(p->mem_bytes);
    uint64_t initrd_gpa = 0, cmdline_len;
    int nmap, rc;

    *why = NULL;
    if (!IS_ALIGNED(p->mem_bytes, PAGE_SIZE)) {
        *why = "domain memory size is not a multiple of 4 KiB";
        return -EINVAL;
    }
    nmap = pvh_memmap(p->mem_bytes, p->extra, p->nr_extra, map, ARRAY_SIZE(map), why);
    if (nmap < 0)
        return nmap;
    if (!p->image || !p->image->has_pvh_entry || p->image->pvh_entry >= GiB(4)) {
        *why = "image has no usable PVH entry point";
        return -EINVAL;
    }
    if (p->image->lowest < ELF_LOAD_LOW_RESERVED || p->image->highest > low_end ||
        p->image->lowest >= p->image->highest) {
        *why = "image does not lie in the domain's low RAM";
        return -EINVAL;
    }
    cmdline_len = strnlen(cmdline, PVH_CMDLINE_MAX);
    if (cmdline_len >= PVH_CMDLINE_MAX) {
        *why = "cmdline too long for the PVH start-of-day area";
        return -E2BIG;
    }
    if (p->initrd) {
        /* Below low_end, hence below 4 GiB as Linux's u32 fields need. */
        initrd_gpa = ALIGN_UP(p->image->highest, PVH_INITRD_ALIGN);
        if (initrd_gpa > low_end || p->initrd_len > low_end - initrd_gpa) {
            *why = "initrd too large for domain memory";
            return -ENOSPC;
        }
    }

    memset(&si, 0, sizeof(si));
    si.magic = XEN_HVM_START_MAGIC_VALUE;
    si.version = 1;
    si.flags = p->flags;
    si.nr_modules = p->initrd ? 1 : 0;
    si.modlist_paddr = p->initrd ? PVH_MODLIST_GPA : 0;
    si.cmdline_paddr = PVH_CMDLINE_GPA;
    si.rsdp_paddr = p->rsdp_paddr;
    si.memmap_paddr = PVH_MEMMAP_GPA;
    si.memmap_entries = (uint32_t)nmap;

    memset(&mod, 0, sizeof(mod));
    mod.paddr = initrd_gpa;
    mod.size = p->initrd ? p->initrd_len : 0;

    /* Page 0 (BDA) and the start-of-day area start out zero. */
    rc = ops->zero(ops->opaque, 0, PVH_INFO_END);
    if (!rc)
        rc = ops->copy(ops->opaque, PVH_START_INFO_GPA, &si, sizeof(si));
    if (!rc && p->initrd)
        rc = ops->copy(ops->opaque, PVH_MODLIST_GPA, &mod, sizeof(mod));
    if (!rc)
        rc = ops->copy(ops->opaque, PVH_MEMMAP_GPA, map, (uint64_t)nmap * sizeof(map[0]));
    if (!rc)
        rc = ops->copy(ops->opaque, PVH_CMDLINE_GPA, cmdline, cmdline_len + 1);
    if (rc) {
        *why = "writing the PVH start-of-day data failed";
        return rc;
    }
    if (p->initrd && p->initrd_len) {
        rc = ops->copy(ops->opaque, initrd_gpa, p->initrd, p->initrd_len);
        if (rc) {
            *why = "copying the initrd into guest memory failed";
            return rc;
        }
    }

    regs->eip = (uint32_t)p->image->pvh_entry;
    regs->ebx = (uint32_t)PVH_START_INFO_GPA;
    if (layout) {
        layout->start_info = PVH_START_INFO_GPA;
        layout->modlist = si.modlist_paddr;
        layout->memmap = PVH_MEMMAP_GPA;
        layout->cmdline = PVH_CMDLINE_GPA;
        layout->memmap_entries = (uint32_t)nmap;
        layout->initrd_gpa = initrd_gpa;
        layout->initrd_len = mod.size;
        layout->low_ram_end = low_end;
        layout->high_ram_size = pvh_high_ram_size(p->mem_bytes);
    }
    return 0;
}

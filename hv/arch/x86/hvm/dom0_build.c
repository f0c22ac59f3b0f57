/*
 * Building the control domain (asm/dom0.h, docs/dom0.md).
 *
 * Boot modules follow Xen's convention: the first module whose line does
 * not start with a keyword ("domain", "initrd") is dom0's kernel, its line
 * after the file name is dom0's command line; the next such module is its
 * initrd. Dom0's RAM is identity-mapped, so Linux's fixed load address
 * (16 MiB for Debian's kernel) must be host RAM that dom0 owns: that range
 * is kept from the allocator at boot, modules in its way are moved. Dom0
 * gets, 1:1: the host's RAM below 1 MiB (the BIOS data it may read), the
 * kernel's range, its initrd where the loader put it (no copy), and more
 * RAM from the allocator up to dom0_mem=. Its memory map is the host's
 * with all other RAM unusable; its ACPI tables are the host's behind a
 * rebuilt RSDP/XSDT/MADT (oryx/dom0_layout.h).
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/bzimage.h>
#include <oryx/cmdline.h>
#include <oryx/domain.h>
#include <oryx/domspec.h>
#include <oryx/dom0_layout.h>
#include <oryx/elf_load.h>
#include <oryx/kernel_image.h>
#include <oryx/parse.h>
#include <oryx/page_alloc.h>
#include <oryx/pvh_build.h>
#include <oryx/vconsole.h>
#include <oryx/xmalloc.h>
#include <asm/acpi.h>
#include <asm/bootinfo.h>
#include <asm/dom0.h>
#include <asm/guest_access.h>
#include <asm/hvm.h>
#include <asm/mm.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/uart.h>
#include <asm/vioapic.h>
#include <asm/vpci.h>
#include <asm/traps.h>
#include <asm/time.h>
#include <oryx/timer.h>
#include <public/xen.h>
#include <public/arch-x86/hvm/start_info.h>

#define DOM0_NAME           "Domain-0"
#define DOM0_ACPI_GPA       PVH_INFO_END        /* one page after the start-of-day area */
#define DOM0_MEMMAP_MAX     128u                /* fits the start-of-day slot */
#define DOM0_LOW_END        MiB(1)

_Static_assert(PVH_MEMMAP_GPA + DOM0_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
               PVH_CMDLINE_GPA, "dom0 memory map slot");

static int kmod = -1, imod = -1;
static struct dom0_mem_opt mem_opt;
static unsigned int vcpus_min = 1, vcpus_max = DOM0_VCPUS_UNLIMITED;
static bool vcpus_pin;
static bool noreboot;
static struct timer reset_timer;

CMDLINE_OPT_BOOL("noreboot", &noreboot,
                 "after dom0 crashes, leave the machine halted instead of resetting it");

static void reset_fired(void *data)
{
    (void)data;
    machine_restart();
}

static int opt_dom0_mem(const char *v)
{
    return v ? dom0_mem_parse(v, &mem_opt) : -EINVAL;
}
CMDLINE_OPT_CUSTOM("dom0_mem", opt_dom0_mem,
                   "dom0's memory: [min:|max:]size[,...] (Xen's syntax, e.g. 1G,max:2G)");

static int opt_dom0_vcpus(const char *v)
{
    return v ? dom0_vcpus_parse(v, &vcpus_min, &vcpus_max) : -EINVAL;
}
CMDLINE_OPT_CUSTOM("dom0_max_vcpus", opt_dom0_vcpus, "dom0's vCPUs: N or N-M");

static int opt_dom0(const char *v)
{
    char word[16];
    const char *p = v;

    while (p && *p) {
        size_t n = 0;
        while (p[n] && p[n] != ',')
            n++;
        strlcpy(word, p, MIN(n + 1, sizeof(word)));
        if (strcmp(word, "pvh") != 0 && strcmp(word, "verbose") != 0)
            return -EINVAL;     /* PVH is the only dom0 mode */
        p += n + (p[n] == ',');
    }
    return v ? 0 : -EINVAL;
}
CMDLINE_OPT_CUSTOM("dom0", opt_dom0, "dom0 mode: pvh (the only one)");
CMDLINE_OPT_BOOL("dom0_vcpus_pin", &vcpus_pin,
                 "pin dom0's vCPUs to CPUs (always the case: vCPU i runs on CPU i)");

/*
 * Dom0 is 1:1 and Oryx programs no IOMMU, so a device's DMA address is
 * dom0's guest-physical address, which is right for dom0's own RAM but
 * not for a guest's page that blkback or netback grant-mapped into a
 * ballooned-out slot: the device would reach the slot's old frame. Linux
 * (a PVH dom0 expects an IOMMU) then needs swiotlb=force: every DMA
 * bounces through its own buffer, and the CPU copies reach the guest's
 * page through the p2m. A swiotlb= of the user's own is kept.
 */
static void dom0_cmdline_dma(char *cmdline, size_t size)
{
    const char *p = cmdline;
    static const char add[] = " swiotlb=force";

    while (*p) {
        while (*p == ' ')
            p++;
        if (strncmp(p, "swiotlb=", 8) == 0)
            return;
        while (*p && *p != ' ')
            p++;
    }
    if (strlen(cmdline) + sizeof(add) > size) {
        printk_lvl(LOG_WARN, "dom0: command line full: no swiotlb=force added; a guest's "
                   "disks on dom0's devices will not work\n");
        return;
    }
    strlcpy(cmdline + strlen(cmdline), *cmdline ? add : add + 1, size - strlen(cmdline));
    printk("dom0: no IOMMU: swiotlb=force added to its command line (DMA into guests' "
           "grant-mapped pages bounces through dom0's own memory)\n");
}

/* ---- before the allocator ------------------------------------------ */

static bool overlaps(paddr_t a, paddr_t b, paddr_t c, paddr_t d)
{
    return a < d && c < b;
}

/* The first thing [s, e) collides with, or 0 when it is free to use. */
static paddr_t collision(paddr_t s, paddr_t e, int self)
{
    if (s < DOM0_LOW_END)
        return DOM0_LOW_END;
    if (overlaps(s, e, __pa(__load_start), __pa(__image_end)))
        return __pa(__load_start);
    if (overlaps(s, e, ALIGN_DOWN(boot_info.info_start, PAGE_SIZE),
                 ALIGN_UP(boot_info.info_end, PAGE_SIZE)))
        return ALIGN_DOWN(boot_info.info_start, PAGE_SIZE);
    if (overlaps(s, e, boot_info.hold_start, boot_info.hold_end))
        return boot_info.hold_start;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        const struct boot_module *m = &boot_info.modules[i];
        if ((int)i != self && overlaps(s, e, ALIGN_DOWN(m->start, PAGE_SIZE),
                                       ALIGN_UP(m->end, PAGE_SIZE)))
            return ALIGN_DOWN(m->start, PAGE_SIZE);
    }
    return 0;
}

/* Highest free place below 4 GiB (the boot page tables' reach) for size. */
static paddr_t find_space(uint64_t size, int self)
{
    paddr_t best = 0;

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        paddr_t lo = ALIGN_UP(r->start, PAGE_SIZE), hi = MIN(r->start + r->len, GiB(4));
        paddr_t c, at;

        if (r->type != BOOT_MEM_RAM)
            continue;
        hi = ALIGN_DOWN(hi, PAGE_SIZE);
        while (hi > lo && hi - lo >= size) {
            at = hi - size;
            c = collision(at, hi, self);
            if (!c) {
                best = MAX(best, at);
                break;
            }
            hi = MIN(c, at);    /* below what is in the way */
            hi = ALIGN_DOWN(hi, PAGE_SIZE);
        }
    }
    return best;
}

static bool host_ram_covers(paddr_t s, paddr_t e)
{
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        if (r->type == BOOT_MEM_RAM && r->start <= s && e <= r->start + r->len)
            return true;
    }
    return false;
}

/* Where the kernel will be loaded: [*s, *e). 0 or -errno with *why. */
static int kernel_range(const struct boot_module *m, paddr_t *s, paddr_t *e, const char **why)
{
    const void *img = __va(m->start);
    size_t len = m->end - m->start;
    struct bzimage_info bi;
    struct elf_info ei;
    int rc = bzimage_probe(img, len, &bi, why);

    if (rc)
        return rc;
    if (bi.format == BZIMAGE_FMT_ELF) {
        rc = elf_probe(img, len, &ei, why);
        if (rc)
            return rc;
        *s = ei.lowest;
        *e = ei.highest;
    } else {
        /* The unpacked kernel, its bss and its early page tables. */
        *s = bi.pref_address;
        *e = bi.pref_address + bi.init_size;
    }
    *s = ALIGN_DOWN(*s, PAGE_SIZE);
    *e = ALIGN_UP(*e, PAGE_SIZE);
    if (*s < DOM0_LOW_END || *e <= *s || *e > GiB(4)) {
        *why = "its load address is not between 1 MiB and 4 GiB";
        return -ERANGE;
    }
    if (!host_ram_covers(*s, *e)) {
        *why = "its load address is not RAM on this machine";
        return -ERANGE;
    }
    if (overlaps(*s, *e, __pa(__load_start), __pa(__image_end))) {
        *why = "it would be loaded over the hypervisor";
        return -ERANGE;
    }
    return 0;
}

void dom0_boot_prepare(void)
{
    const char *why = NULL;
    paddr_t s, e;

    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        if (domspec_classify(boot_info.modules[i].cmdline) != DOMSPEC_MOD_OTHER)
            continue;
        if (kmod < 0)
            kmod = (int)i;
        else if (imod < 0)
            imod = (int)i;
        else
            printk_lvl(LOG_WARN, "warning: module %u: not a domain's and dom0 has its kernel "
                       "and initrd already; ignored\n", i);
    }
    if (kmod < 0)
        return;
    if (kernel_range(&boot_info.modules[kmod], &s, &e, &why)) {
        printk_lvl(LOG_ERR, "dom0 kernel (module %d): unusable: %s; no dom0\n", kmod, why);
        kmod = imod = -1;
        return;
    }
    boot_info.hold_start = s;
    boot_info.hold_end = e;
    for (unsigned int i = 0; i < boot_info.nr_modules; i++) {
        struct boot_module *m = &boot_info.modules[i];
        uint64_t len = m->end - m->start, off = m->start & (PAGE_SIZE - 1);
        paddr_t to;

        if (!overlaps(ALIGN_DOWN(m->start, PAGE_SIZE), ALIGN_UP(m->end, PAGE_SIZE), s, e))
            continue;
        to = find_space(ALIGN_UP(len + off, PAGE_SIZE), (int)i);
        if (!to) {
            printk_lvl(LOG_ERR, "module %u lies where dom0's kernel goes and there is no room "
                       "to move it; no dom0\n", i);
            boot_info.hold_start = boot_info.hold_end = 0;
            kmod = imod = -1;
            return;
        }
        memmove(__va(to + off), __va(m->start), len);
        printk("Module %u moved from %#lx to %#lx (dom0's kernel goes at %#lx-%#lx)\n", i,
               (unsigned long)m->start, (unsigned long)(to + off), (unsigned long)s,
               (unsigned long)e);
        m->start = to + off;
        m->end = m->start + len;
    }
}

/* ---- the domain ----------------------------------------------------- */

struct dom0_ram {
    struct dom0_range r[BOOT_MAX_MEMMAP + 8];
    unsigned int n;
};

static int load_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    return copy_to_gpa(opaque, gpa, src, len);
}

static int load_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    return zero_gpa(opaque, gpa, len);
}

static int add_extent(struct domain *d, unsigned int max, paddr_t pa, unsigned int order,
                      bool held)
{
    if (d->nr_extents >= max)
        return -ENOSPC;
    d->extents[d->nr_extents++] = (struct mem_extent){ .hpa = pa, .gpa = pa, .order = order, .held = held };
    return p2m_map(&d->p2m, pa, pa, PAGE_SIZE << order, P2M_R | P2M_W | P2M_X);
}

/* Hand [s, e) (not the allocator's) to d, 1:1, in aligned blocks. */
static int give_held(struct domain *d, unsigned int max, struct dom0_ram *ram, paddr_t s,
                     paddr_t e)
{
    if (s >= e)
        return 0;
    ram->r[ram->n++] = (struct dom0_range){ s, e };
    d->held_pages += (e - s) >> PAGE_SHIFT;
    d->acct.pages += (e - s) >> PAGE_SHIFT;
    while (s < e) {
        unsigned int order = 0;
        while (order < PAGE_ORDER_MAX && IS_ALIGNED(s, PAGE_SIZE << (order + 1)) &&
               s + (PAGE_SIZE << (order + 1)) <= e)
            order++;
        int rc = add_extent(d, max, s, order, true);
        if (rc)
            return rc;
        s += PAGE_SIZE << order;
    }
    return 0;
}

/* dom0's RAM: what it is handed, then the allocator's blocks. */
static int dom0_memory(struct domain *d, struct dom0_ram *ram, const char **why)
{
    const struct boot_module *im = imod >= 0 ? &boot_info.modules[imod] : NULL;
    uint64_t held = 0, total, left;
    unsigned int max;
    const char *warn = NULL;
    int rc;

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        if (r->type == BOOT_MEM_RAM && r->start < DOM0_LOW_END)
            held += ALIGN_DOWN(MIN(r->start + r->len, DOM0_LOW_END), PAGE_SIZE) -
                    MIN(ALIGN_UP(r->start, PAGE_SIZE), DOM0_LOW_END);
    }
    held += boot_info.hold_end - boot_info.hold_start;
    if (im)
        held += ALIGN_UP(im->end, PAGE_SIZE) - im->start;
    total = dom0_mem_compute(&mem_opt, page_alloc_free_pages() * PAGE_SIZE + held, &warn);
    if (warn)
        printk_lvl(LOG_WARN, "warning: dom0_mem: %s\n", warn);
    if (total < held) {
        printk_lvl(LOG_WARN, "warning: dom0_mem: its kernel, initrd and low memory take "
                   "%lu MiB, more than the %lu MiB asked for\n", (unsigned long)(held >> 20),
                   (unsigned long)(total >> 20));
        total = held;
    }
    left = total - held;
    max = (unsigned int)(left >> 21) + 1024;
    d->extents = xzalloc(sizeof(*d->extents) * max);
    if (!d->extents) {
        *why = "no memory for its extent list";
        return -ENOMEM;
    }

    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        if (r->type != BOOT_MEM_RAM || r->start >= DOM0_LOW_END)
            continue;
        rc = give_held(d, max, ram, ALIGN_UP(r->start, PAGE_SIZE),
                       ALIGN_DOWN(MIN(r->start + r->len, DOM0_LOW_END), PAGE_SIZE));
        if (rc)
            goto fail;
    }
    rc = give_held(d, max, ram, boot_info.hold_start, boot_info.hold_end);
    if (!rc && im)
        rc = give_held(d, max, ram, im->start, ALIGN_UP(im->end, PAGE_SIZE));
    if (rc)
        goto fail;

    for (int order = PAGE_ORDER_MAX; order >= 0 && left; order--) {
        uint64_t size = PAGE_SIZE << order;
        while (left >= size) {
            paddr_t pa = page_alloc((unsigned int)order, &d->acct);
            if (!pa)
                break;
            rc = add_extent(d, max, pa, (unsigned int)order, false);
            if (rc) {
                if (d->extents[d->nr_extents - 1].hpa != pa)
                    page_free(pa, (unsigned int)order, &d->acct);
                goto fail;
            }
            if (ram->n < ARRAY_SIZE(ram->r) && ram->n &&
                ram->r[ram->n - 1].end == pa && ram->r[ram->n - 1].start >= DOM0_LOW_END) {
                ram->r[ram->n - 1].end += size;         /* grew the last range */
            } else if (ram->n < ARRAY_SIZE(ram->r)) {
                ram->r[ram->n++] = (struct dom0_range){ pa, pa + size };
            } else {
                rc = -ENOSPC;
                goto fail;
            }
            /* Not scrubbed: dom0 sees RAM as it would on bare metal, and
             * with its devices' DMA it could read any of it anyway. */
            left -= size;
        }
    }
    if (left) {
        *why = "not enough free memory for dom0_mem";
        return -ENOMEM;
    }
    d->mem_bytes = total;
    return 0;
fail:
    *why = rc == -ENOSPC ? "its memory is in too many pieces" : "cannot map its memory";
    return rc;
}

static const void *acpi_map(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    return pa < GiB(4) && len <= GiB(4) - pa ? __va(pa) : NULL;
}

static bool acpi_table_ok(void *opaque, uint64_t pa, size_t len)
{
    (void)opaque;
    for (unsigned int i = 0; i < boot_info.nr_memmap; i++) {
        const struct boot_mem_region *r = &boot_info.memmap[i];
        if ((r->type == BOOT_MEM_RESERVED || r->type == BOOT_MEM_ACPI ||
             r->type == BOOT_MEM_NVS) && r->start <= pa && pa + len <= r->start + r->len)
            return true;
    }
    return false;
}

static void acpi_note(void *opaque, const char *sig, uint64_t pa, const char *what)
{
    (void)opaque;
    printk_lvl(LOG_DEBUG, "dom0: ACPI %s at %#lx: %s\n", sig, (unsigned long)pa, what);
}

/* I/O ports: all of them, but for what the hypervisor owns or hides. */
static int dom0_io_bitmap(struct domain *d)
{
    static const struct { uint16_t first, last; } denied[] = {
        { 0x20, 0x21 }, { 0xA0, 0xA1 },         /* the PIC: dom0 sees none */
        { 0x40, 0x41 },                         /* PIT channels 0 and 1 (channel 2 is
                                                 * Linux's calibration reference) */
        { 0xE9, 0xE9 },                         /* the hypervisor's debug console */
    };
    uint16_t uart = uart_io_port();
    uint8_t *bm;

    d->arch.io_bitmap_order = 2;                /* 16 KiB >= 8 KiB + the tail */
    d->arch.io_bitmap = page_alloc(d->arch.io_bitmap_order, &d->acct);
    if (!d->arch.io_bitmap)
        return -ENOMEM;
    bm = __va(d->arch.io_bitmap);
    memset(bm, 0, 8192);
    memset(bm + 8192, 0xFF, (PAGE_SIZE << d->arch.io_bitmap_order) - 8192);
    for (unsigned int i = 0; i < ARRAY_SIZE(denied); i++)
        for (unsigned int p = denied[i].first; p <= denied[i].last; p++)
            bm[p / 8] |= (uint8_t)(1u << (p % 8));
    if (uart)
        for (unsigned int p = uart; p < uart + 8u; p++)
            bm[p / 8] |= (uint8_t)(1u << (p % 8));
    for (unsigned int p = 0; p < 0x10000; p++)
        if (dom0_port_mediated((uint16_t)p))
            bm[p / 8] |= (uint8_t)(1u << (p % 8));
    return 0;
}

/* The machine's life ends with dom0's. */
static void dom0_destroyed(const struct domain_exit *e)
{
    vpci_hwdom_release();               /* its I/O bitmap is gone */
    if (e->crashed)
        printk_lvl(LOG_ERR, "(d%u) %s crashed: the machine stops%s\n", e->id, e->name,
                   noreboot ? " (noreboot)" : " and resets in 5 seconds");
    else
        printk("(d%u) %s has shut down (reason %u): stopping every other domain\n",
               e->id, e->name, e->reason);
    for (domid_t id = 1; id < DOMID_FIRST_RESERVED; id++) {
        struct domain *o = domain_by_id(id);
        if (!o || o->state == DOMAIN_DYING || o->destroy_claimed)
            continue;
        printk("(d%u) %s: stopped with dom0\n", o->id, o->name);
        o->on_poweroff = o->on_reboot = o->on_crash = DOMSPEC_DESTROY;
        domain_kill(o);
    }
    if (e->crashed && !noreboot) {
        timer_init(&reset_timer, reset_fired, NULL, smp_processor_id());
        set_timer(&reset_timer, NOW() + SECONDS(5));
    } else if (e->crashed) {
        arch_end_run(1);        /* under test: QEMU ends with status 3 */
    }
}

static void dom0_settled(void)
{
}

static const struct domain_builder dom0_builder = {
    .destroyed = dom0_destroyed,
    .settled = dom0_settled,
};

static void build_fail(struct domain *d, const char *why)
{
    printk_lvl(LOG_ERR, "dom0 (module %d): not created: %s\n", kmod, why ? why : "error");
    if (d)
        domain_kill(d);
}

void dom0_create(void)
{
    static struct dom0_ram ram;
    static struct hvm_memmap_table_entry map[DOM0_MEMMAP_MAX];
    const struct boot_module *km, *im;
    struct domspec spec;
    struct kernel_image ki;
    struct elf_info info;
    struct elf_load_ops ops = { load_copy, load_zero, NULL };
    struct hvm_start_info si;
    struct hvm_modlist_entry mod;
    const char *why = NULL, *cmd;
    char word[DOMSPEC_CMDLINE_MAX];
    struct domain *d;
    int rc, nmap;

    if (kmod < 0)
        return;
    km = &boot_info.modules[kmod];
    im = imod >= 0 ? &boot_info.modules[imod] : NULL;

    memset(&spec, 0, sizeof(spec));
    strlcpy(spec.name, DOM0_NAME, sizeof(spec.name));
    spec.vcpus = dom0_vcpus_compute(vcpus_min, vcpus_max, nr_cpus);
    if (spec.vcpus > nr_cpus) {
        printk_lvl(LOG_WARN, "warning: dom0_max_vcpus: %u vCPUs asked, %u CPUs; dom0 gets %u "
                   "(its vCPUs are pinned one per CPU)\n", spec.vcpus, nr_cpus, nr_cpus);
        spec.vcpus = nr_cpus;
    }
    /* Xen's rule: the module line starts with the file name. */
    cmd = km->cmdline;
    if (parse_word(&cmd, word, sizeof(word)) < 0)
        cmd = "";
    while (*cmd == ' ')
        cmd++;
    strlcpy(spec.cmdline, cmd, sizeof(spec.cmdline));
    dom0_cmdline_dma(spec.cmdline, sizeof(spec.cmdline));

    d = domain_create_control(&spec);
    if (!d) {
        build_fail(NULL, "not enough memory for its structures");
        return;
    }
    ops.opaque = d;
    ram.n = 0;
    rc = dom0_memory(d, &ram, &why);
    if (rc) {
        build_fail(d, why);
        return;
    }

    rc = kernel_image_get(km, &ki, &why);
    if (rc) {
        build_fail(d, why);
        return;
    }
    rc = elf_load(ki.elf, ki.len, boot_info.hold_end, &ops, &info, &why);
    kernel_image_put(&ki);
    if (rc) {
        build_fail(d, why);
        return;
    }
    /* The packed kernel is not needed again: its pages go to the allocator. */
    page_alloc_add_range(ALIGN_UP(km->start, PAGE_SIZE), ALIGN_DOWN(km->end, PAGE_SIZE));

    /* ACPI tables in the page after the start-of-day area. */
    struct dom0_acpi_params ap = {
        .host_rsdp = acpi_info.rsdp, .map = acpi_map, .table_ok = acpi_table_ok,
        .note = acpi_note, .nr_vcpus = d->nr_vcpus,
    };
    static uint8_t acpi_buf[PAGE_SIZE];
    rc = dom0_acpi_build(&ap, acpi_buf, sizeof(acpi_buf), DOM0_ACPI_GPA, &why);
    if (rc < 0) {
        build_fail(d, why);
        return;
    }
    if (copy_to_gpa(d, DOM0_ACPI_GPA, acpi_buf, PAGE_SIZE)) {
        build_fail(d, "cannot write its ACPI tables");
        return;
    }

    struct dom0_range acpi = { DOM0_ACPI_GPA, DOM0_ACPI_GPA + PAGE_SIZE };
    nmap = dom0_memmap(boot_info.memmap, boot_info.nr_memmap, ram.r, ram.n, &acpi, 1, map,
                       DOM0_MEMMAP_MAX, &why);
    if (nmap < 0) {
        build_fail(d, why);
        return;
    }

    for (int i = 0; i < nmap; i++)
        printk_lvl(LOG_DEBUG, "dom0: memory map %#014lx-%#014lx type %u\n",
                   (unsigned long)map[i].addr, (unsigned long)(map[i].addr + map[i].size - 1),
                   map[i].type);
    memset(&si, 0, sizeof(si));
    si.magic = XEN_HVM_START_MAGIC_VALUE;
    si.version = 1;
    si.flags = HVM_START_SIF_PRIVILEGED | HVM_START_SIF_INITDOMAIN;
    si.nr_modules = im ? 1 : 0;
    si.modlist_paddr = im ? PVH_MODLIST_GPA : 0;
    si.cmdline_paddr = PVH_CMDLINE_GPA;
    si.rsdp_paddr = DOM0_ACPI_GPA;
    si.memmap_paddr = PVH_MEMMAP_GPA;
    si.memmap_entries = (uint32_t)nmap;
    memset(&mod, 0, sizeof(mod));
    if (im) {
        mod.paddr = im->start;      /* where the loader put it: dom0's RAM, 1:1 */
        mod.size = im->end - im->start;
    }
    size_t clen = strnlen(spec.cmdline, PVH_CMDLINE_MAX - 1);
    if (copy_to_gpa(d, PVH_START_INFO_GPA, &si, sizeof(si)) ||
        copy_to_gpa(d, PVH_MODLIST_GPA, &mod, sizeof(mod)) ||
        copy_to_gpa(d, PVH_MEMMAP_GPA, map, (size_t)nmap * sizeof(map[0])) ||
        zero_gpa(d, PVH_CMDLINE_GPA, PVH_CMDLINE_MAX) ||
        copy_to_gpa(d, PVH_CMDLINE_GPA, spec.cmdline, clen)) {
        build_fail(d, "cannot write its start-of-day data");
        return;
    }

    if (dom0_io_bitmap(d)) {
        build_fail(d, "no memory for its I/O port bitmap");
        return;
    }
    if (vpci_hwdom_init(d)) {
        build_fail(d, "cannot trap its PCI configuration space");
        return;
    }
    if (vioapic_hwdom_init(d, acpi_info.ioapic_base)) {
        build_fail(d, "cannot set up its IOAPIC");
        return;
    }
    if (vconsole_hwdom_init(d)) {
        build_fail(d, "cannot set up its console");
        return;
    }

    hvm->vcpu_set_pvh_entry(d->vcpus[0], (uint32_t)info.pvh_entry, PVH_START_INFO_GPA);
    domain_set_builder(d, &dom0_builder, NULL);     /* from here its end is the host's */
    printk("(d%u) %s: %lu MiB (1:1), %u vCPU(s), entry %#lx, %u memory map entries%s\n",
           d->id, d->name, (unsigned long)(d->mem_bytes >> 20), d->nr_vcpus,
           (unsigned long)info.pvh_entry, nmap, im ? ", with initrd" : "");
    domain_start(d);
}

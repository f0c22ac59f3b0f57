/*
 * Boot-time domains: each "domain ..." boot module (see
 * docs/boot-domains.md) becomes a domain: memory, the ELF kernel loaded at
 * its physical addresses, the PVH start info, vCPU0 at the PVH entry.
 * A bad module stops only its own domain, with a message naming it.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/domspec.h>
#include <oryx/elf_load.h>
#include <oryx/bzimage.h>
#include <oryx/spinlock.h>
#include <oryx/pvh_build.h>
#include <oryx/domain_platform.h>
#include <oryx/keyhandler.h>
#include <oryx/timer.h>
#include <asm/time.h>
#include <oryx/boot_domains.h>
#include <oryx/kernel_image.h>
#include <oryx/xmalloc.h>
#include <oryx/cmdline.h>
#include <asm/bootinfo.h>
#include <asm/hvm.h>
#include <asm/traps.h>
#include <asm/page.h>

static uint32_t domains_failed;
static volatile bool creating;      /* boot_domains_create() still running */
static bool debug_fault_test;
static uint32_t debug_dump_at;
CMDLINE_OPT_UINT("debug_dump_at", &debug_dump_at,
                 "debug: run the 'd' and 'e' debug keys N seconds after boot");
static struct timer dump_timer;

static void dump_fired(void *data)
{
    (void)data;
    keyhandler_handle('d');
    keyhandler_handle('e');
}

CMDLINE_OPT_BOOL("debug_fault_test", &debug_fault_test,
                 "test only: fault in the hypervisor after start-up, to check the crash report");

static int load_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    return copy_to_gpa(opaque, gpa, src, len);
}

static int load_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    return zero_gpa(opaque, gpa, len);
}

/* What a boot-module domain was built from: a restart builds it again. */
struct boot_domain {
    struct domspec spec;
    int kernel_module, initrd_module;   /* boot modules; initrd -1 if none */
    unsigned int restarts;
};

static void boot_domain_destroyed(const struct domain_exit *e)
{
    struct boot_domain *bd = e->data;

    if (e->action == DOMSPEC_RESTART) {
        if (bd->restarts >= BOOT_DOMAIN_MAX_RESTARTS) {
            printk_lvl(LOG_WARN, "(d%u) %s: restarted %u times; not restarting again\n",
                       e->id, e->name, bd->restarts);
        } else {
            printk("(d%u) %s: restarting\n", e->id, e->name);
            boot_domain_build(&bd->spec, bd->kernel_module, bd->initrd_module,
                              bd->restarts + 1);
        }
    }
    xfree(bd);
}

static const struct domain_builder boot_builder = {
    .destroyed = boot_domain_destroyed,
    .settled = boot_domains_check_done,
};

int boot_domain_build(const struct domspec *spec, int kmod, int imod, unsigned int restarts)
{
    struct boot_domain *bd;
    struct kernel_image ki = { 0 };
    const struct boot_module *km = &boot_info.modules[kmod];
    const struct boot_module *im = imod >= 0 ? &boot_info.modules[imod] : NULL;
    struct elf_load_ops ops = { load_copy, load_zero, NULL };
    struct elf_info info;
    struct pvh_boot_regs regs;
    const char *why = NULL;
    struct domain *d;
    int rc;

    bd = xzalloc(sizeof(*bd));
    d = bd ? domain_create(spec) : NULL;
    if (!d) {
        if (bd)
            xfree(bd);
        printk_lvl(LOG_ERR, "domain %s (module %d): not enough memory for its structures\n",
                   spec->name, kmod);
        return -ENOMEM;
    }
    bd->spec = *spec;
    bd->kernel_module = kmod;
    bd->initrd_module = imod;
    bd->restarts = restarts;
    domain_set_builder(d, &boot_builder, bd);
    ops.opaque = d;

    rc = domain_alloc_memory(d);
    if (rc) {
        why = "not enough free memory for the domain's RAM";
        goto fail;
    }
    rc = kernel_image_get(km, &ki, &why);
    if (rc)
        goto fail;
    rc = elf_load(ki.elf, ki.len, pvh_low_ram_end(d->mem_bytes), &ops, &info, &why);
    kernel_image_put(&ki);
    if (rc)
        goto fail;
    struct domain_platform plat;
    rc = domain_platform_init(d, &plat, true, &why);
    if (rc)
        goto fail;
    struct pvh_build_params bp = {
        .rsdp_paddr = plat.rsdp,
        .extra = plat.extra,
        .nr_extra = DOMAIN_PLATFORM_RANGES,
        .mem_bytes = d->mem_bytes,
        .image = &info,
        .cmdline = spec->cmdline,
        .initrd = im ? __va(im->start) : NULL,
        .initrd_len = im ? im->end - im->start : 0,
    };
    struct pvh_layout layout;
    rc = pvh_build(&bp, &ops, &regs, &layout, &why);
    if (rc)
        goto fail;
    hvm->vcpu_set_pvh_entry(d->vcpus[0], regs.eip, regs.ebx);
    printk("(d%u) %s: %lu MiB, %u vCPU(s), entry %#x, start info %#x%s\n", d->id, d->name,
           (unsigned long)(d->mem_bytes >> 20), d->nr_vcpus, regs.eip, regs.ebx,
           im ? ", with initrd" : "");
    domain_start(d);
    return 0;
fail:
    printk_lvl(LOG_ERR, "domain %s (module %d): not created: %s\n", spec->name, kmod,
               why ? why : "error");
    domain_kill(d);
    domains_failed++;
    return rc ? rc : -EINVAL;
}

void boot_domains_create(void)
{
    creating = true;
    const char *cmdlines[BOOT_MAX_MODULES];
    struct domspec_entry *ents;
    size_t n;

    if (debug_fault_test) {
        volatile uint64_t *null = NULL;
        asm("" : "+r"(null));
        *null = 1;      /* the #PF handler reports and stops every CPU */
    }
    if (debug_dump_at) {
        timer_init(&dump_timer, dump_fired, NULL, 0);
        set_timer(&dump_timer, NOW() + SECONDS(debug_dump_at));
    }
    printk("Free pages before domains: %lu\n", (unsigned long)page_alloc_free_pages());
    for (unsigned int i = 0; i < boot_info.nr_modules; i++)
        cmdlines[i] = boot_info.modules[i].cmdline;
    ents = xzalloc(sizeof(*ents) * BOOT_MAX_MODULES);
    if (!ents)
        panic("out of memory scanning boot modules");
    n = domspec_scan(cmdlines, boot_info.nr_modules, ents, BOOT_MAX_MODULES);
    if (!n)
        printk("No boot-time domains defined (modules with \"domain ...\").\n");
    for (size_t i = 0; i < n; i++) {
        if (ents[i].rc) {
            printk_lvl(LOG_ERR, "domain module %u: not created: %s\n",
                       ents[i].kernel_module, ents[i].err);
            domains_failed++;
            continue;
        }
        boot_domain_build(&ents[i].spec, (int)ents[i].kernel_module,
                          ents[i].initrd_module, 0);
    }
    xfree(ents);
}

void boot_domains_finish(void)
{
    creating = false;
    boot_domains_check_done();
}

void boot_domains_check_done(void)
{
    static volatile bool reported;      /* the last two may stop on two CPUs */
    unsigned int kept = domain_count();

    if (creating || domain_live_count())
        return;
    if (__atomic_exchange_n(&reported, true, __ATOMIC_ACQ_REL))
        return;
    printk("All domains have stopped (%u failed to start, %u preserved). %lu pages free.\n",
           domains_failed, kept, (unsigned long)page_alloc_free_pages());
    arch_end_run(0);
}

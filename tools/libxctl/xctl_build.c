/* The user-space PVH domain builder (xctl_build.h). */
#include <errno.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <zlib.h>

#include <oryx/bzimage.h>
#include <oryx/elf_load.h>
#include <oryx/pvh_build.h>

#include "xctl.h"
#include "xctl_err.h"
#include "xctl_build.h"
#include "public/grant_table.h"
#include "public/hvm/params.h"

#define PAGE 4096ULL

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The vmlinux ELF inside the kernel image: *elf points into img or to a
 * malloc'd buffer (*owned). */
static int unpack(const void *img, size_t len, const void **elf, size_t *elf_len, void **owned,
                  char *err, size_t errlen)
{
    struct bzimage_info bi;
    const char *why = NULL;
    const uint8_t *payload;
    uint8_t *out;

    *owned = NULL;
    if (bzimage_probe(img, len, &bi, &why))
        return xctl_fail(err, errlen, -ENOEXEC, "not a kernel: %s", why ? why : "unknown format");
    payload = (const uint8_t *)img + bi.payload_offset;
    switch (bi.format) {
    case BZIMAGE_FMT_ELF:
    case BZIMAGE_FMT_RAW_ELF:
        *elf = payload;
        *elf_len = bi.format == BZIMAGE_FMT_ELF ? len : bi.vmlinux_size;
        return 0;
    case BZIMAGE_FMT_XZ:
    case BZIMAGE_FMT_GZIP:
        break;
    default:
        return xctl_fail(err, errlen, -ENOEXEC, "%s-compressed kernels are not supported "
                         "(xz, gzip and plain ELF are)", bi.format_name);
    }
    if (!bi.vmlinux_size || bi.vmlinux_size > (1u << 30))
        return xctl_fail(err, errlen, -ENOEXEC, "implausible unpacked size %zu", bi.vmlinux_size);
    out = malloc(bi.vmlinux_size);
    if (!out)
        return xctl_fail(err, errlen, -ENOMEM, "no memory to unpack the kernel");
    if (bi.format == BZIMAGE_FMT_XZ) {
        uint64_t limit = UINT64_MAX;
        size_t in_pos = 0, out_pos = 0;
        /* The payload ends with the 4-byte unpacked size, not part of the stream. */
        lzma_ret r = lzma_stream_buffer_decode(&limit, 0, NULL, payload, &in_pos,
                                               bi.payload_length - 4, out, &out_pos,
                                               bi.vmlinux_size);
        if (r != LZMA_OK || out_pos != bi.vmlinux_size) {
            free(out);
            return xctl_fail(err, errlen, -ENOEXEC, "the kernel's xz payload does not decode "
                             "(liblzma error %d, %zu of %zu bytes)", (int)r, out_pos,
                             bi.vmlinux_size);
        }
    } else {
        z_stream z;
        memset(&z, 0, sizeof(z));
        z.next_in = (Bytef *)(uintptr_t)payload;
        z.avail_in = (uInt)(bi.payload_length - 4);
        z.next_out = out;
        z.avail_out = (uInt)bi.vmlinux_size;
        int zr = inflateInit2(&z, 16 + MAX_WBITS);         /* gzip framing */
        if (zr == Z_OK)
            zr = inflate(&z, Z_FINISH);
        inflateEnd(&z);
        if (zr != Z_STREAM_END || z.total_out != bi.vmlinux_size) {
            free(out);
            return xctl_fail(err, errlen, -ENOEXEC, "the kernel's gzip payload does not decode "
                             "(zlib error %d)", zr);
        }
    }
    *elf = out;
    *elf_len = bi.vmlinux_size;
    *owned = out;
    return 0;
}

/* The guest's low RAM [0, size) as mapped here. */
struct window {
    uint8_t *base;
    uint64_t size;
};

static int win_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    struct window *w = opaque;

    if (gpa > w->size || len > w->size - gpa)
        return -ERANGE;
    memcpy(w->base + gpa, src, len);
    return 0;
}

static int win_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    struct window *w = opaque;

    if (gpa > w->size || len > w->size - gpa)
        return -ERANGE;
    memset(w->base + gpa, 0, len);
    return 0;
}

/* Map the domain's frames [0, size) at a fresh privcmd mapping. */
static int map_low(struct xctl *x, uint16_t dom, uint64_t size, struct window *w, char *err,
                   size_t errlen)
{
    size_t pages = size / PAGE;
    int *errs = calloc(pages, sizeof(*errs));
    int rc = 0;

    w->size = size;
    w->base = errs ? xctl_map_foreign(x, dom, 0, pages, PROT_READ | PROT_WRITE, errs)
                   : MAP_FAILED;
    if (w->base == MAP_FAILED) {
        rc = xctl_fail(err, errlen, errs ? -errno : -ENOMEM, "cannot map the guest's %lu MiB: %s",
                       (unsigned long)(size >> 20), strerror(errs ? errno : ENOMEM));
        goto out;
    }
    /* A page that did not map must never be written through the window
     * (its frame is nobody's): the build fails instead. */
    for (size_t i = 0; i < pages && !rc; i++)
        if (errs[i])
            rc = xctl_fail(err, errlen, errs[i] < 0 ? errs[i] : -EIO,
                           "cannot map the guest's page %#zx: %s", i,
                           strerror(errs[i] < 0 ? -errs[i] : EIO));
    if (rc) {
        munmap(w->base, size);
        w->base = MAP_FAILED;
    }
out:
    free(errs);
    return rc;
}

/* The rings dom0 serves: ports, HVM params, grant entries (xctl_built). */
static int setup_rings(struct xctl *x, uint16_t dom, struct xctl_built *o, char *err,
                       size_t errlen)
{
    static const uint32_t refs[2] = { GNTTAB_RESERVED_CONSOLE, GNTTAB_RESERVED_XENSTORE };
    int cp = xctl_evtchn_alloc_unbound(x, dom, 0);
    int sp = cp < 0 ? cp : xctl_evtchn_alloc_unbound(x, dom, 0);
    uint64_t frames[2] = { o->console_gfn, o->store_gfn };
    int rc;

    if (sp < 0)
        return xctl_fail(err, errlen, sp, "allocating its console and store ports: %s",
                         strerror(-sp));
    o->console_port = (uint32_t)cp;
    o->store_port = (uint32_t)sp;
    rc = xctl_hvm_param_set(x, dom, HVM_PARAM_CONSOLE_PFN, o->console_gfn);
    if (!rc)
        rc = xctl_hvm_param_set(x, dom, HVM_PARAM_CONSOLE_EVTCHN, o->console_port);
    if (!rc)
        rc = xctl_hvm_param_set(x, dom, HVM_PARAM_STORE_PFN, o->store_gfn);
    if (!rc)
        rc = xctl_hvm_param_set(x, dom, HVM_PARAM_STORE_EVTCHN, o->store_port);
    if (rc)
        return xctl_fail(err, errlen, rc, "setting its HVM params: %s", strerror(-rc));
    rc = xctl_grant_seed(x, dom, 0, refs, frames, 2);
    if (rc)
        return xctl_fail(err, errlen, rc, "granting its ring pages to dom0: %s", strerror(-rc));
    return 0;
}

int xctl_build_pvh(struct xctl *x, const struct xctl_build *b, struct xctl_built *out,
                   char *err, size_t errlen)
{
    struct xctl_built tm = { 0 };
    const void *elf = NULL;
    size_t elf_len = 0;
    void *owned = NULL;
    struct elf_info ei;
    const char *why = NULL;
    struct oryx_domctl op;
    struct window w = { MAP_FAILED, 0 };
    uint16_t dom = 0;
    int created = 0, rc;
    double t0 = now();

    rc = unpack(b->kernel, b->kernel_len, &elf, &elf_len, &owned, err, errlen);
    if (rc)
        return rc;
    if (elf_probe(elf, elf_len, &ei, &why)) {
        rc = xctl_fail(err, errlen, -ENOEXEC, "not a usable kernel: %s", why ? why : "bad ELF");
        goto out;
    }
    if (!ei.has_pvh_entry) {
        rc = xctl_fail(err, errlen, -ENOEXEC, "the kernel has no PVH entry "
                       "(XEN_ELFNOTE_PHYS32_ENTRY): it cannot boot as a PVH guest");
        goto out;
    }
    tm.decompress = now() - t0;

    /* Everything the loader writes lies below this: the image, then the
     * ramdisk 2 MiB aligned after it (pvh_build.h). */
    uint64_t low = pvh_low_ram_end(b->mem_bytes);
    uint64_t need = (ei.highest + PVH_INITRD_ALIGN - 1) / PVH_INITRD_ALIGN * PVH_INITRD_ALIGN +
                    (b->ramdisk_len + PAGE - 1) / PAGE * PAGE;
    if (need > low) {
        rc = xctl_fail(err, errlen, -E2BIG, "the kernel and ramdisk need %lu MiB, more than the "
                       "guest's %lu MiB of memory", (unsigned long)(need >> 20),
                       (unsigned long)(b->mem_bytes >> 20));
        goto out;
    }

    t0 = now();
    memset(&op, 0, sizeof(op));
    snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "%s", b->name);
    op.u.createdomain.max_vcpus = b->vcpus;
    op.u.createdomain.mem_kb = b->mem_bytes >> 10;
    op.u.createdomain.flags = b->hv_console ? ORYX_CREATEDOMAIN_hv_console : 0;
    rc = xctl_domctl(x, XEN_DOMCTL_createdomain, 0, &op);
    if (rc) {
        rc = xctl_fail(err, errlen, rc, "the hypervisor refused to create it: %s%s", strerror(-rc),
                       rc == -EEXIST ? " (a domain of that name exists)" :
                       rc == -ENOMEM ? " (not enough free memory)" : "");
        goto out;
    }
    dom = op.domain;
    created = 1;
    struct oryx_domctl_createdomain c = op.u.createdomain;
    if (!b->hv_console) {
        tm.console_gfn = c.console_gfn;
        tm.store_gfn = c.store_gfn;
        rc = setup_rings(x, dom, &tm, err, errlen);
        if (rc)
            goto out;
    }
    tm.create = now() - t0;

    t0 = now();
    rc = map_low(x, dom, need, &w, err, errlen);
    if (rc)
        goto out;
    struct elf_load_ops ops = { win_copy, win_zero, &w };
    struct pvh_mem_range extra[2] = {
        { c.acpi_gpa, c.acpi_size, XEN_HVM_MEMMAP_TYPE_ACPI },
        { c.special_gpa, c.special_size, XEN_HVM_MEMMAP_TYPE_RESERVED },
    };
    struct pvh_build_params bp = {
        .mem_bytes = b->mem_bytes, .image = &ei, .cmdline = b->cmdline,
        .initrd = b->ramdisk, .initrd_len = b->ramdisk_len, .rsdp_paddr = c.rsdp,
        .extra = extra, .nr_extra = 2,
    };
    struct pvh_boot_regs regs;
    if (elf_load(elf, elf_len, low, &ops, &ei, &why) || pvh_build(&bp, &ops, &regs, NULL, &why)) {
        rc = xctl_fail(err, errlen, -ENOEXEC, "loading it: %s", why ? why : "error");
        goto out;
    }
    munmap(w.base, w.size);             /* privcmd takes the foreign mappings out */
    w.base = MAP_FAILED;
    tm.load = now() - t0;

    t0 = now();
    memset(&op, 0, sizeof(op));
    op.u.pvh_entry = (struct oryx_domctl_pvh_entry){ 0, regs.eip, regs.ebx };
    rc = xctl_domctl(x, ORYX_DOMCTL_set_pvh_entry, dom, &op);
    if (!rc && !b->paused)
        rc = xctl_domain_unpause(x, dom);
    if (rc) {
        rc = xctl_fail(err, errlen, rc, "starting it: %s", strerror(-rc));
        goto out;
    }
    tm.start = now() - t0;
    tm.domid = dom;
out:
    if (w.base != MAP_FAILED)
        munmap(w.base, w.size);
    if (rc && created)
        xctl_domain_destroy(x, dom);    /* nothing is left behind */
    free(owned);
    if (!rc)
        *out = tm;
    return rc;
}

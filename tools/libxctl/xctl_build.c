/* The user-space PVH domain builder (xctl_build.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

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

int xctl_unpack_kernel(const void *img, size_t len, const void **elf, size_t *elf_len,
                       void **owned, char *err, size_t errlen)
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
    case BZIMAGE_FMT_ZSTD:
        break;
    default:
        return xctl_fail(err, errlen, -ENOEXEC, "%s-compressed kernels are not supported "
                         "(xz, gzip, zstd and plain ELF are)", bi.format_name);
    }
    if (!bi.vmlinux_size || bi.vmlinux_size > (1u << 30))
        return xctl_fail(err, errlen, -ENOEXEC, "implausible unpacked size %zu", bi.vmlinux_size);
    out = malloc(bi.vmlinux_size);
    if (!out)
        return xctl_fail(err, errlen, -ENOMEM, "no memory to unpack the kernel");
    if (bi.format == BZIMAGE_FMT_XZ) {
        /* A .xz file may hold several streams and padding (the hypervisor's
         * decoder takes them too): a one-stream decode stopped after the
         * first and refused what a boot-time domain boots. */
        lzma_stream s = LZMA_STREAM_INIT;
        lzma_ret r = lzma_stream_decoder(&s, UINT64_MAX, LZMA_CONCATENATED);
        size_t out_pos = 0;
        if (r == LZMA_OK) {
            /* The payload ends with the 4-byte unpacked size, not part of the stream. */
            s.next_in = payload;
            s.avail_in = bi.payload_length - 4;
            s.next_out = out;
            s.avail_out = bi.vmlinux_size;
            r = lzma_code(&s, LZMA_FINISH);
            out_pos = bi.vmlinux_size - s.avail_out;
            lzma_end(&s);
        }
        if (r != LZMA_STREAM_END || out_pos != bi.vmlinux_size) {
            free(out);
            return xctl_fail(err, errlen, -ENOEXEC, "the kernel's xz payload does not decode "
                             "(liblzma error %d, %zu of %zu bytes)", (int)r, out_pos,
                             bi.vmlinux_size);
        }
    } else if (bi.format == BZIMAGE_FMT_ZSTD) {
        size_t n = ZSTD_decompress(out, bi.vmlinux_size, payload, bi.payload_length - 4);
        if (ZSTD_isError(n) || n != bi.vmlinux_size) {
            free(out);
            return xctl_fail(err, errlen, -ENOEXEC, "the kernel's zstd payload does not decode "
                             "(%s)", ZSTD_isError(n) ? ZSTD_getErrorName(n) : "short output");
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

/*
 * Unpacked kernels kept between builds: decompressing Debian's 8 MiB
 * bzImage into its 66 MiB ELF is most of a create under TCG (4 s), and a
 * host builds the same kernel again and again (restarts, many guests).
 * A file is named by the image's size and two checksums of its bytes
 * (zlib's crc32 and adler32), so an edited kernel never matches; it holds
 * the ELF as it came out. The newest KEEP files stay.
 */
#define CACHE_KEEP 4

static void cache_name(const char *dir, const void *img, size_t len, char *path, size_t plen)
{
    uLong crc = crc32(0L, Z_NULL, 0), adl = adler32(0L, Z_NULL, 0);

    for (size_t off = 0; off < len; off += 1u << 30) {
        uInt n = (uInt)(len - off < (1u << 30) ? len - off : (1u << 30));
        crc = crc32(crc, (const Bytef *)img + off, n);
        adl = adler32(adl, (const Bytef *)img + off, n);
    }
    snprintf(path, plen, "%s/%zu-%08lx-%08lx.elf", dir, len, crc, adl);
}

/* A cached ELF of exactly elf_len bytes, mapped; NULL if none. */
static void *cache_get(const char *path, size_t elf_len)
{
    struct stat st;
    void *p;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return NULL;
    p = fstat(fd, &st) || (size_t)st.st_size != elf_len ? MAP_FAILED :
        mmap(NULL, elf_len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p != MAP_FAILED)
        utimensat(AT_FDCWD, path, NULL, 0);    /* used: among the newest */
    return p == MAP_FAILED ? NULL : p;
}

struct cache_entry {
    time_t t;
    char name[256];
};

static int by_mtime(const void *a, const void *b)
{
    const struct cache_entry *x = a, *y = b;

    return x->t < y->t ? 1 : x->t > y->t ? -1 : 0;
}

/* Keeps the newest CACHE_KEEP .elf files of dir. */
static void cache_prune(const char *dir)
{
    struct cache_entry e[64];
    char path[512];
    struct dirent *d;
    struct stat st;
    size_t n = 0;
    DIR *dp = opendir(dir);

    if (!dp)
        return;
    while ((d = readdir(dp)) && n < 64) {
        size_t l = strlen(d->d_name);
        if (l < 5 || l >= sizeof(e[0].name) || strcmp(d->d_name + l - 4, ".elf"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
        if (stat(path, &st) == 0) {
            e[n].t = st.st_mtime;
            memcpy(e[n].name, d->d_name, l + 1);
            n++;
        }
    }
    closedir(dp);
    qsort(e, n, sizeof(e[0]), by_mtime);
    for (size_t i = CACHE_KEEP; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, e[i].name);
        unlink(path);
    }
}

/* Best effort: a cache that cannot be written is no cache. */
static void cache_put(const char *dir, const char *path, const void *elf, size_t len)
{
    char tmp[600];
    const char *p = elf;
    int fd;

    if (mkdir(dir, 0755) && errno != EEXIST)
        return;
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w <= 0)
            break;
        p += w;
        len -= (size_t)w;
    }
    if (close(fd) || len || rename(tmp, path))
        unlink(tmp);
    else
        cache_prune(dir);
}

/*
 * Writing the guest's low RAM [0, size): the hypervisor copies from our
 * buffers (domctl write_memory, 1 MiB per call) instead of our mapping
 * every page through privcmd, one hypercall per page in Linux's PVH
 * dom0 (about 19,000 for a Debian guest; 2 s under TCG).
 */
struct loader {
    struct xctl *x;
    uint16_t dom;
    uint64_t size;
};

static int hv_write(struct loader *l, uint64_t gpa, const void *src, uint64_t len)
{
    if (gpa > l->size || len > l->size - gpa)
        return -ERANGE;
    while (len) {
        uint32_t n = len < ORYX_WRITE_MEMORY_MAX ? (uint32_t)len : ORYX_WRITE_MEMORY_MAX;
        struct oryx_domctl op;
        int rc, locked = 0;

        memset(&op, 0, sizeof(op));
        op.u.write_memory = (struct oryx_domctl_write_memory){
            .gpa = gpa, .buffer = (uintptr_t)src, .len = n };
        /* The hypervisor walks our page tables: the pages must be in
         * (a file's pages may not be yet). */
        if (src)
            locked = mlock(src, n) == 0;
        rc = xctl_domctl(l->x, ORYX_DOMCTL_write_memory, l->dom, &op);
        if (rc == -EFAULT && src && !locked) {
            for (uint32_t i = 0; i < n; i += PAGE)
                (void)*(volatile const uint8_t *)((const uint8_t *)src + i);
            rc = xctl_domctl(l->x, ORYX_DOMCTL_write_memory, l->dom, &op);
        }
        if (locked)
            munlock(src, n);
        if (rc)
            return rc;
        gpa += n;
        len -= n;
        if (src)
            src = (const uint8_t *)src + n;
    }
    return 0;
}

static int hv_copy(void *opaque, uint64_t gpa, const void *src, uint64_t len)
{
    return hv_write(opaque, gpa, src, len);
}

static int hv_zero(void *opaque, uint64_t gpa, uint64_t len)
{
    return hv_write(opaque, gpa, NULL, len);
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
    uint16_t dom = 0;
    int created = 0, rc;
    double t0 = now();

    struct bzimage_info bi;
    const char *bwhy = NULL;
    char cpath[512] = "";
    void *mapped = NULL;
    if (b->unpack_cache && !bzimage_probe(b->kernel, b->kernel_len, &bi, &bwhy) &&
        bi.format != BZIMAGE_FMT_ELF && bi.format != BZIMAGE_FMT_RAW_ELF) {
        cache_name(b->unpack_cache, b->kernel, b->kernel_len, cpath, sizeof(cpath));
        mapped = cache_get(cpath, bi.vmlinux_size);
    }
    if (mapped && elf_probe(mapped, bi.vmlinux_size, &ei, &why)) {
        munmap(mapped, bi.vmlinux_size);        /* damaged: unpack it again */
        mapped = NULL;
        unlink(cpath);
    }
    if (mapped) {
        elf = mapped;
        elf_len = bi.vmlinux_size;
        tm.unpack_cached = 1;
    } else {
        rc = xctl_unpack_kernel(b->kernel, b->kernel_len, &elf, &elf_len, &owned, err, errlen);
        if (rc)
            return rc;
    }
    if (elf_probe(elf, elf_len, &ei, &why)) {
        rc = xctl_fail(err, errlen, -ENOEXEC, "not a usable kernel: %s", why ? why : "bad ELF");
        goto out;
    }
    if (!ei.has_pvh_entry) {
        rc = xctl_fail(err, errlen, -ENOEXEC, "the kernel has no PVH entry "
                       "(XEN_ELFNOTE_PHYS32_ENTRY): it cannot boot as a PVH guest");
        goto out;
    }
    if (cpath[0] && !mapped)
        cache_put(b->unpack_cache, cpath, elf, elf_len);
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
    struct loader l = { x, dom, need };
    struct elf_load_ops ops = { hv_copy, hv_zero, &l };
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
    if (rc && created)
        xctl_domain_destroy(x, dom);    /* nothing is left behind */
    free(owned);
    if (mapped)
        munmap(mapped, elf_len);
    if (!rc)
        *out = tm;
    return rc;
}

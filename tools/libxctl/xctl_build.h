/*
 * The domain builder in user space (what libxenguest is to Xen's tools):
 * from a kernel image, an optional ramdisk and a command line to a
 * running PVH domain, through domctl. Kernels: ELF, or bzImage with an
 * XZ, gzip, zstd or uncompressed payload, decompressed with Debian's
 * liblzma, zlib and libzstd. The ELF loading and PVH start-of-day layout
 * are the hypervisor's own code (hv/common/elf_load.c, pvh_build.c), so a
 * domain built here sees what a boot-time domain sees.
 */
#ifndef ORYX_XCTL_BUILD_H
#define ORYX_XCTL_BUILD_H

#include <stddef.h>
#include <stdint.h>

struct xctl;

struct xctl_build {
    const char *name;
    unsigned int vcpus;
    uint64_t mem_bytes;
    const void *kernel;
    size_t kernel_len;
    const void *ramdisk;                /* NULL: none */
    size_t ramdisk_len;
    const char *cmdline;                /* NULL: "" */
    int paused;                         /* build, do not start (xl create -p) */
    int hv_console;                     /* the hypervisor serves its console (no
                                         * store ring): tests without oryxd */
    const char *unpack_cache;           /* directory of unpacked kernels (keyed by
                                         * the image's contents), NULL: none */
};

/* What was built. */
struct xctl_built {
    uint16_t domid;
    /* Its rings, served by dom0 (zero with hv_console): pages granted to
     * dom0 as GNTTAB_RESERVED_CONSOLE/_XENSTORE, ports unbound for dom0. */
    uint64_t console_gfn, store_gfn;
    uint32_t console_port, store_port;
    /* Where the time went, in seconds. */
    double decompress, create, load, start;
    int unpack_cached;                  /* the kernel came unpacked from the cache */
};

/*
 * The vmlinux ELF inside a kernel image (ELF, or a bzImage's payload):
 * *elf points into img, or to a malloc'd buffer also given in *owned
 * (free it). 0, or -errno with a message in err.
 */
int xctl_unpack_kernel(const void *img, size_t len, const void **elf, size_t *elf_len,
                       void **owned, char *err, size_t errlen);

/*
 * Build and (unless b->paused) start the domain. Transactional: on any
 * failure the domain is destroyed and nothing is left mapped. 0, or
 * -errno with a message naming the problem in err.
 */
int xctl_build_pvh(struct xctl *x, const struct xctl_build *b, struct xctl_built *out,
                   char *err, size_t errlen);

#endif

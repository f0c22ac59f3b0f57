/*
 * Kernel images for domain builders (oryx/kernel_image.h): a plain ELF
 * module is used in place; a bzImage (Debian's vmlinuz: XZ with the x86
 * BCJ filter) is unpacked into a temporary contiguous block.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/bzimage.h>
#include <oryx/kernel_image.h>
#include <oryx/page_alloc.h>
#include <oryx/spinlock.h>
#include <asm/bootinfo.h>
#include <asm/page.h>

int kernel_image_get(const struct boot_module *km, struct kernel_image *ki, const char **why)
{
    const void *img = __va(km->start);
    size_t len = km->end - km->start;
    struct bzimage_info bi;
    static uint8_t work[BZIMAGE_WORK_SIZE] __aligned(8);
    static spinlock_t work_lock = SPINLOCK_INIT;   /* work */
    size_t out_len;
    int rc;

    memset(ki, 0, sizeof(*ki));
    rc = bzimage_probe(img, len, &bi, why);
    if (rc)
        return rc;
    if (bi.format == BZIMAGE_FMT_ELF) {
        ki->elf = img;
        ki->len = len;
        return 0;
    }
    unsigned int order = 0;
    while ((PAGE_SIZE << order) < bi.vmlinux_size && order < PAGE_ORDER_MAX)
        order++;
    if ((PAGE_SIZE << order) < bi.vmlinux_size) {
        *why = "unpacked kernel larger than 1 GiB";
        return -E2BIG;
    }
    ki->tmp = page_alloc(order, NULL);
    if (!ki->tmp) {
        *why = "not enough contiguous memory to unpack the kernel";
        return -ENOMEM;
    }
    ki->tmp_order = order;
    spin_lock(&work_lock);
    rc = bzimage_extract(img, len, __va(ki->tmp), PAGE_SIZE << order, &out_len,
                         work, sizeof(work), why);
    spin_unlock(&work_lock);
    if (rc) {
        page_free(ki->tmp, order, NULL);
        ki->tmp = 0;
        return rc;
    }
    ki->elf = __va(ki->tmp);
    ki->len = out_len;
    return 0;
}

void kernel_image_put(struct kernel_image *ki)
{
    if (ki->tmp)
        page_free(ki->tmp, ki->tmp_order, NULL);
    ki->tmp = 0;
}


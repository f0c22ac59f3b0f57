/* The kernel of a boot module as an ELF image, for the domain builders. */
#ifndef ORYX_KERNEL_IMAGE_H
#define ORYX_KERNEL_IMAGE_H

#include <oryx/types.h>

struct boot_module;

struct kernel_image {
    const void *elf;
    size_t len;
    paddr_t tmp;            /* 0, or the block to free */
    unsigned int tmp_order;
};

/* 0, or -errno with *why naming the problem. */
int kernel_image_get(const struct boot_module *km, struct kernel_image *ki, const char **why);
/* Frees the unpacked copy, if one was made. */
void kernel_image_put(struct kernel_image *ki);

#endif

/* Constants shared by the boot assembly and C. */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

#define BOOT_CS64 0x08
#define BOOT_DS   0x10
#define BOOT_CS32 0x18

#define BOOT_STACK_SIZE 16384
#define STACK_SIZE      16384       /* per-CPU hypervisor stack */
#define IST_STACK_SIZE  4096

#define TRAMPOLINE_ADDR 0x8000      /* AP real-mode entry, page aligned, below 1 MiB */

#define MULTIBOOT1_BOOT_MAGIC 0x2BADB002
#define MULTIBOOT2_BOOT_MAGIC 0x36d76289

#endif

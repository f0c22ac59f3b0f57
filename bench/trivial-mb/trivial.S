/*
 * The boot-time baseline: the smallest multiboot1 kernel that does what a
 * guest's first console line proves. QEMU's -kernel loads it (32-bit ELF),
 * it writes one line to COM1 and leaves QEMU through isa-debug-exit.
 * Built by bench/boot-time.sh; nothing else links against it.
 */
#define MB1_MAGIC   0x1BADB002
#define MB1_FLAGS   0
#define COM1        0x3f8
#define DEBUG_EXIT  0xf4

    .section .multiboot, "a"
    .balign 4
    .long MB1_MAGIC
    .long MB1_FLAGS
    .long -(MB1_MAGIC + MB1_FLAGS)

    .text
    .code32
    .globl _start
_start:
    cli
    mov     $msg, %esi
1:  movb    (%esi), %al
    testb   %al, %al
    jz      3f
    mov     $COM1 + 5, %dx      /* line status: wait for an empty holding register */
2:  inb     %dx, %al
    testb   $0x20, %al
    jz      2b
    movb    (%esi), %al
    mov     $COM1, %dx
    outb    %al, %dx
    inc     %esi
    jmp     1b
3:  mov     $DEBUG_EXIT, %dx    /* QEMU exits with status (0 << 1) | 1 */
    xor     %eax, %eax
    outl    %eax, %dx
4:  hlt                         /* without isa-debug-exit: stay here */
    jmp     4b

    .section .rodata
msg:
    .asciz  "trivial-mb: first line\r\n"

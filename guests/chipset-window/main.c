/*
 * chipset-window: the window below the local APIC (0xFEC00000-0xFEDFFFFF,
 * where boards put the IOAPIC and the HPET) holds no device for a domain,
 * and probing it is harmless: reads of every width give all-ones, writes
 * are dropped, as where no device answers on a board (and on Xen). The
 * IOAPIC's index register, the HPET's capabilities and the window's last
 * dword are probed. With `edge` it then reads the dword just below the
 * window, a hole like any other: the domain must be crashed there.
 * With `hvm` (a type=hvm domain, which has a PC's chipset) holes anywhere
 * answer like the window: the dwords below it and at 3 GiB, by MOV and
 * by bt/bts/btr/btc (CF from the all-ones read, writes dropped).
 * Expected: PASS (with edge: crashed at 0xfebffffc).
 */
#include "guest.h"

const char test_name[] = "chipset-window";

#define IOAPIC_INDEX  0xFEC00000UL
#define HPET_CAPS     0xFED00000UL
#define WINDOW_LAST   0xFEDFFFFCUL
#define BELOW_WINDOW  0xFEBFFFFCUL

static void probe(unsigned long addr, const char *what)
{
    volatile uint32_t *d = (volatile uint32_t *)addr;
    volatile uint16_t *w = (volatile uint16_t *)addr;
    volatile uint8_t *b = (volatile uint8_t *)addr;
    uint32_t before = *d, after;

    if (before != 0xFFFFFFFFu)
        guest_fail("%s at %p read 0x%x, want all-ones", what, (void *)addr, before);
    if (*w != 0xFFFF || b[1] != 0xFF)
        guest_fail("%s at %p: narrow reads 0x%x 0x%x, want all-ones", what, (void *)addr, *w, b[1]);
    *d = 0x12345678;
    *w = 0;
    b[3] = 0;
    after = *d;
    if (after != 0xFFFFFFFFu)
        guest_fail("%s at %p read 0x%x after writes, want them dropped", what, (void *)addr, after);
    printf("%s at %p: all-ones, writes dropped\n", what, (void *)addr);
}

/* The bit-test family on a hole: CF is the bit of what the read gives. */
static void bit_tests(unsigned long addr)
{
    volatile uint32_t *p = (volatile uint32_t *)addr;
    uint32_t bit = 37;                  /* a register offset past the dword */
    uint8_t cf[4];

    __asm__ volatile ("btl %[b], %[m]; setc %[c]" : [c] "=q" (cf[0]) : [m] "m" (*p), [b] "r" (bit));
    __asm__ volatile ("btsl $3, %[m]; setc %[c]" : [c] "=q" (cf[1]), [m] "+m" (*p));
    __asm__ volatile ("btrl $4, %[m]; setc %[c]" : [c] "=q" (cf[2]), [m] "+m" (*p));
    __asm__ volatile ("lock btcl %[b], %[m]; setc %[c]" : [c] "=q" (cf[3]), [m] "+m" (*p)
                      : [b] "r" (bit));
    for (unsigned int i = 0; i < 4; i++)
        if (cf[i] != 1)
            guest_fail("bit test %u on the hole at %p: CF %u, want 1", i, (void *)addr, cf[i]);
    if (*p != 0xFFFFFFFFu)
        guest_fail("hole at %p reads 0x%x after bit tests", (void *)addr, *p);
}

void test_main(void)
{
    if (cmdline_has("hvm")) {
        probe(BELOW_WINDOW, "hole below the window");
        probe(0xC0000000UL, "hole at 3 GiB");
        bit_tests(BELOW_WINDOW - 12);   /* its offset's dword is still below */
        bit_tests(0xC0000000UL);
        printf("bt, bts, btr, btc on holes: CF 1, writes dropped\n");
        return;
    }
    probe(IOAPIC_INDEX, "IOAPIC index");
    probe(HPET_CAPS, "HPET capabilities");
    probe(WINDOW_LAST, "window's last dword");
    if (cmdline_has("edge")) {
        printf("about to fault: reading %p\n", (void *)BELOW_WINDOW);
        cons_flush();
        uint32_t v = *(volatile uint32_t *)BELOW_WINDOW;
        guest_fail("read of %p below the window returned 0x%x", (void *)BELOW_WINDOW, v);
    }
}

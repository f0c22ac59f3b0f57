/*
 * bad-write: writes outside the domain's memory, at addr=A (default
 * 0xC0000000, 3 GiB guest-physical; identity-mapped by the guest in
 * every mode). Expected: the hypervisor crashes this domain (nested page
 * fault at that address, with the guest RIP) after the line
 * "about to fault"; the guest never prints PASS. If the write returns
 * the guest prints FAIL. With `read` it reads instead.
 */
#include "guest.h"

const char test_name[] = "bad-write";

void test_main(void)
{
    unsigned long addr = (unsigned long)cmdline_u64("addr", 0xC0000000UL);
    volatile uint32_t *p = (volatile uint32_t *)addr;

    if (cmdline_has("read")) {
        uint32_t v;

        printf("about to fault: reading %p\n", (void *)addr);
        cons_flush();
        v = *p;
        guest_fail("read of %p returned 0x%x", (void *)addr, v);
    }
    printf("about to fault: writing %p\n", (void *)addr);
    cons_flush();
    *p = 0xbadc0de;
    guest_fail("write to %p returned", (void *)addr);
}

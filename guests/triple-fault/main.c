/*
 * triple-fault: loads an empty IDT (limit 0) and executes UD2. #UD cannot
 * be delivered, nor the #GP/#DF that follow: the CPU shuts down.
 * Expected: the hypervisor crashes this domain alone (SHUTDOWN intercept)
 * after "about to triple fault"; the guest never prints PASS.
 */
#include "guest.h"

const char test_name[] = "triple-fault";

void test_main(void)
{
    printf("about to triple fault\n");
    cons_flush();
    traps_load_empty_idt();
    __asm__ volatile ("ud2");
    guest_fail("still running after a triple fault");
}

/*
 * hello: the smallest guest. Prints a greeting through console_io and
 * passes. Expected: the hypervisor shows both lines and reports the
 * domain powered off. Two instances at once test two running domains.
 */
#include "guest.h"

const char test_name[] = "hello";

void test_main(void)
{
    printf("Hello from %s-%s, start_info at %p\n", test_name, guest_mode(),
           (const void *)guest_start_info);
}

/*
 * shutdown-reason: SCHEDOP_shutdown with the reason named on the command
 * line: reason=poweroff|reboot|suspend|crash|watchdog|soft_reset or a
 * number (default reboot). Prints
 *     "shutdown-reason: requesting <name> (<n>)"
 * then shuts down; the hypervisor must report that reason for this
 * domain. poweroff ends with PASS like every guest. If the call returns
 * (suspend may, when resumed) the guest prints FAIL with the result.
 */
#include "guest.h"

const char test_name[] = "shutdown-reason";

static const char *const reasons[] = {
    [SHUTDOWN_poweroff]   = "poweroff",
    [SHUTDOWN_reboot]     = "reboot",
    [SHUTDOWN_suspend]    = "suspend",
    [SHUTDOWN_crash]      = "crash",
    [SHUTDOWN_watchdog]   = "watchdog",
    [SHUTDOWN_soft_reset] = "soft_reset",
};

void test_main(void)
{
    char arg[16] = "reboot";
    unsigned int reason, i;
    long rc;

    cmdline_get("reason", arg, sizeof(arg));
    reason = (unsigned int)str_to_u64(arg, 0);
    for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (!strcmp(arg, reasons[i]))
            reason = i;
    if (reason == SHUTDOWN_poweroff)
        return;         /* the runtime prints PASS and powers off */
    printf("shutdown-reason: requesting %s (%u)\n",
           reason <= SHUTDOWN_MAX ? reasons[reason] : "unknown", reason);
    rc = guest_shutdown(reason);
    guest_fail("SCHEDOP_shutdown(%u) returned %ld", reason, rc);
}

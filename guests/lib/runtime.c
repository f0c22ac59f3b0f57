/* Start-up, command line, verdict and shutdown of a micro-guest. */
#include <stdarg.h>
#include <public/elfnote.h>
#include <public/sched.h>
#include "runtime.h"
#include "arch.h"
#include "console.h"
#include "hypercall.h"
#include "string.h"
#include "traps.h"

/* QEMU's isa-debug-exit device (iobase 0xf4): exit status (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

const struct hvm_start_info *guest_start_info;
static const char *cmdline_str = "";
static bool failing;

const char *guest_mode(void)
{
#if defined(GUEST_MODE_64)
    return "64";
#elif defined(GUEST_MODE_32PSE)
    return "32pse";
#elif defined(GUEST_MODE_32PAE)
    return "32pae";
#else
    return "32";
#endif
}

const char *cmdline(void)
{
    return cmdline_str;
}

/* Find word at a word boundary, followed by end, space or '='. */
static const char *cmdline_find(const char *word)
{
    const char *p = cmdline_str;
    size_t n = strlen(word);

    while (*p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, word, n) && (p[n] == '\0' || p[n] == ' ' ||
                                     p[n] == '='))
            return p + n;
        while (*p && *p != ' ')
            p++;
    }
    return 0;
}

bool cmdline_has(const char *word)
{
    return cmdline_find(word) != 0;
}

bool cmdline_get(const char *key, char *buf, size_t len)
{
    const char *p = cmdline_find(key);
    size_t i = 0;

    if (!p || *p != '=' || !len)
        return false;
    p++;
    while (p[i] && p[i] != ' ' && i + 1 < len) {
        buf[i] = p[i];
        i++;
    }
    buf[i] = '\0';
    return true;
}

uint64_t cmdline_u64(const char *key, uint64_t def)
{
    char buf[32];

    if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
        return def;
    return str_to_u64(buf, 0);
}

long guest_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { reason };

    cons_flush();
    if (cons_debugcon()) {
        outl(DEBUG_EXIT_PORT, reason == SHUTDOWN_poweroff ? 0 : 1);
        halt_forever();
    }
    return HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

static void __attribute__((noreturn)) finish(unsigned int reason)
{
    long rc = guest_shutdown(reason);

    /* Still here: the hypervisor ignored the shutdown. */
    printf("FAIL SCHEDOP_shutdown(%u) returned %ld\n", reason, rc);
    cons_flush();
    halt_forever();
}

void guest_pass(void)
{
    printf("PASS\n");
    finish(SHUTDOWN_poweroff);
}

void guest_fail(const char *fmt, ...)
{
    va_list ap;

    if (failing)        /* a fault while failing: stop quietly */
        halt_forever();
    failing = true;
    printf("FAIL ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    finish(SHUTDOWN_crash);
}

void guest_main(uint32_t start_info_pa)
{
    const struct hvm_start_info *si =
        (const struct hvm_start_info *)(uintptr_t)start_info_pa;

#if defined(GUEST_DEBUGCON)
    cons_set_debugcon(true);
#endif
    guest_start_info = si;
    if (si && si->magic == XEN_HVM_START_MAGIC_VALUE && si->cmdline_paddr &&
        si->cmdline_paddr < (1ULL << 32))
        cmdline_str = (const char *)(uintptr_t)si->cmdline_paddr;
    if (cmdline_has("debugcon"))
        cons_set_debugcon(true);
    traps_init();

    printf("%s-%s: start (cmdline \"%s\")\n", test_name, guest_mode(),
           cmdline_str);
    if (!si || si->magic != XEN_HVM_START_MAGIC_VALUE)
        guest_fail("hvm_start_info at 0x%x: bad magic", start_info_pa);
    test_main();
    guest_pass();
}

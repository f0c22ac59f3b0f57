/*
 * The micro-guest runtime: start-up, command line, verdict and shutdown.
 * A test provides
 *     const char test_name[] = "...";
 *     void test_main(void);
 * test_main runs after the runtime is up; when it returns the guest
 * prints "PASS" and powers off. guest_fail() prints "FAIL <why>" and
 * shuts down with SHUTDOWN_crash. Every guest's last console line is one
 * of the two.
 */
#ifndef GUEST_RUNTIME_H
#define GUEST_RUNTIME_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <public/arch-x86/hvm/start_info.h>

extern const char test_name[];
void test_main(void);

/* Entry from head.S. */
void guest_main(uint32_t start_info_pa) __attribute__((noreturn));

/* The start-of-day info the hypervisor gave us (identity-mapped). */
extern const struct hvm_start_info *guest_start_info;

/* "64", "32", "32pse" or "32pae". */
const char *guest_mode(void);

/* The domain's command line ("" if none). */
const char *cmdline(void);
/* True if the command line has this space-separated word (or word=...). */
bool cmdline_has(const char *word);
/* Value of key=value into buf (NUL-terminated); false if absent. */
bool cmdline_get(const char *key, char *buf, size_t len);
/* Numeric value of key=N (K/M/G suffixes, 0x for hex), or def. */
uint64_t cmdline_u64(const char *key, uint64_t def);

void guest_pass(void) __attribute__((noreturn));
void guest_fail(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* SCHEDOP_shutdown(reason); returns the hypercall's result if it returns
 * (under debugcon: exits QEMU through isa-debug-exit and never returns). */
long guest_shutdown(unsigned int reason);

#define ASSERT(c) do { \
    if (!(c)) \
        guest_fail("assertion '%s' failed at %s:%d", #c, __FILE__, __LINE__); \
} while (0)

/* Check a hypercall's result; the message names the call. */
#define CHECK_RC(expr, want) do { \
    long _rc = (long)(expr), _want = (long)(want); \
    if (_rc != _want) \
        guest_fail("%s returned %ld, expected %ld (%s:%d)", #expr, _rc, \
                   _want, __FILE__, __LINE__); \
} while (0)

#endif

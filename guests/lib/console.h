/*
 * Console output of the micro-guests. Lines are buffered and written with
 * HYPERVISOR_console_io(CONSOLEIO_write); with the debugcon flag (cmdline
 * "debugcon" or a GUEST_DEBUGCON build) they go to I/O port 0xE9 instead,
 * for running a guest under plain QEMU.
 */
#ifndef GUEST_CONSOLE_H
#define GUEST_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

#define DEBUGCON_PORT 0xe9

void cons_set_debugcon(bool on);
bool cons_debugcon(void);
void cons_putc(char c);
void cons_write(const char *s, size_t len);
void cons_flush(void);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif

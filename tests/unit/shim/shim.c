/* Host implementations of the hypervisor's console and panic hooks, so
 * hypervisor sources compile unchanged into host unit tests. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <oryx/lib.h>

int shim_log_quiet = 1;     /* tests flip it to see hypervisor messages */

void vprintk_lvl(int lvl, const char *fmt, va_list ap)
{
    (void)lvl;
    if (!shim_log_quiet)
        vfprintf(stderr, fmt, ap);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk_lvl(lvl, fmt, ap);
    va_end(ap);
}

void printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintk_lvl(LOG_INFO, fmt, ap);
    va_end(ap);
}

void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "panic: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

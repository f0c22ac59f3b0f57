/* The error messages of libxctl's builders (xctl_err.h). */
#include <stdarg.h>
#include <stdio.h>

#include "xctl_err.h"

int xctl_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

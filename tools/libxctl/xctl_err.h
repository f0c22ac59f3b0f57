/*
 * libxctl's functions that explain their failures: the message goes to
 * the caller's err buffer (printf format), the return value is rc.
 */
#ifndef ORYX_XCTL_ERR_H
#define ORYX_XCTL_ERR_H

#include <stddef.h>

int xctl_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

/* Error numbers: Xen's public values (which are Linux's), returned negated. */
#ifndef ORYX_ERRNO_H
#define ORYX_ERRNO_H

#ifndef ORYX_HOST_TEST   /* host unit tests take libc's, which agree on Linux */
#define EPERM    1
#define ENOENT   2
#define ESRCH    3
#define EINTR    4
#define EIO      5
#define ENXIO    6
#define E2BIG    7
#define ENOEXEC  8
#define EBADF    9
#define ECHILD  10
#define EAGAIN  11
#define ENOMEM  12
#define EACCES  13
#define EFAULT  14
#define EBUSY   16
#define EEXIST  17
#define EXDEV   18
#define ENODEV  19
#define EINVAL  22
#define ENFILE  23
#define EMFILE  24
#define ENOSPC  28
#define ESPIPE  29
#define EROFS   30
#define EMLINK  31
#define EDOM    33
#define ERANGE  34
#define EDEADLK 35
#define ENAMETOOLONG 36
#define ENOSYS  38
#define ENOTEMPTY 39
#define ENODATA 61
#define ETIME   62
#define EBADMSG 74
#define EOVERFLOW 75
#define EILSEQ  84
#define ENOTSOCK 88
#define EOPNOTSUPP 95
#define EADDRINUSE 98
#define ETIMEDOUT 110
#define EISCONN 106
#define ENOTCONN 107
#define EALREADY 114
#define EINPROGRESS 115
#else
#include <errno.h>
#endif

#endif

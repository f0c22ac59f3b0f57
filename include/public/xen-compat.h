/*
 * Interface-version and build-assertion helpers shared by every public
 * header. The public headers must compile on their own as C89/C99, C11 and
 * C++, so the assertion macro picks what each dialect accepts.
 */
#ifndef ORYX_PUBLIC_XEN_COMPAT_H
#define ORYX_PUBLIC_XEN_COMPAT_H

/* The newest Xen interface version these headers describe (Xen 4.17). */
#define __XEN_LATEST_INTERFACE_VERSION__ 0x00041100

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#endif

/*
 * XEN_ABI_ASSERT(cond, msg): a compile-time check of an ABI layout.
 * C11 and C++11 have a keyword for it; older C gets an extern array whose
 * size is negative when the check fails (repeated identical extern
 * declarations are legal, so any number of them can coexist).
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define XEN_ABI_ASSERT(cond, msg) static_assert(cond, msg)
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define XEN_ABI_ASSERT(cond, msg) _Static_assert(cond, msg)
#else
#define XEN_ABI_ASSERT(cond, msg) \
    extern char xen_abi_assert_failed[(cond) ? 1 : -1]
#endif

/* offsetof without <stddef.h> dependencies in C++ (offsetof is fine there). */
#include <stddef.h>

#endif

/*
 * libxctl: questions about the host (sysctl, include/public/sysctl.h)
 * and the hypervisor's version (xen_version). Functions return 0 or
 * -errno.
 */
#ifndef ORYX_XCTL_SYSCTL_H
#define ORYX_XCTL_SYSCTL_H

#include <stddef.h>
#include <stdint.h>

#include "public/sysctl.h"

struct xctl;

/* sysctl cmd; op's union is the command's. */
int xctl_sysctl(struct xctl *x, uint32_t cmd, struct oryx_sysctl *op);

int xctl_physinfo(struct xctl *x, struct oryx_sysctl_physinfo *out);

/*
 * Up to len bytes of the hypervisor's log from *index (0: the oldest
 * kept) into buf; *index moves past them, *head (may be NULL) is where the
 * log ends now. With clear, what was read is forgotten. The byte count, or
 * -errno; 0 once *index reached the head.
 */
long xctl_readconsole(struct xctl *x, char *buf, size_t len, uint64_t *index, uint64_t *head,
                      int clear);

/* The keys typed at the hypervisor's console, at most
 * ORYX_DEBUG_KEYS_MAX; what they print goes to its log. 0 or -errno. */
int xctl_debug_keys(struct xctl *x, const char *keys, size_t n);

/* xen_version's answers, as `xl info` prints them. */
struct xctl_version {
    unsigned int major, minor;
    char extra[16];                     /* ".0-oryx" */
    char caps[1024];
    char changeset[64];
    char commandline[1024];
    char compiler[64], compile_by[16], compile_domain[32], compile_date[32];
    unsigned long pagesize;
};

/* What the hypervisor answers (strings it refuses stay empty); 0 or the
 * XENVER_version call's -errno. */
int xctl_version(struct xctl *x, struct xctl_version *out);

#endif

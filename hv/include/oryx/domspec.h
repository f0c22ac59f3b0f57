/*
 * Boot-time domain specifications, read from boot-module command lines
 * (the syntax is documented in docs/boot-domains.md):
 *
 *   [PATH] domain name=web mem=64M vcpus=2 type=pvh on_crash=preserve cmdline="console=hvc0"
 *   [PATH] initrd [for=web]
 *
 * domspec_parse() reads one kernel module's line; domspec_scan() walks all
 * modules, pairs each domain with its initrd and reports per domain
 * whether it may be built. A bad domain line stops that domain only.
 */
#ifndef ORYX_DOMSPEC_H
#define ORYX_DOMSPEC_H

#include <oryx/types.h>

#define DOMSPEC_NAME_MAX     32          /* including the NUL */
#define DOMSPEC_CMDLINE_MAX  1024        /* including the NUL */
#define DOMSPEC_MEM_MIN      MiB(1)
#define DOMSPEC_MEM_MAX      GiB(64)     /* sanity cap, not a design limit */
#define DOMSPEC_MEM_DEFAULT  MiB(64)
#define DOMSPEC_VCPUS_MAX    128

enum domspec_action {
    DOMSPEC_DESTROY = 0,     /* tear the domain down, free its memory */
    DOMSPEC_RESTART = 1,     /* rebuild it from the same modules */
    DOMSPEC_PRESERVE = 2,    /* keep it (shut down) for inspection */
};

struct domspec {
    char name[DOMSPEC_NAME_MAX];        /* [A-Za-z0-9_.-]{1,31} */
    uint64_t mem_bytes;                 /* multiple of 4 KiB */
    uint32_t vcpus;                     /* 1..DOMSPEC_VCPUS_MAX */
    uint8_t on_poweroff, on_reboot, on_crash;   /* enum domspec_action */
    char cmdline[DOMSPEC_CMDLINE_MAX];  /* the guest kernel's command line */
    bool hvm;                           /* type=hvm: IOAPIC, HPET and RTC emulated too */
};

/* A domain name: [A-Za-z0-9_.-]{1,31} (the caller bounds the length). */
bool domspec_name_valid(const char *s);

enum domspec_kind {
    DOMSPEC_MOD_OTHER = 0,   /* neither: ignored by domspec_scan */
    DOMSPEC_MOD_DOMAIN,      /* "domain" keyword: a kernel image */
    DOMSPEC_MOD_INITRD,      /* "initrd" keyword: an initial ramdisk */
};

/* What a module line is, by its first word or (after a path) second word. */
enum domspec_kind domspec_classify(const char *modcmdline);

/*
 * Parse a domain module's line into *out (always fully initialised, with
 * the defaults for keys not given). Returns 0, or -EINVAL with a message
 * naming the bad key or value in err (errlen bytes; err may be NULL).
 */
int domspec_parse(const char *modcmdline, struct domspec *out, char *err, size_t errlen);

/*
 * Parse an initrd module's line. for_name (DOMSPEC_NAME_MAX bytes) gets
 * the for= domain name, or "" when the initrd belongs to the domain module
 * just before it. Returns 0 or -EINVAL with a message in err.
 */
int domspec_parse_initrd(const char *modcmdline, char *for_name, char *err, size_t errlen);

/* One domain found by domspec_scan(). */
struct domspec_entry {
    struct domspec spec;
    uint32_t kernel_module;   /* index of the domain's module */
    int32_t initrd_module;    /* index of its initrd module, -1 = none */
    int rc;                   /* 0: build it; else -errno and err says why */
    char err[128];
};

/*
 * Walk the command lines of boot modules 0..nmods-1 (NULL counts as "").
 * Fills out[] with one entry per domain module, in module order, up to
 * max, and returns how many it filled. An entry with rc != 0 must not be
 * built. Rules: an initrd without for= attaches to the nearest domain
 * module before it; with for=NAME to the domain so named; a second initrd
 * for one domain, or a duplicate domain name, fails that domain. Initrds
 * that match no domain, and domains beyond max, are reported with
 * printk_lvl(LOG_WARN, ...) and skipped.
 */
size_t domspec_scan(const char *const *modcmdlines, size_t nmods,
                    struct domspec_entry *out, size_t max);

/* "destroy", "restart", "preserve" (or "?" for a bad value). */
const char *domspec_action_name(uint8_t action);

#endif

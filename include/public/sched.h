/*
 * sched_op (hypercall 29): sched_op(cmd, arg). The calling vCPU gives up
 * the CPU, waits, or ends its domain.
 */
#ifndef ORYX_PUBLIC_SCHED_H
#define ORYX_PUBLIC_SCHED_H

#include "event_channel.h"

/* arg NULL. Let another runnable vCPU run; returns 0. */
#define SCHEDOP_yield           0

/* arg NULL. Sleep until an event is pending for this vCPU (or a timer set
 * with set_timer_op / VCPUOP_set_singleshot_timer fires); returns 0. */
#define SCHEDOP_block           1

/* arg IN struct sched_shutdown. Stop the whole domain with a reason; does
 * not return except for SHUTDOWN_suspend when the domain is resumed. */
#define SCHEDOP_shutdown        2
struct sched_shutdown {
    uint32_t reason;            /* IN: SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

/* arg IN struct sched_poll. Block until one listed port is pending (even
 * if masked) or the timeout (absolute system time in ns, 0 = none)
 * passes; returns 0. */
#define SCHEDOP_poll            3
struct sched_poll {
    XEN_GUEST_HANDLE(evtchn_port_t) ports;  /* IN: array of ports */
    uint32_t nr_ports;                      /* IN */
#if defined(__x86_64__)
    uint32_t _pad;
#endif
    uint64_t timeout;                       /* IN */
};
typedef struct sched_poll sched_poll_t;

/* arg IN struct sched_remote_shutdown. Control domain only. */
#define SCHEDOP_remote_shutdown 4
struct sched_remote_shutdown {
    domid_t  domain_id;         /* IN */
    uint16_t _pad;
    uint32_t reason;            /* IN: SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

/* arg IN struct sched_shutdown. Record the reason without shutting down
 * (used before a later crash). */
#define SCHEDOP_shutdown_code   5

/* arg IN/OUT struct sched_watchdog. id 0 creates a watchdog (returns its
 * id); timeout 0 destroys it; otherwise re-arms it. */
#define SCHEDOP_watchdog        6
struct sched_watchdog {
    uint32_t id;                /* IN */
    uint32_t timeout;           /* IN: seconds */
};
typedef struct sched_watchdog sched_watchdog_t;

/* arg IN struct sched_pin_override. Control domain only. */
#define SCHEDOP_pin_override    7
struct sched_pin_override {
    int32_t pcpu;               /* IN: -1 ends the override */
};
typedef struct sched_pin_override sched_pin_override_t;

/* Shutdown reasons. */
#define SHUTDOWN_poweroff   0   /* clean halt */
#define SHUTDOWN_reboot     1   /* restart the domain */
#define SHUTDOWN_suspend    2   /* save state, may resume */
#define SHUTDOWN_crash      3   /* guest-detected fatal error */
#define SHUTDOWN_watchdog   4   /* a watchdog expired */
#define SHUTDOWN_soft_reset 5   /* kexec-style reset */
#define SHUTDOWN_MAX        5

XEN_ABI_ASSERT(sizeof(struct sched_shutdown) == 4, "sched_shutdown size");
XEN_ABI_ASSERT(sizeof(struct sched_remote_shutdown) == 8, "remote_shutdown size");
XEN_ABI_ASSERT(offsetof(struct sched_remote_shutdown, reason) == 4, "reason");
XEN_ABI_ASSERT(sizeof(struct sched_watchdog) == 8, "sched_watchdog size");
XEN_ABI_ASSERT(sizeof(struct sched_pin_override) == 4, "pin_override size");
#if defined(__x86_64__)
XEN_ABI_ASSERT(sizeof(struct sched_poll) == 24, "sched_poll size");
XEN_ABI_ASSERT(offsetof(struct sched_poll, nr_ports) == 8, "nr_ports");
XEN_ABI_ASSERT(offsetof(struct sched_poll, timeout) == 16, "timeout");
#else
XEN_ABI_ASSERT(sizeof(struct sched_poll) == 16, "sched_poll size");
XEN_ABI_ASSERT(offsetof(struct sched_poll, timeout) == 8, "timeout");
#endif

/* 32-bit (compat) layout of sched_poll, for the hypervisor. */
struct compat_sched_poll {
    uint32_t ports;             /* guest-virtual address */
    uint32_t nr_ports;
    uint32_t timeout_lo;        /* 8-byte field at a 4-byte alignment */
    uint32_t timeout_hi;
};
XEN_ABI_ASSERT(sizeof(struct compat_sched_poll) == 16, "compat_sched_poll");

#endif

/*
 * Hypercalls from a micro-guest: VMMCALL with RAX = number and the
 * arguments in RDI, RSI, RDX, R10, R8 (64-bit) or EBX, ECX, EDX, ESI, EDI
 * (32-bit); pointers are guest-virtual. The result (>= 0 or -errno) comes
 * back in RAX. After hypercall_page_enable() every call goes through the
 * hypervisor-filled hypercall page instead.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <public/xen.h>

/* The raw call: nr is full-width so that tests can pass any RAX. */
long hypercall_raw(unsigned long nr, unsigned long a1, unsigned long a2,
                   unsigned long a3, unsigned long a4, unsigned long a5);

/* Route later hypercalls through page (stub i at page + 32 * i). */
void hypercall_page_enable(const void *page);
void hypercall_page_disable(void);
extern const void *hypercall_page_base;

#define _HC(nr, a1, a2, a3) \
    hypercall_raw((nr), (unsigned long)(a1), (unsigned long)(a2), \
                  (unsigned long)(a3), 0, 0)

#define HYPERVISOR_console_io(cmd, count, buf) \
    _HC(__HYPERVISOR_console_io, cmd, count, buf)
#define HYPERVISOR_xen_version(cmd, arg) \
    _HC(__HYPERVISOR_xen_version, cmd, arg, 0)
#define HYPERVISOR_sched_op(cmd, arg) \
    _HC(__HYPERVISOR_sched_op, cmd, arg, 0)
#define HYPERVISOR_memory_op(cmd, arg) \
    _HC(__HYPERVISOR_memory_op, cmd, arg, 0)
#define HYPERVISOR_vcpu_op(cmd, vcpu, arg) \
    _HC(__HYPERVISOR_vcpu_op, cmd, vcpu, arg)
#define HYPERVISOR_event_channel_op(cmd, arg) \
    _HC(__HYPERVISOR_event_channel_op, cmd, arg, 0)
#define HYPERVISOR_hvm_op(op, arg) \
    _HC(__HYPERVISOR_hvm_op, op, arg, 0)
#define HYPERVISOR_grant_table_op(cmd, uop, count) \
    _HC(__HYPERVISOR_grant_table_op, cmd, uop, count)

/* set_timer_op takes a 64-bit absolute system time; 32-bit guests pass
 * it as (low, high). 0 cancels the timer. */
long HYPERVISOR_set_timer_op(uint64_t timeout_ns);

#endif

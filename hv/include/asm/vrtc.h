/*
 * A domain's RTC/CMOS (an MC146818 at ports 0x70-0x71, ISA IRQ 8), for
 * domains with XEN_X86_EMU_RTC: 128 bytes of CMOS whose first ten are the
 * clock, running from the host's wall clock; periodic, alarm and
 * update-ended interrupts on the emulated IOAPIC. vrtc.c says what is
 * emulated and how.
 */
#ifndef ASM_VRTC_H
#define ASM_VRTC_H

#include <oryx/types.h>

struct domain;
struct vcpu;

#define VRTC_PORT_INDEX 0x70
#define VRTC_PORT_DATA  0x71

/* 0 or -errno. */
int vrtc_init(struct domain *d);
/* The domain's vCPUs stopped: no timer callback from here on. */
void vrtc_stop(struct domain *d);
void vrtc_destroy(struct domain *d);
/* Port I/O touching ports 0x70-0x71 on a domain that has an RTC: done
 * (*data read or written) and true; false if neither is the case. */
bool vrtc_handle_io(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                    uint32_t *data);

#endif

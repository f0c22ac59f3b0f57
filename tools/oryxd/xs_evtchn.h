/*
 * Event channels from dom0 user space: Linux's /dev/xen/evtchn (the
 * xen-evtchn module). A bound port that fires shows up as a u32 to
 * read() from the fd, and stays masked until written back; poll(2) says
 * when there is one. Ioctl numbers and layouts are Linux's uapi
 * (include/uapi/xen/evtchn.h), checked below.
 */
#ifndef ORYXD_XS_EVTCHN_H
#define ORYXD_XS_EVTCHN_H

#include <stdint.h>

#define XS_EVTCHN_DEV "/dev/xen/evtchn"

/* Opens the device (non-blocking). fd or -errno. */
int xs_evtchn_open(const char *path);
/* Binds a local port to remote_port of domid (0 and dom0's own port: loopback). Local port or -errno. */
int xs_evtchn_bind(int fd, uint32_t domid, uint32_t remote_port);
/* Binds a VIRQ (VIRQ_DOM_EXC: a domain shut down or died). Local port or -errno. */
int xs_evtchn_bind_virq(int fd, uint32_t virq);
int xs_evtchn_unbind(int fd, uint32_t port);
int xs_evtchn_notify(int fd, uint32_t port);
/* Reads every pending port and unmasks it again. Number read or -errno. */
int xs_evtchn_drain(int fd);

#endif

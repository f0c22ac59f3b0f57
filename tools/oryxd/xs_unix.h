/*
 * The Unix-socket transport: a listening socket whose connections are
 * dom0 (privileged), the list of those connections (each a peer: an
 * xs_conn wired to an xs_proto session), and the poll loop that drives
 * them.
 */
#ifndef ORYXD_XS_UNIX_H
#define ORYXD_XS_UNIX_H

struct xs_proto;

/* Default socket: $XENSTORED_RUNDIR/socket, else this (libxenstore's). */
#define XS_UNIX_DEFAULT_RUNDIR "/var/run/xenstored"

/* Creates, binds and listens on path (replacing a stale socket). fd or -errno. */
int xs_unix_listen(const char *path);
/*
 * Serves p's clients until *stop becomes nonzero (checked after each poll
 * wakeup), then closes every connection. 0 or -errno.
 */
int xs_unix_serve(struct xs_proto *p, int listen_fd, volatile int *stop);

#endif

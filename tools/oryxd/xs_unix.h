/*
 * The Unix-socket transport: a listening socket whose connections are
 * dom0 (privileged), and the poll loop that drives every connection.
 */
#ifndef ORYXD_XS_UNIX_H
#define ORYXD_XS_UNIX_H

struct xs_store;

/* Default socket: $XENSTORED_RUNDIR/socket, else this (libxenstore's). */
#define XS_UNIX_DEFAULT_RUNDIR "/var/run/xenstored"

/* Creates, binds and listens on path (replacing a stale socket). fd or -errno. */
int xs_unix_listen(const char *path);
/* Serves until *stop becomes nonzero (checked after each poll wakeup). */
int xs_unix_serve(struct xs_store *s, int listen_fd, volatile int *stop);

#endif

/*
 * The Unix-socket transport: a listening socket whose connections are
 * dom0 (privileged), each a peer (an xs_conn wired to an xs_proto
 * session) and a source of the event loop.
 */
#ifndef ORYXD_XS_UNIX_H
#define ORYXD_XS_UNIX_H

struct xs_loop;
struct xs_proto;
struct xs_unix;

/* Default socket: $XENSTORED_RUNDIR/socket, else this (libxenstore's). */
#define XS_UNIX_DEFAULT_RUNDIR "/var/run/xenstored"

/* Creates, binds and listens on path (replacing a stale socket). fd or -errno. */
int xs_unix_listen(const char *path);
/*
 * Serves p's clients on listen_fd from loop l: the listener and every
 * accepted connection become sources. NULL if out of memory.
 */
struct xs_unix *xs_unix_start(struct xs_loop *l, struct xs_proto *p, int listen_fd);
/* Closes every connection and leaves the loop; listen_fd stays open. */
void xs_unix_stop(struct xs_unix *u);

#endif

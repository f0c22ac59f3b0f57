/*
 * libxs: a small synchronous client for the xenstore wire protocol
 * (include/public/io/xs_wire.h), used by oxl to talk to oryxd over its
 * Unix socket. One request is in flight at a time; watch events that
 * arrive while waiting for a reply are queued for xs_client_read_watch().
 *
 * Every int-returning call returns 0 or a negative errno value; the
 * daemon's ERROR replies ("ENOENT", "EACCES", ...) are mapped back to
 * errno values. Returned strings are malloc'd and owned by the caller.
 * A handle is not thread-safe.
 */
#ifndef ORYX_XS_CLIENT_H
#define ORYX_XS_CLIENT_H

#include <stddef.h>

struct xs_client;

/* socket_path NULL: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, else
 * /var/run/xenstored/socket. Returns NULL with errno set on failure. */
struct xs_client *xs_client_open(const char *socket_path);
void xs_client_close(struct xs_client *c);

/* *val is malloc'd and NUL-terminated (the NUL is not counted in *len;
 * len may be NULL). */
int xs_client_read(struct xs_client *c, const char *path, char **val, size_t *len);
int xs_client_write(struct xs_client *c, const char *path, const void *val, size_t len);
int xs_client_mkdir(struct xs_client *c, const char *path);
int xs_client_rm(struct xs_client *c, const char *path);

/* *names is one malloc'd block holding the pointer array and the strings:
 * free(*names) releases everything. */
int xs_client_directory(struct xs_client *c, const char *path, char ***names,
                        unsigned int *n);

/* *perms: the wire entries ("b0", "r5", ...) separated by '\n', malloc'd. */
int xs_client_get_perms(struct xs_client *c, const char *path, char **perms);
/* perms[0] names the owner and the default access for other domains. */
int xs_client_set_perms(struct xs_client *c, const char *path,
                        const char *const *perms, unsigned int n);

int xs_client_watch(struct xs_client *c, const char *path, const char *token);
int xs_client_unwatch(struct xs_client *c, const char *path, const char *token);
/* Blocks until a watch event arrives; *path and *token are malloc'd. */
int xs_client_read_watch(struct xs_client *c, char **path, char **token);
/* The same, giving up with -ETIMEDOUT after timeout_ms (< 0: never).
 * A partial message is still read to its end once it has begun. */
int xs_client_read_watch_timeout(struct xs_client *c, char **path, char **token,
                                 int timeout_ms);

/* One transaction at a time per handle: between start and end, every
 * request above belongs to it. end(c, 1) commits and returns -EAGAIN
 * when another client's change got in first (start again); end(c, 0)
 * discards it. */
int xs_client_transaction_start(struct xs_client *c);
int xs_client_transaction_end(struct xs_client *c, int commit);

/* XS_INTRODUCE: domid's store ring is page gfn with event channel port
 * (dom0 only). XS_RELEASE: the store forgets it. */
int xs_client_introduce(struct xs_client *c, unsigned int domid, unsigned long long gfn,
                        unsigned int port);
int xs_client_release(struct xs_client *c, unsigned int domid);

/* Message for a value returned by the calls above (negative or positive). */
const char *xs_client_strerror(int err);

#endif

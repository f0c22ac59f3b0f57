/* libxdev's shared store helpers (not part of its API). */
#ifndef ORYX_XDEV_INTERNAL_H
#define ORYX_XDEV_INTERNAL_H

#include <stddef.h>

struct xs_client;

/* Xen's XenbusState values (include/public/io/xenbus.h). */
enum { XD_INITIALISING = 1, XD_INITWAIT = 2, XD_CONNECTED = 4, XD_CLOSING = 5, XD_CLOSED = 6 };

/* Writes to the store, keeping the first error (and a sentence for it). */
struct xd_writer {
    struct xs_client *xs;
    int rc;
    char *err;
    size_t errlen;
};

/* dir/key = printf(fmt, ...); key NULL makes dir itself, owned by
 * owner and readable by reader (Xen's front/back split). */
void xd_put(struct xd_writer *w, const char *dir, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void xd_dir(struct xd_writer *w, const char *dir, unsigned int owner, unsigned int reader);

/* dir/key into buf ("" when missing); 0 or a negative errno value. */
int xd_read(struct xs_client *xs, const char *dir, const char *key, char *buf, size_t len);
/* dir/key as a number, or dflt when missing or not a number. */
long xd_read_long(struct xs_client *xs, const char *dir, const char *key, long dflt);

/* Backend and frontend directories of one device. */
void xd_backend_dir(char *buf, size_t len, const char *kind, unsigned int domid, unsigned long devid);
void xd_frontend_dir(char *buf, size_t len, const char *kind, unsigned int domid,
                     unsigned long devid);

/* Waits until dir/state satisfies ok(state) or dir vanishes (-ENOENT);
 * -ETIMEDOUT after ms. Polls: the store is local and this runs rarely. */
int xd_wait_state(struct xs_client *xs, const char *dir, int (*ok)(long), int ms, long *last);

/* Runs write(arg) inside a store transaction, again when another client
 * got in first. */
int xd_transaction(struct xs_client *xs, int (*write)(struct xd_writer *, void *), void *arg,
                   char *err, size_t errlen);

#endif

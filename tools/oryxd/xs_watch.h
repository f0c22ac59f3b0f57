/*
 * Watches: (path, token) pairs per connection, and the matching of
 * change events against them. A watch on P fires for P and everything
 * below it; removing an ancestor of P fires it with P itself.
 */
#ifndef ORYXD_XS_WATCH_H
#define ORYXD_XS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct xs_conn;
struct xs_store;
struct xs_perms;

struct xs_watch {
    struct xs_watch *next;
    char *path;                 /* absolute, or a special "@..." name */
    char *token;
    uint32_t strip;             /* prefix bytes removed for relative watches */
};

/* Adds a watch and queues its initial event. 0 or -errno. */
int xs_watch_add(struct xs_conn *c, const char *abspath, bool relative,
                 const char *token);
int xs_watch_remove(struct xs_conn *c, const char *abspath, const char *token);
void xs_watch_remove_all(struct xs_conn *c);

/*
 * Reports a change of abspath to every matching watch. perms are the
 * node's (or, for removal, the removed node's) ACL, used to hide events
 * from domains that cannot read the node; NULL skips the check.
 */
void xs_watch_fire(struct xs_store *s, const char *abspath,
                   const struct xs_perms *perms, bool removal);
/* Fires the @introduceDomain / @releaseDomain watches. */
void xs_watch_fire_special(struct xs_store *s, const char *name);

/* Pure matcher, exported for the unit tests: does an event on epath hit
 * a watch on wpath, and with which reported path (*report)? */
bool xs_watch_match(const char *wpath, const char *epath, bool removal,
                    const char **report);

#endif

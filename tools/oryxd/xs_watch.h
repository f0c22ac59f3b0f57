/*
 * Watches: (path, token) pairs, one set per client, and the matching of
 * change events against them. A watch on P fires for P and everything
 * below it; removing an ancestor of P fires it with P itself. Events go
 * to the set's owner through the callback it was created with; the
 * layer above decides which sets hear of a change, and in what order.
 */
#ifndef ORYXD_XS_WATCH_H
#define ORYXD_XS_WATCH_H

#include <stdbool.h>
#include <stdint.h>

struct xs_caller;
struct xs_store;
struct xs_perms;

struct xs_watch {
    struct xs_watch *next;
    char *path;                 /* absolute, or a special "@..." name */
    char *token;
    uint32_t strip;             /* prefix bytes removed for relative watches */
    uint64_t id;                /* kept in the store's database; 0: not kept */
};

/* One event for owner: the path as the watcher asked for it, its token. */
typedef void xs_watch_deliver_fn(void *owner, const char *path,
                                 const char *token);

/* One client's watches. */
struct xs_watch_set {
    struct xs_store *store;
    struct xs_watch *head;      /* newest first */
    uint32_t n;
    xs_watch_deliver_fn *deliver;
    void *owner;                /* opaque: the layer above's client */
    bool durable;               /* the client outlives the daemon: keep them */
};

void xs_watch_set_init(struct xs_watch_set *set, struct xs_store *s,
                       xs_watch_deliver_fn *deliver, void *owner);
/* Adds a watch for who (limits and quota checked). 0 or -errno. */
int xs_watch_add(struct xs_watch_set *set, const struct xs_caller *who,
                 const char *abspath, bool relative, const char *token);
int xs_watch_remove(struct xs_watch_set *set, const struct xs_caller *who,
                    const char *abspath, const char *token);
void xs_watch_remove_all(struct xs_watch_set *set, const struct xs_caller *who);
/*
 * Makes set durable (its watches are kept in the store's database from
 * now on) and takes back the ones an earlier daemon kept for who's
 * domain, firing each once. 0 or -errno.
 */
int xs_watch_restore(struct xs_watch_set *set, const struct xs_caller *who);

/*
 * Reports a change of abspath to every matching watch in set, whose
 * owner is who. perms are the node's (or, for removal, the removed
 * node's) ACL, used to hide events from domains that cannot read the
 * node; NULL skips the check.
 */
void xs_watch_fire(const struct xs_watch_set *set, const struct xs_caller *who,
                   const char *abspath, const struct xs_perms *perms,
                   bool removal);
/* Fires set's @introduceDomain / @releaseDomain watches. */
void xs_watch_fire_special(const struct xs_watch_set *set,
                           const struct xs_caller *who, const char *name);

/* Pure matcher, exported for the unit tests: does an event on epath hit
 * a watch on wpath, and with which reported path (*report)? */
bool xs_watch_match(const char *wpath, const char *epath, bool removal,
                    const char **report);

#endif

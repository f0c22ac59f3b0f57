/* Watch registration and event delivery (see xs_watch.h). */
#include "xs_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_path.h"
#include "xs_store.h"
#include "xs_tree.h"

bool xs_watch_match(const char *wpath, const char *epath, bool removal,
                    const char **report)
{
    if (xs_path_is_child(epath, wpath)) {
        *report = epath;
        return true;
    }
    if (removal && xs_path_is_child(wpath, epath)) {
        *report = wpath;                /* an ancestor went away */
        return true;
    }
    return false;
}

static void queue_event(const struct xs_watch_set *set,
                        const struct xs_watch *w, const char *path)
{
    size_t plen = strlen(path);

    if (w->strip && plen >= w->strip)
        path += w->strip;
    else if (w->strip)
        path += plen;                   /* the home node itself: "" */
    set->deliver(set->owner, path, w->token);
}

void xs_watch_set_init(struct xs_watch_set *set, struct xs_store *s,
                       xs_watch_deliver_fn *deliver, void *owner)
{
    *set = (struct xs_watch_set){
        .store = s, .deliver = deliver, .owner = owner,
    };
}

/* Registers (path, token) for who; strip as for a relative watch. */
static int watch_new(struct xs_watch_set *set, const struct xs_caller *who,
                     const char *abspath, uint32_t strip, const char *token,
                     struct xs_watch **out)
{
    struct xs_store *s = set->store;
    struct xs_domain *d = NULL;
    struct xs_watch *w;

    for (w = set->head; w; w = w->next)
        if (strcmp(w->path, abspath) == 0 && strcmp(w->token, token) == 0)
            return -EEXIST;
    if (set->n >= s->limits.conn_watches)
        return -ENOSPC;
    if (!who->privileged) {
        d = xs_domain_get(s, who->domid);
        if (!d)
            return -ENOMEM;
        if (s->quota.watches && d->watches >= s->quota.watches)
            return -ENOSPC;
    }
    w = calloc(1, sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->path = strdup(abspath);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        free(w);
        return -ENOMEM;
    }
    w->strip = strip;
    w->next = set->head;
    set->head = w;
    set->n++;
    if (d)
        d->watches++;
    *out = w;
    return 0;
}

int xs_watch_add(struct xs_watch_set *set, const struct xs_caller *who,
                 const char *abspath, bool relative, const char *token)
{
    struct xs_watch *w;
    uint32_t strip = 0;
    char home[32];
    int rc;

    if (relative) {
        xs_path_domain_home(who->domid, home, sizeof(home));
        strip = (uint32_t)strlen(home) + 1;
    }
    rc = watch_new(set, who, abspath, strip, token, &w);
    if (!rc && set->durable)
        w->id = xs_store_watch_keep(set->store, who->domid, w->path, w->token, w->strip);
    return rc;
}

struct restore {
    struct xs_watch_set *set;
    const struct xs_caller *who;
};

static int restore_one(void *ctx, uint64_t id, const char *path, const char *token,
                       uint32_t strip)
{
    struct restore *r = ctx;
    struct xs_watch *w;

    if (watch_new(r->set, r->who, path, strip, token, &w)) {
        xs_store_watch_drop(r->set->store, id);     /* over a limit now: gone */
        return 0;
    }
    w->id = id;
    /* Events may have been lost with the last daemon; a spurious one is
     * allowed (and XS_WATCH itself fires one). */
    queue_event(r->set, w, path);
    return 0;
}

int xs_watch_restore(struct xs_watch_set *set, const struct xs_caller *who)
{
    struct restore r = { set, who };

    set->durable = true;
    return xs_store_each_kept_watch(set->store, who->domid, restore_one, &r);
}

static void watch_free(struct xs_watch_set *set, const struct xs_caller *who,
                       struct xs_watch *w)
{
    struct xs_domain *d = xs_domain_find(set->store, who->domid);

    if (d && !who->privileged && d->watches)
        d->watches--;
    set->n--;
    xs_store_watch_drop(set->store, w->id);
    free(w->path);
    free(w->token);
    free(w);
}

int xs_watch_remove(struct xs_watch_set *set, const struct xs_caller *who,
                    const char *abspath, const char *token)
{
    struct xs_watch **pw, *w;

    for (pw = &set->head; (w = *pw); pw = &w->next) {
        if (strcmp(w->path, abspath) == 0 && strcmp(w->token, token) == 0) {
            *pw = w->next;
            watch_free(set, who, w);
            return 0;
        }
    }
    return -ENOENT;
}

void xs_watch_remove_all(struct xs_watch_set *set, const struct xs_caller *who)
{
    while (set->head) {
        struct xs_watch *w = set->head;

        set->head = w->next;
        watch_free(set, who, w);
    }
}

static bool may_see(const struct xs_caller *who, const struct xs_perms *perms)
{
    if (!perms || who->privileged)
        return true;
    return (xs_perms_access(perms, who->domid, who->target) &
            XS_PERM_READ) != 0;
}

void xs_watch_fire(const struct xs_watch_set *set, const struct xs_caller *who,
                   const char *abspath, const struct xs_perms *perms,
                   bool removal)
{
    const struct xs_watch *w;
    const char *report;

    if (!may_see(who, perms))
        return;
    for (w = set->head; w; w = w->next)
        if (w->path[0] == '/' &&
            xs_watch_match(w->path, abspath, removal, &report))
            queue_event(set, w, report);
}

void xs_watch_fire_special(const struct xs_watch_set *set,
                           const struct xs_caller *who, const char *name)
{
    const struct xs_perms *perms =
        &set->store->special_perms[strcmp(name, XS_SPECIAL_INTRODUCE) == 0 ?
                                   XS_SPECIAL_INTRO : XS_SPECIAL_REL];
    const struct xs_watch *w;

    if (!may_see(who, perms))
        return;
    for (w = set->head; w; w = w->next)
        if (strcmp(w->path, name) == 0)
            queue_event(set, w, name);
}

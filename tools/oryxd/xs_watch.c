/* Watch registration and event delivery (see xs_watch.h). */
#include "xs_watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
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

static void queue_event(struct xs_conn *c, const struct xs_watch *w,
                        const char *path)
{
    size_t plen = strlen(path);

    if (w->strip && plen >= w->strip)
        path += w->strip;
    else if (w->strip)
        path += plen;                   /* the home node itself: "" */
    xs_conn_send2(c, XS_WATCH_EVENT, 0, 0, path, strlen(path) + 1,
                  w->token, strlen(w->token) + 1);
}

int xs_watch_add(struct xs_conn *c, const char *abspath, bool relative,
                 const char *token)
{
    struct xs_store *s = c->store;
    struct xs_domain *d = NULL;
    struct xs_watch *w;
    char home[32];

    for (w = c->watches; w; w = w->next)
        if (strcmp(w->path, abspath) == 0 && strcmp(w->token, token) == 0)
            return -EEXIST;
    if (c->nwatches >= s->limits.conn_watches)
        return -ENOSPC;
    if (!xs_conn_privileged(c)) {
        d = xs_domain_get(s, c->domid);
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
    if (relative) {
        xs_path_domain_home(c->domid, home, sizeof(home));
        w->strip = (uint32_t)strlen(home) + 1;
    }
    w->next = c->watches;
    c->watches = w;
    c->nwatches++;
    if (d)
        d->watches++;
    return 0;
}

static void watch_free(struct xs_conn *c, struct xs_watch *w)
{
    struct xs_domain *d = xs_domain_find(c->store, c->domid);

    if (d && !xs_conn_privileged(c) && d->watches)
        d->watches--;
    c->nwatches--;
    free(w->path);
    free(w->token);
    free(w);
}

int xs_watch_remove(struct xs_conn *c, const char *abspath, const char *token)
{
    struct xs_watch **pw, *w;

    for (pw = &c->watches; (w = *pw); pw = &w->next) {
        if (strcmp(w->path, abspath) == 0 && strcmp(w->token, token) == 0) {
            *pw = w->next;
            watch_free(c, w);
            return 0;
        }
    }
    return -ENOENT;
}

void xs_watch_remove_all(struct xs_conn *c)
{
    while (c->watches) {
        struct xs_watch *w = c->watches;

        c->watches = w->next;
        watch_free(c, w);
    }
}

static bool may_see(const struct xs_conn *c, const struct xs_perms *perms)
{
    if (!perms || xs_conn_privileged(c))
        return true;
    return (xs_perms_access(perms, c->domid, xs_conn_target(c)) &
            XS_PERM_READ) != 0;
}

void xs_watch_fire(struct xs_store *s, const char *abspath,
                   const struct xs_perms *perms, bool removal)
{
    struct xs_conn *c;
    struct xs_watch *w;
    const char *report;

    for (c = s->conns; c; c = c->next) {
        if (c->dead || !may_see(c, perms))
            continue;
        for (w = c->watches; w; w = w->next)
            if (w->path[0] == '/' &&
                xs_watch_match(w->path, abspath, removal, &report))
                queue_event(c, w, report);
    }
}

void xs_watch_fire_special(struct xs_store *s, const char *name)
{
    const struct xs_perms *perms =
        &s->special_perms[strcmp(name, XS_SPECIAL_INTRODUCE) == 0 ?
                          XS_SPECIAL_INTRO : XS_SPECIAL_REL];
    struct xs_conn *c;
    struct xs_watch *w;

    for (c = s->conns; c; c = c->next) {
        if (c->dead || !may_see(c, perms))
            continue;
        for (w = c->watches; w; w = w->next)
            if (strcmp(w->path, name) == 0)
                queue_event(c, w, name);
    }
}

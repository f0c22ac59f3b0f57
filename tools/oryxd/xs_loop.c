/* The poll loop over the transports' sources (see xs_loop.h). */
#include "xs_loop.h"

#include <errno.h>
#include <stdlib.h>

void xs_loop_init(struct xs_loop *l)
{
    l->head = NULL;
    l->n = 0;
    l->pfd = NULL;
    l->who = NULL;
    l->cap = 0;
    l->again = 0;
}

void xs_loop_fini(struct xs_loop *l)
{
    free(l->pfd);
    free(l->who);
    l->pfd = NULL;
    l->who = NULL;
    l->cap = 0;
}

void xs_loop_add(struct xs_loop *l, struct xs_loop_src *s)
{
    s->loop = l;
    s->prev = NULL;
    s->next = l->head;
    if (l->head)
        l->head->prev = s;
    l->head = s;
    l->n++;
}

void xs_loop_del(struct xs_loop_src *s)
{
    struct xs_loop *l = s->loop;

    if (!l)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        l->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    l->n--;
    s->loop = NULL;
    s->next = s->prev = NULL;
}

static int grow(struct xs_loop *l)
{
    uint32_t ncap;
    void *p1, *p2;

    if (l->n <= l->cap)
        return 0;
    ncap = l->n * 2;
    p1 = realloc(l->pfd, ncap * sizeof(*l->pfd));
    if (!p1)
        return -ENOMEM;
    l->pfd = p1;
    p2 = realloc(l->who, ncap * sizeof(*l->who));
    if (!p2)
        return -ENOMEM;
    l->who = p2;
    l->cap = ncap;
    return 0;
}

int xs_loop_run(struct xs_loop *l, volatile int *stop)
{
    for (;;) {
        struct xs_loop_src *s, *next;
        uint32_t n = 0, i;
        int rc;

        /*
         * Every source's after() first: output queued by the last round's
         * requests goes out, dead connections go, and a ring whose peer
         * wrote before the loop started is read.
         */
        l->again = 0;
        for (s = l->head; s; s = next) {
            next = s->next;
            if (s->ops->after)
                s->ops->after(s);
        }
        if (*stop || !l->head)
            return 0;
        rc = grow(l);
        if (rc)
            return rc;
        for (s = l->head; s; s = s->next) {
            short ev = s->ops->events ? s->ops->events(s) : 0;

            if (!ev || s->fd < 0)
                continue;
            l->pfd[n].fd = s->fd;
            l->pfd[n].events = ev;
            l->pfd[n].revents = 0;
            l->who[n++] = s;
        }
        if (poll(l->pfd, n, l->again ? 0 : -1) < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        /* ready() never frees a source, so who[] stays valid. */
        for (i = 0; i < n; i++) {
            if (l->pfd[i].revents && l->who[i]->ops->ready)
                l->who[i]->ops->ready(l->who[i], l->pfd[i].revents);
        }
    }
}

/* Guests' store rings (see xs_guest.h). */
#include "xs_guest.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "public/grant_table.h"
#include "xs_evtchn.h"
#include "xs_gntdev.h"
#include "xs_loop.h"
#include "xs_proto.h"
#include "xs_ring.h"

struct xs_guest {
    struct xs_loop_src src;             /* fd: its own event channel device */
    struct xs_guests *gs;
    struct xs_guest *next;
    uint16_t domid;
    int lport;
    struct xs_gnt_map page;
    struct xs_ring *ring;               /* NULL once cut off */
    int released;                       /* freed at its next after() */
};

static int guest_notify(void *ctx)
{
    struct xs_guest *g = ctx;

    return xs_evtchn_notify(g->src.fd, (uint32_t)g->lport);
}

/* The ring's release: the grant mapping and the channel. */
static void guest_release(void *ctx)
{
    struct xs_guest *g = ctx;

    xs_gntdev_unmap(g->gs->gntdev_fd, &g->page);
    if (g->src.fd >= 0) {
        if (g->lport > 0)
            xs_evtchn_unbind(g->src.fd, (uint32_t)g->lport);
        close(g->src.fd);
    }
    g->src.fd = -1;
}

static const struct xs_ring_ops guest_ring_ops = {
    .notify = guest_notify,
    .release = guest_release,
};

static void unlink_guest(struct xs_guest *g)
{
    struct xs_guest **pp;

    for (pp = &g->gs->list; *pp && *pp != g; pp = &(*pp)->next)
        ;
    if (*pp)
        *pp = g->next;
}

/* Out of the loop and the list; its ring ended. */
static void free_guest(struct xs_guest *g)
{
    xs_loop_del(&g->src);
    unlink_guest(g);
    if (g->ring)
        xs_ring_free(g->ring);          /* calls guest_release */
    else
        guest_release(g);
    free(g);
}

static short guest_events(struct xs_loop_src *s)
{
    struct xs_guest *g = s->priv;

    return g->ring ? POLLIN : 0;
}

static void guest_ready(struct xs_loop_src *s, short revents)
{
    (void)revents;
    xs_evtchn_drain(s->fd);
}

static void guest_after(struct xs_loop_src *s)
{
    struct xs_guest *g = s->priv;
    int rc;

    if (g->released) {
        free_guest(g);
        return;
    }
    if (!g->ring)
        return;
    rc = xs_ring_process(g->ring);
    if (rc > 0) {
        s->loop->again = 1;
    } else if (rc < 0) {
        /* It alone loses its store; the domain stays introduced. */
        fprintf(stderr, "oryxd: domain %u's store ring cut off: %s\n", g->domid, g->ring->why);
        xs_ring_free(g->ring);          /* calls guest_release */
        g->ring = NULL;
    }
}

static const struct xs_loop_src_ops guest_src_ops = {
    .events = guest_events,
    .ready = guest_ready,
    .after = guest_after,
};

static struct xs_guest *find(const struct xs_guests *gs, uint16_t domid)
{
    struct xs_guest *g;

    for (g = gs->list; g && (g->domid != domid || g->released); g = g->next)
        ;
    return g;
}

static int guests_introduce(void *ctx, uint16_t domid, uint64_t gfn, uint32_t port)
{
    struct xs_guests *gs = ctx;
    struct xs_guest *g;
    int rc;

    (void)gfn;                          /* the grant names the page */
    if (find(gs, domid))
        return -EEXIST;
    if (gs->gntdev_fd < 0) {
        gs->gntdev_fd = xs_gntdev_open(gs->gntdev);
        if (gs->gntdev_fd < 0)
            return gs->gntdev_fd;
    }
    g = calloc(1, sizeof(*g));
    if (!g)
        return -ENOMEM;
    g->gs = gs;
    g->domid = domid;
    g->src.fd = -1;
    rc = xs_gntdev_map(gs->gntdev_fd, domid, GNTTAB_RESERVED_XENSTORE, &g->page);
    if (rc)
        goto fail;
    g->src.fd = xs_evtchn_open(gs->evtchn);
    if (g->src.fd < 0) {
        rc = g->src.fd;
        goto fail;
    }
    g->lport = xs_evtchn_bind(g->src.fd, domid, port);
    if (g->lport < 0) {
        rc = g->lport;
        goto fail;
    }
    rc = xs_ring_new(gs->proto, g->page.addr, &guest_ring_ops, g, domid, &g->ring);
    if (rc)
        goto fail;
    g->src.ops = &guest_src_ops;
    g->src.priv = g;
    g->next = gs->list;
    gs->list = g;
    xs_loop_add(gs->loop, &g->src);
    gs->loop->again = 1;                /* it may have written already */
    return 0;
fail:
    guest_release(g);
    free(g);
    return rc;
}

static void guests_release(void *ctx, uint16_t domid)
{
    struct xs_guests *gs = ctx;
    struct xs_guest *g = find(gs, domid);

    /* Freed from its own after(): the loop may be walking the sources. */
    if (g) {
        g->released = 1;
        gs->loop->again = 1;
    }
}

const struct xs_proto_domain_ops xs_guests_ops = {
    .introduce = guests_introduce,
    .release = guests_release,
};

void xs_guests_init(struct xs_guests *g, struct xs_loop *l, struct xs_proto *p)
{
    *g = (struct xs_guests){ .loop = l, .proto = p, .gntdev_fd = -1 };
}

void xs_guests_fini(struct xs_guests *g)
{
    while (g->list)
        free_guest(g->list);
    if (g->gntdev_fd >= 0)
        close(g->gntdev_fd);
    g->gntdev_fd = -1;
}

int xs_guests_serving(const struct xs_guests *g, uint16_t domid)
{
    const struct xs_guest *s = find(g, domid);

    return s && s->ring;
}

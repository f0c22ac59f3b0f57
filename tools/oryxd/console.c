/* Guests' consoles (see console.h). */
#define _GNU_SOURCE
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "public/grant_table.h"
#include "public/io/console.h"
#include "xs_evtchn.h"
#include "xs_gntdev.h"
#include "xs_loop.h"
#include "xs_store.h"
#include "xs_tree.h"

struct console {
    struct xs_loop_src ev;              /* fd: its event channel device */
    struct xs_loop_src pty;             /* fd: the pty's master side */
    struct consoles *cs;
    struct console *next;
    uint16_t domid;
    int lport, slave_fd, log_fd;
    struct xs_gnt_map page;
    XENCONS_RING_IDX out_cons, in_prod; /* ours, kept privately */
    int warned;
    int dead;                           /* detached: each source leaves from its
                                         * own after(), the last one frees */
    int sources;                        /* of ev and pty, how many are in the loop */
};

static void write_node(struct xs_store *s, const char *path, const char *val)
{
    struct xs_node *n = xs_tree_lookup(&s->tree, path);

    if (n)
        xs_tree_set_value(&s->tree, n, val, strlen(val));
}

static void bad_ring(struct console *c, XENCONS_RING_IDX prod, XENCONS_RING_IDX cons)
{
    if (!c->warned)
        fprintf(stderr, "oryxd: domain %u's console ring indices %u/%u out of range; "
                "resyncing\n", c->domid, prod, cons);
    c->warned = 1;
}

/* The guest's output to the log and the pty. */
static void drain(struct console *c)
{
    volatile struct xencons_interface *r = c->page.addr;
    XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    char buf[XENCONS_OUT_SIZE];
    size_t n = 0;

    if (prod - c->out_cons > XENCONS_OUT_SIZE) {
        bad_ring(c, prod, c->out_cons);
        c->out_cons = prod;
    }
    while (c->out_cons != prod)
        buf[n++] = r->out[MASK_XENCONS_IDX(c->out_cons++, r->out)];
    __atomic_store_n(&r->out_cons, c->out_cons, __ATOMIC_RELEASE);
    if (!n)
        return;
    /* A full disk loses log, not the guest; a pty nobody reads fills up
     * and drops what does not fit. */
    if (c->log_fd >= 0 && write(c->log_fd, buf, n) < 0) {
    }
    if (write(c->pty.fd, buf, n) < 0) {
    }
    xs_evtchn_notify(c->ev.fd, (uint32_t)c->lport);
}

/* What was typed, into the guest's input ring as far as it fits. */
static void feed(struct console *c)
{
    volatile struct xencons_interface *r = c->page.addr;
    XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
    uint32_t space;
    char buf[XENCONS_IN_SIZE];
    ssize_t got;

    if (c->in_prod - cons > XENCONS_IN_SIZE) {
        bad_ring(c, c->in_prod, cons);
        cons = c->in_prod;
    }
    space = XENCONS_IN_SIZE - (c->in_prod - cons);
    if (!space)
        return;
    got = read(c->pty.fd, buf, space);
    if (got <= 0)
        return;
    for (ssize_t i = 0; i < got; i++)
        r->in[MASK_XENCONS_IDX(c->in_prod++, r->in)] = buf[i];
    __atomic_store_n(&r->in_prod, c->in_prod, __ATOMIC_RELEASE);
    xs_evtchn_notify(c->ev.fd, (uint32_t)c->lport);
}

static short ev_events(struct xs_loop_src *s)
{
    struct console *c = s->priv;

    return c->dead ? 0 : POLLIN;
}

static void ev_ready(struct xs_loop_src *s, short revents)
{
    struct console *c = s->priv;

    (void)revents;
    xs_evtchn_drain(s->fd);
    drain(c);
    feed(c);                            /* the guest made room */
}

static void release(struct console *c);

/* Both sources' after(): a detached console leaves the loop one source at
 * a time (the loop may hold the other as its next). */
static void src_after(struct xs_loop_src *s)
{
    struct console *c = s->priv;

    if (!c->dead)
        return;
    xs_loop_del(s);
    s->loop = NULL;
    if (--c->sources == 0)
        release(c);
}

static const struct xs_loop_src_ops ev_ops = {
    .events = ev_events, .ready = ev_ready, .after = src_after,
};

/* Typed input is read only while the guest's input ring has room: a
 * guest that never reads its console cannot make us spin. */
static short pty_events(struct xs_loop_src *s)
{
    struct console *c = s->priv;
    volatile struct xencons_interface *r = c->page.addr;
    XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);

    if (c->dead)
        return 0;
    return c->in_prod - cons < XENCONS_IN_SIZE ? POLLIN : 0;
}

static void pty_ready(struct xs_loop_src *s, short revents)
{
    struct console *c = s->priv;

    if (revents & POLLIN)
        feed(c);
}

static const struct xs_loop_src_ops pty_ops = {
    .events = pty_events, .ready = pty_ready, .after = src_after,
};

/* Everything but the loop sources (gone already, or never added). */
static void release(struct console *c)
{
    xs_gntdev_unmap(c->cs->gntdev_fd, &c->page);
    if (c->ev.fd >= 0) {
        if (c->lport > 0)
            xs_evtchn_unbind(c->ev.fd, (uint32_t)c->lport);
        close(c->ev.fd);
    }
    if (c->pty.fd >= 0)
        close(c->pty.fd);
    if (c->slave_fd >= 0)
        close(c->slave_fd);
    if (c->log_fd >= 0)
        close(c->log_fd);
    free(c);
}

/* A raw pty: what the guest writes arrives as it is. */
static int open_pty(struct console *c, char *name, size_t len)
{
    struct termios t;

    c->pty.fd = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (c->pty.fd < 0 || grantpt(c->pty.fd) || unlockpt(c->pty.fd) ||
        ptsname_r(c->pty.fd, name, len))
        return -errno;
    /* Kept open so the master never sees a hang-up while nobody is attached. */
    c->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (c->slave_fd < 0)
        return -errno;
    if (!tcgetattr(c->slave_fd, &t)) {
        cfmakeraw(&t);
        tcsetattr(c->slave_fd, TCSANOW, &t);
    }
    return 0;
}

static int open_log(struct console *c, const char *name)
{
    const char *dir = c->cs->log_dir ? c->cs->log_dir : getenv("ORYX_LOG_DIR");
    char path[512];

    if (!dir || !*dir)
        dir = CONSOLE_LOG_DIR;
    mkdir(dir, 0755);
    snprintf(path, sizeof(path), "%s/guest-%s.log", dir, name);
    c->log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (c->log_fd < 0)
        fprintf(stderr, "oryxd: domain %u's console log %s: %s\n", c->domid, path,
                strerror(errno));
    return 0;                           /* the console works without its log */
}

int consoles_attach(struct consoles *cs, uint16_t domid)
{
    char path[64], val[64], name[64], tty[128];
    struct console *c;
    unsigned long port;
    char *end;
    int rc;

    snprintf(path, sizeof(path), "/local/domain/%u/console/port", domid);
    if (xs_tree_read_str(&cs->store->tree, path, val, sizeof(val)))
        return -ENOENT;                 /* no console of ours (the hypervisor's) */
    port = strtoul(val, &end, 10);
    if (end == val || *end || !port || port > 0xfffff)
        return -EINVAL;
    snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
    if (xs_tree_read_str(&cs->store->tree, path, name, sizeof(name)) || strchr(name, '/'))
        snprintf(name, sizeof(name), "%u", domid);
    if (cs->gntdev_fd < 0) {
        cs->gntdev_fd = xs_gntdev_open(NULL);
        if (cs->gntdev_fd < 0)
            return cs->gntdev_fd;
    }
    c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    *c = (struct console){ .cs = cs, .domid = domid, .slave_fd = -1, .log_fd = -1,
                           .ev.fd = -1, .pty.fd = -1 };
    rc = xs_gntdev_map(cs->gntdev_fd, domid, GNTTAB_RESERVED_CONSOLE, &c->page);
    if (!rc) {
        c->ev.fd = xs_evtchn_open(NULL);
        rc = c->ev.fd < 0 ? c->ev.fd : 0;
    }
    if (!rc) {
        c->lport = xs_evtchn_bind(c->ev.fd, domid, (uint32_t)port);
        rc = c->lport < 0 ? c->lport : 0;
    }
    if (!rc)
        rc = open_pty(c, tty, sizeof(tty));
    if (rc) {
        release(c);
        return rc;
    }
    open_log(c, name);
    /* Go on where the guest is (a restarted daemon does not replay). */
    c->out_cons = __atomic_load_n(&((struct xencons_interface *)c->page.addr)->out_cons,
                                  __ATOMIC_ACQUIRE);
    c->in_prod = __atomic_load_n(&((struct xencons_interface *)c->page.addr)->in_prod,
                                 __ATOMIC_ACQUIRE);
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
    if (!xs_tree_lookup(&cs->store->tree, path))
        xs_tree_create(&cs->store->tree, path, 0);
    write_node(cs->store, path, tty);
    xs_store_sync(cs->store);
    c->ev.ops = &ev_ops;
    c->ev.priv = c;
    c->pty.ops = &pty_ops;
    c->pty.priv = c;
    xs_loop_add(cs->loop, &c->ev);
    xs_loop_add(cs->loop, &c->pty);
    c->sources = 2;
    c->next = cs->list;
    cs->list = c;
    drain(c);                           /* what it wrote before we came */
    return 0;
}

void consoles_detach(struct consoles *cs, uint16_t domid)
{
    struct console **pp, *c;

    for (pp = &cs->list; *pp && (*pp)->domid != domid; pp = &(*pp)->next)
        ;
    if (!(c = *pp))
        return;
    *pp = c->next;
    drain(c);
    c->dead = 1;                        /* freed from the loop (src_after) */
    cs->loop->again = 1;
}

void consoles_init(struct consoles *cs, struct xs_loop *l, struct xs_store *s)
{
    *cs = (struct consoles){ .loop = l, .store = s, .gntdev_fd = -1 };
}

void consoles_fini(struct consoles *cs)
{
    while (cs->list) {
        struct console *c = cs->list;
        cs->list = c->next;
        xs_loop_del(&c->ev);            /* the loop has stopped */
        xs_loop_del(&c->pty);
        release(c);
    }
    if (cs->gntdev_fd >= 0)
        close(cs->gntdev_fd);
    cs->gntdev_fd = -1;
}

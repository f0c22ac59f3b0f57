/* dom0's kernel over its local ring (see xs_dom0.h). */
#include "xs_dom0.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xs_evtchn.h"
#include "xs_loop.h"
#include "xs_ring.h"
#include "xs_store.h"
#include "xs_tree.h"

#define PAGE_SIZE 4096

struct xs_dom0 {
    struct xs_loop_src src;             /* fd: the event channel device */
    struct xs_ring *ring;               /* NULL once cut off */
    const char *why;                    /* why it was cut off */
    void *page;
    int lport;                          /* our end of the loopback channel */
};

static int dom0_notify(void *ctx)
{
    struct xs_dom0 *d = ctx;

    return xs_evtchn_notify(d->src.fd, (uint32_t)d->lport);
}

/* The ring's release: the mapping and our end of the channel. */
static void dom0_release(void *ctx)
{
    struct xs_dom0 *d = ctx;

    if (d->page)
        munmap(d->page, PAGE_SIZE);
    d->page = NULL;
    if (d->src.fd >= 0) {
        if (d->lport > 0)
            xs_evtchn_unbind(d->src.fd, (uint32_t)d->lport);
        close(d->src.fd);
    }
    d->src.fd = -1;
}

static const struct xs_ring_ops dom0_ring_ops = {
    .notify = dom0_notify,
    .release = dom0_release,
};

static short dom0_events(struct xs_loop_src *s)
{
    (void)s;
    return POLLIN;
}

static void dom0_ready(struct xs_loop_src *s, short revents)
{
    (void)revents;
    xs_evtchn_drain(s->fd);
}

static void dom0_after(struct xs_loop_src *s)
{
    struct xs_dom0 *d = s->priv;
    int rc = xs_ring_process(d->ring);

    if (rc > 0) {
        s->loop->again = 1;
    } else if (rc < 0) {
        /* The rest of the daemon goes on serving. */
        d->why = d->ring->why;
        fprintf(stderr, "oryxd: dom0's kernel ring cut off: %s\n", d->why);
        xs_loop_del(&d->src);
        xs_ring_free(d->ring);          /* calls dom0_release */
        d->ring = NULL;
    }
}

static const struct xs_loop_src_ops dom0_src_ops = {
    .events = dom0_events,
    .ready = dom0_ready,
    .after = dom0_after,
};

/* The port number in /proc/xen/xsd_port ("%d"). */
static int read_port(const char *path)
{
    char buf[32];
    ssize_t n;
    long v;
    char *end;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -EIO;
    buf[n] = '\0';
    v = strtol(buf, &end, 10);
    if (end == buf || (*end && *end != '\n') || v <= 0 || v > 0xfffff)
        return -EINVAL;
    return (int)v;
}

int xs_dom0_start(struct xs_loop *l, struct xs_proto *p,
                  const struct xs_dom0_paths *paths, struct xs_dom0 **out,
                  const char **what)
{
    struct xs_dom0 *d;
    int port, fd, rc;

    d = calloc(1, sizeof(*d));
    if (!d) {
        *what = "memory";
        return -ENOMEM;
    }
    d->src.fd = -1;
    port = read_port(paths->port ? paths->port : XS_DOM0_PORT);
    if (port < 0) {
        rc = port;
        *what = paths->port ? paths->port : XS_DOM0_PORT;
        goto fail;
    }
    fd = open(paths->kva ? paths->kva : XS_DOM0_KVA, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        rc = -errno;
        *what = paths->kva ? paths->kva : XS_DOM0_KVA;
        goto fail;
    }
    d->page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    rc = -errno;
    close(fd);
    if (d->page == MAP_FAILED) {
        d->page = NULL;
        *what = "mmap of the store page";
        goto fail;
    }
    d->src.fd = xs_evtchn_open(paths->evtchn);
    if (d->src.fd < 0) {
        rc = d->src.fd;
        *what = paths->evtchn ? paths->evtchn : XS_EVTCHN_DEV;
        goto fail_release;
    }
    d->lport = xs_evtchn_bind(d->src.fd, 0, (uint32_t)port);
    if (d->lport < 0) {
        rc = d->lport;
        *what = "binding the store port";
        goto fail_release;
    }
    rc = xs_ring_new(p, d->page, &dom0_ring_ops, d, 0, &d->ring);
    if (rc) {
        *what = "the ring's indices";
        goto fail_release;
    }
    d->src.ops = &dom0_src_ops;
    d->src.priv = d;
    xs_loop_add(l, &d->src);
    /* The kernel's xenbus probes on the first event from its store. */
    xs_evtchn_notify(d->src.fd, (uint32_t)d->lport);
    *out = d;
    return 0;
fail_release:
    dom0_release(d);
fail:
    free(d);
    return rc;
}

const char *xs_dom0_error(const struct xs_dom0 *d)
{
    return d->why;
}

void xs_dom0_stop(struct xs_dom0 *d)
{
    xs_loop_del(&d->src);
    if (d->ring)
        xs_ring_free(d->ring);          /* calls dom0_release */
    free(d);
}

static int write_node(struct xs_store *s, const char *path, const char *val)
{
    struct xs_node *n = xs_tree_create(&s->tree, path, 0);

    if (!n)
        return -ENOMEM;
    return xs_tree_set_value(&s->tree, n, val, strlen(val));
}

int xs_dom0_init_nodes(struct xs_store *s)
{
    int rc = write_node(s, "/local/domain/0/domid", "0");

    return rc ? rc : write_node(s, "/local/domain/0/name", "Domain-0");
}

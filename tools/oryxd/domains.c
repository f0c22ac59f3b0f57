/* Served domains and their lifecycle (see domains.h). */
#include "domains.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "console.h"
#include "public/sched.h"
#include "public/xen.h"
#include "xctl.h"
#include "xctl_dumpcore.h"
#include "xdev.h"
#include "xs_evtchn.h"
#include "xs_guest.h"
#include "xs_loop.h"
#include "xs_proto.h"
#include "xs_store.h"
#include "xs_tree.h"

struct served {
    struct served *next;
    uint16_t domid;
    int handled;                        /* its shutdown was acted on */
};

struct domains {
    struct xs_loop_src virq;            /* fd: the event channel device */
    struct xs_proto *proto;
    struct xs_session *self;            /* oryxd's own store client */
    struct xctl *xc;
    struct xs_guests guests;
    struct consoles cons;
    struct served *list;
    int check;                          /* VIRQ_DOM_EXC came: look at them */
};

/* ---- oryxd's own session: requests as dom0, replies dropped ---- */

static void self_send(void *io, uint32_t type, uint32_t req_id, uint32_t tx_id,
                      const void *a, size_t alen, const void *b, size_t blen)
{
    (void)io; (void)type; (void)req_id; (void)tx_id; (void)a; (void)alen; (void)b; (void)blen;
}

static void self_close(void *io)
{
    (void)io;
}

static const struct xs_session_ops self_ops = { .send = self_send, .close = self_close };

static void request(struct domains *ds, uint32_t type, const char *arg)
{
    struct xsd_sockmsg h = { .type = type, .len = (uint32_t)strlen(arg) + 1 };

    xs_proto_handle(ds->self, &h, arg);
}

/* A node's value as a C string ("" when missing). */
static void read_node(struct domains *ds, const char *path, char *buf, size_t len)
{
    xs_tree_read_str(&ds->proto->store->tree, path, buf, len);
}

/* ---- introduce / release (the protocol's domain ops) ---- */

static int dom_introduce(void *ctx, uint16_t domid, uint64_t gfn, uint32_t port)
{
    struct domains *ds = ctx;
    struct served *s = calloc(1, sizeof(*s));
    int rc;

    if (!s)
        return -ENOMEM;
    rc = xs_guests_ops.introduce(&ds->guests, domid, gfn, port);
    if (rc) {
        free(s);
        return rc;
    }
    rc = consoles_attach(&ds->cons, domid);
    if (rc && rc != -ENOENT)
        fprintf(stderr, "oryxd: domain %u's console: %s\n", domid, strerror(-rc));
    s->domid = domid;
    s->next = ds->list;
    ds->list = s;
    return 0;
}

static void dom_release(void *ctx, uint16_t domid)
{
    struct domains *ds = ctx;
    struct served **pp, *s;

    xs_guests_ops.release(&ds->guests, domid);
    consoles_detach(&ds->cons, domid);
    for (pp = &ds->list; *pp && (*pp)->domid != domid; pp = &(*pp)->next)
        ;
    if ((s = *pp)) {
        *pp = s->next;
        free(s);
    }
}

static const struct xs_proto_domain_ops dom_ops = {
    .introduce = dom_introduce,
    .release = dom_release,
};

/* ---- lifecycle ---- */

/*
 * Its devices' dom0 halves go first (Xen's libxl does it on destroy):
 * removing a backend directory makes dom0's blkback and netback let go
 * of the domain's rings and grants and netback delete its vif; a loop
 * device behind a file is told to end once blkback has closed it, an NBD
 * device is disconnected (its qemu-nbd ends).
 */
static void forget_devices(struct domains *ds, uint16_t domid)
{
    static const char *const kinds[] = { "vbd", "vif" };
    char dir[96], path[192], node[64];
    struct xs_node *n;
    unsigned int k, i;

    for (k = 0; k < 2; k++) {
        snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%u", kinds[k], domid);
        n = xs_tree_lookup(&ds->proto->store->tree, dir);
        for (i = 0; n && i < n->nkids; i++) {
            snprintf(path, sizeof(path), "%s/%s/node", dir, n->kids[i]->name);
            read_node(ds, path, node, sizeof(node));
            if (node[0])
                xdev_node_release(node);        /* the loop or NBD device made for it */
        }
        if (n)
            request(ds, XS_RM, dir);
    }
}

/* The domain is gone: the store forgets it. */
static void forget(struct domains *ds, uint16_t domid, int keep_config)
{
    char path[160], vm[96], cfg[256], arg[16];

    forget_devices(ds, domid);

    snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
    read_node(ds, path, vm, sizeof(vm));
    snprintf(path, sizeof(path), "%s/config", vm);
    read_node(ds, path, cfg, sizeof(cfg));
    snprintf(arg, sizeof(arg), "%u", domid);
    request(ds, XS_RELEASE, arg);       /* @releaseDomain; ring and console end */
    snprintf(path, sizeof(path), "/local/domain/%u", domid);
    request(ds, XS_RM, path);
    if (!strncmp(vm, "/vm/", 4))
        request(ds, XS_RM, vm);
    if (!keep_config && cfg[0] == '/')
        unlink(cfg);
}

/* Runs `oxl create -q CONFIG uuid=UUID name=NAME` for a restart (the
 * name as oxl rename left it); reaped in after(). */
static void restart(uint16_t domid, const char *cfg, const char *uuid, const char *name)
{
    const char *oxl = getenv("ORYX_OXL");
    char over[64], named[64];
    pid_t pid;

    if (cfg[0] != '/') {
        fprintf(stderr, "oryxd: domain %u: no saved configuration to restart it from\n", domid);
        return;
    }
    snprintf(over, sizeof(over), "uuid=\"%s\"", uuid);
    snprintf(named, sizeof(named), "name=\"%s\"", name);
    pid = fork();
    if (pid == 0) {
        execlp(oxl && *oxl ? oxl : "oxl", "oxl", "create", "-q", cfg, over,
               name[0] ? named : NULL, (char *)NULL);
        _exit(127);
    }
    if (pid < 0)
        fprintf(stderr, "oryxd: domain %u: cannot start oxl to restart it: %s\n", domid,
                strerror(errno));
}

static const char *const reason_key[] = {
    [SHUTDOWN_poweroff] = "on_poweroff", [SHUTDOWN_reboot] = "on_reboot",
    [SHUTDOWN_crash] = "on_crash", [SHUTDOWN_watchdog] = "on_watchdog",
};

/* It shut down: apply its on_* action. */
static void shut_down(struct domains *ds, struct served *s, uint32_t reason)
{
    char path[160], vm[96], action[32] = "", cfg[256], uuid[96] = "", name[40];
    const char *key = reason < sizeof(reason_key) / sizeof(reason_key[0]) ?
                      reason_key[reason] : NULL;

    s->handled = 1;
    snprintf(path, sizeof(path), "/local/domain/%u/vm", s->domid);
    read_node(ds, path, vm, sizeof(vm));
    if (key) {
        snprintf(path, sizeof(path), "%s/%s", vm, key);
        read_node(ds, path, action, sizeof(action));
    }
    if (!key || !action[0] || !strcmp(action, "preserve")) {
        xs_proto_fire_special(ds->proto, "@releaseDomain");
        return;                         /* kept for the user to look at */
    }
    snprintf(path, sizeof(path), "%s/config", vm);
    read_node(ds, path, cfg, sizeof(cfg));
    snprintf(path, sizeof(path), "%s/name", vm);
    read_node(ds, path, name, sizeof(name));
    if (!strncmp(vm, "/vm/", 4))
        snprintf(uuid, sizeof(uuid), "%s", vm + 4);
    int again = !strcmp(action, "restart") || !strcmp(action, "rename-restart") ||
                !strcmp(action, "coredump-restart");
    if (!strncmp(action, "coredump-", 9)) {
        char core[512], err[256];
        if (xctl_domain_dumpcore_crashed(ds->xc, s->domid, core, sizeof(core), err, sizeof(err)))
            fprintf(stderr, "oryxd: domain %u: %s: no core file: %s\n", s->domid, action, err);
        else
            fprintf(stderr, "oryxd: domain %u: %s: core file %s\n", s->domid, action, core);
    }
    uint16_t domid = s->domid;
    xctl_domain_destroy(ds->xc, domid);
    forget(ds, domid, again);           /* frees s */
    if (again)
        restart(domid, cfg, uuid, name);
}

static void check_domains(struct domains *ds)
{
    struct served *s, *next;

    for (s = ds->list; s; s = next) {
        struct oryx_domctl_getdomaininfo info;
        next = s->next;                 /* s may be freed below */
        if (xctl_domain_info(ds->xc, s->domid, &info) || (info.flags & ORYX_DOMINF_dying)) {
            forget(ds, s->domid, 0);
        } else if ((info.flags & ORYX_DOMINF_shutdown) && !s->handled) {
            shut_down(ds, s, info.shutdown_reason);
        }
    }
}

static short virq_events(struct xs_loop_src *src)
{
    (void)src;
    return POLLIN;
}

static void virq_ready(struct xs_loop_src *src, short revents)
{
    struct domains *ds = src->priv;

    (void)revents;
    xs_evtchn_drain(src->fd);
    ds->check = 1;
    src->loop->again = 1;
}

static void virq_after(struct xs_loop_src *src)
{
    struct domains *ds = src->priv;

    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;                               /* restarts that finished */
    if (ds->check) {
        ds->check = 0;
        check_domains(ds);
    }
}

static const struct xs_loop_src_ops virq_ops = {
    .events = virq_events, .ready = virq_ready, .after = virq_after,
};

/*
 * The domains an earlier oryxd served, as the store kept them: serve
 * the living ones again (rings and consoles pick up where they are),
 * forget the dead, and look at once at the ones that shut down meanwhile.
 */
static void adopt(struct domains *ds, struct xs_loop *l)
{
    struct xs_domain *d;

    /* forget() may add records, at the head: the walk is not disturbed. */
    for (d = ds->proto->store->domains; d; d = d->next) {
        struct oryx_domctl_getdomaininfo info;
        int rc;

        if (!d->introduced || d->domid == 0)
            continue;
        if (xctl_domain_info(ds->xc, d->domid, &info) || (info.flags & ORYX_DOMINF_dying)) {
            fprintf(stderr, "oryxd: domain %u is gone; forgetting it\n", d->domid);
            forget(ds, d->domid, 0);
            continue;
        }
        rc = dom_introduce(ds, d->domid, d->gfn, d->evtchn);
        if (rc)
            fprintf(stderr, "oryxd: cannot serve domain %u again: %s\n", d->domid,
                    strerror(-rc));
        else
            fprintf(stderr, "oryxd: serving domain %u again\n", d->domid);
    }
    ds->check = 1;
    l->again = 1;
}

int domains_start(struct xs_loop *l, struct xs_proto *p, struct domains **out,
                  const char **what)
{
    struct domains *ds = calloc(1, sizeof(*ds));
    int rc;

    if (!ds) {
        *what = "memory";
        return -ENOMEM;
    }
    ds->proto = p;
    ds->virq.fd = -1;
    xs_guests_init(&ds->guests, l, p);
    consoles_init(&ds->cons, l, p->store);
    p->dom_ops = &dom_ops;              /* ours call the guests' */
    p->dom_ctx = ds;
    ds->self = xs_session_new(p, &self_ops, ds, 0);
    if (!ds->self) {
        *what = "memory";
        rc = -ENOMEM;
        goto fail;
    }
    ds->xc = xctl_open();
    if (!ds->xc) {
        rc = -errno;
        *what = "/dev/xen/privcmd";
        goto fail;
    }
    ds->virq.fd = xs_evtchn_open(NULL);
    if (ds->virq.fd < 0) {
        rc = ds->virq.fd;
        *what = XS_EVTCHN_DEV;
        goto fail;
    }
    rc = xs_evtchn_bind_virq(ds->virq.fd, VIRQ_DOM_EXC);
    if (rc < 0) {
        *what = "binding VIRQ_DOM_EXC";
        goto fail;
    }
    ds->virq.ops = &virq_ops;
    ds->virq.priv = ds;
    xs_loop_add(l, &ds->virq);
    adopt(ds, l);
    *out = ds;
    return 0;
fail:
    domains_stop(ds);
    return rc;
}

void domains_stop(struct domains *ds)
{
    if (ds->virq.loop)
        xs_loop_del(&ds->virq);
    if (ds->virq.fd >= 0)
        close(ds->virq.fd);
    consoles_fini(&ds->cons);
    xs_guests_fini(&ds->guests);
    ds->proto->dom_ops = NULL;
    if (ds->self)
        xs_session_free(ds->self);
    xctl_close(ds->xc);
    while (ds->list) {
        struct served *s = ds->list;
        ds->list = s->next;
        free(s);
    }
    free(ds);
}

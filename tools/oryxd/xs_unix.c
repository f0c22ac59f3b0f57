/* Unix-socket transport (see xs_unix.h). */
#define _GNU_SOURCE     /* accept4 */
#include "xs_unix.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_conn.h"
#include "xs_loop.h"
#include "xs_peer.h"

/* The listener; its conns are the loop's sources whose ops are conn_src_ops. */
struct xs_unix {
    struct xs_loop_src src;             /* the listening socket */
    struct xs_proto *proto;
};

/* One socket connection: its conn's priv and a loop source. */
struct unix_priv {
    struct xs_loop_src src;
    struct xs_peer *peer;
};

static ssize_t unix_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct unix_priv *u = c->priv;
    ssize_t n = recv(u->src.fd, buf, len, MSG_DONTWAIT);

    if (n > 0)
        return n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    return -1;                          /* EOF or error */
}

static ssize_t unix_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct unix_priv *u = c->priv;
    ssize_t n = send(u->src.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -1;
}

static void unix_release(struct xs_conn *c)
{
    struct unix_priv *u = c->priv;

    xs_loop_del(&u->src);
    close(u->src.fd);
    free(u);
}

static const struct xs_conn_ops unix_ops = {
    .recv = unix_recv,
    .send = unix_send,
    .release = unix_release,
};

int xs_unix_listen(const char *path)
{
    struct sockaddr_un sa;
    int fd, rc;

    if (strlen(path) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, path);
    unlink(path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 128) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

/* ---- one connection as a loop source ---- */

static short conn_events(struct xs_loop_src *s)
{
    struct unix_priv *u = s->priv;
    struct xs_conn *c = u->peer->conn;

    return (short)((xs_conn_wants_input(c) ? POLLIN : 0) |
                   (c->out_head ? POLLOUT : 0));
}

static void conn_ready(struct xs_loop_src *s, short revents)
{
    struct unix_priv *u = s->priv;

    if (revents & (POLLIN | POLLHUP | POLLERR))
        xs_conn_input(u->peer->conn);
}

/* Replies and watch events go out at once where the socket allows. */
static void conn_after(struct xs_loop_src *s)
{
    struct unix_priv *u = s->priv;
    struct xs_conn *c = u->peer->conn;

    if (c->out_head)
        xs_conn_flush(c);
    if (c->dead)
        xs_peer_free(u->peer);          /* releases u: leaves the loop */
}

static const struct xs_loop_src_ops conn_src_ops = {
    .events = conn_events,
    .ready = conn_ready,
    .after = conn_after,
};

/* ---- the listener ---- */

static short listen_events(struct xs_loop_src *s)
{
    (void)s;
    return POLLIN;
}

static void listen_ready(struct xs_loop_src *s, short revents)
{
    struct xs_unix *x = s->priv;

    if (!(revents & POLLIN))
        return;
    for (;;) {
        int fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        struct unix_priv *u;

        if (fd < 0)
            return;
        u = calloc(1, sizeof(*u));
        if (!u) {
            close(fd);
            continue;
        }
        u->src.fd = fd;
        u->src.ops = &conn_src_ops;
        u->src.priv = u;
        u->peer = xs_peer_new(x->proto, &unix_ops, u, 0);
        if (!u->peer) {
            close(fd);                  /* over the connection limit */
            free(u);
            continue;
        }
        xs_loop_add(s->loop, &u->src);
    }
}

static const struct xs_loop_src_ops listen_src_ops = {
    .events = listen_events,
    .ready = listen_ready,
};

struct xs_unix *xs_unix_start(struct xs_loop *l, struct xs_proto *p, int lfd)
{
    struct xs_unix *x = calloc(1, sizeof(*x));

    if (!x)
        return NULL;
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    x->proto = p;
    x->src.fd = lfd;
    x->src.ops = &listen_src_ops;
    x->src.priv = x;
    xs_loop_add(l, &x->src);
    return x;
}

void xs_unix_stop(struct xs_unix *x)
{
    struct xs_loop *l = x->src.loop;
    struct xs_loop_src *s, *next;

    if (l) {
        for (s = l->head; s; s = next) {
            next = s->next;
            if (s->ops == &conn_src_ops)
                xs_peer_free(((struct unix_priv *)s->priv)->peer);
        }
    }
    xs_loop_del(&x->src);
    free(x);
}

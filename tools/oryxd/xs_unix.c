/* Unix-socket transport and event loop (see xs_unix.h). */
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
#include "xs_peer.h"

/* One socket connection; its conn's priv. */
struct unix_priv {
    struct unix_priv *next, *prev;      /* unix_list, newest first */
    int fd;
    struct xs_peer *peer;
};

/* The socket connections, newest first (the order they are served in). */
struct unix_list {
    struct unix_priv *head;
    uint32_t n;
};

static ssize_t unix_recv(struct xs_conn *c, void *buf, size_t len)
{
    struct unix_priv *u = c->priv;
    ssize_t n = recv(u->fd, buf, len, MSG_DONTWAIT);

    if (n > 0)
        return n;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    return -1;                          /* EOF or error */
}

static ssize_t unix_send(struct xs_conn *c, const void *buf, size_t len)
{
    struct unix_priv *u = c->priv;
    ssize_t n = send(u->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

    if (n >= 0)
        return n;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 0;
    return -1;
}

static void unix_release(struct xs_conn *c)
{
    struct unix_priv *u = c->priv;

    close(u->fd);
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

static void unix_link(struct unix_list *l, struct unix_priv *u)
{
    u->prev = NULL;
    u->next = l->head;
    if (l->head)
        l->head->prev = u;
    l->head = u;
    l->n++;
}

/* Unlinks u and frees its peer (which closes and frees u). */
static void unix_drop(struct unix_list *l, struct unix_priv *u)
{
    if (u->prev)
        u->prev->next = u->next;
    else
        l->head = u->next;
    if (u->next)
        u->next->prev = u->prev;
    l->n--;
    xs_peer_free(u->peer);
}

static void accept_all(struct xs_proto *p, struct unix_list *l, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        struct unix_priv *u;

        if (fd < 0)
            return;
        u = malloc(sizeof(*u));
        if (!u) {
            close(fd);
            continue;
        }
        u->fd = fd;
        u->peer = xs_peer_new(p, &unix_ops, u, 0);
        if (!u->peer) {
            close(fd);                  /* over the connection limit */
            free(u);
            continue;
        }
        unix_link(l, u);
    }
}

int xs_unix_serve(struct xs_proto *p, int lfd, volatile int *stop)
{
    struct unix_list l = { NULL, 0 };
    struct pollfd *pfd = NULL;
    struct unix_priv **who = NULL;
    uint32_t cap = 0;
    int rc = 0;

    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    while (!*stop) {
        struct unix_priv *u, *next;
        uint32_t n = 1, i;

        if (l.n + 1 > cap) {
            uint32_t ncap = (l.n + 1) * 2;
            void *p1 = realloc(pfd, ncap * sizeof(*pfd));
            void *p2 = p1 ? realloc(who, ncap * sizeof(*who)) : NULL;

            if (p1)
                pfd = p1;
            if (p2)
                who = p2;
            if (!p1 || !p2) {
                rc = -ENOMEM;
                break;
            }
            cap = ncap;
        }
        pfd[0].fd = lfd;
        pfd[0].events = POLLIN;
        for (u = l.head; u; u = u->next) {
            struct xs_conn *c = u->peer->conn;

            pfd[n].fd = u->fd;
            pfd[n].events = (short)((xs_conn_wants_input(c) ? POLLIN : 0) |
                                    (c->out_head ? POLLOUT : 0));
            pfd[n].revents = 0;
            who[n++] = u;
        }
        if (poll(pfd, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        for (i = 1; i < n; i++) {
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                xs_conn_input(who[i]->peer->conn);
        }
        /* Replies and watch events go out at once where the socket allows. */
        for (u = l.head; u; u = next) {
            struct xs_conn *c = u->peer->conn;

            next = u->next;
            if (c->out_head)
                xs_conn_flush(c);
            if (c->dead)
                unix_drop(&l, u);
        }
        if (pfd[0].revents & POLLIN)
            accept_all(p, &l, lfd);
    }
    while (l.head)
        unix_drop(&l, l.head);
    free(pfd);
    free(who);
    return rc;
}

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
#include "xs_store.h"

struct unix_priv {
    int fd;
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

static void accept_all(struct xs_store *s, int lfd)
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
        if (!xs_conn_new(s, &unix_ops, u, 0)) {
            close(fd);                  /* over the connection limit */
            free(u);
        }
    }
}

int xs_unix_serve(struct xs_store *s, int lfd, volatile int *stop)
{
    struct pollfd *pfd = NULL;
    struct xs_conn **who = NULL;
    uint32_t cap = 0;
    int rc = 0;

    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    while (!*stop) {
        struct xs_conn *c, *next;
        uint32_t n = 1, i;

        if (s->nconns + 1 > cap) {
            uint32_t ncap = (s->nconns + 1) * 2;
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
        for (c = s->conns; c; c = c->next) {
            struct unix_priv *u = c->priv;

            pfd[n].fd = u->fd;
            pfd[n].events = (short)((xs_conn_wants_input(c) ? POLLIN : 0) |
                                    (c->out_head ? POLLOUT : 0));
            pfd[n].revents = 0;
            who[n++] = c;
        }
        if (poll(pfd, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        for (i = 1; i < n; i++) {
            if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
                xs_conn_input(who[i]);
        }
        /* Replies and watch events go out at once where the socket allows. */
        for (c = s->conns; c; c = next) {
            next = c->next;
            if (c->out_head)
                xs_conn_flush(c);
            if (c->dead)
                xs_conn_free(c);
        }
        if (pfd[0].revents & POLLIN)
            accept_all(s, lfd);
    }
    free(pfd);
    free(who);
    return rc;
}

/*
 * oxl shutdown, reboot and console: the verbs that go through the guest
 * (its control/shutdown node, which Linux watches) and through oryxd
 * (the console's pseudo-terminal it names in the store).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "oxl.h"
#include "xctl.h"
#include "xs_client.h"

#define CONSOLE_ESCAPE 0x1d             /* Ctrl-], as xl console */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* Gone, or (for a shutdown) stopped and kept: what -w waits for. */
static int finished(struct xctl *x, uint16_t dom)
{
    struct oryx_domctl_getdomaininfo i;

    return xctl_domain_info(x, dom, &i) || (i.flags & ORYX_DOMINF_dying);
}

/* Asks one domain to power off or reboot. 0 or 1 (the message printed). */
static int ask(struct xctl *x, struct xs_client *xs, uint16_t dom, const char *what, int force)
{
    char path[80], *feat = NULL;
    int rc;

    (void)x;
    if (dom == 0) {
        fprintf(stderr, "oxl: dom0 is not shut down from oxl (use its own poweroff)\n");
        return 1;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/control/feature-%s", dom, what);
    rc = xs_client_read(xs, path, &feat, NULL);
    if (!force && (rc || strcmp(feat, "1"))) {
        fprintf(stderr, "oxl: domain %u: PV control interface not available: external graceful "
                "%s not possible (its kernel does not watch control/shutdown yet, or it has "
                "no store); -F writes the request anyway\n", dom,
                !strcmp(what, "poweroff") ? "shutdown" : "reboot");
        free(feat);
        return 1;
    }
    free(feat);
    snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", dom);
    rc = xs_client_write(xs, path, what, strlen(what));
    if (rc) {
        fprintf(stderr, "oxl: domain %u: writing %s: %s\n", dom, path, xs_client_strerror(rc));
        return 1;
    }
    return 0;
}

static int shutdown_verb(int argc, char **argv, const char *verb, const char *what)
{
    const struct oxl_cmd *cmd = oxl_cmd_find(verb);
    int opt, status = 0, wait = 0, all = 0, force = 0, n = 0;
    uint16_t doms[256];
    struct xctl *x;
    struct xs_client *xs;

    while ((opt = oxl_getopt(argc, argv, "wahF", NULL, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        if (opt == 'w')
            wait = 1;
        else if (opt == 'a')
            all = 1;
        else if (opt == 'F')
            force = 1;
    }
    if (all ? argc != optind : argc - optind != 1)
        return all ? (fprintf(stderr, "oxl %s: -a takes no domain\n", verb), 2)
                   : oxl_need_args(cmd, 1);
    if (!(x = oxl_open_xctl(&status)))
        return status;
    if (!(xs = oxl_open_store())) {
        xctl_close(x);
        return 1;
    }
    if (all) {
        struct oryx_domctl_getdomaininfo *list;
        int k = xctl_domain_list(x, &list);
        for (int i = 0; i < k && n < 256; i++)
            if (list[i].domain != 0 && !(list[i].flags & (ORYX_DOMINF_dying | ORYX_DOMINF_shutdown)))
                doms[n++] = list[i].domain;
        if (k > 0)
            free(list);
    } else if (oxl_lookup(x, argv[optind], &doms[0])) {
        status = 1;
    } else {
        n = 1;
    }
    for (int i = 0; i < n; i++)
        status |= ask(x, xs, doms[i], what, force);
    if (wait && !status) {
        for (int i = 0; i < n; i++) {
            while (!finished(x, doms[i]))
                sleep_ms(100);
            printf("Domain %u has been %s\n", doms[i],
                   !strcmp(what, "poweroff") ? "shut down" : "rebooted");
        }
    }
    xs_client_close(xs);
    xctl_close(x);
    return status;
}

int oxl_main_shutdown(int argc, char **argv)
{
    return shutdown_verb(argc, argv, "shutdown", "poweroff");
}

int oxl_main_reboot(int argc, char **argv)
{
    return shutdown_verb(argc, argv, "reboot", "reboot");
}

int oxl_main_sysrq(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("sysrq");
    int status, rc;
    uint16_t dom;
    struct xctl *x;
    struct xs_client *xs;
    char path[64];

    if ((status = oxl_plain_args(argc, argv, cmd, 2)) >= 0)
        return status;
    status = 0;
    const char *key = argv[optind + 1];
    if (strlen(key) != 1 || key[0] <= ' ' || key[0] > '~') {
        fprintf(stderr, "oxl sysrq: '%s': the key is one printable character (h lists them)\n",
                key);
        return 2;
    }
    if (!(x = oxl_open_domain(argv[optind], &dom, &status)))
        return status;
    xctl_close(x);
    if (dom == 0) {
        fprintf(stderr, "oxl: dom0 takes its sysrq keys from /proc/sysrq-trigger\n");
        return 1;
    }
    if (!(xs = oxl_open_store())) {
        return 1;
    }
    /* Linux watches control/sysrq, handles the key and clears the node. */
    snprintf(path, sizeof(path), "/local/domain/%u/control/sysrq", dom);
    rc = xs_client_write(xs, path, key, 1);
    if (rc)
        fprintf(stderr, "oxl: domain %u: writing %s: %s\n", dom, path, xs_client_strerror(rc));
    xs_client_close(xs);
    return rc ? 1 : 0;
}

/* Bytes from one fd to another; 0 at end of input or error. */
static int relay(int from, int to, int watch_escape, int *escaped)
{
    char buf[4096];
    ssize_t n = read(from, buf, sizeof(buf));

    if (n <= 0)
        return n < 0 && errno == EAGAIN;
    if (watch_escape) {
        char *e = memchr(buf, CONSOLE_ESCAPE, (size_t)n);
        if (e) {
            n = e - buf;
            *escaped = 1;
        }
    }
    for (ssize_t off = 0; off < n;) {
        ssize_t w = write(to, buf + off, (size_t)(n - off));
        if (w < 0 && errno == EAGAIN) {
            sleep_ms(1);
            continue;
        }
        if (w <= 0)
            return 0;
        off += w;
    }
    return !*escaped;
}

int oxl_console_attach(unsigned int domid)
{
    struct xs_client *xs = oxl_open_store();
    char path[80], *tty = NULL;
    struct termios saved, raw;
    int fd, is_tty, escaped = 0, rc;

    if (!xs)
        return 1;
    snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
    /* oryxd names the pty right after the domain is introduced. */
    for (int tries = 0; (rc = xs_client_read(xs, path, &tty, NULL)) == -ENOENT && tries < 50;
         tries++)
        sleep_ms(100);
    xs_client_close(xs);
    if (rc || !tty[0]) {
        fprintf(stderr, "oxl: domain %u has no console served by oryxd (a boot-time domain's "
                "console is the hypervisor's serial line)\n", domid);
        free(tty);
        return 1;
    }
    fd = open(tty, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "oxl: domain %u's console %s: %s\n", domid, tty, strerror(errno));
        free(tty);
        return 1;
    }
    free(tty);
    is_tty = isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &saved);
    if (is_tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    struct pollfd p[2] = { { fd, POLLIN, 0 }, { STDIN_FILENO, POLLIN, 0 } };
    int in_open = 1;
    for (;;) {
        if (poll(p, in_open ? 2 : 1, -1) < 0 && errno != EINTR)
            break;
        if ((p[0].revents & POLLIN) && !relay(fd, STDOUT_FILENO, 0, &escaped))
            break;
        if (p[0].revents & (POLLHUP | POLLERR))
            break;
        if (in_open && (p[1].revents & (POLLIN | POLLHUP))) {
            if (!relay(STDIN_FILENO, fd, 1, &escaped)) {
                if (escaped)
                    break;
                in_open = 0;            /* input ended: keep printing output */
            }
        }
    }
    if (is_tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(fd);
    return 0;
}

int oxl_main_console(int argc, char **argv)
{
    const struct oxl_cmd *cmd = oxl_cmd_find("console");
    int opt, status = 0;
    uint16_t dom;
    struct xctl *x;

    while ((opt = oxl_getopt(argc, argv, "t:n:h", NULL, cmd, &status)) != -1) {
        if (opt == -2)
            return status;
        if (opt == 't' && strcmp(optarg, "pv") && strcmp(optarg, "serial")) {
            fprintf(stderr, "oxl console: -t %s: the type is pv or serial\n", optarg);
            return 2;
        }
        if (opt == 'n' && strcmp(optarg, "0")) {
            fprintf(stderr, "oxl console: -n %s: a PVH guest has one console, number 0\n",
                    optarg);
            return 1;
        }
    }
    if (argc - optind != 1)
        return oxl_need_args(cmd, 1);
    if (!(x = oxl_open_domain(argv[optind], &dom, &status)))
        return status;
    xctl_close(x);
    return oxl_console_attach(dom);
}

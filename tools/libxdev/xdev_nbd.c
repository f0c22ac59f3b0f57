/*
 * Disk images in formats a loop device cannot serve (qcow2, qcow, vhd,
 * qed): QEMU's qemu-nbd serves the image on a local NBD device, which
 * blkback then opens like any other block device. Xen sends such images
 * to a QEMU back end (qdisk) instead; here dom0's blkback serves every
 * disk, and a well-kept image reader does the format. The release is the
 * kernel's own NBD ioctls, so oryxd can end a gone guest's devices
 * without qemu-nbd.
 */
#include "xdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NBD_MAX_DEVICES 256
#define NBD_RUN_DIR     "/run/oryx"

/* Runs argv with stdin and stdout on /dev/null; its stderr's first line
 * goes to msg. Returns its exit status, 127 when it could not run. */
static int run(char *const argv[], char *msg, size_t msglen)
{
    int p[2], status;
    pid_t pid;
    ssize_t n;

    msg[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0)
        return -errno;
    pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -errno;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(p[1], 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* qemu-nbd --fork leaves a server behind that may hold the pipe:
     * take what is there now, without waiting for its end. */
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    n = read(p[0], msg, msglen - 1);
    close(p[0]);
    if (n > 0) {
        msg[n] = '\0';
        msg[strcspn(msg, "\n")] = '\0';
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int sys_exists(const char *fmt, int i)
{
    char path[64];

    snprintf(path, sizeof(path), fmt, i);
    return access(path, F_OK) == 0;
}

/* /dev/nbdN and its numbers, made when devtmpfs is not mounted. */
static int nbd_node(int i, char *node, size_t nodelen, unsigned int *major, unsigned int *minor)
{
    char path[64], dev[32] = "";
    struct stat st;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/block/nbd%d/dev", i);
    f = fopen(path, "re");
    if (f == NULL)
        return -errno;
    if (fgets(dev, sizeof(dev), f) == NULL || sscanf(dev, "%u:%u", major, minor) != 2) {
        fclose(f);
        return -EIO;
    }
    fclose(f);
    snprintf(node, nodelen, "/dev/nbd%d", i);
    if (stat(node, &st) < 0 &&
        mknod(node, S_IFBLK | 0660, makedev(*major, *minor)) < 0 && errno != EEXIST)
        return -errno;
    return 0;
}

int xdev_nbd_attach(const char *file, const char *format, int ro, char *node, size_t nodelen,
                    unsigned int *major, unsigned int *minor, char *err, size_t errlen)
{
    char conn[48], fmt[32], sock[64], msg[256];
    int i, rc, waited;

    if (access("/sys/module/nbd", F_OK) != 0) {
        char *modprobe[] = { "modprobe", "nbd", NULL };
        rc = run(modprobe, msg, sizeof(msg));
        if (access("/sys/module/nbd", F_OK) != 0) {
            snprintf(err, errlen, "the kernel's nbd module, which serves %s images, did not load "
                     "(modprobe nbd: %s)", format, rc == 127 ? "not found" : msg);
            return -ENODEV;
        }
        for (waited = 0; waited < 50 && !sys_exists("/sys/block/nbd%d", 0); waited++)
            pause_ms(20);
    }
    for (i = 0; i < NBD_MAX_DEVICES && sys_exists("/sys/block/nbd%d", i); i++) {
        if (sys_exists("/sys/block/nbd%d/pid", i))
            continue;                   /* connected: someone's disk */
        rc = nbd_node(i, node, nodelen, major, minor);
        if (rc)
            continue;
        snprintf(conn, sizeof(conn), "--connect=%s", node);
        snprintf(fmt, sizeof(fmt), "--format=%s", format);
        /* Its own socket between server and kernel client goes to our
         * run directory, not /var/lock (a minimal dom0 may lack it). */
        mkdir(NBD_RUN_DIR, 0700);
        snprintf(sock, sizeof(sock), "--socket=" NBD_RUN_DIR "/qemu-nbd-nbd%d", i);
        char *argv[10];
        int a = 0;
        argv[a++] = "qemu-nbd";
        argv[a++] = "--fork";
        argv[a++] = conn;
        argv[a++] = fmt;
        argv[a++] = sock;
        argv[a++] = "--discard=unmap";
        if (ro)
            argv[a++] = "--read-only";
        argv[a++] = "--";
        argv[a++] = (char *)file;
        argv[a] = NULL;
        rc = run(argv, msg, sizeof(msg));
        if (rc == 0) {
            /* --fork returns once the server runs; the kernel marks the
             * device connected a moment later. */
            for (waited = 0; waited < 250 && !sys_exists("/sys/block/nbd%d/pid", i); waited++)
                pause_ms(20);
            if (sys_exists("/sys/block/nbd%d/pid", i))
                return 0;
            xdev_nbd_detach(node);
            snprintf(err, errlen, "qemu-nbd started for '%s' but %s never connected", file, node);
            return -ETIMEDOUT;
        }
        if (rc == 127) {
            snprintf(err, errlen, "qemu-nbd (Debian's qemu-utils) is needed in dom0 to serve %s "
                     "images, and it is not installed", format);
            return -ENOENT;
        }
        if (sys_exists("/sys/block/nbd%d/pid", i))
            continue;                   /* another toolstack took it first */
        snprintf(err, errlen, "qemu-nbd cannot serve '%s' as %s: %s", file, format,
                 msg[0] ? msg : "it failed");
        return -EINVAL;
    }
    snprintf(err, errlen, "no free NBD device for '%s' (all %d in use)", file, i);
    return -EBUSY;
}

int xdev_nbd_detach(const char *node)
{
    int fd, rc = 0;

    fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ioctl(fd, NBD_CLEAR_QUE);           /* a no-op on new kernels */
    if (ioctl(fd, NBD_DISCONNECT) < 0)
        rc = -errno;
    ioctl(fd, NBD_CLEAR_SOCK);
    close(fd);
    return rc;
}

int xdev_node_release(const char *node)
{
    if (strncmp(node, "/dev/nbd", 8) == 0)
        return xdev_nbd_detach(node);
    if (strncmp(node, "/dev/loop", 9) == 0)
        return xdev_loop_detach(node);
    return 0;                           /* phy: nothing of ours behind it */
}

/* /dev/xen/evtchn (see xs_evtchn.h). */
#include "xs_evtchn.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Linux uapi: _IOC(_IOC_NONE, 'E', nr, size). */
#define EVTCHN_IOC(nr, size) ((unsigned long)(((size) << 16) | ('E' << 8) | (nr)))

struct evtchn_ioc_bind_interdomain { uint32_t remote_domain, remote_port; };
struct evtchn_ioc_port { uint32_t port; };
struct evtchn_ioc_bind_virq { uint32_t virq; };

#define IOCTL_EVTCHN_BIND_INTERDOMAIN \
    EVTCHN_IOC(1, sizeof(struct evtchn_ioc_bind_interdomain))
#define IOCTL_EVTCHN_BIND_VIRQ EVTCHN_IOC(0, sizeof(struct evtchn_ioc_bind_virq))
#define IOCTL_EVTCHN_UNBIND EVTCHN_IOC(3, sizeof(struct evtchn_ioc_port))
#define IOCTL_EVTCHN_NOTIFY EVTCHN_IOC(4, sizeof(struct evtchn_ioc_port))

_Static_assert(IOCTL_EVTCHN_BIND_INTERDOMAIN == 0x00084501, "bind_interdomain");
_Static_assert(IOCTL_EVTCHN_BIND_VIRQ == 0x00044500, "bind_virq");
_Static_assert(IOCTL_EVTCHN_UNBIND == 0x00044503, "unbind");
_Static_assert(IOCTL_EVTCHN_NOTIFY == 0x00044504, "notify");

int xs_evtchn_open(const char *path)
{
    int fd = open(path ? path : XS_EVTCHN_DEV, O_RDWR | O_CLOEXEC | O_NONBLOCK);

    return fd < 0 ? -errno : fd;
}

int xs_evtchn_bind(int fd, uint32_t domid, uint32_t remote_port)
{
    struct evtchn_ioc_bind_interdomain b = { domid, remote_port };
    int rc = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

    return rc < 0 ? -errno : rc;
}

int xs_evtchn_bind_virq(int fd, uint32_t virq)
{
    struct evtchn_ioc_bind_virq b = { virq };
    int rc = ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &b);

    return rc < 0 ? -errno : rc;
}

int xs_evtchn_unbind(int fd, uint32_t port)
{
    struct evtchn_ioc_port p = { port };

    return ioctl(fd, IOCTL_EVTCHN_UNBIND, &p) < 0 ? -errno : 0;
}

int xs_evtchn_notify(int fd, uint32_t port)
{
    struct evtchn_ioc_port p = { port };

    return ioctl(fd, IOCTL_EVTCHN_NOTIFY, &p) < 0 ? -errno : 0;
}

int xs_evtchn_drain(int fd)
{
    uint32_t ports[64];
    int total = 0;

    for (;;) {
        ssize_t n = read(fd, ports, sizeof(ports));

        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return total;
            return -errno;
        }
        if (n == 0 || n % sizeof(ports[0]))
            return total ? total : -EIO;
        /* Writing a port back unmasks it. */
        if (write(fd, ports, (size_t)n) != n)
            return -EIO;
        total += (int)(n / sizeof(ports[0]));
        if ((size_t)n < sizeof(ports))
            return total;
    }
}

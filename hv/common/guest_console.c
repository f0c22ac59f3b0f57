/*
 * console_io from guests: output goes to the hypervisor console a line at
 * a time, prefixed with the domain's name, so guests' lines never mix.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <oryx/hypercall.h>
#include <oryx/console.h>
#include <public/xen.h>

#define CONSOLE_IO_MAX 16384    /* bytes per call; more is -E2BIG */

static void flush_line(struct domain *d)
{
    if (d->con_len) {
        printk("(%s) %.*s\n", d->name, (int)d->con_len, d->con_line);
        d->con_len = 0;
    }
}

void guest_console_put(struct domain *d, const char *buf, size_t len)
{
    spin_lock(&d->con_lock);
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n') {
            flush_line(d);
            continue;
        }
        if (c == '\r' || c == '\0')
            continue;
        if ((unsigned char)c < 0x20 && c != '\t')
            c = '?';    /* no escape sequences from guests */
        d->con_line[d->con_len++] = c;
        if (d->con_len == sizeof(d->con_line))
            flush_line(d);
    }
    spin_unlock(&d->con_lock);
}

long do_console_io(struct vcpu *v, const struct hcall_args *args)
{
    uint64_t count = args->a[1], buf = args->a[2];
    char chunk[256];

    switch (args->a[0]) {
    case CONSOLEIO_write:
        if (count > CONSOLE_IO_MAX)
            return -E2BIG;
        for (uint64_t done = 0; done < count;) {
            size_t n = MIN(sizeof(chunk), count - done);
            if (copy_from_guest(v, chunk, buf + done, n))
                return -EFAULT;
            guest_console_put(v->domain, chunk, n);
            done += n;
        }
        return 0;
    case CONSOLEIO_read:
        return -EPERM;      /* control domain only */
    default:
        return -ENOSYS;
    }
}

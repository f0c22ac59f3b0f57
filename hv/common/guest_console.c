/*
 * console_io from guests: output goes to the hypervisor console a line at
 * a time, prefixed with the domain's name, so guests' lines never mix.
 * The domain holding the keyboard is the exception: what it has written of
 * the current line (its shell prompt, the echo of what is typed) shows at
 * once, so the user does not type blind.
 */
#include <oryx/lib.h>
#include <oryx/errno.h>
#include <oryx/domain.h>
#include <asm/guest_access.h>
#include <oryx/hypercall.h>
#include <oryx/console.h>
#include <oryx/vconsole.h>
#include <public/xen.h>

#define CONSOLE_IO_MAX 16384    /* bytes per call; more is -E2BIG */

static void flush_line(struct domain *d)
{
    if (d->con_shown)       /* the start of the line is out already */
        printk("%.*s\n", (int)(d->con_len - d->con_shown), d->con_line + d->con_shown);
    else if (d->con_len)
        printk("(%s) %.*s\n", d->name, (int)d->con_len, d->con_line);
    d->con_len = 0;
    d->con_shown = 0;
}

/* Show the unterminated rest of the line (keyboard-focus domain only). */
static void show_partial(struct domain *d)
{
    if (d->con_len == d->con_shown)
        return;
    if (!d->con_shown)
        printk("(%s) ", d->name);
    printk("%.*s", (int)(d->con_len - d->con_shown), d->con_line + d->con_shown);
    d->con_shown = d->con_len;
}

void guest_console_break(struct domain *d)
{
    spin_lock(&d->con_lock);
    if (d->con_shown) {
        printk("\n");
        d->con_shown = 0;   /* the whole line is printed again when it ends */
    }
    spin_unlock(&d->con_lock);
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
    if (d->con_len && vconsole_has_focus(d))
        show_partial(d);
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
            if (is_control_domain(v->domain))
                console_write(chunk, n);        /* the console is dom0's: raw, as Xen */
            else
                guest_console_put(v->domain, chunk, n);
            done += n;
        }
        return 0;
    case CONSOLEIO_read: {
        size_t n;
        if (!is_control_domain(v->domain))
            return -EPERM;
        n = vconsole_hwdom_read(v->domain, chunk, MIN(sizeof(chunk), count));
        if (n && copy_to_guest(v, buf, chunk, n))
            return -EFAULT;     /* those bytes are lost, as on a failed read(2) */
        return (long)n;
    }
    default:
        return -ENOSYS;
    }
}

/* Line-buffered console and a small printf (d i u x X p s c %, flags 0 -,
 * width, length l ll z). */
#include <stdint.h>
#include "console.h"
#include "arch.h"
#include "hypercall.h"
#include "string.h"

#define LINE_MAX 256

static bool use_debugcon;
static char line[LINE_MAX];
static size_t line_len;

void cons_set_debugcon(bool on)
{
    use_debugcon = on;
}

bool cons_debugcon(void)
{
    return use_debugcon;
}

static void debugcon_write(const char *s, size_t len)
{
    while (len--)
        outb(DEBUGCON_PORT, (uint8_t)*s++);
}

void cons_flush(void)
{
    long rc;

    if (!line_len)
        return;
    if (use_debugcon) {
        debugcon_write(line, line_len);
    } else {
        rc = HYPERVISOR_console_io(CONSOLEIO_write, line_len, line);
        /* As Linux does: a refused console_io falls back to port 0xE9. */
        if (rc < 0)
            debugcon_write(line, line_len);
    }
    line_len = 0;
}

void cons_putc(char c)
{
    line[line_len++] = c;
    if (c == '\n' || line_len == LINE_MAX)
        cons_flush();
}

void cons_write(const char *s, size_t len)
{
    while (len--)
        cons_putc(*s++);
}

/* ---- formatting ------------------------------------------------------- */

struct sink {
    char *buf;          /* NULL: console */
    size_t size;
    size_t pos;         /* characters produced so far */
};

static void sink_put(struct sink *k, char c)
{
    if (!k->buf)
        cons_putc(c);
    else if (k->pos + 1 < k->size)
        k->buf[k->pos] = c;
    k->pos++;
}

static void put_padded(struct sink *k, const char *s, size_t len,
                       int width, bool left, char pad)
{
    int fill = width > (int)len ? width - (int)len : 0;

    if (!left)
        while (fill-- > 0)
            sink_put(k, pad);
    while (len--)
        sink_put(k, *s++);
    if (left)
        while (fill-- > 0)
            sink_put(k, ' ');
}

static void put_number(struct sink *k, uint64_t v, unsigned int base,
                       bool neg, bool upper, int width, bool left, char pad)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    size_t n = 0;

    do {
        uint64_t r;

        v = div64(v, base, &r);
        tmp[sizeof(tmp) - 1 - n++] = digits[r];
    } while (v);
    if (neg) {
        if (pad == '0') {
            sink_put(k, '-');
            width--;
        } else {
            tmp[sizeof(tmp) - 1 - n++] = '-';
        }
    }
    put_padded(k, tmp + sizeof(tmp) - n, n, width, left, pad);
}

static void format(struct sink *k, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        bool left = false, upper = false;
        char pad = ' ';
        int width = 0, lng = 0;
        uint64_t u;
        int64_t s;

        if (*fmt != '%') {
            sink_put(k, *fmt);
            continue;
        }
        fmt++;
        for (;; fmt++) {
            if (*fmt == '-')
                left = true;
            else if (*fmt == '0')
                pad = '0';
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'z')
                lng = sizeof(size_t) == 8 ? 2 : 0;
            else
                break;
        }
        if (left)
            pad = ' ';
        switch (*fmt) {
        case 'd':
        case 'i':
            if (lng >= 2)
                s = va_arg(ap, long long);
            else if (lng == 1)
                s = va_arg(ap, long);
            else
                s = va_arg(ap, int);
            u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
            put_number(k, u, 10, s < 0, false, width, left, pad);
            break;
        case 'u':
        case 'x':
        case 'X':
            if (lng >= 2)
                u = va_arg(ap, unsigned long long);
            else if (lng == 1)
                u = va_arg(ap, unsigned long);
            else
                u = va_arg(ap, unsigned int);
            upper = *fmt == 'X';
            put_number(k, u, *fmt == 'u' ? 10 : 16, false, upper, width,
                       left, pad);
            break;
        case 'p':
            sink_put(k, '0');
            sink_put(k, 'x');
            put_number(k, (uintptr_t)va_arg(ap, void *), 16, false, false,
                       width, left, pad);
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);

            if (!str)
                str = "(null)";
            put_padded(k, str, strlen(str), width, left, ' ');
            break;
        }
        case 'c':
            sink_put(k, (char)va_arg(ap, int));
            break;
        case '%':
            sink_put(k, '%');
            break;
        case '\0':
            return;
        default:
            sink_put(k, '%');
            sink_put(k, *fmt);
            break;
        }
    }
}

int vprintf(const char *fmt, va_list ap)
{
    struct sink k = { 0, 0, 0 };

    format(&k, fmt, ap);
    return (int)k.pos;
}

int printf(const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct sink k = { buf, size, 0 };

    format(&k, fmt, ap);
    if (size)
        buf[k.pos < size ? k.pos : size - 1] = '\0';
    return (int)k.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

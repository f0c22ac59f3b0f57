/*
 * Formatted output: %d %i %u %x %X %o %p %s %c %% with the l, ll, z and
 * h length modifiers, '-' '0' '#' flags, width and precision (also '*').
 * Not built into host tests (libc's conflicts).
 */
#include <oryx/lib.h>

struct out {
    char *buf;
    size_t size;
    size_t len;     /* characters that would have been written */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void put_num(struct out *o, unsigned long long v, bool neg, unsigned base,
                    bool upper, int width, int prec, bool left, bool zero,
                    const char *prefix)
{
    char tmp[24];
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int n = 0, plen = prefix ? (int)strlen(prefix) : 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (prec == 0 && n == 1 && tmp[0] == '0')
        n = 0;
    int digits_n = n > prec ? n : prec;
    int total = digits_n + plen + (neg ? 1 : 0);

    if (!left && !zero)
        for (; width > total; width--)
            put(o, ' ');
    if (neg)
        put(o, '-');
    for (int i = 0; i < plen; i++)
        put(o, prefix[i]);
    if (!left && zero)
        for (; width > total; width--)
            put(o, '0');
    for (int i = digits_n; i > n; i--)
        put(o, '0');
    while (n)
        put(o, tmp[--n]);
    if (left)
        for (; width > total; width--)
            put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        bool left = false, zero = false, alt = false;
        int width = 0, prec = -1, lmod = 0;

        for (fmt++;; fmt++) {
            if (*fmt == '-') left = true;
            else if (*fmt == '0') zero = true;
            else if (*fmt == '#') alt = true;
            else break;
        }
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        if (*fmt == '.') {
            prec = 0;
            fmt++;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
        }
        for (;; fmt++) {
            if (*fmt == 'l') lmod++;
            else if (*fmt == 'z') lmod = 2;
            else if (*fmt == 'h') continue;
            else break;
        }
        if (prec >= 0)
            zero = false;

        unsigned long long u;
        long long s;
        switch (*fmt) {
        case 'd':
        case 'i':
            s = lmod >= 2 ? va_arg(ap, long long) : lmod == 1 ? va_arg(ap, long) : va_arg(ap, int);
            put_num(&o, s < 0 ? -(unsigned long long)s : (unsigned long long)s, s < 0,
                    10, false, width, prec, left, zero, NULL);
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            u = lmod >= 2 ? va_arg(ap, unsigned long long)
                : lmod == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            put_num(&o, u, false, *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16, *fmt == 'X',
                    width, prec, left, zero,
                    alt && u ? (*fmt == 'o' ? "0" : *fmt == 'X' ? "0X" : "0x") : NULL);
            break;
        case 'p':
            u = (uintptr_t)va_arg(ap, void *);
            put_num(&o, u, false, 16, false, width, prec, left, zero, "0x");
            break;
        case 'c':
            put(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            int len = (int)strnlen(str, prec >= 0 ? (size_t)prec : (size_t)-1);
            if (!left)
                for (; width > len; width--)
                    put(&o, ' ');
            for (int i = 0; i < len; i++)
                put(&o, str[i]);
            for (; width > len; width--)
                put(&o, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            fmt--;
            break;
        default:
            put(&o, '%');
            put(&o, *fmt);
            break;
        }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
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

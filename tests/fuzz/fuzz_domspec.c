/*
 * libFuzzer target over the boot-time domain specifications
 * (hv/common/domspec.c, hv/lib/parse.c): the boot modules' command lines.
 * The input is split at NUL bytes into up to 16 module lines.
 *
 * Checked beyond "no crash, no UB": every domain domspec_scan() accepts
 * has a valid name, memory and vCPU count in range, known actions, a
 * NUL-terminated command line, an initrd that is another module, and no
 * other accepted domain of the same name; refusals say why.
 */
#include <stdlib.h>
#include <string.h>

#include <oryx/domspec.h>
#include <oryx/errno.h>
#include <oryx/lib.h>

#define MAX_MODS 16
#define MAX_DOMS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_spec(const struct domspec *d)
{
    if (!memchr(d->name, '\0', sizeof(d->name)) || !domspec_name_valid(d->name))
        abort();
    if (d->mem_bytes < DOMSPEC_MEM_MIN || d->mem_bytes > DOMSPEC_MEM_MAX ||
        d->mem_bytes % 4096)
        abort();
    if (d->vcpus < 1 || d->vcpus > DOMSPEC_VCPUS_MAX)
        abort();
    if (d->on_poweroff > DOMSPEC_PRESERVE || d->on_reboot > DOMSPEC_PRESERVE ||
        d->on_crash > DOMSPEC_PRESERVE)
        abort();
    if (!memchr(d->cmdline, '\0', sizeof(d->cmdline)))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct domspec_entry out[MAX_DOMS];
    const char *lines[MAX_MODS];
    char *buf = malloc(size + 1);
    size_t n = 0, got, i, j;

    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    for (char *p = buf; n < MAX_MODS && p <= buf + size; p += strlen(p) + 1)
        lines[n++] = (size && p[0] == '-' && p[1] == '\0') ? NULL : p;   /* "-": no line */

    for (i = 0; i < n; i++) {
        struct domspec d;
        char err[96], for_name[DOMSPEC_NAME_MAX];

        memset(err, 0x5a, sizeof(err));
        switch (domspec_classify(lines[i] ? lines[i] : "")) {
        case DOMSPEC_MOD_DOMAIN:
            if (domspec_parse(lines[i] ? lines[i] : "", &d, err, sizeof(err)) == 0)
                check_spec(&d);
            else if (!memchr(err, '\0', sizeof(err)))
                abort();
            break;
        case DOMSPEC_MOD_INITRD:
            if (domspec_parse_initrd(lines[i] ? lines[i] : "", for_name, err, sizeof(err)) == 0) {
                if (!memchr(for_name, '\0', sizeof(for_name)) ||
                    (for_name[0] && !domspec_name_valid(for_name)))
                    abort();
            } else if (!memchr(err, '\0', sizeof(err))) {
                abort();
            }
            break;
        case DOMSPEC_MOD_OTHER:
            break;
        default:
            abort();
        }
    }

    got = domspec_scan(lines, n, out, MAX_DOMS);
    if (got > MAX_DOMS || got > n)
        abort();
    for (i = 0; i < got; i++) {
        const struct domspec_entry *e = &out[i];

        if (e->kernel_module >= n || (i && e->kernel_module <= out[i - 1].kernel_module))
            abort();
        if (!memchr(e->err, '\0', sizeof(e->err)))
            abort();
        if (e->rc) {
            if (!e->err[0])
                abort();            /* a refusal says why */
            continue;
        }
        check_spec(&e->spec);
        if (e->initrd_module != -1 &&
            (e->initrd_module < 0 || (size_t)e->initrd_module >= n ||
             (uint32_t)e->initrd_module == e->kernel_module))
            abort();
        for (j = 0; j < i; j++)
            if (!out[j].rc && !strcmp(out[j].spec.name, e->spec.name))
                abort();            /* two accepted domains of one name */
        for (j = 0; j < i; j++)
            if (!out[j].rc && e->initrd_module != -1 && out[j].initrd_module == e->initrd_module)
                abort();            /* one initrd for two domains */
    }
    free(buf);
    return 0;
}

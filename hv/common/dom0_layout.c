/*
 * dom0's size, memory map and ACPI tables (oryx/dom0_layout.h). Option
 * syntax and sizing follow Xen's dom0_mem= and dom0_max_vcpus=; the map
 * and the tables follow what Xen gives a PVH dom0 (research note
 * pvh-dom0-abi.md §2.1, §3.1), with dom0 RAM identity-mapped (§2.4).
 */
#include <oryx/dom0_layout.h>
#include <oryx/errno.h>
#include <oryx/lib.h>

_Static_assert(sizeof(unsigned int) == sizeof(uint32_t), "vCPU counts are 32-bit");

/* ---- dom0_mem= ------------------------------------------------------- */

static bool is_unit(char c)
{
    return c == 'K' || c == 'k' || c == 'M' || c == 'm' ||
           c == 'G' || c == 'g' || c == 'T' || c == 't';
}

/*
 * One number of a size: with a K/M/G/T unit (parse_u64 applies it), a B
 * unit (bytes), '%' (a percentage, *pct set), or none: KiB, Xen's default.
 */
static int parse_mem_number(const char *s, const char **end, uint64_t *val, bool *pct)
{
    const char *p;
    uint64_t v;

    if (parse_u64(s, &p, &v, true))
        return -EINVAL;
    *pct = false;
    if (p > s && is_unit(p[-1])) {
        /* parse_u64 took the unit */
    } else if (*p == 'B' || *p == 'b') {
        p++;
    } else if (*p == '%') {
        if (v >= 100)
            return -EINVAL;
        *pct = true;
        p++;
    } else {
        if (v > (UINT64_MAX >> 10))
            return -EINVAL;
        v <<= 10;
    }
    *val = v;
    *end = p;
    return 0;
}

/* [-]<size> | [-]<frac>% | [-]<size>+<frac>%, ended by ',' or NUL. */
static int parse_mem_size(const char *s, const char **end, struct dom0_mem_size *out)
{
    struct dom0_mem_size t = { .set = true };
    uint64_t v;
    bool pct;

    if (*s == '-') {
        t.minus = true;
        s++;
    }
    if (parse_mem_number(s, &s, &v, &pct))
        return -EINVAL;
    if (!pct && *s == '+') {
        t.bytes = v;
        if (parse_mem_number(s + 1, &s, &v, &pct) || !pct)
            return -EINVAL;
    }
    if (pct)
        t.percent = (uint32_t)v;
    else
        t.bytes = v;
    if (*s != '\0' && *s != ',')
        return -EINVAL;
    *out = t;
    *end = s;
    return 0;
}

int dom0_mem_parse(const char *s, struct dom0_mem_opt *o)
{
    struct dom0_mem_opt t = *o;
    struct dom0_mem_size *dst;

    if (!s || !*s)
        return -EINVAL;
    for (;;) {
        if (!strncmp(s, "min:", 4)) {
            dst = &t.min;
            s += 4;
        } else if (!strncmp(s, "max:", 4)) {
            dst = &t.max;
            s += 4;
        } else {
            dst = &t.amount;
        }
        if (parse_mem_size(s, &s, dst))
            return -EINVAL;
        if (*s == '\0')
            break;
        s++;                    /* the ',': an empty item after it fails */
    }
    *o = t;
    return 0;
}

/* A size in bytes against avail; saturates where Xen's would wrap. */
static uint64_t mem_size_bytes(const struct dom0_mem_size *sz, uint64_t avail)
{
    uint64_t part = avail / 100 * sz->percent + avail % 100 * sz->percent / 100;
    uint64_t v = sz->bytes > UINT64_MAX - part ? UINT64_MAX : sz->bytes + part;

    if (sz->minus)
        return v >= avail ? 0 : avail - v;
    return v;
}

uint64_t dom0_mem_compute(const struct dom0_mem_opt *o, uint64_t avail, const char **warn)
{
    const struct dom0_mem_size *a = &o->amount;
    const char *w = NULL;
    uint64_t n;

    /* Xen: a zero amount ("dom0_mem=0") also means the default. */
    if (!a->set || (!a->minus && !a->bytes && !a->percent))
        n = avail - MIN(avail / 16, DOM0_MEM_RESERVE_MAX);
    else
        n = mem_size_bytes(a, avail);
    if (o->min.set)
        n = MAX(n, mem_size_bytes(&o->min, avail));
    if (o->max.set)             /* after min: max wins, as in Xen */
        n = MIN(n, mem_size_bytes(&o->max, avail));
    if (n > avail) {
        n = avail;
        w = "dom0_mem asks for more than the host's free memory: dom0 gets all of it";
    }
    n = ALIGN_DOWN(n, PAGE_SIZE);
    if (n < DOM0_MEM_FLOOR) {
        if (avail >= DOM0_MEM_FLOOR) {
            n = DOM0_MEM_FLOOR;
            w = "dom0_mem gives dom0 less than 16 MiB: raised to 16 MiB";
        } else {
            n = ALIGN_DOWN(avail, PAGE_SIZE);
            w = "the host has less than 16 MiB free: dom0 gets all of it";
        }
    }
    if (warn)
        *warn = w;
    return n;
}

/* ---- dom0_max_vcpus= ------------------------------------------------- */

static int parse_vcpu_count(const char *s, const char **end, unsigned int *v)
{
    uint64_t x;

    if (parse_u64(s, end, &x, false) || x == 0 || x > UINT32_MAX)
        return -EINVAL;
    *v = (unsigned int)x;
    return 0;
}

int dom0_vcpus_parse(const char *s, unsigned int *min, unsigned int *max)
{
    unsigned int lo = 1, hi = DOM0_VCPUS_UNLIMITED;
    const char *p;

    if (!s)
        return -EINVAL;
    if (*s == '-') {                            /* -M */
        if (parse_vcpu_count(s + 1, &p, &hi))
            return -EINVAL;
    } else {
        if (parse_vcpu_count(s, &p, &lo))
            return -EINVAL;
        if (*p == '\0')                         /* N */
            hi = lo;
        else if (*p == '-' && *++p != '\0' &&   /* N-M; "N-" keeps hi */
                 parse_vcpu_count(p, &p, &hi))
            return -EINVAL;
    }
    if (*p != '\0' || lo > hi)
        return -EINVAL;
    *min = lo;
    *max = hi;
    return 0;
}

unsigned int dom0_vcpus_compute(unsigned int min, unsigned int max, unsigned int nr_pcpus)
{
    unsigned int n = nr_pcpus;

    if (n < min)
        n = min;
    if (n > max)
        n = max;
    if (n > DOM0_MAX_VCPUS)
        n = DOM0_MAX_VCPUS;
    return n ? n : 1;
}

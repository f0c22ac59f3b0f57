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

/* ---- the memory map -------------------------------------------------- */

struct memmap_in {
    const struct boot_mem_region *host;
    unsigned int nr_host;
    const struct dom0_range *ram, *acpi;
    unsigned int nr_ram, nr_acpi;
};

static uint64_t host_end(const struct boot_mem_region *r)
{
    return r->len > UINT64_MAX - r->start ? UINT64_MAX : r->start + r->len;
}

/* Overlaps resolve to the larger type, so an unknown one becomes reserved. */
static uint32_t host_type(uint32_t t)
{
    return (t >= BOOT_MEM_RAM && t <= BOOT_MEM_BAD) ? t : BOOT_MEM_RESERVED;
}

static void edge_above(uint64_t e, uint64_t x, uint64_t *next, bool *found)
{
    if (e > x && (!*found || e < *next)) {
        *next = e;
        *found = true;
    }
}

/* The lowest start or end of any input range above x. */
static bool next_edge(const struct memmap_in *in, uint64_t x, uint64_t *next)
{
    bool found = false;
    unsigned int i;

    for (i = 0; i < in->nr_host; i++) {
        edge_above(in->host[i].start, x, next, &found);
        edge_above(host_end(&in->host[i]), x, next, &found);
    }
    for (i = 0; i < in->nr_ram; i++) {
        edge_above(in->ram[i].start, x, next, &found);
        edge_above(in->ram[i].end, x, next, &found);
    }
    for (i = 0; i < in->nr_acpi; i++) {
        edge_above(in->acpi[i].start, x, next, &found);
        edge_above(in->acpi[i].end, x, next, &found);
    }
    return found;
}

static bool in_ranges(const struct dom0_range *r, unsigned int n, uint64_t x)
{
    for (unsigned int i = 0; i < n; i++)
        if (r[i].start <= x && x < r[i].end)
            return true;
    return false;
}

/*
 * dom0's type for the piece [x, next) (no edge inside it, so every input
 * covers all of it or none): 0 for a hole, or -EINVAL.
 */
static int piece_type(const struct memmap_in *in, uint64_t x, uint32_t *type, const char **why)
{
    uint32_t ht = 0;
    bool ram = in_ranges(in->ram, in->nr_ram, x);
    bool acpi = in_ranges(in->acpi, in->nr_acpi, x);

    for (unsigned int i = 0; i < in->nr_host; i++)
        if (in->host[i].start <= x && x < host_end(&in->host[i]))
            ht = MAX(ht, host_type(in->host[i].type));
    if (acpi && !ram) {
        *why = "an ACPI range lies outside dom0's RAM";
        return -EINVAL;
    }
    if (ram && ht != BOOT_MEM_RAM) {
        *why = "a dom0 RAM range is not host RAM";
        return -EINVAL;
    }
    switch (ht) {
    case 0:
        *type = 0;
        break;
    case BOOT_MEM_RAM:
        /* Host RAM dom0 does not own: listed so dom0 never puts BARs or
         * grant mappings there (research note §2.3). */
        *type = acpi ? XEN_HVM_MEMMAP_TYPE_ACPI :
                ram ? XEN_HVM_MEMMAP_TYPE_RAM : XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        break;
    case BOOT_MEM_RESERVED:
        *type = XEN_HVM_MEMMAP_TYPE_RESERVED;
        break;
    case BOOT_MEM_ACPI:
        *type = XEN_HVM_MEMMAP_TYPE_ACPI;
        break;
    case BOOT_MEM_NVS:
        *type = XEN_HVM_MEMMAP_TYPE_NVS;
        break;
    case BOOT_MEM_BAD:
        *type = XEN_HVM_MEMMAP_TYPE_UNUSABLE;
        break;
    default:
        *why = "bad host memory type";  /* host_type() leaves none */
        return -EINVAL;
    }
    return 0;
}

/* One sweep over the edges; writes out[] only when out is not NULL. */
static int memmap_sweep(const struct memmap_in *in, struct hvm_memmap_table_entry *out,
                        const char **why)
{
    struct hvm_memmap_table_entry cur = { 0, 0, 0, 0 };
    uint64_t x = 0, next = 0;
    uint32_t type;
    int n = 0, rc;

    while (next_edge(in, x, &next)) {
        if ((rc = piece_type(in, x, &type, why)) != 0)
            return rc;
        if (type && cur.type == type && cur.addr + cur.size == x) {
            cur.size += next - x;
        } else if (type) {
            if (cur.type && out)
                out[n - 1] = cur;
            cur = (struct hvm_memmap_table_entry){ .addr = x, .size = next - x, .type = type };
            n++;
        }
        x = next;
    }
    if (cur.type && out)
        out[n - 1] = cur;
    return n;
}

static int check_ranges(const struct dom0_range *r, unsigned int n, const char *what,
                        const char **why)
{
    for (unsigned int i = 0; i < n; i++) {
        if (r[i].start >= r[i].end || !IS_ALIGNED(r[i].start, PAGE_SIZE) ||
            !IS_ALIGNED(r[i].end, PAGE_SIZE)) {
            *why = what;
            return -EINVAL;
        }
    }
    return 0;
}

int dom0_memmap(const struct boot_mem_region *host, unsigned int nr_host,
                const struct dom0_range *ram, unsigned int nr_ram,
                const struct dom0_range *acpi, unsigned int nr_acpi,
                struct hvm_memmap_table_entry *out, unsigned int max, const char **why)
{
    const struct memmap_in in = {
        .host = host, .nr_host = nr_host,
        .ram = ram, .nr_ram = nr_ram, .acpi = acpi, .nr_acpi = nr_acpi,
    };
    int rc;

    *why = NULL;
    if ((nr_host && !host) || (nr_ram && !ram) || (nr_acpi && !acpi)) {
        *why = "missing range array";
        return -EINVAL;
    }
    if ((rc = check_ranges(ram, nr_ram, "dom0 RAM range empty or not page aligned", why)) ||
        (rc = check_ranges(acpi, nr_acpi, "ACPI range empty or not page aligned", why)))
        return rc;
    /* Count (and validate) first, so out is written only on success. */
    rc = memmap_sweep(&in, NULL, why);
    if (rc < 0 || !out)
        return rc;
    if ((unsigned int)rc > max) {
        *why = "too many memory map entries for dom0";
        return -ENOSPC;
    }
    return memmap_sweep(&in, out, why);
}

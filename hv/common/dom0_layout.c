/*
 * dom0's size, memory map and ACPI tables (oryx/dom0_layout.h). Option
 * syntax and sizing follow Xen's dom0_mem= and dom0_max_vcpus=; the map
 * and the tables follow what Xen gives a PVH dom0 (research note
 * pvh-dom0-abi.md §2.1, §3.1), with dom0 RAM identity-mapped (§2.4).
 */
#include <oryx/dom0_layout.h>
#include <oryx/acpi_build.h>
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

/* ---- ACPI tables ----------------------------------------------------- */

#define RSDP_AREA     ALIGN_UP(sizeof(struct acpi_rsdp), ACPI_BUILD_ALIGN)
#define RSDP_V1_LEN   20u       /* what the first checksum covers */
#define RSDP_MAX_LEN  4096u     /* bound on an extended RSDP's length */

static const char *const dom0_tables[] = {
    "FACP", "SSDT", "MCFG", "PSDT", "SBST", "SLIC", "MSDM", "WDAT",
    "FPDT", "S3PT", "TCPA", "TPM2", "VFCT",
};

static bool sig_is(const struct acpi_sdt_header *h, const char *sig)
{
    return !memcmp(h->signature, sig, 4);
}

static bool table_passed(const struct acpi_sdt_header *h)
{
    for (size_t i = 0; i < ARRAY_SIZE(dom0_tables); i++)
        if (sig_is(h, dom0_tables[i]))
            return true;
    return false;
}

static void note(const struct dom0_acpi_params *p, const char *sig, uint64_t pa,
                 const char *what)
{
    char s[5];

    if (!p->note)
        return;
    for (int i = 0; i < 4; i++)
        s[i] = (sig[i] >= 0x20 && sig[i] < 0x7f) ? sig[i] : '?';
    s[4] = '\0';
    p->note(p->opaque, s, pa, what);
}

/*
 * The host table at pa, mapped whole and checked (length, checksum), its
 * header copied to *h; NULL with *what set when it cannot be used. The
 * pointer is the map callback's: valid until its next call.
 */
static const uint8_t *host_table(const struct dom0_acpi_params *p, uint64_t pa,
                                 struct acpi_sdt_header *h, const char **what)
{
    const void *m;

    memset(h, 0, sizeof(*h));
    if (pa > UINT64_MAX - sizeof(*h) || !(m = p->map(p->opaque, pa, sizeof(*h)))) {
        *what = "header not readable";
        return NULL;
    }
    memcpy(h, m, sizeof(*h));
    if (h->length < sizeof(*h)) {
        *what = "length shorter than its header";
        return NULL;
    }
    if (h->length > DOM0_ACPI_TABLE_MAX || pa > UINT64_MAX - h->length) {
        *what = "implausible length";
        return NULL;
    }
    if (!(m = p->map(p->opaque, pa, h->length))) {
        *what = "not readable";
        return NULL;
    }
    if (acpi_sum(m, h->length) != 0) {
        *what = "bad checksum";
        return NULL;
    }
    return m;
}

/* The host's RSDP, checked; -ENOENT with *why. */
static int host_rsdp(const struct dom0_acpi_params *p, struct acpi_rsdp *r, bool *ext_ok,
                     const char **why)
{
    const void *m;

    memset(r, 0, sizeof(*r));
    *ext_ok = false;
    if (!p->host_rsdp || !(m = p->map(p->opaque, p->host_rsdp, RSDP_V1_LEN))) {
        *why = "host RSDP not found";
        return -ENOENT;
    }
    memcpy(r, m, RSDP_V1_LEN);
    if (memcmp(r->signature, ACPI_SIG_RSDP, 8) || acpi_sum(m, RSDP_V1_LEN)) {
        *why = "host RSDP has a bad signature or checksum";
        return -ENOENT;
    }
    if (r->revision < 2)
        return 0;
    /* ACPI 2.0+: the XSDT address counts only under a right extended sum. */
    if (!(m = p->map(p->opaque, p->host_rsdp, sizeof(*r))))
        return 0;
    memcpy(r, m, sizeof(*r));
    if (r->length < sizeof(*r) || r->length > RSDP_MAX_LEN ||
        !(m = p->map(p->opaque, p->host_rsdp, r->length)))
        return 0;
    *ext_ok = acpi_sum(m, r->length) == 0;
    return 0;
}

struct root {
    uint64_t pa;
    struct acpi_sdt_header h;
    uint32_t entry_size;        /* 8: XSDT, 4: RSDT */
    uint32_t nr;
    char oem_id[6];             /* the RSDP's */
};

/* The XSDT when the RSDP offers a good one, else the RSDT (ACPICA's rule). */
static int host_root(const struct dom0_acpi_params *p, struct root *rt, const char **why)
{
    struct acpi_rsdp r;
    const uint8_t *m;
    const char *what = NULL;
    bool ext_ok;
    int rc;

    if ((rc = host_rsdp(p, &r, &ext_ok, why)) != 0)
        return rc;
    memcpy(rt->oem_id, r.oem_id, sizeof(rt->oem_id));
    if (ext_ok && r.xsdt_addr) {
        rt->pa = r.xsdt_addr;
        rt->entry_size = 8;
        m = host_table(p, rt->pa, &rt->h, &what);
        if (m && sig_is(&rt->h, "XSDT"))
            goto found;
        note(p, "XSDT", rt->pa, m ? "wrong signature: trying the RSDT" : what);
    }
    rt->pa = r.rsdt_addr;
    rt->entry_size = 4;
    if (rt->pa && host_table(p, rt->pa, &rt->h, &what) && sig_is(&rt->h, "RSDT"))
        goto found;
    *why = "host has no usable RSDT or XSDT";
    return -ENOENT;
found:
    rt->nr = (rt->h.length - (uint32_t)sizeof(rt->h)) / rt->entry_size;
    return 0;
}

/* Entry i of the root table, 0 when unreadable. */
static uint64_t root_entry(const struct dom0_acpi_params *p, const struct root *rt,
                           uint32_t i)
{
    uint64_t pa = rt->pa + sizeof(rt->h) + (uint64_t)i * rt->entry_size, v = 0;
    const void *m = p->map(p->opaque, pa, rt->entry_size);

    if (m)
        memcpy(&v, m, rt->entry_size);     /* little endian */
    return v;
}

static void seal(void *table, uint32_t len)
{
    struct acpi_sdt_header *h = table;

    h->checksum = 0;
    h->checksum = (uint8_t)(0u - acpi_sum(table, len));
}

struct out {
    uint8_t *buf;
    size_t len, used;
};

/* Room for n more bytes at o->used. */
static bool out_room(const struct out *o, size_t n)
{
    return o->used <= o->len && n <= o->len - o->used;
}

static int out_put(struct out *o, const void *p, size_t n, const char **why)
{
    if (!out_room(o, n)) {
        *why = "buffer too small for dom0's ACPI tables";
        return -ENOSPC;
    }
    memcpy(o->buf + o->used, p, n);
    o->used += n;
    return 0;
}

/*
 * Append to the XSDT being written (entries from xsdt_off + 36 + 8 on)
 * every allowed host table; remember the host MADT.
 */
static int collect_tables(const struct dom0_acpi_params *p, const struct root *rt,
                          struct out *o, size_t xsdt_off, uint64_t *madt_pa, const char **why)
{
    struct acpi_sdt_header h;
    const char *what;
    int rc;

    *madt_pa = 0;
    for (uint32_t i = 0; i < rt->nr; i++) {
        uint64_t pa = root_entry(p, rt, i);

        if (!pa) {
            note(p, "????", 0, "null or unreadable root table entry");
            continue;
        }
        if (!host_table(p, pa, &h, &what)) {
            note(p, h.signature, pa, what);
            continue;
        }
        if (sig_is(&h, ACPI_SIG_MADT)) {
            if (*madt_pa || h.length < sizeof(struct acpi_madt))
                note(p, h.signature, pa, *madt_pa ? "second MADT ignored" : "MADT too short");
            else
                *madt_pa = pa;
            continue;
        }
        if (!table_passed(&h)) {
            note(p, h.signature, pa, "hidden from dom0");
            continue;
        }
        if (!p->table_ok(p->opaque, pa, h.length)) {
            note(p, h.signature, pa, "not in reserved, ACPI or NVS memory");
            continue;
        }
        /* Entry 0 is the new MADT: host tables from entry 1. */
        const uint8_t *first = o->buf + xsdt_off + sizeof(h) + 8;
        bool dup = false;
        for (const uint8_t *e = first; e < o->buf + o->used; e += 8) {
            uint64_t v;
            memcpy(&v, e, 8);
            dup |= v == pa;
        }
        if (dup) {
            note(p, h.signature, pa, "listed twice");
            continue;
        }
        if ((rc = out_put(o, &pa, 8, why)) != 0)
            return rc;
    }
    return 0;
}

/* One entry per vCPU: type 0 while both id and UID fit it, else x2APIC. */
static int put_cpus(const struct dom0_acpi_params *p, struct out *o, const char **why)
{
    int rc;

    for (uint32_t i = 0; i < p->nr_vcpus; i++) {
        uint32_t id = p->apic_ids ? p->apic_ids[i] : i;

        if (id <= ACPI_MADT_LAPIC_MAX_ID && i <= ACPI_MADT_LAPIC_MAX_ID) {
            struct acpi_madt_lapic l = {
                .type = ACPI_MADT_LAPIC, .length = sizeof(l),
                .acpi_uid = (uint8_t)i, .apic_id = (uint8_t)id,
                .flags = ACPI_MADT_ENABLED,
            };
            rc = out_put(o, &l, sizeof(l), why);
        } else {
            struct acpi_madt_x2apic x = {
                .type = ACPI_MADT_X2APIC, .length = sizeof(x),
                .x2apic_id = id, .flags = ACPI_MADT_ENABLED, .acpi_uid = i,
            };
            rc = out_put(o, &x, sizeof(x), why);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/*
 * The host MADT's IOAPIC and interrupt source override entries, verbatim:
 * dom0 sees the host's IOAPICs at their addresses and its ISA wiring.
 * Local APIC, NMI and every other entry describe the host's CPUs and stay
 * behind.
 */
static int put_host_madt_entries(const struct dom0_acpi_params *p, const uint8_t *m,
                                 uint64_t pa, uint32_t len, struct out *o, const char **why)
{
    const uint8_t *e = m + sizeof(struct acpi_madt), *end = m + len;
    int rc;

    while (end - e >= 2) {
        uint8_t type = e[0], elen = e[1];

        if (elen < 2 || elen > end - e) {
            note(p, ACPI_SIG_MADT, pa, "malformed entry: the rest of the MADT ignored");
            break;
        }
        if ((type == ACPI_MADT_IOAPIC && elen == sizeof(struct acpi_madt_ioapic)) ||
            (type == ACPI_MADT_ISO && elen == sizeof(struct acpi_madt_iso))) {
            if ((rc = out_put(o, e, elen, why)) != 0)
                return rc;
        } else if (type == ACPI_MADT_IOAPIC || type == ACPI_MADT_ISO) {
            note(p, ACPI_SIG_MADT, pa, "IOAPIC or override entry of a wrong length skipped");
        }
        e += elen;
    }
    return 0;
}

static int build_madt(const struct dom0_acpi_params *p, uint64_t host_madt, struct out *o,
                      const char **why)
{
    struct acpi_madt madt = {
        .lapic_addr = ACPI_LAPIC_ADDR,
        .flags = 0,             /* no 8259 pair for dom0 to program */
    };
    size_t off = o->used;
    const uint8_t *m = NULL;
    const char *what;
    int rc;

    if (host_madt)
        m = host_table(p, host_madt, &madt.h, &what);
    if (m) {
        madt.h.revision = MIN(madt.h.revision, 4);     /* ACPI 6.0's layout */
    } else {
        if (host_madt)          /* changed under us since collect_tables() */
            note(p, ACPI_SIG_MADT, host_madt, what);
        memcpy(madt.h.oem_id, ACPI_OEM_ID, 6);
        memcpy(madt.h.oem_table_id, ACPI_OEM_TABLE_ID, 8);
        madt.h.oem_revision = 1;
        memcpy(madt.h.creator_id, ACPI_CREATOR_ID, 4);
        madt.h.creator_revision = 1;
        madt.h.revision = 4;
    }
    memcpy(madt.h.signature, ACPI_SIG_MADT, 4);
    if ((rc = out_put(o, &madt, sizeof(madt), why)) != 0 ||
        (rc = put_cpus(p, o, why)) != 0)
        return rc;
    /* put_cpus() made no map calls: m is still valid. */
    if (m && (rc = put_host_madt_entries(p, m, host_madt, madt.h.length, o, why)) != 0)
        return rc;
    struct acpi_sdt_header *h = (struct acpi_sdt_header *)(o->buf + off);
    h->length = (uint32_t)(o->used - off);
    seal(h, h->length);
    return 0;
}

int dom0_acpi_build(const struct dom0_acpi_params *p, void *buf, size_t len, uint64_t gpa,
                    const char **why)
{
    struct out o = { .buf = buf, .len = len, .used = 0 };
    struct root rt;
    uint64_t host_madt, madt_gpa;
    size_t xsdt_off = RSDP_AREA, madt_off;
    int rc;

    *why = NULL;
    if (!p->map || !p->table_ok || !buf) {
        *why = "missing callback or buffer";
        return -EINVAL;
    }
    if (p->nr_vcpus == 0 || p->nr_vcpus > ACPI_BUILD_MAX_VCPUS) {
        *why = "vCPU count out of range";
        return -EINVAL;
    }
    if (!IS_ALIGNED(gpa, ACPI_BUILD_ALIGN)) {
        *why = "table address not 16-byte aligned";
        return -EINVAL;
    }
    if ((rc = host_root(p, &rt, why)) != 0)
        return rc;

    /* RSDP area and the XSDT header with room for its MADT entry. */
    if (!out_room(&o, xsdt_off + sizeof(struct acpi_sdt_header) + 8)) {
        *why = "buffer too small for dom0's ACPI tables";
        return -ENOSPC;
    }
    memset(o.buf, 0, xsdt_off + sizeof(struct acpi_sdt_header) + 8);
    o.used = xsdt_off + sizeof(struct acpi_sdt_header) + 8;
    if ((rc = collect_tables(p, &rt, &o, xsdt_off, &host_madt, why)) != 0)
        return rc;
    uint32_t xsdt_len = (uint32_t)(o.used - xsdt_off);

    madt_off = ALIGN_UP(o.used, ACPI_BUILD_ALIGN);
    if (!out_room(&o, madt_off - o.used)) {
        *why = "buffer too small for dom0's ACPI tables";
        return -ENOSPC;
    }
    memset(o.buf + o.used, 0, madt_off - o.used);
    o.used = madt_off;
    if ((rc = build_madt(p, host_madt, &o, why)) != 0)
        return rc;
    if (o.used > INT32_MAX || gpa > UINT64_MAX - o.used) {
        *why = "tables would wrap the address space";
        return -EINVAL;
    }
    madt_gpa = gpa + madt_off;

    /* XSDT: the host root's header (an RSDT's is the same shape). */
    struct acpi_sdt_header *x = (struct acpi_sdt_header *)(o.buf + xsdt_off);
    *x = rt.h;
    memcpy(x->signature, "XSDT", 4);
    x->revision = 1;
    x->length = xsdt_len;
    memcpy(o.buf + xsdt_off + sizeof(*x), &madt_gpa, 8);
    seal(x, xsdt_len);

    /* RSDP: revision 2, XSDT only, the host's OEM id. */
    struct acpi_rsdp *nr = (struct acpi_rsdp *)o.buf;
    memcpy(nr->signature, ACPI_SIG_RSDP, 8);
    memcpy(nr->oem_id, rt.oem_id, 6);
    nr->revision = 2;
    nr->rsdt_addr = 0;
    nr->length = sizeof(*nr);
    nr->xsdt_addr = gpa + xsdt_off;
    nr->checksum = 0;
    nr->ext_checksum = 0;
    nr->checksum = (uint8_t)(0u - acpi_sum(nr, RSDP_V1_LEN));
    nr->ext_checksum = (uint8_t)(0u - acpi_sum(nr, sizeof(*nr)));
    return (int)o.used;
}

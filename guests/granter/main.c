/*
 * granter: grants as a boot-time domain uses them with dom0 (run by
 * tests/dom0/dom0test.py --oryx, dom0's side is tests/dom0/grantcheck.c).
 * Sets up its grant table as Linux does (query_size, set_version 1,
 * add_to_physmap of frame 0), then checks the hypervisor on its own:
 * a grant to itself mapped at a free GPA (its RAM mapping stays, the GTF
 * flags come and go), copied by gref and by gmfn, mapped read-only (a
 * write there gets #GP, as on Xen), and refused maps
 * (its own RAM as host_addr, a bad ref, bad flags, a bad handle).
 * Then it fills a page with a known pattern, grants it to dom0 at ref 8,
 * allocates an unbound event channel for dom0 and says so:
 *     granter: ready gref=8 port=P domid=D
 * dom0 maps the page, checks it, copies it, writes its reply (a magic, a
 * gref of its own page, that page's pattern seed) and notifies. The guest
 * checks the reply and that dom0 still has its page mapped (GTF_reading
 * and GTF_writing set), maps dom0's page at a free GPA, checks its
 * pattern, marks it, unmaps it, writes its verdict into the shared page
 * and notifies dom0 back. Expected: PASS (and dom0 still maps its page
 * when it is destroyed).
 */
#include "guest.h"
#include <public/grant_table.h>

const char test_name[] = "granter";

#define GREF_DOM0     8         /* fixed: dom0 looks for it */
#define GREF_SELF     9
#define MAP_GPA       0x40000000UL      /* far above our RAM: free */
#define WAIT_S        240

/* The shared page's layout after dom0's reply (tests/dom0/grantcheck.c). */
#define REPLY_MAGIC   0x30524550u       /* "PER0" at offset 0 */
#define OFF_MAGIC     0
#define OFF_GREF      4                 /* dom0's gref for us */
#define OFF_SEED      8                 /* its page: byte i = i * 13 + seed */
#define OFF_COPY      64                /* "COPY" written by GNTTABOP_copy */
#define OFF_VERDICT   128               /* ours: "GOOD" or "BAD!" */
#define OFF_MARK      0                 /* in dom0's page: "SEEN" */

static uint8_t gnt_frame[4096] __attribute__((aligned(4096)));
static uint8_t shared[4096] __attribute__((aligned(4096)));
/* volatile: it is also written through a second address the compiler
 * cannot see. */
static volatile uint8_t selfpage[4096] __attribute__((aligned(4096)));
static uint8_t scratch[4096] __attribute__((aligned(4096)));
static struct grant_entry_v1 *gtab;
static domid_t self_id;

static uint8_t pattern(unsigned int i)
{
    return (uint8_t)(i * 7 + 3);
}

static long gnttab(unsigned int cmd, void *uop, unsigned int count)
{
    return HYPERVISOR_grant_table_op(cmd, uop, count);
}

static void grant(uint32_t ref, domid_t to, const volatile void *page, bool ro)
{
    gtab[ref].domid = to;
    gtab[ref].frame = (uint32_t)((uintptr_t)page >> 12);
    __atomic_thread_fence(__ATOMIC_RELEASE);
    __atomic_store_n(&gtab[ref].flags, (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
}

static int16_t map(domid_t dom, uint32_t ref, uintptr_t gpa, uint32_t flags, uint32_t *handle)
{
    struct gnttab_map_grant_ref m;

    memset(&m, 0, sizeof(m));
    m.host_addr = gpa;
    m.flags = flags;
    m.ref = ref;
    m.dom = dom;
    CHECK_RC(gnttab(GNTTABOP_map_grant_ref, &m, 1), 0);
    if (handle)
        *handle = m.handle;
    return m.status;
}

static int16_t unmap(uintptr_t gpa, uint32_t handle)
{
    struct gnttab_unmap_grant_ref u;

    memset(&u, 0, sizeof(u));
    u.host_addr = gpa;
    u.handle = handle;
    CHECK_RC(gnttab(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    return u.status;
}

static void setup_table(void)
{
    struct gnttab_query_size q;
    struct gnttab_set_version sv = { 1 };
    struct xen_add_to_physmap xatp;

    memset(&q, 0, sizeof(q));
    q.dom = DOMID_SELF;
    CHECK_RC(gnttab(GNTTABOP_query_size, &q, 1), 0);
    ASSERT(q.status == GNTST_okay && q.max_nr_frames >= 1);
    CHECK_RC(gnttab(GNTTABOP_set_version, &sv, 1), 0);
    memset(&xatp, 0, sizeof(xatp));
    xatp.domid = DOMID_SELF;
    xatp.space = XENMAPSPACE_grant_table;
    xatp.idx = 0;
    xatp.gpfn = (uintptr_t)gnt_frame >> 12;
    CHECK_RC(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0);
    gtab = (struct grant_entry_v1 *)gnt_frame;
}

/* Our own id: the hypervisor resolves DOMID_SELF in an unbound port. */
static domid_t own_id(void)
{
    struct evtchn_alloc_unbound a;
    struct evtchn_status st;
    struct evtchn_close c;

    memset(&a, 0, sizeof(a));
    a.dom = DOMID_SELF;
    a.remote_dom = DOMID_SELF;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0);
    memset(&st, 0, sizeof(st));
    st.dom = DOMID_SELF;
    st.port = a.port;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_status, &st), 0);
    c.port = a.port;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_close, &c), 0);
    return st.u.unbound.dom;
}

static void self_checks(void)
{
    volatile uint8_t *m = (volatile uint8_t *)MAP_GPA;
    uint32_t h;

    for (unsigned int i = 0; i < 4096; i++)
        selfpage[i] = (uint8_t)(i ^ 0x5A);
    grant(GREF_SELF, self_id, selfpage, false);
    CHECK_RC(map(DOMID_SELF, GREF_SELF, MAP_GPA, GNTMAP_host_map, &h), GNTST_okay);
    ASSERT(gtab[GREF_SELF].flags == (GTF_permit_access | GTF_reading | GTF_writing));
    ASSERT(m[0] == 0x5A && m[4095] == (uint8_t)(4095 ^ 0x5A));
    m[1] = 0xEE;
    ASSERT(selfpage[1] == 0xEE);         /* one frame, two addresses */
    CHECK_RC(unmap(MAP_GPA + 1, h + 1), GNTST_bad_handle);
    CHECK_RC(unmap(MAP_GPA + 4096, h), GNTST_general_error);
    CHECK_RC(unmap(MAP_GPA, h), GNTST_okay);
    ASSERT(gtab[GREF_SELF].flags == GTF_permit_access);
    selfpage[2] = 0xDD;                  /* our own mapping is intact */
    ASSERT(selfpage[2] == 0xDD && selfpage[1] == 0xEE);
    printf("self map: gref %u mapped at 0x%lx and unmapped, own page intact\n", GREF_SELF,
           (unsigned long)MAP_GPA);

    /* Copy: own gref -> own gmfn, own gmfn -> own gref. */
    struct gnttab_copy c;
    memset(&c, 0, sizeof(c));
    c.flags = GNTCOPY_source_gref;
    c.source.u.ref = GREF_SELF;
    c.source.domid = DOMID_SELF;
    c.source.offset = 16;
    c.dest.u.gmfn = (uintptr_t)scratch >> 12;
    c.dest.domid = DOMID_SELF;
    c.dest.offset = 32;
    c.len = 100;
    CHECK_RC(gnttab(GNTTABOP_copy, &c, 1), 0);
    CHECK_RC(c.status, GNTST_okay);
    ASSERT(!memcmp(scratch + 32, (const uint8_t *)selfpage + 16, 100));
    c.len = 4096;                        /* beyond the page */
    CHECK_RC(gnttab(GNTTABOP_copy, &c, 1), 0);
    CHECK_RC(c.status, GNTST_bad_copy_arg);
    grant(GREF_SELF, self_id, selfpage, true);
    memset(&c, 0, sizeof(c));
    c.flags = GNTCOPY_dest_gref;         /* into a read-only grant */
    c.source.u.gmfn = (uintptr_t)scratch >> 12;
    c.source.domid = DOMID_SELF;
    c.dest.u.ref = GREF_SELF;
    c.dest.domid = DOMID_SELF;
    c.len = 1;
    CHECK_RC(gnttab(GNTTABOP_copy, &c, 1), 0);
    CHECK_RC(c.status, GNTST_general_error);
    printf("self copy: by gref and gmfn, bounds and read-only refused\n");

    /* A read-only map: reads see the page, a write is Xen's #GP and
     * leaves it as it was. */
    CHECK_RC(map(DOMID_SELF, GREF_SELF, MAP_GPA, GNTMAP_host_map | GNTMAP_readonly, &h),
             GNTST_okay);
    ASSERT(gtab[GREF_SELF].flags == (GTF_permit_access | GTF_readonly | GTF_reading));
    ASSERT(m[0] == 0x5A && m[1] == 0xEE);
    exc_reset();
    __asm__ volatile (EXC_FIXUP("movb %1, %0") : "=m" (m[3]) : "q" ((uint8_t)0x77) : "memory");
    if (exc_last_vector != 13)
        guest_fail("write to a read-only grant map: %s, want #GP",
                   exc_last_vector == EXC_NONE ? "no fault" : exc_name((unsigned int)exc_last_vector));
    ASSERT(selfpage[3] == (uint8_t)(3 ^ 0x5A) && m[3] == selfpage[3]);
    CHECK_RC(unmap(MAP_GPA, h), GNTST_okay);
    ASSERT(gtab[GREF_SELF].flags == (GTF_permit_access | GTF_readonly));
    printf("read-only map: read, a write got #GP and changed nothing\n");

    /* Refused maps. */
    CHECK_RC(map(DOMID_SELF, GREF_SELF, (uintptr_t)scratch, GNTMAP_host_map | GNTMAP_readonly,
                 NULL), GNTST_bad_virt_addr);
    CHECK_RC(map(DOMID_SELF, GREF_SELF, MAP_GPA, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_RC(map(DOMID_SELF, 100000, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_RC(map(DOMID_SELF, GREF_SELF, MAP_GPA, GNTMAP_device_map | GNTMAP_host_map, NULL),
             GNTST_general_error);
    CHECK_RC(map(0x7000, GREF_SELF, MAP_GPA, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_RC(unmap(MAP_GPA, 4095), GNTST_bad_handle);
    ASSERT(gtab[GREF_SELF].flags == (GTF_permit_access | GTF_readonly));
    gtab[GREF_SELF].flags = 0;
    printf("refused: own RAM, r/w of r/o, bad ref, device_map, bad domain, bad handle\n");
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;

    memcpy(&v, p, 4);
    return v;
}

void test_main(void)
{
    struct evtchn_alloc_unbound a;
    struct evtchn_send s;
    long rc;
    const char *verdict = "BAD!";

    if (!shared_info_map(&rc))
        guest_fail("shared_info: %ld", rc);
    setup_table();
    self_id = own_id();
    self_checks();

    for (unsigned int i = 0; i < 4096; i++)
        shared[i] = pattern(i);
    grant(GREF_DOM0, 0, shared, false);
    memset(&a, 0, sizeof(a));
    a.dom = DOMID_SELF;
    a.remote_dom = 0;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &a), 0);
    printf("granter: ready gref=%u port=%u domid=%u\n", GREF_DOM0, a.port, self_id);

    if (!evtchn_wait(a.port, WAIT_S))
        guest_fail("no notification from dom0 in %u s", WAIT_S);
    if (rd32(shared + OFF_MAGIC) != REPLY_MAGIC)
        guest_fail("dom0's reply: magic %#x", rd32(shared + OFF_MAGIC));
    if (memcmp(shared + OFF_COPY, "COPY", 4))
        guest_fail("dom0's GNTTABOP_copy into our page did not arrive");
    if (gtab[GREF_DOM0].flags != (GTF_permit_access | GTF_reading | GTF_writing))
        guest_fail("gref %u flags %#x while dom0 maps it", GREF_DOM0, gtab[GREF_DOM0].flags);
    uint32_t dref = rd32(shared + OFF_GREF), seed = rd32(shared + OFF_SEED);
    printf("dom0 replied: its gref %u, seed %u; our page is mapped (GTF_reading|GTF_writing)\n",
           dref, seed);

    uint32_t h;
    int16_t st = map(0, dref, MAP_GPA, GNTMAP_host_map, &h);
    if (st != GNTST_okay)
        guest_fail("map of dom0's gref %u: status %d", dref, st);
    volatile uint8_t *m = (volatile uint8_t *)MAP_GPA;
    unsigned int bad = 0;
    for (unsigned int i = 4; i < 4096; i++)
        bad += m[i] != (uint8_t)(i * 13 + seed);
    memcpy((void *)(m + OFF_MARK), "SEEN", 4);
    st = unmap(MAP_GPA, h);
    if (st != GNTST_okay)
        guest_fail("unmap of dom0's gref: status %d", st);
    if (bad)
        guest_fail("dom0's page: %u bytes differ from its pattern", bad);
    printf("mapped dom0's gref %u at 0x%lx: pattern ok, marked, unmapped\n", dref,
           (unsigned long)MAP_GPA);
    verdict = "GOOD";

    uint32_t vw;
    memcpy(&vw, verdict, 4);             /* one store: dom0 polls for it */
    __atomic_store_n((uint32_t *)(shared + OFF_VERDICT), vw, __ATOMIC_RELEASE);
    s.port = a.port;
    CHECK_RC(HYPERVISOR_event_channel_op(EVTCHNOP_send, &s), 0);
    printf("told dom0; leaving with gref %u still mapped by it\n", GREF_DOM0);
}

/* Domains: lifecycle, memory, vCPUs. */
#ifndef ORYX_DOMAIN_H
#define ORYX_DOMAIN_H

#include <oryx/types.h>
#include <oryx/spinlock.h>
#include <oryx/page_alloc.h>
#include <oryx/domspec.h>
#include <oryx/vcpu.h>
#include <asm/npt.h>
#include <asm/domain.h>
#include <public/xen.h>          /* XEN_X86_EMU_* */

enum domain_state {
    DOMAIN_CREATED,     /* built, vCPUs not yet started */
    DOMAIN_RUNNING,
    DOMAIN_PAUSED,
    DOMAIN_SHUTDOWN,    /* the guest asked; shutdown_reason says why */
    DOMAIN_CRASHED,     /* the hypervisor stopped it */
    DOMAIN_DYING,       /* being torn down */
};

/* One contiguous block of guest RAM. */
struct evtchn_domain;
struct gnttab_domain;
struct foreign_domain;
struct shared_info;
struct vcpu_info;

#define HVM_PARAM_SLOTS 64              /* Xen's HVM_NR_PARAMS is below this */

/* What a builder hears when one of its domains is gone. */
struct domain_exit {
    domid_t id;
    const char *name;
    uint8_t action;                     /* DOMSPEC_DESTROY or _RESTART */
    bool crashed;                       /* else it shut down for reason */
    unsigned int reason;                /* SHUTDOWN_* */
    void *data;                         /* the builder's, from domain_set_builder */
};

/*
 * Whoever built a domain (the boot modules now, the toolstack's builder
 * next) registers how it hears of the domain's end; the lifecycle itself
 * knows nothing of how domains are built or restarted.
 */
struct domain_builder {
    /* After the teardown, while the domain still counts as alive, so that
     * a restart made here never lets the count of domains touch zero. */
    void (*destroyed)(const struct domain_exit *e);
    /* After a domain stopped counting (destroyed or preserved): the last
     * one may be gone. */
    void (*settled)(void);
};

struct mem_extent {
    paddr_t hpa;
    gpaddr_t gpa;
    unsigned int order;
    bool held;          /* handed over at boot (dom0), not the allocator's */
    bool adopted;       /* held, and known to the allocator (as taken) */
    uint16_t *refs;     /* per page: references held by others; NULL: none yet */
    /* Ballooning (balloon.c through domain_ram_release/_refill): */
    uint32_t absent;    /* pages given back: not the domain's now */
    uint64_t *gone;     /* per page, a bit: given back; NULL: none ever */
    paddr_t *moved;     /* per page: the frame it was refilled with when not
                         * hpa's own (0: its own); NULL: none */
};

struct domain {
    domid_t id;
    bool is_privileged;                 /* the control domain (dom0) */
    char name[DOMSPEC_NAME_MAX];
    volatile enum domain_state state;
    unsigned int shutdown_reason;       /* SHUTDOWN_* when state is SHUTDOWN */
    uint8_t on_poweroff, on_reboot, on_crash;   /* DOMSPEC_* final actions */
    uint32_t emulation;                 /* XEN_X86_EMU_*: the devices emulated for it */
    const struct domain_builder *builder;       /* who built it, told of its end */
    void *builder_data;

    struct mem_account acct;            /* every page it holds */
    struct p2m p2m;
    uint64_t mem_bytes;
    struct mem_extent *extents;
    unsigned int nr_extents, max_extents;
    uint64_t held_pages;                /* extents not from the allocator (dom0) */
    spinlock_t ram_lock;                /* extents' pages and their refs */

    struct evtchn_domain *evtchn;       /* event_channel.c */
    struct gnttab_domain *gnttab;       /* grant_table.c */
    struct foreign_domain *foreign;     /* foreign_map.c, on first use */
    spinlock_t map_lock;                /* mapping others' pages into our space */
    uint64_t hvm_params[HVM_PARAM_SLOTS];   /* HVMOP_{get,set}_param */

    paddr_t acpi_tables;                /* the guest's ACPI tables, 0 if none */
    unsigned int acpi_order;
    paddr_t shared_info;                /* hypervisor-owned page, 0 until asked */
    gpaddr_t shared_info_gpa;           /* where the guest mapped it, 0 if not */
    /* shared_info in the 32-bit layout: the mode the guest mapped it and
     * last made an event channel call from (Xen latches it so too). */
    volatile bool shinfo_compat;

    unsigned int nr_vcpus;
    struct vcpu **vcpus;
    volatile bool destroy_claimed;      /* one CPU does the final teardown */
    volatile bool preserved;            /* stopped and kept for inspection */
    volatile int refs;                  /* the list's, plus CPUs looking at it */
    uint8_t final_action;               /* enum domspec_action, once reaped */

    spinlock_t con_lock;                /* con_line, con_len */
    char con_line[160];                 /* console output not yet printed */
    unsigned int con_len;
    unsigned int con_shown;             /* of con_line, already printed */

    uint64_t start_ns;
    spinlock_t lock;                    /* state changes, shared_info mapping */
    struct arch_domain arch;
    struct domain *next;                /* domlist_lock */
};

extern struct domain *domain_list;
extern spinlock_t domlist_lock;         /* domain_list and ids */

/* A PC's chipset emulated for it (type=hvm): IOAPIC, HPET, RTC, and holes
 * that read all-ones. */
static inline bool domain_has_pc_chipset(const struct domain *d)
{
    return d->emulation & XEN_X86_EMU_IOAPIC;
}

struct domain *domain_create(const struct domspec *spec);
/* The control domain: id 0, privileged. */
struct domain *domain_create_control(const struct domspec *spec);
static inline bool is_control_domain(const struct domain *d)
{
    return d->is_privileged;
}
void domain_start(struct domain *d);

/* ---- The domain's RAM (domain_ram.c) ---- */
/* Guest RAM [0, mem_bytes) from the allocator, mapped. 0 or -ENOMEM. */
int domain_alloc_memory(struct domain *d);
/* Pages outside the RAM layout a domain may get (domain_ram_add_page). */
#define DOMAIN_SPECIAL_PAGES_MAX 4u
int domain_ram_add_page(struct domain *d, uint64_t gfn);
/* Every extent back to the allocator (held ones just uncharged). */
void domain_ram_free(struct domain *d);
/* Puts d's own RAM page back at gpa (after a mapping over it left). */
int domain_remap_ram(struct domain *d, gpaddr_t gpa);
bool domain_gfn_is_ram(struct domain *d, uint64_t gfn);
/* Host address of d's RAM page gfn (its own memory, never what is mapped
 * over it). False when gfn is not RAM of d. */
bool domain_ram_hpa(struct domain *d, uint64_t gfn, paddr_t *hpa);
/*
 * A reference on d's RAM page gfn for another domain's use of it (a grant
 * pinned or mapped, a foreign mapping, the hypervisor writing a vcpu_info
 * there), with its host address. While
 * referenced the page stays d's: it is never ballooned out or reused.
 * (The memory itself outlives d through a domain_get() the holder takes.)
 * 0, -EINVAL (not RAM of d), -EBUSY (too many references) or -ENOMEM.
 */
int domain_ram_get(struct domain *d, uint64_t gfn, paddr_t *hpa);
/* domain_ram_get() for a page the hypervisor will write through from now
 * on (a vcpu_info, FIFO event-channel pages): it must be d's own RAM and
 * mapped writable at gfn right now (nothing else mapped over it).
 * 0 and *hpa, or -EINVAL; domain_ram_put() ends it. */
int domain_ram_get_writable(struct domain *d, uint64_t gfn, paddr_t *hpa);
void domain_ram_put(struct domain *d, uint64_t gfn);
/* References on gfn now (ram_lock held, or a racy snapshot). */
unsigned int domain_ram_refs(struct domain *d, uint64_t gfn);
/*
 * Ballooning. Release: d's RAM pages [gfn, gfn + 2^order), all present,
 * unreferenced and mapped as its own, leave its p2m and go back to the
 * allocator (held ones too: dom0's boot RAM becomes free RAM). 0, -EINVAL
 * (not all RAM of d, or not one extent), -EBUSY (referenced, or something
 * else is mapped there), -EPERM (dom0 below 1 MiB, or boot RAM the
 * allocator could not adopt), -ENOMEM. Held RAM is adopted by the
 * allocator (page_alloc_add_taken) on the first release in it, one whole
 * boot range at a time. Refill: the same range, all given
 * back before, gets zeroed pages again (for the control domain the very
 * frames, 1:1, or -EBUSY if any is taken); -EEXIST when some are present.
 */
int domain_ram_release(struct domain *d, uint64_t gfn, unsigned int order);
int domain_ram_refill(struct domain *d, uint64_t gfn, unsigned int order);
/* RAM pages d holds now, and the most it may hold (what it was built with). */
uint64_t domain_ram_pages(struct domain *d);
uint64_t domain_ram_max_pages(struct domain *d);
void domain_flush_tlb(struct domain *d);
void domain_shutdown(struct domain *d, unsigned int reason);
void domain_crash(struct domain *d, const char *why);
/* Stops every vCPU; the last CPU to let go of one frees the domain. One
 * kept after its end (on_* = preserve) is released. */
void domain_kill(struct domain *d);
/* The toolstack's destroy: domain_kill. */
void domain_destroy(struct domain *d);
void domain_reap(struct domain *d);     /* called by the scheduler */
void domain_set_builder(struct domain *d, const struct domain_builder *b, void *data);
/* One console line: run time and exits by reason. */
void domain_print_stats(struct domain *d);

/* References keep a reaped domain's memory until the last one is put. */
void domain_get(struct domain *d);
void domain_put(struct domain *d);
unsigned int domain_count(void);
unsigned int domain_live_count(void);  /* on the list and not preserved */
struct domain *domain_by_id(domid_t id);
/* The listed domain id unless it is dying, with a reference (domain_put);
 * NULL if none. Callers check what else they need (a table, not reaped). */
struct domain *domain_get_by_id(domid_t id);

/* The domain's shared_info page, or NULL before the guest mapped it. */
struct shared_info *domain_shared_info(struct domain *d);
/* This vCPU's vcpu_info (shared_info slot or the area the guest
 * registered), or NULL when it has none yet. */
struct vcpu_info *vcpu_info_of(struct vcpu *v);
/* An event is pending for v (its vcpu_info says so): wake it and make it
 * take the upcall at its next entry. Callable from any CPU, any context
 * that may take the run-queue lock. */
void vcpu_kick_upcall(struct vcpu *v);

/* Guest console output, prefixed with the domain's name per line. */
void guest_console_put(struct domain *d, const char *buf, size_t len);
/* The keyboard leaves d: end the part of its line already shown. */
void guest_console_break(struct domain *d);

#endif

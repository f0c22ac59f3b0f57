/*
 * AMD nested page tables (docs/design/memory.md).
 *
 * Level 4 is the PML4 (bits 47:39 of the guest-physical address), level 1
 * the page table (bits 20:12). Leaves live at level 3 (1 GiB, PSE), level
 * 2 (2 MiB, PSE) or level 1 (4 KiB). The CPU checks nested walks as user
 * accesses, so every entry has U/S set; read access is implied by present,
 * write by RW, and execute is refused by NX. Intermediate entries grant
 * everything and leave the decision to the leaf.
 */
#include <asm/npt.h>
#include <asm/page.h>
#include <oryx/errno.h>
#include <oryx/lib.h>

#define NPT_ENTRIES   512u
#define NPT_TABLE     (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

/* Largest level allowed to hold a leaf: 3 with 1 GiB pages, else 2. */
static unsigned int max_leaf_level = 3;

static inline unsigned int level_shift(unsigned int level)
{
    return PAGE_SHIFT + 9 * (level - 1);
}

static inline unsigned int level_index(gpaddr_t gpa, unsigned int level)
{
    return (unsigned int)(gpa >> level_shift(level)) & (NPT_ENTRIES - 1);
}

static inline uint64_t *table_of(uint64_t entry)
{
    return __va(entry & PTE_ADDR_MASK);
}

static inline bool is_present(uint64_t e)
{
    return e & _PAGE_PRESENT;
}

/* A present entry that points to a lower table rather than to memory. */
static inline bool is_table(uint64_t e, unsigned int level)
{
    return is_present(e) && level > 1 && !(e & _PAGE_PSE);
}

static inline void entry_set(uint64_t *slot, uint64_t e)
{
    /* Single 64-bit store, after the table it points to is complete. */
    __atomic_store_n(slot, e, __ATOMIC_RELEASE);
}

static uint64_t leaf_entry(paddr_t hpa, unsigned int level, unsigned int perms)
{
    uint64_t e = _PAGE_PRESENT | _PAGE_USER | hpa;

    if (perms & P2M_W)
        e |= _PAGE_RW;
    if (!(perms & P2M_X))
        e |= _PAGE_NX;
    if (level > 1)
        e |= _PAGE_PSE;
    return e;
}

static unsigned int leaf_perms(uint64_t e)
{
    return P2M_R | ((e & _PAGE_RW) ? P2M_W : 0) | ((e & _PAGE_NX) ? 0 : P2M_X);
}

static uint64_t *table_alloc(struct p2m *p2m)
{
    paddr_t pa = page_alloc_zeroed(0, p2m->acct);

    if (!pa)
        return NULL;
    p2m->table_pages++;
    return __va(pa);
}

/*
 * Replace the large leaf in *slot (at `level`) by a table of 512 leaves one
 * level down that map the same memory with the same permissions.
 */
static int split_leaf(struct p2m *p2m, uint64_t *slot, unsigned int level)
{
    uint64_t leaf = *slot, *t = table_alloc(p2m);
    uint64_t step = 1ULL << level_shift(level - 1);
    paddr_t base = leaf & PTE_ADDR_MASK & ~((1ULL << level_shift(level)) - 1);
    unsigned int perms = leaf_perms(leaf), i;

    if (!t)
        return -ENOMEM;
    for (i = 0; i < NPT_ENTRIES; i++)
        t[i] = leaf_entry(base + i * step, level - 1, perms);
    entry_set(slot, NPT_TABLE | __pa(t));
    return 0;
}

/*
 * Map (or with clear, unmap) [gpa, gpa + size), which lies inside the span
 * of `table` at `level`. A slot is written as one leaf when the range
 * covers it whole, the host address is aligned, leaves are allowed at
 * this level and no table hangs there already; otherwise the work moves
 * one level down. Lock held.
 */
static int map_range(struct p2m *p2m, uint64_t *table, unsigned int level, gpaddr_t gpa,
                     paddr_t hpa, uint64_t size, unsigned int perms, bool clear)
{
    uint64_t span = 1ULL << level_shift(level);

    while (size) {
        uint64_t off = gpa & (span - 1), n = MIN(size, span - off);
        uint64_t *slot = &table[level_index(gpa, level)];
        uint64_t e = *slot;
        int rc;

        if (level <= max_leaf_level && off == 0 && n == span &&
            (clear || IS_ALIGNED(hpa, span)) && !is_table(e, level)) {
            entry_set(slot, clear ? 0 : leaf_entry(hpa, level, perms));
        } else if (level == 1) {
            BUG();            /* a 4 KiB slot is always covered whole */
        } else if (!is_present(e)) {
            if (!clear) {
                uint64_t *t = table_alloc(p2m);

                if (!t)
                    return -ENOMEM;
                entry_set(slot, NPT_TABLE | __pa(t));
                rc = map_range(p2m, t, level - 1, gpa, hpa, n, perms, clear);
                if (rc)
                    return rc;
            }
        } else {
            if (!is_table(e, level)) {
                rc = split_leaf(p2m, slot, level);
                if (rc)
                    return rc;
            }
            rc = map_range(p2m, table_of(*slot), level - 1, gpa, hpa, n, perms, clear);
            if (rc)
                return rc;
        }
        gpa += n;
        hpa += n;
        size -= n;
    }
    return 0;
}

static bool range_ok(gpaddr_t gpa, uint64_t size)
{
    return size && IS_ALIGNED(gpa, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
           gpa < (1ULL << P2M_GPA_BITS) && size <= (1ULL << P2M_GPA_BITS) - gpa;
}

int p2m_init(struct p2m *p2m, struct mem_account *acct)
{
    uint64_t *root;

    spin_lock_init(&p2m->lock);
    p2m->acct = acct;
    p2m->table_pages = 0;
    p2m->root = 0;
    root = table_alloc(p2m);
    if (!root)
        return -ENOMEM;
    p2m->root = __pa(root);
    return 0;
}

int p2m_map(struct p2m *p2m, gpaddr_t gpa, paddr_t hpa, uint64_t size, unsigned int perms)
{
    unsigned long flags;
    int rc;

    if (!range_ok(gpa, size) || !IS_ALIGNED(hpa, PAGE_SIZE) ||
        hpa >= (1ULL << P2M_HPA_BITS) || size > (1ULL << P2M_HPA_BITS) - hpa ||
        !(perms & P2M_R) || (perms & ~P2M_PERMS) || !p2m->root)
        return -EINVAL;

    flags = spin_lock_irqsave(&p2m->lock);
    rc = map_range(p2m, __va(p2m->root), 4, gpa, hpa, size, perms, false);
    spin_unlock_irqrestore(&p2m->lock, flags);
    return rc;
}

int p2m_unmap(struct p2m *p2m, gpaddr_t gpa, uint64_t size)
{
    unsigned long flags;
    int rc;

    if (!range_ok(gpa, size) || !p2m->root)
        return -EINVAL;

    flags = spin_lock_irqsave(&p2m->lock);
    rc = map_range(p2m, __va(p2m->root), 4, gpa, 0, size, 0, true);
    spin_unlock_irqrestore(&p2m->lock, flags);
    return rc;
}

int p2m_query(struct p2m *p2m, gpaddr_t gpa, paddr_t *hpa, unsigned int *perms,
              unsigned int *order)
{
    unsigned int level = 4;
    unsigned long flags;
    uint64_t *table, e;
    int rc = -ENOENT;

    if (gpa >= (1ULL << P2M_GPA_BITS) || !p2m->root)
        return -EINVAL;

    flags = spin_lock_irqsave(&p2m->lock);
    table = __va(p2m->root);
    for (;;) {
        e = table[level_index(gpa, level)];
        if (!is_present(e))
            break;
        if (is_table(e, level)) {
            table = table_of(e);
            level--;
            continue;
        }
        uint64_t mask = (1ULL << level_shift(level)) - 1;
        if (hpa)
            *hpa = (e & PTE_ADDR_MASK & ~mask) | (gpa & mask);
        if (perms)
            *perms = leaf_perms(e);
        if (order)
            *order = level_shift(level) - PAGE_SHIFT;
        rc = 0;
        break;
    }
    spin_unlock_irqrestore(&p2m->lock, flags);
    return rc;
}

static void free_tables(struct p2m *p2m, uint64_t *table, unsigned int level)
{
    unsigned int i;

    if (level > 1)
        for (i = 0; i < NPT_ENTRIES; i++)
            if (is_table(table[i], level))
                free_tables(p2m, table_of(table[i]), level - 1);
    page_free(__pa(table), 0, p2m->acct);
    p2m->table_pages--;
}

void p2m_destroy(struct p2m *p2m)
{
    unsigned long flags;

    if (!p2m->root)
        return;
    flags = spin_lock_irqsave(&p2m->lock);
    free_tables(p2m, __va(p2m->root), 4);
    BUG_ON(p2m->table_pages != 0);     /* the count and the tree disagree */
    p2m->root = 0;
    spin_unlock_irqrestore(&p2m->lock, flags);
}

void p2m_set_max_leaf_order(unsigned int order)
{
    max_leaf_level = order >= PAGE_ORDER_1G ? 3 : order >= PAGE_ORDER_2M ? 2 : 1;
}

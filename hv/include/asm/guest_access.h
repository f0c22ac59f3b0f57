/*
 * Guest memory access, the one place that turns guest addresses into the
 * hypervisor's pointers: by guest-physical address through the domain's
 * p2m (its RAM and the pages mapped into it), and by guest-virtual address
 * through the vCPU's own page tables. Every call returns 0 or -EFAULT and
 * copies nothing past the first page that fails.
 */
#ifndef ASM_GUEST_ACCESS_H
#define ASM_GUEST_ACCESS_H

#include <oryx/types.h>

struct domain;
struct vcpu;

int copy_from_gpa(struct domain *d, void *dst, gpaddr_t gpa, size_t len);
int copy_to_gpa(struct domain *d, gpaddr_t gpa, const void *src, size_t len);
int zero_gpa(struct domain *d, gpaddr_t gpa, size_t len);

int copy_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len);
int copy_to_guest(struct vcpu *v, gvaddr_t gva, const void *src, size_t len);
/* A read the CPU makes itself (an IDT or GDT entry): supervisor access
 * even at CPL 3. */
int copy_from_guest_system(struct vcpu *v, void *dst, gvaddr_t gva, size_t len);

/* Instruction bytes at gva (execute permission): as many as can be read,
 * up to len, stopping at the first page that fails. */
size_t fetch_from_guest(struct vcpu *v, void *dst, gvaddr_t gva, size_t len);

/* The walk itself, for diagnostics: 0, or the walker's error with *pfec. */
int guest_translate(struct vcpu *v, gvaddr_t gva, unsigned int access, gpaddr_t *gpa,
                    uint32_t *pfec);

/* The guest's physical-address width (reserved-bit checks in walks). */
void guest_access_init(unsigned int maxphyaddr);
unsigned int guest_paddr_bits(void);

#endif

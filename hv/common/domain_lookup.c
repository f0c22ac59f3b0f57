/* Finding a listed domain by id (oryx/domain.h). */
#include <oryx/lib.h>
#include <oryx/domain.h>

struct domain *domain_by_id(domid_t id)
{
    struct domain *d;

    spin_lock(&domlist_lock);
    for (d = domain_list; d && d->id != id; d = d->next)
        ;
    spin_unlock(&domlist_lock);
    return d;
}

struct domain *domain_get_by_id(domid_t id)
{
    struct domain *d;

    spin_lock(&domlist_lock);
    for (d = domain_list; d && d->id != id; d = d->next)
        ;
    if (d && d->state == DOMAIN_DYING)
        d = NULL;
    if (d)
        domain_get(d);      /* the list's reference keeps it until then */
    spin_unlock(&domlist_lock);
    return d;
}

/*
 * libFuzzer target over oryxd's ring transport (tools/oryxd/xs_ring.c)
 * with the store behind it: the input is a hostile guest's script against
 * the shared page. Each step's first byte picks an action:
 *   0  write up to 64 request bytes at req_prod and advance it (honestly)
 *   1  set req_prod to any value
 *   2  set rsp_cons to any value
 *   3  read every reply (rsp_cons = rsp_prod, as a kernel does)
 *   4  scribble a byte anywhere in req[] or rsp[]
 *   6  make raising the guest's event channel fail from now on (or work again)
 *   5, 7+ let the daemon run (xs_ring_process)
 * The first two bytes pick the domain (dom0 or a domU) and whether the
 * page starts with indices near 2^32.
 *
 * Checked beyond "no crash, no UB, no leak": while the connection lives
 * and the guest has kept its indices honest, the daemon never has more reply bytes outstanding than the ring holds
 * and never consumes requests that were not produced; a cut-off
 * connection says why; the page is released exactly once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_peer.h"
#include "xs_proto.h"
#include "xs_ring.h"
#include "xs_store.h"

struct fake {
    struct xenstore_domain_interface intf;
    int releases;
    bool fail_notify;
};

static int fz_notify(void *ctx)
{
    return ((struct fake *)ctx)->fail_notify ? -EIO : 0;
}

static void fz_release(void *ctx)
{
    ((struct fake *)ctx)->releases++;
}

static const struct xs_ring_ops fz_ops = { .notify = fz_notify, .release = fz_release };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xs_store s;
    struct xs_proto p;
    struct xs_ring *r = NULL;
    static struct fake f;
    size_t off = 2;
    int steps = 0;
    bool lied = false;          /* the guest wrote an index of its own */

    if (size < 2)
        return 0;
    memset(&f, 0, sizeof(f));
    if (data[1] & 1)
        f.intf.req_cons = f.intf.req_prod = f.intf.rsp_cons = f.intf.rsp_prod = 0xffffff00u;
    if (xs_store_init(&s))
        return 0;
    s.quota.nodes = 50;
    xs_proto_init(&p, &s);
    if (xs_ring_new(&p, &f.intf, &fz_ops, &f, data[0] & 1 ? 7 : 0, &r))
        abort();                /* a fresh page is consistent */

    while (off < size && steps++ < 4096) {
        struct xenstore_domain_interface *i = &f.intf;
        uint8_t op = data[off++];
        size_t n;

        switch (op) {
        case 0:
            n = off < size ? data[off++] % 65 : 0;
            for (; n && off < size; n--) {
                if (i->req_prod - i->req_cons >= XENSTORE_RING_SIZE)
                    break;
                i->req[MASK_XENSTORE_IDX(i->req_prod)] = (char)data[off++];
                i->req_prod++;
            }
            continue;
        case 1:
        case 2:
            if (size - off < 4)
                goto out;
            *(op == 1 ? &i->req_prod : &i->rsp_cons) = rd32(data + off);
            lied = true;
            off += 4;
            continue;
        case 3:
            i->rsp_cons = i->rsp_prod;
            continue;
        case 6:
            f.fail_notify = !f.fail_notify;
            continue;
        case 4:
            if (size - off < 3)
                goto out;
            (data[off] & 1 ? i->rsp : i->req)[(data[off] >> 1 | data[off + 1] << 7) %
                                              XENSTORE_RING_SIZE] = (char)data[off + 2];
            off += 3;
            continue;
        default:
            break;
        }
        int rc = xs_ring_process(r);
        if (rc < 0) {
            if (!r->why)
                abort();        /* cut off without a reason */
            break;
        }
        if (rc > 1)
            abort();
        if (lied)
            continue;
        if (i->rsp_prod - i->rsp_cons > XENSTORE_RING_SIZE)
            abort();            /* overwrote replies the guest had not read */
        if (i->req_prod - i->req_cons > XENSTORE_RING_SIZE)
            abort();            /* consumed requests never produced */
    }
out:
    xs_ring_free(r);
    if (f.releases != 1)
        abort();
    xs_store_fini(&s);
    return 0;
}

/*
 * Xenstore wire protocol: the message framing shared by the store daemon
 * (oryxd), its socket clients and guest kernels (over the ring page).
 * Facts from Xen's public io/xs_wire.h and docs/misc/xenstore.txt; see
 * docs/oryxd.md for the payload of each message type.
 */
#ifndef ORYX_PUBLIC_IO_XS_WIRE_H
#define ORYX_PUBLIC_IO_XS_WIRE_H

#include <stdint.h>

/* Message types; the numbers are ABI. */
enum xsd_sockmsg_type {
    XS_CONTROL              = 0,   /* also known as XS_DEBUG */
    XS_DIRECTORY            = 1,
    XS_READ                 = 2,
    XS_GET_PERMS            = 3,
    XS_WATCH                = 4,
    XS_UNWATCH              = 5,
    XS_TRANSACTION_START    = 6,
    XS_TRANSACTION_END      = 7,
    XS_INTRODUCE            = 8,
    XS_RELEASE              = 9,
    XS_GET_DOMAIN_PATH      = 10,
    XS_WRITE                = 11,
    XS_MKDIR                = 12,
    XS_RM                   = 13,
    XS_SET_PERMS            = 14,
    XS_WATCH_EVENT          = 15,  /* server -> client only */
    XS_ERROR                = 16,  /* server -> client only */
    XS_IS_DOMAIN_INTRODUCED = 17,
    XS_RESUME               = 18,
    XS_SET_TARGET           = 19,
    /* 20 was XS_RESTRICT; it is invalid now. */
    XS_RESET_WATCHES        = 21,
    XS_DIRECTORY_PART       = 22,
    XS_GET_FEATURE          = 23,
    XS_SET_FEATURE          = 24,
    XS_GET_QUOTA            = 25,
    XS_SET_QUOTA            = 26,
    XS_TYPE_COUNT           = 27,
    XS_INVALID              = 0xffff
};
#define XS_DEBUG XS_CONTROL

/* Every message in both directions: this header, then len payload bytes. */
struct xsd_sockmsg {
    uint32_t type;      /* enum xsd_sockmsg_type */
    uint32_t req_id;    /* chosen by the client, echoed in the reply */
    uint32_t tx_id;     /* transaction id, 0 = none; echoed in the reply */
    uint32_t len;       /* payload bytes, at most XENSTORE_PAYLOAD_MAX */
};
_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xsd_sockmsg size");
_Static_assert(__builtin_offsetof(struct xsd_sockmsg, req_id) == 4, "req_id");
_Static_assert(__builtin_offsetof(struct xsd_sockmsg, tx_id) == 8, "tx_id");
_Static_assert(__builtin_offsetof(struct xsd_sockmsg, len) == 12, "len");

/* Fields of a WATCH_EVENT payload, in order. */
enum xs_watch_type {
    XS_WATCH_PATH  = 0,
    XS_WATCH_TOKEN = 1
};

/*
 * Errors travel as errno *names* in an ERROR reply's payload. The set a
 * server may send (clients map unknown names to EINVAL); table order is
 * part of the ABI for clients that index it.
 */
#define XSD_ERROR_NAMES(X) \
    X(EINVAL) X(EACCES) X(EEXIST) X(EISDIR) X(ENOENT) X(ENOMEM) X(ENOSPC) \
    X(EIO) X(ENOTEMPTY) X(ENOSYS) X(EROFS) X(EBUSY) X(EAGAIN) X(EISCONN) \
    X(E2BIG) X(EPERM)

#ifdef EINVAL   /* only when the includer has <errno.h> */
struct xsd_errors {
    int errnum;
    const char *errstring;
};
#define XSD_ERROR_ENTRY_(e) { e, #e },
static const struct xsd_errors xsd_errors[] __attribute__((unused)) = {
    XSD_ERROR_NAMES(XSD_ERROR_ENTRY_)
};
#undef XSD_ERROR_ENTRY_
#endif

/* Payload limit in both directions; a client exceeding it is dropped. */
#define XENSTORE_PAYLOAD_MAX   4096
/* Path limits: longer paths get EINVAL. */
#define XENSTORE_ABS_PATH_MAX  3072
#define XENSTORE_REL_PATH_MAX  2048

/* The shared ring page between a guest and the store (one 4 KiB page). */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
    char req[XENSTORE_RING_SIZE];       /* guest -> server bytes */
    char rsp[XENSTORE_RING_SIZE];       /* server -> guest bytes */
    XENSTORE_RING_IDX req_cons;         /* server advances */
    XENSTORE_RING_IDX req_prod;         /* guest advances */
    XENSTORE_RING_IDX rsp_cons;         /* guest advances */
    XENSTORE_RING_IDX rsp_prod;         /* server advances */
    uint32_t server_features;           /* server writes, XENSTORE_SERVER_FEATURE_* */
    uint32_t connection;                /* XENSTORE_CONNECTED / _RECONNECT */
    uint32_t error;                     /* XENSTORE_ERROR_* */
    uint32_t evtchn_port;               /* builder writes, 0 = use INTRODUCE's */
};
_Static_assert(sizeof(struct xenstore_domain_interface) == 2080, "ring size");
_Static_assert(__builtin_offsetof(struct xenstore_domain_interface, req_cons) == 2048, "req_cons");
_Static_assert(__builtin_offsetof(struct xenstore_domain_interface, server_features) == 2064, "features");
_Static_assert(__builtin_offsetof(struct xenstore_domain_interface, evtchn_port) == 2076, "evtchn_port");

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR        2
#define XENSTORE_SERVER_FEATURE_WATCHDEPTH   4
#define XENSTORE_SERVER_FEATURE_DOMID_ANY    8

#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1

#define XENSTORE_ERROR_NONE    0
#define XENSTORE_ERROR_COMM    1
#define XENSTORE_ERROR_RINGIDX 2
#define XENSTORE_ERROR_PROTO   3

#endif

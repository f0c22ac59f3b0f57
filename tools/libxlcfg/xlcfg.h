/*
 * libxlcfg: reader for xl.cfg(5) domain configuration files.
 *
 * Two layers. The syntax layer turns a file into settings (key, value,
 * position), where a value is a string, a number or a (nested) list.
 * The domain layer turns settings into a typed struct xlcfg_domain,
 * checking types and ranges and parsing the spec strings of disk=, vif=
 * and pci=. Nothing here prints or exits: problems are collected in a
 * struct xlcfg_diags with file, line and column; functions return 0 or
 * a negative errno (-EINVAL when the configuration is wrong).
 */
#ifndef ORYX_XLCFG_H
#define ORYX_XLCFG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- diagnostics -------------------------------------------------- */

enum xlcfg_severity {
    XLCFG_WARNING,
    XLCFG_ERROR,
};

struct xlcfg_diag {
    enum xlcfg_severity severity;
    unsigned int line;          /* 1-based; 0 when not tied to a place */
    unsigned int col;           /* 1-based byte column; 0 likewise */
    char *msg;
};

struct xlcfg_diags {
    char *source;               /* file name used in messages */
    struct xlcfg_diag *v;
    size_t n, cap;
    unsigned int nerrors, nwarnings;
    unsigned int overrides_from;    /* lines from here on are KEY=VALUE overrides
                                     * (xl's command line): replacing a setting
                                     * is their point, not warned about; 0 none */
};

void xlcfg_diags_init(struct xlcfg_diags *d, const char *source);
void xlcfg_diags_free(struct xlcfg_diags *d);
/* Adds a message; returns -ENOMEM when even that fails. */
int xlcfg_diag_add(struct xlcfg_diags *d, enum xlcfg_severity sev,
                   unsigned int line, unsigned int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* "FILE:LINE:COL: error: MSG" per message, in the order found. */
void xlcfg_diags_print(const struct xlcfg_diags *d, FILE *out);

/* ---- syntax layer ------------------------------------------------- */

enum xlcfg_vtype {
    XLCFG_V_STRING,             /* quoted in the file */
    XLCFG_V_NUMBER,             /* bare number; text kept as written */
    XLCFG_V_LIST,
};

struct xlcfg_value {
    enum xlcfg_vtype type;
    unsigned int line, col;
    char *str;                  /* STRING, NUMBER: NUL-terminated text */
    struct xlcfg_value **items; /* LIST */
    size_t nitems;
};

struct xlcfg_setting {
    char *key;
    unsigned int line, col;     /* of the key */
    int appended;               /* last assignment used += */
    struct xlcfg_value *value;
};

struct xlcfg_file {
    struct xlcfg_setting *settings; /* one per key, first-seen order */
    size_t n;
};

/* Limits that keep hostile input bounded. */
#define XLCFG_MAX_FILE_SIZE   (4u << 20)
#define XLCFG_MAX_LIST_DEPTH  16
#define XLCFG_MAX_ERRORS      20

/* Parses buf (len bytes, need not be NUL-terminated). On success *out is
 * the settings (a key assigned twice keeps the last value, += appends);
 * on -EINVAL *out is NULL and d says why. */
int xlcfg_parse_buffer(const char *buf, size_t len, struct xlcfg_file **out,
                       struct xlcfg_diags *d);
/* Reads path and parses it; "-" reads stdin. -errno when unreadable. */
int xlcfg_parse_path(const char *path, struct xlcfg_file **out,
                     struct xlcfg_diags *d);
void xlcfg_file_free(struct xlcfg_file *f);
const struct xlcfg_setting *xlcfg_file_get(const struct xlcfg_file *f,
                                           const char *key);

/* ---- typed domain configuration ----------------------------------- */

#define XLCFG_UNSET     INT64_MIN   /* integer option not given */
#define XLCFG_DEFAULT   (-1)        /* tri-state/enum option not given */

enum xlcfg_type {
    XLCFG_TYPE_PV,
    XLCFG_TYPE_PVH,
    XLCFG_TYPE_HVM,
};

enum xlcfg_action {
    XLCFG_ACTION_DESTROY,
    XLCFG_ACTION_RESTART,
    XLCFG_ACTION_RENAME_RESTART,
    XLCFG_ACTION_PRESERVE,
    XLCFG_ACTION_COREDUMP_DESTROY,
    XLCFG_ACTION_COREDUMP_RESTART,
    XLCFG_ACTION_SOFT_RESET,
};

enum xlcfg_disk_format {
    XLCFG_FORMAT_UNKNOWN,
    XLCFG_FORMAT_RAW,
    XLCFG_FORMAT_QCOW,
    XLCFG_FORMAT_QCOW2,
    XLCFG_FORMAT_VHD,
    XLCFG_FORMAT_QED,
    XLCFG_FORMAT_EMPTY,
};

enum xlcfg_disk_backendtype {
    XLCFG_BACKEND_AUTO,
    XLCFG_BACKEND_PHY,
    XLCFG_BACKEND_QDISK,
    XLCFG_BACKEND_TAP,
    XLCFG_BACKEND_STANDALONE,
};

enum xlcfg_disk_spec {
    XLCFG_SPEC_XEN,
    XLCFG_SPEC_VIRTIO,
};

/* One disk= entry (xl-disk-configuration(5)). */
struct xlcfg_disk {
    char *target;               /* NULL: empty (cdrom) drive */
    enum xlcfg_disk_format format;
    char *vdev;
    int readwrite;
    int shared_rw;              /* access=w!: writable by several guests */
    int is_cdrom;
    enum xlcfg_disk_backendtype backendtype;
    enum xlcfg_disk_spec specification;
    char *backend;              /* backend domain name; NULL: dom0 */
    char *script;
    int8_t discard;             /* tri-state: XLCFG_DEFAULT, 0, 1 */
    int8_t trusted;             /* tri-state */
    int8_t grant_usage;         /* tri-state */
    int8_t colo;                /* tri-state */
    int direct_io_safe;
    char *colo_host, *colo_export, *active_disk, *hidden_disk;
    int colo_port;              /* 0: not given */
};

/* One vif= entry (xl-network-configuration(5)). */
struct xlcfg_vif {
    int has_mac;
    uint8_t mac[6];
    char *bridge, *ip, *script, *vifname, *model, *backend, *gatewaydev;
    char *vlan;
    int type;                   /* XLCFG_DEFAULT, XLCFG_VIF_VIF, _IOEMU */
    char *rate;                 /* as written; NULL: unlimited */
    uint64_t rate_bytes_per_interval;
    uint32_t rate_interval_usecs;
    int64_t mtu, devid;         /* XLCFG_UNSET when not given */
    int8_t trusted;             /* tri-state */
};
#define XLCFG_VIF_VIF   0
#define XLCFG_VIF_IOEMU 1

/* One pci= entry (xl-pci-configuration(5)). */
struct xlcfg_pci {
    int has_bdf;
    uint16_t domain;
    uint8_t bus, dev, func;
    int all_functions;          /* function given as '*' */
    int vslot;                  /* -1: chosen by the toolstack */
    int8_t permissive, msitranslate, seize, power_mgmt; /* tri-state */
    int rdm_policy;             /* XLCFG_DEFAULT, 0 strict, 1 relaxed */
    char *name;
};

struct xlcfg_strlist {
    char **v;
    size_t n;
};

struct xlcfg_domain {
    char *name;
    enum xlcfg_type type;
    int type_from_builder;      /* came from the deprecated builder= */
    int type_defaulted;         /* neither given: xl's x86 default, pv */
    int has_uuid;
    uint8_t uuid[16];
    char *pool;

    int64_t memory, maxmem;     /* MiB */
    int64_t vcpus, maxvcpus;
    struct xlcfg_strlist cpus, cpus_soft; /* one string, or one per vcpu */
    int cpus_is_list, cpus_soft_is_list;
    int64_t cpu_weight, cap;

    char *kernel, *ramdisk, *cmdline, *root, *extra;
    char *bootloader;
    struct xlcfg_strlist bootloader_args;
    char *firmware;

    enum xlcfg_action on_poweroff, on_reboot, on_watchdog, on_crash,
                      on_soft_reset;

    struct xlcfg_disk *disks;
    size_t ndisks;
    struct xlcfg_vif *vifs;
    size_t nvifs;
    struct xlcfg_pci *pcis;
    size_t npcis;
    struct xlcfg_strlist serial;
    struct xlcfg_strlist usbdevice;
    struct xlcfg_strlist viridian; /* groups; see viridian_bool too */
    int viridian_bool;          /* XLCFG_DEFAULT, 0, 1 (boolean form) */
    struct xlcfg_strlist device_model_args;

    /* Simple scalar options; see xlcfg_domain.c's key table. */
    int8_t vnc, vncunused, sdl, nographic, stdvga, usb, acpi, apic, pae,
           hap, nx, hpet, localtime, xen_platform_pci, nomigrate,
           driver_domain, e820_host, pvshim, nestedhvm, oos,
           pci_permissive, pci_msitranslate, pci_seize, pci_power_mgmt,
           vpt_align, acpi_s3, acpi_s4, dm_restrict;
    char *vnclisten, *vncpasswd, *keymap, *vga, *boot, *hdtype, *bios,
         *device_model_version, *device_model_override, *tsc_mode,
         *timer_mode, *seclabel, *soundhw, *pvshim_path, *pvshim_cmdline,
         *pvshim_extra, *bootloader_user, *device_model_user, *altp2m,
         *ms_vm_genid;
    int64_t vncdisplay, videoram, usbversion, rtc_timeoffset,
            shadow_memory, max_grant_frames, max_maptrack_frames,
            max_event_channels, mmio_hole;
};

void xlcfg_domain_init(struct xlcfg_domain *dom);
void xlcfg_domain_free(struct xlcfg_domain *dom);

/* Builds dom (initialised by the caller) from f. Unknown keys are
 * warnings; bad values, missing name and contradictions are errors
 * (-EINVAL). dom holds whatever was valid either way. */
int xlcfg_domain_from_file(const struct xlcfg_file *f,
                           struct xlcfg_domain *dom, struct xlcfg_diags *d);

/* Parse path and build dom in one go. */
int xlcfg_domain_load(const char *path, struct xlcfg_domain *dom,
                      struct xlcfg_diags *d);

/* Spec strings on their own (used by disk=, vif=, pci= and by the CLI's
 * future block-attach/network-attach). On failure *err is a malloc'd
 * message without position; the struct must then be freed anyway. */
int xlcfg_disk_parse(const char *spec, struct xlcfg_disk *disk, char **err);
void xlcfg_disk_free(struct xlcfg_disk *disk);
int xlcfg_vif_parse(const char *spec, struct xlcfg_vif *vif, char **err);
void xlcfg_vif_free(struct xlcfg_vif *vif);
int xlcfg_pci_parse(const char *spec, struct xlcfg_pci *pci, char **err);
void xlcfg_pci_free(struct xlcfg_pci *pci);

/* Canonical spec strings ("format=raw, vdev=xvda, access=rw,
 * target=/dev/vg/x"); malloc'd, NULL on ENOMEM. */
char *xlcfg_disk_format_spec(const struct xlcfg_disk *disk);
char *xlcfg_vif_format_spec(const struct xlcfg_vif *vif);
char *xlcfg_pci_format_spec(const struct xlcfg_pci *pci);

/* Writes dom as a normalized xl.cfg: every option that is set or has an
 * effective default, in a fixed order, one per line, spec strings in
 * canonical form. The output parses back to the same domain. */
int xlcfg_domain_print(const struct xlcfg_domain *dom, FILE *out);

/* Names for enums ("pvh", "coredump-restart", "qcow2", "phy"). */
const char *xlcfg_type_name(enum xlcfg_type t);
const char *xlcfg_action_name(enum xlcfg_action a);
const char *xlcfg_format_name(enum xlcfg_disk_format f);
const char *xlcfg_backendtype_name(enum xlcfg_disk_backendtype b);

/* Appends s to a string list (copying it). */
int xlcfg_strlist_add(struct xlcfg_strlist *l, const char *s);
void xlcfg_strlist_free(struct xlcfg_strlist *l);

#endif

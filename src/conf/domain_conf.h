/*
 * domain_conf.h: the <domain> subset Fleece runs
 *
 * The parser reads libvirt's domain grammar; what Fleece models is held
 * in typed fields, every other element is kept as an XML subtree and
 * written back unchanged.  Whether Fleece can *run* a definition is a
 * separate check (virDomainDefValidateRunnable), so documents embedded
 * in checkpoints by libvirt parse even when Fleece could not start them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <libxml/tree.h>

#include "storage_source_conf.h"
#include "virbuffer.h"
#include "virenum.h"
#include "viruuid.h"

typedef enum {
    VIR_DOMAIN_VIRT_NONE = 0,
    VIR_DOMAIN_VIRT_QEMU,
    VIR_DOMAIN_VIRT_KVM,

    VIR_DOMAIN_VIRT_LAST
} virDomainVirtType;
VIR_ENUM_DECL(virDomainVirt);   /* "none", "qemu", "kvm" */

typedef enum {
    VIR_DOMAIN_DISK_DEVICE_DISK = 0,
    VIR_DOMAIN_DISK_DEVICE_CDROM,
    VIR_DOMAIN_DISK_DEVICE_FLOPPY,
    VIR_DOMAIN_DISK_DEVICE_LUN,

    VIR_DOMAIN_DISK_DEVICE_LAST
} virDomainDiskDevice;
VIR_ENUM_DECL(virDomainDiskDevice);

typedef enum {
    VIR_DOMAIN_DISK_BUS_NONE = 0,
    VIR_DOMAIN_DISK_BUS_IDE,
    VIR_DOMAIN_DISK_BUS_FDC,
    VIR_DOMAIN_DISK_BUS_SCSI,
    VIR_DOMAIN_DISK_BUS_VIRTIO,
    VIR_DOMAIN_DISK_BUS_XEN,
    VIR_DOMAIN_DISK_BUS_USB,
    VIR_DOMAIN_DISK_BUS_UML,
    VIR_DOMAIN_DISK_BUS_SATA,
    VIR_DOMAIN_DISK_BUS_SD,

    VIR_DOMAIN_DISK_BUS_LAST
} virDomainDiskBus;
VIR_ENUM_DECL(virDomainDiskBus);

/* The host side of a serial port or console (libvirt's character device
 * source): read from the kept element for the command line. */
typedef struct _virDomainChrSourceDef virDomainChrSourceDef;
struct _virDomainChrSourceDef {
    char *path;              /* <source path=''> of type 'file' */
    bool append;             /* <source append='on'> */
    char *logfile;           /* <log file=''>: a copy of all output */
    bool logappend;          /* <log append='on'> */
};

/* An element Fleece does not interpret, kept to be written back.  The
 * text is formatted in libvirt's style at indentation 0; rank is the
 * element's place in libvirt's order among its siblings. */
typedef struct _virDomainXMLKept virDomainXMLKept;
struct _virDomainXMLKept {
    char *name;      /* element name (with prefix), for checks */
    char *type;      /* its 'type' attribute, NULL if none */
    char *model;     /* its 'model' attribute, NULL if none */
    int rank;
    char *xml;       /* NULL = placeholder for a modelled element */
    char *xml_inactive; /* without runtime aliases; NULL = same as xml */
    virDomainChrSourceDef *chr;  /* serial ports and consoles only */
};

typedef struct _virDomainXMLKeptList virDomainXMLKeptList;
struct _virDomainXMLKeptList {
    virDomainXMLKept **items;
    size_t nitems;
};

typedef struct _virDomainDiskDef virDomainDiskDef;
struct _virDomainDiskDef {
    virStorageSource *src;   /* type, path, format, readonly, backing chain */
    int device;              /* virDomainDiskDevice */
    char *dst;               /* target dev, e.g. "vda" */
    int bus;                 /* virDomainDiskBus */
    char *serial;
    /* <driver> attributes other than type; NULL = not given */
    char *driver_name;
    char *cache;
    char *discard;
    char *io;
    char *alias;             /* device alias, live XML only */
    /* attributes not interpreted, preformatted as " name='value'..." */
    char *disk_attrs;        /* on <disk> */
    char *driver_attrs;      /* on <driver> */
    char *target_attrs;      /* on <target> */
    /* children of <disk> Fleece does not interpret (e.g. <address>) */
    virDomainXMLKeptList extra;
};

typedef struct _virDomainDef virDomainDef;
struct _virDomainDef {
    int virtType;                        /* virDomainVirtType */
    int id;                              /* -1 when not running */
    unsigned char uuid[VIR_UUID_BUFLEN];
    char *name;
    char *title;
    char *description;

    unsigned long long memory_kib;       /* <memory> */
    unsigned long long cur_memory_kib;   /* <currentMemory>, 0 = not given */
    unsigned int vcpus;
    char *vcpu_placement;                /* NULL = not given */
    char *vcpu_attrs;                    /* other <vcpu> attributes */

    char *os_type;                       /* "hvm" */
    char *os_arch;
    char *os_machine;
    char *os_attrs;                      /* <os> attributes, e.g. firmware */
    char *os_kernel;                     /* direct kernel boot: <kernel> */
    char *os_initrd;                     /* <initrd> */
    char *os_cmdline;                    /* <cmdline> */
    char *cpu_mode;                      /* NULL = not given */
    bool has_cpu;                        /* a <cpu> element is present */

    char *on_poweroff;                   /* NULL = default */
    char *on_reboot;
    char *on_crash;

    char *emulator;
    virDomainDiskDef **disks;
    size_t ndisks;

    /* Path of the guest agent's unix socket channel, NULL = none. */
    char *agent_socket;
    bool has_agent;                      /* the agent channel is present */
    char *agent_state;                   /* live <target state=''> */
    virDomainXMLKeptList agent_extra;    /* e.g. <alias>, <address> */

    /* Namespace declarations of <domain>, preformatted attributes. */
    char *root_ns_attrs;
    /* Everything else is kept in order, as formatted XML text. */
    virDomainXMLKeptList extra;          /* top-level elements */
    virDomainXMLKeptList os_extra;       /* <os> children other than <type> */
    char *cpu_attrs;                     /* <cpu> attributes other than mode */
    virDomainXMLKeptList cpu_extra;      /* <cpu> children */
    virDomainXMLKeptList devices_extra;  /* devices other than disks */
};

typedef enum {
    /* live XML: read alias, index and other runtime data */
    VIR_DOMAIN_DEF_PARSE_STATUS = 1 << 0,
    /* embedded copy (checkpoint): no uuid generation */
    VIR_DOMAIN_DEF_PARSE_INACTIVE = 1 << 1,
    /* validate against domain.rng first */
    VIR_DOMAIN_DEF_PARSE_VALIDATE = 1 << 2,
} virDomainDefParseFlags;

typedef enum {
    VIR_DOMAIN_DEF_FORMAT_SECURE = 1 << 0,
    VIR_DOMAIN_DEF_FORMAT_INACTIVE = 1 << 1,  /* no aliases, no id */
    VIR_DOMAIN_DEF_FORMAT_STATUS = 1 << 2,
} virDomainDefFormatFlags;

void virDomainXMLKeptListClear(virDomainXMLKeptList *list);

virDomainDef *virDomainDefNew(void);
void virDomainDefFree(virDomainDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainDef, virDomainDefFree);
void virDomainDiskDefFree(virDomainDiskDef *disk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainDiskDef, virDomainDiskDefFree);

virDomainDef *virDomainDefParseString(const char *xmlStr, unsigned int flags);
/* Parse from an already-parsed <domain> node (e.g. inside a checkpoint). */
virDomainDef *virDomainDefParseNode(xmlDocPtr xml, xmlNodePtr root,
                                    unsigned int flags);
char *virDomainDefFormat(const virDomainDef *def, unsigned int flags);
/* Format into buf at its current indentation. */
int virDomainDefFormatInternal(const virDomainDef *def, virBuffer *buf,
                               unsigned int flags);
virDomainDef *virDomainDefCopy(const virDomainDef *def);

/* Reject what Fleece cannot run (VIR_ERR_CONFIG_UNSUPPORTED naming the
 * element): unsupported bus, format, disk type, device model, ... */
int virDomainDefValidateRunnable(const virDomainDef *def);

/* Find a disk by target ("vda") or by source path. */
virDomainDiskDef *virDomainDiskByName(virDomainDef *def, const char *name);
virDomainDiskDef *virDomainDiskByTarget(virDomainDef *def, const char *dst);
/* A disk with media and writable (may carry checkpoints / be backed up). */
bool virDomainDiskIsWritableWithMedia(const virDomainDiskDef *disk);

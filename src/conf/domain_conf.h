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
    /* children of <disk> Fleece does not interpret (e.g. <address>),
     * kept as formatted XML text to be written back */
    char *extra_xml;
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
    unsigned long long cur_memory_kib;   /* <currentMemory>, 0 = same */
    unsigned int vcpus;

    char *os_type;                       /* "hvm" */
    char *os_arch;
    char *os_machine;
    char *cpu_mode;                      /* NULL = not given */

    char *on_poweroff;                   /* NULL = default */
    char *on_reboot;
    char *on_crash;

    char *emulator;
    virDomainDiskDef **disks;
    size_t ndisks;

    /* Path of the guest agent's unix socket channel, NULL = none. */
    char *agent_socket;

    /* Everything else is kept in order, per position, as XML text:
     * opaque top-level elements and opaque device elements. */
    char *extra_xml;        /* top-level elements */
    char *os_extra_xml;     /* <os> children other than <type> */
    char *cpu_extra_xml;    /* <cpu> children and other attributes */
    char *devices_extra_xml; /* devices other than disks/emulator */
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

/*
 * domain_validate.c: what Fleece can run of a domain definition
 *
 * Parsing accepts libvirt's grammar; this check rejects, with
 * VIR_ERR_CONFIG_UNSUPPORTED naming the element, what would change the
 * guest in a way Fleece cannot honour.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "domain_conf.h"
#include "domain_conf_priv.h"
#include "virerror.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

/* ---------------------------------------------------------------------
 * What Fleece can run
 */

/* Devices and top-level elements whose presence Fleece cannot honour:
 * each needs host resources or guest wiring Fleece does not set up. */
static const virDomainDeviceElement virDomainDevicesUnsupported[] = {
    VIR_DOMAIN_DEV_LEASE, VIR_DOMAIN_DEV_FILESYSTEM,
    VIR_DOMAIN_DEV_SMARTCARD, VIR_DOMAIN_DEV_PARALLEL, VIR_DOMAIN_DEV_TPM,
    VIR_DOMAIN_DEV_HOSTDEV, VIR_DOMAIN_DEV_REDIRDEV,
    VIR_DOMAIN_DEV_REDIRFILTER, VIR_DOMAIN_DEV_SHMEM, VIR_DOMAIN_DEV_MEMORY,
    VIR_DOMAIN_DEV_IOMMU, VIR_DOMAIN_DEV_VSOCK, VIR_DOMAIN_DEV_CRYPTO,
};

static const virDomainTopElement virDomainTopUnsupported[] = {
    VIR_DOMAIN_TOP_MEMORY_BACKING, VIR_DOMAIN_TOP_NUMATUNE,
    VIR_DOMAIN_TOP_BOOTLOADER, VIR_DOMAIN_TOP_IDMAP,
    VIR_DOMAIN_TOP_LAUNCH_SECURITY, VIR_DOMAIN_TOP_QEMU_COMMANDLINE,
    VIR_DOMAIN_TOP_QEMU_OVERRIDE,
};

/* Interface types that need no host network setup. */
typedef enum {
    VIR_DOMAIN_RUNNABLE_NET_USER = 0,

    VIR_DOMAIN_RUNNABLE_NET_LAST
} virDomainRunnableNet;
VIR_ENUM_DECL(virDomainRunnableNet);
VIR_ENUM_IMPL(virDomainRunnableNet, VIR_DOMAIN_RUNNABLE_NET_LAST, "user");

/* Character device types Fleece can give a serial port or console. */
typedef enum {
    VIR_DOMAIN_RUNNABLE_CHR_PTY = 0,
    VIR_DOMAIN_RUNNABLE_CHR_NULL,
    VIR_DOMAIN_RUNNABLE_CHR_FILE,

    VIR_DOMAIN_RUNNABLE_CHR_LAST
} virDomainRunnableChr;
VIR_ENUM_DECL(virDomainRunnableChr);
VIR_ENUM_IMPL(virDomainRunnableChr, VIR_DOMAIN_RUNNABLE_CHR_LAST,
              "pty", "null", "file");

/* Check one disk against what Fleece runs. */
static int
virDomainDiskValidateRunnable(const virDomainDiskDef *disk)
{
    const virStorageSource *src = disk->src;
    const virStorageSource *n;

    if (src->type != VIR_STORAGE_TYPE_FILE &&
        src->type != VIR_STORAGE_TYPE_BLOCK) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': element 'disk' of type '%s' is not supported"),
                       disk->dst, virStorageTypeToString(src->type));
        return -1;
    }
    if (disk->device != VIR_DOMAIN_DISK_DEVICE_DISK &&
        disk->device != VIR_DOMAIN_DISK_DEVICE_CDROM) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': element 'disk' with device '%s' is not supported"),
                       disk->dst, virDomainDiskDeviceTypeToString(disk->device));
        return -1;
    }
    if (disk->bus != VIR_DOMAIN_DISK_BUS_VIRTIO &&
        disk->bus != VIR_DOMAIN_DISK_BUS_SCSI &&
        disk->bus != VIR_DOMAIN_DISK_BUS_SATA) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': element 'target' with bus '%s' is not supported"),
                       disk->dst, virDomainDiskBusTypeToString(disk->bus));
        return -1;
    }
    if (disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM &&
        disk->bus == VIR_DOMAIN_DISK_BUS_VIRTIO) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': element 'target' with bus 'virtio' cannot hold a cdrom"),
                       disk->dst);
        return -1;
    }
    if (!src->path && disk->device == VIR_DOMAIN_DISK_DEVICE_DISK) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s': element 'source' is missing"), disk->dst);
        return -1;
    }
    for (n = src; n && n->type != VIR_STORAGE_TYPE_NONE; n = n->backingStore) {
        if (n->format != VIR_STORAGE_FILE_NONE &&
            n->format != VIR_STORAGE_FILE_RAW &&
            n->format != VIR_STORAGE_FILE_QCOW2) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': element 'driver' with format '%s' is not supported"),
                           disk->dst, virStorageFileFormatTypeToString(n->format));
            return -1;
        }
        if (n->path && !g_path_is_absolute(n->path)) {
            /* a relative name would depend on the directory QEMU and
             * qemu-img run in, and could read as an option or a
             * protocol ('json:', 'nbd:') to them */
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': source path '%s' is not absolute"),
                           disk->dst, n->path);
            return -1;
        }
        if (n->encryption) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': element 'encryption' is not supported"),
                           disk->dst);
            return -1;
        }
    }
    return 0;
}

/* Check the kept devices: the device kinds Fleece cannot provide, and
 * the types of interfaces, serial ports, consoles and channels. */
static int
virDomainDevicesValidateRunnable(const virDomainDef *def)
{
    size_t i;
    size_t j;

    for (i = 0; i < def->devices_extra.nitems; i++) {
        const virDomainXMLKept *item = def->devices_extra.items[i];
        int dev = virDomainDeviceElementTypeFromString(item->name);

        if (!item->xml)
            continue;   /* the agent channel */
        for (j = 0; j < G_N_ELEMENTS(virDomainDevicesUnsupported); j++) {
            if (dev == (int) virDomainDevicesUnsupported[j]) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("element '%s' is not supported"), item->name);
                return -1;
            }
        }
        switch (dev) {
        case VIR_DOMAIN_DEV_INTERFACE:
            if (virDomainRunnableNetTypeFromString(item->type) < 0) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("element 'interface' of type '%s' is not supported"),
                               NULLSTR(item->type));
                return -1;
            }
            break;
        case VIR_DOMAIN_DEV_SERIAL:
        case VIR_DOMAIN_DEV_CONSOLE:
            if (virDomainRunnableChrTypeFromString(item->type) < 0) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("element '%s' of type '%s' is not supported"),
                               item->name, NULLSTR(item->type));
                return -1;
            }
            break;
        case VIR_DOMAIN_DEV_CHANNEL:
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("element 'channel' other than the guest agent's is not supported"));
            return -1;
        case VIR_DOMAIN_DEV_CONTROLLER:
            if (g_strcmp0(item->type, virDomainDiskBusTypeToString(VIR_DOMAIN_DISK_BUS_SCSI)) == 0 && item->model &&
                !g_str_equal(item->model, STR(VIRTIO_SCSI))) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("element 'controller' of model '%s' is not supported"),
                               item->model);
                return -1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

/* Reject, with VIR_ERR_CONFIG_UNSUPPORTED naming the element, anything
 * in def that Fleece cannot honour when it starts the domain.  Parsing
 * alone accepts more (libvirt's embedded copies must round-trip). */
int
virDomainDefValidateRunnable(const virDomainDef *def)
{
    const char *actions[] = { def->on_poweroff, def->on_reboot, def->on_crash };
    const char *elements[] = { "on_poweroff", "on_reboot", "on_crash" };
    size_t i;
    size_t j;

    if (def->virtType != VIR_DOMAIN_VIRT_QEMU &&
        def->virtType != VIR_DOMAIN_VIRT_KVM) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("element 'domain' of type '%s' is not supported"),
                       virDomainVirtTypeToString(def->virtType));
        return -1;
    }
    if (g_strcmp0(def->os_type, STR(HVM)) != 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("element 'type' in 'os' with value '%s' is not supported"),
                       NULLSTR(def->os_type));
        return -1;
    }
    if (!def->os_kernel && (def->os_initrd || def->os_cmdline)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("element '%s' in 'os' needs element 'kernel'"),
                       def->os_initrd ? "initrd" : "cmdline");
        return -1;
    }
    if (def->memory_kib == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("element 'memory' must not be zero"));
        return -1;
    }
    for (i = 0; i < G_N_ELEMENTS(actions); i++) {
        int action = virDomainLifecycleActionTypeFromString(actions[i]);

        if (actions[i] && action != VIR_DOMAIN_LIFECYCLE_DESTROY &&
            action != VIR_DOMAIN_LIFECYCLE_RESTART) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("element '%s' with action '%s' is not supported"),
                           elements[i], actions[i]);
            return -1;
        }
    }
    for (i = 0; i < def->extra.nitems; i++) {
        const virDomainXMLKept *item = def->extra.items[i];
        int top = virDomainTopElementTypeFromString(item->name);

        for (j = 0; j < G_N_ELEMENTS(virDomainTopUnsupported); j++) {
            if (top == (int) virDomainTopUnsupported[j]) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("element '%s' is not supported"), item->name);
                return -1;
            }
        }
    }
    for (i = 0; i < def->ndisks; i++) {
        if (virDomainDiskValidateRunnable(def->disks[i]) < 0)
            return -1;
    }
    return virDomainDevicesValidateRunnable(def);
}

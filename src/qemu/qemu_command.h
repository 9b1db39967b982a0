/*
 * qemu_command.h: the QEMU command line of a domain definition
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "domain_conf.h"

typedef struct _qemuCommandParams qemuCommandParams;
struct _qemuCommandParams {
    const char *qmpSocket;     /* path of the QMP unix socket */
    const char *pidfile;       /* -pidfile, NULL = none */
    bool kvm;                  /* accelerate with KVM (else TCG) */
};

/* Give each disk its device alias (libvirt's scheme: virtio-disk0,
 * scsi0-0-0-0, sata0-0-0, …) and each image of its chain a node index
 * (libvirt-N-format / libvirt-N-storage), counting from *nextIndex. */
int qemuAssignDeviceAliases(virDomainDef *def);
void qemuAssignNodeNames(virDomainDef *def, unsigned int *nextIndex);

/* The node names of an image: format node (bitmaps live there) and
 * storage (protocol) node. */
char *qemuBlockFormatNodeName(const virStorageSource *src);
char *qemuBlockStorageNodeName(const virStorageSource *src);

/* Check what the command line cannot express before anything runs
 * (VIR_ERR_CONFIG_UNSUPPORTED naming the disk). */
int qemuValidateDomainDef(const virDomainDef *def);

/* argv of the QEMU process (NULL-terminated; argv[0] is the emulator).
 * Aliases and node names must have been assigned. */
char **qemuBuildCommandLine(const virDomainDef *def,
                            const qemuCommandParams *params);

/* The -blockdev properties (json-c objects) of the block nodes of
 * @disk's chain, backing images first: what QEMU gets on its command
 * line and the storage daemon through blockdev-add.  Node names must
 * have been assigned. */
GPtrArray *qemuBuildDiskBlockdevProps(const virDomainDiskDef *disk);

/* argv of a qemu-storage-daemon (@binary) with only a QMP monitor on
 * @qmpSocket: the disks are added through the monitor, so that one that
 * cannot be opened leaves the others to be closed cleanly (a daemon that
 * fails on its command line exits with the images it opened already
 * unclosed, their bitmaps marked in use). */
char **qemuBuildStorageDaemonCommandLine(const char *binary,
                                         const char *qmpSocket);
/* Its --chardev argument: unique to the socket, so the daemon can be
 * found by it (virProcessFindByArg). */
char *qemuBuildStorageDaemonMonitorArg(const char *qmpSocket);

/* Whether /dev/kvm can be used by this process. */
bool qemuKVMUsable(void);

/* The cache options of @disk's nodes, as a BlockdevCacheOptions
 * structure for QMP; the discard mode of its top nodes (NULL = QEMU's
 * default). */
#include "virjson.h"
virJSONValue *qemuBlockCacheStruct(const virDomainDiskDef *disk);
const char *qemuBlockDiscard(const virDomainDiskDef *disk);
/* BlockdevOptions of the format node of @src (image of @disk), as at
 * start but with @readonly: what blockdev-reopen takes. */
virJSONValue *qemuBlockFormatNodeStruct(const virDomainDiskDef *disk,
                                        const virStorageSource *src,
                                        bool readonly);

/*
 * qemu_backup_cbw.c: pull backups with a bound on how long copy-before-
 * write may hold a guest write (see qemu_backup_cbw.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "qemu_backup_cbw.h"
#include "qemu_qmp.h"
#include "libvirt/libvirt-domain.h"
#include "virerror.h"
#include "virlog.h"
#include "virnbd.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.backup_cbw");

/* How long a probe of the export may take. */
#define QEMU_BACKUP_CBW_PROBE_MS 2000

/* The QOM path of the device whose 'drive' is the disk's block node. */
static char *
qemuBackupCBWDevicePath(qemuDomainObj *obj, const qemuBackupDisk *d)
{
    virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, d->name);

    if (!disk || !disk->alias) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("disk '%s' has no device alias"), d->name);
        return NULL;
    }
    if (disk->bus == VIR_DOMAIN_DISK_BUS_VIRTIO)
        return g_strdup_printf("/machine/peripheral/%s/virtio-backend", disk->alias);
    return g_strdup_printf("/machine/peripheral/%s", disk->alias);
}

static int
qemuBackupCBWSwitch(qemuDomainObj *obj, qemuMonitor *mon, const qemuBackupDisk *d,
                    const char *node)
{
    g_autofree char *qom = qemuBackupCBWDevicePath(obj, d);

    if (!qom)
        return -1;
    return qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_QOM_SET,
                          "s:path", qom, "s:property", "drive", "s:value", node, NULL);
}

/* Run a step whose failure must not hide an earlier error. */
static void
qemuBackupCBWQuiet(int rc)
{
    if (rc < 0)
        VIR_WARN("backup filter cleanup step failed: %s", virGetLastErrorMessage());
}

int
qemuBackupCBWTransaction(qemuDomainObj *obj, qemuMonitor *mon,
                         qemuBackupState *state, virJSONValue **actions)
{
    g_autoptr(virJSONValue) acts = g_steal_pointer(actions);
    bool stopped = false;
    size_t added = 0, switched = 0;
    size_t i;
    int ret = -1;

    if (obj->state == VIR_DOMAIN_RUNNING) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_STOP, NULL) < 0)
            return -1;
        stopped = true;
    }
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        const char *scratch = qemuBackupDiskStoreNode(state, d);

        if (!d->ownFilter)
            continue;
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", "copy-before-write", "s:node-name", d->cbwnode,
                           "s:file", d->topnode, "s:target", scratch,
                           "s:on-cbw-error", "break-snapshot",
                           "i:cbw-timeout", (int) state->cbwTimeout, NULL) < 0)
            goto undo;
        added = i + 1;
    }
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];

        if (!d->ownFilter)
            continue;
        if (qemuBackupCBWSwitch(obj, mon, d, d->cbwnode) < 0)
            goto undo;
        switched = i + 1;
    }
    if (qemuQMPTransaction(mon, &acts, QEMU_MONITOR_TIMEOUT_DEFAULT) < 0)
        goto undo;
    ret = 0;
    goto resume;

 undo:
    {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        for (i = 0; i < switched; i++) {
            if (state->disks[i].ownFilter)
                qemuBackupCBWQuiet(qemuBackupCBWSwitch(obj, mon, &state->disks[i],
                                                       state->disks[i].topnode));
        }
        for (i = 0; i < added; i++) {
            if (state->disks[i].ownFilter)
                qemuBackupCBWQuiet(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                                  QEMU_QMP_BLOCKDEV_DEL, "s:node-name",
                                                  state->disks[i].cbwnode, NULL));
        }
        virResetLastError();
        virErrorRestore(&orig);
    }
 resume:
    if (stopped) {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_CONT, NULL) < 0)
            VIR_WARN("cannot resume domain '%s' after the backup's snapshot: %s",
                     obj->name, virGetLastErrorMessage());
        virResetLastError();
        virErrorRestore(&orig);
    }
    return ret;
}

/* Whether the disk's device reads through @node now (QEMU aborts when a
 * device is switched to the node it is on already). */
static bool
qemuBackupCBWDeviceOn(qemuDomainObj *obj, qemuMonitor *mon, const qemuBackupDisk *d,
                      const char *node)
{
    g_autofree char *qom = qemuBackupCBWDevicePath(obj, d);
    g_autoptr(virJSONValue) reply = NULL;

    if (!qom ||
        qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply, QEMU_QMP_QOM_GET,
                       "s:path", qom, "s:property", "drive", NULL) < 0) {
        virResetLastError();
        return false;
    }
    return g_strcmp0(json_object_get_string(reply), node) == 0;
}

void
qemuBackupCBWRemove(qemuDomainObj *obj, qemuMonitor *mon, qemuBackupDisk *d)
{
    virErrorPtr orig = NULL;

    if (!d->ownFilter || !mon)
        return;
    virErrorPreserveLast(&orig);
    /* a start interrupted before the switch left the device where it was */
    if (qemuBackupCBWDeviceOn(obj, mon, d, d->cbwnode))
        qemuBackupCBWQuiet(qemuBackupCBWSwitch(obj, mon, d, d->topnode));
    qemuBackupCBWQuiet(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                      QEMU_QMP_BLOCKDEV_DEL, "s:node-name",
                                      d->cbwnode, NULL));
    virResetLastError();
    virErrorRestore(&orig);
}

bool
qemuBackupCBWBroken(qemuBackupState *state, qemuBackupDisk *d)
{
    const virDomainBackupServerDef *server = state->def->server;
    const char *exportname = qemuBackupDiskExportName(state, d);
    unsigned int err = 0;
    virNBDProbeResult rc;

    if (!d->ownFilter || !server || !exportname ||
        server->tls == VIR_DOMAIN_BACKUP_TRISTATE_YES)
        return false;
    if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX)
        rc = virNBDProbeRead(server->socket, NULL, 0, exportname, 0, 512,
                             QEMU_BACKUP_CBW_PROBE_MS, &err);
    else if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_TCP)
        rc = virNBDProbeRead(NULL, server->name, server->port, exportname, 0, 512,
                             QEMU_BACKUP_CBW_PROBE_MS, &err);
    else
        return false;
    if (rc == VIR_NBD_PROBE_READ_FAILED) {
        VIR_WARN("the snapshot of disk '%s' is broken (NBD read error %u)", d->name, err);
        return true;
    }
    return false;
}

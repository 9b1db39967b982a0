/*
 * qemu_storage.h: the storage daemon serving a shut-off domain's disks
 * while they are backed up
 *
 * A backup of a domain that is shut off runs in qemu-storage-daemon: it
 * opens the disks as QEMU would (the same block nodes with the same node
 * names, libvirt-N-format / libvirt-N-storage, added through its monitor
 * once it runs), and the backup code
 * drives it through the same monitor commands as QEMU (bitmaps, one
 * transaction, blockdev-backup, the NBD export).  The domain stays shut
 * off and cannot start while the daemon holds its disks.
 *
 * The daemon is journalled in the domain's status file like everything
 * else: its record (QMP socket, the disks it serves with their node
 * names) is written before it is spawned, its pid and start time as soon
 * as it runs.  A process that finds, with the domain's lock, a daemon
 * whose backup is gone or never came stops it (one whose pid was not
 * recorded yet is found by its monitor argument); a daemon that died
 * ends its backup as failed, as a QEMU that died does, and the bitmaps
 * of its images come back inconsistent.
 *
 * The daemon is stopped with 'quit' (SIGTERM as a fallback, which the
 * daemon also takes as a clean quit): QEMU writes persistent bitmaps
 * into the images only when it closes them cleanly.
 *
 * The binary is the setting qemu_storage_daemon of ROOT/etc/fleece.conf,
 * else qemu-storage-daemon from PATH.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libxml/xpath.h>
#include <sys/types.h>

#include "domain_conf.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "virbuffer.h"

struct _qemuStorageDaemon {
    pid_t pid;                      /* 0: spawned, pid not recorded yet */
    unsigned long long starttime;   /* of the process */
    char *socket;                   /* its QMP socket */
    virDomainDef *def;              /* the disks it serves, node names set */
};

void qemuStorageDaemonFree(qemuStorageDaemon *sd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuStorageDaemon, qemuStorageDaemonFree);

/* Status file: <storageDaemon pid= starttime= socket= nextIndex=> with
 * the served definition inside. */
int qemuStorageDaemonFormat(virBuffer *buf, const qemuStorageDaemon *sd,
                            unsigned int nextIndex);
int qemuStorageDaemonParse(xmlDocPtr doc, xmlXPathContextPtr ctxt,
                           qemuStorageDaemon **sd, unsigned int *nextIndex);

const char *qemuStorageDaemonBinary(const qemuDriverConfig *cfg);

/* Start the daemon for shut-off @obj (locked) with its disks: recorded
 * first, then spawned, its pid recorded.  Returns its monitor; on
 * failure nothing is left (no process, socket or record). */
qemuMonitor *qemuStorageDaemonStart(qemuDomainObj *obj);

/* Stop the daemon cleanly (through @mon when the caller has it open, it
 * is left for the caller to close), remove its socket and its record.
 * Idempotent; -1 only when the process could not be ended. */
int qemuStorageDaemonStop(qemuDomainObj *obj, qemuMonitor *mon);

/* Whether the record of @obj needs a locked process to act: the daemon
 * died, was never recorded as running, or serves no backup. */
bool qemuStorageDaemonNeedsReconcile(qemuDomainObj *obj);
/* With the lock: end the backup of a daemon that died (failed, files
 * removed) and stop a daemon that serves none. */
void qemuStorageDaemonReconcile(qemuDomainObj *obj);

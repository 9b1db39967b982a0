/*
 * qemu_backup_cbw.h: pull backups whose copy-before-write may not hold
 * a guest write for longer than a bound
 *
 * QEMU's backup job puts its own copy-before-write filter in front of the
 * disk with the defaults (a guest write waits for its copy however long
 * the scratch takes, and a failed copy fails the guest write); QEMU 7.2
 * cannot change that filter's options afterwards.  With a bound set
 * (the backup_cbw_timeout setting, seconds), a pull backup uses a filter of
 * Fleece's own instead, with cbw-timeout and on-cbw-error=break-snapshot:
 * past the bound the guest write goes on and the snapshot is dropped.
 * QEMU says nothing when that happens, so the export is probed (one NBD
 * read) whenever the backup is looked at, and a broken snapshot ends the
 * backup as failed, with the reason.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "qemu_backup.h"

/* Make the point in time of a pull backup whose disks use Fleece's
 * filter: with the guest stopped (when it runs), add each disk's filter
 * on its top node with state->cbwTimeout, switch the disk's device onto
 * it, and run the transaction (bitmaps, checkpoint); then let the guest
 * go on.  On failure everything done here is undone.  actions is
 * consumed. */
int qemuBackupCBWTransaction(qemuDomainObj *obj, qemuMonitor *mon,
                             qemuBackupState *state, virJSONValue **actions);

/* Put the disk's device back on its top node and delete the filter
 * (after the snapshot node is gone).  Failures are logged. */
void qemuBackupCBWRemove(qemuDomainObj *obj, qemuMonitor *mon,
                         qemuBackupDisk *d);

/* True when the export of disk d no longer serves the snapshot (a guest
 * write outwaited the bound).  Exports with TLS cannot be probed: false. */
bool qemuBackupCBWBroken(qemuBackupState *state, qemuBackupDisk *d);

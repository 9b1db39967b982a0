/*
 * qemu_snapshot.h: external disk-only snapshots of QEMU domains
 *
 * A snapshot puts a new qcow2 overlay on top of every disk taking part:
 * the old top image keeps the point in time, the guest goes on in the
 * overlay.  A running domain gets its overlays through one QMP
 * 'transaction' (blockdev-snapshot per disk), which also adds to every
 * overlay a recording bitmap for each recording bitmap of the old top:
 * the bitmap of a checkpoint then lives in pieces along the chain, and a
 * backup since it merges them (qemu_backup.c).  A shut-off domain gets
 * them through qemu-img.  The metadata is one file per snapshot,
 * ROOT/snapshots/DOMAIN/NAME.xml, and .current.
 *
 * Crash safety: before the first step, ROOT/snapshots/DOMAIN/.create.xml
 * records the snapshot and, per disk, the overlay, its node index and
 * the old top node.  The process that finds it (with the domain lock)
 * finishes the snapshot when QEMU's transaction ran (or, for a shut-off
 * domain, when every overlay is complete: an empty overlay holds what
 * its backing image holds), and otherwise removes whatever exists of it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "datatypes.h"
#include "qemu_domain.h"

/* Driver entry points (signatures of src/driver.h). */
virDomainSnapshot *qemuDomainSnapshotCreateXML(virDomain *dom, const char *xml,
                                               unsigned int flags);
char *qemuDomainSnapshotGetXMLDesc(virDomainSnapshot *snapshot,
                                   unsigned int flags);
int qemuDomainListAllSnapshots(virDomain *dom, virDomainSnapshot ***snaps,
                               unsigned int flags);
virDomainSnapshot *qemuDomainSnapshotLookupByName(virDomain *dom,
                                                  const char *name,
                                                  unsigned int flags);
virDomainSnapshot *qemuDomainSnapshotGetParent(virDomainSnapshot *snapshot,
                                               unsigned int flags);
int qemuDomainSnapshotIsCurrent(virDomainSnapshot *snapshot,
                                unsigned int flags);
int qemuDomainRevertToSnapshot(virDomainSnapshot *snapshot,
                               unsigned int flags);
int qemuDomainSnapshotDelete(virDomainSnapshot *snapshot, unsigned int flags);

/* ROOT/snapshots/DOMAIN */
char *qemuSnapshotDir(qemuDriver *driver, const char *domain);
/* Number of snapshots with metadata. */
int qemuSnapshotCount(qemuDriver *driver, const char *domain);
/* Remove all snapshot metadata of a domain (undefine). */
int qemuSnapshotRemoveAll(qemuDriver *driver, const char *domain);

/* Whether an interrupted snapshot left its journal. */
bool qemuSnapshotHasJournal(qemuDomainObj *obj);
/* With the lock: finish or roll back an interrupted snapshot; a failure
 * is logged (the journal stays for the next process). */
void qemuSnapshotRecover(qemuDomainObj *obj);

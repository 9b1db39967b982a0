/*
 * remote_daemon_snapshot.h: the daemon's snapshot and block commit
 * procedures
 *
 * libvirt's clients (virsh snapshot-info, snapshot-current, snapshot-list
 * --tree) call a few snapshot functions Fleece's library does not have:
 * the current snapshot, whether there is one, whether a snapshot has
 * metadata, a snapshot's children.  The daemon answers them from the
 * functions it has (list, parent, is-current, lookup), with the answers
 * and errors libvirt's daemon gives.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "remote_protocol.h"
#include "datatypes.h"

typedef struct _remoteClientPriv remoteClientPriv;

/* Objects on the wire (remote_daemon_dispatch.c). */
virDomain *remoteGetDomain(virConnect *conn, const remoteNonnullDomain *d);
void remoteMakeDomain(remoteNonnullDomain *d, virDomain *dom);

/* The handlers, one per procedure, in the dispatcher's form. */
#define REMOTE_DISPATCH_DECL(name) \
    int remoteDispatch##name(remoteClientPriv *priv, virConnect *conn, \
                             void *argsp, void *retp)

REMOTE_DISPATCH_DECL(DomainSnapshotCreateXML);
REMOTE_DISPATCH_DECL(DomainSnapshotGetXMLDesc);
REMOTE_DISPATCH_DECL(DomainSnapshotNum);
REMOTE_DISPATCH_DECL(DomainSnapshotLookupByName);
REMOTE_DISPATCH_DECL(DomainHasCurrentSnapshot);
REMOTE_DISPATCH_DECL(DomainSnapshotCurrent);
REMOTE_DISPATCH_DECL(DomainRevertToSnapshot);
REMOTE_DISPATCH_DECL(DomainSnapshotDelete);
REMOTE_DISPATCH_DECL(DomainSnapshotNumChildren);
REMOTE_DISPATCH_DECL(DomainSnapshotGetParent);
REMOTE_DISPATCH_DECL(DomainSnapshotIsCurrent);
REMOTE_DISPATCH_DECL(DomainSnapshotHasMetadata);
REMOTE_DISPATCH_DECL(DomainListAllSnapshots);
REMOTE_DISPATCH_DECL(DomainSnapshotListAllChildren);
REMOTE_DISPATCH_DECL(DomainBlockCommit);
REMOTE_DISPATCH_DECL(DomainBlockJobAbort);

/*
 * libvirt-domain-snapshot.c: public entry points for snapshots
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("libvirt.snapshot");

/* A bad domain handle is a domain error, as in libvirt. */
#define virCheckSnapshotDomainReturn(domain, retval) \
    do { \
        if (!virDomainIsValidHandle(domain)) { \
            virReportErrorFull(VIR_FROM_DOMAIN, VIR_ERR_INVALID_DOMAIN, \
                               __FILE__, __func__, __LINE__, "%s", __func__); \
            return retval; \
        } \
    } while (0)

const char *
virDomainSnapshotGetName(virDomainSnapshotPtr snapshot)
{
    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, NULL);

    return snapshot->name;
}

virDomainPtr
virDomainSnapshotGetDomain(virDomainSnapshotPtr snapshot)
{
    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, NULL);

    return snapshot->domain;
}

virConnectPtr
virDomainSnapshotGetConnect(virDomainSnapshotPtr snapshot)
{
    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, NULL);

    return snapshot->domain->conn;
}

virDomainSnapshotPtr
virDomainSnapshotCreateXML(virDomainPtr domain, const char *xmlDesc,
                           unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckSnapshotDomainReturn(domain, NULL);
    conn = domain->conn;
    virCheckNonNullArgReturn(xmlDesc, NULL);
    virCheckConnectWritableReturn(conn, NULL);
    virCheckRequiredFlagReturn(VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT,
                               VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE, NULL);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
                                 VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA, NULL);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
                                 VIR_DOMAIN_SNAPSHOT_CREATE_HALT, NULL);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_SNAPSHOT_CREATE_LIVE,
                                 VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE, NULL);

    if (!virDriverHas(conn, domainSnapshotCreateXML))
        return NULL;
    return conn->driver->domainSnapshotCreateXML(domain, xmlDesc, flags);
}

char *
virDomainSnapshotGetXMLDesc(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, NULL);
    conn = snapshot->domain->conn;

    if ((conn->flags & VIR_CONNECT_RO) &&
        (flags & VIR_DOMAIN_SNAPSHOT_XML_SECURE)) {
        virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                       _("secure flag refused on a read-only connection"));
        return NULL;
    }
    if (!virDriverHas(conn, domainSnapshotGetXMLDesc))
        return NULL;
    return conn->driver->domainSnapshotGetXMLDesc(snapshot, flags);
}

int
virDomainListAllSnapshots(virDomainPtr domain, virDomainSnapshotPtr **snaps,
                          unsigned int flags)
{
    virResetLastError();
    if (snaps)
        *snaps = NULL;
    virCheckSnapshotDomainReturn(domain, -1);

    if (!virDriverHas(domain->conn, domainListAllSnapshots))
        return -1;
    return domain->conn->driver->domainListAllSnapshots(domain, snaps, flags);
}

virDomainSnapshotPtr
virDomainSnapshotLookupByName(virDomainPtr domain, const char *name,
                              unsigned int flags)
{
    virResetLastError();
    virCheckSnapshotDomainReturn(domain, NULL);
    virCheckNonNullArgReturn(name, NULL);

    if (!virDriverHas(domain->conn, domainSnapshotLookupByName))
        return NULL;
    return domain->conn->driver->domainSnapshotLookupByName(domain, name, flags);
}

virDomainSnapshotPtr
virDomainSnapshotGetParent(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, NULL);
    conn = snapshot->domain->conn;

    if (!virDriverHas(conn, domainSnapshotGetParent))
        return NULL;
    return conn->driver->domainSnapshotGetParent(snapshot, flags);
}

int
virDomainSnapshotIsCurrent(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, -1);
    conn = snapshot->domain->conn;

    if (!virDriverHas(conn, domainSnapshotIsCurrent))
        return -1;
    return conn->driver->domainSnapshotIsCurrent(snapshot, flags);
}

int
virDomainRevertToSnapshot(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, -1);
    conn = snapshot->domain->conn;
    virCheckConnectWritableReturn(conn, -1);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING,
                                 VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED, -1);

    if (!virDriverHas(conn, domainRevertToSnapshot))
        return -1;
    return conn->driver->domainRevertToSnapshot(snapshot, flags);
}

int
virDomainSnapshotDelete(virDomainSnapshotPtr snapshot, unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, -1);
    conn = snapshot->domain->conn;
    virCheckConnectWritableReturn(conn, -1);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN,
                                 VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, -1);

    if (!virDriverHas(conn, domainSnapshotDelete))
        return -1;
    return conn->driver->domainSnapshotDelete(snapshot, flags);
}

int
virDomainSnapshotRef(virDomainSnapshotPtr snapshot)
{
    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, -1);

    virDomainSnapshotHandleRef(snapshot);
    return 0;
}

int
virDomainSnapshotFree(virDomainSnapshotPtr snapshot)
{
    virResetLastError();
    virCheckDomainSnapshotReturn(snapshot, -1);

    virDomainSnapshotHandleUnref(snapshot);
    return 0;
}

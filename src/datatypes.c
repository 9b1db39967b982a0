/*
 * datatypes.c: reference-counted connection, domain and checkpoint handles
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("datatypes");

/* A connection object for @uri, not yet bound to a driver. */
virConnect *
virConnectNew(const char *uri, unsigned int flags)
{
    virConnect *conn = g_new0(virConnect, 1);

    conn->magic = VIR_CONNECT_MAGIC;
    conn->refs = 1;
    conn->uri = g_strdup(uri);
    conn->flags = flags;
    g_mutex_init(&conn->lock);
    return conn;
}

virConnect *
virConnectHandleRef(virConnect *conn)
{
    g_atomic_int_inc(&conn->refs);
    return conn;
}

/* A reference only while the connection is not closing: NULL once the
 * last reference went (the caller must know the memory is still there,
 * e.g. because the driver's close waits for it). */
virConnect *
virConnectHandleTryRef(virConnect *conn)
{
    gint refs;

    while ((refs = g_atomic_int_get(&conn->refs)) > 0) {
        if (g_atomic_int_compare_and_exchange(&conn->refs, refs, refs + 1))
            return conn;
    }
    return NULL;
}

/* The last reference lets the driver release its side, then frees. */
int
virConnectHandleUnref(virConnect *conn)
{
    int left = g_atomic_int_add(&conn->refs, -1) - 1;

    if (left > 0)
        return left;

    VIR_DEBUG("closing connection '%s'", conn->uri);
    if (conn->driver && conn->driver->connectClose)
        conn->driver->connectClose(conn);
    conn->magic = 0;
    g_mutex_clear(&conn->lock);
    g_free(conn->uri);
    g_free(conn);
    return 0;
}

bool
virConnectIsValidHandle(virConnect *conn)
{
    return conn && conn->magic == VIR_CONNECT_MAGIC &&
           g_atomic_int_get(&conn->refs) > 0;
}

/* A domain handle; the driver calls this for every domain it returns. */
virDomain *
virGetDomain(virConnect *conn, const char *name,
             const unsigned char *uuid, int id)
{
    virDomain *domain;

    if (!virConnectIsValidHandle(conn)) {
        virReportError(VIR_ERR_INVALID_CONN, "%s", __func__);
        return NULL;
    }
    virCheckNonNullArgReturn(name, NULL);
    virCheckNonNullArgReturn(uuid, NULL);

    domain = g_new0(virDomain, 1);
    domain->magic = VIR_DOMAIN_MAGIC;
    domain->refs = 1;
    domain->conn = virConnectHandleRef(conn);
    domain->name = g_strdup(name);
    memcpy(domain->uuid, uuid, VIR_UUID_BUFLEN);
    domain->id = id;
    return domain;
}

virDomain *
virDomainHandleRef(virDomain *domain)
{
    g_atomic_int_inc(&domain->refs);
    return domain;
}

/* The last reference releases the connection reference and frees. */
int
virDomainHandleUnref(virDomain *domain)
{
    int left = g_atomic_int_add(&domain->refs, -1) - 1;

    if (left > 0)
        return left;

    domain->magic = 0;
    virConnectHandleUnref(domain->conn);
    g_free(domain->name);
    g_free(domain);
    return 0;
}

bool
virDomainIsValidHandle(virDomain *domain)
{
    return domain && domain->magic == VIR_DOMAIN_MAGIC &&
           g_atomic_int_get(&domain->refs) > 0 &&
           virConnectIsValidHandle(domain->conn);
}

/* A checkpoint handle; the driver calls this for every checkpoint it
 * returns. */
virDomainCheckpoint *
virGetDomainCheckpoint(virDomain *domain, const char *name)
{
    virDomainCheckpoint *checkpoint;

    if (!virDomainIsValidHandle(domain)) {
        virReportError(VIR_ERR_INVALID_DOMAIN, "%s", __func__);
        return NULL;
    }
    virCheckNonNullArgReturn(name, NULL);

    checkpoint = g_new0(virDomainCheckpoint, 1);
    checkpoint->magic = VIR_DOMAIN_CHECKPOINT_MAGIC;
    checkpoint->refs = 1;
    checkpoint->domain = virDomainHandleRef(domain);
    checkpoint->name = g_strdup(name);
    return checkpoint;
}

virDomainCheckpoint *
virDomainCheckpointHandleRef(virDomainCheckpoint *checkpoint)
{
    g_atomic_int_inc(&checkpoint->refs);
    return checkpoint;
}

/* The last reference releases the domain reference and frees. */
int
virDomainCheckpointHandleUnref(virDomainCheckpoint *checkpoint)
{
    int left = g_atomic_int_add(&checkpoint->refs, -1) - 1;

    if (left > 0)
        return left;

    checkpoint->magic = 0;
    virDomainHandleUnref(checkpoint->domain);
    g_free(checkpoint->name);
    g_free(checkpoint);
    return 0;
}

bool
virDomainCheckpointIsValidHandle(virDomainCheckpoint *checkpoint)
{
    return checkpoint && checkpoint->magic == VIR_DOMAIN_CHECKPOINT_MAGIC &&
           g_atomic_int_get(&checkpoint->refs) > 0 &&
           virDomainIsValidHandle(checkpoint->domain);
}

virDomainSnapshot *
virGetDomainSnapshot(virDomain *domain, const char *name)
{
    virDomainSnapshot *snapshot;

    if (!virDomainIsValidHandle(domain)) {
        virReportError(VIR_ERR_INVALID_DOMAIN, "%s", __func__);
        return NULL;
    }
    virCheckNonNullArgReturn(name, NULL);

    snapshot = g_new0(virDomainSnapshot, 1);
    snapshot->magic = VIR_DOMAIN_SNAPSHOT_MAGIC;
    snapshot->refs = 1;
    snapshot->domain = virDomainHandleRef(domain);
    snapshot->name = g_strdup(name);
    return snapshot;
}

virDomainSnapshot *
virDomainSnapshotHandleRef(virDomainSnapshot *snapshot)
{
    g_atomic_int_inc(&snapshot->refs);
    return snapshot;
}

int
virDomainSnapshotHandleUnref(virDomainSnapshot *snapshot)
{
    int left = g_atomic_int_add(&snapshot->refs, -1) - 1;

    if (left > 0)
        return left;

    snapshot->magic = 0;
    virDomainHandleUnref(snapshot->domain);
    g_free(snapshot->name);
    g_free(snapshot);
    return 0;
}

bool
virDomainSnapshotIsValidHandle(virDomainSnapshot *snapshot)
{
    return snapshot && snapshot->magic == VIR_DOMAIN_SNAPSHOT_MAGIC &&
           g_atomic_int_get(&snapshot->refs) > 0 &&
           virDomainIsValidHandle(snapshot->domain);
}

/*
 * libvirt-domain-checkpoint.c: public entry points for checkpoints
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("libvirt.checkpoint");

const char *
virDomainCheckpointGetName(virDomainCheckpointPtr checkpoint)
{
    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, NULL);

    return checkpoint->name;
}

virDomainPtr
virDomainCheckpointGetDomain(virDomainCheckpointPtr checkpoint)
{
    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, NULL);

    return checkpoint->domain;
}

virConnectPtr
virDomainCheckpointGetConnect(virDomainCheckpointPtr checkpoint)
{
    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, NULL);

    return checkpoint->domain->conn;
}

virDomainCheckpointPtr
virDomainCheckpointCreateXML(virDomainPtr domain, const char *xmlDesc,
                             unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    /* a bad domain handle is a domain error, as in libvirt */
    if (!virDomainIsValidHandle(domain)) {
        virReportErrorFull(VIR_FROM_DOMAIN, VIR_ERR_INVALID_DOMAIN,
                           __FILE__, __func__, __LINE__, "%s", __func__);
        return NULL;
    }
    conn = domain->conn;
    virCheckNonNullArgReturn(xmlDesc, NULL);
    virCheckConnectWritableReturn(conn, NULL);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE,
                                 VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE, NULL);
    virCheckRequiredFlagReturn(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE,
                               VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, NULL);

    if (!virDriverHas(conn, domainCheckpointCreateXML))
        return NULL;
    return conn->driver->domainCheckpointCreateXML(domain, xmlDesc, flags);
}

char *
virDomainCheckpointGetXMLDesc(virDomainCheckpointPtr checkpoint,
                              unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, NULL);
    conn = checkpoint->domain->conn;

    if ((conn->flags & VIR_CONNECT_RO) &&
        (flags & VIR_DOMAIN_CHECKPOINT_XML_SECURE)) {
        virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                       _("secure flag refused on a read-only connection"));
        return NULL;
    }
    if (!virDriverHas(conn, domainCheckpointGetXMLDesc))
        return NULL;
    return conn->driver->domainCheckpointGetXMLDesc(checkpoint, flags);
}

int
virDomainListAllCheckpoints(virDomainPtr domain,
                            virDomainCheckpointPtr **checkpoints,
                            unsigned int flags)
{
    virResetLastError();
    if (checkpoints)
        *checkpoints = NULL;
    if (!virDomainIsValidHandle(domain)) {
        virReportErrorFull(VIR_FROM_DOMAIN, VIR_ERR_INVALID_DOMAIN,
                           __FILE__, __func__, __LINE__, "%s", __func__);
        return -1;
    }

    if (!virDriverHas(domain->conn, domainListAllCheckpoints))
        return -1;
    return domain->conn->driver->domainListAllCheckpoints(domain, checkpoints,
                                                          flags);
}

int
virDomainCheckpointListAllChildren(virDomainCheckpointPtr checkpoint,
                                   virDomainCheckpointPtr **children,
                                   unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    if (children)
        *children = NULL;
    virCheckDomainCheckpointReturn(checkpoint, -1);
    conn = checkpoint->domain->conn;

    if (!virDriverHas(conn, domainCheckpointListAllChildren))
        return -1;
    return conn->driver->domainCheckpointListAllChildren(checkpoint, children,
                                                         flags);
}

virDomainCheckpointPtr
virDomainCheckpointLookupByName(virDomainPtr domain, const char *name,
                                unsigned int flags)
{
    virResetLastError();
    if (!virDomainIsValidHandle(domain)) {
        virReportErrorFull(VIR_FROM_DOMAIN, VIR_ERR_INVALID_DOMAIN,
                           __FILE__, __func__, __LINE__, "%s", __func__);
        return NULL;
    }
    virCheckNonNullArgReturn(name, NULL);

    if (!virDriverHas(domain->conn, domainCheckpointLookupByName))
        return NULL;
    return domain->conn->driver->domainCheckpointLookupByName(domain, name,
                                                              flags);
}

virDomainCheckpointPtr
virDomainCheckpointGetParent(virDomainCheckpointPtr checkpoint,
                             unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, NULL);
    conn = checkpoint->domain->conn;

    if (!virDriverHas(conn, domainCheckpointGetParent))
        return NULL;
    return conn->driver->domainCheckpointGetParent(checkpoint, flags);
}

int
virDomainCheckpointDelete(virDomainCheckpointPtr checkpoint,
                          unsigned int flags)
{
    virConnect *conn;

    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, -1);
    conn = checkpoint->domain->conn;
    virCheckConnectWritableReturn(conn, -1);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN,
                                 VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY,
                                 -1);

    if (!virDriverHas(conn, domainCheckpointDelete))
        return -1;
    return conn->driver->domainCheckpointDelete(checkpoint, flags);
}

int
virDomainCheckpointRef(virDomainCheckpointPtr checkpoint)
{
    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, -1);

    virDomainCheckpointHandleRef(checkpoint);
    return 0;
}

int
virDomainCheckpointFree(virDomainCheckpointPtr checkpoint)
{
    virResetLastError();
    virCheckDomainCheckpointReturn(checkpoint, -1);

    virDomainCheckpointHandleUnref(checkpoint);
    return 0;
}

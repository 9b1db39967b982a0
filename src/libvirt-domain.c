/*
 * libvirt-domain.c: public entry points for domains, jobs, backups and
 * domain events
 *
 * Each function resets the thread's error, checks the handle, the
 * arguments and the flag combinations libvirt checks on the client side,
 * refuses changes through read-only connections, and calls the driver.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "datatypes.h"
#include "virlog.h"
#include "viruuid.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

VIR_LOG_INIT("libvirt.domain");

/* ---- Life cycle ---------------------------------------------------- */

virDomainPtr
virDomainDefineXMLFlags(virConnectPtr conn, const char *xml,
                        unsigned int flags)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(xml, NULL);
    virCheckConnectWritableReturn(conn, NULL);

    if (!virDriverHas(conn, domainDefineXMLFlags))
        return NULL;
    return conn->driver->domainDefineXMLFlags(conn, xml, flags);
}

virDomainPtr
virDomainDefineXML(virConnectPtr conn, const char *xml)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(xml, NULL);
    virCheckConnectWritableReturn(conn, NULL);

    if (!virDriverHas(conn, domainDefineXMLFlags))
        return NULL;
    return conn->driver->domainDefineXMLFlags(conn, xml, 0);
}

int
virDomainUndefineFlags(virDomainPtr domain, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_UNDEFINE_NVRAM,
                                 VIR_DOMAIN_UNDEFINE_KEEP_NVRAM, -1);
    virCheckExclusiveFlagsReturn(VIR_DOMAIN_UNDEFINE_TPM,
                                 VIR_DOMAIN_UNDEFINE_KEEP_TPM, -1);

    if (!virDriverHas(domain->conn, domainUndefineFlags))
        return -1;
    return domain->conn->driver->domainUndefineFlags(domain, flags);
}

int
virDomainUndefine(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainUndefineFlags))
        return -1;
    return domain->conn->driver->domainUndefineFlags(domain, 0);
}

int
virDomainCreateWithFlags(virDomainPtr domain, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainCreateWithFlags))
        return -1;
    return domain->conn->driver->domainCreateWithFlags(domain, flags);
}

int
virDomainCreate(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainCreateWithFlags))
        return -1;
    return domain->conn->driver->domainCreateWithFlags(domain, 0);
}

virDomainPtr
virDomainCreateXML(virConnectPtr conn, const char *xmlDesc,
                   unsigned int flags)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(xmlDesc, NULL);
    virCheckConnectWritableReturn(conn, NULL);

    if (!virDriverHas(conn, domainCreateXML))
        return NULL;
    return conn->driver->domainCreateXML(conn, xmlDesc, flags);
}

int
virDomainShutdown(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainShutdown))
        return -1;
    return domain->conn->driver->domainShutdown(domain);
}

int
virDomainDestroy(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainDestroy))
        return -1;
    return domain->conn->driver->domainDestroy(domain);
}

int
virDomainSuspend(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainSuspend))
        return -1;
    return domain->conn->driver->domainSuspend(domain);
}

int
virDomainResume(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainResume))
        return -1;
    return domain->conn->driver->domainResume(domain);
}

/* ---- Lookup and properties ---------------------------------------- */

virDomainPtr
virDomainLookupByName(virConnectPtr conn, const char *name)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(name, NULL);

    if (!virDriverHas(conn, domainLookupByName))
        return NULL;
    return conn->driver->domainLookupByName(conn, name);
}

virDomainPtr
virDomainLookupByUUID(virConnectPtr conn, const unsigned char *uuid)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(uuid, NULL);

    if (!virDriverHas(conn, domainLookupByUUID))
        return NULL;
    return conn->driver->domainLookupByUUID(conn, uuid);
}

virDomainPtr
virDomainLookupByUUIDString(virConnectPtr conn, const char *uuidstr)
{
    unsigned char uuid[VIR_UUID_BUFLEN];

    virResetLastError();
    virCheckConnectReturn(conn, NULL);
    virCheckNonNullArgReturn(uuidstr, NULL);

    if (virUUIDParse(uuidstr, uuid) < 0) {
        virReportInvalidArg(uuidstr, _("malformed UUID '%s'"), uuidstr);
        return NULL;
    }
    if (!virDriverHas(conn, domainLookupByUUID))
        return NULL;
    return conn->driver->domainLookupByUUID(conn, uuid);
}

char *
virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, NULL);

    if ((domain->conn->flags & VIR_CONNECT_RO) &&
        (flags & VIR_DOMAIN_XML_SECURE)) {
        virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                       _("secure flag refused on a read-only connection"));
        return NULL;
    }
    if (!virDriverHas(domain->conn, domainGetXMLDesc))
        return NULL;
    return domain->conn->driver->domainGetXMLDesc(domain, flags);
}

int
virDomainGetState(virDomainPtr domain, int *state, int *reason,
                  unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(state, -1);

    if (!virDriverHas(domain->conn, domainGetState))
        return -1;
    return domain->conn->driver->domainGetState(domain, state, reason, flags);
}

int
virDomainGetInfo(virDomainPtr domain, virDomainInfoPtr info)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(info, -1);

    memset(info, 0, sizeof(*info));
    if (!virDriverHas(domain->conn, domainGetInfo))
        return -1;
    return domain->conn->driver->domainGetInfo(domain, info);
}

int
virDomainIsActive(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);

    if (!virDriverHas(domain->conn, domainIsActive))
        return -1;
    return domain->conn->driver->domainIsActive(domain);
}

int
virDomainIsPersistent(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);

    if (!virDriverHas(domain->conn, domainIsPersistent))
        return -1;
    return domain->conn->driver->domainIsPersistent(domain);
}

const char *
virDomainGetName(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, NULL);

    return domain->name;
}

int
virDomainGetUUID(virDomainPtr domain, unsigned char *uuid)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(uuid, -1);

    memcpy(uuid, domain->uuid, VIR_UUID_BUFLEN);
    return 0;
}

int
virDomainGetUUIDString(virDomainPtr domain, char *buf)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(buf, -1);

    virUUIDFormat(domain->uuid, buf);
    return 0;
}

unsigned int
virDomainGetID(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, (unsigned int) -1);

    return (unsigned int) domain->id;
}

virConnectPtr
virDomainGetConnect(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, NULL);

    return domain->conn;
}

int
virDomainRef(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);

    virDomainHandleRef(domain);
    return 0;
}

int
virDomainFree(virDomainPtr domain)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);

    virDomainHandleUnref(domain);
    return 0;
}

/* ---- Guest file systems ------------------------------------------- */

/* A mount point list must not be NULL with a non-zero count. */
static int
virDomainCheckMountpoints(const char **mountpoints, unsigned int n)
{
    if (!mountpoints && n > 0) {
        virReportInvalidArg(mountpoints,
                            _("mountpoints in %s must not be NULL with a count of %u"),
                            "virDomainFSFreeze/virDomainFSThaw", n);
        return -1;
    }
    return 0;
}

int
virDomainFSFreeze(virDomainPtr dom, const char **mountpoints,
                  unsigned int nmountpoints, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);
    if (virDomainCheckMountpoints(mountpoints, nmountpoints) < 0)
        return -1;

    if (!virDriverHas(dom->conn, domainFSFreeze))
        return -1;
    return dom->conn->driver->domainFSFreeze(dom, mountpoints, nmountpoints,
                                             flags);
}

int
virDomainFSThaw(virDomainPtr dom, const char **mountpoints,
                unsigned int nmountpoints, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);
    if (virDomainCheckMountpoints(mountpoints, nmountpoints) < 0)
        return -1;

    if (!virDriverHas(dom->conn, domainFSThaw))
        return -1;
    return dom->conn->driver->domainFSThaw(dom, mountpoints, nmountpoints,
                                           flags);
}

/* ---- Backup -------------------------------------------------------- */

int
virDomainBackupBegin(virDomainPtr domain, const char *backupXML,
                     const char *checkpointXML, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);
    virCheckNonNullArgReturn(backupXML, -1);

    if (!virDriverHas(domain->conn, domainBackupBegin))
        return -1;
    return domain->conn->driver->domainBackupBegin(domain, backupXML,
                                                   checkpointXML, flags);
}

char *
virDomainBackupGetXMLDesc(virDomainPtr domain, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, NULL);

    if (!virDriverHas(domain->conn, domainBackupGetXMLDesc))
        return NULL;
    return domain->conn->driver->domainBackupGetXMLDesc(domain, flags);
}

int
virDomainBackupEnd(virDomainPtr domain, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    if (!virDriverHas(domain->conn, domainBackupEnd))
        return -1;
    return domain->conn->driver->domainBackupEnd(domain, flags);
}

/* ---- Jobs ---------------------------------------------------------- */

int
virDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckNonNullArgReturn(info, -1);

    memset(info, 0, sizeof(*info));
    if (!virDriverHas(dom->conn, domainGetJobInfo))
        return -1;
    return dom->conn->driver->domainGetJobInfo(dom, info);
}

int
virDomainGetJobStats(virDomainPtr domain, int *type,
                     virTypedParameterPtr *params, int *nparams,
                     unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(type, -1);
    virCheckNonNullArgReturn(params, -1);
    virCheckNonNullArgReturn(nparams, -1);
    virCheckRequiredFlagReturn(VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                               VIR_DOMAIN_JOB_STATS_COMPLETED, -1);

    *params = NULL;
    *nparams = 0;
    if (!virDriverHas(domain->conn, domainGetJobStats))
        return -1;
    return domain->conn->driver->domainGetJobStats(domain, type, params,
                                                   nparams, flags);
}

int
virDomainAbortJobFlags(virDomainPtr dom, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);

    if (!virDriverHas(dom->conn, domainAbortJobFlags))
        return -1;
    return dom->conn->driver->domainAbortJobFlags(dom, flags);
}

int
virDomainAbortJob(virDomainPtr dom)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);

    if (!virDriverHas(dom->conn, domainAbortJobFlags))
        return -1;
    return dom->conn->driver->domainAbortJobFlags(dom, 0);
}

/* ---- Block jobs ---------------------------------------------------- */

int
virDomainBlockCommit(virDomainPtr dom, const char *disk, const char *base,
                     const char *top, unsigned long bandwidth,
                     unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);
    virCheckNonNullArgReturn(disk, -1);

    if (!virDriverHas(dom->conn, domainBlockCommit))
        return -1;
    return dom->conn->driver->domainBlockCommit(dom, disk, base, top,
                                                bandwidth, flags);
}

int
virDomainGetBlockJobInfo(virDomainPtr dom, const char *disk,
                         virDomainBlockJobInfoPtr info, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckNonNullArgReturn(disk, -1);
    virCheckNonNullArgReturn(info, -1);

    if (!virDriverHas(dom->conn, domainGetBlockJobInfo))
        return -1;
    return dom->conn->driver->domainGetBlockJobInfo(dom, disk, info, flags);
}

int
virDomainBlockJobAbort(virDomainPtr dom, const char *disk, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(dom, -1);
    virCheckConnectWritableReturn(dom->conn, -1);
    virCheckNonNullArgReturn(disk, -1);

    if (!virDriverHas(dom->conn, domainBlockJobAbort))
        return -1;
    return dom->conn->driver->domainBlockJobAbort(dom, disk, flags);
}

/* ---- Events -------------------------------------------------------- */

/* Number of virDomainEventID values. */
#define VIR_DOMAIN_EVENT_ID_COUNT (VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE + 1)

int
virConnectDomainEventRegisterAny(virConnectPtr conn, virDomainPtr dom,
                                 int eventID,
                                 virConnectDomainEventGenericCallback cb,
                                 void *opaque, virFreeCallback freecb)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);
    virCheckNonNullArgReturn(cb, -1);
    if (dom) {
        virCheckDomainReturn(dom, -1);
        if (dom->conn != conn) {
            virReportInvalidArg(dom,
                                _("domain '%s' belongs to another connection"),
                                dom->name);
            return -1;
        }
    }
    if (eventID < 0 || eventID >= VIR_DOMAIN_EVENT_ID_COUNT) {
        virReportInvalidArg(eventID, _("unknown domain event ID %d"),
                            eventID);
        return -1;
    }

    if (!virDriverHas(conn, connectDomainEventRegisterAny))
        return -1;
    return conn->driver->connectDomainEventRegisterAny(conn, dom, eventID, cb,
                                                       opaque, freecb);
}

int
virConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);
    if (callbackID < 0) {
        virReportInvalidArg(callbackID, _("invalid callback ID %d"),
                            callbackID);
        return -1;
    }

    if (!virDriverHas(conn, connectDomainEventDeregisterAny))
        return -1;
    return conn->driver->connectDomainEventDeregisterAny(conn, callbackID);
}

/*
 * driver.h: the table of functions a connection dispatches through
 *
 * A hypervisor driver fills in a virConnectDriver and registers it with
 * virRegisterConnectDriver.  virConnectOpen asks each registered driver,
 * in registration order, whether it handles the URI (uriProbe) and opens
 * the connection with the first that does.  Every public entry point
 * checks its arguments and then calls the matching member; a NULL member
 * makes the call fail with VIR_ERR_NO_SUPPORT.  Members report their own
 * errors and return -1/NULL.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>

#include "libvirt/libvirt.h"

/* Does this driver handle @uri?  (No error reported either way.) */
typedef bool (*virDrvConnectURIProbe)(const char *uri);
/* Set up @conn (conn->privateData) for @uri; @flags has VIR_CONNECT_RO
 * for read-only connections.  Returns 0 or -1 with an error. */
typedef int (*virDrvConnectOpen)(virConnect *conn, const char *uri,
                                 unsigned int flags);
/* Release conn->privateData; called once, with the last reference. */
typedef int (*virDrvConnectClose)(virConnect *conn);

typedef struct _virConnectDriver virConnectDriver;
struct _virConnectDriver {
    const char *name;                     /* e.g. "QEMU" */
    virDrvConnectURIProbe uriProbe;
    virDrvConnectOpen connectOpen;
    virDrvConnectClose connectClose;

    /* host */
    int (*connectGetVersion)(virConnect *conn, unsigned long *hvVer);
    char *(*connectGetHostname)(virConnect *conn);
    int (*connectListAllDomains)(virConnect *conn, virDomain ***domains,
                                 unsigned int flags);

    /* domain life cycle */
    virDomain *(*domainDefineXMLFlags)(virConnect *conn, const char *xml,
                                       unsigned int flags);
    int (*domainUndefineFlags)(virDomain *domain, unsigned int flags);
    int (*domainCreateWithFlags)(virDomain *domain, unsigned int flags);
    virDomain *(*domainCreateXML)(virConnect *conn, const char *xmlDesc,
                                  unsigned int flags);
    int (*domainShutdown)(virDomain *domain);
    int (*domainDestroy)(virDomain *domain);
    int (*domainSuspend)(virDomain *domain);
    int (*domainResume)(virDomain *domain);

    /* domain lookup and properties */
    virDomain *(*domainLookupByName)(virConnect *conn, const char *name);
    virDomain *(*domainLookupByUUID)(virConnect *conn,
                                     const unsigned char *uuid);
    char *(*domainGetXMLDesc)(virDomain *domain, unsigned int flags);
    int (*domainGetState)(virDomain *domain, int *state, int *reason,
                          unsigned int flags);
    int (*domainGetInfo)(virDomain *domain, virDomainInfo *info);
    int (*domainIsActive)(virDomain *domain);
    int (*domainIsPersistent)(virDomain *domain);

    /* guest file systems */
    int (*domainFSFreeze)(virDomain *domain, const char **mountpoints,
                          unsigned int nmountpoints, unsigned int flags);
    int (*domainFSThaw)(virDomain *domain, const char **mountpoints,
                        unsigned int nmountpoints, unsigned int flags);

    /* backup */
    int (*domainBackupBegin)(virDomain *domain, const char *backupXML,
                             const char *checkpointXML, unsigned int flags);
    char *(*domainBackupGetXMLDesc)(virDomain *domain, unsigned int flags);
    int (*domainBackupEnd)(virDomain *domain, unsigned int flags);

    /* jobs */
    int (*domainGetJobInfo)(virDomain *domain, virDomainJobInfo *info);
    int (*domainGetJobStats)(virDomain *domain, int *type,
                             virTypedParameter **params, int *nparams,
                             unsigned int flags);
    int (*domainAbortJobFlags)(virDomain *domain, unsigned int flags);

    /* events */
    int (*connectDomainEventRegisterAny)(virConnect *conn, virDomain *dom,
                                         int eventID,
                                         virConnectDomainEventGenericCallback cb,
                                         void *opaque,
                                         virFreeCallback freecb);
    int (*connectDomainEventDeregisterAny)(virConnect *conn,
                                           int callbackID);

    /* checkpoints */
    virDomainCheckpoint *(*domainCheckpointCreateXML)(virDomain *domain,
                                                      const char *xmlDesc,
                                                      unsigned int flags);
    char *(*domainCheckpointGetXMLDesc)(virDomainCheckpoint *checkpoint,
                                        unsigned int flags);
    int (*domainListAllCheckpoints)(virDomain *domain,
                                    virDomainCheckpoint ***checkpoints,
                                    unsigned int flags);
    int (*domainCheckpointListAllChildren)(virDomainCheckpoint *checkpoint,
                                           virDomainCheckpoint ***children,
                                           unsigned int flags);
    virDomainCheckpoint *(*domainCheckpointLookupByName)(virDomain *domain,
                                                         const char *name,
                                                         unsigned int flags);
    virDomainCheckpoint *(*domainCheckpointGetParent)(virDomainCheckpoint *checkpoint,
                                                      unsigned int flags);
    int (*domainCheckpointDelete)(virDomainCheckpoint *checkpoint,
                                  unsigned int flags);

    /* snapshots */
    virDomainSnapshot *(*domainSnapshotCreateXML)(virDomain *domain,
                                                  const char *xmlDesc,
                                                  unsigned int flags);
    char *(*domainSnapshotGetXMLDesc)(virDomainSnapshot *snapshot,
                                      unsigned int flags);
    int (*domainListAllSnapshots)(virDomain *domain,
                                  virDomainSnapshot ***snaps,
                                  unsigned int flags);
    virDomainSnapshot *(*domainSnapshotLookupByName)(virDomain *domain,
                                                     const char *name,
                                                     unsigned int flags);
    virDomainSnapshot *(*domainSnapshotGetParent)(virDomainSnapshot *snapshot,
                                                  unsigned int flags);
    int (*domainSnapshotIsCurrent)(virDomainSnapshot *snapshot,
                                   unsigned int flags);
    int (*domainRevertToSnapshot)(virDomainSnapshot *snapshot,
                                  unsigned int flags);
    int (*domainSnapshotDelete)(virDomainSnapshot *snapshot,
                                unsigned int flags);

    /* block jobs */
    int (*domainBlockCommit)(virDomain *domain, const char *disk,
                             const char *base, const char *top,
                             unsigned long bandwidth, unsigned int flags);
    int (*domainGetBlockJobInfo)(virDomain *domain, const char *disk,
                                 virDomainBlockJobInfo *info,
                                 unsigned int flags);
    int (*domainBlockJobAbort)(virDomain *domain, const char *disk,
                               unsigned int flags);

    /* QEMU specific */
    int (*domainQemuMonitorCommand)(virDomain *domain, const char *cmd,
                                    char **result, unsigned int flags);
};

/* Most drivers a process can register. */
#define VIR_MAX_CONNECT_DRIVERS 8

/* Add @drv (kept by pointer, must outlive the process) to the drivers
 * virConnectOpen consults.  Returns 0, or -1 with an error when the table
 * is full or @drv lacks uriProbe/connectOpen. */
int virRegisterConnectDriver(const virConnectDriver *drv);

/* The first registered driver whose uriProbe accepts @uri, or NULL. */
const virConnectDriver *virConnectDriverForURI(const char *uri);

/* Forget every registered driver (tests only). */
void virResetConnectDrivers(void);

/* True when an application registered an event loop (the default one or
 * its own), i.e. when callbacks such as domain events can be delivered. */
bool virEventIsRegistered(void);

/*
 * datatypes.h: the objects behind the public handles
 *
 * Connections, domains and checkpoints are reference counted; a domain
 * handle holds a reference on its connection, a checkpoint handle on its
 * domain.  Handles are light: they name an object, the driver owns the
 * state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "libvirt/libvirt.h"
#include "driver.h"
#include "virerror.h"

struct _virConnect {
    unsigned int magic;              /* VIR_CONNECT_MAGIC while alive */
    gint refs;
    char *uri;
    unsigned int flags;              /* virConnectFlags: VIR_CONNECT_RO */
    const virConnectDriver *driver;
    void *privateData;               /* the driver's */
    GMutex lock;                     /* for the driver's use of privateData */
};

struct _virDomain {
    unsigned int magic;
    gint refs;
    virConnect *conn;                /* holds a reference */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int id;                          /* -1 when inactive */
};

struct _virDomainCheckpoint {
    unsigned int magic;
    gint refs;
    virDomain *domain;               /* holds a reference */
    char *name;
};

struct _virDomainSnapshot {
    unsigned int magic;
    gint refs;
    virDomain *domain;               /* holds a reference */
    char *name;
};

#define VIR_CONNECT_MAGIC 0x4C564331u
#define VIR_DOMAIN_MAGIC 0x4C564432u
#define VIR_DOMAIN_CHECKPOINT_MAGIC 0x4C564333u
#define VIR_DOMAIN_SNAPSHOT_MAGIC 0x4C564334u

/* A new connection with one reference and no driver yet. */
virConnect *virConnectNew(const char *uri, unsigned int flags);
/* Add a reference and return @conn. */
virConnect *virConnectHandleRef(virConnect *conn);
/* Add a reference unless the last one is already gone (closing):
 * @conn or NULL.  Only for a caller that the driver's close waits for. */
virConnect *virConnectHandleTryRef(virConnect *conn);
/* Drop a reference; the last one closes the driver side and frees.
 * Returns the references left. */
int virConnectHandleUnref(virConnect *conn);

/* A handle on domain @name/@uuid (@id -1 when inactive), with a
 * reference on @conn.  Returns NULL with VIR_ERR_INVALID_ARG when @name
 * or @uuid is NULL or @conn invalid. */
virDomain *virGetDomain(virConnect *conn, const char *name,
                        const unsigned char *uuid, int id);
virDomain *virDomainHandleRef(virDomain *domain);
int virDomainHandleUnref(virDomain *domain);

/* A handle on checkpoint @name of @domain, with a reference on it. */
virDomainCheckpoint *virGetDomainCheckpoint(virDomain *domain,
                                            const char *name);
virDomainCheckpoint *virDomainCheckpointHandleRef(virDomainCheckpoint *checkpoint);
int virDomainCheckpointHandleUnref(virDomainCheckpoint *checkpoint);

bool virConnectIsValidHandle(virConnect *conn);
bool virDomainIsValidHandle(virDomain *domain);
bool virDomainCheckpointIsValidHandle(virDomainCheckpoint *checkpoint);

/* A handle on snapshot @name of @domain, with a reference on it. */
virDomainSnapshot *virGetDomainSnapshot(virDomain *domain, const char *name);
virDomainSnapshot *virDomainSnapshotHandleRef(virDomainSnapshot *snapshot);
int virDomainSnapshotHandleUnref(virDomainSnapshot *snapshot);
bool virDomainSnapshotIsValidHandle(virDomainSnapshot *snapshot);

static inline void
virConnectHandleUnrefVoid(virConnect *conn)
{
    if (conn)
        virConnectHandleUnref(conn);
}
static inline void
virDomainHandleUnrefVoid(virDomain *domain)
{
    if (domain)
        virDomainHandleUnref(domain);
}
static inline void
virDomainCheckpointHandleUnrefVoid(virDomainCheckpoint *checkpoint)
{
    if (checkpoint)
        virDomainCheckpointHandleUnref(checkpoint);
}
static inline void
virDomainSnapshotHandleUnrefVoid(virDomainSnapshot *snapshot)
{
    if (snapshot)
        virDomainSnapshotHandleUnref(snapshot);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConnect, virConnectHandleUnrefVoid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainHandleUnrefVoid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainCheckpoint,
                              virDomainCheckpointHandleUnrefVoid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainSnapshot,
                              virDomainSnapshotHandleUnrefVoid);

/* ---- Checks shared by the public entry points --------------------- */

#define virCheckConnectReturn(conn, retval) \
    do { \
        if (!virConnectIsValidHandle(conn)) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_CONN, \
                               __FILE__, __func__, __LINE__, \
                               "%s", __func__); \
            return retval; \
        } \
    } while (0)

#define virCheckDomainReturn(domain, retval) \
    do { \
        if (!virDomainIsValidHandle(domain)) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_DOMAIN, \
                               __FILE__, __func__, __LINE__, \
                               "%s", __func__); \
            return retval; \
        } \
    } while (0)

#define virCheckDomainSnapshotReturn(snapshot, retval) \
    do { \
        if (!virDomainSnapshotIsValidHandle(snapshot)) { \
            virReportErrorFull(VIR_FROM_THIS, \
                               VIR_ERR_INVALID_DOMAIN_SNAPSHOT, \
                               __FILE__, __func__, __LINE__, \
                               _("invalid snapshot pointer in %s"), \
                               __func__); \
            return retval; \
        } \
    } while (0)

#define virCheckDomainCheckpointReturn(checkpoint, retval) \
    do { \
        if (!virDomainCheckpointIsValidHandle(checkpoint)) { \
            virReportErrorFull(VIR_FROM_THIS, \
                               VIR_ERR_INVALID_DOMAIN_CHECKPOINT, \
                               __FILE__, __func__, __LINE__, \
                               _("invalid checkpoint pointer in %s"), \
                               __func__); \
            return retval; \
        } \
    } while (0)

/* A change requested through a read-only connection. */
#define virCheckConnectWritableReturn(conn, retval) \
    virCheckReadOnlyReturn((conn)->flags & VIR_CONNECT_RO, retval)

/* Two flags that cannot be combined. */
#define virCheckExclusiveFlagsReturn(flag1, flag2, retval) \
    do { \
        if ((flags & (flag1)) && (flags & (flag2))) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_ARG, \
                               __FILE__, __func__, __LINE__, \
                               _("flags '%s' and '%s' are mutually exclusive"), \
                               #flag1, #flag2); \
            return retval; \
        } \
    } while (0)

/* A flag that only makes sense together with another. */
#define virCheckRequiredFlagReturn(flag, required, retval) \
    do { \
        if ((flags & (flag)) && !(flags & (required))) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_ARG, \
                               __FILE__, __func__, __LINE__, \
                               _("flag '%s' requires flag '%s'"), \
                               #flag, #required); \
            return retval; \
        } \
    } while (0)

/* The driver lacks the entry point. */
#define virReportUnsupported() \
    virReportErrorFull(VIR_FROM_THIS, VIR_ERR_NO_SUPPORT, __FILE__, \
                       __func__, __LINE__, "%s", __func__)

/* True when the driver of @conn has @member; otherwise reports
 * VIR_ERR_NO_SUPPORT and yields false. */
#define virDriverHas(conn, member) \
    ((conn)->driver->member ? true : (virReportUnsupported(), false))

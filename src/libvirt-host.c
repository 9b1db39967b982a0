/*
 * libvirt-host.c: public entry points for connections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("libvirt.host");

/* The URI used when the caller passes NULL. */
static const char *
virConnectDefaultURI(void)
{
    const char *uri = g_getenv("FLEECE_DEFAULT_URI");

    if (!uri || !*uri)
        uri = g_getenv("LIBVIRT_DEFAULT_URI");
    if (!uri || !*uri)
        uri = "qemu:///embed";
    return uri;
}

/* Find the driver for @name and open a connection through it. */
static virConnect *
virConnectOpenInternal(const char *name, unsigned int flags)
{
    g_autoptr(virConnect) conn = NULL;
    const virConnectDriver *driver;
    const char *uri;

    if (virInitialize() < 0)
        return NULL;
    uri = name && *name ? name : virConnectDefaultURI();

    if (!(driver = virConnectDriverForURI(uri))) {
        /* reads "no connection driver available for URI" */
        virReportError(VIR_ERR_NO_CONNECT, "%s", uri);
        return NULL;
    }

    conn = virConnectNew(uri, flags);
    if (driver->connectOpen(conn, uri, flags) < 0)
        return NULL;   /* the driver reported; nothing to close */
    conn->driver = driver;
    VIR_DEBUG("opened '%s' with driver '%s'", uri, driver->name);
    return g_steal_pointer(&conn);
}

virConnectPtr
virConnectOpen(const char *name)
{
    virResetLastError();
    return virConnectOpenInternal(name, 0);
}

virConnectPtr
virConnectOpenReadOnly(const char *name)
{
    virResetLastError();
    return virConnectOpenInternal(name, VIR_CONNECT_RO);
}

int
virConnectClose(virConnectPtr conn)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);

    return virConnectHandleUnref(conn);
}

int
virConnectRef(virConnectPtr conn)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);

    virConnectHandleRef(conn);
    return 0;
}

char *
virConnectGetURI(virConnectPtr conn)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);

    return g_strdup(conn->uri);
}

int
virConnectGetVersion(virConnectPtr conn, unsigned long *hvVer)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);
    virCheckNonNullArgReturn(hvVer, -1);

    if (!conn->driver->connectGetVersion) {
        virReportUnsupported();
        return -1;
    }
    return conn->driver->connectGetVersion(conn, hvVer);
}

int
virConnectGetLibVersion(virConnectPtr conn, unsigned long *libVer)
{
    virResetLastError();
    virCheckConnectReturn(conn, -1);
    virCheckNonNullArgReturn(libVer, -1);

    *libVer = LIBVIR_VERSION_NUMBER;
    return 0;
}

char *
virConnectGetHostname(virConnectPtr conn)
{
    virResetLastError();
    virCheckConnectReturn(conn, NULL);

    if (!conn->driver->connectGetHostname) {
        virReportUnsupported();
        return NULL;
    }
    return conn->driver->connectGetHostname(conn);
}

int
virConnectListAllDomains(virConnectPtr conn, virDomainPtr **domains,
                         unsigned int flags)
{
    virResetLastError();
    if (domains)
        *domains = NULL;
    virCheckConnectReturn(conn, -1);

    if (!conn->driver->connectListAllDomains) {
        virReportUnsupported();
        return -1;
    }
    return conn->driver->connectListAllDomains(conn, domains, flags);
}

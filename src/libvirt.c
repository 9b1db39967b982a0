/*
 * libvirt.c: library-wide public entry points and the driver registry
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("libvirt");

static GMutex driverLock;
static const virConnectDriver *connectDrivers[VIR_MAX_CONNECT_DRIVERS];
static size_t nconnectDrivers;

int
virRegisterConnectDriver(const virConnectDriver *drv)
{
    int rc = -1;

    virCheckNonNullArgReturn(drv, -1);
    if (!drv->uriProbe || !drv->connectOpen) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("driver '%s' lacks the URI probe or open function"),
                       drv->name ? drv->name : "?");
        return -1;
    }

    g_mutex_lock(&driverLock);
    if (nconnectDrivers >= VIR_MAX_CONNECT_DRIVERS) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("too many drivers, cannot register '%s'"),
                       drv->name ? drv->name : "?");
    } else {
        connectDrivers[nconnectDrivers++] = drv;
        rc = 0;
    }
    g_mutex_unlock(&driverLock);
    VIR_DEBUG("registered driver '%s'", drv->name ? drv->name : "?");
    return rc;
}

void
virResetConnectDrivers(void)
{
    g_mutex_lock(&driverLock);
    nconnectDrivers = 0;
    g_mutex_unlock(&driverLock);
}

/* The first registered driver that accepts @uri, or NULL. */
const virConnectDriver *
virConnectDriverForURI(const char *uri)
{
    const virConnectDriver *found = NULL;
    size_t i;

    g_mutex_lock(&driverLock);
    for (i = 0; i < nconnectDrivers && !found; i++) {
        if (connectDrivers[i]->uriProbe(uri))
            found = connectDrivers[i];
    }
    g_mutex_unlock(&driverLock);
    return found;
}

int
virInitialize(void)
{
    static gsize initialized;

    if (g_once_init_enter(&initialized)) {
        virErrorInitialize();
        g_once_init_leave(&initialized, 1);
    }
    return 0;
}

int
virGetVersion(unsigned long *libVer, const char *type G_GNUC_UNUSED,
              unsigned long *typeVer)
{
    virResetLastError();
    virCheckNonNullArgReturn(libVer, -1);

    *libVer = LIBVIR_VERSION_NUMBER;
    if (typeVer)
        *typeVer = LIBVIR_VERSION_NUMBER;
    return 0;
}

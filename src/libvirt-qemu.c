/*
 * libvirt-qemu.c: public entry points specific to QEMU domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

VIR_LOG_INIT("libvirt.qemu");

int
virDomainQemuMonitorCommand(virDomainPtr domain, const char *cmd,
                            char **result, unsigned int flags)
{
    virResetLastError();
    virCheckDomainReturn(domain, -1);
    virCheckNonNullArgReturn(cmd, -1);
    virCheckNonNullArgReturn(result, -1);
    virCheckConnectWritableReturn(domain->conn, -1);

    *result = NULL;
    if (!domain->conn->driver->domainQemuMonitorCommand) {
        virReportUnsupported();
        return -1;
    }
    return domain->conn->driver->domainQemuMonitorCommand(domain, cmd, result,
                                                          flags);
}

/*
 * libvirt-drivers.c: the drivers built into libfleece.so
 *
 * Registered when the library is loaded, so that virConnectOpen finds
 * them; test programs that link the public layer without them can
 * register drivers of their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "qemu_driver.h"
#include "remote_driver.h"

static void fleeceRegisterDrivers(void) __attribute__((constructor));

static void
fleeceRegisterDrivers(void)
{
    qemuRegister();
    remoteRegister();
}

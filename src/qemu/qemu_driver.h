/*
 * qemu_driver.h: the embedded QEMU driver behind qemu:///embed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

typedef struct _virConnect virConnect;
typedef struct _qemuDriver qemuDriver;

/* The driver state behind a connection opened by this driver. */
qemuDriver *qemuConnectGetDriver(virConnect *conn);

/* Register the driver with the connection layer (idempotent). */
int qemuRegister(void);

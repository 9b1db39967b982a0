/*
 * qemu_driver.h: the embedded QEMU driver behind qemu:///embed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* Register the driver with the connection layer (idempotent). */
int qemuRegister(void);

/*
 * remote_driver.h: the connection driver that talks to a daemon over
 * libvirt's remote protocol (qemu+unix://, qemu+tls://, qemu:///system)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

/* Register the driver with the connection layer (idempotent). */
int remoteRegister(void);

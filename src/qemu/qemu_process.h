/*
 * qemu_process.h: starting, connecting to and stopping QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "qemu_domain.h"
#include "qemu_monitor.h"

typedef enum {
    QEMU_PROCESS_START_PAUSED = 1 << 0,
} qemuProcessStartFlags;

/* Start QEMU for obj (locked, inactive) from 'def' (taken).  QEMU is
 * detached: it outlives this process.  On failure nothing is left behind:
 * no process, socket, pid or status file. */
int qemuProcessStart(qemuDomainObj *obj, virDomainDef **def,
                     unsigned int flags);

/* Stop QEMU (clean quit, then signals) and record the domain as shut off
 * with 'reason' (virDomainShutoffReason).  obj must be locked. */
int qemuProcessStop(qemuDomainObj *obj, int reason);

/* Connect to the QMP socket of the process that has the domain's disks
 * open: QEMU of a running domain, or the storage daemon of a shut-off
 * domain's backup (qemu_storage.h). */
qemuMonitor *qemuProcessConnectMonitor(qemuDomainObj *obj);

/* Fill in each disk's backing chain from the images themselves, ending
 * with a terminator (type NONE). */
int qemuProcessDetectBackingChains(const char *qemuImg, virDomainDef *def);

/* Check what a definition needs before anything runs: runnable, images
 * present, KVM usable when asked for. */
int qemuProcessValidateDef(const virDomainDef *def);

/*
 * qemu_conf.h: the embedded QEMU driver's state root and its layout
 *
 *   ROOT/domains/NAME.xml                 persistent domain config
 *   ROOT/checkpoints/NAME/CHECKPOINT.xml  checkpoint metadata
 *   ROOT/run/NAME.xml                     status of a running domain
 *   ROOT/run/NAME.qmp, NAME.agent, NAME.pid
 *   ROOT/log/NAME.log                     QEMU's output
 *   ROOT/lock/NAME.lock                   per-domain lock
 *   ROOT/run/storage/NAME.qmp             QMP socket of the storage daemon
 *   ROOT/log/storage/NAME.log             of a shut-off domain's backup
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _qemuDriver qemuDriver;
struct _qemuDriver {
    char *root;
    char *domainsDir;
    char *checkpointsDir;
    char *runDir;
    char *logDir;
    char *lockDir;
    bool readonly;
};

/* The root a URI names: qemu:///embed?root=DIR, or for qemu:///embed the
 * default ($FLEECE_ROOT, else /var/lib/fleece for root, else
 * $XDG_DATA_HOME/fleece).  NULL with an error for other URIs. */
char *qemuDriverRootFromURI(const char *uri);
bool qemuDriverURIMatches(const char *uri);
char *qemuDriverDefaultRoot(void);

/* Create the layout under root (mode 0700); a read-only driver creates
 * nothing. */
qemuDriver *qemuDriverNew(const char *root, bool readonly);
void qemuDriverFree(qemuDriver *driver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriver, qemuDriverFree);

char *qemuDriverConfigPath(const qemuDriver *driver, const char *name);
char *qemuDriverStatusPath(const qemuDriver *driver, const char *name);
char *qemuDriverMonitorPath(const qemuDriver *driver, const char *name);
char *qemuDriverAgentPath(const qemuDriver *driver, const char *name);
char *qemuDriverPidPath(const qemuDriver *driver, const char *name);
char *qemuDriverLogPath(const qemuDriver *driver, const char *name);
char *qemuDriverStorageMonitorPath(const qemuDriver *driver, const char *name);
char *qemuDriverStorageLogPath(const qemuDriver *driver, const char *name);
char *qemuDriverLockPath(const qemuDriver *driver, const char *name);
char *qemuDriverCheckpointDir(const qemuDriver *driver, const char *name);

/* Names of domains with a config or status file, sorted, unique. */
char **qemuDriverListDomainNames(const qemuDriver *driver);

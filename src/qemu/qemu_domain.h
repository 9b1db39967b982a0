/*
 * qemu_domain.h: a domain as the driver sees it, loaded from its files
 *
 * Files hold the truth: any process may have started, changed or stopped
 * a domain since we last looked, so every operation loads the domain from
 * ROOT/domains/NAME.xml (config) and ROOT/run/NAME.xml (status), under
 * the per-domain lock when it changes anything, and writes back
 * atomically.  Loading a running domain checks that the recorded QEMU
 * process is still the one that was started (PID and start time); if it
 * is gone, the domain is shut off with reason 'crashed' and its runtime
 * files are removed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "domain_conf.h"
#include "qemu_conf.h"
#include "qemu_domainjob.h"
#include "virfilelock.h"
#include "virprocess.h"

typedef struct _qemuBackupState qemuBackupState;   /* qemu_backup.h */
typedef struct _qemuBlockJob qemuBlockJob;         /* qemu_blockjob.h */
typedef struct _qemuStorageDaemon qemuStorageDaemon;   /* qemu_storage.h */

typedef struct _qemuDomainObj qemuDomainObj;
struct _qemuDomainObj {
    qemuDriver *driver;            /* not owned */
    char *name;
    virDomainDef *def;             /* live definition, or config if off */
    virDomainDef *newDef;          /* config of a running persistent domain */
    bool persistent;
    bool active;
    int state;                     /* virDomainState */
    int reason;
    int id;                        /* -1 when inactive */
    pid_t pid;
    unsigned long long starttime;  /* of the QEMU process */
    unsigned int nextIndex;        /* next block node index */
    qemuDomainJobObj job;
    qemuBackupState *backup;       /* the running backup, NULL if none */
    GPtrArray *blockjobs;          /* qemuBlockJob: block commits */
    qemuStorageDaemon *storage;    /* shut off: the daemon serving the
                                    * disks to a backup, NULL if none */
    virFileLock *lock;             /* held while changing */
};

typedef enum {
    /* take the per-domain lock (waits a bounded time for other changes) */
    QEMU_DOMAIN_LOAD_LOCK = 1 << 0,
    /* do not report an error when the domain does not exist */
    QEMU_DOMAIN_LOAD_QUIET = 1 << 1,
    /* never wait for the lock: with LOCK, fail at once with
     * VIR_ERR_RESOURCE_BUSY when another change holds it; a dead QEMU
     * found without the lock is then reported, not reconciled */
    QEMU_DOMAIN_LOAD_NOWAIT = 1 << 2,
    /* take the lock even on a read-only connection, for a query that
     * needs QEMU to itself but leaves nothing changed (a checkpoint's
     * size); such a holder repairs nothing */
    QEMU_DOMAIN_LOAD_LOCK_QUERY = 1 << 3,
} qemuDomainLoadFlags;

/* Load domain 'name'.  VIR_ERR_NO_DOMAIN if there is neither config nor
 * status.  A running domain whose QEMU is gone is reconciled (shut off,
 * crashed, runtime files removed) — which takes the lock briefly even
 * without QEMU_DOMAIN_LOAD_LOCK. */
qemuDomainObj *qemuDomainObjLoad(qemuDriver *driver, const char *name,
                                 unsigned int flags);
/* Find a domain by UUID (scans the files); with QEMU_DOMAIN_LOAD_LOCK
 * the domain found is read again under its lock. */
qemuDomainObj *qemuDomainObjLoadByUUID(qemuDriver *driver,
                                       const unsigned char *uuid,
                                       unsigned int flags);
/* Release the lock (if held) before the object goes; when the domain no
 * longer exists (neither active nor persistent) its lock file is removed
 * first.  qemuDomainObjFree does this too. */
void qemuDomainObjUnlock(qemuDomainObj *obj);
void qemuDomainObjFree(qemuDomainObj *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainObj, qemuDomainObjFree);

/* A blank object for domain 'name' (shut off, no definition). */
qemuDomainObj *qemuDomainObjNew(qemuDriver *driver, const char *name);
/* The status file's text, and reading it back into a blank object
 * (path names it in messages).  qemuDomainObjLoad uses these; the
 * fuzz target of the status loader does too. */
char *qemuDomainObjFormatStatus(qemuDomainObj *obj);
int qemuDomainObjParseStatus(qemuDomainObj *obj, const char *xml,
                             const char *path);

/* Write the status file (running) and/or config (persistent). */
int qemuDomainObjSaveStatus(qemuDomainObj *obj);
int qemuDomainObjSaveConfig(qemuDriver *driver, const virDomainDef *def);

/* Remove the runtime files (status, sockets, pid file). */
void qemuDomainObjRemoveRuntimeFiles(qemuDomainObj *obj);

/* Quiescing for a checkpoint or a backup: freeze the guest's file
 * systems through its agent, having written ROOT/run/NAME.frozen first,
 * so that a process killed while the guest is frozen leaves a marker the
 * next one acts on.  Returns the agent to thaw with, or NULL (error,
 * nothing left frozen). */
typedef struct _qemuAgent qemuAgent;
qemuAgent *qemuDomainFreeze(qemuDomainObj *obj);
/* Thaw and remove the marker (kept if the thaw fails: the next process
 * retries); a failure is logged, the caller's outcome stands.  Takes
 * @agent. */
void qemuDomainThaw(qemuDomainObj *obj, qemuAgent *agent);
/* A locked load found the marker: thaw the guest an earlier process left
 * frozen. */
void qemuDomainRecoverFreeze(qemuDomainObj *obj);

/* Whether a process has the disks open, so that their block nodes and
 * bitmaps are changed through its monitor: QEMU of a running domain, or
 * the storage daemon of a shut-off domain's backup. */
bool qemuDomainObjDisksOpen(qemuDomainObj *obj);
/* The definition whose disks carry that process's node names (the live
 * one, or the storage daemon's); the config when none has them open. */
virDomainDef *qemuDomainObjDisksDef(qemuDomainObj *obj);

/* The persistent definition (config) of the domain. */
virDomainDef *qemuDomainObjGetPersistentDef(qemuDomainObj *obj);

/* A fresh domain ID for a starting domain. */
int qemuDomainAllocID(qemuDriver *driver);

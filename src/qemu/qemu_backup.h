/*
 * qemu_backup.h: push and pull backups of a running domain
 *
 * A backup is one async job per domain.  Its definition and the runtime
 * facts needed to finish it (QEMU job ids, node names, which files Fleece
 * created, progress of finished disks) are kept in the status file, so
 * that any process can observe, end or recover it: QEMU runs the copy on
 * its own (auto-finalize, no auto-dismiss), and whichever Fleece call
 * looks next (job stats, dumpxml, abort, end, destroy, the event watcher)
 * reconciles the recorded state with query-jobs.
 *
 * The status file is also the journal: every change is recorded before
 * QEMU or a file is touched.  A backup is "starting" from before its
 * first step (everything it is about to create is listed) until QEMU's
 * transaction ran; a disk's outcome is recorded before its job is
 * dismissed and its nodes removed; the backup's outcome is recorded
 * ("terminating") before the NBD server, TLS object and files go.  A
 * process that finds one of these half done, with the domain lock,
 * finishes it (the transaction ran: the backup goes on) or rolls it back
 * (it did not: nothing is left).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libxml/xpath.h>

#include "backup_conf.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "virbuffer.h"
#include "virenum.h"

typedef enum {
    QEMU_BACKUP_PHASE_STARTING,    /* journalled; QEMU may be half set up */
    QEMU_BACKUP_PHASE_RUNNING,     /* the point in time was taken */
    QEMU_BACKUP_PHASE_TERMINATING, /* outcome recorded; server, TLS, files go */
    QEMU_BACKUP_PHASE_LAST
} qemuBackupPhase;
VIR_ENUM_DECL(qemuBackupPhase);

typedef struct _qemuBackupDisk qemuBackupDisk;
struct _qemuBackupDisk {
    char *name;            /* disk target */
    char *jobid;           /* QEMU job: backup-<target>-<top node> */
    char *topnode;         /* the disk's top format node */
    char *tmpbitmap;       /* temporary bitmap on topnode, NULL = none */
    char *cbwnode;         /* pull: copy-before-write filter of the job */
    char *snapnode;        /* pull: snapshot-access node that is exported */
    char *exportid;        /* pull: block export id */
    bool ownFilter;        /* pull: cbwnode is Fleece's filter, not a
                            * job's (qemu_backup_cbw.h); no QEMU job */
    bool created;          /* Fleece creates (created) the store file */
    bool cleaned;          /* outcome known, QEMU's side removed */
    unsigned long long current;   /* progress when the disk's job ended */
    unsigned long long total;
};

struct _qemuBackupState {
    virDomainBackupDef *def;     /* internal flavour: states, node names */
    unsigned int apiFlags;
    qemuBackupPhase phase;
    int outcome;                 /* qemuDomainJobStatus, when terminating */
    bool serverStarted;          /* pull: the NBD server runs (or, starting,
                                  * is about to) */
    unsigned int cbwTimeout;     /* pull: seconds a guest write may wait on
                                  * copy-before-write, 0 = no bound */
    bool failedStart;            /* begin failed after the transaction (not
                                  * persisted: ended in the same call) */
    qemuBackupDisk *disks;       /* one per def disk with backup='yes' */
    size_t ndisks;
};

void qemuBackupStateFree(qemuBackupState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuBackupState, qemuBackupStateFree);

/* Status file: <backups><domainbackup .../></backups> and <backupState>. */
void qemuBackupStateFormat(virBuffer *buf, const qemuBackupState *state);
int qemuBackupStateParse(xmlDocPtr doc, xmlXPathContextPtr ctxt,
                         qemuBackupState **state);

/* Hands out what a new checkpoint needs inside the backup's transaction. */
typedef struct _qemuBackupCheckpointOps qemuBackupCheckpointOps;
struct _qemuBackupCheckpointOps {
    /* Parse and check checkpointXML against the live domain, append its
     * bitmap-add actions; opaque receives what commit needs. */
    int (*prepare)(qemuDomainObj *obj, qemuMonitor *mon, const char *xml,
                   virJSONValue *actions, char **name, void **opaque);
    /* After the transaction: record the checkpoint (metadata, current). */
    int (*commit)(qemuDomainObj *obj, qemuMonitor *mon, void *opaque);
    void (*discard)(void *opaque);
};
void qemuBackupSetCheckpointOps(const qemuBackupCheckpointOps *ops);

/* The node name of disk d's store (target or scratch) and its export
 * name (pull), for qemu_backup_cbw.c. */
const char *qemuBackupDiskStoreNode(qemuBackupState *state, const qemuBackupDisk *d);
const char *qemuBackupDiskExportName(qemuBackupState *state, const qemuBackupDisk *d);

/* Start a backup (obj locked and running).  The caller owns nothing new. */
int qemuBackupBegin(qemuDomainObj *obj, const char *backupXML,
                    const char *checkpointXML, unsigned int flags);

/* The effective definition of the running backup. */
char *qemuBackupGetXMLDesc(qemuDomainObj *obj);

/* Bring the recorded state up to date with QEMU's jobs, finishing disks
 * whose jobs concluded and the whole backup when none is left.  obj must
 * be locked.  *done (may be NULL) gets the completed job's data when the
 * backup ended in this call (the caller emits the event).  mon may be
 * NULL (a connection is made). */
int qemuBackupReconcile(qemuDomainObj *obj, qemuMonitor *mon,
                        qemuDomainJobData **done);

/* For a reader that changes nothing (a read-only connection): update the
 * progress of the running disks in obj from QEMU's jobs, without saving
 * or finishing anything; the monitor is waited for at most timeout_ms. */
int qemuBackupRefreshProgress(qemuDomainObj *obj, unsigned int timeout_ms);

/* End the backup: a pull backup completes, a push backup is cancelled.
 * Waits (bounded) for QEMU to wind the jobs down. */
int qemuBackupEnd(qemuDomainObj *obj, qemuDomainJobData **done);

/* The domain's QEMU is going away (destroy) or is gone (crash): the
 * backup ends as failed, with the reason, and its temporary files go. */
void qemuBackupTerminateOnStop(qemuDomainObj *obj, bool crashed,
                               qemuDomainJobData **done);

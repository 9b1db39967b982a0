/*
 * qemu_domainjob.h: the per-domain job object
 *
 * A domain has one async job slot (a backup, for its whole life) and one
 * sync job slot (short operations: query, modify, destroy, abort).  The
 * async job's status is an explicit state machine; qemuDomainJobSetStatus
 * is the only way to move it: it checks the transition table, logs the
 * move and calls the hooks that save the status file and emit events.
 * Because every CLI call is its own process, the async job and the last
 * completed job's statistics are persisted in the status file, and a
 * conflicting request fails at once instead of waiting.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <libxml/xpath.h>

#include "virbuffer.h"
#include "virenum.h"

typedef enum {
    QEMU_JOB_NONE = 0,
    QEMU_JOB_QUERY,
    QEMU_JOB_DESTROY,
    QEMU_JOB_SUSPEND,
    QEMU_JOB_MODIFY,
    QEMU_JOB_ABORT,

    QEMU_JOB_LAST
} qemuDomainJob;
VIR_ENUM_DECL(qemuDomainJob);

typedef enum {
    QEMU_ASYNC_JOB_NONE = 0,
    QEMU_ASYNC_JOB_BACKUP,

    QEMU_ASYNC_JOB_LAST
} qemuDomainAsyncJob;
VIR_ENUM_DECL(qemuDomainAsyncJob);

/* Status of the async job.  NONE: no job; ACTIVE: running; CANCELLING:
 * abort requested, waiting for QEMU; the last three are final. */
typedef enum {
    QEMU_DOMAIN_JOB_STATUS_NONE = 0,
    QEMU_DOMAIN_JOB_STATUS_ACTIVE,
    QEMU_DOMAIN_JOB_STATUS_CANCELLING,
    QEMU_DOMAIN_JOB_STATUS_COMPLETED,
    QEMU_DOMAIN_JOB_STATUS_FAILED,
    QEMU_DOMAIN_JOB_STATUS_CANCELED,

    QEMU_DOMAIN_JOB_STATUS_LAST
} qemuDomainJobStatus;
VIR_ENUM_DECL(qemuDomainJobStatus);

/* What a job reports through virDomainGetJobStats. */
typedef struct _qemuDomainJobData qemuDomainJobData;
struct _qemuDomainJobData {
    int status;                     /* qemuDomainJobStatus */
    int asyncJob;                   /* qemuDomainAsyncJob */
    unsigned long long started;     /* ms since the epoch */
    unsigned long long stopped;     /* ms since the epoch, 0 while running */
    unsigned long long disk_total;
    unsigned long long disk_processed;
    unsigned long long temp_total;
    unsigned long long temp_used;
    char *errmsg;
};

qemuDomainJobData *qemuDomainJobDataCopy(const qemuDomainJobData *data);
void qemuDomainJobDataFree(qemuDomainJobData *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainJobData, qemuDomainJobDataFree);

typedef struct _qemuDomainJobObj qemuDomainJobObj;

/* Hooks called by qemuDomainJobSetStatus after a legal move. */
typedef struct {
    /* persist the status file; a failure is logged, not fatal */
    int (*save)(void *opaque);
    /* the async job reached a final status */
    void (*completed)(void *opaque, const qemuDomainJobData *data);
} qemuDomainJobHooks;

struct _qemuDomainJobObj {
    GMutex lock;
    int active;                      /* qemuDomainJob, in this process */
    int asyncJob;                    /* qemuDomainAsyncJob */
    unsigned long long asyncFlags;   /* API flags of the async job */
    qemuDomainJobData *current;      /* the async job's data, NULL if none */
    qemuDomainJobData *completed;    /* the last completed job, kept */
    qemuDomainJobHooks hooks;
    void *hooksOpaque;
};

void qemuDomainJobObjInit(qemuDomainJobObj *job, const qemuDomainJobHooks *hooks,
                          void *opaque);
void qemuDomainJobObjClear(qemuDomainJobObj *job);

/* Milliseconds since the epoch. */
unsigned long long qemuDomainJobNow(void);

/* Take the sync slot for 'job'.  Fails at once with
 * VIR_ERR_OPERATION_INVALID naming the job that holds the slot, or when
 * the running async job does not allow 'job'. */
int qemuDomainJobBegin(qemuDomainJobObj *obj, qemuDomainJob job);
void qemuDomainJobEnd(qemuDomainJobObj *obj);

/* Start the async job (status ACTIVE).  Fails at once with
 * VIR_ERR_OPERATION_INVALID naming the async job already running. */
int qemuDomainAsyncJobBegin(qemuDomainJobObj *obj, qemuDomainAsyncJob job,
                            unsigned long long flags);

/* Move the async job to 'status'; an illegal move is an error naming the
 * job, its status and the requested one.  Moving to a final status stamps
 * the stop time, keeps a copy as the completed job and calls the hooks;
 * moving to NONE releases the slot. */
int qemuDomainJobSetStatus(qemuDomainJobObj *obj, qemuDomainJobStatus status);
bool qemuDomainJobTransitionAllowed(qemuDomainJobStatus from,
                                    qemuDomainJobStatus to);

/* End the async job (final status → NONE). */
int qemuDomainAsyncJobEnd(qemuDomainJobObj *obj);

/* The completed job's data; with discard the copy is dropped. */
qemuDomainJobData *qemuDomainJobTakeCompleted(qemuDomainJobObj *obj, bool discard);

/* Status file: <job .../> and <completedJob .../> elements. */
void qemuDomainJobFormat(virBuffer *buf, qemuDomainJobObj *obj);
int qemuDomainJobParse(xmlXPathContextPtr ctxt, qemuDomainJobObj *obj);

/*
 * qemu_blockjob.h: block commit on a running domain
 *
 * A commit copies the data of the images from 'top' down to 'base' into
 * 'base' and takes them out of the disk's chain.  QEMU runs the copy on
 * its own; what Fleece needs to finish it (QEMU job id, the images
 * involved, the phase) is recorded in the status file before QEMU is
 * asked, and whichever call looks next (block job info, abort, the next
 * commit, snapshot or backup of the domain) brings it up to date:
 *
 *   - a commit below the active image runs with auto-finalize off: when
 *     QEMU has copied everything (job 'pending'), every checkpoint
 *     bitmap of the committed images is merged into base (added there
 *     if base lacks it) while QEMU still holds base writable, then the
 *     job is finalized and the images leave the chain;
 *   - an active commit reaches its synchronised phase ('ready') and
 *     waits for virDomainBlockJobAbort: with PIVOT the phase 'pivoting'
 *     is recorded, a temporary bitmap on base catches the writes that
 *     race with the switch, QEMU switches the disk to base, and every
 *     bitmap of the committed images plus the temporary one is merged
 *     into base's bitmap of the same name.
 *
 * Every step repeats safely: a process killed at any point leaves a
 * record the next one finishes from QEMU's state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <libxml/xpath.h>

#include "datatypes.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "virbuffer.h"
#include "virenum.h"

typedef enum {
    QEMU_BLOCKJOB_PHASE_RUNNING,    /* QEMU copies */
    QEMU_BLOCKJOB_PHASE_PIVOTING,   /* active commit: switch requested */
    QEMU_BLOCKJOB_PHASE_LAST
} qemuBlockJobPhase;
VIR_ENUM_DECL(qemuBlockJobPhase);

/* One image leaving the chain. */
typedef struct _qemuBlockJobImage qemuBlockJobImage;
struct _qemuBlockJobImage {
    char *path;
    char *nodeformat;
    char *nodestorage;
};

struct _qemuBlockJob {
    char *disk;              /* target, e.g. "vda" */
    char *jobid;             /* QEMU's job id */
    bool active;             /* active commit */
    bool deleteFiles;        /* VIR_DOMAIN_BLOCK_COMMIT_DELETE */
    int phase;               /* qemuBlockJobPhase */
    char *base;              /* base format node */
    unsigned long long bandwidth;   /* bytes/s, 0 = none */
    qemuBlockJobImage *images;      /* top first, down to above base */
    size_t nimages;
};

void qemuBlockJobFree(qemuBlockJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuBlockJob, qemuBlockJobFree);

/* Status file: <blockjobs>. */
void qemuBlockJobsFormat(virBuffer *buf, GPtrArray *jobs);
int qemuBlockJobsParse(xmlXPathContextPtr ctxt, GPtrArray **jobs);

/* Whether any block job is recorded for @obj. */
bool qemuBlockJobAny(qemuDomainObj *obj);
/* Whether a pivot was asked for and not recorded as done: found by a
 * process holding the lock, its process died. */
bool qemuBlockJobPivoting(qemuDomainObj *obj);
/* Whether format node @node is the base a recorded commit writes into. */
bool qemuBlockJobIsBase(qemuDomainObj *obj, const char *node);

/* Bring the recorded jobs up to date with QEMU (obj locked and
 * running); finished ones are completed.  @mon may be NULL. */
int qemuBlockJobReconcile(qemuDomainObj *obj, qemuMonitor *mon);

/* Driver entry points (signatures of src/driver.h). */
int qemuDomainBlockCommit(virDomain *dom, const char *disk, const char *base,
                          const char *top, unsigned long bandwidth,
                          unsigned int flags);
int qemuDomainGetBlockJobInfo(virDomain *dom, const char *disk,
                              virDomainBlockJobInfo *info, unsigned int flags);
int qemuDomainBlockJobAbort(virDomain *dom, const char *disk, unsigned int flags);

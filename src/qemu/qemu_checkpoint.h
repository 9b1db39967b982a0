/*
 * qemu_checkpoint.h: checkpoints of QEMU domains
 *
 * A checkpoint is one persistent, recording dirty bitmap per
 * participating disk, named after the checkpoint, on the disk's top
 * qcow2 image, plus one metadata file ROOT/checkpoints/DOMAIN/NAME.xml.
 * Running domains get their bitmaps through one QMP 'transaction';
 * shut-off domains through qemu-img.
 *
 * Crash safety: every change is journalled in the checkpoint directory
 * before QEMU or the images are touched, and the same function that
 * completes the change normally completes (or undoes) it when the next
 * process finds the journal:
 *
 *   .create.xml   the checkpoint being created; finished if its bitmaps
 *                 exist on every disk, otherwise rolled back
 *   .delete       the checkpoints being deleted, the new parent of their
 *                 children and the new current checkpoint; always
 *                 finished (removing bitmaps is idempotent)
 *   .current      the name of the current checkpoint
 *
 * Beside the directory, ../.DOMAIN.index holds what every checkpoint's
 * file says but its embedded domain (qemu_checkpoint_index.h): written
 * as the last step of every change, used only while the directory is as
 * that change left it, rebuilt from the files otherwise.
 *
 * The hidden names keep these files out of the checkpoint count.
 *
 * Tests kill a process between any two steps from outside (the
 * test-only tests/crashmock.c); nothing in here reacts to them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "datatypes.h"
#include "qemu_domain.h"
#include "qemu_monitor.h"
#include "qemu_qmp.h"
#include "virdomaincheckpointobjlist.h"
#include "virenum.h"
#include "virjson.h"


/* The temporary bitmap a SIZE query merges into (libvirt's name). */
#define QEMU_CHECKPOINT_SIZE_BITMAP "libvirt-tmp-size-xml"

/* What the backing chain of one disk says about a bitmap name. */
typedef enum {
    QEMU_CHECKPOINT_BITMAP_VALID,         /* usable */
    QEMU_CHECKPOINT_BITMAP_MISSING,       /* not on the top image */
    QEMU_CHECKPOINT_BITMAP_GAP,           /* a deeper image has it after one without */
    QEMU_CHECKPOINT_BITMAP_INCONSISTENT,  /* QEMU or the image says so */
    QEMU_CHECKPOINT_BITMAP_DISABLED,      /* not recording */
    QEMU_CHECKPOINT_BITMAP_TRANSIENT,     /* not persistent */

    QEMU_CHECKPOINT_BITMAP_LAST
} qemuCheckpointBitmapState;
VIR_ENUM_DECL(qemuCheckpointBitmapState);

/* The state of bitmap @name along the chain of live disk @disk (its node
 * names), from query-named-block-nodes @nodes. */
qemuCheckpointBitmapState
qemuCheckpointBitmapChainState(const virDomainDiskDef *disk, GPtrArray *nodes,
                               const char *name);

/* The same for a shut-off domain's disk, read with qemu-img info -U
 * ('in-use' counts as inconsistent).  -1 on error. */
int qemuCheckpointBitmapChainStateOffline(const char *qemuimg,
                                          const virDomainDiskDef *disk,
                                          const char *name);

/* Check that checkpoint @chk is usable on every disk of @def (live def
 * with node names; disks no longer in @def are skipped).  @nodes NULL
 * means the domain is shut off and the images are read.  -1 with
 * VIR_ERR_CHECKPOINT_INCONSISTENT naming checkpoint and disk. */
int qemuCheckpointCheckBitmaps(const char *qemuimg,
                               const virDomainDef *def, GPtrArray *nodes,
                               const virDomainCheckpointDef *chk);

/* query-named-block-nodes (flat), parsed. */
GPtrArray *qemuCheckpointQueryNodes(qemuMonitor *mon);

/* The transaction actions creating @chk's bitmaps on @def's disks. */
virJSONValue *qemuCheckpointCreateActions(const virDomainDef *def,
                                          const virDomainCheckpointDef *chk);
/* The actions removing the bitmaps of every checkpoint in @chks
 * (virDomainCheckpointDef *) from every image of the chain holding
 * them. *@count gets the number of actions. */
virJSONValue *qemuCheckpointDeleteActions(const virDomainDef *def,
                                          GPtrArray *nodes, GPtrArray *chks,
                                          size_t *count);

/* The checkpoints of @obj, from the index when it matches the metadata
 * files, else from the files (and, when @obj is locked, the index is
 * rewritten).  Definitions may lack the embedded domain: the metadata
 * file has it.  When @obj is locked, half-done changes found in the
 * journal are finished or rolled back first (@mon: the monitor of a
 * running domain, may be NULL then it is connected when needed). */
virDomainCheckpointObjList *qemuCheckpointLoad(qemuDomainObj *obj,
                                               qemuMonitor *mon);

/* At domain start, with the fresh monitor: repair journals and log a
 * warning for every checkpoint whose bitmaps are missing or
 * inconsistent.  Never fails. */
void qemuCheckpointReconcile(qemuDomainObj *obj, qemuMonitor *mon);

/* The operations, on a loaded and locked domain (@mon NULL for a
 * shut-off domain); used by the driver entry points and by tests with a
 * fake monitor. */
virDomainCheckpointObj *qemuCheckpointCreate(qemuDomainObj *obj,
                                             qemuMonitor *mon,
                                             virDomainCheckpointObjList *list,
                                             const char *xml,
                                             unsigned int flags);
int qemuCheckpointDelete(qemuDomainObj *obj, qemuMonitor *mon,
                         virDomainCheckpointObjList *list,
                         const char *name, unsigned int flags);
char *qemuCheckpointGetXMLDesc(qemuDomainObj *obj, qemuMonitor *mon,
                               virDomainCheckpointObjList *list,
                               const char *name, unsigned int flags);

/* Driver entry points (signatures of src/driver.h). */
virDomainCheckpoint *qemuDomainCheckpointCreateXML(virDomain *dom,
                                                   const char *xml,
                                                   unsigned int flags);
char *qemuDomainCheckpointGetXMLDesc(virDomainCheckpoint *checkpoint,
                                     unsigned int flags);
int qemuDomainListAllCheckpoints(virDomain *dom,
                                 virDomainCheckpoint ***checkpoints,
                                 unsigned int flags);
int qemuDomainCheckpointListAllChildren(virDomainCheckpoint *checkpoint,
                                        virDomainCheckpoint ***children,
                                        unsigned int flags);
virDomainCheckpoint *qemuDomainCheckpointLookupByName(virDomain *dom,
                                                      const char *name,
                                                      unsigned int flags);
virDomainCheckpoint *qemuDomainCheckpointGetParent(virDomainCheckpoint *checkpoint,
                                                   unsigned int flags);
int qemuDomainCheckpointDelete(virDomainCheckpoint *checkpoint,
                               unsigned int flags);

/* Whether an interrupted change left a journal to replay. */
bool qemuCheckpointHasJournal(qemuDomainObj *obj);

/* Let backups create a checkpoint in their own transaction. */
void qemuCheckpointRegisterBackupOps(void);

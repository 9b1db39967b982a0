/*
 * qemu_checkpoint_index.h: the index of a domain's checkpoint metadata
 *
 * ROOT/checkpoints/.DOMAIN.index (beside the directory DOMAIN of its
 * metadata files) holds, for every checkpoint, what the listing and
 * tree queries and the bitmap operations need — name, parent, creation
 * time, description, and per disk its checkpoint type and bitmap — and
 * the current checkpoint, so that an operation reads one small file
 * instead of parsing every NAME.xml.  Only the embedded domain
 * definition stays in NAME.xml alone.
 *
 * The metadata files stay the truth.  The index records the directory's
 * device, inode and modification time as the change that wrote it left
 * them, and is used only while the directory still has exactly those:
 * any file written, added, renamed or removed there since — by a change
 * killed before its last step, by hand — changes the directory's
 * modification time, and the caller rebuilds the index from the files.
 * (An edit in place, or on a kernel with coarse timestamps one within
 * the same clock tick as the index, is not seen until the next change.)
 * Every change under the domain's lock rewrites it as its last step.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "virdomaincheckpointobjlist.h"

/* The index of checkpoint directory @dir (a sibling file). */
char *qemuCheckpointIndexPath(const char *dir);
/* Remove it (a missing one is fine). */
int qemuCheckpointIndexRemove(const char *dir);

/* The checkpoints of directory @dir from its index, or NULL (no error
 * reported) when there is no index or it does not match the directory.
 * Definitions have no domain (dom and dom_xml NULL): the whole of one is
 * in its metadata file. */
virDomainCheckpointObjList *qemuCheckpointIndexLoad(const char *dir);

/* Write the index of @list (the current checkpoint included) for @dir
 * as it is now: the last step of a change.  Not synced to disk (a
 * damaged or stale index does not match, and is rebuilt). */
int qemuCheckpointIndexWrite(const char *dir, virDomainCheckpointObjList *list);

/* Lists kept between calls of this process, while neither the directory
 * nor the index changes (any change rewrites the index as its last step,
 * and any file written or removed there changes the directory's
 * modification time).  A kept list is shared: it is never changed.
 *
 * A reader's list of @dir: the one kept, or one read from the index and
 * kept; NULL (no error reported) when there is no index to trust: then
 * load from the files.  Free with virDomainCheckpointObjListFree. */
virDomainCheckpointObjList *qemuCheckpointIndexLoadShared(const char *dir);
/* A writer's list of @dir (it holds the domain's lock): the kept one,
 * taken out of the cache when no reader holds it; else NULL. */
virDomainCheckpointObjList *qemuCheckpointIndexTake(const char *dir);
/* Keep @list (a reference is taken), which a writer has just written
 * the index of, as its last step: @list must not change any more. */
void qemuCheckpointIndexKeep(const char *dir, virDomainCheckpointObjList *list);

/*
 * qemu_checkpoint_index.h: the index of a domain's checkpoint metadata
 *
 * ROOT/checkpoints/DOMAIN/.index holds, for every checkpoint, what the
 * listing and tree queries and the bitmap operations need — name,
 * parent, creation time, description, and per disk its checkpoint type
 * and bitmap — plus the current checkpoint, so that an operation reads
 * one small file instead of parsing every NAME.xml.  Only the embedded
 * domain definition stays in NAME.xml alone.
 *
 * The metadata files stay the truth.  The index names the file each
 * entry was taken from by its inode (as the directory lists it), and
 * the inode of .current; it is used only when the directory lists
 * exactly those files with exactly those inodes.  Every Fleece write is
 * an atomic replace (a new inode), so a metadata file written, added or
 * removed without the index being updated — a process killed between
 * the two, a file copied in by hand — makes the index disagree, and the
 * caller rebuilds it from the files.  The index is rewritten, atomically,
 * by every change under the domain's lock, before the change's journal
 * is removed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "virdomaincheckpointobjlist.h"

#define QEMU_CHECKPOINT_INDEX ".index"

/* The checkpoints of directory @dir from its index, or NULL (no error
 * reported) when there is no index or it does not match the files.
 * Definitions have no domain (dom and dom_xml NULL): the whole of one is
 * in its metadata file. */
virDomainCheckpointObjList *qemuCheckpointIndexLoad(const char *dir);

/* Write the index of @list (the current checkpoint included) for the
 * files now in @dir.  -1 with an error; a checkpoint without a metadata
 * file is an internal error (the index is then removed). */
int qemuCheckpointIndexWrite(const char *dir, virDomainCheckpointObjList *list);

/* A list loaded from an index, shared by the readers of this process
 * while neither the directory nor the index changes (any file Fleece
 * writes there changes the directory's modification time).  Never
 * modified: whoever changes checkpoints loads a list of its own. */
typedef struct _qemuCheckpointShared qemuCheckpointShared;

/* The shared list of @dir, or NULL (no error reported) when there is no
 * index to trust: then load from the files. */
qemuCheckpointShared *qemuCheckpointIndexLoadShared(const char *dir);
virDomainCheckpointObjList *qemuCheckpointSharedGetList(qemuCheckpointShared *shared);
void qemuCheckpointSharedUnref(qemuCheckpointShared *shared);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuCheckpointShared, qemuCheckpointSharedUnref);

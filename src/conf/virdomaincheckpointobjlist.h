/*
 * virdomaincheckpointobjlist.h: the checkpoints of one domain, as a tree
 *
 * Each checkpoint names its parent; the list keeps the links both ways,
 * knows the "current" checkpoint (the parent of the next one created)
 * and answers the listing queries of the public API.  Pure bookkeeping:
 * persisting the definitions is the driver's job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "checkpoint_conf.h"

/* Listing flags: same values as the public virDomainCheckpointListFlags.
 * Bit 0 means ROOTS when listing the whole tree and DESCENDANTS when
 * listing below a checkpoint. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS = 1 << 0,
    VIR_DOMAIN_CHECKPOINT_OBJLIST_DESCENDANTS = 1 << 0,
    VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL = 1 << 1,
    VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES = 1 << 2,
    VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES = 1 << 3,
} virDomainCheckpointObjListFlags;

#define VIR_DOMAIN_CHECKPOINT_OBJLIST_ALL_FLAGS \
    (VIR_DOMAIN_CHECKPOINT_OBJLIST_ROOTS | \
     VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL | \
     VIR_DOMAIN_CHECKPOINT_OBJLIST_LEAVES | \
     VIR_DOMAIN_CHECKPOINT_OBJLIST_NO_LEAVES)

typedef struct _virDomainCheckpointObj virDomainCheckpointObj;
struct _virDomainCheckpointObj {
    virDomainCheckpointDef *def;      /* owned */
    virDomainCheckpointObj *parent;   /* NULL = root */
    GPtrArray *children;              /* virDomainCheckpointObj *, borrowed */
};

typedef struct _virDomainCheckpointObjList virDomainCheckpointObjList;

/* A list is reference counted, so that readers can share one; a shared
 * list (more than one reference) must not be changed. */
virDomainCheckpointObjList *virDomainCheckpointObjListNew(void);
virDomainCheckpointObjList *
virDomainCheckpointObjListRef(virDomainCheckpointObjList *list);
bool virDomainCheckpointObjListIsShared(virDomainCheckpointObjList *list);
/* Drop a reference (the last one frees everything). */
void virDomainCheckpointObjListFree(virDomainCheckpointObjList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainCheckpointObjList,
                              virDomainCheckpointObjListFree);

/* Add def (taken, *def cleared) and link it below its parent if that is
 * known.  A name in use fails with VIR_ERR_OPERATION_FAILED. */
virDomainCheckpointObj *
virDomainCheckpointObjListAdd(virDomainCheckpointObjList *list,
                              virDomainCheckpointDef **def);

virDomainCheckpointObj *
virDomainCheckpointObjListFindByName(virDomainCheckpointObjList *list,
                                     const char *name);
/* As FindByName, reporting VIR_ERR_NO_DOMAIN_CHECKPOINT when absent. */
virDomainCheckpointObj *
virDomainCheckpointObjListLookup(virDomainCheckpointObjList *list,
                                 const char *name);
size_t virDomainCheckpointObjListSize(virDomainCheckpointObjList *list);

virDomainCheckpointObj *
virDomainCheckpointObjListGetCurrent(virDomainCheckpointObjList *list);
const char *
virDomainCheckpointObjListGetCurrentName(virDomainCheckpointObjList *list);
void virDomainCheckpointObjListSetCurrent(virDomainCheckpointObjList *list,
                                          virDomainCheckpointObj *obj);

/* Rebuild every parent/children link from the parent names (after
 * loading).  Missing parents and cycles leave the affected checkpoints
 * as roots and return -1 with VIR_ERR_INTERNAL_ERROR; the tree is
 * usable either way. */
int virDomainCheckpointObjListUpdateRelations(virDomainCheckpointObjList *list);
/* Current := the only leaf if there is exactly one, else none. */
void virDomainCheckpointObjListSetCurrentLeaf(virDomainCheckpointObjList *list);

/* Check that def may be redefined into list: its parent exists, is not
 * itself and does not make a cycle (VIR_ERR_INVALID_ARG).  Changes
 * nothing. */
int virDomainCheckpointObjListRedefinePrep(virDomainCheckpointObjList *list,
                                           const virDomainCheckpointDef *def);
/* RedefinePrep, then replace the definition of that name in place
 * (children kept) or add it; it becomes current if its parent is the
 * current checkpoint or there is none.  *def is taken on success. */
virDomainCheckpointObj *
virDomainCheckpointObjListRedefine(virDomainCheckpointObjList *list,
                                   virDomainCheckpointDef **def);

/* Remove one checkpoint: its children move to its parent (their
 * parent_name is updated); if it was current its parent becomes
 * current. */
void virDomainCheckpointObjListRemove(virDomainCheckpointObjList *list,
                                      virDomainCheckpointObj *obj);
/* Remove every descendant of obj, and obj too when withSelf.  If the
 * current checkpoint was removed, obj (or, when removed, its parent)
 * becomes current. */
void virDomainCheckpointObjListRemoveSubtree(virDomainCheckpointObjList *list,
                                             virDomainCheckpointObj *obj,
                                             bool withSelf);

/* List checkpoints: the whole tree when from is NULL, else the children
 * (or, with DESCENDANTS, all descendants) of from.  Returns the count
 * and, when objs is given, a NULL-terminated array of borrowed
 * pointers. */
int virDomainCheckpointObjListGetAll(virDomainCheckpointObjList *list,
                                     virDomainCheckpointObj *from,
                                     virDomainCheckpointObj ***objs,
                                     unsigned int flags);
/* Same, giving a NULL-terminated array of names (caller frees with
 * g_strfreev). */
int virDomainCheckpointObjListGetNames(virDomainCheckpointObjList *list,
                                       virDomainCheckpointObj *from,
                                       char ***names,
                                       unsigned int flags);

/*
 * qemu_checkpoint.c: checkpoints of QEMU domains (see qemu_checkpoint.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "qemu_checkpoint.h"
#include "qemu_checkpoint_index.h"
#include "qemu_backup.h"
#include "qemu_blockjob.h"
#include "qemu_command.h"
#include "qemu_driver.h"
#include "qemu_agent.h"
#include "qemu_img.h"
#include "qemu_process.h"
#include "libvirt/libvirt-domain-checkpoint.h"
#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("qemu.checkpoint");

VIR_ENUM_IMPL(qemuCheckpointBitmapState, QEMU_CHECKPOINT_BITMAP_LAST,
              "valid", "missing", "gap", "inconsistent", "disabled",
              "transient");

/* Files of the checkpoint directory besides NAME.xml. */
#define QEMU_CHECKPOINT_FILE_SUFFIX ".xml"
#define QEMU_CHECKPOINT_JOURNAL_CREATE ".create.xml"
#define QEMU_CHECKPOINT_JOURNAL_DELETE ".delete"
#define QEMU_CHECKPOINT_CURRENT ".current"
#define QEMU_CHECKPOINT_FILE_MAX (16 * 1024 * 1024)

/* Keys of the delete journal, one "KEY VALUE" per line. */
typedef enum {
    QEMU_CHECKPOINT_JOURNAL_KEY_PARENT,
    QEMU_CHECKPOINT_JOURNAL_KEY_CURRENT,
    QEMU_CHECKPOINT_JOURNAL_KEY_METADATA_ONLY,
    QEMU_CHECKPOINT_JOURNAL_KEY_DELETE,

    QEMU_CHECKPOINT_JOURNAL_KEY_LAST
} qemuCheckpointJournalKey;
VIR_ENUM_DECL(qemuCheckpointJournalKey);
VIR_ENUM_IMPL(qemuCheckpointJournalKey, QEMU_CHECKPOINT_JOURNAL_KEY_LAST,
              "parent", "current", "metadata-only", "delete");

/* A delete in progress: what the journal file holds. */
typedef struct _qemuCheckpointDeleteJournal qemuCheckpointDeleteJournal;
struct _qemuCheckpointDeleteJournal {
    char *parent;           /* new parent of orphaned children, NULL = root */
    char *current;          /* current checkpoint afterwards, NULL = none */
    bool metadataOnly;
    GPtrArray *names;       /* char *: the checkpoints deleted */
};

static void
qemuCheckpointDeleteJournalFree(qemuCheckpointDeleteJournal *j)
{
    if (!j)
        return;
    g_free(j->parent);
    g_free(j->current);
    if (j->names)
        g_ptr_array_free(j->names, TRUE);
    g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuCheckpointDeleteJournal,
                              qemuCheckpointDeleteJournalFree);


static char *
qemuCheckpointDir(qemuDomainObj *obj)
{
    return qemuDriverCheckpointDir(obj->driver, obj->name);
}

static char *
qemuCheckpointPath(qemuDomainObj *obj, const char *file)
{
    g_autofree char *dir = qemuCheckpointDir(obj);

    return g_build_filename(dir, file, NULL);
}

static char *
qemuCheckpointDefPath(qemuDomainObj *obj, const char *name)
{
    g_autofree char *file = g_strconcat(name, QEMU_CHECKPOINT_FILE_SUFFIX, NULL);

    return qemuCheckpointPath(obj, file);
}

/* Write @content atomically as @file of the checkpoint directory. */
static int
qemuCheckpointWriteFile(qemuDomainObj *obj, const char *file,
                        const char *content)
{
    g_autofree char *dir = qemuCheckpointDir(obj);
    g_autofree char *path = g_build_filename(dir, file, NULL);

    if (virFileMakePath(dir, 0700) < 0)
        return -1;
    return virFileRewriteStr(path, 0600, content);
}

/* Remove @file of the checkpoint directory; a missing file is fine. */
static int
qemuCheckpointRemoveFile(qemuDomainObj *obj, const char *file)
{
    g_autofree char *path = qemuCheckpointPath(obj, file);

    if (unlink(path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return 0;
}

static int
qemuCheckpointWriteDef(qemuDomainObj *obj, const virDomainCheckpointDef *def)
{
    g_autofree char *xml = virDomainCheckpointDefFormatInternal(def);
    g_autofree char *file = NULL;

    if (!xml)
        return -1;
    file = g_strconcat(def->name, QEMU_CHECKPOINT_FILE_SUFFIX, NULL);
    return qemuCheckpointWriteFile(obj, file, xml);
}

/* Record @name (NULL = none) as the current checkpoint. */
static int
qemuCheckpointWriteCurrent(qemuDomainObj *obj, const char *name)
{
    g_autofree char *content = NULL;

    if (!name)
        return qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_CURRENT);
    content = g_strdup_printf("%s\n", name);
    return qemuCheckpointWriteFile(obj, QEMU_CHECKPOINT_CURRENT, content);
}

static bool
qemuCheckpointFileExists(qemuDomainObj *obj, const char *file)
{
    g_autofree char *path = qemuCheckpointPath(obj, file);

    return virFileExists(path);
}

static int
qemuCheckpointNameCompare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Parse every NAME.xml of the directory into a tree; unreadable files
 * are skipped with a warning, as libvirt does. */
static virDomainCheckpointObjList *
qemuCheckpointLoadFiles(qemuDomainObj *obj)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    g_autofree char *dir = qemuCheckpointDir(obj);
    g_autofree char *current = NULL;
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
    const char *ent;
    guint i;

    if (!d)
        return g_steal_pointer(&list);
    while ((ent = g_dir_read_name(d))) {
        if (ent[0] != '.' && g_str_has_suffix(ent, QEMU_CHECKPOINT_FILE_SUFFIX))
            g_ptr_array_add(files, g_strdup(ent));
    }
    g_ptr_array_sort(files, qemuCheckpointNameCompare);

    for (i = 0; i < files->len; i++) {
        const char *file = g_ptr_array_index(files, i);
        g_autofree char *path = g_build_filename(dir, file, NULL);
        g_autofree char *xml = NULL;
        g_autoptr(virDomainCheckpointDef) def = NULL;
        size_t len = strlen(file) - strlen(QEMU_CHECKPOINT_FILE_SUFFIX);

        if (virFileReadAll(path, QEMU_CHECKPOINT_FILE_MAX, &xml) < 0 ||
            !(def = virDomainCheckpointDefParseString(xml,
                                                      VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE |
                                                      VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE |
                                                      VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN))) {
            VIR_WARN("skipping checkpoint metadata '%s': %s", path,
                     virGetLastErrorMessage());
            virResetLastError();
            continue;
        }
        if (strlen(def->name) != len || strncmp(def->name, file, len) != 0) {
            VIR_WARN("skipping checkpoint metadata '%s': it names '%s'",
                     path, def->name);
            continue;
        }
        if (!virDomainCheckpointObjListAdd(list, &def)) {
            VIR_WARN("skipping checkpoint metadata '%s': %s", path,
                     virGetLastErrorMessage());
            virResetLastError();
        }
    }
    if (virDomainCheckpointObjListUpdateRelations(list) < 0) {
        VIR_WARN("checkpoints of domain '%s': %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }

    {
        g_autofree char *path = g_build_filename(dir, QEMU_CHECKPOINT_CURRENT, NULL);
        virDomainCheckpointObj *cur = NULL;

        if (virFileExists(path) &&
            virFileReadAll(path, VIR_NAME_MAX_LEN + 2, &current) >= 0) {
            g_strstrip(current);
            cur = virDomainCheckpointObjListFindByName(list, current);
        }
        virResetLastError();
        if (cur)
            virDomainCheckpointObjListSetCurrent(list, cur);
        else
            virDomainCheckpointObjListSetCurrentLeaf(list);
    }
    return g_steal_pointer(&list);
}

GPtrArray *
qemuCheckpointQueryNodes(qemuMonitor *mon)
{
    g_autoptr(virJSONValue) reply = NULL;

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                       "b:flat", true, NULL) < 0)
        return NULL;
    return qemuQMPParseNamedBlockNodes(reply);
}

/* Connect the monitor of a running domain if not yet done. */
static qemuMonitor *
qemuCheckpointMonitor(qemuDomainObj *obj, qemuMonitor **mon, bool *owned)
{
    if (*mon)
        return *mon;
    if (!(*mon = qemuProcessConnectMonitor(obj)))
        return NULL;
    *owned = true;
    return *mon;
}


/* ---- bitmap chains ------------------------------------------------------ */

qemuCheckpointBitmapState
qemuCheckpointBitmapChainState(const virDomainDiskDef *disk, GPtrArray *nodes,
                               const char *name)
{
    const virStorageSource *src;
    bool inRun = true;
    bool top = true;
    qemuCheckpointBitmapState ret = QEMU_CHECKPOINT_BITMAP_VALID;

    for (src = disk->src; src && src->nodeformat; src = src->backingStore) {
        qemuQMPBlockNode *node = qemuQMPBlockNodeFind(nodes, src->nodeformat);
        qemuQMPDirtyBitmap *bitmap = node ? qemuQMPBlockNodeFindBitmap(node, name)
                                          : NULL;

        if (!bitmap) {
            if (top)
                return QEMU_CHECKPOINT_BITMAP_MISSING;
            inRun = false;
        } else if (!inRun) {
            return QEMU_CHECKPOINT_BITMAP_GAP;
        } else if (ret == QEMU_CHECKPOINT_BITMAP_VALID) {
            if (bitmap->inconsistent)
                ret = QEMU_CHECKPOINT_BITMAP_INCONSISTENT;
            else if (!bitmap->persistent)
                ret = QEMU_CHECKPOINT_BITMAP_TRANSIENT;
            else if (!bitmap->recording)
                ret = QEMU_CHECKPOINT_BITMAP_DISABLED;
        }
        top = false;
    }
    if (top)
        return QEMU_CHECKPOINT_BITMAP_MISSING;
    return ret;
}

int
qemuCheckpointBitmapChainStateOffline(const char *qemuimg,
                                      const virDomainDiskDef *disk,
                                      const char *name)
{
    g_autoptr(qemuImgInfo) info = NULL;
    const qemuImgInfo *cur;
    bool inRun = true;
    int ret = QEMU_CHECKPOINT_BITMAP_VALID;

    if (!disk->src || !disk->src->path)
        return QEMU_CHECKPOINT_BITMAP_MISSING;
    if (!(info = qemuImgGetInfo(qemuimg, disk->src->path, NULL, true)))
        return -1;
    for (cur = info; cur; cur = cur->backing) {
        const qemuImgBitmap *bitmap = qemuImgInfoFindBitmap(cur, name);

        if (!bitmap) {
            if (cur == info)
                return QEMU_CHECKPOINT_BITMAP_MISSING;
            inRun = false;
        } else if (!inRun) {
            return QEMU_CHECKPOINT_BITMAP_GAP;
        } else if (ret == QEMU_CHECKPOINT_BITMAP_VALID) {
            if (bitmap->inUse)
                ret = QEMU_CHECKPOINT_BITMAP_INCONSISTENT;
            else if (!bitmap->recording)
                ret = QEMU_CHECKPOINT_BITMAP_DISABLED;
        }
    }
    return ret;
}

int
qemuCheckpointCheckBitmaps(const char *qemuimg,
                           const virDomainDef *def, GPtrArray *nodes,
                           const virDomainCheckpointDef *chk)
{
    size_t i;

    for (i = 0; i < chk->ndisks; i++) {
        const virDomainCheckpointDiskDef *cd = &chk->disks[i];
        virDomainDiskDef *disk;
        int state;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
            continue;
        if (!(disk = virDomainDiskByTarget((virDomainDef *) def, cd->name)))
            continue;   /* unplugged since: tolerated */
        if (nodes)
            state = qemuCheckpointBitmapChainState(disk, nodes, chk->name);
        else if ((state = qemuCheckpointBitmapChainStateOffline(qemuimg, disk,
                                                                chk->name)) < 0)
            return -1;
        if (state != QEMU_CHECKPOINT_BITMAP_VALID) {
            virReportError(VIR_ERR_CHECKPOINT_INCONSISTENT,
                           _("checkpoint '%s' is unusable on disk '%s': bitmap '%s' is %s"),
                           chk->name, cd->name, chk->name,
                           qemuCheckpointBitmapStateTypeToString(state));
            return -1;
        }
    }
    return 0;
}

/* Log a warning for every checkpoint that is unusable on some disk. */
static void
qemuCheckpointWarnUnusable(qemuDomainObj *obj,
                           virDomainCheckpointObjList *list,
                           GPtrArray *nodes)
{
    g_autofree virDomainCheckpointObj **objs = NULL;
    size_t i;

    if (virDomainCheckpointObjListGetAll(list, NULL, &objs, 0) < 0) {
        virResetLastError();
        return;
    }
    for (i = 0; objs[i]; i++) {
        if (qemuCheckpointCheckBitmaps(obj->driver->config->qemuImg,
                                       qemuDomainObjDisksDef(obj),
                                       nodes, objs[i]->def) < 0) {
            VIR_WARN("domain '%s': %s", obj->name, virGetLastErrorMessage());
            virResetLastError();
        }
    }
}


/* The whole definition of checkpoint @name (embedded domain included,
 * kept as text) from its metadata file: lists built from the index hold
 * everything else. */
static virDomainCheckpointDef *
qemuCheckpointReadDef(qemuDomainObj *obj, const char *name)
{
    g_autofree char *path = qemuCheckpointDefPath(obj, name);
    g_autofree char *xml = NULL;

    if (virFileReadAll(path, QEMU_CHECKPOINT_FILE_MAX, &xml) < 0)
        return NULL;
    return virDomainCheckpointDefParseString(xml, VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE |
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE |
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN);
}

/* Rewrite the index for @list after a change of the files.  The index
 * only saves parsing: a failure is logged, and the next load, finding
 * it out of step with the directory, rebuilds it.  As the last step of
 * a change (@last), @list is kept for the next call of this process:
 * the caller changes it no more. */
static void
qemuCheckpointSaveIndex(qemuDomainObj *obj, virDomainCheckpointObjList *list,
                        bool last)
{
    g_autofree char *dir = qemuCheckpointDir(obj);

    if (qemuCheckpointIndexWrite(dir, list) < 0) {
        VIR_WARN("checkpoint index of domain '%s' not written: %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (last)
        qemuCheckpointIndexKeep(dir, list);
}


/* ---- QMP actions ---------------------------------------------------------- */

virJSONValue *
qemuCheckpointCreateActions(const virDomainDef *def,
                            const virDomainCheckpointDef *chk)
{
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    size_t i;

    for (i = 0; i < chk->ndisks; i++) {
        const virDomainCheckpointDiskDef *cd = &chk->disks[i];
        virDomainDiskDef *disk;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
            continue;
        if (!(disk = virDomainDiskByTarget((virDomainDef *) def, cd->name)) ||
            !disk->src || !disk->src->nodeformat) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("disk '%s' has no block node"), cd->name);
            return NULL;
        }
        if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                 "s:node", disk->src->nodeformat,
                                 "s:name", cd->bitmap,
                                 "b:persistent", true,
                                 "b:disabled", false, NULL) < 0)
            return NULL;
    }
    return g_steal_pointer(&actions);
}

virJSONValue *
qemuCheckpointDeleteActions(const virDomainDef *def, GPtrArray *nodes,
                            GPtrArray *chks, size_t *count)
{
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    guint c;
    size_t i;

    *count = 0;
    for (c = 0; c < chks->len; c++) {
        const virDomainCheckpointDef *chk = g_ptr_array_index(chks, c);

        for (i = 0; i < chk->ndisks; i++) {
            const virDomainCheckpointDiskDef *cd = &chk->disks[i];
            const char *name = cd->bitmap ? cd->bitmap : chk->name;
            virDomainDiskDef *disk;
            const virStorageSource *src;

            if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
                continue;
            if (!(disk = virDomainDiskByTarget((virDomainDef *) def, cd->name)))
                continue;
            for (src = disk->src; src && src->nodeformat; src = src->backingStore) {
                qemuQMPBlockNode *node = qemuQMPBlockNodeFind(nodes, src->nodeformat);

                if (!node || !qemuQMPBlockNodeFindBitmap(node, name))
                    continue;
                if (qemuQMPActionsAppend(actions,
                                         QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_REMOVE,
                                         "s:node", src->nodeformat,
                                         "s:name", name, NULL) < 0)
                    return NULL;
                (*count)++;
            }
        }
    }
    return g_steal_pointer(&actions);
}


/* The actions removing the bitmaps of @chks when every disk concerned is
 * a single image (the bitmap, if any, is on its top node), without
 * asking QEMU; NULL (no error) when some disk has a backing chain, where
 * deeper images may hold parts of a bitmap. */
static virJSONValue *
qemuCheckpointDeleteActionsTop(const virDomainDef *def, GPtrArray *chks, size_t *count)
{
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    guint c;
    size_t i;

    *count = 0;
    for (c = 0; c < chks->len; c++) {
        const virDomainCheckpointDef *chk = g_ptr_array_index(chks, c);

        for (i = 0; i < chk->ndisks; i++) {
            const virDomainCheckpointDiskDef *cd = &chk->disks[i];
            virDomainDiskDef *disk;

            if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP ||
                !(disk = virDomainDiskByTarget((virDomainDef *) def, cd->name)))
                continue;
            if (!disk->src || !disk->src->nodeformat ||
                (disk->src->backingStore && disk->src->backingStore->nodeformat))
                return NULL;
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_REMOVE,
                                     "s:node", disk->src->nodeformat,
                                     "s:name", cd->bitmap ? cd->bitmap : chk->name,
                                     NULL) < 0) {
                virResetLastError();
                return NULL;
            }
            (*count)++;
        }
    }
    return g_steal_pointer(&actions);
}


/* ---- offline bitmap edits ------------------------------------------------ */

/* Remove bitmap @name from every image of @disk's chain holding it. */
static int
qemuCheckpointRemoveBitmapOffline(const char *qemuimg,
                                  const virDomainDiskDef *disk,
                                  const char *name)
{
    g_autoptr(qemuImgInfo) info = NULL;
    const qemuImgInfo *cur;

    if (!disk->src || !disk->src->path)
        return 0;
    if (!(info = qemuImgGetInfo(qemuimg, disk->src->path, NULL, true)))
        return -1;
    for (cur = info; cur; cur = cur->backing) {
        if (!qemuImgInfoFindBitmap(cur, name))
            continue;
        if (qemuImgBitmapRemove(qemuimg, cur->filename, name) < 0)
            return -1;
    }
    return 0;
}

/* Add @chk's bitmaps to the top images of a shut-off domain; on failure
 * the ones added are removed again. */
static int
qemuCheckpointAddBitmapsOffline(const char *qemuimg,
                                const virDomainDef *def,
                                const virDomainCheckpointDef *chk)
{
    size_t i;

    for (i = 0; i < chk->ndisks; i++) {
        const virDomainCheckpointDiskDef *cd = &chk->disks[i];
        virDomainDiskDef *disk;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
            continue;
        disk = virDomainDiskByTarget((virDomainDef *) def, cd->name);
        if (!disk || qemuImgBitmapAdd(qemuimg, disk->src->path, cd->bitmap,
                                      0, false) < 0)
            goto error;
    }
    return 0;

 error:
    {
        virErrorPtr orig = NULL;
        size_t j;

        virErrorPreserveLast(&orig);
        for (j = 0; j < i; j++) {
            const virDomainCheckpointDiskDef *cd = &chk->disks[j];
            virDomainDiskDef *disk;

            if (cd->type == VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP &&
                (disk = virDomainDiskByTarget((virDomainDef *) def, cd->name)))
                ignore_value(qemuImgBitmapRemove(qemuimg, disk->src->path,
                                                 cd->bitmap));
        }
        virErrorRestore(&orig);
    }
    return -1;
}


/* ---- journal: create ------------------------------------------------------ */

/* Make the checkpoint of the create journal real: its metadata file
 * (the commit point) and the current checkpoint; when @list is given,
 * the checkpoint joins it (*@def taken); the journal goes; then the
 * index is rewritten for @list.  A repair passes no list: the load that
 * follows finds the index out of step and rebuilds it, as it does when
 * a process is killed before the index. */
static int
qemuCheckpointCreateFinish(qemuDomainObj *obj, virDomainCheckpointObjList *list,
                           virDomainCheckpointDef **def, virDomainCheckpointObj **chk)
{
    virDomainCheckpointObj *added;

    if (qemuCheckpointWriteDef(obj, *def) < 0 ||
        qemuCheckpointWriteCurrent(obj, (*def)->name) < 0)
        return -1;
    if (list) {
        if (!(added = virDomainCheckpointObjListAdd(list, def)))
            return -1;
        virDomainCheckpointObjListSetCurrent(list, added);
        if (chk)
            *chk = added;
    }
    if (qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE) < 0)
        return -1;
    if (list)
        qemuCheckpointSaveIndex(obj, list, true);
    return 0;
}

/* Whether all of @def's bitmaps exist (1), none or some (0); -1 error.
 * *@present gets whether any exists. */
static int
qemuCheckpointBitmapsPresent(qemuDomainObj *obj, GPtrArray *nodes,
                             const virDomainCheckpointDef *def, bool *present)
{
    size_t i;
    bool all = true;

    *present = false;
    for (i = 0; i < def->ndisks; i++) {
        const virDomainCheckpointDiskDef *cd = &def->disks[i];
        virDomainDiskDef *disk;
        bool has;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
            continue;
        if (!(disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), cd->name)))
            continue;
        if (nodes) {
            qemuQMPBlockNode *node = disk->src->nodeformat ?
                qemuQMPBlockNodeFind(nodes, disk->src->nodeformat) : NULL;

            has = node && qemuQMPBlockNodeFindBitmap(node, cd->bitmap);
        } else {
            g_autoptr(qemuImgInfo) info = qemuImgGetInfo(obj->driver->config->qemuImg,
                                                         disk->src->path, NULL, false);

            if (!info)
                return -1;
            has = !!qemuImgInfoFindBitmap(info, cd->bitmap);
        }
        if (has)
            *present = true;
        else
            all = false;
    }
    return all ? 1 : 0;
}

/* A create was interrupted: finish it if the bitmaps made it, else
 * remove whatever part of them exists and forget it. */
static int
qemuCheckpointRepairCreate(qemuDomainObj *obj, qemuMonitor **mon, bool *owned)
{
    g_autofree char *path = qemuCheckpointPath(obj, QEMU_CHECKPOINT_JOURNAL_CREATE);
    g_autofree char *xml = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autofree char *defpath = NULL;
    bool present = false;
    int all;

    if (virFileReadAll(path, QEMU_CHECKPOINT_FILE_MAX, &xml) < 0)
        return -1;
    if (!(def = virDomainCheckpointDefParseString(xml,
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE))) {
        VIR_WARN("dropping unreadable checkpoint journal '%s'", path);
        virResetLastError();
        return qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE);
    }
    defpath = qemuCheckpointDefPath(obj, def->name);
    if (virFileExists(defpath)) {
        /* the metadata was written: the create had committed */
        VIR_INFO("finishing creation of checkpoint '%s'", def->name);
        return qemuCheckpointCreateFinish(obj, NULL, &def, NULL);
    }
    if (qemuDomainObjDisksOpen(obj)) {
        if (!qemuCheckpointMonitor(obj, mon, owned) ||
            !(nodes = qemuCheckpointQueryNodes(*mon)))
            return -1;
    }
    if ((all = qemuCheckpointBitmapsPresent(obj, nodes, def, &present)) < 0)
        return -1;
    if (all) {
        VIR_WARN("finishing interrupted creation of checkpoint '%s' of domain '%s'",
                 def->name, obj->name);
        return qemuCheckpointCreateFinish(obj, NULL, &def, NULL);
    }
    VIR_WARN("rolling back interrupted creation of checkpoint '%s' of domain '%s'",
             def->name, obj->name);
    if (present) {
        g_autoptr(GPtrArray) chks = g_ptr_array_new();

        g_ptr_array_add(chks, def);
        if (nodes) {
            size_t n = 0;
            g_autoptr(virJSONValue) actions =
                qemuCheckpointDeleteActions(qemuDomainObjDisksDef(obj), nodes, chks, &n);

            if (!actions || (n && qemuQMPTransaction(*mon, &actions,
                                                     QEMU_MONITOR_TIMEOUT_DEFAULT) < 0))
                return -1;
        } else {
            size_t i;

            for (i = 0; i < def->ndisks; i++) {
                virDomainDiskDef *disk;

                if (def->disks[i].type == VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP &&
                    (disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj),
                                                  def->disks[i].name)) &&
                    qemuCheckpointRemoveBitmapOffline(obj->driver->config->qemuImg,
                                                      disk, def->disks[i].bitmap) < 0)
                    return -1;
            }
        }
    }
    return qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE);
}


/* ---- journal: delete ------------------------------------------------------ */

static char *
qemuCheckpointDeleteJournalFormat(const qemuCheckpointDeleteJournal *j)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    if (j->parent)
        g_string_append_printf(s, "%s %s\n",
                               qemuCheckpointJournalKeyTypeToString(QEMU_CHECKPOINT_JOURNAL_KEY_PARENT),
                               j->parent);
    if (j->current)
        g_string_append_printf(s, "%s %s\n",
                               qemuCheckpointJournalKeyTypeToString(QEMU_CHECKPOINT_JOURNAL_KEY_CURRENT),
                               j->current);
    if (j->metadataOnly)
        g_string_append_printf(s, "%s\n",
                               qemuCheckpointJournalKeyTypeToString(QEMU_CHECKPOINT_JOURNAL_KEY_METADATA_ONLY));
    for (i = 0; i < j->names->len; i++)
        g_string_append_printf(s, "%s %s\n",
                               qemuCheckpointJournalKeyTypeToString(QEMU_CHECKPOINT_JOURNAL_KEY_DELETE),
                               (const char *) g_ptr_array_index(j->names, i));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static qemuCheckpointDeleteJournal *
qemuCheckpointDeleteJournalParse(const char *text)
{
    g_autoptr(qemuCheckpointDeleteJournal) j = g_new0(qemuCheckpointDeleteJournal, 1);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t i;

    j->names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; lines[i]; i++) {
        char *sp = strchr(lines[i], ' ');
        const char *value = sp ? sp + 1 : NULL;
        int key;

        if (!*lines[i])
            continue;
        if (sp)
            *sp = '\0';
        key = qemuCheckpointJournalKeyTypeFromString(lines[i]);
        if (key < 0 || (key != QEMU_CHECKPOINT_JOURNAL_KEY_METADATA_ONLY && !value)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("malformed checkpoint journal line '%s'"), lines[i]);
            return NULL;
        }
        switch ((qemuCheckpointJournalKey) key) {
        case QEMU_CHECKPOINT_JOURNAL_KEY_PARENT:
            g_free(j->parent);
            j->parent = g_strdup(value);
            break;
        case QEMU_CHECKPOINT_JOURNAL_KEY_CURRENT:
            g_free(j->current);
            j->current = g_strdup(value);
            break;
        case QEMU_CHECKPOINT_JOURNAL_KEY_METADATA_ONLY:
            j->metadataOnly = true;
            break;
        case QEMU_CHECKPOINT_JOURNAL_KEY_DELETE:
            g_ptr_array_add(j->names, g_strdup(value));
            break;
        case QEMU_CHECKPOINT_JOURNAL_KEY_LAST:
            break;
        }
    }
    return g_steal_pointer(&j);
}

static bool
qemuCheckpointJournalHas(const qemuCheckpointDeleteJournal *j, const char *name)
{
    guint i;

    for (i = 0; i < j->names->len; i++) {
        if (g_str_equal(g_ptr_array_index(j->names, i), name))
            return true;
    }
    return false;
}

/* Reopen backing images of the disks of @chks.  @writable: read-write
 * each read-only one holding a bitmap of @chks (QEMU refuses to remove
 * a bitmap from a read-only image).  Otherwise read-only again each one
 * left writable (by this or by a process killed after reopening it),
 * except the base a commit writes into. */
static int
qemuCheckpointReopenBacking(qemuDomainObj *obj, qemuMonitor *mon, GPtrArray *nodes,
                            GPtrArray *chks, bool writable)
{
    g_autoptr(GHashTable) done = g_hash_table_new(g_str_hash, g_str_equal);
    guint c;
    size_t i;

    for (c = 0; c < chks->len; c++) {
        const virDomainCheckpointDef *chk = g_ptr_array_index(chks, c);

        for (i = 0; i < chk->ndisks; i++) {
            const virDomainCheckpointDiskDef *cd = &chk->disks[i];
            const char *name = cd->bitmap ? cd->bitmap : chk->name;
            virDomainDiskDef *disk;
            const virStorageSource *src;

            if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP ||
                !(disk = virDomainDiskByTarget(obj->def, cd->name)) || !disk->src)
                continue;
            for (src = disk->src->backingStore; src && src->nodeformat;
                 src = src->backingStore) {
                qemuQMPBlockNode *node = qemuQMPBlockNodeFind(nodes, src->nodeformat);
                g_autoptr(virJSONValue) opts = NULL;
                g_autoptr(virJSONValue) list = NULL;

                if (!node || g_hash_table_contains(done, src->nodeformat))
                    continue;
                if (writable ? !node->readOnly || !qemuQMPBlockNodeFindBitmap(node, name)
                             : node->readOnly || qemuBlockJobIsBase(obj, src->nodeformat))
                    continue;
                g_hash_table_add(done, src->nodeformat);
                if (!(opts = qemuBlockFormatNodeStruct(disk, src, !writable)))
                    return -1;
                list = json_object_new_array();
                json_object_array_add(list, g_steal_pointer(&opts));
                if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                   QEMU_QMP_BLOCKDEV_REOPEN, "v:options", &list, NULL) < 0)
                    return -1;
                node->readOnly = !writable;
            }
        }
    }
    return 0;
}

/* Remove the bitmaps of the journalled checkpoints still known in
 * @list: one transaction when running, qemu-img when shut off. */
static int
qemuCheckpointDeleteBitmaps(qemuDomainObj *obj, qemuMonitor **mon, bool *owned,
                            virDomainCheckpointObjList *list,
                            const qemuCheckpointDeleteJournal *j)
{
    g_autoptr(GPtrArray) chks = g_ptr_array_new();
    guint i;
    size_t d;

    for (i = 0; i < j->names->len; i++) {
        virDomainCheckpointObj *c =
            virDomainCheckpointObjListFindByName(list, g_ptr_array_index(j->names, i));

        if (c)
            g_ptr_array_add(chks, c->def);
    }
    if (chks->len == 0)
        return 0;

    if (qemuDomainObjDisksOpen(obj)) {
        g_autoptr(GPtrArray) nodes = NULL;
        g_autoptr(virJSONValue) actions = NULL;
        size_t n = 0;

        if (!qemuCheckpointMonitor(obj, mon, owned))
            return -1;
        /* asking QEMU where the bitmaps are costs as much as all the
         * bitmaps of the disks: first assume they are where checkpoints
         * put them, and ask only if that is refused */
        if ((actions = qemuCheckpointDeleteActionsTop(qemuDomainObjDisksDef(obj), chks, &n))) {
            if (n == 0 ||
                qemuQMPTransaction(*mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT) == 0)
                return 0;
            VIR_DEBUG("removing the bitmaps from the top images failed (%s): asking QEMU",
                      virGetLastErrorMessage());
            virResetLastError();
        }
        if (!(nodes = qemuCheckpointQueryNodes(*mon)) ||
            !(actions = qemuCheckpointDeleteActions(qemuDomainObjDisksDef(obj), nodes, chks, &n)))
            return -1;
        /* bitmaps in read-only backing images: writable for the
         * transaction, read-only again after it (or after a process
         * killed in between) */
        if (n > 0 &&
            (qemuCheckpointReopenBacking(obj, *mon, nodes, chks, true) < 0 ||
             qemuQMPTransaction(*mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT) < 0)) {
            virErrorPtr orig = NULL;

            virErrorPreserveLast(&orig);
            if (qemuCheckpointReopenBacking(obj, *mon, nodes, chks, false) < 0)
                VIR_WARN("backing images of domain '%s' left writable: %s",
                         obj->name, virGetLastErrorMessage());
            virErrorRestore(&orig);
            return -1;
        }
        return qemuCheckpointReopenBacking(obj, *mon, nodes, chks, false);
    }

    for (i = 0; i < chks->len; i++) {
        const virDomainCheckpointDef *chk = g_ptr_array_index(chks, i);

        for (d = 0; d < chk->ndisks; d++) {
            const virDomainCheckpointDiskDef *cd = &chk->disks[d];
            virDomainDiskDef *disk;

            if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP ||
                !(disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), cd->name)))
                continue;
            if (qemuCheckpointRemoveBitmapOffline(obj->driver->config->qemuImg, disk,
                                                  cd->bitmap ? cd->bitmap
                                                             : chk->name) < 0)
                return -1;
        }
    }
    return 0;
}

/* Apply the metadata side of a journalled delete; idempotent, so it
 * serves both the normal path and recovery: re-parent survivors (their
 * files rewritten from the whole definitions), set the current
 * checkpoint, remove the files, bring @list in step, drop the journal,
 * rewrite the index. */
static int
qemuCheckpointDeleteMetadata(qemuDomainObj *obj, virDomainCheckpointObjList *list,
                             const qemuCheckpointDeleteJournal *j)
{
    g_autofree virDomainCheckpointObj **objs = NULL;
    size_t i;

    if (virDomainCheckpointObjListGetAll(list, NULL, &objs, 0) < 0)
        return -1;
    for (i = 0; objs[i]; i++) {
        virDomainCheckpointDef *def = objs[i]->def;
        g_autoptr(virDomainCheckpointDef) whole = NULL;

        if (qemuCheckpointJournalHas(j, def->name) || !def->parent_name ||
            !qemuCheckpointJournalHas(j, def->parent_name))
            continue;
        if (!(whole = qemuCheckpointReadDef(obj, def->name)))
            return -1;
        g_free(whole->parent_name);
        whole->parent_name = g_strdup(j->parent);
        if (qemuCheckpointWriteDef(obj, whole) < 0)
            return -1;
    }
    if (qemuCheckpointWriteCurrent(obj, j->current) < 0)
        return -1;
    for (i = 0; i < j->names->len; i++) {
        const char *name = g_ptr_array_index(j->names, i);
        g_autofree char *file = g_strconcat(name, QEMU_CHECKPOINT_FILE_SUFFIX, NULL);
        virDomainCheckpointObj *gone;

        if (qemuCheckpointRemoveFile(obj, file) < 0)
            return -1;
        /* its children move to its parent, as their files now say */
        if ((gone = virDomainCheckpointObjListFindByName(list, name)))
            virDomainCheckpointObjListRemove(list, gone);
    }
    virDomainCheckpointObjListSetCurrent(list,
        virDomainCheckpointObjListFindByName(list, j->current));
    if (qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_DELETE) < 0)
        return -1;
    qemuCheckpointSaveIndex(obj, list, true);
    return 0;
}

/* A delete was interrupted: finish it. */
static int
qemuCheckpointRepairDelete(qemuDomainObj *obj, qemuMonitor **mon, bool *owned)
{
    g_autofree char *path = qemuCheckpointPath(obj, QEMU_CHECKPOINT_JOURNAL_DELETE);
    g_autofree char *text = NULL;
    g_autoptr(qemuCheckpointDeleteJournal) j = NULL;
    g_autoptr(virDomainCheckpointObjList) list = NULL;

    if (virFileReadAll(path, QEMU_CHECKPOINT_FILE_MAX, &text) < 0)
        return -1;
    if (!(j = qemuCheckpointDeleteJournalParse(text))) {
        VIR_WARN("dropping unreadable checkpoint journal '%s'", path);
        virResetLastError();
        return qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_DELETE);
    }
    VIR_WARN("finishing interrupted deletion of %u checkpoint(s) of domain '%s'",
             j->names->len, obj->name);
    list = qemuCheckpointLoadFiles(obj);
    if (!j->metadataOnly &&
        qemuCheckpointDeleteBitmaps(obj, mon, owned, list, j) < 0)
        return -1;
    return qemuCheckpointDeleteMetadata(obj, list, j);
}

bool
qemuCheckpointHasJournal(qemuDomainObj *obj)
{
    g_autofree char *dir = qemuCheckpointDir(obj);
    g_autofree char *index = qemuCheckpointIndexPath(dir);

    /* a half-written metadata or index file needs the lock to go too */
    return qemuCheckpointFileExists(obj, QEMU_CHECKPOINT_JOURNAL_CREATE) ||
           qemuCheckpointFileExists(obj, QEMU_CHECKPOINT_JOURNAL_DELETE) ||
           virFileRewriteLeftover(index) || virFileRewriteLeftover(dir);
}

/* Finish or roll back whatever the journal says is half done. */
static int
qemuCheckpointRepair(qemuDomainObj *obj, qemuMonitor **mon, bool *owned)
{
    if (qemuCheckpointFileExists(obj, QEMU_CHECKPOINT_JOURNAL_DELETE) &&
        qemuCheckpointRepairDelete(obj, mon, owned) < 0)
        return -1;
    if (qemuCheckpointFileExists(obj, QEMU_CHECKPOINT_JOURNAL_CREATE) &&
        qemuCheckpointRepairCreate(obj, mon, owned) < 0)
        return -1;
    return 0;
}

virDomainCheckpointObjList *
qemuCheckpointLoad(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autofree char *dir = qemuCheckpointDir(obj);
    virDomainCheckpointObjList *list;

    /* metadata files (and index) whose rewrite a crash interrupted */
    if (obj->lock && !obj->driver->readonly) {
        g_autofree char *index = qemuCheckpointIndexPath(dir);

        virFileRewriteCleanup(dir);
        virFileRewriteCleanup(index);
    }
    if (obj->lock && !obj->driver->readonly && qemuCheckpointHasJournal(obj)) {
        qemuMonitor *m = mon;
        bool owned = false;
        int rc = qemuCheckpointRepair(obj, &m, &owned);

        if (owned)
            qemuMonitorClose(m);
        if (rc < 0)
            return NULL;
    }
    if (!virFileExists(dir))
        return virDomainCheckpointObjListNew();
    /* a change under the lock may take the list its process kept */
    if (obj->lock && !obj->driver->readonly && (list = qemuCheckpointIndexTake(dir)))
        return list;
    if ((list = qemuCheckpointIndexLoad(dir)))
        return list;
    /* no index, or out of step with the files: from the files, and the
     * index rewritten by whoever may change them */
    list = qemuCheckpointLoadFiles(obj);
    if (obj->lock && !obj->driver->readonly)
        qemuCheckpointSaveIndex(obj, list, false);
    return list;
}

void
qemuCheckpointReconcile(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_autoptr(GPtrArray) nodes = NULL;

    if (!(list = qemuCheckpointLoad(obj, mon))) {
        VIR_WARN("checkpoints of domain '%s' not repaired: %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (virDomainCheckpointObjListSize(list) == 0)
        return;
    if (!(nodes = qemuCheckpointQueryNodes(mon))) {
        VIR_WARN("cannot check the checkpoints of domain '%s': %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    qemuCheckpointWarnUnusable(obj, list, nodes);
}


/* ---- operations ----------------------------------------------------------- */

/* QEMU side checks of an aligned checkpoint against the domain's disks:
 * bitmap named after the checkpoint, disk present, qcow2. */
static int
qemuCheckpointPrepareDisks(qemuDomainObj *obj, const virDomainCheckpointDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        const virDomainCheckpointDiskDef *cd = &def->disks[i];
        virDomainDiskDef *disk;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
            continue;
        if (g_strcmp0(cd->bitmap, def->name) != 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("bitmap '%s' of disk '%s' differs from checkpoint name '%s'"),
                           NULLSTR(cd->bitmap), cd->name, def->name);
            return -1;
        }
        if (!(disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), cd->name)) || !disk->src ||
            !disk->src->path) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' cannot carry a checkpoint"), cd->name);
            return -1;
        }
        if (disk->src->format != VIR_STORAGE_FILE_QCOW2) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' has format '%s': only qcow2 disks can carry checkpoints"),
                           cd->name,
                           NULLSTR(virStorageFileFormatTypeToString(disk->src->format)));
            return -1;
        }
        if (qemuDomainObjDisksOpen(obj) && !disk->src->nodeformat) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("disk '%s' has no block node"), cd->name);
            return -1;
        }
    }
    return 0;
}

/* The bitmap side of a create: journal, QMP transaction (or qemu-img),
 * (the journal comes first). */
static int
qemuCheckpointCreateBitmaps(qemuDomainObj *obj, qemuMonitor *mon,
                            const virDomainCheckpointDef *def, bool quiesce)
{
    g_autofree char *xml = virDomainCheckpointDefFormatInternal(def);
    qemuAgent *agent = NULL;
    int rc;

    if (!xml || qemuCheckpointWriteFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE, xml) < 0)
        return -1;

    if (qemuDomainObjDisksOpen(obj)) {
        g_autoptr(virJSONValue) actions =
            qemuCheckpointCreateActions(qemuDomainObjDisksDef(obj), def);

        rc = -1;
        if (actions && (!quiesce || (agent = qemuDomainFreeze(obj)))) {
            rc = qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT);
            if (agent)
                qemuDomainThaw(obj, g_steal_pointer(&agent));
        }
    } else {
        rc = qemuCheckpointAddBitmapsOffline(obj->driver->config->qemuImg,
                                             qemuDomainObjDisksDef(obj), def);
    }
    if (rc < 0) {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        ignore_value(qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE));
        virErrorRestore(&orig);
        return -1;
    }
    return 0;
}

static virDomainCheckpointObj *
qemuCheckpointRedefine(qemuDomainObj *obj, qemuMonitor *mon,
                       virDomainCheckpointObjList *list, const char *xml,
                       unsigned int flags)
{
    g_autoptr(virDomainCheckpointDef) def = NULL;
    virDomainCheckpointObj *chk;

    if (!(def = virDomainCheckpointDefParseString(xml,
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE)))
        return NULL;
    if (virNameValidate("checkpoint", def->name) < 0)
        return NULL;
    if (def->dom && memcmp(def->dom->uuid, obj->def->uuid, VIR_UUID_BUFLEN) != 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("checkpoint '%s' was made for another domain than '%s' (UUID differs)"),
                       def->name, obj->name);
        return NULL;
    }
    if (virDomainCheckpointAlignDisks(def) < 0 ||
        virDomainCheckpointObjListRedefinePrep(list, def) < 0)
        return NULL;

    if (flags & VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE) {
        g_autoptr(GPtrArray) nodes = NULL;

        if (mon && !(nodes = qemuCheckpointQueryNodes(mon)))
            return NULL;
        if (qemuCheckpointCheckBitmaps(obj->driver->config->qemuImg,
                                       qemuDomainObjDisksDef(obj), nodes, def) < 0) {
            VIR_WARN("domain '%s': %s", obj->name, virGetLastErrorMessage());
            return NULL;
        }
    }

    if (qemuCheckpointWriteDef(obj, def) < 0)
        return NULL;
    if (!(chk = virDomainCheckpointObjListRedefine(list, &def)))
        return NULL;
    if (qemuCheckpointWriteCurrent(obj,
                                   virDomainCheckpointObjListGetCurrentName(list)) < 0)
        return NULL;
    qemuCheckpointSaveIndex(obj, list, true);
    return chk;
}

virDomainCheckpointObj *
qemuCheckpointCreate(qemuDomainObj *obj, qemuMonitor *mon,
                     virDomainCheckpointObjList *list, const char *xml,
                     unsigned int flags)
{
    g_autoptr(virDomainCheckpointDef) def = NULL;
    const char *current;
    virDomainDef *persistent;
    virDomainCheckpointObj *chk = NULL;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                  VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE |
                  VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE, NULL);

    if (flags & VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)
        return qemuCheckpointRedefine(obj, mon, list, xml, flags);

    if ((flags & VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE) && !obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running: nothing to quiesce"),
                       obj->name);
        return NULL;
    }
    if (!(def = virDomainCheckpointDefParseString(xml, 0)))
        return NULL;
    if (virNameValidate("checkpoint", def->name) < 0)
        return NULL;
    if (virDomainCheckpointObjListFindByName(list, def->name)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("checkpoint '%s' already exists"), def->name);
        return NULL;
    }
    persistent = qemuDomainObjGetPersistentDef(obj);
    def->dom = virDomainDefCopy(persistent ? persistent : obj->def);
    if (virDomainCheckpointAlignDisks(def) < 0 ||
        qemuCheckpointPrepareDisks(obj, def) < 0)
        return NULL;
    g_clear_pointer(&def->parent_name, g_free);
    if ((current = virDomainCheckpointObjListGetCurrentName(list)))
        def->parent_name = g_strdup(current);

    if (qemuCheckpointCreateBitmaps(obj, mon, def,
                                    flags & VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE) < 0)
        return NULL;
    if (qemuCheckpointCreateFinish(obj, list, &def, &chk) < 0)
        return NULL;
    return chk;
}

int
qemuCheckpointDelete(qemuDomainObj *obj, qemuMonitor *mon,
                     virDomainCheckpointObjList *list, const char *name,
                     unsigned int flags)
{
    g_autoptr(qemuCheckpointDeleteJournal) j = g_new0(qemuCheckpointDeleteJournal, 1);
    g_autofree virDomainCheckpointObj **desc = NULL;
    g_autofree char *text = NULL;
    virDomainCheckpointObj *chk;
    const char *current;
    bool owned = false;
    int rc;
    size_t i;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN |
                  VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY |
                  VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY, -1);

    if (!(chk = virDomainCheckpointObjListLookup(list, name)))
        return -1;
    j->names = g_ptr_array_new_with_free_func(g_free);
    j->metadataOnly = !!(flags & VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY);
    if (flags & (VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN |
                 VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)) {
        if (virDomainCheckpointObjListGetAll(list, chk, &desc,
                                             VIR_DOMAIN_CHECKPOINT_OBJLIST_DESCENDANTS) < 0)
            return -1;
        for (i = 0; desc[i]; i++)
            g_ptr_array_add(j->names, g_strdup(desc[i]->def->name));
    }
    if (!(flags & VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)) {
        g_ptr_array_add(j->names, g_strdup(chk->def->name));
        j->parent = g_strdup(chk->def->parent_name);
    }
    if (j->names->len == 0)
        return 0;

    /* the current checkpoint afterwards */
    current = virDomainCheckpointObjListGetCurrentName(list);
    if (!current || !qemuCheckpointJournalHas(j, current))
        j->current = g_strdup(current);
    else if (flags & VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)
        j->current = g_strdup(chk->def->name);
    else
        j->current = g_strdup(chk->def->parent_name);

    text = qemuCheckpointDeleteJournalFormat(j);
    if (qemuCheckpointWriteFile(obj, QEMU_CHECKPOINT_JOURNAL_DELETE, text) < 0)
        return -1;
    if (!j->metadataOnly) {
        rc = qemuCheckpointDeleteBitmaps(obj, &mon, &owned, list, j);
        if (owned)
            qemuMonitorClose(mon);
        if (rc < 0) {
            virErrorPtr orig = NULL;

            virErrorPreserveLast(&orig);
            ignore_value(qemuCheckpointRemoveFile(obj, QEMU_CHECKPOINT_JOURNAL_DELETE));
            virErrorRestore(&orig);
            return -1;
        }
    }
    return qemuCheckpointDeleteMetadata(obj, list, j);
}

/* Fill in the SIZE of every usable bitmap disk of @def: the dirty count
 * of the checkpoint's bitmap, merged across the backing chain into a
 * temporary bitmap when deeper images hold a part of it. */
static int
qemuCheckpointFillSizes(qemuDomainObj *obj, qemuMonitor *mon,
                        virDomainCheckpointDef *def)
{
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(virJSONValue) merge = qemuQMPActionsNew();
    g_autoptr(virJSONValue) cleanup = qemuQMPActionsNew();
    g_autofree bool *merged = g_new0(bool, def->ndisks);
    bool anyMerge = false;
    size_t i;

    if (!(nodes = qemuCheckpointQueryNodes(mon)))
        return -1;
    for (i = 0; i < def->ndisks; i++) {
        virDomainCheckpointDiskDef *cd = &def->disks[i];
        virDomainDiskDef *disk;
        const virStorageSource *src;
        qemuQMPDirtyBitmap *top;
        g_autoptr(virJSONValue) sources = NULL;
        size_t holders = 0;

        if (cd->type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP ||
            !(disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), cd->name)) ||
            qemuCheckpointBitmapChainState(disk, nodes, def->name) !=
            QEMU_CHECKPOINT_BITMAP_VALID)
            continue;
        top = qemuQMPBlockNodeFindBitmap(qemuQMPBlockNodeFind(nodes, disk->src->nodeformat),
                                         def->name);
        sources = json_object_new_array();
        for (src = disk->src; src && src->nodeformat; src = src->backingStore) {
            qemuQMPBlockNode *node = qemuQMPBlockNodeFind(nodes, src->nodeformat);

            if (!node || !qemuQMPBlockNodeFindBitmap(node, def->name))
                break;
            qemuQMPBitmapListAppend(sources, src->nodeformat, def->name);
            holders++;
        }
        if (holders <= 1) {
            cd->size = top->count;
            cd->sizeValid = true;
            continue;
        }
        if (qemuQMPActionsAppend(merge, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                 "s:node", disk->src->nodeformat,
                                 "s:name", QEMU_CHECKPOINT_SIZE_BITMAP,
                                 "b:persistent", false, "b:disabled", true,
                                 "U:granularity", top->granularity, NULL) < 0 ||
            qemuQMPActionsAppend(merge, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
                                 "s:node", disk->src->nodeformat,
                                 "s:target", QEMU_CHECKPOINT_SIZE_BITMAP,
                                 "v:bitmaps", &sources, NULL) < 0 ||
            qemuQMPActionsAppend(cleanup, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_REMOVE,
                                 "s:node", disk->src->nodeformat,
                                 "s:name", QEMU_CHECKPOINT_SIZE_BITMAP, NULL) < 0)
            return -1;
        merged[i] = true;
        anyMerge = true;
    }
    if (!anyMerge)
        return 0;

    if (qemuQMPTransaction(mon, &merge, QEMU_MONITOR_TIMEOUT_DEFAULT) < 0)
        return -1;
    g_ptr_array_unref(g_steal_pointer(&nodes));
    nodes = qemuCheckpointQueryNodes(mon);
    for (i = 0; nodes && i < def->ndisks; i++) {
        virDomainDiskDef *disk;
        qemuQMPDirtyBitmap *tmp;

        if (!merged[i] ||
            !(disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), def->disks[i].name)))
            continue;
        tmp = qemuQMPBlockNodeFindBitmap(qemuQMPBlockNodeFind(nodes, disk->src->nodeformat),
                                         QEMU_CHECKPOINT_SIZE_BITMAP);
        if (tmp) {
            def->disks[i].size = tmp->count;
            def->disks[i].sizeValid = true;
        }
    }
    {
        virErrorPtr orig = NULL;
        int rc;

        virErrorPreserveLast(&orig);
        rc = qemuQMPTransaction(mon, &cleanup, QEMU_MONITOR_TIMEOUT_DEFAULT);
        virErrorRestore(&orig);
        if (rc < 0 || !nodes)
            return -1;
    }
    return 0;
}

char *
qemuCheckpointGetXMLDesc(qemuDomainObj *obj, qemuMonitor *mon,
                         virDomainCheckpointObjList *list, const char *name,
                         unsigned int flags)
{
    g_autoptr(virDomainCheckpointDef) whole = NULL;
    virDomainCheckpointObj *chk;
    virDomainCheckpointDef *def;
    unsigned int fmt = 0;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_XML_SECURE |
                  VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN |
                  VIR_DOMAIN_CHECKPOINT_XML_SIZE, NULL);

    if (!(chk = virDomainCheckpointObjListLookup(list, name)))
        return NULL;
    def = chk->def;
    /* the embedded domain is only in the metadata file */
    if (!(flags & VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN) && !def->dom && !def->dom_xml) {
        if (!(whole = qemuCheckpointReadDef(obj, name)))
            return NULL;
        def = whole;
    }
    if (flags & VIR_DOMAIN_CHECKPOINT_XML_SECURE)
        fmt |= VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE;
    if (flags & VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)
        fmt |= VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN;
    if (flags & VIR_DOMAIN_CHECKPOINT_XML_SIZE) {
        if (!qemuDomainObjDisksOpen(obj) || !mon) {
            virReportError(VIR_ERR_OPERATION_INVALID,
                           _("domain '%s' is not running: no checkpoint sizes"),
                           obj->name);
            return NULL;
        }
        if (qemuCheckpointFillSizes(obj, mon, def) < 0)
            return NULL;
        fmt |= VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE;
    }
    return virDomainCheckpointDefFormat(def, fmt);
}


/* ---- checkpoints created with a backup ----------------------------------- */

typedef struct {
    qemuDomainObj *obj;                  /* borrowed */
    virDomainCheckpointObjList *list;    /* the checkpoints before it */
    virDomainCheckpointDef *def;
} qemuCheckpointBackupData;

static void
qemuCheckpointBackupDiscard(void *opaque)
{
    qemuCheckpointBackupData *data = opaque;

    ignore_value(qemuCheckpointRemoveFile(data->obj, QEMU_CHECKPOINT_JOURNAL_CREATE));
    virResetLastError();
    virDomainCheckpointDefFree(data->def);
    virDomainCheckpointObjListFree(data->list);
    g_free(data);
}

/* Parse and check the checkpoint that starts with a backup; its bitmap
 * additions go into the backup's transaction, journalled like a create. */
static int
qemuCheckpointBackupPrepare(qemuDomainObj *obj, qemuMonitor *mon, const char *xml,
                            virJSONValue *actions, char **name, void **opaque)
{
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;
    g_autoptr(virJSONValue) own = NULL;
    g_autofree char *internal = NULL;
    qemuCheckpointBackupData *data;
    virDomainDef *persistent;
    const char *current;
    size_t i, n;

    if (!(list = qemuCheckpointLoad(obj, mon)))
        return -1;
    if (!(def = virDomainCheckpointDefParseString(xml, 0)) ||
        virNameValidate("checkpoint", def->name) < 0)
        return -1;
    if (virDomainCheckpointObjListFindByName(list, def->name)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("checkpoint '%s' already exists"), def->name);
        return -1;
    }
    persistent = qemuDomainObjGetPersistentDef(obj);
    def->dom = virDomainDefCopy(persistent ? persistent : obj->def);
    if (virDomainCheckpointAlignDisks(def) < 0 ||
        qemuCheckpointPrepareDisks(obj, def) < 0)
        return -1;
    g_clear_pointer(&def->parent_name, g_free);
    if ((current = virDomainCheckpointObjListGetCurrentName(list)))
        def->parent_name = g_strdup(current);
    if (!(own = qemuCheckpointCreateActions(qemuDomainObjDisksDef(obj), def)))
        return -1;
    if (!(internal = virDomainCheckpointDefFormatInternal(def)) ||
        qemuCheckpointWriteFile(obj, QEMU_CHECKPOINT_JOURNAL_CREATE, internal) < 0)
        return -1;
    n = json_object_array_length(own);
    for (i = 0; i < n; i++)
        json_object_array_add(actions, json_object_get(json_object_array_get_idx(own, i)));

    *name = g_strdup(def->name);
    data = g_new0(qemuCheckpointBackupData, 1);
    data->obj = obj;
    data->list = g_steal_pointer(&list);
    data->def = g_steal_pointer(&def);
    *opaque = data;
    return 0;
}

/* The transaction ran: the checkpoint exists from the backup's point in
 * time on, whatever happens to the backup later. */
static int
qemuCheckpointBackupCommit(qemuDomainObj *obj, qemuMonitor *mon G_GNUC_UNUSED,
                           void *opaque)
{
    qemuCheckpointBackupData *data = opaque;
    int rc;

    rc = qemuCheckpointCreateFinish(obj, data->list, &data->def, NULL);
    virDomainCheckpointDefFree(data->def);
    virDomainCheckpointObjListFree(data->list);
    g_free(data);
    return rc;
}

static const qemuBackupCheckpointOps qemuCheckpointBackupOps = {
    .prepare = qemuCheckpointBackupPrepare,
    .commit = qemuCheckpointBackupCommit,
    .discard = qemuCheckpointBackupDiscard,
};

void
qemuCheckpointRegisterBackupOps(void)
{
    qemuBackupSetCheckpointOps(&qemuCheckpointBackupOps);
}

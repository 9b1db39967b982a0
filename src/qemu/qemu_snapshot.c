/*
 * qemu_snapshot.c: external disk-only snapshots (see qemu_snapshot.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qemu_snapshot.h"
#include "qemu_backup.h"
#include "qemu_blockjob.h"
#include "qemu_checkpoint.h"
#include "qemu_command.h"
#include "qemu_driver.h"
#include "qemu_img.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "snapshot_conf.h"
#include "libvirt/libvirt-domain-snapshot.h"
#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("qemu.snapshot");

#define QEMU_SNAPSHOT_FILE_SUFFIX ".xml"
#define QEMU_SNAPSHOT_JOURNAL ".create.xml"
#define QEMU_SNAPSHOT_JOURNAL_DELETE ".delete"
#define QEMU_SNAPSHOT_CURRENT ".current"
#define QEMU_SNAPSHOT_FILE_MAX (16 * 1024 * 1024)

/* Keys of the delete journal, one "KEY VALUE" per line. */
typedef enum {
    QEMU_SNAPSHOT_DELETE_KEY_PARENT,
    QEMU_SNAPSHOT_DELETE_KEY_CURRENT,
    QEMU_SNAPSHOT_DELETE_KEY_DELETE,

    QEMU_SNAPSHOT_DELETE_KEY_LAST
} qemuSnapshotDeleteKey;
VIR_ENUM_DECL(qemuSnapshotDeleteKey);
VIR_ENUM_IMPL(qemuSnapshotDeleteKey, QEMU_SNAPSHOT_DELETE_KEY_LAST,
              "parent", "current", "delete");

/* A metadata delete in progress: what its journal holds. */
typedef struct {
    char *parent;          /* new parent of the children left, NULL = root */
    char *current;         /* current snapshot afterwards, NULL = none */
    GPtrArray *names;      /* char *: the snapshots deleted */
} qemuSnapshotDeleteJournal;

static void
qemuSnapshotDeleteJournalFree(qemuSnapshotDeleteJournal *j)
{
    if (!j)
        return;
    g_free(j->parent);
    g_free(j->current);
    if (j->names)
        g_ptr_array_unref(j->names);
    g_free(j);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuSnapshotDeleteJournal, qemuSnapshotDeleteJournalFree);

/* What the journal says about one disk. */
typedef struct {
    char *name;            /* target */
    char *overlay;         /* path of the new top image */
    unsigned int index;    /* its node index (running domain), 0 = none */
    char *oldTop;          /* node of the old top image (running domain) */
    char *oldPath;         /* path of the old top image */
    int oldFormat;         /* virStorageFileFormat of the old top image */
    bool created;          /* Fleece creates (created) the overlay */
} qemuSnapshotDisk;

/* A snapshot being made: the journal's content. */
typedef struct {
    virDomainSnapshotDef *def;
    unsigned int flags;
    bool live;
    qemuSnapshotDisk *disks;
    size_t ndisks;
} qemuSnapshotPlan;

static void
qemuSnapshotPlanFree(qemuSnapshotPlan *plan)
{
    size_t i;

    if (!plan)
        return;
    virDomainSnapshotDefFree(plan->def);
    for (i = 0; i < plan->ndisks; i++) {
        g_free(plan->disks[i].name);
        g_free(plan->disks[i].overlay);
        g_free(plan->disks[i].oldTop);
        g_free(plan->disks[i].oldPath);
    }
    g_free(plan->disks);
    g_free(plan);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuSnapshotPlan, qemuSnapshotPlanFree);


/* ---- files ---------------------------------------------------------------- */

char *
qemuSnapshotDir(qemuDriver *driver, const char *domain)
{
    return g_build_filename(driver->root, "snapshots", domain, NULL);
}

static char *
qemuSnapshotPath(qemuDomainObj *obj, const char *file)
{
    g_autofree char *dir = qemuSnapshotDir(obj->driver, obj->name);

    return g_build_filename(dir, file, NULL);
}

static int
qemuSnapshotWriteFile(qemuDomainObj *obj, const char *file, const char *content)
{
    g_autofree char *dir = qemuSnapshotDir(obj->driver, obj->name);
    g_autofree char *path = g_build_filename(dir, file, NULL);

    if (virFileMakePath(dir, 0700) < 0)
        return -1;
    return virFileRewriteStr(path, 0600, content);
}

static int
qemuSnapshotRemoveFile(qemuDomainObj *obj, const char *file)
{
    g_autofree char *path = qemuSnapshotPath(obj, file);

    if (unlink(path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return 0;
}

static int
qemuSnapshotWriteDef(qemuDomainObj *obj, const virDomainSnapshotDef *def)
{
    g_autofree char *xml = virDomainSnapshotDefFormat(def,
                                                      VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE);
    g_autofree char *file = NULL;

    if (!xml)
        return -1;
    file = g_strconcat(def->name, QEMU_SNAPSHOT_FILE_SUFFIX, NULL);
    return qemuSnapshotWriteFile(obj, file, xml);
}

static int
qemuSnapshotWriteCurrent(qemuDomainObj *obj, const char *name)
{
    g_autofree char *content = NULL;

    if (!name)
        return qemuSnapshotRemoveFile(obj, QEMU_SNAPSHOT_CURRENT);
    content = g_strdup_printf("%s\n", name);
    return qemuSnapshotWriteFile(obj, QEMU_SNAPSHOT_CURRENT, content);
}

int
qemuSnapshotCount(qemuDriver *driver, const char *domain)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domain);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;
    int n = 0;

    while (d && (ent = g_dir_read_name(d))) {
        if (ent[0] != '.' && g_str_has_suffix(ent, QEMU_SNAPSHOT_FILE_SUFFIX))
            n++;
    }
    return n;
}

int
qemuSnapshotRemoveAll(qemuDriver *driver, const char *domain)
{
    g_autofree char *dir = qemuSnapshotDir(driver, domain);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    if (!d)
        return 0;
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, ent, NULL);

        if (virFileRemove(path) < 0)
            return -1;
    }
    rmdir(dir);
    return 0;
}


static int
qemuSnapshotNameCompare(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}


/* ---- the list of snapshots -------------------------------------------------- */

typedef struct {
    GPtrArray *defs;       /* virDomainSnapshotDef *, sorted by name */
    char *current;         /* NULL = none */
} qemuSnapshotList;

static void
qemuSnapshotListFree(qemuSnapshotList *list)
{
    if (!list)
        return;
    g_ptr_array_unref(list->defs);
    g_free(list->current);
    g_free(list);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuSnapshotList, qemuSnapshotListFree);

static int
qemuSnapshotDefCompare(gconstpointer a, gconstpointer b)
{
    const virDomainSnapshotDef *x = *(virDomainSnapshotDef *const *) a;
    const virDomainSnapshotDef *y = *(virDomainSnapshotDef *const *) b;

    return strcmp(x->name, y->name);
}

/* Every NAME.xml of the directory; unreadable files are skipped with a
 * warning. */
static qemuSnapshotList *
qemuSnapshotListLoad(qemuDomainObj *obj)
{
    g_autoptr(qemuSnapshotList) list = g_new0(qemuSnapshotList, 1);
    g_autofree char *dir = qemuSnapshotDir(obj->driver, obj->name);
    g_autofree char *curpath = qemuSnapshotPath(obj, QEMU_SNAPSHOT_CURRENT);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    list->defs = g_ptr_array_new_with_free_func((GDestroyNotify) virDomainSnapshotDefFree);
    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        virDomainSnapshotDef *def;
        size_t len = strlen(ent) - strlen(QEMU_SNAPSHOT_FILE_SUFFIX);

        if (ent[0] == '.' || !g_str_has_suffix(ent, QEMU_SNAPSHOT_FILE_SUFFIX))
            continue;
        path = g_build_filename(dir, ent, NULL);
        if (virFileReadAll(path, QEMU_SNAPSHOT_FILE_MAX, &xml) < 0 ||
            !(def = virDomainSnapshotDefParseString(xml, VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE |
                                                         VIR_DOMAIN_SNAPSHOT_PARSE_NO_VALIDATE))) {
            VIR_WARN("skipping snapshot metadata '%s': %s", path, virGetLastErrorMessage());
            virResetLastError();
            continue;
        }
        if (strlen(def->name) != len || strncmp(def->name, ent, len) != 0) {
            VIR_WARN("skipping snapshot metadata '%s': it names '%s'", path, def->name);
            virDomainSnapshotDefFree(def);
            continue;
        }
        g_ptr_array_add(list->defs, def);
    }
    g_ptr_array_sort(list->defs, qemuSnapshotDefCompare);
    if (virFileExists(curpath) &&
        virFileReadAll(curpath, VIR_NAME_MAX_LEN + 2, &list->current) >= 0)
        g_strstrip(list->current);
    virResetLastError();
    return g_steal_pointer(&list);
}

static virDomainSnapshotDef *
qemuSnapshotListFind(qemuSnapshotList *list, const char *name)
{
    guint i;

    for (i = 0; name && i < list->defs->len; i++) {
        virDomainSnapshotDef *def = g_ptr_array_index(list->defs, i);

        if (g_str_equal(def->name, name))
            return def;
    }
    return NULL;
}

static virDomainSnapshotDef *
qemuSnapshotListLookup(qemuSnapshotList *list, const char *name)
{
    virDomainSnapshotDef *def = qemuSnapshotListFind(list, name);

    if (!def)
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       _("no domain snapshot with matching name '%s'"), name);
    return def;
}

/* Whether @def descends from @ancestor. */
static bool
qemuSnapshotIsDescendant(qemuSnapshotList *list, virDomainSnapshotDef *def,
                         const char *ancestor)
{
    guint depth = 0;

    while (def && def->parent_name && depth++ <= list->defs->len) {
        if (g_str_equal(def->parent_name, ancestor))
            return true;
        def = qemuSnapshotListFind(list, def->parent_name);
    }
    return false;
}

static bool
qemuSnapshotHasChildren(qemuSnapshotList *list, const char *name)
{
    guint i;

    for (i = 0; i < list->defs->len; i++) {
        virDomainSnapshotDef *def = g_ptr_array_index(list->defs, i);

        if (def->parent_name && g_str_equal(def->parent_name, name))
            return true;
    }
    return false;
}


/* ---- the journal ------------------------------------------------------------- */

static char *
qemuSnapshotPlanFormat(const qemuSnapshotPlan *plan)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autofree char *def = NULL;
    size_t i;

    if (!(def = virDomainSnapshotDefFormat(plan->def, VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE)))
        return NULL;
    virBufferAsprintf(&buf, "<snapshotjournal flags='0x%x' live='%s'>\n",
                      plan->flags, plan->live ? "yes" : "no");
    virBufferAdjustIndent(&buf, 2);
    for (i = 0; i < plan->ndisks; i++) {
        const qemuSnapshotDisk *d = &plan->disks[i];

        virBufferEscapeString(&buf, "<disk name='%s'", d->name);
        virBufferEscapeString(&buf, " overlay='%s'", d->overlay);
        virBufferEscapeString(&buf, " old='%s'", d->oldPath);
        virBufferAsprintf(&buf, " oldformat='%s'",
                          virStorageFileFormatTypeToString(d->oldFormat));
        virBufferEscapeString(&buf, " oldtop='%s'", d->oldTop);
        virBufferAsprintf(&buf, " index='%u' created='%s'/>\n", d->index,
                          d->created ? "yes" : "no");
    }
    virBufferAdjustIndent(&buf, -2);
    virBufferAdd(&buf, def, -1);
    virBufferAddLit(&buf, "</snapshotjournal>\n");
    return virBufferContentAndReset(&buf);
}

static qemuSnapshotPlan *
qemuSnapshotPlanParse(const char *xml)
{
    g_autoptr(qemuSnapshotPlan) plan = g_new0(qemuSnapshotPlan, 1);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree xmlNodePtr *nodes = NULL;
    g_autofree char *flags = NULL;
    g_autofree char *live = NULL;
    xmlNodePtr defnode;
    int n, i;

    if (!(doc = virXMLParseString(xml, QEMU_SNAPSHOT_JOURNAL, "snapshotjournal", &ctxt)))
        return NULL;
    flags = virXMLPropString(ctxt->node, "flags");
    live = virXMLPropString(ctxt->node, "live");
    plan->flags = flags ? strtoul(flags, NULL, 0) : 0;
    plan->live = live && g_str_equal(live, "yes");
    if (!(defnode = virXPathNode("./domainsnapshot", ctxt)) ||
        !(plan->def = virDomainSnapshotDefParseNode(doc, defnode, 0,
                                                    VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE)))
        return NULL;
    if ((n = virXPathNodeSet("./disk", ctxt, &nodes)) < 0)
        return NULL;
    plan->disks = g_new0(qemuSnapshotDisk, n);
    plan->ndisks = n;
    for (i = 0; i < n; i++) {
        qemuSnapshotDisk *d = &plan->disks[i];
        g_autofree char *created = virXMLPropString(nodes[i], "created");
        g_autofree char *fmt = virXMLPropString(nodes[i], "oldformat");

        d->name = virXMLPropString(nodes[i], "name");
        d->overlay = virXMLPropString(nodes[i], "overlay");
        d->oldPath = virXMLPropString(nodes[i], "old");
        d->oldTop = virXMLPropString(nodes[i], "oldtop");
        d->created = created && g_str_equal(created, "yes");
        d->oldFormat = fmt ? virStorageFileFormatTypeFromString(fmt) : -1;
        if (virXMLPropUInt(nodes[i], "index", &d->index) < 0)
            return NULL;
        if (!d->name || !d->overlay || !d->oldPath || d->oldFormat <= 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                           _("incomplete disk in the snapshot journal"));
            return NULL;
        }
    }
    return g_steal_pointer(&plan);
}

bool
qemuSnapshotHasJournal(qemuDomainObj *obj)
{
    g_autofree char *dir = qemuSnapshotDir(obj->driver, obj->name);
    g_autofree char *path = qemuSnapshotPath(obj, QEMU_SNAPSHOT_JOURNAL);
    g_autofree char *del = qemuSnapshotPath(obj, QEMU_SNAPSHOT_JOURNAL_DELETE);

    /* a half-written metadata file needs the lock to go too */
    return virFileExists(path) || virFileExists(del) || virFileRewriteLeftover(dir);
}


/* ---- the delete journal ---------------------------------------------------- */

static char *
qemuSnapshotDeleteJournalFormat(const qemuSnapshotDeleteJournal *j)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    if (j->parent)
        g_string_append_printf(s, "%s %s\n",
                               qemuSnapshotDeleteKeyTypeToString(QEMU_SNAPSHOT_DELETE_KEY_PARENT),
                               j->parent);
    if (j->current)
        g_string_append_printf(s, "%s %s\n",
                               qemuSnapshotDeleteKeyTypeToString(QEMU_SNAPSHOT_DELETE_KEY_CURRENT),
                               j->current);
    for (i = 0; i < j->names->len; i++)
        g_string_append_printf(s, "%s %s\n",
                               qemuSnapshotDeleteKeyTypeToString(QEMU_SNAPSHOT_DELETE_KEY_DELETE),
                               (const char *) g_ptr_array_index(j->names, i));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static qemuSnapshotDeleteJournal *
qemuSnapshotDeleteJournalParse(const char *text)
{
    g_autoptr(qemuSnapshotDeleteJournal) j = g_new0(qemuSnapshotDeleteJournal, 1);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    size_t i;

    j->names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; lines[i]; i++) {
        char *sp = strchr(lines[i], ' ');
        int key;

        if (!*lines[i])
            continue;
        if (sp)
            *sp = '\0';
        if (!sp || (key = qemuSnapshotDeleteKeyTypeFromString(lines[i])) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("malformed snapshot journal line '%s'"), lines[i]);
            return NULL;
        }
        switch ((qemuSnapshotDeleteKey) key) {
        case QEMU_SNAPSHOT_DELETE_KEY_PARENT:
            g_free(j->parent);
            j->parent = g_strdup(sp + 1);
            break;
        case QEMU_SNAPSHOT_DELETE_KEY_CURRENT:
            g_free(j->current);
            j->current = g_strdup(sp + 1);
            break;
        case QEMU_SNAPSHOT_DELETE_KEY_DELETE:
            g_ptr_array_add(j->names, g_strdup(sp + 1));
            break;
        case QEMU_SNAPSHOT_DELETE_KEY_LAST:
            break;
        }
    }
    return g_steal_pointer(&j);
}

static bool
qemuSnapshotDeleteJournalHas(const qemuSnapshotDeleteJournal *j, const char *name)
{
    guint i;

    for (i = 0; name && i < j->names->len; i++) {
        if (g_str_equal(g_ptr_array_index(j->names, i), name))
            return true;
    }
    return false;
}

/* Apply a journalled delete (idempotent: the normal path and recovery):
 * the snapshots left whose parent goes move to the journal's parent,
 * the current snapshot is set, the files go, then the journal. */
static int
qemuSnapshotDeleteApply(qemuDomainObj *obj, qemuSnapshotList *list,
                        const qemuSnapshotDeleteJournal *j)
{
    guint i;

    for (i = 0; i < list->defs->len; i++) {
        virDomainSnapshotDef *c = g_ptr_array_index(list->defs, i);

        if (qemuSnapshotDeleteJournalHas(j, c->name) ||
            !qemuSnapshotDeleteJournalHas(j, c->parent_name))
            continue;
        g_free(c->parent_name);
        c->parent_name = g_strdup(j->parent);
        if (qemuSnapshotWriteDef(obj, c) < 0)
            return -1;
    }
    if (qemuSnapshotWriteCurrent(obj, j->current) < 0)
        return -1;
    for (i = 0; i < j->names->len; i++) {
        g_autofree char *file = g_strconcat(g_ptr_array_index(j->names, i),
                                            QEMU_SNAPSHOT_FILE_SUFFIX, NULL);

        if (qemuSnapshotRemoveFile(obj, file) < 0)
            return -1;
    }
    return qemuSnapshotRemoveFile(obj, QEMU_SNAPSHOT_JOURNAL_DELETE);
}

/* A metadata delete was interrupted: finish it. */
static int
qemuSnapshotRecoverDelete(qemuDomainObj *obj)
{
    g_autofree char *path = qemuSnapshotPath(obj, QEMU_SNAPSHOT_JOURNAL_DELETE);
    g_autofree char *text = NULL;
    g_autoptr(qemuSnapshotDeleteJournal) j = NULL;
    g_autoptr(qemuSnapshotList) list = NULL;

    if (virFileReadAll(path, QEMU_SNAPSHOT_FILE_MAX, &text) < 0)
        return -1;
    if (!(j = qemuSnapshotDeleteJournalParse(text))) {
        VIR_WARN("dropping unreadable snapshot journal '%s': %s", path,
                 virGetLastErrorMessage());
        virResetLastError();
        return qemuSnapshotRemoveFile(obj, QEMU_SNAPSHOT_JOURNAL_DELETE);
    }
    VIR_WARN("finishing the interrupted deletion of %u snapshot(s) of domain '%s'",
             j->names->len, obj->name);
    list = qemuSnapshotListLoad(obj);
    return qemuSnapshotDeleteApply(obj, list, j);
}


/* ---- making it real -------------------------------------------------------------- */

static qemuImgFormat
qemuSnapshotImgFormat(int format)
{
    return format == VIR_STORAGE_FILE_RAW ? QEMU_IMG_FORMAT_RAW : QEMU_IMG_FORMAT_QCOW2;
}

/* The live definition's disk continues in its overlay (idempotent). */
static void
qemuSnapshotUpdateLiveDisk(virDomainDiskDef *disk, const qemuSnapshotDisk *d)
{
    virStorageSource *src;

    if (disk->src->path && g_str_equal(disk->src->path, d->overlay))
        return;
    src = virStorageSourceNew();
    src->type = VIR_STORAGE_TYPE_FILE;
    src->path = g_strdup(d->overlay);
    src->format = VIR_STORAGE_FILE_QCOW2;
    if (d->index) {
        src->id = d->index;
        src->nodeformat = qemuBlockFormatNodeName(src);
        src->nodestorage = qemuBlockStorageNodeName(src);
    }
    src->backingStore = disk->src;
    disk->src->readonly = false;
    disk->src = src;
}

/* The persistent definition's disk starts from its overlay; the chain
 * below is read from the images at the next start (idempotent). */
static void
qemuSnapshotUpdateConfigDisk(virDomainDiskDef *disk, const qemuSnapshotDisk *d)
{
    if (disk->src->path && g_str_equal(disk->src->path, d->overlay))
        return;
    g_clear_pointer(&disk->src->backingStore, virStorageSourceFree);
    g_free(disk->src->path);
    disk->src->path = g_strdup(d->overlay);
    disk->src->type = VIR_STORAGE_TYPE_FILE;
    disk->src->format = VIR_STORAGE_FILE_QCOW2;
}

/* The snapshot happened (QEMU switched, or the overlays are complete):
 * definitions, metadata, current snapshot, then the journal goes.
 * Idempotent: a later process repeats it after a crash. */
static int
qemuSnapshotFinish(qemuDomainObj *obj, qemuSnapshotPlan *plan)
{
    virDomainDef *persistent = qemuDomainObjGetPersistentDef(obj);
    size_t i;

    for (i = 0; i < plan->ndisks; i++) {
        const qemuSnapshotDisk *d = &plan->disks[i];
        virDomainDiskDef *disk;

        if (obj->active && (disk = virDomainDiskByTarget(obj->def, d->name)))
            qemuSnapshotUpdateLiveDisk(disk, d);
        if (persistent && (disk = virDomainDiskByTarget(persistent, d->name)))
            qemuSnapshotUpdateConfigDisk(disk, d);
    }
    if (obj->active) {
        unsigned int i2;

        for (i2 = 0; i2 < plan->ndisks; i2++) {
            if (plan->disks[i2].index >= obj->nextIndex)
                obj->nextIndex = plan->disks[i2].index + 1;
        }
        if (qemuDomainObjSaveStatus(obj) < 0)
            return -1;
    }
    if (persistent && obj->persistent &&
        qemuDomainObjSaveConfig(obj->driver, persistent) < 0)
        return -1;
    if (!(plan->flags & VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)) {
        if (qemuSnapshotWriteDef(obj, plan->def) < 0 ||
            qemuSnapshotWriteCurrent(obj, plan->def->name) < 0)
            return -1;
    }
    return qemuSnapshotRemoveFile(obj, QEMU_SNAPSHOT_JOURNAL);
}

/* Remove what exists of a snapshot that did not happen. */
static int
qemuSnapshotRollback(qemuDomainObj *obj, qemuMonitor *mon, qemuSnapshotPlan *plan)
{
    g_autoptr(GPtrArray) nodes = NULL;
    size_t i;

    if (mon && !(nodes = qemuCheckpointQueryNodes(mon)))
        return -1;
    for (i = 0; i < plan->ndisks; i++) {
        const qemuSnapshotDisk *d = &plan->disks[i];

        if (mon && d->index) {
            g_autofree char *fmt = g_strdup_printf("libvirt-%u-format", d->index);
            g_autofree char *sto = g_strdup_printf("libvirt-%u-storage", d->index);

            if (qemuQMPBlockNodeFind(nodes, fmt) &&
                qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                               QEMU_QMP_BLOCKDEV_DEL, "s:node-name", fmt, NULL) < 0)
                return -1;
            if (qemuQMPBlockNodeFind(nodes, sto) &&
                qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                               QEMU_QMP_BLOCKDEV_DEL, "s:node-name", sto, NULL) < 0)
                return -1;
        }
        if (d->created && unlink(d->overlay) < 0 && errno != ENOENT) {
            virReportSystemError(errno, _("cannot remove '%s'"), d->overlay);
            return -1;
        }
    }
    return qemuSnapshotRemoveFile(obj, QEMU_SNAPSHOT_JOURNAL);
}

/* Shut-off domain: make every overlay complete (created on its backing
 * image, with a recording bitmap for each usable one of the backing
 * image).  Skips what is there already.  1 when all are complete, 0 when
 * one cannot be (@create false: only checked), -1 on error. */
static int
qemuSnapshotOfflineOverlays(const char *qemuimg, qemuSnapshotPlan *plan, bool create)
{
    size_t i, j;

    for (i = 0; i < plan->ndisks; i++) {
        const qemuSnapshotDisk *d = &plan->disks[i];
        g_autoptr(qemuImgInfo) old = NULL;
        g_autoptr(qemuImgInfo) over = NULL;

        if (!(old = qemuImgGetInfo(qemuimg, d->oldPath, NULL, false)))
            return -1;
        if (virFileExists(d->overlay)) {
            over = qemuImgGetInfo(qemuimg, d->overlay, "qcow2", false);
            virResetLastError();
        }
        if (!over || !over->fullBackingFilename ||
            !g_str_equal(over->fullBackingFilename, d->oldPath)) {
            if (!create || !d->created)
                return 0;
            unlink(d->overlay);
            if (qemuImgCreate(qemuimg, d->overlay, QEMU_IMG_FORMAT_QCOW2, old->virtualSize,
                              d->oldPath, qemuSnapshotImgFormat(d->oldFormat)) < 0)
                return -1;
            g_clear_pointer(&over, qemuImgInfoFree);
            if (!(over = qemuImgGetInfo(qemuimg, d->overlay, "qcow2", false)))
                return -1;
        }
        for (j = 0; j < old->nbitmaps; j++) {
            const qemuImgBitmap *b = &old->bitmaps[j];

            if (!b->recording || b->inUse || qemuImgInfoFindBitmap(over, b->name))
                continue;
            if (qemuImgBitmapAdd(qemuimg, d->overlay, b->name, b->granularity, false) < 0)
                return -1;
        }
    }
    return 1;
}

/* Whether QEMU's transaction of @plan ran: the device of a disk sits on
 * the overlay's node.  -1 on error. */
static int
qemuSnapshotTransactionRan(qemuDomainObj *obj, qemuMonitor *mon, qemuSnapshotPlan *plan)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) devs = NULL;
    size_t i;
    guint j;

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_BLOCK, NULL) < 0 ||
        !(devs = qemuQMPParseBlock(reply)))
        return -1;
    for (i = 0; i < plan->ndisks; i++) {
        virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, plan->disks[i].name);
        g_autofree char *node = g_strdup_printf("libvirt-%u-format", plan->disks[i].index);
        g_autofree char *needle = NULL;

        if (!disk || !disk->alias)
            continue;
        needle = g_strdup_printf("/%s/", disk->alias);
        for (j = 0; j < devs->len; j++) {
            qemuQMPBlockDevice *dev = g_ptr_array_index(devs, j);

            if (dev->qdev && strstr(dev->qdev, needle) && dev->nodeName &&
                g_str_equal(dev->nodeName, node))
                return 1;
        }
    }
    return 0;
}

void
qemuSnapshotRecover(qemuDomainObj *obj)
{
    g_autofree char *dir = qemuSnapshotDir(obj->driver, obj->name);
    g_autofree char *path = qemuSnapshotPath(obj, QEMU_SNAPSHOT_JOURNAL);
    g_autofree char *del = qemuSnapshotPath(obj, QEMU_SNAPSHOT_JOURNAL_DELETE);
    g_autofree char *xml = NULL;
    g_autoptr(qemuSnapshotPlan) plan = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    int rc;

    /* files whose rewrite a crash interrupted */
    virFileRewriteCleanup(dir);
    if (virFileExists(del) && qemuSnapshotRecoverDelete(obj) < 0) {
        VIR_WARN("cannot finish the snapshot deletion of domain '%s' yet: %s",
                 obj->name, virGetLastErrorMessage());
        virResetLastError();
    }
    if (!virFileExists(path))
        return;
    if (virFileReadAll(path, QEMU_SNAPSHOT_FILE_MAX, &xml) < 0 ||
        !(plan = qemuSnapshotPlanParse(xml))) {
        VIR_WARN("dropping unreadable snapshot journal '%s': %s", path,
                 virGetLastErrorMessage());
        virResetLastError();
        unlink(path);
        return;
    }
    if (plan->live && obj->active) {
        if (!(mon = qemuProcessConnectMonitor(obj)) ||
            (rc = qemuSnapshotTransactionRan(obj, mon, plan)) < 0)
            goto error;
        if (rc) {
            VIR_WARN("finishing the interrupted snapshot '%s' of domain '%s'",
                     plan->def->name, obj->name);
            rc = qemuSnapshotFinish(obj, plan);
        } else {
            VIR_WARN("rolling back the interrupted snapshot '%s' of domain '%s'",
                     plan->def->name, obj->name);
            rc = qemuSnapshotRollback(obj, mon, plan);
        }
    } else {
        /* shut off (or QEMU gone): complete overlays hold what their
         * backing images hold, the snapshot can only be finished */
        if ((rc = qemuSnapshotOfflineOverlays(obj->driver->config->qemuImg, plan, !plan->live)) < 0)
            goto error;
        if (rc) {
            VIR_WARN("finishing the interrupted snapshot '%s' of domain '%s'",
                     plan->def->name, obj->name);
            rc = qemuSnapshotFinish(obj, plan);
        } else {
            VIR_WARN("rolling back the interrupted snapshot '%s' of domain '%s'",
                     plan->def->name, obj->name);
            rc = qemuSnapshotRollback(obj, NULL, plan);
        }
    }
    if (rc >= 0)
        return;
 error:
    VIR_WARN("cannot recover the snapshot journal of domain '%s' yet: %s",
             obj->name, virGetLastErrorMessage());
    virResetLastError();
}


/* ---- create ------------------------------------------------------------------ */

/* Decide everything the snapshot will create. */
static qemuSnapshotPlan *
qemuSnapshotPrepare(qemuDomainObj *obj, qemuSnapshotList *list, const char *xml,
                    unsigned int flags)
{
    g_autoptr(qemuSnapshotPlan) plan = g_new0(qemuSnapshotPlan, 1);
    virDomainSnapshotDef *def;
    size_t i, j, n;

    if (!(plan->def = virDomainSnapshotDefParseString(xml, 0)))
        return NULL;
    def = plan->def;
    plan->flags = flags;
    plan->live = obj->active;
    if (def->memory != VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT &&
        def->memory != VIR_DOMAIN_SNAPSHOT_LOCATION_NO) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("only disk-only snapshots are supported: the memory cannot be saved"));
        return NULL;
    }
    def->memory = VIR_DOMAIN_SNAPSHOT_LOCATION_NO;
    if (!(flags & VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA) &&
        qemuSnapshotListFind(list, def->name)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain snapshot '%s' already exists"), def->name);
        return NULL;
    }
    if (!(def->dom = virDomainDefCopy(obj->def)))
        return NULL;
    if (virDomainSnapshotAlignDisks(def) < 0)
        return NULL;
    def->state = obj->active ? VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT : VIR_DOMAIN_SNAPSHOT_SHUTOFF;
    if (list->current && qemuSnapshotListFind(list, list->current))
        def->parent_name = g_strdup(list->current);

    for (i = 0, n = 0; i < def->ndisks; i++)
        n += def->disks[i].snapshot == VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL;
    if (n == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("no disk selected for the snapshot"));
        return NULL;
    }
    plan->disks = g_new0(qemuSnapshotDisk, n);
    for (i = 0; i < def->ndisks; i++) {
        virDomainSnapshotDiskDef *sd = &def->disks[i];
        virDomainDiskDef *disk;
        qemuSnapshotDisk *d;

        if (sd->snapshot != VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL)
            continue;
        disk = virDomainDiskByTarget(obj->def, sd->name);
        if (sd->src->type != VIR_STORAGE_TYPE_FILE ||
            sd->src->format != VIR_STORAGE_FILE_QCOW2) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': the overlay must be a qcow2 file"), sd->name);
            return NULL;
        }
        if (disk->src->type != VIR_STORAGE_TYPE_FILE ||
            (disk->src->format != VIR_STORAGE_FILE_QCOW2 &&
             disk->src->format != VIR_STORAGE_FILE_RAW)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': only qcow2 and raw files can be snapshotted"),
                           sd->name);
            return NULL;
        }
        if (obj->active && !disk->src->nodeformat) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("disk '%s' has no block node"), sd->name);
            return NULL;
        }
        for (j = 0; j < plan->ndisks; j++) {
            if (g_str_equal(plan->disks[j].overlay, sd->src->path)) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disks '%s' and '%s' cannot share the overlay '%s'"),
                               plan->disks[j].name, sd->name, sd->src->path);
                return NULL;
            }
        }
        d = &plan->disks[plan->ndisks++];
        d->name = g_strdup(sd->name);
        d->overlay = g_strdup(sd->src->path);
        d->oldPath = g_strdup(disk->src->path);
        d->oldFormat = disk->src->format;
        if (flags & VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT) {
            if (!virFileExists(d->overlay)) {
                virReportSystemError(ENOENT, _("overlay '%s' of disk '%s'"),
                                     d->overlay, d->name);
                return NULL;
            }
        } else {
            if (virFileExists(d->overlay)) {
                virReportError(VIR_ERR_OPERATION_INVALID,
                               _("external snapshot file for disk %s already exists and is not a block device: %s"),
                               d->name, d->overlay);
                return NULL;
            }
            d->created = true;
        }
        if (obj->active) {
            d->oldTop = g_strdup(disk->src->nodeformat);
            d->index = obj->nextIndex++;
        }
    }
    return g_steal_pointer(&plan);
}

/* Running domain: overlays, their nodes, one transaction. */
static int
qemuSnapshotCreateLive(qemuDomainObj *obj, qemuMonitor *mon, qemuSnapshotPlan *plan)
{
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    qemuAgent *agent = NULL;
    size_t i;
    guint j;
    int rc;

    if (!(nodes = qemuCheckpointQueryNodes(mon)))
        return -1;
    for (i = 0; i < plan->ndisks; i++) {
        qemuSnapshotDisk *d = &plan->disks[i];
        qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, d->oldTop);
        virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, d->name);
        g_autofree char *fmt = g_strdup_printf("libvirt-%u-format", d->index);
        g_autofree char *sto = g_strdup_printf("libvirt-%u-storage", d->index);
        g_autoptr(virJSONValue) cache = NULL;

        if (!top) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("QEMU does not know node '%s' of disk '%s'"), d->oldTop, d->name);
            return -1;
        }
        if (d->created &&
            qemuImgCreate(obj->driver->config->qemuImg, d->overlay,
                          QEMU_IMG_FORMAT_QCOW2, top->virtualSize,
                          d->oldPath, qemuSnapshotImgFormat(d->oldFormat)) < 0)
            return -1;
        if (!(cache = qemuBlockCacheStruct(disk)) ||
            qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", "file", "s:node-name", sto,
                           "s:filename", d->overlay, "v:cache", &cache,
                           "b:auto-read-only", true,
                           "S:discard", qemuBlockDiscard(disk), NULL) < 0)
            return -1;
        if (!(cache = qemuBlockCacheStruct(disk)) ||
            qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", "qcow2", "s:node-name", fmt, "s:file", sto,
                           "n:backing", "b:read-only", false, "v:cache", &cache,
                           "S:discard", qemuBlockDiscard(disk), NULL) < 0)
            return -1;
        if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_SNAPSHOT,
                                 "s:node", d->oldTop, "s:overlay", fmt, NULL) < 0)
            return -1;
        /* every usable bitmap goes on: the checkpoint's pieces stay a run
         * from the top */
        for (j = 0; top->bitmaps && j < top->bitmaps->len; j++) {
            qemuQMPDirtyBitmap *b = g_ptr_array_index(top->bitmaps, j);

            if (!b->persistent || !b->recording || b->inconsistent)
                continue;
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                     "s:node", fmt, "s:name", b->name,
                                     "b:persistent", true, "b:disabled", false,
                                     "U:granularity", b->granularity, NULL) < 0)
                return -1;
        }
    }
    if ((plan->flags & VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE) &&
        !(agent = qemuDomainFreeze(obj)))
        return -1;
    rc = qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT);
    if (agent)
        qemuDomainThaw(obj, agent);
    return rc;
}

static virDomainSnapshotDef *
qemuSnapshotCreate(qemuDomainObj *obj, qemuSnapshotList *list, const char *xml,
                   unsigned int flags)
{
    g_autoptr(qemuSnapshotPlan) plan = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autofree char *journal = NULL;
    int rc;

    if (!(flags & VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)) {
        virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                       _("only disk-only snapshots are supported (VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)"));
        return NULL;
    }
    if ((flags & VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE) && !obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running: nothing to quiesce"), obj->name);
        return NULL;
    }
    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot snapshot domain '%s': job 'backup' is running"), obj->name);
        return NULL;
    }
    if (qemuBlockJobAny(obj)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot snapshot domain '%s': a block job is running"), obj->name);
        return NULL;
    }
    if ((flags & VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE) &&
        (!obj->def->has_agent || !obj->def->agent_socket)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("domain '%s' has no guest agent channel to quiesce with"),
                       obj->name);
        return NULL;
    }
    if (obj->active && !(mon = qemuProcessConnectMonitor(obj)))
        return NULL;
    if (!(plan = qemuSnapshotPrepare(obj, list, xml, flags)))
        return NULL;

    /* the journal before the first step */
    if (!(journal = qemuSnapshotPlanFormat(plan)) ||
        qemuSnapshotWriteFile(obj, QEMU_SNAPSHOT_JOURNAL, journal) < 0)
        return NULL;
    if (obj->active)
        rc = qemuSnapshotCreateLive(obj, mon, plan);
    else
        rc = qemuSnapshotOfflineOverlays(obj->driver->config->qemuImg, plan, true) > 0 ? 0 : -1;
    if (rc < 0) {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (qemuSnapshotRollback(obj, mon, plan) < 0)
            VIR_WARN("snapshot of domain '%s' not rolled back yet: %s", obj->name,
                     virGetLastErrorMessage());
        virErrorRestore(&orig);
        return NULL;
    }
    if (qemuSnapshotFinish(obj, plan) < 0)
        return NULL;
    VIR_INFO("snapshot '%s' of domain '%s' created", plan->def->name, obj->name);
    return g_steal_pointer(&plan->def);
}


/* ---- driver entry points ------------------------------------------------- */

typedef struct {
    qemuDomainObj *obj;
    qemuSnapshotList *list;
    bool job;
} qemuSnapshotCtx;

static void
qemuSnapshotCtxClear(qemuSnapshotCtx *ctx)
{
    qemuSnapshotListFree(ctx->list);
    if (ctx->job)
        qemuDomainJobEnd(&ctx->obj->job);
    qemuDomainObjFree(ctx->obj);
    memset(ctx, 0, sizeof(*ctx));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuSnapshotCtx, qemuSnapshotCtxClear);

static int
qemuSnapshotCtxLoad(qemuSnapshotCtx *ctx, virDomain *dom, bool modify)
{
    qemuDriver *driver = qemuConnectGetDriver(dom->conn);

    if (!(ctx->obj = qemuDomainObjLoad(driver, dom->name,
                                       modify ? QEMU_DOMAIN_LOAD_LOCK : 0)))
        return -1;
    if (modify) {
        if (qemuDomainJobBegin(&ctx->obj->job, QEMU_JOB_MODIFY) < 0)
            return -1;
        ctx->job = true;
    }
    ctx->list = qemuSnapshotListLoad(ctx->obj);
    return 0;
}

virDomainSnapshot *
qemuDomainSnapshotCreateXML(virDomain *dom, const char *xml, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    g_autoptr(virDomainSnapshotDef) def = NULL;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA |
                  VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY |
                  VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT |
                  VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE |
                  VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
                  VIR_DOMAIN_SNAPSHOT_CREATE_LIVE |
                  VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE, NULL);
    if (qemuSnapshotCtxLoad(&ctx, dom, true) < 0)
        return NULL;
    if (!(def = qemuSnapshotCreate(ctx.obj, ctx.list, xml, flags)))
        return NULL;
    return virGetDomainSnapshot(dom, def->name);
}

char *
qemuDomainSnapshotGetXMLDesc(virDomainSnapshot *snapshot, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    virDomainSnapshotDef *def;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_XML_SECURE, NULL);
    if (qemuSnapshotCtxLoad(&ctx, snapshot->domain, false) < 0 ||
        !(def = qemuSnapshotListLookup(ctx.list, snapshot->name)))
        return NULL;
    return virDomainSnapshotDefFormat(def, (flags & VIR_DOMAIN_SNAPSHOT_XML_SECURE) ?
                                           VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE : 0);
}

/* Whether @def passes the listing filters of @flags. */
static bool
qemuSnapshotFilter(qemuSnapshotList *list, virDomainSnapshotDef *def,
                   unsigned int flags)
{
    unsigned int kinds = VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE |
                         VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE |
                         VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY;
    bool leaf;

    if ((flags & VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) &&
        !(flags & VIR_DOMAIN_SNAPSHOT_LIST_METADATA))
        return false;
    if ((flags & VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL) &&
        !(flags & VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL))
        return false;
    if (flags & (VIR_DOMAIN_SNAPSHOT_LIST_LEAVES | VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES)) {
        leaf = !qemuSnapshotHasChildren(list, def->name);
        if (!(((flags & VIR_DOMAIN_SNAPSHOT_LIST_LEAVES) && leaf) ||
              ((flags & VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES) && !leaf)))
            return false;
    }
    if (flags & kinds) {
        bool shutoff = def->state == VIR_DOMAIN_SNAPSHOT_SHUTOFF;
        bool disk = def->state == VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT;

        if (!(((flags & VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE) && shutoff) ||
              ((flags & VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY) && disk) ||
              ((flags & VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE) && !shutoff && !disk)))
            return false;
    }
    return true;
}

/* Append @def's subtree in parent-first order. */
static void
qemuSnapshotTopoAppend(qemuSnapshotList *list, virDomainSnapshotDef *def,
                       GPtrArray *out)
{
    guint i;

    g_ptr_array_add(out, def);
    for (i = 0; i < list->defs->len; i++) {
        virDomainSnapshotDef *c = g_ptr_array_index(list->defs, i);

        if (c->parent_name && g_str_equal(c->parent_name, def->name))
            qemuSnapshotTopoAppend(list, c, out);
    }
}

static int
qemuSnapshotHandles(virDomain *dom, GPtrArray *defs, virDomainSnapshot ***snaps)
{
    virDomainSnapshot **ret;
    guint i;

    if (!snaps)
        return defs->len;
    ret = g_new0(virDomainSnapshot *, defs->len + 1);
    for (i = 0; i < defs->len; i++) {
        virDomainSnapshotDef *def = g_ptr_array_index(defs, i);

        if (!(ret[i] = virGetDomainSnapshot(dom, def->name))) {
            for (; i > 0; i--)
                virDomainSnapshotHandleUnref(ret[i - 1]);
            g_free(ret);
            return -1;
        }
    }
    *snaps = ret;
    return defs->len;
}

int
qemuDomainListAllSnapshots(virDomain *dom, virDomainSnapshot ***snaps,
                           unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    guint i;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_ROOTS |
                  VIR_DOMAIN_SNAPSHOT_LIST_LEAVES |
                  VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES |
                  VIR_DOMAIN_SNAPSHOT_LIST_METADATA |
                  VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA |
                  VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE |
                  VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE |
                  VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY |
                  VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL |
                  VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL |
                  VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, -1);
    if (snaps)
        *snaps = NULL;
    if (qemuSnapshotCtxLoad(&ctx, dom, false) < 0)
        return -1;
    if (flags & VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL) {
        for (i = 0; i < ctx.list->defs->len; i++) {
            virDomainSnapshotDef *def = g_ptr_array_index(ctx.list->defs, i);

            if (!def->parent_name || !qemuSnapshotListFind(ctx.list, def->parent_name))
                qemuSnapshotTopoAppend(ctx.list, def, order);
        }
    } else {
        for (i = 0; i < ctx.list->defs->len; i++)
            g_ptr_array_add(order, g_ptr_array_index(ctx.list->defs, i));
    }
    for (i = 0; i < order->len; i++) {
        virDomainSnapshotDef *def = g_ptr_array_index(order, i);

        if ((flags & VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) && def->parent_name &&
            qemuSnapshotListFind(ctx.list, def->parent_name))
            continue;
        if (qemuSnapshotFilter(ctx.list, def, flags))
            g_ptr_array_add(out, def);
    }
    return qemuSnapshotHandles(dom, out, snaps);
}

virDomainSnapshot *
qemuDomainSnapshotLookupByName(virDomain *dom, const char *name, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    virDomainSnapshotDef *def;

    virCheckFlags(0, NULL);
    if (qemuSnapshotCtxLoad(&ctx, dom, false) < 0 ||
        !(def = qemuSnapshotListLookup(ctx.list, name)))
        return NULL;
    return virGetDomainSnapshot(dom, def->name);
}

virDomainSnapshot *
qemuDomainSnapshotGetParent(virDomainSnapshot *snapshot, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    virDomainSnapshotDef *def;

    virCheckFlags(0, NULL);
    if (qemuSnapshotCtxLoad(&ctx, snapshot->domain, false) < 0 ||
        !(def = qemuSnapshotListLookup(ctx.list, snapshot->name)))
        return NULL;
    if (!def->parent_name) {
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT,
                       _("snapshot '%s' does not have a parent"), def->name);
        return NULL;
    }
    return virGetDomainSnapshot(snapshot->domain, def->parent_name);
}

int
qemuDomainSnapshotIsCurrent(virDomainSnapshot *snapshot, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };

    virCheckFlags(0, -1);
    if (qemuSnapshotCtxLoad(&ctx, snapshot->domain, false) < 0 ||
        !qemuSnapshotListLookup(ctx.list, snapshot->name))
        return -1;
    return ctx.list->current && g_str_equal(ctx.list->current, snapshot->name);
}

int
qemuDomainRevertToSnapshot(virDomainSnapshot *snapshot, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    g_autofree char *dir = NULL;
    g_autoptr(GDir) d = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *ent;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING |
                  VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED |
                  VIR_DOMAIN_SNAPSHOT_REVERT_FORCE |
                  VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM, -1);
    if (qemuSnapshotCtxLoad(&ctx, snapshot->domain, false) < 0 ||
        !qemuSnapshotListLookup(ctx.list, snapshot->name))
        return -1;

    /* checkpoints first: their bitmaps describe the disks as they are */
    dir = qemuDriverCheckpointDir(ctx.obj->driver, ctx.obj->name);
    d = g_dir_open(dir, 0, NULL);
    while (d && (ent = g_dir_read_name(d))) {
        if (ent[0] != '.' && g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strdup_printf("'%.*s'", (int) (strlen(ent) - 4), ent));
    }
    if (names->len) {
        g_autofree char *joined = NULL;

        g_ptr_array_sort(names, qemuSnapshotNameCompare);
        g_ptr_array_add(names, NULL);
        joined = g_strjoinv(", ", (char **) names->pdata);
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot revert domain '%s' to snapshot '%s': its checkpoints %s would describe disks that no longer hold their writes; delete them first"),
                       ctx.obj->name, snapshot->name, joined);
        return -1;
    }
    virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                   _("revert to external snapshot not supported yet"));
    return -1;
}

int
qemuDomainSnapshotDelete(virDomainSnapshot *snapshot, unsigned int flags)
{
    g_auto(qemuSnapshotCtx) ctx = { 0 };
    g_autoptr(GPtrArray) gone = g_ptr_array_new();
    g_autoptr(qemuSnapshotDeleteJournal) j = NULL;
    g_autofree char *text = NULL;
    virDomainSnapshotDef *def;
    guint i;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN |
                  VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY |
                  VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, -1);
    if (qemuSnapshotCtxLoad(&ctx, snapshot->domain, true) < 0 ||
        !(def = qemuSnapshotListLookup(ctx.list, snapshot->name)))
        return -1;
    if (!(flags & VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("deleting the images of external snapshot '%s' is not supported: delete its metadata only and merge the images with block commit"),
                       def->name);
        return -1;
    }
    if (!(flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))
        g_ptr_array_add(gone, def);
    if (flags & (VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN |
                 VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
        for (i = 0; i < ctx.list->defs->len; i++) {
            virDomainSnapshotDef *c = g_ptr_array_index(ctx.list->defs, i);

            if (qemuSnapshotIsDescendant(ctx.list, c, def->name))
                g_ptr_array_add(gone, c);
        }
    }
    /* the journal first: a process killed at any point leaves it, and
     * the next one finishes the delete */
    j = g_new0(qemuSnapshotDeleteJournal, 1);
    j->names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < gone->len; i++)
        g_ptr_array_add(j->names,
                        g_strdup(((virDomainSnapshotDef *) g_ptr_array_index(gone, i))->name));
    if (!(flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))
        j->parent = g_strdup(def->parent_name);
    j->current = g_strdup(ctx.list->current);
    if (j->current && qemuSnapshotDeleteJournalHas(j, j->current)) {
        g_free(j->current);
        j->current = g_strdup((flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY) ?
                              def->name : def->parent_name);
    }
    if (!(text = qemuSnapshotDeleteJournalFormat(j)) ||
        qemuSnapshotWriteFile(ctx.obj, QEMU_SNAPSHOT_JOURNAL_DELETE, text) < 0)
        return -1;
    return qemuSnapshotDeleteApply(ctx.obj, ctx.list, j);
}

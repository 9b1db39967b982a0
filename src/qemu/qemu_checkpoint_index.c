/*
 * qemu_checkpoint_index.c: the index of a domain's checkpoint metadata
 * (see qemu_checkpoint_index.h)
 *
 * The file is text, one "KEY VALUE..." per line; values are escaped
 * (%XX for '%', blanks and control characters).  Lines after a
 * 'checkpoint' line describe that checkpoint:
 *
 *   fleece-checkpoint-index 2
 *   directory DEVICE INODE MTIME-SECONDS MTIME-NANOSECONDS
 *   current NAME                  (absent: none)
 *   checkpoint NAME CREATION-TIME
 *   parent NAME                   (absent: a root)
 *   description TEXT              (absent: none)
 *   disk TARGET TYPE [BITMAP]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu_checkpoint_index.h"
#include "virenum.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("qemu.checkpoint.index");

#define QEMU_CHECKPOINT_INDEX_MAGIC "fleece-checkpoint-index"
#define QEMU_CHECKPOINT_INDEX_VERSION "2"

/* The most frequent keys first: they are looked up in this order. */
typedef enum {
    QEMU_CHECKPOINT_INDEX_KEY_DISK,
    QEMU_CHECKPOINT_INDEX_KEY_CHECKPOINT,
    QEMU_CHECKPOINT_INDEX_KEY_PARENT,
    QEMU_CHECKPOINT_INDEX_KEY_DESCRIPTION,
    QEMU_CHECKPOINT_INDEX_KEY_CURRENT,
    QEMU_CHECKPOINT_INDEX_KEY_DIRECTORY,

    QEMU_CHECKPOINT_INDEX_KEY_LAST
} qemuCheckpointIndexKey;
VIR_ENUM_DECL(qemuCheckpointIndexKey);
VIR_ENUM_IMPL(qemuCheckpointIndexKey, QEMU_CHECKPOINT_INDEX_KEY_LAST,
              "disk", "checkpoint", "parent", "description", "current",
              "directory");

/* What the directory's inode says: any entry added, replaced or removed
 * changes its modification time. */
typedef struct {
    unsigned long long dev;
    unsigned long long ino;
    long long sec;
    long long nsec;
} qemuCheckpointIndexDirStamp;

static bool
qemuCheckpointIndexDirStampGet(const char *dir, qemuCheckpointIndexDirStamp *stamp)
{
    struct stat sb;

    if (stat(dir, &sb) < 0)
        return false;
    stamp->dev = sb.st_dev;
    stamp->ino = sb.st_ino;
    stamp->sec = sb.st_mtim.tv_sec;
    stamp->nsec = sb.st_mtim.tv_nsec;
    return true;
}

char *
qemuCheckpointIndexPath(const char *dir)
{
    g_autofree char *parent = g_path_get_dirname(dir);
    g_autofree char *base = g_path_get_basename(dir);
    g_autofree char *file = g_strdup_printf(".%s.index", base);

    return g_build_filename(parent, file, NULL);
}

int
qemuCheckpointIndexRemove(const char *dir)
{
    g_autofree char *path = qemuCheckpointIndexPath(dir);

    return virFileRemove(path);
}

/* ---- text ----------------------------------------------------------------- */

/* The text being written: a thousand checkpoints make ten thousand
 * small appends, which must be cheap. */
typedef struct {
    char *buf;
    size_t len;
    size_t cap;
} qemuCheckpointIndexText;

static void
qemuCheckpointIndexTextClear(qemuCheckpointIndexText *t)
{
    g_free(t->buf);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuCheckpointIndexText, qemuCheckpointIndexTextClear);

static inline void
qemuCheckpointIndexPut(qemuCheckpointIndexText *t, const char *data, size_t len)
{
    if (G_UNLIKELY(t->len + len + 1 > t->cap)) {
        t->cap = MAX(t->cap * 2, t->len + len + 1);
        t->buf = g_realloc(t->buf, t->cap);
    }
    memcpy(t->buf + t->len, data, len);
    t->len += len;
    t->buf[t->len] = '\0';
}

static void
qemuCheckpointIndexPutStr(qemuCheckpointIndexText *t, const char *str)
{
    qemuCheckpointIndexPut(t, str, strlen(str));
}

static void
qemuCheckpointIndexAppendValue(qemuCheckpointIndexText *s, const char *value)
{
    const unsigned char *p;
    const unsigned char *plain = (const unsigned char *) value;

    qemuCheckpointIndexPut(s, " ", 1);
    /* the rest is copied in runs */
    for (p = plain; *p; p++) {
        char esc[4];

        if (G_LIKELY(*p > ' ' && *p != '%' && *p != 0x7f))
            continue;
        qemuCheckpointIndexPut(s, (const char *) plain, p - plain);
        g_snprintf(esc, sizeof(esc), "%%%02X", *p);
        qemuCheckpointIndexPut(s, esc, 3);
        plain = p + 1;
    }
    qemuCheckpointIndexPut(s, (const char *) plain, p - plain);
}

static void
qemuCheckpointIndexAppendUnsigned(qemuCheckpointIndexText *s, unsigned long long u,
                                  bool negative)
{
    char buf[32];
    char *p = buf + sizeof(buf);

    *--p = '\0';
    do {
        *--p = '0' + u % 10;
        u /= 10;
    } while (u);
    if (negative)
        *--p = '-';
    *--p = ' ';
    qemuCheckpointIndexPutStr(s, p);
}

static void
qemuCheckpointIndexAppendNumber(qemuCheckpointIndexText *s, long long n)
{
    qemuCheckpointIndexAppendUnsigned(s, n < 0 ? -(unsigned long long) n : (unsigned long long) n,
                                      n < 0);
}

/* Undo the escaping in place; false if malformed. */
static bool
qemuCheckpointIndexUnescape(char *value)
{
    char *in = value;
    char *out = value;

    while (*in) {
        if (*in == '%') {
            int hi = g_ascii_xdigit_value(in[1]);
            int lo = hi >= 0 ? g_ascii_xdigit_value(in[2]) : -1;

            if (lo < 0 || (hi == 0 && lo == 0))
                return false;
            *out++ = (char) (hi * 16 + lo);
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return true;
}

static void
qemuCheckpointIndexAppendKey(qemuCheckpointIndexText *s, qemuCheckpointIndexKey key)
{
    qemuCheckpointIndexPutStr(s, qemuCheckpointIndexKeyTypeToString(key));
}

/* ---- writing -------------------------------------------------------------- */

/* The lines of one checkpoint's entry as this process last wrote them:
 * a change rewrites the index whole, but formats again only the entries
 * of definitions that changed (a thousand make a noticeable cost). */
typedef struct {
    const void *def;        /* the definition it was made from: compared,
                             * never dereferenced */
    char *name;
    char *parent;
    char *text;
    size_t len;
} qemuCheckpointIndexBlock;

static GMutex qemuCheckpointBlocksLock;
static GHashTable *qemuCheckpointBlocks;   /* dir -> GPtrArray of blocks, in
                                            * the order last written */

static void
qemuCheckpointIndexBlockFree(gpointer p)
{
    qemuCheckpointIndexBlock *b = p;

    if (!b)
        return;
    g_free(b->name);
    g_free(b->parent);
    g_free(b->text);
    g_free(b);
}

static void qemuCheckpointIndexAppendKey(qemuCheckpointIndexText *s,
                                         qemuCheckpointIndexKey key);

/* Format the entry of @def. */
static qemuCheckpointIndexBlock *
qemuCheckpointIndexBlockNew(const virDomainCheckpointDef *def)
{
    qemuCheckpointIndexBlock *b = g_new0(qemuCheckpointIndexBlock, 1);
    qemuCheckpointIndexText text = { 0 };
    qemuCheckpointIndexText *s = &text;
    size_t d;

    qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_CHECKPOINT);
    qemuCheckpointIndexAppendValue(s, def->name);
    qemuCheckpointIndexAppendNumber(s, def->creationTime);
    qemuCheckpointIndexPut(s, "\n", 1);
    if (def->parent_name) {
        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_PARENT);
        qemuCheckpointIndexAppendValue(s, def->parent_name);
        qemuCheckpointIndexPut(s, "\n", 1);
    }
    if (def->description) {
        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DESCRIPTION);
        if (*def->description)
            qemuCheckpointIndexAppendValue(s, def->description);
        qemuCheckpointIndexPut(s, "\n", 1);
    }
    for (d = 0; d < def->ndisks; d++) {
        const virDomainCheckpointDiskDef *disk = &def->disks[d];

        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DISK);
        qemuCheckpointIndexAppendValue(s, disk->name);
        qemuCheckpointIndexAppendValue(s, virDomainCheckpointTypeToString(disk->type));
        if (disk->bitmap)
            qemuCheckpointIndexAppendValue(s, disk->bitmap);
        qemuCheckpointIndexPut(s, "\n", 1);
    }
    b->def = def;
    b->name = g_strdup(def->name);
    b->parent = g_strdup(def->parent_name);
    b->text = text.buf;
    b->len = text.len;
    return b;
}

int
qemuCheckpointIndexWrite(const char *dir, virDomainCheckpointObjList *list)
{
    g_autofree char *path = qemuCheckpointIndexPath(dir);
    g_autofree virDomainCheckpointObj **objs = NULL;
    g_auto(qemuCheckpointIndexText) text = { 0 };
    qemuCheckpointIndexText *s = &text;
    const char *current = virDomainCheckpointObjListGetCurrentName(list);
    qemuCheckpointIndexDirStamp stamp;
    GPtrArray *old;
    GPtrArray *blocks;
    guint next = 0;
    int n, i;

    /* the directory as the change left it: the index is written last */
    if (!qemuCheckpointIndexDirStampGet(dir, &stamp)) {
        virReportSystemError(errno, _("cannot look at checkpoint directory '%s'"), dir);
        return -1;
    }
    /* in the list's order, which the next load keeps */
    if ((n = virDomainCheckpointObjListGetAll(list, NULL, &objs, 0)) < 0)
        return -1;
    text.cap = 256 + 128 * (size_t) n;
    text.buf = g_malloc(text.cap);
    qemuCheckpointIndexPutStr(s, QEMU_CHECKPOINT_INDEX_MAGIC " "
                              QEMU_CHECKPOINT_INDEX_VERSION "\n");

    qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DIRECTORY);
    qemuCheckpointIndexAppendUnsigned(s, stamp.dev, false);
    qemuCheckpointIndexAppendUnsigned(s, stamp.ino, false);
    qemuCheckpointIndexAppendNumber(s, stamp.sec);
    qemuCheckpointIndexAppendNumber(s, stamp.nsec);
    qemuCheckpointIndexPut(s, "\n", 1);
    if (current) {
        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_CURRENT);
        qemuCheckpointIndexAppendValue(s, current);
        qemuCheckpointIndexPut(s, "\n", 1);
    }
    g_mutex_lock(&qemuCheckpointBlocksLock);
    if (!qemuCheckpointBlocks || g_hash_table_size(qemuCheckpointBlocks) >= 16) {
        g_clear_pointer(&qemuCheckpointBlocks, g_hash_table_unref);
        qemuCheckpointBlocks = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                     (GDestroyNotify) g_ptr_array_unref);
    }
    old = g_hash_table_lookup(qemuCheckpointBlocks, dir);
    blocks = g_ptr_array_new_full(n, qemuCheckpointIndexBlockFree);
    /* the list keeps its order between changes: checkpoints go, new ones
     * come last, so the old entries are met in turn */
    for (i = 0; i < n; i++) {
        const virDomainCheckpointDef *def = objs[i]->def;
        qemuCheckpointIndexBlock *b = NULL;
        guint k;

        for (k = next; old && k < old->len && k < next + 8; k++) {
            qemuCheckpointIndexBlock *o = g_ptr_array_index(old, k);

            if (o && o->def == (const void *) def && g_str_equal(o->name, def->name) &&
                g_strcmp0(o->parent, def->parent_name) == 0) {
                b = g_steal_pointer(&old->pdata[k]);
                next = k + 1;
                break;
            }
        }
        if (!b)
            b = qemuCheckpointIndexBlockNew(def);
        qemuCheckpointIndexPut(s, b->text, b->len);
        g_ptr_array_add(blocks, b);
    }
    g_hash_table_replace(qemuCheckpointBlocks, g_strdup(dir), blocks);
    g_mutex_unlock(&qemuCheckpointBlocksLock);
    /* not synced: an index a crash damaged or left behind does not
     * match the directory, and is rebuilt */
    return virFileRewriteStrFull(path, 0600, s->buf, false);
}

/* ---- reading -------------------------------------------------------------- */

/* Split the line at @p (up to the newline, which is replaced) into at
 * most @max blank-separated tokens, unescaped in place; the number of
 * tokens, -1 if malformed.  *@next gets the start of the next line. */
static int
qemuCheckpointIndexTokens(char *p, char **tok, int max, char **next)
{
    char *end = strchr(p, '\n');
    int n = 0;

    if (end)
        *end = '\0';
    *next = end ? end + 1 : p + strlen(p);
    while (*p) {
        char *sp = strchr(p, ' ');

        if (n == max)
            return -1;
        if (sp)
            *sp = '\0';
        tok[n] = p;
        if (n > 0 && (!*p || !qemuCheckpointIndexUnescape(p)))
            return -1;
        n++;
        if (!sp)
            break;
        p = sp + 1;
    }
    return n;
}

/* Parse the index text (modified in place) into a list; NULL if it is
 * malformed or was not made from the directory as it is (@stamp). */
static virDomainCheckpointObjList *
qemuCheckpointIndexParse(char *text, const qemuCheckpointIndexDirStamp *stamp)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    g_autoptr(virDomainCheckpointDef) def = NULL;
    g_autofree char *current = NULL;
    bool sawDirectory = false;
    char *line = text;
    char *next;
    char *tok[6];
    int ntok;

    if ((ntok = qemuCheckpointIndexTokens(line, tok, 2, &next)) != 2 ||
        !g_str_equal(tok[0], QEMU_CHECKPOINT_INDEX_MAGIC) ||
        !g_str_equal(tok[1], QEMU_CHECKPOINT_INDEX_VERSION))
        return NULL;
    for (line = next; *line; line = next) {
        int key;

        if ((ntok = qemuCheckpointIndexTokens(line, tok, G_N_ELEMENTS(tok), &next)) < 0)
            return NULL;
        if (ntok == 0)
            continue;
        if ((key = qemuCheckpointIndexKeyTypeFromString(tok[0])) < 0)
            return NULL;

        switch ((qemuCheckpointIndexKey) key) {
        case QEMU_CHECKPOINT_INDEX_KEY_DIRECTORY:
            if (ntok != 5 || sawDirectory ||
                g_ascii_strtoull(tok[1], NULL, 10) != stamp->dev ||
                g_ascii_strtoull(tok[2], NULL, 10) != stamp->ino ||
                g_ascii_strtoll(tok[3], NULL, 10) != stamp->sec ||
                g_ascii_strtoll(tok[4], NULL, 10) != stamp->nsec)
                return NULL;
            sawDirectory = true;
            break;
        case QEMU_CHECKPOINT_INDEX_KEY_CURRENT:
            if (ntok != 2 || current)
                return NULL;
            current = g_strdup(tok[1]);
            break;
        case QEMU_CHECKPOINT_INDEX_KEY_CHECKPOINT:
            if (!sawDirectory || ntok != 3)
                return NULL;
            if (def && !virDomainCheckpointObjListAdd(list, &def)) {
                virResetLastError();
                return NULL;
            }
            def = virDomainCheckpointDefNew();
            def->name = g_strdup(tok[1]);
            def->creationTime = g_ascii_strtoll(tok[2], NULL, 10);
            break;
        case QEMU_CHECKPOINT_INDEX_KEY_PARENT:
            if (!def || ntok != 2 || def->parent_name)
                return NULL;
            def->parent_name = g_strdup(tok[1]);
            break;
        case QEMU_CHECKPOINT_INDEX_KEY_DESCRIPTION:
            if (!def || ntok > 2 || def->description)
                return NULL;
            def->description = g_strdup(ntok == 2 ? tok[1] : "");
            break;
        case QEMU_CHECKPOINT_INDEX_KEY_DISK: {
            virDomainCheckpointDiskDef *disk;
            int type;

            if (!def || ntok < 3 || ntok > 4 ||
                (type = virDomainCheckpointTypeFromString(tok[2])) < 0)
                return NULL;
            def->disks = g_renew(virDomainCheckpointDiskDef, def->disks, def->ndisks + 1);
            disk = &def->disks[def->ndisks++];
            memset(disk, 0, sizeof(*disk));
            disk->name = g_strdup(tok[1]);
            disk->type = type;
            disk->bitmap = ntok == 4 ? g_strdup(tok[3]) : NULL;
            break;
        }
        case QEMU_CHECKPOINT_INDEX_KEY_LAST:
            return NULL;
        }
    }
    if (def && !virDomainCheckpointObjListAdd(list, &def)) {
        virResetLastError();
        return NULL;
    }
    if (!sawDirectory)
        return NULL;
    if (virDomainCheckpointObjListUpdateRelations(list) < 0) {
        virResetLastError();
        return NULL;
    }
    if (current) {
        virDomainCheckpointObj *cur = virDomainCheckpointObjListFindByName(list, current);

        if (!cur)
            return NULL;
        virDomainCheckpointObjListSetCurrent(list, cur);
    }
    return g_steal_pointer(&list);
}

virDomainCheckpointObjList *
qemuCheckpointIndexLoad(const char *dir)
{
    g_autofree char *path = qemuCheckpointIndexPath(dir);
    g_autofree char *text = NULL;
    qemuCheckpointIndexDirStamp stamp;
    virDomainCheckpointObjList *list;

    if (!qemuCheckpointIndexDirStampGet(dir, &stamp) ||
        !g_file_get_contents(path, &text, NULL, NULL))
        return NULL;
    if (!(list = qemuCheckpointIndexParse(text, &stamp)))
        VIR_DEBUG("checkpoint index '%s' does not match '%s'", path, dir);
    return list;
}

/* ---- lists kept between calls -------------------------------------------- */

/* Directories kept at most; beyond, the cache starts afresh. */
#define QEMU_CHECKPOINT_KEPT_MAX 16

/* What says that neither the directory nor the index changed: any
 * change rewrites the index (a new file) as its last step, and any file
 * written or removed in the directory changes its modification time. */
typedef struct {
    dev_t dev;
    ino_t dirIno;
    struct timespec dirMtime;
    ino_t indexIno;
    off_t indexSize;
    struct timespec indexMtime;
} qemuCheckpointKeptKey;

typedef struct {
    qemuCheckpointKeptKey key;
    virDomainCheckpointObjList *list;   /* one reference */
} qemuCheckpointKept;

static GMutex qemuCheckpointKeptLock;
static GHashTable *qemuCheckpointKeptCache;   /* dir -> qemuCheckpointKept */

static void
qemuCheckpointKeptFree(gpointer p)
{
    qemuCheckpointKept *kept = p;

    virDomainCheckpointObjListFree(kept->list);
    g_free(kept);
}

static bool
qemuCheckpointKeptKeyGet(const char *dir, qemuCheckpointKeptKey *key)
{
    g_autofree char *index = qemuCheckpointIndexPath(dir);
    struct stat d, i;

    if (stat(dir, &d) < 0 || stat(index, &i) < 0)
        return false;
    memset(key, 0, sizeof(*key));
    key->dev = d.st_dev;
    key->dirIno = d.st_ino;
    key->dirMtime = d.st_mtim;
    key->indexIno = i.st_ino;
    key->indexSize = i.st_size;
    key->indexMtime = i.st_mtim;
    return true;
}

static bool
qemuCheckpointKeptKeyEqual(const qemuCheckpointKeptKey *a, const qemuCheckpointKeptKey *b)
{
    return a->dev == b->dev && a->dirIno == b->dirIno &&
           a->dirMtime.tv_sec == b->dirMtime.tv_sec &&
           a->dirMtime.tv_nsec == b->dirMtime.tv_nsec &&
           a->indexIno == b->indexIno && a->indexSize == b->indexSize &&
           a->indexMtime.tv_sec == b->indexMtime.tv_sec &&
           a->indexMtime.tv_nsec == b->indexMtime.tv_nsec;
}

/* Keep @list (a reference is taken) as the checkpoints of @dir now;
 * lock held. */
static void
qemuCheckpointKeepLocked(const char *dir, const qemuCheckpointKeptKey *key,
                         virDomainCheckpointObjList *list)
{
    qemuCheckpointKept *kept = g_new0(qemuCheckpointKept, 1);

    if (!qemuCheckpointKeptCache ||
        g_hash_table_size(qemuCheckpointKeptCache) >= QEMU_CHECKPOINT_KEPT_MAX) {
        g_clear_pointer(&qemuCheckpointKeptCache, g_hash_table_unref);
        qemuCheckpointKeptCache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                        qemuCheckpointKeptFree);
    }
    kept->key = *key;
    kept->list = virDomainCheckpointObjListRef(list);
    g_hash_table_replace(qemuCheckpointKeptCache, g_strdup(dir), kept);
}

/* The list kept for @dir if it still matches; lock held. */
static qemuCheckpointKept *
qemuCheckpointKeptLookupLocked(const char *dir, const qemuCheckpointKeptKey *key)
{
    qemuCheckpointKept *kept;

    if (!qemuCheckpointKeptCache ||
        !(kept = g_hash_table_lookup(qemuCheckpointKeptCache, dir)))
        return NULL;
    if (!qemuCheckpointKeptKeyEqual(&kept->key, key)) {
        g_hash_table_remove(qemuCheckpointKeptCache, dir);
        return NULL;
    }
    return kept;
}

virDomainCheckpointObjList *
qemuCheckpointIndexLoadShared(const char *dir)
{
    qemuCheckpointKeptKey key, after;
    qemuCheckpointKept *kept;
    virDomainCheckpointObjList *list;

    if (!qemuCheckpointKeptKeyGet(dir, &key))
        return NULL;
    g_mutex_lock(&qemuCheckpointKeptLock);
    if ((kept = qemuCheckpointKeptLookupLocked(dir, &key))) {
        list = virDomainCheckpointObjListRef(kept->list);
        g_mutex_unlock(&qemuCheckpointKeptLock);
        return list;
    }
    g_mutex_unlock(&qemuCheckpointKeptLock);

    if (!(list = qemuCheckpointIndexLoad(dir)))
        return NULL;
    /* keep it only if nothing changed while it was read */
    if (qemuCheckpointKeptKeyGet(dir, &after) && qemuCheckpointKeptKeyEqual(&key, &after)) {
        g_mutex_lock(&qemuCheckpointKeptLock);
        qemuCheckpointKeepLocked(dir, &key, list);
        g_mutex_unlock(&qemuCheckpointKeptLock);
    }
    return list;
}

virDomainCheckpointObjList *
qemuCheckpointIndexTake(const char *dir)
{
    qemuCheckpointKeptKey key;
    qemuCheckpointKept *kept;
    virDomainCheckpointObjList *list = NULL;

    if (!qemuCheckpointKeptKeyGet(dir, &key))
        return NULL;
    g_mutex_lock(&qemuCheckpointKeptLock);
    if ((kept = qemuCheckpointKeptLookupLocked(dir, &key)) &&
        !virDomainCheckpointObjListIsShared(kept->list)) {
        list = g_steal_pointer(&kept->list);
        g_hash_table_remove(qemuCheckpointKeptCache, dir);
    }
    g_mutex_unlock(&qemuCheckpointKeptLock);
    return list;
}

void
qemuCheckpointIndexKeep(const char *dir, virDomainCheckpointObjList *list)
{
    qemuCheckpointKeptKey key;

    if (!qemuCheckpointKeptKeyGet(dir, &key))
        return;
    g_mutex_lock(&qemuCheckpointKeptLock);
    qemuCheckpointKeepLocked(dir, &key, list);
    g_mutex_unlock(&qemuCheckpointKeptLock);
}

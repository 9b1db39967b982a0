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

static void
qemuCheckpointIndexAppendValue(GString *s, const char *value)
{
    const unsigned char *p;
    const unsigned char *plain = (const unsigned char *) value;

    g_string_append_c(s, ' ');
    for (p = plain; *p; p++) {
        if (*p > ' ' && *p != '%' && *p != 0x7f)
            continue;
        g_string_append_len(s, (const char *) plain, p - plain);
        g_string_append_printf(s, "%%%02X", *p);
        plain = p + 1;
    }
    g_string_append_len(s, (const char *) plain, p - plain);
}

static void
qemuCheckpointIndexAppendNumber(GString *s, long long n)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    char *p = buf + sizeof(buf);
    unsigned long long u = n < 0 ? -(unsigned long long) n : (unsigned long long) n;

    *--p = '\0';
    do {
        *--p = '0' + u % 10;
        u /= 10;
    } while (u);
    if (n < 0)
        *--p = '-';
    g_string_append_c(s, ' ');
    g_string_append(s, p);
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
qemuCheckpointIndexAppendKey(GString *s, qemuCheckpointIndexKey key)
{
    g_string_append(s, qemuCheckpointIndexKeyTypeToString(key));
}

/* ---- writing -------------------------------------------------------------- */

int
qemuCheckpointIndexWrite(const char *dir, virDomainCheckpointObjList *list)
{
    g_autofree char *path = qemuCheckpointIndexPath(dir);
    g_autofree virDomainCheckpointObj **objs = NULL;
    g_autoptr(GString) s = g_string_new(QEMU_CHECKPOINT_INDEX_MAGIC " "
                                        QEMU_CHECKPOINT_INDEX_VERSION "\n");
    const char *current = virDomainCheckpointObjListGetCurrentName(list);
    qemuCheckpointIndexDirStamp stamp;
    int n, i;
    size_t d;

    /* the directory as the change left it: the index is written last */
    if (!qemuCheckpointIndexDirStampGet(dir, &stamp)) {
        virReportSystemError(errno, _("cannot look at checkpoint directory '%s'"), dir);
        return -1;
    }
    /* in the list's order, which the next load keeps */
    if ((n = virDomainCheckpointObjListGetAll(list, NULL, &objs, 0)) < 0)
        return -1;

    qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DIRECTORY);
    g_string_append_printf(s, " %llu %llu %lld %lld\n", stamp.dev, stamp.ino,
                           stamp.sec, stamp.nsec);
    if (current) {
        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_CURRENT);
        qemuCheckpointIndexAppendValue(s, current);
        g_string_append_c(s, '\n');
    }
    for (i = 0; i < n; i++) {
        const virDomainCheckpointDef *def = objs[i]->def;

        qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_CHECKPOINT);
        qemuCheckpointIndexAppendValue(s, def->name);
        qemuCheckpointIndexAppendNumber(s, def->creationTime);
        g_string_append_c(s, '\n');
        if (def->parent_name) {
            qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_PARENT);
            qemuCheckpointIndexAppendValue(s, def->parent_name);
            g_string_append_c(s, '\n');
        }
        if (def->description) {
            qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DESCRIPTION);
            if (*def->description)
                qemuCheckpointIndexAppendValue(s, def->description);
            g_string_append_c(s, '\n');
        }
        for (d = 0; d < def->ndisks; d++) {
            const virDomainCheckpointDiskDef *disk = &def->disks[d];

            qemuCheckpointIndexAppendKey(s, QEMU_CHECKPOINT_INDEX_KEY_DISK);
            qemuCheckpointIndexAppendValue(s, disk->name);
            qemuCheckpointIndexAppendValue(s, virDomainCheckpointTypeToString(disk->type));
            if (disk->bitmap)
                qemuCheckpointIndexAppendValue(s, disk->bitmap);
            g_string_append_c(s, '\n');
        }
    }
    /* not synced: an index a crash damaged or left behind does not
     * match the directory, and is rebuilt */
    return virFileRewriteStrFull(path, 0600, s->str, false);
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

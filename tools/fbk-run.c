/*
 * fbk-run.c: fleece-backup run — one pull backup into the repository
 *
 *   1. lock the domain's part of the repository, finish or roll back
 *      what an interrupted command left (journal), remove orphans;
 *   2. choose each disk's level: full, or incremental/differential since
 *      the checkpoint of the point it builds on — with 'auto', full when
 *      that chain is unusable, with the reason;
 *   3. journal the point number, the checkpoint name and the private
 *      directories, then virDomainBackupBegin (pull, unix socket in a
 *      0700 directory, scratch images in another) with the new
 *      checkpoint;
 *   4. read every disk over NBD (fbk-nbd.c) into its data file;
 *   5. virDomainBackupEnd (virDomainAbortJob where that is missing);
 *   6. write each disk's map, then the point's index: the commit;
 *   7. delete this repository's checkpoints no chain needs any more,
 *      remove the journal and the directories.
 *
 * A failure after 3 ends the backup, deletes the new checkpoint and the
 * point's files; a process killed at any instant leaves the journal, and
 * the next command does the same from it (fbkRecover).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "fbk.h"

#define FBK_CHECKPOINT_PREFIX "fbk-"
#define FBK_TMP_PREFIX "fleece-backup-"
#define FBK_EXPORT_BITMAP_PREFIX "backup-"

/* ---- small XML readers -------------------------------------------------------- */

typedef struct {
    xmlDocPtr doc;
    xmlXPathContextPtr ctx;
} fbkXML;

static void
fbkXMLClear(fbkXML *x)
{
    xmlXPathFreeContext(x->ctx);
    xmlFreeDoc(x->doc);
    x->ctx = NULL;
    x->doc = NULL;
}

static int
fbkXMLParse(fbkXML *x, const char *text, GError **error)
{
    x->doc = xmlReadMemory(text, strlen(text), "input.xml", NULL,
                           XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    if (!x->doc || !(x->ctx = xmlXPathNewContext(x->doc))) {
        fbkXMLClear(x);
        g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED, _("cannot parse XML from the library"));
        return -1;
    }
    return 0;
}

/* The nodes matching expr (relative to the context node). */
static xmlXPathObjectPtr
fbkXMLNodes(fbkXML *x, const char *expr)
{
    xmlXPathObjectPtr res = xmlXPathEvalExpression((const xmlChar *) expr, x->ctx);

    if (res && (!res->nodesetval || res->type != XPATH_NODESET)) {
        xmlXPathFreeObject(res);
        return NULL;
    }
    return res;
}

/* An attribute of node, or NULL. */
static char *
fbkXMLAttr(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetProp(node, (const xmlChar *) name);
    char *ret = v ? g_strdup((const char *) v) : NULL;

    xmlFree(v);
    return ret;
}

static xmlNodePtr
fbkXMLChild(xmlNodePtr node, const char *name)
{
    xmlNodePtr c;

    for (c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && g_str_equal((const char *) c->name, name))
            return c;
    }
    return NULL;
}

/* ---- the domain's disks -------------------------------------------------------- */

typedef struct {
    char *name;
    char *format;
    bool readonly;
} fbkDomDisk;

static void
fbkDomDiskFree(fbkDomDisk *d)
{
    if (!d)
        return;
    g_free(d->name);
    g_free(d->format);
    g_free(d);
}

static GPtrArray *
fbkDomainDisks(virDomainPtr dom, GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autoptr(GPtrArray) disks = g_ptr_array_new_with_free_func((GDestroyNotify) fbkDomDiskFree);
    fbkXML x = { 0 };
    xmlXPathObjectPtr res;
    int i;

    if (!xml) {
        fbkErrorLibvirt(error, _("cannot read the XML of domain '%s'"), virDomainGetName(dom));
        return NULL;
    }
    if (fbkXMLParse(&x, xml, error) < 0)
        return NULL;
    if ((res = fbkXMLNodes(&x, "/domain/devices/disk"))) {
        for (i = 0; i < res->nodesetval->nodeNr; i++) {
            xmlNodePtr n = res->nodesetval->nodeTab[i];
            g_autofree char *device = fbkXMLAttr(n, "device");
            xmlNodePtr target = fbkXMLChild(n, "target");
            xmlNodePtr driver = fbkXMLChild(n, "driver");
            fbkDomDisk *d;

            if ((device && !g_str_equal(device, "disk")) || !target)
                continue;
            d = g_new0(fbkDomDisk, 1);
            d->name = fbkXMLAttr(target, "dev");
            d->format = driver ? fbkXMLAttr(driver, "type") : NULL;
            if (!d->format)
                d->format = g_strdup("raw");
            d->readonly = fbkXMLChild(n, "readonly") != NULL;
            if (!d->name) {
                fbkDomDiskFree(d);
                continue;
            }
            g_ptr_array_add(disks, d);
        }
        xmlXPathFreeObject(res);
    }
    fbkXMLClear(&x);
    return g_steal_pointer(&disks);
}

/* The server socket of the running backup, or NULL. */
static char *
fbkBackupSocket(virDomainPtr dom)
{
    g_autofree char *xml = virDomainBackupGetXMLDesc(dom, 0);
    fbkXML x = { 0 };
    xmlXPathObjectPtr res;
    char *sock = NULL;

    if (!xml) {
        virResetLastError();
        return NULL;
    }
    if (fbkXMLParse(&x, xml, NULL) < 0)
        return NULL;
    if ((res = fbkXMLNodes(&x, "/domainbackup/server"))) {
        if (res->nodesetval->nodeNr == 1)
            sock = fbkXMLAttr(res->nodesetval->nodeTab[0], "socket");
        xmlXPathFreeObject(res);
    }
    fbkXMLClear(&x);
    return sock;
}

/* Which disks of a checkpoint are usable for an incremental backup:
 * the ones it tracks whose size it can report (an unusable bitmap has
 * none).  NULL and *unusable set when the checkpoint is unusable as a
 * whole. */
static GHashTable *
fbkCheckpointUsableDisks(virDomainCheckpointPtr cp, char **unusable, GError **error)
{
    g_autofree char *xml = virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_SIZE);
    g_autoptr(GHashTable) usable = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    bool sizes = true;
    fbkXML x = { 0 };
    xmlXPathObjectPtr res;
    int i;

    if (!xml) {
        if (virGetLastErrorCode() == VIR_ERR_CHECKPOINT_INCONSISTENT) {
            *unusable = g_strdup(virGetLastErrorMessage());
            virResetLastError();
            return NULL;
        }
        /* a driver without sizes: trust the checkpoint, begin will tell */
        virResetLastError();
        sizes = false;
        if (!(xml = virDomainCheckpointGetXMLDesc(cp, 0))) {
            fbkErrorLibvirt(error, _("cannot read checkpoint '%s'"),
                            virDomainCheckpointGetName(cp));
            return NULL;
        }
    }
    if (fbkXMLParse(&x, xml, error) < 0)
        return NULL;
    if ((res = fbkXMLNodes(&x, "/domaincheckpoint/disks/disk"))) {
        for (i = 0; i < res->nodesetval->nodeNr; i++) {
            xmlNodePtr n = res->nodesetval->nodeTab[i];
            g_autofree char *name = fbkXMLAttr(n, "name");
            g_autofree char *how = fbkXMLAttr(n, "checkpoint");
            g_autofree char *size = fbkXMLAttr(n, "size");

            if (name && (!how || g_str_equal(how, "bitmap")) && (size || !sizes))
                g_hash_table_add(usable, g_steal_pointer(&name));
        }
        xmlXPathFreeObject(res);
    }
    fbkXMLClear(&x);
    return g_steal_pointer(&usable);
}

/* ---- the plan ------------------------------------------------------------------ */

typedef struct {
    fbkDomDisk *dd;
    fbkLevel level;
    fbkPoint *basePoint;
    char *since;
    char *reason;
    bool tracked;
    char *scratch;
    int dataFd;
    fbkNBDReadResult res;
    double seconds;
    fbkPointDisk *result;
} fbkRunDisk;

static void
fbkRunDiskFree(fbkRunDisk *rd)
{
    if (!rd)
        return;
    if (rd->dataFd >= 0)
        close(rd->dataFd);
    fbkNBDReadResultClear(&rd->res);
    g_free(rd->since);
    g_free(rd->reason);
    g_free(rd->scratch);
    fbkPointDiskFree(rd->result);
    g_free(rd);
}

typedef struct {
    const fbkRunArgs *args;
    fbkDomainRepo *dr;
    virConnectPtr conn;
    virDomainPtr dom;
    char uuid[VIR_UUID_STRING_BUFLEN];
    GPtrArray *domDisks;            /* fbkDomDisk */
    GPtrArray *disks;               /* fbkRunDisk, the ones backed up */
    guint number;
    char *checkpoint;               /* NULL: no disk can carry one */
    char *socketDir;
    char *scratchDir;
    char *socket;
    bool reuseScratch;              /* the scratch images are ours */
    bool began;
    gint64 time;
} fbkRun;

/* The latest point holding disk (of the level taken, or any). */
static fbkPoint *
fbkRunLatestWith(fbkDomainRepo *dr, const char *disk, bool fullOnly)
{
    gint i;

    for (i = dr->points->len - 1; i >= 0; i--) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);
        fbkPointDisk *d = fbkPointFindDisk(p, disk);

        if (d && (!fullOnly || d->taken == FBK_LEVEL_FULL))
            return p;
    }
    return NULL;
}

/* Why disk cannot build on its base point (NULL: it can). */
static char *
fbkRunWhyNotIncremental(fbkRun *run, fbkRunDisk *rd, GHashTable *checked)
{
    fbkDomainRepo *dr = run->dr;
    const char *name = rd->dd->name;
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GError) err = NULL;
    fbkPointDisk *bd;
    fbkPoint *base;
    GHashTable *usable;

    if (!rd->tracked)
        return g_strdup_printf(_("disk '%s' is %s: it cannot carry checkpoints"), name,
                               rd->dd->readonly ? _("read-only") : rd->dd->format);
    base = fbkRunLatestWith(dr, name, rd->level == FBK_LEVEL_DIFF);
    if (!base)
        return g_strdup_printf(rd->level == FBK_LEVEL_DIFF ?
                               _("the repository has no full backup of disk '%s'") :
                               _("the repository has no backup of disk '%s'"), name);
    bd = fbkPointFindDisk(base, name);
    if (g_strcmp0(base->uuid, run->uuid) != 0)
        return g_strdup_printf(_("domain '%s' is not the one point %u was taken of (its UUID changed)"),
                               dr->name, base->number);
    if (!bd->tracked || !base->checkpoint)
        return g_strdup_printf(_("point %u has no checkpoint for disk '%s'"), base->number, name);
    if (!(chain = fbkChainGet(dr, base, name, &err)))
        return g_strdup_printf(_("the chain of point %u is unusable: %s"), base->number,
                               err->message);

    rd->basePoint = base;
    rd->since = g_strdup(base->checkpoint);
    if (!g_hash_table_contains(checked, base->checkpoint)) {
        virDomainCheckpointPtr cp = virDomainCheckpointLookupByName(run->dom,
                                                                     base->checkpoint, 0);
        char *why = NULL;

        if (!cp) {
            why = g_strdup_printf(_("checkpoint '%s' of point %u no longer exists"),
                                  base->checkpoint, base->number);
            virResetLastError();
            g_hash_table_insert(checked, g_strdup(base->checkpoint), NULL);
            g_hash_table_insert(checked, g_strdup_printf("why:%s", base->checkpoint), why);
        } else {
            usable = fbkCheckpointUsableDisks(cp, &why, &err);
            if (!usable && !why)
                why = g_strdup(err->message);
            g_hash_table_insert(checked, g_strdup(base->checkpoint), usable);
            if (why)
                g_hash_table_insert(checked, g_strdup_printf("why:%s", base->checkpoint), why);
            virDomainCheckpointFree(cp);
        }
    }
    usable = g_hash_table_lookup(checked, base->checkpoint);
    if (!usable) {
        g_autofree char *key = g_strdup_printf("why:%s", base->checkpoint);

        return g_strdup(g_hash_table_lookup(checked, key));
    }
    if (!g_hash_table_contains(usable, name))
        return g_strdup_printf(_("checkpoint '%s' of point %u is unusable on disk '%s' (its bitmap is missing or inconsistent)"),
                               base->checkpoint, base->number, name);
    return NULL;
}

static void
fbkCheckedFree(gpointer key, gpointer value, gpointer opaque G_GNUC_UNUSED)
{
    if (g_str_has_prefix(key, "why:"))
        g_free(value);
    else if (value)
        g_hash_table_unref(value);
}

static int
fbkRunPlan(fbkRun *run, GError **error)
{
    const fbkRunArgs *args = run->args;
    g_autoptr(GHashTable) checked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    guint i, j;
    int ret = -1;

    run->disks = g_ptr_array_new_with_free_func((GDestroyNotify) fbkRunDiskFree);
    for (i = 0; args->disks && args->disks[i]; i++) {
        bool found = false;

        for (j = 0; j < i; j++) {
            if (g_str_equal(args->disks[i], args->disks[j])) {
                g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                            _("disk '%s' given twice"), args->disks[i]);
                goto cleanup;
            }
        }
        for (j = 0; j < run->domDisks->len; j++)
            found |= g_str_equal(((fbkDomDisk *) g_ptr_array_index(run->domDisks, j))->name,
                                 args->disks[i]);
        if (!found) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("domain '%s' has no disk '%s'"), run->dr->name, args->disks[i]);
            goto cleanup;
        }
    }
    for (i = 0; i < run->domDisks->len; i++) {
        fbkDomDisk *dd = g_ptr_array_index(run->domDisks, i);
        fbkRunDisk *rd;
        g_autofree char *why = NULL;

        if (args->disks && !g_strv_contains((const char *const *) args->disks, dd->name))
            continue;
        if (!fbkNameValid(dd->name) || g_str_equal(dd->name, "points")) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("disk name '%s' cannot be stored"), dd->name);
            goto cleanup;
        }
        rd = g_new0(fbkRunDisk, 1);
        rd->dataFd = -1;
        rd->dd = dd;
        rd->level = args->level;
        rd->tracked = g_str_equal(dd->format, "qcow2") && !dd->readonly;
        g_ptr_array_add(run->disks, rd);
        if (rd->level == FBK_LEVEL_FULL) {
            rd->reason = g_strdup(_("full backup requested"));
            continue;
        }
        if (rd->level == FBK_LEVEL_AUTO)
            rd->level = FBK_LEVEL_INC;
        if (!(why = fbkRunWhyNotIncremental(run, rd, checked))) {
            rd->reason = g_strdup_printf(_("changes since checkpoint '%s' of point %u"),
                                         rd->since, rd->basePoint->number);
            continue;
        }
        if (args->level != FBK_LEVEL_AUTO) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("cannot take a %s backup of disk '%s': %s (use --level full or auto)"),
                        args->level == FBK_LEVEL_DIFF ? _("differential") : _("incremental"),
                        dd->name, why);
            goto cleanup;
        }
        rd->level = FBK_LEVEL_FULL;
        rd->basePoint = NULL;
        g_clear_pointer(&rd->since, g_free);
        rd->reason = g_steal_pointer(&why);
    }
    if (run->disks->len == 0) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("domain '%s' has no disk to back up"), run->dr->name);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    g_hash_table_foreach(checked, fbkCheckedFree, NULL);
    return ret;
}

/* ---- begin ------------------------------------------------------------------------ */

static char *
fbkRunBackupXML(fbkRun *run)
{
    g_autoptr(GString) s = g_string_new("<domainbackup mode='pull'>\n");
    guint i, j;

    g_string_append_printf(s, "  <server transport='unix' socket='%s'/>\n  <disks>\n", run->socket);
    for (i = 0; i < run->domDisks->len; i++) {
        fbkDomDisk *dd = g_ptr_array_index(run->domDisks, i);
        fbkRunDisk *rd = NULL;

        for (j = 0; j < run->disks->len; j++) {
            if (((fbkRunDisk *) g_ptr_array_index(run->disks, j))->dd == dd)
                rd = g_ptr_array_index(run->disks, j);
        }
        if (!rd) {
            g_string_append_printf(s, "    <disk name='%s' backup='no'/>\n", dd->name);
            continue;
        }
        /* export and bitmap named here, as the server would name them:
         * no need to ask for them afterwards */
        g_string_append_printf(s, "    <disk name='%s' backup='yes' type='file' exportname='%s'",
                               dd->name, dd->name);
        if (rd->level == FBK_LEVEL_FULL)
            g_string_append(s, " backupmode='full'");
        else
            g_string_append_printf(s, " backupmode='incremental' incremental='%s' "
                                   "exportbitmap='" FBK_EXPORT_BITMAP_PREFIX "%s'",
                                   rd->since, dd->name);
        g_string_append_printf(s, ">\n      <scratch file='%s'/>\n    </disk>\n", rd->scratch);
    }
    g_string_append(s, "  </disks>\n</domainbackup>\n");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
fbkRunCheckpointXML(fbkRun *run)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i, j;

    g_string_append_printf(s, "<domaincheckpoint>\n  <name>%s</name>\n"
                           "  <description>fleece-backup point %u</description>\n  <disks>\n",
                           run->checkpoint, run->number);
    for (i = 0; i < run->domDisks->len; i++) {
        fbkDomDisk *dd = g_ptr_array_index(run->domDisks, i);
        bool track = false;

        for (j = 0; j < run->disks->len; j++) {
            fbkRunDisk *rd = g_ptr_array_index(run->disks, j);

            track |= rd->dd == dd && rd->tracked;
        }
        g_string_append_printf(s, "    <disk name='%s' checkpoint='%s'/>\n", dd->name,
                               track ? "bitmap" : "no");
    }
    g_string_append(s, "  </disks>\n</domaincheckpoint>\n");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static json_object *
fbkRunJournal(fbkRun *run)
{
    json_object *j = json_object_new_object();

    json_object_object_add(j, "op", json_object_new_string("run"));
    json_object_object_add(j, "pid", json_object_new_int((int) getpid()));
    json_object_object_add(j, "point", json_object_new_int64(run->number));
    if (run->checkpoint)
        json_object_object_add(j, "checkpoint", json_object_new_string(run->checkpoint));
    json_object_object_add(j, "socket-dir", json_object_new_string(run->socketDir));
    json_object_object_add(j, "scratch-dir", json_object_new_string(run->scratchDir));
    return j;
}

/* Begin with the guest's file systems frozen by the caller (libvirt's
 * own API has no quiesce flag for a backup). */
static int
fbkRunBeginFrozen(fbkRun *run, const char *bxml, const char *cxml, unsigned int flags)
{
    int rc;

    if (virDomainFSFreeze(run->dom, NULL, 0, 0) < 0)
        return -1;
    rc = virDomainBackupBegin(run->dom, bxml, cxml, flags);
    if (virDomainFSThaw(run->dom, NULL, 0, 0) < 0) {
        g_autofree char *msg = g_strdup(virGetLastErrorMessage());

        fbkWarn(_("cannot thaw the guest's file systems: %s"), msg);
        if (rc == 0)
            virResetLastError();
    }
    return rc;
}

static int
fbkRunBeginOnce(fbkRun *run, const char *bxml, const char *cxml)
{
    unsigned int flags = run->reuseScratch ? VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL : 0;

    if (!run->args->quiesce)
        return virDomainBackupBegin(run->dom, bxml, cxml, flags);
#ifdef FBK_HAVE_BACKUP_QUIESCE
    if (virDomainBackupBegin(run->dom, bxml, cxml,
                             flags | VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) == 0)
        return 0;
    /* a server without Fleece's flag */
    if (!(virGetLastErrorCode() == VIR_ERR_INVALID_ARG &&
          strstr(virGetLastErrorMessage(), "flags")))
        return -1;
#endif
    return fbkRunBeginFrozen(run, bxml, cxml, flags);
}

/* Make each disk's scratch image (an empty qcow2 of the disk's size):
 * no process to spawn for it.  The size is the one the disk had at its
 * latest point; a disk never backed up, or one whose size is unknown,
 * leaves it to the server (false).  A size that changed since makes the
 * begin fail, and it is retried with images the server makes. */
static bool
fbkRunMakeScratch(fbkRun *run)
{
    guint i;

    for (i = 0; i < run->disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run->disks, i);

        if (!fbkRunLatestWith(run->dr, rd->dd->name, false))
            return false;
    }
    for (i = 0; i < run->disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run->disks, i);
        fbkPoint *p = fbkRunLatestWith(run->dr, rd->dd->name, false);
        g_autoptr(fbkQcow2Writer) w = NULL;
        g_autoptr(GError) err = NULL;
        int fd;

        if ((fd = open(rd->scratch, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
            return false;
        w = fbkQcow2WriterNew(fd, fbkPointFindDisk(p, rd->dd->name)->size);
        if (fbkQcow2WriterFinish(w, &err) < 0) {
            close(fd);
            return false;
        }
        close(fd);
    }
    return true;
}

static void
fbkRunRemoveScratch(fbkRun *run)
{
    guint i;

    for (i = 0; i < run->disks->len; i++)
        unlink(((fbkRunDisk *) g_ptr_array_index(run->disks, i))->scratch);
}

static int
fbkRunBegin(fbkRun *run, GError **error)
{
    g_autofree char *bxml = NULL;
    g_autofree char *cxml = NULL;
    bool retried = false;
    guint i;

    if (!(run->reuseScratch = fbkRunMakeScratch(run)))
        fbkRunRemoveScratch(run);
 again:
    g_free(bxml);
    bxml = fbkRunBackupXML(run);
    g_clear_pointer(&cxml, g_free);
    if (run->checkpoint)
        cxml = fbkRunCheckpointXML(run);
    if (fbkRunBeginOnce(run, bxml, cxml) == 0) {
        run->began = true;
        run->time = g_get_real_time() / G_USEC_PER_SEC;
        return 0;
    }
    /* our scratch images did not fit (a disk changed size): the
     * server makes them */
    if (run->reuseScratch) {
        fbkRunRemoveScratch(run);
        run->reuseScratch = false;
        virResetLastError();
        goto again;
    }
    /* auto: a checkpoint gone bad between the plan and the begin */
    if (run->args->level == FBK_LEVEL_AUTO && !retried &&
        (virGetLastErrorCode() == VIR_ERR_CHECKPOINT_INCONSISTENT ||
         virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT)) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());

        for (i = 0; i < run->disks->len; i++) {
            fbkRunDisk *rd = g_ptr_array_index(run->disks, i);

            if (rd->level == FBK_LEVEL_FULL)
                continue;
            rd->level = FBK_LEVEL_FULL;
            rd->basePoint = NULL;
            g_clear_pointer(&rd->since, g_free);
            g_free(rd->reason);
            rd->reason = g_strdup(why);
        }
        retried = true;
        goto again;
    }
    fbkErrorLibvirt(error, _("cannot begin the backup of domain '%s'"), run->dr->name);
    return -1;
}

/* End the pull backup: virDomainBackupEnd is Fleece's; libvirt ends a
 * pull backup with virDomainAbortJob. */
static int
fbkBackupEnd(virDomainPtr dom, GError **error)
{
#ifdef FBK_HAVE_BACKUP_END
    int code;

    if (virDomainBackupEnd(dom, 0) == 0)
        return 0;
    code = virGetLastErrorCode();
    if (code != VIR_ERR_NO_SUPPORT && code != VIR_ERR_OPERATION_UNSUPPORTED &&
        code != VIR_ERR_RPC) {
        fbkErrorLibvirt(error, _("cannot end the backup of domain '%s'"), virDomainGetName(dom));
        return -1;
    }
#endif
    if (virDomainAbortJob(dom) == 0)
        return 0;
    fbkErrorLibvirt(error, _("cannot end the backup of domain '%s'"), virDomainGetName(dom));
    return -1;
}

/* After the end: did the job fail (QEMU reported an error)? */
static int
fbkBackupCheckCompleted(virDomainPtr dom, GError **error)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;
    const char *msg = NULL;

    if (virDomainGetJobStats(dom, &type, &params, &nparams,
                             VIR_DOMAIN_JOB_STATS_COMPLETED) < 0) {
        virResetLastError();
        return 0;
    }
    if (type == VIR_DOMAIN_JOB_FAILED) {
        virTypedParamsGetString(params, nparams, VIR_DOMAIN_JOB_ERRMSG, &msg);
        g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED, _("the backup job failed: %s"),
                    msg ? msg : _("no reason given"));
        virTypedParamsFree(params, nparams);
        return -1;
    }
    virTypedParamsFree(params, nparams);
    return 0;
}

/* ---- reading and committing ------------------------------------------------------ */

/* Read one disk into its data file (left unsynced: fbkRunFinishDisk
 * syncs it while the backup ends). */
static int
fbkRunReadDisk(fbkRun *run, fbkRunDisk *rd, GError **error)
{
    const fbkRunArgs *args = run->args;
    g_autofree char *diskdir = fbkDomainRepoPath(run->dr, rd->dd->name);
    g_autofree char *dataRel = g_strdup_printf("%s/%08u.data", rd->dd->name, run->number);
    g_autofree char *dataPath = fbkDomainRepoPath(run->dr, dataRel);
    g_autofree char *label = NULL;
    g_autofree char *summary = NULL;
    g_autofree char *sizeText = NULL;
    fbkProgressCounter counter = { 0, 0 };
    fbkNBDReadParams params = { 0 };
    fbkProgress *prog;
    gint64 t0 = g_get_monotonic_time();
    guint64 size = 0;
    g_autofree char *bitmap = g_strdup_printf(FBK_EXPORT_BITMAP_PREFIX "%s", rd->dd->name);
    int rc;

    params.socket = run->socket;
    params.exportName = rd->dd->name;
    params.connections = args->connections;
    params.requestSize = args->requestSize;
    params.depth = args->depth;
    params.rateLimit = args->rateLimit;
    params.progress = &counter;

    /* a disk whose size changed since its base is read in full */
    if (rd->level != FBK_LEVEL_FULL) {
        fbkPointDisk *bd = fbkPointFindDisk(rd->basePoint, rd->dd->name);

        if (fbkNBDExportSize(&params, &size, error) < 0)
            return -1;
        if (size != bd->size) {
            g_autofree char *was = fbkFormatSize(bd->size);
            g_autofree char *now = fbkFormatSize(size);

            if (args->level != FBK_LEVEL_AUTO) {
                g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                            _("disk '%s' changed size since point %u (%s, now %s): use --level full or auto"),
                            rd->dd->name, rd->basePoint->number, was, now);
                return -1;
            }
            rd->level = FBK_LEVEL_FULL;
            rd->basePoint = NULL;
            g_clear_pointer(&rd->since, g_free);
            g_free(rd->reason);
            rd->reason = g_strdup_printf(_("disk '%s' changed size (%s, now %s)"),
                                         rd->dd->name, was, now);
        } else {
            params.bitmap = bitmap;
        }
    }

    if (!g_file_test(diskdir, G_FILE_TEST_IS_DIR)) {
        if (g_mkdir_with_parents(diskdir, 0755) < 0) {
            fbkErrorSystem(error, errno, _("cannot create '%s'"), diskdir);
            return -1;
        }
        if (fbkFsyncDir(run->dr->dir, error) < 0)
            return -1;
    }
    if ((rd->dataFd = open(dataPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), dataPath);
        return -1;
    }
    params.dataFd = rd->dataFd;
    label = g_strdup_printf("%s (%s)", rd->dd->name, fbkLevelToString(rd->level));
    prog = fbkProgressStart(label, &counter);
    rc = fbkNBDRead(&params, &rd->res, error);
    rd->seconds = (g_get_monotonic_time() - t0) / 1e6;

    sizeText = fbkFormatSize(rd->res.bytesRead);
    if (rc == 0 && rd->level == FBK_LEVEL_FULL)
        summary = g_strdup_printf(_("%s: full (%s), %s read in %.2f s"), rd->dd->name,
                                  rd->reason, sizeText, rd->seconds);
    else if (rc == 0)
        summary = g_strdup_printf(_("%s: %s since point %u, %s read in %.2f s"), rd->dd->name,
                                  fbkLevelToString(rd->level), rd->basePoint->number,
                                  sizeText, rd->seconds);
    fbkProgressEnd(prog, summary);
    return rc;
}

/* Sync the data file, write the map and compute the disk's digest. */
static int
fbkRunFinishDisk(fbkRun *run, fbkRunDisk *rd, GError **error)
{
    g_autofree char *diskdir = fbkDomainRepoPath(run->dr, rd->dd->name);
    g_autofree char *dataRel = g_strdup_printf("%s/%08u.data", rd->dd->name, run->number);
    g_autofree char *mapRel = g_strdup_printf("%s/%08u.map", rd->dd->name, run->number);
    g_autofree char *mapPath = fbkDomainRepoPath(run->dr, mapRel);
    g_autoptr(GArray) before = NULL;
    g_autoptr(GArray) now = NULL;
    const fbkNBDReadResult *res = &rd->res;
    fbkPointDisk *pd;

    if (fsync(rd->dataFd) < 0) {
        fbkErrorSystem(error, errno, _("cannot sync '%s'"), dataRel);
        return -1;
    }
    close(rd->dataFd);
    rd->dataFd = -1;

    pd = g_new0(fbkPointDisk, 1);
    rd->result = pd;
    pd->name = g_strdup(rd->dd->name);
    pd->level = pd->taken = rd->level;
    pd->base = rd->basePoint ? rd->basePoint->number : 0;
    pd->since = g_strdup(rd->since);
    pd->reason = g_strdup(rd->reason);
    pd->tracked = rd->tracked && run->checkpoint;
    pd->size = res->size;
    pd->map = g_strdup(mapRel);
    pd->data = g_strdup(dataRel);
    pd->dataSize = res->dataSize;
    pd->nrecords = res->records->len;
    pd->bytesRead = res->bytesRead;
    pd->seconds = rd->seconds;
    pd->merged = g_ptr_array_new_with_free_func(g_free);

    if (fbkMapWrite(mapPath, res->size, (const fbkRecord *) res->records->data,
                    res->records->len, &pd->mapDigest, error) < 0 ||
        fbkFsyncDir(diskdir, error) < 0)
        return -1;

    /* the digest of the disk at this point: its base's, overlaid */
    if (rd->basePoint) {
        g_autoptr(GPtrArray) chain = fbkChainGet(run->dr, rd->basePoint, pd->name, error);

        if (!chain || !(before = fbkResolve(run->dr, chain, error)))
            return -1;
    }
    now = fbkResolveOverlay(before, (const fbkRecord *) res->records->data,
                            res->records->len, 0);
    pd->digest = fbkResolvedDigest(now);
    return 0;
}

typedef struct {
    fbkRun *run;
    GError *error;
} fbkFinishJob;

static gpointer
fbkRunFinishThread(gpointer opaque)
{
    fbkFinishJob *job = opaque;
    guint i;

    for (i = 0; i < job->run->disks->len && !job->error; i++)
        fbkRunFinishDisk(job->run, g_ptr_array_index(job->run->disks, i), &job->error);
    return NULL;
}

/* End the backup while the data files are synced and the maps written
 * (both wait for something else: QEMU, the disk). */
static int
fbkRunEndAndFinish(fbkRun *run, GError **error)
{
    fbkFinishJob job = { run, NULL };
    GThread *t = g_thread_new("fbk-finish", fbkRunFinishThread, &job);
    int rc;

    run->began = false;
    rc = fbkBackupEnd(run->dom, error);
    if (rc == 0)
        rc = fbkBackupCheckCompleted(run->dom, error);
    g_thread_join(t);
    if (job.error) {
        if (rc == 0)
            g_propagate_error(error, job.error);
        else
            g_error_free(job.error);
        return -1;
    }
    return rc;
}

static void fbkRunRemoveFiles(fbkRun *run);

static int
fbkRunCommit(fbkRun *run, gint64 t0, GError **error)
{
    g_autoptr(fbkPoint) p = g_new0(fbkPoint, 1);
    guint i;

    p->number = run->number;
    p->domain = g_strdup(run->dr->name);
    p->uuid = g_strdup(run->uuid);
    p->time = run->time;
    p->checkpoint = g_strdup(run->checkpoint);
    p->seconds = (g_get_monotonic_time() - t0) / 1e6;
    p->disks = g_ptr_array_new_with_free_func((GDestroyNotify) fbkPointDiskFree);
    for (i = 0; i < run->disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run->disks, i);

        g_ptr_array_add(p->disks, g_steal_pointer(&rd->result));
    }
    if (fbkDomainRepoWritePoint(run->dr, p, error) < 0)
        return -1;
    return fbkDomainRepoLoad(run->dr, error);
}

/* ---- checkpoints ------------------------------------------------------------------- */

/* Delete this repository's checkpoints no chain needs: each disk needs
 * the checkpoint of its latest point (incremental) and of its latest
 * full point (differential).  Failures are warnings. */
static void
fbkCheckpointsPrune(fbkDomainRepo *dr, virDomainPtr dom)
{
    g_autoptr(GHashTable) needed = g_hash_table_new(g_str_hash, g_str_equal);
    g_autofree char *prefix = g_strdup_printf(FBK_CHECKPOINT_PREFIX "%s-", dr->repo->id);
    virDomainCheckpointPtr *cps = NULL;
    int n, i;
    guint j, k;

    for (j = 0; j < dr->points->len; j++) {
        fbkPoint *p = g_ptr_array_index(dr->points, j);

        for (k = 0; k < p->disks->len; k++) {
            fbkPointDisk *d = g_ptr_array_index(p->disks, k);
            fbkPoint *latest = fbkRunLatestWith(dr, d->name, false);
            fbkPoint *full = fbkRunLatestWith(dr, d->name, true);

            if (latest && latest->checkpoint)
                g_hash_table_add(needed, latest->checkpoint);
            if (full && full->checkpoint)
                g_hash_table_add(needed, full->checkpoint);
        }
    }
    if ((n = virDomainListAllCheckpoints(dom, &cps, 0)) < 0) {
        fbkWarn(_("cannot list the checkpoints of domain '%s': %s"), dr->name,
                virGetLastErrorMessage());
        return;
    }
    for (i = 0; i < n; i++) {
        const char *name = virDomainCheckpointGetName(cps[i]);

        if (g_str_has_prefix(name, prefix) && !g_hash_table_contains(needed, name) &&
            virDomainCheckpointDelete(cps[i], 0) < 0)
            fbkWarn(_("cannot delete checkpoint '%s': %s"), name, virGetLastErrorMessage());
        virDomainCheckpointFree(cps[i]);
    }
    g_free(cps);
}

void
fbkCheckpointsCleanup(fbkDomainRepo *dr)
{
    g_autoptr(GError) err = NULL;
    virConnectPtr conn = fbkConnect(&err);
    virDomainPtr dom;

    if (!conn) {
        fbkWarn(_("cannot delete the checkpoints no point needs: %s"), err->message);
        return;
    }
    if ((dom = virDomainLookupByName(conn, dr->name))) {
        fbkCheckpointsPrune(dr, dom);
        virDomainFree(dom);
    }
    virConnectClose(conn);
}

/* Delete a checkpoint this repository created, if it exists. */
static int
fbkCheckpointDeleteIfAny(virDomainPtr dom, const char *name, GError **error)
{
    virDomainCheckpointPtr cp;
    int rc;

    if (!name)
        return 0;
    if (!(cp = virDomainCheckpointLookupByName(dom, name, 0))) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT) {
            virResetLastError();
            return 0;
        }
        fbkErrorLibvirt(error, _("cannot look up checkpoint '%s'"), name);
        return -1;
    }
    rc = virDomainCheckpointDelete(cp, 0);
    if (rc < 0)
        fbkErrorLibvirt(error, _("cannot delete checkpoint '%s'"), name);
    virDomainCheckpointFree(cp);
    return rc;
}

/* A temporary directory this tool made (as the journal names it). */
static void
fbkRemoveTmpDir(const char *dir)
{
    g_autofree char *base = dir ? g_path_get_basename(dir) : NULL;

    if (base && g_str_has_prefix(base, FBK_TMP_PREFIX) && g_path_is_absolute(dir))
        fbkRemoveTree(dir);
}

/* ---- recovery ------------------------------------------------------------------------ */

static int
fbkRecoverRun(fbkDomainRepo *dr, virConnectPtr conn, json_object *j, GError **error)
{
    guint number = fbkJSONInt(j, "point", 0);
    const char *checkpoint = fbkJSONString(j, "checkpoint");
    const char *socketDir = fbkJSONString(j, "socket-dir");
    bool committed = number && fbkDomainRepoFindPoint(dr, number);
    virConnectPtr own = NULL;
    virDomainPtr dom;
    int ret = -1;

    if (!conn && !(conn = own = fbkConnect(error))) {
        g_prefix_error(error, _("cannot recover the interrupted run of domain '%s': "),
                       dr->name);
        return -1;
    }
    if ((dom = virDomainLookupByName(conn, dr->name))) {
        g_autofree char *sock = fbkBackupSocket(dom);

        /* its export may still be open; a backup the driver cannot end
         * any more is reported, and the next begin says why it fails */
        if (sock && socketDir && g_str_has_prefix(sock, socketDir)) {
            g_autoptr(GError) err = NULL;

            if (fbkBackupEnd(dom, &err) < 0)
                fbkWarn(_("cannot end the backup of the interrupted run: %s"), err->message);
        }
        if (!committed && fbkCheckpointDeleteIfAny(dom, checkpoint, error) < 0)
            goto cleanup;
        if (committed)
            fbkCheckpointsPrune(dr, dom);
    } else if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN) {
        fbkErrorLibvirt(error, _("cannot find domain '%s'"), dr->name);
        goto cleanup;
    }
    virResetLastError();
    fbkRemoveTmpDir(socketDir);
    fbkRemoveTmpDir(fbkJSONString(j, "scratch-dir"));
    if (!committed)
        fbkInfo(_("rolled back the interrupted run of point %u of domain '%s'\n"),
                number, dr->name);
    ret = 0;

 cleanup:
    if (dom)
        virDomainFree(dom);
    if (own)
        virConnectClose(own);
    return ret;
}

/* Finish an interrupted prune: remove the dropped points nothing builds
 * on any more, newest first; the others stay (the merge did not happen). */
static int
fbkRecoverPrune(fbkDomainRepo *dr, json_object *j, GError **error)
{
    json_object *drop = NULL;
    gint i;

    if (json_object_object_get_ex(j, "drop", &drop) &&
        json_object_is_type(drop, json_type_array)) {
        for (i = json_object_array_length(drop) - 1; i >= 0; i--) {
            guint n = json_object_get_int64(json_object_array_get_idx(drop, i));
            bool needed = false;
            guint k, l;

            if (!fbkDomainRepoFindPoint(dr, n))
                continue;
            for (k = 0; k < dr->points->len; k++) {
                fbkPoint *p = g_ptr_array_index(dr->points, k);

                for (l = 0; l < p->disks->len; l++) {
                    fbkPointDisk *d = g_ptr_array_index(p->disks, l);

                    needed |= d->level != FBK_LEVEL_FULL && d->base == n;
                }
            }
            if (needed)
                continue;
            if (fbkDomainRepoRemovePoint(dr, n, error) < 0 ||
                fbkDomainRepoLoad(dr, error) < 0)
                return -1;
        }
    }
    return 0;
}

int
fbkRecover(fbkDomainRepo *dr, virConnectPtr conn, GError **error)
{
    json_object *j;
    const char *op;
    int rc = 0;

    if (!(j = fbkJournalRead(dr, error))) {
        if (error && *error)
            return -1;
        return fbkDomainRepoRemoveOrphans(dr, NULL, error);
    }
    op = fbkJSONString(j, "op");
    if (g_strcmp0(op, "run") == 0)
        rc = fbkRecoverRun(dr, conn, j, error);
    else if (g_strcmp0(op, "prune") == 0)
        rc = fbkRecoverPrune(dr, j, error);
    json_object_put(j);
    if (rc < 0 || fbkJournalRemove(dr, error) < 0)
        return -1;
    return fbkDomainRepoRemoveOrphans(dr, NULL, error);
}

/* ---- the command --------------------------------------------------------------------- */

static void
fbkRunRemoveFiles(fbkRun *run)
{
    guint i;

    for (i = 0; run->disks && i < run->disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run->disks, i);
        g_autofree char *base = g_strdup_printf("%s/%08u", rd->dd->name, run->number);
        g_autofree char *data = g_strdup_printf("%s.data", base);
        g_autofree char *map = g_strdup_printf("%s.map", base);
        g_autofree char *dp = fbkDomainRepoPath(run->dr, data);
        g_autofree char *mp = fbkDomainRepoPath(run->dr, map);

        unlink(dp);
        unlink(mp);
    }
}

/* Undo a run that failed after its journal was written. */
static void
fbkRunRollback(fbkRun *run)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *index = fbkPointIndexPath(run->dr, run->number);

    /* the index made it to disk: the point is committed, the journal
     * stays for the next command to finish the clean-up */
    if (g_file_test(index, G_FILE_TEST_EXISTS))
        return;

    if (run->began && fbkBackupEnd(run->dom, &err) < 0) {
        fbkWarn("%s", err->message);
        g_clear_error(&err);
    }
    if (fbkCheckpointDeleteIfAny(run->dom, run->checkpoint, &err) < 0) {
        /* the journal stays: the next command tries again */
        fbkWarn(_("%s; the next run deletes it"), err->message);
        return;
    }
    fbkRunRemoveFiles(run);
    fbkRemoveTmpDir(run->socketDir);
    fbkRemoveTmpDir(run->scratchDir);
    if (fbkJournalRemove(run->dr, &err) < 0)
        fbkWarn("%s", err->message);
}

static json_object *
fbkRunResult(fbkRun *run, gint64 t0)
{
    json_object *res = json_object_new_object();
    json_object *disks = json_object_new_array();
    fbkPoint *p = fbkDomainRepoFindPoint(run->dr, run->number);
    guint i;

    json_object_object_add(res, "domain", json_object_new_string(run->dr->name));
    json_object_object_add(res, "point", json_object_new_int64(run->number));
    if (run->checkpoint)
        json_object_object_add(res, "checkpoint", json_object_new_string(run->checkpoint));
    json_object_object_add(res, "seconds",
                           json_object_new_double((g_get_monotonic_time() - t0) / 1e6));
    for (i = 0; p && i < p->disks->len; i++) {
        fbkPointDisk *d = g_ptr_array_index(p->disks, i);
        json_object *dj = json_object_new_object();

        json_object_object_add(dj, "name", json_object_new_string(d->name));
        json_object_object_add(dj, "level", json_object_new_string(fbkLevelToString(d->level)));
        if (d->base)
            json_object_object_add(dj, "base", json_object_new_int64(d->base));
        json_object_object_add(dj, "reason", json_object_new_string(d->reason));
        json_object_object_add(dj, "size", json_object_new_int64(d->size));
        json_object_object_add(dj, "bytes-read", json_object_new_int64(d->bytesRead));
        json_object_object_add(dj, "bytes-stored", json_object_new_int64(d->dataSize));
        json_object_object_add(dj, "seconds", json_object_new_double(d->seconds));
        json_object_object_add(dj, "bytes-per-second",
                               json_object_new_double(d->seconds > 0 ? d->bytesRead / d->seconds : 0));
        json_object_array_add(disks, dj);
    }
    json_object_object_add(res, "disks", disks);
    return res;
}

/* The name of a private directory, chosen before it is made (so that the
 * journal names it before it exists). */
static char *
fbkTmpDirName(const char *parent)
{
    static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    char suffix[11];
    size_t i;

    for (i = 0; i < sizeof(suffix) - 1; i++)
        suffix[i] = chars[g_random_int_range(0, sizeof(chars) - 1)];
    suffix[sizeof(suffix) - 1] = '\0';
    return g_strdup_printf("%s/" FBK_TMP_PREFIX "%s", parent, suffix);
}

/* Make it, 0700; an existing one (someone else's) is an error, as with
 * mkdtemp. */
static int
fbkTmpDirCreate(const char *path, GError **error)
{
    if (mkdir(path, 0700) < 0) {
        fbkErrorSystem(error, errno, _("cannot create the private directory '%s'"), path);
        return -1;
    }
    return 0;
}

int
fbkCmdRun(const fbkRunArgs *args, json_object **result, GError **error)
{
    g_autoptr(fbkRepo) repo = NULL;
    g_autoptr(fbkDomainRepo) dr = NULL;
    gint64 t0 = g_get_monotonic_time();
    fbkRun run = { 0 };
    json_object *journal;
    int active;
    guint i;
    int ret = -1;

    run.args = args;
    if (!(run.conn = fbkConnect(error)))
        return -1;
    if (!(run.dom = virDomainLookupByName(run.conn, args->domain))) {
        fbkErrorLibvirt(error, _("cannot find domain '%s'"), args->domain);
        goto cleanup;
    }
    if ((active = virDomainIsActive(run.dom)) < 0) {
        fbkErrorLibvirt(error, _("cannot get the state of domain '%s'"), args->domain);
        goto cleanup;
    }
    if (!active) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("domain '%s' is not running: a pull backup needs a running domain"),
                    args->domain);
        goto cleanup;
    }
    if (virDomainGetUUIDString(run.dom, run.uuid) < 0) {
        fbkErrorLibvirt(error, _("cannot get the UUID of domain '%s'"), args->domain);
        goto cleanup;
    }
    if (!(run.domDisks = fbkDomainDisks(run.dom, error)))
        goto cleanup;
    if (!(repo = fbkRepoOpen(args->repo, true, error)) ||
        !(dr = fbkDomainRepoOpen(repo, args->domain, true, FBK_LOCK_EXCLUSIVE, error)))
        goto cleanup;
    run.dr = dr;
    if (fbkRecover(dr, run.conn, error) < 0 || fbkRunPlan(&run, error) < 0)
        goto cleanup;

    run.number = fbkDomainRepoNextNumber(dr);
    for (i = 0; i < run.disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run.disks, i);

        /* unique per attempt: a bitmap an interrupted attempt left in an
         * image (without metadata) never collides with it */
        if (rd->tracked && !run.checkpoint)
            run.checkpoint = g_strdup_printf(FBK_CHECKPOINT_PREFIX "%s-%u-%04x", repo->id,
                                             run.number, g_random_int_range(0, 0x10000));
    }
    run.socketDir = fbkTmpDirName(g_get_tmp_dir());
    run.scratchDir = fbkTmpDirName(args->scratchDir ? args->scratchDir : "/var/tmp");
    run.socket = g_build_filename(run.socketDir, "nbd.sock", NULL);
    for (i = 0; i < run.disks->len; i++) {
        fbkRunDisk *rd = g_ptr_array_index(run.disks, i);
        g_autofree char *name = g_strdup_printf("%s.qcow2", rd->dd->name);

        rd->scratch = g_build_filename(run.scratchDir, name, NULL);
    }

    /* journal first: from here on a crash is rolled back by the next run */
    journal = fbkRunJournal(&run);
    if (fbkJournalWrite(dr, journal, error) < 0) {
        json_object_put(journal);
        goto cleanup;
    }
    json_object_put(journal);
    if (fbkTmpDirCreate(run.socketDir, error) < 0) {
        g_clear_pointer(&run.socketDir, g_free);    /* not ours to remove */
        goto rollback;
    }
    if (fbkTmpDirCreate(run.scratchDir, error) < 0) {
        g_clear_pointer(&run.scratchDir, g_free);
        goto rollback;
    }

    if (fbkRunBegin(&run, error) < 0)
        goto rollback;
    for (i = 0; i < run.disks->len; i++) {
        if (fbkRunReadDisk(&run, g_ptr_array_index(run.disks, i), error) < 0)
            goto rollback;
    }
    if (fbkRunEndAndFinish(&run, error) < 0)
        goto rollback;
    if (fbkCheckInterrupted(error) || fbkRunCommit(&run, t0, error) < 0)
        goto rollback;

    /* committed */
    fbkCheckpointsPrune(dr, run.dom);
    fbkRemoveTmpDir(run.socketDir);
    fbkRemoveTmpDir(run.scratchDir);
    if (fbkJournalRemove(dr, error) < 0)
        goto cleanup;
    fbkInfo(_("point %u of domain '%s' committed%s%s\n"), run.number, dr->name,
            run.checkpoint ? _(", checkpoint ") : "", run.checkpoint ? run.checkpoint : "");
    *result = fbkRunResult(&run, t0);
    ret = 0;
    goto cleanup;

 rollback:
    fbkRunRollback(&run);
 cleanup:
    if (run.disks)
        g_ptr_array_unref(run.disks);
    if (run.domDisks)
        g_ptr_array_unref(run.domDisks);
    g_free(run.checkpoint);
    g_free(run.socketDir);
    g_free(run.scratchDir);
    g_free(run.socket);
    if (run.dom)
        virDomainFree(run.dom);
    virConnectClose(run.conn);
    return ret;
}

/*
 * qemu_domain.c: loading and saving domains, reconciling dead processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu_domain.h"
#include "qemu_agent.h"
#include "qemu_backup.h"
#include "qemu_blockjob.h"
#include "qemu_snapshot.h"
#include "qemu_storage.h"
#include "libvirt/libvirt-domain.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.domain");

/* How long a change waits for another process's change of the same
 * domain to finish.  Holders never keep the lock across long jobs. */
#define QEMU_DOMAIN_LOCK_WAIT_MS 60000

/* Largest status or config file we read. */
#define QEMU_DOMAIN_FILE_MAX (16 * 1024 * 1024)

void
qemuDomainObjUnlock(qemuDomainObj *obj)
{
    if (!obj->lock)
        return;
    /* a change that leaves no domain of this name (undefined, a transient
     * one stopped, or never there) removes the lock file as its very last
     * step; see virfilelock.h */
    if (!obj->active && !obj->persistent && !obj->driver->readonly &&
        virFileLockRemoveFile(obj->lock) < 0) {
        VIR_WARN("%s", virGetLastErrorMessage());
        virResetLastError();
    }
    g_clear_pointer(&obj->lock, virFileLockRelease);
}

void
qemuDomainObjFree(qemuDomainObj *obj)
{
    if (!obj)
        return;
    g_free(obj->name);
    virDomainDefFree(obj->def);
    virDomainDefFree(obj->newDef);
    qemuDomainJobObjClear(&obj->job);
    qemuBackupStateFree(obj->backup);
    if (obj->blockjobs)
        g_ptr_array_unref(obj->blockjobs);
    qemuStorageDaemonFree(obj->storage);
    qemuDomainObjUnlock(obj);
    g_free(obj);
}

static int
qemuDomainObjSaveJobHook(void *opaque)
{
    return qemuDomainObjSaveStatus(opaque);
}

qemuDomainObj *
qemuDomainObjNew(qemuDriver *driver, const char *name)
{
    qemuDomainObj *obj = g_new0(qemuDomainObj, 1);
    qemuDomainJobHooks hooks = { .save = qemuDomainObjSaveJobHook };

    obj->driver = driver;
    obj->name = g_strdup(name);
    obj->id = -1;
    obj->state = VIR_DOMAIN_SHUTOFF;
    obj->reason = VIR_DOMAIN_SHUTOFF_UNKNOWN;
    obj->nextIndex = 1;
    qemuDomainJobObjInit(&obj->job, &hooks, obj);
    return obj;
}

static virDomainDef *
qemuDomainReadConfig(qemuDriver *driver, const char *name)
{
    g_autofree char *path = qemuDriverConfigPath(driver, name);
    g_autofree char *xml = NULL;

    if (!virFileExists(path))
        return NULL;
    if (virFileReadAll(path, QEMU_DOMAIN_FILE_MAX, &xml) < 0)
        return NULL;
    return virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE);
}

/* A number attribute of <domstatus> no larger than max: 1 with *value
 * set, 0 when absent, -1 (reported) when malformed or out of range.  A
 * value that does not fit would come back different from the next
 * load. */
static int
qemuDomainStatusNumber(xmlNodePtr node, const char *path, const char *name,
                       unsigned long long max, unsigned long long *value)
{
    int rc = virXMLPropULongLong(node, name, value);

    if (rc > 0 && *value > max) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("status file '%s': value '%llu' of '%s' is out of range"),
                       path, *value, name);
        return -1;
    }
    return rc;
}

int
qemuDomainObjParseStatus(qemuDomainObj *obj, const char *xml, const char *path)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *active = NULL;
    g_autofree char *persistent = NULL;
    unsigned long long v;
    xmlNodePtr dom;
    int rc;

    if (!(doc = virXMLParseString(xml, path, "domstatus", &ctxt)))
        return -1;

    active = virXMLPropString(ctxt->node, "active");
    persistent = virXMLPropString(ctxt->node, "persistent");
    obj->active = active && g_str_equal(active, "yes");
    obj->persistent = persistent && g_str_equal(persistent, "yes");
    if ((rc = qemuDomainStatusNumber(ctxt->node, path, "state",
                                     VIR_DOMAIN_PMSUSPENDED, &v)) < 0)
        return -1;
    if (rc > 0)
        obj->state = v;
    if ((rc = qemuDomainStatusNumber(ctxt->node, path, "reason", G_MAXINT, &v)) < 0)
        return -1;
    if (rc > 0)
        obj->reason = v;
    if (qemuDomainJobParse(ctxt, &obj->job) < 0)
        return -1;
    if (!obj->active) {
        /* a backup of the shut-off domain, in the storage daemon */
        if (qemuStorageDaemonParse(doc, ctxt, &obj->storage, &obj->nextIndex) < 0 ||
            qemuBackupStateParse(doc, ctxt, &obj->backup) < 0)
            return -1;
        return 0;
    }

    if ((rc = qemuDomainStatusNumber(ctxt->node, path, "pid", G_MAXINT, &v)) < 0)
        return -1;
    if (rc > 0)
        obj->pid = v;
    if ((rc = qemuDomainStatusNumber(ctxt->node, path, "starttime", G_MAXUINT64, &v)) < 0)
        return -1;
    if (rc > 0)
        obj->starttime = v;
    {
        /* -1 is the id of a domain that has none */
        g_autofree char *id = virXMLPropString(ctxt->node, "id");
        gint64 sv = 0;

        if (id && !g_ascii_string_to_signed(id, 10, -1, G_MAXINT, &sv, NULL)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("status file '%s': invalid id '%s'"), path, id);
            return -1;
        }
        if (id)
            obj->id = sv;
    }
    if ((rc = qemuDomainStatusNumber(ctxt->node, path, "nextIndex", G_MAXUINT, &v)) < 0)
        return -1;
    if (rc > 0)
        obj->nextIndex = v;
    if (qemuBackupStateParse(doc, ctxt, &obj->backup) < 0 ||
        qemuBlockJobsParse(ctxt, &obj->blockjobs) < 0)
        return -1;
    if (!(dom = virXPathNode("./domain", ctxt))) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("status file '%s' has no domain definition"), path);
        return -1;
    }
    virDomainDefFree(obj->def);
    if (!(obj->def = virDomainDefParseNode(doc, dom, VIR_DOMAIN_DEF_PARSE_STATUS)))
        return -1;
    obj->def->id = obj->id;
    return 0;
}

/* Read ROOT/run/NAME.xml into obj.  0 if absent, 1 if read, -1 error. */
static int
qemuDomainReadStatus(qemuDomainObj *obj)
{
    g_autofree char *path = qemuDriverStatusPath(obj->driver, obj->name);
    g_autofree char *xml = NULL;

    if (!virFileExists(path))
        return 0;
    if (virFileReadAll(path, QEMU_DOMAIN_FILE_MAX, &xml) < 0)
        return -1;
    if (qemuDomainObjParseStatus(obj, xml, path) < 0)
        return -1;
    return 1;
}

/* Rewrite @path with @content unless it holds it already (a status is
 * saved at every look at a running job). */
static int
qemuDomainObjWriteIfChanged(const char *path, const char *content)
{
    g_autofree char *old = NULL;

    if (virFileExists(path)) {
        virErrorPtr orig = NULL;
        int rc;

        virErrorPreserveLast(&orig);
        if ((rc = virFileReadAll(path, 16 * 1024 * 1024, &old)) < 0)
            virResetLastError();
        virErrorRestore(&orig);
        if (rc >= 0 && g_str_equal(old, content))
            return 0;
    }
    return virFileRewriteStr(path, 0600, content);
}

char *
qemuDomainObjFormatStatus(qemuDomainObj *obj)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virBufferAsprintf(&buf, "<domstatus active='%s' persistent='%s' state='%d' reason='%d'",
                      obj->active ? "yes" : "no",
                      obj->persistent ? "yes" : "no",
                      obj->state, obj->reason);
    if (!obj->active) {
        virBufferAddLit(&buf, ">\n");
        virBufferAdjustIndent(&buf, 2);
        qemuDomainJobFormat(&buf, &obj->job);
        if (qemuStorageDaemonFormat(&buf, obj->storage, obj->nextIndex) < 0)
            return NULL;
        qemuBackupStateFormat(&buf, obj->backup);
        virBufferAdjustIndent(&buf, -2);
        virBufferAddLit(&buf, "</domstatus>\n");
    } else {
        virBufferAsprintf(&buf, " pid='%lld' starttime='%llu' id='%d' nextIndex='%u'>\n",
                          (long long) obj->pid, obj->starttime, obj->id,
                          obj->nextIndex);
        virBufferAdjustIndent(&buf, 2);
        qemuDomainJobFormat(&buf, &obj->job);
        qemuBackupStateFormat(&buf, obj->backup);
        qemuBlockJobsFormat(&buf, obj->blockjobs);
        if (virDomainDefFormatInternal(obj->def, &buf,
                                       VIR_DOMAIN_DEF_FORMAT_STATUS |
                                       VIR_DOMAIN_DEF_FORMAT_SECURE) < 0)
            return NULL;
        virBufferAdjustIndent(&buf, -2);
        virBufferAddLit(&buf, "</domstatus>\n");
    }
    return virBufferContentAndReset(&buf);
}

int
qemuDomainObjSaveStatus(qemuDomainObj *obj)
{
    g_autofree char *path = qemuDriverStatusPath(obj->driver, obj->name);
    g_autofree char *xml = NULL;

    if (!obj->active && !obj->persistent)
        return virFileRemove(path);
    if (!(xml = qemuDomainObjFormatStatus(obj)))
        return -1;
    return qemuDomainObjWriteIfChanged(path, xml);
}

int
qemuDomainObjSaveConfig(qemuDriver *driver, const virDomainDef *def)
{
    g_autofree char *path = qemuDriverConfigPath(driver, def->name);
    g_autofree char *xml = NULL;

    if (!(xml = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE |
                                        VIR_DOMAIN_DEF_FORMAT_SECURE)))
        return -1;
    return virFileRewriteStr(path, 0600, xml);
}

/* The marker of a guest frozen for a checkpoint or backup. */
static char *
qemuDomainFrozenPath(qemuDomainObj *obj)
{
    g_autofree char *file = g_strdup_printf("%s.frozen", obj->name);

    return g_build_filename(obj->driver->runDir, file, NULL);
}

void
qemuDomainObjRemoveRuntimeFiles(qemuDomainObj *obj)
{
    g_autofree char *mon = qemuDriverMonitorPath(obj->driver, obj->name);
    g_autofree char *agent = qemuDriverAgentPath(obj->driver, obj->name);
    g_autofree char *pid = qemuDriverPidPath(obj->driver, obj->name);
    g_autofree char *status = qemuDriverStatusPath(obj->driver, obj->name);

    g_autofree char *frozen = qemuDomainFrozenPath(obj);

    unlink(mon);
    unlink(agent);
    unlink(pid);
    unlink(frozen);
    if (obj->def && obj->def->agent_socket &&
        g_str_has_prefix(obj->def->agent_socket, obj->driver->runDir))
        unlink(obj->def->agent_socket);
    if (!obj->persistent)
        unlink(status);
}

/* ---- quiescing ---------------------------------------------------------- */

/* How long the agent may take to thaw a guest after a crash. */
#define QEMU_DOMAIN_RECOVER_THAW_MS 10000

qemuAgent *
qemuDomainFreeze(qemuDomainObj *obj)
{
    g_autofree char *marker = qemuDomainFrozenPath(obj);
    g_autoptr(qemuAgent) agent = NULL;

    if (!obj->def->has_agent || !obj->def->agent_socket) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("domain '%s' has no guest agent channel to quiesce through"),
                       obj->name);
        return NULL;
    }
    if (!(agent = qemuAgentOpen(obj->def->agent_socket, 0)))
        return NULL;
    /* the marker before the freeze: whoever finds it thaws */
    if (virFileRewriteStr(marker, 0600, "") < 0)
        return NULL;
    if (qemuAgentFSFreeze(agent, NULL) < 0) {
        virErrorPtr orig = NULL;

        /* a freeze that failed half-way may have frozen some */
        virErrorPreserveLast(&orig);
        if (qemuAgentFSThaw(agent) >= 0)
            unlink(marker);
        virErrorRestore(&orig);
        return NULL;
    }
    return g_steal_pointer(&agent);
}

void
qemuDomainThaw(qemuDomainObj *obj, qemuAgent *agent)
{
    g_autofree char *marker = qemuDomainFrozenPath(obj);
    virErrorPtr orig = NULL;

    virErrorPreserveLast(&orig);
    if (qemuAgentFSThaw(agent) < 0) {
        VIR_WARN("cannot thaw the file systems of domain '%s': %s", obj->name,
                 virGetLastErrorMessage());
    } else if (unlink(marker) < 0 && errno != ENOENT) {
        VIR_WARN("cannot remove '%s': %s", marker, g_strerror(errno));
    }
    qemuAgentClose(agent);
    virErrorRestore(&orig);
}

void
qemuDomainRecoverFreeze(qemuDomainObj *obj)
{
    g_autofree char *marker = qemuDomainFrozenPath(obj);
    g_autoptr(qemuAgent) agent = NULL;

    if (!virFileExists(marker))
        return;
    if (!obj->active || !obj->def->agent_socket) {
        unlink(marker);
        return;
    }
    VIR_WARN("thawing domain '%s', left frozen by a process that died", obj->name);
    if (!(agent = qemuAgentOpen(obj->def->agent_socket, QEMU_DOMAIN_RECOVER_THAW_MS)) ||
        qemuAgentFSThaw(agent) < 0) {
        VIR_WARN("cannot thaw domain '%s' yet: %s", obj->name, virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    unlink(marker);
}

bool
qemuDomainObjDisksOpen(qemuDomainObj *obj)
{
    return obj->active || obj->storage;
}

virDomainDef *
qemuDomainObjDisksDef(qemuDomainObj *obj)
{
    if (!obj->active && obj->storage)
        return obj->storage->def;
    return obj->def;
}

virDomainDef *
qemuDomainObjGetPersistentDef(qemuDomainObj *obj)
{
    if (obj->active)
        return obj->newDef;
    return obj->def;
}

/* The recorded QEMU is gone: the domain is off now.  Called with the lock. */
static void
qemuDomainObjReconcileDead(qemuDomainObj *obj)
{
    if (obj->backup)
        qemuBackupTerminateOnStop(obj, true, NULL);
    g_clear_pointer(&obj->blockjobs, g_ptr_array_unref);
    VIR_WARN("QEMU of domain '%s' (pid %lld) is gone; marking it crashed",
             obj->name, (long long) obj->pid);
    obj->active = false;
    obj->state = VIR_DOMAIN_SHUTOFF;
    obj->reason = VIR_DOMAIN_SHUTOFF_CRASHED;
    obj->pid = 0;
    obj->id = -1;
    qemuDomainObjRemoveRuntimeFiles(obj);
    if (obj->persistent) {
        virDomainDefFree(obj->def);
        obj->def = g_steal_pointer(&obj->newDef);
        if (qemuDomainObjSaveStatus(obj) < 0)
            VIR_WARN("cannot record the crash of domain '%s'", obj->name);
    }
}

/* With the lock: what a process killed in the middle of a change left
 * behind (half-written files, a frozen guest) is dealt with. */
static void
qemuDomainObjRecover(qemuDomainObj *obj)
{
    g_autofree char *status = qemuDriverStatusPath(obj->driver, obj->name);
    g_autofree char *config = qemuDriverConfigPath(obj->driver, obj->name);

    virFileRewriteCleanup(status);
    virFileRewriteCleanup(config);
    qemuDomainRecoverFreeze(obj);
    if (!obj->driver->readonly && qemuSnapshotHasJournal(obj))
        qemuSnapshotRecover(obj);
    if (!obj->driver->readonly && qemuBlockJobPivoting(obj) &&
        qemuBlockJobReconcile(obj, NULL) < 0) {
        VIR_WARN("cannot finish the pivot of domain '%s' yet: %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
}

/* Whether an unlocked load must take the lock to recover the above. */
static bool
qemuDomainObjNeedsRecovery(qemuDomainObj *obj)
{
    g_autofree char *status = qemuDriverStatusPath(obj->driver, obj->name);
    g_autofree char *config = qemuDriverConfigPath(obj->driver, obj->name);
    g_autofree char *frozen = qemuDomainFrozenPath(obj);

    return virFileRewriteLeftover(status) || virFileRewriteLeftover(config) ||
           virFileExists(frozen) || qemuSnapshotHasJournal(obj) ||
           qemuBlockJobPivoting(obj);
}

static bool
qemuDomainObjProcessAlive(qemuDomainObj *obj)
{
    virProcessIdentity ident = { .pid = obj->pid, .starttime = obj->starttime };

    return obj->pid > 0 && virProcessIdentityMatches(obj->pid, &ident);
}

/* Read both files into a fresh object. */
static qemuDomainObj *
qemuDomainObjRead(qemuDriver *driver, const char *name, bool *exists)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjNew(driver, name);
    g_autoptr(virDomainDef) config = NULL;
    g_autofree char *cfgpath = qemuDriverConfigPath(driver, name);
    bool hasConfig = virFileExists(cfgpath);
    int rc;

    *exists = false;
    if (hasConfig && !(config = qemuDomainReadConfig(driver, name)))
        return NULL;
    if ((rc = qemuDomainReadStatus(obj)) < 0)
        return NULL;
    obj->persistent = hasConfig;
    if (!hasConfig && (rc == 0 || !obj->active)) {
        *exists = false;
        return g_steal_pointer(&obj);
    }
    *exists = true;
    if (obj->active) {
        obj->newDef = g_steal_pointer(&config);
    } else {
        virDomainDefFree(obj->def);
        obj->def = g_steal_pointer(&config);
        obj->id = -1;
    }
    return g_steal_pointer(&obj);
}

qemuDomainObj *
qemuDomainObjLoad(qemuDriver *driver, const char *name, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(virFileLock) lock = NULL;
    bool exists = false;

    if (virNameValidate("domain", name) < 0)
        return NULL;

    if (flags & (QEMU_DOMAIN_LOAD_LOCK | QEMU_DOMAIN_LOAD_LOCK_QUERY)) {
        g_autofree char *path = NULL;

        if (driver->readonly && !(flags & QEMU_DOMAIN_LOAD_LOCK_QUERY)) {
            virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                           _("read-only connection cannot change a domain"));
            return NULL;
        }
        path = qemuDriverLockPath(driver, name);
        if (virFileLockAcquire(path, (flags & QEMU_DOMAIN_LOAD_LOCK) ? "change" : "query",
                               (flags & QEMU_DOMAIN_LOAD_NOWAIT) ? 0 : QEMU_DOMAIN_LOCK_WAIT_MS,
                               &lock) < 0)
            return NULL;
    }

    if (!(obj = qemuDomainObjRead(driver, name, &exists)))
        return NULL;
    obj->lock = g_steal_pointer(&lock);

    if (obj->active && !qemuDomainObjProcessAlive(obj)) {
        /* reconcile under the lock, from a fresh read */
        if (!obj->lock && !driver->readonly) {
            g_autoptr(qemuDomainObj) locked = NULL;

            locked = qemuDomainObjLoad(driver, name, QEMU_DOMAIN_LOAD_LOCK |
                                       (flags & QEMU_DOMAIN_LOAD_NOWAIT));
            if (locked) {
                qemuDomainObjUnlock(locked);
                return g_steal_pointer(&locked);
            }
            if (!(flags & QEMU_DOMAIN_LOAD_NOWAIT) ||
                virGetLastErrorCode() != VIR_ERR_RESOURCE_BUSY)
                return NULL;
            /* whoever holds the lock reconciles; report what is true */
            virResetLastError();
        }
        if (obj->lock && !driver->readonly)
            qemuDomainObjReconcileDead(obj);
        else {
            obj->active = false;
            obj->state = VIR_DOMAIN_SHUTOFF;
            obj->reason = VIR_DOMAIN_SHUTOFF_CRASHED;
        }
        exists = obj->persistent;
    }

    /* the storage daemon of a shut-off domain's backup died, or serves
     * nothing (a process died while starting or stopping it, or one is
     * starting or stopping it now, with the lock): whoever holds the lock
     * reconciles; a reader does not wait for it (a busy lock means the
     * holder is at work) and reports what it read */
    if (exists && qemuStorageDaemonNeedsReconcile(obj) && !driver->readonly) {
        if (!obj->lock) {
            g_autoptr(qemuDomainObj) locked = NULL;

            locked = qemuDomainObjLoad(driver, name, QEMU_DOMAIN_LOAD_LOCK |
                                       QEMU_DOMAIN_LOAD_NOWAIT |
                                       (flags & QEMU_DOMAIN_LOAD_QUIET));
            if (locked) {
                qemuDomainObjUnlock(locked);
                return g_steal_pointer(&locked);
            }
            if (virGetLastErrorCode() != VIR_ERR_RESOURCE_BUSY)
                return NULL;
            virResetLastError();
        } else {
            qemuStorageDaemonReconcile(obj);
        }
    }

    if (!exists) {
        if (!(flags & QEMU_DOMAIN_LOAD_QUIET))
            virReportError(VIR_ERR_NO_DOMAIN,
                           _("no domain with matching name '%s'"), name);
        return NULL;
    }
    if (!obj->lock && !driver->readonly && qemuDomainObjNeedsRecovery(obj)) {
        /* only when nobody holds the lock: a holder is alive and at work
         * (a FILE.new may be its write under way) */
        g_autoptr(qemuDomainObj) locked = NULL;

        locked = qemuDomainObjLoad(driver, name, flags | QEMU_DOMAIN_LOAD_LOCK |
                                                 QEMU_DOMAIN_LOAD_NOWAIT);
        if (locked) {
            qemuDomainObjUnlock(locked);
            return g_steal_pointer(&locked);
        }
        virResetLastError();
    }
    if (obj->lock && (flags & QEMU_DOMAIN_LOAD_LOCK) && !driver->readonly)
        qemuDomainObjRecover(obj);
    return g_steal_pointer(&obj);
}

qemuDomainObj *
qemuDomainObjLoadByUUID(qemuDriver *driver, const unsigned char *uuid,
                        unsigned int flags)
{
    g_auto(GStrv) names = qemuDriverListDomainNames(driver);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    size_t i;

    for (i = 0; names[i]; i++) {
        g_autoptr(qemuDomainObj) obj = NULL;

        obj = qemuDomainObjLoad(driver, names[i], QEMU_DOMAIN_LOAD_QUIET);
        if (!obj) {
            virResetLastError();
            continue;
        }
        if (memcmp(obj->def->uuid, uuid, VIR_UUID_BUFLEN) != 0)
            continue;
        if (!(flags & QEMU_DOMAIN_LOAD_LOCK))
            return g_steal_pointer(&obj);
        /* what was read unlocked may be gone by now: read again under
         * the lock, and keep it only if it is still the same domain */
        g_clear_pointer(&obj, qemuDomainObjFree);
        if (!(obj = qemuDomainObjLoad(driver, names[i], flags | QEMU_DOMAIN_LOAD_QUIET))) {
            if (virGetLastErrorCode() != VIR_ERR_OK)
                return NULL;
            continue;
        }
        if (memcmp(obj->def->uuid, uuid, VIR_UUID_BUFLEN) == 0)
            return g_steal_pointer(&obj);
    }
    if (!(flags & QEMU_DOMAIN_LOAD_QUIET))
        virReportError(VIR_ERR_NO_DOMAIN,
                       _("no domain with matching uuid '%s'"),
                       virUUIDFormat(uuid, uuidstr));
    return NULL;
}

int
qemuDomainAllocID(qemuDriver *driver)
{
    g_autofree char *lockpath = g_build_filename(driver->lockDir, ".ids.lock", NULL);
    g_autofree char *idpath = g_build_filename(driver->runDir, ".next-id", NULL);
    g_autoptr(virFileLock) lock = NULL;
    g_autofree char *content = NULL;
    g_autofree char *next = NULL;
    long id = 1;

    if (virFileLockAcquire(lockpath, "id", QEMU_DOMAIN_LOCK_WAIT_MS, &lock) < 0)
        return -1;
    if (virFileExists(idpath) && virFileReadAll(idpath, 64, &content) >= 0)
        id = strtol(content, NULL, 10);
    if (id < 1 || id >= G_MAXINT)
        id = 1;
    next = g_strdup_printf("%ld\n", id + 1);
    if (virFileRewriteStr(idpath, 0600, next) < 0)
        return -1;
    return id;
}

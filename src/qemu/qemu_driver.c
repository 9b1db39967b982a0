/*
 * qemu_driver.c: the public API implemented on the embedded QEMU driver
 *
 * Each entry point loads the domain from its files (under the per-domain
 * lock when it changes anything), acts on QEMU through a short-lived
 * monitor connection, writes the files back and releases the lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qemu_driver.h"
#include "qemu_agent.h"
#include "qemu_backup.h"
#include "qemu_conf.h"
#include "qemu_command.h"
#include "qemu_domain.h"
#include "qemu_event.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "datatypes.h"
#include "driver.h"
#include "viralloc.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virtypedparam.h"
/* BEGIN checkpoint-include */
#include "qemu_checkpoint.h"
#include "qemu_checkpoint_index.h"
/* END checkpoint-include */
#include "qemu_blockjob.h"
#include "qemu_snapshot.h"
/* BEGIN backup-include */
/* END backup-include */

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.driver");

/* What a connection keeps. */
typedef struct {
    qemuDriver *driver;
    qemuEventState *events;
} qemuConnPriv;

static qemuDriver *
qemuConnDriver(virConnect *conn)
{
    return ((qemuConnPriv *) conn->privateData)->driver;
}

qemuDriver *
qemuConnectGetDriver(virConnect *conn)
{
    return qemuConnDriver(conn);
}

/* ---- events ---------------------------------------------------------- */

static void
qemuEventQueueJobCompletedConn(virConnect *conn, const virDomainDef *def,
                               const qemuDomainJobData *data)
{
    qemuEventQueueJobCompleted(((qemuConnPriv *) conn->privateData)->events, def, data);
}

/* Queue a lifecycle event for the connection's callbacks; delivered from
 * the application's event loop when it runs one. */
static void
qemuEventQueueLifecycleConn(virConnect *conn, const virDomainDef *def, int id,
                            int event, int detail)
{
    qemuEventQueueLifecycle(((qemuConnPriv *) conn->privateData)->events, def, id,
                            event, detail);
}

static int
qemuConnectDomainEventRegisterAny(virConnect *conn, virDomain *dom, int eventID,
                                  virConnectDomainEventGenericCallback callback,
                                  void *opaque, virFreeCallback freecb)
{
    return qemuEventRegister(((qemuConnPriv *) conn->privateData)->events, dom,
                             eventID, callback, opaque, freecb);
}

static int
qemuConnectDomainEventDeregisterAny(virConnect *conn, int callbackID)
{
    return qemuEventDeregister(((qemuConnPriv *) conn->privateData)->events,
                               callbackID);
}

/* ---- connections ----------------------------------------------------- */

static bool
qemuConnectURIProbe(const char *uri)
{
    return qemuDriverURIMatches(uri);
}

static int
qemuConnectOpen(virConnect *conn, const char *uri, unsigned int flags)
{
    g_autofree char *root = NULL;
    qemuConnPriv *priv;
    qemuDriver *driver;

    if (!(root = qemuDriverRootFromURI(uri)))
        return -1;
    if (!(driver = qemuDriverNew(root, flags & VIR_CONNECT_RO)))
        return -1;
    priv = g_new0(qemuConnPriv, 1);
    priv->driver = driver;
    priv->events = qemuEventStateNew(conn, root, driver->readonly);
    conn->privateData = priv;
    return 0;
}

static int
qemuConnectClose(virConnect *conn)
{
    qemuConnPriv *priv = conn->privateData;

    if (!priv)
        return 0;
    qemuEventStateClose(priv->events);
    qemuDriverFree(priv->driver);
    g_free(priv);
    conn->privateData = NULL;
    return 0;
}

static int
qemuConnectGetVersion(virConnect *conn G_GNUC_UNUSED, unsigned long *hvVer)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList("qemu-system-x86_64",
                                                    "--version", NULL);
    unsigned int major = 0, minor = 0, micro = 0;
    const char *out;

    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    out = virCommandGetStdout(cmd);
    if (!out || !(out = strstr(out, "version ")) ||
        sscanf(out, "version %u.%u.%u", &major, &minor, &micro) < 2) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("cannot parse the QEMU version"));
        return -1;
    }
    *hvVer = major * 1000000UL + minor * 1000UL + micro;
    return 0;
}

static char *
qemuConnectGetHostname(virConnect *conn G_GNUC_UNUSED)
{
    return g_strdup(g_get_host_name());
}

/* ---- domains ----------------------------------------------------------- */

static virDomain *
qemuDomainHandle(virConnect *conn, qemuDomainObj *obj)
{
    return virGetDomain(conn, obj->name, obj->def->uuid, obj->active ? obj->id : -1);
}

static qemuDomainObj *
qemuDomainLoadFor(virDomain *dom, unsigned int flags)
{
    return qemuDomainObjLoad(qemuConnDriver(dom->conn), dom->name, flags);
}

static int
qemuDomainCheckpointCount(qemuDriver *driver, const char *name)
{
    g_autofree char *dir = qemuDriverCheckpointDir(driver, name);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;
    int n = 0;

    if (!d)
        return 0;
    while ((ent = g_dir_read_name(d))) {
        if (g_str_has_suffix(ent, ".xml") && ent[0] != '.')
            n++;
    }
    return n;
}

static void
qemuDomainHandleFree(gpointer p)
{
    virDomainHandleUnrefVoid(p);
}

static int
qemuConnectListAllDomains(virConnect *conn, virDomain ***domains,
                          unsigned int flags)
{
    qemuDriver *driver = qemuConnDriver(conn);
    g_auto(GStrv) names = qemuDriverListDomainNames(driver);
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(qemuDomainHandleFree);
    size_t i;

    for (i = 0; names[i]; i++) {
        g_autoptr(qemuDomainObj) obj = NULL;
        bool hasCheckpoints;
        bool hasSnapshots;

        if (!(obj = qemuDomainObjLoad(driver, names[i], QEMU_DOMAIN_LOAD_QUIET))) {
            virResetLastError();
            continue;
        }
#define FILTER(a, b, va, vb) \
        if ((flags & ((a) | (b))) && !(((flags & (a)) && (va)) || ((flags & (b)) && (vb)))) \
            continue
        FILTER(VIR_CONNECT_LIST_DOMAINS_ACTIVE, VIR_CONNECT_LIST_DOMAINS_INACTIVE,
               obj->active, !obj->active);
        FILTER(VIR_CONNECT_LIST_DOMAINS_PERSISTENT, VIR_CONNECT_LIST_DOMAINS_TRANSIENT,
               obj->persistent, !obj->persistent);
        hasCheckpoints = qemuDomainCheckpointCount(driver, obj->name) > 0;
        FILTER(VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT, VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT,
               hasCheckpoints, !hasCheckpoints);
        FILTER(VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE,
               false, true);
        FILTER(VIR_CONNECT_LIST_DOMAINS_AUTOSTART, VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART,
               false, true);
        hasSnapshots = qemuSnapshotCount(driver, obj->name) > 0;
        FILTER(VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT,
               hasSnapshots, !hasSnapshots);
#undef FILTER
        if (flags & (VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED |
                     VIR_CONNECT_LIST_DOMAINS_SHUTOFF | VIR_CONNECT_LIST_DOMAINS_OTHER)) {
            bool ok = ((flags & VIR_CONNECT_LIST_DOMAINS_RUNNING) && obj->state == VIR_DOMAIN_RUNNING) ||
                      ((flags & VIR_CONNECT_LIST_DOMAINS_PAUSED) && obj->state == VIR_DOMAIN_PAUSED) ||
                      ((flags & VIR_CONNECT_LIST_DOMAINS_SHUTOFF) && obj->state == VIR_DOMAIN_SHUTOFF) ||
                      ((flags & VIR_CONNECT_LIST_DOMAINS_OTHER) &&
                       obj->state != VIR_DOMAIN_RUNNING && obj->state != VIR_DOMAIN_PAUSED &&
                       obj->state != VIR_DOMAIN_SHUTOFF);
            if (!ok)
                continue;
        }
        g_ptr_array_add(list, qemuDomainHandle(conn, obj));
    }

    if (domains) {
        g_ptr_array_add(list, NULL);
        *domains = (virDomain **) g_ptr_array_steal(list, NULL);
        for (i = 0; (*domains)[i]; i++)
            ;
        return i;
    }
    return list->len;
}

/* Serialise the definitions of new domains across processes, so that
 * two of them cannot both find a name or UUID free and take it.  Taken
 * before any domain lock, and held only while checking and writing. */
static int
qemuDomainLockDefinitions(qemuDriver *driver, virFileLock **lock)
{
    g_autofree char *path = g_build_filename(driver->lockDir, ".define.lock", NULL);

    if (driver->readonly) {
        virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                       _("read-only connection cannot change a domain"));
        return -1;
    }
    return virFileLockAcquire(path, "define", 60000, lock);
}

/* Check that name and UUID do not clash with another domain. */
static int
qemuDomainCheckUnique(qemuDriver *driver, const virDomainDef *def,
                      qemuDomainObj **existing)
{
    g_autoptr(qemuDomainObj) byName = NULL;
    g_autoptr(qemuDomainObj) byUUID = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];

    *existing = NULL;
    byName = qemuDomainObjLoad(driver, def->name,
                               QEMU_DOMAIN_LOAD_QUIET | QEMU_DOMAIN_LOAD_LOCK);
    if (!byName && virGetLastErrorCode() != VIR_ERR_OK)
        return -1;
    if (byName && memcmp(byName->def->uuid, def->uuid, VIR_UUID_BUFLEN) != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("domain '%s' already exists with uuid %s"), def->name,
                       virUUIDFormat(byName->def->uuid, uuidstr));
        return -1;
    }
    if (!byName) {
        byUUID = qemuDomainObjLoadByUUID(driver, def->uuid, QEMU_DOMAIN_LOAD_QUIET);
        if (byUUID) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("domain '%s' is already defined with uuid %s"),
                           byUUID->name, virUUIDFormat(def->uuid, uuidstr));
            return -1;
        }
        virResetLastError();
    }
    *existing = g_steal_pointer(&byName);
    return 0;
}

static virDomainDef *
qemuDomainParseForDriver(const char *xml, bool validate)
{
    g_autoptr(virDomainDef) def = NULL;
    unsigned int parseFlags = 0;   /* a missing UUID is generated */

    if (validate)
        parseFlags |= VIR_DOMAIN_DEF_PARSE_VALIDATE;
    if (!(def = virDomainDefParseString(xml, parseFlags)))
        return NULL;
    if (virDomainDefValidateRunnable(def) < 0 || qemuValidateDomainDef(def) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

static virDomain *
qemuDomainDefineXMLFlags(virConnect *conn, const char *xml, unsigned int flags)
{
    qemuDriver *driver = qemuConnDriver(conn);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virFileLock) deflock = NULL;
    g_autoptr(qemuDomainObj) obj = NULL;
    bool updated;

    virCheckFlags(VIR_DOMAIN_DEFINE_VALIDATE, NULL);
    if (!(def = qemuDomainParseForDriver(xml, flags & VIR_DOMAIN_DEFINE_VALIDATE)))
        return NULL;
    if (qemuDomainLockDefinitions(driver, &deflock) < 0 ||
        qemuDomainCheckUnique(driver, def, &obj) < 0)
        return NULL;
    if (!obj) {
        /* a brand new domain: hold its lock while writing, and make sure
         * nobody defined it in the meantime */
        g_autofree char *lockpath = qemuDriverLockPath(driver, def->name);
        g_autofree char *cfgpath = qemuDriverConfigPath(driver, def->name);
        g_autofree char *statuspath = qemuDriverStatusPath(driver, def->name);
        g_autoptr(virFileLock) lock = NULL;

        if (driver->readonly) {
            virReportError(VIR_ERR_OPERATION_DENIED, "%s",
                           _("read-only connection cannot change a domain"));
            return NULL;
        }
        if (virFileLockAcquire(lockpath, "define", 60000, &lock) < 0)
            return NULL;
        if (virFileExists(cfgpath) || virFileExists(statuspath)) {
            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("domain '%s' was defined by another process meanwhile"),
                           def->name);
            return NULL;
        }
        if (qemuDomainObjSaveConfig(driver, def) < 0)
            return NULL;
        qemuEventQueueLifecycleConn(conn, def, -1, VIR_DOMAIN_EVENT_DEFINED,
                                VIR_DOMAIN_EVENT_DEFINED_ADDED);
        return virGetDomain(conn, def->name, def->uuid, -1);
    }
    updated = obj->persistent;
    if (qemuDomainObjSaveConfig(driver, def) < 0)
        return NULL;
    if (obj->active) {
        obj->persistent = true;
        virDomainDefFree(obj->newDef);
        obj->newDef = virDomainDefCopy(def);
        if (qemuDomainObjSaveStatus(obj) < 0)
            return NULL;
    } else {
        virDomainDefFree(obj->def);
        obj->def = virDomainDefCopy(def);
        obj->persistent = true;
    }
    qemuEventQueueLifecycleConn(conn, def, obj->active ? obj->id : -1,
                            VIR_DOMAIN_EVENT_DEFINED,
                            updated ? VIR_DOMAIN_EVENT_DEFINED_UPDATED
                                    : VIR_DOMAIN_EVENT_DEFINED_ADDED);
    return qemuDomainHandle(conn, obj);
}

static int
qemuDomainRemoveCheckpointMetadata(qemuDriver *driver, const char *name)
{
    g_autofree char *dir = qemuDriverCheckpointDir(driver, name);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    if (qemuCheckpointIndexRemove(dir) < 0)
        return -1;
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
qemuDomainUndefineFlags(virDomain *dom, unsigned int flags)
{
    qemuDriver *driver = qemuConnDriver(dom->conn);
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autofree char *cfg = NULL;
    int ncheckpoints;
    int nsnapshots;

    virCheckFlags(VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                  VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA |
                  VIR_DOMAIN_UNDEFINE_NVRAM |
                  VIR_DOMAIN_UNDEFINE_KEEP_NVRAM |
                  VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA, -1);
    if (!(obj = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (!obj->persistent) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot undefine transient domain '%s'"), obj->name);
        return -1;
    }
    /* every refusal before anything goes */
    if (!obj->active && obj->storage) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot undefine domain '%s' while its backup runs in the storage daemon"),
                       obj->name);
        return -1;
    }
    ncheckpoints = obj->active ? 0 : qemuDomainCheckpointCount(driver, obj->name);
    nsnapshots = obj->active ? 0 : qemuSnapshotCount(driver, obj->name);
    if (ncheckpoints > 0 && !(flags & VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot delete inactive domain with %d checkpoints"),
                       ncheckpoints);
        return -1;
    }
    if (nsnapshots > 0 && !(flags & VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot delete inactive domain with %d snapshots"),
                       nsnapshots);
        return -1;
    }
    if (ncheckpoints > 0 && qemuDomainRemoveCheckpointMetadata(driver, obj->name) < 0)
        return -1;
    if (nsnapshots > 0 && qemuSnapshotRemoveAll(driver, obj->name) < 0)
        return -1;
    cfg = qemuDriverConfigPath(driver, obj->name);
    if (virFileRemove(cfg) < 0)
        return -1;
    obj->persistent = false;
    if (obj->active) {
        g_clear_pointer(&obj->newDef, virDomainDefFree);
        if (qemuDomainObjSaveStatus(obj) < 0)
            return -1;
    } else {
        g_autofree char *status = qemuDriverStatusPath(driver, obj->name);

        /* the lock file goes when obj is freed, as the last step */
        unlink(status);
    }
    qemuEventQueueLifecycleConn(dom->conn, obj->def, obj->active ? obj->id : -1,
                            VIR_DOMAIN_EVENT_UNDEFINED,
                            VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    return 0;
}

static int qemuDomainReconcileBackup(virConnect *conn, qemuDomainObj *obj);

static int
qemuDomainStartObj(virConnect *conn, qemuDomainObj *obj, virDomainDef **def,
                   unsigned int flags)
{
    bool paused = flags & VIR_DOMAIN_START_PAUSED;

    if (qemuProcessStart(obj, def, paused ? QEMU_PROCESS_START_PAUSED : 0) < 0)
        return -1;
    qemuEventQueueLifecycleConn(conn, obj->def, obj->id, VIR_DOMAIN_EVENT_STARTED,
                            VIR_DOMAIN_EVENT_STARTED_BOOTED);
    if (paused)
        qemuEventQueueLifecycleConn(conn, obj->def, obj->id, VIR_DOMAIN_EVENT_SUSPENDED,
                                VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    return 0;
}

static int
qemuDomainCreateWithFlags(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(virDomainDef) def = NULL;

    virCheckFlags(VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_VALIDATE, -1);
    if (!(obj = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already running"), obj->name);
        return -1;
    }
    /* a backup in the storage daemon that ended (or never really began)
     * frees the disks now; one that runs keeps them (qemuProcessStart) */
    if (qemuDomainReconcileBackup(dom->conn, obj) < 0)
        return -1;
    def = virDomainDefCopy(obj->def);
    if (qemuDomainStartObj(dom->conn, obj, &def, flags) < 0)
        return -1;
    dom->id = obj->id;
    return 0;
}

static virDomain *
qemuDomainCreateXML(virConnect *conn, const char *xml, unsigned int flags)
{
    qemuDriver *driver = qemuConnDriver(conn);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virFileLock) deflock = NULL;
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(VIR_DOMAIN_START_PAUSED | VIR_DOMAIN_START_VALIDATE, NULL);
    if (!(def = qemuDomainParseForDriver(xml, flags & VIR_DOMAIN_START_VALIDATE)))
        return NULL;
    if (qemuDomainLockDefinitions(driver, &deflock) < 0 ||
        qemuDomainCheckUnique(driver, def, &obj) < 0)
        return NULL;
    if (obj && obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already running"), obj->name);
        return NULL;
    }
    if (!obj) {
        g_autofree char *lockpath = qemuDriverLockPath(driver, def->name);
        g_autoptr(virFileLock) lock = NULL;

        if (virFileLockAcquire(lockpath, "create", 60000, &lock) < 0)
            return NULL;
        obj = g_new0(qemuDomainObj, 1);
        obj->driver = driver;
        obj->name = g_strdup(def->name);
        obj->id = -1;
        obj->nextIndex = 1;
        obj->lock = g_steal_pointer(&lock);
        qemuDomainJobObjInit(&obj->job, NULL, NULL);
        obj->def = virDomainDefCopy(def);
    }
    if (qemuDomainStartObj(conn, obj, &def, flags) < 0)
        return NULL;
    return qemuDomainHandle(conn, obj);
}

static qemuDomainObj *
qemuDomainLoadActive(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadFor(dom, flags);

    if (!obj)
        return NULL;
    if (!obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running"), obj->name);
        return NULL;
    }
    return g_steal_pointer(&obj);
}

static int
qemuDomainDestroy(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    int id;

    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (qemuDomainJobBegin(&obj->job, QEMU_JOB_DESTROY) < 0)
        return -1;
    id = obj->id;
    /* a commit QEMU finished gets its bookkeeping (bitmaps in base, the
     * configuration naming base) while QEMU can still be asked */
    if (qemuBlockJobReconcile(obj, NULL) < 0) {
        VIR_WARN("block jobs of domain '%s' not brought up to date before it stops: %s",
                 obj->name, virGetLastErrorMessage());
        virResetLastError();
    }
    if (obj->backup) {
        g_autoptr(qemuDomainJobData) done = NULL;

        qemuBackupTerminateOnStop(obj, false, &done);
        qemuEventQueueJobCompletedConn(dom->conn, obj->def, done);
    }
    if (qemuProcessStop(obj, VIR_DOMAIN_SHUTOFF_DESTROYED) < 0) {
        qemuDomainJobEnd(&obj->job);
        return -1;
    }
    qemuDomainJobEnd(&obj->job);
    dom->id = -1;
    qemuEventQueueLifecycleConn(dom->conn, obj->def, id, VIR_DOMAIN_EVENT_STOPPED,
                            VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    return 0;
}

/* Run one declared command without arguments on a running domain. */
static int
qemuDomainSimpleCommand(qemuDomainObj *obj, qemuQMPCommand cmd)
{
    g_autoptr(qemuMonitor) mon = NULL;

    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;
    return qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, cmd, NULL);
}

static int
qemuDomainShutdown(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    return qemuDomainSimpleCommand(obj, QEMU_QMP_SYSTEM_POWERDOWN);
}

static int
qemuDomainSuspend(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (obj->state == VIR_DOMAIN_PAUSED)
        return 0;
    if (qemuDomainJobBegin(&obj->job, QEMU_JOB_SUSPEND) < 0)
        return -1;
    if (qemuDomainSimpleCommand(obj, QEMU_QMP_STOP) < 0) {
        qemuDomainJobEnd(&obj->job);
        return -1;
    }
    qemuDomainJobEnd(&obj->job);
    obj->state = VIR_DOMAIN_PAUSED;
    obj->reason = VIR_DOMAIN_PAUSED_USER;
    if (qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    qemuEventQueueLifecycleConn(dom->conn, obj->def, obj->id, VIR_DOMAIN_EVENT_SUSPENDED,
                            VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    return 0;
}

static int
qemuDomainResume(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (qemuDomainJobBegin(&obj->job, QEMU_JOB_SUSPEND) < 0)
        return -1;
    if (qemuDomainSimpleCommand(obj, QEMU_QMP_CONT) < 0) {
        qemuDomainJobEnd(&obj->job);
        return -1;
    }
    qemuDomainJobEnd(&obj->job);
    obj->state = VIR_DOMAIN_RUNNING;
    obj->reason = VIR_DOMAIN_RUNNING_UNPAUSED;
    if (qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    qemuEventQueueLifecycleConn(dom->conn, obj->def, obj->id, VIR_DOMAIN_EVENT_RESUMED,
                            VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    return 0;
}

static virDomain *
qemuDomainLookupByName(virConnect *conn, const char *name)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjLoad(qemuConnDriver(conn), name, 0);

    if (!obj)
        return NULL;
    return qemuDomainHandle(conn, obj);
}

static virDomain *
qemuDomainLookupByUUID(virConnect *conn, const unsigned char *uuid)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjLoadByUUID(qemuConnDriver(conn), uuid, 0);

    if (!obj)
        return NULL;
    return qemuDomainHandle(conn, obj);
}

static char *
qemuDomainGetXMLDesc(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    const virDomainDef *def;
    unsigned int fmt = 0;

    virCheckFlags(VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE |
                  VIR_DOMAIN_XML_UPDATE_CPU | VIR_DOMAIN_XML_MIGRATABLE, NULL);
    if (!(obj = qemuDomainLoadFor(dom, 0)))
        return NULL;
    def = obj->def;
    if ((flags & VIR_DOMAIN_XML_INACTIVE) && obj->active && obj->newDef)
        def = obj->newDef;
    if (!obj->active || (flags & VIR_DOMAIN_XML_INACTIVE))
        fmt |= VIR_DOMAIN_DEF_FORMAT_INACTIVE;
    if (flags & VIR_DOMAIN_XML_SECURE)
        fmt |= VIR_DOMAIN_DEF_FORMAT_SECURE;
    return virDomainDefFormat(def, fmt);
}

/* QEMU runs with -no-shutdown: a guest that powered itself off leaves
 * QEMU in the 'shutdown' run state.  Ask QEMU (briefly) and, if so, quit
 * it cleanly and record the domain as shut off by the guest; a run state
 * QEMU changed on its own (I/O error pause) is taken over too.  A monitor
 * busy with another client is not waited for. */
static qemuDomainObj *
qemuDomainLoadRefreshed(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadFor(dom, 0);
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;
    g_autofree char *path = NULL;

    if (!obj || !obj->active || qemuConnDriver(dom->conn)->readonly)
        return g_steal_pointer(&obj);
    path = qemuDriverMonitorPath(obj->driver, obj->name);
    if (!(mon = qemuMonitorOpen(path, 1000)) ||
        qemuQMPExecute(mon, 2000, &reply, QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply))) {
        virResetLastError();
        return g_steal_pointer(&obj);
    }
    g_clear_pointer(&mon, qemuMonitorClose);

    if (g_str_equal(st->status, "shutdown")) {
        g_autoptr(qemuDomainObj) locked = NULL;
        int id;

        if (!(locked = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK)))
            return NULL;
        if (!locked->active)
            return g_steal_pointer(&locked);
        id = locked->id;
        VIR_INFO("the guest of domain '%s' powered off", locked->name);
        if (locked->backup) {
            g_autoptr(qemuDomainJobData) done = NULL;

            qemuBackupTerminateOnStop(locked, false, &done);
            qemuEventQueueJobCompletedConn(dom->conn, locked->def, done);
        }
        if (qemuProcessStop(locked, VIR_DOMAIN_SHUTOFF_SHUTDOWN) < 0)
            return NULL;
        qemuEventQueueLifecycleConn(dom->conn, locked->def, id, VIR_DOMAIN_EVENT_STOPPED,
                                VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
        dom->id = -1;
        return g_steal_pointer(&locked);
    }
    if (g_str_equal(st->status, "io-error") && obj->state != VIR_DOMAIN_PAUSED) {
        obj->state = VIR_DOMAIN_PAUSED;
        obj->reason = VIR_DOMAIN_PAUSED_IOERROR;
    }
    return g_steal_pointer(&obj);
}

static int
qemuDomainGetState(virDomain *dom, int *state, int *reason, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(0, -1);
    if (!(obj = qemuDomainLoadRefreshed(dom)))
        return -1;
    *state = obj->state;
    if (reason)
        *reason = obj->reason;
    return 0;
}

/* CPU time of a process in nanoseconds, 0 if unknown. */
static unsigned long long
qemuProcessCPUTime(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long) pid);
    g_autofree char *content = NULL;
    unsigned long long utime = 0, stime = 0;
    const char *p;

    if (!g_file_get_contents(path, &content, NULL, NULL) ||
        !(p = strrchr(content, ')')))
        return 0;
    /* after ") ": state is field 3; utime and stime are fields 14 and 15 */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
               &utime, &stime) != 2)
        return 0;
    return (utime + stime) * (1000000000ULL / sysconf(_SC_CLK_TCK));
}

static int
qemuDomainGetInfo(virDomain *dom, virDomainInfo *info)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    if (!(obj = qemuDomainLoadRefreshed(dom)))
        return -1;
    memset(info, 0, sizeof(*info));
    info->state = obj->state;
    info->maxMem = obj->def->memory_kib;
    info->memory = obj->def->cur_memory_kib ? obj->def->cur_memory_kib
                                            : obj->def->memory_kib;
    info->nrVirtCpu = obj->def->vcpus ? obj->def->vcpus : 1;
    info->cpuTime = obj->active ? qemuProcessCPUTime(obj->pid) : 0;
    return 0;
}

static int
qemuDomainIsActive(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadRefreshed(dom);

    return obj ? obj->active : -1;
}

static int
qemuDomainIsPersistent(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadFor(dom, 0);

    return obj ? obj->persistent : -1;
}

/* ---- guest agent ------------------------------------------------------- */

/* Connect to the guest agent of a running domain. */
static qemuAgent *
qemuDomainAgentConnect(qemuDomainObj *obj)
{
    if (!obj->def->agent_socket) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("domain '%s' has no guest agent channel"), obj->name);
        return NULL;
    }
    return qemuAgentOpen(obj->def->agent_socket, 0);
}

static int
qemuDomainFSFreeze(virDomain *dom, const char **mountpoints,
                   unsigned int nmountpoints, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuAgent) agent = NULL;
    g_autofree const char **list = NULL;
    unsigned int i;

    virCheckFlags(0, -1);
    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (!(agent = qemuDomainAgentConnect(obj)))
        return -1;
    list = g_new0(const char *, nmountpoints + 1);
    for (i = 0; i < nmountpoints; i++)
        list[i] = mountpoints[i];
    return qemuAgentFSFreeze(agent, list);
}

static int
qemuDomainFSThaw(virDomain *dom, const char **mountpoints G_GNUC_UNUSED,
                 unsigned int nmountpoints, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuAgent) agent = NULL;

    virCheckFlags(0, -1);
    if (nmountpoints > 0) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("thawing only some filesystems is not supported"));
        return -1;
    }
    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (!(agent = qemuDomainAgentConnect(obj)))
        return -1;
    return qemuAgentFSThaw(agent);
}

static int qemuDomainBackupEndObj(virConnect *conn, qemuDomainObj *obj);

/* How long a read-only reader waits for QEMU's monitor to refresh the
 * progress of a backup (another client may hold it). */
#define QEMU_DOMAIN_PEEK_TIMEOUT_MS 1000

/* Load to read the backup job.  A read-write connection brings a running
 * backup up to date with QEMU under the lock (finishing it if QEMU has),
 * as it does when the completed statistics are to be discarded; a
 * read-only one changes nothing: it reads the status file and refreshes
 * the progress from QEMU when the monitor is free. */
static qemuDomainObj *
qemuDomainLoadForJob(virDomain *dom, bool discardCompleted)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadFor(dom, 0);

    if (!obj)
        return NULL;
    if (qemuConnDriver(dom->conn)->readonly) {
        if (obj->backup && qemuBackupRefreshProgress(obj, QEMU_DOMAIN_PEEK_TIMEOUT_MS) < 0) {
            VIR_DEBUG("progress of the backup of '%s' not refreshed: %s",
                      obj->name, virGetLastErrorMessage());
            virResetLastError();
        }
        return g_steal_pointer(&obj);
    }
    /* a backup, or a backup job without one (its process was killed
     * between two saves), is looked at under the lock */
    if (obj->backup || obj->job.asyncJob == QEMU_ASYNC_JOB_BACKUP ||
        (discardCompleted && obj->job.completed)) {
        g_clear_pointer(&obj, qemuDomainObjFree);
        if (!(obj = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK)) ||
            qemuDomainReconcileBackup(dom->conn, obj) < 0)
            return NULL;
    }
    return g_steal_pointer(&obj);
}

/* ---- jobs --------------------------------------------------------------- */

static int
qemuDomainJobDataType(const qemuDomainJobData *data)
{
    switch ((qemuDomainJobStatus) data->status) {
    case QEMU_DOMAIN_JOB_STATUS_ACTIVE:
    case QEMU_DOMAIN_JOB_STATUS_CANCELLING:
        return VIR_DOMAIN_JOB_UNBOUNDED;
    case QEMU_DOMAIN_JOB_STATUS_COMPLETED:
        return VIR_DOMAIN_JOB_COMPLETED;
    case QEMU_DOMAIN_JOB_STATUS_FAILED:
        return VIR_DOMAIN_JOB_FAILED;
    case QEMU_DOMAIN_JOB_STATUS_CANCELED:
        return VIR_DOMAIN_JOB_CANCELLED;
    case QEMU_DOMAIN_JOB_STATUS_NONE:
    case QEMU_DOMAIN_JOB_STATUS_LAST:
    default:
        return VIR_DOMAIN_JOB_NONE;
    }
}

int
qemuDomainJobDataToParams(const qemuDomainJobData *data, virTypedParameter **params,
                          int *nparams)
{
    int maxparams = 0;
    bool active = data->status == QEMU_DOMAIN_JOB_STATUS_ACTIVE ||
                  data->status == QEMU_DOMAIN_JOB_STATUS_CANCELLING;
    unsigned long long end = data->stopped ? data->stopped : qemuDomainJobNow();

    *params = NULL;
    *nparams = 0;
    if (virTypedParamsAddInt(params, nparams, &maxparams, VIR_DOMAIN_JOB_OPERATION,
                             VIR_DOMAIN_JOB_OPERATION_BACKUP) < 0 ||
        virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_TIME_ELAPSED,
                                end > data->started ? end - data->started : 0) < 0)
        goto error;
    if (data->disk_total &&
        (virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_DISK_TOTAL,
                                 data->disk_total) < 0 ||
         virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_DISK_PROCESSED,
                                 data->disk_processed) < 0 ||
         virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_DISK_REMAINING,
                                 data->disk_total - data->disk_processed) < 0))
        goto error;
    if (data->temp_total &&
        (virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_DISK_TEMP_USED,
                                 data->temp_used) < 0 ||
         virTypedParamsAddULLong(params, nparams, &maxparams, VIR_DOMAIN_JOB_DISK_TEMP_TOTAL,
                                 data->temp_total) < 0))
        goto error;
    /* a job whose outcome is no longer known (NONE) says nothing of it */
    if (!active && data->status != QEMU_DOMAIN_JOB_STATUS_NONE &&
        virTypedParamsAddBoolean(params, nparams, &maxparams, VIR_DOMAIN_JOB_SUCCESS,
                                 data->status == QEMU_DOMAIN_JOB_STATUS_COMPLETED) < 0)
        goto error;
    if (data->errmsg &&
        virTypedParamsAddString(params, nparams, &maxparams, VIR_DOMAIN_JOB_ERRMSG,
                                data->errmsg) < 0)
        goto error;
    return 0;

 error:
    virTypedParamsFree(*params, *nparams);
    *params = NULL;
    *nparams = 0;
    return -1;
}

static int
qemuDomainGetJobStats(virDomain *dom, int *type, virTypedParameter **params,
                      int *nparams, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuDomainJobData) data = NULL;
    bool completed = flags & VIR_DOMAIN_JOB_STATS_COMPLETED;

    virCheckFlags(VIR_DOMAIN_JOB_STATS_COMPLETED |
                  VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED, -1);
    /* a read-only connection cannot discard the completed statistics */
    if (qemuConnDriver(dom->conn)->readonly)
        flags |= VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED;
    if (!(obj = qemuDomainLoadForJob(dom, completed &&
                                          !(flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED))))
        return -1;

    if (completed) {
        data = qemuDomainJobTakeCompleted(&obj->job,
                                          !(flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED));
        if (data && obj->lock &&
            !(flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED) &&
            qemuDomainObjSaveStatus(obj) < 0)
            return -1;
    } else if (obj->job.current) {
        data = qemuDomainJobDataCopy(obj->job.current);
    }

    *params = NULL;
    *nparams = 0;
    if (!data) {
        *type = VIR_DOMAIN_JOB_NONE;
        return 0;
    }
    *type = qemuDomainJobDataType(data);
    return qemuDomainJobDataToParams(data, params, nparams);
}

static int
qemuDomainGetJobInfo(virDomain *dom, virDomainJobInfo *info)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    const qemuDomainJobData *data;

    if (!(obj = qemuDomainLoadForJob(dom, false)))
        return -1;
    memset(info, 0, sizeof(*info));
    data = obj->job.current;
    if (!data) {
        info->type = VIR_DOMAIN_JOB_NONE;
        return 0;
    }
    info->type = qemuDomainJobDataType(data);
    info->timeElapsed = qemuDomainJobNow() - data->started;
    info->dataTotal = data->disk_total;
    info->dataProcessed = data->disk_processed;
    info->dataRemaining = data->disk_total - data->disk_processed;
    info->fileTotal = data->disk_total;
    info->fileProcessed = data->disk_processed;
    info->fileRemaining = data->disk_total - data->disk_processed;
    return 0;
}

/* Load to act on a backup: a running domain, or a shut-off one whose
 * backup runs in the storage daemon. */
static qemuDomainObj *
qemuDomainLoadForBackup(virDomain *dom)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK);

    if (!obj)
        return NULL;
    if (!obj->active && !obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running"), obj->name);
        return NULL;
    }
    return g_steal_pointer(&obj);
}

static int
qemuDomainAbortJobFlags(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(0, -1);
    if (!(obj = qemuDomainLoadForBackup(dom)))
        return -1;
    if (qemuDomainReconcileBackup(dom->conn, obj) < 0)
        return -1;
    if (obj->job.asyncJob == QEMU_ASYNC_JOB_NONE || !obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("no job is active on the domain"));
        return -1;
    }
    return qemuDomainBackupEndObj(dom->conn, obj);
}

/* ---- backups --------------------------------------------------------- */

/* Reconcile a locked domain's backup with QEMU; emit the completion. */
static int
qemuDomainReconcileBackup(virConnect *conn, qemuDomainObj *obj)
{
    g_autoptr(qemuDomainJobData) done = NULL;

    /* a backup job whose backup is gone frees its slot too */
    if (!obj->backup && obj->job.asyncJob != QEMU_ASYNC_JOB_BACKUP)
        return 0;
    if (qemuBackupReconcile(obj, NULL, &done) < 0)
        return -1;
    qemuEventQueueJobCompletedConn(conn, obj->def, done);
    return 0;
}

static int
qemuDomainBackupEndObj(virConnect *conn, qemuDomainObj *obj)
{
    g_autoptr(qemuDomainJobData) done = NULL;
    int rc;

    if (qemuDomainJobBegin(&obj->job, QEMU_JOB_ABORT) < 0)
        return -1;
    rc = qemuBackupEnd(obj, &done);
    qemuDomainJobEnd(&obj->job);
    qemuEventQueueJobCompletedConn(conn, obj->def, done);
    return rc;
}

static int
qemuDomainBackupBegin(virDomain *dom, const char *backupXML,
                      const char *checkpointXML, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL |
                  VIR_DOMAIN_BACKUP_BEGIN_QUIESCE, -1);
    /* a shut-off domain is backed up in the storage daemon */
    if (!(obj = qemuDomainLoadFor(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    /* a backup that ended while nobody looked frees the slot now */
    if (qemuDomainReconcileBackup(dom->conn, obj) < 0 ||
        qemuBlockJobReconcile(obj, NULL) < 0)
        return -1;
    if (qemuBlockJobAny(obj)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start a backup of domain '%s': a block job is running"),
                       obj->name);
        return -1;
    }
    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start a backup of domain '%s': job 'backup' is already running"),
                       obj->name);
        return -1;
    }
    return qemuBackupBegin(obj, backupXML, checkpointXML, flags);
}

static char *
qemuDomainBackupGetXMLDesc(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(0, NULL);
    if (!(obj = qemuDomainLoadForJob(dom, false)))
        return NULL;
    return qemuBackupGetXMLDesc(obj);
}

static int
qemuDomainBackupEnd(virDomain *dom, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;

    virCheckFlags(0, -1);
    if (!(obj = qemuDomainLoadForBackup(dom)))
        return -1;
    if (qemuDomainReconcileBackup(dom->conn, obj) < 0)
        return -1;
    if (!obj->backup) {
        virReportError(VIR_ERR_NO_DOMAIN_BACKUP, "%s",
                       _("no domain backup job present"));
        return -1;
    }
    return qemuDomainBackupEndObj(dom->conn, obj);
}

/* ---- QEMU specific -------------------------------------------------------- */

static int
qemuDomainQemuMonitorCommand(virDomain *dom, const char *cmd, char **result,
                             unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) json = NULL;
    g_autoptr(virJSONValue) reply = NULL;

    virCheckFlags(VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP, -1);
    if (!(obj = qemuDomainLoadActive(dom, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;

    if (flags & VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP)
        return qemuMonitorHMP(mon, cmd, QEMU_MONITOR_TIMEOUT_DEFAULT, result);

    if (!(json = virJSONValueFromString(cmd)))
        return -1;
    if (!virJSONValueObjectGetString(json, "execute")) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("a QMP command must be an object with 'execute'"));
        return -1;
    }
    /* QEMU's reply as it came, its id and an error included (as libvirt) */
    if (qemuMonitorCommandFull(mon, &json, &reply, QEMU_MONITOR_TIMEOUT_DEFAULT,
                               QEMU_MONITOR_COMMAND_WHOLE_REPLY) < 0)
        return -1;
    *result = virJSONValueToString(reply, false);
    return 0;
}

static const virConnectDriver qemuConnectDriver = {
    .name = "QEMU",
    .uriProbe = qemuConnectURIProbe,
    .connectOpen = qemuConnectOpen,
    .connectClose = qemuConnectClose,
    .connectGetVersion = qemuConnectGetVersion,
    .connectGetHostname = qemuConnectGetHostname,
    .connectListAllDomains = qemuConnectListAllDomains,
    .domainDefineXMLFlags = qemuDomainDefineXMLFlags,
    .domainUndefineFlags = qemuDomainUndefineFlags,
    .domainCreateWithFlags = qemuDomainCreateWithFlags,
    .domainCreateXML = qemuDomainCreateXML,
    .domainShutdown = qemuDomainShutdown,
    .domainDestroy = qemuDomainDestroy,
    .domainSuspend = qemuDomainSuspend,
    .domainResume = qemuDomainResume,
    .domainLookupByName = qemuDomainLookupByName,
    .domainLookupByUUID = qemuDomainLookupByUUID,
    .domainGetXMLDesc = qemuDomainGetXMLDesc,
    .domainGetState = qemuDomainGetState,
    .domainGetInfo = qemuDomainGetInfo,
    .domainIsActive = qemuDomainIsActive,
    .domainIsPersistent = qemuDomainIsPersistent,
    .domainFSFreeze = qemuDomainFSFreeze,
    .domainFSThaw = qemuDomainFSThaw,
    .domainGetJobInfo = qemuDomainGetJobInfo,
    .domainGetJobStats = qemuDomainGetJobStats,
    .domainAbortJobFlags = qemuDomainAbortJobFlags,
    .connectDomainEventRegisterAny = qemuConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = qemuConnectDomainEventDeregisterAny,
    .domainQemuMonitorCommand = qemuDomainQemuMonitorCommand,
    /* BEGIN checkpoint */
    .domainCheckpointCreateXML = qemuDomainCheckpointCreateXML,
    .domainCheckpointGetXMLDesc = qemuDomainCheckpointGetXMLDesc,
    .domainListAllCheckpoints = qemuDomainListAllCheckpoints,
    .domainCheckpointListAllChildren = qemuDomainCheckpointListAllChildren,
    .domainCheckpointLookupByName = qemuDomainCheckpointLookupByName,
    .domainCheckpointGetParent = qemuDomainCheckpointGetParent,
    .domainCheckpointDelete = qemuDomainCheckpointDelete,
    /* END checkpoint */
    /* BEGIN backup */
    .domainBackupBegin = qemuDomainBackupBegin,
    .domainBackupGetXMLDesc = qemuDomainBackupGetXMLDesc,
    .domainBackupEnd = qemuDomainBackupEnd,
    /* END backup */
    .domainSnapshotCreateXML = qemuDomainSnapshotCreateXML,
    .domainSnapshotGetXMLDesc = qemuDomainSnapshotGetXMLDesc,
    .domainListAllSnapshots = qemuDomainListAllSnapshots,
    .domainSnapshotLookupByName = qemuDomainSnapshotLookupByName,
    .domainSnapshotGetParent = qemuDomainSnapshotGetParent,
    .domainSnapshotIsCurrent = qemuDomainSnapshotIsCurrent,
    .domainRevertToSnapshot = qemuDomainRevertToSnapshot,
    .domainSnapshotDelete = qemuDomainSnapshotDelete,
    .domainBlockCommit = qemuDomainBlockCommit,
    .domainGetBlockJobInfo = qemuDomainGetBlockJobInfo,
    .domainBlockJobAbort = qemuDomainBlockJobAbort,
};

int
qemuRegister(void)
{
    static gsize done;
    static int ret;

    if (g_once_init_enter(&done)) {
        qemuCheckpointRegisterBackupOps();
        ret = virRegisterConnectDriver(&qemuConnectDriver);
        g_once_init_leave(&done, 1);
    }
    return ret;
}

/*
 * qemu_storage.c: the storage daemon of a shut-off domain's backup
 * (see qemu_storage.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qemu_storage.h"
#include "qemu_backup.h"
#include "qemu_command.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virprocess.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.storage");

/* How long a starting daemon may take to open the disks and its monitor. */
#define QEMU_STORAGE_START_TIMEOUT_MS 30000
/* How long a quitting daemon may take to close the images (bitmaps are
 * written then) before it gets signals. */
#define QEMU_STORAGE_QUIT_TIMEOUT_MS 30000

void
qemuStorageDaemonFree(qemuStorageDaemon *sd)
{
    if (!sd)
        return;
    g_free(sd->socket);
    virDomainDefFree(sd->def);
    g_free(sd);
}

const char *
qemuStorageDaemonBinary(const qemuDriverConfig *cfg)
{
    return cfg->qemuStorageDaemon ? cfg->qemuStorageDaemon : "qemu-storage-daemon";
}

/* ---- persistence ----------------------------------------------------- */

int
qemuStorageDaemonFormat(virBuffer *buf, const qemuStorageDaemon *sd,
                        unsigned int nextIndex)
{
    if (!sd)
        return 0;
    virBufferAsprintf(buf, "<storageDaemon pid='%lld' starttime='%llu' nextIndex='%u'",
                      (long long) sd->pid, sd->starttime, nextIndex);
    virBufferEscapeString(buf, " socket='%s'>\n", sd->socket);
    virBufferAdjustIndent(buf, 2);
    if (virDomainDefFormatInternal(sd->def, buf,
                                   VIR_DOMAIN_DEF_FORMAT_STATUS |
                                   VIR_DOMAIN_DEF_FORMAT_SECURE) < 0)
        return -1;
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</storageDaemon>\n");
    return 0;
}

int
qemuStorageDaemonParse(xmlDocPtr doc, xmlXPathContextPtr ctxt,
                       qemuStorageDaemon **sdp, unsigned int *nextIndex)
{
    g_autoptr(qemuStorageDaemon) sd = NULL;
    unsigned long long v;
    xmlNodePtr node;
    xmlNodePtr dom;

    *sdp = NULL;
    if (!(node = virXPathNode("./storageDaemon", ctxt)))
        return 0;
    sd = g_new0(qemuStorageDaemon, 1);
    if (virXMLPropULongLong(node, "pid", &v) > 0)
        sd->pid = v;
    if (virXMLPropULongLong(node, "starttime", &v) > 0)
        sd->starttime = v;
    if (virXMLPropULongLong(node, "nextIndex", &v) > 0)
        *nextIndex = v;
    sd->socket = virXMLPropString(node, "socket");
    {
        VIR_XPATH_NODE_AUTORESTORE(ctxt);
        ctxt->node = node;
        dom = virXPathNode("./domain", ctxt);
    }
    if (!sd->socket || !dom) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("incomplete storage daemon in the status file"));
        return -1;
    }
    if (!(sd->def = virDomainDefParseNode(doc, dom, VIR_DOMAIN_DEF_PARSE_STATUS)))
        return -1;
    *sdp = g_steal_pointer(&sd);
    return 0;
}

/* ---- the process ------------------------------------------------------ */

static bool
qemuStorageDaemonAlive(const qemuStorageDaemon *sd)
{
    virProcessIdentity ident = { .pid = sd->pid, .starttime = sd->starttime };

    return sd->pid > 0 && virProcessIdentityMatches(sd->pid, &ident);
}

/* The process of the record: the recorded one if alive, else (pid not
 * recorded yet) the one started with the record's monitor socket; 0 if
 * none runs. */
static pid_t
qemuStorageDaemonFindPid(const qemuStorageDaemon *sd)
{
    g_autofree char *arg = NULL;

    if (sd->pid > 0)
        return qemuStorageDaemonAlive(sd) ? sd->pid : 0;
    arg = qemuBuildStorageDaemonMonitorArg(sd->socket);
    return virProcessFindByArg(arg);
}

/* Every image the daemon opens must be there, the top ones writable. */
static int
qemuStorageDaemonCheckDisks(const virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        const virDomainDiskDef *disk = def->disks[i];
        const virStorageSource *src;

        for (src = disk->src; src && src->path; src = src->backingStore) {
            int mode = src == disk->src && !disk->src->readonly ? R_OK | W_OK : R_OK;

            if (access(src->path, mode) < 0) {
                virReportSystemError(errno, _("cannot access disk '%s' image '%s'"),
                                     disk->dst, src->path);
                return -1;
            }
        }
    }
    return 0;
}

/* The last lines of the daemon's log, for error messages. */
static char *
qemuStorageDaemonLogTail(const char *logfile)
{
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    size_t n;

    if (!g_file_get_contents(logfile, &content, NULL, NULL))
        return g_strdup("");
    g_strstrip(content);
    lines = g_strsplit(content, "\n", -1);
    n = g_strv_length(lines);
    return g_strjoinv(" / ", lines + (n > 3 ? n - 3 : 0));
}

/* Wait for the monitor of a starting daemon, noticing an early death. */
static qemuMonitor *
qemuStorageDaemonWaitMonitor(qemuDomainObj *obj, const char *logfile)
{
    qemuStorageDaemon *sd = obj->storage;
    gint64 deadline = g_get_monotonic_time() + QEMU_STORAGE_START_TIMEOUT_MS * 1000LL;

    while (g_get_monotonic_time() < deadline) {
        qemuMonitor *mon;

        if (!qemuStorageDaemonAlive(sd)) {
            g_autofree char *tail = qemuStorageDaemonLogTail(logfile);

            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("the storage daemon for the disks of domain '%s' exited while starting: %s"),
                           obj->name, tail);
            return NULL;
        }
        if (virFileExists(sd->socket) && (mon = qemuMonitorOpen(sd->socket, 2000)))
            return mon;
        virResetLastError();
        g_usleep(10 * 1000);
    }
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("the storage daemon for the disks of domain '%s' did not open its monitor"),
                   obj->name);
    return NULL;
}

/* Open every disk's nodes in the daemon, as QEMU gets them; a disk that
 * cannot be opened (another program has it) fails the start, and the
 * daemon's clean quit closes those opened already. */
static int
qemuStorageDaemonAttachDisks(qemuDomainObj *obj, qemuMonitor *mon)
{
    const virDomainDef *def = obj->storage->def;
    size_t i;
    guint j;

    for (i = 0; i < def->ndisks; i++) {
        g_autoptr(GPtrArray) nodes = qemuBuildDiskBlockdevProps(def->disks[i]);

        for (j = 0; j < nodes->len; j++) {
            g_autoptr(virJSONValue) args = json_object_get(g_ptr_array_index(nodes, j));

            if (qemuQMPExecuteArgs(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                   QEMU_QMP_BLOCKDEV_ADD, &args) < 0) {
                g_autofree char *why = g_strdup(virGetLastErrorMessage());

                virResetLastError();
                virReportError(VIR_ERR_OPERATION_FAILED,
                               _("the storage daemon cannot open disk '%s' of domain '%s': %s"),
                               def->disks[i]->dst, obj->name, why);
                return -1;
            }
        }
    }
    return 0;
}

qemuMonitor *
qemuStorageDaemonStart(qemuDomainObj *obj)
{
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *qmp = qemuDriverStorageMonitorPath(obj->driver, obj->name);
    g_autofree char *logfile = qemuDriverStorageLogPath(obj->driver, obj->name);
    g_autofree char *qmpdir = g_path_get_dirname(qmp);
    g_autofree char *logdir = g_path_get_dirname(logfile);
    g_auto(GStrv) argv = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_auto(virProcessIdentity) ident = { 0 };
    qemuStorageDaemon *sd;
    qemuMonitor *mon = NULL;
    unsigned int nextIndex = 1;
    pid_t pid = 0;

    if (obj->active || obj->storage) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the disks of domain '%s' are open already"), obj->name);
        return NULL;
    }
    def = virDomainDefCopy(obj->def);
    if (qemuStorageDaemonCheckDisks(def) < 0 ||
        qemuProcessDetectBackingChains(obj->driver->config->qemuImg, def) < 0)
        return NULL;
    qemuAssignNodeNames(def, &nextIndex);
    if (virFileMakePath(qmpdir, 0700) < 0 || virFileMakePath(logdir, 0700) < 0)
        return NULL;
    /* no record, and the lock is ours: a socket there is stale */
    if (virFileExists(qmp) && unlink(qmp) < 0) {
        virReportSystemError(errno, _("cannot remove '%s'"), qmp);
        return NULL;
    }

    /* the journal: the daemon is recorded before it exists */
    sd = g_new0(qemuStorageDaemon, 1);
    sd->socket = g_strdup(qmp);
    sd->def = g_steal_pointer(&def);
    obj->storage = sd;
    obj->nextIndex = nextIndex;
    if (qemuDomainObjSaveStatus(obj) < 0) {
        g_clear_pointer(&obj->storage, qemuStorageDaemonFree);
        return NULL;
    }

    argv = qemuBuildStorageDaemonCommandLine(qemuStorageDaemonBinary(obj->driver->config), qmp);
    cmd = virCommandNew(argv[0]);
    virCommandAddArgSet(cmd, (const char *const *) argv + 1);
    {
        g_autofree char *cmdstr = virCommandToString(cmd, 0);
        g_autofree char *header = g_strdup_printf("%s\n", cmdstr);

        VIR_DEBUG("starting the storage daemon of domain '%s': %s", obj->name, cmdstr);
        if (!g_file_set_contents(logfile, header, -1, NULL))
            VIR_WARN("cannot write log header to '%s'", logfile);
    }
    if (virCommandRunDetached(cmd, logfile, &pid) < 0)
        goto error;
    sd->pid = pid;
    if (virProcessIdentityGet(pid, &ident) < 0) {
        g_autofree char *tail = qemuStorageDaemonLogTail(logfile);

        virResetLastError();
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("the storage daemon for the disks of domain '%s' exited while starting: %s"),
                       obj->name, tail);
        goto error;
    }
    sd->starttime = ident.starttime;
    if (qemuDomainObjSaveStatus(obj) < 0 ||
        !(mon = qemuStorageDaemonWaitMonitor(obj, logfile)) ||
        qemuStorageDaemonAttachDisks(obj, mon) < 0)
        goto error;
    VIR_INFO("storage daemon of domain '%s' started, pid %lld", obj->name, (long long) pid);
    return mon;

 error:
    {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (qemuStorageDaemonStop(obj, mon) < 0)
            VIR_WARN("%s", virGetLastErrorMessage());
        virErrorRestore(&orig);
        qemuMonitorClose(mon);
    }
    return NULL;
}

int
qemuStorageDaemonStop(qemuDomainObj *obj, qemuMonitor *mon)
{
    qemuStorageDaemon *sd = obj->storage;
    g_autoptr(qemuMonitor) own = NULL;
    virErrorPtr orig = NULL;
    pid_t pid;
    int rc = 0;

    if (!sd)
        return 0;
    virErrorPreserveLast(&orig);
    if ((pid = qemuStorageDaemonFindPid(sd)) > 0) {
        g_autoptr(virJSONValue) quit = qemuQMPCommandBuild(QEMU_QMP_QUIT, NULL);
        bool asked = false;

        /* quit: the images are closed cleanly, bitmaps written into them */
        if (!mon || qemuMonitorIsBroken(mon))
            mon = own = qemuMonitorOpen(sd->socket, 5000);
        if (mon && quit)
            asked = qemuMonitorCommandFull(mon, &quit, NULL, 5000,
                                           QEMU_MONITOR_COMMAND_EOF_OK) == 0;
        virResetLastError();
        if (!asked || virProcessWaitExit(pid, QEMU_STORAGE_QUIT_TIMEOUT_MS) < 0) {
            virResetLastError();
            VIR_WARN("the storage daemon of domain '%s' did not quit: terminating it",
                     obj->name);
            /* SIGTERM is a clean quit for the daemon too */
            if (virProcessKillPainfully(pid, 10000) < 0) {
                virFreeError(orig);
                return -1;
            }
        }
    }
    if (unlink(sd->socket) < 0 && errno != ENOENT)
        VIR_WARN("cannot remove '%s': %s", sd->socket, g_strerror(errno));
    g_clear_pointer(&obj->storage, qemuStorageDaemonFree);
    rc = qemuDomainObjSaveStatus(obj);
    VIR_INFO("storage daemon of domain '%s' stopped", obj->name);
    if (rc == 0)
        virErrorRestore(&orig);
    else
        virFreeError(orig);
    return rc;
}

/* ---- reconciliation ---------------------------------------------------- */

bool
qemuStorageDaemonNeedsReconcile(qemuDomainObj *obj)
{
    qemuStorageDaemon *sd = obj->storage;

    if (!sd || obj->active)
        return false;
    return !obj->backup || !qemuStorageDaemonAlive(sd);
}

void
qemuStorageDaemonReconcile(qemuDomainObj *obj)
{
    qemuStorageDaemon *sd = obj->storage;

    if (!qemuStorageDaemonNeedsReconcile(obj) || !obj->lock || obj->driver->readonly)
        return;
    if (!qemuStorageDaemonAlive(sd)) {
        if (sd->pid > 0)
            VIR_WARN("the storage daemon of domain '%s' (pid %lld) is gone",
                     obj->name, (long long) sd->pid);
        else
            VIR_WARN("finishing the storage daemon of domain '%s', whose start was interrupted",
                     obj->name);
        /* the backup it served fails, as with a QEMU that died */
        if (obj->backup)
            qemuBackupTerminateOnStop(obj, sd->pid > 0, NULL);
    } else {
        VIR_WARN("stopping the storage daemon of domain '%s': it serves no backup",
                 obj->name);
    }
    if (qemuStorageDaemonStop(obj, NULL) < 0) {
        VIR_WARN("cannot stop the storage daemon of domain '%s': %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
}

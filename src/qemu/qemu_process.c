/*
 * qemu_process.c: QEMU process life cycle
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "qemu_process.h"
#include "qemu_checkpoint.h"   /* checkpoint consistency */
#include "qemu_command.h"
#include "qemu_img.h"
#include "qemu_qmp.h"
#include "qemu_storage.h"
#include "libvirt/libvirt-domain.h"
#include "viralloc.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.process");

/* How long a starting QEMU may take to open its monitor. */
#define QEMU_PROCESS_START_TIMEOUT_MS 30000
/* How long a quitting QEMU may take to exit before it gets signals. */
#define QEMU_PROCESS_QUIT_TIMEOUT_MS 10000

int
qemuProcessValidateDef(const virDomainDef *def)
{
    size_t i;

    if (virDomainDefValidateRunnable(def) < 0 ||
        qemuValidateDomainDef(def) < 0)
        return -1;
    if (def->virtType == VIR_DOMAIN_VIRT_KVM && !qemuKVMUsable()) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("domain type 'kvm' needs /dev/kvm, which is not usable here (use type 'qemu')"));
        return -1;
    }
    if (def->emulator && access(def->emulator, X_OK) < 0) {
        virReportSystemError(errno, _("cannot run emulator '%s'"), def->emulator);
        return -1;
    }
    if (def->os_kernel && access(def->os_kernel, R_OK) < 0) {
        virReportSystemError(errno, _("cannot read kernel '%s'"), def->os_kernel);
        return -1;
    }
    if (def->os_initrd && access(def->os_initrd, R_OK) < 0) {
        virReportSystemError(errno, _("cannot read initrd '%s'"), def->os_initrd);
        return -1;
    }
    for (i = 0; i < def->ndisks; i++) {
        const virStorageSource *src;

        for (src = def->disks[i]->src; src && src->path; src = src->backingStore) {
            if (access(src->path, R_OK) < 0) {
                virReportSystemError(errno, _("cannot access disk '%s' image '%s'"),
                                     def->disks[i]->dst, src->path);
                return -1;
            }
        }
    }
    return 0;
}

/* Fill in each disk's backing chain from the images themselves (the
 * live XML shows it, and every image gets its own block nodes), ending
 * with a terminator (type NONE, printed as <backingStore/>). */
int
qemuProcessDetectBackingChains(const char *qemuImg, virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        virStorageSource *top = def->disks[i]->src;
        virStorageSource *tail = top;
        g_autoptr(qemuImgInfo) info = NULL;
        const qemuImgInfo *cur;

        if (!top->path || top->backingStore)
            continue;
        if (top->format == VIR_STORAGE_FILE_QCOW2) {
            if (!(info = qemuImgGetInfo(qemuImg,
                                        top->path, "qcow2", true)))
                return -1;
            for (cur = info->backing; cur; cur = cur->backing) {
                virStorageSource *b;

                /* a backing name such as 'json:{...}' or 'nbd://...'
                 * is not a local image Fleece can open with -blockdev */
                if (!g_path_is_absolute(cur->filename)) {
                    virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                                   _("disk '%s': backing image '%s' of '%s' is not a local file"),
                                   def->disks[i]->dst, cur->filename, top->path);
                    return -1;
                }
                b = virStorageSourceNew();

                b->type = g_str_has_prefix(cur->filename, "/dev/") ?
                          VIR_STORAGE_TYPE_BLOCK : VIR_STORAGE_TYPE_FILE;
                b->path = g_strdup(cur->filename);
                b->format = virStorageFileFormatTypeFromString(cur->format);
                if (b->format < 0)
                    b->format = VIR_STORAGE_FILE_RAW;
                b->readonly = true;
                tail->backingStore = b;
                tail = b;
            }
        }
        tail->backingStore = virStorageSourceNew();   /* end of chain */
    }
    return 0;
}

/* The last lines of QEMU's log, for error messages. */
static char *
qemuProcessLogTail(qemuDomainObj *obj)
{
    g_autofree char *path = qemuDriverLogPath(obj->driver, obj->name);
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    size_t n;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return g_strdup("");
    g_strstrip(content);
    lines = g_strsplit(content, "\n", -1);
    n = g_strv_length(lines);
    return g_strjoinv(" / ", lines + (n > 3 ? n - 3 : 0));
}

qemuMonitor *
qemuProcessConnectMonitor(qemuDomainObj *obj)
{
    g_autofree char *path = NULL;

    if (!obj->active && obj->storage)
        return qemuMonitorOpen(obj->storage->socket, QEMU_MONITOR_TIMEOUT_DEFAULT);
    path = qemuDriverMonitorPath(obj->driver, obj->name);
    return qemuMonitorOpen(path, QEMU_MONITOR_TIMEOUT_DEFAULT);
}

/* Wait for the monitor of a starting QEMU, noticing an early death. */
static qemuMonitor *
qemuProcessWaitMonitor(qemuDomainObj *obj, pid_t pid)
{
    g_autofree char *path = qemuDriverMonitorPath(obj->driver, obj->name);
    gint64 deadline = g_get_monotonic_time() + QEMU_PROCESS_START_TIMEOUT_MS * 1000LL;

    while (g_get_monotonic_time() < deadline) {
        qemuMonitor *mon;

        if (!virProcessExists(pid)) {
            g_autofree char *tail = qemuProcessLogTail(obj);

            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("QEMU of domain '%s' exited while starting: %s"),
                           obj->name, tail);
            return NULL;
        }
        if (virFileExists(path) && (mon = qemuMonitorOpen(path, 2000)))
            return mon;
        virResetLastError();
        g_usleep(20 * 1000);
    }
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("QEMU of domain '%s' did not open its monitor"), obj->name);
    return NULL;
}

int
qemuProcessStart(qemuDomainObj *obj, virDomainDef **defp, unsigned int flags)
{
    g_autoptr(virDomainDef) def = g_steal_pointer(defp);
    g_autofree char *qmp = qemuDriverMonitorPath(obj->driver, obj->name);
    g_autofree char *pidfile = qemuDriverPidPath(obj->driver, obj->name);
    g_autofree char *logfile = qemuDriverLogPath(obj->driver, obj->name);
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_auto(GStrv) argv = NULL;
    g_autoptr(virDomainDef) savedDef = NULL;
    virProcessIdentity ident = { 0 };
    qemuCommandParams params = { 0 };
    unsigned int nextIndex = 1;
    pid_t pid = -1;
    int id;

    if (obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is already running"), obj->name);
        return -1;
    }
    if (obj->storage) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start domain '%s' while its disks are in use by the storage daemon of its backup (end the backup first)"),
                       obj->name);
        return -1;
    }
    if (qemuProcessValidateDef(def) < 0)
        return -1;
    if (qemuAssignDeviceAliases(def) < 0 ||
        qemuProcessDetectBackingChains(obj->driver->config->qemuImg, def) < 0)
        return -1;
    qemuAssignNodeNames(def, &nextIndex);
    if (def->has_agent && !def->agent_socket)
        def->agent_socket = qemuDriverAgentPath(obj->driver, obj->name);
    if ((id = qemuDomainAllocID(obj->driver)) < 0)
        return -1;

    unlink(qmp);
    unlink(pidfile);
    params.qmpSocket = qmp;
    params.pidfile = pidfile;
    params.kvm = def->virtType == VIR_DOMAIN_VIRT_KVM;
    argv = qemuBuildCommandLine(def, &params);
    cmd = virCommandNew(argv[0]);
    virCommandAddArgSet(cmd, (const char *const *) argv + 1);
    {
        g_autofree char *cmdstr = virCommandToString(cmd, 0);
        g_autofree char *header = g_strdup_printf("%s\n", cmdstr);
        VIR_DEBUG("starting domain '%s': %s", obj->name, cmdstr);
        if (g_file_set_contents(logfile, header, -1, NULL) == FALSE)
            VIR_WARN("cannot write log header to '%s'", logfile);
    }

    if (virCommandRunDetached(cmd, logfile, &pid) < 0)
        goto error;
    if (!(mon = qemuProcessWaitMonitor(obj, pid)))
        goto error;
    if (virProcessIdentityGet(pid, &ident) < 0)
        goto error;

    obj->active = true;
    obj->pid = pid;
    obj->starttime = ident.starttime;
    virProcessIdentityClear(&ident);
    obj->id = id;
    def->id = id;
    obj->nextIndex = nextIndex;
    obj->state = VIR_DOMAIN_PAUSED;
    obj->reason = VIR_DOMAIN_PAUSED_STARTING_UP;
    if (obj->persistent)
        obj->newDef = g_steal_pointer(&obj->def);
    else
        virDomainDefFree(obj->def);
    obj->def = g_steal_pointer(&def);
    if (qemuDomainObjSaveStatus(obj) < 0)
        goto error;
    qemuCheckpointReconcile(obj, mon);   /* checkpoint consistency */

    if (!(flags & QEMU_PROCESS_START_PAUSED)) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_CONT, NULL) < 0)
            goto error;
        obj->state = VIR_DOMAIN_RUNNING;
        obj->reason = VIR_DOMAIN_RUNNING_BOOTED;
    } else {
        obj->reason = VIR_DOMAIN_PAUSED_USER;
    }
    if (qemuDomainObjSaveStatus(obj) < 0)
        goto error;
    VIR_INFO("domain '%s' started, pid %lld", obj->name, (long long) pid);
    return 0;

 error:
    {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (pid > 0)
            virProcessKillPainfully(pid, 5000);
        if (obj->active) {
            obj->active = false;
            obj->pid = 0;
            obj->id = -1;
            if (obj->persistent) {
                savedDef = g_steal_pointer(&obj->def);
                obj->def = g_steal_pointer(&obj->newDef);
            }
        }
        obj->state = VIR_DOMAIN_SHUTOFF;
        obj->reason = VIR_DOMAIN_SHUTOFF_FAILED;
        qemuDomainObjRemoveRuntimeFiles(obj);
        if (savedDef && savedDef->agent_socket)
            unlink(savedDef->agent_socket);
        if (obj->persistent)
            ignore_value(qemuDomainObjSaveStatus(obj));
        else {
            g_autofree char *status = qemuDriverStatusPath(obj->driver, obj->name);
            unlink(status);
        }
        virErrorRestore(&orig);
    }
    return -1;
}

int
qemuProcessStop(qemuDomainObj *obj, int reason)
{
    g_autoptr(qemuMonitor) mon = NULL;
    pid_t pid = obj->pid;

    if (!obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running"), obj->name);
        return -1;
    }

    /* A clean quit writes persistent bitmaps into the images. */
    if ((mon = qemuProcessConnectMonitor(obj))) {
        g_autoptr(virJSONValue) quit = qemuQMPCommandBuild(QEMU_QMP_QUIT, NULL);

        if (quit)
            ignore_value(qemuMonitorCommandFull(mon, &quit, NULL, 5000,
                                                QEMU_MONITOR_COMMAND_EOF_OK));
        g_clear_pointer(&mon, qemuMonitorClose);
    }
    virResetLastError();
    if (virProcessWaitExit(pid, QEMU_PROCESS_QUIT_TIMEOUT_MS) < 0) {
        virResetLastError();
        if (virProcessKillPainfully(pid, 10000) < 0)
            return -1;
    }

    qemuDomainObjRemoveRuntimeFiles(obj);
    obj->active = false;
    obj->pid = 0;
    obj->id = -1;
    obj->state = VIR_DOMAIN_SHUTOFF;
    obj->reason = reason;
    g_clear_pointer(&obj->blockjobs, g_ptr_array_unref);
    if (obj->persistent) {
        virDomainDefFree(obj->def);
        obj->def = g_steal_pointer(&obj->newDef);
        if (qemuDomainObjSaveStatus(obj) < 0)
            return -1;
    }
    VIR_INFO("domain '%s' stopped", obj->name);
    return 0;
}

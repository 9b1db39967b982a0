/*
 * qemumonitortest.c: the QMP monitor and declared commands against a
 * scripted fake QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "qemumonitortestutils.h"
#include "qemu_monitor.h"
#include "qemu_qmp.h"
#include "virerror.h"

#define TIMEOUT 5000

/* Connect a monitor to a fake peer playing transcript @name. */
static qemuMonitorTest *
testPeer(const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/qemumonitortestdata/%s",
                                            abs_srcdir, name);

    return qemuMonitorTestNewFromFile(path);
}


/* Does the last error have @code and mention every fragment? */
static bool
testLastErrorIs(int code, const char *frag1, const char *frag2)
{
    const char *msg = virGetLastErrorMessage();

    if (virTestLastErrorCode() != code) {
        virTestDiag("error code %d, expected %d (%s)",
                    virTestLastErrorCode(), code, msg);
        return false;
    }
    if ((frag1 && !strstr(msg, frag1)) || (frag2 && !strstr(msg, frag2))) {
        virTestDiag("error message '%s' lacks '%s'/'%s'", msg,
                    frag1 ? frag1 : "", frag2 ? frag2 : "");
        return false;
    }
    virResetLastError();
    return true;
}


static int
testHandshake(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("handshake.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    unsigned int major, minor, micro;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    qemuMonitorGetVersion(mon, &major, &minor, &micro);
    if (major != 7 || minor != 2 || micro != 22 ||
        !g_str_has_prefix(qemuMonitorGetVersionPackage(mon), "Debian"))
        return -1;
    if (qemuMonitorGetFD(mon) < 0 || qemuMonitorIsBroken(mon))
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testCommand(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("command.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply)))
        return -1;
    if (!g_str_equal(st->status, "prelaunch") || st->running)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testQEMUError(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("qemu-error.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD,
                       "s:node", "d0", "s:name", "b1",
                       "b:persistent", true, NULL) == 0)
        return -1;
    if (!testLastErrorIs(VIR_ERR_OPERATION_FAILED, "GenericError",
                         "Bitmap already exists: b1"))
        return -1;
    if (g_strcmp0(qemuMonitorGetLastErrorClass(mon), "GenericError") != 0 ||
        qemuMonitorIsBroken(mon))
        return -1;
    /* the monitor is still usable */
    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        qemuMonitorGetLastErrorClass(mon))
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


/* The status of a JOB_STATUS_CHANGE event, or NULL. */
static const char *
testJobStatus(virJSONValue *event)
{
    if (qemuQMPEventGetType(event) != QEMU_QMP_EVENT_JOB_STATUS_CHANGE)
        return NULL;
    return virJSONValueObjectGetString(qemuQMPEventGetData(event), "status");
}


static int
testEvents(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("events.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    g_autoptr(virJSONValue) ev = NULL;
    qemuQMPJobStatusWait running = { "bk0", QEMU_QMP_JOB_STATUS_RUNNING };
    qemuQMPJobStatusWait pending = { "bk0", QEMU_QMP_JOB_STATUS_PENDING };
    qemuQMPJobStatusWait concluded = { "bk0", QEMU_QMP_JOB_STATUS_CONCLUDED };
    const char *jsc = qemuQMPEventTypeToString(QEMU_QMP_EVENT_JOB_STATUS_CHANGE);

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                             "s:job-id", "bk0", "s:device", "d0",
                             "s:target", "t0", "s:sync", "full",
                             "b:auto-finalize", false,
                             "b:auto-dismiss", false, NULL) < 0 ||
        qemuQMPTransaction(mon, &actions, TIMEOUT) < 0 || actions)
        return -1;
    /* both events came before the reply and are queued, in order */
    if (qemuMonitorEventCount(mon) != 2)
        return -1;
    if (qemuMonitorWaitEvent(mon, jsc, qemuQMPJobStatusPredicate, &running,
                             TIMEOUT, &ev) < 0 ||
        g_strcmp0(testJobStatus(ev), "running") != 0)
        return -1;
    g_clear_pointer(&ev, virJSONValueFree);
    if (qemuMonitorNextEvent(mon, TIMEOUT, &ev) != 1 ||
        g_strcmp0(testJobStatus(ev), "created") != 0)
        return -1;
    g_clear_pointer(&ev, virJSONValueFree);
    /* nothing more for now */
    if (qemuMonitorNextEvent(mon, 20, &ev) != 0 || ev)
        return -1;
    /* later ones arrive by themselves; 'waiting' stays queued */
    if (qemuMonitorWaitEvent(mon, jsc, qemuQMPJobStatusPredicate, &pending,
                             TIMEOUT, &ev) < 0 ||
        g_strcmp0(testJobStatus(ev), "pending") != 0)
        return -1;
    g_clear_pointer(&ev, virJSONValueFree);
    if (qemuMonitorWaitEvent(mon,
                             qemuQMPEventTypeToString(QEMU_QMP_EVENT_BLOCK_JOB_PENDING),
                             NULL, NULL, TIMEOUT, NULL) < 0)
        return -1;
    if (qemuMonitorEventCount(mon) != 1)
        return -1;
    /* a wait that times out */
    if (qemuMonitorWaitEvent(mon, jsc, qemuQMPJobStatusPredicate, &concluded,
                             50, &ev) == 0 ||
        !testLastErrorIs(VIR_ERR_OPERATION_TIMEOUT, jsc, NULL) || ev)
        return -1;
    if (qemuMonitorNextEvent(mon, 0, &ev) != 1 ||
        g_strcmp0(testJobStatus(ev), "waiting") != 0)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


/* After a breaking failure, later calls fail at once with @code. */
static int
testFailsFast(qemuMonitor *mon, int code)
{
    g_autoptr(virJSONValue) ev = NULL;
    gint64 start = g_get_monotonic_time();

    if (!qemuMonitorIsBroken(mon))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(code, "unusable", NULL))
        return -1;
    if (qemuMonitorNextEvent(mon, TIMEOUT, &ev) != -1 ||
        !testLastErrorIs(code, "unusable", NULL))
        return -1;
    /* neither call waited for its timeout */
    return g_get_monotonic_time() - start < TIMEOUT * 1000 ? 0 : -1;
}


static int
testEOF(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("eof.txt");
    g_autoptr(qemuMonitor) mon = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_OPERATION_FAILED, "closed", NULL))
        return -1;
    if (testFailsFast(mon, VIR_ERR_OPERATION_FAILED) < 0)
        return -1;
    return qemuMonitorTestFinish(test);
}


static int
testMalformed(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("malformed.txt");
    g_autoptr(qemuMonitor) mon = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "malformed", "oops"))
        return -1;
    if (testFailsFast(mon, VIR_ERR_INTERNAL_ERROR) < 0)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testOversized(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("oversized.txt");
    g_autoptr(qemuMonitor) mon = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    qemuMonitorSetMaxLine(mon, 1024);
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "1024", NULL))
        return -1;
    if (testFailsFast(mon, VIR_ERR_INTERNAL_ERROR) < 0)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testUnknownId(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("unknown-id.txt");
    g_autoptr(qemuMonitor) mon = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "fleece-999", NULL))
        return -1;
    if (testFailsFast(mon, VIR_ERR_INTERNAL_ERROR) < 0)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testTimeout(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("timeout.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;
    gint64 start;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    start = g_get_monotonic_time();
    if (qemuQMPExecute(mon, 100, &reply, QEMU_QMP_QUERY_STATUS, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_OPERATION_TIMEOUT, "query-status", NULL) ||
        reply)
        return -1;
    /* no upper bound on the time: the peer holds the reply until the
     * next command, so only the timeout can have ended the call */
    if (g_get_monotonic_time() - start < 100 * 1000) {
        virTestDiag("the command gave up before its timeout");
        return -1;
    }
    /* the late 'paused' reply is dropped; this command gets 'running' */
    if (qemuMonitorIsBroken(mon) ||
        qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply)) ||
        !g_str_equal(st->status, "running"))
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testQuitEOF(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("quit-eof.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) ev = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_QUIT, NULL) < 0)
        return -1;
    if (qemuMonitorNextEvent(mon, 0, &ev) != 1 ||
        qemuQMPEventGetType(ev) != QEMU_QMP_EVENT_SHUTDOWN)
        return -1;
    if (!qemuMonitorIsBroken(mon))
        return -1;
    return qemuMonitorTestFinish(test);
}


static int
testConnectTimeout(const void *data G_GNUC_UNUSED)
{
    g_autofree char *dir = g_dir_make_tmp("fleece-qmp-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "none.sock", NULL);
    gint64 start = g_get_monotonic_time();
    qemuMonitor *mon = qemuMonitorOpen(path, 200);
    gint64 took = g_get_monotonic_time() - start;

    rmdir(dir);
    if (mon) {
        qemuMonitorClose(mon);
        return -1;
    }
    if (!testLastErrorIs(VIR_ERR_SYSTEM_ERROR, "none.sock", NULL))
        return -1;
    /* it retried until the deadline, and then gave up (the bound is far
     * above the deadline: it only catches retrying forever, and holds on
     * a loaded machine) */
    return took >= 200 * 1000 && took < 20 * 1000 * 1000 ? 0 : -1;
}


/* Every way the executor refuses a command, with nothing sent. */
static int
testRejected(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("nothing-sent.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    g_autoptr(virJSONValue) arr = json_object_new_array();
    g_autoptr(virJSONValue) obj = json_object_new_object();
    g_autoptr(virJSONValue) built = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;

    /* undeclared command */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_LAST, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "not declared", NULL))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, (qemuQMPCommand) -1,
                       "v:x", &arr, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "not declared", NULL) || arr)
        return -1;
    /* undeclared argument */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCKDEV_DEL,
                       "s:node-name", "n", "s:force", "yes", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'force'", "blockdev-del"))
        return -1;
    /* wrong type */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD,
                       "s:node", "d0", "s:name", "b", "s:persistent", "yes",
                       NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'persistent'", "'bool'"))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_TRANSACTION,
                       "v:actions", &obj, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'actions'", "'array'") || obj)
        return -1;
    /* missing required argument, NULL string */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
                       "s:node", "d0", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'name'", "missing"))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
                       "s:node", "d0", "s:name", NULL, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'name'", "no value"))
        return -1;
    /* undeclared value */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_BLOCK_EXPORT_DEL,
                       "s:id", "e", "s:mode", "brutal", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'brutal'", NULL))
        return -1;
    /* twice the same argument */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_OBJECT_DEL,
                       "s:id", "a", "s:id", "b", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "twice", NULL))
        return -1;
    /* malformed spec */
    if (qemuQMPExecute(mon, TIMEOUT, NULL, QEMU_QMP_OBJECT_DEL,
                       "id", "a", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "malformed", NULL))
        return -1;
    /* transaction actions are checked the same way */
    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_LAST, NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "not declared", NULL))
        return -1;
    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                             "s:job-id", "j", "s:device", "d0",
                             "s:target", "t", "s:sync", "sometimes",
                             NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'sometimes'", NULL))
        return -1;
    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
                             "s:node", "d0", "s:target", "t",
                             "s:bitmaps", "b0", NULL) == 0 ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'bitmaps'", "'array'"))
        return -1;
    if (json_object_array_length(actions) != 0)
        return -1;
    /* a structure, too */
    if ((built = qemuQMPStructBuild(QEMU_QMP_STRUCT_SOCKET_ADDRESS,
                                    "s:type", "vsock", NULL)) ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'vsock'", NULL))
        return -1;

    if (qemuMonitorIsBroken(mon))
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    /* the peer saw nothing but the handshake */
    return qemuMonitorTestFinish(test);
}


/* A push backup since checkpoint c1 creating c2, as in libvirt's QMP
 * (backup spec §3.5.1 c), against a hand-written golden file. */
static int
testTransactionGolden(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    g_autoptr(virJSONValue) sources = json_object_new_array();
    g_autoptr(virJSONValue) cmd = NULL;
    g_autofree char *path = g_strdup_printf("%s/qemumonitortestdata/transaction-backup.json",
                                            abs_srcdir);
    g_autofree char *text = NULL;

    qemuQMPBitmapListAppend(sources, "libvirt-3-format", "c1");
    qemuQMPBitmapListAppend(sources, "libvirt-13-format", "c1");
    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                             "s:node", "libvirt-3-format", "s:name", "c2",
                             "b:persistent", true, "b:disabled", false,
                             "U:granularity", 0ULL, NULL) < 0 ||
        qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                             "s:node", "libvirt-3-format",
                             "s:name", "backup-vda",
                             "b:persistent", false, "b:disabled", true,
                             "U:granularity", 65536ULL, NULL) < 0 ||
        qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
                             "s:node", "libvirt-3-format",
                             "s:target", "backup-vda",
                             "v:bitmaps", &sources, NULL) < 0 ||
        qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                             "s:device", "libvirt-3-format",
                             "s:job-id", "backup-vda-libvirt-3-format",
                             "s:target", "libvirt-20-format",
                             "s:sync", "incremental",
                             "S:bitmap", "backup-vda",
                             "S:filter-node-name", NULL,
                             "b:auto-finalize", true,
                             "b:auto-dismiss", false,
                             "B:compress", -1, NULL) < 0)
        return -1;
    if (sources)
        return -1;
    if (!(cmd = qemuQMPCommandBuild(QEMU_QMP_TRANSACTION,
                                    "v:actions", &actions, NULL)) || actions)
        return -1;
    text = virJSONValueToString(cmd, false);
    return qemuMonitorTestCompareJSONFile(text, path);
}


/* Nested structures: an NBD server on a unix socket and a blockdev with
 * a nested file node and "backing": null. */
static int
testStructs(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virJSONValue) unixaddr = NULL;
    g_autoptr(virJSONValue) addr = NULL;
    g_autoptr(virJSONValue) cache = NULL;
    g_autoptr(virJSONValue) file = NULL;
    g_autoptr(virJSONValue) start = NULL;
    g_autoptr(virJSONValue) add = NULL;
    g_autoptr(virJSONValue) both = json_object_new_array();
    g_autofree char *path = g_strdup_printf("%s/qemumonitortestdata/structs.json",
                                            abs_srcdir);
    g_autofree char *text = NULL;

    if (!(unixaddr = qemuQMPStructBuild(QEMU_QMP_STRUCT_UNIX_SOCKET,
                                        "s:path", "/run/nbd.sock", NULL)) ||
        !(addr = qemuQMPStructBuild(QEMU_QMP_STRUCT_SOCKET_ADDRESS,
                                    "s:type", "unix",
                                    "v:data", &unixaddr, NULL)) ||
        !(start = qemuQMPCommandBuild(QEMU_QMP_NBD_SERVER_START,
                                      "v:addr", &addr, NULL)))
        return -1;
    if (!(cache = qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_CACHE,
                                     "b:direct", true, NULL)) ||
        !(file = qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS,
                                    "s:driver", "file",
                                    "s:node-name", "scratch-storage",
                                    "s:filename", "/tmp/scratch.qcow2",
                                    "s:aio", "native",
                                    "v:cache", &cache, NULL)) ||
        !(add = qemuQMPCommandBuild(QEMU_QMP_BLOCKDEV_ADD,
                                    "s:driver", "qcow2",
                                    "s:node-name", "scratch-format",
                                    "v:file", &file, "n:backing",
                                    NULL)))
        return -1;
    json_object_array_add(both, g_steal_pointer(&start));
    json_object_array_add(both, g_steal_pointer(&add));
    text = virJSONValueToString(both, false);
    return qemuMonitorTestCompareJSONFile(text, path);
}


static int
testParse(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("parse.txt");
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    g_autoptr(GPtrArray) exports = NULL;
    qemuQMPBlockNode *node;
    qemuQMPDirtyBitmap *c1, *c2;
    qemuQMPJob *job;
    qemuQMPBlockExport *exp;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                       "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply)))
        return -1;
    if (nodes->len != 2 ||
        !(node = qemuQMPBlockNodeFind(nodes, "libvirt-1-format")) ||
        qemuQMPBlockNodeFind(nodes, "libvirt-2-format"))
        return -1;
    if (!g_str_equal(node->drv, "qcow2") ||
        !g_str_equal(node->file, "/images/top.qcow2") ||
        g_strcmp0(node->backingFile, "/images/base.qcow2") != 0 ||
        g_strv_length(node->backingChain) != 1 ||
        !g_str_equal(node->backingChain[0], "/images/base.qcow2") ||
        node->virtualSize != 1073741824 || node->clusterSize != 65536 ||
        node->readOnly)
        return -1;
    /* the unnamed job bitmap is skipped */
    if (node->bitmaps->len != 2 ||
        !(c1 = qemuQMPBlockNodeFindBitmap(node, "c1")) ||
        !(c2 = qemuQMPBlockNodeFindBitmap(node, "c2")))
        return -1;
    if (!c2->recording || !c2->persistent || c2->busy || c2->inconsistent ||
        c2->count != 131072 || c2->granularity != 65536)
        return -1;
    if (c1->recording || !c1->inconsistent || c1->granularity != 131072)
        return -1;
    node = qemuQMPBlockNodeFind(nodes, "libvirt-1-storage");
    if (!node || node->backingFile || g_strv_length(node->backingChain) != 0 ||
        node->bitmaps->len != 0)
        return -1;
    g_clear_pointer(&reply, virJSONValueFree);

    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(jobs = qemuQMPParseJobs(reply)) || jobs->len != 2)
        return -1;
    job = g_ptr_array_index(jobs, 0);
    if (!g_str_equal(job->id, "bk-full") || !g_str_equal(job->type, "backup") ||
        job->status != QEMU_QMP_JOB_STATUS_CONCLUDED || job->error ||
        job->current != job->total)
        return -1;
    job = g_ptr_array_index(jobs, 1);
    if (g_strcmp0(job->error, "No space left on device") != 0 ||
        job->current != 20971520)
        return -1;
    g_clear_pointer(&reply, virJSONValueFree);

    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_BLOCK_EXPORTS,
                       NULL) < 0 ||
        !(exports = qemuQMPParseBlockExports(reply)) || exports->len != 1)
        return -1;
    exp = g_ptr_array_index(exports, 0);
    if (!g_str_equal(exp->id, "expA") || !g_str_equal(exp->nodeName, "fleeceA") ||
        exp->shuttingDown)
        return -1;
    g_clear_pointer(&reply, virJSONValueFree);

    /* a node without its name is refused */
    if (qemuQMPExecute(mon, TIMEOUT, &reply, QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                       "b:flat", true, NULL) < 0)
        return -1;
    g_clear_pointer(&nodes, g_ptr_array_unref);
    if ((nodes = qemuQMPParseNamedBlockNodes(reply)) ||
        !testLastErrorIs(VIR_ERR_INTERNAL_ERROR, "'node-name'", NULL))
        return -1;

    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
testTable(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_strdup_printf("%s/qemumonitortestdata/qmp-table.txt",
                                            abs_srcdir);
    g_autofree char *table = qemuQMPFormatTable();

    return virTestCompareToFile(table, path);
}


/* The exchange recorded from real QEMU 7.2 by qemumonitorrealtest,
 * replayed with the same client scenario. */
static int
testReplayRecorded(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitorTest) test = testPeer("real-bitmap.txt");
    g_autoptr(qemuMonitor) mon = NULL;

    if (!test || !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), TIMEOUT)))
        return -1;
    if (qemuMonitorTestScenarioBitmap(mon, "disk0-format", "virtio-disk0") < 0)
        return -1;
    g_clear_pointer(&mon, qemuMonitorClose);
    return qemuMonitorTestFinish(test);
}


static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("greeting and capabilities", testHandshake, NULL);
    ret |= virTestRun("command and reply", testCommand, NULL);
    ret |= virTestRun("QEMU error becomes a virError", testQEMUError, NULL);
    ret |= virTestRun("events before the reply are queued", testEvents, NULL);
    ret |= virTestRun("EOF mid-command", testEOF, NULL);
    ret |= virTestRun("malformed JSON", testMalformed, NULL);
    ret |= virTestRun("oversized line", testOversized, NULL);
    ret |= virTestRun("reply to an unknown id", testUnknownId, NULL);
    ret |= virTestRun("timeout, late reply dropped", testTimeout, NULL);
    ret |= virTestRun("quit answered by EOF", testQuitEOF, NULL);
    ret |= virTestRun("connect timeout", testConnectTimeout, NULL);
    ret |= virTestRun("executor rejects before sending", testRejected, NULL);
    ret |= virTestRun("transaction builder golden", testTransactionGolden, NULL);
    ret |= virTestRun("nested structures golden", testStructs, NULL);
    ret |= virTestRun("reply parsers", testParse, NULL);
    ret |= virTestRun("declaration table", testTable, NULL);
    ret |= virTestRun("replay of a real QEMU transcript", testReplayRecorded, NULL);
    return ret ? -1 : 0;
}

VIR_TEST_MAIN(mymain)

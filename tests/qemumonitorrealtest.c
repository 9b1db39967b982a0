/*
 * qemumonitorrealtest.c: the QMP monitor and declared commands against a
 * real QEMU
 *
 * QEMU runs stopped (-S) with one 64 MiB qcow2 disk opened with -blockdev
 * and attached as virtio-disk0.  Everything lives in a temporary
 * directory removed at the end; QEMU is killed by its PID on any failure.
 * With FLEECE_TEST_REGENERATE=1 the exchange of the bitmap scenario is
 * written to qemumonitortestdata/real-bitmap.txt, which qemumonitortest
 * replays against the fake peer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "qemumonitortestutils.h"
#include "qemu_monitor.h"
#include "qemu_qmp.h"
#include "virerror.h"

#define QEMU_BINARY "qemu-system-x86_64"
#define QEMU_IMG_BINARY "qemu-img"
#define FMT_NODE "disk0-format"
#define FILE_NODE "disk0-storage"
#define QDEV "virtio-disk0"
#define BITMAP "fleece-cp1"
#define START_TIMEOUT 30000
#define EXIT_TIMEOUT_MS 15000
/* what temporary paths become in the recorded transcript */
#define NORMALISED_DIR "/tmp/fleece-qmp-real"

typedef struct {
    char *dir;
    char *disk;
    char *sock;
    char *log;
    GPid pid;               /* 0 once reaped */
    int exitStatus;
} testQEMU;

static testQEMU qemu;


/* Run a program to completion; 0 if it exited with 0. */
static int
testRunSync(const char *const *argv, char **out)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *errtext = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, out, &errtext, &status, &err)) {
        virTestDiag("cannot run %s: %s", argv[0], err->message);
        return -1;
    }
    if (!g_spawn_check_exit_status(status, NULL)) {
        virTestDiag("%s failed: %s", argv[0], errtext);
        return -1;
    }
    return 0;
}


/* Wait up to @timeout_ms for QEMU to exit; 0 when reaped. */
static int
testQEMUWait(int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64) timeout_ms * 1000;

    while (qemu.pid > 0) {
        int status;
        pid_t rc = waitpid(qemu.pid, &status, WNOHANG);

        if (rc == qemu.pid) {
            qemu.pid = 0;
            qemu.exitStatus = status;
            return 0;
        }
        if (rc < 0 && errno != EINTR)
            return -1;
        if (g_get_monotonic_time() > deadline)
            return -1;
        g_usleep(10 * 1000);
    }
    return 0;
}


/* Kill QEMU by its PID if it still runs, and remove every file. */
static void
testQEMUCleanup(void)
{
    if (qemu.pid > 0) {
        kill(qemu.pid, SIGKILL);
        testQEMUWait(EXIT_TIMEOUT_MS);
    }
    if (qemu.dir) {
        GDir *d = g_dir_open(qemu.dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *p = g_build_filename(qemu.dir, name, NULL);

            unlink(p);
        }
        if (d)
            g_dir_close(d);
        rmdir(qemu.dir);
    }
    g_clear_pointer(&qemu.dir, g_free);
    g_clear_pointer(&qemu.disk, g_free);
    g_clear_pointer(&qemu.sock, g_free);
    g_clear_pointer(&qemu.log, g_free);
}


/* In the child: die with the test, whatever happens to it. */
static void
testQEMUChildSetup(gpointer opaque G_GNUC_UNUSED)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}


/* Create the disk and start QEMU, stopped, with output to a log file. */
static int
testQEMUStart(void)
{
    const char *imgArgv[] = { QEMU_IMG_BINARY, "create", "-q", "-f", "qcow2",
                              NULL, "64M", NULL };
    g_autofree char *qmp = NULL;
    g_autofree char *bdFile = NULL;
    g_autofree char *bdFmt = NULL;
    g_autofree char *dev = g_strdup("virtio-blk-pci,drive=" FMT_NODE ",id=" QDEV);
    g_autoptr(GError) err = NULL;
    int kvmfd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    const char *accel = kvmfd >= 0 ? "kvm" : "tcg";
    int logfd;
    bool ok;

    if (kvmfd >= 0)
        close(kvmfd);
    if (!(qemu.dir = g_dir_make_tmp("fleece-qmp-real-XXXXXX", NULL)))
        return -1;
    qemu.disk = g_build_filename(qemu.dir, "disk.qcow2", NULL);
    qemu.sock = g_build_filename(qemu.dir, "qmp.sock", NULL);
    qemu.log = g_build_filename(qemu.dir, "qemu.log", NULL);
    imgArgv[5] = qemu.disk;
    if (testRunSync(imgArgv, NULL) < 0)
        return -1;

    qmp = g_strdup_printf("unix:%s,server=on,wait=off", qemu.sock);
    bdFile = g_strdup_printf("driver=file,filename=%s,node-name=" FILE_NODE,
                             qemu.disk);
    bdFmt = g_strdup("driver=qcow2,file=" FILE_NODE ",node-name=" FMT_NODE);
    {
        const char *argv[] = {
            QEMU_BINARY, "-accel", accel, "-S", "-nodefaults",
            "-display", "none", "-machine", "q35", "-m", "128",
            "-qmp", qmp, "-blockdev", bdFile, "-blockdev", bdFmt,
            "-device", dev, NULL
        };

        if ((logfd = open(qemu.log, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
            return -1;
        ok = g_spawn_async_with_fds(qemu.dir, (char **) argv, NULL,
                                    G_SPAWN_SEARCH_PATH |
                                    G_SPAWN_DO_NOT_REAP_CHILD,
                                    testQEMUChildSetup, NULL, &qemu.pid,
                                    -1, logfd, logfd,
                                    &err);
        close(logfd);
    }
    if (!ok) {
        virTestDiag("cannot start QEMU: %s", err->message);
        return -1;
    }
    virTestDiag("QEMU pid %d, accel %s", (int) qemu.pid, accel);
    return 0;
}


/* The QEMU log, as a diagnostic, when something went wrong. */
static void
testQEMUShowLog(void)
{
    g_autofree char *text = qemu.log ? virTestLoadFile(qemu.log) : NULL;

    if (text && *text)
        virTestDiag("QEMU log:\n%s", text);
}


static int
testCommandsExist(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_auto(GStrv) names = NULL;
    unsigned int major, minor, micro;
    size_t i;
    int ret = 0;

    if (!(mon = qemuMonitorOpen(qemu.sock, START_TIMEOUT)))
        return -1;
    qemuMonitorGetVersion(mon, &major, &minor, &micro);
    virTestDiag("QEMU %u.%u.%u (%s)", major, minor, micro,
                qemuMonitorGetVersionPackage(mon));
    if (major < 7)
        return -1;
    if (qemuQMPExecute(mon, START_TIMEOUT, &reply, QEMU_QMP_QUERY_COMMANDS,
                       NULL) < 0 ||
        !(names = qemuQMPParseCommandNames(reply)))
        return -1;
    for (i = 0; i < QEMU_QMP_LAST; i++) {
        const char *name = qemuQMPCommandTypeToString(i);

        if (!g_strv_contains((const char *const *) names, name)) {
            virTestDiag("declared command '%s' is unknown to QEMU", name);
            ret = -1;
        }
    }
    return ret;
}


/* Collect the member names of schema type @type, with the members of
 * every variant of a union, into @names. */
static void
testSchemaMembers(GHashTable *types, const char *type, GHashTable *names,
                  unsigned int depth)
{
    virJSONValue *info = g_hash_table_lookup(types, type);
    virJSONValue *members = virJSONValueObjectGet(info, "members");
    virJSONValue *variants = virJSONValueObjectGet(info, "variants");
    size_t i;

    if (!info || depth > 4)
        return;
    for (i = 0; members && i < json_object_array_length(members); i++) {
        const char *n = virJSONValueObjectGetString(
            json_object_array_get_idx(members, i), "name");

        if (n)
            g_hash_table_add(names, (char *) n);
    }
    for (i = 0; variants && i < json_object_array_length(variants); i++) {
        const char *t = virJSONValueObjectGetString(
            json_object_array_get_idx(variants, i), "type");

        if (t)
            testSchemaMembers(types, t, names, depth + 1);
    }
}


/* Every argument declared for a command is a member of the command's
 * argument type in QEMU's own schema (query-qmp-schema). */
static int
testArgsInSchema(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) schema = NULL;
    g_autoptr(virJSONValue) cmd = NULL;
    g_autoptr(GHashTable) types = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) commands = g_hash_table_new(g_str_hash, g_str_equal);
    size_t i;
    int ret = 0;

    if (!(mon = qemuMonitorOpen(qemu.sock, START_TIMEOUT)))
        return -1;
    /* query-qmp-schema is for this check only, hence not declared */
    if (!(cmd = virJSONValueFromString("{\"execute\": \"query-qmp-schema\"}")) ||
        qemuMonitorCommand(mon, &cmd, &schema, START_TIMEOUT) < 0)
        return -1;
    for (i = 0; i < json_object_array_length(schema); i++) {
        virJSONValue *info = json_object_array_get_idx(schema, i);
        const char *name = virJSONValueObjectGetString(info, "name");
        const char *meta = virJSONValueObjectGetString(info, "meta-type");

        if (!name || !meta)
            continue;
        if (g_str_equal(meta, "command"))
            g_hash_table_insert(commands, (char *) name, info);
        else
            g_hash_table_insert(types, (char *) name, info);
    }
    for (i = 0; i < QEMU_QMP_LAST; i++) {
        const char *name = qemuQMPCommandTypeToString(i);
        virJSONValue *info = g_hash_table_lookup(commands, name);
        g_autoptr(GHashTable) members = g_hash_table_new(g_str_hash, g_str_equal);
        g_auto(GStrv) args = qemuQMPCommandArgNames(i);
        size_t j;

        if (!info) {
            virTestDiag("command '%s' not in the schema", name);
            ret = -1;
            continue;
        }
        testSchemaMembers(types, virJSONValueObjectGetString(info, "arg-type"),
                          members, 0);
        for (j = 0; args[j]; j++) {
            if (!g_hash_table_contains(members, args[j])) {
                virTestDiag("argument '%s' of '%s' not in QEMU's schema",
                            args[j], name);
                ret = -1;
            }
        }
    }
    return ret;
}


/* QEMU's own error for a bitmap on the protocol node reaches us with its
 * class and description. */
static int
testRealError(const void *data G_GNUC_UNUSED)
{
    g_autoptr(qemuMonitor) mon = NULL;

    if (!(mon = qemuMonitorOpen(qemu.sock, START_TIMEOUT)))
        return -1;
    if (qemuQMPExecute(mon, START_TIMEOUT, NULL,
                       QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD,
                       "s:node", FILE_NODE, "s:name", "x",
                       "b:persistent", true, NULL) == 0)
        return -1;
    if (virTestLastErrorCode() != VIR_ERR_OPERATION_FAILED ||
        !strstr(virGetLastErrorMessage(), "GenericError") ||
        !strstr(virGetLastErrorMessage(), "Can't store persistent bitmaps")) {
        virTestDiag("unexpected error: %s", virGetLastErrorMessage());
        return -1;
    }
    return qemuMonitorIsBroken(mon) ? -1 : 0;
}


/* Replace every occurrence of @from in @text by @to. */
static char *
testReplace(const char *text, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(text, from, -1);

    return g_strjoinv(to, parts);
}


static int
testScenario(const void *data G_GNUC_UNUSED)
{
    g_autoptr(GString) record = g_string_new(NULL);
    g_autoptr(qemuMonitor) mon = NULL;
    int rc;

    if (!(mon = qemuMonitorOpenRecording(qemu.sock, START_TIMEOUT, record)))
        return -1;
    rc = qemuMonitorTestScenarioBitmap(mon, FMT_NODE, QDEV);
    g_clear_pointer(&mon, qemuMonitorClose);
    if (rc < 0)
        return -1;

    if (virTestRegenerate()) {
        g_autofree char *path = g_strdup_printf("%s/qemumonitortestdata/real-bitmap.txt",
                                                abs_srcdir);
        g_autofree char *body = testReplace(record->str, qemu.dir,
                                            NORMALISED_DIR);
        g_autofree char *text =
            g_strdup_printf("# Recorded from real QEMU by qemumonitorrealtest with\n"
                            "# FLEECE_TEST_REGENERATE=1; temporary paths and event\n"
                            "# timestamps normalised, command ids dropped.\n%s",
                            body);

        return virTestCompareToFile(text, path);
    }
    return 0;
}


static int
testExit(const void *data G_GNUC_UNUSED)
{
    if (testQEMUWait(EXIT_TIMEOUT_MS) < 0) {
        virTestDiag("QEMU did not exit after quit");
        return -1;
    }
    if (!WIFEXITED(qemu.exitStatus) || WEXITSTATUS(qemu.exitStatus) != 0) {
        virTestDiag("QEMU exit status 0x%x", qemu.exitStatus);
        return -1;
    }
    return 0;
}


/* After a clean quit the persistent bitmap is in the image. */
static int
testBitmapStored(const void *data G_GNUC_UNUSED)
{
    const char *argv[] = { QEMU_IMG_BINARY, "info", "--output=json", NULL,
                           NULL };
    g_autofree char *out = NULL;
    g_autoptr(virJSONValue) info = NULL;
    virJSONValue *bitmaps;
    size_t i;

    argv[3] = qemu.disk;
    if (testRunSync(argv, &out) < 0 || !(info = virJSONValueFromString(out)))
        return -1;
    bitmaps = virJSONValueObjectGet(virJSONValueObjectGet(
                  virJSONValueObjectGet(info, "format-specific"), "data"),
                  "bitmaps");
    for (i = 0; bitmaps && i < json_object_array_length(bitmaps); i++) {
        virJSONValue *b = json_object_array_get_idx(bitmaps, i);

        if (g_strcmp0(virJSONValueObjectGetString(b, "name"), BITMAP) == 0)
            return 0;
    }
    virTestDiag("bitmap '%s' not stored: %s", BITMAP, out);
    return -1;
}


static int
mymain(void)
{
    g_autofree char *qemuPath = g_find_program_in_path(QEMU_BINARY);
    g_autofree char *imgPath = g_find_program_in_path(QEMU_IMG_BINARY);
    int ret = 0;

    if (!qemuPath || !imgPath) {
        return virTestSkipBecause("%s not found in PATH",
                                  qemuPath ? QEMU_IMG_BINARY : QEMU_BINARY);
    }

    if (testQEMUStart() < 0) {
        virTestDiag("cannot start QEMU");
        testQEMUShowLog();
        testQEMUCleanup();
        return -1;
    }
    ret |= virTestRun("declared commands exist in QEMU", testCommandsExist, NULL);
    ret |= virTestRun("declared arguments exist in QEMU's schema",
                      testArgsInSchema, NULL);
    ret |= virTestRun("QEMU error reaches the caller", testRealError, NULL);
    ret |= virTestRun("bitmap scenario", testScenario, NULL);
    ret |= virTestRun("QEMU exits after quit", testExit, NULL);
    if (qemu.pid == 0)
        ret |= virTestRun("bitmap stored in the image", testBitmapStored, NULL);
    else
        virTestSkip("bitmap stored in the image", "QEMU still running");
    if (ret)
        testQEMUShowLog();
    testQEMUCleanup();
    return ret ? -1 : 0;
}

VIR_TEST_MAIN(mymain)

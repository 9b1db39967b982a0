/*
 * qemubackupqmptest.c: the QMP traffic of backups (and of quiesced
 * checkpoints), replayed against the fake QMP peer
 *
 * Each case makes a driver root in a temporary directory with a running
 * domain "testvm" (two qcow2 disks with node names libvirt-1/2-*; the
 * QEMU process is played by this test's own pid, so the domain loads as
 * alive), optionally redefines checkpoints (metadata only), then runs a
 * list of steps as separate Fleece calls would: every step loads the
 * domain from its files, locked, and the backup code connects its own
 * monitor to ROOT/run/testvm.qmp, where the fake peer plays
 * qemubackupdata/NAME.txt (one "!reconnect" between steps; "@TMP@"
 * stands for the temporary directory).  The peer fails on any command
 * the transcript does not expect, in order, and on any it never got.
 *
 * After every step the API result and error code, whether the backup
 * still runs, the job's status, statistics and message (as a fresh load
 * of the status file sees them) are compared with the expected values;
 * at the end, which files exist, the checkpoint tree and, with the fake
 * guest agent, the freeze/thaw sequence.  Store and scratch images are
 * created by the real qemu-img.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutils.h"
#include "qemuagenttestutils.h"
#include "qemumonitortestutils.h"
#include "qemu_backup.h"
#include "qemu_checkpoint.h"
#include "libvirt/libvirt-domain.h"
#include "libvirt/libvirt-domain-checkpoint.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"
#include "virstring.h"

#define DOMNAME "testvm"

typedef enum {
    OP_NONE = 0,
    OP_BEGIN,          /* qemuBackupBegin(backupXML, checkpointXML, flags) */
    OP_RECONCILE,      /* qemuBackupReconcile, own monitor */
    OP_END,            /* qemuBackupEnd */
    OP_CHECKPOINT,     /* qemuCheckpointCreate(checkpointXML, flags) */
} testOp;

typedef struct {
    testOp op;
    int error;                    /* expected VIR_ERR_*, 0 = success */
    bool running;                 /* a backup is recorded afterwards */
    int status;                   /* job status afterwards (current while
                                   * running, else completed), -1 = none */
    unsigned long long disk[2];   /* disk_processed, disk_total */
    unsigned long long temp[2];   /* temp_used, temp_total */
    const char *errmsg;           /* the job's message, NULL = none */
} testStep;

typedef struct {
    const char *name;             /* qemubackupdata/NAME.txt */
    const char *chain;            /* checkpoints redefined first, "c1,c2" */
    const char *backupXML;
    const char *checkpointXML;
    unsigned int flags;
    int agent;                    /* qemuAgentTestMode, -1 = no agent */
    const char *agentLog;         /* expected agent commands */
    testStep steps[4];
    const char *exist;            /* files under @TMP@ that must exist */
    const char *absent;           /* ... and that must not */
    const char *tree;             /* "name:parent" list afterwards */
} testCase;

static char *
testDomainXML(const char *tmp)
{
    g_autofree char *path = g_build_filename(abs_srcdir, "data", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *channel = NULL;
    g_autoptr(GString) s = NULL;

    if (virFileReadAll(path, 1024 * 1024, &xml) < 0)
        return NULL;
    s = g_string_new(xml);
    channel = g_strdup_printf("    <channel type='unix'>\n"
                              "      <source mode='bind' path='%s/agent.sock'/>\n"
                              "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                              "    </channel>\n"
                              "    <memballoon", tmp);
    g_string_replace(s, "    <memballoon", channel, 1);
    g_string_replace(s, "DISKDIR", "/img", 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Write the files of a running domain whose "QEMU" is this process. */
static int
testDomainCreate(qemuDriver *driver, const char *tmp)
{
    g_autofree char *xml = testDomainXML(tmp);
    g_autoptr(qemuDomainObj) obj = g_new0(qemuDomainObj, 1);
    g_auto(virProcessIdentity) ident = { 0 };
    size_t i;

    if (!xml || !(obj->def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return -1;
    for (i = 0; i < obj->def->ndisks; i++) {
        obj->def->disks[i]->src->nodeformat = g_strdup_printf("libvirt-%zu-format", i + 1);
        obj->def->disks[i]->src->nodestorage = g_strdup_printf("libvirt-%zu-storage", i + 1);
    }
    if (virProcessIdentityGet(getpid(), &ident) < 0)
        return -1;
    obj->newDef = virDomainDefCopy(obj->def);
    obj->driver = driver;
    obj->name = g_strdup(obj->def->name);
    obj->persistent = true;
    obj->active = true;
    obj->state = VIR_DOMAIN_RUNNING;
    obj->id = 1;
    obj->pid = ident.pid;
    obj->starttime = ident.starttime;
    obj->nextIndex = obj->def->ndisks + 1;
    qemuDomainJobObjInit(&obj->job, NULL, NULL);
    if (qemuDomainObjSaveConfig(driver, obj->newDef) < 0 ||
        qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    return 0;
}

/* Redefine the checkpoints in @chain (comma separated), metadata only. */
static int
testRedefineChain(qemuDriver *driver, const char *chain)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjLoad(driver, DOMNAME, QEMU_DOMAIN_LOAD_LOCK);
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_auto(GStrv) names = g_strsplit(chain, ",", -1);
    size_t i;

    if (!obj || !(list = qemuCheckpointLoad(obj, NULL)))
        return -1;
    for (i = 0; names[i]; i++) {
        g_autofree char *xml = NULL;
        g_autofree char *parent = NULL;

        if (i > 0)
            parent = g_strdup_printf("<parent><name>%s</name></parent>", names[i - 1]);
        xml = g_strdup_printf("<domaincheckpoint><name>%s</name>%s"
                              "<creationTime>%zu</creationTime><disks>"
                              "<disk name='vda'/><disk name='vdb'/></disks>"
                              "</domaincheckpoint>", names[i], NULLSTR_EMPTY(parent), i + 1);
        if (!qemuCheckpointCreate(obj, NULL, list, xml,
                                  VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
            return -1;
    }
    return 0;
}

/* "name:parent,..." of the checkpoint tree as a fresh load sees it. */
static char *
testTree(qemuDriver *driver)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjLoad(driver, DOMNAME, 0);
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_autofree virDomainCheckpointObj **objs = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    size_t i;

    if (!obj || !(list = qemuCheckpointLoad(obj, NULL)) ||
        virDomainCheckpointObjListGetAll(list, NULL, &objs,
                                         VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL) < 0)
        return NULL;
    for (i = 0; objs[i]; i++)
        g_string_append_printf(s, "%s%s:%s", i ? "," : "", objs[i]->def->name,
                               NULLSTR_EMPTY(objs[i]->def->parent_name));
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Run one step on a fresh, locked load of the domain. */
static int
testRunStep(qemuDriver *driver, const testCase *tc, const testStep *st,
            const char *backupXML, const char *checkpointXML)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuDomainJobData) done = NULL;
    int rc = -1;

    if (!(obj = qemuDomainObjLoad(driver, DOMNAME, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    virResetLastError();
    switch (st->op) {
    case OP_BEGIN:
        rc = qemuBackupBegin(obj, backupXML, checkpointXML, tc->flags);
        break;
    case OP_RECONCILE:
        rc = qemuBackupReconcile(obj, NULL, &done);
        break;
    case OP_END:
        rc = qemuBackupEnd(obj, &done);
        break;
    case OP_CHECKPOINT: {
        g_autofree char *path = qemuDriverMonitorPath(driver, DOMNAME);
        g_autoptr(qemuMonitor) mon = qemuMonitorOpen(path, 5000);
        g_autoptr(virDomainCheckpointObjList) list = NULL;

        if (mon && (list = qemuCheckpointLoad(obj, mon)))
            rc = qemuCheckpointCreate(obj, mon, list, checkpointXML, tc->flags) ? 0 : -1;
        break;
    }
    case OP_NONE:
        break;
    }
    if (st->error ? (rc == 0 || virGetLastErrorCode() != st->error) : rc < 0) {
        virTestDiag("step %d: rc %d, error %d (%s), want %d", st->op, rc,
                    virGetLastErrorCode(), virGetLastErrorMessage(), st->error);
        return -1;
    }
    virResetLastError();
    /* the caller learns of the end exactly when the backup ended */
    if ((st->op == OP_RECONCILE || st->op == OP_END) &&
        (done ? st->running || done->status != st->status : !st->running)) {
        virTestDiag("step %d: completion %s (status %d)", st->op,
                    done ? "reported" : "not reported", done ? done->status : -1);
        return -1;
    }
    return 0;
}

/* Compare the recorded job of the domain with the step's expectations. */
static int
testCheckJob(qemuDriver *driver, const testStep *st)
{
    g_autoptr(qemuDomainObj) obj = qemuDomainObjLoad(driver, DOMNAME, 0);
    g_autoptr(qemuDomainJobData) completed = NULL;
    const qemuDomainJobData *data;

    if (!obj)
        return -1;
    if (!!obj->backup != st->running) {
        virTestDiag("backup %s, want %s", obj->backup ? "running" : "gone",
                    st->running ? "running" : "gone");
        return -1;
    }
    if (st->running) {
        data = obj->job.current;
    } else {
        if (obj->job.asyncJob != QEMU_ASYNC_JOB_NONE || obj->job.current) {
            virTestDiag("the job slot is still taken");
            return -1;
        }
        completed = qemuDomainJobTakeCompleted(&obj->job, false);
        data = completed;
    }
    if ((data ? data->status : -1) != st->status) {
        virTestDiag("job status %d, want %d", data ? data->status : -1, st->status);
        return -1;
    }
    if (!data)
        return 0;
    if (data->disk_processed != st->disk[0] || data->disk_total != st->disk[1] ||
        data->temp_used != st->temp[0] || data->temp_total != st->temp[1]) {
        virTestDiag("job stats disk %llu/%llu temp %llu/%llu, want %llu/%llu %llu/%llu",
                    data->disk_processed, data->disk_total, data->temp_used,
                    data->temp_total, st->disk[0], st->disk[1], st->temp[0], st->temp[1]);
        return -1;
    }
    if (g_strcmp0(data->errmsg, st->errmsg) != 0) {
        virTestDiag("job message '%s', want '%s'", NULLSTR(data->errmsg),
                    NULLSTR(st->errmsg));
        return -1;
    }
    return 0;
}

/* Every file of @list (comma separated, under @tmp) exists / not. */
static int
testCheckFiles(const char *tmp, const char *list, bool exist)
{
    g_auto(GStrv) names = list ? g_strsplit(list, ",", -1) : NULL;
    size_t i;

    for (i = 0; names && names[i]; i++) {
        g_autofree char *path = g_build_filename(tmp, names[i], NULL);

        if (virFileExists(path) != exist) {
            virTestDiag("'%s' %s", names[i], exist ? "is missing" : "was left behind");
            return -1;
        }
    }
    return 0;
}

/* !check of the transcripts: the fake agent's state at that point. */
static int
testAgentCheck(const char *name, void *opaque)
{
    qemuAgentTest *agent = opaque;
    bool frozen = agent && qemuAgentTestFrozen(agent);

    if (g_str_equal(name, "frozen"))
        return frozen ? 0 : -1;
    if (g_str_equal(name, "thawed"))
        return frozen ? -1 : 0;
    return -1;
}

/* rm -r of the temporary root (sockets and images included). */
static void
testRemoveTree(const char *path)
{
    g_autoptr(GDir) d = NULL;
    const char *ent;

    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        d = g_dir_open(path, 0, NULL);
        while (d && (ent = g_dir_read_name(d))) {
            g_autofree char *sub = g_build_filename(path, ent, NULL);

            testRemoveTree(sub);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* @text with @TMP@ replaced by the temporary directory. */
static char *
testSubst(const char *text, const char *tmp)
{
    g_autoptr(GString) s = NULL;

    if (!text)
        return NULL;
    s = g_string_new(text);
    g_string_replace(s, "@TMP@", tmp, 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* One case: domain files, transcript, steps, final checks. */
static int
testBackupCase(const void *opaque)
{
    const testCase *tc = opaque;
    g_autofree char *tmp = g_dir_make_tmp("fleece-bkqmp-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/qemubackupdata/%s.txt", abs_srcdir,
                                            tc->name);
    g_autofree char *transcript = NULL;
    g_autofree char *text = NULL;
    g_autofree char *backupXML = NULL;
    g_autofree char *checkpointXML = NULL;
    g_autofree char *agentPath = NULL;
    g_autofree char *monPath = NULL;
    g_autofree char *tree = NULL;
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuAgentTest) agent = NULL;
    g_autoptr(qemuMonitorTest) test = NULL;
    size_t i;
    int ret = -1;

    if (!tmp || !(driver = qemuDriverNew(tmp, false)) || testDomainCreate(driver, tmp) < 0)
        goto cleanup;
    if (tc->chain && testRedefineChain(driver, tc->chain) < 0)
        goto cleanup;
    backupXML = testSubst(tc->backupXML, tmp);
    checkpointXML = testSubst(tc->checkpointXML, tmp);
    agentPath = g_build_filename(tmp, "agent.sock", NULL);
    if (tc->agent >= 0 && !(agent = qemuAgentTestNew(agentPath, tc->agent)))
        goto cleanup;
    /* the fake peer does not serve NBD: the socket QEMU would create
     * is a plain file, whose mode the backup restricts */
    if (backupXML && strstr(backupXML, "nbd.sock")) {
        g_autofree char *sock = g_build_filename(tmp, "nbd.sock", NULL);

        if (!g_file_set_contents(sock, "", 0, NULL) || chmod(sock, 0666) < 0)
            goto cleanup;
    }

    if (!(transcript = virTestLoadFile(path))) {
        virTestDiag("cannot read transcript '%s'", path);
        goto cleanup;
    }
    text = testSubst(transcript, tmp);
    monPath = qemuDriverMonitorPath(driver, DOMNAME);
    if (!(test = qemuMonitorTestNewFull(text, monPath, testAgentCheck, agent)))
        goto cleanup;

    for (i = 0; i < G_N_ELEMENTS(tc->steps) && tc->steps[i].op != OP_NONE; i++) {
        const testStep *st = &tc->steps[i];

        if (testRunStep(driver, tc, st, backupXML, checkpointXML) < 0)
            goto cleanup;
        if (st->op != OP_CHECKPOINT && testCheckJob(driver, st) < 0) {
            virTestDiag("after step %zu", i + 1);
            goto cleanup;
        }
    }
    if (qemuMonitorTestFinish(test) < 0)
        goto cleanup;

    if (testCheckFiles(tmp, tc->exist, true) < 0 ||
        testCheckFiles(tmp, tc->absent, false) < 0)
        goto cleanup;
    if (backupXML && strstr(backupXML, "nbd.sock")) {
        g_autofree char *sock = g_build_filename(tmp, "nbd.sock", NULL);
        struct stat sb;

        if (stat(sock, &sb) < 0 || (sb.st_mode & 0777) != 0600) {
            virTestDiag("export socket mode %o, want 600", sb.st_mode & 0777);
            goto cleanup;
        }
    }
    if (!(tree = testTree(driver)) || !g_str_equal(tree, tc->tree)) {
        virTestDiag("tree '%s', want '%s'", NULLSTR(tree), tc->tree);
        goto cleanup;
    }
    if (agent) {
        g_autofree char *log = qemuAgentTestCommands(agent);

        if (!g_str_equal(log, tc->agentLog) || qemuAgentTestFrozen(agent)) {
            virTestDiag("agent saw '%s' (frozen %d), want '%s'", log,
                        qemuAgentTestFrozen(agent), tc->agentLog);
            goto cleanup;
        }
    }
    {
        /* no checkpoint journal (create or delete) is left over */
        g_autofree char *dir = qemuDriverCheckpointDir(driver, DOMNAME);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *ent;

        while (d && (ent = g_dir_read_name(d))) {
            if (g_str_equal(ent, ".create.xml") || g_str_equal(ent, ".delete")) {
                virTestDiag("leftover '%s' in the checkpoint directory", ent);
                goto cleanup;
            }
        }
    }
    ret = 0;

 cleanup:
    g_clear_pointer(&test, qemuMonitorTestFree);
    g_clear_pointer(&agent, qemuAgentTestFree);
    g_clear_pointer(&driver, qemuDriverFree);
    if (tmp)
        testRemoveTree(tmp);
    return ret;
}

#define PUSH_FULL2 \
    "<domainbackup><disks>" \
    "<disk name='vda' type='file'><target file='@TMP@/full-vda.qcow2'/>" \
    "<driver type='qcow2'/></disk>" \
    "<disk name='vdb' type='file'><target file='@TMP@/full-vdb.raw'/>" \
    "<driver type='raw'/></disk></disks></domainbackup>"
#define PUSH_FULL1 \
    "<domainbackup><disks>" \
    "<disk name='vda' type='file'><target file='@TMP@/full-vda.qcow2'/></disk>" \
    "<disk name='vdb' backup='no'/></disks></domainbackup>"
#define PULL_FULL \
    "<domainbackup mode='pull'><server transport='unix' socket='@TMP@/nbd.sock'/>" \
    "<disks><disk name='vda' type='file'><scratch file='@TMP@/scratch-vda.qcow2'/></disk>" \
    "<disk name='vdb' backup='no'/></disks></domainbackup>"
#define MiB (1024ULL * 1024)

static int
mymain(void)
{
    static const testCase cases[] = {
        /* push, both disks, a new checkpoint in the transaction; one look
         * while the jobs run, one after they concluded */
        { "push-full", NULL, PUSH_FULL2,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE,
              { MiB / 2, 2 * MiB }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 2 * MiB, 2 * MiB }, { 0, 0 }, NULL } },
          "full-vda.qcow2,full-vdb.raw", NULL, "c1:" },
        /* push since c1: temporary bitmap, sync incremental, removed */
        { "push-incremental", "c1",
          "<domainbackup><incremental>c1</incremental><disks>"
          "<disk name='vda' type='file'><target file='@TMP@/inc-vda.qcow2'/></disk>"
          "<disk name='vdb' backup='no'/></disks></domainbackup>", NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 128 * 1024, 128 * 1024 }, { 0, 0 }, NULL } },
          "inc-vda.qcow2", NULL, "c1:" },
        /* vda since c1 (differential), vdb since c2 */
        { "push-differential", "c1,c2",
          "<domainbackup><incremental>c2</incremental><disks>"
          "<disk name='vda' type='file' incremental='c1'><target file='@TMP@/diff-vda.qcow2'/></disk>"
          "<disk name='vdb' type='file'><target file='@TMP@/diff-vdb.qcow2'/></disk>"
          "</disks></domainbackup>", NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 320 * 1024, 320 * 1024 }, { 0, 0 }, NULL } },
          "diff-vda.qcow2,diff-vdb.qcow2", NULL, "c1:,c2:c1" },
        /* pull over a unix socket, then its end */
        { "pull-full", NULL, PULL_FULL, NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 0, 0 }, { 192 * 1024, MiB }, NULL } },
          NULL, "scratch-vda.qcow2", "" },
        /* the export is refused after the job started: ended at once, as
         * failed, with QEMU's reason */
        { "pull-export-refused", NULL, PULL_FULL, NULL, 0, -1, NULL,
          { { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, QEMU_DOMAIN_JOB_STATUS_FAILED,
              { 0, 0 }, { 0, MiB },
              "operation failed: QEMU command 'block-export-add' failed: "
              "GenericError: Permission denied" } },
          NULL, "scratch-vda.qcow2", "" },
        /* pull since c1: the export carries the bitmap */
        { "pull-incremental", "c1",
          "<domainbackup mode='pull'><incremental>c1</incremental>"
          "<server transport='unix' socket='@TMP@/nbd.sock'/>"
          "<disks><disk name='vda' type='file'><scratch file='@TMP@/scratch-vda.qcow2'/></disk>"
          "<disk name='vdb' backup='no'/></disks></domainbackup>", NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 0, 0 }, { 0, MiB }, NULL } },
          NULL, "scratch-vda.qcow2", "c1:" },
        /* push aborted while running: cancelled, target removed */
        { "push-abort", NULL, PUSH_FULL1, NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, QEMU_DOMAIN_JOB_STATUS_CANCELED,
              { 256 * 1024, MiB }, { 0, 0 }, NULL } },
          NULL, "full-vda.qcow2", "" },
        /* QEMU refuses the transaction: everything is rolled back */
        { "transaction-refused", NULL, PUSH_FULL2,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0, -1, NULL,
          { { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          NULL, "full-vda.qcow2,full-vdb.raw", "" },
        /* the copy hit ENOSPC: the backup failed with QEMU's message */
        { "push-enospc", NULL, PUSH_FULL1, NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_FAILED,
              { 448 * 1024, MiB }, { 0, 0 }, "disk 'vda': No space left on device" } },
          NULL, "full-vda.qcow2", "" },
        /* the push finished while no Fleece process was connected */
        { "reconcile-finished", NULL, PUSH_FULL2, NULL, 0, -1, NULL,
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_COMPLETED,
              { 2 * MiB, 2 * MiB }, { 0, 0 }, NULL } },
          "full-vda.qcow2,full-vdb.raw", NULL, "" },
        /* quiesce: frozen during the transaction, thawed after it */
        { "checkpoint-quiesce", NULL, NULL,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE, QEMU_AGENT_TEST_NORMAL,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_CHECKPOINT, 0 } }, NULL, NULL, "c1:" },
        { "checkpoint-quiesce-refused", NULL, NULL,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE, QEMU_AGENT_TEST_NORMAL,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_CHECKPOINT, VIR_ERR_OPERATION_FAILED } }, NULL, NULL, "" },
        /* the freeze fails: no transaction, and a thaw all the same */
        { "checkpoint-quiesce-nofreeze", NULL, NULL,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE, QEMU_AGENT_TEST_FREEZE_FAILS,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_CHECKPOINT, VIR_ERR_OPERATION_FAILED } }, NULL, NULL, "" },
        { "backup-quiesce", NULL, PUSH_FULL1, NULL,
          VIR_DOMAIN_BACKUP_BEGIN_QUIESCE, QEMU_AGENT_TEST_NORMAL,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_BEGIN, 0, true, QEMU_DOMAIN_JOB_STATUS_ACTIVE, { 0, 0 }, { 0, 0 }, NULL } },
          "full-vda.qcow2", NULL, "" },
        { "backup-quiesce-refused", NULL, PUSH_FULL1, NULL,
          VIR_DOMAIN_BACKUP_BEGIN_QUIESCE, QEMU_AGENT_TEST_NORMAL,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          NULL, "full-vda.qcow2", "" },
        /* the freeze fails: no transaction, thawed all the same, rolled back */
        { "backup-quiesce-nofreeze", NULL, PUSH_FULL1, NULL,
          VIR_DOMAIN_BACKUP_BEGIN_QUIESCE, QEMU_AGENT_TEST_FREEZE_FAILS,
          "guest-fsfreeze-freeze guest-fsfreeze-thaw",
          { { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          NULL, "full-vda.qcow2", "" },
    };
    size_t i;
    int ret = 0;
    g_autofree char *qemuimg = g_find_program_in_path("qemu-img");

    if (!qemuimg) {
        return virTestSkipBecause("qemu-img not found");
    }
    qemuCheckpointRegisterBackupOps();
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].name, testBackupCase, &cases[i]) < 0)
            ret = -1;
    }
    return ret;
}

VIR_TEST_MAIN(mymain)

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
 * The transcripts are QEMU's: FLEECE_TEST_REGENERATE=1 runs every case
 * on real QEMU behind the recorder (qemuqmpscenario.h), after preparing
 * QEMU the way the case says (guest writes, bitmaps, waiting for the
 * jobs), and rewrites qemubackupdata/; review the diff.  Recording
 * needs root (one case puts its target on a small tmpfs).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <unistd.h>

#include "testutils.h"
#include "qemuagenttestutils.h"
#include "qemuqmpscenario.h"
#include "qemu_backup.h"
#include "qemu_checkpoint.h"
#include "libvirt/libvirt-domain.h"
#include "libvirt/libvirt-domain-checkpoint.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"
#include "virstring.h"

#define DOMNAME QEMU_QMP_SCENARIO_DOMAIN

typedef enum {
    OP_NONE = 0,
    OP_BEGIN,          /* qemuBackupBegin(backupXML, checkpointXML, flags) */
    OP_RECONCILE,      /* qemuBackupReconcile, own monitor */
    OP_END,            /* qemuBackupEnd */
    OP_CHECKPOINT,     /* qemuCheckpointCreate(checkpointXML, flags) */
} testOp;

typedef int (*testPrepare)(qemuQMPScenario *s);

typedef struct {
    testOp op;
    int error;                    /* expected VIR_ERR_*, 0 = success */
    bool running;                 /* a backup is recorded afterwards */
    int status;                   /* job status afterwards (current while
                                   * running, else completed), -1 = none */
    unsigned long long disk[2];   /* disk_processed, disk_total */
    unsigned long long temp[2];   /* temp_used, temp_total */
    const char *errmsg;           /* the job's message, NULL = none */
    testPrepare before;           /* recording: done to QEMU first */
    const char *note;             /* comment in the transcript */
} testStep;

typedef struct {
    const char *name;             /* qemubackupdata/NAME.txt */
    const char *header;           /* its first comment lines */
    const char *chain;            /* checkpoints redefined first, "c1,c2" */
    const char *backupXML;
    const char *checkpointXML;
    unsigned int flags;
    int agent;                    /* qemuAgentTestMode, -1 = no agent */
    const char *agentLog;         /* expected agent commands */
    const char *bandwidth;        /* backup_bandwidth setting, NULL = none */
    const char *cbwTimeout;       /* backup_cbw_timeout setting, NULL = none */
    unsigned long long size;      /* of each disk, 0 = DISK_SIZE */
    testPrepare prepare;          /* recording: the state QEMU starts in */
    testStep steps[4];
    const char *exist;            /* files under @TMP@ that must exist */
    const char *absent;           /* ... and that must not */
    const char *tree;             /* "name:parent" list afterwards */
} testCase;

#define DISK_SIZE (1024 * 1024)

/* The domain: two 1 MiB qcow2 disks and an agent channel. */
static char *
testDomainXML(const char *tmp)
{
    g_autofree char *xml = qemuQMPScenarioDomainXML(tmp, NULL);
    g_autofree char *channel = NULL;
    g_autoptr(GString) s = NULL;

    if (!xml)
        return NULL;
    s = g_string_new(xml);
    channel = g_strdup_printf("    <channel type='unix'>\n"
                              "      <source mode='bind' path='%s/agent.sock'/>\n"
                              "      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
                              "    </channel>\n"
                              "    <memballoon", tmp);
    g_string_replace(s, "    <memballoon", channel, 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
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

/* Recording: the agent's state is written down when a transaction comes
 * and at the command after it (freeze and thaw bracket it). */
typedef struct {
    qemuAgentTest *agent;
    bool afterTransaction;
    const char *tmp;
} testRecordAgent;

static const char *
testAgentState(const char *execute, void *opaque)
{
    testRecordAgent *ra = opaque;
    bool transaction = g_str_equal(execute, "transaction");
    bool mark = transaction || ra->afterTransaction;

    /* where QEMU creates the export socket, the replay makes a file */
    if (g_str_equal(execute, "nbd-server-start"))
        return "nbd-socket";
    ra->afterTransaction = transaction;
    if (!ra->agent || !mark)
        return NULL;
    return qemuAgentTestFrozen(ra->agent) ? "frozen" : "thawed";
}

static int
testAgentReplayCheck(const char *name, void *opaque)
{
    testRecordAgent *ra = opaque;

    if (g_str_equal(name, "nbd-socket")) {
        /* no QEMU serves NBD: a plain file stands for the socket it
         * creates in Fleece's private directory (mode 0700), and whose
         * mode Fleece restricts before moving it to its place */
        g_autofree char *sock = g_build_filename(ra->tmp, ".nbd.sock.fleece", "sock", NULL);
        struct stat sb;

        if (stat(ra->tmp, &sb) < 0 ||
            !g_file_set_contents(sock, "", 0, NULL) || chmod(sock, 0666) < 0)
            return -1;
        return 0;
    }
    return testAgentCheck(name, ra->agent);
}

/* One case: domain, transcript (played or recorded), steps, checks. */
static int
testBackupCase(const void *opaque)
{
    const testCase *tc = opaque;
    g_autofree char *tmp = g_dir_make_tmp("fleece-bkqmp-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/qemubackupdata/%s.txt", abs_srcdir,
                                            tc->name);
    g_autofree char *xml = NULL;
    g_autofree char *backupXML = NULL;
    g_autofree char *checkpointXML = NULL;
    g_autofree char *agentPath = NULL;
    g_autofree char *tree = NULL;
    g_autofree char *small = NULL;
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuAgentTest) agent = NULL;
    g_autoptr(qemuQMPScenario) scen = NULL;
    testRecordAgent ra = { .tmp = tmp };
    bool recording = qemuQMPScenarioRecording();
    bool mounted = false;
    size_t i;
    int ret = -1;

    if (!tmp)
        goto cleanup;
    if (tc->bandwidth || tc->cbwTimeout) {
        /* the driver reads them from ROOT/etc/fleece.conf */
        g_autofree char *etc = g_build_filename(tmp, "etc", NULL);
        g_autofree char *conf = g_build_filename(etc, "fleece.conf", NULL);
        g_autofree char *text = g_strdup_printf("backup_bandwidth = %s\n"
                                                "backup_cbw_timeout = %s\n",
                                                tc->bandwidth ? tc->bandwidth : "0",
                                                tc->cbwTimeout ? tc->cbwTimeout : "0");

        if (g_mkdir_with_parents(etc, 0700) < 0 ||
            !g_file_set_contents(conf, text, -1, NULL))
            goto cleanup;
    }
    if (!(driver = qemuDriverNew(tmp, false)) || !(xml = testDomainXML(tmp)))
        goto cleanup;
    backupXML = qemuQMPScenarioSubst(tc->backupXML, tmp);
    checkpointXML = qemuQMPScenarioSubst(tc->checkpointXML, tmp);
    /* a target directory on a small file system: real in recordings */
    if (backupXML && strstr(backupXML, "/small/")) {
        const char *mount[] = { "mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs",
                                NULL, NULL };

        small = g_build_filename(tmp, "small", NULL);
        g_mkdir(small, 0700);
        mount[6] = small;
        if (recording) {
            if (!g_spawn_sync(NULL, (char **) mount, NULL, G_SPAWN_SEARCH_PATH, NULL,
                              NULL, NULL, NULL, NULL, NULL)) {
                virTestDiag("recording needs a small tmpfs (root)");
                goto cleanup;
            }
            mounted = true;
        }
    }
    if (recording &&
        (qemuQMPScenarioCreateDisk(tmp, "vda.qcow2", tc->size ? tc->size : DISK_SIZE) < 0 ||
         qemuQMPScenarioCreateDisk(tmp, "vdb.qcow2", tc->size ? tc->size : DISK_SIZE) < 0))
        goto cleanup;

    agentPath = g_build_filename(tmp, "agent.sock", NULL);
    if (!(scen = qemuQMPScenarioNew(driver, xml, path, testAgentReplayCheck,
                                    testAgentState, &ra)))
        goto cleanup;
    if (tc->agent >= 0) {
        if (qemuQMPScenarioFreePath(scen, agentPath) < 0 ||
            !(agent = qemuAgentTestNew(agentPath, tc->agent)))
            goto cleanup;
        ra.agent = agent;
    }
    if (tc->chain && testRedefineChain(driver, tc->chain) < 0)
        goto cleanup;
    if (recording && tc->prepare && tc->prepare(scen) < 0)
        goto cleanup;

    for (i = 0; i < G_N_ELEMENTS(tc->steps) && tc->steps[i].op != OP_NONE; i++) {
        const testStep *st = &tc->steps[i];

        if (recording && st->before && st->before(scen) < 0)
            goto cleanup;
        if (st->note)
            qemuQMPScenarioComment(scen, st->note);
        if (testRunStep(driver, tc, st, backupXML, checkpointXML) < 0)
            goto cleanup;
        if (st->op != OP_CHECKPOINT && testCheckJob(driver, st) < 0) {
            virTestDiag("after step %zu", i + 1);
            goto cleanup;
        }
    }

    if (testCheckFiles(tmp, tc->exist, true) < 0 ||
        testCheckFiles(tmp, tc->absent, false) < 0)
        goto cleanup;
    if (backupXML && strstr(backupXML, "nbd.sock")) {
        /* the ended backup took its socket and private directory along */
        g_autofree char *sock = g_build_filename(tmp, "nbd.sock", NULL);
        g_autofree char *dir = g_build_filename(tmp, ".nbd.sock.fleece", NULL);

        if (g_file_test(sock, G_FILE_TEST_EXISTS) || g_file_test(dir, G_FILE_TEST_EXISTS)) {
            virTestDiag("the export socket or its directory was left behind");
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
        g_autofree char *dir = qemuDriverCheckpointDir(driver, QEMU_QMP_SCENARIO_DOMAIN);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *ent;

        while (d && (ent = g_dir_read_name(d))) {
            if (g_str_equal(ent, ".create.xml") || g_str_equal(ent, ".delete")) {
                virTestDiag("leftover '%s' in the checkpoint directory", ent);
                goto cleanup;
            }
        }
    }
    if (qemuQMPScenarioFinish(scen, tc->header) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    g_clear_pointer(&scen, qemuQMPScenarioFree);
    g_clear_pointer(&agent, qemuAgentTestFree);
    g_clear_pointer(&driver, qemuDriverFree);
    if (mounted) {
        const char *umount[] = { "umount", small, NULL };

        g_spawn_sync(NULL, (char **) umount, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                     NULL, NULL, NULL, NULL);
    }
    if (tmp)
        qemuQMPScenarioRemoveTree(tmp);
    return ret;
}

/* --- the states QEMU is in before a case, and between its steps (only
 * when recording; the transcripts hold what follows from them) --- */

#define KiB 1024ULL
#define MiB (1024ULL * 1024)

/* both disks full of data */
static int
testWriteBoth(qemuQMPScenario *s)
{
    return qemuQMPScenarioGuestWrite(s, 0, 0x11, 0, DISK_SIZE) < 0 ||
           qemuQMPScenarioGuestWrite(s, 1, 0x12, 0, DISK_SIZE) < 0 ? -1 : 0;
}

static int
testWriteVda(qemuQMPScenario *s)
{
    return qemuQMPScenarioGuestWrite(s, 0, 0x13, 0, DISK_SIZE);
}

/* 4 MiB disks full of data, to copy at a limited rate: QEMU copies in
 * chunks of up to 1 MiB and only waits between chunks */
#define BIG_DISK (4 * 1024 * 1024)

static int
testWriteBothBig(qemuQMPScenario *s)
{
    return qemuQMPScenarioGuestWrite(s, 0, 0x14, 0, BIG_DISK) < 0 ||
           qemuQMPScenarioGuestWrite(s, 1, 0x15, 0, BIG_DISK) < 0 ? -1 : 0;
}

static int
testWriteVdaBig(qemuQMPScenario *s)
{
    return qemuQMPScenarioGuestWrite(s, 0, 0x16, 0, BIG_DISK);
}

/* c1 on both disks, then 128 KiB written to vda */
static int
testPrepareC1(qemuQMPScenario *s)
{
    return qemuQMPScenarioAddBitmap(s, 0, "c1") < 0 ||
           qemuQMPScenarioAddBitmap(s, 1, "c1") < 0 ||
           qemuQMPScenarioGuestWrite(s, 0, 0x22, 64 * KiB, 128 * KiB) < 0 ? -1 : 0;
}

/* c1, 64 KiB to vda, c2, 128 KiB to each disk */
static int
testPrepareC1C2(qemuQMPScenario *s)
{
    return qemuQMPScenarioAddBitmap(s, 0, "c1") < 0 ||
           qemuQMPScenarioAddBitmap(s, 1, "c1") < 0 ||
           qemuQMPScenarioGuestWrite(s, 0, 0x33, 0, 64 * KiB) < 0 ||
           qemuQMPScenarioAddBitmap(s, 0, "c2") < 0 ||
           qemuQMPScenarioAddBitmap(s, 1, "c2") < 0 ||
           qemuQMPScenarioGuestWrite(s, 0, 0x44, 256 * KiB, 128 * KiB) < 0 ||
           qemuQMPScenarioGuestWrite(s, 1, 0x45, 512 * KiB, 128 * KiB) < 0 ? -1 : 0;
}

/* a bitmap c1 QEMU has but no checkpoint names: adding c1 again fails */
static int
testPrepareStrayC1(qemuQMPScenario *s)
{
    return qemuQMPScenarioAddBitmap(s, 0, "c1");
}

/* the guest overwrites 192 KiB while a pull backup runs */
static int
testGuestOverwrites(qemuQMPScenario *s)
{
    return qemuQMPScenarioGuestWrite(s, 0, 0x66, 0, 192 * KiB);
}

/* each disk copied its first chunk (1 MiB) and waits for the rate */
static int
testFirstChunks(qemuQMPScenario *s)
{
    return qemuQMPScenarioWaitProgress(s, 2 * MiB);
}

static int
testWaitJobs(qemuQMPScenario *s)
{
    return qemuQMPScenarioWaitJobs(s);
}

/* block-export-add refused after the job started */
static int
testPrepareExportRefused(qemuQMPScenario *s)
{
    qemuQMPScenarioInject(s, "block-export-add",
                          "{\"error\": {\"class\": \"GenericError\", "
                          "\"desc\": \"Permission denied\"}}",
                          "the export is refused after the backup job started; "
                          "real QEMU refuses an export only for an NBD server or "
                          "export name Fleece itself chose, so this failure "
                          "cannot be produced");
    return 0;
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
#define C1_XML "<domaincheckpoint><name>c1</name></domaincheckpoint>"
#define ACTIVE QEMU_DOMAIN_JOB_STATUS_ACTIVE
#define COMPLETED QEMU_DOMAIN_JOB_STATUS_COMPLETED
#define QUIESCE_LOG "guest-fsfreeze-freeze guest-fsfreeze-thaw"

static int
mymain(void)
{
    static const testCase cases[] = {
        { .name = "push-full",
          .header = "# Push backup of vda (qcow2 target) and vdb (raw target), checkpoint c1\n"
                    "# created in the same transaction; 4 MiB disks, copies limited to\n"
                    "# 1 MiB/s.\n",
          .backupXML = PUSH_FULL2, .checkpointXML = C1_XML, .agent = -1,
          .bandwidth = "1048576", .size = BIG_DISK, .prepare = testWriteBothBig,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, true, ACTIVE, { 2 * MiB, 8 * MiB }, { 0, 0 }, NULL,
              testFirstChunks, "a look while the copies run" },
            { OP_RECONCILE, 0, false, COMPLETED, { 8 * MiB, 8 * MiB }, { 0, 0 }, NULL,
              testWaitJobs, "both concluded: dismissed, targets detached, kept" } },
          .exist = "full-vda.qcow2,full-vdb.raw", .tree = "c1:" },
        { .name = "push-incremental",
          .header = "# Push of vda since c1: a temporary bitmap, sync=incremental, removed.\n",
          .chain = "c1",
          .backupXML = "<domainbackup><incremental>c1</incremental><disks>"
                       "<disk name='vda' type='file'><target file='@TMP@/inc-vda.qcow2'/></disk>"
                       "<disk name='vdb' backup='no'/></disks></domainbackup>",
          .agent = -1, .prepare = testPrepareC1,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, COMPLETED, { 128 * KiB, 128 * KiB }, { 0, 0 }, NULL,
              testWaitJobs } },
          .exist = "inc-vda.qcow2", .tree = "c1:" },
        { .name = "push-differential",
          .header = "# Push with checkpoints c1 -> c2: vda since c1 (its own incremental=),\n"
                    "# vdb since c2 (the backup's).\n",
          .chain = "c1,c2",
          .backupXML = "<domainbackup><incremental>c2</incremental><disks>"
                       "<disk name='vda' type='file' incremental='c1'>"
                       "<target file='@TMP@/diff-vda.qcow2'/></disk>"
                       "<disk name='vdb' type='file'><target file='@TMP@/diff-vdb.qcow2'/></disk>"
                       "</disks></domainbackup>",
          .agent = -1, .prepare = testPrepareC1C2,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, COMPLETED, { 320 * KiB, 320 * KiB }, { 0, 0 }, NULL,
              testWaitJobs } },
          .exist = "diff-vda.qcow2,diff-vdb.qcow2", .tree = "c1:,c2:c1" },
        { .name = "pull-full",
          .header = "# Pull backup of vda over a unix socket (fail-safe: sync=none into the\n"
                    "# scratch image with a named copy-before-write filter, snapshot-access\n"
                    "# node exported read-only); the guest overwrites 192 KiB; the end.\n",
          .backupXML = PULL_FULL, .agent = -1,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, COMPLETED, { 0, 0 }, { 192 * KiB, MiB }, NULL,
              testGuestOverwrites,
              "the end: export gone first, then the job, its nodes, the server" } },
          .absent = "scratch-vda.qcow2", .tree = "" },
        { .name = "pull-cbw-bound",
          .header = "# Pull backup of vda with a 5 s bound on copy-before-write\n"
                    "# (backup_cbw_timeout = 5): Fleece's own filter with cbw-timeout and\n"
                    "# on-cbw-error=break-snapshot put in front of the disk with the guest\n"
                    "# stopped, then the transaction; no QEMU job.  At the end the device goes\n"
                    "# back to its node before the filter is deleted.\n",
          .backupXML = PULL_FULL, .agent = -1, .cbwTimeout = "5",
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, COMPLETED, { 0, 0 }, { 0, 0 }, NULL, NULL,
              "the end: export gone first, the snapshot node, the device back on its "
              "node, the filter, the scratch, the server" } },
          .absent = "scratch-vda.qcow2", .tree = "" },
        { .name = "pull-export-refused",
          .header = "# Pull backup of vda whose export is refused: the backup started (its\n"
                    "# job runs), so it is ended at once, on a connection of its own.\n",
          .backupXML = PULL_FULL, .agent = -1, .prepare = testPrepareExportRefused,
          .steps = {
            { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, QEMU_DOMAIN_JOB_STATUS_FAILED,
              { 0, 0 }, { 0, MiB },
              "operation failed: QEMU command 'block-export-add' failed: "
              "GenericError: Permission denied" } },
          .absent = "scratch-vda.qcow2", .tree = "" },
        { .name = "pull-incremental",
          .header = "# Pull backup of vda since c1: the temporary bitmap backup-vda is\n"
                    "# exported with the snapshot, and removed at the end.\n",
          .chain = "c1",
          .backupXML = "<domainbackup mode='pull'><incremental>c1</incremental>"
                       "<server transport='unix' socket='@TMP@/nbd.sock'/>"
                       "<disks><disk name='vda' type='file'>"
                       "<scratch file='@TMP@/scratch-vda.qcow2'/></disk>"
                       "<disk name='vdb' backup='no'/></disks></domainbackup>",
          .agent = -1, .prepare = testPrepareC1,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, COMPLETED, { 0, 0 }, { 0, MiB }, NULL, NULL,
              "the end: export gone first, then the job, its nodes, the server" } },
          .absent = "scratch-vda.qcow2", .tree = "c1:" },
        { .name = "push-abort",
          .header = "# Push of a 4 MiB vda (at 256 KiB/s) aborted while it runs: forced\n"
                    "# cancel, the job winds down, is dismissed, the target detached and\n"
                    "# removed.\n",
          .backupXML = PUSH_FULL1, .agent = -1, .bandwidth = "262144", .size = BIG_DISK,
          .prepare = testWriteVdaBig,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_END, 0, false, QEMU_DOMAIN_JOB_STATUS_CANCELED, { MiB, 4 * MiB },
              { 0, 0 }, NULL } },
          .absent = "full-vda.qcow2", .tree = "" },
        { .name = "transaction-refused",
          .header = "# Push of both disks with checkpoint c1, whose bitmap QEMU already has:\n"
                    "# the transaction is refused, everything is rolled back.\n",
          .backupXML = PUSH_FULL2, .checkpointXML = C1_XML, .agent = -1,
          .prepare = testPrepareStrayC1,
          .steps = {
            { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          .absent = "full-vda.qcow2,full-vdb.raw", .tree = "" },
        { .name = "push-enospc",
          .header = "# Push of vda to a 256 KiB file system: the job concludes with an\n"
                    "# error; the backup fails with QEMU's message, the target is removed.\n",
          .backupXML = "<domainbackup><disks>"
                       "<disk name='vda' type='file'>"
                       "<target file='@TMP@/small/full-vda.qcow2'/></disk>"
                       "<disk name='vdb' backup='no'/></disks></domainbackup>",
          .agent = -1, .prepare = testWriteVda,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, QEMU_DOMAIN_JOB_STATUS_FAILED, { 0, MiB },
              { 0, 0 }, "disk 'vda': No space left on device", testWaitJobs } },
          .absent = "small/full-vda.qcow2", .tree = "" },
        { .name = "reconcile-finished",
          .header = "# A push that finished while no Fleece process was connected: the next\n"
                    "# look finalises it.\n",
          .backupXML = PUSH_FULL2, .agent = -1, .prepare = testWriteBoth,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL },
            { OP_RECONCILE, 0, false, COMPLETED, { 2 * MiB, 2 * MiB }, { 0, 0 }, NULL,
              testWaitJobs } },
          .exist = "full-vda.qcow2,full-vdb.raw", .tree = "" },
        { .name = "checkpoint-quiesce",
          .header = "# Checkpoint c1 on both disks with QUIESCE: frozen during the\n"
                    "# transaction only.\n",
          .checkpointXML = C1_XML, .flags = VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE,
          .agent = QEMU_AGENT_TEST_NORMAL, .agentLog = QUIESCE_LOG,
          .steps = { { OP_CHECKPOINT, 0 } }, .tree = "c1:" },
        { .name = "checkpoint-quiesce-refused",
          .header = "# Checkpoint c1 with QUIESCE, refused by QEMU (it has a bitmap c1):\n"
                    "# thawed all the same.\n",
          .checkpointXML = C1_XML, .flags = VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE,
          .agent = QEMU_AGENT_TEST_NORMAL, .agentLog = QUIESCE_LOG,
          .prepare = testPrepareStrayC1,
          .steps = { { OP_CHECKPOINT, VIR_ERR_OPERATION_FAILED } }, .tree = "" },
        { .name = "checkpoint-quiesce-nofreeze",
          .header = "# Checkpoint c1 with QUIESCE, the agent cannot freeze: no transaction,\n"
                    "# and a thaw all the same.\n",
          .checkpointXML = C1_XML, .flags = VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE,
          .agent = QEMU_AGENT_TEST_FREEZE_FAILS, .agentLog = QUIESCE_LOG,
          .steps = { { OP_CHECKPOINT, VIR_ERR_OPERATION_FAILED } }, .tree = "" },
        { .name = "backup-quiesce",
          .header = "# Push of vda with QUIESCE: the guest is frozen while QEMU runs the\n"
                    "# transaction, thawed after it.\n",
          .backupXML = PUSH_FULL1, .flags = VIR_DOMAIN_BACKUP_BEGIN_QUIESCE,
          .agent = QEMU_AGENT_TEST_NORMAL, .agentLog = QUIESCE_LOG,
          .steps = {
            { OP_BEGIN, 0, true, ACTIVE, { 0, 0 }, { 0, 0 }, NULL } },
          .exist = "full-vda.qcow2", .tree = "" },
        { .name = "backup-quiesce-refused",
          .header = "# Push of vda with QUIESCE and checkpoint c1, whose bitmap QEMU already\n"
                    "# has: the transaction is refused, the guest thawed all the same, the\n"
                    "# target detached and removed.\n",
          .backupXML = PUSH_FULL1, .checkpointXML = C1_XML,
          .flags = VIR_DOMAIN_BACKUP_BEGIN_QUIESCE,
          .agent = QEMU_AGENT_TEST_NORMAL, .agentLog = QUIESCE_LOG,
          .prepare = testPrepareStrayC1,
          .steps = {
            { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          .absent = "full-vda.qcow2", .tree = "" },
        { .name = "backup-quiesce-nofreeze",
          .header = "# Push of vda with QUIESCE, the agent cannot freeze: no transaction, a\n"
                    "# thaw all the same, the target detached and removed.\n",
          .backupXML = PUSH_FULL1, .flags = VIR_DOMAIN_BACKUP_BEGIN_QUIESCE,
          .agent = QEMU_AGENT_TEST_FREEZE_FAILS, .agentLog = QUIESCE_LOG,
          .steps = {
            { OP_BEGIN, VIR_ERR_OPERATION_FAILED, false, -1, { 0, 0 }, { 0, 0 }, NULL } },
          .absent = "full-vda.qcow2", .tree = "" },
    };
    size_t i;
    int ret = 0;
    g_autofree char *qemuimg = g_find_program_in_path("qemu-img");

    if (!qemuimg)
        return virTestSkipBecause("qemu-img not found");
    qemuCheckpointRegisterBackupOps();
    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].name, testBackupCase, &cases[i]) < 0)
            ret = -1;
    }
    return ret;
}

VIR_TEST_MAIN(mymain)

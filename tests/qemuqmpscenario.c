/*
 * qemuqmpscenario.c: a running domain for the QMP transcript tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qemuqmpscenario.h"
#include "qemumonitorrecorder.h"
#include "qemumonitortestutils.h"
#include "libvirt/libvirt-domain.h"
#include "qemu_command.h"
#include "qemu_domain.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "testutils.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"

#define SCENARIO_TIMEOUT_MS 30000

struct _qemuQMPScenario {
    qemuDriver *driver;           /* not owned */
    char *tmp;                    /* the driver's root */
    char *transcript;             /* file played or written */
    qemuMonitorTest *peer;        /* replaying */
    qemuMonitorRecorder *rec;     /* recording */
    char *qemuSock;               /* QEMU's own monitor path, recording */
    pid_t pid;                    /* real QEMU, recording */
};


bool
qemuQMPScenarioRecording(void)
{
    return virTestRegenerate();
}


char *
qemuQMPScenarioSubst(const char *text, const char *tmp)
{
    g_autoptr(GString) s = NULL;

    if (!text)
        return NULL;
    s = g_string_new(text);
    g_string_replace(s, "@TMP@", tmp, 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}


void
qemuQMPScenarioRemoveTree(const char *path)
{
    g_autoptr(GDir) d = NULL;
    const char *ent;

    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        d = g_dir_open(path, 0, NULL);
        while (d && (ent = g_dir_read_name(d))) {
            g_autofree char *sub = g_build_filename(path, ent, NULL);

            qemuQMPScenarioRemoveTree(sub);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}


char *
qemuQMPScenarioDomainXML(const char *tmp, const char *extraDisks)
{
    g_autofree char *path = g_build_filename(abs_srcdir, "data", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *extra = qemuQMPScenarioSubst(extraDisks, tmp);
    g_autoptr(GString) s = NULL;

    if (virFileReadAll(path, 1024 * 1024, &xml) < 0)
        return NULL;
    s = g_string_new(xml);
    if (extra) {
        g_autofree char *with = g_strdup_printf("%s    <controller type='usb'", extra);

        g_string_replace(s, "    <controller type='usb'", with, 1);
    }
    g_string_replace(s, "DISKDIR", tmp, 0);
    if (access("/dev/kvm", R_OK | W_OK) < 0)
        g_string_replace(s, "type='kvm'", "type='qemu'", 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}


int
qemuQMPScenarioCreateDisk(const char *dir, const char *name,
                          unsigned long long size)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *sz = g_strdup_printf("%llu", size);
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, sz, NULL };
    g_autoptr(GError) err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      NULL, NULL, &status, &err) ||
        !g_spawn_check_exit_status(status, NULL)) {
        virTestDiag("qemu-img create '%s' failed", path);
        return -1;
    }
    return 0;
}


/* Replaying: the files of a running domain whose "QEMU" is this
 * process, with the node names QEMU would have (libvirt-N-*). */
static int
qemuQMPScenarioFakeDomain(qemuDriver *driver, const char *xml)
{
    g_autoptr(qemuDomainObj) obj = g_new0(qemuDomainObj, 1);
    g_auto(virProcessIdentity) ident = { 0 };
    size_t i;

    if (!(obj->def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        qemuAssignDeviceAliases(obj->def) < 0)   /* as a real start does */
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


/* Recording: define and start the domain on real QEMU. */
static int
qemuQMPScenarioRealDomain(qemuQMPScenario *s, const char *xml)
{
    g_autoptr(virDomainDef) def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE);
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(virDomainDef) live = NULL;

    if (!def || qemuDomainObjSaveConfig(s->driver, def) < 0 ||
        !(obj = qemuDomainObjLoad(s->driver, QEMU_QMP_SCENARIO_DOMAIN, QEMU_DOMAIN_LOAD_LOCK)))
        return -1;
    live = virDomainDefCopy(obj->def);
    if (qemuProcessStart(obj, &live, 0) < 0)
        return -1;
    s->pid = obj->pid;
    return 0;
}


qemuQMPScenario *
qemuQMPScenarioNew(qemuDriver *driver, const char *xml, const char *transcript,
                   qemuQMPScenarioReplayCheck replayCheck,
                   qemuQMPScenarioRecordCheck recordCheck, void *opaque)
{
    g_autoptr(qemuQMPScenario) s = g_new0(qemuQMPScenario, 1);
    g_autofree char *monPath = qemuDriverMonitorPath(driver, QEMU_QMP_SCENARIO_DOMAIN);

    s->driver = driver;
    s->tmp = g_strdup(driver->root);
    s->transcript = g_strdup(transcript);

    if (!qemuQMPScenarioRecording()) {
        g_autofree char *text = NULL;
        g_autofree char *played = NULL;

        if (qemuQMPScenarioFakeDomain(driver, xml) < 0)
            return NULL;
        if (!(text = virTestLoadFile(transcript))) {
            virTestDiag("cannot read transcript '%s'", transcript);
            return NULL;
        }
        played = qemuQMPScenarioSubst(text, s->tmp);
        if (!(s->peer = qemuMonitorTestNewFull(played, monPath, replayCheck, opaque)))
            return NULL;
        return g_steal_pointer(&s);
    }

    if (qemuQMPScenarioRealDomain(s, xml) < 0)
        return NULL;
    /* QEMU keeps listening on its socket under another name; the
     * recorder takes the name Fleece connects to */
    s->qemuSock = g_build_filename(s->tmp, "qemu-monitor.sock", NULL);
    if (rename(monPath, s->qemuSock) < 0) {
        virTestDiag("cannot move QEMU's monitor socket: %s", g_strerror(errno));
        return NULL;
    }
    if (!(s->rec = qemuMonitorRecorderNew(monPath, s->qemuSock)))
        return NULL;
    if (recordCheck)
        qemuMonitorRecorderSetCheck(s->rec, recordCheck, opaque);
    return g_steal_pointer(&s);
}


/* A monitor to the real QEMU, past the recorder. */
static qemuMonitor *
qemuQMPScenarioDirect(qemuQMPScenario *s)
{
    if (!s->qemuSock) {
        virTestDiag("preparation on real QEMU asked for while replaying");
        return NULL;
    }
    return qemuMonitorOpen(s->qemuSock, SCENARIO_TIMEOUT_MS);
}


int
qemuQMPScenarioGuestWrite(qemuQMPScenario *s, unsigned int index,
                          unsigned int pattern, unsigned long long offset,
                          unsigned long long len)
{
    g_autoptr(qemuMonitor) mon = qemuQMPScenarioDirect(s);
    g_autofree char *cmd = g_strdup_printf("qemu-io -d virtio-disk%u/virtio-backend "
                                           "\"write -P 0x%02x %llu %llu\"",
                                           index, pattern, offset, len);
    g_autofree char *out = NULL;

    if (!mon || qemuMonitorHMP(mon, cmd, SCENARIO_TIMEOUT_MS, &out) < 0)
        return -1;
    if (out && *out) {
        virTestDiag("guest write: %s", out);
        return -1;
    }
    return 0;
}


int
qemuQMPScenarioAddBitmap(qemuQMPScenario *s, unsigned int index, const char *name)
{
    g_autoptr(qemuMonitor) mon = qemuQMPScenarioDirect(s);
    g_autofree char *node = g_strdup_printf("libvirt-%u-format", index + 1);

    if (!mon)
        return -1;
    return qemuQMPExecute(mon, SCENARIO_TIMEOUT_MS, NULL,
                          QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD, "s:node", node,
                          "s:name", name, "b:persistent", true, NULL);
}


/* Wait until query-jobs satisfies @done(jobs, bytes). */
static int
qemuQMPScenarioWaitFor(qemuQMPScenario *s, bool (*done)(GPtrArray *jobs,
                                                        unsigned long long arg),
                       unsigned long long arg)
{
    gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < deadline) {
        g_autoptr(qemuMonitor) mon = qemuQMPScenarioDirect(s);
        g_autoptr(virJSONValue) reply = NULL;
        g_autoptr(GPtrArray) jobs = NULL;

        if (!mon ||
            qemuQMPExecute(mon, SCENARIO_TIMEOUT_MS, &reply, QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
            !(jobs = qemuQMPParseJobs(reply)))
            return -1;
        if (done(jobs, arg))
            return 0;
        g_clear_pointer(&mon, qemuMonitorClose);
        g_usleep(5 * 1000);
    }
    virTestDiag("QEMU's jobs did not get there in time");
    return -1;
}

static bool
qemuQMPScenarioAllConcluded(GPtrArray *jobs, unsigned long long unused G_GNUC_UNUSED)
{
    size_t i;

    for (i = 0; i < jobs->len; i++) {
        if (((qemuQMPJob *) g_ptr_array_index(jobs, i))->status != QEMU_QMP_JOB_STATUS_CONCLUDED)
            return false;
    }
    return true;
}

static bool
qemuQMPScenarioCopied(GPtrArray *jobs, unsigned long long bytes)
{
    unsigned long long sum = 0;
    size_t i;

    for (i = 0; i < jobs->len; i++)
        sum += ((qemuQMPJob *) g_ptr_array_index(jobs, i))->current;
    return sum >= bytes;
}

int
qemuQMPScenarioWaitProgress(qemuQMPScenario *s, unsigned long long bytes)
{
    return qemuQMPScenarioWaitFor(s, qemuQMPScenarioCopied, bytes);
}

int
qemuQMPScenarioWaitJobs(qemuQMPScenario *s)
{
    return qemuQMPScenarioWaitFor(s, qemuQMPScenarioAllConcluded, 0);
}

void
qemuQMPScenarioInject(qemuQMPScenario *s, const char *execute,
                      const char *reply, const char *why)
{
    if (s->rec)
        qemuMonitorRecorderInject(s->rec, execute, reply, why);
}


int
qemuQMPScenarioFreePath(qemuQMPScenario *s, const char *path)
{
    g_autofree char *aside = NULL;

    if (!s->rec)
        return 0;
    aside = g_strdup_printf("%s.qemu", path);
    if (rename(path, aside) < 0) {
        virTestDiag("cannot move '%s' aside: %s", path, g_strerror(errno));
        return -1;
    }
    return 0;
}


void
qemuQMPScenarioComment(qemuQMPScenario *s, const char *text)
{
    if (s->rec)
        qemuMonitorRecorderComment(s->rec, text);
}


/* Recording: stop the real QEMU (quit, then SIGKILL). */
static void
qemuQMPScenarioStopQEMU(qemuQMPScenario *s)
{
    int i;

    if (s->pid <= 0)
        return;
    if (s->qemuSock && virProcessExists(s->pid)) {
        g_autoptr(qemuMonitor) mon = qemuMonitorOpen(s->qemuSock, 5000);

        if (mon)
            qemuQMPExecute(mon, 5000, NULL, QEMU_QMP_QUIT, NULL);
    }
    for (i = 0; i < 500 && virProcessExists(s->pid); i++)
        g_usleep(10 * 1000);
    if (virProcessExists(s->pid))
        kill(s->pid, SIGKILL);
    s->pid = 0;
    virResetLastError();
}


int
qemuQMPScenarioFinish(qemuQMPScenario *s, const char *header)
{
    g_autofree char *body = NULL;
    g_autoptr(GString) text = NULL;

    if (s->peer)
        return qemuMonitorTestFinish(s->peer);

    body = qemuMonitorRecorderFinish(s->rec);
    qemuQMPScenarioStopQEMU(s);
    if (!body)
        return -1;
    text = g_string_new(header);
    if (text->len && text->str[text->len - 1] != '\n')
        g_string_append_c(text, '\n');
    g_string_append(text, "# Recorded from real QEMU with FLEECE_TEST_REGENERATE=1:\n"
                          "# the temporary root is @TMP@, command ids are dropped,\n"
                          "# event timestamps zeroed.\n");
    g_string_append(text, body);
    g_string_replace(text, s->tmp, "@TMP@", 0);
    if (!g_file_set_contents(s->transcript, text->str, -1, NULL)) {
        virTestDiag("cannot write '%s'", s->transcript);
        return -1;
    }
    return 0;
}


void
qemuQMPScenarioFree(qemuQMPScenario *s)
{
    if (!s)
        return;
    g_clear_pointer(&s->peer, qemuMonitorTestFree);
    g_clear_pointer(&s->rec, qemuMonitorRecorderFree);
    qemuQMPScenarioStopQEMU(s);
    if (s->qemuSock)
        unlink(s->qemuSock);
    g_free(s->qemuSock);
    g_free(s->tmp);
    g_free(s->transcript);
    g_free(s);
}

/*
 * qemubackuptest.c: push and pull backups through the public API, on real
 * QEMU, with every byte verified
 *
 * The expected image at each point in time is built offline by replaying
 * the same writes with qemu-io on a copy of the blank disk; backups are
 * compared with it using qemu-img compare.  Pull backups are read with
 * nbdcopy/nbdinfo over the NBD export.
 *
 * Output is TAP.  Skips when QEMU, qemu-img, qemu-io or nbdcopy is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

static char *root;
static char *disks;
static char *uri;
static virConnectPtr conn;
static virDomainPtr dom;
static char *selfpath;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

/* Write the same pattern into the guest's disk and into the reference. */
static bool
guestWrite(const char *alias, const char *ref, int pattern, const char *off,
           const char *len)
{
    g_autofree char *hmp = g_strdup_printf("qemu-io -d %s/virtio-backend \"write -P 0x%02x %s %s\"",
                                           alias, pattern, off, len);
    g_autofree char *cmd = g_strdup_printf("write -P 0x%02x %s %s", pattern, off, len);
    g_autofree char *refpath = path(ref);
    const char *io[] = { "qemu-io", "-f", "qcow2", "-c", cmd, refpath, NULL };
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply,
                                    VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
        return false;
    free(reply);
    return ref ? testApiRunCmd(io, NULL) : true;
}

/* Write into the guest only (after a point in time that must not see it). */
static bool
guestWriteOnly(const char *alias, int pattern, const char *off, const char *len)
{
    return guestWrite(alias, NULL, pattern, off, len);
}

static bool
copyFile(const char *from, const char *to)
{
    g_autofree char *a = path(from);
    g_autofree char *b = path(to);
    const char *cp[] = { "cp", "--sparse=always", a, b, NULL };

    return testApiRunCmd(cp, NULL);
}

static bool
sameImage(const char *a, const char *b)
{
    const char *cmp[] = { "qemu-img", "compare", "-q", a, b, NULL };

    return testApiRunCmd(cmp, NULL);
}

static int
jobType(virDomainPtr d, unsigned int flags, bool *success)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1, b = 0;

    if (virDomainGetJobStats(d, &type, &params, &nparams, flags) < 0)
        return -1;
    if (success && virTypedParamsGetBoolean(params, nparams, "success", &b) == 1)
        *success = b;
    virTypedParamsFree(params, nparams);
    return type;
}

static int
waitJobDone(void)
{
    int i, type = -1;

    for (i = 0; i < 3000; i++) {
        type = jobType(dom, 0, NULL);
        if (type == VIR_DOMAIN_JOB_NONE)
            return 0;
        g_usleep(10000);
    }
    printf("# job still of type %d\n", type);
    return -1;
}


/* Nothing of a finished backup may remain in QEMU: no extra block node,
 * no job, no export, no temporary bitmap. */
static int
checkNothingLeft(void)
{
    char *nodes = NULL, *jobs = NULL, *exports = NULL;
    const char *p;
    int ret = -1;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                    "\"arguments\":{\"flat\":true}}", &nodes, 0) < 0 ||
        virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-jobs\"}", &jobs, 0) < 0 ||
        virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-block-exports\"}",
                                    &exports, 0) < 0)
        goto cleanup;
    for (p = nodes; (p = strstr(p, "\"node-name\":")); p++) {
        const char *v = strchr(p + 12, '"') + 1;

        if (!g_str_has_prefix(v, "libvirt-1-") && !g_str_has_prefix(v, "libvirt-2-")) {
            printf("# leftover node %.30s\n", v);
            goto cleanup;
        }
    }
    if (strstr(nodes, "\"name\":\"backup-")) {
        printf("# leftover temporary bitmap\n");
        goto cleanup;
    }
    if (!strstr(jobs, "\"return\":[]") || !strstr(exports, "\"return\":[]")) {
        printf("# leftover jobs %s or exports %s\n", jobs, exports);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    free(nodes);
    free(jobs);
    free(exports);
    return ret;
}

static int
testSetup(void)
{
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *xml = NULL;
    const char *mka[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "64M", NULL };
    const char *mkb[] = { "qemu-img", "create", "-q", "-f", "qcow2", vdb, "32M", NULL };
    CHECK(testApiRunCmd(mka, NULL) && testApiRunCmd(mkb, NULL), "images");
    CHECK(copyFile("vda.qcow2", "ref-vda.qcow2") && copyFile("vdb.qcow2", "ref-vdb.qcow2"),
          "references");
    xml = g_strdup_printf(
        "<domain type='%s'><name>bk</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", vda, vdb);
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    CHECK(guestWrite("virtio-disk0", "ref-vda.qcow2", 0x11, "0", "1M") &&
          guestWrite("virtio-disk0", "ref-vda.qcow2", 0x22, "10M", "64k") &&
          guestWrite("virtio-disk1", "ref-vdb.qcow2", 0x33, "4M", "128k"), "writes");
    return 0;
}

static int
testPushFull(void)
{
    g_autofree char *t1 = path("full-vda.qcow2");
    g_autofree char *t2 = path("full-vdb.raw");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *ref2 = path("ref-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%s'/><driver type='qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%s'/><driver type='raw'/></disk>"
        "</disks></domainbackup>", t1, t2);
    bool success = false;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(waitJobDone() == 0, "job ends");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &success) == VIR_DOMAIN_JOB_COMPLETED && success, "completed");
    CHECK(sameImage(t1, ref1), "vda backup differs from the reference");
    CHECK(sameImage(t2, ref2), "vdb raw backup differs from the reference");
    CHECK(checkNothingLeft() == 0, "leftovers after push");
    /* the target exists now: a second run to the same place is refused */
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_INVALID_ARG, "existing target refused");
    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_NONE, "no job left after refusal");
    return 0;
}

static int
testBackupXMLAndConflicts(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd.sock", NULL);
    g_autofree char *scratch = path("scratch-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", sock, scratch);
    g_autofree char *desc = NULL;
    bool success = false;

    CHECK(virDomainBackupGetXMLDesc(dom, 0) == NULL &&
          virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_BACKUP, "no backup yet");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull begin");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && strstr(desc, "mode='pull'") && strstr(desc, "exportname='vda'") &&
          strstr(desc, "<driver type='qcow2'/>") && strstr(desc, "backup='no'") &&
          !strstr(desc, "state="), "effective XML:\n%s", desc);
    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_UNBOUNDED, "job running");
    /* a second backup fails at once */
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "backup"), "second backup refused");
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &success) == VIR_DOMAIN_JOB_COMPLETED &&
          success, "pull ended successfully");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    CHECK(virDomainBackupEnd(dom, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_BACKUP, "end without backup");
    return 0;
}

static int
testPullPointInTime(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd2.sock", NULL);
    g_autofree char *scratch = path("scratch2-vda.qcow2");
    g_autofree char *outa = path("pulled-vda.raw");
    g_autofree char *outb = path("pulled-vdb.raw");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *ref2 = path("ref-vdb.qcow2");
    g_autofree char *urla = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    g_autofree char *urlb = g_strdup_printf("nbd+unix:///data-b?socket=%s", sock);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' exportname='data-b'/></disks></domainbackup>", sock, scratch);
    const char *copya[] = { "nbdcopy", urla, outa, NULL };
    const char *copyb[] = { "nbdcopy", urlb, outb, NULL };
    g_autofree char *info = NULL;
    const char *nbdinfo[] = { "nbdinfo", "--no-content", urla, NULL };
    g_autofree char *autoScratch = NULL;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull begin");
    /* writes after the point in time must not show in the export */
    CHECK(guestWriteOnly("virtio-disk0", 0x99, "0", "64k") &&
          guestWriteOnly("virtio-disk0", 0x98, "20M", "1M") &&
          guestWriteOnly("virtio-disk1", 0x97, "4M", "64k"), "later writes");
    CHECK(testApiRunCmd(nbdinfo, &info) && strstr(info, "is_read_only: true"), "nbdinfo:\n%s", info);
    CHECK(testApiRunCmd(copya, NULL) && testApiRunCmd(copyb, NULL), "nbdcopy");
    CHECK(sameImage(outa, ref1), "pulled vda is not the point-in-time image");
    CHECK(sameImage(outb, ref2), "pulled vdb is not the point-in-time image");
    CHECK(virDomainAbortJob(dom) == 0, "abort ends a pull backup");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, NULL) == VIR_DOMAIN_JOB_COMPLETED,
          "completed");
    autoScratch = g_strdup_printf("%s/vdb.qcow2.", disks);
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS) || !testApiRunCmd(nbdinfo, NULL), "export gone");
    CHECK(checkNothingLeft() == 0, "leftovers after pull");
    /* replay the later writes on the references: the live disk has them */
    {
        g_autofree char *a = path("ref-vda.qcow2");
        g_autofree char *b = path("ref-vdb.qcow2");
        const char *ioa[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x99 0 64k",
                              "-c", "write -P 0x98 20M 1M", a, NULL };
        const char *iob[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x97 4M 64k", b, NULL };
        CHECK(testApiRunCmd(ioa, NULL) && testApiRunCmd(iob, NULL), "reference writes");
    }
    return 0;
}

static int
testPushAbort(void)
{
    g_autofree char *t1 = path("aborted-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);
    bool success = true;
    int type;

    g_autofree char *etc = g_build_filename(root, "etc", NULL);
    g_autofree char *conf = g_build_filename(etc, "fleece.conf", NULL);
    virConnectPtr slow;
    virDomainPtr slowdom;

    /* a slow copy (1 MiB/s) is surely still running when the abort comes:
     * a connection opened with that setting starts it */
    CHECK(g_mkdir_with_parents(etc, 0700) == 0 &&
          g_file_set_contents(conf, "backup_bandwidth = 1048576\n", -1, NULL), "settings");
    slow = virConnectOpen(uri);
    unlink(conf);
    CHECK(slow && (slowdom = virDomainLookupByName(slow, "bk")), "slow connection");
    CHECK(virDomainBackupBegin(slowdom, xml, NULL, 0) == 0, "begin");
    virDomainFree(slowdom);
    virConnectClose(slow);
    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_UNBOUNDED, "running");
    if (virDomainAbortJob(dom) == 0) {
        type = jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &success);
        CHECK(type == VIR_DOMAIN_JOB_CANCELLED && !success, "cancelled (type %d)", type);
        CHECK(!g_file_test(t1, G_FILE_TEST_EXISTS), "cancelled target removed");
    } else {
        CHECK(virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "abort after the end");
        type = jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &success);
        CHECK(type == VIR_DOMAIN_JOB_COMPLETED && success, "completed before abort");
        unlink(t1);
    }
    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_NONE, "no job");
    CHECK(checkNothingLeft() == 0, "leftovers after abort");
    return 0;
}

/* A pull whose job QEMU cancels on its own (through QMP, behind
 * Fleece's back) while a client could still read: the backup ends as
 * failed, and its end removes export, snapshot node, filter, scratch
 * nodes and file in an order QEMU accepts; the next pull of that disk
 * works and reads the disk. */
static int
testPullJobCancelledBehindOurBack(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd-c.sock", NULL);
    g_autofree char *scratch = path("scratch-c-vda.qcow2");
    g_autofree char *out = path("pulled-c-vda.raw");
    g_autofree char *ref = path("ref-vda.qcow2");
    g_autofree char *url = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", sock, scratch);
    const char *copy[] = { "nbdcopy", url, out, NULL };
    char *reply = NULL;
    const char *errmsg = NULL;
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;
    bool success = true;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull begin");
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"block-job-cancel\","
                                      "\"arguments\":{\"device\":"
                                      "\"backup-vda-libvirt-1-format\",\"force\":true}}",
                                      &reply, 0) == 0 && reply && !strstr(reply, "\"error\""),
          "cancel through QMP: %s", reply);
    free(reply);
    /* the next look finds the job over, the backup failed, all removed */
    CHECK(waitJobDone() == 0, "the backup did not end");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &success) == VIR_DOMAIN_JOB_FAILED && !success, "the backup did not fail");
    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams,
                               VIR_DOMAIN_JOB_STATS_COMPLETED) == 0, "job stats");
    virTypedParamsGetString(params, nparams, "errmsg", &errmsg);
    CHECK(errmsg && strstr(errmsg, "vda"), "error message '%s'", errmsg ? errmsg : "");
    virTypedParamsFree(params, nparams);
    CHECK(checkNothingLeft() == 0, "leftovers after the cancelled pull");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch left");
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS), "socket left");

    /* the next pull of the same disk works */
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "second pull begin");
    CHECK(testApiRunCmd(copy, NULL), "nbdcopy");
    CHECK(sameImage(out, ref), "the second pull does not read the disk");
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(checkNothingLeft() == 0, "leftovers after the second pull");
    unlink(out);
    return 0;
}

static int
testCurrentDataAfterBackups(void)
{
    g_autofree char *t1 = path("full2-vda.qcow2");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);

    /* the writes made during the pull are in the live disk and in a new
     * full backup */
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(waitJobDone() == 0, "done");
    CHECK(sameImage(t1, ref1), "second full backup differs");
    return 0;
}

static int
testBadInput(void)
{
    g_autofree char *t1 = path("never.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vdz' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", t1);

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0, "unknown disk accepted");
    CHECK(virDomainBackupBegin(dom, "<domainbackup mode='pull'><server name='localhost'/>"
                                    "<disks><disk name='vda' type='block'><scratch dev='/dev/null'/>"
                                    "<driver type='raw'/></disk></disks></domainbackup>", NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_XML_INVALID_SCHEMA, "raw scratch refused");
    CHECK(virDomainBackupBegin(dom, "<domainbackup><incremental>nope</incremental></domainbackup>",
                               NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT, "unknown checkpoint");
    CHECK(virDomainBackupBegin(dom, "<domainbackup", NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_XML_ERROR, "malformed");
    CHECK(!g_file_test(t1, G_FILE_TEST_EXISTS), "nothing created");
    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_NONE, "no job");
    CHECK(checkNothingLeft() == 0, "leftovers after bad input");
    return 0;
}

static int
testTCPPortChosen(void)
{
    g_autofree char *scratch = path("scratch-tcp.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server name='localhost'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", scratch);
    g_autofree char *desc = NULL;
    g_autofree char *url = NULL;
    g_autofree char *info = NULL;
    const char *port;
    const char *nbdinfo[] = { "nbdinfo", "--size", NULL, NULL };

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull over TCP without a port");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && (port = strstr(desc, " port='")), "port reported:\n%s", desc);
    url = g_strdup_printf("nbd://localhost:%d/vda", atoi(port + 7));
    nbdinfo[2] = url;
    CHECK(testApiRunCmd(nbdinfo, &info) && atoll(info) == 64 * 1024 * 1024, "size over TCP: %s", info);
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(checkNothingLeft() == 0, "leftovers after TCP pull");
    return 0;
}

/* Pull over TCP with TLS: x509 credentials from ROOT/pki/backup. */
static int
testTLS(void)
{
    g_autofree char *pki = g_build_filename(root, "pki", "backup", NULL);
    g_autofree char *xml = g_strdup(
        "<domainbackup mode='pull'><server name='localhost' tls='yes'/><disks>"
        "<disk name='vda'/><disk name='vdb' backup='no'/></disks></domainbackup>");
    g_autofree char *script = g_strdup_printf(
        "set -e; cd '%s'; "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca-cert.pem "
        "  -days 2 -subj /CN=FleeceTestCA 2>/dev/null; "
        "for who in server client; do "
        "  openssl req -newkey rsa:2048 -nodes -keyout $who-key.pem -out $who.csr "
        "    -subj /CN=localhost 2>/dev/null; "
        "  usage=serverAuth; [ $who = client ] && usage=clientAuth; "
        "  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\nextendedKeyUsage=%%s\\n' $usage > $who.ext; "
        "  openssl x509 -req -in $who.csr -CA ca-cert.pem -CAkey ca-key.pem -CAcreateserial "
        "    -out $who-cert.pem -days 2 -extfile $who.ext 2>/dev/null; "
        "done", pki);
    const char *gen[] = { "bash", "-c", script, NULL };
    g_autofree char *desc = NULL;
    g_autofree char *secure = NULL;
    g_autofree char *plain = NULL;
    g_autofree char *info = NULL;
    char *objects = NULL;
    const char *port;

    /* no credentials configured: refused before anything happens */
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "TLS without credentials");
    CHECK(g_mkdir_with_parents(pki, 0700) == 0 && testApiRunCmd(gen, NULL), "certificates");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull over TLS");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && strstr(desc, "tls='yes'") && (port = strstr(desc, " port='")), "%s", desc);
    secure = g_strdup_printf("nbds://localhost:%d/vda?tls-certificates=%s", atoi(port + 7), pki);
    plain = g_strdup_printf("nbd://localhost:%d/vda", atoi(port + 7));
    {
        const char *ok[] = { "nbdinfo", "--size", secure, NULL };
        const char *refused[] = { "nbdinfo", "--size", plain, NULL };

        CHECK(testApiRunCmd(ok, &info) && atoll(info) == 64 * 1024 * 1024,
              "size over TLS: %s", info);
        printf("# a plain client must be refused:\n");
        CHECK(!testApiRunCmd(refused, NULL), "plain NBD accepted by a TLS server");
    }
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"qom-list\","
                                      "\"arguments\":{\"path\":\"/objects\"}}",
                                      &objects, 0) == 0, "qom-list");
    CHECK(!strstr(objects, "backup_tls"), "TLS object left behind: %s", objects);
    free(objects);
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

static int
testReuseExternal(void)
{
    g_autofree char *t1 = path("external-vda.qcow2");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", t1, "64M", NULL };

    CHECK(testApiRunCmd(mk, NULL), "pre-created target");
    CHECK(virDomainBackupBegin(dom, xml, NULL, VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL) == 0,
          "begin with a reused target");
    CHECK(waitJobDone() == 0, "done");
    CHECK(sameImage(t1, ref1), "reused target differs");
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

/* The target's file system fills up: the job fails with the reason,
 * the target goes, the guest keeps running. */
static int
testENOSPC(void)
{
    g_autofree char *mnt = g_build_filename(root, "small", NULL);
    g_autofree char *t1 = g_build_filename(mnt, "full.qcow2", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);
    const char *mount[] = { "mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mnt, NULL };
    const char *umount[] = { "umount", mnt, NULL };
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1, state = -1, reason;
    const char *errmsg = NULL;
    int ret = -1;

    g_mkdir(mnt, 0700);
    if (geteuid() != 0 || !testApiRunCmd(mount, NULL))
        return testApiSkipBecause("cannot mount a small tmpfs here (needs root)");
    if (virDomainBackupBegin(dom, xml, NULL, 0) < 0 || waitJobDone() < 0 ||
        virDomainGetJobStats(dom, &type, &params, &nparams,
                             VIR_DOMAIN_JOB_STATS_COMPLETED) < 0)
        goto cleanup;
    virTypedParamsGetString(params, nparams, "errmsg", &errmsg);
    if (type != VIR_DOMAIN_JOB_FAILED || !errmsg || !strstr(errmsg, "space")) {
        printf("# type %d errmsg %s\n", type, errmsg ? errmsg : "(none)");
        goto cleanup;
    }
    if (g_file_test(t1, G_FILE_TEST_EXISTS)) {
        printf("# failed target left behind\n");
        goto cleanup;
    }
    if (virDomainGetState(dom, &state, &reason, 0) < 0 || state != VIR_DOMAIN_RUNNING ||
        checkNothingLeft() < 0)
        goto cleanup;
    ret = 0;
 cleanup:
    virTypedParamsFree(params, nparams);
    testApiRunCmd(umount, NULL);
    return ret;
}

/* Another process ends the pull backup this one started. */
static int
testOtherProcessEnds(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd4.sock", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda'/><disk name='vdb' backup='no'/></disks></domainbackup>", sock);
    const char *child[] = { selfpath, "--end-backup", uri, NULL };
    g_autofree char *out = NULL;
    struct stat sb;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(stat(sock, &sb) == 0 && (sb.st_mode & 0777) == 0600, "socket mode %o", sb.st_mode & 0777);
    CHECK(testApiRunCmd(child, &out), "the other process ended the backup: %s", out ? out : "");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, NULL) == VIR_DOMAIN_JOB_COMPLETED,
          "completed stats seen here");
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

/* A backup job recorded without its backup (a process killed between
 * two saves of the status file): the next look frees the slot, reports
 * the job failed, and the next backup starts. */
static int
testOrphanJob(void)
{
    g_autofree char *status = g_build_filename(root, "run", "bk.xml", NULL);
    g_autofree char *text = NULL;
    g_autofree char *planted = NULL;
    g_autofree char *sock = g_build_filename(root, "nbd6.sock", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda'/><disk name='vdb' backup='no'/></disks></domainbackup>", sock);
    const char *job =
        "  <job async='backup' status='active' flags='0x0' started='1796315272910'>\n"
        "    <disk total='0' processed='0' tempTotal='0' tempUsed='0'/>\n"
        "  </job>\n";
    bool success = true;
    char *nl;

    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_NONE, "no job before");
    CHECK(g_file_get_contents(status, &text, NULL, NULL), "read %s", status);
    CHECK(!strstr(text, "<job") && (nl = strchr(text, '\n')), "status file:\n%s", text);
    planted = g_strdup_printf("%.*s%s%s", (int) (nl + 1 - text), text, job, nl + 1);
    CHECK(g_file_set_contents(status, planted, -1, NULL), "write %s", status);

    CHECK(jobType(dom, 0, NULL) == VIR_DOMAIN_JOB_NONE, "the orphaned job is still reported");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &success) == VIR_DOMAIN_JOB_FAILED &&
          !success, "the orphaned job ended as failed");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "the next backup begins");
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

/* QEMU killed in the middle: the next call reports the job failed. */
static int
testKilledMidJob(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd5.sock", NULL);
    g_autofree char *scratch = path("scratch5.qcow2");
    g_autofree char *pidfile = g_build_filename(root, "run", "bk.pid", NULL);
    g_autofree char *pidtext = NULL;
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", sock, scratch);
    bool success = true;
    int state = -1, reason = -1;
    int i;
    pid_t pid;

    CHECK(virDomainCreate(dom) == 0, "restart");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(g_file_get_contents(pidfile, &pidtext, NULL, NULL), "pid file");
    pid = atoi(pidtext);
    CHECK(pid > 0 && kill(pid, SIGKILL) == 0, "kill");
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_CRASHED, "crashed");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED, &success) == VIR_DOMAIN_JOB_FAILED &&
          !success, "job failed");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    return 0;
}


/* Allocated extents of an image's top layer as "off+len " words. */
static char *
allocatedExtents(const char *img)
{
    const char *map[] = { "qemu-img", "map", "--output=json", img, NULL };
    g_autofree char *out = NULL;
    g_autoptr(GString) ret = g_string_new(NULL);
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (!testApiRunCmd(map, &out))
        return NULL;
    lines = g_strsplit(out, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *st = strstr(lines[i], "\"start\":");
        const char *ln = strstr(lines[i], "\"length\":");

        if (st && ln && strstr(lines[i], "\"depth\": 0") &&
            strstr(lines[i], "\"data\": true"))
            g_string_append_printf(ret, "%lld+%lld ", atoll(st + 8), atoll(ln + 9));
    }
    return g_string_free(g_steal_pointer(&ret), FALSE);
}

static int
testPushFullWithCheckpoint(void)
{
    g_autofree char *t1 = path("c1-full-vda.qcow2");
    g_autofree char *t2 = path("c1-full-vdb.qcow2");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *ref2 = path("ref-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", t1, t2);
    virDomainCheckpointPtr c1;

    CHECK(virDomainBackupBegin(dom, xml,
                               "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0) == 0,
          "full backup with checkpoint c1");
    CHECK(waitJobDone() == 0, "done");
    CHECK(sameImage(t1, ref1) && sameImage(t2, ref2), "full backup differs");
    CHECK((c1 = virDomainCheckpointLookupByName(dom, "c1", 0)), "c1 exists");
    virDomainCheckpointFree(c1);
    /* writes after c1, replayed on the references */
    CHECK(guestWrite("virtio-disk0", "ref-vda.qcow2", 0x41, "2M", "64k") &&
          guestWrite("virtio-disk0", "ref-vda.qcow2", 0x42, "30M", "100k") &&
          guestWrite("virtio-disk1", "ref-vdb.qcow2", 0x43, "0", "4k"), "writes after c1");
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

static int
testPushIncremental(void)
{
    g_autofree char *full = path("c1-full-vda.qcow2");
    g_autofree char *inc = path("c2-inc-vda.qcow2");
    g_autofree char *incb = path("c2-inc-vdb.qcow2");
    g_autofree char *fullb = path("c1-full-vdb.qcow2");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *ref2 = path("ref-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><incremental>c1</incremental><disks>"
        "<disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", inc, incb);
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-b", full, "-F", "qcow2", inc, NULL };
    const char *rebaseb[] = { "qemu-img", "rebase", "-u", "-b", fullb, "-F", "qcow2", incb, NULL };
    g_autofree char *extents = NULL;
    g_autofree char *desc = NULL;
    g_autofree char *info = NULL;
    const char *imginfo[] = { "qemu-img", "info", inc, NULL };

    CHECK(virDomainBackupBegin(dom, xml,
                               "<domaincheckpoint><name>c2</name></domaincheckpoint>", 0) == 0,
          "incremental since c1 with checkpoint c2");
    CHECK(waitJobDone() == 0, "done");
    /* the incremental stands alone: no backing file, least of all the live disk */
    CHECK(testApiRunCmd(imginfo, &info) && !strstr(info, "backing file"), "standalone:\n%s", info);
    /* exactly the clusters written since c1 */
    extents = allocatedExtents(inc);
    CHECK(extents && g_str_equal(extents, "2097152+65536 31457280+131072 "),
          "extents %s", extents);
    /* on top of the full backup it is the disk at c2 */
    CHECK(testApiRunCmd(rebase, NULL) && testApiRunCmd(rebaseb, NULL), "rebase");
    CHECK(sameImage(inc, ref1) && sameImage(incb, ref2), "full + incremental differs");
    CHECK(checkNothingLeft() == 0, "leftovers");
    /* more writes after c2 */
    CHECK(guestWrite("virtio-disk0", "ref-vda.qcow2", 0x51, "40M", "64k") &&
          guestWrite("virtio-disk0", "ref-vda.qcow2", 0x52, "2M", "4k"), "writes after c2");
    return 0;
}

static int
testDifferential(void)
{
    g_autofree char *full = path("c1-full-vda.qcow2");
    g_autofree char *diff = path("diff-vda.qcow2");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file' backupmode='incremental' incremental='c1'>"
        "<target file='%s'/></disk><disk name='vdb' backup='no'/>"
        "</disks></domainbackup>", diff);
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-b", full, "-F", "qcow2", diff, NULL };
    g_autofree char *extents = NULL;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "differential since c1");
    CHECK(waitJobDone() == 0, "done");
    extents = allocatedExtents(diff);
    CHECK(extents && g_str_equal(extents, "2097152+65536 31457280+131072 41943040+65536 "),
          "extents %s", extents);
    CHECK(testApiRunCmd(rebase, NULL) && sameImage(diff, ref1), "full + differential differs");
    return 0;
}

static int
testPullIncremental(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd-inc.sock", NULL);
    g_autofree char *url = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    g_autofree char *out = path("pull-inc-vda.raw");
    g_autofree char *ref1 = path("ref-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><incremental>c2</incremental>"
        "<server transport='unix' socket='%s'/><disks>"
        "<disk name='vda'/><disk name='vdb' backup='no'/></disks></domainbackup>", sock);
    const char *map[] = { "nbdinfo", "--map=qemu:dirty-bitmap:backup-vda", url, NULL };
    const char *copy[] = { "nbdcopy", url, out, NULL };
    g_autofree char *maptext = NULL;
    g_autofree char *desc = NULL;
    virDomainCheckpointPtr c2;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull incremental since c2");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && strstr(desc, "exportbitmap='backup-vda'"), "export bitmap:\n%s", desc);
    CHECK(testApiRunCmd(map, &maptext), "nbdinfo --map");
    /* dirty since c2: 2M (64k cluster) and 40M (64k) */
    CHECK(strstr(maptext, "2097152") && strstr(maptext, "41943040") &&
          !strstr(maptext, "31457280       65536    1"), "map:\n%s", maptext);
    {
        const char *p = maptext;
        int dirty = 0;
        for (; (p = strstr(p, "dirty")); p++)
            dirty++;
        CHECK(dirty == 2, "exactly two dirty extents:\n%s", maptext);
    }
    CHECK(testApiRunCmd(copy, NULL) && sameImage(out, ref1), "pulled image differs");
    /* the checkpoint the backup reads cannot go while it runs */
    CHECK((c2 = virDomainCheckpointLookupByName(dom, "c2", 0)), "c2");
    CHECK(virDomainCheckpointDelete(c2, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "delete of a used checkpoint");
    virDomainCheckpointFree(c2);
    /* creating another checkpoint during the backup works */
    {
        virDomainCheckpointPtr c3 = virDomainCheckpointCreateXML(dom,
            "<domaincheckpoint><name>c3</name></domaincheckpoint>", 0);
        CHECK(c3, "checkpoint during backup");
        virDomainCheckpointFree(c3);
    }
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(checkNothingLeft() == 0, "leftovers");
    return 0;
}

static int
testCheckpointBitmapsUntouched(void)
{
    char *out = NULL;
    int rc;

    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                      "\"arguments\":{\"flat\":true}}", &out, 0) == 0, "query");
    rc = strstr(out, "\"name\":\"c1\"") && strstr(out, "\"name\":\"c2\"") &&
         !strstr(out, "\"recording\":false") && !strstr(out, "\"name\":\"backup-") ? 0 : -1;
    if (rc < 0)
        printf("# %s\n", out);
    free(out);
    return rc;
}

static int
testDestroyDuringBackup(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd3.sock", NULL);
    g_autofree char *scratch = path("scratch3.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", sock, scratch);
    bool success = true;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK(jobType(dom, VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &success) == VIR_DOMAIN_JOB_FAILED && !success, "failed by destroy");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    CHECK(virDomainBackupGetXMLDesc(dom, 0) == NULL, "no backup after destroy");
    return 0;
}

/* A failed case must not leave its backup to the next one. */
static void
endLeftoverBackup(void)
{
    if (dom && virDomainIsActive(dom) == 1 && jobType(dom, 0, NULL) != VIR_DOMAIN_JOB_NONE)
        virDomainAbortJob(dom);
}

int
main(int argc, char **argv)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "qemu-io", "nbdcopy", "nbdinfo" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    size_t i;

    if (argc == 3 && g_str_equal(argv[1], "--end-backup")) {
        virConnectPtr c = virConnectOpen(argv[2]);
        virDomainPtr d = c ? virDomainLookupByName(c, "bk") : NULL;
        int rc = d && virDomainBackupEnd(d, 0) == 0 ? 0 : 1;

        if (rc)
            printf("%s\n", virGetLastErrorMessage());
        if (d)
            virDomainFree(d);
        if (c)
            virConnectClose(c);
        return rc;
    }
    selfpath = g_canonicalize_filename(argv[0], NULL);
    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    testApiSetAfterEach(endLeftoverBackup);
    root = g_dir_make_tmp("fleece-backup-XXXXXX", NULL);
    disks = g_build_filename(root, "disks", NULL);
    g_mkdir(disks, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);

    testApiRun("set up a running domain with written data", testSetup);
    if (dom) {
        testApiRun("push full backup, qcow2 and raw targets", testPushFull);
        testApiRun("pull backup: effective XML, one job per domain, end", testBackupXMLAndConflicts);
        testApiRun("pull backup is a point in time", testPullPointInTime);
        testApiRun("push backup aborted", testPushAbort);
        testApiRun("a pull whose job QEMU cancelled: torn down, the next pull works",
                   testPullJobCancelledBehindOurBack);
        testApiRun("full backup after a pull sees the current data", testCurrentDataAfterBackups);
        testApiRun("bad backup requests change nothing", testBadInput);
        testApiRun("pull over TCP on a port Fleece chose", testTCPPortChosen);
        testApiRun("pull over TLS with x509 credentials", testTLS);
        testApiRun("push into a pre-created target (REUSE_EXTERNAL)", testReuseExternal);
        testApiRun("target file system full", testENOSPC);
        testApiRun("a backup ended by another process", testOtherProcessEnds);
        testApiRun("a backup job without its backup is freed", testOrphanJob);
        testApiRun("push full backup with a new checkpoint", testPushFullWithCheckpoint);
        testApiRun("push incremental: exact extents, full + incremental = disk", testPushIncremental);
        testApiRun("differential from an older checkpoint", testDifferential);
        testApiRun("pull incremental with the dirty bitmap over NBD", testPullIncremental);
        testApiRun("checkpoint bitmaps untouched by backups", testCheckpointBitmapsUntouched);
        testApiRun("destroy during a pull backup", testDestroyDuringBackup);
        testApiRun("QEMU killed during a backup", testKilledMidJob);
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
    rm[2] = root;
    testApiRunCmd(rm, NULL);
    return testApiFinish();
}

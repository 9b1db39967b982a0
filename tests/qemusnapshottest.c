/*
 * qemusnapshottest.c: external disk-only snapshots and block commit
 * through the public API, on real QEMU, with checkpoints kept usable
 *
 * Every checkpoint is made together with a full push backup (the disk
 * as it was at that instant).  After each snapshot and each commit, an
 * incremental backup since every checkpoint, rebased onto that
 * checkpoint's full backup, must equal the reference image (the same
 * guest writes replayed offline with qemu-io): the bitmap of a
 * checkpoint taken before a snapshot or commit still covers every write
 * made since, wherever its pieces are in the chain.
 *
 * Output is TAP.  Skips when QEMU, qemu-img or qemu-io is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

#define NULLSTR(s) ((s) ? (s) : "(null)")

static char *root;
static char *disks;
static char *uri;
static virConnectPtr conn;
static virDomainPtr dom;
static int pattern = 0x20;
static unsigned int backupCounter;
static char *selfpath;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

/* The guest writes into vda; the reference gets the same write. */
static bool
guestWrite(const char *off, const char *len)
{
    int p = pattern++;
    g_autofree char *hmp = g_strdup_printf("qemu-io -d virtio-disk0/virtio-backend "
                                           "\"write -P 0x%02x %s %s\"", p, off, len);
    g_autofree char *cmd = g_strdup_printf("write -P 0x%02x %s %s", p, off, len);
    g_autofree char *ref = path("ref.qcow2");
    const char *io[] = { "qemu-io", "-f", "qcow2", "-c", cmd, ref, NULL };
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply,
                                    VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
        return false;
    free(reply);
    return testApiRunCmd(io, NULL);
}

static bool
waitNoJob(void)
{
    int i;

    for (i = 0; i < 3000; i++) {
        virDomainJobInfo info;

        if (virDomainGetJobInfo(dom, &info) < 0)
            return false;
        if (info.type == VIR_DOMAIN_JOB_NONE)
            return true;
        g_usleep(10000);
    }
    return false;
}

/* A push backup of vda into @target (since @since, or full), with
 * checkpoint @checkpoint when not NULL; waited for. */
static bool
backup(const char *target, const char *since, const char *checkpoint)
{
    g_autofree char *t = path(target);
    g_autofree char *inc = since ? g_strdup_printf("<incremental>%s</incremental>", since)
                                 : g_strdup("");
    g_autofree char *xml = g_strdup_printf("<domainbackup>%s<disks>"
                                           "<disk name='vda' type='file'><target file='%s'/></disk>"
                                           "<disk name='vdb' backup='no'/>"
                                           "</disks></domainbackup>", inc, t);
    g_autofree char *cp = checkpoint ?
        g_strdup_printf("<domaincheckpoint><name>%s</name></domaincheckpoint>", checkpoint) : NULL;

    unlink(t);
    if (virDomainBackupBegin(dom, xml, cp, 0) < 0)
        return false;
    return waitNoJob();
}

/* Incremental backup since @checkpoint, rebased on the checkpoint's full
 * backup, holds the reference's bytes. */
static int
checkSince(const char *checkpoint)
{
    g_autofree char *name = g_strdup_printf("inc-%s-%u.qcow2", checkpoint, backupCounter++);
    g_autofree char *inc = path(name);
    g_autofree char *fullname = g_strdup_printf("full-%s.qcow2", checkpoint);
    g_autofree char *full = path(fullname);
    g_autofree char *ref = path("ref.qcow2");
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-F", "qcow2", "-b", full, inc, NULL };
    const char *cmp[] = { "qemu-img", "compare", "-q", inc, ref, NULL };

    CHECK(backup(name, checkpoint, NULL), "incremental backup since %s", checkpoint);
    CHECK(testApiRunCmd(rebase, NULL), "rebase");
    CHECK(testApiRunCmd(cmp, NULL), "backup since %s differs from the disk", checkpoint);
    unlink(inc);
    return 0;
}

static int
checkAll(const char *const *checkpoints)
{
    size_t i;

    for (i = 0; checkpoints[i]; i++) {
        if (checkSince(checkpoints[i]) < 0)
            return -1;
    }
    return 0;
}

/* A checkpoint made with a full backup that keeps the disk as it was. */
static int
checkpoint(const char *name)
{
    g_autofree char *full = g_strdup_printf("full-%s.qcow2", name);

    CHECK(backup(full, NULL, name), "full backup with checkpoint %s", name);
    return 0;
}

static virDomainSnapshotPtr
snapshot(const char *name, unsigned int flags)
{
    g_autofree char *xml = g_strdup_printf("<domainsnapshot><name>%s</name>"
                                           "<description>test %s</description>"
                                           "</domainsnapshot>", name, name);

    return virDomainSnapshotCreateXML(dom, xml,
                                      VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | flags);
}

/* Names of the bitmaps of the node whose image is @file, each followed
 * by a comma. */
static char *
bitmapsOf(const char *file)
{
    g_autofree char *reply = NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    json_object *top = NULL;
    json_object *ret;
    size_t i, j;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                    "\"arguments\":{\"flat\":true}}", &reply, 0) < 0 ||
        !(top = json_tokener_parse(reply)) ||
        !json_object_object_get_ex(top, "return", &ret)) {
        json_object_put(top);
        return NULL;
    }
    for (i = 0; i < json_object_array_length(ret); i++) {
        json_object *node = json_object_array_get_idx(ret, i);
        json_object *f, *bms, *name, *drv;

        if (!json_object_object_get_ex(node, "file", &f) ||
            !g_str_equal(json_object_get_string(f), file) ||
            !json_object_object_get_ex(node, "drv", &drv) ||
            !g_str_equal(json_object_get_string(drv), "qcow2") ||
            !json_object_object_get_ex(node, "dirty-bitmaps", &bms))
            continue;
        for (j = 0; j < json_object_array_length(bms); j++) {
            if (json_object_object_get_ex(json_object_array_get_idx(bms, j), "name", &name))
                g_string_append_printf(out, "%s,", json_object_get_string(name));
        }
    }
    json_object_put(top);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Whether QEMU holds the image @file read-only (-1: not found). */
static int
readOnlyOf(const char *file)
{
    g_autofree char *reply = NULL;
    json_object *top = NULL;
    json_object *ret;
    int ro = -1;
    size_t i;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                    "\"arguments\":{\"flat\":true}}", &reply, 0) < 0 ||
        !(top = json_tokener_parse(reply)) ||
        !json_object_object_get_ex(top, "return", &ret)) {
        json_object_put(top);
        return -1;
    }
    for (i = 0; i < json_object_array_length(ret); i++) {
        json_object *node = json_object_array_get_idx(ret, i);
        json_object *f, *drv, *r;

        if (json_object_object_get_ex(node, "file", &f) &&
            g_str_equal(json_object_get_string(f), file) &&
            json_object_object_get_ex(node, "drv", &drv) &&
            g_str_equal(json_object_get_string(drv), "qcow2") &&
            json_object_object_get_ex(node, "ro", &r))
            ro = json_object_get_boolean(r);
    }
    json_object_put(top);
    return ro;
}

static int
testSetup(void)
{
    g_autofree char *xml = testApiDomainXML(disks);
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *ref = path("ref.qcow2");
    const char *c1[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "8M", NULL };
    const char *c2[] = { "qemu-img", "create", "-q", "-f", "qcow2", vdb, "8M", NULL };
    const char *c3[] = { "qemu-img", "create", "-q", "-f", "qcow2", ref, "8M", NULL };
    g_autoptr(GString) s = g_string_new(xml);

    CHECK(testApiRunCmd(c1, NULL) && testApiRunCmd(c2, NULL) && testApiRunCmd(c3, NULL),
          "images");
    g_string_replace(s, "cache='none'", "cache='writeback'", 0);
    CHECK((conn = virConnectOpen(uri)), "connect");
    CHECK((dom = virDomainDefineXML(conn, s->str)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    CHECK(guestWrite("0", "1M") && checkpoint("c1") == 0, "c1");
    CHECK(guestWrite("512k", "64k"), "write");
    return 0;
}

static int
testSnapshotCreate(void)
{
    virDomainSnapshotPtr s1 = NULL;
    virDomainSnapshotPtr *list = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *overlay = path("vda.s1");
    g_autofree char *bitmaps = NULL;
    int n;

    CHECK((s1 = snapshot("s1", 0)), "snapshot s1");
    CHECK(g_file_test(overlay, G_FILE_TEST_EXISTS), "overlay %s", overlay);
    CHECK((xml = virDomainSnapshotGetXMLDesc(s1, 0)), "xml");
    CHECK(strstr(xml, "<state>disk-snapshot</state>") &&
          strstr(xml, "<memory snapshot='no'/>") &&
          strstr(xml, "<description>test s1</description>") &&
          strstr(xml, "snapshot='external' type='file'") && strstr(xml, "vda.s1") &&
          strstr(xml, "vdb.s1") && !strstr(xml, "<parent>"), "%s", xml);
    CHECK(virDomainSnapshotIsCurrent(s1, 0) == 1, "s1 current");
    CHECK((n = virDomainListAllSnapshots(dom, &list, 0)) == 1, "one snapshot, %d", n);
    virDomainSnapshotFree(list[0]);
    free(list);
    /* the checkpoint's bitmap went on the overlay, in the transaction */
    CHECK((bitmaps = bitmapsOf(overlay)) && g_str_equal(bitmaps, "c1,"),
          "overlay bitmaps '%s'", NULLSTR(bitmaps));
    virDomainSnapshotFree(s1);
    CHECK(guestWrite("2M", "64k") && guestWrite("0", "64k"), "writes");
    {
        const char *since[] = { "c1", NULL };

        return checkAll(since);
    }
}

static int
testCheckpointAfterSnapshot(void)
{
    g_autofree char *overlay = path("vda.s1");
    g_autofree char *base = path("vda.qcow2");
    g_autofree char *b1 = NULL;
    g_autofree char *b2 = NULL;
    const char *since[] = { "c1", "c2", NULL };

    if (checkpoint("c2") < 0)
        return -1;
    /* a new checkpoint goes on the new top layer only */
    CHECK((b1 = bitmapsOf(overlay)) && strstr(b1, "c2,"), "overlay '%s'", NULLSTR(b1));
    CHECK((b2 = bitmapsOf(base)) && !strstr(b2, "c2"), "base '%s'", NULLSTR(b2));
    CHECK(guestWrite("3M", "128k"), "write");
    return checkAll(since);
}

static int
testSnapshotList(void)
{
    virDomainSnapshotPtr s2 = NULL;
    virDomainSnapshotPtr parent = NULL;
    virDomainSnapshotPtr nometa = NULL;
    virDomainSnapshotPtr *list = NULL;
    g_autofree char *xml = NULL;
    int n;

    CHECK((s2 = snapshot("s2", 0)), "s2");
    CHECK((xml = virDomainSnapshotGetXMLDesc(s2, 0)) &&
          strstr(xml, "<parent>\n    <name>s1</name>"), "%s", NULLSTR(xml));
    CHECK((parent = virDomainSnapshotGetParent(s2, 0)) &&
          g_str_equal(virDomainSnapshotGetName(parent), "s1"), "parent");
    CHECK(virDomainSnapshotIsCurrent(parent, 0) == 0, "s1 no longer current");
    CHECK(virDomainListAllSnapshots(dom, NULL, VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) == 1, "roots");
    CHECK(virDomainListAllSnapshots(dom, NULL, VIR_DOMAIN_SNAPSHOT_LIST_LEAVES) == 1, "leaves");
    CHECK((n = virDomainListAllSnapshots(dom, &list, VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL)) == 2 &&
          g_str_equal(virDomainSnapshotGetName(list[0]), "s1"), "topological");
    virDomainSnapshotFree(list[0]);
    virDomainSnapshotFree(list[1]);
    free(list);
    virDomainSnapshotFree(parent);
    virDomainSnapshotFree(s2);

    /* no metadata: the disks move, nothing is listed */
    CHECK((nometa = snapshot("s3", VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)), "s3");
    virDomainSnapshotFree(nometa);
    CHECK(virDomainListAllSnapshots(dom, NULL, 0) == 2, "s3 not listed");
    CHECK(!virDomainSnapshotLookupByName(dom, "s3", 0) &&
          virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_SNAPSHOT, "s3 unknown");
    /* errors */
    CHECK(!snapshot("s1", 0) && virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID,
          "duplicate name");
    CHECK(!virDomainSnapshotCreateXML(dom, "<domainsnapshot><name>x</name></domainsnapshot>", 0) &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_UNSUPPORTED, "needs DISK_ONLY");
    CHECK(guestWrite("4M", "64k"), "write");
    {
        const char *since[] = { "c1", "c2", NULL };

        return checkAll(since);
    }
}

static int
testRevertRefused(void)
{
    virDomainSnapshotPtr s1 = virDomainSnapshotLookupByName(dom, "s1", 0);
    int state = 0, reason = 0;

    CHECK(s1, "lookup");
    CHECK(virDomainRevertToSnapshot(s1, 0) < 0, "revert refused");
    CHECK(virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "'c1', 'c2'"), "message: %s",
          virGetLastErrorMessage());
    virDomainSnapshotFree(s1);
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_RUNNING,
          "still running");
    {
        const char *since[] = { "c1", "c2", NULL };

        return checkAll(since);
    }
}

static bool
waitCommit(const char *disk, bool active)
{
    int i;

    for (i = 0; i < 3000; i++) {
        virDomainBlockJobInfo info;
        int rc = virDomainGetBlockJobInfo(dom, disk, &info, 0);

        if (rc < 0)
            return false;
        if (rc == 0)
            return !active;
        if (active && info.end && info.cur == info.end)
            return info.type == VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT;
        g_usleep(10000);
    }
    return false;
}

static int
testCommitInactive(void)
{
    g_autofree char *s1 = path("vda.s1");
    g_autofree char *s2 = path("vda.s2");
    g_autofree char *xml = NULL;
    const char *since[] = { "c1", "c2", "c3", NULL };

    /* c3 lives on s3 (the top) only */
    if (checkpoint("c3") < 0)
        return -1;
    CHECK(guestWrite("5M", "64k"), "write");
    /* s2 (holding c1, c2) and s1 go into vda.qcow2, below them */
    CHECK(virDomainBlockCommit(dom, "vda", NULL, s2, 0, 0) == 0, "commit");
    CHECK(waitCommit("vda", false), "commit finished");
    CHECK((xml = virDomainGetXMLDesc(dom, 0)) && !strstr(xml, s1) && !strstr(xml, s2),
          "chain still has the committed images");
    CHECK(guestWrite("6M", "64k"), "write");
    return checkAll(since);
}

static int
testCommitActive(void)
{
    g_autofree char *xml = NULL;
    g_autofree char *base = path("vda.qcow2");
    g_autofree char *b = NULL;
    const char *since[] = { "c1", "c2", "c3", NULL };

    CHECK(virDomainBlockCommit(dom, "vda", NULL, NULL, 0, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_INVALID_ARG, "active needs the flag");
    CHECK(virDomainBlockCommit(dom, "vda", NULL, NULL, 0,
                               VIR_DOMAIN_BLOCK_COMMIT_ACTIVE) == 0, "active commit");
    CHECK(waitCommit("vda", true), "synchronised");
    CHECK(guestWrite("1M", "64k"), "write while synchronised");
    CHECK(virDomainBlockJobAbort(dom, "vda", VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) == 0, "pivot");
    CHECK(virDomainGetBlockJobInfo(dom, "vda", &(virDomainBlockJobInfo){ 0 }, 0) == 0, "no job");
    CHECK((xml = virDomainGetXMLDesc(dom, 0)) && strstr(xml, "vda.qcow2' index") &&
          !strstr(xml, "vda.s"), "disk on its base: %s", NULLSTR(xml));
    CHECK((b = bitmapsOf(base)) && strstr(b, "c1,") && strstr(b, "c2,") && strstr(b, "c3,") &&
          !strstr(b, "activewrite"), "base bitmaps '%s'", NULLSTR(b));
    CHECK(guestWrite("7M", "64k"), "write");
    return checkAll(since);
}

static int
testOffline(void)
{
    virDomainSnapshotPtr s4;
    g_autofree char *xml = NULL;
    const char *since[] = { "c1", "c3", NULL };
    g_autofree char *overlay = path("vda.s4");

    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK((s4 = snapshot("s4", 0)), "snapshot of a shut-off domain");
    CHECK((xml = virDomainSnapshotGetXMLDesc(s4, 0)) && strstr(xml, "<state>shutoff</state>"),
          "%s", NULLSTR(xml));
    virDomainSnapshotFree(s4);
    CHECK(g_file_test(overlay, G_FILE_TEST_EXISTS), "overlay");
    CHECK(virDomainCreate(dom) == 0, "start");
    CHECK(guestWrite("64k", "64k"), "write");
    return checkAll(since);
}

/* c2's bitmap is on the top image and on the read-only one below it
 * (the domain was started on the chain): both go, and the image below
 * is read-only again. */
static int
testDeleteCheckpointInBacking(void)
{
    g_autofree char *top = path("vda.s4");
    g_autofree char *base = path("vda.qcow2");
    g_autofree char *b1 = NULL;
    g_autofree char *b2 = NULL;
    virDomainCheckpointPtr c2 = virDomainCheckpointLookupByName(dom, "c2", 0);
    const char *since[] = { "c1", "c3", NULL };

    CHECK(c2, "lookup c2");
    CHECK((b1 = bitmapsOf(base)) && strstr(b1, "c2,") && readOnlyOf(base) == 1,
          "c2 in the read-only backing image: '%s'", NULLSTR(b1));
    g_clear_pointer(&b1, g_free);
    CHECK(virDomainCheckpointDelete(c2, 0) == 0, "delete c2: %s", virGetLastErrorMessage());
    virDomainCheckpointFree(c2);
    CHECK((b1 = bitmapsOf(top)) && !strstr(b1, "c2") && (b2 = bitmapsOf(base)) &&
          !strstr(b2, "c2") && strstr(b2, "c1,"), "bitmaps '%s' / '%s'", NULLSTR(b1),
          NULLSTR(b2));
    CHECK(readOnlyOf(base) == 1 && readOnlyOf(top) == 0, "base read-only again");
    CHECK(guestWrite("6M", "64k"), "write");
    return checkAll(since);
}

static int
testDelete(void)
{
    virDomainSnapshotPtr s2 = virDomainSnapshotLookupByName(dom, "s2", 0);
    virDomainSnapshotPtr s4 = NULL;
    g_autofree char *xml = NULL;

    CHECK(s2, "lookup");
    CHECK(virDomainSnapshotDelete(s2, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_CONFIG_UNSUPPORTED, "images kept");
    CHECK(virDomainSnapshotDelete(s2, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) == 0, "delete");
    virDomainSnapshotFree(s2);
    CHECK(virDomainListAllSnapshots(dom, NULL, 0) == 2, "two left");
    CHECK((s4 = virDomainSnapshotLookupByName(dom, "s4", 0)) &&
          (xml = virDomainSnapshotGetXMLDesc(s4, 0)) &&
          strstr(xml, "<parent>\n    <name>s1</name>"), "s4 re-parented: %s", NULLSTR(xml));
    virDomainSnapshotFree(s4);
    return 0;
}

/* Child mode: pivot vda, to be killed right after QEMU was asked to
 * switch (see runPivotChild). */
static int
childPivot(void)
{
    virConnectPtr c = virConnectOpen(uri);
    virDomainPtr d = c ? virDomainLookupByName(c, "testvm") : NULL;

    if (d)
        virDomainBlockJobAbort(d, "vda", VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT);
    return 2;   /* not reached when it was killed */
}

/* Run the pivot in a child with the test-only crash mock
 * (tests/crashmock.c), which stops it at its first step after
 * block-job-complete, and kill it there: 0 if it was killed there. */
static int
runPivotChild(void)
{
    const char *argv[] = { selfpath, "--child-pivot", root, NULL };
    const char *mock = g_getenv("FLEECE_TEST_CRASHMOCK");
    g_auto(GStrv) env = g_get_environ();
    GPid pid;
    int status = 0;

    env = g_environ_setenv(env, "LD_PRELOAD", mock, TRUE);
    env = g_environ_setenv(env, "FLEECE_CRASHMOCK_STOP_AFTER", "qmp:block-job-complete", TRUE);
    env = g_environ_setenv(env, "ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", TRUE);
    if (!g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                       &pid, NULL) ||
        waitpid(pid, &status, WUNTRACED) < 0 || !WIFSTOPPED(status))
        return -1;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 0;
}

/* One QMP command on the domain's monitor socket, straight to QEMU (a
 * Fleece call would first finish the interrupted pivot): its reply. */
static char *
rawQMP(const char *cmd)
{
    g_autofree char *sock = g_build_filename(root, "run", "testvm.qmp", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autoptr(GString) in = g_string_new(NULL);
    g_autofree char *out = g_strdup_printf("{\"execute\":\"qmp_capabilities\"}\n%s\n", cmd);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    int lines = 0;
    char buf[4096];
    ssize_t n;

    g_strlcpy(addr.sun_path, sock, sizeof(addr.sun_path));
    if (fd < 0 || connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0 ||
        write(fd, out, strlen(out)) != (ssize_t) strlen(out)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    /* greeting, capabilities, the reply (events may come between) */
    while (lines < 3 && (n = read(fd, buf, sizeof(buf))) > 0) {
        const char *p;

        g_string_append_len(in, buf, n);
        lines = 0;
        for (p = in->str; (p = strstr(p, "\"return\"")); p++)
            lines++;
        if (strstr(in->str, "\"QMP\""))
            lines++;
    }
    close(fd);
    return g_string_free(g_steal_pointer(&in), FALSE);
}

/* QEMU's pid, from the status file. */
static pid_t
qemuPid(void)
{
    g_autofree char *status = g_build_filename(root, "run", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    const char *p;

    if (!g_file_get_contents(status, &xml, NULL, NULL) || !(p = strstr(xml, " pid='")))
        return 0;
    return (pid_t) strtol(p + 6, NULL, 10);
}

/* The process pivoting vda is killed just after QEMU was asked to
 * switch, and QEMU dies before any other process looks: the
 * configuration that is left must hold every write.  (The guest was
 * stopped for the pivot: the old top over base reads what base reads.) */
static int
testPivotKilledThenQemuDies(void)
{
    g_autofree char *ref = path("ref.qcow2");
    g_autofree char *top = path("vda.s4");
    g_autofree char *base = path("vda.qcow2");
    g_autofree char *reply = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *full = path("after-crash.qcow2");
    const char *cmpTop[] = { "qemu-img", "compare", "-q", top, ref, NULL };
    const char *cmpBase[] = { "qemu-img", "compare", "-q", base, ref, NULL };
    const char *cmpFull[] = { "qemu-img", "compare", "-q", full, ref, NULL };
    pid_t pid;
    int state = 0, reason = 0, i;

    if (!g_getenv("FLEECE_TEST_CRASHMOCK"))
        return testApiSkipBecause("FLEECE_TEST_CRASHMOCK is not set");
    CHECK(guestWrite("1M", "128k"), "write");
    CHECK(virDomainBlockCommit(dom, "vda", NULL, NULL, 0,
                               VIR_DOMAIN_BLOCK_COMMIT_ACTIVE) == 0, "active commit");
    CHECK(waitCommit("vda", true), "synchronised");
    CHECK(guestWrite("2M", "64k"), "write while synchronised");
    CHECK((pid = qemuPid()) > 0, "QEMU's pid");
    CHECK(runPivotChild() == 0, "the pivoting process was not killed after block-job-complete");
    /* QEMU switched, the guest still stopped */
    for (i = 0; i < 500; i++) {
        g_clear_pointer(&reply, g_free);
        if (!(reply = rawQMP("{\"execute\":\"query-jobs\"}")) ||
            strstr(reply, "\"concluded\""))
            break;
        g_usleep(10000);
    }
    CHECK(reply && strstr(reply, "\"concluded\""), "the job did not conclude: %s", NULLSTR(reply));
    g_clear_pointer(&reply, g_free);
    CHECK((reply = rawQMP("{\"execute\":\"query-status\"}")) && strstr(reply, "\"paused\""),
          "the guest runs during the pivot: %s", NULLSTR(reply));
    kill(pid, SIGKILL);
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_SHUTOFF,
          "state %d", state);
    CHECK((xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)), "XML");
    /* the configuration may name the old top (the switch was not
     * recorded): it holds every write, as base does */
    CHECK(strstr(xml, top) || strstr(xml, "vda.qcow2'"), "%s", xml);
    CHECK(testApiRunCmd(cmpTop, NULL), "the old top over base differs from the disk");
    CHECK(testApiRunCmd(cmpBase, NULL), "base differs from the disk");
    CHECK(virDomainCreate(dom) == 0, "start: %s", virGetLastErrorMessage());
    CHECK(backup("after-crash.qcow2", NULL, NULL), "full backup");
    CHECK(testApiRunCmd(cmpFull, NULL), "the disk QEMU runs on differs from the reference");
    return 0;
}

static void
cleanupAll(void)
{
    const char *rm[] = { "rm", "-rf", root, NULL };

    if (dom) {
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
                               VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
    testApiRunCmd(rm, NULL);
}

int
main(int argc, char **argv)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "qemu-io" };
    size_t i;

    if (argc == 3 && g_str_equal(argv[1], "--child-pivot")) {
        root = g_strdup(argv[2]);
        uri = g_strdup_printf("qemu:///embed?root=%s", root);
        return childPivot();
    }
    selfpath = g_canonicalize_filename(argv[0], NULL);

    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    root = g_dir_make_tmp("fleece-snapshot-XXXXXX", NULL);
    disks = g_build_filename(root, "disks", NULL);
    g_mkdir(disks, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);

    testApiRun("running domain, checkpoint c1 with a full backup", testSetup);
    if (dom) {
        testApiRun("disk-only snapshot: overlays, XML, bitmaps carried, backup since c1", testSnapshotCreate);
        testApiRun("checkpoint after a snapshot on the new top only", testCheckpointAfterSnapshot);
        testApiRun("listing, parents, NO_METADATA, errors", testSnapshotList);
        testApiRun("revert refused, naming the checkpoints", testRevertRefused);
        testApiRun("commit below the active image, every checkpoint byte-correct", testCommitInactive);
        testApiRun("active commit with pivot, every checkpoint byte-correct", testCommitActive);
        testApiRun("snapshot of a shut-off domain", testOffline);
        testApiRun("checkpoint delete: bitmaps in a read-only backing image", testDeleteCheckpointInBacking);
        testApiRun("metadata-only delete re-parents children", testDelete);
        testApiRun("pivot killed after QEMU switched, then QEMU killed: no write lost",
                   testPivotKilledThenQemuDies);
    }
    cleanupAll();
    return testApiFinish();
}

/*
 * qemuofflinebackuptest.c: backups of a shut-off domain through the
 * public API, on a real qemu-storage-daemon, with every byte verified
 *
 * The domain stays shut off while its disks are served by the storage
 * daemon: push and pull, full, incremental and differential, with new
 * checkpoints in the backup's transaction, checkpoints made while the
 * domain ran used after it shut down, job statistics, the job-completed
 * event, abort and end.  Expected images are rebuilt by replaying every
 * write with qemu-io on a copy of the blank disk (qemu-img compare); the
 * dirty extents of pull backups are read with nbdinfo --map.  After each
 * case no storage daemon, socket, scratch file or stray bitmap is left
 * and every bitmap in the images is consistent.  Starting or undefining
 * the domain during a backup fails clearly; checkpoints are created,
 * measured and deleted through the daemon meanwhile.  A storage daemon
 * killed with SIGKILL fails its backup, like a killed QEMU, and the
 * bitmaps it had open are reported inconsistent.
 *
 * Output is TAP.  Skips when qemu-storage-daemon, QEMU, qemu-img,
 * qemu-io, qemu-nbd, nbdcopy or nbdinfo is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

static char *root;
static char *disks;
static char *uri;
static virConnectPtr conn;
static virDomainPtr dom;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

static gpointer
eventLoopThread(gpointer opaque G_GNUC_UNUSED)
{
    while (true)
        virEventRunDefaultImpl();
    return NULL;
}

/* ---- writes and comparisons ----------------------------------------------- */

/* Replay a write on an image with qemu-io (the image must not be open). */
static bool
imageWrite(const char *image, int pattern, const char *off, const char *len)
{
    g_autofree char *p = path(image);
    g_autofree char *cmd = g_strdup_printf("write -P 0x%02x %s %s", pattern, off, len);
    const char *io[] = { "qemu-io", "-f", "qcow2", "-c", cmd, p, NULL };

    return testApiRunCmd(io, NULL);
}

/* A write to a shut-off disk (recorded by its checkpoint bitmaps, as qemu-io
 * keeps them), and the same write on its reference. */
static bool
offlineWrite(const char *disk, int pattern, const char *off, const char *len)
{
    g_autofree char *img = g_strdup_printf("%s.qcow2", disk);
    g_autofree char *ref = g_strdup_printf("ref-%s.qcow2", disk);

    return imageWrite(img, pattern, off, len) && imageWrite(ref, pattern, off, len);
}

/* A guest write to the running domain, and the same on the reference. */
static bool
guestWrite(unsigned int idx, int pattern, const char *off, const char *len)
{
    g_autofree char *hmp = g_strdup_printf("qemu-io -d virtio-disk%u/virtio-backend "
                                           "\"write -P 0x%02x %s %s\"", idx, pattern, off, len);
    g_autofree char *ref = g_strdup_printf("ref-vd%c.qcow2", 'a' + idx);
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
        return false;
    free(reply);
    return imageWrite(ref, pattern, off, len);
}

static bool
sameImage(const char *a, const char *b)
{
    g_autofree char *pa = g_path_is_absolute(a) ? g_strdup(a) : path(a);
    g_autofree char *pb = g_path_is_absolute(b) ? g_strdup(b) : path(b);
    const char *cmp[] = { "qemu-img", "compare", "-q", pa, pb, NULL };

    return testApiRunCmd(cmp, NULL);
}

/* Put incremental @inc on top of @base (both in the disk directory). */
static bool
rebase(const char *inc, const char *base)
{
    g_autofree char *pi = path(inc);
    g_autofree char *pb = path(base);
    const char *cmd[] = { "qemu-img", "rebase", "-u", "-F", "qcow2", "-b", pb, pi, NULL };

    return testApiRunCmd(cmd, NULL);
}

/* Allocated extents of an image's top layer as "off+len " words. */
static char *
allocatedExtents(const char *img)
{
    g_autofree char *p = path(img);
    const char *map[] = { "qemu-img", "map", "--output=json", p, NULL };
    g_autofree char *out = NULL;
    g_autoptr(GString) ret = g_string_new(NULL);
    long long lastStart = 0, lastLen = 0, end = -1;
    bool last = false;
    json_object *arr;
    size_t i;

    if (!testApiRunCmd(map, &out) || !(arr = json_tokener_parse(out)))
        return NULL;
    for (i = 0; i < json_object_array_length(arr); i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        json_object *v;

        if (json_object_object_get_ex(e, "depth", &v) && json_object_get_int(v) == 0 &&
            json_object_object_get_ex(e, "data", &v) && json_object_get_boolean(v)) {
            long long start = 0, length = 0;

            if (json_object_object_get_ex(e, "start", &v))
                start = json_object_get_int64(v);
            if (json_object_object_get_ex(e, "length", &v))
                length = json_object_get_int64(v);
            /* adjacent extents are one */
            if (start == end && last) {
                lastLen += length;
            } else {
                if (last)
                    g_string_append_printf(ret, "%lld+%lld ", lastStart, lastLen);
                lastStart = start;
                lastLen = length;
                last = true;
            }
            end = start + length;
        }
    }
    if (last)
        g_string_append_printf(ret, "%lld+%lld ", lastStart, lastLen);
    json_object_put(arr);
    return g_string_free(g_steal_pointer(&ret), FALSE);
}

/* ---- jobs and events -------------------------------------------------------- */

static int
jobType(unsigned int flags, bool *success, char **errmsg)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1, b = 0;
    const char *msg = NULL;

    if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0)
        return -1;
    if (success && virTypedParamsGetBoolean(params, nparams, "success", &b) == 1)
        *success = b;
    if (errmsg && virTypedParamsGetString(params, nparams, "errmsg", &msg) == 1)
        *errmsg = g_strdup(msg);
    virTypedParamsFree(params, nparams);
    return type;
}

static int
waitJobDone(void)
{
    int i, type = -1;

    for (i = 0; i < 3000; i++) {
        if ((type = jobType(0, NULL, NULL)) == VIR_DOMAIN_JOB_NONE)
            return 0;
        g_usleep(10000);
    }
    printf("# job still of type %d\n", type);
    return -1;
}

/* Job-completed events: "success=N " words. */
static GMutex eventLock;
static GString *events;

static int
jobCompleted(virConnectPtr c G_GNUC_UNUSED, virDomainPtr d G_GNUC_UNUSED,
             virTypedParameterPtr params, int nparams, void *opaque G_GNUC_UNUSED)
{
    int success = -1;

    virTypedParamsGetBoolean(params, nparams, VIR_DOMAIN_JOB_SUCCESS, &success);
    g_mutex_lock(&eventLock);
    g_string_append_printf(events, "success=%d ", success);
    g_mutex_unlock(&eventLock);
    return 0;
}

/* Wait up to 10 s for the events seen to be @want; clears them. */
static bool
eventsAre(const char *want)
{
    bool ok = false;
    int i;

    for (i = 0; i < 1000 && !ok; i++) {
        g_mutex_lock(&eventLock);
        ok = g_str_equal(events->str, want);
        g_mutex_unlock(&eventLock);
        if (!ok)
            g_usleep(10000);
    }
    g_mutex_lock(&eventLock);
    if (!ok)
        printf("# events '%s', expected '%s'\n", events->str, want);
    g_string_truncate(events, 0);
    g_mutex_unlock(&eventLock);
    return ok;
}

/* ---- what must be left -------------------------------------------------------- */

/* Storage daemons started on this test's root (zombies have no command
 * line and do not count). */
static int
storageDaemons(void)
{
    g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
    const char *ent;
    int n = 0;

    while (dir && (ent = g_dir_read_name(dir))) {
        g_autofree char *file = g_strdup_printf("/proc/%s/cmdline", ent);
        g_autofree char *cmdline = NULL;
        gsize len = 0, off;
        bool qsd = false, ours = false;

        if (!g_ascii_isdigit(ent[0]) || !g_file_get_contents(file, &cmdline, &len, NULL))
            continue;
        for (off = 0; off < len; off += strlen(cmdline + off) + 1) {
            qsd |= off == 0 && g_str_has_suffix(cmdline, "qemu-storage-daemon");
            ours |= strstr(cmdline + off, root) != NULL;
        }
        n += qsd && ours;
    }
    return n;
}

static pid_t
storageDaemonPid(void)
{
    g_autofree char *status = g_strdup_printf("%s/run/off.xml", root);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(status, &text, NULL, NULL) ||
        !(p = strstr(text, "<storageDaemon pid='")))
        return -1;
    return atoi(p + strlen("<storageDaemon pid='"));
}

static gint
compareStrPtr(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

/* The bitmaps of an image as "name[!] " words (! = in use), sorted. */
static char *
imageBitmaps(const char *img)
{
    g_autofree char *p = path(img);
    const char *info[] = { "qemu-img", "info", "-U", "--output=json", p, NULL };
    g_autofree char *out = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    json_object *obj, *fs, *data, *bitmaps;
    size_t i;

    if (!testApiRunCmd(info, &out) || !(obj = json_tokener_parse(out)))
        return NULL;
    if (json_object_object_get_ex(obj, "format-specific", &fs) &&
        json_object_object_get_ex(fs, "data", &data) &&
        json_object_object_get_ex(data, "bitmaps", &bitmaps)) {
        for (i = 0; i < json_object_array_length(bitmaps); i++) {
            json_object *b = json_object_array_get_idx(bitmaps, i);
            json_object *name, *flags;
            bool inUse = false;
            size_t j;

            json_object_object_get_ex(b, "name", &name);
            if (json_object_object_get_ex(b, "flags", &flags)) {
                for (j = 0; j < json_object_array_length(flags); j++)
                    inUse |= g_str_equal(json_object_get_string(json_object_array_get_idx(flags, j)),
                                         "in-use");
            }
            g_ptr_array_add(names, g_strdup_printf("%s%s", json_object_get_string(name),
                                                   inUse ? "!" : ""));
        }
    }
    json_object_put(obj);
    g_ptr_array_sort(names, compareStrPtr);
    {
        GString *s = g_string_new(NULL);

        for (i = 0; i < names->len; i++)
            g_string_append_printf(s, "%s ", (char *) g_ptr_array_index(names, i));
        return g_string_free(s, FALSE);
    }
}

/* Nothing of a backup is left: no storage daemon, no socket of one, no
 * scratch file, the domain shut off; each image has exactly the
 * bitmaps @bitmaps ("c1 c2 "), all consistent. */
static int
checkNothingLeft(const char *bitmaps)
{
    g_autofree char *sockdir = g_build_filename(root, "run", "storage", NULL);
    g_autoptr(GDir) d = g_dir_open(sockdir, 0, NULL);
    g_autoptr(GDir) dd = g_dir_open(disks, 0, NULL);
    const char *ent;
    int state = -1, reason;
    size_t i;

    CHECK(storageDaemons() == 0, "a storage daemon is left running");
    CHECK(!d || !g_dir_read_name(d), "a file is left in %s", sockdir);
    while ((ent = g_dir_read_name(dd)))
        CHECK(!strstr(ent, "scratch"), "scratch file '%s' left", ent);
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_SHUTOFF,
          "domain state %d", state);
    for (i = 0; i < 2; i++) {
        g_autofree char *img = g_strdup_printf("vd%c.qcow2", (char) ('a' + i));
        g_autofree char *have = imageBitmaps(img);

        CHECK(have && g_str_equal(have, bitmaps), "%s has bitmaps '%s', expected '%s'",
              img, have, bitmaps);
    }
    return 0;
}

static bool
checkpointExists(const char *name)
{
    virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, name, 0);

    if (!c)
        return false;
    virDomainCheckpointFree(c);
    return true;
}

/* ---- the cases ------------------------------------------------------------ */

static int
testSetup(void)
{
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *xml = NULL;
    const char *mka[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "64M", NULL };
    const char *mkb[] = { "qemu-img", "create", "-q", "-f", "qcow2", vdb, "32M", NULL };
    g_autofree char *refa = path("ref-vda.qcow2");
    g_autofree char *refb = path("ref-vdb.qcow2");
    const char *cpa[] = { "cp", vda, refa, NULL };
    const char *cpb[] = { "cp", vdb, refb, NULL };

    CHECK(testApiRunCmd(mka, NULL) && testApiRunCmd(mkb, NULL), "images");
    CHECK(testApiRunCmd(cpa, NULL) && testApiRunCmd(cpb, NULL), "references");
    CHECK(offlineWrite("vda", 0x11, "0", "1M") && offlineWrite("vda", 0x12, "10M", "64k") &&
          offlineWrite("vdb", 0x13, "4M", "128k"), "writes");
    xml = g_strdup_printf(
        "<domain type='%s'><name>off</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", vda, vdb);
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    events = g_string_new(NULL);
    CHECK(virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                           VIR_DOMAIN_EVENT_CALLBACK(jobCompleted),
                                           NULL, NULL) >= 0, "register");
    return 0;
}

/* A domain that never ran: full push with a new checkpoint. */
static int
testPushFull(void)
{
    g_autofree char *t1 = path("c1-full-vda.qcow2");
    g_autofree char *t2 = path("c1-full-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", t1, t2);
    g_autofree char *desc = NULL;
    bool success = false;
    int state = -1, reason;

    CHECK(virDomainIsActive(dom) == 0, "shut off");
    CHECK(virDomainBackupBegin(dom, xml, "<domaincheckpoint><name>c1</name></domaincheckpoint>",
                               0) == 0, "push full backup of a shut-off domain");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_SHUTOFF,
          "the domain stays shut off (%d)", state);
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(!desc || strstr(desc, "c1-full-vda.qcow2"), "backup XML:\n%s", desc);
    CHECK(waitJobDone() == 0, "job ends");
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &success, NULL) == VIR_DOMAIN_JOB_COMPLETED && success, "completed");
    CHECK(eventsAre("success=1 "), "job-completed event");
    CHECK(sameImage(t1, "ref-vda.qcow2") && sameImage(t2, "ref-vdb.qcow2"),
          "full backup differs from the reference");
    CHECK(checkpointExists("c1"), "checkpoint c1");
    CHECK(checkNothingLeft("c1 ") == 0, "leftovers");
    return 0;
}

/* The domain runs and the guest writes (c1 records them), then shuts
 * down; an incremental since c1 with a new checkpoint c2, offline. */
static int
testPushIncremental(void)
{
    g_autofree char *inc = path("c2-inc-vda.qcow2");
    g_autofree char *incb = path("c2-inc-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><incremental>c1</incremental><disks>"
        "<disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", inc, incb);
    g_autofree char *extents = NULL;
    g_autofree char *extentsb = NULL;

    CHECK(virDomainCreate(dom) == 0, "start");
    CHECK(guestWrite(0, 0x41, "2M", "64k") && guestWrite(0, 0x42, "30M", "100k") &&
          guestWrite(1, 0x43, "0", "4k"), "guest writes after c1");
    CHECK(virDomainDestroy(dom) == 0, "stop (bitmaps written into the images)");
    CHECK(virDomainBackupBegin(dom, xml, "<domaincheckpoint><name>c2</name></domaincheckpoint>",
                               0) == 0, "incremental since c1 with checkpoint c2");
    CHECK(waitJobDone() == 0, "done");
    CHECK(eventsAre("success=1 "), "job-completed event");
    extents = allocatedExtents("c2-inc-vda.qcow2");
    extentsb = allocatedExtents("c2-inc-vdb.qcow2");
    CHECK(extents && g_str_equal(extents, "2097152+65536 31457280+131072 "),
          "extents of vda: %s", extents);
    CHECK(extentsb && g_str_equal(extentsb, "0+65536 "), "extents of vdb: %s", extentsb);
    CHECK(rebase("c2-inc-vda.qcow2", "c1-full-vda.qcow2") &&
          rebase("c2-inc-vdb.qcow2", "c1-full-vdb.qcow2"), "rebase");
    CHECK(sameImage(inc, "ref-vda.qcow2") && sameImage(incb, "ref-vdb.qcow2"),
          "full + incremental differs from the disk");
    CHECK(checkNothingLeft("c1 c2 ") == 0, "leftovers");
    return 0;
}

/* Pull since c2: the dirty extents over NBD, the whole point in time;
 * meanwhile the domain cannot start or go, checkpoints work through the
 * daemon. */
static int
testPullIncremental(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd-inc.sock", NULL);
    g_autofree char *url = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    g_autofree char *urlb = g_strdup_printf("nbd+unix:///vdb?socket=%s", sock);
    g_autofree char *out = path("pulled-vda.raw");
    g_autofree char *outb = path("pulled-vdb.raw");
    g_autofree char *scratch = path("scratch-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><incremental>c2</incremental>"
        "<server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb'/></disks></domainbackup>", sock, scratch);
    const char *map[] = { "nbdinfo", "--map=qemu:dirty-bitmap:backup-vda", url, NULL };
    const char *mapb[] = { "nbdinfo", "--map=qemu:dirty-bitmap:backup-vdb", urlb, NULL };
    const char *copy[] = { "nbdcopy", url, out, NULL };
    const char *copyb[] = { "nbdcopy", urlb, outb, NULL };
    g_autofree char *maptext = NULL;
    g_autofree char *maptextb = NULL;
    g_autofree char *desc = NULL;
    g_autofree char *sized = NULL;
    virDomainCheckpointPtr c2;
    virDomainCheckpointPtr c3;
    bool success = false;
    int type;

    CHECK(offlineWrite("vda", 0x51, "40M", "64k") && offlineWrite("vda", 0x52, "2M", "4k") &&
          offlineWrite("vdb", 0x53, "8M", "1M"), "writes after c2");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull incremental since c2");
    type = jobType(0, NULL, NULL);
    CHECK(type == VIR_DOMAIN_JOB_UNBOUNDED, "job running (type %d)", type);
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && strstr(desc, "exportbitmap='backup-vda'") && strstr(desc, "mode='pull'"),
          "backup XML:\n%s", desc);
    CHECK(testApiRunCmd(map, &maptext) && testApiRunCmd(mapb, &maptextb), "nbdinfo --map");
    /* dirty since c2: 2M and 40M (a 64k cluster each) on vda, 8M+1M on vdb */
    CHECK(g_str_equal(maptext,
                      "         0     2097152    0  clean\n"
                      "   2097152       65536    1  dirty\n"
                      "   2162688    39780352    0  clean\n"
                      "  41943040       65536    1  dirty\n"
                      "  42008576    25100288    0  clean\n"), "vda map:\n%s", maptext);
    CHECK(g_str_equal(maptextb,
                      "         0     8388608    0  clean\n"
                      "   8388608     1048576    1  dirty\n"
                      "   9437184    24117248    0  clean\n"), "vdb map:\n%s", maptextb);
    CHECK(testApiRunCmd(copy, NULL) && testApiRunCmd(copyb, NULL), "nbdcopy");
    CHECK(sameImage(out, "ref-vda.qcow2") && sameImage(outb, "ref-vdb.qcow2"),
          "pulled images differ from the disks");
    unlink(out);
    unlink(outb);

    /* the disks are the daemon's: the domain cannot start, nor go */
    CHECK(virDomainCreate(dom) < 0 && virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "storage daemon"), "start refused clearly");
    CHECK(virDomainUndefine(dom) < 0 && virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "storage daemon"), "undefine refused clearly");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "second backup refused");
    /* checkpoints go through the daemon meanwhile */
    CHECK((c2 = virDomainCheckpointLookupByName(dom, "c2", 0)), "c2");
    CHECK(virDomainCheckpointDelete(c2, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "delete of a used checkpoint");
    sized = virDomainCheckpointGetXMLDesc(c2, VIR_DOMAIN_CHECKPOINT_XML_SIZE |
                                              VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    virDomainCheckpointFree(c2);
    /* c2 on vda: 2M and 40M clusters */
    CHECK(sized && strstr(sized, "<disk name='vda' checkpoint='bitmap' bitmap='c2' size='131072'/>"),
          "sizes through the daemon:\n%s", sized);
    CHECK((c3 = virDomainCheckpointCreateXML(dom, "<domaincheckpoint><name>c3</name>"
                                                  "</domaincheckpoint>", 0)), "checkpoint c3");
    virDomainCheckpointFree(c3);
    CHECK((c3 = virDomainCheckpointCreateXML(dom, "<domaincheckpoint><name>gone</name>"
                                                  "</domaincheckpoint>", 0)), "checkpoint gone");
    CHECK(virDomainCheckpointDelete(c3, 0) == 0, "a checkpoint deleted through the daemon");
    virDomainCheckpointFree(c3);
    {
        virDomainCheckpointPtr c1 = virDomainCheckpointLookupByName(dom, "c1", 0);
        g_autofree char *c1xml = c1 ? virDomainCheckpointGetXMLDesc(c1, 0) : NULL;
        virDomainCheckpointPtr again = NULL;

        if (c1xml)
            again = virDomainCheckpointCreateXML(dom, c1xml,
                                                 VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                                 VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
        if (c1)
            virDomainCheckpointFree(c1);
        CHECK(again, "c1 redefined and validated against the daemon's bitmaps");
        virDomainCheckpointFree(again);
    }

    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED, &success, NULL) == VIR_DOMAIN_JOB_COMPLETED &&
          success, "pull ended successfully");
    CHECK(eventsAre("success=1 "), "job-completed event");
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS), "socket removed");
    /* c3 was made in the daemon: the clean quit wrote it into the images */
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* Differential since c1, pushed into a raw and a qcow2 target; only vda. */
static int
testDifferential(void)
{
    g_autofree char *diff = path("diff-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file' backupmode='incremental' incremental='c1'>"
        "<target file='%s'/></disk><disk name='vdb' backup='no'/>"
        "</disks></domainbackup>", diff);
    g_autofree char *extents = NULL;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "differential since c1");
    CHECK(waitJobDone() == 0, "done");
    CHECK(eventsAre("success=1 "), "job-completed event");
    extents = allocatedExtents("diff-vda.qcow2");
    CHECK(extents && g_str_equal(extents, "2097152+65536 31457280+131072 41943040+65536 "),
          "extents %s", extents);
    CHECK(rebase("diff-vda.qcow2", "c1-full-vda.qcow2") && sameImage(diff, "ref-vda.qcow2"),
          "full + differential differs");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* A slow push aborted: cancelled, its target removed. */
static int
testPushAbort(void)
{
    g_autofree char *t1 = path("aborted-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
        "<disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks>"
        "<fleece:bandwidth>1048576</fleece:bandwidth></domainbackup>", t1);
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;
    unsigned long long total = 0;
    bool success = true;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0 &&
          type == VIR_DOMAIN_JOB_UNBOUNDED, "running");
    virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL, &total);
    virTypedParamsFree(params, nparams);
    CHECK(total == 64 * 1024 * 1024, "disk total %llu", total);
    CHECK(virDomainAbortJob(dom) == 0, "abort");
    type = jobType(VIR_DOMAIN_JOB_STATS_COMPLETED, &success, NULL);
    CHECK(type == VIR_DOMAIN_JOB_CANCELLED && !success, "cancelled (type %d)", type);
    CHECK(eventsAre("success=0 "), "job-completed event");
    CHECK(!g_file_test(t1, G_FILE_TEST_EXISTS), "cancelled target removed");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* Pull over TCP on a port Fleece chose. */
static int
testPullTCP(void)
{
    g_autofree char *xml = g_strdup(
        "<domainbackup mode='pull'><server name='localhost'/><disks>"
        "<disk name='vda' backup='no'/><disk name='vdb'/></disks></domainbackup>");
    g_autofree char *desc = NULL;
    g_autofree char *url = NULL;
    g_autofree char *info = NULL;
    const char *port;
    const char *nbdinfo[] = { "nbdinfo", "--size", NULL, NULL };

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull over TCP");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && (port = strstr(desc, " port='")), "port reported:\n%s", desc);
    url = g_strdup_printf("nbd://localhost:%d/vdb", atoi(port + 7));
    nbdinfo[2] = url;
    CHECK(testApiRunCmd(nbdinfo, &info) && atoll(info) == 32 * 1024 * 1024, "size: %s", info);
    CHECK(virDomainAbortJob(dom) == 0, "abort ends a pull");
    CHECK(eventsAre("success=1 "), "job-completed event");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* A push nobody looks at finishes in the daemon; starting the domain
 * finalises it first (until then the start is refused). */
static int
testStartAfterBackup(void)
{
    g_autofree char *t1 = path("before-start-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' backup='no'/>"
        "<disk name='vdb' type='file'><target file='%s'/></disk></disks></domainbackup>", t1);
    bool success = false;
    int i, rc = -1;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    for (i = 0; i < 1000 && (rc = virDomainCreate(dom)) < 0; i++) {
        CHECK(virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
              strstr(virGetLastErrorMessage(), "storage daemon"), "refusal");
        g_usleep(10000);
    }
    CHECK(rc == 0, "the domain started once the backup was over");
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED, &success, NULL) == VIR_DOMAIN_JOB_COMPLETED &&
          success, "completed");
    CHECK(eventsAre("success=1 "), "job-completed event");
    CHECK(storageDaemons() == 0, "the storage daemon is gone");
    CHECK(sameImage(t1, "ref-vdb.qcow2"), "backup differs");
    CHECK(virDomainDestroy(dom) == 0, "stop");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* Requests that cannot work change nothing, and leave no daemon. */
static int
testRefusals(void)
{
    g_autofree char *t1 = path("c1-full-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);

    CHECK(virDomainBackupBegin(dom, "<domainbackup/>", NULL,
                               VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID &&
          strstr(virGetLastErrorMessage(), "not running"), "quiesce refused");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_INVALID_ARG, "existing target refused");
    CHECK(virDomainBackupBegin(dom, "<domainbackup><incremental>nope</incremental>"
                                    "</domainbackup>", NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT, "unknown checkpoint");
    CHECK(virDomainBackupBegin(dom, "<domainbackup/>",
                               "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_FAILED, "existing checkpoint refused");
    CHECK(virDomainBackupEnd(dom, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "end without backup");
    CHECK(virDomainAbortJob(dom) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "abort without backup");
    CHECK(jobType(0, NULL, NULL) == VIR_DOMAIN_JOB_NONE, "no job");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* Another program has a disk open: the storage daemon cannot start, the
 * error says why, nothing is left. */
static int
testDiskBusy(void)
{
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *sock = g_build_filename(root, "holder.sock", NULL);
    g_autofree char *t1 = path("busy-vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);
    const char *holder[] = { "qemu-nbd", "-f", "qcow2", "-k", sock, "-t", vdb, NULL };
    g_autoptr(GError) err = NULL;
    GPid pid;
    int i, rc;

    CHECK(g_spawn_async(NULL, (char **) holder, NULL,
                        G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                        G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                        NULL, NULL, &pid, &err), "qemu-nbd: %s", err ? err->message : "");
    for (i = 0; i < 500 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++)
        g_usleep(10000);
    rc = virDomainBackupBegin(dom, xml, NULL, 0);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    g_spawn_close_pid(pid);
    CHECK(rc < 0 && virGetLastErrorCode() == VIR_ERR_OPERATION_FAILED &&
          strstr(virGetLastErrorMessage(), "storage daemon") &&
          strstr(virGetLastErrorMessage(), "lock"), "a disk in use refused clearly");
    CHECK(!g_file_test(t1, G_FILE_TEST_EXISTS), "nothing created");
    CHECK(jobType(0, NULL, NULL) == VIR_DOMAIN_JOB_NONE, "no job");
    CHECK(checkNothingLeft("c1 c2 c3 ") == 0, "leftovers");
    return 0;
}

/* The storage daemon is killed: the backup fails (the next call says so),
 * its files go, the bitmaps it had open are reported inconsistent. */
static int
testDaemonKilled(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd-kill.sock", NULL);
    g_autofree char *scratch = path("scratch-kill-vda.qcow2");
    g_autofree char *scratchb = path("scratch-kill-vdb.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "<disk name='vdb' type='file'><scratch file='%s'/></disk>"
        "</disks></domainbackup>", sock, scratch, scratchb);
    g_autofree char *errmsg = NULL;
    g_autofree char *have = NULL;
    g_autofree char *t1 = path("after-kill-vda.qcow2");
    g_autofree char *full = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", t1);
    virDomainCheckpointPtr *list = NULL;
    bool success = true;
    pid_t pid;
    int i, n;

    CHECK(virDomainBackupBegin(dom, xml, "<domaincheckpoint><name>c4</name></domaincheckpoint>",
                               0) == 0, "begin");
    CHECK(g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch created");
    CHECK((pid = storageDaemonPid()) > 0, "the daemon's pid is recorded");
    CHECK(kill(pid, SIGKILL) == 0, "kill");
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &success, &errmsg) == VIR_DOMAIN_JOB_FAILED && !success, "job failed");
    CHECK(errmsg && strstr(errmsg, "storage daemon"), "errmsg: %s", errmsg);
    CHECK(eventsAre("success=0 "), "job-completed event");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS) && !g_file_test(scratchb, G_FILE_TEST_EXISTS),
          "scratch removed");
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS), "socket removed");
    /* c4 was recorded (the transaction ran) but its bitmap was never
     * written; the others are in use */
    have = imageBitmaps("vda.qcow2");
    CHECK(have && g_str_equal(have, "c1! c2! c3! "), "bitmaps after the kill: %s", have);
    CHECK(virDomainBackupBegin(dom, "<domainbackup><incremental>c3</incremental><disks>"
                                    "<disk name='vda'/><disk name='vdb' backup='no'/>"
                                    "</disks></domainbackup>", NULL, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_CHECKPOINT_INCONSISTENT &&
          strstr(virGetLastErrorMessage(), "'c3'") && strstr(virGetLastErrorMessage(), "'vda'"),
          "incremental since an inconsistent checkpoint refused");
    CHECK(storageDaemons() == 0, "the refused backup left no daemon");
    /* the way out: delete the checkpoints, take a full backup */
    CHECK((n = virDomainListAllCheckpoints(dom, &list, VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)) == 1,
          "one root");
    CHECK(virDomainCheckpointDelete(list[0], VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN) == 0,
          "delete all checkpoints");
    virDomainCheckpointFree(list[0]);
    free(list);
    CHECK(virDomainBackupBegin(dom, full, "<domaincheckpoint><name>c5</name></domaincheckpoint>",
                               0) == 0, "full backup with a new checkpoint");
    CHECK(waitJobDone() == 0, "done");
    CHECK(eventsAre("success=1 "), "job-completed event");
    CHECK(sameImage(t1, "ref-vda.qcow2"), "full backup after the kill differs");
    CHECK(checkNothingLeft("c5 ") == 0, "leftovers");
    return 0;
}

/* A failed case must not leave its backup to the next one. */
static void
endLeftoverBackup(void)
{
    if (dom && jobType(0, NULL, NULL) == VIR_DOMAIN_JOB_UNBOUNDED)
        virDomainAbortJob(dom);
}

int
main(int argc G_GNUC_UNUSED, char **argv G_GNUC_UNUSED)
{
    const char *needed[] = { "qemu-storage-daemon", "qemu-system-x86_64", "qemu-img",
                             "qemu-io", "qemu-nbd", "nbdcopy", "nbdinfo" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    gint64 t0 = g_get_monotonic_time();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    if (virEventRegisterDefaultImpl() < 0)
        return 1;
    g_thread_unref(g_thread_new("loop", eventLoopThread, NULL));
    testApiSetAfterEach(endLeftoverBackup);
    root = g_dir_make_tmp("fleece-offline-XXXXXX", NULL);
    disks = g_build_filename(root, "disks", NULL);
    g_mkdir(disks, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);

    testApiRun("set up a shut-off domain with written data", testSetup);
    if (dom) {
        testApiRun("push full backup with a new checkpoint, domain shut off", testPushFull);
        testApiRun("push incremental after the domain ran: exact extents, full + incremental = disk",
                   testPushIncremental);
        testApiRun("pull incremental: dirty extents over NBD; start, undefine refused; "
                   "checkpoints through the daemon", testPullIncremental);
        testApiRun("differential from an older checkpoint", testDifferential);
        testApiRun("push backup aborted", testPushAbort);
        testApiRun("pull over TCP on a port Fleece chose", testPullTCP);
        testApiRun("start after a backup nobody looked at", testStartAfterBackup);
        testApiRun("requests that cannot work leave nothing", testRefusals);
        testApiRun("a disk another program has open", testDiskBusy);
        testApiRun("storage daemon killed during a backup", testDaemonKilled);
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
    printf("# %.1f s\n", (g_get_monotonic_time() - t0) / 1e6);
    rm[2] = root;
    testApiRunCmd(rm, NULL);
    return testApiFinish();
}

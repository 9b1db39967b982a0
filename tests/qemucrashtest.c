/*
 * qemucrashtest.c: the crash matrix.  Every step of checkpoint create
 * and delete, push and pull backup begin, backup end and abort is
 * interrupted by a real SIGKILL, on real QEMU, and the next process must
 * find everything consistent.
 *
 * Each operation runs in a fleece tool process (the CLI, as a user runs
 * it) with the test-only crashmock.so preloaded: a first run lists the
 * steps the operation takes (QMP and guest-agent commands that change
 * something, file commits and removals, created files, spawned
 * qemu-img); then, for every step N, the operation runs again and stops
 * itself just before step N, and this test kills it with SIGKILL.  A
 * new fleece process then looks at the domain (domjobinfo,
 * checkpoint-list: what a user does next) and ends a backup it finds
 * running; after that:
 *
 *   - the domain runs and the guest is thawed (a fake guest agent sits
 *     on the domain's agent channel and knows);
 *   - every checkpoint of the metadata has its bitmap on every disk and
 *     QEMU has no other bitmap; no journal file is left;
 *   - QEMU has no block job, no export, no node but the disks', no NBD
 *     server, no TLS object; no scratch file, socket or half-written
 *     target is left (a target the backup completed must hold the
 *     disk's data);
 *   - a full push backup with a new checkpoint and an incremental one
 *     after a guest write are byte-correct (qemu-img compare with
 *     reference images kept by replaying every guest write with
 *     qemu-io).
 *
 * The offline scenarios do the same to a shut-off domain, whose backups
 * run in qemu-storage-daemon (its writes are made with qemu-io on the
 * images): afterwards the domain is still shut off, no storage daemon
 * runs and none of its sockets is left, every checkpoint has its bitmap
 * in every image (qemu-img info) and the images have no other bitmap,
 * none in use, and the same files and backups are checked.
 *
 * Output is TAP, one case per step; the last line says how many steps
 * passed.  Usage: qemucrashtest FLEECE CRASHMOCK.so [EVERY [GROUP]]: with
 * EVERY, only every EVERY-th step is interrupted (the sanitizer build,
 * where the whole matrix takes too long; the normal build runs every
 * step); with GROUP, only the scenarios of that group: the first of
 * "offline", "push", "pull", "checkpoint" their name contains, "other"
 * for none (the suite runs the groups as programs of their own, side by
 * side, each with its own domains; every scenario runs in one group).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "testutils.h"
#include "qemuagenttestutils.h"
#include "libvirt/libvirt.h"
#include "libvirt/libvirt-qemu.h"
#include "viralloc.h"
#include "virjson.h"
#include "virstring.h"
#include "virxml.h"

#define DISK_SIZE "8M"

static const char *fleeceBin;
static unsigned int stepEvery = 1;
static const char *scenarioGroup;

/* The groups the suite runs separately, in the order a scenario's name
 * is matched against them ("push backup begin with a checkpoint" is a
 * push, "offline pull backup end" is offline); "other" takes the rest. */
static const char *const scenarioGroups[] = { "offline", "push", "pull", "checkpoint",
                                              "snapshot", "commit", NULL };

static bool
testScenarioWanted(const char *name)
{
    size_t i;

    if (!scenarioGroup)
        return true;
    for (i = 0; scenarioGroups[i]; i++) {
        if (strstr(name, scenarioGroups[i]))
            return g_str_equal(scenarioGroup, scenarioGroups[i]);
    }
    return g_str_equal(scenarioGroup, "other");
}
static const char *mockLib;
static char *root;
static char *uri;
static char *diskdir;
static virConnectPtr conn;
static virDomainPtr dom;          /* running: testvm */
static virDomainPtr offdom;       /* shut off: offvm */
static bool offline;              /* the scenario's domain is offvm */
static qemuAgentTest *agent;
static unsigned int writeCounter;

/* ---- helpers ------------------------------------------------------------ */

#define FAIL(...) \
    do { \
        virTestDiag(__VA_ARGS__); \
        return -1; \
    } while (0)

static char *
testPath(const char *name)
{
    return g_build_filename(diskdir, name, NULL);
}

/* The domain of the running scenario. */
static virDomainPtr
testDom(void)
{
    return offline ? offdom : dom;
}

static const char *
testDomName(void)
{
    return offline ? "offvm" : "testvm";
}

/* The number of disks of the scenario's domain: offvm has one (every kind
 * of step of its backups, without the repetition a second disk brings). */
static unsigned int
testDiskCount(void)
{
    return offline ? 1 : 2;
}

/* The XML file @name of the scenario's domain (offvm's start "off-"). */
static const char *
testXML(const char *name)
{
    static char buf[64];

    if (!offline)
        return name;
    g_snprintf(buf, sizeof(buf), "off-%s", name);
    return buf;
}

/* The reference image of disk @idx of the scenario's domain. */
static char *
testRefPath(unsigned int idx)
{
    return g_strdup_printf("%s/ref-%svd%c.qcow2", diskdir, offline ? "off-" : "",
                           'a' + idx);
}

/* Run argv (searched in PATH); 0 on success, else -1 (with a diagnostic
 * unless @quiet). */
static int
testRunFull(const char *const *argv, char **out, bool quiet)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *o = NULL;
    g_autofree char *e = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &o, &e, &status, &err))
        FAIL("cannot run %s: %s", argv[0], err->message);
    if (!g_spawn_check_exit_status(status, NULL)) {
        if (quiet)
            return -1;
        FAIL("%s %s failed: %s%s", argv[0], argv[1] ? argv[1] : "", o, e);
    }
    if (out)
        *out = g_steal_pointer(&o);
    return 0;
}

static int
testRun(const char *const *argv, char **out)
{
    return testRunFull(argv, out, false);
}

/* The fleece tool on the test root, without the mock; a failure is
 * only reported when not @quiet. */
static int
testFleeceFull(const char *const *args, char **out, bool quiet)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    size_t i;

    g_ptr_array_add(argv, (char *) fleeceBin);
    g_ptr_array_add(argv, (char *) "-q");
    g_ptr_array_add(argv, (char *) "-c");
    g_ptr_array_add(argv, uri);
    for (i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *) args[i]);
    g_ptr_array_add(argv, NULL);
    return testRunFull((const char *const *) argv->pdata, out, quiet);
}

static int
testFleece(const char *const *args, char **out)
{
    return testFleeceFull(args, out, false);
}

/* A QMP command through Fleece; the reply's "return" member. */
static virJSONValue *
testQMP(const char *cmd)
{
    g_autofree char *reply = NULL;
    g_autoptr(virJSONValue) parsed = NULL;
    virJSONValue *ret;

    if (virDomainQemuMonitorCommand(dom, cmd, &reply, 0) < 0) {
        virTestDiag("%s: %s", cmd, virGetLastErrorMessage());
        return NULL;
    }
    if (!(parsed = virJSONValueFromString(reply)) ||
        !(ret = virJSONValueObjectGet(parsed, "return"))) {
        virTestDiag("%s: %s", cmd, reply);
        return NULL;
    }
    return json_object_get(ret);
}

/* The guest writes @len bytes of a fresh pattern at @off of disk @idx
 * (offline: qemu-io writes into the image, its bitmaps record it); the
 * reference image gets the same write. */
static int
testGuestWrite(unsigned int idx, const char *off, const char *len)
{
    g_autofree char *hmp = NULL;
    g_autofree char *reply = NULL;
    g_autofree char *ref = testRefPath(idx);
    g_autofree char *io = NULL;
    unsigned int pattern = 0x10 + (writeCounter++ % 0xe0);
    const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", NULL, NULL, NULL };

    io = g_strdup_printf("write -P 0x%02x %s %s", pattern, off, len);
    argv[4] = io;
    if (offline) {
        g_autofree char *disk = g_strdup_printf("%s/off-vd%c.qcow2", diskdir, 'a' + idx);

        argv[5] = disk;
        if (testRun(argv, NULL) < 0)
            return -1;
    } else {
        hmp = g_strdup_printf("qemu-io -d virtio-disk%u/virtio-backend \"write -P 0x%02x %s %s\"",
                              idx, pattern, off, len);
        if (virDomainQemuMonitorCommand(dom, hmp, &reply,
                                        VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
            FAIL("guest write: %s", virGetLastErrorMessage());
    }
    argv[5] = ref;
    return testRun(argv, NULL);
}

/* @image holds the bytes of the reference of disk @idx. */
static int
testCompare(const char *image, unsigned int idx)
{
    g_autofree char *ref = testRefPath(idx);
    const char *argv[] = { "qemu-img", "compare", "-q", image, ref, NULL };

    if (testRun(argv, NULL) < 0)
        FAIL("'%s' differs from the reference of disk %u", image, idx);
    return 0;
}

static void
testRemove(const char *name)
{
    g_autofree char *path = testPath(name);

    unlink(path);
}

/* ---- the state QEMU and the files must be in -------------------------- */

static int
testStrPtrCompare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *) a, *(char *const *) b);
}

/* Names of the checkpoints in the metadata, sorted, comma separated. */
static char *
testCheckpointNames(void)
{
    virDomainCheckpointPtr *list = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    int n, i;

    if ((n = virDomainListAllCheckpoints(testDom(), &list, 0)) < 0) {
        virTestDiag("list checkpoints: %s", virGetLastErrorMessage());
        return NULL;
    }
    for (i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virDomainCheckpointGetName(list[i])));
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    g_ptr_array_sort(names, testStrPtrCompare);
    g_ptr_array_add(names, NULL);
    return g_strjoinv(",", (char **) names->pdata);
}

/* The disks' images as the live definition has them: per disk, the
 * node indexes from the top down. */
typedef struct {
    GPtrArray *chains;      /* GArray of unsigned int, one per disk, vda first */
} testLayout;

static void
testLayoutClear(testLayout *l)
{
    g_clear_pointer(&l->chains, g_ptr_array_unref);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(testLayout, testLayoutClear);

static int
testGetLayout(testLayout *l)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    xmlXPathObjectPtr disks = NULL;
    int i;

    l->chains = g_ptr_array_new_with_free_func((GDestroyNotify) g_array_unref);
    if (!xml)
        FAIL("domain XML: %s", virGetLastErrorMessage());
    if (!(doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL, XML_PARSE_NONET)) ||
        !(ctxt = xmlXPathNewContext(doc)))
        FAIL("cannot parse the domain XML");
    disks = xmlXPathEval(BAD_CAST "/domain/devices/disk", ctxt);
    for (i = 0; disks && disks->nodesetval && i < disks->nodesetval->nodeNr; i++) {
        GArray *chain = g_array_new(FALSE, FALSE, sizeof(unsigned int));
        xmlXPathObjectPtr idx;
        int j;

        ctxt->node = disks->nodesetval->nodeTab[i];
        idx = xmlXPathEval(BAD_CAST "./source/@index | .//backingStore/@index", ctxt);
        for (j = 0; idx && idx->nodesetval && j < idx->nodesetval->nodeNr; j++) {
            g_autofree char *v = (char *) xmlNodeGetContent(idx->nodesetval->nodeTab[j]);
            unsigned int n = strtoul(v, NULL, 10);

            g_array_append_val(chain, n);
        }
        xmlXPathFreeObject(idx);
        g_ptr_array_add(l->chains, chain);
    }
    xmlXPathFreeObject(disks);
    if (l->chains->len != 2)
        FAIL("%u disks in the domain XML", l->chains->len);
    for (i = 0; i < 2; i++) {
        if (((GArray *) g_ptr_array_index(l->chains, i))->len == 0)
            FAIL("disk %d has no node index: %s", i, xml);
    }
    return 0;
}

static unsigned int
testLayoutNode(const testLayout *l, unsigned int disk, unsigned int depth)
{
    GArray *chain = g_ptr_array_index(l->chains, disk);

    return depth < chain->len ? g_array_index(chain, unsigned int, depth) : 0;
}

static unsigned int
testLayoutDepth(const testLayout *l, unsigned int disk)
{
    return ((GArray *) g_ptr_array_index(l->chains, disk))->len;
}

/* Where node @name sits: disk and depth, or false for none of them. */
static bool
testLayoutFind(const testLayout *l, const char *name, unsigned int *disk,
               unsigned int *depth)
{
    unsigned int d, k;

    for (d = 0; d < l->chains->len; d++) {
        for (k = 0; k < testLayoutDepth(l, d); k++) {
            g_autofree char *f = g_strdup_printf("libvirt-%u-format", testLayoutNode(l, d, k));
            g_autofree char *s = g_strdup_printf("libvirt-%u-storage", testLayoutNode(l, d, k));

            if (g_str_equal(name, f) || g_str_equal(name, s)) {
                *disk = d;
                *depth = k;
                return true;
            }
        }
    }
    return false;
}

/* Whether @path is an image of the disks' chains. */
static bool
testLayoutHasFile(const char *path)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autofree char *quoted = g_strdup_printf("'%s'", path);

    return xml && strstr(xml, quoted);
}

/* QEMU's nodes: only those of the disks' chains (as the definition has
 * them), each device on the top one; bitmaps: on a top image exactly
 * @checkpoints, below it some of them; persistent, none inconsistent. */
static int
testCheckNodes(const char *checkpoints)
{
    g_autoptr(virJSONValue) nodes = testQMP("{\"execute\":\"query-named-block-nodes\","
                                            "\"arguments\":{\"flat\":true}}");
    g_autoptr(virJSONValue) block = testQMP("{\"execute\":\"query-block\"}");
    g_auto(GStrv) allowed = g_strsplit(checkpoints, ",", -1);
    g_auto(testLayout) layout = { 0 };
    size_t i, n;

    if (!nodes || !block || testGetLayout(&layout) < 0)
        return -1;
    n = json_object_array_length(block);
    for (i = 0; i < n; i++) {
        virJSONValue *dev = json_object_array_get_idx(block, i);
        const char *qdev = virJSONValueObjectGetString(dev, "qdev");
        virJSONValue *inserted = virJSONValueObjectGet(dev, "inserted");
        const char *node = inserted ? virJSONValueObjectGetString(inserted, "node-name") : NULL;
        unsigned int d;
        g_autofree char *want = NULL;

        if (!qdev || !strstr(qdev, "virtio-disk"))
            continue;
        d = strstr(qdev, "virtio-disk1") ? 1 : 0;
        want = g_strdup_printf("libvirt-%u-format", testLayoutNode(&layout, d, 0));
        if (!node || !g_str_equal(node, want))
            FAIL("device '%s' runs on node '%s', the definition names '%s'",
                 qdev, NULLSTR(node), want);
    }
    n = json_object_array_length(nodes);
    for (i = 0; i < n; i++) {
        virJSONValue *node = json_object_array_get_idx(nodes, i);
        const char *name = virJSONValueObjectGetString(node, "node-name");
        virJSONValue *bitmaps = virJSONValueObjectGet(node, "dirty-bitmaps");
        g_autoptr(GPtrArray) have = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *joined = NULL;
        unsigned int disk = 0, depth = 0;
        size_t j, nb;

        if (!name || !testLayoutFind(&layout, name, &disk, &depth))
            FAIL("leftover block node '%s'", NULLSTR(name));
        if (!g_str_has_suffix(name, "-format"))
            continue;
        nb = bitmaps ? json_object_array_length(bitmaps) : 0;
        for (j = 0; j < nb; j++) {
            virJSONValue *b = json_object_array_get_idx(bitmaps, j);
            const char *bname = virJSONValueObjectGetString(b, "name");
            virJSONValue *v;

            if (!bname)
                continue;
            if (!json_object_object_get_ex(b, "persistent", &v) || !json_object_get_boolean(v))
                FAIL("node '%s' has the non-persistent bitmap '%s'", name, bname);
            if (json_object_object_get_ex(b, "inconsistent", &v) && json_object_get_boolean(v))
                FAIL("bitmap '%s' of node '%s' is inconsistent", bname, name);
            if (!*checkpoints || !g_strv_contains((const char *const *) allowed, bname))
                FAIL("node '%s' has the bitmap '%s' of no checkpoint ('%s')",
                     name, bname, checkpoints);
            g_ptr_array_add(have, g_strdup(bname));
        }
        g_ptr_array_sort(have, testStrPtrCompare);
        g_ptr_array_add(have, NULL);
        joined = g_strjoinv(",", (char **) have->pdata);
        if (depth == 0 && !g_str_equal(joined, checkpoints))
            FAIL("node '%s' has bitmaps '%s', the metadata checkpoints '%s'",
                 name, joined, checkpoints);
    }
    return 0;
}

/* The shut-off domain's images: their bitmaps are exactly @checkpoints,
 * none in use (left open by a storage daemon that was not shut down). */
static int
testCheckImages(const char *checkpoints)
{
    size_t i, j;

    for (i = 0; i < testDiskCount(); i++) {
        g_autofree char *img = g_strdup_printf("%s/off-vd%c.qcow2", diskdir, (char) ('a' + i));
        const char *argv[] = { "qemu-img", "info", "--output=json", img, NULL };
        g_autofree char *out = NULL;
        g_autofree char *joined = NULL;
        g_autoptr(virJSONValue) info = NULL;
        g_autoptr(GPtrArray) have = g_ptr_array_new_with_free_func(g_free);
        virJSONValue *fs, *data, *bitmaps = NULL;

        /* without -U: also proves that nothing holds the image open */
        if (testRun(argv, &out) < 0 || !(info = virJSONValueFromString(out)))
            return -1;
        if (json_object_object_get_ex(info, "format-specific", &fs) &&
            json_object_object_get_ex(fs, "data", &data))
            json_object_object_get_ex(data, "bitmaps", &bitmaps);
        for (j = 0; bitmaps && j < json_object_array_length(bitmaps); j++) {
            virJSONValue *b = json_object_array_get_idx(bitmaps, j);
            virJSONValue *flags;

            if (json_object_object_get_ex(b, "flags", &flags) &&
                strstr(json_object_to_json_string(flags), "in-use"))
                FAIL("bitmap '%s' of '%s' is in use", virJSONValueObjectGetString(b, "name"),
                     img);
            g_ptr_array_add(have, g_strdup(virJSONValueObjectGetString(b, "name")));
        }
        g_ptr_array_sort(have, testStrPtrCompare);
        g_ptr_array_add(have, NULL);
        joined = g_strjoinv(",", (char **) have->pdata);
        if (!g_str_equal(joined, checkpoints))
            FAIL("'%s' has bitmaps '%s', the metadata checkpoints '%s'",
                 img, joined, checkpoints);
    }
    return 0;
}

/* No storage daemon runs on the test's root, and none of its sockets is
 * left. */
static int
testCheckNoStorageDaemon(void)
{
    g_autofree char *sockdir = g_build_filename(root, "run", "storage", NULL);
    g_autoptr(GDir) sd = g_dir_open(sockdir, 0, NULL);
    g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
    const char *ent;

    if (sd && (ent = g_dir_read_name(sd)))
        FAIL("leftover '%s' of a storage daemon", ent);
    while (proc && (ent = g_dir_read_name(proc))) {
        g_autofree char *file = g_strdup_printf("/proc/%s/cmdline", ent);
        g_autofree char *cmdline = NULL;
        gsize len = 0, off;

        if (!g_ascii_isdigit(ent[0]) || !g_file_get_contents(file, &cmdline, &len, NULL) ||
            !g_str_has_suffix(cmdline, "qemu-storage-daemon"))
            continue;
        for (off = 0; off < len; off += strlen(cmdline + off) + 1) {
            if (strstr(cmdline + off, root))
                FAIL("storage daemon %s left running", ent);
        }
    }
    return 0;
}

static int
testCheckEmptyArray(const char *cmd, const char *what)
{
    g_autoptr(virJSONValue) arr = testQMP(cmd);

    if (!arr)
        return -1;
    if (json_object_array_length(arr) != 0)
        FAIL("leftover %s: %s", what, json_object_to_json_string(arr));
    return 0;
}

/* No NBD server runs: stopping one must fail. */
static int
testCheckNoServer(void)
{
    g_autofree char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"nbd-server-stop\"}", &reply, 0) == 0 &&
        !strstr(reply, "\"error\""))
        FAIL("an NBD server was still running");
    if (!reply && !strstr(virGetLastErrorMessage(), "not running"))
        FAIL("nbd-server-stop: %s", virGetLastErrorMessage());
    virResetLastError();
    return 0;
}

static int
testCheckNoTLS(void)
{
    g_autoptr(virJSONValue) objs = testQMP("{\"execute\":\"qom-list\","
                                           "\"arguments\":{\"path\":\"/objects\"}}");

    if (!objs)
        return -1;
    if (strstr(json_object_to_json_string(objs), "backup_tls"))
        FAIL("leftover TLS object: %s", json_object_to_json_string(objs));
    return 0;
}

/* Files the backups of the matrix may leave behind. */
static const char *const testScratch[] = {
    "scratch-vda.qcow2", "scratch-vdb.qcow2", "nbd.sock", ".nbd.sock.fleece", NULL,
};
static const char *const testTargets[] = { "push-vda.qcow2", "push-vdb.qcow2", NULL };
/* Snapshots the matrix makes (overlays DISK.NAME beside the disks). */
static const char *const testSnapshots[] = { "s1", "s2", NULL };
/* The image a commit of the current case takes out of the chain (the
 * file and the snapshot's metadata stay), under the disks' directory. */
static const char *testCommittedImage;

/* The snapshot whose metadata the current case deletes (its overlays
 * stay in the chains). */
static const char *testDeletedSnapshot;

static bool
testCommitted(const char *path)
{
    g_autofree char *p = testCommittedImage ? testPath(testCommittedImage) : NULL;

    return p && g_str_equal(p, path);
}

static int
testCheckFiles(void)
{
    g_autofree char *cpdir = g_build_filename(root, "checkpoints", testDomName(), NULL);
    g_autoptr(GDir) d = g_dir_open(cpdir, 0, NULL);
    const char *ent;
    size_t i;

    g_autofree char *tmpName = g_strdup_printf(".%s.index.new", testDomName());
    g_autofree char *indexTmp = g_build_filename(root, "checkpoints", tmpName, NULL);

    while (d && (ent = g_dir_read_name(d))) {
        if (ent[0] == '.' && !g_str_equal(ent, ".current"))
            FAIL("leftover checkpoint journal '%s'", ent);
    }
    if (g_file_test(indexTmp, G_FILE_TEST_EXISTS))
        FAIL("leftover '%s'", tmpName);
    if (!offline) {
        g_autofree char *sndir = g_build_filename(root, "snapshots", "testvm", NULL);
        g_autoptr(GDir) sd = g_dir_open(sndir, 0, NULL);

        while (sd && (ent = g_dir_read_name(sd))) {
            if ((ent[0] == '.' && !g_str_equal(ent, ".current")) ||
                g_str_has_suffix(ent, ".new"))
                FAIL("leftover snapshot journal '%s'", ent);
        }
    }
    /* a snapshot either happened (its overlays are the disks' tops and
     * its metadata exists) or left nothing */
    for (i = 0; !offline && testSnapshots[i]; i++) {
        virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom, testSnapshots[i], 0);
        bool meta = snap != NULL;
        size_t k;

        virDomainSnapshotFree(snap);
        virResetLastError();
        for (k = 0; k < 2; k++) {
            g_autofree char *overlay = g_strdup_printf("%s/vd%c.%s", diskdir, (char) ('a' + k),
                                                       testSnapshots[i]);
            bool exists = g_file_test(overlay, G_FILE_TEST_EXISTS);
            bool inChain = testLayoutHasFile(overlay);

            if (exists != inChain && !(exists && testCommitted(overlay)))
                FAIL("overlay '%s' %s, %s the disk's chain", overlay,
                     exists ? "exists" : "is gone", inChain ? "in" : "not in");
            if (meta != inChain && !testCommitted(overlay) &&
                !(testDeletedSnapshot && g_str_equal(testDeletedSnapshot, testSnapshots[i])))
                FAIL("snapshot '%s' has %smetadata, its overlay '%s' is %sin the chain",
                     testSnapshots[i], meta ? "" : "no ", overlay, inChain ? "" : "not ");
        }
    }
    for (i = 0; testScratch[i]; i++) {
        g_autofree char *path = testPath(testScratch[i]);

        if (g_file_test(path, G_FILE_TEST_EXISTS))
            FAIL("leftover '%s'", testScratch[i]);
    }
    /* a push target either holds the whole disk (the backup completed) or
     * is gone */
    for (i = 0; testTargets[i]; i++) {
        g_autofree char *path = testPath(testTargets[i]);

        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            if (testCompare(path, i) < 0)
                return -1;
            unlink(path);
        }
    }
    return 0;
}

/* ---- operations ----------------------------------------------------------- */

static int
testWriteFile(const char *name, const char *content)
{
    g_autofree char *path = testPath(name);

    if (!g_file_set_contents(path, content, -1, NULL))
        FAIL("cannot write '%s'", path);
    return 0;
}

static int
testCheckpoint(const char *name)
{
    g_autofree char *xml = g_strdup_printf("<domaincheckpoint><name>%s</name>"
                                           "</domaincheckpoint>", name);
    virDomainCheckpointPtr cp = virDomainCheckpointCreateXML(testDom(), xml, 0);

    if (!cp)
        FAIL("checkpoint '%s': %s", name, virGetLastErrorMessage());
    virDomainCheckpointFree(cp);
    return 0;
}

/* Wait until the domain has no backup any more. */
static int
testWaitBackupGone(void)
{
    int i;

    for (i = 0; i < 3000; i++) {
        virDomainJobInfo info;

        if (virDomainGetJobInfo(testDom(), &info) < 0)
            FAIL("job info: %s", virGetLastErrorMessage());
        if (info.type == VIR_DOMAIN_JOB_NONE)
            return 0;
        g_usleep(10000);
    }
    FAIL("the backup did not end");
}

/* A backup through the API, waited for when @wait. */
static int
testBackup(const char *xmlfile, const char *cpname, bool wait)
{
    g_autofree char *path = testPath(xmlfile);
    g_autofree char *xml = NULL;
    g_autofree char *cpxml = NULL;

    if (!g_file_get_contents(path, &xml, NULL, NULL))
        FAIL("cannot read '%s'", path);
    if (cpname)
        cpxml = g_strdup_printf("<domaincheckpoint><name>%s</name></domaincheckpoint>",
                                cpname);
    if (virDomainBackupBegin(testDom(), xml, cpxml, 0) < 0)
        FAIL("backup begin: %s", virGetLastErrorMessage());
    return wait ? testWaitBackupGone() : 0;
}

/* Delete every checkpoint (bitmaps included). */
static int
testDeleteCheckpoints(void)
{
    virDomainCheckpointPtr *list = NULL;
    int n, i, rc = 0;

    if ((n = virDomainListAllCheckpoints(testDom(), &list,
                                         VIR_DOMAIN_CHECKPOINT_LIST_ROOTS)) < 0)
        FAIL("list checkpoints: %s", virGetLastErrorMessage());
    for (i = 0; i < n; i++) {
        if (virDomainCheckpointDelete(list[i], VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN) < 0) {
            virTestDiag("delete checkpoint: %s", virGetLastErrorMessage());
            rc = -1;
        }
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    return rc;
}

/* Wait until disk @disk has no block job, or (@ready) until its active
 * commit is synchronised; 1 when it is, 0 when the job is gone. */
static int
testWaitBlockJob(const char *disk, bool ready)
{
    int i;

    for (i = 0; i < 3000; i++) {
        virDomainBlockJobInfo info;
        int rc = virDomainGetBlockJobInfo(dom, disk, &info, 0);

        if (rc < 0)
            FAIL("block job info of '%s': %s", disk, virGetLastErrorMessage());
        if (rc == 0)
            return 0;
        if (ready && info.type == VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT &&
            info.end && info.cur == info.end)
            return 1;
        g_usleep(10000);
    }
    FAIL("the block job of '%s' did not %s", disk, ready ? "synchronise" : "end");
}

/* A commit the crash interrupted: the user looks at it, then pivots an
 * active commit (what was asked for) or waits for the other to end. */
static int
testRecoverBlockJobs(void)
{
    const char *disks[] = { "vda", "vdb" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(disks); i++) {
        const char *info[] = { "blockjob", "testvm", disks[i], "--info", NULL };
        const char *pivot[] = { "blockjob", "testvm", disks[i], "--pivot", NULL };
        int rc;

        if (testFleece(info, NULL) < 0 || (rc = testWaitBlockJob(disks[i], true)) < 0)
            return -1;
        if (rc > 0 && testFleece(pivot, NULL) < 0)
            return -1;
    }
    return 0;
}

/* After the crash: what a user does next, with a fresh fleece process,
 * then ends a backup found running. */
static int
testRecover(void)
{
    const char *jobinfo[] = { "domjobinfo", testDomName(), NULL };
    const char *cplist[] = { "checkpoint-list", testDomName(), "--name", NULL };
    const char *dumpxml[] = { "backup-dumpxml", testDomName(), NULL };
    const char *abort[] = { "domjobabort", testDomName(), NULL };

    if (testFleece(jobinfo, NULL) < 0 || testFleece(cplist, NULL) < 0)
        return -1;
    if (testFleeceFull(dumpxml, NULL, true) == 0) {
        /* rolled forward: a backup runs; the user ends it (a push may
         * finish between the two commands: "no job is active" then, and
         * the wait below still requires the backup gone) */
        ignore_value(testFleeceFull(abort, NULL, true));
    }
    if (testWaitBackupGone() < 0)
        return -1;
    return testRecoverBlockJobs();
}

/* QEMU runs the guest: nothing Fleece stopped is left stopped. */
static int
testCheckRunning(void)
{
    g_autoptr(virJSONValue) st = testQMP("{\"execute\":\"query-status\"}");
    virJSONValue *v;

    if (!st)
        return -1;
    if (!json_object_object_get_ex(st, "running", &v) || !json_object_get_boolean(v))
        FAIL("QEMU does not run the guest: %s", json_object_to_json_string(st));
    return 0;
}

/* When the case began with checkpoint c1 and a full backup of it: an
 * incremental backup since c1, over that full backup, holds the disks'
 * bytes. */
static int
testCheckSinceC1(void)
{
    g_autofree char *full0 = testPath("full-c1-vda.qcow2");
    size_t i;

    if (!g_file_test(full0, G_FILE_TEST_EXISTS))
        return 0;
    if (testBackup("inc-c1.xml", NULL, true) < 0)
        return -1;
    for (i = 0; i < 2; i++) {
        g_autofree char *f = g_strdup_printf("%s/full-c1-vd%c.qcow2", diskdir, (char) ('a' + i));
        g_autofree char *n = g_strdup_printf("%s/inc-c1-vd%c.qcow2", diskdir, (char) ('a' + i));
        const char *rebase[] = { "qemu-img", "rebase", "-u", "-F", "qcow2", "-b", f, n, NULL };

        if (testRun(rebase, NULL) < 0 || testCompare(n, i) < 0)
            return -1;
        unlink(n);
    }
    return 0;
}

/* Everything the matrix checks after a crash and its recovery. */
static int
testVerify(void)
{
    g_autofree char *names = NULL;
    g_autofree char *names2 = NULL;
    g_autofree char *full = testPath("verify-full.qcow2");
    g_autofree char *inc = testPath("verify-inc.qcow2");
    int state = -1, reason = -1;
    size_t i;

    if (offline) {
        if (virDomainGetState(offdom, &state, &reason, 0) < 0 || state != VIR_DOMAIN_SHUTOFF)
            FAIL("domain state %d (%s)", state, virGetLastErrorMessage());
        if (testCheckNoStorageDaemon() < 0 ||
            !(names = testCheckpointNames()) || testCheckImages(names) < 0 ||
            testCheckFiles() < 0)
            return -1;
    } else {
        if (virDomainGetState(dom, &state, &reason, 0) < 0 || state != VIR_DOMAIN_RUNNING)
            FAIL("domain state %d (%s)", state, virGetLastErrorMessage());
        if (qemuAgentTestFrozen(agent))
            FAIL("the guest is still frozen");
        if (testCheckRunning() < 0)
            return -1;
        if (!(names = testCheckpointNames()) || testCheckNodes(names) < 0)
            return -1;
        if (testCheckEmptyArray("{\"execute\":\"query-jobs\"}", "block job") < 0 ||
            testCheckEmptyArray("{\"execute\":\"query-block-exports\"}", "export") < 0 ||
            testCheckNoServer() < 0 || testCheckNoTLS() < 0 || testCheckFiles() < 0)
            return -1;
        for (i = 0; i < 2; i++) {
            virDomainBlockJobInfo info;
            g_autofree char *disk = g_strdup_printf("vd%c", (char) ('a' + i));

            if (virDomainGetBlockJobInfo(dom, disk, &info, 0) != 0)
                FAIL("disk '%s' still has a block job: %s", disk, virGetLastErrorMessage());
        }
        /* a checkpoint made before the operation still covers every write
         * since, wherever its bitmap is now */
        if (testCheckSinceC1() < 0)
            return -1;
    }

    /* a full backup with a new checkpoint, a guest write, an incremental
     * one: both byte-correct */
    if (testBackup(testXML("verify-full.xml"), "verify", true) < 0)
        return -1;

    for (i = 0; i < testDiskCount(); i++) {
        g_autofree char *f = g_strdup_printf("%s/verify-full-vd%c.qcow2", diskdir, (char) ('a' + i));

        if (testCompare(f, i) < 0)
            return -1;
    }
    if (testGuestWrite(0, "1M", "64k") < 0 ||
        (testDiskCount() > 1 && testGuestWrite(1, "3M", "128k") < 0) ||
        testBackup(testXML("verify-inc.xml"), NULL, true) < 0)
        return -1;

    for (i = 0; i < testDiskCount(); i++) {
        g_autofree char *f = g_strdup_printf("%s/verify-full-vd%c.qcow2", diskdir, (char) ('a' + i));
        g_autofree char *n = g_strdup_printf("%s/verify-inc-vd%c.qcow2", diskdir, (char) ('a' + i));
        const char *rebase[] = { "qemu-img", "rebase", "-u", "-F", "qcow2", "-b", f, n, NULL };

        if (testRun(rebase, NULL) < 0 || testCompare(n, i) < 0)
            return -1;
        unlink(f);
        unlink(n);
    }
    if (!(names2 = testCheckpointNames()) ||
        (offline ? testCheckNoStorageDaemon() < 0 || testCheckImages(names2) < 0
                 : testCheckNodes(names2) < 0))
        return -1;
    (void) full;
    (void) inc;
    return 0;
}

/* Every disk back on its own image (an active commit into it, pivoted),
 * no snapshot metadata, no overlay file. */
static int
testUnsnapshot(void)
{
    virDomainSnapshotPtr *snaps = NULL;
    g_auto(testLayout) layout = { 0 };
    int n, i;
    size_t k;

    if (testGetLayout(&layout) < 0)
        return -1;
    for (k = 0; k < 2; k++) {
        g_autofree char *disk = g_strdup_printf("vd%c", (char) ('a' + k));

        if (testLayoutDepth(&layout, k) < 2)
            continue;
        if (virDomainBlockCommit(dom, disk, NULL, NULL, 0,
                                 VIR_DOMAIN_BLOCK_COMMIT_ACTIVE) < 0)
            FAIL("commit of '%s': %s", disk, virGetLastErrorMessage());
        if (testWaitBlockJob(disk, true) != 1)
            FAIL("the commit of '%s' did not synchronise", disk);
        if (virDomainBlockJobAbort(dom, disk, VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) < 0)
            FAIL("pivot of '%s': %s", disk, virGetLastErrorMessage());
    }
    if ((n = virDomainListAllSnapshots(dom, &snaps, VIR_DOMAIN_SNAPSHOT_LIST_ROOTS)) < 0)
        FAIL("list snapshots: %s", virGetLastErrorMessage());
    for (i = 0; i < n; i++) {
        if (virDomainSnapshotDelete(snaps[i], VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN |
                                    VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY) < 0)
            virTestDiag("delete snapshot: %s", virGetLastErrorMessage());
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    for (i = 0; testSnapshots[i]; i++) {
        for (k = 0; k < 2; k++) {
            g_autofree char *overlay = g_strdup_printf("vd%c.%s", (char) ('a' + k),
                                                       testSnapshots[i]);

            testRemove(overlay);
        }
    }
    return 0;
}

/* Back to the state every case starts from: no checkpoint, no backup,
 * no snapshot, no file. */
static int
testReset(void)
{
    size_t i;

    if (testUnsnapshot() < 0 || testDeleteCheckpoints() < 0)
        return -1;
    for (i = 0; testTargets[i]; i++)
        testRemove(testTargets[i]);
    testRemove("full-c1-vda.qcow2");
    testRemove("full-c1-vdb.qcow2");
    return 0;
}

/* ---- the matrix ---------------------------------------------------------- */

typedef struct {
    const char *name;
    int (*setup)(void);          /* the state the operation starts from */
    const char *const args[8];   /* the fleece command */
    const char *settings;        /* and ROOT/etc/fleece.conf for it, if any */
    bool offline;                /* on the shut-off domain offvm */
    const char *committed;       /* the image a commit takes out of the chain */
    const char *deleted;         /* the snapshot whose metadata goes */
    int (*check)(void);          /* what else must hold afterwards */
} testScenario;

static int
testSetupNone(void)
{
    return 0;
}

static int
testSetupChain(void)
{
    return testCheckpoint("c1") < 0 || testGuestWrite(0, "0", "64k") < 0 ||
           testCheckpoint("c2") < 0 || testGuestWrite(1, "2M", "64k") < 0 ? -1 : 0;
}

static int
testSetupC1(void)
{
    return testCheckpoint("c1") < 0 || testGuestWrite(0, "512k", "128k") < 0 ? -1 : 0;
}

static int
testSetupPull(void)
{
    return testSetupC1() < 0 || testBackup(testXML("pull-inc.xml"), "c2", false) < 0 ? -1 : 0;
}

static int
testSetupPushThrottled(void)
{
    g_autofree char *etc = g_build_filename(root, "etc", NULL);
    g_autofree char *conf = g_build_filename(etc, "fleece.conf", NULL);
    g_autofree char *path = testPath("push.xml");
    g_autofree char *xml = NULL;
    virConnectPtr slow;
    virDomainPtr slowdom = NULL;
    int rc = -1;

    /* the copy speed is a setting of the root, read when a connection
     * opens: a connection opened with it begins the backup */
    if (g_mkdir_with_parents(etc, 0700) < 0 ||
        !g_file_set_contents(conf, "backup_bandwidth = 65536\n", -1, NULL) ||
        !g_file_get_contents(path, &xml, NULL, NULL))
        FAIL("cannot write '%s' or read '%s'", conf, path);
    slow = virConnectOpen(uri);
    unlink(conf);
    if (!slow || !(slowdom = virDomainLookupByName(slow, "testvm")))
        virTestDiag("slow connection: %s", virGetLastErrorMessage());
    else if (virDomainBackupBegin(slowdom, xml, NULL, 0) < 0)
        virTestDiag("backup begin: %s", virGetLastErrorMessage());
    else
        rc = 0;
    if (slowdom)
        virDomainFree(slowdom);
    if (slow)
        virConnectClose(slow);
    return rc;
}

/* Checkpoint c1 with a full backup of both disks, then guest writes. */
static int
testSetupC1Full(void)
{
    return testBackup("c1-full.xml", "c1", true) < 0 ||
           testGuestWrite(0, "2M", "64k") < 0 || testGuestWrite(1, "5M", "64k") < 0 ? -1 : 0;
}

static int
testSnapshot(const char *name)
{
    g_autofree char *xml = g_strdup_printf("<domainsnapshot><name>%s</name></domainsnapshot>",
                                           name);
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom, xml,
                                                           VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);

    if (!snap)
        FAIL("snapshot '%s': %s", name, virGetLastErrorMessage());
    virDomainSnapshotFree(snap);
    return 0;
}

/* c1, snapshot s1, writes into the overlays. */
static int
testSetupS1(void)
{
    return testSetupC1Full() < 0 || testSnapshot("s1") < 0 ||
           testGuestWrite(0, "0", "64k") < 0 || testGuestWrite(1, "4M", "64k") < 0 ? -1 : 0;
}

/* ... then snapshot s2 over s1, more writes. */
static int
testSetupS2(void)
{
    return testSetupS1() < 0 || testSnapshot("s2") < 0 ||
           testGuestWrite(0, "3M", "64k") < 0 ? -1 : 0;
}

/* Snapshots s1 and s2 (s2 current), no checkpoint. */
static int
testSetupTwoSnapshots(void)
{
    return testSnapshot("s1") < 0 || testSnapshot("s2") < 0 ? -1 : 0;
}

/* The metadata delete of s1 happened entirely (s2 a root) or not at
 * all (s2 a child of s1); s2 stays current. */
static int
testCheckDeleteS1(void)
{
    virDomainSnapshotPtr s1 = virDomainSnapshotLookupByName(dom, "s1", 0);
    virDomainSnapshotPtr s2 = virDomainSnapshotLookupByName(dom, "s2", 0);
    virDomainSnapshotPtr parent = s2 ? virDomainSnapshotGetParent(s2, 0) : NULL;
    int current = s2 ? virDomainSnapshotIsCurrent(s2, 0) : -1;
    int rc = 0;

    if (!s2 || current != 1) {
        virTestDiag("snapshot s2 %s", s2 ? "is no longer current" : "is gone");
        rc = -1;
    } else if (s1 ? !parent || !g_str_equal(virDomainSnapshotGetName(parent), "s1")
                  : parent != NULL) {
        virTestDiag("s1 %s, s2's parent is '%s'", s1 ? "exists" : "is gone",
                    parent ? virDomainSnapshotGetName(parent) : "(none)");
        rc = -1;
    }
    virResetLastError();
    virDomainSnapshotFree(parent);
    virDomainSnapshotFree(s1);
    virDomainSnapshotFree(s2);
    return rc;
}

static const testScenario scenarios[] = {
    { "checkpoint create --quiesce", testSetupNone,
      { "checkpoint-create-as", "testvm", "c1", "--quiesce" } },
    { "checkpoint delete", testSetupChain,
      { "checkpoint-delete", "testvm", "c1" } },
    { "checkpoint delete --children", testSetupChain,
      { "checkpoint-delete", "testvm", "c1", "--children" } },
    { "push backup begin --quiesce", testSetupNone,
      { "backup-begin", "testvm", "@push.xml", "--quiesce" } },
    { "push backup begin with a checkpoint", testSetupC1,
      { "backup-begin", "testvm", "@push.xml", "--checkpointxml", "@c2.xml" } },
    { "pull backup begin", testSetupNone,
      { "backup-begin", "testvm", "@pull.xml" } },
    { "pull backup begin with a checkpoint --quiesce", testSetupC1,
      { "backup-begin", "testvm", "@pull-inc.xml", "--checkpointxml", "@c2.xml",
        "--quiesce" } },
    { "pull backup begin with a copy-before-write bound", testSetupNone,
      { "backup-begin", "testvm", "@pull.xml" }, "backup_cbw_timeout = 5\n" },
    { "pull backup end", testSetupPull,
      { "backup-end", "testvm" } },
    { "push backup abort", testSetupPushThrottled,
      { "domjobabort", "testvm" } },
    { "disk-only snapshot", testSetupC1Full,
      { "snapshot-create-as", "testvm", "s1", "--disk-only" } },
    { "active commit with pivot", testSetupS1,
      { "blockcommit", "testvm", "vda", "--active", "--pivot", "--wait" },
      .committed = "vda.s1" },
    { "commit below the active image", testSetupS2,
      { "blockcommit", "testvm", "vda", "--top", "@vda.s1", "--wait" },
      .committed = "vda.s1" },
    { "snapshot delete --metadata", testSetupTwoSnapshots,
      { "snapshot-delete", "testvm", "s1", "--metadata" },
      .deleted = "s1", .check = testCheckDeleteS1 },
    { "offline pull backup begin with a checkpoint", testSetupC1,
      { "backup-begin", "offvm", "@off-pull-inc.xml", "--checkpointxml", "@c2.xml" },
      .offline = true },
    { "offline pull backup end", testSetupPull,
      { "backup-end", "offvm" }, .offline = true },
};

typedef struct {
    const testScenario *sc;
    int stopAt;                  /* 0: the counting run */
    GPtrArray *steps;            /* labels of the counting run */
} testStepCase;

/* Run the scenario's command under the mock; stop at @stopAt and kill. */
static int
testRunUnderMock(const testScenario *sc, int stopAt, const char *log, bool *killed)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) env = g_get_environ();
    g_autofree char *conf = g_build_filename(root, "etc", "fleece.conf", NULL);
    g_autofree char *asan = NULL;
    const char *asanOld = g_getenv("ASAN_OPTIONS");
    GPid pid;
    int status = 0;
    int rc;
    size_t i;
    g_autoptr(GError) err = NULL;

    *killed = false;
    g_ptr_array_add(argv, g_strdup(fleeceBin));
    g_ptr_array_add(argv, g_strdup("-c"));
    g_ptr_array_add(argv, g_strdup(uri));
    for (i = 0; sc->args[i]; i++) {
        if (sc->args[i][0] == '@')
            g_ptr_array_add(argv, testPath(sc->args[i] + 1));
        else
            g_ptr_array_add(argv, g_strdup(sc->args[i]));
    }
    g_ptr_array_add(argv, NULL);
    env = g_environ_setenv(env, "LD_PRELOAD", mockLib, TRUE);
    if (sc->settings) {
        g_autofree char *etc = g_path_get_dirname(conf);

        if (g_mkdir_with_parents(etc, 0700) < 0 ||
            !g_file_set_contents(conf, sc->settings, -1, NULL))
            FAIL("cannot write '%s'", conf);
    }
    env = g_environ_setenv(env, "FLEECE_CRASHMOCK_LOG", log, TRUE);
    if (stopAt > 0) {
        g_autofree char *n = g_strdup_printf("%d", stopAt);

        env = g_environ_setenv(env, "FLEECE_CRASHMOCK_STOP", n, TRUE);
    }
    /* an ASan build must accept the mock before its runtime */
    asan = g_strdup_printf("%s%sverify_asan_link_order=0", asanOld ? asanOld : "",
                           asanOld ? ":" : "");
    env = g_environ_setenv(env, "ASAN_OPTIONS", asan, TRUE);

    if (!g_spawn_async(NULL, (char **) argv->pdata, env,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                       G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &err)) {
        unlink(conf);
        FAIL("cannot run fleece: %s", err->message);
    }
    /* the process has read its settings once it stops or ends; the
     * processes that recover after it do without */
    rc = waitpid(pid, &status, WUNTRACED);
    unlink(conf);
    if (rc < 0)
        FAIL("waitpid: %s", g_strerror(errno));
    if (WIFSTOPPED(status)) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        *killed = true;
        return 0;
    }
    if (stopAt == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        FAIL("the operation failed without a crash (status 0x%x)", status);
    return 0;
}

/* The labels the mock logged, in order. */
static GPtrArray *
testReadSteps(const char *log)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *steps = g_ptr_array_new_with_free_func(g_free);
    size_t i;

    if (!g_file_get_contents(log, &text, NULL, NULL))
        return steps;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *sp = strchr(lines[i], ' ');

        if (sp)
            g_ptr_array_add(steps, g_strdup(sp + 1));
    }
    return steps;
}

static int
testStep(const void *opaque)
{
    const testStepCase *tc = opaque;
    g_autofree char *log = g_build_filename(root, "crashmock.log", NULL);
    bool killed = false;

    unlink(log);
    offline = tc->sc->offline;
    testCommittedImage = tc->sc->committed;
    testDeletedSnapshot = tc->sc->deleted;
    if (tc->sc->setup() < 0 ||
        testRunUnderMock(tc->sc, tc->stopAt, log, &killed) < 0)
        goto fail;
    if (tc->stopAt > 0 && !killed)
        virTestDiag("the operation ended before step %d", tc->stopAt);
    if (testRecover() < 0 || testVerify() < 0 ||
        (tc->sc->check && tc->sc->check() < 0))
        goto fail;
    return testReset();

 fail:
    ignore_value(testRecover());
    ignore_value(testReset());
    return -1;
}

/* ---- set-up ---------------------------------------------------------------- */

static int
testWriteXMLs(void)
{
    g_autofree char *push = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%1$s/push-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%1$s/push-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *pull = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%1$s/nbd.sock'/>"
        "<disks>"
        "<disk name='vda' type='file'><scratch file='%1$s/scratch-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><scratch file='%1$s/scratch-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *pullInc = g_strdup_printf(
        "<domainbackup mode='pull'><incremental>c1</incremental>"
        "<server transport='unix' socket='%1$s/nbd.sock'/><disks>"
        "<disk name='vda' type='file'><scratch file='%1$s/scratch-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><scratch file='%1$s/scratch-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *vfull = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%1$s/verify-full-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%1$s/verify-full-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *vinc = g_strdup_printf(
        "<domainbackup><incremental>verify</incremental><disks>"
        "<disk name='vda' type='file'><target file='%1$s/verify-inc-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%1$s/verify-inc-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    /* offvm has vda only */
    g_autofree char *offPullInc = g_strdup_printf(
        "<domainbackup mode='pull'><incremental>c1</incremental>"
        "<server transport='unix' socket='%1$s/nbd.sock'/><disks>"
        "<disk name='vda' type='file'><scratch file='%1$s/scratch-vda.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *offVfull = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%1$s/verify-full-vda.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *offVinc = g_strdup_printf(
        "<domainbackup><incremental>verify</incremental><disks>"
        "<disk name='vda' type='file'><target file='%1$s/verify-inc-vda.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);

    g_autofree char *c1full = g_strdup_printf(
        "<domainbackup><disks>"
        "<disk name='vda' type='file'><target file='%1$s/full-c1-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%1$s/full-c1-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);
    g_autofree char *c1inc = g_strdup_printf(
        "<domainbackup><incremental>c1</incremental><disks>"
        "<disk name='vda' type='file'><target file='%1$s/inc-c1-vda.qcow2'/></disk>"
        "<disk name='vdb' type='file'><target file='%1$s/inc-c1-vdb.qcow2'/></disk>"
        "</disks></domainbackup>", diskdir);

    return testWriteFile("push.xml", push) < 0 ||
           testWriteFile("c1-full.xml", c1full) < 0 ||
           testWriteFile("inc-c1.xml", c1inc) < 0 ||
           testWriteFile("pull.xml", pull) < 0 ||
           testWriteFile("pull-inc.xml", pullInc) < 0 ||
           testWriteFile("verify-full.xml", vfull) < 0 ||
           testWriteFile("verify-inc.xml", vinc) < 0 ||
           testWriteFile("off-pull-inc.xml", offPullInc) < 0 ||
           testWriteFile("off-verify-full.xml", offVfull) < 0 ||
           testWriteFile("off-verify-inc.xml", offVinc) < 0 ||
           testWriteFile("c2.xml", "<domaincheckpoint><name>c2</name></domaincheckpoint>") < 0
           ? -1 : 0;
}

/* The shut-off domain of the offline scenarios: testvm's definition with
 * its own name, UUID and one disk of its own (written already, like
 * testvm's). */
static int
testDefineOffline(const char *xml)
{
    g_autoptr(GString) s = g_string_new(xml);
    g_autofree char *disk = g_strdup_printf("%s/off-vda.qcow2", diskdir);
    g_autofree char *ref = g_strdup_printf("%s/ref-off-vda.qcow2", diskdir);
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, DISK_SIZE, NULL };
    const char *write1[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x70 0 1M", disk, NULL };
    const char *cp[] = { "cp", disk, ref, NULL };
    const char *vdb = strstr(xml, "/vdb.qcow2");
    const char *from = vdb ? g_strrstr_len(xml, vdb - xml, "<disk ") : NULL;
    const char *to = vdb ? strstr(vdb, "</disk>") : NULL;

    if (testRun(create, NULL) < 0 || testRun(write1, NULL) < 0 || testRun(cp, NULL) < 0)
        return -1;
    if (!from || !to)
        FAIL("no second disk in the domain XML");
    g_string_erase(s, from - xml, to + strlen("</disk>") - from);
    g_string_replace(s, "<name>testvm</name>", "<name>offvm</name>", 1);
    g_string_replace(s, "5f0c2a8e-9d41-4b7a-8c3e-2b6f1d0e7a93",
                     "0ff0c2a8-9d41-4b7a-8c3e-2b6f1d0e7a93", 1);
    g_string_replace(s, "/vda.qcow2", "/off-vda.qcow2", 1);
    if (!(offdom = virDomainDefineXML(conn, s->str)))
        FAIL("define offvm: %s", virGetLastErrorMessage());
    return 0;
}

/* Disks, references, the domain with an agent channel played by the
 * fake agent. */
static int
testStartDomain(void)
{
    g_autofree char *src = g_build_filename(abs_srcdir, "data", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *agentPath = testPath("agent.sock");
    g_autofree char *aside = testPath("agent.sock.qemu");
    g_autoptr(GString) s = NULL;
    const char *names[] = { "vda", "vdb" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *disk = g_strdup_printf("%s/%s.qcow2", diskdir, names[i]);
        g_autofree char *ref = g_strdup_printf("%s/ref-%s.qcow2", diskdir, names[i]);
        const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, DISK_SIZE, NULL };
        const char *cp[] = { "cp", disk, ref, NULL };

        if (testRun(create, NULL) < 0 || testRun(cp, NULL) < 0)
            return -1;
    }
    if (!g_file_get_contents(src, &xml, NULL, NULL))
        FAIL("cannot read '%s'", src);
    s = g_string_new(xml);
    g_string_replace(s, "DISKDIR", diskdir, 0);
    /* O_DIRECT is not for memory file systems */
    g_string_replace(s, "cache='none'", "cache='writeback'", 0);
    if (access("/dev/kvm", R_OK | W_OK) < 0)
        g_string_replace(s, "type='kvm'", "type='qemu'", 1);
    if (testDefineOffline(s->str) < 0)
        return -1;
    {
        g_autofree char *channel = g_strdup_printf(
            "<channel type='unix'><source mode='bind' path='%s'/>"
            "<target type='virtio' name='org.qemu.guest_agent.0'/></channel>\n"
            "    <memballoon", agentPath);

        g_string_replace(s, "<memballoon", channel, 1);
    }
    if (!(dom = virDomainCreateXML(conn, s->str, 0)))
        FAIL("start: %s", virGetLastErrorMessage());
    /* the fake agent answers on the channel QEMU made */
    if (rename(agentPath, aside) < 0)
        FAIL("cannot move the agent socket aside: %s", g_strerror(errno));
    if (!(agent = qemuAgentTestNew(agentPath, QEMU_AGENT_TEST_NORMAL)))
        return -1;
    return testGuestWrite(0, "0", "1M") < 0 || testGuestWrite(1, "4M", "1M") < 0 ? -1 : 0;
}

static void
testTearDown(void)
{
    if (dom) {
        virDomainDestroy(dom);
        virDomainFree(dom);
    }
    if (offdom) {
        virDomainUndefineFlags(offdom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(offdom);
    }
    g_clear_pointer(&agent, qemuAgentTestFree);
    if (conn)
        virConnectClose(conn);
}

static int
mymain(void)
{
    g_autofree char *log = NULL;
    unsigned int total = 0, passed = 0;
    size_t s;
    int ret = 0;

    /* on a memory file system when there is one: the matrix runs hundreds
     * of operations, each syncing its files to disk several times */
    if (g_file_test("/dev/shm", G_FILE_TEST_IS_DIR) && access("/dev/shm", W_OK) == 0) {
        root = g_build_filename("/dev/shm", "fleece-crash-XXXXXX", NULL);
        if (!g_mkdtemp(root))
            g_clear_pointer(&root, g_free);
    }
    if (!root)
        root = g_dir_make_tmp("fleece-crash-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    log = g_build_filename(root, "crashmock.log", NULL);
    if (!(conn = virConnectOpen(uri)) || testWriteXMLs() < 0 || testStartDomain() < 0) {
        virTestDiag("set-up failed: %s", virGetLastErrorMessage());
        testTearDown();
        return -1;
    }

    for (s = 0; s < G_N_ELEMENTS(scenarios); s++) {
        testStepCase count = { &scenarios[s], 0, NULL };
        g_autoptr(GPtrArray) steps = NULL;
        g_autofree char *title = NULL;
        guint n;

        if (!testScenarioWanted(scenarios[s].name))
            continue;
        title = g_strdup_printf("%s: uninterrupted", scenarios[s].name);
        unlink(log);
        total++;
        if (virTestRun(title, testStep, &count) < 0) {
            ret = -1;
            continue;
        }
        passed++;
        steps = testReadSteps(log);
        for (n = 1; n <= steps->len; n++) {
            if ((n - 1) % stepEvery != 0 && n != steps->len)
                continue;
            testStepCase tc = { &scenarios[s], n, steps };
            g_autofree char *t = g_strdup_printf("%s: killed before step %u/%u (%s)",
                                                 scenarios[s].name, n, steps->len,
                                                 (char *) g_ptr_array_index(steps, n - 1));

            total++;
            if (virTestRun(t, testStep, &tc) < 0)
                ret = -1;
            else
                passed++;
        }
    }
    printf("# crash matrix: %u/%u steps passed\n", passed, total);
    if (total == 0) {
        virTestDiag("no scenario in group '%s'", NULLSTR(scenarioGroup));
        ret = -1;
    }
    testTearDown();
    return ret;
}

int
main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s FLEECE CRASHMOCK.so\n", argv[0]);
        return 1;
    }
    fleeceBin = argv[1];
    mockLib = argv[2];
    if (argc > 3 && atoi(argv[3]) > 1)
        stepEvery = atoi(argv[3]);
    if (argc > 4)
        scenarioGroup = argv[4];
    {
        const char *tools[] = { "qemu-system-x86_64", "qemu-storage-daemon", "qemu-img",
                                "qemu-io" };
        size_t i;

        for (i = 0; i < G_N_ELEMENTS(tools); i++) {
            g_autofree char *p = g_find_program_in_path(tools[i]);

            if (!p) {
                printf("1..0 # SKIP %s not found\n", tools[i]);
                return 0;
            }
        }
    }
    return virTestMain(argc, argv, mymain);
}

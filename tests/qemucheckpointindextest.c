/*
 * qemucheckpointindextest.c: the checkpoint index against the metadata
 * files, through the public API on real QEMU
 *
 * The index (ROOT/checkpoints/.DOMAIN.index) lets an operation read one
 * file instead of every checkpoint's.  The metadata files stay the
 * truth: whatever state a process killed between two steps leaves (the
 * files changed, the index not yet: reproduced here by putting back the
 * index from before the change), an index that is missing, garbled, or
 * out of step with files written, added or removed by hand, the answers
 * are those of the files, and the next change writes a good index.
 * Bitmaps follow: a delete removes them in QEMU, also on a disk with a
 * backing chain.
 *
 * Uses only <libvirt/libvirt.h> and libfleece.so.  Output is TAP;
 * skipped when QEMU or qemu-img is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

static char *root;
static char *uri;
static char *diskdir;
static char *cpdir;
static char *indexPath;
static virConnectPtr conn;
static virDomainPtr dom;

static char *
diskPath(const char *name)
{
    return g_build_filename(diskdir, name, NULL);
}

static char *
cpFile(const char *name)
{
    return g_build_filename(cpdir, name, NULL);
}

static int
testSetup(void)
{
    g_autofree char *vda = diskPath("vda.qcow2");
    g_autofree char *base = diskPath("base.qcow2");
    g_autofree char *vdb = diskPath("vdb.qcow2");
    g_autofree char *xml = NULL;
    const char *mka[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "32M", NULL };
    const char *mkbase[] = { "qemu-img", "create", "-q", "-f", "qcow2", base, "32M", NULL };
    const char *mkb[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", base,
                          "-F", "qcow2", vdb, NULL };

    CHECK(testApiRunCmd(mka, NULL) && testApiRunCmd(mkbase, NULL) &&
          testApiRunCmd(mkb, NULL), "images");
    xml = g_strdup_printf(
        "<domain type='%s'><name>idx</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", vda, vdb);
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    {
        g_autofree char *pidfile = g_build_filename(root, "run", "idx.pid", NULL);
        g_autofree char *pid = NULL;

        if (g_file_get_contents(pidfile, &pid, NULL, NULL))
            testApiTrackPid(atoi(pid));
    }
    return 0;
}

static bool
create(const char *name, const char *description)
{
    g_autofree char *xml = g_strdup_printf(
        "<domaincheckpoint><name>%s</name><description>%s</description></domaincheckpoint>",
        name, description);
    virDomainCheckpointPtr c = virDomainCheckpointCreateXML(dom, xml, 0);

    if (!c)
        return false;
    virDomainCheckpointFree(c);
    return true;
}

static int
deleteChk(const char *name)
{
    virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, name, 0);
    int rc = c ? virDomainCheckpointDelete(c, 0) : -1;

    if (c)
        virDomainCheckpointFree(c);
    return rc;
}

/* "name<parent name,..." of every checkpoint, parents first, as @c sees
 * them (a second connection, read-only, gets the same answers). */
static char *
tree(virConnectPtr c)
{
    virDomainPtr d = virDomainLookupByName(c, "idx");
    virDomainCheckpointPtr *list = NULL;
    GString *s = g_string_new(NULL);
    int n, i;

    if (!d || (n = virDomainListAllCheckpoints(d, &list,
                                               VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)) < 0) {
        g_string_append(s, "error");
        n = 0;
    }
    for (i = 0; i < n; i++) {
        virDomainCheckpointPtr p = virDomainCheckpointGetParent(list[i], 0);

        g_string_append_printf(s, "%s<%s ", virDomainCheckpointGetName(list[i]),
                               p ? virDomainCheckpointGetName(p) : "");
        if (p)
            virDomainCheckpointFree(p);
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    if (d)
        virDomainFree(d);
    virResetLastError();
    return g_string_free(s, FALSE);
}

/* Whether both a read-write and a read-only connection see @want. */
static bool
treeIs(const char *want)
{
    virConnectPtr ro = virConnectOpenReadOnly(uri);
    g_autofree char *rw = tree(conn);
    g_autofree char *rd = ro ? tree(ro) : g_strdup("no connection");

    if (ro)
        virConnectClose(ro);
    if (g_str_equal(rw, want) && g_str_equal(rd, want))
        return true;
    printf("# want '%s'\n# read-write '%s'\n# read-only '%s'\n", want, rw, rd);
    return false;
}

static char *
xmlOf(const char *name, unsigned int flags)
{
    virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, name, 0);
    char *xml = c ? virDomainCheckpointGetXMLDesc(c, flags) : NULL;

    if (c)
        virDomainCheckpointFree(c);
    return xml;
}

static int
testCompareNames(const char *const *a, const char *const *b)
{
    return g_strcmp0(*a, *b);
}

/* The bitmap names QEMU has on the top node of disk @n (1-based), sorted. */
static char *
bitmapsInQEMU(int n)
{
    char *out = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    g_autofree char *node = g_strdup_printf("\"node-name\":\"libvirt-%d-format\"", n);
    const char *p, *end;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                    "\"arguments\":{\"flat\":true}}", &out, 0) < 0)
        return g_strdup("error");
    if ((p = strstr(out, node))) {
        /* the node's object ends where the next node starts */
        end = strstr(p + 1, "\"node-name\":");
        for (; (p = strstr(p, "\"name\":\"")) && (!end || p < end); p += 8) {
            const char *q = strchr(p + 8, '"');

            g_string_append_printf(s, "%.*s ", (int) (q - p - 8), p + 8);
        }
    }
    free(out);
    {
        g_auto(GStrv) names = g_strsplit(g_strstrip(s->str), " ", -1);
        g_autofree char *joined = NULL;

        qsort(names, g_strv_length(names), sizeof(char *),
              (int (*)(const void *, const void *)) testCompareNames);
        joined = g_strjoinv(" ", names);
        return *joined ? g_strconcat(joined, " ", NULL) : g_strdup("");
    }
}

static bool
indexValid(void)
{
    g_autofree char *path = g_strdup(indexPath);
    g_autofree char *text = NULL;

    return g_file_get_contents(path, &text, NULL, NULL) &&
           g_str_has_prefix(text, "fleece-checkpoint-index 2\n");
}

static int
testChain(void)
{
    g_autofree char *nodom = NULL;
    g_autofree char *whole = NULL;

    CHECK(create("c1", "first") && create("c2", "second") && create("c3", "third") &&
          create("c4", "fourth") && create("c5", "fifth"), "create");
    CHECK(treeIs("c1< c2<c1 c3<c2 c4<c3 c5<c4 "), "tree");
    CHECK(indexValid(), "index written");
    nodom = xmlOf("c3", VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    CHECK(nodom && strstr(nodom, "<description>third</description>") &&
          strstr(nodom, "<parent>\n    <name>c2</name>") && strstr(nodom, "<creationTime>") &&
          strstr(nodom, "<disk name='vda' checkpoint='bitmap' bitmap='c3'/>") &&
          strstr(nodom, "<disk name='vdb' checkpoint='bitmap' bitmap='c3'/>") &&
          !strstr(nodom, "<domain "), "XML without domain:\n%s", nodom);
    whole = xmlOf("c3", 0);
    CHECK(whole && strstr(whole, "<domain ") && strstr(whole, "<description>third</description>"),
          "whole XML:\n%s", whole);
    return 0;
}

/* Killed after the metadata files of a create, before its index: the
 * index from before the create is put back. */
static int
testStaleAfterCreate(void)
{
    g_autofree char *path = g_strdup(indexPath);
    g_autofree char *before = NULL;
    g_autofree char *bm = NULL;

    CHECK(g_file_get_contents(path, &before, NULL, NULL), "read index");
    CHECK(create("c6", "sixth"), "create c6");
    CHECK(g_file_set_contents(path, before, -1, NULL), "put back the old index");
    CHECK(treeIs("c1< c2<c1 c3<c2 c4<c3 c5<c4 c6<c5 "), "c6 seen");
    /* the current checkpoint is c6: the next one hangs below it */
    CHECK(create("c7", "seventh"), "create c7");
    CHECK(treeIs("c1< c2<c1 c3<c2 c4<c3 c5<c4 c6<c5 c7<c6 "), "c7 below c6");
    bm = bitmapsInQEMU(1);
    CHECK(g_str_equal(bm, "c1 c2 c3 c4 c5 c6 c7 "), "bitmaps on vda: %s", bm);
    return 0;
}

/* Killed after the metadata files of a delete, before its index. */
static int
testStaleAfterDelete(void)
{
    g_autofree char *path = g_strdup(indexPath);
    g_autofree char *before = NULL;
    g_autofree char *bma = NULL;
    g_autofree char *bmb = NULL;
    g_autofree char *nodom = NULL;

    CHECK(g_file_get_contents(path, &before, NULL, NULL), "read index");
    CHECK(deleteChk("c3") == 0, "delete c3");
    CHECK(g_file_set_contents(path, before, -1, NULL), "put back the old index");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 "), "c3 gone, c4 below c2");
    nodom = xmlOf("c4", VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    CHECK(nodom && strstr(nodom, "<name>c2</name>"), "c4's parent in its XML:\n%s", nodom);
    CHECK(xmlOf("c3", 0) == NULL && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT,
          "c3 unknown");
    /* vdb has a backing chain: its bitmaps were found by asking QEMU */
    bma = bitmapsInQEMU(1);
    bmb = bitmapsInQEMU(2);
    CHECK(g_str_equal(bma, "c1 c2 c4 c5 c6 c7 ") && g_str_equal(bmb, bma),
          "bitmaps: vda %s, vdb %s", bma, bmb);
    return 0;
}

/* An index that is missing or garbled is rebuilt; the next change writes
 * a good one. */
static int
testMissingAndGarbled(void)
{
    g_autofree char *path = g_strdup(indexPath);

    CHECK(unlink(path) == 0, "remove index");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 "), "without index");
    CHECK(g_file_set_contents(path, "fleece-checkpoint-index 2\ncheckpoint c1 2\nbogus\n",
                              -1, NULL), "garble index");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 "), "with a garbled index");
    CHECK(g_file_set_contents(path, "", -1, NULL), "empty index");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 "), "with an empty index");
    CHECK(create("c8", "eighth"), "create c8");
    CHECK(indexValid(), "index written again");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 c8<c7 "), "after create");
    return 0;
}

/* Files changed behind Fleece's back: replaced (new content), added (a
 * copy under another name), removed. */
static int
testFilesByHand(void)
{
    g_autofree char *c2 = cpFile("c2.xml");
    g_autofree char *c8 = cpFile("c8.xml");
    g_autofree char *extra = cpFile("extra.xml");
    g_autofree char *c1 = cpFile("c1.xml");
    g_autofree char *text = NULL;
    g_autofree char *nodom = NULL;
    g_autoptr(GString) s = NULL;

    CHECK(g_file_get_contents(c2, &text, NULL, NULL), "read c2.xml");
    s = g_string_new(text);
    CHECK(g_string_replace(s, "<description>second</description>",
                           "<description>edited by hand</description>", 1) == 1, "edit");
    CHECK(g_file_set_contents(c2, s->str, -1, NULL), "replace c2.xml");
    nodom = xmlOf("c2", VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    CHECK(nodom && strstr(nodom, "<description>edited by hand</description>"),
          "replaced file read:\n%s", nodom);

    g_clear_pointer(&text, g_free);
    CHECK(g_file_get_contents(c8, &text, NULL, NULL), "read c8.xml");
    g_string_assign(s, text);
    CHECK(g_string_replace(s, "<name>c8</name>", "<name>extra</name>", 1) == 1, "rename");
    CHECK(g_file_set_contents(extra, s->str, -1, NULL), "add extra.xml");
    CHECK(treeIs("c1< c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 c8<c7 extra<c7 "), "added file seen");

    CHECK(unlink(c1) == 0, "remove c1.xml");
    /* c2 still names its parent, but is a root of what is there */
    CHECK(treeIs("c2<c1 c4<c2 c5<c4 c6<c5 c7<c6 c8<c7 extra<c7 "), "removed file seen");
    {
        virDomainCheckpointPtr *roots = NULL;
        int n = virDomainListAllCheckpoints(dom, &roots, VIR_DOMAIN_CHECKPOINT_LIST_ROOTS);

        CHECK(n == 1 && g_str_equal(virDomainCheckpointGetName(roots[0]), "c2"), "roots: %d", n);
        virDomainCheckpointFree(roots[0]);
        free(roots);
    }
    return 0;
}

static int
testTeardown(void)
{
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) == 0,
          "undefine");
    CHECK(!g_file_test(cpdir, G_FILE_TEST_EXISTS), "metadata directory removed");
    CHECK(!g_file_test(indexPath, G_FILE_TEST_EXISTS), "index removed");
    return 0;
}

int
main(void)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *img = g_find_program_in_path("qemu-img");

    if (!qemu || !img) {
        printf("1..0 # SKIP qemu-system-x86_64 or qemu-img not found\n");
        return 0;
    }
    root = g_dir_make_tmp("fleece-cpindex-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    cpdir = g_build_filename(root, "checkpoints", "idx", NULL);
    indexPath = g_build_filename(root, "checkpoints", ".idx.index", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);

    testApiRun("set up a running domain, one disk with a backing chain", testSetup);
    if (dom) {
        testApiRun("a chain of checkpoints: tree, XML with and without domain", testChain);
        testApiRun("killed before the index of a create", testStaleAfterCreate);
        testApiRun("killed before the index of a delete", testStaleAfterDelete);
        testApiRun("missing, garbled or empty index", testMissingAndGarbled);
        testApiRun("metadata files replaced, added, removed by hand", testFilesByHand);
        testApiRun("destroy and undefine", testTeardown);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
    testApiRun("no QEMU left running", testApiNoLeftovers);
    {
        const char *rm[] = { "rm", "-rf", root, NULL };

        testApiRunCmd(rm, NULL);
    }
    return testApiFinish();
}

/*
 * qemucheckpointtest.c: checkpoints through the public API, on real QEMU
 *
 * Uses only <libvirt/libvirt.h> and libfleece.so (plus json-c to read
 * QEMU's replies).  A domain with two qcow2 disks and one raw disk gets a
 * chain of checkpoints with known guest writes in between; the bitmaps
 * are checked in QEMU (query-named-block-nodes), their sizes through
 * VIR_DOMAIN_CHECKPOINT_XML_SIZE and their dirty extents over NBD after
 * shut-off (qemu-nbd + nbdinfo --map).  Then: listing with every flag
 * combination, delete variants, offline create/delete, undefine and
 * redefine, bitmaps made by qemu-img as libvirt names them, QEMU killed
 * (inconsistent bitmaps), and a Fleece process killed between the
 * transaction and the metadata write.
 *
 * Output is TAP.  Exit 77 when QEMU, qemu-img, qemu-nbd or nbdinfo is
 * missing.
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
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

static char *root;
static char *uri;
static char *diskdir;
static char *selfpath;
static virConnectPtr conn;
static virDomainPtr dom;
static char *savedC1;          /* checkpoint XML kept across undefine */
static char *savedC3;

#define DOMNAME "testvm"
#define KiB 1024ULL

static char *
diskPath(const char *name)
{
    return g_strdup_printf("%s/%s", diskdir, name);
}

static bool
makeDisk(const char *name, const char *fmt)
{
    g_autofree char *path = diskPath(name);
    const char *argv[] = { "qemu-img", "create", "-q", "-f", fmt, path, "64M", NULL };

    return testApiRunCmd(argv, NULL);
}

/* libvirt's domain XML plus a raw third disk. */
static char *
domainXML(void)
{
    g_autofree char *xml = testApiDomainXML(diskdir);
    g_autofree char *raw = NULL;
    g_autoptr(GString) s = NULL;

    if (!xml)
        return NULL;
    s = g_string_new(xml);
    raw = g_strdup_printf("    <disk type='file' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source file='%s/vdc.raw'/>\n"
                          "      <target dev='vdc' bus='virtio'/>\n"
                          "    </disk>\n"
                          "    <controller type='usb'", diskdir);
    g_string_replace(s, "    <controller type='usb'", raw, 1);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static pid_t
domainPid(void)
{
    g_autofree char *path = g_strdup_printf("%s/run/%s.pid", root, DOMNAME);
    g_autofree char *content = NULL;
    pid_t pid;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return -1;
    pid = atoi(content);
    if (pid > 0)
        testApiTrackPid(pid);
    return pid;
}

static bool
startDomain(void)
{
    if (virDomainCreate(dom) < 0)
        return false;
    return domainPid() > 0;
}

/* Guest write through HMP qemu-io on disk number @idx. */
static bool
guestWrite(int idx, const char *what)
{
    g_autofree char *cmd = g_strdup_printf("qemu-io -d virtio-disk%d/virtio-backend \"%s\"",
                                           idx, what);
    char *out = NULL;
    int rc = virDomainQemuMonitorCommand(dom, cmd, &out,
                                         VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);

    free(out);
    return rc == 0;
}

/* A checkpoint XML over vda and vdb, vdc excluded. */
static char *
chkXML(const char *name)
{
    return g_strdup_printf("<domaincheckpoint><name>%s</name><disks>"
                           "<disk name='vda'/><disk name='vdb'/>"
                           "<disk name='vdc' checkpoint='no'/>"
                           "</disks></domaincheckpoint>", name);
}

/* Sort @names (char *) and join them with commas. */
static char *
sortJoin(GPtrArray *names)
{
    g_autoptr(GString) s = g_string_new(NULL);
    size_t i, j;

    for (i = 1; i < names->len; i++) {
        for (j = i; j > 0 && strcmp(names->pdata[j - 1], names->pdata[j]) > 0; j--) {
            gpointer t = names->pdata[j];
            names->pdata[j] = names->pdata[j - 1];
            names->pdata[j - 1] = t;
        }
    }
    for (i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (char *) names->pdata[i]);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

typedef struct {
    bool found;
    bool recording;
    bool persistent;
    bool inconsistent;
    unsigned long long count;
} bitmapInfo;

/* The bitmaps QEMU reports on the format node of image @file (basename),
 * as a sorted, comma separated list; *@info gets the details of @name. */
static char *
queryBitmaps(const char *file, const char *name, bitmapInfo *info)
{
    char *out = NULL;
    json_object *reply = NULL, *ret;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    char *result = NULL;
    size_t i, j;

    if (info)
        memset(info, 0, sizeof(*info));
    if (virDomainQemuMonitorCommand(dom,
            "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}",
            &out, 0) < 0)
        return NULL;
    reply = json_tokener_parse(out);
    free(out);
    if (!reply || !json_object_object_get_ex(reply, "return", &ret))
        goto cleanup;
    for (i = 0; i < json_object_array_length(ret); i++) {
        json_object *node = json_object_array_get_idx(ret, i);
        json_object *f, *drv, *bitmaps;

        if (!json_object_object_get_ex(node, "file", &f) ||
            !json_object_object_get_ex(node, "drv", &drv) ||
            g_str_equal(json_object_get_string(drv), "file") ||
            !g_str_has_suffix(json_object_get_string(f), file))
            continue;
        if (!json_object_object_get_ex(node, "dirty-bitmaps", &bitmaps))
            continue;
        for (j = 0; j < json_object_array_length(bitmaps); j++) {
            json_object *b = json_object_array_get_idx(bitmaps, j);
            json_object *v;
            const char *bname;

            if (!json_object_object_get_ex(b, "name", &v))
                continue;
            bname = json_object_get_string(v);
            g_ptr_array_add(names, (gpointer) bname);
            if (info && name && g_str_equal(bname, name)) {
                info->found = true;
                if (json_object_object_get_ex(b, "recording", &v))
                    info->recording = json_object_get_boolean(v);
                if (json_object_object_get_ex(b, "persistent", &v))
                    info->persistent = json_object_get_boolean(v);
                if (json_object_object_get_ex(b, "inconsistent", &v))
                    info->inconsistent = json_object_get_boolean(v);
                if (json_object_object_get_ex(b, "count", &v))
                    info->count = json_object_get_uint64(v);
            }
        }
    }
    result = sortJoin(names);
 cleanup:
    json_object_put(reply);
    return result;
}

/* Bitmap names in an image as qemu-img info -U lists them, sorted;
 * flags of @name into *@inUse. */
static char *
imageBitmaps(const char *file, const char *name, bool *inUse)
{
    g_autofree char *path = diskPath(file);
    const char *argv[] = { "qemu-img", "info", "-U", "--output=json", path, NULL };
    g_autofree char *out = NULL;
    json_object *info = NULL, *fs, *data, *bitmaps;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) s = g_string_new(NULL);
    size_t i, j;

    if (inUse)
        *inUse = false;
    if (!testApiRunCmd(argv, &out) || !(info = json_tokener_parse(out)))
        return NULL;
    if (json_object_object_get_ex(info, "format-specific", &fs) &&
        json_object_object_get_ex(fs, "data", &data) &&
        json_object_object_get_ex(data, "bitmaps", &bitmaps)) {
        for (i = 0; i < json_object_array_length(bitmaps); i++) {
            json_object *b = json_object_array_get_idx(bitmaps, i);
            json_object *v, *flags;
            const char *bname;

            if (!json_object_object_get_ex(b, "name", &v))
                continue;
            bname = json_object_get_string(v);
            g_ptr_array_add(names, g_strdup(bname));
            if (inUse && name && g_str_equal(bname, name) &&
                json_object_object_get_ex(b, "flags", &flags)) {
                for (j = 0; j < json_object_array_length(flags); j++)
                    if (g_str_equal(json_object_get_string(json_object_array_get_idx(flags, j)),
                                    "in-use"))
                        *inUse = true;
            }
        }
    }
    json_object_put(info);
    return sortJoin(names);
}

/* Names of a checkpoint array, sorted and joined; frees the array. */
static char *
joinNames(virDomainCheckpointPtr *list, int n, bool sorted)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) s = g_string_new(NULL);
    int i, j;

    for (i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virDomainCheckpointGetName(list[i])));
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    if (sorted) {
        for (i = 1; i < (int) names->len; i++) {
            for (j = i; j > 0 && strcmp(names->pdata[j - 1], names->pdata[j]) > 0; j--) {
                gpointer t = names->pdata[j];
                names->pdata[j] = names->pdata[j - 1];
                names->pdata[j - 1] = t;
            }
        }
    }
    for (i = 0; i < (int) names->len; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", (char *) names->pdata[i]);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
listNames(unsigned int flags, bool sorted)
{
    virDomainCheckpointPtr *list = NULL;
    int n = virDomainListAllCheckpoints(dom, &list, flags);
    int count = virDomainListAllCheckpoints(dom, NULL, flags);

    if (n < 0 || count != n) {
        printf("# list flags 0x%x: %d, count %d\n", flags, n, count);
        return NULL;
    }
    return joinNames(list, n, sorted);
}

static char *
childNames(const char *name, unsigned int flags)
{
    virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(dom, name, 0);
    virDomainCheckpointPtr *list = NULL;
    int n;

    if (!chk)
        return NULL;
    n = virDomainCheckpointListAllChildren(chk, &list, flags);
    virDomainCheckpointFree(chk);
    if (n < 0)
        return NULL;
    return joinNames(list, n, true);
}

/* The error of a helper's failed call, kept across the handle frees
 * that follow it (every public call resets the last error). */
static int savedCode;
static char savedMsg[1024];

static void
saveError(void)
{
    savedCode = virGetLastErrorCode();
    g_strlcpy(savedMsg, virGetLastErrorMessage(), sizeof(savedMsg));
}

static char *
parentName(const char *name)
{
    virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(dom, name, 0);
    virDomainCheckpointPtr parent;
    char *ret;

    if (!chk)
        return NULL;
    if (!(parent = virDomainCheckpointGetParent(chk, 0)))
        saveError();
    virDomainCheckpointFree(chk);
    if (!parent)
        return NULL;
    ret = g_strdup(virDomainCheckpointGetName(parent));
    virDomainCheckpointFree(parent);
    return ret;
}

static char *
chkDumpXML(const char *name, unsigned int flags)
{
    virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(dom, name, 0);
    char *xml;

    if (!chk)
        return NULL;
    if (!(xml = virDomainCheckpointGetXMLDesc(chk, flags)))
        saveError();
    virDomainCheckpointFree(chk);
    return xml;
}

/* The size='' of disk @disk in @name's SIZE XML, -1 if absent. */
static long long
chkSize(const char *name, const char *disk)
{
    g_autofree char *xml = chkDumpXML(name, VIR_DOMAIN_CHECKPOINT_XML_SIZE |
                                      VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);
    g_autofree char *pat = g_strdup_printf("<disk name='%s'", disk);
    const char *p, *end, *sz;

    if (!xml || !(p = strstr(xml, pat)) || !(end = strstr(p, "/>")))
        return -2;
    sz = strstr(p, "size='");
    if (!sz || sz > end)
        return -1;
    return atoll(sz + 6);
}

static int
createChk(const char *name, double *ms)
{
    g_autofree char *xml = chkXML(name);
    gint64 t0 = g_get_monotonic_time();
    virDomainCheckpointPtr chk = virDomainCheckpointCreateXML(dom, xml, 0);

    if (ms)
        *ms = (g_get_monotonic_time() - t0) / 1000.0;
    if (!chk)
        return -1;
    virDomainCheckpointFree(chk);
    return 0;
}

static int
deleteChk(const char *name, unsigned int flags)
{
    virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(dom, name, 0);
    int rc;

    if (!chk)
        return -1;
    rc = virDomainCheckpointDelete(chk, flags);
    virDomainCheckpointFree(chk);
    return rc;
}

/* ---- tests ------------------------------------------------------------ */

static int
testSetup(void)
{
    g_autofree char *xml = domainXML();

    conn = virConnectOpen(uri);
    CHECK(conn, "open %s", uri);
    CHECK(xml, "domain XML");
    dom = virDomainDefineXML(conn, xml);
    CHECK(dom, "define");
    CHECK(startDomain(), "start");
    return 0;
}

static int
testBadInput(void)
{
    const struct {
        const char *xml;
        int code;
        const char *fragment;
    } cases[] = {
        /* default selection takes every writable disk, the raw one too */
        { "<domaincheckpoint><name>bad</name></domaincheckpoint>",
          VIR_ERR_CONFIG_UNSUPPORTED, "vdc" },
        { "<domaincheckpoint><name>bad</name><disks><disk name='vdc'/></disks></domaincheckpoint>",
          VIR_ERR_CONFIG_UNSUPPORTED, "vdc" },
        { "<domaincheckpoint><name>bad</name><disks><disk name='vdz'/></disks></domaincheckpoint>",
          VIR_ERR_CONFIG_UNSUPPORTED, "vdz" },
        { "<domaincheckpoint><name>a/b</name></domaincheckpoint>",
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "<domaincheckpoint><name>bad</name><disks><disk name='vda' bitmap='other'/>"
          "<disk name='vdc' checkpoint='no'/></disks></domaincheckpoint>",
          VIR_ERR_CONFIG_UNSUPPORTED, "other" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        virDomainCheckpointPtr chk = virDomainCheckpointCreateXML(dom, cases[i].xml, 0);

        CHECK(!chk, "case %zu accepted", i);
        CHECK(virGetLastErrorCode() == cases[i].code, "case %zu: code %d", i,
              virGetLastErrorCode());
        CHECK(!cases[i].fragment || strstr(virGetLastErrorMessage(), cases[i].fragment),
              "case %zu: message", i);
    }
    /* quiesce needs a guest agent channel */
    {
        g_autofree char *xml = chkXML("q");
        virDomainCheckpointPtr chk = virDomainCheckpointCreateXML(dom, xml,
                                                                  VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE);

        CHECK(!chk && virGetLastErrorCode() == VIR_ERR_ARGUMENT_UNSUPPORTED,
              "quiesce without agent: %d", virGetLastErrorCode());
    }
    CHECK(virDomainListAllCheckpoints(dom, NULL, 0) == 0, "nothing created");
    {
        g_autofree char *names = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(names && g_str_equal(names, ""), "bitmaps left: %s", names);
    }
    return 0;
}

static int
testCreateChain(void)
{
    double ms[3];
    g_autofree char *p2 = NULL;
    g_autofree char *p3 = NULL;

    CHECK(createChk("c1", &ms[0]) == 0, "c1");
    CHECK(guestWrite(0, "write -P 0x11 0 64k") && guestWrite(1, "write -P 0x22 1M 128k"),
          "writes after c1");
    CHECK(createChk("c2", &ms[1]) == 0, "c2");
    CHECK(guestWrite(0, "write -P 0x33 2M 64k"), "write after c2");
    CHECK(createChk("c3", &ms[2]) == 0, "c3");
    CHECK(guestWrite(0, "write -P 0x44 4M 4k"), "write after c3");
    printf("# checkpoint create (2 disks, running): %.1f / %.1f / %.1f ms\n",
           ms[0], ms[1], ms[2]);

    CHECK(createChk("c2", NULL) < 0 && virGetLastErrorCode() == VIR_ERR_OPERATION_FAILED,
          "duplicate name: %d", virGetLastErrorCode());
    p2 = parentName("c2");
    p3 = parentName("c3");
    CHECK(p2 && g_str_equal(p2, "c1") && p3 && g_str_equal(p3, "c2"), "parents");
    CHECK(!parentName("c1") && savedCode == VIR_ERR_NO_DOMAIN_CHECKPOINT &&
          strstr(savedMsg, "c1"), "root has no parent: %d %s", savedCode, savedMsg);
    return 0;
}

static int
testBitmapsInQEMU(void)
{
    const char *disks[] = { "vda.qcow2", "vdb.qcow2" };
    const char *names[] = { "c1", "c2", "c3" };
    g_autofree char *raw = queryBitmaps("vdc.raw", NULL, NULL);
    size_t d, n;

    for (d = 0; d < 2; d++) {
        g_autofree char *all = queryBitmaps(disks[d], NULL, NULL);

        CHECK(all && g_str_equal(all, "c1,c2,c3"), "%s: %s", disks[d], all);
        for (n = 0; n < 3; n++) {
            bitmapInfo info;
            g_autofree char *x = queryBitmaps(disks[d], names[n], &info);

            CHECK(info.found && info.recording && info.persistent && !info.inconsistent,
                  "%s %s", disks[d], names[n]);
        }
    }
    CHECK(raw && g_str_equal(raw, ""), "raw disk bitmaps: %s", raw);
    return 0;
}

static int
testSize(void)
{
    /* 64 KiB granularity: vda got 64k@0 after c1, 64k@2M after c2, 4k@4M
     * after c3 (one granule); vdb got 128k@1M after c1 */
    const struct { const char *chk, *disk; long long want; } cases[] = {
        { "c1", "vda", 192 * KiB }, { "c1", "vdb", 128 * KiB },
        { "c2", "vda", 128 * KiB }, { "c2", "vdb", 0 },
        { "c3", "vda", 64 * KiB },  { "c3", "vdb", 0 },
        { "c1", "vdc", -1 },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        long long got = chkSize(cases[i].chk, cases[i].disk);

        CHECK(got == cases[i].want, "%s %s: size %lld, want %lld", cases[i].chk,
              cases[i].disk, got, cases[i].want);
    }
    /* the temporary bitmap is never left behind */
    {
        g_autofree char *all = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(g_str_equal(all, "c1,c2,c3"), "bitmaps after SIZE: %s", all);
    }
    return 0;
}

static int
testXMLFlags(void)
{
    g_autofree char *full = chkDumpXML("c2", 0);
    g_autofree char *nodom = chkDumpXML("c2", VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);

    CHECK(full && strstr(full, "<domain ") && strstr(full, "<parent>") &&
          strstr(full, "<name>c1</name>"), "full XML\n%s", full);
    CHECK(strstr(full, "<disk name='vda' checkpoint='bitmap' bitmap='c2'/>") &&
          strstr(full, "<disk name='vdc' checkpoint='no'/>"), "disks\n%s", full);
    CHECK(nodom && !strstr(nodom, "<domain "), "no domain\n%s", nodom);
    return 0;
}

static int
testList(void)
{
    /* a metadata-only branch c1 -> c2b beside c1 -> c2 -> c3 */
    const char *branch =
        "<domaincheckpoint><name>c2b</name><parent><name>c1</name></parent>"
        "<creationTime>1700000000</creationTime><disks>"
        "<disk name='vda' checkpoint='bitmap' bitmap='c2b'/></disks></domaincheckpoint>";
    const struct { unsigned int flags; const char *want; } cases[] = {
        { 0, "c1,c2,c2b,c3" },
        { VIR_DOMAIN_CHECKPOINT_LIST_ROOTS, "c1" },
        { VIR_DOMAIN_CHECKPOINT_LIST_LEAVES, "c2b,c3" },
        { VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, "c1,c2" },
        { VIR_DOMAIN_CHECKPOINT_LIST_LEAVES | VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES,
          "c1,c2,c2b,c3" },
        { VIR_DOMAIN_CHECKPOINT_LIST_ROOTS | VIR_DOMAIN_CHECKPOINT_LIST_LEAVES, "" },
        { VIR_DOMAIN_CHECKPOINT_LIST_ROOTS | VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, "c1" },
        { VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, "c1,c2,c2b,c3" },
        { VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL | VIR_DOMAIN_CHECKPOINT_LIST_LEAVES,
          "c2b,c3" },
    };
    const struct { const char *from; unsigned int flags; const char *want; } kids[] = {
        { "c1", 0, "c2,c2b" },
        { "c1", VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS, "c2,c2b,c3" },
        { "c1", VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS | VIR_DOMAIN_CHECKPOINT_LIST_LEAVES,
          "c2b,c3" },
        { "c1", VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, "c2" },
        { "c2", 0, "c3" },
        { "c3", VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS, "" },
    };
    virDomainCheckpointPtr chk;
    size_t i;

    chk = virDomainCheckpointCreateXML(dom, branch, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE);
    CHECK(chk, "redefine branch");
    virDomainCheckpointFree(chk);

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = listNames(cases[i].flags, true);

        CHECK(got && g_str_equal(got, cases[i].want), "flags 0x%x: '%s' want '%s'",
              cases[i].flags, got, cases[i].want);
    }
    for (i = 0; i < G_N_ELEMENTS(kids); i++) {
        g_autofree char *got = childNames(kids[i].from, kids[i].flags);

        CHECK(got && g_str_equal(got, kids[i].want), "children of %s flags 0x%x: '%s'",
              kids[i].from, kids[i].flags, got);
    }
    /* topological order: every parent before its children */
    {
        g_autofree char *topo = listNames(VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL, false);
        const char *c1 = strstr(topo, "c1"), *c2 = strstr(topo, "c2,"),
                   *c2b = strstr(topo, "c2b"), *c3 = strstr(topo, "c3");

        if (!c2)
            c2 = strstr(topo, "c2");
        CHECK(c1 && c2 && c2b && c3 && c1 < c2 && c1 < c2b && c2 < c3, "order %s", topo);
    }
    /* the branch has no bitmaps: validation says so, naming it and the disk */
    chk = virDomainCheckpointCreateXML(dom, branch, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                       VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
    CHECK(!chk && virGetLastErrorCode() == VIR_ERR_CHECKPOINT_INCONSISTENT &&
          strstr(virGetLastErrorMessage(), "c2b") && strstr(virGetLastErrorMessage(), "vda"),
          "validate branch: %d", virGetLastErrorCode());
    /* redefine with a missing parent */
    chk = virDomainCheckpointCreateXML(dom,
            "<domaincheckpoint><name>orphan</name><parent><name>nope</name></parent>"
            "<creationTime>1</creationTime></domaincheckpoint>",
            VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE);
    CHECK(!chk && virGetLastErrorCode() == VIR_ERR_INVALID_ARG, "missing parent: %d",
          virGetLastErrorCode());
    /* deleting a checkpoint without bitmaps works without METADATA_ONLY */
    CHECK(deleteChk("c2b", 0) == 0, "delete c2b");
    {
        g_autofree char *got = listNames(0, true);
        CHECK(g_str_equal(got, "c1,c2,c3"), "after delete: %s", got);
    }
    return 0;
}

static int
testDeleteMiddle(void)
{
    g_autofree char *p3 = NULL;
    g_autofree char *vda = NULL;
    g_autofree char *vdb = NULL;

    CHECK(deleteChk("c2", 0) == 0, "delete c2");
    p3 = parentName("c3");
    CHECK(p3 && g_str_equal(p3, "c1"), "c3 re-parented to %s", p3);
    vda = queryBitmaps("vda.qcow2", NULL, NULL);
    vdb = queryBitmaps("vdb.qcow2", NULL, NULL);
    CHECK(g_str_equal(vda, "c1,c3") && g_str_equal(vdb, "c1,c3"), "bitmaps %s / %s",
          vda, vdb);
    CHECK(chkSize("c1", "vda") == (long long) (192 * KiB), "c1 size kept");
    /* the next checkpoint hangs below the current one, c3 */
    CHECK(createChk("c4", NULL) == 0, "c4");
    {
        g_autofree char *p4 = parentName("c4");
        CHECK(p4 && g_str_equal(p4, "c3"), "c4 parent %s", p4);
    }
    /* children-only of c3 removes c4; metadata-only keeps bitmaps */
    CHECK(deleteChk("c3", VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY) == 0, "children only");
    {
        g_autofree char *got = listNames(0, true);
        g_autofree char *bm = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(g_str_equal(got, "c1,c3") && g_str_equal(bm, "c1,c3"), "%s / %s", got, bm);
    }
    CHECK(createChk("c5", NULL) == 0, "c5");
    CHECK(deleteChk("c5", VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY) == 0, "metadata only");
    {
        g_autofree char *got = listNames(0, true);
        g_autofree char *bm = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(g_str_equal(got, "c1,c3") && g_str_equal(bm, "c1,c3,c5"), "%s / %s", got, bm);
    }
    /* a bitmap of that name already in the image: QEMU refuses, nothing changes */
    CHECK(createChk("c5", NULL) < 0, "create over a leftover bitmap");
    {
        g_autofree char *got = listNames(0, true);
        CHECK(g_str_equal(got, "c1,c3"), "after refused create: %s", got);
    }
    /* remove the leftover the way a user would: redefine, then delete */
    {
        virDomainCheckpointPtr c;
        g_autofree char *x = g_strdup("<domaincheckpoint><name>c5</name><creationTime>5</creationTime>"
                                      "<disks><disk name='vda'/><disk name='vdb'/></disks>"
                                      "</domaincheckpoint>");
        c = virDomainCheckpointCreateXML(dom, x, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE);
        CHECK(c, "redefine c5");
        virDomainCheckpointFree(c);
        CHECK(deleteChk("c5", 0) == 0, "delete c5");
        g_autofree char *bm = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(g_str_equal(bm, "c1,c3"), "bitmaps %s", bm);
    }
    savedC1 = chkDumpXML("c1", VIR_DOMAIN_CHECKPOINT_XML_SECURE);
    savedC3 = chkDumpXML("c3", VIR_DOMAIN_CHECKPOINT_XML_SECURE);
    CHECK(savedC1 && savedC3, "saved XML");
    return 0;
}

/* Child mode: create or delete, to be killed right after QEMU's
 * transaction (see runChild). */
static int
childCrash(const char *mode)
{
    virConnectPtr c = virConnectOpen(uri);
    virDomainPtr d = c ? virDomainLookupByName(c, DOMNAME) : NULL;

    if (!d)
        return 1;
    if (g_str_equal(mode, "--child-create")) {
        g_autofree char *xml = chkXML("crash");

        virDomainCheckpointCreateXML(d, xml, 0);
    } else {
        virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(d, "crash", 0);

        if (chk)
            virDomainCheckpointDelete(chk, 0);
    }
    return 2;   /* not reached when it was killed */
}

/* Run a child with the test-only crash mock (tests/crashmock.c), which
 * stops it at its first step after QEMU's transaction, and kill it there
 * with SIGKILL: 0 if it was killed there. */
static int
runChild(const char *mode)
{
    const char *argv[] = { selfpath, mode, root, NULL };
    const char *mock = g_getenv("FLEECE_TEST_CRASHMOCK");
    g_auto(GStrv) env = g_get_environ();
    g_autoptr(GError) err = NULL;
    GPid pid;
    int status = 0;

    if (!mock) {
        printf("# FLEECE_TEST_CRASHMOCK is not set\n");
        return -1;
    }
    env = g_environ_setenv(env, "LD_PRELOAD", mock, TRUE);
    env = g_environ_setenv(env, "FLEECE_CRASHMOCK_STOP_AFTER", "qmp:transaction", TRUE);
    env = g_environ_setenv(env, "ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=0", TRUE);
    if (!g_spawn_async(NULL, (char **) argv, env, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                       &pid, &err) ||
        waitpid(pid, &status, WUNTRACED) < 0)
        return -1;
    if (!WIFSTOPPED(status))
        return -1;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return 0;
}

static int
testCrashRepair(void)
{
    g_autofree char *journal = g_strdup_printf("%s/checkpoints/%s/.create.xml", root, DOMNAME);
    g_autofree char *djournal = g_strdup_printf("%s/checkpoints/%s/.delete", root, DOMNAME);
    g_autofree char *meta = g_strdup_printf("%s/checkpoints/%s/crash.xml", root, DOMNAME);
    g_autofree char *bm = NULL;
    g_autofree char *got = NULL;
    g_autofree char *parent = NULL;

    CHECK(runChild("--child-create") == 0, "child not killed after the transaction");
    CHECK(g_file_test(journal, G_FILE_TEST_EXISTS) && !g_file_test(meta, G_FILE_TEST_EXISTS),
          "state between transaction and metadata");
    bm = queryBitmaps("vda.qcow2", NULL, NULL);
    CHECK(g_str_equal(bm, "c1,c3,crash"), "bitmaps after crash %s", bm);
    got = listNames(0, true);              /* the next process repairs */
    CHECK(got && g_str_equal(got, "c1,c3,crash"), "after repair: %s", got);
    CHECK(!g_file_test(journal, G_FILE_TEST_EXISTS), "journal left");
    parent = parentName("crash");
    CHECK(parent && g_str_equal(parent, "c3"), "parent %s", parent);

    CHECK(runChild("--child-delete") == 0, "child not killed after the delete transaction");
    CHECK(g_file_test(djournal, G_FILE_TEST_EXISTS) && g_file_test(meta, G_FILE_TEST_EXISTS),
          "state between delete transaction and metadata");
    g_free(got);
    got = listNames(0, true);
    CHECK(got && g_str_equal(got, "c1,c3"), "after delete repair: %s", got);
    g_free(bm);
    bm = queryBitmaps("vda.qcow2", NULL, NULL);
    CHECK(g_str_equal(bm, "c1,c3"), "bitmaps after delete repair %s", bm);
    CHECK(!g_file_test(djournal, G_FILE_TEST_EXISTS), "delete journal left");
    return 0;
}

/* Dirty extents of bitmap @name in image @file over NBD, "off+len,...". */
static char *
nbdDirtyMap(const char *file, const char *name)
{
    g_autofree char *path = diskPath(file);
    g_autofree char *sock = g_strdup_printf("%s/nbd.sock", root);
    g_autofree char *nbduri = g_strdup_printf("nbd+unix:///?socket=%s", sock);
    g_autofree char *ctx = g_strdup_printf("--map=qemu:dirty-bitmap:%s", name);
    const char *nbd[] = { "qemu-nbd", "-r", "-t", "-k", sock, "-f", "qcow2", "-B", name,
                          path, NULL };
    const char *info[] = { "nbdinfo", "--json", ctx, nbduri, NULL };
    g_autofree char *out = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    json_object *map = NULL;
    GPid pid;
    size_t i;
    int tries;

    if (!g_spawn_async(NULL, (char **) nbd, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                       &pid, NULL))
        return NULL;
    for (tries = 0; tries < 200 && !g_file_test(sock, G_FILE_TEST_EXISTS); tries++)
        g_usleep(10000);
    if (testApiRunCmd(info, &out))
        map = json_tokener_parse(out);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    unlink(sock);
    if (!map)
        return NULL;
    for (i = 0; i < json_object_array_length(map); i++) {
        json_object *e = json_object_array_get_idx(map, i);
        json_object *off, *len, *type;

        if (json_object_object_get_ex(e, "offset", &off) &&
            json_object_object_get_ex(e, "length", &len) &&
            json_object_object_get_ex(e, "type", &type) &&
            (json_object_get_int64(type) & 1))
            g_string_append_printf(s, "%s%lld+%lld", s->len ? "," : "",
                                   (long long) json_object_get_int64(off),
                                   (long long) json_object_get_int64(len));
    }
    json_object_put(map);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static int
testOffline(void)
{
    g_autofree char *c1map = NULL;
    g_autofree char *c3map = NULL;
    g_autofree char *vda = NULL;
    g_autofree char *vdb = NULL;
    g_autofree char *vdc = NULL;
    g_autofree char *p3 = NULL;
    g_autofree char *xml = NULL;

    CHECK(virDomainDestroy(dom) == 0, "shut off");
    c1map = nbdDirtyMap("vda.qcow2", "c1");
    c3map = nbdDirtyMap("vda.qcow2", "c3");
    CHECK(c1map && g_str_equal(c1map, "0+65536,2097152+65536,4194304+65536"),
          "c1 extents %s", c1map);
    CHECK(c3map && g_str_equal(c3map, "4194304+65536"), "c3 extents %s", c3map);

    /* everything but SIZE works shut off */
    p3 = parentName("c3");
    xml = chkDumpXML("c3", 0);
    CHECK(p3 && g_str_equal(p3, "c1") && xml, "parent and dumpxml offline");
    CHECK(!chkDumpXML("c3", VIR_DOMAIN_CHECKPOINT_XML_SIZE) &&
          savedCode == VIR_ERR_OPERATION_INVALID, "SIZE offline refused: %d", savedCode);

    /* create and delete offline edit the images */
    CHECK(createChk("off1", NULL) == 0, "offline create");
    vda = imageBitmaps("vda.qcow2", NULL, NULL);
    vdb = imageBitmaps("vdb.qcow2", NULL, NULL);
    CHECK(g_str_equal(vda, "c1,c3,off1") && g_str_equal(vdb, "c1,c3,off1"),
          "offline bitmaps %s / %s", vda, vdb);
    {
        g_autofree char *p = parentName("off1");
        CHECK(p && g_str_equal(p, "c3"), "off1 parent %s", p);
    }
    CHECK(deleteChk("off1", 0) == 0, "offline delete");
    g_free(vda);
    vda = imageBitmaps("vda.qcow2", NULL, NULL);
    CHECK(g_str_equal(vda, "c1,c3"), "after offline delete %s", vda);
    {
        virDomainCheckpointPtr chk;

        chk = virDomainCheckpointCreateXML(dom, savedC1, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                           VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
        CHECK(chk, "offline validate of a good checkpoint");
        virDomainCheckpointFree(chk);
    }
    return 0;
}

static int
testUndefineRedefine(void)
{
    g_autofree char *xml = domainXML();
    virDomainCheckpointPtr chk;
    g_autofree char *got = NULL;

    CHECK(virDomainUndefine(dom) < 0 && virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID,
          "undefine with checkpoints refused");
    CHECK(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) == 0,
          "undefine with metadata");
    virDomainFree(dom);
    dom = virDomainDefineXML(conn, xml);
    CHECK(dom, "define again");
    CHECK(virDomainListAllCheckpoints(dom, NULL, 0) == 0, "no checkpoints after define");

    /* bitmaps that libvirt (here: qemu-img as libvirt names them) made */
    {
        g_autofree char *vda = diskPath("vda.qcow2");
        g_autofree char *vdb = diskPath("vdb.qcow2");
        const char *a1[] = { "qemu-img", "bitmap", "--add", vda, "1525889631", NULL };
        const char *a2[] = { "qemu-img", "bitmap", "--add", vdb, "1525889631", NULL };
        CHECK(testApiRunCmd(a1, NULL) && testApiRunCmd(a2, NULL), "qemu-img bitmap --add");
    }
    CHECK(startDomain(), "start");
    chk = virDomainCheckpointCreateXML(dom, savedC1, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                       VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
    CHECK(chk, "redefine+validate c1");
    virDomainCheckpointFree(chk);
    chk = virDomainCheckpointCreateXML(dom, savedC3, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                       VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
    CHECK(chk, "redefine+validate c3");
    virDomainCheckpointFree(chk);
    {
        /* libvirt's sample checkpoint XML, as a libvirt host would have kept it */
        const char *lv =
            "<domaincheckpoint>\n"
            "  <name>1525889631</name>\n"
            "  <description>Completion of updates after OS install</description>\n"
            "  <creationTime>1525889631</creationTime>\n"
            "  <disks>\n"
            "    <disk name='vda' checkpoint='bitmap' bitmap='1525889631'/>\n"
            "    <disk name='vdb' checkpoint='bitmap' bitmap='1525889631'/>\n"
            "    <disk name='vdc' checkpoint='no'/>\n"
            "  </disks>\n"
            "</domaincheckpoint>\n";
        chk = virDomainCheckpointCreateXML(dom, lv, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                           VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
        CHECK(chk, "libvirt-made checkpoint redefined and validated");
        virDomainCheckpointFree(chk);
        CHECK(guestWrite(1, "write -P 0x55 8M 64k"), "write");
        CHECK(chkSize("1525889631", "vdb") == (long long) (64 * KiB), "size of libvirt's bitmap");
    }
    got = listNames(0, true);
    CHECK(got && g_str_equal(got, "1525889631,c1,c3"), "after redefine: %s", got);
    {
        g_autofree char *p = parentName("c3");
        CHECK(p && g_str_equal(p, "c1"), "c3 parent %s", p);
    }
    return 0;
}

static int
testKilled(void)
{
    pid_t pid = domainPid();
    virDomainCheckpointPtr chk;
    bitmapInfo info;
    int i;

    CHECK(pid > 0, "pid");
    kill(pid, SIGKILL);
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(!testApiProcessAlive(pid), "qemu killed");
    CHECK(startDomain(), "restart");
    {
        g_autofree char *x = queryBitmaps("vda.qcow2", "c1", &info);
        CHECK(info.found && info.inconsistent, "c1 inconsistent in QEMU");
    }
    chk = virDomainCheckpointCreateXML(dom, savedC1, VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                       VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE);
    CHECK(!chk && virGetLastErrorCode() == VIR_ERR_CHECKPOINT_INCONSISTENT,
          "validate after kill: %d", virGetLastErrorCode());
    CHECK(strstr(virGetLastErrorMessage(), "'c1'") && strstr(virGetLastErrorMessage(), "'vda'"),
          "message names checkpoint and disk: %s", virGetLastErrorMessage());
    CHECK(chkSize("c1", "vda") == -1, "no size for an unusable checkpoint");
    /* the whole subtree goes, inconsistent bitmaps included */
    CHECK(deleteChk("c1", VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN) == 0, "delete c1 + children");
    {
        g_autofree char *got = listNames(0, true);
        g_autofree char *bm = queryBitmaps("vda.qcow2", NULL, NULL);
        CHECK(g_str_equal(got, "1525889631") && g_str_equal(bm, "1525889631"),
              "%s / %s", got, bm);
    }
    CHECK(deleteChk("1525889631", 0) == 0, "delete the last one");
    return 0;
}

static int
testTeardown(void)
{
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) == 0,
          "undefine");
    return 0;
}

int
main(int argc, char **argv)
{
    const char *tools[] = { "qemu-system-x86_64", "qemu-img", "qemu-nbd", "nbdinfo" };
    gint64 t0 = g_get_monotonic_time();
    guint i;

    if (argc == 3 && g_str_has_prefix(argv[1], "--child-")) {
        root = argv[2];
        uri = g_strdup_printf("qemu:///embed?root=%s", root);
        return childCrash(argv[1]);
    }
    for (i = 0; i < G_N_ELEMENTS(tools); i++) {
        g_autofree char *p = g_find_program_in_path(tools[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", tools[i]);
            return 0;
        }
    }
    selfpath = g_canonicalize_filename(argv[0], NULL);
    root = g_dir_make_tmp("fleece-chk-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    if (!makeDisk("vda.qcow2", "qcow2") || !makeDisk("vdb.qcow2", "qcow2") ||
        !makeDisk("vdc.raw", "raw"))
        return 1;

    testApiRun("define and start a domain with two qcow2 disks and a raw one", testSetup);
    if (dom) {
        testApiRun("bad input changes nothing", testBadInput);
        testApiRun("chain c1 -> c2 -> c3 with guest writes between", testCreateChain);
        testApiRun("one persistent recording bitmap per qcow2 disk", testBitmapsInQEMU);
        testApiRun("SIZE is the data written since the checkpoint", testSize);
        testApiRun("XML flags", testXMLFlags);
        testApiRun("list and children with every flag combination", testList);
        testApiRun("delete middle, children-only, metadata-only", testDeleteMiddle);
        testApiRun("Fleece killed between transaction and metadata", testCrashRepair);
        testApiRun("shut off: NBD dirty map, offline create and delete", testOffline);
        testApiRun("undefine with metadata, define, redefine and validate", testUndefineRedefine);
        testApiRun("QEMU killed: bitmaps inconsistent", testKilled);
        testApiRun("destroy and undefine", testTeardown);
    }
    if (dom)
        virDomainFree(dom);
    if (conn)
        virConnectClose(conn);

    testApiRun("no QEMU left running", testApiNoLeftovers);
    {
        const char *rm[] = { "rm", "-rf", root, NULL };
        testApiRunCmd(rm, NULL);
    }
    printf("# total %.1f s\n", (g_get_monotonic_time() - t0) / 1e6);
    g_free(savedC1);
    g_free(savedC3);
    return testApiFinish();
}

/*
 * qemuescapetest.c: user values with commas, dashes and protocol prefixes
 * reach QEMU and qemu-img as the values they are, on real QEMU
 *
 * A domain named 'cm,x', whose disk sits in a directory with commas and
 * has a serial with commas, starts, keeps its name and serial in QEMU,
 * and is backed up (full and incremental, with checkpoints named like
 * options), the data verified byte for byte.  Checkpoint names starting
 * with '-' also go through qemu-img while the domain is shut off.  Paths
 * that qemu-img or QEMU would read as options or protocols are refused
 * with a clear error before anything runs.
 *
 * Output is TAP.  Skips when QEMU, qemu-img or qemu-io is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
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

#define DOMNAME "cm,x"
#define SERIAL "SN,1,id=evil"

static char *root;
static char *disks;      /* a directory whose name has commas */
static char *uri;
static virConnectPtr conn;
static virDomainPtr dom;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

static bool
sameImage(const char *a, const char *b)
{
    const char *cmp[] = { "qemu-img", "compare", "-q", a, b, NULL };

    return testApiRunCmd(cmp, NULL);
}

/* The same pattern into the guest's disk and into the reference image. */
static bool
guestWrite(int pattern, const char *off, const char *len)
{
    g_autofree char *hmp = g_strdup_printf(
        "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x%02x %s %s\"",
        pattern, off, len);
    g_autofree char *cmd = g_strdup_printf("write -P 0x%02x %s %s", pattern, off, len);
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
waitJobDone(void)
{
    virDomainJobInfo info = { 0 };
    int i;

    for (i = 0; i < 3000; i++) {
        if (virDomainGetJobInfo(dom, &info) < 0)
            return false;
        if (info.type == VIR_DOMAIN_JOB_NONE)
            return true;
        g_usleep(10000);
    }
    printf("# job still of type %d\n", info.type);
    return false;
}

/* Remember the running QEMU for the leftover check. */
static void
trackPid(void)
{
    g_autofree char *file = g_strdup_printf("%s/run/%s.pid", root, DOMNAME);
    g_autofree char *content = NULL;

    if (g_file_get_contents(file, &content, NULL, NULL) && atoi(content) > 0)
        testApiTrackPid(atoi(content));
}

static char *
domainXML(const char *name, const char *disk, const char *machine)
{
    return g_strdup_printf(
        "<domain type='%s'><name>%s</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='%s'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/>"
        "<serial>" SERIAL "</serial></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", name,
        machine, disk);
}

/* The QMP reply's "return" string value of a key, or NULL. */
static char *
qmpString(const char *cmd, const char *key)
{
    char *reply = NULL;
    g_autofree char *pat = g_strdup_printf("\"%s\":\"", key);
    char *ret = NULL;
    const char *p;

    if (virDomainQemuMonitorCommand(dom, cmd, &reply, 0) < 0)
        return NULL;
    if ((p = strstr(reply, pat))) {
        p += strlen(pat);
        ret = g_strndup(p, strcspn(p, "\""));
    }
    free(reply);
    return ret;
}

static int
testStart(void)
{
    g_autofree char *disk = path("d,1.qcow2");
    g_autofree char *ref = path("ref.qcow2");
    g_autofree char *xml = domainXML(DOMNAME, disk, "q35");
    g_autofree char *name = NULL;
    g_autofree char *serial = NULL;
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "32M", NULL };
    const char *mkref[] = { "qemu-img", "create", "-q", "-f", "qcow2", ref, "32M", NULL };

    CHECK(testApiRunCmd(mk, NULL) && testApiRunCmd(mkref, NULL), "images");
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start a domain named '" DOMNAME "'");
    trackPid();
    CHECK(g_str_equal(virDomainGetName(dom), DOMNAME), "name");
    name = qmpString("{\"execute\":\"query-name\"}", "name");
    CHECK(name && g_str_equal(name, DOMNAME), "QEMU's name is '%s'", name);
    serial = qmpString("{\"execute\":\"qom-get\",\"arguments\":"
                       "{\"path\":\"/machine/peripheral/virtio-disk0\",\"property\":\"serial\"}}",
                       "return");
    CHECK(serial && g_str_equal(serial, SERIAL), "QEMU's serial is '%s'", serial);
    CHECK(guestWrite(0x11, "0", "1M") && guestWrite(0x22, "8M", "64k"), "writes");
    return 0;
}

/* Full then incremental push backups into a directory with commas, with
 * checkpoints whose names look like qemu-img options. */
static int
testBackup(void)
{
    g_autofree char *full = path("full,1.qcow2");
    g_autofree char *inc = path("inc,2.qcow2");
    g_autofree char *ref = path("ref.qcow2");
    g_autofree char *fullxml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
        "</disk></disks></domainbackup>", full);
    g_autofree char *incxml = g_strdup_printf(
        "<domainbackup><incremental>-g</incremental><disks>"
        "<disk name='vda' type='file'><target file='%s'/></disk></disks></domainbackup>",
        inc);
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-b", full, "-F", "qcow2", inc, NULL };

    CHECK(virDomainBackupBegin(dom, fullxml,
                               "<domaincheckpoint><name>-g</name></domaincheckpoint>", 0) == 0,
          "full backup with checkpoint '-g'");
    CHECK(waitJobDone(), "full backup ends");
    CHECK(sameImage(full, ref), "full backup differs from the reference");
    CHECK(guestWrite(0x33, "4M", "64k") && guestWrite(0x44, "0", "4k"), "writes after '-g'");
    CHECK(virDomainBackupBegin(dom, incxml,
                               "<domaincheckpoint><name>--merge</name></domaincheckpoint>",
                               0) == 0, "incremental since '-g' with checkpoint '--merge'");
    CHECK(waitJobDone(), "incremental backup ends");
    CHECK(testApiRunCmd(rebase, NULL), "rebase");
    CHECK(sameImage(inc, ref), "full + incremental differs from the reference");
    return 0;
}

/* With the domain shut off, checkpoints are bitmaps edited by qemu-img:
 * names starting with '-' must not read as its options. */
static int
testOffline(void)
{
    g_autofree char *disk = path("d,1.qcow2");
    g_autofree char *info = NULL;
    const char *imginfo[] = { "qemu-img", "info", "--output=json", disk, NULL };
    virDomainCheckpointPtr cp;

    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK((cp = virDomainCheckpointCreateXML(dom,
               "<domaincheckpoint><name>-o</name></domaincheckpoint>", 0)),
          "offline checkpoint '-o'");
    virDomainCheckpointFree(cp);
    CHECK(testApiRunCmd(imginfo, &info) && strstr(info, "\"name\": \"-o\"") &&
          strstr(info, "\"name\": \"-g\"") && strstr(info, "\"name\": \"--merge\""),
          "bitmaps in the image:\n%s", info);
    g_clear_pointer(&info, g_free);
    CHECK((cp = virDomainCheckpointLookupByName(dom, "-g", 0)), "lookup '-g'");
    CHECK(virDomainCheckpointDelete(cp, 0) == 0, "offline delete of '-g'");
    virDomainCheckpointFree(cp);
    CHECK(testApiRunCmd(imginfo, &info) && !strstr(info, "\"name\": \"-g\"") &&
          strstr(info, "\"name\": \"-o\""), "bitmaps after delete:\n%s", info);
    CHECK(virDomainCreate(dom) == 0, "start again");
    trackPid();
    CHECK(virDomainDestroy(dom) == 0, "destroy again");
    return 0;
}

/* Define/start with a bad definition: a clear error, nothing running. */
static int
expectRefused(const char *xml, bool atStart, const char *fragment)
{
    virDomainPtr d = virDomainDefineXML(conn, xml);

    if (atStart) {
        CHECK(d, "define");
        CHECK(virDomainCreate(d) < 0, "start refused");
    } else {
        CHECK(!d, "define refused");
    }
    CHECK(virGetLastErrorCode() == VIR_ERR_CONFIG_UNSUPPORTED &&
          strstr(virGetLastErrorMessage(), fragment),
          "error code %d, want a message with '%s'", virGetLastErrorCode(), fragment);
    if (d) {
        CHECK(virDomainIsActive(d) == 0, "not running");
        virDomainUndefine(d);
        virDomainFree(d);
    }
    return 0;
}

static int
testBadPaths(void)
{
    g_autofree char *top = path("top.qcow2");
    g_autofree char *rel = domainXML("rel", "rel.qcow2", "q35");
    g_autofree char *opt = domainXML("opt", "-obacking_file=/etc/passwd", "q35");
    g_autofree char *proto = domainXML("proto", "nbd:localhost:10809", "q35");
    g_autofree char *machine = domainXML("machine", top, "q35,accel=tcg,dump-guest-core=on");
    g_autofree char *jsonback = domainXML("jsonback", top, "q35");
    const char *mktop[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-u",
                            "-b", "json:{\"driver\":\"null-co\",\"size\":\"33554432\"}",
                            "-F", "null-co", top, "32M", NULL };

    CHECK(expectRefused(rel, false, "source path 'rel.qcow2' is not absolute") == 0, "relative");
    CHECK(expectRefused(opt, false, "is not absolute") == 0, "option-like");
    CHECK(expectRefused(proto, false, "is not absolute") == 0, "protocol");
    CHECK(expectRefused(machine, false, "machine type") == 0, "machine with options");
    /* a backing file that is a protocol, found in the image at start */
    CHECK(testApiRunCmd(mktop, NULL), "image with a json: backing file");
    CHECK(expectRefused(jsonback, true, "is not a local file") == 0, "json: backing file");
    CHECK(!g_file_test("rel.qcow2", G_FILE_TEST_EXISTS), "nothing created");
    return 0;
}

/* Backup targets must be absolute: the schema says so. */
static int
testBadBackupPaths(void)
{
    const char *bad[] = { "rel.qcow2", "-ofoo", "json:{}" };
    size_t i;

    CHECK(virDomainCreate(dom) == 0, "start");
    trackPid();
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *xml = g_strdup_printf(
            "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
            "</disk></disks></domainbackup>", bad[i]);

        CHECK(virDomainBackupBegin(dom, xml, NULL, 0) < 0 &&
              virGetLastErrorCode() == VIR_ERR_XML_INVALID_SCHEMA,
              "backup target '%s' refused", bad[i]);
        CHECK(!g_file_test(bad[i], G_FILE_TEST_EXISTS), "'%s' created", bad[i]);
    }
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    return 0;
}

int
main(void)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "qemu-io" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    g_autofree char *cwd = g_get_current_dir();
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    root = g_dir_make_tmp("fleece-escape-XXXXXX", NULL);
    disks = g_build_filename(root, "a,b,file=x", NULL);
    g_mkdir(disks, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    /* relative names would land here if anything accepted them */
    if (chdir(root) < 0)
        return 1;

    testApiRun("a domain named '" DOMNAME "' starts", testStart);
    if (dom) {
        testApiRun("backups of '" DOMNAME "' with option-like checkpoint names", testBackup);
        testApiRun("offline checkpoints named like options", testOffline);
        testApiRun("disk paths that read as options or protocols refused", testBadPaths);
        testApiRun("backup paths that read as options or protocols refused",
                   testBadBackupPaths);
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(dom);
    }
    testApiRun("no QEMU left", testApiNoLeftovers);
    if (conn)
        virConnectClose(conn);
    if (chdir(cwd) < 0)
        return 1;
    rm[2] = root;
    testApiRunCmd(rm, NULL);
    return testApiFinish();
}

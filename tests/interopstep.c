/*
 * interopstep.c: one step of the image interoperability test between
 * libvirt's embedded QEMU driver and Fleece (tests/interoptest.sh)
 *
 * The same source builds against libvirt (interopstep-libvirt, only
 * when libvirt-dev is installed; Fleece itself never links libvirt) and
 * against Fleece (interopstep-fleece): the disk images, their bitmaps
 * and the checkpoint XML files a step leaves are what the next step,
 * run by the other one, starts from.
 *
 *   interopstep ROOT DIR STEP [--last]
 *
 * DIR holds the images (vda.qcow2 and the overlays vda.sN), the
 * reference image ref.qcow2 (every guest write replayed with qemu-io),
 * the full backup taken with each checkpoint (full-cN.qcow2) and the
 * checkpoints' XML (cN.xml).  Step 1 starts a domain on vda.qcow2 and
 * makes c1, snapshot s1, c2.  A later step K defines the domain on the
 * top overlay, redefines c1..cK from their XML, starts it, and checks
 * that an incremental backup since every checkpoint, put over that
 * checkpoint's full backup, equals the reference; unless --last, it then
 * makes checkpoint cK+1 and snapshot sK.  Every step ends with the
 * domain stopped (QEMU quits: the bitmaps are in the images) and
 * undefined with its metadata.
 *
 * Output: TAP lines without numbers (the script numbers them).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#ifdef INTEROP_LIBVIRT
# define ENGINE "libvirt"
#else
# define ENGINE "fleece"
#endif

#define DOMNAME "interop"

static const char *dir;
static int step;
static virConnectPtr conn;
static virDomainPtr dom;
static unsigned int writes;
static int failed;

static void
report(bool ok, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
report(bool ok, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    printf("%s - step %d (%s): %s\n", ok ? "ok" : "not ok", step, ENGINE, msg);
    if (!ok) {
        printf("# %s\n", virGetLastErrorMessage());
        failed++;
    }
    fflush(stdout);
}

static void *
eventLoop(void *opaque)
{
    (void) opaque;
    for (;;)
        virEventRunDefaultImpl();
    return NULL;
}

static char *
path(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static bool
run(const char *const *argv)
{
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                      &out, &err, &status, NULL) ||
        !g_spawn_check_exit_status(status, NULL)) {
        printf("# %s failed: %s%s\n", argv[0], out ? out : "", err ? err : "");
        return false;
    }
    return true;
}

/* The guest writes a fresh pattern; the reference gets the same. */
static bool
guestWrite(const char *off, const char *len)
{
    unsigned int p = 0x10 * step + (writes++ % 16);
    g_autofree char *hmp = g_strdup_printf("qemu-io -d virtio-disk0/virtio-backend "
                                           "\"write -P 0x%02x %s %s\"", p, off, len);
    g_autofree char *io = g_strdup_printf("write -P 0x%02x %s %s", p, off, len);
    g_autofree char *ref = path("ref.qcow2");
    const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", io, ref, NULL };
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply,
                                    VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
        return false;
    free(reply);
    return run(argv);
}

static bool
waitNoJob(void)
{
    int i;

    for (i = 0; i < 6000; i++) {
        virDomainJobInfo info;

        if (virDomainGetJobInfo(dom, &info) < 0)
            return false;
        if (info.type == VIR_DOMAIN_JOB_NONE)
            return true;
        g_usleep(10000);
    }
    return false;
}

/* Push backup of vda into @target (since @since, or full), with a new
 * checkpoint @checkpoint when not NULL, waited for. */
static bool
backup(const char *target, const char *since, const char *checkpoint)
{
    g_autofree char *t = path(target);
    g_autofree char *inc = since ? g_strdup_printf("<incremental>%s</incremental>", since)
                                 : g_strdup("");
    g_autofree char *xml = g_strdup_printf("<domainbackup>%s<disks>"
                                           "<disk name='vda' type='file'>"
                                           "<driver type='qcow2'/><target file='%s'/></disk>"
                                           "</disks></domainbackup>", inc, t);
    g_autofree char *cp = checkpoint ?
        g_strdup_printf("<domaincheckpoint><name>%s</name></domaincheckpoint>", checkpoint) :
        NULL;

    unlink(t);
    return virDomainBackupBegin(dom, xml, cp, 0) == 0 && waitNoJob();
}

/* A checkpoint with the full backup that keeps the disk as it was. */
static bool
checkpoint(int n)
{
    g_autofree char *name = g_strdup_printf("c%d", n);
    g_autofree char *full = g_strdup_printf("full-c%d.qcow2", n);

    return backup(full, NULL, name);
}

/* Incremental backup since checkpoint cN over its full backup equals
 * the reference. */
static bool
checkSince(int n)
{
    g_autofree char *name = g_strdup_printf("c%d", n);
    g_autofree char *fullname = g_strdup_printf("full-c%d.qcow2", n);
    g_autofree char *full = path(fullname);
    g_autofree char *inc = path("inc.qcow2");
    g_autofree char *ref = path("ref.qcow2");
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-F", "qcow2", "-b", full, inc, NULL };
    const char *cmp[] = { "qemu-img", "compare", "-q", inc, ref, NULL };
    bool ok = backup("inc.qcow2", name, NULL) && run(rebase) && run(cmp);

    unlink(inc);
    return ok;
}

static bool
snapshot(int n)
{
    g_autofree char *overlay = g_strdup_printf("%s/vda.s%d", dir, n);
    g_autofree char *xml = g_strdup_printf("<domainsnapshot><name>s%d</name><disks>"
                                           "<disk name='vda' snapshot='external'>"
                                           "<source file='%s'/></disk>"
                                           "</disks></domainsnapshot>", n, overlay);
    virDomainSnapshotPtr snap = virDomainSnapshotCreateXML(dom, xml,
                                                           VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY);

    if (!snap)
        return false;
    virDomainSnapshotFree(snap);
    return true;
}

static bool
define(void)
{
    g_autofree char *top = step == 1 ? path("vda.qcow2")
                                     : g_strdup_printf("%s/vda.s%d", dir, step - 1);
    g_autofree char *xml = g_strdup_printf(
        "<domain type='%s'><name>" DOMNAME "</name>"
        "<uuid>0c6f7b52-3f7e-4d8a-9a61-5d2e8c4b9f10</uuid><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<memballoon model='none'/></devices></domain>",
        access("/dev/kvm", R_OK | W_OK) == 0 ? "kvm" : "qemu", top);

    return (dom = virDomainDefineXML(conn, xml)) != NULL;
}

/* The checkpoints the last step left, c1..cN, from their XML. */
static bool
redefine(int n)
{
    int i;

    for (i = 1; i <= n; i++) {
        g_autofree char *file = g_strdup_printf("%s/c%d.xml", dir, i);
        g_autofree char *xml = NULL;
        virDomainCheckpointPtr chk;

        if (!g_file_get_contents(file, &xml, NULL, NULL)) {
            printf("# cannot read '%s'\n", file);
            return false;
        }
        if (!(chk = virDomainCheckpointCreateXML(dom, xml,
                                                 VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE)))
            return false;
        virDomainCheckpointFree(chk);
    }
    return true;
}

/* Every checkpoint's XML for the next step. */
static bool
saveCheckpoints(int n)
{
    int i;

    for (i = 1; i <= n; i++) {
        g_autofree char *name = g_strdup_printf("c%d", i);
        g_autofree char *file = g_strdup_printf("%s/c%d.xml", dir, i);
        virDomainCheckpointPtr chk = virDomainCheckpointLookupByName(dom, name, 0);
        char *xml = chk ? virDomainCheckpointGetXMLDesc(chk, 0) : NULL;
        bool ok = xml && g_file_set_contents(file, xml, -1, NULL);

        free(xml);
        if (chk)
            virDomainCheckpointFree(chk);
        if (!ok)
            return false;
    }
    return true;
}

int
main(int argc, char **argv)
{
    g_autofree char *uri = NULL;
    pthread_t loop;
    bool last;
    int known, made, i;

    if (argc < 4) {
        fprintf(stderr, "usage: %s ROOT DIR STEP [--last]\n", argv[0]);
        return 2;
    }
    dir = argv[2];
    step = atoi(argv[3]);
    last = argc > 4 && g_str_equal(argv[4], "--last");
    /* checkpoints the earlier steps made: c1, c2 by the first, one each after */
    known = step == 1 ? 0 : step;
    made = known;

    if (virEventRegisterDefaultImpl() < 0)
        return 1;
    pthread_create(&loop, NULL, eventLoop, NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", argv[1]);
    conn = virConnectOpen(uri);
    report(conn != NULL, "open %s", uri);
    if (!conn)
        return 1;

    report(define(), "define the domain on %s", step == 1 ? "vda.qcow2" : "the top overlay");
    if (!dom)
        return 1;
    if (known > 0)
        report(redefine(known), "redefine c1..c%d from the last step's XML", known);
    report(virDomainCreate(dom) == 0, "start");
    if (failed)
        goto cleanup;

    /* c1 and c2 come from step 1, each later checkpoint cN from step
     * N - 1; odd steps run libvirt, even ones Fleece */
    for (i = 1; i <= known; i++)
        report(checkSince(i), "incremental backup since c%d (made by %s) byte-correct", i,
               (i <= 2 ? 1 : i - 1) % 2 ? "libvirt" : "fleece");

    if (step == 1) {
        report(guestWrite("0", "1M") && checkpoint(1), "write, checkpoint c1 with a full backup");
        report(guestWrite("512k", "64k") && snapshot(1) && guestWrite("2M", "64k"),
               "disk-only snapshot s1 between writes");
        report(checkpoint(2) && guestWrite("64k", "64k"), "checkpoint c2 on the overlay");
        made = 2;
    } else if (!last) {
        g_autofree char *off = g_strdup_printf("%dM", step + 2);

        report(guestWrite(off, "128k") && checkpoint(step + 1), "checkpoint c%d", step + 1);
        report(guestWrite("1M", "64k") && snapshot(step) && guestWrite("3M", "64k"),
               "disk-only snapshot s%d between writes", step);
        made = step + 1;
    }
    if (!last)
        report(saveCheckpoints(made), "checkpoints' XML saved for the next step");

 cleanup:
    if (virDomainIsActive(dom) == 1)
        report(virDomainDestroy(dom) == 0, "stop");
    report(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA |
                                  VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA) == 0,
           "undefine with its metadata");
    virDomainFree(dom);
    virConnectClose(conn);
    return failed ? 1 : 0;
}

/*
 * backupbench.c: what a backup costs, against references in the same run
 *
 * On a disk of random data (default 2 GiB):
 *   - push full backup (virDomainBackupBegin until the job completed) vs
 *     `qemu-img convert -W -m 16 -t none -T none` of the same image;
 *   - push incremental after 100 MiB of guest writes (checkpoint made with
 *     the full backup), vs the full backup;
 *   - pull full read with `nbdcopy -C 4 --request-size=4194304` vs the
 *     same qemu-img convert;
 *   - the time virDomainBackupBegin takes to return;
 *   - guest 64 KiB write latency (HMP qemu-io round trip) during a push
 *     backup vs idle.
 * Usage: backupbench [SIZE_MIB]   (run as root; uses a temporary root)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>

static char *root;
static virDomainPtr dom;

static double
nowMs(void)
{
    return g_get_monotonic_time() / 1000.0;
}

static int
cmpDouble(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, n, sizeof(double), cmpDouble);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static bool
sh(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static bool
sh(const char *fmt, ...)
{
    g_autofree char *cmd = NULL;
    va_list ap;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fprintf(stderr, "failed: %s\n", cmd);
        return false;
    }
    return true;
}

static int
jobType(unsigned int flags)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;

    if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0)
        return -1;
    virTypedParamsFree(params, nparams);
    return type;
}

static double
waitJob(double t0)
{
    while (jobType(0) != VIR_DOMAIN_JOB_NONE)
        g_usleep(2000);
    if (jobType(VIR_DOMAIN_JOB_STATS_COMPLETED) != VIR_DOMAIN_JOB_COMPLETED) {
        fprintf(stderr, "backup did not complete: %s\n", virGetLastErrorMessage());
        exit(1);
    }
    return nowMs() - t0;
}

static double
guestWrite(int pattern, unsigned long long off)
{
    g_autofree char *cmd = g_strdup_printf(
        "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x%02x %llu 64k\"", pattern, off);
    char *out = NULL;
    double t0 = nowMs();

    if (virDomainQemuMonitorCommand(dom, cmd, &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0) {
        fprintf(stderr, "write failed: %s\n", virGetLastErrorMessage());
        exit(1);
    }
    free(out);
    return nowMs() - t0;
}

int
main(int argc, char **argv)
{
    unsigned long long mib = argc > 1 ? strtoull(argv[1], NULL, 10) : 2048;
    g_autofree char *uri = NULL;
    g_autofree char *disk = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *bxml = NULL;
    g_autofree char *chk = NULL;
    double tconvert, tpush, tbegin, tinc, tpull, tconvert2;
    double idle[32], busy[32];
    int nbusy = 0;
    virConnectPtr conn;
    int i, kvm;

    root = g_dir_make_tmp("fleece-bbench-XXXXXX", NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    disk = g_strdup_printf("%s/disk.qcow2", root);
    kvm = access("/dev/kvm", R_OK | W_OK) == 0;

    printf("preparing a %llu MiB disk of random data...\n", mib);
    if (!sh("head -c %lluM /dev/urandom > %s/rand.raw && "
            "qemu-img convert -q -f raw -O qcow2 %s/rand.raw %s && rm %s/rand.raw",
            mib, root, root, disk, root))
        return 1;

    /* reference: a plain copy of the same image by qemu-img */
    {
        double t0 = nowMs();
        if (!sh("qemu-img convert -W -m 16 -t none -T none -f qcow2 -O qcow2 %s %s/ref.qcow2",
                disk, root))
            return 1;
        tconvert = nowMs() - t0;
        sh("rm -f %s/ref.qcow2", root);
    }

    xml = g_strdup_printf(
        "<domain type='%s'><name>bench</name><memory unit='MiB'>256</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
        kvm ? "kvm" : "qemu", disk);
    if (!(conn = virConnectOpen(uri)) || !(dom = virDomainDefineXML(conn, xml)) ||
        virDomainCreate(dom) < 0) {
        fprintf(stderr, "setup: %s\n", virGetLastErrorMessage());
        return 1;
    }

    for (i = 0; i < 15; i++)
        idle[i] = guestWrite(0x10 + i, (unsigned long long) i * 1048576);

    /* push full, with a checkpoint for the incremental that follows */
    bxml = g_strdup_printf("<domainbackup><disks><disk name='vda' type='file'>"
                           "<target file='%s/full.qcow2'/></disk></disks></domainbackup>", root);
    chk = g_strdup("<domaincheckpoint><name>bench1</name></domaincheckpoint>");
    {
        double t0 = nowMs();

        if (virDomainBackupBegin(dom, bxml, chk, 0) < 0 &&
            virDomainBackupBegin(dom, bxml, NULL, 0) < 0) {
            fprintf(stderr, "begin: %s\n", virGetLastErrorMessage());
            return 1;
        }
        tbegin = nowMs() - t0;
        /* guest writes while the copy runs */
        while (nbusy < 15 && jobType(0) != VIR_DOMAIN_JOB_NONE)
            { busy[nbusy] = guestWrite(0x40 + nbusy, 512ULL * 1048576 + nbusy * 1048576ULL); nbusy++; }
        tpush = waitJob(t0);
    }

    /* 100 MiB of guest writes, then an incremental push */
    for (i = 0; i < 100 && (unsigned long long) i < mib; i++) {
        g_autofree char *cmd = g_strdup_printf(
            "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x77 %llu 1M\"",
            ((unsigned long long) i * 7 % mib) * 1048576ULL);
        char *out = NULL;
        virDomainQemuMonitorCommand(dom, cmd, &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP);
        free(out);
    }
    tinc = -1;
    {
        g_autofree char *ixml = g_strdup_printf(
            "<domainbackup><incremental>bench1</incremental><disks><disk name='vda' type='file'>"
            "<target file='%s/inc.qcow2'/></disk></disks></domainbackup>", root);
        double t0 = nowMs();

        if (virDomainBackupBegin(dom, ixml, NULL, 0) == 0)
            tinc = waitJob(t0);
    }

    /* pull full, read with nbdcopy */
    {
        g_autofree char *pxml = g_strdup_printf(
            "<domainbackup mode='pull'><server transport='unix' socket='%s/nbd.sock'/>"
            "<disks><disk name='vda' type='file'><scratch file='%s/scratch.qcow2'/></disk>"
            "</disks></domainbackup>", root, root);
        double t0;

        if (virDomainBackupBegin(dom, pxml, NULL, 0) < 0) {
            fprintf(stderr, "pull: %s\n", virGetLastErrorMessage());
            return 1;
        }
        t0 = nowMs();
        if (!sh("nbdcopy -C 4 --request-size=4194304 'nbd+unix:///vda?socket=%s/nbd.sock' %s/pulled.raw",
                root, root))
            return 1;
        tpull = nowMs() - t0;
        virDomainBackupEnd(dom, 0);
        t0 = nowMs();
        sh("qemu-img convert -W -m 16 -t none -T none -f qcow2 -O raw %s/full.qcow2 %s/ref.raw",
           root, root);
        tconvert2 = nowMs() - t0;
    }

    virDomainDestroy(dom);
    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
    virConnectClose(conn);

    printf("accel: %s, disk: %llu MiB of random data\n", kvm ? "kvm" : "tcg", mib);
    printf("push full backup:                %9.1f ms\n", tpush);
    printf("  reference, qemu-img convert:   %9.1f ms\n", tconvert);
    printf("  ratio (goal <= 1.3):           %9.2f\n", tpush / tconvert);
    if (tinc >= 0)
        printf("push incremental after 100 MiB: %9.1f ms (%.2f of the full backup)\n",
               tinc, tinc / tpush);
    else
        printf("push incremental:                not measured (%s)\n", virGetLastErrorMessage());
    printf("pull full read, nbdcopy -C 4:    %9.1f ms\n", tpull);
    printf("  reference, qemu-img convert:   %9.1f ms\n", tconvert2);
    printf("  ratio:                         %9.2f\n", tpull / tconvert2);
    printf("virDomainBackupBegin returns in: %9.2f ms\n", tbegin);
    printf("guest 64 KiB write, idle:        %9.3f ms (median of 15)\n", median(idle, 15));
    if (nbusy > 0)
        printf("guest 64 KiB write, in backup:   %9.3f ms (median of %d), ratio %.2f\n",
               median(busy, nbusy), nbusy, median(busy, nbusy) / median(idle, 15));
    sh("rm -rf %s", root);
    return 0;
}

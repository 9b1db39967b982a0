/*
 * guestimpact.c: what a backup costs a real guest, and whether a
 * bandwidth limit holds
 *
 * The test guest of scripts/make-test-guest runs on a disk of SIZE MiB
 * (default 2048) filled with random data, and writes a 64 KiB file with
 * fsync every 20 ms, reporting each write's latency on its console.  The
 * guest-observed write latency (p50, p99, max) is measured:
 *   - idle (the reference, same run);
 *   - during a full push backup of the disk;
 *   - during a full pull backup read with `nbdcopy -C 4 --request-size=4M`,
 *     and the same with a 5 s bound on copy-before-write
 *     (backup_cbw_timeout: Fleece's own filter instead of the job's);
 *   - during a push backup limited with <fleece:bandwidth> (what
 *     `fleece backup-begin --bandwidth` sets), whose copy rate is compared
 *     with the limit.
 * KVM is used when FLEECE_BENCH_ACCEL=kvm, else TCG (on nested set-ups
 * KVM may be unable to run a Linux guest at a useful speed).
 *
 * Usage: guestimpact [SIZE_MIB [LIMIT_MIB_PER_S]]   (as root; temporary root)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>

static char *root;
static char *consolePath;
static virDomainPtr dom;

static bool
run(const char *const *argv)
{
    g_autofree char *err = NULL;
    int status = 0;

    if (!g_spawn_sync(NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH |
                      G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
                      &status, NULL) ||
        !g_spawn_check_exit_status(status, NULL)) {
        fprintf(stderr, "%s failed: %s\n", argv[0], err ? err : "");
        return false;
    }
    return true;
}

static gsize
consoleSize(void)
{
    struct stat st;

    return stat(consolePath, &st) == 0 ? (gsize) st.st_size : 0;
}

/* Write latencies (ms) reported on the console between two offsets. */
static GArray *
latencies(gsize from, gsize to)
{
    GArray *lat = g_array_new(FALSE, FALSE, sizeof(double));
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gsize len = 0;
    size_t i;

    if (!g_file_get_contents(consolePath, &text, &len, NULL) || from > len)
        return lat;
    text[MIN(to, len)] = '\0';
    lines = g_strsplit(text + from, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *p = strstr(lines[i], " lat_us=");
        double ms;

        if (p && strstr(lines[i], "fleece-workload: write")) {
            ms = g_ascii_strtod(p + 8, NULL) / 1000.0;
            g_array_append_val(lat, ms);
        }
    }
    return lat;
}

static int
cmpDouble(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

typedef struct {
    double p50, p99, max;
    unsigned int n;
} latStats;

static latStats
stats(GArray *lat)
{
    latStats s = { 0 };
    double *v = (double *) lat->data;

    s.n = lat->len;
    if (!s.n)
        return s;
    qsort(v, s.n, sizeof(double), cmpDouble);
    s.p50 = v[(s.n - 1) / 2];
    s.p99 = v[(unsigned int) ((s.n - 1) * 0.99)];
    s.max = v[s.n - 1];
    return s;
}

static void
report(const char *what, latStats s, latStats idle)
{
    printf("%-34s %5u  %8.2f  %8.2f  %8.1f   x%.2f / x%.2f / x%.2f\n", what, s.n,
           s.p50, s.p99, s.max, idle.p50 ? s.p50 / idle.p50 : 0,
           idle.p99 ? s.p99 / idle.p99 : 0, idle.max ? s.max / idle.max : 0);
}

static int
jobType(unsigned long long *total)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;

    if (virDomainGetJobStats(dom, &type, &params, &nparams,
                             total ? VIR_DOMAIN_JOB_STATS_COMPLETED |
                                     VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED : 0) < 0)
        return -1;
    if (total)
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL, total);
    virTypedParamsFree(params, nparams);
    return type;
}

/* Run a push backup to the end; its duration in seconds (< 0: failed). */
static double
pushBackup(const char *target, unsigned long long bandwidth, unsigned long long *bytes)
{
    g_autofree char *extra = bandwidth ?
        g_strdup_printf("<fleece:bandwidth>%llu</fleece:bandwidth>", bandwidth) : g_strdup("");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'><disks>"
        "<disk name='vda' type='file'><target file='%s'/><driver type='qcow2'/></disk>"
        "</disks>%s</domainbackup>", target, extra);
    gint64 start = g_get_monotonic_time();

    if (virDomainBackupBegin(dom, xml, NULL, 0) < 0) {
        fprintf(stderr, "backup: %s\n", virGetLastErrorMessage());
        return -1;
    }
    while (jobType(NULL) != VIR_DOMAIN_JOB_NONE)
        g_usleep(20 * 1000);
    if (jobType(bytes) != VIR_DOMAIN_JOB_COMPLETED)
        return -1;
    unlink(target);
    return (g_get_monotonic_time() - start) / (double) G_USEC_PER_SEC;
}

int
main(int argc, char **argv)
{
    unsigned long long size = argc > 1 ? strtoull(argv[1], NULL, 10) : 2048;
    unsigned long long limitMiB = argc > 2 ? strtoull(argv[2], NULL, 10) : 64;
    const char *accel = g_getenv("FLEECE_BENCH_ACCEL");
    bool kvm = accel && g_str_equal(accel, "kvm");
    g_autofree char *script = g_build_filename(FLEECE_TOP_SRCDIR, "scripts", "make-test-guest", NULL);
    g_autofree char *guestdir = g_build_filename(FLEECE_BUILDDIR, "test-guest", NULL);
    g_autofree char *kernel = g_build_filename(guestdir, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(guestdir, "initrd.img", NULL);
    g_autofree char *uri = NULL, *raw = NULL, *disk = NULL, *xml = NULL, *target = NULL;
    g_autofree char *sock = NULL, *scratch = NULL, *pulled = NULL, *nbduri = NULL;
    g_autofree char *count = g_strdup_printf("count=%llu", size / 4);
    g_autofree char *ofraw = NULL;
    virConnectPtr conn = NULL;
    latStats idle, push, pull, bounded, limited;
    GArray *lat;
    gsize a, b;
    double secs, limSecs;
    unsigned long long bytes = 0, limBytes = 0;
    int ret = 1;

    root = g_dir_make_tmp("fleece-guestimpact-XXXXXX", NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    consolePath = g_build_filename(root, "console.log", NULL);
    raw = g_build_filename(root, "disk.raw", NULL);
    disk = g_build_filename(root, "disk.qcow2", NULL);
    target = g_build_filename(root, "backup.qcow2", NULL);
    sock = g_build_filename(root, "nbd.sock", NULL);
    scratch = g_build_filename(root, "scratch.qcow2", NULL);
    pulled = g_build_filename(root, "pulled.raw", NULL);
    nbduri = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    ofraw = g_strdup_printf("of=%s", raw);

    {
        const char *make[] = { script, guestdir, NULL };
        const char *dd[] = { "dd", "if=/dev/urandom", ofraw, "bs=4M", count, NULL };
        const char *conv[] = { "qemu-img", "convert", "-O", "qcow2", raw, disk, NULL };

        if (!run(make) || !run(dd) || !run(conv))
            goto cleanup;
        unlink(raw);
    }
    xml = g_strdup_printf(
        "<domain type='%s'><name>impact</name><memory unit='MiB'>256</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type>"
        "<kernel>%s</kernel><initrd>%s</initrd>"
        "<cmdline>console=ttyS0 quiet fleece.size=65536 fleece.interval=20 fleece.keep=200</cmdline>"
        "</os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2' cache='none' io='native'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<serial type='file'><source path='%s'/></serial>"
        "</devices></domain>", kvm ? "kvm" : "qemu", kernel, initrd, disk, consolePath);
    if (!(conn = virConnectOpen(uri)) || !(dom = virDomainDefineXML(conn, xml)) ||
        virDomainCreate(dom) < 0) {
        fprintf(stderr, "start: %s\n", virGetLastErrorMessage());
        goto cleanup;
    }
    /* warm up: boot, mkfs, the first writes */
    for (int i = 0; i < 1200; i++) {
        g_autoptr(GArray) l = latencies(0, G_MAXSIZE);

        if (l->len >= 50)
            break;
        g_usleep(100 * 1000);
    }

    printf("guestimpact: %llu MiB disk of random data, guest on %s, 64 KiB file + fsync every 20 ms\n",
           size, kvm ? "KVM" : "TCG");
    printf("%-34s %5s  %8s  %8s  %8s   %s\n", "guest write latency (ms)", "n", "p50", "p99",
           "max", "vs idle p50 / p99 / max");

    a = consoleSize();
    g_usleep(20 * G_USEC_PER_SEC);
    lat = latencies(a, consoleSize());
    idle = stats(lat);
    g_array_free(lat, TRUE);
    report("idle (20 s, reference)", idle, idle);

    a = consoleSize();
    if ((secs = pushBackup(target, 0, &bytes)) < 0)
        goto cleanup;
    b = consoleSize();
    lat = latencies(a, b);
    push = stats(lat);
    g_array_free(lat, TRUE);
    report("push full backup", push, idle);

    {
        g_autofree char *pxml = g_strdup_printf(
            "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
            "<disk name='vda' type='file'><scratch file='%s'/></disk></disks></domainbackup>",
            sock, scratch);
        const char *copy[] = { "nbdcopy", "-C", "4", "--request-size=4194304", "--flush",
                               nbduri, pulled, NULL };
        gint64 start;
        double pullSecs;

        a = consoleSize();
        start = g_get_monotonic_time();
        if (virDomainBackupBegin(dom, pxml, NULL, 0) < 0 || !run(copy) ||
            virDomainBackupEnd(dom, 0) < 0) {
            fprintf(stderr, "pull: %s\n", virGetLastErrorMessage());
            goto cleanup;
        }
        pullSecs = (g_get_monotonic_time() - start) / (double) G_USEC_PER_SEC;
        b = consoleSize();
        unlink(pulled);
        lat = latencies(a, b);
        pull = stats(lat);
        g_array_free(lat, TRUE);
        report("pull full backup (nbdcopy)", pull, idle);
        printf("  push copied %.0f MiB in %.1f s (%.0f MiB/s); pull read in %.1f s (%.0f MiB/s)\n",
               bytes / 1048576.0, secs, bytes / 1048576.0 / secs, pullSecs,
               size / pullSecs);
    }

    {
        /* the same pull with a bound on copy-before-write (Fleece's own
         * filter; the guest is stopped for the snapshot's transaction) */
        g_autofree char *pxml = g_strdup_printf(
            "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
            "<disk name='vda' type='file'><scratch file='%s'/></disk></disks></domainbackup>",
            sock, scratch);
        const char *copy[] = { "nbdcopy", "-C", "4", "--request-size=4194304", "--flush",
                               nbduri, pulled, NULL };
        int rc;

        g_autofree char *etc = g_build_filename(root, "etc", NULL);
        g_autofree char *conf = g_build_filename(etc, "fleece.conf", NULL);
        g_autofree char *bounduri = g_strdup_printf("qemu:///embed?root=%s", root);
        virConnectPtr bconn = NULL;
        virDomainPtr bdom = NULL;

        /* a setting of the root, read when a connection opens */
        if (g_mkdir_with_parents(etc, 0700) < 0 ||
            !g_file_set_contents(conf, "backup_cbw_timeout = 5\n", -1, NULL)) {
            fprintf(stderr, "cannot write '%s'\n", conf);
            goto cleanup;
        }
        bconn = virConnectOpen(bounduri);
        unlink(conf);
        a = consoleSize();
        rc = -1;
        if (bconn && (bdom = virDomainLookupByName(bconn, virDomainGetName(dom))))
            rc = virDomainBackupBegin(bdom, pxml, NULL, 0);
        if (bdom)
            virDomainFree(bdom);
        if (bconn)
            virConnectClose(bconn);
        if (rc < 0 || !run(copy) || virDomainBackupEnd(dom, 0) < 0) {
            fprintf(stderr, "bounded pull: %s\n", virGetLastErrorMessage());
            goto cleanup;
        }
        b = consoleSize();
        unlink(pulled);
        lat = latencies(a, b);
        bounded = stats(lat);
        g_array_free(lat, TRUE);
        report("pull, copy-before-write bound 5 s", bounded, idle);
    }

    a = consoleSize();
    if ((limSecs = pushBackup(target, limitMiB << 20, &limBytes)) < 0)
        goto cleanup;
    b = consoleSize();
    lat = latencies(a, b);
    limited = stats(lat);
    g_array_free(lat, TRUE);
    {
        g_autofree char *title = g_strdup_printf("push, --bandwidth %lluM", limitMiB);

        report(title, limited, idle);
    }
    printf("bandwidth limit %llu MiB/s: copied %.0f MiB in %.1f s = %.1f MiB/s (x%.3f of the limit)\n",
           limitMiB, limBytes / 1048576.0, limSecs, limBytes / 1048576.0 / limSecs,
           limBytes / 1048576.0 / limSecs / limitMiB);
    ret = 0;

 cleanup:
    if (dom) {
        virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(dom);
    }
    if (conn)
        virConnectClose(conn);
    {
        const char *rm[] = { "rm", "-rf", root, NULL };

        run(rm);
    }
    return ret;
}

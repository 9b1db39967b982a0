/*
 * domainlatency.c: fixed costs of the embedded QEMU driver
 *
 * Measures, in one run, against references measured the same way:
 *   1. virDomainCreate until it returns (QEMU running, monitor negotiated,
 *      status written) vs starting the same QEMU by hand until its QMP
 *      greeting arrives (the floor any driver pays);
 *   2. open a fresh connection + lookup + virDomainGetState + close on a
 *      running domain (what every CLI command pays in-process) vs the
 *      same open/close alone.
 * Prints medians and ratios.  Usage: domainlatency [RUNS]
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
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
#include <libvirt/libvirt.h>

static char *root;

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
kvmUsable(void)
{
    int fd = open("/dev/kvm", O_RDWR);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Start QEMU by hand with the same disk and wait for the QMP greeting. */
static double
rawQemuStart(const char *disk)
{
    g_autofree char *sock = g_strdup_printf("%s/raw.qmp", root);
    g_autofree char *qmparg = g_strdup_printf("unix:%s,server=on,wait=off", sock);
    g_autofree char *blk1 = g_strdup_printf("driver=file,filename=%s,node-name=f0", disk);
    const char *argv[] = { "qemu-system-x86_64", "-S", "-machine", "q35", "-accel",
                           kvmUsable() ? "kvm" : "tcg", "-m", "256", "-nodefaults",
                           "-display", "none", "-qmp", qmparg, "-blockdev", blk1,
                           "-blockdev", "driver=qcow2,file=f0,node-name=d0",
                           "-device", "virtio-blk-pci,drive=d0,id=vda", NULL };
    double start = nowMs(), end = -1;
    GPid pid;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    unlink(sock);
    if (!g_spawn_async(NULL, (char **) argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &pid, NULL))
        return -1;
    g_strlcpy(addr.sun_path, sock, sizeof(addr.sun_path));
    while (nowMs() - start < 30000) {
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        char buf[256];

        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0 &&
            read(fd, buf, sizeof(buf)) > 0) {
            end = nowMs();
            close(fd);
            break;
        }
        close(fd);
        g_usleep(2000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    unlink(sock);
    return end < 0 ? -1 : end - start;
}

int
main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    g_autofree double *create = g_new0(double, runs);
    g_autofree double *raw = g_new0(double, runs);
    g_autofree double *state = g_new0(double, runs * 10);
    g_autofree double *openclose = g_new0(double, runs * 10);
    g_autofree char *uri = NULL;
    g_autofree char *disk = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *cmd = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    int i;

    if (runs < 1)
        runs = 5;
    root = g_dir_make_tmp("fleece-bench-XXXXXX", NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    disk = g_strdup_printf("%s/vda.qcow2", root);
    cmd = g_strdup_printf("qemu-img create -q -f qcow2 %s 1G", disk);
    if (system(cmd) != 0)
        return 1;
    xml = g_strdup_printf(
        "<domain type='%s'><name>bench</name><memory unit='MiB'>256</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "</devices></domain>", kvmUsable() ? "kvm" : "qemu", disk);

    if (!(conn = virConnectOpen(uri)) || !(dom = virDomainDefineXML(conn, xml))) {
        fprintf(stderr, "setup failed: %s\n", virGetLastErrorMessage());
        return 1;
    }
    for (i = 0; i < runs; i++) {
        double t0 = nowMs();

        if (virDomainCreate(dom) < 0) {
            fprintf(stderr, "start failed: %s\n", virGetLastErrorMessage());
            return 1;
        }
        create[i] = nowMs() - t0;
        if (i < runs - 1)
            virDomainDestroy(dom);
        raw[i] = rawQemuStart(disk);
    }
    /* the domain is running now */
    for (i = 0; i < runs * 10; i++) {
        double t0 = nowMs();
        virConnectPtr c = virConnectOpen(uri);
        virDomainPtr d = virDomainLookupByName(c, "bench");
        int st, reason;

        virDomainGetState(d, &st, &reason, 0);
        virDomainFree(d);
        virConnectClose(c);
        state[i] = nowMs() - t0;

        t0 = nowMs();
        c = virConnectOpen(uri);
        virConnectClose(c);
        openclose[i] = nowMs() - t0;
    }
    virDomainDestroy(dom);
    virDomainUndefine(dom);
    virDomainFree(dom);
    virConnectClose(conn);

    {
        double mc = median(create, runs), mr = median(raw, runs);
        double ms = median(state, runs * 10), mo = median(openclose, runs * 10);

        printf("accel: %s, runs: %d\n", kvmUsable() ? "kvm" : "tcg", runs);
        printf("virDomainCreate -> running:      %8.2f ms (median)\n", mc);
        printf("  reference, raw QEMU to QMP:    %8.2f ms (median)\n", mr);
        printf("  ratio:                         %8.2f\n", mc / mr);
        printf("open+lookup+GetState+close:      %8.3f ms (median)\n", ms);
        printf("  reference, open+close:         %8.3f ms (median)\n", mo);
        printf("  ratio:                         %8.2f\n", ms / mo);
    }
    cmd = (g_free(cmd), g_strdup_printf("rm -rf %s", root));
    return system(cmd) == 0 ? 0 : 1;
}

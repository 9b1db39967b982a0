/*
 * checkpointbench.c: checkpoint operations as the number of checkpoints grows
 *
 * A running 2-disk domain gets checkpoints in a chain; at 1, 100 and 1000
 * existing checkpoints it measures, through the API on an open connection
 * and through a fresh connection (what every CLI call pays):
 *   - create one more checkpoint;
 *   - delete one in the middle of the chain (its child moves up);
 *   - list all of them (virDomainListAllCheckpoints);
 *   - list them as `fleece checkpoint-list` does: a fresh connection, the
 *     list, and each checkpoint's XML without the domain (name, parent,
 *     creation time).
 * Each figure is the median of REPS runs (create and delete alternate,
 * so the count stays).  Goals: create and delete within 1.5x of their
 * time at 1 checkpoint, listing 1000 within 50 ms.  Reference in the
 * same run: the same operations at 1 checkpoint.
 *
 * Built a second time against libvirt (checkpointbench-libvirt, when
 * libvirt-dev is installed), the same program measures libvirt 9.0's
 * embedded QEMU driver on the same machine; libvirt keeps its state in
 * the process, so there the "fresh" columns are not measured.
 *
 * Usage: checkpointbench [MAX [REPS]]   (default 1000 7; run as root)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdbool.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#ifdef BENCH_LIBVIRT
# define BENCH_WHAT "libvirt"
#else
# define BENCH_WHAT "Fleece"
#endif

static char *uri;
static int reps = 7;
static GPtrArray *chain;      /* checkpoint names, oldest first */
static int serial;

static double
nowMs(void)
{
    return g_get_monotonic_time() / 1000.0;
}

/* CPU time of this process (user + system), ms: unlike the wall clock,
 * hardly moved by other work on the machine. */
static double
cpuMs(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000.0 +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000.0;
}

static void
die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, virGetLastErrorMessage());
    exit(1);
}

static gpointer
eventLoop(gpointer opaque G_GNUC_UNUSED)
{
    while (true)
        virEventRunDefaultImpl();
    return NULL;
}

static int
compareDouble(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;

    return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
    qsort(v, n, sizeof(double), compareDouble);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Create the next checkpoint of the chain through @dom. */
static void
create(virDomainPtr dom)
{
    g_autofree char *name = g_strdup_printf("cp%d", ++serial);
    g_autofree char *xml = g_strdup_printf("<domaincheckpoint><name>%s</name></domaincheckpoint>",
                                           name);
    virDomainCheckpointPtr c = virDomainCheckpointCreateXML(dom, xml, 0);

    if (!c)
        die("create");
    virDomainCheckpointFree(c);
    g_ptr_array_add(chain, g_steal_pointer(&name));
}

/* Delete the checkpoint in the middle of the chain through @dom. */
static void
deleteMiddle(virDomainPtr dom)
{
    guint mid = chain->len / 2;
    virDomainCheckpointPtr c = virDomainCheckpointLookupByName(dom, g_ptr_array_index(chain, mid), 0);

    if (!c || virDomainCheckpointDelete(c, 0) < 0)
        die("delete");
    virDomainCheckpointFree(c);
    g_ptr_array_remove_index(chain, mid);
}

static int
listAll(virDomainPtr dom, bool details)
{
    virDomainCheckpointPtr *list = NULL;
    int n = virDomainListAllCheckpoints(dom, &list, VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    int i;

    if (n < 0)
        die("list");
    for (i = 0; i < n; i++) {
        if (details) {
            char *xml = virDomainCheckpointGetXMLDesc(list[i],
                                                      VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);

            if (!xml)
                die("checkpoint XML");
            free(xml);
        }
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    return n;
}

static virDomainPtr
fresh(virConnectPtr *c)
{
    virDomainPtr d;

    if (!(*c = virConnectOpen(uri)) || !(d = virDomainLookupByName(*c, "cpbench")))
        die("fresh connection");
    return d;
}

typedef enum {
    T_CREATE, T_CREATE_FRESH, T_DELETE, T_DELETE_FRESH, T_LIST, T_LIST_FRESH, T_CLI,
    T_LAST
} timingKind;

static const char *const timingNames[T_LAST] = {
    "create", "create (fresh connection)", "delete middle", "delete middle (fresh connection)",
    "list all", "list all (fresh connection)", "checkpoint-list as the CLI",
};

/* Measure everything at the current count into t[] (wall) and c[] (CPU). */
static void
measure(virDomainPtr dom, double *t, double *c)
{
    g_autofree double *v = g_new0(double, reps);
    g_autofree double *u = g_new0(double, reps);
    bool freshToo = true;
    int k, r;

#ifdef BENCH_LIBVIRT
    freshToo = false;
#endif
    for (k = 0; k < T_LAST; k++) {
        t[k] = -1;
        c[k] = -1;
        if (!freshToo && (k == T_CREATE_FRESH || k == T_DELETE_FRESH ||
                          k == T_LIST_FRESH || k == T_CLI))
            continue;
        for (r = 0; r < reps; r++) {
            virConnectPtr fc = NULL;
            virDomainPtr d = NULL;
            double t0 = nowMs();
            double c0 = cpuMs();

            switch ((timingKind) k) {
            case T_CREATE:
                create(dom);
                break;
            case T_DELETE:
                deleteMiddle(dom);
                break;
            case T_CREATE_FRESH:
                d = fresh(&fc);
                create(d);
                break;
            case T_DELETE_FRESH:
                d = fresh(&fc);
                deleteMiddle(d);
                break;
            case T_LIST:
                listAll(dom, false);
                break;
            case T_LIST_FRESH:
                d = fresh(&fc);
                listAll(d, false);
                break;
            case T_CLI:
                d = fresh(&fc);
                listAll(d, true);
                break;
            case T_LAST:
                break;
            }
            if (d)
                virDomainFree(d);
            if (fc)
                virConnectClose(fc);
            v[r] = nowMs() - t0;
            u[r] = cpuMs() - c0;
        }
        t[k] = median(v, reps);
        c[k] = median(u, reps);
    }
}

int
main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 1000;
    int levels[] = { 1, 100, 1000 };
    g_autofree char *root = g_dir_make_tmp("fleece-cpbench-XXXXXX", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *cmd = NULL;
    double t[G_N_ELEMENTS(levels)][T_LAST];
    double c[G_N_ELEMENTS(levels)][T_LAST];
    virConnectPtr conn;
    virDomainPtr dom;
    size_t l, nlevels = 0;
    int k;

    if (argc > 2)
        reps = MAX(1, atoi(argv[2]));
    chain = g_ptr_array_new_with_free_func(g_free);
    if (virEventRegisterDefaultImpl() < 0)
        die("event loop");
    g_thread_unref(g_thread_new("events", eventLoop, NULL));
#ifdef BENCH_LIBVIRT
    {
        /* libvirt's embedded driver without virtlogd, cgroups or a qemu user */
        g_autofree char *etc = g_build_filename(root, "etc", NULL);
        g_autofree char *conf = g_build_filename(etc, "qemu.conf", NULL);

        g_mkdir(etc, 0700);
        if (!g_file_set_contents(conf, "stdio_handler = \"file\"\ncgroup_controllers = [ ]\n"
                                 "user = \"root\"\ngroup = \"root\"\n", -1, NULL))
            return 1;
    }
#endif
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    cmd = g_strdup_printf("qemu-img create -q -f qcow2 %s/a.qcow2 1G && "
                          "qemu-img create -q -f qcow2 %s/b.qcow2 1G", root, root);
    if (system(cmd) != 0)
        return 1;
    xml = g_strdup_printf(
        "<domain type='%s'><name>cpbench</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s/a.qcow2'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s/b.qcow2'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", access("/dev/kvm", W_OK) == 0 ? "kvm" : "qemu", root, root);
    if (!(conn = virConnectOpen(uri)) || !(dom = virDomainDefineXML(conn, xml)) ||
        virDomainCreate(dom) < 0)
        die("setup");

    printf("%s: median of %d runs, ms of wall clock and of this process's CPU\n"
           "(xN: relative to the same operation at 1 checkpoint)\n", BENCH_WHAT, reps);
    for (l = 0; l < G_N_ELEMENTS(levels) && levels[l] <= max; l++) {
        while ((int) chain->len < levels[l])
            create(dom);
        measure(dom, t[l], c[l]);
        nlevels++;
        printf("%d checkpoints:\n", levels[l]);
        for (k = 0; k < T_LAST; k++) {
            if (t[l][k] < 0)
                continue;
            printf("  %-34s %9.2f", timingNames[k], t[l][k]);
            if (l > 0 && t[0][k] > 0)
                printf(" (x%5.2f)", t[l][k] / t[0][k]);
            else
                printf("         ");
            printf("   cpu %8.2f", c[l][k]);
            if (l > 0 && c[0][k] > 0)
                printf(" (x%5.2f)", c[l][k] / c[0][k]);
            printf("\n");
        }
        fflush(stdout);
    }
    if (nlevels == G_N_ELEMENTS(levels)) {
        double *top = t[nlevels - 1];
        bool ok = top[T_CREATE] <= 1.5 * t[0][T_CREATE] &&
                  top[T_DELETE] <= 1.5 * t[0][T_DELETE] &&
                  top[T_LIST] <= 50;

        printf("goal (create and delete <= 1.5x at 1000, list of 1000 <= 50 ms, "
               "open connection): %s\n", ok ? "met" : "NOT met");
    }

    virDomainDestroy(dom);
    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
    virDomainFree(dom);
    virConnectClose(conn);
    g_free(cmd);
    cmd = g_strdup_printf("rm -rf %s", root);
    return system(cmd) == 0 ? 0 : 1;
}

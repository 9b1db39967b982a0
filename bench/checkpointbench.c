/*
 * checkpointbench.c: checkpoint operations as the number of checkpoints grows
 *
 * A running 2-disk domain gets checkpoints in a chain; at 1, 100 and 1000
 * existing checkpoints it measures, through the API on an open connection
 * and through a fresh connection (what every CLI call pays):
 *   create one more checkpoint, list all of them, delete a middle one.
 * Goal: create and delete flat in the count, listing 1000 under 100 ms.
 * Reference in the same run: the same operations at 1 checkpoint.
 * Usage: checkpointbench [MAX]   (default 1000; run as root)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <libvirt/libvirt.h>

static char *uri;

static double
nowMs(void)
{
    return g_get_monotonic_time() / 1000.0;
}

static void
die(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, virGetLastErrorMessage());
    exit(1);
}

static void
create(virDomainPtr dom, int n)
{
    g_autofree char *xml = g_strdup_printf("<domaincheckpoint><name>cp%d</name></domaincheckpoint>", n);
    virDomainCheckpointPtr c = virDomainCheckpointCreateXML(dom, xml, 0);

    if (!c)
        die("create");
    virDomainCheckpointFree(c);
}

/* Time of fn on the open domain handle and through a fresh connection. */
typedef struct {
    double api;
    double fresh;
} timing;

static double
timeList(virDomainPtr dom)
{
    virDomainCheckpointPtr *list = NULL;
    double t0 = nowMs();
    int n = virDomainListAllCheckpoints(dom, &list, VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    double t = nowMs() - t0;
    int i;

    if (n < 0)
        die("list");
    for (i = 0; i < n; i++)
        virDomainCheckpointFree(list[i]);
    free(list);
    return t;
}

static virDomainPtr
fresh(virConnectPtr *c)
{
    virDomainPtr d;

    if (!(*c = virConnectOpen(uri)) || !(d = virDomainLookupByName(*c, "cpbench")))
        die("fresh connection");
    return d;
}

static void
measure(virDomainPtr dom, int count, int *next, timing *tc, timing *tl, timing *td)
{
    virConnectPtr c;
    virDomainPtr d;
    virDomainCheckpointPtr mid;
    g_autofree char *midname = g_strdup_printf("cp%d", count / 2 + 1);
    double t0;

    t0 = nowMs();
    create(dom, (*next)++);
    tc->api = nowMs() - t0;
    t0 = nowMs();
    d = fresh(&c);
    create(d, (*next)++);
    virDomainFree(d);
    virConnectClose(c);
    tc->fresh = nowMs() - t0;

    tl->api = timeList(dom);
    t0 = nowMs();
    d = fresh(&c);
    timeList(d);
    virDomainFree(d);
    virConnectClose(c);
    tl->fresh = nowMs() - t0;

    t0 = nowMs();
    if (!(mid = virDomainCheckpointLookupByName(dom, midname, 0)) ||
        virDomainCheckpointDelete(mid, 0) < 0)
        die("delete");
    virDomainCheckpointFree(mid);
    td->api = nowMs() - t0;
    /* put a checkpoint back so the count stays */
    create(dom, (*next)++);
    t0 = nowMs();
    d = fresh(&c);
    {
        g_autofree char *name = g_strdup_printf("cp%d", count / 2 + 2);
        virDomainCheckpointPtr m = virDomainCheckpointLookupByName(d, name, 0);

        if (!m || virDomainCheckpointDelete(m, 0) < 0)
            die("delete (fresh)");
        virDomainCheckpointFree(m);
    }
    virDomainFree(d);
    virConnectClose(c);
    td->fresh = nowMs() - t0;
    create(dom, (*next)++);
}

int
main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : 1000;
    int levels[] = { 1, 100, 1000 };
    g_autofree char *root = g_dir_make_tmp("fleece-cpbench-XXXXXX", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *cmd = NULL;
    virConnectPtr conn;
    virDomainPtr dom;
    timing base[3] = { { 0 } };
    int next = 1, have = 0;
    size_t l;

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

    printf("%-6s %-28s %-28s %-28s\n", "count", "create ms (api / fresh)",
           "list ms (api / fresh)", "delete middle ms (api / fresh)");
    for (l = 0; l < G_N_ELEMENTS(levels) && levels[l] <= max; l++) {
        timing tc, tl, td;

        while (have < levels[l]) {
            create(dom, next++);
            have++;
        }
        measure(dom, levels[l], &next, &tc, &tl, &td);
        if (l == 0) {
            base[0] = tc;
            base[1] = tl;
            base[2] = td;
        }
        printf("%-6d %8.2f / %-8.2f (x%-5.1f)  %8.2f / %-8.2f (x%-5.1f)  %8.2f / %-8.2f (x%-5.1f)\n",
               levels[l], tc.api, tc.fresh, tc.fresh / base[0].fresh,
               tl.api, tl.fresh, tl.fresh / base[1].fresh,
               td.api, td.fresh, td.fresh / base[2].fresh);
        fflush(stdout);
        have += 2;   /* measure() leaves two more than it found */
    }
    printf("(xN: the fresh-connection time relative to the same operation at 1 checkpoint)\n");

    virDomainDestroy(dom);
    virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
    virConnectClose(conn);
    cmd = (g_free(cmd), g_strdup_printf("rm -rf %s", root));
    return system(cmd) == 0 ? 0 : 1;
}

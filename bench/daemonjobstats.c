/*
 * daemonjobstats: latency of virDomainGetJobStats through a daemon, with
 * many clients polling at once (what backup dashboards and tools such as
 * virtnbdbackup do during a backup).
 *
 *   daemonjobstats URI DOMAIN CLIENTS SECONDS
 *   daemonjobstats URI DOMAIN checkpoint RUNS
 *
 * Each client is a thread with its own connection (libfleece's remote
 * driver, so URI may name fleeced or libvirtd) calling GetJobStats in a
 * loop; prints the number of calls and the p50/p99/max latency in
 * microseconds.  The second form times virDomainCheckpointCreateXML on an
 * open connection (each checkpoint deleted again, untimed) and prints the
 * median: the daemon's share of `virsh checkpoint-create-as`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>
#include <libvirt/libvirt.h>

typedef struct {
    const char *uri;
    const char *name;
    gint64 until;
    GArray *lat;                   /* gint64 microseconds */
    int errors;
} poller;

static gpointer
pollerRun(gpointer opaque)
{
    poller *p = opaque;
    virConnectPtr conn = virConnectOpen(p->uri);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, p->name) : NULL;

    if (!dom) {
        p->errors++;
        if (conn)
            virConnectClose(conn);
        return NULL;
    }
    while (g_get_monotonic_time() < p->until) {
        virTypedParameterPtr params = NULL;
        int nparams = 0;
        int type;
        gint64 t0 = g_get_monotonic_time();
        gint64 dt;

        if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0)
            p->errors++;
        dt = g_get_monotonic_time() - t0;
        g_array_append_val(p->lat, dt);
        virTypedParamsFree(params, nparams);
    }
    virDomainFree(dom);
    virConnectClose(conn);
    return NULL;
}

static int
cmp(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

    return x < y ? -1 : x > y;
}

static int
checkpointRuns(const char *uri, const char *name, int runs)
{
    virConnectPtr conn = virConnectOpen(uri);
    virDomainPtr dom = conn ? virDomainLookupByName(conn, name) : NULL;
    g_autoptr(GArray) lat = g_array_new(FALSE, FALSE, sizeof(gint64));
    int i;

    if (!dom)
        return 1;
    for (i = 0; i < runs; i++) {
        virDomainCheckpointPtr cp;
        gint64 t0 = g_get_monotonic_time();
        gint64 dt;

        if (!(cp = virDomainCheckpointCreateXML(dom,
                  "<domaincheckpoint><name>benchcp</name></domaincheckpoint>", 0)))
            return 1;
        dt = g_get_monotonic_time() - t0;
        g_array_append_val(lat, dt);
        if (virDomainCheckpointDelete(cp, 0) < 0)
            return 1;
        virDomainCheckpointFree(cp);
    }
    g_array_sort(lat, cmp);
    printf("checkpointCreateXML runs %d median_us %lld\n", runs,
           (long long) g_array_index(lat, gint64, lat->len / 2));
    virDomainFree(dom);
    virConnectClose(conn);
    return 0;
}

int
main(int argc, char **argv)
{
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(gint64));
    poller *ps;
    GThread **ts;
    int n, secs, i, errors = 0;

    if (argc != 5) {
        fprintf(stderr, "usage: %s URI DOMAIN CLIENTS SECONDS\n", argv[0]);
        return 2;
    }
    if (g_str_equal(argv[3], "checkpoint"))
        return checkpointRuns(argv[1], argv[2], atoi(argv[4]));
    n = atoi(argv[3]);
    secs = atoi(argv[4]);
    ps = g_new0(poller, n);
    ts = g_new0(GThread *, n);
    for (i = 0; i < n; i++) {
        ps[i].uri = argv[1];
        ps[i].name = argv[2];
        ps[i].until = g_get_monotonic_time() + secs * G_USEC_PER_SEC;
        ps[i].lat = g_array_new(FALSE, FALSE, sizeof(gint64));
        ts[i] = g_thread_new("poller", pollerRun, &ps[i]);
    }
    for (i = 0; i < n; i++) {
        g_thread_join(ts[i]);
        g_array_append_vals(all, ps[i].lat->data, ps[i].lat->len);
        errors += ps[i].errors;
        g_array_free(ps[i].lat, TRUE);
    }
    if (all->len == 0) {
        fprintf(stderr, "no call succeeded\n");
        return 1;
    }
    g_array_sort(all, cmp);
    printf("calls %u errors %d p50_us %lld p99_us %lld max_us %lld\n", all->len, errors,
           (long long) g_array_index(all, gint64, all->len / 2),
           (long long) g_array_index(all, gint64, (all->len * 99) / 100),
           (long long) g_array_index(all, gint64, all->len - 1));
    g_free(ps);
    g_free(ts);
    return errors ? 1 : 0;
}

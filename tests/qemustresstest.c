/*
 * qemustresstest.c: four processes change one domain at once, on real
 * QEMU, through the public API
 *
 * Each worker process loops for SECONDS over checkpoint create, list and
 * delete, pull and push backups (full, incremental, with a new
 * checkpoint) begun and ended, job queries, and undefine + define of the
 * same running domain, picking at random.  Every call either succeeds or
 * is refused with one of the errors a conflicting request deserves (a job
 * running, a checkpoint in use or gone meanwhile, no backup to end, ...);
 * any other error, or a call that takes more than a minute, fails the
 * test, and so does a worker that does not finish (deadlock).  Refusals
 * are counted by message.  Afterwards: the checkpoint tree, its index and
 * the bitmaps in QEMU agree, nothing of a backup is left in QEMU, no lock
 * file of another name exists, and a full backup equals the disk byte for
 * byte.
 *
 * Usage: qemustresstest [SECONDS]   (default 10; the suite runs the
 * default, a longer run is a parameter away).  Output is TAP; skipped
 * when QEMU, qemu-img or qemu-io is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

#define WORKERS 4
#define SLOW_CALL_MS 60000

static char *root;
static char *uri;
static char *diskdir;
static char *selfpath;
static int seconds = 10;
static virConnectPtr conn;
static virDomainPtr dom;
static char *domxml;

static char *
diskPath(const char *name)
{
    return g_build_filename(diskdir, name, NULL);
}

/* The running domain everything happens to, or (@off) a second one that
 * stays shut off and is defined and undefined over and over. */
static char *
makeDomainXML(bool off)
{
    g_autofree char *vda = diskPath(off ? "off-vda.qcow2" : "vda.qcow2");
    g_autofree char *vdb = diskPath(off ? "off-vdb.qcow2" : "vdb.qcow2");

    return g_strdup_printf(
        "<domain type='%s'><name>%s</name>"
        "<uuid>5f0e4b54-58a3-4a57-9d0c-6a0b2e0c51%s</uuid><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu",
        off ? "stress-off" : "stress", off ? "b2" : "a1", vda, vdb);
}

static char *offxml;

/* ---- a worker ------------------------------------------------------------- */

typedef struct {
    int id;
    int serial;
    GRand *rand;
    virConnectPtr conn;
    virDomainPtr dom;
    GHashTable *counts;            /* "ok OP" / "refused OP: MESSAGE" -> count */
    GString *unexpected;
    double slowest;                /* ms */
    char *slowestOp;
} worker;

/* Error codes a request refused because of another process's work may
 * get; the rest are failures. */
static bool
workerExpected(int code)
{
    switch (code) {
    case VIR_ERR_OPERATION_INVALID:      /* a job running, a checkpoint in use */
    case VIR_ERR_NO_DOMAIN_BACKUP:       /* no backup to end */
    case VIR_ERR_NO_DOMAIN_CHECKPOINT:   /* deleted meanwhile */
    case VIR_ERR_NO_DOMAIN:              /* the shut-off one, undefined meanwhile */
        return true;
    default:
        return false;
    }
}

/* The message with names and numbers blanked, to count alike refusals. */
static char *
workerNormalise(const char *msg)
{
    GString *s = g_string_new(NULL);
    bool quoted = false;
    const char *p;

    for (p = msg ? msg : "(none)"; *p; p++) {
        if (*p == '\'') {
            quoted = !quoted;
            g_string_append(s, quoted ? "'…" : "'");
        } else if (!quoted) {
            g_string_append_c(s, g_ascii_isdigit(*p) ? 'N' : *p);
        }
    }
    return g_string_free(s, FALSE);
}

static void
workerCount(worker *w, const char *key)
{
    gpointer old = g_hash_table_lookup(w->counts, key);

    g_hash_table_replace(w->counts, g_strdup(key),
                         GINT_TO_POINTER(GPOINTER_TO_INT(old) + 1));
}

/* Record the outcome of one call of @op that took @ms. */
static void
workerResult(worker *w, const char *op, bool ok, double ms)
{
    g_autofree char *key = NULL;

    if (ms > w->slowest) {
        w->slowest = ms;
        g_free(w->slowestOp);
        w->slowestOp = g_strdup(op);
    }
    if (ms > SLOW_CALL_MS)
        g_string_append_printf(w->unexpected, "%s took %.0f ms\n", op, ms);
    if (ok) {
        key = g_strdup_printf("ok %s", op);
    } else {
        g_autofree char *norm = workerNormalise(virGetLastErrorMessage());

        key = g_strdup_printf("refused %s: [%d] %s", op, virGetLastErrorCode(), norm);
        if (!workerExpected(virGetLastErrorCode()))
            g_string_append_printf(w->unexpected, "%s: [%d] %s\n", op,
                                   virGetLastErrorCode(), virGetLastErrorMessage());
    }
    workerCount(w, key);
    virResetLastError();
}

static double
nowMs(void)
{
    return g_get_monotonic_time() / 1000.0;
}

/* A checkpoint picked at random, or NULL. */
static char *
workerPickCheckpoint(worker *w)
{
    virDomainCheckpointPtr *list = NULL;
    char *name = NULL;
    int n = virDomainListAllCheckpoints(w->dom, &list, 0);
    int i;

    if (n > 0)
        name = g_strdup(virDomainCheckpointGetName(list[g_rand_int_range(w->rand, 0, n)]));
    for (i = 0; i < n; i++)
        virDomainCheckpointFree(list[i]);
    free(list);
    virResetLastError();
    return name;
}

static void
workerCreate(worker *w)
{
    g_autofree char *xml = g_strdup_printf(
        "<domaincheckpoint><name>w%d-%d</name></domaincheckpoint>", w->id, ++w->serial);
    double t0 = nowMs();
    virDomainCheckpointPtr c = virDomainCheckpointCreateXML(w->dom, xml, 0);

    workerResult(w, "checkpoint-create", c != NULL, nowMs() - t0);
    if (c)
        virDomainCheckpointFree(c);
}

static void
workerList(worker *w)
{
    virDomainCheckpointPtr *list = NULL;
    double t0 = nowMs();
    int n = virDomainListAllCheckpoints(w->dom, &list, VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL);
    bool ok = n >= 0;
    int i;

    /* what the CLI does with each: its XML without the domain */
    for (i = 0; ok && i < n; i++) {
        char *xml = virDomainCheckpointGetXMLDesc(list[i], VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN);

        /* deleted by another process since the list: a fair refusal */
        if (!xml && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN_CHECKPOINT)
            ok = false;
        free(xml);
        if (!ok)
            break;
        virResetLastError();
    }
    workerResult(w, "checkpoint-list", ok, nowMs() - t0);
    for (i = 0; i < n; i++)
        virDomainCheckpointFree(list[i]);
    free(list);
}

static void
workerDelete(worker *w)
{
    g_autofree char *name = workerPickCheckpoint(w);
    virDomainCheckpointPtr c;
    unsigned int flags = 0;
    double t0 = nowMs();
    bool ok;

    if (!name)
        return;
    if (g_rand_int_range(w->rand, 0, 5) == 0)
        flags |= VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN;
    c = virDomainCheckpointLookupByName(w->dom, name, 0);
    ok = c && virDomainCheckpointDelete(c, flags) == 0;
    workerResult(w, flags ? "checkpoint-delete --children" : "checkpoint-delete", ok,
                 nowMs() - t0);
    if (c)
        virDomainCheckpointFree(c);
}

static void
workerBackupBegin(worker *w)
{
    g_autofree char *incremental = NULL;
    g_autofree char *chkxml = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *inc = NULL;
    bool pull = g_rand_boolean(w->rand);
    const char *op;
    double t0;
    int n = ++w->serial;

    if (g_rand_int_range(w->rand, 0, 3) == 0 && (incremental = workerPickCheckpoint(w)))
        inc = g_strdup_printf("<incremental>%s</incremental>", incremental);
    if (g_rand_int_range(w->rand, 0, 4) == 0)
        chkxml = g_strdup_printf("<domaincheckpoint><name>w%d-%d</name></domaincheckpoint>",
                                 w->id, n);
    if (pull) {
        g_autofree char *sock = g_strdup_printf("%s/w%d-%d.sock", root, w->id, n);
        g_autofree char *s1 = g_strdup_printf("%s/w%d-%d-vda.scratch", diskdir, w->id, n);
        g_autofree char *s2 = g_strdup_printf("%s/w%d-%d-vdb.scratch", diskdir, w->id, n);

        xml = g_strdup_printf(
            "<domainbackup mode='pull'>%s<server transport='unix' socket='%s'/><disks>"
            "<disk name='vda' type='file'><scratch file='%s'/></disk>"
            "<disk name='vdb' type='file'><scratch file='%s'/></disk>"
            "</disks></domainbackup>", inc ? inc : "", sock, s1, s2);
        op = "backup-begin pull";
    } else {
        g_autofree char *t1 = g_strdup_printf("%s/w%d-%d-vda.target", diskdir, w->id, n);
        g_autofree char *t2 = g_strdup_printf("%s/w%d-%d-vdb.target", diskdir, w->id, n);

        xml = g_strdup_printf(
            "<domainbackup>%s<disks>"
            "<disk name='vda' type='file'><target file='%s'/></disk>"
            "<disk name='vdb' type='file'><target file='%s'/></disk>"
            "</disks></domainbackup>", inc ? inc : "", t1, t2);
        op = "backup-begin push";
    }
    t0 = nowMs();
    workerResult(w, op, virDomainBackupBegin(w->dom, xml, chkxml, 0) == 0, nowMs() - t0);
}

static void
workerBackupEnd(worker *w)
{
    double t0 = nowMs();
    bool abort = g_rand_boolean(w->rand);
    int rc = abort ? virDomainAbortJob(w->dom) : virDomainBackupEnd(w->dom, 0);

    workerResult(w, abort ? "domjobabort" : "backup-end", rc == 0, nowMs() - t0);
}

static void
workerJobInfo(worker *w)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;
    double t0 = nowMs();
    int rc = virDomainGetJobStats(w->dom, &type, &params, &nparams, 0);

    workerResult(w, "domjobinfo", rc == 0, nowMs() - t0);
    virTypedParamsFree(params, nparams);
}

/* The shut-off domain: defined and undefined (metadata and lock file
 * go with it) while others create and delete its checkpoints (offline,
 * with qemu-img) or wait for its lock. */
static void
workerOffDomain(worker *w)
{
    virDomainPtr d = virDomainLookupByName(w->conn, "stress-off");
    int pick = g_rand_int_range(w->rand, 0, 4);
    double t0 = nowMs();

    if (!d) {
        workerResult(w, "lookup stress-off", false, nowMs() - t0);
        t0 = nowMs();
        d = virDomainDefineXML(w->conn, offxml);
        workerResult(w, "define stress-off", d != NULL, nowMs() - t0);
    } else if (pick == 0) {
        workerResult(w, "undefine stress-off",
                     virDomainUndefineFlags(d, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) == 0,
                     nowMs() - t0);
    } else if (pick == 1) {
        g_autofree char *xml = g_strdup_printf(
            "<domaincheckpoint><name>o%d-%d</name></domaincheckpoint>", w->id, ++w->serial);
        virDomainCheckpointPtr c = virDomainCheckpointCreateXML(d, xml, 0);

        workerResult(w, "checkpoint-create stress-off", c != NULL, nowMs() - t0);
        if (c)
            virDomainCheckpointFree(c);
    } else {
        virDomainCheckpointPtr *list = NULL;
        int n = virDomainListAllCheckpoints(d, &list, 0);
        int i;

        workerResult(w, "checkpoint-list stress-off", n >= 0, nowMs() - t0);
        if (n > 0 && pick == 3) {
            t0 = nowMs();
            workerResult(w, "checkpoint-delete stress-off",
                         virDomainCheckpointDelete(list[g_rand_int_range(w->rand, 0, n)], 0) == 0,
                         nowMs() - t0);
        }
        for (i = 0; i < n; i++)
            virDomainCheckpointFree(list[i]);
        free(list);
    }
    if (d)
        virDomainFree(d);
}

static void
workerRedefine(worker *w)
{
    double t0 = nowMs();
    int rc = virDomainUndefine(w->dom);
    virDomainPtr d;

    workerResult(w, "undefine", rc == 0, nowMs() - t0);
    t0 = nowMs();
    d = virDomainDefineXML(w->conn, domxml);
    workerResult(w, "define", d != NULL, nowMs() - t0);
    if (d)
        virDomainFree(d);
}

static int
workerRun(int id, int secs)
{
    worker w = { .id = id };
    g_autofree char *out = g_strdup_printf("%s/worker-%d.txt", root, id);
    g_autoptr(GString) report = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64) secs * G_USEC_PER_SEC;
    GHashTableIter iter;
    gpointer key, value;

    domxml = makeDomainXML(false);
    offxml = makeDomainXML(true);
    w.rand = g_rand_new_with_seed(id * 7919 + getpid());
    w.counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    w.unexpected = g_string_new(NULL);
    if (!(w.conn = virConnectOpen(uri)) || !(w.dom = virDomainLookupByName(w.conn, "stress"))) {
        fprintf(stderr, "worker %d: %s\n", id, virGetLastErrorMessage());
        return 1;
    }
    while (g_get_monotonic_time() < deadline) {
        int pick = g_rand_int_range(w.rand, 0, 100);

        if (pick < 20)
            workerCreate(&w);
        else if (pick < 38)
            workerList(&w);
        else if (pick < 55)
            workerDelete(&w);
        else if (pick < 70)
            workerBackupBegin(&w);
        else if (pick < 85)
            workerBackupEnd(&w);
        else if (pick < 88)
            workerJobInfo(&w);
        else if (pick < 93)
            workerRedefine(&w);
        else
            workerOffDomain(&w);
    }
    g_string_append_printf(report, "slowest %.0f %s\n", w.slowest,
                           w.slowestOp ? w.slowestOp : "");
    g_hash_table_iter_init(&iter, w.counts);
    while (g_hash_table_iter_next(&iter, &key, &value))
        g_string_append_printf(report, "count %d %s\n", GPOINTER_TO_INT(value), (char *) key);
    if (w.unexpected->len) {
        g_auto(GStrv) lines = g_strsplit(w.unexpected->str, "\n", -1);
        size_t i;

        for (i = 0; lines[i]; i++) {
            if (*lines[i])
                g_string_append_printf(report, "unexpected %s\n", lines[i]);
        }
    }
    virDomainFree(w.dom);
    virConnectClose(w.conn);
    g_rand_free(w.rand);
    g_free(w.slowestOp);
    g_hash_table_destroy(w.counts);
    g_string_free(w.unexpected, TRUE);
    return g_file_set_contents(out, report->str, -1, NULL) ? 0 : 1;
}

/* ---- the test ------------------------------------------------------------- */

static gint
compareStrPtr(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

static bool
qemuIO(const char *hmp)
{
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0)
        return false;
    free(reply);
    return true;
}

static int
testSetup(void)
{
    g_autofree char *vda = diskPath("vda.qcow2");
    g_autofree char *vdb = diskPath("vdb.qcow2");
    const char *mka[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "32M", NULL };
    const char *mkb[] = { "qemu-img", "create", "-q", "-f", "qcow2", vdb, "32M", NULL };

    g_autofree char *offa = diskPath("off-vda.qcow2");
    g_autofree char *offb = diskPath("off-vdb.qcow2");
    const char *mkoa[] = { "qemu-img", "create", "-q", "-f", "qcow2", offa, "32M", NULL };
    const char *mkob[] = { "qemu-img", "create", "-q", "-f", "qcow2", offb, "32M", NULL };

    domxml = makeDomainXML(false);
    offxml = makeDomainXML(true);
    CHECK(testApiRunCmd(mka, NULL) && testApiRunCmd(mkb, NULL) &&
          testApiRunCmd(mkoa, NULL) && testApiRunCmd(mkob, NULL), "images");
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, domxml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    {
        g_autofree char *pidfile = g_build_filename(root, "run", "stress.pid", NULL);
        g_autofree char *pid = NULL;

        if (g_file_get_contents(pidfile, &pid, NULL, NULL))
            testApiTrackPid(atoi(pid));
    }
    CHECK(qemuIO("qemu-io -d virtio-disk0/virtio-backend \"write -P 0x5a 0 1M\"") &&
          qemuIO("qemu-io -d virtio-disk1/virtio-backend \"write -P 0xa5 4M 2M\""), "writes");
    return 0;
}

/* Run the workers; aggregate their counts into TAP comments. */
static int
testWorkers(void)
{
    g_autofree char *secs = g_strdup_printf("%d", seconds);
    pid_t pids[WORKERS];
    g_autoptr(GHashTable) totals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GString) unexpected = g_string_new(NULL);
    g_autoptr(GPtrArray) keys = NULL;
    double slowest = 0;
    g_autofree char *slowestOp = NULL;
    int i, failed = 0, calls = 0;
    gint64 deadline;

    for (i = 0; i < WORKERS; i++) {
        g_autofree char *id = g_strdup_printf("%d", i);

        if ((pids[i] = fork()) == 0) {
            execl(selfpath, selfpath, "--worker", root, id, secs, (char *) NULL);
            _exit(127);
        }
        CHECK(pids[i] > 0, "fork");
    }
    /* a worker that does not finish long after its time is stuck */
    deadline = g_get_monotonic_time() + (seconds + 180) * G_USEC_PER_SEC;
    for (i = 0; i < WORKERS; i++) {
        int status = -1;

        while (waitpid(pids[i], &status, WNOHANG) == 0) {
            if (g_get_monotonic_time() > deadline) {
                printf("# worker %d is stuck: killing it\n", i);
                kill(pids[i], SIGKILL);
                waitpid(pids[i], &status, 0);
                break;
            }
            g_usleep(100000);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("# worker %d ended with status %d\n", i, status);
            failed++;
        }
    }
    for (i = 0; i < WORKERS; i++) {
        g_autofree char *path = g_strdup_printf("%s/worker-%d.txt", root, i);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;
        size_t l;

        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        lines = g_strsplit(text, "\n", -1);
        for (l = 0; lines[l]; l++) {
            char *rest;

            if (g_str_has_prefix(lines[l], "slowest ")) {
                double ms = g_ascii_strtod(lines[l] + 8, &rest);

                if (ms >= slowest) {
                    slowest = ms;
                    g_free(slowestOp);
                    slowestOp = g_strdup(rest + 1);
                }
            } else if (g_str_has_prefix(lines[l], "count ")) {
                int n = strtol(lines[l] + 6, &rest, 10);
                gpointer old = g_hash_table_lookup(totals, rest + 1);

                g_hash_table_replace(totals, g_strdup(rest + 1),
                                     GINT_TO_POINTER(GPOINTER_TO_INT(old) + n));
                calls += n;
            } else if (g_str_has_prefix(lines[l], "unexpected ")) {
                g_string_append_printf(unexpected, "#   worker %d: %s\n", i, lines[l] + 11);
            }
        }
    }
    keys = g_ptr_array_new();
    {
        GHashTableIter iter;
        gpointer k;

        g_hash_table_iter_init(&iter, totals);
        while (g_hash_table_iter_next(&iter, &k, NULL))
            g_ptr_array_add(keys, k);
    }
    g_ptr_array_sort(keys, compareStrPtr);
    printf("# %d workers, %d s, %d calls, slowest call %.0f ms (%s)\n", WORKERS, seconds,
           calls, slowest, slowestOp ? slowestOp : "");
    for (i = 0; i < (int) keys->len; i++) {
        const char *k = g_ptr_array_index(keys, i);

        printf("#   %6d  %s\n", GPOINTER_TO_INT(g_hash_table_lookup(totals, k)), k);
    }
    if (unexpected->len)
        printf("# unexpected:\n%s", unexpected->str);
    CHECK(failed == 0, "%d workers failed", failed);
    CHECK(unexpected->len == 0, "unexpected errors or slow calls");
    CHECK(calls > WORKERS, "only %d calls", calls);
    return 0;
}

static char *
namesSorted(virDomainPtr d)
{
    virDomainCheckpointPtr *list = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);
    int n = virDomainListAllCheckpoints(d, &list, 0);
    int i;

    for (i = 0; i < n; i++) {
        virDomainCheckpointPtr p = virDomainCheckpointGetParent(list[i], 0);

        g_ptr_array_add(names, g_strdup_printf("%s<%s", virDomainCheckpointGetName(list[i]),
                                               p ? virDomainCheckpointGetName(p) : ""));
        if (p)
            virDomainCheckpointFree(p);
        virDomainCheckpointFree(list[i]);
    }
    free(list);
    virResetLastError();
    g_ptr_array_sort(names, compareStrPtr);
    for (i = 0; i < (int) names->len; i++)
        g_string_append_printf(s, "%s ", (char *) g_ptr_array_index(names, i));
    return g_string_free(s, FALSE);
}

/* The bitmaps QEMU has on a disk's top node, sorted, space-separated. */
static char *
bitmaps(int disk)
{
    char *out = NULL;
    g_autofree char *node = g_strdup_printf("\"node-name\":\"libvirt-%d-format\"", disk);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    GString *s = g_string_new(NULL);
    const char *p, *end;
    guint i;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\","
                                    "\"arguments\":{\"flat\":true}}", &out, 0) < 0)
        return g_string_free(s, FALSE);
    if ((p = strstr(out, node))) {
        end = strstr(p + 1, "\"node-name\":");
        for (; (p = strstr(p, "\"name\":\"")) && (!end || p < end); p += 8)
            g_ptr_array_add(names, g_strndup(p + 8, strchr(p + 8, '"') - p - 8));
    }
    free(out);
    g_ptr_array_sort(names, compareStrPtr);
    for (i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s ", (char *) g_ptr_array_index(names, i));
    return g_string_free(s, FALSE);
}

/* After the storm: everything agrees and nothing is left over. */
static int
testConsistent(void)
{
    g_autofree char *index = g_build_filename(root, "checkpoints", ".stress.index", NULL);
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *bma = NULL;
    g_autofree char *bmb = NULL;
    g_autofree char *nodes = NULL;
    g_autofree char *jobs = NULL;
    g_autofree char *exports = NULL;
    g_autoptr(GString) names = g_string_new(NULL);
    g_autoptr(GDir) locks = NULL;
    const char *ent;
    int state = -1, reason = -1;
    bool offExists;
    virDomainPtr off;

    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_RUNNING,
          "domain running");
    /* a backup a worker left running is ended now */
    if (virDomainBackupEnd(dom, 0) < 0)
        CHECK(virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_BACKUP, "end the last backup");
    virResetLastError();
    CHECK(virDomainIsPersistent(dom) >= 0, "persistent query");
    if (virDomainIsPersistent(dom) == 0)
        CHECK(virDomainDefineXML(conn, domxml) != NULL, "define again");

    /* the index says what the files say */
    before = namesSorted(dom);
    CHECK(unlink(index) == 0 || errno == ENOENT, "remove the index");
    after = namesSorted(dom);
    CHECK(g_str_equal(before, after), "index '%s' vs files '%s'", before, after);
    printf("# checkpoints left: %s\n", after);

    /* every checkpoint has its bitmaps, and no other bitmap exists */
    {
        g_auto(GStrv) pairs = g_strsplit(after, " ", -1);
        size_t i;

        for (i = 0; pairs[i] && *pairs[i]; i++)
            g_string_append_printf(names, "%.*s ", (int) strcspn(pairs[i], "<"), pairs[i]);
    }
    bma = bitmaps(1);
    bmb = bitmaps(2);
    CHECK(g_str_equal(bma, names->str) && g_str_equal(bmb, names->str),
          "checkpoints '%s', bitmaps vda '%s' vdb '%s'", names->str, bma, bmb);

    /* nothing of a backup is left in QEMU */
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-named-block-nodes\"}",
                                      &nodes, 0) == 0 &&
          virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-jobs\"}", &jobs, 0) == 0 &&
          virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-block-exports\"}",
                                      &exports, 0) == 0, "queries");
    CHECK(strstr(jobs, "\"return\":[]") && strstr(exports, "\"return\":[]"),
          "jobs %s exports %s", jobs, exports);
    {
        const char *p;

        for (p = nodes; (p = strstr(p, "\"node-name\":\"")); p++) {
            const char *v = p + 13;

            CHECK(g_str_has_prefix(v, "libvirt-1-") || g_str_has_prefix(v, "libvirt-2-"),
                  "leftover node %.30s", v);
        }
    }
    /* the shut-off domain, if it exists: checkpoints and bitmaps agree */
    if ((off = virDomainLookupByName(conn, "stress-off"))) {
        g_autofree char *offnames = namesSorted(off);
        g_auto(GStrv) pairs = g_strsplit(offnames, " ", -1);
        size_t i;

        offExists = true;
        printf("# checkpoints of the shut-off domain: %s\n", offnames);
        for (i = 0; pairs[i] && *pairs[i]; i++) {
            g_autofree char *name = g_strndup(pairs[i], strcspn(pairs[i], "<"));
            virDomainCheckpointPtr c = virDomainCheckpointLookupByName(off, name, 0);
            g_autofree char *img = diskPath("off-vda.qcow2");
            g_autofree char *info = NULL;
            const char *qi[] = { "qemu-img", "info", "-U", "--output=json", img, NULL };

            CHECK(c, "lookup %s", name);
            virDomainCheckpointFree(c);
            CHECK(testApiRunCmd(qi, &info) && strstr(info, name), "bitmap %s missing", name);
        }
        virDomainFree(off);
    } else {
        offExists = false;
        CHECK(virGetLastErrorCode() == VIR_ERR_NO_DOMAIN, "lookup of the shut-off domain");
        virResetLastError();
    }

    /* lock files: the domain's, and the root's own */
    {
        g_autofree char *lockdir = g_build_filename(root, "lock", NULL);

        CHECK((locks = g_dir_open(lockdir, 0, NULL)), "lock dir");
        while ((ent = g_dir_read_name(locks)))
            CHECK(g_str_equal(ent, "stress.lock") || g_str_equal(ent, ".define.lock") ||
                  g_str_equal(ent, ".ids.lock") ||
                  (g_str_equal(ent, "stress-off.lock") && offExists), "stray lock file %s", ent);
    }
    return 0;
}

/* A full backup still equals the disk, byte for byte. */
static int
testBackupCorrect(void)
{
    g_autofree char *target = diskPath("final-vda.qcow2");
    g_autofree char *vda = diskPath("vda.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "<disk name='vdb' backup='no'/></disks></domainbackup>", target);
    const char *cmp[] = { "qemu-img", "compare", "-q", target, vda, NULL };
    int i, type = -1;
    bool success = false;

    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    for (i = 0; i < 3000; i++) {
        virTypedParameterPtr params = NULL;
        int nparams = 0;

        CHECK(virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0, "stats");
        virTypedParamsFree(params, nparams);
        if (type == VIR_DOMAIN_JOB_NONE)
            break;
        g_usleep(10000);
    }
    {
        virTypedParameterPtr params = NULL;
        int nparams = 0, b = 0;

        CHECK(virDomainGetJobStats(dom, &type, &params, &nparams,
                                   VIR_DOMAIN_JOB_STATS_COMPLETED) == 0, "completed");
        success = virTypedParamsGetBoolean(params, nparams, VIR_DOMAIN_JOB_SUCCESS, &b) == 1 && b;
        virTypedParamsFree(params, nparams);
    }
    CHECK(type == VIR_DOMAIN_JOB_COMPLETED && success, "backup completed");
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK(testApiRunCmd(cmp, NULL), "backup differs from the disk");
    CHECK(virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) == 0,
          "undefine");
    return 0;
}

int
main(int argc, char **argv)
{
    const char *tools[] = { "qemu-system-x86_64", "qemu-img", "qemu-io" };
    size_t i;

    if (argc == 5 && g_str_equal(argv[1], "--worker")) {
        root = argv[2];
        uri = g_strdup_printf("qemu:///embed?root=%s", root);
        diskdir = g_build_filename(root, "disks", NULL);
        return workerRun(atoi(argv[3]), atoi(argv[4]));
    }
    if (argc > 1)
        seconds = MAX(1, atoi(argv[1]));
    for (i = 0; i < G_N_ELEMENTS(tools); i++) {
        g_autofree char *p = g_find_program_in_path(tools[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", tools[i]);
            return 0;
        }
    }
    selfpath = g_canonicalize_filename(argv[0], NULL);
    root = g_dir_make_tmp("fleece-stress-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);

    testApiRun("set up a running domain with data", testSetup);
    if (dom) {
        g_autofree char *title = g_strdup_printf(
            "%d processes for %d s: checkpoints, backups, define/undefine", WORKERS, seconds);

        testApiRun(title, testWorkers);
        testApiRun("metadata, index and bitmaps agree; nothing left over", testConsistent);
        testApiRun("a full backup equals the disk", testBackupCorrect);
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

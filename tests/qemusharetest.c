/*
 * qemusharetest.c: one root shared by several connections and processes,
 * through the public API on real QEMU
 *
 *  - the application's event loop keeps running while another process
 *    holds a domain's lock (the finished-backup watcher never waits in
 *    it);
 *  - callbacks deregistered while events are delivered from the loop
 *    never run after their free function (many threads at once);
 *  - VIR_DOMAIN_EVENT_ID_JOB_COMPLETED reaches read-only connections and
 *    connections of other processes, once per job;
 *  - a read-only connection reads everything while a pull backup runs,
 *    and is refused every change.
 *
 * Uses only <libvirt/libvirt.h> and libfleece.so.  Output is TAP; skipped
 * when QEMU or qemu-img is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
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

static char *
diskPath(const char *name)
{
    return g_build_filename(diskdir, name, NULL);
}

static gpointer
eventLoopThread(gpointer opaque G_GNUC_UNUSED)
{
    while (true)
        virEventRunDefaultImpl();
    return NULL;
}

static pid_t
domainPid(const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/run/%s.pid", root, name);
    g_autofree char *content = NULL;
    pid_t pid;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return -1;
    pid = atoi(content);
    if (pid > 0)
        testApiTrackPid(pid);
    return pid;
}

static char *
domainXML(const char *name, const char *disk)
{
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_MD5, name, -1);

    return g_strdup_printf(
        "<domain type='%s'><name>%s</name>"
        "<uuid>%.8s-%.4s-%.4s-%.4s-%.12s</uuid><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<graphics type='vnc' port='-1' autoport='yes' listen='127.0.0.1' passwd='s3cret'/>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", name,
        sum, sum + 8, sum + 12, sum + 16, sum + 20, disk);
}

static int
testSetup(void)
{
    g_autofree char *disk = diskPath("vda.qcow2");
    g_autofree char *xml = domainXML("share", disk);
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "32M", NULL };

    CHECK(testApiRunCmd(mk, NULL), "image");
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(dom) == 0, "start");
    domainPid("share");
    return 0;
}

/* ---- the loop never waits for a lock -------------------------------------- */

/* Ticks of a 100 ms timer of the application's loop. */
static GMutex tickLock;
static gint64 lastTick;
static gint64 maxGap;
static int ticks;

static void
tickTimer(int timer G_GNUC_UNUSED, void *opaque G_GNUC_UNUSED)
{
    gint64 now = g_get_monotonic_time();

    g_mutex_lock(&tickLock);
    if (lastTick && now - lastTick > maxGap)
        maxGap = now - lastTick;
    lastTick = now;
    ticks++;
    g_mutex_unlock(&tickLock);
}

/* Job-completed events seen by a callback: "DOMAIN:success=N " words. */
typedef struct {
    GMutex lock;
    GString *seen;
    int count;
} jobEvents;

static int
jobCompleted(virConnectPtr c G_GNUC_UNUSED, virDomainPtr d,
             virTypedParameterPtr params, int nparams, void *opaque)
{
    jobEvents *ev = opaque;
    int success = -1, op = -1;

    if (virTypedParamsGetBoolean(params, nparams, VIR_DOMAIN_JOB_SUCCESS, &success) < 0 ||
        virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) < 0)
        success = -2;
    g_mutex_lock(&ev->lock);
    g_string_append_printf(ev->seen, "%s:op=%d:success=%d ", virDomainGetName(d),
                           op == VIR_DOMAIN_JOB_OPERATION_BACKUP ? 9 : op, success);
    ev->count++;
    g_mutex_unlock(&ev->lock);
    return 0;
}

static int
jobEventsCount(jobEvents *ev)
{
    int n;

    g_mutex_lock(&ev->lock);
    n = ev->count;
    g_mutex_unlock(&ev->lock);
    return n;
}

/* Wait (up to 10 s) until @ev has @n events. */
static bool
jobEventsWait(jobEvents *ev, int n)
{
    int i;

    for (i = 0; i < 1000; i++) {
        if (jobEventsCount(ev) >= n)
            return true;
        g_usleep(10000);
    }
    return false;
}

static char *
pullXML(const char *sockname, const char *scratchname)
{
    g_autofree char *sock = g_build_filename(root, sockname, NULL);
    g_autofree char *scratch = diskPath(scratchname);

    return g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk>"
        "</disks></domainbackup>", sock, scratch);
}

/* A child holds the domain's lock file for @seconds; returns its pid
 * once it has it (only async-signal-safe calls after fork). */
static pid_t
holdDomainLock(const char *name, int seconds)
{
    g_autofree char *path = g_strdup_printf("%s/lock/%s.lock", root, name);
    int ready[2];
    pid_t pid;
    char c;

    if (pipe(ready) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        struct timespec ts = { .tv_sec = seconds, .tv_nsec = 0 };
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

        if (fd < 0 || flock(fd, LOCK_EX) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(ready[1]);
    if (pid < 0 || read(ready[0], &c, 1) != 1) {
        close(ready[0]);
        return -1;
    }
    close(ready[0]);
    return pid;
}

/* A second process holds the lock of a domain with a running backup for
 * 10 s: the loop, which has a job-completed callback and so a watcher,
 * still fires a 100 ms timer all along. */
static int
testLoopNeverBlocks(void)
{
    g_autofree char *xml = pullXML("nbd-loop.sock", "scratch-loop.qcow2");
    /* static: a failed check returns with the callback still registered */
    static jobEvents ev;
    int id, timer, status = -1, n0, n1;
    gint64 gap;
    pid_t holder;

    ev.seen = g_string_new(NULL);

    CHECK((id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                                 VIR_DOMAIN_EVENT_CALLBACK(jobCompleted),
                                                 &ev, NULL)) >= 0, "register");
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "pull begin");
    CHECK((timer = virEventAddTimeout(100, tickTimer, NULL, NULL)) >= 0, "timer");
    CHECK((holder = holdDomainLock("share", 10)) > 0, "lock holder");
    g_mutex_lock(&tickLock);
    n0 = ticks;
    lastTick = g_get_monotonic_time();
    maxGap = 0;
    g_mutex_unlock(&tickLock);
    /* meanwhile every change of the domain is refused after a bounded
     * wait; a read still works */
    CHECK(virDomainIsActive(dom) == 1, "a read while the lock is held");
    waitpid(holder, &status, 0);
    g_mutex_lock(&tickLock);
    n1 = ticks;
    gap = MAX(maxGap, g_get_monotonic_time() - lastTick);
    g_mutex_unlock(&tickLock);
    virEventRemoveTimeout(timer);
    printf("# %d ticks in 10 s, longest gap %lld ms\n", n1 - n0, (long long) gap / 1000);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "holder status %d", status);
    /* a timer that should fire 100 times: allow for a loaded machine,
     * but a loop stuck behind the lock gives one long gap */
    CHECK(gap < 3 * G_USEC_PER_SEC, "the loop stalled for %lld ms", (long long) gap / 1000);
    CHECK(n1 - n0 >= 10, "only %d ticks", n1 - n0);
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    CHECK(jobEventsWait(&ev, 1), "job completed event");
    g_usleep(1500000);   /* three watcher rounds: still only one event */
    CHECK(jobEventsCount(&ev) == 1, "events: %s", ev.seen->str);
    CHECK(strstr(ev.seen->str, "share:op=9:success=1 "), "events: %s", ev.seen->str);
    CHECK(virConnectDomainEventDeregisterAny(conn, id) == 0, "deregister");
    g_string_free(ev.seen, TRUE);
    return 0;
}

/* ---- deregister racing delivery ------------------------------------------- */

#define RACE_THREADS 4
#define RACE_ROUNDS 150

typedef struct {
    gint inCallback;
    gint freed;
    gint calls;
} raceSlot;

static raceSlot raceSlots[RACE_THREADS * RACE_ROUNDS];
static gint raceViolations;
static gint raceErrors;
static gint raceFrees;
static gint raceStop;

static int
raceCallback(virConnectPtr c G_GNUC_UNUSED, virDomainPtr d G_GNUC_UNUSED,
             int event G_GNUC_UNUSED, int detail G_GNUC_UNUSED, void *opaque)
{
    raceSlot *slot = opaque;

    g_atomic_int_inc(&slot->inCallback);
    if (g_atomic_int_get(&slot->freed))
        g_atomic_int_inc(&raceViolations);
    g_atomic_int_inc(&slot->calls);
    g_usleep(200);            /* a deregister may come now */
    if (g_atomic_int_get(&slot->freed))
        g_atomic_int_inc(&raceViolations);
    g_atomic_int_dec_and_test(&slot->inCallback);
    return 0;
}

static void
raceFree(void *opaque)
{
    raceSlot *slot = opaque;

    if (g_atomic_int_get(&slot->inCallback))
        g_atomic_int_inc(&raceViolations);
    if (g_atomic_int_add(&slot->freed, 1) != 0)
        g_atomic_int_inc(&raceViolations);
    g_atomic_int_inc(&raceFrees);
}

static gpointer
raceRegisterThread(gpointer opaque)
{
    int t = GPOINTER_TO_INT(opaque);
    GRand *rand = g_rand_new_with_seed(t);
    int r;

    for (r = 0; r < RACE_ROUNDS; r++) {
        raceSlot *slot = &raceSlots[t * RACE_ROUNDS + r];
        int id = virConnectDomainEventRegisterAny(conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                  VIR_DOMAIN_EVENT_CALLBACK(raceCallback),
                                                  slot, raceFree);

        if (id < 0) {
            g_atomic_int_inc(&raceErrors);
            break;
        }
        g_usleep(g_rand_int_range(rand, 0, 3000));
        if (virConnectDomainEventDeregisterAny(conn, id) < 0)
            g_atomic_int_inc(&raceErrors);
    }
    g_rand_free(rand);
    return NULL;
}

/* Events come from redefining a domain over and over. */
static gpointer
raceEventThread(gpointer opaque G_GNUC_UNUSED)
{
    g_autofree char *disk = diskPath("race.qcow2");
    g_autofree char *xml = domainXML("race", disk);
    virDomainPtr d;

    while (!g_atomic_int_get(&raceStop)) {
        if (!(d = virDomainDefineXML(conn, xml))) {
            printf("# define: %s\n", virGetLastErrorMessage());
            g_atomic_int_inc(&raceErrors);
            break;
        }
        virDomainFree(d);
    }
    return NULL;
}

static int
testDeregisterRace(void)
{
    GThread *threads[RACE_THREADS];
    GThread *events;
    virDomainPtr d;
    int t, calls = 0, i;
    size_t s;

    {
        g_autofree char *disk = diskPath("race.qcow2");
        const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", disk, "1M", NULL };

        CHECK(testApiRunCmd(mk, NULL), "image");
    }
    events = g_thread_new("events", raceEventThread, NULL);
    for (t = 0; t < RACE_THREADS; t++)
        threads[t] = g_thread_new("register", raceRegisterThread, GINT_TO_POINTER(t));
    for (t = 0; t < RACE_THREADS; t++)
        g_thread_join(threads[t]);
    g_atomic_int_set(&raceStop, 1);
    g_thread_join(events);
    /* a callback in progress frees its registration when it returns */
    for (i = 0; i < 500 && g_atomic_int_get(&raceFrees) < RACE_THREADS * RACE_ROUNDS; i++)
        g_usleep(10000);
    for (s = 0; s < G_N_ELEMENTS(raceSlots); s++)
        calls += raceSlots[s].calls;
    printf("# %d callback calls, %d frees\n", calls, g_atomic_int_get(&raceFrees));
    CHECK(g_atomic_int_get(&raceErrors) == 0, "%d API calls failed", raceErrors);
    CHECK(g_atomic_int_get(&raceViolations) == 0,
          "%d callbacks ran after (or during) their free function", raceViolations);
    CHECK(g_atomic_int_get(&raceFrees) == RACE_THREADS * RACE_ROUNDS, "frees %d",
          g_atomic_int_get(&raceFrees));
    CHECK(calls > 0, "no event was delivered");
    CHECK((d = virDomainLookupByName(conn, "race")) && virDomainUndefine(d) == 0, "undefine");
    virDomainFree(d);
    return 0;
}

/* ---- job-completed for other connections ---------------------------------- */

/* A read-only connection (and one of this process that did nothing)
 * gets the completion of a push backup another connection finalised,
 * and of a pull backup another process ended. */
static int
testJobCompletedElsewhere(void)
{
    g_autofree char *target = diskPath("push-ro.qcow2");
    g_autofree char *push = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/></disk>"
        "</disks></domainbackup>", target);
    g_autofree char *pull = pullXML("nbd-ro.sock", "scratch-ro.qcow2");
    /* static: a failed check returns with the callback still registered */
    static jobEvents ev;
    virConnectPtr ro;
    int id, i, type = -1;

    ev.seen = g_string_new(NULL);

    CHECK((ro = virConnectOpenReadOnly(uri)), "read-only open");
    CHECK((id = virConnectDomainEventRegisterAny(ro, NULL, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                                 VIR_DOMAIN_EVENT_CALLBACK(jobCompleted),
                                                 &ev, NULL)) >= 0, "register read-only");
    CHECK(virDomainBackupBegin(dom, push, NULL, 0) == 0, "push begin");
    for (i = 0; i < 1000; i++) {
        virTypedParameterPtr params = NULL;
        int nparams = 0;

        CHECK(virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0, "stats");
        virTypedParamsFree(params, nparams);
        if (type == VIR_DOMAIN_JOB_NONE)
            break;
        g_usleep(10000);
    }
    CHECK(type == VIR_DOMAIN_JOB_NONE, "push did not end");
    CHECK(jobEventsWait(&ev, 1), "read-only connection got no event");
    CHECK(strstr(ev.seen->str, "share:op=9:success=1 "), "events: %s", ev.seen->str);

    /* a pull ended by another process (the CLI, say) */
    CHECK(virDomainBackupBegin(dom, pull, NULL, 0) == 0, "pull begin");
    {
        const char *child[] = { selfpath, "--child-backup-end", uri, "share", NULL };

        CHECK(testApiRunCmd(child, NULL), "end from another process");
    }
    CHECK(jobEventsWait(&ev, 2), "no event for the pull: %s", ev.seen->str);
    g_usleep(1500000);
    CHECK(jobEventsCount(&ev) == 2, "events: %s", ev.seen->str);
    CHECK(virConnectDomainEventDeregisterAny(ro, id) == 0, "deregister");
    virConnectClose(ro);
    g_string_free(ev.seen, TRUE);
    unlink(target);
    return 0;
}

/* Another process: end the backup of domain NAME. */
static int
childBackupEnd(const char *curi, const char *name)
{
    virConnectPtr c = virConnectOpen(curi);
    virDomainPtr d = c ? virDomainLookupByName(c, name) : NULL;
    int rc = d && virDomainBackupEnd(d, 0) == 0 ? 0 : 1;

    if (rc)
        printf("backup end: %s\n", virGetLastErrorMessage());
    if (d)
        virDomainFree(d);
    if (c)
        virConnectClose(c);
    return rc;
}

/* ---- read-only connections during a backup -------------------------------- */

static bool
errorIs(int code, const char *part)
{
    const char *msg = virGetLastErrorMessage();

    if (virGetLastErrorCode() == code && (!part || (msg && strstr(msg, part))))
        return true;
    printf("# wanted error %d '%s', got %d '%s'\n", code, part ? part : "",
           virGetLastErrorCode(), msg ? msg : "");
    return false;
}

/* While a pull backup with a new checkpoint runs, a read-only connection
 * reads the job, the backup, the checkpoints and the domain; every change
 * is refused; the completed statistics it reads stay for others. */
static int
testReadOnlyDuringBackup(void)
{
    g_autofree char *xml = pullXML("nbd-rd.sock", "scratch-rd.qcow2");
    g_autofree char *desc = NULL;
    g_autofree char *cpxml = NULL;
    g_autofree char *domxml = NULL;
    virConnectPtr ro = NULL;
    virDomainPtr d = NULL, byuuid = NULL;
    virDomainCheckpointPtr c1 = NULL, c2 = NULL, parent = NULL, *list = NULL;
    virTypedParameterPtr params = NULL;
    virDomainJobInfo info;
    virDomainInfo dinfo;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int nparams = 0, type = -1, op = -1, state = -1, reason = -1, n, i;
    int rc = -1;

    CHECK((c1 = virDomainCheckpointCreateXML(dom, "<domaincheckpoint><name>r1</name>"
                                             "<description>first</description>"
                                             "</domaincheckpoint>", 0)), "checkpoint r1");
    virDomainCheckpointFree(c1);
    c1 = NULL;
    CHECK(virDomainBackupBegin(dom, xml, "<domaincheckpoint><name>r2</name></domaincheckpoint>",
                               0) == 0, "pull begin with checkpoint r2");
    CHECK((ro = virConnectOpenReadOnly(uri)), "read-only open");
    if (!(d = virDomainLookupByName(ro, "share")))
        goto cleanup;

    /* the job */
    if (virDomainGetJobStats(d, &type, &params, &nparams, 0) < 0 ||
        type != VIR_DOMAIN_JOB_UNBOUNDED ||
        virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) != 1 ||
        op != VIR_DOMAIN_JOB_OPERATION_BACKUP) {
        printf("# job stats: type %d operation %d\n", type, op);
        goto cleanup;
    }
    if (virDomainGetJobInfo(d, &info) < 0 || info.type != VIR_DOMAIN_JOB_UNBOUNDED) {
        printf("# job info\n");
        goto cleanup;
    }
    /* the backup */
    if (!(desc = virDomainBackupGetXMLDesc(d, 0)) || !strstr(desc, "mode='pull'") ||
        !strstr(desc, "nbd-rd.sock")) {
        printf("# backup XML: %s\n", desc ? desc : virGetLastErrorMessage());
        goto cleanup;
    }
    /* the checkpoints, the new one included */
    if ((n = virDomainListAllCheckpoints(d, &list, VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)) != 2 ||
        !g_str_equal(virDomainCheckpointGetName(list[0]), "r1") ||
        !g_str_equal(virDomainCheckpointGetName(list[1]), "r2")) {
        printf("# checkpoint list: %d\n", n);
        goto cleanup;
    }
    if (!(c2 = virDomainCheckpointLookupByName(d, "r2", 0)) ||
        !(parent = virDomainCheckpointGetParent(c2, 0)) ||
        !g_str_equal(virDomainCheckpointGetName(parent), "r1")) {
        printf("# parent of r2\n");
        goto cleanup;
    }
    if (!(cpxml = virDomainCheckpointGetXMLDesc(parent, VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN)) ||
        !strstr(cpxml, "<description>first</description>")) {
        printf("# checkpoint XML: %s\n", cpxml ? cpxml : virGetLastErrorMessage());
        goto cleanup;
    }
    g_clear_pointer(&cpxml, free);
    if (!(cpxml = virDomainCheckpointGetXMLDesc(parent, VIR_DOMAIN_CHECKPOINT_XML_SIZE)) ||
        !strstr(cpxml, "size='")) {
        printf("# checkpoint XML with sizes: %s\n", cpxml ? cpxml : virGetLastErrorMessage());
        goto cleanup;
    }
    if (virDomainCheckpointListAllChildren(parent, NULL, 0) != 1) {
        printf("# children of r1\n");
        goto cleanup;
    }
    if (virDomainCheckpointGetXMLDesc(parent, VIR_DOMAIN_CHECKPOINT_XML_SECURE) ||
        !errorIs(VIR_ERR_OPERATION_DENIED, NULL))
        goto cleanup;
    /* the domain */
    if (!(domxml = virDomainGetXMLDesc(d, 0)) || !strstr(domxml, "<graphics") ||
        strstr(domxml, "s3cret")) {
        printf("# domain XML: %s\n", domxml ? domxml : virGetLastErrorMessage());
        goto cleanup;
    }
    if (virDomainGetXMLDesc(d, VIR_DOMAIN_XML_SECURE) ||
        !errorIs(VIR_ERR_OPERATION_DENIED, NULL))
        goto cleanup;
    if (virDomainGetState(d, &state, &reason, 0) < 0 || state != VIR_DOMAIN_RUNNING ||
        virDomainGetInfo(d, &dinfo) < 0 || dinfo.state != VIR_DOMAIN_RUNNING ||
        virDomainIsActive(d) != 1 || virDomainIsPersistent(d) != 1 ||
        virDomainGetUUID(d, uuid) < 0 || !(byuuid = virDomainLookupByUUID(ro, uuid)) ||
        virConnectListAllDomains(ro, NULL, 0) < 1) {
        printf("# domain queries: %s\n", virGetLastErrorMessage());
        goto cleanup;
    }
    /* no change */
    if (virDomainBackupEnd(d, 0) == 0 || !errorIs(VIR_ERR_OPERATION_DENIED, NULL) ||
        virDomainAbortJob(d) == 0 || !errorIs(VIR_ERR_OPERATION_DENIED, NULL) ||
        virDomainBackupBegin(d, xml, NULL, 0) == 0 || !errorIs(VIR_ERR_OPERATION_DENIED, NULL) ||
        virDomainCheckpointCreateXML(d, "<domaincheckpoint/>", 0) ||
        !errorIs(VIR_ERR_OPERATION_DENIED, NULL) ||
        virDomainCheckpointDelete(c2, 0) == 0 || !errorIs(VIR_ERR_OPERATION_DENIED, NULL) ||
        virDomainSuspend(d) == 0 || !errorIs(VIR_ERR_OPERATION_DENIED, NULL))
        goto cleanup;

    /* ended by the read-write connection; the read-only one reads the
     * completed statistics without discarding them */
    if (virDomainBackupEnd(dom, 0) < 0) {
        printf("# end: %s\n", virGetLastErrorMessage());
        goto cleanup;
    }
    virTypedParamsFree(params, nparams);
    params = NULL;
    nparams = 0;
    for (i = 0; i < 2; i++) {
        if (virDomainGetJobStats(d, &type, &params, &nparams,
                                 VIR_DOMAIN_JOB_STATS_COMPLETED) < 0 ||
            type != VIR_DOMAIN_JOB_COMPLETED) {
            printf("# completed stats (read-only, %d): type %d\n", i, type);
            goto cleanup;
        }
        virTypedParamsFree(params, nparams);
        params = NULL;
        nparams = 0;
    }
    if (virDomainGetJobStats(dom, &type, &params, &nparams, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0 ||
        type != VIR_DOMAIN_JOB_COMPLETED) {
        printf("# completed stats (read-write): type %d\n", type);
        goto cleanup;
    }
    rc = 0;

 cleanup:
    if (rc < 0)
        printf("# last error: %s\n", virGetLastErrorMessage());
    virTypedParamsFree(params, nparams);
    for (i = 0; list && list[i]; i++)
        virDomainCheckpointFree(list[i]);
    free(list);
    if (c2)
        virDomainCheckpointFree(c2);
    if (parent)
        virDomainCheckpointFree(parent);
    if (byuuid)
        virDomainFree(byuuid);
    if (d)
        virDomainFree(d);
    if (ro)
        virConnectClose(ro);
    virDomainBackupEnd(dom, 0);
    virResetLastError();
    return rc;
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *img = g_find_program_in_path("qemu-img");

    if (argc == 4 && g_str_equal(argv[1], "--child-backup-end"))
        return childBackupEnd(argv[2], argv[3]);
    selfpath = g_canonicalize_filename(argv[0], NULL);
    if (!qemu || !img) {
        printf("1..0 # SKIP qemu-system-x86_64 or qemu-img not found\n");
        return 0;
    }
    root = g_dir_make_tmp("fleece-share-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    if (virEventRegisterDefaultImpl() < 0)
        return 1;
    g_thread_unref(g_thread_new("loop", eventLoopThread, NULL));

    testApiRun("set up a running domain", testSetup);
    if (dom) {
        testApiRun("the event loop runs while another process holds the domain lock",
                   testLoopNeverBlocks);
        testApiRun("callbacks never run after their free function", testDeregisterRace);
        testApiRun("job completed reaches read-only connections and other processes' ends",
                   testJobCompletedElsewhere);
        testApiRun("a read-only connection reads everything during a pull backup",
                   testReadOnlyDuringBackup);
        virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
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

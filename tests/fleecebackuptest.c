/*
 * fleecebackuptest.c: the fleece-backup client on real QEMU
 *
 * A domain with two qcow2 disks gets guest writes (HMP qemu-io on the
 * device's BlockBackend); the same writes are replayed offline with
 * qemu-io on reference images, and a copy of the references is kept for
 * every point the repository commits.  Every restore is compared with
 * its reference (qemu-img compare) and checked (qemu-img check).
 *
 * Covered: full -> writes -> inc -> writes -> inc, differential, exact
 * bytes read, raw restore, list/verify/--deep, a flipped byte found by
 * verify and refused by restore, prune keeping every remaining point
 * byte-correct, runs/prunes/restores killed (SIGKILL) at random
 * instants, auto after a lost and after an inconsistent checkpoint (QEMU
 * killed), restore into a shut-off domain's disk, progress and --json,
 * and bad input.
 *
 * Usage: fleecebackuptest FLEECE_BACKUP_BINARY.  Output is TAP; skips
 * without QEMU, qemu-img, qemu-io or qemu-nbd.  FBK_TEST_SEED=N repeats
 * the random kill instants of an earlier run.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json-c/json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

#define DOM "fb"
#define MiB (1024 * 1024)

static const char *fbkBin;
static char *root;
static char *disks;
static char *repo;
static char *uri;
static char *tmpdir;            /* TMPDIR of the client: its sockets */
static char *scratchdir;
static virConnectPtr conn;
static virDomainPtr dom;
static GHashTable *expected;    /* "N/disk" -> reference image of that point */
static guint seed;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

/* ---- running the client ------------------------------------------------------ */

typedef struct {
    int status;         /* exit status, -1 if it did not exit */
    char *out;
    char *err;
} fbkRes;

static void
fbkResClear(fbkRes *r)
{
    g_free(r->out);
    g_free(r->err);
    memset(r, 0, sizeof(*r));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(fbkRes, fbkResClear);

static char **
fbkArgv(const char *first, va_list ap)
{
    GPtrArray *a = g_ptr_array_new();
    const char *s;

    g_ptr_array_add(a, g_strdup(fbkBin));
    g_ptr_array_add(a, g_strdup("-c"));
    g_ptr_array_add(a, g_strdup(uri));
    for (s = first; s; s = va_arg(ap, const char *))
        g_ptr_array_add(a, g_strdup(s));
    g_ptr_array_add(a, NULL);
    return (char **) g_ptr_array_free(a, FALSE);
}

static char **
fbkEnv(void)
{
    char **env = g_get_environ();

    env = g_environ_setenv(env, "TMPDIR", tmpdir, TRUE);
    return g_environ_unsetenv(env, "FLEECE_DEFAULT_URI");
}

/* Run fleece-backup -c URI ARGS... (NULL-terminated) to its end. */
static void
fbk(fbkRes *r, const char *first, ...) G_GNUC_NULL_TERMINATED;

static void
fbk(fbkRes *r, const char *first, ...)
{
    g_auto(GStrv) argv = NULL;
    g_auto(GStrv) env = fbkEnv();
    g_autoptr(GError) err = NULL;
    int status = 0;
    va_list ap;

    va_start(ap, first);
    argv = fbkArgv(first, ap);
    va_end(ap);
    fbkResClear(r);
    r->status = -1;
    if (!g_spawn_sync(NULL, argv, env, 0, NULL, NULL, &r->out, &r->err, &status, &err)) {
        printf("# cannot run %s: %s\n", fbkBin, err->message);
        return;
    }
    if (WIFEXITED(status))
        r->status = WEXITSTATUS(status);
}

static void
fbkShow(const fbkRes *r)
{
    g_auto(GStrv) o = g_strsplit(r->out ? r->out : "", "\n", -1);
    g_auto(GStrv) e = g_strsplit(r->err ? r->err : "", "\n", -1);
    size_t i;

    printf("# exit %d\n", r->status);
    for (i = 0; o[i]; i++)
        if (*o[i])
            printf("# out: %s\n", o[i]);
    for (i = 0; e[i]; i++)
        if (*e[i])
            printf("# err: %s\n", e[i]);
}

#define FBK_OK(r, ...) \
    do { \
        fbk(r, __VA_ARGS__, NULL); \
        if ((r)->status != 0) \
            fbkShow(r); \
        CHECK((r)->status == 0, "fleece-backup failed"); \
    } while (0)

/* Exit status 1 (2: usage) and exactly one error line mentioning frag. */
#define FBK_FAILS(r, code, frag, ...) \
    do { \
        fbk(r, __VA_ARGS__, NULL); \
        if ((r)->status != (code) || !(r)->err || !strstr((r)->err, frag) || \
            !g_str_has_prefix((r)->err, "error: ") || \
            strchr((r)->err, '\n') != (r)->err + strlen((r)->err) - 1) \
            fbkShow(r); \
        CHECK((r)->status == (code) && (r)->err && strstr((r)->err, frag) && \
              g_str_has_prefix((r)->err, "error: ") && \
              strchr((r)->err, '\n') == (r)->err + strlen((r)->err) - 1, \
              "expected failure with '%s'", frag); \
    } while (0)

static json_object *
jsonParse(const char *text)
{
    json_object *o = text ? json_tokener_parse(text) : NULL;

    if (!o)
        printf("# not JSON: %s\n", text ? text : "(null)");
    return o;
}

static json_object *
jget(json_object *o, const char *key)
{
    json_object *v = NULL;

    if (o)
        json_object_object_get_ex(o, key, &v);
    return v;
}

/* The disk entry of a run's --json result. */
static json_object *
runDisk(json_object *res, const char *name)
{
    json_object *disks_ = jget(res, "disks");
    size_t i;

    for (i = 0; disks_ && i < json_object_array_length(disks_); i++) {
        json_object *d = json_object_array_get_idx(disks_, i);

        if (g_str_equal(json_object_get_string(jget(d, "name")), name))
            return d;
    }
    return NULL;
}

static const char *
jstr(json_object *o, const char *key)
{
    json_object *v = jget(o, key);

    return v ? json_object_get_string(v) : "";
}

/* ---- the guest and its references --------------------------------------------- */

static bool
sh(const char *const *argv)
{
    return testApiRunCmd(argv, NULL);
}

/* Write into the guest's disk (by its device alias) and replay the
 * write on the reference (cmd is a qemu-io command). */
static bool
guestIO(const char *disk, const char *cmd)
{
    const char *alias = g_str_equal(disk, "vda") ? "virtio-disk0" : "virtio-disk1";
    g_autofree char *hmp = g_strdup_printf("qemu-io -d %s/virtio-backend \"%s\"", alias, cmd);
    g_autofree char *refname = g_strdup_printf("ref-%s.qcow2", disk);
    g_autofree char *ref = path(refname);
    const char *io[] = { "qemu-io", "-f", "qcow2", "-c", cmd, ref, NULL };
    char *reply = NULL;

    if (virDomainQemuMonitorCommand(dom, hmp, &reply, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) < 0) {
        printf("# HMP failed: %s\n", virGetLastErrorMessage());
        return false;
    }
    if (reply && *reply && !strstr(reply, "wrote") && !strstr(reply, "zeroed")) {
        printf("# qemu-io in the guest: %s\n", reply);
        free(reply);
        return false;
    }
    free(reply);
    return sh(io);
}

static bool
guestWrite(const char *disk, int pattern, unsigned long long off, unsigned long long len)
{
    g_autofree char *cmd = g_strdup_printf("write -P 0x%02x %llu %llu", pattern, off, len);

    return guestIO(disk, cmd);
}

static bool
copyFile(const char *from, const char *to)
{
    const char *cp[] = { "cp", "--sparse=always", from, to, NULL };

    return sh(cp);
}

/* The references are now what point n holds (for the given disks). */
static bool
rememberPoint(guint n, const char *const *which)
{
    const char *all[] = { "vda", "vdb", NULL };
    size_t i;

    for (i = 0; (which ? which : all)[i]; i++) {
        const char *d = (which ? which : all)[i];
        g_autofree char *refname = g_strdup_printf("ref-%s.qcow2", d);
        g_autofree char *ref = path(refname);
        g_autofree char *expname = g_strdup_printf("exp-%u-%s.qcow2", n, d);
        g_autofree char *exp = path(expname);

        if (!copyFile(ref, exp))
            return false;
        g_hash_table_insert(expected, g_strdup_printf("%u/%s", n, d), g_steal_pointer(&exp));
    }
    return true;
}

static bool
sameImage(const char *a, const char *b)
{
    const char *cmp[] = { "qemu-img", "compare", "-q", a, b, NULL };

    return sh(cmp);
}

static bool
imageClean(const char *a)
{
    const char *chk[] = { "qemu-img", "check", "-q", a, NULL };

    return sh(chk);
}

/* Restore point n's disk and compare it with the reference kept for it. */
static int
restoreMatches(guint n, const char *disk)
{
    g_autofree char *key = g_strdup_printf("%u/%s", n, disk);
    const char *exp = g_hash_table_lookup(expected, key);
    g_autofree char *outname = g_strdup_printf("restored-%u-%s.qcow2", n, disk);
    g_autofree char *out = path(outname);
    g_autofree char *point = g_strdup_printf("%u", n);
    g_auto(fbkRes) r = { 0 };

    CHECK(exp, "no reference for point %u disk %s", n, disk);
    FBK_OK(&r, "restore", repo, DOM, "--point", point, "--disk", disk, "--to", out, "--force");
    CHECK(imageClean(out), "restored image of point %u %s is not a clean qcow2", n, disk);
    CHECK(sameImage(out, exp), "point %u disk %s differs from its reference", n, disk);
    unlink(out);
    return 0;
}

/* The points of the repository, from list --json. */
static GArray *
repoPoints(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res, *doms;
    GArray *pts = g_array_new(FALSE, FALSE, sizeof(guint));
    size_t i, j;

    fbk(&r, "list", repo, "--json", NULL);
    if (r.status != 0 || !(res = jsonParse(r.out))) {
        fbkShow(&r);
        return pts;
    }
    doms = jget(res, "domains");
    for (i = 0; doms && i < json_object_array_length(doms); i++) {
        json_object *p = jget(json_object_array_get_idx(doms, i), "points");

        for (j = 0; p && j < json_object_array_length(p); j++) {
            guint n = json_object_get_int(jget(json_object_array_get_idx(p, j), "point"));

            g_array_append_val(pts, n);
        }
    }
    json_object_put(res);
    return pts;
}

/* Every point of the repository restores to its reference. */
static int
allPointsMatch(void)
{
    g_autoptr(GArray) pts = repoPoints();
    guint i;

    CHECK(pts->len > 0, "no points");
    for (i = 0; i < pts->len; i++) {
        guint n = g_array_index(pts, guint, i);
        const char *d[] = { "vda", "vdb" };
        size_t k;

        for (k = 0; k < 2; k++) {
            g_autofree char *key = g_strdup_printf("%u/%s", n, d[k]);

            if (g_hash_table_contains(expected, key) && restoreMatches(n, d[k]) < 0)
                return -1;
        }
    }
    return 0;
}

static pid_t
qemuPid(void)
{
    g_autofree char *p = g_strdup_printf("%s/run/%s.pid", root, DOM);
    g_autofree char *content = NULL;
    pid_t pid = 0;

    if (g_file_get_contents(p, &content, NULL, NULL))
        pid = atoi(content);
    if (pid > 0)
        testApiTrackPid(pid);
    return pid;
}

static bool
startDomain(void)
{
    if (virDomainCreate(dom) < 0) {
        printf("# start: %s\n", virGetLastErrorMessage());
        return false;
    }
    qemuPid();
    return true;
}

/* No export, job or temporary node is left in QEMU; no private
 * directory is left by the client. */
static int
nothingLeft(void)
{
    char *exports = NULL, *jobs = NULL;
    g_autoptr(GDir) t = g_dir_open(tmpdir, 0, NULL);
    g_autoptr(GDir) s = g_dir_open(scratchdir, 0, NULL);
    const char *ent;
    int rc = 0;

    if (virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-block-exports\"}",
                                    &exports, 0) < 0 ||
        virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-jobs\"}", &jobs, 0) < 0) {
        printf("# QMP: %s\n", virGetLastErrorMessage());
        rc = -1;
    } else if (!strstr(exports, "\"return\":[]") || !strstr(jobs, "\"return\":[]")) {
        printf("# left in QEMU: %s %s\n", exports, jobs);
        rc = -1;
    }
    free(exports);
    free(jobs);
    while (t && (ent = g_dir_read_name(t))) {
        printf("# left in TMPDIR: %s\n", ent);
        rc = -1;
    }
    while (s && (ent = g_dir_read_name(s))) {
        printf("# left in the scratch directory: %s\n", ent);
        rc = -1;
    }
    return rc;
}

static char *
repoId(void)
{
    g_autofree char *marker = g_build_filename(repo, "fleece-backup.json", NULL);
    g_autofree char *text = NULL;
    json_object *o;
    char *id = NULL;

    if (g_file_get_contents(marker, &text, NULL, NULL) && (o = jsonParse(text))) {
        id = g_strdup(jstr(o, "id"));
        json_object_put(o);
    }
    return id;
}

/* The repository's checkpoints in the domain are exactly the ones its
 * chains need: the latest point's and the latest full one's. */
static int
onlyNeededCheckpoints(void)
{
    g_autofree char *id = repoId();
    g_autofree char *prefix = g_strdup_printf("fbk-%s-", id);
    g_auto(fbkRes) r = { 0 };
    g_autoptr(GHashTable) needed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    virDomainCheckpointPtr *cps = NULL;
    json_object *res, *pts;
    const char *d[] = { "vda", "vdb" };
    int n, i, k, bad = 0;

    FBK_OK(&r, "list", repo, DOM, "--json");
    CHECK((res = jsonParse(r.out)), "list JSON");
    pts = jget(json_object_array_get_idx(jget(res, "domains"), 0), "points");
    for (k = 0; k < 2; k++) {
        bool latestSeen = false, fullSeen = false;

        for (i = json_object_array_length(pts) - 1; i >= 0; i--) {
            json_object *p = json_object_array_get_idx(pts, i);
            json_object *ds = jget(p, "disks");
            size_t j;

            for (j = 0; j < json_object_array_length(ds); j++) {
                json_object *dj = json_object_array_get_idx(ds, j);

                if (!g_str_equal(jstr(dj, "name"), d[k]))
                    continue;
                if (!latestSeen && jget(p, "checkpoint"))
                    g_hash_table_add(needed, g_strdup(jstr(p, "checkpoint")));
                latestSeen = true;
                if (!fullSeen && g_str_equal(jstr(dj, "taken"), "full")) {
                    if (jget(p, "checkpoint"))
                        g_hash_table_add(needed, g_strdup(jstr(p, "checkpoint")));
                    fullSeen = true;
                }
            }
        }
    }
    json_object_put(res);
    CHECK((n = virDomainListAllCheckpoints(dom, &cps, 0)) >= 0, "list checkpoints");
    for (i = 0; i < n; i++) {
        const char *name = virDomainCheckpointGetName(cps[i]);

        if (g_str_has_prefix(name, prefix) && !g_hash_table_contains(needed, name)) {
            printf("# stray checkpoint %s\n", name);
            bad++;
        }
        virDomainCheckpointFree(cps[i]);
    }
    free(cps);
    CHECK(bad == 0, "%d stray checkpoints", bad);
    return 0;
}

/* ---- cases --------------------------------------------------------------------- */

static int
testSetup(void)
{
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *refa = path("ref-vda.qcow2");
    g_autofree char *refb = path("ref-vdb.qcow2");
    g_autofree char *xml = NULL;
    const char *mka[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "64M", NULL };
    /* vdb ends in a partial block: 32 MiB + 4 KiB */
    const char *mkb[] = { "qemu-img", "create", "-q", "-f", "qcow2", vdb, "32772K", NULL };

    CHECK(sh(mka) && sh(mkb) && copyFile(vda, refa) && copyFile(vdb, refb), "images");
    xml = g_strdup_printf(
        "<domain type='%s'><name>" DOM "</name><memory unit='MiB'>128</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", vda, vdb);
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    CHECK(startDomain(), "start");
    CHECK(guestWrite("vda", 0x11, 0, MiB) &&
          guestWrite("vda", 0x12, 10 * MiB, 64 * 1024) &&
          guestWrite("vda", 0x13, 63 * MiB, MiB) &&
          guestWrite("vdb", 0x21, 4 * MiB, 128 * 1024) &&
          guestWrite("vdb", 0x22, 32 * MiB, 4096), "first writes");
    return 0;
}

static int
testFull(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res, *a, *b;

    FBK_OK(&r, "run", DOM, repo, "--level", "full", "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    a = runDisk(res, "vda");
    b = runDisk(res, "vdb");
    CHECK(g_str_equal(jstr(res, "status"), "ok") && json_object_get_int(jget(res, "point")) == 1,
          "%s", r.out);
    CHECK(a && b && g_str_equal(jstr(a, "level"), "full") && g_str_equal(jstr(b, "level"), "full"),
          "levels %s", r.out);
    /* allocated data only: 2 MiB + 64 KiB on vda, 128 KiB + the last
     * (4 KiB) block on vdb */
    CHECK(json_object_get_int64(jget(a, "bytes-read")) == 2 * MiB + 64 * 1024 &&
          json_object_get_int64(jget(b, "bytes-read")) == 128 * 1024 + 4096, "bytes read %s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(1, NULL), "references");
    CHECK(nothingLeft() == 0, "leftovers");
    return 0;
}

/* writes, then an incremental (auto) reading exactly the dirty blocks */
static int
testIncremental(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res, *a, *b;

    CHECK(guestWrite("vda", 0x31, 2 * MiB, 64 * 1024) &&
          guestWrite("vda", 0x32, 30 * MiB + 4096, 100 * 1024) &&
          guestIO("vda", "write -z 0 64k") &&
          guestWrite("vdb", 0x33, 0, 4096), "writes after point 1");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    a = runDisk(res, "vda");
    b = runDisk(res, "vdb");
    CHECK(json_object_get_int(jget(res, "point")) == 2, "%s", r.out);
    CHECK(a && g_str_equal(jstr(a, "level"), "inc") && json_object_get_int(jget(a, "base")) == 1 &&
          strstr(jstr(a, "reason"), "since checkpoint"), "vda %s", r.out);
    /* 64 KiB at 2 MiB, two clusters at 30 MiB; the zeroed cluster is
     * recorded without being read */
    CHECK(json_object_get_int64(jget(a, "bytes-read")) == 3 * 64 * 1024, "vda read %s", r.out);
    CHECK(b && g_str_equal(jstr(b, "level"), "inc") &&
          json_object_get_int64(jget(b, "bytes-read")) == 64 * 1024, "vdb %s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(2, NULL), "references");
    CHECK(nothingLeft() == 0, "leftovers");
    return 0;
}

static int
testIncrementalAgain(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res;

    CHECK(guestWrite("vda", 0x41, 2 * MiB + 8192, 8192) &&
          guestWrite("vda", 0x42, 40 * MiB, 3 * MiB) &&
          guestIO("vdb", "write -z 4M 128k"), "writes after point 2");
    FBK_OK(&r, "run", DOM, repo, "--level", "inc", "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    CHECK(json_object_get_int(jget(res, "point")) == 3 &&
          g_str_equal(jstr(runDisk(res, "vda"), "level"), "inc") &&
          json_object_get_int(jget(runDisk(res, "vda"), "base")) == 2, "%s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(3, NULL), "references");
    return 0;
}

static int
testRestoreEveryPoint(void)
{
    guint n;

    for (n = 1; n <= 3; n++) {
        if (restoreMatches(n, "vda") < 0 || restoreMatches(n, "vdb") < 0)
            return -1;
    }
    return 0;
}

static int
testRestoreRawAndLatest(void)
{
    g_autofree char *raw = path("restored.raw");
    g_autofree char *q = path("latest.qcow2");
    g_autofree char *exp = path("exp-3-vda.qcow2");
    g_auto(fbkRes) r = { 0 };
    json_object *res;
    const char *cmp[] = { "qemu-img", "compare", "-q", "-f", "raw", "-F", "qcow2", raw, exp, NULL };
    struct stat sb;

    FBK_OK(&r, "restore", repo, DOM, "--disk", "vda", "--to", raw, "--format", "raw");
    CHECK(sh(cmp), "raw restore differs");
    CHECK(stat(raw, &sb) == 0 && sb.st_size == 64 * MiB && sb.st_blocks * 512 < 16 * MiB,
          "raw restore is not sparse (%lld blocks)", (long long) sb.st_blocks);
    FBK_OK(&r, "restore", repo, DOM, "--point", "latest", "--disk", "vda", "--to", q, "--json");
    CHECK((res = jsonParse(r.out)) && json_object_get_int(jget(res, "point")) == 3 &&
          g_str_equal(jstr(res, "status"), "ok"), "%s", r.out);
    json_object_put(res);
    CHECK(sameImage(q, exp), "latest differs");
    unlink(raw);
    unlink(q);
    return 0;
}

static int
testListVerify(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res;

    FBK_OK(&r, "list", repo);
    CHECK(strstr(r.out, "Domain " DOM) && strstr(r.out, "vda inc on 2") &&
          strstr(r.out, "vdb full"), "list:\n%s", r.out);
    FBK_OK(&r, "verify", repo);
    CHECK(strstr(r.out, "point 3: ok") && strstr(r.out, "verified"), "%s", r.out);
    FBK_OK(&r, "verify", repo, DOM, "--deep", "--json");
    CHECK((res = jsonParse(r.out)) && json_object_get_boolean(jget(res, "ok")) &&
          json_object_get_int(jget(res, "points")) == 3 &&
          json_object_array_length(jget(res, "problems")) == 0, "%s", r.out);
    json_object_put(res);
    return 0;
}

static int
testDifferential(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res;

    CHECK(guestWrite("vda", 0x51, 50 * MiB, 64 * 1024) &&
          guestWrite("vdb", 0x52, 20 * MiB, 64 * 1024), "writes after point 3");
    FBK_OK(&r, "run", DOM, repo, "--level", "diff", "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    /* everything since the full point 1 */
    CHECK(json_object_get_int(jget(res, "point")) == 4 &&
          g_str_equal(jstr(runDisk(res, "vda"), "level"), "diff") &&
          json_object_get_int(jget(runDisk(res, "vda"), "base")) == 1, "%s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(4, NULL), "references");
    CHECK(restoreMatches(4, "vda") == 0 && restoreMatches(4, "vdb") == 0, "restore");
    /* and an incremental on top of the differential */
    CHECK(guestWrite("vda", 0x53, 51 * MiB, 64 * 1024), "writes after point 4");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)) &&
          json_object_get_int(jget(runDisk(res, "vda"), "base")) == 4, "%s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(5, NULL), "references");
    CHECK(restoreMatches(5, "vda") == 0, "restore");
    CHECK(onlyNeededCheckpoints() == 0, "checkpoints");
    return 0;
}

/* Flip one byte of a stored block: verify names it, restore refuses. */
static int
testFlippedByte(void)
{
    g_autofree char *data = g_build_filename(repo, DOM, "vda", "00000001.data", NULL);
    g_autofree char *out = path("never.qcow2");
    g_auto(fbkRes) r = { 0 };
    json_object *res;
    unsigned char c;
    int fd;

    CHECK((fd = open(data, O_RDWR)) >= 0, "open %s", data);
    CHECK(pread(fd, &c, 1, 12345) == 1, "read");
    c ^= 0x40;
    CHECK(pwrite(fd, &c, 1, 12345) == 1, "write");
    fbk(&r, "verify", repo, "--json", NULL);
    CHECK(r.status == 1 && (res = jsonParse(r.out)), "verify passed a damaged repository");
    CHECK(!json_object_get_boolean(jget(res, "ok")) &&
          json_object_array_length(jget(res, "problems")) == 1 &&
          json_object_get_int(jget(json_object_array_get_idx(jget(res, "problems"), 0), "point")) == 1,
          "%s", r.out);
    json_object_put(res);
    CHECK(strstr(r.err, "point 1 disk 'vda'") && strstr(r.err, "does not match its digest") &&
          strstr(r.err, "error: verification found 1 problem"), "%s", r.err);
    /* restore refuses it and leaves nothing */
    FBK_FAILS(&r, 1, "is damaged", "restore", repo, DOM, "--point", "1", "--disk", "vda",
              "--to", out);
    CHECK(!g_file_test(out, G_FILE_TEST_EXISTS), "partial restore left behind");
    c ^= 0x40;
    CHECK(pwrite(fd, &c, 1, 12345) == 1, "write back");
    close(fd);
    FBK_OK(&r, "verify", repo, "--deep");
    return 0;
}

static int
testPrune(void)
{
    g_auto(fbkRes) r = { 0 };
    g_autoptr(GArray) pts = NULL;
    g_autofree char *old = g_build_filename(repo, DOM, "vda", "00000002.data", NULL);
    json_object *res;

    FBK_OK(&r, "prune", repo, "--keep", "3", "--dry-run", "--json");
    CHECK((res = jsonParse(r.out)), "JSON");
    pts = repoPoints();
    CHECK(pts->len == 5, "dry run changed the repository");
    json_object_put(res);
    g_clear_pointer(&pts, g_array_unref);

    /* keep 3, 4 and 5: 3 builds on 2 and 1, 4 on 1 */
    FBK_OK(&r, "prune", repo, DOM, "--keep", "3", "--json");
    CHECK((res = jsonParse(r.out)), "JSON");
    json_object_put(res);
    pts = repoPoints();
    CHECK(pts->len == 3 && g_array_index(pts, guint, 0) == 3, "points left: %u", pts->len);
    CHECK(!g_file_test(old, G_FILE_TEST_EXISTS), "data of a dropped point left");
    CHECK(allPointsMatch() == 0, "a remaining point differs after prune");
    FBK_OK(&r, "verify", repo, "--deep");
    FBK_OK(&r, "list", repo, DOM);
    CHECK(strstr(r.out, " 3 ") && strstr(r.out, "vda full"), "merged point 3:\n%s", r.out);
    CHECK(onlyNeededCheckpoints() == 0, "checkpoints after prune");
    /* the chain goes on */
    CHECK(guestWrite("vda", 0x61, 5 * MiB, MiB), "writes");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)) &&
          g_str_equal(jstr(runDisk(res, "vda"), "level"), "inc"), "%s", r.out);
    json_object_put(res);
    CHECK(rememberPoint(6, NULL), "references");
    CHECK(restoreMatches(6, "vda") == 0, "restore after prune");
    return 0;
}

/* A process killed inside virDomainBackupBegin or End must not leave the
 * driver with a backup job nothing clears (a job without a backup: a new
 * backup refused for good, abort finding no job, end no backup). */
static int
checkDriverUsable(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;
    char *desc;

    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0, "job stats");
    virTypedParamsFree(params, nparams);
    if (type == VIR_DOMAIN_JOB_NONE)
        return 0;
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc, "the driver kept a backup job without a backup");
    free(desc);         /* a backup the next run ends */
    return 0;
}

/* Kill runs, prunes and restores at random instants: the repository
 * stays valid and every committed point restores correctly. */
static int
testKilled(void)
{
    g_autofree char *out = path("killed-restore.qcow2");
    g_autofree char *journal = g_build_filename(repo, DOM, "journal.json", NULL);
    const int iterations = 14;
    int i, killedMid = 0;
    gint64 runTime = 600000;

    for (i = 0; i < iterations; i++) {
        g_auto(GStrv) argv = NULL;
        g_auto(GStrv) env = fbkEnv();
        g_autoptr(GError) err = NULL;
        g_autoptr(GArray) after = NULL;
        g_auto(fbkRes) r = { 0 };
        const char *kind;
        GPid pid;
        gint64 delay, t0;
        int status = 0;
        guint k;

        if (i % 7 == 5) {
            kind = "prune";
            argv = g_new0(char *, 8);
            argv[0] = g_strdup(fbkBin);
            argv[1] = g_strdup("-c");
            argv[2] = g_strdup(uri);
            argv[3] = g_strdup("prune");
            argv[4] = g_strdup(repo);
            argv[5] = g_strdup("--keep");
            argv[6] = g_strdup("2");
        } else if (i % 7 == 6) {
            kind = "restore";
            argv = g_new0(char *, 12);
            argv[0] = g_strdup(fbkBin);
            argv[1] = g_strdup("-c");
            argv[2] = g_strdup(uri);
            argv[3] = g_strdup("restore");
            argv[4] = g_strdup(repo);
            argv[5] = g_strdup(DOM);
            argv[6] = g_strdup("--disk");
            argv[7] = g_strdup("vda");
            argv[8] = g_strdup("--to");
            argv[9] = g_strdup(out);
            argv[10] = g_strdup("--force");
        } else {
            kind = "run";
            CHECK(guestWrite("vda", 0x70 + i, (g_random_int_range(0, 56)) * MiB,
                             g_random_int_range(1, 8) * MiB) &&
                  (i % 2 || guestWrite("vdb", 0x90 + i, g_random_int_range(0, 30) * MiB, MiB)),
                  "writes");
            argv = g_new0(char *, 12);
            argv[0] = g_strdup(fbkBin);
            argv[1] = g_strdup("-c");
            argv[2] = g_strdup(uri);
            argv[3] = g_strdup("run");
            argv[4] = g_strdup(DOM);
            argv[5] = g_strdup(repo);
            argv[6] = g_strdup("--scratch-dir");
            argv[7] = g_strdup(scratchdir);
            argv[8] = g_strdup("--rate-limit");
            argv[9] = g_strdup("32M");
            argv[10] = g_strdup(i % 3 == 0 ? "--level=full" : "--level=auto");
        }
        delay = g_random_int_range(0, (int) (runTime * 1.2));
        t0 = g_get_monotonic_time();
        CHECK(g_spawn_async(NULL, argv, env,
                            G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                            G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &err),
              "spawn: %s", err ? err->message : "");
        g_usleep(delay);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        g_spawn_close_pid(pid);
        if (WIFSIGNALED(status)) {
            killedMid++;
        } else if (g_str_equal(kind, "run") && i < 3) {
            runTime = MAX(runTime, g_get_monotonic_time() - t0);
        }
        printf("# %s killed after %.0f ms: %s%s\n", kind, delay / 1000.0,
               WIFSIGNALED(status) ? "killed" : "had finished",
               g_file_test(journal, G_FILE_TEST_EXISTS) ? ", journal left" : "");

        /* the repository is valid as it is */
        fbk(&r, "verify", repo, NULL);
        if (r.status != 0)
            fbkShow(&r);
        CHECK(r.status == 0, "verify after a %s killed after %lld us", kind, (long long) delay);

        after = repoPoints();
        for (k = 0; k < after->len; k++) {
            guint n = g_array_index(after, guint, k);
            g_autofree char *key = g_strdup_printf("%u/vda", n);

            if (!g_hash_table_contains(expected, key)) {
                CHECK(g_str_equal(kind, "run"), "a new point after a killed %s", kind);
                CHECK(rememberPoint(n, NULL), "references");
            }
        }
        CHECK(checkDriverUsable() == 0, "driver state after a %s killed after %lld us",
              kind, (long long) delay);
    }
    printf("# %d of %d commands killed before they ended\n", killedMid, iterations);

    /* the next run finishes what was left, and nothing stays behind */
    {
        g_auto(fbkRes) r = { 0 };
        g_autoptr(GArray) pts = NULL;

        FBK_OK(&r, "run", DOM, repo, "--scratch-dir", scratchdir);
        pts = repoPoints();
        CHECK(rememberPoint(g_array_index(pts, guint, pts->len - 1), NULL), "references");
    }
    CHECK(!g_file_test(journal, G_FILE_TEST_EXISTS), "journal left after a good run");
    CHECK(nothingLeft() == 0, "leftovers after the killed commands");
    CHECK(onlyNeededCheckpoints() == 0, "checkpoints after the killed commands");
    CHECK(allPointsMatch() == 0, "a point differs after the killed commands");
    {
        g_auto(fbkRes) r = { 0 };

        FBK_OK(&r, "verify", repo, "--deep");
        CHECK(!strstr(r.out, "no point uses"), "orphans left: %s", r.out);
    }
    unlink(out);
    return 0;
}

/* SIGINT in the middle of the read: the run rolls back (backup ended,
 * its checkpoint and files gone) and the chain goes on. */
static int
testInterrupted(void)
{
    g_autoptr(GArray) pts = repoPoints();
    guint next = g_array_index(pts, guint, pts->len - 1) + 1;
    g_autofree char *name = g_strdup_printf("%08u.data", next);
    g_autofree char *data = g_build_filename(repo, DOM, "vda", name, NULL);
    g_autofree char *journal = g_build_filename(repo, DOM, "journal.json", NULL);
    g_auto(GStrv) env = fbkEnv();
    g_autoptr(GError) err = NULL;
    g_autofree char *errText = NULL;
    g_auto(fbkRes) r = { 0 };
    g_autoptr(GArray) after = NULL;
    char *argv[] = { (char *) fbkBin, "-c", uri, "run", DOM, repo, "--rate-limit", "4M",
                     "--scratch-dir", scratchdir, NULL };
    int errfd = -1, status = 0, i;
    GPid pid;

    CHECK(guestWrite("vda", 0xe1, 16 * MiB, 16 * MiB), "writes");
    CHECK(g_spawn_async_with_pipes(NULL, argv, env, G_SPAWN_DO_NOT_REAP_CHILD |
                                   G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, &pid,
                                   NULL, NULL, &errfd, &err), "spawn");
    for (i = 0; i < 3000 && !g_file_test(data, G_FILE_TEST_EXISTS); i++)
        g_usleep(2000);
    g_usleep(200000);
    kill(pid, SIGINT);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    {
        char buf[4096];
        ssize_t n = read(errfd, buf, sizeof(buf) - 1);

        buf[MAX(n, 0)] = '\0';
        errText = g_strdup(buf);
        close(errfd);
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 1 && strstr(errText, "error: interrupted"),
          "status %d: %s", status, errText);
    CHECK(!g_file_test(journal, G_FILE_TEST_EXISTS) && !g_file_test(data, G_FILE_TEST_EXISTS),
          "journal or data file left");
    after = repoPoints();
    CHECK(after->len == pts->len, "a point was committed");
    CHECK(nothingLeft() == 0, "leftovers");
    CHECK(onlyNeededCheckpoints() == 0, "the interrupted run's checkpoint is left");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    {
        json_object *res = jsonParse(r.out);

        CHECK(res && g_str_equal(jstr(runDisk(res, "vda"), "level"), "inc"), "%s", r.out);
        CHECK(rememberPoint(json_object_get_int(jget(res, "point")), NULL), "references");
        CHECK(restoreMatches(json_object_get_int(jget(res, "point")), "vda") == 0, "restore");
        json_object_put(res);
    }
    return 0;
}

/* The repository's file system fills up during the read. */
static int
testNoSpace(void)
{
    g_autofree char *mnt = g_build_filename(root, "small", NULL);
    g_autofree char *small = g_build_filename(mnt, "repo", NULL);
    g_autofree char *marker = g_build_filename(small, "fleece-backup.json", NULL);
    g_autofree char *jtext = NULL;
    g_autofree char *prefix = NULL;
    const char *mount[] = { "mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt, NULL };
    const char *umount[] = { "umount", mnt, NULL };
    g_auto(fbkRes) r = { 0 };
    virDomainCheckpointPtr *cps = NULL;
    json_object *o;
    int n, i, stray = 0, ret = -1;

    g_mkdir(mnt, 0700);
    if (geteuid() != 0 || !sh(mount)) {
        printf("# SKIP cannot mount a small tmpfs here\n");
        return 0;
    }
    fbk(&r, "run", DOM, small, "--scratch-dir", scratchdir, NULL);
    if (r.status != 1 || !strstr(r.err, "No space left on device")) {
        fbkShow(&r);
        goto cleanup;
    }
    if (!g_file_get_contents(marker, &jtext, NULL, NULL) || !(o = jsonParse(jtext)))
        goto cleanup;
    prefix = g_strdup_printf("fbk-%s-", jstr(o, "id"));
    json_object_put(o);
    if ((n = virDomainListAllCheckpoints(dom, &cps, 0)) < 0)
        goto cleanup;
    for (i = 0; i < n; i++) {
        stray += g_str_has_prefix(virDomainCheckpointGetName(cps[i]), prefix);
        virDomainCheckpointFree(cps[i]);
    }
    free(cps);
    if (stray || nothingLeft() < 0) {
        printf("# %d stray checkpoints\n", stray);
        goto cleanup;
    }
    {
        g_autofree char *vda = g_build_filename(small, DOM, "vda", NULL);
        g_autoptr(GDir) d = g_dir_open(vda, 0, NULL);
        g_autofree char *jr = g_build_filename(small, DOM, "journal.json", NULL);

        if ((d && g_dir_read_name(d)) || g_file_test(jr, G_FILE_TEST_EXISTS)) {
            printf("# files left in the full repository\n");
            goto cleanup;
        }
    }
    ret = 0;
 cleanup:
    sh(umount);
    return ret;
}

/* The checkpoint the next incremental needs was deleted. */
static int
testCheckpointGone(void)
{
    g_autofree char *name = NULL;
    g_auto(fbkRes) r = { 0 };
    virDomainCheckpointPtr cp;
    json_object *res, *pts;

    FBK_OK(&r, "list", repo, DOM, "--json");
    CHECK((res = jsonParse(r.out)), "JSON");
    pts = jget(json_object_array_get_idx(jget(res, "domains"), 0), "points");
    name = g_strdup(jstr(json_object_array_get_idx(pts, json_object_array_length(pts) - 1),
                         "checkpoint"));
    json_object_put(res);

    CHECK((cp = virDomainCheckpointLookupByName(dom, name, 0)), "checkpoint %s", name);
    CHECK(virDomainCheckpointDelete(cp, 0) == 0, "delete");
    virDomainCheckpointFree(cp);
    CHECK(guestWrite("vda", 0xa1, 0, 64 * 1024), "writes");
    FBK_FAILS(&r, 1, "no longer exists (use --level full or auto)",
              "run", DOM, repo, "--level", "inc");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    CHECK(g_str_equal(jstr(runDisk(res, "vda"), "level"), "full") &&
          strstr(jstr(runDisk(res, "vda"), "reason"), "no longer exists"), "%s", r.out);
    CHECK(rememberPoint(json_object_get_int(jget(res, "point")), NULL), "references");
    json_object_put(res);
    return 0;
}

/* QEMU killed: its bitmaps come back inconsistent; auto takes a full of
 * each disk whose checkpoint broke, an incremental of the others. */
static int
testQemuKilled(void)
{
    g_auto(fbkRes) r = { 0 };
    json_object *res;
    pid_t pid;
    int i;

    /* stored by a clean stop, loaded (in use) by the start */
    CHECK(virDomainDestroy(dom) == 0 && startDomain(), "restart");
    CHECK((pid = qemuPid()) > 0 && kill(pid, SIGKILL) == 0, "kill QEMU");
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(startDomain(), "start after the crash");
    CHECK(guestWrite("vda", 0xb1, 7 * MiB, 64 * 1024) &&
          guestWrite("vdb", 0xb2, 9 * MiB, 64 * 1024), "writes");

    /* vdb first, alone: its full says why */
    FBK_OK(&r, "run", DOM, repo, "--disk", "vdb", "--json", "--progress", "lines",
           "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    CHECK(!runDisk(res, "vda") && g_str_equal(jstr(runDisk(res, "vdb"), "level"), "full") &&
          strstr(jstr(runDisk(res, "vdb"), "reason"), "is unusable on disk 'vdb'"), "%s", r.out);
    {
        const char *only[] = { "vdb", NULL };

        CHECK(rememberPoint(json_object_get_int(jget(res, "point")), only), "references");
    }
    json_object_put(res);

    /* then both: vda's chain is broken, vdb's new one is fine */
    CHECK(guestWrite("vdb", 0xb3, 11 * MiB, 64 * 1024), "writes");
    FBK_OK(&r, "run", DOM, repo, "--scratch-dir", scratchdir);
    CHECK(strstr(r.out, "vda: full (checkpoint 'fbk-") &&
          strstr(r.out, "is unusable on disk 'vda' (its bitmap is missing or inconsistent)") &&
          strstr(r.out, "vdb: inc since point"), "%s", r.out);
    {
        g_autoptr(GArray) pts = repoPoints();

        CHECK(rememberPoint(g_array_index(pts, guint, pts->len - 1), NULL), "references");
    }
    CHECK(allPointsMatch() == 0, "points after the crash");
    CHECK(onlyNeededCheckpoints() == 0, "checkpoints");
    return 0;
}

/* Restore into the disk of the shut-off domain, start it, and the next
 * incremental holds the restored data. */
static int
testRestoreToDisk(void)
{
    g_autoptr(GArray) pts = repoPoints();
    guint target = 0;
    g_autofree char *ptext = NULL;
    g_autofree char *key = NULL;
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *ref = path("ref-vda.qcow2");
    g_auto(fbkRes) r = { 0 };
    json_object *res;

    gint k;

    /* an older point of vda */
    for (k = (gint) pts->len - 2; k >= 0 && !target; k--) {
        g_autofree char *kk = g_strdup_printf("%u/vda", g_array_index(pts, guint, k));

        if (g_hash_table_contains(expected, kk))
            target = g_array_index(pts, guint, k);
    }
    CHECK(target, "no older point of vda");
    ptext = g_strdup_printf("%u", target);
    key = g_strdup_printf("%u/vda", target);
    FBK_FAILS(&r, 1, "is running", "restore", repo, DOM, "--point", ptext, "--to-disk", "vda");
    CHECK(virDomainDestroy(dom) == 0, "stop");
    FBK_OK(&r, "restore", repo, DOM, "--point", ptext, "--to-disk", "vda");
    CHECK(sameImage(vda, g_hash_table_lookup(expected, key)), "disk differs after restore");
    CHECK(copyFile(g_hash_table_lookup(expected, key), ref), "reference");
    CHECK(startDomain(), "start");
    CHECK(guestWrite("vda", 0xc1, 3 * MiB, 64 * 1024), "writes");
    /* the checkpoint survived (the restore's writes were recorded) */
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)) && g_str_equal(jstr(runDisk(res, "vda"), "level"), "inc"),
          "%s", r.out);
    CHECK(rememberPoint(json_object_get_int(jget(res, "point")), NULL), "references");
    CHECK(restoreMatches(json_object_get_int(jget(res, "point")), "vda") == 0,
          "incremental after a restore");
    json_object_put(res);
    return 0;
}

/* A disk grown while the domain was off: its checkpoint is still good,
 * but the chain cannot continue across sizes: auto takes a full of it. */
static int
testResized(void)
{
    g_autofree char *vdb = path("vdb.qcow2");
    g_autofree char *ref = path("ref-vdb.qcow2");
    const char *grow[] = { "qemu-img", "resize", "-q", vdb, "40M", NULL };
    const char *growRef[] = { "qemu-img", "resize", "-q", ref, "40M", NULL };
    g_auto(fbkRes) r = { 0 };
    json_object *res;

    CHECK(virDomainDestroy(dom) == 0 && sh(grow) && sh(growRef) && startDomain(), "resize");
    CHECK(guestWrite("vdb", 0xf1, 39 * MiB, 64 * 1024) &&
          guestWrite("vda", 0xf2, 1 * MiB, 64 * 1024), "writes");
    FBK_FAILS(&r, 1, "disk 'vdb' changed size since point", "run", DOM, repo, "--level", "inc",
              "--scratch-dir", scratchdir);
    CHECK(onlyNeededCheckpoints() == 0 && nothingLeft() == 0, "after the refused incremental");
    FBK_OK(&r, "run", DOM, repo, "--json", "--scratch-dir", scratchdir);
    CHECK((res = jsonParse(r.out)), "JSON");
    CHECK(g_str_equal(jstr(runDisk(res, "vda"), "level"), "inc") &&
          g_str_equal(jstr(runDisk(res, "vdb"), "level"), "full") &&
          strstr(jstr(runDisk(res, "vdb"), "reason"), "changed size"), "%s", r.out);
    CHECK(rememberPoint(json_object_get_int(jget(res, "point")), NULL), "references");
    CHECK(restoreMatches(json_object_get_int(jget(res, "point")), "vdb") == 0 &&
          restoreMatches(json_object_get_int(jget(res, "point")), "vda") == 0, "restore");
    json_object_put(res);
    return 0;
}

static int
testProgress(void)
{
    g_auto(fbkRes) r = { 0 };

    CHECK(guestWrite("vda", 0xd1, 20 * MiB, 8 * MiB), "writes");
    FBK_OK(&r, "run", DOM, repo, "--progress", "bar", "--rate-limit", "8M",
           "--scratch-dir", scratchdir);
    CHECK(strstr(r.err, "vda (inc)") && strstr(r.err, "ETA") && strstr(r.err, "/s"),
          "no bar: %s", r.err);
    CHECK(strstr(r.out, "vda: inc since point") && strstr(r.out, "vdb: inc since point") &&
          strstr(r.out, "committed"), "%s", r.out);
    {
        g_autoptr(GArray) pts = repoPoints();

        CHECK(rememberPoint(g_array_index(pts, guint, pts->len - 1), NULL), "references");
    }
    FBK_OK(&r, "run", DOM, repo, "-q", "--scratch-dir", scratchdir);
    CHECK(!*r.out && !*r.err, "quiet printed: %s%s", r.out, r.err);
    {
        g_autoptr(GArray) pts = repoPoints();

        CHECK(rememberPoint(g_array_index(pts, guint, pts->len - 1), NULL), "references");
    }
    return 0;
}

static int
testBadInput(void)
{
    g_autofree char *empty = g_build_filename(root, "empty-repo", NULL);
    g_autofree char *notrepo = g_build_filename(root, "not-a-repo", NULL);
    g_autofree char *junk = g_build_filename(notrepo, "file", NULL);
    g_autofree char *existing = path("exists.qcow2");
    g_autofree char *lockpath = g_build_filename(repo, DOM, "lock", NULL);
    g_auto(fbkRes) r = { 0 };
    int fd;

    FBK_FAILS(&r, 2, "unknown command 'backup'", "backup", DOM, repo);
    FBK_FAILS(&r, 2, "unknown option '--levle'", "run", DOM, repo, "--levle", "full");
    FBK_FAILS(&r, 2, "--level takes full, inc, diff or auto", "run", DOM, repo, "--level", "x");
    FBK_FAILS(&r, 2, "usage: fleece-backup run", "run", DOM);
    FBK_FAILS(&r, 2, "does not apply to command 'list'", "list", repo, "--deep");
    FBK_FAILS(&r, 2, "invalid value '0' for --keep", "prune", repo, "--keep", "0");
    FBK_FAILS(&r, 2, "prune needs --keep", "prune", repo);
    FBK_FAILS(&r, 2, "exactly one of --to FILE and --to-disk", "restore", repo, DOM);
    FBK_FAILS(&r, 2, "several disks (vda, vdb): choose one with --disk",
              "restore", repo, DOM, "--to", existing);
    FBK_FAILS(&r, 1, "cannot find domain 'nosuch'", "run", "nosuch", repo);
    FBK_FAILS(&r, 1, "has no disk 'vdz'", "run", DOM, repo, "--disk", "vdz");
    FBK_FAILS(&r, 1, "repository has no backup of disk 'vda' (use --level full or auto)",
              "run", DOM, empty, "--level", "inc");
    FBK_FAILS(&r, 1, "does not exist", "list", "/nonexistent/repository");
    CHECK(g_mkdir(notrepo, 0700) == 0 && g_file_set_contents(junk, "x", 1, NULL), "dir");
    FBK_FAILS(&r, 1, "is not a fleece-backup repository", "run", DOM, notrepo);
    FBK_FAILS(&r, 1, "is not a fleece-backup repository", "verify", notrepo);
    FBK_FAILS(&r, 1, "has no backups of domain 'other'", "restore", repo, "other",
              "--to", existing);
    FBK_FAILS(&r, 1, "has no point 999", "restore", repo, DOM, "--point", "999",
              "--disk", "vda", "--to", existing);
    FBK_FAILS(&r, 1, "invalid point 'first'", "restore", repo, DOM, "--point", "first",
              "--disk", "vda", "--to", existing);
    FBK_FAILS(&r, 1, "has no disk 'vdc'", "restore", repo, DOM, "--disk", "vdc", "--to", existing);
    CHECK(g_file_set_contents(existing, "keep me", -1, NULL), "file");
    FBK_FAILS(&r, 1, "exists (use --force", "restore", repo, DOM, "--disk", "vda", "--to", existing);
    {
        g_autofree char *content = NULL;

        CHECK(g_file_get_contents(existing, &content, NULL, NULL) &&
              g_str_equal(content, "keep me"), "existing file touched");
    }
    /* another command holds the domain */
    CHECK((fd = open(lockpath, O_RDWR)) >= 0 && flock(fd, LOCK_EX) == 0, "lock");
    FBK_FAILS(&r, 1, "another fleece-backup command is using domain 'fb'", "run", DOM, repo);
    FBK_FAILS(&r, 1, "another fleece-backup command", "verify", repo, DOM);
    close(fd);
    /* no guest agent to quiesce with: refused, nothing left */
    FBK_FAILS(&r, 1, "no guest agent channel", "run", DOM, repo, "--quiesce");
    CHECK(onlyNeededCheckpoints() == 0 && nothingLeft() == 0, "after a refused quiesce");
    /* a shut-off domain cannot be pulled */
    CHECK(virDomainDestroy(dom) == 0, "stop");
    FBK_FAILS(&r, 1, "is not running", "run", DOM, repo);
    CHECK(startDomain(), "start");
    /* --json reports errors too */
    fbk(&r, "run", "nosuch", repo, "--json", NULL);
    {
        json_object *res = jsonParse(r.out);

        CHECK(r.status == 1 && res && g_str_equal(jstr(res, "status"), "error") &&
              strstr(jstr(res, "error"), "nosuch"), "%s", r.out);
        json_object_put(res);
    }
    unlink(existing);
    return 0;
}

static void
cleanupDomain(void)
{
    if (dom) {
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        virDomainFree(dom);
        dom = NULL;
    }
}

int
main(int argc, char **argv)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "qemu-io", "qemu-nbd" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    const char *s = g_getenv("FBK_TEST_SEED");
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FLEECE_BACKUP_BINARY\n", argv[0]);
        return 1;
    }
    fbkBin = argv[1];
    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    seed = s ? (guint) atoi(s) : (guint) g_random_int();
    g_random_set_seed(seed);
    printf("# FBK_TEST_SEED=%u\n", seed);

    root = g_dir_make_tmp("fleece-fbk-XXXXXX", NULL);
    disks = g_build_filename(root, "disks", NULL);
    repo = g_build_filename(root, "repo", NULL);
    tmpdir = g_build_filename(root, "tmp", NULL);
    scratchdir = g_build_filename(root, "scratch", NULL);
    g_mkdir(disks, 0700);
    g_mkdir(tmpdir, 0700);
    g_mkdir(scratchdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    expected = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    testApiRun("a running domain with two disks and written data", testSetup);
    if (dom) {
        testApiRun("full backup reads the allocated data only", testFull);
        testApiRun("incremental reads exactly the dirty blocks", testIncremental);
        testApiRun("second incremental", testIncrementalAgain);
        testApiRun("every point restores to its reference", testRestoreEveryPoint);
        testApiRun("raw restore, latest point, --json", testRestoreRawAndLatest);
        testApiRun("list, verify, verify --deep", testListVerify);
        testApiRun("differential since the full point, incremental on it", testDifferential);
        testApiRun("verify finds a flipped byte, restore refuses it", testFlippedByte);
        testApiRun("prune merges what it drops; every point stays correct", testPrune);
        testApiRun("commands killed at random instants", testKilled);
        testApiRun("a run interrupted with SIGINT rolls back", testInterrupted);
        testApiRun("a run that fills the repository's file system rolls back", testNoSpace);
        testApiRun("auto after the checkpoint was deleted", testCheckpointGone);
        testApiRun("auto after QEMU was killed: full of the broken disk only", testQemuKilled);
        testApiRun("restore into a shut-off domain's disk", testRestoreToDisk);
        testApiRun("a disk grown while shut off: full of that disk", testResized);
        testApiRun("progress bar, lines, quiet", testProgress);
        testApiRun("bad input", testBadInput);
    }
    cleanupDomain();
    if (conn)
        virConnectClose(conn);
    testApiRun("no QEMU left running", testApiNoLeftovers);
    rm[2] = root;
    testApiRunCmd(rm, NULL);
    g_hash_table_unref(expected);
    return testApiFinish();
}

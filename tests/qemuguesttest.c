/*
 * qemuguesttest.c: checkpoints and backups of a real Linux guest
 *
 * The guest of scripts/make-test-guest (a Debian kernel booted directly
 * with an initramfs) makes an ext4 file system on its disk and writes
 * files for ever, each with its SHA-256 in a manifest inside the file
 * system, reporting every completed write on its console (a file here).
 * It runs qemu-ga on the agent channel with a freeze hook that reports
 * freeze and thaw on the console too.
 *
 * Through the public API and the fleece tool: a freeze stalls the writer
 * and a thaw resumes it; checkpoint-create --quiesce and backup-begin
 * --quiesce freeze and thaw through the real agent, also when the
 * operation fails after the freeze; full + incremental push backups and a
 * pull backup (read with nbdcopy) of the file system under write load are
 * restored, pass e2fsck -fn, and every file the restored manifest lists
 * has its checksum; the point in time is the freeze; a backup whose
 * target file system fills up fails cleanly while the guest goes on.
 *
 * Files are read out of the restored images with debugfs (no mount).
 * KVM is used when it runs this guest (probed once, cached beside the
 * guest), TCG otherwise; FLEECE_TEST_GUEST_ACCEL=kvm|tcg overrides.
 *
 * Usage: qemuguesttest FLEECE_BINARY.  Output: TAP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <json.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-domain-checkpoint.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

#define NULLSTR(s) ((s) ? (s) : "(null)")

/* How long the guest may take to boot and start writing. */
#define GUEST_BOOT_TIMEOUT_S 180
/* How long a KVM probe boot may take before KVM counts as unusable. */
#define GUEST_PROBE_TIMEOUT_S 15

static char *root;
static char *disks;
static char *uri;
static char *fleece;
static char *guestdir;
static char *consolePath;
static bool kvm;
static virConnectPtr conn;
static virDomainPtr dom;

static char *
path(const char *name)
{
    return g_build_filename(disks, name, NULL);
}

/* ---- the console --------------------------------------------------------- */

/* What the console log says, from byte offset from on. */
typedef struct {
    GArray *seq;        /* unsigned long: completed writes in order */
    GArray *t;          /* double: guest time of each completion */
    double freeze;      /* time of the last "fsfreeze freeze", 0 = none */
    double thaw;        /* time of the first thaw after it, 0 = none */
    unsigned int nfreeze;
    unsigned int nthaw;
    unsigned long maxStallMs;
    bool error;         /* the guest reported an error */
} guestLog;

static void
guestLogClear(guestLog *log)
{
    if (log->seq)
        g_array_free(log->seq, TRUE);
    if (log->t)
        g_array_free(log->t, TRUE);
    memset(log, 0, sizeof(*log));
}

static gsize
consoleSize(void)
{
    struct stat st;

    return stat(consolePath, &st) == 0 ? (gsize) st.st_size : 0;
}

static void
consoleParse(gsize from, guestLog *log)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gsize len = 0;
    size_t i;

    guestLogClear(log);
    log->seq = g_array_new(FALSE, FALSE, sizeof(unsigned long));
    log->t = g_array_new(FALSE, FALSE, sizeof(double));
    if (!g_file_get_contents(consolePath, &text, &len, NULL) || from > len)
        return;
    lines = g_strsplit(text + from, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *l = lines[i];
        const char *p;
        unsigned long seq, ms;
        double t;

        if ((p = strstr(l, "fleece-workload: write seq=")) &&
            sscanf(p, "fleece-workload: write seq=%lu t=%lf", &seq, &t) == 2) {
            g_array_append_val(log->seq, seq);
            g_array_append_val(log->t, t);
        } else if ((p = strstr(l, "fleece-guest: fsfreeze freeze t=")) &&
                   sscanf(p, "fleece-guest: fsfreeze freeze t=%lf", &t) == 1) {
            log->freeze = t;
            log->nfreeze++;
        } else if ((p = strstr(l, "fleece-guest: fsfreeze thaw t=")) &&
                   sscanf(p, "fleece-guest: fsfreeze thaw t=%lf", &t) == 1) {
            /* thaws without a freeze (a thaw of nothing, as after each
             * case) are counted but do not end the freeze */
            if (log->freeze > 0 && t > log->freeze && log->thaw < log->freeze)
                log->thaw = t;
            log->nthaw++;
        } else if ((p = strstr(l, "stalled_ms=")) && sscanf(p, "stalled_ms=%lu", &ms) == 1) {
            log->maxStallMs = MAX(log->maxStallMs, ms);
        } else if (strstr(l, "error:") && strstr(l, "fleece-")) {
            printf("# guest: %s\n", l);
            log->error = true;
        }
    }
}

/* The number of writes completed after guest time t. */
static unsigned int
writesAfter(const guestLog *log, double t)
{
    unsigned int n = 0;
    guint i;

    for (i = 0; i < log->t->len; i++)
        n += g_array_index(log->t, double, i) > t;
    return n;
}

/* Seq of the last write completed before guest time t (0: none). */
static unsigned long
lastSeqBefore(const guestLog *log, double t)
{
    unsigned long seq = 0;
    guint i;

    for (i = 0; i < log->t->len; i++) {
        if (g_array_index(log->t, double, i) < t)
            seq = g_array_index(log->seq, unsigned long, i);
    }
    return seq;
}

/* Seq of the first write completed after guest time t (0: none). */
static unsigned long
firstSeqAfter(const guestLog *log, double t)
{
    guint i;

    for (i = 0; i < log->t->len; i++) {
        if (g_array_index(log->t, double, i) > t)
            return g_array_index(log->seq, unsigned long, i);
    }
    return 0;
}

/* Wait until the console, from offset from, shows n writes completed
 * after guest time t. */
static bool
waitWrites(gsize from, double t, unsigned int n, int timeout_s)
{
    gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
    guestLog log = { 0 };
    bool ok = false;

    while (g_get_monotonic_time() < deadline) {
        consoleParse(from, &log);
        if (log.error)
            break;
        if (writesAfter(&log, t) >= n) {
            ok = true;
            break;
        }
        g_usleep(100 * 1000);
    }
    if (!ok)
        printf("# only %u writes after t=%.3f on the console\n",
               log.t ? writesAfter(&log, t) : 0, t);
    guestLogClear(&log);
    return ok;
}

/* The guest time of the last write on the console (0: none yet). */
static double
lastWriteTime(void)
{
    guestLog log = { 0 };
    double t;

    consoleParse(0, &log);
    t = log.t->len ? g_array_index(log.t, double, log.t->len - 1) : 0;
    guestLogClear(&log);
    return t;
}

/* ---- tools ---------------------------------------------------------------- */

/* Run the fleece tool on the test root; false with its output on failure. */
static bool
runFleece(const char *const *args, char **out)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    size_t i;

    g_ptr_array_add(argv, fleece);
    g_ptr_array_add(argv, (char *) "-c");
    g_ptr_array_add(argv, uri);
    for (i = 0; args[i]; i++)
        g_ptr_array_add(argv, (char *) args[i]);
    g_ptr_array_add(argv, NULL);
    return testApiRunCmd((const char *const *) argv->pdata, out);
}

static int
jobType(unsigned int flags, char **errmsg)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;
    const char *msg = NULL;

    if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0)
        return -1;
    if (errmsg && virTypedParamsGetString(params, nparams, VIR_DOMAIN_JOB_ERRMSG, &msg) == 1)
        *errmsg = g_strdup(msg);
    virTypedParamsFree(params, nparams);
    return type;
}

static int
waitJobDone(void)
{
    int i, type = -1;

    for (i = 0; i < 12000; i++) {
        type = jobType(0, NULL);
        if (type == VIR_DOMAIN_JOB_NONE)
            return 0;
        g_usleep(10000);
    }
    printf("# job still of type %d\n", type);
    return -1;
}

/* The restored file system in image (a chain is followed) is clean and
 * every file its manifest lists has its checksum; *last gets the newest
 * sequence number listed. */
static int
verifyFileSystem(const char *image, const char *tag, unsigned long *last)
{
    g_autofree char *raw = path(tag);
    g_autofree char *dumpdir = g_strdup_printf("%s.files", raw);
    g_autofree char *datadir = g_build_filename(dumpdir, "data", NULL);
    g_autofree char *manifest = NULL;
    g_autofree char *rdump = g_strdup_printf("rdump /data %s", dumpdir);
    const char *convert[] = { "qemu-img", "convert", "-O", "raw", image, raw, NULL };
    const char *fsck[] = { "e2fsck", "-fn", raw, NULL };
    const char *cat[] = { "debugfs", "-R", "cat /data/MANIFEST", raw, NULL };
    const char *features[] = { "dumpe2fs", "-h", raw, NULL };
    g_autofree char *header = NULL;
    const char *dump[] = { "debugfs", "-R", rdump, raw, NULL };
    g_autoptr(GHashTable) live = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                       g_free, g_free);
    g_auto(GStrv) lines = NULL;
    GHashTableIter it;
    gpointer key, value;
    unsigned int checked = 0;
    size_t i;

    *last = 0;
    CHECK(testApiRunCmd(convert, NULL), "restore %s", image);
    CHECK(testApiRunCmd(fsck, NULL), "e2fsck -fn of the restored %s", tag);
    /* frozen when copied: the journal holds nothing to replay */
    CHECK(testApiRunCmd(features, &header) && strstr(header, "has_journal") &&
          !strstr(header, "needs_recovery"), "%s needs journal recovery:\n%s", tag,
          NULLSTR(header));
    CHECK(testApiRunCmd(cat, &manifest) && manifest && *manifest,
          "manifest of %s", tag);
    g_mkdir(dumpdir, 0700);
    CHECK(testApiRunCmd(dump, NULL), "debugfs rdump of %s", tag);

    lines = g_strsplit(manifest, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char sum[65], name[32];
        unsigned long seq;

        if (sscanf(lines[i], "+ %64s f%lu", sum, &seq) == 2) {
            g_snprintf(name, sizeof(name), "f%08lu", seq);
            g_hash_table_replace(live, g_strdup(name), g_strdup(sum));
            *last = MAX(*last, seq);
        } else if (sscanf(lines[i], "- f%lu", &seq) == 1) {
            g_snprintf(name, sizeof(name), "f%08lu", seq);
            g_hash_table_remove(live, name);
        } else if (*lines[i]) {
            CHECK(false, "manifest line '%s' of %s", lines[i], tag);
        }
    }
    g_hash_table_iter_init(&it, live);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_autofree char *file = g_build_filename(datadir, (const char *) key, NULL);
        g_autofree char *data = NULL;
        g_autofree char *sum = NULL;
        gsize len = 0;

        CHECK(g_file_get_contents(file, &data, &len, NULL),
              "file %s listed in the manifest of %s is missing", (char *) key, tag);
        sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *) data, len);
        CHECK(g_str_equal(sum, value), "file %s of %s: checksum %s, manifest %s",
              (char *) key, tag, sum, (char *) value);
        checked++;
    }
    CHECK(checked > 0, "no file to check in %s", tag);
    printf("# %s: e2fsck clean, %u files verified, newest f%08lu\n", tag, checked, *last);
    {
        const char *rm[] = { "rm", "-rf", dumpdir, raw, NULL };

        testApiRunCmd(rm, NULL);
    }
    return 0;
}

/* The point in time of a quiesced backup is the freeze: the restored
 * manifest ends with the last write completed before the freeze began,
 * or a later one that completed before the file system was frozen, and
 * misses every write completed after the thaw. */
static int
checkPointInTime(const guestLog *log, unsigned long last, const char *tag)
{
    unsigned long before = lastSeqBefore(log, log->freeze);
    unsigned long after = firstSeqAfter(log, log->thaw);

    CHECK(log->nfreeze == 1 && log->thaw > log->freeze,
          "%s: one freeze then one thaw (freezes %u, thaws %u)", tag,
          log->nfreeze, log->nthaw);
    CHECK(before > 0 && last >= before, "%s: newest file f%lu, but f%lu was written before the freeze",
          tag, last, before);
    CHECK(after == 0 || last < after, "%s: newest file f%lu written after the thaw (f%lu)",
          tag, last, after);
    return 0;
}

/* ---- set up ----------------------------------------------------------------- */

/* KVM when it boots this guest to user space in reasonable time (some
 * nested set-ups are so slow that TCG is faster), else TCG; the answer
 * is kept in the guest's directory. */
static bool
guestUseKVM(const char *kernel, const char *initrd)
{
    const char *env = g_getenv("FLEECE_TEST_GUEST_ACCEL");
    g_autofree char *cache = g_build_filename(guestdir, "accel", NULL);
    g_autofree char *cached = NULL;
    g_autofree char *log = g_build_filename(guestdir, "probe.log", NULL);
    g_autofree char *serial = g_strdup_printf("file,id=s0,path=%s", log);
    const char *argv[] = {
        "qemu-system-x86_64", "-accel", "kvm", "-machine", "q35", "-m", "256",
        "-nodefaults", "-display", "none", "-no-reboot", "-kernel", kernel,
        "-initrd", initrd, "-append", "console=ttyS0 quiet fleece.probe=1",
        "-chardev", serial, "-device", "isa-serial,chardev=s0", NULL,
    };
    g_autofree char *text = NULL;
    gint64 deadline;
    GPid pid;
    int status;
    bool ok = false;

    if (env && *env)
        return g_str_equal(env, "kvm");
    if (!testApiKVMUsable())
        return false;
    if (g_file_get_contents(cache, &cached, NULL, NULL))
        return g_str_has_prefix(cached, "kvm");
    unlink(log);
    if (!g_spawn_async(NULL, (char **) argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                       NULL, NULL, &pid, NULL))
        return false;
    deadline = g_get_monotonic_time() + GUEST_PROBE_TIMEOUT_S * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            pid = 0;
            break;
        }
        g_usleep(100 * 1000);
    }
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    ok = g_file_get_contents(log, &text, NULL, NULL) &&
         strstr(text, "probe: userspace reached");
    printf("# KVM %s this guest within %d s: using %s\n",
           ok ? "boots" : "does not boot", GUEST_PROBE_TIMEOUT_S, ok ? "KVM" : "TCG");
    g_file_set_contents(cache, ok ? "kvm\n" : "tcg\n", -1, NULL);
    return ok;
}

static int
testSetup(void)
{
    g_autofree char *script = g_build_filename(ABS_TOP_SRCDIR, "scripts", "make-test-guest", NULL);
    g_autofree char *kernel = g_build_filename(guestdir, "vmlinuz", NULL);
    g_autofree char *initrd = g_build_filename(guestdir, "initrd.img", NULL);
    g_autofree char *vda = path("vda.qcow2");
    g_autofree char *xml = NULL;
    const char *make[] = { script, guestdir, NULL };
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", vda, "256M", NULL };
    gint64 start;

    CHECK(testApiRunCmd(make, NULL), "scripts/make-test-guest");
    kvm = guestUseKVM(kernel, initrd);
    CHECK(testApiRunCmd(mk, NULL), "image");
    xml = g_strdup_printf(
        "<domain type='%s'><name>guest</name><memory unit='MiB'>256</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type>"
        "<kernel>%s</kernel><initrd>%s</initrd>"
        "<cmdline>console=ttyS0 quiet fleece.size=65536 fleece.interval=10 fleece.keep=200</cmdline>"
        "</os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "<serial type='file'><source path='%s'/></serial>"
        "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"
        "</devices></domain>", kvm ? "kvm" : "qemu", kernel, initrd, vda, consolePath);
    CHECK((conn = virConnectOpen(uri)), "open");
    CHECK((dom = virDomainDefineXML(conn, xml)), "define");
    start = g_get_monotonic_time();
    CHECK(virDomainCreate(dom) == 0, "start");
    {
        unsigned int id = 0;
        g_autofree char *pidfile = g_build_filename(root, "run", "guest.pid", NULL);
        g_autofree char *pidtext = NULL;

        if (g_file_get_contents(pidfile, &pidtext, NULL, NULL) &&
            (id = strtoul(pidtext, NULL, 10)) > 0)
            testApiTrackPid(id);
    }
    CHECK(waitWrites(0, 0, 5, GUEST_BOOT_TIMEOUT_S), "the guest writes");
    printf("# booted and writing after %.1f s (%s)\n",
           (g_get_monotonic_time() - start) / (double) G_USEC_PER_SEC, kvm ? "KVM" : "TCG");
    return 0;
}

/* The guest made its file system, started the agent on the channel and
 * writes; the live XML shows the socket Fleece chose. */
static int
testGuestUp(void)
{
    g_autofree char *text = NULL;
    g_autofree char *live = virDomainGetXMLDesc(dom, 0);

    CHECK(g_file_get_contents(consolePath, &text, NULL, NULL), "console");
    CHECK(strstr(text, "first boot: making ext4 on /dev/vda") &&
          strstr(text, "mounted /dev/vda on /mnt") &&
          strstr(text, "guest agent on /dev/vport"), "guest start lines missing");
    CHECK(live && strstr(live, "<kernel>") && strstr(live, "guest.agent"),
          "live XML:\n%s", live);
    return 0;
}

/* A freeze stalls the writer for as long as it lasts; the thaw resumes
 * it (the write in flight reports its stall).  The hook reports "freeze"
 * before the agent freezes and "thaw" after it thawed, each some time
 * away from the real instant on a loaded machine: writes may complete
 * near either end, none in the middle of a 3 s freeze. */
static int
testFreezeStallsWrites(void)
{
    gsize from = consoleSize();
    guestLog log = { 0 };
    unsigned int during;
    int n;

    CHECK((n = virDomainFSFreeze(dom, NULL, 0, 0)) == 1, "freeze: %d", n);
    g_usleep(3 * G_USEC_PER_SEC);
    n = virDomainFSThaw(dom, NULL, 0, 0);
    CHECK(n == 1, "thaw: %d", n);
    CHECK(waitWrites(from, lastWriteTime(), 3, 60), "writes after the thaw");
    consoleParse(from, &log);
    CHECK(log.nfreeze == 1 && log.thaw > log.freeze, "freeze/thaw hook lines");
    during = writesAfter(&log, log.freeze + 0.75) - writesAfter(&log, log.thaw - 0.75);
    CHECK(during == 0, "%u writes completed in the middle of the freeze (freeze t=%.3f, "
          "thaw t=%.3f)", during, log.freeze, log.thaw);
    CHECK(log.maxStallMs >= 1500, "the writer did not stall (longest %lu ms)", log.maxStallMs);
    printf("# frozen %.2f s (guest clock, hook to hook); the writer stalled %lu ms and resumed\n",
           log.thaw - log.freeze, log.maxStallMs);
    guestLogClear(&log);
    return 0;
}

/* fleece checkpoint-create-as --quiesce freezes and thaws through qemu-ga. */
static int
testCheckpointQuiesce(void)
{
    const char *args[] = { "checkpoint-create-as", "guest", "q1", "--quiesce", NULL };
    gsize from = consoleSize();
    guestLog log = { 0 };
    virDomainCheckpointPtr cp;

    CHECK(runFleece(args, NULL), "checkpoint-create-as --quiesce");
    CHECK((cp = virDomainCheckpointLookupByName(dom, "q1", 0)), "q1 exists");
    virDomainCheckpointFree(cp);
    CHECK(waitWrites(from, lastWriteTime(), 3, 60), "writes after the checkpoint");
    consoleParse(from, &log);
    CHECK(log.nfreeze == 1 && log.thaw > log.freeze,
          "freeze then thaw (freezes %u, thaws %u)", log.nfreeze, log.nthaw);
    CHECK(writesAfter(&log, log.thaw) >= 3, "the writer resumed");
    CHECK(virDomainFSThaw(dom, NULL, 0, 0) == 0, "nothing left frozen");
    printf("# quiesced for %.1f ms (guest clock, hook to hook)\n",
           (log.thaw - log.freeze) * 1000);
    guestLogClear(&log);
    return 0;
}

/* Make the next checkpoint named name fail in QEMU after the freeze: a
 * bitmap of that name already exists on the disk's node. */
static int
plantBitmap(const char *name)
{
    g_autofree char *cmd = g_strdup_printf(
        "{\"execute\":\"block-dirty-bitmap-add\",\"arguments\":"
        "{\"node\":\"libvirt-1-format\",\"name\":\"%s\"}}", name);
    char *reply = NULL;

    CHECK(virDomainQemuMonitorCommand(dom, cmd, &reply, 0) == 0 &&
          !strstr(reply, "\"error\""), "bitmap %s: %s", name, reply);
    free(reply);
    return 0;
}

static int
removeBitmap(const char *name)
{
    g_autofree char *cmd = g_strdup_printf(
        "{\"execute\":\"block-dirty-bitmap-remove\",\"arguments\":"
        "{\"node\":\"libvirt-1-format\",\"name\":\"%s\"}}", name);
    char *reply = NULL;

    CHECK(virDomainQemuMonitorCommand(dom, cmd, &reply, 0) == 0, "remove %s", name);
    free(reply);
    return 0;
}

/* A quiesced operation that fails after the freeze thaws the guest. */
static int
checkFailedQuiesce(gsize from, const char *what)
{
    guestLog log = { 0 };

    CHECK(waitWrites(from, lastWriteTime(), 3, 60), "%s: the writer resumed", what);
    consoleParse(from, &log);
    CHECK(log.nfreeze == 1 && log.thaw > log.freeze,
          "%s: freeze then thaw (freezes %u, thaws %u)", what, log.nfreeze, log.nthaw);
    CHECK(virDomainFSThaw(dom, NULL, 0, 0) == 0, "%s: something still frozen", what);
    guestLogClear(&log);
    return 0;
}

static int
testQuiesceFailureThaws(void)
{
    const char *cpargs[] = { "checkpoint-create-as", "guest", "bad1", "--quiesce", NULL };
    g_autofree char *target = path("never.qcow2");
    g_autofree char *bxml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
        "<driver type='qcow2'/></disk></disks></domainbackup>", target);
    gsize from;

    /* checkpoint: the transaction fails in QEMU */
    CHECK(plantBitmap("bad1") == 0, "plant");
    from = consoleSize();
    CHECK(!runFleece(cpargs, NULL), "checkpoint with a clashing bitmap succeeded");
    CHECK(checkFailedQuiesce(from, "checkpoint") == 0, "checkpoint failure");
    CHECK(!virDomainCheckpointLookupByName(dom, "bad1", 0), "no checkpoint bad1");
    CHECK(removeBitmap("bad1") == 0, "unplant");

    /* backup with a new checkpoint: the same */
    CHECK(plantBitmap("bad2") == 0, "plant");
    from = consoleSize();
    CHECK(virDomainBackupBegin(dom, bxml, "<domaincheckpoint><name>bad2</name></domaincheckpoint>",
                               VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) < 0,
          "backup with a clashing bitmap succeeded");
    CHECK(checkFailedQuiesce(from, "backup") == 0, "backup failure");
    CHECK(!g_file_test(target, G_FILE_TEST_EXISTS), "target left behind");
    CHECK(jobType(0, NULL) == VIR_DOMAIN_JOB_NONE, "no job");
    CHECK(removeBitmap("bad2") == 0, "unplant");
    return 0;
}

/* Full then incremental quiesced push backups under write load: each
 * restores to a clean file system holding every file of its manifest,
 * as of its freeze. */
static int
testPushFullIncremental(void)
{
    g_autofree char *full = path("full.qcow2");
    g_autofree char *inc = path("inc.qcow2");
    g_autofree char *fullxml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
        "<driver type='qcow2'/></disk></disks></domainbackup>", full);
    g_autofree char *incxml = g_strdup_printf(
        "<domainbackup><incremental>c1</incremental><disks><disk name='vda' type='file'>"
        "<target file='%s'/><driver type='qcow2'/></disk></disks></domainbackup>", inc);
    g_autofree char *fullfile = path("full-backup.xml");
    g_autofree char *incfile = path("inc-backup.xml");
    g_autofree char *c1file = path("c1.xml");
    g_autofree char *c2file = path("c2.xml");
    const char *beginFull[] = { "backup-begin", "guest", fullfile, "--checkpointxml", c1file,
                                "--quiesce", "--wait", NULL };
    const char *beginInc[] = { "backup-begin", "guest", incfile, "--checkpointxml", c2file,
                               "--quiesce", "--wait", NULL };
    const char *rebase[] = { "qemu-img", "rebase", "-u", "-f", "qcow2", "-b", full,
                             "-F", "qcow2", inc, NULL };
    guestLog log = { 0 };
    unsigned long lastFull = 0, lastInc = 0;
    gsize from;

    CHECK(g_file_set_contents(fullfile, fullxml, -1, NULL) &&
          g_file_set_contents(incfile, incxml, -1, NULL) &&
          g_file_set_contents(c1file, "<domaincheckpoint><name>c1</name></domaincheckpoint>", -1, NULL) &&
          g_file_set_contents(c2file, "<domaincheckpoint><name>c2</name></domaincheckpoint>", -1, NULL),
          "XML files");

    from = consoleSize();
    CHECK(runFleece(beginFull, NULL), "full push backup");
    CHECK(waitWrites(from, lastWriteTime(), 3, 60), "writes after the full backup");
    consoleParse(from, &log);
    CHECK(verifyFileSystem(full, "restored-full.raw", &lastFull) == 0, "full backup");
    CHECK(checkPointInTime(&log, lastFull, "full") == 0, "full point in time");

    /* more writes, then the incremental */
    CHECK(waitWrites(0, lastWriteTime(), 20, 120), "more writes");
    from = consoleSize();
    CHECK(runFleece(beginInc, NULL), "incremental push backup");
    CHECK(waitWrites(from, lastWriteTime(), 3, 60), "writes after the incremental backup");
    consoleParse(from, &log);
    CHECK(testApiRunCmd(rebase, NULL), "chain inc -> full");
    CHECK(verifyFileSystem(inc, "restored-inc.raw", &lastInc) == 0, "incremental chain");
    CHECK(checkPointInTime(&log, lastInc, "incremental") == 0, "incremental point in time");
    CHECK(lastInc >= lastFull + 20, "incremental newest f%lu, full f%lu", lastInc, lastFull);
    CHECK(virDomainFSThaw(dom, NULL, 0, 0) == 0, "nothing left frozen");
    guestLogClear(&log);
    return 0;
}

/* A quiesced pull backup read with nbdcopy: the same checks. */
static int
testPull(void)
{
    g_autofree char *sock = g_build_filename(root, "nbd.sock", NULL);
    g_autofree char *scratch = path("scratch.qcow2");
    g_autofree char *out = path("pulled.raw");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk></disks></domainbackup>",
        sock, scratch);
    g_autofree char *nbduri = g_strdup_printf("nbd+unix:///vda?socket=%s", sock);
    const char *copy[] = { "nbdcopy", "--flush", nbduri, out, NULL };
    guestLog log = { 0 };
    unsigned long last = 0;
    gsize from = consoleSize();

    CHECK(virDomainBackupBegin(dom, xml, "<domaincheckpoint><name>c3</name></domaincheckpoint>",
                               VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) == 0, "pull begin");
    /* the guest keeps writing while the export is read */
    CHECK(waitWrites(from, lastWriteTime(), 10, 60), "writes during the pull");
    CHECK(testApiRunCmd(copy, NULL), "nbdcopy");
    CHECK(virDomainBackupEnd(dom, 0) == 0, "end");
    consoleParse(from, &log);
    CHECK(verifyFileSystem(out, "restored-pull.raw", &last) == 0, "pulled image");
    CHECK(checkPointInTime(&log, last, "pull") == 0, "pull point in time");
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch removed");
    guestLogClear(&log);
    return 0;
}

/* Run a QMP command (printf-style text) through the public API; false
 * when QEMU answers with an error. */
static bool
qmp(char **reply, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static bool
qmp(char **reply, const char *fmt, ...)
{
    g_autofree char *cmd = NULL;
    char *out = NULL;
    va_list ap;
    bool ok;

    va_start(ap, fmt);
    cmd = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    ok = virDomainQemuMonitorCommand(dom, cmd, &out, 0) == 0 && !strstr(out, "\"error\"");
    if (!ok)
        printf("# %s -> %s\n", cmd, out ? out : virGetLastErrorMessage());
    if (reply)
        *reply = out;
    else
        free(out);
    return ok;
}

/* The node name QEMU has for file path with driver (e.g. qcow2). */
static char *
nodeOfFile(const char *file, const char *driver)
{
    char *nodes = NULL;
    json_object *reply, *list;
    char *ret = NULL;
    size_t i;

    if (!qmp(&nodes, "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}"))
        return NULL;
    reply = json_tokener_parse(nodes);
    free(nodes);
    if (reply && json_object_object_get_ex(reply, "return", &list)) {
        for (i = 0; i < json_object_array_length(list) && !ret; i++) {
            json_object *n = json_object_array_get_idx(list, i), *f, *d, *name;

            if (json_object_object_get_ex(n, "file", &f) &&
                json_object_object_get_ex(n, "drv", &d) &&
                json_object_object_get_ex(n, "node-name", &name) &&
                g_str_equal(json_object_get_string(f), file) &&
                g_str_equal(json_object_get_string(d), driver))
                ret = g_strdup(json_object_get_string(name));
        }
    }
    json_object_put(reply);
    return ret;
}

/* With backup_cbw_timeout set a pull backup runs on Fleece's own
 * copy-before-write filter (no QEMU job); when the scratch is too slow,
 * a guest write waits at most that long, the snapshot is dropped, the
 * backup fails with the reason, the guest goes on, and the disk's device
 * is back on its node. */
static int
testCBWTimeout(void)
{
    g_autofree char *sock = g_build_filename(root, "cbw.sock", NULL);
    g_autofree char *scratch = path("cbw-scratch.qcow2");
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/><disks>"
        "<disk name='vda' type='file'><scratch file='%s'/></disk></disks></domainbackup>",
        sock, scratch);
    g_autofree char *fmt = NULL;
    g_autofree char *errmsg = NULL;
    char *reply = NULL;
    g_autofree char *etc = g_build_filename(root, "etc", NULL);
    g_autofree char *conf = g_build_filename(etc, "fleece.conf", NULL);
    virConnectPtr bounded;
    virDomainPtr bdom = NULL;
    guestLog log = { 0 };
    gsize from;
    int type, i;

    /* the bound is a setting of the root, read when a connection opens:
     * a connection opened with it begins the backup */
    CHECK(g_mkdir_with_parents(etc, 0700) == 0 &&
          g_file_set_contents(conf, "backup_cbw_timeout = \"soon\"\n", -1, NULL), "settings");
    bounded = virConnectOpen(uri);
    CHECK(!bounded && virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX, "a bad bound accepted");
    CHECK(g_file_set_contents(conf, "backup_cbw_timeout = 1\n", -1, NULL), "settings");
    bounded = virConnectOpen(uri);
    unlink(conf);
    CHECK(bounded && (bdom = virDomainLookupByName(bounded, virDomainGetName(dom))),
          "connection with the bound");
    from = consoleSize();
    type = virDomainBackupBegin(bdom, xml, NULL, 0);
    virDomainFree(bdom);
    virConnectClose(bounded);
    CHECK(type == 0, "pull begin with a bound");
    /* Fleece's filter, bound and policy set, and no job */
    CHECK(qmp(&reply, "{\"execute\":\"query-jobs\"}") && strstr(reply, "\"return\":[]"),
          "a QEMU job runs: %s", reply);
    free(reply);
    CHECK(qmp(&reply, "{\"execute\":\"qom-get\",\"arguments\":{\"path\":"
              "\"/machine/peripheral/virtio-disk0/virtio-backend\",\"property\":\"drive\"}}") &&
          strstr(reply, "fleece-cbw-vda"), "device not on the filter: %s", reply);
    free(reply);
    CHECK(jobType(0, NULL) == VIR_DOMAIN_JOB_UNBOUNDED, "the backup runs");

    /* slow the scratch down to 32 KiB/s under the filter */
    CHECK((fmt = nodeOfFile(scratch, "qcow2")), "scratch node");
    CHECK(qmp(NULL, "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"throttle-group\","
              "\"id\":\"slow\",\"limits\":{\"bps-write\":32768}}}") &&
          qmp(NULL, "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"file\","
              "\"node-name\":\"slow-file\",\"filename\":\"%s\",\"locking\":\"off\"}}", scratch) &&
          qmp(NULL, "{\"execute\":\"blockdev-add\",\"arguments\":{\"driver\":\"throttle\","
              "\"node-name\":\"slow\",\"throttle-group\":\"slow\",\"file\":\"slow-file\"}}") &&
          qmp(NULL, "{\"execute\":\"blockdev-reopen\",\"arguments\":{\"options\":[{"
              "\"driver\":\"qcow2\",\"node-name\":\"%s\",\"file\":\"slow\","
              "\"backing\":null}]}}", fmt), "throttling the scratch");

    /* the guest writes on; the backup fails on its own */
    for (i = 0; i < 600 && (type = jobType(0, NULL)) != VIR_DOMAIN_JOB_NONE; i++)
        g_usleep(100 * 1000);
    CHECK(type == VIR_DOMAIN_JOB_NONE, "the backup did not fail");
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &errmsg) == VIR_DOMAIN_JOB_FAILED, "not failed");
    CHECK(errmsg && strstr(errmsg, "longer than 1 s for copy-before-write"),
          "reason: %s", NULLSTR(errmsg));
    CHECK(waitWrites(from, lastWriteTime(), 5, 60), "the guest goes on");
    consoleParse(from, &log);
    /* the bound is per request; one write of the workload is several
     * synced requests, and a request also waits for copies already under
     * way of the same area, so this is reported, not checked */
    printf("# longest workload write during the backup: %lu ms (bound 1 s per request, "
           "scratch 32 KiB/s)\n", log.maxStallMs);
    guestLogClear(&log);

    /* the device is back on its node; only the test's own nodes are left */
    CHECK(qmp(&reply, "{\"execute\":\"qom-get\",\"arguments\":{\"path\":"
              "\"/machine/peripheral/virtio-disk0/virtio-backend\",\"property\":\"drive\"}}") &&
          strstr(reply, "libvirt-1-format"), "device not back: %s", reply);
    free(reply);
    CHECK(qmp(NULL, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"slow\"}}") &&
          qmp(NULL, "{\"execute\":\"blockdev-del\",\"arguments\":{\"node-name\":\"slow-file\"}}") &&
          qmp(NULL, "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"slow\"}}"),
          "the throttle is still in use");
    CHECK(qmp(&reply, "{\"execute\":\"query-named-block-nodes\",\"arguments\":{\"flat\":true}}") &&
          !strstr(reply, "\"node-name\":\"fleece-") && !strstr(reply, "\"node-name\":\"slow") &&
          !strstr(reply, "\"node-name\":\"libvirt-2") &&
          !strstr(reply, "\"node-name\":\"libvirt-3"),
          "nodes left: %s", reply);
    free(reply);
    CHECK(!g_file_test(scratch, G_FILE_TEST_EXISTS), "scratch left behind");
    CHECK(waitWrites(0, lastWriteTime(), 5, 60), "the guest writes on its node again");
    return 0;
}

/* backup-begin --bandwidth reaches QEMU as the copy's speed and shows in
 * the backup XML (Fleece's extension); bad values and pull backups are
 * refused.  (How well QEMU holds the rate is measured in bench/.) */
static int
testBandwidth(void)
{
    g_autofree char *target = path("bw.qcow2");
    g_autofree char *file = path("bw-backup.xml");
    g_autofree char *pullfile = path("bw-pull.xml");
    g_autofree char *sock = g_build_filename(root, "bw.sock", NULL);
    g_autofree char *xml = g_strdup_printf(
        "<domainbackup><disks><disk name='vda' type='file'><target file='%s'/>"
        "<driver type='qcow2'/></disk></disks></domainbackup>", target);
    g_autofree char *pullxml = g_strdup_printf(
        "<domainbackup mode='pull'><server transport='unix' socket='%s'/></domainbackup>",
        sock);
    const char *begin[] = { "backup-begin", "guest", file, "--bandwidth", "1MiB/s", NULL };
    const char *bad[] = { "backup-begin", "guest", file, "--bandwidth", "fast", NULL };
    const char *pull[] = { "backup-begin", "guest", pullfile, "--bandwidth", "1M", NULL };
    g_autofree char *desc = NULL;
    char *jobs = NULL;

    CHECK(g_file_set_contents(file, xml, -1, NULL) &&
          g_file_set_contents(pullfile, pullxml, -1, NULL), "XML files");
    CHECK(!runFleece(bad, NULL), "--bandwidth fast accepted");
    CHECK(!runFleece(pull, NULL), "--bandwidth of a pull backup accepted");
    CHECK(jobType(0, NULL) == VIR_DOMAIN_JOB_NONE, "a refused backup left a job");
    CHECK(runFleece(begin, NULL), "backup-begin --bandwidth");
    desc = virDomainBackupGetXMLDesc(dom, 0);
    CHECK(desc && strstr(desc, "<fleece:bandwidth>1048576</fleece:bandwidth>"),
          "backup XML:\n%s", NULLSTR(desc));
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-block-jobs\"}",
                                      &jobs, 0) == 0, "query-block-jobs");
    if (!strstr(jobs, "\"speed\": 1048576") && !strstr(jobs, "\"speed\":1048576")) {
        printf("# jobs: %s\n", jobs);
        free(jobs);
        CHECK(false, "QEMU copies at another speed");
    }
    free(jobs);
    CHECK(virDomainAbortJob(dom) == 0 && waitJobDone() == 0, "abort");
    CHECK(!g_file_test(target, G_FILE_TEST_EXISTS), "aborted target left behind");
    return 0;
}

/* A push backup into a file system that fills up fails with the reason,
 * leaves nothing behind, and the guest keeps writing (and running: a
 * guest write whose copy-before-write hit the full target paused it). */
static int
checkTargetFull(const char *target)
{
    g_autofree char *xml = NULL;
    g_autofree char *errmsg = NULL;
    char *reply = NULL;
    gsize from;
    int state = -1, reason = -1;

    xml = g_strdup_printf("<domainbackup><disks><disk name='vda' type='file'>"
                          "<target file='%s'/><driver type='qcow2'/></disk></disks>"
                          "</domainbackup>", target);
    from = consoleSize();
    CHECK(virDomainBackupBegin(dom, xml, NULL, 0) == 0, "begin");
    CHECK(waitJobDone() == 0, "job ends");
    CHECK(jobType(VIR_DOMAIN_JOB_STATS_COMPLETED | VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED,
                  &errmsg) == VIR_DOMAIN_JOB_FAILED, "the job failed");
    CHECK(errmsg && strstr(errmsg, "No space left on device"), "reason: %s", NULLSTR(errmsg));
    CHECK(!g_file_test(target, G_FILE_TEST_EXISTS), "partial target left behind");
    CHECK(waitWrites(from, lastWriteTime(), 10, 60), "the guest keeps writing");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_RUNNING, "domain state %d reason %d", state, reason);
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-jobs\"}", &reply, 0) == 0 &&
          strstr(reply, "\"return\":[]"), "QEMU jobs left: %s", reply);
    free(reply);
    return 0;
}

static int
testTargetFull(void)
{
    g_autofree char *dir = g_build_filename(root, "small", NULL);
    g_autofree char *target = g_build_filename(dir, "full.qcow2", NULL);
    int rc;

    g_mkdir(dir, 0700);
    if (geteuid() != 0 || mount("fleecetest", dir, "tmpfs", 0, "size=4m") < 0)
        return testApiSkipBecause("cannot mount a small tmpfs here (needs root)");
    rc = checkTargetFull(target);
    if (umount2(dir, MNT_DETACH) < 0)
        printf("# cannot unmount %s: %s\n", dir, g_strerror(errno));
    return rc;
}

static void
endLeftovers(void)
{
    if (dom && virDomainIsActive(dom) == 1 && jobType(0, NULL) != VIR_DOMAIN_JOB_NONE)
        virDomainAbortJob(dom);
    if (dom && virDomainIsActive(dom) == 1)
        virDomainFSThaw(dom, NULL, 0, 0);
}

int
main(int argc, char **argv)
{
    const char *needed[] = { "qemu-system-x86_64", "qemu-img", "nbdcopy", "e2fsck",
                             "debugfs", "apt-get", "dpkg-deb" };
    const char *rm[] = { "rm", "-rf", NULL, NULL };
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: %s FLEECE_BINARY\n", argv[0]);
        return 2;
    }
    for (i = 0; i < G_N_ELEMENTS(needed); i++) {
        g_autofree char *p = g_find_program_in_path(needed[i]);

        if (!p) {
            printf("1..0 # SKIP %s not found\n", needed[i]);
            return 0;
        }
    }
    fleece = g_canonicalize_filename(argv[1], NULL);
    guestdir = g_build_filename(ABS_BUILDDIR, "..", "test-guest", NULL);
    root = g_dir_make_tmp("fleece-guest-XXXXXX", NULL);
    disks = g_build_filename(root, "disks", NULL);
    g_mkdir(disks, 0700);
    consolePath = g_build_filename(root, "console.log", NULL);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    testApiSetAfterEach(endLeftovers);

    testApiRun("the test guest is built and boots writing", testSetup);
    if (dom && virDomainIsActive(dom) == 1) {
        testApiRun("file system made, agent on the channel, writes reported", testGuestUp);
        testApiRun("a freeze stalls the writer, the thaw resumes it", testFreezeStallsWrites);
        testApiRun("checkpoint-create-as --quiesce through qemu-ga", testCheckpointQuiesce);
        testApiRun("quiesced checkpoint and backup failing after the freeze thaw",
                   testQuiesceFailureThaws);
        testApiRun("backup-begin --quiesce: full + incremental push restore clean",
                   testPushFullIncremental);
        testApiRun("quiesced pull backup read with nbdcopy restores clean", testPull);
        testApiRun("pull with a copy-before-write bound and a slow scratch fails, the guest goes on",
                   testCBWTimeout);
        testApiRun("backup-begin --bandwidth sets the copy's speed", testBandwidth);
        testApiRun("a backup whose target fills up fails, the guest goes on", testTargetFull);
    }
    if (dom) {
        if (virDomainIsActive(dom) == 1)
            virDomainDestroy(dom);
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA);
        g_clear_pointer(&dom, virDomainFree);
    }
    if (conn)
        g_clear_pointer(&conn, virConnectClose);
    testApiRun("no QEMU left running", testApiNoLeftovers);
    rm[2] = root;
    if (g_getenv("FLEECE_TEST_KEEP_ROOT"))
        printf("# kept %s\n", root);
    else
        testApiRunCmd(rm, NULL);
    return testApiFinish();
}

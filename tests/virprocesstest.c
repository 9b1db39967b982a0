/*
 * virprocesstest.c: process identity, killing, waiting, and the
 * per-domain lock files that serialise processes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "virerror.h"
#include "virfile.h"
#include "virfilelock.h"
#include "virprocess.h"

static char *testDir;

static void
testReap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* A child that waits on a pipe until the parent writes or closes it. */
static pid_t
testForkWaiter(int *wakefd)
{
    int fds[2];
    pid_t pid;
    char c;

    if (pipe(fds) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        close(fds[1]);
        while (read(fds[0], &c, 1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    close(fds[0]);
    *wakefd = fds[1];
    return pid;
}

static int
testIdentitySelf(const void *data G_GNUC_UNUSED)
{
    g_auto(virProcessIdentity) ident = { 0 };
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);

    if (virProcessIdentityGet(getpid(), &ident) < 0)
        return -1;
    if (ident.pid != getpid() || ident.starttime == 0 ||
        g_strcmp0(ident.exe, exe) != 0)
        return -1;
    if (!virProcessIdentityMatches(getpid(), &ident) ||
        !virProcessExists(getpid()))
        return -1;
    /* a different start time or executable is another process */
    ident.starttime++;
    if (virProcessIdentityMatches(getpid(), &ident))
        return -1;
    ident.starttime--;
    g_free(ident.exe);
    ident.exe = g_strdup("/usr/bin/something-else");
    if (virProcessIdentityMatches(getpid(), &ident))
        return -1;
    /* and the identity is tied to its PID */
    return virProcessIdentityMatches(getppid(), &ident) ? -1 : 0;
}

/* The command name in /proc/PID/stat may hold spaces and parentheses;
 * renaming a process must not change its identity. */
static int
testIdentityOddName(const void *data G_GNUC_UNUSED)
{
    g_auto(virProcessIdentity) before = { 0 };
    g_auto(virProcessIdentity) after = { 0 };
    g_autofree char *statpath = NULL;
    g_autofree char *stat = NULL;
    int ready[2], go[2];
    pid_t pid;
    char c;
    int rc = -1;

    if (pipe(ready) < 0 || pipe(go) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        close(ready[0]);
        close(go[1]);
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        prctl(PR_SET_NAME, "a) b (c) d 9 9");
        if (write(ready[1], "x", 1) < 0)
            _exit(1);
        pause();
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    if (virProcessIdentityGet(pid, &before) < 0)
        goto cleanup;
    if (write(go[1], "x", 1) != 1 || read(ready[0], &c, 1) != 1)
        goto cleanup;
    statpath = g_strdup_printf("/proc/%d/stat", (int)pid);
    if (!g_file_get_contents(statpath, &stat, NULL, NULL) ||
        !strstr(stat, "(a) b (c) d 9 9)"))
        goto cleanup;
    if (virProcessIdentityGet(pid, &after) < 0 ||
        after.starttime != before.starttime ||
        !virProcessIdentityMatches(pid, &before))
        goto cleanup;
    rc = 0;
 cleanup:
    close(ready[0]);
    close(go[1]);
    kill(pid, SIGKILL);
    testReap(pid);
    return rc;
}

/* Identity taken before exec no longer matches after: same PID, same
 * start time, different executable. */
static int
testIdentityExec(const void *data G_GNUC_UNUSED)
{
    g_auto(virProcessIdentity) ident = { 0 };
    g_auto(virProcessIdentity) later = { 0 };
    int fds[2];
    pid_t pid;
    char c;
    int rc = -1;

    if (pipe(fds) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        close(fds[1]);
        if (read(fds[0], &c, 1) < 0)
            _exit(1);
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    close(fds[0]);
    if (virProcessIdentityGet(pid, &ident) < 0)
        goto cleanup;
    if (write(fds[1], "x", 1) != 1)
        goto cleanup;
    /* wait for the exec to happen */
    while (virProcessIdentityMatches(pid, &ident))
        g_usleep(5000);
    if (virProcessIdentityGet(pid, &later) < 0 ||
        later.starttime != ident.starttime ||
        g_strcmp0(later.exe, ident.exe) == 0)
        goto cleanup;
    rc = 0;
 cleanup:
    close(fds[1]);
    kill(pid, SIGKILL);
    testReap(pid);
    return rc;
}

static int
testIdentityGone(const void *data G_GNUC_UNUSED)
{
    g_auto(virProcessIdentity) ident = { 0 };
    int wake;
    pid_t pid = testForkWaiter(&wake);

    if (pid < 0 || virProcessIdentityGet(pid, &ident) < 0)
        return -1;
    close(wake);
    /* a zombie is already gone */
    if (virProcessWaitExit(pid, 5000) < 0 || virProcessExists(pid) ||
        virProcessIdentityMatches(pid, &ident))
        return -1;
    testReap(pid);
    if (virProcessExists(pid) || virProcessIdentityMatches(pid, &ident))
        return -1;
    if (virProcessIdentityGet(pid, &ident) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "does not exist") < 0)
        return -1;
    return 0;
}

static int
testKillPainfully(const void *data G_GNUC_UNUSED)
{
    pid_t polite, stubborn;
    int fds[2];
    char c;
    int rc = -1;

    if ((polite = fork()) == 0) {
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    if (pipe(fds) < 0)
        return -1;
    if ((stubborn = fork()) == 0) {
        signal(SIGTERM, SIG_IGN);
        if (write(fds[1], "x", 1) < 0)
            _exit(1);
        for (;;)
            pause();
    }
    close(fds[1]);
    if (read(fds[0], &c, 1) != 1)
        goto cleanup;

    if (virProcessKillPainfully(polite, 5000) != 0)
        goto cleanup;
    if (virProcessKillPainfully(stubborn, 200) != 1)
        goto cleanup;
    if (virProcessExists(polite) || virProcessExists(stubborn))
        goto cleanup;
    rc = 0;
 cleanup:
    close(fds[0]);
    kill(polite, SIGKILL);
    kill(stubborn, SIGKILL);
    testReap(polite);
    testReap(stubborn);
    return rc;
}

static int
testKillErrors(const void *data G_GNUC_UNUSED)
{
    int wake;
    pid_t pid;

    if (virProcessKill(1, SIGTERM) == 0 ||
        virTestCheckError(VIR_ERR_INVALID_ARG, "'1'") < 0)
        return -1;
    if (virProcessKill(0, SIGTERM) == 0 ||
        virTestCheckError(VIR_ERR_INVALID_ARG, "'0'") < 0)
        return -1;
    if (virProcessKillPainfully(-5, 100) == 0 ||
        virTestCheckError(VIR_ERR_INVALID_ARG, "'-5'") < 0)
        return -1;
    /* a reaped PID is an error for Kill, a success for KillPainfully */
    if ((pid = testForkWaiter(&wake)) < 0)
        return -1;
    close(wake);
    testReap(pid);
    if (virProcessKill(pid, SIGTERM) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, NULL) < 0)
        return -1;
    return virProcessKillPainfully(pid, 100) == 0 ? 0 : -1;
}

/* Waiting for a process that is not our child: a child forks a
 * grandchild, reports its PID and lets it exit a little later. */
static int
testWaitNonChild(const void *data G_GNUC_UNUSED)
{
    int fds[2], wake = -1;
    pid_t child, grandchild = -1;
    gint64 start;
    int rc = -1;

    if (pipe(fds) < 0)
        return -1;
    if ((child = fork()) == 0) {
        pid_t gc = testForkWaiter(&wake);

        if (write(fds[1], &gc, sizeof(gc)) < 0)
            _exit(1);
        g_usleep(300000);
        close(wake);
        waitpid(gc, NULL, 0);
        _exit(0);
    }
    close(fds[1]);
    if (read(fds[0], &grandchild, sizeof(grandchild)) != sizeof(grandchild))
        goto cleanup;
    if (!virProcessExists(grandchild))
        goto cleanup;
    /* too short a wait times out */
    if (virProcessWaitExit(grandchild, 20) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_TIMEOUT, "20 ms") < 0)
        goto cleanup;
    start = g_get_monotonic_time();
    if (virProcessWaitExit(grandchild, 10000) < 0 ||
        virProcessExists(grandchild) ||
        g_get_monotonic_time() - start > 5 * G_USEC_PER_SEC)
        goto cleanup;
    rc = 0;
 cleanup:
    close(fds[0]);
    testReap(child);
    return rc;
}


static int
testLockBasic(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(testDir, "vm1.lock", NULL);
    g_autoptr(virFileLock) lock = NULL;
    virFileLock *second = NULL;
    g_autofree char *content = NULL;
    struct stat sb;

    if (virFileLockAcquire(path, "backup-begin", 0, &lock) < 0)
        return -1;
    if (stat(path, &sb) < 0 || (sb.st_mode & 0777) != 0600)
        return -1;
    if (!g_file_get_contents(path, &content, NULL, NULL) ||
        !strstr(content, " backup-begin\n"))
        return -1;
    /* another descriptor in this process is refused, too */
    if (virFileLockAcquire(path, "other", 0, &second) == 0 || second ||
        virTestCheckError(VIR_ERR_RESOURCE_BUSY, "backup-begin") < 0)
        return -1;
    g_clear_pointer(&lock, virFileLockRelease);
    if (virFileLockAcquire(path, "other", 0, &second) < 0)
        return -1;
    virFileLockRelease(second);
    g_clear_pointer(&content, g_free);
    /* released: the holder line is gone */
    if (!g_file_get_contents(path, &content, NULL, NULL) || *content)
        return -1;
    if (virFileLockAcquire("/nonexistent-dir/x.lock", "x", 0, &second) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, "/nonexistent-dir/x.lock") < 0)
        return -1;
    unlink(path);
    return 0;
}

/* A child process holds the lock: the parent is refused at once with
 * the child's PID and purpose, then succeeds with a bounded wait once
 * the child lets go. */
static int
testLockOtherProcess(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(testDir, "vm2.lock", NULL);
    g_autofree char *pidstr = NULL;
    virFileLock *lock = NULL;
    int ready[2], go[2];
    pid_t pid;
    char c;
    int rc = -1;

    if (pipe(ready) < 0 || pipe(go) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        virFileLock *held = NULL;

        close(ready[0]);
        close(go[1]);
        if (virFileLockAcquire(path, "checkpoint-create", 0, &held) < 0)
            _exit(1);
        if (write(ready[1], "x", 1) < 0)
            _exit(1);
        if (read(go[0], &c, 1) < 0)
            _exit(1);
        g_usleep(200000);
        virFileLockRelease(held);
        _exit(0);
    }
    close(ready[1]);
    close(go[0]);
    if (read(ready[0], &c, 1) != 1)
        goto cleanup;
    pidstr = g_strdup_printf("'%d'", (int)pid);
    if (virFileLockAcquire(path, "backup-begin", 0, &lock) == 0 ||
        virTestCheckError(VIR_ERR_RESOURCE_BUSY, "checkpoint-create") < 0 ||
        virTestCheckError(VIR_ERR_RESOURCE_BUSY, pidstr) < 0)
        goto cleanup;
    /* a bounded wait that is too short fails the same way */
    if (virFileLockAcquire(path, "backup-begin", 50, &lock) == 0 ||
        virTestCheckError(VIR_ERR_RESOURCE_BUSY, "waited 50 ms") < 0)
        goto cleanup;
    if (write(go[1], "x", 1) != 1)
        goto cleanup;
    if (virFileLockAcquire(path, "backup-begin", 10000, &lock) < 0)
        goto cleanup;
    rc = 0;
 cleanup:
    virFileLockRelease(lock);
    close(ready[0]);
    close(go[1]);
    testReap(pid);
    unlink(path);
    return rc;
}

/* Several processes each add to a counter file under the lock with a
 * slow read-modify-write; without serialisation updates would be lost. */
static int
testLockSerialises(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(testDir, "vm3.lock", NULL);
    g_autofree char *counter = g_build_filename(testDir, "counter", NULL);
    g_autofree char *content = NULL;
    const int nproc = 4, rounds = 10;
    pid_t pids[4];
    int i, status;
    int rc = -1;

    if (virFileRewriteStr(counter, 0600, "0") < 0)
        return -1;
    for (i = 0; i < nproc; i++) {
        if ((pids[i] = fork()) == 0) {
            int r;

            for (r = 0; r < rounds; r++) {
                virFileLock *lock = NULL;
                g_autofree char *buf = NULL;
                g_autofree char *next = NULL;

                if (virFileLockAcquire(path, "count", 30000, &lock) < 0)
                    _exit(1);
                if (!g_file_get_contents(counter, &buf, NULL, NULL))
                    _exit(1);
                g_usleep(2000);
                next = g_strdup_printf("%d", atoi(buf) + 1);
                if (!g_file_set_contents(counter, next, -1, NULL))
                    _exit(1);
                virFileLockRelease(lock);
            }
            _exit(0);
        }
    }
    for (i = 0; i < nproc; i++) {
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0)
            goto cleanup;
    }
    if (!g_file_get_contents(counter, &content, NULL, NULL) ||
        atoi(content) != nproc * rounds) {
        virTestDiag("counter is '%s', expected %d", content, nproc * rounds);
        goto cleanup;
    }
    rc = 0;
 cleanup:
    unlink(counter);
    unlink(path);
    return rc;
}

/* Holders remove the lock file now and then (as undefine does) while
 * other threads wait for it: a waiter that gets the lock of the removed
 * file must notice and start over, or two threads are inside at once. */
typedef struct {
    const char *path;
    gint inside;
    gint overlaps;
    gint errors;
} testLockRemoveData;

static gpointer
testLockRemoveThread(gpointer opaque)
{
    testLockRemoveData *d = opaque;
    int r;

    for (r = 0; r < 200; r++) {
        virFileLock *lock = NULL;

        if (virFileLockAcquire(d->path, "undefine", 30000, &lock) < 0) {
            g_atomic_int_inc(&d->errors);
            break;
        }
        if (g_atomic_int_add(&d->inside, 1) != 0)
            g_atomic_int_inc(&d->overlaps);
        g_usleep(200);
        g_atomic_int_add(&d->inside, -1);
        /* the last step of a change that makes the domain go away */
        if (r % 3 == 0 && virFileLockRemoveFile(lock) < 0)
            g_atomic_int_inc(&d->errors);
        g_usleep(50);
        virFileLockRelease(lock);
    }
    return NULL;
}

static int
testLockRemovedWhileHeld(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(testDir, "vm4.lock", NULL);
    testLockRemoveData d = { .path = path };
    GThread *threads[4];
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(threads); i++)
        threads[i] = g_thread_new("locker", testLockRemoveThread, &d);
    for (i = 0; i < G_N_ELEMENTS(threads); i++)
        g_thread_join(threads[i]);
    unlink(path);
    if (d.overlaps || d.errors) {
        virTestDiag("%d overlapping holders, %d errors", d.overlaps, d.errors);
        return -1;
    }
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    testDir = g_dir_make_tmp("fleece-process-XXXXXX", NULL);

    ret |= virTestRun("identity of self", testIdentitySelf, NULL);
    ret |= virTestRun("identity with odd command name", testIdentityOddName, NULL);
    ret |= virTestRun("identity changes on exec", testIdentityExec, NULL);
    ret |= virTestRun("identity of an ended process", testIdentityGone, NULL);
    ret |= virTestRun("kill painfully", testKillPainfully, NULL);
    ret |= virTestRun("kill errors", testKillErrors, NULL);
    ret |= virTestRun("wait for a non-child", testWaitNonChild, NULL);
    ret |= virTestRun("lock basics", testLockBasic, NULL);
    ret |= virTestRun("lock held by another process", testLockOtherProcess, NULL);
    ret |= virTestRun("lock serialises processes", testLockSerialises, NULL);
    ret |= virTestRun("lock file removed by its holder", testLockRemovedWhileHeld, NULL);

    rmdir(testDir);
    g_free(testDir);
    return ret;
}

VIR_TEST_MAIN(mymain)

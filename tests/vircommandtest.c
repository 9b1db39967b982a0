/*
 * vircommandtest.c: argv building, synchronous runs, detached spawning
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "vircommand.h"
#include "virerror.h"
#include "virfile.h"
#include "virprocess.h"

static char *testDir;

static int
testToString(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) cmd = virCommandNew("/usr/bin/qemu-img");
    const char *set[] = { "-o", "cluster_size=65536", NULL };
    g_autofree char *flat = NULL;
    g_autofree char *lines = NULL;
    g_autofree char *noenv = NULL;

    virCommandAddEnvPair(cmd, "LC_ALL", "C");
    virCommandAddEnvPair(cmd, "HOME", "/var/lib/my home");
    virCommandAddArgList(cmd, "create", "-f", "qcow2", NULL);
    virCommandAddArgSet(cmd, set);
    virCommandAddArgFormat(cmd, "/tmp/%s's disk.qcow2", "bob");
    virCommandAddArgFormat(cmd, "%llu", 1024ULL * 1024);
    virCommandAddArg(cmd, "");

    flat = virCommandToString(cmd, 0);
    lines = virCommandToString(cmd, VIR_COMMAND_STRING_LINEBREAKS);
    noenv = virCommandToString(cmd, VIR_COMMAND_STRING_NO_ENV);
    if (virTestCompareStrings("LC_ALL=C HOME='/var/lib/my home' "
                              "/usr/bin/qemu-img create -f qcow2 -o "
                              "cluster_size=65536 '/tmp/bob'\\''s disk.qcow2' "
                              "1048576 ''", flat) < 0 ||
        virTestCompareStrings("LC_ALL=C \\\n"
                              "HOME='/var/lib/my home' \\\n"
                              "/usr/bin/qemu-img create \\\n"
                              "-f qcow2 \\\n"
                              "-o cluster_size=65536 "
                              "'/tmp/bob'\\''s disk.qcow2' 1048576 ''\n",
                              lines) < 0 ||
        virTestCompareStrings("/usr/bin/qemu-img create -f qcow2 -o "
                              "cluster_size=65536 '/tmp/bob'\\''s disk.qcow2' "
                              "1048576 ''", noenv) < 0)
        return -1;
    return 0;
}

/* The quoted text, given back to a real shell, yields the same words. */
static int
testQuoteRoundTrip(const void *data G_GNUC_UNUSED)
{
    const char *words[] = { "plain", "two words", "it's", "$HOME", "a\"b",
                            "back\\slash", "", "tab\there", "*", NULL };
    g_autoptr(virCommand) inner = virCommandNew("printf");
    g_autoptr(virCommand) cmd = NULL;
    g_autofree char *script = NULL;
    g_autofree char *expected = NULL;
    size_t i;

    virCommandAddArg(inner, "[%s]\\n");
    virCommandAddArgSet(inner, words);
    script = virCommandToString(inner, 0);
    cmd = virCommandNewArgList("/bin/sh", "-c", script, NULL);
    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    expected = g_strdup("");
    for (i = 0; words[i]; i++) {
        char *tmp = g_strdup_printf("%s[%s]\n", expected, words[i]);

        g_free(expected);
        expected = tmp;
    }
    return virTestCompareStrings(expected, virCommandGetStdout(cmd));
}

static int
testRunCapture(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("/bin/sh", "-c",
                             "echo out; echo err >&2; read x || echo eof",
                             NULL);

    if (virCommandRun(cmd, NULL) < 0)
        return -1;
    if (virTestCompareStrings("out\neof\n", virCommandGetStdout(cmd)) < 0 ||
        virTestCompareStrings("err\n", virCommandGetStderr(cmd)) < 0)
        return -1;
    return 0;
}

static int
testRunExitStatus(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("/bin/sh", "-c",
                             "echo 'it broke badly' >&2; exit 3", NULL);
    int status = -1;

    if (virCommandRun(cmd, NULL) == 0)
        return -1;
    if (virTestCheckError(VIR_ERR_OPERATION_FAILED, "it broke badly") < 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "status 3") < 0)
        return -1;
    virResetLastError();
    if (virCommandRun(cmd, &status) < 0 || status != 3)
        return -1;
    return virTestLastErrorCode() == VIR_ERR_OK ? 0 : -1;
}

static int
testRunTimeout(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) cmd = virCommandNewArgList("sleep", "30", NULL);
    gint64 start = g_get_monotonic_time();
    int status;

    virCommandSetTimeout(cmd, 200);
    if (virCommandRun(cmd, &status) == 0)
        return -1;
    if (virTestCheckError(VIR_ERR_OPERATION_TIMEOUT, "200 ms") < 0)
        return -1;
    if (g_get_monotonic_time() - start > 10 * G_USEC_PER_SEC)
        return -1;
    return 0;
}

static int
testRunMissing(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) byname = virCommandNew("fleece-no-such-program");
    g_autofree char *path = g_build_filename(testDir, "not-executable", NULL);
    g_autoptr(virCommand) bypath = virCommandNew(path);

    if (virCommandRun(byname, NULL) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, "fleece-no-such-program") < 0)
        return -1;
    if (virFileRewriteStr(path, 0600, "#!/bin/sh\n") < 0)
        return -1;
    if (virCommandRun(bypath, NULL) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, "cannot execute") < 0)
        return -1;
    unlink(path);
    return 0;
}

static int
testRunEnv(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("/bin/sh", "-c", "echo \"$FLEECE_A/$HOME\"", NULL);
    g_autoptr(virCommand) clear = virCommandNewArgList("/usr/bin/env", NULL);
    g_autofree char *expected = g_strdup_printf("x y/%s\n",
                                                g_getenv("HOME") ? g_getenv("HOME") : "");

    virCommandAddEnvPair(cmd, "FLEECE_A", "x y");
    if (virCommandRun(cmd, NULL) < 0 ||
        virTestCompareStrings(expected, virCommandGetStdout(cmd)) < 0)
        return -1;
    virCommandClearEnv(clear);
    virCommandAddEnvPair(clear, "ONLY", "1");
    if (virCommandRun(clear, NULL) < 0)
        return -1;
    return virTestCompareStrings("ONLY=1\n", virCommandGetStdout(clear));
}

/* A descriptor open without close-on-exec is not inherited unless passed. */
static int
testRunFDs(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_build_filename(testDir, "fd", NULL);
    g_autofree char *script = NULL;
    int leaky = open(path, O_WRONLY | O_CREAT, 0600);
    int passed = open(path, O_RDONLY | O_CLOEXEC);
    int high = leaky >= 0 ? fcntl(leaky, F_DUPFD, 500) : -1;
    int status = -1;
    int rc = -1;

    /* one leaky descriptor below the kept ones, one above all */
    if (leaky < 0 || passed < 0 || high < 0)
        goto cleanup;
    script = g_strdup_printf("test -e /proc/self/fd/%d && echo leaked; "
                             "test -e /proc/self/fd/%d && echo leaked high; "
                             "test -e /proc/self/fd/%d && echo passed; true",
                             leaky, high, passed);
    {
        g_autoptr(virCommand) cmd =
            virCommandNewArgList("/bin/sh", "-c", script, NULL);

        virCommandPassFD(cmd, passed);
        if (virCommandRun(cmd, &status) < 0 || status != 0)
            goto cleanup;
        if (virTestCompareStrings("passed\n", virCommandGetStdout(cmd)) < 0)
            goto cleanup;
    }
    rc = 0;
 cleanup:
    if (leaky >= 0)
        close(leaky);
    if (passed >= 0)
        close(passed);
    if (high >= 0)
        close(high);
    unlink(path);
    return rc;
}

/* Reap pid if it is our child (we are a subreaper, see mymain). */
static void
testReap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

static bool
testWaitForFile(const char *path, const char *content)
{
    int i;

    for (i = 0; i < 3000; i++) {
        g_autofree char *buf = NULL;

        if (g_file_get_contents(path, &buf, NULL, NULL) &&
            g_str_equal(buf, content))
            return true;
        g_usleep(10000);
    }
    return false;
}

static int
testFieldOfStatus(pid_t pid, const char *field)
{
    g_autofree char *path = g_strdup_printf("/proc/%d/status", (int)pid);
    g_autofree char *buf = NULL;
    char *p;

    if (!g_file_get_contents(path, &buf, NULL, NULL) ||
        !(p = strstr(buf, field)))
        return -1;
    return atoi(p + strlen(field));
}

/* Detached: the PID returned is the program's, it lives in a new session,
 * its parent is gone, its output goes to the log, it keeps exactly the
 * descriptors passed (a listening socket), and killing it leaves nothing. */
/* Does @path (a /proc/PID/fd/N link) open the same file as our @fd? */
static bool
testSameFile(const char *path, int fd)
{
    struct stat a, b;

    return stat(path, &a) == 0 && fstat(fd, &b) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
testDetached(const void *data G_GNUC_UNUSED)
{
    g_autofree char *log = g_build_filename(testDir, "detached.log", NULL);
    g_autofree char *sock = g_build_filename(testDir, "listen.sock", NULL);
    g_autofree char *leakpath = g_build_filename(testDir, "leak", NULL);
    g_autofree char *script = NULL;
    g_autofree char *exe = NULL;
    g_autofree char *fdpath = NULL;
    g_autofree char *leakfdpath = NULL;
    g_autofree char *procdir = NULL;
    g_autoptr(virCommand) cmd = NULL;
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int leaky = open(leakpath, O_WRONLY | O_CREAT, 0600);
    pid_t pid = -1;
    int rc = -1;
    int i;

    g_strlcpy(addr.sun_path, sock, sizeof(addr.sun_path));
    if (lsock < 0 || leaky < 0 ||
        bind(lsock, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(lsock, 1) < 0)
        goto cleanup;
    if (virFileRewriteStr(log, 0600, "earlier line\n") < 0)
        goto cleanup;

    script = g_strdup_printf("echo to-stdout; echo to-stderr >&2; "
                             "exec sleep 60");
    cmd = virCommandNewArgList("/bin/sh", "-c", script, NULL);
    virCommandPassFD(cmd, lsock);
    if (virCommandRunDetached(cmd, log, &pid) < 0)
        goto cleanup;

    if (!testWaitForFile(log, "earlier line\nto-stdout\nto-stderr\n")) {
        virTestDiag("log file does not have the expected content");
        goto cleanup;
    }
    /* the shell then execs sleep: same PID, new executable (wait for it:
     * the output may be there before the exec is) */
    procdir = g_strdup_printf("/proc/%d", (int)pid);
    fdpath = g_strdup_printf("%s/exe", procdir);
    for (i = 0; i < 1000; i++) {
        g_free(exe);
        exe = g_file_read_link(fdpath, NULL);
        if (exe && g_str_has_suffix(exe, "/sleep"))
            break;
        g_usleep(10000);
    }
    g_clear_pointer(&fdpath, g_free);
    if (!exe || !g_str_has_suffix(exe, "/sleep")) {
        virTestDiag("pid %d runs '%s', not sleep", (int)pid, exe);
        goto cleanup;
    }
    if (getsid(pid) == getsid(0) || getsid(pid) == pid) {
        virTestDiag("pid %d is not in its own non-leader session", (int)pid);
        goto cleanup;
    }
    if (testFieldOfStatus(pid, "PPid:") != getpid()) {
        virTestDiag("pid %d was not reparented to the subreaper", (int)pid);
        goto cleanup;
    }
    /* compare the files, not just the numbers: the child's own start-up
     * (the dynamic loader, locale files) briefly opens files that may
     * take the leaky descriptor's number */
    fdpath = g_strdup_printf("/proc/%d/fd/%d", (int)pid, lsock);
    leakfdpath = g_strdup_printf("/proc/%d/fd/%d", (int)pid, leaky);
    if (!testSameFile(fdpath, lsock) || testSameFile(leakfdpath, leaky)) {
        virTestDiag("wrong descriptors in the detached child");
        goto cleanup;
    }
    rc = 0;

 cleanup:
    if (pid > 0) {
        if (virProcessKillPainfully(pid, 5000) != 0)
            rc = -1;
        testReap(pid);
        if (procdir && g_file_test(procdir, G_FILE_TEST_EXISTS)) {
            virTestDiag("pid %d still exists", (int)pid);
            rc = -1;
        }
    }
    if (lsock >= 0)
        close(lsock);
    if (leaky >= 0)
        close(leaky);
    unlink(sock);
    unlink(log);
    unlink(leakpath);
    return rc;
}

static int
testDetachedFailure(const void *data G_GNUC_UNUSED)
{
    g_autofree char *log = g_build_filename(testDir, "fail.log", NULL);
    g_autoptr(virCommand) cmd = virCommandNew("/nonexistent/program");
    g_autoptr(virCommand) cmd2 = virCommandNew("/bin/true");
    pid_t pid = -1;

    if (virCommandRunDetached(cmd, log, &pid) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, "/nonexistent/program") < 0 ||
        pid != -1)
        return -1;
    unlink(log);
    /* an unwritable log is reported before anything starts */
    if (virCommandRunDetached(cmd2, "/nonexistent-dir/x.log", &pid) == 0 ||
        virTestCheckError(VIR_ERR_SYSTEM_ERROR, "/nonexistent-dir/x.log") < 0 ||
        pid != -1)
        return -1;
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    /* Detached children are reparented to us rather than to init, so the
     * test can reap them and check that nothing is left behind. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return EXIT_FAILURE;
    testDir = g_dir_make_tmp("fleece-command-XXXXXX", NULL);

    ret |= virTestRun("argv to string", testToString, NULL);
    ret |= virTestRun("quoting survives a shell", testQuoteRoundTrip, NULL);
    ret |= virTestRun("run captures output", testRunCapture, NULL);
    ret |= virTestRun("run exit status", testRunExitStatus, NULL);
    ret |= virTestRun("run timeout", testRunTimeout, NULL);
    ret |= virTestRun("run missing binary", testRunMissing, NULL);
    ret |= virTestRun("run environment", testRunEnv, NULL);
    ret |= virTestRun("run descriptors", testRunFDs, NULL);
    ret |= virTestRun("detached spawn", testDetached, NULL);
    ret |= virTestRun("detached spawn failures", testDetachedFailure, NULL);

    rmdir(testDir);
    g_free(testDir);
    return ret;
}

VIR_TEST_MAIN(mymain)

/*
 * virprocess.c: process identity, existence, signals and waiting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "virprocess.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("util.process");

/* How long SIGKILL may take to end a process (uninterruptible I/O). */
#define VIR_PROCESS_KILL_WAIT_MS 10000

/* The suffix the kernel adds to /proc/PID/exe once the file is replaced. */
#define VIR_PROCESS_EXE_DELETED " (deleted)"

void
virProcessIdentityClear(virProcessIdentity *ident)
{
    if (!ident)
        return;
    g_clear_pointer(&ident->exe, g_free);
    ident->pid = 0;
    ident->starttime = 0;
}

/* Read the state letter (field 3) and start time (field 22) of
 * /proc/PID/stat.  The command name (field 2) is in parentheses and may
 * itself hold spaces and ')', so fields are counted after the last ')'.
 * Returns -1 without reporting if the process is not there. */
static int
virProcessReadStat(pid_t pid, char *state, unsigned long long *starttime)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/stat", (long long)pid);
    g_autofree char *buf = NULL;
    g_auto(GStrv) fields = NULL;
    char *end = NULL;
    char *p;

    if (pid <= 0 || !g_file_get_contents(path, &buf, NULL, NULL))
        return -1;
    if (!(p = strrchr(buf, ')')))
        return -1;
    fields = g_strsplit(g_strstrip(p + 1), " ", 0);
    /* fields[0] is field 3 (state), so field 22 is fields[19] */
    if (g_strv_length(fields) < 20)
        return -1;
    *state = fields[0][0];
    errno = 0;
    *starttime = g_ascii_strtoull(fields[19], &end, 10);
    if (errno || !end || *end)
        return -1;
    return 0;
}

/* The target of /proc/PID/exe, without the " (deleted)" suffix the kernel
 * adds when the binary was replaced (e.g. upgraded) while running. */
static char *
virProcessReadExe(pid_t pid)
{
    g_autofree char *path = g_strdup_printf("/proc/%lld/exe", (long long)pid);
    char *exe = g_file_read_link(path, NULL);

    if (exe && g_str_has_suffix(exe, VIR_PROCESS_EXE_DELETED))
        exe[strlen(exe) - strlen(VIR_PROCESS_EXE_DELETED)] = '\0';
    return exe;
}

static bool
virProcessStateIsDead(char state)
{
    return state == 'Z' || state == 'X' || state == 'x';
}

/* A multi-threaded process whose main thread has exited shows it as a
 * zombie while its other threads are still running (and holding its
 * files and locks): it is gone only when every thread is. */
static bool
virProcessGone(pid_t pid, char leaderState)
{
    g_autofree char *taskdir = NULL;
    g_autoptr(GDir) dir = NULL;
    const char *ent;

    if (!virProcessStateIsDead(leaderState))
        return false;
    taskdir = g_strdup_printf("/proc/%lld/task", (long long)pid);
    if (!(dir = g_dir_open(taskdir, 0, NULL)))
        return true;
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *stat = g_strdup_printf("%s/%s/stat", taskdir, ent);
        g_autofree char *buf = NULL;
        const char *p;

        if (!g_file_get_contents(stat, &buf, NULL, NULL) || !(p = strrchr(buf, ')')))
            continue;
        if (p[1] == ' ' && !virProcessStateIsDead(p[2]))
            return false;
    }
    return true;
}

/* Record who pid is, to recognise it later. */
int
virProcessIdentityGet(pid_t pid, virProcessIdentity *ident)
{
    char state = 0;
    unsigned long long starttime = 0;

    virProcessIdentityClear(ident);
    if (virProcessReadStat(pid, &state, &starttime) < 0 ||
        virProcessStateIsDead(state)) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("process '%lld' does not exist"), (long long)pid);
        return -1;
    }
    ident->pid = pid;
    ident->starttime = starttime;
    ident->exe = virProcessReadExe(pid);
    return 0;
}

/* Whether pid is still the process ident describes.  The executable is
 * compared only when both sides could read it. */
bool
virProcessIdentityMatches(pid_t pid, const virProcessIdentity *ident)
{
    char state = 0;
    unsigned long long starttime = 0;
    g_autofree char *exe = NULL;

    if (!ident || pid <= 0 || ident->pid != pid)
        return false;
    if (virProcessReadStat(pid, &state, &starttime) < 0 ||
        virProcessGone(pid, state) || starttime != ident->starttime)
        return false;
    if (ident->exe && (exe = virProcessReadExe(pid)) &&
        !g_str_equal(exe, ident->exe))
        return false;
    return true;
}

bool
virProcessExists(pid_t pid)
{
    char state = 0;
    unsigned long long starttime = 0;

    if (virProcessReadStat(pid, &state, &starttime) < 0)
        return false;
    return !virProcessGone(pid, state);
}

pid_t
virProcessFindByArg(const char *arg)
{
    g_autoptr(GDir) dir = g_dir_open("/proc", 0, NULL);
    const char *ent;

    while (dir && (ent = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        g_autofree char *cmdline = NULL;
        gsize len = 0;
        gsize off;
        char *end = NULL;
        long long pid = g_ascii_strtoll(ent, &end, 10);

        if (pid <= 1 || !end || *end || pid == getpid())
            continue;
        path = g_strdup_printf("/proc/%lld/cmdline", pid);
        if (!g_file_get_contents(path, &cmdline, &len, NULL))
            continue;
        /* NUL-separated arguments */
        for (off = 0; off < len; off += strlen(cmdline + off) + 1) {
            if (g_str_equal(cmdline + off, arg) && virProcessExists(pid))
                return pid;
        }
    }
    return 0;
}

/* Send a signal; refuses PIDs 0, 1 and negative ones, which would reach
 * groups or init. */
int
virProcessKill(pid_t pid, int sig)
{
    if (pid <= 1) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("refusing to signal process '%lld'"),
                       (long long)pid);
        return -1;
    }
    if (kill(pid, sig) < 0) {
        virReportSystemError(errno, _("cannot send signal %d to process '%lld'"),
                             sig, (long long)pid);
        return -1;
    }
    return 0;
}

/* Wait for pid to end, without reporting.  Uses a pidfd when the kernel
 * has them (woken at exit, child or not), else polls /proc.  Returns true
 * once the process is gone (or a zombie). */
static bool
virProcessWaitExitQuiet(pid_t pid, unsigned int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * (gint64)1000;
    int pidfd = -1;

#ifdef SYS_pidfd_open
    pidfd = syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0 && errno == ESRCH)
        return true;
#endif
    for (;;) {
        gint64 left;

        if (!virProcessExists(pid))
            break;
        left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            if (pidfd >= 0)
                close(pidfd);
            return false;
        }
        if (pidfd >= 0) {
            struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

            if (poll(&pfd, 1, (left + 999) / 1000) > 0)
                break;
        } else {
            g_usleep(MIN(left, 10000));
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    return true;
}

int
virProcessWaitExit(pid_t pid, unsigned int timeout_ms)
{
    if (virProcessWaitExitQuiet(pid, timeout_ms))
        return 0;
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("process '%lld' did not exit within %u ms"),
                   (long long)pid, timeout_ms);
    return -1;
}

/* Terminate pid, politely first: see virprocess.h. */
int
virProcessKillPainfully(pid_t pid, unsigned int timeout_ms)
{
    if (pid <= 1) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("refusing to signal process '%lld'"),
                       (long long)pid);
        return -1;
    }
    VIR_DEBUG("terminating pid %lld", (long long)pid);
    if (kill(pid, SIGTERM) < 0) {
        if (errno == ESRCH)
            return 0;
        virReportSystemError(errno, _("cannot send signal %d to process '%lld'"),
                             SIGTERM, (long long)pid);
        return -1;
    }
    if (virProcessWaitExitQuiet(pid, timeout_ms))
        return 0;

    VIR_DEBUG("pid %lld ignored SIGTERM, sending SIGKILL", (long long)pid);
    if (kill(pid, SIGKILL) < 0 && errno != ESRCH) {
        virReportSystemError(errno, _("cannot send signal %d to process '%lld'"),
                             SIGKILL, (long long)pid);
        return -1;
    }
    if (virProcessWaitExitQuiet(pid, VIR_PROCESS_KILL_WAIT_MS))
        return 1;
    virReportError(VIR_ERR_OPERATION_FAILED,
                   _("process '%lld' survived SIGKILL"), (long long)pid);
    return -1;
}

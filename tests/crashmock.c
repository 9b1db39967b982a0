/*
 * crashmock.c: LD_PRELOAD library that stops a process before each step
 * of a change, so that a test can SIGKILL it there
 *
 * Test-only, never part of the shipped library (libvirt's tests use mock
 * libraries the same way).  Loaded into a Fleece process (the fleece
 * tool, say), it counts the steps the process takes that change
 * something outside it:
 *
 *   qmp:NAME       a QMP or guest-agent command that changes something
 *                  (queries and the greeting are not steps)
 *   rename:FILE    the commit of an atomically written file
 *   unlink:FILE, rmdir:DIR, chmod:FILE
 *   create:FILE    a file created exclusively (open with O_EXCL)
 *   spawn          a child process (qemu-img, qemu-storage-daemon)
 *
 * FLEECE_CRASHMOCK_LOG=PATH appends "N LABEL" for each step to PATH.
 * FLEECE_CRASHMOCK_STOP=N makes the process stop itself (SIGSTOP) just
 * before step N, after logging it: the test, waiting for the child with
 * WUNTRACED, then kills it with SIGKILL from outside.
 * FLEECE_CRASHMOCK_STOP_AFTER=LABEL stops it the same way just before
 * the first step that follows a step labelled LABEL.  Without these
 * variables the library changes nothing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
/* both open() and open64() are wrapped: no renaming of one to the other */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

static int crashStep;
static int crashStopNext;            /* STOP_AFTER's label was seen */
static int crashDisabled;            /* in a forked child */
static __thread int crashInside;     /* no steps from the mock itself */

#define CRASH_REAL(name) \
    static __typeof__(name) *real_##name; \
    if (!real_##name) \
        real_##name = (__typeof__(name) *) dlsym(RTLD_NEXT, #name)

/* Only the process the test started is stopped: the programs it runs
 * (qemu-img, qemu-storage-daemon) do not inherit the library, whose
 * steps they would otherwise count and stop at themselves. */
__attribute__((constructor)) static void
crashInit(void)
{
    unsetenv("LD_PRELOAD");
}

/* Raw write of the log line, past the wrappers. */
static void
crashLog(const char *line)
{
    const char *path = getenv("FLEECE_CRASHMOCK_LOG");
    int fd;

    if (!path)
        return;
    fd = (int) syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
                       0600);
    if (fd < 0)
        return;
    (void) syscall(SYS_write, fd, line, strlen(line));
    (void) syscall(SYS_close, fd);
}

/* One step is about to happen. */
static void
crashStepTaken(const char *kind, const char *detail)
{
    const char *stop = getenv("FLEECE_CRASHMOCK_STOP");
    const char *after = getenv("FLEECE_CRASHMOCK_STOP_AFTER");
    const char *base;
    char line[512];
    int n;

    if (crashDisabled || crashInside)
        return;
    if (!getenv("FLEECE_CRASHMOCK_LOG") && !stop && !after)
        return;
    n = __atomic_add_fetch(&crashStep, 1, __ATOMIC_SEQ_CST);
    base = detail ? strrchr(detail, '/') : NULL;
    base = base ? base + 1 : detail;
    snprintf(line, sizeof(line), "%d %s%s%s\n", n, kind, base ? ":" : "", base ? base : "");
    crashLog(line);
    if ((stop && atoi(stop) == n) || crashStopNext)
        raise(SIGSTOP);
    if (after && strncmp(strchr(line, ' ') + 1, after, strlen(after)) == 0)
        crashStopNext = 1;
}

/* The command name of QMP or agent text, if it is a command that
 * changes something; NULL otherwise. */
static const char *
crashCommand(const void *buf, size_t len, char *name, size_t namelen)
{
    static const char *const readers[] = {
        "query-", "qmp_capabilities", "guest-sync", "guest-ping", "guest-info",
        "guest-fsfreeze-status", "x-debug-", NULL,
    };
    const char *key = memmem(buf, len, "\"execute\"", 9);
    const char *end = (const char *) buf + len;
    const char *p, *q;
    size_t i;

    if (!key)
        return NULL;
    p = key + 9;
    while (p < end && (*p == ' ' || *p == ':'))
        p++;
    if (p >= end || *p != '"')
        return NULL;
    p++;
    for (q = p; q < end && *q != '"'; q++)
        ;
    if (q >= end || (size_t) (q - p) >= namelen)
        return NULL;
    memcpy(name, p, q - p);
    name[q - p] = '\0';
    for (i = 0; readers[i]; i++) {
        if (strncmp(name, readers[i], strlen(readers[i])) == 0)
            return NULL;
    }
    return name;
}

static void
crashMaybeCommand(int fd, const void *buf, size_t len)
{
    char name[128];
    struct stat sb;

    if (crashDisabled || crashInside || len == 0)
        return;
    if (fstat(fd, &sb) < 0 || !S_ISSOCK(sb.st_mode))
        return;
    if (crashCommand(buf, len, name, sizeof(name)))
        crashStepTaken("qmp", name);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
    CRASH_REAL(send);
    crashMaybeCommand(fd, buf, len);
    return real_send(fd, buf, len, flags);
}

ssize_t
write(int fd, const void *buf, size_t count)
{
    CRASH_REAL(write);
    crashMaybeCommand(fd, buf, count);
    return real_write(fd, buf, count);
}

int
rename(const char *oldpath, const char *newpath)
{
    CRASH_REAL(rename);
    crashStepTaken("rename", newpath);
    return real_rename(oldpath, newpath);
}

int
unlink(const char *path)
{
    CRASH_REAL(unlink);
    crashStepTaken("unlink", path);
    return real_unlink(path);
}

int
rmdir(const char *path)
{
    CRASH_REAL(rmdir);
    crashStepTaken("rmdir", path);
    return real_rmdir(path);
}

int
chmod(const char *path, mode_t mode)
{
    CRASH_REAL(chmod);
    crashStepTaken("chmod", path);
    return real_chmod(path, mode);
}

/* open() with O_CREAT|O_EXCL creates a file of its own: a step. */
static void
crashMaybeCreate(const char *path, int flags)
{
    if ((flags & O_CREAT) && (flags & O_EXCL))
        crashStepTaken("create", path);
}

int
open(const char *path, int flags, ...)
{
    mode_t mode = 0;
    va_list ap;

    CRASH_REAL(open);
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    crashMaybeCreate(path, flags);
    return real_open(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
    mode_t mode = 0;
    va_list ap;

    CRASH_REAL(open64);
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    crashMaybeCreate(path, flags);
    return real_open64(path, flags, mode);
}

pid_t
fork(void)
{
    pid_t pid;

    CRASH_REAL(fork);
    crashStepTaken("spawn", NULL);
    crashInside++;
    pid = real_fork();
    crashInside--;
    if (pid == 0)
        crashDisabled = 1;
    return pid;
}

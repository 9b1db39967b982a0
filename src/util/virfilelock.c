/*
 * virfilelock.c: per-domain lock files (flock)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virfilelock.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("util.filelock");

/* Pause between attempts during a bounded wait. */
#define VIR_FILE_LOCK_RETRY_US 10000

struct _virFileLock {
    int fd;
    char *path;
};

const char *
virFileLockGetPath(virFileLock *lock)
{
    return lock->path;
}

/* The "PID purpose" line the holder wrote, or NULL if empty/unreadable. */
static char *
virFileLockReadHolder(int fd)
{
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    if (!buf[0])
        return NULL;
    return g_strdup(buf);
}

/* Replace the file's content with our PID and purpose (one line). */
static void
virFileLockWriteHolder(int fd, const char *purpose)
{
    g_autofree char *line = g_strdup_printf("%lld %s\n", (long long)getpid(),
                                            purpose ? purpose : "");

    g_strdelimit(line, "\r\n", ' ');
    line[strlen(line) - 1] = '\n';
    if (ftruncate(fd, 0) < 0 || pwrite(fd, line, strlen(line), 0) < 0)
        VIR_WARN("cannot record lock holder: %s", g_strerror(errno));
}

/* Report that the lock is taken, naming the holder when it is known. */
static void
virFileLockReportBusy(const char *path, int fd, unsigned int wait_ms)
{
    g_autofree char *holder = virFileLockReadHolder(fd);
    g_autofree char *pid = NULL;
    const char *purpose = NULL;

    if (holder) {
        char *sp = strchr(holder, ' ');

        if (sp) {
            *sp = '\0';
            purpose = sp + 1;
        }
        pid = g_strdup(holder);
    }
    if (pid && purpose && *purpose)
        virReportError(VIR_ERR_RESOURCE_BUSY,
                       _("lock '%s' is held by process '%s' for '%s' (waited %u ms)"),
                       path, pid, purpose, wait_ms);
    else
        virReportError(VIR_ERR_RESOURCE_BUSY,
                       _("lock '%s' is held by another process (waited %u ms)"),
                       path, wait_ms);
}

/* Whether the file locked through fd is still the one at path: a holder
 * may have removed it (virFileLockRemoveFile) and a newcomer created
 * another, whose lock would then be independent of ours.  1 yes, 0 no
 * (start over), -1 error. */
static int
virFileLockIsCurrent(const char *path, int fd)
{
    struct stat fdsb;
    struct stat pathsb;

    if (fstat(fd, &fdsb) < 0) {
        virReportSystemError(errno, _("cannot check lock file '%s'"), path);
        return -1;
    }
    if (stat(path, &pathsb) < 0) {
        if (errno == ENOENT)
            return 0;
        virReportSystemError(errno, _("cannot check lock file '%s'"), path);
        return -1;
    }
    return fdsb.st_dev == pathsb.st_dev && fdsb.st_ino == pathsb.st_ino;
}

/* Take the lock: see virfilelock.h. */
int
virFileLockAcquire(const char *path, const char *purpose,
                   unsigned int wait_ms, virFileLock **lock)
{
    gint64 deadline = g_get_monotonic_time() + wait_ms * (gint64)1000;
    int fd = -1;

    *lock = NULL;
    for (;;) {
        gint64 left;
        int current;

        if (fd < 0 &&
            (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
                       0600)) < 0) {
            virReportSystemError(errno, _("cannot open lock file '%s'"), path);
            return -1;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            if ((current = virFileLockIsCurrent(path, fd)) > 0)
                break;
            /* locked a file that is no longer the lock: start over on the
             * file now at path (closing drops the stale lock) */
            close(fd);
            fd = -1;
            if (current < 0)
                return -1;
            VIR_DEBUG("lock file '%s' was replaced; retrying", path);
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EWOULDBLOCK) {
            virReportSystemError(errno, _("cannot lock '%s'"), path);
            close(fd);
            return -1;
        }
        left = deadline - g_get_monotonic_time();
        if (left <= 0) {
            virFileLockReportBusy(path, fd, wait_ms);
            close(fd);
            return -1;
        }
        g_usleep(MIN(left, VIR_FILE_LOCK_RETRY_US));
    }
    virFileLockWriteHolder(fd, purpose);
    VIR_DEBUG("locked '%s' for '%s'", path, purpose ? purpose : "");

    *lock = g_new0(virFileLock, 1);
    (*lock)->fd = fd;
    (*lock)->path = g_strdup(path);
    return 0;
}

/* Remove the file of a held lock; see virfilelock.h. */
int
virFileLockRemoveFile(virFileLock *lock)
{
    if (unlink(lock->path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove lock file '%s'"),
                             lock->path);
        return -1;
    }
    return 0;
}

/* Clear the holder line, unlock, free. */
void
virFileLockRelease(virFileLock *lock)
{
    if (!lock)
        return;
    if (ftruncate(lock->fd, 0) < 0)
        VIR_WARN("cannot clear lock file '%s': %s", lock->path,
                 g_strerror(errno));
    flock(lock->fd, LOCK_UN);
    close(lock->fd);
    VIR_DEBUG("unlocked '%s'", lock->path);
    g_free(lock->path);
    g_free(lock);
}

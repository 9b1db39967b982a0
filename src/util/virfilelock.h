/*
 * virfilelock.h: per-domain lock files (flock)
 *
 * A lock serialises state changes between processes (and threads, each
 * holding its own descriptor).  It is taken without blocking or with a
 * short bounded wait, never held across a long job.  The holder writes
 * its PID and purpose into the file, so a refused caller can say who
 * holds it.
 *
 * A lock file may be removed, but only by its holder
 * (virFileLockRemoveFile, e.g. when the domain goes away): whoever was
 * waiting on the removed file finds, once it has the flock, that the
 * path no longer names the file it locked, and starts over on the file
 * now there.  So two holders of "the" lock of one path never coexist.
 * Removing the file ends the exclusion for newcomers at once: it is the
 * last step of the change that makes the object go away.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _virFileLock virFileLock;

/* Take the lock at path (created 0600), recording purpose in it.
 * wait_ms 0 fails at once if it is held; otherwise retry for up to
 * wait_ms.  A held lock is VIR_ERR_RESOURCE_BUSY naming the holder. */
int virFileLockAcquire(const char *path, const char *purpose,
                       unsigned int wait_ms, virFileLock **lock);
/* Remove the lock file while holding the lock, as the last step of a
 * change (see above); the descriptor stays locked until released.  A
 * missing file is fine. */
int virFileLockRemoveFile(virFileLock *lock);
/* Release and free; NULL is accepted. */
void virFileLockRelease(virFileLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virFileLock, virFileLockRelease);

const char *virFileLockGetPath(virFileLock *lock);

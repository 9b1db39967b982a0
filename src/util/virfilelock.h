/*
 * virfilelock.h: per-domain lock files (flock)
 *
 * A lock serialises state changes between processes (and threads, each
 * holding its own descriptor).  It is taken without blocking or with a
 * short bounded wait, never held across a long job.  The holder writes
 * its PID and purpose into the file, so a refused caller can say who
 * holds it.  Lock files are never removed, which keeps flock sound.
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
/* Release and free; NULL is accepted. */
void virFileLockRelease(virFileLock *lock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virFileLock, virFileLockRelease);

const char *virFileLockGetPath(virFileLock *lock);

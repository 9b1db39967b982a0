/*
 * virlog.c: debug logging
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "virlog.h"

static GMutex virLogLock;
static int virLogLevel = -1;     /* -1: not read yet; 0: off */
static FILE *virLogStream;
static bool virLogFixed;         /* set by virLogSetOutputFile */

static void
virLogLoadSettings(void)
{
    const char *level = g_getenv("FLEECE_DEBUG");
    const char *file = g_getenv("FLEECE_LOG_FILE");

    virLogLevel = 0;
    if (level && *level) {
        int n = atoi(level);
        virLogLevel = (n >= VIR_LOG_DEBUG && n <= VIR_LOG_ERROR) ? n : VIR_LOG_DEBUG;
    }
    if (virLogStream && virLogStream != stderr)
        fclose(virLogStream);
    virLogStream = NULL;
    if (virLogLevel && file && *file)
        virLogStream = fopen(file, "ae");
    if (virLogLevel && !virLogStream)
        virLogStream = stderr;
}

int
virLogSetOutputFile(virLogPriority prio, const char *path)
{
    FILE *fp = fopen(path, "ae");

    if (!fp)
        return -1;
    g_mutex_lock(&virLogLock);
    if (virLogStream && virLogStream != stderr)
        fclose(virLogStream);
    virLogStream = fp;
    virLogLevel = prio;
    virLogFixed = true;
    g_mutex_unlock(&virLogLock);
    return 0;
}

void
virLogReset(void)
{
    g_mutex_lock(&virLogLock);
    if (!virLogFixed)
        virLogLoadSettings();
    g_mutex_unlock(&virLogLock);
}

bool
virLogEnabled(virLogPriority prio)
{
    bool ret;

    g_mutex_lock(&virLogLock);
    if (virLogLevel < 0)
        virLogLoadSettings();
    ret = virLogLevel > 0 && (int) prio >= virLogLevel;
    g_mutex_unlock(&virLogLock);
    return ret;
}

void
virLogMessage(virLogPriority prio, const char *category,
              const char *filename, size_t linenr, const char *funcname,
              const char *fmt, ...)
{
    static const char *const names[] = { "", "debug", "info", "warning", "error" };
    g_autofree char *msg = NULL;
    g_autoptr(GDateTime) now = NULL;
    g_autofree char *stamp = NULL;
    va_list ap;

    if (!virLogEnabled(prio))
        return;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    now = g_date_time_new_now_utc();
    stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f");

    g_mutex_lock(&virLogLock);
    if (virLogStream) {
        fprintf(virLogStream, "%s: %d: %s : %s:%zu %s: %s\n", stamp,
                (int) getpid(), names[prio], filename, linenr, funcname, msg);
        fflush(virLogStream);
    }
    g_mutex_unlock(&virLogLock);
    (void) category;
}

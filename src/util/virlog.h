/*
 * virlog.h: debug logging, off unless FLEECE_DEBUG is set
 *
 * FLEECE_DEBUG=1..4 (1 = debug and up, 4 = errors only) turns logging on;
 * FLEECE_LOG_FILE=PATH sends it to a file instead of stderr.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef enum {
    VIR_LOG_DEBUG = 1,
    VIR_LOG_INFO,
    VIR_LOG_WARN,
    VIR_LOG_ERROR,
} virLogPriority;

/* Each .c file names its log category once. */
#define VIR_LOG_INIT(category) \
    static const char *virLogCategory G_GNUC_UNUSED = category

bool virLogEnabled(virLogPriority prio);
void virLogMessage(virLogPriority prio, const char *category,
                   const char *filename, size_t linenr, const char *funcname,
                   const char *fmt, ...) G_GNUC_PRINTF(6, 7);
/* Log messages of priority @prio and up to @path (appended), whatever the
 * environment says; a daemon's log.  Returns 0, or -1 with errno set when
 * the file cannot be opened. */
int virLogSetOutputFile(virLogPriority prio, const char *path);

/* Forget the cached settings (tests change the environment). */
void virLogReset(void);

#define VIR_LOG_AT(prio, ...) \
    do { \
        if (virLogEnabled(prio)) \
            virLogMessage(prio, virLogCategory, __FILE__, __LINE__, \
                          __func__, __VA_ARGS__); \
    } while (0)

#define VIR_DEBUG(...) VIR_LOG_AT(VIR_LOG_DEBUG, __VA_ARGS__)
#define VIR_INFO(...) VIR_LOG_AT(VIR_LOG_INFO, __VA_ARGS__)
#define VIR_WARN(...) VIR_LOG_AT(VIR_LOG_WARN, __VA_ARGS__)
#define VIR_ERROR(...) VIR_LOG_AT(VIR_LOG_ERROR, __VA_ARGS__)

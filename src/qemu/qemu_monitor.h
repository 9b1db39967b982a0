/*
 * qemu_monitor.h: QMP transport (one client on QEMU's monitor socket)
 *
 * A monitor is used from one thread, blocking with timeouts: connect,
 * negotiate, send commands one at a time, collect events.  Events that
 * arrive while a command is outstanding are queued in arrival order.
 * What the commands are, and how their arguments and replies look, is
 * declared in qemu_qmp.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virjson.h"

/* The negotiation command is sent by the transport itself; the table of
 * declared commands refers to this same name. */
#define QEMU_MONITOR_CAPABILITIES_COMMAND "qmp_capabilities"

/* A reasonable default for commands that should answer at once. */
#define QEMU_MONITOR_TIMEOUT_DEFAULT 30000
/* Wait without limit. */
#define QEMU_MONITOR_TIMEOUT_FOREVER (-1)

/* Longest line accepted from QEMU by default (query-qmp-schema is the
 * biggest reply we know of, well under this). */
#define QEMU_MONITOR_MAX_LINE_DEFAULT (32 * 1024 * 1024)

typedef struct _qemuMonitor qemuMonitor;

typedef enum {
    /* End of file instead of a reply is a success (quit). */
    QEMU_MONITOR_COMMAND_EOF_OK = 1 << 0,
    /* The reply is QEMU's whole message, an error reply included, which
     * is then no failure (qemu-monitor-command passes it on). */
    QEMU_MONITOR_COMMAND_WHOLE_REPLY = 1 << 1,
} qemuMonitorCommandFlags;

/* Connect to the QMP socket at @path, retrying while QEMU is still
 * creating it, read the greeting and negotiate capabilities; the whole
 * takes at most @timeout_ms. */
qemuMonitor *qemuMonitorOpen(const char *path, int timeout_ms);
/* The same on an already connected stream socket; takes @fd. */
qemuMonitor *qemuMonitorOpenFD(int fd, int timeout_ms);
/* qemuMonitorOpen that also writes the whole exchange into @record as a
 * transcript (see tests/qemumonitortestutils.h): "<- " lines for what
 * QEMU sent, "-> " lines for what we sent, ids dropped and event
 * timestamps zeroed, "!eof" when QEMU closed the connection. */
qemuMonitor *qemuMonitorOpenRecording(const char *path, int timeout_ms,
                                      GString *record);
void qemuMonitorClose(qemuMonitor *mon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitor, qemuMonitorClose);

/* The socket, for a caller that polls it among others; when readable,
 * qemuMonitorNextEvent(mon, 0, ...) collects what arrived. */
int qemuMonitorGetFD(qemuMonitor *mon);

/* QEMU's version from the greeting. */
void qemuMonitorGetVersion(qemuMonitor *mon, unsigned int *major,
                           unsigned int *minor, unsigned int *micro);
const char *qemuMonitorGetVersionPackage(qemuMonitor *mon);

/* Limit the length of a line accepted from QEMU. */
void qemuMonitorSetMaxLine(qemuMonitor *mon, size_t bytes);

/* True once EOF, a protocol error or an I/O error made the monitor
 * unusable; every later call fails at once. */
bool qemuMonitorIsBroken(qemuMonitor *mon);

/* Send @cmd ({"execute": ..., "arguments": ...}, taken and cleared),
 * wait for its reply; on success *@reply_return (if not NULL) gets the
 * "return" value.  A QEMU error becomes a virError naming QEMU's class
 * and description; its class stays readable with
 * qemuMonitorGetLastErrorClass. */
int qemuMonitorCommand(qemuMonitor *mon, virJSONValue **cmd,
                       virJSONValue **reply_return, int timeout_ms);
int qemuMonitorCommandFull(qemuMonitor *mon, virJSONValue **cmd,
                           virJSONValue **reply_return, int timeout_ms,
                           unsigned int flags);

/* The "class" of the last QEMU error reply on this monitor, or NULL. */
const char *qemuMonitorGetLastErrorClass(qemuMonitor *mon);

/* The next event, queued or arriving within @timeout_ms: 1 with
 * *@event set, 0 when none came in time, -1 on error. */
int qemuMonitorNextEvent(qemuMonitor *mon, int timeout_ms,
                         virJSONValue **event);

typedef bool (*qemuMonitorEventPredicate)(virJSONValue *event,
                                          void *opaque);

/* Wait for the first event called @name (and accepted by @predicate if
 * given); other events stay queued in order.  A timeout is
 * VIR_ERR_OPERATION_TIMEOUT. */
int qemuMonitorWaitEvent(qemuMonitor *mon, const char *name,
                         qemuMonitorEventPredicate predicate, void *opaque,
                         int timeout_ms, virJSONValue **event);

/* Number of queued events. */
size_t qemuMonitorEventCount(qemuMonitor *mon);

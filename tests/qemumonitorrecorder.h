/*
 * qemumonitorrecorder.h: record a QMP transcript from real QEMU
 *
 * The recorder sits between Fleece and a real QEMU: it listens on the
 * path Fleece connects to (the domain's ROOT/run/NAME.qmp) and relays
 * every connection to QEMU's own monitor socket (moved aside by the
 * test).  Everything that passes is written down in the transcript
 * language of the fake peer (qemumonitortestutils.h), so that the same
 * scenario can later be replayed without QEMU:
 *
 *   -> {command}     what Fleece sent, without its id
 *   <- {message}     what QEMU answered or emitted, without the id,
 *                    event timestamps zeroed
 *   !handshake       the greeting and capability negotiation
 *   !reconnect       Fleece closed its monitor and opened a new one
 *   !check NAME      the test's state NAME held when the command came
 *                    (asked of the check callback, e.g. "frozen")
 *
 * A fault QEMU cannot be made to produce is injected: the command is
 * answered by the recorder instead of QEMU, and the transcript says so
 * in a comment beside the reply ("# INJECTED: why").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

typedef struct _qemuMonitorRecorder qemuMonitorRecorder;

/* Start relaying @listenPath (created here) to QEMU's socket @qemuPath. */
qemuMonitorRecorder *qemuMonitorRecorderNew(const char *listenPath,
                                            const char *qemuPath);

/* The next command named @execute is answered with @reply (JSON) by the
 * recorder itself; @why goes into the transcript. */
void qemuMonitorRecorderInject(qemuMonitorRecorder *rec, const char *execute,
                               const char *reply, const char *why);

/* Called for every command before it is relayed: a state name to record
 * as "!check NAME", or NULL. */
typedef const char *(*qemuMonitorRecorderCheck)(const char *execute,
                                                 void *opaque);
void qemuMonitorRecorderSetCheck(qemuMonitorRecorder *rec,
                                 qemuMonitorRecorderCheck check, void *opaque);

/* A "# text" line at this point of the transcript (between sessions). */
void qemuMonitorRecorderComment(qemuMonitorRecorder *rec, const char *text);

/* Stop (no client may be connected) and return the transcript; NULL,
 * with a diagnostic, if relaying failed or an injection was not used. */
char *qemuMonitorRecorderFinish(qemuMonitorRecorder *rec);

void qemuMonitorRecorderFree(qemuMonitorRecorder *rec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitorRecorder, qemuMonitorRecorderFree);

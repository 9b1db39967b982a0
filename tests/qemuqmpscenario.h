/*
 * qemuqmpscenario.h: a running domain for the QMP transcript tests
 *
 * A transcript test runs driver operations (checkpoint create/delete,
 * backup begin/reconcile/end) on a running domain "testvm" whose QEMU
 * is, in normal runs, the fake peer playing a transcript
 * (qemumonitortestutils.h) on ROOT/run/testvm.qmp, with this process
 * standing in for QEMU's pid.
 *
 * With FLEECE_TEST_REGENERATE=1 the same scenario runs against real
 * QEMU instead: the driver starts the domain, the recorder
 * (qemumonitorrecorder.h) takes QEMU's place on the monitor path, and
 * what passes is written to the transcript file, paths under the
 * temporary directory as @TMP@.  The test's preparation (guest writes,
 * bitmaps that must already exist, waiting for jobs to end) goes to
 * QEMU directly and is not recorded.  Review the diff of the
 * transcripts; the only hand edits allowed are injected faults, which
 * the recorder marks in the file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "qemu_conf.h"
#include "qemu_monitor.h"

#define QEMU_QMP_SCENARIO_DOMAIN "testvm"

typedef struct _qemuQMPScenario qemuQMPScenario;

/* True when recording from real QEMU (FLEECE_TEST_REGENERATE=1). */
bool qemuQMPScenarioRecording(void);

/* The tests' domain (tests/data/testvm.xml) with its disks in @tmp, plus
 * @extraDisks (XML inserted after the last disk, "@TMP@" for @tmp). */
char *qemuQMPScenarioDomainXML(const char *tmp, const char *extraDisks);

/* Make the domain of @xml run under @driver's root and connect the
 * monitor path: replay plays @transcript (a file; "@TMP@" stands for the
 * driver's root), recording starts QEMU (the disks must exist: see
 * qemuQMPScenarioCreateDisk) and the recorder.  @replayCheck answers
 * "!check NAME" lines when replaying, @recordCheck names the state to
 * record before a command when recording (either may be NULL). */
typedef int (*qemuQMPScenarioReplayCheck)(const char *name, void *opaque);
typedef const char *(*qemuQMPScenarioRecordCheck)(const char *execute,
                                                   void *opaque);
qemuQMPScenario *qemuQMPScenarioNew(qemuDriver *driver, const char *xml,
                                    const char *transcript,
                                    qemuQMPScenarioReplayCheck replayCheck,
                                    qemuQMPScenarioRecordCheck recordCheck,
                                    void *opaque);

/* A qcow2 image @name of @size bytes in @dir (for recording). */
int qemuQMPScenarioCreateDisk(const char *dir, const char *name,
                              unsigned long long size);

/* --- preparation on real QEMU, not recorded (recording only) --- */

/* The guest writes @len bytes of @pattern at @offset of disk @index
 * (0 = vda), through the device's own block backend. */
int qemuQMPScenarioGuestWrite(qemuQMPScenario *s, unsigned int index,
                              unsigned int pattern, unsigned long long offset,
                              unsigned long long len);
/* A persistent bitmap @name on disk @index's top node, as a checkpoint
 * made earlier would have left it. */
int qemuQMPScenarioAddBitmap(qemuQMPScenario *s, unsigned int index,
                             const char *name);
/* Wait until every block job of QEMU has concluded. */
int qemuQMPScenarioWaitJobs(qemuQMPScenario *s);
/* Wait until QEMU's block jobs together have copied at least @bytes. */
int qemuQMPScenarioWaitProgress(qemuQMPScenario *s, unsigned long long bytes);
/* Answer the next @execute with @reply instead of QEMU (a fault QEMU
 * cannot produce; @why is written beside it in the transcript). */
void qemuQMPScenarioInject(qemuQMPScenario *s, const char *execute,
                           const char *reply, const char *why);

/* Recording: move aside the socket QEMU listens on at @path (e.g. the
 * guest agent channel), so that a fake may listen there instead. */
int qemuQMPScenarioFreePath(qemuQMPScenario *s, const char *path);

/* A comment at this point of the transcript (recording; a no-op when
 * replaying). */
void qemuQMPScenarioComment(qemuQMPScenario *s, const char *text);

/* End: replaying, 0 if the whole transcript was played; recording, stop
 * QEMU and write the transcript with @header (comment lines) on top. */
int qemuQMPScenarioFinish(qemuQMPScenario *s, const char *header);

void qemuQMPScenarioFree(qemuQMPScenario *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPScenario, qemuQMPScenarioFree);

/* rm -r (sockets and images included). */
void qemuQMPScenarioRemoveTree(const char *path);
/* @text with "@TMP@" replaced by @tmp (NULL stays NULL). */
char *qemuQMPScenarioSubst(const char *text, const char *tmp);

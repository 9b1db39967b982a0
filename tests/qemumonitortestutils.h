/*
 * qemumonitortestutils.h: a scripted fake QMP peer
 *
 * The peer listens on a unix socket in a temporary directory and plays a
 * transcript, one directive per line:
 *
 *   -> {json}      the client must send this command next; compared as
 *                  parsed JSON, with the client's "id" left out
 *   <- {json}      sent to the client; a reply (no "event" key, no "id")
 *                  gets the id of the last command received
 *   <~ {json}      a late reply: gets the id of the command received
 *                  before the last one
 *   !handshake     a QEMU 7.2.22 greeting and the qmp_capabilities
 *                  exchange
 *   !raw TEXT      TEXT sent as is, as one line (malformed input)
 *   !big N         a reply line of N bytes
 *   !sleep MS      pause
 *   !eof           close the connection (at once; the rest is ignored)
 *   !reconnect     the client must close now (sending nothing more);
 *                  the next client is accepted and the play goes on
 *   !check NAME    call the test's checker with NAME (see
 *                  qemuMonitorTestNewFull); a failure ends the play
 *   # ...          comment; blank lines are ignored
 *
 * Anything the client sends that the transcript does not expect, and any
 * expected command the client never sends, is a failure reported by
 * qemuMonitorTestFinish.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "qemu_monitor.h"

typedef struct _qemuMonitorTest qemuMonitorTest;

/* Start a peer playing @text (a transcript) / the file @path. */
qemuMonitorTest *qemuMonitorTestNew(const char *text);
qemuMonitorTest *qemuMonitorTestNewFromFile(const char *path);

/* Returns 0 if the state NAME of a !check line holds, else -1.  Called
 * from the peer's thread while the client waits for the next reply. */
typedef int (*qemuMonitorTestCheck)(const char *name, void *opaque);

/* Start a peer playing @text that listens on @sockpath (NULL: a new
 * temporary directory; the socket file is removed at the end either
 * way), with @check (may be NULL) for !check lines. */
qemuMonitorTest *qemuMonitorTestNewFull(const char *text, const char *sockpath,
                                        qemuMonitorTestCheck check, void *opaque);

/* The socket the client connects to. */
const char *qemuMonitorTestGetPath(qemuMonitorTest *test);

/* Wait for the peer to end (the client must have closed its monitor or
 * the transcript must end with !eof); 0 if the whole transcript was
 * played without a mismatch, else -1 with the reason printed. */
int qemuMonitorTestFinish(qemuMonitorTest *test);

/* Finish if needed; remove the socket and directory. */
void qemuMonitorTestFree(qemuMonitorTest *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuMonitorTest, qemuMonitorTestFree);

/* Compare JSON text @actual with the JSON in file @path as parsed values
 * (honours FLEECE_TEST_REGENERATE, writing it pretty-printed). */
int qemuMonitorTestCompareJSONFile(const char *actual, const char *path);

/* The scenario both recorded from real QEMU and replayed against the
 * fake peer: version, status, nodes, a persistent bitmap added in a
 * transaction, a 1 MiB guest write through HMP, the bitmap's count, quit.
 * @fmtnode is the disk's qcow2 node, @qdev the device id. */
int qemuMonitorTestScenarioBitmap(qemuMonitor *mon, const char *fmtnode,
                                  const char *qdev);

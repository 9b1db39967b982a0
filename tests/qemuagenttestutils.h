/*
 * qemuagenttestutils.h: a fake guest agent for tests
 *
 * A thread serves a unix socket as the QEMU guest agent would:
 * guest-sync-delimited (sentinel and id echoed), guest-ping and the
 * fsfreeze commands with a real frozen/thawed state.  It remembers the
 * commands received (syncs excluded), so that a test can check that a
 * freeze was always followed by a thaw.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _qemuAgentTest qemuAgentTest;

typedef enum {
    QEMU_AGENT_TEST_NORMAL,
    QEMU_AGENT_TEST_FREEZE_FAILS,   /* guest-fsfreeze-freeze answers an error */
} qemuAgentTestMode;

/* Serve the agent socket @path (created; removed by Free). */
qemuAgentTest *qemuAgentTestNew(const char *path, qemuAgentTestMode mode);
void qemuAgentTestFree(qemuAgentTest *test);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuAgentTest, qemuAgentTestFree);

/* Whether the guest's filesystems are frozen right now. */
bool qemuAgentTestFrozen(qemuAgentTest *test);

/* The commands received so far (syncs excluded), joined by spaces. */
char *qemuAgentTestCommands(qemuAgentTest *test);

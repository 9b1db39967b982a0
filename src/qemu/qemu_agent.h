/*
 * qemu_agent.h: client for the QEMU guest agent (fsfreeze for quiesced
 * checkpoints and backups)
 *
 * The agent is reached through a chardev socket of QEMU's.  Before each
 * command the client synchronises with guest-sync-delimited (a random
 * id, replies before the 0xFF sentinel and stale ones discarded), so a
 * late reply to an earlier, timed-out command is never taken for the
 * answer to the current one.  No reply in time is
 * VIR_ERR_AGENT_UNRESPONSIVE; an error reply is VIR_ERR_OPERATION_FAILED
 * quoting the agent's description.
 *
 * A caller that freezes must thaw on every path, including after a
 * freeze that timed out (the guest may have frozen anyway).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virenum.h"

/* Names QEMU and the guest see; fixed so that argv golden files match. */
#define QEMU_AGENT_CHARDEV_ID "charchannel0"
#define QEMU_AGENT_SERIAL_ID "virtio-serial0"
#define QEMU_AGENT_CHANNEL_ID "channel0"
#define QEMU_AGENT_CHANNEL_NAME "org.qemu.guest_agent.0"

/* Default time a command (and its sync) may take. */
#define QEMU_AGENT_TIMEOUT_DEFAULT_MS 5000

typedef enum {
    QEMU_AGENT_CMD_SYNC_DELIMITED,
    QEMU_AGENT_CMD_PING,
    QEMU_AGENT_CMD_FSFREEZE_FREEZE,
    QEMU_AGENT_CMD_FSFREEZE_FREEZE_LIST,
    QEMU_AGENT_CMD_FSFREEZE_THAW,
    QEMU_AGENT_CMD_FSFREEZE_STATUS,
    QEMU_AGENT_CMD_LAST
} qemuAgentCommandType;
VIR_ENUM_DECL(qemuAgentCommandType);

typedef enum {
    QEMU_AGENT_FSFREEZE_STATUS_THAWED,
    QEMU_AGENT_FSFREEZE_STATUS_FROZEN,
    QEMU_AGENT_FSFREEZE_STATUS_LAST
} qemuAgentFSFreezeStatus;
VIR_ENUM_DECL(qemuAgentFSFreezeStatus);

/* The QEMU arguments that give a guest an agent channel whose host end
 * is a listening unix socket at path (commas in path escaped). */
char **qemuAgentBuildArgv(const char *path);

typedef struct _qemuAgent qemuAgent;

/* Connect to the agent socket; VIR_ERR_AGENT_UNRESPONSIVE if nothing
 * listens there.  timeout_ms 0 means QEMU_AGENT_TIMEOUT_DEFAULT_MS. */
qemuAgent *qemuAgentOpen(const char *path, unsigned int timeout_ms);
void qemuAgentClose(qemuAgent *agent);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuAgent, qemuAgentClose);

void qemuAgentSetTimeout(qemuAgent *agent, unsigned int timeout_ms);

int qemuAgentPing(qemuAgent *agent);
/* Freeze the guest's filesystems (only the mountpoints listed, if the
 * list is non-empty).  Returns how many were frozen. */
int qemuAgentFSFreeze(qemuAgent *agent, const char *const *mountpoints);
/* Returns how many filesystems were thawed. */
int qemuAgentFSThaw(qemuAgent *agent);
/* Returns a qemuAgentFSFreezeStatus. */
int qemuAgentFSFreezeGetStatus(qemuAgent *agent);

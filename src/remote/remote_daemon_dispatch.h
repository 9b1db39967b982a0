/*
 * remote_daemon_dispatch.h: the daemon's side of the remote protocol
 *
 * Each client connection is backed by its own connection to the
 * embedded QEMU driver on the daemon's state root (opened when the
 * client sends CONNECT_OPEN); a procedure is answered by calling the
 * public API on it.  Events the driver delivers on the daemon's event
 * loop are forwarded to the clients that registered for them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "virnetserver.h"

typedef struct _remoteDaemon remoteDaemon;

/* The daemon serving state root @root.  An event loop must be registered
 * and running (the default one, in its own thread). */
remoteDaemon *remoteDaemonNew(const char *root);
void remoteDaemonFree(remoteDaemon *daemon);

/* Wait (at most @timeout_ms) until every gone client's driver connection
 * is released by the event loop.  False on timeout. */
bool remoteDaemonWaitIdle(remoteDaemon *daemon, int timeout_ms);

/* Fill the callbacks of a server configuration. */
void remoteDaemonSetupServer(remoteDaemon *daemon, virNetServerConfig *config);

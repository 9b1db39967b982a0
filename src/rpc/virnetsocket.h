/*
 * virnetsocket.h: stream sockets for RPC (UNIX and TCP, plain or TLS)
 *
 * Blocking I/O: a connection is served by its own threads, so one slow
 * peer never holds up another.  virNetSocketShutdown wakes every thread
 * blocked on the socket.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "virnettls.h"

typedef struct _virNetSocket virNetSocket;

/* Listen on UNIX socket @path with permissions @mode (a stale socket
 * file is replaced). */
virNetSocket *virNetSocketNewListenUNIX(const char *path, mode_t mode);
/* Listen on TCP @addr (a host name or address, "" or "*" for any) and
 * @port. */
virNetSocket *virNetSocketNewListenTCP(const char *addr, const char *port);
/* Accept one connection; NULL with an error (errno EAGAIN-like failures
 * included). */
virNetSocket *virNetSocketAccept(virNetSocket *sock);

virNetSocket *virNetSocketNewConnectUNIX(const char *path);
virNetSocket *virNetSocketNewConnectTCP(const char *host, const char *port);

void virNetSocketFree(virNetSocket *sock);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetSocket, virNetSocketFree);

int virNetSocketGetFD(virNetSocket *sock);
bool virNetSocketIsLocal(virNetSocket *sock);
/* The UNIX socket path a listening socket was bound to (removed when it
 * is freed), or NULL. */
const char *virNetSocketGetPath(virNetSocket *sock);
/* The port a TCP listening socket was bound to. */
int virNetSocketGetPort(virNetSocket *sock);
/* Credentials of the peer of a UNIX connection. */
int virNetSocketGetUNIXIdentity(virNetSocket *sock, uid_t *uid, pid_t *pid);
/* A description of the peer for logs ("unix", "127.0.0.1;4242"). */
const char *virNetSocketGetPeerName(virNetSocket *sock);

/* Wrap the connection in TLS (the session is owned from now on) and run
 * the handshake. */
int virNetSocketStartTLS(virNetSocket *sock, virNetTLSContext *ctx,
                         const char *hostname, int timeout_ms);
bool virNetSocketHasTLS(virNetSocket *sock);
/* The distinguished name of the TLS peer's certificate, or NULL. */
char *virNetSocketGetTLSPeerDN(virNetSocket *sock);

/* Read exactly @len bytes: 0 on success, 1 at a clean end of stream
 * before the first byte, -1 with an error otherwise. */
int virNetSocketReadFull(virNetSocket *sock, void *buf, size_t len);
/* Write all of @buf.  0 or -1 with an error. */
int virNetSocketWriteFull(virNetSocket *sock, const void *buf, size_t len);

/* Shut both directions down (wakes blocked readers and writers). */
void virNetSocketShutdown(virNetSocket *sock);

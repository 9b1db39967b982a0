/*
 * virnetserver.h: a threaded RPC server speaking libvirt's framing
 *
 * Each client connection has a reader thread (framing, keepalive, and
 * handing calls to the worker pool) and a writer thread (draining the
 * client's outgoing queue).  Nobody else ever blocks on a client's
 * socket: replies and events are queued, and a client whose queue grows
 * past a bound is dropped.  A malformed message drops its client only.
 * Calls run in a shared pool of worker threads, at most a few at a time
 * per client.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virnetmessage.h"
#include "virnetsocket.h"
#include "virnettls.h"

typedef struct _virNetServer virNetServer;
typedef struct _virNetServerClient virNetServerClient;

/* Run one call (a CALL message of a program other than keepalive) in a
 * worker thread.  The function sends the reply itself with
 * virNetServerClientSendReply / ...SendError; @msg stays the caller's. */
typedef void (*virNetServerDispatchFunc)(virNetServerClient *client,
                                         const virNetMessage *msg,
                                         void *opaque);
/* A new client: return its private data. */
typedef void *(*virNetServerClientOpenFunc)(virNetServerClient *client,
                                            void *opaque);
/* A client is gone (no call of it runs any more): release @priv. */
typedef void (*virNetServerClientCloseFunc)(virNetServerClient *client,
                                            void *priv, void *opaque);

typedef struct {
    size_t maxClients;             /* connections at once */
    size_t maxWorkers;             /* threads running calls */
    size_t maxClientRequests;      /* calls of one client at once */
    size_t maxQueueBytes;          /* unsent data before a client is dropped */
    virNetServerDispatchFunc dispatch;
    virNetServerClientOpenFunc clientOpen;
    virNetServerClientCloseFunc clientClose;
    void *opaque;
} virNetServerConfig;

virNetServer *virNetServerNew(const virNetServerConfig *config);
/* Stop accepting, close every client, wait for their threads and the
 * workers, and free. */
void virNetServerFree(virNetServer *srv);

/* Accept connections on @sock (owned from now on).  Clients of a
 * @readonly service get read-only connections; @tls (borrowed, must
 * outlive the server) makes every connection start with a TLS handshake
 * and a verified client certificate. */
int virNetServerAddService(virNetServer *srv, virNetSocket *sock,
                           bool readonly, virNetTLSContext *tls);

/* Accept clients until virNetServerQuit.  Returns 0, or -1 with an
 * error. */
int virNetServerRun(virNetServer *srv);
/* Make virNetServerRun return (async-signal-safe). */
void virNetServerQuit(virNetServer *srv);

/* The number of connected clients. */
size_t virNetServerClientCount(virNetServer *srv);

bool virNetServerClientIsReadonly(virNetServerClient *client);
bool virNetServerClientIsLocal(virNetServerClient *client);
void *virNetServerClientGetPrivate(virNetServerClient *client);
const char *virNetServerClientGetIdentity(virNetServerClient *client);

virNetServerClient *virNetServerClientRef(virNetServerClient *client);
void virNetServerClientUnref(virNetServerClient *client);

/* Queue a message for the client (taken over).  Never blocks.  Returns 0,
 * or -1 when the client is closing or its queue is full (it is then
 * closed). */
int virNetServerClientSendMessage(virNetServerClient *client,
                                  virNetMessage *msg);
/* Queue a reply to @call carrying @ret of @type. */
int virNetServerClientSendReply(virNetServerClient *client,
                                const virNetMessage *call,
                                const virXDRType *type, const void *ret);
/* Queue an error reply to @call from the calling thread's last error. */
int virNetServerClientSendError(virNetServerClient *client,
                                const virNetMessage *call);
/* Disconnect the client (asynchronously). */
void virNetServerClientClose(virNetServerClient *client);

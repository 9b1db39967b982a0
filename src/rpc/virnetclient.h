/*
 * virnetclient.h: the client side of libvirt's RPC framing
 *
 * A reader thread receives everything the server sends: replies wake the
 * caller waiting for their serial, keepalive PINGs are answered, and
 * asynchronous messages (events) go to a handler.  Calls may be made
 * from several threads at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "virnetmessage.h"
#include "virnetsocket.h"

typedef struct _virNetClient virNetClient;

/* An asynchronous message (not keepalive) arrived; runs in the reader
 * thread, so it must not call the server. */
typedef void (*virNetClientMessageFunc)(virNetClient *client,
                                        const virNetMessage *msg,
                                        void *opaque);

/* A client on a connected socket (owned from now on). */
virNetClient *virNetClientNew(virNetSocket *sock);
/* Close the connection, wait for the reader thread, fail the calls in
 * progress, free. */
void virNetClientFree(virNetClient *client);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetClient, virNetClientFree);

void virNetClientSetMessageHandler(virNetClient *client,
                                   virNetClientMessageFunc func, void *opaque);

/* Call @proc of @prog/@vers with @args of @argsType and wait for the
 * reply; decode it into @ret of @retType.  Returns 0, or -1 with the
 * error the server sent (as it sent it) or a transport error. */
int virNetClientCall(virNetClient *client, unsigned int prog, unsigned int vers,
                     int proc, const virXDRType *argsType, const void *args,
                     const virXDRType *retType, void *ret);

/* False once the server closed the connection or it failed. */
bool virNetClientIsOpen(virNetClient *client);

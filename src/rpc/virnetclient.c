/*
 * virnetclient.c: the client side of libvirt's RPC framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virnetclient.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_RPC

VIR_LOG_INIT("rpc.client");

/* A call waiting for its reply. */
typedef struct {
    unsigned int serial;
    virNetMessage *reply;          /* set by the reader */
    bool done;
} virNetClientCallState;

struct _virNetClient {
    virNetSocket *sock;
    GMutex lock;                   /* everything below */
    GCond cond;                    /* a call finished */
    GMutex writeLock;              /* one message at a time on the wire */
    GPtrArray *calls;              /* virNetClientCallState *, not owned */
    unsigned int nextSerial;
    bool closed;
    char *closeReason;
    virNetClientMessageFunc handler;
    void *handlerOpaque;
    GThread *reader;
};

static int
virNetClientSend(virNetClient *client, const virNetMessage *msg)
{
    g_autoptr(GByteArray) wire = NULL;
    int rc;

    if (!(wire = virNetMessageEncode(msg)))
        return -1;
    g_mutex_lock(&client->writeLock);
    rc = virNetSocketWriteFull(client->sock, wire->data, wire->len);
    g_mutex_unlock(&client->writeLock);
    return rc;
}

static void
virNetClientSendPong(virNetClient *client)
{
    g_autoptr(virNetMessage) msg = virNetMessageNew();

    msg->header.prog = KEEPALIVE_PROGRAM;
    msg->header.vers = KEEPALIVE_PROTOCOL_VERSION;
    msg->header.proc = KEEPALIVE_PROC_PONG;
    msg->header.type = VIR_NET_MESSAGE;
    msg->header.status = VIR_NET_OK;
    if (virNetClientSend(client, msg) < 0)
        virResetLastError();
}

static void
virNetClientMarkClosed(virNetClient *client, const char *reason)
{
    guint i;

    g_mutex_lock(&client->lock);
    if (!client->closed) {
        client->closed = true;
        client->closeReason = g_strdup(reason);
    }
    for (i = 0; i < client->calls->len; i++)
        ((virNetClientCallState *) g_ptr_array_index(client->calls, i))->done = true;
    g_cond_broadcast(&client->cond);
    g_mutex_unlock(&client->lock);
}

static gpointer
virNetClientReader(gpointer opaque)
{
    virNetClient *client = opaque;
    g_autofree char *reason = NULL;

    for (;;) {
        char lenbuf[VIR_NET_MESSAGE_LEN_MAX];
        g_autofree char *buf = NULL;
        virNetMessage *msg;
        size_t rest;
        int rc;

        if ((rc = virNetSocketReadFull(client->sock, lenbuf, sizeof(lenbuf))) != 0 ||
            virNetMessageDecodeLength(lenbuf, &rest) < 0) {
            reason = g_strdup(rc == 1 ? _("the server closed the connection")
                                      : virGetLastErrorMessage());
            break;
        }
        buf = g_malloc(rest);
        if (virNetSocketReadFull(client->sock, buf, rest) != 0 ||
            !(msg = virNetMessageDecode(buf, rest))) {
            reason = g_strdup(virGetLastErrorMessage());
            break;
        }

        if (msg->header.prog == KEEPALIVE_PROGRAM) {
            if (msg->header.proc == KEEPALIVE_PROC_PING)
                virNetClientSendPong(client);
            virNetMessageFree(msg);
        } else if (msg->header.type == VIR_NET_REPLY) {
            virNetClientCallState *call = NULL;
            guint i;

            g_mutex_lock(&client->lock);
            for (i = 0; i < client->calls->len; i++) {
                virNetClientCallState *c = g_ptr_array_index(client->calls, i);

                if (c->serial == msg->header.serial && !c->done) {
                    call = c;
                    break;
                }
            }
            if (call) {
                call->reply = msg;
                call->done = true;
                g_cond_broadcast(&client->cond);
            }
            g_mutex_unlock(&client->lock);
            if (!call) {
                VIR_DEBUG("reply to serial %u that nobody waits for", msg->header.serial);
                virNetMessageFree(msg);
            }
        } else if (msg->header.type == VIR_NET_MESSAGE) {
            virNetClientMessageFunc handler;
            void *hopaque;

            g_mutex_lock(&client->lock);
            handler = client->handler;
            hopaque = client->handlerOpaque;
            g_mutex_unlock(&client->lock);
            if (handler)
                handler(client, msg, hopaque);
            virNetMessageFree(msg);
        } else {
            VIR_DEBUG("ignoring a message of type %d", msg->header.type);
            virNetMessageFree(msg);
        }
        virResetLastError();
    }
    virResetLastError();
    virNetClientMarkClosed(client, reason);
    return NULL;
}

virNetClient *
virNetClientNew(virNetSocket *sock)
{
    virNetClient *client = g_new0(virNetClient, 1);

    client->sock = sock;
    g_mutex_init(&client->lock);
    g_cond_init(&client->cond);
    g_mutex_init(&client->writeLock);
    client->calls = g_ptr_array_new();
    client->reader = g_thread_new("fleece-rpc", virNetClientReader, client);
    return client;
}

void
virNetClientFree(virNetClient *client)
{
    if (!client)
        return;
    virNetSocketShutdown(client->sock);
    g_thread_join(client->reader);
    virNetSocketFree(client->sock);
    g_ptr_array_free(client->calls, TRUE);
    g_free(client->closeReason);
    g_mutex_clear(&client->lock);
    g_cond_clear(&client->cond);
    g_mutex_clear(&client->writeLock);
    g_free(client);
}

void
virNetClientSetMessageHandler(virNetClient *client, virNetClientMessageFunc func,
                              void *opaque)
{
    g_mutex_lock(&client->lock);
    client->handler = func;
    client->handlerOpaque = opaque;
    g_mutex_unlock(&client->lock);
}

bool
virNetClientIsOpen(virNetClient *client)
{
    bool open;

    g_mutex_lock(&client->lock);
    open = !client->closed;
    g_mutex_unlock(&client->lock);
    return open;
}

int
virNetClientCall(virNetClient *client, unsigned int prog, unsigned int vers,
                 int proc, const virXDRType *argsType, const void *args,
                 const virXDRType *retType, void *ret)
{
    virNetMessageHeader hdr = { prog, vers, proc, VIR_NET_CALL, 0, VIR_NET_OK };
    virNetClientCallState call = { 0 };
    g_autoptr(virNetMessage) msg = NULL;
    g_autoptr(virNetMessage) reply = NULL;

    g_mutex_lock(&client->lock);
    if (client->closed) {
        virReportError(VIR_ERR_RPC, _("the connection to the server is closed: %s"),
                       client->closeReason ? client->closeReason : _("unknown reason"));
        g_mutex_unlock(&client->lock);
        return -1;
    }
    hdr.serial = call.serial = client->nextSerial++;
    g_ptr_array_add(client->calls, &call);
    g_mutex_unlock(&client->lock);

    if (!(msg = virNetMessageNewWithBody(&hdr, argsType, args)) ||
        virNetClientSend(client, msg) < 0) {
        g_mutex_lock(&client->lock);
        g_ptr_array_remove_fast(client->calls, &call);
        g_mutex_unlock(&client->lock);
        return -1;
    }

    g_mutex_lock(&client->lock);
    while (!call.done)
        g_cond_wait(&client->cond, &client->lock);
    g_ptr_array_remove_fast(client->calls, &call);
    reply = call.reply;
    if (!reply) {
        virReportError(VIR_ERR_RPC, _("the connection to the server is closed: %s"),
                       client->closeReason ? client->closeReason : _("unknown reason"));
        g_mutex_unlock(&client->lock);
        return -1;
    }
    g_mutex_unlock(&client->lock);

    if (reply->header.status == VIR_NET_ERROR) {
        virNetMessageError err = { 0 };

        if (virXDRDecode(&virNetMessageErrorType, (const char *) reply->body->data,
                         reply->body->len, &err) < 0)
            return -1;
        virNetMessageErrorReport(&err);
        virXDRClear(&virNetMessageErrorType, &err);
        return -1;
    }
    if (reply->header.status != VIR_NET_OK) {
        virReportError(VIR_ERR_RPC, _("unexpected status %d in the reply to procedure %d"),
                       reply->header.status, proc);
        return -1;
    }
    if (retType)
        return virXDRDecode(retType, (const char *) reply->body->data, reply->body->len, ret);
    return virXDRDecode(NULL, (const char *) reply->body->data, reply->body->len, NULL);
}

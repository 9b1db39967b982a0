/*
 * virnetserver.c: a threaded RPC server speaking libvirt's framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "virnetserver.h"
#include "virerror.h"
#include "viralloc.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_RPC

VIR_LOG_INIT("rpc.server");

/* How long a TLS client may take for its handshake. */
#define VIR_NET_SERVER_TLS_TIMEOUT_MS 10000

typedef struct {
    virNetSocket *sock;
    bool readonly;
    virNetTLSContext *tls;
} virNetServerService;

struct _virNetServer {
    virNetServerConfig cfg;
    GMutex lock;
    GCond cond;                    /* a client went away */
    GPtrArray *services;
    GPtrArray *clients;            /* not referenced: each removes itself */
    GThreadPool *workers;
    int quitPipe[2];
    bool quit;
    unsigned long long nextClientID;
};

struct _virNetServerClient {
    gint refs;
    virNetServer *srv;
    virNetSocket *sock;
    virNetTLSContext *tls;
    bool readonly;
    char *identity;
    GMutex lock;
    GCond cond;
    GQueue outq;                   /* GByteArray *, encoded messages */
    size_t outBytes;
    bool closing;
    size_t inflight;               /* calls handed to workers */
    void *priv;
    GThread *writer;
};

typedef struct {
    virNetServerClient *client;
    virNetMessage *msg;
} virNetServerJob;

static void
virNetServerServiceFree(gpointer p)
{
    virNetServerService *svc = p;

    virNetSocketFree(svc->sock);
    g_free(svc);
}

static void virNetServerWorker(gpointer data, gpointer opaque);

virNetServer *
virNetServerNew(const virNetServerConfig *config)
{
    g_autofree virNetServer *srv = g_new0(virNetServer, 1);
    GError *gerr = NULL;

    srv->cfg = *config;
    if (!g_unix_open_pipe(srv->quitPipe, FD_CLOEXEC, &gerr)) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot create a pipe: %s"),
                       gerr->message);
        g_error_free(gerr);
        return NULL;
    }
    g_unix_set_fd_nonblocking(srv->quitPipe[1], TRUE, NULL);
    srv->workers = g_thread_pool_new(virNetServerWorker, srv,
                                     config->maxWorkers, FALSE, NULL);
    g_mutex_init(&srv->lock);
    g_cond_init(&srv->cond);
    srv->services = g_ptr_array_new_with_free_func(virNetServerServiceFree);
    srv->clients = g_ptr_array_new();
    return g_steal_pointer(&srv);
}

int
virNetServerAddService(virNetServer *srv, virNetSocket *sock, bool readonly,
                       virNetTLSContext *tls)
{
    virNetServerService *svc = g_new0(virNetServerService, 1);

    svc->sock = sock;
    svc->readonly = readonly;
    svc->tls = tls;
    g_mutex_lock(&srv->lock);
    g_ptr_array_add(srv->services, svc);
    g_mutex_unlock(&srv->lock);
    return 0;
}

void
virNetServerQuit(virNetServer *srv)
{
    char c = 'q';

    /* only async-signal-safe calls here */
    if (write(srv->quitPipe[1], &c, 1) < 0) {
        /* the pipe is full: a quit is already pending */
    }
}

size_t
virNetServerClientCount(virNetServer *srv)
{
    size_t n;

    g_mutex_lock(&srv->lock);
    n = srv->clients->len;
    g_mutex_unlock(&srv->lock);
    return n;
}

/* ---- clients ------------------------------------------------------------ */

virNetServerClient *
virNetServerClientRef(virNetServerClient *client)
{
    g_atomic_int_inc(&client->refs);
    return client;
}

void
virNetServerClientUnref(virNetServerClient *client)
{
    GByteArray *buf;

    if (!client || !g_atomic_int_dec_and_test(&client->refs))
        return;
    while ((buf = g_queue_pop_head(&client->outq)))
        g_byte_array_unref(buf);
    virNetSocketFree(client->sock);
    g_free(client->identity);
    g_mutex_clear(&client->lock);
    g_cond_clear(&client->cond);
    g_free(client);
}

bool
virNetServerClientIsReadonly(virNetServerClient *client)
{
    return client->readonly;
}

bool
virNetServerClientIsLocal(virNetServerClient *client)
{
    return virNetSocketIsLocal(client->sock);
}

void *
virNetServerClientGetPrivate(virNetServerClient *client)
{
    return client->priv;
}

const char *
virNetServerClientGetIdentity(virNetServerClient *client)
{
    return client->identity;
}

/* Mark the client closing and wake everything blocked on it. */
static void
virNetServerClientCloseLocked(virNetServerClient *client)
{
    if (!client->closing) {
        client->closing = true;
        virNetSocketShutdown(client->sock);
    }
    g_cond_broadcast(&client->cond);
}

void
virNetServerClientClose(virNetServerClient *client)
{
    g_mutex_lock(&client->lock);
    virNetServerClientCloseLocked(client);
    g_mutex_unlock(&client->lock);
}

static int
virNetServerClientQueue(virNetServerClient *client, GByteArray *buf)
{
    g_mutex_lock(&client->lock);
    if (client->closing) {
        g_mutex_unlock(&client->lock);
        g_byte_array_unref(buf);
        return -1;
    }
    if (client->outBytes + buf->len > client->srv->cfg.maxQueueBytes) {
        VIR_WARN("client %s does not read its messages (%zu bytes queued): dropping it",
                 client->identity, client->outBytes);
        virNetServerClientCloseLocked(client);
        g_mutex_unlock(&client->lock);
        g_byte_array_unref(buf);
        return -1;
    }
    client->outBytes += buf->len;
    g_queue_push_tail(&client->outq, buf);
    g_cond_broadcast(&client->cond);
    g_mutex_unlock(&client->lock);
    return 0;
}

int
virNetServerClientSendMessage(virNetServerClient *client, virNetMessage *msg)
{
    g_autoptr(virNetMessage) owned = msg;
    GByteArray *buf;

    if (!(buf = virNetMessageEncode(owned)))
        return -1;
    return virNetServerClientQueue(client, buf);
}

int
virNetServerClientSendError(virNetServerClient *client, const virNetMessage *call)
{
    virNetMessageHeader hdr = call->header;
    virNetMessageError err;
    virNetMessage *msg;

    hdr.type = VIR_NET_REPLY;
    hdr.status = VIR_NET_ERROR;
    virNetMessageErrorFromLast(&err);
    msg = virNetMessageNewWithBody(&hdr, &virNetMessageErrorType, &err);
    virXDRClear(&virNetMessageErrorType, &err);
    if (!msg) {
        /* an error message too long to encode: send a short one */
        memset(&err, 0, sizeof(err));
        err.code = VIR_ERR_RPC;
        err.domain = VIR_FROM_RPC;
        err.level = VIR_ERR_ERROR;
        err.message = g_strdup(_("the error of this call could not be encoded"));
        msg = virNetMessageNewWithBody(&hdr, &virNetMessageErrorType, &err);
        virXDRClear(&virNetMessageErrorType, &err);
        if (!msg)
            return -1;
    }
    return virNetServerClientSendMessage(client, msg);
}

int
virNetServerClientSendReply(virNetServerClient *client, const virNetMessage *call,
                            const virXDRType *type, const void *ret)
{
    virNetMessageHeader hdr = call->header;
    virNetMessage *msg;
    GByteArray *buf;

    hdr.type = VIR_NET_REPLY;
    hdr.status = VIR_NET_OK;
    if (!(msg = virNetMessageNewWithBody(&hdr, type, ret)))
        return virNetServerClientSendError(client, call);
    buf = virNetMessageEncode(msg);
    virNetMessageFree(msg);
    if (!buf)
        return virNetServerClientSendError(client, call);
    return virNetServerClientQueue(client, buf);
}

static gpointer
virNetServerClientWriter(gpointer opaque)
{
    virNetServerClient *client = opaque;

    for (;;) {
        GByteArray *buf;
        int rc;

        g_mutex_lock(&client->lock);
        while (!client->closing && g_queue_is_empty(&client->outq))
            g_cond_wait(&client->cond, &client->lock);
        if (client->closing) {
            g_mutex_unlock(&client->lock);
            break;
        }
        buf = g_queue_pop_head(&client->outq);
        client->outBytes -= buf->len;
        g_mutex_unlock(&client->lock);

        rc = virNetSocketWriteFull(client->sock, buf->data, buf->len);
        g_byte_array_unref(buf);
        if (rc < 0) {
            VIR_DEBUG("client %s: %s", client->identity, virGetLastErrorMessage());
            virResetLastError();
            virNetServerClientClose(client);
            break;
        }
    }
    return NULL;
}

static void
virNetServerSendPong(virNetServerClient *client)
{
    virNetMessageHeader hdr = {
        .prog = KEEPALIVE_PROGRAM,
        .vers = KEEPALIVE_PROTOCOL_VERSION,
        .proc = KEEPALIVE_PROC_PONG,
        .type = VIR_NET_MESSAGE,
        .serial = 0,
        .status = VIR_NET_OK,
    };
    virNetMessage *msg = virNetMessageNew();

    msg->header = hdr;
    ignore_value(virNetServerClientSendMessage(client, msg));
}

/* Hand one message read from the client to whoever handles it.  Returns
 * -1 when the client must be dropped. */
static int
virNetServerClientHandle(virNetServerClient *client, virNetMessage *msg)
{
    virNetServer *srv = client->srv;
    virNetServerJob *job;

    if (msg->header.prog == KEEPALIVE_PROGRAM) {
        if (msg->header.type == VIR_NET_MESSAGE &&
            msg->header.proc == KEEPALIVE_PROC_PING)
            virNetServerSendPong(client);
        virNetMessageFree(msg);
        return 0;
    }
    if (msg->header.type != VIR_NET_CALL) {
        /* streams and file descriptor passing are not offered */
        VIR_WARN("client %s sent a message of type %d: dropping it",
                 client->identity, msg->header.type);
        virNetMessageFree(msg);
        return -1;
    }

    g_mutex_lock(&client->lock);
    while (!client->closing && client->inflight >= srv->cfg.maxClientRequests)
        g_cond_wait(&client->cond, &client->lock);
    if (client->closing) {
        g_mutex_unlock(&client->lock);
        virNetMessageFree(msg);
        return -1;
    }
    client->inflight++;
    g_mutex_unlock(&client->lock);

    job = g_new0(virNetServerJob, 1);
    job->client = virNetServerClientRef(client);
    job->msg = msg;
    g_thread_pool_push(srv->workers, job, NULL);
    return 0;
}

static void
virNetServerWorker(gpointer data, gpointer opaque)
{
    virNetServerJob *job = data;
    virNetServer *srv = opaque;
    virNetServerClient *client = job->client;
    bool closing;

    g_mutex_lock(&client->lock);
    closing = client->closing;
    g_mutex_unlock(&client->lock);
    if (!closing) {
        virResetLastError();
        srv->cfg.dispatch(client, job->msg, srv->cfg.opaque);
        virResetLastError();
    }
    virNetMessageFree(job->msg);

    g_mutex_lock(&client->lock);
    client->inflight--;
    g_cond_broadcast(&client->cond);
    g_mutex_unlock(&client->lock);
    virNetServerClientUnref(client);
    g_free(job);
}

/* Read one message; NULL at the end of the stream or on a malformed
 * message (logged). */
static virNetMessage *
virNetServerClientReadMessage(virNetServerClient *client)
{
    char lenbuf[VIR_NET_MESSAGE_LEN_MAX];
    g_autofree char *buf = NULL;
    size_t rest;
    virNetMessage *msg;
    int rc;

    if ((rc = virNetSocketReadFull(client->sock, lenbuf, sizeof(lenbuf))) != 0)
        goto fail;
    if (virNetMessageDecodeLength(lenbuf, &rest) < 0)
        goto fail;
    buf = g_malloc(rest);
    if (virNetSocketReadFull(client->sock, buf, rest) != 0)
        goto fail;
    if (!(msg = virNetMessageDecode(buf, rest)))
        goto fail;
    return msg;

 fail:
    if (virGetLastErrorCode() != VIR_ERR_OK) {
        g_mutex_lock(&client->lock);
        if (!client->closing)
            VIR_WARN("client %s: %s", client->identity, virGetLastErrorMessage());
        g_mutex_unlock(&client->lock);
    }
    virResetLastError();
    return NULL;
}

static void
virNetServerClientRemove(virNetServerClient *client)
{
    virNetServer *srv = client->srv;

    g_mutex_lock(&srv->lock);
    g_ptr_array_remove_fast(srv->clients, client);
    g_cond_broadcast(&srv->cond);
    g_mutex_unlock(&srv->lock);
}

/* TLS clients: handshake, verified certificate, then the one-byte
 * confirmation libvirt's clients wait for. */
static int
virNetServerClientStartTLS(virNetServerClient *client)
{
    static const char confirm = '\1';
    g_autofree char *dn = NULL;

    if (virNetSocketStartTLS(client->sock, client->tls, NULL,
                             VIR_NET_SERVER_TLS_TIMEOUT_MS) < 0)
        return -1;
    if (virNetSocketWriteFull(client->sock, &confirm, 1) < 0)
        return -1;
    if ((dn = virNetSocketGetTLSPeerDN(client->sock))) {
        g_autofree char *old = client->identity;

        client->identity = g_strdup_printf("%s [%s]", old, dn);
    }
    return 0;
}

static gpointer
virNetServerClientReader(gpointer opaque)
{
    virNetServerClient *client = opaque;
    virNetServer *srv = client->srv;
    virNetMessage *msg;

    if (client->tls && virNetServerClientStartTLS(client) < 0) {
        VIR_WARN("client %s: %s", client->identity, virGetLastErrorMessage());
        virResetLastError();
        virNetServerClientClose(client);
        virNetServerClientRemove(client);
        virNetServerClientUnref(client);
        return NULL;
    }
    VIR_INFO("client %s connected%s", client->identity,
             client->readonly ? " (read-only)" : "");
    client->priv = srv->cfg.clientOpen(client, srv->cfg.opaque);
    client->writer = g_thread_new("fleeced-writer", virNetServerClientWriter, client);

    while ((msg = virNetServerClientReadMessage(client))) {
        if (virNetServerClientHandle(client, msg) < 0)
            break;
    }

    g_mutex_lock(&client->lock);
    virNetServerClientCloseLocked(client);
    while (client->inflight > 0)
        g_cond_wait(&client->cond, &client->lock);
    g_mutex_unlock(&client->lock);
    g_thread_join(client->writer);
    client->writer = NULL;

    srv->cfg.clientClose(client, client->priv, srv->cfg.opaque);
    client->priv = NULL;
    VIR_INFO("client %s disconnected", client->identity);
    virNetServerClientRemove(client);
    virNetServerClientUnref(client);
    return NULL;
}

static void
virNetServerAccept(virNetServer *srv, virNetServerService *svc)
{
    virNetServerClient *client;
    virNetSocket *sock;
    GThread *thread;

    if (!(sock = virNetSocketAccept(svc->sock))) {
        VIR_WARN("%s", virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    g_mutex_lock(&srv->lock);
    if (srv->clients->len >= srv->cfg.maxClients) {
        g_mutex_unlock(&srv->lock);
        VIR_WARN("too many clients (%zu): refusing a new connection",
                 srv->cfg.maxClients);
        virNetSocketFree(sock);
        return;
    }
    client = g_new0(virNetServerClient, 1);
    client->refs = 1;              /* the reader thread's */
    client->srv = srv;
    client->sock = sock;
    client->readonly = svc->readonly;
    client->tls = svc->tls;
    g_mutex_init(&client->lock);
    g_cond_init(&client->cond);
    g_queue_init(&client->outq);
    if (virNetSocketIsLocal(sock)) {
        uid_t uid = 0;
        pid_t pid = 0;

        if (virNetSocketGetUNIXIdentity(sock, &uid, &pid) < 0)
            virResetLastError();
        client->identity = g_strdup_printf("#%llu (pid %lld, uid %lld)",
                                           ++srv->nextClientID, (long long) pid,
                                           (long long) uid);
    } else {
        client->identity = g_strdup_printf("#%llu (%s)", ++srv->nextClientID,
                                           virNetSocketGetPeerName(sock));
    }
    g_ptr_array_add(srv->clients, client);
    g_mutex_unlock(&srv->lock);

    thread = g_thread_new("fleeced-client", virNetServerClientReader, client);
    g_thread_unref(thread);
}

int
virNetServerRun(virNetServer *srv)
{
    for (;;) {
        g_autofree struct pollfd *fds = NULL;
        size_t nfds;
        size_t i;

        g_mutex_lock(&srv->lock);
        nfds = srv->services->len + 1;
        fds = g_new0(struct pollfd, nfds);
        fds[0].fd = srv->quitPipe[0];
        fds[0].events = POLLIN;
        for (i = 0; i < srv->services->len; i++) {
            virNetServerService *svc = g_ptr_array_index(srv->services, i);

            fds[i + 1].fd = virNetSocketGetFD(svc->sock);
            fds[i + 1].events = POLLIN;
        }
        g_mutex_unlock(&srv->lock);

        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR)
                continue;
            virReportSystemError(errno, "%s", _("cannot wait for connections"));
            return -1;
        }
        if (fds[0].revents)
            return 0;
        for (i = 1; i < nfds; i++) {
            if (fds[i].revents & POLLIN) {
                virNetServerService *svc;

                g_mutex_lock(&srv->lock);
                svc = g_ptr_array_index(srv->services, i - 1);
                g_mutex_unlock(&srv->lock);
                virNetServerAccept(srv, svc);
            }
        }
    }
}

void
virNetServerFree(virNetServer *srv)
{
    gint64 deadline;
    size_t i;

    if (!srv)
        return;
    g_mutex_lock(&srv->lock);
    srv->quit = true;
    g_ptr_array_set_size(srv->services, 0);   /* stop listening */
    for (i = 0; i < srv->clients->len; i++)
        virNetServerClientClose(g_ptr_array_index(srv->clients, i));
    /* calls in progress finish; a client thread stuck for long is left */
    deadline = g_get_monotonic_time() + 30 * G_TIME_SPAN_SECOND;
    while (srv->clients->len > 0) {
        if (!g_cond_wait_until(&srv->cond, &srv->lock, deadline)) {
            VIR_WARN("%u clients did not finish", srv->clients->len);
            break;
        }
    }
    g_mutex_unlock(&srv->lock);
    if (srv->clients->len > 0)
        return;   /* leak rather than free under running threads */
    g_thread_pool_free(srv->workers, FALSE, TRUE);
    g_ptr_array_free(srv->services, TRUE);
    g_ptr_array_free(srv->clients, TRUE);
    close(srv->quitPipe[0]);
    close(srv->quitPipe[1]);
    g_mutex_clear(&srv->lock);
    g_cond_clear(&srv->cond);
    g_free(srv);
}

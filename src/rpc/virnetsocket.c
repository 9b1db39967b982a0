/*
 * virnetsocket.c: stream sockets for RPC
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "virnetsocket.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_RPC

VIR_LOG_INIT("rpc.socket");

struct _virNetSocket {
    int fd;
    bool isUNIX;
    char *path;                    /* listening UNIX socket: unlinked at free */
    char *peer;
    virNetTLSSession *tls;
};

/* TCP peers that vanish (a host powered off) are noticed within about a
 * minute instead of the kernel's two hours. */
static void
virNetSocketSetKeepAlive(int fd)
{
    int on = 1;
    int idle = 30;
    int intvl = 10;
    int cnt = 3;

    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

static virNetSocket *
virNetSocketNew(int fd, bool isUNIX, const char *peer)
{
    virNetSocket *sock = g_new0(virNetSocket, 1);

    sock->fd = fd;
    sock->isUNIX = isUNIX;
    sock->peer = g_strdup(peer);
    return sock;
}

void
virNetSocketFree(virNetSocket *sock)
{
    if (!sock)
        return;
    virNetTLSSessionFree(sock->tls);
    if (sock->fd >= 0)
        close(sock->fd);
    if (sock->path)
        unlink(sock->path);
    g_free(sock->path);
    g_free(sock->peer);
    g_free(sock);
}

static int
virNetSocketFillUNIXAddr(struct sockaddr_un *addr, const char *path)
{
    memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(addr->sun_path)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("UNIX socket path '%s' is too long"), path);
        return -1;
    }
    strcpy(addr->sun_path, path);
    return 0;
}

virNetSocket *
virNetSocketNewListenUNIX(const char *path, mode_t mode)
{
    struct sockaddr_un addr;
    virNetSocket *sock;
    int fd;

    if (virNetSocketFillUNIXAddr(&addr, path) < 0)
        return NULL;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a UNIX socket"));
        return NULL;
    }
    /* a socket file left by a daemon that died is replaced */
    if (unlink(path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove the old socket '%s'"), path);
        close(fd);
        return NULL;
    }
    if (bind(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        virReportSystemError(errno, _("cannot bind the socket '%s'"), path);
        close(fd);
        return NULL;
    }
    if (chmod(path, mode) < 0 || listen(fd, 64) < 0) {
        virReportSystemError(errno, _("cannot listen on the socket '%s'"), path);
        unlink(path);
        close(fd);
        return NULL;
    }
    sock = virNetSocketNew(fd, true, "unix");
    sock->path = g_strdup(path);
    return sock;
}

virNetSocket *
virNetSocketNewListenTCP(const char *addr, const char *port)
{
    struct addrinfo hints = { 0 };
    struct addrinfo *ai = NULL;
    struct addrinfo *cur;
    int saved = 0;
    int fd = -1;
    int rc;

    hints.ai_flags = AI_PASSIVE | AI_ADDRCONFIG;
    hints.ai_socktype = SOCK_STREAM;
    if (addr && (!*addr || g_str_equal(addr, "*")))
        addr = NULL;
    if ((rc = getaddrinfo(addr, port, &hints, &ai)) != 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot resolve '%s:%s': %s"),
                       addr ? addr : "*", port, gai_strerror(rc));
        return NULL;
    }
    for (cur = ai; cur; cur = cur->ai_next) {
        int on = 1;

        if ((fd = socket(cur->ai_family, cur->ai_socktype | SOCK_CLOEXEC,
                         cur->ai_protocol)) < 0) {
            saved = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, cur->ai_addr, cur->ai_addrlen) == 0 && listen(fd, 64) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        virReportSystemError(saved ? saved : EADDRNOTAVAIL,
                             _("cannot listen on '%s:%s'"), addr ? addr : "*", port);
        return NULL;
    }
    return virNetSocketNew(fd, false, "tcp-listen");
}

static char *
virNetSocketFormatAddr(const struct sockaddr *sa, socklen_t len)
{
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];

    if (sa->sa_family == AF_UNIX)
        return g_strdup("unix");
    if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return g_strdup("?");
    return g_strdup_printf("%s;%s", host, serv);
}

virNetSocket *
virNetSocketAccept(virNetSocket *sock)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    g_autofree char *peer = NULL;
    int fd;

    if ((fd = accept4(sock->fd, (struct sockaddr *) &ss, &len, SOCK_CLOEXEC)) < 0) {
        virReportSystemError(errno, "%s", _("cannot accept a connection"));
        return NULL;
    }
    if (!sock->isUNIX)
        virNetSocketSetKeepAlive(fd);
    peer = virNetSocketFormatAddr((struct sockaddr *) &ss, len);
    return virNetSocketNew(fd, sock->isUNIX, peer);
}

virNetSocket *
virNetSocketNewConnectUNIX(const char *path)
{
    struct sockaddr_un addr;
    int fd;

    if (virNetSocketFillUNIXAddr(&addr, path) < 0)
        return NULL;
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        virReportSystemError(errno, "%s", _("cannot create a UNIX socket"));
        return NULL;
    }
    if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        virReportSystemError(errno, _("Failed to connect socket to '%s'"), path);
        close(fd);
        return NULL;
    }
    return virNetSocketNew(fd, true, "unix");
}

virNetSocket *
virNetSocketNewConnectTCP(const char *host, const char *port)
{
    struct addrinfo hints = { 0 };
    struct addrinfo *ai = NULL;
    struct addrinfo *cur;
    int saved = 0;
    int fd = -1;
    int rc;

    hints.ai_flags = AI_ADDRCONFIG;
    hints.ai_socktype = SOCK_STREAM;
    if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("unable to resolve '%s:%s': %s"),
                       host, port, gai_strerror(rc));
        return NULL;
    }
    for (cur = ai; cur; cur = cur->ai_next) {
        if ((fd = socket(cur->ai_family, cur->ai_socktype | SOCK_CLOEXEC,
                         cur->ai_protocol)) < 0) {
            saved = errno;
            continue;
        }
        if (connect(fd, cur->ai_addr, cur->ai_addrlen) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(ai);
    if (fd < 0) {
        virReportSystemError(saved ? saved : ECONNREFUSED,
                             _("unable to connect to server at '%s:%s'"), host, port);
        return NULL;
    }
    virNetSocketSetKeepAlive(fd);
    return virNetSocketNew(fd, false, host);
}

int
virNetSocketGetFD(virNetSocket *sock)
{
    return sock->fd;
}

bool
virNetSocketIsLocal(virNetSocket *sock)
{
    return sock->isUNIX;
}

const char *
virNetSocketGetPath(virNetSocket *sock)
{
    return sock->path;
}

int
virNetSocketGetPort(virNetSocket *sock)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);

    if (getsockname(sock->fd, (struct sockaddr *) &ss, &len) < 0)
        return -1;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *) &ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
    return -1;
}

int
virNetSocketGetUNIXIdentity(virNetSocket *sock, uid_t *uid, pid_t *pid)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);

    if (getsockopt(sock->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
        virReportSystemError(errno, "%s", _("cannot read the peer's credentials"));
        return -1;
    }
    *uid = cr.uid;
    *pid = cr.pid;
    return 0;
}

const char *
virNetSocketGetPeerName(virNetSocket *sock)
{
    return sock->peer;
}

int
virNetSocketStartTLS(virNetSocket *sock, virNetTLSContext *ctx,
                     const char *hostname, int timeout_ms)
{
    g_autoptr(virNetTLSSession) sess = NULL;

    if (!(sess = virNetTLSSessionNew(ctx, sock->fd, hostname)))
        return -1;
    if (virNetTLSSessionHandshake(sess, timeout_ms) < 0)
        return -1;
    sock->tls = g_steal_pointer(&sess);
    return 0;
}

bool
virNetSocketHasTLS(virNetSocket *sock)
{
    return sock->tls != NULL;
}

char *
virNetSocketGetTLSPeerDN(virNetSocket *sock)
{
    return sock->tls ? virNetTLSSessionGetPeerDN(sock->tls) : NULL;
}

int
virNetSocketReadFull(virNetSocket *sock, void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n;

        if (sock->tls)
            n = virNetTLSSessionRead(sock->tls, (char *) buf + done, len - done);
        else
            n = recv(sock->fd, (char *) buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            virReportSystemError(errno, "%s", _("cannot read from the connection"));
            return -1;
        }
        if (n == 0) {
            if (done == 0)
                return 1;
            virReportError(VIR_ERR_RPC, "%s",
                           _("the connection was closed in the middle of a message"));
            return -1;
        }
        done += n;
    }
    return 0;
}

int
virNetSocketWriteFull(virNetSocket *sock, const void *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n;

        if (sock->tls)
            n = virNetTLSSessionWrite(sock->tls, (const char *) buf + done, len - done);
        else
            n = send(sock->fd, (const char *) buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            virReportSystemError(errno, "%s", _("cannot write to the connection"));
            return -1;
        }
        done += n;
    }
    return 0;
}

void
virNetSocketShutdown(virNetSocket *sock)
{
    if (sock->fd >= 0)
        shutdown(sock->fd, SHUT_RDWR);
}

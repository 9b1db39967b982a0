/*
 * virnbd.c: a minimal NBD client that reads one block
 *
 * Newstyle fixed handshake, NBD_OPT_GO, one NBD_CMD_READ with a simple
 * reply (no structured replies are asked for), NBD_CMD_DISC.  Enough to
 * tell whether an export still serves data; not a general client.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib.h>

#include "virnbd.h"
#include "viralloc.h"
#include "virlog.h"

VIR_LOG_INIT("util.nbd");

#define NBD_MAGIC                 0x4e42444d41474943ULL   /* "NBDMAGIC" */
#define NBD_OPTS_MAGIC            0x49484156454F5054ULL   /* "IHAVEOPT" */
#define NBD_REP_MAGIC             0x3e889045565a9ULL
#define NBD_REQUEST_MAGIC         0x25609513U
#define NBD_SIMPLE_REPLY_MAGIC    0x67446698U
#define NBD_FLAG_FIXED_NEWSTYLE   (1U << 0)
#define NBD_FLAG_NO_ZEROES        (1U << 1)
#define NBD_OPT_GO                7U
#define NBD_REP_ACK               1U
#define NBD_REP_FLAG_ERROR        (1U << 31)
#define NBD_CMD_READ              0U
#define NBD_CMD_DISC              2U
#define NBD_PROBE_MAX_LEN         4096U
#define NBD_PROBE_MAX_REPLY       (64U * 1024)

typedef struct {
    int fd;
    gint64 deadline;
} virNBDConn;

static bool
virNBDWait(virNBDConn *c, short events)
{
    struct pollfd pfd = { .fd = c->fd, .events = events };
    gint64 left = (c->deadline - g_get_monotonic_time()) / 1000;

    if (left <= 0)
        return false;
    return poll(&pfd, 1, (int) left) == 1;
}

static bool
virNBDSend(virNBDConn *c, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n;

        if (!virNBDWait(c, POLLOUT))
            return false;
        n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= n;
    }
    return true;
}

static bool
virNBDRecv(virNBDConn *c, void *buf, size_t len)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n;

        if (!virNBDWait(c, POLLIN))
            return false;
        n = recv(c->fd, p, len, 0);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0)
            return false;
        p += n;
        len -= n;
    }
    return true;
}

static bool
virNBDSkip(virNBDConn *c, size_t len)
{
    char buf[512];

    while (len > 0) {
        size_t n = MIN(len, sizeof(buf));

        if (!virNBDRecv(c, buf, n))
            return false;
        len -= n;
    }
    return true;
}

static int
virNBDConnect(const char *socketPath, const char *host, unsigned int port)
{
    int fd = -1;

    if (socketPath) {
        struct sockaddr_un addr = { .sun_family = AF_UNIX };

        if (strlen(socketPath) >= sizeof(addr.sun_path))
            return -1;
        g_strlcpy(addr.sun_path, socketPath, sizeof(addr.sun_path));
        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
            return -1;
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
            close(fd);
            return -1;
        }
    } else {
        struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
        struct addrinfo *res = NULL, *ai;
        g_autofree char *service = g_strdup_printf("%u", port);

        if (!host || getaddrinfo(host, service, &hints, &res) != 0)
            return -1;
        for (ai = res; ai; ai = ai->ai_next) {
            if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
                continue;
            if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
                break;
            close(fd);
            fd = -1;
        }
        freeaddrinfo(res);
    }
    if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Handshake up to the transmission phase for export name. */
static bool
virNBDHandshake(virNBDConn *c, const char *name)
{
    guint64 magic, opts;
    guint16 sflags;
    guint32 cflags, nlen = strlen(name);
    g_autofree unsigned char *opt = NULL;
    size_t optlen = 8 + 4 + 4 + 4 + nlen + 2;
    size_t off = 0;

    if (!virNBDRecv(c, &magic, 8) || !virNBDRecv(c, &opts, 8) ||
        !virNBDRecv(c, &sflags, 2) ||
        GUINT64_FROM_BE(magic) != NBD_MAGIC || GUINT64_FROM_BE(opts) != NBD_OPTS_MAGIC ||
        !(GUINT16_FROM_BE(sflags) & NBD_FLAG_FIXED_NEWSTYLE))
        return false;
    cflags = GUINT32_TO_BE(NBD_FLAG_FIXED_NEWSTYLE |
                           (GUINT16_FROM_BE(sflags) & NBD_FLAG_NO_ZEROES));
    if (!virNBDSend(c, &cflags, 4))
        return false;

    /* NBD_OPT_GO: export name, no information requests */
    opt = g_malloc(optlen);
    {
        guint64 m = GUINT64_TO_BE(NBD_OPTS_MAGIC);
        guint32 o = GUINT32_TO_BE(NBD_OPT_GO);
        guint32 l = GUINT32_TO_BE(optlen - 16);
        guint32 nl = GUINT32_TO_BE(nlen);
        guint16 ninfo = 0;

        memcpy(opt + off, &m, 8); off += 8;
        memcpy(opt + off, &o, 4); off += 4;
        memcpy(opt + off, &l, 4); off += 4;
        memcpy(opt + off, &nl, 4); off += 4;
        memcpy(opt + off, name, nlen); off += nlen;
        memcpy(opt + off, &ninfo, 2);
    }
    if (!virNBDSend(c, opt, optlen))
        return false;
    for (;;) {
        guint64 rmagic;
        guint32 ropt, rtype, rlen;

        if (!virNBDRecv(c, &rmagic, 8) || !virNBDRecv(c, &ropt, 4) ||
            !virNBDRecv(c, &rtype, 4) || !virNBDRecv(c, &rlen, 4) ||
            GUINT64_FROM_BE(rmagic) != NBD_REP_MAGIC ||
            GUINT32_FROM_BE(rlen) > NBD_PROBE_MAX_REPLY ||
            !virNBDSkip(c, GUINT32_FROM_BE(rlen)))
            return false;
        rtype = GUINT32_FROM_BE(rtype);
        if (rtype & NBD_REP_FLAG_ERROR)
            return false;       /* e.g. TLS required, unknown export */
        if (rtype == NBD_REP_ACK)
            return true;
    }
}

virNBDProbeResult
virNBDProbeRead(const char *socketPath, const char *host, unsigned int port,
                const char *name, unsigned long long offset, unsigned int len,
                unsigned int timeoutMs, unsigned int *err)
{
    virNBDConn c = { .fd = -1 };
    virNBDProbeResult ret = VIR_NBD_PROBE_UNKNOWN;
    unsigned char req[28];
    guint32 rmagic, rerr;
    guint64 handle;

    if (err)
        *err = 0;
    if (len == 0 || len > NBD_PROBE_MAX_LEN)
        return VIR_NBD_PROBE_UNKNOWN;
    c.deadline = g_get_monotonic_time() + timeoutMs * 1000LL;
    if ((c.fd = virNBDConnect(socketPath, host, port)) < 0)
        return VIR_NBD_PROBE_UNKNOWN;
    if (!virNBDHandshake(&c, name))
        goto cleanup;

    {
        guint32 m = GUINT32_TO_BE(NBD_REQUEST_MAGIC);
        guint16 flags = 0, type = GUINT16_TO_BE(NBD_CMD_READ);
        guint64 h = GUINT64_TO_BE(1), o = GUINT64_TO_BE(offset);
        guint32 l = GUINT32_TO_BE(len);

        memcpy(req, &m, 4);
        memcpy(req + 4, &flags, 2);
        memcpy(req + 6, &type, 2);
        memcpy(req + 8, &h, 8);
        memcpy(req + 16, &o, 8);
        memcpy(req + 24, &l, 4);
    }
    if (!virNBDSend(&c, req, sizeof(req)) ||
        !virNBDRecv(&c, &rmagic, 4) || !virNBDRecv(&c, &rerr, 4) ||
        !virNBDRecv(&c, &handle, 8) ||
        GUINT32_FROM_BE(rmagic) != NBD_SIMPLE_REPLY_MAGIC ||
        GUINT64_FROM_BE(handle) != 1)
        goto cleanup;
    if (rerr) {
        if (err)
            *err = GUINT32_FROM_BE(rerr);
        ret = VIR_NBD_PROBE_READ_FAILED;
    } else if (virNBDSkip(&c, len)) {
        ret = VIR_NBD_PROBE_READABLE;
    }
    if (ret != VIR_NBD_PROBE_UNKNOWN) {
        guint16 disc = GUINT16_TO_BE(NBD_CMD_DISC);
        guint32 zero = 0;

        memcpy(req + 6, &disc, 2);
        memcpy(req + 24, &zero, 4);
        ignore_value(virNBDSend(&c, req, sizeof(req)));
    }

 cleanup:
    VIR_DEBUG("NBD probe of '%s' at %llu: %d", name, offset, ret);
    close(c.fd);
    return ret;
}

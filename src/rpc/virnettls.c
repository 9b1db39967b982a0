/*
 * virnettls.c: x509 TLS for RPC connections (GnuTLS)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "virnettls.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_RPC

VIR_LOG_INIT("rpc.tls");

struct _virNetTLSContext {
    gnutls_certificate_credentials_t creds;
    bool isServer;
};

struct _virNetTLSSession {
    gnutls_session_t session;
    bool isServer;
    char *hostname;
    int fd;
};

static int
virNetTLSInit(void)
{
    static gsize done;
    static int rc;

    if (g_once_init_enter(&done)) {
        rc = gnutls_global_init();
        g_once_init_leave(&done, 1);
    }
    if (rc < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot initialise GnuTLS: %s"),
                       gnutls_strerror(rc));
        return -1;
    }
    return 0;
}

char *
virNetTLSPKIFile(const char *dir, const char *name)
{
    return g_build_filename(dir, name, NULL);
}

static int
virNetTLSCheckFile(const char *what, const char *path)
{
    if (access(path, R_OK) < 0) {
        virReportSystemError(errno, _("cannot read the %s '%s'"), what, path);
        return -1;
    }
    return 0;
}

static virNetTLSContext *
virNetTLSContextNew(const char *cacert, const char *cacrl, const char *cert,
                    const char *key, bool isServer)
{
    g_autofree virNetTLSContext *ctx = NULL;
    int rc;

    if (virNetTLSInit() < 0 ||
        virNetTLSCheckFile(_("CA certificate"), cacert) < 0 ||
        virNetTLSCheckFile(_("certificate"), cert) < 0 ||
        virNetTLSCheckFile(_("private key"), key) < 0)
        return NULL;
    ctx = g_new0(virNetTLSContext, 1);
    ctx->isServer = isServer;
    if ((rc = gnutls_certificate_allocate_credentials(&ctx->creds)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot allocate TLS credentials: %s"),
                       gnutls_strerror(rc));
        return NULL;
    }
    if ((rc = gnutls_certificate_set_x509_trust_file(ctx->creds, cacert,
                                                     GNUTLS_X509_FMT_PEM)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot load the CA certificate '%s': %s"),
                       cacert, gnutls_strerror(rc));
        goto error;
    }
    if (cacrl && access(cacrl, R_OK) == 0 &&
        (rc = gnutls_certificate_set_x509_crl_file(ctx->creds, cacrl,
                                                   GNUTLS_X509_FMT_PEM)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot load the CA revocation list '%s': %s"),
                       cacrl, gnutls_strerror(rc));
        goto error;
    }
    if ((rc = gnutls_certificate_set_x509_key_file(ctx->creds, cert, key,
                                                   GNUTLS_X509_FMT_PEM)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR,
                       _("cannot load the certificate '%s' and key '%s': %s"),
                       cert, key, gnutls_strerror(rc));
        goto error;
    }
    return g_steal_pointer(&ctx);

 error:
    gnutls_certificate_free_credentials(ctx->creds);
    return NULL;
}

virNetTLSContext *
virNetTLSContextNewServer(const char *cacert, const char *cacrl,
                          const char *cert, const char *key)
{
    return virNetTLSContextNew(cacert, cacrl, cert, key, true);
}

virNetTLSContext *
virNetTLSContextNewClient(const char *cacert, const char *cert, const char *key)
{
    return virNetTLSContextNew(cacert, NULL, cert, key, false);
}

void
virNetTLSContextFree(virNetTLSContext *ctx)
{
    if (!ctx)
        return;
    gnutls_certificate_free_credentials(ctx->creds);
    g_free(ctx);
}

/* Transport functions: a peer that went away must not raise SIGPIPE in
 * a library user's process. */
static ssize_t
virNetTLSPush(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
    virNetTLSSession *sess = ptr;

    return send(sess->fd, buf, len, MSG_NOSIGNAL);
}

static ssize_t
virNetTLSPull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
    virNetTLSSession *sess = ptr;

    return recv(sess->fd, buf, len, 0);
}

/* Wait up to @ms for data (the handshake timeout relies on it). */
static int
virNetTLSPullTimeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
    virNetTLSSession *sess = ptr;
    struct pollfd pfd = { .fd = sess->fd, .events = POLLIN };
    int rc;

    do {
        rc = poll(&pfd, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int) ms);
    } while (rc < 0 && errno == EINTR);
    return rc;
}

virNetTLSSession *
virNetTLSSessionNew(virNetTLSContext *ctx, int fd, const char *hostname)
{
    g_autofree virNetTLSSession *sess = g_new0(virNetTLSSession, 1);
    int rc;

    sess->isServer = ctx->isServer;
    sess->fd = fd;
    if ((rc = gnutls_init(&sess->session,
                          ctx->isServer ? GNUTLS_SERVER : GNUTLS_CLIENT)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot start a TLS session: %s"),
                       gnutls_strerror(rc));
        return NULL;
    }
    if ((rc = gnutls_set_default_priority(sess->session)) < 0 ||
        (rc = gnutls_credentials_set(sess->session, GNUTLS_CRD_CERTIFICATE,
                                     ctx->creds)) < 0) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot set up the TLS session: %s"),
                       gnutls_strerror(rc));
        gnutls_deinit(sess->session);
        return NULL;
    }
    if (ctx->isServer) {
        gnutls_certificate_server_set_request(sess->session, GNUTLS_CERT_REQUIRE);
    } else if (hostname) {
        sess->hostname = g_strdup(hostname);
        gnutls_server_name_set(sess->session, GNUTLS_NAME_DNS, hostname,
                               strlen(hostname));
    }
    gnutls_transport_set_ptr(sess->session, sess);
    gnutls_transport_set_push_function(sess->session, virNetTLSPush);
    gnutls_transport_set_pull_function(sess->session, virNetTLSPull);
    gnutls_transport_set_pull_timeout_function(sess->session, virNetTLSPullTimeout);
    return g_steal_pointer(&sess);
}

void
virNetTLSSessionFree(virNetTLSSession *sess)
{
    if (!sess)
        return;
    gnutls_deinit(sess->session);
    g_free(sess->hostname);
    g_free(sess);
}

/* The peer's certificate chain is signed by our CA, in its validity
 * period, and (client side) names the host we dialled. */
static int
virNetTLSSessionCheckPeer(virNetTLSSession *sess)
{
    unsigned int status = 0;
    const gnutls_datum_t *certs;
    unsigned int ncerts = 0;
    gnutls_x509_crt_t crt = NULL;
    int rc;

    if ((rc = gnutls_certificate_verify_peers2(sess->session, &status)) < 0) {
        virReportError(VIR_ERR_AUTH_FAILED, _("cannot verify the peer's TLS certificate: %s"),
                       gnutls_strerror(rc));
        return -1;
    }
    if (status != 0) {
        const char *reason = _("it is not trusted");

        if (status & GNUTLS_CERT_REVOKED)
            reason = _("it was revoked");
        else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
            reason = _("its issuer is not the CA");
        else if (status & GNUTLS_CERT_EXPIRED)
            reason = _("it has expired");
        else if (status & GNUTLS_CERT_NOT_ACTIVATED)
            reason = _("it is not active yet");
        virReportError(VIR_ERR_AUTH_FAILED,
                       _("the peer's TLS certificate was rejected: %s"), reason);
        return -1;
    }
    if (!(certs = gnutls_certificate_get_peers(sess->session, &ncerts)) || ncerts == 0) {
        virReportError(VIR_ERR_AUTH_FAILED, "%s",
                       _("the peer presented no TLS certificate"));
        return -1;
    }
    if (sess->isServer || !sess->hostname)
        return 0;
    if (gnutls_x509_crt_init(&crt) < 0 ||
        gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
        if (crt)
            gnutls_x509_crt_deinit(crt);
        virReportError(VIR_ERR_AUTH_FAILED, "%s",
                       _("cannot read the server's TLS certificate"));
        return -1;
    }
    rc = gnutls_x509_crt_check_hostname(crt, sess->hostname);
    gnutls_x509_crt_deinit(crt);
    if (!rc) {
        virReportError(VIR_ERR_AUTH_FAILED,
                       _("the server's TLS certificate does not match the host name '%s'"),
                       sess->hostname);
        return -1;
    }
    return 0;
}

int
virNetTLSSessionHandshake(virNetTLSSession *sess, int timeout_ms)
{
    int rc;

    gnutls_handshake_set_timeout(sess->session, timeout_ms);
    do {
        rc = gnutls_handshake(sess->session);
    } while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        virReportError(VIR_ERR_AUTH_FAILED, _("TLS handshake failed: %s"),
                       gnutls_strerror(rc));
        return -1;
    }
    return virNetTLSSessionCheckPeer(sess);
}

static ssize_t
virNetTLSSessionErrno(ssize_t rc)
{
    switch (rc) {
    case GNUTLS_E_AGAIN:
        errno = EAGAIN;
        break;
    case GNUTLS_E_INTERRUPTED:
        errno = EINTR;
        break;
    case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
    case GNUTLS_E_PREMATURE_TERMINATION:
        /* the peer went away without a close notify */
        return 0;
    default:
        errno = EIO;
        break;
    }
    return -1;
}

ssize_t
virNetTLSSessionRead(virNetTLSSession *sess, void *buf, size_t len)
{
    ssize_t rc;

    do {
        rc = gnutls_record_recv(sess->session, buf, len);
    } while (rc == GNUTLS_E_INTERRUPTED || rc == GNUTLS_E_AGAIN);
    if (rc >= 0)
        return rc;
    return virNetTLSSessionErrno(rc);
}

ssize_t
virNetTLSSessionWrite(virNetTLSSession *sess, const void *buf, size_t len)
{
    ssize_t rc;

    do {
        rc = gnutls_record_send(sess->session, buf, len);
    } while (rc == GNUTLS_E_INTERRUPTED || rc == GNUTLS_E_AGAIN);
    if (rc >= 0)
        return rc;
    if (virNetTLSSessionErrno(rc) == 0)
        errno = EPIPE;
    return -1;
}

char *
virNetTLSSessionGetPeerDN(virNetTLSSession *sess)
{
    const gnutls_datum_t *certs;
    unsigned int ncerts = 0;
    gnutls_x509_crt_t crt = NULL;
    char dn[1024];
    size_t dnlen = sizeof(dn);
    char *ret = NULL;

    if (!(certs = gnutls_certificate_get_peers(sess->session, &ncerts)) || ncerts == 0)
        return NULL;
    if (gnutls_x509_crt_init(&crt) < 0)
        return NULL;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0 &&
        gnutls_x509_crt_get_dn(crt, dn, &dnlen) == 0)
        ret = g_strdup(dn);
    gnutls_x509_crt_deinit(crt);
    return ret;
}

/*
 * virnettls.h: x509 TLS for RPC connections (GnuTLS)
 *
 * The layout follows libvirt's: the server presents its certificate and
 * requires one from the client; both are checked against the CA (chain,
 * activation and expiry times); the client also checks that the server's
 * certificate names the host it dialled.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct _virNetTLSContext virNetTLSContext;
typedef struct _virNetTLSSession virNetTLSSession;

/* Credentials from PEM files.  @crl may be NULL.  Returns NULL with an
 * error when a file is missing or unreadable. */
virNetTLSContext *virNetTLSContextNewServer(const char *cacert,
                                            const char *cacrl,
                                            const char *cert,
                                            const char *key);
virNetTLSContext *virNetTLSContextNewClient(const char *cacert,
                                            const char *cert,
                                            const char *key);
void virNetTLSContextFree(virNetTLSContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetTLSContext, virNetTLSContextFree);

/* The conventional file names inside a PKI directory (as libvirt's
 * pkipath): cacert.pem, cacrl.pem, servercert.pem, serverkey.pem,
 * clientcert.pem, clientkey.pem. */
char *virNetTLSPKIFile(const char *dir, const char *name);

/* A session on connected socket @fd (not owned).  @hostname: on the
 * client, the name the server's certificate must carry. */
virNetTLSSession *virNetTLSSessionNew(virNetTLSContext *ctx, int fd,
                                      const char *hostname);
void virNetTLSSessionFree(virNetTLSSession *sess);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetTLSSession, virNetTLSSessionFree);

/* Run the handshake (blocking, bounded by @timeout_ms) and check the
 * peer's certificate.  Returns 0, or -1 with VIR_ERR_AUTH_FAILED or
 * VIR_ERR_SYSTEM_ERROR. */
int virNetTLSSessionHandshake(virNetTLSSession *sess, int timeout_ms);

/* Record I/O.  Read returns the byte count, 0 at the end of the stream,
 * -1 with errno set on failure.  One thread may read while another
 * writes. */
ssize_t virNetTLSSessionRead(virNetTLSSession *sess, void *buf, size_t len);
ssize_t virNetTLSSessionWrite(virNetTLSSession *sess, const void *buf,
                              size_t len);
/* The distinguished name of the peer's certificate, or NULL. */
char *virNetTLSSessionGetPeerDN(virNetTLSSession *sess);

/*
 * remote_driver.c: libfleece as a client of a daemon speaking libvirt's
 * remote protocol — fleeced, or libvirt's own libvirtd
 *
 * URIs:
 *   qemu+unix:///system?socket=PATH   a UNIX socket (default: the
 *                                     fleeced socket of the default root,
 *                                     ROOT/run/libvirt-sock)
 *   qemu:///system, qemu:///session   the same, on the default socket
 *   qemu+tls://HOST[:PORT]/system     x509 TLS (port 16514); credentials
 *                                     in ?pkipath=DIR (cacert.pem,
 *                                     clientcert.pem, clientkey.pem) or
 *                                     libvirt's default places
 * The server is asked to open "qemu:///system" (or session).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "remote_driver.h"
#include "remote_protocol.h"
#include "datatypes.h"
#include "driver.h"
#include "qemu_conf.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"
#include "virnetclient.h"
#include "virnettls.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_REMOTE

VIR_LOG_INIT("remote.driver");

#define REMOTE_TLS_PORT "16514"
#define REMOTE_TLS_TIMEOUT_MS 30000

/* A registered event callback.  References: the registration and each
 * delivery running it. */
typedef struct {
    gint refs;
    gint removed;
    int localID;
    int serverID;
    int eventID;
    virConnectDomainEventGenericCallback cb;
    void *opaque;
    virFreeCallback freecb;
} remoteEventCallback;

/* An event received, waiting for the application's event loop. */
typedef struct {
    int proc;
    int serverID;
    remoteNonnullDomain dom;
    int event;
    int detail;
    virTypedParameter *params;
    int nparams;
} remoteEvent;

typedef struct {
    gint refs;
    virNetClient *client;
    GMutex lock;
    virConnect *conn;              /* NULL once closed */
    GPtrArray *callbacks;          /* remoteEventCallback * */
    GPtrArray *pending;            /* remoteEvent * */
    int nextLocalID;
    int timer;
} remotePriv;

/* ---- URIs ---------------------------------------------------------------- */

static bool
remoteConnectURIProbe(const char *uri)
{
    if (!uri)
        return false;
    return g_str_has_prefix(uri, "qemu+unix://") ||
           g_str_has_prefix(uri, "qemu+tls://") ||
           g_str_has_prefix(uri, "qemu:///system") ||
           g_str_has_prefix(uri, "qemu:///session");
}

static char *
remoteURIParam(GUri *guri, const char *name)
{
    const char *query = g_uri_get_query(guri);
    g_autoptr(GHashTable) params = NULL;
    const char *v;

    if (!query)
        return NULL;
    if (!(params = g_uri_parse_params(query, -1, "&", G_URI_PARAMS_NONE, NULL)))
        return NULL;
    v = g_hash_table_lookup(params, name);
    return v ? g_strdup(v) : NULL;
}

static virNetSocket *
remoteConnectTLS(GUri *guri)
{
    g_autofree char *pki = remoteURIParam(guri, "pkipath");
    g_autofree char *ca = NULL;
    g_autofree char *cert = NULL;
    g_autofree char *key = NULL;
    g_autofree char *port = NULL;
    g_autoptr(virNetTLSContext) ctx = NULL;
    g_autoptr(virNetSocket) sock = NULL;
    const char *host = g_uri_get_host(guri);
    char confirm = 0;

    if (!host || !*host) {
        virReportError(VIR_ERR_INVALID_ARG, "%s", _("a qemu+tls URI needs a host name"));
        return NULL;
    }
    if (!pki && geteuid() != 0) {
        g_autofree char *user = g_build_filename(g_get_home_dir(), ".pki", "libvirt", NULL);

        if (g_file_test(user, G_FILE_TEST_IS_DIR))
            pki = g_steal_pointer(&user);
    }
    if (pki) {
        ca = virNetTLSPKIFile(pki, "cacert.pem");
        cert = virNetTLSPKIFile(pki, "clientcert.pem");
        key = virNetTLSPKIFile(pki, "clientkey.pem");
    } else {
        ca = g_strdup("/etc/pki/CA/cacert.pem");
        cert = g_strdup("/etc/pki/libvirt/clientcert.pem");
        key = g_strdup("/etc/pki/libvirt/private/clientkey.pem");
    }
    if (!(ctx = virNetTLSContextNewClient(ca, cert, key)))
        return NULL;
    port = g_uri_get_port(guri) > 0 ? g_strdup_printf("%d", g_uri_get_port(guri))
                                    : g_strdup(REMOTE_TLS_PORT);
    if (!(sock = virNetSocketNewConnectTCP(host, port)))
        return NULL;
    if (virNetSocketStartTLS(sock, ctx, host, REMOTE_TLS_TIMEOUT_MS) < 0)
        return NULL;
    /* the server confirms that it accepted our certificate */
    if (virNetSocketReadFull(sock, &confirm, 1) != 0 || confirm != '\1') {
        virResetLastError();
        virReportError(VIR_ERR_AUTH_FAILED, "%s",
                       _("server verification (of our certificate or IP address) failed"));
        return NULL;
    }
    return g_steal_pointer(&sock);
}

static virNetSocket *
remoteConnectSocket(const char *uri, GUri *guri)
{
    const char *scheme = g_uri_get_scheme(guri);
    g_autofree char *path = NULL;

    if (g_str_equal(scheme, "qemu+tls"))
        return remoteConnectTLS(guri);
    if ((path = remoteURIParam(guri, "socket")))
        return virNetSocketNewConnectUNIX(path);
    {
        g_autofree char *root = qemuDriverDefaultRoot();

        path = g_build_filename(root, "run", "libvirt-sock", NULL);
    }
    VIR_DEBUG("'%s' uses the default socket '%s'", uri, path);
    return virNetSocketNewConnectUNIX(path);
}

/* ---- calls -------------------------------------------------------------- */

static remotePriv *
remotePrivOf(virConnect *conn)
{
    return conn->privateData;
}

static int
remoteCallProg(virConnect *conn, unsigned int prog, unsigned int vers, int proc,
               const void *args, void *ret)
{
    const remoteProcedureInfo *info = remoteProcedureLookup(prog, proc);

    return virNetClientCall(remotePrivOf(conn)->client, prog, vers, proc,
                            info->args, args, info->ret, ret);
}

static int
remoteCall(virConnect *conn, int proc, const void *args, void *ret)
{
    return remoteCallProg(conn, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, args, ret);
}

static void
remoteClearRet(int proc, void *ret)
{
    virXDRClear(remoteProcedureLookup(REMOTE_PROGRAM, proc)->ret, ret);
}

static void
remoteMakeDomain(remoteNonnullDomain *d, virDomain *dom)
{
    d->name = dom->name;       /* borrowed: arguments are not cleared */
    memcpy(d->uuid, dom->uuid, VIR_UUID_BUFLEN);
    d->id = dom->id;
}

static virDomain *
remoteGetDomain(virConnect *conn, const remoteNonnullDomain *d)
{
    return virGetDomain(conn, d->name, d->uuid, d->id);
}

static void
remoteMakeCheckpoint(remoteNonnullDomainCheckpoint *c, virDomainCheckpoint *cp)
{
    c->name = cp->name;
    remoteMakeDomain(&c->dom, cp->domain);
}

static virDomainCheckpoint *
remoteGetCheckpoint(virConnect *conn, const remoteNonnullDomainCheckpoint *c)
{
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &c->dom);

    return dom ? virGetDomainCheckpoint(dom, c->name) : NULL;
}

static void
remoteMakeSnapshot(remoteNonnullDomainSnapshot *s, virDomainSnapshot *snap)
{
    s->name = snap->name;
    remoteMakeDomain(&s->dom, snap->domain);
}

static virDomainSnapshot *
remoteGetSnapshot(virConnect *conn, const remoteNonnullDomainSnapshot *s)
{
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &s->dom);

    return dom ? virGetDomainSnapshot(dom, s->name) : NULL;
}

static int
remoteTypedParamsFromWire(const remoteTypedParamList *list, virTypedParameter **params,
                          int *nparams)
{
    int max = 0;
    unsigned int i;

    *params = NULL;
    *nparams = 0;
    for (i = 0; i < list->len; i++) {
        const remoteTypedParam *p = &list->val[i];
        const char *f = p->field;
        int rc;

        switch ((virTypedParameterType) p->value.type) {
        case VIR_TYPED_PARAM_INT:
            rc = virTypedParamsAddInt(params, nparams, &max, f, p->value.u.i);
            break;
        case VIR_TYPED_PARAM_UINT:
            rc = virTypedParamsAddUInt(params, nparams, &max, f, p->value.u.ui);
            break;
        case VIR_TYPED_PARAM_LLONG:
            rc = virTypedParamsAddLLong(params, nparams, &max, f, p->value.u.l);
            break;
        case VIR_TYPED_PARAM_ULLONG:
            rc = virTypedParamsAddULLong(params, nparams, &max, f, p->value.u.ul);
            break;
        case VIR_TYPED_PARAM_DOUBLE:
            rc = virTypedParamsAddDouble(params, nparams, &max, f, p->value.u.d);
            break;
        case VIR_TYPED_PARAM_BOOLEAN:
            rc = virTypedParamsAddBoolean(params, nparams, &max, f, p->value.u.b);
            break;
        case VIR_TYPED_PARAM_STRING:
            rc = virTypedParamsAddString(params, nparams, &max, f, p->value.u.s);
            break;
        default:
            rc = 0;   /* a type this library does not know is left out */
            break;
        }
        if (rc < 0) {
            virTypedParamsFree(*params, *nparams);
            *params = NULL;
            *nparams = 0;
            return -1;
        }
    }
    return 0;
}

/* ---- events ---------------------------------------------------------------- */

static void
remoteEventCallbackUnref(remoteEventCallback *cb)
{
    if (!g_atomic_int_dec_and_test(&cb->refs))
        return;
    if (cb->freecb)
        cb->freecb(cb->opaque);
    g_free(cb);
}

static void
remoteEventFree(gpointer p)
{
    remoteEvent *ev = p;

    g_free(ev->dom.name);
    virTypedParamsFree(ev->params, ev->nparams);
    g_free(ev);
}

static remotePriv *
remotePrivRef(remotePriv *priv)
{
    g_atomic_int_inc(&priv->refs);
    return priv;
}

static void
remotePrivUnref(void *opaque)
{
    remotePriv *priv = opaque;

    if (!g_atomic_int_dec_and_test(&priv->refs))
        return;
    g_ptr_array_free(priv->callbacks, TRUE);
    g_ptr_array_free(priv->pending, TRUE);
    g_mutex_clear(&priv->lock);
    g_free(priv);
}

/* Deliver queued events from the application's event loop. */
static void
remoteEventDeliver(int timer, void *opaque)
{
    remotePriv *priv = opaque;
    g_autoptr(GPtrArray) events = NULL;
    virConnect *conn;
    guint i, j;

    g_mutex_lock(&priv->lock);
    events = g_steal_pointer(&priv->pending);
    priv->pending = g_ptr_array_new_with_free_func(remoteEventFree);
    if (priv->timer == timer)
        priv->timer = -1;
    conn = priv->conn ? virConnectHandleRef(priv->conn) : NULL;
    g_mutex_unlock(&priv->lock);
    virEventRemoveTimeout(timer);
    if (!conn)
        return;

    for (i = 0; i < events->len; i++) {
        remoteEvent *ev = g_ptr_array_index(events, i);
        g_autoptr(virDomain) dom = remoteGetDomain(conn, &ev->dom);
        remoteEventCallback *cb = NULL;

        g_mutex_lock(&priv->lock);
        for (j = 0; j < priv->callbacks->len; j++) {
            remoteEventCallback *c = g_ptr_array_index(priv->callbacks, j);

            if (c->serverID == ev->serverID && !g_atomic_int_get(&c->removed)) {
                cb = c;
                g_atomic_int_inc(&cb->refs);
                break;
            }
        }
        g_mutex_unlock(&priv->lock);
        if (!cb || !dom)
            continue;
        if (ev->proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE)
            ((virConnectDomainEventCallback) (void (*)(void)) cb->cb)(conn, dom, ev->event,
                                                                      ev->detail, cb->opaque);
        else
            ((virConnectDomainEventJobCompletedCallback) (void (*)(void)) cb->cb)(conn, dom,
                                                                                 ev->params,
                                                                                 ev->nparams,
                                                                                 cb->opaque);
        remoteEventCallbackUnref(cb);
    }
    virConnectHandleUnref(conn);
}

/* An event message from the server (reader thread): decode and queue. */
static void
remoteEventReceived(virNetClient *client G_GNUC_UNUSED, const virNetMessage *msg,
                    void *opaque)
{
    remotePriv *priv = opaque;
    const remoteProcedureInfo *info;
    remoteEvent *ev;

    if (msg->header.prog != REMOTE_PROGRAM ||
        (msg->header.proc != REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE &&
         msg->header.proc != REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED))
        return;
    info = remoteProcedureLookup(REMOTE_PROGRAM, msg->header.proc);
    ev = g_new0(remoteEvent, 1);
    ev->proc = msg->header.proc;
    if (ev->proc == REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) {
        remoteDomainEventCallbackLifecycleMsg m;

        if (virXDRDecode(info->args, (const char *) msg->body->data, msg->body->len, &m) < 0)
            goto error;
        ev->serverID = m.callbackID;
        ev->dom = m.dom;
        m.dom.name = NULL;
        ev->event = m.event;
        ev->detail = m.detail;
        virXDRClear(info->args, &m);
    } else {
        remoteDomainEventCallbackJobCompletedMsg m;
        int rc;

        if (virXDRDecode(info->args, (const char *) msg->body->data, msg->body->len, &m) < 0)
            goto error;
        ev->serverID = m.callbackID;
        ev->dom = m.dom;
        m.dom.name = NULL;
        rc = remoteTypedParamsFromWire(&m.params, &ev->params, &ev->nparams);
        virXDRClear(info->args, &m);
        if (rc < 0)
            goto error;
    }

    g_mutex_lock(&priv->lock);
    if (!priv->conn) {
        g_mutex_unlock(&priv->lock);
        remoteEventFree(ev);
        return;
    }
    g_ptr_array_add(priv->pending, ev);
    if (priv->timer < 0) {
        priv->timer = virEventAddTimeout(0, remoteEventDeliver, remotePrivRef(priv),
                                         remotePrivUnref);
        if (priv->timer < 0) {
            remotePrivUnref(priv);
            virResetLastError();
        }
    }
    g_mutex_unlock(&priv->lock);
    return;

 error:
    VIR_WARN("cannot decode an event: %s", virGetLastErrorMessage());
    virResetLastError();
    remoteEventFree(ev);
}

static int
remoteConnectDomainEventRegisterAny(virConnect *conn, virDomain *dom, int eventID,
                                    virConnectDomainEventGenericCallback callback,
                                    void *opaque, virFreeCallback freecb)
{
    remotePriv *priv = remotePrivOf(conn);
    remoteConnectDomainEventCallbackRegisterAnyArgs args = { eventID, NULL };
    remoteConnectDomainEventCallbackRegisterAnyRet ret = { 0 };
    remoteNonnullDomain d;
    remoteEventCallback *cb;

    if (eventID != VIR_DOMAIN_EVENT_ID_LIFECYCLE &&
        eventID != VIR_DOMAIN_EVENT_ID_JOB_COMPLETED) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, _("event %d is not supported"), eventID);
        return -1;
    }
    if (!virEventIsRegistered()) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("events need an event loop: call virEventRegisterDefaultImpl first"));
        return -1;
    }
    if (dom) {
        remoteMakeDomain(&d, dom);
        args.dom = &d;
    }
    if (remoteCall(conn, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, &args, &ret) < 0)
        return -1;

    cb = g_new0(remoteEventCallback, 1);
    cb->refs = 1;
    cb->serverID = ret.callbackID;
    cb->eventID = eventID;
    cb->cb = callback;
    cb->opaque = opaque;
    cb->freecb = freecb;
    g_mutex_lock(&priv->lock);
    cb->localID = priv->nextLocalID++;
    g_ptr_array_add(priv->callbacks, cb);
    g_mutex_unlock(&priv->lock);
    return cb->localID;
}

static int
remoteConnectDomainEventDeregisterAny(virConnect *conn, int callbackID)
{
    remotePriv *priv = remotePrivOf(conn);
    remoteConnectDomainEventCallbackDeregisterAnyArgs args = { 0 };
    remoteEventCallback *found = NULL;
    guint i;

    g_mutex_lock(&priv->lock);
    for (i = 0; i < priv->callbacks->len; i++) {
        remoteEventCallback *cb = g_ptr_array_index(priv->callbacks, i);

        if (cb->localID == callbackID) {
            found = g_ptr_array_steal_index(priv->callbacks, i);
            break;
        }
    }
    g_mutex_unlock(&priv->lock);
    if (!found) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("no domain event callback with id %d"), callbackID);
        return -1;
    }
    g_atomic_int_set(&found->removed, 1);
    args.callbackID = found->serverID;
    remoteEventCallbackUnref(found);
    return remoteCall(conn, REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
                      &args, NULL);
}

/* ---- connections ------------------------------------------------------------ */

static int
remoteConnectOpen(virConnect *conn, const char *uri, unsigned int flags)
{
    g_autoptr(GUri) guri = NULL;
    g_autoptr(virNetSocket) sock = NULL;
    g_autofree char *name = NULL;
    GError *gerr = NULL;
    remotePriv *priv;
    remoteAuthListRet auth = { { 0 } };
    remoteConnectSupportsFeatureArgs feature = { REMOTE_FEATURE_REMOTE_EVENT_CALLBACK };
    remoteIntRet supported = { 0 };
    remoteConnectOpenArgs open = { NULL, flags & VIR_CONNECT_RO };
    bool authNone = false;
    const char *path;
    unsigned int i;

    if (!(guri = g_uri_parse(uri, G_URI_FLAGS_ENCODED_QUERY, &gerr))) {
        virReportError(VIR_ERR_INVALID_ARG, _("cannot parse the URI '%s': %s"), uri,
                       gerr->message);
        g_error_free(gerr);
        return -1;
    }
    path = g_uri_get_path(guri);
    if (!path || (!g_str_equal(path, "/system") && !g_str_equal(path, "/session"))) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("URI '%s' must name /system or /session"), uri);
        return -1;
    }
    if (!(sock = remoteConnectSocket(uri, guri)))
        return -1;

    priv = g_new0(remotePriv, 1);
    priv->refs = 1;
    g_mutex_init(&priv->lock);
    priv->callbacks = g_ptr_array_new();
    priv->pending = g_ptr_array_new_with_free_func(remoteEventFree);
    priv->timer = -1;
    priv->nextLocalID = 1;
    priv->client = virNetClientNew(g_steal_pointer(&sock));
    conn->privateData = priv;

    if (remoteCall(conn, REMOTE_PROC_AUTH_LIST, NULL, &auth) < 0)
        goto error;
    for (i = 0; i < auth.types.len; i++)
        authNone |= auth.types.val[i] == REMOTE_AUTH_NONE;
    remoteClearRet(REMOTE_PROC_AUTH_LIST, &auth);
    if (!authNone) {
        virReportError(VIR_ERR_AUTH_UNAVAILABLE, "%s",
                       _("the server requires an authentication this client does not offer"));
        goto error;
    }
    name = g_strdup_printf("qemu://%s", path);
    open.name = name;
    if (remoteCall(conn, REMOTE_PROC_CONNECT_OPEN, &open, NULL) < 0)
        goto error;
    if (remoteCall(conn, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, &feature, &supported) < 0)
        goto error;
    if (!supported.value)
        VIR_WARN("the server at '%s' has no event callbacks", uri);

    g_mutex_lock(&priv->lock);
    priv->conn = conn;
    g_mutex_unlock(&priv->lock);
    virNetClientSetMessageHandler(priv->client, remoteEventReceived, priv);
    return 0;

 error:
    virNetClientFree(priv->client);
    conn->privateData = NULL;
    remotePrivUnref(priv);
    return -1;
}

static int
remoteConnectClose(virConnect *conn)
{
    remotePriv *priv = remotePrivOf(conn);
    guint i;

    if (!priv)
        return 0;
    if (virNetClientIsOpen(priv->client) &&
        remoteCall(conn, REMOTE_PROC_CONNECT_CLOSE, NULL, NULL) < 0)
        virResetLastError();
    virNetClientSetMessageHandler(priv->client, NULL, NULL);
    virNetClientFree(priv->client);
    priv->client = NULL;

    g_mutex_lock(&priv->lock);
    priv->conn = NULL;
    for (i = 0; i < priv->callbacks->len; i++) {
        remoteEventCallback *cb = g_ptr_array_index(priv->callbacks, i);

        g_atomic_int_set(&cb->removed, 1);
    }
    g_mutex_unlock(&priv->lock);
    for (i = 0; i < priv->callbacks->len; i++)
        remoteEventCallbackUnref(g_ptr_array_index(priv->callbacks, i));
    g_ptr_array_set_size(priv->callbacks, 0);
    conn->privateData = NULL;
    remotePrivUnref(priv);
    return 0;
}

static int
remoteConnectGetVersion(virConnect *conn, unsigned long *hvVer)
{
    remoteUHyperRet ret = { 0 };

    if (remoteCall(conn, REMOTE_PROC_CONNECT_GET_VERSION, NULL, &ret) < 0)
        return -1;
    *hvVer = ret.value;
    return 0;
}

static char *
remoteConnectGetHostname(virConnect *conn)
{
    remoteStringRet ret = { 0 };

    if (remoteCall(conn, REMOTE_PROC_CONNECT_GET_HOSTNAME, NULL, &ret) < 0)
        return NULL;
    return ret.str;
}

static int
remoteConnectListAllDomains(virConnect *conn, virDomain ***domains, unsigned int flags)
{
    remoteConnectListAllDomainsArgs args = { domains != NULL, flags };
    remoteConnectListAllDomainsRet ret = { { 0 } };
    unsigned int i;
    int n;

    if (remoteCall(conn, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, &args, &ret) < 0)
        return -1;
    n = ret.ret;
    if (domains) {
        *domains = g_new0(virDomain *, ret.domains.len + 1);
        for (i = 0; i < ret.domains.len; i++)
            (*domains)[i] = remoteGetDomain(conn, &ret.domains.val[i]);
        n = ret.domains.len;
    }
    remoteClearRet(REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, &ret);
    return n;
}

/* ---- domains ------------------------------------------------------------------ */

static virDomain *
remoteReturnDomain(virConnect *conn, int proc, const void *args)
{
    remoteDomainRet ret = { { 0 } };
    virDomain *dom;

    if (remoteCall(conn, proc, args, &ret) < 0)
        return NULL;
    dom = remoteGetDomain(conn, &ret.dom);
    remoteClearRet(proc, &ret);
    return dom;
}

static virDomain *
remoteDomainDefineXMLFlags(virConnect *conn, const char *xml, unsigned int flags)
{
    remoteXMLFlagsArgs args = { (char *) xml, flags };
    remoteDomainDefineXMLArgs plain = { (char *) xml };

    /* the older call without flags, which every daemon has */
    if (flags == 0)
        return remoteReturnDomain(conn, REMOTE_PROC_DOMAIN_DEFINE_XML, &plain);
    return remoteReturnDomain(conn, REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, &args);
}

static virDomain *
remoteDomainCreateXML(virConnect *conn, const char *xml, unsigned int flags)
{
    remoteXMLFlagsArgs args = { (char *) xml, flags };

    return remoteReturnDomain(conn, REMOTE_PROC_DOMAIN_CREATE_XML, &args);
}

static virDomain *
remoteDomainLookupByName(virConnect *conn, const char *name)
{
    remoteDomainLookupByNameArgs args = { (char *) name };

    return remoteReturnDomain(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, &args);
}

static virDomain *
remoteDomainLookupByUUID(virConnect *conn, const unsigned char *uuid)
{
    remoteDomainLookupByUUIDArgs args;

    memcpy(args.uuid, uuid, VIR_UUID_BUFLEN);
    return remoteReturnDomain(conn, REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, &args);
}

static int
remoteDomainCallFlags(virDomain *dom, int proc, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteCall(dom->conn, proc, &args, NULL);
}

static int
remoteDomainCall(virDomain *dom, int proc)
{
    remoteDomainArgs args;

    remoteMakeDomain(&args.dom, dom);
    return remoteCall(dom->conn, proc, &args, NULL);
}

static int
remoteDomainUndefineFlags(virDomain *dom, unsigned int flags)
{
    return remoteDomainCallFlags(dom, REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, flags);
}

static int
remoteDomainCreateWithFlags(virDomain *dom, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };
    remoteDomainRet ret = { { 0 } };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, &args, &ret) < 0)
        return -1;
    dom->id = ret.dom.id;
    remoteClearRet(REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, &ret);
    return 0;
}

static int
remoteDomainShutdown(virDomain *dom)
{
    return remoteDomainCall(dom, REMOTE_PROC_DOMAIN_SHUTDOWN);
}

static int
remoteDomainDestroy(virDomain *dom)
{
    if (remoteDomainCall(dom, REMOTE_PROC_DOMAIN_DESTROY) < 0)
        return -1;
    dom->id = -1;
    return 0;
}

static int
remoteDomainSuspend(virDomain *dom)
{
    return remoteDomainCall(dom, REMOTE_PROC_DOMAIN_SUSPEND);
}

static int
remoteDomainResume(virDomain *dom)
{
    return remoteDomainCall(dom, REMOTE_PROC_DOMAIN_RESUME);
}

static char *
remoteDomainStringFlags(virDomain *dom, int proc, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };
    remoteStringRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, proc, &args, &ret) < 0)
        return NULL;
    return ret.str;
}

static char *
remoteDomainGetXMLDesc(virDomain *dom, unsigned int flags)
{
    return remoteDomainStringFlags(dom, REMOTE_PROC_DOMAIN_GET_XML_DESC, flags);
}

static int
remoteDomainGetState(virDomain *dom, int *state, int *reason, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };
    remoteDomainGetStateRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_GET_STATE, &args, &ret) < 0)
        return -1;
    *state = ret.state;
    if (reason)
        *reason = ret.reason;
    return 0;
}

static int
remoteDomainGetInfo(virDomain *dom, virDomainInfo *info)
{
    remoteDomainArgs args;
    remoteDomainGetInfoRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_GET_INFO, &args, &ret) < 0)
        return -1;
    info->state = ret.state;
    info->maxMem = ret.maxMem;
    info->memory = ret.memory;
    info->nrVirtCpu = ret.nrVirtCpu;
    info->cpuTime = ret.cpuTime;
    return 0;
}

static int
remoteDomainGetInt(virDomain *dom, int proc)
{
    remoteDomainArgs args;
    remoteIntRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, proc, &args, &ret) < 0)
        return -1;
    return ret.value;
}

static int
remoteDomainIsActive(virDomain *dom)
{
    return remoteDomainGetInt(dom, REMOTE_PROC_DOMAIN_IS_ACTIVE);
}

static int
remoteDomainIsPersistent(virDomain *dom)
{
    return remoteDomainGetInt(dom, REMOTE_PROC_DOMAIN_IS_PERSISTENT);
}

static int
remoteDomainFS(virDomain *dom, int proc, const char **mountpoints,
               unsigned int nmountpoints, unsigned int flags)
{
    remoteDomainFSFreezeArgs args = { { 0 }, { nmountpoints, (char **) mountpoints }, flags };
    remoteIntRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, proc, &args, &ret) < 0)
        return -1;
    return ret.value;
}

static int
remoteDomainFSFreeze(virDomain *dom, const char **mountpoints, unsigned int nmountpoints,
                     unsigned int flags)
{
    return remoteDomainFS(dom, REMOTE_PROC_DOMAIN_FSFREEZE, mountpoints, nmountpoints, flags);
}

static int
remoteDomainFSThaw(virDomain *dom, const char **mountpoints, unsigned int nmountpoints,
                   unsigned int flags)
{
    return remoteDomainFS(dom, REMOTE_PROC_DOMAIN_FSTHAW, mountpoints, nmountpoints, flags);
}

/* ---- backups and jobs ------------------------------------------------------------ */

static int
remoteDomainBackupBegin(virDomain *dom, const char *backupXML, const char *checkpointXML,
                        unsigned int flags)
{
    remoteDomainBackupBeginArgs args = { { 0 }, (char *) backupXML, (char *) checkpointXML,
                                         flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteCall(dom->conn, REMOTE_PROC_DOMAIN_BACKUP_BEGIN, &args, NULL);
}

static char *
remoteDomainBackupGetXMLDesc(virDomain *dom, unsigned int flags)
{
    return remoteDomainStringFlags(dom, REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC, flags);
}

/* Fleece's own procedure; a libvirtd, which lacks it, ends a backup job
 * with virDomainAbortJob. */
static int
remoteDomainBackupEnd(virDomain *dom, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };
    int code;

    remoteMakeDomain(&args.dom, dom);
    if (remoteCallProg(dom->conn, FLEECE_PROGRAM, FLEECE_PROTOCOL_VERSION,
                       FLEECE_PROC_DOMAIN_BACKUP_END, &args, NULL) == 0)
        return 0;
    code = virGetLastErrorCode();
    if (code != VIR_ERR_RPC && code != VIR_ERR_NO_SUPPORT)
        return -1;
    if (flags) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("the server ends backups only without flags"));
        return -1;
    }
    virResetLastError();
    return remoteDomainCall(dom, REMOTE_PROC_DOMAIN_ABORT_JOB);
}

static int
remoteDomainGetJobInfo(virDomain *dom, virDomainJobInfo *info)
{
    remoteDomainArgs args;
    remoteDomainGetJobInfoRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_GET_JOB_INFO, &args, &ret) < 0)
        return -1;
    memset(info, 0, sizeof(*info));
    info->type = ret.type;
    info->timeElapsed = ret.timeElapsed;
    info->timeRemaining = ret.timeRemaining;
    info->dataTotal = ret.dataTotal;
    info->dataProcessed = ret.dataProcessed;
    info->dataRemaining = ret.dataRemaining;
    info->memTotal = ret.memTotal;
    info->memProcessed = ret.memProcessed;
    info->memRemaining = ret.memRemaining;
    info->fileTotal = ret.fileTotal;
    info->fileProcessed = ret.fileProcessed;
    info->fileRemaining = ret.fileRemaining;
    return 0;
}

static int
remoteDomainGetJobStats(virDomain *dom, int *type, virTypedParameter **params,
                        int *nparams, unsigned int flags)
{
    remoteDomainFlagsArgs args = { { 0 }, flags };
    remoteDomainGetJobStatsRet ret = { 0 };
    int rc;

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_GET_JOB_STATS, &args, &ret) < 0)
        return -1;
    *type = ret.type;
    rc = remoteTypedParamsFromWire(&ret.params, params, nparams);
    remoteClearRet(REMOTE_PROC_DOMAIN_GET_JOB_STATS, &ret);
    return rc;
}

static int
remoteDomainAbortJobFlags(virDomain *dom, unsigned int flags)
{
    if (flags) {
        virReportError(VIR_ERR_INVALID_ARG, _("unsupported flags (0x%x)"), flags);
        return -1;
    }
    return remoteDomainCall(dom, REMOTE_PROC_DOMAIN_ABORT_JOB);
}

/* ---- checkpoints ------------------------------------------------------------------- */

static virDomainCheckpoint *
remoteReturnCheckpoint(virConnect *conn, int proc, const void *args)
{
    remoteCheckpointRet ret = { { 0 } };
    virDomainCheckpoint *cp;

    if (remoteCall(conn, proc, args, &ret) < 0)
        return NULL;
    cp = remoteGetCheckpoint(conn, &ret.checkpoint);
    remoteClearRet(proc, &ret);
    return cp;
}

static int
remoteReturnCheckpointList(virConnect *conn, int proc, const void *args, bool wanted,
                           virDomainCheckpoint ***list)
{
    remoteCheckpointListRet ret = { { 0 } };
    unsigned int i;
    int n;

    if (remoteCall(conn, proc, args, &ret) < 0)
        return -1;
    n = ret.ret;
    if (wanted) {
        *list = g_new0(virDomainCheckpoint *, ret.checkpoints.len + 1);
        for (i = 0; i < ret.checkpoints.len; i++)
            (*list)[i] = remoteGetCheckpoint(conn, &ret.checkpoints.val[i]);
        n = ret.checkpoints.len;
    }
    remoteClearRet(proc, &ret);
    return n;
}

static virDomainCheckpoint *
remoteDomainCheckpointCreateXML(virDomain *dom, const char *xml, unsigned int flags)
{
    remoteDomainCheckpointCreateXMLArgs args = { { 0 }, (char *) xml, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteReturnCheckpoint(dom->conn, REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML, &args);
}

static char *
remoteDomainCheckpointGetXMLDesc(virDomainCheckpoint *cp, unsigned int flags)
{
    remoteCheckpointFlagsArgs args = { { 0 }, flags };
    remoteStringRet ret = { 0 };

    remoteMakeCheckpoint(&args.checkpoint, cp);
    if (remoteCall(cp->domain->conn, REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC,
                   &args, &ret) < 0)
        return NULL;
    return ret.str;
}

static int
remoteDomainListAllCheckpoints(virDomain *dom, virDomainCheckpoint ***checkpoints,
                               unsigned int flags)
{
    remoteDomainListAllCheckpointsArgs args = { { 0 }, checkpoints != NULL, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteReturnCheckpointList(dom->conn, REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS,
                                      &args, checkpoints != NULL, checkpoints);
}

static int
remoteDomainCheckpointListAllChildren(virDomainCheckpoint *cp,
                                      virDomainCheckpoint ***children, unsigned int flags)
{
    remoteDomainCheckpointListAllChildrenArgs args = { { 0 }, children != NULL, flags };

    remoteMakeCheckpoint(&args.checkpoint, cp);
    return remoteReturnCheckpointList(cp->domain->conn,
                                      REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN,
                                      &args, children != NULL, children);
}

static virDomainCheckpoint *
remoteDomainCheckpointLookupByName(virDomain *dom, const char *name, unsigned int flags)
{
    remoteDomainCheckpointLookupByNameArgs args = { { 0 }, (char *) name, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteReturnCheckpoint(dom->conn, REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME,
                                  &args);
}

static virDomainCheckpoint *
remoteDomainCheckpointGetParent(virDomainCheckpoint *cp, unsigned int flags)
{
    remoteCheckpointFlagsArgs args = { { 0 }, flags };

    remoteMakeCheckpoint(&args.checkpoint, cp);
    return remoteReturnCheckpoint(cp->domain->conn, REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT,
                                  &args);
}

static int
remoteDomainCheckpointDelete(virDomainCheckpoint *cp, unsigned int flags)
{
    remoteCheckpointFlagsArgs args = { { 0 }, flags };

    remoteMakeCheckpoint(&args.checkpoint, cp);
    return remoteCall(cp->domain->conn, REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE, &args, NULL);
}

/* ---- snapshots ------------------------------------------------------------------- */

static virDomainSnapshot *
remoteReturnSnapshot(virConnect *conn, int proc, const void *args)
{
    remoteSnapshotRet ret = { { 0 } };
    virDomainSnapshot *snap;

    if (remoteCall(conn, proc, args, &ret) < 0)
        return NULL;
    snap = remoteGetSnapshot(conn, &ret.snapshot);
    remoteClearRet(proc, &ret);
    return snap;
}

static virDomainSnapshot *
remoteDomainSnapshotCreateXML(virDomain *dom, const char *xml, unsigned int flags)
{
    remoteDomainSnapshotCreateXMLArgs args = { { 0 }, (char *) xml, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteReturnSnapshot(dom->conn, REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, &args);
}

static char *
remoteDomainSnapshotGetXMLDesc(virDomainSnapshot *snap, unsigned int flags)
{
    remoteSnapshotFlagsArgs args = { { 0 }, flags };
    remoteStringRet ret = { 0 };

    remoteMakeSnapshot(&args.snapshot, snap);
    if (remoteCall(snap->domain->conn, REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC,
                   &args, &ret) < 0)
        return NULL;
    return ret.str;
}

static int
remoteDomainListAllSnapshots(virDomain *dom, virDomainSnapshot ***snaps,
                             unsigned int flags)
{
    remoteDomainListAllSnapshotsArgs args = { { 0 }, snaps != NULL, flags };
    remoteSnapshotListRet ret = { { 0 } };
    unsigned int i;
    int n;

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, &args, &ret) < 0)
        return -1;
    n = ret.ret;
    if (snaps) {
        *snaps = g_new0(virDomainSnapshot *, ret.snapshots.len + 1);
        for (i = 0; i < ret.snapshots.len; i++)
            (*snaps)[i] = remoteGetSnapshot(dom->conn, &ret.snapshots.val[i]);
        n = ret.snapshots.len;
    }
    remoteClearRet(REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, &ret);
    return n;
}

static virDomainSnapshot *
remoteDomainSnapshotLookupByName(virDomain *dom, const char *name, unsigned int flags)
{
    remoteDomainSnapshotLookupByNameArgs args = { { 0 }, (char *) name, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteReturnSnapshot(dom->conn, REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, &args);
}

static virDomainSnapshot *
remoteDomainSnapshotGetParent(virDomainSnapshot *snap, unsigned int flags)
{
    remoteSnapshotFlagsArgs args = { { 0 }, flags };

    remoteMakeSnapshot(&args.snapshot, snap);
    return remoteReturnSnapshot(snap->domain->conn, REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT,
                                &args);
}

static int
remoteDomainSnapshotIsCurrent(virDomainSnapshot *snap, unsigned int flags)
{
    remoteSnapshotFlagsArgs args = { { 0 }, flags };
    remoteIntRet ret = { 0 };

    remoteMakeSnapshot(&args.snapshot, snap);
    if (remoteCall(snap->domain->conn, REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT,
                   &args, &ret) < 0)
        return -1;
    return ret.value;
}

static int
remoteSnapshotCallFlags(virDomainSnapshot *snap, int proc, unsigned int flags)
{
    remoteSnapshotFlagsArgs args = { { 0 }, flags };

    remoteMakeSnapshot(&args.snapshot, snap);
    return remoteCall(snap->domain->conn, proc, &args, NULL);
}

static int
remoteDomainRevertToSnapshot(virDomainSnapshot *snap, unsigned int flags)
{
    return remoteSnapshotCallFlags(snap, REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, flags);
}

static int
remoteDomainSnapshotDelete(virDomainSnapshot *snap, unsigned int flags)
{
    return remoteSnapshotCallFlags(snap, REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, flags);
}

/* ---- block jobs -------------------------------------------------------------------- */

static int
remoteDomainBlockCommit(virDomain *dom, const char *disk, const char *base,
                        const char *top, unsigned long bandwidth, unsigned int flags)
{
    remoteDomainBlockCommitArgs args = { { 0 }, (char *) disk, (char *) base, (char *) top,
                                         bandwidth, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteCall(dom->conn, REMOTE_PROC_DOMAIN_BLOCK_COMMIT, &args, NULL);
}

static int
remoteDomainGetBlockJobInfo(virDomain *dom, const char *disk, virDomainBlockJobInfo *info,
                            unsigned int flags)
{
    remoteDomainGetBlockJobInfoArgs args = { { 0 }, (char *) disk, flags };
    remoteDomainGetBlockJobInfoRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCall(dom->conn, REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO, &args, &ret) < 0)
        return -1;
    memset(info, 0, sizeof(*info));
    if (ret.found > 0) {
        info->type = ret.type;
        info->bandwidth = ret.bandwidth;
        info->cur = ret.cur;
        info->end = ret.end;
    }
    return ret.found;
}

static int
remoteDomainBlockJobAbort(virDomain *dom, const char *disk, unsigned int flags)
{
    remoteDomainBlockJobAbortArgs args = { { 0 }, (char *) disk, flags };

    remoteMakeDomain(&args.dom, dom);
    return remoteCall(dom->conn, REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT, &args, NULL);
}

/* ---- QEMU specific ------------------------------------------------------------------ */

static int
remoteDomainQemuMonitorCommand(virDomain *dom, const char *cmd, char **result,
                               unsigned int flags)
{
    qemuDomainMonitorCommandArgs args = { { 0 }, (char *) cmd, flags };
    remoteStringRet ret = { 0 };

    remoteMakeDomain(&args.dom, dom);
    if (remoteCallProg(dom->conn, QEMU_PROGRAM, QEMU_PROTOCOL_VERSION,
                       QEMU_PROC_DOMAIN_MONITOR_COMMAND, &args, &ret) < 0)
        return -1;
    *result = ret.str;
    return 0;
}

static const virConnectDriver remoteConnectDriver = {
    .name = "remote",
    .uriProbe = remoteConnectURIProbe,
    .connectOpen = remoteConnectOpen,
    .connectClose = remoteConnectClose,
    .connectGetVersion = remoteConnectGetVersion,
    .connectGetHostname = remoteConnectGetHostname,
    .connectListAllDomains = remoteConnectListAllDomains,
    .domainDefineXMLFlags = remoteDomainDefineXMLFlags,
    .domainUndefineFlags = remoteDomainUndefineFlags,
    .domainCreateWithFlags = remoteDomainCreateWithFlags,
    .domainCreateXML = remoteDomainCreateXML,
    .domainShutdown = remoteDomainShutdown,
    .domainDestroy = remoteDomainDestroy,
    .domainSuspend = remoteDomainSuspend,
    .domainResume = remoteDomainResume,
    .domainLookupByName = remoteDomainLookupByName,
    .domainLookupByUUID = remoteDomainLookupByUUID,
    .domainGetXMLDesc = remoteDomainGetXMLDesc,
    .domainGetState = remoteDomainGetState,
    .domainGetInfo = remoteDomainGetInfo,
    .domainIsActive = remoteDomainIsActive,
    .domainIsPersistent = remoteDomainIsPersistent,
    .domainFSFreeze = remoteDomainFSFreeze,
    .domainFSThaw = remoteDomainFSThaw,
    .domainBackupBegin = remoteDomainBackupBegin,
    .domainBackupGetXMLDesc = remoteDomainBackupGetXMLDesc,
    .domainBackupEnd = remoteDomainBackupEnd,
    .domainGetJobInfo = remoteDomainGetJobInfo,
    .domainGetJobStats = remoteDomainGetJobStats,
    .domainAbortJobFlags = remoteDomainAbortJobFlags,
    .connectDomainEventRegisterAny = remoteConnectDomainEventRegisterAny,
    .connectDomainEventDeregisterAny = remoteConnectDomainEventDeregisterAny,
    .domainCheckpointCreateXML = remoteDomainCheckpointCreateXML,
    .domainCheckpointGetXMLDesc = remoteDomainCheckpointGetXMLDesc,
    .domainListAllCheckpoints = remoteDomainListAllCheckpoints,
    .domainCheckpointListAllChildren = remoteDomainCheckpointListAllChildren,
    .domainCheckpointLookupByName = remoteDomainCheckpointLookupByName,
    .domainCheckpointGetParent = remoteDomainCheckpointGetParent,
    .domainCheckpointDelete = remoteDomainCheckpointDelete,
    .domainSnapshotCreateXML = remoteDomainSnapshotCreateXML,
    .domainSnapshotGetXMLDesc = remoteDomainSnapshotGetXMLDesc,
    .domainListAllSnapshots = remoteDomainListAllSnapshots,
    .domainSnapshotLookupByName = remoteDomainSnapshotLookupByName,
    .domainSnapshotGetParent = remoteDomainSnapshotGetParent,
    .domainSnapshotIsCurrent = remoteDomainSnapshotIsCurrent,
    .domainRevertToSnapshot = remoteDomainRevertToSnapshot,
    .domainSnapshotDelete = remoteDomainSnapshotDelete,
    .domainBlockCommit = remoteDomainBlockCommit,
    .domainGetBlockJobInfo = remoteDomainGetBlockJobInfo,
    .domainBlockJobAbort = remoteDomainBlockJobAbort,
    .domainQemuMonitorCommand = remoteDomainQemuMonitorCommand,
};

int
remoteRegister(void)
{
    static gsize done;
    static int ret;

    if (g_once_init_enter(&done)) {
        ret = virRegisterConnectDriver(&remoteConnectDriver);
        g_once_init_leave(&done, 1);
    }
    return ret;
}

/*
 * remote_daemon_dispatch.c: the daemon's side of the remote protocol
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "remote_daemon_dispatch.h"
#include "remote_protocol.h"
#include "remote_daemon_watch.h"
#include "remote_daemon_snapshot.h"
#include "datatypes.h"
#include "viruuid.h"
#include "virtypedparam.h"
#include "domain_conf.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"
#include "libvirt/libvirt-qemu.h"

#define VIR_FROM_THIS VIR_FROM_REMOTE

VIR_LOG_INIT("remote.daemon");

struct _remoteDaemon {
    char *root;
    char *driverURI;               /* qemu:///embed?root=ROOT */
    GMutex lock;
    GCond cond;
    size_t nclients;               /* client data not yet released */
    GHashTable *jobStatsFlights;   /* remoteJobStatsKey -> flight in progress */
    GPtrArray *lifecycle;          /* remoteEventCallback * of every client */
    remoteWatcher *watcher;
};

/* Job statistics asked for by many clients at once (backup tools poll
 * them) are read once for all who ask while a read is in progress: the
 * driver reads them under the domain's lock from QEMU, and twenty polling
 * clients would otherwise queue on that lock. */
typedef struct {
    gint refs;
    bool done;
    int rc;
    int type;
    virTypedParameter *params;
    int nparams;
    virError *err;
    GCond cond;
} remoteJobStatsFlight;

/* One event registration of a client.  Owned by the client's private
 * data until the client is gone, so that a delivery running on the
 * event loop never sees it freed. */
typedef struct {
    int serverID;                  /* the id the client knows */
    int driverID;                  /* the driver's, -1 when not forwarded */
    int eventID;
    bool active;
    bool anyDomain;
    unsigned char uuid[VIR_UUID_BUFLEN];
    struct _remoteClientPriv *priv;
} remoteEventCallback;

struct _remoteClientPriv {
    remoteDaemon *daemon;
    virNetServerClient *client;    /* referenced */
    GMutex lock;
    virConnect *conn;              /* after CONNECT_OPEN */
    bool closing;
    GPtrArray *callbacks;          /* remoteEventCallback */
    int nextCallbackID;
};

typedef int (*remoteDispatchFunc)(remoteClientPriv *priv, virConnect *conn,
                                  void *args, void *ret);

typedef struct {
    unsigned int prog;
    int proc;
    remoteDispatchFunc fn;
    bool needConn;                 /* only after CONNECT_OPEN */
} remoteDispatchEntry;

/* ---- objects on the wire ----------------------------------------------- */

virDomain *
remoteGetDomain(virConnect *conn, const remoteNonnullDomain *d)
{
    return virGetDomain(conn, d->name, d->uuid, d->id);
}

void
remoteMakeDomain(remoteNonnullDomain *d, virDomain *dom)
{
    d->name = g_strdup(dom->name);
    memcpy(d->uuid, dom->uuid, VIR_UUID_BUFLEN);
    d->id = dom->id;
}

static virDomainCheckpoint *
remoteGetCheckpoint(virConnect *conn, const remoteNonnullDomainCheckpoint *c)
{
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &c->dom);

    if (!dom)
        return NULL;
    return virGetDomainCheckpoint(dom, c->name);
}

static void
remoteMakeCheckpoint(remoteNonnullDomainCheckpoint *c, virDomainCheckpoint *cp)
{
    c->name = g_strdup(cp->name);
    remoteMakeDomain(&c->dom, cp->domain);
}

/* Typed parameters to their wire form. */
static void
remoteMakeTypedParams(remoteTypedParamList *list, const virTypedParameter *params,
                      int nparams)
{
    int i;

    list->len = nparams;
    list->val = g_new0(remoteTypedParam, nparams > 0 ? nparams : 1);
    for (i = 0; i < nparams; i++) {
        remoteTypedParam *p = &list->val[i];

        p->field = g_strdup(params[i].field);
        p->value.type = params[i].type;
        switch ((virTypedParameterType) params[i].type) {
        case VIR_TYPED_PARAM_INT:
            p->value.u.i = params[i].value.i;
            break;
        case VIR_TYPED_PARAM_UINT:
            p->value.u.ui = params[i].value.ui;
            break;
        case VIR_TYPED_PARAM_LLONG:
            p->value.u.l = params[i].value.l;
            break;
        case VIR_TYPED_PARAM_ULLONG:
            p->value.u.ul = params[i].value.ul;
            break;
        case VIR_TYPED_PARAM_DOUBLE:
            p->value.u.d = params[i].value.d;
            break;
        case VIR_TYPED_PARAM_BOOLEAN:
            p->value.u.b = params[i].value.b;
            break;
        case VIR_TYPED_PARAM_STRING:
            p->value.u.s = g_strdup(params[i].value.s ? params[i].value.s : "");
            break;
        default:
            p->value.type = VIR_TYPED_PARAM_INT;
            break;
        }
    }
}

/* ---- connections -------------------------------------------------------- */

/* Names a client may open: the daemon's QEMU driver, as libvirt's
 * qemu:///system and qemu:///session (the client leaves out transport,
 * host and query). */
static bool
remoteNameIsOurs(const char *name)
{
    g_autofree char *bare = NULL;
    char *q;

    if (!name || !*name)
        return true;
    bare = g_strdup(name);
    if ((q = strchr(bare, '?')))
        *q = '\0';
    return g_str_equal(bare, "qemu:///system") ||
           g_str_equal(bare, "qemu:///session");
}

static int
remoteDispatchConnectOpen(remoteClientPriv *priv, virConnect *conn G_GNUC_UNUSED,
                          void *argsp, void *ret G_GNUC_UNUSED)
{
    remoteConnectOpenArgs *args = argsp;
    bool readonly;
    virConnect *c;

    g_mutex_lock(&priv->lock);
    c = priv->conn;
    g_mutex_unlock(&priv->lock);
    if (c) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("connection already open"));
        return -1;
    }
    if (!remoteNameIsOurs(args->name)) {
        virReportError(VIR_ERR_NO_CONNECT, "%s", args->name);
        return -1;
    }
    readonly = virNetServerClientIsReadonly(priv->client) ||
               (args->flags & VIR_CONNECT_RO);
    if (readonly)
        c = virConnectOpenReadOnly(priv->daemon->driverURI);
    else
        c = virConnectOpen(priv->daemon->driverURI);
    if (!c)
        return -1;
    VIR_INFO("client %s opened '%s'%s", virNetServerClientGetIdentity(priv->client),
             args->name ? args->name : "", readonly ? " read-only" : "");
    g_mutex_lock(&priv->lock);
    priv->conn = c;
    g_mutex_unlock(&priv->lock);
    return 0;
}

static int
remoteDispatchConnectClose(remoteClientPriv *priv G_GNUC_UNUSED,
                           virConnect *conn G_GNUC_UNUSED,
                           void *args G_GNUC_UNUSED, void *ret G_GNUC_UNUSED)
{
    /* the driver connection is released with the client */
    return 0;
}

static int
remoteDispatchConnectGetType(remoteClientPriv *priv, virConnect *conn,
                             void *args, void *retp)
{
    remoteStringRet *ret = retp;

    ret->str = g_strdup("QEMU");
    return 0;
}

static int
remoteDispatchConnectGetVersion(remoteClientPriv *priv, virConnect *conn,
                                void *args, void *retp)
{
    remoteUHyperRet *ret = retp;
    unsigned long v = 0;

    if (virConnectGetVersion(conn, &v) < 0)
        return -1;
    ret->value = v;
    return 0;
}

static int
remoteDispatchConnectGetLibVersion(remoteClientPriv *priv, virConnect *conn,
                                   void *args, void *retp)
{
    remoteUHyperRet *ret = retp;
    unsigned long v = 0;

    if (virConnectGetLibVersion(conn, &v) < 0)
        return -1;
    ret->value = v;
    return 0;
}

static int
remoteDispatchConnectGetHostname(remoteClientPriv *priv, virConnect *conn,
                                 void *args, void *retp)
{
    remoteStringRet *ret = retp;

    return (ret->str = virConnectGetHostname(conn)) ? 0 : -1;
}

static int
remoteDispatchConnectSupportsFeature(remoteClientPriv *priv, virConnect *conn,
                                     void *argsp, void *retp)
{
    remoteConnectSupportsFeatureArgs *args = argsp;
    remoteIntRet *ret = retp;

    switch ((remoteFeature) args->feature) {
    case REMOTE_FEATURE_TYPED_PARAM_STRING:
    case REMOTE_FEATURE_PROGRAM_KEEPALIVE:
    case REMOTE_FEATURE_REMOTE_EVENT_CALLBACK:
    case REMOTE_FEATURE_REMOTE_CLOSE_CALLBACK:
        ret->value = 1;
        break;
    default:
        ret->value = 0;
        break;
    }
    return 0;
}

static int
remoteDispatchAuthList(remoteClientPriv *priv, virConnect *conn,
                       void *args, void *retp)
{
    remoteAuthListRet *ret = retp;

    /* UNIX sockets are guarded by their permissions, TLS clients by their
     * verified certificate: no further authentication step */
    ret->types.len = 1;
    ret->types.val = g_new0(int, 1);
    ret->types.val[0] = REMOTE_AUTH_NONE;
    return 0;
}

static int
remoteDispatchConnectNoop(remoteClientPriv *priv, virConnect *conn,
                          void *args, void *ret)
{
    return 0;
}

static int
remoteDispatchNodeGetSecurityModel(remoteClientPriv *priv, virConnect *conn,
                                   void *args, void *retp)
{
    remoteNodeGetSecurityModelRet *ret = retp;

    /* no security driver confines QEMU: an empty model */
    ret->model.len = 0;
    ret->doi.len = 0;
    return 0;
}

static int
remoteDispatchConnectListAllDomains(remoteClientPriv *priv, virConnect *conn,
                                    void *argsp, void *retp)
{
    remoteConnectListAllDomainsArgs *args = argsp;
    remoteConnectListAllDomainsRet *ret = retp;
    virDomain **doms = NULL;
    int n;
    int i;

    if ((n = virConnectListAllDomains(conn, args->needResults ? &doms : NULL,
                                      args->flags)) < 0)
        return -1;
    if (n > REMOTE_DOMAIN_LIST_MAX) {
        virReportError(VIR_ERR_RPC, _("too many domains '%d' for limit '%d'"),
                       n, REMOTE_DOMAIN_LIST_MAX);
        for (i = 0; doms && i < n; i++)
            virDomainFree(doms[i]);
        g_free(doms);
        return -1;
    }
    if (doms) {
        ret->domains.len = n;
        ret->domains.val = g_new0(remoteNonnullDomain, n > 0 ? n : 1);
        for (i = 0; i < n; i++) {
            remoteMakeDomain(&ret->domains.val[i], doms[i]);
            virDomainFree(doms[i]);
        }
        g_free(doms);
    }
    ret->ret = n;
    return 0;
}

/* ---- domains -------------------------------------------------------------- */

/* Handlers of the form "domain (+ flags) in, int out". */
#define DOMAIN_ARG(argsp) \
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &((remoteDomainArgs *) argsp)->dom); \
    if (!dom) \
        return -1

static int
remoteReturnDomain(remoteDomainRet *ret, virDomain *dom)
{
    if (!dom)
        return -1;
    remoteMakeDomain(&ret->dom, dom);
    virDomainFree(dom);
    return 0;
}

static int
remoteDispatchDomainLookupByName(remoteClientPriv *priv, virConnect *conn,
                                 void *argsp, void *retp)
{
    remoteDomainLookupByNameArgs *args = argsp;

    return remoteReturnDomain(retp, virDomainLookupByName(conn, args->name));
}

static int
remoteDispatchDomainLookupByUUID(remoteClientPriv *priv, virConnect *conn,
                                 void *argsp, void *retp)
{
    remoteDomainLookupByUUIDArgs *args = argsp;

    return remoteReturnDomain(retp, virDomainLookupByUUID(conn, args->uuid));
}

static int
remoteDispatchDomainLookupByID(remoteClientPriv *priv, virConnect *conn,
                               void *argsp, void *retp)
{
    remoteDomainLookupByIDArgs *args = argsp;
    virDomain **doms = NULL;
    virDomain *found = NULL;
    int n;
    int i;

    /* the driver has no lookup by ID: look among the running domains */
    if ((n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE)) < 0)
        return -1;
    for (i = 0; i < n; i++) {
        if (!found && doms[i]->id == args->id)
            found = doms[i];
        else
            virDomainFree(doms[i]);
    }
    g_free(doms);
    if (!found) {
        virReportError(VIR_ERR_NO_DOMAIN, _("no domain with matching id %d"), args->id);
        return -1;
    }
    return remoteReturnDomain(retp, found);
}

static int
remoteDispatchDomainDefineXML(remoteClientPriv *priv, virConnect *conn,
                              void *argsp, void *retp)
{
    remoteDomainDefineXMLArgs *args = argsp;

    return remoteReturnDomain(retp, virDomainDefineXML(conn, args->xml));
}

static int
remoteDispatchDomainDefineXMLFlags(remoteClientPriv *priv, virConnect *conn,
                                   void *argsp, void *retp)
{
    remoteXMLFlagsArgs *args = argsp;

    return remoteReturnDomain(retp, virDomainDefineXMLFlags(conn, args->xml,
                                                            args->flags));
}

static int
remoteDispatchDomainCreateXML(remoteClientPriv *priv, virConnect *conn,
                              void *argsp, void *retp)
{
    remoteXMLFlagsArgs *args = argsp;

    return remoteReturnDomain(retp, virDomainCreateXML(conn, args->xml, args->flags));
}

static int
remoteDispatchDomainCreate(remoteClientPriv *priv, virConnect *conn,
                           void *argsp, void *retp)
{
    DOMAIN_ARG(argsp);
    return virDomainCreate(dom);
}

static int
remoteDispatchDomainCreateWithFlags(remoteClientPriv *priv, virConnect *conn,
                                    void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteDomainRet *ret = retp;
    DOMAIN_ARG(argsp);

    if (virDomainCreateWithFlags(dom, args->flags) < 0)
        return -1;
    remoteMakeDomain(&ret->dom, dom);
    return 0;
}

#define SIMPLE_DOMAIN_CALL(name, call) \
    static int \
    remoteDispatch##name(remoteClientPriv *priv, virConnect *conn, \
                         void *argsp, void *retp) \
    { \
        DOMAIN_ARG(argsp); \
        return call(dom); \
    }

SIMPLE_DOMAIN_CALL(DomainDestroy, virDomainDestroy)
SIMPLE_DOMAIN_CALL(DomainResume, virDomainResume)
SIMPLE_DOMAIN_CALL(DomainSuspend, virDomainSuspend)
SIMPLE_DOMAIN_CALL(DomainShutdown, virDomainShutdown)
SIMPLE_DOMAIN_CALL(DomainUndefine, virDomainUndefine)
SIMPLE_DOMAIN_CALL(DomainAbortJob, virDomainAbortJob)

static int
remoteDispatchDomainUndefineFlags(remoteClientPriv *priv, virConnect *conn,
                                  void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    DOMAIN_ARG(argsp);

    return virDomainUndefineFlags(dom, args->flags);
}

static int
remoteDispatchDomainBackupEnd(remoteClientPriv *priv, virConnect *conn,
                              void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    DOMAIN_ARG(argsp);

    return virDomainBackupEnd(dom, args->flags);
}

static int
remoteDispatchDomainGetXMLDesc(remoteClientPriv *priv, virConnect *conn,
                               void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteStringRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->str = virDomainGetXMLDesc(dom, args->flags)) ? 0 : -1;
}

static int
remoteDispatchDomainGetInfo(remoteClientPriv *priv, virConnect *conn,
                            void *argsp, void *retp)
{
    remoteDomainGetInfoRet *ret = retp;
    virDomainInfo info;
    DOMAIN_ARG(argsp);

    if (virDomainGetInfo(dom, &info) < 0)
        return -1;
    ret->state = info.state;
    ret->maxMem = info.maxMem;
    ret->memory = info.memory;
    ret->nrVirtCpu = info.nrVirtCpu;
    ret->cpuTime = info.cpuTime;
    return 0;
}

static int
remoteDispatchDomainGetState(remoteClientPriv *priv, virConnect *conn,
                             void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteDomainGetStateRet *ret = retp;
    DOMAIN_ARG(argsp);

    return virDomainGetState(dom, &ret->state, &ret->reason, args->flags);
}

static int
remoteDispatchDomainIsActive(remoteClientPriv *priv, virConnect *conn,
                             void *argsp, void *retp)
{
    remoteIntRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->value = virDomainIsActive(dom)) < 0 ? -1 : 0;
}

static int
remoteDispatchDomainIsPersistent(remoteClientPriv *priv, virConnect *conn,
                                 void *argsp, void *retp)
{
    remoteIntRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->value = virDomainIsPersistent(dom)) < 0 ? -1 : 0;
}

static int
remoteDispatchDomainGetOSType(remoteClientPriv *priv, virConnect *conn,
                              void *argsp, void *retp)
{
    remoteStringRet *ret = retp;
    g_autofree char *xml = NULL;
    g_autoptr(virDomainDef) def = NULL;
    DOMAIN_ARG(argsp);

    if (!(xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)) ||
        !(def = virDomainDefParseString(xml, 0)))
        return -1;
    ret->str = g_strdup(def->os_type ? def->os_type : "hvm");
    return 0;
}

/* Fleece keeps no autostart flag, managed save images or pending domain
 * messages: the answers below are the truth, after checking that the
 * domain exists. */
static int
remoteDispatchDomainNone(remoteClientPriv *priv, virConnect *conn,
                         void *argsp, void *retp)
{
    remoteIntRet *ret = retp;
    int state;
    DOMAIN_ARG(argsp);

    if (virDomainGetState(dom, &state, NULL, 0) < 0)
        return -1;
    ret->value = 0;
    return 0;
}

static int
remoteDispatchDomainGetMessages(remoteClientPriv *priv, virConnect *conn,
                                void *argsp, void *retp)
{
    remoteDomainGetMessagesRet *ret = retp;
    int state;
    DOMAIN_ARG(argsp);

    if (virDomainGetState(dom, &state, NULL, 0) < 0)
        return -1;
    ret->msgs.len = 0;
    return 0;
}

static int
remoteDispatchDomainGetSecurityLabel(remoteClientPriv *priv, virConnect *conn,
                                     void *argsp, void *retp)
{
    remoteDomainGetSecurityLabelRet *ret = retp;
    int state;
    DOMAIN_ARG(argsp);

    if (virDomainGetState(dom, &state, NULL, 0) < 0)
        return -1;
    ret->label.len = 0;
    ret->enforcing = 0;
    return 0;
}

/* A block job (block commit) of a disk; backups are not block jobs here,
 * as in libvirt. */
static int
remoteDispatchDomainGetBlockJobInfo(remoteClientPriv *priv, virConnect *conn,
                                    void *argsp, void *retp)
{
    remoteDomainGetBlockJobInfoArgs *args = argsp;
    remoteDomainGetBlockJobInfoRet *ret = retp;
    virDomainBlockJobInfo info = { 0 };
    int rc;
    DOMAIN_ARG(argsp);

    if ((rc = virDomainGetBlockJobInfo(dom, args->path, &info, args->flags)) < 0)
        return -1;
    memset(ret, 0, sizeof(*ret));
    ret->found = rc;
    if (rc > 0) {
        ret->type = info.type;
        ret->bandwidth = info.bandwidth;
        ret->cur = info.cur;
        ret->end = info.end;
    }
    return 0;
}

static int
remoteDispatchDomainFSFreeze(remoteClientPriv *priv, virConnect *conn,
                             void *argsp, void *retp)
{
    remoteDomainFSFreezeArgs *args = argsp;
    remoteIntRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->value = virDomainFSFreeze(dom, (const char **) args->mountpoints.val,
                                           args->mountpoints.len, args->flags)) < 0 ? -1 : 0;
}

static int
remoteDispatchDomainFSThaw(remoteClientPriv *priv, virConnect *conn,
                           void *argsp, void *retp)
{
    remoteDomainFSFreezeArgs *args = argsp;
    remoteIntRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->value = virDomainFSThaw(dom, (const char **) args->mountpoints.val,
                                         args->mountpoints.len, args->flags)) < 0 ? -1 : 0;
}

static int
remoteDispatchDomainMonitorCommand(remoteClientPriv *priv, virConnect *conn,
                                   void *argsp, void *retp)
{
    qemuDomainMonitorCommandArgs *args = argsp;
    remoteStringRet *ret = retp;
    DOMAIN_ARG(argsp);

    return virDomainQemuMonitorCommand(dom, args->cmd, &ret->str, args->flags);
}

/* ---- jobs and backups ------------------------------------------------------ */

static int
remoteDispatchDomainGetJobInfo(remoteClientPriv *priv, virConnect *conn,
                               void *argsp, void *retp)
{
    remoteDomainGetJobInfoRet *ret = retp;
    virDomainJobInfo info;
    DOMAIN_ARG(argsp);

    if (virDomainGetJobInfo(dom, &info) < 0)
        return -1;
    ret->type = info.type;
    ret->timeElapsed = info.timeElapsed;
    ret->timeRemaining = info.timeRemaining;
    ret->dataTotal = info.dataTotal;
    ret->dataProcessed = info.dataProcessed;
    ret->dataRemaining = info.dataRemaining;
    ret->memTotal = info.memTotal;
    ret->memProcessed = info.memProcessed;
    ret->memRemaining = info.memRemaining;
    ret->fileTotal = info.fileTotal;
    ret->fileProcessed = info.fileProcessed;
    ret->fileRemaining = info.fileRemaining;
    return 0;
}

static void
remoteJobStatsFlightUnref(remoteJobStatsFlight *f)
{
    if (!g_atomic_int_dec_and_test(&f->refs))
        return;
    virTypedParamsFree(f->params, f->nparams);
    if (f->err)
        virFreeError(f->err);
    g_cond_clear(&f->cond);
    g_free(f);
}

/* virDomainGetJobStats, shared with the identical calls in progress (same
 * domain, flags and access); a call that discards the completed
 * statistics is never shared. */
static int
remoteJobStatsShared(remoteDaemon *daemon, virDomain *dom, int *type,
                     virTypedParameter **params, int *nparams, unsigned int flags)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *key = NULL;
    remoteJobStatsFlight *f;
    bool leader = false;
    int rc;

    if ((flags & VIR_DOMAIN_JOB_STATS_COMPLETED) &&
        !(flags & VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED))
        return virDomainGetJobStats(dom, type, params, nparams, flags);

    key = g_strdup_printf("%s/%u/%d", virUUIDFormat(dom->uuid, uuid), flags,
                          !!(dom->conn->flags & VIR_CONNECT_RO));
    g_mutex_lock(&daemon->lock);
    if ((f = g_hash_table_lookup(daemon->jobStatsFlights, key))) {
        g_atomic_int_inc(&f->refs);
        while (!f->done)
            g_cond_wait(&f->cond, &daemon->lock);
    } else {
        f = g_new0(remoteJobStatsFlight, 1);
        f->refs = 2;               /* the table's and ours */
        g_cond_init(&f->cond);
        g_hash_table_insert(daemon->jobStatsFlights, g_strdup(key), f);
        leader = true;
    }
    g_mutex_unlock(&daemon->lock);

    if (leader) {
        virTypedParameter *p = NULL;
        int n = 0;
        int t = 0;

        rc = virDomainGetJobStats(dom, &t, &p, &n, flags);
        g_mutex_lock(&daemon->lock);
        f->rc = rc;
        f->type = t;
        f->params = p;
        f->nparams = n;
        if (rc < 0)
            f->err = virSaveLastError();
        f->done = true;
        g_hash_table_remove(daemon->jobStatsFlights, key);
        g_cond_broadcast(&f->cond);
        g_mutex_unlock(&daemon->lock);
    }

    if ((rc = f->rc) < 0) {
        virErrorSetFromPeer(f->err);
    } else {
        *type = f->type;
        virTypedParamsCopy(params, f->params, f->nparams);
        *nparams = f->nparams;
    }
    remoteJobStatsFlightUnref(f);
    return rc;
}

static int
remoteDispatchDomainGetJobStats(remoteClientPriv *priv, virConnect *conn,
                                void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteDomainGetJobStatsRet *ret = retp;
    virTypedParameter *params = NULL;
    int nparams = 0;
    DOMAIN_ARG(argsp);

    if (remoteJobStatsShared(priv->daemon, dom, &ret->type, &params, &nparams,
                             args->flags) < 0)
        return -1;
    if (nparams > REMOTE_DOMAIN_JOB_STATS_MAX) {
        virTypedParamsFree(params, nparams);
        virReportError(VIR_ERR_RPC, _("too many job stats '%d' for limit '%d'"),
                       nparams, REMOTE_DOMAIN_JOB_STATS_MAX);
        return -1;
    }
    remoteMakeTypedParams(&ret->params, params, nparams);
    virTypedParamsFree(params, nparams);
    return 0;
}

static int
remoteDispatchDomainBackupBegin(remoteClientPriv *priv, virConnect *conn,
                                void *argsp, void *retp)
{
    remoteDomainBackupBeginArgs *args = argsp;
    DOMAIN_ARG(argsp);

    return virDomainBackupBegin(dom, args->backupXML, args->checkpointXML,
                                args->flags);
}

static int
remoteDispatchDomainBackupGetXMLDesc(remoteClientPriv *priv, virConnect *conn,
                                     void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteStringRet *ret = retp;
    DOMAIN_ARG(argsp);

    return (ret->str = virDomainBackupGetXMLDesc(dom, args->flags)) ? 0 : -1;
}

/* ---- checkpoints ------------------------------------------------------------- */

static int
remoteReturnCheckpoint(remoteCheckpointRet *ret, virDomainCheckpoint *cp)
{
    if (!cp)
        return -1;
    remoteMakeCheckpoint(&ret->checkpoint, cp);
    virDomainCheckpointFree(cp);
    return 0;
}

static int
remoteReturnCheckpointList(remoteCheckpointListRet *ret, virDomainCheckpoint **cps,
                           int n)
{
    int i;

    if (n < 0)
        return -1;
    if (n > REMOTE_DOMAIN_CHECKPOINT_LIST_MAX) {
        for (i = 0; cps && i < n; i++)
            virDomainCheckpointFree(cps[i]);
        g_free(cps);
        virReportError(VIR_ERR_RPC, _("too many checkpoints '%d' for limit '%d'"),
                       n, REMOTE_DOMAIN_CHECKPOINT_LIST_MAX);
        return -1;
    }
    if (cps) {
        ret->checkpoints.len = n;
        ret->checkpoints.val = g_new0(remoteNonnullDomainCheckpoint, n > 0 ? n : 1);
        for (i = 0; i < n; i++) {
            remoteMakeCheckpoint(&ret->checkpoints.val[i], cps[i]);
            virDomainCheckpointFree(cps[i]);
        }
        g_free(cps);
    }
    ret->ret = n;
    return 0;
}

static int
remoteDispatchDomainCheckpointCreateXML(remoteClientPriv *priv, virConnect *conn,
                                        void *argsp, void *retp)
{
    remoteDomainCheckpointCreateXMLArgs *args = argsp;
    DOMAIN_ARG(argsp);

    return remoteReturnCheckpoint(retp, virDomainCheckpointCreateXML(dom, args->xml,
                                                                     args->flags));
}

static int
remoteDispatchDomainCheckpointLookupByName(remoteClientPriv *priv, virConnect *conn,
                                           void *argsp, void *retp)
{
    remoteDomainCheckpointLookupByNameArgs *args = argsp;
    DOMAIN_ARG(argsp);

    return remoteReturnCheckpoint(retp, virDomainCheckpointLookupByName(dom, args->name,
                                                                        args->flags));
}

static int
remoteDispatchDomainListAllCheckpoints(remoteClientPriv *priv, virConnect *conn,
                                       void *argsp, void *retp)
{
    remoteDomainListAllCheckpointsArgs *args = argsp;
    virDomainCheckpoint **cps = NULL;
    int n;
    DOMAIN_ARG(argsp);

    n = virDomainListAllCheckpoints(dom, args->needResults ? &cps : NULL, args->flags);
    return remoteReturnCheckpointList(retp, cps, n);
}

#define CHECKPOINT_ARG(argsp) \
    g_autoptr(virDomainCheckpoint) cp = \
        remoteGetCheckpoint(conn, &((remoteCheckpointFlagsArgs *) argsp)->checkpoint); \
    if (!cp) \
        return -1

static int
remoteDispatchDomainCheckpointListAllChildren(remoteClientPriv *priv, virConnect *conn,
                                              void *argsp, void *retp)
{
    remoteDomainCheckpointListAllChildrenArgs *args = argsp;
    virDomainCheckpoint **cps = NULL;
    int n;
    CHECKPOINT_ARG(argsp);

    n = virDomainCheckpointListAllChildren(cp, args->needResults ? &cps : NULL,
                                           args->flags);
    return remoteReturnCheckpointList(retp, cps, n);
}

static int
remoteDispatchDomainCheckpointGetXMLDesc(remoteClientPriv *priv, virConnect *conn,
                                         void *argsp, void *retp)
{
    remoteCheckpointFlagsArgs *args = argsp;
    remoteStringRet *ret = retp;
    CHECKPOINT_ARG(argsp);

    return (ret->str = virDomainCheckpointGetXMLDesc(cp, args->flags)) ? 0 : -1;
}

static int
remoteDispatchDomainCheckpointGetParent(remoteClientPriv *priv, virConnect *conn,
                                        void *argsp, void *retp)
{
    remoteCheckpointFlagsArgs *args = argsp;
    CHECKPOINT_ARG(argsp);

    return remoteReturnCheckpoint(retp, virDomainCheckpointGetParent(cp, args->flags));
}

static int
remoteDispatchDomainCheckpointDelete(remoteClientPriv *priv, virConnect *conn,
                                     void *argsp, void *retp)
{
    remoteCheckpointFlagsArgs *args = argsp;
    CHECKPOINT_ARG(argsp);

    return virDomainCheckpointDelete(cp, args->flags);
}

/* ---- events ------------------------------------------------------------------ */

/* Send an event message to the client of @cb if it is still registered.
 * Runs on the daemon's event loop. */
static void
remoteEventSend(remoteEventCallback *cb, int proc, const void *body)
{
    remoteClientPriv *priv = cb->priv;
    const remoteProcedureInfo *info = remoteProcedureLookup(REMOTE_PROGRAM, proc);
    virNetMessageHeader hdr = {
        .prog = REMOTE_PROGRAM,
        .vers = REMOTE_PROTOCOL_VERSION,
        .proc = proc,
        .type = VIR_NET_MESSAGE,
        .serial = 0,
        .status = VIR_NET_OK,
    };
    virNetMessage *msg;
    bool active;

    g_mutex_lock(&priv->lock);
    active = cb->active && !priv->closing;
    g_mutex_unlock(&priv->lock);
    if (!active)
        return;
    if (!(msg = virNetMessageNewWithBody(&hdr, info->args, body))) {
        VIR_WARN("cannot encode event %s: %s", info->name, virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    ignore_value(virNetServerClientSendMessage(priv->client, msg));
}

/* A lifecycle event the watcher saw: to every client registered for it.
 * Runs in the watcher's thread. */
static void
remoteDaemonLifecycle(const char *name, const unsigned char *uuid, int id, int event,
                      int detail, void *opaque)
{
    remoteDaemon *daemon = opaque;
    remoteDomainEventCallbackLifecycleMsg msg = { 0 };
    guint i;

    msg.dom.name = (char *) name;
    memcpy(msg.dom.uuid, uuid, VIR_UUID_BUFLEN);
    msg.dom.id = id;
    msg.event = event;
    msg.detail = detail;
    g_mutex_lock(&daemon->lock);
    for (i = 0; i < daemon->lifecycle->len; i++) {
        remoteEventCallback *cb = g_ptr_array_index(daemon->lifecycle, i);

        if (!cb->anyDomain && memcmp(cb->uuid, uuid, VIR_UUID_BUFLEN) != 0)
            continue;
        msg.callbackID = cb->serverID;
        remoteEventSend(cb, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE, &msg);
    }
    g_mutex_unlock(&daemon->lock);
}

static void
remoteEventJobCompleted(virConnectPtr conn G_GNUC_UNUSED, virDomainPtr dom,
                        virTypedParameterPtr params, int nparams, void *opaque)
{
    remoteEventCallback *cb = opaque;
    const remoteProcedureInfo *info =
        remoteProcedureLookup(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED);
    remoteDomainEventCallbackJobCompletedMsg msg = { 0 };

    msg.callbackID = cb->serverID;
    remoteMakeDomain(&msg.dom, dom);
    remoteMakeTypedParams(&msg.params, params, nparams);
    remoteEventSend(cb, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED, &msg);
    virXDRClear(info->args, &msg);
}

static int
remoteDispatchConnectDomainEventCallbackRegisterAny(remoteClientPriv *priv,
                                                    virConnect *conn,
                                                    void *argsp, void *retp)
{
    remoteConnectDomainEventCallbackRegisterAnyArgs *args = argsp;
    remoteConnectDomainEventCallbackRegisterAnyRet *ret = retp;
    g_autoptr(virDomain) dom = NULL;
    virConnectDomainEventGenericCallback fn = NULL;
    remoteEventCallback *cb;

    if (args->eventID < 0 || args->eventID >= VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE + 1) {
        virReportError(VIR_ERR_INVALID_ARG, _("unsupported event ID %d"), args->eventID);
        return -1;
    }
    /* a client waiting for a block job's end falls back to polling
     * virDomainGetBlockJobInfo only when it cannot register for these
     * (virsh blockcommit --wait): the driver sends none */
    if (args->eventID == VIR_DOMAIN_EVENT_ID_BLOCK_JOB ||
        args->eventID == VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("block job events (event ID %d) are not delivered: poll the block job"),
                       args->eventID);
        return -1;
    }
    if (args->dom && !(dom = remoteGetDomain(conn, args->dom)))
        return -1;

    cb = g_new0(remoteEventCallback, 1);
    cb->eventID = args->eventID;
    cb->driverID = -1;
    cb->priv = priv;
    cb->active = true;

    cb->anyDomain = !dom;
    if (dom)
        memcpy(cb->uuid, dom->uuid, VIR_UUID_BUFLEN);
    /* lifecycle events come from the daemon's watcher, which sees what
     * every process does; job completions from the driver; other events
     * (but block jobs', refused above) never happen in Fleece: their
     * registration is kept so that clients asking for every event (virsh
     * event --all) work */
    if (args->eventID == VIR_DOMAIN_EVENT_ID_JOB_COMPLETED)
        fn = VIR_DOMAIN_EVENT_CALLBACK(remoteEventJobCompleted);
    if (fn && (cb->driverID = virConnectDomainEventRegisterAny(conn, dom, args->eventID,
                                                               fn, cb, NULL)) < 0) {
        g_free(cb);
        return -1;
    }

    g_mutex_lock(&priv->lock);
    cb->serverID = ret->callbackID = priv->nextCallbackID++;
    g_ptr_array_add(priv->callbacks, cb);
    g_mutex_unlock(&priv->lock);
    if (args->eventID == VIR_DOMAIN_EVENT_ID_LIFECYCLE) {
        g_mutex_lock(&priv->daemon->lock);
        g_ptr_array_add(priv->daemon->lifecycle, cb);
        g_mutex_unlock(&priv->daemon->lock);
    }
    return 0;
}

static int
remoteDispatchConnectDomainEventCallbackDeregisterAny(remoteClientPriv *priv,
                                                      virConnect *conn,
                                                      void *argsp, void *retp)
{
    remoteConnectDomainEventCallbackDeregisterAnyArgs *args = argsp;
    remoteEventCallback *found = NULL;
    guint i;

    g_mutex_lock(&priv->lock);
    for (i = 0; i < priv->callbacks->len; i++) {
        remoteEventCallback *cb = g_ptr_array_index(priv->callbacks, i);

        if (cb->active && cb->serverID == args->callbackID) {
            found = cb;
            cb->active = false;
            break;
        }
    }
    g_mutex_unlock(&priv->lock);
    if (!found) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("domain event %d not registered"), args->callbackID);
        return -1;
    }
    /* the entry itself stays until the client is gone */
    g_mutex_lock(&priv->daemon->lock);
    g_ptr_array_remove_fast(priv->daemon->lifecycle, found);
    g_mutex_unlock(&priv->daemon->lock);
    if (found->driverID >= 0 &&
        virConnectDomainEventDeregisterAny(conn, found->driverID) < 0)
        return -1;
    found->driverID = -1;
    return 0;
}

/* ---- the table ----------------------------------------------------------------- */

#define R(num, fn, needConn) { REMOTE_PROGRAM, REMOTE_PROC_##num, fn, needConn }

static const remoteDispatchEntry remoteDispatchTable[] = {
    R(CONNECT_OPEN, remoteDispatchConnectOpen, false),
    R(CONNECT_CLOSE, remoteDispatchConnectClose, false),
    R(AUTH_LIST, remoteDispatchAuthList, false),
    R(CONNECT_SUPPORTS_FEATURE, remoteDispatchConnectSupportsFeature, false),
    R(CONNECT_GET_TYPE, remoteDispatchConnectGetType, true),
    R(CONNECT_GET_VERSION, remoteDispatchConnectGetVersion, true),
    R(CONNECT_GET_LIB_VERSION, remoteDispatchConnectGetLibVersion, true),
    R(CONNECT_GET_HOSTNAME, remoteDispatchConnectGetHostname, true),
    R(CONNECT_REGISTER_CLOSE_CALLBACK, remoteDispatchConnectNoop, true),
    R(CONNECT_UNREGISTER_CLOSE_CALLBACK, remoteDispatchConnectNoop, true),
    R(NODE_GET_SECURITY_MODEL, remoteDispatchNodeGetSecurityModel, true),
    R(CONNECT_LIST_ALL_DOMAINS, remoteDispatchConnectListAllDomains, true),
    R(DOMAIN_LOOKUP_BY_NAME, remoteDispatchDomainLookupByName, true),
    R(DOMAIN_LOOKUP_BY_UUID, remoteDispatchDomainLookupByUUID, true),
    R(DOMAIN_LOOKUP_BY_ID, remoteDispatchDomainLookupByID, true),
    R(DOMAIN_DEFINE_XML, remoteDispatchDomainDefineXML, true),
    R(DOMAIN_DEFINE_XML_FLAGS, remoteDispatchDomainDefineXMLFlags, true),
    R(DOMAIN_CREATE_XML, remoteDispatchDomainCreateXML, true),
    R(DOMAIN_CREATE, remoteDispatchDomainCreate, true),
    R(DOMAIN_CREATE_WITH_FLAGS, remoteDispatchDomainCreateWithFlags, true),
    R(DOMAIN_DESTROY, remoteDispatchDomainDestroy, true),
    R(DOMAIN_SHUTDOWN, remoteDispatchDomainShutdown, true),
    R(DOMAIN_SUSPEND, remoteDispatchDomainSuspend, true),
    R(DOMAIN_RESUME, remoteDispatchDomainResume, true),
    R(DOMAIN_UNDEFINE, remoteDispatchDomainUndefine, true),
    R(DOMAIN_UNDEFINE_FLAGS, remoteDispatchDomainUndefineFlags, true),
    R(DOMAIN_GET_XML_DESC, remoteDispatchDomainGetXMLDesc, true),
    R(DOMAIN_GET_INFO, remoteDispatchDomainGetInfo, true),
    R(DOMAIN_GET_STATE, remoteDispatchDomainGetState, true),
    R(DOMAIN_GET_OS_TYPE, remoteDispatchDomainGetOSType, true),
    R(DOMAIN_IS_ACTIVE, remoteDispatchDomainIsActive, true),
    R(DOMAIN_IS_PERSISTENT, remoteDispatchDomainIsPersistent, true),
    R(DOMAIN_GET_AUTOSTART, remoteDispatchDomainNone, true),
    R(DOMAIN_HAS_MANAGED_SAVE_IMAGE, remoteDispatchDomainNone, true),
    R(DOMAIN_GET_MESSAGES, remoteDispatchDomainGetMessages, true),
    R(DOMAIN_GET_SECURITY_LABEL, remoteDispatchDomainGetSecurityLabel, true),
    R(DOMAIN_GET_BLOCK_JOB_INFO, remoteDispatchDomainGetBlockJobInfo, true),
    R(DOMAIN_BLOCK_COMMIT, remoteDispatchDomainBlockCommit, true),
    R(DOMAIN_BLOCK_JOB_ABORT, remoteDispatchDomainBlockJobAbort, true),
    R(DOMAIN_FSFREEZE, remoteDispatchDomainFSFreeze, true),
    R(DOMAIN_FSTHAW, remoteDispatchDomainFSThaw, true),
    R(DOMAIN_GET_JOB_INFO, remoteDispatchDomainGetJobInfo, true),
    R(DOMAIN_GET_JOB_STATS, remoteDispatchDomainGetJobStats, true),
    R(DOMAIN_ABORT_JOB, remoteDispatchDomainAbortJob, true),
    R(DOMAIN_BACKUP_BEGIN, remoteDispatchDomainBackupBegin, true),
    R(DOMAIN_BACKUP_GET_XML_DESC, remoteDispatchDomainBackupGetXMLDesc, true),
    R(DOMAIN_CHECKPOINT_CREATE_XML, remoteDispatchDomainCheckpointCreateXML, true),
    R(DOMAIN_CHECKPOINT_GET_XML_DESC, remoteDispatchDomainCheckpointGetXMLDesc, true),
    R(DOMAIN_LIST_ALL_CHECKPOINTS, remoteDispatchDomainListAllCheckpoints, true),
    R(DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, remoteDispatchDomainCheckpointListAllChildren, true),
    R(DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, remoteDispatchDomainCheckpointLookupByName, true),
    R(DOMAIN_CHECKPOINT_GET_PARENT, remoteDispatchDomainCheckpointGetParent, true),
    R(DOMAIN_CHECKPOINT_DELETE, remoteDispatchDomainCheckpointDelete, true),
    R(DOMAIN_SNAPSHOT_CREATE_XML, remoteDispatchDomainSnapshotCreateXML, true),
    R(DOMAIN_SNAPSHOT_GET_XML_DESC, remoteDispatchDomainSnapshotGetXMLDesc, true),
    R(DOMAIN_SNAPSHOT_NUM, remoteDispatchDomainSnapshotNum, true),
    R(DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, remoteDispatchDomainSnapshotLookupByName, true),
    R(DOMAIN_HAS_CURRENT_SNAPSHOT, remoteDispatchDomainHasCurrentSnapshot, true),
    R(DOMAIN_SNAPSHOT_CURRENT, remoteDispatchDomainSnapshotCurrent, true),
    R(DOMAIN_REVERT_TO_SNAPSHOT, remoteDispatchDomainRevertToSnapshot, true),
    R(DOMAIN_SNAPSHOT_DELETE, remoteDispatchDomainSnapshotDelete, true),
    R(DOMAIN_SNAPSHOT_NUM_CHILDREN, remoteDispatchDomainSnapshotNumChildren, true),
    R(DOMAIN_SNAPSHOT_GET_PARENT, remoteDispatchDomainSnapshotGetParent, true),
    R(DOMAIN_SNAPSHOT_IS_CURRENT, remoteDispatchDomainSnapshotIsCurrent, true),
    R(DOMAIN_SNAPSHOT_HAS_METADATA, remoteDispatchDomainSnapshotHasMetadata, true),
    R(DOMAIN_LIST_ALL_SNAPSHOTS, remoteDispatchDomainListAllSnapshots, true),
    R(DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, remoteDispatchDomainSnapshotListAllChildren, true),
    R(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
      remoteDispatchConnectDomainEventCallbackRegisterAny, true),
    R(CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
      remoteDispatchConnectDomainEventCallbackDeregisterAny, true),

    { QEMU_PROGRAM, QEMU_PROC_DOMAIN_MONITOR_COMMAND,
      remoteDispatchDomainMonitorCommand, true },
    { FLEECE_PROGRAM, FLEECE_PROC_DOMAIN_BACKUP_END,
      remoteDispatchDomainBackupEnd, true },
};

static unsigned int
remoteProgramVersion(unsigned int prog)
{
    switch (prog) {
    case REMOTE_PROGRAM:
        return REMOTE_PROTOCOL_VERSION;
    case QEMU_PROGRAM:
        return QEMU_PROTOCOL_VERSION;
    case FLEECE_PROGRAM:
        return FLEECE_PROTOCOL_VERSION;
    default:
        return 0;
    }
}

static const remoteDispatchEntry *
remoteDispatchFind(unsigned int prog, int proc)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(remoteDispatchTable); i++) {
        if (remoteDispatchTable[i].prog == prog && remoteDispatchTable[i].proc == proc)
            return &remoteDispatchTable[i];
    }
    return NULL;
}

static void
remoteDispatch(virNetServerClient *client, const virNetMessage *msg, void *opaque)
{
    remoteClientPriv *priv = virNetServerClientGetPrivate(client);
    const remoteProcedureInfo *info;
    const remoteDispatchEntry *entry;
    g_autofree void *args = NULL;
    g_autofree void *ret = NULL;
    virConnect *conn;
    unsigned int vers = remoteProgramVersion(msg->header.prog);
    int rc = -1;

    if (vers == 0) {
        virReportError(VIR_ERR_RPC, _("cannot find program %d version %d"),
                       msg->header.prog, msg->header.vers);
        goto error;
    }
    if (msg->header.vers != vers) {
        virReportError(VIR_ERR_RPC,
                       _("program version mismatch (actual %x, expected %x)"),
                       msg->header.vers, vers);
        goto error;
    }
    info = remoteProcedureLookup(msg->header.prog, msg->header.proc);
    entry = remoteDispatchFind(msg->header.prog, msg->header.proc);
    if (!info || !entry) {
        VIR_INFO("client %s called unknown procedure %u/%d",
                 virNetServerClientGetIdentity(client), msg->header.prog,
                 msg->header.proc);
        virReportError(VIR_ERR_NO_SUPPORT, _("unknown procedure: %d"), msg->header.proc);
        goto error;
    }
    VIR_DEBUG("client %s: %s", virNetServerClientGetIdentity(client), info->name);

    if (info->args) {
        args = g_malloc0(info->args->size);
        if (virXDRDecode(info->args, (const char *) msg->body->data, msg->body->len,
                         args) < 0)
            goto error;
    } else if (msg->body->len != 0) {
        virReportError(VIR_ERR_RPC, _("unexpected arguments to %s"), info->name);
        goto error;
    }
    if (info->ret)
        ret = g_malloc0(info->ret->size);

    g_mutex_lock(&priv->lock);
    conn = priv->conn ? virConnectHandleRef(priv->conn) : NULL;
    g_mutex_unlock(&priv->lock);
    if (entry->needConn && !conn) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("connection not open"));
    } else {
        rc = entry->fn(priv, conn, args, ret);
    }
    if (conn)
        virConnectHandleUnref(conn);
    virXDRClear(info->args, args);
    if (rc < 0) {
        virXDRClear(info->ret, ret);
        goto error;
    }
    ignore_value(virNetServerClientSendReply(client, msg, info->ret, ret));
    virXDRClear(info->ret, ret);
    return;

 error:
    ignore_value(virNetServerClientSendError(client, msg));
}

/* ---- clients ------------------------------------------------------------------- */

static void *
remoteClientOpen(virNetServerClient *client, void *opaque)
{
    remoteClientPriv *priv = g_new0(remoteClientPriv, 1);

    priv->daemon = opaque;
    g_mutex_lock(&priv->daemon->lock);
    priv->daemon->nclients++;
    g_mutex_unlock(&priv->daemon->lock);
    priv->client = virNetServerClientRef(client);
    g_mutex_init(&priv->lock);
    priv->callbacks = g_ptr_array_new_with_free_func(g_free);
    priv->nextCallbackID = 1;
    return priv;
}

/* Release a gone client's driver connection and event registrations.
 * Runs on the event loop, where the driver delivers events, so that no
 * delivery is under way meanwhile. */
static void
remoteClientRelease(int timer, void *opaque)
{
    remoteClientPriv *priv = opaque;
    guint i;

    virEventRemoveTimeout(timer);
    g_mutex_lock(&priv->daemon->lock);
    for (i = 0; i < priv->callbacks->len; i++)
        g_ptr_array_remove_fast(priv->daemon->lifecycle,
                                g_ptr_array_index(priv->callbacks, i));
    g_mutex_unlock(&priv->daemon->lock);
    for (i = 0; i < priv->callbacks->len; i++) {
        remoteEventCallback *cb = g_ptr_array_index(priv->callbacks, i);

        if (cb->driverID >= 0 && priv->conn)
            ignore_value(virConnectDomainEventDeregisterAny(priv->conn, cb->driverID));
        cb->driverID = -1;
    }
    if (priv->conn)
        virConnectClose(priv->conn);
    virResetLastError();
    g_ptr_array_free(priv->callbacks, TRUE);
    virNetServerClientUnref(priv->client);
    g_mutex_clear(&priv->lock);
    g_mutex_lock(&priv->daemon->lock);
    priv->daemon->nclients--;
    g_cond_broadcast(&priv->daemon->cond);
    g_mutex_unlock(&priv->daemon->lock);
    g_free(priv);
}

static void
remoteClientClose(virNetServerClient *client, void *opaque, void *srvopaque)
{
    remoteClientPriv *priv = opaque;

    if (!priv)
        return;
    g_mutex_lock(&priv->lock);
    priv->closing = true;
    g_mutex_unlock(&priv->lock);
    if (virEventAddTimeout(0, remoteClientRelease, priv, NULL) < 0) {
        VIR_WARN("cannot release client resources: %s", virGetLastErrorMessage());
        virResetLastError();
    }
}

remoteDaemon *
remoteDaemonNew(const char *root)
{
    remoteDaemon *daemon = g_new0(remoteDaemon, 1);
    g_autofree char *escaped = g_uri_escape_string(root, "/", FALSE);

    daemon->root = g_strdup(root);
    daemon->driverURI = g_strdup_printf("qemu:///embed?root=%s", escaped);
    g_mutex_init(&daemon->lock);
    g_cond_init(&daemon->cond);
    daemon->jobStatsFlights = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                    (GDestroyNotify) remoteJobStatsFlightUnref);
    daemon->lifecycle = g_ptr_array_new();
    if (!(daemon->watcher = remoteWatcherNew(root, daemon->driverURI,
                                             remoteDaemonLifecycle, daemon))) {
        remoteDaemonFree(daemon);
        return NULL;
    }
    return daemon;
}

bool
remoteDaemonWaitIdle(remoteDaemon *daemon, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND;
    bool idle = true;

    g_mutex_lock(&daemon->lock);
    while (daemon->nclients > 0) {
        if (!g_cond_wait_until(&daemon->cond, &daemon->lock, deadline)) {
            idle = false;
            break;
        }
    }
    g_mutex_unlock(&daemon->lock);
    return idle;
}

void
remoteDaemonFree(remoteDaemon *daemon)
{
    if (!daemon)
        return;
    g_free(daemon->root);
    g_free(daemon->driverURI);
    remoteWatcherFree(daemon->watcher);
    g_ptr_array_free(daemon->lifecycle, TRUE);
    g_hash_table_destroy(daemon->jobStatsFlights);
    g_mutex_clear(&daemon->lock);
    g_cond_clear(&daemon->cond);
    g_free(daemon);
}

void
remoteDaemonSetupServer(remoteDaemon *daemon, virNetServerConfig *config)
{
    config->dispatch = remoteDispatch;
    config->clientOpen = remoteClientOpen;
    config->clientClose = remoteClientClose;
    config->opaque = daemon;
}

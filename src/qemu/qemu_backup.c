/*
 * qemu_backup.c: push and pull backups on QEMU
 *
 * Push: the target image is created (qemu-img) and added with
 * blockdev-add; one transaction holds, for every disk, the temporary
 * bitmap built from the checkpoint's bitmaps across the backing chain
 * (incremental only) and blockdev-backup into the target; a new
 * checkpoint's bitmaps go into the same transaction.
 *
 * Pull: the fail-safe construction: blockdev-backup sync=none into a
 * scratch image with a named copy-before-write filter, then a
 * snapshot-access node on that filter, exported read-only over NBD with
 * the temporary bitmap.  If the job dies, reads fail instead of turning
 * into live data.  Torn down export -> snapshot node -> job -> scratch ->
 * bitmap -> server.
 *
 * Checkpoint bitmaps are never modified by a backup; the temporary bitmap
 * is transient and removed when the disk's job ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "qemu_backup.h"
#include "qemu_backup_cbw.h"
#include "qemu_agent.h"
#include "qemu_img.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "libvirt/libvirt-domain.h"
#include "viralloc.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.backup");

/* QEMU object id of the NBD server's TLS credentials. */
#define QEMU_BACKUP_TLS_ALIAS "objlibvirt_backup_tls0"

/* How long End/Abort wait for QEMU to wind a job down. */
#define QEMU_BACKUP_WIND_DOWN_MS 60000

static const qemuBackupCheckpointOps *qemuBackupCheckpoint;

void
qemuBackupSetCheckpointOps(const qemuBackupCheckpointOps *ops)
{
    qemuBackupCheckpoint = ops;
}

static void
qemuBackupDiskClear(qemuBackupDisk *d)
{
    g_free(d->name);
    g_free(d->jobid);
    g_free(d->topnode);
    g_free(d->tmpbitmap);
    g_free(d->cbwnode);
    g_free(d->snapnode);
    g_free(d->exportid);
}

void
qemuBackupStateFree(qemuBackupState *state)
{
    size_t i;

    if (!state)
        return;
    virDomainBackupDefFree(state->def);
    for (i = 0; i < state->ndisks; i++)
        qemuBackupDiskClear(&state->disks[i]);
    g_free(state->disks);
    g_free(state);
}

/* ---- persistence ----------------------------------------------------- */

void
qemuBackupStateFormat(virBuffer *buf, const qemuBackupState *state)
{
    size_t i;

    if (!state)
        return;
    virBufferAddLit(buf, "<backups>\n");
    virBufferAdjustIndent(buf, 2);
    virDomainBackupDefFormat(buf, state->def, true);
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</backups>\n");

    virBufferAsprintf(buf, "<backupState flags='0x%x' server='%s'",
                      state->apiFlags, state->serverStarted ? "yes" : "no");
    if (state->cbwTimeout)
        virBufferAsprintf(buf, " cbwtimeout='%u'", state->cbwTimeout);
    virBufferAddLit(buf, ">\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < state->ndisks; i++) {
        const qemuBackupDisk *d = &state->disks[i];

        virBufferEscapeString(buf, "<disk name='%s'", d->name);
        virBufferEscapeString(buf, " job='%s'", d->jobid);
        virBufferEscapeString(buf, " top='%s'", d->topnode);
        virBufferEscapeString(buf, " bitmap='%s'", d->tmpbitmap);
        virBufferEscapeString(buf, " cbw='%s'", d->cbwnode);
        virBufferEscapeString(buf, " snap='%s'", d->snapnode);
        virBufferEscapeString(buf, " export='%s'", d->exportid);
        if (d->ownFilter)
            virBufferAddLit(buf, " filter='fleece'");
        virBufferAsprintf(buf, " created='%s' current='%llu' total='%llu'/>\n",
                          d->created ? "yes" : "no", d->current, d->total);
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</backupState>\n");
}

int
qemuBackupStateParse(xmlDocPtr doc, xmlXPathContextPtr ctxt,
                     qemuBackupState **statep)
{
    g_autoptr(qemuBackupState) state = NULL;
    g_autofree xmlNodePtr *nodes = NULL;
    g_autofree char *flags = NULL;
    g_autofree char *server = NULL;
    xmlNodePtr defnode;
    xmlNodePtr stnode;
    int n;
    int i;

    *statep = NULL;
    n = virXPathNodeSet("./backups/domainbackup", ctxt, &nodes);
    if (n == 0)
        return 0;
    if (n > 1) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("more than one backup in the status file"));
        return -1;
    }
    defnode = nodes[0];
    g_clear_pointer(&nodes, g_free);
    if (!(stnode = virXPathNode("./backupState", ctxt))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("backup without its runtime state in the status file"));
        return -1;
    }

    state = g_new0(qemuBackupState, 1);
    if (!(state->def = virDomainBackupDefParseNode(doc, defnode,
                                                   VIR_DOMAIN_BACKUP_PARSE_INTERNAL)))
        return -1;
    flags = virXMLPropString(stnode, "flags");
    server = virXMLPropString(stnode, "server");
    state->apiFlags = flags ? strtoul(flags, NULL, 0) : 0;
    state->serverStarted = server && g_str_equal(server, "yes");
    if (virXMLPropUInt(stnode, "cbwtimeout", &state->cbwTimeout) < 0)
        return -1;

    {
        VIR_XPATH_NODE_AUTORESTORE(ctxt);
        ctxt->node = stnode;
        n = virXPathNodeSet("./disk", ctxt, &nodes);
    }
    state->disks = g_new0(qemuBackupDisk, n);
    state->ndisks = n;
    for (i = 0; i < n; i++) {
        qemuBackupDisk *d = &state->disks[i];
        g_autofree char *created = virXMLPropString(nodes[i], "created");
        g_autofree char *filter = virXMLPropString(nodes[i], "filter");

        d->name = virXMLPropString(nodes[i], "name");
        d->jobid = virXMLPropString(nodes[i], "job");
        d->topnode = virXMLPropString(nodes[i], "top");
        d->tmpbitmap = virXMLPropString(nodes[i], "bitmap");
        d->cbwnode = virXMLPropString(nodes[i], "cbw");
        d->snapnode = virXMLPropString(nodes[i], "snap");
        d->exportid = virXMLPropString(nodes[i], "export");
        d->created = created && g_str_equal(created, "yes");
        d->ownFilter = filter && g_str_equal(filter, "fleece");
        if (virXMLPropULongLong(nodes[i], "current", &d->current) < 0 ||
            virXMLPropULongLong(nodes[i], "total", &d->total) < 0)
            return -1;
        if (!d->name || !d->jobid || !d->topnode) {
            virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                           _("incomplete backup disk in the status file"));
            return -1;
        }
    }
    *statep = g_steal_pointer(&state);
    return 0;
}

/* ---- helpers ---------------------------------------------------------- */

static virDomainBackupDiskDef *
qemuBackupDiskDef(qemuBackupState *state, const char *name)
{
    size_t i;

    for (i = 0; i < state->def->ndisks; i++) {
        if (g_str_equal(state->def->disks[i].name, name))
            return &state->def->disks[i];
    }
    return NULL;
}

const char *
qemuBackupDiskStoreNode(qemuBackupState *state, const qemuBackupDisk *d)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

    return dd && dd->store ? dd->store->nodeformat : NULL;
}

const char *
qemuBackupDiskExportName(qemuBackupState *state, const qemuBackupDisk *d)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

    return dd ? dd->exportname : NULL;
}

static bool
qemuBackupIsPull(const qemuBackupState *state)
{
    return state->def->type == VIR_DOMAIN_BACKUP_TYPE_PULL;
}

static int
qemuBackupBlockdevDel(qemuMonitor *mon, const char *node)
{
    if (!node)
        return 0;
    return qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                          QEMU_QMP_BLOCKDEV_DEL, "s:node-name", node, NULL);
}

/* Run a cleanup step whose failure must not hide an earlier error. */
#define QEMU_BACKUP_QUIET(expr) \
    do { \
        virErrorPtr _orig = NULL; \
        virErrorPreserveLast(&_orig); \
        if ((expr) < 0) \
            VIR_WARN("backup cleanup step failed: %s", virGetLastErrorMessage()); \
        virResetLastError(); \
        virErrorRestore(&_orig); \
    } while (0)

/* Add a store image's nodes to QEMU (storage + format, no backing). */
static int
qemuBackupStoreAttach(qemuMonitor *mon, const virStorageSource *store)
{
    g_autoptr(virJSONValue) cache = NULL;
    const char *driver = store->type == VIR_STORAGE_TYPE_BLOCK ? "host_device" : "file";
    const char *fmt = virStorageFileFormatTypeToString(store->format);

    if (!(cache = qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_CACHE,
                                     "b:direct", false, "b:no-flush", false, NULL)))
        return -1;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                       "s:driver", driver, "s:node-name", store->nodestorage,
                       "s:filename", store->path, "v:cache", &cache,
                       "b:auto-read-only", true, NULL) < 0)
        return -1;
    if (store->format == VIR_STORAGE_FILE_QCOW2) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", fmt, "s:node-name", store->nodeformat,
                           "s:file", store->nodestorage, "n:backing",
                           "b:read-only", false, NULL) < 0)
            goto error;
    } else {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", fmt, "s:node-name", store->nodeformat,
                           "s:file", store->nodestorage,
                           "b:read-only", false, NULL) < 0)
            goto error;
    }
    return 0;

 error:
    QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, store->nodestorage));
    return -1;
}

/* Sources of the checkpoint's bitmap over the disk's chain, top first;
 * an unusable chain is VIR_ERR_CHECKPOINT_INCONSISTENT. */
static virJSONValue *
qemuBackupBitmapSources(const virDomainDiskDef *disk, GPtrArray *nodes,
                        const char *checkpoint, unsigned long long *granularity)
{
    g_autoptr(virJSONValue) list = json_object_new_array();
    const virStorageSource *src;
    bool ended = false;
    size_t n = 0;

    *granularity = 0;
    for (src = disk->src; src && src->nodeformat; src = src->backingStore) {
        qemuQMPBlockNode *node = qemuQMPBlockNodeFind(nodes, src->nodeformat);
        qemuQMPDirtyBitmap *bm = node ? qemuQMPBlockNodeFindBitmap(node, checkpoint) : NULL;

        if (!bm) {
            ended = true;
            continue;
        }
        if (ended || bm->inconsistent || !bm->persistent ||
            (n == 0 && !bm->recording)) {
            n = 0;
            break;
        }
        if (n == 0)
            *granularity = bm->granularity;
        qemuQMPBitmapListAppend(list, src->nodeformat, checkpoint);
        n++;
    }
    if (n == 0) {
        virReportError(VIR_ERR_CHECKPOINT_INCONSISTENT,
                       _("missing or broken bitmap '%s' for disk '%s'"),
                       checkpoint, disk->dst);
        return NULL;
    }
    return g_steal_pointer(&list);
}

static bool
qemuBackupCheckpointExists(qemuDomainObj *obj, const char *name)
{
    g_autofree char *dir = qemuDriverCheckpointDir(obj->driver, obj->name);
    g_autofree char *file = g_strdup_printf("%s.xml", name);
    g_autofree char *path = g_build_filename(dir, file, NULL);

    return virNameValidate("checkpoint", name) == 0 && virFileExists(path);
}

/* A TCP port nobody listens on right now, for a pull backup that did
 * not name one (libvirt refuses; Fleece picks one and reports it). */
static int
qemuBackupFreePort(const char *host, unsigned int *port)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = -1;
    int rc;

    if ((rc = getaddrinfo(host, "0", &hints, &res)) != 0) {
        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot resolve backup server name '%s': %s"),
                       host, gai_strerror(rc));
        return -1;
    }
    if ((fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 ||
        getsockname(fd, (struct sockaddr *) &ss, &len) < 0) {
        virReportSystemError(errno, _("cannot find a free TCP port on '%s'"), host);
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return -1;
    }
    if (ss.ss_family == AF_INET6)
        *port = ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
    else
        *port = ntohs(((struct sockaddr_in *) &ss)->sin_port);
    close(fd);
    freeaddrinfo(res);
    return 0;
}

/* Fill what the driver decides: store format, export names, server. */
static int
qemuBackupApplyDefaults(virDomainBackupDef *def)
{
    size_t i;

    if (def->type == VIR_DOMAIN_BACKUP_TYPE_PULL) {
        if (!def->server) {
            def->server = g_new0(virDomainBackupServerDef, 1);
            def->server->transport = VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_TCP;
        }
        switch ((virDomainBackupServerTransport) def->server->transport) {
        case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_TCP:
            if (!def->server->name)
                def->server->name = g_strdup("localhost");
            if (!def->server->port &&
                qemuBackupFreePort(def->server->name, &def->server->port) < 0)
                return -1;
            break;
        case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX:
            break;
        case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_FD:
        case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_RDMA:
        case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_LAST:
        default:
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED,
                           _("backup server transport '%s' is not supported"),
                           virDomainBackupServerTransportTypeToString(def->server->transport));
            return -1;
        }
    }

    for (i = 0; i < def->ndisks; i++) {
        virDomainBackupDiskDef *d = &def->disks[i];

        if (!d->backup)
            continue;
        if (d->store && d->store->type == VIR_STORAGE_TYPE_NONE)
            d->store->type = VIR_STORAGE_TYPE_FILE;
        if (d->store && d->store->format == VIR_STORAGE_FILE_NONE)
            d->store->format = VIR_STORAGE_FILE_QCOW2;
        if (d->store && d->store->format != VIR_STORAGE_FILE_QCOW2 &&
            d->store->format != VIR_STORAGE_FILE_RAW) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("backup of disk '%s': image format '%s' is not supported"),
                           d->name, virStorageFileFormatTypeToString(d->store->format));
            return -1;
        }
        if (def->type == VIR_DOMAIN_BACKUP_TYPE_PULL) {
            if (d->store->format != VIR_STORAGE_FILE_QCOW2) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("scratch image of disk '%s' must be qcow2"), d->name);
                return -1;
            }
            if (!d->exportname)
                d->exportname = g_strdup(d->name);
            if (d->incremental && !d->exportbitmap)
                d->exportbitmap = g_strdup_printf("backup-%s", d->name);
        }
    }
    return 0;
}

/* ---- begin ------------------------------------------------------------- */

typedef struct {
    qemuBackupState *state;
    virJSONValue *actions;
    bool attached;      /* store nodes added */
} qemuBackupPrepared;

static void qemuBackupDelTLS(qemuMonitor *mon, virDomainBackupDef *def);

/* Undo what begin did before the transaction succeeded. */
static void
qemuBackupRollback(qemuDomainObj *obj, qemuMonitor *mon, qemuBackupState *state,
                   size_t nattached)
{
    virErrorPtr orig = NULL;
    size_t i;

    virErrorPreserveLast(&orig);
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

        if (i < nattached && mon) {
            ignore_value(qemuBackupBlockdevDel(mon, dd->store->nodeformat));
            ignore_value(qemuBackupBlockdevDel(mon, dd->store->nodestorage));
        }
        if (d->created)
            unlink(dd->store->path);
    }
    if (state->serverStarted && mon)
        ignore_value(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                    QEMU_QMP_NBD_SERVER_STOP, NULL));
    if (state->def)
        qemuBackupDelTLS(mon, state->def);
    (void) obj;
    virResetLastError();
    virErrorRestore(&orig);
}

/* The x509 credentials of the NBD server: $FLEECE_BACKUP_TLS_X509_CERT_DIR,
 * else ROOT/pki/backup (ca-cert.pem, server-cert.pem, server-key.pem).
 * Client certificates are verified unless
 * FLEECE_BACKUP_TLS_X509_VERIFY=0. */
static char *
qemuBackupTLSDir(qemuDomainObj *obj)
{
    const char *env = g_getenv("FLEECE_BACKUP_TLS_X509_CERT_DIR");
    g_autofree char *dir = NULL;

    if (env && *env)
        dir = g_strdup(env);
    else
        dir = g_build_filename(obj->driver->root, "pki", "backup", NULL);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("no TLS certificate directory configured for backup ('%s' does not exist)"),
                       dir);
        return NULL;
    }
    return g_steal_pointer(&dir);
}

static int
qemuBackupAddTLS(qemuDomainObj *obj, qemuMonitor *mon, virDomainBackupDef *def)
{
    g_autofree char *dir = NULL;
    const char *verify = g_getenv("FLEECE_BACKUP_TLS_X509_VERIFY");

    if (!(dir = qemuBackupTLSDir(obj)))
        return -1;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_OBJECT_ADD,
                       "s:qom-type", "tls-creds-x509", "s:id", QEMU_BACKUP_TLS_ALIAS,
                       "s:dir", dir, "s:endpoint", "server",
                       "b:verify-peer", !(verify && g_str_equal(verify, "0")), NULL) < 0)
        return -1;
    g_free(def->tlsAlias);
    def->tlsAlias = g_strdup(QEMU_BACKUP_TLS_ALIAS);
    return 0;
}

static void
qemuBackupDelTLS(qemuMonitor *mon, virDomainBackupDef *def)
{
    if (!def->tlsAlias || !mon)
        return;
    QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                     QEMU_QMP_OBJECT_DEL, "s:id", def->tlsAlias, NULL));
    g_clear_pointer(&def->tlsAlias, g_free);
}

static int
qemuBackupStartServer(qemuMonitor *mon, const virDomainBackupServerDef *server,
                      const char *tlsAlias)
{
    g_autoptr(virJSONValue) data = NULL;
    g_autoptr(virJSONValue) addr = NULL;

    if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX) {
        data = qemuQMPStructBuild(QEMU_QMP_STRUCT_UNIX_SOCKET,
                                  "s:path", server->socket, NULL);
        if (data)
            addr = qemuQMPStructBuild(QEMU_QMP_STRUCT_SOCKET_ADDRESS,
                                      "s:type", "unix", "v:data", &data, NULL);
    } else {
        g_autofree char *port = g_strdup_printf("%u", server->port);

        data = qemuQMPStructBuild(QEMU_QMP_STRUCT_INET_SOCKET,
                                  "s:host", server->name, "s:port", port, NULL);
        if (data)
            addr = qemuQMPStructBuild(QEMU_QMP_STRUCT_SOCKET_ADDRESS,
                                      "s:type", "inet", "v:data", &data, NULL);
    }
    if (!addr)
        return -1;
    return qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                          QEMU_QMP_NBD_SERVER_START, "v:addr", &addr,
                          "S:tls-creds", tlsAlias, NULL);
}

/* Bandwidth limit of each disk's copy, bytes per second (0 = none): the
 * backup's own <fleece:bandwidth>, else FLEECE_BACKUP_BANDWIDTH.  Lets a
 * backup stay out of the guest's way. */
static unsigned long long
qemuBackupBandwidth(const virDomainBackupDef *def)
{
    const char *env = g_getenv("FLEECE_BACKUP_BANDWIDTH");

    if (def->bandwidthSet)
        return def->bandwidth;
    return env ? g_ascii_strtoull(env, NULL, 10) : 0;
}

/* Create (unless reused) and attach every store; build the actions. */
static int
qemuBackupPrepareDisks(qemuDomainObj *obj, qemuMonitor *mon, GPtrArray *nodes,
                       qemuBackupState *state, virJSONValue *actions,
                       size_t *nattached)
{
    bool reuse = state->apiFlags & VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL;
    bool pull = qemuBackupIsPull(state);
    size_t i;

    *nattached = 0;
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, d->name);
        qemuQMPBlockNode *top;
        virStorageSource *store = dd->store;

        if (!disk || !disk->src->nodeformat) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("disk '%s' cannot be backed up"), d->name);
            return -1;
        }
        if (!(top = qemuQMPBlockNodeFind(nodes, disk->src->nodeformat))) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("QEMU does not know node '%s' of disk '%s'"),
                           disk->src->nodeformat, d->name);
            return -1;
        }
        d->topnode = g_strdup(disk->src->nodeformat);
        d->jobid = g_strdup_printf("backup-%s-%s", d->name, d->topnode);

        if (dd->incremental) {
            g_autoptr(virJSONValue) sources = NULL;
            unsigned long long gran = 0;

            if (!qemuBackupCheckpointExists(obj, dd->incremental)) {
                virReportError(VIR_ERR_NO_DOMAIN_CHECKPOINT,
                               _("checkpoint '%s' for incremental backup of disk '%s' not found"),
                               dd->incremental, d->name);
                return -1;
            }
            if (!(sources = qemuBackupBitmapSources(disk, nodes, dd->incremental, &gran)))
                return -1;
            d->tmpbitmap = dd->exportbitmap ? g_strdup(dd->exportbitmap)
                                            : g_strdup_printf("backup-%s", d->name);
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                     "s:node", d->topnode, "s:name", d->tmpbitmap,
                                     "b:persistent", false, "b:disabled", true,
                                     "U:granularity", gran, NULL) < 0 ||
                qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
                                     "s:node", d->topnode, "s:target", d->tmpbitmap,
                                     "v:bitmaps", &sources, NULL) < 0)
                return -1;
        }

        /* the store: a new index and node names of its own */
        store->id = obj->nextIndex++;
        g_free(store->nodeformat);
        g_free(store->nodestorage);
        store->nodeformat = g_strdup_printf("libvirt-%u-format", store->id);
        store->nodestorage = g_strdup_printf("libvirt-%u-storage", store->id);

        if (!reuse && store->type == VIR_STORAGE_TYPE_FILE) {
            if (virFileExists(store->path)) {
                virReportError(VIR_ERR_INVALID_ARG,
                               _("store '%s' for backup of '%s' exists"),
                               store->path, d->name);
                return -1;
            }
            if (qemuImgCreate(store->path,
                              store->format == VIR_STORAGE_FILE_QCOW2 ?
                              QEMU_IMG_FORMAT_QCOW2 : QEMU_IMG_FORMAT_RAW,
                              top->virtualSize, NULL, QEMU_IMG_FORMAT_LAST) < 0)
                return -1;
            d->created = true;
        } else if (!virFileExists(store->path)) {
            virReportSystemError(ENOENT, _("store '%s' for backup of '%s'"),
                                 store->path, d->name);
            return -1;
        }
        if (qemuBackupStoreAttach(mon, store) < 0)
            return -1;
        (*nattached)++;

        if (pull) {
            d->cbwnode = g_strdup_printf("fleece-cbw-%s", d->name);
            d->snapnode = g_strdup_printf("fleece-snap-%s", d->name);
            d->exportid = g_strdup_printf("libvirt-nbd-%s", store->nodeformat);
            /* a bound on copy-before-write: Fleece's own filter, no job */
            if ((d->ownFilter = state->cbwTimeout > 0))
                continue;
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                                     "s:job-id", d->jobid, "s:device", d->topnode,
                                     "s:target", store->nodeformat, "s:sync", "none",
                                     "s:filter-node-name", d->cbwnode,
                                     "b:auto-finalize", true, "b:auto-dismiss", false,
                                     NULL) < 0)
                return -1;
        } else if (d->tmpbitmap) {
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                                     "s:job-id", d->jobid, "s:device", d->topnode,
                                     "s:target", store->nodeformat,
                                     "s:sync", "incremental", "s:bitmap", d->tmpbitmap,
                                     "U:speed", qemuBackupBandwidth(state->def),
                                     "b:auto-finalize", true, "b:auto-dismiss", false,
                                     NULL) < 0)
                return -1;
        } else {
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                                     "s:job-id", d->jobid, "s:device", d->topnode,
                                     "s:target", store->nodeformat, "s:sync", "full",
                                     "U:speed", qemuBackupBandwidth(state->def),
                                     "b:auto-finalize", true, "b:auto-dismiss", false,
                                     NULL) < 0)
                return -1;
        }
    }
    return 0;
}

/* Pull: expose every disk's point-in-time view over NBD. */
static int
qemuBackupExport(qemuMonitor *mon, qemuBackupState *state)
{
    size_t i;

    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        g_autoptr(virJSONValue) bitmaps = NULL;

        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                           "s:driver", "snapshot-access", "s:node-name", d->snapnode,
                           "s:file", d->cbwnode, NULL) < 0)
            return -1;
        if (d->tmpbitmap) {
            bitmaps = json_object_new_array();
            qemuQMPBitmapListAppend(bitmaps, d->topnode, d->tmpbitmap);
        }
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_EXPORT_ADD,
                           "s:type", "nbd", "s:id", d->exportid,
                           "s:node-name", d->snapnode, "b:writable", false,
                           "s:name", dd->exportname, "V:bitmaps", &bitmaps,
                           "b:allocation-depth", true, NULL) < 0)
            return -1;
    }
    return 0;
}

int
qemuBackupBegin(qemuDomainObj *obj, const char *backupXML,
                const char *checkpointXML, unsigned int flags)
{
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autoptr(qemuBackupState) state = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(virJSONValue) actions = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(qemuAgent) agent = NULL;
    g_autofree char *suffix = NULL;
    g_autofree char *chkname = NULL;
    void *chkopaque = NULL;
    bool frozen = false;
    size_t nattached = 0;
    size_t i, n;
    int rc;

    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("a backup of domain '%s' is already running"), obj->name);
        return -1;
    }
    if (!(def = virDomainBackupDefParseString(backupXML, 0)))
        return -1;
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;

    actions = qemuQMPActionsNew();
    if (checkpointXML) {
        if (!qemuBackupCheckpoint) {
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                           _("creating a checkpoint with a backup is not available"));
            return -1;
        }
        if (qemuBackupCheckpoint->prepare(obj, mon, checkpointXML, actions,
                                          &chkname, &chkopaque) < 0)
            return -1;
        suffix = g_strdup(chkname);
    } else {
        suffix = g_strdup_printf("%lld", (long long) (g_get_real_time() / G_USEC_PER_SEC));
    }

    if (virDomainBackupAlignDisks(def, obj->def, suffix) < 0 ||
        qemuBackupApplyDefaults(def) < 0)
        goto error;

    state = g_new0(qemuBackupState, 1);
    state->apiFlags = flags;
    for (i = 0, n = 0; i < def->ndisks; i++)
        n += def->disks[i].backup;
    if (n == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("no disk selected for backup"));
        goto error;
    }
    state->disks = g_new0(qemuBackupDisk, n);
    for (i = 0; i < def->ndisks; i++) {
        if (def->disks[i].backup)
            state->disks[state->ndisks++].name = g_strdup(def->disks[i].name);
    }
    state->def = g_steal_pointer(&def);
    if (qemuBackupIsPull(state) && qemuBackupCBWTimeout(&state->cbwTimeout) < 0)
        goto error;

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES, "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply)))
        goto error;

    if (qemuDomainAsyncJobBegin(&obj->job, QEMU_ASYNC_JOB_BACKUP, flags) < 0)
        goto error;

    if (qemuBackupPrepareDisks(obj, mon, nodes, state, actions, &nattached) < 0)
        goto rollback;

    if (qemuBackupIsPull(state)) {
        if (state->def->server->tls == VIR_DOMAIN_BACKUP_TRISTATE_YES &&
            qemuBackupAddTLS(obj, mon, state->def) < 0)
            goto rollback;
        if (qemuBackupStartServer(mon, state->def->server, state->def->tlsAlias) < 0)
            goto rollback;
        state->serverStarted = true;
        /* only the owner may connect to the export socket */
        if (state->def->server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX &&
            chmod(state->def->server->socket, 0600) < 0) {
            virReportSystemError(errno, _("cannot restrict access to socket '%s'"),
                                 state->def->server->socket);
            goto rollback;
        }
    }

    if (flags & VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) {
        if (!obj->def->agent_socket) {
            virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                           _("domain '%s' has no guest agent channel to quiesce with"),
                           obj->name);
            goto rollback;
        }
        if (!(agent = qemuAgentOpen(obj->def->agent_socket, 0)))
            goto rollback;
        if (qemuAgentFSFreeze(agent, NULL) < 0) {
            /* a freeze that failed half-way may have frozen some: thaw */
            virErrorPtr orig = NULL;

            virErrorPreserveLast(&orig);
            ignore_value(qemuAgentFSThaw(agent));
            virResetLastError();
            virErrorRestore(&orig);
            goto rollback;
        }
        frozen = true;
    }

    if (state->cbwTimeout)
        rc = qemuBackupCBWTransaction(obj, mon, state, &actions);
    else
        rc = qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT);
    if (frozen) {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (qemuAgentFSThaw(agent) < 0)
            VIR_WARN("cannot thaw the file systems of domain '%s'", obj->name);
        virResetLastError();
        virErrorRestore(&orig);
    }
    if (rc < 0)
        goto rollback;

    /* the point in time is taken: from here on the backup exists */
    for (i = 0; i < state->def->ndisks; i++) {
        if (state->def->disks[i].backup)
            state->def->disks[i].state = VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING;
    }
    obj->backup = g_steal_pointer(&state);
    if (qemuDomainObjSaveStatus(obj) < 0)
        VIR_WARN("cannot save the status of domain '%s'", obj->name);

    if (chkopaque) {
        if (qemuBackupCheckpoint->commit(obj, mon, chkopaque) < 0)
            VIR_WARN("backup of '%s' started but its checkpoint was not recorded: %s",
                     obj->name, virGetLastErrorMessage());
        chkopaque = NULL;
    }

    if (qemuBackupIsPull(obj->backup) && qemuBackupExport(mon, obj->backup) < 0) {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        g_clear_pointer(&mon, qemuMonitorClose);   /* End connects its own */
        obj->backup->failedStart = true;
        if (obj->job.current && !obj->job.current->errmsg)
            obj->job.current->errmsg = g_strdup(orig && orig->message ? orig->message
                                                : _("the NBD export could not be set up"));
        ignore_value(qemuBackupEnd(obj, NULL));
        virErrorRestore(&orig);
        return -1;
    }
    VIR_INFO("backup of domain '%s' started", obj->name);
    return 0;

 rollback:
    qemuBackupRollback(obj, mon, state, nattached);
    {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        if (obj->job.asyncJob == QEMU_ASYNC_JOB_BACKUP) {
            ignore_value(qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_FAILED));
            ignore_value(qemuDomainAsyncJobEnd(&obj->job));
            /* a backup that never started leaves no completed job */
            qemuDomainJobDataFree(qemuDomainJobTakeCompleted(&obj->job, true));
            ignore_value(qemuDomainObjSaveStatus(obj));
        }
        virResetLastError();
        virErrorRestore(&orig);
    }
 error:
    if (chkopaque)
        QEMU_BACKUP_QUIET((qemuBackupCheckpoint->discard(chkopaque), 0));
    return -1;
}

char *
qemuBackupGetXMLDesc(qemuDomainObj *obj)
{
    if (!obj->backup) {
        virReportError(VIR_ERR_NO_DOMAIN_BACKUP, "%s",
                       _("no domain backup job present"));
        return NULL;
    }
    return virDomainBackupDefFormatString(obj->backup->def, false);
}

/* ---- ending ------------------------------------------------------------ */

/* Remove what one disk's job used in QEMU. */
static void
qemuBackupDiskCleanup(qemuDomainObj *obj, qemuMonitor *mon, qemuBackupState *state,
                      qemuBackupDisk *d)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

    if (!mon)
        return;
    if (qemuBackupIsPull(state)) {
        /* export and snapshot node go before the job (done in End) */
        QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, d->snapnode));
        /* Fleece's filter: the device goes back to its node first */
        qemuBackupCBWRemove(obj, mon, d);
    }
    QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodeformat));
    QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodestorage));
    if (d->tmpbitmap)
        QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                         QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
                                         "s:node", d->topnode, "s:name", d->tmpbitmap,
                                         NULL));
}

static qemuQMPJob *
qemuBackupFindJob(GPtrArray *jobs, const char *id)
{
    guint i;

    for (i = 0; jobs && i < jobs->len; i++) {
        qemuQMPJob *j = g_ptr_array_index(jobs, i);

        if (g_str_equal(j->id, id))
            return j;
    }
    return NULL;
}

static bool
qemuBackupDiskActive(int state)
{
    return state == VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING ||
           state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING;
}

static int
qemuBackupCancelDisk(qemuMonitor *mon, qemuBackupState *state, qemuBackupDisk *d)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

    if (dd->state != VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING)
        return 0;
    if (qemuBackupIsPull(state) && d->exportid) {
        /* the export goes first, so no client ever reads a live view */
        QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                         QEMU_QMP_BLOCK_EXPORT_DEL, "s:id", d->exportid,
                                         "s:mode", "hard", NULL));
    }
    if (d->ownFilter) {
        /* no job: the filter goes when the disk is cleaned up */
        dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING;
        return 0;
    }
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_JOB_CANCEL,
                       "s:device", d->jobid, "b:force", true, NULL) < 0)
        return -1;
    dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING;
    return 0;
}

/* Wait until an export QEMU is shutting down is gone. */
static void
qemuBackupWaitExportsGone(qemuMonitor *mon, qemuBackupState *state)
{
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

    while (g_get_monotonic_time() < deadline) {
        g_autoptr(virJSONValue) reply = NULL;
        g_autoptr(GPtrArray) exports = NULL;
        bool left = false;
        guint i;
        size_t j;

        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                           QEMU_QMP_QUERY_BLOCK_EXPORTS, NULL) < 0 ||
            !(exports = qemuQMPParseBlockExports(reply))) {
            virResetLastError();
            return;
        }
        for (i = 0; i < exports->len; i++) {
            qemuQMPBlockExport *e = g_ptr_array_index(exports, i);

            for (j = 0; j < state->ndisks; j++)
                left |= state->disks[j].exportid &&
                        g_str_equal(state->disks[j].exportid, e->id);
        }
        if (!left)
            return;
        g_usleep(20000);
    }
}

/* Delete the files Fleece created when they are not the result. */
static void
qemuBackupRemoveFiles(qemuBackupState *state, int status)
{
    bool keep = !qemuBackupIsPull(state) && status == QEMU_DOMAIN_JOB_STATUS_COMPLETED;
    size_t i;

    if (keep)
        return;
    for (i = 0; i < state->ndisks; i++) {
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, state->disks[i].name);

        if (state->disks[i].created && dd->store->path)
            unlink(dd->store->path);
    }
}

/* A guest write whose copy-before-write failed in a backup job's filter
 * (the target filled up, say) fails with that error, and QEMU's default
 * error policy pauses the guest (status io-error).  Once the backup's
 * jobs and filters are gone the write can be retried: resume a guest
 * that the user did not pause.  Should the pause have had another cause,
 * QEMU simply pauses again. */
static void
qemuBackupResumeAfterIOError(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;

    if (!mon || (obj->state == VIR_DOMAIN_PAUSED &&
                 obj->reason != VIR_DOMAIN_PAUSED_IOERROR))
        return;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply))) {
        virResetLastError();
        return;
    }
    if (!g_str_equal(st->status, "io-error"))
        return;
    VIR_WARN("resuming domain '%s', paused by an I/O error during its failed backup",
             obj->name);
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_CONT, NULL) < 0) {
        virResetLastError();
        return;
    }
    obj->state = VIR_DOMAIN_RUNNING;
    obj->reason = VIR_DOMAIN_RUNNING_UNPAUSED;
}

/* Every disk is done: record the result and free the slot. */
static void
qemuBackupTerminate(qemuDomainObj *obj, qemuMonitor *mon, int status,
                    qemuDomainJobData **done)
{
    qemuBackupState *state = obj->backup;

    if (status == QEMU_DOMAIN_JOB_STATUS_FAILED)
        qemuBackupResumeAfterIOError(obj, mon);

    if (mon && state->serverStarted)
        QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                         QEMU_QMP_NBD_SERVER_STOP, NULL));
    qemuBackupDelTLS(mon, state->def);
    qemuBackupRemoveFiles(state, status);
    if (obj->job.current)
        ignore_value(qemuDomainJobSetStatus(&obj->job, status));
    ignore_value(qemuDomainAsyncJobEnd(&obj->job));
    g_clear_pointer(&obj->backup, qemuBackupStateFree);
    if (qemuDomainObjSaveStatus(obj) < 0)
        VIR_WARN("cannot save the status of domain '%s'", obj->name);
    if (done)
        *done = qemuDomainJobTakeCompleted(&obj->job, false);
    VIR_INFO("backup of domain '%s' ended: %s", obj->name,
             qemuDomainJobStatusTypeToString(status));
}

/* Sum the progress of all disks into the job's data. */
static void
qemuBackupUpdateStats(qemuDomainObj *obj, GPtrArray *jobs)
{
    qemuBackupState *state = obj->backup;
    unsigned long long cur = 0, total = 0;
    size_t i;

    if (!obj->job.current)
        return;
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        qemuQMPJob *j = qemuBackupFindJob(jobs, d->jobid);

        if (j && qemuBackupDiskActive(qemuBackupDiskDef(state, d->name)->state)) {
            d->current = j->current;
            d->total = j->total;
        }
        cur += d->current;
        total += d->total;
    }
    if (qemuBackupIsPull(state)) {
        obj->job.current->temp_used = cur;
        obj->job.current->temp_total = total;
    } else {
        obj->job.current->disk_processed = cur;
        obj->job.current->disk_total = total;
    }
}

/* A disk with Fleece's filter has no QEMU job: it runs until End
 * cancels it, or fails when its snapshot was dropped because a guest
 * write outwaited the bound.  0: still running; 1: over (state set). */
static int
qemuBackupReconcileOwnFilter(qemuDomainObj *obj, qemuMonitor *mon,
                             qemuBackupState *state, qemuBackupDisk *d)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

    if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING) {
        dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
        return 1;
    }
    if (!qemuBackupCBWBroken(state, d))
        return 0;
    dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
    if (obj->job.current && !obj->job.current->errmsg)
        obj->job.current->errmsg =
            g_strdup_printf(_("disk '%s': a guest write waited longer than %u s for copy-before-write, so the snapshot was dropped and the guest went on"),
                            d->name, state->cbwTimeout);
    if (d->exportid)
        QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                         QEMU_QMP_BLOCK_EXPORT_DEL, "s:id", d->exportid,
                                         "s:mode", "hard", NULL));
    qemuBackupWaitExportsGone(mon, state);
    return 1;
}

int
qemuBackupReconcile(qemuDomainObj *obj, qemuMonitor *monArg,
                    qemuDomainJobData **done)
{
    g_autoptr(qemuMonitor) ownmon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    qemuMonitor *mon = monArg;
    qemuBackupState *state = obj->backup;
    bool anyActive = false, anyFailed = false, anyCancelled = false;
    size_t i;

    if (done)
        *done = NULL;
    if (!state)
        return 0;
    if (!mon && !(mon = ownmon = qemuProcessConnectMonitor(obj)))
        return -1;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(jobs = qemuQMPParseJobs(reply)))
        return -1;

    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        qemuQMPJob *j = qemuBackupFindJob(jobs, d->jobid);

        if (!qemuBackupDiskActive(dd->state))
            continue;
        if (d->ownFilter) {
            if (qemuBackupReconcileOwnFilter(obj, mon, state, d) == 0)
                continue;
            qemuBackupDiskCleanup(obj, mon, state, d);
            continue;
        }
        if (j && j->status != QEMU_QMP_JOB_STATUS_CONCLUDED &&
            j->status != QEMU_QMP_JOB_STATUS_NULL)
            continue;
        /* the disk's job is over */
        if (j) {
            d->current = j->current;
            d->total = j->total;
        }
        if (!j) {
            VIR_WARN("QEMU job '%s' of the backup of '%s' vanished", d->jobid, obj->name);
            dd->state = dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING ?
                        VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED :
                        VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
        } else if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING) {
            dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
        } else if (j->error) {
            dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
        } else {
            dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_COMPLETE;
        }
        if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_FAILED && j && j->error &&
            obj->job.current && !obj->job.current->errmsg)
            obj->job.current->errmsg = g_strdup_printf("disk '%s': %s", d->name, j->error);
        if (j)
            QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                             QEMU_QMP_JOB_DISMISS, "s:id", d->jobid, NULL));
        qemuBackupDiskCleanup(obj, mon, state, d);
    }

    for (i = 0; i < state->ndisks; i++) {
        int st = qemuBackupDiskDef(state, state->disks[i].name)->state;

        anyActive |= qemuBackupDiskActive(st);
        anyFailed |= st == VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
        anyCancelled |= st == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
    }
    /* one disk failing ends the whole backup */
    if (anyActive && (anyFailed || anyCancelled)) {
        for (i = 0; i < state->ndisks; i++)
            QEMU_BACKUP_QUIET(qemuBackupCancelDisk(mon, state, &state->disks[i]));
    }
    qemuBackupUpdateStats(obj, jobs);

    if (!anyActive) {
        int status = QEMU_DOMAIN_JOB_STATUS_COMPLETED;

        if (anyFailed || state->failedStart)
            status = QEMU_DOMAIN_JOB_STATUS_FAILED;
        else if (anyCancelled && !qemuBackupIsPull(state))
            status = QEMU_DOMAIN_JOB_STATUS_CANCELED;
        qemuBackupTerminate(obj, mon, status, done);
        return 0;
    }
    return qemuDomainObjSaveStatus(obj);
}

int
qemuBackupEnd(qemuDomainObj *obj, qemuDomainJobData **done)
{
    g_autoptr(qemuMonitor) mon = NULL;
    gint64 deadline;
    size_t i;

    if (done)
        *done = NULL;
    if (!obj->backup) {
        virReportError(VIR_ERR_NO_DOMAIN_BACKUP, "%s",
                       _("no domain backup job present"));
        return -1;
    }
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;
    /* jobs that ended on their own are taken into account first */
    if (qemuBackupReconcile(obj, mon, done) < 0)
        return -1;
    if (!obj->backup)
        return 0;

    if (obj->job.current && obj->job.current->status == QEMU_DOMAIN_JOB_STATUS_ACTIVE)
        ignore_value(qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_CANCELLING));
    for (i = 0; i < obj->backup->ndisks; i++) {
        if (qemuBackupCancelDisk(mon, obj->backup, &obj->backup->disks[i]) < 0)
            return -1;
    }
    if (qemuBackupIsPull(obj->backup))
        qemuBackupWaitExportsGone(mon, obj->backup);
    ignore_value(qemuDomainObjSaveStatus(obj));

    deadline = g_get_monotonic_time() + QEMU_BACKUP_WIND_DOWN_MS * 1000LL;
    while (obj->backup && g_get_monotonic_time() < deadline) {
        if (qemuBackupReconcile(obj, mon, done) < 0)
            return -1;
        if (obj->backup)
            g_usleep(20000);
    }
    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_TIMEOUT,
                       _("the backup of domain '%s' did not end in time"), obj->name);
        return -1;
    }
    return 0;
}

void
qemuBackupTerminateOnStop(qemuDomainObj *obj, bool crashed,
                          qemuDomainJobData **done)
{
    qemuBackupState *state = obj->backup;
    size_t i;

    if (done)
        *done = NULL;
    if (!state)
        return;
    for (i = 0; i < state->def->ndisks; i++) {
        if (qemuBackupDiskActive(state->def->disks[i].state))
            state->def->disks[i].state = VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
    }
    if (obj->job.current && !obj->job.current->errmsg)
        obj->job.current->errmsg = g_strdup(crashed ? _("QEMU exited during the backup")
                                                    : _("the domain was stopped during the backup"));
    state->serverStarted = false;   /* goes with QEMU */
    qemuBackupTerminate(obj, NULL, QEMU_DOMAIN_JOB_STATUS_FAILED, done);
}

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
#include <fcntl.h>
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
#include "qemu_storage.h"
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

VIR_ENUM_IMPL(qemuBackupPhase, QEMU_BACKUP_PHASE_LAST,
              "starting", "running", "terminating");

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

    virBufferAsprintf(buf, "<backupState flags='0x%x' server='%s' phase='%s'",
                      state->apiFlags, state->serverStarted ? "yes" : "no",
                      qemuBackupPhaseTypeToString(state->phase));
    if (state->phase == QEMU_BACKUP_PHASE_TERMINATING)
        virBufferAsprintf(buf, " outcome='%s'",
                          qemuDomainJobStatusTypeToString(state->outcome));
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
        virBufferAsprintf(buf, " created='%s'%s current='%llu' total='%llu'/>\n",
                          d->created ? "yes" : "no", d->cleaned ? " cleaned='yes'" : "",
                          d->current, d->total);
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
    g_autofree char *phase = NULL;
    g_autofree char *outcome = NULL;
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
    if (flags) {
        guint64 v = 0;

        /* written as 0x%x */
        if (!(g_str_has_prefix(flags, "0x") &&
              g_ascii_string_to_unsigned(flags + 2, 16, 0, G_MAXUINT, &v, NULL)) &&
            !g_ascii_string_to_unsigned(flags, 10, 0, G_MAXUINT, &v, NULL)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("invalid backup flags '%s' in the status file"), flags);
            return -1;
        }
        state->apiFlags = v;
    }
    state->serverStarted = server && g_str_equal(server, "yes");
    if (virXMLPropUInt(stnode, "cbwtimeout", &state->cbwTimeout) < 0)
        return -1;
    phase = virXMLPropString(stnode, "phase");
    outcome = virXMLPropString(stnode, "outcome");
    state->phase = QEMU_BACKUP_PHASE_RUNNING;
    if (phase && (state->phase = qemuBackupPhaseTypeFromString(phase)) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unknown backup phase '%s' in the status file"), phase);
        return -1;
    }
    if (state->phase == QEMU_BACKUP_PHASE_TERMINATING &&
        (!outcome || (state->outcome = qemuDomainJobStatusTypeFromString(outcome)) < 0)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("terminating backup without a valid outcome in the status file ('%s')"),
                       NULLSTR(outcome));
        return -1;
    }

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
        g_autofree char *cleaned = virXMLPropString(nodes[i], "cleaned");
        g_autofree char *filter = virXMLPropString(nodes[i], "filter");

        d->name = virXMLPropString(nodes[i], "name");
        d->jobid = virXMLPropString(nodes[i], "job");
        d->topnode = virXMLPropString(nodes[i], "top");
        d->tmpbitmap = virXMLPropString(nodes[i], "bitmap");
        d->cbwnode = virXMLPropString(nodes[i], "cbw");
        d->snapnode = virXMLPropString(nodes[i], "snap");
        d->exportid = virXMLPropString(nodes[i], "export");
        d->created = created && g_str_equal(created, "yes");
        d->cleaned = cleaned && g_str_equal(cleaned, "yes");
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

/* The x509 credentials of the NBD server: the backup_tls_x509_cert_dir
 * setting (ROOT/pki/backup by default) holds ca-cert.pem,
 * server-cert.pem and server-key.pem.  Client certificates are verified
 * unless backup_tls_x509_verify = 0 in the settings file. */
static const char *
qemuBackupTLSDir(qemuDomainObj *obj)
{
    const char *dir = obj->driver->config->backupTLSx509certdir;

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("no TLS certificate directory configured for backup ('%s' does not exist)"),
                       dir);
        return NULL;
    }
    return dir;
}

static int
qemuBackupAddTLS(qemuDomainObj *obj, qemuMonitor *mon, virDomainBackupDef *def)
{
    const char *dir;

    if (!(dir = qemuBackupTLSDir(obj)))
        return -1;
    return qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_OBJECT_ADD,
                          "s:qom-type", "tls-creds-x509", "s:id", def->tlsAlias,
                          "s:dir", dir, "s:endpoint", "server",
                          "b:verify-peer", obj->driver->config->backupTLSx509verify,
                          NULL);
}

/* A unix socket export is created by QEMU in a directory of its own,
 * PARENT/.NAME.fleece (mode 0700), made private (0600) and only then
 * moved to its place: nobody else can connect at any moment. */
static char *
qemuBackupSocketDir(const char *socket)
{
    g_autofree char *parent = g_path_get_dirname(socket);
    g_autofree char *base = g_path_get_basename(socket);
    g_autofree char *name = g_strdup_printf(".%s.fleece", base);

    return g_build_filename(parent, name, NULL);
}

static char *
qemuBackupSocketTemp(const char *socket)
{
    g_autofree char *dir = qemuBackupSocketDir(socket);

    return g_build_filename(dir, "sock", NULL);
}

static bool
qemuBackupIsUnix(const qemuBackupState *state)
{
    return qemuBackupIsPull(state) &&
           state->def->server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX;
}

/* Remove the export socket and its private directory (idempotent; the
 * path was free when the backup began, so what is there is ours). */
static void
qemuBackupSocketRemove(const qemuBackupState *state)
{
    g_autofree char *dir = NULL;
    g_autofree char *temp = NULL;

    if (!qemuBackupIsUnix(state))
        return;
    dir = qemuBackupSocketDir(state->def->server->socket);
    temp = qemuBackupSocketTemp(state->def->server->socket);
    if (virFileExists(temp))
        unlink(temp);
    if (virFileExists(dir))
        rmdir(dir);
    if (virFileExists(state->def->server->socket))
        unlink(state->def->server->socket);
}

/* Move a socket QEMU listens on in the private directory to its place. */
static int
qemuBackupSocketPublish(const qemuBackupState *state)
{
    g_autofree char *dir = qemuBackupSocketDir(state->def->server->socket);
    g_autofree char *temp = qemuBackupSocketTemp(state->def->server->socket);

    if (chmod(temp, 0600) < 0) {
        virReportSystemError(errno, _("cannot restrict access to socket '%s'"), temp);
        return -1;
    }
    if (rename(temp, state->def->server->socket) < 0) {
        virReportSystemError(errno, _("cannot move socket '%s' to '%s'"), temp,
                             state->def->server->socket);
        return -1;
    }
    rmdir(dir);
    return 0;
}

static int
qemuBackupStartServer(qemuMonitor *mon, const qemuBackupState *state)
{
    const virDomainBackupServerDef *server = state->def->server;
    g_autoptr(virJSONValue) data = NULL;
    g_autoptr(virJSONValue) addr = NULL;

    if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX) {
        g_autofree char *dir = qemuBackupSocketDir(server->socket);
        g_autofree char *temp = qemuBackupSocketTemp(server->socket);

        unlink(temp);
        rmdir(dir);
        if (mkdir(dir, 0700) < 0) {
            virReportSystemError(errno, _("cannot create directory '%s'"), dir);
            return -1;
        }
        data = qemuQMPStructBuild(QEMU_QMP_STRUCT_UNIX_SOCKET, "s:path", temp, NULL);
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
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                       QEMU_QMP_NBD_SERVER_START, "v:addr", &addr,
                       "S:tls-creds", state->def->tlsAlias, NULL) < 0)
        return -1;
    if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX)
        return qemuBackupSocketPublish(state);
    return 0;
}

/* Bandwidth limit of each disk's copy, bytes per second (0 = none): the
 * backup's own <fleece:bandwidth>, else the backup_bandwidth setting.
 * Lets a backup stay out of the guest's way. */
static unsigned long long
qemuBackupBandwidth(qemuDomainObj *obj, const virDomainBackupDef *def)
{
    if (def->bandwidthSet)
        return def->bandwidth;
    return obj->driver->config->backupBandwidth;
}

/* Decide everything the backup will create (node names, job ids, files)
 * and build the transaction, without touching QEMU or a file yet. */
static int
qemuBackupPlanDisks(qemuDomainObj *obj, GPtrArray *nodes, qemuBackupState *state,
                    virJSONValue *actions)
{
    bool reuse = state->apiFlags & VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL;
    bool pull = qemuBackupIsPull(state);
    size_t i;

    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        virDomainDiskDef *disk = virDomainDiskByTarget(qemuDomainObjDisksDef(obj), d->name);
        virStorageSource *store = dd->store;

        if (!disk || !disk->src->nodeformat) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("disk '%s' cannot be backed up"), d->name);
            return -1;
        }
        if (!qemuQMPBlockNodeFind(nodes, disk->src->nodeformat)) {
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
            d->created = true;
        } else if (!virFileExists(store->path)) {
            virReportSystemError(ENOENT, _("store '%s' for backup of '%s'"),
                                 store->path, d->name);
            return -1;
        }

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
                                     "U:speed", qemuBackupBandwidth(obj, state->def),
                                     "b:auto-finalize", true, "b:auto-dismiss", false,
                                     NULL) < 0)
                return -1;
        } else {
            if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
                                     "s:job-id", d->jobid, "s:device", d->topnode,
                                     "s:target", store->nodeformat, "s:sync", "full",
                                     "U:speed", qemuBackupBandwidth(obj, state->def),
                                     "b:auto-finalize", true, "b:auto-dismiss", false,
                                     NULL) < 0)
                return -1;
        }
    }
    return 0;
}

/* Create @store's file, private to its owner, and format it. */
static int
qemuBackupStoreCreate(const char *qemuimg, const virStorageSource *store,
                      unsigned long long size)
{
    int fd = open(store->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

    if (fd < 0) {
        virReportSystemError(errno, _("cannot create '%s'"), store->path);
        return -1;
    }
    close(fd);
    return qemuImgCreate(qemuimg, store->path,
                         store->format == VIR_STORAGE_FILE_QCOW2 ?
                         QEMU_IMG_FORMAT_QCOW2 : QEMU_IMG_FORMAT_RAW,
                         size, NULL, QEMU_IMG_FORMAT_LAST);
}

/* Create (unless reused) and attach every store, as planned. */
static int
qemuBackupAttachStores(qemuDomainObj *obj, qemuMonitor *mon, GPtrArray *nodes,
                       qemuBackupState *state)
{
    size_t i;

    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, d->topnode);

        if (d->created && qemuBackupStoreCreate(obj->driver->config->qemuImg, dd->store,
                                                top->virtualSize) < 0)
            return -1;
        if (qemuBackupStoreAttach(mon, dd->store) < 0)
            return -1;
    }
    return 0;
}

/* Pull: expose every disk's point-in-time view over NBD; what exists
 * already (@exports, @nodes: what QEMU has, or NULL) is kept. */
static int
qemuBackupExport(qemuMonitor *mon, qemuBackupState *state, GPtrArray *nodes,
                 GPtrArray *exports)
{
    size_t i;
    guint j;

    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        g_autoptr(virJSONValue) bitmaps = NULL;
        bool exported = false;

        if (!nodes || !qemuQMPBlockNodeFind(nodes, d->snapnode)) {
            if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_ADD,
                               "s:driver", "snapshot-access", "s:node-name", d->snapnode,
                               "s:file", d->cbwnode, NULL) < 0)
                return -1;
        }
        for (j = 0; exports && j < exports->len; j++) {
            qemuQMPBlockExport *e = g_ptr_array_index(exports, j);

            exported |= g_str_equal(e->id, d->exportid);
        }
        if (exported)
            continue;
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

/* Wait until the exports of @state that QEMU is shutting down are gone. */
static void
qemuBackupWaitExportsGone(qemuMonitor *mon, qemuBackupState *state, qemuBackupDisk *only)
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

            for (j = 0; j < state->ndisks; j++) {
                qemuBackupDisk *d = &state->disks[j];

                if ((!only || only == d) && d->exportid && g_str_equal(d->exportid, e->id))
                    left = true;
            }
        }
        if (!left)
            return;
        g_usleep(20000);
    }
}

/* A pull with Fleece's own filter stops the guest for a moment while the
 * filter goes in; a process killed then leaves it stopped.  The status
 * still says running: a guest QEMU has paused is resumed. */
static void
qemuBackupResumeStopped(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;

    if (obj->state != VIR_DOMAIN_RUNNING)
        return;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply))) {
        virResetLastError();
        return;
    }
    if (!g_str_equal(st->status, "paused"))
        return;
    VIR_WARN("resuming domain '%s', stopped by a backup's start that was interrupted",
             obj->name);
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_CONT, NULL) < 0)
        virResetLastError();
}

/* Undo a start: remove whatever of the journalled plan exists (nodes,
 * NBD server, TLS object, files) and free the job slot.  Used when a
 * step of begin failed, and by a later process when the transaction
 * never ran.  @mon may be NULL (QEMU is gone). */
static int
qemuBackupUndoStart(qemuDomainObj *obj, qemuMonitor *mon)
{
    qemuBackupState *state = obj->backup;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    virErrorPtr orig = NULL;
    size_t i;
    int rc;

    virErrorPreserveLast(&orig);
    if (mon &&
        (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                        QEMU_QMP_QUERY_NAMED_BLOCK_NODES, "b:flat", true, NULL) < 0 ||
         !(nodes = qemuQMPParseNamedBlockNodes(reply))))
        virResetLastError();
    if (mon && state->cbwTimeout)
        qemuBackupResumeStopped(obj, mon);
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);

        /* an export and its snapshot node (Fleece's own filter: a start
         * is undone even after they were made) */
        if (mon && d->snapnode && nodes && qemuQMPBlockNodeFind(nodes, d->snapnode)) {
            if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                               QEMU_QMP_BLOCK_EXPORT_DEL, "s:id", d->exportid,
                               "s:mode", "hard", NULL) < 0)
                virResetLastError();
            qemuBackupWaitExportsGone(mon, state, d);
            QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, d->snapnode));
        }
        /* Fleece's own filter: the device goes back to its node first */
        if (mon && d->ownFilter && (!nodes || qemuQMPBlockNodeFind(nodes, d->cbwnode)))
            qemuBackupCBWRemove(obj, mon, d);
        /* the transaction may have run (a process killed after it) */
        if (mon && d->tmpbitmap && nodes) {
            qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, d->topnode);

            if (top && qemuQMPBlockNodeFindBitmap(top, d->tmpbitmap))
                QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                                 QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
                                                 "s:node", d->topnode, "s:name", d->tmpbitmap,
                                                 NULL));
        }
        if (mon && (!nodes || qemuQMPBlockNodeFind(nodes, dd->store->nodeformat)))
            QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodeformat));
        if (mon && (!nodes || qemuQMPBlockNodeFind(nodes, dd->store->nodestorage)))
            QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodestorage));
        if (state->disks[i].created)
            unlink(dd->store->path);
    }
    if (state->serverStarted && mon) {
        /* the server may not have been started yet: no warning */
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_NBD_SERVER_STOP, NULL) < 0)
            virResetLastError();
    }
    qemuBackupSocketRemove(state);
    if (state->def->tlsAlias && mon) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_OBJECT_DEL, "s:id", state->def->tlsAlias, NULL) < 0)
            virResetLastError();
    }
    if (obj->job.asyncJob == QEMU_ASYNC_JOB_BACKUP) {
        ignore_value(qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_FAILED));
        ignore_value(qemuDomainAsyncJobEnd(&obj->job));
        /* a backup that never started leaves no completed job */
        qemuDomainJobDataFree(qemuDomainJobTakeCompleted(&obj->job, true));
    }
    g_clear_pointer(&obj->backup, qemuBackupStateFree);
    virResetLastError();
    rc = qemuDomainObjSaveStatus(obj);
    /* a shut-off domain's disks: the daemon goes with the backup */
    if (rc == 0 && !obj->active)
        rc = qemuStorageDaemonStop(obj, mon);
    if (rc == 0)
        virErrorRestore(&orig);
    else
        virFreeError(orig);
    return rc;
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
    g_autofree char *suffix = NULL;
    g_autofree char *chkname = NULL;
    void *chkopaque = NULL;
    qemuAgent *agent = NULL;
    size_t i, n;
    int rc;

    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("a backup of domain '%s' is already running"), obj->name);
        return -1;
    }
    if (!(def = virDomainBackupDefParseString(backupXML, 0)))
        return -1;
    if (!obj->active && (flags & VIR_DOMAIN_BACKUP_BEGIN_QUIESCE)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running: nothing to quiesce"), obj->name);
        return -1;
    }
    /* a shut-off domain's disks are served by the storage daemon, which
     * the rest treats as it treats QEMU */
    if (!(mon = obj->active ? qemuProcessConnectMonitor(obj)
                            : qemuStorageDaemonStart(obj)))
        return -1;

    actions = qemuQMPActionsNew();
    if (checkpointXML) {
        if (!qemuBackupCheckpoint) {
            virReportError(VIR_ERR_OPERATION_UNSUPPORTED, "%s",
                           _("creating a checkpoint with a backup is not available"));
            goto error;
        }
        /* the checkpoint keeps a journal of its own (see qemu_checkpoint) */
        if (qemuBackupCheckpoint->prepare(obj, mon, checkpointXML, actions,
                                          &chkname, &chkopaque) < 0)
            goto error;
        suffix = g_strdup(chkname);
    } else {
        suffix = g_strdup_printf("%lld", (long long) (g_get_real_time() / G_USEC_PER_SEC));
    }

    if (virDomainBackupAlignDisks(def, qemuDomainObjDisksDef(obj), suffix) < 0 ||
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
    /* no guest writes to a shut-off domain's disks: no bound needed */
    if (obj->active && qemuBackupIsPull(state))
        state->cbwTimeout = obj->driver->config->backupCBWTimeout;

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES, "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply)))
        goto error;
    if (qemuBackupPlanDisks(obj, nodes, state, actions) < 0)
        goto error;
    if (qemuBackupIsPull(state)) {
        if (state->def->server->tls == VIR_DOMAIN_BACKUP_TRISTATE_YES) {
            const char *dir = qemuBackupTLSDir(obj);

            if (!dir)
                goto error;
            g_free(state->def->tlsAlias);
            state->def->tlsAlias = g_strdup(QEMU_BACKUP_TLS_ALIAS);
        }
        if (qemuBackupIsUnix(state) && virFileExists(state->def->server->socket)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("socket '%s' for the backup's NBD server exists"),
                           state->def->server->socket);
            goto error;
        }
        state->serverStarted = true;
    }
    if ((flags & VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) &&
        (!obj->def->has_agent || !obj->def->agent_socket)) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("domain '%s' has no guest agent channel to quiesce with"),
                       obj->name);
        goto error;
    }

    /* the journal: the status file lists all of the plan before the
     * first step (the disks count as running: the phase says they may
     * not be yet) */
    state->phase = QEMU_BACKUP_PHASE_STARTING;
    for (i = 0; i < state->def->ndisks; i++) {
        if (state->def->disks[i].backup)
            state->def->disks[i].state = VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING;
    }
    if (obj->job.asyncJob != QEMU_ASYNC_JOB_NONE) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start a backup of domain '%s': job '%s' is running"),
                       obj->name, qemuDomainAsyncJobTypeToString(obj->job.asyncJob));
        goto error;
    }
    obj->backup = g_steal_pointer(&state);
    /* the job's move to active saves the status file */
    if (qemuDomainAsyncJobBegin(&obj->job, QEMU_ASYNC_JOB_BACKUP, flags) < 0) {
        if (obj->job.asyncJob == QEMU_ASYNC_JOB_BACKUP) {
            virErrorPtr orig = NULL;

            virErrorPreserveLast(&orig);
            ignore_value(qemuDomainAsyncJobEnd(&obj->job));
            qemuDomainJobDataFree(qemuDomainJobTakeCompleted(&obj->job, true));
            virErrorRestore(&orig);
        }
        state = g_steal_pointer(&obj->backup);
        goto error;
    }

    if (qemuBackupAttachStores(obj, mon, nodes, obj->backup) < 0)
        goto undo;
    if (qemuBackupIsPull(obj->backup)) {
        if (obj->backup->def->tlsAlias && qemuBackupAddTLS(obj, mon, obj->backup->def) < 0)
            goto undo;
        if (qemuBackupStartServer(mon, obj->backup) < 0)
            goto undo;
    }
    if ((flags & VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) && !(agent = qemuDomainFreeze(obj)))
        goto undo;
    if (obj->backup->cbwTimeout)
        rc = qemuBackupCBWTransaction(obj, mon, obj->backup, &actions);
    else
        rc = qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT);
    if (agent)
        qemuDomainThaw(obj, g_steal_pointer(&agent));
    if (rc < 0)
        goto undo;

    /* the point in time is taken: from here on the backup exists */
    if (qemuBackupIsPull(obj->backup) &&
        qemuBackupExport(mon, obj->backup, NULL, NULL) < 0)
        goto failedStart;
    obj->backup->phase = QEMU_BACKUP_PHASE_RUNNING;
    if (qemuDomainObjSaveStatus(obj) < 0)
        goto failedStart;

    if (chkopaque) {
        /* the journal of the checkpoint stays on failure: the next
         * process records it */
        if (qemuBackupCheckpoint->commit(obj, mon, chkopaque) < 0) {
            VIR_WARN("backup of '%s' started; its checkpoint will be recorded later: %s",
                     obj->name, virGetLastErrorMessage());
            virResetLastError();
        }
        chkopaque = NULL;
    }
    VIR_INFO("backup of domain '%s' started", obj->name);
    return 0;

 failedStart:
    {
        /* it runs in QEMU but cannot be used: ended at once, as failed */
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        g_clear_pointer(&mon, qemuMonitorClose);   /* End connects its own */
        obj->backup->phase = QEMU_BACKUP_PHASE_RUNNING;
        obj->backup->failedStart = true;
        if (obj->job.current && !obj->job.current->errmsg)
            obj->job.current->errmsg = g_strdup(orig && orig->message ? orig->message
                                                : _("the backup could not be set up"));
        ignore_value(qemuBackupEnd(obj, NULL));
        virErrorRestore(&orig);
        if (chkopaque) {
            /* the checkpoint's bitmaps exist since the transaction */
            ignore_value(qemuBackupCheckpoint->commit(obj, NULL, chkopaque));
            chkopaque = NULL;
        }
        return -1;
    }

 undo:
    if (agent)
        qemuDomainThaw(obj, g_steal_pointer(&agent));
    ignore_value(qemuBackupUndoStart(obj, mon));
 error:
    if (chkopaque)
        QEMU_BACKUP_QUIET((qemuBackupCheckpoint->discard(chkopaque), 0));
    /* nothing was started: the storage daemon goes again */
    if (!obj->active && !obj->backup)
        QEMU_BACKUP_QUIET(qemuStorageDaemonStop(obj, mon));
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

/* ---- recovery -------------------------------------------------------- */

/* A process died while starting the backup (the lock is ours now): if
 * QEMU's transaction ran, the backup exists and its start is finished;
 * else whatever of it exists is removed. */
static int
qemuBackupRecoverStart(qemuDomainObj *obj, qemuMonitor *mon)
{
    qemuBackupState *state = obj->backup;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(virJSONValue) reply2 = NULL;
    g_autoptr(virJSONValue) reply3 = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(GPtrArray) exports = NULL;
    bool ran = false;
    size_t i;

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(jobs = qemuQMPParseJobs(reply)))
        return -1;
    for (i = 0; i < state->ndisks; i++)
        ran |= !!qemuBackupFindJob(jobs, state->disks[i].jobid);
    /* with Fleece's own filter there is no QEMU job telling whether the
     * point in time was taken: the start is undone */
    if (!ran || state->cbwTimeout) {
        VIR_WARN("rolling back the interrupted start of the backup of domain '%s'",
                 obj->name);
        return qemuBackupUndoStart(obj, mon);
    }

    VIR_WARN("finishing the interrupted start of the backup of domain '%s'", obj->name);
    if (qemuBackupIsPull(state)) {
        g_autofree char *temp = NULL;

        if (qemuBackupIsUnix(state) && !virFileExists(state->def->server->socket) &&
            virFileExists((temp = qemuBackupSocketTemp(state->def->server->socket))) &&
            qemuBackupSocketPublish(state) < 0)
            return -1;
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply2,
                           QEMU_QMP_QUERY_NAMED_BLOCK_NODES, "b:flat", true, NULL) < 0 ||
            !(nodes = qemuQMPParseNamedBlockNodes(reply2)) ||
            qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply3,
                           QEMU_QMP_QUERY_BLOCK_EXPORTS, NULL) < 0 ||
            !(exports = qemuQMPParseBlockExports(reply3)))
            return -1;
        if (qemuBackupExport(mon, state, nodes, exports) < 0) {
            state->failedStart = true;
            if (obj->job.current && !obj->job.current->errmsg)
                obj->job.current->errmsg = g_strdup(virGetLastErrorMessage());
            virResetLastError();
        }
    }
    state->phase = QEMU_BACKUP_PHASE_RUNNING;
    return qemuDomainObjSaveStatus(obj);
}

/* ---- ending ------------------------------------------------------------ */

/* Remove what one disk's job used in QEMU, in an order QEMU accepts
 * whatever state the job is in: export, snapshot node, the job, the
 * store's nodes, the temporary bitmap.  Idempotent: a step whose object
 * is already gone is skipped. */
static void
qemuBackupDiskCleanup(qemuDomainObj *obj, qemuMonitor *mon, qemuBackupState *state,
                      qemuBackupDisk *d, GPtrArray *jobs)
{
    virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) nodes = NULL;

    if (!mon)
        return;
    if (qemuBackupIsPull(state) && d->exportid) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_EXPORT_DEL,
                           "s:id", d->exportid, "s:mode", "hard", NULL) < 0)
            virResetLastError();              /* gone already */
        qemuBackupWaitExportsGone(mon, state, d);
    }
    if (qemuBackupFindJob(jobs, d->jobid))
        QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                         QEMU_QMP_JOB_DISMISS, "s:id", d->jobid, NULL));
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES, "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply))) {
        VIR_WARN("cannot list the nodes of the backup of disk '%s': %s", d->name,
                 virGetLastErrorMessage());
        virResetLastError();
        return;
    }
    if (d->snapnode && qemuQMPBlockNodeFind(nodes, d->snapnode))
        QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, d->snapnode));
    /* Fleece's own filter: the device goes back to its node first */
    if (d->ownFilter && qemuQMPBlockNodeFind(nodes, d->cbwnode))
        qemuBackupCBWRemove(obj, mon, d);
    if (qemuQMPBlockNodeFind(nodes, dd->store->nodeformat))
        QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodeformat));
    if (qemuQMPBlockNodeFind(nodes, dd->store->nodestorage))
        QEMU_BACKUP_QUIET(qemuBackupBlockdevDel(mon, dd->store->nodestorage));
    if (d->tmpbitmap) {
        qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, d->topnode);

        if (top && qemuQMPBlockNodeFindBitmap(top, d->tmpbitmap))
            QEMU_BACKUP_QUIET(qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                             QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
                                             "s:node", d->topnode, "s:name", d->tmpbitmap,
                                             NULL));
    }
}

static bool
qemuBackupDiskActive(int state)
{
    return state == VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING ||
           state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING;
}

/* Ask QEMU to stop the job of a disk whose cancel is journalled; pull:
 * the export goes first, so no client reads on while it winds down. */
static void
qemuBackupCancelDisk(qemuMonitor *mon, qemuBackupState *state, qemuBackupDisk *d)
{
    if (qemuBackupIsPull(state) && d->exportid) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_EXPORT_DEL,
                           "s:id", d->exportid, "s:mode", "hard", NULL) < 0)
            virResetLastError();
    }
    /* Fleece's own filter has no job: it goes with the disk's cleanup */
    if (d->ownFilter)
        return;
    /* a job that concluded meanwhile refuses: the next look sees it */
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_JOB_CANCEL,
                       "s:device", d->jobid, "b:force", true, NULL) < 0)
        virResetLastError();
}

/* Journal a cancel of every running disk, then ask QEMU to stop every
 * disk being cancelled (again, after a crash: asking twice is harmless). */
static int
qemuBackupCancelAll(qemuDomainObj *obj, qemuMonitor *mon)
{
    qemuBackupState *state = obj->backup;
    size_t i;

    for (i = 0; i < state->ndisks; i++) {
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, state->disks[i].name);

        if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING)
            dd->state = VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING;
    }
    if (qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    for (i = 0; i < state->ndisks; i++) {
        if (qemuBackupDiskDef(state, state->disks[i].name)->state ==
            VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING)
            qemuBackupCancelDisk(mon, state, &state->disks[i]);
    }
    return 0;
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

    if (!mon || !obj->active ||
        (obj->state == VIR_DOMAIN_PAUSED && obj->reason != VIR_DOMAIN_PAUSED_IOERROR))
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

/* Every disk is done: record the outcome, then remove what the backup
 * as a whole used and free the slot. */
static int
qemuBackupTerminate(qemuDomainObj *obj, qemuMonitor *mon, int status,
                    qemuDomainJobData **done)
{
    qemuBackupState *state = obj->backup;

    if (state->phase != QEMU_BACKUP_PHASE_TERMINATING) {
        state->phase = QEMU_BACKUP_PHASE_TERMINATING;
        state->outcome = status;
        if (qemuDomainObjSaveStatus(obj) < 0)
            return -1;
    }
    status = state->outcome;
    if (status == QEMU_DOMAIN_JOB_STATUS_FAILED)
        qemuBackupResumeAfterIOError(obj, mon);
    if (mon && state->serverStarted) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_NBD_SERVER_STOP, NULL) < 0)
            virResetLastError();          /* stopped before a crash */
    }
    qemuBackupSocketRemove(state);
    if (state->def->tlsAlias && mon) {
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                           QEMU_QMP_OBJECT_DEL, "s:id", state->def->tlsAlias, NULL) < 0)
            virResetLastError();
    }
    qemuBackupRemoveFiles(state, status);
    if (obj->job.current && obj->job.current->status != status)
        ignore_value(qemuDomainJobSetStatus(&obj->job, status));
    ignore_value(qemuDomainAsyncJobEnd(&obj->job));
    g_clear_pointer(&obj->backup, qemuBackupStateFree);
    if (qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    if (done)
        *done = qemuDomainJobTakeCompleted(&obj->job, false);
    VIR_INFO("backup of domain '%s' ended: %s", obj->name,
             qemuDomainJobStatusTypeToString(status));
    /* a shut-off domain's disks: the daemon goes with the backup (a
     * process killed before leaves it to the next, see qemu_storage.h) */
    if (!obj->active && qemuStorageDaemonStop(obj, mon) < 0) {
        VIR_WARN("cannot stop the storage daemon of domain '%s': %s", obj->name,
                 virGetLastErrorMessage());
        virResetLastError();
    }
    return 0;
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

/* The outcome of a disk whose job concluded (@j) or vanished (NULL). */
static int
qemuBackupDiskOutcome(qemuDomainObj *obj, qemuBackupDisk *d,
                      virDomainBackupDiskDef *dd, qemuQMPJob *j)
{
    if (j) {
        d->current = j->current;
        d->total = j->total;
    }
    if (!j) {
        VIR_WARN("QEMU job '%s' of the backup of '%s' vanished", d->jobid, obj->name);
        if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING)
            return VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
        if (obj->job.current && !obj->job.current->errmsg)
            obj->job.current->errmsg = g_strdup_printf(_("disk '%s': QEMU's job '%s' is gone"),
                                                       d->name, d->jobid);
        return VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
    }
    if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING)
        return VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
    if (j->error) {
        if (obj->job.current && !obj->job.current->errmsg)
            obj->job.current->errmsg = g_strdup_printf("disk '%s': %s", d->name, j->error);
        return VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
    }
    return VIR_DOMAIN_BACKUP_DISK_STATE_COMPLETE;
}

/* A disk with Fleece's own filter has no QEMU job: it runs until End
 * cancels it, or fails when its snapshot was dropped because a guest
 * write outwaited the bound.  Its new state (running: nothing new). */
static int
qemuBackupOwnFilterOutcome(qemuDomainObj *obj, qemuBackupState *state,
                           qemuBackupDisk *d, virDomainBackupDiskDef *dd)
{
    if (dd->state == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLING)
        return VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
    if (!qemuBackupCBWBroken(state, d))
        return VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING;
    if (obj->job.current && !obj->job.current->errmsg)
        obj->job.current->errmsg =
            g_strdup_printf(_("disk '%s': a guest write waited longer than %u s for copy-before-write, so the snapshot was dropped and the guest went on"),
                            d->name, state->cbwTimeout);
    return VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
}

/* A locked caller finds a job slot taken by a backup the status file
 * does not have (an older crash): it is freed, as failed. */
static int
qemuBackupClearStaleJob(qemuDomainObj *obj)
{
    VIR_WARN("freeing the job slot of domain '%s', held by a backup that is gone",
             obj->name);
    if (obj->job.current && !obj->job.current->errmsg)
        obj->job.current->errmsg = g_strdup(_("the backup was lost"));
    ignore_value(qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_FAILED));
    ignore_value(qemuDomainAsyncJobEnd(&obj->job));
    return qemuDomainObjSaveStatus(obj);
}

int
qemuBackupRefreshProgress(qemuDomainObj *obj, unsigned int timeout_ms)
{
    g_autofree char *path = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) jobs = NULL;

    if (!obj->backup || !qemuDomainObjDisksOpen(obj))
        return 0;
    if (obj->active)
        path = qemuDriverMonitorPath(obj->driver, obj->name);
    else
        path = g_strdup(obj->storage->socket);
    if (!(mon = qemuMonitorOpen(path, timeout_ms)) ||
        qemuQMPExecute(mon, timeout_ms, &reply, QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(jobs = qemuQMPParseJobs(reply)))
        return -1;
    qemuBackupUpdateStats(obj, jobs);
    return 0;
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
    bool decided = false;
    size_t i;

    if (done)
        *done = NULL;
    /* only a process holding the lock for changes may finish what
     * another left */
    if (!obj->lock || obj->driver->readonly)
        return 0;
    if (!state) {
        if (obj->job.asyncJob == QEMU_ASYNC_JOB_BACKUP)
            return qemuBackupClearStaleJob(obj);
        return 0;
    }
    if (!mon && !(mon = ownmon = qemuProcessConnectMonitor(obj)))
        return -1;
    if (state->phase == QEMU_BACKUP_PHASE_STARTING) {
        if (qemuBackupRecoverStart(obj, mon) < 0)
            return -1;
        if (!(state = obj->backup))
            return 0;
    }
    if (state->phase == QEMU_BACKUP_PHASE_TERMINATING)
        return qemuBackupTerminate(obj, mon, state->outcome, done);

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(jobs = qemuQMPParseJobs(reply)))
        return -1;

    /* the outcome of every disk whose job is over, recorded first */
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];
        virDomainBackupDiskDef *dd = qemuBackupDiskDef(state, d->name);
        qemuQMPJob *j = qemuBackupFindJob(jobs, d->jobid);

        if (!qemuBackupDiskActive(dd->state))
            continue;
        if (d->ownFilter) {
            int st = qemuBackupOwnFilterOutcome(obj, state, d, dd);

            if (st == VIR_DOMAIN_BACKUP_DISK_STATE_RUNNING)
                continue;
            dd->state = st;
            d->cleaned = false;
            decided = true;
            continue;
        }
        if (j && j->status != QEMU_QMP_JOB_STATUS_CONCLUDED &&
            j->status != QEMU_QMP_JOB_STATUS_NULL)
            continue;
        dd->state = qemuBackupDiskOutcome(obj, d, dd, j);
        d->cleaned = false;
        decided = true;
    }
    if (decided && qemuDomainObjSaveStatus(obj) < 0)
        return -1;

    /* then QEMU's side of those disks goes */
    for (i = 0; i < state->ndisks; i++) {
        qemuBackupDisk *d = &state->disks[i];

        if (qemuBackupDiskActive(qemuBackupDiskDef(state, d->name)->state) || d->cleaned)
            continue;
        qemuBackupDiskCleanup(obj, mon, state, d, jobs);
        d->cleaned = true;
    }

    for (i = 0; i < state->ndisks; i++) {
        int st = qemuBackupDiskDef(state, state->disks[i].name)->state;

        anyActive |= qemuBackupDiskActive(st);
        anyFailed |= st == VIR_DOMAIN_BACKUP_DISK_STATE_FAILED;
        anyCancelled |= st == VIR_DOMAIN_BACKUP_DISK_STATE_CANCELLED;
    }
    /* one disk failing ends the whole backup */
    if (anyActive && (anyFailed || anyCancelled) && qemuBackupCancelAll(obj, mon) < 0)
        return -1;
    qemuBackupUpdateStats(obj, jobs);

    if (!anyActive) {
        int status = QEMU_DOMAIN_JOB_STATUS_COMPLETED;

        if (anyFailed || state->failedStart)
            status = QEMU_DOMAIN_JOB_STATUS_FAILED;
        else if (anyCancelled && !qemuBackupIsPull(state))
            status = QEMU_DOMAIN_JOB_STATUS_CANCELED;
        return qemuBackupTerminate(obj, mon, status, done);
    }
    return qemuDomainObjSaveStatus(obj);
}

int
qemuBackupEnd(qemuDomainObj *obj, qemuDomainJobData **done)
{
    g_autoptr(qemuMonitor) mon = NULL;
    gint64 deadline;

    if (done)
        *done = NULL;
    if (!obj->backup) {
        virReportError(VIR_ERR_NO_DOMAIN_BACKUP, "%s",
                       _("no domain backup job present"));
        return -1;
    }
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;
    /* jobs that ended on their own (and a half-done start) come first */
    if (qemuBackupReconcile(obj, mon, done) < 0)
        return -1;
    if (!obj->backup)
        return 0;

    if (obj->job.current && obj->job.current->status == QEMU_DOMAIN_JOB_STATUS_ACTIVE)
        ignore_value(qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_CANCELLING));
    if (qemuBackupCancelAll(obj, mon) < 0)
        return -1;

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
    if (obj->job.current && !obj->job.current->errmsg) {
        const char *why = crashed ? _("QEMU exited during the backup")
                                  : _("the domain was stopped during the backup");

        if (!obj->active)
            why = _("the storage daemon serving the disks exited during the backup");
        obj->job.current->errmsg = g_strdup(why);
    }
    state->serverStarted = false;   /* goes with QEMU */
    if (state->phase != QEMU_BACKUP_PHASE_TERMINATING) {
        state->phase = QEMU_BACKUP_PHASE_TERMINATING;
        state->outcome = QEMU_DOMAIN_JOB_STATUS_FAILED;
    }
    if (qemuBackupTerminate(obj, NULL, state->outcome, done) < 0) {
        VIR_WARN("cannot record the end of the backup of domain '%s': %s",
                 obj->name, virGetLastErrorMessage());
        virResetLastError();
    }
}

/*
 * backup_conf.c: parsing, formatting and default filling of the
 * <domainbackup> document
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/types.h>

#include "backup_conf.h"
#include "virerror.h"
#include "virlog.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

VIR_LOG_INIT("conf.backup_conf");

VIR_ENUM_IMPL(virDomainBackup, VIR_DOMAIN_BACKUP_TYPE_LAST,
              "push", "pull");

VIR_ENUM_IMPL(virDomainBackupDiskState, VIR_DOMAIN_BACKUP_DISK_STATE_LAST,
              "", "running", "complete", "failed", "cancelling", "cancelled");

VIR_ENUM_IMPL(virDomainBackupDiskBackupMode,
              VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_LAST,
              "", "full", "incremental");

VIR_ENUM_IMPL(virDomainBackupServerTransport,
              VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_LAST,
              "tcp", "unix", "rdma", "fd");

VIR_ENUM_IMPL(virDomainBackupTristate, VIR_DOMAIN_BACKUP_TRISTATE_LAST,
              "", "yes", "no");

/* Highest TCP port number; the schema only asks for an unsigned int. */
#define VIR_DOMAIN_BACKUP_PORT_MAX 65535

/* Release what one disk entry owns (the entry itself lives in an array). */
static void
virDomainBackupDiskDefClear(virDomainBackupDiskDef *disk)
{
    g_clear_pointer(&disk->name, g_free);
    g_clear_pointer(&disk->incremental, g_free);
    g_clear_pointer(&disk->exportname, g_free);
    g_clear_pointer(&disk->exportbitmap, g_free);
    g_clear_pointer(&disk->store, virStorageSourceFree);
}

/* Free a server definition; NULL-safe. */
static void
virDomainBackupServerDefFree(virDomainBackupServerDef *server)
{
    if (!server)
        return;
    g_free(server->name);
    g_free(server->socket);
    g_free(server->fdgroup);
    g_free(server);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainBackupServerDef,
                              virDomainBackupServerDefFree);

/* Free a backup definition and everything it owns; NULL-safe. */
void
virDomainBackupDefFree(virDomainBackupDef *def)
{
    size_t i;

    if (!def)
        return;
    g_free(def->incremental);
    virDomainBackupServerDefFree(def->server);
    for (i = 0; i < def->ndisks; i++)
        virDomainBackupDiskDefClear(&def->disks[i]);
    g_free(def->disks);
    g_free(def->tlsAlias);
    g_free(def->tlsSecretAlias);
    g_free(def);
}


/* ---- parsing ---------------------------------------------------------- */

/* Read <server>: which transport, where, and whether TLS is wanted. */
static virDomainBackupServerDef *
virDomainBackupServerDefParseXML(xmlNodePtr node)
{
    g_autoptr(virDomainBackupServerDef) server = g_new0(virDomainBackupServerDef, 1);
    g_autofree char *transport = virXMLPropString(node, "transport");

    if (transport) {
        server->transport = virDomainBackupServerTransportTypeFromString(transport);
        if (server->transport < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("unknown backup server transport '%s'"),
                           transport);
            return NULL;
        }
    }
    if (server->transport == VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_RDMA) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("backup server transport '%s' is not supported"),
                       transport);
        return NULL;
    }

    if (virXMLPropTristateBool(node, "tls", &server->tls) < 0 ||
        virXMLPropUInt(node, "port", &server->port) < 0)
        return NULL;
    server->name = virXMLPropString(node, "name");
    server->socket = virXMLPropString(node, "socket");
    server->fdgroup = virXMLPropString(node, "fdgroup");

    switch ((virDomainBackupServerTransport) server->transport) {
    case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_TCP:
        if (server->port > VIR_DOMAIN_BACKUP_PORT_MAX) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("backup server port '%u' is out of range"),
                           server->port);
            return NULL;
        }
        break;
    case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_UNIX:
        if (!server->socket) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("backup server over unix transport needs a socket path"));
            return NULL;
        }
        if (!g_path_is_absolute(server->socket)) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("backup server socket path '%s' is not absolute"),
                           server->socket);
            return NULL;
        }
        break;
    case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_FD:
        if (!server->fdgroup) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("backup server over fd transport needs an fdgroup"));
            return NULL;
        }
        break;
    case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_RDMA:
    case VIR_DOMAIN_BACKUP_SERVER_TRANSPORT_LAST:
        break;
    }

    return g_steal_pointer(&server);
}

/* Read the target (push) or scratch (pull) image of a backed-up disk:
 * its type from the disk's 'type', its format from <driver type>, the
 * rest from the <target>/<scratch> element. */
static virStorageSource *
virDomainBackupDiskStoreParseXML(xmlNodePtr node, xmlXPathContextPtr ctxt,
                                 const virDomainBackupDiskDef *disk,
                                 bool push, bool internal)
{
    g_autoptr(virStorageSource) store = virStorageSourceNew();
    g_autofree char *type = virXMLPropString(node, "type");
    g_autofree char *format = virXPathString("string(./driver/@type)", ctxt);
    xmlNodePtr storeNode;

    store->type = VIR_STORAGE_TYPE_FILE;
    if (type) {
        store->type = virStorageTypeFromString(type);
        if (store->type != VIR_STORAGE_TYPE_FILE &&
            store->type != VIR_STORAGE_TYPE_BLOCK) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unsupported storage type '%s' for backup disk '%s'"),
                           type, disk->name);
            return NULL;
        }
    }

    if (format) {
        store->format = virStorageFileFormatTypeFromString(format);
        if (store->format <= 0) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown image format '%s' for backup disk '%s'"),
                           format, disk->name);
            return NULL;
        }
    }

    storeNode = virXPathNode(push ? "./target" : "./scratch", ctxt);
    if (storeNode &&
        virStorageSourceParseXML(storeNode, ctxt, store,
                                 internal ? VIR_STORAGE_SOURCE_XML_STATUS : 0) < 0)
        return NULL;

    /* the status form records the image's index on the disk element */
    if (internal && virXMLPropUInt(node, "index", &store->id) < 0)
        return NULL;

    return g_steal_pointer(&store);
}

/* Read one <disk> of <disks> into disk (zero-filled by the caller). */
static int
virDomainBackupDiskDefParseXML(xmlNodePtr node, xmlXPathContextPtr ctxt,
                               virDomainBackupDiskDef *disk,
                               bool push, bool internal)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt);
    g_autofree char *mode = NULL;
    g_autofree char *state = NULL;
    int backup = VIR_DOMAIN_BACKUP_TRISTATE_ABSENT;

    ctxt->node = node;

    if (!(disk->name = virXMLPropString(node, "name"))) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("backup disk element has no name"));
        return -1;
    }

    if (virXMLPropTristateBool(node, "backup", &backup) < 0)
        return -1;
    disk->backup = backup != VIR_DOMAIN_BACKUP_TRISTATE_NO;
    if (!disk->backup)
        return 0;

    if (internal) {
        if (!(state = virXMLPropString(node, "state"))) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("backup disk '%s' has no state"), disk->name);
            return -1;
        }
        disk->state = virDomainBackupDiskStateTypeFromString(state);
        if (disk->state <= 0) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("invalid state '%s' of backup disk '%s'"),
                           state, disk->name);
            return -1;
        }
    }

    if (!push) {
        disk->exportname = virXMLPropString(node, "exportname");
        disk->exportbitmap = virXMLPropString(node, "exportbitmap");
    }

    if ((mode = virXMLPropString(node, "backupmode"))) {
        disk->backupmode = virDomainBackupDiskBackupModeTypeFromString(mode);
        if (disk->backupmode <= 0) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("invalid backup mode '%s' of disk '%s'"),
                           mode, disk->name);
            return -1;
        }
    }
    disk->incremental = virXMLPropString(node, "incremental");
    if (disk->incremental &&
        disk->backupmode == VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_FULL) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("backup disk '%s' in full mode cannot name checkpoint '%s'"),
                       disk->name, disk->incremental);
        return -1;
    }

    if (!(disk->store = virDomainBackupDiskStoreParseXML(node, ctxt, disk,
                                                         push, internal)))
        return -1;
    return 0;
}

/* Read Fleece's extensions: children of the root in Fleece's namespace.
 * <fleece:bandwidth>BYTES</fleece:bandwidth> limits each disk's push
 * copy (0: no limit, whatever the default). */
static int
virDomainBackupDefParseFleece(xmlNodePtr root, virDomainBackupDef *def)
{
    xmlNodePtr cur;

    for (cur = root->children; cur; cur = cur->next) {
        g_autofree char *text = NULL;
        char *end = NULL;

        if (cur->type != XML_ELEMENT_NODE || !cur->ns || !cur->ns->href ||
            !xmlStrEqual(cur->ns->href, BAD_CAST VIR_DOMAIN_BACKUP_FLEECE_NS))
            continue;
        if (!xmlStrEqual(cur->name, BAD_CAST "bandwidth")) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown Fleece element '%s' in a backup"),
                           (const char *) cur->name);
            return -1;
        }
        if (def->bandwidthSet) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("element 'bandwidth' appears more than once in a backup"));
            return -1;
        }
        text = virXMLNodeContentString(cur);
        if (text)
            g_strstrip(text);
        if (!text || !g_ascii_isdigit(*text) ||
            (def->bandwidth = g_ascii_strtoull(text, &end, 10), *end) ||
            def->bandwidth > G_MAXINT64) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("invalid backup bandwidth '%s' (bytes per second expected)"),
                           text ? text : "");
            return -1;
        }
        def->bandwidthSet = true;
    }
    if (def->bandwidthSet && def->type != VIR_DOMAIN_BACKUP_TYPE_PUSH) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("a bandwidth limit applies to push backups only (a pull backup is read at the client's pace)"));
        return -1;
    }
    return 0;
}

/* Read the whole <domainbackup> element at ctxt->node. */
static virDomainBackupDef *
virDomainBackupDefParseXML(xmlXPathContextPtr ctxt, bool internal)
{
    g_autoptr(virDomainBackupDef) def = g_new0(virDomainBackupDef, 1);
    g_autofree xmlNodePtr *nodes = NULL;
    g_autofree char *mode = virXMLPropString(ctxt->node, "mode");
    xmlNodePtr serverNode;
    bool push;
    int n;
    size_t i;

    if (mode) {
        def->type = virDomainBackupTypeFromString(mode);
        if (def->type < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("unknown backup mode '%s'"), mode);
            return NULL;
        }
    }
    push = def->type == VIR_DOMAIN_BACKUP_TYPE_PUSH;

    def->incremental = virXPathString("string(./incremental)", ctxt);
    if (virDomainBackupDefParseFleece(ctxt->node, def) < 0)
        return NULL;

    if ((serverNode = virXPathNode("./server", ctxt))) {
        if (push) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                           _("the <server> element is only valid in a pull mode backup"));
            return NULL;
        }
        if (!(def->server = virDomainBackupServerDefParseXML(serverNode)))
            return NULL;
    }

    n = virXPathNodeSet("./disks/disk", ctxt, &nodes);
    def->disks = g_new0(virDomainBackupDiskDef, n);
    for (i = 0; i < (size_t) n; i++) {
        def->ndisks++;
        if (virDomainBackupDiskDefParseXML(nodes[i], ctxt, &def->disks[i],
                                           push, internal) < 0)
            return NULL;
    }

    if (internal) {
        def->tlsAlias =
            virXPathString("string(./privateData/objects/TLSx509/@alias)", ctxt);
        def->tlsSecretAlias =
            virXPathString("string(./privateData/objects/secret[@type='tlskey']/@alias)",
                           ctxt);
    }

    return g_steal_pointer(&def);
}

/* Check the public flavour against the schema; a <domainbackup> inside a
 * larger document is validated as a document of its own. */
static int
virDomainBackupDefValidateNode(xmlDocPtr xml, xmlNodePtr root)
{
    g_autoptr(xmlDoc) copy = NULL;

    if (root == xmlDocGetRootElement(xml))
        return virXMLValidateAgainstSchema("domainbackup", xml);

    copy = xmlNewDoc(BAD_CAST "1.0");
    xmlDocSetRootElement(copy, xmlDocCopyNode(root, copy, 1));
    return virXMLValidateAgainstSchema("domainbackup", copy);
}

/* Parse the <domainbackup> element root of xml; the public flavour is
 * validated first, so users get schema errors before semantic ones. */
virDomainBackupDef *
virDomainBackupDefParseNode(xmlDocPtr xml, xmlNodePtr root,
                            unsigned int flags)
{
    g_autoptr(xmlXPathContext) ctxt = NULL;
    bool internal = !!(flags & VIR_DOMAIN_BACKUP_PARSE_INTERNAL);

    virCheckFlags(VIR_DOMAIN_BACKUP_PARSE_INTERNAL, NULL);

    if (!xmlStrEqual(root->name, BAD_CAST "domainbackup")) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("expected element 'domainbackup', but found '%s'"),
                       (const char *) root->name);
        return NULL;
    }

    if (!internal && virDomainBackupDefValidateNode(xml, root) < 0)
        return NULL;

    ctxt = xmlXPathNewContext(xml);
    ctxt->node = root;
    return virDomainBackupDefParseXML(ctxt, internal);
}

/* Parse a whole <domainbackup> document (see ParseNode for flags). */
virDomainBackupDef *
virDomainBackupDefParseString(const char *xmlStr, unsigned int flags)
{
    g_autoptr(xmlDoc) xml = NULL;

    virCheckFlags(VIR_DOMAIN_BACKUP_PARSE_INTERNAL, NULL);

    if (!(xml = virXMLParseString(xmlStr, "domainbackup.xml", "domainbackup",
                                  NULL)))
        return NULL;
    return virDomainBackupDefParseNode(xml, xmlDocGetRootElement(xml), flags);
}


/* ---- formatting ------------------------------------------------------- */

/* Write <server .../>: transport always, the other attributes when set. */
static void
virDomainBackupServerDefFormat(virBuffer *buf,
                               const virDomainBackupServerDef *server)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;

    virBufferAsprintf(&attrBuf, " transport='%s'",
                      virDomainBackupServerTransportTypeToString(server->transport));
    if (server->tls != VIR_DOMAIN_BACKUP_TRISTATE_ABSENT)
        virBufferAsprintf(&attrBuf, " tls='%s'",
                          virDomainBackupTristateTypeToString(server->tls));
    virBufferEscapeString(&attrBuf, " name='%s'", server->name);
    if (server->port)
        virBufferAsprintf(&attrBuf, " port='%u'", server->port);
    virBufferEscapeString(&attrBuf, " socket='%s'", server->socket);
    virBufferEscapeString(&attrBuf, " fdgroup='%s'", server->fdgroup);

    virXMLFormatElement(buf, "server", &attrBuf, NULL);
}

/* Write one <disk>: an excluded disk is only its name; a backed-up disk
 * carries its mode, export names and image. */
static void
virDomainBackupDiskDefFormat(virBuffer *buf,
                             const virDomainBackupDiskDef *disk,
                             bool push, bool internal)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) childBuf = VIR_BUFFER_INIT_CHILD(buf);
    const virStorageSource *store = disk->store;

    virBufferEscapeString(&attrBuf, " name='%s'", disk->name);
    virBufferAsprintf(&attrBuf, " backup='%s'",
                      virDomainBackupTristateTypeToString(disk->backup ?
                                                          VIR_DOMAIN_BACKUP_TRISTATE_YES :
                                                          VIR_DOMAIN_BACKUP_TRISTATE_NO));
    if (!disk->backup) {
        virXMLFormatElement(buf, "disk", &attrBuf, NULL);
        return;
    }

    if (internal && disk->state != VIR_DOMAIN_BACKUP_DISK_STATE_NONE)
        virBufferAsprintf(&attrBuf, " state='%s'",
                          virDomainBackupDiskStateTypeToString(disk->state));
    if (store && store->type != VIR_STORAGE_TYPE_NONE)
        virBufferAsprintf(&attrBuf, " type='%s'",
                          virStorageTypeToString(store->type));
    if (disk->backupmode != VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_DEFAULT)
        virBufferAsprintf(&attrBuf, " backupmode='%s'",
                          virDomainBackupDiskBackupModeTypeToString(disk->backupmode));
    virBufferEscapeString(&attrBuf, " incremental='%s'", disk->incremental);
    virBufferEscapeString(&attrBuf, " exportname='%s'", disk->exportname);
    virBufferEscapeString(&attrBuf, " exportbitmap='%s'", disk->exportbitmap);
    if (store && store->id)
        virBufferAsprintf(&attrBuf, " index='%u'", store->id);

    if (store) {
        if (store->format > VIR_STORAGE_FILE_NONE)
            virBufferAsprintf(&childBuf, "<driver type='%s'/>\n",
                              virStorageFileFormatTypeToString(store->format));
        virStorageSourceFormatXML(&childBuf, push ? "target" : "scratch",
                                  store, false,
                                  internal ? VIR_STORAGE_SOURCE_XML_STATUS : 0);
    }

    virXMLFormatElement(buf, "disk", &attrBuf, &childBuf);
}

/* Write the document in libvirt's layout: 2-space indentation, single
 * quotes, fixed attribute order; status data only when internal. */
int
virDomainBackupDefFormat(virBuffer *buf, const virDomainBackupDef *def,
                         bool internal)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) childBuf = VIR_BUFFER_INIT_CHILD(buf);
    g_auto(virBuffer) disksBuf = VIR_BUFFER_INIT_CHILD(&childBuf);
    bool push = def->type == VIR_DOMAIN_BACKUP_TYPE_PUSH;
    const char *mode = virDomainBackupTypeToString(def->type);
    size_t i;

    if (!mode) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unexpected backup mode %d"), def->type);
        return -1;
    }
    virBufferAsprintf(&attrBuf, " mode='%s'", mode);

    virBufferEscapeString(&childBuf, "<incremental>%s</incremental>\n",
                          def->incremental);
    if (def->server)
        virDomainBackupServerDefFormat(&childBuf, def->server);

    for (i = 0; i < def->ndisks; i++)
        virDomainBackupDiskDefFormat(&disksBuf, &def->disks[i], push, internal);
    virXMLFormatElement(&childBuf, "disks", NULL, &disksBuf);
    if (def->bandwidthSet) {
        virBufferAsprintf(&attrBuf, " xmlns:%s='%s'",
                          VIR_DOMAIN_BACKUP_FLEECE_PREFIX, VIR_DOMAIN_BACKUP_FLEECE_NS);
        virBufferAsprintf(&childBuf, "<%s:bandwidth>%llu</%s:bandwidth>\n",
                          VIR_DOMAIN_BACKUP_FLEECE_PREFIX, def->bandwidth,
                          VIR_DOMAIN_BACKUP_FLEECE_PREFIX);
    }

    if (internal && (def->tlsAlias || def->tlsSecretAlias)) {
        g_auto(virBuffer) privBuf = VIR_BUFFER_INIT_CHILD(&childBuf);
        g_auto(virBuffer) objBuf = VIR_BUFFER_INIT_CHILD(&privBuf);

        virBufferEscapeString(&objBuf, "<secret type='tlskey' alias='%s'/>\n",
                              def->tlsSecretAlias);
        virBufferEscapeString(&objBuf, "<TLSx509 alias='%s'/>\n",
                              def->tlsAlias);
        virXMLFormatElement(&privBuf, "objects", NULL, &objBuf);
        virXMLFormatElement(&childBuf, "privateData", NULL, &privBuf);
    }

    virXMLFormatElement(buf, "domainbackup", &attrBuf, &childBuf);
    return 0;
}

/* The formatted document as a new string, for callers without a buffer. */
char *
virDomainBackupDefFormatString(const virDomainBackupDef *def, bool internal)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    if (virDomainBackupDefFormat(&buf, def, internal) < 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}


/* ---- alignment with the domain --------------------------------------- */

/* Whether a domain disk has an image behind it (an empty CD-ROM has not). */
static bool
virDomainBackupDomainDiskHasMedia(const virDomainDiskDef *domdisk)
{
    const virStorageSource *src = domdisk->src;

    if (!src || src->type == VIR_STORAGE_TYPE_NONE)
        return false;
    switch ((virStorageType) src->type) {
    case VIR_STORAGE_TYPE_FILE:
    case VIR_STORAGE_TYPE_BLOCK:
    case VIR_STORAGE_TYPE_DIR:
        return src->path && *src->path;
    case VIR_STORAGE_TYPE_NONE:
    case VIR_STORAGE_TYPE_NETWORK:
    case VIR_STORAGE_TYPE_VOLUME:
    case VIR_STORAGE_TYPE_NVME:
    case VIR_STORAGE_TYPE_VHOST_USER:
    case VIR_STORAGE_TYPE_VHOST_VDPA:
    case VIR_STORAGE_TYPE_LAST:
        break;
    }
    return true;
}

/* Whether the disk will need a generated file name for its image. */
static bool
virDomainBackupDiskNeedsStoreName(const virDomainBackupDiskDef *disk)
{
    return !disk->store || !disk->store->path;
}

/* Check that a backed-up disk can be given an image: the domain disk has
 * media, and a generated name can be derived from a local file. */
static int
virDomainBackupDiskCheckStore(const virDomainBackupDiskDef *disk,
                              const virDomainDiskDef *domdisk)
{
    if (!virDomainBackupDomainDiskHasMedia(domdisk)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("disk '%s' has no media to back up"), disk->name);
        return -1;
    }
    if (virDomainBackupDiskNeedsStoreName(disk) &&
        domdisk->src->type != VIR_STORAGE_TYPE_FILE) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("cannot generate a backup file name for disk '%s' whose source is not a local file"),
                       disk->name);
        return -1;
    }
    return 0;
}

/* Give a backed-up disk its defaults: the image name SOURCE.SUFFIX when
 * none was given, and its backup mode and checkpoint.  Cannot fail:
 * virDomainBackupDiskCheckStore ran before. */
static void
virDomainBackupDiskFill(virDomainBackupDiskDef *disk,
                        const virDomainBackupDef *def,
                        const virDomainDiskDef *domdisk,
                        const char *suffix)
{
    if (virDomainBackupDiskNeedsStoreName(disk)) {
        if (!disk->store)
            disk->store = virStorageSourceNew();
        disk->store->type = VIR_STORAGE_TYPE_FILE;
        disk->store->path = g_strdup_printf("%s.%s", domdisk->src->path, suffix);
    }

    if (disk->backupmode == VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_DEFAULT) {
        disk->backupmode = (disk->incremental || def->incremental) ?
            VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_INCREMENTAL :
            VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_FULL;
    }
    if (disk->backupmode == VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_INCREMENTAL &&
        !disk->incremental)
        disk->incremental = g_strdup(def->incremental);
}

/* Index of the domain disk with target dst, or -1. */
static ssize_t
virDomainBackupDomainDiskIndex(virDomainDef *dom, const char *dst)
{
    virDomainDiskDef *domdisk = virDomainDiskByTarget(dom, dst);
    size_t i;

    for (i = 0; domdisk && i < dom->ndisks; i++) {
        if (dom->disks[i] == domdisk)
            return i;
    }
    return -1;
}

/* First pass of alignment: every check, no change.  Fills where[i] with
 * the domain disk index of listed disk i. */
static int
virDomainBackupAlignCheck(const virDomainBackupDef *def, virDomainDef *dom,
                          ssize_t *where)
{
    g_autofree bool *listed = g_new0(bool, dom->ndisks);
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        const virDomainBackupDiskDef *disk = &def->disks[i];
        ssize_t idx = virDomainBackupDomainDiskIndex(dom, disk->name);

        if (idx < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("no disk named '%s' in the domain"), disk->name);
            return -1;
        }
        if (listed[idx]) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' is listed twice in the backup"),
                           disk->name);
            return -1;
        }
        listed[idx] = true;
        where[i] = idx;

        if (!disk->backup)
            continue;
        if (disk->backupmode == VIR_DOMAIN_BACKUP_DISK_BACKUP_MODE_INCREMENTAL &&
            !disk->incremental && !def->incremental) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' is in incremental mode but no checkpoint is named"),
                           disk->name);
            return -1;
        }
        if (virDomainBackupDiskCheckStore(disk, dom->disks[idx]) < 0)
            return -1;
    }

    if (def->ndisks == 0) {
        for (i = 0; i < dom->ndisks; i++) {
            virDomainBackupDiskDef probe = { .name = dom->disks[i]->dst };

            if (!virDomainDiskIsWritableWithMedia(dom->disks[i]))
                continue;
            if (virDomainBackupDiskCheckStore(&probe, dom->disks[i]) < 0)
                return -1;
        }
    }
    return 0;
}

/* Complete def against the domain's disks (rules in backup_conf.h): all
 * checks run first, so that a refused backup leaves def as it was. */
int
virDomainBackupAlignDisks(virDomainBackupDef *def, virDomainDef *dom,
                          const char *suffix)
{
    g_autofree ssize_t *where = NULL;
    g_autofree bool *listed = NULL;
    size_t ndisks;
    size_t i;

    if (!suffix) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("missing suffix for backup file names"));
        return -1;
    }
    if (dom->ndisks == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED, "%s",
                       _("domain has no disks to back up"));
        return -1;
    }

    where = g_new0(ssize_t, def->ndisks + 1);
    if (virDomainBackupAlignCheck(def, dom, where) < 0)
        return -1;

    /* second pass: apply; nothing below fails */
    listed = g_new0(bool, dom->ndisks);
    for (i = 0; i < def->ndisks; i++) {
        listed[where[i]] = true;
        if (def->disks[i].backup)
            virDomainBackupDiskFill(&def->disks[i], def,
                                    dom->disks[where[i]], suffix);
    }

    ndisks = def->ndisks;
    def->disks = g_renew(virDomainBackupDiskDef, def->disks,
                         def->ndisks + dom->ndisks);
    memset(def->disks + def->ndisks, 0,
           sizeof(*def->disks) * dom->ndisks);
    for (i = 0; i < dom->ndisks; i++) {
        virDomainBackupDiskDef *disk;

        if (listed[i])
            continue;
        disk = &def->disks[def->ndisks++];
        disk->name = g_strdup(dom->disks[i]->dst);
        /* without a list every writable disk with media is backed up */
        disk->backup = ndisks == 0 &&
                       virDomainDiskIsWritableWithMedia(dom->disks[i]);
        if (disk->backup)
            virDomainBackupDiskFill(disk, def, dom->disks[i], suffix);
    }

    VIR_DEBUG("backup aligned: %zu disks listed, %zu in total",
              ndisks, def->ndisks);
    return 0;
}

/*
 * snapshot_conf.c: parse, format and align <domainsnapshot>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "snapshot_conf.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("conf.snapshot_conf");

VIR_ENUM_IMPL(virDomainSnapshotLocation, VIR_DOMAIN_SNAPSHOT_LOCATION_LAST,
              "default", "no", "internal", "external", "manual");

VIR_ENUM_IMPL(virDomainSnapshotState, VIR_DOMAIN_SNAPSHOT_STATE_LAST,
              "nostate", "running", "blocked", "paused", "shutdown",
              "shutoff", "crashed", "pmsuspended", "disk-snapshot");

#define VIR_DOMAIN_SNAPSHOT_SCHEMA "domainsnapshot"
#define VIR_DOMAIN_SNAPSHOT_NAME_KIND "snapshot"

static void
virDomainSnapshotDiskDefClear(virDomainSnapshotDiskDef *disk)
{
    g_clear_pointer(&disk->name, g_free);
    g_clear_pointer(&disk->src, virStorageSourceFree);
}

void
virDomainSnapshotDefFree(virDomainSnapshotDef *def)
{
    size_t i;

    if (!def)
        return;
    g_free(def->name);
    g_free(def->description);
    g_free(def->parent_name);
    g_free(def->memoryFile);
    for (i = 0; i < def->ndisks; i++)
        virDomainSnapshotDiskDefClear(&def->disks[i]);
    g_free(def->disks);
    virDomainDefFree(def->dom);
    g_free(def);
}

/* A location attribute (@what names it for errors); absent = DEFAULT. */
static int
virDomainSnapshotLocationParse(xmlNodePtr node, const char *attr,
                               const char *what, int *loc)
{
    g_autofree char *s = virXMLPropString(node, attr);
    int v;

    *loc = VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT;
    if (!s)
        return 0;
    if ((v = virDomainSnapshotLocationTypeFromString(s)) <= 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown snapshot location '%s' for %s"), s, what);
        return -1;
    }
    *loc = v;
    return 0;
}

/* One <disks>/<disk>. */
static int
virDomainSnapshotDiskDefParseXML(xmlNodePtr node, xmlXPathContextPtr ctxt,
                                 virDomainSnapshotDiskDef *disk)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt);
    g_autofree char *type = NULL;
    g_autofree char *driverType = NULL;
    xmlNodePtr source;

    ctxt->node = node;
    if (!(disk->name = virXMLPropString(node, "name")) || !*disk->name) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("snapshot disk is missing its name"));
        return -1;
    }
    if (virDomainSnapshotLocationParse(node, "snapshot", disk->name,
                                       &disk->snapshot) < 0)
        return -1;

    type = virXMLPropString(node, "type");
    driverType = virXPathString("string(./driver/@type)", ctxt);
    source = virXPathNode("./source", ctxt);
    if (!type && !driverType && !source)
        return 0;
    if (disk->snapshot != VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT &&
        disk->snapshot != VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("disk '%s' gives a file but its snapshot is '%s'"),
                       disk->name,
                       virDomainSnapshotLocationTypeToString(disk->snapshot));
        return -1;
    }
    disk->snapshot = VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL;
    disk->src = virStorageSourceNew();
    disk->src->type = VIR_STORAGE_TYPE_FILE;
    if (type && (disk->src->type = virStorageTypeFromString(type)) <= 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown disk type '%s' for snapshot disk '%s'"),
                       type, disk->name);
        return -1;
    }
    if (driverType &&
        (disk->src->format = virStorageFileFormatTypeFromString(driverType)) <= 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown image format '%s' for snapshot disk '%s'"),
                       driverType, disk->name);
        return -1;
    }
    if (source && virStorageSourceParseXML(source, ctxt, disk->src, 0) < 0)
        return -1;
    return 0;
}

static virDomainSnapshotDef *
virDomainSnapshotDefParseXML(xmlDocPtr xml, xmlXPathContextPtr ctxt,
                             long long now, unsigned int flags)
{
    g_autoptr(virDomainSnapshotDef) def = g_new0(virDomainSnapshotDef, 1);
    g_autofree xmlNodePtr *nodes = NULL;
    bool redefine = !!(flags & VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE);
    xmlNodePtr node;
    int n;
    size_t i;

    def->name = virXPathString("string(./name)", ctxt);
    def->description = virXPathString("string(./description)", ctxt);

    if (redefine) {
        g_autofree char *state = NULL;
        long long t = 0;
        int rc;

        if (!def->name) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("snapshot name is required on redefine"));
            return NULL;
        }
        if ((rc = virXPathLongLong("./creationTime", ctxt, &t)) < 0 || t < 0) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("missing or invalid creationTime of snapshot '%s'"),
                           def->name);
            return NULL;
        }
        def->creationTime = t;
        state = virXPathString("string(./state)", ctxt);
        if (!state ||
            (def->state = virDomainSnapshotStateTypeFromString(state)) < 0) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("missing or invalid state '%s' of snapshot '%s'"),
                           NULLSTR(state), def->name);
            return NULL;
        }
        def->parent_name = virXPathString("string(./parent/name)", ctxt);
        if (def->parent_name &&
            virNameValidate(VIR_DOMAIN_SNAPSHOT_NAME_KIND, def->parent_name) < 0)
            return NULL;
        if ((node = virXPathNode("./domain", ctxt)) &&
            !(def->dom = virDomainDefParseNode(xml, node,
                                               VIR_DOMAIN_DEF_PARSE_INACTIVE)))
            return NULL;
    } else {
        def->creationTime = now;
        if (!def->name)
            def->name = g_strdup_printf("%lld", now);
    }
    if (virNameValidate(VIR_DOMAIN_SNAPSHOT_NAME_KIND, def->name) < 0)
        return NULL;

    if ((node = virXPathNode("./memory", ctxt))) {
        if (virDomainSnapshotLocationParse(node, "snapshot", "memory",
                                           &def->memory) < 0)
            return NULL;
        def->memoryFile = virXMLPropString(node, "file");
        if (def->memoryFile && def->memory == VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT)
            def->memory = VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL;
    }

    if ((n = virXPathNodeSet("./disks/disk", ctxt, &nodes)) < 0)
        return NULL;
    if (n > 0) {
        def->disks = g_new0(virDomainSnapshotDiskDef, n);
        def->ndisks = n;
        for (i = 0; i < (size_t) n; i++) {
            if (virDomainSnapshotDiskDefParseXML(nodes[i], ctxt, &def->disks[i]) < 0)
                return NULL;
        }
    }
    return g_steal_pointer(&def);
}

virDomainSnapshotDef *
virDomainSnapshotDefParseStringAt(const char *xmlStr, long long now,
                                  unsigned int flags)
{
    g_autoptr(xmlDoc) xml = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE |
                  VIR_DOMAIN_SNAPSHOT_PARSE_NO_VALIDATE, NULL);

    if (!(xml = virXMLParseString(xmlStr, "domainsnapshot.xml",
                                  "domainsnapshot", &ctxt)))
        return NULL;
    if (!(flags & VIR_DOMAIN_SNAPSHOT_PARSE_NO_VALIDATE) &&
        virXMLValidateAgainstSchema(VIR_DOMAIN_SNAPSHOT_SCHEMA, xml) < 0)
        return NULL;
    return virDomainSnapshotDefParseXML(xml, ctxt, now, flags);
}

virDomainSnapshotDef *
virDomainSnapshotDefParseNode(xmlDocPtr xml, xmlNodePtr root, long long now,
                              unsigned int flags)
{
    g_autoptr(xmlXPathContext) ctxt = xmlXPathNewContext(xml);

    ctxt->node = root;
    return virDomainSnapshotDefParseXML(xml, ctxt, now, flags);
}

virDomainSnapshotDef *
virDomainSnapshotDefParseString(const char *xmlStr, unsigned int flags)
{
    return virDomainSnapshotDefParseStringAt(xmlStr,
                                             g_get_real_time() / G_USEC_PER_SEC,
                                             flags);
}

static void
virDomainSnapshotDiskDefFormat(virBuffer *buf,
                               const virDomainSnapshotDiskDef *disk,
                               unsigned int flags)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);

    virBufferEscapeString(&attr, " name='%s'", disk->name);
    if (disk->snapshot != VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT)
        virBufferAsprintf(&attr, " snapshot='%s'",
                          virDomainSnapshotLocationTypeToString(disk->snapshot));
    if (disk->src && (disk->src->path || disk->src->format > 0)) {
        virBufferAsprintf(&attr, " type='%s'",
                          virStorageTypeToString(disk->src->type));
        if (disk->src->format > 0)
            virBufferAsprintf(&child, "<driver type='%s'/>\n",
                              virStorageFileFormatTypeToString(disk->src->format));
        virStorageSourceFormatXML(&child, "source", disk->src, false,
                                  (flags & VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE) ?
                                  VIR_STORAGE_SOURCE_XML_SECURE : 0);
    }
    virXMLFormatElement(buf, "disk", &attr, &child);
}

char *
virDomainSnapshotDefFormat(const virDomainSnapshotDef *def, unsigned int flags)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE, NULL);
    if (!def || !def->name) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("snapshot definition has no name"));
        return NULL;
    }

    virBufferAddLit(&buf, "<domainsnapshot>\n");
    virBufferAdjustIndent(&buf, 2);
    virBufferEscapeString(&buf, "<name>%s</name>\n", def->name);
    virBufferEscapeString(&buf, "<description>%s</description>\n",
                          def->description);
    virBufferAsprintf(&buf, "<state>%s</state>\n",
                      virDomainSnapshotStateTypeToString(def->state));
    if (def->parent_name) {
        virBufferAddLit(&buf, "<parent>\n");
        virBufferAdjustIndent(&buf, 2);
        virBufferEscapeString(&buf, "<name>%s</name>\n", def->parent_name);
        virBufferAdjustIndent(&buf, -2);
        virBufferAddLit(&buf, "</parent>\n");
    }
    virBufferAsprintf(&buf, "<creationTime>%lld</creationTime>\n",
                      def->creationTime);
    if (def->memory != VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT) {
        virBufferAsprintf(&buf, "<memory snapshot='%s'",
                          virDomainSnapshotLocationTypeToString(def->memory));
        virBufferEscapeString(&buf, " file='%s'", def->memoryFile);
        virBufferAddLit(&buf, "/>\n");
    }
    if (def->ndisks) {
        virBufferAddLit(&buf, "<disks>\n");
        virBufferAdjustIndent(&buf, 2);
        for (i = 0; i < def->ndisks; i++)
            virDomainSnapshotDiskDefFormat(&buf, &def->disks[i], flags);
        virBufferAdjustIndent(&buf, -2);
        virBufferAddLit(&buf, "</disks>\n");
    }
    if (def->dom) {
        unsigned int domflags = VIR_DOMAIN_DEF_FORMAT_INACTIVE;

        if (flags & VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE)
            domflags |= VIR_DOMAIN_DEF_FORMAT_SECURE;
        if (virDomainDefFormatInternal(def->dom, &buf, domflags) < 0)
            return NULL;
    }
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</domainsnapshot>\n");
    return virBufferContentAndReset(&buf);
}

char *
virDomainSnapshotDefaultPath(const char *path, const char *snapshot)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(path, '.');
    size_t len = strlen(path);

    if (dot && (!slash || dot > slash + 1))
        len = dot - path;
    return g_strdup_printf("%.*s.%s", (int) len, path, snapshot);
}

static size_t
virDomainSnapshotDomainDiskIndex(const virDomainDef *dom,
                                 const virDomainDiskDef *disk)
{
    size_t i;

    for (i = 0; i < dom->ndisks; i++) {
        if (dom->disks[i] == disk)
            break;
    }
    return i;
}

int
virDomainSnapshotAlignDisks(virDomainSnapshotDef *def)
{
    virDomainDef *dom = def->dom;
    g_autofree virDomainSnapshotDiskDef **bydom = NULL;
    g_autofree virDomainSnapshotDiskDef *disks = NULL;
    size_t i;

    if (!dom) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("snapshot disks cannot be aligned without a domain"));
        return -1;
    }
    bydom = g_new0(virDomainSnapshotDiskDef *, dom->ndisks + 1);
    for (i = 0; i < def->ndisks; i++) {
        virDomainSnapshotDiskDef *disk = &def->disks[i];
        virDomainDiskDef *domdisk = virDomainDiskByName(dom, disk->name);
        size_t idx;

        if (!domdisk) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("no disk named '%s' in domain"), disk->name);
            return -1;
        }
        idx = virDomainSnapshotDomainDiskIndex(dom, domdisk);
        if (bydom[idx]) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' specified twice in snapshot"), disk->name);
            return -1;
        }
        bydom[idx] = disk;
        if (disk->snapshot == VIR_DOMAIN_SNAPSHOT_LOCATION_INTERNAL ||
            disk->snapshot == VIR_DOMAIN_SNAPSHOT_LOCATION_MANUAL) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': only external disk snapshots are supported, not '%s'"),
                           disk->name,
                           virDomainSnapshotLocationTypeToString(disk->snapshot));
            return -1;
        }
        if (disk->snapshot != VIR_DOMAIN_SNAPSHOT_LOCATION_NO &&
            !virDomainDiskIsWritableWithMedia(domdisk)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' is empty or read-only and cannot be snapshotted"),
                           disk->name);
            return -1;
        }
    }

    disks = g_new0(virDomainSnapshotDiskDef, dom->ndisks);
    for (i = 0; i < dom->ndisks; i++) {
        virDomainSnapshotDiskDef *out = &disks[i];
        virDomainDiskDef *domdisk = dom->disks[i];

        if (bydom[i]) {
            *out = *bydom[i];
            memset(bydom[i], 0, sizeof(*bydom[i]));
            g_free(out->name);
        } else if (!virDomainDiskIsWritableWithMedia(domdisk)) {
            out->snapshot = VIR_DOMAIN_SNAPSHOT_LOCATION_NO;
        }
        out->name = g_strdup(domdisk->dst);
        if (out->snapshot == VIR_DOMAIN_SNAPSHOT_LOCATION_NO) {
            g_clear_pointer(&out->src, virStorageSourceFree);
            continue;
        }
        out->snapshot = VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL;
        if (!out->src) {
            out->src = virStorageSourceNew();
            out->src->type = VIR_STORAGE_TYPE_FILE;
        }
        if (out->src->format == VIR_STORAGE_FILE_NONE)
            out->src->format = VIR_STORAGE_FILE_QCOW2;
        if (!out->src->path)
            out->src->path = virDomainSnapshotDefaultPath(domdisk->src->path, def->name);
    }

    for (i = 0; i < def->ndisks; i++)
        virDomainSnapshotDiskDefClear(&def->disks[i]);
    g_free(def->disks);
    def->disks = g_steal_pointer(&disks);
    def->ndisks = dom->ndisks;
    return 0;
}

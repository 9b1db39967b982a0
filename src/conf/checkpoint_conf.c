/*
 * checkpoint_conf.c: parse, format and align <domaincheckpoint>
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "checkpoint_conf.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("conf.checkpoint_conf");

VIR_ENUM_IMPL(virDomainCheckpoint, VIR_DOMAIN_CHECKPOINT_TYPE_LAST,
              "default", "no", "bitmap");

#define VIR_DOMAIN_CHECKPOINT_SCHEMA "domaincheckpoint"
#define VIR_DOMAIN_CHECKPOINT_NAME_KIND "checkpoint"

/* An empty definition, to be filled by a parser or a caller. */
virDomainCheckpointDef *
virDomainCheckpointDefNew(void)
{
    return g_new0(virDomainCheckpointDef, 1);
}

/* Release what one disk entry owns (not the entry itself). */
static void
virDomainCheckpointDiskDefClear(virDomainCheckpointDiskDef *disk)
{
    g_clear_pointer(&disk->name, g_free);
    g_clear_pointer(&disk->bitmap, g_free);
}

/* Free a definition and everything it owns; NULL is fine. */
void
virDomainCheckpointDefFree(virDomainCheckpointDef *def)
{
    size_t i;

    if (!def)
        return;
    g_free(def->name);
    g_free(def->description);
    g_free(def->parent_name);
    for (i = 0; i < def->ndisks; i++)
        virDomainCheckpointDiskDefClear(&def->disks[i]);
    g_free(def->disks);
    virDomainDefFree(def->dom);
    g_free(def->dom_xml);
    g_free(def);
}

/* Read one <disks>/<disk> element into disk.  The schema has already
 * enforced the attribute grammar; what is checked here is what a caller
 * bypassing the schema could still get wrong. */
static int
virDomainCheckpointDiskDefParseXML(xmlNodePtr node,
                                   virDomainCheckpointDiskDef *disk)
{
    g_autofree char *type = NULL;

    if (!(disk->name = virXMLPropString(node, "name")) || !*disk->name) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("checkpoint disk is missing its name"));
        return -1;
    }

    if ((type = virXMLPropString(node, "checkpoint"))) {
        int t = virDomainCheckpointTypeFromString(type);

        if (t <= VIR_DOMAIN_CHECKPOINT_TYPE_DEFAULT) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown checkpoint type '%s' for disk '%s'"),
                           type, disk->name);
            return -1;
        }
        disk->type = t;
    }

    disk->bitmap = virXMLPropString(node, "bitmap");
    if (disk->bitmap && disk->type == VIR_DOMAIN_CHECKPOINT_TYPE_NONE) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("disk '%s' has a bitmap but checkpoint='no'"),
                       disk->name);
        return -1;
    }
    /* 'size' is output only: ignored on input */
    return 0;
}

/* Build a definition from a validated document.  REDEFINE keeps what the
 * user says about name, time, parent and domain; create overrides it. */
static virDomainCheckpointDef *
virDomainCheckpointDefParseXML(xmlDocPtr xml,
                               xmlXPathContextPtr ctxt,
                               long long now,
                               unsigned int flags)
{
    g_autoptr(virDomainCheckpointDef) def = virDomainCheckpointDefNew();
    g_autofree xmlNodePtr *nodes = NULL;
    bool redefine = !!(flags & VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE);
    xmlNodePtr domNode;
    int n;
    size_t i;

    def->name = virXPathString("string(./name)", ctxt);
    def->description = virXPathString("string(./description)", ctxt);

    if (redefine) {
        long long t = 0;
        int rc;

        if (!def->name) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("checkpoint name is required on redefine"));
            return NULL;
        }
        rc = virXPathLongLong("./creationTime", ctxt, &t);
        if (rc == -1) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("creationTime is required on redefine of checkpoint '%s'"),
                           def->name);
            return NULL;
        }
        if (rc == -2 || t < 0) {
            g_autofree char *s = virXPathString("string(./creationTime)", ctxt);

            virReportError(VIR_ERR_XML_ERROR,
                           _("invalid creationTime '%s'"), s ? s : "");
            return NULL;
        }
        def->creationTime = t;

        def->parent_name = virXPathString("string(./parent/name)", ctxt);
        if (def->parent_name &&
            virNameValidate(VIR_DOMAIN_CHECKPOINT_NAME_KIND,
                            def->parent_name) < 0)
            return NULL;

        if ((domNode = virXPathNode("./domain", ctxt))) {
            if (flags & VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN)
                def->dom_xml = virXMLNodeToString(xml, domNode);
            else if (!(def->dom = virDomainDefParseNode(xml, domNode,
                                                        VIR_DOMAIN_DEF_PARSE_INACTIVE)))
                return NULL;
        }
    } else {
        /* time, parent and domain are the driver's business on create */
        def->creationTime = now;
        if (!def->name)
            def->name = g_strdup_printf("%lld", now);
    }

    if (virNameValidate(VIR_DOMAIN_CHECKPOINT_NAME_KIND, def->name) < 0)
        return NULL;

    if ((n = virXPathNodeSet("./disks/disk", ctxt, &nodes)) < 0)
        return NULL;
    if (n > 0) {
        def->disks = g_new0(virDomainCheckpointDiskDef, n);
        def->ndisks = n;
        for (i = 0; i < (size_t) n; i++) {
            if (virDomainCheckpointDiskDefParseXML(nodes[i],
                                                   &def->disks[i]) < 0)
                return NULL;
        }
    }

    return g_steal_pointer(&def);
}

/* Parse with an explicit clock value: see the header. */
virDomainCheckpointDef *
virDomainCheckpointDefParseStringAt(const char *xmlStr,
                                    long long now,
                                    unsigned int flags)
{
    g_autoptr(xmlDoc) xml = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE |
                  VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE |
                  VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN, NULL);

    if (!(xml = virXMLParseString(xmlStr, "domaincheckpoint.xml",
                                  "domaincheckpoint", &ctxt)))
        return NULL;
    if (!(flags & VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE) &&
        virXMLValidateAgainstSchema(VIR_DOMAIN_CHECKPOINT_SCHEMA, xml) < 0)
        return NULL;
    return virDomainCheckpointDefParseXML(xml, ctxt, now, flags);
}

/* Parse user or metadata XML; create semantics take the time of day. */
virDomainCheckpointDef *
virDomainCheckpointDefParseString(const char *xmlStr, unsigned int flags)
{
    long long now = g_get_real_time() / G_USEC_PER_SEC;

    return virDomainCheckpointDefParseStringAt(xmlStr, now, flags);
}

/* One <disk/> line of the output. */
static void
virDomainCheckpointDiskDefFormat(virBuffer *buf,
                                 const virDomainCheckpointDiskDef *disk,
                                 unsigned int flags)
{
    g_auto(virBuffer) attrBuf = VIR_BUFFER_INITIALIZER;

    virBufferEscapeString(&attrBuf, " name='%s'", disk->name);
    if (disk->type != VIR_DOMAIN_CHECKPOINT_TYPE_DEFAULT)
        virBufferAsprintf(&attrBuf, " checkpoint='%s'",
                          virDomainCheckpointTypeToString(disk->type));
    if (disk->type != VIR_DOMAIN_CHECKPOINT_TYPE_NONE) {
        virBufferEscapeString(&attrBuf, " bitmap='%s'", disk->bitmap);
        if ((flags & VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE) && disk->sizeValid)
            virBufferAsprintf(&attrBuf, " size='%llu'", disk->size);
    }
    virXMLFormatElement(buf, "disk", &attrBuf, NULL);
}

/* Write the whole document into buf at its current indentation. */
static int
virDomainCheckpointDefFormatBuf(virBuffer *buf,
                                const virDomainCheckpointDef *def,
                                unsigned int flags)
{
    size_t i;

    virBufferAddLit(buf, "<domaincheckpoint>\n");
    virBufferAdjustIndent(buf, 2);

    virBufferEscapeString(buf, "<name>%s</name>\n", def->name);
    virBufferEscapeString(buf, "<description>%s</description>\n",
                          def->description);
    if (def->parent_name) {
        virBufferAddLit(buf, "<parent>\n");
        virBufferAdjustIndent(buf, 2);
        virBufferEscapeString(buf, "<name>%s</name>\n", def->parent_name);
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</parent>\n");
    }
    /* always: 0 (1970) is a time a redefinition may give, and metadata
     * without a creationTime would not load again */
    virBufferAsprintf(buf, "<creationTime>%lld</creationTime>\n",
                      def->creationTime);

    if (def->ndisks) {
        virBufferAddLit(buf, "<disks>\n");
        virBufferAdjustIndent(buf, 2);
        for (i = 0; i < def->ndisks; i++)
            virDomainCheckpointDiskDefFormat(buf, &def->disks[i], flags);
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</disks>\n");
    }

    if ((def->dom || def->dom_xml) &&
               !(flags & VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN)) {
        g_autoptr(virDomainDef) parsed = NULL;
        const virDomainDef *dom = def->dom;
        unsigned int domflags = VIR_DOMAIN_DEF_FORMAT_INACTIVE;

        if (!dom && !(dom = parsed = virDomainDefParseString(def->dom_xml,
                                                            VIR_DOMAIN_DEF_PARSE_INACTIVE)))
            return -1;
        if (flags & VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE)
            domflags |= VIR_DOMAIN_DEF_FORMAT_SECURE;
        if (virDomainDefFormatInternal(dom, buf, domflags) < 0)
            return -1;
    }

    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</domaincheckpoint>\n");
    return 0;
}

/* Format for the user (see virDomainCheckpointFormatFlags). */
char *
virDomainCheckpointDefFormat(const virDomainCheckpointDef *def,
                             unsigned int flags)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE |
                  VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN |
                  VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE, NULL);

    if (!def || !def->name) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("checkpoint definition has no name"));
        return NULL;
    }
    if (virDomainCheckpointDefFormatBuf(&buf, def, flags) < 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}

/* The metadata file keeps everything needed to redefine the checkpoint. */
char *
virDomainCheckpointDefFormatInternal(const virDomainCheckpointDef *def)
{
    return virDomainCheckpointDefFormat(def,
                                        VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE);
}

/* Give a checkpointed disk the checkpoint's name as bitmap if it has
 * none, and resolve an unsaid type to a bitmap. */
static void
virDomainCheckpointDiskDefaults(virDomainCheckpointDiskDef *disk,
                                const char *name)
{
    if (disk->type == VIR_DOMAIN_CHECKPOINT_TYPE_DEFAULT)
        disk->type = VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP;
    if (disk->type == VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP && !disk->bitmap)
        disk->bitmap = g_strdup(name);
}

/* Index of disk in dom->disks. */
static size_t
virDomainCheckpointDomainDiskIndex(const virDomainDef *dom,
                                   const virDomainDiskDef *disk)
{
    size_t i;

    for (i = 0; i < dom->ndisks; i++) {
        if (dom->disks[i] == disk)
            break;
    }
    return i;
}

/* Align the listed disks with the domain's (rules of the checkpoint
 * format): nothing in def changes unless everything checks out. */
int
virDomainCheckpointAlignDisks(virDomainCheckpointDef *def)
{
    virDomainDef *dom = def->dom;
    g_autofree virDomainCheckpointDiskDef **bydom = NULL;
    g_autofree virDomainCheckpointDiskDef *disks = NULL;
    size_t i;

    if (!dom) {
        /* redefine without <domain>: keep the list as given */
        for (i = 0; i < def->ndisks; i++)
            virDomainCheckpointDiskDefaults(&def->disks[i], def->name);
        return 0;
    }

    if (def->ndisks > dom->ndisks) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("checkpoint '%s' lists more disks than domain '%s' has"),
                       def->name, dom->name ? dom->name : "");
        return -1;
    }
    if (dom->ndisks == 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain '%s' has no disks to checkpoint"),
                       dom->name ? dom->name : "");
        return -1;
    }

    /* first pass: resolve and check only, def untouched */
    bydom = g_new0(virDomainCheckpointDiskDef *, dom->ndisks);
    for (i = 0; i < def->ndisks; i++) {
        virDomainCheckpointDiskDef *disk = &def->disks[i];
        virDomainDiskDef *domdisk = virDomainDiskByName(dom, disk->name);
        size_t idx;

        if (!domdisk) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("no disk named '%s' in domain"), disk->name);
            return -1;
        }
        idx = virDomainCheckpointDomainDiskIndex(dom, domdisk);
        if (idx >= dom->ndisks || !domdisk->dst) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("domain disk '%s' has no target"), disk->name);
            return -1;
        }
        if (bydom[idx]) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' specified twice in checkpoint"),
                           disk->name);
            return -1;
        }
        bydom[idx] = disk;
        if (disk->type != VIR_DOMAIN_CHECKPOINT_TYPE_NONE &&
            !virDomainDiskIsWritableWithMedia(domdisk)) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s' is empty or read-only and cannot carry a checkpoint"),
                           disk->name);
            return -1;
        }
    }

    /* second pass: build the list in domain order */
    disks = g_new0(virDomainCheckpointDiskDef, dom->ndisks);
    for (i = 0; i < dom->ndisks; i++) {
        virDomainCheckpointDiskDef *out = &disks[i];

        if (bydom[i]) {
            *out = *bydom[i];
            memset(bydom[i], 0, sizeof(*bydom[i]));
            g_free(out->name);
            out->name = g_strdup(dom->disks[i]->dst);
        } else {
            out->name = g_strdup(dom->disks[i]->dst);
            if (def->ndisks == 0 &&
                virDomainDiskIsWritableWithMedia(dom->disks[i]))
                out->type = VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP;
            else
                out->type = VIR_DOMAIN_CHECKPOINT_TYPE_NONE;
        }
        virDomainCheckpointDiskDefaults(out, def->name);
    }

    /* the moved entries were cleared; nothing is left to free in them */
    g_free(def->disks);
    def->disks = g_steal_pointer(&disks);
    def->ndisks = dom->ndisks;
    return 0;
}

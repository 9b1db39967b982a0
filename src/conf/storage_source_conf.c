/*
 * storage_source_conf.c: parsing and formatting of a disk image's
 * location, security labels, encryption and QEMU node names
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "storage_source_conf.h"
#include "viralloc.h"
#include "virerror.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_STORAGE

VIR_ENUM_IMPL(virStorage, VIR_STORAGE_TYPE_LAST,
              "", "file", "block", "dir", "network", "volume", "nvme",
              "vhostuser", "vhostvdpa");

VIR_ENUM_IMPL(virStorageFileFormat, VIR_STORAGE_FILE_LAST,
              "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc",
              "vdi", "fat", "vhd", "ploop", "cow", "qcow", "qcow2", "qed",
              "vmdk", "luks");

VIR_ENUM_IMPL(virStorageEncryptionFormat, VIR_STORAGE_ENCRYPTION_FORMAT_LAST,
              "default", "qcow", "luks", "luks2", "luks-any");

/* Names of the <nodename type=''> entries of status XML. */
typedef enum {
    VIR_STORAGE_NODENAME_STORAGE,
    VIR_STORAGE_NODENAME_FORMAT,

    VIR_STORAGE_NODENAME_LAST
} virStorageNodenameType;
VIR_ENUM_DECL(virStorageNodename);
VIR_ENUM_IMPL(virStorageNodename, VIR_STORAGE_NODENAME_LAST,
              "storage", "format");

/* The attribute that holds the location, by storage type. */
static const char *
virStorageSourceLocationAttr(int type)
{
    switch ((virStorageType) type) {
    case VIR_STORAGE_TYPE_FILE:
        return "file";
    case VIR_STORAGE_TYPE_BLOCK:
        return "dev";
    case VIR_STORAGE_TYPE_DIR:
        return "dir";
    case VIR_STORAGE_TYPE_NONE:
    case VIR_STORAGE_TYPE_NETWORK:
    case VIR_STORAGE_TYPE_VOLUME:
    case VIR_STORAGE_TYPE_NVME:
    case VIR_STORAGE_TYPE_VHOST_USER:
    case VIR_STORAGE_TYPE_VHOST_VDPA:
    case VIR_STORAGE_TYPE_LAST:
        break;
    }
    return NULL;
}

virStorageSource *
virStorageSourceNew(void)
{
    return g_new0(virStorageSource, 1);
}

static void
virSecurityDeviceLabelDefFree(virSecurityDeviceLabelDef *def)
{
    if (!def)
        return;
    g_free(def->model);
    g_free(def->label);
    g_free(def);
}

static void
virStorageEncryptionFree(virStorageEncryption *enc)
{
    size_t i;

    if (!enc)
        return;
    for (i = 0; i < enc->nsecrets; i++) {
        g_free(enc->secrets[i]->type);
        g_free(enc->secrets[i]->uuid);
        g_free(enc->secrets[i]->usage);
        g_free(enc->secrets[i]);
    }
    g_free(enc->secrets);
    g_free(enc->engine);
    g_free(enc->cipher_name);
    g_free(enc->cipher_mode);
    g_free(enc->cipher_hash);
    g_free(enc->ivgen_name);
    g_free(enc->ivgen_hash);
    g_free(enc);
}

void
virStorageSourceFree(virStorageSource *src)
{
    size_t i;

    if (!src)
        return;
    g_free(src->path);
    for (i = 0; i < src->nseclabels; i++)
        virSecurityDeviceLabelDefFree(src->seclabels[i]);
    g_free(src->seclabels);
    virStorageEncryptionFree(src->encryption);
    g_free(src->nodeformat);
    g_free(src->nodestorage);
    virStorageSourceFree(src->backingStore);
    g_free(src);
}

static virStorageEncryption *
virStorageEncryptionCopy(const virStorageEncryption *enc)
{
    virStorageEncryption *ret;
    size_t i;

    if (!enc)
        return NULL;
    ret = g_new0(virStorageEncryption, 1);
    ret->format = enc->format;
    ret->engine = g_strdup(enc->engine);
    ret->nsecrets = enc->nsecrets;
    ret->secrets = g_new0(virStorageEncryptionSecret *, enc->nsecrets);
    for (i = 0; i < enc->nsecrets; i++) {
        ret->secrets[i] = g_new0(virStorageEncryptionSecret, 1);
        ret->secrets[i]->type = g_strdup(enc->secrets[i]->type);
        ret->secrets[i]->uuid = g_strdup(enc->secrets[i]->uuid);
        ret->secrets[i]->usage = g_strdup(enc->secrets[i]->usage);
    }
    ret->cipher_name = g_strdup(enc->cipher_name);
    ret->cipher_size = enc->cipher_size;
    ret->cipher_mode = g_strdup(enc->cipher_mode);
    ret->cipher_hash = g_strdup(enc->cipher_hash);
    ret->ivgen_name = g_strdup(enc->ivgen_name);
    ret->ivgen_hash = g_strdup(enc->ivgen_hash);
    return ret;
}

virStorageSource *
virStorageSourceCopy(const virStorageSource *src, bool backingChain)
{
    virStorageSource *ret;
    size_t i;

    if (!src)
        return NULL;
    ret = virStorageSourceNew();
    ret->type = src->type;
    ret->path = g_strdup(src->path);
    ret->format = src->format;
    ret->readonly = src->readonly;
    ret->id = src->id;
    ret->nseclabels = src->nseclabels;
    ret->seclabels = g_new0(virSecurityDeviceLabelDef *, src->nseclabels);
    for (i = 0; i < src->nseclabels; i++) {
        virSecurityDeviceLabelDef *l = g_new0(virSecurityDeviceLabelDef, 1);

        l->model = g_strdup(src->seclabels[i]->model);
        l->label = g_strdup(src->seclabels[i]->label);
        l->relabel = src->seclabels[i]->relabel;
        l->labelskip = src->seclabels[i]->labelskip;
        ret->seclabels[i] = l;
    }
    ret->encryption = virStorageEncryptionCopy(src->encryption);
    ret->nodeformat = g_strdup(src->nodeformat);
    ret->nodestorage = g_strdup(src->nodestorage);
    if (backingChain)
        ret->backingStore = virStorageSourceCopy(src->backingStore, true);
    return ret;
}

static int
virSecurityDeviceLabelParse(xmlNodePtr node, xmlXPathContextPtr ctxt,
                            virStorageSource *src)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt)
    virSecurityDeviceLabelDef *def = g_new0(virSecurityDeviceLabelDef, 1);
    int tri = 0;

    VIR_APPEND_ELEMENT_PTR(src->seclabels, src->nseclabels, def);
    ctxt->node = node;
    def->model = virXMLPropString(node, "model");
    if (virXMLPropTristateBool(node, "relabel", &tri) < 0)
        return -1;
    def->relabel = tri;
    tri = 0;
    if (virXMLPropTristateBool(node, "labelskip", &tri) < 0)
        return -1;
    def->labelskip = tri == 1;
    def->label = virXPathString("string(./label)", ctxt);
    if (def->label && def->relabel == 2) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("a security label cannot be given with relabel='no'"));
        return -1;
    }
    return 0;
}

static int
virStorageEncryptionParse(xmlNodePtr node, xmlXPathContextPtr ctxt,
                          virStorageSource *src)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt)
    g_autofree char *format = virXMLPropString(node, "format");
    g_autofree xmlNodePtr *secrets = NULL;
    virStorageEncryption *enc;
    xmlNodePtr n;
    int nsecrets;
    int i;

    ctxt->node = node;
    enc = src->encryption = g_new0(virStorageEncryption, 1);
    if (!format) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("encryption format is missing"));
        return -1;
    }
    if ((enc->format = virStorageEncryptionFormatTypeFromString(format)) < 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown encryption format '%s'"), format);
        return -1;
    }
    enc->engine = virXMLPropString(node, "engine");

    nsecrets = virXPathNodeSet("./secret", ctxt, &secrets);
    for (i = 0; i < nsecrets; i++) {
        virStorageEncryptionSecret *s = g_new0(virStorageEncryptionSecret, 1);

        VIR_APPEND_ELEMENT_PTR(enc->secrets, enc->nsecrets, s);
        s->type = virXMLPropString(secrets[i], "type");
        s->uuid = virXMLPropString(secrets[i], "uuid");
        s->usage = virXMLPropString(secrets[i], "usage");
        if (!s->type) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("encryption secret type is missing"));
            return -1;
        }
        if (!!s->uuid == !!s->usage) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("encryption secret needs exactly one of 'uuid' and 'usage'"));
            return -1;
        }
    }

    if ((n = virXPathNode("./cipher", ctxt))) {
        enc->cipher_name = virXMLPropString(n, "name");
        if (virXMLPropUInt(n, "size", &enc->cipher_size) < 0)
            return -1;
        enc->cipher_mode = virXMLPropString(n, "mode");
        enc->cipher_hash = virXMLPropString(n, "hash");
        if (!enc->cipher_name || !enc->cipher_size) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("encryption cipher needs 'name' and 'size'"));
            return -1;
        }
    }
    if ((n = virXPathNode("./ivgen", ctxt))) {
        enc->ivgen_name = virXMLPropString(n, "name");
        enc->ivgen_hash = virXMLPropString(n, "hash");
        if (!enc->ivgen_name) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("encryption ivgen needs 'name'"));
            return -1;
        }
    }
    return 0;
}

static int
virStorageSourceParsePrivateData(xmlNodePtr node, xmlXPathContextPtr ctxt,
                                 virStorageSource *src)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt)
    g_autofree xmlNodePtr *nodes = NULL;
    int n;
    int i;

    ctxt->node = node;
    n = virXPathNodeSet("./nodenames/nodename", ctxt, &nodes);
    for (i = 0; i < n; i++) {
        g_autofree char *type = virXMLPropString(nodes[i], "type");
        g_autofree char *name = virXMLPropString(nodes[i], "name");

        if (!type || !name) {
            virReportError(VIR_ERR_XML_ERROR, "%s",
                           _("nodename needs 'type' and 'name'"));
            return -1;
        }
        switch ((virStorageNodenameType) virStorageNodenameTypeFromString(type)) {
        case VIR_STORAGE_NODENAME_STORAGE:
            g_free(src->nodestorage);
            src->nodestorage = g_steal_pointer(&name);
            break;
        case VIR_STORAGE_NODENAME_FORMAT:
            g_free(src->nodeformat);
            src->nodeformat = g_steal_pointer(&name);
            break;
        case VIR_STORAGE_NODENAME_LAST:
        default:
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown nodename type '%s'"), type);
            return -1;
        }
    }
    return 0;
}

int
virStorageSourceParseXML(xmlNodePtr node, xmlXPathContextPtr ctxt,
                         virStorageSource *src, unsigned int flags)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt)
    const char *attr = virStorageSourceLocationAttr(src->type);
    g_autofree xmlNodePtr *labels = NULL;
    xmlNodePtr n;
    int nlabels;
    int i;

    ctxt->node = node;
    if (attr) {
        g_free(src->path);
        src->path = virXMLPropString(node, attr);
        if (src->path && !*src->path)
            g_clear_pointer(&src->path, g_free);
    }
    if ((flags & VIR_STORAGE_SOURCE_XML_STATUS) &&
        virXMLPropUInt(node, "index", &src->id) < 0)
        return -1;

    nlabels = virXPathNodeSet("./seclabel", ctxt, &labels);
    for (i = 0; i < nlabels; i++) {
        if (virSecurityDeviceLabelParse(labels[i], ctxt, src) < 0)
            return -1;
    }
    if ((n = virXPathNode("./encryption", ctxt)) &&
        virStorageEncryptionParse(n, ctxt, src) < 0)
        return -1;
    if ((flags & VIR_STORAGE_SOURCE_XML_STATUS) &&
        (n = virXPathNode("./privateData", ctxt)) &&
        virStorageSourceParsePrivateData(n, ctxt, src) < 0)
        return -1;
    return 0;
}

static const char *
virTristateBoolString(int v)
{
    return v == 1 ? "yes" : "no";
}

static void
virStorageEncryptionFormat(virBuffer *buf, const virStorageEncryption *enc)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);
    size_t i;

    virBufferAsprintf(&attr, " format='%s'",
                      virStorageEncryptionFormatTypeToString(enc->format));
    virBufferEscapeString(&attr, " engine='%s'", enc->engine);
    for (i = 0; i < enc->nsecrets; i++) {
        const virStorageEncryptionSecret *s = enc->secrets[i];

        virBufferEscapeString(&child, "<secret type='%s'", s->type);
        virBufferEscapeString(&child, " uuid='%s'", s->uuid);
        virBufferEscapeString(&child, " usage='%s'", s->usage);
        virBufferAddLit(&child, "/>\n");
    }
    if (enc->cipher_name) {
        virBufferEscapeString(&child, "<cipher name='%s'", enc->cipher_name);
        virBufferAsprintf(&child, " size='%u'", enc->cipher_size);
        virBufferEscapeString(&child, " mode='%s'", enc->cipher_mode);
        virBufferEscapeString(&child, " hash='%s'", enc->cipher_hash);
        virBufferAddLit(&child, "/>\n");
    }
    if (enc->ivgen_name) {
        virBufferEscapeString(&child, "<ivgen name='%s'", enc->ivgen_name);
        virBufferEscapeString(&child, " hash='%s'", enc->ivgen_hash);
        virBufferAddLit(&child, "/>\n");
    }
    virXMLFormatElement(buf, "encryption", &attr, &child);
}

void
virStorageSourceFormatChildren(virBuffer *childBuf, const virStorageSource *src,
                               unsigned int flags)
{
    size_t i;

    for (i = 0; i < src->nseclabels; i++) {
        const virSecurityDeviceLabelDef *l = src->seclabels[i];
        g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
        g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(childBuf);

        virBufferEscapeString(&attr, " model='%s'", l->model);
        if (l->labelskip)
            virBufferAddLit(&attr, " labelskip='yes'");
        else if (l->relabel)
            virBufferAsprintf(&attr, " relabel='%s'",
                              virTristateBoolString(l->relabel));
        virBufferEscapeString(&child, "<label>%s</label>\n", l->label);
        virXMLFormatElement(childBuf, "seclabel", &attr, &child);
    }
    if (src->encryption)
        virStorageEncryptionFormat(childBuf, src->encryption);
    if ((flags & VIR_STORAGE_SOURCE_XML_STATUS) &&
        (src->nodeformat || src->nodestorage)) {
        virBufferAddLit(childBuf, "<privateData>\n");
        virBufferAdjustIndent(childBuf, 2);
        virBufferAddLit(childBuf, "<nodenames>\n");
        virBufferAdjustIndent(childBuf, 2);
        virBufferEscapeString(childBuf,
                              "<nodename type='storage' name='%s'/>\n",
                              src->nodestorage);
        virBufferEscapeString(childBuf,
                              "<nodename type='format' name='%s'/>\n",
                              src->nodeformat);
        virBufferAdjustIndent(childBuf, -2);
        virBufferAddLit(childBuf, "</nodenames>\n");
        virBufferAdjustIndent(childBuf, -2);
        virBufferAddLit(childBuf, "</privateData>\n");
    }
}

void
virStorageSourceFormatXML(virBuffer *buf, const char *element,
                          const virStorageSource *src, bool showIndex,
                          unsigned int flags)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);
    const char *locattr = virStorageSourceLocationAttr(src->type);

    if (locattr && src->path) {
        virBufferAsprintf(&attr, " %s=", locattr);
        virBufferEscapeString(&attr, "'%s'", src->path);
    }
    if (showIndex && src->id)
        virBufferAsprintf(&attr, " index='%u'", src->id);
    virStorageSourceFormatChildren(&child, src, flags);

    if (virBufferUse(&attr) == 0 && virBufferUse(&child) == 0) {
        /* an element without location (e.g. empty cdrom) is still shown
         * when the caller asks for it */
        return;
    }
    virXMLFormatElement(buf, element, &attr, &child);
}

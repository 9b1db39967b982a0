/*
 * virxml.c: libxml2 helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <libxml/relaxng.h>
#include <libxml/xpathInternals.h>

#include "virxml.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_XML

VIR_LOG_INIT("util.xml");

/* Collects libxml2's messages so that one error can be reported: the
 * first one (with its line), or, @all, every one on a line of its own
 * as libxml2 words it. */
typedef struct {
    GString *msg;
    bool all;
} virXMLErrorCollector;

static void
virXMLCollectStructured(void *opaque, xmlErrorPtr err)
{
    virXMLErrorCollector *c = opaque;

    if (!err || !err->message)
        return;
    if (c->all) {
        g_string_append(c->msg, err->message);
        if (c->msg->len && c->msg->str[c->msg->len - 1] != '\n')
            g_string_append_c(c->msg, '\n');
        return;
    }
    if (c->msg->len)
        return;   /* keep the first, most useful, message */
    if (err->line > 0)
        g_string_append_printf(c->msg, "line %d: ", err->line);
    g_string_append(c->msg, err->message);
}

static char *
virXMLCollectorMessage(virXMLErrorCollector *c)
{
    g_strchomp(c->msg->str);
    return g_strdup(c->msg->len ? c->msg->str : _("unknown XML error"));
}

xmlDocPtr
virXMLParseString(const char *xmlStr, const char *url, const char *rootName,
                  xmlXPathContextPtr *ctxt)
{
    virXMLErrorCollector col = { g_string_new(NULL) };
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(GString) msg = col.msg;
    xmlParserCtxtPtr pctxt = NULL;
    xmlNodePtr root;

    if (ctxt)
        *ctxt = NULL;
    if (!xmlStr || !*xmlStr) {
        virReportError(VIR_ERR_XML_ERROR, "%s", _("empty XML document"));
        return NULL;
    }

    pctxt = xmlNewParserCtxt();
    xmlSetStructuredErrorFunc(&col, virXMLCollectStructured);
    doc = xmlCtxtReadDoc(pctxt, BAD_CAST xmlStr, url ? url : "noname.xml",
                         NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING |
                         XML_PARSE_NOERROR);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlFreeParserCtxt(pctxt);

    if (!doc) {
        g_autofree char *m = virXMLCollectorMessage(&col);
        virReportError(VIR_ERR_XML_ERROR, _("malformed XML document: %s"), m);
        return NULL;
    }

    root = xmlDocGetRootElement(doc);
    if (!root) {
        virReportError(VIR_ERR_XML_ERROR, "%s", _("missing root element"));
        return NULL;
    }
    if (rootName && !xmlStrEqual(root->name, BAD_CAST rootName)) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("expected root element '%s', but found '%s'"),
                       rootName, (const char *) root->name);
        return NULL;
    }

    if (ctxt) {
        *ctxt = xmlXPathNewContext(doc);
        (*ctxt)->node = root;
    }
    return g_steal_pointer(&doc);
}

char *
virXMLSchemaPath(const char *schemaname)
{
    const char *dirs[] = { g_getenv("FLEECE_SCHEMA_DIR"), FLEECE_SRC_SCHEMA_DIR,
                           FLEECE_INSTALLED_SCHEMA_DIR };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        g_autofree char *path = NULL;

        if (!dirs[i])
            continue;
        path = g_strdup_printf("%s/%s.rng", dirs[i], schemaname);
        if (access(path, R_OK) == 0)
            return g_steal_pointer(&path);
    }
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("cannot find schema '%s.rng'"), schemaname);
    return NULL;
}

/* Compiled schemas are kept for the life of the process. */
static GMutex virXMLSchemaLock;
static GHashTable *virXMLSchemas;

static xmlRelaxNGPtr
virXMLSchemaGet(const char *schemaname)
{
    virXMLErrorCollector col = { g_string_new(NULL) };
    g_autoptr(GString) msg = col.msg;
    g_autofree char *path = NULL;
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr rng;

    g_mutex_lock(&virXMLSchemaLock);
    if (!virXMLSchemas)
        virXMLSchemas = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              (GDestroyNotify) xmlRelaxNGFree);
    rng = g_hash_table_lookup(virXMLSchemas, schemaname);
    if (rng)
        goto cleanup;

    if (!(path = virXMLSchemaPath(schemaname)))
        goto cleanup;
    pctxt = xmlRelaxNGNewParserCtxt(path);
    xmlRelaxNGSetParserStructuredErrors(pctxt, virXMLCollectStructured, &col);
    rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng) {
        g_autofree char *m = virXMLCollectorMessage(&col);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unable to parse schema '%s': %s"), path, m);
        goto cleanup;
    }
    g_hash_table_insert(virXMLSchemas, g_strdup(schemaname), rng);

 cleanup:
    g_mutex_unlock(&virXMLSchemaLock);
    return rng;
}

int
virXMLValidateAgainstSchema(const char *schemaname, xmlDocPtr doc)
{
    virXMLErrorCollector col = { g_string_new(NULL), true };
    g_autoptr(GString) msg = col.msg;
    xmlRelaxNGValidCtxtPtr vctxt;
    xmlRelaxNGPtr rng;
    int rc;

    if (!(rng = virXMLSchemaGet(schemaname)))
        return -1;

    vctxt = xmlRelaxNGNewValidCtxt(rng);
    xmlRelaxNGSetValidStructuredErrors(vctxt, virXMLCollectStructured, &col);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc != 0) {
        g_autofree char *path = virXMLSchemaPath(schemaname);

        /* libvirt's layout: the schema file, then libxml2's messages one
         * per line, as virsh users see them */
        virReportError(VIR_ERR_XML_INVALID_SCHEMA,
                       _("Unable to validate doc against %s\n%s"),
                       NULLSTR(path), col.msg->len ? col.msg->str : "");
        return -1;
    }
    return 0;
}

char *
virXMLPropString(xmlNodePtr node, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(node, BAD_CAST name);
    char *ret;

    if (!v)
        return NULL;
    ret = g_strdup((const char *) v);
    xmlFree(v);
    return ret;
}

char *
virXMLNodeContentString(xmlNodePtr node)
{
    xmlChar *v = xmlNodeGetContent(node);
    char *ret;

    if (!v)
        return g_strdup("");
    ret = g_strdup((const char *) v);
    xmlFree(v);
    return ret;
}

static xmlXPathObjectPtr
virXPathEval(const char *xpath, xmlXPathContextPtr ctxt)
{
    return xmlXPathEval(BAD_CAST xpath, ctxt);
}

char *
virXPathString(const char *xpath, xmlXPathContextPtr ctxt)
{
    g_autoptr(xmlXPathObject) obj = NULL;

    obj = virXPathEval(xpath, ctxt);
    if (!obj || obj->type != XPATH_STRING || !obj->stringval ||
        obj->stringval[0] == 0)
        return NULL;
    return g_strdup((const char *) obj->stringval);
}

int
virXPathNodeSet(const char *xpath, xmlXPathContextPtr ctxt, xmlNodePtr **list)
{
    g_autoptr(xmlXPathObject) obj = NULL;
    int n;

    if (list)
        *list = NULL;
    obj = virXPathEval(xpath, ctxt);
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval)
        return 0;
    n = obj->nodesetval->nodeNr;
    if (list && n > 0)
        *list = g_memdup2(obj->nodesetval->nodeTab, sizeof(xmlNodePtr) * n);
    return n;
}

xmlNodePtr
virXPathNode(const char *xpath, xmlXPathContextPtr ctxt)
{
    g_autoptr(xmlXPathObject) obj = NULL;

    obj = virXPathEval(xpath, ctxt);
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval ||
        obj->nodesetval->nodeNr <= 0)
        return NULL;
    return obj->nodesetval->nodeTab[0];
}

bool
virXPathBoolean(const char *xpath, xmlXPathContextPtr ctxt)
{
    g_autoptr(xmlXPathObject) obj = NULL;

    obj = virXPathEval(xpath, ctxt);
    return obj && obj->type == XPATH_BOOLEAN && obj->boolval;
}

static int
virStrToULongLongStrict(const char *s, unsigned long long *value)
{
    char *end = NULL;
    unsigned long long v;

    if (!s || !*s || *s == '-' || *s == '+' || g_ascii_isspace(*s))
        return -1;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *value = v;
    return 0;
}

int
virXPathULongLong(const char *xpath, xmlXPathContextPtr ctxt,
                  unsigned long long *value)
{
    g_autofree char *s = NULL;
    g_autofree char *expr = g_strdup_printf("string(%s)", xpath);

    if (!(s = virXPathString(expr, ctxt)))
        return -1;
    g_strstrip(s);
    if (virStrToULongLongStrict(s, value) < 0)
        return -2;
    return 0;
}

int
virXPathLongLong(const char *xpath, xmlXPathContextPtr ctxt, long long *value)
{
    g_autofree char *s = NULL;
    g_autofree char *expr = g_strdup_printf("string(%s)", xpath);
    char *end = NULL;
    long long v;

    if (!(s = virXPathString(expr, ctxt)))
        return -1;
    g_strstrip(s);
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return -2;
    *value = v;
    return 0;
}

int
virXMLPropULongLong(xmlNodePtr node, const char *name,
                    unsigned long long *value)
{
    g_autofree char *s = virXMLPropString(node, name);

    if (!s)
        return 0;
    if (virStrToULongLongStrict(s, value) < 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%s' for attribute '%s' of element '%s'"),
                       s, name, (const char *) node->name);
        return -1;
    }
    return 1;
}

int
virXMLPropUInt(xmlNodePtr node, const char *name, unsigned int *value)
{
    unsigned long long v = 0;
    int rc = virXMLPropULongLong(node, name, &v);

    if (rc <= 0)
        return rc;
    if (v > G_MAXUINT) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("value of attribute '%s' of element '%s' is out of range"),
                       name, (const char *) node->name);
        return -1;
    }
    *value = v;
    return 1;
}

int
virXMLPropTristateBool(xmlNodePtr node, const char *name, int *value)
{
    g_autofree char *s = virXMLPropString(node, name);

    if (!s)
        return 0;
    if (g_str_equal(s, "yes")) {
        *value = 1;
    } else if (g_str_equal(s, "no")) {
        *value = 2;
    } else {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%s' for attribute '%s' of element '%s'"),
                       s, name, (const char *) node->name);
        return -1;
    }
    return 1;
}

void
virXMLFormatElement(virBuffer *buf, const char *name, virBuffer *attrBuf,
                    virBuffer *childBuf)
{
    if ((!attrBuf || virBufferUse(attrBuf) == 0) &&
        (!childBuf || virBufferUse(childBuf) == 0))
        return;

    virBufferAsprintf(buf, "<%s", name);
    if (attrBuf && virBufferUse(attrBuf) > 0)
        virBufferAddBuffer(buf, attrBuf);
    if (childBuf && virBufferUse(childBuf) > 0) {
        virBufferAddLit(buf, ">\n");
        virBufferAddBuffer(buf, childBuf);
        virBufferAsprintf(buf, "</%s>\n", name);
    } else {
        virBufferAddLit(buf, "/>\n");
    }
    if (attrBuf)
        virBufferFreeAndReset(attrBuf);
    if (childBuf)
        virBufferFreeAndReset(childBuf);
}

char *
virXMLNodeToString(xmlDocPtr doc, xmlNodePtr node)
{
    xmlBufferPtr xbuf = xmlBufferCreate();
    char *ret;

    xmlNodeDump(xbuf, doc, node, 0, 0);
    ret = g_strdup((const char *) xmlBufferContent(xbuf));
    xmlBufferFree(xbuf);
    return ret;
}

char *
virXMLNormalize(const char *xmlStr)
{
    g_autoptr(xmlDoc) doc = NULL;
    xmlChar *out = NULL;
    int len = 0;
    char *ret;

    doc = xmlReadDoc(BAD_CAST xmlStr, "normalize.xml", NULL,
                     XML_PARSE_NOBLANKS | XML_PARSE_NONET |
                     XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!doc)
        return NULL;
    xmlDocDumpFormatMemory(doc, &out, &len, 1);
    ret = g_strdup((const char *) out);
    xmlFree(out);
    return ret;
}

void
virXPathContextNodeRestore(virXPathContextNodeSave *save)
{
    if (save->ctxt)
        save->ctxt->node = save->node;
}

/*
 * virxml.h: libxml2 helpers for parsing and formatting our XML formats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "viralloc.h"
#include "virbuffer.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathContext, xmlXPathFreeContext);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlXPathObject, xmlXPathFreeObject);

/* Parse xmlStr; the root element must be called rootName (when given).
 * On success returns the document and, if ctxt is non-NULL, an XPath
 * context whose node is the root.  Errors: VIR_ERR_XML_ERROR (malformed,
 * wrong root). */
xmlDocPtr virXMLParseString(const char *xmlStr, const char *url,
                            const char *rootName,
                            xmlXPathContextPtr *ctxt);

/* Validate doc against the RNG schema named NAME.rng (looked up with
 * virXMLSchemaPath).  VIR_ERR_XML_INVALID_SCHEMA on failure. */
int virXMLValidateAgainstSchema(const char *schemaname, xmlDocPtr doc);
/* Where NAME.rng is: $FLEECE_SCHEMA_DIR, then the build tree, then the
 * installed data dir. */
char *virXMLSchemaPath(const char *schemaname);

char *virXMLPropString(xmlNodePtr node, const char *name);
char *virXMLNodeContentString(xmlNodePtr node);

/* XPath evaluation relative to ctxt->node. */
char *virXPathString(const char *xpath, xmlXPathContextPtr ctxt);
int virXPathNodeSet(const char *xpath, xmlXPathContextPtr ctxt,
                    xmlNodePtr **list);
xmlNodePtr virXPathNode(const char *xpath, xmlXPathContextPtr ctxt);
bool virXPathBoolean(const char *xpath, xmlXPathContextPtr ctxt);
/* 0 found, -1 absent, -2 not a valid number. */
int virXPathULongLong(const char *xpath, xmlXPathContextPtr ctxt,
                      unsigned long long *value);
int virXPathLongLong(const char *xpath, xmlXPathContextPtr ctxt,
                     long long *value);

/* Attribute parsing that reports errors: 0 absent (value untouched),
 * 1 parsed, -1 invalid (error reported, VIR_ERR_XML_ERROR). */
int virXMLPropULongLong(xmlNodePtr node, const char *name,
                        unsigned long long *value);
int virXMLPropUInt(xmlNodePtr node, const char *name, unsigned int *value);
/* yes/no attribute: *value = 1 for yes, 2 for no (libvirt's tristate). */
int virXMLPropTristateBool(xmlNodePtr node, const char *name, int *value);

/* Write <name ATTRS>CHILDREN</name> or <name ATTRS/> (nothing at all if
 * both buffers are empty); both buffers are emptied. */
void virXMLFormatElement(virBuffer *buf, const char *name,
                         virBuffer *attrBuf, virBuffer *childBuf);

/* Re-serialise a subtree (used to keep elements Fleece does not interpret). */
char *virXMLNodeToString(xmlDocPtr doc, xmlNodePtr node);

/* Collapse insignificant whitespace so that two documents can be compared. */
char *virXMLNormalize(const char *xmlStr);

/* Swap ctxt->node for the scope of a block and restore it on exit. */
typedef struct {
    xmlXPathContextPtr ctxt;
    xmlNodePtr node;
} virXPathContextNodeSave;
void virXPathContextNodeRestore(virXPathContextNodeSave *save);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virXPathContextNodeSave,
                                 virXPathContextNodeRestore);
#define VIR_XPATH_NODE_AUTORESTORE(_ctxt) \
    g_auto(virXPathContextNodeSave) _ctxt ## CtxtSave = { .ctxt = _ctxt, \
                                                         .node = _ctxt->node}; \
    ignore_value(&_ctxt ## CtxtSave);

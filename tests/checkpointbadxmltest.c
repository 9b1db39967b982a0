/*
 * checkpointbadxmltest.c: checkpoint documents and redefinitions that
 * must be refused, with the right error, changing nothing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "checkpoint_conf.h"
#include "virdomaincheckpointobjlist.h"
#include "virerror.h"

#define TEST_NOW 1700000000LL

typedef enum {
    TEST_STAGE_PARSE,       /* refused by the parser */
    TEST_STAGE_ALIGN,       /* parses, refused by the alignment */
    TEST_STAGE_REDEFINE,    /* parses, refused by the checkpoint tree */
} testStage;

typedef struct {
    const char *title;
    testStage stage;
    unsigned int parseFlags;
    const char *xml;
    int code;               /* expected error code */
    const char *fragment;   /* expected in the message, NULL = any */
    const char *disks;      /* fake domain disks for ALIGN ("" = none) */
} testBad;

/* A domain with the given disks: targets separated by commas; a target
 * prefixed with '!' is a read-only disk, with '-' an empty CD-ROM. */
static virDomainDef *
testFakeDomain(const char *spec)
{
    g_autoptr(virDomainDef) dom = virDomainDefNew();
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    size_t n = *spec ? g_strv_length(items) : 0;
    size_t i;

    dom->name = g_strdup("fake");
    dom->disks = g_new0(virDomainDiskDef *, n + 1);
    dom->ndisks = n;
    for (i = 0; i < n; i++) {
        virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);
        const char *dst = items[i];

        dom->disks[i] = disk;
        disk->src = virStorageSourceNew();
        if (*dst == '-') {
            disk->device = VIR_DOMAIN_DISK_DEVICE_CDROM;
            dst++;
        } else {
            disk->src->type = VIR_STORAGE_TYPE_FILE;
            disk->src->format = VIR_STORAGE_FILE_QCOW2;
            if (*dst == '!') {
                disk->src->readonly = true;
                dst++;
            }
            disk->src->path = g_strdup_printf("/img/%s.qcow2", dst);
        }
        disk->dst = g_strdup(dst);
    }
    return g_steal_pointer(&dom);
}

/* The tree used by the REDEFINE cases: a <- b <- c, and d a second root. */
static virDomainCheckpointObjList *
testTree(void)
{
    g_autoptr(virDomainCheckpointObjList) list = virDomainCheckpointObjListNew();
    const char *tree[][2] = { { "a", NULL }, { "b", "a" }, { "c", "b" },
                              { "d", NULL } };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(tree); i++) {
        g_autoptr(virDomainCheckpointDef) def = virDomainCheckpointDefNew();

        def->name = g_strdup(tree[i][0]);
        def->parent_name = g_strdup(tree[i][1]);
        def->creationTime = 1000 + i;
        if (!virDomainCheckpointObjListRedefine(list, &def))
            return NULL;
    }
    return g_steal_pointer(&list);
}

/* Everything observable about a tree, as text. */
static char *
testTreeState(virDomainCheckpointObjList *list)
{
    g_autofree virDomainCheckpointObj **objs = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    int n = virDomainCheckpointObjListGetAll(list, NULL, &objs, 0);
    int i;

    for (i = 0; i < n; i++) {
        g_string_append_printf(s, "%s<-%s(%s)[%u];", objs[i]->def->name,
                               objs[i]->parent ? objs[i]->parent->def->name : "",
                               objs[i]->def->parent_name ? objs[i]->def->parent_name : "",
                               objs[i]->children->len);
    }
    g_string_append_printf(s, "current=%s",
                           virDomainCheckpointObjListGetCurrentName(list) ?: "");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* The last error has the expected code and message fragment. */
static int
testCheckError(const testBad *t)
{
    const char *msg = virGetLastErrorMessage();

    if (virTestLastErrorCode() != t->code) {
        virTestDiag("code %d, expected %d: %s", virTestLastErrorCode(),
                    t->code, msg);
        return -1;
    }
    if (t->fragment && (!msg || !strstr(msg, t->fragment))) {
        virTestDiag("message '%s' lacks '%s'", msg, t->fragment);
        return -1;
    }
    return 0;
}

static int
testOne(const void *opaque)
{
    const testBad *t = opaque;
    g_autoptr(virDomainCheckpointDef) def = NULL;

    virResetLastError();
    def = virDomainCheckpointDefParseStringAt(t->xml, TEST_NOW, t->parseFlags);
    if (t->stage == TEST_STAGE_PARSE) {
        if (def) {
            virTestDiag("document was accepted");
            return -1;
        }
        return testCheckError(t);
    }
    if (!def) {
        virTestDiag("unexpected parse failure: %s", virGetLastErrorMessage());
        return -1;
    }

    if (t->stage == TEST_STAGE_ALIGN) {
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;
        unsigned int fmt = VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN;

        def->dom = testFakeDomain(t->disks);
        before = virDomainCheckpointDefFormat(def, fmt);
        if (virDomainCheckpointAlignDisks(def) == 0) {
            virTestDiag("alignment was accepted");
            return -1;
        }
        if (testCheckError(t) < 0)
            return -1;
        after = virDomainCheckpointDefFormat(def, fmt);
        return virTestCompareStrings(before, after);
    } else {
        g_autoptr(virDomainCheckpointObjList) list = testTree();
        g_autofree char *before = NULL;
        g_autofree char *after = NULL;

        if (!list)
            return -1;
        before = testTreeState(list);
        if (virDomainCheckpointObjListRedefine(list, &def)) {
            virTestDiag("redefinition was accepted");
            return -1;
        }
        if (testCheckError(t) < 0)
            return -1;
        if (!def) {
            virTestDiag("definition taken on failure");
            return -1;
        }
        after = testTreeState(list);
        return virTestCompareStrings(before, after);
    }
}

/* Adding a name that exists fails and leaves the tree alone. */
static int
testDuplicateAdd(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointObjList) list = testTree();
    g_autoptr(virDomainCheckpointDef) def = virDomainCheckpointDefNew();
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;

    if (!list)
        return -1;
    before = testTreeState(list);
    def->name = g_strdup("b");
    if (virDomainCheckpointObjListAdd(list, &def) || !def ||
        virTestLastErrorCode() != VIR_ERR_OPERATION_FAILED)
        return -1;
    after = testTreeState(list);
    return virTestCompareStrings(before, after);
}

/* Unknown flag bits are refused. */
static int
testBadFlags(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointDef) def = NULL;
    g_autoptr(virDomainCheckpointDef) good = NULL;
    g_autofree char *out = NULL;

    if ((def = virDomainCheckpointDefParseString("<domaincheckpoint/>", 0x8)) ||
        virTestLastErrorCode() != VIR_ERR_INVALID_ARG)
        return -1;
    if (!(good = virDomainCheckpointDefParseString("<domaincheckpoint/>", 0)))
        return -1;
    if ((out = virDomainCheckpointDefFormat(good, 0x10)) ||
        virTestLastErrorCode() != VIR_ERR_INVALID_ARG)
        return -1;
    return 0;
}

#define REDEF VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE
#define DISKS3 "vda,vdb,!vdc"

static const testBad cases[] = {
    { "malformed XML", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>x</domaincheckpoint>",
      VIR_ERR_XML_ERROR, "malformed", NULL },
    { "empty document", TEST_STAGE_PARSE, 0, "",
      VIR_ERR_XML_ERROR, NULL, NULL },
    { "wrong root element", TEST_STAGE_PARSE, 0,
      "<domainsnapshot><name>x</name></domainsnapshot>",
      VIR_ERR_XML_ERROR, "domainsnapshot", NULL },
    { "unknown element", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>x</name><state>ok</state></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "unknown attribute", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='vda' mode='x'/></disks></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "element given twice", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>x</name><name>y</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "empty name", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name></name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name with slash", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>a/b</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name dot-dot", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>..</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name with leading dot", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>.hidden</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name with control character", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>a&#9;b</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name with newline", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>a&#10;b</name></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "name too long", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><name>"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "</name></domaincheckpoint>",
      VIR_ERR_XML_ERROR, "longer", NULL },
    { "parent name with slash", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><name>x</name><creationTime>1</creationTime>"
      "<parent><name>../up</name></parent></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "checkpoint='no' with bitmap", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='vda' checkpoint='no' bitmap='b'/>"
      "</disks></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "checkpoint='no' with size", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='vda' checkpoint='no' size='1'/>"
      "</disks></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "unknown checkpoint type", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='vda' checkpoint='maybe'/>"
      "</disks></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "disk without name", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk checkpoint='bitmap'/></disks>"
      "</domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "disk name neither target nor path", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='disk0'/></disks>"
      "</domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "empty disks list", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks/></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "negative size", TEST_STAGE_PARSE, 0,
      "<domaincheckpoint><disks><disk name='vda' size='-1'/></disks>"
      "</domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "negative creationTime", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><name>x</name><creationTime>-5</creationTime>"
      "</domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "creationTime beyond 64 bits", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><name>x</name>"
      "<creationTime>99999999999999999999</creationTime></domaincheckpoint>",
      VIR_ERR_XML_INVALID_SCHEMA, NULL, NULL },
    { "creationTime beyond signed 64 bits", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><name>x</name>"
      "<creationTime>18446744073709551615</creationTime></domaincheckpoint>",
      VIR_ERR_XML_ERROR, "creationTime", NULL },
    { "redefine without name", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_XML_ERROR, "name", NULL },
    { "redefine without creationTime", TEST_STAGE_PARSE, REDEF,
      "<domaincheckpoint><name>x</name></domaincheckpoint>",
      VIR_ERR_INTERNAL_ERROR, "creationTime", NULL },
    { "duplicate disk", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='vda'/><disk name='vda'/>"
      "</disks></domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "twice", DISKS3 },
    { "duplicate disk by target and path", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='vdb' checkpoint='no'/>"
      "<disk name='/img/vdb.qcow2'/></disks></domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "twice", DISKS3 },
    { "unknown disk", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='vdz'/></disks></domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "vdz", DISKS3 },
    { "more disks than the domain", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='vda'/><disk name='vda'/>"
      "<disk name='vdz'/></disks></domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "more disks", "vda,vdb" },
    { "domain without disks", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint/>",
      VIR_ERR_CONFIG_UNSUPPORTED, "no disks", "" },
    { "bitmap on a read-only disk", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='vdc'/></disks></domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "read-only", DISKS3 },
    { "bitmap on an empty CD-ROM", TEST_STAGE_ALIGN, 0,
      "<domaincheckpoint><disks><disk name='hdc' checkpoint='bitmap'/></disks>"
      "</domaincheckpoint>",
      VIR_ERR_CONFIG_UNSUPPORTED, "empty", "vda,-hdc" },
    { "own parent", TEST_STAGE_REDEFINE, REDEF,
      "<domaincheckpoint><name>e</name><parent><name>e</name></parent>"
      "<creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_INVALID_ARG, "own parent", NULL },
    { "missing parent", TEST_STAGE_REDEFINE, REDEF,
      "<domaincheckpoint><name>e</name><parent><name>zz</name></parent>"
      "<creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_INVALID_ARG, "not found", NULL },
    { "cycle through a child", TEST_STAGE_REDEFINE, REDEF,
      "<domaincheckpoint><name>a</name><parent><name>b</name></parent>"
      "<creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_INVALID_ARG, "cycle", NULL },
    { "cycle through a grandchild", TEST_STAGE_REDEFINE, REDEF,
      "<domaincheckpoint><name>a</name><parent><name>c</name></parent>"
      "<creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_INVALID_ARG, "cycle", NULL },
    { "redefine existing as own parent", TEST_STAGE_REDEFINE, REDEF,
      "<domaincheckpoint><name>b</name><parent><name>b</name></parent>"
      "<creationTime>5</creationTime></domaincheckpoint>",
      VIR_ERR_INVALID_ARG, "own parent", NULL },
};

static int
mymain(void)
{
    int ret = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].title, testOne, &cases[i]) < 0)
            ret = -1;
    }
    if (virTestRun("duplicate name added", testDuplicateAdd, NULL) < 0)
        ret = -1;
    if (virTestRun("unknown flags", testBadFlags, NULL) < 0)
        ret = -1;
    return ret;
}

VIR_TEST_MAIN(mymain)

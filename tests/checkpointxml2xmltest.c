/*
 * checkpointxml2xmltest.c: <domaincheckpoint> golden round trips
 *
 * Each case parses checkpointxml2xmlin/NAME.xml (create or redefine),
 * aligns the disks against a domain (a fake one built here, or the one
 * embedded in the document), formats with the case's flags and compares
 * with checkpointxml2xmlout/NAME.xml.  Inputs and outputs are also
 * checked against the schema, and the XML examples of
 * docs/formatcheckpoint.rst are parsed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "checkpoint_conf.h"
#include "virerror.h"
#include "virxml.h"

/* What the driver would read from the clock in these tests. */
#define TEST_NOW 1700000000LL

/* A domain's disks: "dst=SOURCE" items separated by commas; SOURCE is a
 * path, optionally followed by ":ro", or "cdrom" for an empty CD-ROM. */
#define TEST_DISKS "vda=/var/lib/images/root.qcow2," \
                   "vdb=/var/lib/images/data.qcow2," \
                   "hdc=cdrom," \
                   "vdc=/srv/ro.img:ro"

typedef struct {
    const char *name;
    unsigned int parseFlags;
    unsigned int formatFlags;
    const char *disks;      /* fake domain for alignment, NULL = none */
    bool size;              /* give every bitmap disk a computed size */
} testInfo;

/* Build a domain holding only the disks of spec. */
static virDomainDef *
testFakeDomain(const char *spec)
{
    g_autoptr(virDomainDef) dom = virDomainDefNew();
    g_auto(GStrv) items = g_strsplit(spec, ",", -1);
    size_t i;

    dom->name = g_strdup("fake");
    dom->ndisks = g_strv_length(items);
    dom->disks = g_new0(virDomainDiskDef *, dom->ndisks);
    for (i = 0; i < dom->ndisks; i++) {
        virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);
        g_auto(GStrv) kv = g_strsplit(items[i], "=", 2);
        const char *src = kv[1];

        dom->disks[i] = disk;
        disk->dst = g_strdup(kv[0]);
        disk->src = virStorageSourceNew();
        disk->bus = VIR_DOMAIN_DISK_BUS_VIRTIO;
        if (g_str_equal(src, "cdrom")) {
            disk->device = VIR_DOMAIN_DISK_DEVICE_CDROM;
            disk->src->readonly = true;
            continue;
        }
        disk->src->type = VIR_STORAGE_TYPE_FILE;
        disk->src->format = VIR_STORAGE_FILE_QCOW2;
        if (g_str_has_suffix(src, ":ro")) {
            disk->src->path = g_strndup(src, strlen(src) - 3);
            disk->src->readonly = true;
        } else {
            disk->src->path = g_strdup(src);
        }
    }
    return g_steal_pointer(&dom);
}

/* Check a document against domaincheckpoint.rng on its own. */
static int
testValidate(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;

    if (!(doc = virXMLParseString(xml, NULL, "domaincheckpoint", NULL)))
        return -1;
    return virXMLValidateAgainstSchema("domaincheckpoint", doc);
}

static int
testRoundTrip(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *inpath = g_strdup_printf("%s/checkpointxml2xmlin/%s.xml",
                                              abs_srcdir, info->name);
    g_autofree char *outpath = g_strdup_printf("%s/checkpointxml2xmlout/%s.xml",
                                               abs_srcdir, info->name);
    g_autofree char *in = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;
    size_t i;

    if (!(in = virTestLoadFile(inpath)))
        return -1;
    if (testValidate(in) < 0) {
        virTestDiag("input does not validate: %s", virGetLastErrorMessage());
        return -1;
    }
    if (!(def = virDomainCheckpointDefParseStringAt(in, TEST_NOW,
                                                    info->parseFlags))) {
        virTestDiag("parse failed: %s", virGetLastErrorMessage());
        return -1;
    }
    if (info->disks) {
        if (def->dom) {
            virTestDiag("case gives a fake domain but input embeds one");
            return -1;
        }
        def->dom = testFakeDomain(info->disks);
    }
    if (virDomainCheckpointAlignDisks(def) < 0) {
        virTestDiag("align failed: %s", virGetLastErrorMessage());
        return -1;
    }
    if (info->size) {
        for (i = 0; i < def->ndisks; i++) {
            if (def->disks[i].type != VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP)
                continue;
            def->disks[i].size = 1048576ULL * (i + 1);
            def->disks[i].sizeValid = true;
        }
    }
    if (!(actual = virDomainCheckpointDefFormat(def, info->formatFlags))) {
        virTestDiag("format failed: %s", virGetLastErrorMessage());
        return -1;
    }
    if (virTestCompareToFile(actual, outpath) < 0)
        return -1;
    if (testValidate(actual) < 0) {
        virTestDiag("output does not validate: %s", virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

/* An output, read back with REDEFINE and formatted again, is unchanged:
 * what Fleece writes to its metadata files it can load. */
static int
testReload(const void *opaque)
{
    const testInfo *info = opaque;
    g_autofree char *outpath = g_strdup_printf("%s/checkpointxml2xmlout/%s.xml",
                                               abs_srcdir, info->name);
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;

    if (!(expected = virTestLoadFile(outpath)))
        return -1;
    if (!(def = virDomainCheckpointDefParseString(expected,
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE)) ||
        virDomainCheckpointAlignDisks(def) < 0 ||
        !(actual = virDomainCheckpointDefFormat(def, info->formatFlags))) {
        virTestDiag("reload failed: %s", virGetLastErrorMessage());
        return -1;
    }
    return virTestCompareStrings(expected, actual);
}

/* Extract every ".. code-block:: xml" block of an .rst text. */
static GPtrArray *
testRstXMLBlocks(const char *rst)
{
    g_autoptr(GPtrArray) blocks = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(rst, "\n", -1);
    size_t i = 0;

    while (lines[i]) {
        g_autoptr(GString) block = NULL;

        if (strstr(lines[i], ".. code-block:: xml")) {
            block = g_string_new(NULL);
            for (i++; lines[i]; i++) {
                if (lines[i][0] == '\0') {
                    g_string_append_c(block, '\n');
                    continue;
                }
                if (!g_str_has_prefix(lines[i], "   "))
                    break;
                g_string_append_printf(block, "%s\n", lines[i] + 3);
            }
            g_ptr_array_add(blocks, g_string_free(g_steal_pointer(&block),
                                                  FALSE));
            continue;
        }
        i++;
    }
    return g_steal_pointer(&blocks);
}

/* The documented examples are real: each parses (as a redefinition when
 * it carries a creation time, as a create request otherwise). */
static int
testDocExamples(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *path = g_strdup_printf("%s/docs/formatcheckpoint.rst",
                                            abs_top_srcdir);
    g_autofree char *rst = NULL;
    g_autoptr(GPtrArray) blocks = NULL;
    size_t i;

    if (!(rst = virTestLoadFile(path)))
        return -1;
    blocks = testRstXMLBlocks(rst);
    if (blocks->len < 3) {
        virTestDiag("only %u XML examples found in %s", blocks->len, path);
        return -1;
    }
    for (i = 0; i < blocks->len; i++) {
        const char *xml = g_ptr_array_index(blocks, i);
        unsigned int flags = 0;
        g_autoptr(virDomainCheckpointDef) def = NULL;

        if (strstr(xml, "<creationTime>"))
            flags = VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE;
        if (!(def = virDomainCheckpointDefParseStringAt(xml, TEST_NOW, flags))) {
            virTestDiag("example %zu does not parse: %s\n%s", i + 1,
                        virGetLastErrorMessage(), xml);
            return -1;
        }
    }
    return 0;
}

static int
mymain(void)
{
    int ret = 0;
    const unsigned int redefine = VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE;
    const unsigned int nodom = VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN;
    const unsigned int secure = VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE;
    const unsigned int size = VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE;
    const testInfo cases[] = {
        { "create-empty", 0, nodom, TEST_DISKS, false },
        { "create-description", 0, nodom, TEST_DISKS, false },
        { "create-unlisted", 0, nodom, TEST_DISKS, false },
        { "create-path-names", 0, nodom, TEST_DISKS, false },
        { "create-custom-bitmap", 0, nodom, TEST_DISKS, false },
        { "create-ignored", 0, nodom | size, TEST_DISKS, false },
        { "create-order", 0, nodom, TEST_DISKS, false },
        { "create-readonly", 0, nodom, TEST_DISKS, false },
        { "redefine-nodomain", redefine, 0, NULL, false },
        { "redefine-minimal", redefine, secure, NULL, false },
        { "redefine-size", redefine, size, NULL, true },
        { "redefine-domain", redefine, secure, NULL, false },
        { "redefine-domain-nodomain", redefine, nodom, NULL, false },
        { "redefine-domain-alldisks", redefine, 0, NULL, false },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *title = g_strdup_printf("round trip %s",
                                                 cases[i].name);
        g_autofree char *rtitle = g_strdup_printf("reload %s", cases[i].name);

        if (virTestRun(title, testRoundTrip, &cases[i]) < 0)
            ret = -1;
        /* SIZE values are computed, not stored: they do not reload */
        if (cases[i].size)
            continue;
        if (virTestRun(rtitle, testReload, &cases[i]) < 0)
            ret = -1;
    }

    if (virTestRun("docs/formatcheckpoint.rst examples", testDocExamples,
                   NULL) < 0)
        ret = -1;

    return ret;
}

VIR_TEST_MAIN(mymain)

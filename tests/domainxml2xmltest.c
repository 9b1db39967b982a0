/*
 * domainxml2xmltest.c: <domain> round trips — golden files, libvirt's
 * checkpoint corpus, a libvirt dumpxml, and the examples of the docs
 *
 * Each input is validated against domain.rng, parsed, formatted and
 * compared with tests/domainxml2xmlout/NAME.xml (FLEECE_TEST_REGENERATE=1
 * rewrites those files).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "testcorpus.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virfile.h"
#include "virxml.h"

typedef struct {
    const char *name;       /* input file tests/domainxml2xmlin/NAME.xml */
    const char *out;        /* output file name, NULL = same as name */
    unsigned int parseFlags;
    unsigned int formatFlags;
    bool runnable;          /* must also pass virDomainDefValidateRunnable */
} testInfo;

/* Validate text against domain.rng. */
static int
testValidate(const char *xml)
{
    g_autoptr(xmlDoc) doc = NULL;

    if (!(doc = virXMLParseString(xml, "test.xml", "domain", NULL)))
        return -1;
    return virXMLValidateAgainstSchema("domain", doc);
}

/* Round trip one golden case, then check that the output is a fixed
 * point (parsing it again gives the same text). */
static int
testRoundTrip(const void *data)
{
    const testInfo *info = data;
    g_autofree char *inpath = g_strdup_printf("%s/domainxml2xmlin/%s.xml",
                                              abs_srcdir, info->name);
    g_autofree char *outpath = g_strdup_printf("%s/domainxml2xmlout/%s.xml",
                                               abs_srcdir,
                                               info->out ? info->out : info->name);
    g_autofree char *input = virTestLoadFile(inpath);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *actual2 = NULL;

    if (!input || testValidate(input) < 0)
        return -1;
    if (!(def = virDomainDefParseString(input, info->parseFlags)))
        return -1;
    if (info->runnable && virDomainDefValidateRunnable(def) < 0)
        return -1;
    if (!(actual = virDomainDefFormat(def, info->formatFlags)))
        return -1;
    if (virTestCompareToFile(actual, outpath) < 0)
        return -1;
    if (testValidate(actual) < 0)
        return -1;
    if (!(again = virDomainDefParseString(actual, info->parseFlags)) ||
        !(actual2 = virDomainDefFormat(again, info->formatFlags)))
        return -1;
    return virTestCompareStrings(actual, actual2);
}

/* Without <uuid> one is generated: it is not all zeros, differs between
 * two parses, and the rest of the output matches the golden file. */
static int
testUUIDGenerated(const void *data G_GNUC_UNUSED)
{
    static const unsigned char zero[VIR_UUID_BUFLEN] = { 0 };
    g_autofree char *inpath = g_strdup_printf("%s/domainxml2xmlin/uuid-generated.xml",
                                              abs_srcdir);
    g_autofree char *outpath = g_strdup_printf("%s/domainxml2xmlout/uuid-generated.xml",
                                               abs_srcdir);
    g_autofree char *input = virTestLoadFile(inpath);
    g_autoptr(virDomainDef) a = NULL;
    g_autoptr(virDomainDef) b = NULL;
    g_autoptr(virDomainDef) embedded = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *uuidline = NULL;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    char *pos;

    if (!input || testValidate(input) < 0 ||
        !(a = virDomainDefParseString(input, 0)) ||
        !(b = virDomainDefParseString(input, 0)))
        return -1;
    if (memcmp(a->uuid, zero, VIR_UUID_BUFLEN) == 0 ||
        memcmp(a->uuid, b->uuid, VIR_UUID_BUFLEN) == 0) {
        virTestDiag("uuid not generated or not random");
        return -1;
    }
    /* an embedded copy gets none */
    if (!(embedded = virDomainDefParseString(input,
                                             VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        memcmp(embedded->uuid, zero, VIR_UUID_BUFLEN) != 0)
        return -1;
    if (!(actual = virDomainDefFormat(a, 0)))
        return -1;
    uuidline = g_strdup_printf("  <uuid>%s</uuid>\n",
                               virUUIDFormat(a->uuid, uuidstr));
    if (!(pos = strstr(actual, uuidline))) {
        virTestDiag("generated uuid missing from the output");
        return -1;
    }
    memmove(pos, pos + strlen(uuidline), strlen(pos + strlen(uuidline)) + 1);
    return virTestCompareToFile(actual, outpath);
}

/* The <domain> embedded in one of libvirt's checkpoint files parses and
 * formats back to exactly the same text. */
static int
testCorpusEmbedded(const void *data)
{
    const char *path = data;
    g_autofree char *text = virTestLoadFile(path);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_autofree char *expected = NULL;
    xmlNodePtr node;
    const char *start;
    const char *end;

    if (!text || !(doc = virXMLParseString(text, path, NULL, NULL)))
        return -1;
    for (node = xmlDocGetRootElement(doc)->children; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE &&
            xmlStrEqual(node->name, BAD_CAST "domain"))
            break;
    }
    if (!node || !(start = strstr(text, "  <domain")) ||
        !(end = strstr(text, "  </domain>\n")))
        return -1;
    expected = g_strndup(start, end + strlen("  </domain>\n") - start);
    if (!(def = virDomainDefParseNode(doc, node,
                                      VIR_DOMAIN_DEF_PARSE_INACTIVE |
                                      VIR_DOMAIN_DEF_PARSE_VALIDATE)))
        return -1;
    virBufferAdjustIndent(&buf, 2);
    if (virDomainDefFormatInternal(def, &buf, VIR_DOMAIN_DEF_FORMAT_INACTIVE) < 0)
        return -1;
    return virTestCompareStrings(expected, virBufferCurrentContent(&buf));
}

/* A plain libvirt dumpxml defines unchanged: it validates, parses, is
 * runnable, and formats back equal after whitespace normalisation.  The
 * one documented difference: memory is always written in KiB, so the
 * expected text has the input's <memory> converted by this test. */
static int
testDumpxmlPlain(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = NULL;
    g_autofree char *raw = NULL;
    g_autofree char *dir = g_dir_make_tmp("fleece-domain-XXXXXX", NULL);
    g_autofree char *input = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *normExpected = NULL;
    g_autofree char *normActual = NULL;
    g_autoptr(virDomainDef) def = NULL;
    g_auto(GStrv) parts = NULL;
    g_auto(GStrv) memparts = NULL;
    int rc = -1;

    if (!virTestCompatDir())
        return virTestSkipBecause(TEST_CORPUS_MISSING);
    path = g_strdup_printf("%s/domains/libvirt-dumpxml-plain.xml",
                           virTestCompatDir());
    if (!(raw = virTestLoadFile(path)))
        goto cleanup;
    parts = g_strsplit(raw, "DISKDIR", -1);
    input = g_strjoinv(dir, parts);

    if (testValidate(input) < 0 ||
        !(def = virDomainDefParseString(input, 0)) ||
        virDomainDefValidateRunnable(def) < 0 ||
        !(actual = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE)))
        goto cleanup;
    memparts = g_strsplit(input, "<memory unit='MiB'>256</memory>", -1);
    if (g_strv_length(memparts) != 2) {
        virTestDiag("the corpus file no longer has 256 MiB of memory");
        goto cleanup;
    }
    expected = g_strjoinv("<memory unit='KiB'>262144</memory>", memparts);
    normExpected = virXMLNormalize(expected);
    normActual = virXMLNormalize(actual);
    if (!normExpected || !normActual)
        goto cleanup;
    rc = virTestCompareStrings(normExpected, normActual);

 cleanup:
    rmdir(dir);
    return rc;
}

/* Each ```xml block of docs/formatdomain.rst that holds a <domain>
 * validates, parses and is a fixed point of format. */
static int
testDocExamples(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = g_strdup_printf("%s/docs/formatdomain.rst",
                                            abs_top_srcdir);
    g_autofree char *text = virTestLoadFile(path);
    const char *p;
    int count = 0;

    if (!text)
        return -1;
    for (p = text; (p = strstr(p, "```xml\n")); ) {
        g_autofree char *block = NULL;
        g_autofree char *out1 = NULL;
        g_autofree char *out2 = NULL;
        g_autoptr(virDomainDef) def = NULL;
        g_autoptr(virDomainDef) def2 = NULL;
        const char *end;

        p += strlen("```xml\n");
        if (!(end = strstr(p, "```")))
            return -1;
        block = g_strndup(p, end - p);
        p = end + 3;
        if (!g_str_has_prefix(block, "<domain"))
            continue;
        count++;
        if (testValidate(block) < 0 ||
            !(def = virDomainDefParseString(block, 0)) ||
            virDomainDefValidateRunnable(def) < 0 ||
            !(out1 = virDomainDefFormat(def, 0)) ||
            !(def2 = virDomainDefParseString(out1, 0)) ||
            !(out2 = virDomainDefFormat(def2, 0)) ||
            virTestCompareStrings(out1, out2) < 0) {
            virTestDiag("docs example %d failed", count);
            return -1;
        }
    }
    if (count == 0) {
        virTestDiag("no <domain> examples in %s", path);
        return -1;
    }
    return 0;
}

/* virDomainDefCopy gives a definition that formats identically, live
 * data included. */
static int
testCopy(const void *data G_GNUC_UNUSED)
{
    g_autofree char *inpath = g_strdup_printf("%s/domainxml2xmlin/live-status.xml",
                                              abs_srcdir);
    g_autofree char *input = virTestLoadFile(inpath);
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virDomainDef) copy = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    unsigned int fl = VIR_DOMAIN_DEF_FORMAT_STATUS;

    if (!input ||
        !(def = virDomainDefParseString(input, VIR_DOMAIN_DEF_PARSE_STATUS)) ||
        !(copy = virDomainDefCopy(def)) ||
        !(a = virDomainDefFormat(def, fl)) ||
        !(b = virDomainDefFormat(copy, fl)))
        return -1;
    if (copy->disks[0] == def->disks[0] || copy->disks[0]->src == def->disks[0]->src)
        return -1;
    return virTestCompareStrings(a, b);
}

/* Lookups by target and by source path, and the writable-with-media
 * predicate, on a parsed definition. */
static int
testLookups(const void *data G_GNUC_UNUSED)
{
    g_autofree char *inpath = g_strdup_printf("%s/domainxml2xmlin/cdrom-readonly.xml",
                                              abs_srcdir);
    g_autofree char *input = virTestLoadFile(inpath);
    g_autoptr(virDomainDef) def = NULL;
    virDomainDiskDef *vda;
    virDomainDiskDef *sda;
    virDomainDiskDef *sdb;

    if (!input || !(def = virDomainDefParseString(input, 0)))
        return -1;
    if (!(vda = virDomainDiskByTarget(def, "vda")) ||
        virDomainDiskByName(def, "/var/lib/fleece/images/ro.qcow2") !=
        virDomainDiskByTarget(def, "vdb") ||
        virDomainDiskByName(def, "vda") != vda ||
        virDomainDiskByTarget(def, "/var/lib/fleece/images/ro.qcow2") ||
        virDomainDiskByName(def, "nope") || virDomainDiskByName(NULL, "vda"))
        return -1;
    sda = virDomainDiskByTarget(def, "sda");
    sdb = virDomainDiskByTarget(def, "sdb");
    if (!sda || !sdb)
        return -1;
    if (!virDomainDiskIsWritableWithMedia(vda) ||
        virDomainDiskIsWritableWithMedia(virDomainDiskByTarget(def, "vdb")) ||
        virDomainDiskIsWritableWithMedia(sda) ||
        virDomainDiskIsWritableWithMedia(sdb) ||
        virDomainDiskIsWritableWithMedia(NULL))
        return -1;
    return 0;
}

static const testInfo cases[] = {
    { "minimal", NULL, 0, 0, true },
    { "full-subset", NULL, 0, 0, true },
    { "kept-elements", NULL, 0, 0, true },
    { "memory-units", NULL, 0, 0, true },
    { "live-status", NULL, VIR_DOMAIN_DEF_PARSE_STATUS,
      VIR_DOMAIN_DEF_FORMAT_STATUS, true },
    { "live-status", "live-status-inactive", VIR_DOMAIN_DEF_PARSE_STATUS,
      VIR_DOMAIN_DEF_FORMAT_INACTIVE, true },
    { "live-status", "live-status-parsed-inactive", 0, 0, true },
    { "agent-channel", NULL, 0, 0, true },
    { "direct-kernel-boot", NULL, 0, 0, true },
    { "serial-log", NULL, 0, 0, true },
    { "cdrom-readonly", NULL, 0, 0, true },
    { "block-disk", NULL, 0, 0, true },
    { "sata-scsi", NULL, 0, 0, true },
    { "backing-chain-user", NULL, 0, VIR_DOMAIN_DEF_FORMAT_INACTIVE, true },
    { "out-of-order", NULL, 0, 0, true },
    { "not-runnable", NULL, 0, 0, false },
    { "namespaces", NULL, 0, 0, false },
};

static int
mymain(void)
{
    int ret = 0;
    size_t i;
    const char *compat = virTestCompatDir();
    static const char *const corpus[] = {
        "qemudomaincheckpointxml2xmlout/redefine.xml",
        "qemudomaincheckpointxml2xmlout/internal-active-invalid.xml",
        "qemudomaincheckpointxml2xmlout/internal-inactive-invalid.xml",
    };

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *title = g_strdup_printf("round trip %s",
                                                 cases[i].out ? cases[i].out :
                                                 cases[i].name);

        if (virTestRun(title, testRoundTrip, &cases[i]) < 0)
            ret = -1;
    }
    if (virTestRun("uuid generated when absent", testUUIDGenerated, NULL) < 0)
        ret = -1;
    if (virTestRun("copy formats identically", testCopy, NULL) < 0)
        ret = -1;
    if (virTestRun("disk lookups", testLookups, NULL) < 0)
        ret = -1;
    if (virTestRun("docs/formatdomain.rst examples", testDocExamples, NULL) < 0)
        ret = -1;

    for (i = 0; i < G_N_ELEMENTS(corpus); i++) {
        g_autofree char *path = NULL;
        g_autofree char *title = g_strdup_printf("libvirt corpus %s", corpus[i]);

        if (!compat) {
            virTestSkip(title, TEST_CORPUS_MISSING);
            continue;
        }
        path = g_strdup_printf("%s/libvirt-testdata/tests/%s", compat, corpus[i]);
        if (virTestRun(title, testCorpusEmbedded, path) < 0)
            ret = -1;
    }
    if (virTestRun("libvirt dumpxml defines unchanged", testDumpxmlPlain, NULL) < 0)
        ret = -1;
    return ret;
}

VIR_TEST_MAIN(mymain)

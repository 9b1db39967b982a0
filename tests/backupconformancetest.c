/*
 * backupconformancetest.c: libvirt's own <domainbackup> test corpus run
 * through Fleece the way libvirt's test harness runs it: parse, align with
 * a fake domain (one /fake/DST.qcow2 disk per listed disk plus
 * 'vdextradisk') and suffix "SUFFIX", format, compare with libvirt's
 * expected output; '*-internal-invalid' inputs must be refused by the
 * public parser and round-trip through the status flavour.  Also the
 * <domainbackup> kept in libvirt's status XML test file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "testutils.h"
#include "testcorpus.h"
#include "backup_conf.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virxml.h"

#define TEST_INTERNAL_SUFFIX "-internal-invalid.xml"

typedef struct {
    char *name;      /* file name, e.g. "backup-pull.xml" */
    char *inFile;
    char *outFile;
} testCorpusFile;

static unsigned int testPassed;

/* The fake domain of libvirt's harness. */
static virDomainDef *
testBuildDomain(const virDomainBackupDef *backup)
{
    virDomainDef *def = virDomainDefNew();
    size_t i;

    def->name = g_strdup("fake");
    def->ndisks = backup->ndisks + 1;
    def->disks = g_new0(virDomainDiskDef *, def->ndisks);
    for (i = 0; i < def->ndisks; i++) {
        virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);
        const char *dst = i < backup->ndisks ? backup->disks[i].name :
                                               "vdextradisk";

        disk->dst = g_strdup(dst);
        disk->src = virStorageSourceNew();
        disk->src->type = VIR_STORAGE_TYPE_FILE;
        disk->src->format = VIR_STORAGE_FILE_QCOW2;
        disk->src->path = g_strdup_printf("/fake/%s.qcow2", dst);
        def->disks[i] = disk;
    }
    return def;
}

/* Same document once insignificant whitespace and quoting are ignored;
 * the byte-exact comparison is reported as a diagnostic only. */
static int
testCompareNormalized(const char *expected, const char *actual,
                      const char *what)
{
    g_autofree char *e = virXMLNormalize(expected);
    g_autofree char *a = virXMLNormalize(actual);

    if (!e || !a) {
        virTestDiag("%s: cannot normalise %s", what,
                    e ? "actual output" : "expected output");
        return -1;
    }
    if (virTestCompareStrings(e, a) < 0) {
        virTestDiag("(expected: %s)", what);
        return -1;
    }
    if (!g_str_equal(expected, actual))
        virTestDiag("%s: equal after normalisation, not byte for byte", what);
    return 0;
}

/* Parse (flags), align, format, compare with the expected file. */
static int
testCorpusRoundTrip(const testCorpusFile *f, bool internal)
{
    g_autofree char *input = virTestLoadFile(f->inFile);
    g_autofree char *expected = virTestLoadFile(f->outFile);
    g_autofree char *actual = NULL;
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autoptr(virDomainDef) dom = NULL;

    if (!input || !expected)
        return -1;
    if (!(def = virDomainBackupDefParseString(input,
                                              internal ? VIR_DOMAIN_BACKUP_PARSE_INTERNAL : 0)))
        return -1;
    dom = testBuildDomain(def);
    if (virDomainBackupAlignDisks(def, dom, "SUFFIX") < 0)
        return -1;
    if (!(actual = virDomainBackupDefFormatString(def, internal)))
        return -1;
    return testCompareNormalized(expected, actual, f->outFile);
}

static int
testCorpusPublic(const void *opaque)
{
    if (testCorpusRoundTrip(opaque, false) < 0)
        return -1;
    testPassed++;
    return 0;
}

/* Status-only input: the public parser refuses it by schema, the status
 * parser reads it and reproduces libvirt's output. */
static int
testCorpusInternal(const void *opaque)
{
    const testCorpusFile *f = opaque;
    g_autofree char *input = virTestLoadFile(f->inFile);
    g_autoptr(virDomainBackupDef) def = NULL;

    if (!input)
        return -1;
    if ((def = virDomainBackupDefParseString(input, 0))) {
        virTestDiag("public parser accepted %s", f->inFile);
        return -1;
    }
    if (virTestLastErrorCode() != VIR_ERR_XML_INVALID_SCHEMA) {
        virTestDiag("public parser failed with code %d, expected %d",
                    virTestLastErrorCode(), VIR_ERR_XML_INVALID_SCHEMA);
        return -1;
    }
    virResetLastError();
    if (testCorpusRoundTrip(f, true) < 0)
        return -1;
    testPassed++;
    return 0;
}

/* The <domainbackup> of a domain status file: status parse, status
 * format, compare with the element as libvirt wrote it. */
static int
testCorpusStatus(const void *opaque)
{
    const char *path = opaque;
    g_autofree char *text = virTestLoadFile(path);
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    xmlNodePtr node;

    if (!text ||
        !(doc = virXMLParseString(text, path, "domstatus", &ctxt)))
        return -1;
    if (!(node = virXPathNode("./backups/domainbackup", ctxt))) {
        virTestDiag("no <backups><domainbackup> in %s", path);
        return -1;
    }
    expected = virXMLNodeToString(doc, node);
    if (!(def = virDomainBackupDefParseNode(doc, node,
                                            VIR_DOMAIN_BACKUP_PARSE_INTERNAL)) ||
        !(actual = virDomainBackupDefFormatString(def, true)))
        return -1;
    if (testCompareNormalized(expected, actual, path) < 0)
        return -1;
    testPassed++;
    return 0;
}

/* Order of g_ptr_array_sort: it passes pointers to the elements. */
static gint
testCompareNames(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
testCorpusFileClear(testCorpusFile *f)
{
    g_free(f->name);
    g_free(f->inFile);
    g_free(f->outFile);
}

static int
mymain(void)
{
    const char *compat = virTestCompatDir();
    g_autofree char *inDir = NULL;
    g_autofree char *outDir = NULL;
    g_autofree char *statusFile = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = NULL;
    unsigned int total = 0;
    unsigned int skipped = 0;
    const char *ent;
    int ret = 0;
    size_t i;

    if (compat)
        inDir = g_strdup_printf("%s/libvirt-testdata/tests/domainbackupxml2xmlin",
                                compat);
    if (!inDir || !g_file_test(inDir, G_FILE_TEST_IS_DIR))
        return virTestSkipBecause(TEST_CORPUS_MISSING);
    outDir = g_strdup_printf("%s/libvirt-testdata/tests/domainbackupxml2xmlout",
                             compat);
    statusFile = g_strdup_printf("%s/libvirt-testdata/tests/qemustatusxml2xmldata/backup-pull-in.xml",
                                 compat);

    if (!(dir = g_dir_open(inDir, 0, NULL)))
        return -1;
    while ((ent = g_dir_read_name(dir))) {
        if (g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strdup(ent));
    }
    g_ptr_array_sort(names, testCompareNames);

    for (i = 0; i < names->len; i++) {
        testCorpusFile f = { 0 };
        g_autofree char *title = NULL;
        bool internal;

        f.name = g_strdup(names->pdata[i]);
        f.inFile = g_strdup_printf("%s/%s", inDir, f.name);
        f.outFile = g_strdup_printf("%s/%s", outDir, f.name);
        internal = g_str_has_suffix(f.name, TEST_INTERNAL_SUFFIX);
        title = g_strdup_printf("libvirt corpus %s%s", f.name,
                                internal ? " (status flavour)" : "");
        total++;

        if (!g_file_test(f.outFile, G_FILE_TEST_EXISTS)) {
            g_autofree char *reason = g_strdup_printf("no expected output %s",
                                                      f.outFile);
            virTestSkip(title, reason);
            skipped++;
        } else if (virTestRun(title, internal ? testCorpusInternal :
                                                testCorpusPublic, &f) < 0) {
            ret = -1;
        }
        testCorpusFileClear(&f);
    }

    total++;
    if (!g_file_test(statusFile, G_FILE_TEST_EXISTS)) {
        virTestSkip("libvirt status XML backup-pull-in.xml",
                    "status XML test file not in the corpus");
        skipped++;
    } else if (virTestRun("libvirt status XML backup-pull-in.xml",
                          testCorpusStatus, statusFile) < 0) {
        ret = -1;
    }

    virTestDiag("libvirt backup corpus: %u of %u passed, %u skipped",
                testPassed, total, skipped);
    return ret;
}

VIR_TEST_MAIN(mymain)

/*
 * checkpointconformancetest.c: libvirt's checkpoint XML corpus
 *
 * Every file of libvirt's qemudomaincheckpointxml2xml{in,out} directories
 * is run the way libvirt's own test uses it:
 *
 *  - an input with an output of the same name is parsed as a create
 *    request at a fixed time, aligned against a domain whose disks are
 *    the ones the input lists (or just vda), optionally given the parent
 *    1525111885 and a computed size for vda, formatted without domain;
 *  - an output with no input is parsed as a redefinition and must format
 *    back to itself;
 *  - a file named *-invalid.xml must be refused by the schema.
 *
 * Results are compared after whitespace normalisation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "testcorpus.h"
#include "checkpoint_conf.h"
#include "virerror.h"
#include "virxml.h"

#define TEST_PARENT_NAME "1525111885"
#define TEST_DEFAULT_TIME 1525889631LL

typedef enum {
    TEST_PARENT = 1 << 0,   /* the domain had a current checkpoint */
    TEST_SIZE = 1 << 1,     /* vda's dirty size is reported */
} testFlags;

/* Per-file settings of libvirt's harness that the files cannot tell. */
typedef struct {
    const char *name;
    long long now;
    unsigned int flags;
} testSetting;

static const testSetting settings[] = {
    { "empty", TEST_DEFAULT_TIME, 0 },
    { "disk-default", TEST_DEFAULT_TIME, TEST_PARENT },
    { "sample", TEST_DEFAULT_TIME, TEST_PARENT },
    { "size", 1553648510LL, TEST_PARENT | TEST_SIZE },
};

typedef struct {
    char *name;
    char *inpath;           /* NULL: redefine the output */
    char *outpath;          /* NULL: input only (must be invalid) */
    bool invalid;
    const testSetting *setting;
} testCase;

static void
testCaseFree(testCase *tc)
{
    g_free(tc->name);
    g_free(tc->inpath);
    g_free(tc->outpath);
    g_free(tc);
}

static size_t npassed;

/* A domain with one writable qcow2 disk per target in names. */
static virDomainDef *
testFakeDomain(GPtrArray *names)
{
    g_autoptr(virDomainDef) dom = virDomainDefNew();
    size_t i;

    dom->name = g_strdup("QEMUGuest1");
    dom->ndisks = names->len;
    dom->disks = g_new0(virDomainDiskDef *, dom->ndisks);
    for (i = 0; i < names->len; i++) {
        virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);
        const char *dst = g_ptr_array_index(names, i);

        dom->disks[i] = disk;
        disk->dst = g_strdup(dst);
        disk->bus = VIR_DOMAIN_DISK_BUS_VIRTIO;
        disk->src = virStorageSourceNew();
        disk->src->type = VIR_STORAGE_TYPE_FILE;
        disk->src->format = VIR_STORAGE_FILE_QCOW2;
        disk->src->path = g_strdup_printf("/fake/%s.qcow2", dst);
    }
    return g_steal_pointer(&dom);
}

/* Compare after normalising whitespace on both sides. */
static int
testCompareNormalized(const char *expected, const char *actual)
{
    g_autofree char *e = virXMLNormalize(expected);
    g_autofree char *a = virXMLNormalize(actual);

    if (!e || !a) {
        virTestDiag("cannot normalise %s", e ? "actual" : "expected");
        return -1;
    }
    return virTestCompareStrings(e, a);
}

/* An *-invalid file must be refused by the schema. */
static int
testInvalid(const testCase *tc)
{
    const char *path = tc->inpath ? tc->inpath : tc->outpath;
    unsigned int flags = tc->inpath ? 0 : VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE;
    g_autofree char *xml = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;

    if (!(xml = virTestLoadFile(path)))
        return -1;
    if ((def = virDomainCheckpointDefParseStringAt(xml, TEST_DEFAULT_TIME,
                                                   flags))) {
        virTestDiag("'%s' was accepted", path);
        return -1;
    }
    if (virTestLastErrorCode() != VIR_ERR_XML_INVALID_SCHEMA) {
        virTestDiag("'%s' failed with code %d, not the schema error: %s",
                    path, virTestLastErrorCode(), virGetLastErrorMessage());
        return -1;
    }
    return 0;
}

/* out -> out with REDEFINE: the embedded domain is kept and the disks
 * are aligned against it. */
static int
testRedefine(const testCase *tc)
{
    g_autofree char *xml = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;

    if (!(xml = virTestLoadFile(tc->outpath)))
        return -1;
    if (!(def = virDomainCheckpointDefParseString(xml,
                                                  VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE)) ||
        virDomainCheckpointAlignDisks(def) < 0 ||
        !(actual = virDomainCheckpointDefFormat(def,
                                                VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE))) {
        virTestDiag("%s", virGetLastErrorMessage());
        return -1;
    }
    return testCompareNormalized(xml, actual);
}

/* in -> out as a create request. */
static int
testCreate(const testCase *tc)
{
    const testSetting *st = tc->setting;
    unsigned int fmtflags = VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE |
                            VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN;
    g_autofree char *in = NULL;
    g_autofree char *expected = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(virDomainCheckpointDef) def = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    size_t i;

    if (!(in = virTestLoadFile(tc->inpath)) ||
        !(expected = virTestLoadFile(tc->outpath)))
        return -1;
    if (!(def = virDomainCheckpointDefParseStringAt(in, st->now, 0))) {
        virTestDiag("parse: %s", virGetLastErrorMessage());
        return -1;
    }

    for (i = 0; i < def->ndisks; i++)
        g_ptr_array_add(names, def->disks[i].name);
    if (names->len == 0)
        g_ptr_array_add(names, (char *) "vda");
    def->dom = testFakeDomain(names);

    if (st->flags & TEST_PARENT)
        def->parent_name = g_strdup(TEST_PARENT_NAME);
    if (virDomainCheckpointAlignDisks(def) < 0) {
        virTestDiag("align: %s", virGetLastErrorMessage());
        return -1;
    }
    if (st->flags & TEST_SIZE) {
        def->disks[0].size = 1048576;
        def->disks[0].sizeValid = true;
        fmtflags |= VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE;
    }
    if (!(actual = virDomainCheckpointDefFormat(def, fmtflags))) {
        virTestDiag("format: %s", virGetLastErrorMessage());
        return -1;
    }
    return testCompareNormalized(expected, actual);
}

static int
testOne(const void *opaque)
{
    const testCase *tc = opaque;
    int rc;

    if (tc->invalid)
        rc = testInvalid(tc);
    else if (!tc->inpath)
        rc = testRedefine(tc);
    else
        rc = testCreate(tc);
    if (rc == 0)
        npassed += !!tc->inpath + !!tc->outpath;
    return rc;
}

/* Names (without .xml) of the files of dir, sorted. */
static GPtrArray *
testListDir(const char *dir)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) d = NULL;
    const char *ent;

    if (!(d = g_dir_open(dir, 0, NULL)))
        return g_steal_pointer(&names);
    while ((ent = g_dir_read_name(d))) {
        if (g_str_has_suffix(ent, ".xml"))
            g_ptr_array_add(names, g_strndup(ent, strlen(ent) - 4));
    }
    g_ptr_array_sort(names, (GCompareFunc) g_strcmp0);
    return g_steal_pointer(&names);
}

static int
mymain(void)
{
    const char *compat = virTestCompatDir();
    g_autofree char *indir = NULL;
    g_autofree char *outdir = NULL;
    g_autoptr(GPtrArray) ins = NULL;
    g_autoptr(GPtrArray) outs = NULL;
    g_autoptr(GHashTable) cases = NULL;
    g_autoptr(GList) keys = NULL;
    GList *k;
    size_t nskipped = 0;
    size_t i;
    int ret = 0;

    if (compat) {
        indir = g_strdup_printf("%s/libvirt-testdata/tests/qemudomaincheckpointxml2xmlin",
                                compat);
        outdir = g_strdup_printf("%s/libvirt-testdata/tests/qemudomaincheckpointxml2xmlout",
                                 compat);
    }
    if (!compat || !g_file_test(indir, G_FILE_TEST_IS_DIR) ||
        !g_file_test(outdir, G_FILE_TEST_IS_DIR))
        return virTestSkipBecause(TEST_CORPUS_MISSING);

    cases = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                  (GDestroyNotify) testCaseFree);
    ins = testListDir(indir);
    outs = testListDir(outdir);

    for (i = 0; i < ins->len; i++) {
        testCase *tc = g_new0(testCase, 1);

        tc->name = g_strdup(g_ptr_array_index(ins, i));
        tc->inpath = g_strdup_printf("%s/%s.xml", indir, tc->name);
        g_hash_table_insert(cases, tc->name, tc);
    }
    for (i = 0; i < outs->len; i++) {
        const char *name = g_ptr_array_index(outs, i);
        testCase *tc = g_hash_table_lookup(cases, name);

        if (!tc) {
            tc = g_new0(testCase, 1);
            tc->name = g_strdup(name);
            g_hash_table_insert(cases, tc->name, tc);
        }
        tc->outpath = g_strdup_printf("%s/%s.xml", outdir, name);
    }

    keys = g_hash_table_get_keys(cases);
    keys = g_list_sort(keys, (GCompareFunc) g_strcmp0);
    for (k = keys; k; k = k->next) {
        testCase *tc = g_hash_table_lookup(cases, k->data);
        g_autofree char *title = NULL;

        tc->invalid = g_str_has_suffix(tc->name, "-invalid");
        for (i = 0; i < G_N_ELEMENTS(settings); i++) {
            if (g_str_equal(settings[i].name, tc->name))
                tc->setting = &settings[i];
        }
        title = g_strdup_printf("%s %s", tc->invalid ? "invalid" :
                                tc->inpath ? "in->out" : "redefine out->out",
                                tc->name);

        if (!tc->invalid && tc->inpath && !tc->outpath) {
            virTestSkip(title, "input without expected output");
            nskipped++;
            continue;
        }
        if (!tc->invalid && tc->inpath && !tc->setting) {
            virTestSkip(title, "no harness settings (time, parent) known for this file");
            nskipped++;
            continue;
        }
        if (virTestRun(title, testOne, tc) < 0)
            ret = -1;
    }

    virTestDiag("%zu of %u corpus files passed, %zu cases skipped", npassed,
                ins->len + outs->len, nskipped);
    return ret;
}

VIR_TEST_MAIN(mymain)

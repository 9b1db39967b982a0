/*
 * domainbackupxml2xmltest.c: <domainbackup> round trips — parse an input
 * from domainbackupxml2xmlin/, align it with a fake domain, format it and
 * compare with domainbackupxml2xmlout/; plus the examples of
 * docs/formatbackup.rst.
 *
 * FLEECE_TEST_REGENERATE=1 rewrites the expected files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "backup_conf.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virxml.h"

/* Which domain the backup is aligned with. */
typedef enum {
    /* one qcow2 file disk /fake/DST.qcow2 per disk named by the backup,
     * plus 'vdextradisk' (libvirt's own test domain) */
    TEST_DOMAIN_FROM_BACKUP,
    /* vda, vdb (files), hdc (read-only CD-ROM), sda (empty CD-ROM),
     * vdextradisk */
    TEST_DOMAIN_MIXED,
} testDomainKind;

typedef struct {
    const char *name;
    bool internal;          /* status flavour */
    const char *suffix;     /* NULL = "SUFFIX" */
    testDomainKind domain;
} testBackupCase;

/* Append a disk to a fake domain. */
static void
testDomainAddDisk(virDomainDef *def, const char *dst, int device,
                  int type, const char *path, bool readonly)
{
    virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);

    disk->dst = g_strdup(dst);
    disk->device = device;
    disk->bus = g_str_has_prefix(dst, "vd") ? VIR_DOMAIN_DISK_BUS_VIRTIO :
                                              VIR_DOMAIN_DISK_BUS_IDE;
    disk->src = virStorageSourceNew();
    disk->src->type = type;
    disk->src->path = g_strdup(path);
    disk->src->format = VIR_STORAGE_FILE_QCOW2;
    disk->src->readonly = readonly;
    def->disks = g_renew(virDomainDiskDef *, def->disks, def->ndisks + 1);
    def->disks[def->ndisks++] = disk;
}

static void
testDomainAddFakeFile(virDomainDef *def, const char *dst)
{
    g_autofree char *path = g_strdup_printf("/fake/%s.qcow2", dst);

    testDomainAddDisk(def, dst, VIR_DOMAIN_DISK_DEVICE_DISK,
                      VIR_STORAGE_TYPE_FILE, path, false);
}

/* Build the domain a case is aligned with. */
static virDomainDef *
testBuildDomain(const virDomainBackupDef *backup, testDomainKind kind)
{
    virDomainDef *def = virDomainDefNew();
    size_t i;

    def->name = g_strdup("fake");
    switch (kind) {
    case TEST_DOMAIN_FROM_BACKUP:
        for (i = 0; i < backup->ndisks; i++)
            testDomainAddFakeFile(def, backup->disks[i].name);
        break;
    case TEST_DOMAIN_MIXED:
        testDomainAddFakeFile(def, "vda");
        testDomainAddFakeFile(def, "vdb");
        testDomainAddDisk(def, "hdc", VIR_DOMAIN_DISK_DEVICE_CDROM,
                          VIR_STORAGE_TYPE_FILE, "/fake/install.iso", true);
        testDomainAddDisk(def, "sda", VIR_DOMAIN_DISK_DEVICE_CDROM,
                          VIR_STORAGE_TYPE_FILE, NULL, true);
        break;
    }
    testDomainAddFakeFile(def, "vdextradisk");
    return def;
}

/* Validate a document against domainbackup.rng. */
static int
testValidate(const char *xmlStr)
{
    g_autoptr(xmlDoc) doc = virXMLParseString(xmlStr, NULL, "domainbackup",
                                              NULL);

    if (!doc)
        return -1;
    return virXMLValidateAgainstSchema("domainbackup", doc);
}

/* One golden round trip: in → parse → align → format == out; the output
 * must parse again to itself (and, public flavour, match the schema). */
static int
testBackupRoundTrip(const void *opaque)
{
    const testBackupCase *tc = opaque;
    unsigned int flags = tc->internal ? VIR_DOMAIN_BACKUP_PARSE_INTERNAL : 0;
    g_autofree char *inFile = g_strdup_printf("%s/domainbackupxml2xmlin/%s.xml",
                                              abs_srcdir, tc->name);
    g_autofree char *outFile = g_strdup_printf("%s/domainbackupxml2xmlout/%s.xml",
                                               abs_srcdir, tc->name);
    g_autofree char *input = NULL;
    g_autofree char *actual = NULL;
    g_autofree char *again = NULL;
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autoptr(virDomainBackupDef) def2 = NULL;
    g_autoptr(virDomainDef) dom = NULL;

    if (!(input = virTestLoadFile(inFile)))
        return -1;

    /* public inputs follow the schema; status inputs must not (they carry
     * data a user may not give) */
    if (tc->internal) {
        if (testValidate(input) == 0) {
            virTestDiag("status input %s unexpectedly matches the schema",
                        inFile);
            return -1;
        }
        virResetLastError();
    } else if (testValidate(input) < 0) {
        return -1;
    }

    if (!(def = virDomainBackupDefParseString(input, flags)))
        return -1;
    dom = testBuildDomain(def, tc->domain);
    if (virDomainBackupAlignDisks(def, dom, tc->suffix ? tc->suffix : "SUFFIX") < 0)
        return -1;
    if (!(actual = virDomainBackupDefFormatString(def, tc->internal)))
        return -1;
    if (virTestCompareToFile(actual, outFile) < 0)
        return -1;

    if (!tc->internal && testValidate(actual) < 0)
        return -1;
    if (!(def2 = virDomainBackupDefParseString(actual, flags)) ||
        !(again = virDomainBackupDefFormatString(def2, tc->internal)))
        return -1;
    return virTestCompareStrings(actual, again);
}

/* Aligning twice changes nothing the second time. */
static int
testBackupAlignIdempotent(const void *opaque)
{
    const testBackupCase *tc = opaque;
    unsigned int flags = tc->internal ? VIR_DOMAIN_BACKUP_PARSE_INTERNAL : 0;
    g_autofree char *inFile = g_strdup_printf("%s/domainbackupxml2xmlin/%s.xml",
                                              abs_srcdir, tc->name);
    g_autofree char *input = NULL;
    g_autofree char *once = NULL;
    g_autofree char *twice = NULL;
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autoptr(virDomainDef) dom = NULL;
    const char *suffix = tc->suffix ? tc->suffix : "SUFFIX";

    if (!(input = virTestLoadFile(inFile)) ||
        !(def = virDomainBackupDefParseString(input, flags)))
        return -1;
    dom = testBuildDomain(def, tc->domain);
    if (virDomainBackupAlignDisks(def, dom, suffix) < 0 ||
        !(once = virDomainBackupDefFormatString(def, tc->internal)) ||
        virDomainBackupAlignDisks(def, dom, "OTHER") < 0 ||
        !(twice = virDomainBackupDefFormatString(def, tc->internal)))
        return -1;
    return virTestCompareStrings(once, twice);
}

/* The examples of docs/formatbackup.rst: every ".. code-block:: xml"
 * holding a <domainbackup> must parse (status flavour when its caption
 * says "status") and survive a format/parse round trip. */
static int
testBackupDocExamples(const void *opaque G_GNUC_UNUSED)
{
    g_autofree char *path = g_strdup_printf("%s/docs/formatbackup.rst",
                                            abs_top_srcdir);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    size_t nexamples = 0;
    size_t i;

    if (!(text = virTestLoadFile(path)))
        return -1;
    lines = g_strsplit(text, "\n", -1);

    for (i = 0; lines[i]; i++) {
        g_autoptr(GString) block = NULL;
        g_autoptr(virDomainBackupDef) def = NULL;
        g_autoptr(virDomainBackupDef) def2 = NULL;
        g_autofree char *out = NULL;
        g_autofree char *out2 = NULL;
        unsigned int flags = 0;
        size_t start = i + 1;

        if (!g_str_has_prefix(lines[i], ".. code-block:: xml"))
            continue;

        /* options (":caption: ..."), then a blank line, then the body */
        for (i = start; lines[i] && g_str_has_prefix(lines[i], "   :"); i++) {
            if (strstr(lines[i], "status"))
                flags |= VIR_DOMAIN_BACKUP_PARSE_INTERNAL;
        }
        block = g_string_new(NULL);
        for (; lines[i]; i++) {
            if (*lines[i] && !g_str_has_prefix(lines[i], "   "))
                break;
            g_string_append_printf(block, "%s\n",
                                   *lines[i] ? lines[i] + 3 : "");
        }
        i--;
        if (!strstr(block->str, "<domainbackup"))
            continue;
        nexamples++;

        if (!(def = virDomainBackupDefParseString(block->str, flags))) {
            virTestDiag("example at line %zu of %s does not parse",
                        start, path);
            return -1;
        }
        out = virDomainBackupDefFormatString(def, flags != 0);
        if (!out || !(def2 = virDomainBackupDefParseString(out, flags)) ||
            !(out2 = virDomainBackupDefFormatString(def2, flags != 0)) ||
            virTestCompareStrings(out, out2) < 0) {
            virTestDiag("example at line %zu of %s does not round-trip",
                        start, path);
            return -1;
        }
    }

    if (nexamples < 4) {
        virTestDiag("only %zu <domainbackup> examples found in %s",
                    nexamples, path);
        return -1;
    }
    virTestDiag("%zu documentation examples parsed", nexamples);
    return 0;
}

static int
mymain(void)
{
    static const testBackupCase cases[] = {
        { "empty", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "empty-mixed", false, NULL, TEST_DOMAIN_MIXED },
        { "incremental-only", false, "1700000000", TEST_DOMAIN_MIXED },
        { "push-full", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-bandwidth", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-incremental", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-overrides", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-raw-target", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-block-target", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "push-autonames", false, "chk-2024", TEST_DOMAIN_MIXED },
        { "push-encrypted-cipher", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-tcp", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-tcp-tls", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-ipv6", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-unix", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-fd", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-block-scratch", false, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "pull-no-scratch", false, "1700000000", TEST_DOMAIN_MIXED },
        { "status-push", true, NULL, TEST_DOMAIN_FROM_BACKUP },
        { "status-pull", true, NULL, TEST_DOMAIN_FROM_BACKUP },
    };
    int ret = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *title = g_strdup_printf("round trip %s", cases[i].name);
        g_autofree char *title2 = g_strdup_printf("align twice %s",
                                                  cases[i].name);

        if (virTestRun(title, testBackupRoundTrip, &cases[i]) < 0)
            ret = -1;
        if (virTestRun(title2, testBackupAlignIdempotent, &cases[i]) < 0)
            ret = -1;
    }
    if (virTestRun("documentation examples", testBackupDocExamples, NULL) < 0)
        ret = -1;
    return ret;
}

VIR_TEST_MAIN(mymain)

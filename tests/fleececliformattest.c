/*
 * fleececliformattest.c: the layouts the fleece tool prints — tables,
 * checkpoint trees, domjobinfo, progress — against expected text in
 * tests/fleececlidata/ (the table and tree files were captured from virsh
 * 9.0 on its test driver), and the XML readers on libvirt's domain XML
 *
 * Links tools/fleece-format.c with libfleece.so (public API only).
 * Output is TAP.  FLEECE_TEST_REGENERATE=1 rewrites the expected files.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleece-shell.h"

static unsigned int ntests;
static unsigned int nfailed;

static void
report(bool ok, const char *title)
{
    ntests++;
    printf("%s %u - %s\n", ok ? "ok" : "not ok", ntests, title);
    if (!ok)
        nfailed++;
}

/* Compare @got with the file DATA/@name; regenerate it when asked. */
static bool
compareFile(const char *name, const char *got)
{
    g_autofree char *path = g_build_filename(ABS_SRCDIR, "fleececlidata", name, NULL);
    g_autofree char *want = NULL;

    if (g_getenv("FLEECE_TEST_REGENERATE")) {
        if (!g_file_set_contents(path, got, -1, NULL))
            return false;
    }
    if (!g_file_get_contents(path, &want, NULL, NULL)) {
        printf("# cannot read %s\n", path);
        return false;
    }
    if (!g_str_equal(want, got)) {
        g_auto(GStrv) wl = g_strsplit(want, "\n", -1);
        g_auto(GStrv) gl = g_strsplit(got, "\n", -1);
        g_autofree char *w = g_strjoinv("\n# ", wl);
        g_autofree char *g = g_strjoinv("\n# ", gl);

        printf("# %s differs\n# expected:\n# %s\n# got:\n# %s\n", name, w, g);
        return false;
    }
    return true;
}

static void
testTree(const char *file, const char *const *names, const int *parents, size_t n)
{
    g_autofree char *got = fleeceTreeFormat(names, parents, n);
    g_autofree char *title = g_strdup_printf("tree %s", file);

    report(compareFile(file, got), title);
}

static void
testTrees(void)
{
    /* a(b(d), c(f, g)), e: as virsh lists them, sorted by name */
    const char *const branches[] = { "a", "b", "c", "d", "e", "f", "g" };
    const int branchParents[] = { -1, 0, 0, 1, -1, 2, 2 };
    const char *const chain[] = { "c1", "c2", "c3" };
    const int chainParents[] = { -1, 0, 1 };
    /* --from c: the start checkpoint is the root */
    const char *const from[] = { "c", "f", "g" };
    const int fromParents[] = { -1, 0, 0 };

    testTree("tree-branches.txt", branches, branchParents, G_N_ELEMENTS(branches));
    testTree("tree-chain.txt", chain, chainParents, G_N_ELEMENTS(chain));
    testTree("tree-from.txt", from, fromParents, G_N_ELEMENTS(from));
}

static void
testTables(void)
{
    g_autoptr(fleeceTable) parent = fleeceTableNew("Name", "Creation Time", "Parent", NULL);
    g_autoptr(fleeceTable) quiet = fleeceTableNew("Id", "Name", "State", NULL);
    g_autoptr(fleeceTable) details = fleeceTableNew("Type", "Device", "Target", "Source",
                                                    NULL);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *c = NULL;

    fleeceTableAddRow(parent, "c1", "2026-11-22 05:04:56 +0000", "", NULL);
    fleeceTableAddRow(parent, "c2", "2026-11-22 05:04:56 +0000", "c1", NULL);
    fleeceTableAddRow(parent, "c3", "2026-11-22 05:04:56 +0000", "c2", NULL);
    a = fleeceTableFormat(parent, false);
    report(compareFile("table-parent.txt", a), "table with an empty last cell");

    fleeceTableAddRow(quiet, "1", "test", "running", NULL);
    b = fleeceTableFormat(quiet, true);
    report(compareFile("table-quiet.txt", b), "quiet table: no header, data widths");

    fleeceTableAddRow(details, "file", "disk", "vda", "/guest/diskimage1", NULL);
    c = fleeceTableFormat(details, false);
    report(compareFile("table-details.txt", c), "four-column table");
}

static void
testJobInfo(const char *file, int type, virTypedParameterPtr params, int nparams,
            bool anystats)
{
    g_autofree char *got = fleeceJobInfoFormat(type, params, nparams, anystats);
    g_autofree char *title = g_strdup_printf("domjobinfo %s", file);

    report(compareFile(file, got), title);
}

static void
testJobInfos(void)
{
    virTypedParameterPtr p = NULL;
    int n = 0, max = 0;

    testJobInfo("jobinfo-none.txt", VIR_DOMAIN_JOB_NONE, NULL, 0, false);

    virTypedParamsAddInt(&p, &n, &max, VIR_DOMAIN_JOB_OPERATION, VIR_DOMAIN_JOB_OPERATION_BACKUP);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 1500);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_TOTAL, 64ULL << 20);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_PROCESSED, 16ULL << 20);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_REMAINING, 48ULL << 20);
    testJobInfo("jobinfo-push.txt", VIR_DOMAIN_JOB_UNBOUNDED, p, n, false);
    virTypedParamsFree(p, n);
    p = NULL;
    n = max = 0;

    virTypedParamsAddInt(&p, &n, &max, VIR_DOMAIN_JOB_OPERATION, VIR_DOMAIN_JOB_OPERATION_BACKUP);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 20);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_TEMP_USED, 192ULL << 10);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_TEMP_TOTAL, 1ULL << 30);
    testJobInfo("jobinfo-pull.txt", VIR_DOMAIN_JOB_UNBOUNDED, p, n, false);
    virTypedParamsFree(p, n);
    p = NULL;
    n = max = 0;

    virTypedParamsAddInt(&p, &n, &max, VIR_DOMAIN_JOB_OPERATION, VIR_DOMAIN_JOB_OPERATION_BACKUP);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_TIME_ELAPSED, 700);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_TOTAL, 2ULL << 30);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_PROCESSED, 3ULL << 29);
    virTypedParamsAddULLong(&p, &n, &max, VIR_DOMAIN_JOB_DISK_REMAINING, 1ULL << 29);
    virTypedParamsAddBoolean(&p, &n, &max, VIR_DOMAIN_JOB_SUCCESS, 0);
    virTypedParamsAddString(&p, &n, &max, VIR_DOMAIN_JOB_ERRMSG, "No space left on device");
    testJobInfo("jobinfo-failed.txt", VIR_DOMAIN_JOB_FAILED, p, n, false);
    testJobInfo("jobinfo-failed-anystats.txt", VIR_DOMAIN_JOB_FAILED, p, n, true);
    virTypedParamsFree(p, n);
}

static void
testCapacity(void)
{
    static const struct {
        unsigned long long val;
        const char *text;
    } cases[] = {
        { 0, "0.000 B" },
        { 1023, "1023.000 B" },
        { 1024, "1.000 KiB" },
        { 1536ULL << 20, "1.500 GiB" },
        { 1ULL << 40, "1.000 TiB" },
    };
    size_t i;
    bool ok = true;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *unit;
        double d = fleecePrettyCapacity(cases[i].val, &unit);
        g_autofree char *got = g_strdup_printf("%.3f %s", d, unit);

        if (!g_str_equal(got, cases[i].text)) {
            printf("# %llu: got '%s', want '%s'\n", cases[i].val, got, cases[i].text);
            ok = false;
        }
    }
    report(ok, "sizes in binary units");
}

static void
testProgress(void)
{
    g_autofree char *bar = fleeceProgressFormat(16ULL << 20, 64ULL << 20,
                                                8.0 * (1 << 20), true);
    g_autofree char *line = fleeceProgressFormat(16ULL << 20, 64ULL << 20,
                                                 8.0 * (1 << 20), false);
    g_autofree char *start = fleeceProgressFormat(0, 64ULL << 20, 0, false);

    report(g_str_equal(bar, "[#######.......................]  25%  8.0 MiB/s  ETA 0:06"),
           "progress bar with rate and ETA");
    if (!g_str_equal(bar, "[#######.......................]  25%  8.0 MiB/s  ETA 0:06"))
        printf("# got '%s'\n", bar);
    report(g_str_equal(line, "progress: 25% (16.0 MiB of 64.0 MiB), 8.0 MiB/s, ETA 0:06"),
           "progress line");
    if (!g_str_equal(line, "progress: 25% (16.0 MiB of 64.0 MiB), 8.0 MiB/s, ETA 0:06"))
        printf("# got '%s'\n", line);
    report(g_str_equal(start, "progress: 0% (0.0 B of 64.0 MiB)"),
           "progress line before the rate is known");
}

static void
testXML(void)
{
    g_autofree char *path = g_build_filename(ABS_TOP_SRCDIR, "tests", "data", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GPtrArray) disks = NULL;
    g_autofree char *ostype = NULL;
    g_autofree char *mode = NULL;
    g_autofree char *nomode = NULL;
    fleeceDiskInfo *d;

    if (!g_file_get_contents(path, &xml, NULL, NULL)) {
        printf("# cannot read %s\n", path);
        report(false, "domain XML disks");
        return;
    }
    disks = fleeceXMLDisks(xml);
    report(disks && disks->len == 2 &&
           (d = g_ptr_array_index(disks, 1)) &&
           g_str_equal(d->target, "vdb") && g_str_equal(d->type, "file") &&
           g_str_equal(d->device, "disk") &&
           g_str_equal(d->source, "DISKDIR/vdb.qcow2"), "domain XML disks");
    ostype = fleeceXMLText(xml, "domain/os/type");
    report(ostype && g_str_equal(ostype, "hvm"), "domain XML text");
    mode = fleeceXMLRootAttr("<domainbackup mode='pull'><disks/></domainbackup>", "mode");
    nomode = fleeceXMLRootAttr("<domainbackup/>", "mode");
    report(mode && g_str_equal(mode, "pull") && !nomode, "root attribute");
    report(!fleeceXMLDisks("<domain><devices>") , "broken XML refused");
}

int
main(void)
{
    testTrees();
    testTables();
    testJobInfos();
    testCapacity();
    testProgress();
    testXML();
    printf("1..%u\n", ntests);
    return nfailed ? 1 : 0;
}

/*
 * qemuimgtest.c: qemu-img wrappers against the real qemu-img
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutils.h"
#include "qemu_img.h"
#include "vircommand.h"
#include "virerror.h"

static char *testDir;

static char *
testPath(const char *name)
{
    return g_build_filename(testDir, name, NULL);
}

/* "name:granularity:flags" for each bitmap, space separated. */
static char *
testBitmapList(const qemuImgInfo *info)
{
    GString *str = g_string_new(NULL);
    size_t i;

    for (i = 0; i < info->nbitmaps; i++) {
        g_string_append_printf(str, "%s%s:%llu:%s%s", i ? " " : "",
                               info->bitmaps[i].name,
                               info->bitmaps[i].granularity,
                               info->bitmaps[i].recording ? "auto" : "",
                               info->bitmaps[i].inUse ? ",in-use" : "");
    }
    return g_string_free(str, FALSE);
}

static char *
testBitmapsOf(const char *path)
{
    g_autoptr(qemuImgInfo) info = qemuImgGetInfo(NULL, path, "qcow2", false);

    return info ? testBitmapList(info) : NULL;
}

/* Write a pattern into an image with qemu-io (a guest write). */
static int
testWrite(const char *path, const char *format, const char *what)
{
    g_autoptr(virCommand) cmd =
        virCommandNewArgList("qemu-io", "-f", format, "-c", what, path, NULL);

    return virCommandRun(cmd, NULL);
}

static int
testCreateInfo(const void *data G_GNUC_UNUSED)
{
    g_autofree char *base = testPath("base.qcow2");
    g_autofree char *raw = testPath("disk.raw");
    g_autoptr(qemuImgInfo) info = NULL;
    g_autoptr(qemuImgInfo) rawinfo = NULL;
    struct stat sb;

    if (qemuImgCreate(NULL, base, QEMU_IMG_FORMAT_QCOW2, 4 * 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0)
        return -1;
    if (!(info = qemuImgGetInfo(NULL, base, NULL, false)))
        return -1;
    if (g_strcmp0(info->format, "qcow2") != 0 ||
        info->virtualSize != 4 * 1024 * 1024 || info->nbitmaps != 0 ||
        info->backingFilename || info->backing || info->dirty ||
        info->corrupt || !g_str_has_suffix(info->filename, "base.qcow2"))
        return -1;

    if (qemuImgCreate(NULL, raw, QEMU_IMG_FORMAT_RAW, 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0)
        return -1;
    if (stat(raw, &sb) < 0 || sb.st_size != 1024 * 1024)
        return -1;
    if (!(rawinfo = qemuImgGetInfo(NULL, raw, "raw", false)) ||
        g_strcmp0(rawinfo->format, "raw") != 0 ||
        rawinfo->virtualSize != 1024 * 1024)
        return -1;
    return 0;
}

static int
testBackingChain(const void *data G_GNUC_UNUSED)
{
    g_autofree char *base = testPath("base.qcow2");
    g_autofree char *mid = testPath("mid.qcow2");
    g_autofree char *top = testPath("top.qcow2");
    g_autoptr(qemuImgInfo) info = NULL;
    g_autoptr(qemuImgInfo) single = NULL;

    /* the overlay takes its size from the backing image */
    if (qemuImgCreate(NULL, mid, QEMU_IMG_FORMAT_QCOW2, 0, base,
                      QEMU_IMG_FORMAT_QCOW2) < 0 ||
        qemuImgCreate(NULL, top, QEMU_IMG_FORMAT_QCOW2, 0, mid,
                      QEMU_IMG_FORMAT_QCOW2) < 0)
        return -1;
    if (!(info = qemuImgGetInfo(NULL, top, "qcow2", true)))
        return -1;
    if (!info->backing || !info->backing->backing ||
        info->backing->backing->backing)
        return -1;
    if (g_strcmp0(info->backingFilename, mid) != 0 ||
        g_strcmp0(info->backingFormat, "qcow2") != 0 ||
        g_strcmp0(info->backing->filename, mid) != 0 ||
        g_strcmp0(info->backing->backingFilename, base) != 0 ||
        g_strcmp0(info->backing->backing->filename, base) != 0 ||
        info->backing->backing->backingFilename ||
        info->virtualSize != 4 * 1024 * 1024)
        return -1;
    /* without the chain, only the top */
    if (!(single = qemuImgGetInfo(NULL, top, "qcow2", false)) || single->backing ||
        g_strcmp0(single->backingFilename, mid) != 0)
        return -1;
    unlink(top);
    unlink(mid);
    return 0;
}

static int
testBitmaps(const void *data G_GNUC_UNUSED)
{
    g_autofree char *path = testPath("bitmaps.qcow2");
    g_autofree char *list = NULL;
    g_autoptr(qemuImgInfo) info = NULL;
    const qemuImgBitmap *b2;

    if (qemuImgCreate(NULL, path, QEMU_IMG_FORMAT_QCOW2, 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0)
        return -1;
    if (qemuImgBitmapAdd(NULL, path, "chk1", 0, false) < 0 ||
        qemuImgBitmapAdd(NULL, path, "chk2", 131072, true) < 0)
        return -1;
    if (!(info = qemuImgGetInfo(NULL, path, "qcow2", false)))
        return -1;
    list = testBitmapList(info);
    if (virTestCompareStrings("chk1:65536:auto chk2:131072:", list) < 0)
        return -1;
    if (!(b2 = qemuImgInfoFindBitmap(info, "chk2")) || b2->recording ||
        qemuImgInfoFindBitmap(info, "chk3"))
        return -1;

    if (qemuImgBitmapRemove(NULL, path, "chk1") < 0)
        return -1;
    g_free(list);
    if (!(list = testBitmapsOf(path)) ||
        virTestCompareStrings("chk2:131072:", list) < 0)
        return -1;
    if (qemuImgBitmapEnable(NULL, path, "chk2") < 0)
        return -1;
    g_free(list);
    if (!(list = testBitmapsOf(path)) ||
        virTestCompareStrings("chk2:131072:auto", list) < 0)
        return -1;
    if (qemuImgBitmapAdd(NULL, path, "chk3", 65536, false) < 0 ||
        qemuImgBitmapDisable(NULL, path, "chk2") < 0 ||
        qemuImgBitmapMerge(NULL, path, "chk3", "chk2") < 0 ||
        qemuImgBitmapClear(NULL, path, "chk3") < 0)
        return -1;
    g_free(list);
    if (!(list = testBitmapsOf(path)) ||
        virTestCompareStrings("chk2:131072: chk3:65536:auto", list) < 0)
        return -1;
    return 0;
}

/* Failures carry qemu-img's own message and change nothing. */
static int
testErrors(const void *data G_GNUC_UNUSED)
{
    g_autofree char *missing = testPath("missing.qcow2");
    g_autofree char *path = testPath("bitmaps.qcow2");
    g_autofree char *before = testBitmapsOf(path);
    g_autofree char *after = NULL;
    g_autofree char *raw = testPath("disk.raw");

    if (!before)
        return -1;
    if (qemuImgGetInfo(NULL, missing, NULL, false) ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "No such file or directory") < 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "Could not open") < 0)
        return -1;
    if (qemuImgBitmapRemove(NULL, path, "nope") == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "nope") < 0)
        return -1;
    if (qemuImgBitmapAdd(NULL, path, "chk2", 0, false) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "chk2") < 0)
        return -1;
    if (qemuImgBitmapAdd(NULL, path, "badgran", 1000, false) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "ranularity") < 0)
        return -1;
    if (!(after = testBitmapsOf(path)) ||
        virTestCompareStrings(before, after) < 0)
        return -1;
    /* raw images cannot carry bitmaps */
    if (qemuImgBitmapAdd(NULL, raw, "chk1", 0, false) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, NULL) < 0)
        return -1;
    if (qemuImgCreate(NULL, missing, QEMU_IMG_FORMAT_QCOW2, 0, NULL,
                      QEMU_IMG_FORMAT_LAST) == 0 ||
        virTestCheckError(VIR_ERR_INVALID_ARG, "missing.qcow2") < 0 ||
        g_file_test(missing, G_FILE_TEST_EXISTS))
        return -1;
    if (qemuImgCreate(NULL, "/nonexistent-dir/x.qcow2", QEMU_IMG_FORMAT_QCOW2,
                      1024 * 1024, NULL, QEMU_IMG_FORMAT_LAST) == 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "/nonexistent-dir/x.qcow2") < 0)
        return -1;
    return 0;
}

/* Names that qemu-img would read as options or protocols are refused
 * before it runs; awkward but absolute names and bitmap names starting
 * with '-' work. */
static int
testOddNames(const void *data G_GNUC_UNUSED)
{
    const char *bad[] = { "rel.qcow2", "-obacking_file=/etc/passwd",
                          "json:{\"driver\":\"null-co\"}", "nbd:localhost:10809",
                          "" };
    g_autofree char *odd = testPath("-o,size=1,x.qcow2");
    g_autofree char *info = NULL;
    size_t i;
    int rc = -1;

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        if (qemuImgCreate(NULL, bad[i], QEMU_IMG_FORMAT_QCOW2, 1024 * 1024, NULL,
                          QEMU_IMG_FORMAT_LAST) == 0 ||
            virTestCheckError(VIR_ERR_INVALID_ARG, "is not absolute") < 0)
            return -1;
        if (qemuImgGetInfo(NULL, bad[i], NULL, false) ||
            virTestCheckError(VIR_ERR_INVALID_ARG, bad[i]) < 0)
            return -1;
        if (qemuImgBitmapAdd(NULL, bad[i], "b", 0, false) == 0 ||
            virTestCheckError(VIR_ERR_INVALID_ARG, "is not absolute") < 0)
            return -1;
        if (qemuImgCompare(NULL, odd, NULL, bad[i], NULL) != -1 ||
            virTestCheckError(VIR_ERR_INVALID_ARG, "is not absolute") < 0)
            return -1;
        if (g_file_test(bad[i], G_FILE_TEST_EXISTS)) {
            virTestDiag("'%s' was created", bad[i]);
            return -1;
        }
    }
    if (qemuImgCreate(NULL, odd, QEMU_IMG_FORMAT_QCOW2, 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0)
        return -1;
    if (qemuImgBitmapAdd(NULL, odd, "-g", 0, false) < 0 ||
        qemuImgBitmapAdd(NULL, odd, "--merge", 0, false) < 0 ||
        qemuImgBitmapMerge(NULL, odd, "-g", "--merge") < 0 ||
        qemuImgBitmapDisable(NULL, odd, "-g") < 0)
        goto cleanup;
    if (!(info = testBitmapsOf(odd)) ||
        virTestCompareStrings("-g:65536: --merge:65536:auto", info) < 0)
        goto cleanup;
    if (qemuImgCompare(NULL, odd, "qcow2", odd, NULL) != 0 ||
        qemuImgBitmapRemove(NULL, odd, "-g") < 0)
        goto cleanup;
    rc = 0;
 cleanup:
    unlink(odd);
    return rc;
}

static int
testCompare(const void *data G_GNUC_UNUSED)
{
    g_autofree char *a = testPath("cmp-a.qcow2");
    g_autofree char *b = testPath("cmp-b.qcow2");
    g_autofree char *missing = testPath("missing.qcow2");
    int rc = -1;

    if (qemuImgCreate(NULL, a, QEMU_IMG_FORMAT_QCOW2, 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0 ||
        qemuImgCreate(NULL, b, QEMU_IMG_FORMAT_QCOW2, 1024 * 1024, NULL,
                      QEMU_IMG_FORMAT_LAST) < 0)
        goto cleanup;
    if (qemuImgCompare(NULL, a, "qcow2", b, "qcow2") != 0)
        goto cleanup;
    if (testWrite(b, "qcow2", "write -P 0x5a 65536 4096") < 0 ||
        qemuImgCompare(NULL, a, "qcow2", b, "qcow2") != 1)
        goto cleanup;
    if (testWrite(a, "qcow2", "write -P 0x5a 65536 4096") < 0 ||
        qemuImgCompare(NULL, a, NULL, b, NULL) != 0)
        goto cleanup;
    if (qemuImgCompare(NULL, a, "qcow2", missing, "qcow2") != -1 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "missing.qcow2") < 0)
        goto cleanup;
    rc = 0;
 cleanup:
    unlink(a);
    unlink(b);
    return rc;
}

/* The flags QEMU leaves in a running (or killed) image's header, as
 * recorded in reference/qemu-7.2-mechanics.md §1.3; and bad output. */
static int
testParse(const void *data G_GNUC_UNUSED)
{
    const char *json =
        "{\"virtual-size\": 1048576, \"filename\": \"d.qcow2\","
        " \"format\": \"qcow2\", \"dirty-flag\": false,"
        " \"format-specific\": {\"type\": \"qcow2\", \"data\": {"
        "  \"corrupt\": false, \"bitmaps\": ["
        "   {\"flags\": [\"in-use\", \"auto\"], \"name\": \"b1\", \"granularity\": 65536},"
        "   {\"flags\": [\"in-use\"], \"name\": \"b0\", \"granularity\": 65536}]}}}";
    g_autoptr(qemuImgInfo) info = qemuImgInfoParse(json, false);
    g_autofree char *list = NULL;

    if (!info)
        return -1;
    list = testBitmapList(info);
    if (virTestCompareStrings("b1:65536:auto,in-use b0:65536:,in-use", list) < 0)
        return -1;
    if (qemuImgInfoParse(json, true) ||
        virTestCheckError(VIR_ERR_INTERNAL_ERROR, "qemu-img info") < 0)
        return -1;
    if (qemuImgInfoParse("[]", true) ||
        virTestCheckError(VIR_ERR_INTERNAL_ERROR, "qemu-img info") < 0)
        return -1;
    if (qemuImgInfoParse("{\"filename\": \"x\"}", false) ||
        virTestCheckError(VIR_ERR_INTERNAL_ERROR, "qemu-img info") < 0)
        return -1;
    return 0;
}

static int
mymain(void)
{
    g_autofree char *qemuimg = g_find_program_in_path(qemuImgBinary(NULL));
    g_autofree char *qemuio = g_find_program_in_path("qemu-io");
    g_autofree char *base = NULL;
    g_autofree char *bitmaps = NULL;
    g_autofree char *raw = NULL;
    int ret = 0;

    ret |= virTestRun("parse info JSON", testParse, NULL);
    if (!qemuimg || !qemuio) {
        return ret ? EXIT_FAILURE : virTestSkipBecause("qemu-img or qemu-io not found");
    }
    testDir = g_dir_make_tmp("fleece-img-XXXXXX", NULL);
    base = testPath("base.qcow2");
    bitmaps = testPath("bitmaps.qcow2");
    raw = testPath("disk.raw");

    ret |= virTestRun("create and info", testCreateInfo, NULL);
    ret |= virTestRun("backing chain", testBackingChain, NULL);
    ret |= virTestRun("bitmaps", testBitmaps, NULL);
    ret |= virTestRun("errors", testErrors, NULL);
    ret |= virTestRun("compare", testCompare, NULL);
    ret |= virTestRun("odd names", testOddNames, NULL);

    unlink(base);
    unlink(bitmaps);
    unlink(raw);
    if (rmdir(testDir) < 0) {
        virTestDiag("files left in '%s'", testDir);
        ret = -1;
    }
    g_free(testDir);
    return ret;
}

VIR_TEST_MAIN(mymain)

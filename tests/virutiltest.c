/*
 * virutiltest.c: files, names, enums, buffers, UUIDs, JSON and XML helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutils.h"
#include "virbuffer.h"
#include "virenum.h"
#include "virerror.h"
#include "virfile.h"
#include "virjson.h"
#include "viruuid.h"
#include "virxml.h"

typedef enum {
    TEST_COLOR_RED,
    TEST_COLOR_GREEN,
    TEST_COLOR_LAST
} testColor;
VIR_ENUM_DECL(testColor);
VIR_ENUM_IMPL(testColor, TEST_COLOR_LAST, "red", "green");

static int
testEnum(const void *data G_GNUC_UNUSED)
{
    if (!g_str_equal(testColorTypeToString(TEST_COLOR_GREEN), "green"))
        return -1;
    if (testColorTypeToString(TEST_COLOR_LAST) || testColorTypeToString(-1))
        return -1;
    if (testColorTypeFromString("red") != TEST_COLOR_RED)
        return -1;
    return testColorTypeFromString("blue") == -1 &&
           testColorTypeFromString(NULL) == -1 ? 0 : -1;
}

static int
testAtomicRewrite(const void *data G_GNUC_UNUSED)
{
    g_autofree char *dir = g_dir_make_tmp("fleece-file-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "state.xml", NULL);
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    g_autofree char *content = NULL;
    struct stat sb;
    int rc = -1;

    if (virFileRewriteStr(path, 0600, "first\n") < 0 ||
        virFileRewriteStr(path, 0600, "second\n") < 0)
        goto cleanup;
    if (virFileReadAll(path, 1024, &content) != 7 ||
        !g_str_equal(content, "second\n"))
        goto cleanup;
    if (virFileExists(tmp))      /* no temporary file left behind */
        goto cleanup;
    if (stat(path, &sb) < 0 || (sb.st_mode & 0777) != 0600)
        goto cleanup;
    /* an unwritable directory fails with a system error, nothing left */
    if (virFileRewriteStr("/nonexistent-dir/x", 0600, "x") == 0 ||
        virTestLastErrorCode() != VIR_ERR_SYSTEM_ERROR)
        goto cleanup;
    rc = 0;
 cleanup:
    unlink(path);
    rmdir(dir);
    return rc;
}

static int
testNames(const void *data G_GNUC_UNUSED)
{
    const char *good[] = { "vm1", "c-1_2.3", "x" };
    const char *bad[] = { "", "a/b", ".hidden", "..", "tab\there", "nl\n" };
    g_autofree char *huge = g_strnfill(VIR_NAME_MAX_LEN + 1, 'a');
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        if (virNameValidate("domain", good[i]) < 0)
            return -1;
    }
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        virResetLastError();
        if (virNameValidate("domain", bad[i]) == 0 ||
            virTestLastErrorCode() != VIR_ERR_XML_ERROR) {
            virTestDiag("name '%s' was accepted", bad[i]);
            return -1;
        }
    }
    return virNameValidate("checkpoint", huge) < 0 ? 0 : -1;
}

static int
testBuffer(const void *data G_GNUC_UNUSED)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(&buf);
    g_autofree char *out = NULL;

    virBufferAddLit(&buf, "<a>\n");
    virBufferAdjustIndent(&buf, 2);
    virBufferEscapeString(&attr, " name='%s'", "x<'&\">");
    child.indent = buf.indent + 2;
    virBufferAddLit(&child, "<c/>\n");
    virXMLFormatElement(&buf, "b", &attr, &child);
    virXMLFormatElement(&buf, "empty", NULL, NULL);
    virBufferAdjustIndent(&buf, -2);
    virBufferAddLit(&buf, "</a>\n");
    out = virBufferContentAndReset(&buf);
    return virTestCompareStrings("<a>\n"
                                 "  <b name='x&lt;&apos;&amp;&quot;&gt;'>\n"
                                 "    <c/>\n"
                                 "  </b>\n"
                                 "</a>\n", out);
}

static int
testUUID(const void *data G_GNUC_UNUSED)
{
    unsigned char a[VIR_UUID_BUFLEN], b[VIR_UUID_BUFLEN];
    char str[VIR_UUID_STRING_BUFLEN];

    if (virUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db1809", a) < 0)
        return -1;
    if (!g_str_equal(virUUIDFormat(a, str), "c7a5fdbd-edaf-9455-926a-d65c16db1809"))
        return -1;
    if (virUUIDParse("c7a5fdbdedaf9455926ad65c16db1809", b) < 0 ||
        memcmp(a, b, sizeof(a)) != 0)
        return -1;
    if (virUUIDParse("c7a5fdbd-edaf-9455-926a-d65c16db18", b) == 0 ||
        virUUIDParse("zz", b) == 0)
        return -1;
    virUUIDGenerate(a);
    virUUIDGenerate(b);
    return memcmp(a, b, sizeof(a)) != 0 ? 0 : -1;
}

static int
testJSON(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virJSONValue) v = NULL;
    unsigned long long n = 0;
    bool b = false;

    v = virJSONValueFromString("{\"return\": {\"id\": 7, \"ok\": true, \"s\": \"x\"}}");
    if (!v)
        return -1;
    if (virJSONValueObjectGetNumberULong(virJSONValueObjectGet(v, "return"), "id", &n) < 0 || n != 7)
        return -1;
    if (virJSONValueObjectGetBoolean(virJSONValueObjectGet(v, "return"), "ok", &b) < 0 || !b)
        return -1;
    if (!g_str_equal(virJSONValueObjectGetString(virJSONValueObjectGet(v, "return"), "s"), "x"))
        return -1;
    if (virJSONValueFromString("{\"a\": ") ||
        virTestLastErrorCode() != VIR_ERR_INTERNAL_ERROR)
        return -1;
    return virJSONValueFromString("{} trailing") ? -1 : 0;
}

static int
testXMLParse(const void *data G_GNUC_UNUSED)
{
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *name = NULL;
    unsigned long long v = 0;

    doc = virXMLParseString("<root><name>n1</name><n>12</n><bad>x1</bad></root>",
                            NULL, "root", &ctxt);
    if (!doc)
        return -1;
    if (!(name = virXPathString("string(./name)", ctxt)) || !g_str_equal(name, "n1"))
        return -1;
    if (virXPathULongLong("./n", ctxt, &v) != 0 || v != 12)
        return -1;
    if (virXPathULongLong("./bad", ctxt, &v) != -2 ||
        virXPathULongLong("./missing", ctxt, &v) != -1)
        return -1;
    if (virXMLParseString("<root>", NULL, "root", NULL) ||
        virTestLastErrorCode() != VIR_ERR_XML_ERROR)
        return -1;
    if (virXMLParseString("<other/>", NULL, "root", NULL) ||
        !strstr(virGetLastErrorMessage(), "'other'"))
        return -1;
    return virXMLParseString("", NULL, "root", NULL) ? -1 : 0;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("enum tables", testEnum, NULL);
    ret |= virTestRun("atomic rewrite", testAtomicRewrite, NULL);
    ret |= virTestRun("names that become paths", testNames, NULL);
    ret |= virTestRun("buffer and element formatting", testBuffer, NULL);
    ret |= virTestRun("uuid", testUUID, NULL);
    ret |= virTestRun("json helpers", testJSON, NULL);
    ret |= virTestRun("xml helpers", testXMLParse, NULL);
    return ret == 0 ? 0 : -1;
}

VIR_TEST_MAIN(mymain)

/*
 * virerrortest.c: the per-thread last error and its public accessors
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

static int
testNoError(const void *data G_GNUC_UNUSED)
{
    virResetLastError();
    if (virGetLastError() != NULL)
        return -1;
    if (virGetLastErrorCode() != VIR_ERR_OK)
        return -1;
    return g_str_equal(virGetLastErrorMessage(), "no error") ? 0 : -1;
}

static int
testReportError(const void *data G_GNUC_UNUSED)
{
    virErrorPtr err;

    virReportError(VIR_ERR_NO_DOMAIN_CHECKPOINT,
                   _("no domain checkpoint with matching name '%s'"), "c1");
    if (!(err = virGetLastError()))
        return -1;
    if (err->code != VIR_ERR_NO_DOMAIN_CHECKPOINT || err->code != 103)
        return -1;
    if (err->domain != VIR_FROM_DOMAIN_CHECKPOINT || err->domain != 69)
        return -1;
    if (err->level != VIR_ERR_ERROR)
        return -1;
    if (virGetLastErrorDomain() != 69)
        return -1;
    return g_str_equal(err->message,
                       "Domain checkpoint not found: no domain checkpoint "
                       "with matching name 'c1'") ? 0 : -1;
}

static int
testSystemError(const void *data G_GNUC_UNUSED)
{
    virErrorPtr err;
    g_autofree char *want = g_strdup_printf("cannot open '/x': %s",
                                            g_strerror(ENOENT));

    virReportSystemError(ENOENT, _("cannot open '%s'"), "/x");
    if (!(err = virGetLastError()))
        return -1;
    if (err->code != VIR_ERR_SYSTEM_ERROR || err->int1 != ENOENT)
        return -1;
    return g_str_equal(err->message, want) ? 0 : -1;
}

static int
testCopyAndSave(const void *data G_GNUC_UNUSED)
{
    virError copy = { 0 };
    virErrorPtr saved;
    int rc = 0;

    virReportError(VIR_ERR_INVALID_ARG, "%s", _("bad thing"));
    if (virCopyLastError(&copy) != VIR_ERR_INVALID_ARG)
        rc = -1;
    if (!copy.message || !g_str_equal(copy.message, "invalid argument: bad thing"))
        rc = -1;
    saved = virSaveLastError();
    virResetLastError();
    if (virGetLastError() || saved->code != VIR_ERR_INVALID_ARG)
        rc = -1;
    /* the copy survives the reset */
    if (!copy.message)
        rc = -1;
    virResetError(&copy);
    virFreeError(saved);
    return rc;
}

static int
testPreserve(const void *data G_GNUC_UNUSED)
{
    virErrorPtr orig = NULL;

    virReportError(VIR_ERR_OPERATION_FAILED, "%s", _("first"));
    virErrorPreserveLast(&orig);
    virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("second"));
    virErrorRestore(&orig);
    if (orig)
        return -1;
    return virGetLastErrorCode() == VIR_ERR_OPERATION_FAILED &&
           g_str_equal(virGetLastErrorMessage(), "operation failed: first") ? 0 : -1;
}

static int handlerCalls;
static int handlerCode;

static void
testHandler(void *opaque, virErrorPtr err)
{
    handlerCalls += GPOINTER_TO_INT(opaque);
    handlerCode = err->code;
}

static int
testErrorFunc(const void *data G_GNUC_UNUSED)
{
    virSetErrorFunc(GINT_TO_POINTER(1), testHandler);
    virReportError(VIR_ERR_XML_ERROR, "%s", _("x"));
    virSetErrorFunc(NULL, NULL);
    virReportError(VIR_ERR_XML_ERROR, "%s", _("y"));
    return handlerCalls == 1 && handlerCode == VIR_ERR_XML_ERROR ? 0 : -1;
}

static gpointer
testThreadBody(gpointer opaque G_GNUC_UNUSED)
{
    /* a new thread starts without an error */
    if (virGetLastError())
        return GINT_TO_POINTER(1);
    virReportError(VIR_ERR_NO_SUPPORT, "%s", _("in thread"));
    return GINT_TO_POINTER(virGetLastErrorCode() == VIR_ERR_NO_SUPPORT ? 0 : 1);
}

static int
testPerThread(const void *data G_GNUC_UNUSED)
{
    GThread *th;
    int rc;

    virReportError(VIR_ERR_OPERATION_DENIED, "%s", _("main"));
    th = g_thread_new("errtest", testThreadBody, NULL);
    rc = GPOINTER_TO_INT(g_thread_join(th));
    if (rc != 0)
        return -1;
    /* the other thread's error did not touch ours */
    return virGetLastErrorCode() == VIR_ERR_OPERATION_DENIED ? 0 : -1;
}

static int
testCheckFlags(const void *data G_GNUC_UNUSED)
{
    unsigned int flags = 0x6;

    virCheckFlags(0x2, 0);
    return -1;
}

static int
testCheckFlagsWrap(const void *data)
{
    if (testCheckFlags(data) != 0)
        return -1;
    return virGetLastErrorCode() == VIR_ERR_INVALID_ARG &&
           strstr(virGetLastErrorMessage(), "0x4") ? 0 : -1;
}

static int
testLogFile(const void *data G_GNUC_UNUSED)
{
    g_autofree char *dir = g_dir_make_tmp("fleece-log-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "log", NULL);
    g_autofree char *content = NULL;
    int rc = -1;

    g_setenv("FLEECE_DEBUG", "1", TRUE);
    g_setenv("FLEECE_LOG_FILE", path, TRUE);
    virLogReset();
    virReportError(VIR_ERR_INTERNAL_ERROR, "%s", _("logged once"));
    g_unsetenv("FLEECE_DEBUG");
    g_unsetenv("FLEECE_LOG_FILE");
    virLogReset();
    if (g_file_get_contents(path, &content, NULL, NULL) &&
        strstr(content, "internal error: logged once") &&
        strstr(content, "virerrortest.c:"))
        rc = 0;
    unlink(path);
    rmdir(dir);
    return rc;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("no error initially", testNoError, NULL);
    ret |= virTestRun("report error", testReportError, NULL);
    ret |= virTestRun("system error", testSystemError, NULL);
    ret |= virTestRun("copy and save", testCopyAndSave, NULL);
    ret |= virTestRun("preserve across rollback", testPreserve, NULL);
    ret |= virTestRun("error function", testErrorFunc, NULL);
    ret |= virTestRun("errors are per thread", testPerThread, NULL);
    ret |= virTestRun("unsupported flags", testCheckFlagsWrap, NULL);
    ret |= virTestRun("debug log records location", testLogFile, NULL);
    return ret == 0 ? 0 : -1;
}

VIR_TEST_MAIN(mymain)

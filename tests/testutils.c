/*
 * testutils.c: test harness
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "testcorpus.h"
#include "virerror.h"
#include "virfile.h"

const char *abs_srcdir = ABS_SRCDIR;
const char *abs_top_srcdir = ABS_TOP_SRCDIR;
const char *abs_builddir = ABS_BUILDDIR;

static unsigned int testCounter;
static unsigned int testFailed;
static char *testSkipReason;

int
virTestSkipBecause(const char *fmt, ...)
{
    va_list ap;

    g_free(testSkipReason);
    va_start(ap, fmt);
    testSkipReason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return EXIT_AM_SKIP;
}

/* The recorded reason, consumed. */
static char *
virTestTakeSkipReason(void)
{
    char *why = testSkipReason;

    testSkipReason = NULL;
    return why ? why : g_strdup("prerequisite missing (see the lines above)");
}

int
virTestRun(const char *title, int (*body)(const void *data), const void *data)
{
    int rc;

    virResetLastError();
    rc = body(data);
    testCounter++;
    if (rc == 0) {
        printf("ok %u - %s\n", testCounter, title);
    } else if (rc == EXIT_AM_SKIP) {
        g_autofree char *why = virTestTakeSkipReason();

        printf("ok %u - %s # SKIP %s\n", testCounter, title, why);
        rc = 0;
    } else {
        const char *msg = virGetLastError() ? virGetLastErrorMessage() : NULL;

        printf("not ok %u - %s\n", testCounter, title);
        if (msg)
            printf("# last error: %s\n", msg);
        testFailed++;
        rc = -1;
    }
    fflush(stdout);
    virResetLastError();
    return rc;
}

void
virTestSkip(const char *title, const char *reason)
{
    testCounter++;
    printf("ok %u - %s # SKIP %s\n", testCounter, title, reason);
    fflush(stdout);
}

void
virTestDiag(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    g_auto(GStrv) lines = NULL;
    va_list ap;
    size_t i;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    lines = g_strsplit(msg, "\n", -1);
    for (i = 0; lines[i]; i++)
        printf("# %s\n", lines[i]);
    fflush(stdout);
}

bool
virTestRegenerate(void)
{
    const char *v = g_getenv("FLEECE_TEST_REGENERATE");

    return v && g_str_equal(v, "1");
}

char *
virTestLoadFile(const char *path)
{
    char *buf = NULL;

    if (virFileReadAll(path, 64 * 1024 * 1024, &buf) < 0)
        return NULL;
    return buf;
}

int
virTestCompareStrings(const char *expected, const char *actual)
{
    size_t line = 1;
    const char *e = expected, *a = actual;

    if (!expected || !actual) {
        virTestDiag("missing %s text", expected ? "actual" : "expected");
        return -1;
    }
    if (g_str_equal(expected, actual))
        return 0;
    while (*e && *e == *a) {
        if (*e == '\n')
            line++;
        e++;
        a++;
    }
    {
        g_autofree char *el = g_strndup(e, strcspn(e, "\n"));
        g_autofree char *al = g_strndup(a, strcspn(a, "\n"));
        virTestDiag("texts differ at line %zu:\n  expected: %s\n  actual:   %s",
                    line, el, al);
    }
    if (g_getenv("FLEECE_TEST_DEBUG"))
        virTestDiag("--- expected ---\n%s--- actual ---\n%s", expected, actual);
    return -1;
}

int
virTestCompareToFile(const char *actual, const char *filename)
{
    g_autofree char *expected = NULL;

    if (virTestRegenerate()) {
        if (!g_file_set_contents(filename, actual, -1, NULL)) {
            virTestDiag("cannot write '%s'", filename);
            return -1;
        }
        return 0;
    }
    if (!(expected = virTestLoadFile(filename)))
        return -1;
    if (virTestCompareStrings(expected, actual) < 0) {
        virTestDiag("(expected file: %s)", filename);
        return -1;
    }
    return 0;
}

const char *
virTestCompatDir(void)
{
    static char *dir;
    static bool looked;

    if (!looked) {
        dir = testCorpusDir(abs_top_srcdir);
        looked = true;
    }
    return dir;
}

int
virTestCheckError(int code, const char *fragment)
{
    const char *msg = virGetLastErrorMessage();

    if (virTestLastErrorCode() != code) {
        virTestDiag("expected error code %d, got %d (%s)", code,
                    virTestLastErrorCode(), msg);
        return -1;
    }
    if (fragment && !strstr(msg, fragment)) {
        virTestDiag("error '%s' does not mention '%s'", msg, fragment);
        return -1;
    }
    return 0;
}

int
virTestLastErrorCode(void)
{
    return virGetLastErrorCode();
}

int
virTestMain(int argc, char **argv, int (*func)(void))
{
    int rc;

    (void) argc;
    (void) argv;
    g_setenv("FLEECE_SCHEMA_DIR", ABS_TOP_SRCDIR "/src/conf/schemas", FALSE);
    rc = func();
    /* Under the TAP protocol a skipped program says so in its plan and
     * exits 0 (exit 77 would read as an error). */
    if (rc == EXIT_AM_SKIP) {
        g_autofree char *why = virTestTakeSkipReason();

        if (testCounter == 0) {
            printf("1..0 # SKIP %s\n", why);
            return EXIT_SUCCESS;
        }
        virTestSkip("remaining cases", why);
        rc = 0;
    }
    printf("1..%u\n", testCounter);
    if (testFailed > 0 || rc != 0)
        return EXIT_FAILURE;
    return EXIT_SUCCESS;
}

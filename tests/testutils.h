/*
 * testutils.h: the small harness every test program uses
 *
 * Output is TAP: one "ok N - title" / "not ok N - title" line per case,
 * the plan at the end.
 *
 * Skips, one convention for the whole suite: a case or a program whose
 * prerequisite is missing returns virTestSkipBecause("why"), which
 * records the reason and returns EXIT_AM_SKIP.  The harness prints
 * "ok N - title # SKIP why" for a case and "1..0 # SKIP why" (exit 0)
 * for a program that ran no case; scripts/test-summary counts skips
 * and prints their reasons.  A skip is only for an optional outside
 * oracle or a tool scripts/install-deps did not get to install.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#define EXIT_AM_SKIP 77

extern const char *abs_srcdir;      /* tests/ in the source tree */
extern const char *abs_top_srcdir;  /* the source tree */
extern const char *abs_builddir;    /* tests/ in the build tree */

/* Run one case; prints its TAP line.  Returns 0 on pass, -1 on fail. */
int virTestRun(const char *title, int (*body)(const void *data),
               const void *data);
/* Record a case that could not run, with the reason. */
void virTestSkip(const char *title, const char *reason);
/* Remember why the current case (or program) cannot run; returns
 * EXIT_AM_SKIP for the body (or mymain) to return. */
int virTestSkipBecause(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* Print a diagnostic line (TAP comment). */
void virTestDiag(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

/* True when FLEECE_TEST_REGENERATE=1: expected files are rewritten. */
bool virTestRegenerate(void);

/* Compare text with the file's content; on mismatch print a diff-like
 * report.  With regenerate, write the file instead. */
int virTestCompareToFile(const char *actual, const char *filename);
/* Compare two strings, reporting the first difference. */
int virTestCompareStrings(const char *expected, const char *actual);
char *virTestLoadFile(const char *path);

/* Directory of libvirt's XML corpus, an optional oracle (see
 * testcorpus.h); NULL if absent. */
const char *virTestCompatDir(void);

/* The last error has this code and its message mentions fragment (when
 * not NULL); otherwise a diagnostic and -1. */
int virTestCheckError(int code, const char *fragment);

/* The code of the thread's last error (0 if none). */
int virTestLastErrorCode(void);

/* Set up and run func; returns the exit status for main(). */
int virTestMain(int argc, char **argv, int (*func)(void));

#define VIR_TEST_MAIN(func) \
    int main(int argc, char **argv) \
    { \
        return virTestMain(argc, argv, func); \
    }

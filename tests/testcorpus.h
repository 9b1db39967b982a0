/*
 * testcorpus.h: where libvirt's own XML test corpus is, if anywhere
 *
 * The corpus is an optional oracle, never part of this repository: the
 * conformance tests read it from $FLEECE_LIBVIRT_CORPUS, else from
 * ../shared/compat beside the source tree when that exists, and skip
 * (TAP, with the reason) when neither is there.  The directory holds
 * libvirt-testdata/ (libvirt's tests/ tree) and domains/ (domain XML
 * as libvirt 9.0 prints it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#define TEST_CORPUS_ENV "FLEECE_LIBVIRT_CORPUS"

/* The corpus directory (caller frees), or NULL when it is absent. */
static inline char *
testCorpusDir(const char *topSrcdir)
{
    const char *env = g_getenv(TEST_CORPUS_ENV);
    char *dir;

    if (env && *env)
        dir = g_strdup(env);
    else
        dir = g_canonicalize_filename("../shared/compat", topSrcdir);
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_free(dir);
        return NULL;
    }
    return dir;
}

/* The reason printed when the corpus is absent. */
#define TEST_CORPUS_MISSING \
    "libvirt's XML corpus not found (set " TEST_CORPUS_ENV \
    " to its directory, or place it at ../shared/compat)"

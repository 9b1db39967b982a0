/*
 * fuzz-conf.c: the settings file (ROOT/etc/fleece.conf)
 *
 * Read as a connection reads it: the grammar, then every key against the
 * table of settings.  Whatever the file holds, the result is settings or
 * one error naming the file and line; nothing crashes or leaks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <glib/gstdio.h>

#include "fuzzutils.h"
#include "qemu_conf.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *root;
static char *etc;
static char *file;

/* The scratch root goes with the process. */
static void
fuzzConfCleanup(void)
{
    g_unlink(file);
    g_rmdir(etc);
    g_rmdir(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(qemuDriverConfig) cfg = NULL;

    fuzzInit();
    if (!root) {
        if (!(root = g_dir_make_tmp("fleece-fuzz-conf-XXXXXX", NULL)))
            abort();
        etc = g_build_filename(root, "etc", NULL);
        file = g_build_filename(etc, "fleece.conf", NULL);
        if (g_mkdir(etc, 0700) < 0)
            abort();
        atexit(fuzzConfCleanup);
    }
    if (!g_file_set_contents(file, (const char *) data, size, NULL))
        abort();
    cfg = qemuDriverConfigLoad(root);
    FUZZ_CHECK(cfg || (virGetLastErrorCode() == VIR_ERR_CONF_SYNTAX &&
                       g_str_has_prefix(virGetLastErrorMessage(), "configuration file '")),
               "no settings and no settings error: %s", virGetLastErrorMessage());
    if (cfg) {
        FUZZ_CHECK(g_path_is_absolute(cfg->backupTLSx509certdir),
                   "relative certificate directory '%s'", cfg->backupTLSx509certdir);
        FUZZ_CHECK(!cfg->qemuImg || g_path_is_absolute(cfg->qemuImg),
                   "relative qemu-img '%s'", cfg->qemuImg);
    }
    return 0;
}

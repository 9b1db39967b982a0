/*
 * qemu_conf.c: driver root, URI and file layout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "qemu_conf.h"
#include "virerror.h"
#include "virfile.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

#define QEMU_EMBED_URI "qemu:///embed"

bool
qemuDriverURIMatches(const char *uri)
{
    if (!uri)
        return false;
    if (!g_str_has_prefix(uri, QEMU_EMBED_URI))
        return false;
    return uri[strlen(QEMU_EMBED_URI)] == '\0' ||
           uri[strlen(QEMU_EMBED_URI)] == '?';
}

char *
qemuDriverDefaultRoot(void)
{
    const char *env = g_getenv("FLEECE_ROOT");

    if (env && *env)
        return g_strdup(env);
    if (geteuid() == 0)
        return g_strdup("/var/lib/fleece");
    return g_build_filename(g_get_user_data_dir(), "fleece", NULL);
}

char *
qemuDriverRootFromURI(const char *uri)
{
    const char *query;
    g_auto(GStrv) params = NULL;
    g_autofree char *root = NULL;
    size_t i;

    if (!qemuDriverURIMatches(uri)) {
        virReportError(VIR_ERR_NO_CONNECT,
                       _("URI '%s' is not handled by the embedded QEMU driver"),
                       uri ? uri : "(null)");
        return NULL;
    }
    query = strchr(uri, '?');
    if (!query)
        return qemuDriverDefaultRoot();

    params = g_strsplit(query + 1, "&", -1);
    for (i = 0; params[i]; i++) {
        g_autofree char *value = NULL;

        if (!g_str_has_prefix(params[i], "root=")) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("unknown parameter '%s' in URI '%s'"),
                           params[i], uri);
            return NULL;
        }
        value = g_uri_unescape_string(params[i] + 5, NULL);
        if (!value || !*value || !g_path_is_absolute(value)) {
            virReportError(VIR_ERR_INVALID_ARG,
                           _("root '%s' in URI '%s' must be an absolute path"),
                           params[i] + 5, uri);
            return NULL;
        }
        g_free(root);
        root = g_steal_pointer(&value);
    }
    if (!root)
        return qemuDriverDefaultRoot();
    return g_steal_pointer(&root);
}

qemuDriver *
qemuDriverNew(const char *root, bool readonly)
{
    g_autoptr(qemuDriver) driver = g_new0(qemuDriver, 1);
    const char *dirs[5];
    size_t i;

    driver->root = g_strdup(root);
    driver->readonly = readonly;
    driver->domainsDir = g_build_filename(root, "domains", NULL);
    driver->checkpointsDir = g_build_filename(root, "checkpoints", NULL);
    driver->runDir = g_build_filename(root, "run", NULL);
    driver->logDir = g_build_filename(root, "log", NULL);
    driver->lockDir = g_build_filename(root, "lock", NULL);

    if (readonly)
        return g_steal_pointer(&driver);
    dirs[0] = driver->domainsDir;
    dirs[1] = driver->checkpointsDir;
    dirs[2] = driver->runDir;
    dirs[3] = driver->logDir;
    dirs[4] = driver->lockDir;
    for (i = 0; i < G_N_ELEMENTS(dirs); i++) {
        if (virFileMakePath(dirs[i], 0700) < 0)
            return NULL;
    }
    return g_steal_pointer(&driver);
}

void
qemuDriverFree(qemuDriver *driver)
{
    if (!driver)
        return;
    g_free(driver->root);
    g_free(driver->domainsDir);
    g_free(driver->checkpointsDir);
    g_free(driver->runDir);
    g_free(driver->logDir);
    g_free(driver->lockDir);
    g_free(driver);
}

static char *
qemuDriverFile(const char *dir, const char *name, const char *suffix)
{
    g_autofree char *base = g_strdup_printf("%s%s", name, suffix);

    return g_build_filename(dir, base, NULL);
}

char *
qemuDriverConfigPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->domainsDir, name, ".xml");
}

char *
qemuDriverStatusPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->runDir, name, ".xml");
}

char *
qemuDriverMonitorPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->runDir, name, ".qmp");
}

char *
qemuDriverAgentPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->runDir, name, ".agent");
}

char *
qemuDriverPidPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->runDir, name, ".pid");
}

char *
qemuDriverLogPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->logDir, name, ".log");
}

/* The storage daemon of a shut-off domain's backup (qemu_storage.h) has
 * directories of its own: no name of its files can be a domain's. */
char *
qemuDriverStorageMonitorPath(const qemuDriver *driver, const char *name)
{
    g_autofree char *dir = g_build_filename(driver->runDir, "storage", NULL);

    return qemuDriverFile(dir, name, ".qmp");
}

char *
qemuDriverStorageLogPath(const qemuDriver *driver, const char *name)
{
    g_autofree char *dir = g_build_filename(driver->logDir, "storage", NULL);

    return qemuDriverFile(dir, name, ".log");
}

char *
qemuDriverLockPath(const qemuDriver *driver, const char *name)
{
    return qemuDriverFile(driver->lockDir, name, ".lock");
}

char *
qemuDriverCheckpointDir(const qemuDriver *driver, const char *name)
{
    return g_build_filename(driver->checkpointsDir, name, NULL);
}

static int
qemuDriverNameCompare(const void *a, const void *b, void *opaque G_GNUC_UNUSED)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
qemuDriverCollectNames(GHashTable *names, const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    if (!d)
        return;
    while ((ent = g_dir_read_name(d))) {
        if (!g_str_has_suffix(ent, ".xml") || ent[0] == '.')
            continue;
        g_hash_table_add(names, g_strndup(ent, strlen(ent) - 4));
    }
}

char **
qemuDriverListDomainNames(const qemuDriver *driver)
{
    g_autoptr(GHashTable) names = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                        g_free, NULL);
    g_autofree char **keys = NULL;
    char **ret;
    guint n = 0;
    guint i;

    qemuDriverCollectNames(names, driver->domainsDir);
    qemuDriverCollectNames(names, driver->runDir);
    keys = (char **) g_hash_table_get_keys_as_array(names, &n);
    ret = g_new0(char *, n + 1);
    for (i = 0; i < n; i++)
        ret[i] = g_strdup(keys[i]);
    g_qsort_with_data(ret, n, sizeof(char *), qemuDriverNameCompare, NULL);
    return ret;
}

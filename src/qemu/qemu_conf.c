/*
 * qemu_conf.c: driver root, URI and file layout
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "qemu_conf.h"
#include "virconf.h"
#include "virerror.h"
#include "virfile.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

#define QEMU_CONF_FILE "fleece.conf"

/* ---- settings ------------------------------------------------------------- */

#define QEMU_CONF_FIELD(f) G_STRUCT_OFFSET(qemuDriverConfig, f)

/* Every setting of ROOT/etc/fleece.conf.  A new one is a field of
 * qemuDriverConfig, a row here (a new value type needs a case in
 * qemuConfSetDefaults and qemuConfApply), and an entry "``key = ...``
 * (default ``...``)" in the FILES section of docs/manpages/fleece.rst and
 * in docs/kbase/embedded-driver.rst: tests/virconftest.c checks that
 * both document exactly these keys and their defaults. */

static const qemuConfKey qemuConfKeys[] = {
    { "backup_tls_x509_cert_dir", QEMU_CONF_VALUE_PATH,
      QEMU_CONF_FIELD(backupTLSx509certdir), "ROOT/pki/backup", 0, 0,
      "Directory with the x509 credentials of the NBD server of pull backups "
      "with tls='yes': ca-cert.pem, server-cert.pem and server-key.pem." },
    { "backup_tls_x509_verify", QEMU_CONF_VALUE_BOOL,
      QEMU_CONF_FIELD(backupTLSx509verify), NULL, 1, 1,
      "1: NBD clients of a TLS pull backup must present a certificate signed "
      "by the CA; 0: any client that completes the TLS handshake may read." },
    { "backup_bandwidth", QEMU_CONF_VALUE_UINT,
      QEMU_CONF_FIELD(backupBandwidth), NULL, 0, G_MAXINT64,
      "Bytes per second each disk's push-backup copy may use (0: no limit); "
      "the copy-before-write of guest writes is never limited." },
    { "qemu_img", QEMU_CONF_VALUE_PATH,
      QEMU_CONF_FIELD(qemuImg), NULL, 0, 0,
      "The qemu-img program (absolute path); unset: qemu-img found in PATH." },
    { "backup_cbw_timeout", QEMU_CONF_VALUE_UINT32,
      QEMU_CONF_FIELD(backupCBWTimeout), NULL, 0, 3600,
      "Seconds a guest write may wait for its copy-before-write in a pull "
      "backup (0: no bound); past it the snapshot is dropped and the backup "
      "fails." },
    { "qemu_storage_daemon", QEMU_CONF_VALUE_PATH,
      QEMU_CONF_FIELD(qemuStorageDaemon), NULL, 0, 0,
      "The qemu-storage-daemon program (absolute path) that serves the disks "
      "of a shut-off domain's backup; unset: found in PATH." },
};

const qemuConfKey *
qemuDriverConfigKeys(size_t *nkeys)
{
    *nkeys = G_N_ELEMENTS(qemuConfKeys);
    return qemuConfKeys;
}

void
qemuDriverConfigFree(qemuDriverConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->backupTLSx509certdir);
    g_free(cfg->qemuImg);
    g_free(cfg->qemuStorageDaemon);
    g_free(cfg);
}

static char **
qemuConfStringField(qemuDriverConfig *cfg, const qemuConfKey *k)
{
    return (char **) G_STRUCT_MEMBER_P(cfg, k->offset);
}

/* Store a default or a value read from the file. */
static void
qemuConfSetNumber(qemuDriverConfig *cfg, const qemuConfKey *k,
                  unsigned long long value)
{
    if (k->type == QEMU_CONF_VALUE_BOOL)
        G_STRUCT_MEMBER(bool, cfg, k->offset) = value != 0;
    else if (k->type == QEMU_CONF_VALUE_UINT32)
        G_STRUCT_MEMBER(unsigned int, cfg, k->offset) = value;
    else
        G_STRUCT_MEMBER(unsigned long long, cfg, k->offset) = value;
}

static void
qemuConfSetDefaults(qemuDriverConfig *cfg, const char *root)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuConfKeys); i++) {
        const qemuConfKey *k = &qemuConfKeys[i];

        switch (k->type) {
        case QEMU_CONF_VALUE_STRING:
        case QEMU_CONF_VALUE_PATH:
            if (k->defString && g_str_has_prefix(k->defString, "ROOT/"))
                *qemuConfStringField(cfg, k) =
                    g_build_filename(root, k->defString + 5, NULL);
            else
                *qemuConfStringField(cfg, k) = g_strdup(k->defString);
            break;
        case QEMU_CONF_VALUE_BOOL:
        case QEMU_CONF_VALUE_UINT:
        case QEMU_CONF_VALUE_UINT32:
            qemuConfSetNumber(cfg, k, k->defNumber);
            break;
        case QEMU_CONF_VALUE_LAST:
            break;
        }
    }
}

/* Check one entry of the file against its key and store it. */
static int
qemuConfApply(qemuDriverConfig *cfg, const char *file, const virConfEntry *e)
{
    const qemuConfKey *k = NULL;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(qemuConfKeys) && !k; i++) {
        if (g_str_equal(qemuConfKeys[i].key, e->key))
            k = &qemuConfKeys[i];
    }
    if (!k) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: unknown key '%s'"),
                       file, e->line, e->key);
        return -1;
    }
    switch (k->type) {
    case QEMU_CONF_VALUE_STRING:
    case QEMU_CONF_VALUE_PATH:
        if (e->type != VIR_CONF_TYPE_STRING) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: '%s' must be a quoted string"),
                           file, e->line, e->key);
            return -1;
        }
        if (k->type == QEMU_CONF_VALUE_PATH && !g_path_is_absolute(e->str)) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: '%s' must be an absolute path, not '%s'"),
                           file, e->line, e->key, e->str);
            return -1;
        }
        g_free(*qemuConfStringField(cfg, k));
        *qemuConfStringField(cfg, k) = g_strdup(e->str);
        return 0;
    case QEMU_CONF_VALUE_BOOL:
        if (e->type != VIR_CONF_TYPE_INTEGER || (e->num != 0 && e->num != 1)) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: '%s' must be 0 or 1"),
                           file, e->line, e->key);
            return -1;
        }
        qemuConfSetNumber(cfg, k, e->num);
        return 0;
    case QEMU_CONF_VALUE_UINT:
    case QEMU_CONF_VALUE_UINT32:
        if (e->type != VIR_CONF_TYPE_INTEGER || e->num < 0 ||
            (unsigned long long) e->num > k->max) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: '%s' must be an integer from 0 to %llu"),
                           file, e->line, e->key, k->max);
            return -1;
        }
        qemuConfSetNumber(cfg, k, e->num);
        return 0;
    case QEMU_CONF_VALUE_LAST:
        break;
    }
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("setting '%s' has no type"), k->key);
    return -1;
}

qemuDriverConfig *
qemuDriverConfigLoad(const char *root)
{
    g_autoptr(qemuDriverConfig) cfg = g_new0(qemuDriverConfig, 1);
    g_autofree char *path = g_build_filename(root, "etc", QEMU_CONF_FILE, NULL);
    g_autoptr(virConf) conf = NULL;
    guint i;

    qemuConfSetDefaults(cfg, root);
    if (!(conf = virConfReadFile(path, true)))
        return NULL;
    for (i = 0; i < conf->entries->len; i++) {
        if (qemuConfApply(cfg, path, g_ptr_array_index(conf->entries, i)) < 0)
            return NULL;
    }
    return g_steal_pointer(&cfg);
}

/* ---- root and layout ------------------------------------------------------ */

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

    /* a relative root would name other files from another directory,
     * and reaches QEMU in socket and pid file paths */
    if (env && *env)
        return g_canonicalize_filename(env, NULL);
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
    if (!(driver->config = qemuDriverConfigLoad(root)))
        return NULL;
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
    qemuDriverConfigFree(driver->config);
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

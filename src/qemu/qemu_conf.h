/*
 * qemu_conf.h: the embedded QEMU driver's state root and its layout
 *
 *   ROOT/domains/NAME.xml                 persistent domain config
 *   ROOT/checkpoints/NAME/CHECKPOINT.xml  checkpoint metadata
 *   ROOT/run/NAME.xml                     status of a running domain
 *   ROOT/run/NAME.qmp, NAME.agent, NAME.pid
 *   ROOT/log/NAME.log                     QEMU's output
 *   ROOT/lock/NAME.lock                   per-domain lock
 *   ROOT/etc/fleece.conf                  settings, read at connection open
 *   ROOT/run/storage/NAME.qmp             QMP socket of the storage daemon
 *   ROOT/log/storage/NAME.log             of a shut-off domain's backup
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* Settings from ROOT/etc/fleece.conf (see qemuDriverConfigKeys). */
typedef struct _qemuDriverConfig qemuDriverConfig;
struct _qemuDriverConfig {
    char *backupTLSx509certdir;       /* NBD server credentials of pulls */
    bool backupTLSx509verify;         /* require client certificates */
    unsigned long long backupBandwidth;  /* bytes/s per disk, 0 = none */
    char *qemuImg;                    /* NULL: qemu-img from PATH */
    unsigned int backupCBWTimeout;    /* pull: copy-before-write bound, s */
    char *qemuStorageDaemon;          /* NULL: qemu-storage-daemon from PATH */
};

/* The type of a setting's value. */
typedef enum {
    QEMU_CONF_VALUE_STRING,   /* a quoted string */
    QEMU_CONF_VALUE_PATH,     /* a quoted absolute path */
    QEMU_CONF_VALUE_BOOL,     /* 0 or 1 */
    QEMU_CONF_VALUE_UINT,     /* an integer from 0 to max (unsigned long long) */
    QEMU_CONF_VALUE_UINT32,   /* the same in an unsigned int (max fits it) */

    QEMU_CONF_VALUE_LAST
} qemuConfValueType;

/* One setting: its key, type, where it goes, its default and what it
 * does.  A default string starting with "ROOT/" is under the driver's
 * root. */
typedef struct _qemuConfKey qemuConfKey;
struct _qemuConfKey {
    const char *key;
    qemuConfValueType type;
    size_t offset;                /* in qemuDriverConfig */
    const char *defString;        /* STRING, PATH: NULL = unset */
    unsigned long long defNumber; /* BOOL, UINT */
    unsigned long long max;       /* UINT */
    const char *doc;              /* one sentence, untranslated */
};

/* Every setting, in the order the documentation lists them. */
const qemuConfKey *qemuDriverConfigKeys(size_t *nkeys);

/* The settings of root: defaults, then ROOT/etc/fleece.conf if it
 * exists.  An unknown key or a bad value is VIR_ERR_CONF_SYNTAX naming
 * the file, line and key. */
qemuDriverConfig *qemuDriverConfigLoad(const char *root);
void qemuDriverConfigFree(qemuDriverConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriverConfig, qemuDriverConfigFree);

typedef struct _qemuDriver qemuDriver;
struct _qemuDriver {
    char *root;
    qemuDriverConfig *config;
    char *domainsDir;
    char *checkpointsDir;
    char *runDir;
    char *logDir;
    char *lockDir;
    bool readonly;
};

/* The root a URI names: qemu:///embed?root=DIR, or for qemu:///embed the
 * default ($FLEECE_ROOT, else /var/lib/fleece for root, else
 * $XDG_DATA_HOME/fleece).  NULL with an error for other URIs. */
char *qemuDriverRootFromURI(const char *uri);
bool qemuDriverURIMatches(const char *uri);
char *qemuDriverDefaultRoot(void);

/* Load the settings and create the layout under root (mode 0700); a
 * read-only driver creates nothing. */
qemuDriver *qemuDriverNew(const char *root, bool readonly);
void qemuDriverFree(qemuDriver *driver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDriver, qemuDriverFree);

char *qemuDriverConfigPath(const qemuDriver *driver, const char *name);
char *qemuDriverStatusPath(const qemuDriver *driver, const char *name);
char *qemuDriverMonitorPath(const qemuDriver *driver, const char *name);
char *qemuDriverAgentPath(const qemuDriver *driver, const char *name);
char *qemuDriverPidPath(const qemuDriver *driver, const char *name);
char *qemuDriverLogPath(const qemuDriver *driver, const char *name);
char *qemuDriverStorageMonitorPath(const qemuDriver *driver, const char *name);
char *qemuDriverStorageLogPath(const qemuDriver *driver, const char *name);
char *qemuDriverLockPath(const qemuDriver *driver, const char *name);
char *qemuDriverCheckpointDir(const qemuDriver *driver, const char *name);

/* Names of domains with a config or status file, sorted, unique. */
char **qemuDriverListDomainNames(const qemuDriver *driver);

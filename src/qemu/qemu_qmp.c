/*
 * qemu_qmp.c: every QMP command Fleece sends, declared once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "qemu_qmp.h"
#include "virbuffer.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.qmp");

VIR_ENUM_IMPL(qemuQMPType, QEMU_QMP_TYPE_LAST,
              "string", "int", "bool", "object", "array", "alternate", "any");

VIR_ENUM_IMPL(qemuQMPReply, QEMU_QMP_REPLY_LAST,
              "empty", "object", "array", "string");

VIR_ENUM_IMPL(qemuQMPCommand, QEMU_QMP_LAST,
              QEMU_MONITOR_CAPABILITIES_COMMAND,
              "query-version",
              "query-status",
              "query-commands",
              "query-named-block-nodes",
              "query-block",
              "query-jobs",
              "query-block-exports",
              "transaction",
              "block-dirty-bitmap-add",
              "block-dirty-bitmap-remove",
              "block-dirty-bitmap-merge",
              "block-dirty-bitmap-clear",
              "block-dirty-bitmap-enable",
              "block-dirty-bitmap-disable",
              "x-debug-block-dirty-bitmap-sha256",
              "blockdev-add",
              "blockdev-del",
              "blockdev-create",
              "blockdev-backup",
              "blockdev-snapshot",
              "blockdev-reopen",
              "block-commit",
              "block-job-complete",
              "block-job-cancel",
              "block-job-resume",
              "job-cancel",
              "job-finalize",
              "job-dismiss",
              "nbd-server-start",
              "nbd-server-stop",
              "block-export-add",
              "block-export-del",
              "object-add",
              "object-del",
              "qom-set",
              "qom-get",
              "cont",
              "stop",
              "system_powerdown",
              "quit",
              "human-monitor-command");

VIR_ENUM_IMPL(qemuQMPAction, QEMU_QMP_ACTION_LAST,
              "block-dirty-bitmap-add",
              "block-dirty-bitmap-remove",
              "block-dirty-bitmap-merge",
              "block-dirty-bitmap-clear",
              "block-dirty-bitmap-enable",
              "block-dirty-bitmap-disable",
              "blockdev-backup",
              "blockdev-snapshot");

/* QEMU's names of the types. */
VIR_ENUM_IMPL(qemuQMPStruct, QEMU_QMP_STRUCT_LAST,
              "BlockDirtyBitmap",
              "SocketAddressLegacy",
              "UnixSocketAddress",
              "InetSocketAddress",
              "String",
              "BlockdevOptions",
              "BlockdevCacheOptions",
              "BlockdevCreateOptions");

VIR_ENUM_IMPL(qemuQMPEvent, QEMU_QMP_EVENT_LAST,
              "SHUTDOWN",
              "STOP",
              "RESUME",
              "JOB_STATUS_CHANGE",
              "BLOCK_JOB_COMPLETED",
              "BLOCK_JOB_CANCELLED",
              "BLOCK_JOB_ERROR",
              "BLOCK_JOB_PENDING",
              "BLOCK_JOB_READY",
              "BLOCK_EXPORT_DELETED",
              "BLOCK_IO_ERROR");

VIR_ENUM_IMPL(qemuQMPJobStatus, QEMU_QMP_JOB_STATUS_LAST,
              "undefined", "created", "running", "paused", "ready",
              "standby", "waiting", "pending", "aborting", "concluded",
              "null");

/* Keys read from replies and events. */
typedef enum {
    QEMU_QMP_KEY_EXECUTE,
    QEMU_QMP_KEY_ARGUMENTS,
    QEMU_QMP_KEY_TYPE,
    QEMU_QMP_KEY_DATA,
    QEMU_QMP_KEY_EVENT,
    QEMU_QMP_KEY_ACTIONS,
    QEMU_QMP_KEY_NODE,
    QEMU_QMP_KEY_NAME,
    QEMU_QMP_KEY_COMMAND_LINE,
    QEMU_QMP_KEY_QEMU,
    QEMU_QMP_KEY_MAJOR,
    QEMU_QMP_KEY_MINOR,
    QEMU_QMP_KEY_MICRO,
    QEMU_QMP_KEY_PACKAGE,
    QEMU_QMP_KEY_STATUS,
    QEMU_QMP_KEY_RUNNING,
    QEMU_QMP_KEY_NODE_NAME,
    QEMU_QMP_KEY_DRV,
    QEMU_QMP_KEY_FILE,
    QEMU_QMP_KEY_BACKING_FILE,
    QEMU_QMP_KEY_RO,
    QEMU_QMP_KEY_IMAGE,
    QEMU_QMP_KEY_VIRTUAL_SIZE,
    QEMU_QMP_KEY_CLUSTER_SIZE,
    QEMU_QMP_KEY_BACKING_IMAGE,
    QEMU_QMP_KEY_FILENAME,
    QEMU_QMP_KEY_DIRTY_BITMAPS,
    QEMU_QMP_KEY_RECORDING,
    QEMU_QMP_KEY_PERSISTENT,
    QEMU_QMP_KEY_BUSY,
    QEMU_QMP_KEY_INCONSISTENT,
    QEMU_QMP_KEY_GRANULARITY,
    QEMU_QMP_KEY_COUNT,
    QEMU_QMP_KEY_ID,
    QEMU_QMP_KEY_CURRENT_PROGRESS,
    QEMU_QMP_KEY_TOTAL_PROGRESS,
    QEMU_QMP_KEY_ERROR,
    QEMU_QMP_KEY_SHUTTING_DOWN,
    QEMU_QMP_KEY_DEVICE,
    QEMU_QMP_KEY_QDEV,
    QEMU_QMP_KEY_INSERTED,
    QEMU_QMP_KEY_LAST
} qemuQMPKey;

VIR_ENUM_DECL(qemuQMPKey);
VIR_ENUM_IMPL(qemuQMPKey, QEMU_QMP_KEY_LAST,
              "execute", "arguments", "type", "data", "event", "actions",
              "node", "name", "command-line", "qemu", "major", "minor",
              "micro", "package", "status", "running", "node-name", "drv",
              "file", "backing_file", "ro", "image", "virtual-size",
              "cluster-size", "backing-image", "filename", "dirty-bitmaps",
              "recording", "persistent", "busy", "inconsistent",
              "granularity", "count", "id", "current-progress",
              "total-progress", "error", "shutting-down", "device", "qdev",
              "inserted");

#define KEY(k) qemuQMPKeyTypeToString(QEMU_QMP_KEY_ ## k)


/* ---- the declarations ---- */

typedef struct _qemuQMPArgDecl qemuQMPArgDecl;
struct _qemuQMPArgDecl {
    const char *name;
    qemuQMPType type;
    bool required;
    const char *const *values;    /* allowed strings, NULL = any */
};

typedef struct _qemuQMPDecl qemuQMPDecl;
struct _qemuQMPDecl {
    const qemuQMPArgDecl *args;   /* ended by a NULL name */
    qemuQMPReply reply;
    unsigned int flags;           /* qemuMonitorCommandFlags */
};

#define REQ(n, t) { n, QEMU_QMP_TYPE_ ## t, true, NULL }
#define OPT(n, t) { n, QEMU_QMP_TYPE_ ## t, false, NULL }
#define REQ_ENUM(n, v) { n, QEMU_QMP_TYPE_STRING, true, v }
#define OPT_ENUM(n, v) { n, QEMU_QMP_TYPE_STRING, false, v }
#define END { NULL, 0, false, NULL }

static const char *const qemuQMPSyncValues[] = {
    "top", "full", "none", "incremental", "bitmap", NULL,
};
static const char *const qemuQMPBitmapModeValues[] = {
    "on-success", "never", "always", NULL,
};
static const char *const qemuQMPOnErrorValues[] = {
    "report", "ignore", "enospc", "stop", "auto", NULL,
};
static const char *const qemuQMPAioValues[] = {
    "threads", "native", "io_uring", NULL,
};
static const char *const qemuQMPDiscardValues[] = {
    "ignore", "unmap", NULL,
};
static const char *const qemuQMPOnCbwErrorValues[] = {
    "break-guest-write", "break-snapshot", NULL,
};
static const char *const qemuQMPExportTypeValues[] = {
    "nbd", NULL,
};
static const char *const qemuQMPExportDelModeValues[] = {
    "safe", "hard", NULL,
};
static const char *const qemuQMPSocketTypeValues[] = {
    "unix", "inet", "fd", NULL,
};
static const char *const qemuQMPTlsEndpointValues[] = {
    "client", "server", NULL,
};
static const char *const qemuQMPSecretFormatValues[] = {
    "raw", "base64", NULL,
};

static const qemuQMPArgDecl qemuQMPArgsNone[] = {
    END
};
static const qemuQMPArgDecl qemuQMPArgsCapabilities[] = {
    OPT("enable", ARRAY),
    END
};
static const qemuQMPArgDecl qemuQMPArgsNamedBlockNodes[] = {
    OPT("flat", BOOL),
    END
};
static const qemuQMPArgDecl qemuQMPArgsTransaction[] = {
    REQ("actions", ARRAY),
    OPT("properties", OBJECT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBitmapAdd[] = {
    REQ("node", STRING),
    REQ("name", STRING),
    OPT("granularity", INT),
    OPT("persistent", BOOL),
    OPT("disabled", BOOL),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBitmap[] = {
    REQ("node", STRING),
    REQ("name", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBitmapMerge[] = {
    REQ("node", STRING),
    REQ("target", STRING),
    REQ("bitmaps", ARRAY),
    END
};
/* blockdev-add is a union over drivers: the members of the drivers
 * Fleece uses (file, qcow2, raw, copy-before-write, snapshot-access). */
static const qemuQMPArgDecl qemuQMPArgsBlockdevAdd[] = {
    REQ("driver", STRING),
    REQ("node-name", STRING),
    OPT("file", ALTERNATE),
    OPT("backing", ALTERNATE),
    OPT("filename", STRING),
    OPT_ENUM("aio", qemuQMPAioValues),
    OPT("cache", OBJECT),
    OPT_ENUM("discard", qemuQMPDiscardValues),
    OPT("read-only", BOOL),
    OPT("auto-read-only", BOOL),
    OPT("target", ALTERNATE),
    OPT("bitmap", OBJECT),
    OPT_ENUM("on-cbw-error", qemuQMPOnCbwErrorValues),
    OPT("cbw-timeout", INT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockdevDel[] = {
    REQ("node-name", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockdevCreate[] = {
    REQ("job-id", STRING),
    REQ("options", OBJECT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockdevBackup[] = {
    REQ("job-id", STRING),
    REQ("device", STRING),
    REQ("target", STRING),
    REQ_ENUM("sync", qemuQMPSyncValues),
    OPT("bitmap", STRING),
    OPT_ENUM("bitmap-mode", qemuQMPBitmapModeValues),
    OPT("compress", BOOL),
    OPT("speed", INT),
    OPT_ENUM("on-source-error", qemuQMPOnErrorValues),
    OPT_ENUM("on-target-error", qemuQMPOnErrorValues),
    OPT("auto-finalize", BOOL),
    OPT("auto-dismiss", BOOL),
    OPT("filter-node-name", STRING),
    OPT("x-perf", OBJECT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockdevSnapshot[] = {
    REQ("node", STRING),
    REQ("overlay", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockdevReopen[] = {
    REQ("options", ARRAY),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockCommit[] = {
    OPT("job-id", STRING),
    REQ("device", STRING),
    OPT("base-node", STRING),
    OPT("top-node", STRING),
    OPT("backing-file", STRING),
    OPT("speed", INT),
    OPT_ENUM("on-error", qemuQMPOnErrorValues),
    OPT("filter-node-name", STRING),
    OPT("auto-finalize", BOOL),
    OPT("auto-dismiss", BOOL),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockJobCancel[] = {
    REQ("device", STRING),
    OPT("force", BOOL),
    END
};
static const qemuQMPArgDecl qemuQMPArgsDevice[] = {
    REQ("device", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsId[] = {
    REQ("id", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsNbdServerStart[] = {
    REQ("addr", OBJECT),
    OPT("tls-creds", STRING),
    OPT("tls-authz", STRING),
    OPT("max-connections", INT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockExportAdd[] = {
    REQ_ENUM("type", qemuQMPExportTypeValues),
    REQ("id", STRING),
    REQ("node-name", STRING),
    OPT("writable", BOOL),
    OPT("writethrough", BOOL),
    OPT("name", STRING),
    OPT("description", STRING),
    OPT("bitmaps", ARRAY),
    OPT("allocation-depth", BOOL),
    END
};
static const qemuQMPArgDecl qemuQMPArgsBlockExportDel[] = {
    REQ("id", STRING),
    OPT_ENUM("mode", qemuQMPExportDelModeValues),
    END
};
/* object-add is a union over object types: secret and tls-creds-x509. */
static const qemuQMPArgDecl qemuQMPArgsObjectAdd[] = {
    REQ("qom-type", STRING),
    REQ("id", STRING),
    OPT("data", STRING),
    OPT("file", STRING),
    OPT_ENUM("format", qemuQMPSecretFormatValues),
    OPT("keyid", STRING),
    OPT("iv", STRING),
    OPT("dir", STRING),
    OPT_ENUM("endpoint", qemuQMPTlsEndpointValues),
    OPT("verify-peer", BOOL),
    OPT("passwordid", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsQomSet[] = {
    REQ("path", STRING),
    REQ("property", STRING),
    REQ("value", ANY),
    END
};
static const qemuQMPArgDecl qemuQMPArgsQomGet[] = {
    REQ("path", STRING),
    REQ("property", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsHMP[] = {
    REQ("command-line", STRING),
    OPT("cpu-index", INT),
    END
};

static const qemuQMPDecl qemuQMPCommands[QEMU_QMP_LAST] = {
    [QEMU_QMP_QMP_CAPABILITIES] = { qemuQMPArgsCapabilities, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_QUERY_VERSION] = { qemuQMPArgsNone, QEMU_QMP_REPLY_OBJECT, 0 },
    [QEMU_QMP_QUERY_STATUS] = { qemuQMPArgsNone, QEMU_QMP_REPLY_OBJECT, 0 },
    [QEMU_QMP_QUERY_COMMANDS] = { qemuQMPArgsNone, QEMU_QMP_REPLY_ARRAY, 0 },
    [QEMU_QMP_QUERY_NAMED_BLOCK_NODES] = { qemuQMPArgsNamedBlockNodes, QEMU_QMP_REPLY_ARRAY, 0 },
    [QEMU_QMP_QUERY_BLOCK] = { qemuQMPArgsNone, QEMU_QMP_REPLY_ARRAY, 0 },
    [QEMU_QMP_QUERY_JOBS] = { qemuQMPArgsNone, QEMU_QMP_REPLY_ARRAY, 0 },
    [QEMU_QMP_QUERY_BLOCK_EXPORTS] = { qemuQMPArgsNone, QEMU_QMP_REPLY_ARRAY, 0 },
    [QEMU_QMP_TRANSACTION] = { qemuQMPArgsTransaction, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD] = { qemuQMPArgsBitmapAdd, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE] = { qemuQMPArgsBitmap, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_MERGE] = { qemuQMPArgsBitmapMerge, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_CLEAR] = { qemuQMPArgsBitmap, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_ENABLE] = { qemuQMPArgsBitmap, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_DIRTY_BITMAP_DISABLE] = { qemuQMPArgsBitmap, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_X_DEBUG_BLOCK_DIRTY_BITMAP_SHA256] = { qemuQMPArgsBitmap, QEMU_QMP_REPLY_OBJECT, 0 },
    [QEMU_QMP_BLOCKDEV_ADD] = { qemuQMPArgsBlockdevAdd, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCKDEV_DEL] = { qemuQMPArgsBlockdevDel, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCKDEV_CREATE] = { qemuQMPArgsBlockdevCreate, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCKDEV_BACKUP] = { qemuQMPArgsBlockdevBackup, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCKDEV_SNAPSHOT] = { qemuQMPArgsBlockdevSnapshot, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCKDEV_REOPEN] = { qemuQMPArgsBlockdevReopen, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_COMMIT] = { qemuQMPArgsBlockCommit, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_JOB_COMPLETE] = { qemuQMPArgsDevice, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_JOB_CANCEL] = { qemuQMPArgsBlockJobCancel, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_JOB_RESUME] = { qemuQMPArgsDevice, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_JOB_CANCEL] = { qemuQMPArgsId, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_JOB_FINALIZE] = { qemuQMPArgsId, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_JOB_DISMISS] = { qemuQMPArgsId, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_NBD_SERVER_START] = { qemuQMPArgsNbdServerStart, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_NBD_SERVER_STOP] = { qemuQMPArgsNone, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_EXPORT_ADD] = { qemuQMPArgsBlockExportAdd, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_BLOCK_EXPORT_DEL] = { qemuQMPArgsBlockExportDel, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_OBJECT_ADD] = { qemuQMPArgsObjectAdd, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_OBJECT_DEL] = { qemuQMPArgsId, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_QOM_SET] = { qemuQMPArgsQomSet, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_QOM_GET] = { qemuQMPArgsQomGet, QEMU_QMP_REPLY_STRING, 0 },
    [QEMU_QMP_CONT] = { qemuQMPArgsNone, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_STOP] = { qemuQMPArgsNone, QEMU_QMP_REPLY_EMPTY, 0 },
    [QEMU_QMP_SYSTEM_POWERDOWN] = { qemuQMPArgsNone, QEMU_QMP_REPLY_EMPTY, 0 },
    /* the reply to quit can be lost to the connection closing */
    [QEMU_QMP_QUIT] = { qemuQMPArgsNone, QEMU_QMP_REPLY_EMPTY, QEMU_MONITOR_COMMAND_EOF_OK },
    [QEMU_QMP_HUMAN_MONITOR_COMMAND] = { qemuQMPArgsHMP, QEMU_QMP_REPLY_STRING, 0 },
};

/* Transaction actions take the same data as the commands of that name. */
static const qemuQMPArgDecl *const qemuQMPActions[QEMU_QMP_ACTION_LAST] = {
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD] = qemuQMPArgsBitmapAdd,
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_REMOVE] = qemuQMPArgsBitmap,
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE] = qemuQMPArgsBitmapMerge,
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_CLEAR] = qemuQMPArgsBitmap,
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ENABLE] = qemuQMPArgsBitmap,
    [QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_DISABLE] = qemuQMPArgsBitmap,
    [QEMU_QMP_ACTION_BLOCKDEV_BACKUP] = qemuQMPArgsBlockdevBackup,
    [QEMU_QMP_ACTION_BLOCKDEV_SNAPSHOT] = qemuQMPArgsBlockdevSnapshot,
};

static const qemuQMPArgDecl qemuQMPArgsSocketAddress[] = {
    REQ_ENUM("type", qemuQMPSocketTypeValues),
    REQ("data", OBJECT),
    END
};
static const qemuQMPArgDecl qemuQMPArgsUnixSocket[] = {
    REQ("path", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsInetSocket[] = {
    REQ("host", STRING),
    REQ("port", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsFdSocket[] = {
    REQ("str", STRING),
    END
};
static const qemuQMPArgDecl qemuQMPArgsCache[] = {
    OPT("direct", BOOL),
    OPT("no-flush", BOOL),
    END
};
/* blockdev-create options for the drivers Fleece creates: file, qcow2. */
static const qemuQMPArgDecl qemuQMPArgsCreateOptions[] = {
    REQ("driver", STRING),
    REQ("size", INT),
    OPT("filename", STRING),
    OPT("file", ALTERNATE),
    OPT("cluster-size", INT),
    OPT("backing-file", STRING),
    OPT("backing-fmt", STRING),
    END
};

static const qemuQMPArgDecl *const qemuQMPStructs[QEMU_QMP_STRUCT_LAST] = {
    [QEMU_QMP_STRUCT_BITMAP_REF] = qemuQMPArgsBitmap,
    [QEMU_QMP_STRUCT_SOCKET_ADDRESS] = qemuQMPArgsSocketAddress,
    [QEMU_QMP_STRUCT_UNIX_SOCKET] = qemuQMPArgsUnixSocket,
    [QEMU_QMP_STRUCT_INET_SOCKET] = qemuQMPArgsInetSocket,
    [QEMU_QMP_STRUCT_FD_SOCKET] = qemuQMPArgsFdSocket,
    [QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS] = qemuQMPArgsBlockdevAdd,
    [QEMU_QMP_STRUCT_BLOCKDEV_CACHE] = qemuQMPArgsCache,
    [QEMU_QMP_STRUCT_CREATE_OPTIONS] = qemuQMPArgsCreateOptions,
};


/* ---- the builder ---- */

/* The declaration of argument @key, or NULL. */
static const qemuQMPArgDecl *
qemuQMPFindArg(const qemuQMPArgDecl *decls, const char *key)
{
    for (; decls->name; decls++) {
        if (g_str_equal(decls->name, key))
            return decls;
    }
    return NULL;
}


/* Does a JSON value (NULL = null) have the declared type? */
static bool
qemuQMPValueHasType(virJSONValue *val, qemuQMPType type)
{
    switch (type) {
    case QEMU_QMP_TYPE_STRING:
        return val && json_object_is_type(val, json_type_string);
    case QEMU_QMP_TYPE_INT:
        return val && json_object_is_type(val, json_type_int);
    case QEMU_QMP_TYPE_BOOL:
        return val && json_object_is_type(val, json_type_boolean);
    case QEMU_QMP_TYPE_OBJECT:
        return val && json_object_is_type(val, json_type_object);
    case QEMU_QMP_TYPE_ARRAY:
        return val && json_object_is_type(val, json_type_array);
    case QEMU_QMP_TYPE_ALTERNATE:
        return !val || json_object_is_type(val, json_type_string) ||
               json_object_is_type(val, json_type_object);
    case QEMU_QMP_TYPE_ANY:
        return true;
    case QEMU_QMP_TYPE_LAST:
        break;
    }
    return false;
}


/* Check argument @key = @val of @name against @decls (declared, of the
 * declared type and value, not in @obj yet). */
static bool
qemuQMPCheckArg(const char *name, const qemuQMPArgDecl *decls, virJSONValue *obj,
                const char *key, virJSONValue *val)
{
    const qemuQMPArgDecl *d;

    if (!(d = qemuQMPFindArg(decls, key))) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("argument '%s' is not declared for '%s'"),
                       key, name);
        return false;
    }
    if (!qemuQMPValueHasType(val, d->type)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("argument '%s' of '%s' must be of type '%s'"),
                       key, name, qemuQMPTypeTypeToString(d->type));
        return false;
    }
    if (d->values &&
        !g_strv_contains((const char *const *) d->values,
                         json_object_get_string(val))) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("value '%s' of argument '%s' of '%s' is not declared"),
                       json_object_get_string(val), key, name);
        return false;
    }
    if (obj && json_object_object_get_ex(obj, key, NULL)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("argument '%s' of '%s' given twice"), key, name);
        return false;
    }
    return true;
}

/* Check that @obj has every required argument of @decls. */
static bool
qemuQMPCheckRequired(const char *name, const qemuQMPArgDecl *decls, virJSONValue *obj)
{
    const qemuQMPArgDecl *d;

    for (d = decls; d->name; d++) {
        if (d->required && !json_object_object_get_ex(obj, d->name, NULL)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("argument '%s' of '%s' is missing"),
                           d->name, name);
            return false;
        }
    }
    return true;
}

/* Build the object of arguments of @name from ("CODE:key", value) pairs,
 * checked against @decls.  After the first mismatch the remaining pairs
 * are still consumed, so values handed over are freed, not leaked. */
static virJSONValue *
qemuQMPBuildArgs(const char *name, const qemuQMPArgDecl *decls, va_list ap)
{
    g_autoptr(virJSONValue) obj = json_object_new_object();
    const char *spec;
    bool failed = false;

    while ((spec = va_arg(ap, const char *))) {
        g_autoptr(virJSONValue) val = NULL;
        const char *key = spec + 2;
        bool omit = false;
        bool missing = false;

        if (strlen(spec) < 3 || spec[1] != ':') {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("malformed argument '%s' for '%s'"), spec, name);
            return NULL;
        }
        switch (spec[0]) {
        case 's':
        case 'S': {
            const char *s = va_arg(ap, const char *);

            if (s)
                val = json_object_new_string(s);
            else if (spec[0] == 'S')
                omit = true;
            else
                missing = true;
            break;
        }
        case 'b':
            val = json_object_new_boolean(va_arg(ap, int) != 0);
            break;
        case 'B': {
            int b = va_arg(ap, int);

            if (b < 0)
                omit = true;
            else
                val = json_object_new_boolean(b != 0);
            break;
        }
        case 'i':
            val = json_object_new_int64(va_arg(ap, int));
            break;
        case 'l':
            val = json_object_new_int64(va_arg(ap, long long));
            break;
        case 'u':
        case 'U': {
            unsigned long long u = va_arg(ap, unsigned long long);

            if (u == 0 && spec[0] == 'U')
                omit = true;
            else
                val = json_object_new_uint64(u);
            break;
        }
        case 'v':
        case 'V': {
            virJSONValue **p = va_arg(ap, virJSONValue **);

            if (p && *p)
                val = g_steal_pointer(p);
            else if (spec[0] == 'V')
                omit = true;
            else
                missing = true;
            break;
        }
        case 'n':
            break;
        default:
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("malformed argument '%s' for '%s'"), spec, name);
            return NULL;
        }

        if (failed || omit)
            continue;
        if (!qemuQMPFindArg(decls, key)) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("argument '%s' is not declared for '%s'"),
                           key, name);
            failed = true;
            continue;
        }
        if (missing) {
            virReportError(VIR_ERR_INTERNAL_ERROR,
                           _("argument '%s' of '%s' has no value"), key, name);
            failed = true;
            continue;
        }
        if (!qemuQMPCheckArg(name, decls, obj, key, val)) {
            failed = true;
            continue;
        }
        json_object_object_add(obj, key, g_steal_pointer(&val));
    }
    if (failed || !qemuQMPCheckRequired(name, decls, obj))
        return NULL;
    return g_steal_pointer(&obj);
}


/* Consume and free the values of ("CODE:key", value) pairs that cannot be
 * built because the command itself is unknown. */
static void
qemuQMPDiscardArgs(va_list ap)
{
    g_autoptr(virJSONValue) obj = qemuQMPBuildArgs("", qemuQMPArgsNone, ap);
}


virJSONValue *
qemuQMPCommandBuildV(qemuQMPCommand cmd, va_list ap)
{
    g_autoptr(virJSONValue) args = NULL;
    g_autoptr(virJSONValue) ret = NULL;
    const char *name = qemuQMPCommandTypeToString(cmd);

    if (!name) {
        virErrorPtr saved = NULL;

        virErrorPreserveLast(&saved);
        qemuQMPDiscardArgs(ap);
        virErrorRestore(&saved);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QMP command %d is not declared"), (int) cmd);
        return NULL;
    }
    if (!(args = qemuQMPBuildArgs(name, qemuQMPCommands[cmd].args, ap)))
        return NULL;

    ret = json_object_new_object();
    json_object_object_add(ret, KEY(EXECUTE), json_object_new_string(name));
    if (json_object_object_length(args) > 0)
        json_object_object_add(ret, KEY(ARGUMENTS), g_steal_pointer(&args));
    return g_steal_pointer(&ret);
}


virJSONValue *
qemuQMPCommandBuild(qemuQMPCommand cmd, ...)
{
    virJSONValue *ret;
    va_list ap;

    va_start(ap, cmd);
    ret = qemuQMPCommandBuildV(cmd, ap);
    va_end(ap);
    return ret;
}


/* Is @reply the kind of value @cmd is declared to return? */
static bool
qemuQMPReplyMatches(virJSONValue *reply, qemuQMPReply kind)
{
    switch (kind) {
    case QEMU_QMP_REPLY_EMPTY:
    case QEMU_QMP_REPLY_OBJECT:
        return json_object_is_type(reply, json_type_object);
    case QEMU_QMP_REPLY_ARRAY:
        return json_object_is_type(reply, json_type_array);
    case QEMU_QMP_REPLY_STRING:
        return json_object_is_type(reply, json_type_string);
    case QEMU_QMP_REPLY_LAST:
        break;
    }
    return false;
}


/* Send a built command and check its reply against the declaration. */
static int
qemuQMPRun(qemuMonitor *mon, int timeout_ms, virJSONValue **reply,
           qemuQMPCommand cmd, virJSONValue **json)
{
    g_autoptr(virJSONValue) ret = NULL;
    const qemuQMPDecl *decl = &qemuQMPCommands[cmd];

    if (qemuMonitorCommandFull(mon, json, &ret, timeout_ms, decl->flags) < 0)
        return -1;
    if (!ret && (decl->flags & QEMU_MONITOR_COMMAND_EOF_OK))
        return 0;
    if (!ret || !qemuQMPReplyMatches(ret, decl->reply)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QEMU reply to '%s' is not of kind '%s'"),
                       qemuQMPCommandTypeToString(cmd),
                       qemuQMPReplyTypeToString(decl->reply));
        return -1;
    }
    if (reply)
        *reply = g_steal_pointer(&ret);
    return 0;
}


int
qemuQMPExecute(qemuMonitor *mon, int timeout_ms, virJSONValue **reply,
               qemuQMPCommand cmd, ...)
{
    g_autoptr(virJSONValue) json = NULL;
    va_list ap;

    if (reply)
        *reply = NULL;
    va_start(ap, cmd);
    json = qemuQMPCommandBuildV(cmd, ap);
    va_end(ap);
    if (!json)
        return -1;
    return qemuQMPRun(mon, timeout_ms, reply, cmd, &json);
}


int
qemuQMPExecuteArgs(qemuMonitor *mon, int timeout_ms, virJSONValue **reply,
                   qemuQMPCommand cmd, virJSONValue **args)
{
    g_autoptr(virJSONValue) obj = g_steal_pointer(args);
    g_autoptr(virJSONValue) json = NULL;
    const char *name = qemuQMPCommandTypeToString(cmd);

    if (reply)
        *reply = NULL;
    if (!name) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QMP command %d is not declared"), (int) cmd);
        return -1;
    }
    if (!obj || !json_object_is_type(obj, json_type_object)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("the arguments of '%s' must be an object"), name);
        return -1;
    }
    json_object_object_foreach(obj, key, val) {
        if (!qemuQMPCheckArg(name, qemuQMPCommands[cmd].args, NULL, key, val))
            return -1;
    }
    if (!qemuQMPCheckRequired(name, qemuQMPCommands[cmd].args, obj))
        return -1;
    json = json_object_new_object();
    json_object_object_add(json, KEY(EXECUTE), json_object_new_string(name));
    json_object_object_add(json, KEY(ARGUMENTS), g_steal_pointer(&obj));
    return qemuQMPRun(mon, timeout_ms, reply, cmd, &json);
}


virJSONValue *
qemuQMPStructBuild(qemuQMPStruct st, ...)
{
    const char *name = qemuQMPStructTypeToString(st);
    virJSONValue *ret;
    va_list ap;

    va_start(ap, st);
    if (!name) {
        virErrorPtr saved = NULL;

        virErrorPreserveLast(&saved);
        qemuQMPDiscardArgs(ap);
        virErrorRestore(&saved);
        va_end(ap);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QMP structure %d is not declared"), (int) st);
        return NULL;
    }
    ret = qemuQMPBuildArgs(name, qemuQMPStructs[st], ap);
    va_end(ap);
    return ret;
}


virJSONValue *
qemuQMPActionsNew(void)
{
    return json_object_new_array();
}


int
qemuQMPActionsAppend(virJSONValue *actions, qemuQMPAction action, ...)
{
    const char *name = qemuQMPActionTypeToString(action);
    g_autoptr(virJSONValue) data = NULL;
    virJSONValue *entry;
    va_list ap;

    va_start(ap, action);
    if (!name) {
        virErrorPtr saved = NULL;

        virErrorPreserveLast(&saved);
        qemuQMPDiscardArgs(ap);
        virErrorRestore(&saved);
        va_end(ap);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("transaction action %d is not declared"),
                       (int) action);
        return -1;
    }
    data = qemuQMPBuildArgs(name, qemuQMPActions[action], ap);
    va_end(ap);
    if (!data)
        return -1;

    entry = json_object_new_object();
    json_object_object_add(entry, KEY(TYPE), json_object_new_string(name));
    json_object_object_add(entry, KEY(DATA), g_steal_pointer(&data));
    json_object_array_add(actions, entry);
    return 0;
}


void
qemuQMPBitmapListAppend(virJSONValue *list, const char *node,
                        const char *name)
{
    virJSONValue *ref = json_object_new_object();

    json_object_object_add(ref, KEY(NODE), json_object_new_string(node));
    json_object_object_add(ref, KEY(NAME), json_object_new_string(name));
    json_object_array_add(list, ref);
}


int
qemuQMPTransaction(qemuMonitor *mon, virJSONValue **actions, int timeout_ms)
{
    return qemuQMPExecute(mon, timeout_ms, NULL, QEMU_QMP_TRANSACTION,
                          "v:actions", actions, NULL);
}


int
qemuMonitorHMP(qemuMonitor *mon, const char *cmdline, int timeout_ms,
               char **output)
{
    g_autoptr(virJSONValue) reply = NULL;

    if (output)
        *output = NULL;
    if (qemuQMPExecute(mon, timeout_ms, &reply,
                       QEMU_QMP_HUMAN_MONITOR_COMMAND,
                       "s:command-line", cmdline, NULL) < 0)
        return -1;
    if (output)
        *output = g_strdup(json_object_get_string(reply));
    return 0;
}


/* One declaration as text: NAME, then its arguments. */
static void
qemuQMPFormatDecl(virBuffer *buf, const char *kind, const char *name,
                  const qemuQMPArgDecl *args, const char *reply)
{
    virBufferAsprintf(buf, "%s %s", kind, name);
    if (reply)
        virBufferAsprintf(buf, " -> %s", reply);
    virBufferAddLit(buf, "\n");
    for (; args->name; args++) {
        virBufferAsprintf(buf, "    %s: %s%s", args->name,
                          qemuQMPTypeTypeToString(args->type),
                          args->required ? "" : " (optional)");
        if (args->values) {
            g_autofree char *vals = g_strjoinv("|", (char **) args->values);

            virBufferAsprintf(buf, " [%s]", vals);
        }
        virBufferAddLit(buf, "\n");
    }
}


char *
qemuQMPFormatTable(void)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    size_t i;

    for (i = 0; i < QEMU_QMP_LAST; i++)
        qemuQMPFormatDecl(&buf, "command", qemuQMPCommandTypeToString(i),
                          qemuQMPCommands[i].args,
                          qemuQMPReplyTypeToString(qemuQMPCommands[i].reply));
    for (i = 0; i < QEMU_QMP_ACTION_LAST; i++)
        qemuQMPFormatDecl(&buf, "action", qemuQMPActionTypeToString(i),
                          qemuQMPActions[i], NULL);
    for (i = 0; i < QEMU_QMP_STRUCT_LAST; i++)
        qemuQMPFormatDecl(&buf, "struct", qemuQMPStructTypeToString(i),
                          qemuQMPStructs[i], NULL);
    return virBufferContentAndReset(&buf);
}


char **
qemuQMPCommandArgNames(qemuQMPCommand cmd)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new();
    const qemuQMPArgDecl *d;

    if (!qemuQMPCommandTypeToString(cmd))
        return NULL;
    for (d = qemuQMPCommands[cmd].args; d->name; d++)
        g_ptr_array_add(names, g_strdup(d->name));
    g_ptr_array_add(names, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&names), FALSE);
}


/* ---- events ---- */

int
qemuQMPEventGetType(virJSONValue *event)
{
    return qemuQMPEventTypeFromString(virJSONValueObjectGetString(event,
                                                                  KEY(EVENT)));
}


virJSONValue *
qemuQMPEventGetData(virJSONValue *event)
{
    return virJSONValueObjectGet(event, KEY(DATA));
}


bool
qemuQMPJobStatusPredicate(virJSONValue *event, void *opaque)
{
    qemuQMPJobStatusWait *want = opaque;
    virJSONValue *data = qemuQMPEventGetData(event);
    const char *id = virJSONValueObjectGetString(data, KEY(ID));
    const char *status = virJSONValueObjectGetString(data, KEY(STATUS));

    if (qemuQMPEventGetType(event) != QEMU_QMP_EVENT_JOB_STATUS_CHANGE ||
        !id || !status || !g_str_equal(id, want->id))
        return false;
    return qemuQMPJobStatusTypeFromString(status) == (int) want->status;
}


/* ---- reply parsers ---- */

/* Report a reply of @cmd that lacks @key or has it of the wrong type. */
static void
qemuQMPReportBadReply(qemuQMPCommand cmd, const char *key)
{
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("QEMU reply to '%s' has no valid '%s'"),
                   qemuQMPCommandTypeToString(cmd), key);
}


/* Check the reply is an array; report otherwise. */
static bool
qemuQMPIsArray(virJSONValue *reply, qemuQMPCommand cmd)
{
    if (reply && json_object_is_type(reply, json_type_array))
        return true;
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("QEMU reply to '%s' is not of kind '%s'"),
                   qemuQMPCommandTypeToString(cmd),
                   qemuQMPReplyTypeToString(QEMU_QMP_REPLY_ARRAY));
    return false;
}


/* A boolean that QEMU omits when false. */
static bool
qemuQMPGetOptBool(virJSONValue *obj, const char *key)
{
    bool b = false;

    (void) virJSONValueObjectGetBoolean(obj, key, &b);
    return b;
}


void
qemuQMPVersionFree(qemuQMPVersion *v)
{
    if (!v)
        return;
    g_free(v->package);
    g_free(v);
}


qemuQMPVersion *
qemuQMPParseVersion(virJSONValue *reply)
{
    g_autoptr(qemuQMPVersion) v = g_new0(qemuQMPVersion, 1);
    virJSONValue *qemu = virJSONValueObjectGet(reply, KEY(QEMU));
    unsigned long long major, minor, micro;

    if (virJSONValueObjectGetNumberULong(qemu, KEY(MAJOR), &major) < 0 ||
        virJSONValueObjectGetNumberULong(qemu, KEY(MINOR), &minor) < 0 ||
        virJSONValueObjectGetNumberULong(qemu, KEY(MICRO), &micro) < 0) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_VERSION, KEY(QEMU));
        return NULL;
    }
    v->major = major;
    v->minor = minor;
    v->micro = micro;
    v->package = g_strdup(virJSONValueObjectGetString(reply, KEY(PACKAGE)));
    return g_steal_pointer(&v);
}


void
qemuQMPStatusFree(qemuQMPStatus *st)
{
    if (!st)
        return;
    g_free(st->status);
    g_free(st);
}


qemuQMPStatus *
qemuQMPParseStatus(virJSONValue *reply)
{
    g_autoptr(qemuQMPStatus) st = g_new0(qemuQMPStatus, 1);
    const char *status = virJSONValueObjectGetString(reply, KEY(STATUS));

    if (!status) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_STATUS, KEY(STATUS));
        return NULL;
    }
    if (virJSONValueObjectGetBoolean(reply, KEY(RUNNING), &st->running) < 0) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_STATUS, KEY(RUNNING));
        return NULL;
    }
    st->status = g_strdup(status);
    return g_steal_pointer(&st);
}


void
qemuQMPDirtyBitmapFree(qemuQMPDirtyBitmap *bitmap)
{
    if (!bitmap)
        return;
    g_free(bitmap->name);
    g_free(bitmap);
}


void
qemuQMPBlockNodeFree(qemuQMPBlockNode *node)
{
    if (!node)
        return;
    g_free(node->nodeName);
    g_free(node->drv);
    g_free(node->file);
    g_free(node->backingFile);
    g_strfreev(node->backingChain);
    if (node->bitmaps)
        g_ptr_array_unref(node->bitmaps);
    g_free(node);
}


/* One entry of a node's dirty-bitmaps; NULL for the unnamed internal
 * bitmaps of running jobs (not an error: *@bad stays false). */
static qemuQMPDirtyBitmap *
qemuQMPParseDirtyBitmap(virJSONValue *obj, bool *bad)
{
    g_autoptr(qemuQMPDirtyBitmap) bitmap = NULL;
    const char *name = virJSONValueObjectGetString(obj, KEY(NAME));

    *bad = false;
    if (!name)
        return NULL;
    bitmap = g_new0(qemuQMPDirtyBitmap, 1);
    bitmap->name = g_strdup(name);
    if (virJSONValueObjectGetNumberULong(obj, KEY(GRANULARITY),
                                         &bitmap->granularity) < 0 ||
        virJSONValueObjectGetNumberULong(obj, KEY(COUNT),
                                         &bitmap->count) < 0 ||
        virJSONValueObjectGetBoolean(obj, KEY(RECORDING),
                                     &bitmap->recording) < 0 ||
        virJSONValueObjectGetBoolean(obj, KEY(BUSY), &bitmap->busy) < 0 ||
        virJSONValueObjectGetBoolean(obj, KEY(PERSISTENT),
                                     &bitmap->persistent) < 0) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                              KEY(DIRTY_BITMAPS));
        *bad = true;
        return NULL;
    }
    bitmap->inconsistent = qemuQMPGetOptBool(obj, KEY(INCONSISTENT));
    return g_steal_pointer(&bitmap);
}


/* One node of query-named-block-nodes. */
static qemuQMPBlockNode *
qemuQMPParseBlockNode(virJSONValue *obj)
{
    g_autoptr(qemuQMPBlockNode) node = g_new0(qemuQMPBlockNode, 1);
    const char *nodeName = virJSONValueObjectGetString(obj, KEY(NODE_NAME));
    const char *drv = virJSONValueObjectGetString(obj, KEY(DRV));
    virJSONValue *image = virJSONValueObjectGet(obj, KEY(IMAGE));
    virJSONValue *bitmaps = virJSONValueObjectGet(obj, KEY(DIRTY_BITMAPS));
    g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(g_free);
    virJSONValue *backing;
    size_t i;

    if (!nodeName || !drv) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                              nodeName ? KEY(DRV) : KEY(NODE_NAME));
        return NULL;
    }
    node->nodeName = g_strdup(nodeName);
    node->drv = g_strdup(drv);
    node->file = g_strdup(virJSONValueObjectGetString(obj, KEY(FILE)));
    node->backingFile = g_strdup(virJSONValueObjectGetString(obj,
                                                             KEY(BACKING_FILE)));
    node->readOnly = qemuQMPGetOptBool(obj, KEY(RO));
    /* sizes are informative: absent for some protocol nodes */
    (void) virJSONValueObjectGetNumberULong(image, KEY(VIRTUAL_SIZE),
                                            &node->virtualSize);
    (void) virJSONValueObjectGetNumberULong(image, KEY(CLUSTER_SIZE),
                                            &node->clusterSize);

    for (backing = virJSONValueObjectGet(image, KEY(BACKING_IMAGE)); backing;
         backing = virJSONValueObjectGet(backing, KEY(BACKING_IMAGE))) {
        const char *fn = virJSONValueObjectGetString(backing, KEY(FILENAME));

        if (!fn) {
            qemuQMPReportBadReply(QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                                  KEY(BACKING_IMAGE));
            return NULL;
        }
        g_ptr_array_add(chain, g_strdup(fn));
    }
    g_ptr_array_add(chain, NULL);
    node->backingChain = (char **) g_ptr_array_steal(chain, NULL);

    node->bitmaps = g_ptr_array_new_with_free_func(
        (GDestroyNotify) qemuQMPDirtyBitmapFree);
    if (bitmaps && !json_object_is_type(bitmaps, json_type_array)) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                              KEY(DIRTY_BITMAPS));
        return NULL;
    }
    for (i = 0; bitmaps && i < json_object_array_length(bitmaps); i++) {
        bool bad;
        qemuQMPDirtyBitmap *bitmap =
            qemuQMPParseDirtyBitmap(json_object_array_get_idx(bitmaps, i),
                                    &bad);

        if (bad)
            return NULL;
        if (bitmap)
            g_ptr_array_add(node->bitmaps, bitmap);
    }
    return g_steal_pointer(&node);
}


/* Parse a reply that is an array, one element at a time; any element
 * that does not parse makes the whole reply bad (reported by parse). */
static GPtrArray *
qemuQMPParseArray(virJSONValue *reply, qemuQMPCommand cmd,
                  GDestroyNotify freefn, void *(*parse)(virJSONValue *obj))
{
    g_autoptr(GPtrArray) items = NULL;
    size_t i;

    if (!qemuQMPIsArray(reply, cmd))
        return NULL;
    items = g_ptr_array_new_with_free_func(freefn);
    for (i = 0; i < json_object_array_length(reply); i++) {
        void *item = parse(json_object_array_get_idx(reply, i));

        if (!item)
            return NULL;
        g_ptr_array_add(items, item);
    }
    return g_steal_pointer(&items);
}


static void *
qemuQMPParseBlockNodeItem(virJSONValue *obj)
{
    return qemuQMPParseBlockNode(obj);
}


GPtrArray *
qemuQMPParseNamedBlockNodes(virJSONValue *reply)
{
    return qemuQMPParseArray(reply, QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                             (GDestroyNotify) qemuQMPBlockNodeFree,
                             qemuQMPParseBlockNodeItem);
}


qemuQMPBlockNode *
qemuQMPBlockNodeFind(GPtrArray *nodes, const char *name)
{
    size_t i;

    for (i = 0; i < nodes->len; i++) {
        qemuQMPBlockNode *node = g_ptr_array_index(nodes, i);

        if (g_str_equal(node->nodeName, name))
            return node;
    }
    return NULL;
}


qemuQMPDirtyBitmap *
qemuQMPBlockNodeFindBitmap(qemuQMPBlockNode *node, const char *name)
{
    size_t i;

    for (i = 0; i < node->bitmaps->len; i++) {
        qemuQMPDirtyBitmap *bitmap = g_ptr_array_index(node->bitmaps, i);

        if (g_str_equal(bitmap->name, name))
            return bitmap;
    }
    return NULL;
}


void
qemuQMPJobFree(qemuQMPJob *job)
{
    if (!job)
        return;
    g_free(job->id);
    g_free(job->type);
    g_free(job->error);
    g_free(job);
}


static void *
qemuQMPParseJob(virJSONValue *obj)
{
    g_autoptr(qemuQMPJob) job = g_new0(qemuQMPJob, 1);
    const char *id = virJSONValueObjectGetString(obj, KEY(ID));
    const char *type = virJSONValueObjectGetString(obj, KEY(TYPE));
    const char *status = virJSONValueObjectGetString(obj, KEY(STATUS));
    int st = qemuQMPJobStatusTypeFromString(status);

    if (!id || !type || st < 0) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_JOBS,
                              !id ? KEY(ID) : !type ? KEY(TYPE) :
                              KEY(STATUS));
        return NULL;
    }
    if (virJSONValueObjectGetNumberULong(obj, KEY(CURRENT_PROGRESS),
                                         &job->current) < 0 ||
        virJSONValueObjectGetNumberULong(obj, KEY(TOTAL_PROGRESS),
                                         &job->total) < 0) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_JOBS, KEY(TOTAL_PROGRESS));
        return NULL;
    }
    job->id = g_strdup(id);
    job->type = g_strdup(type);
    job->status = st;
    job->error = g_strdup(virJSONValueObjectGetString(obj, KEY(ERROR)));
    return g_steal_pointer(&job);
}


GPtrArray *
qemuQMPParseJobs(virJSONValue *reply)
{
    return qemuQMPParseArray(reply, QEMU_QMP_QUERY_JOBS,
                             (GDestroyNotify) qemuQMPJobFree, qemuQMPParseJob);
}


void
qemuQMPBlockExportFree(qemuQMPBlockExport *exp)
{
    if (!exp)
        return;
    g_free(exp->id);
    g_free(exp->type);
    g_free(exp->nodeName);
    g_free(exp);
}


static void *
qemuQMPParseBlockExport(virJSONValue *obj)
{
    g_autoptr(qemuQMPBlockExport) exp = g_new0(qemuQMPBlockExport, 1);
    const char *id = virJSONValueObjectGetString(obj, KEY(ID));
    const char *type = virJSONValueObjectGetString(obj, KEY(TYPE));
    const char *node = virJSONValueObjectGetString(obj, KEY(NODE_NAME));

    if (!id || !type || !node) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_BLOCK_EXPORTS,
                              !id ? KEY(ID) : !type ? KEY(TYPE) :
                              KEY(NODE_NAME));
        return NULL;
    }
    exp->id = g_strdup(id);
    exp->type = g_strdup(type);
    exp->nodeName = g_strdup(node);
    exp->shuttingDown = qemuQMPGetOptBool(obj, KEY(SHUTTING_DOWN));
    return g_steal_pointer(&exp);
}


GPtrArray *
qemuQMPParseBlockExports(virJSONValue *reply)
{
    return qemuQMPParseArray(reply, QEMU_QMP_QUERY_BLOCK_EXPORTS,
                             (GDestroyNotify) qemuQMPBlockExportFree,
                             qemuQMPParseBlockExport);
}


void
qemuQMPBlockDeviceFree(qemuQMPBlockDevice *dev)
{
    if (!dev)
        return;
    g_free(dev->device);
    g_free(dev->qdev);
    g_free(dev->nodeName);
    g_strfreev(dev->chain);
    g_free(dev);
}


static void *
qemuQMPParseBlockDevice(virJSONValue *obj)
{
    g_autoptr(qemuQMPBlockDevice) dev = g_new0(qemuQMPBlockDevice, 1);
    const char *device = virJSONValueObjectGetString(obj, KEY(DEVICE));
    virJSONValue *inserted = virJSONValueObjectGet(obj, KEY(INSERTED));
    g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(g_free);
    virJSONValue *image;

    if (!device) {
        qemuQMPReportBadReply(QEMU_QMP_QUERY_BLOCK, KEY(DEVICE));
        return NULL;
    }
    dev->device = g_strdup(device);
    dev->qdev = g_strdup(virJSONValueObjectGetString(obj, KEY(QDEV)));
    dev->nodeName = g_strdup(virJSONValueObjectGetString(inserted,
                                                         KEY(NODE_NAME)));
    for (image = virJSONValueObjectGet(inserted, KEY(IMAGE)); image;
         image = virJSONValueObjectGet(image, KEY(BACKING_IMAGE))) {
        const char *fn = virJSONValueObjectGetString(image, KEY(FILENAME));

        if (!fn) {
            qemuQMPReportBadReply(QEMU_QMP_QUERY_BLOCK, KEY(IMAGE));
            return NULL;
        }
        g_ptr_array_add(chain, g_strdup(fn));
    }
    g_ptr_array_add(chain, NULL);
    dev->chain = (char **) g_ptr_array_steal(chain, NULL);
    return g_steal_pointer(&dev);
}


GPtrArray *
qemuQMPParseBlock(virJSONValue *reply)
{
    return qemuQMPParseArray(reply, QEMU_QMP_QUERY_BLOCK,
                             (GDestroyNotify) qemuQMPBlockDeviceFree,
                             qemuQMPParseBlockDevice);
}


char **
qemuQMPParseCommandNames(virJSONValue *reply)
{
    g_autoptr(GPtrArray) names = NULL;
    size_t i;

    if (!qemuQMPIsArray(reply, QEMU_QMP_QUERY_COMMANDS))
        return NULL;
    names = g_ptr_array_new_with_free_func(g_free);
    for (i = 0; i < json_object_array_length(reply); i++) {
        const char *name =
            virJSONValueObjectGetString(json_object_array_get_idx(reply, i),
                                        KEY(NAME));

        if (!name) {
            qemuQMPReportBadReply(QEMU_QMP_QUERY_COMMANDS, KEY(NAME));
            return NULL;
        }
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_add(names, NULL);
    return (char **) g_ptr_array_steal(names, NULL);
}

/*
 * qemu_qmp.h: every QMP command Fleece sends, declared once
 *
 * One table names each command, its arguments (name, type, required or
 * optional, allowed values) and the kind of reply it gives.  Transaction
 * actions and the nested structures some arguments take are declared the
 * same way.  One builder turns typed C arguments into JSON and checks them
 * against the declaration: an undeclared command or argument, a missing
 * required argument, a wrong type or an undeclared value is an internal
 * error and nothing is sent.
 *
 * Arguments are passed as ("CODE:name", value) pairs ended by NULL, where
 * CODE gives the C type of the value:
 *
 *   s  const char *          (must not be NULL)
 *   S  const char *          (omitted when NULL)
 *   b  int, as a boolean
 *   B  int: omitted when < 0, else a boolean
 *   i  int
 *   l  long long
 *   u  unsigned long long
 *   U  unsigned long long    (omitted when 0)
 *   v  virJSONValue **       (taken and cleared; must not be NULL)
 *   V  virJSONValue **       (taken and cleared; omitted when NULL)
 *   n  no value: JSON null
 *
 * for example
 *
 *   qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
 *                        "s:node", "libvirt-1-format", "s:name", "c1",
 *                        "b:persistent", true, "U:granularity", gran,
 *                        NULL);
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdarg.h>
#include <stdbool.h>

#include "qemu_monitor.h"
#include "virenum.h"
#include "virjson.h"

/* The JSON type of a declared argument. */
typedef enum {
    QEMU_QMP_TYPE_STRING,
    QEMU_QMP_TYPE_INT,
    QEMU_QMP_TYPE_BOOL,
    QEMU_QMP_TYPE_OBJECT,
    QEMU_QMP_TYPE_ARRAY,
    QEMU_QMP_TYPE_ALTERNATE,  /* a string, an object or null */
    QEMU_QMP_TYPE_ANY,        /* any JSON value */
    QEMU_QMP_TYPE_LAST
} qemuQMPType;
VIR_ENUM_DECL(qemuQMPType);

/* What a command's "return" holds. */
typedef enum {
    QEMU_QMP_REPLY_EMPTY,     /* {} */
    QEMU_QMP_REPLY_OBJECT,
    QEMU_QMP_REPLY_ARRAY,
    QEMU_QMP_REPLY_STRING,
    QEMU_QMP_REPLY_LAST
} qemuQMPReply;
VIR_ENUM_DECL(qemuQMPReply);

typedef enum {
    QEMU_QMP_QMP_CAPABILITIES,
    QEMU_QMP_QUERY_VERSION,
    QEMU_QMP_QUERY_STATUS,
    QEMU_QMP_QUERY_COMMANDS,
    QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
    QEMU_QMP_QUERY_BLOCK,
    QEMU_QMP_QUERY_JOBS,
    QEMU_QMP_QUERY_BLOCK_EXPORTS,
    QEMU_QMP_TRANSACTION,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_ADD,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_MERGE,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_CLEAR,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_ENABLE,
    QEMU_QMP_BLOCK_DIRTY_BITMAP_DISABLE,
    QEMU_QMP_X_DEBUG_BLOCK_DIRTY_BITMAP_SHA256,
    QEMU_QMP_BLOCKDEV_ADD,
    QEMU_QMP_BLOCKDEV_DEL,
    QEMU_QMP_BLOCKDEV_CREATE,
    QEMU_QMP_BLOCKDEV_BACKUP,
    QEMU_QMP_BLOCKDEV_SNAPSHOT,
    QEMU_QMP_BLOCKDEV_REOPEN,
    QEMU_QMP_BLOCK_COMMIT,
    QEMU_QMP_BLOCK_JOB_COMPLETE,
    QEMU_QMP_BLOCK_JOB_CANCEL,
    QEMU_QMP_BLOCK_JOB_RESUME,
    QEMU_QMP_JOB_CANCEL,
    QEMU_QMP_JOB_FINALIZE,
    QEMU_QMP_JOB_DISMISS,
    QEMU_QMP_NBD_SERVER_START,
    QEMU_QMP_NBD_SERVER_STOP,
    QEMU_QMP_BLOCK_EXPORT_ADD,
    QEMU_QMP_BLOCK_EXPORT_DEL,
    QEMU_QMP_OBJECT_ADD,
    QEMU_QMP_OBJECT_DEL,
    QEMU_QMP_QOM_SET,
    QEMU_QMP_QOM_GET,
    QEMU_QMP_CONT,
    QEMU_QMP_STOP,
    QEMU_QMP_SYSTEM_POWERDOWN,
    QEMU_QMP_QUIT,
    QEMU_QMP_HUMAN_MONITOR_COMMAND,
    QEMU_QMP_LAST
} qemuQMPCommand;
VIR_ENUM_DECL(qemuQMPCommand);

/* Actions of a 'transaction'. */
typedef enum {
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_REMOVE,
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_CLEAR,
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ENABLE,
    QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_DISABLE,
    QEMU_QMP_ACTION_BLOCKDEV_BACKUP,
    QEMU_QMP_ACTION_BLOCKDEV_SNAPSHOT,
    QEMU_QMP_ACTION_LAST
} qemuQMPAction;
VIR_ENUM_DECL(qemuQMPAction);

/* Structures nested in arguments. */
typedef enum {
    QEMU_QMP_STRUCT_BITMAP_REF,          /* {node, name} */
    QEMU_QMP_STRUCT_SOCKET_ADDRESS,      /* legacy {type, data} */
    QEMU_QMP_STRUCT_UNIX_SOCKET,         /* {path} */
    QEMU_QMP_STRUCT_INET_SOCKET,         /* {host, port} */
    QEMU_QMP_STRUCT_FD_SOCKET,           /* {str} */
    QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS,    /* as blockdev-add, nested */
    QEMU_QMP_STRUCT_BLOCKDEV_CACHE,      /* {direct, no-flush} */
    QEMU_QMP_STRUCT_CREATE_OPTIONS,      /* blockdev-create 'options' */
    QEMU_QMP_STRUCT_LAST
} qemuQMPStruct;
VIR_ENUM_DECL(qemuQMPStruct);

/* Events Fleece listens for. */
typedef enum {
    QEMU_QMP_EVENT_SHUTDOWN,
    QEMU_QMP_EVENT_STOP,
    QEMU_QMP_EVENT_RESUME,
    QEMU_QMP_EVENT_JOB_STATUS_CHANGE,
    QEMU_QMP_EVENT_BLOCK_JOB_COMPLETED,
    QEMU_QMP_EVENT_BLOCK_JOB_CANCELLED,
    QEMU_QMP_EVENT_BLOCK_JOB_ERROR,
    QEMU_QMP_EVENT_BLOCK_JOB_PENDING,
    QEMU_QMP_EVENT_BLOCK_JOB_READY,
    QEMU_QMP_EVENT_BLOCK_EXPORT_DELETED,
    QEMU_QMP_EVENT_BLOCK_IO_ERROR,
    QEMU_QMP_EVENT_LAST
} qemuQMPEvent;
VIR_ENUM_DECL(qemuQMPEvent);

/* QEMU's JobStatus. */
typedef enum {
    QEMU_QMP_JOB_STATUS_UNDEFINED,
    QEMU_QMP_JOB_STATUS_CREATED,
    QEMU_QMP_JOB_STATUS_RUNNING,
    QEMU_QMP_JOB_STATUS_PAUSED,
    QEMU_QMP_JOB_STATUS_READY,
    QEMU_QMP_JOB_STATUS_STANDBY,
    QEMU_QMP_JOB_STATUS_WAITING,
    QEMU_QMP_JOB_STATUS_PENDING,
    QEMU_QMP_JOB_STATUS_ABORTING,
    QEMU_QMP_JOB_STATUS_CONCLUDED,
    QEMU_QMP_JOB_STATUS_NULL,
    QEMU_QMP_JOB_STATUS_LAST
} qemuQMPJobStatus;
VIR_ENUM_DECL(qemuQMPJobStatus);


/* Build {"execute": NAME, "arguments": {...}} checked against the
 * declaration; NULL (internal error) if it does not match. */
virJSONValue *qemuQMPCommandBuild(qemuQMPCommand cmd, ...)
    G_GNUC_NULL_TERMINATED;
virJSONValue *qemuQMPCommandBuildV(qemuQMPCommand cmd, va_list ap);

/* Build, send and check the reply's kind; *@reply (if not NULL) gets the
 * "return" value. */
int qemuQMPExecute(qemuMonitor *mon, int timeout_ms, virJSONValue **reply,
                   qemuQMPCommand cmd, ...) G_GNUC_NULL_TERMINATED;

/* The same with the arguments built elsewhere as one object (@args,
 * taken and cleared), checked against the declaration as the pairs are:
 * the block nodes of a domain's disks, built once for QEMU's command
 * line and for the storage daemon's blockdev-add. */
int qemuQMPExecuteArgs(qemuMonitor *mon, int timeout_ms, virJSONValue **reply,
                       qemuQMPCommand cmd, virJSONValue **args);

/* A nested structure, checked the same way. */
virJSONValue *qemuQMPStructBuild(qemuQMPStruct st, ...)
    G_GNUC_NULL_TERMINATED;

/* An empty action list for a transaction. */
virJSONValue *qemuQMPActionsNew(void);
/* Append {"type": ACTION, "data": {...}} to @actions. */
int qemuQMPActionsAppend(virJSONValue *actions, qemuQMPAction action, ...)
    G_GNUC_NULL_TERMINATED;
/* Append a {node, name} reference to a list of merge sources. */
void qemuQMPBitmapListAppend(virJSONValue *list, const char *node,
                             const char *name);
/* Run @actions (taken and cleared) as one transaction. */
int qemuQMPTransaction(qemuMonitor *mon, virJSONValue **actions,
                       int timeout_ms);

/* Run an HMP command line; *@output gets what QEMU returned (often ""). */
int qemuMonitorHMP(qemuMonitor *mon, const char *cmdline, int timeout_ms,
                   char **output);

/* The whole declaration table, one line per command, action or
 * structure, for tests and debugging. */
char *qemuQMPFormatTable(void);

/* The argument names declared for @cmd, NULL-terminated (for checking
 * the table against QEMU's schema). */
char **qemuQMPCommandArgNames(qemuQMPCommand cmd);

/* The event's name as an enum, -1 if not one Fleece declares. */
int qemuQMPEventGetType(virJSONValue *event);
/* The event's "data" object, or NULL. */
virJSONValue *qemuQMPEventGetData(virJSONValue *event);

/* Predicate for qemuMonitorWaitEvent: a JOB_STATUS_CHANGE of one job
 * reaching one status. */
typedef struct _qemuQMPJobStatusWait qemuQMPJobStatusWait;
struct _qemuQMPJobStatusWait {
    const char *id;
    qemuQMPJobStatus status;
};
bool qemuQMPJobStatusPredicate(virJSONValue *event, void *opaque);


/* --- reply parsers --- */

typedef struct _qemuQMPVersion qemuQMPVersion;
struct _qemuQMPVersion {
    unsigned int major;
    unsigned int minor;
    unsigned int micro;
    char *package;
};
void qemuQMPVersionFree(qemuQMPVersion *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPVersion, qemuQMPVersionFree);
qemuQMPVersion *qemuQMPParseVersion(virJSONValue *reply);

typedef struct _qemuQMPStatus qemuQMPStatus;
struct _qemuQMPStatus {
    char *status;       /* QEMU's RunState, e.g. "prelaunch", "running" */
    bool running;
};
void qemuQMPStatusFree(qemuQMPStatus *st);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPStatus, qemuQMPStatusFree);
qemuQMPStatus *qemuQMPParseStatus(virJSONValue *reply);

typedef struct _qemuQMPDirtyBitmap qemuQMPDirtyBitmap;
struct _qemuQMPDirtyBitmap {
    char *name;
    bool recording;
    bool persistent;
    bool busy;
    bool inconsistent;
    unsigned long long granularity;
    unsigned long long count;     /* dirty bytes */
};
void qemuQMPDirtyBitmapFree(qemuQMPDirtyBitmap *bitmap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPDirtyBitmap, qemuQMPDirtyBitmapFree);

typedef struct _qemuQMPBlockNode qemuQMPBlockNode;
struct _qemuQMPBlockNode {
    char *nodeName;
    char *drv;
    char *file;                   /* the image's filename */
    char *backingFile;            /* NULL without backing */
    bool readOnly;
    unsigned long long virtualSize;
    unsigned long long clusterSize;  /* 0 if not reported */
    char **backingChain;          /* filenames below this image, top first */
    GPtrArray *bitmaps;           /* qemuQMPDirtyBitmap, named ones only */
};
void qemuQMPBlockNodeFree(qemuQMPBlockNode *node);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPBlockNode, qemuQMPBlockNodeFree);

/* query-named-block-nodes: an array of qemuQMPBlockNode. */
GPtrArray *qemuQMPParseNamedBlockNodes(virJSONValue *reply);
qemuQMPBlockNode *qemuQMPBlockNodeFind(GPtrArray *nodes, const char *name);
qemuQMPDirtyBitmap *qemuQMPBlockNodeFindBitmap(qemuQMPBlockNode *node,
                                               const char *name);

typedef struct _qemuQMPJob qemuQMPJob;
struct _qemuQMPJob {
    char *id;
    char *type;
    qemuQMPJobStatus status;
    unsigned long long current;
    unsigned long long total;
    char *error;                  /* NULL unless the job failed */
};
void qemuQMPJobFree(qemuQMPJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPJob, qemuQMPJobFree);

/* query-jobs: an array of qemuQMPJob. */
GPtrArray *qemuQMPParseJobs(virJSONValue *reply);

typedef struct _qemuQMPBlockExport qemuQMPBlockExport;
struct _qemuQMPBlockExport {
    char *id;
    char *type;
    char *nodeName;
    bool shuttingDown;
};
void qemuQMPBlockExportFree(qemuQMPBlockExport *exp);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPBlockExport, qemuQMPBlockExportFree);

/* query-block-exports: an array of qemuQMPBlockExport. */
GPtrArray *qemuQMPParseBlockExports(virJSONValue *reply);

typedef struct _qemuQMPBlockDevice qemuQMPBlockDevice;
struct _qemuQMPBlockDevice {
    char *device;                 /* may be "" with -blockdev */
    char *qdev;                   /* the device's QOM path or id */
    char *nodeName;               /* top node of the inserted medium */
    char **chain;                 /* its image and those below, top first */
};
void qemuQMPBlockDeviceFree(qemuQMPBlockDevice *dev);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuQMPBlockDevice, qemuQMPBlockDeviceFree);

/* query-block: an array of qemuQMPBlockDevice. */
GPtrArray *qemuQMPParseBlock(virJSONValue *reply);

/* query-commands: the names, NULL-terminated. */
char **qemuQMPParseCommandNames(virJSONValue *reply);

/*
 * remote_protocol.h: the part of libvirt's remote wire protocol Fleece
 * speaks — our own description of the messages, written from the wire
 * layout (program and procedure numbers, member order and XDR types)
 * that libvirt 9.0's clients and daemon exchange.
 *
 * Three programs:
 *   REMOTE_PROGRAM   libvirt's main program (connections, domains,
 *                    checkpoints, backups, snapshots, block jobs, jobs,
 *                    events)
 *   QEMU_PROGRAM     libvirt's QEMU-specific program (monitor commands)
 *   FLEECE_PROGRAM   Fleece's own additions (virDomainBackupEnd)
 * The keepalive program is in virnetmessage.h.
 *
 * Each procedure is listed once, in remote_protocol.c, with its name and
 * the types of its arguments and result; the server's dispatcher and the
 * client driver both work from that table.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "virnetmessage.h"
#include "virxdr.h"

#define REMOTE_PROGRAM 0x20008086
#define REMOTE_PROTOCOL_VERSION 1
#define QEMU_PROGRAM 0x20008087
#define QEMU_PROTOCOL_VERSION 1
#define FLEECE_PROGRAM 0x464c4545      /* "FLEE" */
#define FLEECE_PROTOCOL_VERSION 1

/* Bounds on what a message may carry (libvirt 9.0's values). */
#define REMOTE_STRING_MAX VIR_NET_MESSAGE_STRING_MAX
#define REMOTE_DOMAIN_LIST_MAX 16384
#define REMOTE_DOMAIN_CHECKPOINT_LIST_MAX 16384
#define REMOTE_DOMAIN_SNAPSHOT_LIST_MAX 16384
#define REMOTE_DOMAIN_JOB_STATS_MAX 64
#define REMOTE_AUTH_TYPE_LIST_MAX 20
#define REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX 256
#define REMOTE_DOMAIN_MESSAGES_MAX 2048
#define REMOTE_SECURITY_MODEL_MAX 257
#define REMOTE_SECURITY_DOI_MAX 257
#define REMOTE_SECURITY_LABEL_MAX 4097

/* Authentication types (AUTH_LIST). */
typedef enum {
    REMOTE_AUTH_NONE = 0,
    REMOTE_AUTH_SASL = 1,
    REMOTE_AUTH_POLKIT = 2,
} remoteAuthType;

/* Features a client asks about with CONNECT_SUPPORTS_FEATURE. */
typedef enum {
    REMOTE_FEATURE_TYPED_PARAM_STRING = 9,
    REMOTE_FEATURE_PROGRAM_KEEPALIVE = 10,
    REMOTE_FEATURE_REMOTE_EVENT_CALLBACK = 14,
    REMOTE_FEATURE_REMOTE_CLOSE_CALLBACK = 15,
} remoteFeature;

typedef enum {
    REMOTE_PROC_CONNECT_OPEN = 1,
    REMOTE_PROC_CONNECT_CLOSE = 2,
    REMOTE_PROC_CONNECT_GET_TYPE = 3,
    REMOTE_PROC_CONNECT_GET_VERSION = 4,
    REMOTE_PROC_CONNECT_GET_CAPABILITIES = 7,
    REMOTE_PROC_DOMAIN_CREATE = 9,
    REMOTE_PROC_DOMAIN_CREATE_XML = 10,
    REMOTE_PROC_DOMAIN_DEFINE_XML = 11,
    REMOTE_PROC_DOMAIN_DESTROY = 12,
    REMOTE_PROC_DOMAIN_GET_XML_DESC = 14,
    REMOTE_PROC_DOMAIN_GET_AUTOSTART = 15,
    REMOTE_PROC_DOMAIN_GET_INFO = 16,
    REMOTE_PROC_DOMAIN_GET_OS_TYPE = 19,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_ID = 22,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME = 23,
    REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID = 24,
    REMOTE_PROC_DOMAIN_RESUME = 28,
    REMOTE_PROC_DOMAIN_SHUTDOWN = 33,
    REMOTE_PROC_DOMAIN_SUSPEND = 34,
    REMOTE_PROC_DOMAIN_UNDEFINE = 35,
    REMOTE_PROC_CONNECT_GET_HOSTNAME = 59,
    REMOTE_PROC_CONNECT_SUPPORTS_FEATURE = 60,
    REMOTE_PROC_AUTH_LIST = 66,
    REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL = 121,
    REMOTE_PROC_NODE_GET_SECURITY_MODEL = 122,
    REMOTE_PROC_DOMAIN_IS_ACTIVE = 150,
    REMOTE_PROC_DOMAIN_IS_PERSISTENT = 151,
    REMOTE_PROC_CONNECT_GET_LIB_VERSION = 157,
    REMOTE_PROC_DOMAIN_GET_JOB_INFO = 163,
    REMOTE_PROC_DOMAIN_ABORT_JOB = 164,
    REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183,
    REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML = 185,
    REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC = 186,
    REMOTE_PROC_DOMAIN_SNAPSHOT_NUM = 187,
    REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME = 189,
    REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT = 190,
    REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT = 191,
    REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT = 192,
    REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE = 193,
    REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS = 196,
    REMOTE_PROC_DOMAIN_GET_STATE = 212,
    REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS = 231,
    REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT = 237,
    REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO = 238,
    REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT = 244,
    REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN = 246,
    REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT = 271,
    REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA = 272,
    REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS = 273,
    REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS = 274,
    REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN = 275,
    REMOTE_PROC_DOMAIN_BLOCK_COMMIT = 290,
    REMOTE_PROC_DOMAIN_GET_JOB_STATS = 298,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = 316,
    REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = 317,
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318,
    REMOTE_PROC_DOMAIN_FSFREEZE = 335,
    REMOTE_PROC_DOMAIN_FSTHAW = 336,
    REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS = 350,
    REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK = 360,
    REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK = 361,
    REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED = 363,
    REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML = 411,
    REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC = 412,
    REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS = 413,
    REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN = 414,
    REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME = 415,
    REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT = 416,
    REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE = 417,
    REMOTE_PROC_DOMAIN_BACKUP_BEGIN = 421,
    REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC = 422,
    REMOTE_PROC_DOMAIN_GET_MESSAGES = 426,
} remoteProcedure;

typedef enum {
    QEMU_PROC_DOMAIN_MONITOR_COMMAND = 1,
} qemuProcedure;

typedef enum {
    FLEECE_PROC_DOMAIN_BACKUP_END = 1,
} fleeceProcedure;

/* ---- building blocks -------------------------------------------------- */

typedef struct {
    char *name;
    unsigned char uuid[VIR_XDR_UUID_LEN];
    int id;
} remoteNonnullDomain;

typedef struct {
    char *name;
    remoteNonnullDomain dom;
} remoteNonnullDomainCheckpoint;

typedef struct {
    char *name;
    remoteNonnullDomain dom;
} remoteNonnullDomainSnapshot;

typedef struct {
    char *field;
    virXDRTypedParamValue value;
} remoteTypedParam;

typedef struct {
    unsigned int len;
    remoteTypedParam *val;
} remoteTypedParamList;

typedef struct {
    unsigned int len;
    char **val;
} remoteStringList;

typedef struct {
    unsigned int len;
    char *val;
} remoteCharList;

/* ---- arguments and results -------------------------------------------- */

/* Shapes shared by several procedures. */
typedef struct { remoteNonnullDomain dom; } remoteDomainArgs;
typedef struct { remoteNonnullDomain dom; unsigned int flags; } remoteDomainFlagsArgs;
typedef struct { remoteNonnullDomain dom; } remoteDomainRet;
typedef struct { char *str; } remoteStringRet;
typedef struct { int value; } remoteIntRet;
typedef struct { unsigned long long value; } remoteUHyperRet;
typedef struct { char *xml; unsigned int flags; } remoteXMLFlagsArgs;
typedef struct { remoteNonnullDomainCheckpoint checkpoint; } remoteCheckpointRet;
typedef struct { remoteNonnullDomainCheckpoint checkpoint; unsigned int flags; } remoteCheckpointFlagsArgs;
typedef struct {
    struct { unsigned int len; remoteNonnullDomainCheckpoint *val; } checkpoints;
    int ret;
} remoteCheckpointListRet;

typedef struct { remoteNonnullDomainSnapshot snapshot; } remoteSnapshotRet;
typedef struct { remoteNonnullDomainSnapshot snapshot; unsigned int flags; } remoteSnapshotFlagsArgs;
typedef struct {
    struct { unsigned int len; remoteNonnullDomainSnapshot *val; } snapshots;
    int ret;
} remoteSnapshotListRet;

typedef struct { char *name; unsigned int flags; } remoteConnectOpenArgs;
typedef struct { int feature; } remoteConnectSupportsFeatureArgs;
typedef struct { struct { unsigned int len; int *val; } types; } remoteAuthListRet;
typedef struct { char *xml; } remoteDomainDefineXMLArgs;
typedef struct { int id; } remoteDomainLookupByIDArgs;
typedef struct { char *name; } remoteDomainLookupByNameArgs;
typedef struct { unsigned char uuid[VIR_XDR_UUID_LEN]; } remoteDomainLookupByUUIDArgs;
typedef struct {
    unsigned int state;
    unsigned long long maxMem;
    unsigned long long memory;
    unsigned int nrVirtCpu;
    unsigned long long cpuTime;
} remoteDomainGetInfoRet;
typedef struct { remoteCharList label; int enforcing; } remoteDomainGetSecurityLabelRet;
typedef struct { remoteCharList model; remoteCharList doi; } remoteNodeGetSecurityModelRet;
typedef struct {
    int type;
    unsigned long long timeElapsed;
    unsigned long long timeRemaining;
    unsigned long long dataTotal;
    unsigned long long dataProcessed;
    unsigned long long dataRemaining;
    unsigned long long memTotal;
    unsigned long long memProcessed;
    unsigned long long memRemaining;
    unsigned long long fileTotal;
    unsigned long long fileProcessed;
    unsigned long long fileRemaining;
} remoteDomainGetJobInfoRet;
typedef struct { int state; int reason; } remoteDomainGetStateRet;
typedef struct {
    remoteNonnullDomain dom;
    char *path;
    unsigned int flags;
} remoteDomainGetBlockJobInfoArgs;
typedef struct {
    int found;
    int type;
    unsigned long long bandwidth;
    unsigned long long cur;
    unsigned long long end;
} remoteDomainGetBlockJobInfoRet;
typedef struct { int needResults; unsigned int flags; } remoteConnectListAllDomainsArgs;
typedef struct {
    struct { unsigned int len; remoteNonnullDomain *val; } domains;
    unsigned int ret;
} remoteConnectListAllDomainsRet;
typedef struct { int type; remoteTypedParamList params; } remoteDomainGetJobStatsRet;
typedef struct { int eventID; remoteNonnullDomain *dom; } remoteConnectDomainEventCallbackRegisterAnyArgs;
typedef struct { int callbackID; } remoteConnectDomainEventCallbackRegisterAnyRet;
typedef struct { int callbackID; } remoteConnectDomainEventCallbackDeregisterAnyArgs;
typedef struct {
    int callbackID;
    remoteNonnullDomain dom;
    int event;
    int detail;
} remoteDomainEventCallbackLifecycleMsg;
typedef struct {
    int callbackID;
    remoteNonnullDomain dom;
    remoteTypedParamList params;
} remoteDomainEventCallbackJobCompletedMsg;
typedef struct {
    remoteNonnullDomain dom;
    remoteStringList mountpoints;
    unsigned int flags;
} remoteDomainFSFreezeArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *xml;
    unsigned int flags;
} remoteDomainCheckpointCreateXMLArgs;
typedef struct {
    remoteNonnullDomain dom;
    int needResults;
    unsigned int flags;
} remoteDomainListAllCheckpointsArgs;
typedef struct {
    remoteNonnullDomainCheckpoint checkpoint;
    int needResults;
    unsigned int flags;
} remoteDomainCheckpointListAllChildrenArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *name;
    unsigned int flags;
} remoteDomainCheckpointLookupByNameArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *backupXML;
    char *checkpointXML;           /* optional */
    unsigned int flags;
} remoteDomainBackupBeginArgs;
typedef struct { remoteStringList msgs; } remoteDomainGetMessagesRet;
typedef struct {
    remoteNonnullDomain dom;
    char *xml;
    unsigned int flags;
} remoteDomainSnapshotCreateXMLArgs;
typedef struct {
    remoteNonnullDomain dom;
    int needResults;
    unsigned int flags;
} remoteDomainListAllSnapshotsArgs;
typedef struct {
    remoteNonnullDomainSnapshot snapshot;
    int needResults;
    unsigned int flags;
} remoteDomainSnapshotListAllChildrenArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *name;
    unsigned int flags;
} remoteDomainSnapshotLookupByNameArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *path;
    unsigned int flags;
} remoteDomainBlockJobAbortArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *disk;
    char *base;                    /* optional */
    char *top;                     /* optional */
    unsigned long long bandwidth;
    unsigned int flags;
} remoteDomainBlockCommitArgs;
typedef struct {
    remoteNonnullDomain dom;
    char *cmd;
    unsigned int flags;
} qemuDomainMonitorCommandArgs;

/* ---- the procedure table ---------------------------------------------- */

typedef struct _remoteProcedureInfo remoteProcedureInfo;
struct _remoteProcedureInfo {
    unsigned int prog;
    int proc;
    const char *name;
    const virXDRType *args;        /* NULL: no arguments */
    const virXDRType *ret;         /* NULL: no result */
};

/* The procedure @proc of program @prog, or NULL when Fleece does not
 * know it. */
const remoteProcedureInfo *remoteProcedureLookup(unsigned int prog, int proc);

/* Every known procedure (calls and event messages), for tests. */
const remoteProcedureInfo *remoteProcedureList(size_t *n);

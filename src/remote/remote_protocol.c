/*
 * remote_protocol.c: type descriptions and the procedure table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "remote_protocol.h"

#define S REMOTE_STRING_MAX

#define TYPE(st, ...) \
    static const virXDRField st##Fields[] = { __VA_ARGS__ }; \
    static const virXDRType st##Type = VIR_XDR_TYPE(st, st##Fields)

#define F(st, m, kind) VIR_XDR_FIELD(st, m, kind)
#define FS(st, m) VIR_XDR_FIELD_MAX(st, m, VIR_XDR_STRING, S)
#define FOS(st, m) VIR_XDR_FIELD_MAX(st, m, VIR_XDR_OPT_STRING, S)
#define FSUB(st, m, kind, max, sub) VIR_XDR_FIELD_SUB(st, m, kind, max, &sub##Type)
#define FDOM(st, m) FSUB(st, m, VIR_XDR_STRUCT, 0, remoteNonnullDomain)
#define FCP(st, m) FSUB(st, m, VIR_XDR_STRUCT, 0, remoteNonnullDomainCheckpoint)
#define FSN(st, m) FSUB(st, m, VIR_XDR_STRUCT, 0, remoteNonnullDomainSnapshot)

TYPE(remoteNonnullDomain,
     FS(remoteNonnullDomain, name),
     F(remoteNonnullDomain, uuid, VIR_XDR_UUID),
     F(remoteNonnullDomain, id, VIR_XDR_INT));
TYPE(remoteNonnullDomainCheckpoint,
     FS(remoteNonnullDomainCheckpoint, name),
     FDOM(remoteNonnullDomainCheckpoint, dom));
TYPE(remoteNonnullDomainSnapshot,
     FS(remoteNonnullDomainSnapshot, name),
     FDOM(remoteNonnullDomainSnapshot, dom));
TYPE(remoteTypedParam,
     VIR_XDR_FIELD_MAX(remoteTypedParam, field, VIR_XDR_STRING, 80),
     F(remoteTypedParam, value, VIR_XDR_TYPED_PARAM_VALUE));

TYPE(remoteDomainArgs, FDOM(remoteDomainArgs, dom));
TYPE(remoteDomainFlagsArgs,
     FDOM(remoteDomainFlagsArgs, dom),
     F(remoteDomainFlagsArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainRet, FDOM(remoteDomainRet, dom));
TYPE(remoteStringRet, FS(remoteStringRet, str));
TYPE(remoteIntRet, F(remoteIntRet, value, VIR_XDR_INT));
TYPE(remoteUHyperRet, F(remoteUHyperRet, value, VIR_XDR_UHYPER));
TYPE(remoteXMLFlagsArgs,
     FS(remoteXMLFlagsArgs, xml),
     F(remoteXMLFlagsArgs, flags, VIR_XDR_UINT));
TYPE(remoteCheckpointRet, FCP(remoteCheckpointRet, checkpoint));
TYPE(remoteCheckpointFlagsArgs,
     FCP(remoteCheckpointFlagsArgs, checkpoint),
     F(remoteCheckpointFlagsArgs, flags, VIR_XDR_UINT));
TYPE(remoteCheckpointListRet,
     FSUB(remoteCheckpointListRet, checkpoints, VIR_XDR_ARRAY,
          REMOTE_DOMAIN_CHECKPOINT_LIST_MAX, remoteNonnullDomainCheckpoint),
     F(remoteCheckpointListRet, ret, VIR_XDR_INT));
TYPE(remoteSnapshotRet, FSN(remoteSnapshotRet, snapshot));
TYPE(remoteSnapshotFlagsArgs,
     FSN(remoteSnapshotFlagsArgs, snapshot),
     F(remoteSnapshotFlagsArgs, flags, VIR_XDR_UINT));
TYPE(remoteSnapshotListRet,
     FSUB(remoteSnapshotListRet, snapshots, VIR_XDR_ARRAY,
          REMOTE_DOMAIN_SNAPSHOT_LIST_MAX, remoteNonnullDomainSnapshot),
     F(remoteSnapshotListRet, ret, VIR_XDR_INT));

TYPE(remoteConnectOpenArgs,
     FOS(remoteConnectOpenArgs, name),
     F(remoteConnectOpenArgs, flags, VIR_XDR_UINT));
TYPE(remoteConnectSupportsFeatureArgs,
     F(remoteConnectSupportsFeatureArgs, feature, VIR_XDR_INT));
TYPE(remoteAuthListRet,
     VIR_XDR_FIELD_MAX(remoteAuthListRet, types, VIR_XDR_INT_ARRAY,
                       REMOTE_AUTH_TYPE_LIST_MAX));
TYPE(remoteDomainDefineXMLArgs, FS(remoteDomainDefineXMLArgs, xml));
TYPE(remoteDomainLookupByIDArgs, F(remoteDomainLookupByIDArgs, id, VIR_XDR_INT));
TYPE(remoteDomainLookupByNameArgs, FS(remoteDomainLookupByNameArgs, name));
TYPE(remoteDomainLookupByUUIDArgs,
     F(remoteDomainLookupByUUIDArgs, uuid, VIR_XDR_UUID));
TYPE(remoteDomainGetInfoRet,
     F(remoteDomainGetInfoRet, state, VIR_XDR_UINT),
     F(remoteDomainGetInfoRet, maxMem, VIR_XDR_UHYPER),
     F(remoteDomainGetInfoRet, memory, VIR_XDR_UHYPER),
     F(remoteDomainGetInfoRet, nrVirtCpu, VIR_XDR_UINT),
     F(remoteDomainGetInfoRet, cpuTime, VIR_XDR_UHYPER));
TYPE(remoteDomainGetSecurityLabelRet,
     VIR_XDR_FIELD_MAX(remoteDomainGetSecurityLabelRet, label, VIR_XDR_CHAR_ARRAY,
                       REMOTE_SECURITY_LABEL_MAX),
     F(remoteDomainGetSecurityLabelRet, enforcing, VIR_XDR_INT));
TYPE(remoteNodeGetSecurityModelRet,
     VIR_XDR_FIELD_MAX(remoteNodeGetSecurityModelRet, model, VIR_XDR_CHAR_ARRAY,
                       REMOTE_SECURITY_MODEL_MAX),
     VIR_XDR_FIELD_MAX(remoteNodeGetSecurityModelRet, doi, VIR_XDR_CHAR_ARRAY,
                       REMOTE_SECURITY_DOI_MAX));
TYPE(remoteDomainGetJobInfoRet,
     F(remoteDomainGetJobInfoRet, type, VIR_XDR_INT),
     F(remoteDomainGetJobInfoRet, timeElapsed, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, timeRemaining, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, dataTotal, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, dataProcessed, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, dataRemaining, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, memTotal, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, memProcessed, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, memRemaining, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, fileTotal, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, fileProcessed, VIR_XDR_UHYPER),
     F(remoteDomainGetJobInfoRet, fileRemaining, VIR_XDR_UHYPER));
TYPE(remoteDomainGetStateRet,
     F(remoteDomainGetStateRet, state, VIR_XDR_INT),
     F(remoteDomainGetStateRet, reason, VIR_XDR_INT));
TYPE(remoteDomainGetBlockJobInfoArgs,
     FDOM(remoteDomainGetBlockJobInfoArgs, dom),
     FS(remoteDomainGetBlockJobInfoArgs, path),
     F(remoteDomainGetBlockJobInfoArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainGetBlockJobInfoRet,
     F(remoteDomainGetBlockJobInfoRet, found, VIR_XDR_INT),
     F(remoteDomainGetBlockJobInfoRet, type, VIR_XDR_INT),
     F(remoteDomainGetBlockJobInfoRet, bandwidth, VIR_XDR_UHYPER),
     F(remoteDomainGetBlockJobInfoRet, cur, VIR_XDR_UHYPER),
     F(remoteDomainGetBlockJobInfoRet, end, VIR_XDR_UHYPER));
TYPE(remoteConnectListAllDomainsArgs,
     F(remoteConnectListAllDomainsArgs, needResults, VIR_XDR_INT),
     F(remoteConnectListAllDomainsArgs, flags, VIR_XDR_UINT));
TYPE(remoteConnectListAllDomainsRet,
     FSUB(remoteConnectListAllDomainsRet, domains, VIR_XDR_ARRAY,
          REMOTE_DOMAIN_LIST_MAX, remoteNonnullDomain),
     F(remoteConnectListAllDomainsRet, ret, VIR_XDR_UINT));
TYPE(remoteDomainGetJobStatsRet,
     F(remoteDomainGetJobStatsRet, type, VIR_XDR_INT),
     FSUB(remoteDomainGetJobStatsRet, params, VIR_XDR_ARRAY,
          REMOTE_DOMAIN_JOB_STATS_MAX, remoteTypedParam));
TYPE(remoteConnectDomainEventCallbackRegisterAnyArgs,
     F(remoteConnectDomainEventCallbackRegisterAnyArgs, eventID, VIR_XDR_INT),
     FSUB(remoteConnectDomainEventCallbackRegisterAnyArgs, dom,
          VIR_XDR_OPT_STRUCT, 0, remoteNonnullDomain));
TYPE(remoteConnectDomainEventCallbackRegisterAnyRet,
     F(remoteConnectDomainEventCallbackRegisterAnyRet, callbackID, VIR_XDR_INT));
TYPE(remoteConnectDomainEventCallbackDeregisterAnyArgs,
     F(remoteConnectDomainEventCallbackDeregisterAnyArgs, callbackID, VIR_XDR_INT));
TYPE(remoteDomainEventCallbackLifecycleMsg,
     F(remoteDomainEventCallbackLifecycleMsg, callbackID, VIR_XDR_INT),
     FDOM(remoteDomainEventCallbackLifecycleMsg, dom),
     F(remoteDomainEventCallbackLifecycleMsg, event, VIR_XDR_INT),
     F(remoteDomainEventCallbackLifecycleMsg, detail, VIR_XDR_INT));
TYPE(remoteDomainEventCallbackJobCompletedMsg,
     F(remoteDomainEventCallbackJobCompletedMsg, callbackID, VIR_XDR_INT),
     FDOM(remoteDomainEventCallbackJobCompletedMsg, dom),
     FSUB(remoteDomainEventCallbackJobCompletedMsg, params, VIR_XDR_ARRAY,
          REMOTE_DOMAIN_JOB_STATS_MAX, remoteTypedParam));
TYPE(remoteDomainFSFreezeArgs,
     FDOM(remoteDomainFSFreezeArgs, dom),
     VIR_XDR_FIELD_MAX(remoteDomainFSFreezeArgs, mountpoints, VIR_XDR_STRING_ARRAY,
                       REMOTE_DOMAIN_FSFREEZE_MOUNTPOINTS_MAX),
     F(remoteDomainFSFreezeArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainCheckpointCreateXMLArgs,
     FDOM(remoteDomainCheckpointCreateXMLArgs, dom),
     FS(remoteDomainCheckpointCreateXMLArgs, xml),
     F(remoteDomainCheckpointCreateXMLArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainListAllCheckpointsArgs,
     FDOM(remoteDomainListAllCheckpointsArgs, dom),
     F(remoteDomainListAllCheckpointsArgs, needResults, VIR_XDR_INT),
     F(remoteDomainListAllCheckpointsArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainCheckpointListAllChildrenArgs,
     FCP(remoteDomainCheckpointListAllChildrenArgs, checkpoint),
     F(remoteDomainCheckpointListAllChildrenArgs, needResults, VIR_XDR_INT),
     F(remoteDomainCheckpointListAllChildrenArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainCheckpointLookupByNameArgs,
     FDOM(remoteDomainCheckpointLookupByNameArgs, dom),
     FS(remoteDomainCheckpointLookupByNameArgs, name),
     F(remoteDomainCheckpointLookupByNameArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainBackupBeginArgs,
     FDOM(remoteDomainBackupBeginArgs, dom),
     FS(remoteDomainBackupBeginArgs, backupXML),
     FOS(remoteDomainBackupBeginArgs, checkpointXML),
     F(remoteDomainBackupBeginArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainGetMessagesRet,
     VIR_XDR_FIELD_MAX(remoteDomainGetMessagesRet, msgs, VIR_XDR_STRING_ARRAY,
                       REMOTE_DOMAIN_MESSAGES_MAX));
TYPE(remoteDomainSnapshotCreateXMLArgs,
     FDOM(remoteDomainSnapshotCreateXMLArgs, dom),
     FS(remoteDomainSnapshotCreateXMLArgs, xml),
     F(remoteDomainSnapshotCreateXMLArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainListAllSnapshotsArgs,
     FDOM(remoteDomainListAllSnapshotsArgs, dom),
     F(remoteDomainListAllSnapshotsArgs, needResults, VIR_XDR_INT),
     F(remoteDomainListAllSnapshotsArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainSnapshotListAllChildrenArgs,
     FSN(remoteDomainSnapshotListAllChildrenArgs, snapshot),
     F(remoteDomainSnapshotListAllChildrenArgs, needResults, VIR_XDR_INT),
     F(remoteDomainSnapshotListAllChildrenArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainSnapshotLookupByNameArgs,
     FDOM(remoteDomainSnapshotLookupByNameArgs, dom),
     FS(remoteDomainSnapshotLookupByNameArgs, name),
     F(remoteDomainSnapshotLookupByNameArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainBlockJobAbortArgs,
     FDOM(remoteDomainBlockJobAbortArgs, dom),
     FS(remoteDomainBlockJobAbortArgs, path),
     F(remoteDomainBlockJobAbortArgs, flags, VIR_XDR_UINT));
TYPE(remoteDomainBlockCommitArgs,
     FDOM(remoteDomainBlockCommitArgs, dom),
     FS(remoteDomainBlockCommitArgs, disk),
     FOS(remoteDomainBlockCommitArgs, base),
     FOS(remoteDomainBlockCommitArgs, top),
     F(remoteDomainBlockCommitArgs, bandwidth, VIR_XDR_UHYPER),
     F(remoteDomainBlockCommitArgs, flags, VIR_XDR_UINT));
TYPE(qemuDomainMonitorCommandArgs,
     FDOM(qemuDomainMonitorCommandArgs, dom),
     FS(qemuDomainMonitorCommandArgs, cmd),
     F(qemuDomainMonitorCommandArgs, flags, VIR_XDR_UINT));

#define P(num, args, ret) \
    { REMOTE_PROGRAM, REMOTE_PROC_##num, #num, args, ret }
#define A(t) (&t##Type)

static const remoteProcedureInfo remoteProcedures[] = {
    P(CONNECT_OPEN, A(remoteConnectOpenArgs), NULL),
    P(CONNECT_CLOSE, NULL, NULL),
    P(CONNECT_GET_TYPE, NULL, A(remoteStringRet)),
    P(CONNECT_GET_VERSION, NULL, A(remoteUHyperRet)),
    P(CONNECT_GET_CAPABILITIES, NULL, A(remoteStringRet)),
    P(DOMAIN_CREATE, A(remoteDomainArgs), NULL),
    P(DOMAIN_CREATE_XML, A(remoteXMLFlagsArgs), A(remoteDomainRet)),
    P(DOMAIN_DEFINE_XML, A(remoteDomainDefineXMLArgs), A(remoteDomainRet)),
    P(DOMAIN_DESTROY, A(remoteDomainArgs), NULL),
    P(DOMAIN_GET_XML_DESC, A(remoteDomainFlagsArgs), A(remoteStringRet)),
    P(DOMAIN_GET_AUTOSTART, A(remoteDomainArgs), A(remoteIntRet)),
    P(DOMAIN_GET_INFO, A(remoteDomainArgs), A(remoteDomainGetInfoRet)),
    P(DOMAIN_GET_OS_TYPE, A(remoteDomainArgs), A(remoteStringRet)),
    P(DOMAIN_LOOKUP_BY_ID, A(remoteDomainLookupByIDArgs), A(remoteDomainRet)),
    P(DOMAIN_LOOKUP_BY_NAME, A(remoteDomainLookupByNameArgs), A(remoteDomainRet)),
    P(DOMAIN_LOOKUP_BY_UUID, A(remoteDomainLookupByUUIDArgs), A(remoteDomainRet)),
    P(DOMAIN_RESUME, A(remoteDomainArgs), NULL),
    P(DOMAIN_SHUTDOWN, A(remoteDomainArgs), NULL),
    P(DOMAIN_SUSPEND, A(remoteDomainArgs), NULL),
    P(DOMAIN_UNDEFINE, A(remoteDomainArgs), NULL),
    P(CONNECT_GET_HOSTNAME, NULL, A(remoteStringRet)),
    P(CONNECT_SUPPORTS_FEATURE, A(remoteConnectSupportsFeatureArgs), A(remoteIntRet)),
    P(AUTH_LIST, NULL, A(remoteAuthListRet)),
    P(DOMAIN_GET_SECURITY_LABEL, A(remoteDomainArgs), A(remoteDomainGetSecurityLabelRet)),
    P(NODE_GET_SECURITY_MODEL, NULL, A(remoteNodeGetSecurityModelRet)),
    P(DOMAIN_IS_ACTIVE, A(remoteDomainArgs), A(remoteIntRet)),
    P(DOMAIN_IS_PERSISTENT, A(remoteDomainArgs), A(remoteIntRet)),
    P(CONNECT_GET_LIB_VERSION, NULL, A(remoteUHyperRet)),
    P(DOMAIN_GET_JOB_INFO, A(remoteDomainArgs), A(remoteDomainGetJobInfoRet)),
    P(DOMAIN_ABORT_JOB, A(remoteDomainArgs), NULL),
    P(DOMAIN_HAS_MANAGED_SAVE_IMAGE, A(remoteDomainFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_SNAPSHOT_CREATE_XML, A(remoteDomainSnapshotCreateXMLArgs),
      A(remoteSnapshotRet)),
    P(DOMAIN_SNAPSHOT_GET_XML_DESC, A(remoteSnapshotFlagsArgs), A(remoteStringRet)),
    P(DOMAIN_SNAPSHOT_NUM, A(remoteDomainFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, A(remoteDomainSnapshotLookupByNameArgs),
      A(remoteSnapshotRet)),
    P(DOMAIN_HAS_CURRENT_SNAPSHOT, A(remoteDomainFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_SNAPSHOT_CURRENT, A(remoteDomainFlagsArgs), A(remoteSnapshotRet)),
    P(DOMAIN_REVERT_TO_SNAPSHOT, A(remoteSnapshotFlagsArgs), NULL),
    P(DOMAIN_SNAPSHOT_DELETE, A(remoteSnapshotFlagsArgs), NULL),
    P(DOMAIN_CREATE_WITH_FLAGS, A(remoteDomainFlagsArgs), A(remoteDomainRet)),
    P(DOMAIN_GET_STATE, A(remoteDomainFlagsArgs), A(remoteDomainGetStateRet)),
    P(DOMAIN_UNDEFINE_FLAGS, A(remoteDomainFlagsArgs), NULL),
    P(DOMAIN_GET_BLOCK_JOB_INFO, A(remoteDomainGetBlockJobInfoArgs),
      A(remoteDomainGetBlockJobInfoRet)),
    P(DOMAIN_BLOCK_JOB_ABORT, A(remoteDomainBlockJobAbortArgs), NULL),
    P(DOMAIN_SNAPSHOT_NUM_CHILDREN, A(remoteSnapshotFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_SNAPSHOT_GET_PARENT, A(remoteSnapshotFlagsArgs), A(remoteSnapshotRet)),
    P(DOMAIN_SNAPSHOT_IS_CURRENT, A(remoteSnapshotFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_SNAPSHOT_HAS_METADATA, A(remoteSnapshotFlagsArgs), A(remoteIntRet)),
    P(DOMAIN_BLOCK_COMMIT, A(remoteDomainBlockCommitArgs), NULL),
    P(CONNECT_LIST_ALL_DOMAINS, A(remoteConnectListAllDomainsArgs),
      A(remoteConnectListAllDomainsRet)),
    P(DOMAIN_LIST_ALL_SNAPSHOTS, A(remoteDomainListAllSnapshotsArgs),
      A(remoteSnapshotListRet)),
    P(DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, A(remoteDomainSnapshotListAllChildrenArgs),
      A(remoteSnapshotListRet)),
    P(DOMAIN_GET_JOB_STATS, A(remoteDomainFlagsArgs), A(remoteDomainGetJobStatsRet)),
    P(CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
      A(remoteConnectDomainEventCallbackRegisterAnyArgs),
      A(remoteConnectDomainEventCallbackRegisterAnyRet)),
    P(CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
      A(remoteConnectDomainEventCallbackDeregisterAnyArgs), NULL),
    P(DOMAIN_EVENT_CALLBACK_LIFECYCLE, A(remoteDomainEventCallbackLifecycleMsg), NULL),
    P(DOMAIN_FSFREEZE, A(remoteDomainFSFreezeArgs), A(remoteIntRet)),
    P(DOMAIN_FSTHAW, A(remoteDomainFSFreezeArgs), A(remoteIntRet)),
    P(DOMAIN_DEFINE_XML_FLAGS, A(remoteXMLFlagsArgs), A(remoteDomainRet)),
    P(CONNECT_REGISTER_CLOSE_CALLBACK, NULL, NULL),
    P(CONNECT_UNREGISTER_CLOSE_CALLBACK, NULL, NULL),
    P(DOMAIN_EVENT_CALLBACK_JOB_COMPLETED,
      A(remoteDomainEventCallbackJobCompletedMsg), NULL),
    P(DOMAIN_CHECKPOINT_CREATE_XML, A(remoteDomainCheckpointCreateXMLArgs),
      A(remoteCheckpointRet)),
    P(DOMAIN_CHECKPOINT_GET_XML_DESC, A(remoteCheckpointFlagsArgs), A(remoteStringRet)),
    P(DOMAIN_LIST_ALL_CHECKPOINTS, A(remoteDomainListAllCheckpointsArgs),
      A(remoteCheckpointListRet)),
    P(DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN, A(remoteDomainCheckpointListAllChildrenArgs),
      A(remoteCheckpointListRet)),
    P(DOMAIN_CHECKPOINT_LOOKUP_BY_NAME, A(remoteDomainCheckpointLookupByNameArgs),
      A(remoteCheckpointRet)),
    P(DOMAIN_CHECKPOINT_GET_PARENT, A(remoteCheckpointFlagsArgs), A(remoteCheckpointRet)),
    P(DOMAIN_CHECKPOINT_DELETE, A(remoteCheckpointFlagsArgs), NULL),
    P(DOMAIN_BACKUP_BEGIN, A(remoteDomainBackupBeginArgs), NULL),
    P(DOMAIN_BACKUP_GET_XML_DESC, A(remoteDomainFlagsArgs), A(remoteStringRet)),
    P(DOMAIN_GET_MESSAGES, A(remoteDomainFlagsArgs), A(remoteDomainGetMessagesRet)),

    { QEMU_PROGRAM, QEMU_PROC_DOMAIN_MONITOR_COMMAND, "DOMAIN_MONITOR_COMMAND",
      A(qemuDomainMonitorCommandArgs), A(remoteStringRet) },

    { FLEECE_PROGRAM, FLEECE_PROC_DOMAIN_BACKUP_END, "DOMAIN_BACKUP_END",
      A(remoteDomainFlagsArgs), NULL },
};

const remoteProcedureInfo *
remoteProcedureLookup(unsigned int prog, int proc)
{
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(remoteProcedures); i++) {
        if (remoteProcedures[i].prog == prog && remoteProcedures[i].proc == proc)
            return &remoteProcedures[i];
    }
    return NULL;
}

const remoteProcedureInfo *
remoteProcedureList(size_t *n)
{
    *n = G_N_ELEMENTS(remoteProcedures);
    return remoteProcedures;
}

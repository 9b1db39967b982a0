/*
 * virnetmessagetest.c: libvirt's RPC framing and our XDR descriptions
 *
 * The wire sizes checked here are the ones libvirt 9.0's own client
 * logged for the same calls (RPC_CLIENT_MSG_TX_QUEUE len=...), so a
 * description that drifts from the real layout fails here first.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "remote_protocol.h"
#include "virnetmessage.h"
#include "virerror.h"
#include "libvirt/libvirt-host.h"
#include "libvirt/libvirt-domain.h"
#include "libvirt/libvirt-domain-snapshot.h"

static const unsigned char testUUID[16] = {
    0x64, 0xc0, 0x6b, 0x4d, 0x31, 0xf3, 0x4c, 0x2b,
    0x93, 0xe0, 0x11, 0x96, 0xeb, 0xf7, 0xdf, 0xba,
};

static const virXDRType *
testArgs(unsigned int prog, int proc)
{
    return remoteProcedureLookup(prog, proc)->args;
}

static const virXDRType *
testRet(unsigned int prog, int proc)
{
    return remoteProcedureLookup(prog, proc)->ret;
}

/* The whole message length of a call with @body of @type. */
static int
testWireLen(const virXDRType *type, const void *body, size_t want)
{
    virNetMessageHeader hdr = { REMOTE_PROGRAM, 1, 1, VIR_NET_CALL, 0, VIR_NET_OK };
    g_autoptr(virNetMessage) msg = virNetMessageNewWithBody(&hdr, type, body);
    g_autoptr(GByteArray) wire = NULL;

    if (!msg || !(wire = virNetMessageEncode(msg)))
        return -1;
    if (wire->len != want) {
        virTestDiag("wire length %u, want %zu", wire->len, want);
        return -1;
    }
    return 0;
}

static int
testSizesOfObservedCalls(const void *data G_GNUC_UNUSED)
{
    remoteConnectOpenArgs open = { (char *) "qemu:///system", 0 };
    remoteConnectSupportsFeatureArgs feature = { 10 };
    remoteDomainLookupByNameArgs lookup = { (char *) "lvbase" };
    remoteDomainRet dom = { { (char *) "lvbase", { 0 }, -1 } };
    remoteAuthListRet auth = { { 1, (int[]) { 0 } } };

    /* CONNECT_OPEN 56, SUPPORTS_FEATURE 32, LOOKUP_BY_NAME 40 and its
     * reply 60, AUTH_LIST reply 36, an empty call 28 */
    if (testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN), &open, 56) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_SUPPORTS_FEATURE),
                    &feature, 32) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME),
                    &lookup, 40) < 0 ||
        testWireLen(testRet(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME), &dom, 60) < 0 ||
        testWireLen(testRet(REMOTE_PROGRAM, REMOTE_PROC_AUTH_LIST), &auth, 36) < 0 ||
        testWireLen(NULL, NULL, 28) < 0)
        return -1;
    return 0;
}

/* What virsh 9.0 sent for snapshot-create-as testvm s1 --disk-only,
 * snapshot-info testvm s1 and blockcommit testvm vda --active --pivot
 * --wait. */
static int
testSizesOfObservedSnapshotCalls(const void *data G_GNUC_UNUSED)
{
    remoteNonnullDomain dom = { (char *) "testvm", { 0 }, 1 };
    remoteDomainSnapshotCreateXMLArgs create = {
        dom, (char *) "<domainsnapshot>\n  <name>s1</name>\n</domainsnapshot>\n",
        VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY };
    remoteSnapshotFlagsArgs snap = { { (char *) "s1", dom }, 0 };
    remoteDomainSnapshotListAllChildrenArgs children = { { (char *) "s1", dom }, 1, 0 };
    remoteDomainFlagsArgs current = { dom, 0 };
    remoteDomainBlockCommitArgs commit = { dom, (char *) "vda", NULL, NULL, 0,
                                           VIR_DOMAIN_BLOCK_COMMIT_ACTIVE };
    remoteDomainBlockJobAbortArgs pivot = { dom, (char *) "vda",
                                            VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT };
    static const int snapProcs[] = {
        REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT,
        REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT,
        REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA,
    };
    size_t i;

    /* CREATE_XML 124, a snapshot and flags 72, LIST_ALL_CHILDREN 76,
     * SNAPSHOT_CURRENT 64, BLOCK_COMMIT without base and top 88,
     * BLOCK_JOB_ABORT 72 */
    if (testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML),
                    &create, 124) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN),
                    &children, 76) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT),
                    &current, 64) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_BLOCK_COMMIT),
                    &commit, 88) < 0 ||
        testWireLen(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT),
                    &pivot, 72) < 0)
        return -1;
    for (i = 0; i < G_N_ELEMENTS(snapProcs); i++) {
        if (testWireLen(testArgs(REMOTE_PROGRAM, snapProcs[i]), &snap, 72) < 0)
            return -1;
    }
    return 0;
}

/* Encode, decode, encode again: the same bytes. */
static int
testRoundTrip(const virXDRType *type, const void *obj)
{
    g_autoptr(GByteArray) a = g_byte_array_new();
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_autofree void *copy = g_malloc0(type->size);
    int ret = -1;

    if (virXDREncode(type, obj, a) < 0)
        return -1;
    if (virXDRDecode(type, (const char *) a->data, a->len, copy) < 0)
        return -1;
    if (virXDREncode(type, copy, b) < 0)
        goto cleanup;
    if (a->len != b->len || memcmp(a->data, b->data, a->len) != 0) {
        virTestDiag("'%s' changed in a round trip", type->name);
        goto cleanup;
    }
    ret = 0;
 cleanup:
    virXDRClear(type, copy);
    return ret;
}

static int
testRoundTrips(const void *data G_GNUC_UNUSED)
{
    remoteTypedParam params[7] = {
        { (char *) "i", { VIR_TYPED_PARAM_INT, { .i = -5 } } },
        { (char *) "ui", { VIR_TYPED_PARAM_UINT, { .ui = 4000000000u } } },
        { (char *) "l", { VIR_TYPED_PARAM_LLONG, { .l = -1234567890123LL } } },
        { (char *) "ul", { VIR_TYPED_PARAM_ULLONG, { .ul = 67108864ULL } } },
        { (char *) "d", { VIR_TYPED_PARAM_DOUBLE, { .d = 0.25 } } },
        { (char *) "b", { VIR_TYPED_PARAM_BOOLEAN, { .b = 1 } } },
        { (char *) "s", { VIR_TYPED_PARAM_STRING, { .s = (char *) "Operation canceled" } } },
    };
    remoteDomainEventCallbackJobCompletedMsg job = { 3, { (char *) "lvbase", { 0 }, 1 },
                                                     { 7, params } };
    remoteNonnullDomain doms[2] = {
        { (char *) "a", { 0 }, -1 }, { (char *) "bb", { 1 }, 7 },
    };
    remoteConnectListAllDomainsRet list = { { 2, doms }, 2 };
    remoteNonnullDomain one = { (char *) "x", { 0 }, 1 };
    remoteConnectDomainEventCallbackRegisterAnyArgs reg = { 0, &one };
    remoteConnectDomainEventCallbackRegisterAnyArgs regAll = { 21, NULL };
    remoteDomainBackupBeginArgs begin = { { (char *) "d", { 0 }, 1 },
                                          (char *) "<domainbackup/>", NULL, 0 };
    char *mounts[] = { (char *) "/", (char *) "/boot" };
    remoteDomainFSFreezeArgs freeze = { { (char *) "d", { 0 }, 1 }, { 2, mounts }, 0 };
    remoteNodeGetSecurityModelRet sec = { { 4, (char *) "none" }, { 1, (char *) "0" } };
    remoteNonnullDomainSnapshot snaps[2] = {
        { (char *) "s1", { (char *) "d", { 0 }, 1 } }, { (char *) "s22", { (char *) "d", { 0 }, 1 } },
    };
    remoteSnapshotListRet snapList = { { 2, snaps }, 2 };
    remoteDomainBlockCommitArgs commit = { { (char *) "d", { 0 }, 1 }, (char *) "vdb",
                                           (char *) "/i/base.qcow2", (char *) "/i/top.qcow2",
                                           1ULL << 40, 0 };
    virNetMessageErrorDomain edom = { (char *) "d", { 0 }, 2 };
    virNetMessageError err = { VIR_ERR_NO_DOMAIN, VIR_FROM_QEMU, (char *) "Domain not found",
                               VIR_ERR_ERROR, &edom, NULL, NULL, NULL, 0, 0, NULL };

    memcpy(doms[0].uuid, testUUID, 16);
    if (testRoundTrip(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED),
                      &job) < 0 ||
        testRoundTrip(testRet(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS), &list) < 0 ||
        testRoundTrip(testArgs(REMOTE_PROGRAM,
                               REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY),
                      &reg) < 0 ||
        testRoundTrip(testArgs(REMOTE_PROGRAM,
                               REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY),
                      &regAll) < 0 ||
        testRoundTrip(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_BACKUP_BEGIN), &begin) < 0 ||
        testRoundTrip(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_FSFREEZE), &freeze) < 0 ||
        testRoundTrip(testRet(REMOTE_PROGRAM, REMOTE_PROC_NODE_GET_SECURITY_MODEL), &sec) < 0 ||
        testRoundTrip(testRet(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS),
                      &snapList) < 0 ||
        testRoundTrip(testArgs(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_BLOCK_COMMIT), &commit) < 0 ||
        testRoundTrip(&virNetMessageErrorType, &err) < 0)
        return -1;
    return 0;
}

/* Bytes of a LOOKUP_BY_NAME reply, and what must be refused in them. */
static GByteArray *
testDomainBytes(const char *name)
{
    remoteDomainRet dom = { { (char *) name, { 0 }, 5 } };
    GByteArray *out = g_byte_array_new();

    g_assert(virXDREncode(testRet(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME),
                          &dom, out) == 0);
    return out;
}

static int
testDecodeFails(const virXDRType *type, const guint8 *buf, size_t len,
                const char *what)
{
    g_autofree void *obj = g_malloc0(type->size);

    if (virXDRDecode(type, (const char *) buf, len, obj) == 0) {
        virTestDiag("%s was accepted", what);
        virXDRClear(type, obj);
        return -1;
    }
    if (virTestCheckError(VIR_ERR_RPC, NULL) < 0)
        return -1;
    virResetLastError();
    return 0;
}

static int
testMalformed(const void *data G_GNUC_UNUSED)
{
    const virXDRType *domRet = testRet(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME);
    const virXDRType *listRet = testRet(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS);
    const virXDRType *openArgs = testArgs(REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN);
    const virXDRType *statsRet = testRet(REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_GET_JOB_STATS);
    g_autoptr(GByteArray) good = testDomainBytes("lvbase");
    g_autoptr(GByteArray) nul = testDomainBytes("lvbase");
    g_autoptr(GByteArray) trailing = testDomainBytes("lvbase");
    static const guint8 hugeString[] = { 0x00, 0x40, 0x00, 0x01, 'a', 'b' };
    static const guint8 hugeArray[] = { 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0 };
    static const guint8 manyAllowed[] = { 0x00, 0x00, 0x40, 0x00, 0, 0, 0, 0 };
    static const guint8 badPresence[] = { 0, 0, 0, 2, 0, 0, 0, 0 };
    static const guint8 badParamType[] = {
        0, 0, 0, 0,  0, 0, 0, 1,  0, 0, 0, 1, 'x', 0, 0, 0,  0, 0, 0, 9,  0, 0, 0, 0,
    };
    size_t i;

    /* every truncation of a valid body */
    for (i = 0; i < good->len; i++) {
        if (testDecodeFails(domRet, good->data, i, "a truncated body") < 0)
            return -1;
    }
    nul->data[6] = '\0';   /* inside "lvbase" */
    g_byte_array_append(trailing, (const guint8 *) "\0\0\0\0", 4);
    if (testDecodeFails(domRet, nul->data, nul->len, "a string holding NUL") < 0 ||
        testDecodeFails(domRet, trailing->data, trailing->len, "trailing bytes") < 0 ||
        testDecodeFails(domRet, hugeString, sizeof(hugeString), "a 4 MiB+1 string") < 0 ||
        testDecodeFails(listRet, hugeArray, sizeof(hugeArray), "a 2^31 element array") < 0 ||
        testDecodeFails(listRet, manyAllowed, sizeof(manyAllowed),
                        "16384 elements announced, none sent") < 0 ||
        testDecodeFails(openArgs, badPresence, sizeof(badPresence), "presence flag 2") < 0 ||
        testDecodeFails(statsRet, badParamType, sizeof(badParamType),
                        "typed parameter type 9") < 0)
        return -1;
    return 0;
}

static int
testFraming(const void *data G_GNUC_UNUSED)
{
    static const char tooSmall[4] = { 0, 0, 0, 27 };
    static const char tooBig[4] = { 0x02, 0x00, 0x00, 0x01 };
    static const char justRight[4] = { 0, 0, 0, 28 };
    char header[24] = { 0 };
    g_autoptr(virNetMessage) msg = NULL;
    size_t rest = 0;

    if (virNetMessageDecodeLength(tooSmall, &rest) == 0 ||
        virNetMessageDecodeLength(tooBig, &rest) == 0) {
        virTestDiag("a length out of bounds was accepted");
        return -1;
    }
    virResetLastError();
    if (virNetMessageDecodeLength(justRight, &rest) < 0 || rest != 24)
        return -1;
    header[15] = 7;     /* type 7 does not exist */
    if ((msg = virNetMessageDecode(header, sizeof(header)))) {
        virTestDiag("message type 7 was accepted");
        return -1;
    }
    header[15] = VIR_NET_CALL;
    header[23] = 3;     /* status 3 does not exist */
    if ((msg = virNetMessageDecode(header, sizeof(header)))) {
        virTestDiag("status 3 was accepted");
        return -1;
    }
    header[23] = 0;
    header[0] = 0x20; header[1] = 0x00; header[2] = 0x80; header[3] = 0x86;
    header[11] = 23;
    if (!(msg = virNetMessageDecode(header, sizeof(header))) ||
        msg->header.prog != REMOTE_PROGRAM || msg->header.proc != 23 ||
        msg->body->len != 0)
        return -1;
    return 0;
}

static int
testTable(const void *data G_GNUC_UNUSED)
{
    size_t n, i, j;
    const remoteProcedureInfo *procs = remoteProcedureList(&n);

    for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
            if (procs[i].prog == procs[j].prog && procs[i].proc == procs[j].proc) {
                virTestDiag("procedure %d listed twice", procs[i].proc);
                return -1;
            }
        }
    }
    if (remoteProcedureLookup(REMOTE_PROGRAM, 99999) ||
        !remoteProcedureLookup(QEMU_PROGRAM, QEMU_PROC_DOMAIN_MONITOR_COMMAND))
        return -1;
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("wire sizes of calls libvirt's client sends", testSizesOfObservedCalls, NULL);
    ret |= virTestRun("wire sizes of snapshot and block commit calls virsh sends",
                      testSizesOfObservedSnapshotCalls, NULL);
    ret |= virTestRun("round trips", testRoundTrips, NULL);
    ret |= virTestRun("malformed bodies are refused", testMalformed, NULL);
    ret |= virTestRun("framing bounds", testFraming, NULL);
    ret |= virTestRun("procedure table", testTable, NULL);
    return ret == 0 ? 0 : 1;
}

VIR_TEST_MAIN(mymain)

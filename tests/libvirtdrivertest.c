/*
 * libvirtdrivertest.c: the public entry points in front of a driver
 *
 * A small in-test driver is registered with virRegisterConnectDriver; it
 * counts the calls that reach it.  The cases check that read-only
 * connections refuse changes, that flag combinations libvirt rejects on
 * the client side never reach the driver, that missing driver members
 * give VIR_ERR_NO_SUPPORT, and how handles hold references.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "datatypes.h"
#include "driver.h"
#include "virerror.h"

#define TEST_URI "fleecetest:///default"

typedef struct {
    int opened;
    int closed;
    int calls;               /* driver members reached */
    unsigned int lastFlags;
} testDriverState;

static testDriverState state;

static const unsigned char testUUID[VIR_UUID_BUFLEN] = {
    0xc7, 0xa5, 0xfd, 0xbd, 0xed, 0xaf, 0x9b, 0x45,
    0xa6, 0xd9, 0x5a, 0x70, 0x21, 0x9e, 0x13, 0x4c,
};

static bool
testProbe(const char *uri)
{
    return g_str_has_prefix(uri, "fleecetest://");
}

static int
testOpen(virConnect *conn, const char *uri, unsigned int flags)
{
    if (strstr(uri, "fail")) {
        virReportErrorFull(VIR_FROM_TEST, VIR_ERR_OPEN_FAILED, __FILE__,
                           __func__, __LINE__, "%s", "test open refused");
        return -1;
    }
    conn->privateData = &state;
    state.opened++;
    return 0;
}

static int
testClose(virConnect *conn)
{
    state.closed++;
    conn->privateData = NULL;
    return 0;
}

static virDomain *
testLookupByName(virConnect *conn, const char *name)
{
    state.calls++;
    return virGetDomain(conn, name, testUUID, 3);
}

static virDomain *
testLookupByUUID(virConnect *conn, const unsigned char *uuid)
{
    state.calls++;
    return virGetDomain(conn, "byuuid", uuid, -1);
}

static virDomain *
testDefine(virConnect *conn, const char *xml, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return virGetDomain(conn, "defined", testUUID, -1);
}

static int
testDomainFlagsOp(virDomain *domain, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return 0;
}

static int
testDomainOp(virDomain *domain)
{
    state.calls++;
    return 0;
}

static char *
testGetXMLDesc(virDomain *domain, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return g_strdup("<domain/>");
}

static int
testFS(virDomain *domain, const char **mountpoints, unsigned int n,
       unsigned int flags)
{
    state.calls++;
    return (int) n;
}

static int
testBackupBegin(virDomain *domain, const char *backupXML,
                const char *checkpointXML, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return checkpointXML ? 1 : 0;
}

static int
testGetJobStats(virDomain *domain, int *type, virTypedParameter **params,
                int *nparams, unsigned int flags)
{
    int maxparams = 0;

    state.calls++;
    state.lastFlags = flags;
    *type = VIR_DOMAIN_JOB_UNBOUNDED;
    return virTypedParamsAddInt(params, nparams, &maxparams,
                                VIR_DOMAIN_JOB_OPERATION,
                                VIR_DOMAIN_JOB_OPERATION_BACKUP);
}

static int
testEventRegister(virConnect *conn, virDomain *dom, int eventID,
                  virConnectDomainEventGenericCallback cb, void *opaque,
                  virFreeCallback freecb)
{
    state.calls++;
    return 7;
}

static virDomainCheckpoint *
testCheckpointCreate(virDomain *domain, const char *xml, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return virGetDomainCheckpoint(domain, "c1");
}

static virDomainCheckpoint *
testCheckpointLookup(virDomain *domain, const char *name, unsigned int flags)
{
    state.calls++;
    return virGetDomainCheckpoint(domain, name);
}

static char *
testCheckpointGetXMLDesc(virDomainCheckpoint *checkpoint, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return g_strdup("<domaincheckpoint/>");
}

static int
testCheckpointDelete(virDomainCheckpoint *checkpoint, unsigned int flags)
{
    state.calls++;
    state.lastFlags = flags;
    return 0;
}

static int
testMonitor(virDomain *domain, const char *cmd, char **result,
            unsigned int flags)
{
    state.calls++;
    *result = g_strdup("{}");
    return 0;
}

/* Deliberately without domainSuspend, connectGetHostname,
 * domainListAllCheckpoints...: those give VIR_ERR_NO_SUPPORT. */
static const virConnectDriver testDriver = {
    .name = "fleecetest",
    .uriProbe = testProbe,
    .connectOpen = testOpen,
    .connectClose = testClose,
    .domainLookupByName = testLookupByName,
    .domainLookupByUUID = testLookupByUUID,
    .domainDefineXMLFlags = testDefine,
    .domainUndefineFlags = testDomainFlagsOp,
    .domainCreateWithFlags = testDomainFlagsOp,
    .domainDestroy = testDomainOp,
    .domainGetXMLDesc = testGetXMLDesc,
    .domainFSFreeze = testFS,
    .domainFSThaw = testFS,
    .domainBackupBegin = testBackupBegin,
    .domainBackupEnd = testDomainFlagsOp,
    .domainGetJobStats = testGetJobStats,
    .domainAbortJobFlags = testDomainFlagsOp,
    .connectDomainEventRegisterAny = testEventRegister,
    .domainCheckpointCreateXML = testCheckpointCreate,
    .domainCheckpointLookupByName = testCheckpointLookup,
    .domainCheckpointGetXMLDesc = testCheckpointGetXMLDesc,
    .domainCheckpointDelete = testCheckpointDelete,
    .domainQemuMonitorCommand = testMonitor,
};

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            virTestDiag("%s:%d: check failed: %s (last error %d: %s)", \
                        __FILE__, __LINE__, #cond, virGetLastErrorCode(), \
                        virGetLastErrorMessage()); \
            return -1; \
        } \
    } while (0)

/* The call failed with @code, its message has @fragment, and the driver
 * was not reached. */
static bool
refused(int code, const char *fragment, int callsBefore)
{
    virErrorPtr err = virGetLastError();

    if (!err || err->code != code) {
        virTestDiag("expected error %d, got %d (%s)", code,
                    err ? err->code : 0, virGetLastErrorMessage());
        return false;
    }
    if (fragment && !strstr(err->message, fragment)) {
        virTestDiag("message '%s' lacks '%s'", err->message, fragment);
        return false;
    }
    if (state.calls != callsBefore) {
        virTestDiag("the driver was called");
        return false;
    }
    return true;
}

static int
testOpenClose(const void *opaque G_GNUC_UNUSED)
{
    virConnectPtr conn;
    g_autofree char *uri = NULL;
    int opened = state.opened;
    int closed = state.closed;

    CHECK((conn = virConnectOpen(TEST_URI)));
    CHECK(state.opened == opened + 1);
    CHECK((uri = virConnectGetURI(conn)) && g_str_equal(uri, TEST_URI));
    CHECK(virConnectRef(conn) == 0);
    CHECK(virConnectClose(conn) == 1);
    CHECK(state.closed == closed);
    CHECK(virConnectClose(conn) == 0);
    CHECK(state.closed == closed + 1);

    /* other URIs are still nobody's */
    CHECK(!virConnectOpen("other:///x"));
    CHECK(refused(VIR_ERR_NO_CONNECT, "other:///x", state.calls));
    /* a driver's open error is passed on */
    CHECK(!virConnectOpen("fleecetest:///fail"));
    CHECK(refused(VIR_ERR_OPEN_FAILED, "test open refused", state.calls));
    CHECK(state.opened == opened + 1);
    return 0;
}

static int
testReadOnly(const void *opaque G_GNUC_UNUSED)
{
    virConnectPtr ro = virConnectOpenReadOnly(TEST_URI);
    virDomainPtr dom = NULL;
    virDomainCheckpointPtr cp = NULL;
    char *result = NULL;
    int calls;
    int rc = -1;

    if (!ro || !(dom = virDomainLookupByName(ro, "vm")) ||
        !(cp = virDomainCheckpointLookupByName(dom, "c0", 0)))
        goto cleanup;
    calls = state.calls;

#define DENIED(expr) \
    if ((expr) || !refused(VIR_ERR_OPERATION_DENIED, NULL, calls)) { \
        virTestDiag("not refused: %s", #expr); \
        goto cleanup; \
    }
    DENIED(virDomainDefineXML(ro, "<domain/>"));
    DENIED(virDomainDefineXMLFlags(ro, "<domain/>", 0));
    DENIED(virDomainUndefine(dom) == 0);
    DENIED(virDomainUndefineFlags(dom, 0) == 0);
    DENIED(virDomainCreate(dom) == 0);
    DENIED(virDomainDestroy(dom) == 0);
    DENIED(virDomainFSFreeze(dom, NULL, 0, 0) >= 0);
    DENIED(virDomainBackupBegin(dom, "<domainbackup/>", NULL, 0) == 0);
    DENIED(virDomainBackupEnd(dom, 0) == 0);
    DENIED(virDomainAbortJob(dom) == 0);
    DENIED(virDomainAbortJobFlags(dom, 0) == 0);
    DENIED(virDomainCheckpointCreateXML(dom, "<domaincheckpoint/>", 0));
    DENIED(virDomainCheckpointDelete(cp, 0) == 0);
    DENIED(virDomainQemuMonitorCommand(dom, "{}", &result, 0) == 0);
    DENIED(virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_SECURE));
    DENIED(virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_SECURE));
#undef DENIED
    if (!strstr(virGetLastErrorMessage(), "secure"))
        goto cleanup;
    rc = 0;

 cleanup:
    if (cp)
        virDomainCheckpointFree(cp);
    if (dom)
        virDomainFree(dom);
    if (ro)
        virConnectClose(ro);
    return rc;
}

static int
testReadOnlyAllowed(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virConnect) ro = virConnectOpenReadOnly(TEST_URI);
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virDomainCheckpoint) cp = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *cpxml = NULL;
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int type = 0;
    int op = 0;

    CHECK(ro && (dom = virDomainLookupByName(ro, "vm")));
    CHECK((xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE)));
    CHECK(state.lastFlags == VIR_DOMAIN_XML_INACTIVE);
    CHECK((cp = virDomainCheckpointLookupByName(dom, "c0", 0)));
    CHECK((cpxml = virDomainCheckpointGetXMLDesc(cp,
                                                 VIR_DOMAIN_CHECKPOINT_XML_SIZE)));
    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams,
                               VIR_DOMAIN_JOB_STATS_COMPLETED) == 0);
    CHECK(type == VIR_DOMAIN_JOB_UNBOUNDED);
    CHECK(virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION,
                               &op) == 1 &&
          op == VIR_DOMAIN_JOB_OPERATION_BACKUP);
    virTypedParamsFree(params, nparams);
    CHECK(virConnectDomainEventRegisterAny(ro, dom,
                                           VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                           VIR_DOMAIN_EVENT_CALLBACK(testDomainOp),
                                           NULL, NULL) == 7);
    return 0;
}

static int
testCheckpointFlags(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virConnect) conn = virConnectOpen(TEST_URI);
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virDomainCheckpoint) cp = NULL;
    g_autoptr(virDomainCheckpoint) cp2 = NULL;
    int calls;

    CHECK(conn && (dom = virDomainLookupByName(conn, "vm")));
    calls = state.calls;
    CHECK(!virDomainCheckpointCreateXML(dom, "<domaincheckpoint/>",
                                        VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                        VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE));
    CHECK(refused(VIR_ERR_INVALID_ARG, "mutually exclusive", calls));
    CHECK(virGetLastErrorDomain() == VIR_FROM_DOMAIN_CHECKPOINT);
    CHECK(!virDomainCheckpointCreateXML(dom, "<domaincheckpoint/>",
                                        VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE));
    CHECK(refused(VIR_ERR_INVALID_ARG, "VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE'",
                  calls));
    CHECK(!virDomainCheckpointCreateXML(dom, NULL, 0));
    CHECK(refused(VIR_ERR_INVALID_ARG, "xmlDesc", calls));

    CHECK((cp = virDomainCheckpointCreateXML(dom, "<domaincheckpoint/>",
                                             VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                                             VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE)));
    CHECK(state.calls == calls + 1);
    CHECK(state.lastFlags == (VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                              VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE));
    CHECK((cp2 = virDomainCheckpointCreateXML(dom, "<domaincheckpoint/>",
                                              VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE)));
    calls = state.calls;

    CHECK(virDomainCheckpointDelete(cp, VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN |
                                    VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "mutually exclusive", calls));
    CHECK(virDomainCheckpointDelete(cp, VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY |
                                    VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY) == 0);
    CHECK(state.calls == calls + 1);

    /* handle accessors */
    CHECK(g_str_equal(virDomainCheckpointGetName(cp), "c1"));
    CHECK(virDomainCheckpointGetDomain(cp) == dom);
    CHECK(virDomainCheckpointGetConnect(cp) == conn);
    return 0;
}

static int
testDomainChecks(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virConnect) conn = virConnectOpen(TEST_URI);
    g_autoptr(virDomain) dom = NULL;
    g_autoptr(virDomain) other = NULL;
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int type = 0;
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    unsigned char uuid[VIR_UUID_BUFLEN];
    int calls;

    CHECK(conn && (dom = virDomainLookupByName(conn, "vm")));
    calls = state.calls;

    CHECK(virDomainBackupBegin(dom, NULL, NULL, 0) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "backupXML", calls));
    CHECK(virDomainBackupBegin(dom, "<domainbackup/>", "<domaincheckpoint/>",
                               VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL |
                               VIR_DOMAIN_BACKUP_BEGIN_QUIESCE) == 1);
    CHECK(state.lastFlags == ((1u << 0) | (1u << 24)));
    calls = state.calls;

    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams,
                               VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "VIR_DOMAIN_JOB_STATS_COMPLETED",
                  calls));
    CHECK(params == NULL && nparams == 0);
    CHECK(virDomainGetJobStats(dom, NULL, &params, &nparams, 0) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, NULL, calls));

    CHECK(virDomainFSFreeze(dom, NULL, 2, 0) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "mountpoints", calls));

    CHECK(!virDomainLookupByUUIDString(conn, "not-a-uuid"));
    CHECK(refused(VIR_ERR_INVALID_ARG, "not-a-uuid", calls));
    CHECK((other = virDomainLookupByUUIDString(conn,
                                               "c7a5fdbd-edaf-9b45-a6d9-5a70219e134c")));
    CHECK(virDomainGetUUID(other, uuid) == 0);
    CHECK(memcmp(uuid, testUUID, VIR_UUID_BUFLEN) == 0);
    CHECK(virDomainGetUUIDString(dom, uuidstr) == 0);
    CHECK(g_str_equal(uuidstr, "c7a5fdbd-edaf-9b45-a6d9-5a70219e134c"));
    CHECK(virDomainGetID(dom) == 3 &&
          virDomainGetID(other) == (unsigned int) -1);
    CHECK(g_str_equal(virDomainGetName(dom), "vm"));
    CHECK(virDomainGetConnect(dom) == conn);
    calls = state.calls;

    /* events: unknown ID, NULL callback */
    CHECK(virConnectDomainEventRegisterAny(conn, NULL, 27,
                                           VIR_DOMAIN_EVENT_CALLBACK(testDomainOp),
                                           NULL, NULL) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "27", calls));
    CHECK(virConnectDomainEventRegisterAny(conn, NULL,
                                           VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                           NULL, NULL, NULL) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, NULL, calls));
    return 0;
}

static int
testDomainOtherConnection(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virConnect) a = virConnectOpen(TEST_URI);
    g_autoptr(virConnect) b = virConnectOpen(TEST_URI);
    g_autoptr(virDomain) dom = NULL;
    int calls;

    CHECK(a && b && (dom = virDomainLookupByName(a, "vm")));
    calls = state.calls;
    CHECK(virConnectDomainEventRegisterAny(b, dom,
                                           VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                           VIR_DOMAIN_EVENT_CALLBACK(testDomainOp),
                                           NULL, NULL) < 0);
    CHECK(refused(VIR_ERR_INVALID_ARG, "another connection", calls));
    return 0;
}

static int
testNoSupport(const void *opaque G_GNUC_UNUSED)
{
    g_autoptr(virConnect) conn = virConnectOpen(TEST_URI);
    g_autoptr(virDomain) dom = NULL;
    virDomainCheckpointPtr *list = (virDomainCheckpointPtr *) &conn;
    unsigned long ver;
    int calls;

    CHECK(conn && (dom = virDomainLookupByName(conn, "vm")));
    calls = state.calls;
    CHECK(virDomainSuspend(dom) < 0);
    CHECK(refused(VIR_ERR_NO_SUPPORT, "virDomainSuspend", calls));
    CHECK(!virConnectGetHostname(conn));
    CHECK(refused(VIR_ERR_NO_SUPPORT, "virConnectGetHostname", calls));
    CHECK(virConnectGetVersion(conn, &ver) < 0);
    CHECK(refused(VIR_ERR_NO_SUPPORT, NULL, calls));
    CHECK(virDomainListAllCheckpoints(dom, &list, 0) < 0);
    CHECK(refused(VIR_ERR_NO_SUPPORT, NULL, calls));
    CHECK(list == NULL);
    CHECK(!virDomainBackupGetXMLDesc(dom, 0));
    CHECK(refused(VIR_ERR_NO_SUPPORT, NULL, calls));
    return 0;
}

static int
testReferences(const void *opaque G_GNUC_UNUSED)
{
    virConnectPtr conn = virConnectOpen(TEST_URI);
    virDomainPtr dom;
    virDomainCheckpointPtr cp;
    int closed = state.closed;

    CHECK(conn && (dom = virDomainLookupByName(conn, "vm")));
    CHECK((cp = virDomainCheckpointLookupByName(dom, "c0", 0)));
    /* the domain holds the connection, the checkpoint holds the domain */
    CHECK(virConnectClose(conn) == 1);
    CHECK(virDomainFree(dom) == 0);
    CHECK(state.closed == closed);
    CHECK(g_str_equal(virDomainGetName(virDomainCheckpointGetDomain(cp)),
                      "vm"));
    CHECK(virDomainCheckpointRef(cp) == 0);
    CHECK(virDomainCheckpointFree(cp) == 0);
    CHECK(state.closed == closed);
    CHECK(virDomainCheckpointFree(cp) == 0);
    CHECK(state.closed == closed + 1);
    return 0;
}

static int
testRegistry(const void *opaque G_GNUC_UNUSED)
{
    virConnectDriver incomplete = { .name = "incomplete" };

    CHECK(virRegisterConnectDriver(&incomplete) < 0);
    CHECK(virTestLastErrorCode() == VIR_ERR_INTERNAL_ERROR);
    CHECK(virConnectDriverForURI("fleecetest:///x") == &testDriver);
    CHECK(virConnectDriverForURI("nosuchdriver:///x") == NULL);
    return 0;
}

static int
testEventLoopRegistered(const void *opaque G_GNUC_UNUSED)
{
    CHECK(!virEventIsRegistered());
    CHECK(virEventRegisterDefaultImpl() == 0);
    CHECK(virEventIsRegistered());
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    if (virRegisterConnectDriver(&testDriver) < 0)
        return -1;

    ret |= virTestRun("open, reference and close a connection",
                      testOpenClose, NULL);
    ret |= virTestRun("read-only connection refuses changes",
                      testReadOnly, NULL);
    ret |= virTestRun("read-only connection allows queries",
                      testReadOnlyAllowed, NULL);
    ret |= virTestRun("checkpoint flag combinations", testCheckpointFlags,
                      NULL);
    ret |= virTestRun("domain argument checks", testDomainChecks, NULL);
    ret |= virTestRun("domain of another connection",
                      testDomainOtherConnection, NULL);
    ret |= virTestRun("driver without the entry point: VIR_ERR_NO_SUPPORT",
                      testNoSupport, NULL);
    ret |= virTestRun("handles hold references", testReferences, NULL);
    ret |= virTestRun("driver registry", testRegistry, NULL);
    ret |= virTestRun("event loop registration is visible to drivers",
                      testEventLoopRegistered, NULL);
    virResetConnectDrivers();
    return ret ? -1 : 0;
}

VIR_TEST_MAIN(mymain)

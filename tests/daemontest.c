/*
 * daemontest.c: fleeced as a server, spoken to byte by byte
 *
 * A raw client (our framing code, no libvirt) checks what libvirt's
 * clients rely on and what keeps the daemon alive under bad clients: an
 * unknown procedure or program gets an error reply and the connection
 * stays; a malformed or oversized message drops its client only; a client
 * that never reads, or that stops in the middle of a message, holds up
 * nobody; many clients at once get correct answers; the client count is
 * bounded; keepalive PING gets PONG; SIGTERM stops the daemon cleanly,
 * removing its sockets and pidfile.
 *
 * Usage: daemontest FLEECED      Output: TAP.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "remote_protocol.h"
#include "virnetmessage.h"
#include "virnetsocket.h"
#include "viralloc.h"
#include "virerror.h"
#include "virstring.h"
#include "libvirt/libvirt-host.h"

static const char *fleeced;
static char *tmpdir;
static char *root;
static char *sockpath;
static pid_t daemonPid;

typedef struct {
    virNetSocket *sock;
    unsigned int serial;
} testClient;

static void
testClientFree(testClient *c)
{
    if (!c)
        return;
    virNetSocketFree(c->sock);
    g_free(c);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(testClient, testClientFree);

static testClient *
testConnect(void)
{
    testClient *c = g_new0(testClient, 1);

    if (!(c->sock = virNetSocketNewConnectUNIX(sockpath))) {
        virTestDiag("connect: %s", virGetLastErrorMessage());
        g_free(c);
        return NULL;
    }
    return c;
}

static int
testSendRaw(testClient *c, const void *buf, size_t len)
{
    return virNetSocketWriteFull(c->sock, buf, len);
}

static int
testSend(testClient *c, unsigned int prog, int proc, int type,
         const virXDRType *argsType, const void *args, unsigned int *serial)
{
    virNetMessageHeader hdr = { prog, 1, proc, type, c->serial++, VIR_NET_OK };
    g_autoptr(virNetMessage) msg = virNetMessageNewWithBody(&hdr, argsType, args);
    g_autoptr(GByteArray) wire = NULL;

    if (!msg || !(wire = virNetMessageEncode(msg)))
        return -1;
    if (serial)
        *serial = hdr.serial;
    return testSendRaw(c, wire->data, wire->len);
}

/* The next message from the daemon; NULL at the end of the stream. */
static virNetMessage *
testRecv(testClient *c)
{
    char lenbuf[4];
    g_autofree char *buf = NULL;
    size_t rest;

    if (virNetSocketReadFull(c->sock, lenbuf, 4) != 0 ||
        virNetMessageDecodeLength(lenbuf, &rest) < 0)
        return NULL;
    buf = g_malloc(rest);
    if (virNetSocketReadFull(c->sock, buf, rest) != 0)
        return NULL;
    return virNetMessageDecode(buf, rest);
}

/* Call and wait for the reply (skipping asynchronous messages).  With
 * @err, an error reply is decoded into it and 1 returned. */
static int
testCall(testClient *c, unsigned int prog, int proc, const void *args, void *ret,
         virNetMessageError *err)
{
    const remoteProcedureInfo *info = remoteProcedureLookup(prog, proc);
    unsigned int serial;
    virNetMessage *msg = NULL;
    int rc = -1;

    if (testSend(c, prog, proc, VIR_NET_CALL, info ? info->args : NULL, args, &serial) < 0)
        return -1;
    while ((msg = testRecv(c))) {
        if (msg->header.type == VIR_NET_REPLY && msg->header.serial == serial)
            break;
        virNetMessageFree(msg);
    }
    if (!msg) {
        virTestDiag("no reply to procedure %d", proc);
        return -1;
    }
    if (msg->header.status == VIR_NET_ERROR) {
        virNetMessageError e = { 0 };

        if (virXDRDecode(&virNetMessageErrorType, (const char *) msg->body->data,
                         msg->body->len, &e) == 0) {
            if (err) {
                *err = e;
                rc = 1;
            } else {
                virTestDiag("procedure %d failed: %s", proc, e.message);
                virXDRClear(&virNetMessageErrorType, &e);
            }
        }
    } else if (!info || !info->ret) {
        rc = msg->body->len == 0 ? 0 : -1;
    } else if (virXDRDecode(info->ret, (const char *) msg->body->data, msg->body->len,
                            ret) == 0) {
        rc = 0;
    }
    virNetMessageFree(msg);
    return rc;
}

static testClient *
testOpen(void)
{
    g_autoptr(testClient) c = testConnect();
    remoteConnectOpenArgs args = { (char *) "qemu:///system", 0 };

    if (!c || testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN, &args, NULL, NULL) != 0)
        return NULL;
    return g_steal_pointer(&c);
}

/* A call every open connection answers. */
static int
testLibVersion(testClient *c)
{
    remoteUHyperRet ret = { 0 };

    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, &ret,
                 NULL) != 0)
        return -1;
    return ret.value == LIBVIR_VERSION_NUMBER ? 0 : -1;
}

/* The daemon closed this connection. */
static bool
testIsClosed(testClient *c)
{
    g_autoptr(virNetMessage) msg = NULL;

    virResetLastError();
    msg = testRecv(c);
    virResetLastError();
    return msg == NULL;
}

/* ---- cases ------------------------------------------------------------- */

static int
testUnknownProcedure(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testOpen();
    virNetMessageError err = { 0 };
    int ret = -1;

    if (!c)
        return -1;
    if (testCall(c, REMOTE_PROGRAM, 9999, NULL, NULL, &err) != 1)
        return -1;
    if (err.code != VIR_ERR_NO_SUPPORT || !err.message ||
        !strstr(err.message, "unknown procedure: 9999")) {
        virTestDiag("error %d: %s", err.code, NULLSTR(err.message));
        goto cleanup;
    }
    /* the connection stays usable */
    ret = testLibVersion(c);
 cleanup:
    virXDRClear(&virNetMessageErrorType, &err);
    return ret;
}

static int
testUnknownProgram(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testOpen();
    virNetMessageError err = { 0 };
    int ret = -1;

    if (!c || testCall(c, 0x12345678, 1, NULL, NULL, &err) != 1)
        return -1;
    if (err.code == VIR_ERR_RPC)
        ret = testLibVersion(c);
    virXDRClear(&virNetMessageErrorType, &err);
    return ret;
}

static int
testNotOpen(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testConnect();
    virNetMessageError err = { 0 };
    remoteAuthListRet auth = { { 0 } };
    int ret = -1;

    if (!c)
        return -1;
    /* allowed before CONNECT_OPEN: the authentication list (none) */
    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_AUTH_LIST, NULL, &auth, NULL) != 0 ||
        auth.types.len != 1 || auth.types.val[0] != REMOTE_AUTH_NONE)
        goto cleanup;
    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_GET_LIB_VERSION, NULL, NULL,
                 &err) != 1 || !strstr(NULLSTR(err.message), "connection not open"))
        goto cleanup;
    ret = 0;
 cleanup:
    virXDRClear(&virNetMessageErrorType, &err);
    virXDRClear(remoteProcedureLookup(REMOTE_PROGRAM, REMOTE_PROC_AUTH_LIST)->ret, &auth);
    return ret;
}

static int
testBadArguments(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testOpen();
    /* LOOKUP_BY_NAME whose string claims 100 bytes and brings 4 */
    static const guint8 body[] = { 0, 0, 0, 100, 'a', 'b', 'c', 'd' };
    virNetMessageHeader hdr = { REMOTE_PROGRAM, 1, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                                VIR_NET_CALL, 77, VIR_NET_OK };
    g_autoptr(virNetMessage) msg = virNetMessageNew();
    g_autoptr(virNetMessage) reply = NULL;
    g_autoptr(GByteArray) wire = NULL;

    if (!c)
        return -1;
    msg->header = hdr;
    g_byte_array_append(msg->body, body, sizeof(body));
    wire = virNetMessageEncode(msg);
    if (testSendRaw(c, wire->data, wire->len) < 0 || !(reply = testRecv(c)))
        return -1;
    if (reply->header.serial != 77 || reply->header.status != VIR_NET_ERROR)
        return -1;
    return testLibVersion(c);
}

/* A malformed message drops its client, not the others. */
static int
testMalformedDropsOne(const void *data)
{
    const char *what = data;
    g_autoptr(testClient) good = testOpen();
    g_autoptr(testClient) bad = testOpen();
    guint8 buf[28] = { 0 };

    if (!good || !bad)
        return -1;
    if (g_str_equal(what, "short")) {
        buf[3] = 10;                        /* length 10 < 28 */
    } else if (g_str_equal(what, "huge")) {
        buf[0] = 0x7f;                      /* 2 GiB */
    } else {                                /* a STREAM message */
        buf[3] = 28;
        buf[4] = 0x20; buf[5] = 0x00; buf[6] = 0x80; buf[7] = 0x86;
        buf[19] = VIR_NET_STREAM;
    }
    if (testSendRaw(bad, buf, sizeof(buf)) < 0)
        return -1;
    if (!testIsClosed(bad)) {
        virTestDiag("the bad client is still connected");
        return -1;
    }
    return testLibVersion(good);
}

/* A client that stops in the middle of a message, and one that sends
 * calls without ever reading the replies, hold up nobody. */
static int
testStalledClients(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) half = testOpen();
    g_autoptr(testClient) deaf = testOpen();
    g_autoptr(testClient) good = testOpen();
    static const guint8 partial[] = { 0, 0, 1, 0, 0x20, 0x00 };
    remoteDomainLookupByNameArgs args = { (char *) "nosuch" };
    int i;

    if (!half || !deaf || !good)
        return -1;
    if (testSendRaw(half, partial, sizeof(partial)) < 0)
        return -1;
    /* thousands of calls, no reads: its replies pile up in the daemon */
    for (i = 0; i < 4000; i++) {
        if (testSend(deaf, REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME,
                     VIR_NET_CALL,
                     remoteProcedureLookup(REMOTE_PROGRAM,
                                           REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME)->args,
                     &args, NULL) < 0)
            break;
    }
    for (i = 0; i < 50; i++) {
        if (testLibVersion(good) < 0)
            return -1;
    }
    return 0;
}

typedef struct {
    int calls;
    int failures;
} testWorker;

static gpointer
testWorkerRun(gpointer opaque)
{
    testWorker *w = opaque;
    g_autoptr(testClient) c = testOpen();
    int i;

    if (!c) {
        w->failures = w->calls;
        return NULL;
    }
    for (i = 0; i < w->calls; i++) {
        remoteConnectListAllDomainsArgs args = { 1, 0 };
        remoteConnectListAllDomainsRet ret = { { 0 } };

        if (testLibVersion(c) < 0 ||
            testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, &args,
                     &ret, NULL) != 0 || ret.ret != 0)
            w->failures++;
        virXDRClear(remoteProcedureLookup(REMOTE_PROGRAM,
                                          REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS)->ret, &ret);
    }
    virResetLastError();
    return NULL;
}

static int
testManyClients(const void *data G_GNUC_UNUSED)
{
    GThread *threads[40];
    testWorker workers[40];
    size_t i;
    int failures = 0;

    for (i = 0; i < G_N_ELEMENTS(threads); i++) {
        workers[i].calls = 20;
        workers[i].failures = 0;
        threads[i] = g_thread_new("client", testWorkerRun, &workers[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(threads); i++) {
        g_thread_join(threads[i]);
        failures += workers[i].failures;
    }
    if (failures) {
        virTestDiag("%d calls failed", failures);
        return -1;
    }
    return 0;
}

/* At most 120 clients: the next is disconnected at once; a place that
 * frees up serves a new client again. */
static int
testClientLimit(const void *data G_GNUC_UNUSED)
{
    g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func((GDestroyNotify) testClientFree);
    g_autoptr(testClient) extra = NULL;
    g_autoptr(testClient) later = NULL;
    size_t i;

    for (i = 0; i < 120; i++) {
        testClient *c = testOpen();

        if (!c) {
            virTestDiag("client %zu refused", i);
            return -1;
        }
        g_ptr_array_add(clients, c);
    }
    if (!(extra = testConnect()))
        return -1;
    if (!testIsClosed(extra)) {
        virTestDiag("client 121 was served");
        return -1;
    }
    if (testLibVersion(g_ptr_array_index(clients, 0)) < 0)
        return -1;
    g_ptr_array_remove_index(clients, 0);
    /* the daemon notices the departure shortly */
    for (i = 0; i < 100; i++) {
        if ((later = testOpen()))
            break;
        virResetLastError();
        g_usleep(50 * 1000);
    }
    if (!later || testLibVersion(later) < 0)
        return -1;
    /* let the daemon see every one of them go before the next case */
    g_ptr_array_set_size(clients, 0);
    g_clear_pointer(&later, testClientFree);
    for (i = 0; i < 100; i++) {
        g_autoptr(GPtrArray) probe =
            g_ptr_array_new_with_free_func((GDestroyNotify) testClientFree);
        size_t j;

        for (j = 0; j < 8; j++) {
            testClient *c = testOpen();

            if (!c)
                break;
            g_ptr_array_add(probe, c);
        }
        virResetLastError();
        if (j == 8)
            return 0;
        g_usleep(50 * 1000);
    }
    return -1;
}

static int
testKeepalive(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testOpen();
    g_autoptr(virNetMessage) msg = NULL;

    if (!c || testSend(c, KEEPALIVE_PROGRAM, KEEPALIVE_PROC_PING, VIR_NET_MESSAGE,
                       NULL, NULL, NULL) < 0)
        return -1;
    if (!(msg = testRecv(c)))
        return -1;
    return msg->header.prog == KEEPALIVE_PROGRAM &&
           msg->header.proc == KEEPALIVE_PROC_PONG &&
           msg->header.type == VIR_NET_MESSAGE ? 0 : -1;
}

static int
testReadonlySocket(const void *data G_GNUC_UNUSED)
{
    g_autofree char *ro = g_build_filename(root, "run", "libvirt-sock-ro", NULL);
    g_autoptr(testClient) c = g_new0(testClient, 1);
    remoteConnectOpenArgs args = { (char *) "qemu:///system", 0 };
    remoteDomainDefineXMLArgs def = { (char *) "<domain type='qemu'><name>x</name>"
                                      "<memory>65536</memory><os><type>hvm</type></os>"
                                      "</domain>" };
    virNetMessageError err = { 0 };
    int ret = -1;

    if (!(c->sock = virNetSocketNewConnectUNIX(ro)))
        return -1;
    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN, &args, NULL, NULL) != 0)
        return -1;
    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_DOMAIN_DEFINE_XML, &def, NULL, &err) == 1 &&
        err.code == VIR_ERR_OPERATION_DENIED)
        ret = 0;
    virXDRClear(&virNetMessageErrorType, &err);
    return ret;
}

static int
testOtherDriver(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testConnect();
    remoteConnectOpenArgs args = { (char *) "test:///default", 0 };
    virNetMessageError err = { 0 };
    int ret = -1;

    if (!c)
        return -1;
    if (testCall(c, REMOTE_PROGRAM, REMOTE_PROC_CONNECT_OPEN, &args, NULL, &err) == 1 &&
        err.code == VIR_ERR_NO_CONNECT)
        ret = 0;
    virXDRClear(&virNetMessageErrorType, &err);
    return ret;
}

/* One daemon per root: a second one refuses to start and says why. */
static int
testSecondDaemon(const void *data G_GNUC_UNUSED)
{
    g_autofree char *cmd = g_strdup_printf("'%s' --root '%s' 2>&1", fleeced, root);
    g_autofree char *out = NULL;
    FILE *fp;
    char buf[512];
    int status;

    if (!(fp = popen(cmd, "r")))
        return -1;
    out = g_strdup("");
    while (fgets(buf, sizeof(buf), fp)) {
        char *joined = g_strconcat(out, buf, NULL);

        g_free(out);
        out = joined;
    }
    status = pclose(fp);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 0 ||
        !strstr(out, "another fleeced serves this root")) {
        virTestDiag("status %d: %s", status, out);
        return -1;
    }
    /* and the first one still serves */
    {
        g_autoptr(testClient) c = testOpen();

        return c ? testLibVersion(c) : -1;
    }
}

static int
testSigterm(const void *data G_GNUC_UNUSED)
{
    g_autoptr(testClient) c = testOpen();
    g_autofree char *pidfile = g_build_filename(tmpdir, "fleeced.pid", NULL);
    g_autofree char *ro = g_build_filename(root, "run", "libvirt-sock-ro", NULL);
    int i;

    if (!c || kill(daemonPid, SIGTERM) < 0)
        return -1;
    if (!testIsClosed(c))
        return -1;
    for (i = 0; i < 200 && kill(daemonPid, 0) == 0; i++)
        g_usleep(50 * 1000);
    if (kill(daemonPid, 0) == 0) {
        virTestDiag("fleeced still runs after SIGTERM");
        return -1;
    }
    daemonPid = 0;
    if (access(sockpath, F_OK) == 0 || access(ro, F_OK) == 0 || access(pidfile, F_OK) == 0) {
        virTestDiag("a socket or the pidfile was left");
        return -1;
    }
    return 0;
}

static int
testStartDaemon(void)
{
    g_autofree char *pidfile = g_build_filename(tmpdir, "fleeced.pid", NULL);
    g_autofree char *cmd = g_strdup_printf("'%s' --root '%s' --daemon --pidfile '%s'",
                                           fleeced, root, pidfile);
    g_autofree char *pid = NULL;
    int status;

    status = system(cmd);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        !g_file_get_contents(pidfile, &pid, NULL, NULL))
        return -1;
    daemonPid = atoi(pid);
    return daemonPid > 0 ? 0 : -1;
}

static int
mymain(void)
{
    int ret = 0;

    signal(SIGPIPE, SIG_IGN);
    tmpdir = g_dir_make_tmp("fleecedaemontest.XXXXXX", NULL);
    root = g_build_filename(tmpdir, "root", NULL);
    sockpath = g_build_filename(root, "run", "libvirt-sock", NULL);
    if (testStartDaemon() < 0) {
        printf("Bail out! fleeced did not start\n");
        return 1;
    }

    ret |= virTestRun("an unknown procedure gets an error reply, the connection stays",
                      testUnknownProcedure, NULL);
    ret |= virTestRun("an unknown program gets an error reply", testUnknownProgram, NULL);
    ret |= virTestRun("calls before CONNECT_OPEN", testNotOpen, NULL);
    ret |= virTestRun("malformed arguments get an error reply", testBadArguments, NULL);
    ret |= virTestRun("a length under the header drops that client only",
                      testMalformedDropsOne, "short");
    ret |= virTestRun("a length over 32 MiB drops that client only",
                      testMalformedDropsOne, "huge");
    ret |= virTestRun("a stream message drops that client only",
                      testMalformedDropsOne, "stream");
    ret |= virTestRun("half a message and unread replies hold up nobody",
                      testStalledClients, NULL);
    ret |= virTestRun("40 clients at once", testManyClients, NULL);
    ret |= virTestRun("the client count is bounded", testClientLimit, NULL);
    ret |= virTestRun("keepalive PING gets PONG", testKeepalive, NULL);
    ret |= virTestRun("the read-only socket refuses a change", testReadonlySocket, NULL);
    ret |= virTestRun("other drivers are not served", testOtherDriver, NULL);
    ret |= virTestRun("a second daemon on the root refuses to start", testSecondDaemon, NULL);
    ret |= virTestRun("SIGTERM stops the daemon and removes its files", testSigterm, NULL);

    if (daemonPid > 0)
        kill(daemonPid, SIGKILL);
    {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", tmpdir);

        ignore_value(system(cmd));
    }
    return ret == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FLEECED\n", argv[0]);
        return 1;
    }
    fleeced = argv[1];
    return virTestMain(argc, argv, mymain);
}

/*
 * libvirtapitest.c: the public API as an application sees it
 *
 * Linked against libfleece.so and using only the public headers:
 * argument and handle checks of the entry points, typed parameters, the
 * default event loop and the thread's last error.  (Checks that need a
 * connection are in libvirtdrivertest.c, with an in-test driver.)
 *
 * Output is TAP.  No internal header and no GLib: this is what a program
 * written for libvirt does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static int ntests;
static int nfailed;

static void
run(const char *title, int (*body)(void))
{
    int rc = body();

    ntests++;
    if (rc < 0)
        nfailed++;
    printf("%s %d - %s\n", rc < 0 ? "not ok" : "ok", ntests, title);
    fflush(stdout);
}

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            printf("# %s:%d: check failed: %s (last error %d: %s)\n", \
                   __FILE__, __LINE__, #cond, virGetLastErrorCode(), \
                   virGetLastErrorMessage()); \
            return -1; \
        } \
    } while (0)

/* The call failed with @code and the message names @fragment. */
static bool
lastErrorIs(int code, const char *fragment)
{
    virErrorPtr err = virGetLastError();

    if (!err || err->code != code) {
        printf("# expected error %d, got %d (%s)\n", code,
               err ? err->code : 0, err && err->message ? err->message : "");
        return false;
    }
    if (fragment && (!err->message || !strstr(err->message, fragment))) {
        printf("# message '%s' lacks '%s'\n",
               err->message ? err->message : "", fragment);
        return false;
    }
    return true;
}

static double
nowMs(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- Handles and arguments ----------------------------------------- */

static int
testNullConnection(void)
{
    unsigned long ver = 0;
    virDomainPtr *doms = (virDomainPtr *) &ver;

    CHECK(virConnectClose(NULL) == -1);
    CHECK(lastErrorIs(VIR_ERR_INVALID_CONN, "virConnectClose"));
    CHECK(virConnectRef(NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(!virConnectGetURI(NULL) && lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(virConnectGetLibVersion(NULL, &ver) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(virConnectListAllDomains(NULL, &doms, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(doms == NULL);                /* output cleared on error */
    CHECK(!virDomainDefineXML(NULL, "<domain/>") &&
          lastErrorIs(VIR_ERR_INVALID_CONN, "virDomainDefineXML"));
    CHECK(!virDomainCreateXML(NULL, "<domain/>", 0) &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(!virDomainLookupByName(NULL, "vm") &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(virConnectDomainEventDeregisterAny(NULL, 1) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_CONN, NULL));
    CHECK(virGetLastErrorDomain() == VIR_FROM_DOMAIN);
    return 0;
}

static int
testNullDomain(void)
{
    char *xml = NULL;

    CHECK(!virDomainGetName(NULL) &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, "virDomainGetName"));
    CHECK(virDomainFree(NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(virDomainBackupBegin(NULL, "<domainbackup/>", NULL, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, "virDomainBackupBegin"));
    CHECK(virDomainBackupEnd(NULL, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(!virDomainBackupGetXMLDesc(NULL, 0) &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(virDomainAbortJob(NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(virDomainGetID(NULL) == (unsigned int) -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(!virDomainCheckpointCreateXML(NULL, "<domaincheckpoint/>", 0) &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(virDomainQemuMonitorCommand(NULL, "{}", &xml, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN, NULL));
    CHECK(xml == NULL);
    return 0;
}

static int
testNullCheckpoint(void)
{
    virDomainCheckpointPtr *list = NULL;

    CHECK(!virDomainCheckpointGetName(NULL) &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN_CHECKPOINT,
                      "virDomainCheckpointGetName"));
    CHECK(virGetLastErrorDomain() == VIR_FROM_DOMAIN_CHECKPOINT);
    CHECK(virDomainCheckpointDelete(NULL, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN_CHECKPOINT, NULL));
    CHECK(virDomainCheckpointListAllChildren(NULL, &list, 0) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN_CHECKPOINT, NULL));
    CHECK(virDomainCheckpointFree(NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN_CHECKPOINT, NULL));
    CHECK(!virDomainCheckpointGetParent(NULL, 0) &&
          lastErrorIs(VIR_ERR_INVALID_DOMAIN_CHECKPOINT, NULL));
    return 0;
}

static int
testUnknownURI(void)
{
    const char *uri = "nosuchdriver:///nowhere";

    CHECK(virConnectOpen(uri) == NULL);
    CHECK(lastErrorIs(VIR_ERR_NO_CONNECT, uri));
    CHECK(virConnectOpenReadOnly(uri) == NULL);
    CHECK(lastErrorIs(VIR_ERR_NO_CONNECT, uri));
    return 0;
}

static int
testVersion(void)
{
    unsigned long lib = 0;
    unsigned long type = 0;

    CHECK(virGetVersion(NULL, NULL, NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_ARG, NULL));
    CHECK(virGetVersion(&lib, "QEMU", &type) == 0);
    CHECK(lib == LIBVIR_VERSION_NUMBER && type == LIBVIR_VERSION_NUMBER);
    CHECK(LIBVIR_CHECK_VERSION(9, 0, 0) && !LIBVIR_CHECK_VERSION(9, 0, 1));
    CHECK(virInitialize() == 0);
    return 0;
}

/* ---- Last error ---------------------------------------------------- */

static int
testLastError(void)
{
    virError copy;
    virErrorPtr saved;

    memset(&copy, 0, sizeof(copy));
    CHECK(virConnectClose(NULL) == -1);
    CHECK(virGetLastErrorCode() == VIR_ERR_INVALID_CONN);
    CHECK(virGetLastError()->level == VIR_ERR_ERROR);

    CHECK(virCopyLastError(&copy) == VIR_ERR_INVALID_CONN);
    CHECK(copy.message && strstr(copy.message, "virConnectClose"));
    saved = virSaveLastError();
    CHECK(saved && saved->code == VIR_ERR_INVALID_CONN);

    /* a successful call clears the error */
    CHECK(virInitialize() == 0);
    CHECK(virGetVersion(&(unsigned long){ 0 }, NULL, NULL) == 0);
    CHECK(virGetLastError() == NULL);
    CHECK(virGetLastErrorCode() == VIR_ERR_OK);

    /* the copies are independent of the thread's slot */
    CHECK(saved->code == VIR_ERR_INVALID_CONN && copy.code == saved->code);
    virResetError(&copy);
    CHECK(copy.code == VIR_ERR_OK && copy.message == NULL);
    virFreeError(saved);

    CHECK(virDomainFree(NULL) == -1);
    virResetLastError();
    CHECK(virGetLastError() == NULL);
    return 0;
}

/* ---- Typed parameters ---------------------------------------------- */

static int
testTypedParamsRoundTrip(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int maxparams = 0;
    int i = 0;
    unsigned int ui = 0;
    long long l = 0;
    unsigned long long ul = 0;
    double d = 0;
    int b = 0;
    const char *s = NULL;
    int rc = -1;

    if (virTypedParamsAddInt(&params, &nparams, &maxparams, "int", -7) < 0 ||
        virTypedParamsAddUInt(&params, &nparams, &maxparams, "uint", 7) < 0 ||
        virTypedParamsAddLLong(&params, &nparams, &maxparams, "llong",
                               -(1LL << 40)) < 0 ||
        virTypedParamsAddULLong(&params, &nparams, &maxparams,
                                VIR_DOMAIN_JOB_DISK_TOTAL, 1ULL << 50) < 0 ||
        virTypedParamsAddDouble(&params, &nparams, &maxparams, "double",
                                0.5) < 0 ||
        virTypedParamsAddBoolean(&params, &nparams, &maxparams,
                                 VIR_DOMAIN_JOB_SUCCESS, 42) < 0 ||
        virTypedParamsAddString(&params, &nparams, &maxparams,
                                VIR_DOMAIN_JOB_ERRMSG, "disk failed") < 0)
        goto cleanup;
    if (nparams != 7 || maxparams < 7)
        goto cleanup;

    if (virTypedParamsGetInt(params, nparams, "int", &i) != 1 || i != -7 ||
        virTypedParamsGetUInt(params, nparams, "uint", &ui) != 1 || ui != 7 ||
        virTypedParamsGetLLong(params, nparams, "llong", &l) != 1 ||
        l != -(1LL << 40) ||
        virTypedParamsGetULLong(params, nparams, "disk_total", &ul) != 1 ||
        ul != 1ULL << 50 ||
        virTypedParamsGetDouble(params, nparams, "double", &d) != 1 ||
        d != 0.5 ||
        virTypedParamsGetBoolean(params, nparams, "success", &b) != 1 ||
        b != 1 ||
        virTypedParamsGetString(params, nparams, "errmsg", &s) != 1 ||
        strcmp(s, "disk failed") != 0)
        goto cleanup;
    if (params[6].type != VIR_TYPED_PARAM_STRING ||
        strcmp(params[6].field, "errmsg") != 0)
        goto cleanup;
    if (virTypedParamsGet(params, nparams, "uint") != &params[1])
        goto cleanup;
    rc = 0;

 cleanup:
    if (rc < 0)
        printf("# round trip failed: %s\n", virGetLastErrorMessage());
    virTypedParamsFree(params, nparams);
    return rc;
}

static int
testTypedParamsErrors(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int maxparams = 0;
    int value = 99;
    const char *s = "unchanged";
    char longname[VIR_TYPED_PARAM_FIELD_LENGTH + 1];

    memset(longname, 'x', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';

    CHECK(virTypedParamsAddInt(&params, &nparams, &maxparams, "n", 1) == 0);
    /* absent: 0, value untouched, no error */
    CHECK(virTypedParamsGetInt(params, nparams, "other", &value) == 0);
    CHECK(value == 99 && virGetLastError() == NULL);
    /* wrong type */
    CHECK(virTypedParamsGetString(params, nparams, "n", &s) == -1);
    CHECK(lastErrorIs(VIR_ERR_INVALID_ARG, "'n'"));
    CHECK(strcmp(s, "unchanged") == 0);
    /* NULL value pointer */
    CHECK(virTypedParamsGetInt(params, nparams, "n", NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_ARG, NULL));
    /* a name that does not fit: refused, array unchanged */
    CHECK(virTypedParamsAddInt(&params, &nparams, &maxparams, longname,
                               2) == -1);
    CHECK(lastErrorIs(VIR_ERR_INVALID_ARG, "too long"));
    CHECK(nparams == 1);
    CHECK(virTypedParamsAddString(&params, &nparams, &maxparams, "s",
                                  NULL) == -1 &&
          lastErrorIs(VIR_ERR_INVALID_ARG, NULL));
    CHECK(nparams == 1);
    /* lookups in an empty array */
    CHECK(virTypedParamsGet(NULL, 0, "n") == NULL);
    CHECK(virTypedParamsGetInt(NULL, 0, "n", &value) == 0);
    virTypedParamsFree(params, nparams);
    virTypedParamsFree(NULL, 0);
    return 0;
}

static int
testTypedParamsGrowAndClear(void)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int maxparams = 0;
    char name[32];
    const char *s;
    int n;

    for (n = 0; n < 100; n++) {
        snprintf(name, sizeof(name), "p%d", n);
        CHECK(virTypedParamsAddString(&params, &nparams, &maxparams, name,
                                      name) == 0);
    }
    CHECK(nparams == 100 && maxparams >= 100);
    CHECK(virTypedParamsGetString(params, nparams, "p73", &s) == 1);
    CHECK(strcmp(s, "p73") == 0);
    virTypedParamsClear(params, nparams);
    CHECK(params[73].value.s == NULL);   /* strings released */
    free(params);
    return 0;
}

/* ---- Event loop ---------------------------------------------------- */

typedef struct {
    int calls;
    int lastWatch;
    int lastFd;
    int lastEvents;
    int freed;
    int removeWatch;       /* watch to remove from inside the callback */
    int removeTimer;       /* timer to remove from inside the callback */
} testEventData;

static void
testHandleCb(int watch, int fd, int events, void *opaque)
{
    testEventData *data = opaque;
    char buf[16];

    data->calls++;
    data->lastWatch = watch;
    data->lastFd = fd;
    data->lastEvents = events;
    if (events & VIR_EVENT_HANDLE_READABLE) {
        if (read(fd, buf, sizeof(buf)) < 0)
            data->lastEvents = -1;
    }
    if (data->removeWatch > 0) {
        virEventRemoveHandle(data->removeWatch);
        data->removeWatch = 0;
    }
}

static void
testTimeoutCb(int timer, void *opaque)
{
    testEventData *data = opaque;

    data->calls++;
    data->lastWatch = timer;
    if (data->removeTimer > 0) {
        virEventRemoveTimeout(data->removeTimer);
        data->removeTimer = 0;
    }
}

static void
testFreeCb(void *opaque)
{
    testEventData *data = opaque;

    data->freed++;
}

static int
testEventHandle(void)
{
    testEventData data = { 0 };
    testEventData idle = { 0 };
    int fds[2];
    int watch;
    int timer;
    int rc = -1;

    if (pipe(fds) < 0)
        return -1;
    watch = virEventAddHandle(fds[0], VIR_EVENT_HANDLE_READABLE,
                              testHandleCb, &data, testFreeCb);
    /* a 0 ms timer keeps the iterations from blocking */
    timer = virEventAddTimeout(0, testTimeoutCb, &idle, NULL);
    if (watch <= 0 || timer <= 0)
        goto cleanup;

    /* nothing to read: not called */
    if (virEventRunDefaultImpl() < 0 || data.calls != 0 || idle.calls != 1)
        goto cleanup;
    if (write(fds[1], "x", 1) != 1)
        goto cleanup;
    if (virEventRunDefaultImpl() < 0 || data.calls != 1 ||
        data.lastWatch != watch || data.lastFd != fds[0] ||
        data.lastEvents != VIR_EVENT_HANDLE_READABLE)
        goto cleanup;

    /* with no events wanted, a readable descriptor is not reported */
    virEventUpdateHandle(watch, 0);
    if (write(fds[1], "y", 1) != 1 ||
        virEventRunDefaultImpl() < 0 || data.calls != 1)
        goto cleanup;
    virEventUpdateHandle(watch, VIR_EVENT_HANDLE_READABLE);
    if (virEventRunDefaultImpl() < 0 || data.calls != 2)
        goto cleanup;

    /* the writer goes away: hangup */
    close(fds[1]);
    fds[1] = -1;
    if (virEventRunDefaultImpl() < 0 || data.calls != 3 ||
        !(data.lastEvents & VIR_EVENT_HANDLE_HANGUP))
        goto cleanup;

    /* removal outside the loop frees at once, and only once */
    if (virEventRemoveHandle(watch) != 0 || data.freed != 1)
        goto cleanup;
    if (virEventRemoveHandle(watch) != -1 ||
        !lastErrorIs(VIR_ERR_INVALID_ARG, NULL) || data.freed != 1)
        goto cleanup;
    if (virEventRunDefaultImpl() < 0 || data.calls != 3)
        goto cleanup;
    rc = 0;

 cleanup:
    virEventRemoveTimeout(timer);
    close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return rc;
}

static int
testEventTimeout(void)
{
    testEventData data = { 0 };
    double start = nowMs();
    double elapsed;
    int timer = virEventAddTimeout(20, testTimeoutCb, &data, testFreeCb);
    int guard = 0;

    CHECK(timer > 0);
    while (data.calls < 3 && guard++ < 100)
        CHECK(virEventRunDefaultImpl() == 0);
    elapsed = nowMs() - start;
    CHECK(data.calls == 3 && data.lastWatch == timer);
    /* three periods of 20 ms, with a generous upper bound */
    CHECK(elapsed >= 55 && elapsed < 5000);

    /* disabled: a second timer fires, this one does not */
    virEventUpdateTimeout(timer, -1);
    {
        testEventData other = { 0 };
        int t2 = virEventAddTimeout(30, testTimeoutCb, &other, NULL);

        CHECK(t2 > 0);
        CHECK(virEventRunDefaultImpl() == 0);
        CHECK(other.calls == 1 && data.calls == 3);
        CHECK(virEventRemoveTimeout(t2) == 0);
    }
    CHECK(virEventRemoveTimeout(timer) == 0);
    CHECK(data.freed == 1);
    return 0;
}

static int
testEventRemoveInsideCallback(void)
{
    testEventData first = { 0 };
    testEventData second = { 0 };
    testEventData self = { 0 };
    int a[2];
    int b[2];
    int wa;
    int wb;
    int t;
    int rc = -1;

    if (pipe(a) < 0)
        return -1;
    if (pipe(b) < 0) {
        close(a[0]);
        close(a[1]);
        return -1;
    }
    wa = virEventAddHandle(a[0], VIR_EVENT_HANDLE_READABLE, testHandleCb,
                           &first, testFreeCb);
    wb = virEventAddHandle(b[0], VIR_EVENT_HANDLE_READABLE, testHandleCb,
                           &second, testFreeCb);
    /* a timer that removes itself */
    t = virEventAddTimeout(0, testTimeoutCb, &self, testFreeCb);
    self.removeTimer = t;
    if (wa <= 0 || wb <= 0 || t <= 0)
        goto cleanup;

    /* both ready; the first callback removes the second handle, which
     * must then not be called, and is freed after the iteration */
    first.removeWatch = wb;
    if (write(a[1], "a", 1) != 1 || write(b[1], "b", 1) != 1)
        goto cleanup;
    if (virEventRunDefaultImpl() < 0)
        goto cleanup;
    if (first.calls != 1 || second.calls != 0 || second.freed != 1)
        goto cleanup;
    if (self.calls != 1 || self.freed != 1)
        goto cleanup;
    /* and they stay gone */
    if (write(b[1], "b", 1) != 1 || write(a[1], "a", 1) != 1 ||
        virEventRunDefaultImpl() < 0 || second.calls != 0 ||
        self.calls != 1 || first.calls != 2)
        goto cleanup;

    /* a handle removing itself */
    first.removeWatch = wa;
    if (write(a[1], "a", 1) != 1 || virEventRunDefaultImpl() < 0 ||
        first.calls != 3 || first.freed != 1)
        goto cleanup;
    wa = 0;
    rc = 0;

 cleanup:
    if (wa > 0)
        virEventRemoveHandle(wa);
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
    return rc;
}

typedef struct {
    int delayMs;
    int guardFd;            /* written if the loop was not woken in time */
    volatile int fired;
    testEventData data;
} testWakeup;

static void
testWakeupTimeoutCb(int timer, void *opaque)
{
    testWakeup *w = opaque;

    w->fired = 1;
    virEventRemoveTimeout(timer);
}

static void *
testWakeupThread(void *opaque)
{
    testWakeup *w = opaque;
    int waited = 0;

    usleep(w->delayMs * 1000);
    if (virEventAddTimeout(0, testWakeupTimeoutCb, w, NULL) <= 0)
        return NULL;
    /* if the loop stays asleep, unblock it after 3 s so the test fails
     * instead of hanging */
    while (!w->fired && waited < 3000) {
        usleep(10 * 1000);
        waited += 10;
    }
    if (!w->fired)
        (void) !write(w->guardFd, "g", 1);
    return NULL;
}

static int
testEventCrossThreadWakeup(void)
{
    testWakeup w = { .delayMs = 100 };
    testEventData guard = { 0 };
    pthread_t thread;
    double start;
    int fds[2];
    int watch;
    int n = 0;
    int rc = -1;

    if (pipe(fds) < 0)
        return -1;
    w.guardFd = fds[1];
    /* the only source: a pipe nobody writes to, no timer: poll blocks */
    watch = virEventAddHandle(fds[0], VIR_EVENT_HANDLE_READABLE,
                              testHandleCb, &guard, NULL);
    if (watch <= 0)
        goto cleanup;
    start = nowMs();
    if (pthread_create(&thread, NULL, testWakeupThread, &w) != 0)
        goto cleanup;
    while (!w.fired && guard.calls == 0 && n++ < 10)
        virEventRunDefaultImpl();
    pthread_join(thread, NULL);
    if (!w.fired || guard.calls != 0) {
        printf("# loop not woken by a timer added from another thread\n");
        goto cleanup;
    }
    if (nowMs() - start > 2500)
        goto cleanup;
    rc = 0;

 cleanup:
    if (watch > 0)
        virEventRemoveHandle(watch);
    close(fds[0]);
    close(fds[1]);
    return rc;
}

static int
testEventRunNotRegisteredTwice(void)
{
    /* registering again keeps the same loop working */
    testEventData data = { 0 };
    int t;

    CHECK(virEventRegisterDefaultImpl() == 0);
    t = virEventAddTimeout(0, testTimeoutCb, &data, NULL);
    CHECK(t > 0);
    CHECK(virEventRunDefaultImpl() == 0 && data.calls == 1);
    CHECK(virEventRemoveTimeout(t) == 0);
    CHECK(virEventRemoveTimeout(t) == -1);
    return 0;
}

int
main(void)
{
    int noLoopOk;

    /* before any loop is registered, the event calls fail cleanly (this
     * must run first: registration is for the life of the process) */
    noLoopOk = virEventAddTimeout(0, testTimeoutCb, NULL, NULL) == -1 &&
               lastErrorIs(VIR_ERR_OPERATION_INVALID, "event loop") &&
               virEventRunDefaultImpl() == -1 &&
               lastErrorIs(VIR_ERR_OPERATION_INVALID, NULL);
    if (virEventRegisterDefaultImpl() < 0) {
        printf("Bail out! cannot register the default event loop\n");
        return 1;
    }

    run("NULL connection is refused with VIR_ERR_INVALID_CONN",
        testNullConnection);
    run("NULL domain is refused with VIR_ERR_INVALID_DOMAIN", testNullDomain);
    run("NULL checkpoint is refused with VIR_ERR_INVALID_DOMAIN_CHECKPOINT",
        testNullCheckpoint);
    run("unknown URI fails with VIR_ERR_NO_CONNECT naming the URI",
        testUnknownURI);
    run("virGetVersion and virInitialize", testVersion);
    run("last error: get, copy, save, reset", testLastError);
    run("typed parameters: add and get every type",
        testTypedParamsRoundTrip);
    run("typed parameters: wrong type, absent, bad names",
        testTypedParamsErrors);
    run("typed parameters: growth and clear", testTypedParamsGrowAndClear);

    ntests++;
    if (!noLoopOk)
        nfailed++;
    printf("%s %d - event calls fail before a loop is registered\n",
           noLoopOk ? "ok" : "not ok", ntests);

    run("event loop: handle on a pipe", testEventHandle);
    run("event loop: periodic, disabled and removed timeouts",
        testEventTimeout);
    run("event loop: removal from inside callbacks",
        testEventRemoveInsideCallback);
    run("event loop: a timer added from another thread wakes poll",
        testEventCrossThreadWakeup);
    run("event loop: registering twice", testEventRunNotRegisteredTwice);

    printf("1..%d\n", ntests);
    return nfailed ? 1 : 0;
}

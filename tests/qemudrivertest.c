/*
 * qemudrivertest.c: the embedded QEMU driver through the public API, on
 * real QEMU
 *
 * Uses only <libvirt/libvirt.h> and libfleece.so, as an application
 * would.  A domain with two qcow2 disks (tests/data/testvm.xml) is
 * defined, started, written to through the guest's
 * disk path, queried, suspended, resumed, found from a second process,
 * serialised against a concurrent change, killed behind the driver's
 * back, restarted, destroyed and undefined.  The written data is checked
 * byte for byte against an image built offline with qemu-io.
 *
 * When libvirt's corpus (an optional oracle, testcorpus.h) is present,
 * libvirt 9.0's own dumpxml of such a domain is also defined and started
 * unchanged.
 *
 * Output is TAP; a "1..0 # SKIP" plan when qemu-system-x86_64 or qemu-img
 * is missing.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include "testapiutils.h"

static char *root;
static char *uri;
static char *diskdir;
static char *selfpath;

static char *
diskPath(const char *name)
{
    return g_strdup_printf("%s/%s", diskdir, name);
}

static bool
makeDisk(const char *name)
{
    g_autofree char *path = diskPath(name);
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, "64M", NULL };

    return testApiRunCmd(argv, NULL);
}

static char *
domainXML(void)
{
    return testApiDomainXML(diskdir);
}

static virConnectPtr conn;
static virDomainPtr dom;

/* Lifecycle events seen by the callback, as "EVENT:DETAIL" words. */
static GMutex eventLock;
static GString *eventsSeen;
static int eventCallbackID = -1;

static int
lifecycleCallback(virConnectPtr c G_GNUC_UNUSED, virDomainPtr d, int event,
                  int detail, void *opaque G_GNUC_UNUSED)
{
    g_mutex_lock(&eventLock);
    g_string_append_printf(eventsSeen, "%s:%d:%d ", virDomainGetName(d), event, detail);
    g_mutex_unlock(&eventLock);
    return 0;
}

static gpointer
eventLoopThread(gpointer opaque G_GNUC_UNUSED)
{
    while (true)
        virEventRunDefaultImpl();
    return NULL;
}

static bool
eventSeen(const char *word)
{
    bool found = false;
    int i;

    for (i = 0; i < 200 && !found; i++) {
        g_mutex_lock(&eventLock);
        found = strstr(eventsSeen->str, word) != NULL;
        g_mutex_unlock(&eventLock);
        if (!found)
            g_usleep(10000);
    }
    return found;
}

static int
testRegisterEvents(void)
{
    eventCallbackID = virConnectDomainEventRegisterAny(conn, NULL,
                          VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                          VIR_DOMAIN_EVENT_CALLBACK(lifecycleCallback), NULL, NULL);
    CHECK(eventCallbackID >= 0, "register");
    return 0;
}

static int
testEventsDelivered(void)
{
    char word[64];

    g_snprintf(word, sizeof(word), "testvm:%d:%d ", VIR_DOMAIN_EVENT_DEFINED,
               VIR_DOMAIN_EVENT_DEFINED_ADDED);
    CHECK(eventSeen(word), "defined event missing: %s", eventsSeen->str);
    g_snprintf(word, sizeof(word), "testvm:%d:%d ", VIR_DOMAIN_EVENT_STARTED,
               VIR_DOMAIN_EVENT_STARTED_BOOTED);
    CHECK(eventSeen(word), "started event missing: %s", eventsSeen->str);
    g_snprintf(word, sizeof(word), "testvm:%d:%d ", VIR_DOMAIN_EVENT_SUSPENDED,
               VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    CHECK(eventSeen(word), "suspended event missing: %s", eventsSeen->str);
    g_snprintf(word, sizeof(word), "testvm:%d:%d ", VIR_DOMAIN_EVENT_STOPPED,
               VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    CHECK(eventSeen(word), "stopped event missing: %s", eventsSeen->str);
    CHECK(virConnectDomainEventDeregisterAny(conn, eventCallbackID) == 0, "deregister");
    CHECK(virConnectDomainEventDeregisterAny(conn, eventCallbackID) < 0, "double deregister");
    return 0;
}

static int
testAgentMissing(void)
{
    CHECK(virDomainFSFreeze(dom, NULL, 0, 0) < 0, "freeze without agent channel");
    CHECK(virGetLastErrorCode() == VIR_ERR_ARGUMENT_UNSUPPORTED, "code %d",
          virGetLastErrorCode());
    return 0;
}

static pid_t
domainPid(const char *name)
{
    g_autofree char *path = g_strdup_printf("%s/run/%s.pid", root, name);
    g_autofree char *content = NULL;
    pid_t pid;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return -1;
    pid = atoi(content);
    if (pid > 0)
        testApiTrackPid(pid);
    return pid;
}

static int
testOpen(void)
{
    g_autofree char *got = NULL;

    conn = virConnectOpen(uri);
    CHECK(conn, "open %s", uri);
    got = virConnectGetURI(conn);
    CHECK(got && g_str_equal(got, uri), "uri %s", got);
    return 0;
}

static int
testUnknownURI(void)
{
    virConnectPtr c = virConnectOpen("qemu:///nonsense");

    CHECK(!c, "unknown URI accepted");
    CHECK(virGetLastErrorCode() == VIR_ERR_NO_CONNECT, "code %d", virGetLastErrorCode());
    c = virConnectOpen("qemu:///embed?root=relative/dir");
    CHECK(!c, "relative root accepted");
    return 0;
}

static int
testDefine(void)
{
    g_autofree char *xml = domainXML();
    int state = -1, reason = -1;

    CHECK(xml, "domain XML");
    dom = virDomainDefineXML(conn, xml);
    CHECK(dom, "define");
    CHECK(g_str_equal(virDomainGetName(dom), "testvm"), "name");
    CHECK(virDomainIsPersistent(dom) == 1, "persistent");
    CHECK(virDomainIsActive(dom) == 0, "inactive");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_SHUTOFF, "state %d", state);
    return 0;
}

static int
testReadOnly(void)
{
    virConnectPtr ro = virConnectOpenReadOnly(uri);
    virDomainPtr d;
    g_autofree char *xml = domainXML();
    int rc = -1;

    CHECK(ro, "read-only open");
    d = virDomainLookupByName(ro, "testvm");
    if (!d)
        goto cleanup;
    if (virDomainCreate(d) == 0 || virGetLastErrorCode() != VIR_ERR_OPERATION_DENIED)
        goto cleanup;
    if (virDomainDefineXML(ro, xml) || virGetLastErrorCode() != VIR_ERR_OPERATION_DENIED)
        goto cleanup;
    if (virDomainIsActive(d) != 0)     /* queries work */
        goto cleanup;
    rc = 0;
 cleanup:
    if (d)
        virDomainFree(d);
    virConnectClose(ro);
    return rc;
}

static int
testStartFailsCleanly(void)
{
    g_autofree char *xml = domainXML();
    g_autoptr(GString) s = g_string_new(xml);
    g_autofree char *runfile = g_strdup_printf("%s/run/lvmissing.xml", root);
    g_autofree char *sock = g_strdup_printf("%s/run/lvmissing.qmp", root);
    virDomainPtr d;
    int rc;

    g_string_replace(s, "testvm", "lvmissing", 0);
    g_string_replace(s, "5f0c2a8e", "6f0c2a8e", 0);
    g_string_replace(s, "vdb.qcow2", "absent.qcow2", 0);
    d = virDomainDefineXML(conn, s->str);
    CHECK(d, "define lvmissing");
    rc = virDomainCreate(d);
    CHECK(rc < 0, "start with a missing image succeeded");
    CHECK(virGetLastErrorCode() == VIR_ERR_SYSTEM_ERROR &&
          strstr(virGetLastErrorMessage(), "absent.qcow2"), "error names the image");
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS), "socket left behind");
    CHECK(virDomainIsActive(d) == 0, "active after failed start");
    CHECK(virDomainUndefine(d) == 0, "undefine");
    CHECK(!g_file_test(runfile, G_FILE_TEST_EXISTS), "status left behind");
    virDomainFree(d);
    return 0;
}

static int
testStart(void)
{
    int state = -1, reason = -1;
    pid_t pid;

    CHECK(virDomainCreate(dom) == 0, "start");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0, "state");
    CHECK(state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_BOOTED,
          "state %d reason %d", state, reason);
    CHECK(virDomainGetID(dom) != (unsigned int) -1, "id");
    pid = domainPid("testvm");
    CHECK(pid > 0 && testApiProcessAlive(pid), "qemu pid %d", pid);
    CHECK(virDomainCreate(dom) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "double start");
    return 0;
}

static int
testLiveXML(void)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
    g_autofree char *inactive = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

    CHECK(xml, "live XML");
    CHECK(strstr(xml, "<alias name='virtio-disk0'/>"), "alias virtio-disk0 in\n%s", xml);
    CHECK(strstr(xml, "<alias name='virtio-disk1'/>"), "alias virtio-disk1");
    CHECK(strstr(xml, "<backingStore/>"), "backing chain end in\n%s", xml);
    CHECK(strstr(xml, "<domain type=") && strstr(xml, " id='"), "id in live XML");
    CHECK(inactive && !strstr(inactive, "<alias"), "no alias in inactive XML");
    return 0;
}

static int
testGuestWriteAndQMP(void)
{
    char *out = NULL;

    CHECK(virDomainQemuMonitorCommand(dom,
            "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x5a 0 1M\"",
            &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) == 0, "hmp write");
    free(out);
    out = NULL;
    CHECK(virDomainQemuMonitorCommand(dom,
            "qemu-io -d virtio-disk1/virtio-backend \"write -P 0x33 4M 64k\"",
            &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) == 0, "hmp write vdb");
    free(out);
    out = NULL;
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"query-status\"}", &out, 0) == 0,
          "qmp query-status");
    CHECK(out && strstr(out, "\"running\""), "reply %s", out);
    free(out);
    out = NULL;
    /* as libvirt: QEMU's error reply is the result, not a failure */
    CHECK(virDomainQemuMonitorCommand(dom, "{\"execute\":\"no-such-command\"}", &out, 0) == 0,
          "an error reply is a failure");
    CHECK(out && strstr(out, "\"error\"") && strstr(out, "CommandNotFound") &&
          strstr(out, "\"id\""), "reply %s", out);
    free(out);
    out = NULL;
    CHECK(virDomainQemuMonitorCommand(dom, "not json", &out, 0) < 0, "bad JSON accepted");
    return 0;
}

static int
testSuspendResume(void)
{
    int state = -1, reason = -1;

    CHECK(virDomainSuspend(dom) == 0, "suspend");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_PAUSED && reason == VIR_DOMAIN_PAUSED_USER, "paused");
    CHECK(virDomainResume(dom) == 0, "resume");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_RUNNING && reason == VIR_DOMAIN_RUNNING_UNPAUSED, "running");
    return 0;
}

static int
testInfoAndJobs(void)
{
    virDomainInfo info;
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = -1;

    CHECK(virDomainGetInfo(dom, &info) == 0, "info");
    CHECK(info.state == VIR_DOMAIN_RUNNING && info.maxMem == 262144 &&
          info.nrVirtCpu == 1, "info %d %lu %d", info.state, info.maxMem, info.nrVirtCpu);
    CHECK(virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0 &&
          type == VIR_DOMAIN_JOB_NONE && nparams == 0, "no job");
    CHECK(virDomainAbortJob(dom) < 0 &&
          virGetLastErrorCode() == VIR_ERR_OPERATION_INVALID, "abort without job");
    return 0;
}

/* Child mode: open a fresh connection and report the domain's state. */
static int
childState(const char *name)
{
    virConnectPtr c = virConnectOpen(uri);
    virDomainPtr d;
    int state = -1, reason = -1;


    int ret = 100;

    if (c && (d = virDomainLookupByName(c, name))) {
        if (virDomainGetState(d, &state, &reason, 0) == 0)
            ret = state;
        virDomainFree(d);
    }
    if (c)
        virConnectClose(c);
    return ret;
}

static int
childSuspend(const char *name)
{
    virConnectPtr c = virConnectOpen(uri);
    virDomainPtr d;

    int ret = 1;

    if (c && (d = virDomainLookupByName(c, name))) {
        if (virDomainSuspend(d) == 0)
            ret = 0;
        virDomainFree(d);
    }
    if (c)
        virConnectClose(c);
    return ret;
}

static int
spawnSelf(const char *mode, GPid *pid)
{
    const char *argv[] = { selfpath, mode, root, "testvm", NULL };
    g_autoptr(GError) err = NULL;

    if (!g_spawn_async(NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                       NULL, NULL, pid, &err)) {
        printf("# spawn: %s\n", err->message);
        return -1;
    }
    return 0;
}

static int
waitChild(GPid pid, int timeout_ms)
{
    int status;
    int waited = 0;

    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (waited >= timeout_ms)
            return -2;
        g_usleep(20000);
        waited += 20;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
testSecondProcess(void)
{
    GPid pid;

    CHECK(spawnSelf("--child-state", &pid) == 0, "spawn");
    CHECK(waitChild(pid, 30000) == VIR_DOMAIN_RUNNING, "child saw the domain running");
    return 0;
}

static int
testSerialised(void)
{
    g_autofree char *lockpath = g_strdup_printf("%s/lock/testvm.lock", root);
    int fd = open(lockpath, O_RDWR | O_CREAT, 0600);
    int state = -1, reason = -1;
    GPid pid;
    int rc;

    CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0, "take the domain lock");
    if (spawnSelf("--child-suspend", &pid) < 0) {
        close(fd);
        return -1;
    }
    /* the child's change must wait for our lock */
    rc = waitChild(pid, 700);
    if (rc != -2) {
        close(fd);
        CHECK(rc == -2, "child changed the domain while the lock was held (rc %d)", rc);
    }
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_RUNNING, "still running while locked");
    close(fd);
    CHECK(waitChild(pid, 30000) == 0, "child suspended after the lock was released");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_PAUSED, "paused by the child");
    CHECK(virDomainResume(dom) == 0, "resume");
    return 0;
}

static int
testCrashBehindOurBack(void)
{
    pid_t pid = domainPid("testvm");
    g_autofree char *sock = g_strdup_printf("%s/run/testvm.qmp", root);
    g_autofree char *pidfile = g_strdup_printf("%s/run/testvm.pid", root);
    int state = -1, reason = -1;
    int i;

    CHECK(pid > 0, "pid");
    kill(pid, SIGKILL);
    for (i = 0; i < 500 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(!testApiProcessAlive(pid), "qemu killed");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0, "state after kill");
    CHECK(state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_CRASHED,
          "state %d reason %d", state, reason);
    CHECK(!g_file_test(sock, G_FILE_TEST_EXISTS), "monitor socket left behind");
    CHECK(!g_file_test(pidfile, G_FILE_TEST_EXISTS), "pid file left behind");
    CHECK(virDomainIsActive(dom) == 0, "inactive");
    return 0;
}

/* Write the same data offline into a fresh image and compare. */
static int
testDataAfterDestroy(void)
{
    g_autofree char *vda = diskPath("vda.qcow2");
    g_autofree char *expect = diskPath("expect.qcow2");
    char *out = NULL;
    int state = -1, reason = -1;
    const char *mk[] = { "qemu-img", "create", "-q", "-f", "qcow2", expect, "64M", NULL };
    const char *io[] = { "qemu-io", "-f", "qcow2", "-c", "write -P 0x5a 0 1M",
                         "-c", "write -P 0x77 8M 128k", expect, NULL };
    const char *cmp[] = { "qemu-img", "compare", "-q", vda, expect, NULL };

    /* the crash lost nothing written before it was flushed: start again
     * and write once more, then stop cleanly */
    CHECK(virDomainCreate(dom) == 0, "restart");
    domainPid("testvm");
    CHECK(virDomainQemuMonitorCommand(dom,
            "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x5a 0 1M\"",
            &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) == 0, "write");
    free(out);
    out = NULL;
    CHECK(virDomainQemuMonitorCommand(dom,
            "qemu-io -d virtio-disk0/virtio-backend \"write -P 0x77 8M 128k\"",
            &out, VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP) == 0, "write 2");
    free(out);
    CHECK(virDomainDestroy(dom) == 0, "destroy");
    CHECK(virDomainGetState(dom, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_DESTROYED,
          "state %d reason %d", state, reason);
    {
        g_autofree char *o1 = NULL;
        g_autofree char *o2 = NULL;
        CHECK(testApiRunCmd(mk, &o1) && testApiRunCmd(io, &o2), "expected image");
    }
    CHECK(testApiRunCmd(cmp, NULL), "disk content differs from the expected image");
    return 0;
}

/* libvirt's dumpxml of a plain VM, from the optional corpus, defines and
 * runs as it is (only its disks' folder is filled in). */
static int
testCorpusDomain(void)
{
    g_autofree char *dir = g_build_filename(diskdir, "corpus", NULL);
    g_autofree char *xml = testApiCorpusDomainXML(dir);
    g_autofree char *name = NULL;
    virDomainPtr d;
    pid_t pid;
    int state = -1, reason = -1;

    if (!xml)
        return testApiSkipBecause("libvirt's XML corpus not found (set "
                                  "FLEECE_LIBVIRT_CORPUS to its directory)");
    g_mkdir(dir, 0700);
    CHECK(makeDisk("corpus/vda.qcow2") && makeDisk("corpus/vdb.qcow2"), "disks");
    d = virDomainDefineXML(conn, xml);
    CHECK(d, "define libvirt's dumpxml");
    name = g_strdup(virDomainGetName(d));
    CHECK(virDomainCreate(d) == 0, "start");
    pid = domainPid(name);
    CHECK(virDomainGetState(d, &state, &reason, 0) == 0 &&
          state == VIR_DOMAIN_RUNNING, "state %d", state);
    CHECK(virDomainDestroy(d) == 0, "destroy");
    CHECK(!testApiProcessAlive(pid), "qemu gone");
    CHECK(virDomainUndefine(d) == 0, "undefine");
    virDomainFree(d);
    return 0;
}

static int
testTransient(void)
{
    g_autofree char *xml = domainXML();
    g_autoptr(GString) s = g_string_new(xml);
    virDomainPtr t;
    pid_t pid;

    g_string_replace(s, "testvm", "lvtrans", 0);
    g_string_replace(s, "5f0c2a8e", "7f0c2a8e", 0);
    g_string_replace(s, "vdb.qcow2", "vdc.qcow2", 0);
    g_string_replace(s, "vda.qcow2", "vdd.qcow2", 0);
    g_string_replace(s, "<memballoon", "<channel type='unix'><target type='virtio' "
                     "name='org.qemu.guest_agent.0'/></channel>\n    <memballoon", 1);
    CHECK(makeDisk("vdc.qcow2") && makeDisk("vdd.qcow2"), "disks");
    t = virDomainCreateXML(conn, s->str, VIR_DOMAIN_START_PAUSED);
    CHECK(t, "create transient");
    pid = domainPid("lvtrans");
    CHECK(virDomainIsPersistent(t) == 0 && virDomainIsActive(t) == 1, "transient, active");
    /* the agent channel exists, but no guest answers on it */
    CHECK(virDomainFSFreeze(t, NULL, 0, 0) < 0 &&
          virGetLastErrorCode() == VIR_ERR_AGENT_UNRESPONSIVE, "freeze with a silent agent");
    CHECK(virDomainDestroy(t) == 0, "destroy transient");
    CHECK(!testApiProcessAlive(pid), "qemu gone");
    virDomainFree(t);
    t = virDomainLookupByName(conn, "lvtrans");
    CHECK(!t && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN, "transient domain vanished");
    return 0;
}

/* A guest that powers itself off: a boot sector that writes the ACPI
 * sleep command (S5) to the power-management port, booted by the
 * firmware.  QEMU stays in its 'shutdown' state; the next state query
 * finds it, quits QEMU and reports the domain shut off by the guest. */
static int
testGuestPowerOff(void)
{
    static const unsigned char code[] = {
        0xBA, 0x04, 0x06,         /* mov dx, 0x604 */
        0xB8, 0x00, 0x20,         /* mov ax, 0x2000 (SLP_EN) */
        0xEF,                     /* out dx, ax */
        0xF4,                     /* hlt */
        0xEB, 0xFD,               /* jmp back to hlt */
    };
    g_autofree char *img = g_build_filename(diskdir, "boot.raw", NULL);
    g_autofree char *xml = NULL;
    g_autofree unsigned char *sector = g_new0(unsigned char, 1024 * 1024);
    int state = -1, reason = -1;
    virDomainPtr d;
    pid_t pid;
    int i;

    memcpy(sector, code, sizeof(code));
    sector[510] = 0x55;
    sector[511] = 0xAA;
    CHECK(g_file_set_contents(img, (const char *) sector, 1024 * 1024, NULL), "image");
    xml = g_strdup_printf(
        "<domain type='%s'><name>lvboot</name><memory unit='MiB'>64</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
        "<disk type='file' device='disk'><driver name='qemu' type='raw'/>"
        "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
        "</devices></domain>", testApiKVMUsable() ? "kvm" : "qemu", img);
    CHECK((d = virDomainDefineXML(conn, xml)), "define");
    CHECK(virDomainCreate(d) == 0, "start");
    pid = domainPid("lvboot");
    for (i = 0; i < 600; i++) {
        CHECK(virDomainGetState(d, &state, &reason, 0) == 0, "state");
        if (state == VIR_DOMAIN_SHUTOFF)
            break;
        g_usleep(50000);
    }
    CHECK(state == VIR_DOMAIN_SHUTOFF && reason == VIR_DOMAIN_SHUTOFF_SHUTDOWN,
          "state %d reason %d", state, reason);
    for (i = 0; i < 200 && testApiProcessAlive(pid); i++)
        g_usleep(10000);
    CHECK(!testApiProcessAlive(pid), "QEMU quit");
    CHECK(virDomainUndefine(d) == 0, "undefine");
    virDomainFree(d);
    return 0;
}

/* A definition without <uuid> gets one, kept across processes. */
static int
testGeneratedUUID(void)
{
    g_autofree char *xml = domainXML();
    g_autoptr(GString) s = g_string_new(xml);
    char uuid1[VIR_UUID_STRING_BUFLEN], uuid2[VIR_UUID_STRING_BUFLEN];
    virDomainPtr d, again;

    g_string_replace(s, "testvm", "lvnouuid", 0);
    g_string_replace(s, "  <uuid>5f0c2a8e-9d41-4b7a-8c3e-2b6f1d0e7a93</uuid>\n", "", 1);
    CHECK(!strstr(s->str, "<uuid>"), "uuid removed");
    CHECK((d = virDomainDefineXML(conn, s->str)), "define without uuid");
    CHECK(virDomainGetUUIDString(d, uuid1) == 0 &&
          !g_str_equal(uuid1, "00000000-0000-0000-0000-000000000000"), "generated %s", uuid1);
    CHECK((again = virDomainLookupByUUIDString(conn, uuid1)), "lookup by the generated uuid");
    CHECK(virDomainGetUUIDString(again, uuid2) == 0 && g_str_equal(uuid1, uuid2), "stable");
    CHECK(virDomainUndefine(d) == 0, "undefine");
    virDomainFree(again);
    virDomainFree(d);
    return 0;
}

static int
testUndefine(void)
{
    virDomainPtr d;
    virDomainPtr *list = NULL;
    int n;

    CHECK(virDomainUndefine(dom) == 0, "undefine");
    d = virDomainLookupByName(conn, "testvm");
    CHECK(!d && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN, "lookup after undefine");
    n = virConnectListAllDomains(conn, &list, 0);
    CHECK(n == 0, "domains left: %d", n);
    free(list);
    return 0;
}

int
main(int argc, char **argv)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *img = g_find_program_in_path("qemu-img");

    if (argc == 4 && g_str_has_prefix(argv[1], "--child-")) {
        root = argv[2];
        uri = g_strdup_printf("qemu:///embed?root=%s", root);
        if (g_str_equal(argv[1], "--child-state"))
            return childState(argv[3]);
        return childSuspend(argv[3]);
    }
    if (!qemu || !img) {
        printf("1..0 # SKIP qemu-system-x86_64 or qemu-img not found\n");
        return 0;
    }
    selfpath = g_canonicalize_filename(argv[0], NULL);
    root = g_dir_make_tmp("fleece-driver-XXXXXX", NULL);
    diskdir = g_build_filename(root, "disks", NULL);
    g_mkdir(diskdir, 0700);
    uri = g_strdup_printf("qemu:///embed?root=%s", root);
    eventsSeen = g_string_new(NULL);
    if (virEventRegisterDefaultImpl() < 0)
        return 1;
    g_thread_unref(g_thread_new("events", eventLoopThread, NULL));
    if (!makeDisk("vda.qcow2") || !makeDisk("vdb.qcow2"))
        return 1;

    testApiRun("open embedded connection", testOpen);
    if (conn) {
        testApiRun("unknown URIs are refused", testUnknownURI);
        testApiRun("register lifecycle events", testRegisterEvents);
        testApiRun("define the domain", testDefine);
        if (dom) {
            testApiRun("read-only connection refuses changes", testReadOnly);
            testApiRun("failed start leaves nothing behind", testStartFailsCleanly);
            testApiRun("start", testStart);
            testApiRun("live XML with aliases and backing chain", testLiveXML);
            testApiRun("guest agent missing", testAgentMissing);
            testApiRun("guest writes and QMP through the monitor", testGuestWriteAndQMP);
            testApiRun("suspend and resume", testSuspendResume);
            testApiRun("info and job API without a job", testInfoAndJobs);
            testApiRun("a second process reconnects", testSecondProcess);
            testApiRun("changes from two processes are serialised", testSerialised);
            testApiRun("QEMU killed behind our back", testCrashBehindOurBack);
            testApiRun("data written through the guest path, byte for byte", testDataAfterDestroy);
            testApiRun("lifecycle events delivered from the loop", testEventsDelivered);
            testApiRun("transient domain", testTransient);
            testApiRun("libvirt's own domain XML defines and runs unchanged",
                       testCorpusDomain);
            testApiRun("a missing uuid is generated and kept", testGeneratedUUID);
            testApiRun("a guest that powers itself off is seen shut off", testGuestPowerOff);
            testApiRun("undefine", testUndefine);
            virDomainFree(dom);
        }
        virConnectClose(conn);
    }

    /* leave nothing running, whatever happened */
    testApiRun("no QEMU left running", testApiNoLeftovers);
    {
        const char *rm[] = { "rm", "-rf", root, NULL };
        testApiRunCmd(rm, NULL);
    }
    return testApiFinish();
}

/*
 * qemuagenttest.c: the guest-agent client against a fake agent
 *
 * There is no guest OS in these tests, so the agent is played by a thread
 * serving a unix socket: it implements guest-sync-delimited, ping and the
 * fsfreeze commands with a real frozen/thawed state, and can be told to
 * hang, to answer late, to fail, or to send stale data before the sync.
 * One case also talks to the agent channel of a real QEMU (no guest, so
 * nobody answers).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutils.h"
#include "qemu_agent.h"
#include "vircommand.h"
#include "virerror.h"
#include "virjson.h"
#include "virprocess.h"

typedef enum {
    FAKE_MODE_NORMAL,
    FAKE_MODE_HANG_SYNC,     /* nothing answers (no agent in the guest) */
    FAKE_MODE_LATE_REPLY,    /* commands run, their reply comes late */
    FAKE_MODE_ERROR,         /* freeze fails */
    FAKE_MODE_STALE,         /* junk and old sync replies before the sync */
    FAKE_MODE_CLOSE,         /* the connection drops on any command */
} fakeMode;

typedef struct {
    char *dir;
    char *path;
    int listenfd;
    int stopfd[2];
    GThread *thread;
    gint mode;               /* fakeMode, atomic */
    gint frozen;             /* atomic */
    GMutex lock;
    GPtrArray *commands;     /* names received, excluding syncs */
    char *mountpoints;       /* last freeze-list argument, as text */
    char *pending;           /* late reply, sent before the next one */
} fakeAgent;

static bool
fakeWrite(int fd, const char *data)
{
    size_t len = strlen(data);

    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += n;
        len -= n;
    }
    return true;
}

/* {"return": value}\n, consuming value. */
static char *
fakeReturn(virJSONValue *value)
{
    g_autoptr(virJSONValue) obj = json_object_new_object();
    g_autofree char *text = NULL;

    json_object_object_add(obj, "return", value);
    text = virJSONValueToString(obj, false);
    return g_strdup_printf("%s\n", text);
}

static char *
fakeError(const char *desc)
{
    g_autoptr(virJSONValue) obj = json_object_new_object();
    virJSONValue *err = json_object_new_object();
    g_autofree char *text = NULL;

    json_object_object_add(err, "class", json_object_new_string("GenericError"));
    json_object_object_add(err, "desc", json_object_new_string(desc));
    json_object_object_add(obj, "error", err);
    text = virJSONValueToString(obj, false);
    return g_strdup_printf("%s\n", text);
}

/* Answer one request line; false to drop the connection. */
static bool
fakeHandle(fakeAgent *fake, int fd, const char *line)
{
    g_autoptr(virJSONValue) req = virJSONValueFromString(line);
    g_autofree char *reply = NULL;
    fakeMode mode = g_atomic_int_get(&fake->mode);
    const char *cmd;
    virJSONValue *args;

    if (!req || !(cmd = virJSONValueObjectGetString(req, "execute"))) {
        virResetLastError();
        return fakeWrite(fd, "{\"error\":{\"class\":\"GenericError\","
                             "\"desc\":\"Invalid JSON syntax\"}}\n");
    }
    args = virJSONValueObjectGet(req, "arguments");

    if (g_str_equal(cmd, "guest-sync-delimited")) {
        unsigned long long id = 0;
        g_autofree char *sync = NULL;

        if (mode == FAKE_MODE_HANG_SYNC)
            return true;
        if (mode == FAKE_MODE_CLOSE)
            return false;
        if (virJSONValueObjectGetNumberULong(args, "id", &id) < 0)
            return false;
        g_mutex_lock(&fake->lock);
        if (fake->pending && !fakeWrite(fd, fake->pending)) {
            g_mutex_unlock(&fake->lock);
            return false;
        }
        g_clear_pointer(&fake->pending, g_free);
        g_mutex_unlock(&fake->lock);
        if (mode == FAKE_MODE_STALE &&
            !fakeWrite(fd, "{\"return\": 4242}\n\xff{\"return\": 777}\n"
                           "{\"return\": 0}\n"
                           "garbage{\"ret\xff\xff{\"return\": 778}\n"
                           "{\"return\": 0}\n{\"partial"))
            return false;
        sync = fakeReturn(json_object_new_int64(id));
        return fakeWrite(fd, "\xff") && fakeWrite(fd, sync);
    }

    g_mutex_lock(&fake->lock);
    g_ptr_array_add(fake->commands, g_strdup(cmd));
    g_mutex_unlock(&fake->lock);

    if (g_str_equal(cmd, "guest-ping")) {
        reply = fakeReturn(json_object_new_object());
    } else if (g_str_equal(cmd, "guest-fsfreeze-freeze") ||
               g_str_equal(cmd, "guest-fsfreeze-freeze-list")) {
        virJSONValue *list = virJSONValueObjectGet(args, "mountpoints");
        int count = list ? json_object_array_length(list) : 2;

        if (mode == FAKE_MODE_ERROR) {
            reply = fakeError("failed to freeze /: Operation not supported");
        } else if (g_atomic_int_get(&fake->frozen)) {
            reply = fakeError("Command guest-fsfreeze-freeze has been disabled");
        } else {
            g_atomic_int_set(&fake->frozen, 1);
            if (list) {
                g_mutex_lock(&fake->lock);
                g_free(fake->mountpoints);
                fake->mountpoints = virJSONValueToString(list, false);
                g_mutex_unlock(&fake->lock);
            }
            reply = fakeReturn(json_object_new_int(count));
        }
    } else if (g_str_equal(cmd, "guest-fsfreeze-thaw")) {
        int was = g_atomic_int_get(&fake->frozen);

        g_atomic_int_set(&fake->frozen, 0);
        reply = fakeReturn(json_object_new_int(was ? 2 : 0));
    } else if (g_str_equal(cmd, "guest-fsfreeze-status")) {
        reply = fakeReturn(json_object_new_string(g_atomic_int_get(&fake->frozen) ?
                                                  "frozen" : "thawed"));
    } else {
        reply = fakeError("The command has not been found");
    }

    if (mode == FAKE_MODE_LATE_REPLY) {
        g_mutex_lock(&fake->lock);
        g_free(fake->pending);
        fake->pending = g_steal_pointer(&reply);
        g_mutex_unlock(&fake->lock);
        return true;
    }
    return fakeWrite(fd, reply);
}

/* Wait until fd is readable; false when asked to stop. */
static bool
fakeWait(fakeAgent *fake, int fd)
{
    struct pollfd pfd[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = fake->stopfd[0], .events = POLLIN },
    };

    while (poll(pfd, 2, -1) < 0) {
        if (errno != EINTR)
            return false;
    }
    return !pfd[1].revents;
}

static void
fakeServe(fakeAgent *fake, int fd)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    while (fakeWait(fake, fd)) {
        char chunk[1024];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        char *nl;

        if (n <= 0)
            return;
        g_string_append_len(buf, chunk, n);
        while ((nl = memchr(buf->str, '\n', buf->len))) {
            g_autofree char *line = g_strndup(buf->str, nl - buf->str);

            g_string_erase(buf, 0, nl - buf->str + 1);
            /* 0xFF from the client flushes partial input */
            if (strrchr(line, '\xff'))
                memmove(line, strrchr(line, '\xff') + 1,
                        strlen(strrchr(line, '\xff') + 1) + 1);
            if (*line && !fakeHandle(fake, fd, line))
                return;
        }
    }
}

static gpointer
fakeThread(gpointer opaque)
{
    fakeAgent *fake = opaque;

    while (fakeWait(fake, fake->listenfd)) {
        int fd = accept(fake->listenfd, NULL, NULL);

        if (fd < 0)
            continue;
        fakeServe(fake, fd);
        close(fd);
    }
    return NULL;
}

static void
fakeAgentFree(fakeAgent *fake)
{
    if (!fake)
        return;
    if (fake->thread) {
        if (write(fake->stopfd[1], "x", 1) < 0)
            virTestDiag("cannot stop the fake agent");
        g_thread_join(fake->thread);
    }
    close(fake->stopfd[0]);
    close(fake->stopfd[1]);
    if (fake->listenfd >= 0)
        close(fake->listenfd);
    unlink(fake->path);
    rmdir(fake->dir);
    g_free(fake->path);
    g_free(fake->dir);
    g_ptr_array_unref(fake->commands);
    g_free(fake->mountpoints);
    g_free(fake->pending);
    g_mutex_clear(&fake->lock);
    g_free(fake);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(fakeAgent, fakeAgentFree);

static fakeAgent *
fakeAgentNew(fakeMode mode)
{
    g_autoptr(fakeAgent) fake = g_new0(fakeAgent, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    g_mutex_init(&fake->lock);
    fake->commands = g_ptr_array_new_with_free_func(g_free);
    fake->listenfd = -1;
    fake->mode = mode;
    if (pipe(fake->stopfd) < 0)
        return NULL;
    fake->dir = g_dir_make_tmp("fleece-agent-XXXXXX", NULL);
    fake->path = g_build_filename(fake->dir, "vm.agent", NULL);
    g_strlcpy(addr.sun_path, fake->path, sizeof(addr.sun_path));
    if ((fake->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(fake->listenfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fake->listenfd, 4) < 0)
        return NULL;
    fake->thread = g_thread_new("fake-agent", fakeThread, fake);
    return g_steal_pointer(&fake);
}

/* The commands the fake received so far, joined by spaces. */
static char *
fakeCommands(fakeAgent *fake)
{
    g_autofree char *ret = NULL;

    g_mutex_lock(&fake->lock);
    g_ptr_array_add(fake->commands, NULL);
    ret = g_strjoinv(" ", (char **)fake->commands->pdata);
    g_ptr_array_remove_index(fake->commands, fake->commands->len - 1);
    g_mutex_unlock(&fake->lock);
    return g_steal_pointer(&ret);
}


static int
testArgv(const void *data G_GNUC_UNUSED)
{
    g_auto(GStrv) argv = qemuAgentBuildArgv("/run/fleece/a,b/vm.agent");
    g_autofree char *joined = g_strjoinv("\n", argv);

    return virTestCompareStrings(
        "-chardev\n"
        "socket,id=charchannel0,path=/run/fleece/a,,b/vm.agent,server=on,wait=off\n"
        "-device\n"
        "virtio-serial-pci,id=virtio-serial0\n"
        "-device\n"
        "virtserialport,bus=virtio-serial0.0,nr=1,chardev=charchannel0,"
        "id=channel0,name=org.qemu.guest_agent.0", joined);
}

static int
testFreezeThaw(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_NORMAL);
    g_autoptr(qemuAgent) agent = NULL;
    g_autofree char *cmds = NULL;

    if (!fake || !(agent = qemuAgentOpen(fake->path, 2000)))
        return -1;
    if (qemuAgentPing(agent) < 0)
        return -1;
    if (qemuAgentFSFreezeGetStatus(agent) != QEMU_AGENT_FSFREEZE_STATUS_THAWED)
        return -1;
    if (qemuAgentFSFreeze(agent, NULL) != 2 || !g_atomic_int_get(&fake->frozen))
        return -1;
    if (qemuAgentFSFreezeGetStatus(agent) != QEMU_AGENT_FSFREEZE_STATUS_FROZEN)
        return -1;
    if (qemuAgentFSThaw(agent) != 2 || g_atomic_int_get(&fake->frozen))
        return -1;
    if (qemuAgentFSFreezeGetStatus(agent) != QEMU_AGENT_FSFREEZE_STATUS_THAWED)
        return -1;
    cmds = fakeCommands(fake);
    return virTestCompareStrings("guest-ping guest-fsfreeze-status "
                                 "guest-fsfreeze-freeze guest-fsfreeze-status "
                                 "guest-fsfreeze-thaw guest-fsfreeze-status",
                                 cmds);
}

static int
testFreezeList(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_NORMAL);
    g_autoptr(qemuAgent) agent = NULL;
    const char *mounts[] = { "/", "/var/lib/data", NULL };
    const char *empty[] = { NULL };

    if (!fake || !(agent = qemuAgentOpen(fake->path, 2000)))
        return -1;
    if (qemuAgentFSFreeze(agent, mounts) != 2)
        return -1;
    if (virTestCompareStrings("[\"/\",\"/var/lib/data\"]", fake->mountpoints) < 0)
        return -1;
    /* already frozen: the agent's error comes back with its text */
    if (qemuAgentFSFreeze(agent, empty) != -1 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "has been disabled") < 0)
        return -1;
    return qemuAgentFSThaw(agent) == 2 ? 0 : -1;
}

/* Nothing answers the sync: unresponsive after the timeout, and nothing
 * was executed. */
static int
testHang(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_HANG_SYNC);
    g_autoptr(qemuAgent) agent = NULL;
    g_autofree char *cmds = NULL;
    gint64 start = g_get_monotonic_time();

    if (!fake || !(agent = qemuAgentOpen(fake->path, 300)))
        return -1;
    if (qemuAgentFSFreeze(agent, NULL) != -1 ||
        virTestCheckError(VIR_ERR_AGENT_UNRESPONSIVE, "guest-sync-delimited") < 0)
        return -1;
    if (g_get_monotonic_time() - start > 5 * G_USEC_PER_SEC ||
        g_atomic_int_get(&fake->frozen))
        return -1;
    cmds = fakeCommands(fake);
    return virTestCompareStrings("", cmds);
}

/* The agent froze but answered late: the client times out; the next
 * command must skip that late reply and get its own. */
static int
testLateReply(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_LATE_REPLY);
    g_autoptr(qemuAgent) agent = NULL;

    if (!fake || !(agent = qemuAgentOpen(fake->path, 300)))
        return -1;
    if (qemuAgentFSFreeze(agent, NULL) != -1 ||
        virTestCheckError(VIR_ERR_AGENT_UNRESPONSIVE, "guest-fsfreeze-freeze") < 0)
        return -1;
    if (!g_atomic_int_get(&fake->frozen))
        return -1;
    g_atomic_int_set(&fake->mode, FAKE_MODE_NORMAL);
    virResetLastError();
    /* the late "return: 2" of freeze is sent before this sync's reply */
    if (qemuAgentFSFreezeGetStatus(agent) != QEMU_AGENT_FSFREEZE_STATUS_FROZEN)
        return -1;
    return qemuAgentFSThaw(agent) == 2 && !g_atomic_int_get(&fake->frozen) ?
        0 : -1;
}

static int
testErrorReply(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_ERROR);
    g_autoptr(qemuAgent) agent = NULL;

    if (!fake || !(agent = qemuAgentOpen(fake->path, 2000)))
        return -1;
    if (qemuAgentFSFreeze(agent, NULL) != -1 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED,
                       "failed to freeze /: Operation not supported") < 0 ||
        virTestCheckError(VIR_ERR_OPERATION_FAILED, "guest-fsfreeze-freeze") < 0)
        return -1;
    if (g_atomic_int_get(&fake->frozen))
        return -1;
    return qemuAgentFSFreezeGetStatus(agent) == QEMU_AGENT_FSFREEZE_STATUS_THAWED ?
        0 : -1;
}

static int
testStale(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_STALE);
    g_autoptr(qemuAgent) agent = NULL;

    if (!fake || !(agent = qemuAgentOpen(fake->path, 2000)))
        return -1;
    if (qemuAgentPing(agent) < 0 || qemuAgentFSFreeze(agent, NULL) != 2 ||
        qemuAgentFSFreezeGetStatus(agent) != QEMU_AGENT_FSFREEZE_STATUS_FROZEN ||
        qemuAgentFSThaw(agent) != 2)
        return -1;
    return 0;
}

static int
testClosed(const void *data G_GNUC_UNUSED)
{
    g_autoptr(fakeAgent) fake = fakeAgentNew(FAKE_MODE_CLOSE);
    g_autoptr(qemuAgent) agent = NULL;
    g_autofree char *missing = NULL;

    if (!fake || !(agent = qemuAgentOpen(fake->path, 2000)))
        return -1;
    if (qemuAgentPing(agent) != -1 ||
        virTestCheckError(VIR_ERR_AGENT_UNRESPONSIVE, "closed") < 0)
        return -1;
    missing = g_build_filename(fake->dir, "missing.agent", NULL);
    if (qemuAgentOpen(missing, 100) ||
        virTestCheckError(VIR_ERR_AGENT_UNRESPONSIVE, missing) < 0)
        return -1;
    return 0;
}

/* A real QEMU with the agent channel but no guest: QEMU accepts the
 * connection, nobody answers. */
static int
testRealQEMU(const void *data G_GNUC_UNUSED)
{
    g_autofree char *qemu = g_find_program_in_path("qemu-system-x86_64");
    g_autofree char *dir = NULL;
    g_autofree char *sock = NULL;
    g_autofree char *log = NULL;
    g_autoptr(virCommand) cmd = NULL;
    g_autoptr(qemuAgent) agent = NULL;
    g_auto(GStrv) argv = NULL;
    pid_t pid = -1;
    int i;
    int rc = -1;

    if (!qemu)
        return virTestSkipBecause("qemu-system-x86_64 not found");
    dir = g_dir_make_tmp("fleece-agent-qemu-XXXXXX", NULL);
    sock = g_build_filename(dir, "vm.agent", NULL);
    log = g_build_filename(dir, "vm.log", NULL);
    argv = qemuAgentBuildArgv(sock);
    cmd = virCommandNewArgList(qemu, "-machine", "pc,accel=tcg", "-nodefaults",
                               "-display", "none", "-S", "-m", "64", NULL);
    virCommandAddArgSet(cmd, (const char *const *)argv);
    if (virCommandRunDetached(cmd, log, &pid) < 0)
        goto cleanup;
    /* QEMU makes the socket file when it binds and accepts only once it
     * listens: connect until it does (30 s at most, a loaded machine) */
    for (i = 0; i < 3000 && !(agent = qemuAgentOpen(sock, 300)); i++) {
        virResetLastError();
        g_usleep(10000);
    }
    if (!agent && !(agent = qemuAgentOpen(sock, 300)))
        goto cleanup;
    if (qemuAgentPing(agent) != -1 ||
        virTestCheckError(VIR_ERR_AGENT_UNRESPONSIVE, "guest-sync-delimited") < 0)
        goto cleanup;
    rc = 0;
 cleanup:
    if (rc < 0 && log) {
        g_autofree char *text = NULL;

        if (g_file_get_contents(log, &text, NULL, NULL))
            virTestDiag("QEMU log: %s", text);
    }
    if (pid > 0) {
        if (virProcessKillPainfully(pid, 5000) < 0)
            rc = -1;
        waitpid(pid, NULL, 0);
        if (virProcessExists(pid) ||
            kill(pid, 0) == 0) {
            virTestDiag("QEMU pid %d is still there", (int)pid);
            rc = -1;
        }
    }
    if (sock)
        unlink(sock);
    if (log)
        unlink(log);
    if (dir)
        rmdir(dir);
    return rc;
}

static int
mymain(void)
{
    int ret = 0;

    /* QEMU, started detached, is reparented to us so it can be reaped */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return EXIT_FAILURE;
    ret |= virTestRun("agent argv", testArgv, NULL);
    ret |= virTestRun("freeze, status, thaw", testFreezeThaw, NULL);
    ret |= virTestRun("freeze a list of mountpoints", testFreezeList, NULL);
    ret |= virTestRun("no answer is unresponsive", testHang, NULL);
    ret |= virTestRun("late reply is discarded", testLateReply, NULL);
    ret |= virTestRun("error reply", testErrorReply, NULL);
    ret |= virTestRun("stale data before sync", testStale, NULL);
    ret |= virTestRun("connection closed or missing", testClosed, NULL);
    ret |= virTestRun("real QEMU without a guest agent", testRealQEMU, NULL);
    return ret;
}

VIR_TEST_MAIN(mymain)

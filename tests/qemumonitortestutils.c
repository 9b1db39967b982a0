/*
 * qemumonitortestutils.c: a scripted fake QMP peer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemumonitortestutils.h"
#include "qemu_qmp.h"
#include "testutils.h"
#include "virerror.h"
#include "virfile.h"

/* How long the peer waits for the client before giving up. */
#define QEMU_MONITOR_TEST_WAIT_MS 10000

#define QEMU_MONITOR_TEST_GREETING \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, " \
    "\"major\": 7}, \"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, " \
    "\"capabilities\": [\"oob\"]}}"

struct _qemuMonitorTest {
    char *dir;
    char *path;
    int listenfd;
    int fd;
    char **lines;
    GThread *thread;
    bool finished;
    qemuMonitorTestCheck check;   /* for !check, may be NULL */
    void *checkOpaque;

    /* owned by the peer thread until joined */
    GString *inbuf;
    char *lastId;
    char *prevId;                 /* id of the command before lastId's */
    char *error;
};


/* Record the first failure of the peer. */
static void G_GNUC_PRINTF(2, 3)
qemuMonitorTestFail(qemuMonitorTest *test, const char *fmt, ...)
{
    va_list ap;

    if (test->error)
        return;
    va_start(ap, fmt);
    test->error = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}


/* Send a line to the client. */
static int
qemuMonitorTestSend(qemuMonitorTest *test, const char *text)
{
    g_autofree char *line = g_strdup_printf("%s\r\n", text);
    size_t len = strlen(line);
    size_t done = 0;

    while (done < len) {
        ssize_t put = send(test->fd, line + done, len - done, MSG_NOSIGNAL);

        if (put < 0) {
            if (errno == EINTR)
                continue;
            qemuMonitorTestFail(test, "cannot send to client: %s",
                                g_strerror(errno));
            return -1;
        }
        done += put;
    }
    return 0;
}


/* Read one line from the client: 1 with *@line set, 0 on EOF, -1 on
 * error or when the client takes too long. */
static int
qemuMonitorTestRecvLine(qemuMonitorTest *test, char **line)
{
    for (;;) {
        char *nl = memchr(test->inbuf->str, '\n', test->inbuf->len);
        struct pollfd pfd = { .fd = test->fd, .events = POLLIN };
        char chunk[4096];
        ssize_t got;
        int rc;

        if (nl) {
            size_t len = nl - test->inbuf->str;

            *line = g_strstrip(g_strndup(test->inbuf->str, len));
            g_string_erase(test->inbuf, 0, len + 1);
            if (**line)
                return 1;
            g_clear_pointer(line, g_free);
            continue;
        }
        rc = poll(&pfd, 1, QEMU_MONITOR_TEST_WAIT_MS);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0) {
            qemuMonitorTestFail(test, "client sent nothing for %d ms",
                                QEMU_MONITOR_TEST_WAIT_MS);
            return -1;
        }
        got = recv(test->fd, chunk, sizeof(chunk), 0);
        if (got < 0 && errno == EINTR)
            continue;
        /* a client that closes with unread events gets reset: a close */
        if (got < 0 && errno == ECONNRESET)
            got = 0;
        if (got < 0) {
            qemuMonitorTestFail(test, "cannot read from client: %s",
                                g_strerror(errno));
            return -1;
        }
        if (got == 0) {
            if (test->inbuf->len > 0) {
                qemuMonitorTestFail(test, "client sent an incomplete line");
                return -1;
            }
            return 0;
        }
        g_string_append_len(test->inbuf, chunk, got);
    }
}


/* Expect the command @want (JSON text) from the client. */
static int
qemuMonitorTestExpect(qemuMonitorTest *test, const char *want)
{
    g_autoptr(virJSONValue) expected = json_tokener_parse(want);
    g_autoptr(virJSONValue) got = NULL;
    g_autofree char *line = NULL;
    virJSONValue *id;
    int rc;

    if (!expected) {
        qemuMonitorTestFail(test, "bad JSON in transcript: %s", want);
        return -1;
    }
    if ((rc = qemuMonitorTestRecvLine(test, &line)) < 0)
        return -1;
    if (rc == 0) {
        qemuMonitorTestFail(test, "client closed, command missing: %s", want);
        return -1;
    }
    if (!(got = json_tokener_parse(line))) {
        qemuMonitorTestFail(test, "client sent malformed JSON: %s", line);
        return -1;
    }
    g_free(test->prevId);
    test->prevId = g_steal_pointer(&test->lastId);
    if (json_object_object_get_ex(got, "id", &id)) {
        test->lastId = g_strdup(json_object_get_string(id));
        json_object_object_del(got, "id");
    }
    if (!json_object_equal(expected, got)) {
        qemuMonitorTestFail(test, "unexpected command\n  expected: %s\n  got:      %s",
                            want, line);
        /* tell the client too, as QEMU would */
        qemuMonitorTestSend(test, "{\"error\": {\"class\": \"GenericError\", "
                                  "\"desc\": \"unexpected command\"}}");
        return -1;
    }
    return 0;
}


/* Send @text, giving a reply the id of the last command (or, @late, of
 * the command before it). */
static int
qemuMonitorTestPlay(qemuMonitorTest *test, const char *text, bool late)
{
    const char *useId = late ? test->prevId : test->lastId;
    g_autoptr(virJSONValue) msg = json_tokener_parse(text);
    g_autofree char *out = NULL;

    if (!msg || !json_object_is_type(msg, json_type_object)) {
        qemuMonitorTestFail(test, "bad JSON in transcript: %s", text);
        return -1;
    }
    if (!json_object_object_get_ex(msg, "event", NULL) &&
        !json_object_object_get_ex(msg, "QMP", NULL) &&
        !json_object_object_get_ex(msg, "id", NULL) && useId)
        json_object_object_add(msg, "id", json_object_new_string(useId));
    out = g_strdup(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_SPACED));
    return qemuMonitorTestSend(test, out);
}


/* Wait for the next client and take its connection. */
static int
qemuMonitorTestAccept(qemuMonitorTest *test)
{
    struct pollfd pfd = { .fd = test->listenfd, .events = POLLIN };

    if (poll(&pfd, 1, QEMU_MONITOR_TEST_WAIT_MS) <= 0 ||
        (test->fd = accept(test->listenfd, NULL, NULL)) < 0) {
        qemuMonitorTestFail(test, "no client connected");
        return -1;
    }
    return 0;
}


/* The current client must close without sending anything more; then
 * the next client is accepted. */
static int
qemuMonitorTestReconnect(qemuMonitorTest *test)
{
    g_autofree char *extra = NULL;
    int rc = qemuMonitorTestRecvLine(test, &extra);

    if (rc > 0)
        qemuMonitorTestFail(test, "unexpected command before reconnecting: %s", extra);
    if (rc != 0)
        return -1;
    close(test->fd);
    test->fd = -1;
    g_string_truncate(test->inbuf, 0);
    g_clear_pointer(&test->lastId, g_free);
    g_clear_pointer(&test->prevId, g_free);
    return qemuMonitorTestAccept(test);
}


/* The peer: accept a client and play the transcript. */
static gpointer
qemuMonitorTestThread(gpointer opaque)
{
    qemuMonitorTest *test = opaque;
    size_t i;

    if (qemuMonitorTestAccept(test) < 0)
        return NULL;

    for (i = 0; test->lines[i]; i++) {
        const char *line = test->lines[i];
        int rc = 0;

        while (g_ascii_isspace(*line))
            line++;
        if (!*line || *line == '#')
            continue;
        if (g_str_has_prefix(line, "-> ")) {
            rc = qemuMonitorTestExpect(test, line + 3);
        } else if (g_str_has_prefix(line, "<- ")) {
            rc = qemuMonitorTestPlay(test, line + 3, false);
        } else if (g_str_has_prefix(line, "<~ ")) {
            rc = qemuMonitorTestPlay(test, line + 3, true);
        } else if (g_str_equal(line, "!handshake")) {
            if ((rc = qemuMonitorTestPlay(test, QEMU_MONITOR_TEST_GREETING, false)) == 0 &&
                (rc = qemuMonitorTestExpect(test, "{\"execute\": \"qmp_capabilities\"}")) == 0)
                rc = qemuMonitorTestPlay(test, "{\"return\": {}}", false);
        } else if (g_str_has_prefix(line, "!raw ")) {
            rc = qemuMonitorTestSend(test, line + 5);
        } else if (g_str_has_prefix(line, "!big ")) {
            size_t n = g_ascii_strtoull(line + 5, NULL, 10);
            g_autofree char *pad = g_strnfill(n, 'x');
            g_autofree char *big = g_strdup_printf("{\"return\": \"%s\"}", pad);

            rc = qemuMonitorTestPlay(test, big, false);
        } else if (g_str_has_prefix(line, "!sleep ")) {
            g_usleep(g_ascii_strtoull(line + 7, NULL, 10) * 1000);
        } else if (g_str_equal(line, "!reconnect")) {
            rc = qemuMonitorTestReconnect(test);
        } else if (g_str_has_prefix(line, "!check ")) {
            if (!test->check) {
                qemuMonitorTestFail(test, "no checker for: %s", line);
                rc = -1;
            } else if (test->check(line + 7, test->checkOpaque) < 0) {
                qemuMonitorTestFail(test, "check failed: %s", line + 7);
                rc = -1;
            }
        } else if (g_str_equal(line, "!eof")) {
            shutdown(test->fd, SHUT_RDWR);
            return NULL;
        } else {
            qemuMonitorTestFail(test, "bad transcript line: %s", line);
            rc = -1;
        }
        if (rc < 0)
            return NULL;
    }

    /* The transcript is over: the client may only close now. */
    {
        g_autofree char *extra = NULL;

        if (qemuMonitorTestRecvLine(test, &extra) > 0)
            qemuMonitorTestFail(test, "unexpected command after the end: %s",
                                extra);
    }
    return NULL;
}


qemuMonitorTest *
qemuMonitorTestNew(const char *text)
{
    return qemuMonitorTestNewFull(text, NULL, NULL, NULL);
}


qemuMonitorTest *
qemuMonitorTestNewFull(const char *text, const char *sockpath,
                       qemuMonitorTestCheck check, void *opaque)
{
    g_autoptr(qemuMonitorTest) test = g_new0(qemuMonitorTest, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    test->listenfd = -1;
    test->fd = -1;
    test->inbuf = g_string_new(NULL);
    test->lines = g_strsplit(text, "\n", -1);
    test->check = check;
    test->checkOpaque = opaque;
    if (sockpath) {
        test->path = g_strdup(sockpath);
    } else {
        if (!(test->dir = g_dir_make_tmp("fleece-qmp-XXXXXX", NULL))) {
            virTestDiag("cannot create a temporary directory");
            return NULL;
        }
        test->path = g_build_filename(test->dir, "qmp.sock", NULL);
    }
    g_strlcpy(addr.sun_path, test->path, sizeof(addr.sun_path));
    if ((test->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(test->listenfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 ||
        listen(test->listenfd, 1) < 0) {
        virTestDiag("cannot listen on '%s': %s", test->path,
                    g_strerror(errno));
        return NULL;
    }
    test->thread = g_thread_new("qmp-peer", qemuMonitorTestThread, test);
    return g_steal_pointer(&test);
}


qemuMonitorTest *
qemuMonitorTestNewFromFile(const char *path)
{
    g_autofree char *text = virTestLoadFile(path);

    if (!text) {
        virTestDiag("cannot read transcript '%s'", path);
        return NULL;
    }
    return qemuMonitorTestNew(text);
}


const char *
qemuMonitorTestGetPath(qemuMonitorTest *test)
{
    return test->path;
}


int
qemuMonitorTestFinish(qemuMonitorTest *test)
{
    if (!test->finished) {
        if (test->thread)
            g_thread_join(test->thread);
        test->thread = NULL;
        test->finished = true;
        if (test->error)
            virTestDiag("fake QMP peer: %s", test->error);
    }
    return test->error ? -1 : 0;
}


void
qemuMonitorTestFree(qemuMonitorTest *test)
{
    if (!test)
        return;
    if (test->thread) {
        /* unblock a peer still waiting for a client */
        if (test->fd >= 0)
            shutdown(test->fd, SHUT_RDWR);
        if (test->listenfd >= 0)
            shutdown(test->listenfd, SHUT_RDWR);
        qemuMonitorTestFinish(test);
    }
    if (test->fd >= 0)
        close(test->fd);
    if (test->listenfd >= 0)
        close(test->listenfd);
    if (test->path)
        unlink(test->path);
    if (test->dir)
        rmdir(test->dir);
    g_free(test->path);
    g_free(test->dir);
    g_strfreev(test->lines);
    if (test->inbuf)
        g_string_free(test->inbuf, TRUE);
    g_free(test->lastId);
    g_free(test->prevId);
    g_free(test->error);
    g_free(test);
}


int
qemuMonitorTestCompareJSONFile(const char *actual, const char *path)
{
    g_autoptr(virJSONValue) act = json_tokener_parse(actual);
    g_autoptr(virJSONValue) exp = NULL;
    g_autofree char *text = NULL;

    if (!act) {
        virTestDiag("actual text is not JSON: %s", actual);
        return -1;
    }
    if (virTestRegenerate()) {
        g_autofree char *pretty =
            g_strdup_printf("%s\n", json_object_to_json_string_ext(act,
                                JSON_C_TO_STRING_PRETTY |
                                JSON_C_TO_STRING_SPACED |
                                JSON_C_TO_STRING_NOSLASHESCAPE));

        return virTestCompareToFile(pretty, path);
    }
    if (!(text = virTestLoadFile(path)) || !(exp = json_tokener_parse(text))) {
        virTestDiag("cannot load JSON from '%s'", path);
        return -1;
    }
    if (!json_object_equal(exp, act)) {
        virTestDiag("JSON differs from '%s':\n  actual: %s", path, actual);
        return -1;
    }
    return 0;
}


/* Fail a scenario step with a diagnostic. */
#define SCENARIO_CHECK(cond, ...) \
    do { \
        if (!(cond)) { \
            virTestDiag(__VA_ARGS__); \
            return -1; \
        } \
    } while (0)

#define SCENARIO_BITMAP "fleece-cp1"
#define SCENARIO_WRITE_LEN (1024 * 1024)

int
qemuMonitorTestScenarioBitmap(qemuMonitor *mon, const char *fmtnode,
                              const char *qdev)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPVersion) version = NULL;
    g_autoptr(qemuQMPStatus) status = NULL;
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    g_autofree char *hmp = NULL;
    g_autofree char *output = NULL;
    qemuQMPBlockNode *node;
    qemuQMPDirtyBitmap *bitmap;
    unsigned int major, minor, micro;

    qemuMonitorGetVersion(mon, &major, &minor, &micro);
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_VERSION, NULL) < 0 ||
        !(version = qemuQMPParseVersion(reply)))
        return -1;
    SCENARIO_CHECK(version->major == major && version->minor == minor &&
                   version->micro == micro,
                   "query-version %u.%u.%u differs from the greeting",
                   version->major, version->minor, version->micro);
    g_clear_pointer(&reply, virJSONValueFree);

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(status = qemuQMPParseStatus(reply)))
        return -1;
    SCENARIO_CHECK(g_str_equal(status->status, "prelaunch") && !status->running,
                   "unexpected status '%s'", status->status);
    g_clear_pointer(&reply, virJSONValueFree);

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                       "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply)))
        return -1;
    SCENARIO_CHECK((node = qemuQMPBlockNodeFind(nodes, fmtnode)) &&
                   g_str_equal(node->drv, "qcow2") &&
                   node->bitmaps->len == 0 &&
                   node->virtualSize == 64 * 1024 * 1024,
                   "node '%s' missing or not an empty 64 MiB qcow2", fmtnode);
    g_clear_pointer(&reply, virJSONValueFree);
    g_clear_pointer(&nodes, g_ptr_array_unref);

    if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                             "s:node", fmtnode, "s:name", SCENARIO_BITMAP,
                             "b:persistent", true,
                             "U:granularity", 65536ULL, NULL) < 0 ||
        qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT) < 0)
        return -1;

    hmp = g_strdup_printf("qemu-io -d %s/virtio-backend \"write -P 0x5a 0 %d\"",
                          qdev, SCENARIO_WRITE_LEN);
    if (qemuMonitorHMP(mon, hmp, QEMU_MONITOR_TIMEOUT_DEFAULT, &output) < 0)
        return -1;
    SCENARIO_CHECK(g_str_equal(output, ""), "HMP said '%s'", output);

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_NAMED_BLOCK_NODES,
                       "b:flat", true, NULL) < 0 ||
        !(nodes = qemuQMPParseNamedBlockNodes(reply)))
        return -1;
    SCENARIO_CHECK((node = qemuQMPBlockNodeFind(nodes, fmtnode)) &&
                   (bitmap = qemuQMPBlockNodeFindBitmap(node, SCENARIO_BITMAP)),
                   "bitmap '%s' not found on '%s'", SCENARIO_BITMAP, fmtnode);
    SCENARIO_CHECK(bitmap->count == SCENARIO_WRITE_LEN && bitmap->persistent &&
                   bitmap->recording && !bitmap->busy &&
                   !bitmap->inconsistent && bitmap->granularity == 65536,
                   "bitmap count %llu, persistent %d, recording %d",
                   bitmap->count, bitmap->persistent, bitmap->recording);

    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                       QEMU_QMP_QUIT, NULL) < 0)
        return -1;
    return 0;
}

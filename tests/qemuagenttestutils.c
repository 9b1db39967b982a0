/*
 * qemuagenttestutils.c: a fake guest agent for tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemuagenttestutils.h"
#include "virjson.h"

struct _qemuAgentTest {
    char *path;
    int listenfd;
    int stopfd[2];
    GThread *thread;
    qemuAgentTestMode mode;
    GMutex lock;
    bool frozen;             /* under lock */
    GPtrArray *commands;     /* under lock */
};


/* Send all of @data; false if the client went away. */
static bool
qemuAgentTestWrite(int fd, const char *data)
{
    size_t len = strlen(data);

    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return false;
        data += n;
        len -= n;
    }
    return true;
}


/* The reply line to the request @line. */
static char *
qemuAgentTestAnswer(qemuAgentTest *test, const char *line)
{
    g_autoptr(virJSONValue) req = json_tokener_parse(line);
    virJSONValue *exec = NULL;
    virJSONValue *args = NULL;
    virJSONValue *id = NULL;
    const char *cmd;

    if (!req || !json_object_object_get_ex(req, "execute", &exec))
        return g_strdup("{\"error\": {\"class\": \"GenericError\", "
                        "\"desc\": \"Invalid JSON syntax\"}}\n");
    cmd = json_object_get_string(exec);
    json_object_object_get_ex(req, "arguments", &args);

    if (g_str_equal(cmd, "guest-sync-delimited")) {
        if (!args || !json_object_object_get_ex(args, "id", &id))
            return g_strdup("{\"error\": {\"class\": \"GenericError\", "
                            "\"desc\": \"missing id\"}}\n");
        return g_strdup_printf("\xff{\"return\": %lld}\n",
                               (long long) json_object_get_int64(id));
    }

    g_mutex_lock(&test->lock);
    g_ptr_array_add(test->commands, g_strdup(cmd));
    g_mutex_unlock(&test->lock);

    if (g_str_equal(cmd, "guest-ping"))
        return g_strdup("{\"return\": {}}\n");
    if (g_str_equal(cmd, "guest-fsfreeze-freeze")) {
        g_autofree char *ret = NULL;

        g_mutex_lock(&test->lock);
        if (test->mode == QEMU_AGENT_TEST_FREEZE_FAILS)
            ret = g_strdup("{\"error\": {\"class\": \"GenericError\", "
                           "\"desc\": \"failed to freeze /: Operation not supported\"}}\n");
        else if (test->frozen)
            ret = g_strdup("{\"error\": {\"class\": \"GenericError\", "
                           "\"desc\": \"Command guest-fsfreeze-freeze has been disabled\"}}\n");
        else
            ret = g_strdup("{\"return\": 2}\n");
        if (test->mode == QEMU_AGENT_TEST_NORMAL)
            test->frozen = true;
        g_mutex_unlock(&test->lock);
        return g_steal_pointer(&ret);
    }
    if (g_str_equal(cmd, "guest-fsfreeze-thaw")) {
        bool was;

        g_mutex_lock(&test->lock);
        was = test->frozen;
        test->frozen = false;
        g_mutex_unlock(&test->lock);
        return g_strdup_printf("{\"return\": %d}\n", was ? 2 : 0);
    }
    if (g_str_equal(cmd, "guest-fsfreeze-status")) {
        bool frozen = qemuAgentTestFrozen(test);

        return g_strdup_printf("{\"return\": \"%s\"}\n", frozen ? "frozen" : "thawed");
    }
    return g_strdup("{\"error\": {\"class\": \"CommandNotFound\", "
                    "\"desc\": \"The command has not been found\"}}\n");
}


/* Wait until @fd is readable; false when asked to stop. */
static bool
qemuAgentTestWait(qemuAgentTest *test, int fd)
{
    struct pollfd pfd[2] = {
        { .fd = fd, .events = POLLIN },
        { .fd = test->stopfd[0], .events = POLLIN },
    };

    while (poll(pfd, 2, -1) < 0) {
        if (errno != EINTR)
            return false;
    }
    return !pfd[1].revents;
}


/* Answer one client's requests until it closes. */
static void
qemuAgentTestServe(qemuAgentTest *test, int fd)
{
    g_autoptr(GString) buf = g_string_new(NULL);

    while (qemuAgentTestWait(test, fd)) {
        char chunk[1024];
        ssize_t n = recv(fd, chunk, sizeof(chunk), 0);
        char *nl;

        if (n <= 0)
            return;
        g_string_append_len(buf, chunk, n);
        while ((nl = memchr(buf->str, '\n', buf->len))) {
            g_autofree char *line = g_strndup(buf->str, nl - buf->str);
            g_autofree char *reply = NULL;
            char *start = strrchr(line, '\xff');

            g_string_erase(buf, 0, nl - buf->str + 1);
            /* a 0xFF from the client resets the parser */
            start = start ? start + 1 : line;
            if (!*start)
                continue;
            reply = qemuAgentTestAnswer(test, start);
            if (!qemuAgentTestWrite(fd, reply))
                return;
        }
    }
}


static gpointer
qemuAgentTestThread(gpointer opaque)
{
    qemuAgentTest *test = opaque;

    while (qemuAgentTestWait(test, test->listenfd)) {
        int fd = accept(test->listenfd, NULL, NULL);

        if (fd < 0)
            continue;
        qemuAgentTestServe(test, fd);
        close(fd);
    }
    return NULL;
}


qemuAgentTest *
qemuAgentTestNew(const char *path, qemuAgentTestMode mode)
{
    g_autoptr(qemuAgentTest) test = g_new0(qemuAgentTest, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    g_mutex_init(&test->lock);
    test->commands = g_ptr_array_new_with_free_func(g_free);
    test->listenfd = -1;
    test->stopfd[0] = test->stopfd[1] = -1;
    test->mode = mode;
    test->path = g_strdup(path);
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (pipe(test->stopfd) < 0 ||
        (test->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(test->listenfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 ||
        listen(test->listenfd, 4) < 0)
        return NULL;
    test->thread = g_thread_new("fake-agent", qemuAgentTestThread, test);
    return g_steal_pointer(&test);
}


void
qemuAgentTestFree(qemuAgentTest *test)
{
    if (!test)
        return;
    if (test->thread) {
        if (write(test->stopfd[1], "x", 1) < 0)
            g_warning("cannot stop the fake agent");
        g_thread_join(test->thread);
    }
    if (test->stopfd[0] >= 0)
        close(test->stopfd[0]);
    if (test->stopfd[1] >= 0)
        close(test->stopfd[1]);
    if (test->listenfd >= 0) {
        close(test->listenfd);
        unlink(test->path);
    }
    g_free(test->path);
    g_ptr_array_unref(test->commands);
    g_mutex_clear(&test->lock);
    g_free(test);
}


bool
qemuAgentTestFrozen(qemuAgentTest *test)
{
    bool frozen;

    g_mutex_lock(&test->lock);
    frozen = test->frozen;
    g_mutex_unlock(&test->lock);
    return frozen;
}


char *
qemuAgentTestCommands(qemuAgentTest *test)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    g_mutex_lock(&test->lock);
    for (i = 0; i < test->commands->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "",
                               (const char *) g_ptr_array_index(test->commands, i));
    g_mutex_unlock(&test->lock);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

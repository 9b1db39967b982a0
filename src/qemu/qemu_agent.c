/*
 * qemu_agent.c: client for the QEMU guest agent
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "qemu_agent.h"
#include "virerror.h"
#include "virstring.h"
#include "virjson.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.agent");

VIR_ENUM_IMPL(qemuAgentCommandType, QEMU_AGENT_CMD_LAST,
              "guest-sync-delimited",
              "guest-ping",
              "guest-fsfreeze-freeze",
              "guest-fsfreeze-freeze-list",
              "guest-fsfreeze-thaw",
              "guest-fsfreeze-status");

VIR_ENUM_IMPL(qemuAgentFSFreezeStatus, QEMU_AGENT_FSFREEZE_STATUS_LAST,
              "thawed",
              "frozen");

/* Keys of the agent's wire protocol. */
#define QEMU_AGENT_KEY_EXECUTE "execute"
#define QEMU_AGENT_KEY_ARGUMENTS "arguments"
#define QEMU_AGENT_KEY_RETURN "return"
#define QEMU_AGENT_KEY_ERROR "error"
#define QEMU_AGENT_KEY_DESC "desc"
#define QEMU_AGENT_KEY_ID "id"
#define QEMU_AGENT_KEY_MOUNTPOINTS "mountpoints"

/* The byte the agent puts before a guest-sync-delimited reply, and that a
 * client sends to make the agent drop partial input. */
#define QEMU_AGENT_SENTINEL '\xff'

struct _qemuAgent {
    int fd;
    char *path;
    unsigned int timeout_ms;
    GString *buf;       /* received, not yet consumed */
};

char **
qemuAgentBuildArgv(const char *path)
{
    g_autofree char *escaped = virQEMUEscapeComma(path);
    GPtrArray *argv = g_ptr_array_new();

    g_ptr_array_add(argv, g_strdup("-chardev"));
    g_ptr_array_add(argv, g_strdup_printf("socket,id=%s,path=%s,server=on,wait=off",
                                          QEMU_AGENT_CHARDEV_ID, escaped));
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup_printf("virtio-serial-pci,id=%s",
                                          QEMU_AGENT_SERIAL_ID));
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_strdup_printf("virtserialport,bus=%s.0,nr=1,"
                                          "chardev=%s,id=%s,name=%s",
                                          QEMU_AGENT_SERIAL_ID,
                                          QEMU_AGENT_CHARDEV_ID,
                                          QEMU_AGENT_CHANNEL_ID,
                                          QEMU_AGENT_CHANNEL_NAME));
    g_ptr_array_add(argv, NULL);
    return (char **)g_ptr_array_free(argv, FALSE);
}


/* Connect to the agent's socket. */
qemuAgent *
qemuAgentOpen(const char *path, unsigned int timeout_ms)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_autoptr(qemuAgent) agent = g_new0(qemuAgent, 1);

    agent->fd = -1;
    agent->path = g_strdup(path);
    agent->buf = g_string_new(NULL);
    qemuAgentSetTimeout(agent, timeout_ms);

    if (strlen(path) >= sizeof(addr.sun_path)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("guest agent socket path '%s' is too long"), path);
        return NULL;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if ((agent->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
        virReportSystemError(errno, "%s", _("cannot create socket"));
        return NULL;
    }
    if (connect(agent->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        virReportError(VIR_ERR_AGENT_UNRESPONSIVE,
                       _("cannot connect to guest agent socket '%s': %s"),
                       path, g_strerror(errno));
        return NULL;
    }
    if (fcntl(agent->fd, F_SETFL, O_NONBLOCK) < 0) {
        virReportSystemError(errno, "%s", _("cannot make socket non-blocking"));
        return NULL;
    }
    VIR_DEBUG("connected to guest agent '%s'", path);
    return g_steal_pointer(&agent);
}

void
qemuAgentClose(qemuAgent *agent)
{
    if (!agent)
        return;
    if (agent->fd >= 0)
        close(agent->fd);
    g_free(agent->path);
    g_string_free(agent->buf, TRUE);
    g_free(agent);
}

void
qemuAgentSetTimeout(qemuAgent *agent, unsigned int timeout_ms)
{
    agent->timeout_ms = timeout_ms ? timeout_ms : QEMU_AGENT_TIMEOUT_DEFAULT_MS;
}

/* Milliseconds left until deadline (0 if past). */
static int
qemuAgentTimeLeft(gint64 deadline)
{
    gint64 left = deadline - g_get_monotonic_time();

    return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

static void
qemuAgentReportTimeout(qemuAgent *agent, int cmd)
{
    virReportError(VIR_ERR_AGENT_UNRESPONSIVE,
                   _("no reply to '%s' from the guest agent within %u ms"),
                   qemuAgentCommandTypeTypeToString(cmd), agent->timeout_ms);
}

/* Write all of data before the deadline. */
static int
qemuAgentSend(qemuAgent *agent, int cmd, const char *data, size_t len,
              gint64 deadline)
{
    while (len > 0) {
        struct pollfd pfd = { .fd = agent->fd, .events = POLLOUT };
        ssize_t n;
        int left = qemuAgentTimeLeft(deadline);

        if (left == 0) {
            qemuAgentReportTimeout(agent, cmd);
            return -1;
        }
        if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
            virReportSystemError(errno, "%s", _("cannot poll guest agent socket"));
            return -1;
        }
        n = send(agent->fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            virReportError(VIR_ERR_AGENT_UNRESPONSIVE,
                           _("cannot send '%s' to the guest agent: %s"),
                           qemuAgentCommandTypeTypeToString(cmd),
                           g_strerror(errno));
            return -1;
        }
        data += n;
        len -= n;
    }
    return 0;
}

/* Append what arrives before the deadline to agent->buf. */
static int
qemuAgentReceive(qemuAgent *agent, int cmd, gint64 deadline)
{
    for (;;) {
        struct pollfd pfd = { .fd = agent->fd, .events = POLLIN };
        char chunk[4096];
        ssize_t n;
        int left = qemuAgentTimeLeft(deadline);

        if (left == 0) {
            qemuAgentReportTimeout(agent, cmd);
            return -1;
        }
        if (poll(&pfd, 1, left) < 0 && errno != EINTR) {
            virReportSystemError(errno, "%s", _("cannot poll guest agent socket"));
            return -1;
        }
        n = recv(agent->fd, chunk, sizeof(chunk), 0);
        if (n > 0) {
            g_string_append_len(agent->buf, chunk, n);
            return 0;
        }
        if (n == 0) {
            virReportError(VIR_ERR_AGENT_UNRESPONSIVE,
                           _("guest agent closed the connection during '%s'"),
                           qemuAgentCommandTypeTypeToString(cmd));
            return -1;
        }
        if (errno != EAGAIN && errno != EINTR) {
            virReportError(VIR_ERR_AGENT_UNRESPONSIVE,
                           _("cannot read the reply to '%s' from the guest agent: %s"),
                           qemuAgentCommandTypeTypeToString(cmd),
                           g_strerror(errno));
            return -1;
        }
    }
}

/* Take one line (without its newline) off the front of agent->buf, or
 * NULL if no full line has arrived. */
static char *
qemuAgentTakeLine(qemuAgent *agent)
{
    char *nl = memchr(agent->buf->str, '\n', agent->buf->len);
    char *line;

    if (!nl)
        return NULL;
    line = g_strndup(agent->buf->str, nl - agent->buf->str);
    g_string_erase(agent->buf, 0, nl - agent->buf->str + 1);
    return line;
}

/* Parse text as a JSON object without reporting: stale or partial data
 * is expected here and simply skipped. */
static virJSONValue *
qemuAgentParseQuiet(const char *text)
{
    virJSONValue *v = json_tokener_parse(text);

    if (v && !json_object_is_type(v, json_type_object)) {
        virJSONValueFree(v);
        return NULL;
    }
    return v;
}

/* {"execute": NAME[, "arguments": ARGS]} followed by a newline. */
static char *
qemuAgentFormatCommand(int cmd, virJSONValue **args)
{
    g_autoptr(virJSONValue) obj = json_object_new_object();
    g_autofree char *text = NULL;

    json_object_object_add(obj, QEMU_AGENT_KEY_EXECUTE,
                           json_object_new_string(qemuAgentCommandTypeTypeToString(cmd)));
    if (args && *args)
        json_object_object_add(obj, QEMU_AGENT_KEY_ARGUMENTS,
                               g_steal_pointer(args));
    text = virJSONValueToString(obj, false);
    return g_strdup_printf("%s\n", text);
}

/* Synchronise the stream: send a sentinel and guest-sync-delimited with a
 * fresh id, then skip everything until a sentinel followed by the reply
 * carrying that id.  Replies to earlier syncs (other ids), late replies
 * to timed-out commands and partial junk are all discarded. */
static int
qemuAgentSync(qemuAgent *agent, gint64 deadline)
{
    const int cmd = QEMU_AGENT_CMD_SYNC_DELIMITED;
    long long id = g_random_int_range(1, G_MAXINT32);
    g_autoptr(virJSONValue) args = json_object_new_object();
    g_autofree char *text = NULL;
    g_autofree char *wire = NULL;

    json_object_object_add(args, QEMU_AGENT_KEY_ID, json_object_new_int64(id));
    text = qemuAgentFormatCommand(cmd, &args);
    wire = g_strdup_printf("%c%s", QEMU_AGENT_SENTINEL, text);

    g_string_truncate(agent->buf, 0);
    if (qemuAgentSend(agent, cmd, wire, strlen(wire), deadline) < 0)
        return -1;

    for (;;) {
        char *start = agent->buf->str;
        size_t len = agent->buf->len;
        char *sentinel = memchr(start, QEMU_AGENT_SENTINEL, len);
        char *next;
        char *nl;
        g_autofree char *line = NULL;
        g_autoptr(virJSONValue) reply = NULL;
        virJSONValue *ret;

        if (!sentinel) {
            g_string_truncate(agent->buf, 0);
            if (qemuAgentReceive(agent, cmd, deadline) < 0)
                return -1;
            continue;
        }
        /* keep the sentinel at the front until its line is complete */
        g_string_erase(agent->buf, 0, sentinel - start);
        start = agent->buf->str;
        len = agent->buf->len;
        next = memchr(start + 1, QEMU_AGENT_SENTINEL, len - 1);
        nl = memchr(start + 1, '\n', len - 1);
        if (next && (!nl || next < nl)) {
            /* a newer sentinel restarts the search */
            g_string_erase(agent->buf, 0, 1);
            continue;
        }
        if (!nl) {
            if (qemuAgentReceive(agent, cmd, deadline) < 0)
                return -1;
            continue;
        }
        line = g_strndup(start + 1, nl - start - 1);
        g_string_erase(agent->buf, 0, nl - start + 1);
        if (!(reply = qemuAgentParseQuiet(line)))
            continue;
        ret = virJSONValueObjectGet(reply, QEMU_AGENT_KEY_RETURN);
        if (ret && json_object_is_type(ret, json_type_int) &&
            json_object_get_int64(ret) == id) {
            VIR_DEBUG("guest agent synchronised with id %lld", id);
            return 0;
        }
        VIR_DEBUG("discarding stale agent reply '%s'", line);
    }
}

/* Run one command after a sync and return its reply's "return" member
 * (owned by the caller).  args is consumed. */
static virJSONValue *
qemuAgentCommand(qemuAgent *agent, int cmd, virJSONValue *args)
{
    g_autoptr(virJSONValue) argsref = args;
    gint64 deadline = g_get_monotonic_time() +
                      agent->timeout_ms * (gint64)1000;
    g_autofree char *text = qemuAgentFormatCommand(cmd, &argsref);

    VIR_DEBUG("guest agent '%s': %s", agent->path, text);
    if (qemuAgentSync(agent, deadline) < 0 ||
        qemuAgentSend(agent, cmd, text, strlen(text), deadline) < 0)
        return NULL;

    for (;;) {
        g_autofree char *line = NULL;
        g_autoptr(virJSONValue) reply = NULL;
        virJSONValue *part;

        while (!(line = qemuAgentTakeLine(agent))) {
            if (qemuAgentReceive(agent, cmd, deadline) < 0)
                return NULL;
        }
        g_strdelimit(line, "\xff", ' ');
        if (!(reply = qemuAgentParseQuiet(line))) {
            VIR_DEBUG("skipping unparsable agent data '%s'", line);
            continue;
        }
        if ((part = virJSONValueObjectGet(reply, QEMU_AGENT_KEY_ERROR))) {
            const char *desc = virJSONValueObjectGetString(part,
                                                           QEMU_AGENT_KEY_DESC);

            virReportError(VIR_ERR_OPERATION_FAILED,
                           _("guest agent command '%s' failed: %s"),
                           qemuAgentCommandTypeTypeToString(cmd),
                           desc ? desc : _("unknown error"));
            return NULL;
        }
        if ((part = virJSONValueObjectGet(reply, QEMU_AGENT_KEY_RETURN)))
            return json_object_get(part);
        VIR_DEBUG("skipping agent message without reply '%s'", line);
    }
}

/* The integer a command returned. */
static int
qemuAgentCommandInt(qemuAgent *agent, int cmd, virJSONValue *args)
{
    g_autoptr(virJSONValue) ret = qemuAgentCommand(agent, cmd, args);

    if (!ret)
        return -1;
    if (!json_object_is_type(ret, json_type_int)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("guest agent reply to '%s' is not a number"),
                       qemuAgentCommandTypeTypeToString(cmd));
        return -1;
    }
    return json_object_get_int(ret);
}

int
qemuAgentPing(qemuAgent *agent)
{
    g_autoptr(virJSONValue) ret = qemuAgentCommand(agent, QEMU_AGENT_CMD_PING,
                                                   NULL);

    return ret ? 0 : -1;
}

int
qemuAgentFSFreeze(qemuAgent *agent, const char *const *mountpoints)
{
    virJSONValue *args;
    virJSONValue *list;
    size_t i;

    if (!mountpoints || !mountpoints[0])
        return qemuAgentCommandInt(agent, QEMU_AGENT_CMD_FSFREEZE_FREEZE, NULL);

    list = json_object_new_array();
    for (i = 0; mountpoints[i]; i++)
        json_object_array_add(list, json_object_new_string(mountpoints[i]));
    args = json_object_new_object();
    json_object_object_add(args, QEMU_AGENT_KEY_MOUNTPOINTS, list);
    return qemuAgentCommandInt(agent, QEMU_AGENT_CMD_FSFREEZE_FREEZE_LIST, args);
}

int
qemuAgentFSThaw(qemuAgent *agent)
{
    return qemuAgentCommandInt(agent, QEMU_AGENT_CMD_FSFREEZE_THAW, NULL);
}

int
qemuAgentFSFreezeGetStatus(qemuAgent *agent)
{
    const int cmd = QEMU_AGENT_CMD_FSFREEZE_STATUS;
    g_autoptr(virJSONValue) ret = qemuAgentCommand(agent, cmd, NULL);
    int status;

    if (!ret)
        return -1;
    if (!json_object_is_type(ret, json_type_string) ||
        (status = qemuAgentFSFreezeStatusTypeFromString(json_object_get_string(ret))) < 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("unknown guest agent filesystem freeze status '%s'"),
                       json_object_to_json_string(ret));
        return -1;
    }
    return status;
}

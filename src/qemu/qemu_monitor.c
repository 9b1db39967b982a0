/*
 * qemu_monitor.c: QMP transport (one client on QEMU's monitor socket)
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

#include "qemu_monitor.h"
#include "virenum.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.monitor");

/* The words of the QMP wire protocol itself. */
typedef enum {
    QEMU_MONITOR_KEY_EXECUTE,
    QEMU_MONITOR_KEY_ARGUMENTS,
    QEMU_MONITOR_KEY_ID,
    QEMU_MONITOR_KEY_RETURN,
    QEMU_MONITOR_KEY_ERROR,
    QEMU_MONITOR_KEY_CLASS,
    QEMU_MONITOR_KEY_DESC,
    QEMU_MONITOR_KEY_EVENT,
    QEMU_MONITOR_KEY_GREETING,
    QEMU_MONITOR_KEY_VERSION,
    QEMU_MONITOR_KEY_QEMU,
    QEMU_MONITOR_KEY_MAJOR,
    QEMU_MONITOR_KEY_MINOR,
    QEMU_MONITOR_KEY_MICRO,
    QEMU_MONITOR_KEY_PACKAGE,
    QEMU_MONITOR_KEY_COMMAND_NOT_FOUND,
    QEMU_MONITOR_KEY_TIMESTAMP,
    QEMU_MONITOR_KEY_SECONDS,
    QEMU_MONITOR_KEY_MICROSECONDS,
    QEMU_MONITOR_KEY_LAST
} qemuMonitorKey;

VIR_ENUM_DECL(qemuMonitorKey);
VIR_ENUM_IMPL(qemuMonitorKey, QEMU_MONITOR_KEY_LAST,
              "execute", "arguments", "id", "return", "error", "class",
              "desc", "event", "QMP", "version", "qemu", "major", "minor",
              "micro", "package", "CommandNotFound", "timestamp",
              "seconds", "microseconds");

#define KEY(k) qemuMonitorKeyTypeToString(QEMU_MONITOR_KEY_ ## k)

/* Prefix of the ids we give commands. */
#define QEMU_MONITOR_ID_PREFIX "fleece-"

/* How long a line from QEMU may be quoted in an error message. */
#define QEMU_MONITOR_QUOTE_MAX 200

/* Events kept when nobody collects them; older ones are dropped. */
#define QEMU_MONITOR_MAX_EVENTS 100000

struct _qemuMonitor {
    int fd;
    GString *buf;             /* received, not yet parsed */
    size_t maxLine;
    GQueue events;            /* virJSONValue *, oldest first */
    unsigned long long serial;
    GHashTable *abandoned;    /* ids of commands that timed out */

    bool broken;
    int brokenCode;
    char *brokenReason;

    unsigned int major;
    unsigned int minor;
    unsigned int micro;
    char *package;
    char *lastErrorClass;
    GString *record;          /* transcript being recorded, or NULL */
};


/* A printable stand-in for a missing string. */
static const char *
qemuMonitorStr(const char *s)
{
    return s ? s : "?";
}


/* Absolute deadline (monotonic µs) for a timeout, -1 for none. */
static gint64
qemuMonitorDeadline(int timeout_ms)
{
    if (timeout_ms < 0)
        return -1;
    return g_get_monotonic_time() + (gint64) timeout_ms * 1000;
}


/* Milliseconds left before @deadline, as poll() wants them. */
static int
qemuMonitorRemaining(gint64 deadline)
{
    gint64 left;

    if (deadline < 0)
        return -1;
    left = deadline - g_get_monotonic_time();
    if (left <= 0)
        return 0;
    return (int) MIN((left + 999) / 1000, G_MAXINT);
}


/* Append one message to the transcript being recorded: without its id,
 * event timestamps zeroed, so that recordings are reproducible. */
static void
qemuMonitorRecord(qemuMonitor *mon, const char *dir, virJSONValue *msg)
{
    g_autoptr(virJSONValue) copy = NULL;
    g_autofree char *text = NULL;
    virJSONValue *ts;

    if (!mon->record)
        return;
    if (json_object_deep_copy(msg, &copy, NULL) < 0)
        return;
    json_object_object_del(copy, KEY(ID));
    if ((ts = virJSONValueObjectGet(copy, KEY(TIMESTAMP)))) {
        json_object_object_add(ts, KEY(SECONDS), json_object_new_int(0));
        json_object_object_add(ts, KEY(MICROSECONDS), json_object_new_int(0));
    }
    text = virJSONValueToString(copy, false);
    g_string_append_printf(mon->record, "%s %s\n", dir, text);
}


/* Report @reason (already translated) and remember that the monitor can
 * no longer be used. */
static void
qemuMonitorSetBroken(qemuMonitor *mon, int code, char *reason)
{
    virReportError(code, "%s", reason);
    if (!mon->broken) {
        mon->broken = true;
        mon->brokenCode = code;
        mon->brokenReason = reason;
    } else {
        g_free(reason);
    }
}


/* Fail fast on a monitor that broke earlier. */
static int
qemuMonitorCheckUsable(qemuMonitor *mon)
{
    if (!mon->broken)
        return 0;
    virReportError(mon->brokenCode, _("QEMU monitor is unusable: %s"),
                   mon->brokenReason);
    return -1;
}


bool
qemuMonitorIsBroken(qemuMonitor *mon)
{
    return mon->broken;
}


/* A bounded, printable excerpt of a line from QEMU for messages. */
static char *
qemuMonitorQuote(const char *line, size_t len)
{
    g_autofree char *cut = g_strndup(line, MIN(len, QEMU_MONITOR_QUOTE_MAX));

    return g_strescape(cut, NULL);
}


/* Parse one complete line; on success the message, an object. */
static virJSONValue *
qemuMonitorParseLine(qemuMonitor *mon, const char *line, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    virJSONValue *v = json_tokener_parse_ex(tok, line, len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    bool ok = v && jerr == json_tokener_success &&
              json_tokener_get_parse_end(tok) == len &&
              json_object_is_type(v, json_type_object);

    json_tokener_free(tok);
    if (!ok) {
        g_autofree char *quoted = qemuMonitorQuote(line, len);

        virJSONValueFree(v);
        qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                             g_strdup_printf(_("malformed message from QEMU monitor: '%s'"),
                                             quoted));
        return NULL;
    }
    return v;
}


/* Take the next complete message out of the buffer: 1 with *@msg set,
 * 0 when no complete line is buffered, -1 on a protocol error. */
static int
qemuMonitorTakeBuffered(qemuMonitor *mon, virJSONValue **msg)
{
    while (mon->buf->len > 0) {
        char *nl = memchr(mon->buf->str, '\n', mon->buf->len);
        const char *line = mon->buf->str;
        size_t len;
        size_t consumed;

        if (!nl) {
            if (mon->buf->len > mon->maxLine)
                goto toolong;
            return 0;
        }
        consumed = nl - mon->buf->str + 1;
        len = consumed - 1;
        if (len > mon->maxLine)
            goto toolong;
        while (len > 0 && g_ascii_isspace(line[len - 1]))
            len--;
        while (len > 0 && g_ascii_isspace(*line)) {
            line++;
            len--;
        }
        if (len == 0) {
            g_string_erase(mon->buf, 0, consumed);
            continue;
        }
        VIR_DEBUG("received: %.*s", (int) len, line);
        *msg = qemuMonitorParseLine(mon, line, len);
        g_string_erase(mon->buf, 0, consumed);
        if (!*msg)
            return -1;
        qemuMonitorRecord(mon, "<-", *msg);
        return 1;
    }
    return 0;

 toolong:
    qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                         g_strdup_printf(_("message from QEMU monitor longer than %zu bytes"),
                                         mon->maxLine));
    return -1;
}


/* Read the next message from QEMU before @deadline: 1 with *@msg set,
 * 0 on timeout, -1 on EOF or error (the monitor is then broken). */
static int
qemuMonitorReadMessage(qemuMonitor *mon, gint64 deadline, virJSONValue **msg)
{
    char chunk[65536];

    *msg = NULL;
    for (;;) {
        struct pollfd pfd = { .fd = mon->fd, .events = POLLIN };
        ssize_t got;
        int rc;

        if ((rc = qemuMonitorTakeBuffered(mon, msg)) != 0)
            return rc;

        rc = poll(&pfd, 1, qemuMonitorRemaining(deadline));
        if (rc < 0) {
            if (errno == EINTR)
                continue;
            virReportSystemError(errno, "%s",
                                 _("cannot wait for the QEMU monitor"));
            return -1;
        }
        if (rc == 0)
            return 0;

        got = recv(mon->fd, chunk, sizeof(chunk), 0);
        if (got < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            qemuMonitorSetBroken(mon, VIR_ERR_OPERATION_FAILED,
                                 g_strdup_printf(_("cannot read from QEMU monitor: %s"),
                                                 g_strerror(errno)));
            return -1;
        }
        if (got == 0) {
            if (mon->record)
                g_string_append(mon->record, "!eof\n");
            qemuMonitorSetBroken(mon, VIR_ERR_OPERATION_FAILED,
                                 g_strdup(_("QEMU monitor closed the connection")));
            return -1;
        }
        g_string_append_len(mon->buf, chunk, got);
    }
}


/* Write all of @data before @deadline. */
static int
qemuMonitorWriteAll(qemuMonitor *mon, const char *data, size_t len,
                    gint64 deadline)
{
    size_t done = 0;

    while (done < len) {
        struct pollfd pfd = { .fd = mon->fd, .events = POLLOUT };
        ssize_t put;
        int rc = poll(&pfd, 1, qemuMonitorRemaining(deadline));

        if (rc < 0) {
            if (errno == EINTR)
                continue;
            virReportSystemError(errno, "%s",
                                 _("cannot wait for the QEMU monitor"));
            return -1;
        }
        if (rc == 0) {
            qemuMonitorSetBroken(mon, VIR_ERR_OPERATION_TIMEOUT,
                                 g_strdup(_("cannot send to QEMU monitor in time")));
            return -1;
        }
        put = send(mon->fd, data + done, len - done, MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            if (errno == EPIPE || errno == ECONNRESET)
                qemuMonitorSetBroken(mon, VIR_ERR_OPERATION_FAILED,
                                     g_strdup(_("QEMU monitor closed the connection")));
            else
                qemuMonitorSetBroken(mon, VIR_ERR_OPERATION_FAILED,
                                     g_strdup_printf(_("cannot write to QEMU monitor: %s"),
                                                     g_strerror(errno)));
            return -1;
        }
        done += put;
    }
    return 0;
}


/* Append an event to the queue, dropping the oldest beyond the cap. */
static void
qemuMonitorQueueEvent(qemuMonitor *mon, virJSONValue *event)
{
    VIR_DEBUG("queued event '%s'",
              qemuMonitorStr(virJSONValueObjectGetString(event, KEY(EVENT))));
    g_queue_push_tail(&mon->events, event);
    while (g_queue_get_length(&mon->events) > QEMU_MONITOR_MAX_EVENTS) {
        VIR_WARN("too many unread QEMU events, dropping the oldest");
        virJSONValueFree(g_queue_pop_head(&mon->events));
    }
}


/* Read the greeting and record QEMU's version. */
static int
qemuMonitorReadGreeting(qemuMonitor *mon, gint64 deadline)
{
    g_autoptr(virJSONValue) msg = NULL;
    virJSONValue *qmp;
    virJSONValue *qemu;
    unsigned long long major = 0, minor = 0, micro = 0;
    int rc;

    while ((rc = qemuMonitorReadMessage(mon, deadline, &msg)) == 1) {
        if (!virJSONValueObjectGet(msg, KEY(EVENT)))
            break;
        qemuMonitorQueueEvent(mon, g_steal_pointer(&msg));
    }
    if (rc < 0)
        return -1;
    if (rc == 0) {
        virReportError(VIR_ERR_OPERATION_TIMEOUT, "%s",
                       _("no greeting from QEMU monitor"));
        return -1;
    }

    qmp = virJSONValueObjectGet(msg, KEY(GREETING));
    qemu = virJSONValueObjectGet(virJSONValueObjectGet(qmp, KEY(VERSION)),
                                 KEY(QEMU));
    if (!qemu ||
        virJSONValueObjectGetNumberULong(qemu, KEY(MAJOR), &major) < 0 ||
        virJSONValueObjectGetNumberULong(qemu, KEY(MINOR), &minor) < 0 ||
        virJSONValueObjectGetNumberULong(qemu, KEY(MICRO), &micro) < 0) {
        g_autofree char *text = virJSONValueToString(msg, false);
        g_autofree char *quoted = qemuMonitorQuote(text, strlen(text));

        qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                             g_strdup_printf(_("unexpected greeting from QEMU monitor: '%s'"),
                                             quoted));
        return -1;
    }
    mon->major = major;
    mon->minor = minor;
    mon->micro = micro;
    mon->package = g_strdup(virJSONValueObjectGetString(
                                virJSONValueObjectGet(qmp, KEY(VERSION)),
                                KEY(PACKAGE)));
    VIR_DEBUG("QEMU %u.%u.%u (%s)", mon->major, mon->minor, mon->micro,
              qemuMonitorStr(mon->package));
    return 0;
}


/* Greeting plus capability negotiation within the overall time. */
static int
qemuMonitorHandshake(qemuMonitor *mon, int timeout_ms)
{
    gint64 deadline = qemuMonitorDeadline(timeout_ms);
    g_autoptr(virJSONValue) cmd = json_object_new_object();

    if (qemuMonitorReadGreeting(mon, deadline) < 0)
        return -1;
    json_object_object_add(cmd, KEY(EXECUTE),
                           json_object_new_string(QEMU_MONITOR_CAPABILITIES_COMMAND));
    return qemuMonitorCommand(mon, &cmd, NULL,
                              timeout_ms < 0 ? -1 :
                              qemuMonitorRemaining(deadline));
}


/* Set up a monitor on connected @fd (taken) and negotiate. */
static qemuMonitor *
qemuMonitorOpenInternal(int fd, int timeout_ms, GString *record)
{
    g_autoptr(qemuMonitor) mon = g_new0(qemuMonitor, 1);
    int flags;

    mon->fd = fd;
    mon->record = record;
    mon->buf = g_string_new(NULL);
    mon->maxLine = QEMU_MONITOR_MAX_LINE_DEFAULT;
    g_queue_init(&mon->events);
    mon->abandoned = g_hash_table_new_full(g_str_hash, g_str_equal,
                                           g_free, NULL);

    if ((flags = fcntl(fd, F_GETFL)) < 0 ||
        fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
        virReportSystemError(errno, "%s",
                             _("cannot set up the QEMU monitor socket"));
        return NULL;
    }
    if (qemuMonitorHandshake(mon, timeout_ms) < 0)
        return NULL;
    return g_steal_pointer(&mon);
}


qemuMonitor *
qemuMonitorOpenFD(int fd, int timeout_ms)
{
    return qemuMonitorOpenInternal(fd, timeout_ms, NULL);
}


qemuMonitor *
qemuMonitorOpenRecording(const char *path, int timeout_ms, GString *record)
{
    gint64 deadline = qemuMonitorDeadline(timeout_ms);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    gulong pause_us = 1000;
    int fd = -1;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QEMU monitor socket path '%s' is too long"), path);
        return NULL;
    }
    strcpy(addr.sun_path, path);

    /* QEMU may still be starting: the socket may not exist or may not
     * accept yet, so retry until the deadline. */
    for (;;) {
        int err;

        if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
            virReportSystemError(errno, "%s",
                                 _("cannot create a socket for the QEMU monitor"));
            return NULL;
        }
        if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
        if ((err != ENOENT && err != ECONNREFUSED && err != EAGAIN) ||
            (deadline >= 0 && g_get_monotonic_time() >= deadline)) {
            virReportSystemError(err, _("cannot connect to QEMU monitor '%s'"),
                                 path);
            return NULL;
        }
        g_usleep(pause_us);
        pause_us = MIN(pause_us * 2, 100000);
    }
    VIR_DEBUG("connected to '%s'", path);
    return qemuMonitorOpenInternal(fd, deadline < 0 ? -1 :
                                   qemuMonitorRemaining(deadline), record);
}


qemuMonitor *
qemuMonitorOpen(const char *path, int timeout_ms)
{
    return qemuMonitorOpenRecording(path, timeout_ms, NULL);
}


void
qemuMonitorClose(qemuMonitor *mon)
{
    if (!mon)
        return;
    if (mon->fd >= 0)
        close(mon->fd);
    if (mon->buf)
        g_string_free(mon->buf, TRUE);
    g_queue_clear_full(&mon->events, (GDestroyNotify) virJSONValueFree);
    if (mon->abandoned)
        g_hash_table_unref(mon->abandoned);
    g_free(mon->brokenReason);
    g_free(mon->package);
    g_free(mon->lastErrorClass);
    g_free(mon);
}


int
qemuMonitorGetFD(qemuMonitor *mon)
{
    return mon->fd;
}


void
qemuMonitorGetVersion(qemuMonitor *mon, unsigned int *major,
                      unsigned int *minor, unsigned int *micro)
{
    *major = mon->major;
    *minor = mon->minor;
    *micro = mon->micro;
}


const char *
qemuMonitorGetVersionPackage(qemuMonitor *mon)
{
    return mon->package;
}


void
qemuMonitorSetMaxLine(qemuMonitor *mon, size_t bytes)
{
    mon->maxLine = bytes;
}


const char *
qemuMonitorGetLastErrorClass(qemuMonitor *mon)
{
    return mon->lastErrorClass;
}


size_t
qemuMonitorEventCount(qemuMonitor *mon)
{
    return g_queue_get_length(&mon->events);
}


/* Turn QEMU's error reply for @name into a virError. */
static void
qemuMonitorReportQEMUError(qemuMonitor *mon, const char *name,
                           virJSONValue *error)
{
    const char *klass = virJSONValueObjectGetString(error, KEY(CLASS));
    const char *desc = virJSONValueObjectGetString(error, KEY(DESC));
    /* a command QEMU does not know is our mistake, not a runtime fault */
    int code = klass && g_str_equal(klass, KEY(COMMAND_NOT_FOUND)) ?
               VIR_ERR_INTERNAL_ERROR : VIR_ERR_OPERATION_FAILED;

    g_free(mon->lastErrorClass);
    mon->lastErrorClass = g_strdup(klass);
    virReportError(code, _("QEMU command '%s' failed: %s: %s"),
                   name, qemuMonitorStr(klass), qemuMonitorStr(desc));
}


int
qemuMonitorCommandFull(qemuMonitor *mon, virJSONValue **cmd,
                       virJSONValue **reply_return, int timeout_ms,
                       unsigned int flags)
{
    g_autoptr(virJSONValue) command = g_steal_pointer(cmd);
    g_autofree char *id = NULL;
    g_autofree char *text = NULL;
    g_autofree char *name = NULL;
    gint64 deadline = qemuMonitorDeadline(timeout_ms);
    const char *execute;

    if (reply_return)
        *reply_return = NULL;
    if (qemuMonitorCheckUsable(mon) < 0)
        return -1;
    if (!command || !json_object_is_type(command, json_type_object) ||
        !(execute = virJSONValueObjectGetString(command, KEY(EXECUTE)))) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("QEMU monitor command has no 'execute' name"));
        return -1;
    }
    name = g_strdup(execute);
    g_clear_pointer(&mon->lastErrorClass, g_free);

    id = g_strdup_printf(QEMU_MONITOR_ID_PREFIX "%llu", ++mon->serial);
    json_object_object_add(command, KEY(ID), json_object_new_string(id));
    text = virJSONValueToString(command, false);
    VIR_DEBUG("sending: %s", text);
    qemuMonitorRecord(mon, "->", command);
    {
        g_autofree char *line = g_strdup_printf("%s\r\n", text);

        if (qemuMonitorWriteAll(mon, line, strlen(line), deadline) < 0) {
            if (mon->broken && (flags & QEMU_MONITOR_COMMAND_EOF_OK))
                goto eof_ok;
            return -1;
        }
    }

    for (;;) {
        g_autoptr(virJSONValue) msg = NULL;
        const char *msgid;
        virJSONValue *ret;
        virJSONValue *error;
        int rc = qemuMonitorReadMessage(mon, deadline, &msg);

        if (rc < 0) {
            if (mon->broken && mon->brokenCode == VIR_ERR_OPERATION_FAILED &&
                (flags & QEMU_MONITOR_COMMAND_EOF_OK))
                goto eof_ok;
            return -1;
        }
        if (rc == 0) {
            /* The reply may still come: drop it when it does. */
            g_hash_table_add(mon->abandoned, g_steal_pointer(&id));
            virReportError(VIR_ERR_OPERATION_TIMEOUT,
                           _("no reply from QEMU to command '%s' within %d ms"),
                           name, timeout_ms);
            return -1;
        }
        if (virJSONValueObjectGet(msg, KEY(EVENT))) {
            qemuMonitorQueueEvent(mon, g_steal_pointer(&msg));
            continue;
        }

        msgid = virJSONValueObjectGetString(msg, KEY(ID));
        if (msgid && !g_str_equal(msgid, id)) {
            if (g_hash_table_remove(mon->abandoned, msgid)) {
                VIR_DEBUG("dropping late reply to '%s'", msgid);
                continue;
            }
            qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                                 g_strdup_printf(_("QEMU monitor replied to unknown command id '%s'"),
                                                 msgid));
            return -1;
        }
        /* A reply without id answers a command QEMU could not even
         * parse, which can only be the one outstanding. */

        if ((flags & QEMU_MONITOR_COMMAND_WHOLE_REPLY) &&
            (virJSONValueObjectGet(msg, KEY(ERROR)) ||
             virJSONValueObjectGet(msg, KEY(RETURN)))) {
            if (reply_return)
                *reply_return = g_steal_pointer(&msg);
            return 0;
        }
        if ((error = virJSONValueObjectGet(msg, KEY(ERROR)))) {
            qemuMonitorReportQEMUError(mon, name, error);
            return -1;
        }
        if (!(ret = virJSONValueObjectGet(msg, KEY(RETURN)))) {
            g_autofree char *msgtext = virJSONValueToString(msg, false);
            g_autofree char *quoted = qemuMonitorQuote(msgtext,
                                                       strlen(msgtext));

            qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                                 g_strdup_printf(_("unexpected message from QEMU monitor: '%s'"),
                                                 quoted));
            return -1;
        }
        if (reply_return)
            *reply_return = json_object_get(ret);
        return 0;
    }

 eof_ok:
    VIR_DEBUG("QEMU closed the monitor in reply to '%s', as expected", name);
    virResetLastError();
    return 0;
}


int
qemuMonitorCommand(qemuMonitor *mon, virJSONValue **cmd,
                   virJSONValue **reply_return, int timeout_ms)
{
    return qemuMonitorCommandFull(mon, cmd, reply_return, timeout_ms, 0);
}


/* Fetch messages until an event arrives (queued) or the deadline:
 * 1 when one was queued, 0 on timeout, -1 on error. */
static int
qemuMonitorReadEvent(qemuMonitor *mon, gint64 deadline)
{
    for (;;) {
        g_autoptr(virJSONValue) msg = NULL;
        const char *msgid;
        int rc;

        if (qemuMonitorCheckUsable(mon) < 0)
            return -1;
        if ((rc = qemuMonitorReadMessage(mon, deadline, &msg)) <= 0)
            return rc;
        if (virJSONValueObjectGet(msg, KEY(EVENT))) {
            qemuMonitorQueueEvent(mon, g_steal_pointer(&msg));
            return 1;
        }
        msgid = virJSONValueObjectGetString(msg, KEY(ID));
        if (msgid && g_hash_table_remove(mon->abandoned, msgid)) {
            VIR_DEBUG("dropping late reply to '%s'", msgid);
            continue;
        }
        {
            g_autofree char *msgtext = virJSONValueToString(msg, false);
            g_autofree char *quoted = qemuMonitorQuote(msgtext,
                                                       strlen(msgtext));

            qemuMonitorSetBroken(mon, VIR_ERR_INTERNAL_ERROR,
                                 g_strdup_printf(_("unexpected message from QEMU monitor: '%s'"),
                                                 quoted));
        }
        return -1;
    }
}


int
qemuMonitorNextEvent(qemuMonitor *mon, int timeout_ms, virJSONValue **event)
{
    gint64 deadline = qemuMonitorDeadline(timeout_ms);
    int rc;

    *event = NULL;
    if (g_queue_is_empty(&mon->events) &&
        (rc = qemuMonitorReadEvent(mon, deadline)) <= 0)
        return rc;
    *event = g_queue_pop_head(&mon->events);
    return 1;
}


/* Does @event match the name and predicate? */
static bool
qemuMonitorEventMatches(virJSONValue *event, const char *name,
                        qemuMonitorEventPredicate predicate, void *opaque)
{
    const char *ev = virJSONValueObjectGetString(event, KEY(EVENT));

    if (!ev || !g_str_equal(ev, name))
        return false;
    return !predicate || predicate(event, opaque);
}


int
qemuMonitorWaitEvent(qemuMonitor *mon, const char *name,
                     qemuMonitorEventPredicate predicate, void *opaque,
                     int timeout_ms, virJSONValue **event)
{
    gint64 deadline = qemuMonitorDeadline(timeout_ms);
    GList *seen = NULL;

    if (event)
        *event = NULL;
    for (;;) {
        GList *l = seen ? seen->next : mon->events.head;
        int rc;

        for (; l; l = l->next) {
            seen = l;
            if (qemuMonitorEventMatches(l->data, name, predicate, opaque)) {
                virJSONValue *found = l->data;

                g_queue_delete_link(&mon->events, l);
                if (event)
                    *event = found;
                else
                    virJSONValueFree(found);
                return 0;
            }
        }
        /* Events may be dropped from the head by the cap: rescan then. */
        if (g_queue_get_length(&mon->events) >= QEMU_MONITOR_MAX_EVENTS)
            seen = NULL;
        rc = qemuMonitorReadEvent(mon, deadline);
        if (rc < 0)
            return -1;
        if (rc == 0) {
            virReportError(VIR_ERR_OPERATION_TIMEOUT,
                           _("QEMU event '%s' did not arrive within %d ms"),
                           name, timeout_ms);
            return -1;
        }
    }
}

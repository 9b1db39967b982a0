/*
 * qemumonitorrecorder.c: record a QMP transcript from real QEMU
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virjson.h"

#include "qemumonitorrecorder.h"
#include "testutils.h"

typedef struct {
    char *execute;
    char *reply;
    char *why;
} qemuMonitorRecorderInjection;

struct _qemuMonitorRecorder {
    char *listenPath;
    char *qemuPath;
    int listenfd;
    int stopfd[2];
    GThread *thread;

    GMutex lock;                  /* the fields below */
    GString *out;
    GQueue injections;            /* of qemuMonitorRecorderInjection */
    qemuMonitorRecorderCheck check;
    void *checkOpaque;
    bool hadSession;
    char *error;
};

/* Where a session is in the handshake. */
typedef enum {
    RECORDER_WANT_GREETING,
    RECORDER_WANT_CAPS,
    RECORDER_WANT_CAPS_REPLY,
    RECORDER_READY,
} qemuMonitorRecorderPhase;

typedef struct {
    qemuMonitorRecorder *rec;
    int cfd;                      /* Fleece */
    int qfd;                      /* QEMU */
    qemuMonitorRecorderPhase phase;
    GString *early;               /* QEMU messages before the handshake ended */
} qemuMonitorRecorderSession;


static void
qemuMonitorRecorderInjectionFree(qemuMonitorRecorderInjection *inj)
{
    g_free(inj->execute);
    g_free(inj->reply);
    g_free(inj->why);
    g_free(inj);
}


static void G_GNUC_PRINTF(2, 3)
qemuMonitorRecorderFail(qemuMonitorRecorder *rec, const char *fmt, ...)
{
    va_list ap;

    g_mutex_lock(&rec->lock);
    if (!rec->error) {
        va_start(ap, fmt);
        rec->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
    }
    g_mutex_unlock(&rec->lock);
}


static void
qemuMonitorRecorderAppend(qemuMonitorRecorder *rec, const char *line)
{
    g_mutex_lock(&rec->lock);
    g_string_append_printf(rec->out, "%s\n", line);
    g_mutex_unlock(&rec->lock);
}


/* @msg as one compact line, without "id", with event timestamps zeroed. */
static char *
qemuMonitorRecorderNormalise(json_object *msg)
{
    json_object *ts;

    json_object_object_del(msg, "id");
    if (json_object_object_get_ex(msg, "timestamp", &ts)) {
        json_object_object_add(ts, "seconds", json_object_new_int(0));
        json_object_object_add(ts, "microseconds", json_object_new_int(0));
    }
    return g_strdup(json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
}


static int
qemuMonitorRecorderSend(int fd, const char *text)
{
    g_autofree char *line = g_strdup_printf("%s\r\n", text);
    size_t len = strlen(line);
    size_t done = 0;

    while (done < len) {
        ssize_t put = send(fd, line + done, len - done, MSG_NOSIGNAL);

        if (put < 0 && errno == EINTR)
            continue;
        if (put < 0)
            return -1;
        done += put;
    }
    return 0;
}


/* The next injection waiting for @execute, taken off the queue. */
static qemuMonitorRecorderInjection *
qemuMonitorRecorderTakeInjection(qemuMonitorRecorder *rec, const char *execute)
{
    qemuMonitorRecorderInjection *inj = NULL;
    GList *l;

    g_mutex_lock(&rec->lock);
    for (l = rec->injections.head; l; l = l->next) {
        qemuMonitorRecorderInjection *cand = l->data;

        if (g_str_equal(cand->execute, execute)) {
            inj = cand;
            g_queue_delete_link(&rec->injections, l);
            break;
        }
    }
    g_mutex_unlock(&rec->lock);
    return inj;
}


/* A line from Fleece: recorded, then relayed to QEMU or answered here. */
static int
qemuMonitorRecorderFromClient(qemuMonitorRecorderSession *s, const char *line)
{
    qemuMonitorRecorder *rec = s->rec;
    g_autoptr(virJSONValue) msg = json_tokener_parse(line);
    json_object *exec = NULL;
    json_object *id = NULL;
    g_autoptr(virJSONValue) idCopy = NULL;
    g_autofree char *text = NULL;
    g_autofree char *record = NULL;
    const char *execute;
    const char *state = NULL;
    qemuMonitorRecorderInjection *inj;

    if (!msg || !json_object_object_get_ex(msg, "execute", &exec)) {
        qemuMonitorRecorderFail(rec, "Fleece sent something that is not a command: %s", line);
        return -1;
    }
    execute = json_object_get_string(exec);
    if (s->phase == RECORDER_WANT_CAPS && g_str_equal(execute, "qmp_capabilities")) {
        s->phase = RECORDER_WANT_CAPS_REPLY;
        return qemuMonitorRecorderSend(s->qfd, line);
    }
    if (json_object_object_get_ex(msg, "id", &id))
        json_object_deep_copy(id, &idCopy, NULL);
    text = qemuMonitorRecorderNormalise(msg);
    record = g_strdup_printf("-> %s", text);
    qemuMonitorRecorderAppend(rec, record);

    if (rec->check && (state = rec->check(execute, rec->checkOpaque))) {
        g_autofree char *chk = g_strdup_printf("!check %s", state);

        qemuMonitorRecorderAppend(rec, chk);
    }

    if ((inj = qemuMonitorRecorderTakeInjection(rec, execute))) {
        g_autoptr(virJSONValue) reply = json_tokener_parse(inj->reply);
        g_autofree char *why = g_strdup_printf("# INJECTED: %s", inj->why);
        g_autofree char *rtext = NULL;
        int rc;

        if (!reply) {
            qemuMonitorRecorderFail(rec, "bad injected reply: %s", inj->reply);
            qemuMonitorRecorderInjectionFree(inj);
            return -1;
        }
        rtext = qemuMonitorRecorderNormalise(reply);
        qemuMonitorRecorderAppend(rec, why);
        record = g_strdup_printf("<- %s", rtext);
        qemuMonitorRecorderAppend(rec, record);
        if (idCopy)
            json_object_object_add(reply, "id", json_object_get(idCopy));
        rc = qemuMonitorRecorderSend(s->cfd, json_object_to_json_string(reply));
        qemuMonitorRecorderInjectionFree(inj);
        return rc;
    }
    return qemuMonitorRecorderSend(s->qfd, line);
}


/* A line from QEMU: recorded and relayed to Fleece. */
static int
qemuMonitorRecorderFromQEMU(qemuMonitorRecorderSession *s, const char *line)
{
    qemuMonitorRecorder *rec = s->rec;
    g_autoptr(virJSONValue) msg = json_tokener_parse(line);
    g_autofree char *text = NULL;

    if (!msg || !json_object_is_type(msg, json_type_object)) {
        qemuMonitorRecorderFail(rec, "QEMU sent something that is not JSON: %s", line);
        return -1;
    }
    if (s->phase == RECORDER_WANT_GREETING && json_object_object_get_ex(msg, "QMP", NULL)) {
        s->phase = RECORDER_WANT_CAPS;
    } else if (s->phase == RECORDER_WANT_CAPS_REPLY &&
               json_object_object_get_ex(msg, "return", NULL)) {
        s->phase = RECORDER_READY;
        qemuMonitorRecorderAppend(rec, "!handshake");
        if (s->early->len) {
            g_mutex_lock(&rec->lock);
            g_string_append(rec->out, s->early->str);
            g_mutex_unlock(&rec->lock);
        }
    } else {
        text = qemuMonitorRecorderNormalise(msg);
        if (s->phase == RECORDER_READY) {
            g_autofree char *record = g_strdup_printf("<- %s", text);

            qemuMonitorRecorderAppend(rec, record);
        } else {
            g_string_append_printf(s->early, "<- %s\n", text);
        }
    }
    return qemuMonitorRecorderSend(s->cfd, line);
}


/* Split complete lines off @buf and hand them to @fn. */
static int
qemuMonitorRecorderLines(qemuMonitorRecorderSession *s, GString *buf,
                         int (*fn)(qemuMonitorRecorderSession *s, const char *line))
{
    char *nl;

    while ((nl = memchr(buf->str, '\n', buf->len))) {
        size_t len = nl - buf->str;
        g_autofree char *line = g_strstrip(g_strndup(buf->str, len));

        g_string_erase(buf, 0, len + 1);
        if (*line && fn(s, line) < 0)
            return -1;
    }
    return 0;
}


/* Relay one connection of Fleece until it closes. */
static void
qemuMonitorRecorderSessionRun(qemuMonitorRecorder *rec, int cfd)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    qemuMonitorRecorderSession s = { .rec = rec, .cfd = cfd, .qfd = -1 };
    g_autoptr(GString) cbuf = g_string_new(NULL);
    g_autoptr(GString) qbuf = g_string_new(NULL);

    s.early = g_string_new(NULL);
    g_strlcpy(addr.sun_path, rec->qemuPath, sizeof(addr.sun_path));
    if ((s.qfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        connect(s.qfd, (struct sockaddr *) &addr, sizeof(addr)) < 0) {
        qemuMonitorRecorderFail(rec, "cannot connect to QEMU at '%s': %s",
                                rec->qemuPath, g_strerror(errno));
        goto cleanup;
    }
    g_mutex_lock(&rec->lock);
    if (rec->hadSession)
        g_string_append(rec->out, "!reconnect\n");
    rec->hadSession = true;
    g_mutex_unlock(&rec->lock);

    for (;;) {
        struct pollfd pfd[3] = {
            { .fd = cfd, .events = POLLIN },
            { .fd = s.qfd, .events = POLLIN },
            { .fd = rec->stopfd[0], .events = POLLIN },
        };
        char chunk[65536];
        ssize_t got;

        if (poll(pfd, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            qemuMonitorRecorderFail(rec, "poll: %s", g_strerror(errno));
            break;
        }
        if (pfd[1].revents) {
            got = recv(s.qfd, chunk, sizeof(chunk), 0);
            if (got <= 0) {
                qemuMonitorRecorderFail(rec, "QEMU closed its monitor");
                break;
            }
            g_string_append_len(qbuf, chunk, got);
            if (qemuMonitorRecorderLines(&s, qbuf, qemuMonitorRecorderFromQEMU) < 0)
                break;
        }
        if (pfd[0].revents) {
            got = recv(cfd, chunk, sizeof(chunk), 0);
            if (got < 0 && errno == ECONNRESET)
                got = 0;
            if (got <= 0)
                break;                       /* Fleece closed: session over */
            g_string_append_len(cbuf, chunk, got);
            if (qemuMonitorRecorderLines(&s, cbuf, qemuMonitorRecorderFromClient) < 0)
                break;
            continue;
        }
        /* a stop only counts once Fleece's close has been read */
        if (pfd[2].revents && !pfd[1].revents) {
            qemuMonitorRecorderFail(rec, "stopped while Fleece was still connected");
            break;
        }
    }

 cleanup:
    if (s.qfd >= 0)
        close(s.qfd);
    g_string_free(s.early, TRUE);
}


static gpointer
qemuMonitorRecorderThread(gpointer opaque)
{
    qemuMonitorRecorder *rec = opaque;

    for (;;) {
        struct pollfd pfd[2] = {
            { .fd = rec->listenfd, .events = POLLIN },
            { .fd = rec->stopfd[0], .events = POLLIN },
        };
        int cfd;

        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            qemuMonitorRecorderFail(rec, "poll: %s", g_strerror(errno));
            return NULL;
        }
        if (pfd[1].revents)
            return NULL;
        if ((cfd = accept4(rec->listenfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
            qemuMonitorRecorderFail(rec, "accept: %s", g_strerror(errno));
            return NULL;
        }
        qemuMonitorRecorderSessionRun(rec, cfd);
        close(cfd);
    }
}


qemuMonitorRecorder *
qemuMonitorRecorderNew(const char *listenPath, const char *qemuPath)
{
    g_autoptr(qemuMonitorRecorder) rec = g_new0(qemuMonitorRecorder, 1);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };

    rec->listenfd = -1;
    rec->stopfd[0] = rec->stopfd[1] = -1;
    g_mutex_init(&rec->lock);
    g_queue_init(&rec->injections);
    rec->out = g_string_new(NULL);
    rec->listenPath = g_strdup(listenPath);
    rec->qemuPath = g_strdup(qemuPath);
    g_strlcpy(addr.sun_path, listenPath, sizeof(addr.sun_path));
    if (pipe2(rec->stopfd, O_CLOEXEC) < 0 ||
        (rec->listenfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(rec->listenfd, (struct sockaddr *) &addr, sizeof(addr)) < 0 ||
        listen(rec->listenfd, 4) < 0) {
        virTestDiag("recorder cannot listen on '%s': %s", listenPath, g_strerror(errno));
        return NULL;
    }
    rec->thread = g_thread_new("qmp-recorder", qemuMonitorRecorderThread, rec);
    return g_steal_pointer(&rec);
}


void
qemuMonitorRecorderInject(qemuMonitorRecorder *rec, const char *execute,
                          const char *reply, const char *why)
{
    qemuMonitorRecorderInjection *inj = g_new0(qemuMonitorRecorderInjection, 1);

    inj->execute = g_strdup(execute);
    inj->reply = g_strdup(reply);
    inj->why = g_strdup(why);
    g_mutex_lock(&rec->lock);
    g_queue_push_tail(&rec->injections, inj);
    g_mutex_unlock(&rec->lock);
}


void
qemuMonitorRecorderSetCheck(qemuMonitorRecorder *rec,
                            qemuMonitorRecorderCheck check, void *opaque)
{
    g_mutex_lock(&rec->lock);
    rec->check = check;
    rec->checkOpaque = opaque;
    g_mutex_unlock(&rec->lock);
}


void
qemuMonitorRecorderComment(qemuMonitorRecorder *rec, const char *text)
{
    g_mutex_lock(&rec->lock);
    g_string_append_printf(rec->out, "# %s\n", text);
    g_mutex_unlock(&rec->lock);
}


/* Stop the thread (idempotent). */
static void
qemuMonitorRecorderStop(qemuMonitorRecorder *rec)
{
    if (!rec->thread)
        return;
    if (write(rec->stopfd[1], "x", 1) != 1)
        qemuMonitorRecorderFail(rec, "cannot stop the recorder");
    g_thread_join(rec->thread);
    rec->thread = NULL;
}


char *
qemuMonitorRecorderFinish(qemuMonitorRecorder *rec)
{
    qemuMonitorRecorderStop(rec);
    if (!rec->error && rec->injections.length > 0) {
        qemuMonitorRecorderInjection *inj = g_queue_peek_head(&rec->injections);

        rec->error = g_strdup_printf("Fleece never sent '%s' (injection unused)",
                                     inj->execute);
    }
    if (rec->error) {
        virTestDiag("recorder: %s", rec->error);
        return NULL;
    }
    return g_strdup(rec->out->str);
}


void
qemuMonitorRecorderFree(qemuMonitorRecorder *rec)
{
    if (!rec)
        return;
    qemuMonitorRecorderStop(rec);
    if (rec->listenfd >= 0) {
        close(rec->listenfd);
        unlink(rec->listenPath);
    }
    if (rec->stopfd[0] >= 0)
        close(rec->stopfd[0]);
    if (rec->stopfd[1] >= 0)
        close(rec->stopfd[1]);
    g_queue_clear_full(&rec->injections,
                       (GDestroyNotify) qemuMonitorRecorderInjectionFree);
    g_string_free(rec->out, TRUE);
    g_mutex_clear(&rec->lock);
    g_free(rec->listenPath);
    g_free(rec->qemuPath);
    g_free(rec->error);
    g_free(rec);
}

/*
 * vireventpoll.c: the default event loop (poll() + a wakeup pipe)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <glib.h>
#include <glib-unix.h>

#include "vireventpoll.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_EVENT

VIR_LOG_INIT("util.eventpoll");

typedef struct _virEventPollHandle virEventPollHandle;
struct _virEventPollHandle {
    int watch;
    int fd;
    int events;                 /* virEventHandleType bits */
    virEventHandleCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool deleted;
};

typedef struct _virEventPollTimeout virEventPollTimeout;
struct _virEventPollTimeout {
    int timer;
    int frequency;              /* ms; -1 disabled */
    gint64 expiresAt;           /* monotonic ms */
    virEventTimeoutCallback cb;
    void *opaque;
    virFreeCallback ff;
    bool deleted;
};

/* A free callback owed to an opaque pointer, called without the lock. */
typedef struct {
    virFreeCallback ff;
    void *opaque;
} virEventPollRelease;

static struct {
    GMutex lock;
    bool initialized;
    int wakeup[2];              /* read end, write end */
    bool running;               /* an iteration is in progress */
    GThread *runner;            /* the thread running it */
    bool wakeupSent;
    GPtrArray *handles;         /* of virEventPollHandle * */
    GPtrArray *timeouts;        /* of virEventPollTimeout * */
    int nextWatch;
    int nextTimer;
} eventLoop;

static gint64
virEventPollNow(void)
{
    return g_get_monotonic_time() / 1000;
}

int
virEventPollInit(void)
{
    GError *gerr = NULL;
    int rc = 0;

    g_mutex_lock(&eventLoop.lock);
    if (!eventLoop.initialized) {
        if (!g_unix_open_pipe(eventLoop.wakeup, FD_CLOEXEC, &gerr) ||
            !g_unix_set_fd_nonblocking(eventLoop.wakeup[0], TRUE, NULL) ||
            !g_unix_set_fd_nonblocking(eventLoop.wakeup[1], TRUE, NULL)) {
            virReportSystemError(errno, "%s",
                                 _("cannot create the event loop wakeup pipe"));
            g_clear_error(&gerr);
            rc = -1;
        } else {
            eventLoop.handles = g_ptr_array_new();
            eventLoop.timeouts = g_ptr_array_new();
            eventLoop.nextWatch = 1;
            eventLoop.nextTimer = 1;
            eventLoop.initialized = true;
        }
    }
    g_mutex_unlock(&eventLoop.lock);
    return rc;
}

/* Interrupt a poll() running in another thread; lock held. */
static void
virEventPollInterruptLocked(void)
{
    char c = 0;

    if (!eventLoop.running || eventLoop.runner == g_thread_self() ||
        eventLoop.wakeupSent)
        return;
    if (write(eventLoop.wakeup[1], &c, 1) == 1)
        eventLoop.wakeupSent = true;
}

static int
virEventPollToPollEvents(int events)
{
    int ret = 0;

    if (events & VIR_EVENT_HANDLE_READABLE)
        ret |= POLLIN;
    if (events & VIR_EVENT_HANDLE_WRITABLE)
        ret |= POLLOUT;
    return ret;
}

static int
virEventPollFromPollEvents(int revents)
{
    int ret = 0;

    if (revents & POLLIN)
        ret |= VIR_EVENT_HANDLE_READABLE;
    if (revents & POLLOUT)
        ret |= VIR_EVENT_HANDLE_WRITABLE;
    if (revents & (POLLERR | POLLNVAL))
        ret |= VIR_EVENT_HANDLE_ERROR;
    if (revents & POLLHUP)
        ret |= VIR_EVENT_HANDLE_HANGUP;
    return ret;
}

/* Reports the error for a call made before virEventPollInit. */
static bool
virEventPollCheckInitLocked(void)
{
    if (eventLoop.initialized)
        return true;
    virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                   _("default event loop not initialized"));
    return false;
}

int
virEventPollAddHandle(int fd, int events, virEventHandleCallback cb,
                      void *opaque, virFreeCallback ff)
{
    virEventPollHandle *handle;
    int watch;

    if (fd < 0 || !cb) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("a handle needs a valid descriptor and a callback"));
        return -1;
    }
    g_mutex_lock(&eventLoop.lock);
    if (!virEventPollCheckInitLocked()) {
        g_mutex_unlock(&eventLoop.lock);
        return -1;
    }
    handle = g_new0(virEventPollHandle, 1);
    handle->watch = watch = eventLoop.nextWatch++;
    handle->fd = fd;
    handle->events = events;
    handle->cb = cb;
    handle->opaque = opaque;
    handle->ff = ff;
    g_ptr_array_add(eventLoop.handles, handle);
    virEventPollInterruptLocked();
    g_mutex_unlock(&eventLoop.lock);
    VIR_DEBUG("added handle watch=%d fd=%d events=%d", watch, fd, events);
    return watch;
}

static virEventPollHandle *
virEventPollFindHandleLocked(int watch, guint *idx)
{
    guint i;

    if (!eventLoop.initialized)
        return NULL;
    for (i = 0; i < eventLoop.handles->len; i++) {
        virEventPollHandle *handle = g_ptr_array_index(eventLoop.handles, i);

        if (handle->watch == watch && !handle->deleted) {
            if (idx)
                *idx = i;
            return handle;
        }
    }
    return NULL;
}

void
virEventPollUpdateHandle(int watch, int events)
{
    virEventPollHandle *handle;

    g_mutex_lock(&eventLoop.lock);
    if ((handle = virEventPollFindHandleLocked(watch, NULL))) {
        handle->events = events;
        virEventPollInterruptLocked();
    } else {
        VIR_DEBUG("update of unknown watch %d ignored", watch);
    }
    g_mutex_unlock(&eventLoop.lock);
}

int
virEventPollRemoveHandle(int watch)
{
    virEventPollHandle *handle;
    virEventPollRelease release = { NULL, NULL };
    guint idx;

    g_mutex_lock(&eventLoop.lock);
    if (!(handle = virEventPollFindHandleLocked(watch, &idx))) {
        g_mutex_unlock(&eventLoop.lock);
        virReportError(VIR_ERR_INVALID_ARG, _("no event handle '%d'"), watch);
        return -1;
    }
    if (eventLoop.running) {
        /* the loop may be about to dispatch it: freed after dispatch */
        handle->deleted = true;
        virEventPollInterruptLocked();
        handle = NULL;
    } else {
        g_ptr_array_remove_index(eventLoop.handles, idx);
        release.ff = handle->ff;
        release.opaque = handle->opaque;
    }
    g_mutex_unlock(&eventLoop.lock);

    if (release.ff)
        release.ff(release.opaque);
    g_free(handle);
    return 0;
}

int
virEventPollAddTimeout(int frequency, virEventTimeoutCallback cb,
                       void *opaque, virFreeCallback ff)
{
    virEventPollTimeout *timeout;
    int timer;

    if (!cb) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("a timeout needs a callback"));
        return -1;
    }
    g_mutex_lock(&eventLoop.lock);
    if (!virEventPollCheckInitLocked()) {
        g_mutex_unlock(&eventLoop.lock);
        return -1;
    }
    timeout = g_new0(virEventPollTimeout, 1);
    timeout->timer = timer = eventLoop.nextTimer++;
    timeout->frequency = frequency < 0 ? -1 : frequency;
    timeout->expiresAt = virEventPollNow() + MAX(frequency, 0);
    timeout->cb = cb;
    timeout->opaque = opaque;
    timeout->ff = ff;
    g_ptr_array_add(eventLoop.timeouts, timeout);
    virEventPollInterruptLocked();
    g_mutex_unlock(&eventLoop.lock);
    VIR_DEBUG("added timeout timer=%d frequency=%d", timer, frequency);
    return timer;
}

static virEventPollTimeout *
virEventPollFindTimeoutLocked(int timer, guint *idx)
{
    guint i;

    if (!eventLoop.initialized)
        return NULL;
    for (i = 0; i < eventLoop.timeouts->len; i++) {
        virEventPollTimeout *timeout = g_ptr_array_index(eventLoop.timeouts, i);

        if (timeout->timer == timer && !timeout->deleted) {
            if (idx)
                *idx = i;
            return timeout;
        }
    }
    return NULL;
}

void
virEventPollUpdateTimeout(int timer, int frequency)
{
    virEventPollTimeout *timeout;

    g_mutex_lock(&eventLoop.lock);
    if ((timeout = virEventPollFindTimeoutLocked(timer, NULL))) {
        timeout->frequency = frequency < 0 ? -1 : frequency;
        timeout->expiresAt = virEventPollNow() + MAX(frequency, 0);
        virEventPollInterruptLocked();
    } else {
        VIR_DEBUG("update of unknown timer %d ignored", timer);
    }
    g_mutex_unlock(&eventLoop.lock);
}

int
virEventPollRemoveTimeout(int timer)
{
    virEventPollTimeout *timeout;
    virEventPollRelease release = { NULL, NULL };
    guint idx;

    g_mutex_lock(&eventLoop.lock);
    if (!(timeout = virEventPollFindTimeoutLocked(timer, &idx))) {
        g_mutex_unlock(&eventLoop.lock);
        virReportError(VIR_ERR_INVALID_ARG, _("no event timeout '%d'"), timer);
        return -1;
    }
    if (eventLoop.running) {
        timeout->deleted = true;
        virEventPollInterruptLocked();
        timeout = NULL;
    } else {
        g_ptr_array_remove_index(eventLoop.timeouts, idx);
        release.ff = timeout->ff;
        release.opaque = timeout->opaque;
    }
    g_mutex_unlock(&eventLoop.lock);

    if (release.ff)
        release.ff(release.opaque);
    g_free(timeout);
    return 0;
}

/* Milliseconds until the next enabled timer is due (0 if overdue), or
 * -1 when no timer is enabled; lock held. */
static int
virEventPollNextTimeoutLocked(void)
{
    gint64 now = virEventPollNow();
    gint64 best = -1;
    guint i;

    for (i = 0; i < eventLoop.timeouts->len; i++) {
        virEventPollTimeout *timeout = g_ptr_array_index(eventLoop.timeouts, i);
        gint64 wait;

        if (timeout->deleted || timeout->frequency < 0)
            continue;
        wait = MAX(timeout->expiresAt - now, 0);
        if (best < 0 || wait < best)
            best = wait;
    }
    return best < 0 ? -1 : (int) MIN(best, G_MAXINT);
}

/* Fire the timers due now; lock held, dropped around each callback.
 * Timers added by a callback wait for the next iteration. */
static void
virEventPollDispatchTimeoutsLocked(void)
{
    guint n = eventLoop.timeouts->len;
    guint i;

    for (i = 0; i < n; i++) {
        virEventPollTimeout *timeout = g_ptr_array_index(eventLoop.timeouts, i);
        virEventTimeoutCallback cb;
        void *opaque;
        int timer;
        gint64 now = virEventPollNow();

        if (timeout->deleted || timeout->frequency < 0 ||
            timeout->expiresAt > now)
            continue;
        timeout->expiresAt = now + timeout->frequency;
        cb = timeout->cb;
        opaque = timeout->opaque;
        timer = timeout->timer;

        g_mutex_unlock(&eventLoop.lock);
        cb(timer, opaque);
        g_mutex_lock(&eventLoop.lock);
    }
}

/* Call the callbacks of ready descriptors; lock held, dropped around
 * each callback.  @watches[i] is the watch polled as @fds[i]. */
static void
virEventPollDispatchHandlesLocked(struct pollfd *fds, int *watches,
                                  guint nfds)
{
    guint i;

    for (i = 0; i < nfds; i++) {
        virEventPollHandle *handle;
        virEventHandleCallback cb;
        void *opaque;
        int events;
        int fd;

        if (!fds[i].revents)
            continue;
        /* it may have been removed by an earlier callback */
        if (!(handle = virEventPollFindHandleLocked(watches[i], NULL)))
            continue;
        events = virEventPollFromPollEvents(fds[i].revents);
        cb = handle->cb;
        opaque = handle->opaque;
        fd = handle->fd;

        g_mutex_unlock(&eventLoop.lock);
        cb(watches[i], fd, events, opaque);
        g_mutex_lock(&eventLoop.lock);
    }
}

/* Take out the entries marked deleted; their free callbacks are
 * returned to be called once the lock is released.  Lock held. */
static GArray *
virEventPollCleanupLocked(void)
{
    GArray *releases = g_array_new(FALSE, FALSE, sizeof(virEventPollRelease));
    guint i = 0;

    while (i < eventLoop.handles->len) {
        virEventPollHandle *handle = g_ptr_array_index(eventLoop.handles, i);
        virEventPollRelease release = { handle->ff, handle->opaque };

        if (!handle->deleted) {
            i++;
            continue;
        }
        if (release.ff)
            g_array_append_val(releases, release);
        g_ptr_array_remove_index(eventLoop.handles, i);
        g_free(handle);
    }
    i = 0;
    while (i < eventLoop.timeouts->len) {
        virEventPollTimeout *timeout = g_ptr_array_index(eventLoop.timeouts, i);
        virEventPollRelease release = { timeout->ff, timeout->opaque };

        if (!timeout->deleted) {
            i++;
            continue;
        }
        if (release.ff)
            g_array_append_val(releases, release);
        g_ptr_array_remove_index(eventLoop.timeouts, i);
        g_free(timeout);
    }
    return releases;
}

static void
virEventPollDrainWakeup(void)
{
    char buf[64];

    while (read(eventLoop.wakeup[0], buf, sizeof(buf)) > 0)
        ;
}

int
virEventPollRunOnce(void)
{
    g_autofree struct pollfd *fds = NULL;
    g_autofree int *watches = NULL;
    GArray *releases;
    guint nfds = 0;
    guint i;
    int timeout;
    int npolled;
    int saved_errno;

    g_mutex_lock(&eventLoop.lock);
    if (!virEventPollCheckInitLocked()) {
        g_mutex_unlock(&eventLoop.lock);
        return -1;
    }
    if (eventLoop.running) {
        g_mutex_unlock(&eventLoop.lock);
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("the event loop is already running"));
        return -1;
    }
    eventLoop.running = true;
    eventLoop.runner = g_thread_self();

    /* slot 0 is the wakeup pipe */
    fds = g_new0(struct pollfd, eventLoop.handles->len + 1);
    watches = g_new0(int, eventLoop.handles->len + 1);
    fds[nfds].fd = eventLoop.wakeup[0];
    fds[nfds].events = POLLIN;
    nfds++;
    for (i = 0; i < eventLoop.handles->len; i++) {
        virEventPollHandle *handle = g_ptr_array_index(eventLoop.handles, i);

        if (handle->deleted || !handle->events)
            continue;
        fds[nfds].fd = handle->fd;
        fds[nfds].events = virEventPollToPollEvents(handle->events);
        watches[nfds] = handle->watch;
        nfds++;
    }
    timeout = virEventPollNextTimeoutLocked();
    g_mutex_unlock(&eventLoop.lock);

    do {
        npolled = poll(fds, nfds, timeout);
    } while (npolled < 0 && errno == EINTR);
    saved_errno = errno;

    g_mutex_lock(&eventLoop.lock);
    if (fds[0].revents) {
        virEventPollDrainWakeup();
        eventLoop.wakeupSent = false;
    }
    if (npolled >= 0) {
        virEventPollDispatchTimeoutsLocked();
        virEventPollDispatchHandlesLocked(fds + 1, watches + 1, nfds - 1);
    }
    releases = virEventPollCleanupLocked();
    eventLoop.running = false;
    eventLoop.runner = NULL;
    g_mutex_unlock(&eventLoop.lock);

    for (i = 0; i < releases->len; i++) {
        virEventPollRelease *release = &g_array_index(releases,
                                                      virEventPollRelease, i);
        release->ff(release->opaque);
    }
    g_array_free(releases, TRUE);

    if (npolled < 0) {
        virReportSystemError(saved_errno, "%s",
                             _("waiting for events failed"));
        return -1;
    }
    return 0;
}

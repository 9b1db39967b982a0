/*
 * remote_daemon_watch.c: lifecycle events for changes made by anyone
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <glib-unix.h>

#include "remote_daemon_watch.h"
#include "qemu_conf.h"
#include "qemu_domainpeek.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"
#include "libvirt/libvirt.h"

#define VIR_FROM_THIS VIR_FROM_REMOTE

VIR_LOG_INIT("remote.watch");

/* Changes come in bursts (a status file and its config): wait this long
 * after the first before looking. */
#define REMOTE_WATCH_SETTLE_MS 20
/* How often the QEMU processes of running domains are checked. */
#define REMOTE_WATCH_ALIVE_MS 1000

struct _remoteWatcher {
    qemuDriver *driver;
    char *driverURI;
    remoteWatcherEventFunc func;
    void *opaque;
    int inotify;
    int stop[2];
    GThread *thread;
    GHashTable *seen;              /* name -> qemuDomainPeek */
};

static void
remoteWatcherEmit(remoteWatcher *w, const qemuDomainPeek *p, int id, int event,
                  int detail)
{
    VIR_DEBUG("domain '%s': event %d detail %d", p->name, event, detail);
    w->func(p->name, p->uuid, id, event, detail, w->opaque);
}

static int
remoteWatcherStoppedDetail(int reason)
{
    switch ((virDomainShutoffReason) reason) {
    case VIR_DOMAIN_SHUTOFF_SHUTDOWN:
        return VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN;
    case VIR_DOMAIN_SHUTOFF_CRASHED:
        return VIR_DOMAIN_EVENT_STOPPED_CRASHED;
    case VIR_DOMAIN_SHUTOFF_FAILED:
        return VIR_DOMAIN_EVENT_STOPPED_FAILED;
    default:
        return VIR_DOMAIN_EVENT_STOPPED_DESTROYED;
    }
}

static int
remoteWatcherSuspendedDetail(int reason)
{
    return reason == VIR_DOMAIN_PAUSED_IOERROR ? VIR_DOMAIN_EVENT_SUSPENDED_IOERROR
                                               : VIR_DOMAIN_EVENT_SUSPENDED_PAUSED;
}

/* The events that lead from @old (NULL: unknown) to @cur (NULL: gone). */
static void
remoteWatcherCompare(remoteWatcher *w, const qemuDomainPeek *old, const qemuDomainPeek *cur)
{
    bool wasDefined = old && old->persistent;
    bool isDefined = cur && cur->persistent;
    bool wasActive = old && old->active;
    bool isActive = cur && cur->active;
    const qemuDomainPeek *any = cur ? cur : old;

    if (!wasDefined && isDefined)
        remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_DEFINED,
                          VIR_DOMAIN_EVENT_DEFINED_ADDED);
    else if (wasDefined && isDefined && old->configStamp != cur->configStamp)
        remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_DEFINED,
                          VIR_DOMAIN_EVENT_DEFINED_UPDATED);

    if (wasActive && (!isActive || old->id != cur->id)) {
        int reason = cur && !isActive ? cur->reason : VIR_DOMAIN_SHUTOFF_DESTROYED;

        remoteWatcherEmit(w, old, -1, VIR_DOMAIN_EVENT_STOPPED,
                          remoteWatcherStoppedDetail(reason));
        wasActive = false;
    }
    if (!wasActive && isActive) {
        remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_STARTED,
                          VIR_DOMAIN_EVENT_STARTED_BOOTED);
        if (cur->state == VIR_DOMAIN_PAUSED)
            remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_SUSPENDED,
                              remoteWatcherSuspendedDetail(cur->reason));
    } else if (wasActive && isActive && old->state != cur->state) {
        if (cur->state == VIR_DOMAIN_PAUSED)
            remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_SUSPENDED,
                              remoteWatcherSuspendedDetail(cur->reason));
        else if (old->state == VIR_DOMAIN_PAUSED && cur->state == VIR_DOMAIN_RUNNING)
            remoteWatcherEmit(w, cur, cur->id, VIR_DOMAIN_EVENT_RESUMED,
                              VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    }

    if (wasDefined && !isDefined)
        remoteWatcherEmit(w, any, -1, VIR_DOMAIN_EVENT_UNDEFINED,
                          VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
}

static void
remoteWatcherScan(remoteWatcher *w)
{
    g_autoptr(GHashTable) cur = qemuDomainPeekAll(w->driver);
    g_autoptr(GHashTable) old = g_steal_pointer(&w->seen);
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init(&it, cur);
    while (g_hash_table_iter_next(&it, &key, &value))
        remoteWatcherCompare(w, g_hash_table_lookup(old, key), value);
    g_hash_table_iter_init(&it, old);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        if (!g_hash_table_contains(cur, key))
            remoteWatcherCompare(w, value, NULL);
    }
    w->seen = g_steal_pointer(&cur);
}

/* A running domain whose QEMU is gone is reconciled by the driver (its
 * files then say 'crashed', which the next scan reports). */
static void
remoteWatcherCheckAlive(remoteWatcher *w)
{
    GHashTableIter it;
    gpointer value;
    virConnectPtr conn = NULL;

    g_hash_table_iter_init(&it, w->seen);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        qemuDomainPeek *p = value;
        virDomainPtr dom;
        int state;

        if (!p->active || qemuDomainPeekAlive(p))
            continue;
        if (!conn && !(conn = virConnectOpen(w->driverURI)))
            break;
        if ((dom = virDomainLookupByUUID(conn, p->uuid))) {
            ignore_value(virDomainGetState(dom, &state, NULL, 0));
            virDomainFree(dom);
        }
    }
    if (conn)
        virConnectClose(conn);
    virResetLastError();
}

static void
remoteWatcherDrain(int fd)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

    while (read(fd, buf, sizeof(buf)) > 0)
        ;
}

static gpointer
remoteWatcherRun(gpointer opaque)
{
    remoteWatcher *w = opaque;
    gint64 nextAlive = g_get_monotonic_time() + REMOTE_WATCH_ALIVE_MS * 1000;

    for (;;) {
        struct pollfd fds[2] = {
            { .fd = w->stop[0], .events = POLLIN },
            { .fd = w->inotify, .events = POLLIN },
        };
        gint64 wait = (nextAlive - g_get_monotonic_time()) / 1000;
        int rc;

        rc = poll(fds, 2, wait > 0 ? wait : 0);
        if (rc < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        if (fds[1].revents) {
            g_usleep(REMOTE_WATCH_SETTLE_MS * 1000);
            remoteWatcherDrain(w->inotify);
            remoteWatcherScan(w);
        }
        if (g_get_monotonic_time() >= nextAlive) {
            remoteWatcherCheckAlive(w);
            nextAlive = g_get_monotonic_time() + REMOTE_WATCH_ALIVE_MS * 1000;
        }
    }
    return NULL;
}

remoteWatcher *
remoteWatcherNew(const char *root, const char *driverURI, remoteWatcherEventFunc func,
                 void *opaque)
{
    g_autoptr(qemuDriver) driver = NULL;
    remoteWatcher *w;
    GError *gerr = NULL;
    const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                          IN_CREATE;

    if (!(driver = qemuDriverNew(root, false)))
        return NULL;
    w = g_new0(remoteWatcher, 1);
    w->driver = g_steal_pointer(&driver);
    w->driverURI = g_strdup(driverURI);
    w->func = func;
    w->opaque = opaque;
    w->stop[0] = w->stop[1] = -1;
    if ((w->inotify = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0 ||
        inotify_add_watch(w->inotify, w->driver->domainsDir, mask) < 0 ||
        inotify_add_watch(w->inotify, w->driver->runDir, mask) < 0) {
        virReportSystemError(errno, _("cannot watch the directories of '%s'"), root);
        remoteWatcherFree(w);
        return NULL;
    }
    if (!g_unix_open_pipe(w->stop, FD_CLOEXEC, &gerr)) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot create a pipe: %s"), gerr->message);
        g_error_free(gerr);
        remoteWatcherFree(w);
        return NULL;
    }
    w->seen = qemuDomainPeekAll(w->driver);
    w->thread = g_thread_new("fleeced-watch", remoteWatcherRun, w);
    return w;
}

void
remoteWatcherFree(remoteWatcher *w)
{
    if (!w)
        return;
    if (w->thread) {
        ignore_value(write(w->stop[1], "q", 1));
        g_thread_join(w->thread);
    }
    if (w->inotify >= 0)
        close(w->inotify);
    if (w->stop[0] >= 0) {
        close(w->stop[0]);
        close(w->stop[1]);
    }
    if (w->seen)
        g_hash_table_destroy(w->seen);
    qemuDriverFree(w->driver);
    g_free(w->driverURI);
    g_free(w);
}

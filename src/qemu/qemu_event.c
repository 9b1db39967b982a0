/*
 * qemu_event.c: domain events of one embedded-driver connection
 * (see qemu_event.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "qemu_event.h"
#include "qemu_backup.h"
#include "qemu_domain.h"
#include "datatypes.h"
#include "virerror.h"
#include "virlog.h"
#include "virtypedparam.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.event");

/* How often the watcher looks at the domains with a backup. */
#define QEMU_EVENT_WATCH_MS 500

/* A registered callback.  References: the registration (dropped by
 * deregister or close) and each delivery calling it. */
typedef struct {
    gint refs;
    gint removed;                  /* deregistered: not called any more */
    int id;
    int eventID;
    unsigned char uuid[VIR_UUID_BUFLEN];
    bool anyDomain;
    virConnectDomainEventGenericCallback cb;
    void *opaque;
    virFreeCallback freecb;
} qemuEventCallback;

/* An event waiting to be delivered from the application's loop. */
typedef struct {
    int eventID;                   /* LIFECYCLE or JOB_COMPLETED */
    char *name;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int id;
    int event;                     /* lifecycle */
    int detail;
    virTypedParameter *params;     /* job completed */
    int nparams;
} qemuEvent;

/* References: the connection (until it closes), the delivery timer, the
 * watcher thread. */
struct _qemuEventState {
    gint refs;
    GMutex lock;
    GCond cond;                    /* the watcher is told to stop */
    virConnect *conn;              /* NULL once the connection closed */
    char *root;
    bool readonly;
    GPtrArray *callbacks;          /* qemuEventCallback * */
    GPtrArray *pending;            /* qemuEvent * */
    int nextCallbackID;
    int timer;                     /* delivery timer, -1 when none */
    bool watching;                 /* a watcher of generation watchGen runs */
    unsigned int watchGen;
    GHashTable *completedQueued;   /* domain name -> start times (ms) of the
                                    * last jobs whose completion was queued
                                    * (GArray of unsigned long long) */
};

/* The watcher thread's own data. */
typedef struct {
    qemuEventState *st;
    unsigned int gen;
    unsigned long long since;      /* jobs that ended before are not news */
} qemuEventWatcher;

static void
qemuEventCallbackUnref(gpointer p)
{
    qemuEventCallback *cb = p;

    if (!g_atomic_int_dec_and_test(&cb->refs))
        return;
    if (cb->freecb)
        cb->freecb(cb->opaque);
    g_free(cb);
}

static void
qemuEventFree(gpointer p)
{
    qemuEvent *ev = p;

    g_free(ev->name);
    virTypedParamsFree(ev->params, ev->nparams);
    g_free(ev);
}

static qemuEventState *
qemuEventStateRef(qemuEventState *st)
{
    g_atomic_int_inc(&st->refs);
    return st;
}

static void
qemuEventStateUnref(void *opaque)
{
    qemuEventState *st = opaque;

    if (!g_atomic_int_dec_and_test(&st->refs))
        return;
    g_ptr_array_free(st->callbacks, TRUE);
    g_ptr_array_free(st->pending, TRUE);
    g_hash_table_destroy(st->completedQueued);
    g_mutex_clear(&st->lock);
    g_cond_clear(&st->cond);
    g_free(st->root);
    g_free(st);
}

qemuEventState *
qemuEventStateNew(virConnect *conn, const char *root, bool readonly)
{
    qemuEventState *st = g_new0(qemuEventState, 1);

    st->refs = 1;
    g_mutex_init(&st->lock);
    g_cond_init(&st->cond);
    st->conn = conn;
    st->root = g_strdup(root);
    st->readonly = readonly;
    st->callbacks = g_ptr_array_new_with_free_func(qemuEventCallbackUnref);
    st->pending = g_ptr_array_new_with_free_func(qemuEventFree);
    st->timer = -1;
    st->completedQueued = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                g_free, (GDestroyNotify) g_array_unref);
    return st;
}

void
qemuEventStateClose(qemuEventState *st)
{
    g_autoptr(GPtrArray) callbacks = NULL;
    int timer;
    guint i;

    g_mutex_lock(&st->lock);
    st->conn = NULL;
    st->watching = false;
    g_cond_broadcast(&st->cond);
    timer = st->timer;
    st->timer = -1;
    callbacks = g_steal_pointer(&st->callbacks);
    st->callbacks = g_ptr_array_new_with_free_func(qemuEventCallbackUnref);
    for (i = 0; i < callbacks->len; i++) {
        qemuEventCallback *cb = g_ptr_array_index(callbacks, i);

        g_atomic_int_set(&cb->removed, 1);
    }
    g_mutex_unlock(&st->lock);

    /* the timer's free function drops its reference, after a delivery
     * in progress (which holds no connection any more: see Deliver) */
    if (timer >= 0 && virEventRemoveTimeout(timer) < 0)
        virResetLastError();
    g_clear_pointer(&callbacks, g_ptr_array_unref);
    qemuEventStateUnref(st);
}

/* ---- delivery ------------------------------------------------------------- */

/* The callbacks of the connection that want @ev, each with a reference. */
static GPtrArray *
qemuEventMatch(qemuEventState *st, const qemuEvent *ev)
{
    GPtrArray *ret = g_ptr_array_new_with_free_func(qemuEventCallbackUnref);
    guint i;

    g_mutex_lock(&st->lock);
    for (i = 0; i < st->callbacks->len; i++) {
        qemuEventCallback *cb = g_ptr_array_index(st->callbacks, i);

        if (cb->eventID != ev->eventID || g_atomic_int_get(&cb->removed) ||
            (!cb->anyDomain && memcmp(cb->uuid, ev->uuid, VIR_UUID_BUFLEN) != 0))
            continue;
        g_atomic_int_inc(&cb->refs);
        g_ptr_array_add(ret, cb);
    }
    g_mutex_unlock(&st->lock);
    return ret;
}

/* Call @cb for @ev. */
static void
qemuEventCall(virConnect *conn, virDomain *dom, const qemuEvent *ev,
              const qemuEventCallback *cb)
{
    if (ev->eventID == VIR_DOMAIN_EVENT_ID_LIFECYCLE)
        ((virConnectDomainEventCallback) (void (*)(void)) cb->cb)(conn, dom, ev->event,
                                                                  ev->detail, cb->opaque);
    else
        ((virConnectDomainEventJobCompletedCallback) (void (*)(void)) cb->cb)(conn, dom,
                                                                             ev->params,
                                                                             ev->nparams,
                                                                             cb->opaque);
}

/* The delivery timer, in the application's event loop: hand the queued
 * events to the callbacks registered now.  It holds a reference on the
 * connection while it does, so the connection cannot close under it;
 * once the connection is closing it delivers nothing. */
static void
qemuEventDeliver(int timer, void *opaque)
{
    qemuEventState *st = opaque;
    g_autoptr(GPtrArray) events = NULL;
    virConnect *conn = NULL;
    guint i, j;

    g_mutex_lock(&st->lock);
    if (st->timer == timer) {
        if (virEventRemoveTimeout(timer) < 0)
            virResetLastError();
        st->timer = -1;
    }
    if (st->conn)
        conn = virConnectHandleTryRef(st->conn);
    events = g_steal_pointer(&st->pending);
    st->pending = g_ptr_array_new_with_free_func(qemuEventFree);
    g_mutex_unlock(&st->lock);
    if (!conn)
        return;

    for (i = 0; i < events->len; i++) {
        qemuEvent *ev = g_ptr_array_index(events, i);
        g_autoptr(GPtrArray) cbs = qemuEventMatch(st, ev);
        g_autoptr(virDomain) dom = NULL;

        if (cbs->len == 0 || !(dom = virGetDomain(conn, ev->name, ev->uuid, ev->id))) {
            virResetLastError();
            continue;
        }
        for (j = 0; j < cbs->len; j++) {
            qemuEventCallback *cb = g_ptr_array_index(cbs, j);

            if (!g_atomic_int_get(&cb->removed))
                qemuEventCall(conn, dom, ev, cb);
        }
    }
    virConnectHandleUnref(conn);
}

/* Append @ev to the queue and arm the delivery timer; the caller's
 * error, if any, is kept. */
static void
qemuEventQueue(qemuEventState *st, qemuEvent *ev)
{
    virErrorPtr orig = NULL;

    virErrorPreserveLast(&orig);
    g_mutex_lock(&st->lock);
    if (!st->conn) {
        qemuEventFree(ev);
    } else {
        g_ptr_array_add(st->pending, ev);
        if (st->timer < 0) {
            qemuEventStateRef(st);
            st->timer = virEventAddTimeout(0, qemuEventDeliver, st, qemuEventStateUnref);
            if (st->timer < 0) {
                VIR_WARN("cannot deliver domain events: %s", virGetLastErrorMessage());
                g_atomic_int_add(&st->refs, -1);   /* the connection holds one */
            }
        }
    }
    g_mutex_unlock(&st->lock);
    virErrorRestore(&orig);
}

/* Whether a callback for @eventID is registered and a loop delivers. */
static bool
qemuEventWanted(qemuEventState *st, int eventID)
{
    bool ret = false;
    guint i;

    if (!virEventIsRegistered())
        return false;
    g_mutex_lock(&st->lock);
    for (i = 0; i < st->callbacks->len && !ret; i++)
        ret = ((qemuEventCallback *) g_ptr_array_index(st->callbacks, i))->eventID == eventID;
    g_mutex_unlock(&st->lock);
    return ret;
}

void
qemuEventQueueLifecycle(qemuEventState *st, const virDomainDef *def, int id,
                        int event, int detail)
{
    qemuEvent *ev;

    if (!qemuEventWanted(st, VIR_DOMAIN_EVENT_ID_LIFECYCLE))
        return;
    ev = g_new0(qemuEvent, 1);
    ev->eventID = VIR_DOMAIN_EVENT_ID_LIFECYCLE;
    ev->name = g_strdup(def->name);
    memcpy(ev->uuid, def->uuid, VIR_UUID_BUFLEN);
    ev->id = id;
    ev->event = event;
    ev->detail = detail;
    qemuEventQueue(st, ev);
}

/* How many jobs per domain the queued completions are remembered for: a
 * watcher that saw a job run may look again only after later jobs came
 * and went (quick backups, half a second apart). */
#define QEMU_EVENT_COMPLETED_KEPT 16

/* Queue the completion of the job that started at data->started, unless
 * this connection queued it already (the watcher may see the end of a
 * job this connection's own call ended). */
static void
qemuEventQueueJobCompletedFor(qemuEventState *st, const char *name,
                              const unsigned char *uuid, int id,
                              const qemuDomainJobData *data)
{
    GArray *queued;
    qemuEvent *ev;
    bool seen = false;
    guint i;

    g_mutex_lock(&st->lock);
    if (!(queued = g_hash_table_lookup(st->completedQueued, name))) {
        queued = g_array_new(FALSE, FALSE, sizeof(unsigned long long));
        g_hash_table_insert(st->completedQueued, g_strdup(name), queued);
    }
    for (i = 0; i < queued->len && !seen; i++)
        seen = g_array_index(queued, unsigned long long, i) == data->started;
    if (!seen) {
        if (queued->len == QEMU_EVENT_COMPLETED_KEPT)
            g_array_remove_index(queued, 0);
        g_array_append_val(queued, data->started);
    }
    g_mutex_unlock(&st->lock);
    if (seen || !qemuEventWanted(st, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED))
        return;

    ev = g_new0(qemuEvent, 1);
    ev->eventID = VIR_DOMAIN_EVENT_ID_JOB_COMPLETED;
    ev->name = g_strdup(name);
    memcpy(ev->uuid, uuid, VIR_UUID_BUFLEN);
    ev->id = id;
    if (qemuDomainJobDataToParams(data, &ev->params, &ev->nparams) < 0) {
        qemuEventFree(ev);
        virResetLastError();
        return;
    }
    qemuEventQueue(st, ev);
}

void
qemuEventQueueJobCompleted(qemuEventState *st, const virDomainDef *def,
                           const qemuDomainJobData *data)
{
    if (data)
        qemuEventQueueJobCompletedFor(st, def->name, def->uuid, def->id, data);
}

/* ---- the finished-backup watcher ------------------------------------------ */

static bool
qemuEventWatcherWanted(qemuEventState *st, unsigned int gen)
{
    return st->watching && st->watchGen == gen;
}

/* What the watcher knows of one domain. */
typedef struct {
    dev_t dev;                     /* of the status file last looked at */
    ino_t ino;
    struct timespec mtime;
    bool present;
    unsigned long long running;    /* start of the backup seen running, 0 none */
    unsigned char uuid[VIR_UUID_BUFLEN];
} qemuEventWatched;

/* Whether the status file changed since @w saw it (atomic rewrites give
 * it a new inode); records what it is now. */
static bool
qemuEventWatchStatusChanged(qemuEventWatched *w, const char *path)
{
    struct stat sb;
    bool present = stat(path, &sb) == 0;
    bool changed;

    if (!present)
        memset(&sb, 0, sizeof(sb));
    changed = present != w->present || sb.st_dev != w->dev || sb.st_ino != w->ino ||
              sb.st_mtim.tv_sec != w->mtime.tv_sec ||
              sb.st_mtim.tv_nsec != w->mtime.tv_nsec;
    w->present = present;
    w->dev = sb.st_dev;
    w->ino = sb.st_ino;
    w->mtime = sb.st_mtim;
    return changed;
}

/* One domain: a read-write watcher finalises a backup QEMU finished
 * (only if the lock is free); then, from the status file, the completion
 * of any backup that ended since the watcher started is queued (once:
 * see qemuEventQueueJobCompletedFor), and a backup seen running whose
 * statistics are gone already ends with what is known of it. */
static void
qemuEventWatchDomain(qemuEventState *st, qemuDriver *driver, GHashTable *watched,
                     const char *name, unsigned long long since)
{
    g_autofree char *status = qemuDriverStatusPath(driver, name);
    g_autoptr(qemuDomainObj) obj = NULL;
    qemuEventWatched *w = g_hash_table_lookup(watched, name);
    const qemuDomainJobData *completed;

    if (!w) {
        w = g_new0(qemuEventWatched, 1);
        g_hash_table_insert(watched, g_strdup(name), w);
    }
    if (!qemuEventWatchStatusChanged(w, status) && !w->running)
        return;

    if (w->running && !driver->readonly) {
        g_autoptr(qemuDomainJobData) done = NULL;

        /* a busy lock means another call is at work: next time */
        obj = qemuDomainObjLoad(driver, name, QEMU_DOMAIN_LOAD_LOCK |
                                              QEMU_DOMAIN_LOAD_NOWAIT |
                                              QEMU_DOMAIN_LOAD_QUIET);
        if (obj && obj->backup &&
            qemuBackupReconcile(obj, NULL, &done) == 0 && done)
            qemuEventQueueJobCompleted(st, obj->def, done);
        g_clear_pointer(&obj, qemuDomainObjFree);
        virResetLastError();
        qemuEventWatchStatusChanged(w, status);
    }

    obj = qemuDomainObjLoad(driver, name, QEMU_DOMAIN_LOAD_QUIET |
                                          QEMU_DOMAIN_LOAD_NOWAIT);
    if (!obj && virGetLastErrorCode() != VIR_ERR_OK) {
        /* not "gone" but unreadable now (a half-written file found while
         * another process holds the lock): look again next round */
        virResetLastError();
        w->ino = 0;
        return;
    }
    if (obj)
        memcpy(w->uuid, obj->def->uuid, VIR_UUID_BUFLEN);
    completed = obj ? obj->job.completed : NULL;
    if (completed && completed->started && completed->stopped >= since)
        qemuEventQueueJobCompletedFor(st, name, w->uuid, obj->active ? obj->id : -1,
                                      completed);
    if (w->running && !(obj && obj->backup) &&
        !(completed && completed->started == w->running)) {
        g_autoptr(qemuDomainJobData) data = g_new0(qemuDomainJobData, 1);

        data->asyncJob = QEMU_ASYNC_JOB_BACKUP;
        data->started = w->running;
        data->stopped = qemuDomainJobNow();
        qemuEventQueueJobCompletedFor(st, name, w->uuid,
                                      obj && obj->active ? obj->id : -1, data);
    }
    w->running = obj && obj->backup && obj->job.current ? obj->job.current->started : 0;
    if (!obj && !w->present)
        g_hash_table_remove(watched, name);
}

static gpointer
qemuEventWatchThread(gpointer opaque)
{
    qemuEventWatcher *w = opaque;
    qemuEventState *st = w->st;
    g_autoptr(qemuDriver) driver = qemuDriverNew(st->root, st->readonly);
    g_autoptr(GHashTable) watched = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                          g_free, g_free);
    bool first = true;

    if (!driver) {
        VIR_WARN("cannot watch backups: %s", virGetLastErrorMessage());
        virResetLastError();
    }
    g_mutex_lock(&st->lock);
    while (driver && qemuEventWatcherWanted(st, w->gen)) {
        gint64 until = g_get_monotonic_time() + QEMU_EVENT_WATCH_MS * 1000;
        g_auto(GStrv) names = NULL;
        g_autofree gpointer *known = NULL;
        guint nknown = 0;
        size_t i;

        while (!first && qemuEventWatcherWanted(st, w->gen) &&
               g_cond_wait_until(&st->cond, &st->lock, until))
            ;
        first = false;
        if (!qemuEventWatcherWanted(st, w->gen))
            break;
        g_mutex_unlock(&st->lock);

        /* the domains there now, and those gone since the last round */
        names = qemuDriverListDomainNames(driver);
        known = g_hash_table_get_keys_as_array(watched, &nknown);
        for (i = 0; i < nknown; i++)
            known[i] = g_strv_contains((const char * const *) names, known[i]) ?
                       NULL : g_strdup(known[i]);
        for (i = 0; names[i]; i++)
            qemuEventWatchDomain(st, driver, watched, names[i], w->since);
        for (i = 0; i < nknown; i++) {
            if (known[i])
                qemuEventWatchDomain(st, driver, watched, known[i], w->since);
            g_free(known[i]);
        }
        virResetLastError();
        g_mutex_lock(&st->lock);
    }
    g_mutex_unlock(&st->lock);
    qemuEventStateUnref(st);
    g_free(w);
    return NULL;
}

/* Start a watcher unless one runs; lock held. */
static void
qemuEventWatchStartLocked(qemuEventState *st)
{
    qemuEventWatcher *w;

    if (st->watching || !virEventIsRegistered())
        return;
    st->watching = true;
    w = g_new0(qemuEventWatcher, 1);
    w->st = qemuEventStateRef(st);
    w->gen = ++st->watchGen;
    w->since = qemuDomainJobNow();
    g_thread_unref(g_thread_new("fleece-watch", qemuEventWatchThread, w));
}

/* ---- registration --------------------------------------------------------- */

int
qemuEventRegister(qemuEventState *st, virDomain *dom, int eventID,
                  virConnectDomainEventGenericCallback callback,
                  void *opaque, virFreeCallback freecb)
{
    qemuEventCallback *cb;
    int id;

    if (eventID != VIR_DOMAIN_EVENT_ID_LIFECYCLE &&
        eventID != VIR_DOMAIN_EVENT_ID_JOB_COMPLETED) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED,
                       _("event %d is not supported"), eventID);
        return -1;
    }
    cb = g_new0(qemuEventCallback, 1);
    cb->refs = 1;
    cb->eventID = eventID;
    cb->cb = callback;
    cb->opaque = opaque;
    cb->freecb = freecb;
    cb->anyDomain = !dom;
    if (dom)
        memcpy(cb->uuid, dom->uuid, VIR_UUID_BUFLEN);
    g_mutex_lock(&st->lock);
    id = cb->id = st->nextCallbackID++;
    g_ptr_array_add(st->callbacks, cb);
    if (eventID == VIR_DOMAIN_EVENT_ID_JOB_COMPLETED)
        qemuEventWatchStartLocked(st);
    g_mutex_unlock(&st->lock);
    return id;
}

int
qemuEventDeregister(qemuEventState *st, int callbackID)
{
    qemuEventCallback *found = NULL;
    bool jobCallbacks = false;
    guint i;

    g_mutex_lock(&st->lock);
    for (i = 0; i < st->callbacks->len; i++) {
        qemuEventCallback *cb = g_ptr_array_index(st->callbacks, i);

        if (cb->id == callbackID) {
            found = g_ptr_array_steal_index(st->callbacks, i);
            g_atomic_int_set(&found->removed, 1);
            break;
        }
    }
    for (i = 0; i < st->callbacks->len; i++) {
        qemuEventCallback *cb = g_ptr_array_index(st->callbacks, i);

        jobCallbacks |= cb->eventID == VIR_DOMAIN_EVENT_ID_JOB_COMPLETED;
    }
    if (found && !jobCallbacks && st->watching) {
        /* the watcher ends on its own, never waited for */
        st->watching = false;
        g_cond_broadcast(&st->cond);
    }
    g_mutex_unlock(&st->lock);
    if (!found) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("no domain event callback with id %d"), callbackID);
        return -1;
    }
    /* freed now, or by the delivery calling it once the call returns */
    qemuEventCallbackUnref(found);
    return 0;
}

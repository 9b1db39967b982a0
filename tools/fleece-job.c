/*
 * fleece-job.c: job and event commands of the fleece tool — domjobinfo,
 * domjobabort and event
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <string.h>

#include "fleece-shell.h"

/* ---- domjobinfo, domjobabort ---------------------------------------------------- */

static const fleeceOptDef opts_domjobinfo[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "completed", FLEECE_OT_BOOL, 0, N_("the statistics of the last finished job") },
    { "keep-completed", FLEECE_OT_BOOL, 0,
      N_("with --completed, keep those statistics for later reads") },
    { "anystats", FLEECE_OT_BOOL, 0, N_("print statistics of a failed job too") },
    { "rawstats", FLEECE_OT_BOOL, 0, N_("print the statistics as the library returns them") },
    { NULL },
};

/* One typed parameter's value as text. */
static char *
fleeceTypedParamString(const virTypedParameter *p)
{
    switch (p->type) {
    case VIR_TYPED_PARAM_INT:
        return g_strdup_printf("%d", p->value.i);
    case VIR_TYPED_PARAM_UINT:
        return g_strdup_printf("%u", p->value.ui);
    case VIR_TYPED_PARAM_LLONG:
        return g_strdup_printf("%lld", p->value.l);
    case VIR_TYPED_PARAM_ULLONG:
        return g_strdup_printf("%llu", p->value.ul);
    case VIR_TYPED_PARAM_DOUBLE:
        return g_strdup_printf("%f", p->value.d);
    case VIR_TYPED_PARAM_BOOLEAN:
        return g_strdup(p->value.b ? _("yes") : _("no"));
    case VIR_TYPED_PARAM_STRING:
        return g_strdup(p->value.s);
    default:
        return g_strdup("?");
    }
}

static bool
cmdDomjobinfo(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;
    unsigned int flags = 0;
    virDomainPtr dom;
    int i;

    if (!fleeceOptRequires(cmd, "keep-completed", "completed"))
        return false;
    if (fleeceOptBool(cmd, "completed"))
        flags |= VIR_DOMAIN_JOB_STATS_COMPLETED;
    if (fleeceOptBool(cmd, "keep-completed"))
        flags |= VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (virDomainGetJobStats(dom, &type, &params, &nparams, flags) < 0) {
        fleeceReportError();
        virDomainFree(dom);
        return false;
    }
    virDomainFree(dom);

    if (fleeceOptBool(cmd, "rawstats")) {
        fleecePrint(ctl, "Job type: %d\n\n", type);
        for (i = 0; i < nparams; i++) {
            g_autofree char *v = fleeceTypedParamString(&params[i]);

            fleecePrint(ctl, "%s: %s\n", params[i].field, v);
        }
    } else {
        g_autofree char *text = fleeceJobInfoFormat(type, params, nparams,
                                                    fleeceOptBool(cmd, "anystats"));

        fleecePrint(ctl, "%s", text);
    }
    fleecePrintExtra(ctl, "\n");
    virTypedParamsFree(params, nparams);
    return true;
}

static const fleeceOptDef opts_domjobabort[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { NULL },
};

static bool
cmdDomjobabort(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainPtr dom;
    bool ok;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(ok = virDomainAbortJob(dom) == 0))
        fleeceReportError();
    else
        fleecePrintExtra(ctl, "\n");
    virDomainFree(dom);
    return ok;
}

/* ---- event ------------------------------------------------------------------------ */

static const char *const fleeceEventTypes[] = {
    N_("Defined"), N_("Undefined"), N_("Started"), N_("Suspended"),
    N_("Resumed"), N_("Stopped"), N_("Shutdown"), N_("PMSuspended"),
    N_("Crashed"),
};

static const char *const fleeceEventDefined[] = {
    N_("Added"), N_("Updated"), N_("Renamed"), N_("Snapshot"),
};
static const char *const fleeceEventUndefined[] = {
    N_("Removed"), N_("Renamed"),
};
static const char *const fleeceEventStarted[] = {
    N_("Booted"), N_("Migrated"), N_("Restored"), N_("Snapshot"), N_("Event wakeup"),
};
static const char *const fleeceEventSuspended[] = {
    N_("Paused"), N_("Migrated"), N_("I/O Error"), N_("Watchdog"), N_("Restored"),
    N_("Snapshot"), N_("API error"), N_("Post-copy"), N_("Post-copy Error"),
};
static const char *const fleeceEventResumed[] = {
    N_("Unpaused"), N_("Migrated"), N_("Snapshot"), N_("Post-copy"),
    N_("Post-copy Error"),
};
static const char *const fleeceEventStopped[] = {
    N_("Shutdown"), N_("Destroyed"), N_("Crashed"), N_("Migrated"), N_("Saved"),
    N_("Failed"), N_("Snapshot"),
};
static const char *const fleeceEventShutdown[] = {
    N_("Finished"), N_("Finished after guest request"),
    N_("Finished after host request"),
};
static const char *const fleeceEventPMSuspended[] = {
    N_("Memory"), N_("Disk"),
};
static const char *const fleeceEventCrashed[] = {
    N_("Panicked"), N_("Crashloaded"),
};

static const struct {
    const char *const *names;
    size_t n;
} fleeceEventDetails[] = {
#define DETAIL(t) { t, G_N_ELEMENTS(t) }
    DETAIL(fleeceEventDefined), DETAIL(fleeceEventUndefined),
    DETAIL(fleeceEventStarted), DETAIL(fleeceEventSuspended),
    DETAIL(fleeceEventResumed), DETAIL(fleeceEventStopped),
    DETAIL(fleeceEventShutdown), DETAIL(fleeceEventPMSuspended),
    DETAIL(fleeceEventCrashed),
#undef DETAIL
};

/* The events this tool can wait for, as virsh names them. */
typedef enum {
    FLEECE_EVENT_LIFECYCLE,
    FLEECE_EVENT_JOB_COMPLETED,

    FLEECE_EVENT_LAST
} fleeceEventKind;

static const struct {
    const char *name;
    int id;
} fleeceEvents[FLEECE_EVENT_LAST] = {
    [FLEECE_EVENT_LIFECYCLE] = { "lifecycle", VIR_DOMAIN_EVENT_ID_LIFECYCLE },
    [FLEECE_EVENT_JOB_COMPLETED] = { "job-completed", VIR_DOMAIN_EVENT_ID_JOB_COMPLETED },
};

typedef struct {
    fleeceControl *ctl;
    bool loop;
    bool timestamp;
    int count;
    bool done;
    bool timedOut;
    bool interrupted;
    virDomainPtr dom;        /* polled for job state, may be NULL */
} fleeceEventData;

static void
fleeceEventPrefix(fleeceEventData *data)
{
    g_autoptr(GDateTime) now = NULL;
    g_autofree char *stamp = NULL;

    if (!data->timestamp)
        return;
    now = g_date_time_new_now_local();
    stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S.%f%z");
    /* milliseconds: drop the last three digits of the microseconds */
    if (stamp && strlen(stamp) > 29)
        memmove(stamp + 23, stamp + 26, strlen(stamp + 26) + 1);
    fleecePrint(data->ctl, "%s: ", stamp);
}

static void
fleeceEventSeen(fleeceEventData *data)
{
    data->count++;
    if (!data->loop)
        data->done = true;
    fflush(stdout);
}

static int
fleeceEventLifecycle(virConnectPtr conn G_GNUC_UNUSED, virDomainPtr dom,
                     int event, int detail, void *opaque)
{
    fleeceEventData *data = opaque;
    const char *ev = _("unknown");
    const char *det = _("unknown");

    if (event >= 0 && event < (int) G_N_ELEMENTS(fleeceEventTypes)) {
        ev = _(fleeceEventTypes[event]);
        if (detail >= 0 && detail < (int) fleeceEventDetails[event].n)
            det = _(fleeceEventDetails[event].names[detail]);
    }
    fleeceEventPrefix(data);
    fleecePrint(data->ctl, _("event 'lifecycle' for domain '%s': %s %s\n"),
                virDomainGetName(dom), ev, det);
    fleeceEventSeen(data);
    return 0;
}

static void
fleeceEventJobCompleted(virConnectPtr conn G_GNUC_UNUSED, virDomainPtr dom,
                        virTypedParameterPtr params, int nparams, void *opaque)
{
    fleeceEventData *data = opaque;
    int i;

    fleeceEventPrefix(data);
    fleecePrint(data->ctl, _("event 'job-completed' for domain '%s':\n"),
                virDomainGetName(dom));
    for (i = 0; i < nparams; i++) {
        g_autofree char *v = fleeceTypedParamString(&params[i]);

        fleecePrint(data->ctl, "\t%s: %s\n", params[i].field, v);
    }
    fleeceEventSeen(data);
}

static void
fleeceEventTimeout(int timer G_GNUC_UNUSED, void *opaque)
{
    fleeceEventData *data = opaque;

    data->timedOut = true;
    data->done = true;
}

/* Every quarter second: notice Ctrl-C, and let the library look at the
 * domain's job so that an embedded driver notices its end. */
static void
fleeceEventTick(int timer G_GNUC_UNUSED, void *opaque)
{
    fleeceEventData *data = opaque;

    if (fleeceSigintTake()) {
        data->interrupted = true;
        data->done = true;
    }
    if (data->dom) {
        virTypedParameterPtr params = NULL;
        int nparams = 0, type;

        if (virDomainGetJobStats(data->dom, &type, &params, &nparams, 0) == 0)
            virTypedParamsFree(params, nparams);
        virResetLastError();
    }
}

static const fleeceOptDef opts_event[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("only events of this domain") },
    { "event", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("the event to wait for: lifecycle or job-completed") },
    { "all", FLEECE_OT_BOOL, 0, N_("wait for every kind of event") },
    { "loop", FLEECE_OT_BOOL, 0, N_("keep waiting after the first event") },
    { "timeout", FLEECE_OT_INT, 0, N_("stop waiting after this many seconds") },
    { "list", FLEECE_OT_BOOL, 0, N_("list the event names") },
    { "timestamp", FLEECE_OT_BOOL, 0, N_("prefix each event with the time") },
    { NULL },
};

static bool
cmdEvent(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *name = fleeceOptString(cmd, "event");
    fleeceEventData data = { .ctl = ctl };
    int ids[FLEECE_EVENT_LAST] = { -1, -1 };
    int timeout = 0, timer = -1, tick = -1;
    virDomainPtr dom = NULL;
    bool ok = false;
    size_t i;

    if (fleeceOptBool(cmd, "list")) {
        for (i = 0; i < FLEECE_EVENT_LAST; i++)
            fleecePrint(ctl, "%s\n", fleeceEvents[i].name);
        return true;
    }
    if (!fleeceOptExclusive(cmd, "all", "event"))
        return false;
    if (!name && !fleeceOptBool(cmd, "all")) {
        fleeceError("%s", _("one of --list, --all, or --event <type> is required"));
        return false;
    }
    if (name) {
        for (i = 0; i < FLEECE_EVENT_LAST; i++) {
            if (g_str_equal(name, fleeceEvents[i].name))
                break;
        }
        if (i == FLEECE_EVENT_LAST) {
            fleeceError(_("unknown event type '%s'"), name);
            return false;
        }
    }
    if (fleeceOptInt(cmd, "timeout", &timeout) < 0)
        return false;
    if (fleeceOptString(cmd, "timeout") && timeout <= 0) {
        fleeceError("%s", _("the timeout must be a positive number of seconds"));
        return false;
    }
    data.loop = fleeceOptBool(cmd, "loop");
    data.timestamp = fleeceOptBool(cmd, "timestamp");
    if (fleeceOptString(cmd, "domain") &&
        !(dom = fleeceCommandOptDomain(ctl, cmd, "domain")))
        return false;
    data.dom = dom;

    for (i = 0; i < FLEECE_EVENT_LAST; i++) {
        virConnectDomainEventGenericCallback cb;

        ids[i] = -1;
        if (name && !g_str_equal(name, fleeceEvents[i].name))
            continue;
        if (i == FLEECE_EVENT_LIFECYCLE)
            cb = VIR_DOMAIN_EVENT_CALLBACK(fleeceEventLifecycle);
        else
            cb = VIR_DOMAIN_EVENT_CALLBACK(fleeceEventJobCompleted);
        if ((ids[i] = virConnectDomainEventRegisterAny(fleeceConnect(ctl), dom,
                                                       fleeceEvents[i].id, cb,
                                                       &data, NULL)) < 0) {
            fleeceReportError();
            goto cleanup;
        }
    }

    fleeceSigintInstall();
    if (timeout > 0)
        timer = virEventAddTimeout(timeout * 1000, fleeceEventTimeout, &data, NULL);
    tick = virEventAddTimeout(250, fleeceEventTick, &data, NULL);
    while (!data.done) {
        if (virEventRunDefaultImpl() < 0) {
            fleeceReportError();
            goto cleanup;
        }
    }
    if (data.interrupted)
        fleecePrint(ctl, "%s", _("event loop interrupted\n"));
    else if (data.timedOut)
        fleecePrint(ctl, "%s", _("event loop timed out\n"));
    fleecePrint(ctl, _("events received: %d\n"), data.count);
    fleecePrintExtra(ctl, "\n");
    ok = data.count > 0;

 cleanup:
    signal(SIGINT, SIG_DFL);
    if (timer >= 0)
        virEventRemoveTimeout(timer);
    if (tick >= 0)
        virEventRemoveTimeout(tick);
    for (i = 0; i < FLEECE_EVENT_LAST; i++) {
        if (ids[i] >= 0)
            virConnectDomainEventDeregisterAny(fleeceConnect(ctl), ids[i]);
    }
    if (dom)
        virDomainFree(dom);
    return ok;
}

const fleeceCmdDef fleeceJobCmds[] = {
    { "domjobabort", cmdDomjobabort, opts_domjobabort, N_("abort the domain's job"),
      N_("Cancels a running push backup, or ends a pull backup (its NBD "
         "export goes away)."), 0 },
    { "domjobinfo", cmdDomjobinfo, opts_domjobinfo, N_("domain job information"),
      N_("Prints the type, operation, elapsed time and progress of the "
         "domain's job, or with --completed the final statistics of the last "
         "job that ended (read once unless --keep-completed)."), 0 },
    { "event", cmdEvent, opts_event, N_("wait for domain events"),
      N_("Waits for the named event (lifecycle or job-completed), prints it "
         "and returns; with --loop until the timeout or Ctrl-C.  Only events "
         "caused through this connection, or jobs that end while it waits, "
         "are seen."), 0 },
    { NULL },
};

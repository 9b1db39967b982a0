/*
 * qemu_domainjob.c: the per-domain job object and its state machine
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdlib.h>
#include <string.h>

#include "qemu_domainjob.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.domainjob");

VIR_ENUM_IMPL(qemuDomainJob, QEMU_JOB_LAST,
              "none", "query", "destroy", "suspend", "modify", "abort");

VIR_ENUM_IMPL(qemuDomainAsyncJob, QEMU_ASYNC_JOB_LAST,
              "none", "backup");

VIR_ENUM_IMPL(qemuDomainJobStatus, QEMU_DOMAIN_JOB_STATUS_LAST,
              "none", "active", "cancelling", "completed", "failed",
              "canceled");

/* Which moves of the async job are legal: [from][to]. */
static const bool qemuDomainJobTransitions[QEMU_DOMAIN_JOB_STATUS_LAST]
                                          [QEMU_DOMAIN_JOB_STATUS_LAST] = {
    [QEMU_DOMAIN_JOB_STATUS_NONE] = {
        [QEMU_DOMAIN_JOB_STATUS_ACTIVE] = true,
    },
    [QEMU_DOMAIN_JOB_STATUS_ACTIVE] = {
        [QEMU_DOMAIN_JOB_STATUS_CANCELLING] = true,
        [QEMU_DOMAIN_JOB_STATUS_COMPLETED] = true,
        [QEMU_DOMAIN_JOB_STATUS_FAILED] = true,
        [QEMU_DOMAIN_JOB_STATUS_CANCELED] = true,
    },
    [QEMU_DOMAIN_JOB_STATUS_CANCELLING] = {
        [QEMU_DOMAIN_JOB_STATUS_COMPLETED] = true,
        [QEMU_DOMAIN_JOB_STATUS_FAILED] = true,
        [QEMU_DOMAIN_JOB_STATUS_CANCELED] = true,
    },
    [QEMU_DOMAIN_JOB_STATUS_COMPLETED] = {
        [QEMU_DOMAIN_JOB_STATUS_NONE] = true,
    },
    [QEMU_DOMAIN_JOB_STATUS_FAILED] = {
        [QEMU_DOMAIN_JOB_STATUS_NONE] = true,
    },
    [QEMU_DOMAIN_JOB_STATUS_CANCELED] = {
        [QEMU_DOMAIN_JOB_STATUS_NONE] = true,
    },
};

/* Sync jobs a running async job lets through: [async][sync]. */
static const bool qemuDomainAsyncJobAllows[QEMU_ASYNC_JOB_LAST][QEMU_JOB_LAST] = {
    [QEMU_ASYNC_JOB_NONE] = {
        [QEMU_JOB_QUERY] = true, [QEMU_JOB_DESTROY] = true,
        [QEMU_JOB_SUSPEND] = true, [QEMU_JOB_MODIFY] = true,
        [QEMU_JOB_ABORT] = true,
    },
    [QEMU_ASYNC_JOB_BACKUP] = {
        [QEMU_JOB_QUERY] = true, [QEMU_JOB_DESTROY] = true,
        [QEMU_JOB_SUSPEND] = true, [QEMU_JOB_MODIFY] = true,
        [QEMU_JOB_ABORT] = true,
    },
};

unsigned long long
qemuDomainJobNow(void)
{
    return g_get_real_time() / 1000;
}

qemuDomainJobData *
qemuDomainJobDataCopy(const qemuDomainJobData *data)
{
    qemuDomainJobData *ret;

    if (!data)
        return NULL;
    ret = g_new0(qemuDomainJobData, 1);
    *ret = *data;
    ret->errmsg = g_strdup(data->errmsg);
    return ret;
}

void
qemuDomainJobDataFree(qemuDomainJobData *data)
{
    if (!data)
        return;
    g_free(data->errmsg);
    g_free(data);
}

void
qemuDomainJobObjInit(qemuDomainJobObj *job, const qemuDomainJobHooks *hooks,
                     void *opaque)
{
    memset(job, 0, sizeof(*job));
    g_mutex_init(&job->lock);
    if (hooks)
        job->hooks = *hooks;
    job->hooksOpaque = opaque;
}

void
qemuDomainJobObjClear(qemuDomainJobObj *job)
{
    g_clear_pointer(&job->current, qemuDomainJobDataFree);
    g_clear_pointer(&job->completed, qemuDomainJobDataFree);
    g_mutex_clear(&job->lock);
}

int
qemuDomainJobBegin(qemuDomainJobObj *obj, qemuDomainJob job)
{
    int ret = -1;

    g_mutex_lock(&obj->lock);
    if (obj->active != QEMU_JOB_NONE) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start job '%s': job '%s' is running"),
                       qemuDomainJobTypeToString(job),
                       qemuDomainJobTypeToString(obj->active));
        goto cleanup;
    }
    if (!qemuDomainAsyncJobAllows[obj->asyncJob][job]) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start job '%s': async job '%s' is running"),
                       qemuDomainJobTypeToString(job),
                       qemuDomainAsyncJobTypeToString(obj->asyncJob));
        goto cleanup;
    }
    VIR_DEBUG("begin job '%s'", qemuDomainJobTypeToString(job));
    obj->active = job;
    ret = 0;
 cleanup:
    g_mutex_unlock(&obj->lock);
    return ret;
}

void
qemuDomainJobEnd(qemuDomainJobObj *obj)
{
    g_mutex_lock(&obj->lock);
    VIR_DEBUG("end job '%s'", qemuDomainJobTypeToString(obj->active));
    obj->active = QEMU_JOB_NONE;
    g_mutex_unlock(&obj->lock);
}

int
qemuDomainAsyncJobBegin(qemuDomainJobObj *obj, qemuDomainAsyncJob job,
                        unsigned long long flags)
{
    g_mutex_lock(&obj->lock);
    if (obj->asyncJob != QEMU_ASYNC_JOB_NONE) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot start job '%s': job '%s' is already running"),
                       qemuDomainAsyncJobTypeToString(job),
                       qemuDomainAsyncJobTypeToString(obj->asyncJob));
        g_mutex_unlock(&obj->lock);
        return -1;
    }
    obj->asyncJob = job;
    obj->asyncFlags = flags;
    obj->current = g_new0(qemuDomainJobData, 1);
    obj->current->asyncJob = job;
    obj->current->status = QEMU_DOMAIN_JOB_STATUS_NONE;
    obj->current->started = qemuDomainJobNow();
    g_mutex_unlock(&obj->lock);

    return qemuDomainJobSetStatus(obj, QEMU_DOMAIN_JOB_STATUS_ACTIVE);
}

bool
qemuDomainJobTransitionAllowed(qemuDomainJobStatus from, qemuDomainJobStatus to)
{
    if (from >= QEMU_DOMAIN_JOB_STATUS_LAST || to >= QEMU_DOMAIN_JOB_STATUS_LAST)
        return false;
    return qemuDomainJobTransitions[from][to];
}

static bool
qemuDomainJobStatusIsFinal(qemuDomainJobStatus status)
{
    return status == QEMU_DOMAIN_JOB_STATUS_COMPLETED ||
           status == QEMU_DOMAIN_JOB_STATUS_FAILED ||
           status == QEMU_DOMAIN_JOB_STATUS_CANCELED;
}

int
qemuDomainJobSetStatus(qemuDomainJobObj *obj, qemuDomainJobStatus status)
{
    g_autoptr(qemuDomainJobData) done = NULL;
    qemuDomainJobStatus from;
    int rc;

    g_mutex_lock(&obj->lock);
    from = obj->current ? obj->current->status : QEMU_DOMAIN_JOB_STATUS_NONE;
    if (!obj->current || !qemuDomainJobTransitionAllowed(from, status)) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("job '%s' in status '%s' cannot move to '%s'"),
                       qemuDomainAsyncJobTypeToString(obj->asyncJob),
                       qemuDomainJobStatusTypeToString(from),
                       qemuDomainJobStatusTypeToString(status));
        g_mutex_unlock(&obj->lock);
        return -1;
    }
    VIR_INFO("job '%s': '%s' -> '%s'",
             qemuDomainAsyncJobTypeToString(obj->asyncJob),
             qemuDomainJobStatusTypeToString(from),
             qemuDomainJobStatusTypeToString(status));

    if (status == QEMU_DOMAIN_JOB_STATUS_NONE) {
        g_clear_pointer(&obj->current, qemuDomainJobDataFree);
        obj->asyncJob = QEMU_ASYNC_JOB_NONE;
        obj->asyncFlags = 0;
    } else {
        obj->current->status = status;
        if (qemuDomainJobStatusIsFinal(status)) {
            obj->current->stopped = qemuDomainJobNow();
            qemuDomainJobDataFree(obj->completed);
            obj->completed = qemuDomainJobDataCopy(obj->current);
            done = qemuDomainJobDataCopy(obj->current);
        }
    }
    g_mutex_unlock(&obj->lock);

    /* the move is made; failing to record it is an error all the same */
    rc = obj->hooks.save ? obj->hooks.save(obj->hooksOpaque) : 0;
    if (done && obj->hooks.completed)
        obj->hooks.completed(obj->hooksOpaque, done);
    return rc;
}

int
qemuDomainAsyncJobEnd(qemuDomainJobObj *obj)
{
    return qemuDomainJobSetStatus(obj, QEMU_DOMAIN_JOB_STATUS_NONE);
}

qemuDomainJobData *
qemuDomainJobTakeCompleted(qemuDomainJobObj *obj, bool discard)
{
    qemuDomainJobData *ret;

    g_mutex_lock(&obj->lock);
    ret = qemuDomainJobDataCopy(obj->completed);
    if (discard)
        g_clear_pointer(&obj->completed, qemuDomainJobDataFree);
    g_mutex_unlock(&obj->lock);
    return ret;
}

static void
qemuDomainJobDataFormat(virBuffer *buf, const char *element,
                        const qemuDomainJobData *data,
                        unsigned long long flags, bool withFlags)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);

    virBufferAsprintf(&attr, " async='%s' status='%s'",
                      qemuDomainAsyncJobTypeToString(data->asyncJob),
                      qemuDomainJobStatusTypeToString(data->status));
    if (withFlags)
        virBufferAsprintf(&attr, " flags='0x%llx'", flags);
    virBufferAsprintf(&attr, " started='%llu'", data->started);
    if (data->stopped)
        virBufferAsprintf(&attr, " stopped='%llu'", data->stopped);
    virBufferAsprintf(&child,
                      "<disk total='%llu' processed='%llu' tempTotal='%llu' tempUsed='%llu'/>\n",
                      data->disk_total, data->disk_processed,
                      data->temp_total, data->temp_used);
    virBufferEscapeString(&child, "<errmsg>%s</errmsg>\n", data->errmsg);
    virXMLFormatElement(buf, element, &attr, &child);
}

void
qemuDomainJobFormat(virBuffer *buf, qemuDomainJobObj *obj)
{
    g_mutex_lock(&obj->lock);
    if (obj->current)
        qemuDomainJobDataFormat(buf, "job", obj->current, obj->asyncFlags, true);
    if (obj->completed)
        qemuDomainJobDataFormat(buf, "completedJob", obj->completed, 0, false);
    g_mutex_unlock(&obj->lock);
}

static qemuDomainJobData *
qemuDomainJobDataParse(xmlXPathContextPtr ctxt, xmlNodePtr node,
                       unsigned long long *flags)
{
    VIR_XPATH_NODE_AUTORESTORE(ctxt);
    g_autoptr(qemuDomainJobData) data = g_new0(qemuDomainJobData, 1);
    g_autofree char *async = virXMLPropString(node, "async");
    g_autofree char *status = virXMLPropString(node, "status");
    xmlNodePtr disk;

    ctxt->node = node;
    if ((data->asyncJob = qemuDomainAsyncJobTypeFromString(async)) <= 0 ||
        (data->status = qemuDomainJobStatusTypeFromString(status)) <= 0) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("invalid job '%s' with status '%s' in status file"),
                       NULLSTR(async), NULLSTR(status));
        return NULL;
    }
    if (virXMLPropULongLong(node, "started", &data->started) < 0 ||
        virXMLPropULongLong(node, "stopped", &data->stopped) < 0)
        return NULL;
    if (flags) {
        g_autofree char *fl = virXMLPropString(node, "flags");
        char *end = NULL;

        if (fl) {
            *flags = strtoull(fl, &end, 0);
            if (!end || *end) {
                virReportError(VIR_ERR_INTERNAL_ERROR,
                               _("invalid job flags '%s' in status file"), fl);
                return NULL;
            }
        }
    }
    if ((disk = virXPathNode("./disk", ctxt))) {
        if (virXMLPropULongLong(disk, "total", &data->disk_total) < 0 ||
            virXMLPropULongLong(disk, "processed", &data->disk_processed) < 0 ||
            virXMLPropULongLong(disk, "tempTotal", &data->temp_total) < 0 ||
            virXMLPropULongLong(disk, "tempUsed", &data->temp_used) < 0)
            return NULL;
    }
    data->errmsg = virXPathString("string(./errmsg)", ctxt);
    return g_steal_pointer(&data);
}

int
qemuDomainJobParse(xmlXPathContextPtr ctxt, qemuDomainJobObj *obj)
{
    xmlNodePtr node;
    g_autoptr(qemuDomainJobData) current = NULL;
    g_autoptr(qemuDomainJobData) completed = NULL;
    unsigned long long flags = 0;

    if ((node = virXPathNode("./job", ctxt)) &&
        !(current = qemuDomainJobDataParse(ctxt, node, &flags)))
        return -1;
    if ((node = virXPathNode("./completedJob", ctxt)) &&
        !(completed = qemuDomainJobDataParse(ctxt, node, NULL)))
        return -1;

    g_mutex_lock(&obj->lock);
    qemuDomainJobDataFree(obj->current);
    qemuDomainJobDataFree(obj->completed);
    obj->current = g_steal_pointer(&current);
    obj->completed = g_steal_pointer(&completed);
    obj->asyncJob = obj->current ? obj->current->asyncJob : QEMU_ASYNC_JOB_NONE;
    obj->asyncFlags = flags;
    g_mutex_unlock(&obj->lock);
    return 0;
}

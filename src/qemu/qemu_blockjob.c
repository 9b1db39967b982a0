/*
 * qemu_blockjob.c: block commit on a running domain (see qemu_blockjob.h)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "qemu_blockjob.h"
#include "qemu_checkpoint.h"
#include "qemu_command.h"
#include "qemu_driver.h"
#include "qemu_process.h"
#include "qemu_qmp.h"
#include "libvirt/libvirt-domain.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.blockjob");

VIR_ENUM_IMPL(qemuBlockJobPhase, QEMU_BLOCKJOB_PHASE_LAST,
              "running", "pivoting");

/* The temporary bitmap on base catching writes that race with a pivot
 * (libvirt's name). */
#define QEMU_BLOCKJOB_ACTIVEWRITE "libvirt-tmp-activewrite"

/* How long a pivot or a cancel may take QEMU. */
#define QEMU_BLOCKJOB_WAIT_MS 60000

void
qemuBlockJobFree(qemuBlockJob *job)
{
    size_t i;

    if (!job)
        return;
    g_free(job->disk);
    g_free(job->jobid);
    g_free(job->base);
    for (i = 0; i < job->nimages; i++) {
        g_free(job->images[i].path);
        g_free(job->images[i].nodeformat);
        g_free(job->images[i].nodestorage);
    }
    g_free(job->images);
    g_free(job);
}


/* ---- persistence ------------------------------------------------------- */

void
qemuBlockJobsFormat(virBuffer *buf, GPtrArray *jobs)
{
    guint i;
    size_t j;

    if (!jobs || jobs->len == 0)
        return;
    virBufferAddLit(buf, "<blockjobs>\n");
    virBufferAdjustIndent(buf, 2);
    for (i = 0; i < jobs->len; i++) {
        qemuBlockJob *job = g_ptr_array_index(jobs, i);

        virBufferEscapeString(buf, "<blockjob disk='%s'", job->disk);
        virBufferEscapeString(buf, " job='%s'", job->jobid);
        virBufferAsprintf(buf, " type='%s' phase='%s'",
                          job->active ? "active-commit" : "commit",
                          qemuBlockJobPhaseTypeToString(job->phase));
        virBufferEscapeString(buf, " base='%s'", job->base);
        virBufferAsprintf(buf, " bandwidth='%llu'%s>\n", job->bandwidth,
                          job->deleteFiles ? " delete='yes'" : "");
        virBufferAdjustIndent(buf, 2);
        for (j = 0; j < job->nimages; j++) {
            virBufferEscapeString(buf, "<image path='%s'", job->images[j].path);
            virBufferEscapeString(buf, " format='%s'", job->images[j].nodeformat);
            virBufferEscapeString(buf, " storage='%s'/>\n", job->images[j].nodestorage);
        }
        virBufferAdjustIndent(buf, -2);
        virBufferAddLit(buf, "</blockjob>\n");
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</blockjobs>\n");
}

int
qemuBlockJobsParse(xmlXPathContextPtr ctxt, GPtrArray **jobsp)
{
    g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func((GDestroyNotify) qemuBlockJobFree);
    g_autofree xmlNodePtr *nodes = NULL;
    int n, i;

    if ((n = virXPathNodeSet("./blockjobs/blockjob", ctxt, &nodes)) <= 0)
        return n < 0 ? -1 : 0;
    for (i = 0; i < n; i++) {
        VIR_XPATH_NODE_AUTORESTORE(ctxt);
        g_autoptr(qemuBlockJob) job = g_new0(qemuBlockJob, 1);
        g_autofree xmlNodePtr *imgs = NULL;
        g_autofree char *type = virXMLPropString(nodes[i], "type");
        g_autofree char *phase = virXMLPropString(nodes[i], "phase");
        g_autofree char *del = virXMLPropString(nodes[i], "delete");
        int m, j;

        job->disk = virXMLPropString(nodes[i], "disk");
        job->jobid = virXMLPropString(nodes[i], "job");
        job->base = virXMLPropString(nodes[i], "base");
        job->active = type && g_str_equal(type, "active-commit");
        job->deleteFiles = del && g_str_equal(del, "yes");
        if (!job->disk || !job->jobid || !job->base || !phase ||
            (job->phase = qemuBlockJobPhaseTypeFromString(phase)) < 0 ||
            virXMLPropULongLong(nodes[i], "bandwidth", &job->bandwidth) < 0) {
            virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                           _("incomplete block job in the status file"));
            return -1;
        }
        ctxt->node = nodes[i];
        if ((m = virXPathNodeSet("./image", ctxt, &imgs)) < 0)
            return -1;
        job->images = g_new0(qemuBlockJobImage, m);
        job->nimages = m;
        for (j = 0; j < m; j++) {
            job->images[j].path = virXMLPropString(imgs[j], "path");
            job->images[j].nodeformat = virXMLPropString(imgs[j], "format");
            job->images[j].nodestorage = virXMLPropString(imgs[j], "storage");
            if (!job->images[j].nodeformat || !job->images[j].nodestorage) {
                virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                               _("incomplete block job image in the status file"));
                return -1;
            }
        }
        g_ptr_array_add(jobs, g_steal_pointer(&job));
    }
    *jobsp = g_steal_pointer(&jobs);
    return 0;
}

bool
qemuBlockJobAny(qemuDomainObj *obj)
{
    return obj->blockjobs && obj->blockjobs->len > 0;
}

bool
qemuBlockJobPivoting(qemuDomainObj *obj)
{
    guint i;

    for (i = 0; obj->active && obj->blockjobs && i < obj->blockjobs->len; i++) {
        qemuBlockJob *job = g_ptr_array_index(obj->blockjobs, i);

        if (job->phase == QEMU_BLOCKJOB_PHASE_PIVOTING)
            return true;
    }
    return false;
}

bool
qemuBlockJobIsBase(qemuDomainObj *obj, const char *node)
{
    guint i;

    for (i = 0; obj->blockjobs && i < obj->blockjobs->len; i++) {
        qemuBlockJob *job = g_ptr_array_index(obj->blockjobs, i);

        if (g_str_equal(job->base, node))
            return true;
    }
    return false;
}

static qemuBlockJob *
qemuBlockJobFind(qemuDomainObj *obj, const char *disk)
{
    guint i;

    for (i = 0; obj->blockjobs && i < obj->blockjobs->len; i++) {
        qemuBlockJob *job = g_ptr_array_index(obj->blockjobs, i);

        if (g_str_equal(job->disk, disk))
            return job;
    }
    return NULL;
}

static void
qemuBlockJobForget(qemuDomainObj *obj, qemuBlockJob *job)
{
    g_ptr_array_remove(obj->blockjobs, job);
}


/* ---- helpers ------------------------------------------------------------- */

static qemuQMPJob *
qemuBlockJobQuery(qemuMonitor *mon, const char *id, GPtrArray **jobs)
{
    g_autoptr(virJSONValue) reply = NULL;
    guint i;

    if (*jobs)
        g_ptr_array_unref(*jobs);
    *jobs = NULL;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_JOBS, NULL) < 0 ||
        !(*jobs = qemuQMPParseJobs(reply)))
        return NULL;
    for (i = 0; i < (*jobs)->len; i++) {
        qemuQMPJob *j = g_ptr_array_index(*jobs, i);

        if (g_str_equal(j->id, id))
            return j;
    }
    return NULL;
}

/* The disk named by target or source path, with a helpful error. */
static virDomainDiskDef *
qemuBlockJobDisk(qemuDomainObj *obj, const char *name)
{
    virDomainDiskDef *disk = virDomainDiskByName(obj->def, name);

    if (!disk)
        virReportError(VIR_ERR_INVALID_ARG,
                       _("disk '%s' not found in domain"), name);
    return disk;
}

/* The image of @disk's chain named by @name: a path of the chain or
 * "TARGET[INDEX]". */
static virStorageSource *
qemuBlockJobLookupImage(virDomainDiskDef *disk, const char *name)
{
    g_autofree char *prefix = g_strdup_printf("%s[", disk->dst);
    virStorageSource *src;
    unsigned int idx = 0;
    bool byIndex = false;

    if (g_str_has_prefix(name, prefix)) {
        char *end = NULL;

        idx = strtoul(name + strlen(prefix), &end, 10);
        byIndex = end && g_str_equal(end, "]");
    }
    for (src = disk->src; src && src->path; src = src->backingStore) {
        if (byIndex ? src->id == idx : g_str_equal(src->path, name))
            return src;
    }
    virReportError(VIR_ERR_INVALID_ARG,
                   _("could not find image '%s' in the chain of disk '%s'"),
                   name, disk->dst);
    return NULL;
}

/* Take the committed images out of the live chain (idempotent). */
static void
qemuBlockJobUpdateChain(qemuDomainObj *obj, qemuBlockJob *job)
{
    virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, job->disk);
    virStorageSource **link;
    virStorageSource *base;
    virDomainDef *persistent = qemuDomainObjGetPersistentDef(obj);

    if (!disk)
        return;
    for (link = &disk->src; *link && (*link)->nodeformat; link = &(*link)->backingStore) {
        if (g_str_equal((*link)->nodeformat, job->images[0].nodeformat))
            break;
    }
    if (!*link || !(*link)->nodeformat)
        return;   /* done already */
    for (base = *link; base && base->nodeformat; base = base->backingStore) {
        if (g_str_equal(base->nodeformat, job->base))
            break;
    }
    if (!base || !base->nodeformat)
        return;
    {
        virStorageSource *cut = *link;
        virStorageSource *last = cut;

        while (last->backingStore != base)
            last = last->backingStore;
        last->backingStore = NULL;
        *link = base;
        virStorageSourceFree(cut);
    }
    if (job->active) {
        base->readonly = false;
        if (persistent) {
            virDomainDiskDef *cfg = virDomainDiskByTarget(persistent, job->disk);

            if (cfg && cfg->src->path && job->images[0].path &&
                g_str_equal(cfg->src->path, job->images[0].path)) {
                g_free(cfg->src->path);
                cfg->src->path = g_strdup(base->path);
                cfg->src->format = base->format;
                g_clear_pointer(&cfg->src->backingStore, virStorageSourceFree);
            }
        }
    }
}

/* The actions merging every usable bitmap of the committed images into
 * base (created there when base lacks it); with @extra, that bitmap of
 * base joins every merge. */
static virJSONValue *
qemuBlockJobMergeActions(qemuBlockJob *job, GPtrArray *nodes, const char *extra,
                         size_t *count)
{
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, job->images[0].nodeformat);
    qemuQMPBlockNode *base = qemuQMPBlockNodeFind(nodes, job->base);
    guint i;
    size_t j;

    *count = 0;
    if (!top || !base) {
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("QEMU lost the nodes of the commit of disk '%s'"), job->disk);
        return NULL;
    }
    for (i = 0; top->bitmaps && i < top->bitmaps->len; i++) {
        qemuQMPDirtyBitmap *b = g_ptr_array_index(top->bitmaps, i);
        g_autoptr(virJSONValue) sources = json_object_new_array();

        if (!b->persistent || b->inconsistent || !b->recording)
            continue;
        for (j = 0; j < job->nimages; j++) {
            qemuQMPBlockNode *n = qemuQMPBlockNodeFind(nodes, job->images[j].nodeformat);

            if (!n || !qemuQMPBlockNodeFindBitmap(n, b->name))
                break;
            qemuQMPBitmapListAppend(sources, job->images[j].nodeformat, b->name);
        }
        if (extra && qemuQMPBlockNodeFindBitmap(base, extra))
            qemuQMPBitmapListAppend(sources, job->base, extra);
        if (!qemuQMPBlockNodeFindBitmap(base, b->name) &&
            qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                 "s:node", job->base, "s:name", b->name,
                                 "b:persistent", true, "b:disabled", false,
                                 "U:granularity", b->granularity, NULL) < 0)
            return NULL;
        if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_MERGE,
                                 "s:node", job->base, "s:target", b->name,
                                 "v:bitmaps", &sources, NULL) < 0)
            return NULL;
        (*count)++;
    }
    return g_steal_pointer(&actions);
}

static int
qemuBlockJobMergeBitmaps(qemuMonitor *mon, qemuBlockJob *job, const char *extra)
{
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(virJSONValue) actions = NULL;
    size_t n = 0;

    if (!(nodes = qemuCheckpointQueryNodes(mon)) ||
        !(actions = qemuBlockJobMergeActions(job, nodes, extra, &n)))
        return -1;
    if (n == 0)
        return 0;
    return qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT);
}

/* A guest that Fleece stopped for a pivot goes on: the status still
 * says running while QEMU is paused (a user's pause is recorded in the
 * status, and stays). */
static void
qemuBlockJobResumeGuest(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(qemuQMPStatus) st = NULL;
    virErrorPtr orig = NULL;

    if (obj->state != VIR_DOMAIN_RUNNING)
        return;
    virErrorPreserveLast(&orig);
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_STATUS, NULL) < 0 ||
        !(st = qemuQMPParseStatus(reply)) ||
        (g_str_equal(st->status, "paused") &&
         qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_CONT, NULL) < 0))
        VIR_WARN("cannot resume domain '%s' after the pivot of a commit: %s",
                 obj->name, virGetLastErrorMessage());
    virResetLastError();
    virErrorRestore(&orig);
}

/* The job is over: a guest stopped for its pivot goes on, then the
 * record goes (a process killed in between finds the record and does
 * both again). */
static int
qemuBlockJobDrop(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job)
{
    if (job->phase == QEMU_BLOCKJOB_PHASE_PIVOTING)
        qemuBlockJobResumeGuest(obj, mon);
    qemuBlockJobForget(obj, job);
    return qemuDomainObjSaveStatus(obj);
}

/* The job concluded successfully and the bitmaps are in base: dismiss
 * it, update the chain, free QEMU's nodes of the committed images,
 * delete their files if asked, forget the job. */
static int
qemuBlockJobComplete(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job,
                     bool dismiss)
{
    g_autoptr(GPtrArray) nodes = NULL;
    size_t i;

    if (dismiss &&
        qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_JOB_DISMISS,
                       "s:id", job->jobid, NULL) < 0)
        return -1;
    qemuBlockJobUpdateChain(obj, job);
    if (!(nodes = qemuCheckpointQueryNodes(mon)))
        return -1;
    if (qemuQMPBlockNodeFindBitmap(qemuQMPBlockNodeFind(nodes, job->base),
                                   QEMU_BLOCKJOB_ACTIVEWRITE) &&
        qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                       QEMU_QMP_BLOCK_DIRTY_BITMAP_REMOVE, "s:node", job->base,
                       "s:name", QEMU_BLOCKJOB_ACTIVEWRITE, NULL) < 0)
        return -1;
    for (i = 0; i < job->nimages; i++) {
        if (qemuQMPBlockNodeFind(nodes, job->images[i].nodeformat) &&
            qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_DEL,
                           "s:node-name", job->images[i].nodeformat, NULL) < 0)
            return -1;
        if (qemuQMPBlockNodeFind(nodes, job->images[i].nodestorage) &&
            qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCKDEV_DEL,
                           "s:node-name", job->images[i].nodestorage, NULL) < 0)
            return -1;
    }
    if (job->deleteFiles) {
        for (i = 0; i < job->nimages; i++) {
            if (job->images[i].path && unlink(job->images[i].path) < 0 && errno != ENOENT)
                VIR_WARN("cannot delete committed image '%s': %s",
                         job->images[i].path, g_strerror(errno));
        }
    }
    VIR_INFO("commit of disk '%s' of domain '%s' completed", job->disk, obj->name);
    /* the configuration names base before a guest stopped for the pivot
     * goes on */
    if (obj->persistent && obj->newDef &&
        qemuDomainObjSaveConfig(obj->driver, obj->newDef) < 0)
        return -1;
    return qemuBlockJobDrop(obj, mon, job);
}

/* Whether the top committed image is still in the chain QEMU runs the
 * disk on.  -1 on error. */
static int
qemuBlockJobStillInChain(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job)
{
    g_autoptr(virJSONValue) reply = NULL;
    g_autoptr(GPtrArray) devs = NULL;
    virDomainDiskDef *disk = virDomainDiskByTarget(obj->def, job->disk);
    g_autofree char *needle = NULL;
    guint i;

    if (!disk || !disk->alias || !job->images[0].path)
        return 0;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, &reply,
                       QEMU_QMP_QUERY_BLOCK, NULL) < 0 ||
        !(devs = qemuQMPParseBlock(reply)))
        return -1;
    needle = g_strdup_printf("/%s/", disk->alias);
    for (i = 0; i < devs->len; i++) {
        qemuQMPBlockDevice *dev = g_ptr_array_index(devs, i);

        if (!dev->qdev || !strstr(dev->qdev, needle))
            continue;
        return dev->chain &&
               g_strv_contains((const char *const *) dev->chain, job->images[0].path);
    }
    return 0;
}

/* Bring one job up to date with QEMU's.  1: the pivot was asked for
 * and QEMU has not made it yet. */
static int
qemuBlockJobReconcileOne(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job)
{
    g_autoptr(GPtrArray) jobs = NULL;
    qemuQMPJob *qj = qemuBlockJobQuery(mon, job->jobid, &jobs);

    if (!jobs)
        return -1;
    if (!qj) {
        /* no such job: either the last process dismissed it and was
         * killed before the bookkeeping, or QEMU never got it */
        int in = qemuBlockJobStillInChain(obj, mon, job);

        if (in < 0)
            return -1;
        if (in) {
            VIR_WARN("forgetting the commit of disk '%s' of domain '%s': QEMU never ran it",
                     job->disk, obj->name);
            return qemuBlockJobDrop(obj, mon, job);
        }
        return qemuBlockJobComplete(obj, mon, job, false);
    }
    switch (qj->status) {
    case QEMU_QMP_JOB_STATUS_PENDING:
        /* inactive commit: copied; bitmaps into base while QEMU still
         * holds it writable, then the images leave the chain */
        if (qemuBlockJobMergeBitmaps(mon, job, NULL) < 0)
            return -1;
        if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_JOB_FINALIZE,
                           "s:id", job->jobid, NULL) < 0)
            return -1;
        return qemuBlockJobReconcileOne(obj, mon, job);
    case QEMU_QMP_JOB_STATUS_CONCLUDED:
        if (qj->error) {
            VIR_WARN("commit of disk '%s' of domain '%s' failed: %s",
                     job->disk, obj->name, qj->error);
            if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_JOB_DISMISS,
                               "s:id", job->jobid, NULL) < 0)
                return -1;
            return qemuBlockJobDrop(obj, mon, job);
        }
        if (job->active && job->phase != QEMU_BLOCKJOB_PHASE_PIVOTING) {
            /* cancelled in its synchronised phase: the disk stays */
            if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_JOB_DISMISS,
                               "s:id", job->jobid, NULL) < 0)
                return -1;
            return qemuBlockJobDrop(obj, mon, job);
        }
        if (job->active &&
            qemuBlockJobMergeBitmaps(mon, job, QEMU_BLOCKJOB_ACTIVEWRITE) < 0)
            return -1;
        return qemuBlockJobComplete(obj, mon, job, true);
    case QEMU_QMP_JOB_STATUS_READY:
        if (job->phase == QEMU_BLOCKJOB_PHASE_PIVOTING) {
            /* the pivot was requested but not made: make it */
            return 1;
        }
        return 0;
    case QEMU_QMP_JOB_STATUS_UNDEFINED:
    case QEMU_QMP_JOB_STATUS_CREATED:
    case QEMU_QMP_JOB_STATUS_RUNNING:
    case QEMU_QMP_JOB_STATUS_PAUSED:
    case QEMU_QMP_JOB_STATUS_STANDBY:
    case QEMU_QMP_JOB_STATUS_WAITING:
    case QEMU_QMP_JOB_STATUS_ABORTING:
    case QEMU_QMP_JOB_STATUS_NULL:
    case QEMU_QMP_JOB_STATUS_LAST:
        break;
    }
    return 0;
}

/* Switch an active commit in its synchronised phase to base.
 *
 * The guest is stopped from before the switch until the configuration
 * names base: while it runs on the overlay, the overlay over base is
 * the disk; once QEMU switched, base is.  With no guest write between
 * the switch and the record, both read the same, so a QEMU that dies at
 * any point leaves a configuration (the overlay, until the record)
 * that holds every write. */
static int
qemuBlockJobPivot(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job)
{
    g_autoptr(GPtrArray) nodes = NULL;
    g_autoptr(virJSONValue) actions = qemuQMPActionsNew();
    gint64 deadline = g_get_monotonic_time() + QEMU_BLOCKJOB_WAIT_MS * 1000LL;

    job->phase = QEMU_BLOCKJOB_PHASE_PIVOTING;
    if (qemuDomainObjSaveStatus(obj) < 0)
        return -1;
    if (!(nodes = qemuCheckpointQueryNodes(mon)))
        return -1;
    if (!qemuQMPBlockNodeFindBitmap(qemuQMPBlockNodeFind(nodes, job->base),
                                    QEMU_BLOCKJOB_ACTIVEWRITE)) {
        qemuQMPBlockNode *top = qemuQMPBlockNodeFind(nodes, job->images[0].nodeformat);
        unsigned long long gran = 0;

        if (top && top->bitmaps && top->bitmaps->len)
            gran = ((qemuQMPDirtyBitmap *) g_ptr_array_index(top->bitmaps, 0))->granularity;
        if (qemuQMPActionsAppend(actions, QEMU_QMP_ACTION_BLOCK_DIRTY_BITMAP_ADD,
                                 "s:node", job->base, "s:name", QEMU_BLOCKJOB_ACTIVEWRITE,
                                 "b:persistent", false, "b:disabled", false,
                                 "U:granularity", gran, NULL) < 0 ||
            qemuQMPTransaction(mon, &actions, QEMU_MONITOR_TIMEOUT_DEFAULT) < 0)
            return -1;
    }
    /* the guest stops last: as short a pause as can be */
    if (obj->state == VIR_DOMAIN_RUNNING &&
        qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_STOP, NULL) < 0)
        goto resume;
    if (qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_JOB_COMPLETE,
                       "s:device", job->jobid, NULL) < 0)
        goto resume;
    while (g_get_monotonic_time() < deadline) {
        g_autoptr(GPtrArray) jobs = NULL;
        qemuQMPJob *qj = qemuBlockJobQuery(mon, job->jobid, &jobs);

        if (!jobs)
            return -1;
        if (!qj || qj->status == QEMU_QMP_JOB_STATUS_CONCLUDED)
            return qemuBlockJobReconcileOne(obj, mon, job);
        g_usleep(1000);
    }
    /* the switch may still come: the guest waits for the next look */
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("the pivot of disk '%s' did not complete"), job->disk);
    return -1;

 resume:
    /* QEMU was not asked to switch: the overlay stays the disk */
    qemuBlockJobResumeGuest(obj, mon);
    return -1;
}

/* Bring one job up to date, making a pivot that was asked for. */
static int
qemuBlockJobSettle(qemuDomainObj *obj, qemuMonitor *mon, qemuBlockJob *job)
{
    int rc = qemuBlockJobReconcileOne(obj, mon, job);

    if (rc > 0)
        return qemuBlockJobPivot(obj, mon, job);
    return rc;
}

int
qemuBlockJobReconcile(qemuDomainObj *obj, qemuMonitor *mon)
{
    g_autoptr(qemuMonitor) own = NULL;
    guint i;

    if (!qemuBlockJobAny(obj) || !obj->active)
        return 0;
    if (!mon && !(mon = own = qemuProcessConnectMonitor(obj)))
        return -1;
    for (i = obj->blockjobs->len; i > 0; i--) {
        qemuBlockJob *job = g_ptr_array_index(obj->blockjobs, i - 1);

        if (qemuBlockJobSettle(obj, mon, job) < 0)
            return -1;
    }
    return 0;
}


/* ---- driver entry points ------------------------------------------------ */

static qemuDomainObj *
qemuBlockJobLoad(virDomain *dom, bool lock)
{
    qemuDriver *driver = qemuConnectGetDriver(dom->conn);
    g_autoptr(qemuDomainObj) obj = NULL;

    if (!(obj = qemuDomainObjLoad(driver, dom->name, lock ? QEMU_DOMAIN_LOAD_LOCK : 0)))
        return NULL;
    if (!obj->active) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("domain '%s' is not running"), obj->name);
        return NULL;
    }
    return g_steal_pointer(&obj);
}

int
qemuDomainBlockCommit(virDomain *dom, const char *path, const char *base,
                      const char *top, unsigned long bandwidth, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(qemuBlockJob) job = NULL;
    virDomainDiskDef *disk;
    virStorageSource *topsrc;
    virStorageSource *basesrc;
    virStorageSource *s;
    qemuBlockJob *added;
    unsigned long long speed = bandwidth;
    size_t n;
    int rc;

    virCheckFlags(VIR_DOMAIN_BLOCK_COMMIT_SHALLOW |
                  VIR_DOMAIN_BLOCK_COMMIT_DELETE |
                  VIR_DOMAIN_BLOCK_COMMIT_ACTIVE |
                  VIR_DOMAIN_BLOCK_COMMIT_RELATIVE |
                  VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES, -1);
    if (flags & VIR_DOMAIN_BLOCK_COMMIT_RELATIVE) {
        virReportError(VIR_ERR_ARGUMENT_UNSUPPORTED, "%s",
                       _("relative backing names are not supported"));
        return -1;
    }
    if (!(flags & VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES)) {
        if (speed > G_MAXUINT64 >> 20) {
            virReportError(VIR_ERR_OVERFLOW,
                           _("bandwidth must be less than %llu MiB/s"), (unsigned long long) (G_MAXUINT64 >> 20));
            return -1;
        }
        speed <<= 20;
    }
    if (!(obj = qemuBlockJobLoad(dom, true)))
        return -1;
    if (!(mon = qemuProcessConnectMonitor(obj)) || qemuBlockJobReconcile(obj, mon) < 0)
        return -1;
    if (!(disk = qemuBlockJobDisk(obj, path)))
        return -1;
    if (qemuBlockJobFind(obj, disk->dst)) {
        virReportError(VIR_ERR_BLOCK_COPY_ACTIVE,
                       _("disk '%s' already in active block job"), disk->dst);
        return -1;
    }
    if (obj->backup) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("cannot commit disk '%s' of domain '%s': job 'backup' is running"),
                       disk->dst, obj->name);
        return -1;
    }
    if (!disk->src->nodeformat) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("disk '%s' has no image to commit"), disk->dst);
        return -1;
    }
    if (!top)
        topsrc = disk->src;
    else if (!(topsrc = qemuBlockJobLookupImage(disk, top)))
        return -1;
    if (!topsrc->backingStore || !topsrc->backingStore->path ||
        !topsrc->backingStore->nodeformat) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("top '%s' in chain for '%s' has no backing file"),
                       topsrc->path, disk->dst);
        return -1;
    }
    if (!base && (flags & VIR_DOMAIN_BLOCK_COMMIT_SHALLOW)) {
        basesrc = topsrc->backingStore;
    } else if (!base) {
        for (basesrc = topsrc->backingStore;
             basesrc->backingStore && basesrc->backingStore->path &&
             basesrc->backingStore->nodeformat;
             basesrc = basesrc->backingStore)
            ;
    } else if (!(basesrc = qemuBlockJobLookupImage(disk, base))) {
        return -1;
    }
    for (s = topsrc->backingStore, n = 1; s && s != basesrc; s = s->backingStore)
        n++;
    if (!s) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("base '%s' is not below top '%s' in the chain of disk '%s'"),
                       basesrc->path, topsrc->path, disk->dst);
        return -1;
    }
    if (topsrc == disk->src && !(flags & VIR_DOMAIN_BLOCK_COMMIT_ACTIVE)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("commit of '%s' active layer requires active flag"), disk->dst);
        return -1;
    }
    if (topsrc != disk->src && (flags & VIR_DOMAIN_BLOCK_COMMIT_ACTIVE)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("active commit requested but '%s' is not active"), topsrc->path);
        return -1;
    }

    /* the record before QEMU is asked */
    job = g_new0(qemuBlockJob, 1);
    job->disk = g_strdup(disk->dst);
    job->jobid = g_strdup_printf("commit-%s-%s", disk->dst, topsrc->nodeformat);
    job->active = topsrc == disk->src;
    job->deleteFiles = !!(flags & VIR_DOMAIN_BLOCK_COMMIT_DELETE);
    job->base = g_strdup(basesrc->nodeformat);
    job->bandwidth = speed;
    job->images = g_new0(qemuBlockJobImage, n);
    for (s = topsrc; s != basesrc; s = s->backingStore) {
        qemuBlockJobImage *img = &job->images[job->nimages++];

        img->path = g_strdup(s->path);
        img->nodeformat = g_strdup(s->nodeformat);
        img->nodestorage = g_strdup(s->nodestorage);
    }
    if (!obj->blockjobs)
        obj->blockjobs = g_ptr_array_new_with_free_func((GDestroyNotify) qemuBlockJobFree);
    added = job;
    g_ptr_array_add(obj->blockjobs, g_steal_pointer(&job));
    if (qemuDomainObjSaveStatus(obj) < 0)
        goto error;

    rc = qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_BLOCK_COMMIT,
                        "s:job-id", added->jobid, "s:device", disk->src->nodeformat,
                        "s:top-node", topsrc->nodeformat, "s:base-node", basesrc->nodeformat,
                        "U:speed", speed,
                        "b:auto-finalize", added->active, "b:auto-dismiss", false, NULL);
    if (rc < 0)
        goto error;
    VIR_INFO("commit of disk '%s' of domain '%s' started", added->disk, obj->name);
    return 0;

 error:
    {
        virErrorPtr orig = NULL;

        virErrorPreserveLast(&orig);
        qemuBlockJobForget(obj, added);
        ignore_value(qemuDomainObjSaveStatus(obj));
        virErrorRestore(&orig);
    }
    return -1;
}

int
qemuDomainGetBlockJobInfo(virDomain *dom, const char *path, virDomainBlockJobInfo *info,
                          unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    virDomainDiskDef *disk;
    qemuBlockJob *job;
    qemuQMPJob *qj;
    bool readonly = qemuConnectGetDriver(dom->conn)->readonly;

    virCheckFlags(VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES, -1);
    memset(info, 0, sizeof(*info));
    if (!(obj = qemuBlockJobLoad(dom, !readonly)))
        return -1;
    if (!(disk = qemuBlockJobDisk(obj, path)))
        return -1;
    if (!(job = qemuBlockJobFind(obj, disk->dst)))
        return 0;
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;
    if (!readonly) {
        if (qemuBlockJobSettle(obj, mon, job) < 0)
            return -1;
        if (!(job = qemuBlockJobFind(obj, disk->dst)))
            return 0;
    }
    if (!(qj = qemuBlockJobQuery(mon, job->jobid, &jobs))) {
        if (!jobs)
            return -1;
        return 0;
    }
    info->type = job->active ? VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT
                             : VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT;
    info->cur = qj->current;
    info->end = qj->total;
    if (qj->status == QEMU_QMP_JOB_STATUS_READY && info->end == 0)
        info->end = 1;
    if (qj->status == QEMU_QMP_JOB_STATUS_READY)
        info->cur = info->end;
    else if (info->cur >= info->end && info->end)
        info->cur = info->end - 1;   /* not finished until QEMU says so */
    if (flags & VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES)
        info->bandwidth = job->bandwidth;
    else
        info->bandwidth = job->bandwidth >> 20;
    return 1;
}

int
qemuDomainBlockJobAbort(virDomain *dom, const char *path, unsigned int flags)
{
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(GPtrArray) jobs = NULL;
    virDomainDiskDef *disk;
    qemuBlockJob *job;
    qemuQMPJob *qj;
    g_autofree char *disk_dst = NULL;
    gint64 deadline;

    virCheckFlags(VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC |
                  VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT, -1);
    if (!(obj = qemuBlockJobLoad(dom, true)))
        return -1;
    if (!(disk = qemuBlockJobDisk(obj, path)))
        return -1;
    disk_dst = g_strdup(disk->dst);
    if (!(mon = qemuProcessConnectMonitor(obj)))
        return -1;
    if ((job = qemuBlockJobFind(obj, disk_dst)) &&
        qemuBlockJobSettle(obj, mon, job) < 0)
        return -1;
    if (!(job = qemuBlockJobFind(obj, disk_dst))) {
        virReportError(VIR_ERR_OPERATION_INVALID,
                       _("disk '%s' does not have an active block job"), disk_dst);
        return -1;
    }
    if (!(qj = qemuBlockJobQuery(mon, job->jobid, &jobs)) && !jobs)
        return -1;

    if (flags & VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) {
        if (!job->active || !qj || qj->status != QEMU_QMP_JOB_STATUS_READY) {
            virReportError(VIR_ERR_BLOCK_COPY_ACTIVE,
                           _("disk '%s' not ready for pivot yet"), disk_dst);
            return -1;
        }
        return qemuBlockJobPivot(obj, mon, job);
    }

    if (qj && qj->status != QEMU_QMP_JOB_STATUS_CONCLUDED &&
        qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL, QEMU_QMP_JOB_CANCEL,
                       "s:id", job->jobid, NULL) < 0)
        return -1;
    if (flags & VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC)
        return 0;
    deadline = g_get_monotonic_time() + QEMU_BLOCKJOB_WAIT_MS * 1000LL;
    while (g_get_monotonic_time() < deadline) {
        g_autoptr(GPtrArray) list = NULL;

        qj = qemuBlockJobQuery(mon, job->jobid, &list);
        if (!list)
            return -1;
        if (!qj || qj->status == QEMU_QMP_JOB_STATUS_CONCLUDED) {
            if (qj && qemuQMPExecute(mon, QEMU_MONITOR_TIMEOUT_DEFAULT, NULL,
                                     QEMU_QMP_JOB_DISMISS, "s:id", job->jobid, NULL) < 0)
                return -1;
            return qemuBlockJobDrop(obj, mon, job);
        }
        g_usleep(10 * 1000);
    }
    virReportError(VIR_ERR_OPERATION_TIMEOUT,
                   _("the block job of disk '%s' did not stop"), disk_dst);
    return -1;
}

/*
 * qemu_checkpoint_api.c: the checkpoint entry points of the QEMU driver
 *
 * Each loads the domain (locked, with the MODIFY job and a monitor when
 * it changes anything, or when a journal left by an interrupted change
 * must be replayed), loads its checkpoints and calls the operations of
 * qemu_checkpoint.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "qemu_checkpoint.h"
#include "qemu_checkpoint_index.h"
#include "qemu_backup.h"
#include "qemu_driver.h"
#include "qemu_process.h"
#include "libvirt/libvirt-domain-checkpoint.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_CHECKPOINT

VIR_LOG_INIT("qemu.checkpoint.api");

/* ---- driver entry points -------------------------------------------------- */

static qemuDriver *
qemuCheckpointConnDriver(virConnect *conn)
{
    return qemuConnectGetDriver(conn);
}

/* What an entry point works with: the domain (locked when changing, or
 * when a journal must be replayed), its sync job, its monitor and its
 * checkpoints. */
typedef struct {
    qemuDomainObj *obj;
    qemuMonitor *mon;
    virDomainCheckpointObjList *list;   /* a reader's may be shared */
    bool job;
} qemuCheckpointCtx;

static void
qemuCheckpointCtxClear(qemuCheckpointCtx *ctx)
{
    virDomainCheckpointObjListFree(ctx->list);
    qemuMonitorClose(ctx->mon);
    if (ctx->job)
        qemuDomainJobEnd(&ctx->obj->job);
    qemuDomainObjFree(ctx->obj);
    memset(ctx, 0, sizeof(*ctx));
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(qemuCheckpointCtx, qemuCheckpointCtxClear);

/* Load for an operation; @modify takes the lock, the MODIFY job and the
 * monitor of a running domain.  A reader that finds a journal becomes a
 * modifier to replay it, unless its connection is read-only. */
static int
qemuCheckpointCtxLoad(qemuCheckpointCtx *ctx, virDomain *dom, bool modify)
{
    qemuDriver *driver = qemuCheckpointConnDriver(dom->conn);

    unsigned int lockFlag = QEMU_DOMAIN_LOAD_LOCK;

    /* a read-only connection locks only to query (a size), repairing
     * nothing */
    if (driver->readonly)
        lockFlag = QEMU_DOMAIN_LOAD_LOCK_QUERY;
    if (!(ctx->obj = qemuDomainObjLoad(driver, dom->name, modify ? lockFlag : 0)))
        return -1;
    if (!modify && !driver->readonly && qemuCheckpointHasJournal(ctx->obj)) {
        g_clear_pointer(&ctx->obj, qemuDomainObjFree);
        if (!(ctx->obj = qemuDomainObjLoad(driver, dom->name, QEMU_DOMAIN_LOAD_LOCK)))
            return -1;
        modify = true;
    }
    if (modify) {
        if (qemuDomainJobBegin(&ctx->obj->job, QEMU_JOB_MODIFY) < 0)
            return -1;
        ctx->job = true;
        if (qemuDomainObjDisksOpen(ctx->obj) &&
            !(ctx->mon = qemuProcessConnectMonitor(ctx->obj)))
            return -1;
    } else {
        /* a reader shares the list of the index with the process's
         * other readers while nothing changes */
        g_autofree char *dir = qemuDriverCheckpointDir(driver, dom->name);

        if ((ctx->list = qemuCheckpointIndexLoadShared(dir)))
            return 0;
    }
    if (!(ctx->list = qemuCheckpointLoad(ctx->obj, ctx->mon)))
        return -1;
    return 0;
}

/* Turn borrowed checkpoint objects into a NULL-terminated handle array. */
static int
qemuCheckpointHandles(virDomain *dom, virDomainCheckpointObj **objs, int n,
                      virDomainCheckpoint ***handles)
{
    virDomainCheckpoint **ret;
    int i;

    if (!handles)
        return n;
    ret = g_new0(virDomainCheckpoint *, n + 1);
    for (i = 0; i < n; i++) {
        if (!(ret[i] = virGetDomainCheckpoint(dom, objs[i]->def->name))) {
            for (; i > 0; i--)
                virDomainCheckpointHandleUnref(ret[i - 1]);
            g_free(ret);
            return -1;
        }
    }
    *handles = ret;
    return n;
}

virDomainCheckpoint *
qemuDomainCheckpointCreateXML(virDomain *dom, const char *xml,
                              unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };
    virDomainCheckpointObj *chk;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
                  VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE |
                  VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE, NULL);
    if (qemuCheckpointCtxLoad(&ctx, dom, true) < 0)
        return NULL;
    if (!(chk = qemuCheckpointCreate(ctx.obj, ctx.mon, ctx.list, xml, flags)))
        return NULL;
    return virGetDomainCheckpoint(dom, chk->def->name);
}

char *
qemuDomainCheckpointGetXMLDesc(virDomainCheckpoint *checkpoint,
                               unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_XML_SECURE |
                  VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN |
                  VIR_DOMAIN_CHECKPOINT_XML_SIZE, NULL);
    if (qemuCheckpointCtxLoad(&ctx, checkpoint->domain,
                              flags & VIR_DOMAIN_CHECKPOINT_XML_SIZE) < 0)
        return NULL;
    return qemuCheckpointGetXMLDesc(ctx.obj, ctx.mon, ctx.list, checkpoint->name,
                                    flags);
}

int
qemuDomainListAllCheckpoints(virDomain *dom, virDomainCheckpoint ***checkpoints,
                             unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };
    g_autofree virDomainCheckpointObj **objs = NULL;
    int n;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_LIST_ROOTS |
                  VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL |
                  VIR_DOMAIN_CHECKPOINT_LIST_LEAVES |
                  VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, -1);
    if (checkpoints)
        *checkpoints = NULL;
    if (qemuCheckpointCtxLoad(&ctx, dom, false) < 0)
        return -1;
    if ((n = virDomainCheckpointObjListGetAll(ctx.list, NULL,
                                              checkpoints ? &objs : NULL, flags)) < 0)
        return -1;
    return qemuCheckpointHandles(dom, objs, n, checkpoints);
}

int
qemuDomainCheckpointListAllChildren(virDomainCheckpoint *checkpoint,
                                    virDomainCheckpoint ***children,
                                    unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };
    g_autofree virDomainCheckpointObj **objs = NULL;
    virDomainCheckpointObj *chk;
    int n;

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS |
                  VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL |
                  VIR_DOMAIN_CHECKPOINT_LIST_LEAVES |
                  VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES, -1);
    if (children)
        *children = NULL;
    if (qemuCheckpointCtxLoad(&ctx, checkpoint->domain, false) < 0)
        return -1;
    if (!(chk = virDomainCheckpointObjListLookup(ctx.list, checkpoint->name)))
        return -1;
    if ((n = virDomainCheckpointObjListGetAll(ctx.list, chk,
                                              children ? &objs : NULL, flags)) < 0)
        return -1;
    return qemuCheckpointHandles(checkpoint->domain, objs, n, children);
}

virDomainCheckpoint *
qemuDomainCheckpointLookupByName(virDomain *dom, const char *name,
                                 unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };
    virDomainCheckpointObj *chk;

    virCheckFlags(0, NULL);
    if (qemuCheckpointCtxLoad(&ctx, dom, false) < 0)
        return NULL;
    if (!(chk = virDomainCheckpointObjListLookup(ctx.list, name)))
        return NULL;
    return virGetDomainCheckpoint(dom, chk->def->name);
}

virDomainCheckpoint *
qemuDomainCheckpointGetParent(virDomainCheckpoint *checkpoint,
                              unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };
    virDomainCheckpointObj *chk;

    virCheckFlags(0, NULL);
    if (qemuCheckpointCtxLoad(&ctx, checkpoint->domain, false) < 0)
        return NULL;
    if (!(chk = virDomainCheckpointObjListLookup(ctx.list, checkpoint->name)))
        return NULL;
    if (!chk->def->parent_name) {
        virReportError(VIR_ERR_NO_DOMAIN_CHECKPOINT,
                       _("checkpoint '%s' has no parent"), chk->def->name);
        return NULL;
    }
    return virGetDomainCheckpoint(checkpoint->domain, chk->def->parent_name);
}

/* A running backup reading a checkpoint that would be deleted is a
 * conflict that fails at once. */
static int
qemuCheckpointUsedByBackup(qemuDomainObj *obj, virDomainCheckpointObjList *list,
                           const char *name, unsigned int flags)
{
    g_autofree virDomainCheckpointObj **desc = NULL;
    virDomainCheckpointObj *chk;
    size_t i, j;

    if (!obj->backup || !(chk = virDomainCheckpointObjListLookup(list, name)))
        return 0;
    if ((flags & (VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN |
                  VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)) &&
        virDomainCheckpointObjListGetAll(list, chk, &desc,
                                         VIR_DOMAIN_CHECKPOINT_OBJLIST_DESCENDANTS) < 0)
        return -1;
    for (i = 0; i < obj->backup->def->ndisks; i++) {
        const char *used = obj->backup->def->disks[i].incremental;

        if (!used || !obj->backup->def->disks[i].backup)
            continue;
        if (!(flags & VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY) && g_str_equal(used, name))
            goto busy;
        for (j = 0; desc && desc[j]; j++) {
            if (g_str_equal(used, desc[j]->def->name))
                goto busy;
        }
    }
    return 0;

 busy:
    virReportError(VIR_ERR_OPERATION_INVALID,
                   _("checkpoint '%s' is in use by the running backup of domain '%s'"),
                   name, obj->name);
    return -1;
}

int
qemuDomainCheckpointDelete(virDomainCheckpoint *checkpoint, unsigned int flags)
{
    g_auto(qemuCheckpointCtx) ctx = { 0 };

    virCheckFlags(VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN |
                  VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY |
                  VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY, -1);
    if (qemuCheckpointCtxLoad(&ctx, checkpoint->domain, true) < 0)
        return -1;
    if (qemuCheckpointUsedByBackup(ctx.obj, ctx.list, checkpoint->name, flags) < 0)
        return -1;
    return qemuCheckpointDelete(ctx.obj, ctx.mon, ctx.list, checkpoint->name, flags);
}

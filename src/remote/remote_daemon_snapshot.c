/*
 * remote_daemon_snapshot.c: the daemon's snapshot and block commit
 * procedures
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <limits.h>
#include <string.h>

#include "remote_daemon_snapshot.h"
#include "viralloc.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN_SNAPSHOT

VIR_LOG_INIT("remote.daemon.snapshot");

/* ---- snapshots on the wire ------------------------------------------------ */

static virDomainSnapshot *
remoteGetSnapshot(virConnect *conn, const remoteNonnullDomainSnapshot *s)
{
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &s->dom);

    if (!dom)
        return NULL;
    return virGetDomainSnapshot(dom, s->name);
}

static void
remoteMakeSnapshot(remoteNonnullDomainSnapshot *s, virDomainSnapshot *snap)
{
    s->name = g_strdup(snap->name);
    remoteMakeDomain(&s->dom, snap->domain);
}

static int
remoteReturnSnapshot(remoteSnapshotRet *ret, virDomainSnapshot *snap)
{
    if (!snap)
        return -1;
    remoteMakeSnapshot(&ret->snapshot, snap);
    virDomainSnapshotFree(snap);
    return 0;
}

static void
remoteSnapshotListFree(virDomainSnapshot **snaps, int n)
{
    int i;

    for (i = 0; snaps && i < n; i++)
        virDomainSnapshotFree(snaps[i]);
    g_free(snaps);
}

/* Hand @snaps (@n of them, NULL when the caller asked for the count only)
 * over to the reply. */
static int
remoteReturnSnapshotList(remoteSnapshotListRet *ret, virDomainSnapshot **snaps, int n)
{
    int i;

    if (n < 0)
        return -1;
    if (n > REMOTE_DOMAIN_SNAPSHOT_LIST_MAX) {
        remoteSnapshotListFree(snaps, n);
        virReportError(VIR_ERR_RPC, _("too many snapshots '%d' for limit '%d'"),
                       n, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX);
        return -1;
    }
    if (snaps) {
        ret->snapshots.len = n;
        ret->snapshots.val = g_new0(remoteNonnullDomainSnapshot, n > 0 ? n : 1);
        for (i = 0; i < n; i++)
            remoteMakeSnapshot(&ret->snapshots.val[i], snaps[i]);
        remoteSnapshotListFree(snaps, n);
    }
    ret->ret = n;
    return 0;
}

/* ---- what the library lacks, from what it has -------------------------------- */

/* The current snapshot of @dom: *@current is NULL when there is none. */
static int
remoteSnapshotFindCurrent(virDomain *dom, virDomainSnapshot **current)
{
    virDomainSnapshot **snaps = NULL;
    int n;
    int i;
    int rc = 0;

    *current = NULL;
    if ((n = virDomainListAllSnapshots(dom, &snaps, 0)) < 0)
        return -1;
    for (i = 0; i < n && !*current; i++) {
        int is = virDomainSnapshotIsCurrent(snaps[i], 0);

        if (is < 0) {
            rc = -1;
            break;
        }
        if (is > 0)
            *current = virDomainSnapshotHandleRef(snaps[i]);
    }
    remoteSnapshotListFree(snaps, n);
    return rc;
}

static virDomainSnapshot *
remoteSnapshotCurrent(virDomain *dom, unsigned int flags)
{
    virDomainSnapshot *current = NULL;

    virCheckFlags(0, NULL);
    if (remoteSnapshotFindCurrent(dom, &current) < 0)
        return NULL;
    if (!current) {
        virReportError(VIR_ERR_NO_DOMAIN_SNAPSHOT, "%s",
                       _("the domain does not have a current snapshot"));
        return NULL;
    }
    return current;
}

static int
remoteSnapshotHasCurrent(virDomain *dom, unsigned int flags)
{
    g_autoptr(virDomainSnapshot) current = NULL;

    virCheckFlags(0, -1);
    if (remoteSnapshotFindCurrent(dom, &current) < 0)
        return -1;
    return current ? 1 : 0;
}

/* The parent's name of @snap, NULL for a root. */
static int
remoteSnapshotParentName(virDomainSnapshot *snap, char **parent)
{
    g_autoptr(virDomainSnapshot) p = virDomainSnapshotGetParent(snap, 0);

    *parent = NULL;
    if (p) {
        *parent = g_strdup(p->name);
        return 0;
    }
    if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN_SNAPSHOT)
        return -1;
    virResetLastError();
    return 0;
}

/* The children of @snap (with VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS, all its
 * descendants) that pass the list filters in @flags, in the order the
 * driver lists them. */
static int
remoteSnapshotListAllChildren(virDomainSnapshot *snap, virDomainSnapshot ***children,
                              unsigned int flags)
{
    bool descendants = flags & VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS;
    g_autoptr(virDomainSnapshot) self = NULL;
    g_autoptr(GHashTable) parents = NULL;
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify) virDomainSnapshotHandleUnrefVoid);
    virDomainSnapshot **all = NULL;
    virDomainSnapshot **filtered = NULL;
    int nall = -1;
    int nfiltered = -1;
    int ret = -1;
    int i;

    virCheckFlags(VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS |
                  VIR_DOMAIN_SNAPSHOT_LIST_LEAVES |
                  VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES |
                  VIR_DOMAIN_SNAPSHOT_LIST_METADATA |
                  VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA |
                  VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE |
                  VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE |
                  VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY |
                  VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL |
                  VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL |
                  VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL, -1);
    if (children)
        *children = NULL;
    if (!(self = virDomainSnapshotLookupByName(snap->domain, snap->name, 0)))
        return -1;
    if ((nall = virDomainListAllSnapshots(snap->domain, &all, 0)) < 0)
        goto cleanup;
    parents = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (i = 0; i < nall; i++) {
        char *parent = NULL;

        if (remoteSnapshotParentName(all[i], &parent) < 0)
            goto cleanup;
        if (parent)
            g_hash_table_insert(parents, g_strdup(all[i]->name), parent);
    }
    if ((nfiltered = virDomainListAllSnapshots(snap->domain, &filtered,
                                               flags & ~VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS)) < 0)
        goto cleanup;
    for (i = 0; i < nfiltered; i++) {
        const char *p = g_hash_table_lookup(parents, filtered[i]->name);
        int steps = 0;

        /* up the chain (bounded: metadata cannot hold a cycle, but a
         * damaged file should not hang the daemon) */
        while (p && !g_str_equal(p, snap->name) && descendants && steps++ < nall)
            p = g_hash_table_lookup(parents, p);
        if (p && g_str_equal(p, snap->name))
            g_ptr_array_add(out, virDomainSnapshotHandleRef(filtered[i]));
    }
    ret = out->len;
    if (children) {
        g_ptr_array_add(out, NULL);
        g_ptr_array_set_free_func(out, NULL);
        *children = (virDomainSnapshot **) g_ptr_array_free(g_steal_pointer(&out), FALSE);
    }

 cleanup:
    remoteSnapshotListFree(all, nall);
    remoteSnapshotListFree(filtered, nfiltered);
    return ret;
}

/* ---- the handlers ------------------------------------------------------------ */

#define DOMAIN_ARG(type, argsp) \
    g_autoptr(virDomain) dom = remoteGetDomain(conn, &((type *) argsp)->dom); \
    if (!dom) \
        return -1

#define SNAPSHOT_ARG(type, argsp) \
    g_autoptr(virDomainSnapshot) snap = \
        remoteGetSnapshot(conn, &((type *) argsp)->snapshot); \
    if (!snap) \
        return -1

int
remoteDispatchDomainSnapshotCreateXML(remoteClientPriv *priv G_GNUC_UNUSED,
                                      virConnect *conn, void *argsp, void *retp)
{
    remoteDomainSnapshotCreateXMLArgs *args = argsp;
    DOMAIN_ARG(remoteDomainSnapshotCreateXMLArgs, argsp);

    return remoteReturnSnapshot(retp, virDomainSnapshotCreateXML(dom, args->xml,
                                                                 args->flags));
}

int
remoteDispatchDomainSnapshotLookupByName(remoteClientPriv *priv G_GNUC_UNUSED,
                                         virConnect *conn, void *argsp, void *retp)
{
    remoteDomainSnapshotLookupByNameArgs *args = argsp;
    DOMAIN_ARG(remoteDomainSnapshotLookupByNameArgs, argsp);

    return remoteReturnSnapshot(retp, virDomainSnapshotLookupByName(dom, args->name,
                                                                    args->flags));
}

int
remoteDispatchDomainSnapshotCurrent(remoteClientPriv *priv G_GNUC_UNUSED,
                                    virConnect *conn, void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    DOMAIN_ARG(remoteDomainFlagsArgs, argsp);

    return remoteReturnSnapshot(retp, remoteSnapshotCurrent(dom, args->flags));
}

int
remoteDispatchDomainHasCurrentSnapshot(remoteClientPriv *priv G_GNUC_UNUSED,
                                       virConnect *conn, void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteIntRet *ret = retp;
    DOMAIN_ARG(remoteDomainFlagsArgs, argsp);

    return (ret->value = remoteSnapshotHasCurrent(dom, args->flags)) < 0 ? -1 : 0;
}

int
remoteDispatchDomainListAllSnapshots(remoteClientPriv *priv G_GNUC_UNUSED,
                                     virConnect *conn, void *argsp, void *retp)
{
    remoteDomainListAllSnapshotsArgs *args = argsp;
    virDomainSnapshot **snaps = NULL;
    int n;
    DOMAIN_ARG(remoteDomainListAllSnapshotsArgs, argsp);

    n = virDomainListAllSnapshots(dom, args->needResults ? &snaps : NULL, args->flags);
    return remoteReturnSnapshotList(retp, snaps, n);
}

int
remoteDispatchDomainSnapshotNum(remoteClientPriv *priv G_GNUC_UNUSED,
                                virConnect *conn, void *argsp, void *retp)
{
    remoteDomainFlagsArgs *args = argsp;
    remoteIntRet *ret = retp;
    DOMAIN_ARG(remoteDomainFlagsArgs, argsp);

    return (ret->value = virDomainListAllSnapshots(dom, NULL, args->flags)) < 0 ? -1 : 0;
}

int
remoteDispatchDomainSnapshotListAllChildren(remoteClientPriv *priv G_GNUC_UNUSED,
                                            virConnect *conn, void *argsp, void *retp)
{
    remoteDomainSnapshotListAllChildrenArgs *args = argsp;
    virDomainSnapshot **snaps = NULL;
    int n;
    SNAPSHOT_ARG(remoteDomainSnapshotListAllChildrenArgs, argsp);

    n = remoteSnapshotListAllChildren(snap, args->needResults ? &snaps : NULL,
                                      args->flags);
    return remoteReturnSnapshotList(retp, snaps, n);
}

int
remoteDispatchDomainSnapshotNumChildren(remoteClientPriv *priv G_GNUC_UNUSED,
                                        virConnect *conn, void *argsp, void *retp)
{
    remoteSnapshotFlagsArgs *args = argsp;
    remoteIntRet *ret = retp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return (ret->value = remoteSnapshotListAllChildren(snap, NULL, args->flags)) < 0 ? -1 : 0;
}

int
remoteDispatchDomainSnapshotGetXMLDesc(remoteClientPriv *priv G_GNUC_UNUSED,
                                       virConnect *conn, void *argsp, void *retp)
{
    remoteSnapshotFlagsArgs *args = argsp;
    remoteStringRet *ret = retp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return (ret->str = virDomainSnapshotGetXMLDesc(snap, args->flags)) ? 0 : -1;
}

int
remoteDispatchDomainSnapshotGetParent(remoteClientPriv *priv G_GNUC_UNUSED,
                                      virConnect *conn, void *argsp, void *retp)
{
    remoteSnapshotFlagsArgs *args = argsp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return remoteReturnSnapshot(retp, virDomainSnapshotGetParent(snap, args->flags));
}

int
remoteDispatchDomainSnapshotIsCurrent(remoteClientPriv *priv G_GNUC_UNUSED,
                                      virConnect *conn, void *argsp, void *retp)
{
    remoteSnapshotFlagsArgs *args = argsp;
    remoteIntRet *ret = retp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return (ret->value = virDomainSnapshotIsCurrent(snap, args->flags)) < 0 ? -1 : 0;
}

/* Fleece records every snapshot it lists: one that can be found has
 * metadata (a snapshot taken with --no-metadata cannot be found). */
int
remoteDispatchDomainSnapshotHasMetadata(remoteClientPriv *priv G_GNUC_UNUSED,
                                        virConnect *conn, void *argsp, void *retp)
{
    remoteSnapshotFlagsArgs *args = argsp;
    remoteIntRet *ret = retp;
    g_autoptr(virDomainSnapshot) found = NULL;
    unsigned int flags = args->flags;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    virCheckFlags(0, -1);
    if (!(found = virDomainSnapshotLookupByName(snap->domain, snap->name, 0)))
        return -1;
    ret->value = 1;
    return 0;
}

int
remoteDispatchDomainRevertToSnapshot(remoteClientPriv *priv G_GNUC_UNUSED,
                                     virConnect *conn, void *argsp, void *retp G_GNUC_UNUSED)
{
    remoteSnapshotFlagsArgs *args = argsp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return virDomainRevertToSnapshot(snap, args->flags);
}

int
remoteDispatchDomainSnapshotDelete(remoteClientPriv *priv G_GNUC_UNUSED,
                                   virConnect *conn, void *argsp, void *retp G_GNUC_UNUSED)
{
    remoteSnapshotFlagsArgs *args = argsp;
    SNAPSHOT_ARG(remoteSnapshotFlagsArgs, argsp);

    return virDomainSnapshotDelete(snap, args->flags);
}

/* ---- block commit -------------------------------------------------------------- */

int
remoteDispatchDomainBlockCommit(remoteClientPriv *priv G_GNUC_UNUSED,
                                virConnect *conn, void *argsp, void *retp G_GNUC_UNUSED)
{
    remoteDomainBlockCommitArgs *args = argsp;
    DOMAIN_ARG(remoteDomainBlockCommitArgs, argsp);

    if (args->bandwidth > ULONG_MAX) {
        virReportError(VIR_ERR_OVERFLOW, _("bandwidth %llu too large"), args->bandwidth);
        return -1;
    }
    return virDomainBlockCommit(dom, args->disk, args->base, args->top,
                                args->bandwidth, args->flags);
}

int
remoteDispatchDomainBlockJobAbort(remoteClientPriv *priv G_GNUC_UNUSED,
                                  virConnect *conn, void *argsp, void *retp G_GNUC_UNUSED)
{
    remoteDomainBlockJobAbortArgs *args = argsp;
    DOMAIN_ARG(remoteDomainBlockJobAbortArgs, argsp);

    return virDomainBlockJobAbort(dom, args->path, args->flags);
}

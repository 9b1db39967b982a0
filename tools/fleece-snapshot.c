/*
 * fleece-snapshot.c: snapshot and block commit commands of the fleece tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fleece-shell.h"

#define OPT_DOMAIN \
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL, \
      N_("domain name, id or uuid") }

/* ---- snapshot-create-as ---------------------------------------------------- */

static const fleeceOptDef opts_snapshot_create_as[] = {
    OPT_DOMAIN,
    { "name", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL, N_("name of snapshot") },
    { "description", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("description of snapshot") },
    { "print-xml", FLEECE_OT_BOOL, 0, N_("print XML document rather than create") },
    { "no-metadata", FLEECE_OT_BOOL, 0, N_("take snapshot but create no metadata") },
    { "disk-only", FLEECE_OT_BOOL, 0, N_("capture disk state but not vm state") },
    { "reuse-external", FLEECE_OT_BOOL, 0, N_("reuse any existing external files") },
    { "quiesce", FLEECE_OT_BOOL, 0, N_("quiesce guest's file systems") },
    { "atomic", FLEECE_OT_BOOL, 0, N_("require atomic operation") },
    { "live", FLEECE_OT_BOOL, 0, N_("take a live snapshot") },
    { "validate", FLEECE_OT_BOOL, 0, N_("validate the XML against the schema") },
    { "diskspec", FLEECE_OT_ARGV, 0,
      N_("disk attributes: disk[,snapshot=type][,driver=type][,file=name]") },
    { NULL },
};

/* One --diskspec: disk[,snapshot=type][,driver=type][,file=name]. */
static bool
fleeceSnapshotDiskSpec(GString *buf, const char *spec)
{
    g_auto(GStrv) parts = g_strsplit(spec, ",", -1);
    g_autofree char *name = g_markup_escape_text(parts[0], -1);
    const char *snapshot = NULL, *driver = NULL, *file = NULL;
    size_t i;

    for (i = 1; parts[i]; i++) {
        if (g_str_has_prefix(parts[i], "snapshot="))
            snapshot = parts[i] + 9;
        else if (g_str_has_prefix(parts[i], "driver="))
            driver = parts[i] + 7;
        else if (g_str_has_prefix(parts[i], "file="))
            file = parts[i] + 5;
        else {
            fleeceError(_("unable to parse diskspec: %s"), spec);
            return false;
        }
    }
    g_string_append_printf(buf, "    <disk name='%s'", name);
    if (snapshot)
        g_string_append_printf(buf, " snapshot='%s'", snapshot);
    if (driver || file) {
        g_string_append(buf, ">\n");
        if (driver)
            g_string_append_printf(buf, "      <driver type='%s'/>\n", driver);
        if (file) {
            g_autofree char *f = g_markup_escape_text(file, -1);

            g_string_append_printf(buf, "      <source file='%s'/>\n", f);
        }
        g_string_append(buf, "    </disk>\n");
    } else {
        g_string_append(buf, "/>\n");
    }
    return true;
}

static bool
cmdSnapshotCreateAs(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *name = fleeceOptString(cmd, "name");
    const char *desc = fleeceOptString(cmd, "description");
    g_autoptr(GString) xml = g_string_new("<domainsnapshot>\n");
    virDomainSnapshotPtr snap;
    unsigned int flags = 0;
    virDomainPtr dom;
    guint i;

    if (fleeceOptBool(cmd, "no-metadata"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA;
    if (fleeceOptBool(cmd, "disk-only"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY;
    if (fleeceOptBool(cmd, "reuse-external"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT;
    if (fleeceOptBool(cmd, "quiesce"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE;
    if (fleeceOptBool(cmd, "atomic"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    if (fleeceOptBool(cmd, "live"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_LIVE;
    if (fleeceOptBool(cmd, "validate"))
        flags |= VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE;

    if (name) {
        g_autofree char *n = g_markup_escape_text(name, -1);

        g_string_append_printf(xml, "  <name>%s</name>\n", n);
    }
    if (desc) {
        g_autofree char *d = g_markup_escape_text(desc, -1);

        g_string_append_printf(xml, "  <description>%s</description>\n", d);
    }
    if (cmd->argv && cmd->argv->len) {
        g_string_append(xml, "  <disks>\n");
        for (i = 0; i < cmd->argv->len; i++) {
            if (!fleeceSnapshotDiskSpec(xml, g_ptr_array_index(cmd->argv, i)))
                return false;
        }
        g_string_append(xml, "  </disks>\n");
    }
    g_string_append(xml, "</domainsnapshot>\n");
    if (fleeceOptBool(cmd, "print-xml")) {
        fleecePrint(ctl, "%s\n", xml->str);
        return true;
    }

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(snap = virDomainSnapshotCreateXML(dom, xml->str, flags))) {
        fleeceReportError();
        virDomainFree(dom);
        return false;
    }
    virDomainFree(dom);
    fleecePrintExtra(ctl, _("Domain snapshot %s created\n"), virDomainSnapshotGetName(snap));
    virDomainSnapshotFree(snap);
    return true;
}

/* ---- snapshot-list --------------------------------------------------------- */

static const fleeceOptDef opts_snapshot_list[] = {
    OPT_DOMAIN,
    { "parent", FLEECE_OT_BOOL, 0, N_("add a column showing parent snapshot") },
    { "roots", FLEECE_OT_BOOL, 0, N_("list only snapshots without parents") },
    { "leaves", FLEECE_OT_BOOL, 0, N_("list only snapshots without children") },
    { "no-leaves", FLEECE_OT_BOOL, 0,
      N_("list only snapshots that are not leaves (with children)") },
    { "metadata", FLEECE_OT_BOOL, 0,
      N_("list only snapshots that have metadata that would prevent undefine") },
    { "no-metadata", FLEECE_OT_BOOL, 0, N_("list only snapshots that have no metadata managed by libvirt") },
    { "inactive", FLEECE_OT_BOOL, 0, N_("filter by snapshots taken while inactive") },
    { "active", FLEECE_OT_BOOL, 0, N_("filter by snapshots taken while active (full system snapshots)") },
    { "disk-only", FLEECE_OT_BOOL, 0, N_("filter by disk-only snapshots") },
    { "internal", FLEECE_OT_BOOL, 0, N_("filter by internal snapshots") },
    { "external", FLEECE_OT_BOOL, 0, N_("filter by external snapshots") },
    { "tree", FLEECE_OT_BOOL, 0, N_("list snapshots in a tree") },
    { "name", FLEECE_OT_BOOL, 0, N_("list snapshot names only") },
    { "topological", FLEECE_OT_BOOL, 0,
      N_("sort list topologically rather than by name") },
    { NULL },
};

typedef struct {
    char *name;
    char *parent;
    char *state;
    long long created;
} fleeceSnapshotItem;

static void
fleeceSnapshotItemClear(gpointer p)
{
    fleeceSnapshotItem *it = p;

    g_free(it->name);
    g_free(it->parent);
    g_free(it->state);
}

static gint
fleeceSnapshotItemCompare(gconstpointer a, gconstpointer b)
{
    return strcmp(((const fleeceSnapshotItem *) a)->name,
                  ((const fleeceSnapshotItem *) b)->name);
}

static char *
fleeceSnapshotTime(long long t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

    return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S %z") : g_strdup("");
}

static bool
cmdSnapshotList(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autoptr(GArray) items = g_array_new(FALSE, TRUE, sizeof(fleeceSnapshotItem));
    virDomainSnapshotPtr *list = NULL;
    bool tree = fleeceOptBool(cmd, "tree");
    unsigned int flags = 0;
    virDomainPtr dom;
    bool ok = false;
    int n, i;
    static const struct { const char *opt; unsigned int flag; } filters[] = {
        { "roots", VIR_DOMAIN_SNAPSHOT_LIST_ROOTS },
        { "leaves", VIR_DOMAIN_SNAPSHOT_LIST_LEAVES },
        { "no-leaves", VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES },
        { "metadata", VIR_DOMAIN_SNAPSHOT_LIST_METADATA },
        { "no-metadata", VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA },
        { "inactive", VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE },
        { "active", VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE },
        { "disk-only", VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY },
        { "internal", VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL },
        { "external", VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL },
        { "topological", VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL },
    };
    size_t f;

    if (!fleeceOptExclusive(cmd, "parent", "roots") ||
        !fleeceOptExclusive(cmd, "parent", "tree") ||
        !fleeceOptExclusive(cmd, "roots", "tree") ||
        !fleeceOptExclusive(cmd, "name", "tree"))
        return false;
    for (f = 0; f < G_N_ELEMENTS(filters); f++) {
        if (fleeceOptBool(cmd, filters[f].opt))
            flags |= filters[f].flag;
    }
    g_array_set_clear_func(items, fleeceSnapshotItemClear);
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((n = virDomainListAllSnapshots(dom, &list, flags)) < 0) {
        fleeceReportError();
        goto cleanup;
    }
    for (i = 0; i < n; i++) {
        g_autofree char *xml = NULL;
        g_autofree char *created = NULL;
        fleeceSnapshotItem it = { .name = g_strdup(virDomainSnapshotGetName(list[i])) };

        if (!fleeceOptBool(cmd, "name")) {
            if (!(xml = virDomainSnapshotGetXMLDesc(list[i], 0))) {
                fleeceReportError();
                g_free(it.name);
                goto cleanup;
            }
            it.parent = fleeceXMLText(xml, "domainsnapshot/parent/name");
            it.state = fleeceXMLText(xml, "domainsnapshot/state");
            if ((created = fleeceXMLText(xml, "domainsnapshot/creationTime")))
                it.created = g_ascii_strtoll(created, NULL, 10);
        }
        g_array_append_val(items, it);
    }
    if (!(flags & VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL))
        g_array_sort(items, fleeceSnapshotItemCompare);

    if (tree || fleeceOptBool(cmd, "name")) {
        g_autofree const char **names = g_new0(const char *, items->len + 1);
        g_autofree const char **parents = g_new0(const char *, items->len + 1);
        guint j;

        for (j = 0; j < items->len; j++) {
            fleeceSnapshotItem *it = &g_array_index(items, fleeceSnapshotItem, j);

            names[j] = it->name;
            parents[j] = it->parent;
        }
        fleecePrintNameList(ctl, names, tree ? parents : NULL, items->len);
    } else {
        bool withParent = fleeceOptBool(cmd, "parent");
        g_autoptr(fleeceTable) table = NULL;
        g_autofree char *text = NULL;

        if (withParent)
            table = fleeceTableNew(_("Name"), _("Creation Time"), _("State"), _("Parent"), NULL);
        else
            table = fleeceTableNew(_("Name"), _("Creation Time"), _("State"), NULL);
        for (i = 0; i < (int) items->len; i++) {
            fleeceSnapshotItem *it = &g_array_index(items, fleeceSnapshotItem, i);
            g_autofree char *when = fleeceSnapshotTime(it->created);

            if (withParent)
                fleeceTableAddRow(table, it->name, when, it->state ? it->state : "",
                                  it->parent ? it->parent : "", NULL);
            else
                fleeceTableAddRow(table, it->name, when, it->state ? it->state : "", NULL);
        }
        text = fleeceTableFormat(table, ctl->quiet);
        fleecePrint(ctl, "%s", text);
    }
    ok = true;

 cleanup:
    for (i = 0; list && list[i]; i++)
        virDomainSnapshotFree(list[i]);
    g_free(list);
    virDomainFree(dom);
    return ok;
}

/* ---- snapshot-dumpxml, snapshot-delete, snapshot-revert ------------------- */

static const fleeceOptDef opts_snapshot_dumpxml[] = {
    OPT_DOMAIN,
    { "snapshotname", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("snapshot name") },
    { "security-info", FLEECE_OT_BOOL, 0, N_("include security sensitive information in XML dump") },
    { NULL },
};

static virDomainSnapshotPtr
fleeceSnapshotLookup(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainSnapshotPtr snap;
    virDomainPtr dom;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return NULL;
    if (!(snap = virDomainSnapshotLookupByName(dom, fleeceOptString(cmd, "snapshotname"), 0)))
        fleeceReportError();
    virDomainFree(dom);
    return snap;
}

static bool
cmdSnapshotDumpXML(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainSnapshotPtr snap = fleeceSnapshotLookup(ctl, cmd);
    g_autofree char *xml = NULL;

    if (!snap)
        return false;
    xml = virDomainSnapshotGetXMLDesc(snap, fleeceOptBool(cmd, "security-info") ?
                                            VIR_DOMAIN_SNAPSHOT_XML_SECURE : 0);
    if (!xml) {
        fleeceReportError();
        virDomainSnapshotFree(snap);
        return false;
    }
    virDomainSnapshotFree(snap);
    fleecePrint(ctl, "%s", xml);
    return true;
}

static const fleeceOptDef opts_snapshot_delete[] = {
    OPT_DOMAIN,
    { "snapshotname", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("snapshot name") },
    { "children", FLEECE_OT_BOOL, 0, N_("delete snapshot and all children") },
    { "children-only", FLEECE_OT_BOOL, 0, N_("delete children but not snapshot") },
    { "metadata", FLEECE_OT_BOOL, 0,
      N_("delete only libvirt metadata, leaving snapshot contents behind") },
    { NULL },
};

static bool
cmdSnapshotDelete(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainSnapshotPtr snap;
    unsigned int flags = 0;
    g_autofree char *name = NULL;
    int rc;

    if (fleeceOptBool(cmd, "children"))
        flags |= VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN;
    if (fleeceOptBool(cmd, "children-only"))
        flags |= VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY;
    if (fleeceOptBool(cmd, "metadata"))
        flags |= VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY;
    if (!(snap = fleeceSnapshotLookup(ctl, cmd)))
        return false;
    name = g_strdup(virDomainSnapshotGetName(snap));
    rc = virDomainSnapshotDelete(snap, flags);
    if (rc < 0) {
        fleeceError(_("Failed to delete snapshot %s"), name);
        fleeceReportError();
        virDomainSnapshotFree(snap);
        return false;
    }
    virDomainSnapshotFree(snap);
    if (flags & VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)
        fleecePrintExtra(ctl, _("Domain snapshot %s children deleted\n"), name);
    else
        fleecePrintExtra(ctl, _("Domain snapshot %s deleted\n"), name);
    return true;
}

static const fleeceOptDef opts_snapshot_revert[] = {
    OPT_DOMAIN,
    { "snapshotname", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("snapshot name") },
    { "running", FLEECE_OT_BOOL, 0, N_("after reverting, change state to running") },
    { "paused", FLEECE_OT_BOOL, 0, N_("after reverting, change state to paused") },
    { "force", FLEECE_OT_BOOL, 0, N_("try harder on risky reverts") },
    { NULL },
};

static bool
cmdSnapshotRevert(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainSnapshotPtr snap;
    unsigned int flags = 0;
    g_autofree char *name = NULL;
    int rc;

    if (fleeceOptBool(cmd, "running"))
        flags |= VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING;
    if (fleeceOptBool(cmd, "paused"))
        flags |= VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED;
    if (fleeceOptBool(cmd, "force"))
        flags |= VIR_DOMAIN_SNAPSHOT_REVERT_FORCE;
    if (!(snap = fleeceSnapshotLookup(ctl, cmd)))
        return false;
    name = g_strdup(virDomainSnapshotGetName(snap));
    rc = virDomainRevertToSnapshot(snap, flags);
    if (rc < 0) {
        fleeceError(_("Failed to revert snapshot %s"), name);
        fleeceReportError();
        virDomainSnapshotFree(snap);
        return false;
    }
    virDomainSnapshotFree(snap);
    return true;
}

/* ---- blockcommit, blockjob ---------------------------------------------------- */

static const fleeceOptDef opts_blockcommit[] = {
    OPT_DOMAIN,
    { "path", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("fully-qualified path of disk") },
    { "bandwidth", FLEECE_OT_INT, 0, N_("bandwidth limit in MiB/s") },
    { "base", FLEECE_OT_STRING, 0, N_("path of base file to commit into (default bottom of chain)") },
    { "shallow", FLEECE_OT_BOOL, 0, N_("use backing file of top as base") },
    { "top", FLEECE_OT_STRING, 0, N_("path of top file to commit from (default top of chain)") },
    { "active", FLEECE_OT_BOOL, 0, N_("trigger two-stage active commit of top file") },
    { "delete", FLEECE_OT_BOOL, 0, N_("delete files that were successfully committed") },
    { "wait", FLEECE_OT_BOOL, 0, N_("wait for job to complete (with --active, wait for job to sync)") },
    { "verbose", FLEECE_OT_BOOL, 0, N_("with --wait, display the progress") },
    { "pivot", FLEECE_OT_BOOL, 0, N_("implies --active --wait, pivot when commit is synced") },
    { "keep-overlay", FLEECE_OT_BOOL, 0, N_("implies --active --wait, quit when commit is synced") },
    { "async", FLEECE_OT_BOOL, 0, N_("with --wait, don't wait for cancel to finish") },
    { "bytes", FLEECE_OT_BOOL, 0, N_("the bandwidth limit is in bytes/s rather than MiB/s") },
    { NULL },
};

static void
fleeceBlockJobProgress(const char *label, unsigned long long cur, unsigned long long end)
{
    int pct = end ? (int) (100.0 * cur / end) : 0;

    fprintf(stderr, "\r%s: [%3d %%]", label, pct);
    fflush(stderr);
}

static bool
cmdBlockCommit(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *path = fleeceOptString(cmd, "path");
    bool pivot = fleeceOptBool(cmd, "pivot");
    bool keep = fleeceOptBool(cmd, "keep-overlay");
    bool active = fleeceOptBool(cmd, "active") || pivot || keep;
    bool wait = fleeceOptBool(cmd, "wait") || pivot || keep;
    bool verbose = fleeceOptBool(cmd, "verbose");
    unsigned int flags = 0;
    int bandwidth = 0;
    virDomainPtr dom;
    bool ok = false;

    if (!fleeceOptExclusive(cmd, "pivot", "keep-overlay") ||
        !fleeceOptRequires(cmd, "verbose", "wait") ||
        !fleeceOptRequires(cmd, "async", "wait"))
        return false;
    if (fleeceOptInt(cmd, "bandwidth", &bandwidth) < 0)
        return false;
    if (fleeceOptBool(cmd, "shallow"))
        flags |= VIR_DOMAIN_BLOCK_COMMIT_SHALLOW;
    if (fleeceOptBool(cmd, "delete"))
        flags |= VIR_DOMAIN_BLOCK_COMMIT_DELETE;
    if (fleeceOptBool(cmd, "bytes"))
        flags |= VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES;
    if (active)
        flags |= VIR_DOMAIN_BLOCK_COMMIT_ACTIVE;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (virDomainBlockCommit(dom, path, fleeceOptString(cmd, "base"),
                             fleeceOptString(cmd, "top"), bandwidth, flags) < 0) {
        fleeceReportError();
        goto cleanup;
    }
    if (!wait) {
        fleecePrintExtra(ctl, "%s", active ? _("Active Block Commit started")
                                           : _("Block Commit started"));
        fleecePrintExtra(ctl, "\n");
        ok = true;
        goto cleanup;
    }
    for (;;) {
        virDomainBlockJobInfo info;
        int rc = virDomainGetBlockJobInfo(dom, path, &info, 0);

        if (rc < 0) {
            fleeceReportError();
            goto cleanup;
        }
        if (rc == 0) {
            if (verbose)
                fleeceBlockJobProgress(_("Block commit"), 1, 1);
            break;
        }
        if (verbose)
            fleeceBlockJobProgress(_("Block commit"), info.cur, info.end);
        if (active && info.cur == info.end && info.end)
            break;
        g_usleep(50 * 1000);
    }
    if (!active) {
        fleecePrintExtra(ctl, "\n%s\n", _("Commit complete"));
    } else if (pivot) {
        if (virDomainBlockJobAbort(dom, path, VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT) < 0) {
            fleeceError(_("failed to pivot job for disk %s"), path);
            fleeceReportError();
            goto cleanup;
        }
        fleecePrintExtra(ctl, "\n%s\n", _("Successfully pivoted"));
    } else if (keep) {
        if (virDomainBlockJobAbort(dom, path, 0) < 0) {
            fleeceError(_("failed to finish job for disk %s"), path);
            fleeceReportError();
            goto cleanup;
        }
        fleecePrintExtra(ctl, "\n%s\n", _("Commit complete, overlay image kept"));
    } else {
        fleecePrintExtra(ctl, "\n%s\n", _("Now in synchronized phase"));
    }
    ok = true;

 cleanup:
    virDomainFree(dom);
    return ok;
}

static const fleeceOptDef opts_blockjob[] = {
    OPT_DOMAIN,
    { "path", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("fully-qualified path of disk") },
    { "abort", FLEECE_OT_BOOL, 0, N_("abort the active job on the specified disk") },
    { "async", FLEECE_OT_BOOL, 0, N_("implies --abort; request but don't wait for job end") },
    { "pivot", FLEECE_OT_BOOL, 0, N_("implies --abort; conclude and pivot a copy or commit job") },
    { "info", FLEECE_OT_BOOL, 0, N_("get active job information for the specified disk") },
    { "bytes", FLEECE_OT_BOOL, 0, N_("get/set bandwidth in bytes rather than MiB/s") },
    { NULL },
};

static bool
cmdBlockJob(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *path = fleeceOptString(cmd, "path");
    bool bytes = fleeceOptBool(cmd, "bytes");
    unsigned int flags = 0;
    virDomainPtr dom;
    bool ok = false;

    if (fleeceOptBool(cmd, "async"))
        flags |= VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC;
    if (fleeceOptBool(cmd, "pivot"))
        flags |= VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (flags || fleeceOptBool(cmd, "abort")) {
        if (virDomainBlockJobAbort(dom, path, flags) < 0)
            fleeceReportError();
        else
            ok = true;
    } else {
        virDomainBlockJobInfo info;
        int rc = virDomainGetBlockJobInfo(dom, path, &info,
                                          bytes ? VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES : 0);

        if (rc < 0) {
            fleeceReportError();
        } else if (rc == 0) {
            fleecePrint(ctl, _("No current block job for %s\n"), path);
            ok = true;
        } else {
            const char *label = info.type == VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT ?
                                _("Active Block Commit") : _("Block Commit");
            int pct = info.end ? (int) (100.0 * info.cur / info.end) : 0;

            fleecePrint(ctl, "%s: [%3d %%]", label, pct);
            if (info.bandwidth)
                fleecePrint(ctl, bytes ? _("    Bandwidth limit: %lu bytes/s")
                                       : _("    Bandwidth limit: %lu MiB/s"), info.bandwidth);
            fleecePrint(ctl, "\n");
            ok = true;
        }
    }
    virDomainFree(dom);
    return ok;
}

const fleeceCmdDef fleeceSnapshotCmds[] = {
    { "snapshot-create-as", cmdSnapshotCreateAs, opts_snapshot_create_as,
      N_("Create a snapshot from a set of args"),
      N_("Create a snapshot (disk-only, external: every disk continues in a new "
         "qcow2 overlay; checkpoint bitmaps go along)."), 0 },
    { "snapshot-list", cmdSnapshotList, opts_snapshot_list,
      N_("List snapshots for a domain"),
      N_("Snapshot List, sorted by name unless --topological."), 0 },
    { "snapshot-dumpxml", cmdSnapshotDumpXML, opts_snapshot_dumpxml,
      N_("Dump XML for a domain snapshot"),
      N_("Snapshot Dump XML"), 0 },
    { "snapshot-delete", cmdSnapshotDelete, opts_snapshot_delete,
      N_("Delete a domain snapshot"),
      N_("Snapshot Delete (external snapshots: --metadata only)"), 0 },
    { "snapshot-revert", cmdSnapshotRevert, opts_snapshot_revert,
      N_("Revert a domain to a snapshot"),
      N_("Revert domain to snapshot (refused for external snapshots; with "
         "checkpoints, refused naming them)"), 0 },
    { "blockcommit", cmdBlockCommit, opts_blockcommit,
      N_("Start a block commit operation."),
      N_("Commit changes from a snapshot down to its backing image; "
         "checkpoint bitmaps are carried into the base."), 0 },
    { "blockjob", cmdBlockJob, opts_blockjob,
      N_("Manage active block operations"),
      N_("Query, adjust speed, or cancel active block operations."), 0 },
    { NULL },
};

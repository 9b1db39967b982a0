/*
 * fleece-checkpoint.c: checkpoint commands of the fleece tool
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fleece-shell.h"

#define OPT_DOMAIN \
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL, \
      N_("domain name, id or uuid") }
#define OPT_CHECKPOINTNAME \
    { "checkpointname", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL, \
      N_("checkpoint name") }

/* The checkpoint named by --checkpointname of the command's domain;
 * NULL with the error printed.  @dom receives the domain. */
static virDomainCheckpointPtr
fleeceCommandOptCheckpoint(fleeceControl *ctl, const fleeceCmd *cmd, virDomainPtr *dom)
{
    virDomainCheckpointPtr cp;

    if (!(*dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return NULL;
    if (!(cp = virDomainCheckpointLookupByName(*dom, fleeceOptString(cmd, "checkpointname"),
                                               0))) {
        fleeceReportError();
        virDomainFree(*dom);
        *dom = NULL;
    }
    return cp;
}

/* ---- create ------------------------------------------------------------------------ */

/* Create (or redefine) a checkpoint from XML text and say so. */
static bool
fleeceCheckpointCreate(fleeceControl *ctl, virDomainPtr dom, const char *xml,
                       unsigned int flags, const char *from)
{
    virDomainCheckpointPtr cp;

    if (!(cp = virDomainCheckpointCreateXML(dom, xml, flags))) {
        fleeceReportError();
        return false;
    }
    if (from)
        fleecePrintExtra(ctl, _("Domain checkpoint %s created from '%s'\n"),
                         virDomainCheckpointGetName(cp), from);
    else
        fleecePrintExtra(ctl, _("Domain checkpoint %s created\n"),
                         virDomainCheckpointGetName(cp));
    virDomainCheckpointFree(cp);
    return true;
}

static const fleeceOptDef opts_checkpoint_create[] = {
    OPT_DOMAIN,
    { "xmlfile", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("file holding the checkpoint XML") },
    { "redefine", FLEECE_OT_BOOL, 0,
      N_("record the metadata of an existing checkpoint (needs --xmlfile)") },
    { "redefine-validate", FLEECE_OT_BOOL, 0,
      N_("with --redefine, check that the disks hold the checkpoint's bitmaps") },
    { "quiesce", FLEECE_OT_BOOL, 0,
      N_("freeze the guest's file systems (guest agent) while creating") },
    { NULL },
};

static bool
cmdCheckpointCreate(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *file = fleeceOptString(cmd, "xmlfile");
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    virDomainPtr dom;
    bool ok;

    if (!fleeceOptRequires(cmd, "redefine-validate", "redefine") ||
        !fleeceOptRequires(cmd, "redefine", "xmlfile"))
        return false;
    if (fleeceOptBool(cmd, "redefine"))
        flags |= VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE;
    if (fleeceOptBool(cmd, "redefine-validate"))
        flags |= VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE;
    if (fleeceOptBool(cmd, "quiesce"))
        flags |= VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE;
    if (file) {
        if (!(xml = fleeceReadXMLFile(file)))
            return false;
    } else {
        xml = g_strdup("<domaincheckpoint/>");
    }
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    ok = fleeceCheckpointCreate(ctl, dom, xml, flags, file);
    virDomainFree(dom);
    return ok;
}

/* Append one --diskspec "DISK[,checkpoint=TYPE][,bitmap=NAME]" as a
 * <disk/> element; ",," stands for a comma inside a value. */
static bool
fleeceDiskspecAppend(GString *buf, const char *spec)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) cur = g_string_new(NULL);
    const char *p;
    guint i;

    for (p = spec; ; p++) {
        if (*p == ',' && p[1] == ',') {
            g_string_append_c(cur, ',');
            p++;
        } else if (*p == ',' || !*p) {
            g_ptr_array_add(parts, g_strdup(cur->str));
            g_string_truncate(cur, 0);
            if (!*p)
                break;
        } else {
            g_string_append_c(cur, *p);
        }
    }
    if (!*(char *) g_ptr_array_index(parts, 0)) {
        fleeceError(_("diskspec '%s' has no disk name"), spec);
        return false;
    }
    {
        g_autofree char *name = g_markup_escape_text(g_ptr_array_index(parts, 0), -1);

        g_string_append_printf(buf, "    <disk name='%s'", name);
    }
    for (i = 1; i < parts->len; i++) {
        const char *kv = g_ptr_array_index(parts, i);
        const char *eq = strchr(kv, '=');
        g_autofree char *key = NULL;
        g_autofree char *val = NULL;

        if (!eq) {
            fleeceError(_("unable to parse diskspec: %s"), spec);
            return false;
        }
        key = g_strndup(kv, eq - kv);
        if (!g_str_equal(key, "checkpoint") && !g_str_equal(key, "bitmap")) {
            fleeceError(_("unknown key '%s' in diskspec '%s'"), key, spec);
            return false;
        }
        val = g_markup_escape_text(eq + 1, -1);
        g_string_append_printf(buf, " %s='%s'", key, val);
    }
    g_string_append(buf, "/>\n");
    return true;
}

static const fleeceOptDef opts_checkpoint_create_as[] = {
    OPT_DOMAIN,
    { "name", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL, N_("name of the checkpoint") },
    { "description", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("description of the checkpoint") },
    { "print-xml", FLEECE_OT_BOOL, 0, N_("print the XML instead of creating") },
    { "quiesce", FLEECE_OT_BOOL, 0,
      N_("freeze the guest's file systems (guest agent) while creating") },
    { "diskspec", FLEECE_OT_ARGV, FLEECE_OFLAG_POSITIONAL,
      N_("disk attributes: DISK[,checkpoint=bitmap|no][,bitmap=NAME]") },
    { NULL },
};

static bool
cmdCheckpointCreateAs(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *name = fleeceOptString(cmd, "name");
    const char *desc = fleeceOptString(cmd, "description");
    g_autoptr(GString) buf = g_string_new("<domaincheckpoint>\n");
    unsigned int flags = 0;
    virDomainPtr dom;
    guint i;
    bool ok;

    if (name) {
        g_autofree char *e = g_markup_escape_text(name, -1);

        g_string_append_printf(buf, "  <name>%s</name>\n", e);
    }
    if (desc) {
        g_autofree char *e = g_markup_escape_text(desc, -1);

        g_string_append_printf(buf, "  <description>%s</description>\n", e);
    }
    if (cmd->argv->len) {
        g_string_append(buf, "  <disks>\n");
        for (i = 0; i < cmd->argv->len; i++) {
            if (!fleeceDiskspecAppend(buf, g_ptr_array_index(cmd->argv, i)))
                return false;
        }
        g_string_append(buf, "  </disks>\n");
    }
    g_string_append(buf, "</domaincheckpoint>\n");

    if (fleeceOptBool(cmd, "print-xml")) {
        fleecePrint(ctl, "%s\n", buf->str);
        fleecePrintExtra(ctl, "\n");
        return true;
    }
    if (fleeceOptBool(cmd, "quiesce"))
        flags |= VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    ok = fleeceCheckpointCreate(ctl, dom, buf->str, flags, NULL);
    virDomainFree(dom);
    return ok;
}

/* ---- delete, dumpxml, parent, info ----------------------------------------------- */

static const fleeceOptDef opts_checkpoint_delete[] = {
    OPT_DOMAIN,
    OPT_CHECKPOINTNAME,
    { "children", FLEECE_OT_BOOL, 0, N_("delete the checkpoint and all its descendants") },
    { "children-only", FLEECE_OT_BOOL, 0, N_("delete the descendants only") },
    { "metadata", FLEECE_OT_BOOL, 0,
      N_("forget the metadata only; the bitmaps stay in the disks") },
    { NULL },
};

static bool
cmdCheckpointDelete(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainCheckpointPtr cp;
    virDomainPtr dom = NULL;
    unsigned int flags = 0;
    bool ok;

    if (!fleeceOptExclusive(cmd, "children", "children-only"))
        return false;
    if (fleeceOptBool(cmd, "children"))
        flags |= VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN;
    if (fleeceOptBool(cmd, "children-only"))
        flags |= VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY;
    if (fleeceOptBool(cmd, "metadata"))
        flags |= VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY;
    if (!(cp = fleeceCommandOptCheckpoint(ctl, cmd, &dom)))
        return false;
    ok = virDomainCheckpointDelete(cp, flags) == 0;
    if (!ok) {
        fleeceReportError();
    } else {
        if (flags & VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY)
            fleecePrintExtra(ctl, _("Domain checkpoint %s children deleted\n"),
                             fleeceOptString(cmd, "checkpointname"));
        else
            fleecePrintExtra(ctl, _("Domain checkpoint %s deleted\n"),
                             fleeceOptString(cmd, "checkpointname"));
        fleecePrintExtra(ctl, "\n");
    }
    virDomainCheckpointFree(cp);
    virDomainFree(dom);
    return ok;
}

static const fleeceOptDef opts_checkpoint_dumpxml[] = {
    OPT_DOMAIN,
    OPT_CHECKPOINTNAME,
    { "security-info", FLEECE_OT_BOOL, 0, N_("include security sensitive data") },
    { "no-domain", FLEECE_OT_BOOL, 0, N_("leave out the <domain> element") },
    { "size", FLEECE_OT_BOOL, 0,
      N_("add the size of the data changed since the checkpoint (running domain)") },
    { NULL },
};

static bool
cmdCheckpointDumpxml(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainCheckpointPtr cp;
    virDomainPtr dom = NULL;
    g_autofree char *xml = NULL;
    unsigned int flags = 0;

    if (fleeceOptBool(cmd, "security-info"))
        flags |= VIR_DOMAIN_CHECKPOINT_XML_SECURE;
    if (fleeceOptBool(cmd, "no-domain"))
        flags |= VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN;
    if (fleeceOptBool(cmd, "size"))
        flags |= VIR_DOMAIN_CHECKPOINT_XML_SIZE;
    if (!(cp = fleeceCommandOptCheckpoint(ctl, cmd, &dom)))
        return false;
    if (!(xml = virDomainCheckpointGetXMLDesc(cp, flags)))
        fleeceReportError();
    else
        fleecePrintXML(ctl, xml);
    virDomainCheckpointFree(cp);
    virDomainFree(dom);
    return xml != NULL;
}

static const fleeceOptDef opts_checkpoint_one[] = {
    OPT_DOMAIN,
    OPT_CHECKPOINTNAME,
    { NULL },
};

static bool
cmdCheckpointParent(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainCheckpointPtr cp, parent;
    virDomainPtr dom = NULL;

    if (!(cp = fleeceCommandOptCheckpoint(ctl, cmd, &dom)))
        return false;
    parent = virDomainCheckpointGetParent(cp, 0);
    if (parent) {
        fleecePrint(ctl, "%s\n", virDomainCheckpointGetName(parent));
        fleecePrintExtra(ctl, "\n");
    } else if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN_CHECKPOINT) {
        /* a root: virsh words it itself */
        virResetLastError();
        fleeceError(_("checkpoint '%s' has no parent"), virDomainCheckpointGetName(cp));
    } else {
        fleeceReportError();
    }
    virDomainCheckpointFree(cp);
    virDomainFree(dom);
    if (!parent)
        return false;
    virDomainCheckpointFree(parent);
    return true;
}

static bool
cmdCheckpointInfo(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainCheckpointPtr cp, parent;
    virDomainCheckpointPtr *list = NULL;
    virDomainPtr dom = NULL;
    int children, descendants, i;
    bool ok = false;

    if (!(cp = fleeceCommandOptCheckpoint(ctl, cmd, &dom)))
        return false;
    parent = virDomainCheckpointGetParent(cp, 0);
    if (!parent && virGetLastErrorCode() != VIR_ERR_NO_DOMAIN_CHECKPOINT) {
        fleeceReportError();
        goto cleanup;
    }
    virResetLastError();
    if ((children = virDomainCheckpointListAllChildren(cp, NULL, 0)) < 0 ||
        (descendants = virDomainCheckpointListAllChildren(
             cp, &list, VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS)) < 0) {
        fleeceReportError();
        goto cleanup;
    }
    for (i = 0; i < descendants; i++)
        virDomainCheckpointFree(list[i]);
    g_free(list);

    fleecePrint(ctl, "%-15s %s\n", _("Name:"), virDomainCheckpointGetName(cp));
    fleecePrint(ctl, "%-15s %s\n", _("Domain:"), virDomainGetName(dom));
    fleecePrint(ctl, "%-15s %s\n", _("Parent:"),
                parent ? virDomainCheckpointGetName(parent) : "-");
    fleecePrint(ctl, "%-15s %d\n", _("Children:"), children);
    fleecePrint(ctl, "%-15s %d\n", _("Descendants:"), descendants);
    fleecePrintExtra(ctl, "\n");
    ok = true;

 cleanup:
    if (parent)
        virDomainCheckpointFree(parent);
    virDomainCheckpointFree(cp);
    virDomainFree(dom);
    return ok;
}

/* ---- edit ------------------------------------------------------------------------- */

/* Run the user's editor on path and wait.  $VISUAL or $EDITOR may carry
 * options ("emacs -nw"): the words are split as a shell would split them,
 * but no shell runs and the file name is an argument of its own, so
 * nothing in it (quotes, spaces, '$(...)') is ever interpreted. */
static bool
fleeceRunEditor(const char *editor, const char *path)
{
    g_auto(GStrv) words = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_autoptr(GError) err = NULL;
    int status = 0;
    size_t i;

    if (!g_shell_parse_argv(editor, NULL, &words, &err)) {
        fleeceError(_("cannot parse editor '%s': %s"), editor, err->message);
        return false;
    }
    for (i = 0; words[i]; i++)
        g_ptr_array_add(argv, words[i]);
    g_ptr_array_add(argv, (gpointer) path);
    g_ptr_array_add(argv, NULL);
    if (!g_spawn_sync(NULL, (char **) argv->pdata, NULL,
                      G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                      NULL, NULL, NULL, NULL, &status, &err)) {
        fleeceError(_("cannot run editor '%s': %s"), editor, err->message);
        return false;
    }
    if (!g_spawn_check_exit_status(status, NULL)) {
        fleeceError(_("editor '%s' failed"), editor);
        return false;
    }
    return true;
}

static bool
cmdCheckpointEdit(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *name = fleeceOptString(cmd, "checkpointname");
    const char *editor = g_getenv("VISUAL");
    virDomainCheckpointPtr cp;
    virDomainPtr dom = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *edited = NULL;
    g_autofree char *path = NULL;
    g_autofree char *newname = NULL;
    g_autoptr(GError) err = NULL;
    bool ok = false;
    int fd;

    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    if (!(cp = fleeceCommandOptCheckpoint(ctl, cmd, &dom)))
        return false;
    if (!(xml = virDomainCheckpointGetXMLDesc(cp, VIR_DOMAIN_CHECKPOINT_XML_SECURE))) {
        fleeceReportError();
        goto cleanup;
    }
    if ((fd = g_file_open_tmp("fleece-checkpoint-XXXXXX.xml", &path, &err)) < 0) {
        fleeceError(_("cannot create a temporary file: %s"), err->message);
        goto cleanup;
    }
    close(fd);
    if (!g_file_set_contents(path, xml, -1, &err)) {
        fleeceError(_("cannot write '%s': %s"), path, err->message);
        goto cleanup;
    }
    if (!fleeceRunEditor(editor, path))
        goto cleanup;
    if (!(edited = fleeceReadXMLFile(path)))
        goto cleanup;
    if (g_str_equal(edited, xml)) {
        fleecePrintExtra(ctl, _("Checkpoint %s XML configuration not changed.\n"), name);
        fleecePrintExtra(ctl, "\n");
        ok = true;
        goto cleanup;
    }
    newname = fleeceXMLText(edited, "domaincheckpoint/name");
    if (!newname || !g_str_equal(newname, name)) {
        fleeceError(_("cannot rename checkpoint '%s' to '%s'"), name,
                    newname ? newname : "");
        goto cleanup;
    }
    virDomainCheckpointFree(cp);
    if (!(cp = virDomainCheckpointCreateXML(dom, edited,
                                            VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))) {
        fleeceReportError();
        goto cleanup;
    }
    fleecePrintExtra(ctl, _("Checkpoint %s edited.\n"), name);
    fleecePrintExtra(ctl, "\n");
    ok = true;

 cleanup:
    if (path)
        unlink(path);
    if (cp)
        virDomainCheckpointFree(cp);
    virDomainFree(dom);
    return ok;
}

/* ---- list ------------------------------------------------------------------------- */

static const fleeceOptDef opts_checkpoint_list[] = {
    OPT_DOMAIN,
    { "parent", FLEECE_OT_BOOL, 0, N_("add a column with the parent") },
    { "roots", FLEECE_OT_BOOL, 0, N_("list checkpoints without a parent only") },
    { "leaves", FLEECE_OT_BOOL, 0, N_("list checkpoints without children only") },
    { "no-leaves", FLEECE_OT_BOOL, 0, N_("list checkpoints with children only") },
    { "tree", FLEECE_OT_BOOL, 0, N_("draw the checkpoints as a tree") },
    { "from", FLEECE_OT_STRING, 0, N_("list the children of this checkpoint") },
    { "descendants", FLEECE_OT_BOOL, 0, N_("with --from, list all descendants") },
    { "name", FLEECE_OT_BOOL, 0, N_("print names only") },
    { "topological", FLEECE_OT_BOOL, 0, N_("parents before children, not by name") },
    { NULL },
};

typedef struct {
    virDomainCheckpointPtr cp;
    char *name;
    char *parent;
    long long created;
} fleeceCheckpointItem;

static int
fleeceCheckpointItemCompare(gconstpointer a, gconstpointer b)
{
    const fleeceCheckpointItem *x = a;
    const fleeceCheckpointItem *y = b;

    return strcmp(x->name, y->name);
}

static void
fleeceCheckpointItemClear(gpointer p)
{
    fleeceCheckpointItem *it = p;

    if (it->cp)
        virDomainCheckpointFree(it->cp);
    g_free(it->name);
    g_free(it->parent);
}

/* "YYYY-MM-DD HH:MM:SS +zzzz" in local time. */
static char *
fleeceCheckpointTime(long long t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

    return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S %z") : g_strdup("");
}

static bool
cmdCheckpointList(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *from = fleeceOptString(cmd, "from");
    bool tree = fleeceOptBool(cmd, "tree");
    g_autoptr(GArray) items = NULL;
    virDomainCheckpointPtr *list = NULL;
    virDomainCheckpointPtr start = NULL;
    virDomainPtr dom;
    unsigned int flags = 0;
    bool ok = false;
    int n = 0, i;

    if (!fleeceOptExclusive(cmd, "parent", "roots") ||
        !fleeceOptExclusive(cmd, "parent", "tree") ||
        !fleeceOptExclusive(cmd, "roots", "tree") ||
        !fleeceOptExclusive(cmd, "name", "tree") ||
        !fleeceOptExclusive(cmd, "roots", "from") ||
        !fleeceOptExclusive(cmd, "leaves", "tree") ||
        !fleeceOptExclusive(cmd, "no-leaves", "tree") ||
        !fleeceOptRequires(cmd, "descendants", "from"))
        return false;
    if (fleeceOptBool(cmd, "roots"))
        flags |= VIR_DOMAIN_CHECKPOINT_LIST_ROOTS;
    if (fleeceOptBool(cmd, "leaves"))
        flags |= VIR_DOMAIN_CHECKPOINT_LIST_LEAVES;
    if (fleeceOptBool(cmd, "no-leaves"))
        flags |= VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES;
    if (fleeceOptBool(cmd, "topological"))
        flags |= VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL;
    if (from && (tree || fleeceOptBool(cmd, "descendants")))
        flags |= VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (from) {
        if (!(start = virDomainCheckpointLookupByName(dom, from, 0)) ||
            (n = virDomainCheckpointListAllChildren(start, &list, flags)) < 0) {
            fleeceReportError();
            goto cleanup;
        }
    } else if ((n = virDomainListAllCheckpoints(dom, &list, flags)) < 0) {
        fleeceReportError();
        goto cleanup;
    }

    items = g_array_new(FALSE, TRUE, sizeof(fleeceCheckpointItem));
    g_array_set_clear_func(items, fleeceCheckpointItemClear);
    if (start && tree) {
        fleeceCheckpointItem it = { .cp = g_steal_pointer(&start) };

        g_array_append_val(items, it);
    }
    for (i = 0; i < n; i++) {
        fleeceCheckpointItem it = { .cp = list[i] };

        g_array_append_val(items, it);
    }
    g_clear_pointer(&list, g_free);

    /* names come with the handles; parent and creation time take one
     * call per checkpoint (its XML without the domain), made only when
     * they are printed */
    for (i = 0; i < (int) items->len; i++) {
        fleeceCheckpointItem *it = &g_array_index(items, fleeceCheckpointItem, i);
        g_autofree char *xml = NULL;
        g_autofree char *created = NULL;

        it->name = g_strdup(virDomainCheckpointGetName(it->cp));
        if (fleeceOptBool(cmd, "name"))
            continue;
        if (!(xml = virDomainCheckpointGetXMLDesc(it->cp,
                                                  VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN))) {
            fleeceReportError();
            goto cleanup;
        }
        it->parent = fleeceXMLText(xml, "domaincheckpoint/parent/name");
        if ((created = fleeceXMLText(xml, "domaincheckpoint/creationTime")))
            it->created = g_ascii_strtoll(created, NULL, 10);
    }
    if (!(flags & VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL))
        g_array_sort(items, fleeceCheckpointItemCompare);

    if (tree || fleeceOptBool(cmd, "name")) {
        g_autofree const char **names = g_new0(const char *, items->len + 1);
        g_autofree const char **parents = g_new0(const char *, items->len + 1);
        guint j;

        for (j = 0; j < items->len; j++) {
            fleeceCheckpointItem *it = &g_array_index(items, fleeceCheckpointItem, j);

            names[j] = it->name;
            parents[j] = it->parent;
        }
        fleecePrintNameList(ctl, names, tree ? parents : NULL, items->len);
    } else {
        bool withParent = fleeceOptBool(cmd, "parent");
        g_autoptr(fleeceTable) table = NULL;
        g_autofree char *text = NULL;

        if (withParent)
            table = fleeceTableNew(_("Name"), _("Creation Time"), _("Parent"), NULL);
        else
            table = fleeceTableNew(_("Name"), _("Creation Time"), NULL);
        for (i = 0; i < (int) items->len; i++) {
            fleeceCheckpointItem *it = &g_array_index(items, fleeceCheckpointItem, i);
            g_autofree char *when = fleeceCheckpointTime(it->created);

            if (withParent)
                fleeceTableAddRow(table, it->name, when, it->parent ? it->parent : "", NULL);
            else
                fleeceTableAddRow(table, it->name, when, NULL);
        }
        text = fleeceTableFormat(table, ctl->quiet);
        fleecePrint(ctl, "%s", text);
    }
    ok = true;

 cleanup:
    if (list) {
        for (i = 0; i < n; i++)
            virDomainCheckpointFree(list[i]);
        g_free(list);
    }
    if (start)
        virDomainCheckpointFree(start);
    virDomainFree(dom);
    return ok;
}

const fleeceCmdDef fleeceCheckpointCmds[] = {
    { "checkpoint-create", cmdCheckpointCreate, opts_checkpoint_create,
      N_("create a checkpoint from XML"),
      N_("Creates a checkpoint of a running domain from a <domaincheckpoint> "
         "XML file (or with an empty one, named after the time): every disk "
         "starts a bitmap that records the blocks written from now on.  With "
         "--redefine, records the metadata of a checkpoint whose bitmaps "
         "already exist."), 0 },
    { "checkpoint-create-as", cmdCheckpointCreateAs, opts_checkpoint_create_as,
      N_("create a checkpoint from a few arguments"),
      N_("Builds the checkpoint XML from a name, a description and disk "
         "specifications, then creates the checkpoint, or with --print-xml "
         "only prints the XML."), 0 },
    { "checkpoint-delete", cmdCheckpointDelete, opts_checkpoint_delete,
      N_("delete a checkpoint"),
      N_("Deletes a checkpoint and removes its bitmaps; every other "
         "checkpoint's bitmap has recorded all along, so later backups since "
         "them stay correct.  --children also deletes its descendants, "
         "--children-only only them; --metadata keeps the bitmaps."), 0 },
    { "checkpoint-dumpxml", cmdCheckpointDumpxml, opts_checkpoint_dumpxml,
      N_("checkpoint XML"),
      N_("Prints the XML of a checkpoint, with --size also how much data "
         "changed since it."), 0 },
    { "checkpoint-edit", cmdCheckpointEdit, opts_checkpoint_one,
      N_("edit the XML of a checkpoint"),
      N_("Opens the checkpoint's XML in $VISUAL or $EDITOR and redefines the "
         "checkpoint from the result.  The name cannot change."), 0 },
    { "checkpoint-info", cmdCheckpointInfo, opts_checkpoint_one,
      N_("checkpoint information"),
      N_("Prints the name, domain, parent and the number of children and "
         "descendants of a checkpoint."), 0 },
    { "checkpoint-list", cmdCheckpointList, opts_checkpoint_list,
      N_("list the checkpoints of a domain"),
      N_("Prints a table of checkpoints with their creation times, sorted by "
         "name; or their names, or a tree of parents and children."), 0 },
    { "checkpoint-parent", cmdCheckpointParent, opts_checkpoint_one,
      N_("the parent of a checkpoint"),
      N_("Prints the name of the checkpoint's parent; fails for a root."), 0 },
    { NULL },
};

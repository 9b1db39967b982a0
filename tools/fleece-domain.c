/*
 * fleece-domain.c: domain commands of the fleece tool — define, start,
 * stop, list and describe domains
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fleece-shell.h"

#define OPT_DOMAIN \
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL, \
      N_("domain name, id or uuid") }

static const char *const fleeceStates[] = {
    N_("no state"), N_("running"), N_("idle"), N_("paused"),
    N_("in shutdown"), N_("shut off"), N_("crashed"), N_("pmsuspended"),
};

static const char *const fleeceReasonsRunning[] = {
    N_("unknown"), N_("booted"), N_("migrated"), N_("restored"),
    N_("from snapshot"), N_("unpaused"), N_("migration canceled"),
    N_("save canceled"), N_("event wakeup"), N_("crashed"),
    N_("post-copy"), N_("post-copy failed"),
};

static const char *const fleeceReasonsPaused[] = {
    N_("unknown"), N_("user"), N_("migrating"), N_("saving"), N_("dumping"),
    N_("I/O error"), N_("watchdog"), N_("from snapshot"),
    N_("shutting down"), N_("creating snapshot"), N_("crashed"),
    N_("starting up"), N_("post-copy"), N_("post-copy failed"),
};

static const char *const fleeceReasonsShutoff[] = {
    N_("unknown"), N_("shutdown"), N_("destroyed"), N_("crashed"),
    N_("migrated"), N_("saved"), N_("failed"), N_("from snapshot"),
    N_("daemon"),
};

static const char *const fleeceReasonsShutdown[] = {
    N_("unknown"), N_("user"),
};

static const char *const fleeceReasonsCrashed[] = {
    N_("unknown"), N_("panicked"),
};

const char *
fleeceDomainStateToString(int state)
{
    if (state < 0 || state >= (int) G_N_ELEMENTS(fleeceStates))
        return _("no state");
    return _(fleeceStates[state]);
}

const char *
fleeceDomainStateReasonToString(int state, int reason)
{
    const char *const *table = NULL;
    size_t n = 0;

#define TABLE(t) do { table = t; n = G_N_ELEMENTS(t); } while (0)
    switch (state) {
    case VIR_DOMAIN_RUNNING:
        TABLE(fleeceReasonsRunning);
        break;
    case VIR_DOMAIN_PAUSED:
        TABLE(fleeceReasonsPaused);
        break;
    case VIR_DOMAIN_SHUTOFF:
        TABLE(fleeceReasonsShutoff);
        break;
    case VIR_DOMAIN_SHUTDOWN:
        TABLE(fleeceReasonsShutdown);
        break;
    case VIR_DOMAIN_CRASHED:
        TABLE(fleeceReasonsCrashed);
        break;
    default:
        break;
    }
#undef TABLE
    if (!table || reason < 0 || reason >= (int) n)
        return _("unknown");
    return _(table[reason]);
}

/* ---- define, undefine, start, create ----------------------------------------- */

static const fleeceOptDef opts_define[] = {
    { "file", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("file holding the domain XML") },
    { "validate", FLEECE_OT_BOOL, 0, N_("check the XML against the schema") },
    { NULL },
};

static bool
cmdDefine(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *file = fleeceOptString(cmd, "file");
    g_autofree char *xml = NULL;
    virDomainPtr dom;

    if (!(xml = fleeceReadXMLFile(file)))
        return false;
    if (!(dom = virDomainDefineXMLFlags(fleeceConnect(ctl), xml,
                                        fleeceOptBool(cmd, "validate") ?
                                        VIR_DOMAIN_DEFINE_VALIDATE : 0))) {
        fleeceReportError();
        return false;
    }
    fleecePrintExtra(ctl, _("Domain '%s' defined from %s\n"), virDomainGetName(dom), file);
    fleecePrintExtra(ctl, "\n");
    virDomainFree(dom);
    return true;
}

static const fleeceOptDef opts_undefine[] = {
    OPT_DOMAIN,
    { "checkpoints-metadata", FLEECE_OT_BOOL, 0,
      N_("also forget the checkpoint metadata of an inactive domain") },
    { "snapshots-metadata", FLEECE_OT_BOOL, 0,
      N_("also forget the snapshot metadata of an inactive domain") },
    { NULL },
};

static bool
cmdUndefine(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *name = NULL;
    virDomainPtr dom;
    unsigned int flags = 0;
    int rc;

    if (fleeceOptBool(cmd, "checkpoints-metadata"))
        flags |= VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    if (fleeceOptBool(cmd, "snapshots-metadata"))
        flags |= VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    name = g_strdup(virDomainGetName(dom));
    rc = flags ? virDomainUndefineFlags(dom, flags) : virDomainUndefine(dom);
    if (rc < 0)
        fleeceReportError();
    else
        fleecePrintExtra(ctl, _("Domain '%s' has been undefined\n\n"), name);
    virDomainFree(dom);
    return rc == 0;
}

static const fleeceOptDef opts_start[] = {
    OPT_DOMAIN,
    { "paused", FLEECE_OT_BOOL, 0, N_("leave the virtual CPUs stopped") },
    { NULL },
};

static bool
cmdStart(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainPtr dom;
    bool ok;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    ok = virDomainCreateWithFlags(dom, fleeceOptBool(cmd, "paused") ?
                                  VIR_DOMAIN_START_PAUSED : 0) == 0;
    if (ok)
        fleecePrintExtra(ctl, _("Domain '%s' started\n\n"), virDomainGetName(dom));
    else
        fleeceReportError();
    virDomainFree(dom);
    return ok;
}

static const fleeceOptDef opts_create[] = {
    { "file", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("file holding the domain XML") },
    { "paused", FLEECE_OT_BOOL, 0, N_("leave the virtual CPUs stopped") },
    { "validate", FLEECE_OT_BOOL, 0, N_("check the XML against the schema") },
    { NULL },
};

static bool
cmdCreate(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *file = fleeceOptString(cmd, "file");
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    virDomainPtr dom;

    if (fleeceOptBool(cmd, "paused"))
        flags |= VIR_DOMAIN_START_PAUSED;
    if (fleeceOptBool(cmd, "validate"))
        flags |= VIR_DOMAIN_START_VALIDATE;
    if (!(xml = fleeceReadXMLFile(file)))
        return false;
    if (!(dom = virDomainCreateXML(fleeceConnect(ctl), xml, flags))) {
        fleeceReportError();
        return false;
    }
    fleecePrintExtra(ctl, _("Domain '%s' created from %s\n\n"), virDomainGetName(dom), file);
    virDomainFree(dom);
    return true;
}

/* ---- life cycle ---------------------------------------------------------------- */

static const fleeceOptDef opts_domain[] = {
    OPT_DOMAIN,
    { NULL },
};

typedef int (*fleeceDomainAction)(virDomainPtr dom);

/* Run a one-call action on the domain; @name receives its name. */
static bool
fleeceDomainSimple(fleeceControl *ctl, const fleeceCmd *cmd, fleeceDomainAction action,
                   char **name)
{
    virDomainPtr dom;
    bool ok;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    ok = action(dom) == 0;
    if (ok)
        *name = g_strdup(virDomainGetName(dom));
    else
        fleeceReportError();
    virDomainFree(dom);
    return ok;
}

static bool
cmdShutdown(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *name = NULL;

    if (!fleeceDomainSimple(ctl, cmd, virDomainShutdown, &name))
        return false;
    fleecePrintExtra(ctl, _("Domain '%s' is being shutdown\n\n"), name);
    return true;
}

static bool
cmdDestroy(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *name = NULL;

    if (!fleeceDomainSimple(ctl, cmd, virDomainDestroy, &name))
        return false;
    fleecePrintExtra(ctl, _("Domain '%s' destroyed\n\n"), name);
    return true;
}

static bool
cmdSuspend(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *name = NULL;

    if (!fleeceDomainSimple(ctl, cmd, virDomainSuspend, &name))
        return false;
    fleecePrintExtra(ctl, _("Domain '%s' suspended\n\n"), name);
    return true;
}

static bool
cmdResume(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *name = NULL;

    if (!fleeceDomainSimple(ctl, cmd, virDomainResume, &name))
        return false;
    fleecePrintExtra(ctl, _("Domain '%s' resumed\n\n"), name);
    return true;
}

/* ---- list ------------------------------------------------------------------------ */

static const fleeceOptDef opts_list[] = {
    { "inactive", FLEECE_OT_BOOL, 0, N_("list inactive domains only") },
    { "all", FLEECE_OT_BOOL, 0, N_("list active and inactive domains") },
    { "persistent", FLEECE_OT_BOOL, 0, N_("list persistent domains") },
    { "transient", FLEECE_OT_BOOL, 0, N_("list transient domains") },
    { "with-checkpoint", FLEECE_OT_BOOL, 0, N_("list domains that have checkpoints") },
    { "without-checkpoint", FLEECE_OT_BOOL, 0, N_("list domains without checkpoints") },
    { "state-running", FLEECE_OT_BOOL, 0, N_("list running domains") },
    { "state-paused", FLEECE_OT_BOOL, 0, N_("list paused domains") },
    { "state-shutoff", FLEECE_OT_BOOL, 0, N_("list shut off domains") },
    { "state-other", FLEECE_OT_BOOL, 0, N_("list domains in other states") },
    { "uuid", FLEECE_OT_BOOL, 0, N_("print UUIDs only") },
    { "name", FLEECE_OT_BOOL, 0, N_("print names only") },
    { NULL },
};

/* Running domains first by id, then the others by name. */
static int
fleeceDomainSorter(const void *a, const void *b)
{
    virDomainPtr da = *(virDomainPtr const *) a;
    virDomainPtr db = *(virDomainPtr const *) b;
    unsigned int ia = virDomainGetID(da);
    unsigned int ib = virDomainGetID(db);

    if (ia != (unsigned int) -1 && ib != (unsigned int) -1)
        return ia < ib ? -1 : ia > ib;
    if (ia != (unsigned int) -1)
        return -1;
    if (ib != (unsigned int) -1)
        return 1;
    return strcmp(virDomainGetName(da), virDomainGetName(db));
}

static bool
cmdList(fleeceControl *ctl, const fleeceCmd *cmd)
{
    static const struct {
        const char *opt;
        unsigned int flag;
    } filters[] = {
        { "persistent", VIR_CONNECT_LIST_DOMAINS_PERSISTENT },
        { "transient", VIR_CONNECT_LIST_DOMAINS_TRANSIENT },
        { "with-checkpoint", VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT },
        { "without-checkpoint", VIR_CONNECT_LIST_DOMAINS_NO_CHECKPOINT },
        { "state-running", VIR_CONNECT_LIST_DOMAINS_RUNNING },
        { "state-paused", VIR_CONNECT_LIST_DOMAINS_PAUSED },
        { "state-shutoff", VIR_CONNECT_LIST_DOMAINS_SHUTOFF },
        { "state-other", VIR_CONNECT_LIST_DOMAINS_OTHER },
    };
    g_autoptr(fleeceTable) table = NULL;
    g_autofree char *text = NULL;
    virDomainPtr *doms = NULL;
    unsigned int flags = 0;
    bool states = false;
    size_t i;
    int n;

    if (!fleeceOptExclusive(cmd, "inactive", "all") ||
        !fleeceOptExclusive(cmd, "name", "uuid"))
        return false;
    for (i = 0; i < G_N_ELEMENTS(filters); i++) {
        if (fleeceOptBool(cmd, filters[i].opt)) {
            flags |= filters[i].flag;
            if (g_str_has_prefix(filters[i].opt, "state-"))
                states = true;
        }
    }
    if (fleeceOptBool(cmd, "inactive"))
        flags |= VIR_CONNECT_LIST_DOMAINS_INACTIVE;
    else if (!fleeceOptBool(cmd, "all") && !states)
        flags |= VIR_CONNECT_LIST_DOMAINS_ACTIVE;

    if ((n = virConnectListAllDomains(fleeceConnect(ctl), &doms, flags)) < 0) {
        fleeceReportError();
        return false;
    }
    qsort(doms, n, sizeof(*doms), fleeceDomainSorter);

    if (!fleeceOptBool(cmd, "name") && !fleeceOptBool(cmd, "uuid"))
        table = fleeceTableNew(_("Id"), _("Name"), _("State"), NULL);
    for (i = 0; i < (size_t) n; i++) {
        const char *name = virDomainGetName(doms[i]);
        unsigned int id = virDomainGetID(doms[i]);
        char uuid[VIR_UUID_STRING_BUFLEN] = "";
        int state = VIR_DOMAIN_NOSTATE;

        if (fleeceOptBool(cmd, "name")) {
            fleecePrint(ctl, "%s\n", name);
        } else if (fleeceOptBool(cmd, "uuid")) {
            virDomainGetUUIDString(doms[i], uuid);
            fleecePrint(ctl, "%s\n", uuid);
        } else {
            g_autofree char *idstr = id == (unsigned int) -1 ?
                                     g_strdup("-") : g_strdup_printf("%u", id);

            if (virDomainGetState(doms[i], &state, NULL, 0) < 0)
                virResetLastError();
            fleeceTableAddRow(table, idstr, name, fleeceDomainStateToString(state), NULL);
        }
        virDomainFree(doms[i]);
    }
    g_free(doms);
    if (table) {
        text = fleeceTableFormat(table, ctl->quiet);
        fleecePrint(ctl, "%s", text);
    } else {
        fleecePrintExtra(ctl, "\n");
    }
    return true;
}

/* ---- dominfo, domstate ---------------------------------------------------------- */

static bool
cmdDominfo(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainInfo info;
    virDomainPtr dom;
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_autofree char *xml = NULL;
    g_autofree char *ostype = NULL;
    unsigned int id;
    int persistent;
    bool ok = false;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (virDomainGetInfo(dom, &info) < 0 ||
        virDomainGetUUIDString(dom, uuid) < 0 ||
        (persistent = virDomainIsPersistent(dom)) < 0 ||
        !(xml = virDomainGetXMLDesc(dom, 0))) {
        fleeceReportError();
        goto cleanup;
    }
    ostype = fleeceXMLText(xml, "domain/os/type");
    id = virDomainGetID(dom);
    if (id == (unsigned int) -1)
        fleecePrint(ctl, "%-15s %s\n", _("Id:"), "-");
    else
        fleecePrint(ctl, "%-15s %u\n", _("Id:"), id);
    fleecePrint(ctl, "%-15s %s\n", _("Name:"), virDomainGetName(dom));
    fleecePrint(ctl, "%-15s %s\n", _("UUID:"), uuid);
    fleecePrint(ctl, "%-15s %s\n", _("OS Type:"), ostype ? ostype : "");
    fleecePrint(ctl, "%-15s %s\n", _("State:"), fleeceDomainStateToString(info.state));
    fleecePrint(ctl, "%-15s %d\n", _("CPU(s):"), info.nrVirtCpu);
    if (info.cpuTime != 0)
        fleecePrint(ctl, "%-15s %.1fs\n", _("CPU time:"), info.cpuTime / 1000000000.0);
    fleecePrint(ctl, "%-15s %lu KiB\n", _("Max memory:"), info.maxMem);
    fleecePrint(ctl, "%-15s %lu KiB\n", _("Used memory:"), info.memory);
    fleecePrint(ctl, "%-15s %s\n", _("Persistent:"), persistent ? _("yes") : _("no"));
    fleecePrint(ctl, "%-15s %s\n", _("Autostart:"), _("disable"));
    fleecePrint(ctl, "%-15s %s\n", _("Managed save:"), _("no"));
    fleecePrintExtra(ctl, "\n");
    ok = true;

 cleanup:
    virDomainFree(dom);
    return ok;
}

/* ---- domid, domname, domuuid ---------------------------------------------- */

/* Print one property of the domain the command names. */
static bool
fleeceDomainProperty(fleeceControl *ctl, const fleeceCmd *cmd,
                     void (*print)(fleeceControl *ctl, virDomainPtr dom))
{
    virDomainPtr dom = fleeceCommandOptDomain(ctl, cmd, NULL);

    if (!dom)
        return false;
    print(ctl, dom);
    fleecePrintExtra(ctl, "\n");
    virDomainFree(dom);
    return true;
}

static void
fleecePrintID(fleeceControl *ctl, virDomainPtr dom)
{
    unsigned int id = virDomainGetID(dom);

    if (id == (unsigned int) -1)
        fleecePrint(ctl, "%s\n", "-");
    else
        fleecePrint(ctl, "%u\n", id);
}

static void
fleecePrintName(fleeceControl *ctl, virDomainPtr dom)
{
    fleecePrint(ctl, "%s\n", virDomainGetName(dom));
}

static void
fleecePrintUUID(fleeceControl *ctl, virDomainPtr dom)
{
    char uuid[VIR_UUID_STRING_BUFLEN];

    if (virDomainGetUUIDString(dom, uuid) == 0)
        fleecePrint(ctl, "%s\n", uuid);
}

static bool
cmdDomid(fleeceControl *ctl, const fleeceCmd *cmd)
{
    return fleeceDomainProperty(ctl, cmd, fleecePrintID);
}

static bool
cmdDomname(fleeceControl *ctl, const fleeceCmd *cmd)
{
    return fleeceDomainProperty(ctl, cmd, fleecePrintName);
}

static bool
cmdDomuuid(fleeceControl *ctl, const fleeceCmd *cmd)
{
    return fleeceDomainProperty(ctl, cmd, fleecePrintUUID);
}

static const fleeceOptDef opts_domain_only[] = {
    OPT_DOMAIN,
    { NULL },
};

static const fleeceOptDef opts_domstate[] = {
    OPT_DOMAIN,
    { "reason", FLEECE_OT_BOOL, 0, N_("also print the reason of the state") },
    { NULL },
};

static bool
cmdDomstate(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainPtr dom;
    int state = 0, reason = 0;
    bool ok;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    ok = virDomainGetState(dom, &state, &reason, 0) == 0;
    if (!ok)
        fleeceReportError();
    else if (fleeceOptBool(cmd, "reason"))
        fleecePrint(ctl, "%s (%s)\n", fleeceDomainStateToString(state),
                    fleeceDomainStateReasonToString(state, reason));
    else
        fleecePrint(ctl, "%s\n", fleeceDomainStateToString(state));
    if (ok)
        fleecePrintExtra(ctl, "\n");
    virDomainFree(dom);
    return ok;
}

/* ---- dumpxml, domblklist ------------------------------------------------------- */

static const fleeceOptDef opts_dumpxml[] = {
    OPT_DOMAIN,
    { "inactive", FLEECE_OT_BOOL, 0, N_("the persistent definition") },
    { "security-info", FLEECE_OT_BOOL, 0, N_("include security sensitive data") },
    { NULL },
};

/* Print an XML document followed by the blank line virsh prints. */
void
fleecePrintXML(fleeceControl *ctl, const char *xml)
{
    size_t len = strlen(xml);

    fleecePrint(ctl, "%s%s", xml, len && xml[len - 1] == '\n' ? "" : "\n");
    fleecePrintExtra(ctl, "\n");
}

static bool
cmdDumpxml(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *xml = NULL;
    unsigned int flags = 0;
    virDomainPtr dom;

    if (fleeceOptBool(cmd, "inactive"))
        flags |= VIR_DOMAIN_XML_INACTIVE;
    if (fleeceOptBool(cmd, "security-info"))
        flags |= VIR_DOMAIN_XML_SECURE;
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(xml = virDomainGetXMLDesc(dom, flags)))
        fleeceReportError();
    else
        fleecePrintXML(ctl, xml);
    virDomainFree(dom);
    return xml != NULL;
}

static const fleeceOptDef opts_domblklist[] = {
    OPT_DOMAIN,
    { "inactive", FLEECE_OT_BOOL, 0, N_("the disks of the persistent definition") },
    { "details", FLEECE_OT_BOOL, 0, N_("also print the disk type and device") },
    { NULL },
};

static bool
cmdDomblklist(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autoptr(fleeceTable) table = NULL;
    g_autoptr(GPtrArray) disks = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *text = NULL;
    bool details = fleeceOptBool(cmd, "details");
    virDomainPtr dom;
    guint i;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    xml = virDomainGetXMLDesc(dom, fleeceOptBool(cmd, "inactive") ?
                              VIR_DOMAIN_XML_INACTIVE : 0);
    if (!xml)
        fleeceReportError();
    virDomainFree(dom);
    if (!xml)
        return false;
    if (!(disks = fleeceXMLDisks(xml))) {
        fleeceError("%s", _("cannot parse the domain XML"));
        return false;
    }
    if (details)
        table = fleeceTableNew(_("Type"), _("Device"), _("Target"), _("Source"), NULL);
    else
        table = fleeceTableNew(_("Target"), _("Source"), NULL);
    for (i = 0; i < disks->len; i++) {
        fleeceDiskInfo *d = g_ptr_array_index(disks, i);
        const char *src = d->source ? d->source : "-";
        const char *target = d->target ? d->target : "-";

        if (details)
            fleeceTableAddRow(table, d->type ? d->type : "-",
                              d->device ? d->device : "disk", target, src, NULL);
        else
            fleeceTableAddRow(table, target, src, NULL);
    }
    text = fleeceTableFormat(table, ctl->quiet);
    fleecePrint(ctl, "%s", text);
    return true;
}

const fleeceCmdDef fleeceDomainCmds[] = {
    { "create", cmdCreate, opts_create, N_("create and start a domain from an XML file"),
      N_("Starts a transient domain described by an XML file; it is forgotten "
         "when it stops unless it is also defined."), 0 },
    { "define", cmdDefine, opts_define, N_("define a domain from an XML file"),
      N_("Records the domain described by an XML file, or updates its "
         "persistent definition, without starting it."), 0 },
    { "destroy", cmdDestroy, opts_domain, N_("stop a domain at once"),
      N_("Kills the domain's QEMU process immediately, as pulling the plug "
         "would; a running backup job ends with it."), 0 },
    { "domblklist", cmdDomblklist, opts_domblklist, N_("list the disks of a domain"),
      N_("Prints a table of the domain's disks: target name and source path, "
         "and with --details also the type and device."), 0 },
    { "dominfo", cmdDominfo, opts_domain, N_("domain information"),
      N_("Prints the basic facts about a domain: id, name, UUID, state, "
         "CPUs, memory and persistence."), 0 },
    { "domid", cmdDomid, opts_domain_only, N_("the id of a domain"),
      N_("Prints the id of a running domain, '-' for one that is shut off."), 0 },
    { "domname", cmdDomname, opts_domain_only, N_("the name of a domain"),
      N_("Prints the name of the domain given by id, name or UUID."), 0 },
    { "domuuid", cmdDomuuid, opts_domain_only, N_("the UUID of a domain"),
      N_("Prints the UUID of the domain given by id, name or UUID."), 0 },
    { "domstate", cmdDomstate, opts_domstate, N_("domain state"),
      N_("Prints the state of a domain, and with --reason why it is in it."), 0 },
    { "dumpxml", cmdDumpxml, opts_dumpxml, N_("domain XML"),
      N_("Prints the XML description of a domain: the live one of a running "
         "domain, or with --inactive the persistent one."), 0 },
    { "list", cmdList, opts_list, N_("list domains"),
      N_("Prints a table of domains.  Without options only running domains "
         "are listed; --all adds the inactive ones.  Filters narrow the list; "
         "--name and --uuid print one value per line instead."), 0 },
    { "resume", cmdResume, opts_domain, N_("resume a paused domain"),
      N_("Lets the virtual CPUs of a paused domain run again."), 0 },
    { "shutdown", cmdShutdown, opts_domain, N_("ask a domain to shut down"),
      N_("Sends an ACPI power button press to the guest; the guest decides "
         "whether and when to stop."), 0 },
    { "start", cmdStart, opts_start, N_("start a defined domain"),
      N_("Starts the QEMU process of a defined, inactive domain."), 0 },
    { "suspend", cmdSuspend, opts_domain, N_("pause a domain"),
      N_("Stops the virtual CPUs of a running domain; its QEMU process and "
         "any backup job keep running."), 0 },
    { "undefine", cmdUndefine, opts_undefine, N_("forget a domain"),
      N_("Removes the persistent definition of a domain.  A running domain "
         "becomes transient.  An inactive domain with checkpoints needs "
         "--checkpoints-metadata, one with snapshots --snapshots-metadata, "
         "which also drop their metadata."), 0 },
    { NULL },
};

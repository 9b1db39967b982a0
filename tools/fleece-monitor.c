/*
 * fleece-monitor.c: commands that reach into QEMU or the guest — raw
 * monitor commands and the guest agent's file system freeze
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <libvirt/libvirt-qemu.h>

#include "fleece-shell.h"

/* Re-indent a JSON text with two blanks per level, one member per line. */
static char *
fleeceJSONPretty(const char *json)
{
    GString *out = g_string_new(NULL);
    int depth = 0;
    bool instr = false;
    const char *p;

    for (p = json; *p; p++) {
        char c = *p;

        if (instr) {
            g_string_append_c(out, c);
            if (c == '\\' && p[1])
                g_string_append_c(out, *++p);
            else if (c == '"')
                instr = false;
            continue;
        }
        switch (c) {
        case '"':
            instr = true;
            g_string_append_c(out, c);
            break;
        case '{':
        case '[': {
            const char *q = p + 1;

            while (*q == ' ' || *q == '\n' || *q == '\t')
                q++;
            if (*q == (c == '{' ? '}' : ']')) {
                g_string_append_c(out, c);
                g_string_append_c(out, *q);
                p = q;
                break;
            }
            depth++;
            g_string_append_printf(out, "%c\n%*s", c, depth * 2, "");
            break;
        }
        case '}':
        case ']':
            depth--;
            g_string_append_printf(out, "\n%*s%c", depth * 2, "", c);
            break;
        case ',':
            g_string_append_printf(out, ",\n%*s", depth * 2, "");
            break;
        case ':':
            g_string_append(out, ": ");
            break;
        case ' ':
        case '\n':
        case '\t':
        case '\r':
            break;
        default:
            g_string_append_c(out, c);
        }
    }
    return g_string_free(out, FALSE);
}

static const fleeceOptDef opts_qemu_monitor_command[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "hmp", FLEECE_OT_BOOL, 0, N_("the command is human monitor text, not QMP") },
    { "pretty", FLEECE_OT_BOOL, 0, N_("indent the JSON reply") },
    { "cmd", FLEECE_OT_ARGV, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("the command; several words are joined with blanks") },
    { NULL },
};

static bool
cmdQemuMonitorCommand(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *text = NULL;
    g_autofree char *result = NULL;
    bool hmp = fleeceOptBool(cmd, "hmp");
    virDomainPtr dom;
    int rc;

    if (!fleeceOptExclusive(cmd, "hmp", "pretty"))
        return false;
    g_ptr_array_add(cmd->argv, NULL);
    text = g_strjoinv(" ", (char **) cmd->argv->pdata);
    g_ptr_array_remove_index(cmd->argv, cmd->argv->len - 1);

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    rc = virDomainQemuMonitorCommand(dom, text, &result,
                                     hmp ? VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP : 0);
    if (rc < 0)
        fleeceReportError();
    virDomainFree(dom);
    if (rc < 0)
        return false;
    if (fleeceOptBool(cmd, "pretty")) {
        g_autofree char *pretty = fleeceJSONPretty(result);

        fleecePrint(ctl, "%s\n", pretty);
    } else {
        /* as virsh: the reply and a newline, even when the reply (HMP)
         * already ends with one */
        fleecePrint(ctl, "%s\n", result);
    }
    fleecePrintExtra(ctl, "\n");
    return true;
}

static const fleeceOptDef opts_domfs[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "mountpoint", FLEECE_OT_ARGV, FLEECE_OFLAG_POSITIONAL,
      N_("a mount point in the guest; all file systems when none is given") },
    { NULL },
};

typedef int (*fleeceFSAction)(virDomainPtr dom, const char **mountpoints,
                              unsigned int nmountpoints, unsigned int flags);

/* Freeze or thaw guest file systems through the guest agent; the number
 * of file systems, or -1 with the error printed. */
static int
fleeceDomainFS(fleeceControl *ctl, const fleeceCmd *cmd, fleeceFSAction action)
{
    virDomainPtr dom;
    int n;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return -1;
    n = action(dom, cmd->argv->len ? (const char **) cmd->argv->pdata : NULL,
               cmd->argv->len, 0);
    if (n < 0)
        fleeceReportError();
    virDomainFree(dom);
    return n;
}

static bool
cmdDomfsfreeze(fleeceControl *ctl, const fleeceCmd *cmd)
{
    int n = fleeceDomainFS(ctl, cmd, virDomainFSFreeze);

    if (n < 0)
        return false;
    fleecePrint(ctl, _("Froze %d filesystem(s)\n"), n);
    fleecePrintExtra(ctl, "\n");
    return true;
}

static bool
cmdDomfsthaw(fleeceControl *ctl, const fleeceCmd *cmd)
{
    int n = fleeceDomainFS(ctl, cmd, virDomainFSThaw);

    if (n < 0)
        return false;
    fleecePrint(ctl, _("Thawed %d filesystem(s)\n"), n);
    fleecePrintExtra(ctl, "\n");
    return true;
}

const fleeceCmdDef fleeceMonitorCmds[] = {
    { "domfsfreeze", cmdDomfsfreeze, opts_domfs, N_("freeze the guest's file systems"),
      N_("Asks the guest agent to flush and freeze the guest's mounted file "
         "systems (or the given mount points) so that their disks are "
         "consistent; thaw them with domfsthaw."), 0 },
    { "domfsthaw", cmdDomfsthaw, opts_domfs, N_("thaw the guest's file systems"),
      N_("Asks the guest agent to let frozen file systems take writes again."), 0 },
    { "qemu-monitor-command", cmdQemuMonitorCommand, opts_qemu_monitor_command,
      N_("send a command to the QEMU monitor"),
      N_("Sends a QMP command (a JSON object with \"execute\") or, with --hmp, "
         "a human monitor command to the domain's QEMU and prints the reply. "
         "Changes made this way are not known to Fleece."), 0 },
    { NULL },
};

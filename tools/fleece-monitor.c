/*
 * fleece-monitor.c: commands that reach into QEMU or the guest — raw
 * monitor commands and the guest agent's file system freeze
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include <json-c/json.h>
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
    { "return-value", FLEECE_OT_BOOL, 0,
      N_("print only the value of the reply's 'return' member") },
    { "cmd", FLEECE_OT_ARGV, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("the command; several words are joined with blanks") },
    { NULL },
};

/* Parse @text as one JSON object, or NULL. */
static json_object *
fleeceJSONObject(const char *text)
{
    enum json_tokener_error jerr;
    json_object *obj = json_tokener_parse_verbose(text, &jerr);

    if (obj && !json_object_is_type(obj, json_type_object))
        g_clear_pointer(&obj, json_object_put);
    return obj;
}

/* The QMP command of @words, as virsh makes it: one word that is a JSON
 * object goes as it is; otherwise the first word is the command's name
 * and the others, joined with blanks (in braces unless they start with
 * one), are its arguments. */
static char *
fleeceQMPCommand(GPtrArray *words)
{
    json_object *obj;
    json_object *args = NULL;
    json_object *wrapped;
    char *ret;

    if (words->len == 1 && (obj = fleeceJSONObject(words->pdata[0]))) {
        json_object_put(obj);
        return g_strdup(words->pdata[0]);
    }
    if (words->len > 1) {
        g_autofree char *rest = NULL;
        g_autofree char *braced = NULL;

        g_ptr_array_add(words, NULL);
        rest = g_strjoinv(" ", (char **) words->pdata + 1);
        g_ptr_array_remove_index(words, words->len - 1);
        braced = rest[0] == '{' ? g_strdup(rest) : g_strdup_printf("{%s}", rest);
        if (!(args = fleeceJSONObject(braced))) {
            fleeceError(_("failed to wrap arguments '%s' into a QMP command wrapper"), rest);
            return NULL;
        }
    }
    wrapped = json_object_new_object();
    json_object_object_add(wrapped, "execute", json_object_new_string(words->pdata[0]));
    if (args)
        json_object_object_add(wrapped, "arguments", args);
    ret = g_strdup(json_object_to_json_string_ext(wrapped, JSON_C_TO_STRING_PLAIN));
    json_object_put(wrapped);
    return ret;
}

/* The value of the 'return' member of @reply as JSON text, or NULL with
 * the error printed. */
static char *
fleeceQMPReturnValue(const char *reply)
{
    json_object *obj = fleeceJSONObject(reply);
    json_object *ret = NULL;
    char *text = NULL;

    if (obj && json_object_object_get_ex(obj, "return", &ret))
        text = g_strdup(json_object_to_json_string_ext(ret, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE));
    else
        fleeceError("%s", _("'return' member missing"));
    json_object_put(obj);
    return text;
}

static bool
cmdQemuMonitorCommand(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *text = NULL;
    g_autofree char *result = NULL;
    bool hmp = fleeceOptBool(cmd, "hmp");
    bool returnValue = fleeceOptBool(cmd, "return-value");
    virDomainPtr dom;
    int rc;

    if (!fleeceOptExclusive(cmd, "hmp", "pretty") ||
        !fleeceOptExclusive(cmd, "hmp", "return-value"))
        return false;
    if (hmp) {
        g_ptr_array_add(cmd->argv, NULL);
        text = g_strjoinv(" ", (char **) cmd->argv->pdata);
        g_ptr_array_remove_index(cmd->argv, cmd->argv->len - 1);
    } else if (!(text = fleeceQMPCommand(cmd->argv))) {
        return false;
    }

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    rc = virDomainQemuMonitorCommand(dom, text, &result,
                                     hmp ? VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP : 0);
    if (rc < 0)
        fleeceReportError();
    virDomainFree(dom);
    if (rc < 0)
        return false;
    if (returnValue) {
        g_autofree char *value = fleeceQMPReturnValue(result);

        if (!value)
            return false;
        if (fleeceOptBool(cmd, "pretty")) {
            g_autofree char *pretty = fleeceJSONPretty(value);

            fleecePrint(ctl, "%s\n", pretty);
        } else {
            fleecePrint(ctl, "%s\n", value);
        }
        /* virsh prints no empty line after a return value */
        return true;
    }
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
      N_("Sends a QMP command to the domain's QEMU and prints QEMU's reply, an "
         "error reply included. The command is a JSON object with \"execute\", "
         "or a command name followed by its arguments as JSON members "
         "('query-block-jobs', 'block-job-cancel \"device\":\"x\"'). With "
         "--hmp it is a human monitor command. Changes made this way are not "
         "known to Fleece."), 0 },
    { NULL },
};

/*
 * fleece-shell.c: the command engine of the fleece tool
 *
 * Commands are found by name in the groups, their words are matched
 * against the option definitions (--opt VALUE, --opt=VALUE, flags, and
 * bare words filling the positional options in order), and the handler
 * runs with the parsed values.  A line of text is split like a shell
 * would (quotes, backslashes), and ';' separates commands.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fleece-shell.h"

static const fleeceCmdGroup fleeceGroups[] = {
    { N_("Domain Management"), "domain", fleeceDomainCmds },
    { N_("Domain Monitor and Guest Agent"), "monitor", fleeceMonitorCmds },
    { N_("Domain Jobs and Events"), "job", fleeceJobCmds },
    { N_("Checkpoint"), "checkpoint", fleeceCheckpointCmds },
    { N_("Backup"), "backup", fleeceBackupCmds },
    { N_("Snapshot and Block Commit"), "snapshot", fleeceSnapshotCmds },
    { N_("Fleece itself"), "fleece", fleeceShellCmds },
};

/* ---- output -------------------------------------------------------------- */

/* Print on stdout. */
void
fleecePrint(fleeceControl *ctl G_GNUC_UNUSED, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

/* Print an informational message, unless -q was given. */
void
fleecePrintExtra(fleeceControl *ctl, const char *fmt, ...)
{
    va_list ap;

    if (ctl->quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
}

void
fleecePrintNameList(fleeceControl *ctl, const char *const *names,
                    const char *const *parents, size_t n)
{
    size_t i;

    if (parents) {
        g_autofree char *text = fleeceTreeFormatNamed(names, parents, n);

        fleecePrint(ctl, "%s", text);
    } else {
        for (i = 0; i < n; i++)
            fleecePrint(ctl, "%s\n", names[i]);
    }
    fleecePrintExtra(ctl, "\n");
}

/* Print one "error: MESSAGE" line on stderr. */
void
fleeceError(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, "error: %s\n", msg);
}

/* Print the library's last error as the one error line of a command. */
void
fleeceReportError(void)
{
    const char *msg = virGetLastErrorMessage();

    fleeceError("%s", msg ? msg : _("unknown error"));
    virResetLastError();
}

/* ---- parsed commands ----------------------------------------------------- */

void
fleeceCmdFree(fleeceCmd *cmd)
{
    size_t i;

    if (!cmd)
        return;
    if (cmd->values) {
        for (i = 0; cmd->def->opts[i].name; i++)
            g_free(cmd->values[i]);
        g_free(cmd->values);
    }
    if (cmd->argv)
        g_ptr_array_free(cmd->argv, TRUE);
    g_free(cmd);
}

static int
fleeceOptIndex(const fleeceCmdDef *def, const char *name)
{
    size_t i;

    for (i = 0; def->opts[i].name; i++) {
        if (g_str_equal(def->opts[i].name, name))
            return i;
    }
    return -1;
}

/* Look a command up by name in every group. */
const fleeceCmdDef *
fleeceCmdLookup(const char *name)
{
    size_t g, i;

    for (g = 0; g < G_N_ELEMENTS(fleeceGroups); g++) {
        for (i = 0; fleeceGroups[g].cmds[i].name; i++) {
            if (g_str_equal(fleeceGroups[g].cmds[i].name, name))
                return &fleeceGroups[g].cmds[i];
        }
    }
    return NULL;
}

/* Store one option value; ARGV options collect every value. */
static bool
fleeceCmdSetOpt(fleeceCmd *cmd, int idx, const char *value)
{
    const fleeceOptDef *opt = &cmd->def->opts[idx];

    if (opt->type == FLEECE_OT_ARGV) {
        g_ptr_array_add(cmd->argv, g_strdup(value));
        g_free(cmd->values[idx]);
        cmd->values[idx] = g_strdup(value);
        return true;
    }
    if (cmd->values[idx]) {
        fleeceError(_("option '--%s' was given more than once"), opt->name);
        return false;
    }
    cmd->values[idx] = g_strdup(value);
    return true;
}

/* Match the words after a command name against its options. */
fleeceCmd *
fleeceCmdParse(const char *const *words, size_t nwords)
{
    g_autoptr(fleeceCmd) cmd = NULL;
    const fleeceCmdDef *def;
    bool dataOnly = false;
    size_t i, nopts;

    if (nwords == 0)
        return NULL;
    if (!(def = fleeceCmdLookup(words[0]))) {
        fleeceError(_("unknown command: '%s'"), words[0]);
        return NULL;
    }
    cmd = g_new0(fleeceCmd, 1);
    cmd->def = def;
    for (nopts = 0; def->opts[nopts].name; nopts++)
        ;
    cmd->values = g_new0(char *, nopts + 1);
    cmd->argv = g_ptr_array_new_with_free_func(g_free);

    for (i = 1; i < nwords; i++) {
        const char *w = words[i];
        int idx;

        if (!dataOnly && g_str_equal(w, "--")) {
            dataOnly = true;
            continue;
        }
        if (!dataOnly && g_str_has_prefix(w, "--") && w[2]) {
            g_autofree char *name = g_strdup(w + 2);
            char *eq = strchr(name, '=');
            const char *value = NULL;

            if (eq) {
                *eq = '\0';
                value = eq + 1;
            }
            if ((idx = fleeceOptIndex(def, name)) < 0) {
                fleeceError(_("command '%s' doesn't support option --%s"),
                            def->name, name);
                return NULL;
            }
            if (def->opts[idx].type == FLEECE_OT_BOOL) {
                if (value) {
                    fleeceError(_("option '--%s' of command '%s' takes no value"),
                                name, def->name);
                    return NULL;
                }
                if (!fleeceCmdSetOpt(cmd, idx, "1"))
                    return NULL;
                continue;
            }
            if (!value) {
                if (i + 1 >= nwords) {
                    fleeceError(_("option '--%s' of command '%s' needs a value"),
                                name, def->name);
                    return NULL;
                }
                value = words[++i];
            }
            if (!fleeceCmdSetOpt(cmd, idx, value))
                return NULL;
            continue;
        }

        /* a bare word fills the next positional option still unset */
        for (idx = 0; def->opts[idx].name; idx++) {
            const fleeceOptDef *opt = &def->opts[idx];

            if (!(opt->flags & FLEECE_OFLAG_POSITIONAL))
                continue;
            if (opt->type == FLEECE_OT_ARGV || !cmd->values[idx])
                break;
        }
        if (!def->opts[idx].name) {
            fleeceError(_("unexpected data '%s' for command '%s'"), w, def->name);
            return NULL;
        }
        if (!fleeceCmdSetOpt(cmd, idx, w))
            return NULL;
    }

    for (i = 0; i < nopts; i++) {
        if ((def->opts[i].flags & FLEECE_OFLAG_REQ) && !cmd->values[i]) {
            fleeceError(_("command '%s' requires the --%s option"),
                        def->name, def->opts[i].name);
            return NULL;
        }
    }
    return g_steal_pointer(&cmd);
}

/* ---- option accessors ---------------------------------------------------- */

bool
fleeceOptBool(const fleeceCmd *cmd, const char *name)
{
    int idx = fleeceOptIndex(cmd->def, name);

    return idx >= 0 && cmd->values[idx];
}

const char *
fleeceOptString(const fleeceCmd *cmd, const char *name)
{
    int idx = fleeceOptIndex(cmd->def, name);

    return idx >= 0 ? cmd->values[idx] : NULL;
}

/* Returns 1 with @value set, 0 when the option is absent, -1 (error
 * printed) when it is not a number. */
int
fleeceOptInt(const fleeceCmd *cmd, const char *name, int *value)
{
    const char *str = fleeceOptString(cmd, name);
    char *end = NULL;
    long long v;

    if (!str)
        return 0;
    errno = 0;
    v = g_ascii_strtoll(str, &end, 10);
    if (errno || end == str || *end || v < G_MININT || v > G_MAXINT) {
        fleeceError(_("numeric value '%s' for option '--%s' is malformed or out of range"),
                    str, name);
        return -1;
    }
    *value = v;
    return 1;
}

/* False (error printed) when both options are given. */
bool
fleeceOptExclusive(const fleeceCmd *cmd, const char *a, const char *b)
{
    if (fleeceOptString(cmd, a) && fleeceOptString(cmd, b)) {
        fleeceError(_("Options --%s and --%s are mutually exclusive"), a, b);
        return false;
    }
    return true;
}

/* False (error printed) when @opt is given without @needed. */
bool
fleeceOptRequires(const fleeceCmd *cmd, const char *opt, const char *needed)
{
    if (fleeceOptString(cmd, opt) && !fleeceOptString(cmd, needed)) {
        fleeceError(_("option --%s requires option --%s"), opt, needed);
        return false;
    }
    return true;
}

/* ---- help ---------------------------------------------------------------- */

static const char *
fleeceOptTypeHint(const fleeceOptDef *opt)
{
    switch ((fleeceOptType) opt->type) {
    case FLEECE_OT_INT:
        return "<number>";
    case FLEECE_OT_STRING:
    case FLEECE_OT_ARGV:
        return "<string>";
    case FLEECE_OT_BOOL:
    case FLEECE_OT_LAST:
        break;
    }
    return "";
}

/* Print @text in lines of at most @width columns, indented by @indent. */
static void
fleecePrintWrapped(const char *text, int indent, int width)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \n", -1);
    int col = 0;
    size_t i;

    for (i = 0; words[i]; i++) {
        int len = strlen(words[i]);

        if (!len)
            continue;
        if (col && col + 1 + len > width) {
            printf("\n");
            col = 0;
        }
        if (!col)
            col = printf("%*s%s", indent, "", words[i]);
        else
            col += printf(" %s", words[i]);
    }
    printf("\n");
}

/* Print "fleece help COMMAND"; false when there is no such command. */
bool
fleeceCmdHelp(const char *name)
{
    const fleeceCmdDef *def = fleeceCmdLookup(name);
    g_autoptr(GString) syn = NULL;
    size_t i;

    if (!def) {
        fleeceError(_("command or command group '%s' doesn't exist"), name);
        return false;
    }
    syn = g_string_new(def->name);
    for (i = 0; def->opts[i].name; i++) {
        const fleeceOptDef *o = &def->opts[i];
        bool req = o->flags & FLEECE_OFLAG_REQ;
        bool pos = o->flags & FLEECE_OFLAG_POSITIONAL;

        if (o->type == FLEECE_OT_BOOL)
            g_string_append_printf(syn, " [--%s]", o->name);
        else if (o->type == FLEECE_OT_ARGV)
            g_string_append_printf(syn, " [--%s <string>]...", o->name);
        else if (req && pos)
            g_string_append_printf(syn, " <%s>", o->name);
        else if (pos)
            g_string_append_printf(syn, " [<%s>]", o->name);
        else if (req)
            g_string_append_printf(syn, " --%s %s", o->name, fleeceOptTypeHint(o));
        else
            g_string_append_printf(syn, " [--%s %s]", o->name, fleeceOptTypeHint(o));
    }

    printf("  NAME\n    %s - %s\n\n", def->name, _(def->help));
    printf("  SYNOPSIS\n    %s\n\n", syn->str);
    printf("  DESCRIPTION\n");
    fleecePrintWrapped(_(def->desc), 4, 76);
    printf("\n");
    if (def->opts[0].name) {
        printf("  OPTIONS\n");
        for (i = 0; def->opts[i].name; i++) {
            const fleeceOptDef *o = &def->opts[i];
            g_autofree char *left = NULL;

            if (o->type == FLEECE_OT_BOOL)
                left = g_strdup_printf("--%s", o->name);
            else if (o->flags & FLEECE_OFLAG_POSITIONAL)
                left = g_strdup_printf("[--%s] %s", o->name, fleeceOptTypeHint(o));
            else
                left = g_strdup_printf("--%s %s", o->name, fleeceOptTypeHint(o));
            if (strlen(left) > 16)
                printf("    %s  %s\n", left, _(o->help));
            else
                printf("    %-16s %s\n", left, _(o->help));
        }
        printf("\n");
    }
    return true;
}

/* Print the list of commands by group. */
void
fleeceHelpAll(void)
{
    size_t g, i;

    printf(_("Grouped commands:\n\n"));
    for (g = 0; g < G_N_ELEMENTS(fleeceGroups); g++) {
        printf(_(" %s (help keyword '%s'):\n"), _(fleeceGroups[g].name),
               fleeceGroups[g].keyword);
        for (i = 0; fleeceGroups[g].cmds[i].name; i++)
            printf("    %-30s %s\n", fleeceGroups[g].cmds[i].name,
                   _(fleeceGroups[g].cmds[i].help));
        printf("\n");
    }
}

/* "help KEYWORD": one group's commands; false when there is none. */
static bool
fleeceHelpGroup(const char *keyword)
{
    size_t g, i;

    for (g = 0; g < G_N_ELEMENTS(fleeceGroups); g++) {
        if (!g_str_equal(fleeceGroups[g].keyword, keyword))
            continue;
        printf(_(" %s (help keyword '%s'):\n"), _(fleeceGroups[g].name), keyword);
        for (i = 0; fleeceGroups[g].cmds[i].name; i++)
            printf("    %-30s %s\n", fleeceGroups[g].cmds[i].name,
                   _(fleeceGroups[g].cmds[i].help));
        printf("\n");
        return true;
    }
    return false;
}

/* ---- the shell's own commands -------------------------------------------- */

static const fleeceOptDef opts_help[] = {
    { "command", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("a command or a group keyword") },
    { NULL },
};

static bool
cmdHelp(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *name = fleeceOptString(cmd, "command");

    if (!name) {
        fleeceHelpAll();
        fleecePrintExtra(ctl, "\n");
        return true;
    }
    if (!fleeceCmdLookup(name) && fleeceHelpGroup(name))
        return true;
    if (!fleeceCmdHelp(name))
        return false;
    fleecePrintExtra(ctl, "\n");
    return true;
}

static const fleeceOptDef opts_none[] = {
    { NULL },
};

static bool
cmdQuit(fleeceControl *ctl, const fleeceCmd *cmd G_GNUC_UNUSED)
{
    ctl->quit = true;
    return true;
}

static bool
cmdVersion(fleeceControl *ctl G_GNUC_UNUSED, const fleeceCmd *cmd G_GNUC_UNUSED)
{
    unsigned long lib = 0;

    virGetVersion(&lib, NULL, NULL);
    printf(_("Compiled against library: fleece %s\n"), FLEECE_VERSION);
    printf(_("Using library: libfleece %lu.%lu.%lu\n"),
           lib / 1000000, (lib / 1000) % 1000, lib % 1000);
    return true;
}

static bool
cmdUri(fleeceControl *ctl, const fleeceCmd *cmd G_GNUC_UNUSED)
{
    virConnectPtr conn = fleeceConnect(ctl);
    g_autofree char *uri = NULL;

    if (!conn || !(uri = virConnectGetURI(conn))) {
        fleeceReportError();
        return false;
    }
    fleecePrint(ctl, "%s\n", uri);
    fleecePrintExtra(ctl, "\n");
    return true;
}

const fleeceCmdDef fleeceShellCmds[] = {
    { "help", cmdHelp, opts_help, N_("print help"),
      N_("Without an argument, lists the commands by group; with a command "
         "name, describes that command and its options; with a group "
         "keyword, lists that group."), FLEECE_CMD_NOCONNECT },
    { "quit", cmdQuit, opts_none, N_("leave the interactive prompt"),
      N_("Ends the interactive session."), FLEECE_CMD_NOCONNECT },
    { "exit", cmdQuit, opts_none, N_("leave the interactive prompt"),
      N_("Ends the interactive session."), FLEECE_CMD_NOCONNECT },
    { "version", cmdVersion, opts_none, N_("show the versions"),
      N_("Prints the version of the tool and of the library it uses."),
      FLEECE_CMD_NOCONNECT },
    { "uri", cmdUri, opts_none, N_("print the connection URI"),
      N_("Prints the URI of the connection in use, with the root directory "
         "of the embedded driver."), 0 },
    { NULL },
};

/* ---- running --------------------------------------------------------------- */

/* Open the connection on first use. */
virConnectPtr
fleeceConnect(fleeceControl *ctl)
{
    if (ctl->conn)
        return ctl->conn;
    if (ctl->readonly)
        ctl->conn = virConnectOpenReadOnly(ctl->uri);
    else
        ctl->conn = virConnectOpen(ctl->uri);
    return ctl->conn;
}

bool
fleeceCmdRun(fleeceControl *ctl, const fleeceCmd *cmd)
{
    bool ok;

    if (!(cmd->def->flags & FLEECE_CMD_NOCONNECT) && !fleeceConnect(ctl)) {
        fleeceReportError();
        return false;
    }
    /* a command that ran prints its own layout, ending with the empty
     * line virsh prints; one that failed gets that line here, as in
     * virsh (not after a usage error or a failed connection) */
    if (!(ok = cmd->def->handler(ctl, cmd)))
        fleecePrintExtra(ctl, "\n");
    return ok;
}

/* "COMMAND ... --help" asks for the command's help. */
static bool
fleeceWantsHelp(const char *const *words, size_t nwords)
{
    size_t i;

    if (!fleeceCmdLookup(words[0]))
        return false;
    for (i = 1; i < nwords; i++) {
        if (g_str_equal(words[i], "--"))
            return false;
        if (g_str_equal(words[i], "--help"))
            return true;
    }
    return false;
}

/* Run words (already split) that may hold several commands separated by
 * ";" words.  Like virsh, every command runs; the result is the last
 * command's: 0 on success, 1 on failure. */
int
fleeceRunWords(fleeceControl *ctl, char **words, size_t nwords)
{
    size_t start = 0, i;
    int ret = 0;

    for (i = 0; i <= nwords; i++) {
        g_autoptr(fleeceCmd) cmd = NULL;

        if (i < nwords && !g_str_equal(words[i], ";"))
            continue;
        if (i > start) {
            if ((g_str_equal(words[start], "--help") ||
                 g_str_equal(words[start], "-h")) && i - start == 1) {
                fleeceHelpAll();
                fleecePrintExtra(ctl, "\n");
                ret = 0;
            } else if (fleeceWantsHelp((const char *const *) words + start,
                                       i - start)) {
                ret = fleeceCmdHelp(words[start]) ? 0 : 1;
                if (ret == 0)
                    fleecePrintExtra(ctl, "\n");
            } else if (!(cmd = fleeceCmdParse((const char *const *) words + start,
                                              i - start))) {
                ret = 1;
            } else {
                ret = fleeceCmdRun(ctl, cmd) ? 0 : 1;
            }
            fflush(stdout);
            if (ctl->quit)
                break;
        }
        start = i + 1;
    }
    return ret;
}

/* Split a line into words: blanks separate, '...' and "..." quote,
 * backslash escapes, an unquoted ';' is a word of its own, '#' at the
 * start of a word begins a comment.  NULL with @error set on a missing
 * closing quote. */
char **
fleeceSplitLine(const char *line, char **error)
{
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) cur = NULL;
    const char *p = line;
    char quote = 0;

    for (;; p++) {
        char c = *p;

        if (quote) {
            if (!c) {
                *error = g_strdup(_("missing closing quote"));
                return NULL;
            }
            if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote == '"' && p[1]) {
                g_string_append_c(cur, *++p);
            } else {
                g_string_append_c(cur, c);
            }
            continue;
        }
        if (!c || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ';') {
            if (cur) {
                g_ptr_array_add(words, g_string_free(g_steal_pointer(&cur), FALSE));
            }
            if (c == ';')
                g_ptr_array_add(words, g_strdup(";"));
            if (!c)
                break;
            continue;
        }
        if (c == '#' && !cur)
            break;
        if (!cur)
            cur = g_string_new(NULL);
        if (c == '\'' || c == '"')
            quote = c;
        else if (c == '\\' && p[1])
            g_string_append_c(cur, *++p);
        else
            g_string_append_c(cur, c);
    }
    g_ptr_array_add(words, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&words), FALSE);
}

int
fleeceRunString(fleeceControl *ctl, const char *line)
{
    g_autofree char *error = NULL;
    g_auto(GStrv) words = fleeceSplitLine(line, &error);

    if (!words) {
        fleeceError("%s", error);
        return 1;
    }
    return fleeceRunWords(ctl, words, g_strv_length(words));
}

/* ---- helpers for commands ------------------------------------------------- */

static bool
fleeceIsNumber(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        if (!g_ascii_isdigit(*s))
            return false;
    }
    return true;
}

/* The domain named by option @optname (default "domain"): a name, a
 * UUID or the id of a running domain.  NULL with the error printed. */
virDomainPtr
fleeceCommandOptDomain(fleeceControl *ctl, const fleeceCmd *cmd, const char *optname)
{
    const char *name = fleeceOptString(cmd, optname ? optname : "domain");
    virConnectPtr conn = fleeceConnect(ctl);
    virDomainPtr dom = NULL;

    if (!conn || !name) {
        fleeceReportError();
        return NULL;
    }
    if (fleeceIsNumber(name)) {
        virDomainPtr *list = NULL;
        int n = virConnectListAllDomains(conn, &list, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        int i;
        unsigned int id = atoi(name);

        for (i = 0; i < n; i++) {
            if (!dom && virDomainGetID(list[i]) == id) {
                dom = list[i];
                continue;
            }
            virDomainFree(list[i]);
        }
        g_free(list);
        if (dom)
            return dom;
    }
    if (strlen(name) == VIR_UUID_STRING_BUFLEN - 1 &&
        (dom = virDomainLookupByUUIDString(conn, name)))
        return dom;
    if (!(dom = virDomainLookupByName(conn, name))) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
            /* virsh's own words for a domain it cannot find */
            virResetLastError();
            fleeceError(_("failed to get domain '%s'"), name);
        } else {
            fleeceReportError();
        }
    }
    return dom;
}

/* Read an XML file given on the command line; NULL with the error printed. */
char *
fleeceReadXMLFile(const char *path)
{
    g_autoptr(GError) err = NULL;
    char *content = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &content, &len, &err)) {
        fleeceError(_("cannot read file '%s': %s"), path, err->message);
        return NULL;
    }
    if (len > FLEECE_MAX_XML_FILE) {
        fleeceError(_("file '%s' is too large"), path);
        g_free(content);
        return NULL;
    }
    return content;
}

/* ---- Ctrl-C ---------------------------------------------------------------- */

static volatile sig_atomic_t fleeceSigintSeen;

static void
fleeceSigintHandler(int sig G_GNUC_UNUSED)
{
    fleeceSigintSeen = 1;
}

/* Catch SIGINT for a long wait, so that the command can ask what to do. */
void
fleeceSigintInstall(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fleeceSigintHandler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    fleeceSigintSeen = 0;
}

/* True once per Ctrl-C pressed since the last call. */
bool
fleeceSigintTake(void)
{
    if (!fleeceSigintSeen)
        return false;
    fleeceSigintSeen = 0;
    return true;
}

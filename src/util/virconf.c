/*
 * virconf.c: settings files in libvirt's "key = value" style
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "virconf.h"
#include "virerror.h"
#include "virfile.h"

#define VIR_FROM_THIS VIR_FROM_CONF

VIR_ENUM_IMPL(virConfType, VIR_CONF_TYPE_LAST,
              "string", "integer", "list");

typedef struct {
    const char *filename;
    const char *cur;
    const char *end;
    int line;
} virConfParser;

static void
virConfEntryFree(gpointer p)
{
    virConfEntry *entry = p;

    g_free(entry->key);
    g_free(entry->str);
    g_strfreev(entry->list);
    g_free(entry);
}

void
virConfFree(virConf *conf)
{
    if (!conf)
        return;
    g_free(conf->filename);
    g_ptr_array_free(conf->entries, TRUE);
    g_free(conf);
}

static virConf *
virConfNew(const char *filename)
{
    virConf *conf = g_new0(virConf, 1);

    conf->filename = g_strdup(filename);
    conf->entries = g_ptr_array_new_with_free_func(virConfEntryFree);
    return conf;
}

/* Spaces and tabs, then a comment up to (not including) the line end. */
static void
virConfSkipBlanks(virConfParser *p)
{
    while (p->cur < p->end && (*p->cur == ' ' || *p->cur == '\t' || *p->cur == '\r'))
        p->cur++;
    if (p->cur < p->end && *p->cur == '#') {
        while (p->cur < p->end && *p->cur != '\n')
            p->cur++;
    }
}

/* Blanks, comments and line ends (inside a list). */
static void
virConfSkipSpace(virConfParser *p)
{
    for (;;) {
        virConfSkipBlanks(p);
        if (p->cur < p->end && *p->cur == '\n') {
            p->cur++;
            p->line++;
            continue;
        }
        return;
    }
}

static bool
virConfAtLineEnd(const virConfParser *p)
{
    return p->cur >= p->end || *p->cur == '\n';
}

/* A quoted string at p->cur; NULL with an error if unterminated. */
static char *
virConfParseQuoted(virConfParser *p, const char *key)
{
    char quote = *p->cur;
    const char *start = ++p->cur;

    while (p->cur < p->end && *p->cur != quote && *p->cur != '\n')
        p->cur++;
    if (p->cur >= p->end || *p->cur != quote) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: unterminated string in the value of '%s'"),
                       p->filename, p->line, key);
        return NULL;
    }
    p->cur++;
    return g_strndup(start, p->cur - 1 - start);
}

static int
virConfParseInteger(virConfParser *p, const char *key, long long *num)
{
    const char *start = p->cur;
    g_autofree char *text = NULL;
    char *endp = NULL;

    if (*p->cur == '-')
        p->cur++;
    while (p->cur < p->end && g_ascii_isdigit(*p->cur))
        p->cur++;
    text = g_strndup(start, p->cur - start);
    errno = 0;
    *num = g_ascii_strtoll(text, &endp, 10);
    if (!*text || *endp || endp == text) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: value of '%s' must be a quoted string, an integer or a list"),
                       p->filename, p->line, key);
        return -1;
    }
    if (errno == ERANGE) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: integer value of '%s' is out of range"),
                       p->filename, p->line, key);
        return -1;
    }
    return 0;
}

/* [ "a", "b", ... ] possibly over several lines. */
static char **
virConfParseList(virConfParser *p, const char *key)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    int start = p->line;

    p->cur++;   /* '[' */
    for (;;) {
        virConfSkipSpace(p);
        if (p->cur >= p->end)
            goto unterminated;
        if (*p->cur == ']' && items->len == 0) {
            p->cur++;
            break;
        }
        if (*p->cur != '"' && *p->cur != '\'') {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: the list of '%s' must hold quoted strings"),
                           p->filename, p->line, key);
            return NULL;
        }
        {
            char *item = virConfParseQuoted(p, key);

            if (!item)
                return NULL;
            g_ptr_array_add(items, item);
        }
        virConfSkipSpace(p);
        if (p->cur >= p->end)
            goto unterminated;
        if (*p->cur == ',') {
            p->cur++;
            continue;
        }
        if (*p->cur == ']') {
            p->cur++;
            break;
        }
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: expected ',' or ']' in the list of '%s'"),
                       p->filename, p->line, key);
        return NULL;
    }
    g_ptr_array_add(items, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&items), FALSE);

 unterminated:
    virReportError(VIR_ERR_CONF_SYNTAX,
                   _("configuration file '%s' line %d: the list of '%s' is not closed"),
                   p->filename, start, key);
    return NULL;
}

/* One "key = value" starting at p->cur (a key character). */
static virConfEntry *
virConfParseEntry(virConfParser *p)
{
    g_autoptr(GString) key = g_string_new(NULL);
    virConfEntry *entry;

    if (!g_ascii_isalpha(*p->cur) && *p->cur != '_') {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: expected a key"),
                       p->filename, p->line);
        return NULL;
    }
    while (p->cur < p->end && (g_ascii_isalnum(*p->cur) || *p->cur == '_'))
        g_string_append_c(key, *p->cur++);

    virConfSkipBlanks(p);
    if (p->cur >= p->end || *p->cur != '=') {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: expected '=' after '%s'"),
                       p->filename, p->line, key->str);
        return NULL;
    }
    p->cur++;
    virConfSkipBlanks(p);

    entry = g_new0(virConfEntry, 1);
    entry->key = g_strdup(key->str);
    entry->line = p->line;
    if (virConfAtLineEnd(p)) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: '%s' has no value"),
                       p->filename, p->line, key->str);
        goto error;
    } else if (*p->cur == '"' || *p->cur == '\'') {
        entry->type = VIR_CONF_TYPE_STRING;
        if (!(entry->str = virConfParseQuoted(p, key->str)))
            goto error;
    } else if (*p->cur == '[') {
        entry->type = VIR_CONF_TYPE_LIST;
        if (!(entry->list = virConfParseList(p, key->str)))
            goto error;
    } else {
        entry->type = VIR_CONF_TYPE_INTEGER;
        if (virConfParseInteger(p, key->str, &entry->num) < 0)
            goto error;
    }

    virConfSkipBlanks(p);
    if (!virConfAtLineEnd(p)) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: unexpected text after the value of '%s'"),
                       p->filename, p->line, key->str);
        goto error;
    }
    return entry;

 error:
    virConfEntryFree(entry);
    return NULL;
}

static const virConfEntry *
virConfFind(const virConf *conf, const char *key)
{
    guint i;

    for (i = 0; i < conf->entries->len; i++) {
        const virConfEntry *entry = g_ptr_array_index(conf->entries, i);

        if (g_str_equal(entry->key, key))
            return entry;
    }
    return NULL;
}

virConf *
virConfParseString(const char *filename, const char *content, size_t len)
{
    g_autoptr(virConf) conf = virConfNew(filename);
    virConfParser p = { filename, content, content + len, 1 };
    const char *nul = memchr(content, '\0', len);

    if (nul) {
        int line = 1;
        const char *c;

        for (c = content; c < nul; c++)
            line += *c == '\n';
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' line %d: NUL byte"),
                       filename, line);
        return NULL;
    }
    while (p.cur < p.end) {
        virConfEntry *entry;
        const virConfEntry *first;

        virConfSkipBlanks(&p);
        if (p.cur >= p.end)
            break;
        if (*p.cur == '\n') {
            p.cur++;
            p.line++;
            continue;
        }
        if (!(entry = virConfParseEntry(&p)))
            return NULL;
        if ((first = virConfFind(conf, entry->key))) {
            virReportError(VIR_ERR_CONF_SYNTAX,
                           _("configuration file '%s' line %d: '%s' is already set on line %d"),
                           filename, entry->line, entry->key, first->line);
            virConfEntryFree(entry);
            return NULL;
        }
        g_ptr_array_add(conf->entries, entry);
    }
    return g_steal_pointer(&conf);
}

virConf *
virConfReadFile(const char *path, bool allowMissing)
{
    g_autofree char *content = NULL;
    int len;

    if (allowMissing && !g_file_test(path, G_FILE_TEST_EXISTS) &&
        !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
        return virConfNew(path);
    if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
        virReportError(VIR_ERR_CONF_SYNTAX,
                       _("configuration file '%s' is a directory"), path);
        return NULL;
    }
    if ((len = virFileReadAll(path, VIR_CONF_MAX_SIZE, &content)) < 0)
        return NULL;
    return virConfParseString(path, content, len);
}

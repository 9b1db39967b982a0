/*
 * fleece-format.c: output layouts shared by the fleece commands — tables
 * and trees laid out as virsh lays them out, job statistics, sizes — and
 * small readers for the XML documents the library returns
 *
 * These functions print nothing; they build text, so that a test can
 * compare it with the expected layout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <string.h>

#include "fleece-shell.h"

/* ---- sizes ----------------------------------------------------------------- */

/* @val bytes in the largest binary unit that keeps the number >= 1. */
double
fleecePrettyCapacity(unsigned long long val, const char **unit)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double d = val;
    size_t i = 0;

    while (d >= 1024 && i + 1 < G_N_ELEMENTS(units)) {
        d /= 1024;
        i++;
    }
    *unit = units[i];
    return d;
}

/* ---- tables ---------------------------------------------------------------- */

struct _fleeceTable {
    GPtrArray *rows;   /* of GStrv, the first is the header */
    size_t ncols;
};

static GStrv
fleeceTableRowV(const char *first, va_list ap)
{
    g_autoptr(GPtrArray) cells = g_ptr_array_new();
    const char *c;

    for (c = first; c; c = va_arg(ap, const char *))
        g_ptr_array_add(cells, g_strdup(c));
    g_ptr_array_add(cells, NULL);
    return (GStrv) g_ptr_array_free(g_steal_pointer(&cells), FALSE);
}

/* A table with the given column headers (NULL-terminated). */
fleeceTable *
fleeceTableNew(const char *first, ...)
{
    fleeceTable *table = g_new0(fleeceTable, 1);
    va_list ap;
    GStrv row;

    table->rows = g_ptr_array_new_with_free_func((GDestroyNotify) g_strfreev);
    va_start(ap, first);
    row = fleeceTableRowV(first, ap);
    va_end(ap);
    table->ncols = g_strv_length(row);
    g_ptr_array_add(table->rows, row);
    return table;
}

/* Add a row; it must have as many cells as there are columns. */
void
fleeceTableAddRow(fleeceTable *table, const char *first, ...)
{
    va_list ap;
    GStrv row;

    va_start(ap, first);
    row = fleeceTableRowV(first, ap);
    va_end(ap);
    g_assert(g_strv_length(row) == table->ncols);
    g_ptr_array_add(table->rows, row);
}

/* The text of a table: a header, a dashed rule, the rows and an empty
 * line.  Every line starts with a blank; columns are padded to their
 * widest cell and separated by three blanks; the last column is not
 * padded; the rule is as long as the padded columns plus three blanks
 * per column.  @quiet leaves out the header, the rule and the empty line
 * (and the header's widths). */
char *
fleeceTableFormat(const fleeceTable *table, bool quiet)
{
    g_autofree size_t *widths = g_new0(size_t, table->ncols);
    GString *out = g_string_new(NULL);
    size_t r, c, total = 0;
    size_t first = quiet ? 1 : 0;

    for (r = first; r < table->rows->len; r++) {
        GStrv row = g_ptr_array_index(table->rows, r);

        for (c = 0; c < table->ncols; c++) {
            size_t w = g_utf8_strlen(row[c], -1);

            if (w > widths[c])
                widths[c] = w;
        }
    }
    for (c = 0; c < table->ncols; c++)
        total += widths[c] + 3;

    for (r = first; r < table->rows->len; r++) {
        GStrv row = g_ptr_array_index(table->rows, r);

        g_string_append_c(out, ' ');
        for (c = 0; c < table->ncols; c++) {
            g_string_append(out, row[c]);
            if (c + 1 < table->ncols) {
                size_t pad = widths[c] - g_utf8_strlen(row[c], -1) + 3;

                while (pad--)
                    g_string_append_c(out, ' ');
            }
        }
        g_string_append_c(out, '\n');
        if (r == 0) {
            for (c = 0; c < total; c++)
                g_string_append_c(out, '-');
            g_string_append_c(out, '\n');
        }
    }
    if (!quiet)
        g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}

void
fleeceTableFree(fleeceTable *table)
{
    if (!table)
        return;
    g_ptr_array_free(table->rows, TRUE);
    g_free(table);
}

/* ---- trees ----------------------------------------------------------------- */

typedef struct {
    const char *const *names;
    const int *parents;
    size_t n;
    GString *out;
    GString *indent;
} fleeceTree;

/* One item and, below it, its children.  Under an item that has children
 * comes a "|" line; each child is drawn as "+- NAME"; the column of "|"
 * continues down while later siblings follow; after the last child of a
 * last child comes a line with only the indentation. */
static void
fleeceTreeItem(fleeceTree *t, size_t item, size_t last, bool root)
{
    size_t i;
    ssize_t lastChild = -1;

    g_string_append_printf(t->out, "%s%s%s\n", t->indent->str,
                           root ? "" : "+- ", t->names[item]);
    if (!root)
        g_string_append(t->indent, item == last ? "  " : "| ");

    for (i = 0; i < t->n; i++) {
        if (t->parents[i] == (int) item)
            lastChild = i;
    }
    if (lastChild >= 0)
        g_string_append_printf(t->out, "%s  |\n", t->indent->str);

    g_string_append(t->indent, "  ");
    for (i = 0; i < t->n; i++) {
        if (t->parents[i] == (int) item)
            fleeceTreeItem(t, i, lastChild, false);
    }
    g_string_truncate(t->indent, t->indent->len - 2);

    if (lastChild < 0 && item == last)
        g_string_append_printf(t->out, "%s\n", t->indent->str);
    if (!root)
        g_string_truncate(t->indent, t->indent->len - 2);
}

/* The tree of @n items, roots in index order, children in index order;
 * the last root, like a last child, is followed by an indentation line
 * when it has no children. */
char *
fleeceTreeFormat(const char *const *names, const int *parents, size_t n)
{
    fleeceTree t = { names, parents, n, g_string_new(NULL), g_string_new(NULL) };
    size_t i, lastRoot = 0;

    for (i = 0; i < n; i++) {
        if (parents[i] < 0)
            lastRoot = i;
    }
    for (i = 0; i < n; i++) {
        if (parents[i] < 0)
            fleeceTreeItem(&t, i, lastRoot, true);
    }
    g_string_free(t.indent, TRUE);
    return g_string_free(t.out, FALSE);
}

char *
fleeceTreeFormatNamed(const char *const *names, const char *const *parentNames, size_t n)
{
    g_autofree int *parents = g_new0(int, n + 1);
    size_t i, k;

    for (i = 0; i < n; i++) {
        parents[i] = -1;
        for (k = 0; parentNames[i] && k < n; k++) {
            if (g_str_equal(names[k], parentNames[i]))
                parents[i] = k;
        }
    }
    return fleeceTreeFormat(names, parents, n);
}

/* ---- job statistics ---------------------------------------------------------- */

static const char *const fleeceJobTypes[] = {
    N_("None"), N_("Bounded"), N_("Unbounded"), N_("Completed"),
    N_("Failed"), N_("Cancelled"),
};

static const char *const fleeceJobOperations[] = {
    N_("Unknown"), N_("Start"), N_("Save"), N_("Restore"),
    N_("Incoming migration"), N_("Outgoing migration"), N_("Snapshot"),
    N_("Snapshot revert"), N_("Dump"), N_("Backup"), N_("Snapshot delete"),
};

const char *
fleeceJobTypeToString(int type)
{
    if (type < 0 || type >= (int) G_N_ELEMENTS(fleeceJobTypes))
        return _("unknown");
    return _(fleeceJobTypes[type]);
}

static void
fleeceJobSize(GString *out, const char *label, virTypedParameterPtr params,
              int nparams, const char *field)
{
    unsigned long long v;
    const char *unit;
    double d;

    if (virTypedParamsGetULLong(params, nparams, field, &v) != 1)
        return;
    d = fleecePrettyCapacity(v, &unit);
    g_string_append_printf(out, "%-17s %-.3f %s\n", label, d, unit);
}

/* domjobinfo's text: the job type, then (unless the job is none, or it
 * failed and @anystats is false) operation, time and the sizes present
 * in @params, each as a label padded to 17 columns. */
char *
fleeceJobInfoFormat(int type, virTypedParameterPtr params, int nparams,
                    bool anystats)
{
    GString *out = g_string_new(NULL);
    unsigned long long ull;
    const char *str;
    int op;

    g_string_append_printf(out, "%-17s %-12s\n", _("Job type:"),
                           fleeceJobTypeToString(type));
    if (type == VIR_DOMAIN_JOB_NONE)
        return g_string_free(out, FALSE);

    if (type != VIR_DOMAIN_JOB_FAILED || anystats) {
        if (virTypedParamsGetInt(params, nparams, VIR_DOMAIN_JOB_OPERATION, &op) == 1 &&
            op >= 0 && op < (int) G_N_ELEMENTS(fleeceJobOperations))
            g_string_append_printf(out, "%-17s %-12s\n", _("Operation:"),
                                   _(fleeceJobOperations[op]));
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_ELAPSED, &ull) == 1)
            g_string_append_printf(out, "%-17s %-12llu ms\n", _("Time elapsed:"), ull);
        if (virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_TIME_REMAINING, &ull) == 1 &&
            type == VIR_DOMAIN_JOB_BOUNDED)
            g_string_append_printf(out, "%-17s %-12llu ms\n", _("Time remaining:"), ull);
        fleeceJobSize(out, _("Data processed:"), params, nparams, VIR_DOMAIN_JOB_DATA_PROCESSED);
        fleeceJobSize(out, _("Data remaining:"), params, nparams, VIR_DOMAIN_JOB_DATA_REMAINING);
        fleeceJobSize(out, _("Data total:"), params, nparams, VIR_DOMAIN_JOB_DATA_TOTAL);
        fleeceJobSize(out, _("File processed:"), params, nparams, VIR_DOMAIN_JOB_DISK_PROCESSED);
        fleeceJobSize(out, _("File remaining:"), params, nparams, VIR_DOMAIN_JOB_DISK_REMAINING);
        fleeceJobSize(out, _("File total:"), params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL);
        fleeceJobSize(out, _("Temporary disk space use:"), params, nparams,
                      VIR_DOMAIN_JOB_DISK_TEMP_USED);
        fleeceJobSize(out, _("Temporary disk space total:"), params, nparams,
                      VIR_DOMAIN_JOB_DISK_TEMP_TOTAL);
    }
    if (virTypedParamsGetString(params, nparams, VIR_DOMAIN_JOB_ERRMSG, &str) == 1)
        g_string_append_printf(out, "%-17s %s\n", _("Error message:"), str);
    return g_string_free(out, FALSE);
}

/* ---- XML readers ------------------------------------------------------------- */

typedef struct {
    GPtrArray *stack;        /* element names from the root */
    const char *want;        /* "a/b/c" for fleeceXMLText */
    GString *text;
    bool found;
    const char *rootAttr;    /* for fleeceXMLRootAttr */
    char *attrValue;
    GPtrArray *disks;        /* for fleeceXMLDisks */
    fleeceDiskInfo *disk;
} fleeceXMLState;

static char *
fleeceXMLPath(GPtrArray *stack)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < stack->len; i++) {
        if (i)
            g_string_append_c(s, '/');
        g_string_append(s, g_ptr_array_index(stack, i));
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static const char *
fleeceXMLAttr(const char **names, const char **values, const char *name)
{
    size_t i;

    for (i = 0; names[i]; i++) {
        if (g_str_equal(names[i], name))
            return values[i];
    }
    return NULL;
}

static void
fleeceDiskInfoFree(gpointer p)
{
    fleeceDiskInfo *d = p;

    g_free(d->type);
    g_free(d->device);
    g_free(d->target);
    g_free(d->source);
    g_free(d);
}

static void
fleeceXMLStart(GMarkupParseContext *ctx G_GNUC_UNUSED, const char *name,
               const char **anames, const char **avalues, gpointer data,
               GError **err G_GNUC_UNUSED)
{
    fleeceXMLState *st = data;
    g_autofree char *path = NULL;

    if (st->stack->len == 0 && st->rootAttr)
        st->attrValue = g_strdup(fleeceXMLAttr(anames, avalues, st->rootAttr));
    g_ptr_array_add(st->stack, g_strdup(name));
    path = fleeceXMLPath(st->stack);

    if (st->disks) {
        if (g_str_equal(path, "domain/devices/disk")) {
            st->disk = g_new0(fleeceDiskInfo, 1);
            st->disk->type = g_strdup(fleeceXMLAttr(anames, avalues, "type"));
            st->disk->device = g_strdup(fleeceXMLAttr(anames, avalues, "device"));
        } else if (st->disk && g_str_equal(path, "domain/devices/disk/target")) {
            st->disk->target = g_strdup(fleeceXMLAttr(anames, avalues, "dev"));
        } else if (st->disk && g_str_equal(path, "domain/devices/disk/source")) {
            static const char *const srcAttrs[] = { "file", "dev", "dir", "name", "volume" };
            size_t i;

            for (i = 0; i < G_N_ELEMENTS(srcAttrs) && !st->disk->source; i++)
                st->disk->source = g_strdup(fleeceXMLAttr(anames, avalues, srcAttrs[i]));
        }
    }
    if (st->want && !st->found && g_str_equal(path, st->want)) {
        st->found = true;
        st->text = g_string_new(NULL);
    }
}

static void
fleeceXMLEnd(GMarkupParseContext *ctx G_GNUC_UNUSED, const char *name G_GNUC_UNUSED,
             gpointer data, GError **err G_GNUC_UNUSED)
{
    fleeceXMLState *st = data;
    g_autofree char *path = fleeceXMLPath(st->stack);

    if (st->disk && g_str_equal(path, "domain/devices/disk"))
        g_ptr_array_add(st->disks, g_steal_pointer(&st->disk));
    if (st->want && st->text && g_str_equal(path, st->want))
        st->want = NULL;   /* the first match only */
    g_ptr_array_remove_index(st->stack, st->stack->len - 1);
}

static void
fleeceXMLTextCb(GMarkupParseContext *ctx G_GNUC_UNUSED, const char *text, gsize len,
                gpointer data, GError **err G_GNUC_UNUSED)
{
    fleeceXMLState *st = data;
    g_autofree char *path = fleeceXMLPath(st->stack);

    if (st->want && st->text && g_str_equal(path, st->want))
        g_string_append_len(st->text, text, len);
}

static bool
fleeceXMLParse(const char *xml, fleeceXMLState *st)
{
    static const GMarkupParser parser = {
        fleeceXMLStart, fleeceXMLEnd, fleeceXMLTextCb, NULL, NULL,
    };
    g_autoptr(GMarkupParseContext) ctx = NULL;
    bool ok;

    st->stack = g_ptr_array_new_with_free_func(g_free);
    ctx = g_markup_parse_context_new(&parser, 0, st, NULL);
    ok = g_markup_parse_context_parse(ctx, xml, -1, NULL) &&
         g_markup_parse_context_end_parse(ctx, NULL);
    g_ptr_array_free(st->stack, TRUE);
    if (st->disk)
        fleeceDiskInfoFree(g_steal_pointer(&st->disk));
    return ok;
}

/* The text of the first element at @path ("domain/os/type"), or NULL. */
char *
fleeceXMLText(const char *xml, const char *path)
{
    fleeceXMLState st = { .want = path };

    if (!fleeceXMLParse(xml, &st) || !st.text) {
        if (st.text)
            g_string_free(st.text, TRUE);
        return NULL;
    }
    return g_strstrip(g_string_free(st.text, FALSE));
}

/* The value of attribute @attr of the root element, or NULL. */
char *
fleeceXMLRootAttr(const char *xml, const char *attr)
{
    fleeceXMLState st = { .rootAttr = attr };

    if (!fleeceXMLParse(xml, &st)) {
        g_free(st.attrValue);
        return NULL;
    }
    return st.attrValue;
}

/* The disks of a domain XML document (fleeceDiskInfo), or NULL. */
GPtrArray *
fleeceXMLDisks(const char *xml)
{
    fleeceXMLState st = { 0 };

    st.disks = g_ptr_array_new_with_free_func(fleeceDiskInfoFree);
    if (!fleeceXMLParse(xml, &st)) {
        g_ptr_array_free(st.disks, TRUE);
        return NULL;
    }
    return st.disks;
}

/* ---- progress ---------------------------------------------------------------- */

/* One progress report of a copy: with @bar "[####....]  45%  12.0 MiB/s
 * ETA 0:03", else "progress: 45% (28.8 MiB of 64.0 MiB), 12.0 MiB/s, ETA
 * 0:03".  The rate and ETA are left out while @rate is unknown (0). */
char *
fleeceProgressFormat(unsigned long long done, unsigned long long total,
                     double rate, bool bar)
{
    GString *out = g_string_new(NULL);
    unsigned int pct = total ? (unsigned int) (done * 100 / total) : 0;
    g_autofree char *eta = NULL;
    g_autofree char *speed = NULL;
    const char *unit;
    double d;

    if (rate > 0) {
        unsigned long long secs = total > done ? (total - done) / rate : 0;

        d = fleecePrettyCapacity(rate, &unit);
        speed = g_strdup_printf("%.1f %s/s", d, unit);
        eta = g_strdup_printf("%llu:%02llu", secs / 60, secs % 60);
    }
    if (bar) {
        const unsigned int width = 30;
        unsigned int fill = pct * width / 100, i;

        g_string_append_c(out, '[');
        for (i = 0; i < width; i++)
            g_string_append_c(out, i < fill ? '#' : '.');
        g_string_append_printf(out, "] %3u%%", pct);
        if (speed)
            g_string_append_printf(out, "  %s  %s %s", speed, _("ETA"), eta);
    } else {
        const char *u1, *u2;
        double d1 = fleecePrettyCapacity(done, &u1);
        double d2 = fleecePrettyCapacity(total, &u2);

        g_string_append_printf(out, _("progress: %u%% (%.1f %s of %.1f %s)"),
                               pct, d1, u1, d2, u2);
        if (speed)
            g_string_append_printf(out, ", %s, %s %s", speed, _("ETA"), eta);
    }
    return g_string_free(out, FALSE);
}

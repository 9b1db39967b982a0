/*
 * fbk-main.c: fleece-backup — command line, output and progress
 *
 *   fleece-backup [-c URI] [--json] [-q] [--progress MODE] COMMAND ARGS
 *
 * Commands: run, list, verify, restore, prune (see fleece-backup(1)).
 * Results go to stdout (text, or one JSON object with --json); errors
 * are one 'error: MESSAGE' line on stderr and exit status 1 (2 for a
 * usage error); progress is a bar on a terminal (stderr) and one line
 * per disk otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbk.h"

fbkOptions fbkOpts;

void
fbkInfo(const char *fmt, ...)
{
    va_list ap;

    if (fbkOpts.json || fbkOpts.quiet)
        return;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fflush(stdout);
}

void
fbkWarn(const char *fmt, ...)
{
    g_autofree char *msg = NULL;
    va_list ap;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
    fprintf(stderr, _("warning: %s\n"), msg);
}

virConnectPtr
fbkConnect(GError **error)
{
    virConnectPtr conn = virConnectOpen(fbkOpts.uri);

    if (!conn)
        fbkErrorLibvirt(error, _("cannot connect to '%s'"), fbkOpts.uri);
    return conn;
}

/* ---- progress ----------------------------------------------------------------- */

struct _fbkProgress {
    char *label;
    fbkProgressCounter *counter;
    bool bar;
    gint64 start;
    GThread *thread;
    GMutex lock;
    GCond cond;
    bool stop;
    guint64 lastDone;
    gint64 lastTime;
    double rate;
};

static void
fbkProgressDraw(fbkProgress *p)
{
    guint64 done = __atomic_load_n(&p->counter->done, __ATOMIC_RELAXED);
    guint64 total = p->counter->total;
    gint64 now = g_get_monotonic_time();
    double frac = total ? MIN(1.0, (double) done / total) : 0;
    g_autofree char *rate = NULL;
    char bar[31];
    int fill = frac * 30, i;
    char eta[32] = "--:--";

    if (now - p->lastTime >= G_USEC_PER_SEC / 2) {
        double r = (double) (done - MIN(done, p->lastDone)) * G_USEC_PER_SEC /
                   (now - p->lastTime);

        p->rate = p->rate > 0 ? 0.5 * p->rate + 0.5 * r : r;
        p->lastDone = done;
        p->lastTime = now;
    }
    for (i = 0; i < 30; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[30] = '\0';
    rate = fbkFormatSize((guint64) p->rate);
    if (p->rate > 0 && total > done) {
        guint64 s = (total - done) / p->rate;

        g_snprintf(eta, sizeof(eta), "%" G_GUINT64_FORMAT ":%02" G_GUINT64_FORMAT, s / 60, s % 60);
    }
    fprintf(stderr, "\r%-16s [%s] %3d%%  %10s/s  ETA %s  ", p->label, bar,
            (int) (frac * 100), rate, eta);
    fflush(stderr);
}

static gpointer
fbkProgressThread(gpointer opaque)
{
    fbkProgress *p = opaque;

    g_mutex_lock(&p->lock);
    while (!p->stop) {
        gint64 until = g_get_monotonic_time() + G_USEC_PER_SEC / 5;

        g_cond_wait_until(&p->cond, &p->lock, until);
        if (!p->stop)
            fbkProgressDraw(p);
    }
    g_mutex_unlock(&p->lock);
    return NULL;
}

fbkProgress *
fbkProgressStart(const char *label, fbkProgressCounter *counter)
{
    fbkProgress *p = g_new0(fbkProgress, 1);
    int mode = fbkOpts.progress;

    if (mode == FBK_PROGRESS_AUTO)
        mode = isatty(STDERR_FILENO) && !fbkOpts.quiet ? FBK_PROGRESS_BAR : FBK_PROGRESS_LINES;
    p->label = g_strdup(label);
    p->counter = counter;
    p->start = p->lastTime = g_get_monotonic_time();
    p->bar = mode == FBK_PROGRESS_BAR;
    if (mode == FBK_PROGRESS_NONE)
        p->label[0] = '\0';
    g_mutex_init(&p->lock);
    g_cond_init(&p->cond);
    if (p->bar)
        p->thread = g_thread_new("fbk-progress", fbkProgressThread, p);
    return p;
}

void
fbkProgressUpdate(fbkProgress *p)
{
    if (p && p->bar) {
        g_mutex_lock(&p->lock);
        fbkProgressDraw(p);
        g_mutex_unlock(&p->lock);
    }
}

/* Stop the bar and print the disk's one line (summary: NULL after a
 * failure). */
void
fbkProgressEnd(fbkProgress *p, const char *summary)
{
    if (!p)
        return;
    if (p->thread) {
        g_mutex_lock(&p->lock);
        p->stop = true;
        g_cond_signal(&p->cond);
        g_mutex_unlock(&p->lock);
        g_thread_join(p->thread);
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
    }
    if (summary && p->label[0]) {
        double secs = (g_get_monotonic_time() - p->start) / 1e6;
        g_autofree char *rate = fbkFormatSize(secs > 0 ? p->counter->done / secs : 0);

        fbkInfo("%s, %s/s\n", summary, rate);
    }
    g_mutex_clear(&p->lock);
    g_cond_clear(&p->cond);
    g_free(p->label);
    g_free(p);
}

/* ---- the command line ------------------------------------------------------------ */

static void
fbkUsage(FILE *out)
{
    fprintf(out, "%s",
            _("Usage: fleece-backup [OPTIONS] COMMAND ARGS...\n"
              "\n"
              "  run DOMAIN REPO [--level full|inc|diff|auto] [--disk DISK]...\n"
              "      [--quiesce] [--scratch-dir DIR] [--connections N]\n"
              "      [--request-size BYTES] [--requests N] [--rate-limit BYTES_PER_SECOND]\n"
              "                         pull backup of a running domain into REPO\n"
              "  list REPO [DOMAIN]     the points in REPO\n"
              "  verify REPO [DOMAIN] [--deep]\n"
              "                         check every stored block (--deep: rebuild\n"
              "                         every point and check its disk digest)\n"
              "  restore REPO DOMAIN [--point N|latest] [--disk DISK]\n"
              "      (--to FILE [--format qcow2|raw] [--force] | --to-disk DISK)\n"
              "                         rebuild a disk as it was at a point\n"
              "  prune REPO [DOMAIN] --keep N [--dry-run]\n"
              "                         keep the newest N points, merging what\n"
              "                         they need of the others\n"
              "\n"
              "Options:\n"
              "  -c, --connect URI      connection URI (default: qemu:///embed, whose\n"
              "                         root is $FLEECE_ROOT, like the fleece tool)\n"
              "  --json                 print one JSON object with the result\n"
              "  -q, --quiet            no informational output\n"
              "  --progress MODE        auto, bar, lines or none\n"
              "  -v, --version          print the version\n"
              "  -h, --help             this help\n"));
}

typedef struct {
    const char *name;
    bool arg;
} fbkOptDef;

typedef struct {
    GPtrArray *words;           /* positional */
    GHashTable *values;         /* option -> last value ("" for flags) */
    GPtrArray *disks;           /* every --disk */
} fbkCmdLine;

static const fbkOptDef fbkCmdOpts[] = {
    { "level", true }, { "disk", true }, { "quiesce", false }, { "scratch-dir", true },
    { "connections", true }, { "request-size", true }, { "requests", true },
    { "rate-limit", true },
    { "deep", false }, { "point", true }, { "to", true }, { "to-disk", true },
    { "format", true }, { "force", false }, { "keep", true }, { "dry-run", false },
};

/* Which options each command takes. */
static const char *const fbkCmdAllowed[][10] = {
    { "run", "level", "disk", "quiesce", "scratch-dir", "connections", "request-size",
      "requests", "rate-limit", NULL },
    { "list", NULL },
    { "verify", "deep", NULL },
    { "restore", "point", "disk", "to", "to-disk", "format", "force", NULL },
    { "prune", "keep", "dry-run", NULL },
};

static bool
fbkOptAllowed(const char *cmd, const char *opt)
{
    size_t i, j;

    for (i = 0; i < G_N_ELEMENTS(fbkCmdAllowed); i++) {
        if (!g_str_equal(fbkCmdAllowed[i][0], cmd))
            continue;
        for (j = 1; fbkCmdAllowed[i][j]; j++) {
            if (g_str_equal(fbkCmdAllowed[i][j], opt))
                return true;
        }
    }
    return false;
}

/* Global and command options anywhere; the rest are positional words. */
static int
fbkParse(int argc, char **argv, const char **cmd, fbkCmdLine *cl, GError **error)
{
    int i;
    bool dashdash = false;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        g_autofree char *name = NULL;
        const char *value = NULL;
        const fbkOptDef *def = NULL;
        size_t k;

        if (dashdash || a[0] != '-' || !a[1]) {
            if (!*cmd)
                *cmd = a;
            else
                g_ptr_array_add(cl->words, (char *) a);
            continue;
        }
        if (g_str_equal(a, "--")) {
            dashdash = true;
            continue;
        }
        if (g_str_equal(a, "-c") || g_str_equal(a, "--connect") ||
            g_str_has_prefix(a, "--connect=")) {
            g_free(fbkOpts.uri);
            if (a[1] != '-' || !strchr(a, '=')) {
                if (++i >= argc)
                    goto needarg;
                fbkOpts.uri = g_strdup(argv[i]);
            } else {
                fbkOpts.uri = g_strdup(strchr(a, '=') + 1);
            }
            continue;
        }
        if (g_str_equal(a, "--json")) {
            fbkOpts.json = true;
            continue;
        }
        if (g_str_equal(a, "-q") || g_str_equal(a, "--quiet")) {
            fbkOpts.quiet = true;
            continue;
        }
        if (g_str_equal(a, "--progress") || g_str_has_prefix(a, "--progress=")) {
            const char *m = strchr(a, '=') ? strchr(a, '=') + 1 : (++i < argc ? argv[i] : NULL);
            const char *modes[] = { "auto", "bar", "lines", "none" };

            if (!m)
                goto needarg;
            for (k = 0; k < G_N_ELEMENTS(modes); k++) {
                if (g_str_equal(m, modes[k]))
                    break;
            }
            if (k == G_N_ELEMENTS(modes)) {
                g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                            _("--progress takes auto, bar, lines or none, not '%s'"), m);
                return -1;
            }
            fbkOpts.progress = k;
            continue;
        }
        if (!g_str_has_prefix(a, "--"))
            goto unknown;
        name = g_strdup(a + 2);
        if (strchr(name, '=')) {
            value = strchr(a, '=') + 1;
            *strchr(name, '=') = '\0';
        }
        for (k = 0; k < G_N_ELEMENTS(fbkCmdOpts); k++) {
            if (g_str_equal(fbkCmdOpts[k].name, name))
                def = &fbkCmdOpts[k];
        }
        if (!def)
            goto unknown;
        if (!*cmd || !fbkOptAllowed(*cmd, name)) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                        _("option '--%s' does not apply to %s%s%s"), name,
                        *cmd ? _("command '") : _("no command"), *cmd ? *cmd : "",
                        *cmd ? "'" : "");
            return -1;
        }
        if (def->arg && !value) {
            if (++i >= argc)
                goto needarg;
            value = argv[i];
        } else if (!def->arg && value) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                        _("option '--%s' takes no value"), name);
            return -1;
        }
        if (g_str_equal(name, "disk"))
            g_ptr_array_add(cl->disks, g_strdup(value));
        g_hash_table_insert(cl->values, g_strdup(name), g_strdup(value ? value : ""));
        continue;

     needarg:
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("option '%s' needs a value"), a);
        return -1;
     unknown:
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                    _("unknown option '%s'; see 'fleece-backup --help'"), a);
        return -1;
    }
    return 0;
}

static bool
fbkWords(fbkCmdLine *cl, const char *cmd, guint min, guint max, const char *usage,
         GError **error)
{
    if (cl->words->len >= min && cl->words->len <= max)
        return true;
    g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("usage: fleece-backup %s %s"), cmd, usage);
    return false;
}

static bool
fbkNumberOpt(fbkCmdLine *cl, const char *name, guint64 min, guint64 max, guint64 *out,
             GError **error)
{
    const char *v = g_hash_table_lookup(cl->values, name);
    g_autofree char *copy = NULL;
    guint64 mult = 1;
    size_t len;

    if (!v)
        return true;
    copy = g_strdup(v);
    len = strlen(copy);
    if (len > 1 && strchr("kKmMgG", copy[len - 1])) {
        mult = g_ascii_tolower(copy[len - 1]) == 'k' ? 1024 :
               g_ascii_tolower(copy[len - 1]) == 'm' ? 1024 * 1024 : 1024 * 1024 * 1024;
        copy[len - 1] = '\0';
    }
    if (!g_ascii_string_to_unsigned(copy, 10, 0, G_MAXUINT64 / mult, out, NULL) ||
        *out * mult < min || *out * mult > max) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                    _("invalid value '%s' for --%s (%" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT ")"),
                    v, name, min, max);
        return false;
    }
    *out *= mult;
    return true;
}

static int
fbkDispatch(const char *cmd, fbkCmdLine *cl, json_object **result, GError **error)
{
    GHashTable *v = cl->values;

    if (g_str_equal(cmd, "run")) {
        fbkRunArgs args = { 0 };
        const char *level = g_hash_table_lookup(v, "level");
        g_autofree char **disks = NULL;
        guint64 n = FBK_NBD_CONNECTIONS, req = FBK_NBD_REQUEST, depth = FBK_NBD_DEPTH, rate = 0;
        int l = level ? fbkLevelFromString(level) : FBK_LEVEL_AUTO;

        if (!fbkWords(cl, cmd, 2, 2, "DOMAIN REPO [OPTIONS]", error))
            return -1;
        if (l < 0) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                        _("--level takes full, inc, diff or auto, not '%s'"), level);
            return -1;
        }
        if (!fbkNumberOpt(cl, "connections", 1, 16, &n, error) ||
            !fbkNumberOpt(cl, "request-size", FBK_BLOCK_SIZE, 32 << 20, &req, error) ||
            !fbkNumberOpt(cl, "requests", 1, 256, &depth, error) ||
            !fbkNumberOpt(cl, "rate-limit", 1 << 20, G_MAXUINT64, &rate, error))
            return -1;
        if (cl->disks->len) {
            disks = g_new0(char *, cl->disks->len + 1);
            memcpy(disks, cl->disks->pdata, sizeof(char *) * cl->disks->len);
        }
        args.domain = g_ptr_array_index(cl->words, 0);
        args.repo = g_ptr_array_index(cl->words, 1);
        args.level = l;
        args.disks = disks;
        args.quiesce = g_hash_table_contains(v, "quiesce");
        args.scratchDir = g_hash_table_lookup(v, "scratch-dir");
        args.connections = n;
        args.requestSize = req;
        args.depth = depth;
        args.rateLimit = rate;
        return fbkCmdRun(&args, result, error);
    }
    if (g_str_equal(cmd, "list")) {
        if (!fbkWords(cl, cmd, 1, 2, "REPO [DOMAIN]", error))
            return -1;
        return fbkCmdList(g_ptr_array_index(cl->words, 0),
                          cl->words->len > 1 ? g_ptr_array_index(cl->words, 1) : NULL,
                          result, error);
    }
    if (g_str_equal(cmd, "verify")) {
        if (!fbkWords(cl, cmd, 1, 2, "REPO [DOMAIN] [--deep]", error))
            return -1;
        return fbkCmdVerify(g_ptr_array_index(cl->words, 0),
                            cl->words->len > 1 ? g_ptr_array_index(cl->words, 1) : NULL,
                            g_hash_table_contains(v, "deep"), result, error);
    }
    if (g_str_equal(cmd, "restore")) {
        fbkRestoreArgs args = { 0 };

        if (!fbkWords(cl, cmd, 2, 2,
                      "REPO DOMAIN [--point N|latest] (--to FILE | --to-disk DISK)", error))
            return -1;
        if (cl->disks->len > 1) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("restore takes one --disk"));
            return -1;
        }
        args.repo = g_ptr_array_index(cl->words, 0);
        args.domain = g_ptr_array_index(cl->words, 1);
        args.point = g_hash_table_lookup(v, "point");
        args.disk = g_hash_table_lookup(v, "disk");
        args.to = g_hash_table_lookup(v, "to");
        args.toDisk = g_hash_table_lookup(v, "to-disk");
        args.format = g_hash_table_lookup(v, "format");
        args.force = g_hash_table_contains(v, "force");
        return fbkCmdRestore(&args, result, error);
    }
    if (g_str_equal(cmd, "prune")) {
        guint64 keep = 0;

        if (!fbkWords(cl, cmd, 1, 2, "REPO [DOMAIN] --keep N [--dry-run]", error))
            return -1;
        if (!g_hash_table_contains(v, "keep")) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("prune needs --keep N"));
            return -1;
        }
        if (!fbkNumberOpt(cl, "keep", 1, G_MAXUINT32, &keep, error))
            return -1;
        return fbkCmdPrune(g_ptr_array_index(cl->words, 0),
                           cl->words->len > 1 ? g_ptr_array_index(cl->words, 1) : NULL,
                           keep, g_hash_table_contains(v, "dry-run"), result, error);
    }
    g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                _("unknown command '%s'; see 'fleece-backup --help'"), cmd);
    return -1;
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    fbkCmdLine cl = { 0 };
    const char *cmd = NULL;
    json_object *result = NULL;
    int i, rc = 0;

    setlocale(LC_ALL, "");
    for (i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "-h") || g_str_equal(argv[i], "--help") ||
            g_str_equal(argv[i], "help")) {
            fbkUsage(stdout);
            return 0;
        }
        if (g_str_equal(argv[i], "-v") || g_str_equal(argv[i], "--version")) {
            printf("fleece-backup %s\n", FBK_VERSION);
            return 0;
        }
    }
    fbkOpts.uri = g_strdup(g_getenv("FLEECE_DEFAULT_URI"));
    if (!fbkOpts.uri || !*fbkOpts.uri) {
        g_free(fbkOpts.uri);
        fbkOpts.uri = g_strdup(FBK_DEFAULT_URI);
    }
    cl.words = g_ptr_array_new();
    cl.values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    cl.disks = g_ptr_array_new_with_free_func(g_free);

    if (fbkParse(argc, argv, &cmd, &cl, &err) < 0) {
        rc = 2;
    } else if (!cmd) {
        fbkUsage(stderr);
        rc = 2;
    } else if (virInitialize() < 0) {
        fbkErrorLibvirt(&err, _("cannot initialize the library"));
        rc = 1;
    } else {
        fbkSignalsInstall();
        if (fbkDispatch(cmd, &cl, &result, &err) < 0)
            rc = err && err->code == FBK_ERROR_USAGE ? 2 : 1;
    }

    if (fbkOpts.json) {
        if (!result)
            result = json_object_new_object();
        json_object_object_add(result, "status", json_object_new_string(rc ? "error" : "ok"));
        if (rc && err)
            json_object_object_add(result, "error", json_object_new_string(err->message));
        {
            g_autofree char *text = fbkJSONFormat(result);

            fputs(text, stdout);
        }
    }
    json_object_put(result);
    if (rc) {
        fflush(stdout);
        fprintf(stderr, "error: %s\n", err ? err->message : _("unknown error"));
    }
    g_ptr_array_unref(cl.words);
    g_hash_table_unref(cl.values);
    g_ptr_array_unref(cl.disks);
    g_free(fbkOpts.uri);
    return rc;
}

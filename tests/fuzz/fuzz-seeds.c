/*
 * fuzz-seeds.c: the seed corpus of the fuzz targets, made from the
 * tests' data at run time (nothing is kept in git twice)
 *
 *   fuzz-seeds SRCDIR OUTDIR
 *
 * writes OUTDIR/TARGET/NAME for each target:
 *   fuzz-checkpoint-xml  tests/checkpointxml2xml{in,out}/
 *   fuzz-backup-xml      tests/domainbackupxml2xml{in,out}/
 *   fuzz-domain-xml      tests/domainxml2xml{in,out}/, tests/qemuxml2argvdata/,
 *                        tests/data/
 *   fuzz-qmp             what QEMU sends in the QMP transcripts
 *                        (tests/qemu...data/ transcripts): each whole session after
 *                        a greeting, and each query reply placed where the
 *                        target sends that query
 *   fuzz-status          status files written by the driver's own
 *                        formatter: each runnable test domain, running and
 *                        shut off, with jobs, and with the recorded backups
 *                        of tests/domainbackupxml2xmlin/status-*.xml
 *   fuzz-conf            settings files with every key of the table
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "backup_conf.h"
#include "domain_conf.h"
#include "qemu_backup.h"
#include "qemu_command.h"
#include "qemu_conf.h"
#include "qemu_domain.h"
#include "qemu_domainjob.h"

/* The queries of fuzz-qmp, in the order it sends them. */
static const char *const fuzzQMPOrder[] = {
    "query-version", "query-status", "query-commands", "query-named-block-nodes",
    "query-block", "query-jobs", "query-block-exports", "human-monitor-command",
};

#define FUZZ_GREETING \
    "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}, " \
    "\"package\": \"Debian 1:7.2+dfsg-7+deb12u18+b3\"}, \"capabilities\": [\"oob\"]}}\n" \
    "{\"return\": {}}\n"
#define FUZZ_REFUSED \
    "{\"error\": {\"class\": \"GenericError\", \"desc\": \"not now\"}}\n"

static unsigned int nseeds;

static void
writeSeed(const char *outdir, const char *target, const char *name,
          const char *content, gssize len)
{
    g_autofree char *dir = g_build_filename(outdir, target, NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);

    g_mkdir_with_parents(dir, 0700);
    if (!g_file_set_contents(path, content, len, NULL)) {
        fprintf(stderr, "fuzz-seeds: cannot write '%s'\n", path);
        exit(1);
    }
    nseeds++;
}

/* Call fn on every file of srcdir/sub ending in suffix. */
static void
forEachFile(const char *srcdir, const char *sub, const char *suffix,
            void (*fn)(const char *path, const char *base, void *opaque),
            void *opaque)
{
    g_autofree char *dir = g_build_filename(srcdir, sub, NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *ent;

    while (d && (ent = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, ent, NULL);

        if (g_str_has_suffix(ent, suffix))
            fn(path, ent, opaque);
    }
}

typedef struct {
    const char *outdir;
    const char *target;
    const char *prefix;
} copyCtx;

static void
copyOne(const char *path, const char *base, void *opaque)
{
    copyCtx *ctx = opaque;
    g_autofree char *content = NULL;
    g_autofree char *name = g_strdup_printf("%s-%s", ctx->prefix, base);
    gsize len = 0;

    if (g_file_get_contents(path, &content, &len, NULL))
        writeSeed(ctx->outdir, ctx->target, name, content, len);
}

static void
copyDir(const char *srcdir, const char *outdir, const char *target,
        const char *sub, const char *prefix)
{
    copyCtx ctx = { outdir, target, prefix };

    forEachFile(srcdir, sub, ".xml", copyOne, &ctx);
}

/* ---- QMP ---------------------------------------------------------------- */

static void
qmpOne(const char *path, const char *base, void *opaque)
{
    const char *outdir = opaque;
    g_autofree char *content = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) session = g_string_new(FUZZ_GREETING);
    const char *pending = NULL;   /* the query whose reply comes next */
    size_t i, n = 0;

    if (!g_file_get_contents(path, &content, NULL, NULL))
        return;
    lines = g_strsplit(content, "\n", -1);
    for (i = 0; lines[i]; i++) {
        const char *line = lines[i];

        if (g_str_has_prefix(line, "-> ")) {
            size_t q;

            pending = NULL;
            for (q = 0; q < G_N_ELEMENTS(fuzzQMPOrder); q++) {
                g_autofree char *needle = g_strdup_printf("\"execute\": \"%s\"",
                                                          fuzzQMPOrder[q]);

                if (strstr(line, needle))
                    pending = fuzzQMPOrder[q];
            }
        } else if (g_str_has_prefix(line, "<- ") || g_str_has_prefix(line, "<~ ")) {
            g_string_append_printf(session, "%s\n", line + 3);
            if (pending && strstr(line, "\"return\"")) {
                /* refuse the queries before this one, answer it */
                g_autoptr(GString) seed = g_string_new(FUZZ_GREETING);
                g_autofree char *name = NULL;
                size_t q;

                for (q = 0; q < G_N_ELEMENTS(fuzzQMPOrder) &&
                            !g_str_equal(fuzzQMPOrder[q], pending); q++)
                    g_string_append(seed, FUZZ_REFUSED);
                g_string_append_printf(seed, "%s\n", line + 3);
                name = g_strdup_printf("%s-%s-%zu", base, pending, n++);
                writeSeed(outdir, "fuzz-qmp", name, seed->str, seed->len);
                pending = NULL;
            }
        }
    }
    {
        g_autofree char *name = g_strdup_printf("%s-session", base);

        writeSeed(outdir, "fuzz-qmp", name, session->str, session->len);
    }
}

/* ---- status files ------------------------------------------------------- */

typedef struct {
    const char *outdir;
    GPtrArray *backups;     /* internal backup definitions (text) */
} statusCtx;

/* A backup state for def: one disk record per disk it backs up. */
static qemuBackupState *
statusBackup(const char *xml)
{
    g_autoptr(qemuBackupState) state = g_new0(qemuBackupState, 1);
    size_t i;

    if (!(state->def = virDomainBackupDefParseString(xml, VIR_DOMAIN_BACKUP_PARSE_INTERNAL)))
        return NULL;
    state->apiFlags = 0x1;
    state->serverStarted = state->def->type == VIR_DOMAIN_BACKUP_TYPE_PULL;
    state->disks = g_new0(qemuBackupDisk, state->def->ndisks);
    for (i = 0; i < state->def->ndisks; i++) {
        const virDomainBackupDiskDef *dd = &state->def->disks[i];
        qemuBackupDisk *d;

        if (!dd->backup)
            continue;
        d = &state->disks[state->ndisks++];
        d->name = g_strdup(dd->name);
        d->topnode = g_strdup_printf("libvirt-%zu-format", i + 1);
        d->jobid = g_strdup_printf("backup-%s-%s", d->name, d->topnode);
        d->tmpbitmap = dd->incremental ? g_strdup_printf("backup-%s", d->name) : NULL;
        if (state->serverStarted) {
            d->cbwnode = g_strdup_printf("fleece-cbw-%s", d->name);
            d->snapnode = g_strdup_printf("fleece-snap-%s", d->name);
            d->exportid = g_strdup_printf("libvirt-nbd-%s", d->topnode);
        }
        d->created = i % 2 == 0;
        d->current = 65536 * i;
        d->total = 1048576;
    }
    return g_steal_pointer(&state);
}

static void
statusWrite(const char *outdir, const char *base, const char *variant,
            qemuDomainObj *obj)
{
    g_autofree char *text = qemuDomainObjFormatStatus(obj);
    g_autofree char *name = g_strdup_printf("%s-%s", base, variant);

    if (text)
        writeSeed(outdir, "fuzz-status", name, text, -1);
}

static void
statusOne(const char *path, const char *base, void *opaque)
{
    static qemuDriver driver = { .root = (char *) "/var/lib/fleece" };
    statusCtx *ctx = opaque;
    g_autofree char *xml = NULL;
    g_autoptr(qemuDomainObj) obj = NULL;
    unsigned int nextIndex = 1;
    guint i;

    if (!g_file_get_contents(path, &xml, NULL, NULL))
        return;
    obj = qemuDomainObjNew(&driver, "seed");
    if (!(obj->def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        qemuAssignDeviceAliases(obj->def) < 0)
        return;
    qemuAssignNodeNames(obj->def, &nextIndex);

    /* shut off, with the last job's statistics */
    obj->persistent = true;
    if (qemuDomainAsyncJobBegin(&obj->job, QEMU_ASYNC_JOB_BACKUP, 0) == 0 &&
        qemuDomainJobSetStatus(&obj->job, QEMU_DOMAIN_JOB_STATUS_FAILED) == 0)
        qemuDomainAsyncJobEnd(&obj->job);
    statusWrite(ctx->outdir, base, "off", obj);

    /* running, idle */
    obj->active = true;
    obj->state = 1;
    obj->reason = 1;
    obj->pid = 4242;
    obj->starttime = 123456;
    obj->id = 3;
    obj->nextIndex = nextIndex;
    statusWrite(ctx->outdir, base, "running", obj);

    /* running a backup, for each recorded backup */
    if (qemuDomainAsyncJobBegin(&obj->job, QEMU_ASYNC_JOB_BACKUP, 0x1) < 0)
        return;
    for (i = 0; i < ctx->backups->len; i++) {
        g_autofree char *variant = g_strdup_printf("backup%u", i);

        qemuBackupStateFree(obj->backup);
        if ((obj->backup = statusBackup(g_ptr_array_index(ctx->backups, i))))
            statusWrite(ctx->outdir, base, variant, obj);
    }
}

static void
statusCollectBackup(const char *path, const char *base, void *opaque)
{
    GPtrArray *backups = opaque;
    char *content = NULL;

    if (g_str_has_prefix(base, "status-") &&
        g_file_get_contents(path, &content, NULL, NULL))
        g_ptr_array_add(backups, content);
}

int
main(int argc, char **argv)
{
    const char *src;
    const char *out;
    g_autofree char *tests = NULL;
    g_autoptr(GPtrArray) backups = g_ptr_array_new_with_free_func(g_free);
    statusCtx sctx;
    const char *const qmpdirs[] = { "qemumonitortestdata", "qemubackupdata",
                                    "qemucheckpointdata" };
    const char *const domaindirs[] = { "domainxml2xmlin", "domainxml2xmlout",
                                       "qemuxml2argvdata", "data" };
    size_t i;

    if (argc != 3) {
        fprintf(stderr, "usage: fuzz-seeds SRCDIR OUTDIR\n");
        return 2;
    }
    src = argv[1];
    out = argv[2];
    tests = g_build_filename(src, "tests", NULL);
    g_setenv("FLEECE_SCHEMA_DIR", FUZZ_SCHEMA_DIR, TRUE);

    copyDir(tests, out, "fuzz-checkpoint-xml", "checkpointxml2xmlin", "in");
    copyDir(tests, out, "fuzz-checkpoint-xml", "checkpointxml2xmlout", "out");
    copyDir(tests, out, "fuzz-backup-xml", "domainbackupxml2xmlin", "in");
    copyDir(tests, out, "fuzz-backup-xml", "domainbackupxml2xmlout", "out");
    for (i = 0; i < G_N_ELEMENTS(domaindirs); i++)
        copyDir(tests, out, "fuzz-domain-xml", domaindirs[i], domaindirs[i]);
    for (i = 0; i < G_N_ELEMENTS(qmpdirs); i++)
        forEachFile(tests, qmpdirs[i], ".txt", qmpOne, (void *) out);

    forEachFile(tests, "domainbackupxml2xmlin", ".xml", statusCollectBackup, backups);
    sctx.outdir = out;
    sctx.backups = backups;
    for (i = 0; i < G_N_ELEMENTS(domaindirs); i++)
        forEachFile(tests, domaindirs[i], ".xml", statusOne, &sctx);

    /* settings files: every key of the table with its default value,
     * in both quotings, and the grammar's other forms */
    {
        g_autoptr(GString) all = g_string_new("# every setting\n");
        g_autoptr(GString) alt = g_string_new("");
        size_t nkeys;
        const qemuConfKey *keys = qemuDriverConfigKeys(&nkeys);

        for (i = 0; i < nkeys; i++) {
            switch (keys[i].type) {
            case QEMU_CONF_VALUE_STRING:
            case QEMU_CONF_VALUE_PATH:
                g_string_append_printf(all, "%s = \"/var/lib/fleece/%s\"\n", keys[i].key,
                                       keys[i].key);
                g_string_append_printf(alt, "  %s='/x'   # c\r\n", keys[i].key);
                break;
            case QEMU_CONF_VALUE_BOOL:
            case QEMU_CONF_VALUE_UINT:
            case QEMU_CONF_VALUE_UINT32:
            case QEMU_CONF_VALUE_LAST:
                g_string_append_printf(all, "%s = %llu\n", keys[i].key, keys[i].defNumber);
                g_string_append_printf(alt, "%s=1\n", keys[i].key);
                break;
            }
        }
        g_string_append(alt, "unknown_list = [ \"a\",\n  'b' ]\n");
        writeSeed(out, "fuzz-conf", "all", all->str, all->len);
        writeSeed(out, "fuzz-conf", "alt", alt->str, alt->len);
    }

    printf("fuzz-seeds: %u seeds in %s\n", nseeds, out);
    return nseeds ? 0 : 1;
}

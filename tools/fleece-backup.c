/*
 * fleece-backup.c: backup commands of the fleece tool — begin (and wait
 * for) a backup, show its XML, end it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fleece-shell.h"

#define FLEECE_WAIT_POLL_US (250 * 1000)
#define FLEECE_WAIT_LINE_US (5 * G_USEC_PER_SEC)

/* Ask on the terminal whether to abort the job; true for yes.  Without a
 * terminal there is nobody to ask: Ctrl-C means abort. */
static bool
fleeceAskAbort(void)
{
    g_autofree char *line = NULL;
    FILE *tty = fopen("/dev/tty", "r+");
    char buf[64];

    if (!tty)
        return true;
    fprintf(tty, "\n%s", _("Abort the backup job? [y/N] "));
    fflush(tty);
    if (!fgets(buf, sizeof(buf), tty))
        buf[0] = '\0';
    fclose(tty);
    return buf[0] == 'y' || buf[0] == 'Y';
}

/* Wait for the push backup of @dom to end, showing progress: a bar on a
 * terminal, or with @verbose one line every few seconds.  True when the
 * job completed successfully. */
static bool
fleeceBackupWait(fleeceControl *ctl, virDomainPtr dom, bool verbose)
{
    bool tty = isatty(STDERR_FILENO) && !ctl->quiet;
    gint64 start = g_get_monotonic_time();
    gint64 lastLine = start, lastSample = start;
    unsigned long long lastDone = 0;
    double rate = 0;
    virTypedParameterPtr params = NULL;
    int nparams = 0, type = VIR_DOMAIN_JOB_NONE;
    const char *errmsg = NULL;
    bool aborted = false;
    bool ok = false;

    fleeceSigintInstall();
    for (;;) {
        unsigned long long done = 0, total = 0;
        gint64 now;

        if (fleeceSigintTake() && !aborted && fleeceAskAbort()) {
            if (virDomainAbortJob(dom) < 0) {
                fleeceReportError();
            } else {
                aborted = true;
            }
        }
        if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) < 0) {
            fleeceReportError();
            goto cleanup;
        }
        if (type != VIR_DOMAIN_JOB_UNBOUNDED && type != VIR_DOMAIN_JOB_BOUNDED)
            break;
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_PROCESSED, &done);
        virTypedParamsGetULLong(params, nparams, VIR_DOMAIN_JOB_DISK_TOTAL, &total);
        virTypedParamsFree(params, nparams);
        params = NULL;
        nparams = 0;

        now = g_get_monotonic_time();
        if (now - lastSample >= G_USEC_PER_SEC / 2) {
            double r = (double) (done - MIN(done, lastDone)) * G_USEC_PER_SEC /
                       (now - lastSample);

            rate = rate > 0 ? 0.7 * rate + 0.3 * r : r;
            lastSample = now;
            lastDone = done;
        }
        if (tty) {
            g_autofree char *bar = fleeceProgressFormat(done, total, rate, true);

            fprintf(stderr, "\r%s", bar);
            fflush(stderr);
        } else if (verbose && now - lastLine >= FLEECE_WAIT_LINE_US) {
            g_autofree char *line = fleeceProgressFormat(done, total, rate, false);

            fleecePrint(ctl, "%s\n", line);
            fflush(stdout);
            lastLine = now;
        }
        g_usleep(FLEECE_WAIT_POLL_US);
    }
    virTypedParamsFree(params, nparams);
    params = NULL;
    nparams = 0;
    if (tty)
        fprintf(stderr, "\n");

    if (virDomainGetJobStats(dom, &type, &params, &nparams,
                             VIR_DOMAIN_JOB_STATS_COMPLETED |
                             VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED) < 0) {
        fleeceReportError();
        goto cleanup;
    }
    virTypedParamsGetString(params, nparams, VIR_DOMAIN_JOB_ERRMSG, &errmsg);
    switch (type) {
    case VIR_DOMAIN_JOB_COMPLETED:
        fleecePrintExtra(ctl, _("Backup completed in %.1f s\n"),
                         (g_get_monotonic_time() - start) / (double) G_USEC_PER_SEC);
        ok = true;
        break;
    case VIR_DOMAIN_JOB_CANCELLED:
        fleeceError("%s", _("backup job was cancelled"));
        break;
    case VIR_DOMAIN_JOB_FAILED:
        fleeceError(_("backup job failed: %s"), errmsg ? errmsg : _("unknown error"));
        break;
    default:
        fleeceError("%s", _("backup job ended without a final status"));
        break;
    }

 cleanup:
    signal(SIGINT, SIG_DFL);
    virTypedParamsFree(params, nparams);
    return ok;
}

static const fleeceOptDef opts_backup_begin[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { "backupxml", FLEECE_OT_STRING, FLEECE_OFLAG_POSITIONAL,
      N_("file holding the <domainbackup> XML (default: full push backup of every disk)") },
    { "checkpointxml", FLEECE_OT_STRING, 0,
      N_("file holding the <domaincheckpoint> XML of a checkpoint to create") },
    { "reuse-external", FLEECE_OT_BOOL, 0,
      N_("use the target and scratch images that exist already") },
    { "quiesce", FLEECE_OT_BOOL, 0,
      N_("freeze the guest's file systems (guest agent) while the backup starts") },
    { "bandwidth", FLEECE_OT_STRING, 0,
      N_("bytes per second each disk's push copy may use (suffix k, M or G: KiB, MiB, GiB; 0: no limit)") },
    { "wait", FLEECE_OT_BOOL, 0, N_("wait for a push backup to finish") },
    { "verbose", FLEECE_OT_BOOL, 0, N_("with --wait, print progress") },
    { NULL },
};

/* A byte rate: digits with an optional binary suffix (k, M, G), an
 * optional "/s" after it. */
static bool
fleeceParseBandwidth(const char *str, unsigned long long *value)
{
    unsigned long long scale = 1;
    char *end = NULL;

    if (!g_ascii_isdigit(*str))
        return false;
    *value = g_ascii_strtoull(str, &end, 10);
    switch (*end) {
    case 'k': case 'K': scale = 1ULL << 10; break;
    case 'm': case 'M': scale = 1ULL << 20; break;
    case 'g': case 'G': scale = 1ULL << 30; break;
    default: break;
    }
    if (scale > 1) {
        end++;
        if (*end == 'i')                         /* KiB, MiB, GiB */
            end++;
    }
    if (*end == 'B')
        end++;
    if (g_str_equal(end, "/s"))
        end += 2;
    if (*end || *value > G_MAXINT64 / scale)
        return false;
    *value *= scale;
    return true;
}

/* The backup XML with Fleece's <fleece:bandwidth> added as the last child
 * of the root; NULL when the root cannot be found. */
static char *
fleeceBackupXMLAddBandwidth(const char *xml, unsigned long long bytes)
{
    g_autofree char *elem = g_strdup_printf(
        "<fleece:bandwidth xmlns:fleece='urn:fleece:domainbackup:1'>%llu"
        "</fleece:bandwidth>", bytes);
    const char *close = g_strrstr(xml, "</domainbackup>");
    const char *open = strstr(xml, "<domainbackup");
    const char *gt;

    if (close)
        return g_strdup_printf("%.*s%s%s", (int) (close - xml), xml, elem, close);
    /* a root without children: <domainbackup .../> */
    if (!open || !(gt = strchr(open, '>')) || gt == open || gt[-1] != '/')
        return NULL;
    return g_strdup_printf("%.*s>%s</domainbackup>%s", (int) (gt - 1 - xml), xml,
                           elem, gt + 1);
}

static bool
cmdBackupBegin(fleeceControl *ctl, const fleeceCmd *cmd)
{
    const char *bandwidth = fleeceOptString(cmd, "bandwidth");
    const char *backupfile = fleeceOptString(cmd, "backupxml");
    const char *cpfile = fleeceOptString(cmd, "checkpointxml");
    g_autofree char *backupxml = NULL;
    g_autofree char *cpxml = NULL;
    unsigned int flags = 0;
    virDomainPtr dom;
    bool ok = false;

    if (!fleeceOptRequires(cmd, "verbose", "wait"))
        return false;
    if (fleeceOptBool(cmd, "reuse-external"))
        flags |= VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL;
    if (fleeceOptBool(cmd, "quiesce"))
        flags |= VIR_DOMAIN_BACKUP_BEGIN_QUIESCE;
    if (backupfile) {
        if (!(backupxml = fleeceReadXMLFile(backupfile)))
            return false;
    } else {
        backupxml = g_strdup("<domainbackup/>");
    }
    if (cpfile && !(cpxml = fleeceReadXMLFile(cpfile)))
        return false;
    if (bandwidth) {
        unsigned long long bytes = 0;
        char *withLimit;

        if (!fleeceParseBandwidth(bandwidth, &bytes)) {
            fleeceError(_("invalid bandwidth '%s' (bytes per second, e.g. 52428800 or 50M)"),
                        bandwidth);
            return false;
        }
        if (!(withLimit = fleeceBackupXMLAddBandwidth(backupxml, bytes))) {
            fleeceError("%s", _("no <domainbackup> element to add the bandwidth to"));
            return false;
        }
        g_free(backupxml);
        backupxml = withLimit;
    }
    if (fleeceOptBool(cmd, "wait")) {
        g_autofree char *mode = fleeceXMLRootAttr(backupxml, "mode");

        if (mode && g_str_equal(mode, "pull")) {
            fleeceError("%s", _("--wait applies to push backups only; a pull "
                                "backup runs until backup-end or domjobabort"));
            return false;
        }
    }
    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (virDomainBackupBegin(dom, backupxml, cpxml, flags) < 0) {
        fleeceReportError();
        goto cleanup;
    }
    fleecePrintExtra(ctl, "%s", _("Backup started\n"));
    fflush(stdout);
    if (fleeceOptBool(cmd, "wait"))
        ok = fleeceBackupWait(ctl, dom, fleeceOptBool(cmd, "verbose"));
    else
        ok = true;
    /* virsh's empty line ends the output (after --wait's lines) */
    if (ok)
        fleecePrintExtra(ctl, "\n");

 cleanup:
    virDomainFree(dom);
    return ok;
}

static const fleeceOptDef opts_backup_domain[] = {
    { "domain", FLEECE_OT_STRING, FLEECE_OFLAG_REQ | FLEECE_OFLAG_POSITIONAL,
      N_("domain name, id or uuid") },
    { NULL },
};

static bool
cmdBackupDumpxml(fleeceControl *ctl, const fleeceCmd *cmd)
{
    g_autofree char *xml = NULL;
    virDomainPtr dom;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if (!(xml = virDomainBackupGetXMLDesc(dom, 0)))
        fleeceReportError();
    else
        fleecePrintXML(ctl, xml);
    virDomainFree(dom);
    return xml != NULL;
}

static bool
cmdBackupEnd(fleeceControl *ctl, const fleeceCmd *cmd)
{
    virDomainPtr dom;
    bool ok;

    if (!(dom = fleeceCommandOptDomain(ctl, cmd, NULL)))
        return false;
    if ((ok = virDomainBackupEnd(dom, 0) == 0))
        fleecePrintExtra(ctl, "%s", _("Backup ended\n\n"));
    else
        fleeceReportError();
    virDomainFree(dom);
    return ok;
}

const fleeceCmdDef fleeceBackupCmds[] = {
    { "backup-begin", cmdBackupBegin, opts_backup_begin, N_("start a backup job"),
      N_("Starts a push backup (QEMU writes the disks' data into target "
         "images) or a pull backup (QEMU exports a point-in-time view over "
         "NBD) as described by a <domainbackup> file; without one, a full "
         "push backup of every disk next to its image.  --checkpointxml "
         "creates a checkpoint at the same instant, for the next incremental "
         "backup.  --wait waits for a push backup to finish (Ctrl-C asks "
         "whether to abort it).  A shut-off domain is backed up the same "
         "way, its disks served by qemu-storage-daemon: it stays shut off "
         "and cannot start until the backup ends."), 0 },
    { "backup-dumpxml", cmdBackupDumpxml, opts_backup_domain,
      N_("XML of the running backup"),
      N_("Prints the <domainbackup> description of the running backup job "
         "with every default filled in (targets, export names, ports)."), 0 },
    { "backup-end", cmdBackupEnd, opts_backup_domain, N_("end the running backup"),
      N_("Ends the running backup job: a pull backup ends successfully once "
         "the client has read what it needs; a push backup still copying is "
         "cancelled."), 0 },
    { NULL },
};

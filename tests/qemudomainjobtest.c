/*
 * qemudomainjobtest.c: the job object — transition table, conflicts,
 * completed statistics, hooks and persistence
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "qemu_domainjob.h"
#include "virerror.h"
#include "virxml.h"

typedef struct {
    int saves;
    int completions;
    int lastStatus;
} testHookData;

static int
testSave(void *opaque)
{
    ((testHookData *) opaque)->saves++;
    return 0;
}

static void
testCompleted(void *opaque, const qemuDomainJobData *data)
{
    testHookData *h = opaque;

    h->completions++;
    h->lastStatus = data->status;
}

static const qemuDomainJobHooks testHooks = { testSave, testCompleted };

/* The legal moves, spelled out independently of the table. */
static bool
testExpectedAllowed(int from, int to)
{
    switch (from) {
    case QEMU_DOMAIN_JOB_STATUS_NONE:
        return to == QEMU_DOMAIN_JOB_STATUS_ACTIVE;
    case QEMU_DOMAIN_JOB_STATUS_ACTIVE:
        return to == QEMU_DOMAIN_JOB_STATUS_CANCELLING ||
               to == QEMU_DOMAIN_JOB_STATUS_COMPLETED ||
               to == QEMU_DOMAIN_JOB_STATUS_FAILED ||
               to == QEMU_DOMAIN_JOB_STATUS_CANCELED;
    case QEMU_DOMAIN_JOB_STATUS_CANCELLING:
        return to == QEMU_DOMAIN_JOB_STATUS_COMPLETED ||
               to == QEMU_DOMAIN_JOB_STATUS_FAILED ||
               to == QEMU_DOMAIN_JOB_STATUS_CANCELED;
    default:
        return to == QEMU_DOMAIN_JOB_STATUS_NONE;
    }
}

static int
testTransitionTable(const void *data G_GNUC_UNUSED)
{
    int from, to;

    for (from = 0; from < QEMU_DOMAIN_JOB_STATUS_LAST; from++) {
        for (to = 0; to < QEMU_DOMAIN_JOB_STATUS_LAST; to++) {
            if (qemuDomainJobTransitionAllowed(from, to) !=
                testExpectedAllowed(from, to)) {
                virTestDiag("move %s -> %s wrongly %s",
                            qemuDomainJobStatusTypeToString(from),
                            qemuDomainJobStatusTypeToString(to),
                            testExpectedAllowed(from, to) ? "refused" : "allowed");
                return -1;
            }
        }
    }
    return 0;
}

static int
testLifecycle(const void *data G_GNUC_UNUSED)
{
    testHookData h = { 0 };
    qemuDomainJobObj job;
    g_autoptr(qemuDomainJobData) done = NULL;
    int rc = -1;

    qemuDomainJobObjInit(&job, &testHooks, &h);
    if (qemuDomainAsyncJobBegin(&job, QEMU_ASYNC_JOB_BACKUP, 0x1) < 0)
        goto cleanup;
    if (!job.current || job.current->status != QEMU_DOMAIN_JOB_STATUS_ACTIVE ||
        h.saves != 1)
        goto cleanup;
    /* a second backup is refused at once, naming the running job */
    if (qemuDomainAsyncJobBegin(&job, QEMU_ASYNC_JOB_BACKUP, 0) == 0 ||
        virTestLastErrorCode() != VIR_ERR_OPERATION_INVALID ||
        !strstr(virGetLastErrorMessage(), "'backup' is already running"))
        goto cleanup;
    /* queries and checkpoint changes run beside a backup */
    if (qemuDomainJobBegin(&job, QEMU_JOB_MODIFY) < 0)
        goto cleanup;
    if (qemuDomainJobBegin(&job, QEMU_JOB_QUERY) == 0 ||
        !strstr(virGetLastErrorMessage(), "job 'modify' is running"))
        goto cleanup;
    qemuDomainJobEnd(&job);
    /* an illegal move names job and states, and changes nothing */
    if (qemuDomainJobSetStatus(&job, QEMU_DOMAIN_JOB_STATUS_NONE) == 0 ||
        !strstr(virGetLastErrorMessage(), "'active' cannot move to 'none'") ||
        job.current->status != QEMU_DOMAIN_JOB_STATUS_ACTIVE)
        goto cleanup;
    job.current->disk_total = 100;
    job.current->disk_processed = 100;
    if (qemuDomainJobSetStatus(&job, QEMU_DOMAIN_JOB_STATUS_COMPLETED) < 0)
        goto cleanup;
    if (h.completions != 1 || h.lastStatus != QEMU_DOMAIN_JOB_STATUS_COMPLETED)
        goto cleanup;
    if (qemuDomainAsyncJobEnd(&job) < 0 || job.current ||
        job.asyncJob != QEMU_ASYNC_JOB_NONE)
        goto cleanup;
    /* completed stats survive reading unless discarded */
    done = qemuDomainJobTakeCompleted(&job, false);
    if (!done || done->disk_processed != 100 || !done->stopped)
        goto cleanup;
    g_clear_pointer(&done, qemuDomainJobDataFree);
    done = qemuDomainJobTakeCompleted(&job, true);
    if (!done)
        goto cleanup;
    g_clear_pointer(&done, qemuDomainJobDataFree);
    if ((done = qemuDomainJobTakeCompleted(&job, false)))
        goto cleanup;
    /* the slot is free again */
    if (qemuDomainAsyncJobBegin(&job, QEMU_ASYNC_JOB_BACKUP, 0) < 0)
        goto cleanup;
    rc = 0;
 cleanup:
    qemuDomainJobObjClear(&job);
    return rc;
}

static int
testPersistence(const void *data G_GNUC_UNUSED)
{
    qemuDomainJobObj job, job2;
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) buf2 = VIR_BUFFER_INITIALIZER;
    g_autofree char *xml = NULL;
    g_autofree char *xml2 = NULL;
    g_autofree char *doc = NULL;
    g_autoptr(xmlDoc) xmldoc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    int rc = -1;

    qemuDomainJobObjInit(&job, NULL, NULL);
    qemuDomainJobObjInit(&job2, NULL, NULL);
    if (qemuDomainAsyncJobBegin(&job, QEMU_ASYNC_JOB_BACKUP, 0x1000001) < 0 ||
        qemuDomainJobSetStatus(&job, QEMU_DOMAIN_JOB_STATUS_FAILED) < 0 ||
        qemuDomainAsyncJobEnd(&job) < 0 ||
        qemuDomainAsyncJobBegin(&job, QEMU_ASYNC_JOB_BACKUP, 0x1000001) < 0)
        goto cleanup;
    job.completed->errmsg = g_strdup("disk 'vda' <failed>");
    job.current->temp_used = 65536;
    qemuDomainJobFormat(&buf, &job);
    xml = virBufferContentAndReset(&buf);
    doc = g_strdup_printf("<domstatus>\n%s</domstatus>\n", xml);
    if (!(xmldoc = virXMLParseString(doc, NULL, "domstatus", &ctxt)))
        goto cleanup;
    if (qemuDomainJobParse(ctxt, &job2) < 0)
        goto cleanup;
    if (job2.asyncJob != QEMU_ASYNC_JOB_BACKUP || job2.asyncFlags != 0x1000001 ||
        job2.current->temp_used != 65536 ||
        job2.completed->status != QEMU_DOMAIN_JOB_STATUS_FAILED ||
        !g_str_equal(job2.completed->errmsg, "disk 'vda' <failed>"))
        goto cleanup;
    qemuDomainJobFormat(&buf2, &job2);
    xml2 = virBufferContentAndReset(&buf2);
    rc = virTestCompareStrings(xml, xml2);
 cleanup:
    qemuDomainJobObjClear(&job);
    qemuDomainJobObjClear(&job2);
    return rc;
}

static int
testParseInvalid(const void *data G_GNUC_UNUSED)
{
    qemuDomainJobObj job;
    g_autoptr(xmlDoc) xmldoc = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    int rc;

    qemuDomainJobObjInit(&job, NULL, NULL);
    xmldoc = virXMLParseString("<s><job async='dance' status='active' started='1'/></s>",
                               NULL, "s", &ctxt);
    rc = qemuDomainJobParse(ctxt, &job);
    qemuDomainJobObjClear(&job);
    return rc < 0 && virTestLastErrorCode() == VIR_ERR_INTERNAL_ERROR ? 0 : -1;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("transition table", testTransitionTable, NULL);
    ret |= virTestRun("async job lifecycle and conflicts", testLifecycle, NULL);
    ret |= virTestRun("status file round trip", testPersistence, NULL);
    ret |= virTestRun("invalid job in status file", testParseInvalid, NULL);
    return ret == 0 ? 0 : -1;
}

VIR_TEST_MAIN(mymain)

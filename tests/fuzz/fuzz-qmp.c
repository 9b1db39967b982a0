/*
 * fuzz-qmp.c: what Fleece reads from QEMU's monitor
 *
 * The input is what "QEMU" sends: it is written into one end of a socket
 * pair, the monitor reads the other.  The monitor negotiates (greeting,
 * qmp_capabilities), then sends each query Fleece uses, in a fixed order,
 * parsing each reply with its reply parser, and finally collects the
 * events that arrived, as the backup code does (job status changes).
 * Line splitting, JSON parsing, reply/event matching and every reply
 * parser see hostile input; none may crash or leak.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzzutils.h"
#include "qemu_monitor.h"
#include "qemu_qmp.h"
#include "viralloc.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Longer inputs are cut: the whole must fit in the socket buffer, as
 * nobody reads concurrently. */
#define FUZZ_QMP_MAX (64 * 1024)
#define FUZZ_QMP_TIMEOUT 1000

/* Run one query; its reply (the "return" value) or NULL. */
static virJSONValue *
fuzzQMPQuery(qemuMonitor *mon, qemuQMPCommand cmd)
{
    virJSONValue *reply = NULL;

    if (cmd == QEMU_QMP_QUERY_NAMED_BLOCK_NODES)
        ignore_value(qemuQMPExecute(mon, FUZZ_QMP_TIMEOUT, &reply, cmd,
                                    "b:flat", true, NULL));
    else
        ignore_value(qemuQMPExecute(mon, FUZZ_QMP_TIMEOUT, &reply, cmd, NULL));
    return reply;
}

static void
fuzzQMPQueries(qemuMonitor *mon)
{
    g_autoptr(virJSONValue) version = fuzzQMPQuery(mon, QEMU_QMP_QUERY_VERSION);
    g_autoptr(virJSONValue) status = fuzzQMPQuery(mon, QEMU_QMP_QUERY_STATUS);
    g_autoptr(virJSONValue) commands = fuzzQMPQuery(mon, QEMU_QMP_QUERY_COMMANDS);
    g_autoptr(virJSONValue) nodes = fuzzQMPQuery(mon, QEMU_QMP_QUERY_NAMED_BLOCK_NODES);
    g_autoptr(virJSONValue) block = fuzzQMPQuery(mon, QEMU_QMP_QUERY_BLOCK);
    g_autoptr(virJSONValue) jobs = fuzzQMPQuery(mon, QEMU_QMP_QUERY_JOBS);
    g_autoptr(virJSONValue) exports = fuzzQMPQuery(mon, QEMU_QMP_QUERY_BLOCK_EXPORTS);
    GPtrArray *list;
    char *hmp = NULL;

    if (version)
        qemuQMPVersionFree(qemuQMPParseVersion(version));
    if (status)
        qemuQMPStatusFree(qemuQMPParseStatus(status));
    if (commands)
        g_strfreev(qemuQMPParseCommandNames(commands));
    if (nodes && (list = qemuQMPParseNamedBlockNodes(nodes))) {
        qemuQMPBlockNode *node = qemuQMPBlockNodeFind(list, "libvirt-1-format");

        if (node)
            ignore_value(qemuQMPBlockNodeFindBitmap(node, "c1"));
        g_ptr_array_unref(list);
    }
    if (block && (list = qemuQMPParseBlock(block)))
        g_ptr_array_unref(list);
    if (jobs && (list = qemuQMPParseJobs(jobs)))
        g_ptr_array_unref(list);
    if (exports && (list = qemuQMPParseBlockExports(exports)))
        g_ptr_array_unref(list);
    if (qemuMonitorHMP(mon, "info version", FUZZ_QMP_TIMEOUT, &hmp) == 0)
        g_free(hmp);
}

static void
fuzzQMPEvents(qemuMonitor *mon)
{
    qemuQMPJobStatusWait wait = { "backup-vda-libvirt-1-format",
                                  QEMU_QMP_JOB_STATUS_CONCLUDED };
    virJSONValue *event = NULL;

    /* the backup code waits for its job's status change first ... */
    if (qemuMonitorWaitEvent(mon, "JOB_STATUS_CHANGE", qemuQMPJobStatusPredicate,
                             &wait, 0, &event) == 0)
        g_clear_pointer(&event, virJSONValueFree);
    /* ... then the watcher takes whatever else came */
    while (qemuMonitorNextEvent(mon, 0, &event) == 1) {
        virJSONValue *evdata = qemuQMPEventGetData(event);

        ignore_value(qemuQMPEventGetType(event));
        ignore_value(qemuQMPJobStatusPredicate(event, &wait));
        ignore_value(virJSONValueObjectGetString(evdata, "id"));
        g_clear_pointer(&event, virJSONValueFree);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sv[2] = { -1, -1 };
    int bufsize = 4 * FUZZ_QMP_MAX;
    size_t done = 0;
    qemuMonitor *mon;

    fuzzInit();
    if (size > FUZZ_QMP_MAX)
        size = FUZZ_QMP_MAX;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        abort();
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof(bufsize));
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof(bufsize));
    while (done < size) {
        ssize_t n = write(sv[1], data + done, size - done);

        if (n <= 0)
            abort();
        done += n;
    }
    /* end of QEMU's output; what the monitor sends is still accepted */
    shutdown(sv[1], SHUT_WR);

    /* sv[0] is the monitor's now, even when the handshake fails */
    if ((mon = qemuMonitorOpenFD(sv[0], FUZZ_QMP_TIMEOUT))) {
        fuzzQMPQueries(mon);
        fuzzQMPEvents(mon);
        qemuMonitorClose(mon);
    }
    close(sv[1]);
    virResetLastError();
    return 0;
}

/*
 * qemucheckpointqmptest.c: the QMP traffic of checkpoint operations,
 * replayed against the fake QMP peer
 *
 * Each case makes a running domain "testvm" (three qcow2 disks with node
 * names libvirt-1..3-*), optionally redefines a chain c1 -> c2 -> c3
 * (metadata only, no QMP), then runs one operation with a monitor on
 * the domain's socket, where the fake peer plays
 * qemucheckpointdata/NAME.txt: the peer fails on any command the
 * transcript does not expect, in order.  The resulting checkpoint tree
 * (name:parent pairs read back from the metadata files) and the error
 * code are compared with the expected values.
 *
 * The transcripts are QEMU's: FLEECE_TEST_REGENERATE=1 runs every case
 * on real QEMU behind the recorder (qemuqmpscenario.h), QEMU holding
 * the bitmaps the case names, and rewrites qemucheckpointdata/.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "qemuqmpscenario.h"
#include "qemu_domain.h"
#include "qemu_checkpoint.h"
#include "libvirt/libvirt-domain-checkpoint.h"
#include "virerror.h"
#include "virfile.h"
#include "virstring.h"

typedef enum {
    OP_CREATE,
    OP_REDEFINE,
    OP_DELETE,
} testOp;

typedef struct {
    const char *transcript;   /* qemucheckpointdata/NAME.txt */
    const char *header;       /* its first comment lines */
    bool chain;               /* redefine c1 -> c2 -> c3 first */
    const char *bitmaps;      /* recording: the bitmaps QEMU has on vda and
                               * vdb before the operation, "c1,c2" */
    testOp op;
    const char *arg;          /* checkpoint XML, or the name to delete */
    unsigned int flags;
    int error;                /* expected VIR_ERR_*, 0 = success */
    const char *tree;         /* expected "name:parent" list afterwards */
} testCase;

#define DISKS2 "<disks><disk name='vda'/><disk name='vdb'/><disk name='vdc' checkpoint='no'/></disks>"
#define DISK_SIZE (64ULL * 1024 * 1024)

/* The domain: three 64 MiB qcow2 disks. */
static char *
testDomainXML(const char *tmp)
{
    return qemuQMPScenarioDomainXML(tmp,
                                    "    <disk type='file' device='disk'>\n"
                                    "      <driver name='qemu' type='qcow2'/>\n"
                                    "      <source file='@TMP@/vdc.qcow2'/>\n"
                                    "      <target dev='vdc' bus='virtio'/>\n"
                                    "    </disk>\n");
}

static int
testRedefineChain(qemuDomainObj *obj)
{
    g_autoptr(virDomainCheckpointObjList) list = qemuCheckpointLoad(obj, NULL);
    const char *names[] = { "c1", "c2", "c3" };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *xml = NULL;

        xml = g_strdup_printf("<domaincheckpoint><name>%s</name>%s%s%s"
                              "<creationTime>%zu</creationTime>%s</domaincheckpoint>",
                              names[i], i ? "<parent><name>" : "",
                              i ? names[i - 1] : "", i ? "</name></parent>" : "",
                              i + 1, DISKS2);
        if (!qemuCheckpointCreate(obj, NULL, list, xml,
                                  VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE))
            return -1;
    }
    return 0;
}

/* "name:parent,..." of the tree as a fresh load sees it. */
static char *
testTree(qemuDomainObj *obj)
{
    g_autoptr(virDomainCheckpointObjList) list = qemuCheckpointLoad(obj, NULL);
    g_autofree virDomainCheckpointObj **objs = NULL;
    g_autoptr(GString) s = g_string_new(NULL);
    size_t i;

    if (!list || virDomainCheckpointObjListGetAll(list, NULL, &objs,
                                                  VIR_DOMAIN_CHECKPOINT_OBJLIST_TOPOLOGICAL) < 0)
        return NULL;
    for (i = 0; objs[i]; i++)
        g_string_append_printf(s, "%s%s:%s", i ? "," : "", objs[i]->def->name,
                               objs[i]->def->parent_name ? objs[i]->def->parent_name : "");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Recording: the bitmaps earlier checkpoints left in QEMU. */
static int
testPrepare(qemuQMPScenario *scen, const char *bitmaps)
{
    g_auto(GStrv) names = g_strsplit(bitmaps, ",", -1);
    size_t i;

    for (i = 0; names[i]; i++) {
        if (qemuQMPScenarioAddBitmap(scen, 0, names[i]) < 0 ||
            qemuQMPScenarioAddBitmap(scen, 1, names[i]) < 0 ||
            qemuQMPScenarioGuestWrite(scen, 0, 0x10 + i, i * 65536, 65536) < 0)
            return -1;
    }
    return 0;
}

static int
testTranscript(const void *opaque)
{
    const testCase *tc = opaque;
    g_autofree char *tmp = g_dir_make_tmp("fleece-chkqmp-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/qemucheckpointdata/%s", abs_srcdir,
                                            tc->transcript);
    g_autofree char *xml = NULL;
    g_autofree char *monPath = NULL;
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuQMPScenario) scen = NULL;
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_autofree char *tree = NULL;
    const char *disks[] = { "vda.qcow2", "vdb.qcow2", "vdc.qcow2" };
    size_t i;
    int rc = -1;
    int ret = -1;

    if (!tmp || !(driver = qemuDriverNew(tmp, false)) || !(xml = testDomainXML(tmp)))
        goto cleanup;
    for (i = 0; qemuQMPScenarioRecording() && i < G_N_ELEMENTS(disks); i++) {
        if (qemuQMPScenarioCreateDisk(tmp, disks[i], DISK_SIZE) < 0)
            goto cleanup;
    }
    if (!(scen = qemuQMPScenarioNew(driver, xml, path, NULL, NULL, NULL)))
        goto cleanup;
    if (!(obj = qemuDomainObjLoad(driver, QEMU_QMP_SCENARIO_DOMAIN, QEMU_DOMAIN_LOAD_LOCK)))
        goto cleanup;
    if (tc->chain && testRedefineChain(obj) < 0)
        goto cleanup;
    if (qemuQMPScenarioRecording() && tc->bitmaps && testPrepare(scen, tc->bitmaps) < 0)
        goto cleanup;
    monPath = qemuDriverMonitorPath(driver, QEMU_QMP_SCENARIO_DOMAIN);
    if (!(mon = qemuMonitorOpen(monPath, 5000)) ||
        !(list = qemuCheckpointLoad(obj, mon)))
        goto cleanup;

    virResetLastError();
    switch (tc->op) {
    case OP_CREATE:
    case OP_REDEFINE:
        rc = qemuCheckpointCreate(obj, mon, list, tc->arg, tc->flags) ? 0 : -1;
        break;
    case OP_DELETE:
        rc = qemuCheckpointDelete(obj, mon, list, tc->arg, tc->flags);
        break;
    }
    if (tc->error ? (rc == 0 || virGetLastErrorCode() != tc->error) : rc < 0) {
        virTestDiag("rc %d, error %d (%s), want %d", rc, virGetLastErrorCode(),
                    virGetLastErrorMessage(), tc->error);
        goto cleanup;
    }
    virResetLastError();
    g_clear_pointer(&mon, qemuMonitorClose);
    if (!(tree = testTree(obj)) || !g_str_equal(tree, tc->tree)) {
        virTestDiag("tree '%s', want '%s'", NULLSTR(tree), tc->tree);
        goto cleanup;
    }
    g_clear_pointer(&obj, qemuDomainObjFree);
    if (qemuQMPScenarioFinish(scen, tc->header) < 0)
        goto cleanup;
    ret = 0;

 cleanup:
    g_clear_pointer(&mon, qemuMonitorClose);
    g_clear_pointer(&obj, qemuDomainObjFree);
    g_clear_pointer(&scen, qemuQMPScenarioFree);
    g_clear_pointer(&driver, qemuDriverFree);
    if (tmp)
        qemuQMPScenarioRemoveTree(tmp);
    return ret;
}

#define C1_VDA "<domaincheckpoint><name>c1</name><disks><disk name='vda'/></disks></domaincheckpoint>"

static int
mymain(void)
{
    static const testCase cases[] = {
        { "create-1disk.txt", "# Checkpoint c1 on vda only: one bitmap in a transaction.\n",
          false, NULL, OP_CREATE, C1_VDA, 0, 0, "c1:" },
        { "create-3disks.txt",
          "# Checkpoint c1 with the default disks: a bitmap on each of the three\n"
          "# qcow2 disks, in one transaction.\n",
          false, NULL, OP_CREATE, "<domaincheckpoint><name>c1</name></domaincheckpoint>",
          0, 0, "c1:" },
        { "create-exists.txt",
          "# Checkpoint c1 on vda, which already has a bitmap c1 (no metadata):\n"
          "# QEMU refuses the transaction, nothing is recorded.\n",
          false, "c1", OP_CREATE, C1_VDA, 0, VIR_ERR_OPERATION_FAILED, "" },
        { "redefine.txt",
          "# Redefine c4 below c2 (metadata only): no bitmap is touched.\n",
          true, "c1,c2,c3", OP_REDEFINE,
          "<domaincheckpoint><name>c4</name><parent><name>c2</name></parent>"
          "<creationTime>4</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, 0, "c1:,c2:c1,c3:c2,c4:c2" },
        { "redefine-validate.txt",
          "# Redefine c3 with REDEFINE_VALIDATE: its bitmaps are looked for and\n"
          "# found.\n",
          true, "c1,c2,c3", OP_REDEFINE,
          "<domaincheckpoint><name>c3</name><parent><name>c2</name></parent>"
          "<creationTime>3</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE, 0, "c1:,c2:c1,c3:c2" },
        { "redefine-validate-missing.txt",
          "# Redefine c3 with REDEFINE_VALIDATE when QEMU has no bitmap c3:\n"
          "# inconsistent, the metadata stays as it was.\n",
          true, "c1,c2", OP_REDEFINE,
          "<domaincheckpoint><name>c3</name><parent><name>c2</name></parent>"
          "<creationTime>3</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE,
          VIR_ERR_CHECKPOINT_INCONSISTENT, "c1:,c2:c1,c3:c2" },
        { "delete-leaf.txt", "# Delete the leaf c3: its bitmaps go, in one transaction.\n",
          true, "c1,c2,c3", OP_DELETE, "c3", 0, 0, "c1:,c2:c1" },
        { "delete-middle.txt", "# Delete c2: its bitmaps go, c3 moves below c1.\n",
          true, "c1,c2,c3", OP_DELETE, "c2", 0, 0, "c1:,c3:c1" },
        { "delete-children.txt",
          "# Delete c1 with its children: every bitmap of the three goes, in one\n"
          "# transaction.\n",
          true, "c1,c2,c3", OP_DELETE, "c1", VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN, 0, "" },
        { "delete-children-only.txt",
          "# Delete the children of c1 only: c2 and c3's bitmaps go, c1's stay.\n",
          true, "c1,c2,c3", OP_DELETE, "c1", VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY,
          0, "c1:" },
        { "delete-metadata-only.txt",
          "# Delete c2's metadata only: QEMU is asked nothing about bitmaps.\n",
          true, "c1,c2,c3", OP_DELETE, "c2", VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY,
          0, "c1:,c3:c1" },
        { "delete-missing.txt",
          "# Delete c3 whose bitmaps QEMU no longer has: removing them from the\n"
          "# top images is refused, QEMU is asked where bitmaps are, and the\n"
          "# metadata goes all the same.\n",
          true, "c1,c2", OP_DELETE, "c3", 0, 0, "c1:,c2:c1" },
    };
    size_t i;
    int ret = 0;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].transcript, testTranscript, &cases[i]) < 0)
            ret = -1;
    }
    return ret;
}

VIR_TEST_MAIN(mymain)

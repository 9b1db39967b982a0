/*
 * qemucheckpointqmptest.c: the QMP traffic of checkpoint operations,
 * replayed against the fake QMP peer
 *
 * Each case builds a running domain in memory (three qcow2 disks with
 * node names libvirt-1..3-format), optionally redefines a chain
 * c1 -> c2 -> c3 (metadata only, no QMP), then runs one operation with
 * a monitor connected to the fake peer playing
 * qemucheckpointdata/NAME.txt: the peer fails on any command the
 * transcript does not expect, in order.  The resulting checkpoint tree
 * (name:parent pairs read back from the metadata files) and the error
 * code are compared with the expected values.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>
#include <unistd.h>

#include "testutils.h"
#include "qemumonitortestutils.h"
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
    bool chain;               /* redefine c1 -> c2 -> c3 first */
    testOp op;
    const char *arg;          /* checkpoint XML, or the name to delete */
    unsigned int flags;
    int error;                /* expected VIR_ERR_*, 0 = success */
    const char *tree;         /* expected "name:parent" list afterwards */
} testCase;

#define DISKS2 "<disks><disk name='vda'/><disk name='vdb'/><disk name='vdc' checkpoint='no'/></disks>"

static char *
testDomainXML(void)
{
    g_autofree char *path = g_build_filename(abs_srcdir, "data", "testvm.xml", NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GString) s = NULL;

    if (virFileReadAll(path, 1024 * 1024, &xml) < 0)
        return NULL;
    s = g_string_new(xml);
    g_string_replace(s, "    <controller type='usb'",
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='qcow2'/>\n"
                     "      <source file='/img/vdc.qcow2'/>\n"
                     "      <target dev='vdc' bus='virtio'/>\n"
                     "    </disk>\n"
                     "    <controller type='usb'", 1);
    g_string_replace(s, "DISKDIR", "/img", 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A running domain as the driver would have loaded it. */
static qemuDomainObj *
testDomainObj(qemuDriver *driver)
{
    g_autofree char *xml = testDomainXML();
    g_autoptr(qemuDomainObj) obj = g_new0(qemuDomainObj, 1);
    size_t i;

    if (!xml || !(obj->def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return NULL;
    for (i = 0; i < obj->def->ndisks; i++)
        obj->def->disks[i]->src->nodeformat = g_strdup_printf("libvirt-%zu-format", i + 1);
    obj->newDef = virDomainDefCopy(obj->def);
    obj->driver = driver;
    obj->name = g_strdup(obj->def->name);
    obj->persistent = true;
    obj->active = true;
    obj->id = 1;
    qemuDomainJobObjInit(&obj->job, NULL, NULL);
    return g_steal_pointer(&obj);
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

static int
testTranscript(const void *opaque)
{
    const testCase *tc = opaque;
    g_autofree char *tmp = g_dir_make_tmp("fleece-chkqmp-XXXXXX", NULL);
    g_autofree char *path = g_strdup_printf("%s/qemucheckpointdata/%s", abs_srcdir,
                                            tc->transcript);
    g_autoptr(qemuDriver) driver = NULL;
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuMonitorTest) test = NULL;
    g_autoptr(qemuMonitor) mon = NULL;
    g_autoptr(virDomainCheckpointObjList) list = NULL;
    g_autofree char *tree = NULL;
    int rc = -1;
    int ret = -1;

    if (!tmp || !(driver = qemuDriverNew(tmp, false)) || !(obj = testDomainObj(driver)))
        goto cleanup;
    if (tc->chain && testRedefineChain(obj) < 0)
        goto cleanup;
    if (!(test = qemuMonitorTestNewFromFile(path)) ||
        !(mon = qemuMonitorOpen(qemuMonitorTestGetPath(test), 5000)) ||
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
    if (qemuMonitorTestFinish(test) < 0)
        goto cleanup;
    if (!(tree = testTree(obj)) || !g_str_equal(tree, tc->tree)) {
        virTestDiag("tree '%s', want '%s'", NULLSTR(tree), tc->tree);
        goto cleanup;
    }
    ret = 0;

 cleanup:
    if (tmp) {
        g_autofree char *dir = g_build_filename(tmp, "checkpoints", "testvm", NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *ent;

        while (d && (ent = g_dir_read_name(d))) {
            g_autofree char *f = g_build_filename(dir, ent, NULL);
            unlink(f);
        }
        rmdir(dir);
        dir[strlen(dir) - strlen("/testvm")] = '\0';
        rmdir(dir);
        {
            const char *sub[] = { "domains", "run", "log", "lock", NULL };
            size_t i;

            for (i = 0; sub[i]; i++) {
                g_autofree char *s = g_build_filename(tmp, sub[i], NULL);
                rmdir(s);
            }
        }
        rmdir(tmp);
    }
    return ret;
}

static int
mymain(void)
{
    static const testCase cases[] = {
        { "create-1disk.txt", false, OP_CREATE,
          "<domaincheckpoint><name>c1</name><disks><disk name='vda'/></disks></domaincheckpoint>",
          0, 0, "c1:" },
        { "create-3disks.txt", false, OP_CREATE,
          "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0, 0, "c1:" },
        { "create-exists.txt", false, OP_CREATE,
          "<domaincheckpoint><name>c1</name><disks><disk name='vda'/></disks></domaincheckpoint>",
          0, VIR_ERR_OPERATION_FAILED, "" },
        { "redefine.txt", true, OP_REDEFINE,
          "<domaincheckpoint><name>c4</name><parent><name>c2</name></parent>"
          "<creationTime>4</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE, 0, "c1:,c2:c1,c3:c2,c4:c2" },
        { "redefine-validate.txt", true, OP_REDEFINE,
          "<domaincheckpoint><name>c3</name><parent><name>c2</name></parent>"
          "<creationTime>3</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE, 0, "c1:,c2:c1,c3:c2" },
        { "redefine-validate-missing.txt", true, OP_REDEFINE,
          "<domaincheckpoint><name>c3</name><parent><name>c2</name></parent>"
          "<creationTime>3</creationTime>" DISKS2 "</domaincheckpoint>",
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
          VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE,
          VIR_ERR_CHECKPOINT_INCONSISTENT, "c1:,c2:c1,c3:c2" },
        { "delete-leaf.txt", true, OP_DELETE, "c3", 0, 0, "c1:,c2:c1" },
        { "delete-middle.txt", true, OP_DELETE, "c2", 0, 0, "c1:,c3:c1" },
        { "delete-children.txt", true, OP_DELETE, "c1",
          VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN, 0, "" },
        { "delete-children-only.txt", true, OP_DELETE, "c1",
          VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY, 0, "c1:" },
        { "delete-metadata-only.txt", true, OP_DELETE, "c2",
          VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY, 0, "c1:,c3:c1" },
        { "delete-missing.txt", true, OP_DELETE, "c3", 0, 0, "c1:,c2:c1" },
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

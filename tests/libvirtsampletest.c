/*
 * libvirtsampletest.c: a program written for libvirt's API
 *
 * Built with -std=c99 -pedantic against Fleece's headers and linked with
 * libfleece.so: it uses the checkpoint, backup, job and event API with
 * libvirt's names, the way a backup tool does.  Building it is the main
 * test; run without arguments it only checks the library answers, with a
 * URI and a domain name it takes a full backup and a checkpoint:
 *
 *   libvirtsampletest qemu:///embed?root=DIR DOMAIN BACKUP.xml
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

static int jobDone;

static void
jobCompleted(virConnectPtr conn, virDomainPtr dom,
             virTypedParameterPtr params, int nparams, void *opaque)
{
    int success = 0;

    (void) conn;
    (void) opaque;
    if (virTypedParamsGetBoolean(params, nparams, VIR_DOMAIN_JOB_SUCCESS,
                                 &success) == 1)
        printf("backup of %s finished: %s\n", virDomainGetName(dom),
               success ? "success" : "failure");
    jobDone = 1;
}

static int
backup(const char *uri, const char *name, const char *backupXML)
{
    const char *cpxml = "<domaincheckpoint><name>sample</name></domaincheckpoint>";
    virConnectPtr conn = NULL;
    virDomainPtr dom = NULL;
    virDomainCheckpointPtr *cps = NULL;
    virTypedParameterPtr params = NULL;
    int nparams = 0;
    int type = 0;
    int id = -1;
    int n;
    int i;
    int ret = 1;

    if (virEventRegisterDefaultImpl() < 0)
        goto cleanup;
    if (!(conn = virConnectOpen(uri)) ||
        !(dom = virDomainLookupByName(conn, name)))
        goto cleanup;
    id = virConnectDomainEventRegisterAny(conn, dom,
                                          VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                          VIR_DOMAIN_EVENT_CALLBACK(jobCompleted),
                                          NULL, NULL);
    if (id < 0)
        goto cleanup;
    if (virDomainBackupBegin(dom, backupXML, cpxml,
                             VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL) < 0)
        goto cleanup;
    while (!jobDone) {
        if (virDomainGetJobStats(dom, &type, &params, &nparams, 0) == 0) {
            unsigned long long done = 0;

            virTypedParamsGetULLong(params, nparams,
                                    VIR_DOMAIN_JOB_DISK_PROCESSED, &done);
            virTypedParamsFree(params, nparams);
            params = NULL;
            printf("job type %d, %llu bytes copied\n", type, done);
        }
        if (virEventRunDefaultImpl() < 0)
            goto cleanup;
    }
    if ((n = virDomainListAllCheckpoints(dom, &cps,
                                         VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL)) < 0)
        goto cleanup;
    for (i = 0; i < n; i++) {
        char *xml = virDomainCheckpointGetXMLDesc(cps[i],
                                                  VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN |
                                                  VIR_DOMAIN_CHECKPOINT_XML_SIZE);

        printf("%s", xml ? xml : "");
        free(xml);
        virDomainCheckpointFree(cps[i]);
    }
    free(cps);
    ret = 0;

 cleanup:
    if (ret)
        fprintf(stderr, "error: %s\n", virGetLastErrorMessage());
    if (id >= 0)
        virConnectDomainEventDeregisterAny(conn, id);
    if (dom)
        virDomainFree(dom);
    if (conn)
        virConnectClose(conn);
    return ret;
}

int
main(int argc, char **argv)
{
    unsigned long ver = 0;
    virErrorPtr err;

    if (argc == 4)
        return backup(argv[1], argv[2], argv[3]);

    if (virInitialize() < 0 || virGetVersion(&ver, NULL, NULL) < 0 ||
        ver < 9000000) {
        fprintf(stderr, "unexpected library version %lu\n", ver);
        return 1;
    }
    /* flags combine as in libvirt */
    if ((VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE |
         VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE) != 5 ||
        VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY != 4 ||
        VIR_DOMAIN_JOB_OPERATION_BACKUP != 9 ||
        VIR_DOMAIN_EVENT_ID_JOB_COMPLETED != 21 ||
        VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP != 5 ||
        VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT != 0x4000 ||
        VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA != 0x10 ||
        VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP != 1) {
        fprintf(stderr, "flag values differ from libvirt's\n");
        return 1;
    }
    /* a checkpoint call on a bad handle fails the libvirt way */
    if (virDomainCheckpointLookupByName(NULL, "c", 0) != NULL ||
        !(err = virGetLastError()) || err->code != VIR_ERR_INVALID_DOMAIN) {
        fprintf(stderr, "bad handle not refused\n");
        return 1;
    }
    printf("libvirt API level %lu\n", ver);
    return 0;
}

/*
 * embedded-backup.c: a program written for libvirt's embedded QEMU driver
 *
 * It uses libvirt's API only: register the default event loop and run it
 * in a thread, open qemu:///embed?root=DIR, define and start a domain,
 * make a checkpoint, take a full push backup together with a second
 * checkpoint, wait for the job-completed event, then an incremental
 * backup, and clean up.  The same source builds against libvirt
 * (cc prog.c -lvirt) and against Fleece (cc prog.c $(pkg-config --cflags
 * --libs fleece)).
 *
 * Usage: embedded-backup ROOT|URI DISK1 DISK2 BACKUPDIR
 * (DISK1/DISK2: existing qcow2 images; BACKUPDIR: where backups go).  A
 * URI instead of ROOT (e.g. qemu+unix:///system?socket=PATH) runs the
 * same steps through a daemon: fleeced, or libvirt's libvirtd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

static volatile int jobsCompleted;
static volatile int lastSuccess = -1;

static void *
eventLoop(void *opaque)
{
    (void) opaque;
    for (;;)
        virEventRunDefaultImpl();
    return NULL;
}

static void
jobCompleted(virConnectPtr conn, virDomainPtr dom, virTypedParameterPtr params,
             int nparams, void *opaque)
{
    int success = 0;

    (void) conn;
    (void) opaque;
    virTypedParamsGetBoolean(params, nparams, VIR_DOMAIN_JOB_SUCCESS, &success);
    printf("job completed on %s: success=%d\n", virDomainGetName(dom), success);
    lastSuccess = success;
    jobsCompleted++;
}

static int
waitForJob(int before)
{
    int i;

    for (i = 0; i < 6000 && jobsCompleted == before; i++)
        usleep(10000);
    return jobsCompleted > before && lastSuccess == 1 ? 0 : -1;
}

static int
fail(const char *what)
{
    fprintf(stderr, "%s: %s\n", what, virGetLastErrorMessage());
    return 1;
}

int
main(int argc, char **argv)
{
    char uri[1024], xml[4096], bxml[2048];
    virConnectPtr conn;
    virDomainPtr dom;
    virDomainCheckpointPtr c1;
    pthread_t loop;
    int done;

    if (argc != 5) {
        fprintf(stderr, "usage: %s ROOT|URI DISK1 DISK2 BACKUPDIR\n", argv[0]);
        return 2;
    }
    if (virEventRegisterDefaultImpl() < 0)
        return fail("event loop");
    pthread_create(&loop, NULL, eventLoop, NULL);

    if (strstr(argv[1], "://"))
        snprintf(uri, sizeof(uri), "%s", argv[1]);
    else
        snprintf(uri, sizeof(uri), "qemu:///embed?root=%s", argv[1]);
    if (!(conn = virConnectOpen(uri)))
        return fail("open");
    snprintf(xml, sizeof(xml),
             "<domain type='%s'><name>embedded</name><memory unit='MiB'>128</memory>"
             "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices>"
             "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
             "<source file='%s'/><target dev='vda' bus='virtio'/></disk>"
             "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
             "<source file='%s'/><target dev='vdb' bus='virtio'/></disk>"
             "</devices></domain>",
             access("/dev/kvm", W_OK) == 0 ? "kvm" : "qemu", argv[2], argv[3]);
    if (!(dom = virDomainDefineXML(conn, xml)) || virDomainCreate(dom) < 0)
        return fail("define and start");
    if (virConnectDomainEventRegisterAny(conn, dom, VIR_DOMAIN_EVENT_ID_JOB_COMPLETED,
                                         VIR_DOMAIN_EVENT_CALLBACK(jobCompleted),
                                         NULL, NULL) < 0)
        return fail("register event");

    if (!(c1 = virDomainCheckpointCreateXML(dom,
              "<domaincheckpoint><name>c1</name></domaincheckpoint>", 0)))
        return fail("checkpoint");
    virDomainCheckpointFree(c1);

    snprintf(bxml, sizeof(bxml),
             "<domainbackup><disks>"
             "<disk name='vda' type='file'><target file='%s/full-vda.qcow2'/></disk>"
             "<disk name='vdb' type='file'><target file='%s/full-vdb.qcow2'/></disk>"
             "</disks></domainbackup>", argv[4], argv[4]);
    done = jobsCompleted;
    if (virDomainBackupBegin(dom, bxml,
                             "<domaincheckpoint><name>c2</name></domaincheckpoint>", 0) < 0)
        return fail("full backup");
    if (waitForJob(done) < 0)
        return fail("full backup did not complete");

    snprintf(bxml, sizeof(bxml),
             "<domainbackup><incremental>c2</incremental><disks>"
             "<disk name='vda' type='file'><target file='%s/inc-vda.qcow2'/></disk>"
             "<disk name='vdb' type='file'><target file='%s/inc-vdb.qcow2'/></disk>"
             "</disks></domainbackup>", argv[4], argv[4]);
    done = jobsCompleted;
    if (virDomainBackupBegin(dom, bxml, NULL, 0) < 0)
        return fail("incremental backup");
    if (waitForJob(done) < 0)
        return fail("incremental backup did not complete");

    if (virDomainDestroy(dom) < 0 ||
        virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA) < 0)
        return fail("clean up");
    virDomainFree(dom);
    virConnectClose(conn);
    printf("embedded backup example finished\n");
    return 0;
}

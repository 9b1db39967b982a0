/*
 * domainsecuretest.c: security-sensitive data and lazily kept domains
 *
 * A graphics password is written only with the SECURE flag (domain and
 * checkpoint XML); a checkpoint whose embedded domain was kept as text
 * (PARSE_LAZY_DOMAIN, used when loading many metadata files) formats
 * byte for byte like one parsed fully.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "checkpoint_conf.h"
#include "domain_conf.h"

static const char *domainXML =
    "<domain type='kvm'>\n"
    "  <name>sec</name>\n"
    "  <uuid>5b3c2a8e-8f1e-4b8e-9c1d-1e2f3a4b5c6d</uuid>\n"
    "  <memory unit='KiB'>65536</memory>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='q35'>hvm</type>\n"
    "  </os>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='qcow2'/>\n"
    "      <source file='/img/a.qcow2'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <graphics type='vnc' port='-1' passwd='s3cret' autoport='yes'/>\n"
    "  </devices>\n"
    "</domain>\n";

static int
testDomainPassword(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virDomainDef) def = virDomainDefParseString(domainXML, 0);
    g_autofree char *plain = NULL;
    g_autofree char *secure = NULL;

    if (!def)
        return -1;
    plain = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    secure = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE |
                                VIR_DOMAIN_DEF_FORMAT_SECURE);
    if (!plain || !secure)
        return -1;
    if (strstr(plain, "s3cret") || !strstr(plain, "<graphics type='vnc' port='-1' autoport='yes'/>")) {
        virTestDiag("password shown without SECURE:\n%s", plain);
        return -1;
    }
    return strstr(secure, "passwd='s3cret'") ? 0 : -1;
}

static int
testCheckpointLazyDomain(const void *data G_GNUC_UNUSED)
{
    g_autoptr(virDomainCheckpointDef) full = NULL;
    g_autoptr(virDomainCheckpointDef) lazy = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *pa = NULL;
    g_autofree char *pb = NULL;
    unsigned int parse = VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE |
                         VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE;

    xml = g_strdup_printf("<domaincheckpoint>\n  <name>c1</name>\n"
                          "  <creationTime>1700000000</creationTime>\n"
                          "  <disks>\n    <disk name='vda' checkpoint='bitmap' bitmap='c1'/>\n"
                          "  </disks>\n%s</domaincheckpoint>\n", domainXML);
    if (!(full = virDomainCheckpointDefParseString(xml, parse)) ||
        !(lazy = virDomainCheckpointDefParseString(xml, parse |
                                                   VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN)))
        return -1;
    if (lazy->dom || !lazy->dom_xml) {
        virTestDiag("the lazy parse parsed the domain");
        return -1;
    }
    a = virDomainCheckpointDefFormat(full, VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE);
    b = virDomainCheckpointDefFormat(lazy, VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE);
    pa = virDomainCheckpointDefFormat(full, 0);
    pb = virDomainCheckpointDefFormat(lazy, 0);
    if (virTestCompareStrings(a, b) < 0 || virTestCompareStrings(pa, pb) < 0)
        return -1;
    if (strstr(pb, "s3cret") || !strstr(b, "s3cret")) {
        virTestDiag("password handling differs from SECURE:\n%s", pb);
        return -1;
    }
    return 0;
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("graphics password only with SECURE", testDomainPassword, NULL);
    ret |= virTestRun("lazily kept checkpoint domain formats identically",
                      testCheckpointLazyDomain, NULL);
    return ret == 0 ? 0 : -1;
}

VIR_TEST_MAIN(mymain)

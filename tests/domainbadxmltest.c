/*
 * domainbadxmltest.c: <domain> documents that must be refused, each with
 * the error code and a fragment of the message naming what is wrong
 *
 * Parse errors come from virDomainDefParseString; "runnable" cases parse
 * and are refused by virDomainDefValidateRunnable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "domain_conf.h"
#include "virerror.h"
#include "virxml.h"

typedef struct {
    const char *title;
    const char *xml;          /* whole document, or devices when devices */
    bool devices;             /* xml goes inside a valid domain's <devices> */
    bool runnable;            /* parse succeeds, the runnable check fails */
    unsigned int flags;
    int code;
    const char *fragment;     /* must appear in the message */
} testBad;

#define HEAD "<domain type='kvm'><name>bad</name><memory>65536</memory>" \
             "<os><type>hvm</type></os><devices>"
#define TAIL "</devices></domain>"
#define DISK(body) "<disk type='file' device='disk'>" body "</disk>"
#define VDA "<source file='/i/a.qcow2'/><target dev='vda' bus='virtio'/>"

static int
testOne(const void *data)
{
    const testBad *t = data;
    g_autofree char *xml = t->devices ? g_strdup_printf(HEAD "%s" TAIL, t->xml)
                                      : g_strdup(t->xml);
    g_autoptr(virDomainDef) def = NULL;
    virErrorPtr err;

    def = virDomainDefParseString(xml, t->flags);
    if (t->runnable) {
        if (!def) {
            virTestDiag("parse failed: %s", virGetLastErrorMessage());
            return -1;
        }
        if (virDomainDefValidateRunnable(def) == 0) {
            virTestDiag("accepted as runnable");
            return -1;
        }
    } else if (def) {
        virTestDiag("parsed although it should not");
        return -1;
    }
    err = virGetLastError();
    if (!err || err->code != t->code) {
        virTestDiag("expected code %d, got %d (%s)", t->code,
                    err ? err->code : 0, err ? err->message : "");
        return -1;
    }
    if (t->fragment && !strstr(err->message, t->fragment)) {
        virTestDiag("message '%s' lacks '%s'", err->message, t->fragment);
        return -1;
    }
    return 0;
}

/* A schema-invalid document is refused with VIR_ERR_XML_INVALID_SCHEMA
 * when validation is asked for. */
static const testBad cases[] = {
    { "malformed", "<domain type='kvm'><name>x</name>", false, false, 0,
      VIR_ERR_XML_ERROR, NULL },
    { "wrong root", "<domaincheckpoint/>", false, false, 0,
      VIR_ERR_XML_ERROR, "domain" },
    { "missing type", "<domain><name>x</name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "'type'" },
    { "domain type xen", "<domain type='xen'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'xen'" },
    { "missing name", "<domain type='kvm'><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_NO_NAME, "'name'" },
    { "name with slash", "<domain type='kvm'><name>a/b</name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "'/'" },
    { "name dotdot", "<domain type='kvm'><name>..</name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "'.'" },
    { "name leading dot", "<domain type='kvm'><name>.hidden</name>"
      "<memory>1</memory><os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "'.'" },
    { "name control char", "<domain type='kvm'><name>a&#9;b</name>"
      "<memory>1</memory><os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "control" },
    { "name empty", "<domain type='kvm'><name></name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, false, 0,
      VIR_ERR_XML_ERROR, "empty" },
    { "huge memory", "<domain type='kvm'><name>x</name>"
      "<memory unit='EiB'>16</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_OVERFLOW, "'memory'" },
    { "memory beyond 64 bits", "<domain type='kvm'><name>x</name>"
      "<memory>99999999999999999999999</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_OVERFLOW, "'memory'" },
    { "bad unit", "<domain type='kvm'><name>x</name>"
      "<memory unit='parsecs'>1</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'parsecs'" },
    { "negative memory", "<domain type='kvm'><name>x</name>"
      "<memory>-1</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'memory'" },
    { "missing memory", "<domain type='kvm'><name>x</name>"
      "<os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'memory'" },
    { "bad uuid", "<domain type='kvm'><name>x</name><uuid>1234</uuid>"
      "<memory>1</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "uuid" },
    { "zero vcpus", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<vcpu>0</vcpu><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "vcpu" },
    { "missing os", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "</domain>", false, false, 0, VIR_ERR_XML_ERROR, "'os'" },
    { "bad lifecycle action", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type></os><on_crash>explode</on_crash></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'on_crash'" },
    { "duplicate name element", "<domain type='kvm'><name>x</name><name>y</name>"
      "<memory>1</memory><os><type>hvm</type></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'name'" },
    { "duplicate targets", DISK(VDA) DISK(VDA), true, false, 0,
      VIR_ERR_XML_ERROR, "'vda'" },
    { "missing target", DISK("<source file='/i/a.qcow2'/>"), true, false, 0,
      VIR_ERR_NO_TARGET, "'target'" },
    { "target without dev", DISK("<target bus='virtio'/>"), true, false, 0,
      VIR_ERR_NO_TARGET, "'dev'" },
    { "unknown bus", DISK("<target dev='vda' bus='pcie'/>"), true, false, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'pcie'" },
    { "unknown format", DISK("<driver name='qemu' type='qcow3'/>" VDA), true,
      false, 0, VIR_ERR_XML_ERROR, "'qcow3'" },
    { "relative kernel", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><kernel>boot/vmlinuz</kernel></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'kernel'" },
    { "empty initrd", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><kernel>/k</kernel><initrd/></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "'initrd'" },
    { "kernel twice", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><kernel>/a</kernel><kernel>/b</kernel></os></domain>",
      false, false, 0, VIR_ERR_XML_ERROR, "more than once" },
    { "cmdline twice", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><kernel>/a</kernel><cmdline/><cmdline>x</cmdline>"
      "</os></domain>", false, false, 0, VIR_ERR_XML_ERROR, "'cmdline'" },
    { "file serial without path", "<serial type='file'><target port='0'/></serial>",
      true, false, 0, VIR_ERR_XML_ERROR, "'path'" },
    { "file console with relative path", "<console type='file'>"
      "<source path='console.log'/></console>", true, false, 0,
      VIR_ERR_XML_ERROR, "'console'" },
    { "serial log without file", "<serial type='pty'><log append='on'/></serial>",
      true, false, 0, VIR_ERR_XML_ERROR, "'log'" },
    { "serial append not on/off", "<serial type='file'><source path='/l' "
      "append='yes'/></serial>", true, false, 0, VIR_ERR_XML_ERROR, "'yes'" },
    { "schema: relative kernel", "<domain type='kvm'><name>x</name>"
      "<memory>1</memory><os><type>hvm</type><kernel>vmlinuz</kernel></os>"
      "</domain>", false, false, VIR_DOMAIN_DEF_PARSE_VALIDATE,
      VIR_ERR_XML_INVALID_SCHEMA, NULL },
    { "schema: name with slash", "<domain type='kvm'><name>a/b</name>"
      "<memory>1</memory><os><type>hvm</type></os></domain>", false, false,
      VIR_DOMAIN_DEF_PARSE_VALIDATE, VIR_ERR_XML_INVALID_SCHEMA, NULL },
    { "schema: bad bus", DISK("<target dev='vda' bus='pcie'/>"), true, false,
      VIR_DOMAIN_DEF_PARSE_VALIDATE, VIR_ERR_XML_INVALID_SCHEMA, NULL },

    /* parsed, but not runnable */
    { "ide bus", DISK("<source file='/i/a.qcow2'/><target dev='hda' bus='ide'/>"),
      true, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'ide'" },
    { "usb bus", DISK("<source file='/i/a.qcow2'/><target dev='sda' bus='usb'/>"),
      true, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'target'" },
    { "network disk", "<disk type='network' device='disk'>"
      "<source protocol='nbd' name='e'><host name='h' port='10809'/></source>"
      "<target dev='vda' bus='virtio'/></disk>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'network'" },
    { "vmdk format", DISK("<driver name='qemu' type='vmdk'/>" VDA), true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'vmdk'" },
    { "vmdk backing image", DISK("<driver type='qcow2'/><source file='/i/a'/>"
      "<backingStore type='file'><format type='vmdk'/><source file='/i/b'/>"
      "</backingStore><target dev='vda' bus='virtio'/>"), true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'vmdk'" },
    { "floppy", "<disk type='file' device='floppy'><source file='/i/f.img'/>"
      "<target dev='fda' bus='fdc'/></disk>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'floppy'" },
    { "disk without source", DISK("<target dev='vda' bus='virtio'/>"), true, true,
      0, VIR_ERR_CONFIG_UNSUPPORTED, "'source'" },
    { "hostdev", "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
      "<address domain='0x0000' bus='0x06' slot='0x02' function='0x0'/>"
      "</source></hostdev>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'hostdev'" },
    { "filesystem", "<filesystem type='mount'><source dir='/srv'/>"
      "<target dir='srv'/></filesystem>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'filesystem'" },
    { "bridge interface", "<interface type='bridge'><source bridge='br0'/>"
      "</interface>", true, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'bridge'" },
    { "tcp serial", "<serial type='tcp'><source mode='bind' host='0' "
      "service='4555'/></serial>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'serial'" },
    { "spice channel", "<channel type='spicevmc'><target type='virtio' "
      "name='com.redhat.spice.0'/></channel>", true, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'channel'" },
    { "lsi scsi controller", "<controller type='scsi' model='lsilogic'/>", true,
      true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'lsilogic'" },
    { "domain type none", "<domain type='none'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type></os></domain>", false, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'domain'" },
    { "os type xen", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>xen</type></os></domain>", false, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'xen'" },
    { "memoryBacking", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<memoryBacking><hugepages/></memoryBacking>"
      "<os><type>hvm</type></os></domain>", false, true, 0,
      VIR_ERR_CONFIG_UNSUPPORTED, "'memoryBacking'" },
    { "initrd without kernel", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><initrd>/boot/initrd.img</initrd></os></domain>",
      false, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'kernel'" },
    { "cmdline without kernel", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type><cmdline>console=ttyS0</cmdline></os></domain>",
      false, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'cmdline'" },
    { "preserve on crash", "<domain type='kvm'><name>x</name><memory>1</memory>"
      "<os><type>hvm</type></os><on_crash>preserve</on_crash></domain>",
      false, true, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'on_crash'" },
};

static int
mymain(void)
{
    int ret = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].title, testOne, &cases[i]) < 0)
            ret = -1;
    }
    return ret;
}

VIR_TEST_MAIN(mymain)

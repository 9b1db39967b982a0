/*
 * fuzzregressiontest.c: the findings of the fuzz targets (tests/fuzz/),
 * each kept as a case with the input that showed it
 *
 * Every case goes through the same functions as its fuzz target and
 * states the property the finding broke.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "backup_conf.h"
#include "checkpoint_conf.h"
#include "domain_conf.h"
#include "qemu_backup.h"
#include "qemu_domain.h"
#include "virerror.h"

/* Parse xml with first, format with fflags, parse that with pflags,
 * format again: the same text. */
static int
testDomainRoundTrip(const char *xml, unsigned int first, unsigned int pflags,
                    unsigned int fflags)
{
    g_autoptr(virDomainDef) def = virDomainDefParseString(xml, first);
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;

    if (!def || !(text = virDomainDefFormat(def, fflags)) ||
        !(again = virDomainDefParseString(text, pflags)) ||
        !(text2 = virDomainDefFormat(again, fflags)))
        return -1;
    return virTestCompareStrings(text, text2);
}

/* fuzz-domain-xml: a domain whose config has no <uuid> (written by hand)
 * is saved without one in its status file when it starts; each load of
 * the status file then made up a new random UUID, so a running domain's
 * UUID changed on every call. */
static int
testStatusNoUUID(const void *data G_GNUC_UNUSED)
{
    const char *xml =
        "<domain type='kvm'><name>nouuid</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>";

    return testDomainRoundTrip(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE,
                               VIR_DOMAIN_DEF_PARSE_STATUS,
                               VIR_DOMAIN_DEF_FORMAT_STATUS |
                               VIR_DOMAIN_DEF_FORMAT_SECURE);
}

/* fuzz-domain-xml: text over several lines in a kept element gained
 * indentation at every save (a multi-line <description> grew each time
 * the status file was written); the text must stay what it was. */
static int
testKeptMultilineText(const void *data G_GNUC_UNUSED)
{
    const char *xml =
        "<domain type='qemu'><name>text</name><memory>65536</memory>"
        "<description>first line\n\n  third line, indented\n</description>"
        "<os><type>hvm</type></os><devices>"
        "<interface type='user'>\n    model type='virtio'/>\n    </interface>"
        "</devices></domain>";
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *text = NULL;

    if (testDomainRoundTrip(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_FORMAT_INACTIVE) < 0 ||
        testDomainRoundTrip(xml, 0, VIR_DOMAIN_DEF_PARSE_STATUS,
                            VIR_DOMAIN_DEF_FORMAT_STATUS) < 0)
        return -1;
    if (!(def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        !(text = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE)))
        return -1;
    if (!strstr(text, "  <description>first line\n\n  third line, indented\n</description>\n")) {
        virTestDiag("description changed:\n%s", text);
        return -1;
    }
    return 0;
}

/* fuzz-domain-xml: a tab or line break in an attribute value (a disk
 * path '/a&#10;b') was written raw and read back as a space: after a
 * restart the domain named another file.  Carriage returns in text came
 * back as line feeds. */
static int
testAttributeWhitespace(const void *data G_GNUC_UNUSED)
{
    const char *xml =
        "<domain type='qemu'><name>ws</name><memory>65536</memory>"
        "<description>cr&#13;lf&#10;tab&#9;end</description>"
        "<os><type>hvm</type></os><devices>"
        "<disk type='file' device='disk'><source file='/a&#10;b&#9;c&#13;d'/>"
        "<target dev='vda' bus='virtio'/></disk>"
        "<interface type='user'><model type='virt&#9;io'/></interface>"
        "</devices></domain>";
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *text = NULL;

    if (testDomainRoundTrip(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_FORMAT_INACTIVE) < 0 ||
        testDomainRoundTrip(xml, 0, VIR_DOMAIN_DEF_PARSE_STATUS,
                            VIR_DOMAIN_DEF_FORMAT_STATUS) < 0)
        return -1;
    if (!(def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        !(text = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE)) ||
        !(again = virDomainDefParseString(text, VIR_DOMAIN_DEF_PARSE_INACTIVE)))
        return -1;
    if (virTestCompareStrings("/a\nb\tc\rd", again->disks[0]->src->path) < 0 ||
        virTestCompareStrings("cr\rlf\ntab\tend", again->description) < 0)
        return -1;
    return 0;
}

/* fuzz-status: the status of a shut-off domain with a backup job loaded
 * with a return value of 1 (success was taken for 0), so its own text
 * did not load back. */
static int
testStatusInactive(const void *data G_GNUC_UNUSED)
{
    static qemuDriver driver = { .root = (char *) "/nonexistent" };
    g_autoptr(qemuDomainObj) obj = qemuDomainObjNew(&driver, "n");
    g_autoptr(qemuDomainObj) again = qemuDomainObjNew(&driver, "n");
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;
    const char *xml =
        "<domstatus active='no' persistent='yes' state='5' reason='0'>\n"
        "  <job async='backup' status='active' flags='0x0' started='1796315272910'>\n"
        "    <disk total='0' processed='0' tempTotal='0' tempUsed='0'/>\n"
        "  </job>\n"
        "</domstatus>\n";

    if (qemuDomainObjParseStatus(obj, xml, "n.xml") != 0 ||
        !(text = qemuDomainObjFormatStatus(obj)) ||
        qemuDomainObjParseStatus(again, text, "n.xml") != 0 ||
        !(text2 = qemuDomainObjFormatStatus(again)))
        return -1;
    return virTestCompareStrings(text, text2);
}

/* fuzz-status: numbers of the status file were stored in narrower
 * fields without a range check (a state of 3886972011 came back as
 * -407995285, then as something else), malformed ones were skipped with
 * an error left set, and the backup's flags were read with strtoul,
 * unchecked.  Each is now a load error naming the value. */
static int
testStatusNumbers(const void *data G_GNUC_UNUSED)
{
    static qemuDriver driver = { .root = (char *) "/nonexistent" };
    const char *domain =
        "<domain type='qemu' id='3'><name>n</name><memory>65536</memory>"
        "<os><type>hvm</type></os></domain>";
    const struct {
        const char *attrs;
        const char *backupFlags;   /* NULL: no backup */
        const char *fragment;      /* NULL: must load and round-trip */
    } cases[] = {
        { "state='1' reason='1' pid='4242' id='3' nextIndex='7'", NULL, NULL },
        { "state='1' id='-1'", NULL, NULL },
        { "state='3886972011' reason='1'", NULL, "value '3886972011' of 'state' is out of range" },
        { "state='8'", NULL, "of 'state' is out of range" },
        { "state='-1'", NULL, "invalid value '-1' for attribute 'state'" },
        { "state='1' reason='2147483648'", NULL, "of 'reason' is out of range" },
        { "state='1' pid='4294967296'", NULL, "of 'pid' is out of range" },
        { "state='1' id='-2'", NULL, "invalid id '-2'" },
        { "state='1' id='2147483648'", NULL, "invalid id '2147483648'" },
        { "state='1' nextIndex='4294967296'", NULL, "of 'nextIndex' is out of range" },
        { "state='1'", "0x10", NULL },
        { "state='1'", "0x1ffffffff", "invalid backup flags '0x1ffffffff'" },
        { "state='1'", "1x", "invalid backup flags '1x'" },
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(qemuDomainObj) obj = qemuDomainObjNew(&driver, "n");
        g_autoptr(qemuDomainObj) again = qemuDomainObjNew(&driver, "n");
        g_autofree char *backup = cases[i].backupFlags ?
            g_strdup_printf("<backups><domainbackup><disks><disk name='vda' backup='yes' "
                            "state='running' type='file'><target file='/b/vda'/></disk>"
                            "</disks></domainbackup></backups>"
                            "<backupState flags='%s' server='no'/>", cases[i].backupFlags) :
            g_strdup("");
        g_autofree char *xml = g_strdup_printf("<domstatus active='yes' persistent='no' %s>%s%s"
                                               "</domstatus>", cases[i].attrs, backup, domain);
        g_autofree char *text = NULL;
        g_autofree char *text2 = NULL;
        int rc = qemuDomainObjParseStatus(obj, xml, "n.xml");

        if (cases[i].fragment) {
            if (rc == 0) {
                virTestDiag("accepted: %s", xml);
                return -1;
            }
            if (virTestCheckError(virTestLastErrorCode(), cases[i].fragment) < 0)
                return -1;
            continue;
        }
        if (rc < 0 || !(text = qemuDomainObjFormatStatus(obj)) ||
            qemuDomainObjParseStatus(again, text, "n.xml") < 0 ||
            !(text2 = qemuDomainObjFormatStatus(again)) ||
            virTestCompareStrings(text, text2) < 0) {
            virTestDiag("case %zu: %s", i, xml);
            return -1;
        }
    }
    return 0;
}

/* fuzz-status: an '&' in a namespace name of kept metadata grew at
 * every save ('&amp;#38;' then '&amp;#38;#38;'): libxml2 keeps it in the
 * name as the reference '&#38;', which was escaped again. */
static int
testNamespaceAmpersand(const void *data G_GNUC_UNUSED)
{
    const char *xml =
        "<domain type='qemu' xmlns:top='urn:a&amp;b'><name>ns</name><memory>65536</memory>"
        "<metadata><app:info xmlns:app='http://example.org/app&amp;x/1.0'>"
        "<app:owner>me</app:owner></app:info></metadata>"
        "<os><type>hvm</type></os></domain>";
    g_autoptr(virDomainDef) def = NULL;
    g_autofree char *text = NULL;

    if (testDomainRoundTrip(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_PARSE_INACTIVE,
                            VIR_DOMAIN_DEF_FORMAT_INACTIVE) < 0 ||
        testDomainRoundTrip(xml, 0, VIR_DOMAIN_DEF_PARSE_STATUS,
                            VIR_DOMAIN_DEF_FORMAT_STATUS) < 0)
        return -1;
    if (!(def = virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE)) ||
        !(text = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE)))
        return -1;
    if (!strstr(text, "xmlns:app='http://example.org/app&#38;x/1.0'")) {
        virTestDiag("namespace changed:\n%s", text);
        return -1;
    }
    return 0;
}

/* fuzz-checkpoint-xml: a checkpoint redefined with creationTime 0 was
 * saved without <creationTime> (0 counted as unset), and its metadata
 * file then failed to load ("creationTime is required on redefine"). */
static int
testCheckpointTimeZero(const void *data G_GNUC_UNUSED)
{
    const unsigned int flags = VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE |
                               VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE;
    g_autoptr(virDomainCheckpointDef) def = virDomainCheckpointDefParseStringAt(
        "<domaincheckpoint><name>epoch</name><creationTime>0</creationTime>"
        "</domaincheckpoint>", 1234, VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE);
    g_autoptr(virDomainCheckpointDef) again = NULL;
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;

    if (!def || !(text = virDomainCheckpointDefFormatInternal(def)) ||
        !(again = virDomainCheckpointDefParseStringAt(text, 1, flags)) ||
        !(text2 = virDomainCheckpointDefFormatInternal(again)))
        return -1;
    if (again->creationTime != 0) {
        virTestDiag("creationTime %lld", again->creationTime);
        return -1;
    }
    return virTestCompareStrings(text, text2);
}

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("status domain without a UUID keeps it", testStatusNoUUID, NULL);
    ret |= virTestRun("multi-line text in kept elements is kept", testKeptMultilineText, NULL);
    ret |= virTestRun("status numbers out of range refused", testStatusNumbers, NULL);
    ret |= virTestRun("status of a shut-off domain with a job loads back", testStatusInactive, NULL);
    ret |= virTestRun("tabs and line breaks in values are kept", testAttributeWhitespace, NULL);
    ret |= virTestRun("checkpoint created at time 0 loads back", testCheckpointTimeZero, NULL);
    ret |= virTestRun("'&' in a namespace name is kept", testNamespaceAmpersand, NULL);
    return ret;
}

VIR_TEST_MAIN(mymain)

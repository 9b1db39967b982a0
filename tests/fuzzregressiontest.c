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

static int
mymain(void)
{
    int ret = 0;

    ret |= virTestRun("status domain without a UUID keeps it", testStatusNoUUID, NULL);
    ret |= virTestRun("multi-line text in kept elements is kept", testKeptMultilineText, NULL);
    return ret;
}

VIR_TEST_MAIN(mymain)

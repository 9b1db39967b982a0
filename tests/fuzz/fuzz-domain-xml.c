/*
 * fuzz-domain-xml.c: the <domain> parser, and the QEMU command line built
 * from what it accepts
 *
 * A definition that parses must format as a config file and as a status
 * file, and each must load back to the same text.  When it is runnable,
 * aliases, node names and the command line are built from it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzutils.h"
#include "domain_conf.h"
#include "qemu_command.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format with fflags, parse with pflags, format again: same text. */
static void
fuzzRoundTrip(const virDomainDef *def, unsigned int fflags, unsigned int pflags)
{
    g_autoptr(virDomainDef) again = NULL;
    g_autofree char *text = virDomainDefFormat(def, fflags);
    g_autofree char *text2 = NULL;

    FUZZ_CHECK(text, "format 0x%x failed: %s", fflags, virGetLastErrorMessage());
    again = virDomainDefParseString(text, pflags);
    FUZZ_CHECK(again, "format 0x%x does not load: %s\n%s", fflags,
               virGetLastErrorMessage(), text);
    text2 = virDomainDefFormat(again, fflags);
    FUZZ_CHECK(text2 && g_str_equal(text, text2),
               "format 0x%x changes on load:\n%s\n---\n%s", fflags, text,
               text2 ? text2 : virGetLastErrorMessage());
}

static void
fuzzCommandLine(virDomainDef *def)
{
    qemuCommandParams params = {
        .qmpSocket = "/run/fuzz,x.qmp",
        .pidfile = "/run/fuzz.pid",
    };
    unsigned int nextIndex = 1;
    g_auto(GStrv) argv = NULL;

    if (virDomainDefValidateRunnable(def) < 0 || qemuValidateDomainDef(def) < 0 ||
        qemuAssignDeviceAliases(def) < 0)
        return;
    qemuAssignNodeNames(def, &nextIndex);
    argv = qemuBuildCommandLine(def, &params);
    FUZZ_CHECK(argv && argv[0], "no command line");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int flagsets[] = {
        VIR_DOMAIN_DEF_PARSE_INACTIVE,
        VIR_DOMAIN_DEF_PARSE_STATUS,
        VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_VALIDATE,
    };
    g_autofree char *xml = fuzzInputString(data, size);
    size_t i;

    fuzzInit();
    if (!xml)
        return 0;
    for (i = 0; i < G_N_ELEMENTS(flagsets); i++) {
        g_autoptr(virDomainDef) def = virDomainDefParseString(xml, flagsets[i]);
        g_autofree char *user = NULL;

        if (!def)
            continue;
        fuzzRoundTrip(def, VIR_DOMAIN_DEF_FORMAT_INACTIVE | VIR_DOMAIN_DEF_FORMAT_SECURE,
                      VIR_DOMAIN_DEF_PARSE_INACTIVE);
        fuzzRoundTrip(def, VIR_DOMAIN_DEF_FORMAT_STATUS | VIR_DOMAIN_DEF_FORMAT_SECURE,
                      VIR_DOMAIN_DEF_PARSE_STATUS);
        user = virDomainDefFormat(def, 0);
        FUZZ_CHECK(user, "user format failed: %s", virGetLastErrorMessage());
        fuzzCommandLine(def);
    }
    return 0;
}

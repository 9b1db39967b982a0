/*
 * fuzz-backup-xml.c: the <domainbackup> parser
 *
 * The user's flavour (schema-validated) and the status-file flavour.
 * What the user's flavour accepts must format, and that text
 * (backup-dumpxml) must be accepted again as input; what the status
 * flavour accepts must load back to the same text (a running backup
 * recorded by one process is read by the next).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzutils.h"
#include "backup_conf.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int flagsets[] = { 0, VIR_DOMAIN_BACKUP_PARSE_INTERNAL };
    g_autofree char *xml = fuzzInputString(data, size);
    size_t i;

    fuzzInit();
    if (!xml)
        return 0;
    for (i = 0; i < G_N_ELEMENTS(flagsets); i++) {
        g_autoptr(virDomainBackupDef) def = NULL;
        g_autoptr(virDomainBackupDef) again = NULL;
        g_autofree char *status = NULL;
        g_autofree char *status2 = NULL;
        g_autofree char *external = NULL;

        if (!(def = virDomainBackupDefParseString(xml, flagsets[i])))
            continue;
        external = virDomainBackupDefFormatString(def, false);
        FUZZ_CHECK(external, "flags 0x%x: format failed: %s", flagsets[i],
                   virGetLastErrorMessage());
        if (flagsets[i] == 0) {
            /* what backup-dumpxml shows is valid input again */
            again = virDomainBackupDefParseString(external, 0);
            FUZZ_CHECK(again, "dumpxml output refused as input: %s\n%s",
                       virGetLastErrorMessage(), external);
            continue;
        }
        /* the status flavour loads back to the same text */
        status = virDomainBackupDefFormatString(def, true);
        FUZZ_CHECK(status, "status format failed: %s", virGetLastErrorMessage());
        again = virDomainBackupDefParseString(status, VIR_DOMAIN_BACKUP_PARSE_INTERNAL);
        FUZZ_CHECK(again, "status does not load: %s\n%s",
                   virGetLastErrorMessage(), status);
        status2 = virDomainBackupDefFormatString(again, true);
        FUZZ_CHECK(status2 && g_str_equal(status, status2),
                   "status changes on load:\n%s\n---\n%s",
                   status, status2 ? status2 : virGetLastErrorMessage());
    }
    return 0;
}

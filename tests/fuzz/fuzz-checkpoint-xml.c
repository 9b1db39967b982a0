/*
 * fuzz-checkpoint-xml.c: the <domaincheckpoint> parser
 *
 * Every flavour the driver parses (user input, redefinition, its own
 * metadata files with and without the embedded domain parsed).  What is
 * accepted must format as a metadata file, and that file must load back
 * (as the driver loads it) to the same text: a checkpoint Fleece saved
 * must never become unreadable or change on the next load.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdbool.h>

#include "fuzzutils.h"
#include "checkpoint_conf.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define METADATA_FLAGS (VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE | \
                        VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned int flagsets[] = {
        0,
        VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE,
        METADATA_FLAGS,
        METADATA_FLAGS | VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN,
    };
    g_autofree char *xml = fuzzInputString(data, size);
    size_t i;

    fuzzInit();
    if (!xml)
        return 0;
    for (i = 0; i < G_N_ELEMENTS(flagsets); i++) {
        g_autoptr(virDomainCheckpointDef) def = NULL;
        g_autoptr(virDomainCheckpointDef) again = NULL;
        g_autofree char *text = NULL;
        g_autofree char *text2 = NULL;
        g_autofree char *user = NULL;

        if (!(def = virDomainCheckpointDefParseStringAt(xml, 1234567890, flagsets[i])))
            continue;
        /* with LAZY_DOMAIN the embedded domain is parsed only when
         * formatted: a broken one is an error then, reported like any
         * other */
        bool lazy = flagsets[i] & VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN;

        user = virDomainCheckpointDefFormat(def, VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE);
        FUZZ_CHECK(user || (lazy && virGetLastErrorCode() != VIR_ERR_OK),
                   "flags 0x%x: user format failed: %s", flagsets[i],
                   virGetLastErrorMessage());
        text = virDomainCheckpointDefFormatInternal(def);
        if (!text && lazy && virGetLastErrorCode() != VIR_ERR_OK)
            continue;
        FUZZ_CHECK(text, "flags 0x%x: metadata format failed: %s", flagsets[i],
                   virGetLastErrorMessage());
        again = virDomainCheckpointDefParseStringAt(text, 1, METADATA_FLAGS);
        FUZZ_CHECK(again, "flags 0x%x: metadata does not load: %s\n%s", flagsets[i],
                   virGetLastErrorMessage(), text);
        text2 = virDomainCheckpointDefFormatInternal(again);
        FUZZ_CHECK(text2 && g_str_equal(text, text2),
                   "flags 0x%x: metadata changes on load:\n%s\n---\n%s", flagsets[i],
                   text, text2 ? text2 : virGetLastErrorMessage());
    }
    return 0;
}

/*
 * fuzz-status.c: the status file loader (ROOT/run/NAME.xml)
 *
 * The status file is how one Fleece process tells the next about a
 * running domain and its backup job.  Whatever the loader accepts must
 * format again, and that text must load back to the same text: state
 * that changes or becomes unreadable between processes is state lost.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "fuzzutils.h"
#include "qemu_backup.h"
#include "qemu_domain.h"
#include "virerror.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static qemuDriver driver = { .root = (char *) "/nonexistent-fuzz-root" };
    g_autofree char *xml = fuzzInputString(data, size);
    g_autoptr(qemuDomainObj) obj = NULL;
    g_autoptr(qemuDomainObj) again = NULL;
    g_autofree char *text = NULL;
    g_autofree char *text2 = NULL;

    fuzzInit();
    if (!xml)
        return 0;
    obj = qemuDomainObjNew(&driver, "fuzz");
    if (qemuDomainObjParseStatus(obj, xml, "fuzz.xml") < 0)
        return 0;
    text = qemuDomainObjFormatStatus(obj);
    FUZZ_CHECK(text, "status format failed: %s", virGetLastErrorMessage());
    again = qemuDomainObjNew(&driver, "fuzz");
    FUZZ_CHECK(qemuDomainObjParseStatus(again, text, "fuzz.xml") == 0,
               "status does not load: %s\n%s", virGetLastErrorMessage(), text);
    text2 = qemuDomainObjFormatStatus(again);
    FUZZ_CHECK(text2 && g_str_equal(text, text2),
               "status changes on load:\n%s\n---\n%s", text,
               text2 ? text2 : virGetLastErrorMessage());
    return 0;
}

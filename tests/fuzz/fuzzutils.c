/*
 * fuzzutils.c: what the libFuzzer targets share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "fuzzutils.h"
#include "virerror.h"

char *
fuzzInputString(const uint8_t *data, size_t size)
{
    if (memchr(data, '\0', size))
        return NULL;
    return g_strndup((const char *) data, size);
}

void
fuzzInit(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        g_setenv("FLEECE_SCHEMA_DIR", FUZZ_SCHEMA_DIR, TRUE);
        g_unsetenv("FLEECE_DEBUG");
        g_once_init_leave(&done, 1);
    }
    virResetLastError();
}

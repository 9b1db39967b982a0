/*
 * virstring.h: small string helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* A printable stand-in for a NULL string in messages. */
#define NULLSTR(s) ((s) ? (s) : "<null>")
/* Empty string for NULL. */
#define NULLSTR_EMPTY(s) ((s) ? (s) : "")

/* A value for a QEMU option list (key=value,...): commas are doubled.
 * Caller frees. */
static inline char *
virQEMUEscapeComma(const char *value)
{
    g_auto(GStrv) parts = g_strsplit(value, ",", -1);

    return g_strjoinv(",,", parts);
}

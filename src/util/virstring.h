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

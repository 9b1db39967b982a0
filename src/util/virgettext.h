/*
 * virgettext.h: marking of user-visible messages for translation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <libintl.h>

#define GETTEXT_PACKAGE_FLEECE "fleece"
#define _(str) dgettext(GETTEXT_PACKAGE_FLEECE, str)
#define N_(str) str

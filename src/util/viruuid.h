/*
 * viruuid.h: UUIDs as 16 raw bytes and as 36-character strings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#define VIR_UUID_BUFLEN 16
#define VIR_UUID_STRING_BUFLEN 37

void virUUIDGenerate(unsigned char *uuid);
/* Accepts the dashed form and 32 hex digits; -1 if invalid (no error set). */
int virUUIDParse(const char *uuidstr, unsigned char *uuid);
char *virUUIDFormat(const unsigned char *uuid, char *uuidstr);

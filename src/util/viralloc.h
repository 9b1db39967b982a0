/*
 * viralloc.h: small helpers on top of GLib allocation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

/* Append elem to the heap array arr of count elements (count grows). */
#define VIR_APPEND_ELEMENT_PTR(arr, count, elem) \
    do { \
        (arr) = g_renew(__typeof__(*(arr)), (arr), (count) + 1); \
        (arr)[(count)++] = (elem); \
    } while (0)

/* Explicitly drop a result (e.g. of a cleanup step that may fail). */
#define ignore_value(x) ((void)(x))

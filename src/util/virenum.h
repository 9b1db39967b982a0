/*
 * virenum.h: tables that map enum values to the strings of XML and QMP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

const char *virEnumToString(const char *const *types, unsigned int ntypes,
                            int type);
int virEnumFromString(const char *const *types, unsigned int ntypes,
                      const char *type);

/* VIR_ENUM_IMPL(virFoo, VIR_FOO_LAST, "a", "b", ...) defines
 * virFooTypeToString() and virFooTypeFromString(); the compiler checks
 * that the table has exactly one string per value. */
#define VIR_ENUM_IMPL(name, lastVal, ...) \
    static const char *const name ## TypeList[] = { __VA_ARGS__ }; \
    const char *name ## TypeToString(int type) \
    { \
        return virEnumToString(name ## TypeList, \
                               G_N_ELEMENTS(name ## TypeList), type); \
    } \
    int name ## TypeFromString(const char *type) \
    { \
        return virEnumFromString(name ## TypeList, \
                                 G_N_ELEMENTS(name ## TypeList), type); \
    } \
    G_STATIC_ASSERT(G_N_ELEMENTS(name ## TypeList) == lastVal)

#define VIR_ENUM_DECL(name) \
    const char *name ## TypeToString(int type); \
    int name ## TypeFromString(const char *type)

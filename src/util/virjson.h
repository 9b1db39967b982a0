/*
 * virjson.h: json-c helpers (parsing with errors, typed lookups)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <json-c/json.h>

typedef struct json_object virJSONValue;

static inline void
virJSONValueFree(virJSONValue *v)
{
    if (v)
        json_object_put(v);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virJSONValue, virJSONValueFree);

/* Parse a complete JSON text; VIR_ERR_INTERNAL_ERROR if malformed. */
virJSONValue *virJSONValueFromString(const char *str);
/* Compact text (no whitespace), caller frees. */
char *virJSONValueToString(virJSONValue *v, bool pretty);

virJSONValue *virJSONValueObjectGet(virJSONValue *obj, const char *key);
const char *virJSONValueObjectGetString(virJSONValue *obj, const char *key);
int virJSONValueObjectGetNumberULong(virJSONValue *obj, const char *key,
                                     unsigned long long *value);
int virJSONValueObjectGetBoolean(virJSONValue *obj, const char *key,
                                 bool *value);

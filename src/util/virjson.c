/*
 * virjson.c: json-c helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "virjson.h"
#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_NONE

virJSONValue *
virJSONValueFromString(const char *str)
{
    struct json_tokener *tok = json_tokener_new();
    virJSONValue *v;
    enum json_tokener_error jerr;
    size_t len = str ? strlen(str) : 0;

    v = json_tokener_parse_ex(tok, str ? str : "", len);
    jerr = json_tokener_get_error(tok);
    if (!v || jerr != json_tokener_success ||
        json_tokener_get_parse_end(tok) < len) {
        virReportError(VIR_ERR_INTERNAL_ERROR, _("cannot parse JSON '%s': %s"),
                       str ? str : "",
                       jerr != json_tokener_success ?
                       json_tokener_error_desc(jerr) : _("trailing data"));
        virJSONValueFree(v);
        json_tokener_free(tok);
        return NULL;
    }
    json_tokener_free(tok);
    return v;
}

char *
virJSONValueToString(virJSONValue *v, bool pretty)
{
    int fl = pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                    : JSON_C_TO_STRING_PLAIN;

    return g_strdup(json_object_to_json_string_ext(v, fl | JSON_C_TO_STRING_NOSLASHESCAPE));
}

virJSONValue *
virJSONValueObjectGet(virJSONValue *obj, const char *key)
{
    virJSONValue *v = NULL;

    if (!obj || !json_object_is_type(obj, json_type_object))
        return NULL;
    if (!json_object_object_get_ex(obj, key, &v))
        return NULL;
    return v;
}

const char *
virJSONValueObjectGetString(virJSONValue *obj, const char *key)
{
    virJSONValue *v = virJSONValueObjectGet(obj, key);

    if (!v || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

int
virJSONValueObjectGetNumberULong(virJSONValue *obj, const char *key,
                                 unsigned long long *value)
{
    virJSONValue *v = virJSONValueObjectGet(obj, key);

    if (!v || !json_object_is_type(v, json_type_int))
        return -1;
    *value = json_object_get_uint64(v);
    return 0;
}

int
virJSONValueObjectGetBoolean(virJSONValue *obj, const char *key, bool *value)
{
    virJSONValue *v = virJSONValueObjectGet(obj, key);

    if (!v || !json_object_is_type(v, json_type_boolean))
        return -1;
    *value = json_object_get_boolean(v);
    return 0;
}

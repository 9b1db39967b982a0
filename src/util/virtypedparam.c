/*
 * virtypedparam.c: looking up, adding and freeing typed parameters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virtypedparam.h"
#include "virenum.h"
#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_NONE

/* Index 0 is unused: the public values start at 1. */
typedef enum {
    VIR_TYPED_PARAM_NAME_NONE,
    VIR_TYPED_PARAM_NAME_INT,
    VIR_TYPED_PARAM_NAME_UINT,
    VIR_TYPED_PARAM_NAME_LLONG,
    VIR_TYPED_PARAM_NAME_ULLONG,
    VIR_TYPED_PARAM_NAME_DOUBLE,
    VIR_TYPED_PARAM_NAME_BOOLEAN,
    VIR_TYPED_PARAM_NAME_STRING,
    VIR_TYPED_PARAM_NAME_LAST
} virTypedParameterTypeName;

VIR_ENUM_DECL(virTypedParameterTypeName);
VIR_ENUM_IMPL(virTypedParameterTypeName, VIR_TYPED_PARAM_NAME_LAST,
              "none", "int", "uint", "llong", "ullong", "double",
              "boolean", "string");

const char *
virTypedParameterTypeToString(int type)
{
    if (type <= VIR_TYPED_PARAM_NAME_NONE)
        return NULL;
    return virTypedParameterTypeNameTypeToString(type);
}

virTypedParameterPtr
virTypedParamsGet(virTypedParameterPtr params, int nparams, const char *name)
{
    int i;

    virResetLastError();
    if (!params || !name)
        return NULL;
    for (i = 0; i < nparams; i++) {
        if (strcmp(params[i].field, name) == 0)
            return &params[i];
    }
    return NULL;
}

/* Find @name expecting @type: 1 found, 0 absent, -1 wrong type or bad
 * arguments (reported). */
static int
virTypedParamsLookup(virTypedParameterPtr params, int nparams,
                     const char *name, int type, const void *value,
                     virTypedParameterPtr *found)
{
    virTypedParameterPtr param;

    virResetLastError();
    virCheckNonNullArgReturn(name, -1);
    virCheckNonNullArgReturn(value, -1);
    *found = NULL;
    if (!(param = virTypedParamsGet(params, nparams, name)))
        return 0;
    if (param->type != type) {
        const char *actual = virTypedParameterTypeToString(param->type);

        virReportError(VIR_ERR_INVALID_ARG,
                       _("parameter '%s' has type '%s', not '%s'"), name,
                       actual ? actual : "?",
                       virTypedParameterTypeToString(type));
        return -1;
    }
    *found = param;
    return 1;
}

#define VIR_TYPED_PARAMS_GET(func, ctype, ptype, member) \
    int \
    func(virTypedParameterPtr params, int nparams, const char *name, \
         ctype *value) \
    { \
        virTypedParameterPtr param; \
        int rc = virTypedParamsLookup(params, nparams, name, ptype, value, \
                                      &param); \
        if (rc == 1) \
            *value = param->value.member; \
        return rc; \
    }

VIR_TYPED_PARAMS_GET(virTypedParamsGetInt, int, VIR_TYPED_PARAM_INT, i)
VIR_TYPED_PARAMS_GET(virTypedParamsGetUInt, unsigned int,
                     VIR_TYPED_PARAM_UINT, ui)
VIR_TYPED_PARAMS_GET(virTypedParamsGetLLong, long long,
                     VIR_TYPED_PARAM_LLONG, l)
VIR_TYPED_PARAMS_GET(virTypedParamsGetULLong, unsigned long long,
                     VIR_TYPED_PARAM_ULLONG, ul)
VIR_TYPED_PARAMS_GET(virTypedParamsGetDouble, double,
                     VIR_TYPED_PARAM_DOUBLE, d)
VIR_TYPED_PARAMS_GET(virTypedParamsGetString, const char *,
                     VIR_TYPED_PARAM_STRING, s)

int
virTypedParamsGetBoolean(virTypedParameterPtr params, int nparams,
                         const char *name, int *value)
{
    virTypedParameterPtr param;
    int rc = virTypedParamsLookup(params, nparams, name,
                                  VIR_TYPED_PARAM_BOOLEAN, value, &param);

    if (rc == 1)
        *value = !!param->value.b;
    return rc;
}

/* Make room for one more parameter named @name and return it, with
 * field and type set; NULL (reported) on bad arguments. */
static virTypedParameterPtr
virTypedParamsAppend(virTypedParameterPtr *params, int *nparams,
                     int *maxparams, const char *name, int type)
{
    virTypedParameterPtr param;

    virResetLastError();
    virCheckNonNullArgReturn(params, NULL);
    virCheckNonNullArgReturn(nparams, NULL);
    virCheckNonNullArgReturn(maxparams, NULL);
    virCheckNonNullArgReturn(name, NULL);
    if (strlen(name) >= VIR_TYPED_PARAM_FIELD_LENGTH) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("parameter name '%s' too long"), name);
        return NULL;
    }
    if (*nparams < 0 || (*nparams > 0 && !*params) ||
        *maxparams < *nparams) {
        virReportError(VIR_ERR_INVALID_ARG, "%s",
                       _("inconsistent parameter array"));
        return NULL;
    }
    if (*nparams == *maxparams) {
        int grown = *maxparams ? *maxparams * 2 : 8;

        *params = g_renew(virTypedParameter, *params, grown);
        memset(*params + *maxparams, 0,
               sizeof(virTypedParameter) * (grown - *maxparams));
        *maxparams = grown;
    }
    param = *params + *nparams;
    memset(param, 0, sizeof(*param));
    g_strlcpy(param->field, name, VIR_TYPED_PARAM_FIELD_LENGTH);
    param->type = type;
    (*nparams)++;
    return param;
}

#define VIR_TYPED_PARAMS_ADD(func, ctype, ptype, member) \
    int \
    func(virTypedParameterPtr *params, int *nparams, int *maxparams, \
         const char *name, ctype value) \
    { \
        virTypedParameterPtr param = virTypedParamsAppend(params, nparams, \
                                                          maxparams, name, \
                                                          ptype); \
        if (!param) \
            return -1; \
        param->value.member = value; \
        return 0; \
    }

VIR_TYPED_PARAMS_ADD(virTypedParamsAddInt, int, VIR_TYPED_PARAM_INT, i)
VIR_TYPED_PARAMS_ADD(virTypedParamsAddUInt, unsigned int,
                     VIR_TYPED_PARAM_UINT, ui)
VIR_TYPED_PARAMS_ADD(virTypedParamsAddLLong, long long,
                     VIR_TYPED_PARAM_LLONG, l)
VIR_TYPED_PARAMS_ADD(virTypedParamsAddULLong, unsigned long long,
                     VIR_TYPED_PARAM_ULLONG, ul)
VIR_TYPED_PARAMS_ADD(virTypedParamsAddDouble, double,
                     VIR_TYPED_PARAM_DOUBLE, d)

int
virTypedParamsAddBoolean(virTypedParameterPtr *params, int *nparams,
                         int *maxparams, const char *name, int value)
{
    virTypedParameterPtr param = virTypedParamsAppend(params, nparams,
                                                      maxparams, name,
                                                      VIR_TYPED_PARAM_BOOLEAN);

    if (!param)
        return -1;
    param->value.b = !!value;
    return 0;
}

int
virTypedParamsAddString(virTypedParameterPtr *params, int *nparams,
                        int *maxparams, const char *name, const char *value)
{
    virTypedParameterPtr param;

    virResetLastError();
    virCheckNonNullArgReturn(value, -1);
    if (!(param = virTypedParamsAppend(params, nparams, maxparams, name,
                                       VIR_TYPED_PARAM_STRING)))
        return -1;
    param->value.s = g_strdup(value);
    return 0;
}

void
virTypedParamsClear(virTypedParameterPtr params, int nparams)
{
    int i;

    if (!params)
        return;
    for (i = 0; i < nparams; i++) {
        if (params[i].type == VIR_TYPED_PARAM_STRING)
            g_clear_pointer(&params[i].value.s, g_free);
    }
}

void
virTypedParamsFree(virTypedParameterPtr params, int nparams)
{
    virTypedParamsClear(params, nparams);
    g_free(params);
}

int
virTypedParamsCopy(virTypedParameter **dst, const virTypedParameter *src,
                   int nparams)
{
    int i;

    *dst = NULL;
    if (!src || nparams <= 0)
        return 0;
    *dst = g_new0(virTypedParameter, nparams);
    memcpy(*dst, src, sizeof(*src) * nparams);
    for (i = 0; i < nparams; i++) {
        if (src[i].type == VIR_TYPED_PARAM_STRING)
            (*dst)[i].value.s = g_strdup(src[i].value.s);
    }
    return 0;
}

/*
 * virtypedparam.h: arrays of named, typed values (virTypedParameter)
 *
 * The public virTypedParams* functions are declared in
 * libvirt/libvirt-host.h; this header adds what the library itself uses.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "libvirt/libvirt-host.h"

/* Deep copy of @nparams parameters into a new array *@dst (NULL when
 * @nparams is 0).  Returns 0. */
int virTypedParamsCopy(virTypedParameter **dst,
                       const virTypedParameter *src, int nparams);

/* The name of a virTypedParameterType, for messages ("int", "string"…),
 * or NULL for an unknown value. */
const char *virTypedParameterTypeToString(int type);

/*
 * libvirt.c: library-wide public entry points
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "virerror.h"

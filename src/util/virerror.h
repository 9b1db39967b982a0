/*
 * virerror.h: recording errors in the per-thread last-error slot
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdarg.h>

#include "libvirt/virterror.h"
#include "virgettext.h"

void virErrorInitialize(void);

void virReportErrorFull(int domain, int code, const char *filename,
                        const char *funcname, size_t linenr,
                        const char *fmt, ...) G_GNUC_PRINTF(6, 7);
void virReportSystemErrorFull(int domain, int errnum, const char *filename,
                              const char *funcname, size_t linenr,
                              const char *fmt, ...) G_GNUC_PRINTF(6, 7);

/* Each .c file that reports defines VIR_FROM_THIS to its error domain. */
#define virReportError(code, ...) \
    virReportErrorFull(VIR_FROM_THIS, code, __FILE__, __func__, __LINE__, \
                       __VA_ARGS__)
#define virReportSystemError(errnum, ...) \
    virReportSystemErrorFull(VIR_FROM_THIS, errnum, __FILE__, __func__, \
                             __LINE__, __VA_ARGS__)

/* Argument checks used by the public entry points. */
#define virReportInvalidArg(argname, fmt, ...) \
    virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_ARG, __FILE__, \
                       __func__, __LINE__, fmt, __VA_ARGS__)

#define virCheckFlags(supported, retval) \
    do { \
        unsigned long _unsupp = (flags) & ~((unsigned long)(supported)); \
        if (_unsupp) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_ARG, __FILE__, \
                               __func__, __LINE__, \
                               _("unsupported flags (0x%lx) in function %s"), \
                               _unsupp, __func__); \
            return retval; \
        } \
    } while (0)

#define virCheckNonNullArgReturn(argname, retval) \
    do { \
        if (!(argname)) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_INVALID_ARG, __FILE__, \
                               __func__, __LINE__, \
                               _("%s in %s must not be NULL"), \
                               #argname, __func__); \
            return retval; \
        } \
    } while (0)

#define virCheckReadOnlyReturn(readonly, retval) \
    do { \
        if (readonly) { \
            virReportErrorFull(VIR_FROM_THIS, VIR_ERR_OPERATION_DENIED, \
                               __FILE__, __func__, __LINE__, \
                               _("read only access prevents %s"), __func__); \
            return retval; \
        } \
    } while (0)

/* Record @err (code, domain, message, ...) as the thread's last error as
 * it is, without adding a prefix: an error that a peer reported and sent
 * over a connection. */
void virErrorSetFromPeer(const virError *err);

/* Rollback that may itself fail keeps the first error: save it before,
 * restore it after. */
void virErrorPreserveLast(virErrorPtr *saveerr);
void virErrorRestore(virErrorPtr *savederr);

/* The generic phrase libvirt prints in front of a message of that code. */
const char *virErrorMsgPrefix(int code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virError, virFreeError);

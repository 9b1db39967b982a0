/*
 * virerror.c: the per-thread last error and how errors are reported
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <stdio.h>

#include "virerror.h"
#include "virgettext.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("util.error");

static GPrivate virLastErr = G_PRIVATE_INIT((GDestroyNotify) virFreeError);

static GMutex virErrorFuncLock;
static virErrorFunc virErrorHandler;
static void *virUserData;

void
virErrorInitialize(void)
{
    /* GPrivate needs no set-up; kept as the place for future init. */
}

/* The thread's error slot, created on first use. */
static virErrorPtr
virLastErrorObject(void)
{
    virErrorPtr err = g_private_get(&virLastErr);

    if (!err) {
        err = g_new0(virError, 1);
        g_private_set(&virLastErr, err);
    }
    return err;
}

void
virResetError(virErrorPtr err)
{
    if (!err)
        return;
    g_free(err->message);
    g_free(err->str1);
    g_free(err->str2);
    g_free(err->str3);
    memset(err, 0, sizeof(*err));
}

void
virFreeError(virErrorPtr err)
{
    virResetError(err);
    g_free(err);
}

static void
virCopyError(virErrorPtr from, virErrorPtr to)
{
    virResetError(to);
    if (!from)
        return;
    to->code = from->code;
    to->domain = from->domain;
    to->level = from->level;
    to->int1 = from->int1;
    to->int2 = from->int2;
    to->message = g_strdup(from->message);
    to->str1 = g_strdup(from->str1);
    to->str2 = g_strdup(from->str2);
    to->str3 = g_strdup(from->str3);
}

virErrorPtr
virGetLastError(void)
{
    virErrorPtr err = virLastErrorObject();

    if (err->code == VIR_ERR_OK)
        return NULL;
    return err;
}

int
virGetLastErrorCode(void)
{
    virErrorPtr err = g_private_get(&virLastErr);

    return err ? err->code : VIR_ERR_OK;
}

int
virGetLastErrorDomain(void)
{
    virErrorPtr err = g_private_get(&virLastErr);

    return err ? err->domain : VIR_FROM_NONE;
}

const char *
virGetLastErrorMessage(void)
{
    virErrorPtr err = g_private_get(&virLastErr);

    if (!err || err->code == VIR_ERR_OK)
        return _("no error");
    if (!err->message)
        return _("unknown error");
    return err->message;
}

virErrorPtr
virSaveLastError(void)
{
    virErrorPtr to = g_new0(virError, 1);

    virCopyError(virLastErrorObject(), to);
    return to;
}

int
virCopyLastError(virErrorPtr to)
{
    virErrorPtr err = virLastErrorObject();

    if (!to)
        return -1;
    virCopyError(err, to);
    return to->code;
}

void
virResetLastError(void)
{
    virErrorPtr err = g_private_get(&virLastErr);

    virResetError(err);
}

/* Errors are kept per thread, not per connection: the connection
 * variants look at the calling thread's error. */
virErrorPtr
virConnGetLastError(virConnectPtr conn G_GNUC_UNUSED)
{
    return virGetLastError();
}

void
virConnResetLastError(virConnectPtr conn G_GNUC_UNUSED)
{
    virResetLastError();
}

int
virConnCopyLastError(virConnectPtr conn G_GNUC_UNUSED, virErrorPtr to)
{
    return virCopyLastError(to);
}

void
virSetErrorFunc(void *userData, virErrorFunc handler)
{
    g_mutex_lock(&virErrorFuncLock);
    virErrorHandler = handler;
    virUserData = userData;
    g_mutex_unlock(&virErrorFuncLock);
}

void
virConnSetErrorFunc(virConnectPtr conn G_GNUC_UNUSED, void *userData,
                    virErrorFunc handler)
{
    virSetErrorFunc(userData, handler);
}

/* Printing the error is what this public function is for; the library
 * itself never calls it. */
void
virDefaultErrorFunc(virErrorPtr err)
{
    if (!err || err->code == VIR_ERR_OK)
        return;
    fprintf(stderr, "libvirt: error : %s\n",
            err->message ? err->message : _("unknown error"));
}

const char *
virErrorMsgPrefix(int code)
{
    switch ((virErrorNumber) code) {
    case VIR_ERR_INTERNAL_ERROR:
        return _("internal error: %s");
    case VIR_ERR_NO_SUPPORT:
        return _("this function is not supported by the connection driver: %s");
    case VIR_ERR_NO_CONNECT:
        return _("no connection driver available for %s");
    case VIR_ERR_INVALID_CONN:
        return _("invalid connection pointer in %s");
    case VIR_ERR_INVALID_DOMAIN:
        return _("invalid domain pointer in %s");
    case VIR_ERR_INVALID_ARG:
        return _("invalid argument: %s");
    case VIR_ERR_OPERATION_FAILED:
        return _("operation failed: %s");
    case VIR_ERR_XML_ERROR:
        return _("XML error: %s");
    case VIR_ERR_OPERATION_DENIED:
        return _("operation forbidden: %s");
    case VIR_ERR_NO_DOMAIN:
        return _("Domain not found: %s");
    case VIR_ERR_OPERATION_INVALID:
        return _("Requested operation is not valid: %s");
    case VIR_ERR_CONFIG_UNSUPPORTED:
        return _("unsupported configuration: %s");
    case VIR_ERR_OPERATION_TIMEOUT:
        return _("Timed out during operation: %s");
    case VIR_ERR_OPERATION_ABORTED:
        return _("operation aborted: %s");
    case VIR_ERR_OPERATION_UNSUPPORTED:
        return _("Operation not supported: %s");
    case VIR_ERR_ARGUMENT_UNSUPPORTED:
        return _("argument unsupported: %s");
    case VIR_ERR_XML_INVALID_SCHEMA:
        return _("XML document failed to validate against schema: %s");
    case VIR_ERR_INVALID_DOMAIN_CHECKPOINT:
        return _("Invalid domain checkpoint: %s");
    case VIR_ERR_NO_DOMAIN_CHECKPOINT:
        return _("Domain checkpoint not found: %s");
    case VIR_ERR_NO_DOMAIN_SNAPSHOT:
        return _("Domain snapshot not found: %s");
    case VIR_ERR_NO_DOMAIN_BACKUP:
        return _("Domain backup job id not found: %s");
    case VIR_ERR_CHECKPOINT_INCONSISTENT:
        return _("checkpoint inconsistent: %s");
    case VIR_ERR_AGENT_UNRESPONSIVE:
        return _("Guest agent is not responding: %s");
    case VIR_ERR_DOM_EXIST:
        return _("operation failed: %s");
    case VIR_ERR_NO_NAME:
        return _("missing name information in %s");
    case VIR_ERR_RESOURCE_BUSY:
        return _("resource busy: %s");
    default:
        return "%s";
    }
}

/* Store an error in the thread's slot and hand it to the handler. */
static void
virRaiseErrorMsg(int domain, int code, const char *filename,
                 const char *funcname, size_t linenr, const char *detail)
{
    virErrorPtr err = virLastErrorObject();
    int save_errno = errno;
    virErrorFunc handler;
    void *userData;

    virResetError(err);
    err->code = code;
    err->domain = domain;
    err->level = VIR_ERR_ERROR;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    err->message = g_strdup_printf(virErrorMsgPrefix(code), detail);
#pragma GCC diagnostic pop
    err->str1 = g_strdup(detail);

    virLogMessage(VIR_LOG_ERROR, "error", filename, linenr, funcname,
                  "%s", err->message);

    g_mutex_lock(&virErrorFuncLock);
    handler = virErrorHandler;
    userData = virUserData;
    g_mutex_unlock(&virErrorFuncLock);
    if (handler)
        handler(userData, err);
    errno = save_errno;
}

void
virReportErrorFull(int domain, int code, const char *filename,
                   const char *funcname, size_t linenr,
                   const char *fmt, ...)
{
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virRaiseErrorMsg(domain, code, filename, funcname, linenr, detail);
}

void
virReportSystemErrorFull(int domain, int errnum, const char *filename,
                         const char *funcname, size_t linenr,
                         const char *fmt, ...)
{
    g_autofree char *what = NULL;
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    detail = g_strdup_printf("%s: %s", what, g_strerror(errnum));
    virRaiseErrorMsg(domain, VIR_ERR_SYSTEM_ERROR, filename, funcname,
                     linenr, detail);
    virLastErrorObject()->int1 = errnum;
}

void
virErrorSetFromPeer(const virError *from)
{
    virErrorPtr err = virLastErrorObject();
    virErrorFunc handler;
    void *userData;

    virCopyError((virErrorPtr) from, err);
    if (err->code == VIR_ERR_OK)
        err->code = VIR_ERR_INTERNAL_ERROR;
    if (!err->message)
        err->message = g_strdup(_("unknown error"));
    VIR_DEBUG("error from the peer: code=%d domain=%d: %s",
              err->code, err->domain, err->message);

    g_mutex_lock(&virErrorFuncLock);
    handler = virErrorHandler;
    userData = virUserData;
    g_mutex_unlock(&virErrorFuncLock);
    if (handler)
        handler(userData, err);
}

void
virErrorPreserveLast(virErrorPtr *saveerr)
{
    virErrorPtr err = g_private_get(&virLastErr);

    *saveerr = NULL;
    if (err && err->code != VIR_ERR_OK)
        *saveerr = virSaveLastError();
}

void
virErrorRestore(virErrorPtr *savederr)
{
    if (!*savederr)
        return;
    virCopyError(*savederr, virLastErrorObject());
    virFreeError(*savederr);
    *savederr = NULL;
}

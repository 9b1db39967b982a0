/*
 * virnetmessage.c: libvirt's RPC message framing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virnetmessage.h"
#include "virerror.h"

#define VIR_FROM_THIS VIR_FROM_RPC

static const virXDRField virNetMessageErrorNetworkFields[] = {
    VIR_XDR_FIELD_MAX(virNetMessageErrorNetwork, name, VIR_XDR_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD(virNetMessageErrorNetwork, uuid, VIR_XDR_UUID),
};
static const virXDRType virNetMessageErrorNetworkType =
    VIR_XDR_TYPE(virNetMessageErrorNetwork, virNetMessageErrorNetworkFields);

static const virXDRField virNetMessageErrorDomainFields[] = {
    VIR_XDR_FIELD_MAX(virNetMessageErrorDomain, name, VIR_XDR_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD(virNetMessageErrorDomain, uuid, VIR_XDR_UUID),
    VIR_XDR_FIELD(virNetMessageErrorDomain, id, VIR_XDR_INT),
};
static const virXDRType virNetMessageErrorDomainType =
    VIR_XDR_TYPE(virNetMessageErrorDomain, virNetMessageErrorDomainFields);

static const virXDRField virNetMessageErrorFields[] = {
    VIR_XDR_FIELD(virNetMessageError, code, VIR_XDR_INT),
    VIR_XDR_FIELD(virNetMessageError, domain, VIR_XDR_INT),
    VIR_XDR_FIELD_MAX(virNetMessageError, message, VIR_XDR_OPT_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD(virNetMessageError, level, VIR_XDR_INT),
    VIR_XDR_FIELD_SUB(virNetMessageError, dom, VIR_XDR_OPT_STRUCT, 0,
                      &virNetMessageErrorDomainType),
    VIR_XDR_FIELD_MAX(virNetMessageError, str1, VIR_XDR_OPT_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD_MAX(virNetMessageError, str2, VIR_XDR_OPT_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD_MAX(virNetMessageError, str3, VIR_XDR_OPT_STRING,
                      VIR_NET_MESSAGE_STRING_MAX),
    VIR_XDR_FIELD(virNetMessageError, int1, VIR_XDR_INT),
    VIR_XDR_FIELD(virNetMessageError, int2, VIR_XDR_INT),
    VIR_XDR_FIELD_SUB(virNetMessageError, net, VIR_XDR_OPT_STRUCT, 0,
                      &virNetMessageErrorNetworkType),
};
const virXDRType virNetMessageErrorType =
    VIR_XDR_TYPE(virNetMessageError, virNetMessageErrorFields);

virNetMessage *
virNetMessageNew(void)
{
    virNetMessage *msg = g_new0(virNetMessage, 1);

    msg->body = g_byte_array_new();
    return msg;
}

void
virNetMessageFree(virNetMessage *msg)
{
    if (!msg)
        return;
    g_byte_array_unref(msg->body);
    g_free(msg);
}

int
virNetMessageDecodeLength(const char buf[VIR_NET_MESSAGE_LEN_MAX], size_t *rest)
{
    guint32 be;
    guint32 len;

    memcpy(&be, buf, 4);
    len = GUINT32_FROM_BE(be);
    if (len < VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX) {
        virReportError(VIR_ERR_RPC, _("message length %u is too small"), len);
        return -1;
    }
    if (len > VIR_NET_MESSAGE_MAX) {
        virReportError(VIR_ERR_RPC, _("message length %u is more than %u"),
                       len, (unsigned int) VIR_NET_MESSAGE_MAX);
        return -1;
    }
    *rest = len - VIR_NET_MESSAGE_LEN_MAX;
    return 0;
}

static guint32
virNetMessageGetU32(const char *p)
{
    guint32 be;

    memcpy(&be, p, 4);
    return GUINT32_FROM_BE(be);
}

virNetMessage *
virNetMessageDecode(const char *buf, size_t len)
{
    g_autoptr(virNetMessage) msg = NULL;

    if (len < VIR_NET_MESSAGE_HEADER_MAX) {
        virReportError(VIR_ERR_RPC, _("message of %zu bytes has no room for a header"),
                       len);
        return NULL;
    }
    if (len > VIR_NET_MESSAGE_MAX) {
        virReportError(VIR_ERR_RPC, _("message length %zu is more than %u"),
                       len, (unsigned int) VIR_NET_MESSAGE_MAX);
        return NULL;
    }
    msg = virNetMessageNew();
    msg->header.prog = virNetMessageGetU32(buf);
    msg->header.vers = virNetMessageGetU32(buf + 4);
    msg->header.proc = (gint32) virNetMessageGetU32(buf + 8);
    msg->header.type = (gint32) virNetMessageGetU32(buf + 12);
    msg->header.serial = virNetMessageGetU32(buf + 16);
    msg->header.status = (gint32) virNetMessageGetU32(buf + 20);
    if (msg->header.type < 0 || msg->header.type >= VIR_NET_TYPE_LAST) {
        virReportError(VIR_ERR_RPC, _("unknown message type %d"), msg->header.type);
        return NULL;
    }
    if (msg->header.status < 0 || msg->header.status >= VIR_NET_STATUS_LAST) {
        virReportError(VIR_ERR_RPC, _("unknown message status %d"),
                       msg->header.status);
        return NULL;
    }
    g_byte_array_append(msg->body, (const guint8 *) buf + VIR_NET_MESSAGE_HEADER_MAX,
                        len - VIR_NET_MESSAGE_HEADER_MAX);
    return g_steal_pointer(&msg);
}

static void
virNetMessagePutU32(GByteArray *out, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_byte_array_append(out, (const guint8 *) &be, 4);
}

GByteArray *
virNetMessageEncode(const virNetMessage *msg)
{
    size_t total = VIR_NET_MESSAGE_LEN_MAX + VIR_NET_MESSAGE_HEADER_MAX +
                   msg->body->len;
    GByteArray *out;

    if (total > VIR_NET_MESSAGE_MAX) {
        virReportError(VIR_ERR_RPC, _("message length %zu is more than %u"),
                       total, (unsigned int) VIR_NET_MESSAGE_MAX);
        return NULL;
    }
    out = g_byte_array_sized_new(total);
    virNetMessagePutU32(out, total);
    virNetMessagePutU32(out, msg->header.prog);
    virNetMessagePutU32(out, msg->header.vers);
    virNetMessagePutU32(out, msg->header.proc);
    virNetMessagePutU32(out, msg->header.type);
    virNetMessagePutU32(out, msg->header.serial);
    virNetMessagePutU32(out, msg->header.status);
    g_byte_array_append(out, msg->body->data, msg->body->len);
    return out;
}

virNetMessage *
virNetMessageNewWithBody(const virNetMessageHeader *header,
                         const virXDRType *type, const void *body)
{
    g_autoptr(virNetMessage) msg = virNetMessageNew();

    msg->header = *header;
    if (type && virXDREncode(type, body, msg->body) < 0)
        return NULL;
    return g_steal_pointer(&msg);
}

void
virNetMessageErrorFromLast(virNetMessageError *err)
{
    virErrorPtr last = virGetLastError();

    memset(err, 0, sizeof(*err));
    if (last) {
        err->code = last->code;
        err->domain = last->domain;
        err->message = g_strdup(last->message);
        err->level = last->level;
        err->str1 = g_strdup(last->str1);
        err->str2 = g_strdup(last->str2);
        err->str3 = g_strdup(last->str3);
        err->int1 = last->int1;
        err->int2 = last->int2;
    } else {
        err->code = VIR_ERR_INTERNAL_ERROR;
        err->domain = VIR_FROM_RPC;
        err->message = g_strdup(_("library function returned error but did not set virError"));
        err->level = VIR_ERR_ERROR;
    }
}

void
virNetMessageErrorReport(const virNetMessageError *err)
{
    virError e = { 0 };

    e.code = err->code;
    e.domain = err->domain;
    e.message = err->message;
    e.level = err->level ? err->level : VIR_ERR_ERROR;
    e.str1 = err->str1;
    e.str2 = err->str2;
    e.str3 = err->str3;
    e.int1 = err->int1;
    e.int2 = err->int2;
    virErrorSetFromPeer(&e);
}

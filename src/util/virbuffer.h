/*
 * virbuffer.h: growing text buffer with indentation, for formatting XML
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct _virBuffer virBuffer;
struct _virBuffer {
    GString *str;
    int indent;
};

#define VIR_BUFFER_INITIALIZER { NULL, 0 }
/* Child buffers start two spaces deeper than their parent. */
#define VIR_BUFFER_INIT_CHILD(parentbuf) { NULL, (parentbuf)->indent + 2 }

void virBufferAdd(virBuffer *buf, const char *str, int len);
#define virBufferAddLit(buf, lit) virBufferAdd(buf, "" lit, sizeof(lit) - 1)
void virBufferAddBuffer(virBuffer *buf, virBuffer *toadd);
void virBufferAsprintf(virBuffer *buf, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void virBufferVasprintf(virBuffer *buf, const char *fmt, va_list ap) G_GNUC_PRINTF(2, 0);
/* Format with %s replaced by the XML-escaped str.  When the %s is
 * quoted in fmt (an attribute value) tabs and line breaks are written
 * as character references, so that the value reads back unchanged. */
void virBufferEscapeString(virBuffer *buf, const char *fmt, const char *str);
void virBufferAdjustIndent(virBuffer *buf, int delta);
int virBufferGetIndent(const virBuffer *buf);
size_t virBufferUse(const virBuffer *buf);
const char *virBufferCurrentContent(virBuffer *buf);
char *virBufferContentAndReset(virBuffer *buf);
void virBufferFreeAndReset(virBuffer *buf);
void virBufferTrim(virBuffer *buf, const char *str);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virBuffer, virBufferFreeAndReset);

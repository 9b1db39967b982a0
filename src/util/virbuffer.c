/*
 * virbuffer.c: growing text buffer with indentation
 *
 * Indentation is applied at the start of every line written through the
 * buffer, so callers write one element per call and nest by adjusting it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virbuffer.h"

static void
virBufferInit(virBuffer *buf)
{
    if (!buf->str)
        buf->str = g_string_new(NULL);
}

static void
virBufferApplyIndent(virBuffer *buf)
{
    if (buf->indent <= 0)
        return;
    if (buf->str->len > 0 && buf->str->str[buf->str->len - 1] != '\n')
        return;
    g_string_append_printf(buf->str, "%*s", buf->indent, "");
}

void
virBufferAdd(virBuffer *buf, const char *str, int len)
{
    if (!str)
        return;
    if (len < 0)
        len = strlen(str);
    if (len == 0)
        return;
    virBufferInit(buf);
    virBufferApplyIndent(buf);
    g_string_append_len(buf->str, str, len);
}

/* Append another buffer's text as is (it carries its own indentation). */
void
virBufferAddBuffer(virBuffer *buf, virBuffer *toadd)
{
    if (!toadd || !toadd->str)
        return;
    virBufferInit(buf);
    g_string_append_len(buf->str, toadd->str->str, toadd->str->len);
    virBufferFreeAndReset(toadd);
}

void
virBufferVasprintf(virBuffer *buf, const char *fmt, va_list ap)
{
    virBufferInit(buf);
    virBufferApplyIndent(buf);
    g_string_append_vprintf(buf->str, fmt, ap);
}

void
virBufferAsprintf(virBuffer *buf, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    virBufferVasprintf(buf, fmt, ap);
    va_end(ap);
}

void
virBufferEscapeString(virBuffer *buf, const char *fmt, const char *str)
{
    g_autoptr(GString) esc = NULL;
    const char *at = strstr(fmt, "%s");
    /* an attribute value ('%s' or "%s"): a parser turns a raw tab or
     * line break in it into a space, so they are written as character
     * references; in text a raw carriage return would come back as a
     * line feed */
    bool attr = at && at > fmt && (at[-1] == '\'' || at[-1] == '"');
    const char *p;

    if (!str)
        return;
    esc = g_string_new(NULL);
    for (p = str; *p; p++) {
        switch (*p) {
        case '<': g_string_append(esc, "&lt;"); break;
        case '>': g_string_append(esc, "&gt;"); break;
        case '&': g_string_append(esc, "&amp;"); break;
        case '"': g_string_append(esc, "&quot;"); break;
        case '\'': g_string_append(esc, "&apos;"); break;
        case '\r': g_string_append(esc, "&#13;"); break;
        case '\n':
            g_string_append(esc, attr ? "&#10;" : "\n");
            break;
        case '\t':
            g_string_append(esc, attr ? "&#9;" : "\t");
            break;
        default:
            if ((unsigned char) *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
                continue; /* not representable in XML 1.0 */
            g_string_append_c(esc, *p);
        }
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    virBufferAsprintf(buf, fmt, esc->str);
#pragma GCC diagnostic pop
}

void
virBufferAdjustIndent(virBuffer *buf, int delta)
{
    buf->indent += delta;
    if (buf->indent < 0)
        buf->indent = 0;
}

int
virBufferGetIndent(const virBuffer *buf)
{
    return buf->indent;
}

size_t
virBufferUse(const virBuffer *buf)
{
    return buf->str ? buf->str->len : 0;
}

const char *
virBufferCurrentContent(virBuffer *buf)
{
    virBufferInit(buf);
    return buf->str->str;
}

char *
virBufferContentAndReset(virBuffer *buf)
{
    char *ret;

    virBufferInit(buf);
    ret = g_string_free(buf->str, FALSE);
    buf->str = NULL;
    buf->indent = 0;
    return ret;
}

void
virBufferFreeAndReset(virBuffer *buf)
{
    if (buf->str)
        g_string_free(buf->str, TRUE);
    buf->str = NULL;
    buf->indent = 0;
}

void
virBufferTrim(virBuffer *buf, const char *str)
{
    size_t len;

    if (!buf->str || !str)
        return;
    len = strlen(str);
    if (buf->str->len >= len &&
        memcmp(buf->str->str + buf->str->len - len, str, len) == 0)
        g_string_truncate(buf->str, buf->str->len - len);
}

/*
 * virxdr.c: XDR encoding driven by type descriptions
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "virxdr.h"
#include "virerror.h"
#include "libvirt/libvirt-host.h"

#define VIR_FROM_THIS VIR_FROM_RPC

/* Nested optional structs deeper than this are refused. */
#define VIR_XDR_MAX_DEPTH 8

typedef struct {
    const unsigned char *data;
    size_t len;
    size_t pos;
    int depth;
} virXDRReader;

static size_t
virXDRPad(size_t n)
{
    return (4 - (n & 3)) & 3;
}

/* ---- encoding --------------------------------------------------------- */

static void
virXDRPutU32(GByteArray *out, guint32 v)
{
    guint32 be = GUINT32_TO_BE(v);

    g_byte_array_append(out, (const guint8 *) &be, 4);
}

static void
virXDRPutU64(GByteArray *out, guint64 v)
{
    guint64 be = GUINT64_TO_BE(v);

    g_byte_array_append(out, (const guint8 *) &be, 4 * 2);
}

static void
virXDRPutBytes(GByteArray *out, const void *buf, size_t n)
{
    static const guint8 zeros[4];

    g_byte_array_append(out, buf, n);
    g_byte_array_append(out, zeros, virXDRPad(n));
}

static int
virXDRPutString(GByteArray *out, const char *s, unsigned int max,
                const char *name)
{
    size_t n;

    if (!s) {
        virReportError(VIR_ERR_RPC, _("string '%s' must not be NULL"), name);
        return -1;
    }
    n = strlen(s);
    if (n > max) {
        virReportError(VIR_ERR_RPC,
                       _("string '%s' is %zu bytes long, more than %u"),
                       name, n, max);
        return -1;
    }
    virXDRPutU32(out, n);
    virXDRPutBytes(out, s, n);
    return 0;
}

static int virXDREncodeStruct(const virXDRType *type, const void *obj,
                              GByteArray *out);

static int
virXDREncodeTypedParamValue(const virXDRTypedParamValue *v, GByteArray *out,
                            const char *name)
{
    union { double d; guint64 u; } dbl;

    virXDRPutU32(out, v->type);
    switch ((virTypedParameterType) v->type) {
    case VIR_TYPED_PARAM_INT:
        virXDRPutU32(out, v->u.i);
        return 0;
    case VIR_TYPED_PARAM_UINT:
        virXDRPutU32(out, v->u.ui);
        return 0;
    case VIR_TYPED_PARAM_LLONG:
        virXDRPutU64(out, v->u.l);
        return 0;
    case VIR_TYPED_PARAM_ULLONG:
        virXDRPutU64(out, v->u.ul);
        return 0;
    case VIR_TYPED_PARAM_DOUBLE:
        dbl.d = v->u.d;
        virXDRPutU64(out, dbl.u);
        return 0;
    case VIR_TYPED_PARAM_BOOLEAN:
        virXDRPutU32(out, v->u.b);
        return 0;
    case VIR_TYPED_PARAM_STRING:
        return virXDRPutString(out, v->u.s, G_MAXINT32, name);
    default:
        break;
    }
    virReportError(VIR_ERR_RPC, _("typed parameter '%s' has unknown type %d"),
                   name, v->type);
    return -1;
}

static int
virXDREncodeField(const virXDRField *f, const void *obj, GByteArray *out)
{
    const char *p = (const char *) obj + f->offset;
    const virXDRArray *arr = (const virXDRArray *) p;
    unsigned int i;

    switch (f->kind) {
    case VIR_XDR_INT:
    case VIR_XDR_BOOL:
        virXDRPutU32(out, *(const int *) p);
        return 0;
    case VIR_XDR_UINT:
        virXDRPutU32(out, *(const unsigned int *) p);
        return 0;
    case VIR_XDR_HYPER:
        virXDRPutU64(out, *(const long long *) p);
        return 0;
    case VIR_XDR_UHYPER:
        virXDRPutU64(out, *(const unsigned long long *) p);
        return 0;
    case VIR_XDR_DOUBLE: {
        union { double d; guint64 u; } dbl;

        dbl.d = *(const double *) p;
        virXDRPutU64(out, dbl.u);
        return 0;
    }
    case VIR_XDR_UUID:
        virXDRPutBytes(out, p, VIR_XDR_UUID_LEN);
        return 0;
    case VIR_XDR_STRING:
        return virXDRPutString(out, *(char *const *) p, f->max, f->name);
    case VIR_XDR_OPT_STRING: {
        const char *s = *(char *const *) p;

        virXDRPutU32(out, s != NULL);
        return s ? virXDRPutString(out, s, f->max, f->name) : 0;
    }
    case VIR_XDR_STRUCT:
        return virXDREncodeStruct(f->type, p, out);
    case VIR_XDR_OPT_STRUCT: {
        const void *sub = *(const void *const *) p;

        virXDRPutU32(out, sub != NULL);
        return sub ? virXDREncodeStruct(f->type, sub, out) : 0;
    }
    case VIR_XDR_ARRAY:
    case VIR_XDR_STRING_ARRAY:
    case VIR_XDR_INT_ARRAY:
    case VIR_XDR_CHAR_ARRAY:
        if (arr->len > f->max) {
            virReportError(VIR_ERR_RPC,
                           _("array '%s' has %u elements, more than %u"),
                           f->name, arr->len, f->max);
            return -1;
        }
        virXDRPutU32(out, arr->len);
        for (i = 0; i < arr->len; i++) {
            if (f->kind == VIR_XDR_ARRAY) {
                if (virXDREncodeStruct(f->type,
                                       (const char *) arr->val + i * f->type->size,
                                       out) < 0)
                    return -1;
            } else if (f->kind == VIR_XDR_STRING_ARRAY) {
                if (virXDRPutString(out, ((char **) arr->val)[i], G_MAXINT32,
                                    f->name) < 0)
                    return -1;
            } else if (f->kind == VIR_XDR_INT_ARRAY) {
                virXDRPutU32(out, ((int *) arr->val)[i]);
            } else {
                virXDRPutU32(out, (guint32) (guint8) ((char *) arr->val)[i]);
            }
        }
        return 0;
    case VIR_XDR_TYPED_PARAM_VALUE:
        return virXDREncodeTypedParamValue((const virXDRTypedParamValue *) p,
                                           out, f->name);
    case VIR_XDR_LAST:
    default:
        break;
    }
    virReportError(VIR_ERR_INTERNAL_ERROR, _("field '%s' has unknown kind %d"),
                   f->name, f->kind);
    return -1;
}

static int
virXDREncodeStruct(const virXDRType *type, const void *obj, GByteArray *out)
{
    size_t i;

    for (i = 0; i < type->nfields; i++) {
        if (virXDREncodeField(&type->fields[i], obj, out) < 0)
            return -1;
    }
    return 0;
}

int
virXDREncode(const virXDRType *type, const void *obj, GByteArray *out)
{
    guint oldlen = out->len;

    if (!type)
        return 0;
    if (virXDREncodeStruct(type, obj, out) < 0) {
        g_byte_array_set_size(out, oldlen);
        return -1;
    }
    return 0;
}

/* ---- decoding --------------------------------------------------------- */

static int
virXDRShort(const char *what)
{
    virReportError(VIR_ERR_RPC, _("message too short to hold '%s'"), what);
    return -1;
}

static int
virXDRGetU32(virXDRReader *r, guint32 *v, const char *what)
{
    guint32 be;

    if (r->len - r->pos < 4)
        return virXDRShort(what);
    memcpy(&be, r->data + r->pos, 4);
    r->pos += 4;
    *v = GUINT32_FROM_BE(be);
    return 0;
}

static int
virXDRGetU64(virXDRReader *r, guint64 *v, const char *what)
{
    guint64 be;

    if (r->len - r->pos < 8)
        return virXDRShort(what);
    memcpy(&be, r->data + r->pos, 8);
    r->pos += 8;
    *v = GUINT64_FROM_BE(be);
    return 0;
}

/* A length-prefixed string of at most @max bytes, without NUL inside. */
static int
virXDRGetString(virXDRReader *r, char **s, unsigned int max, const char *what)
{
    guint32 n;
    size_t padded;

    if (virXDRGetU32(r, &n, what) < 0)
        return -1;
    if (n > max) {
        virReportError(VIR_ERR_RPC,
                       _("string '%s' is %u bytes long, more than %u"),
                       what, n, max);
        return -1;
    }
    padded = (size_t) n + virXDRPad(n);
    if (r->len - r->pos < padded)
        return virXDRShort(what);
    if (memchr(r->data + r->pos, '\0', n)) {
        virReportError(VIR_ERR_RPC, _("string '%s' holds a NUL byte"), what);
        return -1;
    }
    *s = g_strndup((const char *) r->data + r->pos, n);
    r->pos += padded;
    return 0;
}

static int virXDRDecodeStruct(const virXDRType *type, virXDRReader *r,
                              void *obj);

static int
virXDRDecodeTypedParamValue(virXDRReader *r, virXDRTypedParamValue *v,
                            const char *name)
{
    guint32 t;
    guint32 u32;
    guint64 u64;

    if (virXDRGetU32(r, &t, name) < 0)
        return -1;
    v->type = t;
    switch ((virTypedParameterType) t) {
    case VIR_TYPED_PARAM_INT:
    case VIR_TYPED_PARAM_UINT:
    case VIR_TYPED_PARAM_BOOLEAN:
        if (virXDRGetU32(r, &u32, name) < 0)
            return -1;
        if (t == VIR_TYPED_PARAM_INT)
            v->u.i = (gint32) u32;
        else if (t == VIR_TYPED_PARAM_UINT)
            v->u.ui = u32;
        else
            v->u.b = (gint32) u32;
        return 0;
    case VIR_TYPED_PARAM_LLONG:
    case VIR_TYPED_PARAM_ULLONG:
    case VIR_TYPED_PARAM_DOUBLE:
        if (virXDRGetU64(r, &u64, name) < 0)
            return -1;
        if (t == VIR_TYPED_PARAM_LLONG) {
            v->u.l = (gint64) u64;
        } else if (t == VIR_TYPED_PARAM_ULLONG) {
            v->u.ul = u64;
        } else {
            union { double d; guint64 u; } dbl;

            dbl.u = u64;
            v->u.d = dbl.d;
        }
        return 0;
    case VIR_TYPED_PARAM_STRING:
        return virXDRGetString(r, &v->u.s, G_MAXINT32, name);
    default:
        break;
    }
    v->type = 0;
    virReportError(VIR_ERR_RPC, _("typed parameter '%s' has unknown type %u"),
                   name, t);
    return -1;
}

static int
virXDRDecodeField(const virXDRField *f, virXDRReader *r, void *obj)
{
    char *p = (char *) obj + f->offset;
    virXDRArray *arr = (virXDRArray *) p;
    guint32 u32;
    guint64 u64;
    unsigned int i;

    switch (f->kind) {
    case VIR_XDR_INT:
    case VIR_XDR_BOOL:
        if (virXDRGetU32(r, &u32, f->name) < 0)
            return -1;
        *(int *) p = (gint32) u32;
        return 0;
    case VIR_XDR_UINT:
        if (virXDRGetU32(r, &u32, f->name) < 0)
            return -1;
        *(unsigned int *) p = u32;
        return 0;
    case VIR_XDR_HYPER:
        if (virXDRGetU64(r, &u64, f->name) < 0)
            return -1;
        *(long long *) p = (gint64) u64;
        return 0;
    case VIR_XDR_UHYPER:
        if (virXDRGetU64(r, &u64, f->name) < 0)
            return -1;
        *(unsigned long long *) p = u64;
        return 0;
    case VIR_XDR_DOUBLE: {
        union { double d; guint64 u; } dbl;

        if (virXDRGetU64(r, &u64, f->name) < 0)
            return -1;
        dbl.u = u64;
        *(double *) p = dbl.d;
        return 0;
    }
    case VIR_XDR_UUID:
        if (r->len - r->pos < VIR_XDR_UUID_LEN)
            return virXDRShort(f->name);
        memcpy(p, r->data + r->pos, VIR_XDR_UUID_LEN);
        r->pos += VIR_XDR_UUID_LEN;
        return 0;
    case VIR_XDR_STRING:
        return virXDRGetString(r, (char **) p, f->max, f->name);
    case VIR_XDR_OPT_STRING:
        if (virXDRGetU32(r, &u32, f->name) < 0)
            return -1;
        if (u32 > 1) {
            virReportError(VIR_ERR_RPC, _("bad presence flag %u for '%s'"),
                           u32, f->name);
            return -1;
        }
        return u32 ? virXDRGetString(r, (char **) p, f->max, f->name) : 0;
    case VIR_XDR_STRUCT:
        return virXDRDecodeStruct(f->type, r, p);
    case VIR_XDR_OPT_STRUCT: {
        void *sub;
        int rc;

        if (virXDRGetU32(r, &u32, f->name) < 0)
            return -1;
        if (u32 > 1) {
            virReportError(VIR_ERR_RPC, _("bad presence flag %u for '%s'"),
                           u32, f->name);
            return -1;
        }
        if (!u32)
            return 0;
        if (r->depth >= VIR_XDR_MAX_DEPTH) {
            virReportError(VIR_ERR_RPC, _("'%s' is nested too deeply"), f->name);
            return -1;
        }
        sub = g_malloc0(f->type->size);
        *(void **) p = sub;
        r->depth++;
        rc = virXDRDecodeStruct(f->type, r, sub);
        r->depth--;
        return rc;
    }
    case VIR_XDR_ARRAY:
    case VIR_XDR_STRING_ARRAY:
    case VIR_XDR_INT_ARRAY:
    case VIR_XDR_CHAR_ARRAY: {
        size_t elemsize;
        guint32 count;

        if (virXDRGetU32(r, &count, f->name) < 0)
            return -1;
        if (count > f->max) {
            virReportError(VIR_ERR_RPC,
                           _("array '%s' has %u elements, more than %u"),
                           f->name, count, f->max);
            return -1;
        }
        /* every element takes at least four bytes on the wire: the
         * allocation is bounded by the bytes actually received */
        if ((size_t) count > (r->len - r->pos) / 4)
            return virXDRShort(f->name);
        if (f->kind == VIR_XDR_ARRAY)
            elemsize = f->type->size;
        else if (f->kind == VIR_XDR_STRING_ARRAY)
            elemsize = sizeof(char *);
        else if (f->kind == VIR_XDR_INT_ARRAY)
            elemsize = sizeof(int);
        else
            elemsize = 1;
        /* one spare element: a CHAR_ARRAY stays NUL-terminated */
        arr->val = g_malloc0_n((size_t) count + 1, elemsize);
        for (i = 0; i < count; i++) {
            arr->len = i + 1;   /* what has to be cleared on failure */
            if (f->kind == VIR_XDR_ARRAY) {
                if (virXDRDecodeStruct(f->type, r,
                                       (char *) arr->val + i * elemsize) < 0)
                    return -1;
            } else if (f->kind == VIR_XDR_STRING_ARRAY) {
                if (virXDRGetString(r, &((char **) arr->val)[i], G_MAXINT32,
                                    f->name) < 0)
                    return -1;
            } else {
                if (virXDRGetU32(r, &u32, f->name) < 0)
                    return -1;
                if (f->kind == VIR_XDR_INT_ARRAY)
                    ((int *) arr->val)[i] = (gint32) u32;
                else
                    ((char *) arr->val)[i] = (char) u32;
            }
        }
        arr->len = count;
        return 0;
    }
    case VIR_XDR_TYPED_PARAM_VALUE:
        return virXDRDecodeTypedParamValue(r, (virXDRTypedParamValue *) p,
                                           f->name);
    case VIR_XDR_LAST:
    default:
        break;
    }
    virReportError(VIR_ERR_INTERNAL_ERROR, _("field '%s' has unknown kind %d"),
                   f->name, f->kind);
    return -1;
}

static int
virXDRDecodeStruct(const virXDRType *type, virXDRReader *r, void *obj)
{
    size_t i;

    for (i = 0; i < type->nfields; i++) {
        if (virXDRDecodeField(&type->fields[i], r, obj) < 0)
            return -1;
    }
    return 0;
}

int
virXDRDecode(const virXDRType *type, const char *data, size_t len, void *obj)
{
    virXDRReader r = { (const unsigned char *) data, len, 0, 0 };

    if (!type) {
        if (len == 0)
            return 0;
        virReportError(VIR_ERR_RPC, _("%zu unexpected bytes in a message without body"),
                       len);
        return -1;
    }
    memset(obj, 0, type->size);
    if (virXDRDecodeStruct(type, &r, obj) < 0) {
        virXDRClear(type, obj);
        return -1;
    }
    if (r.pos != r.len) {
        virReportError(VIR_ERR_RPC, _("%zu unexpected bytes after '%s'"),
                       r.len - r.pos, type->name);
        virXDRClear(type, obj);
        return -1;
    }
    return 0;
}

/* ---- clearing --------------------------------------------------------- */

static void virXDRClearStruct(const virXDRType *type, void *obj);

static void
virXDRClearField(const virXDRField *f, void *obj)
{
    char *p = (char *) obj + f->offset;
    virXDRArray *arr = (virXDRArray *) p;
    unsigned int i;

    switch (f->kind) {
    case VIR_XDR_STRING:
    case VIR_XDR_OPT_STRING:
        g_clear_pointer((char **) p, g_free);
        break;
    case VIR_XDR_STRUCT:
        virXDRClearStruct(f->type, p);
        break;
    case VIR_XDR_OPT_STRUCT:
        if (*(void **) p) {
            virXDRClearStruct(f->type, *(void **) p);
            g_clear_pointer((void **) p, g_free);
        }
        break;
    case VIR_XDR_ARRAY:
    case VIR_XDR_STRING_ARRAY:
        for (i = 0; arr->val && i < arr->len; i++) {
            if (f->kind == VIR_XDR_ARRAY)
                virXDRClearStruct(f->type, (char *) arr->val + i * f->type->size);
            else
                g_free(((char **) arr->val)[i]);
        }
        G_GNUC_FALLTHROUGH;
    case VIR_XDR_INT_ARRAY:
    case VIR_XDR_CHAR_ARRAY:
        g_clear_pointer(&arr->val, g_free);
        arr->len = 0;
        break;
    case VIR_XDR_TYPED_PARAM_VALUE: {
        virXDRTypedParamValue *v = (virXDRTypedParamValue *) p;

        if (v->type == VIR_TYPED_PARAM_STRING)
            g_clear_pointer(&v->u.s, g_free);
        break;
    }
    case VIR_XDR_INT:
    case VIR_XDR_UINT:
    case VIR_XDR_BOOL:
    case VIR_XDR_HYPER:
    case VIR_XDR_UHYPER:
    case VIR_XDR_DOUBLE:
    case VIR_XDR_UUID:
    case VIR_XDR_LAST:
    default:
        break;
    }
}

static void
virXDRClearStruct(const virXDRType *type, void *obj)
{
    size_t i;

    for (i = 0; i < type->nfields; i++)
        virXDRClearField(&type->fields[i], obj);
}

void
virXDRClear(const virXDRType *type, void *obj)
{
    if (!type || !obj)
        return;
    virXDRClearStruct(type, obj);
    memset(obj, 0, type->size);
}

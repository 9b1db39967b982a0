/*
 * virxdr.h: XDR (RFC 4506) encoding driven by type descriptions
 *
 * A message body is a C struct described once by a virXDRType: the list
 * of its members, each with its XDR kind, its offset in the struct and,
 * for strings and arrays, the largest length accepted.  One encoder, one
 * decoder and one clearing function work from that description, so every
 * length check lives in one place (and one fuzz target covers all of it).
 *
 * C layouts used with the kinds:
 *   INT, BOOL           int                UINT     unsigned int
 *   HYPER               long long          UHYPER   unsigned long long
 *   DOUBLE              double             UUID     unsigned char[16]
 *   STRING              char * (never NULL when encoded)
 *   OPT_STRING          char * (NULL allowed: XDR optional data)
 *   STRUCT              the described struct, inline
 *   OPT_STRUCT          a pointer to the described struct, or NULL
 *   ARRAY               struct { unsigned int len; T *val; } of described T
 *   STRING_ARRAY        struct { unsigned int len; char **val; }
 *   INT_ARRAY           struct { unsigned int len; int *val; }
 *   CHAR_ARRAY          struct { unsigned int len; char *val; } (XDR char<>:
 *                       each character takes four bytes on the wire)
 *   TYPED_PARAM_VALUE   virXDRTypedParamValue (a discriminated union)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define VIR_XDR_UUID_LEN 16

typedef enum {
    VIR_XDR_INT,
    VIR_XDR_UINT,
    VIR_XDR_BOOL,
    VIR_XDR_HYPER,
    VIR_XDR_UHYPER,
    VIR_XDR_DOUBLE,
    VIR_XDR_UUID,
    VIR_XDR_STRING,
    VIR_XDR_OPT_STRING,
    VIR_XDR_STRUCT,
    VIR_XDR_OPT_STRUCT,
    VIR_XDR_ARRAY,
    VIR_XDR_STRING_ARRAY,
    VIR_XDR_INT_ARRAY,
    VIR_XDR_CHAR_ARRAY,
    VIR_XDR_TYPED_PARAM_VALUE,

    VIR_XDR_LAST
} virXDRKind;

typedef struct _virXDRType virXDRType;

typedef struct _virXDRField virXDRField;
struct _virXDRField {
    const char *name;
    virXDRKind kind;
    size_t offset;
    unsigned int max;            /* strings and arrays: largest length */
    const virXDRType *type;      /* STRUCT, OPT_STRUCT, ARRAY elements */
};

struct _virXDRType {
    const char *name;
    size_t size;
    size_t nfields;
    const virXDRField *fields;
};

/* The generic view of every ARRAY-like member. */
typedef struct {
    unsigned int len;
    void *val;
} virXDRArray;

/* The value of a typed parameter: 'type' is a virTypedParameterType. */
typedef struct {
    int type;
    union {
        int i;
        unsigned int ui;
        long long l;
        unsigned long long ul;
        double d;
        int b;
        char *s;
    } u;
} virXDRTypedParamValue;

#define VIR_XDR_FIELD(st, member, kind) \
    { #member, kind, offsetof(st, member), 0, NULL }
#define VIR_XDR_FIELD_MAX(st, member, kind, max) \
    { #member, kind, offsetof(st, member), max, NULL }
#define VIR_XDR_FIELD_SUB(st, member, kind, max, sub) \
    { #member, kind, offsetof(st, member), max, sub }
#define VIR_XDR_TYPE(st, fieldlist) \
    { #st, sizeof(st), G_N_ELEMENTS(fieldlist), fieldlist }

/* Append the XDR encoding of @obj to @out.  Returns 0, or -1 with
 * VIR_ERR_RPC when a value does not fit its declared bounds. */
int virXDREncode(const virXDRType *type, const void *obj, GByteArray *out);

/* Decode exactly @len bytes of @data into @obj (zeroed first).  Returns 0,
 * or -1 with VIR_ERR_RPC for malformed input (short data, a length over
 * its bound, a string holding NUL, trailing bytes, an unknown union arm);
 * @obj is then left cleared. */
int virXDRDecode(const virXDRType *type, const char *data, size_t len,
                 void *obj);

/* Free what the decoder (or a caller, with GLib) allocated inside @obj
 * and zero it; @obj itself is not freed. */
void virXDRClear(const virXDRType *type, void *obj);

/*
 * virnetmessagefuzz.c: the daemon's packet decoder under fuzzing
 *
 * The input is a byte stream as fleeced reads it from a client: length
 * words, headers and bodies; every message is decoded the way the server
 * does (framing, then the arguments of the procedure it names, or an
 * error body), and everything decoded is freed again.
 *
 * Built with -Dfuzz=true (clang), this is a libFuzzer target
 * (scripts/fuzz-rpc runs it).  In the normal suite the same function is fed
 * a deterministic corpus instead: a message for every procedure, filled
 * from its type description, every truncation of it, and a few thousand
 * seeded mutations — under ASan/UBSan too.  With --write-corpus DIR that
 * corpus is written out as libFuzzer's seed corpus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "remote_protocol.h"
#include "virnetmessage.h"
#include "viralloc.h"
#include "virerror.h"
#include "libvirt/libvirt-host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzzDecodeBody(const virXDRType *type, const virNetMessage *msg)
{
    g_autofree void *obj = NULL;

    if (!type)
        return;
    obj = g_malloc0(type->size);
    if (virXDRDecode(type, (const char *) msg->body->data, msg->body->len, obj) == 0) {
        /* what decoded must encode again */
        g_autoptr(GByteArray) out = g_byte_array_new();

        ignore_value(virXDREncode(type, obj, out));
        virXDRClear(type, obj);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size >= VIR_NET_MESSAGE_LEN_MAX) {
        g_autoptr(virNetMessage) msg = NULL;
        const remoteProcedureInfo *info;
        size_t rest;

        if (virNetMessageDecodeLength((const char *) data, &rest) < 0 ||
            rest > size - VIR_NET_MESSAGE_LEN_MAX)
            break;
        if (!(msg = virNetMessageDecode((const char *) data + VIR_NET_MESSAGE_LEN_MAX, rest)))
            break;
        data += VIR_NET_MESSAGE_LEN_MAX + rest;
        size -= VIR_NET_MESSAGE_LEN_MAX + rest;
        if (msg->header.status == VIR_NET_ERROR) {
            fuzzDecodeBody(&virNetMessageErrorType, msg);
            continue;
        }
        if (!(info = remoteProcedureLookup(msg->header.prog, msg->header.proc)))
            continue;
        fuzzDecodeBody(msg->header.type == VIR_NET_REPLY ? info->ret : info->args, msg);
    }
    virResetLastError();
    return 0;
}

#ifndef FLEECE_FUZZING

/* ---- the deterministic corpus ------------------------------------------- */

static void fuzzFill(const virXDRType *type, void *obj, int depth);

/* A sample value for every member: strings, one-element arrays, present
 * optional parts. */
static void
fuzzFillField(const virXDRField *f, void *obj, int depth)
{
    char *p = (char *) obj + f->offset;
    virXDRArray *arr = (virXDRArray *) p;

    switch (f->kind) {
    case VIR_XDR_INT:
    case VIR_XDR_BOOL:
        *(int *) p = 1;
        break;
    case VIR_XDR_UINT:
        *(unsigned int *) p = 2;
        break;
    case VIR_XDR_HYPER:
    case VIR_XDR_UHYPER:
        *(long long *) p = 3;
        break;
    case VIR_XDR_DOUBLE:
        *(double *) p = 0.5;
        break;
    case VIR_XDR_UUID:
        memset(p, 0xab, VIR_XDR_UUID_LEN);
        break;
    case VIR_XDR_STRING:
    case VIR_XDR_OPT_STRING:
        *(char **) p = g_strdup("fuzz");
        break;
    case VIR_XDR_STRUCT:
        fuzzFill(f->type, p, depth + 1);
        break;
    case VIR_XDR_OPT_STRUCT:
        *(void **) p = g_malloc0(f->type->size);
        fuzzFill(f->type, *(void **) p, depth + 1);
        break;
    case VIR_XDR_ARRAY:
        arr->len = 1;
        arr->val = g_malloc0(f->type->size);
        fuzzFill(f->type, arr->val, depth + 1);
        break;
    case VIR_XDR_STRING_ARRAY:
        arr->len = 1;
        arr->val = g_new0(char *, 1);
        ((char **) arr->val)[0] = g_strdup("/");
        break;
    case VIR_XDR_INT_ARRAY:
        arr->len = 1;
        arr->val = g_new0(int, 1);
        break;
    case VIR_XDR_CHAR_ARRAY:
        arr->len = 2;
        arr->val = g_strdup("ab");
        break;
    case VIR_XDR_TYPED_PARAM_VALUE: {
        virXDRTypedParamValue *v = (virXDRTypedParamValue *) p;

        v->type = VIR_TYPED_PARAM_STRING;
        v->u.s = g_strdup("value");
        break;
    }
    case VIR_XDR_LAST:
    default:
        break;
    }
}

static void
fuzzFill(const virXDRType *type, void *obj, int depth)
{
    size_t i;

    for (i = 0; i < type->nfields; i++)
        fuzzFillField(&type->fields[i], obj, depth);
}

/* The wire form of a message of @prog/@proc carrying a sample of @type. */
static GByteArray *
fuzzSample(unsigned int prog, int proc, int msgtype, const virXDRType *type)
{
    virNetMessageHeader hdr = { prog, 1, proc, msgtype, 7, VIR_NET_OK };
    g_autofree void *obj = NULL;
    g_autoptr(virNetMessage) msg = NULL;

    if (type) {
        obj = g_malloc0(type->size);
        fuzzFill(type, obj, 0);
    }
    msg = virNetMessageNewWithBody(&hdr, type, obj);
    virXDRClear(type, obj);
    g_assert(msg);
    return virNetMessageEncode(msg);
}

int
main(int argc, char **argv)
{
    const char *corpusDir = NULL;
    g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func((GDestroyNotify) g_byte_array_unref);
    g_autoptr(GRand) rand = g_rand_new_with_seed(20261203);
    size_t nprocs;
    const remoteProcedureInfo *procs = remoteProcedureList(&nprocs);
    unsigned long long inputs = 0;
    size_t i, j;

    if (argc == 3 && g_str_equal(argv[1], "--write-corpus"))
        corpusDir = argv[2];

    for (i = 0; i < nprocs; i++) {
        g_ptr_array_add(seeds, fuzzSample(procs[i].prog, procs[i].proc, VIR_NET_CALL,
                                          procs[i].args));
        if (procs[i].ret)
            g_ptr_array_add(seeds, fuzzSample(procs[i].prog, procs[i].proc, VIR_NET_REPLY,
                                              procs[i].ret));
    }
    {
        virNetMessageHeader hdr = { REMOTE_PROGRAM, 1, 1, VIR_NET_REPLY, 7, VIR_NET_ERROR };
        virNetMessageErrorDomain dom = { (char *) "d", { 0 }, 1 };
        virNetMessageError err = { 1, 10, (char *) "m", 2, &dom, (char *) "s", NULL, NULL,
                                   0, 0, NULL };
        g_autoptr(virNetMessage) msg = virNetMessageNewWithBody(&hdr, &virNetMessageErrorType,
                                                                &err);

        g_ptr_array_add(seeds, virNetMessageEncode(msg));
    }

    if (corpusDir) {
        g_mkdir_with_parents(corpusDir, 0755);
        for (i = 0; i < seeds->len; i++) {
            GByteArray *s = g_ptr_array_index(seeds, i);
            g_autofree char *name = g_strdup_printf("%s/seed-%03zu", corpusDir, i);

            if (!g_file_set_contents(name, (const char *) s->data, s->len, NULL))
                return 1;
        }
        printf("%u seeds written to %s\n", seeds->len, corpusDir);
        return 0;
    }

    for (i = 0; i < seeds->len; i++) {
        GByteArray *s = g_ptr_array_index(seeds, i);
        g_autofree guint8 *buf = g_malloc(s->len);

        /* whole, every truncation, then seeded mutations */
        for (j = 0; j <= s->len; j++, inputs++)
            LLVMFuzzerTestOneInput(s->data, j);
        for (j = 0; j < 200; j++, inputs++) {
            guint32 pos = g_rand_int_range(rand, 0, s->len);

            memcpy(buf, s->data, s->len);
            switch (j % 4) {
            case 0:     /* a random byte */
                buf[pos] = g_rand_int_range(rand, 0, 256);
                break;
            case 1:     /* a large length or count where a word starts */
                buf[pos & ~3u] = 0x7f;
                break;
            case 2:     /* a small count */
                buf[(pos | 3u) < s->len ? (pos | 3u) : pos] = g_rand_int_range(rand, 0, 8);
                break;
            default:    /* a flipped bit */
                buf[pos] ^= 1u << g_rand_int_range(rand, 0, 8);
                break;
            }
            LLVMFuzzerTestOneInput(buf, s->len);
        }
    }
    printf("ok 1 - %llu inputs from %u seeds decoded (and freed)\n1..1\n",
           inputs, seeds->len);
    return 0;
}

#endif /* FLEECE_FUZZING */

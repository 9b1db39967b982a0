/*
 * qemu_img.c: running qemu-img
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "qemu_img.h"
#include "vircommand.h"
#include "virerror.h"
#include "virjson.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.img");

/* How long one qemu-img run may take: metadata edits are quick, a
 * comparison reads whole images. */
#define QEMU_IMG_TIMEOUT_MS (60 * 1000)
#define QEMU_IMG_COMPARE_TIMEOUT_MS (60 * 60 * 1000)

VIR_ENUM_IMPL(qemuImgFormat, QEMU_IMG_FORMAT_LAST,
              "raw",
              "qcow2");

VIR_ENUM_IMPL(qemuImgBitmapFlag, QEMU_IMG_BITMAP_FLAG_LAST,
              "in-use",
              "auto");

typedef enum {
    QEMU_IMG_BITMAP_OP_ADD,
    QEMU_IMG_BITMAP_OP_REMOVE,
    QEMU_IMG_BITMAP_OP_ENABLE,
    QEMU_IMG_BITMAP_OP_DISABLE,
    QEMU_IMG_BITMAP_OP_CLEAR,
    QEMU_IMG_BITMAP_OP_MERGE,
    QEMU_IMG_BITMAP_OP_LAST
} qemuImgBitmapOp;
VIR_ENUM_DECL(qemuImgBitmapOp);
VIR_ENUM_IMPL(qemuImgBitmapOp, QEMU_IMG_BITMAP_OP_LAST,
              "--add",
              "--remove",
              "--enable",
              "--disable",
              "--clear",
              "--merge");

/* Keys of qemu-img info's JSON. */
#define QEMU_IMG_KEY_FILENAME "filename"
#define QEMU_IMG_KEY_FORMAT "format"
#define QEMU_IMG_KEY_VIRTUAL_SIZE "virtual-size"
#define QEMU_IMG_KEY_ACTUAL_SIZE "actual-size"
#define QEMU_IMG_KEY_BACKING "backing-filename"
#define QEMU_IMG_KEY_FULL_BACKING "full-backing-filename"
#define QEMU_IMG_KEY_BACKING_FORMAT "backing-filename-format"
#define QEMU_IMG_KEY_DIRTY "dirty-flag"
#define QEMU_IMG_KEY_FORMAT_SPECIFIC "format-specific"
#define QEMU_IMG_KEY_DATA "data"
#define QEMU_IMG_KEY_CORRUPT "corrupt"
#define QEMU_IMG_KEY_BITMAPS "bitmaps"
#define QEMU_IMG_KEY_NAME "name"
#define QEMU_IMG_KEY_GRANULARITY "granularity"
#define QEMU_IMG_KEY_FLAGS "flags"

const char *
qemuImgBinary(const char *binary)
{
    return binary ? binary : "qemu-img";
}

/* Image names reach qemu-img as arguments: a relative one could read as
 * an option ('-o...') or a protocol ('json:{...}', 'nbd:...'), so only
 * absolute paths are accepted, and they come after '--'. */
static int
qemuImgCheckPath(const char *path)
{
    if (!path || !g_path_is_absolute(path)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("image path '%s' is not absolute"), NULLSTR(path));
        return -1;
    }
    return 0;
}

/* A qemu-img command with a stable (untranslated) environment. */
static virCommand *
qemuImgCommandNew(const char *binary, const char *subcommand)
{
    virCommand *cmd = virCommandNewArgList(qemuImgBinary(binary), subcommand, NULL);

    virCommandAddEnvPair(cmd, "LC_ALL", "C");
    virCommandSetTimeout(cmd, QEMU_IMG_TIMEOUT_MS);
    return cmd;
}

void
qemuImgInfoFree(qemuImgInfo *info)
{
    size_t i;

    while (info) {
        qemuImgInfo *next = info->backing;

        g_free(info->filename);
        g_free(info->format);
        g_free(info->backingFilename);
        g_free(info->fullBackingFilename);
        g_free(info->backingFormat);
        for (i = 0; i < info->nbitmaps; i++)
            g_free(info->bitmaps[i].name);
        g_free(info->bitmaps);
        g_free(info);
        info = next;
    }
}

/* Create an image: see qemu_img.h. */
int
qemuImgCreate(const char *binary, const char *path, qemuImgFormat format,
              unsigned long long size, const char *backing,
              qemuImgFormat backingFormat)
{
    g_autoptr(virCommand) cmd = qemuImgCommandNew(binary, "create");
    const char *fmt = qemuImgFormatTypeToString(format);
    const char *bfmt = qemuImgFormatTypeToString(backingFormat);

    if (!fmt || (backing && !bfmt)) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("unsupported image format for '%s'"), path);
        return -1;
    }
    if (qemuImgCheckPath(path) < 0 || (backing && qemuImgCheckPath(backing) < 0))
        return -1;
    if (!backing && size == 0) {
        virReportError(VIR_ERR_INVALID_ARG,
                       _("image '%s' needs a size or a backing image"), path);
        return -1;
    }
    virCommandAddArgPair(cmd, "-f", fmt);
    if (backing) {
        virCommandAddArgPair(cmd, "-b", backing);
        virCommandAddArgPair(cmd, "-F", bfmt);
    }
    virCommandAddArgList(cmd, "--", path, NULL);
    if (size)
        virCommandAddArgFormat(cmd, "%llu", size);
    return virCommandRun(cmd, NULL);
}

static int
qemuImgParseBitmaps(virJSONValue *list, qemuImgInfo *info)
{
    size_t i, j;

    if (!json_object_is_type(list, json_type_array))
        return -1;
    info->nbitmaps = json_object_array_length(list);
    info->bitmaps = g_new0(qemuImgBitmap, info->nbitmaps);
    for (i = 0; i < info->nbitmaps; i++) {
        virJSONValue *b = json_object_array_get_idx(list, i);
        virJSONValue *flags = virJSONValueObjectGet(b, QEMU_IMG_KEY_FLAGS);
        const char *name = virJSONValueObjectGetString(b, QEMU_IMG_KEY_NAME);

        if (!name ||
            virJSONValueObjectGetNumberULong(b, QEMU_IMG_KEY_GRANULARITY,
                                             &info->bitmaps[i].granularity) < 0 ||
            !flags || !json_object_is_type(flags, json_type_array))
            return -1;
        info->bitmaps[i].name = g_strdup(name);
        for (j = 0; j < json_object_array_length(flags); j++) {
            virJSONValue *f = json_object_array_get_idx(flags, j);

            switch ((qemuImgBitmapFlag)
                    qemuImgBitmapFlagTypeFromString(json_object_get_string(f))) {
            case QEMU_IMG_BITMAP_FLAG_IN_USE:
                info->bitmaps[i].inUse = true;
                break;
            case QEMU_IMG_BITMAP_FLAG_AUTO:
                info->bitmaps[i].recording = true;
                break;
            case QEMU_IMG_BITMAP_FLAG_LAST:
            default:
                VIR_DEBUG("ignoring bitmap flag '%s'", json_object_get_string(f));
                break;
            }
        }
    }
    return 0;
}

/* One image's object; -1 without reporting if a field is malformed. */
static int
qemuImgParseOne(virJSONValue *obj, qemuImgInfo *info)
{
    virJSONValue *specific;
    virJSONValue *data;
    virJSONValue *bitmaps;
    const char *s;

    if (!json_object_is_type(obj, json_type_object))
        return -1;
    if (!(s = virJSONValueObjectGetString(obj, QEMU_IMG_KEY_FILENAME)))
        return -1;
    info->filename = g_strdup(s);
    if (!(s = virJSONValueObjectGetString(obj, QEMU_IMG_KEY_FORMAT)))
        return -1;
    info->format = g_strdup(s);
    if (virJSONValueObjectGetNumberULong(obj, QEMU_IMG_KEY_VIRTUAL_SIZE,
                                         &info->virtualSize) < 0)
        return -1;
    virJSONValueObjectGetNumberULong(obj, QEMU_IMG_KEY_ACTUAL_SIZE,
                                     &info->actualSize);
    info->backingFilename =
        g_strdup(virJSONValueObjectGetString(obj, QEMU_IMG_KEY_BACKING));
    info->fullBackingFilename =
        g_strdup(virJSONValueObjectGetString(obj, QEMU_IMG_KEY_FULL_BACKING));
    info->backingFormat =
        g_strdup(virJSONValueObjectGetString(obj, QEMU_IMG_KEY_BACKING_FORMAT));
    virJSONValueObjectGetBoolean(obj, QEMU_IMG_KEY_DIRTY, &info->dirty);

    specific = virJSONValueObjectGet(obj, QEMU_IMG_KEY_FORMAT_SPECIFIC);
    data = virJSONValueObjectGet(specific, QEMU_IMG_KEY_DATA);
    virJSONValueObjectGetBoolean(data, QEMU_IMG_KEY_CORRUPT, &info->corrupt);
    if ((bitmaps = virJSONValueObjectGet(data, QEMU_IMG_KEY_BITMAPS)) &&
        qemuImgParseBitmaps(bitmaps, info) < 0)
        return -1;
    return 0;
}

/* Parse qemu-img info's JSON: see qemu_img.h. */
qemuImgInfo *
qemuImgInfoParse(const char *json, bool chain)
{
    g_autoptr(virJSONValue) root = virJSONValueFromString(json);
    g_autoptr(qemuImgInfo) head = NULL;
    qemuImgInfo **tail = &head;
    size_t n, i;

    if (!root)
        return NULL;
    if (chain != json_object_is_type(root, json_type_array))
        goto error;
    n = chain ? json_object_array_length(root) : 1;
    if (n == 0)
        goto error;
    for (i = 0; i < n; i++) {
        virJSONValue *obj = chain ? json_object_array_get_idx(root, i) : root;

        *tail = g_new0(qemuImgInfo, 1);
        if (qemuImgParseOne(obj, *tail) < 0)
            goto error;
        tail = &(*tail)->backing;
    }
    return g_steal_pointer(&head);

 error:
    virReportError(VIR_ERR_INTERNAL_ERROR,
                   _("unexpected output of qemu-img info: '%s'"), json);
    return NULL;
}

qemuImgInfo *
qemuImgGetInfo(const char *binary, const char *path, const char *format,
               bool chain)
{
    g_autoptr(virCommand) cmd = NULL;

    if (qemuImgCheckPath(path) < 0)
        return NULL;
    cmd = qemuImgCommandNew(binary, "info");
    virCommandAddArgList(cmd, "--output=json", "-U", NULL);
    if (format)
        virCommandAddArgPair(cmd, "-f", format);
    if (chain)
        virCommandAddArg(cmd, "--backing-chain");
    virCommandAddArgList(cmd, "--", path, NULL);
    if (virCommandRun(cmd, NULL) < 0)
        return NULL;
    return qemuImgInfoParse(virCommandGetStdout(cmd), chain);
}

const qemuImgBitmap *
qemuImgInfoFindBitmap(const qemuImgInfo *info, const char *name)
{
    size_t i;

    for (i = 0; info && i < info->nbitmaps; i++) {
        if (g_str_equal(info->bitmaps[i].name, name))
            return &info->bitmaps[i];
    }
    return NULL;
}

/* qemu-img bitmap OP [-g GRAN] [--disable] PATH NAME. */
static int
qemuImgBitmapRun(const char *binary, const char *path, qemuImgBitmapOp op,
                 const char *name,
                 const char *source, unsigned long long granularity,
                 bool disabled)
{
    g_autoptr(virCommand) cmd = NULL;

    if (qemuImgCheckPath(path) < 0)
        return -1;
    cmd = qemuImgCommandNew(binary, "bitmap");
    if (op == QEMU_IMG_BITMAP_OP_MERGE)
        virCommandAddArgPair(cmd, qemuImgBitmapOpTypeToString(op), source);
    else
        virCommandAddArg(cmd, qemuImgBitmapOpTypeToString(op));
    if (disabled)
        virCommandAddArg(cmd, qemuImgBitmapOpTypeToString(QEMU_IMG_BITMAP_OP_DISABLE));
    if (granularity) {
        virCommandAddArg(cmd, "-g");
        virCommandAddArgFormat(cmd, "%llu", granularity);
    }
    /* bitmap names are checkpoint names, which may start with '-' */
    virCommandAddArgList(cmd, "--", path, name, NULL);
    return virCommandRun(cmd, NULL);
}

int
qemuImgBitmapAdd(const char *binary, const char *path, const char *name,
                 unsigned long long granularity, bool disabled)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_ADD, name, NULL,
                            granularity, disabled);
}

int
qemuImgBitmapRemove(const char *binary, const char *path, const char *name)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_REMOVE, name, NULL, 0,
                            false);
}

int
qemuImgBitmapEnable(const char *binary, const char *path, const char *name)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_ENABLE, name, NULL, 0,
                            false);
}

int
qemuImgBitmapDisable(const char *binary, const char *path, const char *name)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_DISABLE, name, NULL, 0,
                            false);
}

int
qemuImgBitmapClear(const char *binary, const char *path, const char *name)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_CLEAR, name, NULL, 0,
                            false);
}

int
qemuImgBitmapMerge(const char *binary, const char *path, const char *source,
                   const char *target)
{
    return qemuImgBitmapRun(binary, path, QEMU_IMG_BITMAP_OP_MERGE, target, source, 0,
                            false);
}

/* Compare contents: qemu-img exits 0 when identical, 1 when different,
 * higher on errors. */
int
qemuImgCompare(const char *binary, const char *a, const char *formatA,
               const char *b, const char *formatB)
{
    g_autoptr(virCommand) cmd = NULL;
    int status = 0;

    if (qemuImgCheckPath(a) < 0 || qemuImgCheckPath(b) < 0)
        return -1;
    cmd = qemuImgCommandNew(binary, "compare");
    virCommandSetTimeout(cmd, QEMU_IMG_COMPARE_TIMEOUT_MS);
    if (formatA)
        virCommandAddArgPair(cmd, "-f", formatA);
    if (formatB)
        virCommandAddArgPair(cmd, "-F", formatB);
    virCommandAddArgList(cmd, "--", a, b, NULL);
    if (virCommandRun(cmd, &status) < 0)
        return -1;
    if (status > 1) {
        g_autofree char *msg = g_strstrip(g_strdup(virCommandGetStderr(cmd)));

        virReportError(VIR_ERR_OPERATION_FAILED,
                       _("cannot compare '%s' with '%s': %s"), a, b, msg);
        return -1;
    }
    return status;
}

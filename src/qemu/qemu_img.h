/*
 * qemu_img.h: running qemu-img to create images, read their metadata
 * (format, size, backing chain, persistent bitmaps), edit the bitmaps of
 * images no QEMU has open, and compare contents
 *
 * Every function takes the qemu-img program to run (the driver's
 * 'qemu_img' setting): NULL runs qemu-img from PATH.  Image paths must be
 * absolute (VIR_ERR_INVALID_ARG otherwise).  A failing qemu-img is
 * VIR_ERR_OPERATION_FAILED quoting its own message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virenum.h"

typedef enum {
    QEMU_IMG_FORMAT_RAW,
    QEMU_IMG_FORMAT_QCOW2,
    QEMU_IMG_FORMAT_LAST
} qemuImgFormat;
VIR_ENUM_DECL(qemuImgFormat);

/* The flags qemu-img lists for a persistent bitmap. */
typedef enum {
    QEMU_IMG_BITMAP_FLAG_IN_USE,    /* open read-write, or not closed cleanly */
    QEMU_IMG_BITMAP_FLAG_AUTO,      /* enabled: recording writes */
    QEMU_IMG_BITMAP_FLAG_LAST
} qemuImgBitmapFlag;
VIR_ENUM_DECL(qemuImgBitmapFlag);

typedef struct _qemuImgBitmap qemuImgBitmap;
struct _qemuImgBitmap {
    char *name;
    unsigned long long granularity;
    bool inUse;
    bool recording;
};

typedef struct _qemuImgInfo qemuImgInfo;
struct _qemuImgInfo {
    char *filename;
    char *format;
    unsigned long long virtualSize;
    unsigned long long actualSize;
    char *backingFilename;          /* as written in the image header */
    char *fullBackingFilename;      /* resolved against the image */
    char *backingFormat;
    bool dirty;
    bool corrupt;
    qemuImgBitmap *bitmaps;
    size_t nbitmaps;
    qemuImgInfo *backing;           /* next image down, when asked for */
};

void qemuImgInfoFree(qemuImgInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuImgInfo, qemuImgInfoFree);

/* The program run for binary: binary itself, or "qemu-img". */
const char *qemuImgBinary(const char *binary);

/* Create path.  size 0 takes the backing image's size.  A backing image
 * needs its format. */
int qemuImgCreate(const char *binary, const char *path, qemuImgFormat format,
                  unsigned long long size, const char *backing,
                  qemuImgFormat backingFormat);

/* qemu-img info --output=json -U (shared lock: works on images a running
 * QEMU has open, where it may show stale data).  format NULL = probe.
 * With chain, info->backing follows the whole backing chain. */
qemuImgInfo *qemuImgGetInfo(const char *binary, const char *path,
                            const char *format, bool chain);
/* Parse that JSON (an object, or with chain an array). */
qemuImgInfo *qemuImgInfoParse(const char *json, bool chain);
const qemuImgBitmap *qemuImgInfoFindBitmap(const qemuImgInfo *info,
                                           const char *name);

/* Offline bitmap edits (the image must not be open in QEMU).
 * granularity 0 = qemu-img's default. */
int qemuImgBitmapAdd(const char *binary, const char *path, const char *name,
                     unsigned long long granularity, bool disabled);
int qemuImgBitmapRemove(const char *binary, const char *path, const char *name);
int qemuImgBitmapEnable(const char *binary, const char *path, const char *name);
int qemuImgBitmapDisable(const char *binary, const char *path, const char *name);
int qemuImgBitmapClear(const char *binary, const char *path, const char *name);
/* Merge bitmap source into target, both in path. */
int qemuImgBitmapMerge(const char *binary, const char *path,
                       const char *source,
                       const char *target);

/* Compare guest-visible contents: 0 identical, 1 different, -1 error.
 * Formats may be NULL (probed). */
int qemuImgCompare(const char *binary, const char *a, const char *formatA,
                   const char *b, const char *formatB);

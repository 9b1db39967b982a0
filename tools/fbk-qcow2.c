/*
 * fbk-qcow2.c: fleece-backup — a qcow2 (version 3) writer for restore
 *
 * Restore produces the clusters of a disk in ascending order, so the
 * image is written front to back: the header cluster, then data
 * clusters in the order they come (each L2 table written right after
 * the data it maps, when the next 512 MiB range starts), and at the end
 * the L1 table, the refcount table and refcount blocks (every cluster
 * used once, refcount 1), and finally the header.  Clusters never
 * written are unallocated and read as zeros; there is no backing file.
 * The file is useless until Finish wrote the header, which is why
 * restore writes under a temporary name and renames it afterwards.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "fbk.h"

#define QCOW2_MAGIC 0x514649fbU
#define QCOW2_CLUSTER_BITS 16
#define QCOW2_CLUSTER ((guint64) 1 << QCOW2_CLUSTER_BITS)
#define QCOW2_L2_ENTRIES (QCOW2_CLUSTER / 8)
#define QCOW2_REFCOUNT_ORDER 4                          /* 16-bit refcounts */
#define QCOW2_REFBLOCK_ENTRIES (QCOW2_CLUSTER / 2)
#define QCOW2_COPIED (1ULL << 63)
#define QCOW2_HEADER_LENGTH 104

G_STATIC_ASSERT(QCOW2_CLUSTER == FBK_BLOCK_SIZE);

struct _fbkQcow2Writer {
    int fd;
    guint64 size;
    guint64 l1Size;
    guint64 *l1;                /* host offsets of L2 tables (0: none) */
    guint64 *l2;                /* the current L2 table, big-endian */
    gint64 l2Index;             /* which L1 entry it is, -1: none */
    guint64 nextCluster;        /* next free host cluster */
    guint64 nextOffset;         /* guest offsets must ascend */
    fbkWriteBehind wb;
};

fbkQcow2Writer *
fbkQcow2WriterNew(int fd, guint64 size)
{
    fbkQcow2Writer *w = g_new0(fbkQcow2Writer, 1);
    guint64 clusters = (size + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER;

    w->fd = fd;
    w->size = size;
    w->l1Size = MAX(1, (clusters + QCOW2_L2_ENTRIES - 1) / QCOW2_L2_ENTRIES);
    w->l1 = g_new0(guint64, w->l1Size);
    w->l2 = g_new0(guint64, QCOW2_L2_ENTRIES);
    w->l2Index = -1;
    w->nextCluster = 1;         /* cluster 0: the header */
    fbkWriteBehindInit(&w->wb, fd);
    return w;
}

void
fbkQcow2WriterFree(fbkQcow2Writer *w)
{
    if (!w)
        return;
    fbkWriteBehindClear(&w->wb);
    g_free(w->l1);
    g_free(w->l2);
    g_free(w);
}

static int
fbkQcow2FlushL2(fbkQcow2Writer *w, GError **error)
{
    guint64 host;

    if (w->l2Index < 0)
        return 0;
    host = w->nextCluster++ * QCOW2_CLUSTER;
    if (fbkPwriteAll(w->fd, w->l2, QCOW2_CLUSTER, host, error) < 0)
        return -1;
    fbkWriteBehindAdd(&w->wb, host, QCOW2_CLUSTER);
    w->l1[w->l2Index] = host;
    memset(w->l2, 0, QCOW2_CLUSTER);
    w->l2Index = -1;
    return 0;
}

int
fbkQcow2WriterWrite(fbkQcow2Writer *w, guint64 offset, const void *buf, size_t len,
                    GError **error)
{
    const guint8 *p = buf;

    if ((offset & (QCOW2_CLUSTER - 1)) || offset < w->nextOffset ||
        offset + len > w->size ||
        ((len & (QCOW2_CLUSTER - 1)) && offset + len != w->size)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED,
                    _("qcow2 writer: write of %zu bytes at offset %llu is out of order"),
                    len, (unsigned long long) offset);
        return -1;
    }
    while (len > 0) {
        guint64 cluster = offset / QCOW2_CLUSTER;
        gint64 l1idx = cluster / QCOW2_L2_ENTRIES;
        guint64 inTable = QCOW2_L2_ENTRIES - cluster % QCOW2_L2_ENTRIES;
        size_t chunk = MIN(len, inTable * QCOW2_CLUSTER);
        guint64 n = (chunk + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER;
        guint64 host, i;

        if (l1idx != w->l2Index) {
            if (fbkQcow2FlushL2(w, error) < 0)
                return -1;
            w->l2Index = l1idx;
        }
        host = w->nextCluster * QCOW2_CLUSTER;
        if (fbkPwriteAll(w->fd, p, chunk, host, error) < 0)
            return -1;
        fbkWriteBehindAdd(&w->wb, host, chunk);
        for (i = 0; i < n; i++)
            w->l2[(cluster + i) % QCOW2_L2_ENTRIES] =
                GUINT64_TO_BE((host + i * QCOW2_CLUSTER) | QCOW2_COPIED);
        w->nextCluster += n;
        offset += chunk;
        p += chunk;
        len -= chunk;
        w->nextOffset = offset;
    }
    return 0;
}

static void
fbkPutBE32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

static void
fbkPutBE64(guint8 *p, guint64 v)
{
    v = GUINT64_TO_BE(v);
    memcpy(p, &v, 8);
}

int
fbkQcow2WriterFinish(fbkQcow2Writer *w, GError **error)
{
    g_autofree guint8 *buf = NULL;
    guint64 l1Clusters, l1Offset, used, nblocks = 0, ntable = 0, total, i;
    guint64 tableOffset, blocksOffset;

    if (fbkQcow2FlushL2(w, error) < 0)
        return -1;

    /* the L1 table */
    l1Clusters = (w->l1Size * 8 + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER;
    l1Offset = w->nextCluster * QCOW2_CLUSTER;
    buf = g_malloc0(l1Clusters * QCOW2_CLUSTER);
    for (i = 0; i < w->l1Size; i++) {
        if (w->l1[i])
            fbkPutBE64(buf + i * 8, w->l1[i] | QCOW2_COPIED);
    }
    if (fbkPwriteAll(w->fd, buf, l1Clusters * QCOW2_CLUSTER, l1Offset, error) < 0)
        return -1;
    g_clear_pointer(&buf, g_free);
    used = w->nextCluster + l1Clusters;

    /* refcount blocks and table cover every cluster, themselves too */
    for (;;) {
        guint64 b, t;

        total = used + nblocks + ntable;
        b = (total + QCOW2_REFBLOCK_ENTRIES - 1) / QCOW2_REFBLOCK_ENTRIES;
        t = (b * 8 + QCOW2_CLUSTER - 1) / QCOW2_CLUSTER;
        if (b == nblocks && t == ntable)
            break;
        nblocks = b;
        ntable = t;
    }
    tableOffset = used * QCOW2_CLUSTER;
    blocksOffset = tableOffset + ntable * QCOW2_CLUSTER;

    buf = g_malloc0(ntable * QCOW2_CLUSTER);
    for (i = 0; i < nblocks; i++)
        fbkPutBE64(buf + i * 8, blocksOffset + i * QCOW2_CLUSTER);
    if (fbkPwriteAll(w->fd, buf, ntable * QCOW2_CLUSTER, tableOffset, error) < 0)
        return -1;
    g_clear_pointer(&buf, g_free);

    buf = g_malloc(QCOW2_CLUSTER);
    for (i = 0; i < nblocks; i++) {
        guint64 first = i * QCOW2_REFBLOCK_ENTRIES, j;

        memset(buf, 0, QCOW2_CLUSTER);
        for (j = 0; j < QCOW2_REFBLOCK_ENTRIES && first + j < total; j++) {
            buf[j * 2] = 0;
            buf[j * 2 + 1] = 1;
        }
        if (fbkPwriteAll(w->fd, buf, QCOW2_CLUSTER, blocksOffset + i * QCOW2_CLUSTER,
                         error) < 0)
            return -1;
    }

    /* the header, last */
    memset(buf, 0, QCOW2_CLUSTER);
    fbkPutBE32(buf + 0, QCOW2_MAGIC);
    fbkPutBE32(buf + 4, 3);
    fbkPutBE32(buf + 20, QCOW2_CLUSTER_BITS);
    fbkPutBE64(buf + 24, w->size);
    fbkPutBE32(buf + 36, w->l1Size);
    fbkPutBE64(buf + 40, l1Offset);
    fbkPutBE64(buf + 48, tableOffset);
    fbkPutBE32(buf + 56, ntable);
    fbkPutBE32(buf + 96, QCOW2_REFCOUNT_ORDER);
    fbkPutBE32(buf + 100, QCOW2_HEADER_LENGTH);
    /* no header extensions: the end marker (eight zero bytes) follows */
    if (fbkPwriteAll(w->fd, buf, QCOW2_CLUSTER, 0, error) < 0)
        return -1;
    if (fsync(w->fd) < 0) {
        fbkErrorSystem(error, errno, _("cannot sync the image"));
        return -1;
    }
    return 0;
}

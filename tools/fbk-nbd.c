/*
 * fbk-nbd.c: fleece-backup — reading one disk of a pull backup over NBD
 *
 * Two phases, both spread over several connections to the export:
 *
 *  1. Plan: block status of the whole disk, window by window, with
 *     base:allocation (what may hold data) and, for an incremental, the
 *     export's dirty bitmap (what changed).  Each repository block gets
 *     two bits: DATA (some byte may be non-zero) and DIRTY.
 *  2. Read: runs of blocks to read become requests of at most
 *     requestSize bytes; each connection keeps `depth` of them in flight
 *     (libnbd aio), and as each arrives, splits it into blocks, drops
 *     the zero ones (an incremental records them as zero), digests the
 *     others and writes them to the data file where the plan put the
 *     request: requests end to end in disk order, so that a restore reads
 *     each data file front to back (a block found zero leaves a hole).
 *
 * The result is the point's records, sorted by disk offset.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include <libnbd.h>

#include "fbk.h"

#define FBK_NBD_WINDOW (1ULL << 30)     /* block status per call, at most */
#define FBK_BLK_DATA 1
#define FBK_BLK_DIRTY 2

typedef struct {
    guint64 offset;
    guint64 len;
    guint64 dataoff;        /* where its bytes go in the data file */
} fbkRequest;

typedef struct {
    const fbkNBDReadParams *params;
    bool incremental;
    char *bitmapContext;
    guint64 size;
    guint64 nblocks;
    guint8 *blocks;
    GArray *requests;               /* fbkRequest */
    gint nextWindow;                /* atomic */
    gint nextRequest;               /* atomic */
    guint64 dataSize;               /* the requests' bytes, end to end */
    guint64 issued;                 /* bytes asked for, atomic (rate limit) */
    gint64 started;
    GMutex lock;
    GError *error;                  /* the first one */
    gint failed;                    /* atomic */
} fbkReadState;

typedef struct {
    fbkReadState *st;
    struct nbd_handle *h;
    GArray *records;                /* fbkRecord, this connection's */
    fbkWriteBehind wb;              /* this connection's writes */
} fbkReader;

static void
fbkReadFail(fbkReadState *st, GError *err)
{
    g_mutex_lock(&st->lock);
    if (!st->error)
        st->error = err;
    else
        g_error_free(err);
    g_mutex_unlock(&st->lock);
    g_atomic_int_set(&st->failed, 1);
}

static GError *
fbkNBDError(const char *what)
{
    const char *msg = nbd_get_error();

    return g_error_new(FBK_ERROR, FBK_ERROR_NBD, "%s: %s", what,
                       msg ? msg : _("unknown NBD error"));
}

static struct nbd_handle *
fbkNBDOpen(const fbkNBDReadParams *params, const char *bitmapContext, GError **error)
{
    struct nbd_handle *h = nbd_create();
    int rc;

    if (!h) {
        *error = fbkNBDError(_("cannot create an NBD handle"));
        return NULL;
    }
    if (nbd_set_export_name(h, params->exportName) < 0 ||
        nbd_add_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION) < 0 ||
        (bitmapContext && nbd_add_meta_context(h, bitmapContext) < 0))
        goto error;
    if (params->socket)
        rc = nbd_connect_unix(h, params->socket);
    else
        rc = nbd_connect_tcp(h, params->tcpHost, params->tcpPort);
    if (rc < 0)
        goto error;
    if (nbd_can_meta_context(h, LIBNBD_CONTEXT_BASE_ALLOCATION) != 1 ||
        (bitmapContext && nbd_can_meta_context(h, bitmapContext) != 1)) {
        *error = g_error_new(FBK_ERROR, FBK_ERROR_NBD,
                             _("export '%s' does not offer '%s'"), params->exportName,
                             bitmapContext ? bitmapContext : LIBNBD_CONTEXT_BASE_ALLOCATION);
        nbd_close(h);
        return NULL;
    }
    return h;

 error:
    {
        g_autofree char *what = g_strdup_printf(_("cannot connect to export '%s'"),
                                                params->exportName);
        *error = fbkNBDError(what);
    }
    nbd_close(h);
    return NULL;
}

int
fbkNBDExportSize(const fbkNBDReadParams *params, guint64 *size, GError **error)
{
    GError *err = NULL;
    struct nbd_handle *h = fbkNBDOpen(params, NULL, &err);
    int64_t sz;

    if (!h) {
        g_propagate_error(error, err);
        return -1;
    }
    if ((sz = nbd_get_size(h)) < 0) {
        g_propagate_error(error, fbkNBDError(_("cannot get the export size")));
        nbd_close(h);
        return -1;
    }
    *size = sz;
    nbd_close(h);
    return 0;
}

/* ---- planning --------------------------------------------------------------- */

typedef struct {
    fbkReadState *st;
    guint64 windowEnd;
    guint64 endAlloc;               /* how far each context answered */
    guint64 endDirty;
} fbkPlanWindow;

static void
fbkPlanMark(fbkReadState *st, guint64 start, guint64 end, guint8 bit)
{
    guint64 b;

    for (b = start >> FBK_BLOCK_SHIFT; b < st->nblocks && (b << FBK_BLOCK_SHIFT) < end; b++)
        st->blocks[b] |= bit;
}

static int
fbkPlanExtents(void *opaque, const char *metacontext, uint64_t offset,
               uint32_t *entries, size_t nr, int *error G_GNUC_UNUSED)
{
    fbkPlanWindow *w = opaque;
    bool alloc = g_str_equal(metacontext, LIBNBD_CONTEXT_BASE_ALLOCATION);
    bool dirty = w->st->bitmapContext && g_str_equal(metacontext, w->st->bitmapContext);
    size_t i;

    if (!alloc && !dirty)
        return 0;
    for (i = 0; i + 1 < nr; i += 2) {
        guint64 end = MIN(offset + entries[i], w->windowEnd);

        if (alloc && !(entries[i + 1] & LIBNBD_STATE_ZERO))
            fbkPlanMark(w->st, offset, end, FBK_BLK_DATA);
        if (dirty && (entries[i + 1] & 1))
            fbkPlanMark(w->st, offset, end, FBK_BLK_DIRTY);
        offset = end;
        if (offset >= w->windowEnd)
            break;
    }
    if (alloc)
        w->endAlloc = MAX(w->endAlloc, offset);
    else
        w->endDirty = MAX(w->endDirty, offset);
    return 0;
}

static int
fbkPlanWindowRun(fbkReader *r, guint64 start, guint64 end)
{
    fbkReadState *st = r->st;
    guint64 pos = start;

    while (pos < end) {
        fbkPlanWindow w = { st, end, pos, st->bitmapContext ? pos : end };
        nbd_extent_callback cb = { .callback = fbkPlanExtents, .user_data = &w };
        guint64 next;

        if (g_atomic_int_get(&st->failed))
            return -1;
        if (nbd_block_status(r->h, end - pos, pos, cb, 0) < 0) {
            fbkReadFail(st, fbkNBDError(_("block status failed")));
            return -1;
        }
        next = MIN(w.endAlloc, w.endDirty);
        if (next <= pos) {
            fbkReadFail(st, g_error_new(FBK_ERROR, FBK_ERROR_NBD,
                                        _("the server answered no block status at offset %" PRIu64),
                                        pos));
            return -1;
        }
        pos = next;
    }
    return 0;
}

static gpointer
fbkPlanThread(gpointer opaque)
{
    fbkReader *r = opaque;
    fbkReadState *st = r->st;
    guint64 nwindows = (st->size + FBK_NBD_WINDOW - 1) / FBK_NBD_WINDOW;

    for (;;) {
        guint64 w = g_atomic_int_add(&st->nextWindow, 1);

        if (w >= nwindows || fbkInterrupted)
            break;
        if (fbkPlanWindowRun(r, w * FBK_NBD_WINDOW,
                             MIN(st->size, (w + 1) * FBK_NBD_WINDOW)) < 0)
            break;
    }
    return NULL;
}

/* Runs of blocks to read, cut into requests; zero records for the
 * blocks an incremental must mark as zeroed. */
static void
fbkPlanRequests(fbkReadState *st, GArray *zeroRecords, guint64 *total)
{
    guint64 max = MAX(FBK_BLOCK_SIZE, st->params->requestSize & ~(FBK_BLOCK_SIZE - 1));
    fbkRequest cur = { 0, 0, 0 };
    guint64 b;

    *total = 0;
    for (b = 0; b < st->nblocks; b++) {
        guint8 f = st->blocks[b];
        guint64 off = b << FBK_BLOCK_SHIFT;
        guint64 len = MIN(FBK_BLOCK_SIZE, st->size - off);
        bool want = st->incremental ? (f & FBK_BLK_DIRTY) : true;

        if (want && (f & FBK_BLK_DATA)) {
            if (cur.len && (cur.offset + cur.len != off || cur.len + len > max)) {
                g_array_append_val(st->requests, cur);
                cur.len = 0;
            }
            if (!cur.len) {
                cur.offset = off;
                cur.dataoff = *total;
            }
            cur.len += len;
            *total += len;
            continue;
        }
        if (want && st->incremental) {
            fbkRecord z = { off, FBK_DATA_ZERO, { 0, 0 } };

            g_array_append_val(zeroRecords, z);
        }
    }
    if (cur.len)
        g_array_append_val(st->requests, cur);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct {
    guint8 *buf;
    fbkRequest req;
    gint done;
    int err;
    bool busy;
} fbkSlot;

static int
fbkReadDone(void *opaque, int *error)
{
    fbkSlot *s = opaque;

    s->err = *error;
    s->done = 1;
    return 1;   /* retire the command */
}

/* Blocks of one request: zero ones skipped (recorded for an
 * incremental), runs of the others written to the data file. */
static int
fbkReadProcess(fbkReader *r, fbkSlot *s, GError **error)
{
    fbkReadState *st = r->st;
    guint64 pos = 0;

    while (pos < s->req.len) {
        guint64 runStart = pos, runLen = 0, dataoff, i;

        /* zero blocks before the next run */
        while (pos < s->req.len) {
            guint64 len = MIN(FBK_BLOCK_SIZE, s->req.len - pos);

            if (!fbkBufferIsZero(s->buf + pos, len))
                break;
            if (st->incremental) {
                fbkRecord z = { s->req.offset + pos, FBK_DATA_ZERO, { 0, 0 } };

                g_array_append_val(r->records, z);
            }
            pos += len;
        }
        runStart = pos;
        while (pos < s->req.len) {
            guint64 len = MIN(FBK_BLOCK_SIZE, s->req.len - pos);

            if (fbkBufferIsZero(s->buf + pos, len))
                break;
            pos += len;
            runLen += len;
        }
        if (!runLen)
            continue;
        dataoff = s->req.dataoff + runStart;
        if (fbkPwriteAll(st->params->dataFd, s->buf + runStart, runLen, dataoff, error) < 0) {
            g_prefix_error(error, _("data file: "));
            return -1;
        }
        fbkWriteBehindAdd(&r->wb, dataoff, runLen);

        for (i = runStart; i < runStart + runLen; i += FBK_BLOCK_SIZE) {
            guint64 len = MIN(FBK_BLOCK_SIZE, runStart + runLen - i);
            fbkRecord rec = { s->req.offset + i, dataoff + (i - runStart),
                              fbkDigestBlock(s->buf + i, len, s->req.offset + i) };

            g_array_append_val(r->records, rec);
        }
    }
    if (st->params->progress)
        __atomic_fetch_add(&st->params->progress->done, s->req.len, __ATOMIC_RELAXED);
    return 0;
}

/* Sleep as long as the bytes asked for so far are ahead of the limit. */
static void
fbkRateWait(fbkReadState *st, guint64 len)
{
    guint64 limit = st->params->rateLimit;
    guint64 asked;
    gint64 due, now;

    if (!limit)
        return;
    asked = __atomic_add_fetch(&st->issued, len, __ATOMIC_RELAXED);
    due = st->started + (gint64) (asked * (double) G_USEC_PER_SEC / limit);
    now = g_get_monotonic_time();
    while (now < due && !fbkInterrupted && !g_atomic_int_get(&st->failed)) {
        g_usleep(MIN(due - now, 100000));
        now = g_get_monotonic_time();
    }
}

static gpointer
fbkReadThread(gpointer opaque)
{
    fbkReader *r = opaque;
    fbkReadState *st = r->st;
    int depth = MAX(1, st->params->depth);
    g_autofree fbkSlot *slots = g_new0(fbkSlot, depth);
    size_t bufsize = MAX(FBK_BLOCK_SIZE, st->params->requestSize);
    int inflight = 0;
    bool more = true;
    int i;

    for (i = 0; i < depth; i++)
        slots[i].buf = g_malloc(bufsize);

    for (;;) {
        if (g_atomic_int_get(&st->failed) || fbkInterrupted)
            break;
        for (i = 0; more && i < depth; i++) {
            nbd_completion_callback cb = { .callback = fbkReadDone, .user_data = &slots[i] };
            gint n;

            if (slots[i].busy)
                continue;
            n = g_atomic_int_add(&st->nextRequest, 1);
            if (n >= (gint) st->requests->len) {
                more = false;
                break;
            }
            slots[i].req = g_array_index(st->requests, fbkRequest, n);
            slots[i].done = 0;
            slots[i].err = 0;
            fbkRateWait(st, slots[i].req.len);
            if (nbd_aio_pread(r->h, slots[i].buf, slots[i].req.len, slots[i].req.offset,
                              cb, 0) < 0) {
                fbkReadFail(st, fbkNBDError(_("cannot send a read request")));
                goto done;
            }
            slots[i].busy = true;
            inflight++;
        }
        if (!inflight)
            break;
        if (nbd_poll(r->h, -1) < 0) {
            fbkReadFail(st, fbkNBDError(_("NBD connection failed")));
            goto done;
        }
        for (i = 0; i < depth; i++) {
            GError *err = NULL;

            if (!slots[i].busy || !slots[i].done)
                continue;
            slots[i].busy = false;
            inflight--;
            if (slots[i].err) {
                fbkReadFail(st, g_error_new(FBK_ERROR, FBK_ERROR_NBD,
                                            _("read of %" PRIu64 " bytes at offset %" PRIu64 " failed: %s"),
                                            slots[i].req.len, slots[i].req.offset,
                                            g_strerror(slots[i].err)));
                goto done;
            }
            if (fbkReadProcess(r, &slots[i], &err) < 0) {
                fbkReadFail(st, err);
                goto done;
            }
        }
    }

 done:
    /* the buffers of requests still in flight belong to libnbd until
     * the handle is closed: close it here, before freeing them */
    nbd_close(r->h);
    r->h = NULL;
    for (i = 0; i < depth; i++)
        g_free(slots[i].buf);
    return NULL;
}

static gint
fbkRecordCompare(gconstpointer a, gconstpointer b)
{
    const fbkRecord *x = a, *y = b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void
fbkNBDReadResultClear(fbkNBDReadResult *res)
{
    if (res->records)
        g_array_unref(res->records);
    memset(res, 0, sizeof(*res));
}

int
fbkNBDRead(const fbkNBDReadParams *params, fbkNBDReadResult *res, GError **error)
{
    fbkReadState st = { 0 };
    int nconn = CLAMP(params->connections, 1, 64);
    g_autofree fbkReader *readers = g_new0(fbkReader, nconn);
    g_autofree GThread **threads = g_new0(GThread *, nconn);
    g_autoptr(GArray) zeros = g_array_new(FALSE, FALSE, sizeof(fbkRecord));
    guint64 total = 0;
    int64_t sz;
    int ret = -1;
    int i;

    memset(res, 0, sizeof(*res));
    st.params = params;
    st.incremental = params->bitmap != NULL;
    st.bitmapContext = params->bitmap ? g_strdup_printf("qemu:dirty-bitmap:%s", params->bitmap)
                                      : NULL;
    st.requests = g_array_new(FALSE, FALSE, sizeof(fbkRequest));
    g_mutex_init(&st.lock);

    for (i = 0; i < nconn; i++) {
        GError *err = NULL;

        readers[i].st = &st;
        readers[i].records = g_array_new(FALSE, FALSE, sizeof(fbkRecord));
        fbkWriteBehindInit(&readers[i].wb, params->dataFd);
        if (!(readers[i].h = fbkNBDOpen(params, st.bitmapContext, &err))) {
            g_propagate_error(error, err);
            goto cleanup;
        }
    }
    if ((sz = nbd_get_size(readers[0].h)) < 0) {
        g_propagate_error(error, fbkNBDError(_("cannot get the export size")));
        goto cleanup;
    }
    st.size = sz;
    st.nblocks = (st.size + FBK_BLOCK_SIZE - 1) >> FBK_BLOCK_SHIFT;
    st.blocks = g_malloc0(MAX(st.nblocks, 1));

    /* 1: plan */
    for (i = 0; i < nconn; i++)
        threads[i] = g_thread_new("fbk-plan", fbkPlanThread, &readers[i]);
    for (i = 0; i < nconn; i++)
        g_thread_join(threads[i]);
    if (st.error) {
        g_propagate_error(error, g_steal_pointer(&st.error));
        goto cleanup;
    }
    if (fbkCheckInterrupted(error))
        goto cleanup;
    fbkPlanRequests(&st, zeros, &total);
    st.dataSize = total;
    if (params->progress) {
        params->progress->total = total;
        params->progress->done = 0;
    }

    /* 2: read */
    st.started = g_get_monotonic_time();
    for (i = 0; i < nconn; i++)
        threads[i] = g_thread_new("fbk-read", fbkReadThread, &readers[i]);
    for (i = 0; i < nconn; i++)
        g_thread_join(threads[i]);
    if (st.error) {
        g_propagate_error(error, g_steal_pointer(&st.error));
        goto cleanup;
    }
    if (fbkCheckInterrupted(error))
        goto cleanup;

    /* blocks found zero at the end left no bytes: the file has the size
     * the index will record */
    if (ftruncate(params->dataFd, st.dataSize) < 0) {
        fbkErrorSystem(error, errno, _("cannot size the data file"));
        goto cleanup;
    }
    res->size = st.size;
    res->records = g_array_new(FALSE, FALSE, sizeof(fbkRecord));
    g_array_append_vals(res->records, zeros->data, zeros->len);
    for (i = 0; i < nconn; i++)
        g_array_append_vals(res->records, readers[i].records->data, readers[i].records->len);
    g_array_sort(res->records, fbkRecordCompare);
    res->dataSize = st.dataSize;
    res->bytesRead = total;
    ret = 0;

 cleanup:
    for (i = 0; i < nconn; i++) {
        if (readers[i].h)
            nbd_close(readers[i].h);
        if (readers[i].records)
            g_array_unref(readers[i].records);
        fbkWriteBehindClear(&readers[i].wb);
    }
    if (st.error)
        g_error_free(st.error);
    g_array_unref(st.requests);
    g_free(st.blocks);
    g_free(st.bitmapContext);
    g_mutex_clear(&st.lock);
    return ret;
}

/*
 * fbk-restore.c: fleece-backup — rebuilding a disk at a point
 *
 * fbkRebuild resolves a point's chain (the point, then its bases down to
 * a full one) into the newest copy of every non-zero block, reads them
 * in disk order in runs as long as the data files allow, checks each
 * block's digest, and hands the runs to a sink: a qcow2 or raw image
 * (restore --to), the disk image of a shut-off domain through qemu-nbd
 * (restore --to-disk), or a digest (verify --deep).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libnbd.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "fbk.h"

#define FBK_REBUILD_RUN (8ULL << 20)        /* bytes per read, at most */
#define FBK_REBUILD_AHEAD (64ULL << 20)     /* read ahead, at most */
#define FBK_REBUILD_GAP (1ULL << 20)        /* read over gaps this small */

typedef struct {
    guint first;                /* index of its first block in the resolved map */
    guint n;                    /* blocks */
    guint member;               /* chain member holding them */
    guint64 dataoff;
    guint64 len;
} fbkRebuildRun;
#define FBK_NBD_ZERO_MAX (1ULL << 30)

int
fbkRebuild(fbkDomainRepo *dr, fbkPoint *p, const char *disk, fbkBlockSink sink,
           void *opaque, fbkProgressCounter *progress, GError **error)
{
    g_autoptr(GPtrArray) chain = NULL;
    g_autoptr(GArray) resolved = NULL;
    g_autofree int *fds = NULL;
    g_autofree guint8 *buf = NULL;
    g_autoptr(GArray) runs = NULL;
    g_autofree fbkRange *prefetch = NULL;
    fbkPointDisk *pd;
    guint64 size, aheadBytes = 0;
    guint i = 0, m, r, ahead = 0;
    int ret = -1;

    if (!(chain = fbkChainGet(dr, p, disk, error)) ||
        !(resolved = fbkResolve(dr, chain, error)))
        return -1;
    pd = ((fbkChainMember *) g_ptr_array_index(chain, 0))->disk;
    size = pd->size;
    if (!fbkDigestEqual(fbkResolvedDigest(resolved), pd->digest)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                    _("point %u disk '%s': its chain does not add up to the digest recorded at backup time"),
                    p->number, disk);
        return -1;
    }
    fds = g_new(int, chain->len);
    for (m = 0; m < chain->len; m++)
        fds[m] = -1;
    for (m = 0; m < chain->len; m++) {
        fbkChainMember *cm = g_ptr_array_index(chain, m);
        g_autofree char *path = fbkDomainRepoPath(dr, cm->disk->data);
        struct stat sb;

        if ((fds[m] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            fbkErrorSystem(error, errno, _("cannot open '%s'"), path);
            goto cleanup;
        }
        if (fstat(fds[m], &sb) < 0 || (guint64) sb.st_size < cm->disk->dataSize) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                        _("data file '%s' is shorter than its index says"), path);
            goto cleanup;
        }
        posix_fadvise(fds[m], 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    if (progress) {
        progress->total = (guint64) resolved->len * FBK_BLOCK_SIZE;
        progress->done = 0;
    }

    /* the runs: contiguous in the disk and in one data file */
    runs = g_array_new(FALSE, FALSE, sizeof(fbkRebuildRun));
    while (i < resolved->len) {
        const fbkResolved *first = &g_array_index(resolved, fbkResolved, i);
        fbkRebuildRun run = { i, 1, first->member, first->dataoff,
                              MIN(FBK_BLOCK_SIZE, size - first->offset) };

        while (i + run.n < resolved->len && run.len + FBK_BLOCK_SIZE <= FBK_REBUILD_RUN) {
            const fbkResolved *next = &g_array_index(resolved, fbkResolved, i + run.n);

            if (next->member != first->member || next->offset != first->offset + run.len ||
                next->dataoff != first->dataoff + run.len)
                break;
            run.len += MIN(FBK_BLOCK_SIZE, size - next->offset);
            run.n++;
        }
        g_array_append_val(runs, run);
        i += run.n;
    }

    buf = g_malloc(FBK_REBUILD_RUN);
    prefetch = g_new0(fbkRange, chain->len);
    for (r = 0; r < runs->len; r++) {
        const fbkRebuildRun *run = &g_array_index(runs, fbkRebuildRun, r);
        const fbkResolved *first = &g_array_index(resolved, fbkResolved, run->first);
        guint k;
        guint64 pos;

        /* the runs after this one are read ahead by the kernel, several
         * at a time: the chain's files are read in disk order, which
         * jumps between them */
        while (ahead < runs->len && aheadBytes < FBK_REBUILD_AHEAD) {
            const fbkRebuildRun *a = &g_array_index(runs, fbkRebuildRun, ahead);
            fbkRange *pf = &prefetch[a->member];

            /* ranges of one file close together are asked for at once */
            if (pf->len && a->dataoff >= pf->offset + pf->len &&
                a->dataoff <= pf->offset + pf->len + FBK_REBUILD_GAP &&
                pf->len < FBK_REBUILD_AHEAD / 4) {
                pf->len = a->dataoff + a->len - pf->offset;
            } else {
                if (pf->len)
                    posix_fadvise(fds[a->member], pf->offset, pf->len, POSIX_FADV_WILLNEED);
                pf->offset = a->dataoff;
                pf->len = a->len;
            }
            aheadBytes += a->len;
            ahead++;
            if (ahead == runs->len) {
                for (m = 0; m < chain->len; m++) {
                    if (prefetch[m].len)
                        posix_fadvise(fds[m], prefetch[m].offset, prefetch[m].len,
                                      POSIX_FADV_WILLNEED);
                    prefetch[m].len = 0;
                }
            }
        }
        /* what the consumer is about to read is asked for now */
        if (prefetch[run->member].len && prefetch[run->member].offset <= run->dataoff) {
            posix_fadvise(fds[run->member], prefetch[run->member].offset,
                          prefetch[run->member].len, POSIX_FADV_WILLNEED);
            prefetch[run->member].len = 0;
        }
        aheadBytes -= MIN(aheadBytes, run->len);

        if (fbkCheckInterrupted(error))
            goto cleanup;
        if (fbkPreadAll(fds[run->member], buf, run->len, run->dataoff, error) < 0) {
            fbkChainMember *cm = g_ptr_array_index(chain, run->member);

            g_prefix_error(error, _("data file '%s': "), cm->disk->data);
            goto cleanup;
        }
        for (k = 0, pos = 0; k < run->n; k++) {
            const fbkResolved *rs = &g_array_index(resolved, fbkResolved, run->first + k);
            guint64 blen = MIN(FBK_BLOCK_SIZE, size - rs->offset);

            if (!fbkDigestEqual(fbkDigestBlock(buf + pos, blen, rs->offset), rs->digest)) {
                fbkChainMember *cm = g_ptr_array_index(chain, rs->member);

                g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                            _("point %u disk '%s': the block at offset %" PRIu64
                              " (stored by point %u in '%s' at %" PRIu64 ") is damaged"),
                            p->number, disk, rs->offset, cm->point->number, cm->disk->data,
                            rs->dataoff);
                goto cleanup;
            }
            pos += blen;
        }
        if (sink(opaque, first->offset, buf, run->len, error) < 0)
            goto cleanup;
        if (progress)
            __atomic_fetch_add(&progress->done, (guint64) run->n * FBK_BLOCK_SIZE,
                               __ATOMIC_RELAXED);
    }
    ret = 0;

 cleanup:
    for (m = 0; m < chain->len; m++) {
        if (fds[m] >= 0)
            close(fds[m]);
    }
    return ret;
}

/* ---- sinks ------------------------------------------------------------------ */

static int
fbkSinkQcow2(void *opaque, guint64 offset, const void *buf, size_t len, GError **error)
{
    return fbkQcow2WriterWrite(opaque, offset, buf, len, error);
}

static int
fbkSinkRaw(void *opaque, guint64 offset, const void *buf, size_t len, GError **error)
{
    fbkWriteBehind *wb = opaque;

    if (fbkPwriteAll(wb->fd, buf, len, offset, error) < 0)
        return -1;
    fbkWriteBehindAdd(wb, offset, len);
    return 0;
}

typedef struct {
    struct nbd_handle *h;
    guint64 pos;                /* written or zeroed up to here */
} fbkNBDSink;

static int
fbkNBDZero(fbkNBDSink *s, guint64 end, GError **error)
{
    while (s->pos < end) {
        guint64 len = MIN(end - s->pos, FBK_NBD_ZERO_MAX);

        if (nbd_zero(s->h, len, s->pos, 0) < 0) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_NBD, _("cannot zero the disk at %" PRIu64 ": %s"),
                        s->pos, nbd_get_error());
            return -1;
        }
        s->pos += len;
    }
    return 0;
}

static int
fbkSinkNBD(void *opaque, guint64 offset, const void *buf, size_t len, GError **error)
{
    fbkNBDSink *s = opaque;

    if (fbkNBDZero(s, offset, error) < 0)
        return -1;
    if (nbd_pwrite(s->h, buf, len, offset, 0) < 0) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_NBD, _("cannot write the disk at %" PRIu64 ": %s"),
                    offset, nbd_get_error());
        return -1;
    }
    s->pos = offset + len;
    return 0;
}

/* ---- restore into a file ---------------------------------------------------- */

static int
fbkRestoreToFile(fbkDomainRepo *dr, fbkPoint *p, fbkPointDisk *pd, const char *to,
                 bool raw, bool force, GError **error)
{
    g_autofree char *part = g_strdup_printf("%s.part", to);
    g_autofree char *dir = g_path_get_dirname(to);
    g_autoptr(fbkQcow2Writer) w = NULL;
    g_autofree char *label = g_strdup_printf("%s@%u", pd->name, p->number);
    g_autofree char *summary = NULL;
    fbkProgressCounter counter = { 0, 0 };
    fbkProgress *prog;
    int fd, rc;

    if (!force && g_file_test(to, G_FILE_TEST_EXISTS)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("'%s' exists (use --force to replace it)"), to);
        return -1;
    }
    /* a FILE.part left by an interrupted restore is replaced */
    if ((fd = open(part, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), part);
        return -1;
    }
    prog = fbkProgressStart(label, &counter);
    if (raw) {
        if (ftruncate(fd, pd->size) < 0) {
            fbkErrorSystem(error, errno, _("cannot size '%s'"), part);
            rc = -1;
        } else {
            fbkWriteBehind wb;

            fbkWriteBehindInit(&wb, fd);
            rc = fbkRebuild(dr, p, pd->name, fbkSinkRaw, &wb, &counter, error);
            fbkWriteBehindClear(&wb);
            if (rc == 0 && fsync(fd) < 0) {
                fbkErrorSystem(error, errno, _("cannot sync '%s'"), part);
                rc = -1;
            }
        }
    } else {
        w = fbkQcow2WriterNew(fd, pd->size);
        rc = fbkRebuild(dr, p, pd->name, fbkSinkQcow2, w, &counter, error);
        if (rc == 0)
            rc = fbkQcow2WriterFinish(w, error);
    }
    if (rc == 0)
        summary = g_strdup_printf(_("%s: point %u restored to '%s' (%s)"), pd->name, p->number,
                                  to, raw ? "raw" : "qcow2");
    fbkProgressEnd(prog, summary);
    close(fd);
    if (rc == 0 && rename(part, to) < 0) {
        fbkErrorSystem(error, errno, _("cannot rename '%s'"), part);
        rc = -1;
    }
    if (rc < 0) {
        unlink(part);
        return -1;
    }
    return fbkFsyncDir(dir, error);
}

/* ---- restore into a shut-off domain's disk ------------------------------------ */

/* The source file and format of a disk of the domain's inactive XML. */
static int
fbkDomainDiskSource(virDomainPtr dom, const char *target, char **file, char **format,
                    GError **error)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    g_autofree char *expr = NULL;
    xmlDocPtr doc = NULL;
    xmlXPathContextPtr ctx = NULL;
    xmlXPathObjectPtr res = NULL;
    int ret = -1;

    if (!xml) {
        fbkErrorLibvirt(error, _("cannot read the domain's XML"));
        return -1;
    }
    if (!(doc = xmlReadMemory(xml, strlen(xml), "domain.xml", NULL, XML_PARSE_NONET)) ||
        !(ctx = xmlXPathNewContext(doc)))
        goto bad;
    expr = g_strdup_printf("/domain/devices/disk[target/@dev='%s']", target);
    if (strchr(target, '\'') || !(res = xmlXPathEvalExpression((const xmlChar *) expr, ctx)) ||
        !res->nodesetval || res->nodesetval->nodeNr != 1) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("domain '%s' has no disk '%s'"), virDomainGetName(dom), target);
        goto cleanup;
    }
    ctx->node = res->nodesetval->nodeTab[0];
    {
        xmlXPathObjectPtr src = xmlXPathEvalExpression((const xmlChar *) "string(source/@file)", ctx);
        xmlXPathObjectPtr fmt = xmlXPathEvalExpression((const xmlChar *) "string(driver/@type)", ctx);

        if (src && src->stringval && *src->stringval)
            *file = g_strdup((const char *) src->stringval);
        *format = g_strdup(fmt && fmt->stringval && *fmt->stringval ?
                           (const char *) fmt->stringval : "raw");
        xmlXPathFreeObject(src);
        xmlXPathFreeObject(fmt);
    }
    if (!*file) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("disk '%s' of domain '%s' is not a file: only file disks can be restored into"),
                    target, virDomainGetName(dom));
        goto cleanup;
    }
    ret = 0;
    goto cleanup;

 bad:
    g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED, _("cannot parse the domain's XML"));
 cleanup:
    xmlXPathFreeObject(res);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(doc);
    return ret;
}

/* Write the point into the image with qemu-nbd, which opens it as QEMU
 * does: with the image locked against a concurrent start, and with the
 * image's persistent bitmaps recording every block written, so the
 * domain's checkpoints stay true (the next incremental backup copies
 * what the restore changed). */
static int
fbkRestoreThroughQemuNBD(fbkDomainRepo *dr, fbkPoint *p, fbkPointDisk *pd,
                         const char *image, const char *format, GError **error)
{
    g_autofree char *tmpdir = g_dir_make_tmp("fleece-backup-XXXXXX", NULL);
    g_autofree char *sock = NULL;
    g_autofree char *fmtopt = g_strdup_printf("--format=%s", format);
    g_autofree char *sockopt = NULL;
    g_autoptr(GError) err = NULL;
    g_autofree char *label = g_strdup_printf("%s@%u", pd->name, p->number);
    g_autofree char *summary = NULL;
    fbkProgressCounter counter = { 0, 0 };
    fbkNBDSink sink = { NULL, 0 };
    fbkProgress *prog = NULL;
    GPid pid = 0;
    int status = 0;
    int64_t size;
    int ret = -1;
    int i;

    if (!tmpdir) {
        fbkErrorSystem(error, errno, _("cannot create a private directory"));
        return -1;
    }
    sock = g_build_filename(tmpdir, "nbd.sock", NULL);
    sockopt = g_strdup_printf("--socket=%s", sock);
    {
        const char *argv[] = { "qemu-nbd", fmtopt, sockopt, "--cache=writeback",
                               "--discard=unmap", image, NULL };

        if (!g_spawn_async(NULL, (char **) argv, NULL,
                           G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                           G_SPAWN_STDOUT_TO_DEV_NULL,
                           NULL, NULL, &pid, &err)) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED,
                        _("cannot run qemu-nbd: %s"), err->message);
            goto cleanup;
        }
    }
    /* wait for the socket, or for qemu-nbd to give up (image locked) */
    for (i = 0; i < 1000 && !g_file_test(sock, G_FILE_TEST_EXISTS); i++) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            pid = 0;
            g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED,
                        _("qemu-nbd could not open '%s' (is the image in use?)"), image);
            goto cleanup;
        }
        g_usleep(10000);
    }
    if (!(sink.h = nbd_create()) || nbd_connect_unix(sink.h, sock) < 0) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_NBD, _("cannot connect to qemu-nbd: %s"),
                    nbd_get_error());
        goto cleanup;
    }
    if ((size = nbd_get_size(sink.h)) < 0 || (guint64) size != pd->size) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("disk image '%s' has %" PRId64 " bytes, point %u of disk '%s' has %" PRIu64),
                    image, size, p->number, pd->name, pd->size);
        goto cleanup;
    }
    prog = fbkProgressStart(label, &counter);
    ret = fbkRebuild(dr, p, pd->name, fbkSinkNBD, &sink, &counter, error);
    if (ret == 0)
        ret = fbkNBDZero(&sink, pd->size, error);
    if (ret == 0 && nbd_flush(sink.h, 0) < 0) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_NBD, _("cannot flush the disk: %s"),
                    nbd_get_error());
        ret = -1;
    }
    if (ret == 0)
        summary = g_strdup_printf(_("%s: point %u restored into '%s'"), pd->name, p->number, image);
    fbkProgressEnd(prog, summary);

 cleanup:
    if (sink.h) {
        nbd_shutdown(sink.h, 0);
        nbd_close(sink.h);
    }
    if (pid > 0) {
        /* qemu-nbd leaves after its client; it stores the bitmaps first */
        for (i = 0; i < 3000 && waitpid(pid, &status, WNOHANG) != pid; i++) {
            if (i == 500)
                kill(pid, SIGTERM);
            g_usleep(10000);
        }
        if (i == 3000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        if (ret == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_FAILED,
                        _("qemu-nbd did not close '%s' cleanly"), image);
            ret = -1;
        }
        g_spawn_close_pid(pid);
    }
    fbkRemoveTree(tmpdir);
    return ret;
}

static int
fbkRestoreToDomainDisk(fbkDomainRepo *dr, fbkPoint *p, fbkPointDisk *pd,
                       const char *domain, GError **error)
{
    g_autofree char *file = NULL;
    g_autofree char *format = NULL;
    virConnectPtr conn;
    virDomainPtr dom = NULL;
    int active;
    int ret = -1;

    if (!(conn = fbkConnect(error)))
        return -1;
    if (!(dom = virDomainLookupByName(conn, domain))) {
        fbkErrorLibvirt(error, _("cannot find domain '%s'"), domain);
        goto cleanup;
    }
    if ((active = virDomainIsActive(dom)) < 0) {
        fbkErrorLibvirt(error, _("cannot get the state of domain '%s'"), domain);
        goto cleanup;
    }
    if (active) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("domain '%s' is running: the API has no way to write a running domain's disk; "
                      "shut it down, or restore with --to FILE"), domain);
        goto cleanup;
    }
    if (fbkDomainDiskSource(dom, pd->name, &file, &format, error) < 0)
        goto cleanup;
    if (!g_str_equal(format, "qcow2") && !g_str_equal(format, "raw")) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("disk '%s' has format '%s': only qcow2 and raw can be restored into"),
                    pd->name, format);
        goto cleanup;
    }
    ret = fbkRestoreThroughQemuNBD(dr, p, pd, file, format, error);

 cleanup:
    if (dom)
        virDomainFree(dom);
    virConnectClose(conn);
    return ret;
}

int
fbkCmdRestore(const fbkRestoreArgs *args, json_object **result, GError **error)
{
    g_autoptr(fbkRepo) repo = NULL;
    g_autoptr(fbkDomainRepo) dr = NULL;
    const char *diskName = args->toDisk ? args->toDisk : args->disk;
    gint64 t0 = g_get_monotonic_time();
    fbkPointDisk *pd = NULL;
    fbkPoint *p;
    bool raw = false;
    json_object *res;

    if (!!args->to == !!args->toDisk) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                    _("restore needs exactly one of --to FILE and --to-disk DISK"));
        return -1;
    }
    if (args->format) {
        if (!args->to || (!g_str_equal(args->format, "qcow2") &&
                          !g_str_equal(args->format, "raw"))) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                        _("--format takes 'qcow2' or 'raw', with --to"));
            return -1;
        }
        raw = g_str_equal(args->format, "raw");
    }
    if (args->toDisk && args->disk && !g_str_equal(args->toDisk, args->disk)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                    _("--disk '%s' and --to-disk '%s' disagree"), args->disk, args->toDisk);
        return -1;
    }
    if (!(repo = fbkRepoOpen(args->repo, false, error)) ||
        !(dr = fbkDomainRepoOpen(repo, args->domain, false, FBK_LOCK_SHARED, error)) ||
        !(p = fbkDomainRepoPointArg(dr, args->point, error)))
        return -1;
    if (diskName) {
        if (!(pd = fbkPointFindDisk(p, diskName))) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("point %u of domain '%s' has no disk '%s'"), p->number,
                        dr->name, diskName);
            return -1;
        }
    } else if (p->disks->len == 1) {
        pd = g_ptr_array_index(p->disks, 0);
    } else {
        g_autoptr(GString) names = g_string_new(NULL);
        guint i;

        for (i = 0; i < p->disks->len; i++)
            g_string_append_printf(names, "%s%s", i ? ", " : "",
                                   ((fbkPointDisk *) g_ptr_array_index(p->disks, i))->name);
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE,
                    _("point %u has several disks (%s): choose one with --disk"),
                    p->number, names->str);
        return -1;
    }

    if (args->to) {
        if (fbkRestoreToFile(dr, p, pd, args->to, raw, args->force, error) < 0)
            return -1;
    } else if (fbkRestoreToDomainDisk(dr, p, pd, args->domain, error) < 0) {
        return -1;
    }

    res = json_object_new_object();
    json_object_object_add(res, "domain", json_object_new_string(dr->name));
    json_object_object_add(res, "point", json_object_new_int64(p->number));
    json_object_object_add(res, "disk", json_object_new_string(pd->name));
    if (args->to) {
        json_object_object_add(res, "to", json_object_new_string(args->to));
        json_object_object_add(res, "format", json_object_new_string(raw ? "raw" : "qcow2"));
    } else {
        json_object_object_add(res, "to-disk", json_object_new_string(args->toDisk));
    }
    json_object_object_add(res, "size", json_object_new_int64(pd->size));
    json_object_object_add(res, "seconds",
                           json_object_new_double((g_get_monotonic_time() - t0) / 1e6));
    *result = res;
    return 0;
}

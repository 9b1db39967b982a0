/*
 * fbk-verify.c: fleece-backup list, verify and prune
 *
 * verify reads every stored block and checks it against the digest its
 * map records (and every map against the digest its index records);
 * --deep also rebuilds every point as restore would and compares the
 * sum of the rebuilt blocks' digests with the disk digest recorded when
 * the point was taken.
 *
 * prune keeps the newest N points of a domain.  A kept point whose chain
 * goes through a dropped one is first rewritten as a full point (the
 * chain merged into new files, then its index replaced); only then are
 * the dropped indexes removed, newest first, so that at every instant
 * each index present has its whole chain.  The journal lists the points
 * to drop; an interrupted prune is finished by the next command.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fbk.h"

#define FBK_VERIFY_RUN (8ULL << 20)

/* ---- list ------------------------------------------------------------------------ */

static GPtrArray *
fbkDomainsArg(fbkRepo *repo, const char *domain, GError **error)
{
    GPtrArray *names;

    if (domain) {
        names = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(names, g_strdup(domain));
        return names;
    }
    return fbkRepoDomains(repo, error);
}

static char *
fbkPointDisksText(const fbkPoint *p)
{
    g_autoptr(GString) s = g_string_new(NULL);
    guint i;

    for (i = 0; i < p->disks->len; i++) {
        fbkPointDisk *d = g_ptr_array_index(p->disks, i);
        g_autofree char *size = fbkFormatSize(d->dataSize);

        g_string_append_printf(s, "%s%s %s", i ? ", " : "", d->name, fbkLevelToString(d->level));
        if (d->base)
            g_string_append_printf(s, " on %u", d->base);
        g_string_append_printf(s, " %s", size);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

int
fbkCmdList(const char *repoPath, const char *domain, json_object **result, GError **error)
{
    g_autoptr(fbkRepo) repo = NULL;
    g_autoptr(GPtrArray) names = NULL;
    json_object *res;
    json_object *doms;
    guint i, j;

    if (!(repo = fbkRepoOpen(repoPath, false, error)) ||
        !(names = fbkDomainsArg(repo, domain, error)))
        return -1;
    res = json_object_new_object();
    doms = json_object_new_array();
    json_object_object_add(res, "repository", json_object_new_string(repo->path));
    json_object_object_add(res, "domains", doms);
    for (i = 0; i < names->len; i++) {
        g_autoptr(fbkDomainRepo) dr = NULL;
        json_object *dj, *pts;

        if (!(dr = fbkDomainRepoOpen(repo, g_ptr_array_index(names, i), false,
                                     FBK_LOCK_NONE, error))) {
            json_object_put(res);
            return -1;
        }
        dj = json_object_new_object();
        pts = json_object_new_array();
        json_object_object_add(dj, "name", json_object_new_string(dr->name));
        json_object_object_add(dj, "points", pts);
        json_object_array_add(doms, dj);
        fbkInfo(_("Domain %s\n"), dr->name);
        fbkInfo(" %-6s %-21s %-22s %s\n", _("Point"), _("Time (UTC)"), _("Checkpoint"),
                _("Disks (level, base, stored)"));
        for (j = 0; j < dr->points->len; j++) {
            fbkPoint *p = g_ptr_array_index(dr->points, j);
            g_autofree char *when = fbkFormatTime(p->time);
            g_autofree char *disks = fbkPointDisksText(p);

            json_object_array_add(pts, fbkPointToJSON(p));
            fbkInfo(" %-6u %-21s %-22s %s\n", p->number, when,
                    p->checkpoint ? p->checkpoint : "-", disks);
        }
        if (i + 1 < names->len)
            fbkInfo("\n");
    }
    *result = res;
    return 0;
}

/* ---- verify ----------------------------------------------------------------------- */

typedef struct {
    json_object *problems;
    guint64 bytes;
    guint blocks;
} fbkVerifyState;

static void
fbkVerifyProblem(fbkVerifyState *vs, const char *domain, guint point, const char *disk,
                 const char *msg)
{
    json_object *pj = json_object_new_object();

    json_object_object_add(pj, "domain", json_object_new_string(domain));
    if (point)
        json_object_object_add(pj, "point", json_object_new_int64(point));
    if (disk)
        json_object_object_add(pj, "disk", json_object_new_string(disk));
    json_object_object_add(pj, "problem", json_object_new_string(msg));
    json_object_array_add(vs->problems, pj);
    if (point && disk)
        fbkWarn(_("domain '%s' point %u disk '%s': %s"), domain, point, disk, msg);
    else
        fbkWarn(_("domain '%s': %s"), domain, msg);
}

static gint
fbkRecordByDataOff(gconstpointer a, gconstpointer b)
{
    const fbkRecord *x = a, *y = b;

    return x->dataoff < y->dataoff ? -1 : x->dataoff > y->dataoff;
}

/* Every block of one disk of one point against its recorded digest. */
static int
fbkVerifyDisk(fbkDomainRepo *dr, fbkPointDisk *pd, fbkVerifyState *vs, GError **error)
{
    g_autofree char *mapPath = fbkDomainRepoPath(dr, pd->map);
    g_autofree char *dataPath = fbkDomainRepoPath(dr, pd->data);
    g_autoptr(GArray) recs = NULL;
    g_autofree guint8 *buf = NULL;
    struct stat sb;
    guint i = 0;
    int fd = -1;
    int ret = -1;

    if (!(recs = fbkMapRead(mapPath, pd, error)))
        return -1;
    if ((fd = open(dataPath, O_RDONLY | O_CLOEXEC)) < 0) {
        fbkErrorSystem(error, errno, _("cannot open '%s'"), pd->data);
        return -1;
    }
    if (fstat(fd, &sb) < 0 || (guint64) sb.st_size != pd->dataSize) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                    _("data file '%s' has %lld bytes, its index says %" PRIu64),
                    pd->data, (long long) sb.st_size, pd->dataSize);
        goto cleanup;
    }
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    g_array_sort(recs, fbkRecordByDataOff);
    buf = g_malloc(FBK_VERIFY_RUN);
    while (i < recs->len) {
        const fbkRecord *first = &g_array_index(recs, fbkRecord, i);
        guint64 len, pos;
        guint n = 1, k;

        if (first->dataoff == FBK_DATA_ZERO) {
            i++;
            continue;
        }
        len = MIN(FBK_BLOCK_SIZE, pd->size - first->offset);
        while (i + n < recs->len && len + FBK_BLOCK_SIZE <= FBK_VERIFY_RUN &&
               g_array_index(recs, fbkRecord, i + n).dataoff == first->dataoff + len) {
            len += MIN(FBK_BLOCK_SIZE, pd->size - g_array_index(recs, fbkRecord, i + n).offset);
            n++;
        }
        if (fbkCheckInterrupted(error) ||
            fbkPreadAll(fd, buf, len, first->dataoff, error) < 0)
            goto cleanup;
        for (k = 0, pos = 0; k < n; k++) {
            const fbkRecord *r = &g_array_index(recs, fbkRecord, i + k);
            guint64 blen = MIN(FBK_BLOCK_SIZE, pd->size - r->offset);

            if (!fbkDigestEqual(fbkDigestBlock(buf + pos, blen, r->offset), r->digest)) {
                g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                            _("the block at offset %" PRIu64 " (in '%s' at %" PRIu64
                              ") does not match its digest"), r->offset, pd->data, r->dataoff);
                goto cleanup;
            }
            pos += blen;
            vs->blocks++;
        }
        vs->bytes += len;
        i += n;
    }
    ret = 0;

 cleanup:
    close(fd);
    return ret;
}

static int
fbkSinkDigest(void *opaque, guint64 offset, const void *buf, size_t len,
              GError **error G_GNUC_UNUSED)
{
    fbkDigest *sum = opaque;
    const guint8 *p = buf;
    guint64 pos;

    for (pos = 0; pos < len; pos += FBK_BLOCK_SIZE) {
        guint64 blen = MIN(FBK_BLOCK_SIZE, len - pos);

        if (!fbkBufferIsZero(p + pos, blen))
            fbkDigestAdd(sum, fbkDigestBlock(p + pos, blen, offset + pos));
    }
    return 0;
}

static void
fbkVerifyDomain(fbkDomainRepo *dr, bool deep, fbkVerifyState *vs)
{
    g_autoptr(GPtrArray) orphans = NULL;
    g_autoptr(GError) err = NULL;
    json_object *j;
    guint i, k;

    if ((j = fbkJournalRead(dr, &err))) {
        fbkInfo(_("domain '%s': an interrupted '%s' is pending; the next run or prune finishes it\n"),
                dr->name, fbkJSONString(j, "op"));
        json_object_put(j);
    } else if (err) {
        fbkVerifyProblem(vs, dr->name, 0, NULL, err->message);
        g_clear_error(&err);
    }
    if ((orphans = fbkDomainRepoOrphans(dr, &err)) && orphans->len)
        fbkInfo(_("domain '%s': %u file(s) no point uses (left by an interrupted command; the next run or prune removes them)\n"),
                dr->name, orphans->len);
    g_clear_error(&err);

    for (i = 0; i < dr->points->len; i++) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);
        bool ok = true;

        for (k = 0; k < p->disks->len; k++) {
            fbkPointDisk *pd = g_ptr_array_index(p->disks, k);
            g_autoptr(GPtrArray) chain = NULL;

            if (!(chain = fbkChainGet(dr, p, pd->name, &err)) ||
                fbkVerifyDisk(dr, pd, vs, &err) < 0) {
                fbkVerifyProblem(vs, dr->name, p->number, pd->name, err->message);
                g_clear_error(&err);
                ok = false;
                continue;
            }
            if (deep) {
                fbkDigest sum = { 0, 0 };

                if (fbkRebuild(dr, p, pd->name, fbkSinkDigest, &sum, NULL, &err) < 0) {
                    fbkVerifyProblem(vs, dr->name, p->number, pd->name, err->message);
                    g_clear_error(&err);
                    ok = false;
                } else if (!fbkDigestEqual(sum, pd->digest)) {
                    fbkVerifyProblem(vs, dr->name, p->number, pd->name,
                                     _("the rebuilt disk differs from the digest recorded at backup time"));
                    ok = false;
                }
            }
        }
        if (ok)
            fbkInfo(_("domain '%s' point %u: ok\n"), dr->name, p->number);
    }
}

int
fbkCmdVerify(const char *repoPath, const char *domain, bool deep, json_object **result,
             GError **error)
{
    g_autoptr(fbkRepo) repo = NULL;
    g_autoptr(GPtrArray) names = NULL;
    fbkVerifyState vs = { 0 };
    guint npoints = 0, i;
    json_object *res;
    size_t nproblems;

    if (!(repo = fbkRepoOpen(repoPath, false, error)) ||
        !(names = fbkDomainsArg(repo, domain, error)))
        return -1;
    vs.problems = json_object_new_array();
    for (i = 0; i < names->len; i++) {
        g_autoptr(fbkDomainRepo) dr = NULL;
        g_autoptr(GError) err = NULL;

        if (!(dr = fbkDomainRepoOpen(repo, g_ptr_array_index(names, i), false,
                                     FBK_LOCK_SHARED, &err))) {
            if (err->code == FBK_ERROR_BUSY || domain) {
                json_object_put(vs.problems);
                g_propagate_error(error, g_steal_pointer(&err));
                return -1;
            }
            fbkVerifyProblem(&vs, g_ptr_array_index(names, i), 0, NULL, err->message);
            continue;
        }
        npoints += dr->points->len;
        fbkVerifyDomain(dr, deep, &vs);
    }
    nproblems = json_object_array_length(vs.problems);
    res = json_object_new_object();
    json_object_object_add(res, "repository", json_object_new_string(repo->path));
    json_object_object_add(res, "ok", json_object_new_boolean(nproblems == 0));
    json_object_object_add(res, "deep", json_object_new_boolean(deep));
    json_object_object_add(res, "points", json_object_new_int64(npoints));
    json_object_object_add(res, "blocks", json_object_new_int64(vs.blocks));
    json_object_object_add(res, "bytes", json_object_new_int64(vs.bytes));
    json_object_object_add(res, "problems", vs.problems);
    *result = res;
    if (nproblems) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                    ngettext("verification found %zu problem", "verification found %zu problems",
                             nproblems), nproblems);
        return -1;
    }
    {
        g_autofree char *size = fbkFormatSize(vs.bytes);

        fbkInfo(_("%u point(s), %u blocks (%s) verified%s\n"), npoints, vs.blocks, size,
                deep ? _(", every point rebuilt") : "");
    }
    return 0;
}

/* ---- prune ------------------------------------------------------------------------- */

typedef struct {
    int fd;
    guint64 off;
    GArray *records;
} fbkMergeSink;

static int
fbkSinkMerge(void *opaque, guint64 offset, const void *buf, size_t len, GError **error)
{
    fbkMergeSink *ms = opaque;
    const guint8 *p = buf;
    guint64 pos;

    if (fbkPwriteAll(ms->fd, buf, len, ms->off, error) < 0)
        return -1;
    for (pos = 0; pos < len; pos += FBK_BLOCK_SIZE) {
        guint64 blen = MIN(FBK_BLOCK_SIZE, len - pos);
        fbkRecord r = { offset + pos, ms->off + pos, fbkDigestBlock(p + pos, blen, offset + pos) };

        g_array_append_val(ms->records, r);
    }
    ms->off += len;
    return 0;
}

/* Rewrite one disk of a kept point as a full one, from its chain. */
static int
fbkPruneMerge(fbkDomainRepo *dr, fbkPoint *p, fbkPointDisk *pd, GPtrArray *chain,
              GError **error)
{
    g_autofree char *dataRel = NULL;
    g_autofree char *mapRel = NULL;
    g_autofree char *dataPath = NULL;
    g_autofree char *mapPath = NULL;
    g_autofree char *diskdir = fbkDomainRepoPath(dr, pd->name);
    g_autoptr(GArray) recs = g_array_new(FALSE, FALSE, sizeof(fbkRecord));
    fbkMergeSink ms = { -1, 0, recs };
    fbkDigest mapDigest, sum = { 0, 0 };
    guint gen, i;
    int rc;

    for (gen = 1;; gen++) {
        g_free(dataRel);
        g_free(mapRel);
        g_free(dataPath);
        dataRel = g_strdup_printf("%s/%08u-m%u.data", pd->name, p->number, gen);
        mapRel = g_strdup_printf("%s/%08u-m%u.map", pd->name, p->number, gen);
        dataPath = fbkDomainRepoPath(dr, dataRel);
        if (!g_file_test(dataPath, G_FILE_TEST_EXISTS))
            break;
    }
    mapPath = fbkDomainRepoPath(dr, mapRel);
    if ((ms.fd = open(dataPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), dataPath);
        return -1;
    }
    rc = fbkRebuild(dr, p, pd->name, fbkSinkMerge, &ms, NULL, error);
    if (rc == 0 && fsync(ms.fd) < 0) {
        fbkErrorSystem(error, errno, _("cannot sync '%s'"), dataPath);
        rc = -1;
    }
    close(ms.fd);
    if (rc < 0)
        return -1;
    for (i = 0; i < recs->len; i++)
        fbkDigestAdd(&sum, g_array_index(recs, fbkRecord, i).digest);
    if (!fbkDigestEqual(sum, pd->digest)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                    _("merging point %u disk '%s' does not give the digest recorded at backup time"),
                    p->number, pd->name);
        return -1;
    }
    if (fbkMapWrite(mapPath, pd->size, (const fbkRecord *) recs->data, recs->len,
                    &mapDigest, error) < 0 ||
        fbkFsyncDir(diskdir, error) < 0)
        return -1;

    for (i = 1; i < chain->len; i++) {
        fbkChainMember *m = g_ptr_array_index(chain, i);

        g_ptr_array_add(pd->merged, g_strdup_printf("%u", m->point->number));
    }
    pd->level = FBK_LEVEL_FULL;
    pd->base = 0;
    g_free(pd->map);
    g_free(pd->data);
    pd->map = g_steal_pointer(&mapRel);
    pd->data = g_steal_pointer(&dataRel);
    pd->mapDigest = mapDigest;
    pd->dataSize = ms.off;
    pd->nrecords = recs->len;
    return 0;
}

static bool
fbkChainUses(GPtrArray *chain, GHashTable *drop)
{
    guint i;

    for (i = 1; i < chain->len; i++) {
        fbkChainMember *m = g_ptr_array_index(chain, i);

        if (g_hash_table_contains(drop, GUINT_TO_POINTER(m->point->number)))
            return true;
    }
    return false;
}

static int
fbkPruneDomain(fbkDomainRepo *dr, guint keep, bool dryRun, json_object *dj, GError **error)
{
    g_autoptr(GHashTable) drop = g_hash_table_new(g_direct_hash, g_direct_equal);
    json_object *dropped = json_object_new_array();
    json_object *merged = json_object_new_array();
    json_object *journal;
    guint ndrop, i, k;

    json_object_object_add(dj, "dropped", dropped);
    json_object_object_add(dj, "merged", merged);
    if (dr->points->len <= keep)
        return 0;
    ndrop = dr->points->len - keep;
    for (i = 0; i < ndrop; i++) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);

        g_hash_table_add(drop, GUINT_TO_POINTER(p->number));
        json_object_array_add(dropped, json_object_new_int64(p->number));
    }
    if (!dryRun) {
        journal = json_object_new_object();
        json_object_object_add(journal, "op", json_object_new_string("prune"));
        json_object_object_add(journal, "pid", json_object_new_int((int) getpid()));
        json_object_object_add(journal, "drop", json_object_get(dropped));
        if (fbkJournalWrite(dr, journal, error) < 0) {
            json_object_put(journal);
            return -1;
        }
        json_object_put(journal);
    }

    /* merge: every kept point whose chain goes through a dropped one */
    for (i = ndrop; i < dr->points->len; i++) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);
        bool changed = false;

        for (k = 0; k < p->disks->len; k++) {
            fbkPointDisk *pd = g_ptr_array_index(p->disks, k);
            g_autoptr(GPtrArray) chain = NULL;
            json_object *mj, *from;
            guint m;

            if (!(chain = fbkChainGet(dr, p, pd->name, error)))
                return -1;
            if (!fbkChainUses(chain, drop))
                continue;
            mj = json_object_new_object();
            from = json_object_new_array();
            json_object_object_add(mj, "point", json_object_new_int64(p->number));
            json_object_object_add(mj, "disk", json_object_new_string(pd->name));
            for (m = 1; m < chain->len; m++)
                json_object_array_add(from, json_object_new_int64(
                    ((fbkChainMember *) g_ptr_array_index(chain, m))->point->number));
            json_object_object_add(mj, "from", from);
            json_object_array_add(merged, mj);
            if (dryRun)
                continue;
            if (fbkPruneMerge(dr, p, pd, chain, error) < 0)
                return -1;
            fbkInfo(_("domain '%s' point %u disk '%s': merged with its base\n"),
                    dr->name, p->number, pd->name);
            changed = true;
        }
        if (changed && fbkDomainRepoWritePoint(dr, p, error) < 0)
            return -1;
    }
    if (dryRun)
        return 0;

    /* drop, newest first: nothing kept builds on them any more */
    for (i = ndrop; i > 0; i--) {
        fbkPoint *p = g_ptr_array_index(dr->points, i - 1);

        if (fbkDomainRepoRemovePoint(dr, p->number, error) < 0)
            return -1;
        fbkInfo(_("domain '%s' point %u: dropped\n"), dr->name, p->number);
    }
    if (fbkDomainRepoLoad(dr, error) < 0 || fbkJournalRemove(dr, error) < 0)
        return -1;
    return fbkDomainRepoRemoveOrphans(dr, NULL, error);
}

int
fbkCmdPrune(const char *repoPath, const char *domain, guint keep, bool dryRun,
            json_object **result, GError **error)
{
    g_autoptr(fbkRepo) repo = NULL;
    g_autoptr(GPtrArray) names = NULL;
    json_object *res, *doms;
    guint i;

    if (keep < 1) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("--keep must be at least 1"));
        return -1;
    }
    if (!(repo = fbkRepoOpen(repoPath, false, error)) ||
        !(names = fbkDomainsArg(repo, domain, error)))
        return -1;
    res = json_object_new_object();
    doms = json_object_new_array();
    json_object_object_add(res, "repository", json_object_new_string(repo->path));
    json_object_object_add(res, "keep", json_object_new_int64(keep));
    json_object_object_add(res, "dry-run", json_object_new_boolean(dryRun));
    json_object_object_add(res, "domains", doms);
    *result = res;
    for (i = 0; i < names->len; i++) {
        g_autoptr(fbkDomainRepo) dr = NULL;
        json_object *dj;

        if (!(dr = fbkDomainRepoOpen(repo, g_ptr_array_index(names, i), false,
                                     dryRun ? FBK_LOCK_SHARED : FBK_LOCK_EXCLUSIVE, error)))
            return -1;
        if (!dryRun && fbkRecover(dr, NULL, error) < 0)
            return -1;
        dj = json_object_new_object();
        json_object_object_add(dj, "name", json_object_new_string(dr->name));
        json_object_array_add(doms, dj);
        if (fbkPruneDomain(dr, keep, dryRun, dj, error) < 0)
            return -1;
        if (!dryRun && json_object_array_length(json_object_object_get(dj, "dropped")) > 0)
            fbkCheckpointsCleanup(dr);
    }
    return 0;
}

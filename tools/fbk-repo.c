/*
 * fbk-repo.c: fleece-backup — the repository on disk
 *
 *   REPO/fleece-backup.json            what this directory is (id, version)
 *   REPO/DOMAIN/lock                   flock: one writer or many readers
 *   REPO/DOMAIN/journal.json           what a changing command is doing
 *   REPO/DOMAIN/points/NNNNNNNN.json   a point's index: its commit record
 *   REPO/DOMAIN/DISK/NNNNNNNN.data     the blocks read, back to back
 *   REPO/DOMAIN/DISK/NNNNNNNN.map      where each block is, its digest
 *
 * Every file a point needs is written and synced before its index is
 * renamed into place; files no index names are left-overs of an
 * interrupted command and are removed by the next changing command.
 * The format is described in docs/formatrepository.rst.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fbk.h"

#define FBK_REPO_MARKER "fleece-backup.json"
#define FBK_REPO_FORMAT "fleece-backup-repository"
#define FBK_POINT_FORMAT "fleece-backup-point"
#define FBK_FORMAT_VERSION 1
#define FBK_POINTS_DIR "points"
#define FBK_JOURNAL "journal.json"
#define FBK_LOCK "lock"

#define FBK_MAP_MAGIC "FBKMAP\0\1"
#define FBK_MAP_HEADER 64
#define FBK_MAP_RECORD 32

static const char *const fbkLevelNames[] = { "full", "inc", "diff", "auto" };
G_STATIC_ASSERT(G_N_ELEMENTS(fbkLevelNames) == FBK_LEVEL_LAST);

const char *
fbkLevelToString(fbkLevel level)
{
    return level < FBK_LEVEL_LAST ? fbkLevelNames[level] : "?";
}

int
fbkLevelFromString(const char *s)
{
    size_t i;

    for (i = 0; s && i < FBK_LEVEL_LAST; i++) {
        if (g_str_equal(s, fbkLevelNames[i]))
            return i;
    }
    return -1;
}

/* ---- points ----------------------------------------------------------------- */

void
fbkPointDiskFree(fbkPointDisk *d)
{
    if (!d)
        return;
    g_free(d->name);
    g_free(d->since);
    g_free(d->reason);
    g_free(d->map);
    g_free(d->data);
    if (d->merged)
        g_ptr_array_unref(d->merged);
    g_free(d);
}

void
fbkPointFree(fbkPoint *p)
{
    if (!p)
        return;
    g_free(p->domain);
    g_free(p->uuid);
    g_free(p->checkpoint);
    if (p->disks)
        g_ptr_array_unref(p->disks);
    g_free(p);
}

fbkPointDisk *
fbkPointFindDisk(const fbkPoint *p, const char *name)
{
    guint i;

    for (i = 0; i < p->disks->len; i++) {
        fbkPointDisk *d = g_ptr_array_index(p->disks, i);

        if (g_str_equal(d->name, name))
            return d;
    }
    return NULL;
}

static json_object *
fbkJSONDigest(fbkDigest d)
{
    g_autofree char *s = fbkDigestFormat(d);

    return json_object_new_string(s);
}

json_object *
fbkPointToJSON(const fbkPoint *p)
{
    json_object *obj = json_object_new_object();
    json_object *disks = json_object_new_array();
    g_autofree char *when = fbkFormatTime(p->time);
    guint i;

    json_object_object_add(obj, "format", json_object_new_string(FBK_POINT_FORMAT));
    json_object_object_add(obj, "version", json_object_new_int(FBK_FORMAT_VERSION));
    json_object_object_add(obj, "point", json_object_new_int64(p->number));
    json_object_object_add(obj, "domain", json_object_new_string(p->domain));
    if (p->uuid)
        json_object_object_add(obj, "uuid", json_object_new_string(p->uuid));
    json_object_object_add(obj, "time", json_object_new_int64(p->time));
    json_object_object_add(obj, "time-utc", json_object_new_string(when));
    if (p->checkpoint)
        json_object_object_add(obj, "checkpoint", json_object_new_string(p->checkpoint));
    json_object_object_add(obj, "seconds", json_object_new_double(p->seconds));
    for (i = 0; i < p->disks->len; i++) {
        fbkPointDisk *d = g_ptr_array_index(p->disks, i);
        json_object *dj = json_object_new_object();

        json_object_object_add(dj, "name", json_object_new_string(d->name));
        json_object_object_add(dj, "level", json_object_new_string(fbkLevelToString(d->level)));
        json_object_object_add(dj, "taken", json_object_new_string(fbkLevelToString(d->taken)));
        if (d->base)
            json_object_object_add(dj, "base", json_object_new_int64(d->base));
        if (d->since)
            json_object_object_add(dj, "since", json_object_new_string(d->since));
        if (d->reason)
            json_object_object_add(dj, "reason", json_object_new_string(d->reason));
        json_object_object_add(dj, "tracked", json_object_new_boolean(d->tracked));
        json_object_object_add(dj, "size", json_object_new_int64(d->size));
        json_object_object_add(dj, "map", json_object_new_string(d->map));
        json_object_object_add(dj, "map-digest", fbkJSONDigest(d->mapDigest));
        json_object_object_add(dj, "data", json_object_new_string(d->data));
        json_object_object_add(dj, "data-size", json_object_new_int64(d->dataSize));
        json_object_object_add(dj, "records", json_object_new_int64(d->nrecords));
        json_object_object_add(dj, "digest", fbkJSONDigest(d->digest));
        json_object_object_add(dj, "bytes-read", json_object_new_int64(d->bytesRead));
        json_object_object_add(dj, "seconds", json_object_new_double(d->seconds));
        if (d->merged && d->merged->len) {
            json_object *m = json_object_new_array();
            guint j;

            for (j = 0; j < d->merged->len; j++)
                json_object_array_add(m, json_object_new_int64(
                    g_ascii_strtoull(g_ptr_array_index(d->merged, j), NULL, 10)));
            json_object_object_add(dj, "merged", m);
        }
        json_object_array_add(disks, dj);
    }
    json_object_object_add(obj, "disks", disks);
    return obj;
}

/* "DISK/FILE" naming a file of that disk's directory, nothing else. */
static bool
fbkPointFileValid(const char *rel, const char *disk)
{
    g_auto(GStrv) parts = NULL;

    if (!rel)
        return false;
    parts = g_strsplit(rel, "/", -1);
    return g_strv_length(parts) == 2 && g_str_equal(parts[0], disk) &&
           fbkNameValid(parts[1]);
}

static fbkPointDisk *
fbkPointDiskFromJSON(json_object *dj, const char *path, GError **error)
{
    g_autoptr(GPtrArray) merged = g_ptr_array_new_with_free_func(g_free);
    fbkPointDisk *d = g_new0(fbkPointDisk, 1);
    json_object *m = NULL;
    int level, taken;

    d->name = g_strdup(fbkJSONString(dj, "name"));
    level = fbkLevelFromString(fbkJSONString(dj, "level"));
    taken = fbkLevelFromString(fbkJSONString(dj, "taken"));
    d->base = fbkJSONInt(dj, "base", 0);
    d->since = g_strdup(fbkJSONString(dj, "since"));
    d->reason = g_strdup(fbkJSONString(dj, "reason"));
    d->tracked = fbkJSONBool(dj, "tracked");
    d->size = fbkJSONInt(dj, "size", 0);
    d->map = g_strdup(fbkJSONString(dj, "map"));
    d->data = g_strdup(fbkJSONString(dj, "data"));
    d->dataSize = fbkJSONInt(dj, "data-size", -1);
    d->nrecords = fbkJSONInt(dj, "records", -1);
    d->bytesRead = fbkJSONInt(dj, "bytes-read", 0);
    if (json_object_object_get_ex(dj, "seconds", &m))
        d->seconds = json_object_get_double(m);
    if (json_object_object_get_ex(dj, "merged", &m) &&
        json_object_is_type(m, json_type_array)) {
        size_t i;

        for (i = 0; i < json_object_array_length(m); i++)
            g_ptr_array_add(merged, g_strdup_printf("%" G_GINT64_FORMAT,
                json_object_get_int64(json_object_array_get_idx(m, i))));
    }
    d->merged = g_steal_pointer(&merged);

    if (!fbkNameValid(d->name) || g_str_equal(d->name, FBK_POINTS_DIR) ||
        level < 0 || level == FBK_LEVEL_AUTO || taken < 0 || taken == FBK_LEVEL_AUTO ||
        (level != FBK_LEVEL_FULL && d->base == 0) ||
        d->size == 0 || (gint64) d->dataSize < 0 || (gint64) d->nrecords < 0 ||
        !fbkPointFileValid(d->map, d->name) || !fbkPointFileValid(d->data, d->name) ||
        !fbkDigestParse(fbkJSONString(dj, "map-digest"), &d->mapDigest) ||
        !fbkDigestParse(fbkJSONString(dj, "digest"), &d->digest)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                    _("point index '%s' has an invalid disk entry '%s'"), path,
                    d->name ? d->name : "?");
        fbkPointDiskFree(d);
        return NULL;
    }
    d->level = level;
    d->taken = taken;
    return d;
}

static fbkPoint *
fbkPointParse(const char *path, guint number, GError **error)
{
    g_autoptr(fbkPoint) p = g_new0(fbkPoint, 1);
    json_object *obj;
    json_object *disks = NULL;
    json_object *v = NULL;
    size_t i;

    if (!(obj = fbkJSONParseFile(path, error)))
        return NULL;
    p->number = fbkJSONInt(obj, "point", 0);
    p->domain = g_strdup(fbkJSONString(obj, "domain"));
    p->uuid = g_strdup(fbkJSONString(obj, "uuid"));
    p->time = fbkJSONInt(obj, "time", 0);
    p->checkpoint = g_strdup(fbkJSONString(obj, "checkpoint"));
    if (json_object_object_get_ex(obj, "seconds", &v))
        p->seconds = json_object_get_double(v);
    p->disks = g_ptr_array_new_with_free_func((GDestroyNotify) fbkPointDiskFree);
    if (g_strcmp0(fbkJSONString(obj, "format"), FBK_POINT_FORMAT) != 0 ||
        fbkJSONInt(obj, "version", 0) != FBK_FORMAT_VERSION ||
        p->number != number || !p->domain ||
        !json_object_object_get_ex(obj, "disks", &disks) ||
        !json_object_is_type(disks, json_type_array) ||
        json_object_array_length(disks) == 0) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                    _("'%s' is not a valid point index"), path);
        json_object_put(obj);
        return NULL;
    }
    for (i = 0; i < json_object_array_length(disks); i++) {
        fbkPointDisk *d = fbkPointDiskFromJSON(json_object_array_get_idx(disks, i),
                                               path, error);

        if (!d) {
            json_object_put(obj);
            return NULL;
        }
        g_ptr_array_add(p->disks, d);
    }
    json_object_put(obj);
    return g_steal_pointer(&p);
}

/* ---- the repository ---------------------------------------------------------- */

void
fbkRepoFree(fbkRepo *repo)
{
    if (!repo)
        return;
    g_free(repo->path);
    g_free(repo->id);
    g_free(repo);
}

static int
fbkRepoReadMarker(fbkRepo *repo, const char *marker, GError **error)
{
    json_object *obj;
    const char *id;

    if (!(obj = fbkJSONParseFile(marker, error)))
        return -1;
    id = fbkJSONString(obj, "id");
    if (g_strcmp0(fbkJSONString(obj, "format"), FBK_REPO_FORMAT) != 0 ||
        fbkJSONInt(obj, "version", 0) != FBK_FORMAT_VERSION ||
        fbkJSONInt(obj, "block-size", 0) != (gint64) FBK_BLOCK_SIZE ||
        !id || strlen(id) != 8 || strspn(id, "0123456789abcdef") != 8) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                    _("'%s' is not a fleece-backup repository of version %d"),
                    repo->path, FBK_FORMAT_VERSION);
        json_object_put(obj);
        return -1;
    }
    repo->id = g_strdup(id);
    json_object_put(obj);
    return 0;
}

/* Make the marker: written beside, then linked into place, so that two
 * processes creating the same repository agree on one id. */
static int
fbkRepoCreateMarker(fbkRepo *repo, const char *marker, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.%d.new", marker, (int) getpid());
    g_autofree char *text = NULL;
    g_autofree char *when = fbkFormatTime(g_get_real_time() / G_USEC_PER_SEC);
    json_object *obj = json_object_new_object();
    g_autofree char *id = g_strdup_printf("%08x", g_random_int());
    int fd;

    json_object_object_add(obj, "format", json_object_new_string(FBK_REPO_FORMAT));
    json_object_object_add(obj, "version", json_object_new_int(FBK_FORMAT_VERSION));
    json_object_object_add(obj, "id", json_object_new_string(id));
    json_object_object_add(obj, "block-size", json_object_new_int64(FBK_BLOCK_SIZE));
    json_object_object_add(obj, "created", json_object_new_string(when));
    text = fbkJSONFormat(obj);
    json_object_put(obj);

    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), tmp);
        return -1;
    }
    if (fbkPwriteAll(fd, text, strlen(text), 0, error) < 0 || fsync(fd) < 0) {
        if (error && !*error)
            fbkErrorSystem(error, errno, _("cannot sync '%s'"), tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (link(tmp, marker) < 0 && errno != EEXIST) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), marker);
        unlink(tmp);
        return -1;
    }
    unlink(tmp);
    if (fbkFsyncDir(repo->path, error) < 0)
        return -1;
    return fbkRepoReadMarker(repo, marker, error);
}

static bool
fbkDirIsEmpty(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);

    return d && !g_dir_read_name(d);
}

fbkRepo *
fbkRepoOpen(const char *path, bool create, GError **error)
{
    g_autoptr(fbkRepo) repo = g_new0(fbkRepo, 1);
    g_autofree char *marker = NULL;

    if (!path || !*path) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_USAGE, _("no repository given"));
        return NULL;
    }
    repo->path = g_canonicalize_filename(path, NULL);
    marker = g_build_filename(repo->path, FBK_REPO_MARKER, NULL);

    if (g_file_test(marker, G_FILE_TEST_EXISTS)) {
        if (fbkRepoReadMarker(repo, marker, error) < 0)
            return NULL;
        return g_steal_pointer(&repo);
    }
    if (!g_file_test(repo->path, G_FILE_TEST_EXISTS)) {
        if (!create) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("repository '%s' does not exist"), repo->path);
            return NULL;
        }
        if (g_mkdir_with_parents(repo->path, 0755) < 0) {
            fbkErrorSystem(error, errno, _("cannot create repository '%s'"), repo->path);
            return NULL;
        }
    } else if (!g_file_test(repo->path, G_FILE_TEST_IS_DIR) || !create ||
               !fbkDirIsEmpty(repo->path)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                    _("'%s' is not a fleece-backup repository (no '%s')"),
                    repo->path, FBK_REPO_MARKER);
        return NULL;
    }
    if (fbkRepoCreateMarker(repo, marker, error) < 0)
        return NULL;
    return g_steal_pointer(&repo);
}

static gint
fbkStrPtrCompare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
fbkRepoDomains(fbkRepo *repo, GError **error)
{
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(repo->path, 0, &err);
    const char *ent;

    if (!d) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_IO, "%s", err->message);
        return NULL;
    }
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *pts = g_build_filename(repo->path, ent, FBK_POINTS_DIR, NULL);

        if (fbkNameValid(ent) && g_file_test(pts, G_FILE_TEST_IS_DIR))
            g_ptr_array_add(names, g_strdup(ent));
    }
    g_ptr_array_sort(names, fbkStrPtrCompare);
    return g_steal_pointer(&names);
}

/* ---- a domain's part -------------------------------------------------------- */

void
fbkDomainRepoFree(fbkDomainRepo *dr)
{
    if (!dr)
        return;
    if (dr->lockfd >= 0)
        close(dr->lockfd);
    g_free(dr->name);
    g_free(dr->dir);
    if (dr->points)
        g_ptr_array_unref(dr->points);
    g_free(dr);
}

static int
fbkDomainRepoLock(fbkDomainRepo *dr, fbkLockMode mode, GError **error)
{
    g_autofree char *path = g_build_filename(dr->dir, FBK_LOCK, NULL);
    int op = mode == FBK_LOCK_EXCLUSIVE ? LOCK_EX : LOCK_SH;

    if (mode == FBK_LOCK_NONE)
        return 0;
    dr->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (dr->lockfd < 0 && mode == FBK_LOCK_SHARED)
        dr->lockfd = open(path, O_RDONLY | O_CLOEXEC);
    if (dr->lockfd < 0) {
        if (mode == FBK_LOCK_SHARED && (errno == EROFS || errno == EACCES || errno == ENOENT))
            return 0;   /* a read-only repository: nobody can change it */
        fbkErrorSystem(error, errno, _("cannot open '%s'"), path);
        return -1;
    }
    if (flock(dr->lockfd, op | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            g_set_error(error, FBK_ERROR, FBK_ERROR_BUSY,
                        _("another fleece-backup command is using domain '%s' of repository '%s'"),
                        dr->name, dr->repo->path);
        else
            fbkErrorSystem(error, errno, _("cannot lock '%s'"), path);
        return -1;
    }
    return 0;
}

fbkDomainRepo *
fbkDomainRepoOpen(fbkRepo *repo, const char *domain, bool create, fbkLockMode mode,
                  GError **error)
{
    g_autoptr(fbkDomainRepo) dr = g_new0(fbkDomainRepo, 1);
    g_autofree char *points = NULL;

    dr->lockfd = -1;
    dr->repo = repo;
    if (!fbkNameValid(domain)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("invalid domain name '%s'"), domain ? domain : "");
        return NULL;
    }
    dr->name = g_strdup(domain);
    dr->dir = g_build_filename(repo->path, domain, NULL);
    points = g_build_filename(dr->dir, FBK_POINTS_DIR, NULL);
    if (!g_file_test(points, G_FILE_TEST_IS_DIR)) {
        if (!create) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("repository '%s' has no backups of domain '%s'"),
                        repo->path, domain);
            return NULL;
        }
        if (g_mkdir_with_parents(points, 0755) < 0) {
            fbkErrorSystem(error, errno, _("cannot create '%s'"), points);
            return NULL;
        }
        if (fbkFsyncDir(dr->dir, error) < 0 || fbkFsyncDir(repo->path, error) < 0)
            return NULL;
    }
    if (fbkDomainRepoLock(dr, mode, error) < 0 || fbkDomainRepoLoad(dr, error) < 0)
        return NULL;
    return g_steal_pointer(&dr);
}

static gint
fbkPointCompare(gconstpointer a, gconstpointer b)
{
    const fbkPoint *x = *(fbkPoint *const *) a;
    const fbkPoint *y = *(fbkPoint *const *) b;

    return x->number < y->number ? -1 : x->number > y->number;
}

/* A point index's file name: eight digits and ".json". */
static bool
fbkPointFileName(const char *name, guint *number)
{
    char *end = NULL;
    guint64 n;

    if (strlen(name) != 13 || !g_str_has_suffix(name, ".json") ||
        strspn(name, "0123456789") != 8)
        return false;
    n = g_ascii_strtoull(name, &end, 10);
    if (n == 0 || n > G_MAXUINT32 || end != name + 8)
        return false;
    *number = n;
    return true;
}

int
fbkDomainRepoLoad(fbkDomainRepo *dr, GError **error)
{
    g_autofree char *points = g_build_filename(dr->dir, FBK_POINTS_DIR, NULL);
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func((GDestroyNotify) fbkPointFree);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(points, 0, &err);
    const char *ent;

    if (!d) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY, "%s", err->message);
        return -1;
    }
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *path = NULL;
        fbkPoint *p;
        guint n;

        if (!fbkPointFileName(ent, &n))
            continue;
        path = g_build_filename(points, ent, NULL);
        if (!(p = fbkPointParse(path, n, error)))
            return -1;
        g_ptr_array_add(list, p);
    }
    g_ptr_array_sort(list, fbkPointCompare);
    if (dr->points)
        g_ptr_array_unref(dr->points);
    dr->points = g_steal_pointer(&list);
    return 0;
}

fbkPoint *
fbkDomainRepoFindPoint(fbkDomainRepo *dr, guint number)
{
    guint i;

    for (i = 0; i < dr->points->len; i++) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);

        if (p->number == number)
            return p;
    }
    return NULL;
}

fbkPoint *
fbkDomainRepoLatest(fbkDomainRepo *dr)
{
    if (dr->points->len == 0)
        return NULL;
    return g_ptr_array_index(dr->points, dr->points->len - 1);
}

fbkPoint *
fbkDomainRepoPointArg(fbkDomainRepo *dr, const char *arg, GError **error)
{
    fbkPoint *p = NULL;
    guint64 n = 0;

    if (!arg || g_str_equal(arg, "latest")) {
        if (!(p = fbkDomainRepoLatest(dr)))
            g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                        _("repository has no point of domain '%s'"), dr->name);
        return p;
    }
    if (!g_ascii_string_to_unsigned(arg, 10, 1, G_MAXUINT32, &n, NULL)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("invalid point '%s': a point number or 'latest'"), arg);
        return NULL;
    }
    if (!(p = fbkDomainRepoFindPoint(dr, n)))
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("domain '%s' has no point %s in the repository"), dr->name, arg);
    return p;
}

guint
fbkDomainRepoNextNumber(fbkDomainRepo *dr)
{
    fbkPoint *last = fbkDomainRepoLatest(dr);

    return last ? last->number + 1 : 1;
}

char *
fbkDomainRepoPath(fbkDomainRepo *dr, const char *relative)
{
    return g_build_filename(dr->dir, relative, NULL);
}

char *
fbkPointIndexPath(fbkDomainRepo *dr, guint number)
{
    g_autofree char *name = g_strdup_printf("%08u.json", number);

    return g_build_filename(dr->dir, FBK_POINTS_DIR, name, NULL);
}

int
fbkDomainRepoWritePoint(fbkDomainRepo *dr, const fbkPoint *p, GError **error)
{
    g_autofree char *path = fbkPointIndexPath(dr, p->number);
    json_object *obj = fbkPointToJSON(p);
    g_autofree char *text = fbkJSONFormat(obj);

    json_object_put(obj);
    return fbkFileWriteAtomic(path, text, error);
}

int
fbkDomainRepoRemovePoint(fbkDomainRepo *dr, guint number, GError **error)
{
    g_autofree char *path = fbkPointIndexPath(dr, number);
    g_autofree char *dir = g_path_get_dirname(path);

    if (unlink(path) < 0 && errno != ENOENT) {
        fbkErrorSystem(error, errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return fbkFsyncDir(dir, error);
}

/* A name this tool gives data and map files: NNNNNNNN.data, .map, or
 * NNNNNNNN-mG.data, .map (rewritten by prune).  Other files are left
 * alone. */
static bool
fbkDataFileName(const char *name)
{
    const char *p = name + strspn(name, "0123456789");

    if (p - name != 8)
        return false;
    if (g_str_has_prefix(p, "-m")) {
        const char *q = p + 2 + strspn(p + 2, "0123456789");

        if (q == p + 2)
            return false;
        p = q;
    }
    return g_str_equal(p, ".data") || g_str_equal(p, ".map");
}

/* Every file name an index references. */
static GHashTable *
fbkDomainRepoReferenced(fbkDomainRepo *dr)
{
    GHashTable *refs = g_hash_table_new(g_str_hash, g_str_equal);
    guint i, j;

    for (i = 0; i < dr->points->len; i++) {
        fbkPoint *p = g_ptr_array_index(dr->points, i);

        for (j = 0; j < p->disks->len; j++) {
            fbkPointDisk *d = g_ptr_array_index(p->disks, j);

            g_hash_table_add(refs, d->map);
            g_hash_table_add(refs, d->data);
        }
    }
    return refs;
}

GPtrArray *
fbkDomainRepoOrphans(fbkDomainRepo *dr, GError **error)
{
    g_autoptr(GPtrArray) orphans = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) refs = fbkDomainRepoReferenced(dr);
    g_autoptr(GError) err = NULL;
    g_autoptr(GDir) d = g_dir_open(dr->dir, 0, &err);
    g_autofree char *points = g_build_filename(dr->dir, FBK_POINTS_DIR, NULL);
    const char *ent;

    if (!d) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_IO, "%s", err->message);
        return NULL;
    }
    while ((ent = g_dir_read_name(d))) {
        g_autofree char *sub = g_build_filename(dr->dir, ent, NULL);
        g_autoptr(GDir) sd = NULL;
        const char *f;

        if (!g_file_test(sub, G_FILE_TEST_IS_DIR) || g_file_test(sub, G_FILE_TEST_IS_SYMLINK))
            continue;
        if (!(sd = g_dir_open(sub, 0, NULL)))
            continue;
        while ((f = g_dir_read_name(sd))) {
            g_autofree char *rel = g_strdup_printf("%s/%s", ent, f);
            guint n;

            if (g_str_equal(ent, FBK_POINTS_DIR)) {
                if (!fbkPointFileName(f, &n) && g_str_has_suffix(f, ".json.new"))
                    g_ptr_array_add(orphans, g_steal_pointer(&rel));
            } else if (fbkDataFileName(f) && !g_hash_table_contains(refs, rel)) {
                g_ptr_array_add(orphans, g_steal_pointer(&rel));
            }
        }
    }
    g_ptr_array_sort(orphans, fbkStrPtrCompare);
    return g_steal_pointer(&orphans);
}

int
fbkDomainRepoRemoveOrphans(fbkDomainRepo *dr, GPtrArray *keep, GError **error)
{
    g_autoptr(GPtrArray) orphans = fbkDomainRepoOrphans(dr, error);
    guint i, j;

    if (!orphans)
        return -1;
    for (i = 0; i < orphans->len; i++) {
        const char *rel = g_ptr_array_index(orphans, i);
        g_autofree char *path = fbkDomainRepoPath(dr, rel);
        bool spare = false;

        for (j = 0; keep && j < keep->len; j++)
            spare |= g_str_equal(rel, g_ptr_array_index(keep, j));
        if (spare)
            continue;
        if (unlink(path) < 0 && errno != ENOENT) {
            fbkErrorSystem(error, errno, _("cannot remove '%s'"), path);
            return -1;
        }
    }
    return 0;
}

/* ---- map files -------------------------------------------------------------- */

int
fbkMapWrite(const char *path, guint64 size, const fbkRecord *recs, size_t n,
            fbkDigest *fileDigest, GError **error)
{
    size_t len = FBK_MAP_HEADER + n * FBK_MAP_RECORD;
    g_autofree guint8 *buf = g_malloc0(len);
    guint8 *p = buf + FBK_MAP_HEADER;
    guint32 v32;
    guint64 v64;
    size_t i;
    int fd;

    memcpy(buf, FBK_MAP_MAGIC, 8);
    v32 = GUINT32_TO_LE(FBK_FORMAT_VERSION);
    memcpy(buf + 8, &v32, 4);
    v32 = GUINT32_TO_LE((guint32) FBK_BLOCK_SIZE);
    memcpy(buf + 12, &v32, 4);
    v64 = GUINT64_TO_LE(size);
    memcpy(buf + 16, &v64, 8);
    v64 = GUINT64_TO_LE((guint64) n);
    memcpy(buf + 24, &v64, 8);
    for (i = 0; i < n; i++, p += FBK_MAP_RECORD) {
        guint64 f[4] = {
            GUINT64_TO_LE(recs[i].offset), GUINT64_TO_LE(recs[i].dataoff),
            GUINT64_TO_LE(recs[i].digest.lo), GUINT64_TO_LE(recs[i].digest.hi),
        };
        memcpy(p, f, sizeof(f));
    }
    *fileDigest = fbkDigestBlock(buf, len, 0);

    if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), path);
        return -1;
    }
    if (fbkPwriteAll(fd, buf, len, 0, error) < 0 || fsync(fd) < 0) {
        if (error && !*error)
            fbkErrorSystem(error, errno, _("cannot sync '%s'"), path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

GArray *
fbkMapRead(const char *path, const fbkPointDisk *pd, GError **error)
{
    g_autofree guint8 *buf = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) recs = NULL;
    gsize len = 0;
    guint64 n, size, i;
    guint32 v32;
    const char *why = NULL;

    if (!g_file_get_contents(path, (char **) &buf, &len, &err)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT, "%s", err->message);
        return NULL;
    }
    if (len < FBK_MAP_HEADER || memcmp(buf, FBK_MAP_MAGIC, 8) != 0) {
        why = _("not a map file");
        goto bad;
    }
    if (!fbkDigestEqual(fbkDigestBlock(buf, len, 0), pd->mapDigest)) {
        why = _("its digest differs from the one the index recorded");
        goto bad;
    }
    memcpy(&v32, buf + 12, 4);
    memcpy(&size, buf + 16, 8);
    memcpy(&n, buf + 24, 8);
    size = GUINT64_FROM_LE(size);
    n = GUINT64_FROM_LE(n);
    if (GUINT32_FROM_LE(v32) != FBK_BLOCK_SIZE || size != pd->size || n != pd->nrecords ||
        len != FBK_MAP_HEADER + n * FBK_MAP_RECORD) {
        why = _("its header does not match the index");
        goto bad;
    }
    recs = g_array_sized_new(FALSE, FALSE, sizeof(fbkRecord), n);
    g_array_set_size(recs, n);
    for (i = 0; i < n; i++) {
        fbkRecord *r = &g_array_index(recs, fbkRecord, i);
        guint64 f[4];

        memcpy(f, buf + FBK_MAP_HEADER + i * FBK_MAP_RECORD, sizeof(f));
        r->offset = GUINT64_FROM_LE(f[0]);
        r->dataoff = GUINT64_FROM_LE(f[1]);
        r->digest.lo = GUINT64_FROM_LE(f[2]);
        r->digest.hi = GUINT64_FROM_LE(f[3]);
        if ((r->offset & (FBK_BLOCK_SIZE - 1)) || r->offset >= size ||
            (i > 0 && r->offset <= g_array_index(recs, fbkRecord, i - 1).offset) ||
            (r->dataoff != FBK_DATA_ZERO &&
             r->dataoff + MIN(FBK_BLOCK_SIZE, size - r->offset) > pd->dataSize)) {
            why = _("a record is out of place");
            goto bad;
        }
    }
    return g_steal_pointer(&recs);

 bad:
    g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT, _("map file '%s' is damaged: %s"),
                path, why);
    return NULL;
}

/* ---- journal ---------------------------------------------------------------- */

json_object *
fbkJournalRead(fbkDomainRepo *dr, GError **error)
{
    g_autofree char *path = g_build_filename(dr->dir, FBK_JOURNAL, NULL);

    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return NULL;
    return fbkJSONParseFile(path, error);
}

int
fbkJournalWrite(fbkDomainRepo *dr, json_object *journal, GError **error)
{
    g_autofree char *path = g_build_filename(dr->dir, FBK_JOURNAL, NULL);
    g_autofree char *text = fbkJSONFormat(journal);

    return fbkFileWriteAtomic(path, text, error);
}

/* Not synced: a journal that comes back after a power loss only makes
 * the next command redo a finished clean-up, which is idempotent. */
int
fbkJournalRemove(fbkDomainRepo *dr, GError **error)
{
    g_autofree char *path = g_build_filename(dr->dir, FBK_JOURNAL, NULL);

    if (unlink(path) < 0 && errno != ENOENT) {
        fbkErrorSystem(error, errno, _("cannot remove '%s'"), path);
        return -1;
    }
    return 0;
}

/* ---- chains ----------------------------------------------------------------- */

GPtrArray *
fbkChainGet(fbkDomainRepo *dr, fbkPoint *p, const char *disk, GError **error)
{
    g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func(g_free);
    fbkPoint *cur = p;
    fbkPointDisk *d;

    if (!(d = fbkPointFindDisk(p, disk))) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_INVALID,
                    _("point %u of domain '%s' has no disk '%s'"), p->number, dr->name, disk);
        return NULL;
    }
    for (;;) {
        fbkChainMember *m = g_new0(fbkChainMember, 1);
        fbkPoint *base;
        fbkPointDisk *bd;

        m->point = cur;
        m->disk = d;
        g_ptr_array_add(chain, m);
        if (d->level == FBK_LEVEL_FULL)
            break;
        if (d->base >= cur->number || !(base = fbkDomainRepoFindPoint(dr, d->base)) ||
            !(bd = fbkPointFindDisk(base, disk)) || bd->size != d->size) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                        _("disk '%s' of point %u builds on point %u, which is missing or does not match"),
                        disk, cur->number, d->base);
            return NULL;
        }
        cur = base;
        d = bd;
    }
    return g_steal_pointer(&chain);
}

GArray *
fbkResolveOverlay(GArray *base, const fbkRecord *recs, size_t n, guint member)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(fbkResolved),
                                    (base ? base->len : 0) + n);
    size_t i = 0, j = 0;
    size_t nb = base ? base->len : 0;

    while (i < nb || j < n) {
        const fbkResolved *b = i < nb ? &g_array_index(base, fbkResolved, i) : NULL;
        const fbkRecord *r = j < n ? &recs[j] : NULL;

        if (r && (!b || r->offset <= b->offset)) {
            if (b && b->offset == r->offset)
                i++;
            if (r->dataoff != FBK_DATA_ZERO) {
                fbkResolved x = { r->offset, r->dataoff, r->digest, member };

                g_array_append_val(out, x);
            }
            j++;
        } else {
            g_array_append_val(out, *b);
            i++;
        }
    }
    return out;
}

GArray *
fbkResolve(fbkDomainRepo *dr, GPtrArray *chain, GError **error)
{
    g_autoptr(GArray) resolved = NULL;
    gint i;

    for (i = chain->len - 1; i >= 0; i--) {
        fbkChainMember *m = g_ptr_array_index(chain, i);
        g_autofree char *path = fbkDomainRepoPath(dr, m->disk->map);
        g_autoptr(GArray) recs = NULL;
        GArray *next;

        if (!(recs = fbkMapRead(path, m->disk, error))) {
            g_prefix_error(error, _("point %u: "), m->point->number);
            return NULL;
        }
        next = fbkResolveOverlay(resolved, (const fbkRecord *) recs->data, recs->len, i);
        if (resolved)
            g_array_unref(resolved);
        resolved = next;
    }
    return g_steal_pointer(&resolved);
}

fbkDigest
fbkResolvedDigest(GArray *resolved)
{
    fbkDigest sum = { 0, 0 };
    guint i;

    for (i = 0; resolved && i < resolved->len; i++)
        fbkDigestAdd(&sum, g_array_index(resolved, fbkResolved, i).digest);
    return sum;
}

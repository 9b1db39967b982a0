/*
 * fbk-util.c: fleece-backup — errors, signals, atomic files, JSON,
 * digests, formatting
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define _GNU_SOURCE     /* sync_file_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "fbk.h"

GQuark
fbkErrorQuark(void)
{
    return g_quark_from_static_string("fleece-backup-error-quark");
}

void
fbkErrorLibvirt(GError **error, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    const char *msg = virGetLastErrorMessage();
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, FBK_ERROR, FBK_ERROR_LIBVIRT, "%s: %s", what,
                msg ? msg : _("unknown error"));
}

void
fbkErrorSystem(GError **error, int errnum, const char *fmt, ...)
{
    g_autofree char *what = NULL;
    va_list ap;

    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, FBK_ERROR, FBK_ERROR_IO, "%s: %s", what, g_strerror(errnum));
}

/* ---- signals ------------------------------------------------------------ */

volatile int fbkInterrupted;

static void
fbkSignalHandler(int sig G_GNUC_UNUSED)
{
    fbkInterrupted = 1;
}

/* SIGINT and SIGTERM make long loops stop and the command roll back. */
void
fbkSignalsInstall(void)
{
    struct sigaction sa = { 0 };

    sa.sa_handler = fbkSignalHandler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

bool
fbkCheckInterrupted(GError **error)
{
    if (!fbkInterrupted)
        return false;
    g_set_error(error, FBK_ERROR, FBK_ERROR_INTERRUPTED, _("interrupted"));
    return true;
}

/* ---- files ----------------------------------------------------------------- */

int
fbkPwriteAll(int fd, const void *buf, size_t len, guint64 off, GError **error)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            fbkErrorSystem(error, errno, _("cannot write"));
            return -1;
        }
        p += n;
        len -= n;
        off += n;
    }
    return 0;
}

int
fbkPreadAll(int fd, void *buf, size_t len, guint64 off, GError **error)
{
    char *p = buf;

    while (len > 0) {
        ssize_t n = pread(fd, p, len, off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            fbkErrorSystem(error, errno, _("cannot read"));
            return -1;
        }
        if (n == 0) {
            g_set_error(error, FBK_ERROR, FBK_ERROR_CORRUPT,
                        _("file ends before offset %llu"),
                        (unsigned long long) off);
            return -1;
        }
        p += n;
        len -= n;
        off += n;
    }
    return 0;
}

/* Writing a large file through the page cache lets dirty pages pile up
 * until the kernel throttles the writer and the final sync has all of
 * them to do.  Instead, each range written is handed to writeback at
 * once, and once more than a window of them is in flight, the oldest are
 * waited for and dropped from the cache.  A small file never waits.
 * Errors are the final fsync's business. */
void
fbkWriteBehindInit(fbkWriteBehind *wb, int fd)
{
    memset(wb, 0, sizeof(*wb));
    wb->fd = fd;
    wb->queue = g_array_new(FALSE, FALSE, sizeof(fbkRange));
}

void
fbkWriteBehindClear(fbkWriteBehind *wb)
{
    if (wb->queue)
        g_array_unref(wb->queue);
    wb->queue = NULL;
}

static void
fbkWriteBehindSubmit(fbkWriteBehind *wb)
{
    fbkRange r = { wb->offset, wb->len };

    sync_file_range(wb->fd, r.offset, r.len, SYNC_FILE_RANGE_WRITE);
    g_array_append_val(wb->queue, r);
    wb->queued += r.len;
    while (wb->queued > FBK_WRITE_BEHIND_WINDOW && wb->queue->len > 1) {
        fbkRange old = g_array_index(wb->queue, fbkRange, 0);

        sync_file_range(wb->fd, old.offset, old.len,
                        SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
                        SYNC_FILE_RANGE_WAIT_AFTER);
        posix_fadvise(wb->fd, old.offset, old.len, POSIX_FADV_DONTNEED);
        wb->queued -= old.len;
        g_array_remove_index(wb->queue, 0);
    }
}

void
fbkWriteBehindAdd(fbkWriteBehind *wb, guint64 offset, guint64 len)
{
    /* contiguous small writes are grouped */
    if (wb->pending && wb->offset + wb->len == offset && wb->len < FBK_WRITE_BEHIND) {
        wb->len += len;
        return;
    }
    if (wb->pending)
        fbkWriteBehindSubmit(wb);
    wb->pending = 1;
    wb->offset = offset;
    wb->len = len;
}

int
fbkFsyncDir(const char *dir, GError **error)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) < 0) {
        fbkErrorSystem(error, errno, _("cannot sync directory '%s'"), dir);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int
fbkFsyncPath(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) < 0) {
        fbkErrorSystem(error, errno, _("cannot sync '%s'"), path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int
fbkFileWriteAtomic(const char *path, const char *content, GError **error)
{
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    g_autofree char *dir = g_path_get_dirname(path);
    int fd;

    if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
        fbkErrorSystem(error, errno, _("cannot create '%s'"), tmp);
        return -1;
    }
    if (fbkPwriteAll(fd, content, strlen(content), 0, error) < 0 || fsync(fd) < 0) {
        if (error && !*error)
            fbkErrorSystem(error, errno, _("cannot sync '%s'"), tmp);
        g_prefix_error(error, "%s: ", tmp);
        close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        fbkErrorSystem(error, errno, _("cannot rename '%s'"), tmp);
        unlink(tmp);
        return -1;
    }
    return fbkFsyncDir(dir, error);
}

void
fbkRemoveTree(const char *path)
{
    g_autoptr(GDir) d = NULL;
    const char *ent;

    if (!path)
        return;
    if ((d = g_dir_open(path, 0, NULL))) {
        while ((ent = g_dir_read_name(d))) {
            g_autofree char *sub = g_build_filename(path, ent, NULL);

            if (g_file_test(sub, G_FILE_TEST_IS_DIR) &&
                !g_file_test(sub, G_FILE_TEST_IS_SYMLINK))
                fbkRemoveTree(sub);
            else
                unlink(sub);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

bool
fbkNameValid(const char *name)
{
    const unsigned char *p;

    if (!name || !*name || strlen(name) > 255 || name[0] == '.')
        return false;
    for (p = (const unsigned char *) name; *p; p++) {
        if (*p == '/' || *p < 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

/* ---- JSON ----------------------------------------------------------------- */

json_object *
fbkJSONParseFile(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    json_tokener *tok;
    json_object *obj;

    if (!g_file_get_contents(path, &text, NULL, &err)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY, "%s", err->message);
        return NULL;
    }
    tok = json_tokener_new();
    obj = json_tokener_parse_ex(tok, text, -1);
    if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
        !json_object_is_type(obj, json_type_object)) {
        g_set_error(error, FBK_ERROR, FBK_ERROR_REPOSITORY,
                    _("'%s' is not a valid JSON object"), path);
        json_object_put(obj);
        obj = NULL;
    }
    json_tokener_free(tok);
    return obj;
}

const char *
fbkJSONString(json_object *obj, const char *key)
{
    json_object *v = NULL;

    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

gint64
fbkJSONInt(json_object *obj, const char *key, gint64 def)
{
    json_object *v = NULL;

    if (!obj || !json_object_object_get_ex(obj, key, &v) ||
        !json_object_is_type(v, json_type_int))
        return def;
    return json_object_get_int64(v);
}

bool
fbkJSONBool(json_object *obj, const char *key)
{
    json_object *v = NULL;

    return obj && json_object_object_get_ex(obj, key, &v) &&
           json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

char *
fbkJSONFormat(json_object *obj)
{
    return g_strdup_printf("%s\n",
                           json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
                                                          JSON_C_TO_STRING_SPACED |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---- digests ---------------------------------------------------------------- */

fbkDigest
fbkDigestBlock(const void *buf, size_t len, guint64 offset)
{
    XXH128_hash_t h = XXH3_128bits_withSeed(buf, len, offset);
    fbkDigest d = { h.low64, h.high64 };

    return d;
}

void
fbkDigestAdd(fbkDigest *sum, fbkDigest d)
{
    guint64 lo = sum->lo + d.lo;

    sum->hi += d.hi + (lo < sum->lo);
    sum->lo = lo;
}

void
fbkDigestSub(fbkDigest *sum, fbkDigest d)
{
    guint64 lo = sum->lo - d.lo;

    sum->hi -= d.hi + (sum->lo < d.lo);
    sum->lo = lo;
}

bool
fbkDigestEqual(fbkDigest a, fbkDigest b)
{
    return a.lo == b.lo && a.hi == b.hi;
}

bool
fbkDigestIsZero(fbkDigest d)
{
    return d.lo == 0 && d.hi == 0;
}

char *
fbkDigestFormat(fbkDigest d)
{
    return g_strdup_printf("%016" G_GINT64_MODIFIER "x%016" G_GINT64_MODIFIER "x",
                           d.hi, d.lo);
}

bool
fbkDigestParse(const char *s, fbkDigest *d)
{
    char hi[17], lo[17];
    char *end = NULL;
    size_t i;

    if (!s || strlen(s) != 32)
        return false;
    for (i = 0; i < 32; i++) {
        if (!g_ascii_isxdigit(s[i]))
            return false;
    }
    memcpy(hi, s, 16);
    hi[16] = '\0';
    memcpy(lo, s + 16, 16);
    lo[16] = '\0';
    d->hi = g_ascii_strtoull(hi, &end, 16);
    d->lo = g_ascii_strtoull(lo, &end, 16);
    return true;
}

bool
fbkBufferIsZero(const void *buf, size_t len)
{
    const unsigned char *p = buf;

    if (len == 0)
        return true;
    /* the first 16 bytes one by one, then the buffer against itself */
    while (len > 0 && ((uintptr_t) p & 15)) {
        if (*p)
            return false;
        p++;
        len--;
    }
    if (len < 16) {
        while (len--) {
            if (*p++)
                return false;
        }
        return true;
    }
    if (*(const guint64 *) p || *(const guint64 *) (p + 8))
        return false;
    return memcmp(p, p + 16, len - 16) == 0;
}

char *
fbkFormatSize(guint64 bytes)
{
    const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
    double v = bytes;
    size_t u = 0;

    while (v >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        return g_strdup_printf("%llu B", (unsigned long long) bytes);
    return g_strdup_printf("%.1f %s", v, units[u]);
}

char *
fbkFormatTime(gint64 unixSeconds)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unixSeconds);

    if (!dt)
        return g_strdup("?");
    return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

/*
 * virfile.c: file helpers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virfile.h"
#include "virerror.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_NONE

VIR_LOG_INIT("util.file");

static int
virFileWriteAll(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= n;
    }
    return 0;
}

static int
virFileSyncDir(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret = 0;

    if (fd < 0) {
        virReportSystemError(errno, _("cannot open directory '%s'"), dir);
        return -1;
    }
    if (fsync(fd) < 0 && errno != EINVAL) {
        virReportSystemError(errno, _("cannot sync directory '%s'"), dir);
        ret = -1;
    }
    close(fd);
    return ret;
}

int
virFileRewriteStr(const char *path, mode_t mode, const char *content)
{
    return virFileRewriteStrFull(path, mode, content, true);
}

int
virFileRewriteStrFull(const char *path, mode_t mode, const char *content,
                      bool durable)
{
    g_autofree char *tmp = g_strdup_printf("%s.new", path);
    size_t len = content ? strlen(content) : 0;
    int fd;

    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        virReportSystemError(errno, _("cannot create file '%s'"), tmp);
        return -1;
    }
    if (virFileWriteAll(fd, content ? content : "", len) < 0) {
        virReportSystemError(errno, _("cannot write file '%s'"), tmp);
        goto error;
    }
    if (durable && fsync(fd) < 0) {
        virReportSystemError(errno, _("cannot sync file '%s'"), tmp);
        goto error;
    }
    if (close(fd) < 0) {
        fd = -1;
        virReportSystemError(errno, _("cannot save file '%s'"), tmp);
        goto error;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        virReportSystemError(errno, _("cannot rename '%s' to '%s'"), tmp, path);
        goto error;
    }
    return durable ? virFileSyncDir(path) : 0;

 error:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return -1;
}

void
virFileRewriteCleanup(const char *path)
{
    g_autoptr(GDir) dir = NULL;
    const char *ent;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autofree char *tmp = g_strdup_printf("%s.new", path);

        if (virFileExists(tmp) && unlink(tmp) == 0)
            VIR_DEBUG("removed the leftover '%s'", tmp);
        return;
    }
    if (!(dir = g_dir_open(path, 0, NULL)))
        return;
    while ((ent = g_dir_read_name(dir))) {
        g_autofree char *tmp = NULL;

        if (!g_str_has_suffix(ent, ".new"))
            continue;
        tmp = g_build_filename(path, ent, NULL);
        if (unlink(tmp) == 0)
            VIR_DEBUG("removed the leftover '%s'", tmp);
    }
}

bool
virFileRewriteLeftover(const char *path)
{
    g_autoptr(GDir) dir = NULL;
    const char *ent;

    if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
        g_autofree char *tmp = g_strdup_printf("%s.new", path);

        return virFileExists(tmp);
    }
    if (!(dir = g_dir_open(path, 0, NULL)))
        return false;
    while ((ent = g_dir_read_name(dir))) {
        if (g_str_has_suffix(ent, ".new"))
            return true;
    }
    return false;
}

int
virFileReadAll(const char *path, size_t maxlen, char **buf)
{
    g_autoptr(GError) gerr = NULL;
    gsize len = 0;
    char *data = NULL;

    *buf = NULL;
    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        virReportError(VIR_ERR_SYSTEM_ERROR, _("cannot read file '%s': %s"),
                       path, gerr->message);
        return -1;
    }
    if (len > maxlen) {
        g_free(data);
        virReportError(VIR_ERR_INTERNAL_ERROR,
                       _("file '%s' is larger than %zu bytes"), path, maxlen);
        return -1;
    }
    *buf = data;
    return len;
}

int
virFileMakePath(const char *path, mode_t mode)
{
    if (g_mkdir_with_parents(path, mode) < 0) {
        virReportSystemError(errno, _("cannot create directory '%s'"), path);
        return -1;
    }
    return 0;
}

bool
virFileExists(const char *path)
{
    return access(path, F_OK) == 0;
}

int
virFileRemove(const char *path)
{
    if (unlink(path) < 0 && errno != ENOENT) {
        virReportSystemError(errno, _("cannot remove file '%s'"), path);
        return -1;
    }
    return 0;
}

int
virNameValidate(const char *kind, const char *name)
{
    const char *p;

    if (!name || !*name) {
        virReportError(VIR_ERR_XML_ERROR, _("%s name must not be empty"), kind);
        return -1;
    }
    if (strlen(name) > VIR_NAME_MAX_LEN) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("%s name is longer than %d bytes"), kind,
                       VIR_NAME_MAX_LEN);
        return -1;
    }
    if (name[0] == '.') {
        virReportError(VIR_ERR_XML_ERROR,
                       _("%s name '%s' must not start with '.'"), kind, name);
        return -1;
    }
    if (strchr(name, '/')) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("%s name '%s' must not contain '/'"), kind, name);
        return -1;
    }
    for (p = name; *p; p++) {
        if ((unsigned char) *p < 0x20 || *p == 0x7f) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("%s name must not contain control characters"),
                           kind);
            return -1;
        }
    }
    return 0;
}

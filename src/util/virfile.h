/*
 * virfile.h: files — atomic rewrite, reading, directories
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

/* Replace path with content atomically: write PATH.new, fsync, rename,
 * fsync the directory.  A crash leaves either the old or the new file
 * (and maybe a PATH.new, see virFileRewriteCleanup). */
int virFileRewriteStr(const char *path, mode_t mode, const char *content);
/* Remove the PATH.new a rewrite interrupted by a crash left behind (the
 * caller holds whatever lock serialises writers of PATH), or, for a
 * directory, every *.new in it. */
void virFileRewriteCleanup(const char *path);
/* Whether such a leftover exists (for a directory: any *.new in it). */
bool virFileRewriteLeftover(const char *path);
/* The same; without @durable nothing is synced: after a crash the file
 * may be old, new, or empty or cut short — for caches whose readers
 * check what they read. */
int virFileRewriteStrFull(const char *path, mode_t mode, const char *content,
                          bool durable);
/* Read a whole file (at most maxlen bytes) into *buf. */
int virFileReadAll(const char *path, size_t maxlen, char **buf);
int virFileMakePath(const char *path, mode_t mode);
bool virFileExists(const char *path);
/* Remove a file; a missing file is not an error. */
int virFileRemove(const char *path);

/* Names that become path components (domains, checkpoints): not empty,
 * at most 255 bytes, no '/', no leading '.', no control characters.
 * kind says what the name is for the error message. */
int virNameValidate(const char *kind, const char *name);
#define VIR_NAME_MAX_LEN 255

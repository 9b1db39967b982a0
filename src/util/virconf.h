/*
 * virconf.h: settings files in libvirt's "key = value" style
 *
 *   # a comment, to the end of the line
 *   backup_tls_x509_cert_dir = "/etc/pki/fleece"    # strings in quotes
 *   backup_bandwidth = 1048576                      # integers bare
 *   listen_addresses = [ "127.0.0.1", "::1" ]       # lists of strings
 *
 * One setting per line (a list may continue over several lines); keys
 * are letters, digits and '_' (not starting with a digit); strings are
 * quoted with '"' or '\'' and hold no line break and no escapes.  A key
 * set twice is an error.  This file knows the grammar only: which keys
 * exist and what their values mean is the caller's table.  Every error
 * is VIR_ERR_CONF_SYNTAX naming the file and line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "virenum.h"

typedef enum {
    VIR_CONF_TYPE_STRING,
    VIR_CONF_TYPE_INTEGER,
    VIR_CONF_TYPE_LIST,

    VIR_CONF_TYPE_LAST
} virConfType;
VIR_ENUM_DECL(virConfType);

typedef struct _virConfEntry virConfEntry;
struct _virConfEntry {
    char *key;
    virConfType type;
    char *str;          /* STRING */
    long long num;      /* INTEGER */
    char **list;        /* LIST: NULL-terminated */
    int line;           /* where the key is */
};

typedef struct _virConf virConf;
struct _virConf {
    char *filename;     /* for messages */
    GPtrArray *entries; /* virConfEntry, in file order */
};

/* Parse len bytes of content; filename names it in messages. */
virConf *virConfParseString(const char *filename, const char *content,
                            size_t len);
/* Read and parse a file.  A missing file gives an empty virConf when
 * allowMissing, else an error. */
virConf *virConfReadFile(const char *path, bool allowMissing);
void virConfFree(virConf *conf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virConf, virConfFree);

/* Largest settings file read. */
#define VIR_CONF_MAX_SIZE (1024 * 1024)

/*
 * qemu_domainpeek.h: what the files under a root say about each domain,
 * read without a lock and without asking QEMU
 *
 * For watchers that turn changes made by any process into events: cheap
 * enough to run after every change of ROOT/domains or ROOT/run, and
 * harmless (nothing is written, reconciled or waited for).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

#include "qemu_conf.h"

typedef struct _qemuDomainPeek qemuDomainPeek;
struct _qemuDomainPeek {
    char *name;
    unsigned char uuid[16];
    bool persistent;               /* a config file exists */
    bool active;                   /* the status says running (or paused) */
    int state;                     /* virDomainState */
    int reason;
    int id;                        /* -1 when inactive */
    bool alive;                    /* active and its QEMU still runs */
    pid_t pid;                     /* of QEMU, when active */
    unsigned long long starttime;
    guint64 configStamp;           /* changes whenever the config is rewritten */
};

void qemuDomainPeekFree(qemuDomainPeek *peek);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(qemuDomainPeek, qemuDomainPeekFree);

/* Whether the QEMU of an active domain still runs (now). */
bool qemuDomainPeekAlive(const qemuDomainPeek *peek);

/* Every domain with a config or status file, by name.  Files that cannot
 * be read (being replaced, say) are skipped: the next look sees them. */
GHashTable *qemuDomainPeekAll(qemuDriver *driver);

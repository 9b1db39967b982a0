/*
 * virprocess.h: process identity, existence, signals and waiting
 *
 * A PID alone does not name a process across time: once it exits, the
 * number can be given to another.  An identity adds the start time
 * (field 22 of /proc/PID/stat) and the executable, so a PID stored in a
 * status file is only acted upon while it still names the same process.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <sys/types.h>

typedef struct _virProcessIdentity virProcessIdentity;
struct _virProcessIdentity {
    pid_t pid;
    unsigned long long starttime;   /* clock ticks after boot */
    char *exe;                      /* executable; NULL if unreadable */
};

void virProcessIdentityClear(virProcessIdentity *ident);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(virProcessIdentity, virProcessIdentityClear);

/* Fill ident for a live process; an error if it does not exist. */
int virProcessIdentityGet(pid_t pid, virProcessIdentity *ident);
/* True if pid is alive and is the process ident was taken from. */
bool virProcessIdentityMatches(pid_t pid, const virProcessIdentity *ident);

/* True if pid names a live process (a zombie counts as gone). */
bool virProcessExists(pid_t pid);

/* The first live process (other than this one) with an argument equal
 * to @arg, 0 if none: finds a child whose pid a killed parent had no
 * time to record, by an argument only it can have (a socket path). */
pid_t virProcessFindByArg(const char *arg);

/* Send sig to pid (> 1). */
int virProcessKill(pid_t pid, int sig);
/* SIGTERM, wait up to timeout_ms, then SIGKILL and wait again.  Returns
 * 0 if the process ended on SIGTERM (or was gone), 1 if it needed SIGKILL,
 * -1 with an error if it survived both. */
int virProcessKillPainfully(pid_t pid, unsigned int timeout_ms);
/* Wait up to timeout_ms for any process (child or not) to exit;
 * VIR_ERR_OPERATION_TIMEOUT if it does not. */
int virProcessWaitExit(pid_t pid, unsigned int timeout_ms);

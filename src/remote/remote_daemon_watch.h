/*
 * remote_daemon_watch.h: lifecycle events for changes made by anyone
 *
 * The daemon's clients must see a domain start, stop, pause or be defined
 * whoever did it: one of them, another daemon client, or another process
 * on the same root (the fleece tool, an embedded-driver program).  A
 * watcher thread looks at the root's files (qemu_domainpeek.h) after
 * every change inotify reports in ROOT/domains and ROOT/run, compares each
 * domain with what it saw before and turns the difference into libvirt's
 * lifecycle events.  Once a second it also checks that the QEMU of every
 * running domain is still alive; a dead one is reconciled through the
 * driver (which records it as crashed), and that change becomes an event
 * like any other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

typedef struct _remoteWatcher remoteWatcher;

/* An event: domain @name/@uuid (@id, -1 when not running), libvirt's
 * virDomainEventType @event and its @detail.  Runs in the watcher's
 * thread. */
typedef void (*remoteWatcherEventFunc)(const char *name, const unsigned char *uuid,
                                       int id, int event, int detail, void *opaque);

/* Watch the root @root; @driverURI opens the driver to reconcile a dead
 * QEMU.  What exists now raises no event. */
remoteWatcher *remoteWatcherNew(const char *root, const char *driverURI,
                                remoteWatcherEventFunc func, void *opaque);
/* Stop the thread and free. */
void remoteWatcherFree(remoteWatcher *w);

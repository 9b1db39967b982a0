/*
 * qemu_event.h: domain events of one embedded-driver connection
 *
 * A connection keeps its registered callbacks and a queue of events; the
 * queue is emptied by a zero-delay timer of the application's event loop,
 * which only calls callbacks: nothing that can wait (a lock file, QEMU)
 * ever runs in the application's loop.
 *
 * Callbacks are reference counted: a delivery holds a reference while it
 * calls one, so deregistering (from any thread) never lets a callback
 * run after its free function; that free function is called by whoever
 * drops the last reference, after any call in progress has returned.
 *
 * VIR_DOMAIN_EVENT_ID_JOB_COMPLETED needs someone to notice that QEMU
 * finished a backup while no call was looking: while such a callback is
 * registered, a watcher thread of the connection looks at every domain
 * with a backup twice a second.  A read-write connection finalises a
 * backup QEMU has finished (taking the domain's lock only if it is free:
 * a busy lock is tried again next time); every connection, read-only
 * ones included, queues the event when it sees that a backup it saw
 * running has ended, whoever ended it, with the completed job's
 * statistics from the status file.  An event is queued once per job.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "libvirt/libvirt.h"
#include "domain_conf.h"
#include "qemu_conf.h"
#include "qemu_domainjob.h"

typedef struct _qemuEventState qemuEventState;

/* The events of connection @conn on the driver at @root. */
qemuEventState *qemuEventStateNew(virConnect *conn, const char *root,
                                  bool readonly);
/* The connection is closing (its last reference is gone): no delivery
 * starts any more and one in progress is waited for, the watcher is told
 * to stop, remaining callbacks are freed, the state is released. */
void qemuEventStateClose(qemuEventState *st);

int qemuEventRegister(qemuEventState *st, virDomain *dom, int eventID,
                      virConnectDomainEventGenericCallback callback,
                      void *opaque, virFreeCallback freecb);
int qemuEventDeregister(qemuEventState *st, int callbackID);

/* Queue a lifecycle event for delivery from the application's loop
 * (dropped when no callback is registered or no loop is). */
void qemuEventQueueLifecycle(qemuEventState *st, const virDomainDef *def,
                             int id, int event, int detail);
/* Queue VIR_DOMAIN_EVENT_ID_JOB_COMPLETED with the final statistics of
 * a job (@data NULL: nothing ended). */
void qemuEventQueueJobCompleted(qemuEventState *st, const virDomainDef *def,
                                const qemuDomainJobData *data);

/* Typed parameters of virDomainGetJobStats from job data (qemu_driver.c). */
int qemuDomainJobDataToParams(const qemuDomainJobData *data,
                              virTypedParameter **params, int *nparams);

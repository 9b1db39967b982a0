/*
 * vireventpoll.h: the library's default event loop, built on poll()
 *
 * Descriptors ("handles") and timers ("timeouts") are identified by
 * positive numbers.  One thread runs virEventPollRunOnce repeatedly;
 * any thread may add, update or remove: a wakeup pipe interrupts a
 * blocking poll so that the change takes effect at once.  Callbacks run
 * without the loop's lock held, so they may call back into the loop; a
 * handle or timer removed while the loop runs is freed (its free
 * callback called) after the current dispatch.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdbool.h>

#include "libvirt/libvirt-event.h"

/* Create the wakeup pipe (once).  Returns 0 or -1 with a system error. */
int virEventPollInit(void);

int virEventPollAddHandle(int fd, int events, virEventHandleCallback cb,
                          void *opaque, virFreeCallback ff);
void virEventPollUpdateHandle(int watch, int events);
int virEventPollRemoveHandle(int watch);

int virEventPollAddTimeout(int frequency, virEventTimeoutCallback cb,
                           void *opaque, virFreeCallback ff);
void virEventPollUpdateTimeout(int timer, int frequency);
int virEventPollRemoveTimeout(int timer);

/* One iteration: wait for a ready descriptor, a due timer or a wakeup,
 * then dispatch.  Returns 0, or -1 with an error. */
int virEventPollRunOnce(void);

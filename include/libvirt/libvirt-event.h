/*
 * libvirt-event.h: the event loop that delivers callbacks
 *
 * An application either runs the library's own loop
 * (virEventRegisterDefaultImpl, then virEventRunDefaultImpl repeatedly)
 * or hands its loop's functions to virEventRegisterImpl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_EVENT_H
# define FLEECE_LIBVIRT_EVENT_H

# include <libvirt/libvirt-common.h>

# ifdef __cplusplus
extern "C" {
# endif

/* Conditions watched on, or reported for, a file descriptor. */
typedef enum {
    VIR_EVENT_HANDLE_READABLE = (1 << 0),
    VIR_EVENT_HANDLE_WRITABLE = (1 << 1),
    VIR_EVENT_HANDLE_ERROR = (1 << 2),
    VIR_EVENT_HANDLE_HANGUP = (1 << 3),
} virEventHandleType;

/* Called when @fd, watched as @watch, has the conditions @events. */
typedef void (*virEventHandleCallback)(int watch, int fd, int events,
                                       void *opaque);

/* An application loop's way to watch a descriptor; returns a watch
 * number > 0, or -1. */
typedef int (*virEventAddHandleFunc)(int fd, int event,
                                     virEventHandleCallback cb,
                                     void *opaque,
                                     virFreeCallback ff);
/* Change the conditions a watch waits for (0 = none). */
typedef void (*virEventUpdateHandleFunc)(int watch, int event);
/* Stop a watch; the loop calls its free callback afterwards. */
typedef int (*virEventRemoveHandleFunc)(int watch);

/* Called each time the timer @timer expires. */
typedef void (*virEventTimeoutCallback)(int timer, void *opaque);

/* An application loop's way to start a timer of @timeout ms (-1 =
 * disabled, 0 = every iteration); returns a timer number > 0, or -1. */
typedef int (*virEventAddTimeoutFunc)(int timeout,
                                      virEventTimeoutCallback cb,
                                      void *opaque,
                                      virFreeCallback ff);
/* Change a timer's period. */
typedef void (*virEventUpdateTimeoutFunc)(int timer, int timeout);
/* Stop a timer; the loop calls its free callback afterwards. */
typedef int (*virEventRemoveTimeoutFunc)(int timer);

/*
 * virEventRegisterImpl:
 * @addHandle: ... @removeTimeout: the application loop's functions
 *
 * Makes the library use the application's event loop.  Call it once,
 * before opening connections.
 *
 * Since: 0.1.0
 */
void virEventRegisterImpl(virEventAddHandleFunc addHandle,
                          virEventUpdateHandleFunc updateHandle,
                          virEventRemoveHandleFunc removeHandle,
                          virEventAddTimeoutFunc addTimeout,
                          virEventUpdateTimeoutFunc updateTimeout,
                          virEventRemoveTimeoutFunc removeTimeout);

/*
 * virEventRegisterDefaultImpl:
 *
 * Makes the library use its own poll()-based loop, driven by
 * virEventRunDefaultImpl.
 *
 * Returns 0, or -1 (VIR_ERR_SYSTEM_ERROR when the loop's wakeup pipe
 * cannot be created).
 *
 * Since: 0.1.0
 */
int virEventRegisterDefaultImpl(void);

/*
 * virEventRunDefaultImpl:
 *
 * Runs one iteration of the default loop: waits until a watched
 * descriptor is ready or a timer is due, then calls the callbacks.
 *
 * Returns 0, or -1 (VIR_ERR_OPERATION_INVALID when the default loop is
 * not registered, VIR_ERR_SYSTEM_ERROR if poll fails).
 *
 * Since: 0.1.0
 */
int virEventRunDefaultImpl(void);

/*
 * virEventAddHandle:
 * @fd: descriptor to watch
 * @events: bitwise-OR of virEventHandleType
 * @cb: called when ready
 * @opaque: passed to @cb
 * @ff: if not NULL, called on @opaque after removal
 *
 * Returns a watch number > 0, or -1 (no loop registered, or bad
 * arguments).
 *
 * Since: 0.1.0
 */
int virEventAddHandle(int fd, int events, virEventHandleCallback cb,
                      void *opaque, virFreeCallback ff);

/*
 * virEventUpdateHandle:
 * @watch: watch number
 * @events: new bitwise-OR of virEventHandleType (0 to pause the watch)
 *
 * Since: 0.1.0
 */
void virEventUpdateHandle(int watch, int events);

/*
 * virEventRemoveHandle:
 * @watch: watch number
 *
 * Stops the watch; safe from inside its own callback.
 *
 * Returns 0, or -1 if the watch is unknown.
 *
 * Since: 0.1.0
 */
int virEventRemoveHandle(int watch);

/*
 * virEventAddTimeout:
 * @frequency: period in ms; 0 fires at every iteration, -1 disables
 * @cb: called at each expiry
 * @opaque: passed to @cb
 * @ff: if not NULL, called on @opaque after removal
 *
 * Returns a timer number > 0, or -1.
 *
 * Since: 0.1.0
 */
int virEventAddTimeout(int frequency, virEventTimeoutCallback cb,
                       void *opaque, virFreeCallback ff);

/*
 * virEventUpdateTimeout:
 * @timer: timer number
 * @frequency: new period in ms (restarts the count), 0 or -1 as above
 *
 * Since: 0.1.0
 */
void virEventUpdateTimeout(int timer, int frequency);

/*
 * virEventRemoveTimeout:
 * @timer: timer number
 *
 * Stops the timer; safe from inside its own callback.
 *
 * Returns 0, or -1 if the timer is unknown.
 *
 * Since: 0.1.0
 */
int virEventRemoveTimeout(int timer);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_EVENT_H */

/*
 * libvirt-event.c: public entry points of the event loop
 *
 * The library delivers callbacks through whichever loop the application
 * registered: its own (virEventRegisterImpl) or the default one
 * (virEventRegisterDefaultImpl).  The functions below forward to it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "datatypes.h"
#include "vireventpoll.h"
#include "virlog.h"

#define VIR_FROM_THIS VIR_FROM_EVENT

VIR_LOG_INIT("libvirt.event");

typedef struct _virEventImpl virEventImpl;
struct _virEventImpl {
    virEventAddHandleFunc addHandle;
    virEventUpdateHandleFunc updateHandle;
    virEventRemoveHandleFunc removeHandle;
    virEventAddTimeoutFunc addTimeout;
    virEventUpdateTimeoutFunc updateTimeout;
    virEventRemoveTimeoutFunc removeTimeout;
    bool isDefault;             /* the default loop is registered */
};

static GMutex eventImplLock;
static virEventImpl eventImpl;

/* A consistent copy of the registered functions. */
static void
virEventGetImpl(virEventImpl *impl)
{
    g_mutex_lock(&eventImplLock);
    *impl = eventImpl;
    g_mutex_unlock(&eventImplLock);
}

static void
virEventReportNoImpl(const char *funcname)
{
    virReportErrorFull(VIR_FROM_THIS, VIR_ERR_OPERATION_INVALID, __FILE__,
                       funcname, __LINE__, "%s",
                       _("no event loop registered"));
}

bool
virEventIsRegistered(void)
{
    bool ret;

    g_mutex_lock(&eventImplLock);
    ret = eventImpl.addHandle && eventImpl.addTimeout;
    g_mutex_unlock(&eventImplLock);
    return ret;
}

void
virEventRegisterImpl(virEventAddHandleFunc addHandle,
                     virEventUpdateHandleFunc updateHandle,
                     virEventRemoveHandleFunc removeHandle,
                     virEventAddTimeoutFunc addTimeout,
                     virEventUpdateTimeoutFunc updateTimeout,
                     virEventRemoveTimeoutFunc removeTimeout)
{
    virResetLastError();
    VIR_DEBUG("registering an application event loop");

    g_mutex_lock(&eventImplLock);
    eventImpl.addHandle = addHandle;
    eventImpl.updateHandle = updateHandle;
    eventImpl.removeHandle = removeHandle;
    eventImpl.addTimeout = addTimeout;
    eventImpl.updateTimeout = updateTimeout;
    eventImpl.removeTimeout = removeTimeout;
    eventImpl.isDefault = false;
    g_mutex_unlock(&eventImplLock);
}

int
virEventRegisterDefaultImpl(void)
{
    virResetLastError();

    if (virEventPollInit() < 0)
        return -1;
    virEventRegisterImpl(virEventPollAddHandle, virEventPollUpdateHandle,
                         virEventPollRemoveHandle, virEventPollAddTimeout,
                         virEventPollUpdateTimeout, virEventPollRemoveTimeout);
    g_mutex_lock(&eventImplLock);
    eventImpl.isDefault = true;
    g_mutex_unlock(&eventImplLock);
    return 0;
}

int
virEventRunDefaultImpl(void)
{
    bool isDefault;

    virResetLastError();
    g_mutex_lock(&eventImplLock);
    isDefault = eventImpl.isDefault;
    g_mutex_unlock(&eventImplLock);

    if (!isDefault) {
        virReportError(VIR_ERR_OPERATION_INVALID, "%s",
                       _("the default event loop is not registered"));
        return -1;
    }
    return virEventPollRunOnce();
}

int
virEventAddHandle(int fd, int events, virEventHandleCallback cb,
                  void *opaque, virFreeCallback ff)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.addHandle) {
        virEventReportNoImpl(__func__);
        return -1;
    }
    return impl.addHandle(fd, events, cb, opaque, ff);
}

void
virEventUpdateHandle(int watch, int events)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.updateHandle) {
        virEventReportNoImpl(__func__);
        return;
    }
    impl.updateHandle(watch, events);
}

int
virEventRemoveHandle(int watch)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.removeHandle) {
        virEventReportNoImpl(__func__);
        return -1;
    }
    return impl.removeHandle(watch);
}

int
virEventAddTimeout(int frequency, virEventTimeoutCallback cb,
                   void *opaque, virFreeCallback ff)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.addTimeout) {
        virEventReportNoImpl(__func__);
        return -1;
    }
    return impl.addTimeout(frequency, cb, opaque, ff);
}

void
virEventUpdateTimeout(int timer, int frequency)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.updateTimeout) {
        virEventReportNoImpl(__func__);
        return;
    }
    impl.updateTimeout(timer, frequency);
}

int
virEventRemoveTimeout(int timer)
{
    virEventImpl impl;

    virResetLastError();
    virEventGetImpl(&impl);
    if (!impl.removeTimeout) {
        virEventReportNoImpl(__func__);
        return -1;
    }
    return impl.removeTimeout(timer);
}

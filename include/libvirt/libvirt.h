/*
 * libvirt.h: the whole public API of the Fleece library
 *
 * Programs written for libvirt include this one header; it pulls in the
 * connection, domain, checkpoint, snapshot, event-loop and error declarations.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_H
# define FLEECE_LIBVIRT_H

# define __VIR_LIBVIRT_H_INCLUDES__

# include <libvirt/libvirt-common.h>
# include <libvirt/libvirt-host.h>
# include <libvirt/libvirt-domain.h>
# include <libvirt/libvirt-domain-checkpoint.h>
# include <libvirt/libvirt-domain-snapshot.h>
# include <libvirt/libvirt-event.h>
# include <libvirt/virterror.h>
# include <libvirt/libvirt-qemu.h>

#endif /* FLEECE_LIBVIRT_H */

/*
 * libvirt-qemu.h: direct access to a QEMU domain's monitor
 *
 * For debugging and experiments only: commands sent this way bypass the
 * library's bookkeeping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_QEMU_H
# define FLEECE_LIBVIRT_QEMU_H

# include <libvirt/libvirt.h>

# ifdef __cplusplus
extern "C" {
# endif

/* Flags of virDomainQemuMonitorCommand. */
typedef enum {
    VIR_DOMAIN_QEMU_MONITOR_COMMAND_DEFAULT = 0,       /* @cmd is QMP JSON */
    VIR_DOMAIN_QEMU_MONITOR_COMMAND_HMP = (1 << 0),    /* @cmd is HMP text */
} virDomainQemuMonitorCommandFlags;

/*
 * virDomainQemuMonitorCommand:
 * @domain: a running QEMU domain (read-write connection)
 * @cmd: the command
 * @result: receives QEMU's reply (caller frees)
 * @flags: bitwise-OR of virDomainQemuMonitorCommandFlags
 *
 * Returns 0, or -1 (VIR_ERR_OPERATION_DENIED on a read-only connection,
 * VIR_ERR_INVALID_ARG, driver errors).
 *
 * Since: 0.1.0
 */
int virDomainQemuMonitorCommand(virDomainPtr domain, const char *cmd,
                                char **result, unsigned int flags);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_QEMU_H */

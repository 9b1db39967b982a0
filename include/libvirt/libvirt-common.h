/*
 * libvirt-common.h: declarations shared by all of Fleece's public headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_COMMON_H
# define FLEECE_LIBVIRT_COMMON_H

# include <sys/types.h>

# ifdef __cplusplus
extern "C" {
# endif

# ifndef VIR_DEPRECATED
#  if defined(__GNUC__)
#   define VIR_DEPRECATED __attribute__((__deprecated__))
#  else
#   define VIR_DEPRECATED
#  endif
# endif

# define VIR_EXPORT_VAR extern

/* The libvirt API level Fleece follows: 9.0.0. */
# define LIBVIR_VERSION_NUMBER 9000000

# define LIBVIR_CHECK_VERSION(major, minor, micro) \
    ((major) * 1000000 + (minor) * 1000 + (micro) <= LIBVIR_VERSION_NUMBER)

/* Opaque handles, declared once here so that every header can use them. */
# ifndef FLEECE_OPAQUE_TYPES_DECLARED
#  define FLEECE_OPAQUE_TYPES_DECLARED
typedef struct _virConnect virConnect;
typedef virConnect *virConnectPtr;
typedef struct _virDomain virDomain;
typedef virDomain *virDomainPtr;
typedef struct _virNetwork virNetwork;
typedef virNetwork *virNetworkPtr;
typedef struct _virDomainCheckpoint virDomainCheckpoint;
typedef virDomainCheckpoint *virDomainCheckpointPtr;
typedef struct _virDomainSnapshot virDomainSnapshot;
typedef virDomainSnapshot *virDomainSnapshotPtr;
# endif

typedef void (*virFreeCallback)(void *opaque);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_COMMON_H */

/*
 * libvirt-domain-snapshot.h: snapshots (external, disk-only: the disks
 * continue in new overlay images, the old ones keep the point in time)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_DOMAIN_SNAPSHOT_H
# define FLEECE_LIBVIRT_DOMAIN_SNAPSHOT_H

# include <libvirt/libvirt-common.h>

# ifdef __cplusplus
extern "C" {
# endif

/*
 * virDomainSnapshotGetName:
 * @snapshot: the snapshot
 *
 * Returns the name, valid as long as the handle, or NULL.
 *
 * Since: 0.1.0
 */
const char *virDomainSnapshotGetName(virDomainSnapshotPtr snapshot);

/*
 * virDomainSnapshotGetDomain:
 * @snapshot: the snapshot
 *
 * Returns the domain of the snapshot (no reference added), or NULL.
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainSnapshotGetDomain(virDomainSnapshotPtr snapshot);

/*
 * virDomainSnapshotGetConnect:
 * @snapshot: the snapshot
 *
 * Returns the connection of the snapshot's domain (no reference added),
 * or NULL.
 *
 * Since: 0.1.0
 */
virConnectPtr virDomainSnapshotGetConnect(virDomainSnapshotPtr snapshot);

/* Flags of virDomainSnapshotCreateXML. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE = (1 << 0),     /* metadata only */
    VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT = (1 << 1),      /* with REDEFINE:
                                                           make it current */
    VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA = (1 << 2),  /* keep no record */
    VIR_DOMAIN_SNAPSHOT_CREATE_HALT = (1 << 3),         /* stop the guest
                                                           afterwards */
    VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY = (1 << 4),    /* disks only, no
                                                           memory */
    VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT = (1 << 5),    /* use existing
                                                           overlay files */
    VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE = (1 << 6),      /* freeze guest file
                                                           systems meanwhile */
    VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC = (1 << 7),       /* all disks or
                                                           none */
    VIR_DOMAIN_SNAPSHOT_CREATE_LIVE = (1 << 8),         /* guest keeps
                                                           running */
    VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE = (1 << 9),     /* check the XML
                                                           against the
                                                           schema */
} virDomainSnapshotCreateFlags;

/*
 * virDomainSnapshotCreateXML:
 * @domain: the domain (read-write connection)
 * @xmlDesc: a <domainsnapshot> document (see docs/formatsnapshot.rst)
 * @flags: bitwise-OR of virDomainSnapshotCreateFlags; Fleece makes
 *         external disk-only snapshots: DISK_ONLY is required, with
 *         NO_METADATA, QUIESCE (running domain), ATOMIC (always so),
 *         REUSE_EXT and VALIDATE
 *
 * Every disk taking part continues in a new qcow2 overlay whose backing
 * image is the disk's current top; the bitmap of every checkpoint goes
 * on the overlay too, in the same QEMU transaction, so incremental
 * backups since checkpoints older than the snapshot stay correct.  The
 * snapshot becomes current.  Returns a new handle (with NO_METADATA it
 * names a snapshot that cannot be looked up), or NULL.
 *
 * Since: 0.1.0
 */
virDomainSnapshotPtr virDomainSnapshotCreateXML(virDomainPtr domain,
                                                const char *xmlDesc,
                                                unsigned int flags);

/* Flags of virDomainSnapshotGetXMLDesc. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_XML_SECURE = (1 << 0),   /* VIR_DOMAIN_XML_SECURE */
} virDomainSnapshotXMLFlags;

/*
 * virDomainSnapshotGetXMLDesc:
 * @snapshot: the snapshot
 * @flags: bitwise-OR of virDomainSnapshotXMLFlags
 *
 * Returns the snapshot's <domainsnapshot> document (caller frees), or
 * NULL.
 *
 * Since: 0.1.0
 */
char *virDomainSnapshotGetXMLDesc(virDomainSnapshotPtr snapshot,
                                  unsigned int flags);

/* Flags of the snapshot listings (bit 0 depends on the call). */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_LIST_ROOTS = (1 << 0),        /* only without a
                                                         parent */
    VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS = (1 << 0),  /* children: all
                                                         descendants */
    VIR_DOMAIN_SNAPSHOT_LIST_LEAVES = (1 << 2),       /* only childless */
    VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES = (1 << 3),    /* only with
                                                         children */
    VIR_DOMAIN_SNAPSHOT_LIST_METADATA = (1 << 1),     /* only with
                                                         metadata */
    VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA = (1 << 4),  /* only without */
    VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE = (1 << 5),     /* taken shut off */
    VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE = (1 << 6),       /* with memory */
    VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY = (1 << 7),    /* running, disks
                                                         only */
    VIR_DOMAIN_SNAPSHOT_LIST_INTERNAL = (1 << 8),     /* inside the images */
    VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL = (1 << 9),     /* in other files */
    VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL = (1 << 10), /* parents first */
} virDomainSnapshotListFlags;

/*
 * virDomainListAllSnapshots:
 * @domain: the domain
 * @snaps: where to store a NULL-terminated array of new handles (caller
 *         frees each, then the array), or NULL to count only
 * @flags: bitwise-OR of virDomainSnapshotListFlags (filters)
 *
 * Returns the number of snapshots, or -1.
 *
 * Since: 0.1.0
 */
int virDomainListAllSnapshots(virDomainPtr domain,
                              virDomainSnapshotPtr **snaps,
                              unsigned int flags);

/*
 * virDomainSnapshotLookupByName:
 * @domain: the domain
 * @name: the snapshot's name
 * @flags: 0
 *
 * Returns a new handle, or NULL (VIR_ERR_NO_DOMAIN_SNAPSHOT).
 *
 * Since: 0.1.0
 */
virDomainSnapshotPtr virDomainSnapshotLookupByName(virDomainPtr domain,
                                                   const char *name,
                                                   unsigned int flags);

/*
 * virDomainSnapshotGetParent:
 * @snapshot: the snapshot
 * @flags: 0
 *
 * Returns a new handle on the parent, or NULL (VIR_ERR_NO_DOMAIN_SNAPSHOT
 * for a root).
 *
 * Since: 0.1.0
 */
virDomainSnapshotPtr virDomainSnapshotGetParent(virDomainSnapshotPtr snapshot,
                                                unsigned int flags);

/*
 * virDomainSnapshotIsCurrent:
 * @snapshot: the snapshot
 * @flags: 0
 *
 * Returns 1 if it is the domain's current snapshot, 0 if not, -1 on
 * error.
 *
 * Since: 0.1.0
 */
int virDomainSnapshotIsCurrent(virDomainSnapshotPtr snapshot,
                               unsigned int flags);

/* Flags of virDomainRevertToSnapshot. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING = 1 << 0,     /* run afterwards */
    VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED = 1 << 1,      /* paused afterwards */
    VIR_DOMAIN_SNAPSHOT_REVERT_FORCE = 1 << 2,       /* allow risky
                                                        reverts */
    VIR_DOMAIN_SNAPSHOT_REVERT_RESET_NVRAM = 1 << 3, /* NVRAM from its
                                                        template */
} virDomainSnapshotRevertFlags;

/*
 * virDomainRevertToSnapshot:
 * @snapshot: the snapshot
 * @flags: bitwise-OR of virDomainSnapshotRevertFlags
 *
 * Not done for external snapshots (as libvirt 9.0).  A domain with
 * checkpoints is refused first, naming them: going back to older images
 * would leave their bitmaps describing writes the disks no longer hold.
 * Nothing is stopped or changed.  Returns -1.
 *
 * Since: 0.1.0
 */
int virDomainRevertToSnapshot(virDomainSnapshotPtr snapshot,
                              unsigned int flags);

/* Flags of virDomainSnapshotDelete. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN = (1 << 0),      /* and descendants */
    VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY = (1 << 1), /* only the record */
    VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY = (1 << 2), /* descendants
                                                            only */
} virDomainSnapshotDeleteFlags;

/*
 * virDomainSnapshotDelete:
 * @snapshot: the snapshot
 * @flags: bitwise-OR of virDomainSnapshotDeleteFlags; METADATA_ONLY is
 *         required (the images stay; merge them with virDomainBlockCommit)
 *
 * Forgets the snapshot (its children move to its parent).  Returns 0 or
 * -1.
 *
 * Since: 0.1.0
 */
int virDomainSnapshotDelete(virDomainSnapshotPtr snapshot,
                            unsigned int flags);

/*
 * virDomainSnapshotRef:
 * @snapshot: the snapshot
 *
 * Adds a reference.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainSnapshotRef(virDomainSnapshotPtr snapshot);

/*
 * virDomainSnapshotFree:
 * @snapshot: the snapshot
 *
 * Drops a reference (the snapshot itself stays).  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainSnapshotFree(virDomainSnapshotPtr snapshot);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_DOMAIN_SNAPSHOT_H */

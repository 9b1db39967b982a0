/*
 * libvirt-domain-checkpoint.h: checkpoints (points in time from which
 * incremental backups are taken)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_DOMAIN_CHECKPOINT_H
# define FLEECE_LIBVIRT_DOMAIN_CHECKPOINT_H

# include <libvirt/libvirt-common.h>

# ifdef __cplusplus
extern "C" {
# endif

/*
 * virDomainCheckpointGetName:
 * @checkpoint: the checkpoint
 *
 * Returns the name, valid as long as the handle, or NULL.
 *
 * Since: 0.1.0
 */
const char *virDomainCheckpointGetName(virDomainCheckpointPtr checkpoint);

/*
 * virDomainCheckpointGetDomain:
 * @checkpoint: the checkpoint
 *
 * Returns the domain the checkpoint belongs to (no reference added), or
 * NULL.
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainCheckpointGetDomain(virDomainCheckpointPtr checkpoint);

/*
 * virDomainCheckpointGetConnect:
 * @checkpoint: the checkpoint
 *
 * Returns the connection of the checkpoint's domain (no reference
 * added), or NULL.
 *
 * Since: 0.1.0
 */
virConnectPtr virDomainCheckpointGetConnect(virDomainCheckpointPtr checkpoint);

/* Flags of virDomainCheckpointCreateXML. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE = (1 << 0), /* metadata only */
    VIR_DOMAIN_CHECKPOINT_CREATE_QUIESCE = (1 << 1),  /* freeze guest file
                                                         systems meanwhile */
    VIR_DOMAIN_CHECKPOINT_CREATE_REDEFINE_VALIDATE = (1 << 2), /* with
                                       REDEFINE: check the disks' bitmaps */
} virDomainCheckpointCreateFlags;

/*
 * virDomainCheckpointCreateXML:
 * @domain: the domain (read-write connection)
 * @xmlDesc: a <domaincheckpoint> description
 * @flags: bitwise-OR of virDomainCheckpointCreateFlags; REDEFINE and
 *         QUIESCE exclude each other, REDEFINE_VALIDATE needs REDEFINE
 *
 * Creates a checkpoint of the running domain's disks, or with REDEFINE
 * records the metadata of an existing one.
 *
 * Returns a new handle (release with virDomainCheckpointFree) or NULL
 * (VIR_ERR_OPERATION_DENIED on a read-only connection,
 * VIR_ERR_INVALID_ARG for bad flags, driver errors).
 *
 * Since: 0.1.0
 */
virDomainCheckpointPtr virDomainCheckpointCreateXML(virDomainPtr domain,
                                                    const char *xmlDesc,
                                                    unsigned int flags);

/* Flags of virDomainCheckpointGetXMLDesc. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_XML_SECURE = (1 << 0),    /* include secrets */
    VIR_DOMAIN_CHECKPOINT_XML_NO_DOMAIN = (1 << 1), /* omit <domain> */
    VIR_DOMAIN_CHECKPOINT_XML_SIZE = (1 << 2),      /* add dirty sizes */
} virDomainCheckpointXMLFlags;

/*
 * virDomainCheckpointGetXMLDesc:
 * @checkpoint: the checkpoint
 * @flags: bitwise-OR of virDomainCheckpointXMLFlags; SECURE is refused on
 *         a read-only connection
 *
 * Returns the <domaincheckpoint> description (caller frees), or NULL.
 *
 * Since: 0.1.0
 */
char *virDomainCheckpointGetXMLDesc(virDomainCheckpointPtr checkpoint,
                                    unsigned int flags);

/* Flags of virDomainListAllCheckpoints and
 * virDomainCheckpointListAllChildren; bit 0 means ROOTS for the former
 * and DESCENDANTS for the latter. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_LIST_ROOTS = (1 << 0),
    VIR_DOMAIN_CHECKPOINT_LIST_DESCENDANTS = (1 << 0),
    VIR_DOMAIN_CHECKPOINT_LIST_TOPOLOGICAL = (1 << 1),
    VIR_DOMAIN_CHECKPOINT_LIST_LEAVES = (1 << 2),
    VIR_DOMAIN_CHECKPOINT_LIST_NO_LEAVES = (1 << 3),
} virDomainCheckpointListFlags;

/*
 * virDomainListAllCheckpoints:
 * @domain: the domain
 * @checkpoints: if not NULL, receives a NULL-terminated array of new
 *               handles; free each with virDomainCheckpointFree, then the
 *               array with free()
 * @flags: bitwise-OR of virDomainCheckpointListFlags
 *
 * Returns the number of checkpoints, or -1 (then *@checkpoints is NULL).
 *
 * Since: 0.1.0
 */
int virDomainListAllCheckpoints(virDomainPtr domain,
                                virDomainCheckpointPtr **checkpoints,
                                unsigned int flags);

/*
 * virDomainCheckpointListAllChildren:
 * @checkpoint: the checkpoint
 * @children: as @checkpoints of virDomainListAllCheckpoints
 * @flags: bitwise-OR of virDomainCheckpointListFlags (DESCENDANTS for
 *         all descendants rather than direct children)
 *
 * Returns the number of children, or -1.
 *
 * Since: 0.1.0
 */
int virDomainCheckpointListAllChildren(virDomainCheckpointPtr checkpoint,
                                       virDomainCheckpointPtr **children,
                                       unsigned int flags);

/*
 * virDomainCheckpointLookupByName:
 * @domain: the domain
 * @name: the checkpoint's name
 * @flags: must be 0
 *
 * Returns a new handle, or NULL (VIR_ERR_NO_DOMAIN_CHECKPOINT if
 * unknown).
 *
 * Since: 0.1.0
 */
virDomainCheckpointPtr virDomainCheckpointLookupByName(virDomainPtr domain,
                                                       const char *name,
                                                       unsigned int flags);

/*
 * virDomainCheckpointGetParent:
 * @checkpoint: the checkpoint
 * @flags: must be 0
 *
 * Returns a new handle on the parent, or NULL
 * (VIR_ERR_NO_DOMAIN_CHECKPOINT for a root).
 *
 * Since: 0.1.0
 */
virDomainCheckpointPtr virDomainCheckpointGetParent(virDomainCheckpointPtr checkpoint,
                                                    unsigned int flags);

/* Flags of virDomainCheckpointDelete. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN = (1 << 0),      /* and all
                                                              descendants */
    VIR_DOMAIN_CHECKPOINT_DELETE_METADATA_ONLY = (1 << 1), /* keep bitmaps */
    VIR_DOMAIN_CHECKPOINT_DELETE_CHILDREN_ONLY = (1 << 2), /* descendants
                                                              only */
} virDomainCheckpointDeleteFlags;

/*
 * virDomainCheckpointDelete:
 * @checkpoint: the checkpoint (read-write connection)
 * @flags: bitwise-OR of virDomainCheckpointDeleteFlags; CHILDREN and
 *         CHILDREN_ONLY exclude each other
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainCheckpointDelete(virDomainCheckpointPtr checkpoint,
                              unsigned int flags);

/*
 * virDomainCheckpointRef:
 * @checkpoint: the checkpoint
 *
 * Adds a reference, dropped with virDomainCheckpointFree.  Returns 0 or
 * -1.
 *
 * Since: 0.1.0
 */
int virDomainCheckpointRef(virDomainCheckpointPtr checkpoint);

/*
 * virDomainCheckpointFree:
 * @checkpoint: the checkpoint
 *
 * Drops a reference to the handle; the checkpoint itself is untouched.
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainCheckpointFree(virDomainCheckpointPtr checkpoint);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_DOMAIN_CHECKPOINT_H */

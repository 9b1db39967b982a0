/*
 * snapshot_conf.h: the <domainsnapshot> subset of external disk-only
 * snapshots
 *
 * A snapshot definition names a point in time of a domain's disks: per
 * disk, whether it takes part and in which new overlay image the disk
 * continues.  Parsed from user XML (create or redefine), completed
 * against the domain's disks (alignment: default overlay names, disks
 * that cannot take part) and formatted back, for the user or, with the
 * embedded <domain>, for the metadata file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "domain_conf.h"
#include "virenum.h"

/* Where a disk's snapshot goes (libvirt's <disk snapshot=''>). */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_LOCATION_DEFAULT = 0,
    VIR_DOMAIN_SNAPSHOT_LOCATION_NO,
    VIR_DOMAIN_SNAPSHOT_LOCATION_INTERNAL,
    VIR_DOMAIN_SNAPSHOT_LOCATION_EXTERNAL,
    VIR_DOMAIN_SNAPSHOT_LOCATION_MANUAL,

    VIR_DOMAIN_SNAPSHOT_LOCATION_LAST
} virDomainSnapshotLocation;
VIR_ENUM_DECL(virDomainSnapshotLocation);

/* The domain's state when the snapshot was taken (<state>); the values
 * are virDomainState's, plus disk-snapshot. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_NOSTATE = 0,
    VIR_DOMAIN_SNAPSHOT_RUNNING,
    VIR_DOMAIN_SNAPSHOT_BLOCKED,
    VIR_DOMAIN_SNAPSHOT_PAUSED,
    VIR_DOMAIN_SNAPSHOT_SHUTDOWN,
    VIR_DOMAIN_SNAPSHOT_SHUTOFF,
    VIR_DOMAIN_SNAPSHOT_CRASHED,
    VIR_DOMAIN_SNAPSHOT_PMSUSPENDED,
    VIR_DOMAIN_SNAPSHOT_DISK_SNAPSHOT,

    VIR_DOMAIN_SNAPSHOT_STATE_LAST
} virDomainSnapshotState;
VIR_ENUM_DECL(virDomainSnapshotState);

typedef struct _virDomainSnapshotDiskDef virDomainSnapshotDiskDef;
struct _virDomainSnapshotDiskDef {
    char *name;             /* target ("vda"), or source path before align */
    int snapshot;           /* virDomainSnapshotLocation */
    virStorageSource *src;  /* the overlay: type, path, format; NULL when
                             * not external */
};

typedef struct _virDomainSnapshotDef virDomainSnapshotDef;
struct _virDomainSnapshotDef {
    char *name;
    char *description;
    char *parent_name;      /* NULL = root */
    long long creationTime; /* seconds since the epoch */
    int state;              /* virDomainSnapshotState */
    int memory;             /* virDomainSnapshotLocation of the memory */
    char *memoryFile;       /* <memory file=''>, parsed to be refused */

    virDomainSnapshotDiskDef *disks;
    size_t ndisks;

    virDomainDef *dom;      /* the domain as it was, NULL = none */
};

typedef enum {
    /* Metadata-only definition: name, state and creationTime required,
     * parent and <domain> honoured. */
    VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE = 1 << 0,
    /* Metadata Fleece wrote itself: no schema validation. */
    VIR_DOMAIN_SNAPSHOT_PARSE_NO_VALIDATE = 1 << 1,
} virDomainSnapshotParseFlags;

/* Same value as the public VIR_DOMAIN_SNAPSHOT_XML_SECURE. */
typedef enum {
    VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE = 1 << 0,
} virDomainSnapshotFormatFlags;

void virDomainSnapshotDefFree(virDomainSnapshotDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainSnapshotDef, virDomainSnapshotDefFree);

/* Parse a <domainsnapshot> document, validated against
 * domainsnapshot.rng.  On create, @now is the creation time and the
 * default name. */
virDomainSnapshotDef *virDomainSnapshotDefParseStringAt(const char *xmlStr,
                                                        long long now,
                                                        unsigned int flags);
virDomainSnapshotDef *virDomainSnapshotDefParseString(const char *xmlStr,
                                                      unsigned int flags);
/* From an already-parsed <domainsnapshot> element (a journal holds one). */
virDomainSnapshotDef *virDomainSnapshotDefParseNode(xmlDocPtr xml,
                                                    xmlNodePtr root,
                                                    long long now,
                                                    unsigned int flags);

/* Format for the user; flags: virDomainSnapshotFormatFlags. */
char *virDomainSnapshotDefFormat(const virDomainSnapshotDef *def,
                                 unsigned int flags);

/* Complete def->disks against def->dom for an external disk-only
 * snapshot: one entry per domain disk in domain order, names resolved to
 * targets; a writable disk with media not listed (or listed without a
 * location) goes external, in SOURCE-without-extension.NAME unless a
 * file is given; empty or read-only disks take no part.  A listed disk
 * that cannot go external, an internal location or a second mention is
 * VIR_ERR_CONFIG_UNSUPPORTED.  Nothing changes unless all checks out. */
int virDomainSnapshotAlignDisks(virDomainSnapshotDef *def);

/* The default overlay path of a disk whose image is @path. */
char *virDomainSnapshotDefaultPath(const char *path, const char *snapshot);

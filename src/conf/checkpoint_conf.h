/*
 * checkpoint_conf.h: the <domaincheckpoint> document
 *
 * A checkpoint definition names a point in time of a domain's disks: per
 * disk, whether a dirty bitmap records writes from that point on.  The
 * definition is parsed from user XML (create or redefine), completed
 * against the domain's disks (alignment) and formatted back, either for
 * the user or, with the embedded <domain>, for the metadata file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "domain_conf.h"
#include "virenum.h"

/* Per-disk checkpoint kind; DEFAULT means "not said" and is resolved by
 * virDomainCheckpointAlignDisks. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_TYPE_DEFAULT = 0,
    VIR_DOMAIN_CHECKPOINT_TYPE_NONE,     /* checkpoint='no' */
    VIR_DOMAIN_CHECKPOINT_TYPE_BITMAP,   /* checkpoint='bitmap' */

    VIR_DOMAIN_CHECKPOINT_TYPE_LAST
} virDomainCheckpointType;
VIR_ENUM_DECL(virDomainCheckpoint);   /* "default", "no", "bitmap" */

typedef struct _virDomainCheckpointDiskDef virDomainCheckpointDiskDef;
struct _virDomainCheckpointDiskDef {
    char *name;                 /* target dev (or source path before align) */
    int type;                   /* virDomainCheckpointType */
    char *bitmap;               /* bitmap name, NULL until aligned */
    unsigned long long size;    /* bytes dirtied since the checkpoint */
    bool sizeValid;             /* size was computed (printed with SIZE) */
};

typedef struct _virDomainCheckpointDef virDomainCheckpointDef;
struct _virDomainCheckpointDef {
    char *name;
    char *description;
    char *parent_name;          /* NULL = root */
    long long creationTime;     /* seconds since the epoch */

    virDomainCheckpointDiskDef *disks;
    size_t ndisks;

    virDomainDef *dom;          /* inactive domain copy, NULL = none */
    /* With PARSE_LAZY_DOMAIN: the <domain> element as read, parsed only
     * when needed (most operations on many checkpoints never look at it). */
    char *dom_xml;
};

typedef enum {
    /* Metadata-only definition: name and creationTime required, parent
     * honoured, <domain> optional. */
    VIR_DOMAIN_CHECKPOINT_PARSE_REDEFINE = 1 << 0,
    /* Metadata Fleece wrote itself: skip the schema validation (the
     * parser's own checks still apply).  Loading a thousand checkpoints
     * is dominated by validating their embedded domains otherwise. */
    VIR_DOMAIN_CHECKPOINT_PARSE_NO_VALIDATE = 1 << 1,
    /* Keep the embedded <domain> as text (dom_xml) instead of parsing it:
     * parsing it is three quarters of loading a metadata file. */
    VIR_DOMAIN_CHECKPOINT_PARSE_LAZY_DOMAIN = 1 << 2,
} virDomainCheckpointParseFlags;

/* Same values as the public virDomainCheckpointXMLFlags. */
typedef enum {
    VIR_DOMAIN_CHECKPOINT_FORMAT_SECURE = 1 << 0,
    VIR_DOMAIN_CHECKPOINT_FORMAT_NO_DOMAIN = 1 << 1,
    VIR_DOMAIN_CHECKPOINT_FORMAT_SIZE = 1 << 2,
} virDomainCheckpointFormatFlags;

virDomainCheckpointDef *virDomainCheckpointDefNew(void);
void virDomainCheckpointDefFree(virDomainCheckpointDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainCheckpointDef,
                              virDomainCheckpointDefFree);

/* Parse a <domaincheckpoint> document (always validated against
 * domaincheckpoint.rng).  Without REDEFINE, "now" is the time of day. */
virDomainCheckpointDef *virDomainCheckpointDefParseString(const char *xmlStr,
                                                          unsigned int flags);
/* Same, with the creation time given (tests, and callers that already
 * read the clock). */
virDomainCheckpointDef *virDomainCheckpointDefParseStringAt(const char *xmlStr,
                                                            long long now,
                                                            unsigned int flags);

/* Format for the user; flags: virDomainCheckpointFormatFlags. */
char *virDomainCheckpointDefFormat(const virDomainCheckpointDef *def,
                                   unsigned int flags);
/* The metadata-file flavour: everything, embedded domain included,
 * secure data included. */
char *virDomainCheckpointDefFormatInternal(const virDomainCheckpointDef *def);

/* Complete def->disks against def->dom: one entry per domain disk in
 * domain order, names resolved to targets, bitmap names defaulted.
 * Without def->dom only the bitmap names and types are defaulted. */
int virDomainCheckpointAlignDisks(virDomainCheckpointDef *def);

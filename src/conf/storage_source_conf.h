/*
 * storage_source_conf.h: a disk image as XML describes it — the
 * <source> of a domain disk, the <target>/<scratch> of a backup disk —
 * with its format, backing chain, security labels and encryption.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "virbuffer.h"
#include "virenum.h"

typedef enum {
    VIR_STORAGE_TYPE_NONE = 0,
    VIR_STORAGE_TYPE_FILE,
    VIR_STORAGE_TYPE_BLOCK,
    VIR_STORAGE_TYPE_DIR,
    VIR_STORAGE_TYPE_NETWORK,
    VIR_STORAGE_TYPE_VOLUME,
    VIR_STORAGE_TYPE_NVME,
    VIR_STORAGE_TYPE_VHOST_USER,
    VIR_STORAGE_TYPE_VHOST_VDPA,

    VIR_STORAGE_TYPE_LAST
} virStorageType;
VIR_ENUM_DECL(virStorage);   /* "", "file", "block", "dir", "network", ... */

/* Image formats; only raw and qcow2 are run by Fleece, the rest are
 * names that may appear in XML. */
typedef enum {
    VIR_STORAGE_FILE_NONE = 0,
    VIR_STORAGE_FILE_RAW,
    VIR_STORAGE_FILE_DIR,
    VIR_STORAGE_FILE_BOCHS,
    VIR_STORAGE_FILE_CLOOP,
    VIR_STORAGE_FILE_DMG,
    VIR_STORAGE_FILE_ISO,
    VIR_STORAGE_FILE_VPC,
    VIR_STORAGE_FILE_VDI,
    VIR_STORAGE_FILE_FAT,
    VIR_STORAGE_FILE_VHD,
    VIR_STORAGE_FILE_PLOOP,
    VIR_STORAGE_FILE_COW,
    VIR_STORAGE_FILE_QCOW,
    VIR_STORAGE_FILE_QCOW2,
    VIR_STORAGE_FILE_QED,
    VIR_STORAGE_FILE_VMDK,
    VIR_STORAGE_FILE_LUKS,

    VIR_STORAGE_FILE_LAST
} virStorageFileFormat;
VIR_ENUM_DECL(virStorageFileFormat);   /* "none", "raw", ..., "qcow2", ... */

typedef struct _virSecurityDeviceLabelDef virSecurityDeviceLabelDef;
struct _virSecurityDeviceLabelDef {
    char *model;       /* e.g. "dac", "selinux"; NULL = any */
    char *label;       /* <label> text */
    int relabel;       /* 0 unset, 1 yes, 2 no */
    bool labelskip;
};

typedef enum {
    VIR_STORAGE_ENCRYPTION_FORMAT_DEFAULT = 0,
    VIR_STORAGE_ENCRYPTION_FORMAT_QCOW,
    VIR_STORAGE_ENCRYPTION_FORMAT_LUKS,
    VIR_STORAGE_ENCRYPTION_FORMAT_LUKS2,
    VIR_STORAGE_ENCRYPTION_FORMAT_LUKS_ANY,

    VIR_STORAGE_ENCRYPTION_FORMAT_LAST
} virStorageEncryptionFormatType;
VIR_ENUM_DECL(virStorageEncryptionFormat);

typedef struct _virStorageEncryptionSecret virStorageEncryptionSecret;
struct _virStorageEncryptionSecret {
    char *type;        /* "passphrase" */
    char *uuid;        /* exactly one of uuid / usage */
    char *usage;
};

typedef struct _virStorageEncryption virStorageEncryption;
struct _virStorageEncryption {
    int format;        /* virStorageEncryptionFormatType */
    char *engine;      /* "qemu", "librbd" or NULL */
    virStorageEncryptionSecret **secrets;
    size_t nsecrets;
    /* <cipher name size mode hash/>, <ivgen name hash/> */
    char *cipher_name;
    unsigned int cipher_size;
    char *cipher_mode;
    char *cipher_hash;
    char *ivgen_name;
    char *ivgen_hash;
};

typedef struct _virStorageSource virStorageSource;
struct _virStorageSource {
    int type;              /* virStorageType */
    char *path;            /* file='' or dev='' */
    int format;            /* virStorageFileFormat, from <driver type=''> */
    bool readonly;
    unsigned int id;       /* 'index' attribute; 0 = none */

    virSecurityDeviceLabelDef **seclabels;
    size_t nseclabels;
    virStorageEncryption *encryption;

    /* QEMU node names recorded in status XML (<privateData><nodenames>) */
    char *nodeformat;
    char *nodestorage;

    /* The image this one is backed by; NULL = unknown, a source with
     * type NONE = the chain ends here (printed as <backingStore/>). */
    virStorageSource *backingStore;
};

virStorageSource *virStorageSourceNew(void);
void virStorageSourceFree(virStorageSource *src);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageSource, virStorageSourceFree);
virStorageSource *virStorageSourceCopy(const virStorageSource *src,
                                       bool backingChain);

typedef enum {
    /* parse/format <privateData><nodenames> inside the element */
    VIR_STORAGE_SOURCE_XML_STATUS = 1 << 0,
    /* print security-sensitive data (currently nothing extra) */
    VIR_STORAGE_SOURCE_XML_SECURE = 1 << 1,
} virStorageSourceXMLFlags;

/* Parse the location and children of a <source>-like element: for
 * src->type FILE the attribute 'file', for BLOCK 'dev', plus <seclabel>,
 * <encryption> and (with STATUS) <privateData>.  src->type must be set by
 * the caller (from the enclosing element's type attribute).  The 'index'
 * attribute is read only with STATUS.  Errors: VIR_ERR_XML_ERROR. */
int virStorageSourceParseXML(xmlNodePtr node, xmlXPathContextPtr ctxt,
                             virStorageSource *src, unsigned int flags);

/* Write <ELEMENT file|dev='...' [index='N']> children </ELEMENT>
 * (or the empty form), in libvirt's attribute and child order.
 * With showIndex the 'index' attribute is printed when non-zero. */
void virStorageSourceFormatXML(virBuffer *buf, const char *element,
                               const virStorageSource *src,
                               bool showIndex, unsigned int flags);

/* Only the security labels and encryption children. */
void virStorageSourceFormatChildren(virBuffer *childBuf,
                                    const virStorageSource *src,
                                    unsigned int flags);

/*
 * backupbadxmltest.c: <domainbackup> documents that must be refused —
 * by the schema, by the parser (public or status flavour) or by the
 * alignment with the domain — each with its error code and message, and
 * without any change to what the caller passed in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "testutils.h"
#include "backup_conf.h"
#include "domain_conf.h"
#include "virerror.h"

#define NVAL(s) ((s) ? (s) : "(null)")

/* The domain a document is aligned with (alignment cases only). */
typedef enum {
    TEST_DOM_STANDARD,   /* vda, vdb, vdc (qcow2 files), hda (file) */
    TEST_DOM_NO_DISKS,
    TEST_DOM_EMPTY_CDROM, /* vda (file), hdc (CD-ROM without media) */
    TEST_DOM_BLOCK,       /* vda (file), vdb (block device) */
} testDomainKind;

typedef struct {
    const char *title;
    const char *xml;
    unsigned int flags;
    bool align;            /* parse must succeed, alignment must fail */
    testDomainKind domain;
    int code;              /* expected error code */
    const char *fragment;  /* expected in the message, NULL = no check */
} testBadCase;

static void
testDomainAddDisk(virDomainDef *def, const char *dst, int device, int type,
                  const char *path)
{
    virDomainDiskDef *disk = g_new0(virDomainDiskDef, 1);

    disk->dst = g_strdup(dst);
    disk->device = device;
    disk->src = virStorageSourceNew();
    disk->src->type = type;
    disk->src->format = VIR_STORAGE_FILE_QCOW2;
    disk->src->path = g_strdup(path);
    disk->src->readonly = device == VIR_DOMAIN_DISK_DEVICE_CDROM;
    def->disks = g_renew(virDomainDiskDef *, def->disks, def->ndisks + 1);
    def->disks[def->ndisks++] = disk;
}

static virDomainDef *
testBuildDomain(testDomainKind kind)
{
    virDomainDef *def = virDomainDefNew();
    const int disk = VIR_DOMAIN_DISK_DEVICE_DISK;
    const int file = VIR_STORAGE_TYPE_FILE;

    def->name = g_strdup("bad");
    switch (kind) {
    case TEST_DOM_STANDARD:
        testDomainAddDisk(def, "vda", disk, file, "/img/vda.qcow2");
        testDomainAddDisk(def, "vdb", disk, file, "/img/vdb.qcow2");
        testDomainAddDisk(def, "vdc", disk, file, "/img/vdc.qcow2");
        testDomainAddDisk(def, "hda", disk, file, "/img/hda.qcow2");
        break;
    case TEST_DOM_NO_DISKS:
        break;
    case TEST_DOM_EMPTY_CDROM:
        testDomainAddDisk(def, "vda", disk, file, "/img/vda.qcow2");
        testDomainAddDisk(def, "hdc", VIR_DOMAIN_DISK_DEVICE_CDROM, file, NULL);
        break;
    case TEST_DOM_BLOCK:
        testDomainAddDisk(def, "vda", disk, file, "/img/vda.qcow2");
        testDomainAddDisk(def, "vdb", disk, VIR_STORAGE_TYPE_BLOCK,
                          "/dev/sdz");
        break;
    }
    return def;
}

/* A fingerprint of the domain's disks, to show alignment left it alone. */
static char *
testDomainDisks(const virDomainDef *def)
{
    GString *s = g_string_new(NULL);
    size_t i;

    for (i = 0; i < def->ndisks; i++)
        g_string_append_printf(s, "%s=%s;", def->disks[i]->dst,
                               NVAL(def->disks[i]->src->path));
    return g_string_free(s, FALSE);
}

static int
testCheckError(const testBadCase *tc)
{
    virErrorPtr err = virGetLastError();

    if (!err) {
        virTestDiag("no error was reported");
        return -1;
    }
    if (err->code != tc->code) {
        virTestDiag("error code %d (%s), expected %d", err->code,
                    NVAL(err->message), tc->code);
        return -1;
    }
    if (tc->fragment && (!err->message || !strstr(err->message, tc->fragment))) {
        virTestDiag("message '%s' lacks '%s'", NVAL(err->message),
                    tc->fragment);
        return -1;
    }
    return 0;
}

static int
testBadXML(const void *opaque)
{
    const testBadCase *tc = opaque;
    g_autoptr(virDomainBackupDef) def = NULL;
    g_autoptr(virDomainDef) dom = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    g_autofree char *domBefore = NULL;
    g_autofree char *domAfter = NULL;

    def = virDomainBackupDefParseString(tc->xml, tc->flags);
    if (!tc->align) {
        if (def) {
            virTestDiag("document was accepted");
            return -1;
        }
        return testCheckError(tc);
    }

    if (!def)
        return -1;
    dom = testBuildDomain(tc->domain);
    before = virDomainBackupDefFormatString(def, true);
    domBefore = testDomainDisks(dom);
    if (virDomainBackupAlignDisks(def, dom, "SUFFIX") == 0) {
        virTestDiag("alignment succeeded");
        return -1;
    }
    if (testCheckError(tc) < 0)
        return -1;
    after = virDomainBackupDefFormatString(def, true);
    domAfter = testDomainDisks(dom);
    if (virTestCompareStrings(before, after) < 0 ||
        virTestCompareStrings(domBefore, domAfter) < 0) {
        virTestDiag("failed alignment changed its input");
        return -1;
    }
    return 0;
}

#define PUBLIC 0
#define STATUS VIR_DOMAIN_BACKUP_PARSE_INTERNAL

static int
mymain(void)
{
    static const testBadCase cases[] = {
        /* documents that are not backups at all */
        { "malformed XML", "<domainbackup><disks></domainbackup>", PUBLIC,
          false, 0, VIR_ERR_XML_ERROR, "malformed" },
        { "empty document", "", PUBLIC, false, 0, VIR_ERR_XML_ERROR, NULL },
        { "wrong root", "<domaincheckpoint/>", PUBLIC, false, 0,
          VIR_ERR_XML_ERROR, "domaincheckpoint" },
        { "wrong root, status", "<domain/>", STATUS, false, 0,
          VIR_ERR_XML_ERROR, "domain" },
        { "unknown flag", "<domainbackup/>", 1U << 7, false, 0,
          VIR_ERR_INVALID_ARG, "unsupported flags" },

        /* Fleece's extension */
        { "bandwidth not a number",
          "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<fleece:bandwidth>fast</fleece:bandwidth></domainbackup>", STATUS,
          false, 0, VIR_ERR_XML_ERROR, "'fast'" },
        { "bandwidth negative",
          "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<fleece:bandwidth>-1</fleece:bandwidth></domainbackup>", STATUS,
          false, 0, VIR_ERR_XML_ERROR, "'-1'" },
        { "bandwidth twice",
          "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<fleece:bandwidth>1</fleece:bandwidth><fleece:bandwidth>2</fleece:bandwidth>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "more than once" },
        { "bandwidth of a pull backup",
          "<domainbackup mode='pull' xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<server transport='unix' socket='/s'/>"
          "<fleece:bandwidth>1048576</fleece:bandwidth></domainbackup>", PUBLIC,
          false, 0, VIR_ERR_CONFIG_UNSUPPORTED, "push backups only" },
        { "unknown Fleece element",
          "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<fleece:speed>1</fleece:speed></domainbackup>", STATUS,
          false, 0, VIR_ERR_XML_ERROR, "'speed'" },
        { "schema: bandwidth not a number",
          "<domainbackup xmlns:fleece='urn:fleece:domainbackup:1'>"
          "<fleece:bandwidth>fast</fleece:bandwidth></domainbackup>", PUBLIC,
          false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "schema: bandwidth without the namespace",
          "<domainbackup><bandwidth>1</bandwidth></domainbackup>", PUBLIC,
          false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },

        /* mode */
        { "unknown mode", "<domainbackup mode='copy'/>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "unknown mode, status", "<domainbackup mode='copy'/>", STATUS,
          false, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'copy'" },

        /* server */
        { "server in push mode",
          "<domainbackup mode='push'><server name='localhost' port='10809'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "server in push mode, status",
          "<domainbackup><server name='localhost' port='10809'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_CONFIG_UNSUPPORTED,
          "pull mode" },
        { "pull without server",
          "<domainbackup mode='pull'/>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "pull over TCP without name",
          "<domainbackup mode='pull'><server transport='tcp' port='10809'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "unix socket not absolute",
          "<domainbackup mode='pull'><server transport='unix' socket='nbd.sock'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "unix socket not absolute, status",
          "<domainbackup mode='pull'><server transport='unix' socket='nbd.sock'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "'nbd.sock'" },
        { "unix without socket, status",
          "<domainbackup mode='pull'><server transport='unix'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "socket" },
        { "rdma transport",
          "<domainbackup mode='pull'><server transport='rdma' name='h'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "rdma transport, status",
          "<domainbackup mode='pull'><server transport='rdma' name='h'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_CONFIG_UNSUPPORTED,
          "'rdma'" },
        { "unknown transport, status",
          "<domainbackup mode='pull'><server transport='udp' name='h'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_CONFIG_UNSUPPORTED,
          "'udp'" },
        { "fd transport without fdgroup",
          "<domainbackup mode='pull'><server transport='fd'/></domainbackup>",
          PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "fd transport without fdgroup, status",
          "<domainbackup mode='pull'><server transport='fd'/></domainbackup>",
          STATUS, false, 0, VIR_ERR_XML_ERROR, "fdgroup" },
        { "invalid port",
          "<domainbackup mode='pull'><server name='h' port='nbd'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "huge port",
          "<domainbackup mode='pull'><server name='h' port='99999999999'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "huge port, status",
          "<domainbackup mode='pull'><server name='h' port='99999999999'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "port" },
        { "port beyond 65535",
          "<domainbackup mode='pull'><server name='h' port='65536'/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_ERROR, "'65536'" },
        { "invalid tls value",
          "<domainbackup mode='pull'><server name='h' tls='maybe'/>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "'maybe'" },

        /* disks */
        { "disk without name",
          "<domainbackup><disks><disk type='file'/></disks></domainbackup>",
          PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "disk without name, status",
          "<domainbackup><disks><disk backup='no'/></disks></domainbackup>",
          STATUS, false, 0, VIR_ERR_XML_ERROR, "name" },
        { "unknown backup value",
          "<domainbackup><disks><disk name='vda' backup='maybe'/></disks>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "unknown backup value, status",
          "<domainbackup><disks><disk name='vda' backup='maybe'/></disks>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "'maybe'" },
        { "full mode with a checkpoint",
          "<domainbackup><disks><disk name='vda' backupmode='full' "
          "incremental='c1'/></disks></domainbackup>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "full mode with a checkpoint, status",
          "<domainbackup><disks><disk name='vda' state='running' "
          "backupmode='full' incremental='c1'/></disks></domainbackup>",
          STATUS, false, 0, VIR_ERR_CONFIG_UNSUPPORTED, "'c1'" },
        { "unknown backup mode, status",
          "<domainbackup><disks><disk name='vda' state='running' "
          "backupmode='diff'/></disks></domainbackup>",
          STATUS, false, 0, VIR_ERR_XML_ERROR, "'diff'" },
        { "state in public input",
          "<domainbackup><disks><disk name='vda' state='running' type='file'/>"
          "</disks></domainbackup>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "index in public input",
          "<domainbackup><disks><disk name='vda' type='file' index='3'/>"
          "</disks></domainbackup>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "privateData in public input",
          "<domainbackup mode='pull'><server name='h'/><privateData/>"
          "</domainbackup>", PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "status disk without state",
          "<domainbackup><disks><disk name='vda' type='file'/></disks>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "state" },
        { "status disk with unknown state",
          "<domainbackup><disks><disk name='vda' state='paused'/></disks>"
          "</domainbackup>", STATUS, false, 0, VIR_ERR_XML_ERROR, "'paused'" },
        { "pull scratch with raw driver",
          "<domainbackup mode='pull'><server name='h' port='1'/><disks>"
          "<disk name='vda' type='file'><driver type='raw'/>"
          "<scratch file='/s.img'/></disk></disks></domainbackup>",
          PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "pull block scratch missing",
          "<domainbackup mode='pull'><server name='h' port='1'/><disks>"
          "<disk name='vda' type='block'/></disks></domainbackup>",
          PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "push target relative",
          "<domainbackup><disks><disk name='vda' type='file'>"
          "<target file='backup.qcow2'/></disk></disks></domainbackup>",
          PUBLIC, false, 0, VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "push target in pull mode",
          "<domainbackup mode='pull'><server name='h'/><disks>"
          "<disk name='vda' type='file'><target file='/t.qcow2'/></disk>"
          "</disks></domainbackup>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },
        { "network store type, status",
          "<domainbackup><disks><disk name='vda' state='running' "
          "type='network'/></disks></domainbackup>", STATUS, false, 0,
          VIR_ERR_XML_ERROR, "'network'" },
        { "unknown image format, status",
          "<domainbackup><disks><disk name='vda' state='running' "
          "type='file'><driver type='qcow3'/></disk></disks></domainbackup>",
          STATUS, false, 0, VIR_ERR_XML_ERROR, "'qcow3'" },
        { "unknown element",
          "<domainbackup><checkpoint/></domainbackup>", PUBLIC, false, 0,
          VIR_ERR_XML_INVALID_SCHEMA, NULL },

        /* alignment with the domain */
        { "domain without disks", "<domainbackup/>", PUBLIC, true,
          TEST_DOM_NO_DISKS, VIR_ERR_CONFIG_UNSUPPORTED, "no disks" },
        { "unknown disk",
          "<domainbackup><disks><disk name='vda'/><disk name='vdz'/></disks>"
          "</domainbackup>", PUBLIC, true, TEST_DOM_STANDARD,
          VIR_ERR_CONFIG_UNSUPPORTED, "'vdz'" },
        { "duplicate disks",
          "<domainbackup><disks><disk name='vdb'/><disk name='vda'/>"
          "<disk name='vdb' backup='no'/></disks></domainbackup>", PUBLIC,
          true, TEST_DOM_STANDARD, VIR_ERR_CONFIG_UNSUPPORTED, "'vdb'" },
        { "incremental mode without any checkpoint",
          "<domainbackup><disks><disk name='vda'/>"
          "<disk name='vdb' backupmode='incremental'/></disks></domainbackup>",
          PUBLIC, true, TEST_DOM_STANDARD, VIR_ERR_CONFIG_UNSUPPORTED, "'vdb'" },
        { "store given for a disk without media",
          "<domainbackup><disks><disk name='hdc' type='file'>"
          "<target file='/b/hdc.qcow2'/></disk></disks></domainbackup>",
          PUBLIC, true, TEST_DOM_EMPTY_CDROM, VIR_ERR_CONFIG_UNSUPPORTED,
          "'hdc'" },
        { "disk without media selected",
          "<domainbackup><disks><disk name='vda'/><disk name='hdc'/></disks>"
          "</domainbackup>", PUBLIC, true, TEST_DOM_EMPTY_CDROM,
          VIR_ERR_CONFIG_UNSUPPORTED, "'hdc'" },
        { "generated name for a block source",
          "<domainbackup><disks><disk name='vda'/><disk name='vdb'/></disks>"
          "</domainbackup>", PUBLIC, true, TEST_DOM_BLOCK,
          VIR_ERR_CONFIG_UNSUPPORTED, "'vdb'" },
        { "all disks with a block source", "<domainbackup/>", PUBLIC, true,
          TEST_DOM_BLOCK, VIR_ERR_CONFIG_UNSUPPORTED, "'vdb'" },
    };
    int ret = 0;
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (virTestRun(cases[i].title, testBadXML, &cases[i]) < 0)
            ret = -1;
    }
    return ret;
}

VIR_TEST_MAIN(mymain)

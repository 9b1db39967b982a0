/*
 * domain_conf.c: the <domain> subset Fleece runs — parse, format, validate
 *
 * Modelled elements live in typed fields of virDomainDef; every other
 * element is kept as formatted text with its rank in libvirt's order, so
 * that a definition written back keeps it in place.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <string.h>

#include "domain_conf.h"
#include "domain_conf_priv.h"
#include "virerror.h"
#include "virfile.h"
#include "virlog.h"
#include "virstring.h"
#include "virxml.h"

#define VIR_FROM_THIS VIR_FROM_DOMAIN

VIR_LOG_INIT("conf.domain_conf");

VIR_ENUM_IMPL(virDomainVirt, VIR_DOMAIN_VIRT_LAST,
              "none", "qemu", "kvm");

VIR_ENUM_IMPL(virDomainDiskDevice, VIR_DOMAIN_DISK_DEVICE_LAST,
              "disk", "cdrom", "floppy", "lun");

VIR_ENUM_IMPL(virDomainDiskBus, VIR_DOMAIN_DISK_BUS_LAST,
              "none", "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml",
              "sata", "sd");

/* Free a character device source; NULL is allowed. */
static void
virDomainChrSourceDefFree(virDomainChrSourceDef *chr)
{
    if (!chr)
        return;
    g_free(chr->path);
    g_free(chr->logfile);
    g_free(chr);
}

/* Empty a kept-element list, freeing its items. */
void
virDomainXMLKeptListClear(virDomainXMLKeptList *list)
{
    size_t i;

    if (!list)
        return;
    for (i = 0; i < list->nitems; i++) {
        virDomainXMLKept *k = list->items[i];

        g_free(k->name);
        g_free(k->type);
        g_free(k->model);
        g_free(k->xml);
        g_free(k->xml_inactive);
        virDomainChrSourceDefFree(k->chr);
        g_free(k);
    }
    g_clear_pointer(&list->items, g_free);
    list->nitems = 0;
}

/* A new, empty definition: not running, no devices. */
virDomainDef *
virDomainDefNew(void)
{
    virDomainDef *def = g_new0(virDomainDef, 1);

    def->id = -1;
    return def;
}

/* Free a disk and everything it owns; NULL is allowed. */
void
virDomainDiskDefFree(virDomainDiskDef *disk)
{
    if (!disk)
        return;
    virStorageSourceFree(disk->src);
    g_free(disk->dst);
    g_free(disk->serial);
    g_free(disk->driver_name);
    g_free(disk->cache);
    g_free(disk->discard);
    g_free(disk->io);
    g_free(disk->alias);
    g_free(disk->disk_attrs);
    g_free(disk->driver_attrs);
    g_free(disk->target_attrs);
    virDomainXMLKeptListClear(&disk->extra);
    g_free(disk);
}

/* Free a definition and everything it owns; NULL is allowed. */
void
virDomainDefFree(virDomainDef *def)
{
    size_t i;

    if (!def)
        return;
    g_free(def->name);
    g_free(def->title);
    g_free(def->description);
    g_free(def->vcpu_placement);
    g_free(def->vcpu_attrs);
    g_free(def->os_type);
    g_free(def->os_arch);
    g_free(def->os_machine);
    g_free(def->os_attrs);
    g_free(def->os_kernel);
    g_free(def->os_initrd);
    g_free(def->os_cmdline);
    g_free(def->cpu_mode);
    g_free(def->on_poweroff);
    g_free(def->on_reboot);
    g_free(def->on_crash);
    g_free(def->emulator);
    for (i = 0; i < def->ndisks; i++)
        virDomainDiskDefFree(def->disks[i]);
    g_free(def->disks);
    g_free(def->agent_socket);
    g_free(def->agent_state);
    virDomainXMLKeptListClear(&def->agent_extra);
    g_free(def->root_ns_attrs);
    virDomainXMLKeptListClear(&def->extra);
    virDomainXMLKeptListClear(&def->os_extra);
    g_free(def->cpu_attrs);
    virDomainXMLKeptListClear(&def->cpu_extra);
    virDomainXMLKeptListClear(&def->devices_extra);
    g_free(def);
}

/* The disk whose target is dst, or NULL. */
virDomainDiskDef *
virDomainDiskByTarget(virDomainDef *def, const char *dst)
{
    size_t i;

    if (!def || !dst)
        return NULL;
    for (i = 0; i < def->ndisks; i++) {
        if (g_strcmp0(def->disks[i]->dst, dst) == 0)
            return def->disks[i];
    }
    return NULL;
}

/* The disk named by its target ("vda") or, failing that, by the path of
 * its source, as libvirt's APIs accept either; NULL when none matches. */
virDomainDiskDef *
virDomainDiskByName(virDomainDef *def, const char *name)
{
    virDomainDiskDef *disk;
    size_t i;

    if (!def || !name)
        return NULL;
    if ((disk = virDomainDiskByTarget(def, name)))
        return disk;
    for (i = 0; i < def->ndisks; i++) {
        virStorageSource *src = def->disks[i]->src;

        if (src && src->path && g_str_equal(src->path, name))
            return def->disks[i];
    }
    return NULL;
}

/* True for a disk that has media and is writable: the only kind that can
 * carry checkpoint bitmaps and be backed up. */
bool
virDomainDiskIsWritableWithMedia(const virDomainDiskDef *disk)
{
    if (!disk || !disk->src)
        return false;
    if (disk->src->readonly)
        return false;
    if (disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM ||
        disk->device == VIR_DOMAIN_DISK_DEVICE_FLOPPY)
        return false;
    return disk->src->type != VIR_STORAGE_TYPE_NONE && disk->src->path;
}

/* ---------------------------------------------------------------------
 * Order tables: the element names of a parent in the order libvirt
 * writes them.  An element's rank is its index here; an element not in
 * the table takes the rank of the element before it.
 */

VIR_ENUM_IMPL(virDomainTopElement, VIR_DOMAIN_TOP_LAST,
              "name", "uuid", "genid", "title", "description", "metadata",
              "maxMemory", "memory", "currentMemory", "blkiotune", "memtune",
              "memoryBacking", "vcpu", "vcpus", "iothreads", "iothreadids",
              "defaultiothread", "cputune", "numatune", "resource", "sysinfo",
              "bootloader", "bootloader_args", "os", "idmap", "features",
              "cpu", "clock", "on_poweroff", "on_reboot", "on_crash",
              "on_lockfailure", "pm", "perf", "devices", "seclabel", "keywrap",
              "launchSecurity", "qemu:commandline", "qemu:capabilities",
              "qemu:override", "qemu:deprecation");

VIR_ENUM_IMPL(virDomainDeviceElement, VIR_DOMAIN_DEV_LAST,
              "emulator", "disk", "controller", "lease", "filesystem",
              "interface", "smartcard", "serial", "parallel", "console",
              "channel", "input", "tpm", "graphics", "sound", "audio", "video",
              "hostdev", "redirdev", "redirfilter", "hub", "watchdog",
              "memballoon", "rng", "nvram", "panic", "shmem", "memory",
              "iommu", "vsock", "crypto");

typedef enum {
    VIR_DOMAIN_DISK_CHILD_DRIVER = 0,
    VIR_DOMAIN_DISK_CHILD_AUTH,
    VIR_DOMAIN_DISK_CHILD_SOURCE,
    VIR_DOMAIN_DISK_CHILD_BACKING_STORE,
    VIR_DOMAIN_DISK_CHILD_GEOMETRY,
    VIR_DOMAIN_DISK_CHILD_BLOCKIO,
    VIR_DOMAIN_DISK_CHILD_MIRROR,
    VIR_DOMAIN_DISK_CHILD_TARGET,
    VIR_DOMAIN_DISK_CHILD_IOTUNE,
    VIR_DOMAIN_DISK_CHILD_READONLY,
    VIR_DOMAIN_DISK_CHILD_SHAREABLE,
    VIR_DOMAIN_DISK_CHILD_TRANSIENT,
    VIR_DOMAIN_DISK_CHILD_SERIAL,
    VIR_DOMAIN_DISK_CHILD_WWN,
    VIR_DOMAIN_DISK_CHILD_VENDOR,
    VIR_DOMAIN_DISK_CHILD_PRODUCT,
    VIR_DOMAIN_DISK_CHILD_ENCRYPTION,
    VIR_DOMAIN_DISK_CHILD_BOOT,
    VIR_DOMAIN_DISK_CHILD_ALIAS,
    VIR_DOMAIN_DISK_CHILD_ADDRESS,

    VIR_DOMAIN_DISK_CHILD_LAST
} virDomainDiskChild;
VIR_ENUM_DECL(virDomainDiskChild);
VIR_ENUM_IMPL(virDomainDiskChild, VIR_DOMAIN_DISK_CHILD_LAST,
              "driver", "auth", "source", "backingStore", "geometry",
              "blockio", "mirror", "target", "iotune", "readonly",
              "shareable", "transient", "serial", "wwn", "vendor", "product",
              "encryption", "boot", "alias", "address");

/* Children of a channel, <os> and <cpu>: ranks only matter for the
 * modelled ones, the others keep their input order. */
typedef enum {
    VIR_DOMAIN_CHANNEL_CHILD_SOURCE = 0,
    VIR_DOMAIN_CHANNEL_CHILD_TARGET,
    VIR_DOMAIN_CHANNEL_CHILD_ALIAS,
    VIR_DOMAIN_CHANNEL_CHILD_ADDRESS,

    VIR_DOMAIN_CHANNEL_CHILD_LAST
} virDomainChannelChild;
VIR_ENUM_DECL(virDomainChannelChild);
VIR_ENUM_IMPL(virDomainChannelChild, VIR_DOMAIN_CHANNEL_CHILD_LAST,
              "source", "target", "alias", "address");

VIR_ENUM_IMPL(virDomainLifecycleAction, VIR_DOMAIN_LIFECYCLE_LAST,
              "destroy", "restart", "rename-restart", "preserve",
              "coredump-destroy", "coredump-restart");

VIR_ENUM_IMPL(virDomainXMLStr, VIR_DOMAIN_XML_STR_LAST,
              "hvm", "unix", "bind", "virtio", "org.qemu.guest_agent.0",
              "ua-", "virtio-scsi", "pty", "null", "KiB", "graphics");

/* Units of unit='' with their size in bytes. */
static const struct {
    const char *unit;
    unsigned long long scale;
} virDomainMemoryUnits[] = {
    { "b", 1ULL }, { "bytes", 1ULL },
    { "KB", 1000ULL }, { "k", 1ULL << 10 }, { "KiB", 1ULL << 10 },
    { "MB", 1000ULL * 1000 }, { "M", 1ULL << 20 }, { "MiB", 1ULL << 20 },
    { "GB", 1000ULL * 1000 * 1000 }, { "G", 1ULL << 30 },
    { "GiB", 1ULL << 30 },
    { "TB", 1000ULL * 1000 * 1000 * 1000 }, { "T", 1ULL << 40 },
    { "TiB", 1ULL << 40 },
    { "PB", 1000ULL * 1000 * 1000 * 1000 * 1000 }, { "P", 1ULL << 50 },
    { "PiB", 1ULL << 50 },
    { "EB", 1000ULL * 1000 * 1000 * 1000 * 1000 * 1000 },
    { "E", 1ULL << 60 }, { "EiB", 1ULL << 60 },
};

/* The largest memory size accepted: QEMU holds sizes in a signed 64-bit
 * count of bytes. */
#define VIR_DOMAIN_MEMORY_MAX_KIB ((unsigned long long) G_MAXINT64 / 1024)

/* ---------------------------------------------------------------------
 * Kept subtrees
 */

/* The name of an element with its namespace prefix, as written. */
static char *
virDomainXMLNodeName(xmlNodePtr node)
{
    if (node->ns && node->ns->prefix)
        return g_strdup_printf("%s:%s", (const char *) node->ns->prefix,
                               (const char *) node->name);
    return g_strdup((const char *) node->name);
}

/* A namespace name as an attribute value.  libxml2 keeps '&' in
 * namespace names as the reference "&#38;" (never as a bare '&'), so that
 * text is written as it is: escaping it again would grow at every
 * load. */
static void
virDomainXMLFormatNsHref(virBuffer *buf, const xmlChar *href)
{
    g_auto(virBuffer) esc = VIR_BUFFER_INITIALIZER;
    g_autofree char *text = NULL;
    g_autoptr(GString) out = NULL;

    virBufferEscapeString(&esc, "'%s'", (const char *) href);
    text = virBufferContentAndReset(&esc);
    out = g_string_new(NULLSTR_EMPTY(text));
    g_string_replace(out, "&amp;#38;", "&#38;", 0);
    virBufferAdd(buf, out->str, out->len);
}

/* Append the namespace declarations and attributes of node as
 * " name='value'" pairs, skipping the attribute named skip (NULL: none). */
static void
virDomainXMLFormatAttrs(virBuffer *buf, xmlNodePtr node,
                        const char *const *skip)
{
    xmlNsPtr ns;
    xmlAttrPtr attr;

    for (ns = node->nsDef; ns; ns = ns->next) {
        if (ns->prefix)
            virBufferAsprintf(buf, " xmlns:%s=", (const char *) ns->prefix);
        else
            virBufferAddLit(buf, " xmlns=");
        virDomainXMLFormatNsHref(buf, ns->href);
    }
    for (attr = node->properties; attr; attr = attr->next) {
        g_autofree char *value = NULL;
        xmlChar *content;
        bool skipped = false;
        size_t i;

        for (i = 0; skip && skip[i]; i++) {
            if (!attr->ns && g_str_equal((const char *) attr->name, skip[i]))
                skipped = true;
        }
        if (skipped)
            continue;
        content = xmlNodeGetContent((xmlNodePtr) attr);
        value = g_strdup(content ? (const char *) content : "");
        xmlFree(content);
        if (attr->ns && attr->ns->prefix)
            virBufferAsprintf(buf, " %s:%s=", (const char *) attr->ns->prefix,
                              (const char *) attr->name);
        else
            virBufferAsprintf(buf, " %s=", (const char *) attr->name);
        virBufferEscapeString(buf, "'%s'", value);
    }
}

/* True for a text node holding only white space. */
static bool
virDomainXMLIsBlank(xmlNodePtr node)
{
    const char *p = (const char *) node->content;

    for (; p && *p; p++) {
        if (!g_ascii_isspace(*p))
            return false;
    }
    return true;
}

/* True when child is a runtime <alias> (not chosen by the user, no
 * 'ua-' prefix) that dropAlias leaves out. */
static bool
virDomainXMLIsRuntimeAlias(xmlNodePtr child)
{
    g_autofree char *alias = NULL;

    if (child->type != XML_ELEMENT_NODE || child->ns ||
        !xmlStrEqual(child->name, BAD_CAST "alias"))
        return false;
    alias = virXMLPropString(child, "name");
    return !alias || !g_str_has_prefix(alias, STR(USER_ALIAS_PREFIX));
}

/* Kept text is stored formatted at indentation 0 and written line by
 * line at the place's indentation.  A line break inside text content is
 * stored as this byte (escaped text never holds it), so that it is
 * written back as the line break it was, without indentation after it:
 * otherwise a multi-line <description> would grow at every save. */
#define VIR_DOMAIN_XML_TEXT_BREAK '\x01'

/* Escaped text content with its line breaks marked. */
static void
virDomainXMLFormatText(virBuffer *buf, const char *fmt, const char *text)
{
    g_auto(virBuffer) esc = VIR_BUFFER_INITIALIZER;
    g_autofree char *out = NULL;
    char *p;

    virBufferEscapeString(&esc, "%s", text);
    out = virBufferContentAndReset(&esc);
    for (p = out; p && *p; p++) {
        if (*p == '\n')
            *p = VIR_DOMAIN_XML_TEXT_BREAK;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    virBufferAsprintf(buf, fmt, NULLSTR_EMPTY(out));
#pragma GCC diagnostic pop
}

/* Write node and its subtree in libvirt's style: two-space indentation,
 * single-quoted attributes, text-only elements on one line.  Comments
 * and processing instructions are dropped; with dropAlias, an <alias>
 * child not chosen by the user ('ua-' prefix) is left out. */
static void
virDomainXMLFormatNode(virBuffer *buf, xmlNodePtr node, bool dropAlias)
{
    g_autofree char *name = virDomainXMLNodeName(node);
    g_autoptr(GString) text = g_string_new(NULL);
    bool elements = false;
    xmlNodePtr cur;

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE &&
            !(dropAlias && virDomainXMLIsRuntimeAlias(cur)))
            elements = true;
        else if (cur->type == XML_TEXT_NODE ||
                 cur->type == XML_CDATA_SECTION_NODE)
            g_string_append(text, (const char *) cur->content);
    }

    virBufferAsprintf(buf, "<%s", name);
    virDomainXMLFormatAttrs(buf, node, NULL);
    if (!elements) {
        if (strspn(text->str, " \t\r\n") == text->len) {
            virBufferAddLit(buf, "/>\n");
        } else {
            virDomainXMLFormatText(buf, ">%s", text->str);
            virBufferAsprintf(buf, "</%s>\n", name);
        }
        return;
    }

    virBufferAddLit(buf, ">\n");
    virBufferAdjustIndent(buf, 2);
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE) {
            if (dropAlias && virDomainXMLIsRuntimeAlias(cur))
                continue;
            virDomainXMLFormatNode(buf, cur, false);
        } else if ((cur->type == XML_TEXT_NODE ||
                    cur->type == XML_CDATA_SECTION_NODE) &&
                   !virDomainXMLIsBlank(cur)) {
            g_autofree char *t = g_strstrip(g_strdup((const char *) cur->content));

            virDomainXMLFormatText(buf, "%s\n", t);
        }
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAsprintf(buf, "</%s>\n", name);
}

/* Insert item into list after every item of lower or equal rank, so the
 * list stays in libvirt's order and equal ranks keep input order. */
static void
virDomainXMLKeptInsert(virDomainXMLKeptList *list, virDomainXMLKept *item)
{
    size_t pos = list->nitems;

    while (pos > 0 && list->items[pos - 1]->rank > item->rank)
        pos--;
    list->items = g_renew(virDomainXMLKept *, list->items, list->nitems + 1);
    memmove(list->items + pos + 1, list->items + pos,
            (list->nitems - pos) * sizeof(*list->items));
    list->items[pos] = item;
    list->nitems++;
}

/* Keep node (formatted now) at rank in list.  With status the runtime
 * aliases inside are kept for live output, and a second text without
 * them is made for inactive output; otherwise they are dropped. */
static virDomainXMLKept *
virDomainXMLKeptAdd(virDomainXMLKeptList *list, xmlNodePtr node, int rank,
                    bool status)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;
    virDomainXMLKept *item = g_new0(virDomainXMLKept, 1);

    item->name = virDomainXMLNodeName(node);
    item->type = virXMLPropString(node, "type");
    item->model = virXMLPropString(node, "model");
    item->rank = rank;
    virDomainXMLFormatNode(&buf, node, !status);
    item->xml = virBufferContentAndReset(&buf);
    if (status) {
        virDomainXMLFormatNode(&buf, node, true);
        item->xml_inactive = virBufferContentAndReset(&buf);
        if (g_str_equal(item->xml, item->xml_inactive))
            g_clear_pointer(&item->xml_inactive, g_free);
    }
    virDomainXMLKeptInsert(list, item);
    return item;
}

/* The placeholder named name in list, or NULL. */
static const virDomainXMLKept *
virDomainXMLKeptFind(const virDomainXMLKeptList *list, const char *name)
{
    size_t i;

    for (i = 0; i < list->nitems; i++) {
        if (!list->items[i]->xml && g_str_equal(list->items[i]->name, name))
            return list->items[i];
    }
    return NULL;
}

/* A placeholder in list for a modelled element written among kept ones. */
static void
virDomainXMLKeptAddPlaceholder(virDomainXMLKeptList *list, const char *name,
                               int rank)
{
    virDomainXMLKept *item = g_new0(virDomainXMLKept, 1);

    item->name = g_strdup(name);
    item->rank = rank;
    virDomainXMLKeptInsert(list, item);
}

/* Write one kept item's text line by line at buf's indentation. */
static void
virDomainXMLKeptFormatOne(virBuffer *buf, const virDomainXMLKept *item,
                          bool inactive)
{
    const char *text = item->xml;
    g_auto(GStrv) lines = NULL;
    size_t i;

    if (inactive && item->xml_inactive)
        text = item->xml_inactive;
    if (!text)
        return;
    lines = g_strsplit(text, "\n", -1);
    for (i = 0; lines[i]; i++) {
        char *p;

        if (!*lines[i])
            continue;
        for (p = lines[i]; *p; p++) {
            if (*p == VIR_DOMAIN_XML_TEXT_BREAK)
                *p = '\n';
        }
        virBufferAdd(buf, lines[i], -1);
        virBufferAddLit(buf, "\n");
    }
}

/* Write the kept items from *cursor whose rank is below rank (all of
 * them when rank is -1), advancing *cursor. */
static void
virDomainXMLKeptFormatUpTo(virBuffer *buf, const virDomainXMLKeptList *list,
                           size_t *cursor, int rank, bool inactive)
{
    while (*cursor < list->nitems &&
           (rank < 0 || list->items[*cursor]->rank < rank)) {
        virDomainXMLKeptFormatOne(buf, list->items[*cursor], inactive);
        (*cursor)++;
    }
}

/* The rank of element name in an order table, or prev when unknown. */
static int
virDomainXMLRank(int (*fromString)(const char *), const char *name, int prev)
{
    int rank = fromString(name);

    return rank < 0 ? prev : rank;
}

/* Other attributes of node, preformatted; NULL when there are none. */
static char *
virDomainXMLOtherAttrs(xmlNodePtr node, const char *const *skip)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    virDomainXMLFormatAttrs(&buf, node, skip);
    if (virBufferUse(&buf) == 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}

/* ---------------------------------------------------------------------
 * Parsing
 */

/* The text of an element, NULL when empty. */
static char *
virDomainXMLText(xmlNodePtr node)
{
    g_autofree char *text = virXMLNodeContentString(node);

    if (!text || !*text)
        return NULL;
    return g_steal_pointer(&text);
}

/* Parse <memory>-like element node (value with unit='') into KiB,
 * rounding up to whole KiB. */
static int
virDomainParseMemory(xmlNodePtr node, unsigned long long *kib)
{
    g_autofree char *unit = virXMLPropString(node, "unit");
    g_autofree char *text = virXMLNodeContentString(node);
    const char *name = (const char *) node->name;
    unsigned long long scale = 1024;
    unsigned long long value;
    char *end = NULL;
    size_t i;

    if (unit) {
        scale = 0;
        for (i = 0; i < G_N_ELEMENTS(virDomainMemoryUnits); i++) {
            if (g_str_equal(unit, virDomainMemoryUnits[i].unit))
                scale = virDomainMemoryUnits[i].scale;
        }
        if (!scale) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("unknown unit '%s' in element '%s'"), unit, name);
            return -1;
        }
    }
    if (text)
        g_strstrip(text);
    if (!text || !g_ascii_isdigit(*text)) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%s' in element '%s'"),
                       text ? text : "", name);
        return -1;
    }
    errno = 0;
    value = g_ascii_strtoull(text, &end, 10);
    if (*end) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%s' in element '%s'"), text, name);
        return -1;
    }
    if (errno == ERANGE || value > G_MAXUINT64 / scale ||
        (value * scale + 1023) / 1024 > VIR_DOMAIN_MEMORY_MAX_KIB ||
        value * scale > G_MAXUINT64 - 1023) {
        virReportError(VIR_ERR_OVERFLOW,
                       _("value '%s' of element '%s' is too large"),
                       text, name);
        return -1;
    }
    *kib = (value * scale + 1023) / 1024;
    return 0;
}

/* Parse a lifecycle action element into *action (validated). */
static int
virDomainParseLifecycle(xmlNodePtr node, char **action)
{
    g_autofree char *text = virDomainXMLText(node);

    if (!text || virDomainLifecycleActionTypeFromString(text) < 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid action '%s' in element '%s'"),
                       text ? text : "", (const char *) node->name);
        return -1;
    }
    *action = g_steal_pointer(&text);
    return 0;
}

/* The bus a target name implies when <target bus=''> is absent, as
 * libvirt derives it. */
static int
virDomainDiskBusFromTarget(const char *dst)
{
    if (g_str_has_prefix(dst, "vd"))
        return VIR_DOMAIN_DISK_BUS_VIRTIO;
    if (g_str_has_prefix(dst, "sd"))
        return VIR_DOMAIN_DISK_BUS_SCSI;
    if (g_str_has_prefix(dst, "hd"))
        return VIR_DOMAIN_DISK_BUS_IDE;
    if (g_str_has_prefix(dst, "fd"))
        return VIR_DOMAIN_DISK_BUS_FDC;
    if (g_str_has_prefix(dst, "xvd"))
        return VIR_DOMAIN_DISK_BUS_XEN;
    if (g_str_has_prefix(dst, "ub"))
        return VIR_DOMAIN_DISK_BUS_USB;
    return VIR_DOMAIN_DISK_BUS_NONE;
}

/* The storage type named by attribute 'type' of node (file if absent). */
static int
virDomainParseStorageType(xmlNodePtr node, int *type)
{
    g_autofree char *str = virXMLPropString(node, "type");

    if (!str) {
        *type = VIR_STORAGE_TYPE_FILE;
        return 0;
    }
    if ((*type = virStorageTypeFromString(str)) <= 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown storage type '%s' in element '%s'"),
                       str, (const char *) node->name);
        return -1;
    }
    return 0;
}

/* An image format name into *format. */
static int
virDomainParseFormat(const char *str, int *format)
{
    if ((*format = virStorageFileFormatTypeFromString(str)) <= 0) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unknown disk format '%s'"), str);
        return -1;
    }
    return 0;
}

/* Parse a <backingStore> element (recursively) into a new source. */
static virStorageSource *
virDomainDiskBackingStoreParse(xmlNodePtr node, xmlXPathContextPtr ctxt,
                               unsigned int flags, unsigned int depth)
{
    g_autoptr(virStorageSource) src = virStorageSourceNew();
    g_autofree char *typestr = virXMLPropString(node, "type");
    unsigned int srcflags = 0;
    xmlNodePtr cur;
    bool seenBacking = false;

    if (depth > 200) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("backing chain in element 'backingStore' is too deep"));
        return NULL;
    }
    if (!typestr && !node->children) {
        src->type = VIR_STORAGE_TYPE_NONE;   /* end of the chain */
        return g_steal_pointer(&src);
    }
    if (virDomainParseStorageType(node, &src->type) < 0)
        return NULL;
    if (flags & VIR_DOMAIN_DEF_PARSE_STATUS) {
        srcflags |= VIR_STORAGE_SOURCE_XML_STATUS;
        if (virXMLPropUInt(node, "index", &src->id) < 0)
            return NULL;
    }
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrEqual(cur->name, BAD_CAST "format")) {
            g_autofree char *fmt = virXMLPropString(cur, "type");

            if (fmt && virDomainParseFormat(fmt, &src->format) < 0)
                return NULL;
        } else if (xmlStrEqual(cur->name, BAD_CAST "source")) {
            if (virStorageSourceParseXML(cur, ctxt, src, srcflags) < 0)
                return NULL;
        } else if (xmlStrEqual(cur->name, BAD_CAST "backingStore")) {
            if (seenBacking)
                continue;
            seenBacking = true;
            if (!(src->backingStore =
                  virDomainDiskBackingStoreParse(cur, ctxt, flags, depth + 1)))
                return NULL;
        }
    }
    return g_steal_pointer(&src);
}

static const char *const virDomainDiskAttrsModelled[] = { "type", "device", NULL };
static const char *const virDomainDriverAttrsModelled[] = {
    "name", "type", "cache", "discard", "io", NULL };
static const char *const virDomainTargetAttrsModelled[] = { "dev", "bus", NULL };

/* Parse <driver> of a disk. */
static int
virDomainDiskDriverParse(xmlNodePtr node, virDomainDiskDef *disk)
{
    g_autofree char *format = virXMLPropString(node, "type");

    disk->driver_name = virXMLPropString(node, "name");
    disk->cache = virXMLPropString(node, "cache");
    disk->discard = virXMLPropString(node, "discard");
    disk->io = virXMLPropString(node, "io");
    disk->driver_attrs = virDomainXMLOtherAttrs(node,
                                                virDomainDriverAttrsModelled);
    if (format && virDomainParseFormat(format, &disk->src->format) < 0)
        return -1;
    return 0;
}

/* Parse <target> of a disk: dev is required, bus derived when absent. */
static int
virDomainDiskTargetParse(xmlNodePtr node, virDomainDiskDef *disk)
{
    g_autofree char *bus = virXMLPropString(node, "bus");

    disk->dst = virXMLPropString(node, "dev");
    if (!disk->dst || !*disk->dst) {
        virReportError(VIR_ERR_NO_TARGET, "%s",
                       _("missing attribute 'dev' in element 'target'"));
        return -1;
    }
    if (bus) {
        if ((disk->bus = virDomainDiskBusTypeFromString(bus)) <= 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("unknown disk bus '%s' in element 'target'"), bus);
            return -1;
        }
    } else {
        disk->bus = virDomainDiskBusFromTarget(disk->dst);
    }
    disk->target_attrs = virDomainXMLOtherAttrs(node,
                                                virDomainTargetAttrsModelled);
    return 0;
}

/* Parse one <disk>: the modelled children into fields, the others kept
 * at their rank. */
static virDomainDiskDef *
virDomainDiskDefParse(xmlNodePtr node, xmlXPathContextPtr ctxt,
                      unsigned int flags)
{
    g_autoptr(virDomainDiskDef) disk = g_new0(virDomainDiskDef, 1);
    g_autofree char *device = virXMLPropString(node, "device");
    bool status = !!(flags & VIR_DOMAIN_DEF_PARSE_STATUS);
    unsigned int srcflags = status ? VIR_STORAGE_SOURCE_XML_STATUS : 0;
    bool modelledSource;
    bool seen[VIR_DOMAIN_DISK_CHILD_LAST] = { false };
    int prev = -1;
    xmlNodePtr cur;

    disk->src = virStorageSourceNew();
    if (virDomainParseStorageType(node, &disk->src->type) < 0)
        return NULL;
    modelledSource = disk->src->type == VIR_STORAGE_TYPE_FILE ||
                     disk->src->type == VIR_STORAGE_TYPE_BLOCK;
    if (device &&
        (disk->device = virDomainDiskDeviceTypeFromString(device)) < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("unknown disk device '%s'"), device);
        return NULL;
    }
    disk->disk_attrs = virDomainXMLOtherAttrs(node, virDomainDiskAttrsModelled);

    for (cur = node->children; cur; cur = cur->next) {
        int rank;

        if (cur->type != XML_ELEMENT_NODE)
            continue;
        rank = virDomainXMLRank(virDomainDiskChildTypeFromString,
                                (const char *) cur->name, prev);
        prev = rank;
        if (cur->ns || rank < 0 ||
            (rank == VIR_DOMAIN_DISK_CHILD_SOURCE && !modelledSource)) {
            virDomainXMLKeptAdd(&disk->extra, cur, rank, status);
            continue;
        }
        if (seen[rank] &&
            (rank == VIR_DOMAIN_DISK_CHILD_DRIVER ||
             rank == VIR_DOMAIN_DISK_CHILD_SOURCE ||
             rank == VIR_DOMAIN_DISK_CHILD_BACKING_STORE ||
             rank == VIR_DOMAIN_DISK_CHILD_TARGET ||
             rank == VIR_DOMAIN_DISK_CHILD_SERIAL ||
             rank == VIR_DOMAIN_DISK_CHILD_ALIAS)) {
            virReportError(VIR_ERR_XML_ERROR,
                           _("element '%s' appears more than once in a disk"),
                           (const char *) cur->name);
            return NULL;
        }
        seen[rank] = true;

        switch ((virDomainDiskChild) rank) {
        case VIR_DOMAIN_DISK_CHILD_DRIVER:
            if (virDomainDiskDriverParse(cur, disk) < 0)
                return NULL;
            break;
        case VIR_DOMAIN_DISK_CHILD_SOURCE:
            if (virStorageSourceParseXML(cur, ctxt, disk->src, srcflags) < 0)
                return NULL;
            break;
        case VIR_DOMAIN_DISK_CHILD_BACKING_STORE:
            if (!(disk->src->backingStore =
                  virDomainDiskBackingStoreParse(cur, ctxt, flags, 0)))
                return NULL;
            break;
        case VIR_DOMAIN_DISK_CHILD_TARGET:
            if (virDomainDiskTargetParse(cur, disk) < 0)
                return NULL;
            break;
        case VIR_DOMAIN_DISK_CHILD_READONLY:
            disk->src->readonly = true;
            break;
        case VIR_DOMAIN_DISK_CHILD_SERIAL:
            disk->serial = virDomainXMLText(cur);
            break;
        case VIR_DOMAIN_DISK_CHILD_ALIAS: {
            g_autofree char *alias = virXMLPropString(cur, "name");

            if (alias &&
                (status || g_str_has_prefix(alias, STR(USER_ALIAS_PREFIX))))
                disk->alias = g_steal_pointer(&alias);
            break;
        }
        case VIR_DOMAIN_DISK_CHILD_AUTH:
        case VIR_DOMAIN_DISK_CHILD_GEOMETRY:
        case VIR_DOMAIN_DISK_CHILD_BLOCKIO:
        case VIR_DOMAIN_DISK_CHILD_MIRROR:
        case VIR_DOMAIN_DISK_CHILD_IOTUNE:
        case VIR_DOMAIN_DISK_CHILD_SHAREABLE:
        case VIR_DOMAIN_DISK_CHILD_TRANSIENT:
        case VIR_DOMAIN_DISK_CHILD_WWN:
        case VIR_DOMAIN_DISK_CHILD_VENDOR:
        case VIR_DOMAIN_DISK_CHILD_PRODUCT:
        case VIR_DOMAIN_DISK_CHILD_ENCRYPTION:
        case VIR_DOMAIN_DISK_CHILD_BOOT:
        case VIR_DOMAIN_DISK_CHILD_ADDRESS:
        case VIR_DOMAIN_DISK_CHILD_LAST:
            virDomainXMLKeptAdd(&disk->extra, cur, rank, status);
            break;
        }
    }
    if (!disk->dst) {
        virReportError(VIR_ERR_NO_TARGET, "%s",
                       _("missing element 'target' in a disk"));
        return NULL;
    }
    return g_steal_pointer(&disk);
}

/* If node is the guest agent's channel (a unix socket the host listens
 * on, virtio target 'org.qemu.guest_agent.0') model it in def and
 * return 1; return 0 for any other channel. */
static int
virDomainAgentChannelParse(virDomainDef *def, xmlNodePtr node, bool status)
{
    g_autofree char *type = virXMLPropString(node, "type");
    xmlNodePtr source = NULL;
    xmlNodePtr target = NULL;
    g_autofree char *mode = NULL;
    g_autofree char *ttype = NULL;
    g_autofree char *tname = NULL;
    xmlAttrPtr attr;
    xmlNodePtr cur;
    int prev = -1;

    if (def->has_agent || g_strcmp0(type, STR(UNIX)) != 0 ||
        node->properties->next)
        return 0;
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrEqual(cur->name, BAD_CAST "source")) {
            if (source)
                return 0;
            source = cur;
        } else if (xmlStrEqual(cur->name, BAD_CAST "target")) {
            if (target)
                return 0;
            target = cur;
        }
    }
    if (!target)
        return 0;
    ttype = virXMLPropString(target, "type");
    tname = virXMLPropString(target, "name");
    if (g_strcmp0(ttype, STR(VIRTIO)) != 0 ||
        g_strcmp0(tname, STR(AGENT_NAME)) != 0)
        return 0;
    if (source) {
        mode = virXMLPropString(source, "mode");
        if (g_strcmp0(mode, STR(BIND)) != 0 || source->children)
            return 0;
        for (attr = source->properties; attr; attr = attr->next) {
            if (!xmlStrEqual(attr->name, BAD_CAST "mode") &&
                !xmlStrEqual(attr->name, BAD_CAST "path"))
                return 0;
        }
    }
    for (attr = target->properties; attr; attr = attr->next) {
        if (!xmlStrEqual(attr->name, BAD_CAST "type") &&
            !xmlStrEqual(attr->name, BAD_CAST "name") &&
            !xmlStrEqual(attr->name, BAD_CAST "state"))
            return 0;
    }

    def->has_agent = true;
    if (source)
        def->agent_socket = virXMLPropString(source, "path");
    if (status)
        def->agent_state = virXMLPropString(target, "state");
    for (cur = node->children; cur; cur = cur->next) {
        int rank;

        if (cur->type != XML_ELEMENT_NODE || cur == source || cur == target)
            continue;
        rank = virDomainXMLRank(virDomainChannelChildTypeFromString,
                                (const char *) cur->name, prev);
        prev = rank;
        if (!status && virDomainXMLIsRuntimeAlias(cur))
            continue;
        virDomainXMLKeptAdd(&def->agent_extra, cur, rank, status);
    }
    return 1;
}

/* An on/off attribute: true only for 'on'; anything but on/off is an
 * error naming the element. */
static int
virDomainParseOnOff(xmlNodePtr node, const char *attr, bool *value)
{
    g_autofree char *str = virXMLPropString(node, attr);

    *value = false;
    if (!str)
        return 0;
    if (g_str_equal(str, "on")) {
        *value = true;
    } else if (!g_str_equal(str, "off")) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid value '%s' of attribute '%s' in element '%s'"),
                       str, attr, (const char *) node->name);
        return -1;
    }
    return 0;
}

/* The host side of a serial port or console: the file of type 'file'
 * (<source path='' append=''>) and the copy of its output (<log file=''
 * append=''>). */
static virDomainChrSourceDef *
virDomainChrSourceParse(xmlNodePtr node)
{
    g_autofree char *type = virXMLPropString(node, "type");
    virDomainChrSourceDef *chr = g_new0(virDomainChrSourceDef, 1);
    xmlNodePtr cur;

    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE || cur->ns)
            continue;
        if (xmlStrEqual(cur->name, BAD_CAST "source") && !chr->path &&
            g_strcmp0(type, "file") == 0) {
            chr->path = virXMLPropString(cur, "path");
            if (virDomainParseOnOff(cur, "append", &chr->append) < 0)
                goto error;
        } else if (xmlStrEqual(cur->name, BAD_CAST "log") && !chr->logfile) {
            if (!(chr->logfile = virXMLPropString(cur, "file")) ||
                *chr->logfile != '/') {
                virReportError(VIR_ERR_XML_ERROR,
                               _("element 'log' of '%s' needs an absolute path in attribute 'file'"),
                               (const char *) node->name);
                goto error;
            }
            if (virDomainParseOnOff(cur, "append", &chr->logappend) < 0)
                goto error;
        }
    }
    if (g_strcmp0(type, "file") == 0 && (!chr->path || *chr->path != '/')) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("element '%s' of type 'file' needs an absolute path in attribute 'path' of 'source'"),
                       (const char *) node->name);
        goto error;
    }
    return chr;

 error:
    virDomainChrSourceDefFree(chr);
    return NULL;
}

/* Parse the children of <devices>. */
static int
virDomainDevicesParse(virDomainDef *def, xmlNodePtr node,
                      xmlXPathContextPtr ctxt, unsigned int flags)
{
    bool status = !!(flags & VIR_DOMAIN_DEF_PARSE_STATUS);
    xmlNodePtr cur;
    int prev = -1;
    size_t i;

    for (cur = node->children; cur; cur = cur->next) {
        int rank;

        if (cur->type != XML_ELEMENT_NODE)
            continue;
        rank = cur->ns ? prev :
            virDomainXMLRank(virDomainDeviceElementTypeFromString,
                             (const char *) cur->name, prev);
        prev = rank;
        if (cur->ns) {
            virDomainXMLKeptAdd(&def->devices_extra, cur, rank, status);
        } else if (rank == VIR_DOMAIN_DEV_EMULATOR) {
            if (def->emulator) {
                virReportError(VIR_ERR_XML_ERROR, "%s",
                               _("element 'emulator' appears more than once"));
                return -1;
            }
            if (!(def->emulator = virDomainXMLText(cur))) {
                virReportError(VIR_ERR_XML_ERROR, "%s",
                               _("element 'emulator' is empty"));
                return -1;
            }
        } else if (rank == VIR_DOMAIN_DEV_DISK) {
            virDomainDiskDef *disk;

            if (!(disk = virDomainDiskDefParse(cur, ctxt, flags)))
                return -1;
            for (i = 0; i < def->ndisks; i++) {
                if (g_str_equal(def->disks[i]->dst, disk->dst)) {
                    virReportError(VIR_ERR_XML_ERROR,
                                   _("target '%s' duplicated for disk sources"),
                                   disk->dst);
                    virDomainDiskDefFree(disk);
                    return -1;
                }
            }
            def->disks = g_renew(virDomainDiskDef *, def->disks,
                                 def->ndisks + 1);
            def->disks[def->ndisks++] = disk;
        } else if (rank == VIR_DOMAIN_DEV_CHANNEL &&
                   virDomainAgentChannelParse(def, cur, status) == 1) {
            virDomainXMLKeptAddPlaceholder(&def->devices_extra, "channel",
                                           rank);
        } else {
            virDomainXMLKept *item = virDomainXMLKeptAdd(&def->devices_extra,
                                                         cur, rank, status);

            if ((rank == VIR_DOMAIN_DEV_SERIAL ||
                 rank == VIR_DOMAIN_DEV_CONSOLE) &&
                !(item->chr = virDomainChrSourceParse(cur)))
                return -1;
        }
    }
    return 0;
}

static const char *const virDomainOsAttrsModelled[] = { NULL };
static const char *const virDomainCpuAttrsModelled[] = { "mode", NULL };
static const char *const virDomainVcpuAttrsModelled[] = { "placement", NULL };

/* Parse one direct kernel boot element of <os> (<kernel>, <initrd> or
 * <cmdline>) into *field; the files must be absolute paths.  A
 * placeholder keeps the element's place among the kept children. */
static int
virDomainOsBootParse(virDomainDef *def, xmlNodePtr node, char **field,
                     bool path)
{
    const char *name = (const char *) node->name;

    if (*field || virDomainXMLKeptFind(&def->os_extra, name)) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("element '%s' appears more than once in 'os'"), name);
        return -1;
    }
    *field = virDomainXMLText(node);
    if (path && (!*field || **field != '/')) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("element '%s' in 'os' must be an absolute path, not '%s'"),
                       name, NULLSTR(*field));
        return -1;
    }
    virDomainXMLKeptAddPlaceholder(&def->os_extra, name, 0);
    return 0;
}

/* Parse <os>: <type> and direct kernel boot (<kernel>, <initrd>,
 * <cmdline>) are modelled, other children kept in order. */
static int
virDomainOsParse(virDomainDef *def, xmlNodePtr node, bool status)
{
    xmlNodePtr cur;

    def->os_attrs = virDomainXMLOtherAttrs(node, virDomainOsAttrsModelled);
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (!cur->ns && xmlStrEqual(cur->name, BAD_CAST "kernel")) {
            if (virDomainOsBootParse(def, cur, &def->os_kernel, true) < 0)
                return -1;
        } else if (!cur->ns && xmlStrEqual(cur->name, BAD_CAST "initrd")) {
            if (virDomainOsBootParse(def, cur, &def->os_initrd, true) < 0)
                return -1;
        } else if (!cur->ns && xmlStrEqual(cur->name, BAD_CAST "cmdline")) {
            if (virDomainOsBootParse(def, cur, &def->os_cmdline, false) < 0)
                return -1;
        } else if (!cur->ns && xmlStrEqual(cur->name, BAD_CAST "type") &&
            !def->os_type) {
            def->os_arch = virXMLPropString(cur, "arch");
            def->os_machine = virXMLPropString(cur, "machine");
            if (!(def->os_type = virDomainXMLText(cur))) {
                virReportError(VIR_ERR_XML_ERROR, "%s",
                               _("element 'type' in 'os' is empty"));
                return -1;
            }
        } else {
            virDomainXMLKeptAdd(&def->os_extra, cur, 0, status);
        }
    }
    if (!def->os_type) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("missing element 'type' in 'os'"));
        return -1;
    }
    return 0;
}

/* Parse <vcpu placement=''>N</vcpu>. */
static int
virDomainVcpuParse(virDomainDef *def, xmlNodePtr node)
{
    g_autofree char *text = virDomainXMLText(node);
    char *end = NULL;
    unsigned long long n;

    if (text)
        g_strstrip(text);
    if (!text || !g_ascii_isdigit(*text) ||
        (n = g_ascii_strtoull(text, &end, 10)) == 0 || *end ||
        n > G_MAXUINT16) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("invalid vcpu count '%s'"), text ? text : "");
        return -1;
    }
    def->vcpus = n;
    def->vcpu_placement = virXMLPropString(node, "placement");
    def->vcpu_attrs = virDomainXMLOtherAttrs(node, virDomainVcpuAttrsModelled);
    return 0;
}

/* Parse the top-level children of <domain>. */
static int
virDomainDefParseChildren(virDomainDef *def, xmlNodePtr root,
                          xmlXPathContextPtr ctxt, unsigned int flags)
{
    bool status = !!(flags & VIR_DOMAIN_DEF_PARSE_STATUS);
    bool seen[VIR_DOMAIN_TOP_LAST] = { false };
    bool hasUUID = false;
    xmlNodePtr cur;
    int prev = -1;

    for (cur = root->children; cur; cur = cur->next) {
        int rank;
        g_autofree char *name = NULL;

        if (cur->type != XML_ELEMENT_NODE)
            continue;
        name = virDomainXMLNodeName(cur);
        rank = virDomainXMLRank(virDomainTopElementTypeFromString, name, prev);
        prev = rank;

        switch (rank) {
        case VIR_DOMAIN_TOP_NAME:
        case VIR_DOMAIN_TOP_UUID:
        case VIR_DOMAIN_TOP_TITLE:
        case VIR_DOMAIN_TOP_DESCRIPTION:
        case VIR_DOMAIN_TOP_MEMORY:
        case VIR_DOMAIN_TOP_CURRENT_MEMORY:
        case VIR_DOMAIN_TOP_VCPU:
        case VIR_DOMAIN_TOP_OS:
        case VIR_DOMAIN_TOP_CPU:
        case VIR_DOMAIN_TOP_ON_POWEROFF:
        case VIR_DOMAIN_TOP_ON_REBOOT:
        case VIR_DOMAIN_TOP_ON_CRASH:
        case VIR_DOMAIN_TOP_DEVICES:
            if (seen[rank] && g_str_equal(name, virDomainTopElementTypeToString(rank))) {
                virReportError(VIR_ERR_XML_ERROR,
                               _("element '%s' appears more than once"), name);
                return -1;
            }
            if (!g_str_equal(name, virDomainTopElementTypeToString(rank))) {
                virDomainXMLKeptAdd(&def->extra, cur, rank, status);
                continue;
            }
            seen[rank] = true;
            break;
        default:
            virDomainXMLKeptAdd(&def->extra, cur, rank, status);
            continue;
        }

        switch ((virDomainTopElement) rank) {
        case VIR_DOMAIN_TOP_NAME:
            def->name = virXMLNodeContentString(cur);
            if (virNameValidate("domain", def->name) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_UUID: {
            g_autofree char *uuid = virXMLNodeContentString(cur);

            if (!uuid || virUUIDParse(g_strstrip(uuid), def->uuid) < 0) {
                virReportError(VIR_ERR_XML_ERROR,
                               _("malformed uuid '%s'"), uuid ? uuid : "");
                return -1;
            }
            hasUUID = true;
            break;
        }
        case VIR_DOMAIN_TOP_TITLE:
            def->title = virDomainXMLText(cur);
            if (def->title && strchr(def->title, '\n')) {
                virReportError(VIR_ERR_XML_ERROR, "%s",
                               _("element 'title' must not contain new lines"));
                return -1;
            }
            break;
        case VIR_DOMAIN_TOP_DESCRIPTION:
            def->description = virDomainXMLText(cur);
            break;
        case VIR_DOMAIN_TOP_MEMORY:
            if (virDomainParseMemory(cur, &def->memory_kib) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_CURRENT_MEMORY:
            if (virDomainParseMemory(cur, &def->cur_memory_kib) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_VCPU:
            if (virDomainVcpuParse(def, cur) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_OS:
            if (virDomainOsParse(def, cur, status) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_CPU: {
            xmlNodePtr c;

            def->has_cpu = true;
            def->cpu_mode = virXMLPropString(cur, "mode");
            def->cpu_attrs = virDomainXMLOtherAttrs(cur,
                                                    virDomainCpuAttrsModelled);
            for (c = cur->children; c; c = c->next) {
                if (c->type == XML_ELEMENT_NODE)
                    virDomainXMLKeptAdd(&def->cpu_extra, c, 0, status);
            }
            break;
        }
        case VIR_DOMAIN_TOP_ON_POWEROFF:
            if (virDomainParseLifecycle(cur, &def->on_poweroff) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_ON_REBOOT:
            if (virDomainParseLifecycle(cur, &def->on_reboot) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_ON_CRASH:
            if (virDomainParseLifecycle(cur, &def->on_crash) < 0)
                return -1;
            break;
        case VIR_DOMAIN_TOP_DEVICES:
            if (virDomainDevicesParse(def, cur, ctxt, flags) < 0)
                return -1;
            break;
        default:
            break;
        }
    }

    if (!def->name) {
        virReportError(VIR_ERR_NO_NAME, "%s",
                       _("missing element 'name' in a domain"));
        return -1;
    }
    if (!seen[VIR_DOMAIN_TOP_MEMORY]) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("missing element 'memory' in a domain"));
        return -1;
    }
    if (def->vcpus == 0)
        def->vcpus = 1;
    if (def->cur_memory_kib > def->memory_kib)
        def->cur_memory_kib = def->memory_kib;
    if (!def->os_type) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("missing element 'os' in a domain"));
        return -1;
    }
    /* a new definition gets a UUID; one read back from Fleece's own
     * files keeps what they say, or a running domain's UUID would
     * change on every load of its status file */
    if (!hasUUID &&
        !(flags & (VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_STATUS)))
        virUUIDGenerate(def->uuid);
    return 0;
}

/* Parse the <domain> element root of xml.  The document is validated
 * against domain.rng first when asked (VIR_DOMAIN_DEF_PARSE_VALIDATE). */
virDomainDef *
virDomainDefParseNode(xmlDocPtr xml, xmlNodePtr root, unsigned int flags)
{
    g_autoptr(virDomainDef) def = NULL;
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autofree char *type = NULL;
    xmlNsPtr ns;

    if (!root || !xmlStrEqual(root->name, BAD_CAST "domain") || root->ns) {
        virReportError(VIR_ERR_XML_ERROR,
                       _("unexpected root element '%s', expecting 'domain'"),
                       root ? (const char *) root->name : "");
        return NULL;
    }
    if (flags & VIR_DOMAIN_DEF_PARSE_VALIDATE) {
        g_autoptr(xmlDoc) copy = NULL;

        if (xmlDocGetRootElement(xml) == root) {
            if (virXMLValidateAgainstSchema("domain", xml) < 0)
                return NULL;
        } else {
            copy = xmlNewDoc(BAD_CAST "1.0");
            xmlDocSetRootElement(copy, xmlDocCopyNode(root, copy, 1));
            if (virXMLValidateAgainstSchema("domain", copy) < 0)
                return NULL;
        }
    }

    def = virDomainDefNew();
    type = virXMLPropString(root, "type");
    if (!type) {
        virReportError(VIR_ERR_XML_ERROR, "%s",
                       _("missing attribute 'type' in element 'domain'"));
        return NULL;
    }
    if ((def->virtType = virDomainVirtTypeFromString(type)) < 0) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("domain type '%s' is not supported"), type);
        return NULL;
    }
    if (flags & VIR_DOMAIN_DEF_PARSE_STATUS) {
        g_autofree char *id = virXMLPropString(root, "id");
        gint64 num = -1;

        if (id && !g_ascii_string_to_signed(id, 10, -1, G_MAXINT, &num, NULL)) {
            virReportError(VIR_ERR_XML_ERROR, _("invalid domain id '%s'"), id);
            return NULL;
        }
        def->id = num;
    }
    if (root->nsDef) {
        g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

        for (ns = root->nsDef; ns; ns = ns->next) {
            if (ns->prefix)
                virBufferAsprintf(&buf, " xmlns:%s=", (const char *) ns->prefix);
            else
                virBufferAddLit(&buf, " xmlns=");
            virDomainXMLFormatNsHref(&buf, ns->href);
        }
        def->root_ns_attrs = virBufferContentAndReset(&buf);
    }

    ctxt = xmlXPathNewContext(xml);
    ctxt->node = root;
    if (virDomainDefParseChildren(def, root, ctxt, flags) < 0)
        return NULL;
    return g_steal_pointer(&def);
}

/* Parse a domain XML document. */
virDomainDef *
virDomainDefParseString(const char *xmlStr, unsigned int flags)
{
    g_autoptr(xmlDoc) xml = NULL;

    if (!(xml = virXMLParseString(xmlStr, "domain.xml", "domain", NULL)))
        return NULL;
    return virDomainDefParseNode(xml, xmlDocGetRootElement(xml), flags);
}

/* ---------------------------------------------------------------------
 * Formatting
 */

/* Storage-source flags matching the domain format flags. */
static unsigned int
virDomainSourceFormatFlags(unsigned int flags)
{
    unsigned int srcflags = 0;

    if (flags & VIR_DOMAIN_DEF_FORMAT_STATUS)
        srcflags |= VIR_STORAGE_SOURCE_XML_STATUS;
    if (flags & VIR_DOMAIN_DEF_FORMAT_SECURE)
        srcflags |= VIR_STORAGE_SOURCE_XML_SECURE;
    return srcflags;
}

/* Write the <backingStore> chain starting at backing.  A chain found at
 * run time (its images carry an index) is not part of an inactive
 * definition; one the user wrote is. */
static void
virDomainDiskBackingStoreFormat(virBuffer *buf,
                                const virStorageSource *backing,
                                unsigned int flags)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);
    bool inactive = !!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE);

    if (!backing || (inactive && backing->id))
        return;
    if (backing->type == VIR_STORAGE_TYPE_NONE) {
        virBufferAddLit(buf, "<backingStore/>\n");
        return;
    }
    virBufferAsprintf(&attr, " type='%s'", virStorageTypeToString(backing->type));
    if (backing->id && !inactive)
        virBufferAsprintf(&attr, " index='%u'", backing->id);
    if (backing->format > 0)
        virBufferAsprintf(&child, "<format type='%s'/>\n",
                          virStorageFileFormatTypeToString(backing->format));
    virStorageSourceFormatXML(&child, "source", backing, false,
                              virDomainSourceFormatFlags(flags));
    virDomainDiskBackingStoreFormat(&child, backing->backingStore, flags);
    virXMLFormatElement(buf, "backingStore", &attr, &child);
}

/* True when alias should be written with these format flags. */
static bool
virDomainAliasWanted(const char *alias, unsigned int flags)
{
    if (!alias)
        return false;
    return !(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE) ||
           g_str_has_prefix(alias, STR(USER_ALIAS_PREFIX));
}

/* Write one <disk>, modelled parts and kept children in libvirt's order. */
static void
virDomainDiskDefFormat(virBuffer *buf, const virDomainDiskDef *disk,
                       unsigned int flags)
{
    g_auto(virBuffer) drv = VIR_BUFFER_INITIALIZER;
    bool inactive = !!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    const virStorageSource *src = disk->src;
    size_t cursor = 0;

    virBufferAsprintf(buf, "<disk type='%s' device='%s'%s>\n",
                      virStorageTypeToString(src->type),
                      virDomainDiskDeviceTypeToString(disk->device),
                      disk->disk_attrs ? disk->disk_attrs : "");
    virBufferAdjustIndent(buf, 2);

    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_DRIVER, inactive);
    virBufferEscapeString(&drv, " name='%s'", disk->driver_name);
    if (src->format > 0)
        virBufferAsprintf(&drv, " type='%s'",
                          virStorageFileFormatTypeToString(src->format));
    virBufferEscapeString(&drv, " cache='%s'", disk->cache);
    virBufferEscapeString(&drv, " io='%s'", disk->io);
    virBufferEscapeString(&drv, " discard='%s'", disk->discard);
    if (disk->driver_attrs)
        virBufferAdd(&drv, disk->driver_attrs, -1);
    virXMLFormatElement(buf, "driver", &drv, NULL);

    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_SOURCE, inactive);
    if (src->type == VIR_STORAGE_TYPE_FILE ||
        src->type == VIR_STORAGE_TYPE_BLOCK)
        virStorageSourceFormatXML(buf, "source", src, !inactive,
                                  virDomainSourceFormatFlags(flags));
    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_BACKING_STORE, inactive);
    virDomainDiskBackingStoreFormat(buf, src->backingStore, flags);

    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_TARGET, inactive);
    virBufferEscapeString(buf, "<target dev='%s'", disk->dst);
    if (disk->bus > 0)
        virBufferAsprintf(buf, " bus='%s'",
                          virDomainDiskBusTypeToString(disk->bus));
    virBufferAsprintf(buf, "%s/>\n", disk->target_attrs ? disk->target_attrs : "");

    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_READONLY, inactive);
    if (src->readonly)
        virBufferAddLit(buf, "<readonly/>\n");
    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_SERIAL, inactive);
    virBufferEscapeString(buf, "<serial>%s</serial>\n", disk->serial);
    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor,
                               VIR_DOMAIN_DISK_CHILD_ALIAS, inactive);
    if (virDomainAliasWanted(disk->alias, flags))
        virBufferEscapeString(buf, "<alias name='%s'/>\n", disk->alias);
    virDomainXMLKeptFormatUpTo(buf, &disk->extra, &cursor, -1, inactive);

    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</disk>\n");
}

/* Write the guest agent's channel. */
static void
virDomainAgentChannelFormat(virBuffer *buf, const virDomainDef *def,
                            unsigned int flags)
{
    bool inactive = !!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    size_t i;

    virBufferAsprintf(buf, "<channel type='%s'>\n", STR(UNIX));
    virBufferAdjustIndent(buf, 2);
    virBufferAsprintf(buf, "<source mode='%s'", STR(BIND));
    virBufferEscapeString(buf, " path='%s'", def->agent_socket);
    virBufferAddLit(buf, "/>\n");
    virBufferAsprintf(buf, "<target type='%s' name='%s'",
                      STR(VIRTIO), STR(AGENT_NAME));
    if (!inactive)
        virBufferEscapeString(buf, " state='%s'", def->agent_state);
    virBufferAddLit(buf, "/>\n");
    for (i = 0; i < def->agent_extra.nitems; i++) {
        const virDomainXMLKept *item = def->agent_extra.items[i];

        if (inactive && g_str_equal(item->name, "alias") &&
            !g_str_has_prefix(item->xml, "<alias name='ua-"))
            continue;
        virDomainXMLKeptFormatOne(buf, item, inactive);
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</channel>\n");
}

/* A kept <graphics> without its password: security-sensitive data is
 * written only with VIR_DOMAIN_DEF_FORMAT_SECURE, as libvirt does. */
static void
virDomainGraphicsFormatInsecure(virBuffer *buf, const virDomainXMLKept *item,
                                bool inactive)
{
    virDomainXMLKept copy = *item;
    const char *text = inactive && item->xml_inactive ? item->xml_inactive : item->xml;
    g_autoptr(GString) out = g_string_new(NULL);
    const char *p = text;
    const char *at;
    g_autofree char *stripped = NULL;

    while ((at = strstr(p, " passwd='"))) {
        const char *end = strchr(at + 9, '\'');

        if (!end)
            break;
        g_string_append_len(out, p, at - p);
        p = end + 1;
    }
    g_string_append(out, p);
    stripped = g_string_free(g_steal_pointer(&out), FALSE);
    copy.xml = stripped;
    copy.xml_inactive = NULL;
    virDomainXMLKeptFormatOne(buf, &copy, inactive);
}

/* Write the children of <devices> into buf. */
static void
virDomainDevicesFormat(virBuffer *buf, const virDomainDef *def,
                       unsigned int flags)
{
    bool inactive = !!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    const virDomainXMLKeptList *list = &def->devices_extra;
    bool agentPending = def->has_agent || def->agent_socket;
    size_t cursor = 0;
    size_t i;

    virDomainXMLKeptFormatUpTo(buf, list, &cursor,
                               VIR_DOMAIN_DEV_EMULATOR, inactive);
    virBufferEscapeString(buf, "<emulator>%s</emulator>\n", def->emulator);
    virDomainXMLKeptFormatUpTo(buf, list, &cursor, VIR_DOMAIN_DEV_DISK, inactive);
    for (i = 0; i < def->ndisks; i++)
        virDomainDiskDefFormat(buf, def->disks[i], flags);
    for (; cursor < list->nitems; cursor++) {
        const virDomainXMLKept *item = list->items[cursor];

        if (agentPending &&
            (!item->xml || item->rank > VIR_DOMAIN_DEV_CHANNEL)) {
            virDomainAgentChannelFormat(buf, def, flags);
            agentPending = false;
        }
        if (!(flags & VIR_DOMAIN_DEF_FORMAT_SECURE) && item->xml &&
            g_str_equal(item->name, STR(GRAPHICS)) && strstr(item->xml, " passwd=")) {
            virDomainGraphicsFormatInsecure(buf, item, inactive);
            continue;
        }
        virDomainXMLKeptFormatOne(buf, item, inactive);
    }
    if (agentPending)
        virDomainAgentChannelFormat(buf, def, flags);
}

/* Write <os>. */
static void
virDomainOsFormat(virBuffer *buf, const virDomainDef *def, bool inactive)
{
    size_t cursor = 0;

    virBufferAsprintf(buf, "<os%s>\n", def->os_attrs ? def->os_attrs : "");
    virBufferAdjustIndent(buf, 2);
    virBufferAddLit(buf, "<type");
    virBufferEscapeString(buf, " arch='%s'", def->os_arch);
    virBufferEscapeString(buf, " machine='%s'", def->os_machine);
    virBufferEscapeString(buf, ">%s</type>\n", def->os_type);
    for (; cursor < def->os_extra.nitems; cursor++) {
        const virDomainXMLKept *item = def->os_extra.items[cursor];

        if (item->xml)
            virDomainXMLKeptFormatOne(buf, item, inactive);
        else if (g_str_equal(item->name, "kernel"))
            virBufferEscapeString(buf, "<kernel>%s</kernel>\n", def->os_kernel);
        else if (g_str_equal(item->name, "initrd"))
            virBufferEscapeString(buf, "<initrd>%s</initrd>\n", def->os_initrd);
        else if (g_str_equal(item->name, "cmdline"))
            virBufferEscapeString(buf, "<cmdline>%s</cmdline>\n", def->os_cmdline);
    }
    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</os>\n");
}

/* Write <cpu> when the definition has one. */
static void
virDomainCpuFormat(virBuffer *buf, const virDomainDef *def, bool inactive)
{
    g_auto(virBuffer) attr = VIR_BUFFER_INITIALIZER;
    g_auto(virBuffer) child = VIR_BUFFER_INIT_CHILD(buf);
    size_t cursor = 0;

    if (!def->has_cpu && !def->cpu_mode)
        return;
    virBufferEscapeString(&attr, " mode='%s'", def->cpu_mode);
    if (def->cpu_attrs)
        virBufferAdd(&attr, def->cpu_attrs, -1);
    virDomainXMLKeptFormatUpTo(&child, &def->cpu_extra, &cursor, -1, inactive);
    virXMLFormatElement(buf, "cpu", &attr, &child);
}

/* Write a memory element in KiB. */
static void
virDomainMemoryFormat(virBuffer *buf, const char *name,
                      unsigned long long kib)
{
    virBufferAsprintf(buf, "<%s unit='%s'>%llu</%s>\n",
                      name, STR(KIB), kib, name);
}

/* Write def as a <domain> element into buf at its indentation. */
int
virDomainDefFormatInternal(const virDomainDef *def, virBuffer *buf,
                           unsigned int flags)
{
    static const unsigned char nouuid[VIR_UUID_BUFLEN] = { 0 };
    g_auto(virBuffer) devices = VIR_BUFFER_INITIALIZER;
    bool inactive = !!(flags & VIR_DOMAIN_DEF_FORMAT_INACTIVE);
    const virDomainXMLKeptList *extra = &def->extra;
    const char *virt = virDomainVirtTypeToString(def->virtType);
    size_t cursor = 0;

    virCheckFlags(VIR_DOMAIN_DEF_FORMAT_SECURE |
                  VIR_DOMAIN_DEF_FORMAT_INACTIVE |
                  VIR_DOMAIN_DEF_FORMAT_STATUS, -1);
    if (!virt || !def->name || !def->os_type) {
        virReportError(VIR_ERR_INTERNAL_ERROR, "%s",
                       _("incomplete domain definition cannot be formatted"));
        return -1;
    }

    virBufferAsprintf(buf, "<domain type='%s'", virt);
    if (!inactive && def->id >= 0)
        virBufferAsprintf(buf, " id='%d'", def->id);
    virBufferAsprintf(buf, "%s>\n", def->root_ns_attrs ? def->root_ns_attrs : "");
    virBufferAdjustIndent(buf, 2);

    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_NAME, inactive);
    virBufferEscapeString(buf, "<name>%s</name>\n", def->name);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_UUID, inactive);
    if (memcmp(def->uuid, nouuid, VIR_UUID_BUFLEN) != 0) {
        char uuidstr[VIR_UUID_STRING_BUFLEN];

        virBufferAsprintf(buf, "<uuid>%s</uuid>\n",
                          virUUIDFormat(def->uuid, uuidstr));
    }
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_TITLE, inactive);
    virBufferEscapeString(buf, "<title>%s</title>\n", def->title);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_DESCRIPTION, inactive);
    virBufferEscapeString(buf, "<description>%s</description>\n",
                          def->description);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_MEMORY, inactive);
    virDomainMemoryFormat(buf, "memory", def->memory_kib);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_CURRENT_MEMORY, inactive);
    if (def->cur_memory_kib)
        virDomainMemoryFormat(buf, "currentMemory", def->cur_memory_kib);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_VCPU, inactive);
    virBufferAddLit(buf, "<vcpu");
    virBufferEscapeString(buf, " placement='%s'", def->vcpu_placement);
    virBufferAsprintf(buf, "%s>%u</vcpu>\n",
                      def->vcpu_attrs ? def->vcpu_attrs : "",
                      def->vcpus);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_OS, inactive);
    virDomainOsFormat(buf, def, inactive);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, VIR_DOMAIN_TOP_CPU, inactive);
    virDomainCpuFormat(buf, def, inactive);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_ON_POWEROFF, inactive);
    virBufferEscapeString(buf, "<on_poweroff>%s</on_poweroff>\n",
                          def->on_poweroff);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_ON_REBOOT, inactive);
    virBufferEscapeString(buf, "<on_reboot>%s</on_reboot>\n", def->on_reboot);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_ON_CRASH, inactive);
    virBufferEscapeString(buf, "<on_crash>%s</on_crash>\n", def->on_crash);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor,
                               VIR_DOMAIN_TOP_DEVICES, inactive);
    devices.indent = virBufferGetIndent(buf) + 2;
    virDomainDevicesFormat(&devices, def, flags);
    virXMLFormatElement(buf, "devices", NULL, &devices);
    virDomainXMLKeptFormatUpTo(buf, extra, &cursor, -1, inactive);

    virBufferAdjustIndent(buf, -2);
    virBufferAddLit(buf, "</domain>\n");
    return 0;
}

/* Format def as a domain XML document. */
char *
virDomainDefFormat(const virDomainDef *def, unsigned int flags)
{
    g_auto(virBuffer) buf = VIR_BUFFER_INITIALIZER;

    if (virDomainDefFormatInternal(def, &buf, flags) < 0)
        return NULL;
    return virBufferContentAndReset(&buf);
}

/* A deep copy, made by writing the full live form and reading it back,
 * so that a copy can never miss a field. */
virDomainDef *
virDomainDefCopy(const virDomainDef *def)
{
    g_autofree char *xml = NULL;

    if (!(xml = virDomainDefFormat(def, VIR_DOMAIN_DEF_FORMAT_SECURE |
                                        VIR_DOMAIN_DEF_FORMAT_STATUS)))
        return NULL;
    return virDomainDefParseString(xml, VIR_DOMAIN_DEF_PARSE_STATUS |
                                        VIR_DOMAIN_DEF_PARSE_INACTIVE);
}

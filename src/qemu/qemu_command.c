/*
 * qemu_command.c: building the QEMU command line from a domain definition
 *
 * Disks are opened with -blockdev: a storage (protocol) node and a format
 * node per image, with explicit node names, and attached with -device
 * whose id is the disk's alias.  QEMU starts paused (-S); the driver
 * resumes it after connecting to QMP.  The JSON of -blockdev is built
 * with json-c, never with printf.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "qemu_command.h"
#include "qemu_qmp.h"
#include "qemu_agent.h"
#include "virerror.h"
#include "virjson.h"
#include "virlog.h"
#include "virstring.h"

#define VIR_FROM_THIS VIR_FROM_QEMU

VIR_LOG_INIT("qemu.command");

/* Cache modes of <driver cache=''> and what they mean for QEMU. */
typedef enum {
    QEMU_CACHE_DEFAULT,
    QEMU_CACHE_NONE,
    QEMU_CACHE_WRITETHROUGH,
    QEMU_CACHE_WRITEBACK,
    QEMU_CACHE_DIRECTSYNC,
    QEMU_CACHE_UNSAFE,

    QEMU_CACHE_LAST
} qemuCacheMode;
VIR_ENUM_DECL(qemuCacheMode);
VIR_ENUM_IMPL(qemuCacheMode, QEMU_CACHE_LAST,
              "default", "none", "writethrough", "writeback", "directsync",
              "unsafe");

typedef enum {
    QEMU_IO_DEFAULT,
    QEMU_IO_THREADS,
    QEMU_IO_NATIVE,
    QEMU_IO_URING,

    QEMU_IO_LAST
} qemuIOMode;
VIR_ENUM_DECL(qemuIOMode);
VIR_ENUM_IMPL(qemuIOMode, QEMU_IO_LAST,
              "default", "threads", "native", "io_uring");

typedef enum {
    QEMU_DISCARD_DEFAULT,
    QEMU_DISCARD_UNMAP,
    QEMU_DISCARD_IGNORE,

    QEMU_DISCARD_LAST
} qemuDiscardMode;
VIR_ENUM_DECL(qemuDiscardMode);
VIR_ENUM_IMPL(qemuDiscardMode, QEMU_DISCARD_LAST,
              "default", "unmap", "ignore");

/* Names QEMU knows, by our enums. */
VIR_ENUM_DECL(qemuBlockDriver);
VIR_ENUM_IMPL(qemuBlockDriver, VIR_STORAGE_TYPE_LAST,
              NULL, "file", "host_device", NULL, NULL, NULL, NULL, NULL, NULL);

bool
qemuKVMUsable(void)
{
    int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* Index of a target name: vda -> 0, vdb -> 1, ..., vdaa -> 26. */
static int
qemuDiskTargetIndex(const char *dst)
{
    const char *p = dst;
    int idx = 0;

    if (g_str_has_prefix(p, "vd") || g_str_has_prefix(p, "sd") ||
        g_str_has_prefix(p, "hd"))
        p += 2;
    else
        return -1;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (*p < 'a' || *p > 'z')
            return -1;
        idx = idx * 26 + (*p - 'a') + 1;
        if (idx > 10000)
            return -1;
    }
    return idx - 1;
}

/* Whether every character of s is in accept (s not empty). */
static bool
qemuStringOnlyChars(const char *s, const char *accept)
{
    return *s && strspn(s, accept) == strlen(s);
}

#define QEMU_MACHINE_CHARS \
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

int
qemuValidateDomainDef(const virDomainDef *def)
{
    size_t i, j;

    if (def->os_machine && !qemuStringOnlyChars(def->os_machine, QEMU_MACHINE_CHARS)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("machine type '%s' is not valid"), def->os_machine);
        return -1;
    }
    /* QEMU creates the socket and Fleece connects to it: a relative path
     * would name two different files */
    if (def->agent_socket && !g_path_is_absolute(def->agent_socket)) {
        virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                       _("guest agent socket path '%s' is not absolute"),
                       def->agent_socket);
        return -1;
    }
    for (i = 0; i < def->ndisks; i++) {
        const virDomainDiskDef *disk = def->disks[i];

        if (!disk->dst || qemuDiskTargetIndex(disk->dst) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk target '%s' is not of the form vdX, sdX or hdX"),
                           NULLSTR(disk->dst));
            return -1;
        }
        if (disk->bus == VIR_DOMAIN_DISK_BUS_VIRTIO &&
            !g_str_has_prefix(disk->dst, "vd")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("virtio disk target '%s' must be named vdX"),
                           disk->dst);
            return -1;
        }
        if (disk->bus == VIR_DOMAIN_DISK_BUS_VIRTIO &&
            disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': a cdrom cannot be on the virtio bus"),
                           disk->dst);
            return -1;
        }
        if (disk->src->path &&
            disk->src->type != VIR_STORAGE_TYPE_FILE &&
            disk->src->type != VIR_STORAGE_TYPE_BLOCK) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': only file and block sources are supported"),
                           disk->dst);
            return -1;
        }
        if (disk->src->path &&
            disk->src->format != VIR_STORAGE_FILE_RAW &&
            disk->src->format != VIR_STORAGE_FILE_QCOW2) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': format '%s' is not supported (use raw or qcow2)"),
                           disk->dst,
                           NULLSTR(virStorageFileFormatTypeToString(disk->src->format)));
            return -1;
        }
        if (disk->serial && strpbrk(disk->serial, "\r\n")) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': serial '%s' contains a line break"),
                           disk->dst, disk->serial);
            return -1;
        }
        if (disk->cache && qemuCacheModeTypeFromString(disk->cache) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': unknown cache mode '%s'"),
                           disk->dst, disk->cache);
            return -1;
        }
        if (disk->io && qemuIOModeTypeFromString(disk->io) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': unknown io mode '%s'"),
                           disk->dst, disk->io);
            return -1;
        }
        if (disk->discard && qemuDiscardModeTypeFromString(disk->discard) < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': unknown discard mode '%s'"),
                           disk->dst, disk->discard);
            return -1;
        }
        for (j = 0; j < i; j++) {
            if (g_str_equal(def->disks[j]->dst, disk->dst)) {
                virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                               _("disk target '%s' is used twice"), disk->dst);
                return -1;
            }
        }
    }
    return 0;
}

int
qemuAssignDeviceAliases(virDomainDef *def)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        virDomainDiskDef *disk = def->disks[i];
        int idx = qemuDiskTargetIndex(disk->dst);

        if (idx < 0) {
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk target '%s' is not of the form vdX, sdX or hdX"),
                           NULLSTR(disk->dst));
            return -1;
        }
        g_free(disk->alias);
        switch ((virDomainDiskBus) disk->bus) {
        case VIR_DOMAIN_DISK_BUS_VIRTIO:
            disk->alias = g_strdup_printf("virtio-disk%d", idx);
            break;
        case VIR_DOMAIN_DISK_BUS_SCSI:
            disk->alias = g_strdup_printf("scsi0-0-0-%d", idx);
            break;
        case VIR_DOMAIN_DISK_BUS_SATA:
            disk->alias = g_strdup_printf("sata0-0-%d", idx);
            break;
        case VIR_DOMAIN_DISK_BUS_IDE:
            disk->alias = g_strdup_printf("ide0-%d-%d", idx / 2, idx % 2);
            break;
        case VIR_DOMAIN_DISK_BUS_NONE:
        case VIR_DOMAIN_DISK_BUS_FDC:
        case VIR_DOMAIN_DISK_BUS_XEN:
        case VIR_DOMAIN_DISK_BUS_USB:
        case VIR_DOMAIN_DISK_BUS_UML:
        case VIR_DOMAIN_DISK_BUS_SD:
        case VIR_DOMAIN_DISK_BUS_LAST:
        default:
            disk->alias = NULL;
            virReportError(VIR_ERR_CONFIG_UNSUPPORTED,
                           _("disk '%s': bus '%s' is not supported"),
                           disk->dst,
                           NULLSTR(virDomainDiskBusTypeToString(disk->bus)));
            return -1;
        }
    }
    return 0;
}

void
qemuAssignNodeNames(virDomainDef *def, unsigned int *nextIndex)
{
    size_t i;

    for (i = 0; i < def->ndisks; i++) {
        virStorageSource *src;

        for (src = def->disks[i]->src; src && src->type != VIR_STORAGE_TYPE_NONE;
             src = src->backingStore) {
            if (!src->path)
                break;
            src->id = (*nextIndex)++;
            g_free(src->nodeformat);
            g_free(src->nodestorage);
            src->nodeformat = qemuBlockFormatNodeName(src);
            src->nodestorage = qemuBlockStorageNodeName(src);
        }
    }
}

char *
qemuBlockFormatNodeName(const virStorageSource *src)
{
    return g_strdup_printf("libvirt-%u-format", src->id);
}

char *
qemuBlockStorageNodeName(const virStorageSource *src)
{
    return g_strdup_printf("libvirt-%u-storage", src->id);
}

/* cache.direct / cache.no-flush for a cache mode. */
static void
qemuBlockCacheProps(const char *cache, bool *direct, bool *noflush)
{
    int mode = cache ? qemuCacheModeTypeFromString(cache) : QEMU_CACHE_DEFAULT;

    *direct = mode == QEMU_CACHE_NONE || mode == QEMU_CACHE_DIRECTSYNC;
    *noflush = mode == QEMU_CACHE_UNSAFE;
}

static bool
qemuDiskWriteCacheOff(const virDomainDiskDef *disk)
{
    int mode = disk->cache ? qemuCacheModeTypeFromString(disk->cache) : QEMU_CACHE_DEFAULT;

    return mode == QEMU_CACHE_WRITETHROUGH || mode == QEMU_CACHE_DIRECTSYNC;
}

static json_object *
qemuBlockCacheObject(const virDomainDiskDef *disk)
{
    json_object *cache = json_object_new_object();
    bool direct, noflush;

    qemuBlockCacheProps(disk->cache, &direct, &noflush);
    json_object_object_add(cache, "direct", json_object_new_boolean(direct));
    json_object_object_add(cache, "no-flush", json_object_new_boolean(noflush));
    return cache;
}

static char *
qemuJSONToArg(json_object *obj)
{
    char *ret = g_strdup(json_object_to_json_string_ext(obj,
                         JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));

    json_object_put(obj);
    return ret;
}

/* The properties of the storage node of one image. */
static json_object *
qemuBuildStorageNodeProps(const virDomainDiskDef *disk, const virStorageSource *src,
                          bool top)
{
    json_object *props = json_object_new_object();

    json_object_object_add(props, "driver",
                           json_object_new_string(qemuBlockDriverTypeToString(src->type)));
    json_object_object_add(props, "filename", json_object_new_string(src->path));
    json_object_object_add(props, "node-name", json_object_new_string(src->nodestorage));
    if (top && disk->io && !g_str_equal(disk->io, "default"))
        json_object_object_add(props, "aio", json_object_new_string(disk->io));
    json_object_object_add(props, "auto-read-only", json_object_new_boolean(true));
    if (top && disk->discard && !g_str_equal(disk->discard, "default"))
        json_object_object_add(props, "discard", json_object_new_string(disk->discard));
    json_object_object_add(props, "cache", qemuBlockCacheObject(disk));
    return props;
}

/* The properties of the format node of one image. */
static json_object *
qemuBuildFormatNodeProps(const virDomainDiskDef *disk, const virStorageSource *src,
                         bool top)
{
    json_object *props = json_object_new_object();
    const virStorageSource *backing = src->backingStore;

    json_object_object_add(props, "node-name", json_object_new_string(src->nodeformat));
    json_object_object_add(props, "read-only",
                           json_object_new_boolean(!top || disk->src->readonly));
    if (top && disk->discard && !g_str_equal(disk->discard, "default"))
        json_object_object_add(props, "discard", json_object_new_string(disk->discard));
    json_object_object_add(props, "cache", qemuBlockCacheObject(disk));
    json_object_object_add(props, "driver",
                           json_object_new_string(virStorageFileFormatTypeToString(src->format)));
    json_object_object_add(props, "file", json_object_new_string(src->nodestorage));
    if (src->format == VIR_STORAGE_FILE_QCOW2) {
        if (backing && backing->nodeformat && backing->path)
            json_object_object_add(props, "backing",
                                   json_object_new_string(backing->nodeformat));
        else if (backing && backing->type == VIR_STORAGE_TYPE_NONE)
            json_object_object_add(props, "backing", NULL);
        else if (!backing)
            json_object_object_add(props, "backing", NULL);
    }
    return props;
}

GPtrArray *
qemuBuildDiskBlockdevProps(const virDomainDiskDef *disk)
{
    GPtrArray *nodes = g_ptr_array_new_with_free_func((GDestroyNotify) virJSONValueFree);
    g_autoptr(GPtrArray) chain = g_ptr_array_new();
    const virStorageSource *src;
    gint i;

    for (src = disk->src; src && src->path && src->nodeformat; src = src->backingStore)
        g_ptr_array_add(chain, (gpointer) src);

    /* backing images first: a node can only refer to existing nodes */
    for (i = chain->len - 1; i >= 0; i--) {
        const virStorageSource *s = g_ptr_array_index(chain, i);

        g_ptr_array_add(nodes, qemuBuildStorageNodeProps(disk, s, i == 0));
        g_ptr_array_add(nodes, qemuBuildFormatNodeProps(disk, s, i == 0));
    }
    return nodes;
}

static void
qemuBuildDiskBlockdevs(GPtrArray *argv, const virDomainDiskDef *disk)
{
    g_autoptr(GPtrArray) nodes = qemuBuildDiskBlockdevProps(disk);
    guint i;

    for (i = 0; i < nodes->len; i++) {
        g_ptr_array_add(argv, g_strdup("-blockdev"));
        g_ptr_array_add(argv, qemuJSONToArg(json_object_get(g_ptr_array_index(nodes, i))));
    }
}

static void
qemuBuildDiskDevice(GPtrArray *argv, const virDomainDiskDef *disk,
                    unsigned int bootindex)
{
    g_autoptr(GString) dev = g_string_new(NULL);
    int idx = qemuDiskTargetIndex(disk->dst);
    bool cdrom = disk->device == VIR_DOMAIN_DISK_DEVICE_CDROM;

    switch ((virDomainDiskBus) disk->bus) {
    case VIR_DOMAIN_DISK_BUS_VIRTIO:
        g_string_append(dev, "virtio-blk-pci");
        break;
    case VIR_DOMAIN_DISK_BUS_SCSI:
        g_string_append_printf(dev, "%s,bus=scsi0.0,channel=0,scsi-id=0,lun=%d",
                               cdrom ? "scsi-cd" : "scsi-hd", idx);
        break;
    case VIR_DOMAIN_DISK_BUS_SATA:
        g_string_append_printf(dev, "%s,bus=ide.%d", cdrom ? "ide-cd" : "ide-hd", idx);
        break;
    case VIR_DOMAIN_DISK_BUS_IDE:
    case VIR_DOMAIN_DISK_BUS_NONE:
    case VIR_DOMAIN_DISK_BUS_FDC:
    case VIR_DOMAIN_DISK_BUS_XEN:
    case VIR_DOMAIN_DISK_BUS_USB:
    case VIR_DOMAIN_DISK_BUS_UML:
    case VIR_DOMAIN_DISK_BUS_SD:
    case VIR_DOMAIN_DISK_BUS_LAST:
        break;
    }
    if (disk->src->path && disk->src->nodeformat)
        g_string_append_printf(dev, ",drive=%s", disk->src->nodeformat);
    g_string_append_printf(dev, ",id=%s", disk->alias);
    if (bootindex)
        g_string_append_printf(dev, ",bootindex=%u", bootindex);
    if (disk->serial) {
        g_autofree char *serial = virQEMUEscapeComma(disk->serial);

        g_string_append_printf(dev, ",serial=%s", serial);
    }
    if (qemuDiskWriteCacheOff(disk))
        g_string_append(dev, ",write-cache=off");
    g_ptr_array_add(argv, g_strdup("-device"));
    g_ptr_array_add(argv, g_string_free(g_steal_pointer(&dev), FALSE));
}

static void
qemuArgAdd(GPtrArray *argv, const char *opt, char *val)
{
    g_ptr_array_add(argv, g_strdup(opt));
    if (val)
        g_ptr_array_add(argv, val);
}

/* -chardev of serial port number n: a pty, nothing, or a file; with
 * <log file=''> QEMU also copies the output into that file.  Paths are
 * values of QEMU's option syntax, so their commas are doubled. */
static char *
qemuBuildSerialChardev(const virDomainXMLKept *dev, const char *type,
                       unsigned int n)
{
    g_autoptr(GString) chr = g_string_new(NULL);
    const virDomainChrSourceDef *src = dev->chr;

    if (g_str_equal(type, "null"))
        g_string_append(chr, "null");
    else if (g_str_equal(type, "file"))
        g_string_append(chr, "file");
    else
        g_string_append(chr, "pty");
    g_string_append_printf(chr, ",id=charserial%u", n);
    if (src && src->path && g_str_equal(type, "file")) {
        g_autofree char *path = virQEMUEscapeComma(src->path);

        g_string_append_printf(chr, ",path=%s", path);
        if (src->append)
            g_string_append(chr, ",append=on");
    }
    if (src && src->logfile) {
        g_autofree char *log = virQEMUEscapeComma(src->logfile);

        g_string_append_printf(chr, ",logfile=%s,logappend=%s", log,
                               src->logappend ? "on" : "off");
    }
    return g_string_free(g_steal_pointer(&chr), FALSE);
}

/* Devices kept from the definition that Fleece runs: pty/null/file
 * serial ports and consoles, user-mode network interfaces. */
static void
qemuBuildKeptDevices(GPtrArray *argv, const virDomainDef *def)
{
    unsigned int nserial = 0;
    unsigned int nnet = 0;
    bool console = false;
    size_t i;

    for (i = 0; i < def->devices_extra.nitems; i++) {
        const virDomainXMLKept *dev = def->devices_extra.items[i];
        const char *type = dev->type ? dev->type : "pty";

        if (g_str_equal(dev->name, "serial") ||
            (g_str_equal(dev->name, "console") && nserial == 0 && !console)) {
            /* a console without a serial port is the first serial port;
             * with one it is that port again */
            console |= g_str_equal(dev->name, "console");
            qemuArgAdd(argv, "-chardev",
                       qemuBuildSerialChardev(dev, type, nserial));
            qemuArgAdd(argv, "-device",
                       g_strdup_printf("isa-serial,chardev=charserial%u,id=serial%u",
                                       nserial, nserial));
            nserial++;
        } else if (g_str_equal(dev->name, "interface") && dev->type &&
                   g_str_equal(dev->type, "user")) {
            qemuArgAdd(argv, "-netdev", g_strdup_printf("user,id=hostnet%u", nnet));
            qemuArgAdd(argv, "-device",
                       g_strdup_printf("%s,netdev=hostnet%u,id=net%u",
                                       dev->model && g_str_equal(dev->model, "e1000") ?
                                       "e1000" : "virtio-net-pci", nnet, nnet));
            nnet++;
        }
    }
}

char **
qemuBuildCommandLine(const virDomainDef *def, const qemuCommandParams *params)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
    char uuidstr[VIR_UUID_STRING_BUFLEN];
    bool hasScsi = false;
    bool hasSata = false;
    bool q35 = def->os_machine && strstr(def->os_machine, "q35");
    unsigned int bootindex = 1;
    g_autofree char *name = virQEMUEscapeComma(def->name);
    g_autofree char *machine = virQEMUEscapeComma(def->os_machine ? def->os_machine
                                                                  : "q35");
    size_t i;

    /* every value from the definition that lands in a key=value list
     * has its commas doubled: a comma would start the next option */
    g_ptr_array_add(argv, g_strdup(def->emulator ? def->emulator
                                                 : "qemu-system-x86_64"));
    qemuArgAdd(argv, "-name", g_strdup_printf("guest=%s,debug-threads=on", name));
    qemuArgAdd(argv, "-S", NULL);
    qemuArgAdd(argv, "-machine", g_strdup_printf("%s,usb=off", machine));
    qemuArgAdd(argv, "-accel", g_strdup(params->kvm ? "kvm" : "tcg"));
    if (def->cpu_mode && params->kvm &&
        (g_str_equal(def->cpu_mode, "host-passthrough") ||
         g_str_equal(def->cpu_mode, "host-model")))
        qemuArgAdd(argv, "-cpu", g_strdup("host"));
    qemuArgAdd(argv, "-m", g_strdup_printf("size=%lluk", def->memory_kib));
    qemuArgAdd(argv, "-smp", g_strdup_printf("%u", def->vcpus ? def->vcpus : 1));
    qemuArgAdd(argv, "-uuid", g_strdup(virUUIDFormat(def->uuid, uuidstr)));
    qemuArgAdd(argv, "-no-user-config", NULL);
    qemuArgAdd(argv, "-nodefaults", NULL);
    qemuArgAdd(argv, "-display", g_strdup("none"));
    {
        g_autofree char *qmp = virQEMUEscapeComma(params->qmpSocket);

        qemuArgAdd(argv, "-chardev",
                   g_strdup_printf("socket,id=charmonitor,path=%s,server=on,wait=off",
                                   qmp));
    }
    qemuArgAdd(argv, "-mon", g_strdup("chardev=charmonitor,id=monitor,mode=control"));
    if (params->pidfile)
        qemuArgAdd(argv, "-pidfile", g_strdup(params->pidfile));
    qemuArgAdd(argv, "-rtc", g_strdup("base=utc"));
    /* a guest power-off leaves QEMU running (status 'shutdown') so that
     * the driver sees why it stopped and quits it cleanly */
    qemuArgAdd(argv, "-no-shutdown", NULL);
    qemuArgAdd(argv, "-boot", g_strdup("strict=on"));
    /* direct kernel boot: each value is a whole argument QEMU does not
     * parse as options, so it goes as it is */
    if (def->os_kernel)
        qemuArgAdd(argv, "-kernel", g_strdup(def->os_kernel));
    if (def->os_initrd)
        qemuArgAdd(argv, "-initrd", g_strdup(def->os_initrd));
    if (def->os_cmdline)
        qemuArgAdd(argv, "-append", g_strdup(def->os_cmdline));

    for (i = 0; i < def->ndisks; i++) {
        hasScsi |= def->disks[i]->bus == VIR_DOMAIN_DISK_BUS_SCSI;
        hasSata |= def->disks[i]->bus == VIR_DOMAIN_DISK_BUS_SATA;
    }
    if (hasScsi)
        qemuArgAdd(argv, "-device", g_strdup("virtio-scsi-pci,id=scsi0"));
    if (hasSata && !q35)
        qemuArgAdd(argv, "-device", g_strdup("ich9-ahci,id=ide"));

    for (i = 0; i < def->ndisks; i++) {
        qemuBuildDiskBlockdevs(argv, def->disks[i]);
        qemuBuildDiskDevice(argv, def->disks[i],
                            def->disks[i]->device == VIR_DOMAIN_DISK_DEVICE_DISK &&
                            i == 0 ? bootindex : 0);
    }

    qemuBuildKeptDevices(argv, def);

    if (def->agent_socket) {
        g_auto(GStrv) agent = qemuAgentBuildArgv(def->agent_socket);

        for (i = 0; agent[i]; i++)
            g_ptr_array_add(argv, g_strdup(agent[i]));
    }
    qemuArgAdd(argv, "-msg", g_strdup("timestamp=on"));

    g_ptr_array_add(argv, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}

virJSONValue *
qemuBlockCacheStruct(const virDomainDiskDef *disk)
{
    bool direct, noflush;

    qemuBlockCacheProps(disk->cache, &direct, &noflush);
    return qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_CACHE,
                              "b:direct", direct, "b:no-flush", noflush, NULL);
}

const char *
qemuBlockDiscard(const virDomainDiskDef *disk)
{
    if (disk->discard && !g_str_equal(disk->discard, "default"))
        return disk->discard;
    return NULL;
}

virJSONValue *
qemuBlockFormatNodeStruct(const virDomainDiskDef *disk, const virStorageSource *src,
                          bool readonly)
{
    g_autoptr(virJSONValue) cache = qemuBlockCacheStruct(disk);
    const virStorageSource *backing = src->backingStore;
    bool top = src == disk->src;

    if (!cache)
        return NULL;
    if (src->format == VIR_STORAGE_FILE_QCOW2 && backing && backing->nodeformat)
        return qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS,
                                  "s:driver", virStorageFileFormatTypeToString(src->format),
                                  "s:node-name", src->nodeformat,
                                  "s:file", src->nodestorage,
                                  "s:backing", backing->nodeformat,
                                  "b:read-only", readonly, "v:cache", &cache,
                                  "S:discard", top ? qemuBlockDiscard(disk) : NULL, NULL);
    if (src->format == VIR_STORAGE_FILE_QCOW2)
        return qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS,
                                  "s:driver", virStorageFileFormatTypeToString(src->format),
                                  "s:node-name", src->nodeformat,
                                  "s:file", src->nodestorage, "n:backing",
                                  "b:read-only", readonly, "v:cache", &cache,
                                  "S:discard", top ? qemuBlockDiscard(disk) : NULL, NULL);
    return qemuQMPStructBuild(QEMU_QMP_STRUCT_BLOCKDEV_OPTIONS,
                              "s:driver", virStorageFileFormatTypeToString(src->format),
                              "s:node-name", src->nodeformat,
                              "s:file", src->nodestorage,
                              "b:read-only", readonly, "v:cache", &cache,
                              "S:discard", top ? qemuBlockDiscard(disk) : NULL, NULL);
}

char *
qemuBuildStorageDaemonMonitorArg(const char *qmpSocket)
{
    g_autofree char *qmp = virQEMUEscapeComma(qmpSocket);

    return g_strdup_printf("socket,id=charmonitor,path=%s,server=on,wait=off", qmp);
}

char **
qemuBuildStorageDaemonCommandLine(const char *binary, const char *qmpSocket)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup(binary));
    qemuArgAdd(argv, "--chardev", qemuBuildStorageDaemonMonitorArg(qmpSocket));
    qemuArgAdd(argv, "--monitor", g_strdup("chardev=charmonitor"));
    g_ptr_array_add(argv, NULL);
    return (char **) g_ptr_array_free(g_steal_pointer(&argv), FALSE);
}

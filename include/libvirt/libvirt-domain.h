/*
 * libvirt-domain.h: domains, their jobs, backups and events
 *
 * The subset of libvirt's domain API that Fleece implements, with
 * libvirt's names and values.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#ifndef FLEECE_LIBVIRT_DOMAIN_H
# define FLEECE_LIBVIRT_DOMAIN_H

# include <libvirt/libvirt-common.h>
# include <libvirt/libvirt-host.h>

# ifdef __cplusplus
extern "C" {
# endif

/* ---- State ---------------------------------------------------------- */

/* What a domain is doing. */
typedef enum {
    VIR_DOMAIN_NOSTATE = 0,
    VIR_DOMAIN_RUNNING = 1,
    VIR_DOMAIN_BLOCKED = 2,
    VIR_DOMAIN_PAUSED = 3,
    VIR_DOMAIN_SHUTDOWN = 4,
    VIR_DOMAIN_SHUTOFF = 5,
    VIR_DOMAIN_CRASHED = 6,
    VIR_DOMAIN_PMSUSPENDED = 7,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_LAST
# endif
} virDomainState;

/* Why a domain is in its state; one enum per virDomainState. */
typedef enum {
    VIR_DOMAIN_NOSTATE_UNKNOWN = 0,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_NOSTATE_LAST
# endif
} virDomainNostateReason;

typedef enum {
    VIR_DOMAIN_RUNNING_UNKNOWN = 0,
    VIR_DOMAIN_RUNNING_BOOTED = 1,
    VIR_DOMAIN_RUNNING_MIGRATED = 2,
    VIR_DOMAIN_RUNNING_RESTORED = 3,
    VIR_DOMAIN_RUNNING_FROM_SNAPSHOT = 4,
    VIR_DOMAIN_RUNNING_UNPAUSED = 5,
    VIR_DOMAIN_RUNNING_MIGRATION_CANCELED = 6,
    VIR_DOMAIN_RUNNING_SAVE_CANCELED = 7,
    VIR_DOMAIN_RUNNING_WAKEUP = 8,
    VIR_DOMAIN_RUNNING_CRASHED = 9,
    VIR_DOMAIN_RUNNING_POSTCOPY = 10,
    VIR_DOMAIN_RUNNING_POSTCOPY_FAILED = 11,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_RUNNING_LAST
# endif
} virDomainRunningReason;

typedef enum {
    VIR_DOMAIN_BLOCKED_UNKNOWN = 0,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_BLOCKED_LAST
# endif
} virDomainBlockedReason;

typedef enum {
    VIR_DOMAIN_PAUSED_UNKNOWN = 0,
    VIR_DOMAIN_PAUSED_USER = 1,
    VIR_DOMAIN_PAUSED_MIGRATION = 2,
    VIR_DOMAIN_PAUSED_SAVE = 3,
    VIR_DOMAIN_PAUSED_DUMP = 4,
    VIR_DOMAIN_PAUSED_IOERROR = 5,
    VIR_DOMAIN_PAUSED_WATCHDOG = 6,
    VIR_DOMAIN_PAUSED_FROM_SNAPSHOT = 7,
    VIR_DOMAIN_PAUSED_SHUTTING_DOWN = 8,
    VIR_DOMAIN_PAUSED_SNAPSHOT = 9,
    VIR_DOMAIN_PAUSED_CRASHED = 10,
    VIR_DOMAIN_PAUSED_STARTING_UP = 11,
    VIR_DOMAIN_PAUSED_POSTCOPY = 12,
    VIR_DOMAIN_PAUSED_POSTCOPY_FAILED = 13,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_PAUSED_LAST
# endif
} virDomainPausedReason;

typedef enum {
    VIR_DOMAIN_SHUTDOWN_UNKNOWN = 0,
    VIR_DOMAIN_SHUTDOWN_USER = 1,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_SHUTDOWN_LAST
# endif
} virDomainShutdownReason;

typedef enum {
    VIR_DOMAIN_SHUTOFF_UNKNOWN = 0,
    VIR_DOMAIN_SHUTOFF_SHUTDOWN = 1,
    VIR_DOMAIN_SHUTOFF_DESTROYED = 2,
    VIR_DOMAIN_SHUTOFF_CRASHED = 3,
    VIR_DOMAIN_SHUTOFF_MIGRATED = 4,
    VIR_DOMAIN_SHUTOFF_SAVED = 5,
    VIR_DOMAIN_SHUTOFF_FAILED = 6,
    VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT = 7,
    VIR_DOMAIN_SHUTOFF_DAEMON = 8,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_SHUTOFF_LAST
# endif
} virDomainShutoffReason;

typedef enum {
    VIR_DOMAIN_CRASHED_UNKNOWN = 0,
    VIR_DOMAIN_CRASHED_PANICKED = 1,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_CRASHED_LAST
# endif
} virDomainCrashedReason;

typedef enum {
    VIR_DOMAIN_PMSUSPENDED_UNKNOWN = 0,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_PMSUSPENDED_LAST
# endif
} virDomainPMSuspendedReason;

/* Summary returned by virDomainGetInfo. */
typedef struct _virDomainInfo virDomainInfo;
struct _virDomainInfo {
    unsigned char state;        /* a virDomainState */
    unsigned long maxMem;       /* maximum memory, KiB */
    unsigned long memory;       /* current memory, KiB */
    unsigned short nrVirtCpu;   /* number of virtual CPUs */
    unsigned long long cpuTime; /* CPU time used, nanoseconds */
};
typedef virDomainInfo *virDomainInfoPtr;

/* ---- Flags ---------------------------------------------------------- */

/* Flags of virDomainCreateXML and virDomainCreateWithFlags. */
typedef enum {
    VIR_DOMAIN_NONE = 0,
    VIR_DOMAIN_START_PAUSED = 1 << 0,       /* leave the CPUs stopped */
    VIR_DOMAIN_START_AUTODESTROY = 1 << 1,  /* kill when the connection ends */
    VIR_DOMAIN_START_BYPASS_CACHE = 1 << 2,
    VIR_DOMAIN_START_FORCE_BOOT = 1 << 3,
    VIR_DOMAIN_START_VALIDATE = 1 << 4,     /* validate XML against schema */
    VIR_DOMAIN_START_RESET_NVRAM = 1 << 5,
} virDomainCreateFlags;

/* Flags of virDomainGetXMLDesc. */
typedef enum {
    VIR_DOMAIN_XML_SECURE = (1 << 0),     /* include secrets */
    VIR_DOMAIN_XML_INACTIVE = (1 << 1),   /* the persistent definition */
    VIR_DOMAIN_XML_UPDATE_CPU = (1 << 2),
    VIR_DOMAIN_XML_MIGRATABLE = (1 << 3),
} virDomainXMLFlags;

/* Flags of virDomainDefineXMLFlags. */
typedef enum {
    VIR_DOMAIN_DEFINE_VALIDATE = (1 << 0), /* validate XML against schema */
} virDomainDefineFlags;

/* Flags of virDomainUndefineFlags. */
typedef enum {
    VIR_DOMAIN_UNDEFINE_MANAGED_SAVE = (1 << 0),
    VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA = (1 << 1),
    VIR_DOMAIN_UNDEFINE_NVRAM = (1 << 2),
    VIR_DOMAIN_UNDEFINE_KEEP_NVRAM = (1 << 3),
    VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA = (1 << 4), /* drop checkpoint
                                                            metadata too */
    VIR_DOMAIN_UNDEFINE_TPM = (1 << 5),
    VIR_DOMAIN_UNDEFINE_KEEP_TPM = (1 << 6),
} virDomainUndefineFlagsValues;

/* ---- Life cycle ----------------------------------------------------- */

/*
 * virDomainDefineXML:
 * @conn: the connection (read-write)
 * @xml: the domain's XML description
 *
 * Makes the domain persistent (or updates its persistent definition).
 *
 * Returns a new domain handle (release with virDomainFree) or NULL.
 * Errors: VIR_ERR_INVALID_CONN, VIR_ERR_INVALID_ARG,
 * VIR_ERR_OPERATION_DENIED, VIR_ERR_NO_SUPPORT, driver errors.
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainDefineXML(virConnectPtr conn, const char *xml);

/*
 * virDomainDefineXMLFlags:
 * @conn: the connection (read-write)
 * @xml: the domain's XML description
 * @flags: bitwise-OR of virDomainDefineFlags
 *
 * As virDomainDefineXML, with flags.
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainDefineXMLFlags(virConnectPtr conn, const char *xml,
                                     unsigned int flags);

/*
 * virDomainUndefine:
 * @domain: the domain (read-write connection)
 *
 * Removes the persistent definition; a running domain becomes transient.
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainUndefine(virDomainPtr domain);

/*
 * virDomainUndefineFlags:
 * @domain: the domain (read-write connection)
 * @flags: bitwise-OR of virDomainUndefineFlagsValues
 *
 * As virDomainUndefine; an inactive domain that owns checkpoints needs
 * VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainUndefineFlags(virDomainPtr domain, unsigned int flags);

/*
 * virDomainCreate:
 * @domain: a defined, inactive domain (read-write connection)
 *
 * Starts the domain.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainCreate(virDomainPtr domain);

/*
 * virDomainCreateWithFlags:
 * @domain: a defined, inactive domain (read-write connection)
 * @flags: bitwise-OR of virDomainCreateFlags
 *
 * Starts the domain.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainCreateWithFlags(virDomainPtr domain, unsigned int flags);

/*
 * virDomainCreateXML:
 * @conn: the connection (read-write)
 * @xmlDesc: the domain's XML description
 * @flags: bitwise-OR of virDomainCreateFlags
 *
 * Starts a transient domain.
 *
 * Returns a new domain handle or NULL.
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainCreateXML(virConnectPtr conn, const char *xmlDesc,
                                unsigned int flags);

/*
 * virDomainShutdown:
 * @domain: a running domain (read-write connection)
 *
 * Asks the guest to power off.  Returns 0 once asked, or -1.
 *
 * Since: 0.1.0
 */
int virDomainShutdown(virDomainPtr domain);

/*
 * virDomainDestroy:
 * @domain: a running domain (read-write connection)
 *
 * Stops the domain at once (the guest is not asked).  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainDestroy(virDomainPtr domain);

/*
 * virDomainSuspend:
 * @domain: a running domain (read-write connection)
 *
 * Pauses the guest's CPUs.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainSuspend(virDomainPtr domain);

/*
 * virDomainResume:
 * @domain: a paused domain (read-write connection)
 *
 * Lets the guest's CPUs run again.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainResume(virDomainPtr domain);

/* ---- Lookup and properties ----------------------------------------- */

/*
 * virDomainLookupByName:
 * @conn: the connection
 * @name: the domain's name
 *
 * Returns a new domain handle, or NULL (VIR_ERR_NO_DOMAIN if unknown).
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainLookupByName(virConnectPtr conn, const char *name);

/*
 * virDomainLookupByUUID:
 * @conn: the connection
 * @uuid: the domain's binary UUID (VIR_UUID_BUFLEN bytes)
 *
 * Returns a new domain handle, or NULL (VIR_ERR_NO_DOMAIN if unknown).
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainLookupByUUID(virConnectPtr conn,
                                   const unsigned char *uuid);

/*
 * virDomainLookupByUUIDString:
 * @conn: the connection
 * @uuid: the domain's UUID in printed form
 *
 * Returns a new domain handle, or NULL (VIR_ERR_INVALID_ARG for a
 * malformed UUID, VIR_ERR_NO_DOMAIN if unknown).
 *
 * Since: 0.1.0
 */
virDomainPtr virDomainLookupByUUIDString(virConnectPtr conn,
                                         const char *uuid);

/*
 * virDomainGetXMLDesc:
 * @domain: the domain
 * @flags: bitwise-OR of virDomainXMLFlags; VIR_DOMAIN_XML_SECURE is
 *         refused on a read-only connection
 *
 * Returns the domain's XML description (caller frees), or NULL.
 *
 * Since: 0.1.0
 */
char *virDomainGetXMLDesc(virDomainPtr domain, unsigned int flags);

/*
 * virDomainGetState:
 * @domain: the domain
 * @state: receives a virDomainState
 * @reason: if not NULL, receives the matching reason enum value
 * @flags: must be 0
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetState(virDomainPtr domain, int *state, int *reason,
                      unsigned int flags);

/*
 * virDomainGetInfo:
 * @domain: the domain
 * @info: filled in
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetInfo(virDomainPtr domain, virDomainInfoPtr info);

/*
 * virDomainIsActive:
 * @domain: the domain
 *
 * Returns 1 if running (or paused), 0 if not, -1 on error.
 *
 * Since: 0.1.0
 */
int virDomainIsActive(virDomainPtr domain);

/*
 * virDomainIsPersistent:
 * @domain: the domain
 *
 * Returns 1 if it has a persistent definition, 0 if transient, -1 on
 * error.
 *
 * Since: 0.1.0
 */
int virDomainIsPersistent(virDomainPtr domain);

/*
 * virDomainGetName:
 * @domain: the domain
 *
 * Returns the name, valid as long as the handle, or NULL
 * (VIR_ERR_INVALID_DOMAIN).
 *
 * Since: 0.1.0
 */
const char *virDomainGetName(virDomainPtr domain);

/*
 * virDomainGetUUID:
 * @domain: the domain
 * @uuid: buffer of VIR_UUID_BUFLEN bytes
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetUUID(virDomainPtr domain, unsigned char *uuid);

/*
 * virDomainGetUUIDString:
 * @domain: the domain
 * @buf: buffer of VIR_UUID_STRING_BUFLEN bytes
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetUUIDString(virDomainPtr domain, char *buf);

/*
 * virDomainGetID:
 * @domain: the domain
 *
 * Returns the hypervisor's ID of a running domain, or (unsigned int)-1
 * for an inactive domain or on error.
 *
 * Since: 0.1.0
 */
unsigned int virDomainGetID(virDomainPtr domain);

/*
 * virDomainGetConnect:
 * @domain: the domain
 *
 * Returns the connection the handle belongs to (no reference added), or
 * NULL.
 *
 * Since: 0.1.0
 */
virConnectPtr virDomainGetConnect(virDomainPtr domain);

/*
 * virDomainRef:
 * @domain: the domain
 *
 * Adds a reference, dropped with virDomainFree.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainRef(virDomainPtr domain);

/*
 * virDomainFree:
 * @domain: the domain
 *
 * Drops a reference to the handle; the domain itself is untouched.
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainFree(virDomainPtr domain);

/* ---- Guest file systems ------------------------------------------- */

/*
 * virDomainFSFreeze:
 * @dom: a running domain with a guest agent (read-write connection)
 * @mountpoints: mount points to freeze, or NULL for all
 * @nmountpoints: number of entries in @mountpoints (0 if NULL)
 * @flags: must be 0
 *
 * Returns the number of frozen file systems, or -1.
 *
 * Since: 0.1.0
 */
int virDomainFSFreeze(virDomainPtr dom, const char **mountpoints,
                      unsigned int nmountpoints, unsigned int flags);

/*
 * virDomainFSThaw:
 * @dom: a running domain with a guest agent (read-write connection)
 * @mountpoints: mount points to thaw, or NULL for all
 * @nmountpoints: number of entries in @mountpoints (0 if NULL)
 * @flags: must be 0
 *
 * Returns the number of thawed file systems, or -1.
 *
 * Since: 0.1.0
 */
int virDomainFSThaw(virDomainPtr dom, const char **mountpoints,
                    unsigned int nmountpoints, unsigned int flags);

/* ---- Backup --------------------------------------------------------- */

/* Flags of virDomainBackupBegin.  Fleece's own flags start at 1 << 24,
 * clear of the values libvirt may use. */
typedef enum {
    /* target and scratch images exist already and are used as they are */
    VIR_DOMAIN_BACKUP_BEGIN_REUSE_EXTERNAL = (1 << 0),
    /* freeze the guest's file systems (guest agent) around the start of
     * the backup */
    VIR_DOMAIN_BACKUP_BEGIN_QUIESCE = (1 << 24), /* Fleece extension */
} virDomainBackupBeginFlags;

/*
 * virDomainBackupBegin:
 * @domain: a running domain (read-write connection)
 * @backupXML: a <domainbackup> description
 * @checkpointXML: optional <domaincheckpoint> created at the backup's
 *                 point in time, or NULL
 * @flags: bitwise-OR of virDomainBackupBeginFlags
 *
 * Starts a push or pull backup job.  Progress is read with
 * virDomainGetJobStats, the end is signalled by
 * VIR_DOMAIN_EVENT_ID_JOB_COMPLETED; a pull backup is ended with
 * virDomainAbortJob (or virDomainBackupEnd).
 *
 * Returns 0 once the job runs, or -1 (VIR_ERR_OPERATION_DENIED on a
 * read-only connection, VIR_ERR_INVALID_ARG, driver errors).
 *
 * Since: 0.1.0
 */
int virDomainBackupBegin(virDomainPtr domain, const char *backupXML,
                         const char *checkpointXML, unsigned int flags);

/*
 * virDomainBackupGetXMLDesc:
 * @domain: a domain with a running backup job
 * @flags: must be 0
 *
 * Returns the effective <domainbackup> description (caller frees), or
 * NULL (VIR_ERR_NO_DOMAIN_BACKUP when no backup runs).
 *
 * Since: 0.1.0
 */
char *virDomainBackupGetXMLDesc(virDomainPtr domain, unsigned int flags);

/*
 * virDomainBackupEnd:
 * @domain: a domain with a running backup job (read-write connection)
 * @flags: must be 0
 *
 * Ends the running backup: a pull backup finishes successfully, a push
 * backup still copying is cancelled.  Returns 0 or -1
 * (VIR_ERR_NO_DOMAIN_BACKUP when no backup runs).
 *
 * Since: 0.1.0
 */
int virDomainBackupEnd(virDomainPtr domain, unsigned int flags); /* Fleece extension */

/* ---- Jobs ----------------------------------------------------------- */

/* Kind of job, as reported by virDomainGetJobInfo/virDomainGetJobStats. */
typedef enum {
    VIR_DOMAIN_JOB_NONE = 0,
    VIR_DOMAIN_JOB_BOUNDED = 1,
    VIR_DOMAIN_JOB_UNBOUNDED = 2,
    VIR_DOMAIN_JOB_COMPLETED = 3,
    VIR_DOMAIN_JOB_FAILED = 4,
    VIR_DOMAIN_JOB_CANCELLED = 5,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_JOB_LAST
# endif
} virDomainJobType;

/* Legacy job statistics of virDomainGetJobInfo. */
typedef struct _virDomainJobInfo virDomainJobInfo;
struct _virDomainJobInfo {
    int type;                          /* a virDomainJobType */
    unsigned long long timeElapsed;    /* ms */
    unsigned long long timeRemaining;  /* ms, bounded jobs only */
    unsigned long long dataTotal;      /* bytes */
    unsigned long long dataProcessed;
    unsigned long long dataRemaining;
    unsigned long long memTotal;
    unsigned long long memProcessed;
    unsigned long long memRemaining;
    unsigned long long fileTotal;
    unsigned long long fileProcessed;
    unsigned long long fileRemaining;
};
typedef virDomainJobInfo *virDomainJobInfoPtr;

/* Flags of virDomainGetJobStats. */
typedef enum {
    VIR_DOMAIN_JOB_STATS_COMPLETED = 1 << 0,      /* the last finished job */
    VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED = 1 << 1, /* and keep it stored */
} virDomainGetJobStatsFlags;

/* Flags of virDomainAbortJobFlags. */
typedef enum {
    VIR_DOMAIN_ABORT_JOB_POSTCOPY = 1 << 0,
} virDomainAbortJobFlagsValues;

/* What a job does (the VIR_DOMAIN_JOB_OPERATION field). */
typedef enum {
    VIR_DOMAIN_JOB_OPERATION_UNKNOWN = 0,
    VIR_DOMAIN_JOB_OPERATION_START = 1,
    VIR_DOMAIN_JOB_OPERATION_SAVE = 2,
    VIR_DOMAIN_JOB_OPERATION_RESTORE = 3,
    VIR_DOMAIN_JOB_OPERATION_MIGRATION_IN = 4,
    VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT = 5,
    VIR_DOMAIN_JOB_OPERATION_SNAPSHOT = 6,
    VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_REVERT = 7,
    VIR_DOMAIN_JOB_OPERATION_DUMP = 8,
    VIR_DOMAIN_JOB_OPERATION_BACKUP = 9,
    VIR_DOMAIN_JOB_OPERATION_SNAPSHOT_DELETE = 10,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_JOB_OPERATION_LAST
# endif
} virDomainJobOperation;

/* Typed-parameter names of virDomainGetJobStats and of the
 * JOB_COMPLETED event. */
# define VIR_DOMAIN_JOB_OPERATION "operation"               /* int */
# define VIR_DOMAIN_JOB_TIME_ELAPSED "time_elapsed"         /* ullong, ms */
# define VIR_DOMAIN_JOB_TIME_ELAPSED_NET "time_elapsed_net"
# define VIR_DOMAIN_JOB_TIME_REMAINING "time_remaining"
# define VIR_DOMAIN_JOB_DOWNTIME "downtime"
# define VIR_DOMAIN_JOB_DOWNTIME_NET "downtime_net"
# define VIR_DOMAIN_JOB_SETUP_TIME "setup_time"
# define VIR_DOMAIN_JOB_DATA_TOTAL "data_total"
# define VIR_DOMAIN_JOB_DATA_PROCESSED "data_processed"
# define VIR_DOMAIN_JOB_DATA_REMAINING "data_remaining"
# define VIR_DOMAIN_JOB_MEMORY_TOTAL "memory_total"
# define VIR_DOMAIN_JOB_MEMORY_PROCESSED "memory_processed"
# define VIR_DOMAIN_JOB_MEMORY_REMAINING "memory_remaining"
# define VIR_DOMAIN_JOB_MEMORY_CONSTANT "memory_constant"
# define VIR_DOMAIN_JOB_MEMORY_NORMAL "memory_normal"
# define VIR_DOMAIN_JOB_MEMORY_NORMAL_BYTES "memory_normal_bytes"
# define VIR_DOMAIN_JOB_MEMORY_BPS "memory_bps"
# define VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE "memory_dirty_rate"
# define VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE "memory_page_size"
# define VIR_DOMAIN_JOB_MEMORY_ITERATION "memory_iteration"
# define VIR_DOMAIN_JOB_MEMORY_POSTCOPY_REQS "memory_postcopy_requests"
# define VIR_DOMAIN_JOB_DISK_TOTAL "disk_total"             /* ullong, bytes */
# define VIR_DOMAIN_JOB_DISK_PROCESSED "disk_processed"     /* ullong, bytes */
# define VIR_DOMAIN_JOB_DISK_REMAINING "disk_remaining"     /* ullong, bytes */
# define VIR_DOMAIN_JOB_DISK_BPS "disk_bps"
# define VIR_DOMAIN_JOB_COMPRESSION_CACHE "compression_cache"
# define VIR_DOMAIN_JOB_COMPRESSION_BYTES "compression_bytes"
# define VIR_DOMAIN_JOB_COMPRESSION_PAGES "compression_pages"
# define VIR_DOMAIN_JOB_COMPRESSION_CACHE_MISSES "compression_cache_misses"
# define VIR_DOMAIN_JOB_COMPRESSION_OVERFLOW "compression_overflow"
# define VIR_DOMAIN_JOB_AUTO_CONVERGE_THROTTLE "auto_converge_throttle"
# define VIR_DOMAIN_JOB_SUCCESS "success"                   /* boolean */
# define VIR_DOMAIN_JOB_ERRMSG "errmsg"                     /* string */
# define VIR_DOMAIN_JOB_DISK_TEMP_USED "disk_temp_used"     /* ullong, bytes */
# define VIR_DOMAIN_JOB_DISK_TEMP_TOTAL "disk_temp_total"   /* ullong, bytes */

/*
 * virDomainGetJobInfo:
 * @dom: the domain
 * @info: filled in with the running job's statistics
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetJobInfo(virDomainPtr dom, virDomainJobInfoPtr info);

/*
 * virDomainGetJobStats:
 * @domain: the domain
 * @type: receives a virDomainJobType
 * @params: receives an array of statistics (free with virTypedParamsFree)
 * @nparams: receives the number of entries in *@params
 * @flags: bitwise-OR of virDomainGetJobStatsFlags;
 *         VIR_DOMAIN_JOB_STATS_KEEP_COMPLETED needs
 *         VIR_DOMAIN_JOB_STATS_COMPLETED
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainGetJobStats(virDomainPtr domain, int *type,
                         virTypedParameterPtr *params, int *nparams,
                         unsigned int flags);

/*
 * virDomainAbortJob:
 * @dom: the domain (read-write connection)
 *
 * Cancels the running job; ending a pull backup this way is a success.
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainAbortJob(virDomainPtr dom);

/*
 * virDomainAbortJobFlags:
 * @dom: the domain (read-write connection)
 * @flags: bitwise-OR of virDomainAbortJobFlagsValues
 *
 * As virDomainAbortJob, with flags.  Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainAbortJobFlags(virDomainPtr dom, unsigned int flags);

/* ---- Block jobs (as reported by events) ----------------------------- */

typedef enum {
    VIR_DOMAIN_BLOCK_JOB_TYPE_UNKNOWN = 0,
    VIR_DOMAIN_BLOCK_JOB_TYPE_PULL = 1,
    VIR_DOMAIN_BLOCK_JOB_TYPE_COPY = 2,
    VIR_DOMAIN_BLOCK_JOB_TYPE_COMMIT = 3,
    VIR_DOMAIN_BLOCK_JOB_TYPE_ACTIVE_COMMIT = 4,
    VIR_DOMAIN_BLOCK_JOB_TYPE_BACKUP = 5,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_BLOCK_JOB_TYPE_LAST
# endif
} virDomainBlockJobType;

typedef enum {
    VIR_DOMAIN_BLOCK_JOB_COMPLETED = 0,
    VIR_DOMAIN_BLOCK_JOB_FAILED = 1,
    VIR_DOMAIN_BLOCK_JOB_CANCELED = 2,
    VIR_DOMAIN_BLOCK_JOB_READY = 3,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_BLOCK_JOB_LAST
# endif
} virConnectDomainEventBlockJobStatus;

/* Flags of virDomainBlockJobAbort. */
typedef enum {
    VIR_DOMAIN_BLOCK_JOB_ABORT_ASYNC = 1 << 0, /* return at once */
    VIR_DOMAIN_BLOCK_JOB_ABORT_PIVOT = 1 << 1, /* finish an active commit:
                                                  the disk runs on the base */
} virDomainBlockJobAbortFlags;

/*
 * virDomainBlockJobAbort:
 * @dom: the domain (read-write connection)
 * @disk: the disk's target ("vda") or source path
 * @flags: bitwise-OR of virDomainBlockJobAbortFlags
 *
 * Ends the block job of @disk.  Without PIVOT the job is cancelled (an
 * active commit leaves the disk on its top image, a commit that has not
 * finished leaves the chain as it was).  With PIVOT an active commit in
 * its synchronised phase completes: the guest goes on writing to the base
 * image, the committed images leave the chain, and every checkpoint's
 * bitmap is carried into the base.  Waits for the job to go unless ASYNC.
 * Returns 0 or -1 (VIR_ERR_OPERATION_INVALID when no job runs on @disk,
 * or PIVOT before the job is ready).
 *
 * Since: 0.1.0
 */
int virDomainBlockJobAbort(virDomainPtr dom, const char *disk,
                           unsigned int flags);

/* Flags of virDomainGetBlockJobInfo. */
typedef enum {
    VIR_DOMAIN_BLOCK_JOB_INFO_BANDWIDTH_BYTES = 1 << 0, /* bandwidth in
                                                           bytes/s */
} virDomainBlockJobInfoFlags;

/* A position in a block job: bytes, between 0 and the end. */
typedef unsigned long long virDomainBlockJobCursor;

/* What virDomainGetBlockJobInfo reports. */
typedef struct _virDomainBlockJobInfo virDomainBlockJobInfo;
struct _virDomainBlockJobInfo {
    int type;                      /* virDomainBlockJobType */
    unsigned long bandwidth;       /* MiB/s, or bytes/s with the flag */
    virDomainBlockJobCursor cur;   /* progress so far */
    virDomainBlockJobCursor end;   /* progress at completion */
};
typedef virDomainBlockJobInfo *virDomainBlockJobInfoPtr;

/*
 * virDomainGetBlockJobInfo:
 * @dom: the domain
 * @disk: the disk's target ("vda") or source path
 * @info: filled with the job's type and progress
 * @flags: bitwise-OR of virDomainBlockJobInfoFlags
 *
 * Returns 1 when a block job runs on @disk (an active commit that
 * reached its synchronised phase has cur == end), 0 when none does (a
 * commit that finished meanwhile is completed by this call), -1 on
 * error.
 *
 * Since: 0.1.0
 */
int virDomainGetBlockJobInfo(virDomainPtr dom, const char *disk,
                             virDomainBlockJobInfoPtr info,
                             unsigned int flags);

/* Flags of virDomainBlockCommit. */
typedef enum {
    VIR_DOMAIN_BLOCK_COMMIT_SHALLOW = 1 << 0,  /* NULL base: the image
                                                  right below top */
    VIR_DOMAIN_BLOCK_COMMIT_DELETE = 1 << 1,   /* delete committed files */
    VIR_DOMAIN_BLOCK_COMMIT_ACTIVE = 1 << 2,   /* top is the active image:
                                                  two phases, then pivot */
    VIR_DOMAIN_BLOCK_COMMIT_RELATIVE = 1 << 3, /* keep relative backing
                                                  names */
    VIR_DOMAIN_BLOCK_COMMIT_BANDWIDTH_BYTES = 1 << 4, /* bandwidth in
                                                         bytes/s */
} virDomainBlockCommitFlags;

/*
 * virDomainBlockCommit:
 * @dom: the domain (running; read-write connection)
 * @disk: the disk's target ("vda") or source path
 * @base: the image the data goes into: a path of the chain or
 *        "vda[N]"; NULL = the bottom of the chain (with SHALLOW, the
 *        image below @top)
 * @top: the highest image committed; NULL = the active image
 * @bandwidth: limit in MiB/s (bytes/s with BANDWIDTH_BYTES), 0 = none
 * @flags: bitwise-OR of virDomainBlockCommitFlags
 *
 * Starts copying the data of @top and every image between it and @base
 * into @base.  A commit of images below the active one completes on its
 * own (see virDomainGetBlockJobInfo); committing the active image needs
 * ACTIVE and ends with virDomainBlockJobAbort (PIVOT to switch the disk
 * to @base).  Checkpoint bitmaps of the committed images are merged into
 * @base, so incremental backups since any checkpoint stay correct.
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virDomainBlockCommit(virDomainPtr dom, const char *disk, const char *base,
                         const char *top, unsigned long bandwidth,
                         unsigned int flags);

/* ---- Events --------------------------------------------------------- */

/* Lifecycle event kinds, and the detail enum of each. */
typedef enum {
    VIR_DOMAIN_EVENT_DEFINED = 0,
    VIR_DOMAIN_EVENT_UNDEFINED = 1,
    VIR_DOMAIN_EVENT_STARTED = 2,
    VIR_DOMAIN_EVENT_SUSPENDED = 3,
    VIR_DOMAIN_EVENT_RESUMED = 4,
    VIR_DOMAIN_EVENT_STOPPED = 5,
    VIR_DOMAIN_EVENT_SHUTDOWN = 6,
    VIR_DOMAIN_EVENT_PMSUSPENDED = 7,
    VIR_DOMAIN_EVENT_CRASHED = 8,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_LAST
# endif
} virDomainEventType;

typedef enum {
    VIR_DOMAIN_EVENT_DEFINED_ADDED = 0,
    VIR_DOMAIN_EVENT_DEFINED_UPDATED = 1,
    VIR_DOMAIN_EVENT_DEFINED_RENAMED = 2,
    VIR_DOMAIN_EVENT_DEFINED_FROM_SNAPSHOT = 3,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_DEFINED_LAST
# endif
} virDomainEventDefinedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_UNDEFINED_REMOVED = 0,
    VIR_DOMAIN_EVENT_UNDEFINED_RENAMED = 1,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_UNDEFINED_LAST
# endif
} virDomainEventUndefinedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_STARTED_BOOTED = 0,
    VIR_DOMAIN_EVENT_STARTED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_STARTED_RESTORED = 2,
    VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT = 3,
    VIR_DOMAIN_EVENT_STARTED_WAKEUP = 4,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_STARTED_LAST
# endif
} virDomainEventStartedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_SUSPENDED_PAUSED = 0,
    VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_SUSPENDED_IOERROR = 2,
    VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG = 3,
    VIR_DOMAIN_EVENT_SUSPENDED_RESTORED = 4,
    VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT = 5,
    VIR_DOMAIN_EVENT_SUSPENDED_API_ERROR = 6,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY = 7,
    VIR_DOMAIN_EVENT_SUSPENDED_POSTCOPY_FAILED = 8,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_SUSPENDED_LAST
# endif
} virDomainEventSuspendedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_RESUMED_UNPAUSED = 0,
    VIR_DOMAIN_EVENT_RESUMED_MIGRATED = 1,
    VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT = 2,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY = 3,
    VIR_DOMAIN_EVENT_RESUMED_POSTCOPY_FAILED = 4,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_RESUMED_LAST
# endif
} virDomainEventResumedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN = 0,
    VIR_DOMAIN_EVENT_STOPPED_DESTROYED = 1,
    VIR_DOMAIN_EVENT_STOPPED_CRASHED = 2,
    VIR_DOMAIN_EVENT_STOPPED_MIGRATED = 3,
    VIR_DOMAIN_EVENT_STOPPED_SAVED = 4,
    VIR_DOMAIN_EVENT_STOPPED_FAILED = 5,
    VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT = 6,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_STOPPED_LAST
# endif
} virDomainEventStoppedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED = 0,
    VIR_DOMAIN_EVENT_SHUTDOWN_GUEST = 1,
    VIR_DOMAIN_EVENT_SHUTDOWN_HOST = 2,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_SHUTDOWN_LAST
# endif
} virDomainEventShutdownDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_PMSUSPENDED_MEMORY = 0,
    VIR_DOMAIN_EVENT_PMSUSPENDED_DISK = 1,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_PMSUSPENDED_LAST
# endif
} virDomainEventPMSuspendedDetailType;

typedef enum {
    VIR_DOMAIN_EVENT_CRASHED_PANICKED = 0,
    VIR_DOMAIN_EVENT_CRASHED_CRASHLOADED = 1,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_CRASHED_LAST
# endif
} virDomainEventCrashedDetailType;

/* Callback of VIR_DOMAIN_EVENT_ID_LIFECYCLE: @event is a
 * virDomainEventType, @detail the matching detail value.  The return
 * value is ignored. */
typedef int (*virConnectDomainEventCallback)(virConnectPtr conn,
                                             virDomainPtr dom,
                                             int event,
                                             int detail,
                                             void *opaque);

/* The type every callback is cast to for registration. */
typedef void (*virConnectDomainEventGenericCallback)(virConnectPtr conn,
                                                     virDomainPtr dom,
                                                     void *opaque);

/* Callback of VIR_DOMAIN_EVENT_ID_BLOCK_JOB (@disk is the source path)
 * and VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 (@disk is the target, e.g. "vda");
 * @type is a virDomainBlockJobType, @status a
 * virConnectDomainEventBlockJobStatus. */
typedef void (*virConnectDomainEventBlockJobCallback)(virConnectPtr conn,
                                                      virDomainPtr dom,
                                                      const char *disk,
                                                      int type,
                                                      int status,
                                                      void *opaque);

/* Callback of VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: @params are the
 * statistics of the finished job (VIR_DOMAIN_JOB_* names), owned by the
 * library for the duration of the call. */
typedef void (*virConnectDomainEventJobCompletedCallback)(virConnectPtr conn,
                                                          virDomainPtr dom,
                                                          virTypedParameterPtr params,
                                                          int nparams,
                                                          void *opaque);

/* Cast a specific callback for virConnectDomainEventRegisterAny.  The
 * detour through void (*)(void) keeps -Wcast-function-type quiet in
 * programs built with -Wextra. */
# define VIR_DOMAIN_EVENT_CALLBACK(cb) \
    ((virConnectDomainEventGenericCallback)(void (*)(void))(cb))

/* Which event a callback is registered for. */
typedef enum {
    VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0,
    VIR_DOMAIN_EVENT_ID_REBOOT = 1,
    VIR_DOMAIN_EVENT_ID_RTC_CHANGE = 2,
    VIR_DOMAIN_EVENT_ID_WATCHDOG = 3,
    VIR_DOMAIN_EVENT_ID_IO_ERROR = 4,
    VIR_DOMAIN_EVENT_ID_GRAPHICS = 5,
    VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON = 6,
    VIR_DOMAIN_EVENT_ID_CONTROL_ERROR = 7,
    VIR_DOMAIN_EVENT_ID_BLOCK_JOB = 8,
    VIR_DOMAIN_EVENT_ID_DISK_CHANGE = 9,
    VIR_DOMAIN_EVENT_ID_TRAY_CHANGE = 10,
    VIR_DOMAIN_EVENT_ID_PMWAKEUP = 11,
    VIR_DOMAIN_EVENT_ID_PMSUSPEND = 12,
    VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE = 13,
    VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK = 14,
    VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED = 15,
    VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2 = 16,
    VIR_DOMAIN_EVENT_ID_TUNABLE = 17,
    VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE = 18,
    VIR_DOMAIN_EVENT_ID_DEVICE_ADDED = 19,
    VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION = 20,
    VIR_DOMAIN_EVENT_ID_JOB_COMPLETED = 21,
    VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED = 22,
    VIR_DOMAIN_EVENT_ID_METADATA_CHANGE = 23,
    VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD = 24,
    VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE = 25,
    VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE = 26,
# ifdef VIR_ENUM_SENTINELS
    VIR_DOMAIN_EVENT_ID_LAST
# endif
} virDomainEventID;

/*
 * virConnectDomainEventRegisterAny:
 * @conn: the connection
 * @dom: only events of this domain, or NULL for all domains
 * @eventID: a virDomainEventID
 * @cb: the callback of that event, cast with VIR_DOMAIN_EVENT_CALLBACK
 * @opaque: passed to @cb
 * @freecb: if not NULL, called on @opaque once the callback is removed
 *
 * Callbacks run from the event loop (virEventRunDefaultImpl or the
 * application's loop given to virEventRegisterImpl).
 *
 * Returns a callback ID for virConnectDomainEventDeregisterAny, or -1
 * (VIR_ERR_INVALID_ARG for an unknown @eventID or NULL @cb).
 *
 * Since: 0.1.0
 */
int virConnectDomainEventRegisterAny(virConnectPtr conn,
                                     virDomainPtr dom,
                                     int eventID,
                                     virConnectDomainEventGenericCallback cb,
                                     void *opaque,
                                     virFreeCallback freecb);

/*
 * virConnectDomainEventDeregisterAny:
 * @conn: the connection
 * @callbackID: the ID returned at registration
 *
 * Returns 0 or -1.
 *
 * Since: 0.1.0
 */
int virConnectDomainEventDeregisterAny(virConnectPtr conn, int callbackID);

# ifdef __cplusplus
}
# endif

#endif /* FLEECE_LIBVIRT_DOMAIN_H */
